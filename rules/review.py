"""Code review process: how changes reach the default branch, and what guides reviewers."""

from __future__ import annotations

import re

from auditor.facts import history as H
from auditor.facts.tree import line_of
from auditor.model import Aspect, Effort, Evidence, Measure, Signal
from auditor.rule import Rule

CODEOWNERS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
PR_TEMPLATES = (
    ".github/PULL_REQUEST_TEMPLATE.md", ".github/pull_request_template.md", "PULL_REQUEST_TEMPLATE.md",
    "pull_request_template.md", "docs/PULL_REQUEST_TEMPLATE.md", "docs/pull_request_template.md",
    ".github/PULL_REQUEST_TEMPLATE/*.md", ".gitlab/merge_request_templates/*.md", ".azuredevops/pull_request_template.md",
)
PLATFORM_QUESTIONS = (
    "Branch protection on the default branch (required reviews, required status checks)",
    "Pull-request approvals and review turnaround on the hosting platform",
)


def commit_ref(c: H.Commit, note: str | None = None) -> Evidence:
    return Evidence(commit=c.hash, date=c.date, note=note or c.subject[:120])


class REV001(Rule):
    """Changes reach the default branch through reviewed merges.

    Reads the first-parent line of the audited revision — the commits that landed
    on the default branch — and counts those that arrived as a merged pull or
    merge request (GitHub merge commits and squash merges, GitLab ``See merge
    request``, Gerrit ``Change-Id``/``Reviewed-on``, ``Reviewed-by`` trailers)
    against those pushed directly. Back-merges of long-lived branches (``Merge branch
    'stable'``) are left out; merges of topic branches that record no review are
    counted apart from direct commits, and where a document sends patches to review
    on a mailing list (git's ``SubmittingPatches``) they are review that happens
    outside the repository.

    ## Why it matters
    Direct pushes skip the second pair of eyes that catches bugs and spreads knowledge of the code.

    ## How to fix
    Protect the default branch and merge every change through a pull request with at least one approving review.
    Enable branch protection with a required review, and add a pull-request template so reviews have a checklist.
    """

    area = "review"
    effort = Effort.WEEK
    weight = 2.0
    aspect = Aspect.IMPLEMENTATION
    thresholds = {"window": 100, "reviewed_share_min": 0.7}

    def check(self, history, tree, thresholds):
        window = int(thresholds["window"])
        line = history.mainline(window)
        if len(line) < 5:
            return self.skip(f"insufficient history: {len(line)} commits on the default branch's first-parent line")
        # A back-merge of a long-lived branch ("Merge branch 'stable'" in flask) brings changes that were
        # reviewed where they first landed: it is neither a direct commit nor a review of its own.
        back = _back_merges(history, len(line))
        line = [i for i in line if i not in back] or line
        reviewed = [i for i in line if history.flags[i] & H.REVIEWED]
        share = len(reviewed) / len(line)
        # A merge of a topic branch ("Merge branch 'ps/odb-pluggable'") is not a direct commit, but it
        # records no review either: git's maintainer integrates topics reviewed on the mailing list.
        topics = [i for i in line if history.flags[i] & H.MERGE and not history.flags[i] & H.REVIEWED]
        direct = len(line) - len(reviewed) - len(topics)
        merges = sum(1 for i in line if history.flags[i] & H.MERGE)
        win = f"last {len(line)} commits on the default branch" + (
            f", besides {len(back)} back-merges of long-lived branches" if back else "")
        measures = [Measure("reviewed share", round(share, 2), "%", thresholds["reviewed_share_min"], win),
                    Measure("direct commits", direct, "commits", window=win),
                    Measure("merge commits", merges, "commits", window=win)]
        if topics:
            measures.insert(2, Measure("merged branches without a recorded review", len(topics), "commits",
                                       window=win))
        if back:
            measures.append(Measure("back-merges of long-lived branches", len(back), "commits"))
        kinds = [f"{len(back)} back-merges of long-lived branches (not counted)"] if back else []
        for flag, label in ((H.PR_MERGE, "GitHub pull-request merges"), (H.SQUASH_PR, "squash-merged pull requests"),
                            (H.MR_MERGE, "GitLab merge requests"), (H.GERRIT, "Gerrit reviews"),
                            (H.REVIEW_TRAILER, "Reviewed-by trailers")):
            n = sum(1 for i in line if history.flags[i] & flag)
            if n:
                kinds.append(f"{n} {label}")
        examples = [c for c in history.recent if c.flags & H.MAINLINE and c.flags & H.REVIEWED][:3]
        direct_examples = history.examples.get("direct", [])[:3]
        observations = []
        if kinds:
            observations.append("Merge strategy observed: " + ", ".join(kinds) + ".")
        if share >= thresholds["reviewed_share_min"]:
            return self.passed(f"{len(reviewed)} of {len(line)} commits on the default branch arrived through "
                               "reviewed merges", signal=Signal.OBSERVED, measures=measures,
                               evidence=[commit_ref(c) for c in examples], observations=observations,
                               not_determinable=PLATFORM_QUESTIONS)
        topic_examples = [c for c in history.recent if c.flags & H.MAINLINE and c.flags & H.MERGE
                          and not c.flags & H.REVIEWED][:3]
        if (len(reviewed) + len(topics)) / len(line) >= thresholds["reviewed_share_min"] and len(topics) > direct:
            lead = (f"{len(topics)} of {len(line)} commits on the default branch merge branches that record no review "
                    f"(no pull-request number or Reviewed-by trailer); {direct} were direct commits")
            process = _offline_review(tree)
            evidence = [commit_ref(c, "merges a topic branch: " + c.subject[:90]) for c in topic_examples]
            if process:
                path, line_no, what = process
                return self.passed(lead + f"; review happens outside the repository ({what}, {path})",
                                   signal=Signal.EXTERNAL, measures=measures, observations=observations,
                                   evidence=evidence + [Evidence(path=path, line=line_no, note=what)],
                                   not_determinable=PLATFORM_QUESTIONS + (
                                       "Reviews on the mailing list or patch tracker, which git does not record",))
            return self.failed(lead, measures=measures, evidence=evidence, observations=observations,
                               missing=("Review recorded with each merge (pull request, Reviewed-by trailer)",),
                               not_determinable=PLATFORM_QUESTIONS)
        return self.failed(f"{direct} of {len(line)} commits on the default branch were direct commits",
                           measures=measures, evidence=[commit_ref(c, "direct commit: " + c.subject[:100])
                                                        for c in direct_examples],
                           observations=observations,
                           missing=("Pull-request workflow for every change", "Required reviewers (number and role)",
                                    "Merge strategy (squash, rebase, merge commit)"),
                           not_determinable=PLATFORM_QUESTIONS)


_LONG_LIVED = re.compile(r"^(?:(?:origin|upstream)/)?(?:stable|main|master|develop|development|dev|trunk|next|maint"
                         r"|release|releases|production|staging|\d+(?:\.\d+)*(?:[.-]x)?|\d+-\d+-stable"
                         r"|(?:release|maint|stable|hotfix)[-/][\w.-]+)$", re.IGNORECASE)


def _back_merges(history, n: int) -> set[int]:
    """Indices, among the newest ``n`` first-parent commits, that merge a long-lived branch back in."""
    line = [c for c in history.recent if c.flags & H.MAINLINE][:n]
    indices = history.mainline(n)
    if len(line) != len(indices):
        return set()  # the recent window does not cover the line: no subjects to read
    out = set()
    for i, c in zip(indices, line):
        branch = H._merged_branch(c.subject) if c.flags & H.MERGE else None
        if branch and not c.flags & H.REVIEWED and _LONG_LIVED.match(branch.split(" of ")[0].strip()):
            out.add(i)
    return out


_PATCH_REVIEW = re.compile(
    r"\b(?:send|sen[dt]|submit\w*|post\w*|mail\w*)\b[^\n]{0,80}\bpatch(?:es)?\b[^\n]{0,120}\bmailing[- ]list\b"
    r"|\bmailing[- ]list\b[^\n]{0,160}\breview"
    r"|\breview\w*\b[^\n]{0,120}\bon the mailing[- ]list\b", re.IGNORECASE)
_PATCH_GUIDES = ("Documentation/SubmittingPatches", "SubmittingPatches", "Documentation/process/submitting-patches.rst",
                 "docs/SubmittingPatches", "HACKING", "CONTRIBUTING.md", ".github/CONTRIBUTING.md", "CONTRIBUTING.rst",
                 "Documentation/MyFirstContribution.adoc", "Documentation/MyFirstContribution.txt")


def _offline_review(tree) -> tuple[str, int | None, str] | None:
    """(path, line, what) of a document that sends changes to review on a mailing list, or None."""
    for name in _PATCH_GUIDES:
        path = tree.first(name)
        text = tree.read_text(path) if path else None
        if text:
            m = _PATCH_REVIEW.search(text)
            if m:
                return path, line_of(text, _PATCH_REVIEW), "patches are reviewed on a mailing list"
    return None


class REV002(Rule):
    """Ownership of the code is declared in CODEOWNERS.

    Looks for ``CODEOWNERS`` at the root, in ``.github/``, ``docs/`` or ``.gitlab/``
    and measures what share of the tree its patterns cover.

    ## Why it matters
    Without declared owners, reviews are requested from whoever is at hand and no one is accountable for an area.

    ## How to fix
    Add `.github/CODEOWNERS` mapping each top-level directory to the people or team that review it.
    """

    area = "review"
    effort = Effort.HOUR
    aspect = Aspect.DOCUMENTATION
    thresholds = {"coverage_min": 0.5}

    def check(self, tree, thresholds):
        path = tree.first(*CODEOWNERS)
        if not path:
            return self.failed("no CODEOWNERS file", missing=("Code owners per directory (CODEOWNERS)",))
        text = tree.read_text(path) or ""
        patterns = []
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#") and len(line.split()) >= 2:
                patterns.append(line.split()[0])
        covered = _covered(tree.paths, patterns)
        share = covered / len(tree.paths) if tree.paths else 0.0
        measures = [Measure("tree covered by CODEOWNERS", round(share, 2), "%", thresholds["coverage_min"]),
                    Measure("owner rules", len(patterns))]
        if share >= thresholds["coverage_min"]:
            return self.passed(f"{path} assigns owners to {covered} of {len(tree.paths)} files",
                               signal=Signal.DOCUMENTED, evidence=[Evidence(path=path)], measures=measures)
        return self.failed(f"{path} covers only {covered} of {len(tree.paths)} files",
                           evidence=[Evidence(path=path)], measures=measures,
                           missing=("Owners for the rest of the tree",))


def _covered(paths, patterns) -> int:
    import fnmatch
    import re

    rxs = []
    for p in patterns[:500]:
        anchored = p.startswith("/")
        p = p.lstrip("/")
        if p.endswith("/"):
            p += "**"
        if "/" not in p.rstrip("*"):
            anchored = False
        rx = fnmatch.translate(p).replace(".*", ".*")
        rxs.append(re.compile(rx if anchored else r"(?:.*/)?" + rx))
        if not p.endswith("**") and "." not in p.rsplit("/", 1)[-1]:
            rxs.append(re.compile((r"" if anchored else r"(?:.*/)?") + re.escape(p.rstrip("/")) + r"/.*"))
    if "*" in patterns:
        return len(paths)
    return sum(1 for path in paths if any(rx.match(path) for rx in rxs))


class REV003(Rule):
    """Pull requests follow a template with a review checklist.

    Looks for pull- or merge-request templates and counts their checklist items.

    ## Why it matters
    A template turns "looks good to me" into a review against the team's standards — tests, docs, risk.

    ## How to fix
    Add `.github/PULL_REQUEST_TEMPLATE.md` with a summary, a testing section and the Definition of Done as a checklist.
    """

    area = "review"
    effort = Effort.HOUR
    aspect = Aspect.DOCUMENTATION

    def check(self, tree):
        found = tree.glob(*PR_TEMPLATES)
        if not found:
            return self.failed("no pull-request or merge-request template",
                               missing=("Pull-request template", "Review checklist (code quality, tests, docs, security)"))
        evidence, items = [], 0
        for p in found[:5]:
            text = tree.read_text(p) or ""
            n = text.count("- [ ]") + text.count("- [x]") + text.count("* [ ]")
            items += n
            evidence.append(Evidence(path=p, line=line_of(text, "- [ ]"), note=f"{n} checklist items"))
        if items:
            return self.passed(f"pull-request template with {items} checklist items", signal=Signal.DOCUMENTED,
                               evidence=evidence, measures=[Measure("checklist items", items)])
        return self.passed("pull-request template without a checklist", signal=Signal.AD_HOC, evidence=evidence,
                           observations=("The template has no `- [ ]` checklist for reviewers to tick.",))


_ALSO_FORMATS = {"Biome", "Deno"}


class REV004(Rule):
    """Code standards are enforced by linters and formatters.

    Looks for linter, formatter and type-checker configuration (ESLint, Prettier,
    Ruff, flake8, golangci-lint, rustfmt, EditorConfig, TypeScript ``strict`` …)
    and whether anything enforces them: a CI lint stage or a pre-commit hook. A
    linter that only runs when someone remembers, with no formatter beside it,
    is listed as missing — as the seed audit lists "ESLint config minimal,
    Prettier not configured".

    ## Why it matters
    Machine-checked standards keep reviews on design and behaviour instead of style.

    ## How to fix
    Configure a formatter beside the linter (Prettier, Ruff format, gofmt) and run both in CI and a pre-commit hook.
    """

    area = "review"
    effort = Effort.DAY
    aspect = Aspect.IMPLEMENTATION

    def check(self, tools, ci, tree):
        linters = tools.in_category("linter", "typechecker")
        # Biome (and Deno) format as well as lint: one configuration is both.
        formatters = tools.in_category("formatter") + [(n, ev) for n, ev in linters if n in _ALSO_FORMATS]
        stages = ci.stage_map()
        enforced = [(p.path, s) for p, s in stages.get("lint", []) + stages.get("format", [])]
        hooks = list(ci.precommit)
        evidence = [ev for _, ev in (linters + formatters)[:8]]
        evidence += [Evidence(path=path, line=s.line, note=f"CI job {s.job}") for path, s in enforced[:3]]
        evidence += [Evidence(path=h.path, note=f"{h.kind} hook") for h in hooks[:2]]
        obs = []
        tsconfig = tree.first("tsconfig.json")
        if tsconfig:
            text = tree.read_text(tsconfig) or ""
            strict = '"strict":true' in "".join(text.split())
            obs.append(f"TypeScript strict mode is {'on' if strict else 'off'} in {tsconfig}.")
        names = sorted({n for n, _ in linters + formatters})
        if (linters or formatters) and (enforced or hooks):
            how = "CI" if enforced else "a pre-commit hook"
            return self.passed(f"{', '.join(names)} configured and enforced by {how}", signal=Signal.AUTOMATED,
                               evidence=evidence, observations=obs)
        missing = []
        if not linters:
            missing.append("Linting rules")
        if not formatters:
            missing.append("Code formatting (e.g. Prettier, Ruff format)")
        missing.append("Lint and format checks in CI or a pre-commit hook")
        if linters and formatters:
            return self.passed(f"{', '.join(names)} configured, but nothing enforces them", signal=Signal.AD_HOC,
                               evidence=evidence, observations=obs, missing=missing[-1:])
        if linters or formatters:
            return self.failed(f"only {', '.join(names)} configured, with no formatter and nothing enforcing it"
                               if not formatters else f"only {', '.join(names)} configured, with no linter",
                               evidence=evidence, observations=obs, missing=missing)
        return self.failed("no linter or formatter configuration", observations=obs, missing=missing)


class REV005(Rule):
    """Work happens on feature branches that are merged back.

    Counts merged branch names in merge subjects (``Merge pull request #N from
    org/feature-x``, ``Merge branch 'feature/x'``) and squash-merged pull requests
    (subjects ending ``(#N)``, each a branch merged as one commit) in the whole history.

    ## Why it matters
    Feature branches keep unfinished work off the default branch and give each change a place to be reviewed.

    ## How to fix
    Create a short-lived branch per change (`feature/…`, `fix/…`) and merge it through a pull request.
    """

    area = "review"
    effort = Effort.DAY
    aspect = Aspect.IMPLEMENTATION

    def check(self, history):
        branches = history.branch_names
        squashed = history.count(flags_all=H.SQUASH_PR) + history.count(flags_all=H.MR_MERGE, flags_none=H.MERGE)
        n = sum(branches.values()) + squashed
        merges = history.count(flags_all=H.MERGE)
        prefixes = sorted({b.split("/", 1)[0] for b in branches if "/" in b})[:8]
        measures = [Measure("merged branches", sum(branches.values())), Measure("squash-merged pull requests", squashed),
                    Measure("merge commits", merges)]
        if n >= 3:
            ex = [commit_ref(c) for c in history.recent
                  if c.flags & (H.PR_MERGE | H.BRANCH_MERGE | H.SQUASH_PR | H.MR_MERGE)][:3]
            obs = [f"Branch prefixes in use: {', '.join(prefixes)}."] if prefixes else []
            return self.passed(f"{n} branch merges in the history", signal=Signal.OBSERVED, evidence=ex,
                               measures=measures, observations=obs)
        return self.failed("no evidence of feature branches: no branch or pull-request merges in the history",
                           measures=measures, missing=("Feature-branch workflow",))
