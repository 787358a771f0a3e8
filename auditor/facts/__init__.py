"""Fact providers: collect once, never judge.

A fact is computed the first time a rule asks for it by name and shared by every
rule after that. A provider that cannot collect its fact raises
:class:`FactUnavailable` with the reason; rules that need it are skipped with that
reason — *unavailable* is never presented as *empty*.

Rule packs may add providers with :func:`provider`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

PROVIDERS: dict[str, Callable[[Facts], Any]] = {}


class FactUnavailable(Exception):
    """A fact could not be collected; the message says why."""


def provider(name: str) -> Callable[[Callable[[Facts], Any]], Callable[[Facts], Any]]:
    """Register a function that computes the fact ``name`` from other facts."""

    def register(fn: Callable[[Facts], Any]) -> Callable[[Facts], Any]:
        existing = PROVIDERS.get(name)
        if existing is not None and existing.__module__ != fn.__module__:
            # A rule pack must not silently replace a fact every other rule relies on.
            raise ValueError(f"fact {name!r} is already provided by {existing.__module__}; choose another name")
        PROVIDERS[name] = fn
        return fn

    return register


class Facts:
    """The facts of one audit, computed lazily and at most once each."""

    def __init__(self, **known: Any):
        self._values: dict[str, Any] = dict(known)
        self._unavailable: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        # The engine collects the history on a thread of its own while rules that do not need
        # it run: a fact being collected on one thread is waited for, never collected twice.
        self._lock = threading.Lock()
        self._collecting: dict[str, tuple[threading.Event, int]] = {}

    def __contains__(self, name: str) -> bool:
        return name in self._values or name in PROVIDERS

    def get(self, name: str) -> Any:
        while True:
            if name in self._values:
                return self._values[name]
            if name in self._unavailable:
                raise FactUnavailable(self._unavailable[name])
            fn = PROVIDERS.get(name)
            if fn is None:
                raise FactUnavailable(f"no provider for fact {name!r}")
            with self._lock:
                busy = self._collecting.get(name)
                if busy is None:
                    done = threading.Event()
                    self._collecting[name] = (done, threading.get_ident())
            if busy is None:
                break
            if busy[1] == threading.get_ident():
                raise FactUnavailable(f"fact {name!r} depends on itself")
            busy[0].wait()   # another thread is collecting it; then it is known
        try:
            return self._collect(name, fn)
        finally:
            with self._lock:
                del self._collecting[name]
            done.set()

    def _collect(self, name: str, fn: Callable[[Facts], Any]) -> Any:
        import time

        start = time.perf_counter()
        try:
            value = fn(self)
        except FactUnavailable as exc:
            self._unavailable[name] = str(exc)
            raise
        except Exception as exc:  # noqa: BLE001 - a broken provider makes its fact unavailable, not the audit fail
            from auditor.gitio import GitError

            if isinstance(exc, GitError) and exc.kind in (GitError.TIMEOUT, GitError.CORRUPT):
                reason = f"git could not read it: {exc}"
            else:
                reason = f"could not be collected ({type(exc).__name__}: {str(exc)[:200]})"
            self._unavailable[name] = reason
            raise FactUnavailable(reason) from None
        finally:
            self.timings[name] = round(time.perf_counter() - start, 4)
        self._values[name] = value
        return value

    def known(self, name: str) -> bool:
        """Whether the fact is already collected (or known to be unavailable): asking for it costs nothing."""
        return name in self._values or name in self._unavailable

    def set(self, name: str, value: Any) -> None:
        self._values[name] = value

    @property
    def unavailable(self) -> dict[str, str]:
        return dict(self._unavailable)
