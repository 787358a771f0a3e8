"""The hardened git wrapper: the only module in auditor that runs a process.

Every call passes an argument list (never a shell), ``--no-pager``, a sanitized
environment (no inherited ``GIT_*``, no user or system config, a throwaway
``HOME``), configuration overrides that switch off everything that could run a
program, a timeout, and a bound on what it reads back. Failures are classified
into :class:`GitError` kinds so the CLI can give a one-line message and a
documented exit code.

An audited repository is untrusted (see docs/adr/0004-read-through-a-shim.md):
git runs inside the audited ``.git`` only to discover it (which applies git's
``safe.directory`` ownership check) and to list its refs. Everything else runs in
a *shim* — a bare repository we create in a temporary directory, whose config we
write, which borrows the audited repository's objects through
``objects/info/alternates``. Nothing is copied and nothing in the audited
repository is written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TIMEOUT = 120.0
MAX_OUTPUT = 64 * 1024 * 1024

# Overrides applied to every git call. They take precedence over any repository
# config, so a hostile .git/config cannot make git run a program while we read.
HARDENING = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.askPass=",
    "core.sshCommand=false",
    "credential.helper=",
    "diff.external=",
    "log.showSignature=false",
    "gpg.program=false",
    "gpg.ssh.program=false",
    "gpg.x509.program=false",
    "protocol.ext.allow=never",
    "protocol.fd.allow=never",
    "submodule.recurse=false",
    "fetch.recurseSubmodules=false",
    "core.quotePath=false",
    "i18n.logOutputEncoding=UTF-8",
    "log.mailmap=true",
    "maintenance.auto=false",
    "gc.auto=0",
)

HASH_RE = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
SAFE_REFNAME = re.compile(r"^refs/(heads|tags|remotes|pull|merge-requests)/[^\x00-\x20\x7f~^:?*\[\\]+$")


class GitError(Exception):
    """A git call failed; ``kind`` says how, for the CLI's exit code and message."""

    NOT_A_REPOSITORY = "not_a_repository"
    UNSAFE_OWNERSHIP = "unsafe_ownership"
    BAD_REVISION = "bad_revision"
    CORRUPT = "corrupt"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    GIT_MISSING = "git_missing"
    UNSUPPORTED = "unsupported"
    FAILED = "failed"

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _classify(stderr: str) -> str:
    text = stderr.lower()
    if "dubious ownership" in text or "safe.directory" in text:
        return GitError.UNSAFE_OWNERSHIP
    if "not a git repository" in text:
        return GitError.NOT_A_REPOSITORY
    if any(s in text for s in ("unknown revision", "bad revision", "needed a single revision",
                                "ambiguous argument", "invalid object name", "not a valid object name")):
        return GitError.BAD_REVISION
    if any(s in text for s in ("corrupt", "bad object", "missing blob", "missing tree", "unable to read",
                                "fatal: packed object", "bad packed object", "did not receive expected object",
                                "inflate", "could not parse", "bad tree object", "broken link")):
        return GitError.CORRUPT
    return GitError.FAILED


def _first_line(stderr: bytes) -> str:
    for line in stderr.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line:
            return line[:300]
    return "git failed without a message"


def sanitized_env(home: str) -> dict[str, str]:
    """The environment every git process gets: nothing inherited that git reads."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "XDG_CONFIG_HOME": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "false",
        "SSH_ASKPASS": "false",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "GIT_EDITOR": "false",
        "GIT_ALLOW_PROTOCOL": "https:http:ssh:git:file",
        "TZ": "UTC",
    }
    return env


@dataclass
class Git:
    """Runs git against one git directory with the hardened settings."""

    git_dir: Path
    home: str
    timeout: float = DEFAULT_TIMEOUT
    extra_config: tuple[str, ...] = ()
    calls: list[list[str]] = field(default_factory=list)

    def argv(self, args: tuple[str, ...] | list[str]) -> list[str]:
        cfg: list[str] = []
        for item in (*HARDENING, *self.extra_config):
            cfg += ["-c", item]
        return [_git_binary(), "--no-pager", "--no-replace-objects", f"--git-dir={self.git_dir}", *cfg, *args]

    def run(self, *args: str, input: bytes | None = None, timeout: float | None = None,
            max_output: int = MAX_OUTPUT, check: bool = True) -> bytes:
        """Run git to completion and return its stdout (bounded); raise GitError on failure."""
        chunks: list[bytes] = []
        size = 0
        for data in self.stream(*args, input=input, timeout=timeout, check=check):
            size += len(data)
            if size > max_output:
                raise GitError(GitError.TOO_LARGE, f"git {args[0]} printed more than {max_output} bytes")
            chunks.append(data)
        return b"".join(chunks)

    def stream(self, *args: str, input: bytes | None = None, timeout: float | None = None,
               chunk: int = 1 << 16, check: bool = True) -> Iterator[bytes]:
        """Yield git's stdout in chunks as it is produced; the process is killed at the deadline.

        Closing the generator early (a bound reached) kills git, so nothing is left running.
        """
        argv = self.argv(args)
        self.calls.append(argv)
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=sanitized_env(self.home), cwd=self.home, close_fds=True)
        except FileNotFoundError:
            raise GitError(GitError.GIT_MISSING, "git is not installed or not on PATH") from None
        limit = timeout or self.timeout
        expired = threading.Event()

        def kill() -> None:
            expired.set()
            proc.kill()

        timer = threading.Timer(limit, kill)
        timer.daemon = True
        timer.start()
        err_chunks: list[bytes] = []
        # stdin is fed and stderr drained on threads so a chatty git cannot block on a full pipe.
        helpers = [threading.Thread(target=lambda: err_chunks.append(proc.stderr.read(1 << 20)), daemon=True)]
        if input is not None:
            helpers.append(threading.Thread(target=_feed, args=(proc.stdin, input), daemon=True))
        for t in helpers:
            t.start()
        try:
            while True:
                data = proc.stdout.read1(chunk)
                if not data:
                    break
                yield data
            proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for t in helpers:
                t.join(timeout=5)
            proc.stdout.close()
            proc.stderr.close()
        if expired.is_set():
            raise GitError(GitError.TIMEOUT, f"git {args[0]} did not finish within {limit:.0f}s")
        if check and proc.returncode != 0:
            msg = _first_line(b"".join(err_chunks))
            raise GitError(_classify(msg), msg)


def _feed(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
        pipe.close()
    except OSError:
        pass  # git exited early; its exit status says why


_GIT: str | None = None


def _git_binary() -> str:
    global _GIT
    if _GIT is None:
        found = shutil.which("git")
        if not found:
            raise GitError(GitError.GIT_MISSING, "git is not installed or not on PATH")
        _GIT = found
    return _GIT


def git_version() -> str:
    """The version string of the git binary in use (for the method appendix)."""
    argv = [_git_binary(), "--no-pager"]
    for item in HARDENING:
        argv += ["-c", item]
    out = subprocess.run([*argv, "--version"], capture_output=True, timeout=10,
                         env=sanitized_env(tempfile.gettempdir())).stdout
    return out.decode("ascii", "replace").strip().removeprefix("git version ").strip()


# --------------------------------------------------------------------------------------
# Opening an untrusted repository through a shim


@dataclass
class Source:
    """What the user pointed the auditor at, resolved."""

    git_dir: Path          # the audited repository's git directory
    work_tree: Path | None  # its work tree, if any (never read: we read git objects)
    display_name: str
    head_ref: str | None    # e.g. "refs/heads/main", None when detached
    is_shallow: bool
    shallow_file: bytes


@dataclass
class Workspace:
    """A temporary directory holding the throwaway HOME and the shim repository."""

    root: Path
    home: Path
    shim: Path

    @classmethod
    def create(cls) -> Workspace:
        root = Path(tempfile.mkdtemp(prefix="auditor-"))
        home = root / "home"
        home.mkdir()
        return cls(root=root, home=home, shim=root / "shim.git")

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def discover(path: Path, ws: Workspace) -> Source:
    """Find the git directory for ``path`` with git's own discovery and ownership check."""
    # git runs with the workspace as its working directory, so a relative path must be made absolute first.
    path = Path(os.path.abspath(path))
    if not path.exists():
        raise GitError(GitError.NOT_A_REPOSITORY, f"{path}: no such file or directory")
    if not path.is_dir():
        raise GitError(GitError.NOT_A_REPOSITORY, f"{path}: not a directory")
    # Discovery must not be pinned by --git-dir: run `git -C path` with the same hardening.
    argv = [_git_binary(), "--no-pager", "-C", str(path)]
    for item in HARDENING:
        argv += ["-c", item]
    argv += ["rev-parse", "--absolute-git-dir", "--is-bare-repository", "--is-shallow-repository",
             "--show-toplevel"]
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=30, env=_discovery_env(ws), cwd=str(ws.home))
    except FileNotFoundError:
        raise GitError(GitError.GIT_MISSING, "git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitError(GitError.TIMEOUT, "git did not answer within 30s while opening the repository") from None
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    if proc.returncode != 0 and len(lines) < 3:
        msg = _first_line(proc.stderr)
        kind = _classify(msg)
        if kind == GitError.FAILED:
            kind = GitError.NOT_A_REPOSITORY
        raise GitError(kind, msg)
    git_dir = Path(lines[0])
    is_bare = lines[1].strip() == "true"
    is_shallow = lines[2].strip() == "true"
    work_tree = Path(lines[3]) if len(lines) > 3 and not is_bare and lines[3] else None
    top = (work_tree or git_dir).resolve()
    root = path.resolve()
    # A .git *file* may point anywhere on the machine; auditing that would read outside
    # what the user named, so a git directory outside the repository is refused. A path
    # inside a work tree (a subdirectory) audits the whole repository it belongs to.
    inside_own_tree = work_tree is not None and _is_within(git_dir.resolve(), top) and _is_within(root, top)
    if not inside_own_tree and not _is_within(git_dir.resolve(), root) and not _is_within(root, git_dir.resolve()):
        raise GitError(GitError.UNSUPPORTED,
                       f"{path}: its git directory lies outside it ({git_dir}); audit that directory directly")
    if (git_dir / "objects" / "info" / "alternates").exists():
        raise GitError(GitError.UNSUPPORTED,
                       f"{path}: the repository borrows objects from elsewhere (objects/info/alternates); "
                       "audit a full clone")
    if (git_dir / "commondir").exists():
        raise GitError(GitError.UNSUPPORTED, f"{path}: a linked worktree; audit the main repository")
    shallow = b""
    if is_shallow:
        shallow = _read_bounded(git_dir / "shallow", 16 * 1024 * 1024)
    return Source(git_dir=git_dir, work_tree=work_tree, display_name=(top.name or str(top)),
                  head_ref=None, is_shallow=is_shallow, shallow_file=shallow)


def _discovery_env(ws: Workspace) -> dict[str, str]:
    env = sanitized_env(str(ws.home))
    # Discovery stops at the filesystem boundary, as git does by default.
    return env


def _is_within(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


def _read_bounded(path: Path, limit: int) -> bytes:
    """Read a regular file inside a git directory, refusing links, FIFOs and devices."""
    try:
        st = os.lstat(path)
    except OSError:
        return b""
    import stat as _stat
    if not _stat.S_ISREG(st.st_mode):
        return b""
    with open(path, "rb") as fh:
        return fh.read(limit)


def build_shim(source: Source, ws: Workspace, timeout: float = DEFAULT_TIMEOUT) -> Git:
    """Create the shim repository and copy the audited repository's refs into it."""
    original = Git(git_dir=source.git_dir, home=str(ws.home), timeout=timeout)
    raw = original.run("for-each-ref", "--format=%(objectname) %(refname)", max_output=256 * 1024 * 1024)
    head = original.run("symbolic-ref", "-q", "HEAD", check=False).decode("utf-8", "replace").strip()
    head_hash = original.run("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False).decode().strip()
    source.head_ref = head if head.startswith("refs/heads/") else None
    if not HASH_RE.match(head_hash) and source.head_ref and _ref_recorded(source.git_dir, source.head_ref):
        # The branch exists but its commit does not: damage, not an empty repository.
        raise GitError(GitError.CORRUPT, f"{source.head_ref} points to a commit that is missing from the repository")

    shim = ws.shim
    (shim / "objects" / "info").mkdir(parents=True)
    (shim / "refs" / "heads").mkdir(parents=True)
    (shim / "refs" / "tags").mkdir(parents=True)
    objects = (source.git_dir / "objects").resolve()
    (shim / "objects" / "info" / "alternates").write_text(f"{objects}\n")
    fmt = _object_format(source.git_dir)
    (shim / "config").write_text(
        "[core]\n\trepositoryformatversion = 1\n\tbare = true\n"
        f"[extensions]\n\tobjectformat = {fmt}\n"
    )
    lines = []
    for line in raw.decode("utf-8", "surrogateescape").splitlines():
        obj, _, name = line.partition(" ")
        if HASH_RE.match(obj) and SAFE_REFNAME.match(name) and not name.endswith((".lock", "/")) \
                and ".." not in name and "//" not in name:
            lines.append(f"{obj} {name}\n")
    (shim / "packed-refs").write_text("# pack-refs with: peeled \n" + "".join(sorted(set(lines))))
    (shim / "HEAD").write_text(f"{head_hash}\n" if HASH_RE.match(head_hash) else "ref: refs/heads/__none__\n")
    if source.is_shallow and source.shallow_file:
        kept = [ln for ln in source.shallow_file.decode("ascii", "replace").splitlines() if HASH_RE.match(ln)]
        (shim / "shallow").write_text("".join(f"{h}\n" for h in kept))
    return Git(git_dir=shim, home=str(ws.home), timeout=timeout)


def _ref_recorded(git_dir: Path, ref: str) -> bool:
    """Whether ``ref`` is written down (loose or packed), whatever its object's state."""
    loose = git_dir / ref
    if _read_bounded(loose, 200).strip():
        return True
    packed = _read_bounded(git_dir / "packed-refs", 64 * 1024 * 1024)
    return any(line.endswith(b" " + ref.encode()) for line in packed.splitlines())


def _object_format(git_dir: Path) -> str:
    cfg = _read_bounded(git_dir / "config", 1024 * 1024).decode("utf-8", "replace")
    m = re.search(r"^\s*objectformat\s*=\s*(sha256|sha1)\s*$", cfg, re.I | re.M)
    return m.group(1).lower() if m else "sha1"


_URL_RE = re.compile(r"^(?:(?:https?|ssh|git|file)://|[\w.-]+@[\w.-]+:)", re.I)


def is_url(target: str) -> bool:
    """True when ``target`` names a remote repository rather than a local path."""
    return bool(_URL_RE.match(target))


def clone_url(url: str, ws: Workspace, timeout: float = 600.0) -> Path:
    """Clone ``url`` bare (no working tree, no checkout, no hooks) into the workspace."""
    if url.startswith("-") or "::" in url.split("/", 1)[0]:
        raise GitError(GitError.UNSUPPORTED, f"refusing repository URL {url!r}")
    dest = ws.root / "clone.git"
    argv = [_git_binary(), "--no-pager"]
    for item in HARDENING:
        argv += ["-c", item]
    argv += ["clone", "--bare", "--quiet", "--no-recurse-submodules", "--template=",
             "--", url, str(dest)]
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=timeout, env=sanitized_env(str(ws.home)),
                              cwd=str(ws.home), stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise GitError(GitError.TIMEOUT, f"cloning {url} did not finish within {timeout:.0f}s") from None
    if proc.returncode != 0:
        raise GitError(GitError.NOT_A_REPOSITORY, f"could not clone {url}: {_first_line(proc.stderr)}")
    return dest


# --------------------------------------------------------------------------------------
# Building repositories (for fixtures, the bundled demo and the benchmark; trusted input)


def create_repository(dest: Path, stream: bytes, *, default_branch: str, bare: bool = False,
                      checkout: bool = True, timeout: float = 300.0) -> None:
    """Create a repository at ``dest`` from a ``git fast-import`` stream."""
    home = tempfile.mkdtemp(prefix="auditor-build-")
    try:
        env = sanitized_env(home)

        def git(*args: str, input: bytes | None = None, cwd: Path = dest) -> None:
            proc = subprocess.run([_git_binary(), "--no-pager", *args], input=input, capture_output=True,
                                  env=env, cwd=str(cwd), timeout=timeout)
            if proc.returncode != 0:
                raise GitError(_classify(_first_line(proc.stderr)), _first_line(proc.stderr))

        dest.mkdir(parents=True, exist_ok=True)
        git("init", "-q", *(["--bare"] if bare else []), f"--initial-branch={default_branch}", "--template=", ".")
        git("fast-import", "--quiet", "--done", input=stream)
        git("symbolic-ref", "HEAD", f"refs/heads/{default_branch}")
        if checkout and not bare:
            git("-c", "core.hooksPath=/dev/null", "reset", "-q", "--hard")
    finally:
        shutil.rmtree(home, ignore_errors=True)
