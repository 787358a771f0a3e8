"""Delivery velocity (seed audit §11): how much lands, how big, what kind, and when.

Judged from the history alone: every passing finding here is an observed habit,
and the area's status follows from the share of healthy observations. Every
number is reported with its window, counted up to the audit date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from statistics import median

from auditor.facts import history as H
from auditor.model import Effort, Evidence, Measure, Signal
from auditor.rule import Rule
from auditor.rules._history import commit_ref as _commit_ref
from auditor.rules._history import thin_history as _thin

DAY = 86_400
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_PREFIX = re.compile(r"^(feat|feature)(\([^)]*\))?!?:\s*", re.IGNORECASE)
# Subjects that start like a feature but only add tests, docs or tooling.
_NOT_FEATURE = re.compile(r"\b(tests?|specs?|docs?|docstrings?|documentation|readme|guide|faq|notes|changelog"
                          r"|scripts?|ci|lint|typos?|comments?)\b", re.IGNORECASE)


def _utc_date(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).date().isoformat()


def _local(c) -> dt.datetime:
    """The commit's author time in the author's own time zone."""
    return dt.datetime.fromtimestamp(c.time + c.tz_minutes * 60, tz=dt.UTC)


def _recent_window(history, since: int, until: int, days: int) -> tuple[list, str]:
    """Non-merge commits of ``history.recent`` in the window, and the window's honest label."""
    commits = [c for c in history.recent if not c.is_merge and since <= c.time <= until]
    covers = len(history.recent) < history.window or (history.recent and history.recent[-1].time <= since)
    return commits, f"last {days} days" if covers else f"last {len(commits)} commits"


class VEL001(Rule):
    """Work lands at a steady rate.

    Counts non-merge commits and active days (UTC dates with at least one commit) in
    the last four weeks and compares them with the four weeks before.

    ## Why it matters
    A sharp drop in delivery, or long silences, usually signals blocked work or a team stretched elsewhere, and makes delivery dates unpredictable.

    ## How to fix
    Break work into changes small enough to land every day or two, and review the weekly commit trend in planning so a slowdown is discussed when it starts.
    """

    area = "velocity"
    effort = Effort.ONGOING
    weight = 1.0
    min_history = 10
    thresholds = {"window_days": 28, "min_commits": 4, "drop_max": 0.5, "min_history": 10}

    def check(self, history, as_of, thresholds):
        d = int(thresholds["window_days"])
        end = as_of.ts
        start = end - d * DAY
        thin = _thin(history, int(thresholds["min_history"]), start)
        if thin:
            return self.skip(thin)
        cur = [i for i in history.indices(since=start + 1, until=end, flags_none=H.MERGE)]
        prev = history.count(since=start - d * DAY + 1, until=start, flags_none=H.MERGE)
        active = len({_utc_date(history.times[i]) for i in cur})
        per_week = round(len(cur) / (d / 7), 1)
        win = f"last {d} days ({_utc_date(start + 1)} to {as_of.date.isoformat()})"
        prev_win = f"previous {d} days ({_utc_date(start - d * DAY + 1)} to {_utc_date(start)})"
        measures = [Measure("commits", len(cur), window=win), Measure("commits per week", per_week, window=win),
                    Measure("active days", active, "days", window=win),
                    Measure("commits", prev, window=prev_win)]
        obs = []
        first = history.first_time
        if first is not None and first > start - d * DAY:
            obs.append(f"The history begins on {_utc_date(first)}, so the previous {d}-day window is "
                       f"{'empty' if first > start else 'partial'}.")
        if prev:
            change = (len(cur) - prev) / prev
            measures.append(Measure("change against the previous window", round(change, 2), "%"))
        if len(cur) < thresholds["min_commits"]:
            last = history.last_time
            latest = [t for t in (history.times[i] for i in range(min(history.total, 5000))) if t <= end]
            last = latest[0] if latest else last
            idle = (end - last) // DAY if last else None
            when = (f"; the latest commit is from {_utc_date(last)}, {idle} days before the audit date"
                    if last and idle and idle > d else f"; the latest commit is from {_utc_date(last)}" if last else "")
            if last and idle and idle > d:
                # Dormant as of the audit date: say what the last active weeks looked like.
                before = history.count(since=last - d * DAY + 1, until=last, flags_none=H.MERGE)
                obs.append(f"In the {d} days up to its latest commit ({_utc_date(last)}) the project had "
                           f"{before} commits; nothing has landed since.")
            lead = "no commits" if not cur else f"only {len(cur)} commit{'s' if len(cur) != 1 else ''}"
            return self.failed(f"{lead} in the last {d} days{when}", measures=measures, observations=obs)
        msg = (f"{len(cur)} commits in the last {d} days, {per_week:g} per week on {active} of {d} days, "
               f"against {prev} in the {d} days before")
        if prev >= thresholds["min_commits"] and len(cur) < prev * (1 - thresholds["drop_max"]):
            return self.failed("delivery slowed: " + msg, measures=measures, observations=obs)
        evidence = [_commit_ref(c) for c in history.recent if c.time <= end][:1]
        return self.passed(msg, signal=Signal.OBSERVED, measures=measures, observations=obs, evidence=evidence)


class VEL002(Rule):
    """Commits are small enough to review and revert.

    Reads the lines added and deleted by the newest non-merge commits (the
    ``size_window``, 300 by default; the root commit, usually a scaffold or import,
    is left out) and reports the median, the 90th percentile and the largest.
    Lockfile and generated-file changes count too, as git reports them.

    ## Why it matters
    Large commits are hard to review, hard to bisect and hard to revert, so defects hide in them longer.

    ## How to fix
    Split work into commits of one logical change each — aim for a median under 200 changed lines — and commit generated files separately from hand-written code.
    """

    area = "velocity"
    effort = Effort.ONGOING
    weight = 0.75
    thresholds = {"median_lines_max": 200, "oversized_lines": 1000}

    def check(self, history, as_of, thresholds):
        root = history.first.hash if history.first else None
        by_hash = {c.hash: c for c in history.recent}
        # Commits dated after the audit date (auditing an older --as-of) are left out.
        sizes = {h: s for h, s in history.sizes.items()
                 if h != root and (h not in by_hash or by_hash[h].time <= as_of.ts)}
        if len(sizes) < 5:
            return self.skip(f"line counts are known for only {len(sizes)} commits")
        lines = {h: a + d for h, (_, a, d) in sizes.items()}
        ordered = sorted(lines.values())
        med = median(ordered)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        big = sum(1 for v in ordered if v > thresholds["oversized_lines"])
        win = f"last {len(sizes)} non-merge commits"
        measures = [Measure("median lines changed per commit", med, "lines", thresholds["median_lines_max"], win),
                    Measure("90th percentile lines changed", p90, "lines", window=win),
                    Measure("commits over the oversized limit", big, "commits", window=win),
                    Measure("median files changed per commit", median(f for f, _, _ in sizes.values()), "files",
                            window=win)]
        largest = sorted(lines, key=lambda h: -lines[h])[:3]
        evidence = [Evidence(commit=h, date=by_hash[h].date if h in by_hash else None,
                             note=f"{lines[h]} lines in {sizes[h][0]} files"
                             + (f": {by_hash[h].subject[:80]}" if h in by_hash else "")) for h in largest]
        obs = [(f"Commit sizes range from {ordered[0]} to {ordered[-1]} changed lines; "
                f"{big} of {len(ordered)} exceed {thresholds['oversized_lines']:g} lines.")]
        if med <= thresholds["median_lines_max"]:
            return self.passed(f"commits change a median of {med:g} lines ({win})", signal=Signal.OBSERVED,
                               measures=measures, evidence=evidence, observations=obs)
        return self.failed(f"commits change a median of {med:g} lines ({win})", measures=measures,
                           evidence=evidence, observations=obs)


class VEL003(Rule):
    """Most work goes into features rather than fixes.

    Classifies non-merge commits of the last 90 days by their subjects: feature
    work (``feat:``, "Add", "Implement" …) and fixes (``fix:``, "Fix", "hotfix" …);
    the rest (refactors, docs, chores) is reported but not judged.

    ## Why it matters
    When fixes outnumber features, the team is paying for rework instead of delivering, usually because defects escape review and tests.

    ## How to fix
    Trace the last month's fixes to where the defects came from and add the missing check there — a test for the flow, a review checklist item, a staging verification.
    """

    area = "velocity"
    effort = Effort.DAYS
    weight = 0.75
    thresholds = {"window_days": 90, "fix_share_max": 0.5, "min_classified": 5}

    def check(self, history, as_of, thresholds):
        d = int(thresholds["window_days"])
        idx = list(history.indices(since=as_of.days_ago(d), until=as_of.ts, flags_none=H.MERGE))
        feats = sum(1 for i in idx if history.flags[i] & H.FEAT)
        fixes = sum(1 for i in idx if history.flags[i] & H.FIX)
        win = f"last {d} days"
        if feats + fixes < thresholds["min_classified"]:
            return self.skip(f"only {feats + fixes} of {len(idx)} commits in the {win} read as features or fixes")
        share = fixes / (feats + fixes)
        measures = [Measure("feature commits", feats, window=win), Measure("fix commits", fixes, window=win),
                    Measure("other commits", len(idx) - feats - fixes, window=win),
                    Measure("fix share of features and fixes", round(share, 2), "%", thresholds["fix_share_max"], win)]
        fix_examples = [_commit_ref(c) for c in history.recent
                        if c.flags & H.FIX and not c.is_merge and as_of.days_ago(d) <= c.time <= as_of.ts][:2]
        msg = f"{feats} feature and {fixes} fix commits in the {win}"
        if share <= thresholds["fix_share_max"]:
            return self.passed(msg, signal=Signal.OBSERVED, measures=measures, evidence=fix_examples)
        return self.failed(msg + f": fixes are {share:.0%} of the classified work", measures=measures,
                           evidence=fix_examples)


class VEL004(Rule):
    """Work happens at sustainable hours, not on sustained nights and weekends.

    Reads each recent non-merge commit's author time in the author's own time zone
    over the last 90 days: the share made at night (22:00–06:00) and at weekends,
    and in how many distinct weeks they happened. Only a pattern across several
    weeks fails; a single late push does not.

    ## Why it matters
    Sustained night and weekend work is a sign of overload that precedes burnout and mistakes, and is a delivery risk in its own right.

    ## How to fix
    Plan to capacity: keep a weekly plan sized to the hours available, and treat recurring night or weekend commits as a signal to cut scope in planning.
    """

    area = "velocity"
    effort = Effort.ONGOING
    weight = 0.75
    thresholds = {"window_days": 90, "night_start": 22, "night_end": 6, "night_share_max": 0.25,
                  "weekend_share_max": 0.35, "min_weeks": 3, "min_commits": 10}

    def check(self, history, as_of, thresholds):
        d = int(thresholds["window_days"])
        commits, win = _recent_window(history, as_of.days_ago(d), as_of.ts, d)
        if len(commits) < thresholds["min_commits"]:
            return self.skip(f"only {len(commits)} commits in the {win}: too few to read a work pattern")
        start, end = int(thresholds["night_start"]), int(thresholds["night_end"])
        local = [(c, _local(c)) for c in commits]
        night = [(c, t) for c, t in local if t.hour >= start or t.hour < end]
        weekend = [(c, t) for c, t in local if t.weekday() >= 5]
        evening = sum(1 for _, t in local if 18 <= t.hour < start)
        n = len(local)
        night_share, weekend_share = len(night) / n, len(weekend) / n
        def weeks(rows):
            return len({t.isocalendar()[:2] for _, t in rows})
        measures = [Measure(f"commits at night ({start:02d}:00–{end:02d}:00 local)", round(night_share, 2), "%",
                            thresholds["night_share_max"], win),
                    Measure("commits at weekends", round(weekend_share, 2), "%", thresholds["weekend_share_max"], win),
                    Measure("weeks with night or weekend commits", weeks(night + weekend), "weeks", window=win)]
        days = Counter(WEEKDAYS[t.weekday()] for _, t in local)
        hours = Counter(t.hour for _, t in local)
        busiest_day, busiest_hour = days.most_common(1)[0][0], hours.most_common(1)[0][0]
        obs = [(f"{len(night)} of {n} commits at night, {len(weekend)} at weekends and {evening} in the evening "
                f"(18:00–{start:02d}:00) in the {win}; the busiest day is {busiest_day} and the busiest hour "
                f"{busiest_hour:02d}:00 local time.")]
        flagged: list[tuple[str, list]] = []
        if night_share > thresholds["night_share_max"] and weeks(night) >= thresholds["min_weeks"]:
            flagged.append((f"{len(night)} of {n} commits at night across {weeks(night)} weeks", night))
        if weekend_share > thresholds["weekend_share_max"] and weeks(weekend) >= thresholds["min_weeks"]:
            flagged.append((f"{len(weekend)} of {n} commits at weekends across {weeks(weekend)} weeks", weekend))
        if flagged:
            examples = [row for _, rows in flagged for row in sorted(rows, key=lambda r: -r[0].time)[:2]][:3]
            evidence = [_commit_ref(c, f"{WEEKDAYS[t.weekday()]} {t:%H:%M} local: {c.subject[:80]}")
                        for c, t in examples]
            return self.failed("sustained off-hours work: " + "; ".join(text for text, _ in flagged) + f" in the {win}",
                               measures=measures, evidence=evidence, observations=obs)
        return self.passed(f"{len(night)} of {n} commits at night and {len(weekend)} at weekends in the {win}",
                           signal=Signal.OBSERVED, measures=measures, observations=obs)


class VEL005(Rule):
    """Features are delivered continuously.

    Lists the newest feature commits of the last 30 days — non-merge commits whose
    subject reads as a feature (``feat:``, "Add", "Implement", "Introduce" …) and
    that change source code, leaving out those that only add tests, docs or scripts.

    ## Why it matters
    When no feature has landed for weeks, users see no progress and the team gets no feedback on what it builds.

    ## How to fix
    Slice the current work into features that can ship independently, behind a flag if needed, so something usable lands at least every week or two.
    """

    area = "velocity"
    effort = Effort.ONGOING
    weight = 0.75
    min_history = 10
    thresholds = {"window_days": 30, "listed": 8, "min_history": 10}

    def check(self, history, as_of, thresholds):
        d = int(thresholds["window_days"])
        since = as_of.days_ago(d)
        thin = _thin(history, int(thresholds["min_history"]), since)
        if thin:
            return self.skip(thin)
        def feature(c) -> bool:
            return (not c.is_merge and bool(c.flags & H.FEAT) and bool(c.flags & H.TOUCH_SOURCE)
                    and not _NOT_FEATURE.search(_PREFIX.sub("", c.subject)))
        feats = [c for c in history.recent if feature(c) and since <= c.time <= as_of.ts]
        win = f"last {d} days"
        measures = [Measure("feature commits", len(feats), window=win),
                    Measure("feature commits per week", round(len(feats) / (d / 7), 1), window=win)]
        listed = feats[: int(thresholds["listed"])]
        obs = [f"Recent feature ({c.date}): {_PREFIX.sub('', c.subject)[:120]}" for c in listed]
        if feats:
            return self.passed(f"{len(feats)} feature{'' if len(feats) == 1 else 's'} delivered in the {win}, "
                               f"the latest: "
                               f"{_PREFIX.sub('', feats[0].subject)[:80]}", signal=Signal.OBSERVED,
                               measures=measures, evidence=[_commit_ref(c) for c in listed], observations=obs)
        older = next((c for c in history.recent if feature(c) and c.time < since), None)
        if older:
            obs.append(f"The latest feature commit is from {older.date}: {older.subject[:100]}")
        return self.failed(f"no feature commits in the {win}", measures=measures, observations=obs,
                           evidence=[_commit_ref(older)] if older else [])
