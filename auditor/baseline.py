"""Compare an audit with an earlier result (``--baseline PREVIOUS.json``) and apply gates.

Pure functions over the JSON result contract, so a baseline written by any earlier
version with the same major ``schema_version`` can be read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.model import AuditResult
from auditor.render.json_report import to_data

TOLERANCE = 0.05  # score changes smaller than this are rounding, not movement


class BaselineError(ValueError):
    """The baseline file cannot be read as an auditor result."""


@dataclass(frozen=True)
class AreaChange:
    area: str
    title: str
    before_status: str
    after_status: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return round(self.after - self.before, 2)


@dataclass
class Comparison:
    """What changed between the baseline and this audit."""

    baseline_revision: str
    baseline_as_of: str
    overall_before: float
    overall_after: float
    up: list[AreaChange] = field(default_factory=list)
    down: list[AreaChange] = field(default_factory=list)
    new_failures: list[tuple[str, str, str]] = field(default_factory=list)   # (rule, area, message)
    resolved: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def regressed(self) -> bool:
        return bool(self.down or self.new_failures) or self.overall_after < self.overall_before - TOLERANCE

    def to_dict(self) -> dict[str, Any]:
        def change(c: AreaChange) -> dict[str, Any]:
            return {"area": c.area, "before": c.before, "after": c.after, "delta": c.delta,
                    "before_status": c.before_status, "after_status": c.after_status}
        return {
            "baseline_revision": self.baseline_revision,
            "baseline_as_of": self.baseline_as_of,
            "overall_before": self.overall_before,
            "overall_after": self.overall_after,
            "areas_up": [change(c) for c in self.up],
            "areas_down": [change(c) for c in self.down],
            "new_failures": [{"rule": r, "area": a, "message": m} for r, a, m in self.new_failures],
            "resolved": [{"rule": r, "area": a, "message": m} for r, a, m in self.resolved],
            "regressed": self.regressed,
        }


def load_baseline(path: str | Path) -> dict[str, Any]:
    """Read a previous JSON result; raise BaselineError with a one-line reason."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    if len(text) > 50_000_000:
        raise BaselineError(f"baseline {path} is larger than 50 MB")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"baseline {path} is not JSON: line {exc.lineno}: {exc.msg}") from None
    if not isinstance(data, dict) or not str(data.get("schema_version", "")).startswith("1.") \
            or not isinstance(data.get("areas"), list):
        raise BaselineError(f"baseline {path} is not an auditor result with schema_version 1.x")
    return data


def compare(result: AuditResult, baseline: dict[str, Any]) -> Comparison:
    """Areas up and down, and findings new and resolved, since the baseline."""
    now = to_data(result)
    before_areas = {a.get("id"): a for a in baseline["areas"] if isinstance(a, dict)}
    cmp = Comparison(baseline_revision=str(baseline.get("revision", ""))[:40],
                     baseline_as_of=str(baseline.get("as_of", ""))[:10],
                     overall_before=float(baseline.get("overall_score", 0.0) or 0.0),
                     overall_after=result.overall)
    for area in now["areas"]:
        old = before_areas.get(area["id"])
        if old is None:
            continue
        try:
            before = float(old.get("score", 0.0))
        except (TypeError, ValueError):
            continue
        change = AreaChange(area["id"], area["title"], str(old.get("status", "")), area["status"], before,
                            area["score"])
        if change.delta > TOLERANCE:
            cmp.up.append(change)
        elif change.delta < -TOLERANCE:
            cmp.down.append(change)
        old_fail = {f.get("rule") for f in old.get("findings", []) if isinstance(f, dict) and f.get("outcome") == "fail"}
        for f in area["findings"]:
            if f["outcome"] == "fail" and f["rule"] not in old_fail and "waived" not in f:
                cmp.new_failures.append((f["rule"], area["id"], f["message"]))
            if f["outcome"] == "pass" and f["rule"] in old_fail:
                cmp.resolved.append((f["rule"], area["id"], f["message"]))
    return cmp


@dataclass(frozen=True)
class GateResult:
    failed: bool
    reasons: tuple[str, ...]


def apply_gates(result: AuditResult, *, fail_under: float | None = None,
                area_minimums: dict[str, float] | None = None, comparison: Comparison | None = None,
                fail_on_regression: bool = False) -> GateResult:
    """Which gates the result fails, each with a one-line reason."""
    reasons = []
    if fail_under is not None and result.overall < fail_under:
        reasons.append(f"overall score {result.overall:.2f} is below --fail-under {fail_under:g}")
    for area_id, minimum in sorted((area_minimums or {}).items()):
        area = next((a for a in result.areas if a.area == area_id), None)
        if area is not None and area.score < minimum:
            reasons.append(f"{area_id} scores {area.score:.1f}, below its minimum {minimum:g}")
    if fail_on_regression and comparison is not None and comparison.regressed:
        parts = [f"{c.area} {c.before:.1f}→{c.after:.1f}" for c in comparison.down]
        parts += [f"new failure {r}" for r, _, _ in comparison.new_failures[:5]]
        if comparison.overall_after < comparison.overall_before - TOLERANCE:
            parts.insert(0, f"overall {comparison.overall_before:.2f}→{comparison.overall_after:.2f}")
        reasons.append("regression since the baseline: " + ", ".join(parts))
    return GateResult(bool(reasons), tuple(reasons))
