"""Release-process rules (seed 002) and the DORA proxies, on literal facts."""

import datetime as dt
import hashlib
import json

from auditor.facts.project import Project
from auditor.facts.refs import Tag, scheme_of
from auditor.model import Outcome, Signal
from auditor.rules.release import (
    REL001,
    REL002,
    REL003,
    REL004,
    REL005,
    REL006,
    REL007,
    REL008,
    REL009,
    REL010,
    REL011,
)
from auditor.testing import evaluate, make_history


def ts(day: str, hour: int = 12) -> int:
    return int(dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00").timestamp())


def tag(name: str, day: str, commit: str | None = None) -> Tag:
    commit = commit or hashlib.sha1(name.encode()).hexdigest()
    return Tag(name=name, commit=commit, time=ts(day), annotated=True, scheme=scheme_of(name))


def monthly_tags(n: int = 12, last: str = "2025-10-15") -> tuple[Tag, ...]:
    end = dt.date.fromisoformat(last)
    return tuple(tag(f"v1.{i}.0", (end - dt.timedelta(days=30 * (n - 1 - i))).isoformat()) for i in range(n))


def daily(n: int, subject: str = "change", **extra) -> list[dict]:
    return [dict(subject=f"{subject} {i}", **extra) for i in range(n)]


PKG = {"package.json": json.dumps({"name": "app", "version": "0.1.0"})}
SERVICE = Project(kind="service", deployed=True)
LIBRARY = Project(kind="library", deployed=False)


# -- REL001 tags and versioning ---------------------------------------------------------------


def test_no_tags_is_missing_and_mentions_the_declared_version():
    f = evaluate(REL001, files=PKG, tags=())
    assert f.outcome is Outcome.FAIL
    assert "no release tags" in f.message
    assert f.observations == ("package.json declares version 0.1.0, but no release is tagged.",)
    assert "Version tags (e.g. v1.2.0)" in f.missing


def test_semver_tags_pass_with_the_latest_tags_as_evidence():
    f = evaluate(REL001, files=PKG, tags=monthly_tags(4) + (tag("v2.0.0-rc.1", "2025-10-16"),))
    assert f.outcome is Outcome.PASS and f.signal is Signal.OBSERVED
    assert "5 of 5 tags are version numbers (semantic versioning)" in f.message
    assert [e.tag for e in f.evidence] == ["v2.0.0-rc.1", "v1.3.0", "v1.2.0"]
    assert any("pre-releases" in o for o in f.observations)


def test_mixed_tag_names_fail_the_scheme():
    tags = (tag("v1.0.0", "2025-01-01"), tag("deploy-a", "2025-02-01"), tag("deploy-b", "2025-03-01"))
    f = evaluate(REL001, files=PKG, tags=tags)
    assert f.outcome is Outcome.FAIL and "only 1 of 3 tags are version numbers" in f.message
    share = next(m for m in f.measures if m.name == "version-numbered tags")
    assert share.value == 0.33 and share.threshold == 0.8


def test_two_part_versions_count_and_future_tags_are_ignored():
    tags = (tag("1.0", "2024-01-01"), tag("2.0", "2024-06-01"), tag("8.1.8", "2025-01-01"), tag("9.0.0", "2026-01-01"))
    f = evaluate(REL001, files=PKG, tags=tags)
    assert f.outcome is Outcome.PASS and f.message.startswith("3 of 3 tags are version numbers")
    assert f.evidence[0].tag == "8.1.8"  # 9.0.0 is dated after the audit date


# -- REL002 cadence ---------------------------------------------------------------------------


def test_cadence_is_skipped_without_tags_and_says_what_git_cannot_show():
    f = evaluate(REL002, tags=())
    assert f.outcome is Outcome.SKIP and f.not_determinable


def test_monthly_releases_pass_the_cadence():
    f = evaluate(REL002, tags=monthly_tags(12))
    assert f.outcome is Outcome.PASS and f.signal is Signal.OBSERVED
    med = next(m for m in f.measures if m.name == "median days between releases")
    assert med.value == 30 and med.window == "last 365 days"
    assert f.evidence[0].tag == "v1.11.0"


def test_branch_markers_and_duplicate_tags_are_not_releases():
    markers = tuple(tag(f"{i}.x", "2025-10-01") for i in range(1, 8))
    same_commit = (tag("v1.2.0", "2025-08-01", "c" * 40), tag("1.2.0", "2025-08-01", "c" * 40))
    f = evaluate(REL002, tags=markers + same_commit + (tag("v1.3.0", "2025-09-01"), tag("v1.4.0", "2025-10-01")))
    assert f.outcome is Outcome.PASS
    assert f.measures[0].value == 3  # 1.x … 7.x and the duplicate 1.2.0 are left out
    assert next(m for m in f.measures if m.name == "median days between releases").value == 30.5


def test_stale_and_sparse_releases_fail():
    stale = tuple(tag(f"v1.{i}.0", d) for i, d in enumerate(["2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01"]))
    f = evaluate(REL002, tags=stale)
    assert f.outcome is Outcome.FAIL and "no release for" in f.message
    f = evaluate(REL002, tags=(tag("v1.0.0", "2025-09-01"),))
    assert f.outcome is Outcome.FAIL and f.message.startswith("1 release in the last 365 days")


# -- REL003 changelog -------------------------------------------------------------------------


def test_no_changelog_fails():
    f = evaluate(REL003, files=PKG, history=make_history(daily(5, "Add thing", paths=["src/a.ts"])), tags=())
    assert f.outcome is Outcome.FAIL and "CHANGELOG.md or release notes per version" in f.missing


def test_changelog_updated_in_every_release_interval_is_documented():
    commits = []
    for i in range(12):  # newest first, one commit a day; the changelog moves every third day
        paths = ["src/a.ts", "CHANGELOG.md"] if i % 3 == 0 else ["src/a.ts"]
        commits.append({"subject": f"feat: thing {i}", "date": f"2025-10-{18 - i:02d}T10:00:00+00:00", "paths": paths})
    tags = (tag("v1.0.0", "2025-10-09"), tag("v1.1.0", "2025-10-12"), tag("v1.2.0", "2025-10-15"),
            tag("v1.3.0", "2025-10-18"))
    files = {"CHANGELOG.md": "# Changelog\n", **PKG}
    f = evaluate(REL003, files=files, history=make_history(commits), tags=tags)
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert "updated for 3 of the last 3 releases" in f.message
    assert f.evidence[0].path == "CHANGELOG.md"


def test_changelog_is_not_judged_on_a_thin_history():
    files = {"CHANGELOG.md": "# Changelog\n", **PKG}
    f = evaluate(REL003, files=files, history=make_history(daily(2, "feat: import")), tags=())
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED and not f.measures
    assert "insufficient history" in f.observations[0]


def test_stale_changelog_is_ad_hoc():
    commits = [{"subject": f"feat: thing {i}", "paths": ["src/a.ts"]} for i in range(10)]
    files = {"CHANGELOG.md": "# Changelog\n", **PKG}
    f = evaluate(REL003, files=files, history=make_history(commits), tags=())
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC
    assert "only 0 of 10 feature commits" in f.message
    share = next(m for m in f.measures if m.name == "feature commits that update the changelog")
    assert share.value == 0.0 and share.threshold == 0.3


def test_release_notes_generator_without_a_file_is_automated():
    files = {"release-please-config.json": "{}\n", **PKG}
    f = evaluate(REL003, files=files, history=make_history(daily(3)), tags=())
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED and "release-please" in f.message


# -- REL004 tooling ---------------------------------------------------------------------------


def test_release_tooling_from_config_and_ci():
    workflow = ("name: release\non:\n  push:\n    tags: ['v*']\njobs:\n  release:\n    runs-on: ubuntu-latest\n"
                "    steps:\n      - run: npx semantic-release\n")
    files = {".releaserc.json": "{}\n", ".github/workflows/release.yml": workflow, **PKG}
    f = evaluate(REL004, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert "semantic-release" in f.message
    assert {".releaserc.json", ".github/workflows/release.yml"} <= {e.path for e in f.evidence}


def test_written_procedure_alone_is_documented_and_nothing_fails():
    f = evaluate(REL004, files={"RELEASING.md": "# Releasing\n1. bump\n", **PKG})
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED and "RELEASING.md" in f.message
    f = evaluate(REL004, files=PKG)
    assert f.outcome is Outcome.FAIL and "Release procedure (RELEASING.md)" in f.missing


# -- REL005 conventional commits --------------------------------------------------------------


def test_conventional_commits_enforced_by_commitlint():
    files = {"commitlint.config.js": "module.exports = {extends: ['@commitlint/config-conventional']}\n", **PKG}
    f = evaluate(REL005, files=files, history=make_history(daily(10, "feat(api): add")), tags=monthly_tags(3))
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert f.evidence[0].path == "commitlint.config.js"


def test_conventional_commits_by_habit_and_free_form_history():
    f = evaluate(REL005, files=PKG, history=make_history(daily(10, "fix: tidy")), tags=monthly_tags(3))
    assert f.outcome is Outcome.PASS and f.signal is Signal.OBSERVED
    f = evaluate(REL005, files=PKG, history=make_history(daily(10, "fix: tidy")), tags=())
    assert f.outcome is Outcome.SKIP and "no release is tagged" in f.message and f.measures[0].value == 1.0
    f = evaluate(REL005, files=PKG, history=make_history(daily(26, "Add promo code system")))
    assert f.outcome is Outcome.FAIL and f.message == "0 of 26 commits follow Conventional Commits"
    assert f.measures[0].window == "last 26 non-merge commits"
    assert f.evidence[0].commit
    assert evaluate(REL005, files=PKG, history=make_history(daily(3))).outcome is Outcome.SKIP


# -- REL006 tech debt, REL007 rollback ----------------------------------------------------------


def test_tech_debt_log():
    f = evaluate(REL006, files={"docs/tech-debt.md": "# Technical Debt Log\n"})
    assert f.outcome is Outcome.PASS and f.evidence[0].path == "docs/tech-debt.md"
    assert evaluate(REL006, files=PKG).outcome is Outcome.FAIL


def test_rollback_procedure_needs_release_context():
    doc = "# Ops\n\nSome text.\n\n## Rolling back\nRedeploy the previous tag.\n"
    f = evaluate(REL007, files={"docs/ops.md": doc}, project=SERVICE)
    assert f.outcome is Outcome.PASS and (f.evidence[0].path, f.evidence[0].line) == ("docs/ops.md", 5)
    f = evaluate(REL007, files={"docs/db.md": "# DB\nThe transaction will rollback on error.\n"}, project=SERVICE)
    assert f.outcome is Outcome.FAIL
    f = evaluate(REL007, files={"README.md": "# App\nTo roll back a deploy, run `vercel rollback`.\n"},
                 project=SERVICE)
    assert f.outcome is Outcome.PASS and f.evidence[0].line == 2
    f = evaluate(REL007, files={"README.md": "# Lib\n"}, project=LIBRARY)
    assert f.outcome is Outcome.NOT_APPLICABLE and "library" in f.message


# -- DORA proxies -------------------------------------------------------------------------------


def test_deployment_frequency_proxy():
    weekly = tuple(tag(f"v1.{i}.0", (dt.date(2025, 10, 17) - dt.timedelta(days=7 * i)).isoformat()) for i in range(12))
    f = evaluate(REL008, tags=weekly, project=SERVICE)
    assert f.outcome is Outcome.PASS
    m = f.measures[0]
    assert "proxy" in m.name and m.value == 0.93 and m.window == "last 90 days"
    f = evaluate(REL008, tags=(tag("v1.0.0", "2025-01-01"),), project=SERVICE)
    assert f.outcome is Outcome.FAIL and "0 releases in the last 90 days" in f.message
    assert evaluate(REL008, tags=(), project=SERVICE).outcome is Outcome.SKIP
    assert evaluate(REL008, tags=weekly, project=LIBRARY).outcome is Outcome.NOT_APPLICABLE


def test_lead_time_proxy_from_commit_to_next_tag():
    history = make_history(daily(30))  # one commit a day, newest 2025-10-18 12:00
    every_3 = tuple(tag(f"v1.{i}.0", (dt.date(2025, 10, 18) - dt.timedelta(days=3 * i)).isoformat())
                    for i in range(11))
    f = evaluate(REL009, history=history, tags=every_3)
    assert f.outcome is Outcome.PASS, f.message
    m = f.measures[0]
    assert "proxy" in m.name and m.value <= 2
    assert any("Approximate" in o for o in f.observations)
    monthly = (tag("v1.0.0", "2025-09-19"), tag("v1.1.0", "2025-10-18"))
    f = evaluate(REL009, history=history, tags=monthly)
    assert f.outcome is Outcome.FAIL and f.measures[0].value > 7
    assert evaluate(REL009, history=history, tags=()).outcome is Outcome.SKIP


def test_change_failure_proxy_counts_reverts_and_hotfixes_per_release():
    commits = [{"subject": "Revert \"Add thing\""}, {"subject": "hotfix: login"}, {"subject": "hotfix payment"}] + daily(7)
    tags = (tag("v1.0.0", "2025-10-01"), tag("v1.1.0", "2025-10-10"))
    f = evaluate(REL010, history=make_history(commits), tags=tags)
    assert f.outcome is Outcome.FAIL and f.message == "1 revert and 2 hotfixes against 2 releases in the last 365 days"
    assert f.measures[0].value == 1.5 and "proxy" in f.measures[0].name
    assert len(f.evidence) == 3
    f = evaluate(REL010, history=make_history(daily(10)), tags=tags)
    assert f.outcome is Outcome.PASS and f.measures[0].value == 0


def test_time_to_restore_proxy_from_revert_bodies():
    bad = "a" * 40
    commits = [{"subject": "Revert \"Add flaky cache\"", "body": f"This reverts commit {bad}.",
                "date": "2025-10-10T14:00:00+00:00"},
               {"hash": bad, "subject": "Add flaky cache", "date": "2025-10-10T10:00:00+00:00"},
               {"subject": "Add base", "date": "2025-10-09T10:00:00+00:00"}]
    commits += [{"subject": f"older {i}", "date": f"2025-09-{20 - i:02d}T10:00:00+00:00"} for i in range(5)]
    f = evaluate(REL011, history=make_history(commits))
    assert f.outcome is Outcome.PASS and f.measures[0].value == 4.0
    assert "proxy" in f.measures[0].name and f.evidence[0].note == "reverted aaaaaaaa after 4.0 hours"
    commits[1]["date"] = "2025-10-06T14:00:00+00:00"
    commits[2]["date"] = "2025-10-05T10:00:00+00:00"  # still newer than the padding
    f = evaluate(REL011, history=make_history(commits))
    assert f.outcome is Outcome.FAIL and f.measures[0].value == 96.0
    assert evaluate(REL011, history=make_history(daily(5))).outcome is Outcome.SKIP


# -- calibration: tag series and pre-release spellings of public repositories ---------------------


def test_component_tags_of_a_workspace_are_not_the_products_releases():
    # ripgrep tags its crates (ignore-0.4.x, globset-0.4.x, often the same day) beside ripgrep's own releases.
    crates = tuple(tag(f"{c}-0.4.{i}", f"2025-{m:02d}-0{d}") for i, (m, d) in enumerate(
        [(2, 1), (3, 2), (3, 3), (5, 4), (6, 5), (7, 6), (8, 7), (9, 8), (10, 9)]) for c in ("ignore", "globset"))
    product = (tag("14.1.0", "2025-01-10"), tag("14.1.1", "2025-06-10"), tag("15.0.0", "2025-09-20"))
    f = evaluate(REL002, tags=crates + product, as_of="2025-10-15")
    assert "3 releases in the last 365 days" in f.message, f.message
    latest = evaluate(REL001, files=PKG, tags=crates + product, as_of="2025-10-15")
    assert "the latest release is 15.0.0" in latest.message
    assert any("2 other tag series" in o and "ignore" in o for o in latest.observations), latest.observations


def test_prefixed_release_tags_and_rc_tags_are_read_as_versions_and_pre_releases():
    # commons-lang: rel/commons-lang-3.20.0 marks the release, commons-lang-3.20.0-RC2 the candidate before it.
    tags = []
    for minor, day in ((18, "2025-07-09"), (19, "2025-09-24"), (20, "2025-10-10")):
        tags += [tag(f"commons-lang-3.{minor}.0-RC1", day), tag(f"rel/commons-lang-3.{minor}.0", day)]
    tags.append(tag("commons-lang-3.11-RC2", "2020-07-06"))
    f = evaluate(REL001, files=PKG, tags=tuple(tags), as_of="2025-10-15")
    assert f.outcome is Outcome.PASS, f.message
    assert "the latest release is rel/commons-lang-3.20.0" in f.message
    cadence = evaluate(REL002, tags=tuple(tags), as_of="2025-10-15")
    assert cadence.measures[0].value == 3


def test_dotted_pre_releases_are_not_releases():
    # rails' main branch reaches only v8.1.0.beta1-style tags; finals are tagged on stable branches.
    tags = (tag("v8.0.0", "2024-11-07"), tag("v8.1.0.beta1", "2025-09-04"))
    f = evaluate(REL002, tags=tags, as_of="2025-10-15")
    assert "the latest, v8.0.0" in f.message


def test_pre_releases_mark_a_branch_whose_finals_are_tagged_elsewhere():
    # rails/main reaches v2.3.2.1 (2009) and then only betas and release candidates.
    tags = (tag("v2.3.2.1", "2009-03-17"), tag("v8.0.0.beta1", "2024-09-26"), tag("v8.0.0.rc1", "2024-10-19"),
            tag("v8.1.0.beta1", "2025-09-04"))
    f = evaluate(REL001, files=PKG, tags=tags, as_of="2025-10-15")
    assert "the latest release is v8.1.0.beta1" in f.message, f.message
    assert any("final releases are likely tagged on release branches" in o for o in f.observations)
    cadence = evaluate(REL002, tags=tags, as_of="2026-06-01")
    assert "the latest, v8.1.0.beta1" in cadence.message, cadence.message
    assert any("release branches" in o for o in cadence.observations)


def test_a_rollback_in_one_operation_s_runbook_is_not_a_release_rollback():
    # supabase/auth: docs/saml_key_rotation.md has a "Rollback" section for the key rotation only.
    runbook = ("# SAML SP Key Rotation Runbook\n\n## Step 1 — Generate the new key\n\n## Rollback\n\n"
               "| Phase | How to rollback |\n| After Step 2 | Clear the key and redeploy. |\n")
    f = evaluate(REL007, files={"docs/saml_key_rotation.md": runbook}, project=SERVICE)
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC, f.message
    assert "only for specific operations" in f.message and "SAML SP Key Rotation Runbook" in f.message
    releasing = "# Releasing\n\n## Rollback\n\nRedeploy the previous tag.\n"
    g = evaluate(REL007, files={"docs/saml_key_rotation.md": runbook, "RELEASING.md": releasing}, project=SERVICE)
    assert g.signal is Signal.DOCUMENTED and g.evidence[0].path == "RELEASING.md"


def test_a_pipeline_that_only_tests_tagged_builds_cuts_no_release():
    # git's .gitlab-ci.yml runs its test jobs on tags too; no job publishes anything.
    gitlab = ("test:linux:\n  script:\n    - make test\n  rules:\n    - if: $CI_COMMIT_TAG\n"
              "    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n")
    f = evaluate(REL004, files={".gitlab-ci.yml": gitlab, "Makefile": "test:\n"})
    assert f.outcome is Outcome.FAIL, f.message
    publish = gitlab + "publish:\n  script:\n    - twine upload dist/*\n  rules:\n    - if: $CI_COMMIT_TAG\n"
    assert evaluate(REL004, files={".gitlab-ci.yml": publish}).outcome is Outcome.PASS
