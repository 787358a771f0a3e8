"""Release process (seed 002): versions, cadence, release notes, tooling, and DORA-style proxies.

Releases are read from the tags reachable from the audited revision; a tag that
is a semver pre-release (``-rc.1``, ``-beta``) is not counted as a release when
final releases exist. The four DORA figures are computed from git alone and are
labelled as proxies everywhere: a tag is not a deployment, and a commit's author
date is not the moment its change was ready.
"""

from __future__ import annotations

import bisect
import re
from itertools import pairwise
from statistics import median

from auditor.facts import history as H
from auditor.facts import paths as P
from auditor.model import Effort, Evidence, Measure, Signal
from auditor.rule import Rule
from auditor.rules._history import commit_ref as _commit_ref
from auditor.rules._history import thin_history as _thin

DAY = 86_400
MAX_SCAN_FILES = 300
MAX_SCAN_BYTES = 256 * 1024
_DOC_EXTS = (".md", ".mdx", ".rst", ".adoc", ".txt")
_REVERTS_COMMIT = re.compile(r"This reverts commit ([0-9a-f]{7,40})", re.IGNORECASE)
#: Version numbers that are neither strict semver nor calver: ``2.0``, ``release-1.4``, ``v10.2.1.3``,
#: ``rel/commons-lang-3.20.0``.
_VERSION_LIKE = re.compile(r"^(?:[A-Za-z][\w./-]*?[-/@_]?)?v?\d+(?:\.\d+){1,3}(?:[-+.]?[0-9A-Za-z.-]+)?$")
#: Pre-release suffixes in every spelling: ``-rc0``, ``-RC2``, ``.beta1`` (Rails), ``-alpha``, ``b1`` (PEP 440).
_PRERELEASE = re.compile(r"(?:[-._+]|(?<=\d))(?:alpha|beta|rc|pre|preview|dev|snapshot|milestone|m(?=\d)|a(?=\d)"
                         r"|b(?=\d)|c(?=\d))[-._]?\d*(?:[-._+][0-9A-Za-z]+)*$", re.IGNORECASE)
#: What names a tag series: everything before the version number (``ignore-`` in ``ignore-0.4.33``).
_SERIES = re.compile(r"^(.*?)v?\d+(?:[._]\d+)+")


def _versioned(t) -> bool:
    return t.scheme in ("semver", "calver") or bool(_VERSION_LIKE.match(t.name))


def _prerelease(t) -> bool:
    return t.prerelease or bool(_PRERELEASE.search(t.name))


def _series(t) -> str:
    m = _SERIES.match(t.name)
    return m.group(1).rstrip("-_/@ .").lower() if m else ""


def _main_series(versioned: list) -> tuple[str | None, list[str]]:
    """The tag series that versions the product, and the other series beside it.

    A workspace tags its components too (ripgrep's ``ignore-0.4.33`` and ``globset-0.4.20`` beside
    ripgrep's own ``15.2.0``): the series without a prefix is the product's when it has releases;
    otherwise the one with the most recent final release (commons-lang's ``rel/commons-lang-3.20.0``
    after its older ``commons-lang-3.11`` tags).
    """
    finals: dict[str, list] = {}
    for t in versioned:
        if not _prerelease(t):
            finals.setdefault(_series(t), []).append(t)
    if len(finals) <= 1:
        return (next(iter(finals)) if finals else None), []
    main = "" if len(finals.get("", [])) >= 2 else max(finals, key=lambda k: (finals[k][-1].time, len(finals[k])))
    return main, sorted((k for k in finals if k != main), key=lambda k: -len(finals[k]))


def _finals_elsewhere(versioned: list, final: list) -> bool:
    """Whether pre-releases kept coming for more than a year after the last reachable final release."""
    pre = [t for t in versioned if _prerelease(t)]
    return bool(final and pre and not _prerelease(final[-1]) and pre[-1].time - final[-1].time > 365 * DAY)


FINALS_ELSEWHERE = ("Only pre-releases (beta, rc) are tagged on the audited branch since {last}: final releases "
                    "are likely tagged on release branches, which this audit does not read.")


def _releases(tags, as_of) -> list:
    """Releases dated up to the audit date, oldest first, one per commit.

    Version-numbered tags that are not pre-releases, when there are any (so markers
    such as ``1.x`` or ``deploy-staging`` are not counted); otherwise every tag. Of
    several tag series, only the product's (see :func:`_main_series`).
    """
    dated = sorted((t for t in tags if t.time <= as_of.ts), key=lambda t: (t.time, t.name))
    versioned = [t for t in dated if _versioned(t)]
    main, _ = _main_series(versioned)
    final = [t for t in versioned if not _prerelease(t) and (main is None or _series(t) == main)] \
        or versioned or dated
    if _finals_elsewhere(versioned, final):
        # Rails tags its final releases on stable branches: from main only the betas and release
        # candidates are reachable, and they are the branch's release markers.
        final = sorted(final + [t for t in versioned if _prerelease(t) and t.time > final[-1].time],
                       key=lambda t: (t.time, t.name))
    seen, out = set(), []
    for t in final:
        if t.commit not in seen:
            seen.add(t.commit)
            out.append(t)
    return out


def _n(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def _tag_ref(t, note: str | None = None) -> Evidence:
    return Evidence(tag=t.name, date=t.date, note=note)


def _no_tags_skip(rule: Rule, what: str):
    return rule.skip(f"no release tags in the repository, so the {what} cannot be measured from git",
                     not_determinable=(("Deployments made by the hosting platform (e.g. deploys on every push), "
                                        "which git does not record"),))


class REL001(Rule):
    """Releases are tagged with a consistent version scheme.

    Reads the tags reachable from the audited revision and classifies their names
    as semantic versions (``v1.2.3``), calendar versions (``2025.10``) or other.
    Of several tag series (a workspace's ``ignore-0.4.33`` beside ripgrep's
    ``15.2.0``) the product's is the one its releases are read from; pre-releases
    in any spelling (``-rc1``, ``.beta1``, ``b1``) are not releases, unless the
    branch reaches nothing else (Rails tags its finals on stable branches).

    ## Why it matters
    Without version tags nobody can say which code is in production, what changed between two releases, or what to roll back to.

    ## How to fix
    Tag every release on the default branch with a semantic version (`git tag -a v1.4.0 -m "Release 1.4.0"`) and push the tags, ideally from release tooling rather than by hand.
    """

    area = "release"
    effort = Effort.HOUR
    weight = 1.0
    thresholds = {"scheme_share_min": 0.8}

    def check(self, tags, manifests, as_of, thresholds):
        versions = [f"{m.path} declares version {m.version}" for m in
                    sorted(manifests.manifests, key=lambda m: (m.path.count("/"), m.path)) if m.version][:2]
        tags = [t for t in tags if t.time <= as_of.ts]
        if not tags:
            obs = [f"{v}, but no release is tagged." for v in versions]
            return self.failed("no release tags in the repository: releases are not marked in git",
                               observations=obs,
                               missing=("Version tags (e.g. v1.2.0)", "Versioning scheme (semver)"))
        n = len(tags)
        count = sum(1 for t in tags if _versioned(t))
        semver = sum(1 for t in tags if t.scheme == "semver")
        calver = sum(1 for t in tags if t.scheme == "calver")
        scheme = ("semantic versioning" if semver >= count / 2 else "calendar versioning" if calver >= count / 2
                  else "numbered versions")
        share = count / n
        annotated = sum(1 for t in tags if t.annotated)
        pre = sum(1 for t in tags if _prerelease(t))
        newest = sorted(tags, key=lambda t: (t.time, t.name))[-3:][::-1]
        latest = (_releases(tags, as_of) or newest[::-1])[-1]   # the latest final release of the product's series
        age = max(0, (as_of.ts - newest[0].time) // DAY)
        measures = [Measure("tags", n), Measure("version-numbered tags", round(share, 2), "%",
                                                 thresholds["scheme_share_min"]),
                    Measure("semver tags", semver),
                    Measure("annotated tags", annotated), Measure("days since the latest tag", age, "days")]
        obs = []
        if pre:
            obs.append(f"{pre} of {n} tags are pre-releases (alpha, beta, rc).")
        versioned = sorted((t for t in tags if _versioned(t)), key=lambda t: (t.time, t.name))
        finals = [t for t in versioned if not _prerelease(t)]
        if _finals_elsewhere(versioned, finals):
            obs.append(FINALS_ELSEWHERE.format(last=f"{finals[-1].name} ({finals[-1].date})"))
        main, others = _main_series([t for t in tags if _versioned(t)])
        if others:
            obs.append(f"Releases are read from the {f'{main!r} ' if main else 'unprefixed '}tag series; "
                       f"{len(others)} other tag series ({', '.join(others[:4])}{' …' if len(others) > 4 else ''}) "
                       "are not counted: they version components of the repository or follow an older naming.")
        evidence = [_tag_ref(t) for t in newest]
        if share >= thresholds["scheme_share_min"]:
            return self.passed(f"{count} of {n} tags are version numbers ({scheme}); the latest release is "
                               f"{latest.name} ({latest.date})", signal=Signal.OBSERVED, evidence=evidence,
                               measures=measures, observations=obs)
        return self.failed(f"only {count} of {n} tags are version numbers; the rest follow no version scheme",
                           evidence=evidence, measures=measures, observations=obs,
                           missing=("Consistent versioning scheme (semver)",))


class REL002(Rule):
    """Releases ship at a regular cadence.

    Measures the median number of days between consecutive releases (final
    version tags) over the last year, and the days since the latest release.

    ## Why it matters
    Irregular, infrequent releases batch many changes together, which makes each release riskier and its date hard to forecast.

    ## How to fix
    Pick a release rhythm the team can keep (every two weeks for a service, at least quarterly for a library), put it in `RELEASING.md`, and cut a tagged release on that schedule even when it is small.
    """

    area = "release"
    effort = Effort.ONGOING
    weight = 1.0
    thresholds = {"window_days": 365, "median_days_max": 90, "stale_days": 180}

    def check(self, tags, as_of, thresholds):
        rel = _releases(tags, as_of)
        if not rel:
            return _no_tags_skip(self, "release cadence")
        days = int(thresholds["window_days"])
        win = f"last {days} days"
        recent = [t for t in rel if t.time >= as_of.days_ago(days)]
        age = max(0, (as_of.ts - rel[-1].time) // DAY)
        measures = [Measure("releases", len(recent), window=win),
                    Measure("days since the latest release", age, "days", thresholds["stale_days"])]
        evidence = [_tag_ref(t) for t in rel[-3:][::-1]]
        versioned = [t for t in sorted(tags, key=lambda t: (t.time, t.name)) if t.time <= as_of.ts and _versioned(t)]
        finals = [t for t in versioned if not _prerelease(t)]
        elsewhere = ([FINALS_ELSEWHERE.format(last=f"{finals[-1].name} ({finals[-1].date})")]
                     if _finals_elsewhere(versioned, finals) else [])
        if len(recent) < 2:
            return self.failed(f"{_n(len(recent), 'release')} in the {win}; the latest, {rel[-1].name}, is "
                               f"{age} days old", observations=elsewhere,
                               evidence=evidence, measures=measures, missing=("Regular release cadence",),
                               not_determinable=(("Releases tagged on release branches that the audited revision "
                                                  "does not reach"),) if elsewhere else ())
        gaps = [(b.time - a.time) / DAY for a, b in pairwise(recent)]
        med = round(median(gaps), 1)
        measures.insert(1, Measure("median days between releases", med, "days", thresholds["median_days_max"], win))
        obs = [f"Release intervals ranged from {min(gaps):.0f} to {max(gaps):.0f} days in the {win}."] + elsewhere
        if med > thresholds["median_days_max"]:
            return self.failed(f"{len(recent)} releases in the {win}, a median of {med:g} days apart",
                               evidence=evidence, measures=measures, observations=obs,
                               missing=("Regular release cadence",))
        if age > thresholds["stale_days"]:
            return self.failed(f"no release for {age} days since {rel[-1].name} ({rel[-1].date})",
                               evidence=evidence, measures=measures, observations=obs,
                               missing=("Regular release cadence",))
        return self.passed(f"{len(recent)} releases in the {win}, a median of {med:g} days apart",
                           signal=Signal.OBSERVED, evidence=evidence, measures=measures, observations=obs)


_NOTES_TOOLS = {"release-please", "semantic-release", "Changesets", "git-cliff", "towncrier", "Release Drafter",
                "GitHub release notes", "conventional-changelog", "standard-version", "release-plz",
                "python-semantic-release", "GoReleaser", "JReleaser"}


class REL003(Rule):
    """Every release has a CHANGELOG entry or release notes.

    Looks for a changelog or release notes (``CHANGELOG.md``, ``docs/release-notes.md``,
    ``.changeset/``, ``changelog.d/``) and for tools that generate notes
    (release-please, semantic-release, changesets, git-cliff, towncrier, Release
    Drafter). With tags, it counts the release intervals in which a commit touched
    the changelog; without, the share of feature commits that touched it.

    ## Why it matters
    Without release notes, users and support cannot tell what changed, and the team cannot trace a regression to a release.

    ## How to fix
    Add `CHANGELOG.md` in Keep a Changelog format (or `docs/release-notes.md` with summary, new features, fixes, known issues and upgrade notes) and update it in every release.
    """

    area = "release"
    effort = Effort.HOUR
    weight = 1.0
    #: The changelog file is judged even on a short history; only the update habit needs commits.
    min_history = 1
    thresholds = {"release_coverage_min": 0.6, "feature_share_min": 0.3, "window_days": 365, "releases_checked": 10}

    def check(self, tree, history, tags, tools, as_of, thresholds):
        logs = [p for p in tree.paths if P.is_changelog(p) and not P.is_vendored(p)]
        logs.sort(key=lambda p: (p.count("/"), p))
        generators = [(n, ev) for n, ev in tools.in_category("release-tooling") if n in _NOTES_TOOLS]
        days = int(thresholds["window_days"])
        since = as_of.days_ago(days)
        thin = _thin(history, 10, since)
        feats = [] if thin else list(history.indices(since=since, until=as_of.ts, flags_all=H.FEAT,
                                                     flags_none=H.MERGE))
        with_log = sum(1 for i in feats if history.flags[i] & H.TOUCH_CHANGELOG)
        measures = []
        if feats:
            measures.append(Measure("feature commits that update the changelog", round(with_log / len(feats), 2),
                                    "%", thresholds["feature_share_min"], f"last {days} days"))
        evidence = [Evidence(path=p) for p in logs[:4]] + [ev for _, ev in generators[:3]]
        if not logs and not generators:
            return self.failed("no CHANGELOG, release notes or release-notes generator", measures=measures,
                               missing=("CHANGELOG.md or release notes per version",
                                        "Known issues and upgrade notes per release"),
                               not_determinable=("Release notes written on the hosting platform (GitHub Releases)",))
        if not logs:
            names = ", ".join(sorted({n for n, _ in generators}))
            return self.passed(f"release notes are generated by {names}", signal=Signal.AUTOMATED,
                               evidence=evidence, measures=measures)
        rel = [] if thin else _releases(tags, as_of)
        checked = int(thresholds["releases_checked"])
        if thin:
            return self.passed(f"{logs[0]} records the changes", signal=Signal.DOCUMENTED, evidence=evidence,
                               observations=(f"Whether it is kept up to date is not judged: {thin}.",))
        if len(rel) >= 2:
            pairs = list(pairwise(rel))[-checked:]
            covered = sum(1 for a, b in pairs if any(history.flags[i] & H.TOUCH_CHANGELOG for i in
                                                     history.indices(since=a.time + 1, until=b.time + 3600)))
            share = covered / len(pairs)
            measures.insert(0, Measure("releases whose interval updated the changelog", round(share, 2), "%",
                                       thresholds["release_coverage_min"], f"last {len(pairs)} releases"))
            if share >= thresholds["release_coverage_min"] or generators:
                return self.passed(f"{logs[0]} was updated for {covered} of the last {len(pairs)} releases",
                                   signal=Signal.DOCUMENTED, evidence=evidence, measures=measures)
            return self.passed(f"{logs[0]} exists but was updated for only {covered} of the last {len(pairs)} "
                               "releases", signal=Signal.AD_HOC, evidence=evidence, measures=measures,
                               missing=("Changelog entry in every release",))
        if generators or (feats and with_log / len(feats) >= thresholds["feature_share_min"]):
            return self.passed(f"{logs[0]} is kept up to date with the changes", signal=Signal.DOCUMENTED,
                               evidence=evidence, measures=measures)
        detail = f"only {with_log} of {len(feats)} feature commits in the last {days} days touched it" if feats \
            else f"no feature commit in the last {days} days touched it"
        return self.passed(f"{logs[0]} exists, but {detail}", signal=Signal.AD_HOC, evidence=evidence,
                           measures=measures, missing=("Changelog entry in every release",))


_RELEASE_DOC = re.compile(r"(^|/)(releasing|release|release[-_]process|how[-_]to[-_]release|release[-_]checklist"
                          r"|release[-_]guide|publishing)\.(md|mdx|rst|adoc|txt)$", re.IGNORECASE)


class REL004(Rule):
    """Releases are cut by tooling, or at least by a written procedure.

    Looks for release tooling (semantic-release, release-please, changesets,
    GoReleaser, Commitizen, release-it, towncrier, cargo-release …) among the
    dependencies and configuration files, CI jobs classified as releasing or
    triggered by tags that publish or deploy (a test matrix that also runs on
    tags cuts no release), and a written release procedure (``RELEASING.md``,
    ``docs/release-process.md``).

    ## Why it matters
    A release that depends on one person remembering the steps is slow, error-prone and blocks when that person is away.

    ## How to fix
    Add `.github/workflows/release.yml` running release-please (or changesets, semantic-release, GoReleaser for Go) so every merge to main proposes the next version, tag and changelog.
    """

    area = "release"
    effort = Effort.DAY
    weight = 1.0

    def check(self, tools, ci, tree):
        found = tools.in_category("release-tooling")
        evidence = [ev for _, ev in found[:5]]
        names = sorted({n for n, _ in found})
        jobs = ci.stage_map().get("release", [])
        evidence += [Evidence(path=p.path, line=s.line, note=f"CI job {s.job}") for p, s in jobs[:3]]
        # A pipeline that runs on tags releases only if it publishes or deploys something: git's
        # .gitlab-ci.yml runs its test matrix on tags, which cuts no release.
        tagged = [p for p in ci.pipelines if set(p.triggers) & {"tag", "release"}
                  and any(st.stages & {"release", "deploy"} for st in p.steps)]
        evidence += [Evidence(path=p.path, note="CI runs on tags or releases") for p in tagged[:2]
                     if all(e.path != p.path for e in evidence)]
        docs = [p for p in tree.paths if _RELEASE_DOC.search(p) and not P.is_vendored(p)]
        if names or jobs or tagged:
            what = ", ".join(names) if names else "a CI release job"
            return self.passed(f"releases are automated with {what}", signal=Signal.AUTOMATED,
                               evidence=evidence + [Evidence(path=p, note="release procedure") for p in docs[:2]])
        if docs:
            return self.passed(f"the release procedure is written down in {docs[0]}, but no tool runs it",
                               signal=Signal.DOCUMENTED, evidence=[Evidence(path=p) for p in docs[:3]],
                               missing=("Release automation",))
        return self.failed("no release tooling, release job in CI or written release procedure",
                           missing=("Release automation (release-please, semantic-release, changesets, goreleaser)",
                                    "Release procedure (RELEASING.md)"))


class REL005(Rule):
    """Commit messages follow Conventional Commits, so changelogs and versions can be derived.

    Measures the share of the newest non-merge commits whose subject follows
    Conventional Commits (``feat:``, ``fix(api):`` …) and whether a hook or CI
    check enforces it (commitlint, Commitizen, a Husky ``commit-msg`` hook). A
    convention in a repository that tags no release is reported but not scored.

    ## Why it matters
    Free-form commit messages cannot be turned into release notes or version bumps automatically, so every release needs manual bookkeeping.

    ## How to fix
    Adopt Conventional Commits and enforce them with `commitlint.config.js` and a Husky `commit-msg` hook (or a commitlint CI check on pull requests).
    """

    area = "release"
    effort = Effort.HOUR
    weight = 0.25
    thresholds = {"window": 200, "conventional_share_min": 0.7}

    def check(self, history, tags, tools, tree, ci, as_of, thresholds):
        window = int(thresholds["window"])
        idx = []
        for i in history.indices(until=as_of.ts, flags_none=H.MERGE):
            idx.append(i)
            if len(idx) >= window:
                break
        if len(idx) < 5:
            return self.skip(f"too little history: {len(idx)} non-merge commits")
        conv = sum(1 for i in idx if history.flags[i] & H.CONVENTIONAL)
        share = conv / len(idx)
        win = f"last {len(idx)} non-merge commits"
        measures = [Measure("conventional commits", round(share, 2), "%", thresholds["conventional_share_min"], win)]
        enforcers = [ev for n, ev in tools.in_category("linter", "release-tooling")
                     if n in ("commitlint", "Commitizen")]
        if tree.exists(".husky/commit-msg"):
            enforcers.append(Evidence(path=".husky/commit-msg", note="commit-msg hook"))
        for p in ci.pipelines:
            for s in p.steps:
                if "commitlint" in s.text.lower():
                    enforcers.append(Evidence(path=p.path, line=s.line, note=f"CI job {s.job}"))
                    break
        examples = [_commit_ref(c) for c in history.recent
                    if not c.is_merge and c.flags & H.CONVENTIONAL and c.time <= as_of.ts][:2]
        if share >= thresholds["conventional_share_min"] and not _releases(tags, as_of):
            # A convention nothing is released from is not a release practice: note it, do not score it.
            return self.skip(f"{conv} of {len(idx)} commits follow Conventional Commits, but no release is tagged, "
                             "so no changelog or version is derived from them", measures=measures,
                             evidence=enforcers[:3] + examples)
        if share >= thresholds["conventional_share_min"]:
            signal = Signal.AUTOMATED if enforcers else Signal.OBSERVED
            how = "enforced by " + ", ".join(sorted({e.note or e.path for e in enforcers})) if enforcers \
                else "by habit, without a commit-message check"
            return self.passed(f"{conv} of {len(idx)} commits follow Conventional Commits, {how}", signal=signal,
                               evidence=enforcers[:3] + examples, measures=measures)
        obs = ["A commit-message check is configured but most commits do not follow it."] if enforcers else []
        sample = [_commit_ref(c, "free-form subject: " + c.subject[:100]) for c in history.recent
                  if not c.is_merge and not c.flags & H.CONVENTIONAL and c.time <= as_of.ts][:2]
        return self.failed(f"{conv} of {len(idx)} commits follow Conventional Commits", measures=measures,
                           evidence=enforcers[:3] + sample, observations=obs,
                           missing=("Commit message convention (Conventional Commits)",))


_DEBT = re.compile(r"(^|/)[^/]*(tech[-_ ]?debt|technical[-_ ]debt)[^/]*$|(^|/)(debt|tech-debt)/", re.IGNORECASE)


class REL006(Rule):
    """Technical debt is logged where it can be prioritised.

    Looks for a tech-debt log by name (``docs/tech-debt.md``, ``TECH_DEBT.md``,
    ``docs/technical-debt/``).

    ## Why it matters
    Debt that lives only in people's heads and code comments is never scheduled, so it grows until it slows every change.

    ## How to fix
    Add `docs/tech-debt.md` with a table of debt items (item, priority, effort, date added) and review it at each release: what was paid off, what comes next.
    """

    area = "release"
    effort = Effort.HOUR
    weight = 0.5

    def check(self, tree):
        found = [p for p in tree.paths if _DEBT.search(p) and p.lower().endswith(_DOC_EXTS) and not P.is_vendored(p)]
        if found:
            return self.passed(f"technical debt is logged in {found[0]}", signal=Signal.DOCUMENTED,
                               evidence=[Evidence(path=p) for p in found[:4]])
        return self.failed("no tech-debt log", missing=("Tech-debt log (item, priority, effort, date added)",))


_ROLLBACK_HEADING = re.compile(r"^#{1,6}\s*.*\broll(ing)?[- ]?backs?\b", re.IGNORECASE | re.MULTILINE)
_ROLLBACK_LINE = re.compile(r"^.*\b(roll(ing)?[- ]?backs?|revert(ing)? (a|the) (release|deploy(ment)?))\b.*$",
                            re.IGNORECASE | re.MULTILINE)
_RELEASE_TOPIC = re.compile(r"deploy|releas|rollback|roll[- ]back|production|incident|operations|\bops\b|"
                            r"on-?call|outage|version", re.IGNORECASE)
_ROLLBACK_CONTEXT = re.compile(r"\b(deploy|release|version|production|prod|previous)", re.IGNORECASE)


class REL007(Rule):
    """How to roll back a bad release is written down.

    Looks in the documentation (at most 300 files of 256 KB) for a rollback
    procedure: a heading about rolling back, or a line about rolling back or
    reverting a deploy, a release or a version. A rollback section in the runbook
    of one operation (a key rotation) is reported as ad hoc: it does not say how to
    restore the previous release. Applies to deployed software only.

    ## Why it matters
    Without a rehearsed rollback, a bad release stays in production while the fix is improvised.

    ## How to fix
    Add a "Rollback" section to `RELEASING.md` (or `docs/runbooks/rollback.md`) with the exact commands to restore the previous release (`vercel rollback`, or redeploying the previous tag) and how to roll back database migrations.
    """

    area = "release"
    effort = Effort.HOUR
    weight = 0.5

    def check(self, tree, project):
        if not project.deployed:
            return self.not_applicable(f"rolling back a deployment does not apply to a {project.label}; "
                                       "a bad release is superseded by a new version")
        docs = [p for p in tree.paths if p.lower().endswith(_DOC_EXTS) and not P.is_vendored(p)
                and not P.is_changelog(p)]
        docs.sort(key=lambda p: (0 if "rollback" in p.lower() else 1, p.count("/"), p))
        evidence, specific, read = [], [], 0
        for p in docs:
            if read >= MAX_SCAN_FILES or len(evidence) >= 3:
                break
            text = tree.read_text(p, MAX_SCAN_BYTES)
            if text is None:
                continue
            read += 1
            m = _ROLLBACK_HEADING.search(text)
            if not m:
                m = next((x for x in _ROLLBACK_LINE.finditer(text) if _ROLLBACK_CONTEXT.search(x.group(0))), None)
            if m:
                ev = Evidence(path=p, line=text.count("\n", 0, m.start()) + 1, note=" ".join(m.group(0).split())[:100])
                title = next((ln.lstrip("#= ").strip() for ln in text.splitlines() if ln.startswith(("#", "= "))), "")
                # A rollback section of one operation's runbook (supabase's SAML key rotation) is not how
                # to roll back a bad release.
                said = re.sub(r"roll(ing)?[- ]?backs?", " ", m.group(0), flags=re.IGNORECASE)
                if _RELEASE_TOPIC.search(f"{p} {said}") or (title != m.group(0).lstrip("#= ").strip()
                                                              and _RELEASE_TOPIC.search(title)):
                    evidence.append(ev)
                elif len(specific) < 3:
                    specific.append((ev, title or p))
        if evidence:
            return self.passed(f"a rollback procedure is written down in {evidence[0].path}",
                               signal=Signal.DOCUMENTED, evidence=evidence)
        if specific:
            what = "; ".join(f"{ev.path} ({title[:60]})" for ev, title in specific)
            return self.passed(f"a rollback is written down only for specific operations ({what}), not for a "
                               "bad release", signal=Signal.AD_HOC, evidence=[ev for ev, _ in specific],
                               missing=("Rollback procedure (how to restore the previous release)",))
        return self.failed("no rollback procedure in the documentation",
                           missing=("Rollback procedure (how to restore the previous release)",))


class REL008(Rule):
    """Deployment frequency (proxy: release tags per week) is at least monthly.

    Counts final release tags in the last 90 days and divides by the weeks in
    the window. A tag is a proxy for a deployment: teams whose platform deploys
    every push (Vercel, Netlify …) deploy more often than their tags show.
    Applies to deployed software only.

    ## Why it matters
    Infrequent deployments batch changes into large, risky releases and delay feedback from users.

    ## How to fix
    Release smaller batches more often — at least every two weeks — with an automated release job that tags and deploys from the default branch.
    """

    area = "release"
    effort = Effort.ONGOING
    weight = 0.25
    thresholds = {"window_days": 90, "per_week_min": 0.25}

    def check(self, tags, project, as_of, thresholds):
        if not project.deployed:
            return self.not_applicable(f"deployment frequency applies to deployed software; this {project.label}'s "
                                       "release cadence is judged by REL002")
        rel = _releases(tags, as_of)
        if not rel:
            return _no_tags_skip(self, "deployment frequency")
        days = int(thresholds["window_days"])
        win = f"last {days} days"
        recent = [t for t in rel if t.time >= as_of.days_ago(days)]
        per_week = round(len(recent) / (days / 7), 2)
        measures = [Measure("deployment frequency proxy (release tags per week)", per_week, "per week",
                            thresholds["per_week_min"], win), Measure("release tags", len(recent), window=win)]
        evidence = [_tag_ref(t) for t in recent[-3:][::-1]] or [_tag_ref(rel[-1], "latest release")]
        if per_week >= thresholds["per_week_min"]:
            return self.passed(f"{len(recent)} releases in the {win}: a deployment-frequency proxy of "
                               f"{per_week:g} per week", signal=Signal.OBSERVED, evidence=evidence, measures=measures)
        return self.failed(f"{_n(len(recent), 'release')} in the {win}: a deployment-frequency proxy of "
                           f"{per_week:g} per week",
                           evidence=evidence, measures=measures,
                           not_determinable=("Deployments made by the hosting platform outside tagged releases",))


class REL009(Rule):
    """Lead time for changes (proxy: commit to first tag) is within a week.

    For each commit on the default branch's first-parent line in the last year,
    takes the first release tag dated at or after it and measures the days in
    between; reports the median. This is an approximation: it assumes a commit
    ships in the next tag along the mainline, and uses the author date.

    ## Why it matters
    A long wait between finishing a change and releasing it delays user feedback and makes each release bigger and riskier.

    ## How to fix
    Shorten the path from merge to release: release from the default branch on a short, fixed cadence with an automated release job, so merged work ships within days.
    """

    area = "release"
    effort = Effort.WEEK
    weight = 0.25
    thresholds = {"window_days": 365, "median_days_max": 7, "min_commits": 5}

    def check(self, history, tags, as_of, thresholds):
        rel = _releases(tags, as_of)
        if not rel:
            return _no_tags_skip(self, "lead time")
        days = int(thresholds["window_days"])
        times = [t.time for t in rel]
        leads, unreleased = [], 0
        for i in history.indices(since=as_of.days_ago(days), until=as_of.ts, flags_all=H.MAINLINE):
            k = bisect.bisect_left(times, history.times[i])
            if k == len(times):
                unreleased += 1
            else:
                leads.append((times[k] - history.times[i]) / DAY)
        win = f"first-parent commits of the last {days} days"
        if len(leads) < thresholds["min_commits"]:
            return self.skip(f"only {len(leads)} released commits in the last {days} days; "
                             "too few to measure lead time")
        med = round(median(leads), 1)
        measures = [Measure("lead time proxy (median days from commit to first tag)", med, "days",
                            thresholds["median_days_max"], win),
                    Measure("released commits measured", len(leads), window=win),
                    Measure("commits not yet in a release", unreleased, window=f"since {rel[-1].name}")]
        obs = [("Approximate: each commit is assigned to the first release tag dated after it on the default "
                "branch; author dates are used.")]
        if unreleased:
            obs.append(f"{unreleased} commits since {rel[-1].name} ({rel[-1].date}) are not yet in a release.")
        evidence = [_tag_ref(rel[-1], "latest release")]
        if med <= thresholds["median_days_max"]:
            return self.passed(f"changes reach a release tag in a median of {med:g} days (lead-time proxy)",
                               signal=Signal.OBSERVED, evidence=evidence, measures=measures, observations=obs)
        return self.failed(f"changes wait a median of {med:g} days for a release tag (lead-time proxy)",
                           evidence=evidence, measures=measures, observations=obs)


class REL010(Rule):
    """Change failure rate (proxy: reverts and hotfixes per release) is low.

    Counts revert and hotfix commits in the last year and divides by the number of
    releases in the same window. A revert or hotfix stands in for a failed change;
    fixes made without those words are not counted.

    ## Why it matters
    Frequent reverts and hotfixes mean changes reach production before they are ready, which costs users trust and the team unplanned work.

    ## How to fix
    Find what the reverted changes had in common and add the missing gate — an end-to-end test of the flow, a staging check or a feature flag — before release.
    """

    area = "release"
    effort = Effort.DAYS
    weight = 0.25
    min_history = 10
    thresholds = {"window_days": 365, "rate_max": 0.15, "min_history": 10}

    def check(self, history, tags, as_of, thresholds):
        rel = _releases(tags, as_of)
        if not rel:
            return _no_tags_skip(self, "change failure rate")
        days = int(thresholds["window_days"])
        win = f"last {days} days"
        since = as_of.days_ago(days)
        n_rel = sum(1 for t in rel if t.time >= since)
        if not n_rel:
            return self.skip(f"no release in the {win}, so there is no change failure rate to measure")
        thin = _thin(history, int(thresholds["min_history"]), since)
        if thin:
            return self.skip(thin)
        reverts = hotfixes = 0
        for i in history.indices(since=since, until=as_of.ts):
            f = history.flags[i]
            if f & H.REVERT:
                reverts += 1
            elif f & H.HOTFIX:
                hotfixes += 1
        rate = round((reverts + hotfixes) / n_rel, 2)
        measures = [Measure("change failure proxy (reverts and hotfixes per release)", rate, "", thresholds["rate_max"],
                            win), Measure("reverts", reverts, window=win), Measure("hotfixes", hotfixes, window=win),
                    Measure("releases", n_rel, window=win)]
        evidence = [_commit_ref(c) for c in history.recent
                    if c.flags & (H.REVERT | H.HOTFIX) and since <= c.time <= as_of.ts][:4]
        msg = (f"{_n(reverts, 'revert')} and {_n(hotfixes, 'hotfix', 'hotfixes')} against "
               f"{_n(n_rel, 'release')} in the {win}")
        if rate <= thresholds["rate_max"]:
            return self.passed(msg, signal=Signal.OBSERVED, evidence=evidence, measures=measures)
        return self.failed(msg, evidence=evidence, measures=measures)


class REL011(Rule):
    """Time to restore (proxy: hours from a commit to its revert) is under a day.

    For every revert in the last year whose message says ``This reverts commit
    <hash>`` and whose reverted commit is in the recent history, measures the hours
    between the two commits and reports the median.

    ## Why it matters
    A bad change that stays on the default branch for days keeps hurting users and blocks every release behind it.

    ## How to fix
    Make reverting the first response to a broken release: document it in the rollback runbook and alert on errors per release so a bad change is noticed within hours.
    """

    area = "release"
    effort = Effort.DAYS
    weight = 0.25
    thresholds = {"window_days": 365, "median_hours_max": 24}

    def check(self, history, as_of, thresholds):
        days = int(thresholds["window_days"])
        since = as_of.days_ago(days)
        by_hash = {c.hash: c for c in history.recent}
        pairs = []
        for c in history.recent:
            if not c.flags & H.REVERT or c.time < since or c.time > as_of.ts:
                continue
            m = _REVERTS_COMMIT.search(c.body)
            if not m:
                continue
            ref = m.group(1).lower()
            target = by_hash.get(ref) or next((x for x in history.recent if x.hash.startswith(ref)), None)
            if target is not None and c.time >= target.time:
                pairs.append((c, target, (c.time - target.time) / 3600))
        if not pairs:
            return self.skip(f"no revert in the last {days} days names a reverted commit in the history, so there "
                             "is no restore time to measure")
        hours = round(median(h for _, _, h in pairs), 1)
        win = f"reverts in the last {days} days"
        measures = [Measure("time to restore proxy (median hours from commit to revert)", hours, "hours",
                            thresholds["median_hours_max"], win), Measure("reverts measured", len(pairs), window=win)]
        evidence = [_commit_ref(c, f"reverted {t.hash[:8]} after " + (f"{h:.1f} hours" if h >= 1 else
                                                                      f"{h * 60:.0f} minutes"))
                    for c, t, h in pairs[:4]]
        if hours <= thresholds["median_hours_max"]:
            return self.passed(f"bad changes were reverted after a median of {hours:g} hours "
                               f"({_n(len(pairs), 'revert')})",
                               signal=Signal.OBSERVED, evidence=evidence, measures=measures)
        return self.failed(f"bad changes stayed a median of {hours:g} hours before being reverted "
                           f"({_n(len(pairs), 'revert')})",
                           evidence=evidence, measures=measures)
