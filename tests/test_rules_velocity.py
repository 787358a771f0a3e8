"""Delivery-velocity rules on literal histories."""

import datetime as dt

from auditor.model import Outcome, Signal
from auditor.rules.velocity import VEL001, VEL002, VEL003, VEL004, VEL005
from auditor.testing import evaluate, make_history


def on(day: dt.date, hour: int = 11, tz: str = "+00:00") -> str:
    return f"{day.isoformat()}T{hour:02d}:30:00{tz}"


AS_OF = dt.date(2025, 10, 18)


def days_ago(n: int) -> dt.date:
    return AS_OF - dt.timedelta(days=n)


# -- VEL001 commit frequency ----------------------------------------------------------------


def test_steady_daily_work_passes_with_windows():
    f = evaluate(VEL001, history=make_history([{"subject": f"change {i}"} for i in range(40)]))
    assert f.outcome is Outcome.PASS and f.signal is Signal.OBSERVED
    assert f.message.startswith("28 commits in the last 28 days, 7 per week on 28 of 28 days, against 12")
    commits = f.measures[0]
    assert commits.value == 28 and commits.window.startswith("last 28 days (2025-09-21 to 2025-10-18)")


def test_thin_or_shallow_history_is_insufficient():
    f = evaluate(VEL001, history=make_history([{"subject": "Initial import"}, {"subject": "Add CI"}]))
    assert f.outcome is Outcome.SKIP and f.message.startswith("insufficient history")
    shallow = make_history([{"subject": f"c {i}"} for i in range(12)])  # spans 12 days only
    shallow.is_shallow = True
    f = evaluate(VEL001, history=shallow)
    assert f.outcome is Outcome.SKIP and "shallow" in f.message
    assert evaluate(VEL005, history=shallow).outcome is Outcome.SKIP


def test_silence_and_slowdown_fail():
    old = [{"subject": f"old {i}", "date": on(days_ago(60 + i))} for i in range(10)]
    f = evaluate(VEL001, history=make_history(old))
    assert f.outcome is Outcome.FAIL
    # a dormant project: the message says how long, and the observation what the last active weeks held
    assert f.message == ("no commits in the last 28 days; the latest commit is from 2025-08-19, 60 days before "
                         "the audit date"), f.message
    assert f.observations[-1] == ("In the 28 days up to its latest commit (2025-08-19) the project had 10 commits; "
                                  "nothing has landed since.")
    slowing = ([{"subject": f"new {i}", "date": on(days_ago(2 + i))} for i in range(5)]
               + [{"subject": f"prev {i}", "date": on(days_ago(29 + i // 2))} for i in range(20)])
    f = evaluate(VEL001, history=make_history(slowing))
    assert f.outcome is Outcome.FAIL and f.message.startswith("delivery slowed: 5 commits")
    change = next(m for m in f.measures if m.name == "change against the previous window")
    assert change.value == -0.75


# -- VEL002 commit size -----------------------------------------------------------------------


def with_sizes(lines: list[int]):
    history = make_history([{"subject": f"change {i}"} for i in range(len(lines) + 1)])
    history.sizes = {c.hash: (2, n, 0) for c, n in zip(history.recent, lines + [50_000])}  # the root is left out
    return history


def test_small_commits_pass_and_name_the_largest():
    f = evaluate(VEL002, history=with_sizes([10, 20, 30, 40, 50, 60, 700]))
    assert f.outcome is Outcome.PASS
    assert f.measures[0].value == 40 and f.measures[0].window == "last 7 non-merge commits"
    assert f.evidence[0].note.startswith("700 lines in 2 files")


def test_large_median_fails_and_tiny_samples_skip():
    f = evaluate(VEL002, history=with_sizes([400, 500, 600, 700, 1500]))
    assert f.outcome is Outcome.FAIL and "median of 600 lines" in f.message
    assert next(m for m in f.measures if m.name == "commits over the oversized limit").value == 1
    assert evaluate(VEL002, history=with_sizes([10, 20])).outcome is Outcome.SKIP


# -- VEL003 feature vs fix ----------------------------------------------------------------------


def test_feature_and_fix_share():
    mostly_features = [{"subject": f"Add feature {i}"} for i in range(8)] + [{"subject": "Fix crash"}] * 2
    f = evaluate(VEL003, history=make_history(mostly_features))
    assert f.outcome is Outcome.PASS and f.message == "8 feature and 2 fix commits in the last 90 days"
    assert f.measures[-1].value == 0.2
    mostly_fixes = [{"subject": f"fix: bug {i}"} for i in range(6)] + [{"subject": "feat: thing"}] * 2
    f = evaluate(VEL003, history=make_history(mostly_fixes))
    assert f.outcome is Outcome.FAIL and "fixes are 75%" in f.message
    assert evaluate(VEL003, history=make_history([{"subject": "tidy"}] * 9)).outcome is Outcome.SKIP


# -- VEL004 work pattern ------------------------------------------------------------------------


def test_sustained_night_work_fails_with_local_times():
    nights = [{"subject": f"late {i}", "date": on(days_ago(1 + 3 * i), 23, "-07:00")} for i in range(12)]
    f = evaluate(VEL004, history=make_history(nights))
    assert f.outcome is Outcome.FAIL and "12 of 12 commits at night across" in f.message
    assert f.measures[0].value == 1.0
    assert "23:30 local" in f.evidence[0].note


def test_office_hours_pass_and_small_windows_skip():
    weekdays = [d for d in (days_ago(i) for i in range(40)) if d.weekday() < 5][:20]
    f = evaluate(VEL004, history=make_history([{"subject": f"c {i}", "date": on(d, 10)} for i, d in enumerate(weekdays)]))
    assert f.outcome is Outcome.PASS and f.message == "0 of 20 commits at night and 0 at weekends in the last 90 days"
    assert "busiest hour 10:00" in f.observations[0]
    assert evaluate(VEL004, history=make_history([{"subject": "x"}] * 5)).outcome is Outcome.SKIP


# -- VEL005 recent features ---------------------------------------------------------------------


def test_recent_features_listed_with_commits():
    commits = [{"subject": "Implement 2% platform fee via Stripe Connect", "paths": ["src/fee.ts"]},
               {"subject": "Add E2E test for checkout", "paths": ["src/checkout.ts"]},
               {"subject": "Add START_HERE testing guide", "paths": ["START_HERE.md"]},
               {"subject": "feat(promo): promo codes with usage limits", "paths": ["src/promo.ts"]}]
    commits += [{"subject": f"tidy {i}", "date": on(days_ago(40 + i))} for i in range(8)]
    f = evaluate(VEL005, history=make_history(commits))
    assert f.outcome is Outcome.PASS
    assert f.measures[0].value == 2
    assert f.observations == ("Recent feature (2025-10-18): Implement 2% platform fee via Stripe Connect",
                              "Recent feature (2025-10-15): promo codes with usage limits")
    assert all(e.commit for e in f.evidence)


def test_no_recent_feature_fails_and_cites_the_last_one():
    commits = [{"subject": f"tidy {i}"} for i in range(10)] + [
        {"subject": "Add exports", "paths": ["src/export.py"], "date": on(days_ago(45))}]
    f = evaluate(VEL005, history=make_history(commits))
    assert f.outcome is Outcome.FAIL and f.message == "no feature commits in the last 30 days"
    assert "Add exports" in f.observations[-1] and f.evidence[0].commit


def test_sustained_weekend_work_cites_weekend_commits():
    saturdays = [{"subject": f"weekend {i}", "date": on(days_ago(0) - dt.timedelta(days=7 * i), 14)} for i in range(6)]
    weekdays = [{"subject": f"weekday {i}", "date": on(days_ago(2 + 7 * i), 14)} for i in range(6)]
    rows = sorted(saturdays + weekdays, key=lambda c: c["date"], reverse=True)
    f = evaluate(VEL004, history=make_history(rows))
    assert f.outcome is Outcome.FAIL and "6 of 12 commits at weekends across 6 weeks" in f.message
    assert all(e.note.startswith("Saturday 14:30 local") for e in f.evidence)
