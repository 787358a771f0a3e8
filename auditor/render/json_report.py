"""The machine-readable result: a versioned JSON document (schema in auditor/schema/)."""

from __future__ import annotations

import json
from typing import Any

from auditor.model import AuditResult
from auditor.render.escape import _INVISIBLE

SCHEMA_VERSION = "1.0"


def to_data(result: AuditResult, *, timings: bool = False) -> dict[str, Any]:
    """The result as plain data, in a stable key order."""
    method = dict(result.method)
    if not timings:
        # Wall time and the number of git calls (fewer when the history cache is warm) differ
        # between runs; the default output is byte-identical.
        method.pop("seconds", None)
        method.pop("git_calls", None)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "auditor", "version": result.tool_version},
        "repository": {
            "name": result.repository.name,
            "revision": result.repository.revision,
            "revision_date": result.repository.revision_date,
            "ref": result.repository.ref,
            "default_branch": result.repository.default_branch,
            "shallow": result.repository.is_shallow,
        },
        "revision": result.repository.revision,
        "as_of": result.as_of.isoformat(),
        "maturity": {"level": result.maturity.level, "name": result.maturity.name,
                     "meaning": result.maturity.meaning},
        "overall_score": result.overall,
        "areas": [
            {
                "id": a.area,
                "title": a.title,
                "status": a.status.value,
                **({"statuses": {k: v.value for k, v in a.statuses.items()}} if a.statuses else {}),
                "score": a.score,
                "reason": a.reason,
                "findings": [f.to_dict() for f in a.findings],
            }
            for a in result.areas
        ],
        "context": result.context,
        "method": method,
        **({"changes_since": result.comparison.to_dict()} if result.comparison is not None else {}),
    }


def render_json(result: AuditResult, *, timings: bool = False) -> str:
    text = json.dumps(to_data(result, timings=timings), indent=2, ensure_ascii=False) + "\n"
    # Keep the JSON readable UTF-8, but write invisible and bidirectional characters as
    # \uXXXX escapes so no editor or terminal shows a "Trojan source" reordering; the
    # values still round-trip exactly.
    return _INVISIBLE.sub(lambda m: json.dumps(m.group())[1:-1], text)
