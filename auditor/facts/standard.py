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

    git = facts.get("_git")
    rev = facts.get("_rev")
    opts = facts.get("_options")
    if rev is None:
        raise FactUnavailable("the repository has no commits")
    tree = facts.get("tree")
    mailmap = f"{rev}:.mailmap" if tree.exists(".mailmap") else None
    cache = forbidden = origin = None
    if getattr(opts, "use_cache", False):
        from auditor.facts.history_cache import CacheConfig

        cache = CacheConfig(directory=opts.cache_dir, max_bytes=max(0, opts.cache_max_mb) * 1024 * 1024)
        source = facts.get("_source") if "_source" in facts else None
        forbidden = [p for p in (source.git_dir, source.work_tree) if p] if source else []
        origin = facts.get("_origin") if "_origin" in facts else None
    history = read_history(
        git, rev, tree_paths=tree.paths, window=opts.window, size_window=opts.size_window,
        max_commits=opts.max_commits, since=opts.since, is_shallow=opts.is_shallow,
        mailmap_blob=mailmap, progress=opts.progress, cache=cache, identity=origin,
        mailmap_oid=tree.entry(".mailmap").oid if mailmap else None, forbidden=forbidden or (),
    )
    if history.total == 0:
        raise FactUnavailable("the revision has no history to read")
    return history


@provider("tags")
def _tags(facts: Facts):
    from auditor.facts.refs import read_tags

    if facts.get("_rev") is None:
        return ()
    return read_tags(facts.get("_git"), facts.get("_rev"))


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
