"""Helpers shared by the history-based rules (velocity, release, pain points)."""

from __future__ import annotations

from auditor.model import Evidence


def commit_ref(c, note: str | None = None) -> Evidence:
    """Evidence citing a commit by hash and date, with its subject unless a note is given."""
    return Evidence(commit=c.hash, date=c.date, note=note or c.subject[:120])


def thin_history(history, minimum: int, since: int | None = None) -> str | None:
    """Why the history is too thin to judge a habit from, or None."""
    if history.total < minimum:
        return f"insufficient history: only {history.total} commits"
    if history.is_shallow and since is not None and (history.first_time or 0) > since:
        return f"insufficient history: the clone is shallow and its {history.total} commits do not reach back"
    return None
