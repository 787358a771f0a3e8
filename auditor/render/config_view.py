"""Shape the configuration an audit ran with (``result.method["configuration"]``) for the report.

Plain data only: every value that came from a configuration file is still raw
text here and is escaped by the template, because a configuration inside the
audited repository is as untrusted as the rest of it.
"""

from __future__ import annotations

from typing import Any

LABELS = {"kind": "Project kind", "deployed": "Deployed", "tracker": "Issue tracker", "tracker_key": "Tracker key",
          "deploy_platform": "Deploy platform", "team_size": "Team size"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _observed(key: str, context: dict[str, Any]) -> str:
    """What the repository shows for a declared fact, when it shows anything."""
    project = context.get("project") or {}
    history = context.get("history") or {}
    if key == "kind" and project.get("observed_label"):
        return project["observed_label"]
    if key == "deployed" and "observed_deployed" in project:
        return _text(project["observed_deployed"])
    if key == "team_size" and history:
        n = history.get("active_authors", 0)
        return f"{n} active author{'s' if n != 1 else ''} in the last {history.get('active_window_days', 90)} days"
    return ""


def configuration_view(data: dict[str, Any] | None, context: dict[str, Any]) -> dict[str, Any] | None:
    """The configuration block of the report, or None when the audit was run without one recorded."""
    if not data:
        return None
    settings: list[str] = []
    if data.get("select"):
        settings.append("select: " + ", ".join(data["select"]))
    if data.get("ignore"):
        settings.append("ignore: " + ", ".join(data["ignore"]))
    for rule_id, table in (data.get("thresholds") or {}).items():
        settings.append(f"thresholds of {rule_id}: " + ", ".join(f"{k}={_text(v)}" for k, v in table.items()))
    if data.get("weights"):
        settings.append("area weights: " + ", ".join(f"{k}={_text(v)}" for k, v in data["weights"].items()))
    if data.get("fail_under") is not None:
        settings.append(f"gate: overall score at least {_text(data['fail_under'])}")
    if data.get("min_area"):
        settings.append("gate per area: " + ", ".join(f"{k} ≥ {_text(v)}" for k, v in data["min_area"].items()))
    return {
        "source": data.get("source"),
        "origin": data.get("origin"),
        "inside_repository": bool(data.get("inside_repository")),
        "declared": [{"key": k, "label": LABELS.get(k, k), "value": _text(v), "observed": _observed(k, context)}
                     for k, v in (data.get("declared") or {}).items()],
        "settings": settings,
        "waivers": [{"rule": w["rule"], "reason": w["reason"], "owner": w.get("owner") or "",
                     "expires": w.get("expires") or "", "status": w["status"]} for w in data.get("waivers", [])],
        "expired": [w for w in data.get("waivers", []) if w["status"] == "expired"],
        "packs": [{"path": p["path"], "status": p["status"], "rules": ", ".join(p.get("rules") or []),
                   "reason": p.get("reason") or ""} for p in data.get("packs", [])],
        "notes": list(data.get("notes", [])),
    }


__all__ = ["LABELS", "configuration_view"]
