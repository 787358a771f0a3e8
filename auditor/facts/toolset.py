"""Well-known tools found in the repository, from dependencies and config files."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.model import Evidence


@dataclass(frozen=True)
class Toolset:
    """Tools by category; each with the manifest line or config file that shows it."""

    from_dependencies: tuple = ()   # (Tool, Dependency)
    from_config: tuple = ()         # (Tool, path)

    def in_category(self, *categories: str) -> list[tuple[str, Evidence]]:
        """(tool name, evidence) pairs for the categories, one per tool and file, sorted."""
        seen: dict[tuple[str, str], Evidence] = {}
        for tool, dep in self.from_dependencies:
            if tool.category in categories:
                key = (tool.name, dep.path)
                seen.setdefault(key, Evidence(path=dep.path, line=dep.line, note=f"{dep.name} dependency"))
        for tool, path in self.from_config:
            if tool.category in categories:
                seen.setdefault((tool.name, path), Evidence(path=path, note=f"{tool.name} configuration"))
        return [(name, ev) for (name, _), ev in sorted(seen.items())]

    def names(self, *categories: str) -> list[str]:
        return sorted({name for name, _ in self.in_category(*categories)})
