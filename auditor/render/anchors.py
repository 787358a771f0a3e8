"""Where a finding points in the repository, for formats that need a file and a line.

Code-scanning formats (SARIF for GitHub, Code Quality for GitLab) attach every
result to a file and a line. A process finding often has no file: "no CI
pipeline", "18 of 19 commits went directly to main" (commit evidence). Such a
repository-level finding is *anchored* to the file a reader would open to act on
it, chosen from the files the audit itself cited:

1. A finding with file evidence (a path, not a commit or a tag) points at its
   first cited file and line (line 1 when the evidence names no line). A cited
   path that other cited paths lie under is a directory, not a file, and is
   skipped.
2. Otherwise the area decides: review → ``.github/CODEOWNERS`` (or the other
   CODEOWNERS locations) when it exists; cicd → the first CI configuration file;
   testing → the test runner's configuration; security → ``SECURITY.md`` or the
   dependency-update config; release → the changelog; board/dor → the issue
   templates; dod → the pull-request template; and so on (:data:`AREA_ANCHORS`).
3. When none of the area's files exists: ``README.md`` (or another README), then
   the first cited file in path order, then ``README.md`` as a last resort even
   if the repository has none (an empty repository still gets a valid location).

"Exists" means "was cited as evidence somewhere in this audit": a renderer sees
only the :class:`~auditor.model.AuditResult`, never the file tree, and every
evidence path was read from the audited revision. The choice is deterministic,
so the same repository always anchors the same finding to the same place.

A finding is *reported* when it failed and no waiver applies (a waived finding is
a decision the team has recorded, not an open problem).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from auditor.facts.ci import CI_FILES
from auditor.model import AreaScore, AuditResult, Evidence, Finding, Outcome, Status

FALLBACK = "README.md"

_CI_FILE = re.compile("|".join(f"(?:{rx})" for _, rx in CI_FILES))
_README = re.compile(r"(?i)readme(?:\.(?:md|markdown|rst|txt|adoc))?")

# Per area: patterns (full-match, tried in order) of the file a reader opens to act on it.
_CODEOWNERS = (r"\.github/CODEOWNERS", r"CODEOWNERS", r"docs/CODEOWNERS", r"\.gitlab/CODEOWNERS")
_PR_TEMPLATE = (r"\.github/(?i:pull_request_template)\.md", r"\.github/PULL_REQUEST_TEMPLATE/.+\.md",
                r"(?i:pull_request_template)\.md", r"docs/(?i:pull_request_template)\.md",
                r"\.gitlab/merge_request_templates/.+\.md")
_ISSUE_TEMPLATES = (r"\.github/ISSUE_TEMPLATE/.+\.(?:md|ya?ml)", r"\.github/(?i:issue_template)\.md",
                    r"\.gitlab/issue_templates/.+\.md")
_CONTRIBUTING = (r"(?i:contributing)(?:\.md|\.rst)?", r"\.github/(?i:contributing)\.md", r"docs/(?i:contributing)\.md")
_TEST_CONFIG = (r"(?:jest|vitest|playwright|cypress|karma|wdio)\.config\.[cm]?[jt]s(?:on)?", r"\.mocharc\.[a-z]+",
                r"karma\.conf\.js", r"pytest\.ini", r"tox\.ini", r"noxfile\.py", r"conftest\.py",
                r"phpunit\.xml(?:\.dist)?", r"\.rspec", r"jest\.config\.json", r"pyproject\.toml", r"setup\.cfg")

AREA_ANCHORS: dict[str, tuple[str, ...]] = {
    "board": _ISSUE_TEMPLATES + _CONTRIBUTING,
    "sprints": _CONTRIBUTING,
    "dod": _PR_TEMPLATE + _CONTRIBUTING,
    "dor": _ISSUE_TEMPLATES + _CONTRIBUTING,
    "workflow": _CONTRIBUTING + (r"docs/(?i:workflow|development|process)\.md",),
    "cicd": ("<ci>",),
    "review": _CODEOWNERS + _PR_TEMPLATE + _CONTRIBUTING,
    "testing": _TEST_CONFIG,
    "docs": (),
    "monitoring": (),
    "feedback": _ISSUE_TEMPLATES,
    "security": (r"(?i:security)\.md", r"\.github/(?i:security)\.md", r"docs/(?i:security)\.md",
                 r"\.github/dependabot\.ya?ml", r"renovate\.json5?", r"\.github/renovate\.json5?"),
    "release": (r"(?i:changelog)(?:\.md|\.rst|\.txt)?", r"(?i:releasing)\.md", r"(?i:history)\.md",
                r"\.releaserc(?:\.[a-z]+)?", r"release-please-config\.json"),
    "velocity": (),
    "collaboration": _CODEOWNERS + _CONTRIBUTING,
    "pain-points": _CONTRIBUTING,
}


@dataclass(frozen=True)
class Anchor:
    path: str
    line: int
    cited: bool   # True: the finding's own evidence; False: anchored by area or fallback


def reported(result: AuditResult) -> list[tuple[AreaScore, Finding]]:
    """The failing, unwaived findings in report order (area order, then rule order)."""
    return [(a, f) for a in result.areas for f in a.findings if f.outcome is Outcome.FAIL and not f.waived]


def is_error(area: AreaScore, finding: Finding) -> bool:
    """The gravest class: a heavy rule (weight ≥ 1.5) failing in an area that is MISSING outright."""
    return area.status is Status.MISSING and finding.weight >= 1.5


def safe_path(path: str | None) -> str | None:
    """A relative POSIX path inside the repository, or None (absolute, ``..``, empty, controls)."""
    if not path or "\\" in path or any(ord(c) < 32 or ord(c) == 127 for c in path):
        return None
    p = PurePosixPath(path)
    if p.is_absolute() or any(part in ("..", "") for part in path.split("/")) or str(p) == ".":
        return None
    return str(p)


def _file_evidence(finding: Finding, directories: set[str]) -> Evidence | None:
    for e in finding.evidence:
        p = safe_path(e.path) if e.path and not e.commit and not e.tag else None
        if p and p not in directories:
            return e
    return None


class Anchors:
    """Anchor the findings of one result (the cited files are collected once)."""

    def __init__(self, result: AuditResult):
        cited: set[str] = set()
        lined: set[str] = set()
        for f in result.findings:
            for e in f.evidence:
                p = safe_path(e.path) if e.path and not e.commit and not e.tag else None
                if p:
                    cited.add(p)
                    if e.line:
                        lined.add(p)
        ctx = result.context or {}
        for item in list(ctx.get("scripts") or []) + list((ctx.get("project") or {}).get("evidence") or []):
            if isinstance(item, dict):
                p = safe_path(item.get("path"))
                if p:
                    cited.add(p)
                    if item.get("line"):
                        lined.add(p)
        # A cited path that another cited path lies under is a directory (e.g. ownership of ``src``).
        self.directories = {p for p in cited if any(q.startswith(p + "/") for q in cited)} - lined
        self.cited = sorted(cited - self.directories)
        self._lined = lined
        self._fallback = self._pick_fallback()

    def _first(self, pattern: str) -> str | None:
        if pattern == "<ci>":
            return next((p for p in self.cited if _CI_FILE.fullmatch(p)), None)
        rx = re.compile(pattern)
        return next((p for p in self.cited if rx.fullmatch(p)), None)

    def _pick_fallback(self) -> str:
        if FALLBACK in self.cited:
            return FALLBACK
        readme = next((p for p in self.cited if _README.fullmatch(p)), None)
        if readme:
            return readme
        # A path cited with a line number is certainly a file, not a directory.
        return next((p for p in self.cited if p in self._lined), None) or \
            next((p for p in self.cited if "." in p.rsplit("/", 1)[-1]), None) or FALLBACK

    def for_area(self, area: str) -> str:
        for pattern in AREA_ANCHORS.get(area, ()):
            found = self._first(pattern)
            if found:
                return found
        return self._fallback

    def __call__(self, finding: Finding) -> Anchor:
        e = _file_evidence(finding, self.directories)
        if e is not None:
            return Anchor(safe_path(e.path) or FALLBACK, e.line if e.line and e.line >= 1 else 1, True)
        return Anchor(self.for_area(finding.area), 1, False)
