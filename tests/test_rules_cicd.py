"""CI/CD rules, evaluated on literal files and histories (no git)."""

import json

from auditor.model import Outcome, Signal
from auditor.rules.cicd import CICD001, CICD002, CICD003, CICD004, CICD005, CICD006, CICD007
from auditor.testing import evaluate, make_history

NEXT_APP = json.dumps({
    "name": "app", "private": True,
    "scripts": {"dev": "next dev", "build": "prisma generate && next build", "lint": "next lint", "test": "jest",
                "test:e2e": "playwright test"},
    "dependencies": {"next": "15.5.4", "react": "19.1.0", "react-dom": "19.1.0"},
    "devDependencies": {"jest": "^30", "@playwright/test": "^1.55", "typescript": "^5"},
}, indent=2)
CLAUDE = '{\n  "permissions": {\n    "allow": [\n      "Bash(npm run test:*)",\n      "Bash(vercel:*)"\n    ]\n  }\n}\n'
CI = """name: CI
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
jobs:
  checks:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci
      - run: npm run lint
      - run: npx tsc --noEmit
      - run: npm test
      - run: npx playwright test
      - run: npm run build
"""
DEPLOY = """name: Deploy
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: npx vercel deploy --prod --token=${{ secrets.VERCEL_TOKEN }}
"""
NIGHTLY = """on:
  schedule:
    - cron: '0 3 * * *'
  workflow_dispatch:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make build
"""


def paths(finding):
    return [e.path for e in finding.evidence]


# -- CICD001: deployment automated, in CI or by a platform --------------------------------------------------


def test_vercel_known_only_from_assistant_allow_list_is_likely_external():
    guide = "# Launch\n\n- Switch Stripe to live keys\n- Deploy with `vercel --prod`\n"
    f = evaluate(CICD001, files={"package.json": NEXT_APP, ".claude/settings.local.json": CLAUDE,
                                 "LAUNCH_GUIDE.md": guide})
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.EXTERNAL
    assert "likely happens outside the repository on Vercel" in f.message
    assert "Bash(vercel:*)" in f.message
    ev = {e.path: e for e in f.evidence}
    assert ev[".claude/settings.local.json"].line == 5
    assert ev["LAUNCH_GUIDE.md"].line == 4
    assert any("approval" in d.lower() for d in f.not_determinable)


def test_platform_config_file_is_external_and_named():
    f = evaluate(CICD001, files={"package.json": NEXT_APP, "netlify.toml": "[build]\ncommand = 'npm run build'\n"})
    assert f.outcome is Outcome.PASS and f.signal is Signal.EXTERNAL
    assert "configured for Netlify in netlify.toml" in f.message
    assert paths(f) == ["netlify.toml"]


def test_platform_package_counts_as_a_mention():
    pkg = json.loads(NEXT_APP)
    pkg["dependencies"]["@vercel/analytics"] = "^1.3.0"
    f = evaluate(CICD001, files={"package.json": json.dumps(pkg, indent=2)})
    assert f.outcome is Outcome.PASS and f.signal is Signal.EXTERNAL
    assert any(e.note == "@vercel/analytics dependency" for e in f.evidence)


def test_deploy_job_in_ci_is_automated():
    f = evaluate(CICD001, files={"package.json": NEXT_APP, ".github/workflows/deploy.yml": DEPLOY})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert "job deploy in .github/workflows/deploy.yml runs on push" in f.message
    assert ".github/workflows/deploy.yml" in paths(f)


def test_deployed_service_without_any_deploy_evidence_fails():
    f = evaluate(CICD001, files={"package.json": json.dumps({"dependencies": {"express": "^4"}}),
                                 "Dockerfile": "FROM node:20\n", "src/index.js": "app.listen(3000)\n"})
    assert f.outcome is Outcome.FAIL
    assert "Rollback procedure" in f.missing


def test_library_without_release_job_is_not_applicable():
    f = evaluate(CICD001, files={"pyproject.toml": "[project]\nname = 'lib'\ndependencies = ['attrs']\n",
                                 "lib/__init__.py": "x = 1\n"})
    assert f.outcome is Outcome.NOT_APPLICABLE


# -- CICD002: a pipeline on every change ----------------------------------------------------------------------


def test_no_ci_fails_and_cites_the_local_scripts():
    f = evaluate(CICD002, files={"package.json": NEXT_APP})
    assert f.outcome is Outcome.FAIL
    assert "no CI configuration" in f.message
    notes = [e.note for e in f.evidence]
    assert "local script build: prisma generate && next build" in notes
    assert all(e.path == "package.json" and e.line for e in f.evidence)
    assert "CI pipeline on every push and pull request" in f.missing
    assert f.not_determinable


def test_workflow_on_push_and_pull_request_passes_with_trigger_line():
    f = evaluate(CICD002, files={".github/workflows/ci.yml": CI, ".github/workflows/nightly.yml": NIGHTLY})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert f.message == "1 GitHub Actions pipeline runs on push and pull requests (of 2 in all)"
    assert f.evidence[0].path == ".github/workflows/ci.yml" and f.evidence[0].line == 2
    assert {m.name: m.value for m in f.measures}["CI pipelines"] == 2


def test_schedule_only_pipeline_is_ad_hoc():
    f = evaluate(CICD002, files={".github/workflows/nightly.yml": NIGHTLY})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC
    assert f.message == "CI runs only on a schedule and manual dispatch, never on a push or pull request"
    assert f.missing == ("CI pipeline on every push and pull request",)


def test_unreadable_ci_file_is_skipped_not_guessed():
    f = evaluate(CICD002, files={".github/workflows/ci.yml": "on: [push\njobs: {"})
    assert f.outcome is Outcome.SKIP
    assert ".github/workflows/ci.yml" in f.message


# -- CICD003: stages ------------------------------------------------------------------------------------------


def test_stages_are_classified_with_their_jobs():
    f = evaluate(CICD003, files={"package.json": NEXT_APP, "tsconfig.json": "{}", "playwright.config.ts": "x",
                                 ".github/workflows/ci.yml": CI, ".github/workflows/deploy.yml": DEPLOY})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert f.message.startswith("CI runs lint, type-check, unit tests, e2e tests, build and deploy")
    assert f.missing == ("Security scan stage in CI",)
    assert {m.name: (m.value, m.threshold) for m in f.measures}["pipeline stages covered"] == (6, 7)
    notes = [e.note for e in f.evidence]
    assert any(n.startswith("lint: job checks") for n in notes)
    assert ".github/workflows/deploy.yml" in paths(f)


def test_pipeline_without_tests_fails():
    f = evaluate(CICD003, files={"Makefile": "build:\n\tgo build ./...\n", ".github/workflows/b.yml": NIGHTLY})
    assert f.outcome is Outcome.FAIL
    assert "no tests" in f.message
    assert "Unit tests stage in CI" in f.missing


def test_no_ci_lists_every_expected_stage_and_the_local_scripts():
    f = evaluate(CICD003, files={"package.json": NEXT_APP, "playwright.config.ts": "x"})
    assert f.outcome is Outcome.FAIL
    assert "E2E tests stage in CI" in f.missing and "Deploy stage in CI" in f.missing
    assert any("Only a local script runs build: build (prisma generate && next build)" in o
               for o in f.observations)


# -- CICD004: dependency bots ---------------------------------------------------------------------------------


def test_dependabot_passes_and_reports_uncovered_ecosystems():
    bot = "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule: {interval: weekly}\n"
    f = evaluate(CICD004, files={".github/dependabot.yml": bot, "package.json": NEXT_APP,
                                 "api/requirements.txt": "flask==3.0.0\n"})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert paths(f) == [".github/dependabot.yml"]
    assert "Ecosystems with manifests but no Dependabot entry: pypi." in f.observations


def test_no_bot_fails_with_dependency_count():
    f = evaluate(CICD004, files={"package.json": NEXT_APP})
    assert f.outcome is Outcome.FAIL
    assert "updates to the 6 npm dependencies are manual" in f.message
    assert f.measures[0].value == 6


def test_nothing_to_update_is_not_applicable():
    assert evaluate(CICD004, files={"README.md": "# notes\n"}).outcome is Outcome.NOT_APPLICABLE


# -- CICD005: commit hooks ------------------------------------------------------------------------------------


def test_husky_hook_passes_and_says_what_it_runs():
    f = evaluate(CICD005, files={".husky/pre-commit": "npx lint-staged\n", "package.json": NEXT_APP})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert ".husky" in paths(f)
    assert "husky pre-commit runs: npx lint-staged." in f.observations


def test_pre_commit_config_lists_hook_ids():
    cfg = ("repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    hooks:\n"
           "      - id: ruff\n      - id: ruff-format\n")
    f = evaluate(CICD005, files={".pre-commit-config.yaml": cfg})
    assert f.outcome is Outcome.PASS
    assert "pre-commit hooks: ruff, ruff-format." in f.observations


def test_no_hooks_fails():
    f = evaluate(CICD005, files={"package.json": NEXT_APP})
    assert f.outcome is Outcome.FAIL
    assert f.missing == ("Pre-commit hooks for lint and format",)


# -- CICD006: infrastructure as code --------------------------------------------------------------------------


def test_terraform_passes():
    f = evaluate(CICD006, files={"infra/main.tf": 'resource "aws_s3_bucket" "b" {}\n', "Dockerfile": "FROM x\n",
                                 "package.json": json.dumps({"dependencies": {"express": "^4"}})})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert "Terraform" in f.message and paths(f) == ["infra/main.tf"]


def test_paas_config_counts_as_code():
    f = evaluate(CICD006, files={"fly.toml": "app = 'x'\n", "package.json": NEXT_APP})
    assert f.outcome is Outcome.PASS and "Fly.io" in f.message


def test_managed_platform_known_only_from_outside_is_not_applicable():
    f = evaluate(CICD006, files={"package.json": NEXT_APP, ".claude/settings.local.json": CLAUDE})
    assert f.outcome is Outcome.NOT_APPLICABLE and "Vercel" in f.message


def test_containerised_service_without_iac_fails():
    service = json.dumps({"dependencies": {"express": "^4"}})
    f = evaluate(CICD006, files={"Dockerfile": "FROM x\n", "package.json": service})
    assert f.outcome is Outcome.FAIL
    assert paths(f) == ["Dockerfile"]


# -- CICD007: history of CI --------------------------------------------------------------------------------


def _ci_history(fixes: int, total: int = 40):
    commits = [{"subject": f"Fix CI after dependency bump {i}" if i < fixes else f"Add feature {i}",
                "paths": [".github/workflows/ci.yml"] if i < fixes else [f"src/f{i}.py"]} for i in range(total - 1)]
    commits.append({"subject": "Add CI workflow", "paths": [".github/workflows/ci.yml"]})
    return make_history(commits)


def test_ci_introduction_and_low_fix_churn_pass():
    f = evaluate(CICD007, files={".github/workflows/ci.yml": CI}, history=_ci_history(1))
    assert f.outcome is Outcome.PASS and f.signal is Signal.OBSERVED
    m = {x.name: x for x in f.measures}
    assert m["CI introduced"].value == "2025-09-09"
    assert m["fix-the-build commits"].value == 1
    assert f.evidence[0].note.startswith("first commit touching CI configuration: Add CI workflow")
    assert f.evidence[0].commit


def test_high_fix_the_build_share_fails_with_examples():
    f = evaluate(CICD007, files={".github/workflows/ci.yml": CI}, history=_ci_history(6))
    assert f.outcome is Outcome.FAIL
    assert f.message.startswith("6 of the last 40 non-merge commits fix a broken build")
    assert sum(1 for e in f.evidence if (e.note or "").startswith("fix-the-build commit")) == 3
    assert {m.name: m.value for m in f.measures}["fix-the-build share"] == 0.15


def test_removed_ci_fails():
    f = evaluate(CICD007, files={"src/a.py": "x\n"}, history=_ci_history(0))
    assert f.outcome is Outcome.FAIL and "CI was removed" in f.message


def test_no_ci_ever_is_not_applicable():
    history = make_history([{"subject": f"change {i}", "paths": ["src/a.py"]} for i in range(12)])
    f = evaluate(CICD007, files={"src/a.py": "x\n"}, history=history)
    assert f.outcome is Outcome.NOT_APPLICABLE


def test_too_little_history_is_skipped_not_judged():
    history = make_history([{"subject": "Add CI", "paths": [".github/workflows/ci.yml"]},
                            {"subject": "Initial commit", "paths": ["README.md"]}])
    f = evaluate(CICD007, files={".github/workflows/ci.yml": CI}, history=history)
    assert f.outcome is Outcome.SKIP and "insufficient history" in f.message


def test_without_history_it_is_skipped():
    assert evaluate(CICD007, files={".github/workflows/ci.yml": CI}).outcome is Outcome.SKIP
