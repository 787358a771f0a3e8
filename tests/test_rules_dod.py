"""Definition-of-Done rules on literal facts: written DoD, PR checklists, the implicit DoD, CI gates."""

from auditor.model import Outcome, Signal
from auditor.rules.dod import DOD001, DOD002, DOD003, DOD004, is_feature
from auditor.testing import evaluate, make_history


def _measure(finding, name):
    return next(m for m in finding.measures if m.name == name)


# -- DOD001: written DoD ------------------------------------------------------------------

CONTRIBUTING = """# Contributing

## Definition of Done

- [ ] Feature implemented per acceptance criteria
- [ ] Unit tests written
- [ ] Code reviewed and approved
- [ ] Documentation updated

## Style
- use black
"""


def test_written_dod_passes_with_items_and_topics():
    f = evaluate(DOD001, files={"CONTRIBUTING.md": CONTRIBUTING})
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert f.message == "CONTRIBUTING.md defines a Definition of Done with 4 items"
    assert (f.evidence[0].path, f.evidence[0].line) == ("CONTRIBUTING.md", 3)
    assert _measure(f, "DoD items").value == 4
    assert any("does not mention changelog, CI passing" in o for o in f.observations)


def test_dod_named_without_items_is_ad_hoc():
    f = evaluate(DOD001, files={"docs/process.md": "Work must meet our Definition of Done (see the wiki).\n"})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC
    assert "lists no items" in f.message


def test_no_dod_fails_with_seed_checklist():
    f = evaluate(DOD001, files={"README.md": "# App\n\nDone.\n"})
    assert f.outcome is Outcome.FAIL
    assert "Formal DoD checklist (in CONTRIBUTING.md or similar)" in f.missing


# -- DOD002: PR checklist -----------------------------------------------------------------

PR = """## Summary

## Checklist
- [ ] Tests added or updated
- [ ] Docs updated
- [ ] CHANGELOG entry
"""


def test_pr_template_checklist_covers_topics():
    f = evaluate(DOD002, files={".github/PULL_REQUEST_TEMPLATE.md": PR})
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert "3-item checklist covering tests, documentation, changelog" in f.message
    assert (f.evidence[0].path, f.evidence[0].line) == (".github/PULL_REQUEST_TEMPLATE.md", 4)
    assert any("code review, CI passing" in o for o in f.observations)


def test_single_topic_checklist_is_ad_hoc():
    f = evaluate(DOD002, files={".github/pull_request_template.md": "- [ ] I ran the tests\n"})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC


def test_template_without_checklist_fails_naming_it():
    f = evaluate(DOD002, files={".github/PULL_REQUEST_TEMPLATE.md": "## What changed\n"})
    assert f.outcome is Outcome.FAIL
    assert f.message.startswith(".github/PULL_REQUEST_TEMPLATE.md has no checklist")
    assert f.evidence[0].path == ".github/PULL_REQUEST_TEMPLATE.md"


# -- DOD003: implicit DoD -----------------------------------------------------------------


def _features(n_with_tests, n_without, docs_after=False):
    commits = []
    if docs_after:
        commits.append({"subject": "Add guide for promo codes", "paths": ["PROMO_GUIDE.md"]})
    for i in range(n_with_tests):
        commits.append({"subject": f"Add feature {i}", "paths": [f"src/f{i}.ts", f"src/__tests__/f{i}.test.ts"]})
    for i in range(n_without):
        commits.append({"subject": f"Implement thing {i}", "paths": [f"src/t{i}.ts"]})
    commits.append({"subject": "Fix typo in feature", "paths": ["src/f0.ts"]})
    return make_history(commits)


def test_tests_with_features_are_an_implicit_dod():
    files = {"package.json": '{"devDependencies": {"jest": "^30"}}'}
    f = evaluate(DOD003, files=files, history=_features(9, 2, docs_after=True))
    assert f.outcome is Outcome.PASS and f.signal is Signal.OBSERVED
    assert "9 of 11 feature commits touch tests" in f.message
    assert _measure(f, "feature commits touching tests").value == 0.82
    obs = "\n".join(f.observations)
    assert f.observations[0].startswith("Implicit Definition of Done (observed over the last 11 feature commits")
    assert "✅ observed: Unit tests written with the feature (Jest) (9 of 11 feature commits touch tests)" in obs
    assert "✅ observed: Code committed straight to the default branch (11 of 11 feature commits)" in obs
    assert f.observations[-1].startswith("Missing from DoD: code review completed (11 of 11")
    assert "changelog entry" in f.observations[-1] and "accessibility tested" in f.observations[-1]
    assert any(e.commit and "docs with the feature: PROMO_GUIDE.md" in e.note for e in f.evidence)


def test_docs_right_after_features_show_as_sometimes():
    commits = []
    for i in range(6):
        commits.append({"subject": f"Document feature {i}", "paths": [f"docs/f{i}.md"]} if i % 2 else
                       {"subject": f"Tweak copy {i}", "paths": ["src/copy.ts"]})
        commits.append({"subject": f"Add feature {i}", "paths": [f"src/f{i}.ts"]})
    f = evaluate(DOD003, history=make_history(commits), thresholds={"follow_commits": 1})
    assert f.outcome is Outcome.FAIL
    assert _measure(f, "feature commits documented within the follow-up window").value == 0.5
    assert "0 of 6 feature commits touch tests" in f.message
    assert any(o.startswith("⚠ sometimes: Implementation guide or docs") for o in f.observations)
    assert "Tests written with each feature" in f.missing


def test_feature_detection_needs_product_code():
    h = make_history([{"subject": "Add launch guide", "paths": ["LAUNCH.md"]},
                      {"subject": "Build SMS flow step 2", "paths": ["src/sms.ts"]},
                      {"subject": "build(deps): bump next", "paths": ["src/x.ts"]},
                      {"subject": "Fix crash", "paths": ["src/x.ts"]}])
    assert [is_feature(c) for c in h.recent] == [False, True, False, False]


def test_too_few_features_skip():
    h = _features(2, 1)
    h = make_history([{"subject": f"Tidy {i}", "paths": ["README.md"]} for i in range(4)]
                     + [{"subject": c.subject, "paths": list(c.paths)} for c in h.recent])
    f = evaluate(DOD003, history=h)
    assert f.outcome is Outcome.SKIP
    assert "too few feature commits (3) or tickets" in f.message


# -- DOD004: CI gate ----------------------------------------------------------------------

CI = """on: [push, pull_request]
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - run: npm ci
      - run: npx eslint .
      - run: npx jest
"""
PACKAGE = '{"name": "x", "scripts": {"test": "jest", "test:e2e": "playwright test"}, "dependencies": {"next": "15"}}'


def test_tests_in_ci_on_every_change_are_automated():
    f = evaluate(DOD004, files={".github/workflows/ci.yml": CI, "package.json": PACKAGE})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert f.message.startswith("tests run in CI on pull_request, push")
    assert f.evidence[0].path == ".github/workflows/ci.yml" and f.evidence[0].line == 8
    assert any("lint" in o for o in f.observations)


def test_no_ci_fails_and_lists_manual_test_scripts():
    f = evaluate(DOD004, files={"package.json": PACKAGE})
    assert f.outcome is Outcome.FAIL
    assert f.message.startswith("no CI pipeline")
    assert any("test, test:e2e in package.json" in o for o in f.observations)
    assert f.evidence[0].path == "package.json"
    assert "Quality gates enforced in CI (tests, lint, coverage %)" in f.missing


def test_scheduled_only_tests_fail():
    nightly = CI.replace("on: [push, pull_request]", "on:\n  schedule:\n    - cron: '0 3 * * *'")
    f = evaluate(DOD004, files={".github/workflows/nightly.yml": nightly, "package.json": PACKAGE})
    assert f.outcome is Outcome.FAIL
    assert "only on schedule" in f.message


def test_docs_only_repository_is_not_applicable():
    f = evaluate(DOD004, files={"README.md": "# Handbook\n", "docs/intro.md": "# Intro\n", "docs/faq.md": "# FAQ\n"})
    assert f.outcome is Outcome.NOT_APPLICABLE


FLASK_STYLE = """<!--
Ensure each step in CONTRIBUTING.rst is complete, especially the following:

- Add tests that demonstrate the correct behavior of the change.
- Add or update relevant docs, in the docs folder and in code.
- Add an entry in CHANGES.rst summarizing the change and linking to the issue.
-->
"""


def test_listed_steps_in_a_pr_template_count_as_written_done():
    f = evaluate(DOD002, files={".github/pull_request_template.md": FLASK_STYLE})
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert "3-item list of steps covering tests, documentation, changelog" in f.message
    assert (f.evidence[0].path, f.evidence[0].line) == (".github/pull_request_template.md", 4)
    assert any("not a checklist to tick" in o for o in f.observations)


def test_contributing_submitting_section_counts_but_setup_lists_do_not():
    rst = ("Contributing\n============\n\nSetup\n-----\n\n- install uv\n- run tox\n\n"
           "Submitting patches\n------------------\n\n- Include tests for the change.\n- Update the docs.\n")
    f = evaluate(DOD002, files={"CONTRIBUTING.rst": rst})
    assert f.outcome is Outcome.PASS
    assert f.evidence[0].line == 10
    assert "2-item list of steps covering tests, documentation" in f.message
    setup_only = evaluate(DOD002, files={"CONTRIBUTING.md": "# Contributing\n\n## Setup\n- install\n- run tests\n"})
    assert setup_only.outcome is Outcome.FAIL


def test_workflow_steps_covering_one_topic_are_not_a_done_list():
    text = ("# Contributing\n\n## Submitting a pull request\n\n1. Create a new branch\n"
            "1. Make your change, add tests, and ensure tests pass\n1. Submit a pull request\n")
    f = evaluate(DOD002, files={".github/CONTRIBUTING.md": text})
    assert f.outcome is Outcome.FAIL
    assert f.message == ".github/CONTRIBUTING.md carries a 3-item list of steps covering tests"
    assert f.evidence[0].line == 3


def test_ticket_driven_history_uses_tickets_as_the_unit():
    commits = []
    for i in range(6):
        commits.append({"subject": f"SMS-{i} Address review comments", "paths": [f"app/m{i}.py"]})
        commits.append({"subject": f"SMS-{i} Reports dashboard part {i}",
                        "paths": [f"app/m{i}.py", f"app/tests/test_m{i}.py"]})
    f = evaluate(DOD003, history=make_history(commits))
    assert f.outcome is Outcome.PASS
    assert f.message == "implicit Definition of Done in the history: 6 of 6 tickets touch tests"
    assert f.observations[0].startswith("Implicit Definition of Done (observed over the last 6 tickets")
    assert f.evidence[0].note == "ticket with tests: SMS-0 Reports dashboard part 0"


def test_leading_ticket_key_is_read_past():
    h = make_history([{"subject": "SMS-12 Add promo limits", "paths": ["src/p.ts"]}])
    assert is_feature(h.recent[0])


def test_a_library_s_implicit_dod_asks_for_a_verified_release_not_a_production_deployment():
    # click, requests: "deployment verified in production; monitoring/alerts configured" do not apply to a library.
    from auditor.facts.project import Project

    library = evaluate(DOD003, files={"pyproject.toml": "[project]\nname = 'lib'\n"}, history=_features(9, 2),
                       project=Project(kind="library", deployed=False))
    missing = next(o for o in library.observations if o.startswith("Missing from DoD"))
    assert "deployment verified in production" not in missing and "monitoring/alerts" not in missing
    assert "release verified" in missing
    service = evaluate(DOD003, history=_features(9, 2), project=Project(kind="service", deployed=True))
    assert "deployment verified in production" in next(o for o in service.observations
                                                        if o.startswith("Missing from DoD"))


def test_subsystem_prefixed_and_gitmoji_subjects_are_features():
    # git titles commits by subsystem ("builtin/log: add --foo"); fastapi marks features with a sparkle.
    subjects = {"builtin/log: add --foo option": True, "refs, odb: introduce pluggable backends": True,
                "http: teach the client to retry": True, "\u2728 Add support for Pydantic v2": True,
                "t7528: fix flaky test": False, "mailmap: map an address": False, "\U0001f41b Fix a crash": False}
    h = make_history([{"subject": s, "paths": ["src/a.c"]} for s in subjects])
    assert {c.subject: is_feature(c) for c in h.recent} == subjects
