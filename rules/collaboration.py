"""Team collaboration and knowledge: who knows the code, how decisions and conversations are kept.

People are the identities of the history after ``.mailmap`` (git applies it while
the history is read), with identities that share a name merged and bots left
out. Messages name people, never their e-mail addresses.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from auditor.facts import history as H
from auditor.facts import paths as P
from auditor.facts.tree import FileTree, line_of
from auditor.model import Effort, Evidence, Measure, Signal
from auditor.rule import Rule
from auditor.rules._text import fast
from auditor.rules.docs import adr_records, decision_logs, doc_files, plural, read_doc

_BOT = re.compile(r"\[bot\]|\b(ro)?bot\b|^(dependabot|renovate|github-actions|greenkeeper|snyk-bot|pre-commit-ci"
                  r"|allcontributors|semantic-release-bot|mergify|imgbot|codecov|web-flow)\b"
                  r"|(^|[-_.+])(ro)?bot@|[-_](ci|ro)?-?(ro)?bot@", re.IGNORECASE)
_LOCKFILE = re.compile(r"(-lock\.json|\.lock|-lock\.ya?ml|lock\.ya?ml|\.min\.(js|css)|\.snap|\.map)$", re.IGNORECASE)
_CONTAINERS = {"packages", "apps", "services", "crates", "modules", "plugins", "libs", "projects", "components"}


@dataclass
class People:
    """Author ids folded into people: same name (case-insensitive) = same person; bots apart."""

    key_of: list[str]              # author id -> person key
    name: dict[str, str]           # person key -> display name
    bots: set[str]
    merged: int                    # identities folded into another by name

    def person(self, author_id: int) -> str:
        return self.key_of[author_id]


def people(history: H.History) -> People:
    key_of: list[str] = []
    name: dict[str, str] = {}
    bots: set[str] = set()
    merged = 0
    for a in history.authors:
        display = " ".join(a.name.split()) or "(no name)"
        key = display.casefold() if a.name.strip() else f"<{a.email.lower()}>"
        if key in name:
            merged += 1
        else:
            name[key] = display
        if _BOT.search(a.name) or _BOT.search(a.email):
            bots.add(key)
        key_of.append(key)
    return People(key_of, name, bots, merged)


def _who(ppl: People, key: str) -> str:
    return ppl.name.get(key, "(unnamed author)")


def _names(ppl: People, keys, limit: int = 4) -> str:
    keys = list(keys)
    shown = [ppl.name[k] for k in keys[:limit]]
    if len(keys) > limit:
        shown.append(f"{len(keys) - limit} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _newest_commit_by(history: H.History, ppl: People, key: str) -> H.Commit | None:
    for c in history.recent:
        if (" ".join(c.author.split()) or "(no name)").casefold() == key or f"<{c.email.lower()}>" == key:
            return c
    return None


def _identity_notes(tree: FileTree, ppl: People) -> list[str]:
    notes = []
    if tree.exists(".mailmap"):
        notes.append("Author identities were merged with the repository's .mailmap.")
    if ppl.merged:
        notes.append(f"{plural(ppl.merged, 'identity', 'identities')} sharing a name with another were counted as "
                     "the same person.")
    if ppl.bots:
        notes.append(f"{plural(len(ppl.bots), 'bot account')} ({_names(ppl, sorted(ppl.bots))}) left out.")
    return notes


# -- COL001 ------------------------------------------------------------------------------


def bus_factor(history: H.History, ppl: People) -> tuple[int, list[tuple[str, int]], int]:
    """(bus factor, [(person, files they top-own)] in descending order, files measured).

    Each file of the current tree (lockfiles and vendored code aside) has a top author: the person with the
    most commits touching it (ties go to the person seen first in the newest-first history). The bus factor
    is the smallest number of people who together are the top author of more than half of the files. Each
    file has exactly one top author, so taking people in descending order of files owned is optimal.
    """
    owned: Counter[str] = Counter()
    measured = 0
    for path, counter in history.ownership.by_path.items():
        if P.is_vendored(path) or _LOCKFILE.search(path):
            continue
        per: Counter[str] = Counter()
        first_seen: dict[str, int] = {}
        for aid, n in counter.items():
            key = ppl.person(aid)
            if key in ppl.bots:
                continue
            per[key] += n
            first_seen[key] = min(first_seen.get(key, aid), aid)
        if not per:
            continue
        measured += 1
        top = max(per, key=lambda k: (per[k], -first_seen[k]))
        owned[top] += 1
    ranking = sorted(owned.items(), key=lambda kv: (-kv[1], ppl.name[kv[0]]))
    covered, factor = 0, 0
    for _, n in ranking:
        if covered * 2 > measured:
            break
        covered += n
        factor += 1
    return factor, ranking, measured


class COL001(Rule):
    """Knowledge of the code is spread: the bus factor is at least two.

    Computes the bus (truck) factor from file authorship. Each file of the
    current tree (lockfiles and vendored code aside) has one top author: the
    person with the most non-merge commits touching it (ties go to the person
    seen first in the newest-first history). People are ranked by how many files
    they top-own, and the bus factor is the smallest number of them who together
    top-own more than half of the files. Because every file has exactly one top
    author, taking people in that order gives the true minimum. Identities
    follow ``.mailmap``, identities sharing a name are one person, and bots are
    left out. Passes when the bus factor is at least ``bus_factor_min``.

    ## Why it matters
    With a bus factor of one, a single absence stops delivery and the knowledge of the system leaves with one person.

    ## How to fix
    Spread ownership on purpose: require a second reviewer from outside the author's area, pair on the
    least-shared directories, and record who owns what in `.github/CODEOWNERS`.
    """

    area = "collaboration"
    effort = Effort.ONGOING
    weight = 1.5
    thresholds = {"bus_factor_min": 2}

    def check(self, tree, history, thresholds):
        ppl = people(history)
        factor, ranking, measured = bus_factor(history, ppl)
        if not measured:
            return self.skip("no file of the current tree has commits in the history read")
        window = "current files, whole history" if not history.truncated else "current files, history read"
        top_keys = [k for k, _ in ranking[:factor]]
        covered = sum(n for _, n in ranking[:factor])
        lead_key, lead_n = ranking[0]
        measures = [Measure("bus factor", factor, "", thresholds["bus_factor_min"], window),
                    Measure("files measured", measured, "files", window=window),
                    Measure(f"files whose top author is {ppl.name[lead_key]}", round(lead_n / measured, 2), "%",
                            window=window)]
        evidence = []
        for k in top_keys[:4]:
            c = _newest_commit_by(history, ppl, k)
            if c is not None:
                evidence.append(Evidence(commit=c.hash, date=c.date, note=f"latest commit by {ppl.name[k]}"))
        obs = _identity_notes(tree, ppl)
        humans = [k for k in set(ppl.key_of) if k not in ppl.bots]
        if len(humans) == 1:
            obs.insert(0, f"Solo developer pattern: {ppl.name[humans[0]]} is the only author in the history, so "
                          "all knowledge of the code lives with one person.")
        elif len(ranking) > factor:
            rest = ranking[factor:factor + 3]
            obs.append("Next most frequent top authors: " + ", ".join(f"{ppl.name[k]} ({n} files)" for k, n in rest)
                       + ".")
        if factor >= thresholds["bus_factor_min"]:
            return self.passed(f"bus factor = {factor}: {_names(ppl, top_keys)} together are the top authors of "
                               f"{covered} of {measured} files ({covered / measured:.0%})", signal=Signal.OBSERVED,
                               evidence=evidence, measures=measures, observations=obs)
        return self.failed(f"bus factor = {factor}: {ppl.name[lead_key]} is the top author of {lead_n} of "
                           f"{measured} current files ({lead_n / measured:.0%})", evidence=evidence, measures=measures,
                           observations=obs, missing=("Shared ownership of the code (second maintainer per area)",
                                                      "Knowledge transfer plan (pairing, rotation, handover notes)"))


# -- COL002 ------------------------------------------------------------------------------


def _area_of(path: str) -> str | None:
    parts = path.split("/")
    if len(parts) < 2:
        return None
    if parts[0] in _CONTAINERS and len(parts) >= 3:
        return f"{parts[0]}/{parts[1]}"
    return parts[0]


class COL002(Rule):
    """No part of the code is one person's knowledge silo.

    For each top-level directory (``packages/x`` and the like for monorepo
    containers) whose source or test files were changed by at least
    ``min_commits`` non-merge commits in the recent window, finds the share of
    those commits made by its most active person. A
    directory where one person made at least ``silo_share`` of the commits is a
    silo; the rule fails when more than ``silo_dirs_max`` of the directories are.

    ## Why it matters
    Directories that only one person changes become bottlenecks: their changes wait for that person and cannot
    be reviewed with real knowledge.

    ## How to fix
    Rotate work into the siloed directories: assign their next changes or reviews to someone else, and name a
    second owner for each in `.github/CODEOWNERS`.
    """

    area = "collaboration"
    effort = Effort.ONGOING
    thresholds = {"window": 500, "min_commits": 5, "silo_share": 0.8, "silo_dirs_max": 0.5}

    def check(self, tree, history, thresholds):
        ppl = people(history)
        window = int(thresholds["window"])
        commits = [c for c in history.recent if not c.is_merge][:window]
        by_area: dict[str, Counter[str]] = defaultdict(Counter)
        for c in commits:
            key = (" ".join(c.author.split()) or "(no name)").casefold() if c.author.strip() else f"<{c.email.lower()}>"
            if key in ppl.bots:
                continue
            # Sorted: set order follows per-process string hashing, and the report must not.
            for a in sorted({_area_of(p) for p in c.paths if P.is_source(p) or P.is_test(p)} - {None}):
                by_area[a][key] += 1
        win = f"last {len(commits)} non-merge commits"
        judged = {a: cnt for a, cnt in by_area.items() if sum(cnt.values()) >= thresholds["min_commits"]}
        if not judged:
            return self.skip(f"no top-level directory has {int(thresholds['min_commits'])} commits in the {win}")
        silos = []
        for a, cnt in sorted(judged.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
            total = sum(cnt.values())
            top, n = max(cnt.items(), key=lambda kv: (kv[1], kv[0]))
            if n / total >= thresholds["silo_share"]:
                silos.append((a, top, n, total))
        share = len(silos) / len(judged)
        measures = [Measure("directories that are silos", round(share, 2), "%", thresholds["silo_dirs_max"], win),
                    Measure("directories judged", len(judged), window=win),
                    Measure("silo threshold (one person's share of commits)", thresholds["silo_share"], "%")]
        listing = "; ".join(f"{a}/ ({_who(ppl, k)} made {n / t:.0%} of {t} commits)" for a, k, n, t in silos[:4])
        if len(silos) > 4:
            listing += f"; and {len(silos) - 4} more"
        evidence = [Evidence(path=a, note=f"{_who(ppl, k)}: {n} of {t} commits") for a, k, n, t in silos[:6]]
        if share <= thresholds["silo_dirs_max"]:
            shared = sorted(a for a in judged if a not in {s[0] for s in silos})
            noun = "directory is" if len(judged) == 1 else "directories are"
            msg = f"{len(shared)} of {len(judged)} active {noun} changed by several people"
            return self.passed(msg + (f"; silos: {listing}" if silos else ""), signal=Signal.OBSERVED,
                               evidence=evidence or [Evidence(path=a) for a in shared[:4]], measures=measures)
        return self.failed(f"{len(silos)} of {len(judged)} active top-level "
                           f"{'directory is a' if len(judged) == 1 else 'directories are'} knowledge "
                           f"{'silo' if len(silos) == 1 else 'silos'}: {listing}", evidence=evidence,
                           measures=measures, missing=("Knowledge sharing (pairing, review rotation, demos)",))


# -- COL003 ------------------------------------------------------------------------------


class COL003(Rule):
    """Several people are active on the code and work together.

    Counts people (after ``.mailmap``, bots aside) with commits in the last
    ``active_days`` days before the audit date and in the whole history, and
    co-authored commits (``Co-authored-by`` trailers) in the same window. Passes
    with at least ``active_min`` active people.

    ## Why it matters
    A single active contributor is fast today, but there is no one to review, share decisions with or take over
    when they are away.

    ## How to fix
    Bring a second developer into the work through pairing sessions with `Co-authored-by` trailers and reviewed
    pull requests, starting with the most critical code paths.
    """

    area = "collaboration"
    effort = Effort.ONGOING
    thresholds = {"active_days": 90, "active_min": 2}

    def check(self, tree, history, as_of, thresholds):
        ppl = people(history)
        days = int(thresholds["active_days"])
        since = as_of.days_ago(days)
        idx = list(history.indices(since=since, until=as_of.ts))
        per: Counter[str] = Counter(ppl.person(history.authors_of[i]) for i in idx)
        for b in ppl.bots:
            per.pop(b, None)
        coauthored = [i for i in idx if history.flags[i] & H.COAUTHORED]
        humans = {k for k in ppl.key_of if k not in ppl.bots}
        win = f"last {days} days"
        measures = [Measure("active authors", len(per), "", thresholds["active_min"], win),
                    Measure("authors in the whole history", len(humans)),
                    Measure("co-authored commits", len(coauthored), "commits", window=win)]
        if idx and per:
            lead, n = per.most_common(1)[0]
            measures.append(Measure(f"commits by {ppl.name[lead]}", round(n / sum(per.values()), 2), "%", window=win))
        ex = [c for c in history.recent if c.flags & H.COAUTHORED and c.time >= since][:3]
        evidence = [Evidence(commit=c.hash, date=c.date, note=f"co-authored: {c.subject[:90]}") for c in ex]
        for k, _ in per.most_common(4):
            c = _newest_commit_by(history, ppl, k)
            if c is not None:
                evidence.append(Evidence(commit=c.hash, date=c.date, note=f"latest commit by {ppl.name[k]}"))
        obs = _identity_notes(tree, ppl)
        co = f"{plural(len(coauthored), 'co-authored commit')}" if coauthored else "no co-authored commits"
        if len(per) >= thresholds["active_min"]:
            who = _names(ppl, [k for k, _ in per.most_common()])
            return self.passed(f"{len(per)} active authors in the {win} ({who})"
                               f" of {len(humans)} in the whole history; {co}", signal=Signal.OBSERVED,
                               evidence=evidence, measures=measures, observations=obs)
        if len(humans) == 1:
            obs.insert(0, "With one developer, minimal formal communication is needed today, but nothing written "
                          "down would carry a second developer through past decisions.")
        if not per:
            last = next((c for c in history.recent if c.time <= as_of.ts
                         and (" ".join(c.author.split()) or "(no name)").casefold() not in ppl.bots), None)
            when = f" (the last on {last.date}, by {' '.join(last.author.split())})" if last else ""
            return self.failed(f"no commits by a person in the {win}{when}; {len(humans)} authors in the whole "
                               "history",
                               evidence=evidence, measures=measures, observations=obs,
                               missing=("Active maintainers",))
        lead, n = per.most_common(1)[0]
        return self.failed(f"1 active author in the {win} ({ppl.name[lead]}, {plural(n, 'commit')}) of "
                           f"{len(humans)} in the whole history; {co}", evidence=evidence, measures=measures,
                           observations=obs, missing=("Pair programming or co-authored work",
                                                      "A second active developer"))


# -- COL004 ------------------------------------------------------------------------------

RFC_DIRS = ("rfcs", "rfc", "docs/rfcs", "docs/rfc", "proposals", "docs/proposals", "design", "docs/design",
            "design-docs", "docs/design-docs", "enhancements", "keps", "peps")


class COL004(Rule):
    """Decisions are recorded where the team can find them: ADRs, decision logs, RFCs.

    Looks for architecture decision records (the same evidence the docs area
    reads), decision logs (``DECISIONS.md``) and RFC or design-proposal folders
    (``rfcs/``, ``docs/design/``, ``proposals/``).

    ## Why it matters
    Undocumented decisions are re-argued by every newcomer, and no one can tell why the system is the way it is.

    ## How to fix
    Start `docs/adr/` with one record per significant decision (context, options, decision, consequences),
    beginning with the choices already made: database, hosting, payments.
    """

    area = "collaboration"
    effort = Effort.DAY

    def check(self, tree):
        dirs, records = adr_records(tree)
        logs = decision_logs(tree)
        rfcs = []
        for d in RFC_DIRS:
            if tree.is_dir(d):
                docs = [p for p in tree.under(d) if P.extension(p) in ("md", "rst", "adoc")]
                if docs:
                    rfcs.append((d, len(docs)))
        evidence = [Evidence(path=p) for p in records[-4:]]
        evidence += [Evidence(path=p, note="decision log") for p in logs]
        evidence += [Evidence(path=d, note=f"{n} proposals") for d, n in rfcs]
        measures = [Measure("decision records", len(records), "ADRs"),
                    Measure("design proposals", sum(n for _, n in rfcs), "documents")]
        parts = []
        if records:
            parts.append(f"{plural(len(records), 'ADR')} in {', '.join(dirs) or 'the tree'}")
        if logs:
            parts.append(f"decision log {', '.join(logs)}")
        if rfcs:
            parts.append(", ".join(f"{plural(n, 'proposal')} in {d}/" for d, n in rfcs))
        if parts:
            return self.passed("decisions are recorded: " + "; ".join(parts), signal=Signal.DOCUMENTED,
                               evidence=evidence, measures=measures)
        return self.failed("no decision log: no ADRs, DECISIONS.md, RFC or design-proposal folder", measures=measures,
                           missing=("Architecture Decision Records (ADRs)", "RFC process for major changes",
                                    "Technical design review process", "Stakeholder approval process"),
                           not_determinable=("Decisions recorded in an external wiki, tracker or chat",))


# -- COL005 ------------------------------------------------------------------------------

GOVERNANCE_FILES = (
    ("GOVERNANCE", ("GOVERNANCE.md", ".github/GOVERNANCE.md", "docs/GOVERNANCE.md", "GOVERNANCE.rst", "GOVERNANCE")),
    ("MAINTAINERS", ("MAINTAINERS", "MAINTAINERS.md", "MAINTAINERS.txt", ".github/MAINTAINERS.md", "OWNERS",
                     "OWNERS.md", "docs/MAINTAINERS.md")),
    ("SUPPORT", ("SUPPORT.md", ".github/SUPPORT.md", "docs/SUPPORT.md", "SUPPORT.rst")),
    ("CODEOWNERS", ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")),
)
# One pattern per kind of channel, each searched only in documents that contain its literal words
# (rules/_text.py): a single alternation of all of them took seconds on rails' guides.
_CHANNELS = tuple(fast(rx, re.IGNORECASE) for rx in (
    r"discord\.(gg|com/invite)/\S+", r"join\.slack\.com\S*", r"[\w-]+\.slack\.com\S*", r"matrix\.to/\S+",
    r"gitter\.im/\S+", r"[\w-]+\.zulipchat\.com\S*", r"groups\.google\.com/\S+", r"lists\.[\w.-]+/\S*",
    r"\bmailing[- ]list\b", r"github\.com/[\w.-]+/[\w.-]+/discussions\S*", r"\bgithub discussions\b",
    r"\bIRC\b.{0,40}#[\w-]+",
    r"\b(slack|discord|matrix|zulip|teams|mattermost|telegram|gitter)\b.{0,40}\b(channel|server|workspace|room"
    r"|community|chat)\b",
    r"\b(channel|server|workspace|room|community|chat)\b.{0,20}\bon (slack|discord|matrix|zulip|teams|mattermost"
    r"|telegram|gitter)\b",
))


def _channel(text: str):
    """The first mention of a team channel in ``text`` (the earliest of all kinds), or None."""
    found = [m for rx in _CHANNELS for m in [rx.search(text)] if m]
    return min(found, key=lambda m: (m.start(), -len(m.group(0)))) if found else None


_CHANNEL_NAME = re.compile(r"slack|discord|matrix|gitter|zulip|mailing[- ]list|google groups|groups\.google|lists\."
                           r"|discussions|irc|teams|mattermost|telegram", re.IGNORECASE)


class COL005(Rule):
    """Communication channels and governance are written down.

    Looks for governance and maintainer documents (``GOVERNANCE.md``,
    ``MAINTAINERS``, ``OWNERS``, ``SUPPORT.md``), ``CODEOWNERS``, issue-template
    contact links, and documents that name the team's channels (Slack, Discord,
    Matrix, Zulip, a mailing list, GitHub Discussions).

    ## Why it matters
    When channels, owners and escalation paths are unwritten, questions go to whoever answers fastest and
    decisions vanish in private messages.

    ## How to fix
    Add a "Communication" section to `CONTRIBUTING.md` naming the team channels, expected response times and the
    escalation path, and list the maintainers in `MAINTAINERS.md`.
    """

    area = "collaboration"
    effort = Effort.HOUR

    def check(self, tree):
        gov: list[Evidence] = []
        kinds = []
        for kind, names in GOVERNANCE_FILES:
            found = tree.first(*names)
            if found:
                gov.append(Evidence(path=found, note=kind))
                kinds.append(kind)
        channels: list[Evidence] = []
        names: list[str] = []
        candidates = doc_files(tree, limit=200)
        contact = tree.first(".github/ISSUE_TEMPLATE/config.yml", ".github/ISSUE_TEMPLATE/config.yaml")
        if contact:
            candidates.append(contact)
        for p in candidates:
            text = read_doc(tree, p) or ""
            m = _channel(text)
            if not m:
                continue
            label = _CHANNEL_NAME.search(m.group(0))
            name = label.group(0).lower().replace("groups.google", "google groups").rstrip(".") if label else "channel"
            channels.append(Evidence(path=p, line=line_of(text, m.group(0)), note=f"{name}: {m.group(0)[:80]}"))
            if name not in names:
                names.append(name)
            if len(channels) >= 6:
                break
        measures = [Measure("governance documents", len(gov)), Measure("documents naming a channel", len(channels))]
        nd = ("Team chat, meeting notes and wikis that live outside the repository",)
        has_gov = [k for k in kinds if k != "CODEOWNERS"]
        if channels or has_gov:
            parts = []
            if channels:
                parts.append("channels named (" + ", ".join(names) + ")")
            if kinds:
                parts.append(", ".join(e.path for e in gov))
            missing = [] if channels else ["Communication channels (chat, mailing list) and norms"]
            return self.passed("communication is documented: " + "; ".join(parts), signal=Signal.DOCUMENTED,
                               evidence=gov + channels, measures=measures, missing=missing, not_determinable=nd)
        missing = ("Communication channels (Slack/Discord workspace structure)",
                   "Communication norms (response times, @mentions)", "Escalation paths",
                   "Team wiki or knowledge base")
        if gov:
            return self.failed(f"only {gov[0].path} names owners; no document names the team's channels, "
                               "maintainers or escalation path", evidence=gov, measures=measures, missing=missing,
                               not_determinable=nd)
        return self.failed("no communication or governance documentation: no GOVERNANCE, MAINTAINERS, SUPPORT or "
                           "CODEOWNERS file, and no document names a Slack, Discord, Matrix or mailing-list channel",
                           measures=measures, missing=missing, not_determinable=nd)
