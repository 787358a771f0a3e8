"""The GitHub Action's runner: ``python -m auditor.action``.

``action.yml`` installs auditor into its own virtual environment and runs this
module; every input reaches it as an environment variable (never interpolated
into a shell script), so it is testable outside GitHub and reusable by other CI
systems (the GitLab template runs it too):

=============================  ==========================================================
``INPUT_PATH``                 repository to audit (default ``.``), relative to the workspace
``INPUT_FORMATS``              comma- or space-separated: markdown, json, html, sarif,
                               codequality (default ``markdown,json``)
``INPUT_FAIL_UNDER``           exit 1 when the overall score is below this (0–5)
``INPUT_MIN_AREA``             per-area minimums, ``review=3 testing=2`` (comma or space)
``INPUT_CONFIG``               a configuration file (as ``--config``); when empty, the
                               configuration is discovered as the CLI does
``INPUT_JOB_SUMMARY``          ``true``: append the trimmed report to ``$GITHUB_STEP_SUMMARY``
``INPUT_SARIF``                ``true``: also write SARIF (the action then uploads it)
``INPUT_ARTIFACT_NAME``        the artifact's name, quoted in the summary when it is trimmed
``INPUT_BASELINE``             an earlier ``audit.json``; a missing file is a first run, not
                               an error (a cache miss must not fail a scheduled audit)
``INPUT_FAIL_ON_REGRESSION``   ``true``: exit 1 when anything regressed since the baseline
``INPUT_AS_OF``                audit date ``YYYY-MM-DD`` (default: today, UTC)
``INPUT_OUTPUT_DIR``           where the files go (default ``auditor-report``, relative to
                               the workspace — a visible folder, easy to find and upload)
``INPUT_SUMMARY_LIMIT``        the job summary's size limit in bytes (default 900,000; GitHub
                               drops a step summary over 1 MiB)
``GITHUB_WORKSPACE``           the workspace (default: the current directory)
``GITHUB_STEP_SUMMARY``        the job summary file (skipped when unset)
``GITHUB_OUTPUT``              the step outputs file (skipped when unset)
=============================  ==========================================================

Outputs: ``score``, ``maturity-level``, ``maturity-name``, ``report-path`` (the
Markdown report, or the first file written), ``report-dir``, ``json-path``,
``sarif-path`` and ``codequality-path`` (empty when not written), and ``gate``
(``passed`` or ``failed``).

Exit codes are the CLI's: 0 done, 1 a gate failed, 2 bad input, 3 not a
repository, 4 unreadable repository, 70 internal error. The report files, the
summary and the outputs are written before a gate failure exits 1, so the
workflow can still upload them. Every log line that quotes a string from the
repository or an input goes through :func:`auditor.render.escape.actions_log`, so
it cannot issue a workflow command.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

from auditor.render import FILE_NAMES
from auditor.render.escape import actions_log
from auditor.render.summary import DEFAULT_LIMIT, GITHUB_SUMMARY_LIMIT

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_NOT_A_REPO, EXIT_UNREADABLE, EXIT_INTERNAL = 0, 1, 2, 3, 4, 70
ACTION_FORMATS = ("markdown", "json", "html", "sarif", "codequality")
#: The step outputs written to ``$GITHUB_OUTPUT`` (action.yml maps some of them to action outputs).
OUTPUT_NAMES = ("score", "maturity-level", "maturity-name", "report-path", "report-dir", "json-path",
                "sarif-path", "codequality-path", "gate")
DEFAULT_OUTPUT_DIR = "auditor-report"


class UsageError(ValueError):
    """An input has a value the action cannot use (exit 2)."""


@dataclasses.dataclass
class Inputs:
    path: str = "."
    formats: tuple[str, ...] = ("markdown", "json")
    fail_under: float | None = None
    min_area: dict[str, float] = dataclasses.field(default_factory=dict)
    config: str | None = None
    job_summary: bool = True
    artifact_name: str = "auditor-report"
    baseline: str | None = None
    fail_on_regression: bool = False
    as_of: str | None = None
    output_dir: str = DEFAULT_OUTPUT_DIR
    summary_limit: int | None = None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("true", "yes", "1", "on"):
        return True
    if raw in ("false", "no", "0", "off"):
        return False
    raise UsageError(f"{name} expects true or false, got {raw!r}")


def _words(value: str) -> list[str]:
    return [w for w in value.replace(",", " ").split() if w]


def read_inputs(env: Mapping[str, str]) -> Inputs:
    """The inputs from the environment, validated (raises UsageError)."""
    from auditor.areas import AREA_IDS

    inp = Inputs()
    inp.path = env.get("INPUT_PATH", "").strip() or "."
    formats = [f.lower() for f in _words(env.get("INPUT_FORMATS", ""))] or ["markdown", "json"]
    if _bool(env, "INPUT_SARIF", False):
        formats.append("sarif")
    unknown = [f for f in formats if f not in ACTION_FORMATS]
    if unknown:
        raise UsageError(f"INPUT_FORMATS: unknown format {unknown[0]!r} (choose from {', '.join(ACTION_FORMATS)})")
    inp.formats = tuple(dict.fromkeys(formats))
    raw = env.get("INPUT_FAIL_UNDER", "").strip()
    if raw:
        try:
            inp.fail_under = float(raw)
        except ValueError:
            raise UsageError(f"INPUT_FAIL_UNDER expects a score from 0 to 5, got {raw!r}") from None
        if not 0 <= inp.fail_under <= 5:
            raise UsageError(f"INPUT_FAIL_UNDER expects a score from 0 to 5, got {raw!r}")
    for item in _words(env.get("INPUT_MIN_AREA", "")):
        area, sep, value = item.partition("=")
        try:
            score = float(value)
        except ValueError:
            sep = ""
        if not sep or area not in AREA_IDS:
            raise UsageError(f"INPUT_MIN_AREA expects AREA=SCORE with AREA one of {', '.join(AREA_IDS)}; got {item!r}")
        inp.min_area[area] = score
    inp.config = env.get("INPUT_CONFIG", "").strip() or None
    inp.job_summary = _bool(env, "INPUT_JOB_SUMMARY", True)
    inp.artifact_name = env.get("INPUT_ARTIFACT_NAME", "").strip() or "auditor-report"
    inp.baseline = env.get("INPUT_BASELINE", "").strip() or None
    inp.fail_on_regression = _bool(env, "INPUT_FAIL_ON_REGRESSION", False)
    inp.as_of = env.get("INPUT_AS_OF", "").strip() or None
    inp.output_dir = env.get("INPUT_OUTPUT_DIR", "").strip() or DEFAULT_OUTPUT_DIR
    raw = env.get("INPUT_SUMMARY_LIMIT", "").strip()
    if raw:
        if not raw.isdigit() or not 1_000 <= int(raw) <= GITHUB_SUMMARY_LIMIT:
            raise UsageError(f"INPUT_SUMMARY_LIMIT expects bytes from 1000 to {GITHUB_SUMMARY_LIMIT}, got {raw!r}")
        inp.summary_limit = int(raw)
    return inp


# -- logging -------------------------------------------------------------------------------


class Log:
    """Log lines; on GitHub, notices and errors become workflow commands (annotations)."""

    def __init__(self, env: Mapping[str, str], stream=None):
        self.github = env.get("GITHUB_ACTIONS") == "true"
        self.stream = stream or sys.stderr

    def _write(self, kind: str, text: str) -> None:
        # actions_log defuses "::" and folds newlines; % is the workflow-command escape character.
        safe = actions_log(text, 1000)
        if self.github:
            self.stream.write(f"::{kind} title=auditor::{safe.replace('%', '%25')}\n")
        else:
            self.stream.write(f"auditor: {kind}: {safe}\n")
        self.stream.flush()

    def info(self, text: str) -> None:
        self.stream.write(f"auditor: {actions_log(text, 1000)}\n")
        self.stream.flush()

    def notice(self, text: str) -> None:
        self._write("notice", text)

    def warning(self, text: str) -> None:
        self._write("warning", text)

    def error(self, text: str) -> None:
        self._write("error", text)


def set_outputs(path: str | None, values: Mapping[str, str]) -> None:
    """Append ``name=value`` lines (a heredoc for multi-line values) to ``$GITHUB_OUTPUT``."""
    if not path:
        return
    lines = []
    for name, value in values.items():
        if "\n" in value or "\r" in value:
            delim = f"AUDITOR_{secrets.token_hex(8)}"
            lines.append(f"{name}<<{delim}\n{value}\n{delim}\n")
        else:
            lines.append(f"{name}={value}\n")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("".join(lines))


# -- the run -------------------------------------------------------------------------------


def _prepare(target: str, inp: Inputs, options, when, workspace: Path):
    """Configuration as the CLI reads it: ``INPUT_CONFIG`` when set (``--config``), else discovery.

    The inputs ``fail-under`` and ``min-area`` win over the file's gates, as the CLI's flags do.
    Returns (options, rules, fail_under, min_area); raises UsageError for invalid configuration.
    """
    from auditor.config import ConfigError, Overrides, prepare, resolve_config

    # LEAD: keep this in step with cli.py's --config wiring (ideally one shared library call), including
    # how the configuration report and pack load problems are attached to the result.
    try:
        config = resolve_config(target, config_file=inp.config, cwd=workspace)
        prepared = prepare(config, options, Overrides(fail_under=inp.fail_under, min_area=inp.min_area),
                           as_of=when.date)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    return prepared.options, prepared.rules, prepared.gates.fail_under, prepared.gates.min_area


def run(env: Mapping[str, str], log: Log) -> int:
    from auditor import clock
    from auditor.baseline import BaselineError, apply_gates, compare, load_baseline
    from auditor.engine import AuditOptions, audit
    from auditor.gitio import GitError, is_url
    from auditor.render import render
    from auditor.render.summary import render_job_summary, trim_markdown

    try:
        inp = read_inputs(env)
        when = clock.parse(inp.as_of) if inp.as_of else clock.today()
    except (UsageError, ValueError) as exc:
        log.error(str(exc))
        return EXIT_USAGE

    workspace = Path(env.get("GITHUB_WORKSPACE") or os.getcwd())
    target = inp.path if is_url(inp.path) else str((workspace / inp.path).resolve())
    out_dir = (workspace / inp.output_dir).resolve()

    previous = None
    if inp.baseline:
        baseline_path = workspace / inp.baseline
        if baseline_path.exists():
            try:
                previous = load_baseline(baseline_path)
            except BaselineError as exc:
                log.error(str(exc))
                return EXIT_USAGE
        else:
            log.notice(f"no baseline at {inp.baseline} (a first run?): nothing to compare with this time")
    if inp.fail_on_regression and previous is None:
        log.notice("fail-on-regression has no baseline to compare with; the regression gate is skipped")

    try:
        options, rules, fail_under, min_area = _prepare(target, inp, AuditOptions(), when, workspace)
    except UsageError as exc:
        log.error(str(exc))
        return EXIT_USAGE

    try:
        result = audit(target, as_of=when, options=options, rules=rules)
    except GitError as exc:
        code = EXIT_NOT_A_REPO if exc.kind in (GitError.NOT_A_REPOSITORY, GitError.UNSAFE_OWNERSHIP,
                                               GitError.UNSUPPORTED, GitError.GIT_MISSING) else \
            EXIT_USAGE if exc.kind == GitError.BAD_REVISION else EXIT_UNREADABLE
        log.error(str(exc))
        return code

    if previous is not None:
        result = dataclasses.replace(result, comparison=compare(result, previous))
    gate = apply_gates(result, fail_under=fail_under, area_minimums=min_area,
                       comparison=result.comparison, fail_on_regression=inp.fail_on_regression)

    written: dict[str, Path] = {}
    texts: dict[str, str] = {}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for fmt, name in FILE_NAMES.items():
            # A report file of ours left by an earlier run (a self-hosted runner keeps its workspace)
            # would be uploaded with this run's: remove what this run does not write.
            if fmt not in inp.formats and (out_dir / name).is_file():
                (out_dir / name).unlink()
        for fmt in inp.formats:
            path = out_dir / FILE_NAMES[fmt]
            texts[fmt] = render(result, fmt)
            path.write_text(texts[fmt], encoding="utf-8")
            written[fmt] = path
    except OSError as exc:
        log.error(f"cannot write the report to {out_dir}: {exc.strerror or exc}")
        return EXIT_USAGE

    summary_file = env.get("GITHUB_STEP_SUMMARY")
    if inp.job_summary and summary_file:
        try:
            with open(summary_file, "a", encoding="utf-8") as fh:
                limit = inp.summary_limit or DEFAULT_LIMIT
                fh.write(trim_markdown(texts["markdown"], limit=limit, artifact_hint=inp.artifact_name)
                         if "markdown" in texts else
                         render_job_summary(result, limit=limit, artifact_hint=inp.artifact_name))
        except OSError as exc:
            log.warning(f"cannot write the job summary: {exc.strerror or exc}")

    report = written.get("markdown") or next(iter(written.values()), None)
    set_outputs(env.get("GITHUB_OUTPUT"), {
        "score": f"{result.overall:.2f}",
        "maturity-level": str(result.maturity.level),
        "maturity-name": result.maturity.name,
        "report-path": str(report or ""),
        "report-dir": str(out_dir),
        "json-path": str(written.get("json", "")),
        "sarif-path": str(written.get("sarif", "")),
        "codequality-path": str(written.get("codequality", "")),
        "gate": "failed" if gate.failed else "passed",
    })

    log.info(f"{result.repository.name}: overall score {result.overall:.2f}/5, maturity level "
             f"{result.maturity.level} ({result.maturity.name}); report in {out_dir}")
    for reason in gate.reasons:
        log.error(f"gate failed: {reason}")
    return EXIT_GATE if gate.failed else EXIT_OK


def main(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    log = Log(env)
    try:
        return run(env, log)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if env.get("AUDITOR_DEBUG"):
            raise
        log.error(f"internal error: {type(exc).__name__}: {exc} (set AUDITOR_DEBUG=1 for details)")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
