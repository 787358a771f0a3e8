"""Helpers to evaluate a rule on literal facts, without git.

For built-in rules and third-party rule packs alike::

    from auditor.testing import evaluate, make_history

    def test_direct_pushes_fail():
        history = make_history([{"subject": "fix typo"}] * 10)
        finding = evaluate(REV001, history=history)
        assert finding.outcome is Outcome.FAIL

``files={...}`` builds the tree; facts that are not given are derived from the
given ones by the same providers an audit uses (``ci`` from the tree, ...).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from auditor.clock import AsOf
from auditor.engine import AuditOptions, run_rule
from auditor.facts import Facts
from auditor.facts import standard as _standard  # noqa: F401 - registers providers
from auditor.facts.history import History, _Folder
from auditor.facts.tree import FileTree
from auditor.model import Finding, RepositoryInfo
from auditor.rule import Rule

DEFAULT_AS_OF = "2025-10-18"


def _iso_ts(value: str) -> tuple[int, str]:
    d = dt.datetime.fromisoformat(value)
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    off = int(d.utcoffset().total_seconds() // 60)
    return int(d.timestamp()), f"{'+' if off >= 0 else '-'}{abs(off) // 60:02d}{abs(off) % 60:02d}"


def make_history(commits: Sequence[Mapping[str, Any]], *, tree_paths: Sequence[str] = (), window: int = 1000,
                 mainline: Sequence[str] | None = None, start: str = "2025-10-18T12:00:00+00:00",
                 every_hours: float = 24.0) -> History:
    """Fold literal commits (newest first) into a History exactly as an audit would.

    Each commit may give ``hash``, ``parents``, ``author``, ``email``, ``date`` (ISO),
    ``subject``, ``body``, ``trailers`` (list of (key, value)) and ``paths``. Missing
    hashes, parents and dates are made up deterministically: a linear history, newest
    first, ``every_hours`` apart ending at ``start``. By default every commit that is
    on the first-parent chain from the newest is on the mainline.
    """
    base, base_tz = _iso_ts(start)
    rows = []
    for i, c in enumerate(commits):
        h = c.get("hash") or hashlib.sha1(f"commit-{i}-{c.get('subject', '')}".encode()).hexdigest()
        rows.append(dict(c, hash=h))
    for i, c in enumerate(rows):
        if "parents" not in c:
            c["parents"] = [rows[i + 1]["hash"]] if i + 1 < len(rows) else []
    if mainline is None:
        by_hash = {c["hash"]: c for c in rows}
        chain, cur = [], rows[0]["hash"] if rows else None
        while cur in by_hash:
            chain.append(cur)
            parents = by_hash[cur]["parents"]
            cur = parents[0] if parents else None
        mainline = chain
    folder = _Folder(tree_paths=set(tree_paths), mainline=set(mainline), window=window, progress=None)
    for i, c in enumerate(rows):
        if "date" in c:
            t, tz = _iso_ts(c["date"])
        else:
            t, tz = base - int(i * every_hours * 3600), base_tz
        trailers = "\n".join(f"{k}: {v}" for k, v in c.get("trailers", ()))
        fields = [c["hash"], " ".join(c["parents"]), c.get("author", "Dev One"),
                  c.get("email", f"{c.get('author', 'Dev One').lower().replace(' ', '.')}@example.com"),
                  str(t), tz, str(t), c.get("subject", "change"), trailers, c.get("body", "")]
        rec = "\0".join(fields).encode() + b"\0"
        if c.get("paths"):
            rec += b"\n" + b"".join(p.encode() + b"\0" for p in c["paths"])
        folder.add(rec)
    return folder.finish()


def make_facts(*, files: Mapping[str, str] | None = None, as_of: str = DEFAULT_AS_OF, **given: Any) -> Facts:
    """Facts for a rule test; ``files`` becomes the tree, everything else is passed through."""
    tree = given.pop("tree", None) or FileTree.from_mapping(files or {})
    repo = given.pop("repo", None) or RepositoryInfo(name="test", revision="0" * 40, revision_date=as_of,
                                                     ref="refs/heads/main", default_branch="main",
                                                     is_shallow=False, is_bare=False)
    facts = Facts(tree=tree, repo=repo, as_of=AsOf(dt.date.fromisoformat(as_of)), declared={},
                  _options=AuditOptions(), _rev=None)
    for name, value in given.items():
        facts.set(name, value)
    return facts


def evaluate(rule: type[Rule], *, thresholds: dict[str, float] | None = None, **facts: Any) -> Finding:
    """Evaluate one rule on literal facts and return its finding."""
    return run_rule(rule(thresholds), make_facts(**facts))
