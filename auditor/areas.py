"""The sixteen process areas of the rubric (../shared/RUBRIC.md), in report order.

Each area declares how implicit, history-only evidence is judged: for most areas
a habit visible only in the history earns 🔍 INFERRED; for the Definition of Done
the seed audit keeps ❌ MISSING and shows the implicit DoD beside it, because a
DoD that is not written down is not a definition.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    id: str
    title: str            # the seed audit's section heading
    weight: float = 1.0   # weight in the overall score
    implicit_floor: str = "INFERRED"  # status that history-only evidence earns
    observed_only: bool = False       # an area judged from the history alone (no docs expected)


AREAS: tuple[Area, ...] = (
    Area("board", "Issue Board & Backlog", 1.0),
    Area("sprints", "Sprint Rituals & Ceremonies", 0.75),
    Area("dod", "Definition of Done (DoD)", 1.0, implicit_floor="MISSING"),
    Area("dor", "Definition of Ready (DoR)", 0.75, implicit_floor="MISSING"),
    Area("workflow", "Workflow Diagrams & Standard Operating Procedures", 1.0),
    Area("cicd", "CI/CD Pipeline", 1.5),
    Area("review", "Code Review Process", 1.5),
    Area("testing", "Testing Strategy", 1.5),
    Area("docs", "Documentation Process", 1.0),
    Area("monitoring", "Monitoring & Observability", 1.0),
    Area("feedback", "Production Feedback Loop", 0.75),
    Area("security", "Security Practices", 1.25),
    Area("release", "Release Process", 1.0),
    Area("velocity", "Delivery Velocity", 0.75, observed_only=True),
    Area("collaboration", "Team Collaboration & Knowledge", 1.0),
    Area("pain-points", "Process Pain Points", 0.75, observed_only=True),
)

AREA_IDS: tuple[str, ...] = tuple(a.id for a in AREAS)
BY_ID: dict[str, Area] = {a.id: a for a in AREAS}
