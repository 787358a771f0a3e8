"""The GitHub Action, the example workflows, the GitLab component and the pre-commit hooks.

Each file is validated against the published schema that ``check-jsonschema`` ships
(``vendor.github-actions``, ``vendor.github-workflows``, ``vendor.gitlab-ci``: SchemaStore's
and GitLab's own), offline. Beyond the schemas, the rules a reviewer would check by hand:
inputs never interpolated into a shell script, every third-party action pinned to a full
commit SHA, and the action's inputs, environment and outputs wired to what
``auditor.action`` reads and writes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.scenario_support import ROOT

ACTION = ROOT / "action.yml"
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))
GITLAB = ROOT / "templates" / "gitlab" / "auditor.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
DOCS = ROOT / "docs" / "ci.md"

SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")
# The example workflows' one unpinned reference: the placeholder for wherever the action is published.
PLACEHOLDER = re.compile(r"^(?:auditor-dev/auditor@v1|\./)$")


def _check_jsonschema(schema: str, *files: Path, transform: str | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema]
    if transform:
        cmd += ["--data-transform", transform]
    return subprocess.run([*cmd, *map(str, files)], capture_output=True, text=True, timeout=120, check=False)


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _steps(doc: dict) -> list[dict]:
    if "runs" in doc:
        return list(doc["runs"].get("steps") or [])
    return [s for job in (doc.get("jobs") or {}).values() for s in (job.get("steps") or [])]


# -- schemas ---------------------------------------------------------------------------------


def test_action_validates_against_the_github_actions_schema():
    proc = _check_jsonschema("vendor.github-actions", ACTION)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_examples_validate_against_the_github_workflows_schema():
    assert {p.name for p in EXAMPLES} >= {"weekly-audit.yml", "pull-request-audit.yml"}
    proc = _check_jsonschema("vendor.github-workflows", *EXAMPLES)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_gitlab_component_validates_against_the_gitlab_ci_schema(tmp_path):
    # A component is two YAML documents (the spec header, then the jobs); the schema takes one at a time.
    docs = list(yaml.safe_load_all(GITLAB.read_text(encoding="utf-8")))
    assert len(docs) == 2, "a CI/CD component is `spec:` + `---` + the configuration"
    files = []
    for i, doc in enumerate(docs):
        path = tmp_path / f"doc{i}.yml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        files.append(path)
    proc = _check_jsonschema("vendor.gitlab-ci", *files, transform="gitlab-ci")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_schema_checks_are_live(tmp_path):
    """A broken file fails each schema (so a pass above means something)."""
    bad_action = tmp_path / "action.yml"
    bad_action.write_text("name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n")
    assert _check_jsonschema("vendor.github-actions", bad_action).returncode != 0   # composite run needs shell
    bad_workflow = tmp_path / "wf.yml"
    bad_workflow.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    assert _check_jsonschema("vendor.github-workflows", bad_workflow).returncode != 0
    bad_gitlab = tmp_path / "gl.yml"
    bad_gitlab.write_text("job:\n  script: [x]\n  artifacts:\n    expose_as: 3\n")
    assert _check_jsonschema("vendor.gitlab-ci", bad_gitlab).returncode != 0


# -- the action ------------------------------------------------------------------------------


def _action() -> dict:
    return _load(ACTION)


def test_inputs_never_reach_a_shell_script_by_interpolation():
    for path in [ACTION, *EXAMPLES]:
        for step in _steps(_load(path)):
            script = step.get("run")
            if script is None:
                continue
            assert "${{" not in script, f"{path.name}: step {step.get('name')!r} interpolates an expression " \
                                        "into its script; pass it through env: instead"


def test_every_action_reference_is_pinned_to_a_full_commit_sha():
    for path in [ACTION, *EXAMPLES]:
        for step in _steps(_load(path)):
            ref = step.get("uses")
            if ref is None:
                continue
            if path != ACTION and PLACEHOLDER.match(ref):
                continue
            assert SHA_PIN.match(ref), f"{path.name}: {ref!r} is not pinned to a full commit SHA"
        # The release each SHA stands for is written next to it, for the humans who update it.
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"uses:\s*\S+@[0-9a-f]{40}", line):
                assert re.search(r"#\s*v\d+\.\d+\.\d+", line), f"{path.name}: no version comment: {line.strip()}"


def test_the_pinned_shas_are_the_documented_releases():
    text = ACTION.read_text(encoding="utf-8")
    assert "actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b # v5.3.0" in text
    assert "actions/upload-artifact@b4b15b8c7c6ac21ea08fcf65892d2ee8f75cf882 # v4.4.3" in text
    assert "github/codeql-action/upload-sarif@48ab28a6f5dbc2a99bf1e0131198dd8f1df78169 # v3.28.0" in text


def test_action_inputs_are_the_documented_ones_with_their_defaults():
    inputs = _action()["inputs"]
    assert {k: v.get("default") for k, v in inputs.items()} == {
        "path": ".", "formats": "markdown,json", "fail-under": "", "min-area": "", "config": "",
        "job-summary": "true", "sarif": "false", "artifact-name": "auditor-report", "baseline": "",
        "fail-on-regression": "false", "python-version": "3.12",
    }
    for name, spec in inputs.items():
        assert spec.get("description"), name
        assert re.fullmatch(r"[a-z]+(?:-[a-z]+)*", name), f"input {name!r} is not kebab-case"


def test_every_input_reaches_auditor_action_through_env():
    from auditor import action

    steps = {s.get("id"): s for s in _steps(_action())}
    env = steps["audit"]["env"]
    for name in _action()["inputs"]:
        if name == "python-version":
            continue
        var = "INPUT_" + name.upper().replace("-", "_")
        assert env.get(var) == f"${{{{ inputs.{name} }}}}", f"{var} should carry inputs.{name}"
    source = Path(action.__file__).read_text(encoding="utf-8")
    for var in env:
        if var.startswith("INPUT_"):
            assert f'"{var}"' in source, f"auditor.action does not read {var}"


def test_action_outputs_come_from_the_audit_step():
    from auditor.action import OUTPUT_NAMES

    for name, spec in _action()["outputs"].items():
        m = re.fullmatch(r"\$\{\{ steps\.audit\.outputs\.([a-z-]+) \}\}", spec["value"])
        assert m and m.group(1) in OUTPUT_NAMES, name
    assert {"score", "maturity-level", "report-path"} <= set(_action()["outputs"])


def test_action_steps_isolate_python_and_upload_even_after_a_failed_gate():
    steps = _steps(_action())
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["update-environment"] is False, "the caller's Python must stay untouched"
    install = next(s for s in steps if s.get("id") == "install")
    assert "runner.temp" in install["env"]["AUDITOR_VENV"]
    assert '"$AUDITOR_ACTION_PATH"' in install["run"] and "pip install" in install["run"]
    for s in steps:
        if "run" in s:
            assert s.get("shell") == "bash", s.get("name")
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "${{ github.workspace }}/auditor-report/"
    assert "!cancelled()" in upload["if"]
    sarif = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert "steps.audit.outputs.sarif-path" in sarif["if"] and "!cancelled()" in sarif["if"]


# -- the example workflows -------------------------------------------------------------------


def test_weekly_example_runs_on_a_schedule_with_full_history_and_a_cached_baseline():
    doc = _load(ROOT / "examples" / "weekly-audit.yml")
    on = doc.get("on", doc.get(True))   # YAML 1.1 reads a bare `on` as true
    assert "schedule" in on and "workflow_dispatch" in on
    steps = _steps(doc)
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    restore = next(s for s in steps if s.get("uses", "").startswith("actions/cache/restore@"))
    save = next(s for s in steps if s.get("uses", "").startswith("actions/cache/save@"))
    assert restore["with"]["path"] == save["with"]["path"]   # the cache version includes the path
    assert "github.ref_name" in restore["with"]["key"]
    audit = next(s for s in steps if PLACEHOLDER.match(s.get("uses", "")))
    assert audit["with"]["baseline"] == restore["with"]["path"]


def test_pull_request_example_gates_on_regression_with_read_only_permissions():
    doc = _load(ROOT / "examples" / "pull-request-audit.yml")
    on = doc.get("on", doc.get(True))
    assert "pull_request" in on
    assert doc["permissions"] == {"contents": "read"}
    steps = _steps(doc)
    assert next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))["with"]["fetch-depth"] == 0
    restore = next(s for s in steps if s.get("uses", "").startswith("actions/cache/restore@"))
    assert "github.base_ref" in restore["with"]["restore-keys"]
    assert not any(s.get("uses", "").startswith("actions/cache/save@") for s in steps)
    audit = next(s for s in steps if PLACEHOLDER.match(s.get("uses", "")))
    assert audit["with"]["fail-on-regression"] is True
    assert audit["with"]["baseline"] == restore["with"]["path"]


# -- the GitLab component --------------------------------------------------------------------


def test_gitlab_component_inputs_rules_and_reports():
    spec, config = yaml.safe_load_all(GITLAB.read_text(encoding="utf-8"))
    assert {"stage", "path", "fail-under", "formats"} <= set(spec["spec"]["inputs"])
    (job,) = config.values()
    assert job["stage"] == "$[[ inputs.stage ]]"
    conditions = " ".join(r["if"] for r in job["rules"])
    assert "schedule" in conditions and "merge_request_event" in conditions
    assert job["variables"]["GIT_DEPTH"] == "0"
    assert job["artifacts"]["expose_as"] == "Process audit"
    assert job["artifacts"]["reports"]["codequality"].endswith("gl-code-quality-report.json")
    assert "codequality" in job["variables"]["INPUT_FORMATS"]
    for key in ("script", "before_script"):
        for line in job.get(key, []):
            assert "$[[" not in line, f"{key} interpolates an input; pass it through variables: instead"
    regex = re.compile(spec["spec"]["inputs"]["fail-under"]["regex"])
    assert all(regex.fullmatch(v) for v in ("", "2", "2.5", "5", "0.75"))
    assert not any(regex.fullmatch(v) for v in ("6", "-1", "2;rm", "abc"))


def test_gitlab_artifact_paths_match_what_auditor_action_writes():
    from auditor.render import FILE_NAMES

    _, config = yaml.safe_load_all(GITLAB.read_text(encoding="utf-8"))
    (job,) = config.values()
    out = job["variables"]["INPUT_OUTPUT_DIR"]
    assert job["artifacts"]["reports"]["codequality"] == f"{out}/{FILE_NAMES['codequality']}"
    assert job["artifacts"]["paths"] == [f"{out}/"]


# -- pre-commit ------------------------------------------------------------------------------


def test_pre_commit_hooks_are_well_formed():
    hooks = _load(HOOKS)
    ids = [h["id"] for h in hooks]
    assert "auditor" in ids and len(ids) == len(set(ids))
    for h in hooks:
        assert {"id", "name", "entry", "language"} <= set(h), h
        assert h["language"] == "python" and h["pass_filenames"] is False and h["always_run"] is True
        assert set(h["stages"]) <= {"pre-push", "manual"}, "an audit of the whole history is too slow per commit"
        assert h["entry"].startswith("auditor audit ")
    gate = next(h for h in hooks if h["id"] == "auditor")
    assert "pre-push" in gate["stages"]


def test_pre_commit_manifest_passes_pre_commits_own_validation():
    clientlib = pytest.importorskip("pre_commit.clientlib", reason="pre-commit is not installed")
    hooks = clientlib.load_manifest(str(HOOKS))
    assert {h["id"] for h in hooks} == {"auditor", "auditor-report"}


@pytest.mark.parametrize("hook_id,args,code", [
    ("auditor", ["--fail-under", "0"], 0),
    ("auditor", ["--fail-under", "5"], 1),
    ("auditor-report", ["--fail-under", "5"], 0),
])
def test_pre_commit_entries_run_as_pre_commit_would(hook_id, args, code, tmp_path, monkeypatch, git_env):
    """pre-commit runs ``entry + args`` in the repository root, with no file names."""
    from auditor.cli import main
    from auditor.fixture import build

    repo = build(ROOT / "fixtures" / "seed003.yaml", tmp_path / "repo")
    monkeypatch.chdir(repo)
    hook = next(h for h in _load(HOOKS) if h["id"] == hook_id)
    argv = hook["entry"].split()[1:] + args
    result = CliRunner().invoke(main, argv, catch_exceptions=False)
    assert result.exit_code == code, result.output
    if hook_id == "auditor-report":
        assert (repo / ".auditor-report.md").read_text(encoding="utf-8").startswith("# ")
    else:
        assert "Maturity" in result.stdout


# -- the docs ---------------------------------------------------------------------------------


def test_docs_yaml_snippets_parse_and_pin_their_actions():
    text = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"```ya?ml\n(.*?)```", text, flags=re.DOTALL)
    assert blocks
    for block in blocks:
        for doc in yaml.safe_load_all(block):
            assert doc is not None
        for ref in re.findall(r"uses:\s*(\S+)", block):
            assert SHA_PIN.match(ref) or PLACEHOLDER.match(ref), ref
