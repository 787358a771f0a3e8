"""The history cache: hits, new commits, rewritten history, damage, locks, concurrency, bounds.

Every test reads a real repository built at test time, through the cache in
``tmp_path``, and checks the History against an uncached read of the same
revision: the cache may make a read faster, never different.
"""

from __future__ import annotations

import copy
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from auditor.facts.history import History, read_history
from auditor.facts.history_cache import FILENAME, CacheConfig, Store
from auditor.facts.tree import FileTree
from auditor.fixture import build
from auditor.gitio import Workspace, build_shim, discover

SPEC = {
    "default_branch": "main",
    "authors": {
        "ana": {"name": "Ana Lima", "email": "ana@example.com"},
        "ana2": {"name": "ana", "email": "ana.lima@old.example.com"},
        "bo": {"name": "Bo Chen", "email": "bo@example.com"},
        "cy": {"name": "Cy Diaz", "email": "cy@example.com"},
    },
    "commits": [
        {"id": "root", "author": "ana", "date": "2025-01-06T09:00:00+01:00", "message": "Initial commit",
         "files": {"README.md": "# x\n", "src/app.py": "print(1)\n",
                   ".mailmap": "Ana Lima <ana@example.com> ana <ana.lima@old.example.com>\n"}},
        {"repeat": 40, "author": ["bo", "cy", "ana2"], "start": "2025-01-07T10:00:00+00:00", "every": "3h",
         "message": "fix: issue {n} in parser SMS-{n}\n\nLonger explanation of change {n}.\n\n"
                    "Reviewed-by: Bo Chen <bo@example.com>",
         "files": {"src/f{n}.py": "x = {n}\n", "tests/test_f{n}.py": "assert {n}\n"}},
        {"id": "f1", "author": "bo", "branch": "feature/login", "from": "root", "date": "2025-01-07T10:00:00+00:00",
         "message": "feat: login form SMS-12", "files": {"src/login.py": "x\n", "tests/test_login.py": "t\n"}},
        {"id": "m1", "author": "ana", "date": "2025-01-20T11:00:00+00:00", "merge": ["f1"],
         "message": "Merge pull request #4 from acme/feature/login\n\nLogin form"},
        {"id": "g1", "author": "cy", "date": "2025-01-21T11:00:00+00:00",
         "message": "docs: explain the cache\n\nChange-Id: I1234567\nReviewed-on: https://review.example.com/1",
         "files": {"docs/cache.md": "# cache\n"}},
        {"id": "d1", "author": "ana2", "date": "2025-01-22T23:30:00+00:00",
         "message": "fix: crash on empty input (#5)\n\nFixes #12.\n\nReviewed-by: Bo Chen <bo@example.com>\n"
                    "Co-authored-by: Bo <bo@example.com>",
         "files": {"src/app.py": "print(2)\n"}},
        {"id": "r1", "author": "bo", "date": "2025-01-23T12:00:00+00:00",
         "message": "Revert \"fix: crash on empty input\"\n\nThis reverts commit 1234567.",
         "files": {"src/app.py": "print(1)\n", "CHANGELOG.md": "## 1.0\n"}},
    ],
    "tags": [{"name": "v1.0.0", "commit": "r1", "message": "Release 1.0", "date": "2025-01-23T13:00:00+00:00"}],
}


def _with_commits(spec: dict, *extra: dict) -> dict:
    out = copy.deepcopy(spec)
    out["commits"] += list(extra)
    return out


NEW_1 = {"author": "cy", "date": "2025-01-24T09:00:00+00:00", "message": "feat: export report (#6)",
         "files": {"src/export.py": "e\n"}}
NEW_2 = {"author": "bo", "date": "2025-01-25T09:00:00+00:00", "message": "hotfix: urgent crash in export",
         "files": {"src/export.py": "e2\n"}}


class Repo:
    """A fixture repository at a fixed path, read through a fresh shim each time."""

    def __init__(self, path: Path):
        self.path = path

    def build(self, spec: dict) -> Repo:
        if self.path.exists():
            shutil.rmtree(self.path)
        build(spec, self.path)
        return self

    def read(self, cache: CacheConfig | None = None, *, identity: str | None = None, calls: list | None = None,
             **kw) -> History:
        ws = Workspace.create()
        try:
            source = discover(self.path, ws)
            git = build_shim(source, ws)
            rev = git.run("rev-parse", "HEAD").decode().strip()
            tree = FileTree.from_git(git, rev)
            mailmap = tree.entry(".mailmap").oid if tree.exists(".mailmap") else None
            kw.setdefault("window", 3)   # a small window: examples then come from older commits
            kw.setdefault("size_window", 10)
            history = read_history(git, rev, tree_paths=tree.paths, mailmap_blob=f"{rev}:.mailmap" if mailmap else None,
                                   mailmap_oid=mailmap, cache=cache, identity=identity or str(source.git_dir),
                                   forbidden=[source.git_dir, self.path], **kw)
            if calls is not None:
                calls.extend(git.calls)
            return history
        finally:
            ws.cleanup()


def _commands(calls: list[list[str]]) -> list[str]:
    """The git subcommand of each call (the first argument after the -c options)."""
    out = []
    for argv in calls:
        rest = argv[argv.index(next(a for a in argv if a.startswith("--git-dir="))) + 1:]
        while rest and rest[0] == "-c":
            rest = rest[2:]
        out.append(" ".join(rest[:1] + [a for a in rest[1:] if a.startswith("--no-walk")]))
    return out


@pytest.fixture
def repo(tmp_path) -> Repo:
    return Repo(tmp_path / "repo").build(SPEC)


@pytest.fixture
def cache(tmp_path) -> CacheConfig:
    return CacheConfig(directory=tmp_path / "cache", busy_timeout=0.3)


def _same(a: History, b: History) -> None:
    """Every field equal (dataclass equality covers all but the notes on how it was read)."""
    assert a.total == b.total
    assert list(a.times) == list(b.times) and list(a.flags) == list(b.flags)
    assert list(a.authors_of) == list(b.authors_of)
    assert a.recent == b.recent and a.first == b.first and a.examples == b.examples
    assert list(a.ownership.by_path.items()) == list(b.ownership.by_path.items())
    assert a.sizes == b.sizes and a.size_window == b.size_window
    assert a == b


def test_cached_read_equals_uncached_read(repo, cache):
    plain = repo.read()
    filled = repo.read(cache)
    hit = repo.read(cache)              # the folded history, kept
    _sql(cache, "DELETE FROM snapshots")
    refolded = repo.read(cache)         # folded again from the per-commit records
    _same(plain, filled)
    _same(plain, hit)
    _same(plain, refolded)
    assert refolded.reading == {"from_git": 0, "from_cache": plain.total}
    assert filled.reading == {"from_git": plain.total, "from_cache": 0}
    assert hit.reading == {"from_git": 0, "from_cache": plain.total}
    assert not filled.notes and not hit.notes
    # the fixture exercises what the cache must carry
    assert plain.total == 46 and len(plain.authors) == 3 and plain.branch_names and plain.ticket_keys["SMS"]
    assert plain.examples["gerrit"] and plain.examples["revert"] and plain.issue_refs


@pytest.mark.parametrize("folded", [True, False], ids=["folded history kept", "per-commit records only"])
def test_a_repeat_read_runs_no_git_log(repo, cache, folded):
    plain = repo.read()
    repo.read(cache)
    if not folded:
        _sql(cache, "DELETE FROM snapshots")
    calls: list = []
    hit = repo.read(cache, calls=calls)
    commands = _commands(calls)
    # Only the fixture's own rev-parse/ls-tree calls: no log, no rev-list.
    assert not [c for c in commands if c.startswith(("log", "rev-list"))], commands
    assert hit.reading["from_git"] == 0
    _same(plain, hit)


def test_a_damaged_folded_history_is_rewritten(repo, cache):
    plain = repo.read()
    repo.read(cache)
    _sql(cache, "UPDATE snapshots SET data = x'00112233'")
    damaged = repo.read(cache)
    _same(plain, damaged)
    assert any("damaged" in n for n in damaged.notes), damaged.notes
    again = repo.read(cache)
    assert not again.notes and again.reading["from_git"] == 0
    _same(plain, again)


def test_another_window_is_folded_again_from_the_records(repo, cache):
    repo.read(cache)
    calls: list = []
    wide = repo.read(cache, window=20, calls=calls)
    assert wide.reading["from_git"] == 0
    assert not [c for c in _commands(calls) if c.startswith("log")]
    _same(repo.read(window=20), wide)


def test_only_new_commits_are_read(repo, cache):
    repo.read(cache)
    repo.build(_with_commits(SPEC, NEW_1, NEW_2))
    calls: list = []
    after = repo.read(cache, calls=calls)
    assert after.reading == {"from_git": 2, "from_cache": after.total - 2}
    logs = [c for c in _commands(calls) if c.startswith("log")]
    assert logs and all("--no-walk" in c for c in logs), logs
    _same(repo.read(), after)
    assert after.recent[0].subject == "hotfix: urgent crash in export"


def test_rewritten_history_reads_the_new_commit(repo, cache):
    spec = _with_commits(SPEC, NEW_1)
    repo.build(spec)
    before = repo.read(cache)
    amended = copy.deepcopy(spec)
    amended["commits"][-1]["message"] = "feat: export the report as CSV (#6)"
    repo.build(amended)
    after = repo.read(cache)
    assert after.recent[0].hash != before.recent[0].hash
    assert after.recent[0].subject == "feat: export the report as CSV (#6)"
    assert after.reading["from_git"] == 1
    assert before.recent[0].hash not in {c.hash for c in after.recent}
    _same(repo.read(), after)


def test_a_changed_mailmap_rereads_every_commit(repo, cache):
    repo.read(cache)
    spec = _with_commits(SPEC, {"author": "cy", "date": "2025-01-24T09:00:00+00:00", "message": "chore: mailmap",
                                "files": {".mailmap": "Ana Lima <ana@example.com> ana <ana.lima@old.example.com>\n"
                                                      "Cyrus Diaz <cy@example.com>\n"}})
    repo.build(spec)
    after = repo.read(cache)
    assert after.reading["from_git"] == after.total
    assert "Cyrus Diaz" in {a.name for a in after.authors}
    _same(repo.read(), after)


def test_limits_read_through_the_cache_equal_uncached(repo, cache):
    repo.read(cache)
    for kw in ({"max_commits": 10}, {"since": "2025-01-20"}):
        _same(repo.read(**kw), repo.read(cache, **kw))


def test_a_garbage_cache_file_falls_back_and_is_set_aside(repo, cache):
    cache.path.parent.mkdir(parents=True)
    cache.path.write_bytes(b"this is not a database" * 100)
    plain = repo.read()
    first = repo.read(cache)
    _same(plain, first)
    assert any("not used" in n for n in first.notes), first.notes
    assert (cache.path.parent / (FILENAME + ".damaged")).exists()
    second = repo.read(cache)
    third = repo.read(cache)
    assert not second.notes and third.reading["from_git"] == 0
    _same(plain, third)


def test_a_damaged_chunk_falls_back_and_is_rewritten(repo, cache):
    plain = repo.read()
    repo.read(cache)
    _sql(cache, "UPDATE chunks SET core = zeroblob(length(core))", "DELETE FROM snapshots")
    damaged = repo.read(cache)
    _same(plain, damaged)
    assert any("checksum" in n for n in damaged.notes), damaged.notes
    again = repo.read(cache)
    assert not again.notes
    _same(plain, again)


def test_a_locked_cache_does_not_stop_the_audit(repo, cache):
    plain = repo.read()
    repo.read(cache)
    holder = sqlite3.connect(cache.path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE meta SET v = v WHERE k = 'clock'")
    try:
        locked = repo.read(cache)
    finally:
        holder.execute("COMMIT")
        holder.close()
    _same(plain, locked)
    assert any("locked" in n for n in locked.notes), locked.notes
    assert cache.path.exists()  # a locked file is not damaged: it is left alone


def test_a_held_write_lock_still_lets_the_audit_read(repo, cache):
    plain = repo.read()
    repo.read(cache)
    holder = sqlite3.connect(cache.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        h = repo.read(cache)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _same(plain, h)
    assert h.reading["from_git"] == 0   # read from the cache; only the use counter was not updated
    assert any("not updated" in n for n in h.notes), h.notes


def test_concurrent_reads_share_one_cache(tmp_path, cache):
    repos = [Repo(tmp_path / "a").build(SPEC), Repo(tmp_path / "b").build(_with_commits(SPEC, NEW_1))]
    expected = [r.read() for r in repos]
    start = threading.Barrier(4)
    results: list = [None] * 4
    errors: list = []

    def work(i: int) -> None:
        try:
            start.wait()
            results[i] = repos[i % 2].read(CacheConfig(directory=cache.directory, busy_timeout=10))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, h in enumerate(results):
        _same(expected[i % 2], h)
        assert not h.notes, h.notes
    for r, e in zip(repos, expected):
        hit = r.read(cache)
        assert hit.reading["from_git"] == 0
        _same(e, hit)


def test_concurrent_processes_share_one_cache(tmp_path, cache):
    import subprocess
    import sys

    r = Repo(tmp_path / "p").build(SPEC)
    code = ("import sys; from pathlib import Path; from auditor import clock; "
            "from auditor.engine import audit, AuditOptions; "
            "res = audit(sys.argv[1], as_of=clock.parse('2025-02-01'), "
            "options=AuditOptions(use_cache=True, cache_dir=Path(sys.argv[2]))); "
            "print(res.overall)")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(r.path), str(cache.directory)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outs]
    assert len({o[0] for o in outs}) == 1
    store = Store.open(cache)
    try:
        assert store.stats()["namespaces"] == 1
    finally:
        store.close()


def test_without_the_cache_nothing_is_read_or_written(tmp_path, repo):
    from auditor import clock
    from auditor.engine import AuditOptions, audit

    cache_dir = tmp_path / "cache"
    when = clock.parse("2025-02-01")
    audit(repo.path, as_of=when, options=AuditOptions(use_cache=False, cache_dir=cache_dir))
    assert not cache_dir.exists()
    audit(repo.path, as_of=when, options=AuditOptions(use_cache=True, cache_dir=cache_dir))
    db = cache_dir / FILENAME
    before = db.read_bytes()
    wal = db.with_name(db.name + "-wal")
    wal_before = wal.read_bytes() if wal.exists() else b""
    audit(repo.path, as_of=when, options=AuditOptions(use_cache=False, cache_dir=cache_dir))
    assert db.read_bytes() == before
    assert (wal.read_bytes() if wal.exists() else b"") == wal_before


def test_audits_with_and_without_the_cache_report_the_same(tmp_path, repo):
    from auditor import clock
    from auditor.engine import AuditOptions, audit
    from auditor.render.json_report import render_json

    when = clock.parse("2025-02-01")
    reports = []
    for use in (False, True, True):
        res = audit(repo.path, as_of=when, options=AuditOptions(use_cache=use, cache_dir=tmp_path / "c"))
        res.method.pop("git_calls")
        reports.append(render_json(res))
    assert reports[0] == reports[1] == reports[2]


def test_the_size_bound_evicts_the_least_recently_used_repository(tmp_path):
    a = Repo(tmp_path / "a").build(SPEC)
    b = Repo(tmp_path / "b").build(_with_commits(SPEC, NEW_1))
    roomy = CacheConfig(directory=tmp_path / "cache")
    a.read(roomy)
    store = Store.open(roomy)
    one = store.stats()["bytes"]
    store.close()
    tight = CacheConfig(directory=tmp_path / "cache", max_bytes=int(one * 1.5))
    b.read(tight)                       # does not fit next to a: a, used least recently, goes
    store = Store.open(tight)
    try:
        assert store.stats()["namespaces"] == 1
        assert store.namespace(str(discover_git_dir(b.path)), _any_variant(store)) is not None
    finally:
        store.close()
    assert b.read(tight).reading["from_git"] == 0
    assert a.read(tight).reading["from_git"] > 0


def test_a_repository_larger_than_the_bound_is_not_kept(tmp_path, repo):
    tiny = CacheConfig(directory=tmp_path / "cache", max_bytes=1000)
    h = repo.read(tiny)
    assert any("larger than the cache bound" in n for n in h.notes), h.notes
    _same(repo.read(), h)
    store = Store.open(tiny)
    try:
        assert store.stats()["namespaces"] == 0
    finally:
        store.close()


def test_the_cache_is_never_written_inside_the_audited_repository(repo):
    inside = CacheConfig(directory=repo.path / ".cache" / "auditor")
    h = repo.read(inside)
    assert any("inside the audited repository" in n for n in h.notes), h.notes
    assert not (repo.path / ".cache").exists()


def test_progress_is_reported_for_cached_reads(tmp_path, cache):
    spec = {"commits": [{"repeat": 5001, "start": "2024-01-01T00:00:00+00:00", "every": "1h",
                         "message": "chore: step {n}", "files": {"f.txt": "{n}\n"}}]}
    r = Repo(tmp_path / "big").build(spec)
    for expected_source, drop_folded in (("from_git", False), ("from_cache", True), ("from_cache", False)):
        if drop_folded:
            _sql(cache, "DELETE FROM snapshots")
        seen: list[int] = []
        h = r.read(cache, progress=seen.append)
        assert seen == [5000]
        assert h.reading[expected_source] == 5001


def test_a_shallow_clone_is_read_without_the_cache(tmp_path, repo, cache):
    import subprocess

    from auditor.gitio import sanitized_env

    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "3", f"file://{repo.path}", str(clone)], check=True,
                   env=sanitized_env(str(tmp_path)), capture_output=True)
    h = Repo(clone).read(cache, is_shallow=True)
    assert any("shallow" in n for n in h.notes)
    assert not cache.path.exists()


def _sql(cache: CacheConfig, *statements: str) -> None:
    con = sqlite3.connect(cache.path)
    try:
        for stmt in statements:
            con.execute(stmt)
        con.commit()
    finally:
        con.close()


def discover_git_dir(path: Path) -> Path:
    ws = Workspace.create()
    try:
        return discover(path, ws).git_dir
    finally:
        ws.cleanup()


def _any_variant(store: Store) -> str:
    return store.con.execute("SELECT variant FROM ns LIMIT 1").fetchone()[0]


def test_space_freed_by_eviction_is_given_back(tmp_path):
    big = {"commits": [{"repeat": 3000, "start": "2024-01-01T00:00:00+00:00", "every": "1h",
                        "message": "feat: step {n}\n\n" + "A longer body line. " * 20, "files": {"f{n}.txt": "{n}\n"}}]}
    a = Repo(tmp_path / "a").build(big)
    b = Repo(tmp_path / "b").build(SPEC)
    roomy = CacheConfig(directory=tmp_path / "cache")
    a.read(roomy)
    size_with_a = roomy.path.stat().st_size
    b.read(CacheConfig(directory=tmp_path / "cache", max_bytes=1))  # b alone does not fit: nothing is kept
    con = sqlite3.connect(roomy.path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        free = con.execute("PRAGMA freelist_count").fetchone()[0]
    finally:
        con.close()
    assert free == 0
    assert roomy.path.stat().st_size < size_with_a / 4
