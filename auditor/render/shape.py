"""Shape an AuditResult into the data the report templates show.

The words come from the findings (their messages, evidence, measures and the
rules' documentation), so two repositories with different evidence get
different text. Nothing here reads git or files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from auditor.model import AreaScore, AuditResult, Effort, Evidence, Finding, Outcome, Signal, Status
from auditor.rule import load_rules

STARS = "⭐"


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    return m.group(1) if m else text


def evidence_ref(e: Evidence) -> dict[str, Any]:
    """An evidence reference split into parts the template escapes separately."""
    if e.commit:
        return {"kind": "commit", "ref": e.commit[:8], "date": e.date or "", "note": e.note or ""}
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


@dataclass
class Recommendation:
    rule_id: str
    area: str
    area_title: str
    text: str
    effort: Effort
    impact: float
    why: str

    @property
    def priority(self) -> float:
        return self.impact / self.effort.days


@dataclass
class Section:
    id: str
    number: int
    title: str
    status_line: str
    score: float
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


def status_line(a: AreaScore) -> str:
    if a.statuses:
        return " | ".join(f"{s.marker} {s.label} ({aspect.title()})" for aspect, s in a.statuses.items())
    return f"{a.status.marker} {a.status.label}"


def _docs_by_rule() -> dict[str, dict[str, str]]:
    classes, _ = load_rules()
    return {c.rule_id(): c.docs() for c in classes}


def _section(number: int, a: AreaScore, docs: dict[str, dict[str, str]], area_weight: float) -> Section:
    s = Section(id=a.area, number=number, title=a.title, status_line=status_line(a), score=a.score, reason=a.reason)
    for f in a.findings:
        d = docs.get(f.rule_id, {})
        why = first_sentence(d.get("Why it matters", ""))
        if f.outcome is Outcome.PASS:
            s.exists.append({"text": f.message, "refs": [evidence_ref(e) for e in f.evidence[:8]],
                             "more": max(0, len(f.evidence) - 8),
                             "measures": [measure_text(m) for m in f.measures]})
            if why:
                s.strengths.append(why)
        elif f.outcome is Outcome.FAIL:
            if f.waived:
                s.waived.append({"rule": f.rule_id, "reason": f.waived})
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
                effort=f.effort or Effort.DAY, impact=f.weight * area_weight, why=why))
        elif f.outcome in (Outcome.SKIP, Outcome.ERROR, Outcome.NOT_APPLICABLE):
            s.skipped.append({"rule": f.rule_id, "title": f.title, "reason": f.message,
                              "outcome": f.outcome.value})
        s.observations.extend(f.observations)
        s.not_determinable.extend(f.not_determinable)
        if f.rule_id.endswith("001") and f.outcome is Outcome.PASS and f.signal is Signal.EXTERNAL:
            s.where_tracked.append(f.message)
    s.missing = list(dict.fromkeys(s.missing))
    s.observations = list(dict.fromkeys(s.observations))
    s.strengths = list(dict.fromkeys(s.strengths))
    s.risks = list(dict.fromkeys(s.risks))
    s.not_determinable = list(dict.fromkeys(s.not_determinable))
    s.recommendations.sort(key=lambda r: (-r.priority, r.rule_id))
    return s


def _stars(n: int) -> str:
    n = max(1, min(5, n))
    return STARS * n + f" ({n}/5)"


def shape(result: AuditResult, *, timings: bool = False) -> dict[str, Any]:
    """Everything the Markdown template shows, as plain data."""
    from auditor.areas import BY_ID

    docs = _docs_by_rule()
    sections = [_section(i, a, docs, BY_ID[a.area].weight if a.area in BY_ID else 1.0)
                for i, a in enumerate(result.areas, start=1)]
    recs = sorted((r for s in sections for r in s.recommendations), key=lambda r: (-r.priority, r.area, r.rule_id))
    judged = [a for a in result.areas if a.status not in (Status.NOT_APPLICABLE, Status.NOT_DETERMINABLE)]
    strong = [a for a in judged if a.status is Status.STRONG]
    weak = sorted((a for a in judged if a.status is Status.MISSING), key=lambda a: (-BY_ID[a.area].weight, a.area))
    ctx = result.context
    team = ctx.get("team", "unknown")
    hist = ctx.get("history") or {}
    project = ctx.get("project") or {}

    # Efficiency for the current team: delivery habits; scalability: written, enforced practice.
    eff_ids = ("testing", "cicd", "velocity", "docs", "release")
    scale_ids = ("review", "dod", "dor", "workflow", "board", "collaboration", "monitoring", "sprints")
    def mean(ids):
        vals = [a.score for a in judged if a.area in ids]
        return sum(vals) / len(vals) if vals else 0.0
    efficiency = round(mean(eff_ids)) if team in ("solo", "small") else round(mean(eff_ids + scale_ids))
    scalability = round(mean(scale_ids))

    summary = {
        "state": _state_sentence(ctx, result),
        "key_finding": _key_finding(strong, weak),
        "efficiency": _stars(efficiency + (1 if team == "solo" and efficiency < 5 else 0)),
        "efficiency_reasons": [f"{a.title}: {status_line(a)}" for a in judged if a.area in eff_ids],
        "scalability": _stars(scalability),
        "scalability_reasons": [f"{a.title}: {status_line(a)}" for a in judged if a.area in scale_ids],
        "critical_gaps": [{"title": a.title, "why": next((r.why for r in recs if r.area == a.area), a.reason)}
                          for a in weak[:5]],
        "recommendations": recs[:7],
        "deeper": [(s.title, item) for s in sections for item in s.not_determinable],
    }
    chart = [{"id": a.area, "score": a.score} for a in result.areas]
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
    }


def _state_sentence(ctx: dict[str, Any], result: AuditResult) -> str:
    hist = ctx.get("history")
    project = (ctx.get("project") or {}).get("label", "project")
    if not hist:
        return f"A {project} with no readable history; only its files could be judged."
    team = {"solo": "Solo development", "small": "A small team", "team": "A team", "large": "A large team",
            "unknown": "A team"}[ctx.get("team", "unknown")]
    return (f"{team} ({hist['active_authors']} active author(s) in the last {hist['active_window_days']} days, "
            f"{hist['authors']} in all) on a {project}, with {hist['commits']} commits since {hist['first_date']}.")


def _key_finding(strong: list[AreaScore], weak: list[AreaScore]) -> str:
    def names(items):
        titles = [a.title.split(" (")[0].lower() for a in items[:4]]
        return ", ".join(titles[:-1]) + (" and " if len(titles) > 1 else "") + titles[-1] if titles else ""
    if strong and weak:
        return f"Strong {names(strong)}, but no evidence of {names(weak)}."
    if strong:
        return f"Strong {names(strong)}; no area is missing outright."
    if weak:
        return f"No area reaches a strong, documented and automated practice; there is no evidence of {names(weak)}."
    return "Practices exist in most areas but few are both documented and automated."
