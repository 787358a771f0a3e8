"""The audit date: the only module that reads the clock.

Rules never read the clock; they receive :class:`AsOf`. With ``--as-of`` fixed, a
repository whose history does not change gives the same report forever.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DAY = 86_400


@dataclass(frozen=True)
class AsOf:
    """The audit date, and the moment windows such as "last 90 days" end."""

    date: dt.date

    @property
    def ts(self) -> int:
        """End of the audit day (UTC), as epoch seconds."""
        end = dt.datetime.combine(self.date, dt.time(23, 59, 59), tzinfo=dt.UTC)
        return int(end.timestamp())

    def days_ago(self, days: int) -> int:
        return self.ts - days * DAY

    def isoformat(self) -> str:
        return self.date.isoformat()


def today() -> AsOf:
    return AsOf(dt.datetime.now(dt.UTC).date())


def parse(value: str) -> AsOf:
    """Parse ``YYYY-MM-DD``; raise ValueError with a readable message otherwise."""
    try:
        return AsOf(dt.date.fromisoformat(value))
    except ValueError:
        raise ValueError(f"--as-of expects a date as YYYY-MM-DD, got {value!r}") from None
