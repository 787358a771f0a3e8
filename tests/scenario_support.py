"""Helpers for the scenario and CLI tests: specs, audit dates, git, repository snapshots.

Tests that run git themselves call :func:`git`, which gives git the auditor's
sanitized environment (no inherited ``GIT_*``, no user or system configuration, a
throwaway ``HOME``). Nothing here mocks git.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from auditor.clock import AsOf
from auditor.fixture import load_spec
from auditor.gitio import sanitized_env

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SPEC_NAMES = tuple(sorted(p.stem for p in FIXTURES.glob("*.yaml")))


def spec_of(name: str) -> dict:
    return load_spec(FIXTURES / f"{name}.yaml")


def as_of_of(name: str) -> AsOf:
    """The audit date a spec declares (``as_of: YYYY-MM-DD``)."""
    value = spec_of(name).get("as_of")
    if value is None:
        raise AssertionError(f"fixtures/{name}.yaml has no top-level as_of: YYYY-MM-DD")
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        value = dt.date.fromisoformat(str(value))
    return AsOf(value)


# -- git, run by the tests themselves ------------------------------------------------------

_HOME: Path | None = None


def _home() -> Path:
    global _HOME
    if _HOME is None:
        import atexit
        import shutil
        import tempfile

        _HOME = Path(tempfile.mkdtemp(prefix="auditor-tests-home-"))
        atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
    return _HOME


def git(*args: str, cwd: Path | str | None = None, env: dict[str, str] | None = None,
        check: bool = True) -> str:
    """Run git with the auditor's sanitized environment and return its stdout."""
    proc = subprocess.run(["git", "--no-pager", *args], cwd=str(cwd) if cwd else None,
                          env=env or sanitized_env(str(_home())), capture_output=True, timeout=120,
                          check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode("utf-8", "replace")


# -- repository snapshots (to prove an audit writes nothing) -----------------------------


@dataclass(frozen=True)
class RepoState:
    refs: str
    status: str
    config: bytes
    work_tree: str
    git_dir: str


def _hash_dir(root: Path, *, skip: tuple[str, ...] = ()) -> str:
    """One digest over every path (with its type and content) under ``root``."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = sorted(d for d in dirnames if os.path.normpath(os.path.join(rel_dir, d)) not in skip)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel in skip:
                continue
            h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            if path.is_symlink():
                h.update(b"L" + os.readlink(path).encode("utf-8", "surrogateescape"))
            else:
                st = path.stat()
                h.update(b"F%o\0" % (st.st_mode & 0o777) + path.read_bytes())
            h.update(b"\0")
    return h.hexdigest()


def repo_state(path: Path) -> RepoState:
    """What an audit must not change: refs, status, config, work tree and .git contents."""
    git_dir = path / ".git"
    return RepoState(
        refs=git("for-each-ref", "--format=%(objectname) %(refname)", cwd=path),
        status=git("status", "--porcelain=v1", "--untracked-files=all", "--ignored", cwd=path),
        config=(git_dir / "config").read_bytes(),
        work_tree=_hash_dir(path, skip=(".git",)),
        git_dir=_hash_dir(git_dir),
    )
