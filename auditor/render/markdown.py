"""The Markdown report, rendered with jinja2 from ``reports/audit.md.j2``.

All repository-derived strings pass through :mod:`auditor.render.escape` filters;
the data the template needs is shaped in :mod:`auditor.render.shape`.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from auditor.model import AuditResult
from auditor.render import escape
from auditor.render.shape import shape

TEMPLATES = Path(__file__).resolve().parent.parent / "reports"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=False,  # Markdown, not HTML: every value goes through an explicit escaping filter
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = escape.md
    env.filters["code"] = escape.md_code
    env.filters["doc"] = escape.trusted_md
    env.filters["mermaid"] = escape.mermaid_label
    return env


def render_markdown(result: AuditResult, *, timings: bool = False) -> str:
    text = environment().get_template("audit.md.j2").render(r=shape(result, timings=timings))
    # Collapse runs of blank lines left by optional blocks.
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text
