"""The audit pipeline: open the repository → collect facts → run rules → score.

:func:`audit` is the library call the CLI, the GitHub Action and tests all use.
It returns an :class:`AuditResult`; rendering is a separate step.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor import facts as facts_mod
from auditor.areas import AREAS
from auditor.clock import AsOf
from auditor.facts import Facts, FactUnavailable
from auditor.facts import standard as _standard  # noqa: F401 - registers the built-in providers
from auditor.facts.tree import FileTree
from auditor.gitio import Git, GitError, Workspace, build_shim, clone_url, discover, is_url
from auditor.model import AuditResult, Finding, Outcome, RepositoryInfo
from auditor.result_cache import Stored
from auditor.rule import LoadProblem, Rule, load_rules
from auditor.scoring import score_areas


@dataclass
class AuditOptions:
    """How to read the repository and which rules to run."""

    rev: str = "HEAD"
    window: int = 1000                 # commits kept in full for rules that quote them
    size_window: int = 300             # newest commits whose line counts are read
    max_commits: int | None = None
    since: str | None = None
    timeout: float = 300.0             # per git call
    time_budget: float | None = None   # seconds for the whole audit; what is not reached is skipped
    select: Sequence[str] = ()         # rule IDs or prefixes; empty = all
    ignore: Sequence[str] = ()
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    declared: dict[str, Any] = field(default_factory=dict)
    waivers: dict[str, str] = field(default_factory=dict)   # rule ID -> reason
    configuration: dict[str, Any] | None = None          # auditor.config.ConfigReport.to_dict(), for the report
    progress: Callable[[int], None] | None = None      # called with the number of commits read so far
    on_phase: Callable[[str], None] | None = None      # called when the audit enters a new phase
    is_shallow: bool = False
    use_cache: bool = False            # keep per-commit history facts between audits (the CLI turns it on)
    cache_dir: Path | None = None      # None: $XDG_CACHE_HOME/auditor or ~/.cache/auditor
    cache_max_mb: int = 500            # the cache evicts least recently used repositories beyond this
    history_process: str = "auto"      # fold the history in a second process: "auto" (large repositories),
                                       # "always" or "never" (auditor.facts.history_worker)


    def cache_config(self):
        """Where the cache is and its bound (auditor.facts.history_cache.CacheConfig)."""
        from auditor.facts.history_cache import CacheConfig

        return CacheConfig(directory=self.cache_dir, max_bytes=max(0, self.cache_max_mb) * 1024 * 1024)


def _selected(rule_id: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    if select and not any(rule_id.startswith(s) for s in select):
        return False
    return not any(rule_id.startswith(i) for i in ignore)


SHALLOW_MIN = 50


def history_insufficient(history, needed: int) -> str | None:
    """Why the history is too short to judge a practice from, or None."""
    if history.is_shallow and history.total < SHALLOW_MIN:
        return (f"insufficient history: a shallow clone holding {history.total} commit"
                f"{'s' if history.total != 1 else ''}; audit a full clone")
    if history.total < needed:
        return (f"insufficient history: {history.total} commit{'s' if history.total != 1 else ''} "
                f"(at least {needed} needed), as after a squashed import")
    return None


def run_rule(rule: Rule, facts: Facts) -> Finding:
    """Evaluate one rule; a missing fact skips it, an exception becomes an error finding."""
    kwargs: dict[str, Any] = {}
    for name in rule.fact_names():
        if name == "thresholds":
            kwargs[name] = rule.limits
            continue
        try:
            kwargs[name] = facts.get(name)
        except FactUnavailable as exc:
            return rule.skip(f"not determinable from the repository: {exc}")
        if name == "history":
            why = history_insufficient(kwargs[name], rule.min_history)
            if why:
                return rule.skip(why)
    try:
        finding = rule.check(**kwargs)
    except Exception as exc:  # noqa: BLE001 - a failing rule is recorded, the audit goes on
        return rule._finding(Outcome.ERROR, f"the rule failed: {type(exc).__name__}: {str(exc)[:200]}")
    if not isinstance(finding, Finding):
        return rule._finding(Outcome.ERROR, f"the rule returned {type(finding).__name__}, not a Finding")
    return finding


FILE_FACTS = ("ci", "manifests", "tasks", "tools", "project")
#: Facts that come from the history read (tags are matched against the commits it saw).
HISTORY_FACTS = ("history", "tags")


def _needs_history(cls: type[Rule]) -> bool:
    return any(name in HISTORY_FACTS for name in cls.fact_names())


def _collect(facts: Facts, name: str) -> None:
    try:
        facts.get(name)
    except FactUnavailable:
        pass   # recorded in facts.unavailable; rules that need it are skipped with the reason


def evaluate(rule_classes: Sequence[type[Rule]], facts: Facts, options: AuditOptions,
             deadline: float | None = None) -> list[Finding]:
    """Run the selected rules, in order; past the ``deadline`` (monotonic seconds) only rules
    whose facts are already collected still run, and the rest are skipped with the reason.

    On a git repository the history — the longest read by far, and mostly git's work — is
    collected on a second thread from the start, while the file facts are read and the
    rules that do not need the history run; the history's rules run when it is in.
    """
    phase = options.on_phase or (lambda label: None)
    selected = [cls for cls in rule_classes if _selected(cls.rule_id(), options.select, options.ignore)]
    findings: list[Finding | None] = [None] * len(selected)
    reader = None
    if "_git" in facts and facts.known("_git"):
        if deadline is not None:
            facts.get("_git").timeout = max(1.0, min(options.timeout, deadline - time.monotonic()))
        if any(_needs_history(cls) for cls in selected):
            reader = threading.Thread(target=lambda: [_collect(facts, n) for n in HISTORY_FACTS],
                                      name="auditor-history", daemon=True)
            reader.start()
        phase("reading the files and the history")
        for name in FILE_FACTS:
            _collect(facts, name)
    phase("running the rules")
    waiting = []
    for i, cls in enumerate(selected):
        if reader is not None and _needs_history(cls):
            waiting.append(i)
            continue
        findings[i] = _evaluate_one(cls, facts, options, deadline)
    if reader is not None:
        if reader.is_alive():
            phase("reading the history")
            reader.join()
            phase("running the rules")
    for i in waiting:
        findings[i] = _evaluate_one(selected[i], facts, options, deadline)
    return [f for f in findings if f is not None]


def _evaluate_one(cls: type[Rule], facts: Facts, options: AuditOptions, deadline: float | None) -> Finding:
    rule = cls(options.thresholds.get(cls.rule_id()))
    if deadline is not None and time.monotonic() > deadline and not all(
            facts.known(n) for n in cls.fact_names() if n != "thresholds"):
        return rule.skip(f"not evaluated: the time budget of {options.time_budget:g} s ran out")
    finding = run_rule(rule, facts)
    reason = options.waivers.get(cls.rule_id())
    if reason and finding.outcome is Outcome.FAIL:
        finding = replace(finding, waived=reason)
    return finding


def audit(target: str | Path = ".", *, as_of: AsOf, options: AuditOptions | None = None,
          rules: Sequence[type[Rule]] | None = None, load_problems: Sequence[LoadProblem] = ()) -> AuditResult:
    """Audit the repository at ``target`` (a path or a git URL) as of ``as_of``.

    ``rules`` defaults to every installed rule; a caller that loads more (local
    packs, see :func:`auditor.config.prepare`) passes them with the problems it met.
    """
    options = options or AuditOptions()
    started = time.perf_counter()
    ws = Workspace.create()
    tree: FileTree | None = None
    try:
        target_s = str(target)
        if is_url(target_s):
            local = clone_url(target_s, ws)
            display = target_s.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
        else:
            local = Path(target_s)
            display = None
        source = discover(local, ws)
        options.is_shallow = source.is_shallow
        git = build_shim(source, ws, timeout=options.timeout)
        rev = _resolve(git, options.rev)
        if display is None:
            display = source.display_name
        repo = RepositoryInfo(
            name=display, revision=rev or "", revision_date=_commit_date(git, rev) if rev else None,
            ref=options.rev if options.rev != "HEAD" else (source.head_ref or "HEAD"),
            default_branch=(source.head_ref or "").removeprefix("refs/heads/") or None,
            is_shallow=source.is_shallow, is_bare=source.work_tree is None,
        )
        origin = target_s if is_url(target_s) else str(source.git_dir)
        if rules is None:
            rules, problems = load_rules()
        else:
            problems = []
        problems = [*problems, *load_problems]
        known: dict[str, Any] = {}
        results = _ResultCache.open(options, source, origin, rev, repo, as_of, rules, git, known)
        stored = results.lookup() if results else None
        notes: list[str] = []
        if stored is None:
            tree = FileTree.from_git(git, rev) if rev else FileTree(entries={})
            facts = Facts(_git=git, _rev=rev, _options=options, tree=tree, repo=repo, as_of=as_of,
                          declared=dict(options.declared), _source=source, _origin=origin, **known)
            deadline = time.monotonic() + options.time_budget if options.time_budget else None
            findings = evaluate(rules, facts, options, deadline)
            if facts.known("history") and "history" not in facts.unavailable:
                notes = list(facts.get("history").notes)
            from auditor.context import build_context
            stored = Stored(findings=tuple(findings), context=build_context(facts),
                            facts_unavailable=sorted(facts.unavailable.items()),
                            unread_files=sorted(tree.unread.items())[:50])
            if results and _complete(stored, deadline):
                results.save(stored)
        findings = list(stored.findings)
        areas, overall, maturity = score_areas(findings, AREAS, options.weights)
        method = {
            "revision": rev or "",
            "rules_run": len(findings),
            "rules_skipped": sorted((f.rule_id, f.message) for f in findings if f.outcome is Outcome.SKIP),
            "rules_errored": sorted((f.rule_id, f.message) for f in findings if f.outcome is Outcome.ERROR),
            "rule_packs": sorted({c.pack for c in rules}),
            "load_problems": [(p.pack, p.message) for p in problems],
            **({"configuration": options.configuration} if options.configuration is not None else {}),
            "facts_unavailable": list(stored.facts_unavailable),
            "unread_files": list(stored.unread_files),
            "limits": _limits(options),
            "seconds": round(time.perf_counter() - started, 2),
            "git_calls": len(git.calls),
        }
        return AuditResult(repository=repo, as_of=as_of.date, areas=tuple(areas), maturity=maturity,
                           overall=overall, tool_version=__version__,
                           rules_run=tuple(f.rule_id for f in findings), context=stored.context, method=method,
                           rule_classes=tuple(rules), notes=tuple(notes))
    finally:
        if tree is not None:
            tree.close()
        ws.cleanup()


def _complete(stored: Stored, deadline: float | None) -> bool:
    """Whether an audit reached every finding it would reach with unlimited time and a sound git."""
    if deadline is not None and time.monotonic() > deadline:
        return False
    if any(f.outcome is Outcome.ERROR for f in stored.findings):
        return False
    return not any(reason.startswith(("git could not read it", "could not be collected"))
                   for _, reason in stored.facts_unavailable)


@dataclass
class _ResultCache:
    """The whole-audit result of this repository, revision, date, configuration and code (result_cache)."""

    config: Any
    forbidden: list[Path]
    identity: str
    key: str

    @classmethod
    def open(cls, options: AuditOptions, source, origin: str, rev: str | None, repo: RepositoryInfo,
             as_of: AsOf, rules: Sequence[type[Rule]], git: Git, known: dict[str, Any]) -> _ResultCache | None:
        """None when results are not kept: no cache, no commits, or a problem listing the tags."""
        if not options.use_cache or not rev:
            return None
        from auditor import result_cache
        from auditor.facts.refs import parse_listing, tag_listing

        try:
            listing = tag_listing(git)
        except GitError:
            return None
        known["_tag_refs"] = parse_listing(listing)   # the history read needs them too
        key = result_cache.key(
            revision=rev, repository=asdict(repo), tag_refs=listing, shallow=source.shallow_file,
            as_of=as_of.date.isoformat(), rule_classes=rules,
            options={name: getattr(options, name) for name in _FINDING_OPTIONS})
        return cls(config=options.cache_config(),
                   forbidden=[p for p in (source.git_dir, source.work_tree) if p], identity=origin, key=key)

    def lookup(self) -> Stored | None:
        from auditor import result_cache
        from auditor.facts.history_cache import CacheProblem, Store

        try:
            store = Store.open(self.config, forbidden=self.forbidden)
            try:
                blob = store.result(self.identity, self.key)
            finally:
                store.close()
            return result_cache.unpack(blob) if blob is not None else None
        except (CacheProblem, ValueError):
            return None   # an ordinary audit; the history read reports what is wrong with the cache

    def save(self, stored: Stored) -> None:
        from auditor import result_cache
        from auditor.facts.history_cache import CacheProblem, Store

        try:
            blob = result_cache.pack(stored)
            store = Store.open(self.config, forbidden=self.forbidden)
            try:
                store.save_result(self.identity, self.key, blob)
            finally:
                store.close()
        except (CacheProblem, ValueError):
            pass   # not kept: the next audit is an ordinary one


#: The options that can change a finding (the rest — weights, gates, output — act after the findings).
_FINDING_OPTIONS = ("rev", "window", "size_window", "max_commits", "since", "select", "ignore", "thresholds",
                    "declared", "waivers", "is_shallow")


def _resolve(git: Git, rev: str) -> str | None:
    """The commit hash of ``rev``, or None for a repository without commits."""
    if rev.startswith("-"):
        raise GitError(GitError.BAD_REVISION, f"invalid revision {rev!r}")
    out = git.run("rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}", check=False)
    sha = out.decode("ascii", "replace").strip()
    if sha:
        return sha
    if rev == "HEAD":
        # HEAD that resolves to nothing: a repository with no commits yet.
        any_ref = git.run("for-each-ref", "--count=1", "--format=%(objectname)", "refs/heads").strip()
        if not any_ref:
            return None
    raise GitError(GitError.BAD_REVISION, f"unknown revision {rev!r}")


def _commit_date(git: Git, rev: str) -> str:
    out = git.run("show", "-s", "--no-show-signature", "--format=%cs", rev, "--").decode().strip()
    return out


def _limits(options: AuditOptions) -> list[str]:
    out = []
    if options.max_commits:
        out.append(f"history limited to the newest {options.max_commits} commits (--max-commits)")
    if options.since:
        out.append(f"history limited to commits since {options.since} (--since)")
    if options.time_budget:
        out.append(f"time budget of {options.time_budget:g} s for the whole audit (--time-budget)")
    return out


__all__ = ["AuditOptions", "audit", "evaluate", "run_rule", "facts_mod", "LoadProblem", "GitError"]
