"""Shared fixtures: scenario repositories built from ``fixtures/*.yaml`` with real git.

Nothing here mocks git. Scenario repositories are built once per test session by
:func:`auditor.fixture.build` (a ``git fast-import`` stream, so fixed dates give
fixed hashes); tests that run git themselves use :func:`git` or the ``git_env``
fixture, which give git an environment with no inherited ``GIT_*`` variables, no
user or system configuration and a throwaway ``HOME``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from auditor.fixture import build
from auditor.gitio import sanitized_env
from tests.scenario_support import FIXTURES, RepoState, as_of_of, repo_state


@pytest.fixture
def git_env(tmp_path_factory, monkeypatch) -> dict[str, str]:
    """A sanitized environment for tests that run git (or the CLI) themselves.

    Inherited ``GIT_*`` variables are removed from ``os.environ`` for the test's
    duration and ``HOME`` points at an empty temporary directory; the returned
    mapping is the full environment to pass to ``subprocess``.
    """
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    return sanitized_env(str(home))


# -- scenarios ---------------------------------------------------------------------------


class _Scenarios:
    """Builds each named spec once per session and remembers its state right after the build."""

    def __init__(self, factory: pytest.TempPathFactory):
        self._factory = factory
        self.paths: dict[str, Path] = {}
        self.baseline: dict[str, RepoState] = {}

    def __call__(self, name: str) -> Path:
        if name not in self.paths:
            dest = self._factory.mktemp(f"scenario-{name}") / name
            build(FIXTURES / f"{name}.yaml", dest)
            self.paths[name] = dest
            self.baseline[name] = repo_state(dest)
        return self.paths[name]


@pytest.fixture(scope="session")
def scenarios(tmp_path_factory) -> _Scenarios:
    return _Scenarios(tmp_path_factory)


@pytest.fixture(scope="session")
def scenario(scenarios):
    """``scenario(name)`` → path of the repository ``fixtures/<name>.yaml`` describes, built once."""
    return scenarios


@dataclass(frozen=True)
class Audited:
    """A scenario audited twice at its declared date, with both renderings of each run."""

    name: str
    path: Path
    result: object
    json: tuple[str, str]
    markdown: tuple[str, str]


@pytest.fixture(scope="session")
def audited(scenario):
    """``audited(name)`` → :class:`Audited`, computed once per session."""
    from auditor.engine import audit
    from auditor.render.json_report import render_json
    from auditor.render.markdown import render_markdown

    cache: dict[str, Audited] = {}

    def get(name: str) -> Audited:
        if name not in cache:
            path = scenario(name)
            when = as_of_of(name)
            first = audit(path, as_of=when)
            second = audit(path, as_of=when)
            cache[name] = Audited(
                name=name, path=path, result=first,
                json=(render_json(first), render_json(second)),
                markdown=(render_markdown(first), render_markdown(second)),
            )
        return cache[name]

    return get


@pytest.fixture(autouse=True, scope="session")
def _private_history_cache(tmp_path_factory):
    """CLI runs in tests keep their history cache in a temporary directory, never the user's."""
    cache = tmp_path_factory.mktemp("xdg-cache")
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(cache)
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old
