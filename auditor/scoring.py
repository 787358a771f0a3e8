"""The scoring policy: findings → area status and 0–5 score → overall maturity level.

One small pure function set, tested on literal findings. The policy in words:

* Only PASS and FAIL findings (not waived) count. An area whose findings are all
  NOT_APPLICABLE is ``NOT_APPLICABLE``; one whose findings are all skipped is
  ``NOT_DETERMINABLE``.
* ``ratio`` is the weighted share of passing findings.
* The status follows the *kind* of evidence that passed:

  - nothing passed → ``MISSING``;
  - documented or automated evidence and ``ratio ≥ 0.75`` → ``STRONG``;
  - ad-hoc evidence (present but reactive) weighing at least as much as the
    documented and automated evidence → ``REACTIVE``;
  - documented, automated or external evidence → ``PARTIAL``;
  - only habits observed in the history → the area's implicit floor (``INFERRED``,
    or ``MISSING`` for the Definitions of Done and Ready, which are not definitions
    until written down).

  Areas judged from the history alone (velocity) use the observed evidence like
  documented evidence; pain points are always ``INFERRED``.
* The score sits inside the status's band (MISSING 0–1, INFERRED 1–2,
  PARTIAL/REACTIVE 2–3, STRONG 4–5) at the position ``ratio`` gives.
* When the area has findings for both aspects (implementation, documentation)
  and they earn different statuses, both are reported.
* The overall score is the area-weighted mean of determinable areas; the maturity
  level is read off it (see :data:`LEVELS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from auditor.areas import AREAS, Area
from auditor.model import AreaScore, Aspect, Finding, Maturity, Outcome, Signal, Status

BANDS: dict[Status, tuple[float, float]] = {
    Status.MISSING: (0.0, 1.0),
    Status.INFERRED: (1.0, 2.0),
    Status.PARTIAL: (2.0, 3.0),
    Status.REACTIVE: (2.0, 3.0),
    Status.STRONG: (4.0, 5.0),
}
STRONG_RATIO = 0.75

LEVELS: tuple[tuple[float, Maturity], ...] = (
    (1.5, Maturity(1, "Individual contributor",
                   "work runs on one person's habits; little is written down or enforced")),
    (2.5, Maturity(2, "Repeatable",
                   "some practices repeat reliably, but they live in habits rather than in documents and automation")),
    (3.25, Maturity(3, "Defined",
                    "the core practices are written down and enforced by automation")),
    (4.25, Maturity(4, "Managed",
                    "practices are defined, automated and measured; quality gates hold")),
    (99.0, Maturity(5, "Optimizing",
                    "the team measures outcomes in production and feeds them back into its process")),
)


def _ratio(findings: Sequence[Finding]) -> float:
    total = sum(f.weight for f in findings)
    return sum(f.weight for f in findings if f.outcome is Outcome.PASS) / total if total else 0.0


def _status(area: Area, findings: Sequence[Finding]) -> tuple[Status, float, str]:
    counted = [f for f in findings if f.counts]
    if not counted:
        if findings and all(f.outcome is Outcome.NOT_APPLICABLE for f in findings if not f.waived):
            return Status.NOT_APPLICABLE, 0.0, findings[0].message
        return Status.NOT_DETERMINABLE, 0.0, "no rule could decide from the repository"
    ratio = _ratio(counted)
    signals = {f.signal for f in counted if f.outcome is Outcome.PASS}
    firm = signals & {Signal.DOCUMENTED, Signal.AUTOMATED}
    firm_weight = sum(f.weight for f in counted if f.outcome is Outcome.PASS and f.signal in firm)
    ad_hoc_weight = sum(f.weight for f in counted if f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC)
    if area.id == "pain-points":
        status, why = Status.INFERRED, "pain points are inferred from the history and the tree"
    elif not signals:
        status, why = Status.MISSING, "no evidence of the practice"
    elif area.observed_only and Signal.OBSERVED in signals:
        status = Status.STRONG if ratio >= STRONG_RATIO else Status.PARTIAL if ratio >= 0.4 else Status.INFERRED
        why = "judged from the history"
    elif firm and ratio >= STRONG_RATIO:
        status, why = Status.STRONG, "documented or automated, and visible"
    elif ad_hoc_weight and ad_hoc_weight >= firm_weight:
        status, why = Status.REACTIVE, "the practice exists but is ad hoc"
    elif firm or signals & {Signal.EXTERNAL, Signal.AD_HOC}:
        status, why = Status.PARTIAL, "some of the practice exists"
        if Signal.EXTERNAL in signals and not firm:
            why = "the practice appears to live outside the repository"
    else:
        status = Status(area.implicit_floor)
        why = "not documented; the history shows an implicit practice"
    lo, hi = BANDS[status]
    return status, round(lo + (hi - lo) * ratio, 1), why


def score_area(area: Area, findings: Sequence[Finding]) -> AreaScore:
    """Judge one area from its findings."""
    status, score, why = _status(area, findings)
    statuses: dict[str, Status] = {}
    aspect_scores: dict[str, float] = {}
    by_aspect = {a: [f for f in findings if f.aspect is a] for a in Aspect}
    if all(any(f.counts for f in fs) for fs in by_aspect.values()):
        judged = {a.value: _status(area, fs) for a, fs in by_aspect.items()}
        if len({st for st, _, _ in judged.values()}) > 1:
            statuses = {k: st for k, (st, _, _) in judged.items()}
            aspect_scores = {k: sc for k, (_, sc, _) in judged.items()}
            status = statuses[Aspect.IMPLEMENTATION.value]
            why = "; ".join(f"{k}: {r}" for k, (_, _, r) in judged.items())
    return AreaScore(area=area.id, title=area.title, status=status, score=score,
                     findings=tuple(findings), statuses=statuses, aspect_scores=aspect_scores, reason=why)


def score_areas(findings: Iterable[Finding], areas: Sequence[Area] = AREAS,
                weights: dict[str, float] | None = None) -> tuple[list[AreaScore], float, Maturity]:
    """Score every area and derive the overall score and maturity level."""
    grouped: dict[str, list[Finding]] = {a.id: [] for a in areas}
    for f in findings:
        grouped.setdefault(f.area, []).append(f)
    scored = [score_area(a, grouped[a.id]) for a in areas]
    overall = overall_score(scored, areas, weights)
    return scored, overall, maturity_for(overall)


def overall_score(scored: Sequence[AreaScore], areas: Sequence[Area] = AREAS,
                  weights: dict[str, float] | None = None) -> float:
    w = {a.id: a.weight for a in areas} | (weights or {})
    parts = [(s.score, w.get(s.area, 1.0)) for s in scored
             if s.status not in (Status.NOT_APPLICABLE, Status.NOT_DETERMINABLE)]
    total = sum(x for _, x in parts)
    return round(sum(s * x for s, x in parts) / total, 2) if total else 0.0


def maturity_for(overall: float) -> Maturity:
    for upper, level in LEVELS:
        if overall < upper:
            return level
    return LEVELS[-1][1]
