"""The history cache: immutable per-commit facts kept between audits, in SQLite.

A commit's hash fixes its author, dates, message, parents and the paths it
touched, so what :mod:`auditor.facts.history` derives from one commit can be
kept and reused as long as the hash is the same — and as long as the code that
derived it, the git that printed it and the ``.mailmap`` that renamed its
author are the same. Those three make the *variant* of a namespace; the
audited repository (its git directory, or the URL it was cloned from) is its
*identity*. Which commits an audit reads is never taken from the cache: it
comes from git (``git rev-list``) for every new tip; only the list for a tip
already seen is reused, since a hash also fixes everything reachable from it.

Layout. Commit records are stored in *chunks* of a few thousand, each one
marshalled and zlib-compressed blob (plus one for the message bodies, which
are needed only for the few commits the report quotes), because reading 100k
small rows costs more than the fold it saves. The folded History of the last
revisions audited is kept too (a *snapshot*, keyed by revision, tree and
options): an unchanged repository is then not even folded again. The database is in WAL mode with a
busy timeout; every write is one ``BEGIN IMMEDIATE`` transaction, so two audits
writing the same repository's commits at once both succeed (duplicates are
harmless: a hash maps to one record). Namespaces are evicted least recently
used first when the file outgrows its bound; "recently" is a counter kept in
the database, not the clock.

The same file keeps whole-audit results (:mod:`auditor.result_cache`): a few
per repository, keyed by everything an audit's findings depend on, evicted with
the repository and counted against the same bound.

Nothing here may change a finding: every problem — a corrupt or locked file, a
chunk that fails its checksum, a full disk — raises :class:`CacheProblem`, and
the reader falls back to reading git and says so.
"""

from __future__ import annotations

import marshal
import os
import sqlite3
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA = 3
FILENAME = f"history-v{SCHEMA}.sqlite3"
DEFAULT_MAX_MB = 500
CHUNK = 4096            # commits per stored chunk
MAX_CHUNKS = 64         # a namespace with more chunks is rewritten as fresh ones
MAX_WALKS = 4           # commit lists (one per audited tip) kept per namespace
MAX_SNAPSHOTS = 2       # folded histories kept per namespace
MAX_RESULTS = 4         # whole-audit results kept per repository (auditor.result_cache)
_TABLES = ("chunks", "walks", "sizes", "snapshots")
_SIZE_ROW_BYTES = 48    # rough on-disk cost of one line-count row


class CacheProblem(Exception):
    """The cache could not be used; the message says why, for the method appendix."""


class CacheDamage(CacheProblem):
    """An entry of the cache is damaged (the file itself opened): it is rewritten from git."""


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/auditor``, else ``~/.cache/auditor``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "auditor"


@dataclass(frozen=True)
class CacheConfig:
    """Where the cache lives and how large it may grow."""

    directory: Path | None = None        # None: default_cache_dir()
    max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024
    busy_timeout: float = 5.0             # seconds to wait for another audit's lock

    @property
    def path(self) -> Path:
        return (self.directory or default_cache_dir()) / FILENAME


@dataclass
class Loaded:
    """What a namespace holds: commit records by hash, and where their bodies are."""

    records: dict[str, tuple] = field(default_factory=dict)
    chunk_ids: list[int] = field(default_factory=list)
    sizes: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    _where: dict[str, tuple[int, int]] = field(default_factory=dict)   # hash -> (chunk slot, index)
    _bodies: list[bytes | list] = field(default_factory=list)           # per chunk: compressed, then decoded

    def body(self, sha: str) -> bytes:
        slot, i = self._where[sha]
        blob = self._bodies[slot]
        if isinstance(blob, bytes):
            blob = self._bodies[slot] = _unpack(blob, list)
        value = blob[i]
        if not isinstance(value, bytes):
            raise CacheDamage("a cached message body has the wrong type")
        return value


def pack_chunk(hashes: list[str], records: list[tuple], bodies: list[bytes]) -> tuple[int, bytes, bytes, int]:
    """One chunk ready to store: ``hashes[i]`` has ``records[i]`` and ``bodies[i]``."""
    core = zlib.compress(marshal.dumps((hashes, records)), 1)
    packed = zlib.compress(marshal.dumps(bodies), 1)
    return len(hashes), core, packed, zlib.crc32(packed, zlib.crc32(core))


def _unpack(blob: bytes, kind: type):
    try:
        value = marshal.loads(zlib.decompress(blob))
    except (ValueError, EOFError, TypeError, zlib.error) as exc:
        raise CacheDamage(f"a cached chunk could not be decoded ({type(exc).__name__})") from None
    if not isinstance(value, kind):
        raise CacheDamage("a cached chunk has the wrong shape")
    return value


class Store:
    """One open connection to the cache database."""

    def __init__(self, con: sqlite3.Connection, config: CacheConfig):
        self.con = con
        self.config = config

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def open(cls, config: CacheConfig, *, forbidden: Iterable[Path] = ()) -> Store:
        """Open (creating if needed) the cache database; raise CacheProblem if it cannot be used."""
        path = config.path
        directory = path.parent
        try:
            resolved = directory.resolve()
        except OSError as exc:
            raise CacheProblem(f"the cache directory {directory} is not usable: {exc.strerror or exc}") from None
        for root in forbidden:
            try:
                resolved.relative_to(Path(root).resolve())
            except ValueError:
                continue
            raise CacheProblem(f"the cache directory {directory} lies inside the audited repository; "
                               "it is never written there")
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise CacheProblem(f"the cache directory {directory} cannot be created: {exc.strerror or exc}") from None
        _remove_old_versions(directory)
        try:
            # Commit metadata of private repositories: readable by the user only.
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            pass
        except OSError as exc:
            raise CacheProblem(f"the cache file {path} cannot be created: {exc.strerror or exc}") from None
        try:
            con = sqlite3.connect(str(path), timeout=config.busy_timeout, isolation_level=None,
                                  check_same_thread=False)
        except sqlite3.Error as exc:
            raise CacheProblem(f"the cache file {path} cannot be opened: {exc}") from None
        store = cls(con, config)
        try:
            store._prepare()
        except sqlite3.Error as exc:
            con.close()
            raise _problem(path, exc) from None
        return store

    def _prepare(self) -> None:
        con = self.con
        con.execute(f"PRAGMA busy_timeout = {int(self.config.busy_timeout * 1000)}")
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA):
            raise sqlite3.DatabaseError(f"schema version {version}, expected {SCHEMA}")
        if version == SCHEMA:
            mode = con.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                con.execute("PRAGMA journal_mode = WAL")
        else:
            # A new file: incremental vacuum lets eviction give space back; it must be set
            # before the first table exists.
            con.execute("PRAGMA auto_vacuum = INCREMENTAL")
            con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        if version == 0:
            con.execute("BEGIN IMMEDIATE")
            try:
                if con.execute("PRAGMA user_version").fetchone()[0] == 0:
                    for stmt in _DDL:
                        con.execute(stmt)
                    con.execute(f"PRAGMA user_version = {SCHEMA}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def close(self) -> None:
        try:
            self.con.close()
        except sqlite3.Error:
            pass

    # -- reading ---------------------------------------------------------------------

    def namespace(self, identity: str, variant: str) -> int | None:
        rows = self._q("SELECT id FROM ns WHERE identity = ? AND variant = ?", (identity, variant))
        return rows[0][0] if rows else None

    def walk(self, ns: int, tip: str) -> list[str] | None:
        """The commit list of ``git rev-list tip`` stored by an earlier audit, or None."""
        rows = self._q("SELECT data FROM walks WHERE ns = ? AND tip = ?", (ns, tip))
        if not rows:
            return None
        data = rows[0][0]
        step = len(tip)  # every hash of a repository has the same length (SHA-1 or SHA-256)
        if not isinstance(data, bytes) or not data or (2 * len(data)) % step:
            raise CacheDamage("a cached commit list is damaged")
        text = data.hex()
        return [text[i:i + step] for i in range(0, len(text), step)]

    def result(self, identity: str, key: str) -> bytes | None:
        """A whole-audit result stored under ``key`` (see auditor.result_cache), or None."""
        rows = self._q("SELECT data FROM results WHERE identity = ? AND key = ?", (identity, key))
        return rows[0][0] if rows and isinstance(rows[0][0], bytes) else None

    def save_result(self, identity: str, key: str, data: bytes) -> None:
        """Store a whole-audit result; keep the newest few per repository, within the size bound."""
        con = self.con
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                tick = self._tick()
                con.execute("INSERT OR REPLACE INTO results (identity, key, last_used, data) VALUES (?, ?, ?, ?)",
                            (identity, key, tick, data))
                con.execute("DELETE FROM results WHERE identity = ? AND key NOT IN (SELECT key FROM results "
                            "WHERE identity = ? ORDER BY last_used DESC LIMIT ?)", (identity, identity, MAX_RESULTS))
                self._evict(None)
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise _problem(self.config.path, exc) from None

    def snapshot(self, ns: int, key: str) -> bytes | None:
        """A folded History stored under ``key`` (see history.py), or None."""
        rows = self._q("SELECT data FROM snapshots WHERE ns = ? AND key = ?", (ns, key))
        return rows[0][0] if rows else None

    def load(self, ns: int) -> Loaded:
        """Every record of a namespace, checked against its checksum."""
        out = Loaded()
        records = out.records
        where = out._where
        for cid, n, core, bodies, crc in self._q(
                "SELECT id, n, core, bodies, crc FROM chunks WHERE ns = ? ORDER BY id", (ns,)):
            if not isinstance(core, bytes) or not isinstance(bodies, bytes) \
                    or zlib.crc32(bodies, zlib.crc32(core)) != crc:
                raise CacheDamage("a cached chunk fails its checksum")
            value = _unpack(core, tuple)
            if len(value) != 2 or not isinstance(value[0], list) or not isinstance(value[1], list) \
                    or len(value[0]) != len(value[1]) or len(value[0]) != n:
                raise CacheDamage("a cached chunk has the wrong shape")
            hashes, recs = value
            slot = len(out._bodies)
            out._bodies.append(bodies)
            out.chunk_ids.append(cid)
            records.update(zip(hashes, recs))
            where.update(zip(hashes, zip([slot] * n, range(n))))
        for sha, files, added, deleted in self._q(
                "SELECT hash, files, added, deleted FROM sizes WHERE ns = ?", (ns,)):
            out.sizes[sha] = (files, added, deleted)
        return out

    def _q(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return self.con.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise _problem(self.config.path, exc) from None

    # -- writing ---------------------------------------------------------------------

    def save(self, identity: str, variant: str, *, chunks: list[tuple], walk: tuple[str, list[str]] | None,
             sizes: dict[str, tuple[int, int, int]], drop_chunks: Iterable[int] | None = None,
             replace: bool = False, snapshot: tuple[str, bytes] | None = None) -> list[str]:
        """Store new records, a commit list and line counts in one transaction; evict if too large.

        ``chunks`` come from :func:`pack_chunk`; ``drop_chunks`` are chunk ids to delete (their records are in ``chunks`` again);
        ``replace`` deletes everything the namespace held first. Returns notes for the
        method appendix (eviction of this very repository).
        """
        notes: list[str] = []
        packed = [c for c in chunks if c[0]]
        con = self.con
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                con.execute("INSERT OR IGNORE INTO ns (identity, variant, last_used, bytes) VALUES (?, ?, 0, 0)",
                            (identity, variant))
                ns = con.execute("SELECT id FROM ns WHERE identity = ? AND variant = ?",
                                 (identity, variant)).fetchone()[0]
                # Namespaces of this repository written by other code (another auditor or git
                # version) are never read again.
                code = variant.partition(":")[0]
                for (old,) in con.execute("SELECT id FROM ns WHERE identity = ? AND substr(variant, 1, ?) != ?",
                                          (identity, len(code) + 1, code + ":")).fetchall():
                    self._drop(old)
                if replace:
                    for table in _TABLES:
                        con.execute(f"DELETE FROM {table} WHERE ns = ?", (ns,))
                elif drop_chunks:
                    con.executemany("DELETE FROM chunks WHERE ns = ? AND id = ?", [(ns, c) for c in drop_chunks])
                con.executemany("INSERT INTO chunks (ns, n, core, bodies, crc) VALUES (?, ?, ?, ?, ?)",
                                [(ns, *p) for p in packed])
                tick = self._tick()
                if walk is not None:
                    tip, hashes = walk
                    data = bytes.fromhex("".join(hashes))
                    con.execute("INSERT OR REPLACE INTO walks (ns, tip, last_used, data) VALUES (?, ?, ?, ?)",
                                (ns, tip, tick, data))
                    con.execute("DELETE FROM walks WHERE ns = ? AND tip NOT IN "
                                "(SELECT tip FROM walks WHERE ns = ? ORDER BY last_used DESC LIMIT ?)",
                                (ns, ns, MAX_WALKS))
                if snapshot is not None:
                    con.execute("INSERT OR REPLACE INTO snapshots (ns, key, last_used, data) VALUES (?, ?, ?, ?)",
                                (ns, snapshot[0], tick, snapshot[1]))
                    con.execute("DELETE FROM snapshots WHERE ns = ? AND key NOT IN "
                                "(SELECT key FROM snapshots WHERE ns = ? ORDER BY last_used DESC LIMIT ?)",
                                (ns, ns, MAX_SNAPSHOTS))
                if sizes:
                    con.executemany("INSERT OR IGNORE INTO sizes (ns, hash, files, added, deleted) "
                                    "VALUES (?, ?, ?, ?, ?)", [(ns, h, *v) for h, v in sizes.items()])
                size = con.execute(
                    "SELECT (SELECT coalesce(sum(length(core) + length(bodies)), 0) FROM chunks WHERE ns = ?)"
                    " + (SELECT coalesce(sum(length(data)), 0) FROM walks WHERE ns = ?)"
                    " + (SELECT coalesce(sum(length(data)), 0) FROM snapshots WHERE ns = ?)"
                    " + (SELECT count(*) FROM sizes WHERE ns = ?) * ?",
                    (ns, ns, ns, ns, _SIZE_ROW_BYTES)).fetchone()[0]
                con.execute("UPDATE ns SET last_used = ?, bytes = ? WHERE id = ?", (tick, size, ns))
                evicted = self._evict(ns)
                if evicted is not None and ns in evicted:
                    notes.append(f"the history of this repository ({size / 1048576:.0f} MB cached) is larger "
                                 f"than the cache bound ({self.config.max_bytes / 1048576:.0f} MB); it was not kept")
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            # Give space freed by eviction, replacement or compaction back to the file system.
            pages, free = (con.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "freelist_count"))
            if free * 4 > pages:
                con.executescript("PRAGMA incremental_vacuum;")  # stepped to the end, unlike execute()
        except sqlite3.Error as exc:
            raise _problem(self.config.path, exc) from None
        return notes

    def touch(self, identity: str, variant: str) -> None:
        """Mark a namespace as used now (for eviction order)."""
        try:
            self.con.execute("BEGIN IMMEDIATE")
            try:
                tick = self._tick()
                self.con.execute("UPDATE ns SET last_used = ? WHERE identity = ? AND variant = ?",
                                 (tick, identity, variant))
                self.con.execute("COMMIT")
            except BaseException:
                if self.con.in_transaction:
                    self.con.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise _problem(self.config.path, exc) from None

    def _tick(self) -> int:
        """The next value of the use counter (inside a write transaction)."""
        self.con.execute("UPDATE meta SET v = v + 1 WHERE k = 'clock'")
        return self.con.execute("SELECT v FROM meta WHERE k = 'clock'").fetchone()[0]

    def _evict(self, current: int | None) -> list[int] | None:
        """Delete whole-audit results, then least recently used namespaces, until the total fits the bound."""
        con = self.con
        total = con.execute("SELECT coalesce(sum(bytes), 0) FROM ns").fetchone()[0]
        results = con.execute("SELECT key, identity, length(data) FROM results ORDER BY last_used").fetchall()
        total += sum(n for _, _, n in results)
        for key, identity, n in results:
            # Results are the cheapest to lose: one audit rebuilds them from the histories kept.
            if total <= self.config.max_bytes:
                return None
            con.execute("DELETE FROM results WHERE identity = ? AND key = ?", (identity, key))
            total -= n
        if total <= self.config.max_bytes:
            return None
        evicted = []
        rows = con.execute("SELECT id, bytes FROM ns ORDER BY (id = ?), last_used, id", (current,)).fetchall()
        for ns, size in rows:
            if total <= self.config.max_bytes:
                break
            self._drop(ns)
            total -= size
            evicted.append(ns)
        return evicted

    def _drop(self, ns: int) -> None:
        for table in _TABLES:
            self.con.execute(f"DELETE FROM {table} WHERE ns = ?", (ns,))
        # The repository's results rest on its history: they go with it.
        self.con.execute("DELETE FROM results WHERE identity IN (SELECT identity FROM ns WHERE id = ?)", (ns,))
        self.con.execute("DELETE FROM ns WHERE id = ?", (ns,))

    def repositories(self) -> list[tuple[str, int, float]]:
        """(identity, commits, MB) of each repository kept, most recently used first."""
        rows = self._q("SELECT ns.identity, coalesce(sum(c.n), 0), ns.bytes FROM ns LEFT JOIN chunks c "
                       "ON c.ns = ns.id GROUP BY ns.id ORDER BY ns.last_used DESC")
        return [(identity, commits, size / 1048576) for identity, commits, size in rows]

    def stats(self) -> dict[str, int]:
        """Counts for tests and diagnostics."""
        q = self._q
        return {"namespaces": q("SELECT count(*) FROM ns")[0][0],
                "chunks": q("SELECT count(*) FROM chunks")[0][0],
                "commits": q("SELECT coalesce(sum(n), 0) FROM chunks")[0][0],
                "walks": q("SELECT count(*) FROM walks")[0][0],
                "snapshots": q("SELECT count(*) FROM snapshots")[0][0],
                "results": q("SELECT count(*) FROM results")[0][0],
                "bytes": q("SELECT coalesce(sum(bytes), 0) FROM ns")[0][0]}


_DDL = (
    "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO meta (k, v) VALUES ('clock', 0)",
    "CREATE TABLE IF NOT EXISTS ns (id INTEGER PRIMARY KEY, identity TEXT NOT NULL, variant TEXT NOT NULL,"
    " last_used INTEGER NOT NULL, bytes INTEGER NOT NULL, UNIQUE (identity, variant))",
    "CREATE TABLE IF NOT EXISTS chunks (id INTEGER PRIMARY KEY, ns INTEGER NOT NULL, n INTEGER NOT NULL,"
    " core BLOB NOT NULL, bodies BLOB NOT NULL, crc INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS chunks_ns ON chunks (ns)",
    "CREATE TABLE IF NOT EXISTS walks (ns INTEGER NOT NULL, tip TEXT NOT NULL, last_used INTEGER NOT NULL,"
    " data BLOB NOT NULL, PRIMARY KEY (ns, tip))",
    "CREATE TABLE IF NOT EXISTS snapshots (ns INTEGER NOT NULL, key TEXT NOT NULL, last_used INTEGER NOT NULL,"
    " data BLOB NOT NULL, PRIMARY KEY (ns, key))",
    "CREATE TABLE IF NOT EXISTS results (identity TEXT NOT NULL, key TEXT NOT NULL, last_used INTEGER NOT NULL,"
    " data BLOB NOT NULL, PRIMARY KEY (identity, key))",
    "CREATE TABLE IF NOT EXISTS sizes (ns INTEGER NOT NULL, hash TEXT NOT NULL, files INTEGER NOT NULL,"
    " added INTEGER NOT NULL, deleted INTEGER NOT NULL, PRIMARY KEY (ns, hash)) WITHOUT ROWID",
)


def _remove_old_versions(directory: Path) -> None:
    """Delete cache files an older auditor wrote in another layout: they are never read again."""
    for version in range(1, SCHEMA):
        for suffix in ("", "-wal", "-shm"):
            old = directory / f"history-v{version}.sqlite3{suffix}"
            try:
                if old.is_file() and not old.is_symlink():
                    old.unlink()
            except OSError:
                pass


def _problem(path: Path, exc: sqlite3.Error) -> CacheProblem:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return CacheProblem(f"the cache file {path} is locked by another process ({text})")
    return CacheProblem(f"the cache file {path} is unusable ({text})")


def is_damaged(problem: CacheProblem) -> bool:
    """True when the file itself is damaged (as opposed to locked or unwritable)."""
    text = str(problem)
    return "unusable" in text and any(s in text for s in ("not a database", "malformed", "schema version"))


def set_aside(config: CacheConfig) -> bool:
    """Move a damaged cache file out of the way so the next audit starts a fresh one."""
    path = config.path
    try:
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                extra.unlink()
        path.replace(path.with_name(path.name + ".damaged"))
        return True
    except OSError:
        return False
