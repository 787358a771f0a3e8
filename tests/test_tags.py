"""Which tags are merged into the audited revision: read off the history walk, checked against git.

The history read already lists every commit reachable from the revision, so a
tag is merged exactly when its commit is among them; ``git for-each-ref
--merged`` (which walks the graph a second time) is the reference answer and
the fallback when a limit (``--max-commits``) cut the walk short.
"""

from __future__ import annotations

import pytest

from auditor.engine import AuditOptions
from auditor.facts import Facts
from auditor.facts import standard as _standard  # noqa: F401 - registers the providers
from auditor.facts.refs import read_tags
from auditor.facts.tree import FileTree
from auditor.fixture import build
from auditor.gitio import Workspace, build_shim, discover

SPEC = {
    "default_branch": "main",
    "authors": {"ana": {"name": "Ana Lima", "email": "ana@example.com"}},
    "commits": [
        {"id": "c1", "date": "2025-01-06T09:00:00+00:00", "message": "Initial commit", "files": {"a": "1\n"}},
        {"id": "c2", "date": "2025-01-07T09:00:00+00:00", "message": "feat: two", "files": {"a": "2\n"}},
        {"id": "s1", "branch": "spike", "from": "c2", "date": "2025-01-08T09:00:00+00:00",
         "message": "spike: never merged", "files": {"b": "1\n"}},
        {"id": "f1", "branch": "feature", "from": "c2", "date": "2025-01-08T10:00:00+00:00",
         "message": "feat: three", "files": {"c": "1\n"}},
        {"id": "m1", "date": "2025-01-09T09:00:00+00:00", "merge": ["f1"], "message": "Merge branch 'feature'"},
        {"id": "c3", "date": "2025-01-10T09:00:00+00:00", "message": "fix: four", "files": {"a": "3\n"}},
    ],
    "tags": [
        {"name": "v0.1.0", "commit": "c1"},                                   # lightweight, old
        {"name": "v0.2.0", "commit": "c2", "message": "Release 0.2", "date": "2025-01-07T10:00:00+00:00"},
        {"name": "v0.3.0-rc.1", "commit": "f1"},                              # on a branch merged later
        {"name": "spike-1", "commit": "s1", "message": "Spike", "date": "2025-01-08T11:00:00+00:00"},
        {"name": "v0.3.0", "commit": "c3", "message": "Release 0.3", "date": "2025-01-10T10:00:00+00:00"},
    ],
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    path = tmp_path_factory.mktemp("tags") / "repo"
    build(SPEC, path)
    return path


def _tags(path, options: AuditOptions, rev: str = "HEAD"):
    """The ``tags`` fact as an audit collects it, and git's own ``--merged`` answer."""
    ws = Workspace.create()
    try:
        source = discover(path, ws)
        git = build_shim(source, ws)
        sha = git.run("rev-parse", rev).decode().strip()
        tree = FileTree.from_git(git, sha)
        facts = Facts(_git=git, _rev=sha, _options=options, tree=tree, declared={}, _source=source,
                      _origin=str(source.git_dir))
        got = facts.get("tags")
        history = facts.get("history")
        calls = [" ".join(a for a in argv if a.startswith(("for-each-ref", "--merged"))) for argv in git.calls]
        return got, read_tags(git, sha), history, calls
    finally:
        ws.cleanup()


@pytest.mark.parametrize("rev", ["HEAD", "spike", "feature", "HEAD~1"])
def test_tags_from_the_history_walk_equal_gits_merged_answer(repo, rev):
    got, expected, history, calls = _tags(repo, AuditOptions(), rev)
    assert got == expected and got                       # same tags, same order, same fields
    assert not any("--merged" in c for c in calls)       # and git did not walk the graph again
    assert history.reached == {t.commit for t in expected}


def test_unmerged_tags_are_left_out(repo):
    got, _, _, _ = _tags(repo, AuditOptions())
    names = [t.name for t in got]
    assert names == ["v0.1.0", "v0.2.0", "v0.3.0-rc.1", "v0.3.0"]     # not spike-1
    assert next(t for t in got if t.name == "v0.2.0").annotated


def test_a_cut_short_history_asks_git(repo):
    got, expected, history, calls = _tags(repo, AuditOptions(max_commits=2))
    assert history.truncated
    assert got == expected and [t.name for t in got] == ["v0.1.0", "v0.2.0", "v0.3.0-rc.1", "v0.3.0"]
    assert any("--merged" in c for c in calls)


def test_the_history_cache_keeps_the_answer_and_notices_a_new_tag(repo, tmp_path):
    options = AuditOptions(use_cache=True, cache_dir=tmp_path / "cache")
    first, expected, _, _ = _tags(repo, options)
    again, _, history, _ = _tags(repo, options)
    assert first == again == expected and history.reading["from_git"] == 0
    # A new tag on an old commit changes no commit: the cached history must still see it.
    import subprocess
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--mirror", str(repo), str(clone)], check=True)
    options = AuditOptions(use_cache=True, cache_dir=tmp_path / "cache2")
    before, _, _, _ = _tags(clone, options)
    subprocess.run(["git", "-C", str(clone), "tag", "v0.2.1", "HEAD~2"], check=True)
    after, expected, _, _ = _tags(clone, options)
    assert "v0.2.1" not in [t.name for t in before]
    assert after == expected and "v0.2.1" in [t.name for t in after]
