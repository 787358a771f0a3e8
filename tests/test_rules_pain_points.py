"""Pain-point rules on literal facts: each fails when its pain point is found."""

import json

from auditor.facts.project import Project
from auditor.model import Outcome, Signal
from auditor.rules.pain_points import (
    PAIN001,
    PAIN002,
    PAIN003,
    PAIN004,
    PAIN005,
    PAIN006,
    PAIN007,
    PAIN008,
)
from auditor.testing import evaluate, make_history

START_HERE = ("# START HERE: Testing the Platform Fee\n\n1. Run `npm run dev`\n"
              "2. Start the Stripe CLI and forward webhooks manually\n3. Create a test order from the dashboard\n"
              "4. Open Prisma Studio and manually verify the fee on the order row\n"
              "5. Check the Stripe dashboard for the application fee\n")
README = ("# App\n\n## Setup\n\n1. `npm install`\n2. Copy your keys into `.env.local`\n"
          "3. `npm run db:push`\n4. `npm run dev`\n")
APP = {"package.json": json.dumps({"name": "app", "dependencies": {"next": "15"}}), "next.config.ts": "x\n",
       "README.md": README}


# -- PAIN001 manual procedures -------------------------------------------------------------------


def test_manual_testing_steps_are_a_pain_point():
    files = dict(APP, **{"START_HERE.md": START_HERE,
                         "UX_DESIGN_AUDIT.md": "# UX\n- Users wait for an admin to assign a number manually.\n"
                                               "- Admin must manually configure numbers.\n"})
    f = evaluate(PAIN001, files=files)
    assert f.outcome is Outcome.FAIL
    assert f.message == ("1 manual multi-step procedure in START_HERE.md; manual work described in "
                         "UX_DESIGN_AUDIT.md")
    first = f.evidence[0]
    assert (first.path, first.line) == ("START_HERE.md", 4)
    assert first.note.startswith("5-step procedure, 4 steps by hand")
    assert ("UX_DESIGN_AUDIT.md", 2) in {(e.path, e.line) for e in f.evidence}


def test_ordinary_setup_steps_are_not_a_pain_point():
    f = evaluate(PAIN001, files=APP)
    assert f.outcome is Outcome.PASS and f.message == "no manual multi-step procedure in 1 document"
    assert evaluate(PAIN001, files={"src/a.py": "x\n"}).outcome is Outcome.SKIP


# -- PAIN002 TODO markers ------------------------------------------------------------------------


def test_todo_markers_are_counted_and_cited():
    files = {"test-promo-db.js": "// run with node\n// TODO: clean up test data automatically\nmain();\n",
             "src/a.py": "x = 1  # FIXME wrong\ny = 2  # TODO later\n", "src/b.py": "print('todo list')\n"}
    f = evaluate(PAIN002, files=files)
    assert f.outcome is Outcome.FAIL
    assert f.message == "3 debt markers (2 TODO, 1 FIXME) in 2 files, most in src/a.py"
    assert (f.evidence[0].path, f.evidence[0].line) == ("src/a.py", 1)
    assert ("test-promo-db.js", 2) in {(e.path, e.line) for e in f.evidence}
    assert f.measures[0].value == 3 and f.measures[0].window == "3 of 3 source and test files read"
    assert evaluate(PAIN002, files={"src/b.py": "ok\n"}).outcome is Outcome.PASS
    assert evaluate(PAIN002, files={"README.md": "TODO\n"}).outcome is Outcome.SKIP


# -- PAIN003 churn hotspots ----------------------------------------------------------------------


def test_churn_hotspot_fails_when_one_file_takes_most_commits():
    commits = [{"subject": f"c {i}", "paths": ["src/core.py"] if i % 2 == 0 else [f"src/m{i}.py"]} for i in range(24)]
    files = {"src/core.py": "x\n", **{f"src/m{i}.py": "x\n" for i in range(24)}}
    f = evaluate(PAIN003, files=files, history=make_history(commits, tree_paths=list(files)))
    assert f.outcome is Outcome.FAIL
    assert f.message == "src/core.py changed in 12 of 24 commits (50%) in the last 90 days"
    assert f.evidence[0].path == "src/core.py"
    assert "src/core.py (12 commits)" in f.observations[0]


def test_spread_changes_pass_and_short_histories_skip():
    commits = [{"subject": f"c {i}", "paths": [f"src/m{i}.py"]} for i in range(12)]
    files = {f"src/m{i}.py": "x\n" for i in range(12)}
    f = evaluate(PAIN003, files=files, history=make_history(commits))
    assert f.outcome is Outcome.PASS and f.signal is Signal.OBSERVED
    assert evaluate(PAIN003, files=files, history=make_history(commits[:4])).outcome is Outcome.SKIP


# -- PAIN004 reverts and hotfixes, PAIN005 oversized commits -------------------------------------


def test_reverts_and_hotfixes():
    commits = [{"subject": 'Revert "Add cache"'}, {"subject": "Hotfix checkout crash"}] + [{"subject": "c"}] * 18
    f = evaluate(PAIN004, history=make_history(commits))
    assert f.outcome is Outcome.FAIL and f.message == "1 revert and 1 hotfix among 20 commits in the last 90 days"
    assert len(f.evidence) == 2 and f.measures[2].value == 0.1
    f = evaluate(PAIN004, history=make_history([{"subject": "c"}] * 20))
    assert f.outcome is Outcome.PASS
    f = evaluate(PAIN004, history=make_history([{"subject": "Import"}, {"subject": 'Revert "Import"'}]))
    assert f.outcome is Outcome.SKIP and f.message.startswith("insufficient history")


def test_oversized_commits():
    history = make_history([{"subject": f"c {i}"} for i in range(11)])
    sizes = [5000, 3000, 20, 30, 40, 50, 60, 70, 80, 90]
    history.sizes = {c.hash: (3, n, 0) for c, n in zip(history.recent, sizes + [99_999])}
    f = evaluate(PAIN005, history=history)
    assert f.outcome is Outcome.FAIL and f.message == "2 of 10 commits change more than 1000 lines"
    assert f.evidence[0].note.startswith("5000 lines: c 0")
    history.sizes = {c.hash: (1, 10, 0) for c in history.recent}
    assert evaluate(PAIN005, history=history).outcome is Outcome.PASS


# -- PAIN006 staging, PAIN007 monitoring ---------------------------------------------------------


def test_no_staging_cites_the_production_deploy():
    files = dict(APP, **{"LAUNCH_GUIDE.md": "# Launch\n\n- Switch Stripe to live keys\n- Deploy with `vercel --prod`\n"})
    f = evaluate(PAIN006, files=files)
    assert f.outcome is Outcome.FAIL and "changes go straight to production" in f.message
    assert (f.evidence[0].path, f.evidence[0].line) == ("LAUNCH_GUIDE.md", 4)
    assert "Staging or preview environment" in f.missing


def test_staging_from_config_or_docs():
    f = evaluate(PAIN006, files=dict(APP, **{".env.staging.example": "DATABASE_URL=\n"}))
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert f.evidence[0].path == ".env.staging.example"
    f = evaluate(PAIN006, files=dict(APP, **{"docs/deploy.md": "# Deploy\n\nVerify on the staging site first.\n"}))
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert (f.evidence[0].path, f.evidence[0].line) == ("docs/deploy.md", 3)
    lib = Project(kind="library", deployed=False)
    assert evaluate(PAIN006, files=APP, project=lib).outcome is Outcome.NOT_APPLICABLE


def test_deployed_service_without_monitoring():
    f = evaluate(PAIN007, files=APP)
    assert f.outcome is Outcome.FAIL
    assert "next.config.ts" in f.message and "no error tracking" in f.message
    assert [e.path for e in f.evidence] == ["next.config.ts"]
    sentry = dict(APP, **{"package.json": json.dumps({"name": "a", "dependencies": {"next": "15",
                                                                                    "@sentry/nextjs": "8"}})})
    f = evaluate(PAIN007, files=sentry)
    assert f.outcome is Outcome.PASS and "Sentry" in f.message
    assert evaluate(PAIN007, files=APP, project=Project(kind="cli", deployed=False)).outcome is Outcome.NOT_APPLICABLE


# -- PAIN008 ad-hoc test scripts -----------------------------------------------------------------


def test_ad_hoc_test_scripts_at_the_root():
    package = json.dumps({"name": "app", "scripts": {"smoke": "node scripts/test-smoke.js"}})
    files = dict(APP, **{"package.json": package,
                         "test-promo-db.js": "const x = 1;\n// run with `node test-promo-db.js`\n",
                         "test-promo-flow.js": "main();\n", "jest.setup.js": "x\n",
                         "src/__tests__/promo.test.ts": "test()\n", "scripts/test_webhook.sh": "curl x\n",
                         "scripts/test-smoke.js": "ping()\n"})  # run by `npm run smoke`: not ad hoc
    f = evaluate(PAIN008, files=files)
    assert f.outcome is Outcome.FAIL
    assert f.message == ("3 ad-hoc test scripts outside the test suite: scripts/test_webhook.sh, test-promo-db.js, "
                         "test-promo-flow.js")
    assert ("test-promo-db.js", 2) in {(e.path, e.line) for e in f.evidence}
    assert evaluate(PAIN008, files=APP).outcome is Outcome.PASS


def test_contribution_steps_are_not_manual_procedures():
    contributing = ("# Contributing\n\n1. Open an issue first for anything larger than a typo.\n"
                    "2. Fork, branch from `main`, and open a pull request.\n3. Add an entry to CHANGELOG.md.\n")
    f = evaluate(PAIN001, files={"CONTRIBUTING.md": contributing})
    assert f.outcome is Outcome.PASS


# -- calibration on public repositories -----------------------------------------------------------

LIBRARY = Project(kind="library", deployed=False)
USER_GUIDE = ("# User guide\n\n- You can manually specify file types with `--type-add`.\n"
              "- Or manually override the ignore rules per directory.\n")
RELEASE_CHECKLIST = ("# Release\n\n1. Manually bump the version in Cargo.toml\n2. Copy the changelog into the "
                     "release page by hand\n3. Click publish on the releases dashboard\n")


def test_a_library_s_user_guides_are_not_the_team_s_manual_procedures():
    # ripgrep's GUIDE.md and rails' guides tell users what they can do by hand.
    files = {"GUIDE.md": USER_GUIDE, "guides/source/asset_pipeline.md": START_HERE, "Cargo.toml": "[package]\n"}
    f = evaluate(PAIN001, files=files, project=LIBRARY)
    assert f.outcome is Outcome.SKIP, f.message
    # the team's own release checklist still counts
    files["RELEASE-CHECKLIST.md"] = RELEASE_CHECKLIST
    f = evaluate(PAIN001, files=files, project=LIBRARY)
    assert f.outcome is Outcome.FAIL and "RELEASE-CHECKLIST.md" in f.message and "GUIDE.md" not in f.message
    # release notes are not procedures either (git's Documentation/RelNotes/)
    notes = {"Documentation/RelNotes/1.5.0.6.adoc": START_HERE, "CONTRIBUTING.md": "# Contributing\n"}
    assert evaluate(PAIN001, files=notes, project=LIBRARY).outcome is Outcome.PASS


def test_scripts_that_run_the_test_suite_and_test_support_code_are_not_ad_hoc_tests():
    # fastapi's scripts/test-cov-html.sh, full-stack-fastapi-template's scripts/test-local.sh, rails' test_common.rb
    files = {"scripts/test-cov-html.sh": "#!/usr/bin/env bash\nset -e\nbash scripts/test-cov.sh --cov-report=html\n",
             "scripts/test-local.sh": "docker-compose up -d\ndocker-compose exec -T backend bash scripts/tests-start.sh\n",
             "tools/test_common.rb": "require_relative 'support/leak_checker'\nActiveSupport::TestCase.alias_method :a, :b\n",
             "scripts/test_webhook.sh": "curl -X POST localhost:3000/webhook\n"}
    f = evaluate(PAIN008, files=files)
    assert f.message == "1 ad-hoc test script outside the test suite: scripts/test_webhook.sh", f.message
