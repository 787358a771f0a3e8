"""Whole-audit results kept between audits: an unchanged repository is judged once.

A repeat audit — the same repository at the same revision, on the same day, with
the same configuration and the same auditor — would collect the same facts and
reach the same findings. This module keys those findings by *everything* they
depend on and keeps them in the history cache's database
(:mod:`auditor.facts.history_cache`), so such a repeat costs the opening of the
repository and the rendering of the report. Scoring, gates, the comparison with
a baseline and the rendering still run every time: they are cheap, and the
weights and gates may differ between runs without changing a finding.

What the key covers (:func:`key`):

* the audited commit (which fixes the tree, ``.mailmap`` and the whole history),
  the tags (their names and targets: a new tag on an old commit is a change),
  the shallow boundary, and what the report says about the repository (name,
  branch, bare or not);
* the audit date and every option that reaches a rule: revision, windows,
  ``--max-commits``/``--since``, selection, thresholds, declared context,
  waivers;
* the code: every Python file of the auditor and of each loaded rule pack, the
  git and Python versions.

Only complete audits are kept: one that ran out of its time budget, met an
unavailable fact or a failing rule, or whose history read reported a problem is
never stored. Stored values are plain data (marshal, never pickle: loading one
runs no code). Any problem with the cache means an ordinary audit, never a
different result.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import marshal
import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.model import Aspect, Effort, Evidence, Finding, Measure, Outcome, Signal

FORMAT = 1


@dataclass(frozen=True)
class Stored:
    """What an audit keeps of its own work: the findings and what the report frames them with."""

    findings: tuple[Finding, ...]
    context: dict[str, Any]
    facts_unavailable: list[tuple[str, str]]
    unread_files: list[tuple[str, str]]


def key(*, revision: str, repository: dict[str, Any], tag_refs: bytes, shallow: bytes, as_of: str,
        options: dict[str, Any], rule_classes: Sequence[type]) -> str:
    """The digest of everything the findings of an audit depend on."""
    h = hashlib.sha256()
    parts = {
        "format": FORMAT, "code": code_fingerprint(tuple(sorted(_sources(rule_classes)))),
        "rules": sorted((c.rule_id(), c.pack) for c in rule_classes),
        "revision": revision, "repository": repository, "as_of": as_of, "options": options,
        "tags": hashlib.sha256(tag_refs).hexdigest(), "shallow": hashlib.sha256(shallow).hexdigest(),
    }
    h.update(json.dumps(parts, sort_keys=True, default=repr).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _sources(rule_classes: Sequence[type]) -> set[str]:
    """The files of the rule modules, and of every loaded module beside them (their helpers)."""
    out, folders = set(), set()
    for cls in rule_classes:
        try:
            path = inspect.getfile(cls)
        except (TypeError, OSError):
            out.add(f"{cls.__module__}.{cls.__qualname__}")
            continue
        out.add(path)
        folders.add(str(Path(path).parent))
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and str(Path(path).parent) in folders:
            out.add(path)
    return out


@functools.lru_cache(maxsize=8)
def code_fingerprint(extra: tuple[str, ...] = ()) -> str:
    """A digest of the auditor's own Python files, the rule packs' files, git's and Python's versions."""
    from auditor import __version__
    from auditor.gitio import git_version

    root = Path(__file__).resolve().parent
    # rglob does not follow the ``auditor/rules`` link to the top-level ``rules/`` package.
    files = {p.resolve() for base in {root, (root / "rules").resolve()} for p in base.rglob("*.py")}
    files |= {Path(e).resolve() for e in extra if e.endswith(".py")}
    h = hashlib.sha256(f"{__version__}\0{git_version()}\0{sys.version}\0".encode())
    for path in sorted(files):
        h.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"unreadable")
    for e in sorted(extra):
        if not e.endswith(".py"):
            h.update(e.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


# -- plain data ----------------------------------------------------------------------------


def pack(stored: Stored) -> bytes:
    """``stored`` as marshalled plain data (raises ValueError for anything else)."""
    plain = (FORMAT, [_finding_plain(f) for f in stored.findings], stored.context,
             [list(x) for x in stored.facts_unavailable], [list(x) for x in stored.unread_files])
    return zlib.compress(marshal.dumps(plain), 1)


def unpack(blob: bytes) -> Stored:
    """The inverse of :func:`pack`; raise ValueError if the blob is damaged or of another format."""
    try:
        version, findings, context, unavailable, unread = marshal.loads(zlib.decompress(blob))
        if version != FORMAT or not isinstance(context, dict):
            raise ValueError("another format")
        return Stored(findings=tuple(_finding(f) for f in findings), context=context,
                      facts_unavailable=[tuple(x) for x in unavailable], unread_files=[tuple(x) for x in unread])
    except (ValueError, TypeError, EOFError, KeyError, zlib.error) as exc:
        raise ValueError(f"a cached result is damaged ({type(exc).__name__})") from None


def _finding_plain(f: Finding) -> tuple:
    return (f.rule_id, f.area, f.title, f.outcome.value, f.message,
            [(e.path, e.line, e.commit, e.date, e.tag, e.note) for e in f.evidence],
            [(m.name, m.value, m.unit, m.threshold, m.window) for m in f.measures],
            f.signal.value if f.signal else None, f.aspect.value if f.aspect else None, f.weight,
            list(f.missing), list(f.not_determinable), list(f.observations),
            f.effort.value if f.effort else None, f.waived)


def _finding(v: tuple) -> Finding:
    (rule_id, area, title, outcome, message, evidence, measures, signal, aspect, weight, missing,
     not_determinable, observations, effort, waived) = v
    return Finding(rule_id=rule_id, area=area, title=title, outcome=Outcome(outcome), message=message,
                   evidence=tuple(Evidence(*e) for e in evidence), measures=tuple(Measure(*m) for m in measures),
                   signal=Signal(signal) if signal else None, aspect=Aspect(aspect) if aspect else None,
                   weight=weight, missing=tuple(missing), not_determinable=tuple(not_determinable),
                   observations=tuple(observations), effort=Effort(effort) if effort else None, waived=waived)
