"""The HTML report in a real headless browser: it renders, and shows the report's content.

Chromium comes from Debian (``apt-get install -y chromium``; ``.ci/run`` installs
it). Without it the browser tests are skipped, with that reason; the checks that
need no browser (self-containment, chart, CSP) always run.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest

from auditor.clock import AsOf
from auditor.engine import audit
from auditor.fixture import build
from auditor.model import Status
from auditor.render.html import CSP, render_html
from tests.scenario_support import FIXTURES

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (Debian: apt-get update && apt-get install -y chromium; .ci/run installs it)")

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run")


@pytest.fixture(scope="module")
def seed003(tmp_path_factory):
    """The seed-003 fixture audited at the seed's date: (result, html text, path of the written page)."""
    root = tmp_path_factory.mktemp("html")
    repo = build(FIXTURES / "seed003.yaml", root / "seed003")
    result = audit(repo, as_of=AsOf(dt.date(2025, 10, 18)))
    text = render_html(result)
    page = root / "report.html"
    page.write_text(text, encoding="utf-8")
    return result, text, page


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DISPLAY", "WAYLAND"))}
    env["HOME"] = str(tmp_path)  # chromium writes caches under HOME; keep them in the test's directory
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], env=env,
                          capture_output=True, text=True, timeout=180, check=False)


class _Text(HTMLParser):
    """The visible text of a page (no <style>, <title> or SVG <title>/<desc> tooltips)."""

    HIDDEN: ClassVar[set[str]] = {"style", "script", "title", "desc", "head"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        p = cls()
        p.feed(html)
        p.close()
        return re.sub(r"\s+", " ", "".join(p.parts))


class _Refs(HTMLParser):
    """Every URL-valued attribute of a page."""

    URL_ATTRS: ClassVar[set[str]] = {"src", "href", "xlink:href", "action", "formaction", "srcset", "poster", "data", "background"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.values += [v or "" for k, v in attrs if k in self.URL_ATTRS]

    @classmethod
    def of(cls, html: str) -> list[str]:
        p = cls()
        p.feed(html)
        p.close()
        return p.values


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


@needs_chromium
def test_screenshot_renders(seed003, tmp_path):
    _, _, page = seed003
    png = tmp_path / "report.png"
    proc = _chromium(tmp_path, f"--screenshot={png}", "--window-size=1280,4000", page.as_uri())
    assert png.exists(), f"no screenshot; chromium said: {proc.stderr[-2000:]}"
    assert _png_size(png) == (1280, 4000)
    # A blank 1280×4000 page compresses to a few kilobytes; the report's text, tables and chart do not.
    assert png.stat().st_size > 100_000, f"screenshot suspiciously small ({png.stat().st_size} bytes)"


@needs_chromium
def test_dumped_dom_shows_the_report(seed003, tmp_path):
    result, _, page = seed003
    proc = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert dom.lstrip().lower().startswith(("<!doctype html>", "<html")), dom[:200]
    text = _Text.of(dom)

    assert "Workflow Optimization Audit" in text
    for heading in ("Executive Summary", "Summary: Workflow Clarity & Efficiency", "Appendix A: Available Scripts",
                    "Appendix B: Recommended Process Framework", "Appendix C: Workflow Diagram (Proposed)",
                    "Appendix D: Method", "What Exists", "Missing", "Observations", "Impact on Delivery",
                    "Recommendations", "Critical Gaps", "Immediate Recommendations"):
        assert heading in text, heading
    for i, area in enumerate(result.areas, start=1):
        assert f"{i}. {area.title}" in text, area.title
    labels = {s.label for a in result.areas for s in ([a.status] if not a.statuses else a.statuses.values())}
    for label in labels:
        assert label in text, label
    assert {"MISSING", "PARTIAL", "REACTIVE", "STRONG", "INFERRED"} <= labels  # the seed's statuses
    # Key evidence from the seed audit.
    for evidence in ("START_HERE.md", "jest.config.js", "playwright.config.ts", "CHATKIT_IMPLEMENTATION.md",
                     "Jordan Reyes", "package.json:10", "test:coverage", "Vercel"):
        assert evidence in text, evidence
    # The chart is in the live DOM, one bar row per area.
    assert dom.count('<g class="row ') == len(result.areas)


@needs_chromium
def test_prints_to_pdf(seed003, tmp_path):
    """The print stylesheet lays out: one page break before each area section at least."""
    result, _, page = seed003
    pdf = tmp_path / "report.pdf"
    proc = _chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    assert pdf.exists(), proc.stderr[-2000:]
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pages > len(result.areas), f"{pages} pages for {len(result.areas)} areas"


# -- checks that need no browser ----------------------------------------------------------


def test_page_is_self_contained(seed003):
    _, text, _ = seed003
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'.replace("'", "&#39;") in text \
        or f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in text
    assert "<script" not in text and "<link" not in text and "<img" not in text and "<iframe" not in text
    refs = _Refs.of(text)
    assert refs, "expected the scorecard's in-page links"
    assert all(v.startswith("#") for v in refs), [v for v in refs if not v.startswith("#")]
    assert "@import" not in text and "url(" not in text and "@font-face" not in text


def test_chart_is_inline_svg_with_a_bar_per_area(seed003):
    result, text, _ = seed003
    svg = re.search(r"<svg class=\"chart\".*?</svg>", text, re.DOTALL)
    assert svg, "no inline SVG chart"
    rows = re.findall(r'<g class="row (\w+)">', svg.group())
    assert len(rows) == len(result.areas)
    expected = {Status.STRONG: "strong", Status.MISSING: "missing", Status.PARTIAL: "partial",
                Status.REACTIVE: "reactive", Status.INFERRED: "inferred"}
    assert rows == [expected.get(a.status, rows[i]) for i, a in enumerate(result.areas)]
    # The numbers are also in a table (the scorecard), one row per area.
    for i, a in enumerate(result.areas, start=1):
        assert re.search(rf"<td>{i}</td>\s*<td class=\"area\"><a href=\"#{i}-{re.escape(a.area)}\">", text)
        assert f"{a.score:.1f}/5" in text


def test_print_stylesheet(seed003):
    _, text, _ = seed003
    style = re.search(r"<style>(.*?)</style>", text, re.DOTALL).group(1)
    assert "@media print" in style
    printed = style[style.index("@media print"):]
    assert re.search(r"section\.area[^{]*\{[^}]*break-before:\s*page", printed)
    assert re.search(r"\ba\b[^{]*\{[^}]*color:\s*inherit;[^}]*text-decoration:\s*none", printed)
    assert "background: none" in printed


def test_rendering_is_deterministic(seed003):
    result, text, _ = seed003
    assert render_html(result) == text
