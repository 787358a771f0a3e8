"""Monitoring rules on literal facts: no git needed."""

import json

from auditor.facts.project import Project
from auditor.model import Outcome, Signal
from auditor.rules.monitoring import MON001, MON002, MON003, MON004, MON005, MON006
from auditor.testing import evaluate

LIBRARY = Project(kind="library", deployed=False)


def package(deps=None, dev=None):
    return json.dumps({"name": "app", "version": "1.0.0", "dependencies": deps or {"next": "15.0.0"},
                       "devDependencies": dev or {}}, indent=2)


# The seed scenario: a deployed Next.js app with no monitoring at all.
NEXT_APP = {"package.json": package(), "next.config.ts": "export default {};\n", "src/app/page.tsx": "x\n",
            "START_HERE.md": "# Testing\n1. Run the app\n"}


def test_seed_like_next_app_has_no_error_tracking():
    f = evaluate(MON001, files=NEXT_APP)
    assert f.outcome is Outcome.FAIL
    assert "no error tracking" in f.message and "package.json" in f.message
    assert "Error tracking (e.g. Sentry)" in f.missing
    assert [e.path for e in f.evidence] == ["next.config.ts"]  # why it counts as deployed


def test_sentry_dependency_and_config_pass_as_automated():
    files = dict(NEXT_APP, **{"package.json": package({"next": "15.0.0", "@sentry/nextjs": "^8"}),
                              "sentry.server.config.ts": "Sentry.init({dsn: process.env.SENTRY_DSN});\n"})
    f = evaluate(MON001, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert "Sentry" in f.message
    paths = {e.path for e in f.evidence}
    assert {"package.json", "sentry.server.config.ts"} <= paths
    assert any(e.line for e in f.evidence if e.path == "package.json")


def test_every_monitoring_rule_is_not_applicable_to_a_library():
    for rule in (MON001, MON002, MON003, MON004, MON005, MON006):
        f = evaluate(rule, files={"pyproject.toml": "[project]\nname='lib'\n"}, project=LIBRARY)
        assert f.outcome is Outcome.NOT_APPLICABLE, rule
        assert "library" in f.message


def test_apm_from_instrumentation_file_and_otel_dependency():
    files = dict(NEXT_APP, **{"package.json": package({"next": "15.0.0", "@opentelemetry/api": "1"}),
                              "instrumentation.ts": "export function register() {}\n"})
    f = evaluate(MON002, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert "OpenTelemetry" in f.message
    assert "instrumentation.ts" in {e.path for e in f.evidence}
    assert evaluate(MON002, files=NEXT_APP).outcome is Outcome.FAIL


def test_structured_logging_from_dependency_or_go_slog():
    f = evaluate(MON003, files=dict(NEXT_APP, **{"package.json": package({"next": "15", "pino": "9"})}))
    assert f.outcome is Outcome.PASS and "pino" in f.message
    go = {"Dockerfile": "FROM golang\n", "go.mod": "module example.com/svc\n\ngo 1.22\n",
          "cmd/svc/main.go": 'package main\n\nimport (\n\t"log/slog"\n)\n'}
    f = evaluate(MON003, files=go)
    assert f.outcome is Outcome.PASS and "log/slog" in f.message
    assert ("cmd/svc/main.go", 4) in {(e.path, e.line) for e in f.evidence}
    f = evaluate(MON003, files=NEXT_APP)
    assert f.outcome is Outcome.FAIL and "Log aggregation" in f.missing


def test_health_checks_enforced_by_probe_or_dockerfile():
    files = {"Dockerfile": "FROM node\nHEALTHCHECK CMD curl -f http://localhost/healthz || exit 1\n",
             "k8s/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n"
                                "      containers:\n        - name: app\n          livenessProbe:\n"
                                "            httpGet: {path: /healthz}\n",
             "src/server.js": "app.get('/healthz', (req, res) => res.send('ok'))\n", "package.json": package()}
    f = evaluate(MON004, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    found = {(e.path, e.line) for e in f.evidence}
    assert ("Dockerfile", 2) in found and ("k8s/deploy.yaml", 8) in found
    assert ("src/server.js", 1) in found


def test_health_endpoint_without_a_poller_is_ad_hoc():
    files = dict(NEXT_APP, **{"src/app/api/health/route.ts": "export function GET() { return Response.json({}) }\n"})
    f = evaluate(MON004, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC
    assert f.evidence[0].path == "src/app/api/health/route.ts"
    assert f.not_determinable
    f = evaluate(MON004, files=NEXT_APP)
    assert f.outcome is Outcome.FAIL and "Health-check endpoint (e.g. /api/health)" in f.missing


def test_alerts_as_code_from_rules_file_or_terraform():
    files = dict(NEXT_APP, **{"monitoring/alert.rules.yml": "groups: []\n",
                              "infra/main.tf": 'provider "x" {}\n\nresource "sentry_issue_alert" "new" {}\n'})
    f = evaluate(MON005, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    found = {(e.path, e.line) for e in f.evidence}
    assert ("infra/main.tf", 3) in found
    assert "monitoring/alert.rules.yml" in {e.path for e in f.evidence}
    f = evaluate(MON005, files=NEXT_APP)
    assert f.outcome is Outcome.FAIL and f.not_determinable  # vendor consoles are invisible


def test_incident_response_docs_by_name_or_heading():
    f = evaluate(MON006, files=dict(NEXT_APP, **{"docs/runbooks/deploy.md": "# Deploy\n"}))
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert f.evidence[0].path == "docs/runbooks/deploy.md"
    f = evaluate(MON006, files=dict(NEXT_APP, **{"docs/ops.md": "# Ops\n\n## Incident response\nPage the lead.\n"}))
    assert f.outcome is Outcome.PASS and (f.evidence[0].path, f.evidence[0].line) == ("docs/ops.md", 3)
    f = evaluate(MON006, files=NEXT_APP)
    assert f.outcome is Outcome.FAIL and "Incident response runbook" in f.missing
