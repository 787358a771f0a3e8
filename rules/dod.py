"""Definition of Done: what must be true before work counts as finished.

A DoD is explicit when it is written down (a "Definition of Done" section, a
pull-request checklist) and enforced when CI checks it. Where neither exists the
history still shows an implicit one — what feature commits habitually carry
(tests, docs, a changelog entry, a review) — which is reported, as the seed audit
does, without earning more than ❌ MISSING: a DoD nobody wrote down is not a
definition (see auditor/areas.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.clock import DAY
from auditor.facts import history as H
from auditor.facts import paths as P
from auditor.facts.tree import FileTree, line_of
from auditor.model import Effort, Evidence, Measure, Signal
from auditor.rule import Rule
from auditor.rules._text import fast
from auditor.rules.board import _PR_SUFFIX, commit_ref, is_bot, issue_templates, process_docs
from auditor.rules.review import PR_TEMPLATES

# -- shared helpers ---------------------------------------------------------------------

_CHECKBOX = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])\s+\[[ xX]\]\s*(.+)$")
_CHECKBOX_M = re.compile(_CHECKBOX.pattern, re.MULTILINE)
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])\s+(.+)$")
_HEADING = re.compile(r"^(#{1,6})\s|^[=\-~^]{3,}\s*$")

DOD_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(rx, re.IGNORECASE)) for name, rx in (
    ("tests", r"\btests?\b|\bspecs?\b|\bcoverage\b|\bunit\b|\be2e\b|\btested\b"),
    ("code review", r"\breview(ed|er|s)?\b|\bapprov"),
    ("documentation", r"\bdocs?\b|\bdocumentation\b|\bdocumented\b|\breadme\b|\bguides?\b"),
    ("changelog", (r"\bchangelog\b|\brelease notes?\b|\bchangesets?\b|\bnews ?fragments?\b"
                  r"|\b(changes|news|history)\.(rst|md|txt)\b")),
    ("CI passing", r"\bci\b|\bpipeline\b|\bchecks? (pass|green)|\bbuild\b|\bgreen\b|\blint"),
    ("acceptance criteria", r"\bacceptance criteria\b|\brequirements? (are )?met\b"),
    ("security", r"\bsecurity\b|\bsecrets?\b|\bvulnerab"),
    ("accessibility", r"\baccessib|\ba11y\b|\bwcag\b"),
    ("performance", r"\bperformance\b|\bbenchmark"),
    ("deployment verified", r"\bdeploy|\bstaging\b|\bproduction\b"),
    ("monitoring", r"\bmonitor|\balerts?\b|\bobservab|\bdashboards?\b"),
))
CORE_TOPICS = ("tests", "code review", "documentation", "changelog", "CI passing")


def topics_of(items: list[str]) -> list[str]:
    """The DoD topics a list of checklist items covers, in :data:`DOD_TOPICS` order."""
    text = "\n".join(items)
    return [name for name, rx in DOD_TOPICS if rx.search(text)]


def section_items(text: str, line: int) -> list[str]:
    """Checklist (or, failing that, list) items in the section that starts at 1-based ``line``."""
    lines = text.splitlines()
    start = line - 1
    level = None
    m = re.match(r"^(#{1,6})\s", lines[start]) if 0 <= start < len(lines) else None
    if m:
        level = len(m.group(1))
    boxes, items = [], []
    for ln in lines[start + 1:start + 60]:
        h = re.match(r"^(#{1,6})\s", ln)
        if h and (level is None or len(h.group(1)) <= level):
            break
        b = _CHECKBOX.match(ln)
        if b:
            boxes.append(b.group(1).strip())
            continue
        li = _LIST_ITEM.match(ln)
        if li:
            items.append(li.group(1).strip())
    return boxes or items


def checkboxes(text: str) -> list[str]:
    return [m.group(1).strip() for ln in text.splitlines() for m in [_CHECKBOX.match(ln)] if m]


_FEATURE_SUBJECT = re.compile(r"^(build|builds|integrate[sd]?|create[sd]?|enable[sd]?|allow(s|ed)?|extend(s|ed)?"
                              r"|teach(es)?)\b(?![:(!])", re.IGNORECASE)
# git and the Linux kernel title commits by subsystem ("builtin/log: add --foo", "refs, odb: introduce …");
# gitmoji marks a feature with a sparkle ("✨ Add support for …" in fastapi).
_SCOPE_PREFIX = re.compile(r"^[\w.*/+-]{1,40}(?:,\s*[\w.*/+-]{1,40}){0,3}:\s+(?=[a-z])")
_GITMOJI_FEATURE = re.compile(r"^(?:\u2728|:sparkles:)\s*")


_TICKET_PREFIX = re.compile(r"^(?:\[?[A-Z][A-Z0-9]{1,9}-\d{1,6}\]?[:\s,-]*)+")


def is_feature(c: H.Commit) -> bool:
    """A commit that delivers product code for a feature (not a fix, revert or merge).

    A leading ticket key (``SMS-12 Add promo limits``) and a subsystem prefix (``builtin/log: add --foo``)
    are read past; a gitmoji sparkle (``✨ Add …``) marks a feature.
    """
    if c.is_merge or not c.flags & H.TOUCH_SOURCE or c.flags & (H.FIX | H.REVERT | H.HOTFIX) or is_bot(c):
        return False
    subject = _TICKET_PREFIX.sub("", c.subject)
    if _GITMOJI_FEATURE.match(subject):
        return True
    subject = _SCOPE_PREFIX.sub("", subject, count=1)
    return bool(c.flags & H.FEAT or H._FEAT.match(subject) or _FEATURE_SUBJECT.match(subject))


def feature_commits(history: H.History, window: int) -> tuple[list[H.Commit], list[H.Commit]]:
    """(feature commits, all non-merge commits) among the newest ``window`` non-merge commits, newest first."""
    commits = [c for c in history.recent if not c.is_merge][:window]
    return [c for c in commits if is_feature(c)], commits


@dataclass
class FeatureTrace:
    """What one unit of work carried: a feature commit and its author's next few commits, or a ticket's commits."""

    commit: H.Commit               # the feature commit, or the first commit of the ticket
    tests: bool = False            # tests in the feature commit itself (any commit of a ticket)
    unit: bool = False
    e2e: bool = False              # e2e tests in the commit or its follow-ups
    docs: list[str] = field(default_factory=list)
    docs_commit: H.Commit | None = None
    changelog: bool = False
    reviewed: bool = False
    ticket: str = ""


def _is_e2e(c: H.Commit) -> bool:
    return any(P.is_test(p) and P.test_kind(p) == "e2e" for p in c.paths)


def is_prose_doc(path: str) -> bool:
    """Documentation a person writes (``requirements.txt`` and other root ``.txt`` files are not)."""
    name = path.rsplit("/", 1)[-1].lower()
    return P.is_doc(path) and not ("/" not in path and name.endswith(".txt") and not name.startswith("readme"))


def _carry(t: FeatureTrace, c: H.Commit) -> None:
    if _is_e2e(c):
        t.e2e = True
    docs = [p for p in c.paths if is_prose_doc(p)]
    if docs and not t.docs:
        t.docs, t.docs_commit = docs, c
    if c.flags & H.TOUCH_CHANGELOG:
        t.changelog = True


def trace_features(features: list[H.Commit], commits: list[H.Commit], follow_commits: int,
                   follow_days: float) -> list[FeatureTrace]:
    position = {c.hash: i for i, c in enumerate(commits)}
    out = []
    for f in features:
        t = FeatureTrace(commit=f, tests=bool(f.flags & H.TOUCH_TEST),
                         reviewed=bool(not f.flags & H.MAINLINE or f.flags & H.REVIEWED))
        t.unit = any(P.is_test(p) and P.test_kind(p) != "e2e" for p in f.paths)
        i = position[f.hash]
        later = [c for c in reversed(commits[max(0, i - 50):i]) if c.email == f.email
                 and c.time - f.time <= follow_days * DAY][:follow_commits]
        for c in (f, *later):
            _carry(t, c)
        out.append(t)
    return out


def ticket_id(c: H.Commit) -> str | None:
    """The first ticket a commit cites: ``SMS-178`` or ``#2197`` (a trailing pull-request number excluded)."""
    head = _PR_SUFFIX.sub("", c.subject) + "\n" + c.body[:H.MAX_BODY]
    for m in H._JIRA.finditer(head):
        if m.group(1) not in H._NOT_TICKET_KEYS:
            return m.group(0)
    m = H._ISSUE.search(head)
    return f"#{m.group(1)}" if m else None


def trace_tickets(commits: list[H.Commit]) -> list[FeatureTrace]:
    """One trace per ticket that changed product code: everything its commits carried, newest ticket first."""
    groups: dict[str, list[H.Commit]] = {}
    for c in commits:
        if is_bot(c):
            continue
        tid = ticket_id(c)
        if tid:
            groups.setdefault(tid, []).append(c)
    out = []
    for tid, group in groups.items():
        if not any(c.flags & H.TOUCH_SOURCE for c in group):
            continue
        first = group[-1]
        t = FeatureTrace(commit=first, ticket=tid, tests=any(c.flags & H.TOUCH_TEST for c in group),
                         reviewed=any(not c.flags & H.MAINLINE or c.flags & H.REVIEWED for c in group))
        t.unit = any(P.is_test(p) and P.test_kind(p) != "e2e" for c in group for p in c.paths)
        for c in reversed(group):
            _carry(t, c)
        out.append(t)
    return out


DONE_CHECKLIST = "Done checklist in the pull-request template (tests, docs, changelog, review)"
NOT_IN_HISTORY = ("Accessibility tested (WCAG compliance)", "Performance tested", "Security reviewed",
                  "Documentation updated (user-facing)", "Deployment verified in production",
                  "Monitoring/alerts configured")
NOT_DEPLOYED_ITEMS = ("Deployment verified in production", "Monitoring/alerts configured")
DOD_DOC_MISSING = ("Formal DoD checklist (in CONTRIBUTING.md or similar)",
                   "Quality gates (test coverage %, performance benchmarks)", "Acceptance criteria templates",
                   "Cross-functional review requirements")

_DOD_TEXT = fast(r"(?i:definitions? of done|\bdone criteria\b|\bcriteria for done\b|\bdone[- ]checklist\b)"
                  r"|^#{1,6}[^\n]*\bDoD\b|\(DoD\)|\bDoD:", re.MULTILINE, split=True)


def _candidate_texts(tree: FileTree) -> list[tuple[str, str]]:
    texts = dict(process_docs(tree))
    templates, _ = issue_templates(tree)
    for t in templates:
        texts.setdefault(t.path, t.text)
    for p, text in tree.texts(tree.glob(*PR_TEMPLATES)):
        texts.setdefault(p, text)
    return list(texts.items())


# -- rules ------------------------------------------------------------------------------


class DOD001(Rule):
    """The Definition of Done is written down.

    Searches the prose documents (CONTRIBUTING, ``docs/``, ``.github/``), issue
    and pull-request templates for a "Definition of Done" (or a "DoD" heading,
    "done criteria", a "done checklist") and counts the items listed under it and
    the topics they cover (tests, review, docs, changelog, CI, deployment, ...).

    ## Why it matters
    A written Definition of Done keeps quality independent of who did the work and what they remembered.

    ## How to fix
    Add a "Definition of Done" section to `CONTRIBUTING.md` as a checklist — implemented per acceptance criteria, tests written, code reviewed, docs updated, deployed to staging and verified — and copy it into the pull-request template.
    """

    area = "dod"
    effort = Effort.DAY
    weight = 1.5

    def check(self, tree):
        hits = []
        for path, text in _candidate_texts(tree):
            m = _DOD_TEXT.search(text)
            if m:
                line = line_of(text, _DOD_TEXT)
                hits.append((path, line, section_items(text, line or 1)))
        if not hits:
            return self.failed("no written Definition of Done in any document or template", missing=DOD_DOC_MISSING)
        hits.sort(key=lambda h: -len(h[2]))
        path, line, items = hits[0]
        evidence = [Evidence(path=p, line=ln, note=f"Definition of Done, {len(its)} items" if its
                             else "mentions the Definition of Done") for p, ln, its in hits[:5]]
        if not items:
            return self.passed(f"{path} mentions a Definition of Done but lists no items under it",
                               signal=Signal.AD_HOC, evidence=evidence,
                               observations=(("The Definition of Done is named but not spelled out; it may live "
                                             "outside the repository."),))
        covered = topics_of(items)
        absent = [t for t in CORE_TOPICS if t not in covered]
        obs = [f"The Definition of Done covers {', '.join(covered) or 'none of the usual topics'}"
               + (f"; it does not mention {', '.join(absent)}." if absent else ".")]
        return self.passed(f"{path} defines a Definition of Done with {len(items)} items", signal=Signal.DOCUMENTED,
                           evidence=evidence, measures=[Measure("DoD items", len(items))], observations=obs)


_DONE_SECTION = re.compile(r"checklist|before (you )?(submit|open|send|push)|submitting (a )?(patch|pull|change|merge)"
                           r"|pull[- ]requests?|merge[- ]requests?|definition of done|ready to merge", re.IGNORECASE)
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")


def section_lists(text: str, heading: re.Pattern[str]) -> tuple[int | None, list[str]]:
    """(line, list items) of the first section whose Markdown or reStructuredText heading matches ``heading``."""
    lines = text.splitlines()
    heads = []
    for i, ln in enumerate(lines):
        m = re.match(r"^(#{1,6})\s+(.*)$", ln)
        if m:
            heads.append((i, len(m.group(1)), m.group(2)))
        elif i + 1 < len(lines) and ln.strip() and _RST_UNDERLINE.match(lines[i + 1]) and \
                len(lines[i + 1].strip()) >= len(ln.strip()) - 1:
            heads.append((i, 2, ln.strip()))
    for n, (i, level, title) in enumerate(heads):
        if not heading.search(title):
            continue
        stop = next((j for j, lv, _ in heads[n + 1:] if lv <= level), len(lines))
        items = [m.group(1).strip() for ln in lines[i + 1:stop] for m in [_LIST_ITEM.match(ln)] if m]
        if items:
            return i + 1, items
    return None, []


class DOD002(Rule):
    """Pull requests carry a done checklist.

    Collects the checklist items (``- [ ]``) of pull- and merge-request templates
    and of CONTRIBUTING — or, failing those, the bulleted steps a pull-request
    template lists (even inside an HTML comment) and the lists under CONTRIBUTING
    headings such as "Checklist", "Before you submit" or "Submitting patches" — and
    classifies them into Definition-of-Done topics (tests, code review,
    documentation, changelog, CI passing, security, deployment ...). Items covering
    at least ``min_topics`` topics are a written DoD at merge time; a checklist
    covering fewer is present but ad hoc, and a list of fewer steps does not count.

    ## Why it matters
    A checklist at the moment of merging is where a Definition of Done is actually applied, even under time pressure.

    ## How to fix
    Add `.github/PULL_REQUEST_TEMPLATE.md` with a checklist: tests added or updated, docs updated, changelog entry, CI green, reviewed by one teammate.
    """

    area = "dod"
    effort = Effort.HOUR
    thresholds = {"min_topics": 2}

    def check(self, tree, thresholds):
        templates = tree.glob(*PR_TEMPLATES)
        guides = [p for c in ("CONTRIBUTING.md", ".github/CONTRIBUTING.md", "docs/CONTRIBUTING.md", "CONTRIBUTING.rst",
                              "docs/contributing.md", "docs/contributing.rst") for p in [tree.first(c)] if p]
        guides = list(dict.fromkeys(p for p in guides if p not in templates))
        boxes, lists = [], []
        for p, text in tree.texts(templates + guides):
            items = checkboxes(text)
            if items:
                boxes.append((p, line_of(text, _CHECKBOX_M), items))
                continue
            if p in templates:
                steps = [m.group(1).strip() for ln in text.splitlines() for m in [_LIST_ITEM.match(ln)] if m]
                line = line_of(text, re.compile(_LIST_ITEM.pattern, re.MULTILINE))
            else:
                line, steps = section_lists(text, _DONE_SECTION)
            if steps:
                lists.append((p, line, steps))
        found = boxes or lists
        if not found:
            sources = templates + guides
            where = ", ".join(sources[:3])
            return self.failed(f"{where} {'has' if len(sources) == 1 else 'have'} no checklist to tick before merging"
                               if sources else "no pull-request template or CONTRIBUTING checklist to tick before "
                                               "merging",
                               evidence=[Evidence(path=p) for p in sources[:3]],
                               missing=(DONE_CHECKLIST,))
        items = [i for _, _, its in found for i in its]
        covered = topics_of(items)
        absent = [t for t in CORE_TOPICS if t not in covered]
        files = ", ".join(p for p, _, _ in found)
        kind = "checklist" if boxes else "list of steps"
        evidence = [Evidence(path=p, line=ln, note=f"{len(its)} {'checklist items' if boxes else 'listed steps'}")
                    for p, ln, its in found]
        obs = [f"The {kind} does not ask for: {', '.join(absent)}."] if absent else []
        if not boxes:
            obs.append("The steps are a bulleted list, not a checklist to tick on each pull request.")
        measures = [Measure("checklist items" if boxes else "listed steps", len(items)),
                    Measure("DoD topics covered", len(covered), threshold=thresholds["min_topics"])]
        msg = (f"{files} {'carries' if len(found) == 1 else 'carry'} a {len(items)}-item {kind} covering "
               f"{', '.join(covered) or 'no Definition-of-Done topic'}")
        if len(covered) >= thresholds["min_topics"]:
            return self.passed(msg, signal=Signal.DOCUMENTED, evidence=evidence, measures=measures, observations=obs)
        if boxes:
            return self.passed(msg, signal=Signal.AD_HOC, evidence=evidence, measures=measures, observations=obs)
        # A few workflow steps ("create a branch, add tests, open a PR") are not yet a done list.
        return self.failed(msg, evidence=evidence, measures=measures, observations=obs,
                           missing=(DONE_CHECKLIST,))


class DOD003(Rule):
    """An implicit Definition of Done is visible in the history.

    Reads the feature commits among the newest ``window`` non-merge commits (the
    FEAT flag — ``feat:``, "Add …", "Implement …" — or subjects such as "Build …",
    "Integrate …", read past a leading ticket key, and only commits that change
    product code) and what each one, or its author's next ``follow_commits``
    commits within ``follow_days`` days, carried: tests (unit and e2e),
    documentation, a changelog entry, and whether it reached the default branch
    through a review. Where ticket-driven teams title commits by ticket
    ("SMS-178 Reports dashboard") and too few read as features, the unit is the
    ticket instead: all the commits citing it. Items at or above
    ``observed_min`` are the observed DoD; those at or above ``sometimes_min`` are
    reported as sometimes done; the rest, and what the history cannot show
    (accessibility, performance, security, deployment checks), are missing from it.

    ## Why it matters
    Consistent habits such as tests with every feature keep quality up before any Definition of Done is written, but unwritten they are the first thing to slip.

    ## How to fix
    Write the habits the history already shows into a Definition of Done in `CONTRIBUTING.md` — tests with every feature, docs updated — and add what is missing (code review, deployment verified).
    """

    area = "dod"
    effort = Effort.DAY
    weight = 1.0
    thresholds = {"window": 200, "min_features": 5, "follow_commits": 3, "follow_days": 3,
                  "observed_min": 0.6, "sometimes_min": 0.25}

    def check(self, history, tools, project, thresholds):
        features, commits = feature_commits(history, int(thresholds["window"]))
        commits = [c for c in commits if not is_bot(c)]
        traces = trace_features(features, commits, int(thresholds["follow_commits"]), thresholds["follow_days"])
        unit, units = "feature commit", "feature commits"
        if len(traces) < thresholds["min_features"]:
            by_ticket = trace_tickets(commits)
            if len(by_ticket) >= thresholds["min_features"]:
                traces, unit, units = by_ticket, "ticket", "tickets"
        n = len(traces)
        if n < thresholds["min_features"]:
            return self.skip(f"too few feature commits ({len(features)}) or tickets in the last {len(commits)} "
                             "non-merge commits to infer an implicit Definition of Done")
        dates = sorted(t.commit.date for t in traces)
        win = f"last {n} {units} ({dates[0]} to {dates[-1]})"
        count = {
            "tests": sum(t.tests for t in traces), "e2e": sum(t.e2e for t in traces),
            "docs": sum(bool(t.docs) for t in traces), "changelog": sum(t.changelog for t in traces),
            "reviewed": sum(t.reviewed for t in traces),
        }
        share = {k: v / n for k, v in count.items()}
        obs_min, some_min = thresholds["observed_min"], thresholds["sometimes_min"]

        def tier(key: str) -> str:
            return "observed" if share[key] >= obs_min else "sometimes" if share[key] >= some_min else "missing"

        test_tools = ", ".join(tools.names("test-framework"))
        e2e_tools = ", ".join(tools.names("e2e-framework"))
        doc_files = list(dict.fromkeys(p.rsplit("/", 1)[-1] for t in traces for p in t.docs))
        latest = traces[0].commit.subject[:70]
        lines = [f"Implicit Definition of Done (observed over the last {n} {units}, {dates[0]} to {dates[-1]}):",
                 f"✅ observed: Feature implemented in product code ({n} {units}, latest \"{latest}\")"]
        after = "with or right after the feature" if unit == "feature commit" else "in the ticket's commits"
        items = (
            ("tests", (f"Unit tests written with the {'feature' if unit == 'feature commit' else 'change'}"
                      f"{f' ({test_tools})' if test_tools else ''}"), f"{count['tests']} of {n} {units} touch tests"),
            ("docs", f"Implementation guide or docs written {after}",
             f"{count['docs']} of {n}" + (f"; {', '.join(doc_files[:4])}" if doc_files else "")),
            ("changelog", "Changelog entry", f"{count['changelog']} of {n} {units}"),
        )
        missing_dod: list[str] = []
        observed = []
        for key, label, detail in items:
            t = tier(key)
            if t == "observed":
                observed.append(key)
                lines.append(f"✅ observed: {label} ({detail})")
            elif t == "sometimes":
                lines.append(f"⚠ sometimes: {label} ({detail})")
            else:
                missing_dod.append(f"{label[0].lower() + label[1:]} ({detail})")
            if key == "tests" and count["e2e"]:
                mark = "✅ observed" if count["e2e"] >= 2 else "⚠ once"
                lines.append(f"{mark}: E2E tests written{f' ({e2e_tools})' if e2e_tools else ''} where "
                             f"applicable ({count['e2e']} of {n} {units} came with an e2e spec)")
        direct = n - count["reviewed"]
        if tier("reviewed") == "observed":
            lines.append(f"✅ observed: Code reviewed through a pull or merge request ({count['reviewed']} of {n} "
                         f"{units})")
        else:
            lines.append(f"✅ observed: Code committed straight to the default branch ({direct} of {n} {units})")
            missing_dod.insert(0, f"code review completed ({direct} of {n} {units} skipped review)")
        # A library or a command-line tool is released, not deployed: nothing to verify in production or
        # to monitor, but the release itself (a tagged version with its notes) belongs in its DoD.
        not_seen = NOT_IN_HISTORY if project.deployed or project.kind in ("unknown", "monorepo") else \
            tuple(m for m in NOT_IN_HISTORY if m not in NOT_DEPLOYED_ITEMS) + ("Release verified (package installs "
                                                                                 "and runs from the registry)",)
        missing_dod += [m[0].lower() + m[1:] for m in not_seen]
        observations = lines + ["Missing from DoD: " + "; ".join(missing_dod) + "."]
        measures = [Measure(f"{units} touching tests", round(share["tests"], 2), "%", obs_min, win),
                    Measure(f"{units} documented {'within the follow-up window' if unit == 'feature commit' else ''}"
                            .strip(), round(share["docs"], 2), "%", obs_min, win),
                    Measure(f"{units} with a changelog entry", round(share["changelog"], 2), "%", obs_min, win),
                    Measure(f"{units} reviewed before landing", round(share["reviewed"], 2), "%", obs_min, win)]
        def label(t: FeatureTrace) -> str:
            if not t.ticket or t.ticket in t.commit.subject:
                return t.commit.subject[:90]
            return f"{t.ticket}: {t.commit.subject[:80]}"

        evidence = [commit_ref(t.commit, f"{unit} with tests: {label(t)}") for t in traces if t.tests][:3]
        followups = {t.docs_commit.hash: t for t in traces
                     if t.docs_commit is not None and t.docs_commit is not t.commit}
        evidence += [commit_ref(t.docs_commit, f"docs with the {'feature' if unit == 'feature commit' else 'ticket'}"
                                               f": {', '.join(t.docs[:2])}") for t in followups.values()][:3]
        if observed:
            what = {"tests": f"{count['tests']} of {n} {units} touch tests",
                    "docs": f"{count['docs']} of {n} {units} are documented right away",
                    "changelog": f"{count['changelog']} of {n} {units} add a changelog entry"}
            return self.passed("implicit Definition of Done in the history: " + ", ".join(what[k] for k in observed),
                               signal=Signal.OBSERVED, evidence=evidence, measures=measures,
                               observations=observations)
        return self.failed(f"no implicit Definition of Done in the history: {count['tests']} of {n} {units} "
                           f"touch tests, {count['docs']} are documented, {count['changelog']} add a changelog entry",
                           evidence=evidence, measures=measures, observations=observations,
                           missing=("Tests written with each feature", "Documentation updated with each feature"))


_TEST_STAGES = ("unit-test", "integration-test", "e2e-test", "test")
_NOT_ON_CHANGE = {"schedule", "manual", "tag", "release", "workflow_call"}


class DOD004(Rule):
    """Done is gated by CI: the tests run on every change.

    Reads the CI pipelines' stages and triggers: a unit, integration, e2e or
    generic test stage in a pipeline that runs on push, pull or merge requests is
    an automated part of the Definition of Done. Lint, type-check, coverage and
    security stages are reported as further gates. Without CI it lists the test
    scripts that exist only to be run by hand.

    ## Why it matters
    Checks that a machine runs on every change hold even in a hurry, right before a release.

    ## How to fix
    Add `.github/workflows/ci.yml` running the test suite (and lint) on every push and pull request, and require it to pass before merging.
    """

    area = "dod"
    effort = Effort.DAY
    weight = 1.0

    def check(self, ci, tasks, project):
        if project.kind in ("docs", "empty"):
            return self.not_applicable(f"a {project.label} has no test suite to gate")
        stages = ci.stage_map()
        test_steps = [(p, s) for st in _TEST_STAGES for p, s in stages.get(st, [])]
        on_change = [(p, s) for p, s in test_steps if not p.triggers or set(p.triggers) - _NOT_ON_CHANGE]
        gates = [st for st in ("lint", "typecheck", "coverage", "security-scan", "dependency-audit") if st in stages]
        nd = ("Required status checks before merging (branch protection)",)
        if on_change:
            evidence = [Evidence(path=p.path, line=s.line, note=f"job {s.job}: {s.text[:80]}")
                        for p, s in on_change[:4]]
            triggers = sorted({t for p, _ in on_change for t in p.triggers} - _NOT_ON_CHANGE)
            obs = [f"Further gates in CI: {', '.join(gates)}."] if gates else \
                  ["CI runs no lint, type-check or coverage gate beside the tests."]
            pipelines = sorted({p.path for p, _ in on_change})
            return self.passed(f"tests run in CI on {', '.join(triggers) or 'every change'} "
                               f"({', '.join(pipelines[:3])}, {len(on_change)} test step(s))",
                               signal=Signal.AUTOMATED, evidence=evidence, observations=obs, not_determinable=nd)
        scripts = tasks.named("test", "test:*", "test-*", "test_*", "check", "e2e", "e2e:*")
        obs = []
        if scripts:
            where = sorted({t.path for t in scripts})
            obs.append(f"Test scripts exist — {', '.join(t.name for t in scripts[:6])} in {', '.join(where[:2])} — "
                       "but nothing runs them automatically.")
        evidence = [Evidence(path=t.path, line=t.line, note=f"{t.runner} {t.name}: {t.command[:60]}")
                    for t in scripts[:4]]
        missing = ("Quality gates enforced in CI (tests, lint, coverage %)",)
        if test_steps:
            sched = sorted({t for p, _ in test_steps for t in p.triggers})
            return self.failed(f"tests run in CI only on {', '.join(sched)}, not on every change",
                               evidence=[Evidence(path=p.path, line=s.line, note=f"job {s.job}")
                                         for p, s in test_steps[:3]],
                               observations=obs, missing=missing, not_determinable=nd)
        if ci.pipelines:
            ran = ", ".join(stages) or "no recognised stage"
            return self.failed(f"{len(ci.pipelines)} CI pipeline(s), but none runs the tests (stages: {ran})",
                               evidence=[Evidence(path=p.path, note="CI pipeline without tests")
                                         for p in ci.pipelines[:3]] + evidence,
                               observations=obs, missing=missing, not_determinable=nd)
        return self.failed("no CI pipeline in the repository, so no done criterion is checked automatically",
                           evidence=evidence, observations=obs, missing=missing, not_determinable=nd)
