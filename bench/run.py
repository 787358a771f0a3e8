"""Benchmark harness: auditor vs. the git floors vs. PyDriller, on large histories.

What it does, for each repository (a deterministic synthetic one built by
``bench/synth.py`` and/or any local ``--repo PATH``), all in one run:

1. the full auditor audit, Markdown and JSON (cold with ``--no-cache`` when the
   CLI has it, then warm "repeat audit" runs without it);
2. the git floors: ``git log --name-only`` and ``git log --numstat`` over the
   history reachable from HEAD;
3. the same history read through PyDriller (hash, author, dates, message,
   parents, modified paths; optionally line counts with ``--pydriller-lines``),
   optionally on the first ``--pydriller-limit`` commits and extrapolated.

Each command runs in its own child process behind a tiny wrapper (GNU time, or a
``getrusage(RUSAGE_CHILDREN)`` snippet) that reports its peak RSS. Runs are interleaved (A B C A B C ...) and the
median of ``--repeat`` runs is reported as a Markdown table on stdout (progress
goes to stderr), optionally with all samples as JSON (``--json FILE``).

``--scale 10000,30000,100000`` instead reports how the audit's time and peak
RSS grow with history length.

Usage (from the project root)::

    python bench/run.py                      # synthetic 100k commits, everything
    python bench/run.py --skip-audit --commits 10000
    python bench/run.py --repo ~/src/some-project --no-synthetic
    python bench/run.py --scale 10000,30000,100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
import synth  # sibling module; bench/ is not a package

AS_OF = "2026-11-23"
FLOOR = "name-only"  # the measurement every ratio is relative to


def log(msg: str) -> None:
    """Progress goes to stderr so stdout stays a clean Markdown report."""
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- #
# Environments
# --------------------------------------------------------------------------- #

def tool_env() -> dict[str, str]:
    """Environment for the Python tools (auditor, PyDriller).

    Inherited ``GIT_*`` variables and git's system/global config are dropped so
    a developer's settings cannot change what git does underneath. ``HOME`` is
    kept on purpose: user site-packages and the auditor's own cache (for the
    warm "repeat audit") may live there.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    env["GIT_TERMINAL_PROMPT"] = "0"
    # Run the auditor from this checkout even if another version is installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get("PYTHONPATH")]))
    return env


# --------------------------------------------------------------------------- #
# Measuring one command
# --------------------------------------------------------------------------- #

@dataclass
class Sample:
    """One timed run of one command."""

    wall: float  # seconds
    rss_mb: float  # peak resident set size of the largest process in the tree
    rc: int
    stderr_tail: str = ""
    extra: dict = field(default_factory=dict)  # what a worker reported (PyDriller)


# ``ru_maxrss`` survives exec on Linux, so a child forked straight from this
# (30+ MB) harness would report at least the harness's own RSS. Each command is
# therefore started by a tiny wrapper that reports the peak RSS of its child:
# GNU time when present (~1 MB of its own), else this Python snippet (~8 MB floor,
# started with -S to keep it small) using getrusage(RUSAGE_CHILDREN).
GNU_TIME = "/usr/bin/time"
PY_WRAPPER = (
    "import os, sys, time, resource\n"
    "t0 = time.perf_counter()\n"
    "pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)\n"
    "_, status = os.waitpid(pid, 0)\n"
    "wall = time.perf_counter() - t0\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(f'{rss} {wall}')\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def rss_method() -> str:
    """How peak RSS is measured on this machine (shown in the report)."""
    if os.access(GNU_TIME, os.X_OK):
        return f"`{GNU_TIME} -f %M` around each command"
    return "a Python wrapper's `getrusage(RUSAGE_CHILDREN)` (figures include a ~8 MB floor)"


def run_measured(argv: list[str], *, env: dict, cwd: Path, timeout: float,
                 result_file: Path | None = None) -> Sample:
    """Run ``argv`` as its own child, stdout to /dev/null; time it and take its peak RSS.

    The peak RSS (``ru_maxrss``) is that of the single largest process among
    the command and the descendants it waited for, not a sum.
    """
    fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
    os.close(fd)
    use_time = os.access(GNU_TIME, os.X_OK)
    if use_time:
        wrapped = [GNU_TIME, "-f", "%M", "-o", rss_file, *argv]
    else:
        wrapped = [sys.executable, "-S", "-c", PY_WRAPPER, rss_file, *argv]
    try:
        with tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(wrapped, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err,
                                    start_new_session=True)  # own process group: killable whole
            timed_out = []

            def kill() -> None:
                timed_out.append(True)
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                rc = proc.wait()
            finally:
                timer.cancel()
            wall = time.perf_counter() - t0
            err.seek(0)
            tail = err.read()[-2000:].decode(errors="replace").strip()
        fields = Path(rss_file).read_text().split()
    finally:
        os.unlink(rss_file)
    rss_kb = 0.0
    if fields and fields[-1].replace(".", "", 1).isdigit() and not use_time:
        rss_kb, wall = float(fields[0]), float(fields[1])  # the wrapper's own clock
    elif fields and fields[-1].isdigit():
        rss_kb = float(fields[-1])  # GNU time may write a "Command exited ..." line first
    if timed_out:
        tail = f"timed out after {timeout:.0f} s\n{tail}"
    extra = {}
    if result_file is not None and rc == 0:
        try:
            extra = json.loads(result_file.read_text())
        except (OSError, ValueError):
            pass
    return Sample(wall, rss_kb / 1024.0, rc, tail, extra)


# --------------------------------------------------------------------------- #
# PyDriller worker (runs in its own process: python bench/run.py --pydriller-worker ...)
# --------------------------------------------------------------------------- #

def pydriller_worker(repo: str, limit: int, lines: bool, result: str) -> int:
    """Read the history the way an analytics script would, and report counts.

    Setup time (import + PyDriller's initial rev-list) and loop time are
    reported separately so a partial read can be extrapolated fairly.
    """
    t0 = time.perf_counter()
    from pydriller import Repository

    n = files = churn = 0
    t_first = None
    for c in Repository(repo).traverse_commits():  # oldest first, reachable from HEAD
        if t_first is None:
            t_first = time.perf_counter()
        _ = (c.hash, c.author.name, c.author.email, c.author_date, c.committer_date,
             c.msg, c.parents)
        files += len([m.new_path or m.old_path for m in c.modified_files])
        if lines:
            churn += c.insertions + c.deletions
        n += 1
        if limit and n >= limit:
            break
    t_end = time.perf_counter()
    t_first = t_first or t_end
    Path(result).write_text(json.dumps({
        "commits": n, "files": files, "churn": churn,
        "setup_seconds": t_first - t0, "loop_seconds": t_end - t_first,
    }))
    return 0


# --------------------------------------------------------------------------- #
# Repositories and what to measure on them
# --------------------------------------------------------------------------- #

@dataclass
class Target:
    """A repository under test."""

    name: str
    path: Path
    commits: int = 0
    merges: int = 0
    files: int = 0
    tags: int = 0
    head: str = ""
    build_seconds: float | None = None  # synthetic only
    built_now: bool = False


@dataclass
class Measure:
    """One command to time on one target."""

    key: str
    label: str
    argv: list[str]
    env: dict
    result_file: Path | None = None
    limit: int = 0  # PyDriller: commits read (0 = all)
    samples: list[Sample] = field(default_factory=list)
    failed: bool = False


def git_out(path: Path, *args: str, env: dict) -> str:
    return subprocess.run(["git", "-C", str(path), *args], env=env, check=True,
                          capture_output=True, text=True).stdout


def describe(target: Target, env: dict) -> None:
    """Fill in commit/merge/file/tag counts (untimed)."""
    target.head = git_out(target.path, "rev-parse", "HEAD", env=env).strip()
    target.commits = int(git_out(target.path, "rev-list", "--count", "HEAD", env=env))
    target.merges = int(git_out(target.path, "rev-list", "--count", "--merges", "HEAD", env=env))
    target.files = git_out(target.path, "ls-tree", "-r", "--name-only", "-z", "HEAD",
                           env=env).count("\0")
    target.tags = len(git_out(target.path, "tag", "--list", env=env).split())


def synthetic_target(commits: int, args, label: str | None = None) -> Target:
    params = synth.SynthParams(commits=commits, authors=args.authors, seed=args.seed)
    path, meta, built = synth.ensure(params, args.workdir, log=log)
    size = f"{commits // 1000}k" if commits % 1000 == 0 else f"{commits:,}"
    name = label or f"synthetic {size}"
    return Target(name=f"{name} (seed {args.seed})", path=path,
                  build_seconds=meta["build_seconds"], built_now=built)


@dataclass
class AuditSupport:
    available: bool
    no_cache: bool
    note: str = ""


def detect_auditor(env: dict) -> AuditSupport:
    """Is ``python -m auditor audit`` there, and does it take ``--no-cache``?"""
    try:
        p = subprocess.run([sys.executable, "-m", "auditor", "audit", "--help"], cwd=PROJECT_DIR,
                           env=env, capture_output=True, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        return AuditSupport(False, False, "`python -m auditor audit --help` timed out")
    if p.returncode != 0:
        why = (p.stderr.strip().splitlines() or ["no output"])[-1]
        return AuditSupport(False, False, f"`python -m auditor audit --help` failed: {why}")
    if "--no-cache" not in p.stdout:
        return AuditSupport(True, False, "the auditor CLI has no `--no-cache`: audits below are "
                            "plain runs; the cold/warm split was skipped")
    return AuditSupport(True, True)


def audit_argv(path: Path, fmt: str, no_cache: bool) -> list[str]:
    argv = [sys.executable, "-m", "auditor", "audit", str(path), "--as-of", AS_OF,
            "--format", fmt, "--output", os.devnull]
    return argv + (["--no-cache"] if no_cache else [])


def measures_for(t: Target, args, audit: AuditSupport | None, git_env: dict, tenv: dict,
                 tmp: Path, *, scale: bool = False) -> list[Measure]:
    """The commands timed on one target, in interleaving order."""
    ms: list[Measure] = []
    if audit and audit.available:
        formats = ["markdown"] if scale else ["markdown", "json"]
        if audit.no_cache:
            for fmt in formats:
                ms.append(Measure(f"audit-{fmt}-cold", f"auditor audit, {fmt} (cold, `--no-cache`)",
                                  audit_argv(t.path, fmt, True), tenv))
            if not scale:
                for fmt in formats:
                    ms.append(Measure(f"audit-{fmt}-warm", f"auditor audit, {fmt} (repeat audit, warm)",
                                      audit_argv(t.path, fmt, False), tenv))
        else:
            for fmt in formats:
                ms.append(Measure(f"audit-{fmt}", f"auditor audit, {fmt}",
                                  audit_argv(t.path, fmt, False), tenv))
    git = ["git", "--no-pager", "-C", str(t.path), "log"]
    ms.append(Measure(FLOOR, "`git log --name-only` (floor)", git + ["--name-only", "HEAD"], git_env))
    ms.append(Measure("numstat", "`git log --numstat`", git + ["--numstat", "HEAD"], git_env))
    if scale or args.skip_pydriller:
        return ms
    variants = [("pydriller", "PyDriller: commits + modified paths", False)]
    if args.pydriller_lines:
        variants.append(("pydriller-lines", "PyDriller: + insertions/deletions", True))
    for key, label, lines in variants:
        limit = args.pydriller_limit if 0 < args.pydriller_limit < t.commits else 0
        if limit:
            label += f" (first {limit:,} commits, extrapolated)"
        result = tmp / f"pydriller-{len(list(tmp.iterdir()))}-{key}.json"
        result.touch()  # reserve the name; the worker overwrites it
        argv = [sys.executable, str(Path(__file__).resolve()), "--pydriller-worker", str(t.path),
                "--pydriller-limit", str(limit), "--pydriller-result", str(result)]
        if lines:
            argv.append("--pydriller-lines")
        ms.append(Measure(key, label, argv, tenv, result_file=result, limit=limit))
    return ms


def prime_warm(t: Target, audit: AuditSupport, tenv: dict, timeout: float) -> None:
    """One untimed audit per format without ``--no-cache``, so warm runs find a cache."""
    for fmt in ("markdown", "json"):
        log(f"  priming the audit cache: {fmt} on {t.name}")
        s = run_measured(audit_argv(t.path, fmt, False), env=tenv, cwd=PROJECT_DIR, timeout=timeout)
        if s.rc != 0:
            log(f"  (priming failed, exit {s.rc}: {s.stderr_tail[-300:]})")


def run_rounds(plan: list[tuple[Target, list[Measure]]], repeat: int, timeout: float) -> None:
    """Interleave: each round runs every command once (A B C A B C ...)."""
    for r in range(repeat):
        for t, ms in plan:
            for m in ms:
                if m.failed:
                    continue
                if m.result_file is not None:
                    m.result_file.unlink(missing_ok=True)
                s = run_measured(m.argv, env=m.env, cwd=PROJECT_DIR, timeout=timeout,
                                 result_file=m.result_file)
                m.samples.append(s)
                status = "" if s.rc == 0 else f"  FAILED (exit {s.rc})"
                log(f"  [{r + 1}/{repeat}] {t.name}: {m.key:<20} {s.wall:8.2f} s "
                    f"{s.rss_mb:8.1f} MB{status}")
                if s.rc != 0:
                    m.failed = True  # don't spend more rounds on a broken command


# --------------------------------------------------------------------------- #
# Aggregation and reporting
# --------------------------------------------------------------------------- #

@dataclass
class Result:
    """Medians for one measure on one target."""

    wall: float | None  # full-history seconds (extrapolated for limited PyDriller)
    rss_mb: float | None
    extrapolated: bool
    failed: str = ""


def summarize(t: Target, m: Measure) -> Result:
    ok = [s for s in m.samples if s.rc == 0]
    if not ok:
        bad = m.samples[-1] if m.samples else None
        why = f"failed (exit {bad.rc})" if bad else "not run"
        return Result(None, None, False, why)
    walls = []
    for s in ok:
        read = s.extra.get("commits", 0)
        if m.limit and read and read < t.commits:
            # Linear extrapolation of the per-commit loop; setup is paid once.
            loop = s.extra["loop_seconds"]
            walls.append(s.wall - loop + loop * t.commits / read)
        else:
            walls.append(s.wall)
    extrap = bool(m.limit) and any(0 < s.extra.get("commits", 0) < t.commits for s in ok)
    return Result(statistics.median(walls), statistics.median(s.rss_mb for s in ok), extrap)


def fmt_num(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "—"
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def machine_info() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    try:
        git = subprocess.run(["git", "--version"], capture_output=True, text=True,
                             check=False).stdout.strip()
    except OSError:
        git = "git not found"
    from importlib.metadata import PackageNotFoundError, version

    try:
        pyd = version("pydriller")
    except PackageNotFoundError:
        pyd = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu or platform.processor() or "unknown",
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "git": git.replace("git version ", ""),
        "python": platform.python_version(),
        "pydriller": pyd,
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }


def header(info: dict, args, argv: list[str]) -> list[str]:
    cmd = "python bench/run.py" + ("" if not argv else " " + shlex.join(argv))
    machine = (
        f"Machine: {info['nproc']} × {info['cpu']}, {info['memory']} RAM, {info['os']}; "
        f"git {info['git']}, Python {info['python']}, PyDriller {info['pydriller']} "
        f"({info['date_utc']} UTC)."
    )
    method = (
        f"Wall time and peak RSS are medians of {args.repeat} interleaved runs; every "
        f"command runs in its own process with output to /dev/null; peak RSS is measured "
        f"with {rss_method()}; ratios are to `git log --name-only` on the same repository."
    )
    return [machine, "", f"Reproduce (from the project root): `{cmd}`", "", method, ""]


def repo_table(targets: list[Target]) -> list[str]:
    rows = ["| Repository | Commits | Merges | Files at HEAD | Tags | Build (s) |",
            "|---|---:|---:|---:|---:|---:|"]
    for t in targets:
        if t.build_seconds is None:
            build = "—"
        else:
            build = f"{t.build_seconds:.1f}" + ("" if t.built_now else " (cached)")
        rows.append(f"| {t.name} | {t.commits:,} | {t.merges:,} | {t.files:,} | {t.tags:,} | {build} |")
    return rows


def main_table(plan: list[tuple[Target, list[Measure]]]) -> tuple[list[str], dict]:
    rows = ["| Repository | What | Wall (s) | × name-only | Commits/s | Peak RSS (MB) |",
            "|---|---|---:|---:|---:|---:|"]
    out: dict = {}
    for t, ms in plan:
        res = {m.key: summarize(t, m) for m in ms}
        floor = res.get(FLOOR)
        for m in ms:
            r = res[m.key]
            if r.wall is None:
                rows.append(f"| {t.name} | {m.label} | {r.failed} | — | — | — |")
            else:
                ratio = f"{r.wall / floor.wall:,.1f}×" if floor and floor.wall else "—"
                tag = " (extrapolated)" if r.extrapolated else ""
                rows.append(f"| {t.name} | {m.label} | {fmt_num(r.wall)}{tag} | {ratio} | "
                            f"{t.commits / r.wall:,.0f} | {fmt_num(r.rss_mb, 1)} |")
            out.setdefault(t.name, {})[m.key] = {
                "label": m.label, "argv": m.argv, "median_wall_s": r.wall,
                "median_rss_mb": r.rss_mb, "extrapolated": r.extrapolated, "failed": r.failed,
                "ratio_to_name_only": (r.wall / floor.wall) if (r.wall and floor and floor.wall) else None,
                "samples": [{"wall_s": s.wall, "rss_mb": s.rss_mb, "rc": s.rc, "worker": s.extra}
                            for s in m.samples],
            }
    return rows, out


def scale_table(plan: list[tuple[Target, list[Measure]]]) -> tuple[list[str], dict]:
    """One row per history length: audit time and peak RSS next to the floors."""
    has_audit = any(m.key.startswith("audit") for _, ms in plan for m in ms)
    head = "| Commits | Files at HEAD | Build (s) | name-only (s) | numstat (s) |"
    sep = "|---:|---:|---:|---:|---:|"
    if has_audit:
        head += " Audit (s) | × name-only | Audit peak RSS (MB) | Δ RSS per 10k commits (MB) |"
        sep += "---:|---:|---:|---:|"
    else:
        head += " name-only peak RSS (MB) | numstat peak RSS (MB) |"
        sep += "---:|---:|"
    rows, out = [head, sep], {}
    base: tuple[int, float] | None = None  # (commits, audit RSS) of the smallest size
    for t, ms in sorted(plan, key=lambda p: p[0].commits):
        res = {m.key: summarize(t, m) for m in ms}
        fl, ns = res[FLOOR], res["numstat"]
        build = "—" if t.build_seconds is None else f"{t.build_seconds:.1f}"
        row = f"| {t.commits:,} | {t.files:,} | {build} | {fmt_num(fl.wall)} | {fmt_num(ns.wall)} |"
        if has_audit:
            a = next(r for k, r in res.items() if k.startswith("audit"))
            ratio = f"{a.wall / fl.wall:,.1f}×" if (a.wall and fl.wall) else "—"
            if a.wall is None:
                row += f" {a.failed} | — | — | — |"
            else:
                # Growth over the smallest size, so the interpreter's fixed RSS drops out.
                if base is None:
                    base, growth = (t.commits, a.rss_mb), "—"
                else:
                    growth = f"{(a.rss_mb - base[1]) / (t.commits - base[0]) * 10000:+,.1f}"
                row += (f" {fmt_num(a.wall)} | {ratio} | {fmt_num(a.rss_mb, 1)} | "
                        f"{growth} |")
        else:
            row += f" {fmt_num(fl.rss_mb, 1)} | {fmt_num(ns.rss_mb, 1)} |"
        rows.append(row)
        out[str(t.commits)] = {k: {"median_wall_s": r.wall, "median_rss_mb": r.rss_mb,
                                   "failed": r.failed} for k, r in res.items()}
    return rows, out


# --------------------------------------------------------------------------- #
# CLI
# --------------------------------------------------------------------------- #

def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python bench/run.py",
        description="Time the auditor against the git floors and PyDriller on large histories.",
    )
    ap.add_argument("--commits", type=int, default=100_000,
                    help="size of the synthetic repository (default: 100000)")
    ap.add_argument("--seed", type=int, default=42, help="synthetic generator seed (default: 42)")
    ap.add_argument("--authors", type=int, default=60, help="synthetic authors (default: 60)")
    ap.add_argument("--repo", type=Path, action="append", default=[], metavar="PATH",
                    help="also benchmark this local repository (repeatable)")
    ap.add_argument("--no-synthetic", action="store_true",
                    help="only benchmark the --repo repositories")
    ap.add_argument("--workdir", type=Path, default=BENCH_DIR / ".work",
                    help="where synthetic repositories are cached (default: bench/.work/)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per command; median reported (default: 3)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per run before it is killed")
    ap.add_argument("--skip-audit", action="store_true", help="don't run the auditor")
    ap.add_argument("--skip-pydriller", action="store_true", help="don't run PyDriller")
    ap.add_argument("--pydriller-limit", type=int, default=5000, metavar="N",
                    help="time PyDriller on the first N commits (oldest first) and extrapolate "
                         "linearly; 0 reads the whole history (default: 5000)")
    ap.add_argument("--pydriller-lines", action="store_true",
                    help="also time PyDriller reading insertions/deletions (very slow)")
    ap.add_argument("--scale", metavar="N,N,...",
                    help="memory-scaling mode: synthetic repositories of these sizes, audit time "
                         "and peak RSS per size (e.g. 10000,30000,100000)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write all samples as JSON")
    # Internal: the PyDriller reader runs as its own process so its RSS is its own.
    ap.add_argument("--pydriller-worker", metavar="REPO", help=argparse.SUPPRESS)
    ap.add_argument("--pydriller-result", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.workdir = args.workdir.expanduser().resolve()  # tools get absolute paths
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.no_synthetic and not args.repo and not args.scale:
        ap.error("--no-synthetic needs at least one --repo")
    if args.scale:
        try:
            sizes = {int(x.replace("_", "")) for x in args.scale.split(",") if x.strip()}
            args.scale = sorted(sizes)
        except ValueError:
            ap.error("--scale takes comma-separated commit counts, e.g. 10000,30000,100000")
        if any(n < 2 for n in args.scale):
            ap.error("--scale sizes must be at least 2")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.pydriller_worker:
        return pydriller_worker(args.pydriller_worker, args.pydriller_limit,
                                args.pydriller_lines, args.pydriller_result)

    info = machine_info()
    tenv = tool_env()
    home = tempfile.mkdtemp(prefix="bench-home-")
    genv = synth.git_env(home)
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        # Repositories: build (or reuse) the synthetic ones first, then describe all.
        targets: list[Target] = []
        if args.scale:
            targets = [synthetic_target(n, args) for n in args.scale]
        else:
            if not args.no_synthetic:
                targets.append(synthetic_target(args.commits, args))
            for p in args.repo:
                p = p.expanduser().resolve()
                if not (p / ".git").exists() and not (p / "HEAD").exists():
                    log(f"error: {p} is not a git repository")
                    return 2
                targets.append(Target(name=p.name, path=p))
        for t in targets:
            try:
                describe(t, genv)
            except subprocess.CalledProcessError as e:
                log(f"error: cannot read {t.path}: {e.stderr.strip() or e}")
                return 2

        audit = None
        notes: list[str] = []
        if args.skip_audit:
            notes.append("The auditor was not run (`--skip-audit`).")
        else:
            audit = detect_auditor(tenv)
            if audit.note:
                notes.append(audit.note.rstrip(".") + ".")
                log(audit.note)
        if not args.scale and not args.skip_pydriller and info["pydriller"] == "not installed":
            notes.append("PyDriller is not installed (`pip install pydriller`); its rows were skipped.")
            args.skip_pydriller = True

        plan = [(t, measures_for(t, args, audit, genv, tenv, tmp, scale=bool(args.scale)))
                for t in targets]
        if audit and audit.available and audit.no_cache and not args.scale:
            for t, _ in plan:
                prime_warm(t, audit, tenv, args.timeout)
        run_rounds(plan, args.repeat, args.timeout)

        lines = header(info, args, argv)
        lines += ["**Repositories**", ""] + repo_table(targets) + [""]
        if args.scale:
            rows, data = scale_table(plan)
            audit_label = next((m.label for _, ms in plan for m in ms if m.key.startswith("audit")), "")
            title = f"**Scaling** (audit = {audit_label})" if audit_label else "**Scaling**"
            lines += [title, ""] + rows + [""]
        else:
            rows, data = main_table(plan)
            lines += ["**Results**", ""] + rows + [""]
            if any(m.limit for _, ms in plan for m in ms):
                notes.append("PyDriller rows marked *extrapolated* timed the first "
                             f"{args.pydriller_limit:,} commits (oldest first) and scaled the "
                             "per-commit time linearly to the whole history; their RSS is that "
                             "of the partial run.")
        for t, ms in plan:
            for m in ms:
                bad = [s for s in m.samples if s.rc != 0]
                if bad:
                    notes.append(f"{t.name} / {m.key} failed (exit {bad[-1].rc}): "
                                 f"`{bad[-1].stderr_tail.splitlines()[-1] if bad[-1].stderr_tail else ''}`")
        if notes:
            lines += ["Notes:", ""] + [f"- {n}" for n in notes] + [""]
        print("\n".join(lines))

        if args.json:
            args.json.write_text(json.dumps({
                "machine": info,
                "command": "python bench/run.py" + ("" if not argv else " " + shlex.join(argv)),
                "repeat": args.repeat,
                "repositories": [{"name": t.name, "path": str(t.path), "head": t.head,
                                  "commits": t.commits, "merges": t.merges, "files": t.files,
                                  "tags": t.tags, "build_seconds": t.build_seconds,
                                  "built_now": t.built_now} for t in targets],
                "mode": "scale" if args.scale else "compare",
                "results": data,
                "notes": notes,
            }, indent=2, default=str) + "\n")
            log(f"wrote {args.json}")
    finally:
        import shutil
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
