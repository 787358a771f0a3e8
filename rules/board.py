"""Issue board and backlog: where work is tracked, how issues are filed, labelled and moved.

The board itself (columns, WIP limits, automation rules) lives on the tracker and
is never visible from the repository; what the repository shows is its trace:
ticket references in commits, issue templates, label and triage configuration,
project-automation workflows and any written description of the board.

Helpers here (:func:`process_docs`, :func:`issue_templates`, :func:`ticket_refs`)
are shared with the sprints, dod and dor rule modules.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from auditor import yamlsafe
from auditor.facts import history as H
from auditor.facts import paths as P
from auditor.facts.tree import FileTree, derived, line_of
from auditor.model import Effort, Evidence, Measure, Signal
from auditor.rule import Rule
from auditor.rules._text import fast

PLATFORM_QUESTIONS = (
    "Board columns, workflow states and WIP limits on the tracker",
    "Automation rules configured on the tracker itself (Jira automation, GitHub Projects workflows)",
    "Backlog size, age and throughput",
)

# -- shared helpers ---------------------------------------------------------------------

_PROSE_EXT = {"md", "mdx", "markdown", "rst", "adoc", "txt", "org"}
_DOC_DIR = re.compile(r"(^|/)(docs?|documentation|wiki|handbook|process|guides?|meeting[-_ ]?notes|meetings|"
                      r"retros?|retrospectives?|sprints?|rfcs?|proposals?|design)/", re.IGNORECASE)
MAX_DOCS = 400
MAX_DOC_BYTES = 256 * 1024


@derived
def process_docs(tree: FileTree, limit: int = MAX_DOCS) -> list[tuple[str, str]]:
    """(path, text) of the prose documents a process could be written in.

    Markdown, reStructuredText, AsciiDoc and Org files anywhere (plain ``.txt``
    only in documentation folders), except vendored code, tests and changelogs;
    the root, ``.github/`` and ``docs/`` first, at most ``limit`` files.
    """
    found = []
    for p in tree.paths:
        ext = P.extension(p)
        if ext not in _PROSE_EXT or P.is_vendored(p) or P.is_test(p) or P.is_changelog(p):
            continue
        if ext == "txt" and not _DOC_DIR.search(p):
            continue
        depth = p.count("/")
        first = p.startswith((".github/", ".gitlab/", "docs/", "doc/")) or depth == 0
        found.append((0 if first else 1, depth, p))
    found.sort()
    return list(tree.texts([p for _, _, p in found[:limit]], limit=MAX_DOC_BYTES))


def first_match(docs: Iterable[tuple[str, str]], rx: re.Pattern[str]) -> list[tuple[str, int | None, str]]:
    """(path, line, matched text) of the first match of ``rx`` in each document."""
    out = []
    for path, text in docs:
        m = rx.search(text)
        if m:
            out.append((path, line_of(text, rx), m.group(0).strip()))
    return out


ISSUE_TEMPLATE_GLOBS = (
    ".github/ISSUE_TEMPLATE/*", ".github/ISSUE_TEMPLATE.md", "ISSUE_TEMPLATE.md", "docs/ISSUE_TEMPLATE.md",
    ".gitlab/issue_templates/*", ".gitea/ISSUE_TEMPLATE/*", ".gitea/issue_template.md",
)


@dataclass(frozen=True)
class IssueTemplate:
    """One issue template: a Markdown template or a YAML issue form."""

    path: str
    kind: str                                   # "form" or "markdown"
    name: str
    labels: tuple[str, ...]
    fields: tuple[tuple[str, str, str], ...]    # YAML forms: (id, label, description) per body field
    text: str

    @property
    def file(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def issue_templates(tree: FileTree) -> tuple[list[IssueTemplate], str | None]:
    """The issue templates in the tree, and the template chooser's ``config.yml`` if any."""
    config = None
    out = []
    for p in tree.glob(*ISSUE_TEMPLATE_GLOBS):
        base = p.rsplit("/", 1)[-1].lower()
        ext = P.extension(p)
        if base in ("config.yml", "config.yaml"):
            config = config or p
            continue
        if ext not in ("md", "markdown", "yml", "yaml"):
            continue
        text = tree.read_text(p)
        if text is None:
            continue
        out.append(_template(p, ext, text))
    return out, config


def _template(path: str, ext: str, text: str) -> IssueTemplate:
    name = path.rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("_", " ").replace("-", " ")
    labels: tuple[str, ...] = ()
    fields: list[tuple[str, str, str]] = []
    meta = None
    if ext in ("yml", "yaml"):
        meta = _yaml(text)
        kind = "form"
    else:
        kind = "markdown"
        m = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", text, re.DOTALL)
        if m:
            meta = _yaml(m.group(1))
    if isinstance(meta, dict):
        if isinstance(meta.get("name"), str):
            name = meta["name"].strip() or name
        raw = meta.get("labels")
        if isinstance(raw, str):
            labels = tuple(x.strip() for x in raw.split(",") if x.strip())
        elif isinstance(raw, list):
            labels = tuple(str(x).strip() for x in raw if isinstance(x, (str, int)))
        body = meta.get("body") if kind == "form" else None
        for item in body if isinstance(body, list) else ():
            if not isinstance(item, dict):
                continue
            attrs = item.get("attributes") if isinstance(item.get("attributes"), dict) else {}
            fields.append((str(item.get("id") or ""), str(attrs.get("label") or ""),
                           str(attrs.get("description") or "") + " " + str(attrs.get("placeholder") or "")
                           + " " + str(attrs.get("value") or "") + " " + " ".join(
                               str(o) for o in (attrs.get("options") or ()) if isinstance(o, (str, int)))))
    return IssueTemplate(path=path, kind=kind, name=name[:80], labels=labels[:20], fields=tuple(fields[:100]),
                         text=text)


def _yaml(text: str):
    try:
        return yamlsafe.load(text)
    except yamlsafe.YamlRejected:
        return None


def commit_ref(c: H.Commit, note: str | None = None) -> Evidence:
    return Evidence(commit=c.hash, date=c.date, note=note or c.subject[:120])


def is_bot(c: H.Commit) -> bool:
    who = f"{c.author} {c.email}".lower()
    return "[bot]" in who or "dependabot" in who or "renovate" in who


_AZURE = re.compile(r"\bAB#(\d{1,7})\b")
# A trailing "(#N)" is the pull request's own number (GitHub squash merges append it; some maintainers
# add it by hand, with a full stop): it says where the change was reviewed, not which ticket it delivers.
_PR_SUFFIX = re.compile(r"\s*\(#\d+\)[.!]?\s*$")


@dataclass(frozen=True)
class TicketRefs:
    keys: tuple[str, ...]        # Jira/Linear-style project keys cited (SMS for SMS-12)
    issues: int                  # "#12" / "GH-12" references (a squash-merge's own "(#12)" excluded)
    closing: bool                # "fixes #12", "closes org/repo#12"
    azure: int                   # Azure Boards "AB#123"
    first: str                   # the first reference, for the evidence note

    def __bool__(self) -> bool:
        return bool(self.keys or self.issues or self.closing or self.azure)


def ticket_refs(c: H.Commit) -> TicketRefs:
    """The ticket references in a commit's subject and body.

    Uses the history reader's own patterns, so "ticket" means the same thing as
    the TICKET flag — except that a trailing ``(#N)`` (what a squash merge appends)
    is the pull request's number, not an issue, and does not count here.
    """
    subject = _PR_SUFFIX.sub("", c.subject)
    head = subject + "\n" + c.body[:H.MAX_BODY]
    jira = [m for m in H._JIRA.finditer(head) if m.group(1) not in H._NOT_TICKET_KEYS]
    issues = list(H._ISSUE.finditer(head))
    closing = H._CLOSING.search(head)
    azure = list(_AZURE.finditer(head))
    first = ""
    for m in (closing, *(jira[:1]), *(issues[:1]), *(azure[:1])):
        if m:
            first = m.group(0).strip(" ([")
            break
    return TicketRefs(keys=tuple(m.group(1) for m in jira), issues=len(issues), closing=bool(closing),
                      azure=len(azure), first=first)


_TRACKER_MENTIONS = (
    ("Jira", fast(r"atlassian\.net/(?:browse|jira)|\bJira\b", re.IGNORECASE)),
    ("Linear", fast(r"linear\.app/|\bLinear (?:issue|ticket|board|project|team|cycle)s?\b")),
    ("GitHub Projects", fast(r"github\.com/(?:orgs|users)/[\w.-]+/projects/|\bGitHub Projects?\b")),
    ("Trello", fast(r"trello\.com/|\bTrello\b")),
    ("Asana", fast(r"app\.asana\.com/|\bAsana\b")),
    ("ClickUp", fast(r"app\.clickup\.com/|\bClickUp\b")),
    ("Shortcut", fast(r"app\.shortcut\.com/|app\.clubhouse\.io/")),
    ("YouTrack", fast(r"youtrack\.|\bYouTrack\b")),
    ("Azure Boards", fast(r"dev\.azure\.com/[^\s)]*/_workitems|\bAzure Boards\b")),
    ("Pivotal Tracker", fast(r"pivotaltracker\.com/|\bPivotal Tracker\b")),
)


def tracker_mentions(docs: Iterable[tuple[str, str]]) -> list[tuple[str, str, int | None]]:
    """(tracker, path, line) for each tracker a document names (first mention per tracker)."""
    seen: dict[str, tuple[str, str, int | None]] = {}
    for path, text in docs:
        for name, rx in _TRACKER_MENTIONS:
            if name not in seen and rx.search(text):
                seen[name] = (name, path, line_of(text, rx))
    return list(seen.values())


def _hosting(tree: FileTree, history: H.History | None) -> str | None:
    """Which hosting platform's issue tracker a bare ``#N`` most likely points at."""
    flags = 0
    if history is not None:
        for c in history.recent[:500]:
            flags |= c.flags
    if tree.is_dir(".github") or flags & (H.PR_MERGE | H.SQUASH_PR):
        return "GitHub Issues"
    if tree.is_dir(".gitlab") or tree.exists(".gitlab-ci.yml") or flags & H.MR_MERGE:
        return "GitLab issues"
    if tree.is_dir(".gitea") or tree.is_dir(".forgejo"):
        return "Gitea/Forgejo issues"
    return None


# -- rules ------------------------------------------------------------------------------


class BRD001(Rule):
    """Commits reference the tickets they deliver.

    Reads the most recent non-merge commits (bots excluded) and counts those whose
    subject or body cites a ticket: a Jira/Linear key (``SMS-142``), an issue
    number (``#12``, ``GH-12``; a squash merge's own ``(#N)`` does not count), a
    closing keyword (``fixes #12``) or an Azure Boards ``AB#123``. Ticket keys in
    merged branch names count as well. From the keys and the platform the
    repository is hosted on it names where work is tracked.

    ## Why it matters
    Ticket references let anyone trace a change back to the request, bug or decision behind it.

    ## How to fix
    Cite the ticket in every commit or pull-request title (`SMS-142: add promo limits`, `Fixes #12`) and name branches after it.
    Agree on one tracker (Jira, Linear or GitHub Issues) and a commit-message convention, and enforce it with a
    commit-msg hook or a pull-request title check.
    """

    area = "board"
    effort = Effort.ONGOING
    weight = 1.5
    thresholds = {"window": 100, "ticket_share_min": 0.5, "min_commits": 5}

    def check(self, history, tree, thresholds):
        window = int(thresholds["window"])
        commits = [c for c in history.recent if not c.is_merge and not is_bot(c)][:window]
        if len(commits) < thresholds["min_commits"]:
            return self.skip(f"insufficient history: {len(commits)} non-merge commits by people")
        keys: Counter[str] = Counter()
        issues = closing = azure = 0
        cited = []
        for c in commits:
            r = ticket_refs(c)
            if not r:
                continue
            cited.append((c, r))
            keys.update(set(r.keys))
            issues += bool(r.issues)
            closing += r.closing
            azure += bool(r.azure)
        share = len(cited) / len(commits)
        win = f"last {len(commits)} non-merge commits"
        merges = [c for c in history.recent if c.is_merge and not is_bot(c) and H._merged_branch(c.subject)][:window]
        merge_refs = [(c, _merge_cites(c)) for c in merges]
        keyed = [c for c, ref in merge_refs if ref]
        branch_issues = sum(1 for _, ref in merge_refs if ref and ref[0] == "issue")
        branch_keys = Counter(ref[1] for _, ref in merge_refs if ref and ref[0] == "key")
        measures = [Measure("commits citing a ticket", round(share, 2), "%", thresholds["ticket_share_min"], win)]
        if merges:
            measures.append(Measure("merged branches citing a ticket", f"{len(keyed)} of {len(merges)}",
                                    window=f"last {len(merges)} branch merges"))
        recent = history.recent[:window]
        prs = sum(1 for c in recent if c.flags & (H.PR_MERGE | H.SQUASH_PR) or _PR_SUFFIX.search(c.subject))
        docs = process_docs(tree)
        mentions = tracker_mentions(docs)
        hosting = _hosting(tree, history)
        tracker = _tracker(keys or branch_keys, issues + closing + branch_issues, azure, hosting, mentions)
        observations = []
        if tracker:
            observations.append(f"Where tracked: {tracker}.")
        for name, path, line in mentions[:3]:
            observations.append(f"{path}{f':{line}' if line else ''} mentions {name}.")
        if keys:
            top = ", ".join(f"{k} ({n} commits)" for k, n in keys.most_common(4))
            observations.append(f"Ticket keys cited in the {win}: {top}.")
        if prs:
            observations.append(f"{prs} of the last {len(recent)} commits are merged pull requests "
                                f"({'GitHub' if hosting == 'GitHub Issues' else 'hosting platform'} #N numbers); "
                                "issue links in pull-request descriptions are not visible in the repository.")
        evidence = [commit_ref(c, f"cites {r.first}: {c.subject[:90]}") for c, r in cited[:3]]
        evidence += [commit_ref(c, f"merged branch cites a ticket: {c.subject[:90]}") for c in keyed[:2]]
        min_share = thresholds["ticket_share_min"]
        branch_ok = len(merges) >= thresholds["min_commits"] and len(keyed) / len(merges) >= min_share
        nd = PLATFORM_QUESTIONS + (("Issue links in pull-request descriptions",) if prs else ())
        if share >= min_share or branch_ok:
            lead = (f"{len(cited)} of {len(commits)} recent non-merge commits reference a ticket" if share >= min_share
                    else f"{len(keyed)} of the last {len(merges)} merged branches cite a ticket")
            return self.passed(f"{lead}; work is tracked in {tracker or 'an issue tracker'}", signal=Signal.OBSERVED,
                               evidence=evidence, measures=measures, observations=observations, not_determinable=nd)
        if not cited and not keyed:
            if not prs:
                observations.append(f"None of the {win} cites a ticket key (ABC-123), an issue number (#123, GH-123) "
                                    "or a closing keyword; work appears to be tracked informally or in a tool the "
                                    "commits never name.")
            msg = f"none of the last {len(commits)} non-merge commits references a ticket or issue"
        elif not cited:
            msg = (f"none of the last {len(commits)} non-merge commits and only {len(keyed)} of the last "
                   f"{len(merges)} merged branches reference a ticket")
        else:
            msg = f"only {len(cited)} of the last {len(commits)} non-merge commits reference a ticket or issue"
        missing = ["Ticket reference convention for commits and branches"]
        if not tracker:
            missing.append("Visible backlog in an issue tracker")
        return self.failed(msg, evidence=evidence, measures=measures, observations=observations, missing=missing,
                           not_determinable=nd)


_GENERIC_PREFIXES = {"fix", "fixes", "bugfix", "hotfix", "feature", "feat", "patch", "release", "releases", "issue",
                     "bug", "pr", "python", "py", "node", "java", "go", "update", "bump", "chore", "docs", "doc",
                     "test", "tests", "refactor", "revert", "version", "step", "part", "phase", "sprint", "iteration",
                     "cycle", "week", "day", "stable", "main", "master", "dev", "develop", "branch", "backport",
                     "gh", "pull", "merge", "php", "ruby", "rust", "ubuntu", "debian", "windows", "macos", "qt", "gtk"}
_LOWER_KEY = re.compile(r"^([a-z][a-z0-9]{1,9})-(\d{1,6})(?=$|[-_])")
_ISSUE_BRANCH = re.compile(r"(?:^|/)(?:(?:issues?|gh|fix|fixes|bug|bugfix|hotfix|feature|feat)[-_/]?#?)(\d{2,6})"
                           r"(?=$|[-_/])|(?:^|/)(\d{2,6})[-_][a-z]", re.IGNORECASE)


def branch_ticket(branch: str) -> tuple[str, str] | None:
    """The ticket a branch name carries, as (kind, key): ``("key", "SMS")`` for ``SMS-12-promo`` or
    ``feature/sms-12``, ``("issue", "")`` for ``fix-4990`` or ``123-title``; None when it carries none."""
    for m in H._JIRA.finditer(branch):
        if m.group(1) not in H._NOT_TICKET_KEYS:
            return "key", m.group(1)
    name = branch.rsplit("/", 1)[-1]
    m = _LOWER_KEY.match(name)
    if m and m.group(1) not in _GENERIC_PREFIXES and not re.match(r"^v\d", m.group(1)) \
            and m.group(1).upper() not in H._NOT_TICKET_KEYS:
        return "key", m.group(1).upper()
    if _ISSUE_BRANCH.search(branch) and not re.search(r"(?:^|/)patch-\d+$", branch):
        return "issue", ""
    return None


def _merge_cites(c: H.Commit) -> tuple[str, str] | None:
    """The ticket a branch merge cites in its branch name or message body (not its own PR number)."""
    from dataclasses import replace

    found = branch_ticket(H._merged_branch(c.subject) or "")
    if found:
        return found
    r = ticket_refs(replace(c, subject="", flags=0))
    if r.keys:
        return "key", r.keys[0]
    return ("issue", "") if r else None


def _tracker(keys: Counter[str], issue_commits: int, azure: int, hosting: str | None,
             mentions: list[tuple[str, str, int | None]]) -> str | None:
    """The tracker and key, as far as the repository says."""
    named = [m[0] for m in mentions]
    parts = []
    if keys:
        top = [k for k, _ in keys.most_common(3)]
        tool = ("Jira" if "Jira" in named and "Linear" not in named else
                "Linear" if "Linear" in named and "Jira" not in named else "Jira or Linear")
        parts.append(f"{tool}, project key{'s' if len(top) > 1 else ''} {', '.join(top)}")
    if issue_commits:
        parts.append(hosting or "an issue tracker numbering items #N (platform not named in the repository)")
    if azure:
        parts.append("Azure Boards (AB#N work items)")
    if not parts and named:
        parts.append(f"possibly {named[0]} (named in the documentation, never cited by a commit)")
    return "; ".join(parts) or None


class BRD002(Rule):
    """Issues are filed through templates.

    Looks for issue templates — Markdown templates and YAML issue forms in
    ``.github/ISSUE_TEMPLATE/``, GitLab's ``.gitlab/issue_templates/``, a root
    ``ISSUE_TEMPLATE.md`` — and the chooser's ``config.yml`` (whether blank issues
    are allowed), and reports the kinds of work they cover and the labels they apply.

    ## Why it matters
    Templates make every bug and request arrive with the same facts, so triage does not start with a round of questions.

    ## How to fix
    Add `.github/ISSUE_TEMPLATE/bug_report.yml` and `feature_request.yml` as issue forms (summary, steps or user story, acceptance criteria, priority) and a `config.yml` with `blank_issues_enabled: false`.
    """

    area = "board"
    effort = Effort.HOUR

    def check(self, tree):
        templates, config = issue_templates(tree)
        config_text = tree.read_text(config) if config else None
        observations = []
        if config_text is not None:
            data = _yaml(config_text)
            blank = data.get("blank_issues_enabled") if isinstance(data, dict) else None
            links = data.get("contact_links") if isinstance(data, dict) else None
            n_links = len(links) if isinstance(links, list) else 0
            if blank is False:
                observations.append(f"Blank issues are disabled in {config}, so every issue goes through a template"
                                    + (f"; {n_links} contact link(s) route questions elsewhere." if n_links else "."))
            else:
                observations.append(f"{config} allows blank issues, so issues can bypass the templates.")
        if not templates:
            evidence = [Evidence(path=config, note="template chooser only")] if config else []
            return self.failed("no issue templates" + (f": {config} configures a chooser with nothing to choose"
                                                       if config else ""),
                               evidence=evidence, observations=observations,
                               missing=("Issue templates (bug report, feature request, task)",))
        kinds = Counter(_kind(t) for t in templates)
        labels = sorted({lb for t in templates for lb in t.labels})
        evidence = [Evidence(path=t.path, note=f"{'issue form' if t.kind == 'form' else 'template'} "
                                               f"\"{t.name}\"" + (f", labels {', '.join(t.labels[:4])}" if t.labels
                                                                  else ""))
                    for t in templates[:8]]
        if config:
            evidence.append(Evidence(path=config, note="template chooser"))
        forms = sum(1 for t in templates if t.kind == "form")
        covered = [k for k in ("bug", "feature", "task", "story", "epic") if kinds.get(k)]
        absent = [k for k in ("bug", "feature", "task") if not kinds.get(k)]
        observations.append("Templates cover: " + ", ".join(_KIND_WORDS[k] for k in covered or ["other"]) +
                            (f"; none for {', '.join(_KIND_WORDS[k] for k in absent)}." if absent else "."))
        if labels:
            observations.append(f"Templates apply the labels {', '.join(labels[:10])}.")
        where = sorted({t.path.rsplit('/', 1)[0] if '/' in t.path else '.' for t in templates})
        files = ", ".join(t.file for t in templates[:5]) + (f" and {len(templates) - 5} more" if len(templates) > 5
                                                            else "")
        return self.passed(f"{len(templates)} issue template(s) in {', '.join(where)} ({files})"
                           + (f", {forms} of them YAML issue forms" if forms else ""),
                           signal=Signal.DOCUMENTED, evidence=evidence,
                           measures=[Measure("issue templates", len(templates)), Measure("issue forms", forms)],
                           observations=observations)


_KIND_WORDS = {"bug": "bug reports", "feature": "feature requests", "task": "tasks", "story": "user stories",
               "epic": "epics", "question": "questions", "other": "other requests"}


def _kind(t: IssueTemplate) -> str:
    s = f"{t.name} {t.file} {' '.join(t.labels)}".lower()
    for kind, rx in (("bug", r"bug|defect|crash|regression|incident"), ("epic", r"\bepic"),
                     ("story", r"stor(y|ies)"), ("feature", r"feat|enhancement|request|idea|proposal|improvement"),
                     ("task", r"task|chore|todo|spike"), ("question", r"question|support|help|discussion")):
        if re.search(rx, s):
            return kind
    return "other"


# Actions and bots that keep labels and triage as code: uses prefix -> what it does.
_TRIAGE_ACTIONS = (
    ("actions/stale", "closes stale issues and pull requests"),
    ("actions/labeler", "labels pull requests by the paths they change"),
    ("github/issue-labeler", "labels issues from their text"),
    ("endbug/label-sync", "syncs the label definitions"),
    ("crazy-max/ghaction-github-labeler", "syncs the label definitions"),
    ("micnncim/action-label-syncer", "syncs the label definitions"),
    ("lannonbr/issue-label-manager-action", "syncs the label definitions"),
    ("financial-times/github-label-sync", "syncs the label definitions"),
    ("dessant/lock-threads", "locks closed issues"),
    ("dessant/label-actions", "acts on labels"),
    ("actions-ecosystem/action-add-labels", "adds labels"),
    ("andymckay/labeler", "adds labels"),
)
LABEL_FILES = (".github/labels.yml", ".github/labels.yaml", ".github/labels.json", ".github/labels.toml",
               ".github/issue-labels.yml", ".github/label-sync.yml", ".github/labels/*.yml", "labels.yml",
               ".gitlab/labels.yml")
_PRIORITY_LABEL = re.compile(r"priority|\bp[0-4]\b|severity|\bsev[-: ]?\d|urgent|critical", re.IGNORECASE)


def _label_names(data) -> list[str]:
    if isinstance(data, dict) and isinstance(data.get("labels"), (list, dict)):
        data = data["labels"]
    if isinstance(data, dict):
        return [str(k) for k in data]
    if isinstance(data, list):
        return [str(x.get("name")) for x in data if isinstance(x, dict) and x.get("name")] or \
               [str(x) for x in data if isinstance(x, str)]
    return []


class BRD003(Rule):
    """Labels and triage are managed as code.

    Looks for label definitions kept in the repository (``.github/labels.yml``,
    Probot ``settings.yml`` labels, label-sync configs), the pull-request labeler
    (``.github/labeler.yml``), stale-issue bots (``.github/stale.yml``,
    ``actions/stale``), GitLab triage policies and other triage actions in CI, and
    whether the labels include a priority or severity scale.

    ## Why it matters
    A shared label and priority scheme is what lets anyone but the author sort, filter and triage the backlog.

    ## How to fix
    Add `.github/labels.yml` with type labels (bug, feature, chore) and a priority scale (P0–P3), sync it with a label-sync workflow, and add `actions/stale` to close abandoned issues.
    """

    area = "board"
    effort = Effort.DAY
    weight = 0.75

    def check(self, tree, ci):
        evidence, observations, names = [], [], []
        automated = []
        for path in tree.glob(*LABEL_FILES):
            text = tree.read_text(path) or ""
            data = _yaml(text) if not path.endswith(".json") else _json(text)
            found = _label_names(data)
            names += found
            evidence.append(Evidence(path=path, note=f"{len(found)} label definitions"))
        settings = tree.first(".github/settings.yml")
        if settings:
            data = _yaml(tree.read_text(settings) or "")
            found = _label_names(data.get("labels")) if isinstance(data, dict) else []
            if found:
                names += found
                evidence.append(Evidence(path=settings, line=line_of(tree.read_text(settings) or "", "labels:"),
                                         note=f"{len(found)} labels managed by the Probot settings app"))
        labeler = tree.first(".github/labeler.yml", ".github/labeler.yaml")
        if labeler:
            evidence.append(Evidence(path=labeler, note="pull-request labeler configuration"))
        stale = tree.first(".github/stale.yml", ".github/stale.yaml")
        if stale:
            evidence.append(Evidence(path=stale, note="stale-issue bot configuration"))
            automated.append(f"the stale bot ({stale})")
        triage = tree.first(".triage-policies.yml", ".gitlab/triage-policies.yml")
        if triage:
            evidence.append(Evidence(path=triage, note="GitLab triage policies"))
            automated.append(f"GitLab triage policies ({triage})")
        for pipeline in ci.pipelines:
            for a in pipeline.actions:
                uses = a.uses.lower()
                for prefix, what in _TRIAGE_ACTIONS:
                    if uses.startswith(prefix):
                        evidence.append(Evidence(path=a.path, line=a.line, note=f"{a.uses.split('@')[0]} {what}"))
                        automated.append(f"{a.uses.split('@')[0]} in {a.path}")
        priorities = [n for n in names if _PRIORITY_LABEL.search(n)]
        measures = [Measure("labels defined", len(names))] if names else []
        if names:
            measures.append(Measure("priority or severity labels", len(priorities)))
            if priorities:
                observations.append(f"Priority scale in the labels: {', '.join(priorities[:6])}.")
            else:
                observations.append("The label definitions have no priority or severity levels.")
        if not evidence:
            return self.failed("no label definitions, labeler or stale-issue automation in the repository",
                               missing=("Priority levels and labelling system",
                                        "Triage automation (auto-labelling, stale issues)"),
                               not_determinable=("Labels defined only on the hosting platform",))
        parts = []
        if names:
            parts.append(f"{len(names)} labels defined as code")
        if labeler:
            parts.append(f"a pull-request labeler ({labeler})")
        if automated:
            parts.append("triage automated by " + ", ".join(dict.fromkeys(automated[:3])))
        msg = "; ".join(parts) or "label configuration in the repository"
        return self.passed(msg, signal=Signal.AUTOMATED if automated else Signal.DOCUMENTED, evidence=evidence[:8],
                           measures=measures, observations=observations)


def _json(text: str):
    import json

    try:
        return json.loads(text)
    except ValueError:
        return None


_PROJECT_ACTIONS = (
    (re.compile(r"^actions/add-to-project\b"), "adds new issues and pull requests to a GitHub project board"),
    (re.compile(r"^(alex-page/github-project-automation-plus|srggrs/assign-one-project-github-action|"
                r"(philips-software|leonsteinhaeuser)/project-beta-automations|titoportas/update-project-fields|"
                r"github/update-project-action)\b"), "moves items on a GitHub project board"),
    (re.compile(r"^atlassian/gajira"), "updates Jira issues"),
    (re.compile(r"jira"), "updates Jira issues"),
    (re.compile(r"(^|/)linear(?!-?b)[-/]|linear-app"), "updates Linear issues"),
    (re.compile(r"shortcut|clubhouse"), "updates Shortcut stories"),
    (re.compile(r"clickup"), "updates ClickUp tasks"),
    (re.compile(r"asana"), "updates Asana tasks"),
    (re.compile(r"trello"), "updates Trello cards"),
    (re.compile(r"youtrack"), "updates YouTrack issues"),
    (re.compile(r"^(kentaro-m/auto-assign-action|pozil/auto-assign-issue|toshimaru/auto-author-assign)\b"),
     "auto-assigns issues or pull requests"),
    (re.compile(r"^(robvanderleek/create-issue-branch)\b"), "creates a branch per issue"),
)
_PROJECT_SCRIPT = re.compile(r"gh project item-(?:add|edit)|addProjectV2ItemById|updateProjectV2ItemFieldValue")
TRACKER_CONFIG = (".jira", ".jira.d", ".linear", ".github/auto_assign.yml", ".github/auto_assign.yaml",
                  ".github/project.yml", ".github/issue-branch.yml")


class BRD004(Rule):
    """The board is kept in sync with the code by automation.

    Looks for CI workflows that move work on the board — ``actions/add-to-project``
    and other GitHub Projects actions, ``gh project item-add`` scripts, Jira
    (``atlassian/gajira-*``), Linear, Shortcut, ClickUp, Asana or Trello actions,
    auto-assign bots — and tracker configuration kept in the repository
    (``.jira/``, ``.linear/``, ``.github/auto_assign.yml``).

    ## Why it matters
    Automation keeps the board in step with the code, so status meetings do not have to reconstruct it by hand.

    ## How to fix
    Add `.github/workflows/add-to-project.yml` running `actions/add-to-project` on new issues and pull requests, or the tracker's own GitHub integration (Jira, Linear), so items move when branches and pull requests do.
    """

    area = "board"
    effort = Effort.DAY
    weight = 0.75

    def check(self, tree, ci):
        evidence, what = [], []
        for pipeline in ci.pipelines:
            for a in pipeline.actions:
                uses = a.uses.lower().split("@")[0]
                for rx, does in _PROJECT_ACTIONS:
                    if rx.search(uses):
                        evidence.append(Evidence(path=a.path, line=a.line, note=f"{a.uses.split('@')[0]} {does}"))
                        what.append(f"{a.uses.split('@')[0]} {does}")
                        break
            text = tree.read_text(pipeline.path) or ""
            m = _PROJECT_SCRIPT.search(text)
            if m:
                evidence.append(Evidence(path=pipeline.path, line=line_of(text, _PROJECT_SCRIPT),
                                         note=f"script calls {m.group(0)}"))
                what.append(f"a script in {pipeline.path} updates project items")
        for cfg in TRACKER_CONFIG:
            if tree.is_dir(cfg) or tree.exists(cfg):
                evidence.append(Evidence(path=cfg, note="tracker or bot configuration"))
                what.append(f"{cfg} configures the tracker or a bot")
        if not evidence:
            return self.failed("no board automation in the repository: no project, tracker or auto-assign "
                               "workflows and no tracker configuration",
                               missing=("Automation rules (e.g. auto-assign, status updates)",),
                               not_determinable=PLATFORM_QUESTIONS[:2])
        return self.passed("board automation: " + "; ".join(dict.fromkeys(what[:3])), signal=Signal.AUTOMATED,
                           evidence=evidence[:8], not_determinable=PLATFORM_QUESTIONS[:2])



class _AnyOf:
    """Several patterns searched as one: the earliest match of any (each prefiltered on its own words)."""

    def __init__(self, *patterns):
        self.patterns = patterns

    def search(self, text: str):
        found = [m for rx in self.patterns for m in [rx.search(text)] if m]
        return min(found, key=lambda m: m.start()) if found else None


# Board states as column names are written: capitalised or in capitals. Lower-case "done", "to do" and
# "review" are ordinary words; only the distinctive "backlog" and "in progress" count in lower case.
_STATES = {
    "backlog": r"\b[Bb]acklog\b|\bBACKLOG\b",
    "to do": r"\bTo[- ]?[Dd]o\b|\bTODO\b(?!:)|\bReady for [Dd]ev(elopment)?\b|\bSelected for [Dd]evelopment\b",
    "in progress": r"\b[Ii]n[- ][Pp]rogress\b|\bIN PROGRESS\b|\bDoing\b",
    "review": r"\bIn [Rr]eview\b|\bCode [Rr]eview\b|\bReview\b|\bQA\b",
    "done": r"\bDone\b|\bDONE\b|\bClosed\b|\bShipped\b",
    "blocked": r"\bBlocked\b|\bBLOCKED\b",
    "triage": r"\b[Nn]eeds[- ][Tt]riage\b|\bTriage[ds]?\b",
}
_STATES_RX = tuple((state, fast(rx)) for state, rx in _STATES.items())
_STATE_ORDER = {state: i for i, state in enumerate(_STATES)}
_HIERARCHY = fast(r"\bepics?\b[^\n]{0,200}\b(stor(y|ies)|tasks?|issues?)\b|\b(stor(y|ies)|tasks?)\b[^\n]{0,200}"
                  r"\bepics?\b", re.IGNORECASE)
# "P0 … P2" leads with the literal "P" (checked for a word boundary behind it) so that re can skip to
# each capital P instead of trying the pattern at every position of a long guide.
_PRIORITY_SCHEMES = (fast(r"P(?<!\wP)[0-4]\b[^\n]{0,80}\bP[0-4]\b"),
                     fast(r"\bpriorit(y|ies)\b[^\n]{0,80}\b(high|medium|low|critical|urgent)\b", re.IGNORECASE),
                     fast(r"\bseverity (levels?|scale)\b", re.IGNORECASE))
_PRIORITY_SCHEME = _AnyOf(*_PRIORITY_SCHEMES)
_CADENCE = _AnyOf(
    fast(r"\b(one|two|three|1|2|3)[- ]weeks?\s+(sprints?|iterations?|cycles?)\b", re.IGNORECASE),
    fast(r"\bsprint (length|cadence)\b", re.IGNORECASE),
    fast(r"\b(weekly|bi-?weekly|fortnightly) (sprints?|planning|iterations?|cycles?)\b", re.IGNORECASE))


def _board_states(text: str) -> tuple[int | None, list[str]]:
    """The first line where board states cluster (four within 15 lines, or three including "in progress")."""
    # Five of the seven states have literal words a match needs (see rules/_text.py). A cluster holds
    # "in progress" or at least two of those five within 15 lines, so the two states without such words
    # ("to do", "review": common English) are only searched for in a document where that is the case.
    # Rails' guides made a per-line search of every state take seconds.
    literal = [(state, rx) for state, rx in _STATES_RX if rx.needles]
    if not any(rx.possible(text) for state, rx in literal if state == "in progress") and \
            sum(rx.possible(text) for _, rx in literal) < 2:
        return None, []
    hits = _state_lines(text, literal)
    if not _may_cluster(hits):
        return None, []
    hits = sorted(set(hits) | set(_state_lines(text, [(s, rx) for s, rx in _STATES_RX if not rx.needles])),
                  key=lambda h: (h[0], _STATE_ORDER[h[1]]))
    end = 0
    for start, (i, _) in enumerate(hits):
        end = max(end, start)
        while end < len(hits) and hits[end][0] < i + 15:
            end += 1
        states = {s for _, s in hits[start:end]}
        if (len(states) >= 3 and "in progress" in states) or len(states) >= 4:
            return i + 1, [s for s in _STATES if s in states]
    return None, []


def _state_lines(text: str, patterns) -> list[tuple[int, str]]:
    """(0-based line, state) of every match of the state patterns, one per line and state."""
    found = sorted((m.start(), _STATE_ORDER[state], state) for state, rx in patterns for m in rx.finditer(text))
    seen: dict[tuple[int, str], None] = {}
    line = prev = 0
    for pos, _, state in found:
        line += text.count("\n", prev, pos)
        prev = pos
        seen[(line, state)] = None
    return list(seen)


def _may_cluster(hits: list[tuple[int, str]]) -> bool:
    """Whether some 15-line window holds "in progress" or two of the other literal states."""
    hits = sorted(hits)
    end = 0
    for k, (i, state) in enumerate(hits):
        if state == "in progress":
            return True
        end = max(end, k)
        while end < len(hits) and hits[end][0] < i + 15:
            if hits[end][1] != state:
                return True
            end += 1
    return False


class BRD005(Rule):
    """The board's workflow is written down.

    Searches the repository's prose documents (CONTRIBUTING, ``docs/``,
    ``.github/``, process notes) for a description of the board: its columns or
    workflow states (four of backlog, to do, in progress, review, done, blocked,
    triage — or three including in progress — named within 15 lines), the
    epic/story/task hierarchy, a
    priority scheme and the planning cadence.

    ## Why it matters
    A written board workflow lets newcomers tell what is next, what is blocked and what each column and priority means.

    ## How to fix
    Add `docs/process/board.md` defining the columns (Backlog, To Do, In Progress, Review, Done), what moves a card between them, the priority levels, the epic/story/task hierarchy and the planning cadence.
    """

    area = "board"
    effort = Effort.DAY

    def check(self, tree):
        docs = process_docs(tree)
        found: dict[str, tuple[str, int | None, str]] = {}
        for path, text in docs:
            if "states" not in found:
                line, states = _board_states(text)
                if line:
                    found["states"] = (path, line, f"names the states {', '.join(states)}")
            for key, rx, note in (("hierarchy", _HIERARCHY, "describes the epic/story/task hierarchy"),
                                  ("priority", _PRIORITY_SCHEME, "defines priority levels"),
                                  ("cadence", _CADENCE, "states the planning cadence")):
                if key not in found and rx.search(text):
                    found[key] = (path, line_of(text, rx), note)
        missing_all = {
            "states": ("Board column definitions (Backlog, To Do, In Progress, Review, Done)",
                       "Workflow state transitions"),
            "priority": ("Priority levels and labelling system",),
            "hierarchy": ("Epic/Story/Task hierarchy",),
            "cadence": ("Sprint planning cadence",),
        }
        missing = [m for key, items in missing_all.items() if key not in found for m in items]
        evidence = [Evidence(path=p, line=ln, note=note) for p, ln, note in found.values()]
        if "states" in found or "hierarchy" in found:
            covered = [k for k in ("states", "hierarchy", "priority", "cadence") if k in found]
            words = {"states": "workflow states", "hierarchy": "issue hierarchy", "priority": "priority levels",
                     "cadence": "planning cadence"}
            obs = [f"The board documentation does not cover: {'; '.join(missing)}."] if missing else []
            return self.passed(f"the board's {', '.join(words[k] for k in covered)} are described in "
                               f"{', '.join(sorted({p for p, _, _ in found.values()}))}",
                               signal=Signal.DOCUMENTED, evidence=evidence, observations=obs)
        obs = [f"{len(docs)} documents searched; none describes the board's columns or issue hierarchy."]
        partial = "; ".join(f"{p} {note}" for p, _, note in found.values())
        return self.failed("no written description of the board: columns, workflow states and issue hierarchy "
                           "are not documented" + (f" ({partial} only)" if partial else ""),
                           evidence=evidence, missing=missing, observations=obs,
                           not_determinable=PLATFORM_QUESTIONS[:1])
