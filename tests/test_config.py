"""Configuration: discovery, validation, and how it tailors an audit (auditor/config.py, auditor/init.py).

Discovery and validation are tested on files in ``tmp_path``; what configuration
does to an audit is tested by auditing a real repository built from
``fixtures/seed003.yaml`` (a solo Next.js SaaS whose default branch takes direct
commits, so REV001 fails there).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from auditor.areas import AREA_IDS, BY_ID
from auditor.clock import AsOf
from auditor.config import (
    CONFIG_FILES,
    CONTEXT_KEYS,
    TOP_LEVEL,
    WAIVER_KEYS,
    Config,
    ConfigError,
    Overrides,
    apply,
    check_rules,
    config_report,
    find_config,
    gates,
    prepare,
    read_config,
    repository_root,
    resolve_config,
)
from auditor.engine import AuditOptions, audit
from auditor.fixture import build, scenario_path
from auditor.init import InitError, starter_config, write_starter
from auditor.model import Outcome
from auditor.rule import load_rules
from tests.scenario_support import ROOT, as_of_of

SEED_AS_OF = as_of_of("seed003")
SCHEMA = json.loads((ROOT / "auditor" / "schema" / "config.schema.json").read_text(encoding="utf-8"))
RULES, _ = load_rules()


@pytest.fixture(scope="module")
def seed_template(tmp_path_factory) -> Path:
    return build(scenario_path("seed003"), tmp_path_factory.mktemp("config-seed") / "seed003")


@pytest.fixture
def seed(seed_template, tmp_path, git_env) -> Path:
    """A private copy of the seed003 repository, to write configuration files into."""
    dest = tmp_path / "work" / "seed003"
    shutil.copytree(seed_template, dest, symlinks=True)
    return dest


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _fake_repo(path: Path) -> Path:
    (path / ".git").mkdir(parents=True)
    return path


def _configured(repo: Path, text: str, *, overrides: Overrides | None = None, as_of: AsOf = SEED_AS_OF,
                options: AuditOptions | None = None):
    """Write ``.auditor.toml`` into ``repo``, resolve, prepare and audit it as the CLI would."""
    _write(repo / ".auditor.toml", text)
    config = resolve_config(repo)
    prepared = prepare(config, options or AuditOptions(), overrides, as_of=as_of.date)
    result = audit(repo, as_of=as_of, options=prepared.options, rules=prepared.rules)
    return prepared, result


def _finding(result, rule_id: str):
    return next(f for f in result.findings if f.rule_id == rule_id)


# -- discovery --------------------------------------------------------------------------------


def test_the_closest_configuration_wins(tmp_path):
    outer = _write(tmp_path / "auditor.toml", "")
    repo = _fake_repo(tmp_path / "repo")
    inner = _write(repo / "sub" / ".auditor.toml", "")
    assert find_config(repo / "sub") == inner
    assert find_config(repo / "sub" / "deeper-file.txt") == inner
    assert find_config(repo) == outer


def test_precedence_within_one_directory(tmp_path):
    _write(tmp_path / "pyproject.toml", "[tool.auditor]\nselect = ['REV']\n")
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"
    _write(tmp_path / "auditor.toml", "")
    assert find_config(tmp_path) == tmp_path / "auditor.toml"
    _write(tmp_path / ".auditor.toml", "")
    assert find_config(tmp_path) == tmp_path / ".auditor.toml"
    assert CONFIG_FILES == (".auditor.toml", "auditor.toml", "pyproject.toml")


def test_a_pyproject_without_tool_auditor_is_passed_over(tmp_path):
    outer = _write(tmp_path / "auditor.toml", "select = ['REV']\n")
    _write(tmp_path / "repo" / "pyproject.toml", "[project]\nname = 'x'\n[tool.ruff]\nline-length = 100\n")
    assert find_config(tmp_path / "repo") == outer


def test_pyproject_keys_live_under_tool_auditor(tmp_path):
    _write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n\n[tool.auditor]\nselect = ['REV']\n"
                                        "[tool.auditor.weights]\nreview = 3\n")
    config = resolve_config(tmp_path)
    assert config.select == ("REV",) and config.weights == {"review": 3.0}


def test_no_silent_merging_of_several_files(tmp_path):
    _write(tmp_path / "auditor.toml", "ignore = ['SEC']\n[weights]\nreview = 4\n")
    repo = _fake_repo(tmp_path / "repo")
    _write(repo / ".auditor.toml", "select = ['REV']\n")
    config = resolve_config(repo)
    assert config.source_path == repo / ".auditor.toml"
    assert config.ignore == () and config.weights == {}


def test_config_flag_overrides_discovery(tmp_path):
    repo = _fake_repo(tmp_path / "repo")
    _write(repo / ".auditor.toml", "select = ['REV']\n")
    chosen = _write(tmp_path / "elsewhere" / "team.toml", "select = ['TST']\n")
    config = resolve_config(repo, config_file=chosen)
    assert config.source_path == chosen and config.explicit
    assert config.select == ("TST",) and not config.inside_repository


def test_isolated_reads_no_configuration(tmp_path):
    repo = _fake_repo(tmp_path / "repo")
    _write(repo / ".auditor.toml", "this is not toml\n")
    config = resolve_config(repo, isolated=True)
    assert config.source_path is None and config.origin == "isolated"
    report = config_report(config, as_of=dt.date(2025, 1, 1)).to_dict()
    assert report["origin"] == "isolated" and report["source"] is None


def test_no_configuration_anywhere(tmp_path):
    repo = _fake_repo(tmp_path / "repo")
    config = resolve_config(repo)
    if config.source_path is not None:  # a stray file above the temporary directory: nothing to assert here
        pytest.skip(f"a configuration exists above the test directory: {config.source_path}")
    assert config.origin == "none"


def test_a_url_target_discovers_from_the_current_directory(tmp_path):
    here = _fake_repo(tmp_path / "my-checkout")
    _write(here / "auditor.toml", "select = ['REV']\n")
    config = resolve_config("https://example.org/team/repo.git", cwd=here)
    assert config.source_path == here / "auditor.toml"
    assert not config.inside_repository  # the user's directory, not the cloned repository


def test_configuration_inside_the_repository_is_marked(tmp_path):
    repo = _fake_repo(tmp_path / "repo")
    (repo / "src").mkdir()
    _write(repo / ".auditor.toml", "")
    assert repository_root(repo / "src") == repo
    config = resolve_config(repo / "src")
    assert config.inside_repository and config.origin == "repository"
    assert config.report_path == ".auditor.toml"
    _fake_repo(tmp_path / "a" / "other")
    _write(tmp_path / "a" / "auditor.toml", "")
    outside = resolve_config(tmp_path / "a" / "other")
    assert not outside.inside_repository and outside.origin == "user"
    assert outside.report_path == str(tmp_path / "a" / "auditor.toml")


def test_a_bare_repository_counts_as_the_repository(tmp_path):
    bare = tmp_path / "repo.git"
    (bare / "objects").mkdir(parents=True)
    (bare / "refs").mkdir()
    _write(bare / "HEAD", "ref: refs/heads/main\n")
    _write(bare / "auditor.toml", "")
    config = resolve_config(bare)
    assert config.inside_repository


def test_a_symlinked_configuration_inside_the_repository_is_refused(tmp_path):
    secret = _write(tmp_path / "secret.toml", "select = ['REV']\n")
    repo = _fake_repo(tmp_path / "repo")
    (repo / ".auditor.toml").symlink_to(secret)
    with pytest.raises(ConfigError) as err:
        resolve_config(repo)
    assert "a symbolic link (expected a regular file)" in str(err.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_configuration_does_not_hang_the_audit(tmp_path):
    repo = _fake_repo(tmp_path / "repo")
    os.mkfifo(repo / ".auditor.toml")
    with pytest.raises(ConfigError, match=r"not a regular file"):
        resolve_config(repo)


def test_configuration_larger_than_a_megabyte_is_refused(tmp_path):
    path = _write(tmp_path / "auditor.toml", "# padding\n" * 110_000)
    with pytest.raises(ConfigError, match=r"at most 1 MB"):
        read_config(path, cwd=tmp_path)


# -- invalid configuration: one line naming file, key and expectation ----------------------------


INVALID = [
    ("unknown-top-level", "colour = 'red'\n", "colour", "unknown key", "one of: select, ignore"),
    ("select-not-a-list", "select = 'REV'\n", "select", "a string ('REV')", "a list of rule IDs or prefixes"),
    ("selector-malformed", "select = ['rev-1']\n", "select[0]", "'rev-1'", "a rule ID or prefix"),
    ("thresholds-not-a-number", "[thresholds.REV001]\nreviewed_share_min = 'high'\n",
     "thresholds.REV001.reviewed_share_min", "a string ('high')", "a number"),
    ("weights-unknown-area", "[weights]\nreveiw = 2\n", "weights.reveiw", "unknown area", "an area ID, one of: board"),
    ("weights-not-a-number", "[weights]\nreview = true\n", "weights.review", "a boolean (true)",
     "a non-negative number"),
    ("weights-negative", "[weights]\nreview = -1\n", "weights.review", "-1, out of range", "a non-negative number"),
    ("min-area-out-of-range", "[min_area]\nreview = 7\n", "min_area.review", "7, out of range",
     "a number from 0 to 5"),
    ("fail-under-wrong-type", "fail_under = '3'\n", "fail_under", "a string ('3')", "a number from 0 to 5"),
    ("context-bad-kind", "[context]\nkind = 'webapp'\n", "context.kind", "'webapp'",
     "one of: library, service, cli, docs, monorepo"),
    ("context-unknown-key", "[context]\nlanguage = 'go'\n", "context.language", "unknown key", "one of: kind"),
    ("context-deployed-not-bool", "[context]\ndeployed = 'yes'\n", "context.deployed", "a string ('yes')",
     "true or false"),
    ("context-team-size-bool", "[context]\nteam_size = true\n", "context.team_size", "a boolean (true)",
     "a whole number of people"),
    ("context-tracker-key", "[context]\ntracker_key = 'SMS-1'\n", "context.tracker_key", "'SMS-1'",
     "a tracker project key"),
    ("waiver-missing-reason", "[[waivers]]\nrule = 'SEC004'\n", "waivers[0].reason", "missing",
     "a reason saying why the finding is accepted"),
    ("waiver-empty-reason", "[[waivers]]\nrule = 'SEC004'\nreason = '  '\n", "waivers[0].reason",
     "an empty string", "why the finding is accepted"),
    ("waiver-bad-date", "[[waivers]]\nrule = 'SEC004'\nreason = 'r'\nexpires = '2026-13-01'\n",
     "waivers[0].expires", "'2026-13-01', not a date", "a date as YYYY-MM-DD"),
    ("waiver-datetime", "[[waivers]]\nrule = 'SEC004'\nreason = 'r'\nexpires = 2026-12-01T10:00:00Z\n",
     "waivers[0].expires", "a date and time", "a date as YYYY-MM-DD"),
    ("waiver-prefix-not-id", "[[waivers]]\nrule = 'SEC'\nreason = 'r'\n", "waivers[0].rule", "'SEC'",
     "an exact rule ID"),
    ("waiver-unknown-key", "[[waivers]]\nrule = 'SEC004'\nreason = 'r'\nuntil = 2026-01-01\n",
     "waivers[0].until", "unknown key", "one of: rule, reason, owner, expires"),
    ("waiver-twice", "[[waivers]]\nrule = 'SEC004'\nreason = 'r'\n[[waivers]]\nrule = 'SEC004'\nreason = 's'\n",
     "waivers[1].rule", "a second waiver for SEC004", "one waiver per rule"),
    ("pack-dotdot", "packs = ['../elsewhere']\n", "packs[0]", "'../elsewhere' leads outside", "a path below"),
    ("pack-absolute", "packs = ['/usr/lib/python3']\n", "packs[0]", "'/usr/lib/python3' leads outside",
     "a path below"),
    ("pack-itself", "packs = ['.']\n", "packs[0]", "'.' is that directory itself", "a path below"),
    ("unparseable", "select = ['REV'\nignore = []\n", "line 2, column 1", "unparseable TOML", "valid TOML"),
]


@pytest.mark.parametrize("text,key,got,expected", [case[1:] for case in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_configuration_is_one_line_naming_file_key_and_expectation(tmp_path, text, key, got, expected):
    path = _write(tmp_path / "auditor.toml", text)
    with pytest.raises(ConfigError) as err:
        check_rules(read_config(path, cwd=tmp_path), RULES)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"auditor.toml: {key}: "), message
    assert got in message and f"(expected {expected}" in message, message


# Rule references are checked against the loaded rules (built-in and packs).
UNKNOWN_RULES = [
    ("unknown-prefix", "select = ['ZZZ']\n", "select[0]", "'ZZZ' matches no rule",
     "a rule ID or prefix matching at least one rule; see `auditor rules list`"),
    ("unknown-ignore", "ignore = ['REV999']\n", "ignore[0]", "'REV999' matches no rule",
     "a rule ID or prefix matching"),
    ("unknown-threshold-rule", "[thresholds.REV999]\nwindow = 10\n", "thresholds.REV999", "unknown rule REV999",
     "a rule ID listed by `auditor rules list`"),
    ("unknown-waiver-rule", "[[waivers]]\nrule = 'SEC999'\nreason = 'r'\n", "waivers[0].rule",
     "unknown rule SEC999", "a rule ID listed by"),
    ("threshold-on-a-rule-without-any", "[thresholds.REV002]\nwindow = 10\n", "thresholds.REV002.window",
     "unknown threshold", "one of: coverage_min"),
]


@pytest.mark.parametrize("text,key,got,expected", [c[1:] for c in UNKNOWN_RULES], ids=[c[0] for c in UNKNOWN_RULES])
def test_unknown_rules_and_prefixes_are_configuration_errors(tmp_path, text, key, got, expected):
    path = _write(tmp_path / "auditor.toml", text)
    config = read_config(path, cwd=tmp_path)  # structurally valid
    with pytest.raises(ConfigError) as err:
        check_rules(config, RULES)
    assert str(err.value).startswith(f"auditor.toml: {key}: {got} (expected {expected}"), str(err.value)


def test_unknown_threshold_message_lists_the_rule_thresholds(tmp_path):
    path = _write(tmp_path / "auditor.toml", "[thresholds.REV001]\nreviewd_share_min = 0.8\n")
    with pytest.raises(ConfigError) as err:
        check_rules(read_config(path, cwd=tmp_path), RULES)
    assert str(err.value) == ("auditor.toml: thresholds.REV001.reviewd_share_min: unknown threshold "
                              "(expected one of: reviewed_share_min, window)")


def test_pyproject_errors_name_the_tool_auditor_key(tmp_path):
    path = _write(tmp_path / "pyproject.toml", "[tool.auditor]\nselect = ['REV']\nfail_under = 9\n")
    with pytest.raises(ConfigError) as err:
        read_config(path, cwd=tmp_path)
    assert str(err.value).startswith("pyproject.toml: tool.auditor.fail_under: 9, out of range (expected")


def test_a_pack_path_escaping_through_a_symlink_is_refused(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "rules").symlink_to(tmp_path / "outside")
    path = _write(tmp_path / "conf" / "auditor.toml", "packs = ['./rules']\n")
    with pytest.raises(ConfigError, match=r"packs\[0\]: './rules' leads outside"):
        read_config(path, cwd=tmp_path)


def test_missing_config_file_given_on_the_command_line(tmp_path):
    with pytest.raises(ConfigError) as err:
        resolve_config(tmp_path, config_file="nope.toml", cwd=tmp_path)
    assert str(err.value) == "nope.toml: --config: no such file (expected an existing configuration file)"


def test_error_names_the_file_relative_to_the_current_directory(tmp_path):
    path = _write(tmp_path / "team" / "auditor.toml", "colour = 1\n")
    with pytest.raises(ConfigError) as err:
        read_config(path, cwd=tmp_path)
    assert str(err.value).startswith(f"{Path('team') / 'auditor.toml'}: colour: unknown key")


# -- the schema documents every key ------------------------------------------------------------


def test_json_schema_covers_every_key():
    assert set(SCHEMA["properties"]) == set(TOP_LEVEL)
    assert set(SCHEMA["properties"]["context"]["properties"]) == set(CONTEXT_KEYS)
    assert set(SCHEMA["properties"]["waivers"]["items"]["properties"]) == set(WAIVER_KEYS)
    assert set(SCHEMA["$defs"]["areaNumbers"]["properties"]) == set(AREA_IDS)
    import auditor.config as module

    for key in TOP_LEVEL:
        assert re.search(rf"^\s+(\[+|)[^\n]*\b{key}\b", module.__doc__, re.MULTILINE), f"{key} is not in the docstring"


def test_a_full_configuration_validates_against_the_schema_and_the_reader(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    text = """
select = ["REV", "TST001"]
ignore = ["REV002"]
fail_under = 3.0
[thresholds.REV001]
reviewed_share_min = 0.8
[weights]
review = 2.0
pain-points = 0
[min_area]
review = 3
[context]
kind = "service"
deployed = true
tracker = "jira"
tracker_key = "SMS"
deploy_platform = "vercel"
team_size = 4
[[waivers]]
rule = "SEC004"
reason = "secrets live in Vault"
owner = "ops@example.org"
expires = 2026-12-31
"""
    path = _write(tmp_path / "auditor.toml", text)
    config = read_config(path, cwd=tmp_path)
    assert check_rules(config, RULES) == []
    data = tomllib.loads(text)
    data["waivers"][0]["expires"] = data["waivers"][0]["expires"].isoformat()
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(data)
    assert config.waivers[0].expires == dt.date(2026, 12, 31)
    assert config.context["team_size"] == 4


# -- applying configuration to an audit ---------------------------------------------------------


def test_select_and_ignore_by_prefix(seed):
    _, result = _configured(seed, "select = ['REV', 'TST001']\nignore = ['REV002']\n")
    assert set(result.rules_run) == {r.rule_id() for r in RULES if r.rule_id().startswith(("REV", "TST001"))} - {"REV002"}


def test_command_line_select_replaces_the_file_selection_and_ignore_adds(tmp_path):
    config = read_config(_write(tmp_path / "auditor.toml", "select = ['REV']\nignore = ['REV002']\n"), cwd=tmp_path)
    as_of = dt.date(2025, 10, 18)
    replaced = apply(config, AuditOptions(), Overrides(select=("TST",)), as_of=as_of)
    assert replaced.select == ("TST",) and replaced.ignore == ()
    added = apply(config, AuditOptions(), Overrides(ignore=("REV003",)), as_of=as_of)
    assert added.select == ("REV",) and added.ignore == ("REV002", "REV003")


def test_thresholds_override_changes_the_measured_threshold(seed):
    _, default = _configured(seed, "select = ['REV001']\n")
    _, tuned = _configured(seed, "select = ['REV001']\n[thresholds.REV001]\nreviewed_share_min = 0.25\n")

    def threshold(result):
        return next(m.threshold for m in _finding(result, "REV001").measures if m.name == "reviewed share")

    assert threshold(default) == 0.7
    assert threshold(tuned) == 0.25


def test_weights_change_the_overall_score(seed):
    _, plain = _configured(seed, "")
    _, weighted = _configured(seed, "[weights]\nreview = 0\ntesting = 10\n")
    testing = plain.area("testing").score
    assert weighted.area("testing").score == testing  # an area's own score does not move
    assert weighted.overall != plain.overall
    assert abs(weighted.overall - testing) < abs(plain.overall - testing)


def test_an_unexpired_waiver_marks_the_finding_waived_and_it_does_not_count(seed):
    text = ("select = ['REV']\n[[waivers]]\nrule = 'REV001'\nreason = 'solo project: nobody to review'\n"
            "owner = 'jordan'\nexpires = 2026-06-30\n")
    prepared, result = _configured(seed, text)
    finding = _finding(result, "REV001")
    assert finding.outcome is Outcome.FAIL and finding.waived == "solo project: nobody to review"
    assert not finding.counts
    assert json.loads(json.dumps(finding.to_dict()))["waived"] == "solo project: nobody to review"
    waiver = prepared.report.to_dict()["waivers"][0]
    assert waiver == {"rule": "REV001", "reason": "solo project: nobody to review", "owner": "jordan",
                      "expires": "2026-06-30", "status": "honoured"}
    _, unwaived = _configured(seed, "select = ['REV']\n")
    assert _finding(unwaived, "REV001").counts


def test_an_expired_waiver_is_reported_and_not_honoured(seed):
    text = "select = ['REV']\n[[waivers]]\nrule = 'REV001'\nreason = 'until the second maintainer joins'\nexpires = 2025-06-30\n"
    prepared, result = _configured(seed, text)  # audited as of 2025-10-18, after the expiry
    assert "REV001" not in prepared.options.waivers
    finding = _finding(result, "REV001")
    assert finding.waived is None and finding.counts
    assert prepared.report.expired_waivers == [{"rule": "REV001", "reason": "until the second maintainer joins",
                                                "owner": None, "expires": "2025-06-30", "status": "expired"}]


def test_waiver_expiry_follows_the_audit_date_not_the_clock(tmp_path):
    text = "[[waivers]]\nrule = 'SEC004'\nreason = 'r'\nexpires = 2020-01-31\n"
    config = read_config(_write(tmp_path / "auditor.toml", text), cwd=tmp_path)
    on_the_day = apply(config, AuditOptions(), as_of=dt.date(2020, 1, 31))
    the_day_after = apply(config, AuditOptions(), as_of=dt.date(2020, 2, 1))
    assert on_the_day.waivers == {"SEC004": "r"} and the_day_after.waivers == {}
    assert config.waivers[0].status(dt.date(2020, 1, 31)) == "honoured"
    assert config.waivers[0].status(dt.date(2020, 2, 1)) == "expired"


def test_a_waiver_without_expiry_is_honoured(tmp_path):
    config = read_config(_write(tmp_path / "auditor.toml", "[[waivers]]\nrule = 'SEC004'\nreason = 'r'\n"), cwd=tmp_path)
    assert apply(config, AuditOptions(), as_of=dt.date(2999, 1, 1)).waivers == {"SEC004": "r"}


def test_declared_context_appears_as_declared(seed):
    text = "[context]\nkind = 'library'\ntracker = 'jira'\ntracker_key = 'SMS'\nteam_size = 4\n"
    prepared, result = _configured(seed, text)
    project = result.context["project"]
    assert project["kind"] == "library" and project["declared"] is True  # seed003 is observed as a service
    assert "declared in configuration: library" in [e.get("note") for e in project["evidence"]]
    assert prepared.report.declared == {"kind": "library", "tracker": "jira", "tracker_key": "SMS", "team_size": 4}
    assert result.area("monitoring").status.value == "NOT_APPLICABLE"


def test_gates_come_from_the_file_and_flags_win(tmp_path):
    config = read_config(_write(tmp_path / "auditor.toml", "fail_under = 3.0\n[min_area]\nreview = 3\ntesting = 2\n"),
                         cwd=tmp_path)
    assert gates(config) == gates(config, Overrides())
    assert gates(config).fail_under == 3.0 and gates(config).min_area == {"review": 3.0, "testing": 2.0}
    flagged = gates(config, Overrides(fail_under=1.5, min_area={"cicd": 2.0}))
    assert flagged.fail_under == 1.5 and flagged.min_area == {"cicd": 2.0}


def test_configuration_inside_the_audited_repository_is_shown_in_the_result(seed):
    prepared, result = _configured(seed, "select = ['REV']\n[context]\nkind = 'service'\n")
    report = prepared.report.to_dict()
    assert report["source"] == ".auditor.toml"
    assert report["origin"] == "repository" and report["inside_repository"] is True
    assert report["select"] == ["REV"] and report["declared"] == {"kind": "service"}
    json.dumps(report)  # plain data, ready for result.method["configuration"]
    assert result.rules_run and all(r.startswith("REV") for r in result.rules_run)


def test_the_same_configuration_gives_the_same_report(seed):
    from auditor.render.json_report import render_json

    text = "[[waivers]]\nrule = 'REV001'\nreason = 'solo'\n[weights]\nreview = 0.5\n"
    first = render_json(_configured(seed, text)[1])
    second = render_json(_configured(seed, text)[1])
    assert first == second


def test_retired_rule_ids_are_redirected(tmp_path, monkeypatch):
    from auditor import rule

    monkeypatch.setitem(rule.RETIRED, "REV900", "REV001")
    config = read_config(_write(tmp_path / "auditor.toml", "[thresholds.REV900]\nwindow = 50\n"
                                                           "[[waivers]]\nrule = 'REV900'\nreason = 'r'\n"),
                         cwd=tmp_path)
    notes = check_rules(config, RULES)
    assert any("REV900 was retired; it is now REV001" in n for n in notes)
    options = apply(config, AuditOptions(), as_of=dt.date(2025, 1, 1))
    assert options.thresholds == {"REV001": {"window": 50}} and options.waivers == {"REV001": "r"}


def test_apply_keeps_options_it_does_not_configure(tmp_path):
    config = Config()
    options = AuditOptions(rev="v1.0.0", max_commits=10)
    applied = apply(config, options, as_of=dt.date(2025, 1, 1))
    assert applied.rev == "v1.0.0" and applied.max_commits == 10 and applied.select == ()
    assert dataclasses.asdict(applied)["weights"] == {}


# -- auditor init ----------------------------------------------------------------------------------


def _uncommented(text: str) -> str:
    """The starter with every commented TOML line (a key or a table header) switched on."""
    out = []
    for line in text.splitlines():
        m = re.match(r"^# (\[\[?[\w.-]+\]\]?|[\w-]+\s*=.*)$", line)
        out.append(m.group(1) if m else line)
    return "\n".join(out) + "\n"


def test_starter_config_suggests_the_detected_kind_and_lists_every_area(seed):
    text = starter_config(seed)
    assert tomllib.loads(text) == {}  # all commented: writing it changes nothing
    assert '# kind = "service"' in text
    assert "next.config.ts" in text  # how the kind was told
    for area in BY_ID.values():
        assert re.search(rf"^# {re.escape(area.id)}\s+= {area.weight:g}\b", text, re.MULTILINE), area.id
    assert "auditor rules list" in text and "[[waivers]]" in text


def test_starter_config_uncommented_is_a_valid_configuration(seed, tmp_path):
    path = _write(tmp_path / "conf" / "auditor.toml", _uncommented(starter_config(seed)))
    config = read_config(path, cwd=tmp_path)
    assert check_rules(config, RULES) == []
    assert config.context["kind"] == "service" and config.waivers[0].rule == "SEC004"
    assert config.packs and set(config.weights) == set(AREA_IDS)


def test_write_starter_creates_and_refuses_to_overwrite(seed):
    written = write_starter(seed)
    assert written == seed / ".auditor.toml" and written.read_text(encoding="utf-8").startswith("# auditor")
    with pytest.raises(InitError) as err:
        write_starter(seed)
    assert str(err.value) == f"{written} already exists; pass --force to overwrite it"
    written.write_text("# mine\n", encoding="utf-8")
    write_starter(seed, force=True, text="# replaced\n")
    assert written.read_text(encoding="utf-8") == "# replaced\n"


def test_write_starter_refuses_to_shadow_an_existing_configuration(tmp_path):
    _write(tmp_path / "pyproject.toml", "[tool.auditor]\nselect = ['REV']\n")
    with pytest.raises(InitError, match=r"pyproject.toml already configures auditor here"):
        write_starter(tmp_path, text="# x\n")
    assert not (tmp_path / ".auditor.toml").exists()


def test_write_starter_outside_a_repository_still_writes_a_starter(tmp_path):
    written = write_starter(tmp_path)
    text = written.read_text(encoding="utf-8")
    assert "not detected" in text and tomllib.loads(text) == {}


def test_a_broken_pyproject_that_does_not_configure_auditor_is_passed_over(tmp_path):
    outer = _write(tmp_path / "auditor.toml", "")
    _write(tmp_path / "repo" / "pyproject.toml", "[project\nname = 'x'\ndependencies = ['auditor']\n")
    assert find_config(tmp_path / "repo") == outer
    _write(tmp_path / "repo" / "pyproject.toml", "[tool.auditor]\nselect = ['REV'\n")
    with pytest.raises(ConfigError, match=r"^pyproject\.toml: end of file: unparseable TOML: Unclosed array"):
        resolve_config(tmp_path / "repo", cwd=tmp_path / "repo")


# -- what the report shows -------------------------------------------------------------------------


def test_configuration_view_pairs_declared_with_observed(seed):
    from auditor.render.config_view import configuration_view

    text = ("[context]\nkind = 'library'\nteam_size = 3\ndeployed = false\n[weights]\nreview = 2\n"
            "[[waivers]]\nrule = 'REV001'\nreason = 'solo'\nexpires = 2025-01-01\n")
    prepared, result = _configured(seed, text)
    context = dict(result.context)
    # What the repository shows beside a declared kind (the lead adds these keys in auditor/context.py).
    context["project"] = {**context["project"], "observed_label": "deployed service or web application",
                          "observed_deployed": True}
    view = configuration_view(prepared.report.to_dict(), context)
    assert view["source"] == ".auditor.toml" and view["inside_repository"] is True
    assert view["declared"] == [
        {"key": "kind", "label": "Project kind", "value": "library",
         "observed": "deployed service or web application"},
        {"key": "team_size", "label": "Team size", "value": "3", "observed": "1 active author in the last 90 days"},
        {"key": "deployed", "label": "Deployed", "value": "no", "observed": "yes"},
    ]
    assert view["settings"] == ["area weights: review=2"]
    assert view["waivers"] == [{"rule": "REV001", "reason": "solo", "owner": "", "expires": "2025-01-01",
                                "status": "expired"}]
    assert configuration_view(None, context) is None
