"""The command line, driven through click's CliRunner on real repositories (no mocks)."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from auditor.areas import AREA_IDS, BY_ID
from auditor.cli import main
from auditor.rule import REQUIRED_SECTIONS, load_rules
from tests.scenario_support import ROOT, as_of_of, git

SEED_DATE = as_of_of("seed003").date.isoformat()


@pytest.fixture
def runner(git_env) -> CliRunner:
    return CliRunner()


def _audit(runner: CliRunner, *args: str):
    return runner.invoke(main, ["audit", *args], catch_exceptions=False)


def _one_line_error(result) -> str:
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("auditor: error: "), lines[0]
    assert "Traceback" not in result.output
    return lines[0]


# -- auditing --------------------------------------------------------------------------------


def test_audit_json(runner, scenario):
    path = scenario("seed003")
    result = _audit(runner, str(path), "--format", "json", "--as-of", SEED_DATE)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == SEED_DATE
    assert data["repository"]["name"] == "seed003"
    assert data["revision"] == git("rev-parse", "HEAD", cwd=path).strip()
    assert [a["id"] for a in data["areas"]] == list(AREA_IDS)


def test_audit_markdown(runner, scenario):
    result = _audit(runner, str(scenario("seed003")), "--format", "markdown", "--as-of", SEED_DATE)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.lstrip().startswith("#")
    assert SEED_DATE in text
    for area_id in ("review", "testing", "cicd"):
        assert BY_ID[area_id].title in text, area_id


def test_markdown_is_the_default_format(runner, scenario):
    path = str(scenario("seed003"))
    default = _audit(runner, path, "--as-of", SEED_DATE)
    explicit = _audit(runner, path, "--format", "markdown", "--as-of", SEED_DATE)
    assert default.exit_code == explicit.exit_code == 0
    assert default.stdout == explicit.stdout


def test_output_file(runner, scenario, tmp_path):
    path = str(scenario("seed003"))
    out = tmp_path / "report.json"
    written = _audit(runner, path, "--format", "json", "--as-of", SEED_DATE, "--output", str(out))
    assert written.exit_code == 0, written.output
    assert written.stdout == ""
    printed = _audit(runner, path, "--format", "json", "--as-of", SEED_DATE)
    assert out.read_text(encoding="utf-8") == printed.stdout


def test_rev_audits_another_revision(runner, scenario):
    path = scenario("mature")
    tagged = git("rev-parse", "v1.6.0^{commit}", cwd=path).strip()
    head = git("rev-parse", "HEAD", cwd=path).strip()
    assert tagged != head
    result = _audit(runner, str(path), "--format", "json", "--as-of", as_of_of("mature").date.isoformat(),
                    "--rev", "v1.6.0")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["revision"] == tagged
    assert data["repository"]["ref"] == "v1.6.0"
    history = (data.get("context") or {}).get("history") or {}
    if history:
        assert history["last_date"] <= "2025-10-02", history  # nothing after the tag's commit


def test_file_url_target(runner, scenario):
    path = scenario("seed003")
    result = _audit(runner, f"file://{path}", "--format", "json", "--as-of", SEED_DATE)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["repository"]["name"] == "seed003"
    assert data["revision"] == git("rev-parse", "HEAD", cwd=path).strip()


def test_python_dash_m_help(git_env):
    proc = subprocess.run([sys.executable, "-m", "auditor", "--help"], capture_output=True, text=True, check=False,
                          timeout=60, cwd=str(ROOT), env={**git_env, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "audit" in proc.stdout and "rules" in proc.stdout
    assert "Exit codes" in proc.stdout


# -- errors: one line on stderr and a documented exit code ----------------------------------------


def test_not_a_repository_exits_3(runner, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("not a repository\n")
    result = _audit(runner, str(plain), "--as-of", SEED_DATE)
    assert result.exit_code == 3, result.output
    _one_line_error(result)
    assert result.stdout == ""


def test_missing_path_exits_3(runner, tmp_path):
    result = _audit(runner, str(tmp_path / "does-not-exist"), "--as-of", SEED_DATE)
    assert result.exit_code == 3, result.output
    assert "does-not-exist" in _one_line_error(result)


@pytest.mark.parametrize("value", ["2025-13-45", "yesterday", "18/10/2025"])
def test_bad_as_of_exits_2(runner, scenario, value):
    result = _audit(runner, str(scenario("seed003")), "--as-of", value)
    assert result.exit_code == 2, result.output
    assert "--as-of" in _one_line_error(result)


def test_unknown_rev_exits_2(runner, scenario):
    result = _audit(runner, str(scenario("seed003")), "--as-of", SEED_DATE, "--rev", "no-such-branch")
    assert result.exit_code == 2, result.output
    assert "no-such-branch" in _one_line_error(result)


# -- the bundled demo -------------------------------------------------------------------------


def test_demo_outside_a_repository(runner, tmp_path):
    with runner.isolated_filesystem(temp_dir=tmp_path):
        result = runner.invoke(main, ["audit", "--format", "json", "--as-of", SEED_DATE], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "demo" in result.stderr
    data = json.loads(result.stdout)
    assert data["repository"]["name"] == "sms-food-delivery"
    assert [a["id"] for a in data["areas"]] == list(AREA_IDS)


# -- rules and their documentation ----------------------------------------------------------------


def test_rules_list_lists_every_rule(runner):
    classes, problems = load_rules()
    assert not problems, problems
    result = runner.invoke(main, ["rules", "list"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.strip()}
    assert listed == {c.rule_id() for c in classes}


def test_rules_list_json(runner):
    classes, _ = load_rules()
    result = runner.invoke(main, ["rules", "list", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {r["id"] for r in data} == {c.rule_id() for c in classes}
    assert all(r["area"] in AREA_IDS for r in data)


def test_rules_explain(runner):
    result = runner.invoke(main, ["rules", "explain", "REV001"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("REV001: ")
    assert "Why it matters" in result.stdout
    assert "How to fix" in result.stdout


def test_rules_explain_is_case_insensitive(runner):
    result = runner.invoke(main, ["rules", "explain", "rev001"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("REV001: ")


def test_rules_explain_unknown_rule_exits_2(runner):
    result = runner.invoke(main, ["rules", "explain", "NOPE"], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "NOPE" in _one_line_error(result)


def test_every_area_has_at_least_three_rules():
    classes, _ = load_rules()
    for area_id in AREA_IDS:
        n = sum(1 for c in classes if c.area == area_id)
        assert n >= 3, f"{area_id}: {n} rules"


@pytest.mark.parametrize("cls", load_rules()[0], ids=lambda c: c.rule_id())
def test_every_rule_is_documented(cls):
    title = cls.title()
    assert title and title != cls.rule_id(), f"{cls.rule_id()} has no title line"
    assert cls.area in AREA_IDS, cls.area
    docs = cls.docs()
    assert docs.get("summary"), f"{cls.rule_id()}: no paragraph saying what it checks"
    for heading in REQUIRED_SECTIONS:
        assert docs.get(heading), f"{cls.rule_id()}: missing or empty '## {heading}'"


def _commands(group: click.Group, prefix: str = ""):
    for name, cmd in group.commands.items():
        yield f"{prefix}{name}", cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, f"{prefix}{name} ")


@pytest.mark.parametrize("name,cmd", list(_commands(main)), ids=[n for n, _ in _commands(main)])
def test_every_command_has_help(runner, name, cmd):
    assert (cmd.help or "").strip(), f"`auditor {name}` has no help text"
    result = runner.invoke(main, [*name.split(), "--help"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout


def test_repository_without_commits(runner, git_env, tmp_path):
    repo = tmp_path / "fresh"
    git("init", "--quiet", "--initial-branch=main", "--template=", str(repo), env=git_env)
    result = _audit(runner, str(repo), "--format", "json", "--as-of", SEED_DATE)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["revision"] == ""
    assert [a["id"] for a in data["areas"]] == list(AREA_IDS)
