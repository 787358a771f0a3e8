"""Security rules, evaluated on literal files (no git)."""

import json

from auditor.model import Outcome, Signal
from auditor.rules.security import SEC001, SEC002, SEC003, SEC004, SEC005, SEC006, SEC007, SEC008
from auditor.testing import evaluate

PKG = json.dumps({"name": "app", "scripts": {"build": "next build"},
                  "dependencies": {"next": "15.5.4", "stripe": "^18"}}, indent=2)
SHA = "8f152de45cc393bb48ce5d89d36b731f54556e65"
HARDENED = f"""on: [push, pull_request]
permissions:
  contents: read
jobs:
  audit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@{SHA}
      - run: npm audit --audit-level=high
      - uses: github/codeql-action/analyze@{SHA}
      - uses: gitleaks/gitleaks-action@{SHA}
"""
LOOSE = """on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
      - uses: ./.github/actions/local
      - run: npm run build
"""
SECRET_VALUE = "sk_live_DO_NOT_PRINT_THIS_VALUE"


def paths(finding):
    return [e.path for e in finding.evidence]


def text_of(finding) -> str:
    notes = [e.note or "" for e in finding.evidence]
    return " ".join([finding.message, *finding.observations, *finding.missing, *notes])


# -- SEC001: security policy ----------------------------------------------------------------------------------


def test_security_policy_with_contact_is_documented():
    doc = "# Security\n\n## Supported versions\n\n1.x\n\n## Reporting\n\nEmail security@example.com.\n"
    f = evaluate(SEC001, files={".github/SECURITY.md": doc})
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert f.evidence[0].path == ".github/SECURITY.md" and f.evidence[0].line == 9
    assert f.missing == ()


def test_stub_policy_is_ad_hoc():
    f = evaluate(SEC001, files={"SECURITY.md": "# Security\n\nTBD\n"})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC
    assert "Private vulnerability reporting channel" in f.missing


def test_missing_policy_fails_with_platform_question():
    f = evaluate(SEC001, files={"README.md": "# x\n"})
    assert f.outcome is Outcome.FAIL and "Security policy (SECURITY.md)" in f.missing
    assert any(".github repository" in q for q in f.not_determinable)


# -- SEC002: dependency scanning ------------------------------------------------------------------------------


def test_dependabot_and_ci_audit_are_automated():
    f = evaluate(SEC002, files={"package.json": PKG, ".github/dependabot.yml": "version: 2\n",
                                ".github/workflows/sec.yml": HARDENED})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert "Dependabot watches the manifests" in f.message and "job audit" in f.message
    assert set(paths(f)) == {".github/dependabot.yml", ".github/workflows/sec.yml"}


def test_audit_script_run_by_hand_is_ad_hoc():
    pkg = json.loads(PKG)
    pkg["scripts"]["audit"] = "npm audit --production"
    f = evaluate(SEC002, files={"package.json": json.dumps(pkg, indent=2)})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC
    assert f.evidence[0].path == "package.json" and f.evidence[0].line


def test_no_scanning_fails_with_dependency_count():
    f = evaluate(SEC002, files={"package.json": PKG})
    assert f.outcome is Outcome.FAIL
    assert "for the 2 npm dependencies" in f.message
    assert paths(f) == ["package.json"]


def test_no_manifests_is_not_applicable():
    assert evaluate(SEC002, files={"main.c": "int main(){}\n"}).outcome is Outcome.NOT_APPLICABLE


# -- SEC003: SAST ----------------------------------------------------------------------------------------------


def test_codeql_in_ci_is_automated():
    f = evaluate(SEC003, files={"package.json": PKG, "src/a.ts": "x\n", ".github/workflows/sec.yml": HARDENED})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert "codeql" in f.message and ".github/workflows/sec.yml" in paths(f)


def test_semgrep_config_without_ci_is_ad_hoc():
    f = evaluate(SEC003, files={"package.json": PKG, "src/a.ts": "x\n", ".semgrep.yml": "rules: []\n"})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC
    assert paths(f) == [".semgrep.yml"]


def test_nothing_to_scan_is_not_applicable():
    assert evaluate(SEC003, files={"README.md": "# x\n", "NOTES.md": "y\n"}).outcome is Outcome.NOT_APPLICABLE


def test_no_sast_fails():
    f = evaluate(SEC003, files={"package.json": PKG, "src/a.ts": "x\n"})
    assert f.outcome is Outcome.FAIL and f.not_determinable


# -- SEC004: committed secrets --------------------------------------------------------------------------------


def test_committed_secret_files_are_reported_by_path_only():
    files = {".env": f"STRIPE_KEY={SECRET_VALUE}\n", "config/.env.production": f"KEY={SECRET_VALUE}\n",
             "deploy/id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n",
             "certs/server.pem": "-----BEGIN RSA PRIVATE KEY-----\nabc\n",
             "certs/ca.pem": "-----BEGIN CERTIFICATE-----\nabc\n",
             ".npmrc": f"//registry.npmjs.org/:_authToken={SECRET_VALUE}\n",
             ".env.example": "STRIPE_KEY=\n", "tests/fixtures/key.pem": "-----BEGIN PRIVATE KEY-----\n"}
    f = evaluate(SEC004, files=files)
    assert f.outcome is Outcome.FAIL
    assert sorted(paths(f)) == sorted([".env", "config/.env.production", "deploy/id_rsa", "certs/server.pem", ".npmrc"])
    assert "5 files that typically hold secrets are committed" in f.message
    assert any("tests/fixtures/key.pem" in o for o in f.observations)
    assert SECRET_VALUE not in text_of(f) and "sk_live" not in repr(f)


def test_npmrc_with_variable_token_and_env_example_are_fine():
    files = {".npmrc": "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", ".env.example": "A=\n", "src/a.ts": "x\n",
             ".gitignore": "node_modules\n.env\n.env*.local\n"}
    f = evaluate(SEC004, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert f.message == "no secrets files are tracked, and .gitignore excludes .env and .env*.local"
    assert f.evidence[0].path == ".gitignore" and f.evidence[0].line == 2


def test_env_reading_project_without_gitignore_guard_is_observed_only():
    f = evaluate(SEC004, files={"app/main.py": "x\n", ".env.example": "A=\n", "Dockerfile": "FROM python\n",
                                "requirements.txt": "python-dotenv==1.0.1\nfastapi==0.115.0\n"})
    assert f.outcome is Outcome.PASS and f.signal is Signal.OBSERVED
    assert f.missing == (".gitignore entries for .env files",)
    assert paths(f) == [".env.example", "requirements.txt"]
    assert {m.name: m.value for m in f.measures}["committed secret files"] == 0


def test_clean_tree_of_a_project_without_env_files_passes_plainly():
    f = evaluate(SEC004, files={"src/lib.rs": "fn main() {}\n", "Cargo.toml": "[package]\nname = 'x'\n"})
    assert f.outcome is Outcome.PASS and f.message == "no secrets files are tracked" and not f.missing


def test_docs_repository_is_not_applicable_unless_it_commits_secrets():
    docs = {"README.md": "# Handbook\n", "docs/a.md": "# A\n", "docs/b.md": "# B\n"}
    assert evaluate(SEC004, files=docs).outcome is Outcome.NOT_APPLICABLE
    assert evaluate(SEC004, files=dict(docs, **{".env": "X=1\n"})).outcome is Outcome.FAIL


# -- SEC005: secret scanning ----------------------------------------------------------------------------------


def test_gitleaks_in_ci_is_automated():
    f = evaluate(SEC005, files={".github/workflows/sec.yml": HARDENED})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert f.message == "gitleaks scans for secrets in CI"


def test_detect_secrets_hook_is_automated():
    cfg = "repos:\n  - repo: https://github.com/Yelp/detect-secrets\n    hooks:\n      - id: detect-secrets\n"
    f = evaluate(SEC005, files={".pre-commit-config.yaml": cfg})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert f.evidence[0].path == ".pre-commit-config.yaml" and f.evidence[0].line == 2


def test_baseline_without_runner_is_ad_hoc_and_nothing_fails():
    assert evaluate(SEC005, files={".secrets.baseline": "{}"}).signal is Signal.AD_HOC
    f = evaluate(SEC005, files={"src/a.py": "x\n"})
    assert f.outcome is Outcome.FAIL and any("push protection" in q for q in f.not_determinable)


# -- SEC006: lockfiles ---------------------------------------------------------------------------------------


def test_lockfile_per_ecosystem_passes():
    f = evaluate(SEC006, files={"package.json": PKG, "package-lock.json": "{}",
                                "api/requirements.txt": "flask==3.0.0\nrequests==2.32.0\n"})
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert set(paths(f)) == {"package-lock.json", "api/requirements.txt"}


def test_missing_lockfile_fails_per_ecosystem():
    f = evaluate(SEC006, files={"package.json": PKG, "package-lock.json": "{}", "go.mod":
                                "module x\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n"})
    assert f.outcome is Outcome.FAIL
    assert f.message == "no lockfile for the go dependencies"
    assert f.missing == ("Committed go lockfile (go.sum)",)
    assert "go.mod" in paths(f)


def test_library_may_skip_python_lockfile():
    f = evaluate(SEC006, files={"pyproject.toml": "[project]\nname='lib'\ndependencies=['attrs>=22']\n",
                                "lib/__init__.py": "x=1\n"})
    assert f.outcome is Outcome.PASS
    assert any("optional for a library" in o for o in f.observations)


def test_no_dependencies_is_not_applicable():
    assert evaluate(SEC006, files={"main.c": "x\n"}).outcome is Outcome.NOT_APPLICABLE


# -- SEC007 / SEC008: workflow hardening ----------------------------------------------------------------------


def test_pinned_actions_pass():
    f = evaluate(SEC007, files={".github/workflows/sec.yml": HARDENED})
    assert f.outcome is Outcome.PASS and f.message == "3 of 3 action references are pinned to a commit SHA"


def test_tag_referenced_actions_fail_with_locations():
    f = evaluate(SEC007, files={".github/workflows/ci.yml": LOOSE})
    assert f.outcome is Outcome.FAIL
    assert f.message == "0 of 2 action references are pinned to a commit SHA"
    assert [(e.line, e.note) for e in f.evidence] == [(6, "unpinned: actions/checkout@v4"),
                                                      (7, "unpinned: actions/setup-node@v4")]


def test_permissions_declared_or_not():
    ok = evaluate(SEC008, files={".github/workflows/sec.yml": HARDENED})
    assert ok.outcome is Outcome.PASS and ok.signal is Signal.AUTOMATED
    bad = evaluate(SEC008, files={".github/workflows/sec.yml": HARDENED, ".github/workflows/ci.yml": LOOSE})
    assert bad.outcome is Outcome.FAIL
    assert bad.message == "1 of 2 workflows restrict the token's permissions"
    assert [(e.path, e.note) for e in bad.evidence] == [(".github/workflows/ci.yml", "no top-level permissions")]


def test_without_github_actions_hardening_is_not_applicable():
    for rule in (SEC007, SEC008):
        assert evaluate(rule, files={".gitlab-ci.yml": "test:\n  script: [make test]\n"}).outcome is \
            Outcome.NOT_APPLICABLE
