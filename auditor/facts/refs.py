"""Tags reachable from the audited revision, with their dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.gitio import Git

SEMVER = re.compile(r"^(?:[A-Za-z][\w.-]*?[-/@]?)?v?(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.-]+)?$")
CALVER = re.compile(r"^v?(20\d\d)[.-](\d{1,2})(?:[.-]\d{1,2})?(?:[.-]\d+)?$")


@dataclass(frozen=True)
class Tag:
    name: str
    commit: str
    time: int              # tagger date for annotated tags, else the commit's date
    annotated: bool
    scheme: str            # "semver", "calver" or "other"

    @property
    def date(self) -> str:
        return datetime.fromtimestamp(self.time, tz=UTC).date().isoformat()

    @property
    def prerelease(self) -> bool:
        return self.scheme == "semver" and bool(re.search(r"-(alpha|beta|rc|pre|dev)", self.name, re.I))


def scheme_of(name: str) -> str:
    if SEMVER.match(name):
        return "semver"
    if CALVER.match(name):
        return "calver"
    return "other"


_FORMAT = "%(refname:strip=2)%00%(objecttype)%00%(*objectname)%00%(objectname)%00%(creatordate:unix)"


def list_tags(git: Git, limit: int = 20_000) -> tuple[Tag, ...]:
    """Every tag of the repository, oldest first: a read of the refs alone, no graph walk."""
    return parse_listing(tag_listing(git, limit))


def tag_listing(git: Git, limit: int = 20_000) -> bytes:
    """git's raw listing of every tag (name, type, target, date), for :func:`parse_listing`."""
    return git.run("for-each-ref", f"--count={limit}", f"--format={_FORMAT}", "refs/tags",
                   max_output=64 * 1024 * 1024)


def read_tags(git: Git, rev: str, limit: int = 20_000) -> tuple[Tag, ...]:
    """Tags whose commit is reachable from ``rev``, oldest first (git walks the graph for it)."""
    return parse_listing(git.run("for-each-ref", f"--merged={rev}", f"--count={limit}", f"--format={_FORMAT}",
                          "refs/tags", max_output=64 * 1024 * 1024))


def merged_tags(tags: tuple[Tag, ...], reached: frozenset[str]) -> tuple[Tag, ...]:
    """The tags whose commit is among ``reached`` (the commits a full history read saw)."""
    return tuple(t for t in tags if t.commit in reached)


def parse_listing(raw: bytes) -> tuple[Tag, ...]:
    """Tags from a ``for-each-ref`` listing in :data:`_FORMAT`, oldest first."""
    tags = []
    for line in raw.decode("utf-8", "backslashreplace").splitlines():
        parts = line.split("\0")
        if len(parts) != 5:
            continue
        name, otype, peeled, oid, when = parts
        commit = peeled if otype == "tag" and peeled else oid
        try:
            t = int(when)
        except ValueError:
            t = 0
        tags.append(Tag(name=name[:200], commit=commit, time=t, annotated=otype == "tag",
                        scheme=scheme_of(name)))
    return tuple(sorted(tags, key=lambda t: (t.time, t.name)))
