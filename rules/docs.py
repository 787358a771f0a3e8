"""Documentation: the README, the project's health files, decisions, API contracts, and whether docs are planned.

The readers at the top of this module (:func:`doc_files`, :func:`headings`,
:func:`readme_sections`, :func:`adr_records`, :func:`fenced_blocks`) are shared
with the workflow and collaboration rules, so the same document is read the
same way in every area.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from auditor.facts import history as H
from auditor.facts import paths as P
from auditor.facts.tree import FileTree, derived, line_of
from auditor.model import Effort, Evidence, Measure, Signal
from auditor.rule import Rule

DOC_EXTENSIONS = ("md", "mdx", "markdown", "rst", "adoc", "txt")
MAX_DOCS = 400                 # documents read per rule, root first
MAX_DOC_BYTES = 512 * 1024

README_NAMES = ("README.md", "README.rst", "README.adoc", "README.markdown", "README.txt", "README",
                "readme.md", "Readme.md", "docs/README.md")
HEALTH_DIRS = ("", ".github/", "docs/", "doc/")


# -- shared readers ----------------------------------------------------------------------


_LANGS = {"ar", "bg", "bn", "ca", "cs", "da", "de", "el", "es", "et", "fa", "fi", "fr", "he", "hi", "hu", "id", "it",
          "ja", "ko", "lt", "lv", "nl", "no", "pl", "pt", "pt-br", "ro", "ru", "sk", "sl", "sr", "sv", "th", "tr", "uk",
          "ur", "vi", "zh", "zh-cn", "zh-hans", "zh-hant", "zh-tw", "em", "az", "hy", "yo"}
_TRANSLATED = re.compile(r"(^|/)(i18n|locales?|translations?)/", re.IGNORECASE)


def is_translation(path: str) -> bool:
    """A translated copy of the documentation (``docs/de/…``, ``i18n/…``): the original is read instead."""
    parts = path.lower().split("/")
    return bool(_TRANSLATED.search(path)) or (len(parts) > 2 and parts[0] in ("docs", "doc", "website", "site")
                                               and any(p in _LANGS for p in parts[1:3]))


@derived
def doc_files(tree: FileTree, limit: int = MAX_DOCS) -> list[str]:
    """Hand-written documents (Markdown, reStructuredText, AsciiDoc), root first.

    Vendored trees and translated copies are left out.
    """
    found = [p for p in tree.paths
             if P.extension(p) in DOC_EXTENSIONS and not P.is_vendored(p) and not is_translation(p)
             and not p.startswith(("node_modules/", ".git/"))
             and not (P.extension(p) == "txt" and not (P.is_doc(p) or "/" not in p))]
    found.sort(key=lambda p: (p.count("/"), p.lower()))
    return found[:limit]


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def read_doc(tree: FileTree, path: str) -> str | None:
    return tree.read_text(path, limit=MAX_DOC_BYTES)


@dataclass(frozen=True)
class Heading:
    line: int
    level: int
    title: str


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_ADOC_HEADING = re.compile(r"^(={1,6})\s+(\S.*?)\s*$")
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")
_FENCE = re.compile(r"^\s{0,3}(```+|~~~+)\s*([\w+-]*)")


def headings(text: str) -> tuple[Heading, ...]:
    """Markdown ATX headings, AsciiDoc ``==`` titles and reStructuredText underlined titles, outside fenced
    code blocks. Cached per document: several rules read the headings of the same documents."""
    return _headings(text)


def _underline(lines: list[str], i: int) -> bool:
    """Whether line ``i`` (``~~~~~~``) underlines the title above it — an AsciiDoc or reStructuredText
    heading (git's "Short Format" over "~~~~~~~~~~~~") — rather than opening a Markdown fence."""
    line = lines[i].strip()
    if not line or set(line) != {"~"} or i == 0:
        return False
    above = lines[i - 1].strip()
    return bool(above) and not _FENCE.match(lines[i - 1]) and abs(len(above) - len(line)) <= 2


@lru_cache(maxsize=512)
def _headings(text: str) -> tuple[Heading, ...]:
    out: list[Heading] = []
    lines = text.splitlines()
    fence: str | None = None
    for i, line in enumerate(lines):
        m = _FENCE.match(line) if fence is not None or not _underline(lines, i) else None
        if m:
            marker = m.group(1)[0] * 3
            if fence is None:
                fence = marker
            elif line.strip().startswith(fence):
                fence = None
            continue
        if fence is not None:
            continue
        m = _MD_HEADING.match(line)
        if m:
            out.append(Heading(i + 1, len(m.group(1)), m.group(2).strip()))
            continue
        m = _ADOC_HEADING.match(line) if line.startswith("=") else None
        if m:
            out.append(Heading(i + 1, len(m.group(1)), m.group(2).strip()))
            continue
        if (i + 1 < len(lines) and line.strip() and not line.startswith((" ", "\t", "..", "-", "*"))
                and _RST_UNDERLINE.match(lines[i + 1]) and len(lines[i + 1].strip()) >= len(line.strip()) - 1):
            out.append(Heading(i + 1, 2, line.strip()))
    return tuple(out)


@dataclass(frozen=True)
class Block:
    """A fenced code block of a Markdown document."""

    line: int          # line of the opening fence
    lang: str
    body: str


def fenced_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m or _underline(lines, i):
            i += 1
            continue
        marker = m.group(1)
        start, lang, body = i + 1, m.group(2).lower(), []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(marker[0] * len(marker)):
            body.append(lines[i])
            i += 1
        blocks.append(Block(start, lang, "\n".join(body)))
        i += 1
    return blocks


#: README section kinds: (primary, secondary) heading patterns. A heading counts for the first kind it matches.
README_SECTIONS: dict[str, tuple[re.Pattern[str], re.Pattern[str] | None]] = {
    "contributing": (re.compile(r"\bcontribut|\bdevelopment (workflow|process)\b|\bpull requests?\b",
                                 re.IGNORECASE), None),
    "setup": (re.compile(r"\b(install(ation|ing)?|set ?up|setting up|getting started|get started|quick ?start"
                         r"|prerequisites|requirements|local development|running locally|run locally"
                         r"|build(ing)? from source|how to run|development environment)\b", re.IGNORECASE),
              re.compile(r"\bdevelopment\b|\bbuild(ing)?\b", re.IGNORECASE)),
    "architecture": (re.compile(r"\b(architecture|design|how it works|system overview|(project|directory|code"
                                r"|repository|folder) (structure|layout)|internals|data model)\b", re.IGNORECASE),
                     re.compile(r"\b(tech(nology)? stack|stack|components|structure|diagram)\b", re.IGNORECASE)),
    "usage": (re.compile(r"\b(usage|how to use|examples?|commands|cli|api( reference)?|configuration"
                         r"|tutorial|user guide)\b", re.IGNORECASE), None),
}
SECTION_LABELS = {"setup": "setup / installation", "usage": "usage", "architecture": "architecture",
                  "contributing": "contributing"}


def _section_kind(title: str, primary: bool = True) -> str | None:
    for kind, (first, second) in README_SECTIONS.items():
        rx = first if primary else second
        if rx is not None and rx.search(title):
            return kind
    return None


def readme_path(tree: FileTree) -> str | None:
    return tree.first(*README_NAMES)


def readme_sections(tree: FileTree) -> tuple[str | None, dict[str, Heading]]:
    """The README's path and, per section kind, the heading that covers it (primary patterns win)."""
    path = readme_path(tree)
    if not path:
        return None, {}
    text = read_doc(tree, path) or ""
    heads = headings(text)
    if heads and heads[0].level == 1:
        heads = heads[1:]                      # the document's title
    found: dict[str, Heading] = {}
    for h in heads:
        kind = _section_kind(h.title)
        if kind and kind not in found:
            found[kind] = h
    for h in heads:
        kind = None if _section_kind(h.title) else _section_kind(h.title, primary=False)
        if kind and kind not in found:
            found[kind] = h
    return path, found


def section_text(text: str, heading: Heading) -> str:
    """The lines under ``heading`` up to the next heading of the same or a higher level."""
    out = []
    fence = False
    for ln in text.splitlines()[heading.line:]:
        if _FENCE.match(ln):
            fence = not fence
        m = None if fence else _MD_HEADING.match(ln)
        if m and len(m.group(1)) <= heading.level:
            break
        out.append(ln)
    return "\n".join(out)


ADR_DIRS = ("docs/adr", "docs/adrs", "doc/adr", "doc/adrs", "adr", "adrs", "docs/decisions", "doc/decisions",
            "decisions", "docs/architecture/decisions", "architecture/decisions", "docs/architecture-decisions",
            "docs/design-decisions", ".adr")
_ADR_FILE = re.compile(r"(^|/)(adr[-_]?)?\d{1,5}[-_][^/]+\.(md|rst|adoc|txt)$", re.IGNORECASE)
DECISION_LOGS = ("DECISIONS.md", "docs/DECISIONS.md", "docs/decisions.md", "DECISION_LOG.md", "docs/decision-log.md",
                 "docs/decision_log.md", "decision-log.md")


def adr_records(tree: FileTree) -> tuple[list[str], list[str]]:
    """(ADR directories found, numbered decision records in them or anywhere named ``adr-NNNN-*``).

    ``.adr-dir`` (adr-tools) names the directory when it is not a conventional one.
    """
    dirs = [d for d in ADR_DIRS if tree.is_dir(d)]
    marker = tree.first(".adr-dir")
    if marker:
        custom = (tree.read_text(marker) or "").strip().strip("/")
        if custom and tree.is_dir(custom) and custom not in dirs:
            dirs.append(custom)
    records = []
    for d in dirs:
        records += [p for p in tree.under(d) if _ADR_FILE.search(p) and "template" not in p.lower()]
    records += [p for p in tree.find(r"(^|/)adr[-_]\d{1,5}[-_][^/]+\.(md|rst|adoc)$")
                if p not in records and not P.is_vendored(p)]
    return dirs, sorted(set(records))


def decision_logs(tree: FileTree) -> list[str]:
    return [p for p in (tree.first(n) for n in DECISION_LOGS) if p]


# -- DOC001 ------------------------------------------------------------------------------


class DOC001(Rule):
    """The README explains how to set up, use and understand the project.

    Finds the README and the sections its headings cover: setup or installation,
    usage, architecture (including the tech stack), and contributing. Each found
    section is cited with its line. Passes with at least ``sections_min`` of the
    four in a README of at least ``lines_min`` lines — or when a shorter README is a
    map to the documentation: it links to at least two documents in the tree (git's
    ``INSTALL``, ``Documentation/gittutorial.adoc``), or to the project's own
    documentation site (a ``/docs`` address on a host named after the project, as
    ``umami.is/docs``), which is documentation outside the repository.

    ## Why it matters
    The README is the first document every new contributor reads, so its setup and architecture sections decide
    how fast they become productive.

    ## How to fix
    Add the missing sections to `README.md`: how to install and run it locally, how to use it, a short
    architecture overview, and how to contribute.
    """

    area = "docs"
    effort = Effort.HOUR
    thresholds = {"sections_min": 2, "lines_min": 10}

    def check(self, tree, manifests, thresholds):
        path, found = readme_sections(tree)
        if not path:
            return self.failed("no README at the root of the repository",
                               missing=("README with setup, usage and architecture sections",))
        text = read_doc(tree, path) or ""
        n_lines = len(text.splitlines())
        kinds = [k for k in SECTION_LABELS if k in found]
        absent = [k for k in SECTION_LABELS if k not in found]
        evidence = [Evidence(path=path, line=found[k].line, note=f"{SECTION_LABELS[k]}: {found[k].title}")
                    for k in sorted(kinds, key=lambda k: found[k].line)]
        measures = [Measure("README sections covered", len(kinds), "of 4", thresholds["sections_min"]),
                    Measure("README length", n_lines, "lines", thresholds["lines_min"])]
        missing = [f"README {SECTION_LABELS[k]} section" for k in absent]
        covered = ", ".join(SECTION_LABELS[k] for k in kinds) or "none of setup, usage, architecture, contributing"
        if n_lines < thresholds["lines_min"]:
            return self.failed(f"{path} has only {n_lines} lines and covers {covered}", evidence=[Evidence(path=path)],
                               measures=measures, missing=missing or ("A README longer than a title",))
        if len(kinds) >= thresholds["sections_min"]:
            msg = f"{path} covers {covered}"
            if absent:
                msg += f" but has no {' or '.join(SECTION_LABELS[k] for k in absent)} section"
            return self.passed(msg, signal=Signal.DOCUMENTED, evidence=evidence, measures=measures, missing=missing)
        internal, external = _doc_links(tree, path, text, _project_names(manifests, text))
        if len(internal) >= 2 or external:
            # A short README that is a map to the documentation (git's points to gittutorial and the manual
            # pages; umami's and kind's to their documentation sites) documents the project elsewhere.
            if len(internal) >= 2:
                where = f"the documentation in the repository ({', '.join(internal[:3])})"
                signal = Signal.DOCUMENTED
            else:
                where, signal = f"the documentation at {external[0]}", Signal.EXTERNAL
            lead = f"{path} covers {covered} and points to {where} for the rest" if kinds else \
                f"{path} is a map to {where}: it has no setup, usage, architecture or contributing section of its own"
            return self.passed(lead, signal=signal,
                               evidence=evidence + [Evidence(path=p, note="documentation linked from the README")
                                                    for p in internal[:3]],
                               measures=measures, missing=missing,
                               observations=(f"The README links to {where} instead of describing "
                                             f"{' or '.join(SECTION_LABELS[k] for k in absent)} itself.",))
        return self.failed(f"{path} covers only {len(kinds)} of 4 sections ({covered}); no "
                           f"{', '.join(SECTION_LABELS[k] for k in absent)} section",
                           evidence=evidence or [Evidence(path=path)], measures=measures, missing=missing)


_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?\s*$"
                          r"|\[([\w./-]+\.(?:md|adoc|rst|txt))\]\[\]", re.MULTILINE)
_DOCS_URL_PATH = re.compile(r"^https?://(?:docs?\.|[^/]+\.readthedocs\.io|[^/]+/(?:[\w-]+/)?(?:docs?|documentation"
                            r"|guides?|manual|handbook)(?:[/#?]|$))", re.IGNORECASE)
_NOT_DOCS_HOSTS = re.compile(r"^https?://(?:www\.)?(?:img\.shields\.io|github\.com/[^/]+/[^/]+/(?:actions|releases"
                             r"|issues|pulls|blob/[^/]+/LICENSE)|nextjs\.org|docs\.nginx\.com|kubernetes\.io"
                             r"|developer\.mozilla\.org|docs\.github\.com|docs\.docker\.com)", re.IGNORECASE)


_GENERIC_NAMES = {"app", "web", "api", "docs", "doc", "the", "project", "server", "client", "core", "lib", "main",
                  "site", "www", "com", "org", "github", "src", "cli", "tool", "tools", "service", "root"}


def _project_names(manifests, readme_text: str) -> set[str]:
    """Words naming the project: its root manifests' package names and the README's first heading."""
    names = [m.name for m in (manifests.manifests if manifests else ()) if m.name and m.path.count("/") <= 1]
    first = next((h.title for h in headings(readme_text)[:1] if h.level == 1 and len(h.title.split()) <= 4), "")
    words = set()
    for n in names + [first]:
        words |= {w for w in re.split(r"[^a-z0-9]+", n.lower().rsplit("/", 1)[-1]) if len(w) >= 3}
    return words - _GENERIC_NAMES


def _doc_links(tree: FileTree, readme: str, text: str, names: set[str] = frozenset()) -> tuple[list[str], list[str]]:
    """(documents in the tree, the project's own documentation URLs) that the README links to.

    A URL counts when it is a documentation address (``/docs``, ``docs.``, Read the Docs) on a host that
    carries the project's name (``umami.is/docs`` for umami), not a third party's documentation."""
    base = readme.rsplit("/", 1)[0] + "/" if "/" in readme else ""
    internal: list[str] = []
    external: list[str] = []
    for m in _LINK_TARGET.finditer(text[:200_000]):
        target = (m.group(1) or m.group(2) or m.group(3) or "").split("#", 1)[0]
        if not target:
            continue
        if target.startswith(("http://", "https://")):
            host = target.split("/", 3)[2].lower() if target.count("/") >= 2 else ""
            if _DOCS_URL_PATH.match(target) and not _NOT_DOCS_HOSTS.match(target) and target not in external \
                    and any(n in host for n in names):
                external.append(target)
            continue
        path = posixpath.normpath(base + target.lstrip("./")) if not target.startswith("/") else target.lstrip("/")
        found = tree.resolve(path)
        if found and found != readme and (P.extension(found) in DOC_EXTENSIONS or "." not in found.rsplit("/", 1)[-1]) \
                and found not in internal and not P.is_changelog(found):
            internal.append(found)
    return internal, external


# -- DOC002 ------------------------------------------------------------------------------

HEALTH_FILES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("contributing", "Contributing guidelines (CONTRIBUTING.md)", ("CONTRIBUTING.md", "CONTRIBUTING.rst",
                                                                   "CONTRIBUTING.adoc", "CONTRIBUTING.txt",
                                                                   "CONTRIBUTING")),
    ("code_of_conduct", "Code of conduct (CODE_OF_CONDUCT.md)", ("CODE_OF_CONDUCT.md", "CODE_OF_CONDUCT.rst",
                                                                 "CODE-OF-CONDUCT.md", "CODE_OF_CONDUCT.txt")),
    ("license", "License (LICENSE)", ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md", "COPYING",
                                      "COPYING.md", "LICENSE.rst", "UNLICENSE")),
    ("changelog", "Changelog (CHANGELOG.md)", ("CHANGELOG.md", "CHANGELOG.rst", "CHANGELOG", "CHANGELOG.txt",
                                               "CHANGES.md", "CHANGES.rst", "HISTORY.md", "HISTORY.rst", "NEWS.md",
                                               "RELEASE_NOTES.md", "RELEASE-NOTES.md", "CHANGELOG.adoc")),
    ("security", "Security policy (SECURITY.md)", ("SECURITY.md", "SECURITY.rst", "SECURITY.txt", "SECURITY")),
    ("support", "Support guide (SUPPORT.md)", ("SUPPORT.md", "SUPPORT.rst", "SUPPORT")),
    ("governance", "Governance (GOVERNANCE.md)", ("GOVERNANCE.md", "GOVERNANCE.rst", "GOVERNANCE")),
)


def health_files(tree: FileTree) -> dict[str, str]:
    """Kind -> path of each project health file, searched at the root, in ``.github/``, ``docs/`` and ``doc/``."""
    out: dict[str, str] = {}
    for kind, _, names in HEALTH_FILES:
        found = tree.first(*(d + n for d in HEALTH_DIRS for n in names))
        if found:
            out[kind] = found
    if "contributing" not in out:
        nested = sorted((p for p in tree.find(r"(^|/)docs?/(.+/)?contributing\.(md|rst|adoc)$")
                         if not is_translation(p) and not P.is_vendored(p)), key=lambda p: (p.count("/"), p))
        if nested:
            out["contributing"] = nested[0]
    if "changelog" not in out:
        # Release notes kept in the documentation (fastapi's docs/en/docs/release-notes.md, git's
        # Documentation/RelNotes/) are the changelog, as the release area reads them.
        logs = sorted((p for p in tree.paths if P.is_changelog(p) and p.count("/") <= 3 and not P.is_vendored(p)
                       and not P.is_test(p) and not is_translation(p)), key=lambda p: (p.count("/"), p))
        if logs:
            folder = re.match(r"(.*/(?:relnotes|release[-_]?notes|changelog|newsfragments)(?:\.d)?)/", logs[0], re.I)
            out["changelog"] = folder.group(1) + "/" if folder else logs[0]
    return out


class DOC002(Rule):
    """Contributors find CONTRIBUTING, a license and the other project health files.

    Looks for CONTRIBUTING, CODE_OF_CONDUCT, LICENSE, CHANGELOG, SECURITY,
    SUPPORT and GOVERNANCE at the root, in ``.github/``, ``docs/`` or ``doc/``.
    CONTRIBUTING is required, and at least ``health_min`` of the seven must exist.

    ## Why it matters
    Without a CONTRIBUTING guide every new contributor has to ask how changes are made, tested and reviewed.

    ## How to fix
    Add `CONTRIBUTING.md` describing the branch and pull-request workflow, how to run the tests and the review
    checklist, then add a LICENSE and a CHANGELOG.
    """

    area = "docs"
    effort = Effort.DAY
    thresholds = {"health_min": 3}

    def check(self, tree, thresholds):
        found = health_files(tree)
        labels = {k: label for k, label, _ in HEALTH_FILES}
        evidence = [Evidence(path=p, note=labels[k]) for k, p in found.items()]
        missing = [label for k, label, _ in HEALTH_FILES if k not in found]
        measures = [Measure("project health files", len(found), f"of {len(HEALTH_FILES)}", thresholds["health_min"])]
        nd = ("Organisation-wide health files kept in an organisation-level .github repository",)
        names = ", ".join(p for p in found.values())
        if "contributing" in found and len(found) >= thresholds["health_min"]:
            return self.passed(f"{len(found)} of {len(HEALTH_FILES)} project health files: {names}",
                               signal=Signal.DOCUMENTED, evidence=evidence, measures=measures, missing=missing)
        if not found:
            return self.failed(f"none of the {len(HEALTH_FILES)} project health files (CONTRIBUTING, CODE_OF_CONDUCT, "
                               "LICENSE, CHANGELOG, SECURITY, SUPPORT, GOVERNANCE)", measures=measures,
                               missing=missing, not_determinable=nd)
        why = "no CONTRIBUTING guide" if "contributing" not in found else f"only {len(found)}"
        return self.failed(f"{why} among the project health files; found {names}", evidence=evidence,
                           measures=measures, missing=missing, not_determinable=nd)


# -- DOC003 ------------------------------------------------------------------------------


class DOC003(Rule):
    """Architecture decisions are recorded as ADRs.

    Counts numbered decision records (``NNNN-title.md``) in ``docs/adr/``,
    ``doc/adr/``, ``docs/decisions/`` and the other conventional places (or the
    directory ``.adr-dir`` names), and decision logs such as ``DECISIONS.md``.

    ## Why it matters
    Without recorded decisions, the reasons behind the architecture leave with the people who made them.

    ## How to fix
    Add `docs/adr/0001-record-architecture-decisions.md` and write one short ADR (context, decision,
    consequences) for each significant technical choice.
    """

    area = "docs"
    effort = Effort.DAY
    thresholds = {"adr_min": 1}

    def check(self, tree, thresholds):
        dirs, records = adr_records(tree)
        logs = decision_logs(tree)
        measures = [Measure("decision records", len(records), "ADRs", thresholds["adr_min"])]
        if len(records) >= thresholds["adr_min"] and records:
            ev = [Evidence(path=p) for p in records[-5:]]
            where = ", ".join(dirs) or "the tree"
            return self.passed(f"{len(records)} architecture decision records in {where}", signal=Signal.DOCUMENTED,
                               evidence=ev + [Evidence(path=p, note="decision log") for p in logs], measures=measures)
        if logs:
            return self.passed(f"decisions are logged in {', '.join(logs)}", signal=Signal.DOCUMENTED,
                               evidence=[Evidence(path=p, note="decision log") for p in logs], measures=measures)
        if dirs:
            return self.failed(f"{dirs[0]}/ exists but holds no numbered decision record",
                               evidence=[Evidence(path=d) for d in dirs], measures=measures,
                               missing=("Architecture decision records (ADRs)",))
        return self.failed("no architecture decision records (no docs/adr/, doc/adr/ or docs/decisions/)",
                           measures=measures, missing=("Architecture decision records (ADRs)",))


# -- DOC004 ------------------------------------------------------------------------------

_API_SPEC_NAME = re.compile(r"(openapi|swagger|asyncapi|api[-_.]?spec|(^|/)api\.(ya?ml|json)$|(^|/)spec/|(^|/)api/)",
                            re.IGNORECASE)
_API_SPEC_KEY = re.compile(r'^\s*["\']?(openapi|swagger|asyncapi)["\']?\s*:', re.MULTILINE)
_API_ROUTE = re.compile(r"(^|/)(api|routes?|controllers?|handlers?|endpoints?|resolvers?)/"
                        r"|(^|/)(urls|routes?|views|controllers?)\.(py|rb|js|ts|go|php)$", re.IGNORECASE)
_EXAMPLE = re.compile(r"(^|/)(examples?|samples?|demos?|fixtures?|testdata)/", re.IGNORECASE)
MAX_SPEC_CANDIDATES = 300


def api_specs(tree: FileTree) -> list[tuple[str, str]]:
    """(path, kind) of API contracts: OpenAPI/Swagger/AsyncAPI documents, protobuf and GraphQL schemas."""
    out: list[tuple[str, str]] = []
    candidates = [p for p in tree.paths if P.extension(p) in ("yaml", "yml", "json") and not P.is_vendored(p)
                  and _API_SPEC_NAME.search(p) and "package" not in p.rsplit("/", 1)[-1]]
    for p in candidates[:MAX_SPEC_CANDIDATES]:
        text = tree.read_text(p, limit=MAX_DOC_BYTES) or ""
        m = _API_SPEC_KEY.search(text[:4000])
        if m:
            out.append((p, "OpenAPI" if m.group(1).lower() == "openapi" else m.group(1).title()))
    out += [(p, "protobuf") for p in tree.paths if p.endswith(".proto") and not P.is_vendored(p)][:50]
    out += [(p, "GraphQL schema") for p in tree.paths
            if P.extension(p) in ("graphql", "graphqls", "gql") and not P.is_vendored(p)
            and ("schema" in p.lower() or P.extension(p) == "graphqls")][:20]
    for name in ("API.md", "docs/API.md", "docs/api.md", "docs/api/README.md", "docs/api/index.md"):
        found = tree.first(name)
        if found:
            out.append((found, "API reference"))
            break
    return out


class DOC004(Rule):
    """The API contract is written down (OpenAPI, GraphQL schema or protobuf).

    For services, looks for OpenAPI / Swagger / AsyncAPI documents (YAML or JSON
    with an ``openapi:``, ``swagger:`` or ``asyncapi:`` key), ``.proto`` files,
    GraphQL schemas and an API reference document, and counts the API route
    files they would describe.

    ## Why it matters
    Without a written API contract, every client and every new developer reverse-engineers the endpoints from
    the code.

    ## How to fix
    Add `openapi.yaml` describing each endpoint (path, method, request and response schemas, examples) and keep
    it next to the routes it documents.
    """

    area = "docs"
    effort = Effort.DAYS
    weight = 0.75

    def check(self, tree, project):
        routes = [p for p in tree.paths if P.is_source(p) and _API_ROUTE.search(p) and not _EXAMPLE.search(p)]
        if project.kind not in ("service", "monorepo") and not (project.kind == "unknown" and routes):
            return self.not_applicable(f"a {project.label} without API routes publishes no HTTP or RPC contract")
        specs = api_specs(tree)
        measures = [Measure("API contracts", len(specs)), Measure("API route files", len(routes))]
        if specs:
            kinds = sorted({k for _, k in specs})
            return self.passed(f"{plural(len(specs), 'API contract file')}: {', '.join(kinds)}",
                               signal=Signal.DOCUMENTED,
                               evidence=[Evidence(path=p, note=k) for p, k in specs[:8]], measures=measures)
        if routes:
            dirs = sorted({r[: _API_ROUTE.search(r).end()].rstrip("/") for r in routes})
            more = " and more" if len(dirs) > 4 else ""
            return self.failed(f"no OpenAPI, GraphQL or protobuf contract for {plural(len(routes), 'API route file')}",
                               evidence=[Evidence(path=r, note="API route without a written contract")
                                         for r in routes[:5]], measures=measures,
                               observations=(f"API routes live under {', '.join(dirs[:4])}{more}.",),
                               missing=("API documentation (endpoints, schemas, examples)",))
        return self.failed("no OpenAPI, GraphQL or protobuf contract for the service", measures=measures,
                           missing=("API documentation (endpoints, schemas, examples)",))


# -- DOC005 ------------------------------------------------------------------------------

_GUIDE_SUFFIX = ("implementation", "guide", "setup", "audit", "summary", "plan", "notes", "fix", "fixes",
                 "checklist", "instructions", "walkthrough", "integration", "migration", "complete", "status",
                 "report", "testing", "quickstart", "howto")
_GUIDE_NAME = re.compile(r"^(start[_-]?here|[a-z0-9]+(?:[_-][a-z0-9]+)*[_-](?:" + "|".join(_GUIDE_SUFFIX)
                         + r"))\.(md|mdx|markdown|txt|rst)$", re.IGNORECASE)
#: Names of audience- or purpose-named documents that are planned, not written after a feature.
_GENERIC_STEM = {"user", "users", "developer", "developers", "dev", "admin", "administrator", "style", "styles",
                 "contributing", "contributor", "contributors", "contribution", "installation", "install", "getting",
                 "started", "quick", "api", "reference", "upgrade", "upgrading", "release", "releases", "security",
                 "code", "project", "local", "development", "operator", "operators", "deployment", "migration",
                 "pull", "request", "issue", "template", "coding", "design", "brand", "writing", "docs", "doc",
                 "test", "testing", "environment", "env", "maintainer", "maintainers", "onboarding"}
_STOP = {
    "the", "and", "for", "with", "from", "into", "onto", "that", "this", "these", "those", "your", "you", "our",
    "how", "what", "why", "when", "where", "who", "which", "are", "was", "were", "will", "can", "should", "must",
    "not", "all", "any", "each", "via", "using", "use", "used", "add", "adds", "added", "adding", "update", "updates",
    "updated", "document", "documents", "documented", "documentation", "docs", "doc", "readme", "guide", "guides",
    "implementation", "implement", "implemented", "setup", "set", "audit", "notes", "note", "summary", "plan",
    "start", "here", "testing", "test", "tests", "feature", "features", "step", "steps", "overview", "introduction",
    "intro", "usage", "create", "created", "new", "file", "files", "checklist", "instructions", "walkthrough",
    "status", "report", "complete", "completed", "done", "todo", "fix", "fixes", "fixed", "run", "runs", "running",
    "src", "app", "apps", "lib", "libs", "api", "page", "pages", "route", "routes", "index", "main", "components",
    "component", "utils", "util", "helpers", "types", "ts", "tsx", "js", "jsx", "py", "go", "rs", "md", "json",
    "yaml", "yml", "config", "configuration", "server", "client", "dev", "npm", "yarn", "pnpm", "make", "build",
    "local", "localhost", "http", "https", "www", "com", "org", "env", "key", "keys", "value", "values", "true",
    "false", "null", "none", "code", "data", "user", "users", "first", "then", "next", "before", "after", "also",
    "more", "some", "other", "only", "like", "just", "sure", "need", "needs", "get", "open", "copy", "click",
    "check", "verify", "manually", "manual", "work", "works", "working", "integration", "integrate", "integrates",
    "improve", "improves", "improved", "initial", "commit", "commits", "merge", "branch", "support", "handle",
    "handling", "flow", "system", "number", "numbers", "order", "orders", "item", "items", "list", "time", "one",
    "two", "three", "version", "project", "section", "example", "examples", "see", "info", "information",
    "restart", "install", "change", "changes", "changed", "remove", "removed", "error", "errors", "result",
    "results", "line", "lines", "name", "names", "type", "view", "views", "model", "models", "service",
    "services", "setting", "settings", "option", "options", "script", "scripts", "command", "commands", "tool",
    "tools", "workflow", "workflows", "process", "task", "tasks", "issue", "issues", "design",
}
_WORD = re.compile(r"[a-z][a-z0-9]+")
_SPLIT = re.compile(r"[^a-z0-9]+")


def _words(text: str) -> set[str]:
    out = set()
    for w in _WORD.findall(text.lower()):
        if len(w) >= 3 and w not in _STOP and not w.isdigit():
            out.add(w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w)
    return out


def _commit_words(c: H.Commit) -> set[str]:
    """Topic words of a commit: its subject and the words of the source paths it touched."""
    words = _words(c.subject)
    for p in c.paths[:200]:
        if P.is_source(p) or P.is_test(p):
            words |= _words(" ".join(_SPLIT.split(re.sub(r"([a-z])([A-Z])", r"\1 \2", p).lower())))
    return words


@derived
def task_guides(tree: FileTree) -> list[str]:
    """Feature- or task-named guides (``START_HERE.md``, ``*_IMPLEMENTATION.md``, ``*_GUIDE.md`` …)."""
    out = []
    for p in tree.paths:
        if P.is_vendored(p) or P.is_changelog(p) or p.startswith((".github/", ".gitlab/")):
            continue
        name = p.rsplit("/", 1)[-1]
        m = _GUIDE_NAME.match(name)
        # Below the root only SCREAMING_CASE names count: lower-case pages belong to a planned docs tree.
        if not m or ("/" in p and m.group(1) != m.group(1).upper()):
            continue
        stem_words = [w for w in _SPLIT.split(m.group(1).lower()) if w]
        topic = [w for w in stem_words[:-1] if w not in _GENERIC_STEM]
        if stem_words[:2] == ["start", "here"] or stem_words == ["starthere"] or topic:
            out.append(p)
    return out


@dataclass(frozen=True)
class GuideTiming:
    path: str
    added: H.Commit | None                       # oldest commit in the window that touched the guide
    feature: H.Commit | None                     # newest earlier source commit on the guide's topic
    terms: tuple[str, ...] = ()                  # the topic words that matched
    with_code: bool = False                      # added in the same commit as source on its topic
    by_name: bool = False                        # matched on its name, title or commit (not only its body)


def _guide_terms(tree: FileTree, path: str, added: H.Commit | None) -> tuple[set[str], set[str]]:
    """(name terms, content terms): name, title and adding commit first; headings and body as a fallback."""
    name = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    text = read_doc(tree, path) or ""
    heads = headings(text)
    title = heads[0].title if heads else ""
    named = _words(name.replace("_", " ").replace("-", " ")) | _words(title)
    if added is not None:
        named |= _words(added.subject.replace("_", " "))
    content = _words(" ".join(h.title for h in heads[1:])) | _words(text[:20000])
    return named, content - named


def guide_timings(tree: FileTree, history: H.History, guides: Iterable[str]) -> list[GuideTiming]:
    """When each guide was added and which earlier source commit on its topic it follows.

    The adding commit is the oldest commit in ``history.recent`` whose paths include the guide. The guide's
    topic words come from its file name, its title and the adding commit's subject; when none of them names
    earlier work, the words of its headings and body are used, and at least two of them must match. A match
    is a source-touching commit older than the adding commit whose subject or source paths share a topic word.
    """
    recent = history.recent
    complete = len(recent) >= history.total
    words: dict[str, set[str]] = {}

    def cw(c: H.Commit) -> set[str]:
        if c.hash not in words:
            words[c.hash] = _commit_words(c)
        return words[c.hash]

    out = []
    for g in list(guides)[:40]:
        idx = [i for i, c in enumerate(recent) if g in c.paths]
        if not idx:
            out.append(GuideTiming(g, None, None))
            continue
        oldest = idx[-1]
        added = recent[oldest]
        if not complete and oldest == len(recent) - 1:
            out.append(GuideTiming(g, None, None))    # it may be older than the window
            continue
        named, content = _guide_terms(tree, g, added)
        with_code = bool(added.flags & H.TOUCH_SOURCE) and bool(named & cw(added))
        earlier = [c for c in recent[oldest + 1:] if c.flags & H.TOUCH_SOURCE and not c.is_merge]
        feature, terms, by_name = None, (), False
        hits = [(c, named & cw(c)) for c in earlier]
        hits = [(c, t) for c, t in hits if t]
        if hits:
            best = max(len(t) for _, t in hits)
            feature, t = next((c, t) for c, t in hits if len(t) == best)   # newest with the most topic words
            terms, by_name = tuple(sorted(t)), True
        else:
            chits = [(c, content & cw(c)) for c in earlier]
            chits = [(c, t) for c, t in chits if t]
            matched = set().union(*(t for _, t in chits)) if chits else set()
            if len(matched) >= 2:
                feature = chits[0][0]
                terms = tuple(sorted(matched))[:6]
        out.append(GuideTiming(g, added, feature, terms, with_code, by_name))
    return out


def _short(subject: str, n: int = 60) -> str:
    return subject if len(subject) <= n else subject[: n - 1].rstrip() + "…"


PR_TEMPLATE_GLOBS = (".github/PULL_REQUEST_TEMPLATE.md", ".github/pull_request_template.md",
                     "PULL_REQUEST_TEMPLATE.md", "docs/PULL_REQUEST_TEMPLATE.md", ".github/PULL_REQUEST_TEMPLATE/*.md",
                     ".gitlab/merge_request_templates/*.md", "CONTRIBUTING.md", ".github/CONTRIBUTING.md",
                     "docs/CONTRIBUTING.md", "docs/definition-of-done.md", "DEFINITION_OF_DONE.md")
_DOCS_ITEM = re.compile(r"^\s*[-*]\s*\[[ xX]\]\s*.*\b(docs?|documentation|readme|adrs?|runbooks?|user guide)\b.*$",
                        re.IGNORECASE | re.MULTILINE)


def docs_requirement(tree: FileTree) -> Evidence | None:
    """A checklist item in a pull-request template or Definition of Done that requires documentation."""
    for p in tree.glob(*PR_TEMPLATE_GLOBS):
        text = tree.read_text(p) or ""
        m = _DOCS_ITEM.search(text)
        if m:
            return Evidence(path=p, line=line_of(text, m.group(0)), note=f"checklist: {m.group(0).strip()[:100]}")
    return None


class DOC005(Rule):
    """Documentation is planned and written with the code, not after it.

    Finds feature- or task-named guides (``START_HERE.md``, ``*_IMPLEMENTATION.md``,
    ``*_GUIDE.md``, ``*_SETUP.md``, ``*_AUDIT.md`` …, anywhere in the tree) and,
    from the history, when each was first added (the oldest commit in the recent
    window whose paths include it) and whether earlier commits had already
    changed source code on the same topic. A guide's topic words come from its
    file name, its title and the subject of the commit that added it; when none
    of them names earlier work, its headings and body are used and two distinct
    words must match. An earlier source-changing commit matches when its subject
    or source paths share a topic word. Guides written after the feature they
    describe (not in the same commit) are reactive documentation. Below the root
    only SCREAMING_CASE names count, since lower-case pages belong to a planned
    docs tree, and audience-named guides (``USER_GUIDE.md``) are not task guides.
    A pull-request template or Definition of Done item that requires docs is a
    written practice; otherwise the rule measures how often source-changing
    commits update documentation in the same commit, and how often the docs
    change at all.

    Thresholds: ``window`` recent non-merge commits are read; with fewer than
    ``min_commits`` the habit is not judged; ``cochange_min`` is the share of
    source-changing commits that also change docs, ``docs_share_min`` the share
    of all commits that change docs, and ``reactive_min`` the number of reactive
    guides that make the practice ad hoc.

    ## Why it matters
    Documentation written after the feature depends on someone remembering to write it, so it lags the code and
    misses edge cases.

    ## How to fix
    Make documentation part of the Definition of Done: update the docs in the same pull request as the code, and
    fold one-off guides into a `docs/` folder with a template.
    """

    area = "docs"
    effort = Effort.ONGOING
    weight = 1.5
    thresholds = {"window": 200, "min_commits": 10, "cochange_min": 0.2, "docs_share_min": 0.15, "reactive_min": 1}

    def check(self, tree, history, thresholds):
        window = int(thresholds["window"])
        plain = [c for c in history.recent if not c.is_merge][:window]
        src = [c for c in plain if c.flags & H.TOUCH_SOURCE]
        with_docs = [c for c in src if c.flags & (H.TOUCH_DOCS | H.TOUCH_CHANGELOG)]
        docs_commits = [c for c in plain if c.flags & H.TOUCH_DOCS]
        share = len(with_docs) / len(src) if src else 0.0
        docs_share = len(docs_commits) / len(plain) if plain else 0.0
        win = f"source-changing commits among the last {len(plain)} non-merge commits"
        measures = [Measure("source commits that update docs", round(share, 2), "%", thresholds["cochange_min"], win),
                    Measure("commits that change docs", round(docs_share, 2), "%", thresholds["docs_share_min"],
                            f"last {len(plain)} non-merge commits")]
        guides = task_guides(tree)
        timings = guide_timings(tree, history, guides)
        rule_ev = docs_requirement(tree)
        reactive = [t for t in timings if t.feature is not None and not t.with_code]
        reactive.sort(key=lambda t: (not t.by_name, -t.added.time))
        measures.append(Measure("task-named guides", len(guides)))
        measures.append(Measure("guides written after their feature", len(reactive), "guides",
                                thresholds["reactive_min"]))
        evidence = [Evidence(path=t.path, commit=t.added.hash, date=t.added.date,
                             note=f"{t.path} added after {t.feature.short} ({t.feature.date}), "
                                  f"topic: {', '.join(t.terms[:4])}") for t in reactive[:5]]
        features = list({t.feature.hash: t.feature for t in reactive}.values())
        evidence += [Evidence(commit=c.hash, date=c.date, note=f"feature commit: {_short(c.subject, 100)}")
                     for c in features[:3]]
        listing = "; ".join(f"{t.path} ({t.added.date}) after \"{_short(t.feature.subject)}\" ({t.feature.date})"
                            for t in reactive[:3])
        if len(reactive) > 3:
            listing += f"; and {len(reactive) - 3} more"
        others = [t.path for t in timings if t not in reactive]
        obs = []
        if others:
            obs.append(f"Other task-named guides with no earlier feature found: {', '.join(others[:6])}.")
        if len(reactive) >= thresholds["reactive_min"] and share < thresholds["cochange_min"]:
            return self.passed(f"{plural(len(reactive), 'guide')} written after the features they describe: {listing}",
                               signal=Signal.AD_HOC, evidence=evidence, measures=measures, observations=obs,
                               missing=("Documentation standards (when to document, what format)",
                                        "Documentation templates", "Docs updated in the same change as the code"))
        if rule_ev is not None:
            if reactive:
                obs.insert(0, f"Still, {plural(len(reactive), 'guide')} written after the feature they describe: "
                              f"{listing}.")
            what = ("the pull-request checklist requires documentation updates" if "template" in rule_ev.path.lower()
                    else "the Definition of Done requires documentation updates")
            return self.passed(f"{what} ({rule_ev.path} line {rule_ev.line})",
                               signal=Signal.DOCUMENTED, evidence=[rule_ev] + evidence, measures=measures,
                               observations=obs)
        if len(plain) < thresholds["min_commits"]:
            return self.skip(f"too little history to judge: {plural(len(plain), 'non-merge commit')}, fewer than "
                             f"{int(thresholds['min_commits'])}", measures=measures)
        if share < thresholds["cochange_min"] and docs_share >= thresholds["docs_share_min"] and not reactive:
            return self.passed(f"documentation is maintained steadily: {len(docs_commits)} of the last {len(plain)} "
                               "commits changed docs, mostly in commits of their own", signal=Signal.OBSERVED,
                               measures=measures, observations=obs,
                               evidence=[Evidence(commit=c.hash, date=c.date, note=_short(c.subject, 100))
                                         for c in docs_commits[:3]])
        if share >= thresholds["cochange_min"]:
            if reactive:
                obs.insert(0, f"Still, {plural(len(reactive), 'guide')} written after the feature they describe: "
                              f"{listing}.")
            return self.passed(f"{len(with_docs)} of {len(src)} source-changing commits updated documentation "
                               "in the same commit", signal=Signal.OBSERVED, measures=measures,
                               evidence=[Evidence(commit=c.hash, date=c.date, note=_short(c.subject, 100))
                                         for c in with_docs[:3]] + evidence, observations=obs)
        if not src:
            return self.skip("no source-changing commits in the history to compare documentation with")
        return self.failed(f"documentation rarely changes with the code: {len(with_docs)} of {len(src)} "
                           "source-changing commits touched docs", measures=measures, observations=obs,
                           evidence=[Evidence(path=p) for p in guides[:5]],
                           missing=("Docs updated in the same change as the code",))


# -- DOC006 ------------------------------------------------------------------------------


class DOC006(Rule):
    """Documentation is a maintained site, built or checked in CI.

    Looks for a documentation site generator (MkDocs, Sphinx, Docusaurus, mdBook,
    VitePress, Read the Docs …) and for a CI job in the ``docs`` stage that builds
    or lints the documentation.

    ## Why it matters
    Docs that no pipeline builds break silently, and scattered Markdown files give readers no structure to navigate.

    ## How to fix
    Move the guides into `docs/` under a site generator such as MkDocs (`mkdocs.yml` with a navigation), and add
    a CI job that runs `mkdocs build --strict` on every pull request.
    """

    area = "docs"
    effort = Effort.DAYS
    weight = 0.75

    def check(self, tree, tools, ci):
        sites = tools.in_category("docs-site")
        jobs = ci.stage_map().get("docs", [])
        evidence = [ev for _, ev in sites[:5]]
        evidence += [Evidence(path=p.path, line=s.line, note=f"CI job {s.job}") for p, s in jobs[:3]]
        names = sorted({n for n, _ in sites})
        if jobs:
            what = f"{', '.join(names)} site" if names else "documentation"
            return self.passed(f"{what} built or checked in CI ({jobs[0][0].path}, job {jobs[0][1].job})",
                               signal=Signal.AUTOMATED, evidence=evidence)
        if sites:
            return self.passed(f"{', '.join(names)} documentation site configured, but no CI job builds it",
                               signal=Signal.DOCUMENTED, evidence=evidence, missing=("Docs build or lint in CI",))
        standard = set(health_files(tree).values()) | {readme_path(tree)}
        loose = [p for p in doc_files(tree) if "/" not in p and p not in standard
                 and P.extension(p) in ("md", "mdx", "markdown", "rst", "adoc")]
        obs = []
        if len(loose) > 2:
            obs.append(f"{len(loose)} documents sit loose at the repository root besides the README: "
                       f"{', '.join(loose[:6])}{' …' if len(loose) > 6 else ''}.")
        return self.failed("no documentation site and no CI job that builds or lints the docs", observations=obs,
                           missing=("Docs-as-code workflow (site generator, docs built in CI)",
                                    "Knowledge base structure"))
