"""Build real git repositories from declarative specs (``fixtures/*.yaml``).

A spec lists authors, dated commits (with files, merges and branches), repeated
series of commits, and tags. The builder turns it into one ``git fast-import``
stream, so a repository with thousands of commits builds in a second, and the
same spec always gives the same commit hashes.

Spec format::

    name: demo
    description: what the scenario shows
    default_branch: main
    authors:
      sam: {name: Sam Rivera, email: sam@example.com}
    commits:
      - id: init                       # optional; referenced by from/merge/tags
        author: sam
        date: 2025-10-15T09:12:00+02:00
        message: "feat: first feature"
        branch: main                   # default: default_branch
        from: init                     # start the branch at another commit
        merge: [feature-tip]           # extra parents
        files:
          README.md: "# Demo\\n"        # text
          src/app.ts: {lines: 40}      # generated text
          package.json: {json: {name: demo}}
          link: {symlink: ../target}
          run.sh: {text: "echo hi\\n", executable: true}
          old.txt: null                # delete
      - repeat: 20                     # a series: {n} is 1..20 in messages and paths
        author: [sam, kim]             # cycles
        start: 2025-09-01T10:00:00+00:00
        every: 1d                      # s, m, h, d or w
        message: "fix: issue {n}"
        files: {"src/f{n}.ts": {lines: 5}}
    tags:
      - {name: v1.0.0, commit: init, message: "Release 1.0"}   # annotated when message is given
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from auditor import yamlsafe
from auditor.gitio import create_repository

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEFAULT_AUTHOR = {"name": "Fixture Author", "email": "author@example.com"}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class SpecError(ValueError):
    """The spec is malformed; the message names the commit and field."""


def load_spec(path: str | Path) -> dict[str, Any]:
    spec = yamlsafe.load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(spec, dict):
        raise SpecError(f"{path}: a spec is a mapping")
    return spec


def scenario_path(name: str) -> Path:
    return FIXTURES / f"{name}.yaml"


def _when(value: Any, where: str) -> tuple[int, str]:
    if isinstance(value, dt.datetime):
        d = value
    else:
        try:
            d = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise SpecError(f"{where}: date {value!r} is not ISO 8601") from None
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    off = int(d.utcoffset().total_seconds() // 60)
    sign = "+" if off >= 0 else "-"
    return int(d.timestamp()), f"{sign}{abs(off) // 60:02d}{abs(off) % 60:02d}"


def _every(value: str) -> int:
    value = str(value).strip()
    try:
        return int(float(value[:-1]) * _UNITS[value[-1]])
    except (KeyError, ValueError, IndexError):
        raise SpecError(f"every: {value!r} is not like 6h, 1d or 2w") from None


def _generated(path: str, lines: int, salt: str) -> bytes:
    seed = hashlib.sha256(f"{path}:{salt}".encode()).hexdigest()
    body = [f"// {path} — generated line {i + 1} {seed[(i * 7) % 56:(i * 7) % 56 + 8]}" for i in range(lines)]
    return ("\n".join(body) + "\n").encode()


def _content(path: str, value: Any, salt: str) -> tuple[str, bytes]:
    """(mode, bytes) for a file value in the spec."""
    if isinstance(value, str):
        return "100644", value.encode("utf-8")
    if isinstance(value, dict):
        mode = "100755" if value.get("executable") else "100644"
        if "symlink" in value:
            return "120000", str(value["symlink"]).encode()
        if "lines" in value:
            return mode, _generated(path, int(value["lines"]), f"{salt}:{value.get('seed', '')}")
        if "json" in value:
            return mode, (json.dumps(value["json"], indent=2) + "\n").encode()
        if "base64" in value:
            return mode, base64.b64decode(value["base64"])
        if "text" in value:
            return mode, str(value["text"]).encode("utf-8")
        if "repeat" in value:
            return mode, (str(value["repeat"]) * int(value.get("times", 1))).encode("utf-8")
    raise SpecError(f"file {path}: unsupported content {value!r}")


def _quote(path: str) -> str:
    if path.startswith('"') or "\n" in path or "\\" in path:
        return '"' + path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return path


def _expand(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Commits in order, with every ``repeat`` series unrolled."""
    out: list[dict[str, Any]] = []
    for i, item in enumerate(spec.get("commits") or []):
        if not isinstance(item, dict):
            raise SpecError(f"commits[{i}]: a commit is a mapping")
        if "repeat" not in item:
            out.append(item)
            continue
        n = int(item["repeat"])
        start, tz = _when(item["start"], f"commits[{i}].start")
        step = _every(item.get("every", "1d"))
        authors = item.get("author", "default")
        authors = authors if isinstance(authors, list) else [authors]
        skip_weekends = bool(item.get("weekdays_only"))
        t = start
        for k in range(1, n + 1):
            if skip_weekends:
                while dt.datetime.fromtimestamp(t, dt.UTC).weekday() >= 5:
                    t += 86400
            files = {str(p).replace("{n}", str(k)): v for p, v in (item.get("files") or {}).items()}
            sign = 1 if tz[0] == "+" else -1
            local = dt.timezone(dt.timedelta(minutes=sign * (int(tz[1:3]) * 60 + int(tz[3:]))))
            out.append({
                "author": authors[(k - 1) % len(authors)],
                "date": dt.datetime.fromtimestamp(t, local).isoformat(),
                "message": str(item.get("message", "change {n}")).replace("{n}", str(k)),
                "branch": item.get("branch"),
                "files": files or {f"series/{i}/{k}.txt": f"{k}\n"},
            })
            t += step
    return out


def _one_line(value: Any, where: str) -> str:
    """A name that goes on one line of the stream: a newline would inject fast-import commands."""
    text = str(value)
    ident = where.startswith(("author", "committer"))  # "Name <email>": angle brackets would break it
    if any(ch in text for ch in "\n\r\0") or (ident and any(c in text for c in "<>")):
        raise SpecError(f"{where}: {text!r} must be one line" + (" without < or >" if ident else ""))
    return text


def fast_import_stream(spec: dict[str, Any]) -> bytes:
    """The ``git fast-import`` stream for a spec; a malformed spec raises :class:`SpecError`."""
    try:
        return _stream(spec)
    except SpecError:
        raise
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        raise SpecError(f"malformed spec: {type(exc).__name__}: {exc}") from None


def _stream(spec: dict[str, Any]) -> bytes:
    authors = {"default": DEFAULT_AUTHOR, **(spec.get("authors") or {})}
    default_branch = spec.get("default_branch", "main")
    marks: dict[str, int] = {}
    out: list[bytes] = []
    # The file state after each commit, so that a merge commit can carry the merged
    # branch's changes (fast-import takes a merge's tree from its first parent only).
    states: dict[int, dict[str, tuple[str, bytes]]] = {}
    tips: dict[str, int] = {}
    for n, c in enumerate(_expand(spec), start=1):
        where = f"commit {c.get('id', n)}"
        who = authors.get(c.get("author", "default"))
        if who is None:
            raise SpecError(f"{where}: unknown author {c.get('author')!r}")
        t, tz = _when(c.get("date", "2025-01-01T12:00:00+00:00"), where)
        committer = authors.get(c.get("committer", c.get("author", "default")), who)
        branch = c.get("branch") or default_branch
        msg = str(c.get("message", f"change {n}"))
        if not msg.endswith("\n"):
            msg += "\n"
        msg_b = msg.encode("utf-8")
        branch = _one_line(branch, f"{where}: branch")
        out.append(f"commit refs/heads/{branch}\nmark :{n}\n".encode())
        out.append(f"author {_one_line(who['name'], 'author name')} <{_one_line(who['email'], 'author email')}> "
                   f"{t} {tz}\n".encode())
        out.append(f"committer {_one_line(committer['name'], 'committer name')} "
                   f"<{_one_line(committer['email'], 'committer email')}> {t} {tz}\n".encode())
        out.append(f"data {len(msg_b)}\n".encode() + msg_b + b"\n")
        parent = tips.get(branch)
        if c.get("from"):
            if c["from"] not in marks:
                raise SpecError(f"{where}: from {c['from']!r} is not an earlier commit id")
            parent = marks[c["from"]]
            out.append(f"from :{parent}\n".encode())
        state = dict(states.get(parent, {})) if parent else {}
        changes: dict[str, tuple[str, bytes] | None] = {}
        for m in c.get("merge") or []:
            if m not in marks:
                raise SpecError(f"{where}: merge {m!r} is not an earlier commit id")
            out.append(f"merge :{marks[m]}\n".encode())
            for path, entry in states.get(marks[m], {}).items():
                if state.get(path) != entry:
                    changes[path] = entry
        for path, value in (c.get("files") or {}).items():
            path = str(path)
            changes[path] = None if value is None else _content(path, value, f"{n}")
        for path, entry in changes.items():
            if entry is None:
                out.append(f"D {_quote(path)}\n".encode())
                state.pop(path, None)
                continue
            mode, data = entry
            state[path] = entry
            out.append(f"M {mode} inline {_quote(path)}\n".encode() + f"data {len(data)}\n".encode() + data + b"\n")
        out.append(b"\n")
        states[n] = state
        tips[branch] = n
        if "id" in c:
            marks[str(c["id"])] = n
    for tag in spec.get("tags") or []:
        target = tag.get("commit")
        if target not in marks:
            raise SpecError(f"tag {tag.get('name')}: commit {target!r} is not a commit id")
        if tag.get("message"):
            who = authors.get(tag.get("tagger", "default"), DEFAULT_AUTHOR)
            t, tz = _when(tag.get("date", "2025-01-01T12:00:00+00:00"), f"tag {tag['name']}")
            msg_b = (str(tag["message"]).rstrip("\n") + "\n").encode()
            out.append(f"tag {_one_line(tag['name'], 'tag name')}\nfrom :{marks[target]}\n".encode())
            out.append(f"tagger {who['name']} <{who['email']}> {t} {tz}\n".encode())
            out.append(f"data {len(msg_b)}\n".encode() + msg_b + b"\n")
        else:
            out.append(f"reset refs/tags/{_one_line(tag['name'], 'tag name')}\nfrom :{marks[target]}\n\n".encode())
    out.append(b"done\n")
    return b"".join(out)


def build(spec: dict[str, Any] | str | Path, dest: Path, *, bare: bool = False) -> Path:
    """Build the repository a spec describes at ``dest`` and return ``dest``."""
    if not isinstance(spec, dict):
        spec = load_spec(spec)
    create_repository(dest, fast_import_stream(spec), default_branch=spec.get("default_branch", "main"),
                      bare=bare)
    return dest
