"""What a path is, by convention: a test, source code, documentation, a changelog, CI.

Used both on the file tree and on the paths each commit touched, so the same
words mean the same thing everywhere in the report. The answers are cached per
path: a dozen rules ask the same questions of every path of a large tree.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TEST = re.compile(
    r"(^|/)(tests?|__tests__|spec|specs|e2e|cypress|playwright|testing|integration[-_]tests?)/"
    r"|(^|/)test_[^/]*\.py$|_test\.(py|go|rb|exs?)$|\.(test|spec|e2e|cy)\.[cm]?[jt]sx?$"
    r"|(^|/)[^/]*Tests?\.(java|kt|cs|swift|scala)$|_spec\.rb$|Test\.php$|(^|/)conftest\.py$"
    r"|(^|/)src/test/|(^|/)t/[^/]+\.(sh|t|pl)$|(^|/)t/(helper|lib[-_][^/]*)/",
    re.I,
)
_E2E = re.compile(r"(^|/)(e2e|cypress|playwright|end-to-end|acceptance)(/|\.)|\.e2e\.|\.cy\.", re.I)
_INTEGRATION = re.compile(r"(^|/)(integration|it)(/|[-_])|[-_.]integration[-_.]|\.int\.", re.I)
_SOURCE_EXT = {
    "py", "js", "jsx", "ts", "tsx", "mjs", "cjs", "go", "rs", "java", "kt", "kts", "scala", "rb", "php",
    "cs", "fs", "swift", "m", "mm", "c", "h", "cc", "cpp", "hpp", "cxx", "ex", "exs", "erl", "clj", "dart",
    "lua", "pl", "r", "jl", "vue", "svelte", "zig", "nim", "hs", "ml", "sql", "prisma", "sol", "sh", "bash",
}
_DOC_EXT = {"md", "mdx", "rst", "adoc", "txt"}
_DOC_DIR = re.compile(r"(^|/)(docs?|documentation|wiki|guides?|handbook|adr|adrs|decisions|rfcs?)/", re.I)
# A changelog is a document (``CHANGES.rst``, ``HISTORY.md``, ``NEWS``), never source code that happens to be
# named so (git's ``builtin/history.c``); a folder of per-release notes (git's ``Documentation/RelNotes/``,
# ``docs/release-notes/``) is one too.
_CHANGELOG = re.compile(r"(^|/)(changelog|changes|history|news|release[-_ ]?notes|relnotes"
                        r"|[\w.]{1,20}[-_](?:release[-_]?notes|changelog))"   # rails' guides/source/2_2_release_notes.md
                        r"(\.(md|markdown|rst|txt|adoc|org|mdx))?$"
                        r"|(^|/)\.changeset/[^/]+\.md$|(^|/)(changelog|newsfragments|changes)\.d/|(^|/)changelog/"
                        r"|(^|/)(relnotes|release[-_]?notes)/[^/]+\.(md|markdown|rst|txt|adoc)$",
                        re.I)
_CI = re.compile(r"^(\.github/workflows/|\.gitlab-ci|\.circleci/|Jenkinsfile|azure-pipelines|\.travis\.yml"
                 r"|bitbucket-pipelines|\.drone\.yml|\.buildkite/|cloudbuild\.|\.woodpecker|appveyor)", re.I)
_VENDORED = re.compile(r"(^|/)(node_modules|vendor|third_party|third-party|\.venv|venv|dist|build|"
                       r"__pycache__|\.yarn|bower_components|Pods)/")
_GENERATED = re.compile(r"(\.min\.(js|css)|\.lock|-lock\.json|\.snap|\.pb\.go|_pb2\.py|\.map)$", re.I)


@lru_cache(maxsize=1 << 17)
def extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


@lru_cache(maxsize=1 << 17)
def is_test(path: str) -> bool:
    return bool(_TEST.search(path))


@lru_cache(maxsize=1 << 17)
def test_kind(path: str) -> str:
    """``e2e``, ``integration`` or ``unit`` for a test path."""
    if _E2E.search(path):
        return "e2e"
    if _INTEGRATION.search(path):
        return "integration"
    return "unit"


@lru_cache(maxsize=1 << 17)
def is_vendored(path: str) -> bool:
    return bool(_VENDORED.search(path))


@lru_cache(maxsize=1 << 17)
def is_source(path: str) -> bool:
    """Hand-written program code that is not a test, vendored or generated."""
    return (extension(path) in _SOURCE_EXT and not is_test(path) and not is_vendored(path)
            and not _GENERATED.search(path) and not _DOC_DIR.search(path))


@lru_cache(maxsize=1 << 17)
def is_changelog(path: str) -> bool:
    return bool(_CHANGELOG.search(path))


@lru_cache(maxsize=1 << 17)
def is_doc(path: str) -> bool:
    if is_changelog(path) or is_vendored(path):
        return False
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith(".txt") and not name.startswith("readme") and not _DOC_DIR.search(path):
        return False  # requirements.txt, robots.txt, CMakeLists.txt are not documentation
    return extension(path) in _DOC_EXT and (bool(_DOC_DIR.search(path)) or "/" not in path
                                            or path.lower().endswith(("readme.md", "readme.rst")))


@lru_cache(maxsize=1 << 17)
def is_ci(path: str) -> bool:
    return bool(_CI.search(path))
