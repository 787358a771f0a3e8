"""CI/CD configuration at the audited revision: pipelines, when they run, what they run.

Facts only. Every CI file of a known system is read into a :class:`CiPipeline`:
its triggers, its jobs, and the jobs and steps classified into :data:`STAGES`
(lint, unit tests, deploy, ...), each with its file and line as evidence. Beside
the pipelines, :class:`CiFacts` lists what exists only as configuration: deploy
platforms, dependency-update bots, commit hooks, infrastructure as code. Whether
any of it is enough is for the rules to say.

Classification is by words, matched case-insensitively at word boundaries
(anything but a letter or digit separates words): generic words in names
(:data:`STAGE_WORDS`, e.g. a job called ``deploy-staging``) and tools in names,
``uses:`` references and commands (:data:`STAGE_TOOLS`, e.g. ``ruff``,
``npm audit``). Commands also contribute the targets they run (``make docs``,
``npm run test:e2e``) and the scripts they call (``./scripts/deploy.sh``), read
with the generic words. A test runner alone (``pytest``, ``jest``) says that
tests run, not which kind: it counts as ``unit-test`` unless its step, job or
command names the kind (``integration``, ``e2e``). ``test`` is left for tests of
no known kind (``make test``, a job called ``test``).

The repository may be hostile. Nothing here executes or follows anything; YAML
goes through :mod:`auditor.yamlsafe`; a file that cannot be read lands in
:attr:`CiFacts.rejected`, a part of a file that has an unexpected shape is noted
in :attr:`CiPipeline.problem`, and every collection read is bounded.
"""

from __future__ import annotations

import bisect
import contextvars
import datetime
import json
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from auditor.facts.tree import FileTree, line_of
from auditor.yamlsafe import YamlRejected, load_all

STAGES = ("lint", "format", "typecheck", "unit-test", "integration-test", "e2e-test", "test",
          "coverage", "build", "security-scan", "dependency-audit", "docs", "deploy", "release",
          "container", "benchmark")

TRIGGERS = ("push", "pull_request", "merge_request", "schedule", "manual", "tag", "release",
            "workflow_call", "other")

SYSTEMS = ("github-actions", "gitlab-ci", "circleci", "jenkins", "azure-pipelines", "travis",
           "bitbucket-pipelines", "drone", "buildkite", "cloud-build", "woodpecker", "appveyor")

MAX_CI_FILES = 200
MAX_JOBS_PER_FILE = 500
MAX_STEPS_PER_JOB = 500
MAX_UNITS_PER_STEP = 200
MAX_GITLAB_INCLUDES = 20
MAX_PROBLEMS = 20
MAX_TEXT = 200
MAX_CLASSIFIED_CHARS = 1000  # of a name or command; keeps matching linear on hostile lines
MAX_REFS_PER_KIND = 100
MAX_MANIFESTS_SCANNED = 1000
MANIFEST_SCAN_BYTES = 256 * 1024
MAX_PACKAGE_JSONS = 200
MAX_JENKINS_COMMANDS = 2000

#: The job of steps that belong to no named job (a Jenkinsfile's shell outside any stage,
#: an Azure pipeline's top-level ``steps:``).
TOP_LEVEL_JOB = "(top level)"
#: The job of what a GitLab file pulls in with ``include:`` (templates, components, remote files).
INCLUDE_JOB = "(include)"


# -- the facts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CiStep:
    """The unit that provides a stage: a job, or a command or reference inside a job."""

    job: str
    line: int | None
    stages: frozenset[str]
    text: str


@dataclass(frozen=True)
class ActionRef:
    """A GitHub Actions ``uses:`` reference (an action or a reusable workflow)."""

    path: str
    line: int | None
    uses: str
    pinned_sha: bool


@dataclass(frozen=True)
class CiPipeline:
    """One CI file, read: when it runs, its jobs, and what they run classified into stages."""

    system: str
    path: str
    name: str
    triggers: tuple[str, ...]
    jobs: tuple[str, ...]
    steps: tuple[CiStep, ...]
    actions: tuple[ActionRef, ...] = ()
    #: GitHub top-level ``permissions``: "read-all", "write-all", "restricted" (a mapping), or None.
    permissions: str | None = None
    problem: str | None = None
    #: GitHub job-level ``permissions``: (job, value as in :attr:`permissions`) where a job sets it.
    job_permissions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ConfigRef:
    """Something found only as a configuration file (or directory)."""

    kind: str
    path: str
    line: int | None = None


@dataclass(frozen=True)
class CiFacts:
    """Every CI pipeline in the tree, and the CI-adjacent configuration beside them."""

    pipelines: tuple[CiPipeline, ...]
    rejected: tuple[tuple[str, str], ...]
    deploy_platforms: tuple[ConfigRef, ...]
    dependency_bots: tuple[ConfigRef, ...]
    precommit: tuple[ConfigRef, ...]
    iac: tuple[ConfigRef, ...]

    def stage_map(self) -> dict[str, list[tuple[CiPipeline, CiStep]]]:
        """Stage -> the steps that provide it, in :data:`STAGES` order (absent if none does).

        Providers are in pipeline path order, then file order, as the pipelines and their steps are.
        """
        found: dict[str, list[tuple[CiPipeline, CiStep]]] = {}
        for pipeline in self.pipelines:
            for step in pipeline.steps:
                for stage in step.stages:
                    found.setdefault(stage, []).append((pipeline, step))
        return {stage: found[stage] for stage in STAGES if stage in found}

    @property
    def has_ci(self) -> bool:
        """At least one CI file could be read (files in :attr:`rejected` do not count)."""
        return bool(self.pipelines)


# -- stage classification -----------------------------------------------------------------------

#: A test runner that does not say which kind of test it runs (resolved by :func:`_resolve`).
_RUNNER = "test-runner"
_TEST_KINDS = frozenset({"unit-test", "integration-test", "e2e-test"})

#: Generic words, read in job, step and stage names, references, and the targets and scripts
#: a command runs. Patterns are regular expressions matched case-insensitively at word boundaries.
STAGE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lint", (r"lint(?:s|ing|ers?)?", r"static[-_ ]?analysis", r"code[-_ ]?(?:quality|style)",
              r"style[-_ ]?checks?")),
    ("format", (r"format(?:s|ting|ter)?", r"fmt")),
    ("typecheck", (r"type[-_ ]?check\w*", r"types?[-_ ]checks?", r"typing")),
    ("unit-test", (r"unit(?:[-_ ]?tests?)?",)),
    ("integration-test", (r"integration(?:[-_ ]?tests?)?", r"int[-_ ]?tests?", r"it[-_ ]tests?",
                          r"api[-_ ]?tests?", r"contract[-_ ]?tests?")),
    ("e2e-test", (r"e2e(?:[-_ ]?tests?)?", r"end[-_ ]?to[-_ ]?end", r"acceptance(?:[-_ ]?tests?)?",
                  r"(?:ui|browser|system|smoke|functional)[-_ ]?tests?")),
    # "publish-test-pypi" publishes to TestPyPI: it runs no tests.
    ("test", (r"tests?(?![-_ ]?py ?pi)", r"testing")),
    ("coverage", (r"cov",)),
    ("build", (r"build(?:s|ing)?", r"compil(?:e|es|ation)", r"packag(?:e|es|ing)", r"assemble")),
    ("security-scan", (r"security", r"sast", r"dast", r"secrets?[-_ ]?(?:scan(?:ning)?|detection)",
                       r"vulnerabilit(?:y|ies)", r"vuln[-_ ]?scan(?:ning)?",
                       r"container[-_ ]scanning")),
    ("dependency-audit", (r"audit(?:s|ing)?",
                          (r"dep(?:endency|endencies|s)?[-_ ]?"
                           r"(?:review|scan(?:ning)?|checks?|audit)"))),
    ("docs", (r"docs?", r"documentation", r"docsite")),
    ("deploy", (r"deploy(?:s|ed|ing|ments?)?", r"pages", r"rollout", r"provision(?:ing)?")),
    ("release", (r"releas(?:e|es|ing)",
                 (r"publish(?:es|ing)?[-_ ]+(?:to[-_ ]+)?(?:test[-_ ]?)?"
                  r"(?:pypi|npm|crates|rubygems|nuget|maven|packages?)"))),
    ("container", (r"containers?",)),
    ("benchmark", (r"bench(?:es|marks?|marking)?", r"perf(?:ormance)?(?:[-_ ]?tests?)?",
                   r"load[-_ ]?tests?")),
)

# Maven and Gradle goals sit after any number of flags on the same command line.
_JVM_GOAL = r"(?:mvnw?|gradlew?)\b[^\n;&|]*?[\s:]"
_MAVEN_RUNS_TESTS = r"mvnw?\b(?![^\n;&|]*(?:skipTests|maven\.test\.skip=true))[^\n;&|]*?\s"
_GRADLE_RUNS_TESTS = r"gradlew?\b(?![^\n;&|]*(?:\s-x\s*:?test\b|--exclude-task\s+:?test\b))[^\n;&|]*?[\s:]"

#: Tools and commands, read everywhere: names, references and commands.
STAGE_TOOLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (_RUNNER, (r"pytest", r"py\.test", r"python\d?(?:\.\d+)?\s+-m\s+unittest", r"unittest",
               r"nose2", r"nosetests", r"jest", r"vitest", r"mocha", r"jasmine", r"karma",
               r"go\s+test", r"gotestsum", r"cargo\s+(?:test|nextest)",
               r"(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?t(?:est)?", r"deno\s+test",
               r"(?:mvnw?|gradlew?)\b[^\n;&|]*?(?<!-x)[\s:]test",  # not Gradle's "-x test", which skips them
               r"rspec", r"phpunit", r"dotnet\s+test", r"ctest", r"mix\s+test", r"swift\s+test",
               r"flutter\s+test", r"xcodebuild\b[^\n;&|]*\stest", r"sbt\s+test", r"lein\s+test",
               r"manage\.py\s+test", r"setup\.py\s+test", r"hatch\s+test", r"rake\s+(?:test|spec)",
               r"elm-test")),
    ("test", (r"tox(?!\s+-e)", r"nox(?!\s+-s)", _JVM_GOAL + r"verify",
              r"make\b[^\n;&|#]*?\scheck(?![-\w:.])",  # GNU's "make check" runs the test suite
              # Maven's package, install and deploy phases, and Gradle's build, run the tests first.
              _MAVEN_RUNS_TESTS + r"(?:package|install|deploy)", _GRADLE_RUNS_TESTS + r"(?:build|check)")),
    ("integration-test", (r"testcontainers", r"newman", _JVM_GOAL + r"integrationTest")),
    ("e2e-test", (r"playwright", r"cypress", r"selenium", r"webdriverio", r"wdio", r"puppeteer",
                  r"testcafe", r"nightwatch", r"detox", r"maestro")),
    ("lint", (r"eslint", r"ruff(?!\s+format)", r"flake8", r"pylint", r"golangci-lint", r"clippy",
              r"rubocop", r"stylelint", r"shellcheck", r"hadolint", r"markdownlint(?:-cli2?)?",
              r"yamllint", r"actionlint", r"tflint", r"ktlint", r"detekt", r"checkstyle",
              r"spotbugs", r"pmd", r"phpcs", r"php-cs-fixer", r"go\s+vet", r"staticcheck",
              r"revive", r"biome(?!\s+format)", r"oxlint", r"super-linter", r"megalinter",
              r"pre-commit", r"credo", r"swiftlint", r"cppcheck", r"clang-tidy", r"commitlint",
              r"htmlhint", r"jshint", r"tslint", r"pycodestyle", r"pydocstyle", r"pyflakes",
              r"vulture", r"codespell", r"editorconfig-checker", r"lint-staged", r"sqlfluff",
              r"buf\s+lint")),
    ("format", (r"prettier", r"black", r"gofmt", r"gofumpt", r"goimports", r"rustfmt",
                r"cargo\s+fmt", r"go\s+fmt", r"isort", r"ruff\s+format", r"biome\s+format",
                r"dotnet\s+format", r"clang-format", r"terraform\s+fmt", r"mix\s+format", r"ktfmt",
                r"google-java-format", r"spotless\w*", r"shfmt", r"stylua", r"dprint", r"yapf",
                r"autopep8")),
    ("typecheck", (r"tsc", r"vue-tsc", r"mypy", r"dmypy", r"pyright", r"basedpyright", r"pytype",
                   r"pyre", r"flow\s+check", r"srb\s+tc", r"steep\s+check", r"svelte-check",
                   r"phpstan", r"psalm")),
    ("coverage", (r"coverage", r"codecov", r"coveralls", r"--cov", r"nyc", r"c8", r"jacoco\w*",
                  r"tarpaulin", r"llvm-cov", r"-coverprofile", r"simplecov", r"kover",
                  r"istanbul")),
    ("build", (r"docker[.\s]+(?:buildx\s+)?build", r"(?:docker|podman)[\s-]compose\s+build",
               r"podman\s+build", r"buildah\s+bud", r"build-push-action", r"cargo\s+build",
               r"go\s+build", r"python\d?(?:\.\d+)?\s+-m\s+build",
               r"(?:poetry|hatch|uv|pdm|flit)\s+build", r"setup\.py\s+(?:sdist|bdist\w*|build)",
               r"pip\s+wheel", r"cibuildwheel", r"maturin\s+build",
               r"dotnet\s+(?:build|publish|pack)", r"msbuild", r"cmake\s+--build", r"ninja",
               r"bazel\s+build", r"xcodebuild", r"swift\s+build", r"flutter\s+build", r"webpack",
               r"esbuild", r"tsup", r"rollup",
               (r"(?:next|vite|nuxt|nuxi|astro|remix|gatsby|ng|react-scripts|vue-cli-service"
                r"|parcel)\s+build"),
               _JVM_GOAL + r"(?:package|install|build|assemble\w*|compile|jar|bootJar|shadowJar)",
               r"make(?:\s+-\S+)*\s*$")),
    ("security-scan", (r"codeql(?:-action)?", r"semgrep", r"bandit", r"trivy", r"snyk", r"gitleaks",
                       r"trufflehog", r"detect-secrets", r"scorecard(?:-action)?", r"grype",
                       r"gosec", r"brakeman", r"checkov", r"tfsec", r"kics", r"zaproxy",
                       r"zap-(?:baseline|full-scan|api-scan)", r"sonar\w*", r"horusec", r"njsscan",
                       r"docker\s+scout", r"anchore", r"veracode", r"checkmarx")),
    ("dependency-audit", (r"(?:npm|pnpm|yarn|bun)\s+audit", r"pip-audit",
                          r"safety\s+(?:check|scan)", r"cargo[-\s](?:audit|deny)", r"govulncheck",
                          r"dependency-review(?:-action)?", r"bundler?[-\s]audit",
                          r"composer\s+audit", r"osv-scanner", r"dependency-check\w*", r"nancy",
                          r"audit-ci", r"better-npm-audit", r"auditjs", r"--vulnerable",
                          r"mix_audit", r"deps\.audit")),
    ("docs", (r"mkdocs", r"sphinx(?:-build)?", r"docusaurus", r"mdbook", r"typedoc", r"javadoc",
              r"cargo\s+doc", r"pdoc", r"doxygen", r"jsdoc", r"vitepress", r"antora", r"redocly?",
              r"hugo", r"jekyll", r"docfx", r"dokka")),
    ("deploy", (r"vercel\s+(?:deploy|--prod|--prebuilt|promote)", r"vercel-action",
                r"netlify\s+deploy", r"actions-netlify", r"fly(?:ctl)?\s+deploy", r"flyctl-actions",
                r"kubectl\s+(?:apply|rollout|set\s+image)", r"helm\s+(?:upgrade|install)",
                r"helmfile\s+(?:apply|sync)", r"terraform\s+apply", r"pulumi\s+up", r"cdk\s+deploy",
                r"(?:serverless|sls|sam)\s+deploy", r"aws(?:\s+[\w-]+)?\s+deploy",
                r"aws\s+s3\s+sync", r"aws\s+ecs\s+update-service", r"gcloud\b[^\n;&|]*?\sdeploy",
                r"az\s+(?:webapp|functionapp|containerapp)\s+(?:deploy|up)", r"firebase\s+deploy",
                r"wrangler\s+(?:deploy|publish|pages\s+deploy)", r"gh-pages", r"gh-deploy",
                r"git\s+push\s+heroku", r"heroku\s+(?:deploy|container:release)", r"heroku-deploy",
                r"railway\s+up", r"eb\s+deploy", r"ansible-playbook", r"argocd\s+app\s+sync",
                r"skaffold\s+(?:run|deploy)", r"docker\s+stack\s+deploy", r"kamal\s+deploy",
                r"capistrano", r"surge",
                r"Azure(?:WebApp|FunctionApp|ContainerApps|StaticWebApp|RmWebAppDeployment)\w*")),
    ("release", (r"semantic-release", r"release-please(?:-action)?", r"goreleaser", r"changesets?",
                 r"twine\s+upload", r"(?:npm|pnpm|yarn|bun)\s+publish", r"gh-action-pypi-publish",
                 r"cargo\s+publish", r"gem\s+push", r"(?:poetry|flit|hatch|uv|pdm)\s+publish",
                 r"gh\s+release\s+(?:create|upload)", r"lerna\s+publish", r"standard-version",
                 r"release-it", r"jreleaser", r"(?:dotnet\s+)?nuget\s+push", r"cz\s+bump",
                 r"bump2?version", _JVM_GOAL + r"(?:deploy|publish\w*)",
                 # Travis and AppVeyor deploy providers that publish packages
                 r"provider:\s*(?:pypi|npm|releases|rubygems|cargo|nuget)")),
    ("container", (r"docker", r"podman", r"buildah", r"kaniko", r"buildx", r"jib\w*", r"ko\s+build",
                   r"pack\s+build", r"skopeo")),
    ("benchmark", (r"cargo\s+bench", r"-bench(?:=|\s)", r"hyperfine", r"pytest-benchmark",
                   r"--benchmark\S*", r"k6\s+run", r"locust", r"jmh", r"codspeed", r"asv\s+run")),
)

# Word boundaries: letters and digits join words; anything else (- _ : / . space) separates them.
_WORD = r"(?<![A-Za-z0-9])(?:{})(?![A-Za-z0-9])"



# Environments that publish a package (PyPI's trusted publishing recommends `environment: pypi`)
# release a library; they do not deploy a running service.
_PUBLISH_ENVIRONMENTS = re.compile(r"^(test)?pypi$|^(npm|crates(\.io)?|rubygems|packagist|maven(-central)?|nuget"
                                   r"|release|releases|publish|publishing|package|packages)$", re.I)


def _publishes_package(environment: str | None) -> bool:
    """True for a job environment that releases a package rather than deploying a service."""
    return bool(environment) and bool(_PUBLISH_ENVIRONMENTS.match(environment.strip()))

def _compile(table: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[str, re.Pattern], ...]:
    """One regular expression per stage, matching any of its patterns as a whole word."""
    flags = re.IGNORECASE | re.MULTILINE
    return tuple((stage, re.compile(_WORD.format("|".join(patterns)), flags))
                 for stage, patterns in table)


_WORDS = _compile(STAGE_WORDS)
_TOOLS = _compile(STAGE_TOOLS)
_KIND_WORDS = tuple((stage, rx) for stage, rx in _WORDS if stage in _TEST_KINDS)

# Commands that install or print rather than run: `npm install eslint` runs no linter.
_INERT_COMMAND = re.compile(
    r"(?:sudo\s+)?(?:(?:npm|pnpm|yarn|bun)\s+(?:install|i|add|ci)\b"
    r"|(?:python\d?(?:\.\d+)?\s+-m\s+)?pip3?\s+install"
    r"|uv\s+(?:pip\s+install|add|sync|tool\s+install)|poetry\s+(?:add|install)|pipx\s+install"
    r"|conda\s+install|apt(?:-get)?\s+install|apk\s+add"
    r"|brew\s+install|choco\s+install|dnf\s+install|yum\s+install|go\s+install|cargo\s+install"
    r"|gem\s+install|echo\b|printf\b)", re.IGNORECASE)
_SEGMENT_SPLIT = re.compile(r"&&|\|\||;")
_TARGET_RUNNERS = re.compile(
    r"(?<![\w./-])(?:(?:npm|pnpm|yarn|bun)(?:\s+run)?|make|just|task|rake|mage|invoke"
    r"|turbo(?:\s+run)?|nx(?:\s+run(?:-many)?)?|lerna\s+run|poe|gulp|grunt|cargo\s+make|deno\s+task"
    r"|hatch\s+run|pdm\s+run|nox\s+-s|tox\s+-e|composer(?:\s+run(?:-script)?)?)"
    r"\s+([^;&|#\n]{1,200})",
    re.IGNORECASE)
_SCRIPT_STEM = re.compile(r"([\w-]+)\.(?:sh|bash|ps1|py|[cm]?js|ts|rb|pl)\b")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _match(text: str, tables: Iterable[tuple[tuple[str, re.Pattern[str]], ...]]) -> set[str]:
    return {stage for table in tables for stage, rx in table if rx.search(text)}


def _name_stages(name: str) -> set[str]:
    """Raw stages named by a job, step or stage name, or a reference (camelCase split too)."""
    name = name[:MAX_CLASSIFIED_CHARS]
    found = _match(name, (_WORDS, _TOOLS))
    split = _CAMEL.sub(" ", name)
    if split != name:
        found |= _match(split, (_WORDS, _TOOLS))
    return found


#: The root POM's ``<defaultGoal>`` while a tree's CI files are read: a bare ``mvn`` (flags, no goal) runs it.
_MAVEN_DEFAULT_GOAL: contextvars.ContextVar[str | None] = contextvars.ContextVar("maven_default_goal",
                                                                                default=None)
_BARE_MAVEN = re.compile(r"^(?:\./)?mvnw?(?:\s+(?:-\S+|\$\{\{[^}]*\}\}))*\s*$")
_DEFAULT_GOAL = re.compile(r"<defaultGoal>\s*([^<]{1,300}?)\s*</defaultGoal>")


def _default_goal(tree: FileTree) -> str | None:
    m = _DEFAULT_GOAL.search(tree.read_text("pom.xml") or "") if tree.exists("pom.xml") else None
    return m.group(1) if m else None


def _command_stages(command: str) -> set[str]:
    """Raw stages a shell command provides: tools it runs, targets it runs, scripts it calls."""
    found: set[str] = set()
    for segment in _SEGMENT_SPLIT.split(command[:MAX_CLASSIFIED_CHARS]):
        segment = segment.strip()
        if not segment or _INERT_COMMAND.match(segment):
            continue
        goal = _MAVEN_DEFAULT_GOAL.get()
        if goal and _BARE_MAVEN.match(segment):
            segment = f"{segment} {goal}"
        tools = _match(segment, (_TOOLS,))
        if _RUNNER in tools:  # what a runner is pointed at names the kind: `pytest tests/e2e`
            tools |= _match(segment, (_KIND_WORDS,))
        found |= tools
        for runner in _TARGET_RUNNERS.finditer(segment):
            for target in re.split(r"[\s,]+", runner.group(1)):
                if target and not target.startswith("-") and "=" not in target:
                    found |= _match(target, (_WORDS,))
        for script in _SCRIPT_STEM.finditer(segment):
            found |= _match(script.group(1), (_WORDS,))
    return found


def _resolve(raw: set[str], context: frozenset[str] = frozenset()) -> frozenset[str]:
    """Raw matches as stages: a test runner takes the kind its context names, else unit."""
    kinds = raw & _TEST_KINDS
    if _RUNNER in raw and not kinds:
        kinds = set(context) or {"unit-test"}
    stages = (raw - {_RUNNER}) | kinds
    if kinds:
        stages.discard("test")
    return frozenset(stages)


def classify_name(name: str) -> frozenset[str]:
    """The stages a job, step or stage name (or a ``uses:`` reference) names."""
    return _resolve(_name_stages(name))


def classify_command(command: str) -> frozenset[str]:
    """The stages a shell command provides."""
    return _resolve(_command_stages(command))


# -- reading parsed YAML of any shape -----------------------------------------------------------


class _Ref(str):
    """A reference (action, orb command, task, image, pipe, plugin, template): read as a name."""


class _Image(_Ref):
    """A container image a step runs in: read by its own name, not its registry path or tag."""


def _scalar(value: object) -> str | None:
    """The text of a scalar YAML value; None for mappings, lists and null."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float, datetime.date)):
        return str(value)
    return None


def _shape(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return "a scalar"


def _items(value: object) -> list:
    """A list as a list, a scalar as a one-item list, anything else as nothing."""
    if isinstance(value, list):
        return value
    return [] if value is None or isinstance(value, dict) else [value]


def _entries(value: object) -> list[tuple[str, object]]:
    """A mapping's (key, value) pairs with keys as text; keys that are not scalars are dropped."""
    if not isinstance(value, dict):
        return []
    return [(k, v) for k, v in ((_scalar(k), v) for k, v in value.items()) if k is not None]


def _reference_name(ref: str) -> str:
    """A reference without its version or scheme, as its name is read.

    ``actions/checkout@v4``, ``Npm@1``, ``docker-compose#v4`` lose what follows ``@``/``#``
    (``pypa/gh-action-pypi-publish@release/v1`` is not a release step because of its ref);
    ``docker://`` says how an action runs, not what it does.
    """
    if isinstance(ref, _Image):
        return _image_name(ref)
    return re.split(r"[@#]", ref.removeprefix("docker://"), maxsplit=1)[0]


def _shell_lines(value: object, depth: int = 0) -> list[str | _Ref]:
    """Command lines (and Bitbucket pipes) from a script: a string or a (nested) list of them."""
    out: list[str | _Ref] = []
    if depth > 4:
        return out
    if isinstance(value, list):
        for item in value[:MAX_UNITS_PER_STEP]:
            out.extend(_shell_lines(item, depth + 1))
    elif isinstance(value, dict):
        pipe = _scalar(value.get("pipe"))  # Bitbucket
        if pipe:
            out.append(_Ref(pipe))
        for key in ("cmd", "ps", "pwsh", "sh"):  # AppVeyor
            out.extend(_shell_lines(_scalar(value.get(key)), depth + 1))
    else:
        text = _scalar(value)
        for line in (text or "").splitlines():
            line = line.strip().removesuffix("\\").strip()
            if line and not line.startswith("#"):
                out.append(line)
    return out[:MAX_UNITS_PER_STEP]


def _clip(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip()[:MAX_TEXT] if lines else ""


def _is_pinned(uses: str) -> bool:
    if uses.startswith(("./", "docker://")):
        return True
    _, _, ref = uses.partition("@")
    return re.fullmatch(r"[0-9a-fA-F]{40}", ref) is not None


# -- locating things in the text ----------------------------------------------------------------


class _Locator:
    """Finds the 1-based line, in a CI file's text, of keys and values read from its parsed form."""

    _KEY = re.compile(r"""^([ \t]*)(?:-[ \t]+)?(["']?)([^\s"'#][^\n]{0,255}?)\2[ \t]*:(?=[ \t]|$)""", re.M)

    def __init__(self, text: str):
        self.text = text
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._keys: dict[str, list[tuple[int, int]]] | None = None
        self._key_lines: list[tuple[int, int]] = []

    def line_at(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def _index(self) -> dict[str, list[tuple[int, int]]]:
        if self._keys is None:
            self._keys = {}
            for m in self._KEY.finditer(self.text):
                entry = (self.line_at(m.start()), len(m.group(1)))
                self._keys.setdefault(m.group(3), []).append(entry)
                self._key_lines.append(entry)
        return self._keys

    def key(self, key: str, *, after: int = 0, indent: int | None = None) -> int | None:
        """The first line after ``after`` where ``key:`` is written (at ``indent``, if given)."""
        for line, ind in self._index().get(key, ()):
            if line > after and (indent is None or ind == indent):
                return line
        return None

    def child_indent(self, parent_line: int | None) -> int | None:
        """The indentation of the first key below ``parent_line``: where its children sit."""
        if parent_line is None:
            return None
        self._index()
        i = bisect.bisect_right(self._key_lines, (parent_line, 1 << 30))
        return self._key_lines[i][1] if i < len(self._key_lines) else None

    def line_start(self, line: int) -> int:
        return self._starts[line - 1] if 0 < line <= len(self._starts) else len(self.text)

    def find(self, needle: str | None, start: int = 0) -> tuple[int, int] | None:
        """Where ``needle``'s first line (up to 80 chars) is next written, from offset ``start``.

        Returns its line and the offset just past it, from which the next item is searched.
        """
        first = _clip(needle or "")[:80]
        idx = self.text.find(first, start) if first else -1
        return None if idx < 0 else (self.line_at(idx), idx + len(first))


# -- building a pipeline ------------------------------------------------------------------------


class _Pipeline:
    """One CI file's jobs, steps, actions and problems, accumulated while it is read."""

    def __init__(self, system: str, path: str, text: str):
        self.system = system
        self.path = path
        self.where = _Locator(text)
        self.jobs: list[str] = []
        self.steps: list[CiStep] = []
        self.actions: list[ActionRef] = []
        self.problems: list[str] = []
        self.job_permissions: list[tuple[str, str]] = []
        self.name: str | None = None
        self.permissions: str | None = None
        self.cursor = 0  # offset in the text from which the next job is searched

    def note(self, problem: str) -> None:
        if len(self.problems) < MAX_PROBLEMS and problem not in self.problems:
            self.problems.append(problem)

    def bounded(self, items: Iterable, limit: int, what: str) -> Iterator:
        for i, item in enumerate(items):
            if i >= limit:
                self.note(f"more than {limit} {what}; the rest were not read")
                return
            yield item

    def job(self, job: str, line: int | None = None, *, names: Iterable[str | None] = (),
            refs: Iterable[str | None] = (), extra: Iterable[str] = (), label: str | None = None,
            locate: str | None = None, listed: bool = True) -> _Job | None:
        """Record a job and classify its names; None once the file's job limit is reached."""
        if listed and len(self.jobs) >= MAX_JOBS_PER_FILE:
            self.note(f"more than {MAX_JOBS_PER_FILE} jobs; the rest were not read")
            return None
        if line is None and locate and (hit := self.where.find(locate, self.cursor)):
            line, self.cursor = hit
        elif line is not None:
            self.cursor = max(self.cursor, self.where.line_start(line))
        if listed and job not in self.jobs:
            self.jobs.append(job)
        raw = set(extra)
        for name in (job, *names):
            if name:
                raw |= _name_stages(name)
        for ref in refs:
            if ref:
                raw |= _name_stages(_reference_name(ref))
        stages = _resolve(raw)
        if stages:
            self.steps.append(CiStep(job, line, stages, _clip(label or job)))
        return _Job(self, job, line, frozenset(raw & _TEST_KINDS))

    def action(self, uses: str, line: int | None) -> None:
        self.actions.append(ActionRef(self.path, line, uses, _is_pinned(uses)))

    def build(self, triggers: Iterable[str]) -> CiPipeline:
        def step_order(s: CiStep):
            return (s.line is None, s.line or 0, s.job, s.text, sorted(s.stages))

        return CiPipeline(
            system=self.system, path=self.path, name=self.name or posixpath.basename(self.path),
            triggers=tuple(sorted(set(triggers))), jobs=tuple(self.jobs),
            steps=tuple(sorted(set(self.steps), key=step_order)),
            actions=tuple(sorted(self.actions,
                                 key=lambda a: (a.line is None, a.line or 0, a.uses))),
            permissions=self.permissions, problem="; ".join(self.problems) or None,
            job_permissions=tuple(sorted(self.job_permissions)))


class _Job:
    """A job being read: classifies its steps, using the test kind its name gives as context."""

    def __init__(self, pipeline: _Pipeline, job: str, line: int | None, context: frozenset[str]):
        self.pipeline = pipeline
        self.job = job
        self.line = line
        self.context = context
        self.cursor = pipeline.where.line_start(line) if line else pipeline.cursor
        self.count = 0

    def step(self, *, name: str | None = None, units: Iterable[str | _Ref] = (),
             action: str | None = None, line: int | None = None) -> None:
        """Classify one step (written at ``line``, when the reader knows it).

        Each command or reference that provides a stage becomes a :class:`CiStep` with its own line;
        the step's name becomes one too when it names a stage none of them provides. ``action`` is a
        GitHub ``uses:``, also recorded as an :class:`ActionRef`.
        """
        p = self.pipeline
        self.count += 1
        if self.count > MAX_STEPS_PER_JOB:
            p.note(f"more than {MAX_STEPS_PER_JOB} steps in job {self.job!r}; "
                   "the rest were not read")
            return
        start = p.where.line_start(line) if line is not None else self.cursor
        name_raw = _name_stages(name) if name else set()
        context = self.context | (name_raw & _TEST_KINDS)
        name_hit = p.where.find(name, start) if name else None
        fallback = (name_hit[0] if name_hit else None) or line or self.line
        units = list(units)[:MAX_UNITS_PER_STEP]
        if action:
            units.insert(0, _Ref(action))
        cursor = start
        covered: set[str] = set()
        for i, unit in enumerate(units):
            hit = p.where.find(unit, cursor)
            found, cursor = hit if hit else (None, cursor)
            if action and i == 0:
                p.action(action, found)
            if isinstance(unit, _Ref):
                raw = _name_stages(_reference_name(unit))
            else:
                raw = _command_stages(unit)
            if raw:
                stages = _resolve(raw, context)
                covered |= stages
                p.steps.append(CiStep(self.job, found or fallback, stages, _clip(unit)))
        rest = set(_resolve(name_raw, self.context)) - covered
        if covered & _TEST_KINDS:
            rest.discard("test")
        if rest:
            p.steps.append(CiStep(self.job, fallback, frozenset(rest), _clip(name or "")))
        self.cursor = max(self.cursor, cursor, name_hit[1] if name_hit else 0)


# -- GitHub Actions -----------------------------------------------------------------------------

_GITHUB_EVENTS = {"push": "push", "pull_request": "pull_request",
                  "pull_request_target": "pull_request", "merge_group": "pull_request",
                  "schedule": "schedule", "workflow_dispatch": "manual", "release": "release",
                  "workflow_call": "workflow_call"}


def _github_permissions(p: _Pipeline, value: object, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return "restricted"
    text = _scalar(value)
    if text in ("read-all", "write-all"):
        return text
    p.note(f"{where} permissions is {_shape(value)} {text or ''}".rstrip())
    return _clip(text or _shape(value))


def _github_triggers(p: _Pipeline, on: object) -> set[str]:
    if isinstance(on, dict):
        events = _entries(on)
    elif isinstance(on, list):
        events = [(e, None) for e in map(_scalar, on) if e]
    elif _scalar(on):
        events = [(_scalar(on), None)]
    else:
        p.note("'on' is missing or not an event, a list or a mapping")
        return set()
    found: set[str] = set()
    for event, config in events:
        if event == "push" and isinstance(config, dict):
            tags = bool({"tags", "tags-ignore"} & config.keys())
            branches = bool({"branches", "branches-ignore"} & config.keys())
            if tags:
                found.add("tag")
            if branches or not tags:
                found.add("push")
        else:
            found.add(_GITHUB_EVENTS.get(event, "other"))
    return found


def _github(p: _Pipeline, doc: dict) -> set[str]:
    p.name = _scalar(doc.get("name"))
    p.permissions = _github_permissions(p, doc.get("permissions"), "top-level")
    triggers = _github_triggers(p, doc.get("on"))
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict):
        p.note(f"'jobs' is {_shape(jobs)}, not a mapping")
        return triggers
    jobs_line = p.where.key("jobs", indent=0)
    indent = p.where.child_indent(jobs_line)
    for job_id, job in p.bounded(_entries(jobs), MAX_JOBS_PER_FILE, "jobs"):
        line = p.where.key(job_id, after=jobs_line or 0, indent=indent)
        if not isinstance(job, dict):
            p.note(f"job {job_id!r} is {_shape(job)}, not a mapping")
            p.job(job_id, line)
            continue
        display = _scalar(job.get("name"))
        environment = job.get("environment")
        if isinstance(environment, dict):
            environment = environment.get("name") or environment
        env_name = _scalar(environment)
        uses = _scalar(job.get("uses"))
        label = display or job_id
        if env_name:
            label += f" (environment: {env_name})"
        j = p.job(job_id, line, names=(display,), refs=(uses,), label=uses or label,
                  extra={"deploy"} if environment and not _publishes_package(env_name) else ())
        if j is None:
            break
        if uses:
            hit = p.where.find(uses, p.where.line_start(line) if line else 0)
            p.action(uses, hit[0] if hit else line)
        job_permissions = _github_permissions(p, job.get("permissions"), f"job {job_id!r}")
        if job_permissions:
            p.job_permissions.append((job_id, job_permissions))
        steps = job.get("steps")
        if steps is not None and not isinstance(steps, list):
            p.note(f"steps of job {job_id!r} are {_shape(steps)}, not a list")
            continue
        for step in _items(steps):
            if not isinstance(step, dict):
                p.note(f"a step of job {job_id!r} is {_shape(step)}, not a mapping")
                continue
            j.step(name=_scalar(step.get("name")), units=_shell_lines(_scalar(step.get("run"))),
                   action=_scalar(step.get("uses")))
    return triggers


# -- GitLab CI ----------------------------------------------------------------------------------

_GITLAB_NOT_JOBS = frozenset({"stages", "variables", "include", "workflow", "default", "image",
                              "services", "before_script", "after_script", "cache", "types",
                              "spec"})
_GITLAB_SOURCES = {"push": "push", "merge_request_event": "merge_request",
                   "external_pull_request_event": "pull_request", "schedule": "schedule",
                   "web": "manual", "webide": "manual"}
_GITLAB_ONLY = {"branches": "push", "pushes": "push", "tags": "tag",
                "merge_requests": "merge_request", "schedules": "schedule", "web": "manual",
                "external_pull_requests": "pull_request",
                "api": "other", "triggers": "other", "pipelines": "other", "external": "other",
                "chat": "other"}
_GITLAB_SOURCE_TEST = re.compile(r"\$CI_PIPELINE_SOURCE\s*(?:==|=~)\s*[\"'/]?([\w|^$()]+)")
_GITLAB_TAG = re.compile(r"(?<!!)\$CI_COMMIT_TAG\b(?!\s*==\s*(?:null|\"\"|''))")
_GITLAB_BRANCH = re.compile(r"\$CI_(?:COMMIT_BRANCH|DEFAULT_BRANCH|COMMIT_REF_NAME)\b")


def _gitlab_rule(rule: object) -> set[str]:
    """Pipeline sources one ``rules:`` entry admits (an entry with ``when: never`` admits none)."""
    if not isinstance(rule, dict):
        return {"push"}
    when = _scalar(rule.get("when"))
    if when == "never":
        return set()
    condition = _scalar(rule.get("if")) or ""
    found = {_GITLAB_SOURCES.get(source, "other")
             for m in _GITLAB_SOURCE_TEST.finditer(condition)
             for source in re.findall(r"\w+", m.group(1))}
    if "$CI_MERGE_REQUEST_" in condition:
        found.add("merge_request")
    if _GITLAB_TAG.search(condition):
        found.add("tag")
    if _GITLAB_BRANCH.search(condition) or not found:
        # A rule that names no source applies to branch pipelines, which pushes create.
        found.add("push")
    if when == "manual":
        found.add("manual")
    return found


def _gitlab_rules(rules: object) -> set[str] | None:
    """Sources a ``rules:`` list admits, or None when there is no list (no restriction)."""
    if not isinstance(rules, list) or not rules:
        return None
    return set().union(*(_gitlab_rule(r) for r in rules[:MAX_UNITS_PER_STEP]))


def _gitlab_job_triggers(job: dict, unrestricted: set[str]) -> set[str]:
    """Sources a job runs for; ``unrestricted`` unless ``rules:`` or ``only:`` restrict it."""
    found = _gitlab_rules(job.get("rules"))
    only = job.get("only")
    if isinstance(only, dict):
        only = only.get("refs", ["branches"])
    if only is not None:
        found = (found or set()) | {_GITLAB_ONLY.get(str(ref), "push") for ref in _items(only)}
    found = set(unrestricted) if found is None else found
    if _scalar(job.get("when")) == "manual":
        found.add("manual")
    return found


def _gitlab_include_entries(value: object) -> list[tuple[str, str]]:
    """(kind, value) for each ``include:`` entry: kind "local", or what is referenced remotely."""
    out: list[tuple[str, str]] = []
    for entry in _items(value)[:MAX_UNITS_PER_STEP]:
        if isinstance(entry, dict):
            for kind in ("local", "remote", "template", "component", "project"):
                text = _scalar(entry.get(kind))
                if text and kind == "project":
                    files = ", ".join(filter(None, map(_scalar, _items(entry.get("file")))))
                    out.append((kind, f"{text}: {files}" if files else text))
                elif text:
                    out.append((kind, text))
        elif (text := _scalar(entry)):
            out.append(("remote" if re.match(r"https?://", text) else "local", text))
    return out


def _gitlab_local_paths(tree: FileTree, spec: str) -> list[str]:
    """Tree paths a local include names (GitLab allows wildcards); nothing outside the tree."""
    spec = posixpath.normpath(spec.strip().lstrip("/"))
    if spec.startswith("..") or spec == ".":
        return []
    if any(c in spec for c in "*?["):
        return tree.glob(spec, case_insensitive=False)
    return [spec] if spec in tree else []


class _GitlabTemplates:
    """Resolves ``extends:`` against every job and hidden key in the file and its includes."""

    def __init__(self, docs: Iterable[dict]):
        self.defs: dict[str, dict] = {}
        for doc in docs:
            for key, value in _entries(doc):
                if isinstance(value, dict):
                    self.defs.setdefault(key, value)
        self._resolved: dict[str, dict] = {}
        self._open: set[str] = set()

    def resolve(self, name: str, job: dict, depth: int = 0) -> dict:
        """``job`` with what it extends merged under it (GitLab stops at 11 levels; so do we)."""
        if name in self._resolved and self.defs.get(name) is job:
            return self._resolved[name]
        merged: dict = {}
        self._open.add(name)
        for parent in _items(job.get("extends"))[:10]:
            parent = _scalar(parent)
            base = self.defs.get(parent) if parent and parent not in self._open else None
            if depth < 11 and isinstance(base, dict):
                merged.update(self.resolve(parent, base, depth + 1))
        self._open.discard(name)
        merged.update(job)
        merged.pop("extends", None)
        if self.defs.get(name) is job:
            self._resolved[name] = merged
        return merged


def _gitlab(p: _Pipeline, doc: dict, templates: _GitlabTemplates, workflow: set[str] | None,
            includes: list[tuple[str, str]]) -> set[str]:
    remote = [_Ref(value) for kind, value in includes if kind != "local"]
    if remote:
        p.job(INCLUDE_JOB, listed=False).step(units=remote)
    triggers: set[str] = set()
    for job_id, value in _entries(doc):
        if job_id in _GITLAB_NOT_JOBS or job_id.startswith(".") or not isinstance(value, dict):
            continue
        job = templates.resolve(job_id, value)
        if not any(k in job for k in ("script", "trigger", "run")):
            continue
        environment = job.get("environment")
        stage = _scalar(job.get("stage"))
        j = p.job(job_id, p.where.key(job_id, indent=0), names=(stage,),
                  extra={"deploy"} if environment else ())
        if j is None:
            break
        trigger = job.get("trigger")
        units = _shell_lines(job.get("before_script")) + _shell_lines(job.get("script"))
        if isinstance(trigger, dict):
            trigger = trigger.get("include") or trigger.get("project")
        if _scalar(trigger):  # a child or downstream pipeline
            units.append(_Ref(_scalar(trigger)))
        j.step(units=units)
        triggers |= _gitlab_job_triggers(job, workflow or {"push"})
    return triggers or set(workflow or {"push"})


def _read_gitlab(tree: FileTree, root: str, text: str, docs: list, out: list[CiPipeline],
                 rejected: list[tuple[str, str]], claimed: set[str]) -> None:
    """The root file and the local files it includes (transitively, at most 20): a pipeline each."""
    files: list[tuple[str, str, dict]] = []
    queue = [(root, text, docs)]
    missing: list[tuple[str, str]] = []  # (including file, include spec)
    included = 0
    while queue:
        path, body, parsed = queue.pop(0)
        # A header document holding only `spec:` (CI/CD inputs) precedes the configuration.
        parsed = [d for d in parsed if d is not None]
        if len(parsed) > 1 and isinstance(parsed[0], dict) and set(parsed[0]) == {"spec"}:
            parsed = parsed[1:]
        doc = parsed[0] if parsed else None
        if not isinstance(doc, dict):
            rejected.append((path, f"top level is {_shape(doc)}, not a mapping"))
            continue
        files.append((path, body, doc))
        for kind, spec in _gitlab_include_entries(doc.get("include")):
            if kind != "local":
                continue
            paths = _gitlab_local_paths(tree, spec)
            if not paths:
                missing.append((path, spec))
            for inc in paths:
                if inc in claimed:
                    continue
                claimed.add(inc)
                included += 1
                if included > MAX_GITLAB_INCLUDES:
                    why = f"more than {MAX_GITLAB_INCLUDES} local includes; not read"
                    rejected.append((inc, why))
                    continue
                inc_text = tree.read_text(inc)
                if inc_text is None:
                    rejected.append((inc, tree.unread.get(inc, "could not be read")))
                    continue
                try:
                    queue.append((inc, inc_text, load_all(inc_text)))
                except YamlRejected as exc:
                    rejected.append((inc, str(exc)))
    templates = _GitlabTemplates(d for _, _, d in files)  # the root first: its definitions win
    workflow_defs = [d["workflow"] for _, _, d in files if isinstance(d.get("workflow"), dict)]
    workflow = _gitlab_rules(workflow_defs[0].get("rules")) if workflow_defs else None
    for path, body, doc in files:
        p = _Pipeline("gitlab-ci", path, body)
        for spec in (spec for where, spec in missing if where == path):
            p.note(f"include {spec!r} is not in the tree")
        includes = _gitlab_include_entries(doc.get("include"))
        _read_guarded(out, rejected, p, _gitlab, doc, templates, workflow, includes)


# -- CircleCI -----------------------------------------------------------------------------------


def _circleci(p: _Pipeline, doc: dict) -> set[str]:
    jobs = doc.get("jobs")
    jobs_line = p.where.key("jobs", indent=0)
    indent = p.where.child_indent(jobs_line)
    for job_id, job in p.bounded(_entries(jobs), MAX_JOBS_PER_FILE, "jobs"):
        j = p.job(job_id, p.where.key(job_id, after=jobs_line or 0, indent=indent))
        if j is None:
            break
        if not isinstance(job, dict):
            p.note(f"job {job_id!r} is {_shape(job)}, not a mapping")
            continue
        steps = _items(job.get("steps"))
        for step in p.bounded(steps, MAX_STEPS_PER_JOB, f"steps in job {job_id!r}"):
            if isinstance(step, dict) and len(step) == 1:
                (key, body), = step.items()
                key = _scalar(key) or ""
                name = _scalar(body.get("name")) if isinstance(body, dict) else None
                if key == "run":
                    command = body.get("command") if isinstance(body, dict) else body
                    j.step(name=name, units=_shell_lines(command))
                else:  # an orb command or a built-in step (save_cache, setup_remote_docker, ...)
                    j.step(name=name, units=[_Ref(key)])
            elif _scalar(step):
                j.step(units=[_Ref(_scalar(step))])
    triggers: set[str] = set()
    workflows = [(k, w) for k, w in _entries(doc.get("workflows")) if isinstance(w, dict)]
    for _, workflow in workflows:
        scheduled = any(isinstance(t, dict) and "schedule" in t
                        for t in _items(workflow.get("triggers")))
        condition = f"{workflow.get('when', '')} {workflow.get('unless', '')}"
        triggers.add("schedule" if scheduled or "scheduled_pipeline" in condition else "push")
        for entry in _items(workflow.get("jobs")):
            pairs = _entries(entry) if isinstance(entry, dict) else [(_scalar(entry), None)]
            if not pairs or not pairs[0][0]:
                continue
            name, config = pairs[0]
            config = config if isinstance(config, dict) else {}
            filters = config.get("filters")
            if isinstance(filters, dict) and isinstance(filters.get("tags"), dict):
                triggers.add("tag")
            if _scalar(config.get("type")) == "approval":  # a person's go-ahead, not a job
                triggers.add("manual")
            elif name not in p.jobs:
                p.job(name, locate=name)  # an orb's job, known only by its name
    return triggers or {"push"}


# -- Jenkins ------------------------------------------------------------------------------------

_JENKINS_STAGE = re.compile(r"""\bstage\s*\(\s*(?:name\s*:\s*)?(['"])([^'"\n]{1,200})\1""")
_JENKINS_SHELL = re.compile(r'''\b(?:sh|bat|pwsh|powershell)\b[ \t]*(?:\(\s*)?(?:script\s*:\s*)?(\'\'\'|"""|'|")''')
_JENKINS_DOCKER_BUILD = re.compile(r"\bdocker\.build\s*\([^\n]{0,200}")
_JENKINS_TRIGGERS = (
    ("schedule", re.compile(r"\bcron\s*[('\"]|\bparameterizedCron\b")),
    ("pull_request", re.compile(r"\bchangeRequest\b|\bCHANGE_ID\b")),
    ("tag", re.compile(r"\bbuildingTag\s*\(|\btag\s+['\"]|\bTAG_NAME\b")),
    ("manual", re.compile(r"\binput\s*[({]|\binput\s+(?:message|['\"])|\bparameters\s*\{")),
    ("other", re.compile(r"\bupstream\s*\(")),
)


def _jenkins_commands(text: str) -> Iterator[tuple[int, str]]:
    """(offset, body) of each shell step; a scan in one pass, so unclosed quotes cost nothing."""
    pos = 0
    for _ in range(MAX_JENKINS_COMMANDS):
        m = _JENKINS_SHELL.search(text, pos)
        if m is None:
            return
        quote = m.group(1)
        end = text.find(quote, m.end())
        newline = text.find("\n", m.end())
        if end < 0 or (len(quote) == 1 and 0 <= newline < end):
            pos = m.end()
            continue
        yield m.end(), text[m.end():end]
        pos = end + len(quote)


def _jenkins(p: _Pipeline) -> set[str]:
    text = p.where.text
    stages = [(m.start(), m.group(2)) for m in _JENKINS_STAGE.finditer(text)]
    starts = [offset for offset, _ in stages]
    jobs: dict[str, _Job] = {}

    def job_at(offset: int) -> _Job | None:
        i = bisect.bisect_right(starts, offset) - 1
        name = stages[i][1] if i >= 0 else TOP_LEVEL_JOB
        if name not in jobs:
            line = p.where.line_at(stages[i][0]) if i >= 0 else None
            jobs[name] = p.job(name, line)
        return jobs[name]

    for offset, _ in stages:
        job_at(offset)
    steps = [(o, _shell_lines(body)) for o, body in _jenkins_commands(text)]
    steps += [(m.start(), [m.group(0)]) for m in _JENKINS_DOCKER_BUILD.finditer(text)]
    for offset, units in sorted(steps, key=lambda s: s[0]):
        j = job_at(offset)
        if j is not None:
            j.step(units=units, line=p.where.line_at(offset))
    return {"push"} | {kind for kind, rx in _JENKINS_TRIGGERS if rx.search(text)}


# -- Azure Pipelines ----------------------------------------------------------------------------

#: Azure task name -> the command its inputs (:data:`_AZURE_TASK_ARGUMENTS`) complete.
_AZURE_TASK_COMMANDS = {"npm": "npm", "dotnetcorecli": "dotnet", "maven": "mvn", "gradle": "gradle",
                        "docker": "docker", "kubernetes": "kubectl", "helmdeploy": "helm"}
_AZURE_TASK_ARGUMENTS = ("command", "goals", "tasks", "customCommand", "arguments")


def _azure_steps(j: _Job, steps: object) -> None:
    for step in _items(steps):
        if not isinstance(step, dict):
            continue
        name = _scalar(step.get("displayName"))
        units: list[str | _Ref] = []
        for key in ("script", "bash", "pwsh", "powershell"):
            units += _shell_lines(_scalar(step.get(key)))
        task = _scalar(step.get("task"))
        inputs = step.get("inputs") if isinstance(step.get("inputs"), dict) else {}
        if task:
            units.append(_Ref(task))
            command = _AZURE_TASK_COMMANDS.get(_reference_name(task).lower())
            args = " ".join(filter(None, (_scalar(inputs.get(k)) for k in _AZURE_TASK_ARGUMENTS)))
            if command and args:
                units.append(f"{command} {args}")
            for key in ("script", "inline", "Inline", "inlineScript"):
                units += _shell_lines(_scalar(inputs.get(key)))
        template = _scalar(step.get("template"))
        if template:
            units.append(_Ref(template))
        j.step(name=name, units=units)


def _azure_deployment_steps(strategy: object, depth: int = 0) -> Iterator[object]:
    """Every ``steps:`` list inside a deployment job's strategy (runOnce, rolling, canary hooks)."""
    if depth > 4 or not isinstance(strategy, dict):
        return
    for key, value in strategy.items():
        if key == "steps":
            yield value
        else:
            yield from _azure_deployment_steps(value, depth + 1)


def _azure_job(p: _Pipeline, job: object, stage: str | None) -> bool:
    if not isinstance(job, dict):
        p.note(f"a job is {_shape(job)}, not a mapping")
        return True
    deployment = _scalar(job.get("deployment"))
    name = _scalar(job.get("job")) or deployment or _scalar(job.get("template"))
    if not name:
        return True
    j = p.job(name, locate=name, names=(stage, _scalar(job.get("displayName"))),
              extra={"deploy"} if deployment or job.get("environment") else ())
    if j is None:
        return False
    _azure_steps(j, job.get("steps"))
    for steps in _azure_deployment_steps(job.get("strategy")):
        _azure_steps(j, steps)
    return True


def _azure_triggers(doc: dict) -> set[str]:
    found: set[str] = set()
    trigger = doc.get("trigger", "default")
    if trigger != "none":
        if isinstance(trigger, dict) and "tags" in trigger:
            found.add("tag")
        if not (isinstance(trigger, dict) and "tags" in trigger and "branches" not in trigger):
            found.add("push")
    pr = doc.get("pr")
    if pr is not None and pr != "none":
        found.add("pull_request")
    if _items(doc.get("schedules")):
        found.add("schedule")
    return found or {"manual"}


def _azure(p: _Pipeline, doc: dict) -> set[str]:
    for stage in p.bounded(_items(doc.get("stages")), MAX_JOBS_PER_FILE, "stages"):
        if not isinstance(stage, dict):
            continue
        stage_name = _scalar(stage.get("stage")) or _scalar(stage.get("template"))
        if stage_name and (hit := p.where.find(stage_name, p.cursor)):
            p.cursor = hit[1]
        if not all(_azure_job(p, job, stage_name) for job in _items(stage.get("jobs"))):
            break
    for job in _items(doc.get("jobs")):
        if not _azure_job(p, job, None):
            break
    if isinstance(doc.get("steps"), list):
        j = p.job(TOP_LEVEL_JOB, p.where.key("steps", indent=0))
        if j is not None:
            _azure_steps(j, doc["steps"])
    return _azure_triggers(doc)


# -- Travis and AppVeyor: phases ----------------------------------------------------------------

#: Phase key -> the step name its commands are read under (None: the commands speak alone).
_TRAVIS_PHASES = {"before_install": None, "install": None, "before_script": None, "script": None,
                  "after_success": None, "before_deploy": None, "deploy": "deploy",
                  "after_deploy": None}
_APPVEYOR_PHASES = {"init": None, "install": None, "before_build": None, "build_script": "build",
                    "after_build": None, "before_test": None, "test_script": "test",
                    "after_test": None, "before_deploy": None, "deploy_script": "deploy",
                    "deploy": "deploy", "on_success": None}


def _phases(j: _Job, config: dict, phases: dict[str, str | None], *,
            indent: int | None = None) -> None:
    for phase, name in phases.items():
        value = config.get(phase)
        if value is None or value in ("off", False):
            continue
        units = _shell_lines(value)
        if phase == "deploy":  # provider entries, not commands
            providers = value if isinstance(value, list) else [value]
            units = [_Ref(f"provider: {_scalar(d.get('provider'))}") for d in providers
                     if isinstance(d, dict) and _scalar(d.get("provider"))] or units
        line = j.pipeline.where.key(phase, after=j.line or 0, indent=indent)
        j.step(name=name, units=units, line=line)


def _travis(p: _Pipeline, doc: dict) -> set[str]:
    if any(k in doc for k in _TRAVIS_PHASES):
        _phases(p.job(TOP_LEVEL_JOB), doc, _TRAVIS_PHASES, indent=0)
    for key in ("jobs", "matrix"):
        section = doc.get(key)
        include = section.get("include") if isinstance(section, dict) else None
        for i, entry in enumerate(p.bounded(_items(include), MAX_JOBS_PER_FILE, "jobs")):
            if not isinstance(entry, dict):
                continue
            stage = _scalar(entry.get("stage"))
            name = _scalar(entry.get("name")) or stage or f"{key}.include[{i}]"
            j = p.job(name, locate=name, names=(stage,))
            if j is None:
                break
            _phases(j, entry, _TRAVIS_PHASES)
    text = p.where.text
    triggers = {"push", "pull_request"}
    if "cron" in text and re.search(r"\btype\s*(?:=|IN)\s*\(?[^\n]{0,200}?\bcron\b", text):
        triggers.add("schedule")
    if re.search(r"\btags:\s*true\b|\btag\s+IS\s+present\b", text, re.IGNORECASE):
        triggers.add("tag")
    return triggers


def _appveyor(p: _Pipeline, doc: dict) -> set[str]:
    j = p.job(TOP_LEVEL_JOB)
    _phases(j, doc, _APPVEYOR_PHASES, indent=0)
    build = doc.get("build")
    if isinstance(build, dict):  # MSBuild runs on its own when `build:` names a project
        j.step(name="build", line=p.where.key("build", indent=0))
    triggers = {"push", "pull_request"}
    if doc.get("skip_non_tags") is True:
        triggers = {"tag"}
    elif re.search(r"\bappveyor_repo_tag:\s*true\b", p.where.text):
        triggers.add("tag")
    return triggers


# -- Bitbucket, Drone, Woodpecker, Buildkite, Cloud Build: lists of steps ----------------------

_BITBUCKET_SECTIONS = {"default": "push", "branches": "push", "bookmarks": "push", "tags": "tag",
                       "pull-requests": "pull_request", "custom": "manual"}


def _bitbucket_items(p: _Pipeline, items: object, label: str, triggers: set[str],
                     depth: int = 0) -> None:
    for i, item in enumerate(_items(items)):
        if not isinstance(item, dict) or depth > 3:
            continue
        if isinstance(item.get("parallel"), (list, dict)):
            parallel = item["parallel"]
            nested = parallel.get("steps") if isinstance(parallel, dict) else parallel
            _bitbucket_items(p, nested, label, triggers, depth + 1)
        elif isinstance(item.get("stage"), dict):
            stage = item["stage"]
            stage_label = _scalar(stage.get("name")) or label
            _bitbucket_items(p, stage.get("steps"), stage_label, triggers, depth + 1)
        elif isinstance(item.get("step"), dict):
            step = item["step"]
            name = _scalar(step.get("name"))
            j = p.job(name or f"{label}[{i}]", locate=name,
                      extra={"deploy"} if step.get("deployment") else ())
            if j is None:
                return
            if _scalar(step.get("trigger")) == "manual":
                triggers.add("manual")
            j.step(units=_shell_lines(step.get("script")))


def _bitbucket(p: _Pipeline, doc: dict) -> set[str]:
    triggers: set[str] = set()
    for section, value in _entries(doc.get("pipelines")):
        trigger = _BITBUCKET_SECTIONS.get(section)
        if trigger is None:
            continue
        triggers.add(trigger)
        if section == "default":
            _bitbucket_items(p, value, section, triggers)
        else:
            for pattern, items in _entries(value):
                _bitbucket_items(p, items, f"{section}/{pattern}", triggers)
    return triggers


_DRONE_EVENTS = {"push": "push", "pull_request": "pull_request",
                 "pull_request_closed": "pull_request", "tag": "tag", "cron": "schedule",
                 "promote": "manual", "rollback": "manual", "custom": "manual", "manual": "manual",
                 "deployment": "manual", "release": "release"}
# With no event filter, Drone and Woodpecker run for pushes, pull requests and tags.
_DEFAULT_EVENTS = {"push", "pull_request", "tag"}


def _events(when: object) -> set[str] | None:
    """Triggers a Drone ``trigger:`` or Woodpecker ``when:`` admits; None when it names no event."""
    found: set[str] = set()
    for cond in when if isinstance(when, list) else [when]:
        if not isinstance(cond, dict):
            continue
        event = cond.get("event")
        if isinstance(event, dict):
            event = event.get("include")
        found |= {_DRONE_EVENTS.get(str(e), "other") for e in _items(event)}
        if cond.get("cron"):
            found.add("schedule")
    return found or None


def _container_steps(p: _Pipeline, j: _Job, steps: object) -> None:
    """Drone and Woodpecker steps: a list of mappings, or a mapping of name -> step."""
    named = _entries(steps) if isinstance(steps, dict) else [(None, s) for s in _items(steps)]
    for key, step in p.bounded(named, MAX_STEPS_PER_JOB, f"steps in {j.job!r}"):
        if not isinstance(step, dict):
            continue
        image = _scalar(step.get("image"))
        units = ([_Image(image)] if image else []) + _shell_lines(step.get("commands"))
        j.step(name=_scalar(step.get("name")) or key, units=units)


def _drone(p: _Pipeline, docs: list) -> set[str]:
    triggers: set[str] = set()
    for i, doc in enumerate(docs):
        if not isinstance(doc, dict) or _scalar(doc.get("kind")) not in (None, "pipeline"):
            continue
        name = _scalar(doc.get("name")) or f"pipeline[{i}]"
        j = p.job(name, locate=f"name: {name}")
        if j is None:
            break
        _container_steps(p, j, doc.get("steps") or doc.get("pipeline"))
        triggers |= _events(doc.get("trigger")) or _DEFAULT_EVENTS
    return triggers


def _woodpecker(p: _Pipeline, doc: dict) -> set[str]:
    j = p.job(posixpath.splitext(posixpath.basename(p.path))[0].lstrip("."))
    _container_steps(p, j, doc.get("steps") or doc.get("pipeline"))
    return _events(doc.get("when")) or _DEFAULT_EVENTS


def _buildkite_steps(p: _Pipeline, steps: object, triggers: set[str], depth: int = 0) -> None:
    for step in p.bounded(_items(steps), MAX_JOBS_PER_FILE, "steps"):
        if not isinstance(step, dict) or depth > 3:
            continue
        if "block" in step or "input" in step:
            triggers.add("manual")
        if "schedule" in str(step.get("if", "")):
            triggers.add("schedule")
        if isinstance(step.get("steps"), list):  # a group
            _buildkite_steps(p, step["steps"], triggers, depth + 1)
            continue
        command = step.get("command", step.get("commands"))
        if command is None and "plugins" not in step:
            continue
        plugins = [name for plugin in _items(step.get("plugins"))  # a name, or {name: config}
                   for name in ([_scalar(plugin)] if _scalar(plugin) else dict(_entries(plugin)))]
        units = [_Ref(x) for x in plugins if x] + _shell_lines(command)
        label = _scalar(step.get("label")) or _scalar(step.get("name")) or _scalar(step.get("key"))
        name = label or (_clip(units[0]) if units else None)
        if not name:
            continue
        j = p.job(name, locate=name)
        if j is None:
            return
        j.step(units=units)


def _buildkite(p: _Pipeline, doc: dict) -> set[str]:
    triggers = {"push"}
    _buildkite_steps(p, doc.get("steps"), triggers)
    return triggers


def _image_name(ref: str) -> str:
    """A container image reference's own name: ``gcr.io/org/infra/tool:tag`` -> ``tool``."""
    return ref.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]


def _cloud_build(p: _Pipeline, doc: dict) -> set[str]:
    for i, step in enumerate(p.bounded(_items(doc.get("steps")), MAX_JOBS_PER_FILE, "steps")):
        if not isinstance(step, dict):
            continue
        builder = _scalar(step.get("name")) or ""
        # The builder is an image: only its own name says what it does ("gcb-docker-gcloud"), not the
        # registry path it lives under ("gcr.io/k8s-staging-test-infra/…" runs no tests).
        image = _image_name(builder)
        name = _scalar(step.get("id")) or image or f"steps[{i}]"
        j = p.job(name, locate=_scalar(step.get("id")) or builder or None)
        if j is None:
            break
        program = _scalar(step.get("entrypoint")) or image
        args = " ".join(filter(None, map(_scalar, _items(step.get("args")))))
        units = ([_Image(builder)] if builder else []) + ([f"{program} {args}"] if args else [])
        j.step(units=units + _shell_lines(step.get("script")))
    return {"push"}


# -- reading CI files ---------------------------------------------------------------------------

# (system, path pattern). Paths are case-sensitive, as CI systems read them.
CI_FILES: tuple[tuple[str, str], ...] = (
    ("github-actions", r"\.github/workflows/[^/]+\.ya?ml"),
    ("gitlab-ci", r"\.gitlab-ci\.yml"),
    ("circleci", r"\.circleci/config\.ya?ml"),
    ("jenkins", r"(?:.+/)?Jenkinsfile(?:\.[^/]+)?"),
    ("azure-pipelines", r"azure-pipelines[^/]*\.ya?ml|\.azure-pipelines/.+\.ya?ml"),
    ("travis", r"\.travis\.ya?ml"),
    ("bitbucket-pipelines", r"bitbucket-pipelines\.ya?ml"),
    ("drone", r"\.drone\.ya?ml"),
    ("buildkite", r"\.buildkite/pipeline[^/]*\.ya?ml"),
    ("cloud-build", r"(?:.+/)?cloudbuild[^/]*\.ya?ml"),
    ("woodpecker", r"\.woodpecker\.ya?ml|\.woodpecker/[^/]+\.ya?ml"),
    ("appveyor", r"\.?appveyor\.ya?ml"),
)
_CI_FILE = re.compile("|".join(f"(?P<s{i}>{rx})" for i, (_, rx) in enumerate(CI_FILES)))

# Dependencies and test data carry other projects' configuration, not this team's.
_FOREIGN_DIR = re.compile(
    r"(?:^|/)(?:node_modules|vendor|third_party|testdata|fixtures|__fixtures__)/")

#: Readers of single-document YAML systems: (pipeline, document) -> triggers.
_YAML_READERS = {"github-actions": _github, "circleci": _circleci, "azure-pipelines": _azure,
                 "travis": _travis, "bitbucket-pipelines": _bitbucket, "buildkite": _buildkite,
                 "cloud-build": _cloud_build, "woodpecker": _woodpecker, "appveyor": _appveyor}


def _ci_system(path: str) -> str | None:
    m = _CI_FILE.fullmatch(path)
    if m is None or _FOREIGN_DIR.search(path):
        return None
    return CI_FILES[int(m.lastgroup[1:])][0]


def _read_guarded(out: list[CiPipeline], rejected: list[tuple[str, str]], p: _Pipeline,
                  reader: Callable[..., set[str]], *args: object) -> None:
    """Run ``reader(p, *args)`` (which returns the triggers) and keep the pipeline it read."""
    try:
        out.append(p.build(reader(p, *args)))
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        # A shape this reader did not foresee costs the file, never the audit.
        rejected.append((p.path, f"could not be read ({type(exc).__name__})"))


def _read_ci(tree: FileTree, path: str, system: str, out: list[CiPipeline],
             rejected: list[tuple[str, str]], claimed: set[str]) -> None:
    text = tree.read_text(path)
    if text is None:
        rejected.append((path, tree.unread.get(path, "could not be read")))
        return
    p = _Pipeline(system, path, text)
    if system == "jenkins":
        _read_guarded(out, rejected, p, _jenkins)
        return
    try:
        docs = load_all(text)
    except YamlRejected as exc:
        rejected.append((path, str(exc)))
        return
    if system == "gitlab-ci":
        _read_gitlab(tree, path, text, docs, out, rejected, claimed)
        return
    present = [d for d in docs if d is not None]
    if system == "drone":
        if not any(isinstance(d, dict) for d in present):
            rejected.append((path, "no document is a mapping"))
            return
        _read_guarded(out, rejected, p, _drone, present)
        return
    doc = present[0] if present else None
    if not isinstance(doc, dict):
        rejected.append((path, f"top level is {_shape(doc)}, not a mapping"))
        return
    if len(present) > 1:
        p.note("only the first YAML document was read")
    _read_guarded(out, rejected, p, _YAML_READERS[system], doc)


def _collect_pipelines(tree: FileTree) -> tuple[list[CiPipeline], list[tuple[str, str]], set[str]]:
    found = [(path, system) for path in tree.paths if (system := _ci_system(path))]
    pipelines: list[CiPipeline] = []
    rejected: list[tuple[str, str]] = []
    claimed = {path for path, _ in found}
    for path, system in found[:MAX_CI_FILES]:
        _read_ci(tree, path, system, pipelines, rejected, claimed)
    if len(found) > MAX_CI_FILES:
        more = len(found) - MAX_CI_FILES - 1
        rejected.append((found[MAX_CI_FILES][0],
                         f"more than {MAX_CI_FILES} CI files; this and {more} more not read"))
    return pipelines, rejected, claimed


# -- configuration found only as files ----------------------------------------------------------
#
# Patterns: "name" matches a file of that name in any directory; "/path" one path from the
# root; a trailing "/" a directory; a pattern with "*" or an inner "/" a glob on the end of a path.

DEPLOY_PLATFORM_FILES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("vercel", ("vercel.json", "now.json", ".vercel/project.json")),
    ("netlify", ("netlify.toml",)),
    ("fly", ("fly.toml",)),
    ("render", ("render.yaml", "render.yml")),
    ("heroku", ("Procfile", "heroku.yml")),
    ("serverless", ("serverless.yml", "serverless.yaml", "serverless.ts", "serverless.json")),
    ("amplify", ("amplify.yml", "amplify.yaml")),
    ("railway", ("railway.json", "railway.toml")),
    ("platform-sh", (".platform.app.yaml",)),
    ("firebase", ("firebase.json",)),
    ("cloudflare", ("wrangler.toml", "wrangler.json", "wrangler.jsonc")),
    ("elastic-beanstalk", ("Dockerrun.aws.json", ".ebextensions/", ".elasticbeanstalk/config.yml")),
    ("aws-app-runner", ("apprunner.yaml", "apprunner.yml")),
    ("aws-codedeploy", ("appspec.yml", "appspec.yaml")),
    ("azure-static-web-apps", ("staticwebapp.config.json",)),
    ("digitalocean", (".do/app.yaml", ".do/deploy.template.yaml")),
    ("kamal", ("/config/deploy.yml",)),
)
#: Names other tools share: the platform counts only when the content matches.
DEPLOY_PLATFORM_CONTENT: tuple[tuple[str, str, str], ...] = (
    ("google-app-engine", "app.yaml", r"^runtime\s*:"),
    ("google-app-engine", "app.yml", r"^runtime\s*:"),
    ("heroku", "app.json", r'"(?:buildpacks|formation|addons|stack)"\s*:'),
)
DEPENDENCY_BOT_FILES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dependabot", ("/.github/dependabot.yml", "/.github/dependabot.yaml")),
    ("renovate", ("/renovate.json", "/renovate.json5", "/.renovaterc", "/.renovaterc.json",
                  "/.renovaterc.json5", "/.github/renovate.json", "/.github/renovate.json5",
                  "/.gitlab/renovate.json", "/.gitlab/renovate.json5")),
    ("pyup", ("/.pyup.yml",)),
    ("depfu", ("/.depfu.yml",)),
)
PRECOMMIT_FILES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("pre-commit", ("/.pre-commit-config.yaml", "/.pre-commit-config.yml")),
    ("husky", (".husky/",)),
    ("lefthook", ("lefthook.yml", "lefthook.yaml", "lefthook.toml", "lefthook.json",
                  ".lefthook.yml", ".lefthook.yaml", ".lefthook.toml", ".lefthook.json")),
    ("lint-staged", (".lintstagedrc", ".lintstagedrc.json", ".lintstagedrc.yaml",
                     ".lintstagedrc.yml", ".lintstagedrc.js", ".lintstagedrc.cjs",
                     ".lintstagedrc.mjs", "lint-staged.config.js", "lint-staged.config.cjs",
                     "lint-staged.config.mjs")),
    ("overcommit", ("/.overcommit.yml",)),
    ("simple-git-hooks", (".simple-git-hooks.json", ".simple-git-hooks.js", ".simple-git-hooks.cjs",
                          "simple-git-hooks.json", "simple-git-hooks.js", "simple-git-hooks.cjs")),
    ("githooks-dir", ("/.githooks/",)),
)
#: package.json keys that configure a hook tool or a bot (Renovate reads only the root's).
PACKAGE_JSON_KEYS: tuple[tuple[str, str, str], ...] = (
    ("dependency_bots", "renovate", "renovate"),
    ("precommit", "husky", "husky"),
    ("precommit", "lint-staged", "lint-staged"),
    ("precommit", "simple-git-hooks", "simple-git-hooks"),
)
IAC_FILES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("terraform", ("*.tf", "*.tf.json", "terragrunt.hcl")),
    ("bicep", ("*.bicep",)),
    ("pulumi", ("Pulumi.yaml", "Pulumi.yml")),
    ("helm", ("Chart.yaml",)),
    ("kubernetes", ("kustomization.yaml", "kustomization.yml", "skaffold.yaml")),
    ("cloudformation", ("samconfig.toml",)),
    ("cdk", ("cdk.json",)),
    ("ansible", ("ansible.cfg", "playbook.yml", "playbook.yaml", "roles/*/tasks/main.yml",
                 "roles/*/tasks/main.yaml", "playbooks/*.yml", "playbooks/*.yaml")),
    ("docker-compose", ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml",
                        "docker-compose.*.yml", "docker-compose.*.yaml", "compose.*.yml",
                        "compose.*.yaml")),
    ("container", ("Dockerfile", "Containerfile", "Dockerfile.*", "Containerfile.*", "*.Dockerfile",
                   "*.dockerfile")),
)
_NOT_CONFIG = re.compile(r"\.dockerignore$")

# Manifests recognised by content: Kubernetes objects and CloudFormation templates.
_K8S_API = re.compile(r"^apiVersion:[ \t]*[\"']?([\w./-]+)", re.MULTILINE)
_K8S_KIND = re.compile(r"^kind:[ \t]*[\"']?[A-Za-z]\w*", re.MULTILINE)
_NOT_KUBERNETES_APIS = ("backstage.io",)  # Backstage catalog files borrow the shape
_CLOUDFORMATION = re.compile(r"AWSTemplateFormatVersion|^Transform:\s*[\"']?AWS::Serverless"
                             r"|\bType[\"']?\s*:\s*[\"']?AWS::\w+::\w+", re.MULTILINE)
_CLOUDFORMATION_JSON_NAME = re.compile(r"(?:template|cfn|cloudformation)[^/]*\.json$",
                                       re.IGNORECASE)


class _ConfigIndex:
    """All file-config tables compiled for one pass over the tree's paths."""

    def __init__(self, tables: dict[str, tuple[tuple[str, tuple[str, ...]], ...]]):
        self.names: dict[str, list[tuple[str, str]]] = {}
        self.roots: dict[str, list[tuple[str, str]]] = {}
        self.dirs: list[tuple[str, bool, str, str]] = []
        globs: list[tuple[str, str, str]] = []
        for category, table in tables.items():
            for kind, patterns in table:
                for pattern in patterns:
                    where = (category, kind)
                    if pattern.endswith("/"):
                        root_only = pattern.startswith("/")
                        self.dirs.append((pattern.strip("/"), root_only, category, kind))
                    elif pattern.startswith("/"):
                        self.roots.setdefault(pattern[1:], []).append(where)
                    elif "*" in pattern or "/" in pattern:
                        globs.append((category, kind, pattern))
                    else:
                        self.names.setdefault(pattern, []).append(where)
        self.globs = [(c, k) for c, k, _ in globs]
        # `*` stays within one path segment; a glob matches the end of a path.
        alternatives = (f"(?P<g{i}>{re.escape(p).replace(re.escape('*'), '[^/]*')})"
                        for i, (_, _, p) in enumerate(globs))
        self.glob_rx = re.compile("(?:.*/)?(?:" + "|".join(alternatives) + r")\Z")

    def match(self, path: str) -> Iterator[tuple[str, str, str]]:
        """(category, kind, evidence path) for one tree path."""
        if _NOT_CONFIG.search(path):
            return
        base = path.rsplit("/", 1)[-1]
        for category, kind in self.names.get(base, []) + self.roots.get(path, []):
            yield category, kind, path
        m = self.glob_rx.match(path)
        if m:
            yield (*self.globs[int(m.lastgroup[1:])], path)
        for name, root_only, category, kind in self.dirs:
            prefix = name + "/"
            if path.startswith(prefix):
                yield category, kind, name
            elif not root_only and (i := path.find("/" + prefix)) >= 0:
                yield category, kind, path[:i + 1 + len(name)]


_CONFIG_INDEX = _ConfigIndex({"deploy_platforms": DEPLOY_PLATFORM_FILES,
                              "dependency_bots": DEPENDENCY_BOT_FILES,
                              "precommit": PRECOMMIT_FILES, "iac": IAC_FILES})


def _collect_configs(tree: FileTree, ci_paths: set[str],
                     rejected: list[tuple[str, str]]) -> dict[str, set[ConfigRef]]:
    """Config refs by CiFacts field: one pass over the paths, then a few files read for content."""
    found: dict[str, set[ConfigRef]] = {c: set() for c in
                                        ("deploy_platforms", "dependency_bots", "precommit", "iac")}
    matched: set[str] = set()
    content_rules = {name: (kind, re.compile(rx, re.MULTILINE))
                     for kind, name, rx in DEPLOY_PLATFORM_CONTENT}
    package_jsons: list[str] = []
    manifests: list[str] = []
    for path in tree.paths:
        if _FOREIGN_DIR.search(path):
            continue
        for category, kind, evidence in _CONFIG_INDEX.match(path):
            found[category].add(ConfigRef(kind, evidence))
            matched.add(path)
        base = path.rsplit("/", 1)[-1]
        if base in content_rules:
            kind, rx = content_rules[base]
            text = tree.read_text(path)
            if text and rx.search(text):
                found["deploy_platforms"].add(ConfigRef(kind, path, line_of(text, rx)))
                matched.add(path)
        elif base == "package.json":
            package_jsons.append(path)
        if path not in matched and path not in ci_paths and not path.startswith(".github/") and (
                path.endswith((".yml", ".yaml")) or _CLOUDFORMATION_JSON_NAME.search(path)):
            manifests.append(path)
    for path in package_jsons[:MAX_PACKAGE_JSONS]:
        _package_json_refs(tree, path, found, rejected)
    for path in manifests[:MAX_MANIFESTS_SCANNED]:
        text = tree.read_text(path, MANIFEST_SCAN_BYTES)
        if not text:
            continue
        api = _K8S_API.search(text)
        kind = _K8S_KIND.search(text)
        if api and kind and not api.group(1).startswith(_NOT_KUBERNETES_APIS):
            found["iac"].add(ConfigRef("kubernetes", path, line_of(text, _K8S_KIND)))
        elif _CLOUDFORMATION.search(text):
            found["iac"].add(ConfigRef("cloudformation", path, line_of(text, _CLOUDFORMATION)))
    return found


def _package_json_refs(tree: FileTree, path: str, found: dict[str, set[ConfigRef]],
                       rejected: list[tuple[str, str]]) -> None:
    text = tree.read_text(path)
    if text is None:
        return
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        rejected.append((path, f"invalid JSON: {str(exc)[:100]}"))
        return
    if not isinstance(data, dict):
        return
    for category, key, kind in PACKAGE_JSON_KEYS:
        if key in data and (category != "dependency_bots" or path == "package.json"):
            found[category].add(ConfigRef(kind, path, line_of(text, f'"{key}"')))


def _refs(refs: set[ConfigRef]) -> tuple[ConfigRef, ...]:
    """Sorted by kind then path, at most :data:`MAX_REFS_PER_KIND` of each kind."""
    out: list[ConfigRef] = []
    per_kind: dict[str, int] = {}
    for ref in sorted(refs, key=lambda r: (r.kind, r.path, r.line or 0)):
        per_kind[ref.kind] = per_kind.get(ref.kind, 0) + 1
        if per_kind[ref.kind] <= MAX_REFS_PER_KIND:
            out.append(ref)
    return tuple(out)


def collect_ci(tree: FileTree) -> CiFacts:
    """Read every CI file and CI-adjacent config in ``tree``. Never raises on file content."""
    token = _MAVEN_DEFAULT_GOAL.set(_default_goal(tree))
    try:
        pipelines, rejected, ci_paths = _collect_pipelines(tree)
    finally:
        _MAVEN_DEFAULT_GOAL.reset(token)
    configs = _collect_configs(tree, ci_paths, rejected)
    return CiFacts(
        pipelines=tuple(sorted(pipelines, key=lambda p: (p.path, p.system))),
        rejected=tuple(sorted(set(rejected))),
        deploy_platforms=_refs(configs["deploy_platforms"]),
        dependency_bots=_refs(configs["dependency_bots"]),
        precommit=_refs(configs["precommit"]),
        iac=_refs(configs["iac"]),
    )
