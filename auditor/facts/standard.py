"""The built-in fact providers, by name.

Each reads what the engine prepared (the hardened git handle, the tree at the
audited revision) and returns plain data. Names are the parameter names rules
use in ``check``.
"""

from __future__ import annotations

from auditor.facts import Facts, FactUnavailable, provider


@provider("history")
def _history(facts: Facts):
    from auditor.facts.history import read_history
    from auditor.facts.history_worker import WorkerUnavailable, is_large, read_history_apart

    git = facts.get("_git")
    rev = facts.get("_rev")
    opts = facts.get("_options")
    if rev is None:
        raise FactUnavailable("the repository has no commits")
    tree = facts.get("tree")
    mailmap = f"{rev}:.mailmap" if tree.exists(".mailmap") else None
    cache = forbidden = origin = None
    source = facts.get("_source") if "_source" in facts else None
    if getattr(opts, "use_cache", False):
        cache = opts.cache_config()
        forbidden = [p for p in (source.git_dir, source.work_tree) if p] if source else []
        origin = facts.get("_origin") if "_origin" in facts else None
    try:
        watch = {t.commit for t in facts.get("_tag_refs")}
    except FactUnavailable:
        watch = set()
    arguments = dict(
        tree_paths=tree.paths, watch=watch, window=opts.window, size_window=opts.size_window,
        max_commits=opts.max_commits, since=opts.since, is_shallow=opts.is_shallow,
        mailmap_blob=mailmap, cache=cache, identity=origin,
        mailmap_oid=tree.entry(".mailmap").oid if mailmap else None, forbidden=forbidden or (),
    )
    history = None
    note = None
    mode = getattr(opts, "history_process", "auto")
    if mode == "always" or (mode == "auto" and source is not None and is_large(source.git_dir)):
        try:
            history = read_history_apart(git, rev, progress=opts.progress, **arguments)
        except WorkerUnavailable as exc:
            note = f"the history was read in the audit's own process (a second one could not be used: {exc})"
    if history is None:
        history = read_history(git, rev, progress=opts.progress, **arguments)
        if note:
            history.notes.append(note)
    if history.total == 0:
        raise FactUnavailable("the revision has no history to read")
    return history


@provider("_tag_refs")
def _tag_refs(facts: Facts):
    from auditor.facts.refs import list_tags

    return list_tags(facts.get("_git"))


@provider("tags")
def _tags(facts: Facts):
    from auditor.facts.refs import merged_tags, read_tags

    rev = facts.get("_rev")
    if rev is None:
        return ()
    try:
        history = facts.get("history")
        every = facts.get("_tag_refs")
    except FactUnavailable:
        history = None
    if history is None or history.truncated:
        # The history read did not see every commit (a limit was set): git answers instead.
        return read_tags(facts.get("_git"), rev)
    return merged_tags(every, history.reached)


@provider("ci")
def _ci(facts: Facts):
    from auditor.facts.ci import collect_ci

    return collect_ci(facts.get("tree"))


@provider("manifests")
def _manifests(facts: Facts):
    from auditor.facts.manifests import collect_manifests

    return collect_manifests(facts.get("tree"))


@provider("tasks")
def _tasks(facts: Facts):
    from auditor.facts.tasks import collect_tasks

    return collect_tasks(facts.get("tree"))


@provider("tools")
def _tools(facts: Facts):
    from auditor.facts.catalog import config_tools, tools_in
    from auditor.facts.toolset import Toolset

    manifests = facts.get("manifests")
    return Toolset(from_dependencies=tuple(tools_in(manifests.dependencies)),
                   from_config=tuple(config_tools(facts.get("tree"))))


@provider("project")
def _project(facts: Facts):
    from dataclasses import replace

    from auditor.facts.project import classify_project
    from auditor.model import Evidence

    declared = facts.get("declared")
    project = classify_project(facts.get("tree"), facts.get("manifests"), facts.get("ci"), declared=declared)
    if not project.declared and "deployed" in declared and declared["deployed"] != project.deployed:
        # `deployed` declared without a kind: it decides applicability (monitoring) and says so.
        project = replace(project, deployed=declared["deployed"], evidence=project.evidence + (
            Evidence(note=f"declared in configuration: {'deployed' if declared['deployed'] else 'not deployed'}"),))
    return project


@provider("declared")
def _declared(facts: Facts):
    return {}
