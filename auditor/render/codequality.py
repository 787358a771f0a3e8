"""GitLab Code Quality report (``artifacts:reports:codequality``).

A JSON array of issues, one per reported finding (failed and not waived), with the
fields GitLab documents: ``description``, ``check_name``, ``fingerprint``,
``severity`` and ``location.path`` with ``location.lines.begin``. Locations follow
the same anchoring as SARIF (:mod:`auditor.render.anchors`): the cited file and
line, or for a repository-level finding the file a reader would open to act on it.

Severity, from the finding's weight and its area's status:

============  ==================================================================
``critical``  a rule of weight ≥ 1.5 failing in a ❌ MISSING area (SARIF ``error``)
``major``     any other rule failing in a ❌ MISSING area
``minor``     a rule failing in a ⚠️ PARTIAL, ⚠️ REACTIVE or 🔍 INFERRED area
``info``      a rule failing in an otherwise ✅ STRONG area
============  ==================================================================

``blocker`` is never used: a process gap does not, by itself, block a merge (use
``--fail-under`` or ``--fail-on-regression`` for that).

The fingerprint is the MD5 of the rule ID, the area and the anchored path, so an
issue keeps its identity between pipelines and GitLab can show which are new in a
merge request.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from auditor.model import AreaScore, AuditResult, Finding, Status
from auditor.render import escape
from auditor.render.anchors import Anchors, is_error, reported

SEVERITIES = ("info", "minor", "major", "critical", "blocker")


def severity(area: AreaScore, finding: Finding) -> str:
    if is_error(area, finding):
        return "critical"
    if area.status is Status.MISSING:
        return "major"
    if area.status is Status.STRONG:
        return "info"
    return "minor"


def fingerprint(rule_id: str, area: str, path: str) -> str:
    return hashlib.md5(f"{rule_id}\x1f{area}\x1f{path}".encode(), usedforsecurity=False).hexdigest()


def to_codequality(result: AuditResult) -> list[dict[str, Any]]:
    anchors = Anchors(result)
    issues = []
    for area, f in reported(result):
        anchor = anchors(f)
        issues.append({
            "type": "issue",
            "description": f"{f.rule_id}: {escape.plain(f.message, 1000)}",
            "check_name": f.rule_id,
            "fingerprint": fingerprint(f.rule_id, f.area, anchor.path),
            "severity": severity(area, f),
            "categories": ["Process"],
            "location": {"path": anchor.path, "lines": {"begin": anchor.line}},
        })
    return issues


def render_codequality(result: AuditResult) -> str:
    return json.dumps(to_codequality(result), indent=2, ensure_ascii=False) + "\n"
