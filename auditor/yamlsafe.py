"""Safe, bounded YAML loading for configuration read from audited repositories.

PyYAML's ``SafeLoader`` follows YAML 1.1, where ``on``, ``off``, ``yes`` and ``no``
are booleans: a GitHub workflow's ``on:`` key would come back as ``True``. This
loader resolves only ``true``/``false`` as booleans (YAML 1.2 core schema), so
``on`` stays the string a CI system sees. It also refuses documents that are too
large, nest too deeply, or use many aliases ("billion laughs"), and it never
constructs arbitrary objects. See docs/adr/0003-yaml-and-toml.md.
"""

from __future__ import annotations

import re

import yaml

MAX_BYTES = 1_000_000
MAX_ALIASES = 500
MAX_NODES = 200_000
MAX_DEPTH = 100
#: PyYAML's own quoted tokens — ':', '-', '<stream end>', '<block mapping start>' — are kept.
_OWN_TOKEN = re.compile(r"^'(?:[^\w']*|<[a-z ]+>)'$")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


class YamlRejected(ValueError):
    """The document was refused: unsafe, too large, or not valid YAML."""


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and limits on aliases, nodes and depth."""

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlRejected(f"more than {MAX_ALIASES} aliases")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YamlRejected(f"more than {MAX_NODES} nodes")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlRejected(f"nested deeper than {MAX_DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Replace the YAML 1.1 bool resolver (yes/no/on/off) with YAML 1.2's true/false.
_BoundedLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_BoundedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct_undefined(loader, node):
    # GitLab's !reference and CloudFormation's !Ref are data, not objects: keep their value.
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_BoundedLoader.add_constructor(None, _construct_undefined)


def _refuse_python(loader, suffix, node):
    raise YamlRejected(f"object-constructing tag !!python/{suffix} refused")


_BoundedLoader.add_multi_constructor("tag:yaml.org,2002:python/", _refuse_python)


def _expanded_size(value, memo: dict[int, int]) -> int:
    """Node count with aliases expanded, as a consumer walking the data would see it."""
    key = id(value)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a cycle (a recursive alias) counts once instead of looping forever
    if isinstance(value, dict):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in value.items())
    elif isinstance(value, list):
        size = 1 + sum(_expanded_size(v, memo) for v in value)
    else:
        size = 1
    memo[key] = size
    return size


def load_all(text: str) -> list:
    """Parse every document in ``text``; raise :class:`YamlRejected` on anything unsafe."""
    if len(text) > MAX_BYTES:
        raise YamlRejected(f"document larger than {MAX_BYTES} bytes")
    try:
        docs = list(yaml.load_all(text, Loader=_BoundedLoader))  # noqa: S506 - bounded SafeLoader
        if _expanded_size(docs, {}) > MAX_NODES:
            raise YamlRejected(f"aliases expand to more than {MAX_NODES} nodes")
        return docs
    except YamlRejected:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        # PyYAML quotes what it stumbled on (an alias name, a tag, an escape): the file may hold a
        # credential there, so a quoted word never reaches the report.
        problem = _QUOTED.sub(lambda m: m.group(0) if _OWN_TOKEN.match(m.group(0)) else "'…'", problem)
        raise YamlRejected(f"invalid YAML{where}: {problem}") from None
    except (RecursionError, MemoryError):
        raise YamlRejected("document too complex") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # Constructors raise plain errors for values like `!!int 'x'` or a 5000-digit integer.
        raise YamlRejected(f"invalid YAML value: {type(exc).__name__}") from None


def load(text: str):
    """Parse the first document in ``text`` (``None`` when empty)."""
    docs = load_all(text)
    return docs[0] if docs else None
