"""Sprint rules on literal facts: ceremony notes and iteration boundaries with the weekly rhythm."""

import hashlib

from auditor.facts.refs import Tag
from auditor.model import Outcome, Signal
from auditor.rules.sprints import SPR001, SPR002, SPR003, SPR004, SPR005
from auditor.testing import _iso_ts, evaluate, make_history


def _measure(finding, name):
    return next(m for m in finding.measures if m.name == name)


def _tag(name, date):
    # Each release tags its own commit (releases are counted once per commit).
    commit = hashlib.sha1(name.encode()).hexdigest()
    return Tag(name=name, commit=commit, time=_iso_ts(date + "T12:00:00+00:00")[0], annotated=True,
               scheme="semver" if name.startswith("v") else "other")


# -- ceremonies ---------------------------------------------------------------------------

RETRO = """# Retro 2025-10-03

## What went well
- shipped promo codes

## Action items
- [ ] automate webhook tests (owner: Jordan)
"""


def test_dated_retro_notes_pass_with_latest_date():
    files = {"docs/retros/2025-09-19-retro.md": RETRO, "docs/retros/2025-10-03-retro.md": RETRO}
    f = evaluate(SPR004, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert f.message == "2 notes or template file(s) for retrospectives in docs/retros"
    assert {e.path for e in f.evidence} == set(files)
    assert _measure(f, "days since the latest dated notes").value == 15
    assert any("continuous improvement metrics" in o for o in f.observations)
    assert not any("action item tracking" in o for o in f.observations)


def test_stale_retro_notes_are_ad_hoc():
    f = evaluate(SPR004, files={"retros/2024-01-10.md": RETRO})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC
    assert "days old" in f.message


def test_planning_described_in_contributing():
    text = ("# Contributing\n\nWe work in two-week sprints. Sprint planning happens on Monday: we estimate "
            "in story points and agree a sprint goal.\n")
    f = evaluate(SPR001, files={"CONTRIBUTING.md": text})
    assert f.outcome is Outcome.PASS
    assert f.message == "sprint planning described in CONTRIBUTING.md"
    assert f.evidence[0].path == "CONTRIBUTING.md" and f.evidence[0].line == 3
    assert any("capacity planning approach" in o for o in f.observations)


def test_standup_template_found_by_name():
    f = evaluate(SPR002, files={"meeting-notes/standup-template.md": "Yesterday:\nToday:\nBlockers:\n"})
    assert f.outcome is Outcome.PASS
    assert f.evidence[0].path == "meeting-notes/standup-template.md"


def test_sprint_review_missing_lists_the_ceremony_checklist():
    f = evaluate(SPR003, files={"README.md": "# App\n\nA demo app.\n"})
    assert f.outcome is Outcome.FAIL
    assert f.missing == ("Sprint Review: demo format and audience", "Sprint Review: acceptance criteria verification",
                         "Sprint Review: stakeholder feedback capture")
    assert f.message == "no notes, template or agreed format for sprint reviews: none of 1 documents mentions them"


def test_demo_source_folder_is_not_a_sprint_review():
    f = evaluate(SPR003, files={"demo/index.ts": "export {}\n", "src/planning/plan.py": "x = 1\n"})
    assert f.outcome is Outcome.FAIL


# -- SPR005: iteration boundaries and rhythm ----------------------------------------------


def _daily(n, start="2025-10-18T12:00:00+00:00"):
    return make_history([{"subject": f"Add thing {i}"} for i in range(n)], start=start)


def test_steady_commits_without_boundaries_fail_with_rhythm():
    f = evaluate(SPR005, history=_daily(27), tags=())
    assert f.outcome is Outcome.FAIL
    assert "no sprint-named tags, branches or commits" in f.message
    assert "no release tags in the last 180 days" in f.message
    per_week = _measure(f, "commits per week").value.split(", ")
    assert len(per_week) == 12 and sum(map(int, per_week)) == 27
    assert _measure(f, "active days").value == 27
    assert any("steady work cadence but no sprint boundaries" in o for o in f.observations)
    assert any("Last 7 days: 7 commits on 7 days" in o for o in f.observations)


def test_regular_release_tags_mark_iterations():
    tags = tuple(_tag(f"v1.{i}.0", d) for i, d in enumerate(
        ["2025-08-01", "2025-08-15", "2025-08-29", "2025-09-12", "2025-09-26", "2025-10-10"]))
    f = evaluate(SPR005, history=_daily(30), tags=tags)
    assert f.outcome is Outcome.PASS and f.signal is Signal.OBSERVED
    assert "6 release tags" in f.message and "14.0 days apart" in f.message
    assert any(e.tag == "v1.5.0" for e in f.evidence)


def test_irregular_release_tags_do_not_count():
    tags = tuple(_tag(f"v0.{i}.0", d) for i, d in enumerate(
        ["2025-05-01", "2025-05-03", "2025-08-20", "2025-08-21", "2025-10-15"]))
    f = evaluate(SPR005, history=_daily(10), tags=tags)
    assert f.outcome is Outcome.FAIL
    assert "irregular" in f.message


def test_sprint_named_branches_pass():
    commits = [{"subject": "Merge branch 'sprint-14'", "parents": ["a" * 40, "b" * 40]}]
    commits += [{"subject": f"Add thing {i}"} for i in range(10)]
    f = evaluate(SPR005, history=make_history(commits), tags=(_tag("sprint-13", "2025-10-04"),))
    assert f.outcome is Outcome.PASS
    assert "sprint-13" in f.message and "sprint-14" in f.message
    assert f.evidence[0].tag == "sprint-13"


def test_without_history_the_rule_is_skipped():
    f = evaluate(SPR005, tags=())
    assert f.outcome is Outcome.SKIP
    assert f.message.startswith("not determinable from the repository")


def test_one_old_iteration_branch_is_not_a_practice():
    commits = [{"subject": "Merge branch 'tony/jquery-example-iteration1'", "parents": ["a" * 40, "b" * 40],
                "date": "2010-07-01T12:00:00+00:00"}]
    commits = [{"subject": f"Add thing {i}"} for i in range(10)] + commits
    f = evaluate(SPR005, history=make_history(commits), tags=(_tag("sprint-3", "2025-10-01"),))
    assert f.outcome is Outcome.FAIL
    assert "only one iteration named (sprint-3)" in f.message


def test_two_imported_commits_are_insufficient():
    f = evaluate(SPR005, history=_daily(2), tags=())
    assert f.outcome is Outcome.SKIP
    assert f.message.startswith("insufficient history: 2 commits")


def test_shallow_clone_cutting_the_window_is_skipped():
    h = _daily(60)  # past the engine's 50-commit floor for shallow clones, but only two months deep
    h.is_shallow = True
    f = evaluate(SPR005, history=h, tags=())
    assert f.outcome is Outcome.SKIP
    assert f.message.startswith("shallow clone")
