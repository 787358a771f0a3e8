"""Manifest facts and the tool catalog, built from literal file trees (no git)."""

from __future__ import annotations

import json
import textwrap

import pytest

from auditor.facts.catalog import (
    CATEGORIES,
    CONFIG_FILES,
    TABLES,
    Tool,
    classify,
    classify_all,
    config_tools,
    tools_in,
)
from auditor.facts.manifests import (
    MAX_MANIFESTS,
    Dependency,
    ManifestFacts,
    collect_manifests,
    normalize_pypi,
    requirement_name,
)
from auditor.facts.tree import FileTree


def facts(files: dict[str, str]) -> ManifestFacts:
    return collect_manifests(
        FileTree.from_mapping({k: textwrap.dedent(v) for k, v in files.items()})
    )


def dep(f: ManifestFacts, name: str, path: str | None = None) -> Dependency:
    found = [d for d in f.find(name) if path is None or d.path == path]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


# -- npm ----------------------------------------------------------------------------------

NEXT_APP = """\
{
  "name": "storefront",
  "version": "0.3.1",
  "private": true,
  "scripts": {
    "dev": "next dev",
    "test": "jest"
  },
  "dependencies": {
    "next": "14.2.3",
    "react": "18.3.1",
    "@sentry/nextjs": "^8.0.0",
    "stripe": "^15.0.0",
    "@vercel/analytics": "^1.2.0"
  },
  "devDependencies": {
    "jest": "^29.7.0",
    "@playwright/test": "^1.44.0",
    "eslint": "^8.57.0",
    "typescript": "^5.4.0"
  },
  "peerDependencies": {
    "react-dom": "18.x"
  },
  "optionalDependencies": {
    "fsevents": "*"
  }
}
"""


def test_package_json_sections_dev_flags_and_lines():
    f = facts({"package.json": NEXT_APP})
    (m,) = f.manifests
    assert (m.path, m.ecosystem, m.name, m.version, m.problem) == (
        "package.json",
        "npm",
        "storefront",
        "0.3.1",
        None,
    )
    assert dep(f, "next") == Dependency("next", "npm", "package.json", 10, False)
    assert dep(f, "@sentry/nextjs").line == 12
    assert dep(f, "jest") == Dependency("jest", "npm", "package.json", 17, True)
    assert dep(f, "@playwright/test").dev is True
    assert dep(f, "react-dom").dev is False  # peers ship with the package
    assert dep(f, "fsevents").dev is False
    assert f.ecosystems == ("npm",)
    assert len(f.dependencies) == 11


def test_package_json_line_points_at_the_dependency_not_a_script_of_the_same_name():
    f = facts({"package.json": NEXT_APP})
    # "jest" appears first as a script command on line 7; the dependency is on line 17.
    assert dep(f, "jest").line == 17


def test_scoped_npm_names_are_kept_as_written_and_found_by_prefix():
    f = facts({"package.json": NEXT_APP})
    assert [d.name for d in f.by_prefix("@sentry/")] == ["@sentry/nextjs"]
    assert [d.name for d in f.by_prefix("@sentry/", "@playwright/")] == [
        "@sentry/nextjs",
        "@playwright/test",
    ]
    assert f.by_prefix() == []


def test_vendored_and_build_directories_are_skipped_but_workspaces_are_read():
    f = facts(
        {
            "package.json": '{"name": "root", "workspaces": ["packages/*"]}',
            "packages/api/package.json": '{"name": "api", "dependencies": {"fastify": "4"}}',
            "node_modules/left-pad/package.json": '{"dependencies": {"evil": "1"}}',
            "dist/package.json": '{"dependencies": {"bundled": "1"}}',
            "vendor/x/composer.json": '{"require": {"monolog/monolog": "3"}}',
            "third_party/y/go.mod": "module y\nrequire z.io/z v1.0.0\n",
        }
    )
    assert [m.path for m in f.manifests] == ["package.json", "packages/api/package.json"]
    assert [d.name for d in f.dependencies] == ["fastify"]


# -- Python -------------------------------------------------------------------------------

PYPROJECT = """\
[project]
name = "billing-service"
version = "2.1.0"
dependencies = [
    "FastAPI>=0.110",
    "Sentry_SDK[fastapi]>=2",
    "SQLAlchemy~=2.0",
    "structlog",
    "zope.interface ; python_version < '3.12'",
]

[project.optional-dependencies]
test = ["pytest>=8", "pytest-cov"]
docs = ["mkdocs-material"]
postgres = ["psycopg[binary]"]

[dependency-groups]
lint = ["ruff", {include-group = "typing"}]
typing = ["mypy"]

[tool.poetry]
name = "ignored-when-project-has-one"

[tool.poetry.dependencies]
python = "^3.11"
httpx = "^0.27"
celery = { version = "^5.3", extras = ["redis"] }

[tool.poetry.group.dev.dependencies]
black = "^24.0"

[tool.poetry.group.main.dependencies]
redis = "*"

[tool.uv]
dev-dependencies = ["pre-commit"]
"""


def test_pyproject_pep621_dependency_groups_and_poetry():
    f = facts({"pyproject.toml": PYPROJECT})
    (m,) = f.manifests
    assert (m.name, m.version, m.problem) == ("billing-service", "2.1.0", None)
    # PEP 503 normalization: case folded, runs of -_. become one dash.
    assert dep(f, "fastapi") == Dependency("fastapi", "pypi", "pyproject.toml", 5, False)
    assert dep(f, "sentry-sdk").line == 6
    assert dep(f, "zope-interface").dev is False
    assert dep(f, "pytest").dev is True and dep(f, "pytest").line == 13
    assert dep(f, "mkdocs-material").dev is True
    assert dep(f, "psycopg").dev is False  # an extra that is not a dev group
    assert dep(f, "ruff").dev is True and dep(f, "mypy").dev is True
    assert dep(f, "httpx").dev is False and dep(f, "celery").line == 27
    assert "python" not in {d.name for d in f.dependencies}
    assert dep(f, "black").dev is True
    assert dep(f, "redis").dev is False  # Poetry's main group is the runtime
    assert dep(f, "pre-commit").dev is True


def test_find_normalizes_pypi_queries():
    f = facts({"pyproject.toml": PYPROJECT})
    assert [d.name for d in f.find("Sentry_SDK")] == ["sentry-sdk"]
    assert f.find("sentry") == []


def test_poetry_only_project_takes_name_and_version_from_poetry():
    f = facts(
        {
            "pyproject.toml": """\
        [tool.poetry]
        name = "cli"
        version = "0.1.0"

        [tool.poetry.dependencies]
        python = "^3.10"
        typer = "^0.12"

        [tool.poetry.dev-dependencies]
        pytest = "^8"
        """
        }
    )
    (m,) = f.manifests
    assert (m.name, m.version) == ("cli", "0.1.0")
    assert [(d.name, d.dev, d.line) for d in f.dependencies] == [
        ("typer", False, 7),
        ("pytest", True, 10),
    ]


def test_requirements_files_skip_options_urls_and_mark_dev_by_file_name():
    f = facts(
        {
            "requirements.txt": """\
            # production
            -r requirements/base.txt
            --index-url https://pypi.example/simple
            Django==5.0.4  # web
            gunicorn>=21 ; sys_platform != "win32"
            -e git+https://github.com/org/lib.git#egg=lib
            https://example.com/pkgs/private-1.0.tar.gz
            ./local/wheel-1.0-py3-none-any.whl
            requests[socks] @ https://example.com/requests.zip
            celery \\
                --hash=sha256:abc
            """,
            "requirements/dev.txt": "pytest\nblack\n",
            "requirements-docs.txt": "sphinx\n",
            "test-requirements.txt": "hypothesis\n",
        }
    )
    prod = [(d.name, d.line) for d in f.dependencies if d.path == "requirements.txt"]
    assert prod == [("django", 4), ("gunicorn", 5), ("requests", 9), ("celery", 10)]
    assert all(not d.dev for d in f.dependencies if d.path == "requirements.txt")
    assert {d.name for d in f.dependencies if d.dev} == {"pytest", "black", "sphinx", "hypothesis"}


def test_setup_cfg_and_pipfile():
    f = facts(
        {
            "setup.cfg": """\
            [metadata]
            name = legacy-lib
            version = attr: legacy.__version__

            [options]
            install_requires =
                click>=8
                # a comment
                attrs

            [options.extras_require]
            test =
                pytest
            yaml = pyyaml
            """,
            "Pipfile": """\
            [packages]
            flask = "*"

            [dev-packages]
            flake8 = "*"
            """,
            "tools/setup.cfg": "[flake8]\nmax-line-length = 100\n",
        }
    )
    by_path = {m.path: m for m in f.manifests}
    assert by_path["setup.cfg"].name == "legacy-lib"
    assert by_path["setup.cfg"].version is None  # "attr:" is a pointer, not a version
    assert "tools/setup.cfg" not in by_path  # tool settings only: not a manifest
    assert [(d.name, d.dev, d.line) for d in f.dependencies if d.path == "setup.cfg"] == [
        ("click", False, 7),
        ("attrs", False, 9),
        ("pytest", True, 13),
        ("pyyaml", False, 14),
    ]
    assert [(d.name, d.dev) for d in f.dependencies if d.path == "Pipfile"] == [
        ("flask", False),
        ("flake8", True),
    ]


# -- Go, Rust ------------------------------------------------------------------------------


def test_go_mod_require_lines_and_blocks():
    f = facts(
        {
            "go.mod": """\
        module github.com/acme/api

        go 1.22

        require github.com/gin-gonic/gin v1.10.0

        require (
        \tgithub.com/getsentry/sentry-go v0.27.0
        \tgo.opentelemetry.io/otel v1.26.0 // indirect
        \t"github.com/stretchr/testify" v1.9.0
        )

        replace github.com/old/mod => ../mod
        """
        }
    )
    (m,) = f.manifests
    assert (m.ecosystem, m.name) == ("go", "github.com/acme/api")
    assert [(d.name, d.line) for d in f.dependencies] == [
        ("github.com/gin-gonic/gin", 5),
        ("github.com/getsentry/sentry-go", 8),
        ("go.opentelemetry.io/otel", 9),
        ("github.com/stretchr/testify", 10),
    ]
    assert "github.com/old/mod" not in {d.name for d in f.dependencies}


def test_cargo_toml_tables_renames_targets_and_workspace():
    f = facts(
        {
            "Cargo.toml": """\
        [package]
        name = "edge-proxy"
        version = "0.4.0"

        [dependencies]
        axum = "0.7"
        tokio = { version = "1", features = ["full"] }
        sentry = "0.32"
        http-client = { package = "reqwest", version = "0.12" }

        [dev-dependencies]
        proptest = "1"

        [build-dependencies]
        cc = "1"

        [target.'cfg(unix)'.dependencies]
        nix = "0.28"

        [workspace.dependencies]
        serde = "1"

        [dependencies.tracing]
        version = "0.1"
        """
        }
    )
    (m,) = f.manifests
    assert (m.name, m.version) == ("edge-proxy", "0.4.0")
    got = {(d.name, d.dev) for d in f.dependencies}
    assert got == {
        ("axum", False),
        ("tokio", False),
        ("sentry", False),
        ("reqwest", False),
        ("proptest", True),
        ("cc", False),
        ("nix", False),
        ("serde", False),
        ("tracing", False),
    }
    assert dep(f, "reqwest").line == 9  # found by the local name it is declared under
    assert dep(f, "tracing").line == 23  # the [dependencies.tracing] header


# -- Ruby ----------------------------------------------------------------------------------


def test_gemfile_groups_blocks_and_inline_options():
    f = facts(
        {
            "Gemfile": """\
        source "https://rubygems.org"

        gem "rails", "~> 7.1"
        gem 'sentry-ruby'
        gem "bootsnap", require: false # gem "commented-out"

        group :development, :test do
          gem "rspec-rails"
          platforms :mri do
            gem "debug"
          end
        end

        group :production do
          gem "lograge"
        end

        gem "rubocop", group: :development, require: false
        gem "flipper"
        """
        }
    )
    got = [(d.name, d.dev, d.line) for d in f.dependencies]
    assert got == [
        ("rails", False, 3),
        ("sentry-ruby", False, 4),
        ("bootsnap", False, 5),
        ("rspec-rails", True, 8),
        ("debug", True, 10),
        ("lograge", False, 15),
        ("rubocop", True, 18),
        ("flipper", False, 19),
    ]


def test_gemspec_runtime_and_development_dependencies():
    f = facts(
        {
            "mygem.gemspec": """\
        Gem::Specification.new do |spec|
          spec.name = "mygem"
          spec.version = "1.2.0"
          spec.add_dependency "thor", "~> 1.3"
          spec.add_development_dependency "rspec", "~> 3.13"
        end
        """
        }
    )
    (m,) = f.manifests
    assert (m.name, m.version, m.ecosystem) == ("mygem", "1.2.0", "rubygems")
    assert [(d.name, d.dev) for d in f.dependencies] == [("thor", False), ("rspec", True)]


# -- JVM -----------------------------------------------------------------------------------

POM = """\
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.2.5</version>
  </parent>
  <artifactId>orders</artifactId>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
    <dependency>
      <groupId>io.sentry</groupId>
      <artifactId>sentry-spring-boot-starter-jakarta</artifactId>
      <version>7.8.0</version>
    </dependency>
    <dependency>
      <groupId>org.junit.jupiter</groupId>
      <artifactId>junit-jupiter</artifactId>
      <scope>test</scope>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.jacoco</groupId>
        <artifactId>jacoco-maven-plugin</artifactId>
      </plugin>
      <plugin>
        <artifactId>maven-surefire-plugin</artifactId>
      </plugin>
    </plugins>
  </build>
</project>
"""


def test_pom_dependencies_scopes_plugins_and_parent_coordinates():
    f = facts({"pom.xml": POM})
    (m,) = f.manifests
    assert (m.ecosystem, m.name, m.version, m.problem) == (
        "maven",
        "org.springframework.boot:orders",
        "3.2.5",
        None,
    )
    assert [(d.name, d.dev, d.line) for d in f.dependencies] == [
        ("org.springframework.boot:spring-boot-starter-web", False, 13),
        ("io.sentry:sentry-spring-boot-starter-jakarta", False, 17),
        ("org.junit.jupiter:junit-jupiter", True, 22),
        ("org.jacoco:jacoco-maven-plugin", True, 30),
        ("org.apache.maven.plugins:maven-surefire-plugin", True, 33),
    ]


def test_gradle_kts_groovy_and_version_catalog():
    f = facts(
        {
            "app/build.gradle.kts": """\
            plugins {
                id("org.springframework.boot") version "3.2.5"
            }
            version = "1.4.0"
            dependencies {
                implementation("org.springframework.boot:spring-boot-starter-web")
                implementation(platform("io.micrometer:micrometer-bom:1.12.0"))
                runtimeOnly("io.micrometer:micrometer-registry-prometheus:1.12.0")
                testImplementation("org.junit.jupiter:junit-jupiter:5.10.2")
                implementation(libs.sentry)
            }
            """,
            "lib/build.gradle": """\
            dependencies {
                api 'com.google.guava:guava:33.0.0-jre'
                testImplementation group: 'org.mockito', name: 'mockito-core', version: '5.11.0'
                androidTestImplementation "androidx.test:runner:1.5.2"
            }
            """,
            "gradle/libs.versions.toml": """\
            [versions]
            sentry = "7.8.0"

            [libraries]
            sentry = { module = "io.sentry:sentry", version.ref = "sentry" }
            okhttp = "com.squareup.okhttp3:okhttp:4.12.0"
            """,
        }
    )
    kts = [(d.name, d.dev, d.line) for d in f.dependencies if d.path == "app/build.gradle.kts"]
    assert kts == [
        ("org.springframework.boot:spring-boot-starter-web", False, 6),
        ("io.micrometer:micrometer-bom", False, 7),
        ("io.micrometer:micrometer-registry-prometheus", False, 8),
        ("org.junit.jupiter:junit-jupiter", True, 9),
    ]
    groovy = [(d.name, d.dev) for d in f.dependencies if d.path == "lib/build.gradle"]
    assert groovy == [
        ("com.google.guava:guava", False),
        ("org.mockito:mockito-core", True),
        ("androidx.test:runner", True),
    ]
    catalog = [(d.name, d.line) for d in f.dependencies if d.path == "gradle/libs.versions.toml"]
    assert catalog == [("io.sentry:sentry", 5), ("com.squareup.okhttp3:okhttp", 6)]
    assert {m.path: m.version for m in f.manifests}["app/build.gradle.kts"] == "1.4.0"
    assert f.ecosystems == ("gradle",)


# -- PHP -----------------------------------------------------------------------------------


def test_composer_json_require_and_require_dev_without_platform_packages():
    f = facts(
        {
            "composer.json": json.dumps(
                {
                    "name": "acme/shop",
                    "require": {
                        "php": "^8.2",
                        "ext-json": "*",
                        "laravel/framework": "^11.0",
                        "Sentry/Sentry-Laravel": "^4.0",
                    },
                    "require-dev": {"phpunit/phpunit": "^11", "phpstan/phpstan": "^1.10"},
                },
                indent=2,
            )
        }
    )
    assert f.manifests[0].name == "acme/shop"
    assert [(d.name, d.dev) for d in f.dependencies] == [
        ("laravel/framework", False),
        ("sentry/sentry-laravel", False),
        ("phpunit/phpunit", True),
        ("phpstan/phpstan", True),
    ]


# -- lockfiles, ordering, limits -------------------------------------------------------------


def test_lockfiles_are_listed_sorted_and_vendored_ones_skipped():
    f = facts(
        {
            "yarn.lock": "",
            "web/package-lock.json": "{}",
            "poetry.lock": "",
            "go.sum": "",
            "Cargo.lock": "",
            "Gemfile.lock": "",
            "composer.lock": "{}",
            "app/gradle.lockfile": "",
            "uv.lock": "",
            "node_modules/x/yarn.lock": "",
            "not-a.lock": "",
        }
    )
    assert f.lockfiles == (
        "Cargo.lock",
        "Gemfile.lock",
        "app/gradle.lockfile",
        "composer.lock",
        "go.sum",
        "poetry.lock",
        "uv.lock",
        "web/package-lock.json",
        "yarn.lock",
    )


def test_results_are_deterministic_whatever_the_input_order():
    files = {
        "package.json": NEXT_APP,
        "pyproject.toml": PYPROJECT,
        "pom.xml": POM,
        "bad/package.json": "{",
    }
    forward = facts(files)
    backward = facts(dict(reversed(list(files.items()))))
    assert forward == backward
    assert list(forward.dependencies) == sorted(
        forward.dependencies, key=lambda d: (d.path, d.line, d.name)
    )
    assert forward.ecosystems == ("maven", "npm", "pypi")


def test_manifest_limit_keeps_the_shallowest_and_says_so():
    files = {
        f"pkgs/p{i:03}/package.json": '{"dependencies": {"a": "1"}}'
        for i in range(MAX_MANIFESTS + 5)
    }
    files["package.json"] = '{"dependencies": {"root-dep": "1"}}'
    f = facts(files)
    assert len(f.manifests) == MAX_MANIFESTS
    assert "package.json" in {m.path for m in f.manifests}
    assert any("more than 500 manifests (6 skipped)" in reason for _, reason in f.rejected)


def test_requirement_name_parses_pep508_forms():
    assert requirement_name("Foo.Bar[extra]>=1; python_version<'3.12'") == "Foo.Bar"
    assert requirement_name("name @ https://x/y.zip") == "name"
    assert requirement_name("git+https://github.com/x/y") is None
    assert requirement_name("-e .") is None
    assert requirement_name(42) is None
    assert normalize_pypi("Zope__Interface.Foo") == "zope-interface-foo"


# -- malformed and hostile input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path,content,reason",
    [
        ("package.json", '{"name": "x",', "invalid JSON at line 1"),
        ("package.json", "[1, 2, 3]", "top level is a list, expected an object"),
        ("package.json", "[" * 100_000, "invalid JSON: nested too deeply"),
        ("composer.json", '{"require": {"a": "1"', "invalid JSON"),
        ("pyproject.toml", "[project\nname = 1", "invalid TOML"),
        ("Cargo.toml", 'name = "x"\nname = "y"\n', "invalid TOML"),
        ("Pipfile", "[packages\n", "invalid TOML"),
        ("pom.xml", "<project><dependencies>", "invalid XML"),
        ("pom.xml", "<settings/>", "root element is <settings>, expected <project>"),
        ("setup.cfg", "no section header\n", "invalid INI"),
    ],
)
def test_unparseable_manifests_are_rejected_with_a_one_line_reason(path, content, reason):
    f = facts({path: content})
    ((where, why),) = f.rejected
    assert where == path
    assert reason in why
    assert "\n" not in why
    assert f.dependencies == ()
    (m,) = f.manifests
    assert m.problem == why


def test_xml_with_entity_declarations_is_refused_before_parsing():
    billion_laughs = """<?xml version="1.0"?>
<!DOCTYPE project [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<project><artifactId>&lol2;</artifactId></project>"""
    external = """<!doctype project SYSTEM "file:///etc/passwd"><project/>"""
    f = facts({"a/pom.xml": billion_laughs, "b/pom.xml": external})
    assert f.rejected == (
        ("a/pom.xml", "XML with a DOCTYPE or ENTITY declaration refused"),
        ("b/pom.xml", "XML with a DOCTYPE or ENTITY declaration refused"),
    )
    assert all(m.name is None for m in f.manifests)


def test_wrong_shapes_reject_the_section_and_keep_the_rest():
    f = facts(
        {
            "package.json": '{"dependencies": ["react"], "devDependencies": {"jest": "29"}}',
            "pyproject.toml": (
                '[project]\ndependencies = "requests"\n'
                '[project.optional-dependencies]\ntest = ["pytest"]\n'
            ),
            "Cargo.toml": 'dependencies = ["serde"]\n[dev-dependencies]\ninsta = "1"\n',
            "composer.json": '{"require": "laravel/framework"}',
        }
    )
    assert set(f.rejected) == {
        ("package.json", "dependencies is a list, expected a table"),
        ("pyproject.toml", "[project] dependencies is a string, expected a list"),
        ("Cargo.toml", "[dependencies] is a list, expected a table"),
        ("composer.json", "require is a string, expected a table"),
    }
    assert {d.name for d in f.dependencies} == {"jest", "pytest", "insta"}
    assert {m.path: m.problem is not None for m in f.manifests} == {
        "Cargo.toml": True,
        "composer.json": True,
        "package.json": True,
        "pyproject.toml": True,
    }


def test_hostile_names_and_values_are_ignored_not_raised():
    f = facts(
        {
            "package.json": json.dumps(
                {
                    "name": ["not", "a", "string"],
                    "version": 3,
                    "dependencies": {
                        "ok": "1",
                        "bad name": "1",
                        "": "1",
                        "x" * 300: "1",
                        "new\nline": "1",
                    },
                }
            ),
            "pyproject.toml": '[project]\nname = "p"\ndependencies = [1, {"a" = 1}, "", "valid"]\n'
            '[tool]\npoetry = "not a table"\n',
            "go.mod": "module\nrequire (\n garbage\n)\n",
        }
    )
    npm = next(m for m in f.manifests if m.path == "package.json")
    assert (npm.name, npm.version) == (None, None)
    assert {d.name for d in f.dependencies} == {"ok", "valid"}
    assert ("pyproject.toml", "[tool.poetry] is a string, expected a table") in f.rejected


def test_unreadable_manifest_is_unavailable_not_empty():
    tree = FileTree.from_mapping({"package.json": b'{"dependencies": {"a": "1"}}\x00binary'})
    f = collect_manifests(tree)
    assert f.rejected == (("package.json", "not read: binary"),)
    assert f.manifests[0].problem == "not read: binary"


def test_dependency_count_per_manifest_is_bounded():
    deps = {f"pkg-{i}": "1" for i in range(5005)}
    f = facts({"package.json": json.dumps({"dependencies": deps})})
    assert len(f.dependencies) == 5000
    assert f.rejected == (("package.json", "more than 5000 dependencies; the rest were not read"),)


# -- catalog -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,ecosystem,tool,category",
    [
        ("@sentry/nextjs", "npm", "Sentry", "error-tracking"),
        ("sentry-sdk", "pypi", "Sentry", "error-tracking"),
        ("Sentry_SDK", "pypi", "Sentry", "error-tracking"),
        ("github.com/getsentry/sentry-go", "go", "Sentry", "error-tracking"),
        ("sentry", "cargo", "Sentry", "error-tracking"),
        ("io.sentry:sentry-spring-boot-starter-jakarta", "maven", "Sentry", "error-tracking"),
        ("io.sentry:sentry", "gradle", "Sentry", "error-tracking"),
        ("sentry-ruby", "rubygems", "Sentry", "error-tracking"),
        ("sentry/sentry-laravel", "composer", "Sentry", "error-tracking"),
        ("@bugsnag/js", "npm", "Bugsnag", "error-tracking"),
        ("rollbar", "rubygems", "Rollbar", "error-tracking"),
        ("dd-trace", "npm", "Datadog", "apm"),
        ("ddtrace", "pypi", "Datadog", "apm"),
        ("newrelic", "npm", "New Relic", "apm"),
        ("@vercel/speed-insights", "npm", "Vercel Speed Insights", "apm"),
        ("prom-client", "npm", "Prometheus", "metrics"),
        ("prometheus_client", "pypi", "Prometheus", "metrics"),
        ("github.com/prometheus/client_golang", "go", "Prometheus", "metrics"),
        ("io.micrometer:micrometer-registry-prometheus", "gradle", "Micrometer", "metrics"),
        ("@opentelemetry/sdk-node", "npm", "OpenTelemetry", "tracing"),
        ("opentelemetry-instrumentation-fastapi", "pypi", "OpenTelemetry", "tracing"),
        ("go.opentelemetry.io/otel/sdk", "go", "OpenTelemetry", "tracing"),
        ("pino", "npm", "pino", "logging"),
        ("structlog", "pypi", "structlog", "logging"),
        ("go.uber.org/zap", "go", "zap", "logging"),
        ("tracing", "cargo", "tracing (Rust)", "logging"),
        ("ch.qos.logback:logback-classic", "maven", "Logback", "logging"),
        ("posthog-js", "npm", "PostHog", "analytics"),
        ("@segment/analytics-next", "npm", "Segment", "analytics"),
        ("@vercel/analytics", "npm", "Vercel Analytics", "analytics"),
        ("react-ga4", "npm", "Google Analytics", "analytics"),
        ("launchdarkly-react-client-sdk", "npm", "LaunchDarkly", "feature-flags"),
        ("UnleashClient", "pypi", "Unleash", "feature-flags"),
        ("@openfeature/server-sdk", "npm", "OpenFeature", "feature-flags"),
        ("flipper-active_record", "rubygems", "Flipper", "feature-flags"),
        ("django-waffle", "pypi", "django-waffle", "feature-flags"),
        ("statsig-node", "npm", "Statsig", "experimentation"),
        ("jest", "npm", "Jest", "test-framework"),
        ("pytest", "pypi", "pytest", "test-framework"),
        ("github.com/stretchr/testify", "go", "testify", "test-framework"),
        ("org.junit.jupiter:junit-jupiter", "maven", "JUnit", "test-framework"),
        ("rspec-rails", "rubygems", "RSpec", "test-framework"),
        ("phpunit/phpunit", "composer", "PHPUnit", "test-framework"),
        ("@playwright/test", "npm", "Playwright", "e2e-framework"),
        ("cypress", "npm", "Cypress", "e2e-framework"),
        (
            "pytest-cov",
            "pypi",
            "coverage.py",
            "coverage",
        ),  # exact names win over the pytest-* prefix
        ("@vitest/coverage-v8", "npm", "c8", "coverage"),
        ("org.jacoco:jacoco-maven-plugin", "maven", "JaCoCo", "coverage"),
        ("eslint-plugin-react", "npm", "ESLint", "linter"),
        ("eslint-plugin-security", "npm", "eslint-plugin-security", "security-scanner"),
        ("ruff", "pypi", "Ruff", "linter"),
        ("rubocop-rails", "rubygems", "RuboCop", "linter"),
        ("prettier", "npm", "Prettier", "formatter"),
        ("black", "pypi", "Black", "formatter"),
        ("typescript", "npm", "TypeScript", "typechecker"),
        ("mypy", "pypi", "mypy", "typechecker"),
        ("@changesets/cli", "npm", "Changesets", "release-tooling"),
        ("python-semantic-release", "pypi", "python-semantic-release", "release-tooling"),
        ("bandit", "pypi", "Bandit", "security-scanner"),
        ("brakeman", "rubygems", "Brakeman", "security-scanner"),
        ("next", "npm", "Next.js", "web-framework"),
        ("github.com/gin-gonic/gin", "go", "Gin", "web-framework"),
        ("actix-web", "cargo", "Actix Web", "web-framework"),
        (
            "org.springframework.boot:spring-boot-starter-web",
            "maven",
            "Spring Boot",
            "web-framework",
        ),
        ("@prisma/client", "npm", "Prisma", "orm"),
        ("gorm.io/gorm", "go", "GORM", "orm"),
        ("diesel", "cargo", "Diesel", "orm"),
        ("stripe", "npm", "Stripe", "payments"),
        ("github.com/stripe/stripe-go/v76", "go", "Stripe", "payments"),
        ("click", "pypi", "Click", "cli-framework"),
        ("github.com/spf13/cobra", "go", "Cobra", "cli-framework"),
        ("clap", "cargo", "clap", "cli-framework"),
        ("thor", "rubygems", "Thor", "cli-framework"),
        ("@docusaurus/core", "npm", "Docusaurus", "docs-site"),
        ("mkdocs-material", "pypi", "MkDocs", "docs-site"),
    ],
)
def test_classify_known_dependencies(name, ecosystem, tool, category):
    assert classify(name, ecosystem) == Tool(tool, category)


def test_classify_unknown_or_wrong_ecosystem_is_none():
    assert classify("left-pad", "npm") is None
    assert classify("sentry-sdk", "npm") is None  # a PyPI name in the npm column
    assert classify("next", "nuget") is None
    assert classify("", "npm") is None
    # A prefix is a path prefix for Go modules, not a string prefix.
    assert classify("github.com/spf13/cobra-cli-extra", "go") is None


def test_frameworks_that_ship_an_orm_classify_as_both():
    assert [t.category for t in classify_all("django", "pypi")] == ["web-framework", "orm"]
    assert [t.name for t in classify_all("rails", "rubygems")] == ["Rails", "Active Record"]
    assert classify("django", "pypi") == Tool("Django", "web-framework")


def test_tools_in_pairs_tools_with_the_dependencies_that_prove_them():
    f = facts({"package.json": NEXT_APP, "pyproject.toml": PYPROJECT})
    pairs = tools_in(f.dependencies)
    names = [(t.category, t.name, d.name) for t, d in pairs]
    assert ("error-tracking", "Sentry", "@sentry/nextjs") in names
    assert ("error-tracking", "Sentry", "sentry-sdk") in names
    assert ("e2e-framework", "Playwright", "@playwright/test") in names
    assert ("payments", "Stripe", "stripe") in names
    assert ("analytics", "Vercel Analytics", "@vercel/analytics") in names
    assert ("orm", "SQLAlchemy", "sqlalchemy") in names
    assert "left-pad" not in {d.name for _, d in pairs}
    # Sorted by category order, then tool, then where it was found.
    assert pairs == sorted(
        pairs, key=lambda p: (CATEGORIES.index(p[0].category), p[0].name, p[1].path, p[1].line or 0)
    )
    assert tools_in(reversed(f.dependencies)) == pairs


def test_catalog_tables_are_well_formed():
    assert set(TABLES) == set(CATEGORIES)
    assert all(tool.category in CATEGORIES for tool in CONFIG_FILES.values())
    for category, entries in TABLES.items():
        names = [e.name for e in entries]
        assert len(names) == len(set(names)), category
        assert all(any((e.npm, e.pypi, e.go, e.cargo, e.maven, e.gem, e.composer)) for e in entries)


def test_config_tools_finds_files_at_any_depth_and_skips_vendored():
    tree = FileTree.from_mapping(
        {
            p: ""
            for p in [
                "apps/web/sentry.client.config.ts",
                "apps/web/sentry.server.config.ts",
                "apps/web/instrumentation.ts",
                "newrelic.js",
                "ops/prometheus.yml",
                "ops/rules/alert-api.rules.yml",
                "monitoring/grafana/dashboards/api.json",
                "deploy/otel-collector-config.yaml",
                "jest.config.ts",
                "playwright.config.ts",
                "tests/conftest.py",
                ".coveragerc",
                "codecov.yml",
                ".nycrc.json",
                ".eslintrc.cjs",
                "eslint.config.mjs",
                ".prettierrc",
                "ruff.toml",
                ".golangci.yml",
                ".editorconfig",
                ".releaserc.json",
                ".changeset/config.json",
                ".goreleaser.yaml",
                "mkdocs.yml",
                "docs/conf.py",
                ".gitleaks.toml",
                ".secrets.baseline",
                "flagsmith.json",
                "node_modules/pkg/jest.config.js",
                "src/app.ts",
                "grafana.json",
                "docs/index.md",
            ]
        }
    )
    found = config_tools(tree)
    by_path = {path: tool for tool, path in found}
    assert by_path["apps/web/sentry.client.config.ts"] == Tool("Sentry", "error-tracking")
    assert by_path["apps/web/instrumentation.ts"].category == "apm"
    assert by_path["ops/rules/alert-api.rules.yml"].name == "Prometheus alerting rules"
    assert by_path["monitoring/grafana/dashboards/api.json"] == Tool("Grafana", "metrics")
    assert by_path["deploy/otel-collector-config.yaml"].category == "tracing"
    assert by_path["tests/conftest.py"] == Tool("pytest", "test-framework")
    assert by_path[".golangci.yml"] == Tool("golangci-lint", "linter")
    assert by_path[".changeset/config.json"] == Tool("Changesets", "release-tooling")
    assert by_path["docs/conf.py"] == Tool("Sphinx", "docs-site")
    assert by_path["flagsmith.json"].category == "feature-flags"
    for absent in (
        "node_modules/pkg/jest.config.js",
        "src/app.ts",
        "grafana.json",
        "docs/index.md",
    ):
        assert absent not in by_path
    assert found == sorted(found, key=lambda p: (CATEGORIES.index(p[0].category), p[0].name, p[1]))
    assert len(found) == len(set(found))


def test_line_numbers_for_dotted_keys_unicode_keys_and_escaped_keys():
    f = facts(
        {
            "crates/api/Cargo.toml": """\
            [package]
            name = "api"
            keywords = ["serde", "tokio"]

            [dependencies]
            serde.workspace = true
            tokio = { workspace = true, features = ["rt"] }
            """,
            "package.json": (
                '{\n  "dependencies": {\n    "café": "1",\n    "\\u0061bc": "2"\n  }\n}\n'
            ),
        }
    )
    assert dep(f, "serde").line == 6  # not the "serde" string in keywords on line 3
    assert dep(f, "tokio").line == 7
    assert dep(f, "café").line == 3
    # Written with a JSON escape: the dependency is known, its line honestly is not.
    assert dep(f, "abc").line is None


def test_hostile_escaped_keys_do_not_make_line_search_quadratic():
    import time

    keys = ",".join(f'"p\\u0061{i}": "1"' for i in range(5000))
    text = '{"dependencies": {' + keys + "}}" + " " * 900_000
    started = time.perf_counter()
    f = facts({"package.json": text})
    assert len(f.dependencies) == 5000
    assert time.perf_counter() - started < 10  # ~0.3s; a rescan per miss would take minutes


def test_release_plugins_configured_in_a_pom_are_release_tooling():
    # commons-lang configures the Commons Release Plugin (declared by its parent POM) through properties.
    tree = FileTree.from_mapping({
        "pom.xml": "<project>\n  <properties>\n    <commons.release.version>3.21.0</commons.release.version>\n"
                   "  </properties>\n</project>\n",
        "other/pom.xml": "<project><build><plugins><plugin>\n<artifactId>maven-release-plugin</artifactId>\n"
                         "</plugin></plugins></build></project>\n",
        "plain/pom.xml": "<project><artifactId>release-notes</artifactId></project>\n",
    })
    assert config_tools(tree) == [(Tool("Commons Release Plugin", "release-tooling"), "pom.xml"),
                                  (Tool("Maven Release Plugin", "release-tooling"), "other/pom.xml")]
