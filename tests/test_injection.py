"""Repository strings are data in every output format, never markup or commands.

A repository is built at test time whose file names, commit subjects, author
names, script names and workflow names carry payloads: HTML, Markdown links and
images, table pipes, Mermaid syntax, ANSI/OSC escape sequences, GitHub Actions
workflow commands and bidirectional / zero-width characters. The audit must
cite them (the test checks that they reach each report), and each rendering must
show them as inert text:

* Markdown is parsed with a CommonMark parser (markdown-it-py, tables on): no
  link, image or raw-HTML token carries payload text, and every table row has
  its header's column count.
* HTML is parsed with :mod:`html.parser`: only the template's own tags, no
  ``on*`` attribute, no ``javascript:``, nothing loaded from anywhere.
* JSON is valid and round-trips the exact strings.
* No output contains a raw ESC, RLO or zero-width space, and no line of any
  output starts a GitHub Actions workflow command.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from auditor.clock import AsOf
from auditor.engine import audit
from auditor.fixture import build
from auditor.render.html import render_html
from auditor.render.json_report import render_json
from auditor.render.markdown import render_markdown

AS_OF = AsOf(dt.date(2025, 10, 18))

# The payloads, as the brief for this test lists them.
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
MD_LINK = "[x](https://evil.example)"
MD_IMAGE = "![i](https://evil.example/i.png)"
PIPES = "a|b|c"
MERMAID_BREAK = '"]) --> B[x'
MERMAID_INIT = "%%{init: {'theme':'dark'}}%%"
MERMAID_CLICK = 'click A href "javascript:alert(1)"'
ANSI = "\x1b[31mRED\x1b[0m"
OSC8 = "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07"
GHA_OUTPUT = "::set-output name=x::y"
GHA_ERROR = "::error::pwned"
RLO = "abc\u202edcba"
ZWSP = "zero\u200bwidth"

PAYLOADS = {
    "img": IMG, "script": SCRIPT, "md_link": MD_LINK, "md_image": MD_IMAGE, "pipes": PIPES,
    "mermaid_break": MERMAID_BREAK, "mermaid_init": MERMAID_INIT, "mermaid_click": MERMAID_CLICK,
    "ansi": ANSI, "osc8": OSC8, "gha_output": GHA_OUTPUT, "gha_error": GHA_ERROR, "rlo": RLO, "zwsp": ZWSP,
}

# A path component cannot hold "/", so file and directory names carry slash-free variants.
P_IMG = IMG
P_SCRIPT = "<script>alert(1)<\\script>"
P_LINK = "[x](javascript:alert(1))"
P_IMAGE = "![i](data:image-png;base64,AAAA)"
P_ANSI = "\x1b[31mRED\x1b[0m"
# Everything in one name: HTML, link, table pipe, Mermaid, ANSI, workflow command, bidi, zero-width.
P_ALL = f"{P_IMG} {P_LINK} {PIPES} {MERMAID_BREAK} {P_ANSI} {GHA_ERROR} {RLO} {ZWSP}"
# Author names cannot hold "<" or ">" (git's ident syntax); everything else goes in.
AUTHOR = f"Eve {MD_LINK} {MD_IMAGE} {PIPES} {MERMAID_CLICK} {ANSI} {OSC8} {GHA_OUTPUT} {RLO} {ZWSP}"

GUIDE = f"START_{P_IMG}_{PIPES}_GUIDE.md"
GUIDE_DIR = f"docs/{P_ALL}"
TEST_FILE = f"src/__tests__/{P_IMG} {PIPES} {P_LINK}.test.ts"
WORKFLOW = f".github/workflows/{P_IMG} {PIPES} {GHA_ERROR} {RLO}.yml"
HOT_FILE = f"src/lib/{P_ALL}.ts"
SCRIPT_DIR = f"src/{P_SCRIPT} {MERMAID_INIT} {MERMAID_CLICK}"
# Ref names allow "<", ">", "|", "(" and "=" (not spaces, ":" or "["); "/" separates components.
BRANCH = "main<img/src=x/onerror=alert(1)>|a|b"
TAG = "v1.0.0-<svg/onload=alert(1)>|x"
# The checkout directory names the repository in the title block.
REPO_DIR = f"{P_IMG} {PIPES} {P_LINK} {RLO}"


def payload_spec() -> dict:
    """A solo Next.js-style project whose cited names and subjects are all payloads."""
    scripts = {
        "dev": "next dev",
        "test": "jest",
        PIPES: f"echo {PIPES} `whoami` {MD_LINK}",
        IMG: f"node {SCRIPT} {MD_IMAGE}",
        GHA_ERROR: f"echo {ANSI}{OSC8} {RLO}{ZWSP}",
        MERMAID_BREAK: f"{MERMAID_INIT} {MERMAID_CLICK}",
    }
    package = {"name": "payloads", "version": "0.1.0", "private": True, "scripts": scripts,
               "dependencies": {"next": "15.5.4", "react": "19.1.0"},
               "devDependencies": {"jest": "^30.1.0", "typescript": "^5"}}
    workflow = (f"name: \"{SCRIPT} {MD_LINK} {PIPES}\"\non: [push]\njobs:\n  build:\n"
                f"    name: \"{IMG} {GHA_OUTPUT}\"\n    runs-on: ubuntu-latest\n    steps:\n"
                f"      - uses: actions/checkout@v4\n      - run: npm ci\n      - run: npm test\n")
    todo = "".join(f"// TODO: {p}\n" for p in (IMG, MD_LINK, MD_IMAGE, PIPES, MERMAID_BREAK, GHA_ERROR, RLO))
    guide = (f"# {IMG} guide {MD_LINK}\n\n1. Run `npm run dev`\n2. Open the dashboard and manually verify "
             f"{MD_IMAGE} {PIPES}\n3. Check {SCRIPT} by hand\n")
    commits = [
        {"id": "init", "author": "eve", "date": "2025-09-20T10:00:00+00:00",
         "message": f"Initial commit {IMG}",
         "files": {"package.json": {"json": package}, "README.md": f"# Payloads {MD_LINK}\n",
                   ".gitignore": "node_modules\n", "src/app/page.tsx": {"lines": 20},
                   "jest.config.js": "module.exports = {};\n"}},
        {"id": "feat-img", "author": "eve", "date": "2025-10-01T10:00:00+00:00",
         "message": f"feat: add {IMG} {SCRIPT} widget",
         "files": {HOT_FILE: {"lines": 40}, TEST_FILE: {"lines": 20}}},
        {"id": "feat-link", "author": "eve", "date": "2025-10-03T10:00:00+00:00",
         "message": f"feat: {MD_LINK} {MD_IMAGE} checkout {PIPES}",
         "files": {HOT_FILE: {"lines": 45}, f"{SCRIPT_DIR}/checkout.ts": {"lines": 30},
                   "src/lib/debt.ts": todo}},
        {"id": "guide", "author": "eve", "date": "2025-10-04T10:00:00+00:00",
         "message": f"docs: write the checkout guide {MERMAID_BREAK}",
         "files": {GUIDE: guide, f"{GUIDE_DIR}/CHECKOUT_GUIDE.md": guide,
                   "CHECKOUT_IMPLEMENTATION.md": guide}},
        {"id": "fix", "author": "eve", "date": "2025-10-06T10:00:00+00:00",
         "message": f"fix: {PIPES} {MERMAID_BREAK} {MERMAID_INIT} {MERMAID_CLICK}",
         "files": {HOT_FILE: {"lines": 46}, f"src/{P_ANSI}{RLO}.ts": {"lines": 10}}},
        {"id": "ci", "author": "eve", "date": "2025-10-07T10:00:00+00:00",
         "message": f"ci: add workflow {GHA_OUTPUT}",
         "files": {WORKFLOW: workflow}},
        {"id": "feat-ansi", "author": "eve", "date": "2025-10-08T10:00:00+00:00",
         "message": f"feat: {ANSI} {OSC8} {GHA_OUTPUT}",
         "files": {HOT_FILE: {"lines": 50}, TEST_FILE: {"lines": 25}}},
        {"id": "revert", "author": "eve", "date": "2025-10-09T10:00:00+00:00",
         "message": f'Revert "feat: {ANSI} {OSC8} {GHA_OUTPUT}"\n\nThis reverts the previous commit.\n',
         "files": {HOT_FILE: {"lines": 46}}},
        {"id": "hotfix", "author": "eve", "date": "2025-10-10T10:00:00+00:00",
         "message": f"hotfix: {GHA_ERROR} {RLO} {ZWSP} {SCRIPT}",
         "files": {HOT_FILE: {"lines": 47}, f"{SCRIPT_DIR}/.env": "SECRET=1\n"}},
        {"repeat": 6, "author": "eve", "start": "2025-10-11T10:00:00+00:00", "every": "1d",
         "message": f"feat: step {{n}} of {IMG} {MD_LINK} {PIPES} {GHA_ERROR}",
         "files": {HOT_FILE: {"lines": 50, "seed": "{n}"}, "src/lib/step-{n}.ts": {"lines": 10},
                   TEST_FILE: {"lines": 30, "seed": "{n}"}}},
    ]
    return {"name": "payloads", "default_branch": BRANCH,
            "tags": [{"name": TAG, "commit": "fix", "message": f"Release {IMG} {MD_LINK}",
                      "date": "2025-10-06T12:00:00+00:00"}],
            "authors": {"eve": {"name": AUTHOR, "email": "eve@example.com"}},
            "commits": commits}


# -- the audited repository, built once -----------------------------------------------------


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, str]:
    repo = build(payload_spec(), tmp_path_factory.mktemp("injection") / REPO_DIR)
    result = audit(repo, as_of=AS_OF)
    return {"markdown": render_markdown(result), "json": render_json(result), "html": render_html(result)}


# Distinctive pieces of each payload that prove it reached a report (in some escaped form).
MARKERS = {
    "html": ("onerror", "alert(1)"),
    "link": ("evil.example",),
    "pipes": (PIPES, PIPES.replace("|", "\\|"), PIPES.replace("|", "¦")),
    "mermaid": ("--> B", "javascript"),
    "ansi": ("RED",),
    "gha": ("set-output", "error::pwned", "error:<U+200B>:pwned"),
    "bidi": ("<U+202E>", "&lt;U+202E&gt;", "\\u202e", "\u202e"),
    "author": ("Eve",),
}


@pytest.mark.parametrize("fmt", ["markdown", "json", "html"])
def test_payloads_reach_the_report(outputs, fmt):
    """The test means something only if the audit cites the payload-bearing strings."""
    text = outputs[fmt]
    missing = [kind for kind, marks in MARKERS.items() if not any(m in text for m in marks)]
    assert not missing, f"{fmt}: no payload of kind {missing} reached the report"


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_payloads_reach_file_names_subjects_and_authors(outputs):
    """File names, commit subjects and author names with payloads are cited, byte for byte, in the result."""
    strings = list(_strings(json.loads(outputs["json"])))

    def cited(s: str) -> bool:
        return any(s in x for x in strings)

    assert cited(GUIDE), "the payload-named guide is not cited"
    assert cited(f"{GUIDE_DIR}/CHECKOUT_GUIDE.md"), "the guide in a payload-named directory is not cited"
    assert cited(WORKFLOW), "the payload-named workflow file is not cited"
    assert cited(f"feat: step 6 of {IMG} {MD_LINK} {PIPES} {GHA_ERROR}"), "no feature subject cited"
    assert cited(" ".join(AUTHOR.split())) or cited(AUTHOR), "the author name is not cited"


# -- no raw control, bidi or zero-width characters; no workflow commands -------------------


RAW = {"\x1b": "ESC", "\x07": "BEL", "\u202e": "RLO", "\u200b": "ZWSP", "\u202a": "LRE", "\u2066": "LRI"}


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_no_raw_control_or_invisible_characters(outputs, fmt):
    text = outputs[fmt]
    found = {name for ch, name in RAW.items() if ch in text}
    assert not found, f"{fmt} output contains raw {sorted(found)}"
    assert "<U+202E>" in text or "&lt;U+202E&gt;" in text, "the RLO should be shown as <U+202E>"
    assert "<U+200B>" in text or "&lt;U+200B&gt;" in text, "the ZWSP should be shown as <U+200B>"


def test_json_has_no_raw_bidi_or_zero_width(outputs):
    """Bidi and zero-width characters are written as \\uXXXX escapes, so the JSON cannot reorder text."""
    text = outputs["json"]
    found = {name for ch, name in RAW.items() if ch in text}
    assert not found, f"json output contains raw {sorted(found)}"


def test_json_escapes_terminal_controls(outputs):
    """ESC and BEL cannot appear raw in valid JSON; they are \\u001b and \\u0007."""
    assert "\x1b" not in outputs["json"] and "\x07" not in outputs["json"]
    assert "\\u001b" in outputs["json"]


@pytest.mark.parametrize("fmt", ["markdown", "json", "html"])
def test_no_line_starts_a_workflow_command(outputs, fmt):
    """GitHub Actions runs ``::command::`` only at the start of a (left-trimmed) log line."""
    bad = [line for line in outputs[fmt].splitlines() if line.lstrip().startswith("::")]
    assert not bad, f"{fmt}: lines that GitHub Actions would execute: {bad[:3]}"


# -- JSON ---------------------------------------------------------------------------------


def test_json_is_valid_and_round_trips(outputs):
    data = json.loads(outputs["json"])
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert json.loads(json.dumps(data)) == data
    # The exact strings survive: data formats carry the repository's bytes, not a display form.
    strings = list(_strings(data))
    assert any(WORKFLOW in x for x in strings)
    assert any(f"{GUIDE_DIR}/CHECKOUT_GUIDE.md" in x for x in strings)


# -- Markdown -----------------------------------------------------------------------------


def _markdown_tokens(text: str):
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    return md.parse(text)


def _walk(tokens):
    for t in tokens:
        yield t
        if t.children:
            yield from _walk(t.children)


# Pieces of the payloads that must never reach a Mermaid block (the template's own blocks hold none).
MERMAID_TELLS = ("evil", "onerror", "alert", "javascript", "script", "%%{init", "B[x", "set-output", "pwned",
                 "Eve ", PIPES, "\x1b", "<U+")


def test_markdown_has_no_links_images_or_html_from_payloads(outputs):
    tokens = list(_walk(_markdown_tokens(outputs["markdown"])))
    bad = []
    for t in tokens:
        if t.type in ("html_inline", "html_block"):
            # The template's own anchors (<a id="1-board"></a>) are the only raw HTML allowed.
            if not re.fullmatch(r'<a id="\d+-[a-z0-9-]+">(</a>)?|</a>', t.content.strip()):
                bad.append((t.type, t.content))
        elif t.type == "link_open":
            href = t.attrGet("href") or ""
            if not re.fullmatch(r"#\d+-[a-z0-9-]+", href):
                bad.append((t.type, href))
        elif t.type == "image":
            bad.append((t.type, t.attrGet("src")))
        elif t.type == "fence" and t.info.strip() == "mermaid" and any(w in t.content for w in MERMAID_TELLS):
            bad.append(("mermaid", t.content[:200]))
    assert not bad, f"payload markup interpreted in Markdown: {bad[:5]}"


def test_markdown_tables_keep_their_columns(outputs):
    tokens = _markdown_tokens(outputs["markdown"])
    tables = 0
    cells_per_row: list[tuple[int, int]] = []
    header = None
    for t in tokens:
        if t.type == "table_open":
            tables += 1
            header = None
        elif t.type == "tr_open":
            count = 0
        elif t.type in ("th_open", "td_open"):
            count += 1
        elif t.type == "tr_close":
            if header is None:
                header = count
            cells_per_row.append((header, count))
    assert tables >= 2, "expected the scorecard and the scripts tables"
    assert all(h == c for h, c in cells_per_row), [x for x in cells_per_row if x[0] != x[1]]
    # A pipe in a cell would otherwise add columns: check that the payload-bearing rows exist.
    lines = [ln for ln in outputs["markdown"].splitlines() if ln.startswith("|")]
    assert any("a\\|b\\|c" in ln or "a¦b¦c" in ln for ln in lines), "pipe payload not in any table row"


def test_markdown_table_rows_parse_to_the_header_width_line_by_line(outputs):
    """Each table row, split on unescaped pipes outside code spans, has the header's cell count."""
    text = outputs["markdown"].splitlines()
    i = 0
    while i < len(text):
        if text[i].startswith("|") and i + 1 < len(text) and re.match(r"^\|[-| ]+\|$", text[i + 1]):
            width = _cells(text[i])
            j = i + 2
            while j < len(text) and text[j].startswith("|"):
                assert _cells(text[j]) == width, f"row {j + 1} has {_cells(text[j])} cells, header {width}: {text[j]!r}"
                j += 1
            i = j
        else:
            i += 1


def _cells(row: str) -> int:
    # GFM splits on every unescaped pipe, even inside code spans.
    return len(re.findall(r"(?<!\\)\|", row)) - 1


# -- HTML ---------------------------------------------------------------------------------


# Every element the HTML template itself writes (including the inline SVG chart).
TEMPLATE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "p", "h1", "h2", "h3", "h4", "dl", "dt",
    "dd", "strong", "em", "code", "section", "div", "span", "figure", "figcaption", "ul", "ol", "li", "table",
    "thead", "tbody", "tr", "th", "td", "a", "small", "footer", "svg", "desc", "g", "line", "text", "rect",
}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if not self._in_style:
            self.text.append(data)


def _parse_html(text: str) -> _Collector:
    c = _Collector()
    c.feed(text)
    c.close()
    return c


def test_html_has_only_template_elements_and_no_active_attributes(outputs):
    page = _parse_html(outputs["html"])
    foreign = {tag for tag, _ in page.tags} - TEMPLATE_TAGS
    assert not foreign, f"elements not written by the template: {foreign}"
    for tag, attrs in page.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            assert "javascript:" not in (value or "").lower(), (tag, name, value)
            if name in ("src", "href", "action", "formaction", "xlink:href", "srcset", "poster", "data"):
                assert (value or "").startswith("#"), f"{tag} {name}={value!r} points outside the page"
    svgs = [attrs for tag, attrs in page.tags if tag == "svg"]
    assert svgs == [[("class", "chart"), ("viewbox", svgs[0][1][1]), ("role", "img"),
                     ("aria-labelledby", "chart-title chart-desc")]], "only the template's chart is an <svg>"
    # The one <script>-free, <img>-free page: the payloads are there as text.
    body = "".join(page.text)
    assert IMG in body, "the <img> payload should be visible as text"
    assert "<U+202E>" in body


def test_html_forbids_loading_anything(outputs):
    page = _parse_html(outputs["html"])
    metas = [dict(attrs) for tag, attrs in page.tags if tag == "meta"]
    csp = [m.get("content", "") for m in metas if (m.get("http-equiv") or "").lower() == "content-security-policy"]
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'; img-src data:"]
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", outputs["html"], re.IGNORECASE)
    assert "@import" not in outputs["html"] and "url(" not in outputs["html"]


def test_html_escapes_payloads_in_text(outputs):
    html_text = outputs["html"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_text
    assert "<script" not in html_text.lower()
    assert "<img" not in html_text.lower()
    assert "&lt;svg/onload=alert(1)&gt;" in html_text


def test_html_renders_code_spans_only_from_rule_documentation():
    """The |doc converter escapes first, so a backticked payload becomes inert <code> text."""
    from auditor.render.html import doc

    out = str(doc(f"Add `{IMG}` and {SCRIPT} `x|y`"))
    assert out == ("Add <code>&lt;img src=x onerror=alert(1)&gt;</code> and "
                   "&lt;script&gt;alert(1)&lt;/script&gt; <code>x|y</code>")
    assert str(doc("a\u202eb `c\x1b[31m`")) == "a&lt;U+202E&gt;b <code>c&lt;U+001B&gt;[31m</code>"


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="chromium is not installed (Debian: apt-get update && apt-get install -y chromium)")
def test_html_payloads_stay_text_in_a_browser(outputs, tmp_path):
    """What the browser builds from the page (not just what a Python parser reads) has no payload element."""
    page = tmp_path / "payloads.html"
    page.write_text(outputs["html"], encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["HOME"] = str(tmp_path)
    proc = subprocess.run(
        [shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--dump-dom", page.as_uri()], env=env, capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = _parse_html(proc.stdout)
    assert {tag for tag, _ in dom.tags} <= TEMPLATE_TAGS
    assert not [(t, a) for t, attrs in dom.tags for a, _ in attrs if a.startswith("on")]
    assert IMG in "".join(dom.text)
