"""The streaming history reader, on real repositories built at test time."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.facts import history as H
from auditor.facts.history import read_history
from auditor.fixture import build
from auditor.gitio import Workspace, build_shim, discover

SPEC = {
    "default_branch": "main",
    "authors": {
        "ana": {"name": "Ana Lima", "email": "ana@example.com"},
        "ana2": {"name": "ana", "email": "ana.lima@old.example.com"},
        "bo": {"name": "Bo Chen", "email": "bo@example.com"},
    },
    "commits": [
        {"id": "root", "author": "ana", "date": "2025-01-06T09:00:00+01:00", "message": "Initial commit",
         "files": {"README.md": "# x\n", "src/app.py": "print(1)\n",
                   ".mailmap": "Ana Lima <ana@example.com> ana <ana.lima@old.example.com>\n"}},
        {"id": "f1", "author": "bo", "branch": "feature/login", "from": "root", "date": "2025-01-07T10:00:00+00:00",
         "message": "feat: login form SMS-12", "files": {"src/login.py": "x\n", "tests/test_login.py": "t\n"}},
        {"id": "m1", "author": "ana", "date": "2025-01-08T11:00:00+00:00", "merge": ["f1"],
         "message": "Merge pull request #4 from acme/feature/login\n\nLogin form"},
        {"id": "d1", "author": "ana2", "date": "2025-01-09T23:30:00+00:00",
         "message": "fix: crash on empty input (#5)\n\nReviewed-by: Bo Chen <bo@example.com>\nCo-authored-by: Bo <bo@example.com>",
         "files": {"src/app.py": "print(2)\n"}},
        {"id": "r1", "author": "bo", "date": "2025-01-10T12:00:00+00:00",
         "message": "Revert \"fix: crash on empty input\"\n\nThis reverts commit 1234567.",
         "files": {"src/app.py": "print(1)\n", "CHANGELOG.md": "## 1.0\n"}},
    ],
    "tags": [{"name": "v1.0.0", "commit": "r1", "message": "Release 1.0", "date": "2025-01-10T13:00:00+00:00"}],
}


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    repo = build(SPEC, tmp_path_factory.mktemp("h") / "repo")
    ws = Workspace.create()
    try:
        git = build_shim(discover(repo, ws), ws)
        rev = git.run("rev-parse", "HEAD").decode().strip()
        paths = git.run("ls-tree", "-r", "--name-only", rev).decode().split()
        yield read_history(git, rev, tree_paths=paths, mailmap_blob=f"{rev}:.mailmap")
    finally:
        ws.cleanup()


def _by_subject(h, prefix):
    return next(c for c in h.recent if c.subject.startswith(prefix))


def test_every_commit_is_read_once_newest_first(history):
    assert history.total == 5
    assert history.recent[0].subject.startswith("Revert")
    assert history.first.subject == "Initial commit"
    assert list(history.times) == sorted(history.times, reverse=True)


def test_mailmap_folds_two_spellings_into_one_person(history):
    names = sorted(a.name for a in history.authors)
    assert names == ["Ana Lima", "Bo Chen"]
    ana = next(a for a in history.authors if a.name == "Ana Lima")
    assert ana.commits == 3


def test_first_parent_line_and_merge_markers(history):
    merge = _by_subject(history, "Merge pull request")
    assert merge.has(H.MERGE) and merge.has(H.PR_MERGE) and merge.has(H.MAINLINE)
    feature = _by_subject(history, "feat: login")
    assert not feature.has(H.MAINLINE)
    assert feature.has(H.FEAT) and feature.has(H.TOUCH_TEST) and feature.has(H.TICKET)
    assert history.branch_names["acme/feature/login"] == 1
    assert len(history.mainline()) == 4


def test_trailers_squash_revert_and_changelog(history):
    fix = _by_subject(history, "fix: crash")
    assert fix.has(H.SQUASH_PR) and fix.has(H.REVIEW_TRAILER) and fix.has(H.COAUTHORED) and fix.has(H.FIX)
    assert ("reviewed-by", "Bo Chen <bo@example.com>") in fix.trailers
    revert = _by_subject(history, "Revert")
    assert revert.has(H.REVERT) and revert.has(H.TOUCH_CHANGELOG)
    assert history.ticket_keys["SMS"] == 1


def test_ownership_counts_current_files_only_and_skips_merges(history):
    own = history.ownership.by_path
    assert sum(own["src/app.py"].values()) == 3
    assert "src/login.py" in own


def test_local_time_uses_the_authors_offset(history):
    root = history.first
    assert root.tz_minutes == 60
    assert root.date == "2025-01-06"


def test_line_counts_are_read_for_the_size_window(history):
    fix = _by_subject(history, "fix: crash")
    assert history.sizes[fix.hash] == (1, 1, 1)


def test_hostile_message_cannot_forge_a_record(tmp_path):
    spec = {"commits": [{"message": "evil \x00 \x1e fake\n\nbody \u202e", "files": {"a": "1\n"}},
                        {"message": "second", "files": {"b": "2\n"}}]}
    # fast-import refuses NUL in data? It accepts it; git log prints messages up to NUL.
    repo = build(spec, tmp_path / "r")
    ws = Workspace.create()
    try:
        git = build_shim(discover(repo, ws), ws)
        h = read_history(git, "HEAD")
    finally:
        ws.cleanup()
    assert h.total == 2
    assert h.recent[0].subject == "second"


def test_indices_select_by_time_and_flags_newest_first():
    from array import array

    h = H.History(available=True, total=10_000)
    h.times = array("q", [10_000 - i for i in range(10_000)])
    h.flags = array("Q", [(H.MERGE if i % 3 == 0 else 0) | (H.MAINLINE if i % 2 == 0 else 0) for i in range(10_000)])

    def slow(since=None, until=None, flags_all=0, flags_none=0):
        return [i for i in range(h.total)
                if (until is None or h.times[i] <= until) and (since is None or h.times[i] >= since)
                and h.flags[i] & flags_all == flags_all and not h.flags[i] & flags_none]

    for kw in ({}, {"since": 2_000}, {"until": 9_500}, {"since": 100, "until": 8_000, "flags_none": H.MERGE},
               {"flags_all": H.MAINLINE}, {"flags_all": H.MAINLINE | H.MERGE, "until": 5_000}):
        assert list(h.indices(**kw)) == slow(**kw)
        assert h.count(**kw) == len(slow(**kw))
    assert h.mainline(3) == [0, 2, 4]
    # a caller that stops early is not made to wait for the whole history
    it = h.indices(flags_none=H.MERGE)
    assert [next(it), next(it)] == [1, 2]


@settings(max_examples=150, deadline=None)
@given(times=st.lists(st.integers(0, 50_000), min_size=0, max_size=20_000),
       since=st.one_of(st.none(), st.integers(-10, 50_010)), until=st.one_of(st.none(), st.integers(-10, 50_010)))
def test_time_windows_skip_only_blocks_that_cannot_match(times, since, until):
    """Times out of order (rebases, skew): skipping old blocks must never drop a match."""
    from array import array

    times = sorted(times, reverse=True)
    # Disorder: swap neighbours here and there, and move a few old commits to the front.
    for i in range(0, len(times) - 1, 7):
        times[i], times[i + 1] = times[i + 1], times[i]
    times[:0] = times[-3:]
    h = H.History(available=True, total=len(times))
    h.times = array("q", times)
    h.flags = array("Q", [i % 5 for i in range(len(times))])
    expected = [i for i, t in enumerate(times) if (since is None or t >= since) and (until is None or t <= until)]
    assert list(h.indices(since=since, until=until)) == expected
    assert h.count(since=since, until=until) == len(expected)
