"""The history, read in one streaming pass of ``git log``.

Memory does not grow with per-commit objects: every commit is folded into
compact columns (time, author, flags — a few bytes each) and into aggregates
bounded by the size of the tree or the team (ownership per current file,
authors, weeks). Full records — subject, body, trailers, paths — are kept only
for the most recent ``window`` commits, which is what the rules that quote
commits need. Per-file line counts, which cost git about 30× more than paths,
are read only for the most recent ``size_window`` commits.
"""

from __future__ import annotations

import re
import secrets
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from auditor.facts import paths as P

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
        return datetime.fromtimestamp(self.time + self.tz_minutes * 60, tz=timezone.utc).date().isoformat()

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

    # -- windows -----------------------------------------------------------------------

    def indices(self, *, since: int | None = None, until: int | None = None, flags_all: int = 0,
                flags_none: int = 0) -> Iterator[int]:
        """Indices of commits (newest first) within a time window and with/without flags."""
        times, fl = self.times, self.flags
        for i in range(self.total):
            t = times[i]
            if until is not None and t > until:
                continue
            if since is not None and t < since:
                continue
            f = fl[i]
            if (f & flags_all) == flags_all and not (f & flags_none):
                yield i

    def count(self, **kw) -> int:
        return sum(1 for _ in self.indices(**kw))

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


def _format(token: str) -> str:
    return f"%x00{token}%x00%H%x00%P%x00%aN%x00%aE%x00%at%x00%ad%x00%ct%x00%s%x00%(trailers:unfold,only)%x00%b"


def read_history(git: Git, rev: str, *, tree_paths: Iterable[str] = (), window: int = 1000,
                 size_window: int = 300, max_commits: int | None = None, since: str | None = None,
                 is_shallow: bool = False, mailmap_blob: str | None = None,
                 progress=None) -> History:
    """Stream the history of ``rev`` once and fold it into a :class:`History`."""
    if mailmap_blob:
        git.extra_config = (*git.extra_config, f"mailmap.blob={mailmap_blob}")
    mainline = set(git.run("rev-list", "--first-parent", *(_limits(max_commits, since)), rev,
                           "--").decode("ascii", "replace").split())
    token = secrets.token_hex(8)
    args = ["log", "-z", "--name-only", "--no-renames", "--no-ext-diff", "--no-textconv",
            "--date=format:%z", f"--format={_format(token)}", *(_limits(max_commits, since)), rev, "--"]
    folder = _Folder(tree_paths=set(tree_paths), mainline=mainline, window=window, progress=progress)
    sep = f"\0{token}\0".encode()
    pending = b""
    for chunk in git.stream(*args):
        pending += chunk
        parts = pending.split(sep)
        pending = parts.pop()
        for rec in parts:
            if rec:
                folder.add(rec)
    if pending:
        folder.add(pending)
    history = folder.finish()
    history.is_shallow = is_shallow
    history.truncated = bool(max_commits or since)
    if size_window and history.total:
        history.sizes = _read_sizes(git, rev, size_window)
        history.size_window = min(size_window, history.total)
    return history


def _limits(max_commits: int | None, since: str | None) -> list[str]:
    out = []
    if max_commits:
        out.append(f"--max-count={int(max_commits)}")
    if since:
        out.append(f"--since={since}")
    return out


def _read_sizes(git: Git, rev: str, n: int) -> dict[str, tuple[int, int, int]]:
    """Files changed and lines added/deleted for the newest ``n`` non-merge commits."""
    out = git.run("log", "--no-merges", f"--max-count={n}", "--numstat", "--no-renames", "--no-ext-diff",
                  "--no-textconv", "--format=%x00%H", rev, "--", max_output=256 * 1024 * 1024)
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


class _Folder:
    """Folds commit records into a History as they stream by."""

    def __init__(self, tree_paths: set[str], mainline: set[str], window: int, progress):
        self.h = History(available=True, window=window)
        self.tree_paths = tree_paths
        self.mainline = mainline
        self.author_ids: dict[str, int] = {}
        self.progress = progress
        self.examples: dict[str, list[Commit]] = {k: [] for k in _EXAMPLE_FLAGS}
        self.wanted = sum(_EXAMPLE_FLAGS.values())  # example kinds still short of examples
        self.want_direct = True
        self.path_class: dict[bytes, int] = {}
        self.path_name: dict[bytes, str] = {}
        self.last: tuple | None = None

    def _paths(self, rest: bytes) -> tuple[list[bytes], int]:
        """Touched paths (raw) and the TOUCH_* flags they earn, with per-path results cached."""
        raw = [p for p in rest.lstrip(b"\n").split(b"\0") if p]
        cls = self.path_class
        bits = 0
        for p in raw:
            c = cls.get(p)
            if c is None:
                c = cls[p] = _path_flags(P_decode(p))
            bits |= c
        return raw, bits

    def add(self, rec: bytes) -> None:
        fields = rec.split(b"\0", 10)
        if len(fields) < 10:
            return  # not a commit record: ignore rather than guess
        sha, parents_s, name, email, at, tz, ct, subject_b, trailers_b, body_b = fields[:10]
        raw_paths, touch = self._paths(fields[10]) if len(fields) > 10 and fields[10] else ([], 0)
        sha = sha.decode("ascii", "replace")
        parents = tuple(parents_s.decode("ascii", "replace").split())
        subject = subject_b.decode("utf-8", "replace")
        try:
            t = int(at)
        except ValueError:
            t = 0
        trailers = _parse_trailers(trailers_b.decode("utf-8", "replace")) if trailers_b else ()
        body_head = body_b[:BODY_SCAN]
        flags = _classify(sha, parents, subject, body_head, trailers, self.mainline) | (
            0 if len(parents) > 1 else touch)

        h = self.h
        key = (email or name).strip().lower()
        aid = self.author_ids.get(key)
        if aid is None:
            aid = self.author_ids[key] = len(h.authors)
            h.authors.append(AuthorStats(name=name.decode("utf-8", "replace"),
                                         email=email.decode("utf-8", "replace"), first_time=t, last_time=t))
        a = h.authors[aid]
        a.commits += 1
        if len(a.names) < 20:
            a.names.add(name.decode("utf-8", "replace"))
        if t < a.first_time:
            a.first_time = t
        if t > a.last_time:
            a.last_time = t

        h.times.append(t)
        h.authors_of.append(aid)
        h.flags.append(flags)
        h.total += 1

        if flags & TICKET:
            for m in _JIRA.finditer(subject):
                if m.group(1) not in _NOT_TICKET_KEYS:
                    h.ticket_keys[m.group(1)] += 1
            if _ISSUE.search(subject) or _B_TICKET.search(body_head):
                h.issue_refs += 1
        if flags & (PR_MERGE | BRANCH_MERGE):
            branch = _merged_branch(subject)
            if branch:
                h.branch_names[branch[:120]] += 1

        if raw_paths and not flags & MERGE and self.tree_paths:
            own = h.ownership.by_path
            names = self.path_name
            for p in raw_paths:
                s = names.get(p)
                if s is None:
                    s = names[p] = P_decode(p)
                if s in self.tree_paths:
                    c = own.get(s)
                    if c is None:
                        c = own[s] = Counter()
                    c[aid] += 1

        direct = bool(flags & MAINLINE and not flags & (MERGE | REVIEWED))
        in_window = len(h.recent) < h.window
        if in_window or flags & self.wanted or (direct and self.want_direct):
            commit = Commit(sha, parents, name.decode("utf-8", "replace"), email.decode("utf-8", "replace"), t,
                            _tz_minutes(tz.decode("ascii", "replace")), _int(ct, t), subject,
                            body_b[:MAX_BODY].decode("utf-8", "replace"), trailers,
                            tuple(self.path_name.get(p) or P_decode(p) for p in raw_paths[:2000]), flags)
            if in_window:
                h.recent.append(commit)
            self._keep_example(commit, direct)
            self.last = None
            self.last_commit = commit
        else:
            self.last = (sha, parents, name, email, t, tz, ct, subject, trailers, flags)
        if self.progress is not None and h.total % 5000 == 0:
            self.progress(h.total)

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
        if self.last is not None:
            sha, parents, name, email, t, tz, ct, subject, trailers, flags = self.last
            h.first = Commit(sha, parents, name.decode("utf-8", "replace"), email.decode("utf-8", "replace"), t,
                             _tz_minutes(tz.decode("ascii", "replace")), _int(ct, t), subject, "", trailers, (),
                             flags)
        else:
            h.first = getattr(self, "last_commit", None)
        h.examples = {k: v for k, v in self.examples.items() if v}
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


def _has_ticket(subject: str, body: bytes) -> bool:
    # The "(#N)" of a squash merge and the "#N" of "Merge pull request #N" name the
    # pull request, not a ticket.
    subject = _SQUASH.sub("", subject)
    if subject.startswith("Merge pull request #"):
        subject = _PR_MERGE.sub("", subject)
    if any(m.group(1) not in _NOT_TICKET_KEYS for m in _JIRA.finditer(subject)):
        return True
    if _ISSUE.search(subject) or _CLOSING.search(subject):
        return True
    if b"#" not in body and b"-" not in body:
        return False
    for m in _B_TICKET.finditer(body):
        key = m.group(1)
        if key is None or key not in _B_NOT_TICKET:
            return True
    return False


def _classify(sha: str, parents: tuple[str, ...], subject: str, body: bytes,
              trailers: tuple[tuple[str, str], ...], mainline: set[str]) -> int:
    f = 0
    if len(parents) > 1:
        f |= MERGE
    if sha in mainline:
        f |= MAINLINE
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
    if _REVERT.match(subject):
        f |= REVERT
    if _HOTFIX.search(subject):
        f |= HOTFIX
    if _CONVENTIONAL.match(subject):
        f |= CONVENTIONAL
    if not f & MERGE:
        if _FEAT.match(subject):
            f |= FEAT
        elif _FIX.search(subject):
            f |= FIX
    if _CI_FIX.search(subject):
        f |= CI_FIX
    if _WIP.match(subject.strip()):
        f |= WIP
    if _has_ticket(subject, body):
        f |= TICKET
    elif f & PR_MERGE:
        branch = _merged_branch(subject) or ""
        if any(m.group(1) not in _NOT_TICKET_KEYS for m in _JIRA.finditer(branch)):
            f |= TICKET
    return f


def unavailable(reason: str, *, is_shallow: bool = False) -> History:
    """A history that could not be read — unavailable, which is not the same as empty."""
    return History(available=False, reason=reason, is_shallow=is_shallow)
