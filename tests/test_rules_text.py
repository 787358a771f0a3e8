"""The literal prefilter of rules/_text.py answers exactly as the pattern would, only faster."""

import re

import pytest

from auditor.rules import board, collaboration, dod, dor, sprints
from auditor.rules._text import _alternatives, fast, needles_of

PATTERNS = [
    board._HIERARCHY.rx, board._CADENCE.patterns[0].rx, dod._DOD_TEXT.whole.rx, dor._DOR_TEXT.whole.rx,
    sprints.STANDUP.text.whole.rx, sprints.RETRO.text.whole.rx, *(rx.rx for _, rx in board._STATES_RX),
    *(rx.rx for rx in collaboration._CHANNELS),
    re.compile(r"\bstand-?ups?\b", re.I), re.compile(r"(?i:definition of (done|ready))|\(DoD\)"),
    re.compile(r"colou?r|flavou?r"), re.compile(r"a(bc|bd)e"), re.compile(r"x*"),
]
TEXTS = [
    "", "Nothing here.", "## Definition of Done\n- [ ] tests", "We hold a daily stand-up on Slack.",
    "Our standups are async; Yesterday I did X, today Y.", "Board: Backlog, In Progress, Review, Done",
    "BLOCKED items wait; Triaged issues move to To Do.", "retrospective: what went well",
    "Join us on discord.gg/abc or the #dev channel on Slack", "See the mailing list for review",
    "Epics hold stories and tasks.", "two-week sprints", "We ship weekly iterations.",
    "Ready for development criteria: estimated", "DEFINITION OF READY", "(DoD) and DoR: x", "colour flavor abde",
    "understand the stand", "Ready to start checklist", "lifecycle of a week",
]


@pytest.mark.parametrize("rx", PATTERNS, ids=lambda r: r.pattern[:30])
def test_fast_search_matches_the_pattern(rx):
    f = fast(rx)
    for text in TEXTS:
        want, got = rx.search(text), f.search(text)
        assert (want and want.span()) == (got and got.span()), (rx.pattern, text)
        assert [m.span() for m in rx.finditer(text)] == [m.span() for m in f.finditer(text)]
    split = fast(rx, split=True)
    for text in TEXTS:
        want, got = rx.search(text), split.search(text)
        assert (want and (want.start(), want.group(0))) == (got and (got.start(), got.group(0))), (rx.pattern, text)


def test_needles_are_the_words_a_match_needs():
    assert needles_of(re.compile(r"\bsprint planning\b|\bplanning poker\b", re.I)) == frozenset(
        {frozenset({"sprint planning"}), frozenset({"planning poker"})})
    # a prefix re factors out of an alternation is joined back: "stand" + ("up" | "-up")
    standup = needles_of(re.compile(r"\b(standup|stand-up)s?\b", re.I))
    assert {w for conj in standup for w in conj} >= {"standup", "stand-up"}
    assert all("standup" in conj or "stand-up" in conj for conj in standup)   # "understand" is ruled out
    # words that are all required stay together
    assert needles_of(re.compile(r"\bepic\b.{0,20}\bstory\b")) == frozenset({frozenset({"epic", "story"})})
    # nothing certain: no shortcut
    assert needles_of(re.compile(r"\bP[0-4]\b")) is None


def test_alternatives_split_at_the_top_level_and_open_a_spanning_group():
    assert _alternatives(r"(?i:a|b(c|d))|[|]x|\|y") == ["(?i:a)", "(?i:b(c|d))", "[|]x", r"\|y"]
    assert _alternatives(r"(a)|(b)") == ["(a)", "(b)"]
