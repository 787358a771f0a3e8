"""Monitoring and observability: does a deployed system tell its team when it breaks?

Every rule here applies only to software that runs somewhere users reach it
(``project.deployed``); for a library, a command-line tool or a docs repository
the area is not applicable, and the finding says why.
"""

from __future__ import annotations

import re

from auditor.facts import paths as P
from auditor.model import Effort, Evidence, Signal
from auditor.rule import Rule

#: Bounds on the files a rule reads: how many, and how large each may be.
MAX_SCAN_FILES = 400
MAX_SCAN_BYTES = 256 * 1024


def _not_deployed(rule: Rule, project):
    """The not-applicable finding for software that does not run in production."""
    where = ", ".join(e.path or e.note or "" for e in project.evidence[:2] if e.path or e.note)
    why = f" ({where})" if where else ""
    return rule.not_applicable(f"monitoring does not apply: this is a {project.label}{why}, not software "
                               "that runs in production")


def _scan(tree, paths, pattern: re.Pattern[str], *, max_files: int = MAX_SCAN_FILES,
          max_bytes: int = MAX_SCAN_BYTES) -> tuple[list[tuple[str, int, str]], int]:
    """(path, line, matched text) for the first match of ``pattern`` in each file; and how many files were read."""
    hits, read = [], 0
    for path in paths:
        if read >= max_files:
            break
        text = tree.read_text(path, max_bytes)
        if text is None:
            continue
        read += 1
        m = pattern.search(text)
        if m:
            hits.append((path, text.count("\n", 0, m.start()) + 1, m.group(0).strip()[:80]))
    return hits, read


#: Metrics-category configuration that is alerting or dashboards, judged by MON005 rather than MON002.
_ALERT_TOOLS = {"Prometheus alerting rules", "Alertmanager", "Grafana"}


def _tool_summary(found) -> str:
    names = sorted({name for name, _ in found})
    return ", ".join(names)


class MON001(Rule):
    """Production errors are captured by an error tracker.

    Looks for an error-tracking SDK (Sentry, Bugsnag, Rollbar, Honeybadger, Airbrake,
    Raygun …) in every package manifest, and for its configuration files
    (``sentry.*.config.*``, ``sentry.properties``, ``.sentryclirc``, ``honeybadger.yml``).

    ## Why it matters
    Without error tracking the team is blind to production errors and learns about them from users, late.

    ## How to fix
    Implement error tracking immediately: add the Sentry SDK for the stack (`@sentry/nextjs`, `sentry-sdk`, `sentry-go` …) and commit its config (`sentry.server.config.ts` for Next.js) with the DSN read from the environment.
    Alert on new issues, upload source maps from the build, and tag events with the release version.
    """

    area = "monitoring"
    effort = Effort.DAY
    weight = 2.0

    def check(self, project, tools, manifests):
        if not project.deployed:
            return _not_deployed(self, project)
        found = tools.in_category("error-tracking")
        if found:
            return self.passed(f"{_tool_summary(found)} captures production errors", signal=Signal.AUTOMATED,
                               evidence=[ev for _, ev in found[:8]])
        read = sorted((m.path for m in manifests.manifests if not m.problem), key=lambda p: (p.count("/"), p))
        where = f" in {', '.join(read[:4])}" if read else ""
        return self.failed(f"no error tracking for this {project.label}: no Sentry, Bugsnag, Rollbar or "
                           f"similar SDK{where} and no sentry.*.config.* file",
                           evidence=[e for e in project.evidence if e.path][:2],
                           missing=("Error tracking (e.g. Sentry)", "Alerts on new production errors"))


class MON002(Rule):
    """Performance is measured with APM, metrics or tracing.

    Looks for application-performance monitoring (Datadog, New Relic, Elastic APM,
    AppSignal, Vercel Speed Insights), metrics clients (Prometheus, StatsD,
    Micrometer) and tracing (OpenTelemetry, Jaeger, Zipkin, X-Ray) among the
    dependencies, and for their configuration (``newrelic.*``, ``datadog.yaml``,
    ``prometheus.yml``, OpenTelemetry collector configs, Next.js ``instrumentation.ts``).

    ## Why it matters
    Without performance telemetry, slow pages and failing dependencies are found by customers instead of dashboards.

    ## How to fix
    Add OpenTelemetry (or the APM agent of the platform already in use) and commit its setup file (for Next.js, `instrumentation.ts` registering `@vercel/otel`) exporting traces and request metrics.
    """

    area = "monitoring"
    effort = Effort.DAYS
    weight = 1.0

    def check(self, project, tools):
        if not project.deployed:
            return _not_deployed(self, project)
        found = [(n, ev) for n, ev in tools.in_category("apm", "metrics", "tracing") if n not in _ALERT_TOOLS]
        if found:
            return self.passed(f"performance telemetry with {_tool_summary(found)}", signal=Signal.AUTOMATED,
                               evidence=[ev for _, ev in found[:8]])
        return self.failed("no performance monitoring: no APM agent, metrics client or tracing library, and no "
                           "instrumentation file",
                           missing=("Performance monitoring (APM: response times, throughput)",
                                    "Metrics and tracing (e.g. OpenTelemetry)"))


_LOG_SHIPPERS = re.compile(r"(^|/)(vector\.(toml|ya?ml)|fluent-?bit\.(conf|ya?ml)|fluentd?\.conf|td-agent\.conf"
                           r"|promtail[^/]*\.ya?ml|filebeat\.ya?ml|logstash[^/]*\.conf)$", re.IGNORECASE)
_GO_SLOG = re.compile(r'"log/slog"')


class MON003(Rule):
    """Logs are structured and collected.

    Looks for a structured-logging library among the dependencies (pino, winston,
    structlog, loguru, zap, zerolog, Logback, Monolog …), Go's standard ``log/slog``
    in Go sources (reading at most 400 files of 256 KB), and log-shipper
    configuration (Vector, Fluent Bit, Promtail, Filebeat, Logstash).

    ## Why it matters
    Unstructured console output cannot be searched or correlated across requests, which makes production issues slow to debug.

    ## How to fix
    Log through a structured logger (pino for Node, structlog for Python, slog for Go) that writes JSON with a request id, and ship the logs to a searchable store.
    """

    area = "monitoring"
    effort = Effort.DAY
    weight = 0.5

    def check(self, project, tools, tree):
        if not project.deployed:
            return _not_deployed(self, project)
        found = tools.in_category("logging")
        evidence = [ev for _, ev in found[:6]]
        names = sorted({n for n, _ in found})
        go_files = [p for p in tree.paths if p.endswith(".go") and P.is_source(p)]
        if go_files:
            hits, _ = _scan(tree, go_files, _GO_SLOG)
            if hits:
                names.append("log/slog")
                evidence += [Evidence(path=p, line=ln, note="imports log/slog") for p, ln, _ in hits[:3]]
        shippers = [p for p in tree.paths if _LOG_SHIPPERS.search(p) and not P.is_vendored(p)]
        if shippers:
            names.append("log shipping")
            evidence += [Evidence(path=p, note="log shipper configuration") for p in shippers[:3]]
        if names:
            return self.passed(f"structured logging with {', '.join(names)}", signal=Signal.AUTOMATED,
                               evidence=evidence)
        return self.failed("no structured logging library and no log shipping configuration",
                           missing=("Structured logging (JSON with request ids)", "Log aggregation"))


_HEALTH_PATH = re.compile(r"(^|/)(health([-_]?(check|z))?|healthz|readyz|livez|readiness|liveness|heartbeat)([-_./]|$)",
                          re.IGNORECASE)
_HEALTH_ROUTE = re.compile(r"""["'`](?:/api)?/(?:health(?:z|check|-check)?|readyz|livez|readiness|liveness"""
                           r"""|heartbeat)\b""",
                           re.IGNORECASE)
_PROBE = re.compile(r"^\s*(livenessProbe|readinessProbe|startupProbe)\s*:", re.MULTILINE)
_DOCKER_HEALTHCHECK = re.compile(r"^\s*HEALTHCHECK\s+(?!NONE\b)", re.MULTILINE | re.IGNORECASE)
_COMPOSE_HEALTHCHECK = re.compile(r"^\s*healthcheck\s*:", re.MULTILINE)
_PLATFORM_CHECK = re.compile(r"healthCheckPath|health_check|http_checks|\[checks|liveness_check|readiness_check"
                             r"|healthcheckPath|healthcheck", re.IGNORECASE)


class MON004(Rule):
    """Health checks let the platform detect an unhealthy instance.

    Looks for health endpoints (source paths or route strings named ``health``,
    ``healthz``, ``readyz``, ``livez``, ``readiness``, ``liveness``, ``heartbeat``), Kubernetes
    liveness/readiness/startup probes, Docker ``HEALTHCHECK`` and Compose
    ``healthcheck:``, and health checks in deploy-platform configuration
    (``fly.toml``, ``render.yaml``, ``app.yaml`` …). Reads at most 400 files of 256 KB
    per kind.

    ## Why it matters
    Without a health check, a broken deploy keeps serving errors until someone notices, instead of being restarted or rolled back.

    ## How to fix
    Add a `/api/health` (or `/healthz`) endpoint that checks the database and key dependencies, and point the platform's health check or an uptime monitor at it.
    """

    area = "monitoring"
    effort = Effort.DAY
    weight = 1.0

    def check(self, project, tree, ci):
        if not project.deployed:
            return _not_deployed(self, project)
        enforced: list[Evidence] = []
        yaml_files = [p for p in tree.paths if p.endswith((".yml", ".yaml")) and not P.is_vendored(p)
                      and not P.is_ci(p)]
        for p, ln, _ in _scan(tree, yaml_files, _PROBE)[0][:3]:
            enforced.append(Evidence(path=p, line=ln, note="Kubernetes probe"))
        dockerfiles = [p for p in tree.paths if re.search(r"(^|/)(Dockerfile|Containerfile)([^/]*)$", p)
                       and not P.is_vendored(p)]
        for p, ln, _ in _scan(tree, dockerfiles, _DOCKER_HEALTHCHECK)[0][:3]:
            enforced.append(Evidence(path=p, line=ln, note="Docker HEALTHCHECK"))
        composes = [p for p in yaml_files if re.search(r"(^|/)(docker-)?compose[^/]*\.ya?ml$", p)]
        for p, ln, _ in _scan(tree, composes, _COMPOSE_HEALTHCHECK)[0][:3]:
            enforced.append(Evidence(path=p, line=ln, note="Compose healthcheck"))
        platform_files = sorted({ref.path for ref in getattr(ci, "deploy_platforms", ()) if tree.exists(ref.path)})
        for p, ln, _ in _scan(tree, platform_files, _PLATFORM_CHECK)[0][:3]:
            enforced.append(Evidence(path=p, line=ln, note="platform health check"))

        endpoints = [Evidence(path=p, note="health endpoint") for p in tree.paths
                     if _HEALTH_PATH.search(p) and P.is_source(p)][:4]
        if not endpoints:
            sources = [p for p in tree.paths if P.is_source(p)]
            hits, _ = _scan(tree, sources, _HEALTH_ROUTE)
            endpoints = [Evidence(path=p, line=ln, note=f"route {text}") for p, ln, text in hits[:4]]
        if enforced:
            return self.passed(f"health checks are configured ({', '.join(sorted({e.note for e in enforced}))})",
                               signal=Signal.AUTOMATED, evidence=enforced + endpoints)
        if endpoints:
            return self.passed(f"a health endpoint exists ({endpoints[0].path}) but nothing in the repository polls it",
                               signal=Signal.AD_HOC, evidence=endpoints,
                               observations=(("No probe, HEALTHCHECK or platform health check points at the "
                                              "health endpoint; an external uptime monitor may."),),
                               not_determinable=("Uptime monitors configured outside the repository",))
        return self.failed("no health-check endpoint, probe or Docker HEALTHCHECK",
                           missing=("Health-check endpoint (e.g. /api/health)",
                                    "Uptime monitoring (e.g. UptimeRobot, Pingdom, Checkly)"),
                           not_determinable=("Uptime monitors configured outside the repository",))


_ALERT_PATH = re.compile(r"(^|/)(alerts?|alerting|alert[-_]rules|monitors|dashboards)/[^/]+\.(ya?ml|json|jsonnet|"
                         r"libsonnet|tf)$|\.rules\.ya?ml$|(^|/)(checkly\.config\.[jt]s|\.upptimerc\.ya?ml)$"
                         r"|(^|/)__checks__/", re.IGNORECASE)
_ALERT_TF = re.compile(r'resource\s+"(datadog_monitor|datadog_dashboard\w*|newrelic_alert_policy|newrelic_nrql_alert_'
                       r'condition|newrelic_synthetics_monitor|pagerduty_\w+|opsgenie_\w+|grafana_dashboard|'
                       r'grafana_rule_group|aws_cloudwatch_metric_alarm|aws_cloudwatch_dashboard|'
                       r'google_monitoring_alert_policy|google_monitoring_uptime_check_config|'
                       r'azurerm_monitor_metric_alert|betteruptime_monitor|uptimerobot_monitor|checkly_check|'
                       r'sentry_issue_alert|sentry_metric_alert)"')
_ALERT_K8S = re.compile(r"^kind:\s*(PrometheusRule|AlertmanagerConfig|GrafanaDashboard)\b", re.MULTILINE)


class MON005(Rule):
    """Alerts, dashboards and uptime monitors turn telemetry into action.

    Looks for alerting and dashboard configuration kept as code: Prometheus alert
    rules and Alertmanager config, Grafana dashboards, ``PrometheusRule`` objects,
    Terraform monitors (Datadog, New Relic, PagerDuty, CloudWatch alarms, Sentry
    alerts, uptime checks …), Checkly and Upptime configuration. Alerts configured
    in a vendor's web console are invisible to the repository and are listed as
    not determinable.

    ## Why it matters
    Telemetry nobody is alerted on is read only after customers complain, so incidents last longer.

    ## How to fix
    Define alerts as code next to the service — `monitoring/alerts.yml` for error rate, p95 latency and uptime, or Terraform `sentry_issue_alert` and `uptimerobot_monitor` resources — each routed to a named owner.
    """

    area = "monitoring"
    effort = Effort.DAY
    weight = 1.0

    def check(self, project, tree, tools):
        if not project.deployed:
            return _not_deployed(self, project)
        evidence = [ev for name, ev in tools.in_category("metrics") if name in _ALERT_TOOLS][:4]
        seen = {e.path for e in evidence}
        evidence += [Evidence(path=p, note="alert, dashboard or uptime check") for p in tree.paths
                     if _ALERT_PATH.search(p) and not P.is_vendored(p) and p not in seen][:4]
        tf = [p for p in tree.paths if p.endswith(".tf") and not P.is_vendored(p)]
        evidence += [Evidence(path=p, line=ln, note=text) for p, ln, text in _scan(tree, tf, _ALERT_TF)[0][:4]]
        yaml_files = [p for p in tree.paths if p.endswith((".yml", ".yaml")) and not P.is_vendored(p)]
        evidence += [Evidence(path=p, line=ln, note=text) for p, ln, text in _scan(tree, yaml_files, _ALERT_K8S)[0][:4]]
        outside = (("Alerts and uptime monitors configured in vendor consoles (Sentry, Datadog, UptimeRobot, "
                    "the hosting platform)"),)
        if evidence:
            n = len({e.path for e in evidence})
            return self.passed(f"alerting or dashboards kept as code in {n} file{'s' if n > 1 else ''}",
                               signal=Signal.AUTOMATED, evidence=evidence, not_determinable=outside)
        return self.failed("no alert rules, dashboards or uptime checks in the repository",
                           missing=("Alert rules (error rate, latency, uptime)", "Dashboards",
                                    "Uptime monitoring (e.g. UptimeRobot, Pingdom, Checkly)"),
                           not_determinable=outside)


_INCIDENT_PATH = re.compile(r"(runbook|playbook|incident|on-?call|postmortem|post-mortem|escalation|disaster[-_ ]"
                            r"recovery|(^|/)sre/)", re.IGNORECASE)
_INCIDENT_HEADING = re.compile(r"^#{1,6}\s*.*\b(incident(s| response| management)?|on-?call|runbooks?|escalation"
                               r"|post-?mortems?|outage)\b", re.IGNORECASE | re.MULTILINE)
_DOC_EXTS = (".md", ".mdx", ".rst", ".adoc", ".txt")


class MON006(Rule):
    """Incident response is written down: runbooks, on-call and postmortems.

    Looks for runbooks, playbooks, incident-response, on-call, escalation and
    postmortem documents by name, and for such headings in the other documents
    (reading at most 400 files of 256 KB).

    ## Why it matters
    Without a runbook, every outage is handled from memory, so incident response is slow and depends on one person.

    ## How to fix
    Add `docs/runbooks/incident-response.md` saying who is on call, where errors and logs are, how to roll back a deploy, and how to write the postmortem.
    """

    area = "monitoring"
    effort = Effort.DAY
    weight = 1.0

    def check(self, project, tree):
        if not project.deployed:
            return _not_deployed(self, project)
        docs = [p for p in tree.paths if p.lower().endswith(_DOC_EXTS) and not P.is_vendored(p)
                and not P.is_changelog(p)]
        named = [Evidence(path=p, note="incident-response document") for p in docs if _INCIDENT_PATH.search(p)][:6]
        named_paths = {e.path for e in named}
        hits, _ = _scan(tree, [p for p in docs if p not in named_paths], _INCIDENT_HEADING)
        headed = [Evidence(path=p, line=ln, note=text) for p, ln, text in hits[:4]]
        if named or headed:
            evidence = named + headed
            n = len({e.path for e in evidence})
            return self.passed(f"incident response is documented in {n} file{'s' if n > 1 else ''}",
                               signal=Signal.DOCUMENTED, evidence=evidence)
        return self.failed("no runbook, on-call or incident-response document",
                           missing=("Incident response runbook", "On-call rotation and escalation path",
                                    "Postmortem template"))

