"""SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning and any SARIF viewer).

One ``run``; its ``tool.driver.rules`` are the rules that produced a reported
finding (failed and not waived), documented from their docstrings: the title is
``shortDescription``, the summary paragraph ``fullDescription``, and the "Why it
matters" and "How to fix" sections ``help`` (plain text and Markdown). Each rule
carries its area as its one tag.

One ``result`` per reported finding, with the finding's message as plain text and
one location: the file the finding cites, or for a repository-level finding the
file it is anchored to (see :mod:`auditor.render.anchors`).

Levels, so a dashboard sorts process gaps like code problems:

==========  ===========================================================================
``error``   a rule of weight ≥ 1.5 failing in an area whose status is ❌ MISSING — a
            critical practice is absent (e.g. no CI, no review on the default branch)
``warning`` every other failing rule (a partial, inferred or reactive practice, or a
            lighter rule)
==========  ===========================================================================

``partialFingerprints["auditorFinding/v1"]`` hashes the rule ID, the area and the
anchored path, so an alert keeps its identity from one scheduled run to the next
and closes when the rule passes. Nothing run-dependent (dates, timings) is written
except the audit date and revision in ``run.properties``; the same repository and
audit date give byte-identical output.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from auditor.model import AuditResult, Finding
from auditor.render import escape
from auditor.render.anchors import Anchors, is_error, reported
from auditor.rule import load_rules

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/auditor-dev/auditor"
FINGERPRINT_KEY = "auditorFinding/v1"

# Characters kept as they are in a relative URI path; everything else is percent-encoded.
# ':' is encoded too: in the first segment of a relative reference it would read as a scheme.
_URI_SAFE = "/-._~!$&'()*+,;=@"


def uri(path: str) -> str:
    """A repository path as a relative URI reference (``docs/a b.md`` → ``docs/a%20b.md``)."""
    return quote(path, safe=_URI_SAFE)


def fingerprint(rule_id: str, area: str, path: str) -> str:
    return hashlib.sha256(f"{rule_id}\x1f{area}\x1f{path}".encode()).hexdigest()


def _rule_descriptor(finding: Finding, docs: dict[str, str] | None) -> dict[str, Any]:
    docs = docs or {}
    title = escape.show_invisible(finding.title)
    summary = " ".join(docs.get("summary", "").split()) or title
    why, fix = docs.get("Why it matters", ""), docs.get("How to fix", "")
    text_parts, md_parts = [], []
    if why:
        text_parts.append(f"Why it matters: {' '.join(why.split())}")
        md_parts.append(f"## Why it matters\n\n{why}")
    if fix:
        text_parts.append(f"How to fix: {' '.join(fix.split())}")
        md_parts.append(f"## How to fix\n\n{fix}")
    help_text = "\n\n".join(text_parts) or summary
    help_md = "\n\n".join(md_parts) or summary
    return {
        "id": finding.rule_id,
        "name": finding.rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": escape.show_invisible(summary)},
        "help": {"text": escape.show_invisible(help_text), "markdown": escape.show_invisible(help_md)},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": [finding.area]},
    }


def to_sarif(result: AuditResult) -> dict[str, Any]:
    """The SARIF log as plain data."""
    classes, _ = load_rules()
    docs = {c.rule_id(): c.docs() for c in classes}
    anchors = Anchors(result)
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    for area, f in reported(result):
        if f.rule_id not in index:
            index[f.rule_id] = len(rules)
            rules.append(_rule_descriptor(f, docs.get(f.rule_id)))
        anchor = anchors(f)
        results.append({
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": "error" if is_error(area, f) else "warning",
            "message": {"text": escape.plain(f.message, 1000)},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri(anchor.path)},
                    "region": {"startLine": anchor.line},
                },
            }],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f.rule_id, f.area, anchor.path)},
            "properties": {
                "area": f.area,
                "areaStatus": area.status.value,
                "weight": f.weight,
                **({"effort": f.effort.value} if f.effort else {}),
                "anchored": not anchor.cited,
            },
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "auditor",
                "version": result.tool_version,
                "semanticVersion": result.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "repository": escape.plain(result.repository.name, 200),
                "revision": result.repository.revision,
                "asOf": result.as_of.isoformat(),
                "overallScore": result.overall,
                "maturityLevel": result.maturity.level,
            },
        }],
    }


def render_sarif(result: AuditResult) -> str:
    return json.dumps(to_sarif(result), indent=2, ensure_ascii=False) + "\n"
