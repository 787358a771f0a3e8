"""Tests for auditor.facts.ci: CI pipelines, their triggers and stages, and CI-adjacent config."""

from __future__ import annotations

import dataclasses
import time

import pytest

from auditor.facts import ci
from auditor.facts.ci import (
    CI_FILES,
    STAGES,
    SYSTEMS,
    TOP_LEVEL_JOB,
    TRIGGERS,
    CiFacts,
    CiPipeline,
    classify_command,
    classify_name,
    collect_ci,
)
from auditor.facts.tree import FileTree


def facts(files: dict[str, str | bytes]) -> CiFacts:
    return collect_ci(FileTree.from_mapping(files))


def only_pipeline(files: dict[str, str | bytes]) -> CiPipeline:
    result = facts(files)
    assert result.rejected == ()
    assert len(result.pipelines) == 1
    return result.pipelines[0]


def stages_of(pipeline: CiPipeline) -> set[str]:
    return {stage for step in pipeline.steps for stage in step.stages}


def providers(pipeline: CiPipeline, stage: str) -> list[tuple[str, int | None, str]]:
    return [(s.job, s.line, s.text) for s in pipeline.steps if stage in s.stages]


# -- GitHub Actions -----------------------------------------------------------------------------

GITHUB_CI = """\
name: CI
on: [push, pull_request]
permissions:
  contents: read
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@8f152de45cc393bb48ce5d89d36b731f54556e65
      - run: npm ci
      - name: Lint
        run: npm run lint
      - run: npx prettier --check .
      - run: npx tsc --noEmit
  test:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: actions/checkout@v4
      - name: Unit tests with coverage
        run: |
          npm test -- --coverage
          npx playwright test
      - uses: codecov/codecov-action@v4
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/build-push-action@v5
  deploy:
    needs: [lint, test]
    environment: production
    runs-on: ubuntu-latest
    steps:
      - name: Deploy to production
        run: ./scripts/ship.sh
  codeql:
    uses: ./.github/workflows/codeql.yml
"""


def test_github_workflow_list_triggers_jobs_and_name():
    p = only_pipeline({".github/workflows/ci.yml": GITHUB_CI})
    assert p.system == "github-actions"
    assert p.name == "CI"
    assert p.triggers == ("pull_request", "push")
    assert p.jobs == ("lint", "test", "build", "deploy", "codeql")
    assert p.problem is None


def test_github_workflow_steps_are_classified_with_their_lines():
    p = only_pipeline({".github/workflows/ci.yml": GITHUB_CI})
    assert providers(p, "lint") == [("lint", 6, "lint"), ("lint", 13, "npm run lint")]
    assert providers(p, "format") == [("lint", 14, "npx prettier --check .")]
    assert providers(p, "typecheck") == [("lint", 15, "npx tsc --noEmit")]
    # `npm test` under a step named "Unit tests" is a unit test, and the name adds nothing more.
    assert providers(p, "unit-test") == [("test", 25, "npm test -- --coverage")]
    assert providers(p, "e2e-test") == [("test", 26, "npx playwright test")]
    assert [line for _, line, _ in providers(p, "coverage")] == [25, 27]
    assert ("build", 31, "docker/build-push-action@v5") in providers(p, "build")
    assert ("build", 31, "docker/build-push-action@v5") in providers(p, "container")
    # The job called `test` says only that tests run; its steps say which.
    assert providers(p, "test") == [("test", 16, "test")]


def test_github_environment_and_step_name_give_deploy_when_the_command_says_nothing():
    p = only_pipeline({".github/workflows/ci.yml": GITHUB_CI})
    assert providers(p, "deploy") == [
        ("deploy", 32, "deploy (environment: production)"),
        ("deploy", 37, "Deploy to production"),
    ]


def test_github_reusable_workflow_job_is_classified_by_its_path():
    p = only_pipeline({".github/workflows/ci.yml": GITHUB_CI})
    assert providers(p, "security-scan") == [("codeql", 39, "./.github/workflows/codeql.yml")]


def test_github_actions_record_pins_and_lines():
    p = only_pipeline({".github/workflows/ci.yml": GITHUB_CI})
    pins = {(a.line, a.uses): a.pinned_sha for a in p.actions}
    assert pins == {
        (9, "actions/checkout@v4"): False,
        (10, "actions/setup-node@8f152de45cc393bb48ce5d89d36b731f54556e65"): True,
        (22, "actions/checkout@v4"): False,
        (27, "codecov/codecov-action@v4"): False,
        (31, "docker/build-push-action@v5"): False,
        (40, "./.github/workflows/codeql.yml"): True,
    }
    assert all(a.path == ".github/workflows/ci.yml" for a in p.actions)


@pytest.mark.parametrize(
    ("uses", "pinned"),
    [
        ("actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11", True),
        ("actions/checkout@B4FFDE65F46336AB88EB53BE808477A3936BAE11", True),
        ("actions/checkout@v4", False),
        ("actions/checkout@b4ffde6", False),  # a short SHA can be shadowed by a tag
        ("actions/checkout@main", False),
        ("actions/checkout", False),
        ("./.github/actions/setup", True),
        ("docker://alpine:3.19", True),
        ("org/repo/.github/workflows/x.yml@v1", False),
    ],
)
def test_action_pinning(uses, pinned):
    p = only_pipeline(
        {".github/workflows/a.yml": f"on: push\njobs:\n  a:\n    steps:\n      - uses: {uses}\n"}
    )
    assert [(a.uses, a.pinned_sha) for a in p.actions] == [(uses, pinned)]


@pytest.mark.parametrize(
    ("on", "triggers"),
    [
        ("push", ("push",)),
        ("[push, pull_request_target]", ("pull_request", "push")),
        ("{push: {tags: ['v*']}}", ("tag",)),
        ("{push: {branches: [main], tags: ['v*']}}", ("push", "tag")),
        ("{push: {paths: ['src/**']}}", ("push",)),
        ("{push: null, workflow_dispatch: null}", ("manual", "push")),
        ("{schedule: [{cron: '0 0 * * *'}]}", ("schedule",)),
        ("{release: {types: [published]}}", ("release",)),
        ("{workflow_call: {}}", ("workflow_call",)),
        ("{merge_group: {}, issues: {}}", ("other", "pull_request")),
    ],
)
def test_github_triggers_from_every_form_of_on(on, triggers):
    p = only_pipeline({".github/workflows/a.yml": f"on: {on}\njobs:\n  a:\n    steps: []\n"})
    assert p.triggers == triggers


def test_github_on_key_survives_yaml_1_1_booleans():
    # Under YAML 1.1 `on` is True; the safe loader keeps it as the word GitHub reads.
    p = only_pipeline({".github/workflows/a.yml": "on:\n  push:\n    branches: [main]\njobs: {}\n"})
    assert p.triggers == ("push",)


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("permissions: read-all\n", "read-all"),
        ("permissions: write-all\n", "write-all"),
        ("permissions:\n  contents: read\n", "restricted"),
        ("permissions: {}\n", "restricted"),
        ("", None),
    ],
)
def test_github_top_level_permissions(block, expected):
    p = only_pipeline({".github/workflows/a.yml": f"on: push\n{block}jobs:\n  a:\n    steps: []\n"})
    assert p.permissions == expected


def test_github_job_permissions_are_kept_per_job():
    p = only_pipeline({".github/workflows/ci.yml": GITHUB_CI})
    assert p.permissions == "restricted"
    assert p.job_permissions == (("test", "restricted"),)


def test_github_unexpected_permissions_value_is_a_problem_not_an_error():
    p = only_pipeline({".github/workflows/a.yml": "on: push\npermissions: 7\njobs: {}\n"})
    assert p.permissions == "7"
    assert "permissions" in p.problem


def test_github_workflows_only_at_the_top_of_the_workflows_directory():
    result = facts(
        {
            ".github/workflows/sub/x.yml": "on: push\njobs: {}\n",
            ".github/workflows/notes.md": "on: push",
            "docs/.github/workflows/x.yml": "on: push\njobs: {}\n",
        }
    )
    assert result.pipelines == ()
    assert not result.has_ci


# -- stage classification -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "stages"),
    [
        ("ruff check .", {"lint"}),
        ("ruff format --check .", {"format"}),
        ("flake8 src", {"lint"}),
        ("golangci-lint run ./...", {"lint"}),
        ("cargo clippy -- -D warnings", {"lint"}),
        ("npm run lint", {"lint"}),
        ("black --check .", {"format"}),
        ("gofmt -l .", {"format"}),
        ("cargo fmt --check", {"format"}),
        ("npx tsc --noEmit", {"typecheck"}),
        ("mypy src", {"typecheck"}),
        ("pyright", {"typecheck"}),
        ("pytest -q", {"unit-test"}),
        ("python -m pytest tests/integration", {"integration-test"}),
        ("go test ./...", {"unit-test"}),
        ("cargo test --all", {"unit-test"}),
        ("npm test", {"unit-test"}),
        ("./gradlew test", {"unit-test"}),
        ("mvn -B test", {"unit-test"}),
        ("bundle exec rspec", {"unit-test"}),
        ("vendor/bin/phpunit", {"unit-test"}),
        ("npm run test:e2e", {"e2e-test"}),
        ("npx cypress run", {"e2e-test"}),
        ("make test", {"test"}),
        ("tox", {"test"}),
        ("tox -e lint,py311", {"lint"}),
        ("pytest --cov=app --cov-report=xml", {"unit-test", "coverage"}),
        ("npm run build", {"build"}),
        ("cargo build --release", {"build"}),  # --release is a build profile, not a release
        ("mvn -B -DskipTests package", {"build"}),
        ("python -m build", {"build"}),
        ("docker build -t app .", {"build", "container"}),
        ("docker push ghcr.io/org/app", {"container"}),
        ("semgrep ci", {"security-scan"}),
        ("bandit -r src", {"security-scan"}),
        ("trivy image app", {"security-scan"}),
        ("gitleaks detect", {"security-scan"}),
        ("npm audit --audit-level=high", {"dependency-audit"}),
        ("pip-audit -r requirements.txt", {"dependency-audit"}),
        ("cargo audit", {"dependency-audit"}),
        ("govulncheck ./...", {"dependency-audit"}),
        ("kubectl apply -f k8s/", {"deploy"}),
        ("helm upgrade --install app ./chart", {"deploy"}),
        ("terraform apply -auto-approve", {"deploy"}),
        ("npx vercel deploy --prod", {"deploy"}),
        ("flyctl deploy --remote-only", {"deploy"}),
        ("aws deploy create-deployment --application-name x", {"deploy"}),
        ("./scripts/deploy.sh production", {"deploy"}),
        ("twine upload dist/*", {"release"}),
        ("npm publish --access public", {"release"}),
        ("npx semantic-release", {"release"}),
        ("goreleaser release --clean", {"release"}),
        ("mkdocs build --strict", {"docs"}),
        ("sphinx-build -W docs docs/_build", {"docs"}),
        ("make -C docs html", {"docs"}),
        ("go test -bench=. ./...", {"unit-test", "benchmark"}),
        ("pip install -r requirements.txt && pytest", {"unit-test"}),
    ],
)
def test_command_classification(command, stages):
    assert classify_command(command) == frozenset(stages)


@pytest.mark.parametrize(
    "command",
    [
        "npm ci",
        "npm install eslint prettier",  # installing a tool does not run it
        "pip install pytest mypy",
        "npm install -g @vercel/ncc",
        "echo running eslint now",
        "cmake -DCMAKE_BUILD_TYPE=Release ..",
        "curl -L https://github.com/x/y/releases/download/v1/tool.tgz",
        "cd app",
    ],
)
def test_commands_that_provide_no_stage(command):
    assert classify_command(command) == frozenset()


@pytest.mark.parametrize(
    ("name", "stages"),
    [
        ("CodeQL", {"security-scan"}),
        ("github/codeql-action/analyze", {"security-scan"}),
        ("ossf/scorecard-action", {"security-scan"}),
        ("actions/dependency-review-action", {"dependency-audit"}),
        ("pypa/gh-action-pypi-publish", {"release"}),
        ("googleapis/release-please-action", {"release"}),
        ("deploy-staging", {"deploy"}),
        ("Build and push Docker image", {"build", "container"}),
        ("unitTests", {"unit-test"}),
        ("integration_tests", {"integration-test"}),
        ("E2E", {"e2e-test"}),
        ("test", {"test"}),
        ("Type check", {"typecheck"}),
        ("docs", {"docs"}),
        ("benchmarks", {"benchmark"}),
        ("actions/checkout", set()),
        ("Set up Python", set()),
        ("contest", set()),  # word boundaries: "test" inside another word is not a test
    ],
)
def test_name_classification(name, stages):
    assert classify_name(name) == frozenset(stages)


def test_classification_tables_name_only_known_stages():
    table_stages = {stage for stage, _ in ci.STAGE_WORDS + ci.STAGE_TOOLS}
    assert table_stages - set(STAGES) == {ci._RUNNER}
    assert set(STAGES) - table_stages == set()


def test_a_bare_test_runner_takes_the_kind_its_job_names():
    p = only_pipeline(
        {
            ".github/workflows/a.yml": """\
on: push
jobs:
  integration:
    steps:
      - run: pytest tests
  e2e:
    steps:
      - run: npm test
"""
        }
    )
    assert providers(p, "integration-test") == [
        ("integration", 3, "integration"),
        ("integration", 5, "pytest tests"),
    ]
    assert providers(p, "e2e-test") == [("e2e", 6, "e2e"), ("e2e", 8, "npm test")]
    assert "unit-test" not in stages_of(p)


def test_two_commands_on_one_line_each_get_that_line():
    p = only_pipeline(
        {
            ".drone.yml": "kind: pipeline\nname: ci\nsteps:\n"
            "  - name: go\n    image: golang\n    commands: [go vet ./..., go test ./...]\n"
        }
    )
    assert providers(p, "lint") == [("ci", 6, "go vet ./...")]
    assert providers(p, "unit-test") == [("ci", 6, "go test ./...")]


# -- GitLab CI ----------------------------------------------------------------------------------

GITLAB_CI = """\
stages: [lint, test, deploy]
include:
  - local: /ci/deploy.yml
  - template: Security/SAST.gitlab-ci.yml
  - remote: https://example.com/ci/shared.yml
workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
    - if: $CI_PIPELINE_SOURCE == "schedule"
.python:
  image: python:3.12
  before_script:
    - pip install -r requirements.txt
ruff:
  stage: lint
  extends: .python
  script:
    - ruff check .
unit:
  extends: .python
  stage: test
  script:
    - pytest --cov=app tests/unit
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
"""
GITLAB_DEPLOY = """\
deploy-prod:
  stage: deploy
  environment: production
  script:
    - helm upgrade --install app ./chart
  rules:
    - if: $CI_COMMIT_TAG
      when: manual
"""


def test_gitlab_pipeline_jobs_stages_and_extends():
    result = facts({".gitlab-ci.yml": GITLAB_CI, "ci/deploy.yml": GITLAB_DEPLOY})
    assert result.rejected == ()
    root, _included = result.pipelines
    assert (root.system, root.path, root.name) == ("gitlab-ci", ".gitlab-ci.yml", ".gitlab-ci.yml")
    assert root.jobs == ("ruff", "unit")  # `.python` is a template, not a job
    assert providers(root, "lint") == [("ruff", 15, "ruff"), ("ruff", 19, "ruff check .")]
    assert providers(root, "coverage") == [("unit", 24, "pytest --cov=app tests/unit")]
    assert "unit-test" in stages_of(root)


def test_gitlab_triggers_from_workflow_and_job_rules():
    root, included = facts({".gitlab-ci.yml": GITLAB_CI, "ci/deploy.yml": GITLAB_DEPLOY}).pipelines
    # ruff is unrestricted: it runs wherever the workflow allows. unit runs on merge requests only.
    assert root.triggers == ("merge_request", "push", "schedule")
    assert included.triggers == ("manual", "tag")


def test_gitlab_local_include_is_read_as_its_own_pipeline():
    _root, included = facts({".gitlab-ci.yml": GITLAB_CI, "ci/deploy.yml": GITLAB_DEPLOY}).pipelines
    assert included.path == "ci/deploy.yml"
    assert included.jobs == ("deploy-prod",)
    assert providers(included, "deploy") == [
        ("deploy-prod", 1, "deploy-prod"),
        ("deploy-prod", 5, "helm upgrade --install app ./chart"),
    ]


def test_gitlab_remote_includes_are_classified_by_name_and_never_followed():
    root, _ = facts({".gitlab-ci.yml": GITLAB_CI, "ci/deploy.yml": GITLAB_DEPLOY}).pipelines
    assert providers(root, "security-scan") == [(ci.INCLUDE_JOB, 4, "Security/SAST.gitlab-ci.yml")]
    assert ci.INCLUDE_JOB not in root.jobs
    assert root.problem is None


def test_gitlab_without_rules_runs_on_push():
    p = only_pipeline({".gitlab-ci.yml": "build:\n  script: [make]\n"})
    assert p.triggers == ("push",)
    assert providers(p, "build") == [("build", 1, "build"), ("build", 2, "make")]


@pytest.mark.parametrize(
    ("job", "triggers"),
    [
        ("only: [tags]", ("tag",)),
        ("only: [merge_requests, schedules, web]", ("manual", "merge_request", "schedule")),
        ("only: {refs: [main]}", ("push",)),
        ("when: manual", ("manual", "push")),
        ("rules: [{if: '$CI_PIPELINE_SOURCE =~ /push|web/'}]", ("manual", "push")),
        ("rules: [{if: '$CI_MERGE_REQUEST_IID'}, {when: never}]", ("merge_request",)),
        ("rules: [{if: '$CI_COMMIT_TAG == null'}]", ("push",)),
        ("rules: [{changes: [src/**]}]", ("push",)),
    ],
)
def test_gitlab_job_restrictions(job, triggers):
    p = only_pipeline({".gitlab-ci.yml": f"job:\n  script: [make]\n  {job}\n"})
    assert p.triggers == triggers


def test_gitlab_spec_header_document_is_skipped():
    p = only_pipeline(
        {".gitlab-ci.yml": "spec:\n  inputs: {env: {}}\n---\nlint:\n  script: [eslint .]\n"}
    )
    assert p.jobs == ("lint",)


def test_gitlab_includes_stay_in_the_tree_and_are_bounded():
    many = {f"ci/{i:02}.yml": f"job{i}:\n  script: [make]\n" for i in range(25)}
    result = facts(
        {
            ".gitlab-ci.yml": "include:\n  - local: /ci/*.yml\n  - local: ../../etc/passwd\n"
            "  - local: /nope.yml\n",
            **many,
        }
    )
    root = result.pipelines[0]
    assert len(result.pipelines) == 1 + ci.MAX_GITLAB_INCLUDES
    assert (
        len([r for r in result.rejected if "local includes" in r[1]]) == 25 - ci.MAX_GITLAB_INCLUDES
    )
    assert "'../../etc/passwd' is not in the tree" in root.problem
    assert "'/nope.yml' is not in the tree" in root.problem


def test_gitlab_cyclic_includes_and_extends_terminate():
    result = facts(
        {
            ".gitlab-ci.yml": "include: /ci/a.yml\na: {extends: b, script: [pytest]}\n"
            "b: {extends: a}\n"
            "c: {extends: [c, c], script: [make]}\n",
            "ci/a.yml": "include: [/ci/a.yml, /.gitlab-ci.yml]\nx: {script: [eslint .]}\n",
        }
    )
    assert [p.path for p in result.pipelines] == [".gitlab-ci.yml", "ci/a.yml"]
    assert result.pipelines[0].jobs == ("a", "c")


# -- Jenkins ------------------------------------------------------------------------------------

JENKINSFILE = """\
pipeline {
  agent any
  triggers { cron('H 2 * * *') }
  stages {
    stage('Build') {
      steps { sh 'mvn -B -DskipTests package' }
    }
    stage('Verify') {
      steps {
        sh '''
          mvn test
          npm run test:e2e
        '''
      }
    }
    stage("Ship") {
      when { buildingTag() }
      steps { sh "kubectl apply -f k8s/" }
    }
  }
}
"""


def test_jenkinsfile_stages_commands_and_triggers():
    p = only_pipeline({"Jenkinsfile": JENKINSFILE})
    assert p.system == "jenkins"
    assert p.jobs == ("Build", "Verify", "Ship")
    assert p.triggers == ("push", "schedule", "tag")
    assert providers(p, "build") == [
        ("Build", 5, "Build"),
        ("Build", 6, "mvn -B -DskipTests package"),
    ]
    assert providers(p, "unit-test") == [("Verify", 11, "mvn test")]
    assert providers(p, "e2e-test") == [("Verify", 12, "npm run test:e2e")]
    assert providers(p, "deploy") == [("Ship", 18, "kubectl apply -f k8s/")]


def test_jenkinsfile_in_any_directory_and_scripted_without_stages():
    result = facts(
        {"services/api/Jenkinsfile": "node {\n  sh 'make lint'\n  docker.build('api')\n}\n"}
    )
    (p,) = result.pipelines
    assert p.path == "services/api/Jenkinsfile"
    assert p.jobs == (TOP_LEVEL_JOB,)
    assert providers(p, "lint") == [(TOP_LEVEL_JOB, 2, "make lint")]
    assert providers(p, "container") == [(TOP_LEVEL_JOB, 3, "docker.build('api')")]


def test_jenkinsfile_with_unclosed_quotes_is_read_quickly():
    text = "sh '''" + "sh ''' x\n" * 20000 + "stage('" * 1000
    start = time.monotonic()
    result = facts({"Jenkinsfile": text})
    assert time.monotonic() - start < 5
    assert result.pipelines[0].system == "jenkins"


# -- other systems ------------------------------------------------------------------------------

CIRCLECI = """\
version: 2.1
orbs:
  node: circleci/node@5
jobs:
  build:
    docker: [{image: cimg/node:20.0}]
    steps:
      - checkout
      - run:
          name: Lint
          command: npm run lint
      - setup_remote_docker
      - run: docker build -t app .
workflows:
  main:
    jobs:
      - build
      - node/test
      - hold: {type: approval}
      - publish:
          filters: {tags: {only: /^v.*/}}
  nightly:
    triggers:
      - schedule: {cron: "0 0 * * *", filters: {branches: {only: main}}}
    jobs: [build]
"""


def test_circleci_jobs_orb_jobs_and_triggers():
    p = only_pipeline({".circleci/config.yml": CIRCLECI})
    assert p.system == "circleci"
    assert p.jobs == ("build", "node/test", "publish")
    assert p.triggers == ("manual", "push", "schedule", "tag")
    assert providers(p, "lint") == [("build", 11, "npm run lint")]
    assert providers(p, "test") == [("node/test", 18, "node/test")]
    assert ("build", 13, "docker build -t app .") in providers(p, "container")


@pytest.mark.parametrize(
    ("path", "text", "system", "triggers", "expected"),
    [
        (
            "azure-pipelines.yml",
            """\
trigger: {branches: {include: [main]}, tags: {include: ['v*']}}
pr: [main]
schedules: [{cron: '0 0 * * *', branches: {include: [main]}}]
stages:
  - stage: Test
    jobs:
      - job: Linux
        steps:
          - script: python -m pytest
          - task: PublishCodeCoverageResults@1
  - stage: Deploy
    jobs:
      - deployment: Web
        environment: prod
        strategy:
          runOnce:
            deploy:
              steps:
                - task: Npm@1
                  inputs: {command: publish}
""",
            "azure-pipelines",
            ("pull_request", "push", "schedule", "tag"),
            {
                "unit-test": "python -m pytest",
                "coverage": "PublishCodeCoverageResults@1",
                "deploy": "Web",
                "release": "npm publish",
            },
        ),
        (
            ".travis.yml",
            """\
language: python
install: pip install -r requirements.txt
script:
  - flake8
  - pytest
deploy:
  provider: pypi
  on: {tags: true}
""",
            "travis",
            ("pull_request", "push", "tag"),
            {
                "lint": "flake8",
                "unit-test": "pytest",
                "deploy": "deploy",
                "release": "provider: pypi",
            },
        ),
        (
            "bitbucket-pipelines.yml",
            """\
pipelines:
  default:
    - step: {name: Test, script: [npm ci, npm test]}
  pull-requests:
    '**':
      - parallel:
          - step: {name: Audit, script: [npm audit --audit-level=high]}
  custom:
    ship:
      - step:
          name: Ship
          deployment: production
          script:
            - pipe: atlassian/aws-s3-deploy:1.1.0
""",
            "bitbucket-pipelines",
            ("manual", "pull_request", "push"),
            {"unit-test": "npm test", "dependency-audit": "Audit", "deploy": "Ship"},
        ),
        (
            ".drone.yml",
            """\
kind: pipeline
name: default
steps:
  - name: test
    image: golang:1.22
    commands: [go test ./...]
  - name: publish
    image: plugins/docker
trigger:
  event: [push, tag, cron]
---
kind: secret
name: token
""",
            "drone",
            ("push", "schedule", "tag"),
            {"unit-test": "go test ./...", "container": "plugins/docker"},
        ),
        (
            ".woodpecker/lint.yml",
            """\
steps:
  lint:
    image: golangci/golangci-lint
    commands: [golangci-lint run]
when:
  - event: pull_request
  - event: manual
""",
            "woodpecker",
            ("manual", "pull_request"),
            {"lint": "lint"},
        ),
        (
            ".buildkite/pipeline.yml",
            """\
steps:
  - label: ":pytest: Tests"
    command: pytest
  - block: "Release?"
  - label: Release
    command: ./scripts/release.sh
""",
            "buildkite",
            ("manual", "push"),
            {"unit-test": ":pytest: Tests", "release": "./scripts/release.sh"},
        ),
        (
            "cloudbuild.yaml",
            """\
steps:
  - name: gcr.io/cloud-builders/docker
    args: [build, -t, gcr.io/p/app, .]
  - name: gcr.io/google.com/cloudsdktool/cloud-sdk
    entrypoint: gcloud
    args: [run, deploy, app]
""",
            "cloud-build",
            ("push",),
            {"build": "docker build -t gcr.io/p/app .", "deploy": "gcloud run deploy app"},
        ),
        (
            "appveyor.yml",
            """\
build: off
test_script:
  - cmd: dotnet test
deploy_script:
  - cmd: nuget push pkg.nupkg
""",
            "appveyor",
            ("pull_request", "push"),
            {"unit-test": "dotnet test", "release": "nuget push pkg.nupkg"},
        ),
    ],
)
def test_other_ci_systems(path, text, system, triggers, expected):
    p = only_pipeline({path: text})
    assert p.system == system
    assert p.triggers == triggers
    assert p.jobs
    for stage, evidence in expected.items():
        assert evidence in [t for _, _, t in providers(p, stage)], stage


def test_every_ci_file_pattern_names_a_known_system():
    assert {system for system, _ in CI_FILES} == set(SYSTEMS)


# -- configuration found only as files ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("vercel.json", "vercel"),
        ("apps/web/vercel.json", "vercel"),
        ("now.json", "vercel"),
        ("netlify.toml", "netlify"),
        ("fly.toml", "fly"),
        ("render.yaml", "render"),
        ("Procfile", "heroku"),
        ("heroku.yml", "heroku"),
        ("serverless.yml", "serverless"),
        ("amplify.yml", "amplify"),
        ("railway.json", "railway"),
        ("railway.toml", "railway"),
        (".platform.app.yaml", "platform-sh"),
        ("firebase.json", "firebase"),
        ("wrangler.toml", "cloudflare"),
        (".ebextensions/01.config", "elastic-beanstalk"),
    ],
)
def test_deploy_platforms(path, kind):
    result = facts({path: "x: 1\n"})
    assert [(r.kind, r.path) for r in result.deploy_platforms] == [
        (kind, path.split("/0")[0] if kind == "elastic-beanstalk" else path)
    ]
    assert not result.has_ci


@pytest.mark.parametrize(
    ("path", "text", "kind"),
    [
        ("app.yaml", "service: api\nruntime: python312\n", "google-app-engine"),
        ("app.yaml", "name: something-else\n", None),
        ("app.json", '{"name": "x", "buildpacks": [{"url": "heroku/nodejs"}]}', "heroku"),
        ("app.json", '{"expo": {"name": "mobile"}}', None),  # Expo's app.json is not Heroku's
    ],
)
def test_deploy_platforms_named_by_content(path, text, kind):
    refs = facts({path: text}).deploy_platforms
    assert [r.kind for r in refs] == ([kind] if kind else [])
    if kind == "google-app-engine":
        assert refs[0].line == 2


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {".github/dependabot.yml": "version: 2\n"},
            [("dependabot", ".github/dependabot.yml", None)],
        ),
        (
            {".github/dependabot.yaml": "version: 2\n"},
            [("dependabot", ".github/dependabot.yaml", None)],
        ),
        ({"renovate.json": "{}"}, [("renovate", "renovate.json", None)]),
        ({"renovate.json5": "{}"}, [("renovate", "renovate.json5", None)]),
        ({".renovaterc": "{}"}, [("renovate", ".renovaterc", None)]),
        ({".renovaterc.json": "{}"}, [("renovate", ".renovaterc.json", None)]),
        ({".github/renovate.json": "{}"}, [("renovate", ".github/renovate.json", None)]),
        (
            {"package.json": '{\n  "name": "x",\n  "renovate": {"extends": ["config:base"]}\n}'},
            [("renovate", "package.json", 3)],
        ),
        # Renovate reads only the root package.json; a nested dependabot.yml is not Dependabot's.
        (
            {"web/package.json": '{"renovate": {}}', "web/.github/dependabot.yml": "version: 2\n"},
            [],
        ),
    ],
)
def test_dependency_bots(files, expected):
    assert [(r.kind, r.path, r.line) for r in facts(files).dependency_bots] == expected


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({".pre-commit-config.yaml": "repos: []\n"}, [("pre-commit", ".pre-commit-config.yaml")]),
        (
            {".husky/pre-commit": "npx lint-staged\n", ".husky/_/husky.sh": ""},
            [("husky", ".husky")],
        ),
        ({"frontend/.husky/pre-push": "npm test\n"}, [("husky", "frontend/.husky")]),
        ({"lefthook.yml": "pre-commit: {}\n"}, [("lefthook", "lefthook.yml")]),
        ({".lintstagedrc.json": "{}"}, [("lint-staged", ".lintstagedrc.json")]),
        (
            {"package.json": '{"lint-staged": {"*.ts": "eslint"}, "husky": {"hooks": {}}}'},
            [("husky", "package.json"), ("lint-staged", "package.json")],
        ),
        ({".overcommit.yml": "PreCommit: {}\n"}, [("overcommit", ".overcommit.yml")]),
    ],
)
def test_precommit_hooks(files, expected):
    assert [(r.kind, r.path) for r in facts(files).precommit] == expected


@pytest.mark.parametrize(
    ("path", "text", "kind"),
    [
        ("infra/main.tf", 'resource "aws_s3_bucket" "b" {}\n', "terraform"),
        ("infra/terragrunt.hcl", "", "terraform"),
        ("infra/main.bicep", "param location string\n", "bicep"),
        ("Pulumi.yaml", "name: app\nruntime: nodejs\n", "pulumi"),
        ("charts/app/Chart.yaml", "apiVersion: v2\nname: app\n", "helm"),
        (
            "deploy/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
            "kubernetes",
        ),
        ("overlays/prod/kustomization.yaml", "resources: []\n", "kubernetes"),
        (
            "template.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n",
            "cloudformation",
        ),
        (
            "stack.template.json",
            '{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}',
            "cloudformation",
        ),
        ("cdk.json", '{"app": "npx ts-node bin/app.ts"}', "cdk"),
        ("ansible/roles/web/tasks/main.yml", "- name: x\n", "ansible"),
        ("ansible.cfg", "[defaults]\n", "ansible"),
        ("docker-compose.yml", "services: {}\n", "docker-compose"),
        ("docker-compose.prod.yaml", "services: {}\n", "docker-compose"),
        ("compose.yaml", "services: {}\n", "docker-compose"),
        ("Dockerfile", "FROM python:3.12\n", "container"),
        ("api/Dockerfile.dev", "FROM node\n", "container"),
        ("build/api.Dockerfile", "FROM node\n", "container"),
    ],
)
def test_infrastructure_as_code(path, text, kind):
    assert [(r.kind, r.path) for r in facts({path: text}).iac] == [(kind, path)]


def test_manifests_by_content_carry_their_line_and_exclude_lookalikes():
    iac = facts(
        {
            "k8s/svc.yaml": "# service\napiVersion: v1\nkind: Service\n",
            "catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\n",
            "config/settings.yaml": "debug: true\n",
            "Dockerfile.dockerignore": "node_modules\n",
        }
    ).iac
    assert [(r.kind, r.path, r.line) for r in iac] == [("kubernetes", "k8s/svc.yaml", 3)]


def test_vendored_and_fixture_directories_are_not_the_teams_config():
    result = facts(
        {
            "node_modules/pkg/vercel.json": "{}",
            "vendor/x/Dockerfile": "FROM x",
            "tests/fixtures/repo/.github/dependabot.yml": "",
            "testdata/Jenkinsfile": "sh 'make'",
        }
    )
    assert (result.pipelines, result.deploy_platforms, result.dependency_bots, result.iac) == (
        (),
        (),
        (),
        (),
    )


def test_config_refs_are_bounded_per_kind():
    iac = facts({f"mod{i:03}/main.tf": "" for i in range(ci.MAX_REFS_PER_KIND + 5)}).iac
    assert len(iac) == ci.MAX_REFS_PER_KIND
    assert iac[0].path == "mod000/main.tf"


# -- hostile input ------------------------------------------------------------------------------

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (BILLION_LAUGHS, "aliases"),
        ("on: push\njobs: !!python/object/apply:os.system ['echo pwned']\n", "!!python/object"),
        ("- on\n- push\n", "top level is a list"),
        (b"\x00\x01\x02on: push\n", "binary"),
        ("", "top level is empty"),
        ("on: push\njobs:\n  a: [\n", "invalid YAML"),
        ("jobs:\n  ? [a, b]\n  : c\n", "invalid YAML"),
        ("'" * 2_000_000, "larger than"),
    ],
)
def test_hostile_ci_files_are_rejected_not_raised(content, reason):
    result = facts(
        {".github/workflows/evil.yml": content, ".github/workflows/ok.yml": "on: push\njobs: {}\n"}
    )
    assert [p.path for p in result.pipelines] == [".github/workflows/ok.yml"]
    ((path, why),) = result.rejected
    assert path == ".github/workflows/evil.yml"
    assert reason in why


@pytest.mark.parametrize(
    ("path", "content"),
    [
        (
            ".github/workflows/a.yml",
            (
                "on: 5\npermissions: [1]\njobs:\n  1: {steps: {a: 1}}\n  2: [x]\n"
                "  3: {steps: [null, 5, [1], {run: [1, 2]}, {uses: {a: b}}, {run: 12}]}\n"
                "  2020-01-01: {name: null, environment: {name: [x]}}\n  null: {}\n"
            ),
        ),
        (".github/workflows/b.yml", "on: {push: [1], 3: 4}\njobs: [a, b]\n"),
        (
            ".gitlab-ci.yml",
            (
                "include: [5, {local: [x]}, {project: 1, file: {a: b}}]\nworkflow: [1]\n"
                "a: {extends: [[1]], script: {x: y}, rules: 5, only: {refs: 5}}\n"
            ),
        ),
        (
            ".circleci/config.yml",
            (
                "jobs: {a: 5, b: {steps: [5, {}, {run: {command: [1]}}]}}\n"
                "workflows: {w: {jobs: [5, {}, {a: 1}, null], triggers: 5}, version: 2}\n"
            ),
        ),
        (
            "azure-pipelines.yml",
            (
                "stages: [5, {jobs: 5}]\njobs: {a: b}\nsteps: [1, {task: null}, {script: [1]}]\n"
                "trigger: 5\npr: {}\n"
            ),
        ),
        (
            ".travis.yml",
            "jobs: {include: [1, {name: [x]}]}\nscript: {a: b}\ndeploy: [1, {provider: [x]}]\n",
        ),
        (
            "bitbucket-pipelines.yml",
            "pipelines: {default: {step: 1}, branches: [1], custom: {x: [{parallel: 5}]}}\n",
        ),
        (".drone.yml", "kind: pipeline\nsteps: 5\ntrigger: {event: {include: 5}}\n---\n- 1\n"),
        (".woodpecker.yml", "steps: [1, {commands: {a: 1}}]\nwhen: 5\n"),
        (
            ".buildkite/pipeline.yml",
            "steps: [wait, {group: x, steps: [{command: [1, {a: b}]}]}, {plugins: [5, {}]}]\n",
        ),
        ("cloudbuild.yaml", "steps: [{name: 5, args: {a: b}}, 7]\n"),
        ("appveyor.yml", "build: {project: x.sln}\ndeploy: 5\ntest_script: [{ps: null}]\n"),
    ],
)
def test_unexpected_shapes_are_read_as_far_as_they_go(path, content):
    result = facts({path: content})
    assert result.rejected == ()
    (p,) = result.pipelines
    assert p.path == path
    assert set(p.triggers) <= set(TRIGGERS)
    assert all(step.stages <= set(STAGES) for step in p.steps)


@pytest.mark.parametrize(
    "text",
    [
        "on: push\njobs:\n  a:\n    steps:\n      - run: " + "mvn " * 50_000 + "\n",
        "on: push\njobs:\n  ? " + "gcloud " * 30_000 + "x\n  : {steps: []}\n",
    ],
    ids=["long command", "long job name"],
)
def test_long_hostile_lines_are_classified_in_bounded_time(text):
    start = time.monotonic()
    result = facts({".github/workflows/a.yml": text})
    assert time.monotonic() - start < 5
    assert len(result.pipelines) == 1


def test_shape_problems_are_recorded_on_the_pipeline():
    p = only_pipeline(
        {
            ".github/workflows/a.yml": "on: push\njobs:\n  a: [x]\n  b: {steps: {x: 1}}\n"
            "  c: {steps: [5]}\n"
        }
    )
    assert p.jobs == ("a", "b", "c")
    assert p.problem == (
        "job 'a' is a list, not a mapping; steps of job 'b' are a mapping, not a list; "
        "a step of job 'c' is a scalar, not a mapping"
    )
    bad = only_pipeline({".github/workflows/a.yml": "name: x\n"})
    assert (
        bad.problem
        == "'on' is missing or not an event, a list or a mapping; 'jobs' is empty, not a mapping"
    )


def test_unreadable_package_json_is_rejected_and_the_rest_still_read():
    result = facts({"package.json": "{" * 100_000, "web/package.json": "[1, 2]", "fly.toml": ""})
    assert [path for path, _ in result.rejected] == ["package.json"]
    assert [r.kind for r in result.deploy_platforms] == ["fly"]


def test_jobs_per_file_are_bounded():
    jobs = "".join(f"  j{i}:\n    steps: []\n" for i in range(ci.MAX_JOBS_PER_FILE + 10))
    p = only_pipeline({".github/workflows/a.yml": f"on: push\njobs:\n{jobs}"})
    assert len(p.jobs) == ci.MAX_JOBS_PER_FILE
    assert f"more than {ci.MAX_JOBS_PER_FILE} jobs" in p.problem


def test_ci_files_are_bounded():
    files = {
        f".github/workflows/w{i:03}.yml": "on: push\njobs: {}\n" for i in range(ci.MAX_CI_FILES + 3)
    }
    result = facts(files)
    assert len(result.pipelines) == ci.MAX_CI_FILES
    ((path, why),) = result.rejected
    assert path == f".github/workflows/w{ci.MAX_CI_FILES:03}.yml"
    assert "2 more not read" in why


# -- the facts as a whole -----------------------------------------------------------------------


def test_stage_map_lists_providers_in_stage_order_then_path_and_line():
    result = facts({".github/workflows/ci.yml": GITHUB_CI, "Jenkinsfile": JENKINSFILE})
    stage_map = result.stage_map()
    assert list(stage_map) == [s for s in STAGES if s in stage_map]
    assert "benchmark" not in stage_map
    deploys = [(p.path, s.line) for p, s in stage_map["deploy"]]
    assert deploys == [
        (".github/workflows/ci.yml", 32),
        (".github/workflows/ci.yml", 37),
        ("Jenkinsfile", 18),
    ]
    assert result.has_ci


def test_has_ci_is_false_when_every_ci_file_was_rejected():
    result = facts({".github/workflows/a.yml": "- not a workflow\n"})
    assert not result.has_ci
    assert result.rejected == ((".github/workflows/a.yml", "top level is a list, not a mapping"),)


def test_facts_are_deterministic_and_frozen():
    files = {
        ".github/workflows/ci.yml": GITHUB_CI,
        ".gitlab-ci.yml": GITLAB_CI,
        "ci/deploy.yml": GITLAB_DEPLOY,
        "Jenkinsfile": JENKINSFILE,
        ".circleci/config.yml": CIRCLECI,
        "Dockerfile": "FROM x\n",
    }
    first, second = facts(files), facts(dict(reversed(files.items())))
    assert first == second
    assert hash(first.pipelines) == hash(second.pipelines)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.pipelines[0].name = "x"  # type: ignore[misc]
    assert all(isinstance(p.steps, tuple) and isinstance(p.jobs, tuple) for p in first.pipelines)


# -- calibration on public repositories ----------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "stages"),
    [
        # Maven's package/install/deploy phases and Gradle's build run the tests first
        # (spring-petclinic's `./gradlew build`), unless the command skips them.
        ("mvn -B install", {"build", "test"}),
        ("./mvnw -B package", {"build", "test"}),
        ("./gradlew build", {"build", "test"}),
        ("./gradlew build -x test", {"build"}),
        ("mvn -B -Dmaven.test.skip=true install", {"build"}),
        # GNU's `make check` is the test suite (adr-tools' .travis.yml), `make check-lint` is not.
        ("make clean check", {"test"}),
        ("make check-lint", {"lint"}),
    ],
)
def test_jvm_and_make_commands_that_run_the_tests(command, stages):
    assert classify_command(command) == frozenset(stages)


@pytest.mark.parametrize("name", ["publish-test-pypi", "Publish to TestPyPI"])
def test_publishing_to_test_pypi_is_a_release_not_a_test(name):
    # requests' job publish-test-pypi was read as a test job.
    assert classify_name(name) == frozenset({"release"})


def test_a_bare_mvn_runs_the_poms_default_goal():
    # commons-lang's CI runs `mvn --errors … -Ddoclint=all`; its pom's defaultGoal verifies and checks style.
    found = facts({
        "pom.xml": "<project><build><defaultGoal>clean verify checkstyle:check</defaultGoal></build></project>",
        ".github/workflows/maven.yml": "on: [push]\njobs:\n  build:\n    runs-on: x\n    steps:\n"
                                       "      - run: mvn --errors --batch-mode -Ddoclint=all\n",
    })
    stages = found.stage_map()
    assert [s.text for _, s in stages["test"]] == ["mvn --errors --batch-mode -Ddoclint=all"]
    assert "lint" in stages
    # without a defaultGoal the same command runs neither tests nor checks
    bare = facts({".github/workflows/maven.yml": "on: [push]\njobs:\n  build:\n    runs-on: x\n    steps:\n"
                                                 "      - run: mvn --errors --batch-mode\n"})
    assert "test" not in bare.stage_map() and "lint" not in bare.stage_map()


def test_cloud_build_steps_are_read_by_the_image_name_not_its_registry_path():
    # kind's images/base/cloudbuild.yaml: a builder under k8s-staging-test-infra that pushes an image.
    found = facts({"images/base/cloudbuild.yaml": "steps:\n- name: gcr.io/k8s-staging-test-infra/gcb-docker-gcloud:latest\n"
                                                  "  entrypoint: make\n  args: ['-C', 'images/base', 'push']\n"})
    stages = found.stage_map()
    assert not any(s in stages for s in ("test", "unit-test", "integration-test", "e2e-test")), stages
    assert found.pipelines[0].jobs == ("gcb-docker-gcloud",)
