"""The report's appendices that advise rather than describe: a process framework sized
to the team the history shows, and a proposed workflow diagram that marks what is
missing today.

Both are built from the area statuses, so a repository that already reviews every
change is not told to start, and a solo developer gets a framework for two or three
people (the next step) rather than for fifty.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.model import AreaScore, Outcome, Signal, Status

WEAK = (Status.MISSING, Status.INFERRED, Status.NOT_DETERMINABLE)


@dataclass
class Practice:
    name: str
    cadence: str
    steps: list[str]
    because: str          # the area status that makes it worth adopting
    keep: bool = False    # already in place: keep doing it


@dataclass
class Framework:
    title: str
    audience: str
    practices: list[Practice] = field(default_factory=list)
    definition_of_done: list[str] = field(default_factory=list)


def _weak(areas: dict[str, AreaScore], area: str, need: frozenset[Signal] | None = None) -> bool:
    """True when the area's practice is missing, only implicit, or lacks the kind of evidence ``need`` names."""
    a = areas.get(area)
    if a is None:
        return False
    if a.status in WEAK or a.statuses.get("implementation") in WEAK:
        return True
    if need is not None:
        return not any(f.outcome is Outcome.PASS and f.signal in need for f in a.findings)
    # A practice that passes only because it lives outside the repository is not in place here.
    passes = [f for f in a.findings if f.outcome is Outcome.PASS]
    return bool(passes) and all(f.signal is Signal.EXTERNAL for f in passes)


AUTOMATED = frozenset({Signal.AUTOMATED})
ANY_PASS = frozenset(Signal)


def framework(areas_list: list[AreaScore], team: str) -> Framework:
    """A minimal process for the next team size, listing only what is missing or weak."""
    areas = {a.area: a for a in areas_list}
    if team in ("solo", "small", "unknown"):
        fw = Framework("Minimal viable process (for a 2–3 person team)",
                       "sized for the team this repository is about to need: the history shows "
                       + ("one active developer" if team == "solo" else "a small team"))
        planning, standup, retro = "Weekly planning (1 hour)", "Async daily updates", "Bi-weekly retrospective (30 min)"
    else:
        fw = Framework("Team process (for 4–10 people)", "sized for the team the history shows")
        planning, standup, retro = ("Sprint planning (2 hours per 2-week sprint)", "Daily stand-up (15 min)",
                                    "Sprint retrospective (45 min)")

    def add(area, name, cadence, steps):
        a = areas.get(area)
        weak = _weak(areas, area)
        status = a.status.label if a else "not assessed"
        fw.practices.append(Practice(name, cadence, steps, f"{area}: {status}", keep=not weak))

    add("sprints", planning, "weekly" if team in ("solo", "small", "unknown") else "every sprint",
        ["Review priorities for the coming iteration", "Estimate each item (S/M/L)",
         "Identify blockers and dependencies", "Set one goal for the iteration"])
    add("board", "A visible backlog", "continuous",
        ["Every piece of work is an issue in one tracker", "Columns: Backlog → To Do → In Progress → Review → Done",
         "Cite the issue in the branch name and commit"])
    add("collaboration", standup, "daily",
        ["Yesterday's progress", "Today's plan", "Blockers — escalated the same day"])
    add("review", "Pull-request workflow", "every change",
        ["Create a feature branch from main", "Implement the feature with tests", "Open a PR with the template",
         "Request review from one teammate", "Merge after approval and a green CI", "Delete the branch"])
    add("cicd", "Continuous integration", "every push",
        ["Lint, type-check, test and build on every pull request", "Block merging on a red pipeline"])
    add("monitoring", "Production monitoring", "continuous",
        ["Error tracking with alerts to a named owner", "A health check and an uptime monitor"])
    add("sprints", retro, "every two weeks" if team in ("solo", "small", "unknown") else "every sprint",
        ["What went well?", "What slowed us down?", "One action item with an owner for the next iteration"])
    # A practice appears once even when two areas motivate it.
    seen: set[str] = set()
    fw.practices = [p for p in fw.practices if not (p.name in seen or seen.add(p.name))]

    fw.definition_of_done = ["Feature implemented per acceptance criteria",
                             "Unit tests written (≥ 80% coverage for new code)", "E2E test for the critical path",
                             "Code reviewed and approved", "Documentation updated"]
    if areas.get("cicd") and _weak(areas, "cicd") or areas.get("cicd") and areas["cicd"].status is Status.PARTIAL:
        fw.definition_of_done.append("CI green on the pull request")
    if areas.get("monitoring") and areas["monitoring"].status is not Status.NOT_APPLICABLE:
        fw.definition_of_done += ["Deployed to staging and verified", "No new errors in error tracking"]
    if areas.get("release") and areas["release"].status is not Status.NOT_APPLICABLE:
        fw.definition_of_done.append("CHANGELOG entry added")
    return fw


@dataclass
class Step:
    id: str
    label: str
    area: str
    exists: bool


def workflow_steps(areas_list: list[AreaScore]) -> list[tuple[str, list[Step]]]:
    """The proposed development workflow in phases, each step marked as existing or missing."""
    areas = {a.area: a for a in areas_list}

    def step(id_, label, area, need=None):
        return Step(id_, label, area, areas.get(area) is not None and not _weak(areas, area, need))

    phases = [
        ("Planning", [step("plan", "Weekly planning", "sprints"), step("backlog", "Prioritised backlog", "board"),
                      step("ready", "Ready story with acceptance criteria", "dor")]),
        ("Development", [step("branch", "Create branch", "review"), step("build", "Implement feature", "velocity"),
                         step("tests", "Write tests", "testing"), step("pr", "Open pull request", "review")]),
        ("Review", [step("ci", "CI passes", "cicd", AUTOMATED), step("review", "Code review", "review"),
                    step("done", "Definition of Done met", "dod")]),
        ("Deployment", [step("merge", "Merge to main", "review"), step("deploy", "Deploy", "cicd", ANY_PASS),
                        step("release", "Tag release and changelog", "release")]),
        ("Monitoring", [step("monitor", "Monitor errors and metrics", "monitoring"),
                        step("feedback", "Review impact after 7 days", "feedback")]),
    ]
    return [(name, [s for s in steps if areas.get(s.area) is None
                    or areas[s.area].status is not Status.NOT_APPLICABLE]) for name, steps in phases]


def mermaid_workflow(areas_list: list[AreaScore]) -> str:
    """A Mermaid flowchart of the proposed workflow; steps missing today are drawn dashed."""
    phases = workflow_steps(areas_list)
    lines = ["flowchart LR"]
    order: list[str] = []
    for i, (name, steps) in enumerate(phases):
        lines.append(f"    subgraph P{i}[\"{i + 1}. {name}\"]")
        for s in steps:
            lines.append(f"        {s.id}[\"{s.label}\"]:::{'exists' if s.exists else 'missing'}")
            order.append(s.id)
        lines.append("    end")
    for a, b in zip(order, order[1:], strict=False):
        lines.append(f"    {a} --> {b}")
    if "feedback" in order and "plan" in order:
        lines.append("    feedback -. retrospective .-> plan")
    lines.append("    classDef exists fill:#d4edda,stroke:#2e7d32")
    lines.append("    classDef missing fill:#fff3cd,stroke:#b26a00,stroke-dasharray: 5 5")
    return "\n".join(lines)
