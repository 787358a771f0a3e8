"""Workflow rules on literal facts: written procedures, diagrams, local setup, runbooks."""

import json

from auditor.facts.tree import FileTree
from auditor.model import Outcome, Signal
from auditor.rules.workflow import WFL001, WFL002, WFL003, WFL004, classify_diagram, find_diagrams
from auditor.testing import evaluate

SEED_README = """# SMS Food Delivery Platform

Customers order food by text message.

## Tech Stack

- Next.js 15
- Prisma with PostgreSQL

## Setup

1. `npm install`
2. Copy your keys into `.env.local` (DATABASE_URL, TWILIO_*, STRIPE_*, OPENAI_API_KEY)
3. `npm run db:push && npm run db:seed`
4. `npm run dev`

## Architecture

```
Customer (SMS) <-> Twilio <-> Next.js API <-> Business Dashboard
                              |
                      Prisma <-> PostgreSQL
                              |
                            Stripe
```
"""
SERVICE = {"Dockerfile": "FROM node:22\n", "src/server.ts": "export {}\n"}
SEED_PACKAGE = json.dumps({"name": "sms", "scripts": {"dev": "next dev", "db:push": "prisma db push",
                                                       "test": "jest"},
                           "dependencies": {"next": "15.5.4"}}, indent=2)


def _measure(finding, name):
    return next(m for m in finding.measures if m.name == name)


# -- WFL001: development procedures ---------------------------------------------------------


def test_contributing_workflow_and_releasing_doc_pass():
    files = {"CONTRIBUTING.md": "# Contributing\n\n## Pull requests\n\nBranch from main, open a PR.\n",
             "RELEASING.md": "# Releasing\n\n1. Tag vX.Y.Z\n", "README.md": "# x\n"}
    f = evaluate(WFL001, files=files)
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.DOCUMENTED
    assert _measure(f, "development procedures written down").value == 2
    paths = {e.path for e in f.evidence}
    assert {"CONTRIBUTING.md", "RELEASING.md"} <= paths
    assert next(e for e in f.evidence if e.path == "CONTRIBUTING.md").line == 3
    assert "Hotfix workflow" in f.missing


def test_hotfix_and_release_sentences_in_contributing_count():
    files = {"CONTRIBUTING.md": "# Contributing\n\n## Branching workflow\n1. Branch from main.\n"
                                "Hotfixes branch from the latest tag as hotfix/<issue>.\n"
                                "Releases are cut by release-please from the changelog.\n"}
    f = evaluate(WFL001, files=files)
    assert f.outcome is Outcome.PASS
    assert _measure(f, "development procedures written down").value == 3
    assert any(e.line == 5 and "hotfix" in e.note.lower() for e in f.evidence)


def test_task_guides_are_not_procedures_and_are_named():
    files = {"README.md": SEED_README, "START_HERE.md": "# Start here\n\n## Deploy\n\nRun vercel --prod\n",
             "CHATKIT_IMPLEMENTATION.md": "# ChatKit\n\n## Release process\n"}
    f = evaluate(WFL001, files=files)
    assert f.outcome is Outcome.FAIL
    assert _measure(f, "development procedures written down").value == 0
    assert "Release process" in f.missing
    assert any("CHATKIT_IMPLEMENTATION.md" in o and "START_HERE.md" in o for o in f.observations)


def test_only_one_procedure_fails_and_cites_it():
    files = {"docs/releasing.md": "# How we release\n"}
    f = evaluate(WFL001, files=files)
    assert f.outcome is Outcome.FAIL
    assert f.message.startswith("only release process")
    assert f.evidence[0].path == "docs/releasing.md"


def test_external_contributing_guide_is_not_determinable():
    files = {"CONTRIBUTING.md": "See https://example.org/contributing for how to contribute.\n"}
    f = evaluate(WFL001, files=files)
    assert f.outcome is Outcome.FAIL
    assert any("https://example.org/contributing" in q for q in f.not_determinable)


def test_empty_repository_is_not_applicable():
    assert evaluate(WFL001, files={}).outcome is Outcome.NOT_APPLICABLE


# -- WFL002: diagrams --------------------------------------------------------------------------


def test_mermaid_process_flow_passes():
    doc = ("# Process\n\n```mermaid\nflowchart LR\n  Issue --> Branch[Feature branch]\n  Branch --> PR[Pull request]\n"
           "  PR --> Review{Approved?}\n  Review --> Merge --> Deploy[Deploy to staging]\n```\n")
    f = evaluate(WFL002, files={"docs/process.md": doc})
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.DOCUMENTED
    assert f.evidence[0].path == "docs/process.md" and f.evidence[0].line == 3
    assert "Mermaid process diagram" in f.evidence[0].note


def test_seed_ascii_architecture_diagram_is_not_a_process_flow():
    f = evaluate(WFL002, files={"README.md": SEED_README})
    assert f.outcome is Outcome.FAIL
    assert _measure(f, "architecture diagrams").value == 1
    assert _measure(f, "process diagrams").value == 0
    assert f.evidence[0].path == "README.md" and f.evidence[0].line == 19   # the opening fence
    assert "Customer (SMS) <-> Twilio <-> Next.js API" in f.evidence[0].note
    assert any("technical architecture diagram" in o for o in f.observations)
    assert "Development workflow diagram (idea → deployed feature)" in f.missing


def test_no_diagrams_fail_without_evidence():
    f = evaluate(WFL002, files={"README.md": "# x\n\n```\nnpm install\n```\n"})
    assert f.outcome is Outcome.FAIL
    assert not f.evidence
    assert f.message.startswith("no workflow or process diagrams")


def test_diagram_files_are_classified_by_their_labels():
    files = {"docs/release-flow.drawio": '<mxfile><diagram><mxCell value="Merge PR"/><mxCell value="Deploy to '
                                         'staging"/><mxCell value="Release"/></diagram></mxfile>',
             "docs/system.puml": "@startuml\n[API] --> [Database]\n[API] --> [Redis cache]\n@enduml\n",
             "docs/tree.md": "```\nsrc/\n├── app.ts\n├── db.ts\n└── routes.ts\n```\n"}
    found = {d.path: d for d in find_diagrams(FileTree.from_mapping(files))}
    assert found["docs/release-flow.drawio"].kind == "process"
    assert found["docs/system.puml"].kind == "architecture"
    assert "docs/tree.md" not in found        # a directory listing is not a diagram


def test_mermaid_types_decide_before_words():
    assert classify_diagram("erDiagram\n ORDER ||--o{ REVIEW : has", "erDiagram") == "architecture"
    assert classify_diagram("gitGraph\n commit\n branch feature", "gitGraph") == "process"
    assert classify_diagram("sequenceDiagram\n Dev->>CI: push\n CI->>Reviewer: request review\n Reviewer->>Dev: "
                            "approve merge", "sequenceDiagram") == "process"


# -- WFL003: local setup -------------------------------------------------------------------------


def test_docker_compose_is_an_automated_environment():
    files = {"docker-compose.yml": "services:\n  db:\n    image: postgres\n", ".env.example": "DATABASE_URL=\n"}
    f = evaluate(WFL003, files=files)
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.AUTOMATED
    assert {e.path for e in f.evidence} == {"docker-compose.yml", ".env.example"}


def test_env_example_alone_is_a_written_setup():
    f = evaluate(WFL003, files={".env.example": "DATABASE_URL=\n", "src/a.py": ""})
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.DOCUMENTED
    assert f.evidence[0].path == ".env.example"


def test_setup_task_counts_as_automation():
    files = {"Makefile": "setup:\n\tnpm ci && cp .env.example .env\n", "src/a.ts": ""}
    f = evaluate(WFL003, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert f.evidence[0].path == "Makefile" and "setup" in f.evidence[0].note


def test_readme_setup_alone_is_only_partial():
    files = {"README.md": SEED_README, ".gitignore": "node_modules\n.env\n.env.local\n", "package.json": SEED_PACKAGE}
    f = evaluate(WFL003, files=files)
    assert f.outcome is Outcome.FAIL
    assert "partially covered" in f.message
    assert f.missing[0] == "Local development setup (partially covered in README)"
    assert ".env.example listing DATABASE_URL, TWILIO_*, STRIPE_*, OPENAI_API_KEY" in f.missing
    readme = next(e for e in f.evidence if e.path == "README.md")
    assert readme.line == 10
    assert any(e.path == ".gitignore" for e in f.evidence)
    assert any("4 steps" in o for o in f.observations)


def test_nothing_at_all_fails_with_a_guide_missing():
    f = evaluate(WFL003, files={"src/a.py": ""})
    assert f.outcome is Outcome.FAIL
    assert "Local development setup guide" in f.missing
    assert not f.evidence


def test_setup_rule_does_not_apply_to_an_empty_tree():
    assert evaluate(WFL003, files={}).outcome is Outcome.NOT_APPLICABLE


# -- WFL004: operational procedures -----------------------------------------------------------------


def test_runbooks_pass_for_a_service():
    files = dict(SERVICE)
    files["docs/runbooks/deploy.md"] = "# Deploying\n\n## Promote to staging\n\n## Rollback\n"
    files["docs/runbooks/incident-response.md"] = "# Incident response\n"
    f = evaluate(WFL004, files=files)
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.DOCUMENTED
    assert _measure(f, "operational procedures written down").value == 3
    assert "Database migration process" in f.missing
    assert {"docs/runbooks/deploy.md", "docs/runbooks/incident-response.md"} <= {e.path for e in f.evidence}


def test_seed_deploys_by_hand_and_pushes_schema_without_a_procedure():
    files = {"next.config.ts": "export default {}\n", "package.json": SEED_PACKAGE, "README.md": SEED_README,
             "LAUNCH_GUIDE.md": "# Launch Guide\n\n- Verify Twilio registration\n- Switch Stripe to live keys\n"
                                "- Deploy with `vercel --prod`\n"}
    f = evaluate(WFL004, files=files)
    assert f.outcome is Outcome.FAIL
    assert f.message.startswith("no runbooks")
    assert f.evidence[0].path == "LAUNCH_GUIDE.md" and f.evidence[0].line == 5
    assert any("LAUNCH_GUIDE.md line 5 deploys by hand (vercel --prod)" in o for o in f.observations)
    assert any("db:push" in o and "prisma db push" in o for o in f.observations)
    assert "Rollback procedures" in f.missing and "Incident response runbook" in f.missing


def test_operations_do_not_apply_to_a_library():
    files = {"pyproject.toml": "[project]\nname = 'lib'\n", "src/lib/__init__.py": ""}
    f = evaluate(WFL004, files=files)
    assert f.outcome is Outcome.NOT_APPLICABLE
    assert "not deployed" in f.message


# -- calibration on public repositories -------------------------------------------------------------

RIPGREP_README = """\
# ripgrep

ripgrep recursively searches directories for a regex pattern.

### Installation

If you're a **macOS Homebrew** user, then you can install ripgrep with `brew install ripgrep`.

### Building

ripgrep is written in Rust, so you'll need to grab a Rust installation in order to compile it.

```
$ git clone https://github.com/BurntSushi/ripgrep
$ cd ripgrep
$ cargo build --release
```
"""
CARGO = '[package]\nname = "ripgrep"\nversion = "15.0.0"\n\n[[bin]]\nname = "rg"\npath = "crates/core/main.rs"\n'


def test_a_cli_built_from_source_with_a_lockfile_has_a_reproducible_setup():
    # ripgrep: no .env or docker-compose to expect of a command-line tool; README "Building" + Cargo.lock is the setup.
    files = {"README.md": RIPGREP_README, "Cargo.toml": CARGO, "Cargo.lock": "# lock\n", "crates/core/main.rs": ""}
    f = evaluate(WFL003, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED, f.message
    assert "Cargo.lock pins its dependencies" in f.message
    # without the lockfile, or for a deployed service, the README section alone stays partial
    no_lock = dict(files)
    del no_lock["Cargo.lock"]
    assert evaluate(WFL003, files=no_lock).outcome is Outcome.FAIL
    service = {"README.md": RIPGREP_README, "package.json": SEED_PACKAGE, "package-lock.json": "{}"}
    assert evaluate(WFL003, files=service).outcome is Outcome.FAIL


def test_a_howto_named_setup_is_not_an_onboarding_guide():
    # git: Documentation/howto/setup-git-server-over-http.adoc was read as "new developer onboarding guide".
    files = {"Documentation/howto/setup-git-server-over-http.adoc": "= Setting up a git server over HTTP\n",
             "Makefile": "all:\n", "main.c": "int main(void) { return 0; }\n"}
    f = evaluate(WFL003, files=files)
    assert f.outcome is Outcome.FAIL, f.message
    assert evaluate(WFL003, files={"docs/setup-dev.md": "# Setup\n", "main.c": ""}).outcome is Outcome.PASS


def test_an_install_guide_is_a_written_setup():
    # git: INSTALL at the root explains how to build and install from source.
    f = evaluate(WFL003, files={"INSTALL": "Normally you can just do \"make\" followed by \"make install\".\n",
                                "Makefile": "all:\n", "git.c": ""})
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED and "INSTALL" in f.message
    assert evaluate(WFL003, files={"BUILD": "cc_binary(name = 'x')\n", "x.c": ""}).outcome is Outcome.FAIL


def test_an_asciidoc_underline_is_not_a_fenced_diagram():
    # git's Documentation/git-status.adoc: "Short Format" underlined with ~~~ was read as a fence holding an
    # ASCII process diagram ("<xy> <orig-path> -> <path>", "merge").
    doc = ("git-status(1)\n=============\n\nShort Format\n~~~~~~~~~~~~\n\nIn the short-format, the status is\n\n"
           "\t<xy> <path>\n\t<xy> <orig-path> -> <path>\n\nWhen a merge is occurring -> review, release.\n\n"
           "Porcelain Format\n~~~~~~~~~~~~~~~~\n\ntext\n")
    assert find_diagrams(FileTree.from_mapping({"Documentation/git-status.adoc": doc})) == []
    assert evaluate(WFL002, files={"Documentation/git-status.adoc": doc}).outcome is Outcome.FAIL


def test_installing_a_library_as_a_user_is_not_building_it_from_source():
    # fastapi's README "Installation" tells users to `uv add fastapi` and to "make sure" of the quotes.
    readme = ("# FastAPI\n\n## Installation\n\nFirst install uv, then add FastAPI to your project:\n\n"
              "```console\n$ uv add \"fastapi[standard]\"\n```\n\n**Note**: Make sure you put it in quotes.\n")
    files = {"README.md": readme, "pyproject.toml": "[project]\nname = 'fastapi'\n", "uv.lock": "x"}
    assert evaluate(WFL003, files=files).outcome is Outcome.FAIL
    files["README.md"] = readme + "\n## Building\n\n```\n$ make\n```\n"
    assert evaluate(WFL003, files=files).outcome is Outcome.PASS
