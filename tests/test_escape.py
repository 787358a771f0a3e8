"""Escapers for repository strings: data never becomes markup."""

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.render import escape


def test_markdown_markup_is_escaped_but_dates_stay_readable():
    assert escape.md("2025-10-18") == "2025-10-18"
    out = escape.md("[click](https://evil.example) ![img](x.png) <script>x</script> a|b `c` $x$ @team")
    for raw in ("[click]", "<script>", "a|b", "`c`", "$x$", "https://"):
        assert raw not in out
    assert "\\@team" in out and "https\\://" in out


def test_block_starts_are_escaped():
    assert escape.md("# title").startswith("\\#")
    assert escape.md("1. step") == "1\\. step"
    assert escape.md("> quote").startswith("\\>")


def test_bidi_and_zero_width_characters_are_shown():
    s = escape.plain("evil\u202egnp.exe\u200b")
    assert "\u202e" not in s and "<U+202E>" in s and "<U+200B>" in s


def test_terminal_sequences_are_shown_not_interpreted():
    s = escape.terminal("red \x1b[31mX\x1b[0m link \x1b]8;;http://x\x07y")
    assert "\x1b" not in s and "\\x1b" in s


def test_actions_workflow_commands_are_defused():
    assert "::" not in escape.actions_log("::set-output name=x::y")


def test_mermaid_labels_lose_syntax():
    label = escape.mermaid_label('x"]) --> B[evil')
    assert not set('"[]()<>') & set(label)


def test_code_spans_cannot_be_broken_out_of():
    assert escape.md_code("a`b|c") == "`aˋb¦c`"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_md_output_never_contains_unescaped_markup(text):
    out = escape.md(text)
    i = 0
    while i < len(out):
        if out[i] == "\\":
            i += 2
            continue
        assert out[i] not in "`*_[]<>|~$&@", (text, out)
        assert out[i] not in "\n\r\x1b\u202e"
        i += 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_terminal_and_html_outputs_have_no_controls(text):
    assert "\x1b" not in escape.terminal(text)
    h = escape.html_text(text)
    assert "<" not in h and ">" not in h
