"""A hostile repository's git configuration and hooks never run anything during an audit.

Each case plants a canary program that would create a marker file if git ever ran
it, audits the repository in every output format, and asserts the marker is absent.
"""

import os
import stat
import subprocess
import sys

import pytest

from auditor.clock import AsOf
from auditor.engine import audit
from auditor.fixture import build
from auditor.render.json_report import render_json
from auditor.render.markdown import render_markdown

SPEC = {
    "commits": [
        {"message": "feat: first", "date": "2025-01-06T09:00:00+00:00",
         "files": {"README.md": "# r\n", "src/a.py": "x = 1\n", ".gitattributes": "* filter=evil diff=evil\n"}},
        {"message": "fix: second", "date": "2025-01-07T09:00:00+00:00", "files": {"src/a.py": "x = 2\n"}},
    ],
    "tags": [{"name": "v1.0.0", "commit": None}],
}
SPEC["commits"][1]["id"] = "second"
SPEC["tags"][0]["commit"] = "second"


def _canary(tmp_path, name):
    marker = tmp_path / f"ran-{name}"
    script = tmp_path / f"canary-{name}.sh"
    script.write_text(f"#!/bin/sh\necho ran > '{marker}'\ncat\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, marker


CONFIG_ATTACKS = {
    "fsmonitor": "[core]\n\tfsmonitor = {script}\n",
    "pager": "[core]\n\tpager = {script}\n[pager]\n\tlog = {script}\n",
    "filter": "[filter \"evil\"]\n\tclean = {script}\n\tsmudge = {script}\n\tprocess = {script}\n",
    "textconv": "[diff \"evil\"]\n\ttextconv = {script}\n\tcommand = {script}\n",
    "diff-external": "[diff]\n\texternal = {script}\n",
    "gpg": "[log]\n\tshowSignature = true\n[gpg]\n\tprogram = {script}\n[gpg \"ssh\"]\n\tprogram = {script}\n",
    "ssh": "[core]\n\tsshCommand = {script}\n",
    "credential": "[credential]\n\thelper = !{script}\n",
    "hookspath": "[core]\n\thooksPath = {hooks}\n",
    "alias": "[alias]\n\tlog = !{script}\n\trev-parse = !{script}\n",
    "include": "[include]\n\tpath = {included}\n",
}


@pytest.mark.parametrize("attack", sorted(CONFIG_ATTACKS))
def test_repository_config_never_runs_a_program(tmp_path, attack):
    repo = build(SPEC, tmp_path / "repo")
    script, marker = _canary(tmp_path, attack)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("pre-commit", "post-checkout", "reference-transaction", "pre-auto-gc", "post-index-change"):
        (hooks / hook).write_text(script.read_text())
        (hooks / hook).chmod(0o755)
    included = tmp_path / "included.config"
    included.write_text(f"[core]\n\tfsmonitor = {script}\n\tpager = {script}\n")
    with open(repo / ".git" / "config", "a") as fh:
        fh.write(CONFIG_ATTACKS[attack].format(script=script, hooks=hooks, included=included))
    # Hooks in the repository's own hooks directory, too.
    for hook in ("post-checkout", "reference-transaction", "pre-auto-gc"):
        h = repo / ".git" / "hooks" / hook
        h.parent.mkdir(exist_ok=True)
        h.write_text(script.read_text())
        h.chmod(0o755)

    result = audit(repo, as_of=AsOf.__new__(AsOf) if False else _as_of())
    render_markdown(result)
    render_json(result)
    assert result.repository.revision  # the audit read the repository
    assert not marker.exists(), f"{attack}: git ran the repository's program"


def _as_of():
    import datetime as dt
    return AsOf(dt.date(2025, 2, 1))


AUDIT_HOOK_SCRIPT = r"""
import json, os, sys
events = []
def hook(event, args):
    if event == "subprocess.Popen":
        events.append(["spawn", str(args[0]), [str(a) for a in (args[1] or [])]])
    elif event == "socket.connect":
        events.append(["connect", repr(args[1])])
    elif event == "open":
        path, mode = args[0], args[1]
        if isinstance(path, (str, bytes)):
            events.append(["open", os.fsdecode(path), str(mode)])
sys.addaudithook(hook)
from auditor.cli import main
sys.argv = ["auditor", "audit", sys.argv[1], "--as-of", "2025-02-01", "--format", sys.argv[2], "-o", sys.argv[3],
            *sys.argv[4:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps(events))
"""


#: Installed in the history process through ``sitecustomize``: its own events, appended to a file.
WORKER_HOOK = r"""
import json, os, sys
if any("from auditor.facts.history_worker import main" in a for a in sys.orig_argv):
    _log = os.environ["AUDITOR_TEST_WORKER_EVENTS"]
    def _hook(event, args):
        if event == "subprocess.Popen":
            rec = ["spawn", str(args[0]), [str(a) for a in (args[1] or [])]]
        elif event == "socket.connect":
            rec = ["connect", repr(args[1])]
        else:
            return
        with open(_log, "a") as f:
            f.write(json.dumps(rec) + "\n")
    sys.addaudithook(_hook)
"""


@pytest.mark.parametrize("fmt,worker", [("markdown", "never"), ("json", "never"), ("markdown", "always")])
def test_only_hardened_git_is_spawned_no_socket_and_no_read_outside(tmp_path, fmt, worker):
    repo = build(SPEC, tmp_path / "repo")
    secret = tmp_path / "secret.txt"
    secret.write_text("canary-secret-value\n")
    out = tmp_path / f"report.{fmt}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(WORKER_HOOK)
    worker_log = tmp_path / "worker-events.jsonl"
    env["AUDITOR_TEST_WORKER_EVENTS"] = str(worker_log)
    env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.run([sys.executable, "-c", AUDIT_HOOK_SCRIPT, str(repo), fmt, str(out),
                           "--history-process", worker], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    events = __import__("json").loads(proc.stdout.strip().splitlines()[-1])
    spawns = [e for e in events if e[0] == "spawn"]
    if worker == "always":
        # The one process that is not git: this interpreter, running the auditor's own history worker.
        python = [e for e in spawns if e[2][:1] == [sys.executable]]
        assert [e[2][1:] for e in python] == [["-P", "-c", "from auditor.facts.history_worker import main; main()"]]
        spawns = [e for e in spawns if e not in python]
        child = [__import__("json").loads(line) for line in worker_log.read_text().splitlines()]
        assert any("log" in e[2] for e in child), "the worker should read the history with git"
        assert not [e for e in child if e[0] == "connect"]
        spawns += child
    assert spawns, "the audit should run git"
    for _, exe, argv in spawns:
        assert os.path.basename(argv[0] if argv else exe) == "git", argv
        assert "--no-pager" in argv
        assert "core.fsmonitor=false" in argv and "core.hooksPath=/dev/null" in argv
    assert not [e for e in events if e[0] == "connect"]
    import auditor
    allowed = [str(repo), str(tmp_path), os.path.dirname(auditor.__file__), os.path.realpath(os.path.dirname(auditor.__file__)),
               sys.prefix, sys.base_prefix, "/tmp", "/dev/null", "/proc/self", "/etc/localtime",
               "/usr/share/zoneinfo", os.path.realpath(os.path.join(os.path.dirname(auditor.__file__), ".."))]
    import tempfile
    allowed.append(tempfile.gettempdir())
    for e in events:
        if e[0] != "open":
            continue
        path = os.path.realpath(e[1]) if not e[1].isdigit() else e[1]
        if e[1].isdigit():
            continue  # an already-open file descriptor
        assert any(path == a or path.startswith(a.rstrip("/") + "/") for a in allowed if a), path
    assert "canary-secret-value" not in out.read_text()
