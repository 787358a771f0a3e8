"""The history folded in a second process is the same history; its failures surface as they would here."""

from __future__ import annotations

import sys

import pytest

from auditor.engine import AuditOptions, audit
from auditor.facts.history import read_history
from auditor.facts.history_worker import WorkerUnavailable, is_large, read_history_apart
from auditor.facts.tree import FileTree
from auditor.gitio import GitError, Workspace, build_shim, discover
from auditor.render.json_report import render_json
from tests.scenario_support import as_of_of


@pytest.fixture
def shim(scenario):
    ws = Workspace.create()
    try:
        source = discover(scenario("mature"), ws)
        git = build_shim(source, ws)
        rev = git.run("rev-parse", "HEAD").decode().strip()
        yield git, rev, FileTree.from_git(git, rev)
    finally:
        ws.cleanup()


def test_the_worker_reads_the_same_history(shim):
    git, rev, tree = shim
    seen = []
    here = read_history(git, rev, tree_paths=tree.paths, size_window=50)
    apart = read_history_apart(git, rev, tree_paths=tree.paths, size_window=50, progress=seen.append)
    assert apart == here and apart.total == here.total > 0
    assert apart.recent == here.recent and apart.ownership == here.ownership and apart.sizes == here.sizes
    # The worker's git calls are counted with the audit's own.
    assert any("log" in argv for argv in git.calls)


def test_a_git_failure_in_the_worker_is_a_git_error_here(shim):
    git, _, tree = shim
    with pytest.raises(GitError) as caught:
        read_history_apart(git, "0" * 40, tree_paths=tree.paths)
    assert caught.value.kind in (GitError.BAD_REVISION, GitError.CORRUPT, GitError.FAILED)


def test_no_interpreter_means_no_worker(shim, monkeypatch):
    git, rev, tree = shim
    monkeypatch.setattr(sys, "executable", "")
    with pytest.raises(WorkerUnavailable):
        read_history_apart(git, rev, tree_paths=tree.paths)


@pytest.mark.parametrize("name", ["mature", "seed003"])
def test_audits_with_and_without_the_worker_report_the_same(scenario, name):
    reports = []
    for mode in ("never", "always"):
        result = audit(scenario(name), as_of=as_of_of(name), options=AuditOptions(history_process=mode))
        result.method.pop("git_calls")
        reports.append(render_json(result))
    assert reports[0] == reports[1]


def test_an_audit_whose_worker_cannot_start_reads_in_process(scenario, monkeypatch):
    monkeypatch.setattr(sys, "executable", "")
    name = "mature"
    result = audit(scenario(name), as_of=as_of_of(name), options=AuditOptions(history_process="always"))
    expected = audit(scenario(name), as_of=as_of_of(name), options=AuditOptions(history_process="never"))
    assert result.overall == expected.overall and result.areas == expected.areas


def test_small_repositories_stay_in_process(scenario, tmp_path):
    assert not is_large(scenario("mature") / ".git")
    pack = tmp_path / "big.git" / "objects" / "pack"
    pack.mkdir(parents=True)
    with open(pack / "pack-1.pack", "wb") as f:
        f.truncate(25 * 1024 * 1024)          # sparse: no disk used
    assert is_large(tmp_path / "big.git")
