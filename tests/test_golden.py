"""Golden reports: each scenario's Markdown, JSON and HTML compared with a checked-in snapshot.

Run with ``AUDITOR_UPDATE_GOLDEN=1`` to rewrite the snapshots, then review the diff
like code: a changed snapshot is a changed report.
"""

import os
from pathlib import Path

import pytest

from tests.scenario_support import SPEC_NAMES

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("AUDITOR_UPDATE_GOLDEN") == "1"


def _renderings(audited_scenario):
    out = {"md": audited_scenario.markdown[0], "json": audited_scenario.json[0]}
    from auditor.render.html import render_html
    out["html"] = render_html(audited_scenario.result)
    return out


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_reports_match_their_golden_snapshots(name, audited):
    for ext, text in _renderings(audited(name)).items():
        path = GOLDEN / f"{name}.{ext}"
        if UPDATE:
            path.write_text(text, encoding="utf-8")
            continue
        assert path.exists(), f"no snapshot {path.name}: run with AUDITOR_UPDATE_GOLDEN=1 and review it"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"{path.name} changed: rerun with AUDITOR_UPDATE_GOLDEN=1 and review the diff"
