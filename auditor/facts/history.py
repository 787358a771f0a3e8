"""The history, read in one streaming pass of ``git log``.

Memory does not grow with per-commit objects: every commit is folded into
compact columns (time, author, flags — a few bytes each) and into aggregates
bounded by the size of the tree or the team (ownership per current file,
authors, weeks). Full records — subject, body, trailers, paths — are kept only
for the most recent ``window`` commits, which is what the rules that quote
commits need. Per-file line counts, which cost git about 30× more than paths,
are read only for the most recent ``size_window`` commits.

What each commit contributes that depends only on the commit is kept between
audits by :mod:`auditor.facts.history_cache`, so a repeat audit reads only new
commits from git (docs/adr/0005-history-reading-and-cache.md).
"""

from __future__ import annotations

import hashlib
import itertools
import marshal
import re
import secrets
import sys
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.facts import paths as P
from auditor.facts.history_cache import (
    CHUNK,
    MAX_CHUNKS,
    SCHEMA,
    CacheConfig,
    CacheDamage,
    CacheProblem,
    Store,
    is_damaged,
    pack_chunk,
    set_aside,
)
from auditor.gitio import HASH_RE, GitError

if TYPE_CHECKING:
    from auditor.gitio import Git

# -- commit flags: one bit each, stored in an array per commit -------------------------
MERGE = 1 << 0
MAINLINE = 1 << 1          # on the first-parent line of the audited revision
PR_MERGE = 1 << 2          # "Merge pull request #N" (GitHub) or a Bitbucket/Azure equivalent
SQUASH_PR = 1 << 3         # subject ends with "(#N)": squash- or rebase-merged pull request
MR_MERGE = 1 << 4          # GitLab "See merge request !N"
GERRIT = 1 << 5            # Change-Id / Reviewed-on trailers
REVIEW_TRAILER = 1 << 6    # Reviewed-by / Approved-by / Acked-by
COAUTHORED = 1 << 7
REVERT = 1 << 8
HOTFIX = 1 << 9
FIX = 1 << 10
FEAT = 1 << 11
CONVENTIONAL = 1 << 12
TICKET = 1 << 13           # references an issue or ticket
TOUCH_TEST = 1 << 14
TOUCH_SOURCE = 1 << 15
TOUCH_DOCS = 1 << 16
TOUCH_CHANGELOG = 1 << 17
TOUCH_CI = 1 << 18
CI_FIX = 1 << 19           # "fix ci", "fix build", "fix pipeline"
BRANCH_MERGE = 1 << 20     # "Merge branch 'x'" — a local feature-branch merge
WIP = 1 << 21

REVIEWED = PR_MERGE | SQUASH_PR | MR_MERGE | GERRIT | REVIEW_TRAILER

_CONVENTIONAL = re.compile(r"^(feat|fix|docs|style|refactor|perf|test|tests|build|ci|chore|revert)(\([^)]{1,60}\))?!?: ",
                           re.I)
_FEAT = re.compile(r"^(feat|feature)\b|^(add|adds|added|implement|implements|implemented|introduce|new|support)\b",
                   re.I)
_FIX = re.compile(r"^(fix|fixes|fixed|bugfix|hotfix|patch|resolve|resolves|correct)\b|\bfix(es|ed)?\b", re.I)
_HOTFIX = re.compile(r"\bhot[- ]?fix\b|\bquick ?fix\b|\burgent\b|\bemergency\b", re.I)
_REVERT = re.compile(r'^Revert\b|^revert[:(]', re.I)
_CI_FIX = re.compile(r"\bfix(e[sd])?\b.{0,20}\b(ci|build|pipeline|workflow|tests? failing|lint)\b", re.I)
_WIP = re.compile(r"^(wip|tmp|temp|update|updates|changes|misc|stuff|\.+|-+|asdf|test)\s*$", re.I)
_PR_MERGE = re.compile(r"^Merge pull request #(\d+) from (\S+)|^Merged in (\S+) \(pull request #(\d+)\)"
                       r"|^Merged PR (\d+):")
_SQUASH = re.compile(r"\(#(\d+)\)\s*$")
_BRANCH_MERGE = re.compile(r"^Merge (?:remote-tracking )?branch '([^']+)'")
_MR = re.compile(r"^See merge request (\S*!\d+)", re.M)
_JIRA = re.compile(r"\b([A-Z][A-Z0-9]{1,9})-(\d{1,6})\b")
_ISSUE = re.compile(r"(?:^|[\s(\[])(?:GH-|#)(\d{1,6})\b")
_CLOSING = re.compile(r"\b(close[sd]?|fix(e[sd])?|resolve[sd]?)\s+(?:[\w.-]+/[\w.-]+)?#\d+", re.I)
_NOT_TICKET_KEYS = {"UTF", "ISO", "SHA", "RFC", "HTTP", "TLS", "SSL", "CVE", "PEP", "GPL", "LGPL", "AGPL",
                    "MIT", "BSD", "AES", "RSA", "ECMA", "IEEE", "ANSI", "ASCII", "WCAG", "X86", "ARM", "GCC",
                    "LLVM", "CI", "API", "V", "AMD", "HEAD", "OS", "CWE", "GHSA", "RHSA", "DSA", "USN"}

MAX_BODY = 4000
_BLOCK = 4096   # commits selected at a time by History.indices


@dataclass(frozen=True, slots=True)
class Commit:
    """A full commit record (kept only for the recent window)."""

    hash: str
    parents: tuple[str, ...]
    author: str
    email: str
    time: int                     # author time, epoch seconds
    tz_minutes: int               # author's UTC offset
    commit_time: int
    subject: str
    body: str
    trailers: tuple[tuple[str, str], ...]
    paths: tuple[str, ...]
    flags: int

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def date(self) -> str:
        return datetime.fromtimestamp(self.time + self.tz_minutes * 60, tz=UTC).date().isoformat()

    @property
    def short(self) -> str:
        return self.hash[:8]

    def has(self, flag: int) -> bool:
        return bool(self.flags & flag)


@dataclass
class AuthorStats:
    """One person (identity after ``.mailmap``) and their activity."""

    name: str
    email: str
    commits: int = 0
    first_time: int = 0
    last_time: int = 0
    names: set[str] = field(default_factory=set)


@dataclass
class Ownership:
    """Who touched each file of the current tree, counted in commits."""

    by_path: dict[str, Counter[int]] = field(default_factory=dict)


@dataclass
class History:
    """The history of the audited revision, as columns, aggregates and a recent window."""

    available: bool
    reason: str = ""                       # why the history is unavailable or partial
    is_shallow: bool = False
    truncated: bool = False                # --max-commits / --since cut it short
    total: int = 0
    times: array = field(default_factory=lambda: array("q"))       # author time per commit, newest first
    authors_of: array = field(default_factory=lambda: array("l"))  # author id per commit
    flags: array = field(default_factory=lambda: array("Q"))       # flag bits per commit
    authors: list[AuthorStats] = field(default_factory=list)
    recent: list[Commit] = field(default_factory=list)             # newest first, at most `window`
    window: int = 0
    ownership: Ownership = field(default_factory=Ownership)
    ticket_keys: Counter[str] = field(default_factory=Counter)     # Jira/Linear project keys
    issue_refs: int = 0                                            # commits citing "#N"/GH-N
    branch_names: Counter[str] = field(default_factory=Counter)    # merged branch names seen
    examples: dict[str, list[Commit]] = field(default_factory=dict)  # flag name -> newest examples
    first: Commit | None = None                                    # oldest commit
    sizes: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # hash -> (files, added, deleted)
    size_window: int = 0
    reached: frozenset[str] = frozenset()   # the commits of ``watch`` (see read_history) that the history holds
    # How the history was read, for the method appendix; not part of the history itself.
    notes: list[str] = field(default_factory=list, compare=False)   # e.g. why the cache was not used
    reading: dict[str, int] = field(default_factory=dict, compare=False)  # commits from git / from the cache

    # -- windows -----------------------------------------------------------------------

    def indices(self, *, since: int | None = None, until: int | None = None, flags_all: int = 0,
                flags_none: int = 0) -> Iterator[int]:
        """Indices of commits (newest first) within a time window and with/without flags."""
        # Selected a block at a time: a comprehension is several times faster per commit than
        # a generator, and a caller that stops early (the newest N) still stops early.
        for start in self._blocks(since):
            yield from self._select(since, until, flags_all, flags_none, start, min(self.total, start + _BLOCK))

    def _blocks(self, since: int | None) -> range:
        """Starts of the blocks that may hold a commit at or after ``since``."""
        if since is None:
            return range(0, self.total, _BLOCK)
        # Author times are not in order (rebases, clock skew), but the newest time from a block
        # onwards only falls: once it is older than ``since``, no later block can match. A
        # "last 90 days" question then reads the newest blocks of a long history, not all of it.
        newest = self._newest_from()
        n = next((b for b, t in enumerate(newest) if t < since), len(newest))
        return range(0, n * _BLOCK, _BLOCK)

    def _newest_from(self) -> list[int]:
        """For each block, the newest author time in it or in any older block."""
        cached = self.__dict__.get("_newest")
        if cached is None or cached[0] != self.total:
            per_block = [max(self.times[i:i + _BLOCK]) for i in range(0, self.total, _BLOCK)]
            cached = (self.total, list(itertools.accumulate(reversed(per_block), max))[::-1])
            self.__dict__["_newest"] = cached
        return cached[1]

    def _select(self, since: int | None, until: int | None, flags_all: int, flags_none: int,
                start: int = 0, end: int | None = None) -> list[int]:
        end = self.total if end is None else end
        rng = range(start, end)
        fl = self.flags[start:end] if start or end != len(self.flags) else self.flags
        if since is None and until is None:
            if not flags_all and not flags_none:
                return list(rng)
            return [i for i, f in zip(rng, fl) if f & flags_all == flags_all and not f & flags_none]
        lo = since if since is not None else -(1 << 63)
        hi = until if until is not None else (1 << 63) - 1
        times = self.times[start:end] if start or end != len(self.times) else self.times
        if not flags_all and not flags_none:
            return [i for i, t in zip(rng, times) if lo <= t <= hi]
        return [i for i, t, f in zip(rng, times, fl)
                if lo <= t <= hi and f & flags_all == flags_all and not f & flags_none]

    def count(self, *, since: int | None = None, until: int | None = None, flags_all: int = 0,
              flags_none: int = 0) -> int:
        if since is None:
            return len(self._select(since, until, flags_all, flags_none))
        return sum(1 for _ in self.indices(since=since, until=until, flags_all=flags_all, flags_none=flags_none))

    def mainline(self, limit: int | None = None, *, until: int | None = None) -> list[int]:
        """Indices of first-parent commits, newest first."""
        out = []
        for i in self.indices(flags_all=MAINLINE, until=until):
            out.append(i)
            if limit is not None and len(out) >= limit:
                break
        return out

    def recent_where(self, flag: int = 0, *, exclude: int = 0) -> list[Commit]:
        return [c for c in self.recent if (c.flags & flag) == flag and not (c.flags & exclude)]

    @property
    def first_time(self) -> int | None:
        return self.times[self.total - 1] if self.total else None

    @property
    def last_time(self) -> int | None:
        return self.times[0] if self.total else None


# -- reading -------------------------------------------------------------------------
#
# Two stages. *Parsing* turns one ``git log`` record into a per-commit record that
# depends on nothing but the commit (and the .mailmap): that is what the cache keeps.
# *Folding* adds a record to the History; it is the only stage that knows the audited
# revision (first-parent line) and the current tree (ownership). An uncached read and
# a cached one feed the same records to the same fold, in the same order, so they give
# the same History.

# A per-commit record, as a tuple for speed and compact storage:
R_PARENTS, R_NAME, R_EMAIL, R_TIME, R_TZ, R_CTIME, R_SUBJECT, R_TRAILERS, R_PATHS, R_FLAGS = range(10)
#   parents: tuple[str, ...]; name, email: bytes (after .mailmap); time, tz (minutes), ctime: int;
#   subject: str; trailers: tuple[tuple[str, str], ...]; paths: bytes (NUL-separated, raw);
#   flags: int — the bits above except MAINLINE, plus the private bits below.
_ISSUE_REF = 1 << 40       # private: the subject or body cites "#N"/GH-N (History.issue_refs)
_PUBLIC = (1 << 40) - 1

_UNSEEN = object()


def _format(token: str) -> str:
    return f"%x00{token}%x00%H%x00%P%x00%aN%x00%aE%x00%at%x00%ad%x00%ct%x00%s%x00%(trailers:unfold,only)%x00%b"


def _log_args(token: str) -> list[str]:
    return ["log", "-z", "--name-only", "--no-renames", "--no-ext-diff", "--no-textconv", "--date=format:%z",
            f"--format={_format(token)}"]


def read_history(git: Git, rev: str, *, tree_paths: Iterable[str] = (), window: int = 1000,
                 size_window: int = 300, max_commits: int | None = None, since: str | None = None,
                 is_shallow: bool = False, mailmap_blob: str | None = None, progress=None,
                 cache: CacheConfig | None = None, identity: str | None = None,
                 mailmap_oid: str | None = None, forbidden: Iterable[Path] = (),
                 watch: Iterable[str] = ()) -> History:
    """Read the history of ``rev`` once and fold it into a :class:`History`.

    With ``cache``, per-commit records are taken from and added to the history cache
    (see :mod:`auditor.facts.history_cache`); ``identity`` names the repository there
    (its git directory or URL) and ``forbidden`` lists directories the cache must not
    lie in. A cache that cannot be used never fails the read: it is read from git
    instead and ``History.notes`` says why.

    ``watch`` names commits to look out for (the commits tags point at): those the
    history holds are in ``History.reached`` — which answers "is this tag merged?"
    for free, where ``git for-each-ref --merged`` walks the whole graph again.
    """
    if mailmap_blob:
        git.extra_config = (*git.extra_config, f"mailmap.blob={mailmap_blob}")
    plan = _Plan(git=git, rev=rev, tree_paths=set(tree_paths), window=window, size_window=size_window,
                 limits=_limits(max_commits, since), progress=progress, watch=frozenset(watch))
    notes: list[str] = []
    if cache is not None and is_shallow:
        notes.append("the history cache is not used for a shallow clone (its oldest commits lack parents)")
        cache = None
    history = None
    if cache is not None:
        try:
            history = _read_with_cache(plan, cache, identity=identity or _identity(git),
                                       mailmap=mailmap_oid or _mailmap_oid(git, mailmap_blob),
                                       forbidden=forbidden, notes=notes)
        except CacheProblem as exc:
            notes.append(f"the history cache was not used ({exc}); the history was read from git")
            if is_damaged(exc) and set_aside(cache):
                notes.append(f"the damaged cache file was moved to {cache.path.name}.damaged; "
                             "a new one is started on the next audit")
        except GitError:
            raise  # git itself failed: reading without the cache would fail the same way
        except Exception as exc:  # noqa: BLE001 - whatever goes wrong with the cache, git is the truth
            notes.append(f"the history cache failed ({type(exc).__name__}: {str(exc)[:200]}); "
                         "the history was read from git")
    if history is None:
        history = _read_from_git(plan)
    history.notes = notes
    history.is_shallow = is_shallow
    history.truncated = bool(max_commits or since)
    return history


def _limits(max_commits: int | None, since: str | None) -> list[str]:
    out = []
    if max_commits:
        out.append(f"--max-count={int(max_commits)}")
    if since:
        out.append(f"--since={since}")
    return out


@dataclass
class _Plan:
    """What to read and how to fold it (the arguments of read_history)."""

    git: Git
    rev: str
    tree_paths: set[str]
    window: int
    size_window: int
    limits: list[str]
    progress: object
    watch: frozenset[str] = frozenset()
    snapshot_key: str = ""

    def folder(self, mainline: set[str]) -> _Folder:
        return _Folder(tree_paths=self.tree_paths, mainline=mainline, window=self.window, progress=self.progress,
                       watch=self.watch)


def _read_from_git(plan: _Plan, collect: _Collector | None = None) -> History:
    """The uncached read: one streaming ``git log``, folded as it arrives.

    The first-parent line (``git rev-list --first-parent``) and the line counts of the
    size window (``git log --numstat``) are read by git on the other core while the
    main stream starts; the stream's first chunks are kept until the first-parent
    line is known, since the fold needs it from the first commit.
    """
    git, rev = plan.git, plan.rev
    token = secrets.token_hex(8)
    with ThreadPoolExecutor(max_workers=2) as pool:
        first_parent = pool.submit(_first_parent, git, rev, plan.limits)
        sizes = pool.submit(_read_sizes, git, rev, plan.size_window) if plan.size_window else None
        stream = git.stream(*_log_args(token), *plan.limits, rev, "--")
        early: list[bytes] = []
        for chunk in stream:
            early.append(chunk)
            if first_parent.done():
                break
        folder = plan.folder(first_parent.result())
        parser = _Parser()
        _fold_stream(itertools.chain(early, stream), f"\0{token}\0".encode(), parser, folder, collect)
        history = folder.finish()
        if sizes is not None and history.total:
            history.sizes = sizes.result()
            history.size_window = min(plan.size_window, history.total)
    history.reading = {"from_git": history.total, "from_cache": 0}
    return history


def _fold_stream(chunks: Iterable[bytes], sep: bytes, parser: _Parser, folder: _Folder | None,
                 collect: _Collector | None) -> None:
    """Split git's output into records, parse them and fold them a chunk at a time."""
    parse = parser.parse
    pending = b""
    for chunk in chunks:
        pending += chunk
        parts = pending.split(sep)
        pending = parts.pop()
        _take([p for p in map(parse, filter(None, parts)) if p is not None], folder, collect)
    if pending:
        _take([p for p in (parse(pending),) if p is not None], folder, collect)


def _take(parsed: list, folder: _Folder | None, collect: _Collector | None) -> None:
    if folder is not None:
        folder.fold_many(parsed)
    if collect is not None:
        for sha, rec, body in parsed:
            collect.add(sha, rec, body)


def _first_parent(git: Git, rev: str, limits: list[str]) -> set[str]:
    return set(git.run("rev-list", "--first-parent", *limits, rev, "--").decode("ascii", "replace").split())


def _rev_list(git: Git, rev: str, limits: list[str]) -> list[str]:
    """Every commit ``git log`` would show, in the same order (the same revision walk)."""
    return git.run("rev-list", *limits, rev, "--", max_output=1 << 30).decode("ascii", "replace").split()


def _read_sizes(git: Git, rev: str, n: int) -> dict[str, tuple[int, int, int]]:
    """Files changed and lines added/deleted for the newest ``n`` non-merge commits."""
    out = git.run("log", "--no-merges", f"--max-count={n}", "--numstat", "--no-renames", "--no-ext-diff",
                  "--no-textconv", "--format=%x00%H", rev, "--", max_output=256 * 1024 * 1024)
    return _parse_numstat(out)


def _read_sizes_of(git: Git, hashes: list[str]) -> dict[str, tuple[int, int, int]]:
    """Line counts of the given commits (``git log --no-walk``, hashes on stdin)."""
    out = git.run("log", "--no-walk=unsorted", "--stdin", "--numstat", "--no-renames", "--no-ext-diff",
                  "--no-textconv", "--format=%x00%H", input="".join(f"{h}\n" for h in hashes).encode(),
                  max_output=256 * 1024 * 1024)
    return _parse_numstat(out)


def _parse_numstat(out: bytes) -> dict[str, tuple[int, int, int]]:
    sizes: dict[str, tuple[int, int, int]] = {}
    for block in out.split(b"\0")[1:]:
        lines = block.split(b"\n")
        h = lines[0].decode("ascii", "replace").strip()
        files = added = deleted = 0
        for ln in lines[1:]:
            parts = ln.split(b"\t", 2)
            if len(parts) != 3:
                continue
            files += 1
            if parts[0].isdigit():
                added += int(parts[0])
            if parts[1].isdigit():
                deleted += int(parts[1])
        sizes[h] = (files, added, deleted)
    return sizes


# -- reading through the cache ----------------------------------------------------------


class _Collector:
    """Keeps the records of a read for the cache, packed a chunk at a time.

    With ``keep``, the records and bodies also stay available by hash (for a read of
    the few commits the cache lacked, which are folded with the cached ones).
    """

    def __init__(self, keep: bool = False):
        self.order: list[str] = []
        self.packed: list[tuple] = []
        self.records: dict[str, tuple] | None = {} if keep else None
        self.bodies: dict[str, bytes] | None = {} if keep else None
        self._hashes: list[str] = []
        self._records: list[tuple] = []
        self._bodies: list[bytes] = []

    def add(self, sha: str, rec: tuple, body: bytes) -> None:
        self.order.append(sha)
        self._hashes.append(sha)
        self._records.append(rec)
        self._bodies.append(body)
        if self.records is not None:
            self.records[sha] = rec
            self.bodies[sha] = body
        if len(self._hashes) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._hashes:
            self.packed.append(pack_chunk(self._hashes, self._records, self._bodies))
            self._hashes, self._records, self._bodies = [], [], []

    def chunks(self) -> list[tuple]:
        self._flush()
        return self.packed


def _read_with_cache(plan: _Plan, config: CacheConfig, *, identity: str, mailmap: str,
                     forbidden: Iterable[Path], notes: list[str]) -> History:
    """Read through the cache: only commits it lacks come from ``git log``."""
    git = plan.git
    store = Store.open(config, forbidden=forbidden)
    try:
        variant = f"{_fingerprint()}:{mailmap}"
        tip = plan.rev if HASH_RE.match(plan.rev) else git.run(
            "rev-parse", "--verify", "--end-of-options", f"{plan.rev}^{{commit}}").decode("ascii").strip()
        ns = store.namespace(identity, variant)
        plan.snapshot_key = _snapshot_key(plan, tip)
        if ns is None:
            return _fill(plan, store, identity, variant, tip, notes, replace=False)
        try:
            blob = store.snapshot(ns, plan.snapshot_key)
            if blob is not None:
                # This very revision was folded before, with the same window, limits and tree.
                history = _unpack_history(blob)
                if plan.progress is not None:
                    for n in range(5000, history.total + 1, 5000):
                        plan.progress(n)
                try:
                    store.touch(identity, variant)
                except CacheProblem as exc:
                    notes.append(f"the history cache was read but not updated ({exc})")
                return history
            return _read_known(plan, store, ns, identity, variant, tip, notes)
        except CacheDamage as exc:
            notes.append(f"the history cache held a damaged entry ({exc}); the history was read from git "
                         "and the entry rewritten")
            return _fill(plan, store, identity, variant, tip, notes, replace=True)
    finally:
        store.close()


def _read_known(plan: _Plan, store: Store, ns: int, identity: str, variant: str, tip: str,
                notes: list[str]) -> History:
    """Read a repository the cache has seen: fold cached records, read only the missing ones."""
    git = plan.git
    unlimited = not plan.limits
    with ThreadPoolExecutor(max_workers=2) as pool:
        # Which commits to fold comes from git (rev-list, on the other core while the
        # cache is read) unless this very tip was listed before: a hash fixes its ancestry.
        walk = store.walk(ns, tip) if unlimited else None
        walk_known = walk is not None
        listing = None if walk_known else pool.submit(_rev_list, git, plan.rev, plan.limits)
        first_parent = None if unlimited else pool.submit(_first_parent, git, plan.rev, plan.limits)
        sizes_job = None if unlimited or not plan.size_window else pool.submit(
            _read_sizes, git, plan.rev, plan.size_window)
        loaded = store.load(ns)
        if listing is not None:
            walk = listing.result()
        records = loaded.records
        missing = [h for h in walk if h not in records]
        if len(missing) * 2 > len(walk):
            # Mostly new to the cache (a rewritten history, another branch): one streaming
            # read is faster than naming each commit, and it compacts the namespace.
            return _fill(plan, store, identity, variant, tip, notes, replace=True)
        fresh = _Collector(keep=True)
        if missing:
            _read_commits(git, missing, fresh)
            records.update(fresh.records)
        mainline = _chain(records, tip) if unlimited else first_parent.result()
        new_bodies = fresh.bodies

        def body_of(sha: str) -> bytes:
            body = new_bodies.get(sha)
            return body if body is not None else loaded.body(sha)

        folder = plan.folder(mainline)
        folder.body_of = body_of
        try:
            folder.fold_many(zip(walk, map(records.__getitem__, walk), itertools.repeat(None)))
            history = folder.finish()
        except (TypeError, ValueError, IndexError, KeyError, AttributeError, UnicodeError) as exc:
            raise CacheDamage(f"a cached record is damaged ({type(exc).__name__})") from None
        new_sizes: dict[str, tuple[int, int, int]] = {}
        if plan.size_window and history.total:
            if sizes_job is not None:
                history.sizes = sizes_job.result()
            else:
                history.sizes, new_sizes = _sizes_from_cache(git, walk, records, loaded.sizes, plan.size_window)
            history.size_window = min(plan.size_window, history.total)
    history.reading = {"from_git": len(missing), "from_cache": history.total - len(missing)}
    chunks = fresh.chunks()
    try:
        drop = None
        if len(loaded.chunk_ids) + len(chunks) > MAX_CHUNKS:
            # Too many small chunks (one per audit that found new commits): rewrite them.
            drop = loaded.chunk_ids
            chunks = _repack(records, body_of)
        notes += store.save(identity, variant, chunks=chunks, drop_chunks=drop, sizes=new_sizes,
                            walk=(tip, walk) if unlimited and not walk_known else None,
                            snapshot=(plan.snapshot_key, _pack_history(history)))
    except CacheProblem as exc:
        notes.append(f"the history cache was read but not updated ({exc})")
    return history


def _fill(plan: _Plan, store: Store, identity: str, variant: str, tip: str, notes: list[str], *,
          replace: bool) -> History:
    """A full read from git that also stores every record (the cache had nothing or little)."""
    collect = _Collector()
    history = _read_from_git(plan, collect)
    try:
        notes += store.save(identity, variant, chunks=collect.chunks(), sizes=history.sizes,
                            walk=(tip, collect.order) if not plan.limits else None, replace=replace,
                            snapshot=(plan.snapshot_key, _pack_history(history)))
    except CacheProblem as exc:
        notes.append(f"the history was read from git but the cache was not updated ({exc})")
    return history


def _read_commits(git: Git, hashes: list[str], collect: _Collector) -> None:
    """Parse just these commits (``git log --no-walk``, hashes on stdin) into ``collect``."""
    token = secrets.token_hex(8)
    out = git.stream(*_log_args(token), "--no-walk=unsorted", "--stdin",
                     input="".join(f"{h}\n" for h in hashes).encode())
    _fold_stream(out, f"\0{token}\0".encode(), _Parser(), None, collect)
    want = set(hashes)
    got = set(collect.records)
    if not want <= got:
        raise CacheDamage(f"git did not print {len(want - got)} of the commits asked for")


def _chain(records: dict[str, tuple], tip: str) -> set[str]:
    """The first-parent line from ``tip`` (what ``git rev-list --first-parent`` prints)."""
    line: set[str] = set()
    sha: str | None = tip
    while sha is not None and sha not in line:
        rec = records.get(sha)
        if rec is None:
            raise CacheDamage("the first-parent line leaves the commits read")
        line.add(sha)
        parents = rec[R_PARENTS]
        sha = parents[0] if parents else None
    return line


def _sizes_from_cache(git: Git, walk: list[str], records: dict[str, tuple], cached: dict, n: int):
    """Line counts of the newest ``n`` non-merge commits, reading from git only those not cached."""
    newest = []
    for sha in walk:
        if len(records[sha][R_PARENTS]) <= 1:
            newest.append(sha)
            if len(newest) >= n:
                break
    missing = [h for h in newest if h not in cached]
    fresh = _read_sizes_of(git, missing) if missing else {}
    sizes = {}
    for h in newest:
        v = fresh.get(h) or cached.get(h)
        if v is None:
            raise CacheDamage("git did not print the line counts of a commit")
        sizes[h] = tuple(v)
    return sizes, fresh


def _repack(records: dict[str, tuple], body_of) -> list[tuple]:
    collect = _Collector()
    for sha, rec in records.items():
        collect.add(sha, rec, body_of(sha))
    return collect.chunks()


def _snapshot_key(plan: _Plan, tip: str) -> str:
    """What decides a folded History besides the namespace: the revision, the tree, the options."""
    h = hashlib.sha256(f"{tip}\0{plan.window}\0{plan.size_window}\0{plan.limits}\0".encode())
    h.update("\0".join(sorted(plan.tree_paths)).encode("utf-8", "surrogateescape"))
    h.update(("\0" + "\0".join(sorted(plan.watch))).encode("ascii", "replace"))
    return h.hexdigest()


def _commit_plain(c: Commit | None):
    return None if c is None else (c.hash, c.parents, c.author, c.email, c.time, c.tz_minutes, c.commit_time,
                                   c.subject, c.body, c.trailers, c.paths, c.flags)


def _pack_history(h: History) -> bytes:
    """A folded History as plain data (marshal, never pickle: loading it runs no code)."""
    plain = (
        h.total, h.times.typecode, h.times.tobytes(), h.authors_of.typecode, h.authors_of.tobytes(),
        h.flags.typecode, h.flags.tobytes(),
        [(a.name, a.email, a.commits, a.first_time, a.last_time, sorted(a.names)) for a in h.authors],
        [_commit_plain(c) for c in h.recent], h.window,
        [(path, list(counter.items())) for path, counter in h.ownership.by_path.items()],
        list(h.ticket_keys.items()), h.issue_refs, list(h.branch_names.items()),
        [(label, [_commit_plain(c) for c in commits]) for label, commits in h.examples.items()],
        _commit_plain(h.first), list(h.sizes.items()), h.size_window, sorted(h.reached),
    )
    return zlib.compress(marshal.dumps(plain), 1)


def _unpack_history(blob: bytes) -> History:
    try:
        (total, tt, times, at, authors_of, ft, flags, authors, recent, window, ownership, ticket_keys,
         issue_refs, branch_names, examples, first, sizes, size_window, reached) = marshal.loads(zlib.decompress(blob))
        def commit(v):
            return None if v is None else Commit(*v)

        h = History(available=True, total=total, window=window, issue_refs=issue_refs, size_window=size_window)
        h.times, h.authors_of, h.flags = array(tt, times), array(at, authors_of), array(ft, flags)
        h.authors = [AuthorStats(name=n, email=e, commits=c, first_time=f, last_time=la, names=set(ns))
                     for n, e, c, f, la, ns in authors]
        h.recent = [commit(c) for c in recent]
        h.ownership = Ownership(by_path={p: Counter(dict(items)) for p, items in ownership})
        h.ticket_keys, h.branch_names = Counter(dict(ticket_keys)), Counter(dict(branch_names))
        h.examples = {label: [commit(c) for c in commits] for label, commits in examples}
        h.first = commit(first)
        h.sizes = {k: tuple(v) for k, v in sizes}
        h.reached = frozenset(reached)
    except (ValueError, TypeError, EOFError, zlib.error) as exc:
        raise CacheDamage(f"a cached history is damaged ({type(exc).__name__})") from None
    if len(h.times) != total or len(h.flags) != total or len(h.authors_of) != total:
        raise CacheDamage("a cached history is damaged (column lengths)")
    h.reading = {"from_git": 0, "from_cache": total}
    return h


def _fingerprint() -> str:
    """What, besides the commit and the .mailmap, decides a record: this code and git's version."""
    from auditor import __version__
    from auditor.facts import history_cache, tree
    from auditor.gitio import git_version

    h = hashlib.sha256(f"{SCHEMA}\0{__version__}\0{git_version()}\0".encode())
    for module in (sys.modules[__name__], P, tree, history_cache):
        try:
            h.update(Path(module.__file__).read_bytes())
        except (OSError, TypeError):
            h.update(module.__name__.encode())
    return h.hexdigest()


def _identity(git: Git) -> str:
    """The audited repository's git directory: the shim borrows its objects (ADR 0004)."""
    try:
        borrowed = (Path(git.git_dir) / "objects" / "info" / "alternates").read_text().splitlines()
    except OSError:
        borrowed = []
    return str(Path(borrowed[0]).parent) if borrowed else str(git.git_dir)


def _mailmap_oid(git: Git, mailmap_blob: str | None) -> str:
    if not mailmap_blob:
        return ""
    out = git.run("rev-parse", "-q", "--verify", "--end-of-options", mailmap_blob, check=False)
    return out.decode("ascii", "replace").strip() or mailmap_blob


# -- parsing ---------------------------------------------------------------------------

_EXAMPLE_FLAGS = {"revert": REVERT, "hotfix": HOTFIX, "ci_fix": CI_FIX, "pr_merge": PR_MERGE,
                  "squash_pr": SQUASH_PR, "mr_merge": MR_MERGE, "gerrit": GERRIT, "ticket": TICKET,
                  "feat": FEAT, "fix": FIX, "direct": 0, "wip": WIP}
_EXAMPLES = 5
BODY_SCAN = 2000  # bytes of a body scanned for ticket and merge-request markers

# Bytes patterns for bodies, which are scanned without decoding them.
_B_MR = re.compile(rb"^See merge request (\S*!\d+)", re.M)
# Ticket keys are upper case; only the closing keywords ("Fixes #12") are matched case-insensitively.
_B_TICKET = re.compile(rb"\b([A-Z][A-Z0-9]{1,9})-\d{1,6}\b|(?:^|[\s(\[])(?:GH-|#)\d{1,6}\b")
_B_NOT_TICKET = {k.encode() for k in _NOT_TICKET_KEYS}
_S_HINT = re.compile(r"[-#]\d")
_DIGITS_AS_0 = bytes(48 if 48 <= b <= 57 else b for b in range(256))


def _may_cite(body: bytes) -> bool:
    """Whether a body has "-" or "#" before a digit, which every ticket pattern needs.

    Mapping digits to "0" and searching two literals is several times faster than a
    regular expression over a long body.
    """
    if b"#" not in body and b"-" not in body:
        return False
    t = body.translate(_DIGITS_AS_0)
    return b"-0" in t or b"#0" in t


class _Parser:
    """Turns ``git log`` records into per-commit records (see R_* above)."""

    def __init__(self):
        self.path_class: dict[bytes, int] = {}
        self.tz_cache: dict[bytes, int] = {}
        self.trailer_cache: dict[bytes, tuple] = {}
        self.shared: dict[bytes, bytes] = {}

    def parse(self, rec: bytes) -> tuple[str, tuple, bytes] | None:
        fields = rec.split(b"\0", 10)
        if len(fields) < 10:
            return None
        sha, parents_s, name, email, at, tz, ct, subject_b, trailers_b, body_b = fields[:10]
        paths = b""
        touch = 0
        rest = fields[10] if len(fields) > 10 else b""
        if rest:
            # git prints "\n" then each path NUL-terminated; anything else is normalized the slow way.
            if rest[:1] == b"\n" and rest[-1:] == b"\0" and b"\0\0" not in rest:
                paths = rest[1:-1]
            else:
                paths = b"\0".join(p for p in rest.lstrip(b"\n").split(b"\0") if p)
            if paths:
                cls = self.path_class
                for p in paths.split(b"\0"):
                    c = cls.get(p)
                    if c is None:
                        c = cls[p] = _path_flags(P_decode(p))
                    touch |= c
        sha = sha.decode("ascii", "replace")
        parents = tuple(parents_s.decode("ascii", "replace").split())
        subject = subject_b.decode("utf-8", "replace")
        try:
            t = int(at)
        except ValueError:
            t = 0
        trailers = ()
        if trailers_b:
            # Trailer blocks repeat (the same Signed-off-by lines commit after commit).
            trailers = self.trailer_cache.get(trailers_b)
            if trailers is None:
                trailers = _parse_trailers(trailers_b.decode("utf-8", "replace"))
                if len(self.trailer_cache) < 20000:
                    self.trailer_cache[trailers_b] = trailers
        body_head = body_b[:BODY_SCAN]
        merge = len(parents) > 1
        flags, body_cites = _classify(subject, body_head, trailers, merge)
        if not merge:
            flags |= touch
        if flags & TICKET:
            if body_cites is None:
                body_cites = _may_cite(body_head) and _B_TICKET.search(body_head) is not None
            if body_cites or _ISSUE.search(subject):
                flags |= _ISSUE_REF
        # One object per identity: smaller cache chunks (marshal writes a reference for a repeat)
        # and a hash computed once for the fold's lookups.
        shared = self.shared
        name = shared.setdefault(name, name)
        email = shared.setdefault(email, email)
        tz_m = self.tz_cache.get(tz)
        if tz_m is None:
            tz_m = self.tz_cache[tz] = _tz_minutes(tz.decode("ascii", "replace"))
        return sha, (parents, name, email, t, tz_m, _int(ct, t), subject, trailers, paths, flags), body_b[:MAX_BODY]


# -- folding ---------------------------------------------------------------------------


class _Folder:
    """Folds per-commit records into a History, newest first."""

    def __init__(self, tree_paths: set[str], mainline: set[str], window: int, progress,
                 watch: frozenset[str] = frozenset()):
        self.h = History(available=True, window=window)
        self.tree_paths = tree_paths
        self.mainline = mainline
        self.progress = progress
        self.watch = watch
        self.reached: set[str] = set()
        self.body_of = None                               # sha -> body, when add() is given none
        self.examples: dict[str, list[Commit]] = {k: [] for k in _EXAMPLE_FLAGS}
        self.wanted = sum(_EXAMPLE_FLAGS.values())  # example kinds still short of examples
        self.want_direct = True
        self.author_ids: dict[bytes, int] = {}      # normalized email (or name) -> author id
        self.author_raw: dict[bytes, int] = {}      # the raw email (or name) -> author id
        self.counts: list[int] = []
        self.firsts: list[int] = []
        self.lasts: list[int] = []
        self.names: list[set[str]] = []
        self.names_raw: list[set[bytes]] = []       # raw names already added to ``names``
        self.decoded: dict[bytes, str] = {}
        self.owners: dict[bytes, Counter | None] = {}  # raw path -> its ownership counter, None if not in tree
        self.path_name: dict[bytes, str] = {}
        self.last: tuple | None = None
        self.last_commit: Commit | None = None
        self.parser = _Parser()

    def _decode(self, raw: bytes) -> str:
        s = self.decoded.get(raw)
        if s is None:
            s = self.decoded[raw] = raw.decode("utf-8", "replace")
        return s

    def _owner(self, raw: bytes) -> Counter | None:
        s = self.path_name.get(raw)
        if s is None:
            s = self.path_name[raw] = P_decode(raw)
        if s not in self.tree_paths:
            c = None
        else:
            own = self.h.ownership.by_path
            c = own.get(s)
            if c is None:
                c = own[s] = Counter()
        self.owners[raw] = c
        return c

    def add(self, raw: bytes) -> None:
        """Parse one raw ``git log`` record and fold it (for callers that build records by hand)."""
        parsed = self.parser.parse(raw)
        if parsed is not None:
            self.fold(*parsed)

    def fold(self, sha: str, rec: tuple, body: bytes | None) -> None:
        """Fold one per-commit record; ``body`` None means ask ``body_of`` if it is needed."""
        self.fold_many(((sha, rec, body),))

    def fold_many(self, items: Iterable[tuple[str, tuple, bytes | None]]) -> None:
        """Fold ``(hash, record, body)`` triples, newest first (the hot loop: locals only)."""
        h = self.h
        mainline, tree_paths = self.mainline, self.tree_paths
        author_raw, counts, firsts, lasts = self.author_raw, self.counts, self.firsts, self.lasts
        names, names_raw = self.names, self.names_raw
        owners, owner = self.owners, self._owner
        times_add, authors_add, flags_add = h.times.append, h.authors_of.append, h.flags.append
        recent, window = h.recent, h.window
        ticket_keys, branch_names = h.ticket_keys, h.branch_names
        progress = self.progress
        watch, reached = self.watch, self.reached
        total = h.total
        for sha, rec, body in items:
            parents, name, email, t, tz, ct, subject, trailers, paths, flags = rec
            issue_ref = flags & _ISSUE_REF
            flags &= _PUBLIC
            if sha in mainline:
                flags |= MAINLINE
            if sha in watch:
                reached.add(sha)

            key_raw = email or name
            aid = author_raw.get(key_raw)
            if aid is None:
                aid = self._new_author(key_raw, name, email, t)
            counts[aid] += 1
            if t < firsts[aid]:
                firsts[aid] = t
            if t > lasts[aid]:
                lasts[aid] = t
            seen = names_raw[aid]
            if name not in seen:
                seen.add(name)
                if len(names[aid]) < 20:
                    names[aid].add(self._decode(name))

            times_add(t)
            authors_add(aid)
            flags_add(flags)
            total += 1

            if flags & TICKET:
                if "-" in subject:
                    for m in _JIRA.finditer(subject):
                        if m.group(1) not in _NOT_TICKET_KEYS:
                            ticket_keys[m.group(1)] += 1
                if issue_ref:
                    h.issue_refs += 1
            if flags & (PR_MERGE | BRANCH_MERGE):
                branch = _merged_branch(subject)
                if branch:
                    branch_names[branch[:120]] += 1

            if paths and not flags & MERGE and tree_paths:
                for p in paths.split(b"\0"):
                    c = owners.get(p, _UNSEEN)
                    if c is _UNSEEN:
                        c = owner(p)
                    if c is not None:
                        c[aid] += 1

            direct = flags & MAINLINE and not flags & (MERGE | REVIEWED)
            in_window = len(recent) < window
            if in_window or flags & self.wanted or (direct and self.want_direct):
                if body is None:
                    body = self.body_of(sha)
                path_name = self.path_name
                commit = Commit(sha, parents, self._decode(name), self._decode(email), t, tz, ct, subject,
                                body[:MAX_BODY].decode("utf-8", "replace"), trailers,
                                tuple(path_name.get(p) or P_decode(p) for p in paths.split(b"\0")[:2000])
                                if paths else (), flags)
                if in_window:
                    recent.append(commit)
                self._keep_example(commit, bool(direct))
                self.last = None
                self.last_commit = commit
            else:
                self.last = (sha, rec, flags)
            if progress is not None and total % 5000 == 0:
                h.total = total
                progress(total)
        h.total = total

    def _new_author(self, key_raw: bytes, name: bytes, email: bytes, t: int) -> int:
        key = key_raw.strip().lower()
        aid = self.author_ids.get(key)
        if aid is None:
            aid = self.author_ids[key] = len(self.h.authors)
            self.h.authors.append(AuthorStats(name=self._decode(name), email=self._decode(email),
                                              first_time=t, last_time=t))
            self.counts.append(0)
            self.firsts.append(t)
            self.lasts.append(t)
            self.names.append(set())
            self.names_raw.append(set())
        self.author_raw[key_raw] = aid
        return aid

    def _keep_example(self, commit: Commit, direct: bool) -> None:
        for label, bit in _EXAMPLE_FLAGS.items():
            lst = self.examples[label]
            if len(lst) >= _EXAMPLES:
                continue
            if (bit and commit.flags & bit) or (label == "direct" and direct):
                lst.append(commit)
                if len(lst) >= _EXAMPLES:
                    if bit:
                        self.wanted &= ~bit
                    else:
                        self.want_direct = False

    def finish(self) -> History:
        h = self.h
        for aid, a in enumerate(h.authors):
            a.commits = self.counts[aid]
            a.first_time = self.firsts[aid]
            a.last_time = self.lasts[aid]
            a.names = self.names[aid]
        if self.last is not None:
            sha, rec, flags = self.last
            parents, name, email, t, tz, ct, subject, trailers = rec[:R_PATHS]
            h.first = Commit(sha, parents, self._decode(name), self._decode(email), t, tz, ct, subject, "",
                             trailers, (), flags)
        else:
            h.first = self.last_commit
        h.examples = {k: v for k, v in self.examples.items() if v}
        h.reached = frozenset(self.reached)
        return h


def _int(raw: bytes, default: int) -> int:
    try:
        return int(raw)
    except ValueError:
        return default


def P_decode(raw: bytes) -> str:
    from auditor.facts.tree import decode_path
    return decode_path(raw)


def _path_flags(p: str) -> int:
    if P.is_test(p):
        return TOUCH_TEST
    if P.is_changelog(p):
        return TOUCH_CHANGELOG
    if P.is_ci(p):
        return TOUCH_CI
    if P.is_doc(p):
        return TOUCH_DOCS
    if P.is_source(p):
        return TOUCH_SOURCE
    return 0


def _tz_minutes(tz: str) -> int:
    tz = tz.strip()
    if len(tz) == 5 and tz[0] in "+-" and tz[1:].isdigit():
        m = int(tz[1:3]) * 60 + int(tz[3:])
        return m if tz[0] == "+" else -m
    return 0


def _parse_trailers(s: str) -> tuple[tuple[str, str], ...]:
    out = []
    for line in s.splitlines():
        k, sep, v = line.partition(":")
        if sep and k and " " not in k.strip():
            out.append((k.strip().lower(), v.strip()[:300]))
        if len(out) >= 50:
            break
    return tuple(out)


def _merged_branch(subject: str) -> str | None:
    m = _PR_MERGE.match(subject)
    if m:
        return m.group(2) or m.group(3)
    m = _BRANCH_MERGE.match(subject)
    return m.group(1) if m else None


def _ticket(subject: str, body: bytes) -> tuple[bool, bool | None]:
    """Whether a commit cites a ticket, and whether its body matched any ticket pattern at all
    (None when the body was not scanned) — which the count of issue references reuses."""
    # Every ticket pattern needs "-" or "#" before a digit (KEY-12, GH-12, #12, "Fixes #12"):
    # a cheap scan for that rules most messages out before the real patterns run.
    if _S_HINT.search(subject):
        # The "(#N)" of a squash merge and the "#N" of "Merge pull request #N" name the
        # pull request, not a ticket.
        subject = _SQUASH.sub("", subject)
        if subject.startswith("Merge pull request #"):
            subject = _PR_MERGE.sub("", subject)
        if any(m.group(1) not in _NOT_TICKET_KEYS for m in _JIRA.finditer(subject)):
            return True, None
        if _ISSUE.search(subject) or _CLOSING.search(subject):
            return True, None
    if not _may_cite(body):
        return False, False
    matched = False
    for m in _B_TICKET.finditer(body):
        matched = True
        key = m.group(1)
        if key is None or key not in _B_NOT_TICKET:
            return True, True
    return False, matched


def _has_ticket(subject: str, body: bytes) -> bool:
    """Whether a commit message cites a ticket (see ``_ticket``)."""
    return _ticket(subject, body)[0]


def _classify(subject: str, body: bytes, trailers: tuple[tuple[str, str], ...],
              merge: bool) -> tuple[int, bool | None]:
    """The flags one commit earns by itself (everything but MAINLINE and the TOUCH_* bits), and
    whether its body matched a ticket pattern (None: not scanned)."""
    f = MERGE if merge else 0
    if subject.startswith(("Merge", "Merged")) and _PR_MERGE.match(subject):
        f |= PR_MERGE
    elif subject.endswith(")") and _SQUASH.search(subject):
        f |= SQUASH_PR
    elif subject.startswith("Merge") and _BRANCH_MERGE.match(subject):
        f |= BRANCH_MERGE
    if b"See merge request" in body and _B_MR.search(body):
        f |= MR_MERGE
    if trailers:
        keys = {k for k, _ in trailers}
        if "change-id" in keys or "reviewed-on" in keys:
            f |= GERRIT
        if keys & {"reviewed-by", "approved-by", "acked-by"}:
            f |= REVIEW_TRAILER
        if "co-authored-by" in keys:
            f |= COAUTHORED
    # Cheap necessary conditions first: for an ASCII subject, re.I matching is matching the
    # lower-cased text, so a pattern whose literal words are absent cannot match.
    # Other subjects go straight to the patterns.
    low = subject.lower() if subject.isascii() else None
    has_fix = low is None or "fix" in low
    if (low is None or low.startswith("revert")) and _REVERT.match(subject):
        f |= REVERT
    if (has_fix or "urgent" in low or "emergency" in low) and _HOTFIX.search(subject):
        f |= HOTFIX
    if ": " in subject and _CONVENTIONAL.match(subject):
        f |= CONVENTIONAL
    if not merge:
        if _FEAT.match(subject):
            f |= FEAT
        elif (has_fix or low.startswith(("patch", "resolve", "correct"))) and _FIX.search(subject):
            f |= FIX
    if has_fix and _CI_FIX.search(subject):
        f |= CI_FIX
    if _WIP.match(subject.strip()):
        f |= WIP
    ticket, body_cites = _ticket(subject, body)
    if ticket:
        f |= TICKET
    elif f & PR_MERGE:
        branch = _merged_branch(subject) or ""
        if any(m.group(1) not in _NOT_TICKET_KEYS for m in _JIRA.finditer(branch)):
            f |= TICKET
    return f, body_cites


def unavailable(reason: str, *, is_shallow: bool = False) -> History:
    """A history that could not be read — unavailable, which is not the same as empty."""
    return History(available=False, reason=reason, is_shallow=is_shallow)
