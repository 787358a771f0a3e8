"""Sprint rituals and ceremonies: planning, standups, reviews, retrospectives, iteration boundaries.

Ceremonies happen in meetings, not in git; what a repository can show is their
written trace — agreed formats, templates and notes — and, in the history, the
boundaries of iterations (sprint-named branches or tags, releases at a regular
cadence). The weekly rhythm of commits is reported beside them, but steady work
is not a sprint: it never passes a rule on its own.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from dataclasses import dataclass

from auditor.clock import DAY
from auditor.facts import history as H
from auditor.facts import paths as P
from auditor.facts.tree import line_of
from auditor.model import Effort, Evidence, Measure, Signal
from auditor.rule import Rule
from auditor.rules._text import fast
from auditor.rules.board import commit_ref, process_docs
from auditor.rules.release import _releases as releases_of

_PROSE = {"md", "mdx", "markdown", "rst", "adoc", "txt", "org", "yml", "yaml"}
_DATE_IN_NAME = re.compile(r"(20\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])")


@dataclass(frozen=True)
class Ceremony:
    """A ceremony: how its notes are named, how a document describes it, and its checklist."""

    title: str
    noun: str
    paths: re.Pattern[str]
    text: re.Pattern[str]
    items: tuple[tuple[str, re.Pattern[str]], ...]


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _tx(pattern: str):
    """A case-insensitive pattern for searching whole documents (see rules/_text.py)."""
    return fast(pattern, re.IGNORECASE, split=True)


PLANNING = Ceremony(
    "Sprint Planning", "sprint planning",
    _rx(r"(^|/)((sprint|iteration)[-_ ]?)?planning([-_./]|$)|(^|/)sprints?([-_ ]?\d+)?(/|\.[a-z]+$)"
        r"|(^|/)sprint[-_ ]?\d+[-_.]"),
    _tx(r"\bsprint planning\b|\biteration planning\b|\bplanning (meeting|session)s?\b|\b(one|two|three|1|2|3)[- ]weeks?"
        r" (sprints?|iterations?)\b|\bsprint (length|goals?)\b|\bplanning poker\b"),
    (("Sprint length (1 week? 2 weeks?)",
      _tx(r"\b(one|two|three|1|2|3)[- ]weeks? (sprints?|iterations?|cycles?)|\bsprint length|\bsprints? (last|run)")),
     ("Capacity planning approach", _tx(r"\bcapacity\b|\bvelocity\b|\bavailability\b")),
     ("Story pointing or estimation method", _tx(r"\bstory points?\b|\bplanning poker\b|\bt-?shirt siz|\bestimat")),
     ("Sprint goal definition process", _tx(r"\b(sprint|iteration) goals?\b|\bgoals? for the (sprint|week)\b"))),
)
STANDUP = Ceremony(
    "Daily Standup", "daily standups",
    _rx(r"(^|/)(daily[-_ ]?)?stand[-_ ]?ups?([-_./]|$)|(^|/)daily[-_ ]?(sync|notes|scrum)([-_./]|$)"
        r"|(^|/)(meeting[-_ ]?notes|meetings)/"),
    _tx(r"\b(daily )?(standup|stand-up)s?\b|\bdaily (scrum|sync|check-?in)s?\b|\byesterday\b[^\n]{0,80}\btoday\b"),
    (("Format (async/sync, text/video)",
      _tx(r"\basync|\bsynchronous\b|\bvideo\b|\bslack\b|\bdiscord\b|\bzoom\b|\bin[- ]person\b|\bthread\b")),
     ("Required participants", _tx(r"\bparticipants?\b|\battendees?\b|\bwho (attends|joins)\b|\bwhole team\b")),
     ("Update template (Yesterday/Today/Blockers)", _tx(r"\byesterday\b[\s\S]{0,300}\btoday\b|\bblockers?\b")),
     ("Escalation process for blockers", _tx(r"\bescalat"))),
)
REVIEW = Ceremony(
    "Sprint Review", "sprint reviews",
    _rx(r"(^|/)((sprint|iteration)[-_ ]?reviews?|demo[-_ ]?days?|showcases?)([-_./]|$)"),
    _tx(r"\bsprint reviews?\b|\biteration reviews?\b|\bdemo (day|session|meeting)s?\b|\bsprint demos?\b"
        r"|\bshowcase (meeting|session)s?\b"),
    (("Demo format and audience", _tx(r"\bdemo|\baudience\b")),
     ("Acceptance criteria verification", _tx(r"\bacceptance criteria\b|\baccepted\b")),
     ("Stakeholder feedback capture", _tx(r"\bstakeholders?\b[\s\S]{0,200}\bfeedback\b|\bfeedback\b"))),
)
RETRO = Ceremony(
    "Sprint Retrospective", "retrospectives",
    _rx(r"(^|/)(retros?|retrospectives?)([-_./]|$)|[-_]retro(spective)?s?([-_.]|$)"),
    _tx(r"\bretrospectives?\b|\bsprint retros?\b|\bstart[ ,/]+stop[ ,/]+continue\b|\bmad[ ,/]+sad[ ,/]+glad\b"
        r"|\bwhat went well\b"),
    (("Retrospective format (Start/Stop/Continue, Mad/Sad/Glad, etc.)",
      _tx(r"\bstart[ ,/]+stop|\bmad[ ,/]+sad|\bwent well\b|\bwent wrong\b|\bliked[ ,/]+learned"
          r"|\bkeep[ ,/]+(drop|stop)")),
     ("Action item tracking", _tx(r"\baction items?\b|\bactions?:|\bfollow[- ]ups?\b")),
     ("Continuous improvement metrics", _tx(r"\bmetrics?\b|\bkpis?\b|\bmeasur"))),
)


def ceremony_missing(c: Ceremony, covered: set[str] = frozenset()) -> list[str]:
    return [f"{c.title}: {item[0].lower() + item[1:]}" for item, _ in c.items if item not in covered]


class _CeremonyRule(Rule):
    """Shared logic: find a ceremony's notes, templates or written format."""

    area = "sprints"
    effort = Effort.HOUR
    ceremony: Ceremony
    thresholds = {"stale_days": 90}

    def check(self, tree, as_of, thresholds):
        c = self.ceremony
        docs = process_docs(tree)
        texts = dict(docs)
        files = [p for p in tree.paths if c.paths.search(p) and P.extension(p) in _PROSE
                 and not P.is_vendored(p) and not P.is_test(p)]
        mentions = []
        for path, text in docs:
            if path in files:
                continue
            m = c.text.search(text)
            if m:
                mentions.append((path, line_of(text, c.text), m.group(0)))
        if not files and not mentions:
            return self.failed(f"no notes, template or agreed format for {c.noun}: none of {len(docs)} documents "
                               "mentions them", missing=ceremony_missing(c))
        relevant = [texts.get(p) or tree.read_text(p) or "" for p in files[:50]] + [texts[p] for p, _, _ in mentions]
        covered = {item for item, rx in c.items if any(rx.search(t) for t in relevant)}
        evidence = [Evidence(path=p, line=ln, note=f"mentions \"{snippet[:60]}\"") for p, ln, snippet in mentions[:5]]
        evidence = [Evidence(path=p, note=f"notes or template for {c.noun}") for p in files[:5]] + evidence
        observations = []
        uncovered = [item for item, _ in c.items if item not in covered]
        if uncovered:
            observations.append(f"Not written down for {c.noun}: "
                                + ", ".join(u[0].lower() + u[1:] for u in uncovered) + ".")
        dates = sorted(d for p in files for d in [_name_date(p)] if d)
        signal = Signal.DOCUMENTED
        parts = []
        if files:
            folders = sorted({p.rsplit("/", 1)[0] if "/" in p else "." for p in files})
            parts.append(f"{len(files)} notes or template file(s) for {c.noun} in {', '.join(folders[:3])}")
        if mentions:
            where = ", ".join(sorted({p for p, _, _ in mentions})[:3])
            parts.append(f"{'also ' if files else c.noun + ' '}described in {where}")
        measures = [Measure(f"notes or template files for {c.noun}", len(files))] if files else []
        if dates:
            latest = dates[-1]
            age = (as_of.date - latest).days
            observations.append(f"The latest dated notes for {c.noun} are from {latest.isoformat()}, {age} days before "
                                f"the audit ({len(dates)} dated notes in all).")
            measures.append(Measure("days since the latest dated notes", age, "days", thresholds["stale_days"]))
            if age > thresholds["stale_days"]:
                signal = Signal.AD_HOC
                parts.append(f"but the latest is {age} days old")
        return self.passed("; ".join(parts), signal=signal, evidence=evidence, measures=measures,
                           observations=observations)


def _name_date(path: str):
    import datetime as dt

    m = _DATE_IN_NAME.search(path.rsplit("/", 1)[-1]) or _DATE_IN_NAME.search(path)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


class SPR001(_CeremonyRule):
    """Sprint planning has an agreed, written format.

    Looks for planning notes or templates (``planning/``, ``sprints/``,
    ``sprint-12.md``, ``sprint_planning.md``) and for documents that describe the
    planning: sprint length, capacity, estimation (story points, planning poker)
    and the sprint goal. Dated notes older than ``stale_days`` count as a lapsed,
    ad-hoc practice.

    ## Why it matters
    Planning gives the team a commitment to forecast delivery dates from.

    ## How to fix
    Add `docs/process/planning.md` stating the sprint length, how capacity is estimated, the estimation scale and how the sprint goal is set, and keep each sprint's plan in `docs/sprints/`.
    """

    ceremony = PLANNING
    weight = 1.25


class SPR002(_CeremonyRule):
    """Daily standups (team syncs) have an agreed format.

    Looks for standup or meeting notes (``standups/``, ``meeting-notes/``,
    ``daily-notes.md``) and for documents that describe the standup: format
    (async or live), participants, the update template (yesterday, today,
    blockers) and how blockers are escalated.

    ## Why it matters
    A regular sync surfaces blockers early and keeps work from being duplicated or dropped.

    ## How to fix
    Add `docs/process/standup.md` describing the daily update (yesterday, today, blockers), where it is posted (a Slack thread works for a small team) and who to escalate blockers to.
    """

    ceremony = STANDUP
    weight = 0.75


class SPR003(_CeremonyRule):
    """Sprint reviews show finished work to stakeholders.

    Looks for sprint-review or demo notes (``sprint-review*``, ``demo-day*``,
    ``showcase*``) and for documents that describe the review: demo format and
    audience, checking acceptance criteria, and capturing stakeholder feedback.

    ## Why it matters
    Reviews show stakeholders finished work while their feedback can still change it.

    ## How to fix
    Add `docs/process/sprint-review.md` with the demo format, who attends, how acceptance criteria are checked and where feedback is recorded.
    """

    ceremony = REVIEW
    weight = 0.75


class SPR004(_CeremonyRule):
    """Retrospectives are held and their actions recorded.

    Looks for retrospective notes or templates (``retros/``, ``docs/retro*``,
    ``2025-10-03-retro.md``) and for documents that describe the retrospective:
    its format (Start/Stop/Continue, Mad/Sad/Glad), action items and improvement
    metrics. Reports when the latest dated notes were written.

    ## Why it matters
    Retrospectives are where a team turns recurring problems into process improvements.

    ## How to fix
    Add `docs/retros/TEMPLATE.md` (what went well, what slowed us down, one action item with an owner) and keep one dated file per retrospective, held every two weeks.
    """

    ceremony = RETRO
    weight = 1.0


_SPRINT_REF = re.compile(r"\b(sprint|iteration|cycle)[-_ .]?(\d{1,4})\b", re.IGNORECASE)


def weekly_rhythm(history: H.History, until: int, weeks: int) -> dict:
    """Non-merge commits per week (oldest first), active days and the last week's activity."""
    since = until - weeks * 7 * DAY
    per_week = [0] * weeks
    for i in history.indices(since=since + 1, until=until, flags_none=H.MERGE):
        w = min(weeks - 1, (until - history.times[i]) // (7 * DAY))
        per_week[weeks - 1 - w] += 1
    covered = len(history.recent) < history.window or (history.recent and history.recent[-1].time <= since)
    if covered:
        dates = [c.date for c in history.recent if since < c.time <= until and not c.is_merge]
    else:  # the recent window is shorter than the period: days in UTC from the columns
        import datetime as dt
        dates = [dt.datetime.fromtimestamp(history.times[i], tz=dt.UTC).date().isoformat()
                 for i in history.indices(since=since + 1, until=until, flags_none=H.MERGE)]
    first = history.first_time or until
    span_weeks = max(1, min(weeks, math.ceil((until - max(first, since)) / (7 * DAY))))
    last7 = [c for c in history.recent if until - 7 * DAY < c.time <= until and not c.is_merge]
    return {"per_week": per_week, "active_days": len(set(dates)), "span_weeks": span_weeks,
            "active_weeks": sum(1 for n in per_week[-span_weeks:] if n), "commits": sum(per_week),
            "last7": last7}


class SPR005(Rule):
    """Iterations have visible boundaries in the history.

    Looks for iteration boundaries the history can show: at least ``min_sprints``
    distinct iterations named in tags, merged branches or commit subjects
    (``sprint-12``, ``iteration 4``) in the last ``tag_window_days``, and release tags
    at a regular cadence (at least ``min_tags`` in the last ``tag_window_days``,
    median gap between ``cadence_days_min`` and ``cadence_days_max`` days, gaps
    varying by at most ``cadence_cv_max`` of the mean). Beside them it reports the
    weekly rhythm of commits over the last ``weeks`` weeks and the active days —
    as an observation only: steady commits without boundaries are not sprints.
    Fewer than ten commits, or a shallow clone that cuts the window, cannot show
    a rhythm: the rule is skipped.

    ## Why it matters
    Iteration boundaries give the team fixed points to plan, review and adjust, and a cadence to forecast delivery from.

    ## How to fix
    Work in fixed iterations (one or two weeks) and mark each boundary in the repository — a `sprint-N` milestone, tag or release — so plans and outcomes can be compared.
    """

    area = "sprints"
    effort = Effort.ONGOING
    weight = 1.25
    min_history = 10
    thresholds = {"weeks": 12, "tag_window_days": 180, "min_sprints": 2, "min_tags": 4, "cadence_days_min": 5,
                  "cadence_days_max": 31, "cadence_cv_max": 0.5}

    def check(self, history, tags, as_of, thresholds):
        weeks = int(thresholds["weeks"])
        if history.is_shallow and (history.first_time or 0) > as_of.days_ago(int(thresholds["tag_window_days"])):
            start = history.first.date if history.first else "?"
            return self.skip(f"shallow clone: the readable history starts on {start}, inside the "
                             f"{int(thresholds['tag_window_days'])}-day window")
        r = weekly_rhythm(history, as_of.ts, weeks)
        measures = [Measure("commits per week", ", ".join(map(str, r["per_week"])),
                            window=f"last {weeks} weeks, oldest first"),
                    Measure("active days", r["active_days"], "days", window=f"last {weeks} weeks"),
                    Measure("weeks with commits", f"{r['active_weeks']} of {r['span_weeks']}",
                            window=f"last {weeks} weeks" if r["span_weeks"] == weeks else "since the first commit")]
        observations = [_rhythm_sentence(r, weeks)]
        evidence: list[Evidence] = []

        days = int(thresholds["tag_window_days"])
        window_start = as_of.days_ago(days)
        sprint_tags = [t for t in tags if _SPRINT_REF.search(t.name) and window_start <= t.time <= as_of.ts]
        in_window = [c for c in history.recent if window_start <= c.time <= as_of.ts]
        sprint_branches = [(b, c) for c in in_window if c.is_merge for b in [H._merged_branch(c.subject)]
                           if b and _SPRINT_REF.search(b)]
        sprint_commits = [c for c in in_window if not c.is_merge and _SPRINT_REF.search(c.subject)]
        names = [t.name for t in sprint_tags] + [b for b, _ in sprint_branches] + [
            _SPRINT_REF.search(c.subject).group(0) for c in sprint_commits]
        numbers = {int(_SPRINT_REF.search(n).group(2)) for n in names}
        evidence += [Evidence(tag=t.name, date=t.date, note="sprint-named tag") for t in sprint_tags[-5:]]
        evidence += [commit_ref(c, f"merges {b}") for b, c in sprint_branches[:3]]
        evidence += [commit_ref(c, f"names an iteration: {c.subject[:90]}") for c in sprint_commits[:3]]
        if names:
            measures.append(Measure("iterations named in tags, branches or commits", len(numbers),
                                    threshold=thresholds["min_sprints"], window=f"last {days} days"))

        # The product's final releases (one tag series, no pre-releases; see rules/release.py).
        releases = [t for t in releases_of(tags, as_of) if window_start <= t.time and t not in sprint_tags]
        cadence = _cadence(releases, thresholds)
        measures.append(Measure("release tags", len(releases), window=f"last {days} days"))
        if cadence:
            measures.append(Measure("median days between release tags", cadence["median"], "days"))
            if len(releases) >= thresholds["min_tags"]:
                measures.append(Measure("variation of the gaps", round(cadence["cv"], 2),
                                        threshold=thresholds["cadence_cv_max"]))

        found = []
        if len(numbers) >= thresholds["min_sprints"]:
            found.append(f"{len(numbers)} iterations are named in the history in the last {days} days ("
                         + ", ".join(list(dict.fromkeys(names))[:4]) + ")")
        if cadence and cadence["regular"]:
            evidence += [Evidence(tag=t.name, date=t.date, note="release tag") for t in releases[-4:]]
            found.append(f"{len(releases)} release tags in the last {days} days, "
                         f"a median of {cadence['median']} days apart ({releases[0].name} to {releases[-1].name})")
        nd = ("Sprint, milestone and iteration dates kept on the tracker",)
        if found:
            return self.passed("; ".join(found), signal=Signal.OBSERVED, evidence=evidence, measures=measures,
                               observations=observations, not_determinable=nd)
        why = [f"only one iteration named ({names[0]})" if names else "no sprint-named tags, branches or commits"]
        if not releases:
            why.append(f"no release tags in the last {days} days")
        elif len(releases) < thresholds["min_tags"]:
            why.append(f"only {len(releases)} release tag(s) in the last {days} days")
            evidence += [Evidence(tag=t.name, date=t.date, note="release tag") for t in releases[-3:]]
        else:
            why.append(f"the {len(releases)} release tags are irregular (gaps from {cadence['min']} to "
                       f"{cadence['max']} days)")
            evidence += [Evidence(tag=t.name, date=t.date, note="release tag") for t in releases[-3:]]
        if r["span_weeks"] >= 2 and r["active_weeks"] / r["span_weeks"] >= 0.75:
            observations.append("Git history shows a steady work cadence but no sprint boundaries.")
        return self.failed("no iteration boundaries in the history: " + ", and ".join(why), evidence=evidence,
                           measures=measures, observations=observations, not_determinable=nd,
                           missing=(("Sprint cadence: sprint boundaries marked in the repository (sprint-N milestones, "
                                    "tags or releases)"),))


def _cadence(releases, thresholds) -> dict | None:
    if len(releases) < 2:
        return None
    gaps = [max(0.0, (b.time - a.time) / DAY) for a, b in itertools.pairwise(releases)]
    mean = sum(gaps) / len(gaps)
    cv = statistics.pstdev(gaps) / mean if mean else 99.0
    median = round(statistics.median(gaps), 1)
    regular = (len(releases) >= thresholds["min_tags"] and cv <= thresholds["cadence_cv_max"]
               and thresholds["cadence_days_min"] <= median <= thresholds["cadence_days_max"])
    return {"median": median, "cv": cv, "regular": regular, "min": round(min(gaps)), "max": round(max(gaps))}


def _rhythm_sentence(r: dict, weeks: int) -> str:
    s = (f"Commits per week over the last {weeks} weeks (oldest first): {', '.join(map(str, r['per_week']))} — "
         f"{r['commits']} commits on {r['active_days']} active days, with commits in {r['active_weeks']} of the "
         f"{r['span_weeks']} week(s) {'of the window' if r['span_weeks'] == weeks else 'since the first commit'}.")
    last7 = r["last7"]
    if last7:
        days = sorted({c.date for c in last7})
        s += f" Last 7 days: {len(last7)} commits on {len(days)} days ({days[0]} to {days[-1]})."
    else:
        s += " No commits in the last 7 days."
    return s
