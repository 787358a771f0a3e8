"""Package manifests, the dependencies they declare, and the lockfiles beside them.

Every manifest at the audited revision is read statically — npm ``package.json``,
Python ``pyproject.toml`` / ``requirements*.txt`` / ``setup.cfg`` / ``Pipfile``,
``go.mod``, ``Cargo.toml``, ``Gemfile`` and ``*.gemspec``, Maven ``pom.xml``,
Gradle build scripts and version catalogs, and ``composer.json``. Nothing from the
repository is imported or executed: Ruby and Gradle files are read with regular
expressions, the rest with the standard library's data parsers.

This module collects and classifies; it never judges. A manifest that cannot be
parsed is listed under :attr:`ManifestFacts.rejected` with a one-line reason, so a
rule can tell "no dependencies" from "could not read the dependencies".
"""

from __future__ import annotations

import bisect
import configparser
import functools
import json
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from auditor.facts.tree import FileTree

#: Directories whose contents are someone else's code (vendored, installed or built).
SKIP_DIRS = frozenset(
    {
        "node_modules",
        "bower_components",
        "vendor",
        "third_party",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "site-packages",
        "dist",
        "build",
    }
)
MAX_MANIFESTS = 500
#: A bound on one manifest, so a hostile file cannot make the report unbounded.
MAX_DEPENDENCIES_PER_MANIFEST = 5000
MAX_NAME_LENGTH = 256

ECOSYSTEMS = ("npm", "pypi", "go", "cargo", "maven", "gradle", "rubygems", "composer")

LOCKFILE_NAMES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lockb",
        "bun.lock",
        "poetry.lock",
        "uv.lock",
        "Pipfile.lock",
        "pdm.lock",
        "Cargo.lock",
        "go.sum",
        "Gemfile.lock",
        "composer.lock",
        "gradle.lockfile",
    }
)

#: Words that mark an optional-dependency group or extra as development-only (PEP 685
#: names, split on ``-``): ``test``, ``docs-build`` and ``lint`` are; ``docker`` is not.
DEV_GROUP_WORDS = frozenset(
    {
        "test",
        "tests",
        "testing",
        "dev",
        "develop",
        "development",
        "lint",
        "linting",
        "docs",
        "doc",
        "documentation",
        "typing",
        "typecheck",
        "qa",
        "ci",
        "coverage",
        "benchmark",
        "benchmarks",
    }
)
#: Bundler groups whose gems are not installed in production.
DEV_GEM_GROUPS = frozenset({"development", "test", "dev", "ci", "lint", "docs"})


# -- public data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Dependency:
    """One dependency declared by one manifest."""

    #: Normalized: PEP 503 for PyPI, as written for npm (``@scope/name``), the module
    #: path for Go, ``groupId:artifactId`` for Maven and Gradle, lowercase for Composer.
    name: str
    ecosystem: str  # one of ECOSYSTEMS
    path: str  # the manifest declaring it
    line: int | None
    dev: bool  # declared for development, tests, docs or build tooling only


@dataclass(frozen=True)
class Manifest:
    """One manifest file; ``problem`` says what could not be read from it."""

    path: str
    ecosystem: str
    name: str | None  # the package's own name, if it declares one
    version: str | None
    problem: str | None = None


@dataclass(frozen=True)
class ManifestFacts:
    """Every manifest, dependency and lockfile at the audited revision."""

    manifests: tuple[Manifest, ...]
    dependencies: tuple[Dependency, ...]
    lockfiles: tuple[str, ...]
    #: (path, one-line reason) for each manifest, or part of one, that was not read.
    rejected: tuple[tuple[str, str], ...]

    def find(self, *names: str) -> list[Dependency]:
        """Dependencies whose normalized name is exactly one of ``names``, in any ecosystem."""
        wanted = set(names)
        wanted_pypi = {normalize_pypi(n) for n in names}
        return [
            d
            for d in self.dependencies
            if d.name in wanted or (d.ecosystem == "pypi" and d.name in wanted_pypi)
        ]

    def by_prefix(self, *prefixes: str) -> list[Dependency]:
        """Dependencies whose normalized name starts with one of ``prefixes``."""
        return [d for d in self.dependencies if d.name.startswith(prefixes)] if prefixes else []

    @property
    def ecosystems(self) -> tuple[str, ...]:
        """The ecosystems that have at least one manifest, sorted."""
        return tuple(sorted({m.ecosystem for m in self.manifests}))


# -- helpers shared with the other fact modules ------------------------------------------


def ini_problem(exc: configparser.Error, kind: str = "INI") -> str:
    """Why an INI file was rejected, and where — never configparser's message, which quotes the line."""
    line = getattr(exc, "lineno", None)
    if line is None and getattr(exc, "errors", None):
        line = exc.errors[0][0]
    return f"invalid {kind}: {type(exc).__name__}" + (f" at line {line}" if isinstance(line, int) else "")


def is_vendored(path: str) -> bool:
    """Whether ``path`` lies under a directory of vendored, installed or built code."""
    return any(part.lower() in SKIP_DIRS for part in path.split("/")[:-1])


def normalize_pypi(name: str) -> str:
    """The PEP 503 normalized form of a Python distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def describe_type(value: object) -> str:
    """``a list``, ``a string``... — for one-line reasons about wrong shapes."""
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


class DocumentRejected(ValueError):
    """A repository file was refused: unparseable, unsafe or the wrong shape.

    The message is the one-line reason reported under ``rejected``.
    """


def parse_json_object(text: str) -> dict:
    """Parse a JSON document that must be an object, or raise DocumentRejected saying why."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentRejected(f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise DocumentRejected("invalid JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer literal beyond the interpreter's digit limit
        raise DocumentRejected(f"invalid JSON: {_one_line(str(exc))}") from None
    if not isinstance(data, dict):
        raise DocumentRejected(f"top level is {describe_type(data)}, expected an object")
    return data


def parse_toml(text: str) -> dict:
    """Parse a TOML 1.0 document, or raise DocumentRejected saying why."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DocumentRejected(f"invalid TOML: {_one_line(str(exc))}") from None
    except RecursionError:
        raise DocumentRejected("invalid TOML: nested too deeply") from None
    except ValueError:
        # tomllib raises a plain ValueError for an integer longer than Python's digit limit.
        raise DocumentRejected("invalid TOML: a value Python cannot represent") from None


@dataclass(frozen=True)
class Needle:
    """A literal plus a test of its surroundings: a cheap stand-in for a per-name regex.

    Compiling a regular expression for every dependency name costs ~100µs each,
    which a hostile monorepo could multiply into minutes; ``str.find`` costs nothing.
    """

    literal: str
    accept: Callable[[str, int, int], bool]  # (text, start, end of the literal) -> is it this?


#: How many rejected occurrences of one literal a search looks at before giving up.
MAX_CANDIDATES = 1000


class Locator:
    """Finds line numbers of names in a file, reading forward like a person would.

    Declarations usually appear in the order a parser yields them, so each search
    starts where the previous one matched; this keeps a file with thousands of
    dependencies linear instead of quadratic. Searches fall back to the current
    section, then to the whole file.
    """

    #: After this many failed searches the file is not searched again: each miss
    #: rescans the whole text, and a hostile file could otherwise miss thousands of times.
    MAX_MISSES = 50

    def __init__(self, text: str):
        self.text = text
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._section = 0
        self._cursor = 0
        self._misses = 0

    def section(self, anchor: str | re.Pattern[str] | Needle | None) -> None:
        """Start searching after the first match of ``anchor`` (or the top, if absent)."""
        span = self._search(anchor, 0) if anchor is not None else None
        self._section = self._cursor = span[1] if span else 0

    def find(self, needle: str | re.Pattern[str] | Needle) -> int | None:
        """1-based line of ``needle``'s next match, or None."""
        if self._misses >= self.MAX_MISSES:
            return None
        span = (
            self._search(needle, self._cursor)
            or self._search(needle, self._section)
            or self._search(needle, 0)
        )
        if span is None:
            self._misses += 1
            return None
        self._cursor = span[1]
        return self.line_at(span[0])

    def line_at(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def _search(self, needle: str | re.Pattern[str] | Needle, start: int) -> tuple[int, int] | None:
        if isinstance(needle, Needle):
            text, literal = self.text, needle.literal
            i = text.find(literal, start)
            for _ in range(MAX_CANDIDATES):
                if i < 0:
                    return None
                if needle.accept(text, i, i + len(literal)):
                    return i, i + len(literal)
                i = text.find(literal, i + 1)
            return None
        m = _compile(needle).search(self.text, start)
        return m.span() if m else None


def skip_blanks(text: str, i: int) -> int:
    """The first index at or after ``i`` that is not a space or tab."""
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def _anything(text: str, start: int, end: int) -> bool:
    return True


def json_key(name: str) -> Needle:
    """``"name":`` — a key in a JSON object."""
    # json.dumps spells the key as the file does: quotes and backslashes escaped, UTF-8 kept.
    return Needle(
        json.dumps(name, ensure_ascii=False), lambda t, s, e: t.startswith(":", _skip_space(t, e))
    )


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _toml_key_context(text: str, start: int, end: int) -> bool:
    if start and text[start - 1] in "\"'":  # a quoted key: the same quote must close it
        if not text.startswith(text[start - 1], end):
            return False
        start, end = start - 1, end + 1
    j = skip_blanks(text, end)
    after = text[j] if j < len(text) else ""
    if start and text[start - 1] == ".":  # `[table.name]`, `table.name = ...`, `[table.name.sub]`
        return after in ("]", "=", ".")
    # Otherwise the key starts its line: `name = ...` or the dotted `name.workspace = true`.
    # (A quoted string in an array or inline table is not a key.)
    return not text[text.rfind("\n", 0, start) + 1 : start].strip() and after in ("=", ".")


def toml_key(name: str) -> Needle:
    """``name =``, ``name.key =`` or ``[table.name]`` — a key in a TOML table."""
    return Needle(name, _toml_key_context)


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _standalone(text: str, start: int, end: int) -> bool:
    free_before = start == 0 or (text[start - 1] not in _NAME_CHARS and text[start - 1] not in "@/")
    return free_before and (end >= len(text) or text[end] not in _NAME_CHARS)


def word(name: str) -> Needle:
    """``name`` standing alone, not as part of a longer name."""
    return Needle(name, _standalone)


def literal(text: str) -> Needle:
    """``text`` wherever it occurs."""
    return Needle(text, _anything)


@functools.lru_cache(maxsize=256)
def _compile_str(p: str) -> re.Pattern[str]:
    return re.compile(p)


def _compile(p: str | re.Pattern[str]) -> re.Pattern[str]:
    return p if isinstance(p, re.Pattern) else _compile_str(p)


def _one_line(s: str, limit: int = 200) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


# -- collection ----------------------------------------------------------------------


@dataclass
class _Reading:
    """One manifest being read: what a parser found, and what it could not read."""

    path: str
    ecosystem: str
    text: str
    locator: Locator = field(init=False)
    name: str | None = None
    version: str | None = None
    deps: list[Dependency] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.locator = Locator(self.text)

    def add(
        self,
        name: object,
        *,
        dev: bool,
        needle: str | re.Pattern[str] | Needle | None = None,
        line: int | None = None,
    ) -> None:
        """Record a dependency named ``name`` as written in the file."""
        if not isinstance(name, str):
            return
        name = name.strip()
        if not _plausible_name(name):
            return
        if len(self.deps) >= MAX_DEPENDENCIES_PER_MANIFEST:
            if not any(p.startswith("more than") for p in self.problems):
                self.problems.append(
                    f"more than {MAX_DEPENDENCIES_PER_MANIFEST} dependencies; "
                    "the rest were not read"
                )
            return
        if line is None:
            line = self.locator.find(needle if needle is not None else word(name))
        self.deps.append(
            Dependency(_normalize(name, self.ecosystem), self.ecosystem, self.path, line, dev)
        )

    def table(self, value: object, where: str) -> dict | None:
        """``value`` if it is a table/object; otherwise note the problem and return None."""
        if value is None:
            return None
        if isinstance(value, dict):
            return value
        self.problems.append(f"{where} is {describe_type(value)}, expected a table")
        return None

    def array(self, value: object, where: str) -> list | None:
        if value is None:
            return None
        if isinstance(value, list):
            return value
        self.problems.append(f"{where} is {describe_type(value)}, expected a list")
        return None


_BLANK_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def _plausible_name(name: str) -> bool:
    return 0 < len(name) <= MAX_NAME_LENGTH and not _BLANK_OR_CONTROL.search(name)


def _normalize(name: str, ecosystem: str) -> str:
    if ecosystem == "pypi":
        return normalize_pypi(name)
    if ecosystem == "composer":
        return name.lower()  # Packagist names are case-insensitive
    return name


def _str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _dev_group(group: object) -> bool:
    return isinstance(group, str) and any(
        w in DEV_GROUP_WORDS for w in normalize_pypi(group).split("-")
    )


# -- npm -------------------------------------------------------------------------------

_NPM_SECTIONS = (
    ("dependencies", False),
    ("devDependencies", True),
    # Peers and optionals are installed with the package in production.
    ("peerDependencies", False),
    ("optionalDependencies", False),
)


def _read_package_json(r: _Reading) -> None:
    data = parse_json_object(r.text)
    r.name, r.version = _str(data.get("name")), _str(data.get("version"))
    for section, dev in _NPM_SECTIONS:
        block = r.table(data.get(section), section)
        if block:
            r.locator.section(json_key(section))
            for name in block:
                r.add(name, dev=dev, needle=json_key(name))


# -- Python ----------------------------------------------------------------------------

_REQUIREMENT_NAME = re.compile(
    r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?=$|[\[(<>=!~;@,\s])"
)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^(?:git|hg|svn|bzr)\+")
_ARCHIVE = re.compile(r"\.(?:whl|zip|tar\.gz|tgz|tar\.bz2|egg)$", re.IGNORECASE)


def requirement_name(spec: object) -> str | None:
    """The distribution name a PEP 508 requirement string names, as written."""
    if not isinstance(spec, str):
        return None
    spec = spec.strip()
    if not spec or spec.startswith(("#", "-", ".", "/", "~")) or _URL.match(spec):
        return None
    m = _REQUIREMENT_NAME.match(spec)
    if m is None or _ARCHIVE.search(m.group(1)):
        return None
    return m.group(1)


def _requirement_needle(name: str) -> Needle:
    return word(name)


def _add_requirements(
    r: _Reading, specs: object, where: str, *, dev: bool, anchor: str | None = None
) -> None:
    items = r.array(specs, where)
    if not items:
        return
    if anchor:
        r.locator.section(anchor)
    for spec in items:
        name = requirement_name(spec)
        if name:
            r.add(name, dev=dev, needle=_requirement_needle(name))


def _add_table_keys(
    r: _Reading,
    table: object,
    where: str,
    *,
    dev: bool,
    anchor: str | None = None,
    skip: Iterable[str] = (),
) -> None:
    block = r.table(table, where)
    if not block:
        return
    if anchor:
        r.locator.section(anchor)
    skipped = set(skip)
    for name in block:
        if name not in skipped:
            r.add(name, dev=dev, needle=toml_key(name))


def _read_pyproject(r: _Reading) -> None:
    data = parse_toml(r.text)
    project = r.table(data.get("project"), "[project]")
    if project is not None:
        r.name, r.version = _str(project.get("name")), _str(project.get("version"))
        _add_requirements(
            r,
            project.get("dependencies"),
            "[project] dependencies",
            dev=False,
            anchor=r"(?m)^\[project\]",
        )
        extras = r.table(project.get("optional-dependencies"), "[project.optional-dependencies]")
        r.locator.section(r"optional-dependencies")
        for group, specs in (extras or {}).items():
            _add_requirements(r, specs, f"optional-dependencies.{group}", dev=_dev_group(group))
    # PEP 735 groups are never installed with the package: they are development groups.
    groups = r.table(data.get("dependency-groups"), "[dependency-groups]")
    r.locator.section(r"(?m)^\[dependency-groups\]")
    for group, specs in (groups or {}).items():
        _add_requirements(r, specs, f"dependency-groups.{group}", dev=True)

    tool = r.table(data.get("tool"), "[tool]") or {}
    poetry = r.table(tool.get("poetry"), "[tool.poetry]")
    if poetry is not None:
        r.name = r.name or _str(poetry.get("name"))
        r.version = r.version or _str(poetry.get("version"))
        _add_table_keys(
            r,
            poetry.get("dependencies"),
            "[tool.poetry.dependencies]",
            dev=False,
            anchor=r"(?m)^\[tool\.poetry\.dependencies\]",
            skip=("python",),
        )
        _add_table_keys(
            r,
            poetry.get("dev-dependencies"),
            "[tool.poetry.dev-dependencies]",
            dev=True,
            anchor=r"(?m)^\[tool\.poetry\.dev-dependencies\]",
            skip=("python",),
        )
        for group, body in (r.table(poetry.get("group"), "[tool.poetry.group]") or {}).items():
            body = r.table(body, f"[tool.poetry.group.{group}]")
            if body is not None:
                # Poetry's "main" group is the runtime; every other group is opt-in tooling.
                _add_table_keys(
                    r,
                    body.get("dependencies"),
                    f"[tool.poetry.group.{group}.dependencies]",
                    dev=group != "main",
                    skip=("python",),
                    anchor=rf"(?m)^\[tool\.poetry\.group\.{re.escape(group)}\.dependencies\]",
                )
    uv = r.table(tool.get("uv"), "[tool.uv]")
    if uv is not None:
        _add_requirements(
            r,
            uv.get("dev-dependencies"),
            "[tool.uv] dev-dependencies",
            dev=True,
            anchor=r"(?m)^\[tool\.uv\]",
        )
    pdm = r.table(tool.get("pdm"), "[tool.pdm]")
    if pdm is not None:
        groups = r.table(pdm.get("dev-dependencies"), "[tool.pdm.dev-dependencies]")
        r.locator.section(r"(?m)^\[tool\.pdm\.dev-dependencies\]")
        for group, specs in (groups or {}).items():
            _add_requirements(r, specs, f"[tool.pdm.dev-dependencies] {group}", dev=True)


def _read_requirements(r: _Reading) -> None:
    basename = r.path.rsplit("/", 1)[-1].lower()
    dev = any(w in basename for w in ("dev", "test", "lint", "doc"))
    lines = r.text.split("\n")
    i = 0
    while i < len(lines):
        start = i
        logical = lines[i]
        # A trailing backslash continues the requirement (pip's --hash blocks use it).
        while logical.endswith("\\") and i + 1 < len(lines):
            i += 1
            logical = logical[:-1] + " " + lines[i]
        i += 1
        logical = re.sub(r"(^|\s)#.*$", "", logical).strip()
        name = requirement_name(logical)
        if name:
            r.add(name, dev=dev, line=start + 1)


def _read_setup_cfg(r: _Reading) -> bool:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(r.text)
    except configparser.Error as exc:
        raise DocumentRejected(ini_problem(exc)) from None
    if not (parser.has_section("metadata") or parser.has_section("options")):
        return False  # a setup.cfg holding only tool settings (flake8, isort) is no manifest
    if parser.has_section("metadata"):
        r.name = _str(parser.get("metadata", "name", fallback=None))
        version = _str(parser.get("metadata", "version", fallback=None))
        r.version = None if version and version.startswith(("attr:", "file:")) else version
    r.locator.section(r"(?m)^\[options\]")
    for option, dev in (("install_requires", False), ("tests_require", True)):
        for spec in parser.get("options", option, fallback="").split("\n"):
            name = requirement_name(re.sub(r"(^|\s)#.*$", "", spec))
            if name:
                r.add(name, dev=dev, needle=_requirement_needle(name))
    if parser.has_section("options.extras_require"):
        r.locator.section(r"(?m)^\[options\.extras_require\]")
        for group, specs in parser.items("options.extras_require"):
            for spec in specs.split("\n"):
                name = requirement_name(re.sub(r"(^|\s)#.*$", "", spec))
                if name:
                    r.add(name, dev=_dev_group(group), needle=_requirement_needle(name))
    return True


def _read_pipfile(r: _Reading) -> None:
    data = parse_toml(r.text)
    _add_table_keys(r, data.get("packages"), "[packages]", dev=False, anchor=r"(?m)^\[packages\]")
    _add_table_keys(
        r, data.get("dev-packages"), "[dev-packages]", dev=True, anchor=r"(?m)^\[dev-packages\]"
    )


# -- Go ----------------------------------------------------------------------------------

_GO_REQUIRE = re.compile(r'^\s*"?([^\s"]+)"?\s+(v[^\s]+)')


def _read_go_mod(r: _Reading) -> None:
    in_require = False
    for lineno, raw in enumerate(r.text.split("\n"), 1):
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if in_require:
            if line.startswith(")"):
                in_require = False
            elif m := _GO_REQUIRE.match(line):
                r.add(m.group(1), dev=False, line=lineno)
            continue
        keyword, _, rest = line.partition(" ")
        rest = rest.strip()
        if keyword == "module":
            r.name = rest.strip('"') or None
        elif keyword == "require":
            if rest.startswith("("):
                in_require = True
            elif m := _GO_REQUIRE.match(rest):
                r.add(m.group(1), dev=False, line=lineno)


# -- Rust --------------------------------------------------------------------------------

_CARGO_SECTIONS = (
    ("dependencies", False),
    ("dev-dependencies", True),
    ("dev_dependencies", True),
    ("build-dependencies", False),
    ("build_dependencies", False),
)


def _add_cargo_table(r: _Reading, table: object, where: str, *, dev: bool) -> None:
    block = r.table(table, where)
    if not block:
        return
    r.locator.section(re.compile(r"(?m)^\[" + re.escape(where.strip("[]")) + r"[\].]"))
    for key, spec in block.items():
        # `foo = { package = "bar" }` depends on crate bar under the local name foo.
        real = spec.get("package") if isinstance(spec, dict) else None
        name = real if isinstance(real, str) and real else key
        r.add(name, dev=dev, needle=toml_key(key))


def _read_cargo_toml(r: _Reading) -> None:
    data = parse_toml(r.text)
    package = r.table(data.get("package"), "[package]")
    if package is not None:
        r.name, r.version = _str(package.get("name")), _str(package.get("version"))
    for section, dev in _CARGO_SECTIONS:
        _add_cargo_table(r, data.get(section), f"[{section}]", dev=dev)
    workspace = r.table(data.get("workspace"), "[workspace]")
    if workspace is not None:
        _add_cargo_table(r, workspace.get("dependencies"), "[workspace.dependencies]", dev=False)
    for target, body in (r.table(data.get("target"), "[target]") or {}).items():
        body = r.table(body, f"[target.{target}]")
        for section, dev in _CARGO_SECTIONS:
            if body is not None:
                _add_cargo_table(r, body.get(section), f"[target.{target}.{section}]", dev=dev)


# -- Ruby --------------------------------------------------------------------------------

_GEM = re.compile(r"""^\s*gem\s*(?:\(\s*)?["']([^"']+)["'](.*)$""")
_GROUP_BLOCK = re.compile(r"^\s*group\s*\(?(.+?)\)?\s+do\b")
_GROUP_OPTION = re.compile(r"""(?:\bgroups?\s*:|:groups?\s*=>)\s*\[?([^\]]*)""")
_SYMBOL = re.compile(r""":?["']?(\w+)["']?""")
_BLOCK_OPEN = re.compile(
    r"\bdo\s*(?:\|[^|]*\|)?\s*$|^\s*(?:if|unless|case|while|until|begin|def|class|module)\b"
)
_BLOCK_CLOSE = re.compile(r"^\s*end\b")


def strip_ruby_comment(line: str) -> str:
    """``line`` without a trailing ``# comment`` (a ``#`` inside quotes is kept)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def ruby_blocks(text: str) -> Iterable[tuple[int, str, list[str | None]]]:
    """(line number, code, labels of the enclosing blocks) for each line of Ruby source.

    A rough block tracker for DSL files (Gemfile, Rakefile): a line that opens a
    block with ``do`` or a statement keyword pushes a frame, ``end`` pops one. The
    label is the block's opening line, so callers can read ``group :test do`` or
    ``namespace :db do`` from it.
    """
    stack: list[str | None] = []
    for lineno, raw in enumerate(text.split("\n"), 1):
        code = strip_ruby_comment(raw).rstrip()
        if _BLOCK_CLOSE.match(code):
            if stack:
                stack.pop()
            continue
        yield lineno, code, stack
        if _BLOCK_OPEN.search(code):
            stack.append(code)


def _gem_groups(args: str) -> set[str]:
    return {m.group(1).lower() for m in _SYMBOL.finditer(args)}


def _read_gemfile(r: _Reading) -> None:
    for lineno, code, stack in ruby_blocks(r.text):
        m = _GEM.match(code)
        if not m:
            continue
        groups: set[str] = set()
        for label in stack:
            if label and (g := _GROUP_BLOCK.match(label)):
                groups |= _gem_groups(g.group(1))
        if o := _GROUP_OPTION.search(m.group(2)):
            groups |= _gem_groups(o.group(1))
        r.add(m.group(1), dev=bool(groups & DEV_GEM_GROUPS), line=lineno)


_GEMSPEC_DEP = re.compile(r"""\.add_(runtime_|development_)?dependency\s*(?:\(\s*)?["']([^"']+)["']""")
_GEMSPEC_ATTR = re.compile(r"""^\s*\w+\.(name|version)\s*=\s*["']([^"']+)["']""")


def _read_gemspec(r: _Reading) -> None:
    for lineno, raw in enumerate(r.text.split("\n"), 1):
        code = strip_ruby_comment(raw)
        if m := _GEMSPEC_ATTR.match(code):
            setattr(r, m.group(1), m.group(2))
        for m in _GEMSPEC_DEP.finditer(code):
            r.add(m.group(2), dev=m.group(1) == "development_", line=lineno)


# -- JVM ---------------------------------------------------------------------------------

_XML_DTD = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(el: ET.Element, name: str) -> str | None:
    for child in el:
        if _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def _read_pom(r: _Reading) -> None:
    # A DTD can define entities that expand without bound or read local files;
    # Maven never needs one, so any document declaring one is refused outright.
    if _XML_DTD.search(r.text):
        raise DocumentRejected("XML with a DOCTYPE or ENTITY declaration refused")
    try:
        root = ET.fromstring(r.text)
    except ET.ParseError as exc:
        raise DocumentRejected(f"invalid XML: {_one_line(str(exc))}") from None
    except (ValueError, RecursionError) as exc:
        raise DocumentRejected(
            f"invalid XML: {_one_line(str(exc)) or type(exc).__name__}"
        ) from None
    if _local(root.tag) != "project":
        raise DocumentRejected(f"root element is <{_local(root.tag)}>, expected <project>")
    parent = next((c for c in root if _local(c.tag) == "parent"), None)
    group = (
        _child_text(root, "groupId")
        or (parent is not None and _child_text(parent, "groupId"))
        or None
    )
    artifact = _child_text(root, "artifactId")
    r.name = f"{group}:{artifact}" if group and artifact else artifact
    r.version = _child_text(root, "version") or (
        _child_text(parent, "version") if parent is not None else None
    )

    # Walk in document order so each search for an artifactId moves forward.
    def walk(el: ET.Element, in_plugin: bool) -> None:
        for child in el:
            tag = _local(child.tag)
            if tag == "dependency" and _local(el.tag) == "dependencies":
                g, a = _child_text(child, "groupId"), _child_text(child, "artifactId")
                scope = (_child_text(child, "scope") or "").lower()
                if g and a:
                    r.add(f"{g}:{a}", dev=in_plugin or scope == "test", needle=_xml_artifact(a))
            elif tag == "plugin" and _local(el.tag) == "plugins":
                # Build plugins (jacoco, checkstyle, surefire) are tooling, never shipped.
                g = _child_text(child, "groupId") or "org.apache.maven.plugins"
                a = _child_text(child, "artifactId")
                if a:
                    r.add(f"{g}:{a}", dev=True, needle=_xml_artifact(a))
                walk(child, True)
                continue
            walk(child, in_plugin)

    walk(root, False)


def _xml_artifact_context(text: str, start: int, end: int) -> bool:
    return text[max(0, start - 200) : start].rstrip().endswith("artifactId>") and text[
        end : end + 200
    ].lstrip().startswith("</")


def _xml_artifact(artifact: str) -> Needle:
    """``<artifactId>artifact</artifactId>``, allowing blanks and a namespace prefix."""
    return Needle(artifact, _xml_artifact_context)


_GRADLE_CONFIG_SUFFIXES = (
    "implementation",
    "api",
    "compileonly",
    "runtimeonly",
    "compile",
    "runtime",
    "classpath",
    "annotationprocessor",
    "kapt",
    "ksp",
    "detektplugins",
)
_GRADLE_STRING = re.compile(r"""\b(\w+)\s*(?:\(\s*)?(?:(?:enforcedP|p)latform\s*\(\s*)?["']([^"':\s$]+):([^"':\s$]+)(?::[^"']*)?["']""")
_GRADLE_MAP = re.compile(r"""\b(\w+)\s*(?:\(\s*)?group\s*[:=]\s*["']([^"']+)["']\s*,\s*name\s*[:=]\s*["']([^"']+)["']""")
_GRADLE_VERSION = re.compile(r"""^\s*version\s*=\s*["']([^"']+)["']""")


def _read_gradle(r: _Reading) -> None:
    for lineno, line in enumerate(r.text.split("\n"), 1):
        if r.version is None and (v := _GRADLE_VERSION.match(line)):
            r.version = v.group(1)
        for rx in (_GRADLE_STRING, _GRADLE_MAP):
            for m in rx.finditer(line):
                config = m.group(1).lower()
                if config.endswith(_GRADLE_CONFIG_SUFFIXES):
                    r.add(f"{m.group(2)}:{m.group(3)}", dev="test" in config, line=lineno)


def _read_version_catalog(r: _Reading) -> None:
    data = parse_toml(r.text)
    libraries = r.table(data.get("libraries"), "[libraries]")
    if not libraries:
        return
    r.locator.section(r"(?m)^\[libraries\]")
    for alias, spec in libraries.items():
        coords = None
        if isinstance(spec, str):
            coords = ":".join(spec.split(":")[:2])
        elif isinstance(spec, dict):
            module, group, name = spec.get("module"), spec.get("group"), spec.get("name")
            if isinstance(module, str):
                coords = module
            elif isinstance(group, str) and isinstance(name, str):
                coords = f"{group}:{name}"
        if coords and coords.count(":") == 1:
            r.add(coords, dev=False, needle=toml_key(alias))


# -- PHP ---------------------------------------------------------------------------------

_COMPOSER_PLATFORM = re.compile(
    r"^(?:php(?:-64bit|-ipv6|-zts|-debug)?|hhvm|composer(?:-plugin-api|-runtime-api)?"
    r"|ext-.+|lib-.+)$",
    re.IGNORECASE,
)


def _read_composer_json(r: _Reading) -> None:
    data = parse_json_object(r.text)
    r.name, r.version = _str(data.get("name")), _str(data.get("version"))
    for section, dev in (("require", False), ("require-dev", True)):
        block = r.table(data.get(section), section)
        if block:
            r.locator.section(json_key(section))
            for name in block:
                if not _COMPOSER_PLATFORM.match(name):  # the PHP runtime and its extensions
                    r.add(name, dev=dev, needle=json_key(name))


# -- dispatch ----------------------------------------------------------------------------


#: (path pattern, ecosystem, reader). A reader returning False means "not a manifest after all".
_KINDS: tuple[tuple[re.Pattern[str], str, Callable[[_Reading], bool | None]], ...] = (
    (re.compile(r"(?:^|/)package\.json$"), "npm", _read_package_json),
    (re.compile(r"(?:^|/)pyproject\.toml$"), "pypi", _read_pyproject),
    (
        re.compile(r"(?:^|/)(?:[^/]*requirements[^/]*|requirements/[^/]+)\.txt$", re.IGNORECASE),
        "pypi",
        _read_requirements,
    ),
    (re.compile(r"(?:^|/)setup\.cfg$"), "pypi", _read_setup_cfg),
    (re.compile(r"(?:^|/)Pipfile$"), "pypi", _read_pipfile),
    (re.compile(r"(?:^|/)go\.mod$"), "go", _read_go_mod),
    (re.compile(r"(?:^|/)Cargo\.toml$"), "cargo", _read_cargo_toml),
    (re.compile(r"(?:^|/)(?:Gemfile|gems\.rb)$"), "rubygems", _read_gemfile),
    (re.compile(r"(?:^|/)[^/]+\.gemspec$"), "rubygems", _read_gemspec),
    (re.compile(r"(?:^|/)pom\.xml$"), "maven", _read_pom),
    (re.compile(r"(?:^|/)build\.gradle(?:\.kts)?$"), "gradle", _read_gradle),
    (re.compile(r"(?:^|/)gradle/[^/]+\.versions\.toml$"), "gradle", _read_version_catalog),
    (re.compile(r"(?:^|/)composer\.json$"), "composer", _read_composer_json),
)


#: Any of the patterns: one search rules out the many paths that are no manifest at all.
_ANY_KIND = re.compile("|".join(f"(?{'i' if rx.flags & re.IGNORECASE else ''}:{rx.pattern})" for rx, _, _ in _KINDS))


def _kind_of(path: str) -> tuple[str, Callable[[_Reading], bool | None]] | None:
    if not _ANY_KIND.search(path):
        return None
    for rx, ecosystem, reader in _KINDS:
        if rx.search(path):
            return ecosystem, reader
    return None


def collect_manifests(tree: FileTree) -> ManifestFacts:
    """Read every manifest and lockfile in ``tree``; never raises on repository content."""
    candidates = [(p, k) for p in tree.paths if not is_vendored(p) and (k := _kind_of(p))]
    rejected: list[tuple[str, str]] = []
    if len(candidates) > MAX_MANIFESTS:
        # Keep the shallowest: the root's describe the project, deep ones are often fixtures.
        candidates.sort(key=lambda c: (c[0].count("/"), c[0]))
        skipped = candidates[MAX_MANIFESTS:]
        candidates = candidates[:MAX_MANIFESTS]
        rejected.append(
            (
                skipped[0][0],
                f"not read: more than {MAX_MANIFESTS} manifests ({len(skipped)} skipped)",
            )
        )

    manifests: list[Manifest] = []
    dependencies: set[Dependency] = set()
    for path, (ecosystem, reader) in candidates:
        text = tree.read_text(path)
        if text is None:
            reason = f"not read: {tree.unread.get(path, 'unreadable')}"
            manifests.append(Manifest(path, ecosystem, None, None, reason))
            rejected.append((path, reason))
            continue
        reading = _Reading(path, ecosystem, text)
        try:
            if reader(reading) is False:
                continue
        except DocumentRejected as exc:
            reading.problems = [str(exc)]
            reading.deps = []
        except Exception as exc:  # noqa: BLE001 - a fact provider must survive any input
            reading.problems = [
                f"could not be read ({type(exc).__name__}: {_one_line(str(exc), 120)})"
            ]
            reading.deps = []
        problem = "; ".join(reading.problems) or None
        manifests.append(Manifest(path, ecosystem, reading.name, reading.version, problem))
        rejected.extend((path, p) for p in reading.problems)
        dependencies.update(reading.deps)

    lockfiles = tuple(
        p for p in tree.paths if p.rsplit("/", 1)[-1] in LOCKFILE_NAMES and not is_vendored(p)
    )
    return ManifestFacts(
        manifests=tuple(sorted(manifests, key=lambda m: m.path)),
        dependencies=tuple(
            sorted(
                dependencies,
                key=lambda d: (
                    d.path,
                    d.line if d.line is not None else 1 << 30,
                    d.name,
                    d.ecosystem,
                    d.dev,
                ),
            )
        ),
        lockfiles=lockfiles,
        rejected=tuple(sorted(set(rejected))),
    )
