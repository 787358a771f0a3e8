"""The public rule API: a rule is one small class; its name is its ID, its docstring its docs.

A rule declares its area, effort and weight as class attributes and implements
``check``. The parameters of ``check`` name the facts it needs (``tree``,
``history``, ``ci``, ``manifests``, ``tasks``, ``tools``, ``project``, ``as_of``,
``thresholds`` ...); the engine passes them in. A rule never runs git, opens a
file or reads the clock.

The docstring is the documentation::

    class REV001(Rule):
        \"\"\"Changes reach the default branch through reviewed merges.

        What it checks, in a paragraph.

        ## Why it matters
        ...
        ## How to fix
        ...
        \"\"\"
        area = "review"
        effort = Effort.WEEK

        def check(self, history, thresholds) -> Finding:
            ...
            return self.fail("18 of 19 commits went directly to main", measures=...)
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from types import ModuleType
from typing import Any, ClassVar

from auditor.model import Aspect, Effort, Evidence, Finding, Measure, Outcome, Signal

ENTRY_POINT_GROUP = "auditor.rules"
REQUIRED_SECTIONS = ("Why it matters", "How to fix")
RULE_ID = re.compile(r"^[A-Z]{2,8}\d{3}$")

#: Retired rule IDs and the rule that replaced them (IDs are never reused).
RETIRED: dict[str, str] = {}


class Rule:
    """Base class of every rule, built-in or from a rule pack."""

    area: ClassVar[str]
    effort: ClassVar[Effort] = Effort.DAY
    weight: ClassVar[float] = 1.0
    aspect: ClassVar[Aspect | None] = None
    #: Named, documented thresholds; configuration may override them by rule ID.
    thresholds: ClassVar[dict[str, float]] = {}
    #: Fewest commits a rule that reads the history needs to judge anything; below it, or on a
    #: shallow clone holding fewer than 50 commits, the rule is skipped as "insufficient history".
    min_history: ClassVar[int] = 5
    #: Rule IDs whose recommendations must come before this rule's (e.g. CI before a CI coverage gate).
    after: ClassVar[tuple[str, ...]] = ()
    #: The pack that provided the rule ("builtin" or an entry-point name); set by the loader.
    pack: ClassVar[str] = "builtin"

    def __init__(self, thresholds: dict[str, float] | None = None):
        self.limits = {**self.thresholds, **(thresholds or {})}

    # -- identity and documentation ----------------------------------------------------

    @classmethod
    def rule_id(cls) -> str:
        return cls.__name__

    @classmethod
    def title(cls) -> str:
        doc = inspect.getdoc(cls) or ""
        return doc.strip().splitlines()[0].strip().rstrip(".") if doc.strip() else cls.__name__

    @classmethod
    def docs(cls) -> dict[str, str]:
        """The docstring split into sections: ``summary`` and each ``## Heading``."""
        doc = inspect.getdoc(cls) or ""
        lines = doc.splitlines()[1:]
        sections: dict[str, list[str]] = {"summary": []}
        current = "summary"
        for line in lines:
            m = re.match(r"^##\s+(.+?)\s*$", line)
            if m:
                current = m.group(1)
                sections[current] = []
            else:
                sections[current].append(line)
        return {k: "\n".join(v).strip() for k, v in sections.items()}

    @classmethod
    def limits_doc(cls) -> str:
        """The rule's thresholds as ``name=value`` pairs, for docs and ``rules explain``."""
        return ", ".join(f"{k}={v:g}" for k, v in sorted(cls.thresholds.items()))

    @classmethod
    def fact_names(cls) -> tuple[str, ...]:
        params = inspect.signature(cls.check).parameters
        return tuple(p for p in params if p != "self")

    # -- findings ----------------------------------------------------------------------

    def check(self, **facts: Any) -> Finding:  # pragma: no cover - every rule overrides it
        """Judge the practice from the facts named by the parameters; every rule defines its own."""
        raise TypeError(f"{type(self).__name__} does not define check()")

    def _finding(self, outcome: Outcome, message: str, *, evidence: Iterable[Evidence] = (),
                 measures: Iterable[Measure] = (), signal: Signal | None = None,
                 missing: Iterable[str] = (), not_determinable: Iterable[str] = (),
                 observations: Iterable[str] = (), aspect: Aspect | None = None) -> Finding:
        return Finding(
            rule_id=self.rule_id(), area=self.area, title=self.title(), outcome=outcome, message=message,
            evidence=tuple(evidence), measures=tuple(measures), signal=signal,
            aspect=aspect or self.aspect, weight=self.weight, missing=tuple(missing),
            not_determinable=tuple(not_determinable), observations=tuple(observations),
            effort=self.effort,
        )

    def passed(self, message: str, *, signal: Signal, **kw: Any) -> Finding:
        """The healthy state holds; ``signal`` says how it is known (documented, automated, ...)."""
        return self._finding(Outcome.PASS, message, signal=signal, **kw)

    def failed(self, message: str, **kw: Any) -> Finding:
        """The healthy state does not hold."""
        return self._finding(Outcome.FAIL, message, **kw)

    def skip(self, reason: str, **kw: Any) -> Finding:
        """Cannot decide from the repository; never a guess."""
        return self._finding(Outcome.SKIP, reason, **kw)

    def not_applicable(self, reason: str, **kw: Any) -> Finding:
        return self._finding(Outcome.NOT_APPLICABLE, reason, **kw)


# -- loading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadProblem:
    """A rule pack that could not be loaded (reported, never swallowed)."""

    pack: str
    message: str


def rules_in(module: ModuleType) -> list[type[Rule]]:
    """Every concrete Rule subclass defined in ``module`` (and its submodules, for a package)."""
    found: list[type[Rule]] = []
    modules = [module]
    if hasattr(module, "__path__"):
        for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda i: i.name):
            if not info.name.startswith("_"):
                modules.append(importlib.import_module(f"{module.__name__}.{info.name}"))
    for mod in modules:
        for obj in vars(mod).values():
            if (inspect.isclass(obj) and issubclass(obj, Rule) and obj is not Rule
                    and obj.__module__ == mod.__name__ and RULE_ID.match(obj.__name__)):
                found.append(obj)
    return found


def load_rules(extra_modules: Iterable[ModuleType] = ()) -> tuple[list[type[Rule]], list[LoadProblem]]:
    """Every rule registered in the ``auditor.rules`` entry-point group (built-in ones included)."""
    problems: list[LoadProblem] = []
    classes: dict[str, type[Rule]] = {}
    sources: list[tuple[str, ModuleType]] = []
    entry_points = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name != "builtin", e.name))
    if not any(ep.name == "builtin" for ep in entry_points):
        # Running from a source tree that was never installed: the built-in pack has no entry point yet.
        from auditor import rules as builtin

        sources.append(("builtin", builtin))
    for ep in entry_points:
        try:
            loaded = ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken pack is reported, the audit goes on
            problems.append(LoadProblem(ep.name, f"{type(exc).__name__}: {exc}"))
            continue
        if isinstance(loaded, ModuleType):
            sources.append((ep.name, loaded))
        elif callable(loaded):
            try:
                for cls in loaded():
                    cls.pack = ep.name
                    classes.setdefault(cls.rule_id(), cls)
            except Exception as exc:  # noqa: BLE001
                problems.append(LoadProblem(ep.name, f"{type(exc).__name__}: {exc}"))
    for mod in extra_modules:
        sources.append((mod.__name__, mod))
    for pack, mod in sources:
        try:
            found = rules_in(mod)
        except Exception as exc:  # noqa: BLE001
            problems.append(LoadProblem(pack, f"{type(exc).__name__}: {exc}"))
            continue
        for cls in found:
            if pack != "builtin":
                cls.pack = pack
            if cls.rule_id() in classes and classes[cls.rule_id()] is not cls:
                problems.append(LoadProblem(pack, f"rule {cls.rule_id()} is defined twice; the first was kept"))
                continue
            classes[cls.rule_id()] = cls
    return sorted(classes.values(), key=lambda c: c.rule_id()), problems
