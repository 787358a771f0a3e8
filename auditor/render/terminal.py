"""The terminal summary: scores and top recommendations, coloured unless NO_COLOR is set.

Shown when ``auditor audit`` writes to a terminal; piped or with ``--output`` it
writes the full Markdown report instead. Every repository string is passed through
:func:`auditor.render.escape.terminal`, so escape sequences in commit messages or
file names are shown, never interpreted.
"""

from __future__ import annotations

import re

import click

from auditor.model import AuditResult, Status
from auditor.render.escape import terminal
from auditor.render.shape import shape

COLOURS = {Status.MISSING: "red", Status.INFERRED: "cyan", Status.PARTIAL: "yellow", Status.REACTIVE: "yellow",
           Status.STRONG: "green", Status.NOT_APPLICABLE: "bright_black", Status.NOT_DETERMINABLE: "bright_black"}


def _bar(score: float, width: int = 10) -> str:
    full = int(round(score / 5 * width))
    return "█" * full + "·" * (width - full)


def render_terminal(result: AuditResult, *, colour: bool) -> str:
    """A one-screen summary of the audit."""
    r = shape(result)

    def style(text: str, **kw) -> str:
        return click.style(text, **kw) if colour else text

    repo = result.repository
    lines = [
        style(f"Workflow audit — {terminal(repo.name, 80)}", bold=True)
        + f"  {repo.revision[:8]} ({terminal(repo.revision_date or '', 20)}), as of {result.as_of.isoformat()}",
        f"Maturity: level {result.maturity.level} — {result.maturity.name} (overall {result.overall:.1f}/5)",
        terminal(r["summary"]["state"], 400),
        "",
    ]
    width = max(len(a.title) for a in result.areas)
    for a in result.areas:
        status = re.sub(r"\s+", " ", f"{a.status.marker} {a.status.label}")
        if a.statuses:
            status = " / ".join(f"{s.label.lower()} ({k[:4]}.)" for k, s in a.statuses.items())
        lines.append(f"  {a.title:<{width}}  {style(f'{status:<34}', fg=COLOURS[a.status])} "
                     f"{a.score:>3.1f} {style(_bar(a.score), fg=COLOURS[a.status])}")
    lines += ["", style("Top recommendations", bold=True)]
    for i, rec in enumerate(r["summary"]["recommendations"][:5], start=1):
        text = rec.text.replace("`", "")
        lines.append(f"  {i}. {terminal(text, 160)} ({rec.effort.label}; {rec.rule_id})")
    lines += ["", "Full report: auditor audit -o audit.md   (or pipe it: auditor audit > audit.md)"]
    return "\n".join(lines) + "\n"
