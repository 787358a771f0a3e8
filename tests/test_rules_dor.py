"""Definition-of-Ready rules on literal facts: written DoR, story templates, proposals, refined work."""

from auditor.model import Outcome, Signal
from auditor.rules.dor import DOR001, DOR002, DOR003, DOR004, STORY_READINESS, TECHNICAL_READINESS
from auditor.testing import evaluate, make_history


def _measure(finding, name):
    return next(m for m in finding.measures if m.name == name)


# -- DOR001: written DoR ------------------------------------------------------------------

WAY = """# Way of working

## Definition of Ready

A story is ready when:
- it is written as a user story
- acceptance criteria are listed
- it is estimated in story points
- dependencies are known

## Definition of Done
- [ ] tests
"""


def test_written_dor_passes_with_coverage():
    f = evaluate(DOR001, files={"docs/way-of-working.md": WAY})
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert f.message == "docs/way-of-working.md defines a Definition of Ready with 4 criteria"
    assert (f.evidence[0].path, f.evidence[0].line) == ("docs/way-of-working.md", 3)
    obs = f.observations[0]
    assert "user story, acceptance criteria, dependencies" in obs and "not for design assets" in obs


def test_dor_mention_without_criteria_is_ad_hoc():
    f = evaluate(DOR001, files={"CONTRIBUTING.md": "Pick stories that meet the Definition of Ready.\n"})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC


def test_no_dor_fails_with_story_readiness_checklist():
    f = evaluate(DOR001, files={"README.md": "# App\n"})
    assert f.outcome is Outcome.FAIL
    assert f.missing == STORY_READINESS


# -- DOR002: story templates --------------------------------------------------------------

STORY_FORM = """name: User story
labels: [story]
body:
  - type: textarea
    id: story
    attributes:
      label: User story
      placeholder: As a restaurant owner, I want ... so that ...
  - type: textarea
    id: acceptance-criteria
    attributes:
      label: Acceptance criteria
  - type: dropdown
    id: priority
    attributes:
      label: Priority
      options: [P0, P1, P2]
"""
BUG = "---\nname: Bug report\n---\n## Steps to reproduce\n## Expected behaviour\n"


def test_story_form_with_acceptance_criteria_passes():
    files = {".github/ISSUE_TEMPLATE/story.yml": STORY_FORM, ".github/ISSUE_TEMPLATE/bug.md": BUG}
    f = evaluate(DOR002, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert f.message == "1 of 2 issue templates ask for acceptance criteria or a user story (story.yml)"
    assert any(e.path == ".github/ISSUE_TEMPLATE/story.yml" and e.note == "asks for acceptance criteria"
               and e.line == 10 for e in f.evidence)
    assert any("No template asks for:" in o and "effort estimate" in o for o in f.observations)


def test_templates_without_readiness_fields_fail():
    f = evaluate(DOR002, files={".github/ISSUE_TEMPLATE/bug.md": BUG})
    assert f.outcome is Outcome.FAIL
    assert "1 issue template(s) (bug.md), but none asks" in f.message
    assert "Acceptance criteria defined" in f.missing and "Priority assigned" in f.missing
    assert f.evidence[0].path == ".github/ISSUE_TEMPLATE/bug.md"


def test_no_templates_fail():
    f = evaluate(DOR002, files={})
    assert f.outcome is Outcome.FAIL
    assert "Effort estimated" in f.missing


# -- DOR003: design proposals -------------------------------------------------------------

TEMPLATE = "# RFC template\n\n## API contract\n\n## Schema changes\n\n## Security considerations\n"


def test_rfc_folder_with_template_passes():
    files = {"docs/rfcs/0000-template.md": TEMPLATE, "docs/rfcs/0001-async-orders.md": "# Async orders\n",
             "docs/rfcs/0002-promo-limits.md": "# Promo limits\n", "docs/adr/0001-use-postgres.md": "# ADR\n"}
    f = evaluate(DOR003, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert "2 design proposal(s) in docs/rfcs with a template (docs/rfcs/0000-template.md)" in f.message
    assert f.evidence[0].path == "docs/rfcs/0000-template.md"
    obs = "\n".join(f.observations)
    assert "architecture decision record" in obs
    assert "not third-party integrations identified, performance requirements specified" in obs


def test_design_review_process_in_contributing_passes():
    f = evaluate(DOR003, files={"CONTRIBUTING.md": "# Contributing\n\nLarge changes need a design doc first.\n"})
    assert f.outcome is Outcome.PASS
    assert (f.evidence[0].path, f.evidence[0].line) == ("CONTRIBUTING.md", 3)


def test_design_source_code_is_not_a_proposal():
    f = evaluate(DOR003, files={"src/design/Button.tsx": "export {}\n"})
    assert f.outcome is Outcome.FAIL
    assert f.missing == TECHNICAL_READINESS


def test_design_assets_only_are_ad_hoc():
    f = evaluate(DOR003, files={"design/onboarding.png": b"\x89PNG\r\n"})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC


# -- DOR004: refined work -----------------------------------------------------------------


def test_features_citing_tickets_pass():
    commits = [{"subject": f"Add promo limit {i}", "body": f"Implements SMS-{i}", "paths": ["src/p.ts"]}
               for i in range(6)]
    f = evaluate(DOR004, history=make_history(commits))
    assert f.outcome is Outcome.PASS and f.signal is Signal.OBSERVED
    assert _measure(f, "feature commits citing a ticket or proposal").value == 1.0


def test_uncited_features_fail_with_observation():
    commits = [{"subject": f"Add screen {i}", "paths": [f"src/s{i}.ts"]} for i in range(6)]
    f = evaluate(DOR004, history=make_history(commits))
    assert f.outcome is Outcome.FAIL
    assert f.message == "6 of 6 recent feature commits cite no ticket, story or proposal"
    assert f.observations[0].startswith("Stories appear to be implemented directly")
    assert f.evidence[0].commit


def test_few_features_skip():
    f = evaluate(DOR004, history=make_history([{"subject": "Add x", "paths": ["src/x.ts"]}]))
    assert f.outcome is Outcome.SKIP
