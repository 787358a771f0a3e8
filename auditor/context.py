"""Context for the report that is not a finding: the team, the project, the scripts.

Shaped here in Python so templates stay dumb (see ../shared/STYLE.md).
"""

from __future__ import annotations

from typing import Any

from auditor.facts import Facts, FactUnavailable

ACTIVE_DAYS = 90


def _get(facts: Facts, name: str):
    try:
        return facts.get(name)
    except FactUnavailable:
        return None


def team_size_label(active: int) -> str:
    if active <= 1:
        return "solo"
    if active <= 3:
        return "small"
    if active <= 10:
        return "team"
    return "large"


def build_context(facts: Facts) -> dict[str, Any]:
    """Data about the repository that the report's framing needs."""
    as_of = facts.get("as_of")
    tree = facts.get("tree")
    history = _get(facts, "history")
    project = _get(facts, "project")
    tasks = _get(facts, "tasks")
    ctx: dict[str, Any] = {"files": len(tree), "tree_truncated": tree.truncated}
    if project is not None:
        ctx["project"] = {"kind": project.kind, "label": project.label, "deployed": project.deployed,
                          "declared": project.declared, "ecosystems": list(project.ecosystems),
                          "source_files": project.source_files, "test_files": project.test_files,
                          "evidence": [e.to_dict() for e in project.evidence]}
        if _get(facts, "declared"):
            # The team declared facts about itself: keep what the repository shows beside them.
            from auditor.facts.project import classify_project

            observed = classify_project(tree, _get(facts, "manifests"), _get(facts, "ci"))
            ctx["project"]["observed_kind"] = observed.kind
            ctx["project"]["observed_label"] = observed.label
            ctx["project"]["observed_deployed"] = observed.deployed
    if history is not None:
        since = as_of.days_ago(ACTIVE_DAYS)
        active_ids = {history.authors_of[i] for i in history.indices(since=since, until=as_of.ts)}
        dormant_days = None
        if not active_ids and history.total:
            # Nobody committed in the window: size the team from the 90 days up to the last commit.
            last = history.times[0]
            dormant_days = max(0, (as_of.ts - last) // 86_400)
            active_ids = {history.authors_of[i] for i in history.indices(since=last - ACTIVE_DAYS * 86_400,
                                                                          until=last)}
        ctx["history"] = {
            "commits": history.total,
            "authors": len(history.authors),
            "active_authors": len(active_ids),
            "active_window_days": ACTIVE_DAYS,
            "first_date": history.first.date if history.first else None,
            "last_date": history.recent[0].date if history.recent else None,
            "shallow": history.is_shallow,
            "truncated": history.truncated,
            "dormant_days": dormant_days,
        }
        ctx["team"] = team_size_label(len(active_ids) or (1 if history.total else 0))
    else:
        ctx["history"] = None
        ctx["team"] = "unknown"
    if tasks is not None:
        ctx["scripts"] = [{"runner": t.runner, "name": t.name, "command": t.command, "path": t.path, "line": t.line}
                          for t in tasks.tasks[:200]]
    else:
        ctx["scripts"] = []
    return ctx
