"""Testing rules, evaluated on literal files and histories (no git)."""

import json

from auditor.areas import BY_ID
from auditor.model import Aspect, Outcome, Signal, Status
from auditor.rules.testing import TST001, TST002, TST003, TST004, TST005, TST006
from auditor.scoring import score_area
from auditor.testing import evaluate, make_history

PKG = json.dumps({
    "name": "app",
    "scripts": {"build": "next build", "test": "jest", "test:coverage": "jest --coverage",
                "test:e2e": "playwright test", "test:all": "npm run test && npm run test:e2e"},
    "dependencies": {"next": "15.5.4", "react-dom": "19.1.0"},
    "devDependencies": {"jest": "^30", "@playwright/test": "^1.55"},
}, indent=2)
APP = {
    "package.json": PKG,
    "jest.config.js": "module.exports = { testEnvironment: 'node' };\n",
    "playwright.config.ts": "export default {};\n",
    "src/lib/promo.ts": "export const a = 1;\n",
    "src/lib/fee.ts": "export const b = 1;\n",
    "src/lib/auth.ts": "export const c = 1;\n",
    "src/app/page.tsx": "export default 1;\n",
    "src/__tests__/promo.test.ts": "test('x', () => {});\n",
    "src/__tests__/fee.test.ts": "test('x', () => {});\n",
    "src/__tests__/auth.test.ts": "test('x', () => {});\n",
    "e2e/checkout.spec.ts": "test('x', () => {});\n",
}
CI = """on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: npm ci
      - run: npm test
"""
DOCS_ONLY = {"README.md": "# Handbook\n", "docs/guide.md": "# Guide\n", "docs/faq.md": "# FAQ\n",
             "docs/style.md": "# Style\n"}


def paths(finding):
    return [e.path for e in finding.evidence]


# -- TST001: frameworks -------------------------------------------------------------------------------------


def test_jest_and_playwright_configured():
    f = evaluate(TST001, files=APP)
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED and f.aspect is Aspect.IMPLEMENTATION
    assert f.message == "Jest and Playwright configured, with 4 test files"
    assert {"jest.config.js", "playwright.config.ts"} <= set(paths(f))


def test_pytest_section_in_pyproject_and_go_tests_are_found():
    f = evaluate(TST001, files={"pyproject.toml": "[project]\nname='x'\n\n[tool.pytest.ini_options]\naddopts='-q'\n",
                                "tests/test_api.py": "def test_a(): pass\n", "pkg/api.go": "package api\n",
                                "pkg/api_test.go": "package api\n"})
    assert f.outcome is Outcome.PASS
    assert "Go testing" in f.message and "pytest" in f.message
    ev = next(e for e in f.evidence if e.path == "pyproject.toml")
    assert ev.line == 4


def test_test_files_without_a_framework_are_ad_hoc():
    f = evaluate(TST001, files={"lib/a.js": "x\n", "lib/a.test.js": "assert(1)\n"})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC
    assert f.missing == ("Test-framework configuration",)


def test_framework_without_tests_fails():
    f = evaluate(TST001, files={"jest.config.js": "module.exports = {};\n", "src/a.js": "x\n"})
    assert f.outcome is Outcome.FAIL and "no test files" in f.message


def test_docs_only_repository_is_not_applicable():
    for rule in (TST001, TST002, TST004, TST005, TST006):
        assert evaluate(rule, files=DOCS_ONLY).outcome is Outcome.NOT_APPLICABLE


def test_a_fresh_repository_with_only_a_readme_is_missing_tests_not_exempt():
    f = evaluate(TST001, files={"README.md": "# acme-widget\n\nComing soon.\n"})
    assert f.outcome is Outcome.FAIL and f.message == "no test framework and no test files"


# -- TST002: inventory ----------------------------------------------------------------------------------------


def test_inventory_by_kind_and_ad_hoc_scripts():
    files = dict(APP, **{"test-promo-db.js": "// run with node\n", "scripts/test_webhook.sh": "curl x\n",
                         "scripts/test-local.sh": "docker compose up -d\nbash scripts/tests-start.sh\n"})
    f = evaluate(TST002, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.OBSERVED
    assert f.message == "4 test files (3 unit, 1 e2e) for 4 source files (1.00 per source file)"
    m = {x.name: x.value for x in f.measures}
    assert m["unit test files"] == 3 and m["e2e test files"] == 1 and m["source files"] == 4
    assert "test-promo-db.js" in paths(f) and "scripts/test_webhook.sh" in paths(f)
    assert any("test-promo-db.js" in o and "run by hand" in o for o in f.observations)
    assert "scripts/test-local.sh" not in paths(f)  # a wrapper that runs the suite is not an ad-hoc test


def test_playwright_test_dir_makes_its_specs_end_to_end():
    files = dict(APP, **{"frontend/playwright.config.ts": "export default defineConfig({ testDir: './tests' });\n",
                         "frontend/tests/login.spec.ts": "test('x', () => {});\n",
                         "frontend/src/utils.test.ts": "test('x', () => {});\n", "frontend/src/utils.ts": "x\n"})
    m = {x.name: x.value for x in evaluate(TST002, files=files).measures}
    assert (m["unit test files"], m["e2e test files"]) == (4, 2)


def test_thin_suite_fails():
    files = {f"src/m{i}.py": "x = 1\n" for i in range(30)}
    files["tests/test_m0.py"] = "def test(): pass\n"
    f = evaluate(TST002, files=files)
    assert f.outcome is Outcome.FAIL
    assert "1 test file (1 unit) for 30 source files" in f.message


# -- TST003: co-change ----------------------------------------------------------------------------------------


def test_tests_changing_with_source_pass_with_the_count():
    commits = [{"subject": f"Add feature {i}", "paths": [f"src/f{i}.ts", f"src/__tests__/f{i}.test.ts"]}
               for i in range(9)]
    commits += [{"subject": "Tweak copy", "paths": ["src/page.tsx"]},
                {"subject": "Add schema", "paths": ["prisma/schema.prisma"]},
                {"subject": "Docs", "paths": ["README.md"]}]
    f = evaluate(TST003, files=APP, history=make_history(commits))
    assert f.outcome is Outcome.PASS and f.signal is Signal.OBSERVED
    assert f.message == "9 of 11 source-changing commits also changed tests"
    assert f.measures[0].value == 0.82 and f.measures[0].unit == "%"
    assert f.evidence[0].commit and f.evidence[0].note.startswith("source and tests: Add feature 0")
    assert any((e.note or "").startswith("source without tests: Tweak copy") for e in f.evidence)


def test_source_without_tests_fails():
    commits = [{"subject": f"Change {i}", "paths": [f"src/f{i}.py"]} for i in range(8)]
    f = evaluate(TST003, files=APP, history=make_history(commits))
    assert f.outcome is Outcome.FAIL and f.message == "0 of 8 source-changing commits also changed tests"
    assert f.evidence[0].note.startswith("source without tests: Change 0")


def test_tests_following_a_third_of_the_changes_are_ad_hoc():
    commits = [{"subject": f"Add feature {i}", "paths": [f"src/f{i}.py", f"tests/test_f{i}.py"]} for i in range(3)]
    commits += [{"subject": f"Rework module {i}", "paths": [f"src/g{i}.py"]} for i in range(6)]
    commits += [{"subject": "fix typing", "paths": ["src/h.py"]}, {"subject": "docs: explain", "paths": ["src/i.py"]}]
    f = evaluate(TST003, files=APP, history=make_history(commits))
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC
    assert f.message == "3 of 9 source-changing commits also changed tests: tests follow the code irregularly"
    left_out = {m.name: m.value for m in f.measures}["commits left out (typing, docs, formatting, version bumps)"]
    assert left_out == 2


def test_too_few_commits_skip():
    f = evaluate(TST003, files=APP, history=make_history([{"subject": "x", "paths": ["src/a.py"]}]))
    assert f.outcome is Outcome.SKIP


# -- TST004: CI runs tests ------------------------------------------------------------------------------------


def test_test_scripts_without_ci_fail_and_cite_the_scripts():
    f = evaluate(TST004, files=APP)
    assert f.outcome is Outcome.FAIL
    assert f.message == ("test scripts exist (test, test:coverage, test:e2e, test:all in package.json) but no CI "
                         "pipeline runs them")
    assert [(e.path, e.line) for e in f.evidence][:2] == [("package.json", 5), ("package.json", 6)]


def test_ci_running_tests_passes_and_notes_missing_e2e():
    f = evaluate(TST004, files=dict(APP, **{".github/workflows/ci.yml": CI}))
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert "test in .github/workflows/ci.yml" in f.message
    assert "An e2e test script exists but no CI job runs e2e tests." in f.observations


def test_ci_without_tests_fails():
    ci = "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: npm run build\n"
    f = evaluate(TST004, files=dict(APP, **{".github/workflows/ci.yml": ci}))
    assert f.outcome is Outcome.FAIL and "none runs the tests" in f.message


# -- TST005: strategy doc ------------------------------------------------------------------------------------


def test_feature_test_guide_is_not_a_strategy():
    guide = "# START HERE: Testing the Platform Fee\n\n1. Run the app\n2. Forward webhooks manually\n3. Check the row\n"
    f = evaluate(TST005, files=dict(APP, **{"START_HERE.md": guide, "README.md": "# App\n\n## Setup\nnpm i\n"}))
    assert f.outcome is Outcome.FAIL and f.aspect is Aspect.DOCUMENTATION
    assert "Test pyramid (unit vs integration vs E2E ratio)" in f.missing
    assert paths(f) == ["START_HERE.md"]
    assert any("START_HERE.md" in o and "3 manual steps" in o for o in f.observations)


def test_testing_md_is_documented():
    doc = "# Testing\n\nWe follow a test pyramid: many unit tests, few e2e.\nCoverage must stay above 80 %.\n"
    f = evaluate(TST005, files=dict(APP, **{"TESTING.md": doc}))
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert paths(f) == ["TESTING.md"]


def test_readme_run_instructions_are_ad_hoc():
    readme = "# App\n\n## Testing\n\nRun `npm test`.\n\n## Deploy\n"
    f = evaluate(TST005, files=dict(APP, **{"README.md": readme}))
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC
    assert f.evidence[0].path == "README.md" and f.evidence[0].line == 3


# -- TST006: coverage minimum --------------------------------------------------------------------------------


def test_coverage_measured_without_threshold_fails():
    f = evaluate(TST006, files=APP)
    assert f.outcome is Outcome.FAIL
    assert f.message == "coverage is measured but no minimum is set"
    assert f.evidence[0].path == "package.json" and f.evidence[0].note == "test:coverage: jest --coverage"


def test_coverage_py_fail_under_passes():
    f = evaluate(TST006, files={"pyproject.toml": "[project]\nname='x'\n[tool.coverage.report]\nfail_under = 85\n",
                                "src/a.py": "x\n"})
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert f.message == "coverage must stay at or above 85% (coverage.py fail_under in pyproject.toml)"
    assert f.evidence[0].line == 4
    assert f.measures[0].value == 85


def test_jest_coverage_threshold_passes():
    cfg = "module.exports = {\n  coverageThreshold: { global: { lines: 80, branches: 70 } },\n};\n"
    f = evaluate(TST006, files=dict(APP, **{"jest.config.js": cfg}))
    assert f.outcome is Outcome.PASS and "80%" in f.message and f.evidence[0].line == 2


# -- the seed's judgement: strong implementation, missing documentation -----------------------------------


def test_implementation_weights_keep_a_disciplined_team_without_ci_strong():
    commits = [{"subject": f"Add feature {i}", "paths": [f"src/f{i}.ts", f"src/__tests__/f{i}.test.ts"]}
               for i in range(8)]
    history = make_history(commits)
    findings = [evaluate(r, files=APP, history=history) for r in (TST001, TST002, TST003, TST004, TST005, TST006)]
    assert [f.outcome for f in findings] == [Outcome.PASS] * 3 + [Outcome.FAIL] * 3
    area = score_area(BY_ID["testing"], findings)
    assert area.statuses == {"implementation": Status.STRONG, "documentation": Status.MISSING}
