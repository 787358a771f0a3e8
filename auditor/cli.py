"""The command line: a thin shell over :func:`auditor.engine.audit` and the renderers.

Exit codes (also in ``auditor --help`` and the README):

  0  the audit completed (and any gate passed)
  1  a gate failed (--fail-under, per-area minimums, --fail-on-regression)
  2  usage or configuration error
  3  PATH is not a readable git repository (missing, not a repository, refused by
     git's ownership check, or a git directory outside PATH)
  4  the repository could not be read to the end (corrupt objects, time limit)
  70 internal error (a bug: please report it)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from auditor import __version__

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_NOT_A_REPO, EXIT_UNREADABLE, EXIT_INTERNAL = 0, 1, 2, 3, 4, 70

EXIT_CODES_HELP = """\b
Exit codes:
  0   audit completed
  1   a quality gate failed
  2   usage or configuration error
  3   PATH is not a readable git repository
  4   the repository could not be read to the end
  70  internal error (a bug)
"""


def _fail(code: int, message: str) -> None:
    """One line on stderr, then exit: bad input never yields a traceback."""
    from auditor.render.escape import terminal

    click.echo(f"auditor: error: {terminal(message, 500)}", err=True)
    sys.exit(code)


class _Group(click.Group):
    def main(self, *args, **kwargs):  # noqa: D401 - click hook
        kwargs.setdefault("standalone_mode", True)
        try:
            return super().main(*args, **kwargs)
        except SystemExit:
            raise
        except KeyboardInterrupt:
            _fail(130, "interrupted")
        except Exception as exc:  # noqa: BLE001 - last line of defence: one line, never a traceback
            if os.environ.get("AUDITOR_DEBUG"):
                raise
            _fail(EXIT_INTERNAL, f"internal error: {type(exc).__name__}: {exc} (set AUDITOR_DEBUG=1 for details)")


@click.group(cls=_Group, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
def main() -> None:
    """Audit how a software team works, read from its git repository."""


@main.command("audit", epilog=EXIT_CODES_HELP)
@click.argument("path", required=False)
@click.option("--format", "fmt",
              type=click.Choice(["markdown", "json", "html", "terminal", "sarif", "codequality"]), default=None,
              help="Output format (default: a summary on a terminal, Markdown when piped or with --output). "
                   "sarif: SARIF 2.1.0 for code scanning; codequality: GitLab Code Quality JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Audit date (default: today, UTC).")
@click.option("--rev", default="HEAD", show_default=True, help="Revision to audit.")
@click.option("--max-commits", type=click.IntRange(min=1), help="Read at most N commits of history.")
@click.option("--since", metavar="DATE", help="Read history since DATE only (YYYY-MM-DD).")
@click.option("--no-cache", is_flag=True,
              help="Do not read or write the cache of histories and results ($XDG_CACHE_HOME/auditor or "
                   "~/.cache/auditor).")
@click.option("--cache-dir", type=click.Path(file_okay=False), metavar="DIR", help="Keep the cache in DIR.")
@click.option("--cache-max-mb", type=click.IntRange(min=0), default=500, show_default=True, metavar="MB",
              help="Bound the cache file; least recently audited repositories are dropped beyond it.")
@click.option("--history-process", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True,
              help="Fold the history in a second Python process beside the rules: for large repositories "
                   "(auto), always, or never.")
@click.option("--time-budget", type=click.FloatRange(min=1), metavar="SECONDS",
              help="Stop reading after SECONDS; what was not reached is reported as skipped.")
@click.option("--select", multiple=True, metavar="ID", help="Run only rules with this ID or prefix (repeatable).")
@click.option("--ignore", multiple=True, metavar="ID", help="Skip rules with this ID or prefix (repeatable).")
@click.option("--fail-under", type=click.FloatRange(0, 5), metavar="SCORE",
              help="Exit 1 when the overall score is below SCORE (0-5).")
@click.option("--min-area", "min_area", multiple=True, metavar="AREA=SCORE",
              help="Exit 1 when AREA scores below SCORE (repeatable), e.g. --min-area review=3.")
@click.option("--baseline", type=click.Path(dir_okay=False), metavar="PREVIOUS.json",
              help="Compare with an earlier JSON result: adds a 'changes since' section.")
@click.option("--fail-on-regression", is_flag=True, help="With --baseline: exit 1 when any area or finding regressed.")
@click.option("--exit-zero", is_flag=True, help="Report gate failures but always exit 0.")
@click.option("--timings", is_flag=True, help="Include time taken in the output (makes it non-reproducible).")
@click.option("--demo", is_flag=True, help="Audit the bundled demo repository.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or notes on stderr.")
@click.option("--config", "config_file", metavar="FILE",
              help="Read configuration from FILE instead of discovering .auditor.toml, auditor.toml or "
                   "pyproject.toml [tool.auditor] from PATH upwards.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file (the audited repository's included).")
@click.option("--allow-repo-packs", is_flag=True,
              help="Load local rule packs that the audited repository's own configuration declares. "
                   "They are code and run; without this flag they are reported and not loaded.")
def audit_cmd(path, fmt, output, as_of, rev, max_commits, since, no_cache, cache_dir, cache_max_mb, history_process, time_budget, select, ignore, fail_under, min_area, baseline,
              fail_on_regression, exit_zero, timings, demo, quiet, config_file, isolated, allow_repo_packs):
    """Audit the repository at PATH (default: the current directory, or the bundled demo
    outside a repository). PATH may also be a git URL; it is cloned bare into a
    temporary directory and removed afterwards."""
    from auditor import clock
    from auditor.engine import AuditOptions, audit
    from auditor.gitio import GitError, is_url

    try:
        when = clock.parse(as_of) if as_of else clock.today()
    except ValueError as exc:
        _fail(EXIT_USAGE, str(exc))
    if since:
        try:
            clock.parse(since)
        except ValueError:
            _fail(EXIT_USAGE, f"--since expects a date as YYYY-MM-DD, got {since!r}")
    from auditor.areas import AREA_IDS
    from auditor.baseline import BaselineError, apply_gates, compare, load_baseline

    minimums: dict[str, float] = {}
    for item in min_area:
        area_id, sep, value = item.partition("=")
        try:
            minimums[area_id.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or area_id.strip() not in AREA_IDS:
            _fail(EXIT_USAGE, f"--min-area expects AREA=SCORE with AREA one of {', '.join(AREA_IDS)}; got {item!r}")
    if fail_on_regression and not baseline:
        _fail(EXIT_USAGE, "--fail-on-regression needs --baseline PREVIOUS.json")
    if config_file and isolated:
        _fail(EXIT_USAGE, "--config and --isolated exclude each other")
    previous = None
    if baseline:
        try:
            previous = load_baseline(baseline)
        except BaselineError as exc:
            _fail(EXIT_USAGE, str(exc))
    progress = Progress(enabled=not quiet and sys.stderr.isatty())
    options = AuditOptions(rev=rev, max_commits=max_commits, since=since, select=select, ignore=ignore,
                           time_budget=time_budget, use_cache=not no_cache,
                           cache_dir=Path(cache_dir) if cache_dir else None, cache_max_mb=cache_max_mb,
                           history_process=history_process,
                           progress=progress.commits, on_phase=progress.phase)

    demo_dir = None
    target = path
    if demo or (path is None and not _inside_repository(Path.cwd())):
        demo_dir = tempfile.mkdtemp(prefix="auditor-demo-")
        target = str(_build_demo(Path(demo_dir)))
        if not quiet:
            click.echo("auditor: no git repository here; auditing the bundled demo "
                       "(a solo Next.js SaaS rebuilt from the seed audit). Pass PATH to audit yours.", err=True)
    elif target is None:
        target = "."
    if not is_url(str(target)) and str(target).startswith("-"):
        _fail(EXIT_USAGE, f"invalid PATH {target!r}")
    from auditor.config import ConfigError, Overrides, prepare, resolve_config

    try:
        try:
            # The bundled demo is not the user's project: no configuration applies unless named.
            config = resolve_config(target, config_file=config_file,
                                    isolated=isolated or (demo_dir is not None and not config_file))
            prepared = prepare(config, options, Overrides(select=select, ignore=ignore, fail_under=fail_under,
                                                          min_area=minimums),
                               as_of=when.date, allow_repo_packs=allow_repo_packs)
        except ConfigError as exc:
            _fail(EXIT_USAGE, str(exc))
        if not quiet:
            _config_notes(prepared.report)
        import dataclasses
        result = audit(target, as_of=when,
                       options=dataclasses.replace(prepared.options, configuration=prepared.report.to_dict()),
                       rules=prepared.rules, load_problems=prepared.load_problems)
    except GitError as exc:
        code = EXIT_NOT_A_REPO if exc.kind in (GitError.NOT_A_REPOSITORY, GitError.UNSAFE_OWNERSHIP,
                                               GitError.UNSUPPORTED, GitError.GIT_MISSING) else \
            EXIT_USAGE if exc.kind == GitError.BAD_REVISION else EXIT_UNREADABLE
        _fail(code, str(exc))
    finally:
        progress.done()
        if demo_dir:
            import shutil
            shutil.rmtree(demo_dir, ignore_errors=True)

    if not quiet:
        from auditor.render.escape import terminal

        for note in result.notes:
            click.echo(f"auditor: note: {terminal(note, 500)}", err=True)
    if previous is not None:
        import dataclasses
        result = dataclasses.replace(result, comparison=compare(result, previous))
    gate = apply_gates(result, fail_under=prepared.gates.fail_under, area_minimums=prepared.gates.min_area,
                       comparison=result.comparison, fail_on_regression=fail_on_regression)
    if fmt is None:
        fmt = "terminal" if output is None and sys.stdout.isatty() else "markdown"
    if fmt == "json":
        from auditor.render.json_report import render_json
        text = render_json(result, timings=timings)
    elif fmt == "html":
        from auditor.render.html import render_html
        text = render_html(result, timings=timings)
    elif fmt == "sarif":
        from auditor.render.sarif import render_sarif
        text = render_sarif(result)
    elif fmt == "codequality":
        from auditor.render.codequality import render_codequality
        text = render_codequality(result)
    elif fmt == "terminal":
        from auditor.render.terminal import render_terminal
        text = render_terminal(result, colour=_colour_wanted(output))
    else:
        from auditor.render.markdown import render_markdown
        text = render_markdown(result, timings=timings)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail(EXIT_USAGE, f"cannot write {output}: {exc.strerror or exc}")
    else:
        click.echo(text, nl=False, color=fmt == "terminal" and _colour_wanted(output))
    for reason in gate.reasons:
        click.echo(f"auditor: gate {'failed (ignored: --exit-zero)' if exit_zero else 'failed'}: {reason}", err=True)
    if gate.failed and not exit_zero:
        sys.exit(EXIT_GATE)


def _config_notes(report) -> None:
    """What a reader of stderr must know about the configuration: whose it is, and what it did not honour."""
    from auditor.render.escape import terminal

    if report.inside_repository:
        click.echo(f"auditor: note: using {terminal(report.source, 200)} from inside the audited repository "
                   "(its own settings; --isolated ignores them)", err=True)
    for w in report.expired_waivers:
        click.echo(f"auditor: warning: the waiver for {w['rule']} expired on {w['expires']}; it is not honoured",
                   err=True)
    for p in report.packs:
        if p["status"] != "loaded":
            click.echo(f"auditor: warning: rule pack {terminal(p['path'], 200)} not loaded: "
                       f"{terminal(p['reason'], 300)}", err=True)


def _colour_wanted(output) -> bool:
    """Colour only on a terminal, never with NO_COLOR set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    return output is None and sys.stdout.isatty()


class Progress:
    """A one-line progress display on stderr for audits that take longer than a second."""

    def __init__(self, enabled: bool):
        import time

        self.enabled = enabled
        self.started = time.monotonic()
        self.label = "opening the repository"
        self.shown = False

    def _show(self, text: str) -> None:
        import time

        if not self.enabled or time.monotonic() - self.started < 1.0:
            return
        sys.stderr.write("\r\x1b[2K" + text[:120])
        sys.stderr.flush()
        self.shown = True

    def phase(self, label: str) -> None:
        self.label = label
        self._show(f"auditor: {label}…")

    def commits(self, n: int) -> None:
        self._show(f"auditor: {self.label}… ({n:,} commits read)")

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


def _inside_repository(cwd: Path) -> bool:
    from auditor.gitio import GitError, Workspace, discover

    ws = Workspace.create()
    try:
        discover(cwd, ws)
        return True
    except GitError as exc:
        # Anything but "not a repository" is a real problem the audit should report.
        return exc.kind != GitError.NOT_A_REPOSITORY
    finally:
        ws.cleanup()


def _build_demo(dest: Path) -> Path:
    from auditor.fixture import build, scenario_path

    return build(scenario_path("seed003"), dest / "sms-food-delivery")


@main.command("init")
@click.argument("path", required=False, default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing .auditor.toml.")
def init_cmd(path: str, force: bool) -> None:
    """Write a commented starter .auditor.toml for the repository at PATH (default: here)."""
    from auditor.init import InitError, write_starter

    try:
        written = write_starter(path, force=force)
    except InitError as exc:
        _fail(EXIT_USAGE, str(exc))
    click.echo(f"auditor: wrote {written}; every line is commented — uncomment what you mean "
               "(rule IDs: `auditor rules list`).", err=True)


@main.group("cache")
def cache_group() -> None:
    """Show or clear the cache of histories and audit results."""


@cache_group.command("info")
@click.option("--cache-dir", type=click.Path(file_okay=False), metavar="DIR", help="The cache in DIR.")
def cache_info(cache_dir: str | None) -> None:
    """Where the cache is, how large, and which repositories it holds."""
    from auditor.facts.history_cache import CacheConfig, CacheProblem, Store
    from auditor.render.escape import terminal

    config = CacheConfig(directory=Path(cache_dir) if cache_dir else None)
    path = config.path
    if not path.exists():
        click.echo(f"{terminal(str(path), 500)}: no cache yet")
        return
    try:
        store = Store.open(config)
        try:
            stats, repos = store.stats(), store.repositories()
        finally:
            store.close()
    except CacheProblem as exc:
        _fail(EXIT_USAGE, str(exc))
    size = sum(path.with_name(path.name + s).stat().st_size
               for s in ("", "-wal") if path.with_name(path.name + s).exists())
    click.echo(f"{terminal(str(path), 500)}: {size / 1048576:.1f} MB, {stats['commits']:,} commits of "
               f"{len(repos)} repositor{'y' if len(repos) == 1 else 'ies'}, {stats['results']} audit result(s)")
    for identity, commits, mb in repos:
        click.echo(f"  {terminal(identity, 300)}  {commits:,} commits, {mb:.1f} MB")


@cache_group.command("clear")
@click.option("--cache-dir", type=click.Path(file_okay=False), metavar="DIR", help="The cache in DIR.")
def cache_clear(cache_dir: str | None) -> None:
    """Delete the cache file; the next audit reads everything from git again."""
    from auditor.facts.history_cache import CacheConfig
    from auditor.render.escape import terminal

    path = CacheConfig(directory=Path(cache_dir) if cache_dir else None).path
    removed = 0
    for suffix in ("", "-wal", "-shm", ".damaged"):
        candidate = path.with_name(path.name + suffix)
        if candidate.is_file() and not candidate.is_symlink():
            try:
                candidate.unlink()
            except OSError as exc:
                _fail(EXIT_USAGE, f"cannot remove {candidate}: {exc.strerror or exc}")
            removed += 1
    click.echo(f"auditor: {'removed' if removed else 'nothing to remove at'} {terminal(str(path), 500)}", err=True)


@main.group("rules")
def rules_group() -> None:
    """List the rules and read their documentation."""


@rules_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_list(fmt: str) -> None:
    """List every rule with its ID, area and title."""
    from auditor.rule import load_rules

    classes, problems = load_rules()
    for p in problems:
        click.echo(f"auditor: warning: rule pack {p.pack}: {p.message}", err=True)
    if fmt == "json":
        import json
        click.echo(json.dumps([{"id": c.rule_id(), "area": c.area, "title": c.title(), "pack": c.pack,
                                "effort": c.effort.value} for c in classes], indent=2))
        return
    width = max((len(c.area) for c in classes), default=4)
    for c in classes:
        click.echo(f"{c.rule_id():8} {c.area:{width}}  {c.title()}")


@rules_group.command("explain")
@click.argument("rule_id")
def rules_explain(rule_id: str) -> None:
    """Print a rule's documentation."""
    from auditor.rule import RETIRED, load_rules

    classes, _ = load_rules()
    by_id = {c.rule_id(): c for c in classes}
    wanted = rule_id.upper()
    if wanted in RETIRED:
        click.echo(f"{wanted} was retired; it is now {RETIRED[wanted]}.", err=True)
        wanted = RETIRED[wanted]
    cls = by_id.get(wanted)
    if cls is None:
        _fail(EXIT_USAGE, f"no rule {rule_id!r} (see `auditor rules list`)")
    docs = cls.docs()
    click.echo(f"{cls.rule_id()}: {cls.title()}\n")
    click.echo(f"Area: {cls.area}    Effort: {cls.effort.label}    Pack: {cls.pack}")
    if cls.limits_doc():
        click.echo(f"Thresholds: {cls.limits_doc()}")
    for heading, body in docs.items():
        if not body:
            continue
        click.echo(f"\n{heading if heading != 'summary' else 'What it checks'}\n{body}")
