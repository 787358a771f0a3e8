"""Scenario tests: real repositories built from ``fixtures/*.yaml``, audited end to end.

Each spec declares the date to audit it at (``as_of``) and what a senior process
consultant would say about it (``expect``: area id → status, or
``"IMPLEMENTATION|DOCUMENTATION"`` for an area judged on both aspects). Optional
``expect_kind`` names the project kind and ``expect_mentions`` lists words an
area's findings must contain (e.g. the Jira key). Every scenario must also give
schema-valid JSON naming all sixteen areas, byte-identical reports across runs,
and leave the audited repository exactly as it was.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from auditor.areas import AREA_IDS
from auditor.model import Outcome, Signal, Status
from tests.scenario_support import SPEC_NAMES, as_of_of, git, repo_state, spec_of

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "auditor" / "schema" / "result.schema.json").read_text(encoding="utf-8"))
INSUFFICIENT_WORDS = ("insufficient", "shallow", "not enough history", "too few", "not determinable")


def _expectations():
    for name in SPEC_NAMES:
        for area, want in (spec_of(name).get("expect") or {}).items():
            yield pytest.param(name, str(area), str(want), id=f"{name}:{area}")


def _area(result, area_id: str):
    return next(a for a in result.areas if a.area == area_id)


def _describe(area) -> str:
    """The area's findings, one line each, for assertion messages."""
    lines = [f"{area.area}: status {area.status.value} ({area.reason}); statuses {dict(area.statuses) or '-'}"]
    for f in area.findings:
        lines.append(f"  {f.rule_id} {f.outcome.value}"
                     f"{'/' + f.signal.value if f.signal else ''}"
                     f"{'/' + f.aspect.value if f.aspect else ''}: {f.message}")
    return "\n".join(lines)


def test_every_spec_declares_an_audit_date_and_known_areas():
    assert len(SPEC_NAMES) >= 7, SPEC_NAMES
    for name in SPEC_NAMES:
        spec = spec_of(name)
        as_of_of(name)  # raises when missing or malformed
        for area, want in (spec.get("expect") or {}).items():
            assert area in AREA_IDS, f"{name}: unknown area {area!r}"
            for part in str(want).split("|"):
                assert part in Status.__members__, f"{name}: {area}: unknown status {part!r}"


@pytest.mark.parametrize("name,area_id,want", list(_expectations()))
def test_expected_status(audited, name, area_id, want):
    result = audited(name).result
    area = _area(result, area_id)
    if "|" in want:
        impl, doc = want.split("|")
        got = {k: v.value for k, v in area.statuses.items()}
        assert got == {"implementation": impl, "documentation": doc}, _describe(area)
        assert area.status.value == impl, _describe(area)
    else:
        assert area.status.value == want, _describe(area)


@pytest.mark.parametrize("name", [n for n in SPEC_NAMES if spec_of(n).get("expect_kind")])
def test_project_kind(audited, name):
    result = audited(name).result
    project = result.context.get("project") or {}
    assert project.get("kind") == spec_of(name)["expect_kind"], project


@pytest.mark.parametrize("name", [n for n in SPEC_NAMES if spec_of(n).get("expect_mentions")])
def test_findings_name_the_expected_evidence(audited, name):
    data = json.loads(audited(name).json[0])
    by_id = {a["id"]: a for a in data["areas"]}
    for area_id, words in spec_of(name)["expect_mentions"].items():
        text = json.dumps(by_id[area_id]["findings"], ensure_ascii=False)
        for word in words:
            assert word in text, f"{name}: {area_id} findings do not mention {word!r}:\n{text[:2000]}"


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_json_validates_against_the_schema_and_names_all_areas(audited, name):
    import jsonschema

    data = json.loads(audited(name).json[0])
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert [a["id"] for a in data["areas"]] == list(AREA_IDS)
    assert data["as_of"] == as_of_of(name).date.isoformat()
    assert not data["method"]["rules_errored"], data["method"]["rules_errored"]
    assert not data["method"]["load_problems"], data["method"]["load_problems"]


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_reports_are_byte_identical_across_runs(audited, name):
    run = audited(name)
    assert run.json[0] == run.json[1]
    assert run.markdown[0] == run.markdown[1]
    assert run.markdown[0].strip(), "empty Markdown report"


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_audit_leaves_the_repository_unchanged(audited, scenarios, name):
    run = audited(name)  # builds (recording the baseline) and audits twice
    after = repo_state(run.path)
    before = scenarios.baseline[name]
    assert after.refs == before.refs
    assert after.status == before.status
    assert after.config == before.config
    assert after.work_tree == before.work_tree
    assert after.git_dir == before.git_dir


# -- repositories without (enough) history ---------------------------------------------------


def _history_rules() -> set[str]:
    from auditor.rule import load_rules

    classes, _ = load_rules()
    return {c.rule_id() for c in classes if "history" in c.fact_names()}


_HISTORY_WORDS = re.compile(r"\bcommits?\b|\bhistory\b|\bbranch merges\b|\bauthors?\b|\bbus factor\b", re.IGNORECASE)
_HISTORY_WINDOW = re.compile(r"commit|\bdays?\b|\bweeks?\b|history|since the first", re.IGNORECASE)


def _judged_from_history(f) -> bool:
    """Whether a finding's claim rests on the history (not on files the rule also read)."""
    return (any(e.commit for e in f.evidence)
            or any(m.window and _HISTORY_WINDOW.search(m.window) for m in f.measures)
            or bool(_HISTORY_WORDS.search(f.message)))


def _overconfident(result) -> list[str]:
    """History-based findings that judge from too little history instead of saying so.

    A rule that reads the history may skip, or say the history is insufficient or
    shallow; a claim it makes from the history must not be a failure (a confident
    zero) or a pass on a habit "observed" in one or two commits. Claims resting on
    files alone (a missing CHANGELOG) are fine.
    """
    needs_history = _history_rules()
    bad = []
    for f in result.findings:
        if f.rule_id not in needs_history or not _judged_from_history(f):
            continue
        if f.outcome in (Outcome.SKIP, Outcome.NOT_APPLICABLE, Outcome.ERROR):
            continue
        if any(w in f.message.lower() for w in INSUFFICIENT_WORDS):
            continue
        if f.outcome is Outcome.FAIL or f.signal is Signal.OBSERVED:
            bad.append(f"{f.rule_id} ({f.area}) {f.outcome.value}: {f.message}")
    return bad


def test_squashed_history_is_reported_as_insufficient(audited):
    result = audited("squashed").result
    problems = _overconfident(result)
    velocity = _area(result, "velocity")
    if velocity.status is not Status.NOT_DETERMINABLE:
        problems.append(_describe(velocity))
    assert not problems, "history-based findings judged two imported commits:\n" + "\n".join(problems)


def test_shallow_clone_is_reported_as_insufficient(scenario, git_env, tmp_path):
    from auditor.engine import audit
    from auditor.render.json_report import render_json

    source = scenario("mature")
    clone = tmp_path / "mature-shallow"
    git("clone", "--quiet", "--depth", "1", "--no-local", f"file://{source}", str(clone), env=git_env)
    assert git("rev-parse", "--is-shallow-repository", cwd=clone, env=git_env).strip() == "true"

    result = audit(clone, as_of=as_of_of("mature"))
    assert result.repository.is_shallow
    data = json.loads(render_json(result))
    assert data["repository"]["shallow"] is True
    # The files are all there: tree-based areas are still judged.
    assert _area(result, "cicd").status is Status.STRONG, _describe(_area(result, "cicd"))
    problems = _overconfident(result)
    velocity = _area(result, "velocity")
    if velocity.status is not Status.NOT_DETERMINABLE:
        problems.append(_describe(velocity))
    assert not problems, "history-based findings judged a depth-1 clone:\n" + "\n".join(problems)


def test_repository_without_commits(git_env, tmp_path):
    import jsonschema

    from auditor.clock import AsOf
    from auditor.engine import audit
    from auditor.render.json_report import render_json
    from auditor.render.markdown import render_markdown

    repo = tmp_path / "fresh"
    repo.mkdir()
    git("init", "--quiet", "--initial-branch=main", "--template=", str(repo), env=git_env)
    before = repo_state(repo)

    import datetime as dt

    result = audit(repo, as_of=AsOf(dt.date(2025, 6, 2)))
    data = json.loads(render_json(result))
    jsonschema.validate(data, SCHEMA)
    assert [a["id"] for a in data["areas"]] == list(AREA_IDS)
    assert data["revision"] == ""
    assert render_markdown(result).strip()
    assert not data["method"]["rules_errored"], data["method"]["rules_errored"]
    statuses = {a.area: a.status for a in result.areas}
    assert Status.STRONG not in statuses.values(), statuses
    assert statuses["velocity"] is Status.NOT_DETERMINABLE
    assert statuses["collaboration"] in (Status.NOT_DETERMINABLE, Status.MISSING), statuses
    assert repo_state(repo) == before
