"""Board rules on literal facts: ticket references, issue templates, labels, automation, written workflow."""

from auditor.model import Outcome, Signal
from auditor.rules.board import BRD001, BRD002, BRD003, BRD004, BRD005, ticket_refs
from auditor.testing import evaluate, make_history


def _measure(finding, name):
    return next(m for m in finding.measures if m.name == name)


# -- BRD001: ticket references ------------------------------------------------------------


def test_jira_keys_pass_and_name_the_tracker():
    commits = [{"subject": f"SMS-{100 + i}: build step {i}", "paths": ["src/a.ts"]} for i in range(8)]
    commits += [{"subject": "tidy imports", "paths": ["src/a.ts"]}] * 2
    f = evaluate(BRD001, history=make_history(commits))
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.OBSERVED
    assert _measure(f, "commits citing a ticket").value == 0.8
    assert "Jira or Linear, project key SMS" in f.message
    assert any(o.startswith("Where tracked: Jira or Linear, project key SMS") for o in f.observations)
    assert f.evidence and f.evidence[0].commit and "SMS-100" in f.evidence[0].note
    assert any("WIP limits" in q for q in f.not_determinable)


def test_issue_numbers_with_github_metadata_mean_github_issues():
    commits = [{"subject": f"Handle empty cart (fixes #{i})"} for i in range(1, 7)]
    files = {".github/ISSUE_TEMPLATE/bug.md": "---\nname: Bug\n---\n"}
    f = evaluate(BRD001, files=files, history=make_history(commits))
    assert f.outcome is Outcome.PASS
    assert "GitHub Issues" in f.message


def test_docs_naming_jira_narrow_the_key_to_jira():
    commits = [{"subject": f"OPS-{i} rotate keys"} for i in range(1, 7)]
    files = {"CONTRIBUTING.md": "# Contributing\n\nEvery change needs a ticket in Jira.\n"}
    f = evaluate(BRD001, files=files, history=make_history(commits))
    assert "Jira, project key OPS" in f.message
    assert any("CONTRIBUTING.md:3 mentions Jira" in o for o in f.observations)


def test_squash_merge_numbers_are_pull_requests_not_tickets():
    commits = [{"subject": f"Add feature {i} (#{i})"} for i in range(1, 9)]
    f = evaluate(BRD001, history=make_history(commits))
    assert f.outcome is Outcome.FAIL
    assert f.message.startswith("none of the last 8")
    assert "Ticket reference convention for commits and branches" in f.missing


def test_no_references_fails_with_observation():
    commits = [{"subject": f"Add screen {i}"} for i in range(10)]
    f = evaluate(BRD001, history=make_history(commits))
    assert f.outcome is Outcome.FAIL
    assert _measure(f, "commits citing a ticket").value == 0.0
    assert any("tracked informally" in o for o in f.observations)


def test_few_references_fail_but_are_cited():
    commits = [{"subject": "SMS-1 first"}] + [{"subject": f"change {i}"} for i in range(9)]
    f = evaluate(BRD001, history=make_history(commits))
    assert f.outcome is Outcome.FAIL
    assert f.message.startswith("only 1 of the last 10")
    assert f.evidence[0].note.startswith("cites SMS-1")


def test_bot_commits_are_not_counted():
    commits = [{"subject": "Bump x from 1 to 2", "author": "dependabot[bot]", "body": "See #123"}] * 10
    commits += [{"subject": "SMS-1 a"}, {"subject": "SMS-2 b"}]
    f = evaluate(BRD001, history=make_history(commits))
    assert f.outcome is Outcome.SKIP
    assert "insufficient history" in f.message


def test_ticket_refs_reads_body_and_closing_keywords():
    h = make_history([{"subject": "Refactor parser", "body": "Closes acme/app#44"}])
    refs = ticket_refs(h.recent[0])
    assert refs and refs.closing


# -- BRD002: issue templates --------------------------------------------------------------

FORM = """name: Bug report
description: Something is broken
labels: [bug, triage]
body:
  - type: textarea
    id: steps
    attributes:
      label: Steps to reproduce
"""


def test_issue_forms_and_chooser_pass():
    files = {".github/ISSUE_TEMPLATE/bug_report.yml": FORM,
             ".github/ISSUE_TEMPLATE/feature_request.md": "---\nname: Feature request\nlabels: enhancement\n---\n",
             ".github/ISSUE_TEMPLATE/config.yml": "blank_issues_enabled: false\ncontact_links:\n  - name: Q\n"}
    f = evaluate(BRD002, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert "2 issue template(s) in .github/ISSUE_TEMPLATE" in f.message
    assert "1 of them YAML issue forms" in f.message
    paths = [e.path for e in f.evidence]
    assert ".github/ISSUE_TEMPLATE/bug_report.yml" in paths and ".github/ISSUE_TEMPLATE/config.yml" in paths
    assert any("Blank issues are disabled" in o for o in f.observations)
    assert any("bug, enhancement, triage" in o for o in f.observations)
    assert any("none for tasks" in o for o in f.observations)


def test_gitlab_templates_count():
    f = evaluate(BRD002, files={".gitlab/issue_templates/Bug.md": "## Summary\n"})
    assert f.outcome is Outcome.PASS
    assert f.evidence[0].path == ".gitlab/issue_templates/Bug.md"


def test_chooser_without_templates_fails():
    f = evaluate(BRD002, files={".github/ISSUE_TEMPLATE/config.yml": "blank_issues_enabled: true\n"})
    assert f.outcome is Outcome.FAIL
    assert "chooser with nothing to choose" in f.message
    assert any("allows blank issues" in o for o in f.observations)


def test_no_templates_fail():
    f = evaluate(BRD002, files={"README.md": "# x\n"})
    assert f.outcome is Outcome.FAIL
    assert f.missing == ("Issue templates (bug report, feature request, task)",)


# -- BRD003: labels and triage ------------------------------------------------------------

LABELS = """- name: bug
  color: d73a4a
- name: "priority: high"
- name: "priority: low"
- name: enhancement
"""
STALE = """on:
  schedule:
    - cron: '0 0 * * *'
jobs:
  stale:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/stale@v9
"""


def test_labels_and_stale_action_are_automated():
    f = evaluate(BRD003, files={".github/labels.yml": LABELS, ".github/workflows/stale.yml": STALE})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert "4 labels defined as code" in f.message
    assert _measure(f, "priority or severity labels").value == 2
    assert any(e.path == ".github/workflows/stale.yml" and e.line == 8 for e in f.evidence)
    assert any("priority: high" in o for o in f.observations)


def test_label_definitions_alone_are_documented():
    f = evaluate(BRD003, files={".github/labels.yml": "- name: bug\n- name: docs\n"})
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert any("no priority or severity" in o for o in f.observations)


def test_no_label_configuration_fails():
    f = evaluate(BRD003, files={"src/app.py": "x = 1\n"})
    assert f.outcome is Outcome.FAIL
    assert "Priority levels and labelling system" in f.missing


# -- BRD004: board automation -------------------------------------------------------------

PROJECT = """on:
  issues:
    types: [opened]
jobs:
  add:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/add-to-project@v1.0.2
        with:
          project-url: https://github.com/orgs/acme/projects/1
"""


def test_add_to_project_is_automated():
    f = evaluate(BRD004, files={".github/workflows/project.yml": PROJECT})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert "actions/add-to-project adds new issues" in f.message
    assert (f.evidence[0].path, f.evidence[0].line) == (".github/workflows/project.yml", 8)


def test_jira_config_directory_counts():
    f = evaluate(BRD004, files={".jira/config.yml": "project: SMS\n"})
    assert f.outcome is Outcome.PASS
    assert f.evidence[0].path == ".jira"


def test_no_automation_fails_and_defers_to_platform():
    f = evaluate(BRD004, files={"README.md": "# x\n"})
    assert f.outcome is Outcome.FAIL
    assert f.missing == ("Automation rules (e.g. auto-assign, status updates)",)
    assert f.not_determinable


# -- BRD005: written board workflow -------------------------------------------------------

PROCESS = """# How we work

## Board

- Backlog: ideas, not yet refined
- To Do: refined and estimated
- In Progress: someone is on it
- Review: waiting for a pull-request review
- Done: merged and deployed

Priorities: P0 drop everything, P1 this sprint, P2 next.
Epics group stories; each story splits into tasks.
"""


def test_board_states_and_hierarchy_documented():
    f = evaluate(BRD005, files={"docs/process.md": PROCESS})
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert "docs/process.md" in f.message
    assert {e.line for e in f.evidence} >= {5}
    assert any("planning cadence" in o for o in f.observations)


def test_passing_mention_of_done_is_not_a_board():
    f = evaluate(BRD005, files={"README.md": "# App\n\nWhen you are done, open a PR for review.\n"})
    assert f.outcome is Outcome.FAIL
    assert "Epic/Story/Task hierarchy" in f.missing
    assert "Board column definitions (Backlog, To Do, In Progress, Review, Done)" in f.missing


def test_merged_branches_named_after_tickets_pass():
    commits = []
    for i in range(6):
        commits.append({"subject": f"Merge pull request #{200 + i} from acme/feature/sms-{i + 10}-promo",
                        "parents": [f"{i:040x}", f"{i + 100:040x}"]})
    commits += [{"subject": f"tweak {i}"} for i in range(6)]
    f = evaluate(BRD001, history=make_history(commits))
    assert f.outcome is Outcome.PASS
    assert f.message.startswith("6 of the last 6 merged branches cite a ticket")
    assert _measure(f, "merged branches citing a ticket").value == "6 of 6"
    assert any("merged pull requests" in o for o in f.observations)
    assert "Issue links in pull-request descriptions" in f.not_determinable


def test_ordinary_words_are_not_board_columns():
    text = ("# Triage\n\n- do we want to do it?\n- is it done already?\n- needs review by the team\n"
            "- put it in the backlog\n")
    f = evaluate(BRD005, files={"docs/triage.md": text})
    assert f.outcome is Outcome.FAIL
