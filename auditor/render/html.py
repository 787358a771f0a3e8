"""The HTML report: one self-contained page rendered with jinja2 from ``reports/audit.html.j2``.

The page carries its own CSS (screen and print) and draws the area-score chart as
inline SVG generated here, so it makes no request of any kind; a
Content-Security-Policy meta tag forbids any that an injected tag might attempt.

Jinja's HTML autoescaping covers every value. Repository strings also go through
:func:`auditor.render.escape.plain` (invisible and bidirectional characters shown as
``<U+XXXX>``, one line, bounded length) and are never marked safe. Rule
documentation (recommendations, impact bullets) keeps its Markdown code spans: it is
escaped first, then each `span` becomes ``<code>span</code>``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from auditor.model import AreaScore, AuditResult, Status
from auditor.render import escape
from auditor.render.shape import STARS, shape

TEMPLATES = Path(__file__).resolve().parent.parent / "reports"

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

# Status -> CSS class (colour). The same classes colour the pills, the bars and the scorecard.
STATUS_CLASS = {
    Status.STRONG: "strong",
    Status.PARTIAL: "partial",
    Status.REACTIVE: "reactive",
    Status.INFERRED: "inferred",
    Status.MISSING: "missing",
    Status.NOT_APPLICABLE: "na",
    Status.NOT_DETERMINABLE: "nd",
}
# Bar colours for the SVG chart (SVG fills print even when backgrounds are off).
BAR_FILL = {
    "strong": "#2e7d32",
    "partial": "#c77700",
    "reactive": "#c77700",
    "inferred": "#5b5fc7",
    "missing": "#c62828",
    "na": "#9e9e9e",
    "nd": "#9e9e9e",
}

_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def text(value: object, limit: int = 300) -> str:
    """A repository string as one line of plain text; autoescaping then makes it HTML."""
    return escape.plain("" if value is None else value, limit)


def doc(value: object, limit: int = 600) -> Markup:
    """Rule documentation: HTML-escaped first, then `code spans` become ``<code>`` elements."""
    escaped = html.escape(escape.plain("" if value is None else value, limit), quote=True)
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", escaped))


# Status markers that rules put at the start of a line of text ("✅ observed: …"). The page
# draws them with CSS instead, so they look the same with or without an emoji font.
_MARKERS = (("✅", "plus"), ("⚠️", "risk"), ("⚠", "risk"), ("❌", "minus"), ("🔍", "info"))


def marker(value: object) -> tuple[str, object]:
    """Split a leading status marker off a line: ``(css class, rest)``, or ``("", value)``."""
    s = "" if value is None else str(value)
    for mark, cls in _MARKERS:
        if s.startswith(mark + " "):
            return cls, s[len(mark) + 1:]
    return "", value


def pills(a: AreaScore) -> list[dict[str, str]]:
    """The status (or one status per aspect) as label, aspect and CSS class, without emoji."""
    if a.statuses:
        return [{"label": s.label, "aspect": aspect.title(), "cls": STATUS_CLASS.get(s, "nd")}
                for aspect, s in a.statuses.items()]
    return [{"label": a.status.label, "aspect": "", "cls": STATUS_CLASS.get(a.status, "nd")}]


def stars(rating: str) -> int:
    """The number of stars in a shaped rating such as ``⭐⭐⭐ (3/5)``."""
    m = re.search(r"\((\d)/5\)", rating)
    return int(m.group(1)) if m else rating.count(STARS)


def score_chart(areas: list[AreaScore]) -> Markup:
    """Horizontal bars 0–5, one per area, coloured by status, as an inline SVG element.

    Every piece of text is escaped here; the result is the only markup the template
    takes as safe besides :func:`doc`.
    """
    label_w, bar_w, value_w, row_h, top, bottom = 300, 400, 56, 26, 28, 10
    width = label_w + bar_w + value_w
    height = top + row_h * len(areas) + bottom
    unit = bar_w / 5

    def esc(s: object) -> str:
        return html.escape(str(s), quote=True)

    out = [(f'<svg class="chart" viewBox="0 0 {width} {height}" '
            'role="img" aria-labelledby="chart-title chart-desc">'),
           '<title id="chart-title">Score by area (0–5)</title>',
           ('<desc id="chart-desc">Horizontal bars, one per process area, coloured by status; '
            'the same numbers are in the scorecard table.</desc>')]
    for k in range(6):
        x = label_w + k * unit
        out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - bottom}" class="grid"/>')
        out.append(f'<text x="{x:.1f}" y="{top - 12}" class="tick" text-anchor="middle">{k}</text>')
    for i, a in enumerate(areas):
        y = top + i * row_h
        cls = STATUS_CLASS.get(a.status, "nd")
        label = escape.plain(f"{i + 1}. {a.title}", 48)
        score = max(0.0, min(5.0, float(a.score)))
        statuses = " / ".join(f"{s.label} ({asp})" for asp, s in a.statuses.items()) if a.statuses \
            else a.status.label
        out.append(f'<g class="row {cls}"><title>{esc(escape.plain(a.title, 120))}: {esc(statuses)}, '
                   f'{score:.1f}/5</title>')
        out.append(f'<text x="{label_w - 10}" y="{y + row_h / 2 + 4:.1f}" class="label" '
                   f'text-anchor="end">{esc(label)}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 5}" width="{bar_w}" height="{row_h - 10}" class="track"/>')
        # A zero score still shows a sliver in its status colour, so every row carries its status.
        out.append(f'<rect x="{label_w}" y="{y + 5}" width="{max(score * unit, 3):.1f}" height="{row_h - 10}" '
                   f'rx="2" fill="{BAR_FILL[cls]}"/>')
        out.append(f'<text x="{label_w + bar_w + 8}" y="{y + row_h / 2 + 4:.1f}" class="value">'
                   f'{score:.1f}</text></g>')
    out.append("</svg>")
    return Markup("".join(out))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # HTML: every value is escaped unless it is Markup built above
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["t"] = text
    env.filters["doc"] = doc
    env.filters["marker"] = marker
    return env


def render_html(result: AuditResult, *, timings: bool = False) -> str:
    data = shape(result, timings=timings)
    page: dict[str, Any] = {
        "csp": CSP,
        "chart_svg": score_chart(list(result.areas)),
        "pills": [pills(a) for a in result.areas],
        "pills_by_title": {a.title: pills(a) for a in result.areas},
        "status_cls": [STATUS_CLASS.get(a.status, "nd") for a in result.areas],
        "efficiency_stars": stars(data["summary"]["efficiency"]),
        "scalability_stars": stars(data["summary"]["scalability"]),
    }
    return environment().get_template("audit.html.j2").render(r=data, page=page)
