"""Renderers: take a finished AuditResult and return a string. They never write files."""

from __future__ import annotations

from auditor.model import AuditResult

FORMATS = ("markdown", "json", "html", "sarif", "codequality")

#: The file each format is written to by the GitHub Action and the CI templates.
FILE_NAMES = {
    "markdown": "audit.md",
    "json": "audit.json",
    "html": "audit.html",
    "sarif": "audit.sarif",
    "codequality": "gl-code-quality-report.json",
}


def render(result: AuditResult, fmt: str, *, timings: bool = False) -> str:
    if fmt == "json":
        from auditor.render.json_report import render_json
        return render_json(result, timings=timings)
    if fmt == "markdown":
        from auditor.render.markdown import render_markdown
        return render_markdown(result, timings=timings)
    if fmt == "html":
        from auditor.render.html import render_html
        return render_html(result, timings=timings)
    if fmt == "sarif":
        from auditor.render.sarif import render_sarif
        return render_sarif(result)
    if fmt == "codequality":
        from auditor.render.codequality import render_codequality
        return render_codequality(result)
    raise ValueError(f"unknown format {fmt!r}")
