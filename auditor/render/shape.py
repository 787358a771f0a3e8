"""Shape an AuditResult into the data the report templates show.

The words come from the findings (their messages, evidence, measures and the
rules' documentation), so two repositories with different evidence get
different text. Nothing here reads git or files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from auditor.model import AreaScore, AuditResult, Effort, Evidence, Outcome, Signal, Status
from auditor.render.config_view import configuration_view
from auditor.rule import load_rules

STARS = "⭐"


_ABBREVIATIONS = re.compile(r"\b(e\.g|i\.e|etc|vs|cf|approx|incl|no)\.$", re.I)


def first_sentence(text: str) -> str:
    """The first sentence of a documentation paragraph (abbreviations such as "e.g." do not end it)."""
    text = " ".join(text.split("\n\n")[0].split())
    for m in re.finditer(r"[.!?](?=\s|$)", text):
        head = text[: m.end()]
        if not _ABBREVIATIONS.search(head) and not head.endswith(("`.", "(.")) and head.count("`") % 2 == 0 \
                and head.count("(") <= head.count(")"):
            return head
    return text


def evidence_ref(e: Evidence) -> dict[str, Any]:
    """An evidence reference split into parts the template escapes separately."""
    if e.commit:
        ref = f"{e.path} @ {e.commit[:8]}" if e.path else e.commit[:8]
        return {"kind": "commit", "ref": ref, "date": e.date or "", "note": e.note or ""}
    if e.tag:
        return {"kind": "tag", "ref": e.tag, "date": e.date or "", "note": e.note or ""}
    if e.path:
        return {"kind": "path", "ref": f"{e.path}:{e.line}" if e.line else e.path, "date": "", "note": e.note or ""}
    return {"kind": "note", "ref": "", "date": "", "note": e.note or ""}


def measure_text(m) -> str:
    value = m.value
    if isinstance(value, float):
        value = f"{value:.0%}" if m.unit == "%" else f"{value:g}"
    elif m.unit == "%":
        value = f"{value}%"
    unit = "" if m.unit in ("", "%") else f" {m.unit}"
    thr = ""
    if m.threshold is not None:
        t = f"{m.threshold:.0%}" if m.unit == "%" and isinstance(m.threshold, float) else f"{m.threshold:g}"
        thr = f" (threshold {t})"
    win = f", {m.window}" if m.window else ""
    return f"{m.name}: {value}{unit}{thr}{win}"


SEVERITY = {Status.MISSING: 1.0, Status.INFERRED: 0.8, Status.PARTIAL: 0.6, Status.REACTIVE: 0.6,
            Status.STRONG: 0.3, Status.NOT_DETERMINABLE: 0.5, Status.NOT_APPLICABLE: 0.0}


@dataclass
class Recommendation:
    rule_id: str
    area: str
    area_title: str
    text: str
    effort: Effort
    impact: float
    why: str
    after: tuple[str, ...] = ()
    also: list[str] = field(default_factory=list)   # other rules the same action closes

    @property
    def priority(self) -> float:
        # Impact per effort, with effort damped: a consultant still leads with the
        # decisive week-long fix for a critical gap over a string of one-hour chores.
        return self.impact / self.effort.days ** 0.5

    @property
    def key(self) -> str:
        """The file the recommendation creates ("Add `X` …"), to merge duplicates across areas."""
        m = re.match(r"(?:Add|Create)\s+`([^`]+)`", self.text)
        return m.group(1) if m else self.rule_id


def order_recommendations(recs: list[Recommendation]) -> list[Recommendation]:
    """Highest priority first, duplicates merged, and a recommendation after those it builds on."""
    merged: dict[str, Recommendation] = {}
    for r in sorted(recs, key=lambda r: (-r.priority, r.rule_id)):
        kept = merged.get(r.key)
        if kept is None:
            merged[r.key] = r
        else:
            kept.also.append(r.rule_id)
    ordered = list(merged.values())
    # A stable pass that moves each recommendation after the ones it declares it builds on.
    placed: list[Recommendation] = []
    pending = list(ordered)
    ids_present = {x for r in ordered for x in [r.rule_id, *r.also]}
    while pending:
        for i, r in enumerate(pending):
            done = {x for p in placed for x in [p.rule_id, *p.also]}
            if all(a in done or a not in ids_present for a in r.after):
                placed.append(pending.pop(i))
                break
        else:  # a cycle in declared dependencies: keep priority order
            placed.extend(pending)
            break
    return placed


@dataclass
class Section:
    id: str
    number: int
    title: str
    status_line: str
    score: float
    table_status: str
    aspect_scores: dict[str, float]
    reason: str
    exists: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    observations: list[str] = field(default_factory=list)
    strengths: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    where_tracked: list[str] = field(default_factory=list)
    not_determinable: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    waived: list[dict[str, str]] = field(default_factory=list)


def status_line(a: AreaScore, sep: str = " | ") -> str:
    """The seed's status line: ``✅ STRONG (Implementation) | ❌ MISSING (Documentation)``."""
    if a.statuses:
        return sep.join(f"{s.marker} {s.label} ({aspect.title()})" for aspect, s in a.statuses.items())
    return f"{a.status.marker} {a.status.label}"


def table_status(a: AreaScore) -> str:
    """The status line for a table cell, where a bare ``|`` would start a new column."""
    return status_line(a, " / ")


def _docs_by_rule(result: AuditResult) -> tuple[dict[str, dict[str, str]], dict[str, tuple[str, ...]]]:
    # The rules that ran, local packs included; a result built elsewhere falls back to the installed rules.
    classes = list(result.rule_classes) or load_rules()[0]
    return {c.rule_id(): c.docs() for c in classes}, {c.rule_id(): tuple(c.after) for c in classes}


def _section(number: int, a: AreaScore, docs: dict[str, dict[str, str]], area_weight: float,
             after: dict[str, tuple[str, ...]]) -> Section:
    s = Section(id=a.area, number=number, title=a.title, status_line=status_line(a), score=a.score, reason=a.reason,
                table_status=table_status(a), aspect_scores=dict(a.aspect_scores))
    for f in a.findings:
        d = docs.get(f.rule_id, {})
        why = first_sentence(d.get("Why it matters", ""))
        if f.outcome is Outcome.PASS:
            s.exists.append({"text": f.message, "refs": [evidence_ref(e) for e in f.evidence[:8]],
                             "more": max(0, len(f.evidence) - 8),
                             "measures": [measure_text(m) for m in f.measures]})
            if f.signal in (Signal.EXTERNAL, Signal.AD_HOC):
                # Present but outside the repository or ad hoc: a partial strength that carries a risk.
                s.strengths.append(f"{f.title} — {'outside the repository' if f.signal is Signal.EXTERNAL else 'ad hoc'}")
                if why:
                    s.risks.append(why)
            else:
                s.strengths.append(f.title)
        elif f.outcome is Outcome.FAIL:
            if f.waived:
                s.waived.append({"rule": f.rule_id, "reason": f.waived, "message": f.message})
                continue
            s.exists.append({"text": f.message, "refs": [evidence_ref(e) for e in f.evidence[:8]],
                             "more": max(0, len(f.evidence) - 8),
                             "measures": [measure_text(m) for m in f.measures]})
            s.missing.extend(f.missing)
            if why:
                s.risks.append(why)
            fix = first_sentence(d.get("How to fix", "")) or f.title
            s.recommendations.append(Recommendation(
                rule_id=f.rule_id, area=a.area, area_title=a.title, text=fix,
                effort=f.effort or Effort.DAY, impact=f.weight * area_weight * SEVERITY.get(a.status, 0.5),
                why=why, after=after.get(f.rule_id, ())))
        elif f.outcome in (Outcome.SKIP, Outcome.ERROR, Outcome.NOT_APPLICABLE):
            s.skipped.append({"rule": f.rule_id, "title": f.title, "reason": f.message,
                              "outcome": f.outcome.value})
        for o in f.observations:
            # Rules state where a practice is tracked as an observation "Where tracked: …".
            if o.lower().startswith("where tracked:"):
                s.where_tracked.append(o.split(":", 1)[1].strip())
            else:
                s.observations.append(o)
        s.not_determinable.extend(f.not_determinable)
        if f.rule_id.endswith("001") and f.outcome is Outcome.PASS and f.signal is Signal.EXTERNAL:
            s.where_tracked.append(f.message)
    s.where_tracked = list(dict.fromkeys(s.where_tracked))
    s.missing = list(dict.fromkeys(s.missing))
    s.observations = list(dict.fromkeys(s.observations))
    s.strengths = list(dict.fromkeys(s.strengths))
    s.risks = list(dict.fromkeys(s.risks))
    s.not_determinable = list(dict.fromkeys(s.not_determinable))
    s.recommendations = order_recommendations(s.recommendations)
    return s


# Efficiency for the current team: how well the work it does today gets delivered.
EFFICIENCY_AREAS = ("testing", "cicd", "velocity", "docs")
# Scalability for growth: the shared, written and enforced process a larger team needs.
SCALABILITY_AREAS = ("review", "dod", "dor", "workflow", "board", "collaboration", "monitoring", "sprints")
QUALITY_BASE = ("testing", "docs", "cicd")


def _delivery_score(a: AreaScore) -> float:
    # For efficiency what counts is how the practice is carried out, not whether it is written down.
    return a.aspect_scores.get("implementation", a.score)


def star_ratings(judged: list[AreaScore], team: str) -> tuple[int, int]:
    """(efficiency, scalability) out of five, from the area scores.

    Efficiency averages the delivery areas (implementation side); a larger team's efficiency
    also depends on its shared process. Scalability averages the team-process areas and the
    quality base (tests, docs, CI) a growing team inherits, starting from one star.
    """
    def mean(ids, score=lambda a: a.score):
        vals = [score(a) for a in judged if a.area in ids]
        return sum(vals) / len(vals) if vals else 0.0

    efficiency = mean(EFFICIENCY_AREAS, _delivery_score)
    if team not in ("solo", "small"):
        efficiency = (efficiency + mean(SCALABILITY_AREAS)) / 2
    scalability = 1 + 0.9 * mean(SCALABILITY_AREAS + QUALITY_BASE)
    return _clamp_stars(efficiency), _clamp_stars(scalability)


def _clamp_stars(x: float) -> int:
    return max(1, min(5, round(x)))


def _stars(n: int) -> str:
    n = max(1, min(5, n))
    return STARS * n + f" ({n}/5)"


def shape(result: AuditResult, *, timings: bool = False) -> dict[str, Any]:
    """Everything the Markdown template shows, as plain data."""
    from auditor.areas import BY_ID

    docs, after = _docs_by_rule(result)
    sections = [_section(i, a, docs, BY_ID[a.area].weight if a.area in BY_ID else 1.0, after)
                for i, a in enumerate(result.areas, start=1)]
    # Immediate recommendations: the decisive fix of each area (its weightiest failing
    # rule, the quicker of equals), then ranked across areas by impact per effort.
    leads = [max(s.recommendations, key=lambda r: (r.impact, -r.effort.days)) for s in sections if s.recommendations]
    judged = [a for a in result.areas if a.status not in (Status.NOT_APPLICABLE, Status.NOT_DETERMINABLE)]
    weak = sorted((a for a in judged if a.status is Status.MISSING), key=lambda a: (-BY_ID[a.area].weight, a.area))
    critical = {a.area for a in weak[:5]}
    # The critical gaps' fixes come first, so the summary answers the gaps it names.
    recs = order_recommendations([r for r in leads if r.area in critical])
    recs += [r for r in order_recommendations([r for r in leads if r.area not in critical])
             if r.key not in {x.key for x in recs}]
    strong = [a for a in judged if a.status is Status.STRONG]
    ctx = result.context
    team = ctx.get("team", "unknown")
    hist = ctx.get("history") or {}
    project = ctx.get("project") or {}

    efficiency, scalability = star_ratings(judged, team)
    summary = {
        "state": _state_sentence(ctx, result),
        "key_finding": _key_finding(strong, weak),
        "efficiency": _stars(efficiency),
        "efficiency_reasons": [(a.title, status_line(a), verdict(a)) for a in judged if a.area in EFFICIENCY_AREAS],
        "scalability": _stars(scalability),
        "scalability_reasons": [(a.title, status_line(a), verdict(a)) for a in judged if a.area in SCALABILITY_AREAS],
        "critical_gaps": [dict(zip(("title", "why", "why_is_doc"),
                                   (a.title, *_gap_reason(next(s for s in sections if s.id == a.area), a))))
                          for a in weak[:5]],
        "recommendations": recs[:7],
        "deeper": [(s.title, s.not_determinable) for s in sections if s.not_determinable],
    }
    chart = [{"id": a.area, "score": a.score} for a in result.areas]
    from auditor.render.advice import framework, mermaid_workflow, workflow_steps
    method = dict(result.method)
    return {
        "result": result,
        "repo": result.repository,
        "as_of": result.as_of.isoformat(),
        "maturity": result.maturity,
        "overall": result.overall,
        "areas": result.areas,
        "sections": sections,
        "summary": summary,
        "context": ctx,
        "team": team,
        "history": hist,
        "project": project,
        "chart": chart,
        "method": method,
        "timings": timings,
        "status_line": status_line,
        "verdicts": {a.area: verdict(a) for a in result.areas},
        "comparison": result.comparison,
        "configuration": configuration_view(method.get("configuration"), ctx),
        "next_review": (result.as_of + __import__("datetime").timedelta(weeks=4)).isoformat(),
        "framework": framework(list(result.areas), team),
        "workflow_mermaid": mermaid_workflow(list(result.areas)),
        "workflow_steps": workflow_steps(list(result.areas)),
    }


def _gap_reason(section: Section, a: AreaScore) -> tuple[str, bool]:
    """Why a gap is critical, and whether that text is rule documentation (trusted Markdown)."""
    if section.recommendations:
        lead = max(section.recommendations, key=lambda r: (r.impact, -r.effort.days))
        if lead.why:
            return lead.why, True
    return verdict(a), False  # a finding message: it may quote the repository


def verdict(a: AreaScore) -> str:
    """One line for the scorecard: the weightiest finding that explains the status."""
    if a.status in (Status.NOT_APPLICABLE, Status.NOT_DETERMINABLE):
        return a.reason if a.status is Status.NOT_DETERMINABLE else next(
            (f.message for f in a.findings if f.outcome is Outcome.NOT_APPLICABLE), a.reason)
    want = Outcome.FAIL if a.status is Status.MISSING else Outcome.PASS
    candidates = [f for f in a.findings if f.outcome is want and not f.waived] or \
                 [f for f in a.findings if f.counts]
    if not candidates:
        return a.reason
    best = max(candidates, key=lambda f: f.weight)  # max() keeps the first of equals: rule order
    return best.message


def _state_sentence(ctx: dict[str, Any], result: AuditResult) -> str:
    hist = ctx.get("history")
    project = (ctx.get("project") or {}).get("label", "project")
    if not hist:
        return f"A {project} with no readable history; only its files could be judged."
    team = {"solo": "Solo development", "small": "A small team", "team": "A team", "large": "A large team",
            "unknown": "A team"}[ctx.get("team", "unknown")]
    active = hist["active_authors"]
    if hist.get("dormant_days"):
        return (f"{team} ({active} author{'s' if active != 1 else ''} active in the 90 days before the last commit, "
                f"{hist['authors']} in all) on a {project}, with {hist['commits']} commits since "
                f"{hist['first_date']}; no commits since {hist['last_date']} ({hist['dormant_days']} days before the "
                "audit date).")
    return (f"{team} ({active} active author{'s' if active != 1 else ''} in the last "
            f"{hist['active_window_days']} days, {hist['authors']} in all) on a {project}, "
            f"with {hist['commits']} commits since {hist['first_date']}.")


def _lower_first(title: str) -> str:
    """Sentence case for a title inside a sentence, sparing acronyms ("CI/CD Pipeline" stays)."""
    words = title.split(" ")
    return " ".join(w if w[:2].isupper() else w.lower() for w in words)


def _key_finding(strong: list[AreaScore], weak: list[AreaScore]) -> str:
    def names(items):
        titles = [_lower_first(a.title.split(" (")[0]) for a in items[:4]]
        return ", ".join(titles[:-1]) + (" and " if len(titles) > 1 else "") + titles[-1] if titles else ""
    if strong and weak:
        return f"Strong {names(strong)}, but no evidence of {names(weak)}."
    if strong:
        return f"Strong {names(strong)}; no area is missing outright."
    if weak:
        return f"No area reaches a strong, documented and automated practice; there is no evidence of {names(weak)}."
    return "Practices exist in most areas but few are both documented and automated."
