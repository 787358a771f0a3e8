"""Rule packs from a local path: a directory of rules a team keeps beside its configuration.

A pack is code, and loading it runs it. So:

* a pack is loaded only from ``packs = [...]`` in a configuration file, by a path
  below that file's directory (checked when the configuration is read);
* a pack declared by a configuration *inside the audited repository*, or lying
  inside it, is never imported unless ``--allow-repo-packs`` is given — auditing a
  repository never runs its code by default; ``--isolated`` reads no
  configuration, so it loads no local pack at all;
* a configuration found by discovery that belongs to another user (a planted
  ``/tmp/auditor.toml``) loads no pack; naming it with ``--config`` trusts it;
* no bytecode is written while a pack is imported (the audit writes nothing).

A pack is a package (a directory with ``__init__.py``), a directory of modules, or
one ``.py`` file. It is imported under a unique module name, ``auditor_pack_<hash>``
of its resolved path, so two packs with the same directory name do not collide;
inside a package, import sibling modules relatively (``from .common import …``).
Its rules are the :class:`~auditor.rule.Rule` subclasses named like an ID
(``ACME001``) in the package and its direct submodules. A pack may register fact
providers with :func:`auditor.facts.provider` when it is imported.

A pack that cannot be imported is a :class:`~auditor.rule.LoadProblem` in the
report, never a crash.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.rule import LoadProblem, Rule, rules_in

MODULE_PREFIX = "auditor_pack_"


class PackError(Exception):
    """A local pack that cannot be used (not found, not Python)."""


@dataclass
class PackLoad:
    """What loading the configured packs produced."""

    rules: list[type[Rule]] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)  # path, status, rules, reason


def module_name(path: str | Path) -> str:
    """The unique module name a pack at ``path`` is imported under."""
    real = os.path.realpath(os.path.abspath(path))
    return MODULE_PREFIX + hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def _forget(name: str) -> None:
    for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
        del sys.modules[key]


def load_local_pack(path: str | Path, *, name: str | None = None) -> list[type[Rule]]:
    """Import the pack at ``path`` and return its rules, each marked with ``pack = name``.

    Raises whatever the pack's import raises (and :class:`PackError` for a path
    that is not a pack); :func:`load_packs` turns that into a reported problem.
    """
    path = Path(os.path.abspath(path))
    modname = module_name(path)
    module = sys.modules.get(modname)
    writing = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # never leave __pycache__ behind in the pack (or the audited repository)
    try:
        if module is None:
            if path.is_dir():
                init = path / "__init__.py"
                if init.is_file():
                    spec = importlib.util.spec_from_file_location(modname, init,
                                                                  submodule_search_locations=[str(path)])
                else:
                    # A directory of modules: a package with no code of its own.
                    spec = importlib.machinery.ModuleSpec(modname, None, is_package=True)
                    spec.submodule_search_locations = [str(path)]
            elif path.is_file() and path.suffix == ".py":
                spec = importlib.util.spec_from_file_location(modname, path)
            elif not os.path.lexists(path):
                raise PackError(f"{path}: no such file or directory")
            else:
                raise PackError(f"{path}: not a directory or a .py file")
            if spec is None:  # pragma: no cover - spec_from_file_location refuses only odd suffixes
                raise PackError(f"{path}: cannot be imported")
            module = importlib.util.module_from_spec(spec)
            sys.modules[modname] = module
            try:
                if spec.loader is not None:
                    spec.loader.exec_module(module)
            except BaseException:
                _forget(modname)
                raise
        try:
            found = rules_in(module)
        except BaseException:
            _forget(modname)
            raise
    finally:
        sys.dont_write_bytecode = writing
    for cls in found:
        cls.pack = name or path.name
    return found


def _within(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


def _owned_by_user(path: Path) -> bool:
    if not hasattr(os, "getuid"):
        return True
    try:
        return os.stat(path).st_uid in (os.getuid(), 0)
    except OSError:
        return False


def refusal(config: Any, pack_path: Path, *, allow_repo_packs: bool) -> str | None:
    """Why the pack at ``pack_path`` named by ``config`` must not run, or None."""
    root = config.repository_root
    if not allow_repo_packs:
        if config.inside_repository:
            return ("declared by a configuration inside the audited repository; its code runs only with "
                    "--allow-repo-packs")
        if root is not None and _within(Path(os.path.realpath(pack_path)), Path(os.path.realpath(root))):
            return "it lies inside the audited repository; its code runs only with --allow-repo-packs"
    if not config.explicit:
        if not config.owned_by_user:
            return "the configuration file belongs to another user; name it with --config to trust it"
        if os.path.lexists(pack_path) and not _owned_by_user(pack_path):
            return "the pack belongs to another user; name its configuration with --config to trust it"
    return None


def load_packs(config: Any, *, allow_repo_packs: bool = False) -> PackLoad:
    """Load every pack ``config`` names that may run; report the others."""
    out = PackLoad()
    for ref in config.packs:
        why = refusal(config, ref.path, allow_repo_packs=allow_repo_packs)
        if why:
            out.statuses.append({"path": ref.spec, "status": "refused", "rules": [], "reason": why})
            out.problems.append(LoadProblem(ref.spec, f"not loaded: {why}"))
            continue
        try:
            found = load_local_pack(ref.path, name=ref.spec)
        except Exception as exc:  # noqa: BLE001 - a broken pack is reported, the audit goes on
            reason = str(exc) if isinstance(exc, PackError) else f"{type(exc).__name__}: {str(exc)[:300]}"
            out.statuses.append({"path": ref.spec, "status": "failed", "rules": [], "reason": reason})
            out.problems.append(LoadProblem(ref.spec, reason))
            continue
        if not found:
            reason = "defines no rules (Rule subclasses named like an ID, e.g. ACME001)"
            out.problems.append(LoadProblem(ref.spec, reason))
            out.statuses.append({"path": ref.spec, "status": "loaded", "rules": [], "reason": reason})
            continue
        out.rules.extend(found)
        out.statuses.append({"path": ref.spec, "status": "loaded",
                             "rules": sorted(c.rule_id() for c in found), "reason": None})
    return out


def combine(base: Sequence[type[Rule]], extra: Iterable[type[Rule]]) -> tuple[list[type[Rule]], list[LoadProblem]]:
    """``base`` plus ``extra``, by ID; a second definition of an ID is a problem and the first is kept."""
    by_id = {c.rule_id(): c for c in base}
    problems = []
    for cls in extra:
        kept = by_id.get(cls.rule_id())
        if kept is not None and kept is not cls:
            problems.append(LoadProblem(cls.pack, f"rule {cls.rule_id()} is defined twice; the first "
                                                  f"(from {kept.pack}) was kept"))
            continue
        by_id[cls.rule_id()] = cls
    return sorted(by_id.values(), key=lambda c: c.rule_id()), problems


__all__ = ["PackError", "PackLoad", "combine", "load_local_pack", "load_packs", "module_name", "refusal"]
