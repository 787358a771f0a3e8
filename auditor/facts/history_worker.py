"""Reading the history in a second Python process, for large repositories.

Why: an audit is two streams of Python work — folding ``git log``'s output into
a History, and everything else (file facts, rules) — plus git itself. On one
interpreter the GIL runs the two Python streams one after the other, and the
fold of a 100k-commit history is seconds long. In a process of its own the fold
runs on another core beside the rules, and the audit's wall time comes down to
about git's own (measured in docs/performance.md; ADR 0005).

The worker is this module run by the same Python interpreter (``python -c``,
never anything from the audited repository; no ``multiprocessing``, which would
re-run the caller's main script). It reads its task — pickled, from us — on
stdin, reads the history exactly as :func:`auditor.facts.history.read_history`
does, and writes progress and then the History (or the error) to stdout.
Anything that goes wrong starting it falls back to reading in this process.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.gitio import GitError

if TYPE_CHECKING:
    from auditor.facts.history import History
    from auditor.gitio import Git

#: Object store size from which a second process pays for its start (about 0.1–0.2 s): a few
#: thousand commits. Measured on the bench's repositories (docs/performance.md).
LARGE_BYTES = 24 * 1024 * 1024
_MAX_PACKS = 10_000
WORKER_CODE = "from auditor.facts.history_worker import main; main()"


def is_large(git_dir: Path) -> bool:
    """Whether the repository's packed objects reach :data:`LARGE_BYTES` (a stat of each pack)."""
    total = 0
    try:
        with os.scandir(Path(git_dir) / "objects" / "pack") as entries:
            for n, entry in enumerate(entries):
                if n >= _MAX_PACKS:
                    break
                if entry.name.endswith(".pack") and entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
                    if total >= LARGE_BYTES:
                        return True
    except OSError:
        return False
    return False


class WorkerUnavailable(Exception):
    """The second process could not be used; the history is read in this one instead."""


def read_history_apart(git: Git, rev: str, *, progress=None, **kwargs: Any) -> History:
    """:func:`read_history` in a second process; raise WorkerUnavailable if it cannot run."""
    if not sys.executable or getattr(sys, "frozen", False):
        # A frozen build's executable is the application, not an interpreter that runs -c.
        raise WorkerUnavailable("no Python interpreter to start")
    env = dict(os.environ)
    # The same auditor, whichever way this process found it (installed, or on sys.path).
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isabs(p))
    try:
        # -P and a working directory of our own: ``python -c`` would otherwise put the current
        # directory first on sys.path, and an audit run from inside a hostile repository would
        # import that repository's ``auditor`` package.
        worker = subprocess.Popen([sys.executable, "-P", "-c", WORKER_CODE],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  env=env, cwd=git.home, close_fds=True)
    except OSError as exc:
        raise WorkerUnavailable(f"{type(exc).__name__}: {exc}") from None
    try:
        try:
            pickle.dump((git, rev, kwargs), worker.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            worker.stdin.close()
        except (OSError, pickle.PicklingError) as exc:
            raise WorkerUnavailable(f"the history process did not take its task ({exc})") from None
        while True:
            try:
                message = pickle.load(worker.stdout)
            except EOFError:
                worker.wait(5)
                raise WorkerUnavailable(f"the history process ended without an answer "
                                        f"(exit code {worker.returncode})") from None
            kind = message[0]
            if kind == "progress":
                if progress is not None:
                    progress(message[1])
            elif kind == "done":
                git.calls.extend(message[1])
                return message[2]
            elif kind == "git-error":
                git.calls.extend(message[1])
                raise GitError(message[2], message[3])
            elif kind == "error":   # the read failed there as it would have failed here
                raise RuntimeError(message[1])
            else:
                raise WorkerUnavailable("the history process answered out of turn")
    finally:
        worker.stdout.close()
        try:
            worker.wait(5)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(5)


def main() -> None:
    """The worker's side: take the task from stdin, read, send the History (or the error) back."""
    from auditor.facts.history import read_history

    out = sys.stdout.buffer

    def send(message: tuple) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    git, rev, kwargs = pickle.load(sys.stdin.buffer)
    try:
        history = read_history(git, rev, progress=lambda n: send(("progress", n)), **kwargs)
        send(("done", git.calls, history))
    except GitError as exc:
        send(("git-error", git.calls, exc.kind, str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which decides
        send(("error", f"{type(exc).__name__}: {str(exc)[:300]}"))
