"""The command line with configuration: discovery, flags, gates, waivers, packs and `auditor init` (CliRunner).

These run once the CLI wires auditor/config.py in (`--config`, `--isolated`,
`--allow-repo-packs`, `auditor init`); until then the module is skipped, with the
reason shown in pytest's summary.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import audit_cmd, main
from auditor.fixture import build, scenario_path
from tests.scenario_support import as_of_of

if not any(p.name == "config_file" for p in audit_cmd.params):
    pytest.skip("the CLI does not wire configuration yet (auditor audit --config)", allow_module_level=True)

SEED_DATE = as_of_of("seed003").date.isoformat()

HOUSE_RULE = '''
from auditor.model import Effort
from auditor.rule import Rule


class HOUSE001(Rule):
    """The house rule holds.

    ## Why it matters
    The house says so.

    ## How to fix
    Do what the house says.
    """

    area = "docs"
    effort = Effort.HOUR

    def check(self, tree):
        return self.failed("house rule HOUSE001 fails on purpose")
'''


@pytest.fixture(scope="module")
def seed_template(tmp_path_factory) -> Path:
    return build(scenario_path("seed003"), tmp_path_factory.mktemp("cli-config-seed") / "seed003")


@pytest.fixture
def repo(seed_template, tmp_path, git_env) -> Path:
    dest = tmp_path / "team" / "seed003"
    shutil.copytree(seed_template, dest, symlinks=True)
    return dest


@pytest.fixture
def runner(git_env) -> CliRunner:
    return CliRunner()


def _audit(runner, *args):
    return runner.invoke(main, ["audit", *args, "--as-of", SEED_DATE], catch_exceptions=False)


def _json(result) -> dict:
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_a_configuration_inside_the_repository_is_used_and_named(runner, repo):
    (repo / ".auditor.toml").write_text("select = ['REV']\n[context]\nkind = 'library'\nteam_size = 3\n")
    result = _audit(runner, str(repo), "--format", "json")
    data = _json(result)
    assert data["method"]["configuration"]["source"] == ".auditor.toml"
    assert data["method"]["configuration"]["inside_repository"] is True
    assert {f["rule"] for a in data["areas"] for f in a["findings"]} <= {"REV001", "REV002", "REV003", "REV004",
                                                                         "REV005"}
    assert "note: using .auditor.toml from inside the audited repository" in result.stderr
    md = _audit(runner, str(repo), "--format", "markdown").stdout
    assert "**Declared context** — stated by the team in `.auditor.toml` (inside the audited repository)" in md
    assert "- Project kind: library — the repository shows: deployed service or web application" in md
    assert "- Team size: 3 — the repository shows: 1 active author in the last 90 days" in md
    assert "- Configuration: `.auditor.toml` — inside the audited repository" in md


def test_isolated_ignores_it(runner, repo):
    (repo / ".auditor.toml").write_text("select = ['REV']\n")
    data = _json(_audit(runner, str(repo), "--format", "json", "--isolated"))
    assert data["method"]["configuration"]["origin"] == "isolated"
    assert len(data["method"]["configuration"]["select"]) == 0
    assert any(f["rule"].startswith("TST") for a in data["areas"] for f in a["findings"])


def test_config_flag_and_select_flag_win(runner, repo, tmp_path):
    (repo / ".auditor.toml").write_text("select = ['REV']\n")
    other = tmp_path / "team.toml"
    other.write_text("select = ['TST']\n")
    data = _json(_audit(runner, str(repo), "--format", "json", "--config", str(other)))
    assert {f["rule"][:3] for a in data["areas"] for f in a["findings"]} == {"TST"}
    data = _json(_audit(runner, str(repo), "--format", "json", "--select", "SEC001"))
    assert [f["rule"] for a in data["areas"] for f in a["findings"]] == ["SEC001"]


def test_config_and_isolated_exclude_each_other(runner, repo):
    result = _audit(runner, str(repo), "--config", "x.toml", "--isolated")
    assert result.exit_code == 2
    assert result.stderr.strip() == "auditor: error: --config and --isolated exclude each other"


def test_invalid_configuration_exits_2_with_one_line(runner, repo):
    (repo / ".auditor.toml").write_text("[thresholds.REV001]\nreviewd_share_min = 0.8\n")
    result = _audit(runner, str(repo))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith(
        ".auditor.toml: thresholds.REV001.reviewd_share_min: unknown threshold "
        "(expected one of: reviewed_share_min, window)")


def test_gates_from_the_file_and_the_flag_wins(runner, repo):
    (repo / ".auditor.toml").write_text("fail_under = 4.5\n")
    assert _audit(runner, str(repo), "--format", "json").exit_code == 1
    assert _audit(runner, str(repo), "--format", "json", "--fail-under", "0.5").exit_code == 0
    (repo / ".auditor.toml").write_text("[min_area]\nreview = 3\n")
    result = _audit(runner, str(repo), "--format", "json")
    assert result.exit_code == 1 and "review" in result.stderr


def test_waivers_in_json_and_markdown(runner, repo):
    (repo / ".auditor.toml").write_text(
        "[[waivers]]\nrule = 'REV001'\nreason = 'solo project'\n"
        "[[waivers]]\nrule = 'REV002'\nreason = 'until hiring'\nexpires = 2025-01-31\n")
    result = _audit(runner, str(repo), "--format", "json")
    data = _json(result)
    review = next(a for a in data["areas"] if a["id"] == "review")
    by_rule = {f["rule"]: f for f in review["findings"]}
    assert by_rule["REV001"]["waived"] == "solo project" and "waived" not in by_rule["REV002"]
    assert "warning: the waiver for REV002 expired on 2025-01-31; it is not honoured" in result.stderr
    md = _audit(runner, str(repo), "--format", "markdown").stdout
    assert "**Waived** (accepted in the team's configuration; not counted in the score):" in md
    assert "- REV001 — 26 of 26 commits on the default branch were direct commits *(waiver: solo project)*" in md
    assert "waiver for REV002: until hiring, expires 2025-01-31 — **expired: not honoured**" in md


def test_repo_packs_need_the_flag(runner, repo):
    (repo / "audit_rules").mkdir()
    (repo / "audit_rules" / "house.py").write_text(HOUSE_RULE)
    (repo / ".auditor.toml").write_text("packs = ['./audit_rules']\n")
    result = _audit(runner, str(repo), "--format", "json")
    data = _json(result)
    assert not any(f["rule"] == "HOUSE001" for a in data["areas"] for f in a["findings"])
    assert "rule pack ./audit_rules not loaded" in result.stderr
    assert data["method"]["load_problems"][0][0] == "./audit_rules"
    allowed = _json(_audit(runner, str(repo), "--format", "json", "--allow-repo-packs"))
    assert any(f["rule"] == "HOUSE001" for a in allowed["areas"] for f in a["findings"])
    md = _audit(runner, str(repo), "--format", "markdown", "--allow-repo-packs").stdout
    assert "house rule HOUSE001 fails on purpose" in md
    assert "Do what the house says. *(effort: 1 hour; HOUSE001)*" in md   # docs of a local pack reach the report


def test_a_team_pack_outside_the_repository_loads(runner, repo):
    team = repo.parent
    (team / "house").mkdir()
    (team / "house" / "rules.py").write_text(HOUSE_RULE)
    (team / "auditor.toml").write_text("packs = ['./house']\n")
    data = _json(_audit(runner, str(repo), "--format", "json"))
    assert any(f["rule"] == "HOUSE001" for a in data["areas"] for f in a["findings"])
    assert "./house" in data["method"]["rule_packs"]


def test_init_writes_a_starter_and_refuses_to_overwrite(runner, repo):
    first = runner.invoke(main, ["init", str(repo)], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert (repo / ".auditor.toml").read_text().startswith("# auditor configuration")
    again = runner.invoke(main, ["init", str(repo)], catch_exceptions=False)
    assert again.exit_code == 2
    assert again.stderr.strip() == f"auditor: error: {repo / '.auditor.toml'} already exists; pass --force to overwrite it"
    assert runner.invoke(main, ["init", str(repo), "--force"]).exit_code == 0
    # The starter changes nothing until uncommented.
    assert _audit(runner, str(repo), "--format", "json").exit_code == 0
