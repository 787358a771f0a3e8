"""Workflow diagrams and standard operating procedures: how work flows, written down.

Procedures are found by file name (``RELEASING.md``, ``runbooks/``) and by the
headings of the project's documents (a "Pull requests" section in CONTRIBUTING,
a "Rollback" section in ``docs/deploy.md``); diagrams are found in Markdown
(Mermaid, PlantUML and ASCII blocks) and as PlantUML, draw.io and BPMN files, and
each is classified as a process flow or a technical architecture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.facts import paths as P
from auditor.facts.tree import FileTree, derived, line_of
from auditor.model import Effort, Evidence, Measure, Signal
from auditor.rule import Rule
from auditor.rules.docs import (
    _section_kind,
    doc_files,
    fenced_blocks,
    headings,
    health_files,
    plural,
    read_doc,
    readme_sections,
    section_text,
    task_guides,
)


@dataclass(frozen=True)
class Procedure:
    """A kind of procedure: how to recognise it by file name and by heading."""

    key: str
    label: str                      # the checklist item when it is missing
    files: re.Pattern[str]
    heading: re.Pattern[str] | None

    @property
    def short(self) -> str:
        """The label without its explanation: "release process", "development workflow"."""
        return self.label.split(":")[0].split(" (")[0].lower()


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


DEV_PROCEDURES = (
    Procedure("pr", "Development workflow: branching and pull requests (idea → merged change)",
              _rx(r"(^|/)(branching|git[-_]?workflow|gitflow|workflow|development[-_]workflow|pull[-_]requests?"
                  r"|code[-_]review|review[-_]process)(?![^/]*template)[^/]*\.(md|rst|adoc)$"),
              _rx(r"\bbranch(es|ing)?\s+(strategy|model|workflow|naming|conventions?|policy)\b|\bgit\s*flow\b"
                  r"|\bgithub flow\b|\btrunk[- ]based\b|\bpull requests?\b|\bmerge requests?\b|\bcode reviews?\b"
                  r"|\breview (process|guidelines)\b|\bsubmitting (a |your )?(changes?|patch(es)?|prs?)\b"
                  r"|\b(development|contribution|delivery|engineering|git) (workflow|process)\b|^workflow$"
                  r"|\bhow we work\b|\bways of working\b")),
    Procedure("release", "Release process",
              _rx(r"(^|/)(releas(e|ing)([-_](process|procedure|checklist|guide))?)\.(md|rst|adoc)$"
                  r"|(^|/)docs?/(releas(e|ing))[^/]*\.(md|rst|adoc)$"),
              _rx(r"\breleas(e|ing)\s+(process|procedure|checklist|steps|workflow|guide|instructions)\b"
                  r"|\bhow to (cut |make |do |create )?(a )?(new )?release\b"
                  r"|\b(cutting|making|creating|publishing) (a )?(new )?(release|version)\b|^releas(e|ing)$")),
    Procedure("hotfix", "Hotfix workflow",
              _rx(r"(^|/)hot[-_]?fix[^/]*\.(md|rst|adoc)$"),
              _rx(r"\bhot ?fix(es)?\b|\bemergency (fix|release|patch|change)(es|s)?\b|\bpatch releases?\b")),
    Procedure("onboarding", "New developer onboarding guide",
              _rx(r"(^|/)((onboarding|development|developing|hacking|dev[-_]setup|developer[-_](setup|guide)"
                  r"|local[-_](development|setup)|getting[-_]started)[^/]*"
                  r"|setup([-_](dev|development|local|environment|env))?)\.(md|rst|adoc)$"),
              None),  # headings only in CONTRIBUTING, see _onboarding_headings
)

OPS_PROCEDURES = (
    Procedure("deploy", "Deployment and environment promotion (dev → staging → prod)",
              _rx(r"(^|/)deploy(ing|ment|ments)?[^/]*\.(md|rst|adoc)$|(^|/)docs?/(deploy|promotion|environments\.)"
                  r"[^/]*\.(md|rst|adoc)$"),
              _rx(r"\bdeploy(ing|ment|ments)?\b|\bpromot(e|ion|ing) to\b|\bstaging\b|\benvironment promotion\b"
                  r"|\brelease to production\b|\brollouts?\b|^environments$")),
    Procedure("rollback", "Rollback procedures",
              _rx(r"(^|/)roll[-_]?back[^/]*\.(md|rst|adoc)$"),
              _rx(r"\broll ?backs?\b|\brolling back\b|\brevert(ing)? a (deploy(ment)?|release)\b")),
    Procedure("incident", "Incident response runbook",
              _rx(r"(^|/)(incident|runbook|on[-_]?call|post[-_]?mortem|outage)[^/]*\.(md|rst|adoc)$"
                  r"|(^|/)(runbooks?|playbooks?|incidents|postmortems|post-mortems|on-?call)/[^/]+\.(md|rst|adoc)$"),
              _rx(r"\bincidents?\b|\bon-?call\b|\bpost-?mortems?\b|\boutages?\b|\bescalation\b"
                  r"|\bdisaster recovery\b|\brunbooks?\b|\bplaybooks?\b")),
    Procedure("migration", "Database migration process",
              _rx(r"(^|/)(db|database|schema)[-_]?migrations?[^/]*\.(md|rst|adoc)$"),
              _rx(r"\b(database|db|schema) migrations?\b|\bmigrat\w* (the )?(database|db|schema)\b"
                  r"|\brunning migrations\b")),
)

_CONTRIBUTING = re.compile(r"(^|/)contributing(\.[a-z]+)?$", re.IGNORECASE)
_ONBOARDING_HEADING = _rx(r"\b(development|dev|local) (environment|setup)\b|\bsetting up\b|\bset ?up\b"
                          r"|\bgetting started\b|\bprerequisites\b|\bbuild(ing)? from source\b"
                          r"|\brunning (the )?tests\b")
_PR_TEXT = _rx(r"\b(pull|merge) requests?\b|\bfeature branch(es)?\b|\bopen a pr\b")
#: Procedures a process document may state in a sentence rather than under a heading of their own.
_BODY_TEXT = {
    "hotfix": _rx(r"\bhot ?fix(es)?\b"),
    "release": _rx(r"\breleas(e|es|ing)\b.{0,60}\b(tag|tagged|version|semver|changelog|publish(es|ed)?|pypi|npm)\b"
                   r"|\brelease-please\b|\bsemantic-release\b|\bchangesets\b|\bgoreleaser\b"),
}
_PROCESS_DOC = re.compile(r"(^|/)(contributing|workflow|process|development[-_]process|delivery[-_]process"
                          r"|git[-_]workflow|branching)(\.[a-z]+)?$", re.IGNORECASE)


@derived
def _scan_docs(tree: FileTree) -> list[tuple[str, str]]:
    """(path, text) of the documents procedures are read from: not changelogs, not ad-hoc task guides."""
    guides = set(task_guides(tree))
    out = []
    for p in doc_files(tree):
        if P.is_changelog(p) or p in guides:
            continue
        text = read_doc(tree, p)
        if text is not None:
            out.append((p, text))
    return out


def find_procedures(tree: FileTree, procedures: tuple[Procedure, ...],
                    docs: list[tuple[str, str]] | None = None) -> dict[str, list[Evidence]]:
    """Procedure key -> evidence (a file named for it, or a heading about it), first found first."""
    docs = _scan_docs(tree) if docs is None else docs
    found: dict[str, list[Evidence]] = {}
    guides = set(task_guides(tree))
    for proc in procedures:
        hits: list[Evidence] = []
        for p in tree.find(proc.files.pattern, proc.files.flags):
            if not P.is_vendored(p) and not P.is_changelog(p) and p not in guides:
                hits.append(Evidence(path=p, note=f"{proc.short} document"))
        for path, text in docs:
            if proc.heading is not None:
                for h in headings(text):
                    if proc.heading.search(h.title):
                        hits.append(Evidence(path=path, line=h.line, note=f"section: {h.title[:80]}"))
                        break
            elif proc.key == "onboarding" and _CONTRIBUTING.search(path):
                for h in headings(text):
                    if _ONBOARDING_HEADING.search(h.title):
                        hits.append(Evidence(path=path, line=h.line, note=f"section: {h.title[:80]}"))
                        break
        if proc.key in _BODY_TEXT and not hits:
            for path, text in docs:
                if _PROCESS_DOC.search(path):
                    line = line_of(text, _BODY_TEXT[proc.key])
                    if line:
                        hits.append(Evidence(path=path, line=line, note=f"describes the {proc.short}"))
                        break
        if proc.key == "pr":
            for path, text in docs:
                if _CONTRIBUTING.search(path) and not any(e.path == path for e in hits):
                    line = line_of(text, _PR_TEXT)
                    if line:
                        hits.append(Evidence(path=path, line=line, note="describes the pull-request workflow"))
        if hits:
            seen, unique = set(), []
            for e in hits:
                if e.path not in seen:
                    seen.add(e.path)
                    unique.append(e)
            found[proc.key] = unique
    return found


def _describe(found: dict[str, list[Evidence]], procedures: tuple[Procedure, ...]) -> str:
    parts = []
    for proc in procedures:
        if proc.key in found:
            e = found[proc.key][0]
            where = f"{e.path} line {e.line}" if e.line else e.path
            parts.append(f"{proc.short} ({where})")
    return ", ".join(parts)


# -- WFL001 ------------------------------------------------------------------------------


class WFL001(Rule):
    """The development workflow is written down, from branch to release.

    Looks for the standard operating procedures of development: the branching and
    pull-request workflow (a CONTRIBUTING that describes it, or a workflow
    document), the release process (``RELEASING.md`` or a release section), the
    hotfix workflow, and a new-developer onboarding guide. Found by file name and
    by the headings of the project's documents; ad-hoc task guides
    (``START_HERE.md`` …) do not count. Passes with at least ``procedures_min``
    of the four.

    ## Why it matters
    When the workflow lives in one person's head, every newcomer infers it from the git history and the team's
    processes drift as it grows.

    ## How to fix
    Add `CONTRIBUTING.md` with the development workflow (branch naming, pull request, review, merge) and a
    `RELEASING.md` with the release and hotfix steps.
    """

    area = "workflow"
    effort = Effort.DAYS
    weight = 1.5
    thresholds = {"procedures_min": 2}

    def check(self, tree, project, thresholds):
        if project.kind == "empty":
            return self.not_applicable("the repository has no files")
        found = find_procedures(tree, DEV_PROCEDURES)
        n = len(found)
        evidence = [e for proc in DEV_PROCEDURES for e in found.get(proc.key, [])[:2]]
        missing = [proc.label for proc in DEV_PROCEDURES if proc.key not in found]
        measures = [Measure("development procedures written down", n, f"of {len(DEV_PROCEDURES)}",
                            thresholds["procedures_min"])]
        if n >= thresholds["procedures_min"]:
            return self.passed(f"{n} of {len(DEV_PROCEDURES)} development procedures are written down: "
                               f"{_describe(found, DEV_PROCEDURES)}", signal=Signal.DOCUMENTED, evidence=evidence,
                               measures=measures, missing=missing)
        obs = []
        nd = []
        contributing = health_files(tree).get("contributing")
        if contributing:
            text = read_doc(tree, contributing) or ""
            link = re.search(r"https?://[^\s<>`)\]]+", text)
            if link and len(text.splitlines()) < 20:
                obs.append(f"{contributing} points to an external contributing guide ({link.group(0)}), which the "
                           "repository cannot show.")
                nd.append(f"The contributing guide hosted outside the repository ({link.group(0)})")
        guides = task_guides(tree)
        if guides:
            obs.append(f"The repository's guides are task-specific ({', '.join(guides[:5])}), not standard "
                       "operating procedures; developers must infer the workflow from the git history.")
        if n:
            return self.failed(f"only {_describe(found, DEV_PROCEDURES)} is written down", evidence=evidence,
                               measures=measures, missing=missing, observations=obs, not_determinable=nd)
        return self.failed("no written development workflow: no branching or pull-request guide, release, hotfix "
                           "or onboarding procedure", measures=measures, missing=missing, observations=obs,
                           not_determinable=nd)


# -- WFL002 ------------------------------------------------------------------------------

_PROCESS_WORDS = _rx(
    r"\b(review(s|ed|er)?|deploy(s|ed|ment)?|releas(e|es|ed)|merg(e|ed|es)|approv(e|ed|al)|prs?|pull request"
    r"|backlog|sprint|incident|hot ?fix|rollback|roll back|triage|standup|retro(spective)?|ticket|staging"
    r"|feature branch|branch|commit|qa|done|ready|in progress|to ?do|plan(ning)?|estimate|ship|hand ?off"
    r"|sign[- ]off|escalat(e|ion)|on-?call|idea)\b")
_ARCH_WORDS = _rx(
    r"\b(services?|database|db|api|server|client|queue|cache|postgres(ql)?|mysql|redis|kafka|rabbitmq|gateway"
    r"|lambda|s3|bucket|container|kubernetes|k8s|frontend|backend|microservices?|load ?balancer|cdn|dashboard"
    r"|webhook|prisma|orm|storage|worker|auth(entication)?|http|grpc|rest|graphql|sql|mongo(db)?|elastic"
    r"|nginx|proxy|app|browser|mobile|stripe|twilio|sms)\b")
_PROCESS_KINDS = ("gitgraph", "gantt", "journey", "kanban", "timeline")
_ARCH_KINDS = ("erdiagram", "classdiagram", "c4context", "c4container", "c4component", "c4dynamic", "c4deployment",
               "architecture-beta", "block-beta", "requirementdiagram", "packet-beta", "xychart-beta", "pie")
_ARROWS = re.compile(r"<->|<-->|-->|->|<--|<-|==>|→|←|↔|↓|↑|⇄|▼|▲|►|◄|\bv\b(?=\s*$)")
_BOX = re.compile(r"[┌┐└┘│─├┤┬┴┼╔╗╚╝║═]|\+-{3,}\+|\|\s*$")
_CODE_HINT = re.compile(r"^\s*(\$ |>>> |#!|import |from |def |class |function |const |let |var |public |fn |"
                        r"if \(|for \(|return\b)|;\s*$|\)\s*\{\s*$")
_FILE_TREE = re.compile(r"[├└]──|^\s*[|`]--\s|^\s*│\s")
DIAGRAM_FILES = re.compile(r"\.(puml|plantuml|pu|iuml|wsd|drawio|dio|mmd|mermaid|bpmn|excalidraw|d2)$"
                           r"|\.drawio\.(svg|png|xml)$", re.IGNORECASE)


@dataclass(frozen=True)
class Diagram:
    path: str
    line: int | None
    notation: str          # mermaid, plantuml, draw.io, BPMN, ASCII …
    kind: str              # "process" or "architecture"
    summary: str           # first meaningful line, for the report


def classify_diagram(text: str, header: str = "") -> str:
    """``process`` or ``architecture``: by the diagram type, then by the words its labels use."""
    h = header.strip().lower()
    if h.startswith(_PROCESS_KINDS) or h == "bpmn":
        return "process"
    if h.startswith(_ARCH_KINDS):
        return "architecture"
    process = {m.group(0).lower() for m in _PROCESS_WORDS.finditer(text)}
    arch = {m.group(0).lower() for m in _ARCH_WORDS.finditer(text)}
    return "process" if len(process) >= 2 and len(process) >= len(arch) else "architecture"


_DIAGRAM_HEADER = re.compile(r"^(@start\w+|%%|title\b|skinparam\b|(flowchart|graph|sequencediagram|statediagram"
                             r"(-v2)?|classdiagram|erdiagram|journey|gantt|gitgraph|c4\w+|timeline|kanban|pie"
                             r"|mindmap|architecture-beta|block-beta)\b\s*(tb|td|bt|rl|lr)?\s*;?$)", re.IGNORECASE)


def _summary(body: str) -> str:
    for ln in body.splitlines():
        s = " ".join(ln.split())
        if s and not re.fullmatch(r"[\W_]+", s) and not _DIAGRAM_HEADER.match(s):
            return s[:90]
    return ""


def _ascii_diagram(body: str) -> bool:
    lines = [ln for ln in body.splitlines() if ln.strip()]
    if len(lines) < 2 or any(_CODE_HINT.search(ln) for ln in lines):
        return False
    if sum(1 for ln in lines if _FILE_TREE.search(ln)) * 2 >= len(lines):
        return False              # a directory listing, not a diagram
    arrows = sum(len(_ARROWS.findall(ln)) for ln in lines)
    boxes = sum(1 for ln in lines if _BOX.search(ln))
    return arrows >= 2 or (arrows >= 1 and boxes >= 2) or boxes >= 4


_PLAIN_LANGS = ("", "text", "txt", "ascii", "plain", "plaintext", "none", "diagram")


def find_diagrams(tree: FileTree) -> list[Diagram]:
    out: list[Diagram] = []
    for p in doc_files(tree):
        if P.is_changelog(p):
            continue
        text = read_doc(tree, p) or ""
        if "```" not in text and "~~~" not in text and "mermaid" not in text:
            continue
        for b in fenced_blocks(text):
            lang = b.lang
            if lang == "mermaid":
                first = next((ln.strip() for ln in b.body.splitlines() if ln.strip() and not ln.strip().startswith("%%")
                              and not ln.strip().startswith("---")), "")
                out.append(Diagram(p, b.line, "Mermaid", classify_diagram(b.body, first), _summary(b.body)))
            elif lang in ("plantuml", "puml") or b.body.lstrip().startswith("@startuml"):
                out.append(Diagram(p, b.line, "PlantUML", classify_diagram(b.body), _summary(b.body)))
            elif lang in _PLAIN_LANGS and _ascii_diagram(b.body):
                out.append(Diagram(p, b.line, "ASCII", classify_diagram(b.body), _summary(b.body)))
    for p in tree.paths:
        if P.is_vendored(p) or not DIAGRAM_FILES.search(p):
            continue
        low = p.lower()
        notation = ("BPMN" if low.endswith(".bpmn") else "PlantUML" if re.search(r"\.(puml|plantuml|pu|iuml|wsd)$", low)
                    else "Mermaid" if low.endswith((".mmd", ".mermaid")) else "Excalidraw" if ".excalidraw" in low
                    else "D2" if low.endswith(".d2") else "draw.io")
        name_words = re.sub(r"[^a-z0-9]+", " ", p.rsplit("/", 1)[-1].lower())
        text = ""
        if not low.endswith((".png",)):
            raw = tree.read_text(p, limit=256 * 1024) or ""
            text = " ".join(re.findall(r'(?:value|label|name)="([^"]{1,200})"', raw)) if notation in (
                "draw.io", "BPMN") else raw[:20000]
        header = ""
        if notation == "BPMN":
            header = "bpmn"
        elif notation == "Mermaid" and text.strip():
            header = text.strip().splitlines()[0]
        out.append(Diagram(p, None, notation, classify_diagram(name_words + " " + text, header),
                           _summary(text) if notation in ("PlantUML", "Mermaid", "D2") else name_words.strip()))
    return out


class WFL002(Rule):
    """Workflow diagrams show how work flows, not only how the system is built.

    Finds diagrams — Mermaid blocks, PlantUML (``@startuml``, ``*.puml``),
    draw.io (``*.drawio``), BPMN, and ASCII diagrams in plain code blocks — and
    classifies each as a process flow (a flowchart or sequence whose labels speak
    of review, deploy, release, merge, approve, PR, backlog, sprint, incident …,
    or a Gantt / git graph / journey) or a technical architecture (services,
    databases, APIs, entity and class diagrams). Passes with at least
    ``process_diagrams_min`` process diagrams.

    ## Why it matters
    Without a picture of the workflow, each developer carries their own version of how an idea becomes a
    deployed feature.

    ## How to fix
    Add a Mermaid flowchart of the development workflow (idea → branch → pull request → review → merge → deploy
    → verify) to `CONTRIBUTING.md`, with the hotfix path beside it.
    """

    area = "workflow"
    effort = Effort.DAYS
    thresholds = {"process_diagrams_min": 1}

    def check(self, tree, project, thresholds):
        if project.kind == "empty":
            return self.not_applicable("the repository has no files")
        diagrams = find_diagrams(tree)
        process = [d for d in diagrams if d.kind == "process"]
        arch = [d for d in diagrams if d.kind == "architecture"]
        measures = [Measure("process diagrams", len(process), "", thresholds["process_diagrams_min"]),
                    Measure("architecture diagrams", len(arch))]

        def ev(d: Diagram) -> Evidence:
            return Evidence(path=d.path, line=d.line, note=f"{d.notation} {d.kind} diagram: {d.summary}"[:160])

        arch_obs = [f"{d.path}{f' line {d.line}' if d.line else ''} holds a technical architecture diagram "
                    f"({d.notation}{': ' + d.summary if d.summary else ''}), not a process flow." for d in arch[:3]]
        if len(process) >= thresholds["process_diagrams_min"] and process:
            return self.passed(f"{plural(len(process), 'process diagram')}: "
                               + ", ".join(f"{d.path}{f' line {d.line}' if d.line else ''}" for d in process[:4]),
                               signal=Signal.DOCUMENTED, evidence=[ev(d) for d in process[:6] + arch[:2]],
                               measures=measures)
        missing = ("Development workflow diagram (idea → deployed feature)", "Code review process diagram",
                   "Release process diagram", "Hotfix workflow diagram")
        if arch:
            where = ", ".join(f"{d.path}{f' line {d.line}' if d.line else ''}" for d in arch[:3])
            only = "diagram is" if len(arch) == 1 else "diagrams are"
            return self.failed(f"no process-flow diagram; the only {only} "
                               f"technical architecture ({where})", evidence=[ev(d) for d in arch[:4]],
                               measures=measures, missing=missing, observations=arch_obs)
        return self.failed("no workflow or process diagrams (no Mermaid, PlantUML, draw.io or ASCII flow)",
                           measures=measures, missing=missing)


# -- WFL003 ------------------------------------------------------------------------------

ENV_EXAMPLES = re.compile(r"(^|/)(\.env[.\w-]*\.(example|sample|template|dist|tmpl|defaults)"
                          r"|\.env\.(example|sample|template|dist)[.\w-]*|(example|sample|template)\.env"
                          r"|env\.(example|sample|template))$", re.IGNORECASE)
COMPOSE = re.compile(r"(^|/)(docker-)?compose([.\w-]*)?\.ya?ml$", re.IGNORECASE)
DEV_ENV_FILES = (".devcontainer/devcontainer.json", ".devcontainer.json", ".gitpod.yml", "flake.nix", "shell.nix",
                 "devbox.json", "Vagrantfile", ".devcontainer/docker-compose.yml")
SETUP_SCRIPTS = re.compile(r"^(scripts?|bin|tools|dev)/(setup|bootstrap|dev[-_]setup|init[-_]dev|install[-_]deps)"
                           r"(\.(sh|ps1|py|js|ts|rb|bash))?$|^(setup|bootstrap)\.sh$", re.IGNORECASE)
#: Build-from-source guides at the root or in the docs folder (git's INSTALL); Bazel's BUILD files are not.
SETUP_DOCS = re.compile(r"^(?:docs?/|Documentation/)?(?:INSTALL(?:ING)?|BUILDING|COMPILING|HACKING)(?:\.(?:md|txt|rst|adoc))?$"
                        r"|^(?:docs?/)?BUILD\.(?:md|txt|rst|adoc)$")
SETUP_TASKS = ("setup", "setup:*", "setup-*", "bootstrap", "bootstrap:*", "dev-setup", "dev:setup", "init-dev",
               "install-deps", "deps", "onboard", "dev-env", "devenv")
_ENV_VAR = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\b[A-Z][A-Z0-9]{2,}_\*")
_STEP = re.compile(r"^\s*(\d+[.)]|[-*+])\s+\S", re.MULTILINE)


LOCKFILES = ("Cargo.lock", "go.sum", "uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "package-lock.json",
             "pnpm-lock.yaml", "yarn.lock", "bun.lock", "bun.lockb", "Gemfile.lock", "composer.lock", "mix.lock",
             "gradle/wrapper/gradle-wrapper.properties", ".mvn/wrapper/maven-wrapper.properties", "flake.lock")
_FROM_SOURCE = re.compile(r"\bfrom source\b|\bgit clone\b|\b(cargo|go|swift|zig)\s+build\b|\bcargo install --path\b"
                          r"|^\s*(?:\$\s*)?(?-i:make)\b(?!\s+sure)|`make\b"  # the command, not "Make sure"
                          r"|\b(uv|poetry|pdm)\s+(sync|install)\b|\bpip install -e\b|\bnpm (ci|install)\b"
                          r"|\b(pnpm|yarn|bun) install\b|\bbundle install\b|\b\./gradlew\b|\bmvnw?\s+(install|package)\b",
                          re.IGNORECASE | re.MULTILINE)


def _build_from_source(tree: FileTree, readme: str | None, sections) -> tuple | None:
    """(README heading, lockfile) when the README's setup section builds from source and a lockfile exists."""
    if not readme or "setup" not in sections:
        return None
    lock = tree.first(*LOCKFILES)
    if not lock:
        return None
    text = read_doc(tree, readme) or ""
    # Every setup-like section, not only the first: ripgrep's "Installation" installs the binary, its
    # "Building" section builds from source.
    candidates = [sections["setup"]] + [h for h in headings(text) if h != sections["setup"]
                                        and "setup" in (_section_kind(h.title), _section_kind(h.title, primary=False))]
    for heading in candidates:
        if _FROM_SOURCE.search(heading.title + "\n" + section_text(text, heading)):
            return heading, lock
    return None


class WFL003(Rule):
    """A new developer can set up a reproducible local environment.

    Passes with environment-as-code (``docker-compose``, ``.devcontainer/``, Nix,
    Gitpod, tox / nox / Hatch environments, a setup script or a
    ``setup``/``bootstrap`` task-runner target) or a
    written environment (``.env.example`` / ``.env.sample``, or a dedicated
    onboarding / development-setup document, an ``INSTALL`` or ``BUILDING`` guide).
    For a library or a command-line tool, a README section that builds from source
    with the toolchain's lockfile committed (``Cargo.lock``, ``go.sum``, ``uv.lock``)
    is a written setup. Otherwise a README setup section alone is only a partial
    answer: it is cited, but does not pass.

    ## Why it matters
    Without a reproducible environment each new developer rebuilds the setup by trial and error, and "works on
    my machine" bugs follow.

    ## How to fix
    Add `.env.example` listing every variable the app reads (with safe placeholder values) and a one-command
    setup (a `setup` script or `docker-compose.yml` for the database).
    """

    area = "workflow"
    effort = Effort.DAY
    weight = 1.0

    def check(self, tree, tasks, project):
        if project.kind == "empty":
            return self.not_applicable("the repository has no files")
        automated: list[Evidence] = []
        written: list[Evidence] = []
        for p in tree.paths:
            if P.is_vendored(p):
                continue
            if p.count("/") <= 2 and COMPOSE.search(p):
                automated.append(Evidence(path=p, note="Docker Compose environment"))
            elif p in DEV_ENV_FILES or p.startswith(".devcontainer/") and p.endswith("devcontainer.json"):
                automated.append(Evidence(path=p, note="development environment as code"))
            elif SETUP_SCRIPTS.search(p):
                automated.append(Evidence(path=p, note="setup script"))
            elif ENV_EXAMPLES.search(p):
                written.append(Evidence(path=p, note="environment variables template"))
            elif SETUP_DOCS.search(p):
                written.append(Evidence(path=p, note="build and installation guide"))
        envs = {}
        for t in tasks.tasks:
            if t.runner in ("tox", "nox", "hatch") and t.runner not in envs:
                envs[t.runner] = t
        for runner, t in envs.items():
            automated.append(Evidence(path=t.path, line=t.line, note=f"{runner} builds isolated development "
                                                                     "environments"))
        for t in tasks.named(*SETUP_TASKS):
            if t.runner == "npm-scripts" and t.name in ("deps",):
                continue
            automated.append(Evidence(path=t.path, line=t.line, note=f"{t.runner} target {t.name}: {t.command[:80]}"))
        onboarding = find_procedures(tree, tuple(p for p in DEV_PROCEDURES if p.key == "onboarding"))
        written += onboarding.get("onboarding", [])
        measures = [Measure("environment-as-code files", len(automated)), Measure("written setup aids", len(written))]
        what = ", ".join(dict.fromkeys(e.path for e in automated + written))
        if automated:
            return self.passed(f"the local environment is reproducible: {what}", signal=Signal.AUTOMATED,
                               evidence=(automated + written)[:8], measures=measures)
        if written:
            return self.passed(f"local setup is written down: {what}", signal=Signal.DOCUMENTED,
                               evidence=written[:8], measures=measures,
                               missing=("One-command setup (setup script, docker-compose or dev container)",))
        readme, sections = readme_sections(tree)
        built = _build_from_source(tree, readme, sections) if not project.deployed else None
        if built:
            # A library or command-line tool needs no services or secrets to develop on: building it from a
            # written recipe with its dependencies pinned by the toolchain's lockfile is reproducible.
            heading, lock = built
            return self.passed(f"local setup is written down: {readme} ({heading.title}) builds the project from "
                               f"source, and {lock} pins its dependencies", signal=Signal.DOCUMENTED,
                               evidence=[Evidence(path=readme, line=heading.line, note=f"setup section: {heading.title}"),
                                         Evidence(path=lock, note="lockfile")], measures=measures,
                               missing=("One-command setup (setup script or task-runner target)",))
        obs, evidence = [], []
        env_vars: list[str] = []
        if readme and "setup" in sections:
            h = sections["setup"]
            body = section_text(read_doc(tree, readme) or "", h)
            steps = len(_STEP.findall(body))
            env_vars = list(dict.fromkeys(_ENV_VAR.findall(body)))[:8]
            evidence.append(Evidence(path=readme, line=h.line, note=f"setup section: {h.title}"))
            count = f" ({plural(steps, 'step')})" if steps else ""
            obs.append(f"{readme} line {h.line} has a setup section{count}, so local setup is only partially covered "
                       "in the README.")
            if env_vars:
                obs.append(f"The README names the environment variables ({', '.join(env_vars)}) but no template "
                           "file lists them.")
        ignore = tree.read_text(".gitignore") if tree.exists(".gitignore") else None
        if ignore and re.search(r"^/?\.env(\.local|\*|\.\*)?\s*$", ignore, re.MULTILINE):
            line = line_of(ignore, re.compile(r"^/?\.env", re.MULTILINE))
            evidence.append(Evidence(path=".gitignore", line=line, note="local .env files are ignored"))
            obs.append("The .gitignore ignores .env files, so each developer recreates them by hand.")
        missing = [f".env.example listing {', '.join(env_vars)}" if env_vars else
                   ".env.example listing the required environment variables",
                   "Reproducible local environment (docker-compose or .devcontainer/)",
                   "One-command setup (setup script or task-runner target)"]
        if evidence and any(e.path == readme for e in evidence):
            missing.insert(0, "Local development setup (partially covered in README)")
            return self.failed(f"local setup is only partially covered: {readme} has a setup section, but there is "
                               "no .env.example, docker-compose, dev container or setup script", evidence=evidence,
                               observations=obs, measures=measures, missing=missing)
        return self.failed("no local setup instructions or environment files (.env.example, docker-compose, "
                           "dev container, setup script)", evidence=evidence, observations=obs, measures=measures,
                           missing=["Local development setup guide", *missing])


# -- WFL004 ------------------------------------------------------------------------------

_MANUAL_DEPLOY = re.compile(
    r"(vercel(\s+deploy)?\s+--prod|vercel\s+deploy|netlify\s+deploy|fly(ctl)?\s+deploy|git\s+push\s+heroku"
    r"|heroku\s+container:release|kubectl\s+apply|helm\s+(upgrade|install)|terraform\s+apply|serverless\s+deploy"
    r"|\bsls\s+deploy|firebase\s+deploy|gcloud\s+(app|run|functions)\s+deploy|\beb\s+deploy|railway\s+up"
    r"|wrangler\s+(deploy|publish)|cap\s+\w+\s+deploy|docker\s+push|npm\s+publish|twine\s+upload|cargo\s+publish)",
    re.IGNORECASE)
_SCHEMA_COMMAND = re.compile(r"prisma\s+(db\s+push|migrate)|alembic\s+upgrade|flyway|liquibase|db:migrate"
                             r"|manage\.py\s+migrate|knex\s+migrate|sequelize(-cli)?\s+db:migrate|typeorm\s+migration"
                             r"|drizzle-kit\s+(push|migrate)|goose\s+up|migrate\s+-path", re.IGNORECASE)


class WFL004(Rule):
    """Operations are written down: deployment, rollback, incidents and migrations.

    For a deployed project, looks for the operational procedures — deployment
    and environment promotion (dev → staging → prod), rollback, incident response
    (``runbooks/``, ``playbooks/``, on-call docs) and database migrations — by file
    name and by section heading. Deploy commands written in ad-hoc guides and
    schema-changing scripts are reported as observations. Passes with at least
    ``procedures_min`` of the four.

    ## Why it matters
    Without runbooks, a production incident is handled from memory, and the rollback is improvised while
    customers wait.

    ## How to fix
    Add `docs/runbooks/deploy.md` describing how a change is promoted from development to staging to production,
    how to roll it back, and who to call when it breaks.
    """

    area = "workflow"
    effort = Effort.DAYS
    weight = 1.0
    thresholds = {"procedures_min": 2}

    def check(self, tree, project, tasks, thresholds):
        if not project.deployed:
            return self.not_applicable(f"a {project.label} is not deployed, so it has no deployments to operate")
        docs = _scan_docs(tree)
        found = find_procedures(tree, OPS_PROCEDURES, docs)
        n = len(found)
        evidence = [e for proc in OPS_PROCEDURES for e in found.get(proc.key, [])[:2]]
        missing = [proc.label for proc in OPS_PROCEDURES if proc.key not in found]
        measures = [Measure("operational procedures written down", n, f"of {len(OPS_PROCEDURES)}",
                            thresholds["procedures_min"])]
        obs: list[str] = []
        manual: list[Evidence] = []
        # Ad-hoc guides and root documents: docs pages telling users how to deploy their own apps do not count.
        for p in task_guides(tree) + [d for d, _ in docs if "/" not in d]:
            text = read_doc(tree, p) or ""
            m = _MANUAL_DEPLOY.search(text)
            if m and not any(e.path == p for e in evidence) and p not in {e.path for e in manual}:
                line = line_of(text, m.group(0))
                manual.append(Evidence(path=p, line=line, note=f"deploys by hand: {m.group(0)}"))
                obs.append(f"{p} line {line} deploys by hand ({m.group(0)}) with no written deployment or rollback "
                           "procedure around it.")
            if len(manual) >= 3:
                break
        for t in tasks.runs(_SCHEMA_COMMAND.pattern)[:2]:
            if "migration" not in found:
                kind = "script" if t.runner.endswith("scripts") else "target"
            obs.append(f"The {t.path} {kind} {t.name} changes the database schema "
                           f"({_SCHEMA_COMMAND.search(t.command).group(0)}), but no document describes the migration "
                           "process.")
        if n >= thresholds["procedures_min"]:
            return self.passed(f"{n} of {len(OPS_PROCEDURES)} operational procedures are written down: "
                               f"{_describe(found, OPS_PROCEDURES)}", signal=Signal.DOCUMENTED, evidence=evidence,
                               measures=measures, missing=missing, observations=obs)
        nd = ("Runbooks or incident procedures kept in an external wiki or on-call tool",)
        if n:
            return self.failed(f"only {_describe(found, OPS_PROCEDURES)} is written down", evidence=evidence + manual,
                               measures=measures, missing=missing, observations=obs, not_determinable=nd)
        return self.failed("no runbooks: no deployment, environment promotion, rollback, incident or migration "
                           "procedure", evidence=manual, measures=measures, missing=missing, observations=obs,
                           not_determinable=nd)
