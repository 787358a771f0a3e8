"""Configuration: where it is found, what it may say, and how it tailors an audit.

Discovery (the way ruff finds its configuration)
    Starting from the audited path, every directory up to the filesystem root is
    tried; the first that holds one of ``.auditor.toml``, ``auditor.toml`` or a
    ``pyproject.toml`` with a ``[tool.auditor]`` table (in that order) wins. Only
    that one file is read — files are never merged. ``--config FILE`` replaces
    discovery; ``--isolated`` audits with no configuration at all. When the
    target is a git URL (cloned to a temporary directory), discovery starts at
    the current directory instead.

Trust
    A configuration file *inside the audited repository* is the repository
    grading itself. It is honoured (teams tailor their own audit), but its origin
    is recorded (:attr:`Config.source_path`, :attr:`Config.inside_repository`)
    and always shown in the report; ``--isolated`` audits without it. Rule packs
    are code: a pack declared by a configuration inside the audited repository,
    or lying inside it, is never imported unless ``--allow-repo-packs`` is given.
    Files are read with :mod:`tomllib`, at most 1 MB, never executed; a
    configuration inside the repository must be a regular file (no symbolic
    links, FIFOs or devices).

Keys (``pyproject.toml`` takes the same keys under ``[tool.auditor]``; the JSON
Schema is ``auditor/schema/config.schema.json``)::

    select = ["REV", "TST001"]        # run only rules with these IDs or prefixes (default: all)
    ignore = ["SEC004"]               # skip rules with these IDs or prefixes
    fail_under = 3.0                  # gate: exit 1 when the overall score is below (0-5)
    packs = ["./house_rules"]         # local rule packs, relative to this file's directory

    [thresholds.REV001]               # override a rule's documented thresholds
    reviewed_share_min = 0.8          #   (names: `auditor rules explain REV001`)

    [weights]                         # an area's weight in the overall score
    review = 2.0                      #   (area IDs as in auditor/areas.py)

    [min_area]                        # gate: exit 1 when an area scores below (0-5)
    review = 3

    [context]                         # facts the team declares; shown as *declared*, not observed
    kind = "service"                  # library | service | cli | docs | monorepo
    deployed = true                   # runs somewhere users reach (monitoring applies)
    tracker = "jira"                  # where the backlog lives
    tracker_key = "SMS"               # the tracker's project key, as in SMS-123
    deploy_platform = "vercel"        # where it is deployed
    team_size = 4                     # people working on it

    [[waivers]]                       # accept a failing finding, with a reason
    rule = "SEC004"                   #   an exact rule ID
    reason = "secrets live in Vault"  #   required
    owner = "ops@example.org"         #   optional: who answers for it
    expires = 2026-12-31              #   optional: after this date (vs --as-of) it is reported, not honoured

Command-line flags win over the file: ``--select`` replaces the file's ``select``
*and* ``ignore`` (as in ruff, the highest-priority ``select`` starts the rule
set); ``--ignore`` alone adds to the file's ``ignore``; ``--fail-under`` replaces
``fail_under``; any ``--min-area`` replaces the whole ``[min_area]`` table.

Invalid configuration raises :class:`ConfigError`, whose message is one line
naming the file, the key and what was expected.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from auditor.areas import AREA_IDS

CONFIG_FILES = (".auditor.toml", "auditor.toml", "pyproject.toml")
MAX_BYTES = 1 << 20
KINDS = ("library", "service", "cli", "docs", "monorepo")

#: Every top-level key, with what it expects (used in error messages and checked against the JSON Schema).
TOP_LEVEL: dict[str, str] = {
    "select": "a list of rule IDs or prefixes",
    "ignore": "a list of rule IDs or prefixes",
    "thresholds": "a table of rule IDs, each a table of threshold names and numbers",
    "weights": "a table of area IDs and non-negative numbers",
    "context": "a table of declared facts",
    "waivers": "an array of tables ([[waivers]]) with rule and reason",
    "fail_under": "a number from 0 to 5",
    "min_area": "a table of area IDs and numbers from 0 to 5",
    "packs": "a list of paths to local rule packs",
}
CONTEXT_KEYS: dict[str, str] = {
    "kind": "one of: " + ", ".join(KINDS),
    "deployed": "true or false",
    "tracker": "a short name such as jira, linear or github",
    "tracker_key": "a tracker project key such as SMS",
    "deploy_platform": "a short name such as vercel, fly or kubernetes",
    "team_size": "a whole number of people, at least 1",
}
WAIVER_KEYS = ("rule", "reason", "owner", "expires")

_SELECTOR = re.compile(r"^[A-Z]{1,8}[0-9]{0,3}$")
_RULE_ID = re.compile(r"^[A-Z]{2,8}[0-9]{3}$")
_TRACKER_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,19}$")
_TOOL_AUDITOR = re.compile(rb"""tool\s*\.\s*["']?auditor\b""")  # [tool.auditor], [tool.auditor.weights], ...
_SHORT_TEXT = 100
_LONG_TEXT = 500


class ConfigError(ValueError):
    """The configuration cannot be used; ``str()`` is one line: ``file: key: problem (expected …)``."""

    def __init__(self, file: str, key: str, expected: str, got: str):
        self.file, self.key, self.expected, self.got = file, key, expected, got
        super().__init__(f"{file}: {key}: {got} (expected {expected})")


@dataclass(frozen=True)
class Waiver:
    """A failing rule the team accepts, with its reason and, optionally, an owner and an expiry date."""

    rule: str
    reason: str
    owner: str | None = None
    expires: dt.date | None = None

    def expired(self, as_of: dt.date) -> bool:
        """Expired when the expiry date lies before the audit date (never the wall clock)."""
        return self.expires is not None and self.expires < as_of

    def status(self, as_of: dt.date) -> str:
        return "expired" if self.expired(as_of) else "honoured"


@dataclass(frozen=True)
class PackRef:
    """A local rule pack named in ``packs``: as written, and resolved."""

    spec: str
    path: Path


@dataclass(frozen=True)
class Config:
    """One configuration file's contents, validated, with where it came from."""

    source_path: Path | None = None      # absolute; None when no file was used
    inside_repository: bool = False      # the file lies inside the audited repository
    repository_root: Path | None = None  # the audited repository's top directory, when known
    explicit: bool = False               # named with --config
    isolated: bool = False               # --isolated: no configuration read
    owned_by_user: bool = True           # the file belongs to the current user (or root)
    display: str = ""                    # how the file is named in messages
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    fail_under: float | None = None
    min_area: dict[str, float] = field(default_factory=dict)
    packs: tuple[PackRef, ...] = ()
    prefix: str = ""                     # "tool.auditor." in pyproject.toml, for key paths in messages

    @property
    def origin(self) -> str:
        """``isolated``, ``none``, ``repository`` (inside the audited repository) or ``user`` (outside it)."""
        if self.isolated:
            return "isolated"
        if self.source_path is None:
            return "none"
        return "repository" if self.inside_repository else "user"

    @property
    def report_path(self) -> str | None:
        """The file as the report names it: relative to the repository when inside it, else absolute."""
        if self.source_path is None:
            return None
        if self.inside_repository and self.repository_root is not None:
            try:
                return self.source_path.relative_to(self.repository_root).as_posix()
            except ValueError:
                pass
        return str(self.source_path)

    def error(self, key: str, expected: str, got: str) -> ConfigError:
        return ConfigError(self.display, f"{self.prefix}{key}", expected, got)


@dataclass(frozen=True)
class Overrides:
    """What the command line says; a value given here wins over the file's."""

    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    fail_under: float | None = None
    min_area: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Gates:
    fail_under: float | None
    min_area: dict[str, float]


# -- discovery -----------------------------------------------------------------------------


def repository_root(path: str | Path) -> Path | None:
    """The top directory of the repository holding ``path`` (a ``.git`` entry, or a bare repository)."""
    start = Path(os.path.abspath(path))
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        if os.path.lexists(directory / ".git"):
            return directory
        if (directory / "HEAD").is_file() and (directory / "objects").is_dir() and (directory / "refs").is_dir():
            return directory
    return None


def find_config(start: str | Path) -> Path | None:
    """The closest configuration file at or above ``start``, or None."""
    here = Path(os.path.abspath(start))
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if not os.path.lexists(candidate) or candidate.is_dir():
                continue
            if name != "pyproject.toml" or _pyproject_has_section(candidate):
                return candidate
    return None


def _pyproject_has_section(path: Path) -> bool:
    """Whether a pyproject.toml configures the auditor (one that does not is skipped, as ruff skips it)."""
    try:
        raw = _read_bounded(path, follow_links=True)
    except OSError:
        return False
    if not _TOOL_AUDITOR.search(raw):
        return False
    try:
        data = tomllib.loads(raw.decode("utf-8", "replace"))
    except tomllib.TOMLDecodeError:
        return True  # it mentions the auditor but cannot be parsed: reading it reports why
    tool = data.get("tool")
    return isinstance(tool, dict) and "auditor" in tool


def _read_bounded(path: Path, *, follow_links: bool) -> bytes:
    """A regular file's bytes, at most ``MAX_BYTES + 1`` of them, never blocking on a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
        if os.path.islink(path):
            raise IsADirectoryError("a symbolic link")
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError("not a regular file")
        chunks, size = [], 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, MAX_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _within(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


def _display(path: Path, cwd: Path | None = None) -> str:
    cwd = Path(os.path.abspath(cwd or os.getcwd()))
    return os.path.relpath(path, cwd) if _within(path, cwd) else str(path)


def _owned_by_user(path: Path) -> bool:
    if not hasattr(os, "getuid"):
        return True
    try:
        return os.stat(path).st_uid in (os.getuid(), 0)
    except OSError:
        return False


def resolve_config(target: str | Path, *, config_file: str | Path | None = None, isolated: bool = False,
                   cwd: str | Path | None = None) -> Config:
    """The configuration for auditing ``target`` (a path or a git URL), found as the module docs describe."""
    from auditor.gitio import is_url

    if isolated:
        return Config(isolated=True)
    cwd = Path(os.path.abspath(cwd or os.getcwd()))
    remote = is_url(str(target))
    # A cloned URL's configuration would be the repository's own; discovery starts where the user is instead.
    root = None if remote else repository_root(cwd / target)
    if config_file is not None:
        path = Path(os.path.abspath(cwd / config_file))
        if not path.is_file():
            raise ConfigError(_display(path, cwd), "--config", "an existing configuration file",
                              "no such file" if not os.path.lexists(path) else "not a regular file")
        return read_config(path, repository_root=root, explicit=True, cwd=cwd)
    found = find_config(cwd if remote else cwd / target)
    if found is None:
        return Config(repository_root=root)
    return read_config(found, repository_root=root, cwd=cwd)


# -- reading and validating ------------------------------------------------------------------


def read_config(path: str | Path, *, repository_root: Path | None = None, explicit: bool = False,
                cwd: str | Path | None = None) -> Config:
    """Read and validate one configuration file (structure only; see :func:`check_rules` for rule IDs)."""
    path = Path(os.path.abspath(path))
    root = Path(os.path.abspath(repository_root)) if repository_root is not None else None
    inside = root is not None and (_within(path, root) or _within(Path(os.path.realpath(path)),
                                                                   Path(os.path.realpath(root))))
    base = Config(source_path=path, inside_repository=inside, repository_root=root, explicit=explicit,
                  display=_display(path, Path(cwd) if cwd else None), owned_by_user=_owned_by_user(path),
                  prefix="tool.auditor." if path.name == "pyproject.toml" else "")
    try:
        # Inside the audited repository a link could point anywhere on the machine: regular files only.
        raw = _read_bounded(path, follow_links=not inside)
    except IsADirectoryError as exc:
        raise ConfigError(base.display, "(file)", "a regular file", str(exc)) from None
    except OSError as exc:
        raise ConfigError(base.display, "(file)", "a readable file", exc.strerror or str(exc)) from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(base.display, "(file)", "at most 1 MB", "a larger file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(base.display, "(file)", "UTF-8 text", f"an undecodable byte at offset {exc.start}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$", message)
        where = (f"line {m.group(1)}, column {m.group(2)}" if m.group(1) else "end of file") if m else "(file)"
        problem = message[: m.start()] if m else message
        raise ConfigError(base.display, where, "valid TOML", f"unparseable TOML: {problem}") from None
    if base.prefix:
        tool = data.get("tool", {})
        data = tool.get("auditor", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(base.display, "tool.auditor", "a table", _kind_of(data))
    return _validate(base, data)


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"a string ({value[:60]!r})"
    if isinstance(value, dt.datetime):
        return f"a date and time ({value.isoformat()})"
    if isinstance(value, dt.date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _number(cfg: Config, key: str, value: Any, expected: str, lo: float | None = None,
            hi: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise cfg.error(key, expected, _kind_of(value))
    if not math.isfinite(value) or (lo is not None and value < lo) or (hi is not None and value > hi):
        raise cfg.error(key, expected, f"{value!r}, out of range")
    return value


def _text(cfg: Config, key: str, value: Any, expected: str, limit: int = _SHORT_TEXT) -> str:
    if not isinstance(value, str):
        raise cfg.error(key, expected, _kind_of(value))
    value = value.strip()
    if not value:
        raise cfg.error(key, expected, "an empty string")
    if len(value) > limit or any(ord(ch) < 32 for ch in value):
        raise cfg.error(key, f"{expected}, one line of at most {limit} characters",
                        "a longer or multi-line string")
    return value


def _selectors(cfg: Config, key: str, value: Any) -> tuple[str, ...]:
    expected = "a list of rule IDs or prefixes such as REV or REV001"
    if not isinstance(value, list):
        raise cfg.error(key, expected, _kind_of(value))
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not _SELECTOR.match(item):
            raise cfg.error(f"{key}[{i}]", "a rule ID or prefix such as REV or REV001",
                            _kind_of(item) if not isinstance(item, str) else repr(item))
        out.append(item)
    return tuple(dict.fromkeys(out))


def _areas(cfg: Config, key: str, value: Any, expected_value: str, lo: float, hi: float | None) -> dict[str, float]:
    if not isinstance(value, dict):
        raise cfg.error(key, f"a table of area IDs ({TOP_LEVEL[key]})", _kind_of(value))
    out = {}
    for area, v in value.items():
        if area not in AREA_IDS:
            raise cfg.error(f"{key}.{area}", "an area ID, one of: " + ", ".join(AREA_IDS), "unknown area")
        out[area] = float(_number(cfg, f"{key}.{area}", v, expected_value, lo, hi))
    return out


def _date(cfg: Config, key: str, value: Any) -> dt.date:
    expected = "a date as YYYY-MM-DD, e.g. expires = 2026-12-31"
    if isinstance(value, dt.datetime):
        raise cfg.error(key, expected, _kind_of(value))
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise cfg.error(key, expected, f"{value[:40]!r}, not a date") from None
    raise cfg.error(key, expected, _kind_of(value))


def _validate(cfg: Config, data: dict[str, Any]) -> Config:
    for key in data:
        if key not in TOP_LEVEL:
            raise cfg.error(key, "one of: " + ", ".join(TOP_LEVEL), "unknown key")
    values: dict[str, Any] = {}
    if "select" in data:
        values["select"] = _selectors(cfg, "select", data["select"])
    if "ignore" in data:
        values["ignore"] = _selectors(cfg, "ignore", data["ignore"])
    if "thresholds" in data:
        values["thresholds"] = _thresholds(cfg, data["thresholds"])
    if "weights" in data:
        values["weights"] = _areas(cfg, "weights", data["weights"], "a non-negative number", 0.0, 100.0)
    if "min_area" in data:
        values["min_area"] = _areas(cfg, "min_area", data["min_area"], "a number from 0 to 5", 0.0, 5.0)
    if "fail_under" in data:
        values["fail_under"] = float(_number(cfg, "fail_under", data["fail_under"], TOP_LEVEL["fail_under"], 0, 5))
    if "context" in data:
        values["context"] = _context(cfg, data["context"])
    if "waivers" in data:
        values["waivers"] = _waivers(cfg, data["waivers"])
    if "packs" in data:
        values["packs"] = _packs(cfg, data["packs"])
    return replace(cfg, **values)


def _thresholds(cfg: Config, value: Any) -> dict[str, dict[str, float]]:
    if not isinstance(value, dict):
        raise cfg.error("thresholds", "a table such as [thresholds.REV001]", _kind_of(value))
    out: dict[str, dict[str, float]] = {}
    for rule_id, table in value.items():
        key = f"thresholds.{rule_id}"
        if not _RULE_ID.match(rule_id):
            raise cfg.error(key, "a rule ID such as REV001", repr(rule_id))
        if not isinstance(table, dict):
            raise cfg.error(key, "a table of threshold names and numbers", _kind_of(table))
        out[rule_id] = {name: _number(cfg, f"{key}.{name}", v, "a number") for name, v in table.items()}
    return out


def _context(cfg: Config, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise cfg.error("context", TOP_LEVEL["context"], _kind_of(value))
    out: dict[str, Any] = {}
    for key, v in value.items():
        path = f"context.{key}"
        if key not in CONTEXT_KEYS:
            raise cfg.error(path, "one of: " + ", ".join(CONTEXT_KEYS), "unknown key")
        expected = CONTEXT_KEYS[key]
        if key == "kind":
            if v not in KINDS:
                raise cfg.error(path, expected, repr(v) if isinstance(v, str) else _kind_of(v))
            out[key] = v
        elif key == "deployed":
            if not isinstance(v, bool):
                raise cfg.error(path, expected, _kind_of(v))
            out[key] = v
        elif key == "team_size":
            if isinstance(v, bool) or not isinstance(v, int):
                raise cfg.error(path, expected, _kind_of(v))
            if not 1 <= v <= 100_000:
                raise cfg.error(path, expected, f"{v}, out of range")
            out[key] = v
        elif key == "tracker_key":
            v = _text(cfg, path, v, expected)
            if not _TRACKER_KEY.match(v):
                raise cfg.error(path, expected + " (letters, digits, underscores)", repr(v))
            out[key] = v
        else:
            out[key] = _text(cfg, path, v, expected)
    return out


def _waivers(cfg: Config, value: Any) -> tuple[Waiver, ...]:
    if not isinstance(value, list):
        raise cfg.error("waivers", TOP_LEVEL["waivers"], _kind_of(value))
    out: list[Waiver] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        key = f"waivers[{i}]"
        if not isinstance(item, dict):
            raise cfg.error(key, "a table with rule and reason ([[waivers]])", _kind_of(item))
        for k in item:
            if k not in WAIVER_KEYS:
                raise cfg.error(f"{key}.{k}", "one of: " + ", ".join(WAIVER_KEYS), "unknown key")
        if "rule" not in item:
            raise cfg.error(f"{key}.rule", "the ID of the rule waived", "missing")
        rule = item["rule"]
        if not isinstance(rule, str) or not _RULE_ID.match(rule):
            raise cfg.error(f"{key}.rule", "an exact rule ID such as SEC004",
                            repr(rule) if isinstance(rule, str) else _kind_of(rule))
        if rule in seen:
            raise cfg.error(f"{key}.rule", "one waiver per rule", f"a second waiver for {rule}")
        seen.add(rule)
        if "reason" not in item:
            raise cfg.error(f"{key}.reason", "a reason saying why the finding is accepted", "missing")
        reason = _text(cfg, f"{key}.reason", item["reason"], "why the finding is accepted", _LONG_TEXT)
        owner = _text(cfg, f"{key}.owner", item["owner"], "who answers for the waiver") if "owner" in item else None
        expires = _date(cfg, f"{key}.expires", item["expires"]) if "expires" in item else None
        out.append(Waiver(rule=rule, reason=reason, owner=owner, expires=expires))
    return tuple(out)


def _packs(cfg: Config, value: Any) -> tuple[PackRef, ...]:
    expected_list = TOP_LEVEL["packs"]
    if not isinstance(value, list):
        raise cfg.error("packs", expected_list, _kind_of(value))
    assert cfg.source_path is not None
    base = cfg.source_path.parent
    real_base = Path(os.path.realpath(base))
    out = []
    for i, spec in enumerate(value):
        key = f"packs[{i}]"
        expected = "a path below the directory holding the configuration file"
        if not isinstance(spec, str) or not spec.strip():
            raise cfg.error(key, expected, _kind_of(spec) if not isinstance(spec, str) else "an empty string")
        target = Path(os.path.abspath(base / spec))
        real = Path(os.path.realpath(target))
        # Both the written path and where its links lead must stay below the configuration's directory.
        if target == base or real == real_base:
            raise cfg.error(key, expected, f"{spec!r} is that directory itself")
        if not _within(target, base) or not _within(real, real_base):
            raise cfg.error(key, expected, f"{spec!r} leads outside {base}")
        out.append(PackRef(spec=spec, path=target))
    return tuple(out)


# -- rules -----------------------------------------------------------------------------------


def check_rules(config: Config, rules: Iterable[type]) -> list[str]:
    """Check every rule reference against the loaded rules; return notes (retired IDs redirected).

    Raises :class:`ConfigError` for an unknown rule ID, a prefix that matches no
    rule, or a threshold the rule does not define.
    """
    from auditor.rule import RETIRED

    by_id = {r.rule_id(): r for r in rules}
    notes: list[str] = []

    def known(key: str, rule_id: str) -> str:
        if rule_id in RETIRED:
            notes.append(f"{config.prefix}{key}: {rule_id} was retired; it is now {RETIRED[rule_id]}")
            rule_id = RETIRED[rule_id]
        if rule_id not in by_id:
            raise config.error(key, "a rule ID listed by `auditor rules list`", f"unknown rule {rule_id}")
        return rule_id

    for name in ("select", "ignore"):
        for i, sel in enumerate(getattr(config, name) or ()):
            if sel in RETIRED:
                known(f"{name}[{i}]", sel)
            elif not any(rid.startswith(sel) for rid in by_id):
                raise config.error(f"{name}[{i}]", "a rule ID or prefix matching at least one rule; "
                                   "see `auditor rules list`", f"{sel!r} matches no rule")
    for rule_id, table in config.thresholds.items():
        cls = by_id[known(f"thresholds.{rule_id}", rule_id)]
        allowed = sorted(getattr(cls, "thresholds", {}) or {})
        for name in table:
            if name not in allowed:
                expected = ("one of: " + ", ".join(allowed)) if allowed else f"nothing: {cls.rule_id()} has no thresholds"
                raise config.error(f"thresholds.{rule_id}.{name}", expected, "unknown threshold")
    for i, w in enumerate(config.waivers):
        known(f"waivers[{i}].rule", w.rule)
    return notes


def _redirect(rule_id: str) -> str:
    from auditor.rule import RETIRED

    return RETIRED.get(rule_id, rule_id)


# -- applying --------------------------------------------------------------------------------


def apply(config: Config, options: Any, overrides: Overrides | None = None, *, as_of: dt.date) -> Any:
    """``options`` (an :class:`~auditor.engine.AuditOptions`) tailored by ``config``; flags in ``overrides`` win."""
    overrides = overrides or Overrides()
    if overrides.select:
        # The highest-priority select starts the rule set (ruff's semantics): the file's selection is replaced.
        select, ignore = tuple(overrides.select), tuple(overrides.ignore)
    else:
        select = tuple(_redirect(s) for s in (config.select or ()))
        ignore = tuple(dict.fromkeys([*(_redirect(s) for s in config.ignore), *overrides.ignore]))
    thresholds = {_redirect(rid): dict(t) for rid, t in config.thresholds.items()}
    waivers = {_redirect(w.rule): w.reason for w in config.waivers if not w.expired(as_of)}
    return replace(options, select=select, ignore=ignore,
                   thresholds={**dict(options.thresholds), **thresholds},
                   weights={**dict(options.weights), **config.weights},
                   declared={**dict(options.declared), **config.context},
                   waivers={**dict(options.waivers), **waivers})


def gates(config: Config, overrides: Overrides | None = None) -> Gates:
    """The quality gates: ``--fail-under`` and ``--min-area`` replace the file's values."""
    overrides = overrides or Overrides()
    fail_under = overrides.fail_under if overrides.fail_under is not None else config.fail_under
    min_area = dict(overrides.min_area) if overrides.min_area else dict(config.min_area)
    return Gates(fail_under=fail_under, min_area=min_area)


# -- what the report shows -------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigReport:
    """The configuration an audit ran with, as plain data for the report and the JSON result."""

    source: str | None
    origin: str                          # isolated | none | repository | user
    inside_repository: bool
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    thresholds: dict[str, dict[str, float]]
    weights: dict[str, float]
    declared: dict[str, Any]
    waivers: tuple[dict[str, Any], ...]  # rule, reason, owner, expires, status (honoured | expired)
    fail_under: float | None
    min_area: dict[str, float]
    packs: tuple[dict[str, Any], ...]    # path, status (loaded | refused | failed), rules, reason
    notes: tuple[str, ...] = ()

    @property
    def expired_waivers(self) -> list[dict[str, Any]]:
        return [w for w in self.waivers if w["status"] == "expired"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "origin": self.origin,
            "inside_repository": self.inside_repository,
            "select": list(self.select),
            "ignore": list(self.ignore),
            "thresholds": {k: dict(v) for k, v in sorted(self.thresholds.items())},
            "weights": dict(sorted(self.weights.items())),
            "declared": dict(self.declared),
            "waivers": [dict(w) for w in self.waivers],
            "fail_under": self.fail_under,
            "min_area": dict(sorted(self.min_area.items())),
            "packs": [dict(p) for p in self.packs],
            "notes": list(self.notes),
        }


def config_report(config: Config, *, as_of: dt.date, options: Any = None, gate: Gates | None = None,
                  packs: Iterable[Mapping[str, Any]] = (), notes: Iterable[str] = ()) -> ConfigReport:
    """What the report says about the configuration; ``options`` and ``gate`` give the effective values."""
    waivers = tuple({"rule": w.rule, "reason": w.reason, "owner": w.owner,
                     "expires": w.expires.isoformat() if w.expires else None, "status": w.status(as_of)}
                    for w in config.waivers)
    gate = gate or gates(config)
    return ConfigReport(
        source=config.report_path, origin=config.origin, inside_repository=config.inside_repository,
        select=tuple(options.select) if options is not None else tuple(config.select or ()),
        ignore=tuple(options.ignore) if options is not None else tuple(config.ignore),
        thresholds={k: dict(v) for k, v in config.thresholds.items()}, weights=dict(config.weights),
        declared=dict(config.context), waivers=waivers, fail_under=gate.fail_under, min_area=dict(gate.min_area),
        packs=tuple(dict(p) for p in packs), notes=tuple(notes))


# -- everything an audit needs, in one call ------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """The result of :func:`prepare`: what to pass to :func:`auditor.engine.audit` and to the gates."""

    config: Config
    options: Any                         # AuditOptions
    rules: list[type]
    load_problems: list[Any]             # auditor.rule.LoadProblem
    gates: Gates
    report: ConfigReport


def prepare(config: Config, options: Any, overrides: Overrides | None = None, *, as_of: dt.date,
            allow_repo_packs: bool = False) -> Prepared:
    """Load rule packs and rules, check the configuration against them and apply it.

    Raises :class:`ConfigError` for invalid configuration. A pack that fails to
    import is a load problem, reported, never a crash.
    """
    from auditor.packs import combine, load_packs
    from auditor.rule import load_rules

    rules, problems = load_rules()
    loaded = load_packs(config, allow_repo_packs=allow_repo_packs)
    rules, clashes = combine(rules, loaded.rules)
    problems = [*problems, *loaded.problems, *clashes]
    notes = check_rules(config, rules)
    tailored = apply(config, options, overrides, as_of=as_of)
    gate = gates(config, overrides)
    report = config_report(config, as_of=as_of, options=tailored, gate=gate, packs=loaded.statuses, notes=notes)
    return Prepared(config=config, options=tailored, rules=rules, load_problems=problems, gates=gate, report=report)


__all__ = ["CONFIG_FILES", "Config", "ConfigError", "ConfigReport", "Gates", "Overrides", "PackRef", "Prepared",
           "Waiver", "apply", "check_rules", "config_report", "find_config", "gates", "prepare", "read_config",
           "repository_root", "resolve_config"]
