"""Hostile and odd repositories: each threat has a test that fails without its protection.

Repositories are created at test time with git plumbing (nothing binary is committed
to this project). The audit must finish, read nothing outside the repository, echo
no secret, and end with a clear one-line message and a documented exit code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.clock import AsOf
from auditor.engine import audit
from auditor.fixture import build
from auditor.gitio import GitError, sanitized_env
from auditor.render.json_report import render_json
from auditor.render.markdown import render_markdown

AS_OF = AsOf(dt.date(2025, 3, 1))
SECRET = "canary-secret-9f2c1e"


def git(repo: Path, *args: str, input: bytes | None = None) -> str:
    env = sanitized_env(str(repo.parent))
    env.update(GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="T",
               GIT_COMMITTER_EMAIL="t@example.com", GIT_AUTHOR_DATE="2025-01-02T10:00:00Z",
               GIT_COMMITTER_DATE="2025-01-02T10:00:00Z")
    proc = subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout.decode(errors="replace").strip()


def commit_raw(repo: Path, files: dict[bytes, tuple[str, bytes]], message: bytes) -> str:
    """Commit exact bytes at exact paths (modes as git octal strings) with git plumbing."""
    if not (repo / ".git").exists():
        repo.mkdir(parents=True, exist_ok=True)
        git(repo, "init", "-q", "-b", "main", "--template=")
    for path, (mode, data) in files.items():
        oid = git(repo, "hash-object", "-w", "--stdin", input=data)
        git(repo, "update-index", "--add", "-z", "--index-info",
            input=f"{mode} {oid}\t".encode() + path + b"\0")
    tree = git(repo, "write-tree")
    parent = git(repo, "rev-parse", "-q", "--verify", "HEAD^{commit}") if _has_head(repo) else None
    args = ["commit-tree", tree, *(["-p", parent] if parent else [])]
    sha = git(repo, *args, input=message)
    git(repo, "update-ref", "refs/heads/main", sha)
    return sha


def _has_head(repo: Path) -> bool:
    env = sanitized_env(str(repo.parent))
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "-q", "--verify", "HEAD"], capture_output=True,
                          env=env).returncode == 0


def all_outputs(result) -> str:
    return render_markdown(result) + render_json(result)


# -- the file system --------------------------------------------------------------------


def test_symlinks_outside_the_repository_are_never_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(f"DATABASE_PASSWORD={SECRET}\n")
    repo = tmp_path / "repo"
    commit_raw(repo, {
        b"README.md": ("100644", b"# r\n"),
        # Files a rule would read, each a link to the secret outside the repository.
        b"package.json": ("120000", str(secret).encode()),
        b"CONTRIBUTING.md": ("120000", b"../secret.txt"),
        b".github/workflows/ci.yml": ("120000", b"../../../secret.txt"),
        b"loop-a": ("120000", b"loop-b"),
        b"loop-b": ("120000", b"loop-a"),
        b".env": ("120000", b"/etc/passwd"),
    }, b"feat: links\n")
    # Check the links out too, so a reader of the work tree would follow them.
    git(repo, "checkout", "-q", "-f", "main")
    assert (repo / "package.json").read_text().startswith("DATABASE_PASSWORD")
    result = audit(repo, as_of=AS_OF)
    out = all_outputs(result)
    assert SECRET not in out
    assert "root:x:0" not in out
    assert "package.json" in result.method["unread_files"][0][0] or any(
        p == "package.json" for p, _ in result.method["unread_files"])


def test_non_utf8_names_and_messages_are_shown_escaped(tmp_path):
    repo = tmp_path / "repo"
    for i in range(8):
        commit_raw(repo, {b"\xff\xfe_GUIDE.md": ("100644", b"# guide %d\n" % i),
                          b"src/a%d.py" % i: ("100644", b"x=1\n")},
                   b"feat: caf\xe9 \xff\xfe feature %d\n\nbody \xc3\x28\n" % i)
    result = audit(repo, as_of=AS_OF)
    out = all_outputs(result)
    json.loads(render_json(result))  # still valid JSON
    assert "\\xff" in out or "\ufffd" in out


def test_submodule_with_a_dangerous_url_is_never_fetched(tmp_path):
    marker = tmp_path / "pwned"
    repo = tmp_path / "repo"
    gitmodules = (f'[submodule "evil"]\n\tpath = evil\n\turl = ext::sh -c touch% {marker}\n'
                  f'[submodule "ssh"]\n\tpath = ssh\n\turl = ssh://-oProxyCommand=touch%20{marker}/x\n').encode()
    commit_raw(repo, {b".gitmodules": ("100644", gitmodules),
                      b"evil": ("160000", b""),  # replaced below with a gitlink
                      b"README.md": ("100644", b"# r\n")}, b"chore: submodule\n")
    result = audit(repo, as_of=AS_OF)
    all_outputs(result)
    assert not marker.exists()


def test_lfs_pointers_binary_and_large_files_are_bounded(tmp_path):
    repo = tmp_path / "repo"
    big = b"x" * (2 * 1024 * 1024)
    commit_raw(repo, {
        b"package.json": ("100644", big),  # larger than the read bound
        b"pyproject.toml": ("100644", b"\x00\x01binary\x00" * 100),
        b"assets/model.bin": ("100644", b"version https://git-lfs.github.com/spec/v1\noid sha256:"
                              + b"a" * 64 + b"\nsize 123\n"),
        b"README.md": ("100644", b"# r\n"),
    }, b"feat: blobs\n")
    result = audit(repo, as_of=AS_OF)
    unread = dict(result.method["unread_files"])
    assert "larger than" in unread["package.json"]
    assert unread["pyproject.toml"] == "binary"


def test_many_files_and_a_deep_tree(tmp_path):
    files = {f"d{i % 50}/f{i}.py".encode(): ("100644", b"x = 1\n") for i in range(3000)}
    deep = b"/".join(b"d%d" % i for i in range(200)) + b"/leaf.md"
    files[deep] = ("100644", b"# deep\n")
    repo = tmp_path / "repo"
    commit_raw(repo, files, b"feat: many files\n")
    result = audit(repo, as_of=AS_OF)
    assert result.context["files"] == 3001


def test_yaml_bomb_in_a_workflow_is_rejected_and_the_audit_goes_on(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    repo = tmp_path / "repo"
    commit_raw(repo, {b".github/workflows/ci.yml": ("100644", "\n".join(lines).encode()),
                      b".gitlab-ci.yml": ("100644", b"!!python/object/apply:os.system ['touch /tmp/x']\n"),
                      b"README.md": ("100644", b"# r\n")}, b"ci: bomb\n")
    result = audit(repo, as_of=AS_OF)
    cicd = result.area("cicd")
    assert cicd.findings  # the area was judged
    assert all(f.outcome.value != "error" for f in result.findings)


# -- odd but honest repositories --------------------------------------------------------


def test_bare_repository_detached_head_and_orphan_branch(tmp_path):
    spec = {"commits": [{"id": "a", "message": "feat: a", "date": "2025-01-01T10:00:00+00:00",
                         "files": {"README.md": "# a\n"}},
                        {"id": "b", "message": "feat: b", "date": "2025-01-02T10:00:00+00:00",
                         "files": {"src/b.py": "b = 1\n"}},
                        {"id": "o", "branch": "orphan", "message": "orphan root", "date": "2025-01-03T10:00:00+00:00",
                         "files": {"other.txt": "o\n"}}]}
    bare = build(spec, tmp_path / "bare.git", bare=True)
    assert audit(bare, as_of=AS_OF).repository.revision
    work = build(spec, tmp_path / "work")
    git(work, "checkout", "-q", "--detach", "HEAD~1")
    detached = audit(work, as_of=AS_OF)
    assert detached.repository.ref == "HEAD"
    orphan = audit(work, as_of=AS_OF, options=__import__("auditor.engine", fromlist=["x"]).AuditOptions(rev="orphan"))
    assert orphan.context["history"]["commits"] == 1


def test_corrupt_object_gives_a_clear_error_or_a_partial_report(tmp_path):
    repo = build({"commits": [{"message": f"feat: {i}", "date": f"2025-01-{i + 1:02d}T10:00:00+00:00",
                               "files": {f"f{i}.txt": f"{i}\n"}} for i in range(8)]}, tmp_path / "repo")
    # Corrupt the blob of one file: the tree still lists it.
    oid = git(repo, "rev-parse", "HEAD:f3.txt")
    obj = repo / ".git" / "objects" / oid[:2] / oid[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"not a zlib stream")
    runner = CliRunner()
    res = runner.invoke(main, ["audit", str(repo), "--as-of", "2025-03-01", "--format", "json"])
    assert res.exit_code in (0, 4), res.output
    if res.exit_code == 4:
        assert len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.output


def test_corrupt_ref_gives_a_clear_error(tmp_path):
    repo = build({"commits": [{"message": "a", "files": {"a": "1\n"}}]}, tmp_path / "repo")
    (repo / ".git" / "refs" / "heads" / "main").write_text("0" * 40 + "\n")
    (repo / ".git" / "packed-refs").unlink(missing_ok=True)
    res = CliRunner().invoke(main, ["audit", str(repo), "--as-of", "2025-03-01"])
    assert res.exit_code in (0, 2, 3, 4)
    assert "Traceback" not in res.output


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a repository's owner needs root")
def test_repository_owned_by_another_user_is_refused_with_gits_message(tmp_path):
    repo = build({"commits": [{"message": "a", "files": {"a": "1\n"}}]}, tmp_path / "repo")
    for root, dirs, files in os.walk(repo):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), 12345, 12345)
    os.lchown(repo, 12345, 12345)
    res = CliRunner().invoke(main, ["audit", str(repo), "--as-of", "2025-03-01"])
    assert res.exit_code == 3
    assert "dubious ownership" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_git_file_pointing_outside_is_refused(tmp_path):
    other = build({"commits": [{"message": f"private: {SECRET}", "files": {"a": "1\n"}}]}, tmp_path / "other")
    target = tmp_path / "archive"
    target.mkdir()
    (target / ".git").write_text(f"gitdir: {other / '.git'}\n")
    res = CliRunner().invoke(main, ["audit", str(target), "--as-of", "2025-03-01"])
    assert res.exit_code == 3
    assert SECRET not in res.output
    assert "outside" in res.stderr


def test_not_a_repository_and_missing_path(tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["audit", str(tmp_path), "--as-of", "2025-03-01"])
    assert res.exit_code == 3 and len(res.stderr.strip().splitlines()) == 1
    res = runner.invoke(main, ["audit", str(tmp_path / "nope"), "--as-of", "2025-03-01"])
    assert res.exit_code == 3


def test_output_injection_into_terminal_and_actions_log(tmp_path):
    spec = {"authors": {"x": {"name": "Eve \x1b]8;;https://evil\x07link\x1b]8;;\x07", "email": "e@x"}},
            "commits": [{"author": "x", "message": "feat: \x1b[31mred\x1b[0m ::set-output name=x::y",
                         "date": f"2025-01-0{i + 1}T10:00:00+00:00", "files": {f"f{i}.py": "x\n"}}
                        for i in range(6)]}
    repo = build(spec, tmp_path / "repo")
    from auditor.render.terminal import render_terminal
    result = audit(repo, as_of=AS_OF)
    for colour in (False, True):
        text = render_terminal(result, colour=colour)
        # Only the renderer's own SGR colour codes may appear, never an OSC or a repository escape.
        assert "\x1b]" not in text
        assert "\x1b[31mred" not in text
    md = render_markdown(result)
    assert "\x1b" not in md


def test_audit_hook_sees_no_process_but_git_on_a_hostile_repository(tmp_path):
    """The PEP 578 check of test_security_gitconfig, on the symlink repository."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    repo = tmp_path / "repo"
    commit_raw(repo, {b"package.json": ("120000", str(secret).encode()), b"README.md": ("100644", b"# r\n")},
               b"x\n")
    script = (
        "import sys, json\n"
        "seen = []\n"
        "sys.addaudithook(lambda e, a: seen.append(e) if e in ('subprocess.Popen', 'socket.connect') else None)\n"
        "from auditor.engine import audit\nfrom auditor.clock import AsOf\nimport datetime\n"
        f"audit({str(repo)!r}, as_of=AsOf(datetime.date(2025, 3, 1)))\n"
        "print(json.dumps(seen))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    events = json.loads(out.stdout.strip().splitlines()[-1])
    assert "socket.connect" not in events


def test_git_error_kinds_are_classified():
    from auditor.gitio import _classify
    assert _classify("fatal: detected dubious ownership in repository") == GitError.UNSAFE_OWNERSHIP
    assert _classify("fatal: not a git repository (or any parent)") == GitError.NOT_A_REPOSITORY
    assert _classify("fatal: bad object HEAD") == GitError.CORRUPT
    assert _classify("fatal: ambiguous argument 'nope': unknown revision") == GitError.BAD_REVISION


def test_time_budget_skips_what_it_did_not_reach_and_says_so():
    from auditor.engine import AuditOptions, evaluate
    from auditor.testing import make_facts
    from rules.review import REV001, REV002

    facts = make_facts(files={"README.md": "# r\n"})
    options = AuditOptions(time_budget=5)
    # The deadline has passed: a rule whose facts are collected still runs, one that needs
    # an uncollected fact (the history) is skipped with the reason.
    findings = {f.rule_id: f for f in evaluate([REV001, REV002], facts, options, deadline=0.0)}
    assert findings["REV001"].outcome.value == "skip"
    assert "time budget of 5 s ran out" in findings["REV001"].message
    assert findings["REV002"].outcome.value == "fail"  # CODEOWNERS is judged from the tree alone


def test_the_history_worker_never_imports_code_from_the_directory_it_was_started_in(tmp_path):
    """Run from inside a repository that ships its own ``auditor`` package: the worker must import ours.

    ``python -c`` puts the current directory first on sys.path; the worker runs with ``-P`` in a
    directory of its own. (The parent here is started with ``-P`` too, as the ``auditor`` console
    script is: its sys.path starts with the script's folder, not the current directory.)
    """
    canary = tmp_path / "pwned"
    repo = tmp_path / "repo"
    payload = f"open({str(canary)!r}, 'w').write('imported from the repository')\n".encode()
    commit_raw(repo, {b"auditor/__init__.py": ("100644", payload), b"auditor/facts/__init__.py": ("100644", payload),
                      b"README.md": ("100644", b"# r\n")}, b"x\n")
    # The files are in the work tree too, where an import from the current directory would find them.
    for rel in ("auditor/__init__.py", "auditor/facts/__init__.py"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_bytes(payload)
    import auditor
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["PYTHONPATH"] = str(Path(auditor.__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-P", "-m", "auditor", "audit", ".", "--as-of", "2025-03-01",
                          "--history-process", "always", "--no-cache", "-q", "-o", str(tmp_path / "r.md")],
                         cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert not canary.exists()
    assert (tmp_path / "r.md").read_text().startswith("# ")
