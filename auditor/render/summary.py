"""A trimmed Markdown report for a CI job summary (GitHub's ``$GITHUB_STEP_SUMMARY``).

GitHub shows at most 1 MiB of summary per step and drops a larger one whole, so
the summary is the Markdown report cut at its section boundaries (``## `` headings)
to fit a byte budget, never re-rendered:

1. the title block and the executive summary with the scorecard (always kept);
2. the "Summary" section with the critical gaps and the immediate recommendations
   (always kept, moved up to follow the scorecard);
3. the area sections in report order, then the appendices, while they fit;
4. when anything was left out, a closing note naming the artifact that holds the
   full report.

Should even the kept sections exceed the budget (they are a few kilobytes on any
real repository), they are cut at a line boundary, so the result never exceeds
``limit`` bytes.
"""

from __future__ import annotations

import re

from auditor.model import AuditResult

#: GitHub's per-step summary limit (1 MiB); the default budget stays well under it.
GITHUB_SUMMARY_LIMIT = 1024 * 1024
DEFAULT_LIMIT = 900_000

# A section starts at a "## " heading, with the HTML anchor the template puts just before it.
_SECTION = re.compile(r'(?<!</a>)\n(?=(?:<a id="[^"\n]*"></a>\n)?## )')
_SUMMARY = re.compile(r"^## Summary\b")


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def trim_note(artifact_hint: str) -> str:
    from auditor.render.escape import md_code

    return (f"\n---\n\n> **Report trimmed:** the full report is in the artifact {md_code(artifact_hint, 100)} "
            f"(GitHub shows at most 1 MiB of summary per step).\n")


def split_sections(markdown: str) -> list[str]:
    """The report cut before each ``## `` heading; joining the parts with ``\\n`` gives it back."""
    return _SECTION.split(markdown)


def trim_markdown(markdown: str, *, limit: int = DEFAULT_LIMIT, artifact_hint: str = "auditor-report") -> str:
    """Cut a rendered report to at most ``limit`` UTF-8 bytes at section boundaries."""
    if _size(markdown) <= limit:
        return markdown
    parts = split_sections(markdown)
    head = parts[:2]                       # title block, executive summary
    summary = [p for p in parts[2:] if _SUMMARY.match(p)]
    rest = [p for p in parts[2:] if not _SUMMARY.match(p)]
    note = trim_note(artifact_hint)
    budget = limit - _size(note)
    kept = "\n".join(head + summary)
    if _size(kept) > budget:
        # Even the essentials do not fit: cut at a line boundary.
        out, used = [], 0
        for line in kept.splitlines(keepends=True):
            if used + _size(line) > budget:
                break
            out.append(line)
            used += _size(line)
        kept = "".join(out)
        return (kept + note) if _size(kept + note) <= limit else note.encode()[:limit].decode("utf-8", "ignore")
    used = _size(kept)
    chosen: list[str] = []
    for part in rest:
        cost = _size(part) + 1
        if used + cost > budget:
            break   # keep report order: never skip a large section to show a later one
        chosen.append(part)
        used += cost
    body = "\n".join(head + summary + chosen)
    return body.rstrip("\n") + "\n" + note


def render_job_summary(result: AuditResult, *, limit: int = DEFAULT_LIMIT,
                       artifact_hint: str = "auditor-report") -> str:
    """The Markdown report, trimmed to ``limit`` bytes for a job summary."""
    from auditor.render.markdown import render_markdown

    return trim_markdown(render_markdown(result), limit=limit, artifact_hint=artifact_hint)
