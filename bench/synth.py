"""Deterministic generator of large, realistic-looking synthetic git repositories.

What it builds: one linear-ish ``main`` history of exactly ``commits`` commits
(all reachable from HEAD) for a made-up TypeScript service, with

* ``authors`` people with a Zipf-like skew (a few heavy contributors, a long
  tail), each active over their own window of time, each in a fixed timezone
  offset; some commit under two email spellings that the repository's
  ``.mailmap`` folds together, plus a dependency bot;
* pull-request merges (a branch of 1-4 commits merged with ``Merge pull request
  #N from acme/feature-N``), squash commits with a ``(#N)`` suffix, and direct
  commits to main;
* annotated semver tags ``vX.Y.Z`` on release commits roughly every ~300
  commits, with CHANGELOG.md and package.json bumps, and hotfix patch releases;
* conventional-commit-ish subjects (feat:/fix:/docs:/chore: ...), some
  ``Revert "..."`` commits that name the reverted hash and really undo it,
  ticket references (``PROJ-123``, ``#45``), ``Co-authored-by:`` trailers;
* dates spread over six years with a weekday and working-hour bias in each
  author's local time;
* thousands of small text files (src/, tests/, docs/, .github/, package.json,
  README.md, CHANGELOG.md ...) whose contents change a few lines at a time, so
  ``git log --numstat`` has real diffs, and occasional renames and deletions.

How: a single ``git fast-import`` process is fed by a Python generator; no git
process is started per commit. Everything is drawn from one
``random.Random(seed)``, author and committer identities and dates are explicit,
so the same parameters always give the same commit hashes (on any machine and
git version). The only feedback read from fast-import is ``get-mark`` for the
hash a revert message names, which is itself deterministic.

Run it on its own::

    python bench/synth.py --commits 10000 --out /tmp/synth-10k
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

# Bump when the generated history changes on purpose; it is part of the cache key
# (together with a hash of this file) so stale cached repositories are not reused.
GENERATOR_VERSION = 1

# History spans ~6 years and ends before the audits' --as-of date (2026-11-23).
START = calendar.timegm((2020, 11, 23, 0, 0, 0))
END = calendar.timegm((2026, 11, 20, 0, 0, 0))
DAY = 86400

ORG = "acme"
PROJECT = "orbit"
SCRATCH_REF = "refs/heads/_synth-pr"  # branch used for PR commits, deleted afterwards


@dataclass(frozen=True)
class SynthParams:
    """The inputs that fully determine a synthetic repository."""

    commits: int = 100_000
    authors: int = 60
    seed: int = 42

    def key(self) -> str:
        """Cache directory name: parameters + generator version + source hash."""
        src = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]
        return (
            f"synth-n{self.commits}-a{self.authors}-s{self.seed}"
            f"-g{GENERATOR_VERSION}-{src}"
        )


# --------------------------------------------------------------------------- #
# Vocabulary. Plain lists (never sets) so iteration order is fixed.
# --------------------------------------------------------------------------- #

FIRST = [
    "Alice", "Bob", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines",
    "Jonas", "Kavya", "Liam", "Maya", "Nikolai", "Olga", "Pedro", "Quinn", "Rosa",
    "Sanjay", "Tomas", "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Anders",
    "Beatriz", "Chen", "Daniela", "Emeka", "Freya", "Gustavo", "Hana", "Ivan",
    "Julia", "Kenji", "Leila", "Marco", "Nadia", "Oscar", "Priya", "Rafael",
    "Sofia", "Tariq", "Ugo", "Vera", "Wojciech", "Yara", "Zane",
]
LAST = [
    "Smith", "Novak", "Garcia", "Ivanova", "Tanaka", "Okafor", "Muller", "Rossi",
    "Kowalski", "Haddad", "Nguyen", "Silva", "Jensen", "Patel", "Dubois", "Kim",
    "Larsen", "Moreau", "Fischer", "Costa", "Eriksson", "Yilmaz", "Schmidt",
    "Bianchi", "Horvat", "Lopez", "Berg", "Sato", "Khan", "Popescu", "Weber",
    "Ortega", "Nowak", "Andersen", "Fernandes", "Dvorak", "Park", "Richter",
]
# Fixed offsets (minutes east of UTC), weighted towards a European team.
TZ_CHOICES = [60, 60, 60, 60, 120, 120, 0, 0, -300, -300, -480, 330, -180, 540]

MODULES = [
    "api", "auth", "billing", "cli", "core", "db", "events", "export", "gateway",
    "i18n", "ingest", "jobs", "ledger", "mail", "metrics", "notify", "orders",
    "payments", "profile", "queue", "reports", "search", "session", "storage",
    "sync", "tenant", "ui", "users", "webhooks", "workflow", "audit", "cache",
    "catalog", "config", "crypto", "geo", "inventory", "media", "pricing", "rules",
]
NOUNS = [
    "pagination", "retry", "timeout", "token", "invoice", "cursor", "batch",
    "schema", "handler", "validator", "mapper", "client", "adapter", "parser",
    "formatter", "limiter", "resolver", "loader", "writer", "reader", "store",
    "index", "router", "filter", "policy", "session", "webhook", "export", "import",
    "migration", "cache", "queue", "worker", "scheduler", "serializer", "metrics",
    "logger", "config", "locale", "currency", "address", "report", "audit",
]
FEAT_VERBS = ["add", "support", "introduce", "implement", "allow", "expose", "enable"]
FIX_VERBS = ["fix", "handle", "avoid", "correct", "guard against", "prevent"]
FIX_OBJ = [
    "null {n} in {m}", "race in {n} {m}", "off-by-one in {n}", "crash when {n} is empty",
    "wrong {n} after retry", "timezone bug in {n}", "memory leak in {m} {n}",
    "duplicate {n} on reconnect", "missing {n} header", "stale {n} cache",
]
DOC_OBJ = [
    "document {n} options", "update {m} guide", "fix typo in {n} docs",
    "clarify {n} behaviour", "add example for {m} {n}", "describe release process",
]
CHORE_OBJ = [
    "bump {dep} to {ver}", "update CI matrix", "tidy {m} imports", "update lockfile",
    "clean up {n} warnings", "pin node version", "update .gitignore",
]
REFACTOR_OBJ = [
    "extract {n} from {m}", "simplify {m} {n}", "rename {n} helpers", "split {m} module",
    "move {n} to {m}", "inline {n} wrapper",
]
TEST_OBJ = ["add tests for {m} {n}", "cover {n} edge cases", "stabilise flaky {m} test"]
PERF_OBJ = ["speed up {m} {n}", "cache {n} lookups", "reduce allocations in {n}"]
CI_OBJ = ["run tests on node 20", "cache npm in CI", "add lint job", "split CI workflow"]
WIP_SUBJECTS = [
    "address review comments", "fix tests", "wip", "review feedback", "fix lint",
    "Update {n}.ts", "more tests", "oops", "rename per review", "Apply suggestions from code review",
]
TYPES = ["feat", "fix", "docs", "chore", "refactor", "test", "ci", "perf", "style"]
TYPE_W = [30, 30, 8, 10, 8, 7, 3, 2, 2]
DEPS = [
    "express", "lodash", "zod", "pino", "undici", "dayjs", "uuid", "typescript",
    "eslint", "vitest", "prettier", "pg", "ioredis", "jsonwebtoken", "left-pad",
]
# Local hour-of-day weights: working hours, lunch dip, a bit of evening.
HOUR_W = [1, 0.5, 0.3, 0.2, 0.2, 0.3, 1, 3, 8, 12, 13, 12, 6, 10, 12, 12, 11, 9, 5, 3, 3, 3, 2, 1.5]
HOUR_CUM = [sum(HOUR_W[: i + 1]) for i in range(24)]
# Probability that a commit survives on a given local weekday (Mon..Sun).
WEEKDAY_KEEP = [1.0, 1.0, 1.0, 1.0, 0.9, 0.12, 0.08]


@dataclass
class Author:
    """One contributor: identity (and an alternative spelling), timezone, habits."""

    name: str
    email: str
    tz: int  # minutes east of UTC, fixed (no DST)
    weight: float
    start: int  # active window, unix seconds
    end: int
    home: list[str]  # preferred modules
    alt_name: str | None = None
    alt_email: str | None = None
    alt_until: int = 0  # uses the alternative spelling before this time
    bot: bool = False

    def ident(self, ts: int) -> tuple[str, str]:
        """Name and email as written in a commit made at ``ts``."""
        if self.alt_email and ts < self.alt_until:
            return self.alt_name or self.name, self.alt_email
        return self.name, self.email


@dataclass
class Slot:
    """A point in time and the author who commits then."""

    ts: int
    author: int


@dataclass
class Undo:
    """What a direct commit changed, so a later revert can undo it exactly."""

    mark: int
    subject: str
    index: int  # commit counter when it was made
    old: dict[str, list[str] | None]  # path -> previous lines (None: did not exist)


@dataclass
class State:
    """The file tree of main as the generator models it."""

    files: dict[str, list[str]] = field(default_factory=dict)
    by_module: dict[str, list[str]] = field(default_factory=dict)  # src files per module
    tests: dict[str, list[str]] = field(default_factory=dict)
    docs: list[str] = field(default_factory=list)
    last_touch: dict[str, int] = field(default_factory=dict)


def _fmt_tz(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    m = abs(minutes)
    return f"{sign}{m // 60:02d}{m % 60:02d}"


class Generator:
    """Writes the fast-import stream for one repository.

    Call :meth:`run` with a binary writer (fast-import's stdin) and a callable
    that returns the hash of a mark (backed by fast-import's ``get-mark``).
    """

    def __init__(self, params: SynthParams):
        self.p = params
        self.rng = Random(params.seed)
        self.mark = 0
        self.count = 0  # commits emitted so far
        self.pr_number = 0
        self.ticket = 100
        self.version = [0, 1, 0]
        self.next_release = 0
        self.changelog: list[str] = []
        self.pending_notes: list[str] = []
        self.deps = {d: f"{1 + i % 4}.{i % 7}.{i % 3}" for i, d in enumerate(DEPS)}
        self.state = State()
        self.undo: deque[Undo] = deque(maxlen=40)
        self.file_serial = 0
        self.out = None
        self.get_mark = None
        self.stats = {"merges": 0, "squash": 0, "direct": 0, "pr_commits": 0,
                      "reverts": 0, "tags": 0, "renames": 0, "deletes": 0}
        self.authors = self._make_authors()
        self.slots = self._make_slots()
        self.slot_i = 0
        self.maintainers = list(range(min(5, len(self.authors))))

    # ----------------------------------------------------------------- people
    def _make_authors(self) -> list[Author]:
        rng, n = self.rng, self.p.authors
        names: list[str] = []
        while len(names) < n - 1:  # the last author is the dependency bot
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if name not in names:
                names.append(name)
        span = END - START
        authors = []
        for i, name in enumerate(names):
            first, last = name.split(" ")
            weight = 1.0 / (i + 1) ** 1.1  # Zipf-like skew: a few heavy hitters
            if i < 5:  # core maintainers: around for (nearly) the whole history
                start = START + int(rng.random() * 0.05 * span)
                end = END
            else:  # the tail joins and leaves; some stay a few months only
                length = int(span * rng.choice([0.1, 0.2, 0.3, 0.5, 0.8]))
                start = START + int(rng.random() * (span - length))
                end = start + length
            a = Author(
                name=name,
                email=f"{first.lower()}.{last.lower()}@{ORG}.example",
                tz=rng.choice(TZ_CHOICES),
                weight=weight,
                start=start,
                end=end,
                home=rng.sample(MODULES, 3),
            )
            if i % 7 == 3:  # a second spelling, folded by .mailmap
                handle = f"{first[0].lower()}{last.lower()}"
                variant = rng.choice(["noreply", "personal", "caps"])
                if variant == "noreply":
                    a.alt_email = f"{1000 + i * 37}+{handle}@users.noreply.github.com"
                    a.alt_name = handle
                elif variant == "personal":
                    a.alt_email = f"{handle}@mail.example"
                else:
                    a.alt_email = f"{first}.{last}@{ORG.upper()}.example"
                    a.alt_name = name.lower()
                a.alt_until = start + int((end - start) * rng.uniform(0.2, 0.6))
            authors.append(a)
        authors.append(Author(
            name="dependabot[bot]",
            email="49699333+dependabot[bot]@users.noreply.github.com",
            tz=0, weight=0.04, start=START + span // 4, end=END, home=[], bot=True,
        ))
        return authors

    def _make_slots(self) -> list[Slot]:
        """Draw one (time, author) slot per commit and sort them by time.

        The author is drawn first (skewed), then a day in their active window
        and an hour in *their* local time, so the weekday/working-hour bias
        holds for everyone whatever their timezone.
        """
        rng = self.rng
        cum = []
        total = 0.0
        for a in self.authors:
            total += a.weight
            cum.append(total)
        slots = []
        for _ in range(self.p.commits):
            ai = bisect.bisect_right(cum, rng.random() * total)
            ai = min(ai, len(self.authors) - 1)
            a = self.authors[ai]
            while True:
                # Activity grows over the project's life: u**0.8 leans towards later days.
                u = rng.random() ** 0.8
                local_day = (a.start + a.tz * 60) // DAY + int(u * ((a.end - a.start) // DAY))
                # 1970-01-01 was a Thursday (weekday 3).
                if a.bot or rng.random() < WEEKDAY_KEEP[(local_day + 3) % 7]:
                    break
            hour = bisect.bisect_right(HOUR_CUM, rng.random() * HOUR_CUM[-1])
            local = local_day * DAY + min(hour, 23) * 3600 + rng.randrange(3600)
            slots.append(Slot(ts=local - a.tz * 60, author=ai))
        slots.sort(key=lambda s: (s.ts, s.author))
        return slots

    def _slot(self, want: list[int] | None = None) -> Slot:
        """Next slot in time order; with ``want``, prefer one of those authors.

        A commit whose author is fixed by the story (the rest of a PR branch, a
        merge by a maintainer) takes the nearest upcoming slot of that author,
        swapped forward, so it keeps their working hours; the slot it displaces
        is used a little later (real histories are not strictly time-ordered).
        """
        i = min(self.slot_i, len(self.slots) - 1)
        if want:
            for j in range(i, min(i + 400, len(self.slots))):
                if self.slots[j].ts - self.slots[i].ts > 3 * DAY:
                    break  # don't pull a slot from far in the future
                if self.slots[j].author in want:
                    self.slots[i], self.slots[j] = self.slots[j], self.slots[i]
                    break
        self.slot_i += 1
        return self.slots[i]

    def _other_author(self, not_this: int, pool: list[int] | None = None) -> int:
        pool = pool or list(range(len(self.authors) - 1))
        for _ in range(10):
            x = self.rng.choice(pool)
            if x != not_this:
                return x
        return pool[0]

    # ------------------------------------------------------------- messages
    def _words(self) -> dict[str, str]:
        rng = self.rng
        return {
            "n": rng.choice(NOUNS),
            "m": rng.choice(MODULES),
            "dep": rng.choice(DEPS),
            "ver": f"{rng.randrange(1, 9)}.{rng.randrange(20)}.{rng.randrange(10)}",
        }

    def _subject(self, ctype: str, module: str) -> str:
        rng, w = self.rng, self._words()
        w["m"] = module
        if ctype == "feat":
            text = f"{rng.choice(FEAT_VERBS)} {w['n']} to {module}"
        elif ctype == "fix":
            text = f"{rng.choice(FIX_VERBS)} " + rng.choice(FIX_OBJ).format(**w)
        elif ctype == "docs":
            text = rng.choice(DOC_OBJ).format(**w)
        elif ctype == "chore":
            text = rng.choice(CHORE_OBJ).format(**w)
        elif ctype == "refactor":
            text = rng.choice(REFACTOR_OBJ).format(**w)
        elif ctype == "test":
            text = rng.choice(TEST_OBJ).format(**w)
        elif ctype == "perf":
            text = rng.choice(PERF_OBJ).format(**w)
        elif ctype == "ci":
            text = rng.choice(CI_OBJ)
        else:
            text = f"format {module} {w['n']}"
        r = rng.random()
        if r < 0.12:  # not everyone follows the convention
            return text[0].upper() + text[1:]
        scope = f"({module})" if rng.random() < 0.35 else ""
        subject = f"{ctype}{scope}: {text}"
        if r > 0.85:
            self.ticket += rng.randrange(1, 4)
            subject = f"[PROJ-{self.ticket}] {subject}"
        return subject

    def _body(self, author: int, co_prob: float) -> str:
        """Optional body: prose, ticket refs, Co-authored-by trailers."""
        rng = self.rng
        parts = []
        if rng.random() < 0.45:
            parts.append(
                f"The {rng.choice(NOUNS)} path in {rng.choice(MODULES)} did not handle "
                f"the {rng.choice(NOUNS)} case.\nThis keeps behaviour unchanged otherwise."
            )
        trailers = []
        r = rng.random()
        if r < 0.25:
            self.ticket += rng.randrange(1, 3)
            trailers.append(f"Refs: PROJ-{self.ticket}")
        elif r < 0.40:
            trailers.append(f"{rng.choice(['Fixes', 'Closes'])} #{rng.randrange(1, max(2, self.pr_number + 50))}")
        if rng.random() < co_prob:
            co = self.authors[self._other_author(author)]
            trailers.append(f"Co-authored-by: {co.name} <{co.email}>")
        if trailers:
            parts.append("\n".join(trailers))
        return "\n\n".join(parts)

    # ---------------------------------------------------------------- files
    def _new_src_path(self, module: str) -> str:
        self.file_serial += 1
        noun = self.rng.choice(NOUNS)
        sub = self.rng.choice(["", "", "internal/", "handlers/", "models/"])
        return f"src/{module}/{sub}{noun}-{self.file_serial}.ts"

    def _content(self, path: str, n: int) -> list[str]:
        if path.endswith(".md"):
            return [f"# {Path(path).stem}", ""] + [self._prose() for _ in range(n)]
        return [f"// {path}"] + [self._code_line() for _ in range(n)]

    def _code_line(self) -> str:
        rng = self.rng
        k = rng.randrange(4)
        noun, x = rng.choice(NOUNS), rng.randrange(10000)
        if k == 0:
            return f"export const {noun}Limit{x % 97} = {x};"
        if k == 1:
            return f"export function {noun}{x % 89}(input: number): number {{ return input * {x % 13 + 1}; }}"
        if k == 2:
            return f"import {{ {noun}{x % 31} }} from './{rng.choice(NOUNS)}';"
        return f"// TODO({rng.choice(MODULES)}): revisit {noun} handling ({x})"

    def _prose(self) -> str:
        rng = self.rng
        return (f"The {rng.choice(NOUNS)} of {rng.choice(MODULES)} is configured "
                f"with `{rng.choice(NOUNS)}` (default {rng.randrange(1000)}).")

    def _edit(self, lines: list[str], path: str) -> list[str]:
        """A small realistic edit: change, insert or delete a few lines."""
        rng = self.rng
        new = list(lines)
        fresh = self._prose if path.endswith(".md") else self._code_line
        r = rng.random()
        body = max(1, len(new) - 1)
        if r < 0.55 and len(new) > 1:
            for _ in range(rng.randrange(1, 3)):
                new[1 + rng.randrange(body)] = fresh()
        elif r < 0.9 or len(new) < 5:
            at = 1 + rng.randrange(body)
            new[at:at] = [fresh() for _ in range(rng.randrange(1, 5))]
        else:
            at = 1 + rng.randrange(body - 1)
            del new[at:at + rng.randrange(1, 3)]
        if len(new) > 60:  # keep files small: trim the tail
            del new[40 + rng.randrange(10):]
        return new

    def _test_path(self, src: str) -> str:
        rest = src[len("src/"):].replace("/internal/", "/").replace("/handlers/", "/").replace("/models/", "/")
        return "tests/" + rest[:-3] + ".test.ts"

    # ------------------------------------------------------- stream output
    def _data(self, text: str | bytes) -> bytes:
        b = text.encode() if isinstance(text, str) else text
        return b"data %d\n" % len(b) + b + b"\n"

    def _commit(self, ref: str, slot: Slot, message: str, changes: dict[str, list[str] | None],
                *, author: int | None = None, committer: str | None = None,
                author_ts: int | None = None, from_mark: int | None = None,
                merge_mark: int | None = None) -> int:
        """Emit one commit; ``changes`` maps path -> new lines (None deletes)."""
        self.mark += 1
        self.count += 1
        a = self.authors[slot.author if author is None else author]
        ats = slot.ts if author_ts is None else author_ts
        name, email = a.ident(ats)
        out = [b"commit %s\nmark :%d\n" % (ref.encode(), self.mark)]
        out.append(f"author {name} <{email}> {ats} {_fmt_tz(a.tz)}\n".encode())
        if committer is None:
            out.append(f"committer {name} <{email}> {slot.ts} {_fmt_tz(a.tz)}\n".encode())
        else:
            out.append(f"committer {committer} {slot.ts} +0000\n".encode())
        out.append(self._data(message.rstrip("\n") + "\n"))
        if from_mark is not None:
            out.append(b"from :%d\n" % from_mark)
        if merge_mark is not None:
            out.append(b"merge :%d\n" % merge_mark)
        for path, lines in changes.items():
            if lines is None:
                out.append(b"D %s\n" % path.encode())
            else:
                out.append(b"M 100644 inline %s\n" % path.encode())
                out.append(self._data("\n".join(lines) + "\n"))
        out.append(b"\n")
        self.out.write(b"".join(out))
        return self.mark

    def _apply(self, changes: dict[str, list[str] | None]) -> dict[str, list[str] | None]:
        """Apply changes to main's modelled tree; return the previous contents."""
        st, old = self.state, {}
        for path, lines in changes.items():
            old[path] = st.files.get(path)
            if lines is None:
                st.files.pop(path, None)
                self._unindex(path)
            else:
                if path not in st.files:
                    self._index(path)
                st.files[path] = lines
            st.last_touch[path] = self.count
        return old

    def _index(self, path: str) -> None:
        st = self.state
        if path.startswith("src/"):
            st.by_module.setdefault(path.split("/")[1], []).append(path)
        elif path.startswith("tests/"):
            st.tests.setdefault(path.split("/")[1], []).append(path)
        elif path.startswith("docs/"):
            st.docs.append(path)

    def _unindex(self, path: str) -> None:
        st = self.state
        if path.startswith("src/"):
            st.by_module[path.split("/")[1]].remove(path)
        elif path.startswith("tests/"):
            st.tests[path.split("/")[1]].remove(path)
        elif path.startswith("docs/"):
            st.docs.remove(path)

    # ------------------------------------------------------ change recipes
    def _module_for(self, author: int, ctype: str) -> str:
        rng, a = self.rng, self.authors[author]
        mods = [m for m in self.state.by_module if self.state.by_module[m]]
        if ctype == "feat" and rng.random() < 0.004:  # now and then a brand-new module
            unused = [m for m in MODULES if m not in mods]
            if unused:
                return unused[0]
        if a.home and rng.random() < 0.7:
            homes = [m for m in a.home if self.state.by_module.get(m)]
            if homes:
                return rng.choice(homes)
        return rng.choice(mods)

    def _changes(self, ctype: str, module: str, view: dict[str, list[str] | None],
                 avoid: set[str] | None = None, structural: bool = True) -> dict[str, list[str] | None]:
        """Decide which files a commit of type ``ctype`` touches and how.

        ``view`` overlays main's tree (a PR branch's own changes); ``avoid``
        lists paths another line of work is touching (keeps merges clean);
        ``structural`` allows renames and deletions.
        """
        rng, st = self.rng, self.state
        avoid = avoid or set()
        ch: dict[str, list[str] | None] = {}

        def current(path: str) -> list[str] | None:
            if path in ch:
                return ch[path]
            if path in view:
                return view[path]
            return st.files.get(path)

        def edit(path: str) -> None:
            if path in avoid:
                return
            cur = current(path)
            ch[path] = self._edit(cur, path) if cur else self._content(path, rng.randrange(3, 9))

        srcs = st.by_module.get(module, [])
        if ctype in ("feat", "fix", "refactor", "perf", "style", "test"):
            n = {"feat": rng.randrange(1, 5), "fix": rng.randrange(1, 3),
                 "refactor": rng.randrange(2, 7), "test": 0}.get(ctype, rng.randrange(1, 3))
            picked = rng.sample(srcs, min(n, len(srcs))) if srcs else []
            if ctype == "feat" and (rng.random() < 0.18 or not picked):
                new = self._new_src_path(module)
                ch[new] = self._content(new, rng.randrange(3, 10))
                if rng.random() < 0.7:
                    t = self._test_path(new)
                    ch[t] = self._content(t, rng.randrange(3, 8))
            for p in picked:
                edit(p)
            if ctype in ("feat", "fix", "test") and picked and rng.random() < 0.6:
                edit(self._test_path(picked[0]))
            if ctype == "test" and not ch:
                tests = st.tests.get(module) or [self._test_path(s) for s in srcs[:1]]
                if tests:
                    edit(rng.choice(tests))
            if structural and ctype == "refactor" and picked and rng.random() < 0.25:
                # Rename: delete + add with (nearly) the same content -> rename detection.
                src = picked[0]
                if src not in avoid and current(src):
                    dst = self._new_src_path(rng.choice(MODULES))
                    ch[dst] = current(src)
                    ch[src] = None
                    self.stats["renames"] += 1
            if structural and ctype == "refactor" and len(srcs) > 6 and rng.random() < 0.05:
                victim = rng.choice(srcs)
                if victim not in avoid and victim not in ch:
                    ch[victim] = None
                    self.stats["deletes"] += 1
            if ctype == "feat" and rng.random() < 0.1:
                edit(rng.choice(st.docs) if st.docs else "README.md")
        elif ctype == "docs":
            if rng.random() < 0.1 or not st.docs:
                self.file_serial += 1
                path = f"docs/{rng.choice(NOUNS)}-{self.file_serial}.md"
                ch[path] = self._content(path, rng.randrange(3, 8))
            else:
                edit(rng.choice(st.docs) if rng.random() < 0.8 else "README.md")
        elif ctype == "chore":
            r = rng.random()
            if r < 0.5:
                self._bump_dep(ch)
            elif r < 0.7:
                edit(".gitignore")
            else:
                edit(rng.choice(srcs) if srcs else "README.md")
        elif ctype == "ci":
            edit(rng.choice([".github/workflows/ci.yml", ".github/workflows/ci.yml",
                             ".github/workflows/release.yml"]))
        if not ch:  # every commit changes something
            edit(rng.choice(srcs) if srcs else "README.md")
            if not ch:
                self.file_serial += 1
                path = f"docs/notes-{self.file_serial}.md"
                ch[path] = self._content(path, 3)
        return ch

    def _package_json(self) -> list[str]:
        doc = {
            "name": f"@{ORG}/{PROJECT}",
            "version": ".".join(map(str, self.version)),
            "private": True,
            "scripts": {"build": "tsc -p .", "test": "vitest run", "lint": "eslint src tests"},
            "dependencies": self.deps,
        }
        return json.dumps(doc, indent=2).split("\n")

    def _bump_dep(self, ch: dict[str, list[str] | None]) -> str:
        rng = self.rng
        dep = rng.choice(DEPS)
        old = self.deps[dep]
        major, minor, patch = map(int, old.split("."))
        new = f"{major}.{minor}.{patch + 1}" if rng.random() < 0.7 else f"{major}.{minor + 1}.0"
        self.deps = dict(self.deps)
        self.deps[dep] = new
        ch["package.json"] = self._package_json()
        return f"bump {dep} from {old} to {new}"

    # --------------------------------------------------------------- events
    def _initial(self) -> None:
        rng, st = self.rng, self.state
        slot = self._slot()
        ch: dict[str, list[str] | None] = {}
        for m in MODULES[:12]:
            st.by_module[m] = []
            for _ in range(rng.randrange(3, 8)):
                p = self._new_src_path(m)
                ch[p] = self._content(p, rng.randrange(3, 12))
                t = self._test_path(p)
                ch[t] = self._content(t, rng.randrange(3, 8))
        for topic in ["architecture", "getting-started", "deployment", "api", "contributing"]:
            ch[f"docs/{topic}.md"] = self._content(f"docs/{topic}.md", 6)
        ch["README.md"] = [f"# {PROJECT}", "", f"The {PROJECT} service.", "", "## Usage", "", "npm start"]
        ch["CHANGELOG.md"] = ["# Changelog", ""]
        ch["LICENSE"] = ["MIT License", "", f"Copyright (c) 2020 {ORG}"]
        ch[".gitignore"] = ["node_modules/", "dist/", "coverage/", ".env"]
        ch[".editorconfig"] = ["root = true", "", "[*]", "indent_style = space", "indent_size = 2"]
        ch["tsconfig.json"] = ['{', '  "compilerOptions": { "strict": true, "outDir": "dist" }', '}']
        ch["package.json"] = self._package_json()
        ch[".github/workflows/ci.yml"] = [
            "name: CI", "on: [push, pull_request]", "jobs:", "  test:",
            "    runs-on: ubuntu-latest", "    steps:", "      - uses: actions/checkout@v4",
            "      - run: npm ci", "      - run: npm test",
        ]
        ch[".github/workflows/release.yml"] = [
            "name: Release", "on:", "  push:", "    tags: ['v*']", "jobs:", "  publish:",
            "    runs-on: ubuntu-latest", "    steps:", "      - run: npm publish",
        ]
        ch[".github/pull_request_template.md"] = ["## What", "", "## Why", "", "## Ticket", "PROJ-"]
        owners = ["# Code owners"]
        for m in MODULES:
            owner = self.authors[rng.randrange(min(8, len(self.authors) - 1))]
            owners.append(f"/src/{m}/ @{ORG}/{owner.name.split()[0].lower()}")
        ch[".github/CODEOWNERS"] = owners
        mailmap = []
        for a in self.authors:
            if a.alt_email:
                alt = f"{a.alt_name} <{a.alt_email}>" if a.alt_name else f"<{a.alt_email}>"
                mailmap.append(f"{a.name} <{a.email}> {alt}")
        ch[".mailmap"] = mailmap
        self._commit("refs/heads/main", slot, "Initial commit", ch)
        self._apply(ch)
        self.next_release = 150 + rng.randrange(300)

    def _direct(self, *, avoid: set[str] | None = None, structural: bool = True,
                squash: bool = False) -> None:
        """A commit straight on main (or a squash-merged PR when ``squash``)."""
        rng = self.rng
        slot = self._slot()
        if self.authors[slot.author].bot:
            slot = Slot(slot.ts, self._other_author(-1))
        ctype = rng.choices(TYPES, TYPE_W)[0]
        if not squash and rng.random() < 0.02:
            ctype = "fix"
        module = self._module_for(slot.author, ctype)
        ch = self._changes(ctype, module, {}, avoid, structural)
        subject = self._subject(ctype, module)
        if not squash and rng.random() < 0.02:
            subject = rng.choice(["hotfix: ", "fix: hotfix for "]) + subject.split(": ", 1)[-1]
        kwargs = {}
        if squash:
            self.pr_number += 1
            subject = f"{subject} (#{self.pr_number})"
            kwargs = {"committer": "GitHub <noreply@github.com>",
                      "author_ts": slot.ts - rng.randrange(600, 5 * DAY)}
            self.stats["squash"] += 1
        else:
            self.stats["direct"] += 1
        body = self._body(slot.author, 0.15 if squash else 0.04)
        mark = self._commit("refs/heads/main", slot, subject + ("\n\n" + body if body else ""), ch, **kwargs)
        old = self._apply(ch)
        if structural and all(v is not None for v in ch.values()):
            self.undo.append(Undo(mark, subject, self.count, old))
        self.pending_notes.append(subject)
        if subject.startswith(("hotfix", "fix: hotfix")) and rng.random() < 0.5:
            self.next_release = 0  # ship the hotfix right away as a patch release

    def _revert(self) -> bool:
        """Revert a recent commit whose files nobody touched since; False if none."""
        for u in reversed(self.undo):
            if self.count - u.index > 200:
                break
            if all(self.state.last_touch.get(p) == u.index for p in u.old):
                self.undo.remove(u)
                break
        else:
            return False
        self.out.flush()
        sha = self.get_mark(u.mark)
        slot = self._slot()
        ch = {p: (list(v) if v is not None else None) for p, v in u.old.items()}
        msg = f'Revert "{u.subject}"\n\nThis reverts commit {sha}.'
        self._commit("refs/heads/main", slot, msg, ch)
        self._apply(ch)
        self.stats["reverts"] += 1
        self.pending_notes.append(f'Revert "{u.subject}"')
        return True

    def _pull_request(self, budget: int) -> None:
        """A feature branch of 1-4 commits, maybe a commit on main meanwhile, a merge."""
        rng = self.rng
        fork = self.mark  # main's tip (main is the only branch with commits so far)
        first = self._slot()
        author = first.author
        bot = self.authors[author].bot
        k = 1 if bot else min(rng.choice([1, 1, 2, 2, 3, 4]), budget - 1)
        interleave = budget - 1 - k >= 1 and rng.random() < 0.3
        self.pr_number += 1
        n = self.pr_number
        branch = f"{ORG}/feature-{n}"
        overlay: dict[str, list[str] | None] = {}
        title = ""
        ctype = rng.choices(TYPES, TYPE_W)[0]
        module = self._module_for(author, ctype) if not bot else "deps"
        tip = 0
        for j in range(k):
            slot = first if j == 0 else self._slot([author])
            if bot:
                ch: dict[str, list[str] | None] = {}
                subject = "chore(deps): " + self._bump_dep(ch)
                branch = f"{ORG}/dependabot/npm_and_yarn/{subject.split()[2]}-{self.deps[subject.split()[2]]}"
                msg = subject
            else:
                ch = self._changes(ctype, module, overlay, structural=False)
                if j == 0:
                    subject = self._subject(ctype, module)
                    title = subject
                else:
                    subject = rng.choice(WIP_SUBJECTS).format(**self._words())
                body = self._body(author, 0.05)
                msg = subject + ("\n\n" + body if body else "")
            title = title or msg.split("\n")[0]
            tip = self._commit(SCRATCH_REF, slot, msg, ch, author=author,
                               from_mark=fork if j == 0 else None)
            overlay.update(ch)
            self.stats["pr_commits"] += 1
        if interleave:
            self._direct(avoid=set(overlay), structural=False)
        # The merge's tree is main's tree plus the branch's changes (disjoint by construction).
        slot = self._slot(self.maintainers)
        # Who pressed "Merge" on GitHub: a maintainer, mostly the one whose slot came up.
        merger = slot.author if slot.author in self.maintainers else self.rng.choice(self.maintainers)
        msg = f"Merge pull request #{n} from {branch}\n\n{title}"
        self._commit("refs/heads/main", slot, msg, dict(overlay), author=merger,
                     committer="GitHub <noreply@github.com>", merge_mark=tip)
        self._apply(overlay)
        self.stats["merges"] += 1
        self.pending_notes.append(title)

    def _release(self) -> None:
        rng = self.rng
        if self.pending_notes and self.pending_notes[-1].startswith(("hotfix", "fix: hotfix")):
            bump = "patch"
        else:
            bump = rng.choices(["patch", "minor", "major"], [75, 22, 3])[0]
        if bump == "major" and self.version[0] == 0:
            bump = "minor"
        if bump == "patch":
            self.version[2] += 1
        elif bump == "minor":
            self.version[1] += 1
            self.version[2] = 0
        else:
            self.version = [self.version[0] + 1, 0, 0]
        tag = "v" + ".".join(map(str, self.version))
        slot = self._slot(self.maintainers)
        releaser = slot.author if slot.author in self.maintainers else rng.choice(self.maintainers)
        day = time.strftime("%Y-%m-%d", time.gmtime(slot.ts))
        notes = [f"- {s}" for s in self.pending_notes[-6:]]
        self.changelog = [f"## {tag} ({day})", ""] + notes + [""] + self.changelog
        self.pending_notes = []
        ch = {"CHANGELOG.md": ["# Changelog", ""] + self.changelog, "package.json": self._package_json()}
        mark = self._commit("refs/heads/main", slot, f"chore(release): {tag}", ch, author=releaser)
        self._apply(ch)
        a = self.authors[releaser]
        tagger = f"{a.name} <{a.email}> {slot.ts + rng.randrange(60, 900)} {_fmt_tz(a.tz)}"
        self.out.write(b"tag %s\nfrom :%d\ntagger %s\n" % (tag.encode(), mark, tagger.encode()))
        self.out.write(self._data(f"Release {tag}\n"))
        self.stats["tags"] += 1
        self.next_release = 200 + rng.randrange(200)  # ~300 commits between tags

    # ------------------------------------------------------------------ run
    def run(self, out, get_mark) -> None:
        """Write the whole stream to ``out``; ``get_mark(n)`` returns a mark's hash."""
        self.out, self.get_mark = out, get_mark
        rng = self.rng
        self._initial()
        while self.count < self.p.commits:
            budget = self.p.commits - self.count
            self.next_release -= 1
            if self.next_release <= 0:
                self._release()
                continue
            r = rng.random()
            if r < 0.35 and budget >= 2:
                self._pull_request(budget)
            elif r < 0.60:
                self._direct(squash=True)
            elif r < 0.61 and self._revert():
                pass
            else:
                self._direct()
        out.write(b"done\n")


def git_env(home: str) -> dict[str, str]:
    """A sanitized environment for git: no inherited GIT_*, no user/system config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({
        "HOME": home,
        "XDG_CONFIG_HOME": home,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
        "TZ": "UTC",
    })
    return env


def build(params: SynthParams, dest: Path) -> dict:
    """Build the repository at ``dest`` (must not exist); return its metadata."""
    t0 = time.perf_counter()
    dest = Path(dest)
    home = tempfile.mkdtemp(prefix="synth-home-")
    env = git_env(home)
    try:
        subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], env=env, check=True)
        # fast-import answers get-mark on a separate pipe (--cat-blob-fd).
        rfd, wfd = os.pipe()
        proc = subprocess.Popen(
            ["git", "fast-import", "--quiet", "--done", "--date-format=raw",
             f"--cat-blob-fd={wfd}"],
            cwd=dest, env=env, stdin=subprocess.PIPE, pass_fds=(wfd,), bufsize=1 << 20,
        )
        os.close(wfd)
        reader = os.fdopen(rfd, "rb", buffering=0)

        def get_mark(mark: int) -> str:
            proc.stdin.write(b"get-mark :%d\n" % mark)
            proc.stdin.flush()
            line = b""
            while not line.endswith(b"\n"):
                chunk = reader.read(41 - len(line))
                if not chunk:
                    raise RuntimeError("fast-import closed its answer pipe")
                line += chunk
            return line.decode().strip()

        gen = Generator(params)
        t_gen = time.perf_counter()
        try:
            gen.run(proc.stdin, get_mark)
            proc.stdin.close()
        finally:
            rc = proc.wait()
            reader.close()
        if rc != 0:
            raise RuntimeError(f"git fast-import failed with exit code {rc}")
        t_import = time.perf_counter()
        subprocess.run(["git", "update-ref", "-d", SCRATCH_REF], cwd=dest, env=env, check=True)
        # Check out the tree so the repository looks like a normal clone.
        subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=dest, env=env, check=True)
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=dest, env=env, check=True,
                              capture_output=True, text=True).stdout.strip()
        n = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=dest, env=env, check=True,
                           capture_output=True, text=True).stdout.strip()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    meta = {
        "params": {"commits": params.commits, "authors": params.authors, "seed": params.seed},
        "generator_version": GENERATOR_VERSION,
        "key": params.key(),
        "head": head,
        "commits": int(n),
        "files_at_head": len(gen.state.files),
        "stats": gen.stats,
        "build_seconds": round(time.perf_counter() - t0, 2),
        "setup_seconds": round(t_gen - t0, 2),
        "import_seconds": round(t_import - t_gen, 2),
    }
    if meta["commits"] != params.commits:
        raise RuntimeError(f"built {meta['commits']} commits, expected {params.commits}")
    return meta


def ensure(params: SynthParams, workdir: Path, log=print) -> tuple[Path, dict, bool]:
    """Return (path, metadata, built_now) for a cached build, building it if absent.

    Builds go to a temporary sibling directory and are renamed into place when
    complete, so an interrupted build is never mistaken for a cached one.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    dest = workdir / params.key()
    meta_file = dest / ".git" / "synth-meta.json"
    if meta_file.is_file():
        return dest, json.loads(meta_file.read_text()), False
    tmp = Path(tempfile.mkdtemp(prefix=params.key() + ".tmp-", dir=workdir))
    try:
        log(f"building synthetic repository {params.key()} ...")
        meta = build(params, tmp / "repo")
        (tmp / "repo" / ".git" / "synth-meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        if dest.exists():  # a concurrent run finished first; keep theirs
            return dest, json.loads(meta_file.read_text()), False
        os.replace(tmp / "repo", dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"built {meta['commits']} commits in {meta['build_seconds']} s -> {dest}")
    return dest, meta, True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build a deterministic synthetic git repository.")
    ap.add_argument("--commits", type=int, default=SynthParams.commits)
    ap.add_argument("--authors", type=int, default=SynthParams.authors)
    ap.add_argument("--seed", type=int, default=SynthParams.seed)
    ap.add_argument("--out", type=Path, required=True, help="directory to create (must not exist)")
    args = ap.parse_args(argv)
    if args.out.exists():
        ap.error(f"{args.out} already exists")
    if args.commits < 2 or args.authors < 2:
        ap.error("need at least 2 commits and 2 authors")
    meta = build(SynthParams(args.commits, args.authors, args.seed), args.out)
    json.dump(meta, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
