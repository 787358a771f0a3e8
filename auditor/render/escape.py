"""Escapers for strings that come from the audited repository.

Every file name, commit subject, author name and config value is data, never
markup: it must not open a link, an image, an HTML tag, a table cell, a Mermaid
node or a terminal escape sequence. Invisible and bidirectional control
characters are shown as ``<U+XXXX>`` so a reader sees them.
"""

from __future__ import annotations

import html
import re
import unicodedata

# C0/C1 controls (but tab/newline handled separately), bidi overrides and isolates,
# zero-width characters, and other invisible format characters.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\U000e0000-\U000e0fff]"
)
# Characters that start inline markup anywhere: emphasis, code, links, HTML, tables,
# strikethrough, math ($ on GitHub), entities, and @-mentions.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~$&@])")
# Autolinks (GFM turns bare URLs and www. into links): break the pattern.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(:)(?=//)|(?<=www)(\.)")
# Characters that open a block when they start a line (or a list item's content).
_MD_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")


def show_invisible(text: str) -> str:
    """Replace control, bidirectional and zero-width characters with ``<U+XXXX>``."""
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def plain(text: object, limit: int = 300) -> str:
    """One line of plain text: invisible characters shown, newlines folded, length bounded."""
    s = show_invisible(str(text).replace("\r", " ").replace("\n", " ").replace("\t", " "))
    s = unicodedata.normalize("NFC", s)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def md(text: object, limit: int = 300) -> str:
    """Inline Markdown text: markup, HTML, table, link and mention characters escaped.

    Only characters that could start markup are escaped, so the raw Markdown stays
    readable ("2025-10-18", not "2025\\-10\\-18").
    """
    s = _MD_INLINE.sub(r"\\\1", plain(text, limit))
    s = _AUTOLINK.sub(lambda m: "\\" + (m.group(1) or m.group(2)), s)
    return _MD_BLOCK_START.sub(
        lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else "\\" + m.group(2)), s)


def trusted_md(text: object, limit: int = 600) -> str:
    """Markdown written by rule authors (documentation), not by the audited repository.

    It keeps its markup (backticked file names); only invisible characters are
    shown and newlines folded, so it stays one list item.
    """
    return plain(text, limit)


def md_code(text: object, limit: int = 200) -> str:
    """An inline code span that cannot be broken out of (no backticks, no pipes inside)."""
    s = plain(text, limit).replace("`", "ˋ").replace("|", "¦")
    return f"`{s}`" if s else "``"


def html_text(text: object, limit: int = 300) -> str:
    return html.escape(plain(text, limit), quote=True)


def mermaid_label(text: object, limit: int = 60) -> str:
    """A Mermaid node label: only letters, digits, spaces and a little punctuation survive."""
    s = plain(text, limit)
    s = re.sub(r"[^\w .,:/+%-]", " ", s, flags=re.UNICODE)
    return re.sub(r"\s+", " ", s).strip() or "item"


_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def terminal(text: object, limit: int = 300) -> str:
    """Text for a terminal: escape sequences and controls shown, never interpreted."""
    return plain(_ANSI.sub(lambda m: repr(m.group())[1:-1], str(text)), limit)


def actions_log(text: object, limit: int = 300) -> str:
    """Text for a GitHub Actions log: ``::command::`` and legacy ``##[command]`` sequences defused."""
    return terminal(text, limit).replace("::", ":<U+200B>:").replace("##[", "#<U+200B>#[")
