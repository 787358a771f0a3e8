"""Property tests: every parser of repository content is total, typed and bounded.

The audited repository is hostile (docs/security.md). For every parser that reads
its contents or its file names, any input must give either a typed result or a
typed rejection *recorded* in the facts (``rejected``), and nothing else: no other
exception escapes, nothing is read outside the given tree, and no input makes a
parser run for long. Hypothesis generates the inputs: arbitrary text and bytes,
arbitrary YAML/JSON/TOML/XML structures rendered to text, real configurations
mutated, and arbitrary paths (``..``, absolute, control characters, undecodable
bytes through ``surrogateescape``).

Sizes are bounded so each example runs in milliseconds; ``deadline`` is generous
(2 s) for a noisy 2-core machine. Inputs that make a parser super-linear are not
found by small random examples, so they are listed explicitly at the end
(``test_pathological_input_is_read_quickly``): each runs under a hard time limit.

Known bugs are strict xfails whose ``reason`` names the cause and the fix; remove
the mark when the fix lands. Set ``AUDITOR_PROPERTY_EXAMPLES`` to run more examples.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import signal
import unicodedata
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from auditor import yamlsafe
from auditor.facts import catalog, ci, manifests, tasks
from auditor.facts.ci import STAGES, SYSTEMS, TRIGGERS, CiFacts, CiPipeline, CiStep, collect_ci
from auditor.facts.manifests import (
    ECOSYSTEMS,
    Dependency,
    Manifest,
    ManifestFacts,
    collect_manifests,
)
from auditor.facts.tasks import RUNNERS, Task, TaskFacts, collect_tasks
from auditor.facts.tree import BINARY_SNIFF, FileTree, decode_path
from auditor.fixture import SpecError, fast_import_stream
from auditor.gitio import GitError, Workspace, _is_within, discover
from auditor.render import escape

EXAMPLES = int(os.environ.get("AUDITOR_PROPERTY_EXAMPLES", "60"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


# -- shared strategies ----------------------------------------------------------------------------

#: Arbitrary file contents: any text (no lone surrogates: a file is bytes), or any bytes
#: (invalid UTF-8, NULs, a BOM), as a repository can hold.
TEXT = st.text(max_size=300)
CONTENT = st.one_of(TEXT, st.binary(max_size=300), TEXT.map(lambda t: "\ufeff" + t))

#: Words the readers look for, so generated structures reach deep into them.
CI_WORDS = (
    "on", "jobs", "steps", "run", "uses", "name", "environment", "permissions", "stages", "stage",
    "script", "before_script", "include", "local", "remote", "template", "component", "project",
    "file", "extends", "trigger", "rules", "if", "when", "only", "workflow", "workflows",
    "pipelines", "default", "branches", "tags", "pull-requests", "custom", "step", "parallel",
    "deployment", "commands", "command", "image", "plugins", "label", "key", "block", "input",
    "args", "entrypoint", "id", "task", "inputs", "displayName", "job", "strategy", "runOnce",
    "deploy", "pr", "schedules", "matrix", "provider", "build", "test_script", "build_script",
    "deploy_script", "cmd", "kind", "pipeline", "type", "filters", "triggers", "schedule", "cron",
    "event", "push", "pull_request", "workflow_dispatch", "spec", "services", "variables", "pipe",
    "skip_non_tags", "version", "orbs", "checkout", "steps", "group", "refs", "merge_requests",
)
COMMANDS = (
    "npm test", "pytest tests/e2e", "make deploy", "docker build -t x .", "kubectl apply -f k8s/",
    "./scripts/release.sh", "mvn -B verify", "gradle test", "ruff check .", "npm run lint && tsc",
    "$CI_PIPELINE_SOURCE == 'schedule'", "$CI_COMMIT_TAG", "actions/checkout@v4",
    "./.github/workflows/x.yml", "docker://alpine", "ci/a.yml", "/ci/*.yml", "../../../etc/passwd",
    "ci/**", "https://example.org/x.yml", "production", "read-all", "write-all", "none", "manual",
    "never", "approval", "merge_request_event", "cron: 0 0 * * *", "::error::x", "sh 'make test'",
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=True),
    st.text(max_size=30), st.sampled_from(CI_WORDS + COMMANDS),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
)
KEYS = st.one_of(st.sampled_from(CI_WORDS), st.text(max_size=12), st.integers(-5, 5), st.booleans(), st.none())
YAML_DATA = st.recursive(
    SCALARS,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(KEYS, kids, max_size=5),
    max_leaves=30,
)
#: A document shaped like a CI file: a mapping whose keys are CI words.
CI_DOC = st.dictionaries(st.sampled_from(CI_WORDS), YAML_DATA, max_size=6)


def dump_yaml(docs: list) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True)


#: YAML text: generated structures (one or several documents), or arbitrary text.
YAML_TEXT = st.one_of(
    st.lists(st.one_of(CI_DOC, YAML_DATA), min_size=1, max_size=3).map(dump_yaml),
    TEXT,
    CONTENT,
)

#: Fragments that are meaningful to YAML, inserted into real files to mutate them.
YAML_INSERTS = (
    ":", "- ", "  ", "\n", "[", "]", "{", "}", "&a ", "*a", "<<: *a\n", "!!python/object/apply:os.system ['id']",
    "!reference [.x, y]", "!Ref x", "'", '"', "#", "|\n", ">-\n", "---\n", "...\n", "~", "null", "on", "true",
    "0x1F", "? ", "%YAML 1.2\n---\n", "\t", "\ufeff", "\x00", "\u202e", "jobs: 1\n", "steps: {}\n", "sh '",
    "stage('x') {", "'''", "\\", "${{ x }}",
)


def _samples() -> list[tuple[str, str]]:
    """Real CI files: the examples the CI fact tests use."""
    from tests import test_facts_ci as t

    found = [(".github/workflows/ci.yml", t.GITHUB_CI), (".gitlab-ci.yml", t.GITLAB_CI),
             ("ci/deploy.yml", t.GITLAB_DEPLOY), ("Jenkinsfile", t.JENKINSFILE), (".circleci/config.yml", t.CIRCLECI)]
    for mark in getattr(t.test_other_ci_systems, "pytestmark", []):
        if mark.name == "parametrize":
            found += [(case[0], case[1]) for case in mark.args[1]]
    return found


SAMPLES = _samples()


@st.composite
def mutated(draw, samples=SAMPLES, inserts=YAML_INSERTS) -> tuple[str, str]:
    """A real file, then one to four edits: delete, insert, duplicate or replace a span, re-indent a line."""
    path, text = draw(st.sampled_from(samples))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 40)))
        op = draw(st.sampled_from(("delete", "insert", "duplicate", "replace", "indent")))
        piece = draw(st.one_of(st.sampled_from(inserts), st.text(max_size=12)))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + piece + text[i:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        elif op == "replace":
            text = text[:i] + piece + text[j:]
        else:
            start = text.rfind("\n", 0, i) + 1
            text = text[:start] + draw(st.sampled_from(("", " ", "  ", "\t", "-"))) + text[start:].lstrip(" ")
    return path, text


def _lines_of(content: str | bytes) -> int:
    data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    return data.count(b"\n") + 1


def _one_line(reason: object) -> bool:
    return isinstance(reason, str) and bool(reason) and "\n" not in reason and "\r" not in reason


# -- CI configuration -----------------------------------------------------------------------------

CI_PATHS = (
    ".github/workflows/ci.yml", ".github/workflows/release.yaml", ".gitlab-ci.yml", ".circleci/config.yml",
    "Jenkinsfile", "services/api/Jenkinsfile", "azure-pipelines.yml", ".azure-pipelines/ci.yml", ".travis.yml",
    "bitbucket-pipelines.yml", ".drone.yml", ".buildkite/pipeline.yml", "cloudbuild.yaml", "deploy/cloudbuild.yml",
    ".woodpecker.yml", ".woodpecker/lint.yml", "appveyor.yml", ".appveyor.yml",
)
#: Files beside the pipelines: GitLab includes, config-only platforms, content-sniffed manifests.
CI_NEIGHBOURS = (
    "ci/a.yml", "ci/b.yml", "ci/deploy.yml", "templates/x.yml", "package.json", "web/package.json", "app.yaml",
    "k8s/deploy.yaml", "template.json", "vercel.json", "Dockerfile", ".pre-commit-config.yaml",
    "node_modules/x/.gitlab-ci.yml", "fixtures/.github/workflows/ci.yml",
)


def check_ci(files: dict[str, str | bytes], facts: CiFacts) -> None:
    """A typed CiFacts: every CI file is read or rejected with a one-line reason, every value in range."""
    assert isinstance(facts, CiFacts)
    ci_files = {p for p in files if ci._ci_system(p)}
    read = {p.path for p in facts.pipelines}
    rejected = {path for path, _ in facts.rejected}
    assert ci_files <= read | rejected, ci_files - read - rejected
    for path, reason in facts.rejected:
        assert path in files, path
        assert _one_line(reason), (path, reason)
    for p in facts.pipelines:
        assert isinstance(p, CiPipeline)
        assert p.path in files and p.system in SYSTEMS
        assert set(p.triggers) <= set(TRIGGERS), p.triggers
        assert isinstance(p.name, str) and all(isinstance(j, str) for j in p.jobs)
        assert len(p.jobs) <= ci.MAX_JOBS_PER_FILE
        assert p.permissions is None or isinstance(p.permissions, str)
        assert p.problem is None or isinstance(p.problem, str)
        lines = _lines_of(files[p.path])
        for step in p.steps:
            assert isinstance(step, CiStep)
            assert step.stages and step.stages <= set(STAGES), step.stages
            assert isinstance(step.text, str) and len(step.text) <= ci.MAX_TEXT
            assert step.line is None or 1 <= step.line <= lines, (step.line, lines)
        for action in p.actions:
            assert action.path == p.path and isinstance(action.uses, str)
            assert action.line is None or 1 <= action.line <= lines
    for refs in (facts.deploy_platforms, facts.dependency_bots, facts.precommit, facts.iac):
        for ref in refs:
            assert isinstance(ref.kind, str) and isinstance(ref.path, str)
    facts.stage_map()  # derived views work on whatever was read


def _safety_net(facts: CiFacts) -> list[tuple[str, str]]:
    """Files a reader lost to an exception it did not foresee (``_read_guarded``'s last resort)."""
    return [(p, r) for p, r in facts.rejected if r.startswith("could not be read (")]


@PROPERTY
@given(st.dictionaries(st.sampled_from(CI_PATHS + CI_NEIGHBOURS), CONTENT, min_size=1, max_size=4))
def test_ci_on_arbitrary_text_and_bytes(files):
    check_ci(files, collect_ci(FileTree.from_mapping(files)))


@PROPERTY
@given(st.dictionaries(st.sampled_from(CI_PATHS + CI_NEIGHBOURS[:4]), YAML_TEXT, min_size=1, max_size=4))
def test_ci_on_arbitrary_yaml_structures(files):
    facts = collect_ci(FileTree.from_mapping(files))
    check_ci(files, facts)
    # Every reader expects any shape: none falls back on the generic "could not be read (XError)".
    assert not _safety_net(facts), _safety_net(facts)


@PROPERTY
@given(mutated(), st.dictionaries(st.sampled_from(CI_NEIGHBOURS[:4]), YAML_TEXT, max_size=2))
def test_ci_on_mutated_real_configurations(sample, neighbours):
    path, text = sample
    files = {**neighbours, path: text}
    facts = collect_ci(FileTree.from_mapping(files))
    check_ci(files, facts)
    assert not _safety_net(facts), _safety_net(facts)


@PROPERTY
@given(st.lists(st.sampled_from(["ci/a.yml", "ci/b.yml", "/ci/*.yml", "ci/**", "../x.yml", ".gitlab-ci.yml",
                                 "", ".", "/", "*", "[", "ci/a.yml/.."]), max_size=5),
       st.dictionaries(st.sampled_from(["ci/a.yml", "ci/b.yml"]), st.lists(st.sampled_from(["ci/a.yml", "ci/b.yml",
                       ".gitlab-ci.yml", "/ci/*.yml"]), max_size=3), max_size=2))
def test_gitlab_includes_stay_in_the_tree_and_terminate(root_includes, nested):
    """Local includes (cycles, globs, ``..``, the root itself) are read at most once each, only from the tree."""
    files = {".gitlab-ci.yml": dump_yaml([{"include": root_includes, "a": {"script": ["make test"]}}])}
    for path, includes in nested.items():
        files[path] = dump_yaml([{"include": [{"local": i} for i in includes], "b": {"script": "make lint"}}])
    facts = collect_ci(FileTree.from_mapping(files))
    check_ci(files, facts)
    assert len({p.path for p in facts.pipelines}) == len(facts.pipelines)


# -- manifests ------------------------------------------------------------------------------------

MANIFEST_WORDS = (
    "name", "version", "dependencies", "devDependencies", "peerDependencies", "optionalDependencies",
    "scripts", "workspaces", "packages", "require", "require-dev", "project", "optional-dependencies",
    "dependency-groups", "tool", "poetry", "group", "dev-dependencies", "uv", "pdm", "package", "workspace",
    "target", "dev-dependencies", "build-dependencies", "libraries", "module", "git", "path", "php",
    "ext-json", "react", "@scope/pkg", "pytest>=8", "requests[security]==2.0; python_version<'3.12'",
    "-e .", "git+https://x/y.git", "./local.whl", "python", "main", "test", "docs", "*", "^1.0",
)
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20), st.sampled_from(MANIFEST_WORDS),
)
JSON_KEYS = st.one_of(st.text(max_size=12), st.sampled_from(MANIFEST_WORDS))
JSON_DATA = st.recursive(
    JSON_SCALARS,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(JSON_KEYS, kids, max_size=5),
    max_leaves=30,
)
JSON_OBJECT = st.dictionaries(st.sampled_from(MANIFEST_WORDS), JSON_DATA, max_size=6)


def toml_value(value: object) -> str:
    """A TOML rendering of JSON-like data (null, which TOML lacks, becomes an empty string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return '""'


def to_toml(data: dict) -> str:
    lines: list[str] = []
    tables: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append(f"\n[{json.dumps(key)}]")
            for k, v in value.items():
                if isinstance(v, dict):
                    tables.append(f"\n[{json.dumps(key)}.{json.dumps(k)}]")
                    tables += [f"{json.dumps(k2)} = {toml_value(v2)}" for k2, v2 in v.items()]
                    tables.append(f"\n[{json.dumps(key)}]")
                else:
                    tables.append(f"{json.dumps(k)} = {toml_value(v)}")
        else:
            lines.append(f"{json.dumps(key)} = {toml_value(value)}")
    return "\n".join(lines + tables) + "\n"


XML_TAGS = ("project", "dependencies", "dependency", "groupId", "artifactId", "version", "scope", "parent",
            "build", "plugins", "plugin", "modules", "module", "x")
XML_TREE = st.recursive(
    st.one_of(st.text(max_size=10), st.sampled_from(("junit", "test", "org.example", "${v}"))),
    lambda kids: st.tuples(st.sampled_from(XML_TAGS), st.lists(kids, max_size=4)),
    max_leaves=25,
)


def to_xml(node: object) -> str:
    if isinstance(node, str):
        return node.replace("&", "&amp;").replace("<", "&lt;")
    tag, children = node
    return f"<{tag}>" + "".join(to_xml(c) for c in children) + f"</{tag}>"


POM = st.one_of(
    XML_TREE.map(lambda t: to_xml(("project", [t]))),
    XML_TREE.map(lambda t: '<?xml version="1.0"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">'
                 + to_xml(t) + "</project>"),
    st.sampled_from(('<!DOCTYPE x [<!ENTITY a "aaaa">]><project>&a;</project>',
                     '<!ENTITY x SYSTEM "file:///etc/passwd">', "<project>", "<a/>", "<?xml?>", "")),
)

#: Line-based manifests: lines in their grammar mixed with arbitrary text.
LINE_FRAGMENTS = (
    "gem 'rails'", 'gem "rspec", group: :test', "group :development, :test do", "end", "source 'x'",
    "gem('pg', '~> 1.0', require: false)", "  s.add_dependency 'x'", "s.add_development_dependency('y')",
    "s.name = 'g'", "module example.com/m", "require (", ")", "require golang.org/x/text v0.3.0",
    '\tgithub.com/a/b v1.2.3 // indirect', "go 1.22", "requests==2.0", "-r other.txt", "pytest \\",
    "    --hash=sha256:abc", "# comment", "flask[async]>=2 ; python_version > '3'", "-e git+https://x#egg=y",
    "implementation 'g:a:1.0'", 'testImplementation("org.junit:junit:4")', "version = '1.0'",
    "api group: 'g', name: 'n', version: '1'", "[metadata]", "name = x", "[options]", "install_requires =",
    "    requests", "[options.extras_require]", "test = pytest", "[packages]", 'flask = "*"',
)
LINES = st.lists(st.one_of(st.sampled_from(LINE_FRAGMENTS), st.text(max_size=30)), max_size=20).map("\n".join)

MANIFEST_CONTENT = {
    "package.json": st.one_of(JSON_OBJECT.map(json.dumps), JSON_DATA.map(json.dumps), CONTENT),
    "composer.json": st.one_of(JSON_OBJECT.map(json.dumps), JSON_DATA.map(json.dumps), CONTENT),
    "pyproject.toml": st.one_of(JSON_OBJECT.map(to_toml), CONTENT),
    "Cargo.toml": st.one_of(JSON_OBJECT.map(to_toml), CONTENT),
    "Pipfile": st.one_of(JSON_OBJECT.map(to_toml), LINES, CONTENT),
    "gradle/libs.versions.toml": st.one_of(JSON_OBJECT.map(to_toml), CONTENT),
    "pom.xml": st.one_of(POM, CONTENT),
    "go.mod": st.one_of(LINES, CONTENT),
    "Gemfile": st.one_of(LINES, CONTENT),
    "x.gemspec": st.one_of(LINES, CONTENT),
    "requirements.txt": st.one_of(LINES, CONTENT),
    "requirements/dev.txt": st.one_of(LINES, CONTENT),
    "setup.cfg": st.one_of(LINES, CONTENT),
    "build.gradle": st.one_of(LINES, CONTENT),
    "build.gradle.kts": st.one_of(LINES, CONTENT),
    "sub/package.json": st.one_of(JSON_OBJECT.map(json.dumps), CONTENT),
    "vendor/x/package.json": CONTENT,
}


@st.composite
def manifest_files(draw) -> dict[str, str | bytes]:
    names = draw(st.sets(st.sampled_from(sorted(MANIFEST_CONTENT)), min_size=1, max_size=4))
    files = {name: draw(MANIFEST_CONTENT[name]) for name in sorted(names)}
    for lockfile in draw(st.sets(st.sampled_from(sorted(manifests.LOCKFILE_NAMES)), max_size=2)):
        files[lockfile] = draw(CONTENT)
    return files


_NAME_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f]")


def check_manifests(files: dict[str, str | bytes], facts: ManifestFacts) -> None:
    assert isinstance(facts, ManifestFacts)
    listed = {m.path for m in facts.manifests}
    for path in files:
        if manifests._kind_of(path) and not manifests.is_vendored(path) and not path.endswith("setup.cfg"):
            assert path in listed, path  # read, or listed with the problem that stopped it
    for m in facts.manifests:
        assert isinstance(m, Manifest) and m.path in files and m.ecosystem in ECOSYSTEMS
        assert m.name is None or isinstance(m.name, str)
        assert m.version is None or isinstance(m.version, str)
        assert m.problem is None or isinstance(m.problem, str)
    for d in facts.dependencies:
        assert isinstance(d, Dependency) and d.path in files and d.ecosystem in ECOSYSTEMS
        assert isinstance(d.name, str) and d.name and not _NAME_FORBIDDEN.search(d.name), d.name
        assert isinstance(d.dev, bool)
        assert d.line is None or 1 <= d.line <= _lines_of(files[d.path]), (d, _lines_of(files[d.path]))
    for path, reason in facts.rejected:
        assert path in files, path
        assert _one_line(reason), reason
        # The typed rejection is DocumentRejected; the generic catch in collect_manifests is a last
        # resort that would mean a reader met a shape it did not expect.
        assert not reason.startswith("could not be read ("), (path, reason)
    assert set(facts.lockfiles) <= set(files)


@PROPERTY
@given(manifest_files())
def test_manifests_on_arbitrary_contents(files):
    check_manifests(files, collect_manifests(FileTree.from_mapping(files)))


@PROPERTY
@given(st.sampled_from(sorted(MANIFEST_CONTENT)), st.text(max_size=200))
def test_manifests_on_arbitrary_text(path, text):
    files = {path: text}
    check_manifests(files, collect_manifests(FileTree.from_mapping(files)))


# -- task runners ---------------------------------------------------------------------------------

TASK_FRAGMENTS = (
    "build: deps ; cc -o x x.c", "test:", "\tpytest -q", "\t@echo hi \\", "\t  more", ".PHONY: test", "x := 1",
    "test: CFLAGS += -g", "define X", "endef", "a b c: d", "%.o: %.c", "lint:\n\truff check .",
    "default:", "  just --list", "@build target='x':", "set shell := ['bash']", "alias t := test",
    "recipe arg1 *args:", "[testenv]", "commands = pytest", "[tox]", "envlist = py{311,312}-{a,b}, lint",
    "[testenv:lint]", "commands =\n    ruff check .", "env_list = py3", "@nox.session", "@session(python=['3.12'])",
    "def tests(session):", "    session.run('pytest', '-q', env={'A': 'b'})", "    session.install('.')",
    "from invoke import task", "@task", "def build_docs(c):", "    c.run('mkdocs build')", "namespace :db do",
    "task :migrate do", "  sh 'rake db:migrate'", "end", "RSpec::Core::RakeTask.new(:spec)", "task default: :spec",
    "multitask :all => [:a, :b]", "desc 'x'",
)
TASK_LINES = st.lists(st.one_of(st.sampled_from(TASK_FRAGMENTS), st.text(max_size=30)), max_size=20).map("\n".join)
SCRIPTS_JSON = st.dictionaries(st.sampled_from(("scripts", "workspaces", "name")),
                               st.one_of(st.dictionaries(st.text(max_size=10), JSON_DATA, max_size=5), JSON_DATA),
                               max_size=3)
TASK_TOML = st.fixed_dictionaries({}, optional={"tool": st.dictionaries(
    st.sampled_from(("poetry", "hatch", "pdm", "tox")),
    st.dictionaries(st.sampled_from(("scripts", "envs", "legacy_tox_ini", "env_list", "env", "env_run_base")),
                    JSON_DATA, max_size=3), max_size=3), "tasks": JSON_DATA, "envs": JSON_DATA, "env_list": JSON_DATA,
    "env": JSON_DATA})

TASK_CONTENT = {
    "Makefile": st.one_of(TASK_LINES, CONTENT),
    "GNUmakefile": st.one_of(TASK_LINES, CONTENT),
    "rules.mk": st.one_of(TASK_LINES, CONTENT),
    "justfile": st.one_of(TASK_LINES, CONTENT),
    ".justfile": st.one_of(TASK_LINES, CONTENT),
    "Taskfile.yml": st.one_of(st.dictionaries(st.sampled_from(("tasks", "version", "vars")), YAML_DATA,
                                              max_size=3).map(lambda d: dump_yaml([d])), YAML_TEXT),
    "tox.ini": st.one_of(TASK_LINES, CONTENT),
    "tox.toml": st.one_of(TASK_TOML.map(to_toml), CONTENT),
    "noxfile.py": st.one_of(TASK_LINES, CONTENT),
    "tasks.py": st.one_of(TASK_LINES.map(lambda t: "from invoke import task\n" + t), CONTENT),
    "package.json": st.one_of(SCRIPTS_JSON.map(json.dumps), CONTENT),
    "packages/a/package.json": st.one_of(SCRIPTS_JSON.map(json.dumps), CONTENT),
    "pnpm-workspace.yaml": st.one_of(st.fixed_dictionaries({"packages": YAML_DATA}).map(lambda d: dump_yaml([d])),
                                     YAML_TEXT),
    "pyproject.toml": st.one_of(TASK_TOML.map(to_toml), CONTENT),
    "hatch.toml": st.one_of(TASK_TOML.map(to_toml), CONTENT),
    "composer.json": st.one_of(SCRIPTS_JSON.map(json.dumps), CONTENT),
    "Rakefile": st.one_of(TASK_LINES, CONTENT),
    "rakelib/db.rake": st.one_of(TASK_LINES, CONTENT),
    "mise.toml": st.one_of(TASK_TOML.map(to_toml), CONTENT),
}


@st.composite
def task_files(draw) -> dict[str, str | bytes]:
    names = draw(st.sets(st.sampled_from(sorted(TASK_CONTENT)), min_size=1, max_size=4))
    return {name: draw(TASK_CONTENT[name]) for name in sorted(names)}


def check_tasks(files: dict[str, str | bytes], facts: TaskFacts) -> None:
    assert isinstance(facts, TaskFacts)
    for t in facts.tasks:
        assert isinstance(t, Task) and t.runner in RUNNERS and t.path in files
        assert isinstance(t.name, str) and t.name == t.name.strip() and 0 < len(t.name) <= 200
        assert isinstance(t.command, str) and len(t.command) <= tasks.MAX_COMMAND
        assert "\n" not in t.command, t.command
        assert t.line is None or 1 <= t.line <= _lines_of(files[t.path]), (t, _lines_of(files[t.path]))
    for path, reason in facts.rejected:
        # A rejection names the file; "(reader)" is collect_tasks's last-resort catch of an exception
        # a reader did not expect, which hides the file and every other file of that runner.
        assert path in files, (path, reason)
        assert _one_line(reason), reason


@PROPERTY
@given(task_files())
def test_tasks_on_arbitrary_contents(files):
    check_tasks(files, collect_tasks(FileTree.from_mapping(files)))


@PROPERTY
@given(st.sampled_from(sorted(TASK_CONTENT)), st.text(max_size=200))
def test_tasks_on_arbitrary_text(path, text):
    files = {path: text}
    check_tasks(files, collect_tasks(FileTree.from_mapping(files)))


# -- arbitrary paths ------------------------------------------------------------------------------

SEGMENT = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00/"),
                  min_size=1, max_size=12)
#: Paths as a hostile tree might spell them, and as git never would: ``..``, absolute, empty
#: segments, control characters, backslashes, and undecodable bytes kept by ``surrogateescape``.
PATH = st.one_of(
    st.lists(SEGMENT, min_size=1, max_size=4).map("/".join),
    st.lists(st.sampled_from(("..", ".", "", "a", ".git", "node_modules", "vendor", ".github", "workflows",
                              "ci.yml", "package.json", "pyproject.toml", "Makefile", "\x1b[31m", "\u202e",
                              "C:", "\\", "a\nb", " ")), min_size=1, max_size=5).map("/".join),
    st.sampled_from(("/etc/passwd", "../../secret.txt", "/", "..", ".", "//", "a/../../b", "./a", "a//b", "a/",
                     "C:\\Windows\\win.ini", "\\\\server\\share")),
    st.binary(min_size=1, max_size=20).filter(lambda b: b"\0" not in b).map(
        lambda b: b.decode("utf-8", "surrogateescape")),
)
KNOWN_CONFIG_PATHS = sorted(set(catalog.CONFIG_FILES) | set(catalog.SECTION_TOOLS)
                            | {"sub/" + p for p in catalog.SECTION_TOOLS} | {"a/b/c/pyproject.toml"})


@PROPERTY
@given(st.dictionaries(st.one_of(PATH, st.sampled_from(KNOWN_CONFIG_PATHS)), CONTENT, max_size=8))
def test_config_tools_on_arbitrary_path_sets(files):
    found = catalog.config_tools(FileTree.from_mapping(files))
    assert isinstance(found, list)
    for tool, path in found:
        assert isinstance(tool, catalog.Tool) and tool.category in catalog.CATEGORIES
        assert path in files
    assert found == sorted(found, key=lambda p: (catalog.CATEGORIES.index(p[0].category), p[0].name, p[1]))


@PROPERTY
@given(st.text(max_size=60), st.sampled_from(sorted(set(catalog._COLUMN) | {"", "unknown"})))
def test_catalog_classifies_any_name(name, ecosystem):
    tools = catalog.classify_all(name, ecosystem)
    assert all(isinstance(t, catalog.Tool) for t in tools)


def _glob_literal(path: str) -> str:
    """A shell pattern matching exactly ``path``."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in path)


@contextlib.contextmanager
def no_file_access():
    """Fail on any attempt to open a file (the tree reads from git objects, never from disk)."""
    refuse = mock.Mock(side_effect=AssertionError("a FileTree query opened a file"))
    with mock.patch("builtins.open", refuse), mock.patch("os.open", refuse), mock.patch("io.open", refuse):
        yield


@PROPERTY
@given(st.dictionaries(PATH, CONTENT, max_size=8), st.lists(PATH, max_size=5), st.integers(0, 400))
def test_file_tree_queries_with_arbitrary_paths(files, queries, limit):
    tree = FileTree.from_mapping(files)
    assert set(tree.paths) == set(files) and list(tree.paths) == sorted(files)
    with no_file_access():
        assert tree.glob("*", case_insensitive=False) == list(tree.paths)
        for path, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            assert path in tree and tree.exists(path) and tree.resolve(path) == path
            assert path in tree.glob(_glob_literal(path), case_insensitive=False), path
            assert path in tree.find(re.escape(path), flags=0)
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                assert tree.is_dir("/".join(parts[:i]))
                directory = "/".join(parts[:i])
                assert tree.under(directory) == [p for p in tree.paths
                                                 if p.startswith(directory.rstrip("/") + "/")]
            fresh = FileTree.from_mapping(files)
            text = fresh.read_text(path, limit)
            if len(data) > limit:
                assert text is None and fresh.unread[path].startswith("larger than")
            elif b"\0" in data[:BINARY_SNIFF]:
                assert text is None and fresh.unread[path] == "binary"
            else:
                expected = data.decode("utf-8", "replace")
                assert text == (expected[1:] if expected.startswith("\ufeff") else expected)
        for query in queries:
            found = tree.resolve(query)
            assert found is None or found in files
            if query not in files:
                assert tree.read_text(query) is None  # never looked up on disk
            for pattern in (query, query + "*", "*" + query):
                matched = tree.glob(pattern)
                assert set(matched) <= set(files) and matched == sorted(matched)
            prefix = query.rstrip("/") + "/"
            assert tree.under(query) == [p for p in tree.paths if p.startswith(prefix)]
            assert tree.first(query, *files) in (None, *files)


def test_file_tree_never_reads_the_disk_for_paths_outside_it(tmp_path, monkeypatch):
    """``..`` and absolute paths name nothing: the tree holds only what git listed."""
    secret = tmp_path / "secret.txt"
    secret.write_text("canary-secret\n")
    monkeypatch.chdir(tmp_path)  # "secret.txt" exists in the working directory
    tree = FileTree.from_mapping({"repo/README.md": "# r\n", "link": b"../secret.txt"})
    with no_file_access():
        for query in (str(secret), "secret.txt", "../secret.txt", "repo/../secret.txt", "./secret.txt"):
            assert tree.read_text(query) is None
        assert tree.read_text("link") == "../secret.txt"  # a symlink's blob is its target, as text


@PROPERTY
@given(st.binary(max_size=100))
def test_decode_path_is_total_and_yields_encodable_text(raw):
    path = decode_path(raw)
    path.encode("utf-8")  # no lone surrogates reach the renderers
    try:
        assert path == raw.decode("utf-8")
    except UnicodeDecodeError:
        assert "\\x" in path


# -- YAML -----------------------------------------------------------------------------------------


@PROPERTY
@given(YAML_TEXT)
def test_yaml_load_all_gives_data_or_a_typed_rejection(text):
    try:
        docs = yamlsafe.load_all(text)
    except yamlsafe.YamlRejected as exc:
        assert _one_line(str(exc)), str(exc)
        return
    assert isinstance(docs, list)


#: Data that YAML can round-trip exactly. NaN is not equal to itself, and PyYAML's own dumper writes
#: U+0085 (NEL, a YAML 1.1 line break) raw inside quotes, where its loader folds it to a space.
RT_TEXT = st.text(alphabet=st.characters(exclude_characters="\x85"), max_size=20)
ROUND_TRIP = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), RT_TEXT,
              st.sampled_from(("on", "off", "yes", "no", "y", "n", "True", "NULL", "~", "0o17", "0x1F", "1_000",
                               "1e3", ".inf", "=", "<<", "2025-01-01", "12:30:00"))),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(RT_TEXT, kids, max_size=4),
    max_leaves=25,
)


@PROPERTY
@given(st.lists(ROUND_TRIP, min_size=1, max_size=3))
def test_yaml_round_trips_what_a_safe_dumper_writes(docs):
    """The YAML 1.2 booleans keep strings strings: ``on``/``yes`` written quoted or plain read back as written."""
    assert yamlsafe.load_all(dump_yaml(docs)) == docs


@pytest.mark.parametrize("text", [
    "[" * 150 + "]" * 150,
    "a: " + "- " * 150 + "x",
    "&a [*a]",
    "a: &a\n  b: *a\n",
    "\t",
    "!!binary 'not base64'",
    "!!set {a, b}\n",
    "!!omap [a: 1, b: 2]\n",
    "!!omap [1, 2]\n",
    "!!pairs 3\n",
    "? [a, b]\n: c\n",
    "? {a: b}\n: c\n",
    "%TAG !e! tag:example.com,2000:\n---\n!e!x 1\n",
    "%YAML 9.9\n---\nx",
    "x: !!str\n",
    "\ufeffa: 1",
    "a: 1\n\x85b: 2",
    "a: \U0001f600",
])
def test_yaml_odd_but_legal_documents_are_data_or_typed_rejections(text):
    try:
        docs = yamlsafe.load_all(text)
    except yamlsafe.YamlRejected:
        return
    assert _plain(docs)  # plain data, no arbitrary objects (a recursive alias is a cycle, not a loop)


UNCONSTRUCTABLE = ["x: !!int 'x'", "x: !!float 'x'", "x: !!timestamp 2025-13-45", "x: " + "9" * 4301]
UNCONSTRUCTABLE_IDS = ["int-tag", "float-tag", "timestamp-tag", "int-of-4301-digits"]
_UNCONSTRUCTABLE_WHY = (
    "auditor/yamlsafe.py load_all converts only yaml.YAMLError, RecursionError and MemoryError into YamlRejected; "
    "PyYAML's constructors raise a bare ValueError for a scalar that cannot become its type: an explicit tag "
    "('!!int x', '!!float x', '!!timestamp 2025-13-45') or a plain integer longer than Python's 4300-digit "
    "int() limit. Callers catch YamlRejected only, so collect_ci (_read_ci, _read_gitlab) raises, Facts.get "
    "makes the whole 'ci' fact unavailable and every CI rule is skipped because of one file; collect_tasks "
    "loses the Taskfile, or every npm script when it is pnpm-workspace.yaml. Fix: in load_all, after "
    "'except YamlRejected: raise', add 'except (ValueError, TypeError, OverflowError) as exc: raise "
    "YamlRejected(f\"invalid value: {type(exc).__name__}\") from None' (no exception text: it quotes the value).")


@pytest.mark.parametrize("text", UNCONSTRUCTABLE, ids=UNCONSTRUCTABLE_IDS)
def test_yaml_value_that_cannot_be_constructed_is_a_typed_rejection(text):
    with pytest.raises(yamlsafe.YamlRejected):
        yamlsafe.load_all(text)


@pytest.mark.parametrize("bad", UNCONSTRUCTABLE, ids=UNCONSTRUCTABLE_IDS)
def test_one_unconstructable_yaml_value_costs_one_file_not_the_ci_fact(bad):
    files = {".github/workflows/ci.yml": "on: push\njobs:\n  test:\n    steps:\n      - run: pytest\n",
             ".github/workflows/odd.yml": bad + "\n", ".gitlab-ci.yml": "include: ci/a.yml\n", "ci/a.yml": bad + "\n"}
    facts = collect_ci(FileTree.from_mapping(files))
    check_ci(files, facts)
    assert {p.path for p in facts.pipelines} >= {".github/workflows/ci.yml", ".gitlab-ci.yml"}
    assert {p for p, _ in facts.rejected} == {".github/workflows/odd.yml", "ci/a.yml"}


def test_one_unconstructable_yaml_value_costs_one_task_file():
    files = {"package.json": json.dumps({"scripts": {"test": "jest"}, "workspaces": ["packages/*"]}),
             "pnpm-workspace.yaml": "packages: !!int x\n"}
    facts = collect_tasks(FileTree.from_mapping(files))
    check_tasks(files, facts)
    assert [t.name for t in facts.tasks] == ["test"]


def test_toml_integer_over_the_digit_limit_is_a_typed_rejection():
    big = "x = " + "9" * 4301 + "\n"
    with pytest.raises(manifests.DocumentRejected):
        manifests.parse_toml(big)
    files = {"pyproject.toml": big, "hatch.toml": "[envs.default.scripts]\ntest = 'pytest'\n"}
    facts = collect_tasks(FileTree.from_mapping(files))
    check_tasks(files, facts)
    assert [t.name for t in facts.tasks] == ["test"]


def _plain(value: object, seen: set[int] | None = None) -> bool:
    seen = set() if seen is None else seen
    if id(value) in seen:
        return True
    seen.add(id(value))
    if isinstance(value, dict):
        return all(_plain(k, seen) and _plain(v, seen) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v, seen) for v in value)
    if isinstance(value, (set, tuple)):  # !!set and !!omap / !!pairs
        return all(_plain(v, seen) for v in value)
    return value is None or isinstance(value, (bool, int, float, str, bytes, dt.date))


@pytest.mark.parametrize("path", [p for p in (
    ".github/workflows/ci.yml", ".gitlab-ci.yml", ".circleci/config.yml", "azure-pipelines.yml", ".travis.yml",
    "bitbucket-pipelines.yml", ".drone.yml", ".buildkite/pipeline.yml", "cloudbuild.yaml", ".woodpecker.yml",
    "appveyor.yml")])
@pytest.mark.parametrize("shape", ["mapping", "list"])
def test_ci_readers_walk_recursive_aliases_without_looping(path, shape):
    """``&a {steps: *a}`` loads as a cyclic structure; every reader bounds its depth."""
    keys = sorted(set(CI_WORDS))
    anchor = ("&a {" + ", ".join(f"{k}: *a" for k in keys) + "}") if shape == "mapping" else "&a [*a, *a, *a]"
    text = "".join(f"{k}: {anchor if i == 0 else '*a'}\n" for i, k in enumerate(keys))
    with time_limit(8):
        facts = collect_ci(FileTree.from_mapping({path: text}))
    check_ci({path: text}, facts)
    assert not _safety_net(facts)


CANARY = "sk_live_canary_4242"


@pytest.mark.parametrize(("collector", "path", "text"), [
    pytest.param(collect_manifests, "setup.cfg", f"STRIPE_KEY={CANARY}\n[metadata]\nname = x\n", id="setup.cfg"),
    pytest.param(collect_tasks, "tox.ini", f"STRIPE_KEY={CANARY}\n[tox]\nenvlist = py3\n", id="tox.ini"),
    pytest.param(collect_ci, ".github/workflows/ci.yml", f"on: push\njobs: *{CANARY}\n", id="yaml-alias"),
    pytest.param(collect_ci, ".github/workflows/ci.yml", f"on: push\njobs: !{CANARY}!y z\n", id="yaml-tag"),
    pytest.param(collect_ci, ".github/workflows/ci.yml", f'on: push\njobs: "\\q{CANARY}"\n', id="yaml-escape"),
    pytest.param(collect_manifests, "package.json", '{"a": "' + CANARY + '",}', id="json"),
    pytest.param(collect_manifests, "pyproject.toml", f"a = {CANARY}\n", id="toml"),
    pytest.param(collect_manifests, "pom.xml", f"<project><{CANARY}></project>", id="xml"),
    pytest.param(collect_ci, ".gitlab-ci.yml", f"a: [{CANARY}\n", id="yaml-syntax"),
])
def test_rejection_reasons_never_quote_file_contents(collector, path, text):
    """A reason says why and where (a line number), never what: the file may hold a credential."""
    facts = collector(FileTree.from_mapping({path: text}))
    assert facts.rejected, "the file should be rejected"
    assert not [r for _, r in facts.rejected if CANARY in r], facts.rejected


# -- escapers -------------------------------------------------------------------------------------

#: Characters that must never be raw in output: controls, bidi and zero-width marks.
_RAW_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
ANY_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(("[x](javascript:alert(1))", "![i](x.png)", "<script>", "`", "|", "::error::x",
                              "\n::set-output name=a::b", "\x1b[31m", "\x1b]8;;http://x\x07", "\u202e", "\u200b",
                              "%%{init: {}}%%", '"]) --> B[', "click A href", "@team", "https://x", "www.x",
                              "# h", "1. ", "> q", "- ", "&amp;", "&#60;", "\\", "$x$", "~~s~~", "\r\n", "#35;",
                              "<!--", "-->", "&", "'", '"', ";", "{", "}")), max_size=12).map("".join),
)


@settings(max_examples=EXAMPLES * 3, deadline=2000)
@given(ANY_TEXT)
def test_mermaid_label_keeps_only_inert_characters(text):
    label = escape.mermaid_label(text)
    assert label and len(label) <= 60
    assert not set(label) & set("\"'`[](){}<>|;#&\\=\n\r\t"), label
    assert re.fullmatch(r"[\w .,:/+%-]+", label), label
    assert label == label.strip() and "  " not in label


@settings(max_examples=EXAMPLES * 3, deadline=2000)
@given(ANY_TEXT)
def test_md_code_is_one_unbreakable_code_span(text):
    out = escape.md_code(text)
    assert out.startswith("`") and out.endswith("`") and len(out) >= 2
    inner = out[1:-1]
    assert "`" not in inner and "|" not in inner and "\n" not in inner
    assert not _RAW_CONTROL.search(out)


@settings(max_examples=EXAMPLES * 3, deadline=2000)
@given(ANY_TEXT)
def test_terminal_output_has_no_control_or_invisible_characters(text):
    out = escape.terminal(text)
    assert not _RAW_CONTROL.search(out), out


@settings(max_examples=EXAMPLES * 3, deadline=2000)
@given(ANY_TEXT)
def test_actions_log_output_never_holds_a_workflow_command(text):
    out = escape.actions_log(text)
    # One line, so a command could only start it; "::" is defused wherever it appears.
    assert "\n" not in out and "\r" not in out
    assert "::" not in out, out
    assert not _RAW_CONTROL.search(out)


@pytest.mark.parametrize("payload", ["##[stop-commands]tok", "auditor: x ##[set-output name=score;]5",
                                     "##[add-mask]auditor", "##[error]pwned"])
def test_actions_log_defuses_the_legacy_command_form(payload):
    assert "##[" not in escape.actions_log(payload)


@settings(max_examples=EXAMPLES * 3, deadline=2000)
@given(ANY_TEXT)
def test_html_text_has_no_markup_and_only_known_entities(text):
    out = escape.html_text(text)
    assert not set(out) & set("<>\"'"), out
    assert re.fullmatch(r"(?:[^&]|&(?:amp|lt|gt|quot|#x27);)*", out), out
    assert not _RAW_CONTROL.search(out)


def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").enable("strikethrough")


_MD = _markdown()


def _inline_text(tokens) -> str:
    return "".join(c.content for c in tokens)


@settings(max_examples=EXAMPLES * 3, deadline=2000)
@given(ANY_TEXT)
def test_md_renders_as_exactly_its_text_in_a_paragraph_and_in_a_table_cell(text):
    """Parsed by a CommonMark parser, ``md(x)`` is plain text equal to ``x`` (invisibles shown), never markup."""
    out = escape.md(text)
    expected = escape.plain(text).strip()
    tokens = _MD.parse("Evidence: " + out)
    inline = [t for t in tokens if t.type == "inline"]
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"], tokens
    children = inline[0].children
    assert {c.type for c in children} <= {"text"}, [c.type for c in children]
    assert _inline_text(children).strip() == ("Evidence: " + escape.plain(text)).strip()
    table = _MD.parse("| h |\n| --- |\n| " + out + " |\n")
    cells = [t for t in table if t.type == "inline"]
    assert len(cells) == 2, cells  # the header and exactly one body cell
    assert {c.type for c in cells[1].children} <= {"text"}
    assert _inline_text(cells[1].children).strip() == expected


@settings(max_examples=EXAMPLES * 3, deadline=2000)
@given(ANY_TEXT)
def test_md_code_renders_as_one_code_span(text):
    assume(escape.plain(text))  # md_code("") is "``", which CommonMark shows as two backticks
    tokens = _MD.parse("x " + escape.md_code(text))
    children = [c for t in tokens if t.type == "inline" for c in t.children]
    codes = [c for c in children if c.type == "code_inline"]
    assert len(codes) == 1 and {c.type for c in children} <= {"text", "code_inline"}


# -- path containment (auditor.gitio) -------------------------------------------------------------

COMPONENT = st.sampled_from(("a", "b", "ab", "a.b", "..", ".", "c"))


@PROPERTY
@given(st.lists(COMPONENT, max_size=6), st.lists(COMPONENT, max_size=6))
def test_is_within_matches_commonpath_on_normalised_paths(child_parts, parent_parts):
    child = os.path.normpath("/" + "/".join(child_parts))
    parent = os.path.normpath("/" + "/".join(parent_parts))
    assert _is_within(Path(child), Path(parent)) == (os.path.commonpath([child, parent]) == parent)


@pytest.fixture(scope="module")
def link_farm(tmp_path_factory) -> Path:
    """A directory with a repository, a sibling outside it, and symbolic links across them."""
    root = tmp_path_factory.mktemp("farm").resolve()
    (root / "repo" / "sub").mkdir(parents=True)
    (root / "repo" / ".git").mkdir()
    (root / "outside").mkdir()
    (root / "repo" / "link_out").symlink_to("../outside")
    (root / "repo" / "link_dot").symlink_to(".")
    (root / "repo" / "sub" / "link_up").symlink_to("../..")
    (root / "repo" / "link_abs").symlink_to(root / "outside")
    (root / "link_repo").symlink_to("repo")
    (root / "outside" / "link_back").symlink_to("../repo/.git")
    return root


FARM_PARTS = st.lists(st.sampled_from(("repo", "sub", ".git", "outside", "link_out", "link_dot", "link_up",
                                       "link_abs", "link_repo", "link_back", "missing", "..", ".")), max_size=6)


@settings(PROPERTY, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(FARM_PARTS, FARM_PARTS)
def test_is_within_on_resolved_paths_equals_commonpath(link_farm, child_parts, parent_parts):
    """After ``resolve()`` (as ``discover`` does), containment is ``commonpath`` containment, links and all."""
    child = link_farm.joinpath(*child_parts).resolve()
    parent = link_farm.joinpath(*parent_parts).resolve()
    expected = os.path.commonpath([os.path.realpath(child), os.path.realpath(parent)]) == os.path.realpath(parent)
    assert _is_within(child, parent) == expected


def test_is_within_is_lexical_so_discover_must_resolve_first(link_farm):
    """A link inside the repository can point outside: only the resolved paths tell."""
    repo = link_farm / "repo"
    through_link = repo / "link_out" / "x"
    assert _is_within(through_link, repo)  # lexically inside...
    assert not _is_within(through_link.resolve(), repo.resolve())  # ...resolved, outside


def _git(*args: str, cwd: Path) -> None:
    import subprocess

    from auditor.gitio import sanitized_env

    env = sanitized_env(str(cwd))
    env.update(GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="T",
               GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=60)


@pytest.mark.parametrize("how", ["symlinked-component", "absolute", "dotdot"])
def test_git_file_escaping_through_a_link_or_dotdot_is_refused(tmp_path, how):
    other = tmp_path / "other"
    other.mkdir()
    _git("init", "-q", "-b", "main", "--template=", ".", cwd=other)
    _git("commit", "-q", "--allow-empty", "-m", "private", cwd=other)
    target = tmp_path / "target"
    target.mkdir()
    if how == "symlinked-component":
        (target / "inner").symlink_to(other)
        gitdir = "inner/.git"  # lexically inside PATH, really the other repository
    elif how == "absolute":
        gitdir = str(other / ".git")
    else:
        gitdir = "../other/.git"
    (target / ".git").write_text(f"gitdir: {gitdir}\n")
    ws = Workspace.create()
    try:
        with pytest.raises(GitError) as err:
            discover(target, ws)
    finally:
        ws.cleanup()
    assert err.value.kind == GitError.UNSUPPORTED and "outside" in str(err.value)


def test_a_symlink_to_a_repository_and_its_git_directory_are_audited(tmp_path):
    """Odd but honest: PATH itself a link, or PATH the git directory: both resolve inside."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git("init", "-q", "-b", "main", "--template=", ".", cwd=repo)
    _git("commit", "-q", "--allow-empty", "-m", "x", cwd=repo)
    (tmp_path / "link").symlink_to(repo)
    for path in (tmp_path / "link", repo / ".git"):
        ws = Workspace.create()
        try:
            assert discover(path, ws).git_dir.resolve() == (repo / ".git").resolve()
        finally:
            ws.cleanup()


def test_a_subdirectory_of_a_work_tree_audits_its_repository(tmp_path):
    """Run from inside a work tree (repo/src), the audit covers the repository the work tree belongs to."""
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    _git("init", "-q", "-b", "main", "--template=", ".", cwd=repo)
    ws = Workspace.create()
    try:
        assert discover(repo / "src", ws).git_dir.resolve() == (repo / ".git").resolve()
    finally:
        ws.cleanup()


# -- odd but honest repositories (the table in docs/security.md) ---------------------------------


def _repo(path: Path, *extra: str) -> Path:
    path.mkdir(parents=True)
    _git("init", "-q", "-b", "main", "--template=", *extra, ".", cwd=path)
    (path / "a.txt").write_text("a\n")
    _git("add", "a.txt", cwd=path)
    _git("commit", "-q", "-m", "feat: a", cwd=path)
    return path


def _odd(case: str, tmp: Path) -> tuple[str, list[str]]:
    """Build the repository for ``case``; return the PATH to audit and extra CLI options."""
    if case == "sha256":
        return str(_repo(tmp / "r", "--object-format=sha256")), []
    if case == "shallow":
        base = _repo(tmp / "base")
        _git("clone", "-q", "--depth", "1", f"file://{base}", str(tmp / "r"), cwd=tmp)
        return str(tmp / "r"), []
    if case == "bare":
        base = _repo(tmp / "base")
        _git("clone", "-q", "--bare", str(base), str(tmp / "r.git"), cwd=tmp)
        return str(tmp / "r.git"), []
    if case == "path-is-a-symlink":
        (tmp / "link").symlink_to(_repo(tmp / "r"))
        return str(tmp / "link"), []
    if case == "path-is-the-git-dir":
        return str(_repo(tmp / "r") / ".git"), []
    if case == "subdirectory":
        repo = _repo(tmp / "r")
        (repo / "src").mkdir()
        return str(repo / "src"), []
    if case == "alternates":
        base = _repo(tmp / "base")
        _git("clone", "-q", "--shared", str(base), str(tmp / "r"), cwd=tmp)
        return str(tmp / "r"), []
    if case == "linked-worktree":
        base = _repo(tmp / "base")
        _git("worktree", "add", "-q", str(tmp / "wt"), cwd=base)
        return str(tmp / "wt"), []
    if case == "symlink-loop":
        (tmp / "loop").symlink_to("loop")
        return str(tmp / "loop"), []
    if case == "not-a-directory":
        (tmp / "file").write_text("x\n")
        return str(tmp / "file"), []
    if case == "unknown-rev":
        return str(_repo(tmp / "r")), ["--rev", "nope"]
    if case == "head-names-a-missing-branch":
        repo = _repo(tmp / "r")
        (repo / ".git" / "HEAD").write_text("ref: refs/heads/nope\n")
        return str(repo), []
    if case == "branch-ref-to-a-missing-object":
        repo = _repo(tmp / "r")
        _git("pack-refs", "--all", cwd=repo)
        (repo / ".git" / "packed-refs").unlink()
        (repo / ".git" / "refs" / "heads" / "main").write_text("0" * 40 + "\n")
        return str(repo), []
    raise AssertionError(case)


ODD = [
    ("sha256", 0), ("shallow", 0), ("bare", 0), ("path-is-a-symlink", 0), ("path-is-the-git-dir", 0),
    ("subdirectory", 0), ("alternates", 3), ("linked-worktree", 3), ("symlink-loop", 3), ("not-a-directory", 3),
    ("unknown-rev", 2), ("head-names-a-missing-branch", 2),
    ("branch-ref-to-a-missing-object", 4),
]


@pytest.mark.parametrize("case,code", ODD, ids=[c for c, _ in ODD])
def test_odd_repository_exit_codes(tmp_path, case, code):
    """Each odd-but-honest repository ends with its documented exit code and at most one line on stderr."""
    from click.testing import CliRunner

    from auditor.cli import main

    path, extra = _odd(case, tmp_path)
    res = CliRunner().invoke(main, ["audit", path, "--as-of", "2025-03-01", "--format", "json", *extra])
    assert res.exit_code == code, (res.exit_code, res.stderr)
    assert "Traceback" not in res.output
    if code:
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr


# -- fixture specs: malformed input raises SpecError only --------------------------------------

SMALL_INT = st.one_of(st.integers(min_value=-2, max_value=6), st.text(max_size=3))
SPEC_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-5, max_value=5) | st.text(max_size=6),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=3),
    max_leaves=12,
)
FILE_VALUE = st.one_of(
    st.none(), st.text(max_size=10), SPEC_VALUE,
    st.fixed_dictionaries({}, optional={"lines": SMALL_INT, "json": SPEC_VALUE, "text": SPEC_VALUE,
                                        "symlink": SPEC_VALUE, "base64": st.text(max_size=8),
                                        "executable": st.booleans(), "repeat": st.text(max_size=3),
                                        "times": SMALL_INT}),
)
COMMIT = st.fixed_dictionaries({}, optional={
    "id": st.one_of(st.sampled_from(("a", "b")), SPEC_VALUE), "author": st.one_of(st.sampled_from(("sam", "x")),
                                                                                   SPEC_VALUE),
    "date": st.one_of(st.sampled_from(("2025-01-01T10:00:00+02:00", "2025-01-02", "nope")), SPEC_VALUE),
    "message": SPEC_VALUE, "branch": st.one_of(st.sampled_from(("main", "dev")), SPEC_VALUE),
    "from": st.one_of(st.sampled_from(("a", "b")), SPEC_VALUE), "merge": SPEC_VALUE,
    "files": st.one_of(st.dictionaries(st.text(max_size=6), FILE_VALUE, max_size=3), SPEC_VALUE),
    "repeat": SMALL_INT, "start": st.one_of(st.just("2025-01-01T00:00:00+00:00"), SPEC_VALUE),
    "every": st.one_of(st.sampled_from(("1d", "2w", "0s", "x")), SPEC_VALUE), "weekdays_only": st.booleans(),
})
SPEC = st.fixed_dictionaries({}, optional={
    "authors": st.one_of(st.fixed_dictionaries({"sam": st.fixed_dictionaries({"name": st.text(max_size=8),
                                                                              "email": st.text(max_size=8)})}),
                         SPEC_VALUE),
    "default_branch": st.one_of(st.just("main"), SPEC_VALUE),
    "commits": st.one_of(st.lists(COMMIT, max_size=4), SPEC_VALUE),
    "tags": st.one_of(st.lists(st.fixed_dictionaries({}, optional={
        "name": st.text(max_size=5), "commit": st.sampled_from(("a", "b", None)), "message": SPEC_VALUE,
        "date": SPEC_VALUE, "tagger": SPEC_VALUE}), max_size=2), SPEC_VALUE),
})
#: What fast_import_stream raises today on a malformed spec (SpecError is a ValueError).
TODAYS_SPEC_FAILURES = (ValueError, TypeError, KeyError, AttributeError, OverflowError)


@PROPERTY
@given(SPEC)
def test_fixture_stream_or_a_known_failure(spec):
    try:
        stream = fast_import_stream(spec)
    except TODAYS_SPEC_FAILURES:
        return
    assert isinstance(stream, bytes) and stream.endswith(b"done\n")


@PROPERTY
@given(SPEC)
@example({"authors": {"sam": "Sam"}, "commits": [{"author": "sam"}]})
@example({"tags": ["v1"]})
@example({"commits": [{"repeat": 2}]})
@example({"commits": [{"id": "a"}], "tags": [{"commit": "a", "message": "m"}]})
@example({"commits": [{"files": {"a": {"lines": "many"}}}]})
def test_fixture_spec_errors_are_only_spec_errors(spec):
    try:
        fast_import_stream(spec)
    except SpecError:
        pass


@pytest.mark.parametrize("spec", [
    {"authors": {"x": {"name": "Eve <e@x> 0 +0000\ncommit refs/heads/evil", "email": "e@x"}},
     "commits": [{"author": "x"}]},
    {"commits": [{"branch": "main\ncommit refs/heads/evil"}]},
    {"commits": [{"id": "a"}], "tags": [{"name": "v1\nreset refs/heads/evil", "commit": "a"}]},
])
def test_fixture_header_fields_cannot_inject_stream_commands(spec):
    with pytest.raises(SpecError):
        fast_import_stream(spec)


# -- no input makes a parser run long -------------------------------------------------------------
#
# Random small inputs cannot find super-linear matching, so these are written out: each input is a
# few KB to ~150 KB (well under the 1 MB read bound) and must be read within a few seconds. The
# interpreter's regex engine checks signals, so an alarm interrupts even a match in progress.


class Overran(BaseException):
    """Raised by the alarm; a BaseException so no collector's ``except Exception`` can swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float):
    def on_alarm(signum, frame):
        raise Overran(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _workflow_with_line(line: str) -> str:
    return ("on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: |\n          " + line + "\n")


BLANKS = " " * 60_000

#: (id, collector, files, the cause and fix when it is a known bug, else None).
PATHOLOGICAL = [
    ("yaml-bomb", collect_ci, {".github/workflows/ci.yml": "a: &a [" + ",".join(["x"] * 9) + "]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9))}, None),
    ("yaml-deep", collect_ci, {".gitlab-ci.yml": "a: " + "[" * 50_000}, None),
    ("jenkins-unclosed-quotes", collect_ci, {"Jenkinsfile": "sh '''" + "sh ''' x\n" * 20000}, None),
    ("many-lines", collect_tasks, {"Makefile": "a:\n\tb\n" * 50_000, "justfile": "a:\n  b\n" * 50_000}, None),
    ("requirements-continuations", collect_manifests, {"requirements.txt": "a \\\n" * 50_000}, None),
    ("json-deep", collect_manifests, {"package.json": "[" * 100_000, "composer.json": "{\"a\":" * 50_000}, None),
    ("toml-deep", collect_manifests, {"pyproject.toml": "a = " + "[" * 50_000}, None),
    ("ci-yaml-key-locator", collect_ci, {".github/workflows/ci.yml": _workflow_with_line("x" + " " * 150_000 + "y")},
     "auditor/facts/ci.py _Locator._KEY: the lazy '([^\\s\"'#][^\\n]*?)' followed by '\\2[ \\t]*:' retries the "
     "blank run at every position, O(n^2) per line (a 150 KB line: ~30 s; a 1 MB line: about an hour), for any "
     "YAML CI system (the index is built on the first key() call). Fix: bound the key, e.g. '[^\\n]{0,255}?', or "
     "find 'key:' with str.find per line instead of a regex."),
    ("jenkins-sh-blanks", collect_ci, {"Jenkinsfile": "sh" + BLANKS + "x\n"},
     "auditor/facts/ci.py _JENKINS_SHELL: '[ \\t]*\\(?\\s*' - two blank quantifiers separated only by an optional "
     "'(' split a blank run every possible way before the quote fails to match: O(n^2) (60 KB: minutes). "
     "Fix: '[ \\t]*(?:\\(\\s*)?' (blanks after the paren only)."),
    ("gradle-word-blanks", collect_manifests, {"build.gradle": "implementation" + BLANKS + "x\n"},
     "auditor/facts/manifests.py _GRADLE_STRING and _GRADLE_MAP: '\\b(\\w+)\\s*\\(?\\s*' is O(n^2) on a word "
     "followed by a blank run (60 KB line: minutes). Fix: '\\b(\\w+)\\s*(?:\\(\\s*)?'."),
    ("gemfile-gem-blanks", collect_manifests, {"Gemfile": "gem" + BLANKS + "x\n"},
     "auditor/facts/manifests.py _GEM: '^\\s*gem\\s*\\(?\\s*' is O(n^2) on 'gem' followed by a blank run. "
     "Fix: 'gem\\s*(?:\\(\\s*)?'."),
    ("gemspec-blanks", collect_manifests, {"x.gemspec": "s.add_dependency" + BLANKS + "x\n"},
     "auditor/facts/manifests.py _GEMSPEC_DEP: 'dependency\\s*\\(?\\s*' is O(n^2) on a blank run. "
     "Fix: 'dependency\\s*(?:\\(\\s*)?'."),
    ("justfile-recipe-blanks", collect_tasks, {"justfile": "x" + " " * 4000 + "y\n"},
     "auditor/facts/tasks.py _JUST_RECIPE: '((?:[ \\t]+[^:\\n]*?)?)[ \\t]*:' has three overlapping quantifiers "
     "over blanks: O(n^3) on a line 'x<blanks>y' with no ':' (4 KB line: ~90 s; 8 KB: ~10 min). Fix: "
     "'^@?([A-Za-z_][A-Za-z0-9_-]*)((?:[ \\t][^:\\n]*)?):(?!=)' (one blank, then one greedy run; strip the "
     "parameters afterwards)."),
    ("rakefile-task-blanks", collect_tasks, {"Rakefile": "task" + BLANKS + "x\n"},
     "auditor/facts/tasks.py _RAKE_TASK (and _RAKE_SHELL): 'task\\s*\\(?\\s*' is O(n^2) on a blank run. "
     "Fix: 'task\\s*(?:\\(\\s*)?'."),
    ("rakefile-namespace-label", collect_tasks,
     {"Rakefile": "namespace" + " " * 4000 + "x do\n" + "x = 1\n" * 300 + "end\n"},
     "auditor/facts/tasks.py _RAKE_NAMESPACE: 'namespace\\s*\\(?\\s*' is O(n^2) on the block's opening line, "
     "and _rake_tasks re-matches every enclosing label for every line of the block: O(lines x n^2) (a 4 KB "
     "label over 300 lines: ~100 s). Fix: 'namespace\\s*(?:\\(\\s*)?', and match each label once when it is "
     "pushed (ruby_blocks could carry the parsed label)."),
    ("rakefile-task-class", collect_tasks, {"Rakefile": "A:" * 40_000 + "\n"},
     "auditor/facts/tasks.py _RAKE_TASK_CLASS: an unanchored '[A-Z][\\w:]*(?:RakeTask|TestTask)' rescans to the "
     "end of the line from every capital: O(n^2) ('A:' x 40000: ~1 min). Fix: '(?<![\\w:])[A-Z][\\w:]{0,200}"
     "(?:RakeTask|TestTask)', or test 'Task.new' in the line first and bound the class name."),
]


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
@pytest.mark.parametrize(
    ("collector", "files"),
    # Every known super-linear pattern is fixed; the cause column is kept as the record of why each case exists.
    [pytest.param(c, f, id=i)
     for i, c, f, why in PATHOLOGICAL],
)
def test_pathological_input_is_read_quickly(collector, files):
    with time_limit(5):
        facts = collector(FileTree.from_mapping(files))
    assert facts is not None


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
@pytest.mark.parametrize("case", ["heading", "simplecov"])
def test_rule_regexes_on_repository_text_are_linear(case):
    from auditor.rules.testing import _TEST_HEADING, TST006

    simplecov = next(rx for name, rx, _ in TST006._RULES if name == ".simplecov")
    with time_limit(5):
        if case == "heading":
            _TEST_HEADING.search("# tests" + BLANKS + "x")
        else:
            simplecov.search("minimum_coverage" + " " * 30_000 + "x")


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
def test_escapers_are_linear_on_a_megabyte():
    text = ("e\u0301\x1b[31m::x|[a](b)<i>\u202e " * 40_000)[:1_000_000]
    with time_limit(8):
        for fn in (escape.md, escape.md_code, escape.mermaid_label, escape.terminal, escape.actions_log,
                   escape.html_text):
            out = fn(text)
            assert len(out) < 4000
            assert unicodedata.is_normalized("NFC", escape.plain(text))
