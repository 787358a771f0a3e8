"""``auditor init``: a commented starter ``.auditor.toml`` for the repository it is run in.

Every line of the starter is a comment, so writing it changes nothing until the
team uncomments what it means: the detected project kind as a suggestion, every
area with its default weight, a gate, an example waiver and a rule pack.
"""

from __future__ import annotations

import os
from pathlib import Path

from auditor.areas import AREAS
from auditor.config import CONFIG_FILES, KINDS

STARTER_NAME = ".auditor.toml"
HISTORY_SAMPLE = 200   # commits read to detect the project's kind: enough, and fast on any repository


class InitError(Exception):
    """The starter cannot be written; the message is one line."""


def detect_kind(repo_path: str | Path) -> tuple[str | None, str]:
    """The project kind the audit observes at ``repo_path`` and how it was told, or (None, why not)."""
    from auditor import clock
    from auditor.engine import AuditOptions, audit
    from auditor.gitio import GitError

    try:
        # No rules: only the facts the report's framing needs (tree, manifests, CI, a bounded history).
        result = audit(repo_path, as_of=clock.today(), options=AuditOptions(max_commits=HISTORY_SAMPLE), rules=[])
    except GitError as exc:
        return None, f"not detected ({str(exc).removeprefix('fatal: ')})"
    project = result.context.get("project") or {}
    kind = project.get("kind")
    evidence = [e.get("path") or e.get("note") for e in project.get("evidence", [])][:3]
    label = project.get("label", kind or "project")
    how = f"a {label}, from {', '.join(str(e) for e in evidence if e)}" if any(evidence) else f"a {label}"
    return kind, how


def _comment_value(text: str) -> str:
    return " ".join(str(text).split())[:120]


def starter_config(repo_path: str | Path = ".") -> str:
    """The commented starter configuration for the repository at ``repo_path``."""
    kind, how = detect_kind(repo_path)
    suggested = kind if kind in KINDS else "service"
    if kind in KINDS:
        kind_note = f"Detected: {_comment_value(how)}. Declare the kind only if that is wrong."
    elif kind:
        kind_note = f"Detected: {_comment_value(how)}. Declare the kind so the right areas apply."
    else:
        kind_note = f"The kind was {_comment_value(how)}. Declare it so the right areas apply."
    width = max(len(a.id) for a in AREAS)
    lines = [
        "# auditor configuration — every line is commented; uncomment what you mean.",
        "# Found by walking up from the audited path: .auditor.toml, auditor.toml, then",
        "# pyproject.toml [tool.auditor]; the closest file wins. The report always names",
        "# the file it used. Keys: auditor/schema/config.schema.json.",
        "# Rule IDs, areas and thresholds: `auditor rules list`, `auditor rules explain ID`.",
        "",
        "# Top-level keys come first: in TOML, a key below a [table] belongs to that table.",
        "# Run only some rules, or skip some (IDs or prefixes):",
        '# select = ["REV", "TST", "CICD"]',
        '# ignore = ["SPR"]',
        "",
        "# Quality gate: exit 1 when the overall score is below (--fail-under wins):",
        "# fail_under = 2.5",
        "",
        "# Local rule packs, below this file's directory. A pack is code: one declared",
        "# by a configuration inside the audited repository runs only with",
        "# --allow-repo-packs. See docs/writing-rules.md.",
        '# packs = ["./audit_rules"]',
        "",
        "# What the team declares about itself; the report shows it as declared, not observed.",
        "# [context]",
        f"# {kind_note}",
        f'# kind = "{suggested}"    # one of: {", ".join(KINDS)}',
        f"# deployed = {'true' if suggested == 'service' else 'false'}",
        '# tracker = "jira"',
        '# tracker_key = "ABC"',
        '# deploy_platform = "vercel"',
        "# team_size = 4",
        "",
        "# Each area's weight in the overall score (the defaults are shown):",
        "# [weights]",
        *(f"# {a.id:<{width}} = {a.weight:<4g}  # {a.title}" for a in AREAS),
        "",
        "# Quality gate per area: exit 1 when an area scores below (any --min-area wins):",
        "# [min_area]",
        "# review = 3",
        "",
        "# A rule's thresholds (names: `auditor rules explain REV001`):",
        "# [thresholds.REV001]",
        "# reviewed_share_min = 0.8",
        "",
        "# A failing finding the team accepts. The reason is required; after `expires`",
        "# (compared with the audit date) the waiver is reported and no longer honoured.",
        "# [[waivers]]",
        '# rule = "SEC004"',
        '# reason = "secrets are injected by the platform; none live in the repository"',
        '# owner = "platform-team@example.org"',
        "# expires = 2026-12-31",
        "",
    ]
    return "\n".join(lines)


def write_starter(path: str | Path = ".", *, force: bool = False, text: str | None = None) -> Path:
    """Write the starter into ``path`` (a directory, or the file to create) and return the file.

    Refuses to overwrite an existing file, or to shadow a configuration already in
    that directory, unless ``force``.
    """
    target = Path(path)
    if target.is_dir():
        target = target / STARTER_NAME
    directory = target.parent
    if not directory.is_dir():
        raise InitError(f"{directory}: no such directory")
    if not force:
        if os.path.lexists(target):
            raise InitError(f"{target} already exists; pass --force to overwrite it")
        from auditor.config import _pyproject_has_section

        for name in CONFIG_FILES:
            other = directory / name
            if other == target or not os.path.lexists(other):
                continue
            if name != "pyproject.toml" or _pyproject_has_section(other):
                raise InitError(f"{other} already configures auditor here; pass --force to write {target.name} anyway")
    content = text if text is not None else starter_config(directory)
    try:
        if force and os.path.lexists(target):
            tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
            with open(tmp, "x", encoding="utf-8") as fh:
                fh.write(content)
            os.replace(tmp, target)  # replaces a symbolic link itself, never the file it points to
        else:
            with open(target, "x", encoding="utf-8") as fh:  # "x": never follows or clobbers what appeared meanwhile
                fh.write(content)
    except FileExistsError:
        raise InitError(f"{target} already exists; pass --force to overwrite it") from None
    except OSError as exc:
        raise InitError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


__all__ = ["STARTER_NAME", "InitError", "detect_kind", "starter_config", "write_starter"]
