"""The GitHub Action's audit step, run as GitHub runs it, on a real fixture repository.

The step's ``env:`` block is read from ``action.yml`` and its expressions filled in the
way the runner does (``${{ inputs.x }}`` from the inputs or their defaults), then its
``run:`` script runs under ``bash -eo pipefail`` with ``GITHUB_WORKSPACE``,
``GITHUB_STEP_SUMMARY`` and ``GITHUB_OUTPUT`` pointing at temporary files. The install
step is replaced by this test environment's Python, where auditor is already installed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
import yaml

from auditor.action import OUTPUT_NAMES
from auditor.fixture import build
from auditor.render.summary import split_sections, trim_markdown
from tests.scenario_support import ROOT, as_of_of

SEED_DATE = as_of_of("seed003").date.isoformat()
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
AUDIT_STEP = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "audit")
_EXPR = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


@dataclass
class Run:
    code: int
    log: str
    outputs: dict[str, str]
    summary: str
    report_dir: Path


def parse_outputs(text: str) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` as the runner reads it: ``name=value`` lines and ``name<<DELIM`` blocks."""
    out: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delim:
                    break
                body.append(inner)
            out[name] = "\n".join(body)
        elif line:
            name, _, value = line.partition("=")
            out[name] = value
    return out


def step_env(inputs: dict[str, str]) -> dict[str, str]:
    """The audit step's env block with its expressions evaluated as the runner would."""
    defaults = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
    unknown = set(inputs) - set(defaults)
    assert not unknown, f"not action inputs: {unknown}"
    values = {**defaults, **inputs}

    def evaluate(m: re.Match) -> str:
        expr = m.group(1)
        if expr.startswith("inputs."):
            return values[expr.removeprefix("inputs.")]
        if expr == "steps.install.outputs.python":
            return sys.executable
        raise AssertionError(f"unexpected expression in the audit step: {expr}")

    return {k: _EXPR.sub(evaluate, str(v)) for k, v in AUDIT_STEP["env"].items()}


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A checkout, as actions/checkout with fetch-depth 0 leaves it."""
    return build(ROOT / "fixtures" / "seed003.yaml", tmp_path / "work" / "sms-food-delivery")


@pytest.fixture
def run_action(git_env, tmp_path):
    def run(workspace: Path, *, extra_env: dict[str, str] | None = None, **inputs: str) -> Run:
        summary = tmp_path / "step_summary.md"
        outputs = tmp_path / "github_output.txt"
        summary.write_text("", encoding="utf-8")
        outputs.write_text("", encoding="utf-8")
        env = {
            **git_env,
            **step_env({k.replace("_", "-"): v for k, v in inputs.items()}),
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(outputs),
            "RUNNER_TEMP": str(tmp_path),
            "INPUT_AS_OF": SEED_DATE,     # a fixed audit date, for reproducible scores
            **(extra_env or {}),
        }
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", AUDIT_STEP["run"]],
                              cwd=workspace, env=env, capture_output=True, text=True, timeout=300, check=False)
        return Run(proc.returncode, proc.stdout + proc.stderr, parse_outputs(outputs.read_text(encoding="utf-8")),
                   summary.read_text(encoding="utf-8"), workspace / "auditor-report")

    return run


# -- a normal run ----------------------------------------------------------------------------


def test_default_run_writes_reports_summary_and_outputs(workspace, run_action):
    r = run_action(workspace)
    assert r.code == 0, r.log
    assert sorted(p.name for p in r.report_dir.iterdir()) == ["audit.json", "audit.md"]
    data = json.loads((r.report_dir / "audit.json").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "auditor" / "schema" / "result.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert set(r.outputs) == set(OUTPUT_NAMES)
    assert r.outputs["score"] == f"{data['overall_score']:.2f}"
    assert r.outputs["maturity-level"] == str(data["maturity"]["level"])
    assert r.outputs["report-path"] == str(r.report_dir / "audit.md")
    assert r.outputs["report-dir"] == str(r.report_dir)
    assert r.outputs["sarif-path"] == "" and r.outputs["gate"] == "passed"
    # The summary is the Markdown report itself, untrimmed at this size.
    markdown = (r.report_dir / "audit.md").read_text(encoding="utf-8")
    assert r.summary == markdown
    assert "## Executive Summary" in r.summary and "Immediate Recommendations" in r.summary
    assert "Report trimmed" not in r.summary
    assert not (workspace / ".auditor-report").exists()


def test_trimmed_summary_keeps_the_essentials_and_names_the_artifact(workspace, run_action):
    r = run_action(workspace, artifact_name="process-audit-42", extra_env={"INPUT_SUMMARY_LIMIT": "20000"})
    assert r.code == 0, r.log
    assert len(r.summary.encode("utf-8")) <= 20_000
    assert "## Executive Summary" in r.summary and "Immediate Recommendations" in r.summary
    assert "Report trimmed" in r.summary and "`process-audit-42`" in r.summary
    full = (r.report_dir / "audit.md").read_text(encoding="utf-8")
    assert r.summary.count("\n## ") < full.count("\n## ")
    # The executive summary and scorecard come first, then the recommendations.
    assert r.summary.index("## Executive Summary") < r.summary.index("Immediate Recommendations")


def test_sarif_and_every_format_when_requested(workspace, run_action):
    r = run_action(workspace, sarif="true", formats="markdown, json html,codequality")
    assert r.code == 0, r.log
    assert sorted(p.name for p in r.report_dir.iterdir()) == [
        "audit.html", "audit.json", "audit.md", "audit.sarif", "gl-code-quality-report.json"]
    assert r.outputs["sarif-path"] == str(r.report_dir / "audit.sarif")
    assert r.outputs["codequality-path"] == str(r.report_dir / "gl-code-quality-report.json")
    sarif = json.loads((r.report_dir / "audit.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]


def test_a_rerun_in_the_same_workspace_leaves_no_stale_report_files(workspace, run_action):
    assert run_action(workspace, sarif="true").code == 0
    r = run_action(workspace, formats="json")
    assert r.code == 0, r.log
    assert sorted(p.name for p in r.report_dir.iterdir()) == ["audit.json"]
    assert r.outputs["report-path"] == str(r.report_dir / "audit.json")
    # Without a Markdown file the summary is rendered on its own.
    assert "## Executive Summary" in r.summary


def test_job_summary_can_be_turned_off(workspace, run_action):
    r = run_action(workspace, job_summary="false")
    assert r.code == 0, r.log
    assert r.summary == ""


# -- gates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fail_under,code,gate", [("0.5", 0, "passed"), ("4.5", 1, "failed")])
def test_fail_under(workspace, run_action, fail_under, code, gate):
    r = run_action(workspace, fail_under=fail_under)
    assert r.code == code, r.log
    assert r.outputs["gate"] == gate
    # Everything is written before a failed gate exits, so the workflow can still upload it.
    assert (r.report_dir / "audit.md").exists() and r.summary
    if code:
        assert re.search(r"^::error title=auditor::gate failed: overall score \d\.\d\d is below", r.log, re.MULTILINE), r.log
    else:
        assert "::error" not in r.log


def test_min_area_gate(workspace, run_action):
    r = run_action(workspace, min_area="review=4, testing=0")
    assert r.code == 1, r.log
    assert "review scores" in r.log and "testing scores" not in r.log


def test_baseline_comparison_and_regression_gate(workspace, run_action, tmp_path):
    first = run_action(workspace)
    assert first.code == 0, first.log
    baseline = workspace / "auditor-baseline" / "audit.json"
    baseline.parent.mkdir()
    baseline.write_text((first.report_dir / "audit.json").read_text(encoding="utf-8"), encoding="utf-8")

    same = run_action(workspace, baseline="auditor-baseline/audit.json", fail_on_regression="true")
    assert same.code == 0, same.log
    assert "Changes since" in same.summary and "No area moved" in same.summary

    data = json.loads(baseline.read_text(encoding="utf-8"))
    review = next(a for a in data["areas"] if a["id"] == "review")
    review["score"] = 5.0
    baseline.write_text(json.dumps(data), encoding="utf-8")
    worse = run_action(workspace, baseline="auditor-baseline/audit.json", fail_on_regression="true")
    assert worse.code == 1, worse.log
    assert "regression since the baseline: review 5.0→" in worse.log
    assert worse.outputs["gate"] == "failed"
    # Without fail-on-regression the comparison is reported but does not gate.
    report_only = run_action(workspace, baseline="auditor-baseline/audit.json")
    assert report_only.code == 0, report_only.log
    assert "⬇️" in report_only.summary


def test_a_missing_baseline_is_a_first_run(workspace, run_action):
    r = run_action(workspace, baseline="auditor-baseline/audit.json", fail_on_regression="true")
    assert r.code == 0, r.log
    assert "::notice title=auditor::no baseline at auditor-baseline/audit.json" in r.log
    assert "Changes since" not in r.summary


# -- configuration -----------------------------------------------------------------------------


def test_config_input_is_read_and_the_inputs_override_its_gates(workspace, run_action, tmp_path):
    config = tmp_path / "team-auditor.toml"
    config.write_text('fail_under = 4.5\n\n[[waivers]]\nrule = "REV001"\nreason = "reviews happen on calls"\n',
                      encoding="utf-8")
    gated = run_action(workspace, config=str(config), sarif="true")
    assert gated.code == 1, gated.log
    assert "below --fail-under 4.5" in gated.log
    sarif = json.loads((gated.report_dir / "audit.sarif").read_text(encoding="utf-8"))
    assert "REV001" not in {r["ruleId"] for r in sarif["runs"][0]["results"]}   # waived: not an alert
    overridden = run_action(workspace, config=str(config), fail_under="0.5")
    assert overridden.code == 0, overridden.log


def test_a_configuration_in_the_repository_is_discovered(workspace, run_action):
    (workspace / ".auditor.toml").write_text("fail_under = 4.5\n", encoding="utf-8")
    r = run_action(workspace)
    assert r.code == 1, r.log
    assert "below --fail-under 4.5" in r.log


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("inputs,message", [
    ({"formats": "markdown,pdf"}, "unknown format 'pdf'"),
    ({"job_summary": "maybe"}, "INPUT_JOB_SUMMARY expects true or false"),
    ({"fail_under": "7"}, "INPUT_FAIL_UNDER expects a score from 0 to 5"),
    ({"fail_under": "high"}, "INPUT_FAIL_UNDER expects a score from 0 to 5"),
    ({"min_area": "bogus=3"}, "INPUT_MIN_AREA expects AREA=SCORE"),
    ({"config": "missing.toml"}, "missing.toml: --config: no such file"),
])
def test_bad_inputs_exit_2_with_one_annotation(workspace, run_action, inputs, message):
    r = run_action(workspace, **inputs)
    assert r.code == 2, r.log
    errors = [ln for ln in r.log.splitlines() if ln.startswith("::error")]
    assert len(errors) == 1 and message in errors[0], r.log
    assert "Traceback" not in r.log


def test_invalid_baseline_exits_2(workspace, run_action):
    (workspace / "old.json").write_text("{not json", encoding="utf-8")
    r = run_action(workspace, baseline="old.json")
    assert r.code == 2, r.log
    assert "is not JSON" in r.log


def test_not_a_repository_exits_3(tmp_path, run_action):
    empty = tmp_path / "not-a-repo"
    empty.mkdir()
    r = run_action(empty)
    assert r.code == 3, r.log
    assert r.outputs == {}


# -- hostile inputs and repositories ----------------------------------------------------------


def test_inputs_are_data_not_shell(workspace, run_action, tmp_path):
    marker = tmp_path / "pwned"
    r = run_action(workspace, path=f"$(touch {marker})", artifact_name=f'"; touch {marker}; echo "')
    assert r.code == 3, r.log          # the path is taken literally, and does not exist
    assert not marker.exists()


def test_repository_strings_cannot_issue_workflow_commands(tmp_path, run_action):
    repo = build(ROOT / "fixtures" / "seed003.yaml", tmp_path / "x::warning::injected")
    r = run_action(repo)
    assert r.code == 0, r.log
    assert "::warning::injected" not in r.log
    for line in r.log.splitlines():
        assert not line.startswith("::") or line.startswith(("::error title=auditor::", "::notice title=auditor::",
                                                             "::warning title=auditor::")), line


# -- the trimming itself -----------------------------------------------------------------------


def test_trim_cuts_only_at_section_boundaries(audited):
    full = audited("seed003").markdown[0]
    parts = split_sections(full)
    assert "\n".join(parts) == full
    assert parts[1].startswith("## Executive Summary")
    # An area's HTML anchor stays with its heading.
    assert all(p.startswith("## ") or (p.startswith("<a id=") and p.count("\n") > 1 and "\n## " in p)
               for p in parts[1:])
    assert trim_markdown(full, limit=len(full.encode()) + 10) == full
    for limit in (1_000, 5_000, 12_000, 30_000, 60_000, len(full.encode()) - 1):
        out = trim_markdown(full, limit=limit, artifact_hint="the-artifact")
        assert len(out.encode("utf-8")) <= limit, limit
        assert "Report trimmed" in out and "`the-artifact`" in out
        if limit >= 12_000:
            body = out[: out.rindex("\n---\n\n> **Report trimmed:**")]
            for chunk in split_sections(body):
                assert chunk.strip("\n") in full, chunk[:80]
            assert "## Executive Summary" in body and "## Summary: Workflow Clarity" in body
