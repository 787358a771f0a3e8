"""Rule packs: installed ones (the ``auditor.rules`` entry point) and local ones (``packs = [...]``).

The installed pack is the one ``docs/writing-rules.md`` builds, written from the
page's own code blocks, so the documentation cannot drift from the API. It is
"installed" the way an installer would leave it: the package directory on
``sys.path`` with a ``.dist-info`` directory beside it whose ``entry_points.txt``
registers it, which is all ``importlib.metadata.entry_points`` reads.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import facts as facts_mod
from auditor.cli import main
from auditor.config import Config, Overrides, PackRef, prepare, read_config, resolve_config
from auditor.engine import AuditOptions, audit
from auditor.fixture import build, scenario_path
from auditor.model import Outcome
from auditor.packs import combine, load_local_pack, load_packs, module_name
from auditor.render.json_report import render_json
from auditor.render.markdown import render_markdown
from auditor.rule import REQUIRED_SECTIONS, load_rules
from tests.scenario_support import ROOT, as_of_of

DOC = (ROOT / "docs" / "writing-rules.md").read_text(encoding="utf-8")
SEED_AS_OF = as_of_of("seed003")
SEED_DATE = SEED_AS_OF.date.isoformat()


def doc_block(first_line: str) -> str:
    """The fenced code block of writing-rules.md whose first line is ``first_line``."""
    for m in re.finditer(r"```(?:python|toml)\n(.*?)```", DOC, re.DOTALL):
        if m.group(1).startswith(first_line + "\n"):
            return m.group(1)
    raise AssertionError(f"docs/writing-rules.md has no code block starting {first_line!r}")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _forget_modules(*prefixes: str) -> None:
    for name in [n for n in sys.modules if n.startswith(prefixes)]:
        del sys.modules[name]


@pytest.fixture
def isolated_providers(monkeypatch):
    """Fact providers a pack registers at import time disappear after the test."""
    monkeypatch.setattr(facts_mod, "PROVIDERS", dict(facts_mod.PROVIDERS))


@pytest.fixture
def acme_pack(tmp_path, monkeypatch, isolated_providers) -> Path:
    """The documentation's pack, installed: importable, with its entry point registered."""
    root = tmp_path / "acme-audit-rules"
    _write(root / "pyproject.toml", doc_block("# pyproject.toml"))
    _write(root / "acme_rules" / "__init__.py", doc_block("# acme_rules/__init__.py"))
    _write(root / "acme_rules" / "ownership.py", doc_block("# acme_rules/ownership.py"))
    # What `pip install` leaves next to the package: metadata with the entry points from pyproject.toml.
    dist = root / "acme_audit_rules-1.0.0.dist-info"
    _write(dist / "METADATA", "Metadata-Version: 2.1\nName: acme-audit-rules\nVersion: 1.0.0\n")
    _write(dist / "entry_points.txt", "[auditor.rules]\nacme = acme_rules\n")
    monkeypatch.syspath_prepend(str(root))
    yield root
    _forget_modules("acme_rules")


@pytest.fixture
def runner(git_env) -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def seed_template(tmp_path_factory) -> Path:
    return build(scenario_path("seed003"), tmp_path_factory.mktemp("packs-seed") / "seed003")


@pytest.fixture
def team_dir(seed_template, tmp_path, git_env) -> Path:
    """``team/`` holding the team's configuration, with the audited repository at ``team/repo``."""
    team = tmp_path / "team"
    shutil.copytree(seed_template, team / "repo", symlinks=True)
    return team


# -- an installed pack (entry point) ------------------------------------------------------------------


def test_the_documented_pyproject_declares_the_entry_point():
    import tomllib

    data = tomllib.loads(doc_block("# pyproject.toml"))
    assert data["project"]["entry-points"]["auditor.rules"] == {"acme": "acme_rules"}


def test_installed_pack_is_loaded_with_its_pack_name(acme_pack):
    rules, problems = load_rules()
    assert problems == []
    acme = next(r for r in rules if r.rule_id() == "ACME001")
    assert acme.pack == "acme" and acme.area == "collaboration"
    assert all(acme.docs().get(h) for h in REQUIRED_SECTIONS)
    assert "acme_services" in facts_mod.PROVIDERS  # registered by the pack's __init__


def test_rules_list_shows_the_pack_rule(acme_pack, runner):
    result = runner.invoke(main, ["rules", "list"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert re.search(r"^ACME001\s+collaboration\s+The service names its on-call owners in OWNERS\.md$",
                     result.stdout, re.MULTILINE), result.stdout
    listed = json.loads(runner.invoke(main, ["rules", "list", "--format", "json"]).stdout)
    assert {"id": "ACME001", "area": "collaboration", "title": "The service names its on-call owners in OWNERS.md",
            "pack": "acme", "effort": "hour"} in listed


def test_rules_explain_prints_the_pack_rule_docs(acme_pack, runner):
    result = runner.invoke(main, ["rules", "explain", "ACME001"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("ACME001: The service names its on-call owners in OWNERS.md\n")
    assert "Area: collaboration" in out and "Pack: acme" in out and "Thresholds: owners_min=2" in out
    assert "Why it matters\nWhen an incident starts at night" in out
    assert "How to fix\nAdd `OWNERS.md` listing at least two people" in out


def test_an_audit_includes_the_pack_finding_in_json_and_markdown(acme_pack, runner, scenario):
    path = str(scenario("seed003"))
    as_json = runner.invoke(main, ["audit", path, "--format", "json", "--as-of", SEED_DATE], catch_exceptions=False)
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    area = next(a for a in data["areas"] if a["id"] == "collaboration")
    finding = next(f for f in area["findings"] if f["rule"] == "ACME001")
    assert finding["outcome"] == "fail" and finding["message"] == "no OWNERS.md: nobody is named as the service's owner"
    assert finding["measures"] == [{"name": "named owners", "value": 0, "unit": "people", "threshold": 2}]
    assert "acme" in data["method"]["rule_packs"]

    as_md = runner.invoke(main, ["audit", path, "--format", "markdown", "--as-of", SEED_DATE],
                          catch_exceptions=False)
    assert as_md.exit_code == 0, as_md.output
    section = as_md.stdout.split("## 15. Team Collaboration \\& Knowledge", 1)[1].split("\n## ", 1)[0]
    assert "no OWNERS.md: nobody is named as the service's owner" in section
    assert "- [ ] OWNERS.md naming at least two owners" in section
    assert "When an incident starts at night, nobody knows whom to page" in section   # Impact on Delivery
    assert re.search(r"Add `OWNERS\.md` listing at least two people.*ACME001", section)  # the recommendation
    assert "packs: acme, builtin" in as_md.stdout


def test_the_documented_tests_pass(acme_pack, monkeypatch):
    import importlib

    _write(acme_pack / "doc_tests" / "test_ownership.py", doc_block("# tests/test_ownership.py"))
    monkeypatch.syspath_prepend(str(acme_pack / "doc_tests"))
    try:
        module = importlib.import_module("test_ownership")
        tests = [fn for name, fn in vars(module).items() if name.startswith("test_")]
        assert len(tests) == 3
        for test in tests:
            test()
    finally:
        _forget_modules("test_ownership")


def test_a_broken_installed_pack_is_reported_not_a_crash(tmp_path, monkeypatch, runner):
    root = tmp_path / "broken"
    _write(root / "broken_rules" / "__init__.py", "raise RuntimeError('missing dependency: acme-sdk')\n")
    _write(root / "broken_rules-0.1.dist-info" / "METADATA", "Metadata-Version: 2.1\nName: broken-rules\nVersion: 0.1\n")
    _write(root / "broken_rules-0.1.dist-info" / "entry_points.txt", "[auditor.rules]\nbroken = broken_rules\n")
    monkeypatch.syspath_prepend(str(root))
    try:
        rules, problems = load_rules()
        assert [(p.pack, p.message) for p in problems] == [("broken", "RuntimeError: missing dependency: acme-sdk")]
        assert any(r.rule_id() == "REV001" for r in rules)
        result = runner.invoke(main, ["rules", "list"], catch_exceptions=False)
        assert result.exit_code == 0
        assert "auditor: warning: rule pack broken: RuntimeError: missing dependency: acme-sdk" in result.stderr
    finally:
        _forget_modules("broken_rules")


# -- local packs ---------------------------------------------------------------------------------------

HOUSE_RULE = '''
from auditor.model import Effort, Evidence, Measure
from auditor.rule import Rule


class {rule_id}(Rule):
    """A house rule about {topic}.

    ## Why it matters
    The house says so.

    ## How to fix
    Do what the house says.
    """

    area = "docs"
    effort = Effort.HOUR

    def check(self, tree):
        return self.failed("house rule {rule_id} fails on purpose",
                           evidence=[Evidence(path="README.md")], measures=[Measure("files", len(tree))])
'''


def house_rule(rule_id: str, topic: str = "documentation") -> str:
    return textwrap.dedent(HOUSE_RULE).format(rule_id=rule_id, topic=topic)


def test_load_a_package_under_a_unique_module_name(tmp_path):
    pack = tmp_path / "house_rules"
    _write(pack / "__init__.py", "from .common import TOPIC  # relative imports work\n")
    _write(pack / "common.py", "TOPIC = 'docs'\n")
    _write(pack / "checks.py", house_rule("HOUSE001"))
    rules = load_local_pack(pack, name="./house_rules")
    assert [r.rule_id() for r in rules] == ["HOUSE001"]
    assert rules[0].pack == "./house_rules"
    assert rules[0].__module__ == f"{module_name(pack)}.checks"
    assert module_name(pack).startswith("auditor_pack_") and "house_rules" not in sys.modules


def test_load_a_folder_of_modules_and_a_single_file(tmp_path):
    folder = tmp_path / "folder"
    _write(folder / "one.py", house_rule("HOUSE011"))
    _write(folder / "two.py", house_rule("HOUSE012"))
    _write(folder / "_private.py", house_rule("HOUSE013"))
    assert [r.rule_id() for r in load_local_pack(folder)] == ["HOUSE011", "HOUSE012"]
    single = _write(tmp_path / "single.py", house_rule("HOUSE021"))
    rules = load_local_pack(single)
    assert [r.rule_id() for r in rules] == ["HOUSE021"] and rules[0].pack == "single.py"


def test_two_packs_with_the_same_directory_name_do_not_collide(tmp_path):
    a = _write(tmp_path / "a" / "rules" / "x.py", house_rule("HOUSE031")).parent
    b = _write(tmp_path / "b" / "rules" / "x.py", house_rule("HOUSE032")).parent
    assert [r.rule_id() for r in load_local_pack(a)] == ["HOUSE031"]
    assert [r.rule_id() for r in load_local_pack(b)] == ["HOUSE032"]


def test_loading_a_pack_writes_no_bytecode(tmp_path):
    pack = _write(tmp_path / "pack" / "rules.py", house_rule("HOUSE041")).parent
    load_local_pack(pack)
    assert not list(pack.rglob("__pycache__")) and not list(pack.rglob("*.pyc"))


def _config(tmp_path: Path, text: str, *, name: str = "auditor.toml", root: Path | None = None) -> Config:
    path = _write(tmp_path / name, text)
    return read_config(path, repository_root=root, cwd=tmp_path)


def test_an_import_error_is_a_reported_load_problem(tmp_path):
    _write(tmp_path / "bad" / "__init__.py", "import acme_sdk_that_is_not_installed\n")
    _write(tmp_path / "fine" / "rules.py", house_rule("HOUSE051"))
    config = _config(tmp_path, "packs = ['./bad', './fine', './absent']\n")
    loaded = load_packs(config)
    assert [r.rule_id() for r in loaded.rules] == ["HOUSE051"]
    statuses = {s["path"]: (s["status"], s["reason"]) for s in loaded.statuses}
    assert statuses["./bad"] == ("failed", "ModuleNotFoundError: No module named 'acme_sdk_that_is_not_installed'")
    assert statuses["./fine"] == ("loaded", None)
    assert statuses["./absent"][0] == "failed" and "no such file or directory" in statuses["./absent"][1]
    assert [p.pack for p in loaded.problems] == ["./bad", "./absent"]
    assert not any(name.startswith(module_name(tmp_path / "bad")) for name in sys.modules)


def test_a_pack_declared_inside_the_audited_repository_does_not_run_by_default(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    sentinel = tmp_path / "pack-code-ran"
    _write(repo / "audit_rules" / "__init__.py", f"open({str(sentinel)!r}, 'w').close()\n" + house_rule("HOUSE061"))
    _write(repo / ".auditor.toml", "packs = ['./audit_rules']\n")
    config = resolve_config(repo)
    assert config.inside_repository

    refused = load_packs(config)
    assert refused.rules == [] and not sentinel.exists()
    assert refused.statuses[0]["status"] == "refused"
    assert "--allow-repo-packs" in refused.problems[0].message

    allowed = load_packs(config, allow_repo_packs=True)
    assert [r.rule_id() for r in allowed.rules] == ["HOUSE061"] and sentinel.exists()


def test_isolated_loads_no_pack(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    _write(repo / "audit_rules" / "rules.py", house_rule("HOUSE071"))
    _write(repo / ".auditor.toml", "packs = ['./audit_rules']\n")
    prepared = prepare(resolve_config(repo, isolated=True), AuditOptions(), as_of=SEED_AS_OF.date,
                       allow_repo_packs=True)
    assert not any(r.rule_id() == "HOUSE071" for r in prepared.rules)
    assert prepared.report.packs == () and prepared.report.origin == "isolated"


def test_a_pack_inside_the_repository_named_by_an_outside_configuration_needs_the_flag(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    _write(repo / "rules" / "r.py", house_rule("HOUSE081"))
    config = _config(tmp_path, "packs = ['./repo/rules']\n", root=repo)
    assert not config.inside_repository
    loaded = load_packs(config)
    assert loaded.rules == [] and "lies inside the audited repository" in loaded.statuses[0]["reason"]
    assert [r.rule_id() for r in load_packs(config, allow_repo_packs=True).rules] == ["HOUSE081"]


def test_a_configuration_owned_by_another_user_loads_no_pack_unless_named(tmp_path):
    import dataclasses

    _write(tmp_path / "rules" / "r.py", house_rule("HOUSE091"))
    config = dataclasses.replace(_config(tmp_path, "packs = ['./rules']\n"), owned_by_user=False)
    loaded = load_packs(config)
    assert loaded.rules == [] and "belongs to another user" in loaded.statuses[0]["reason"]
    named = dataclasses.replace(config, explicit=True)
    assert [r.rule_id() for r in load_packs(named).rules] == ["HOUSE091"]


def test_a_pack_can_add_a_fact_provider(tmp_path, isolated_providers):
    from auditor.testing import evaluate

    pack = tmp_path / "with_provider"
    _write(pack / "__init__.py", textwrap.dedent('''
        from auditor.facts import provider

        @provider("house_readme_lines")
        def readme_lines(facts):
            return len((facts.get("tree").read_text("README.md") or "").splitlines())
    '''))
    _write(pack / "rules.py", textwrap.dedent('''
        from auditor.model import Measure
        from auditor.rule import Rule

        class HOUSE101(Rule):
            """The README has at least three lines.

            ## Why it matters
            A one-line README explains nothing.

            ## How to fix
            Write a README.
            """
            area = "docs"

            def check(self, house_readme_lines):
                if house_readme_lines >= 3:
                    from auditor.model import Signal
                    return self.passed("README long enough", signal=Signal.DOCUMENTED,
                                       measures=[Measure("lines", house_readme_lines)])
                return self.failed("README too short", measures=[Measure("lines", house_readme_lines)])
    '''))
    (rule,) = load_local_pack(pack)
    assert "house_readme_lines" in facts_mod.PROVIDERS
    assert evaluate(rule, files={"README.md": "a\nb\nc\n"}).outcome is Outcome.PASS
    assert evaluate(rule, files={"README.md": "a\n"}).outcome is Outcome.FAIL


def test_a_pack_rule_with_a_built_in_id_is_a_problem_and_the_built_in_is_kept(tmp_path):
    rules, _ = load_rules()
    builtin = next(r for r in rules if r.rule_id() == "REV001")
    clash = load_local_pack(_write(tmp_path / "clash" / "r.py", house_rule("REV001")).parent, name="./clash")
    combined, problems = combine(rules, clash)
    assert next(r for r in combined if r.rule_id() == "REV001") is builtin
    assert [(p.pack, p.message) for p in problems] == [
        ("./clash", "rule REV001 is defined twice; the first (from builtin) was kept")]


def test_a_local_pack_from_the_team_configuration_runs_in_the_audit(team_dir):
    _write(team_dir / "house_rules" / "__init__.py", "")
    _write(team_dir / "house_rules" / "checks.py", house_rule("HOUSE111"))
    _write(team_dir / "auditor.toml", "packs = ['./house_rules']\n[thresholds.HOUSE111]\n")
    config = resolve_config(team_dir / "repo")
    assert config.source_path == team_dir / "auditor.toml" and not config.inside_repository
    prepared = prepare(config, AuditOptions(), Overrides(), as_of=SEED_AS_OF.date)
    assert prepared.load_problems == []
    assert prepared.report.to_dict()["packs"] == [{"path": "./house_rules", "status": "loaded",
                                                   "rules": ["HOUSE111"], "reason": None}]
    result = audit(team_dir / "repo", as_of=SEED_AS_OF, options=prepared.options, rules=prepared.rules)
    data = json.loads(render_json(result))
    docs_area = next(a for a in data["areas"] if a["id"] == "docs")
    finding = next(f for f in docs_area["findings"] if f["rule"] == "HOUSE111")
    assert finding["outcome"] == "fail" and finding["message"] == "house rule HOUSE111 fails on purpose"
    assert "./house_rules" in data["method"]["rule_packs"]
    assert "house rule HOUSE111 fails on purpose" in render_markdown(result)


def test_a_local_pack_rule_can_be_selected_tuned_and_waived(team_dir):
    _write(team_dir / "house_rules" / "checks.py", house_rule("HOUSE121"))
    _write(team_dir / "auditor.toml", "select = ['HOUSE']\npacks = ['./house_rules']\n"
                                      "[[waivers]]\nrule = 'HOUSE121'\nreason = 'we know'\n")
    prepared = prepare(resolve_config(team_dir / "repo"), AuditOptions(), as_of=SEED_AS_OF.date)
    result = audit(team_dir / "repo", as_of=SEED_AS_OF, options=prepared.options, rules=prepared.rules)
    assert result.rules_run == ("HOUSE121",)
    assert result.findings[0].waived == "we know"


def test_config_referencing_a_refused_pack_rule_is_an_error_naming_the_rule(tmp_path):
    """Rule references are checked against the rules that actually loaded."""
    from auditor.config import ConfigError

    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    _write(repo / "audit_rules" / "r.py", house_rule("HOUSE131"))
    _write(repo / ".auditor.toml", "packs = ['./audit_rules']\nselect = ['HOUSE131']\n")
    with pytest.raises(ConfigError, match=r"^\.auditor\.toml: select\[0\]: 'HOUSE131' matches no rule"):
        prepare(resolve_config(repo, cwd=repo), AuditOptions(), as_of=SEED_AS_OF.date)
    prepared = prepare(resolve_config(repo, cwd=repo), AuditOptions(), as_of=SEED_AS_OF.date, allow_repo_packs=True)
    assert prepared.options.select == ("HOUSE131",)


def test_pack_refs_are_resolved_against_the_configuration_directory(tmp_path):
    config = _config(tmp_path / "conf", "packs = ['rules', './more/rules.py']\n")
    assert config.packs == (PackRef("rules", tmp_path / "conf" / "rules"),
                            PackRef("./more/rules.py", tmp_path / "conf" / "more" / "rules.py"))
