"""The file tree at the audited revision, read from git objects.

Reading objects rather than the working tree means a bare repository and any
``--rev`` work, uncommitted clutter cannot change the verdict, and a symlink is
only ever a blob holding a target path: it is never followed, so nothing outside
the repository can be read through it.
"""

from __future__ import annotations

import bisect
import fnmatch
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.gitio import Git

MAX_FILE_BYTES = 1024 * 1024
MAX_TREE_ENTRIES = 500_000
BINARY_SNIFF = 8000


def decode_path(raw: bytes) -> str:
    """Decode a path from git; bytes that are not UTF-8 stay visible as ``\\xNN``."""
    return raw.decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class TreeEntry:
    """One entry of the tree: a regular or executable file, a symlink, or a submodule."""

    path: str
    kind: str  # "file" | "executable" | "symlink" | "submodule"
    size: int
    oid: str


@dataclass
class FileTree:
    """Every path at the audited revision, with bounded access to file contents."""

    entries: dict[str, TreeEntry]
    truncated: bool = False
    _reader: object | None = None
    _cache: dict[str, str | None] = field(default_factory=dict)
    #: path -> why its content was not read (too large, binary, symlink, ...)
    unread: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.paths: tuple[str, ...] = tuple(sorted(self.entries))
        # Rules ask the same path questions again and again (``**/*.md``, ``docs/``); each
        # answer is a scan of every path, so it is computed once per tree.
        self._queries: dict[tuple, object] = {}
        self._lower = {p.lower(): p for p in self.paths}
        self._dirs: set[str] = set()
        for p in self.paths:
            parts = p.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                self._dirs.add("/".join(parts[:i]))

    # -- construction ---------------------------------------------------------------

    @classmethod
    def from_git(cls, git: Git, rev: str) -> FileTree:
        """List the tree of ``rev`` with sizes, in one bounded git call."""
        raw = git.run("ls-tree", "-r", "-l", "-z", "--full-tree", rev, max_output=512 * 1024 * 1024)
        entries: dict[str, TreeEntry] = {}
        truncated = False
        for record in raw.split(b"\0"):
            if not record:
                continue
            meta, _, path_b = record.partition(b"\t")
            parts = meta.split()
            if len(parts) != 4:
                continue
            mode, otype, oid, size = (p.decode("ascii", "replace") for p in parts)
            kind = {"100644": "file", "100755": "executable", "120000": "symlink",
                    "160000": "submodule"}.get(mode, "file")
            path = decode_path(path_b)
            entries[path] = TreeEntry(path, kind, int(size) if size.isdigit() else 0, oid)
            if len(entries) >= MAX_TREE_ENTRIES:
                truncated = True
                break
        return cls(entries=entries, truncated=truncated, _reader=_BlobReader(git))

    @classmethod
    def from_mapping(cls, files: Mapping[str, str | bytes]) -> FileTree:
        """Build a tree from literal contents (for rule tests that need no git)."""
        entries = {}
        blobs = {}
        for i, (path, content) in enumerate(files.items()):
            data = content.encode() if isinstance(content, str) else content
            oid = f"{i:040x}"
            entries[path] = TreeEntry(path, "file", len(data), oid)
            blobs[oid] = data
        return cls(entries=entries, _reader=_DictReader(blobs))

    # -- queries ---------------------------------------------------------------------

    def __contains__(self, path: str) -> bool:
        return path in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def exists(self, path: str, *, case_insensitive: bool = False) -> bool:
        if path in self.entries:
            return True
        return case_insensitive and path.lower() in self._lower

    def resolve(self, path: str) -> str | None:
        """The tree's spelling of ``path`` matched case-insensitively, or None."""
        return path if path in self.entries else self._lower.get(path.lower())

    def is_dir(self, path: str) -> bool:
        return path.rstrip("/") in self._dirs

    def entry(self, path: str) -> TreeEntry | None:
        return self.entries.get(path)

    def glob(self, *patterns: str, case_insensitive: bool = True) -> list[str]:
        """Paths matching any shell pattern (``*`` may cross ``/``), sorted."""
        key = ("glob", patterns, case_insensitive)
        if key not in self._queries:
            match = _glob_regex(patterns, case_insensitive).match
            self._queries[key] = tuple(p for p in self.paths if match(p))
        return list(self._queries[key])

    def find(self, pattern: str, flags: int = re.I) -> list[str]:
        """Paths matching a regular expression (searched, not anchored), sorted."""
        key = ("find", pattern, flags)
        if key not in self._queries:
            search = re.compile(pattern, flags).search
            self._queries[key] = tuple(p for p in self.paths if search(p))
        return list(self._queries[key])

    def under(self, directory: str) -> list[str]:
        """Paths below ``directory``, sorted."""
        prefix = directory.rstrip("/") + "/"
        # Paths are sorted, so everything below a directory is one contiguous run.
        start = bisect.bisect_left(self.paths, prefix)
        end = bisect.bisect_left(self.paths, prefix[:-1] + "0")   # "0" sorts right after "/"
        return list(self.paths[start:end])

    def first(self, *candidates: str, case_insensitive: bool = True) -> str | None:
        """The first of ``candidates`` that exists, in the tree's spelling."""
        for c in candidates:
            found = c if c in self.entries else (self._lower.get(c.lower()) if case_insensitive else None)
            if found:
                return found
        return None

    def read_text(self, path: str, limit: int = MAX_FILE_BYTES) -> str | None:
        """The file's text, or None when it is missing, a link, binary or over ``limit``.

        Why a file was not read is kept in :attr:`unread`.
        """
        if path in self._cache:
            return self._cache[path]
        entry = self.entries.get(path)
        text: str | None = None
        if entry is None:
            return None
        if entry.kind == "symlink":
            self.unread[path] = "symbolic link (not followed)"
        elif entry.kind == "submodule":
            self.unread[path] = "submodule (not fetched)"
        elif entry.size > limit:
            self.unread[path] = f"larger than {limit} bytes"
        else:
            data = self._reader.read(entry.oid, entry.size) if self._reader else None
            if data is None:
                self.unread[path] = "could not be read from the repository"
            elif b"\0" in data[:BINARY_SNIFF]:
                self.unread[path] = "binary"
            else:
                text = data.decode("utf-8", "replace")
                if text.startswith("\ufeff"):
                    text = text[1:]
        self._cache[path] = text
        return text

    def texts(self, paths: Iterable[str], limit: int = MAX_FILE_BYTES) -> Iterable[tuple[str, str]]:
        """(path, text) for each readable path."""
        for p in paths:
            t = self.read_text(p, limit)
            if t is not None:
                yield p, t

    def close(self) -> None:
        if self._reader is not None and hasattr(self._reader, "close"):
            self._reader.close()


def derived(fn):
    """Compute ``fn(tree, *args)`` once per tree and share it between rules.

    For the questions several rules ask of the same tree (which files are
    documents, which are tests, which are task guides): each answer is a scan of
    every path, or a read of many files. ``fn`` must depend only on the tree and
    its arguments; an argument that cannot be hashed (another fact, such as the
    CI configuration) is told apart by identity, and kept alive with the answer
    so that its identity cannot be reused. ``f(t, 5)`` and ``f(t, limit=5)`` are
    computed apart. A list, dict or set result is copied for each caller, so no
    rule can change what the next one sees.
    """
    @functools.wraps(fn)
    def shared(tree: FileTree, *args, **kwargs):
        key = (fn, tuple(_key(a) for a in args), tuple((k, _key(v)) for k, v in sorted(kwargs.items())))
        queries = tree._queries
        if key in queries:
            value = queries[key][0]
        else:
            value = fn(tree, *args, **kwargs)
            queries[key] = (value, args, kwargs)
        return type(value)(value) if isinstance(value, (list, dict, set)) else value

    return shared


def _key(value: object) -> object:
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return value


@functools.lru_cache(maxsize=256)
def _glob_regex(patterns: tuple[str, ...], case_insensitive: bool) -> re.Pattern[str]:
    """One regular expression for a set of shell patterns: one scan of the paths instead of one each."""
    alternatives = "|".join(f"(?:{fnmatch.translate(p)})" for p in patterns) or "(?!)"
    return re.compile(alternatives, re.I if case_insensitive else 0)


def line_of(text: str, needle: str | re.Pattern[str]) -> int | None:
    """1-based line number of the first match of ``needle`` in ``text``."""
    if isinstance(needle, str):
        idx = text.find(needle)
    else:
        m = needle.search(text)
        idx = m.start() if m else -1
    return None if idx < 0 else text.count("\n", 0, idx) + 1


class _DictReader:
    def __init__(self, blobs: dict[str, bytes]):
        self._blobs = blobs

    def read(self, oid: str, size: int) -> bytes | None:
        return self._blobs.get(oid)


class _BlobReader:
    """A long-lived ``git cat-file --batch`` that reads blobs by object id."""

    def __init__(self, git: Git):
        self._git = git
        self._proc = None

    def _start(self):
        import subprocess

        from auditor.gitio import sanitized_env
        argv = self._git.argv(["cat-file", "--batch"])
        self._git.calls.append(argv)
        self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, env=sanitized_env(self._git.home),
                                      cwd=self._git.home, close_fds=True)

    def read(self, oid: str, size: int) -> bytes | None:
        if self._proc is None:
            self._start()
        proc = self._proc
        try:
            proc.stdin.write(oid.encode("ascii") + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline(512)
            parts = header.split()
            if len(parts) != 3 or parts[1] != b"blob":
                return None
            n = int(parts[2])
            data = proc.stdout.read(n + 1)  # content plus the trailing newline
            return data[:n]
        except (OSError, ValueError):
            self.close()
            return None

    def close(self) -> None:
        if self._proc is not None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
            try:
                self._proc.wait(timeout=5)
            except Exception:  # noqa: BLE001 - a stuck reader is killed, never left behind
                self._proc.kill()
            self._proc = None
