"""Renderers: take a finished AuditResult and return a string. They never write files."""

from __future__ import annotations

from auditor.model import AuditResult

FORMATS = ("markdown", "json")


def render(result: AuditResult, fmt: str) -> str:
    if fmt == "json":
        from auditor.render.json_report import render_json
        return render_json(result)
    if fmt == "markdown":
        from auditor.render.markdown import render_markdown
        return render_markdown(result)
    raise ValueError(f"unknown format {fmt!r}")
