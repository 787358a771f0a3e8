"""Fast searches of prose for the document-reading rules.

Many rules search every process document with a handful of case-insensitive
regular expressions. On a large repository (rails/rails: a few hundred guides of
up to 256 KB) Python's ``re`` scans such a pattern position by position — a
pattern that starts with ``\\b`` or an alternation gets no literal-prefix
speed-up — and one rule could take seconds.

:func:`fast` wraps a compiled pattern with the literal words a match must
contain, derived from the pattern itself (for each alternative, the words all of
which it needs): a document that holds no alternative's words (lower-cased, for a
case-insensitive pattern) cannot match, and a substring test
in C rules it out before the regular expression runs. The wrapper answers
``search``, ``finditer`` and ``match`` exactly as the pattern would.
"""

from __future__ import annotations

import re
from functools import lru_cache

try:  # Python ≥ 3.11 keeps the parser here; older ones have the same module at top level
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

MIN_NEEDLE = 3


def lowered(text: str) -> str:
    """``text.lower()``, computed once per long document (strings cache their hash, so the lookup is cheap)."""
    return _lowered(text) if len(text) > 2048 else text.lower()


@lru_cache(maxsize=256)   # bounded: at most a few hundred documents of at most 512 KB are kept lowered
def _lowered(text: str) -> str:
    return text.lower()


Needles = frozenset  # a disjunction (frozenset) of conjunctions (frozensets of literal words)
MAX_TERMS = 16


def _and(a: frozenset, b: frozenset) -> frozenset:
    """The conjunction of two disjunctions, or ``a`` when the product would grow too large."""
    if len(a) * len(b) > MAX_TERMS:
        return a
    return frozenset(x | y for x in a for y in b)


def _strength(dnf: frozenset) -> tuple[int, int]:
    # The weakest alternative decides how often the filter lets a document through.
    return min(sum(len(n) for n in conj) for conj in dnf), -len(dnf)


def _lead(seq) -> str:
    """The literal text a parsed sequence starts with."""
    out = []
    for op, av in seq:
        if op is not _c.LITERAL:
            break
        out.append(chr(av))
    return "".join(out)


def _needles(seq, fold: bool):
    """Literal words a match of the parsed sequence must contain, as a disjunction of conjunctions, or None."""
    conj: set[str] = set()
    options: list[frozenset] = []
    run: list[str] = []

    def close_run():
        if len(run) >= MIN_NEEDLE:
            word = "".join(run)
            conj.add(word.lower() if fold else word)
        run.clear()

    def take(dnf):
        if not dnf:
            return
        if len(dnf) == 1:
            conj.update(next(iter(dnf)))
        else:
            options.append(dnf)

    for op, av in seq:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        prev_run = "".join(run)
        close_run()
        if op is _c.SUBPATTERN:
            take(_needles(av[-1], fold))
        elif op is _c.BRANCH:
            alts = [_needles(alt, fold) for alt in av[1]]
            if all(alts):
                take(frozenset().union(*alts))
            # re factors a common prefix out of an alternation ("standup|stand-up" is "stand" followed by
            # "up|-up"): the literal before the branch, joined to each alternative's leading literal.
            if prev_run:
                joined = {prev_run + _lead(alt) for alt in av[1]}
                if min(len(w) for w in joined) > len(prev_run):
                    options.append(frozenset(frozenset({w.lower() if fold else w}) for w in joined))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
            take(_needles(av[2], fold))
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            take(_needles(av, fold))
    close_run()
    result = frozenset({frozenset(conj)}) if conj else None
    for dnf in sorted(options, key=_strength, reverse=True):
        result = dnf if result is None else _and(result, dnf)
    return result


def needles_of(rx: re.Pattern[str]) -> frozenset | None:
    """The literal words a match of ``rx`` must contain — any one of a set of conjunctions (lower-cased for
    a case-insensitive pattern) — or None when no word is certain."""
    if rx.flags & (re.VERBOSE | re.LOCALE) or isinstance(rx.pattern, bytes):
        return None
    try:
        parsed = _p.parse(rx.pattern, rx.flags)
    except Exception:  # noqa: BLE001 - an unparsable pattern just gets no shortcut
        return None
    return _needles(list(parsed), _folds(rx))


def _folds(rx: re.Pattern[str]) -> bool:
    # A pattern that is case-insensitive anywhere (``(?i:...)`` included) is prefiltered on lower-cased
    # text with lower-cased needles: the exact-case literals of its other parts are present then too.
    return bool(rx.flags & re.IGNORECASE) or "(?i" in rx.pattern


class Fast:
    """A compiled pattern that skips texts lacking every literal a match needs."""

    __slots__ = ("rx", "needles", "fold", "pattern", "flags")

    def __init__(self, rx: re.Pattern[str]):
        self.rx = rx
        self.needles = needles_of(rx)
        self.fold = _folds(rx)
        self.pattern = rx.pattern
        self.flags = rx.flags

    def possible(self, text: str) -> bool:
        """Whether ``text`` holds the literal words some match would need (False: it cannot match)."""
        if not self.needles:
            return True
        hay = lowered(text) if self.fold else text
        return any(all(n in hay for n in conj) for conj in self.needles)

    def search(self, text: str, *args):
        return self.rx.search(text, *args) if self.possible(text) else None

    def match(self, text: str, *args):
        return self.rx.match(text, *args)

    def fullmatch(self, text: str, *args):
        return self.rx.fullmatch(text, *args)

    def finditer(self, text: str, *args):
        return self.rx.finditer(text, *args) if self.possible(text) else iter(())

    def findall(self, text: str, *args):
        return self.rx.findall(text, *args) if self.possible(text) else []

    def sub(self, *args, **kw):
        return self.rx.sub(*args, **kw)

    def __repr__(self) -> str:
        terms = sorted(" & ".join(sorted(c)) for c in self.needles or ())
        return f"Fast({self.rx!r}, needles={terms[:8]})"


def _top_level_alternatives(pattern: str) -> list[str]:
    """``pattern`` split at its top-level ``|`` (outside groups, classes and escapes)."""
    parts, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "]":   # "[]...]": a literal ] first in the class
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives, with a group that spans a whole alternative (``(?i:a|b)``) opened up."""
    out = []
    for part in _top_level_alternatives(pattern):
        m = re.fullmatch(r"\(\?(i?):(.*)\)", part, re.DOTALL)
        inner = _top_level_alternatives(m.group(2)) if m and _balanced(m.group(2)) else []
        if len(inner) > 1:
            out += [f"(?{m.group(1)}:{p})" for p in inner]
        else:
            out.append(part)
    return out


def _balanced(pattern: str) -> bool:
    """Whether every group opened in ``pattern`` closes in it (so an enclosing group spans all of it)."""
    depth, in_class, i = 0, False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "]":
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


class FastAny:
    """A top-level alternation searched one alternative at a time, each with its own literal filter.

    ``search`` returns what the whole pattern would: the leftmost match, and at equal positions the first
    alternative. Groups are numbered per alternative, so only ``group(0)`` is meaningful.
    """

    __slots__ = ("whole", "parts", "pattern", "flags", "needles")

    def __init__(self, rx: re.Pattern[str]):
        self.whole = Fast(rx)
        self.parts = tuple(Fast(re.compile(p, rx.flags)) for p in _alternatives(rx.pattern))
        self.pattern, self.flags, self.needles = rx.pattern, rx.flags, self.whole.needles

    def possible(self, text: str) -> bool:
        return any(p.possible(text) for p in self.parts)

    def search(self, text: str, *args):
        best = None
        for part in self.parts:
            m = part.search(text, *args)
            if m and (best is None or m.start() < best.start()):
                best = m
        return best

    def finditer(self, text: str, *args):
        return self.whole.finditer(text, *args)

    def match(self, text: str, *args):
        return self.whole.match(text, *args)

    def __repr__(self) -> str:
        return f"FastAny({len(self.parts)} alternatives of {self.whole!r})"


def fast(pattern: str | re.Pattern[str], flags: int = 0, *, split: bool = False) -> Fast | FastAny:
    """Compile (if needed) and wrap ``pattern`` for fast searching of long documents.

    With ``split``, each top-level alternative is searched on its own (see :class:`FastAny`): worth it when
    some alternatives have rare words and others common ones, and only the whole match is used.
    """
    rx = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, flags)
    if split and len(_alternatives(rx.pattern)) > 1:
        return FastAny(rx)
    return Fast(rx)
