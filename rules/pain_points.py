"""Process pain points (seed audit §10): friction inferred from the tree and the history.

Each rule checks that one pain point is absent and fails when it finds it. A
failure is a pain point in the report: its message and evidence say what was
found, "Why it matters" its impact, "How to fix" the recommendation. The area is
always 🔍 INFERRED: nobody writes their pain points down.

Rules that read files are bounded: at most ``max_files`` files and 256 KB per file.
"""

from __future__ import annotations

import re
from collections import Counter

from auditor.facts import history as H
from auditor.facts import paths as P
from auditor.model import Effort, Evidence, Measure, Signal
from auditor.rule import Rule
from auditor.rules._history import commit_ref as _commit_ref
from auditor.rules._history import thin_history as _thin
from auditor.rules._text import fast

DAY = 86_400
MAX_SCAN_BYTES = 256 * 1024
_DOC_EXTS = (".md", ".mdx", ".rst", ".adoc", ".txt")


def _n(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def _docs(tree) -> list[str]:
    """Prose documents (not changelogs, not vendored), shallowest first."""
    docs = [p for p in tree.paths if p.lower().endswith(_DOC_EXTS) and not P.is_vendored(p)
            and not P.is_changelog(p) and not p.lower().endswith(("license.txt", "requirements.txt"))
            and "requirements" not in p.rsplit("/", 1)[-1].lower()]
    return sorted(docs, key=lambda p: (p.count("/"), p))


def _recent_window(history, since: int, until: int, days: int) -> tuple[list, str]:
    commits = [c for c in history.recent if not c.is_merge and since <= c.time <= until]
    covers = len(history.recent) < history.window or (history.recent and history.recent[-1].time <= since)
    return commits, f"last {days} days" if covers else f"last {len(commits)} commits"


_STEP = re.compile(r"^\s*(\d{1,2})[.)]\s+(\S.*)$")
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d{1,2}[.)])\s+(?=\S)")
_MANUAL = re.compile(r"\bmanual(ly)?\b|\bby hand\b", re.IGNORECASE)
_NOT_MANUAL = re.compile(r"\b(user|reference|owner'?s|the) manual\b|\bmanual pages?\b", re.IGNORECASE)
# "open" alone is not hands-on ("open a pull request"); opening a dashboard or console is, by those words.
_HANDS_ON = re.compile(r"\bmanual(ly)?\b|\bby hand\b|\bdashboard\b|\bconsole\b|\bclick\b|\bpaste\b|\bcopy\b"
                       r"|\blog ?in(to)?\b|\bssh\b|\bverify\b|\bcheck the\b|\bstudio\b", re.IGNORECASE)


def _procedures(text: str, min_steps: int) -> list[tuple[int, int, int, bool, str]]:
    """Numbered-step blocks: (line of the first hands-on step, steps, hands-on steps, says 'manually', that step)."""
    out = []
    block: list[tuple[int, str]] = []

    def close():
        if len(block) >= min_steps:
            hands = [(ln, s) for ln, s in block if _HANDS_ON.search(s) and not _NOT_MANUAL.search(s)]
            manual = any(_MANUAL.search(s) and not _NOT_MANUAL.search(s) for _, s in block)
            if hands:
                out.append((hands[0][0], len(block), len(hands), manual, hands[0][1]))
        block.clear()

    for n, line in enumerate(text.splitlines(), start=1):
        m = _STEP.match(line)
        if m:
            block.append((n, m.group(2)))
        elif line.strip() and not line.startswith((" ", "\t")) and block:
            close()
    close()
    return out


_TEAM_DOC = re.compile(r"(^|/)[^/]*(contribut|releas|hacking|develop|maintain|process|runbook|playbook|onboard"
                       r"|deploy|operat|workflow|triag|governance|security)[^/]*$"
                       r"|(^|/)(contributing|maintainers?|process|runbooks?|playbooks?|ops|operations|dev|internal)/",
                       re.IGNORECASE)


class PAIN001(Rule):
    """Routine procedures are automated, not manual multi-step checklists.

    Reads the documentation (at most 300 files of 256 KB; for a library or a
    command-line tool, only the team's process documents — contributing, release,
    development, maintenance — since its guides are written for users) for numbered
    procedures of three or more steps that are done by hand — steps that say "manually" or
    that open dashboards, copy values, click, paste or verify by eye — and for
    documents whose list items describe manual work more than once. It reads only
    files, so it also works on a shallow clone.

    ## Why it matters
    Manual multi-step procedures slow every QA and release cycle, invite human error and cannot be regression-tested.

    ## How to fix
    Turn each manual procedure cited here into a script or an automated test (fixtures and an end-to-end spec instead of "open the dashboard and verify manually"), and leave the document as a pointer to the command.
    """

    area = "pain-points"
    effort = Effort.DAYS
    weight = 1.0
    thresholds = {"max_files": 300, "min_steps": 3, "hands_on_steps_min": 2, "manual_mentions_min": 2}

    def check(self, tree, project, thresholds):
        docs = _docs(tree)
        if not project.deployed and project.kind != "unknown":
            # A library's or a command-line tool's guides tell users what they can do by hand (rails' guides,
            # ripgrep's GUIDE.md); the team's own procedures live in its process documents.
            docs = [p for p in docs if _TEAM_DOC.search(p)]
        if not docs:
            return self.skip("no documentation to read for manual procedures")
        found: list[tuple[str, int, int, int, bool, str]] = []
        mentions: list[tuple[str, int, int, str]] = []
        read = 0
        for p in docs:
            if read >= thresholds["max_files"]:
                break
            text = tree.read_text(p, MAX_SCAN_BYTES)
            if text is None:
                continue
            read += 1
            procs = [x for x in _procedures(text, int(thresholds["min_steps"]))
                     if x[3] or x[2] >= thresholds["hands_on_steps_min"]]
            for line, steps, hands, manual, step in procs:
                found.append((p, line, steps, hands, manual, step))
            if not procs:
                lines = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1)
                         if _LIST_ITEM.match(ln) and _MANUAL.search(ln) and not _NOT_MANUAL.search(ln)]
                if len(lines) >= thresholds["manual_mentions_min"]:
                    mentions.append((p, lines[0][0], len(lines), _LIST_ITEM.sub("", lines[0][1]).strip()))
        found.sort(key=lambda x: (-x[4], -x[3], x[0]))
        evidence = [Evidence(path=p, line=line, note=f"{steps}-step procedure, {hands} steps by hand: "
                             + " ".join(step.split())[:90]) for p, line, steps, hands, _, step in found[:5]]
        evidence += [Evidence(path=p, line=line, note=f"manual work mentioned {n} times: "
                              + " ".join(text.split())[:90]) for p, line, n, text in mentions[:3]]
        measures = [Measure("manual procedures", len(found), window=f"{read} documents read"),
                    Measure("steps done by hand", sum(x[3] for x in found), "steps"),
                    Measure("documents describing manual work", len(mentions))]
        if not found and not mentions:
            return self.passed(f"no manual multi-step procedure in {_n(read, 'document')}", signal=Signal.OBSERVED,
                               measures=measures)
        parts = []
        if found:
            files = list(dict.fromkeys(p for p, *_ in found))
            parts.append(f"{_n(len(found), 'manual multi-step procedure')} in {', '.join(files[:3])}"
                         + (f" and {len(files) - 3} more" if len(files) > 3 else ""))
        if mentions:
            parts.append(f"manual work described in {', '.join(p for p, *_ in mentions[:3])}")
        return self.failed("; ".join(parts), evidence=evidence, measures=measures,
                           missing=("Automation for the documented manual procedures",))


_MARKER = fast(r"\b(TODO|FIXME|HACK)\b")
_CODE_EXTS = {"py", "js", "jsx", "ts", "tsx", "mjs", "cjs", "go", "rs", "java", "kt", "rb", "php", "cs", "swift",
              "scala", "ex", "exs", "c", "h", "cc", "cpp", "vue", "svelte", "dart"}


class PAIN002(Rule):
    """Known problems are tracked, not left as TODO, FIXME or HACK comments in code.

    Counts ``TODO``, ``FIXME`` and ``HACK`` markers in source, test and script files
    (at most 2,000 files of 256 KB, 32 MB in all) and cites the files with the most.

    ## Why it matters
    Debt markers in code are invisible to planning, so the problems they describe are never scheduled and resurface as bugs.

    ## How to fix
    Move each TODO/FIXME/HACK cited here into the issue tracker or `docs/tech-debt.md` with an owner and priority, and replace the comment with the issue link.
    """

    area = "pain-points"
    effort = Effort.DAY
    weight = 0.75
    thresholds = {"max_files": 2000, "max_total_mb": 32, "max_markers": 0}

    def check(self, tree, thresholds):
        files = [p for p in tree.paths if (P.is_source(p) or (P.is_test(p) and P.extension(p) in _CODE_EXTS)
                                            or P.extension(p) in ("sh", "bash"))
                 and not P.is_vendored(p)]
        if not files:
            return self.skip("no source files to read")
        per_file: dict[str, tuple[int, int, str]] = {}
        kinds: Counter[str] = Counter()
        read = total_bytes = skipped = 0
        budget = thresholds["max_total_mb"] * 1024 * 1024
        for p in files:
            if read >= thresholds["max_files"] or total_bytes >= budget:
                break
            text = tree.read_text(p, MAX_SCAN_BYTES)
            if text is None:
                skipped += 1
                continue
            read += 1
            total_bytes += len(text)
            hits = list(_MARKER.finditer(text))
            if hits:
                kinds.update(m.group(1) for m in hits)
                first = hits[0]
                line_no = text.count("\n", 0, first.start()) + 1
                line = text.splitlines()[line_no - 1].strip()
                per_file[p] = (len(hits), line_no, line)
        total = sum(n for n, _, _ in per_file.values())
        win = f"{read} of {len(files)} source and test files read"
        measures = [Measure("TODO/FIXME/HACK markers", total, "", thresholds["max_markers"], win),
                    Measure("files with markers", len(per_file), "", window=win)]
        if skipped:
            measures.append(Measure("files not read (too large or binary)", skipped, "files"))
        if total <= thresholds["max_markers"]:
            return self.passed(f"no TODO, FIXME or HACK markers in {_n(read, 'source and test file')}",
                               signal=Signal.OBSERVED, measures=measures)
        top = sorted(per_file.items(), key=lambda kv: (-kv[1][0], kv[0]))[:5]
        evidence = [Evidence(path=p, line=ln, note=f"{_n(n, 'marker')}: {text[:90]}") for p, (n, ln, text) in top]
        breakdown = ", ".join(f"{kinds[k]} {k}" for k in ("TODO", "FIXME", "HACK") if kinds[k])
        where = f"in {top[0][0]}" if len(per_file) == 1 else f"in {len(per_file)} files, most in {top[0][0]}"
        return self.failed(f"{_n(total, 'debt marker')} ({breakdown}) {where}",
                           evidence=evidence, measures=measures,
                           missing=("Tech-debt items tracked with an owner and priority",))


class PAIN003(Rule):
    """Change is spread out, not concentrated in a few churn hotspots.

    Counts, for each source file of the current tree, the non-merge commits of the
    last 90 days that changed it, and flags files changed by a large share of them.
    The most-changed files over the whole history are reported as an observation.

    ## Why it matters
    Files that change in most commits are where merge conflicts, regressions and review fatigue concentrate.

    ## How to fix
    Split each hotspot file cited here along its responsibilities into smaller modules with their own tests, starting with the one changed most often.
    """

    area = "pain-points"
    effort = Effort.WEEK
    weight = 0.75
    thresholds = {"window_days": 90, "hotspot_share": 0.25, "hotspot_min_commits": 10, "min_commits": 10}

    def check(self, history, tree, as_of, thresholds):
        d = int(thresholds["window_days"])
        commits, win = _recent_window(history, as_of.days_ago(d), as_of.ts, d)
        if len(commits) < thresholds["min_commits"]:
            return self.skip(f"only {len(commits)} commits in the {win}: too few to find hotspots")
        churn: Counter[str] = Counter()
        for c in commits:
            churn.update(p for p in set(c.paths) if P.is_source(p) and tree.exists(p))
        n = len(commits)
        top = churn.most_common(5)
        lifetime = sorted(((sum(cnt.values()), p) for p, cnt in history.ownership.by_path.items()
                           if P.is_source(p)), reverse=True)[:3]
        obs = []
        if lifetime:
            obs.append("Most changed source files over the whole history: "
                       + ", ".join(f"{p} ({k} commits)" for k, p in lifetime) + ".")
        measures = [Measure("commits", n, window=win)]
        if top:
            measures.append(Measure(f"commits changing {top[0][0]}", top[0][1], "commits",
                                    thresholds["hotspot_min_commits"], win))
        hot = [(p, k) for p, k in top
               if k >= thresholds["hotspot_min_commits"] and k / n >= thresholds["hotspot_share"]]
        evidence = [Evidence(path=p, note=f"changed in {k} of {n} commits") for p, k in (hot or top[:3])]
        if not hot:
            most = f"; the most changed is {top[0][0]} ({top[0][1]} commits)" if top else ""
            return self.passed(f"no source file changed in more than {thresholds['hotspot_share']:.0%} of the {n} "
                               f"commits in the {win}{most}", signal=Signal.OBSERVED, measures=measures,
                               evidence=evidence, observations=obs)
        p, k = hot[0]
        more = f", and {len(hot) - 1} more hotspots" if len(hot) > 1 else ""
        return self.failed(f"{p} changed in {k} of {n} commits ({k / n:.0%}) in the {win}{more}",
                           evidence=evidence, measures=measures, observations=obs)


class PAIN004(Rule):
    """Changes rarely need reverting or hotfixing.

    Counts revert and hotfix commits (``Revert "…"``, "hotfix", "urgent",
    "emergency") and "fix the build / CI" commits among the non-merge commits of
    the last 90 days.

    ## Why it matters
    Reverts and hotfixes are unplanned work: each one means a broken change reached the default branch or production.

    ## How to fix
    For each revert or hotfix cited here, add the test or CI check that would have caught it, and run the full test suite before merging to the default branch.
    """

    area = "pain-points"
    effort = Effort.DAYS
    weight = 0.75
    min_history = 10
    thresholds = {"window_days": 90, "rework_share_max": 0.05, "min_count": 2, "min_history": 10}

    def check(self, history, as_of, thresholds):
        d = int(thresholds["window_days"])
        win = f"last {d} days"
        thin = _thin(history, int(thresholds["min_history"]), as_of.days_ago(d))
        if thin:
            return self.skip(thin)
        idx = list(history.indices(since=as_of.days_ago(d), until=as_of.ts, flags_none=H.MERGE))
        if not idx:
            return self.skip(f"no commits in the {win}")
        reverts = sum(1 for i in idx if history.flags[i] & H.REVERT)
        hotfixes = sum(1 for i in idx if history.flags[i] & H.HOTFIX and not history.flags[i] & H.REVERT)
        ci_fixes = sum(1 for i in idx if history.flags[i] & H.CI_FIX)
        share = (reverts + hotfixes) / len(idx)
        measures = [Measure("reverts", reverts, window=win), Measure("hotfixes", hotfixes, window=win),
                    Measure("revert and hotfix share", round(share, 2), "%", thresholds["rework_share_max"], win),
                    Measure("fix-the-build commits", ci_fixes, window=win)]
        since = as_of.days_ago(d)
        evidence = [_commit_ref(c) for c in history.recent
                    if c.flags & (H.REVERT | H.HOTFIX) and not c.is_merge and since <= c.time <= as_of.ts][:5]
        msg = (f"{_n(reverts, 'revert')} and {_n(hotfixes, 'hotfix', 'hotfixes')} among {_n(len(idx), 'commit')} "
               f"in the {win}")
        if reverts + hotfixes >= thresholds["min_count"] and share > thresholds["rework_share_max"]:
            return self.failed(msg, evidence=evidence, measures=measures)
        return self.passed(msg, signal=Signal.OBSERVED, evidence=evidence, measures=measures)


class PAIN005(Rule):
    """Commits stay reviewable: few oversized commits.

    Reads the line counts of the newest non-merge commits (the size window; the
    root commit is left out) and flags a high share of commits that change more
    than the oversized limit.

    ## Why it matters
    Oversized commits cannot be reviewed properly or reverted cleanly, so one bad line takes a whole feature down with it.

    ## How to fix
    Land large features as a series of small commits behind a feature flag, and commit generated files and dependency upgrades separately.
    """

    area = "pain-points"
    effort = Effort.ONGOING
    weight = 0.5
    thresholds = {"oversized_lines": 1000, "oversized_share_max": 0.1, "min_count": 2}

    def check(self, history, as_of, thresholds):
        root = history.first.hash if history.first else None
        by_hash = {c.hash: c for c in history.recent}
        sizes = {h: a + d for h, (_, a, d) in history.sizes.items()
                 if h != root and (h not in by_hash or by_hash[h].time <= as_of.ts)}
        if len(sizes) < 5:
            return self.skip(f"line counts are known for only {len(sizes)} commits")
        limit = thresholds["oversized_lines"]
        big = sorted((h for h, n in sizes.items() if n > limit), key=lambda h: -sizes[h])
        share = len(big) / len(sizes)
        win = f"last {len(sizes)} non-merge commits"
        measures = [Measure("oversized commits", len(big), "commits", window=win),
                    Measure(f"share over {limit:g} lines", round(share, 2), "%", thresholds["oversized_share_max"],
                            win),
                    Measure("largest commit", max(sizes.values()), "lines", window=win)]
        evidence = [Evidence(commit=h, date=by_hash[h].date if h in by_hash else None,
                             note=f"{sizes[h]} lines" + (f": {by_hash[h].subject[:90]}" if h in by_hash else ""))
                    for h in big[:5]]
        msg = f"{len(big)} of {len(sizes)} commits change more than {limit:g} lines"
        if len(big) >= thresholds["min_count"] and share > thresholds["oversized_share_max"]:
            return self.failed(msg, evidence=evidence, measures=measures)
        return self.passed(msg, signal=Signal.OBSERVED, evidence=evidence, measures=measures)


_ENV_WORD = r"(staging|preview|uat|preprod|pre-prod)"
_ENV_PATH = re.compile(rf"(^|/)\.env\.{_ENV_WORD}\b|(^|/)environments?/{_ENV_WORD}\b|(^|/){_ENV_WORD}/"
                       rf"|(^|/)[^/]*[._-]{_ENV_WORD}\.(ya?ml|json|toml|tfvars|env|ini|conf|hcl|tf)$"
                       rf"|(^|/){_ENV_WORD}\.(ya?ml|json|toml|tfvars|env|ini|conf|hcl|tf|rb|exs)$", re.IGNORECASE)
_ENV_TEXT = re.compile(r"\b(staging|pre-?production|preprod|uat environment|preview (deploy(ment)?s?|environments?"
                       r"|urls?|branch(es)?)|deploy previews?)\b", re.IGNORECASE)
_PROD_DEPLOY = re.compile(r"--prod\b|deploy(ed|s|ing)? (straight |directly )?to production|production deploy",
                          re.IGNORECASE)


class PAIN006(Rule):
    """Changes are verified in a staging or preview environment before production.

    Looks for a staging, preview, UAT or pre-production environment in
    configuration paths (``.env.staging``, ``environments/staging``,
    ``docker-compose.staging.yml``, ``overlays/staging/``), in CI job names and
    commands, in deploy-platform configuration, and in the documentation (at most
    300 files of 256 KB).

    ## Why it matters
    Without a staging environment, every change is first exercised by real customers, so deployments are risky and data can be corrupted.

    ## How to fix
    Document the environment strategy (dev → staging/preview → production) in `docs/environments.md`, add an `.env.staging.example`, and verify each change on a preview deployment before promoting it.
    """

    area = "pain-points"
    effort = Effort.DAYS
    weight = 1.0
    thresholds = {"max_files": 300}

    def check(self, project, tree, ci, thresholds):
        if not project.deployed:
            return self.not_applicable(f"a staging environment applies to deployed software; this is a {project.label}")
        automated = [Evidence(path=p, note="environment configuration") for p in tree.paths
                     if _ENV_PATH.search(p) and not P.is_vendored(p) and not P.is_test(p) and not P.is_doc(p)][:4]
        for pipe in ci.pipelines:
            step = next((s for s in pipe.steps
                         if _ENV_TEXT.search(s.job) or re.search(rf"\b{_ENV_WORD}\b", s.text, re.IGNORECASE)), None)
            if step:
                automated.append(Evidence(path=pipe.path, line=step.line, note=f"CI job {step.job}"))
        platform = sorted({r.path for r in getattr(ci, "deploy_platforms", ()) if tree.exists(r.path)})
        for p in platform:
            text = tree.read_text(p, MAX_SCAN_BYTES) or ""
            m = re.search(r"deploy-preview|preview|staging", text, re.IGNORECASE)
            if m:
                automated.append(Evidence(path=p, line=text.count("\n", 0, m.start()) + 1, note="preview or staging"))
        documented, prod, read = [], [], 0
        for p in _docs(tree):
            if read >= thresholds["max_files"]:
                break
            text = tree.read_text(p, MAX_SCAN_BYTES)
            if text is None:
                continue
            read += 1
            m = _ENV_TEXT.search(text)
            if m and len(documented) < 3:
                documented.append(Evidence(path=p, line=text.count("\n", 0, m.start()) + 1, note=m.group(0)))
            m = _PROD_DEPLOY.search(text)
            if m and len(prod) < 3:
                line = text.count("\n", 0, m.start()) + 1
                prod.append(Evidence(path=p, line=line, note="deploys to production: "
                                     + text.splitlines()[line - 1].strip()[:80]))
        if automated:
            return self.passed("a staging or preview environment is configured", signal=Signal.AUTOMATED,
                               evidence=automated + documented)
        if documented:
            return self.passed(f"a staging or preview environment is described in {documented[0].path}",
                               signal=Signal.DOCUMENTED, evidence=documented)
        return self.failed(f"no staging or preview environment in the configuration, CI or {_n(read, 'document')}: "
                           "changes go straight to production", evidence=prod,
                           missing=("Staging or preview environment", "Environment strategy (dev → staging → prod)",
                                    "Environment-specific .env.example files"),
                           not_determinable=("Preview deployments created by the hosting platform",))


class PAIN007(Rule):
    """A deployed service reports its own errors.

    Cross-checks the project kind with the monitoring tools found: a deployed
    service or web application without error tracking or APM is a pain point.

    ## Why it matters
    A deployed service without monitoring is blind to production errors, so incidents are slow to notice and hard to debug.

    ## How to fix
    Wire the deployed app to an error tracker (Sentry) and an uptime monitor before the next release, and write a one-page incident runbook next to them.
    """

    area = "pain-points"
    effort = Effort.DAY
    weight = 1.0

    def check(self, project, tools):
        if not project.deployed:
            return self.not_applicable(f"monitoring does not apply: this is a {project.label}")
        found = tools.in_category("error-tracking", "apm")
        if found:
            return self.passed(f"the deployed service reports to {', '.join(sorted({n for n, _ in found}))}",
                               signal=Signal.OBSERVED, evidence=[ev for _, ev in found[:4]])
        why = [e.path or e.note.split(": ", 1)[-1] for e in project.evidence[:3] if e.path or e.note]
        because = f" ({', '.join(why)})" if why else ""
        return self.failed(f"the project is a {project.label}{because} with no error tracking or performance "
                           "monitoring", evidence=[e for e in project.evidence if e.path][:3],
                           missing=("Error tracking (Sentry, Bugsnag …)", "Performance monitoring",
                                    "Uptime monitoring", "Incident response runbook"))


_ADHOC = re.compile(r"^(test|tests|try|debug|manual[-_]test)[-_][\w.-]+\.(js|mjs|cjs|ts|py|sh|rb)$"
                    r"|^[\w.-]+[-_]test\.(js|mjs|cjs|sh)$", re.IGNORECASE)
_NOT_ADHOC = re.compile(r"setup|config|utils?|helpers?|fixtures?|common|support|shared", re.IGNORECASE)
_TEST_STAGES = {"test", "unit-test", "integration-test", "e2e-test"}


def _runs_the_suite(path: str, text: str) -> bool:
    """Whether a shell script runs the test suite (``pytest``, ``bash scripts/test-cov.sh``): a runner, not a test."""
    from auditor.facts.ci import classify_command

    name = path.rsplit("/", 1)[-1]
    if P.extension(path) not in ("sh", "bash"):
        return False
    for line in text.splitlines()[:200]:
        line = line.strip()
        if line and not line.startswith("#") and name not in line and classify_command(line) & _TEST_STAGES:
            return True
    return False


class PAIN008(Rule):
    """Tests live in the test suite, not in ad-hoc scripts.

    Looks for test-like scripts outside the test layout — ``test-*.js``,
    ``test_*.sh``, ``debug-*.ts`` at the root or under ``scripts/`` — that no test
    runner picks up by convention and that no task-runner target or CI job runs.
    A script that itself runs the test suite (``scripts/test-local.sh`` calling
    pytest) is a runner, and test support code (``test_common.rb``) is not a test.

    ## Why it matters
    Ad-hoc test scripts run only when someone remembers them, so the checks they hold silently rot and never run in CI.

    ## How to fix
    Move each ad-hoc script cited here into the test suite as a proper test (with fixtures and seeded test data) so it runs with `npm test` or `pytest` and in CI.
    """

    area = "pain-points"
    effort = Effort.DAY
    weight = 0.5

    def check(self, tree, tasks, ci):
        wired = " ".join([t.command for t in tasks.tasks] + [s.text for p in ci.pipelines for s in p.steps])
        found = []
        for p in tree.paths:
            parts = p.split("/")
            if len(parts) > 2 or (len(parts) == 2 and parts[0].lower() not in ("scripts", "script", "bin", "tools")):
                continue
            name = parts[-1]
            if (_ADHOC.match(name) and not _NOT_ADHOC.search(name) and not P.is_test(p) and not P.is_vendored(p)
                    and name not in wired and not _runs_the_suite(p, tree.read_text(p, MAX_SCAN_BYTES) or "")):
                found.append(p)
        if not found:
            tests = sum(1 for p in tree.paths if P.is_test(p) and not P.is_vendored(p))
            return self.passed("no ad-hoc test scripts outside the test layout", signal=Signal.OBSERVED,
                               measures=[Measure("ad-hoc test scripts", 0, "files"),
                                         Measure("files in the test layout", tests, "files")])
        evidence = []
        for p in found[:6]:
            text = tree.read_text(p, MAX_SCAN_BYTES) or ""
            m = re.search(r"run with|usage:|node |python |TODO", text, re.IGNORECASE)
            line = text.count("\n", 0, m.start()) + 1 if m else None
            note = text.splitlines()[line - 1].strip()[:90] if line else "ad-hoc test script"
            evidence.append(Evidence(path=p, line=line, note=note))
        return self.failed(f"{_n(len(found), 'ad-hoc test script')} outside the test suite: {', '.join(found[:4])}",
                           evidence=evidence, measures=[Measure("ad-hoc test scripts", len(found), "files")],
                           missing=("Ad-hoc checks moved into the automated test suite",))
