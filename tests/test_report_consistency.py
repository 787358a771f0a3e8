"""Every report is complete and consistent: no empty section, no placeholder, no contradiction."""

import re

import pytest

from auditor.model import Status
from auditor.render.shape import shape, status_line
from tests.scenario_support import SPEC_NAMES

# Leftovers of templating or of a value that was never filled in (the reports legitimately
# mention TODO comments and placeholder values found in the repository, so those words are fine).
PLACEHOLDERS = re.compile(r"\{%|%\}|\bUndefined\b|(?<=: )None\b|\(None\)|\bNone\)|lorem ipsum|\bnan\b|\binf\b")


def _sections(markdown: str) -> dict[str, str]:
    parts = re.split(r"^## ", markdown, flags=re.M)
    return {p.splitlines()[0].strip(): p for p in parts[1:]}


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_no_empty_section_and_no_placeholder(name, audited):
    md = audited(name).markdown[0]
    for title, body in _sections(md).items():
        lines = [ln for ln in body.splitlines()[1:] if ln.strip() and ln.strip() != "---"]
        assert lines, f"{name}: section {title!r} is empty"
    hits = [m.group(0) for m in PLACEHOLDERS.finditer(md)]
    assert not hits, f"{name}: placeholder text in the report: {hits[:5]}"


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_summary_agrees_with_the_area_sections(name, audited):
    a = audited(name)
    data = shape(a.result)
    md = a.markdown[0]
    by_id = {s.id: s for s in data["sections"]}
    for area in a.result.areas:
        # The status in the scorecard and in the section heading are the same.
        assert f"### Status: {status_line(area)}" in md, area.area
        assert by_id[area.area].table_status.split(" ")[0] == status_line(area).split(" ")[0]
    # Critical gaps are areas the sections call missing; recommendations target areas that are not strong.
    statuses = {ar.title: ar.status for ar in a.result.areas}
    for gap in data["summary"]["critical_gaps"]:
        assert statuses[gap["title"]] is Status.MISSING
    for rec in data["summary"]["recommendations"]:
        area = next(ar for ar in a.result.areas if ar.area == rec.area)
        assert area.status not in (Status.NOT_APPLICABLE,), rec.rule_id
        assert rec.rule_id in {f.rule_id for f in area.findings if f.outcome.value == "fail"}
    # The maturity level follows from the overall score the summary states.
    assert f"overall score {a.result.overall:.1f}/5" in md


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_every_claim_cites_evidence_or_says_what_is_absent(name, audited):
    result = audited(name).result
    for f in result.findings:
        if f.outcome.value == "pass":
            assert f.evidence or f.measures, f"{f.rule_id} passes without evidence or measures: {f.message}"
