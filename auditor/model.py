"""The domain objects every stage shares: evidence, findings, statuses, scores, results.

They are plain frozen data. Rules create :class:`Finding` objects; scoring turns
findings into :class:`AreaScore`; renderers read an :class:`AuditResult`.
Nothing here runs git, reads files or renders text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Outcome(str, Enum):
    """What a rule concluded."""

    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"                      # could not decide (e.g. history unavailable): never a guess
    NOT_APPLICABLE = "not_applicable"  # the practice does not apply to this kind of project
    ERROR = "error"                    # the rule raised; the audit went on


class Status(str, Enum):
    """An area's status, with the seed audit's markers and words."""

    MISSING = "MISSING"
    INFERRED = "INFERRED"
    PARTIAL = "PARTIAL"
    REACTIVE = "REACTIVE"
    STRONG = "STRONG"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    NOT_DETERMINABLE = "NOT_DETERMINABLE"

    @property
    def marker(self) -> str:
        return {"MISSING": "❌", "INFERRED": "🔍", "PARTIAL": "⚠️", "REACTIVE": "⚠️", "STRONG": "✅",
                "NOT_APPLICABLE": "➖", "NOT_DETERMINABLE": "❔"}[self.value]

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Signal(str, Enum):
    """What kind of evidence a passing finding is — it decides which status it can earn."""

    DOCUMENTED = "documented"   # a written practice: a doc, a template, a checklist
    AUTOMATED = "automated"     # enforced by configuration: CI, bots, hooks
    OBSERVED = "observed"       # visible in the history as a habit
    EXTERNAL = "external"       # lives outside the repository (e.g. a hosting platform)
    AD_HOC = "ad_hoc"           # present but reactive: written after the fact, no templates


class Aspect(str, Enum):
    """Whether a rule judges how a practice is carried out or how it is written down."""

    IMPLEMENTATION = "implementation"
    DOCUMENTATION = "documentation"


class Effort(str, Enum):
    """Effort to act on a recommendation, as a consultant estimates it."""

    HOUR = "hour"
    DAY = "day"
    DAYS = "days"
    WEEK = "week"
    ONGOING = "ongoing"

    @property
    def label(self) -> str:
        return {"hour": "1 hour", "day": "1 day", "days": "2–3 days", "week": "1 week",
                "ongoing": "ongoing"}[self.value]

    @property
    def days(self) -> float:
        """Rough person-days, for ranking by impact per effort."""
        return {"hour": 0.15, "day": 1.0, "days": 2.5, "week": 5.0, "ongoing": 8.0}[self.value]


@dataclass(frozen=True)
class Evidence:
    """A reference a claim rests on: a file (and line), a commit (and date), or a tag."""

    path: str | None = None
    line: int | None = None
    commit: str | None = None
    date: str | None = None       # ISO date of the commit or tag
    tag: str | None = None
    note: str | None = None       # what this reference shows, as plain text (escaped on output)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Measure:
    """A number a judgement rests on, shown next to it in the report."""

    name: str
    value: float | int | str
    unit: str = ""
    threshold: float | int | None = None
    window: str | None = None     # e.g. "last 90 days", "last 30 first-parent commits"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass(frozen=True)
class Finding:
    """One rule's conclusion about one practice, with its evidence."""

    rule_id: str
    area: str
    title: str
    outcome: Outcome
    message: str                                   # one plain-text sentence
    evidence: tuple[Evidence, ...] = ()
    measures: tuple[Measure, ...] = ()
    signal: Signal | None = None
    aspect: Aspect | None = None
    weight: float = 1.0
    missing: tuple[str, ...] = ()                  # checklist items the practice lacks
    not_determinable: tuple[str, ...] = ()         # questions only the hosting platform can answer
    observations: tuple[str, ...] = ()             # further plain-text observations
    effort: Effort | None = None
    waived: str | None = None                      # the waiver's reason, when a waiver applies

    @property
    def counts(self) -> bool:
        """Whether this finding takes part in scoring."""
        return self.outcome in (Outcome.PASS, Outcome.FAIL) and self.waived is None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule_id,
            "title": self.title,
            "outcome": self.outcome.value,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
            "measures": [m.to_dict() for m in self.measures],
        }
        if self.signal:
            out["signal"] = self.signal.value
        if self.aspect:
            out["aspect"] = self.aspect.value
        if self.missing:
            out["missing"] = list(self.missing)
        if self.not_determinable:
            out["not_determinable"] = list(self.not_determinable)
        if self.observations:
            out["observations"] = list(self.observations)
        if self.effort:
            out["effort"] = self.effort.value
        if self.waived:
            out["waived"] = self.waived
        return out


@dataclass(frozen=True)
class AreaScore:
    """An area's judgement: status (or per-aspect statuses), score 0–5 and its findings."""

    area: str
    title: str
    status: Status
    score: float
    findings: tuple[Finding, ...]
    statuses: dict[str, Status] = field(default_factory=dict)  # aspect -> status, when they differ
    aspect_scores: dict[str, float] = field(default_factory=dict)  # aspect -> score, when they differ
    reason: str = ""                                           # why the status (plain text)


@dataclass(frozen=True)
class Maturity:
    level: int
    name: str
    meaning: str


@dataclass(frozen=True)
class RepositoryInfo:
    """Identity of what was audited."""

    name: str
    revision: str
    revision_date: str | None
    ref: str | None
    default_branch: str | None
    is_shallow: bool
    is_bare: bool


@dataclass(frozen=True)
class AuditResult:
    """Everything the renderers need; produced by :func:`auditor.audit`."""

    repository: RepositoryInfo
    as_of: dt.date
    areas: tuple[AreaScore, ...]
    maturity: Maturity
    overall: float
    tool_version: str
    rules_run: tuple[str, ...]
    context: dict[str, Any]            # project kind, team size, scripts... shaped for the report
    method: dict[str, Any]             # revision, rules skipped, time taken, limits applied
    comparison: Any = None             # auditor.baseline.Comparison when --baseline was given
    # The rule classes that ran, so renderers quote the docs of local packs too (not serialized).
    rule_classes: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    # How the audit went, for stderr (a cache it could not use, a worker that did not start); never
    # in a report, which must not depend on the state of the cache.
    notes: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def area(self, area_id: str) -> AreaScore:
        return next(a for a in self.areas if a.area == area_id)

    @property
    def findings(self) -> list[Finding]:
        return [f for a in self.areas for f in a.findings]
