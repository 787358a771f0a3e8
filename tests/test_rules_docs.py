"""Documentation rules on literal facts: README, health files, ADRs, API contracts, reactive guides, docs in CI."""

from auditor.facts.tree import FileTree
from auditor.model import Outcome, Signal
from auditor.rules.docs import (
    DOC001,
    DOC002,
    DOC003,
    DOC004,
    DOC005,
    DOC006,
    adr_records,
    readme_sections,
    task_guides,
)
from auditor.testing import evaluate, make_history

README = """# Shop

What it does.

## Tech Stack

- Next.js

## Setup

1. npm install

## Architecture

API, database.
"""


def _measure(finding, name):
    return next(m for m in finding.measures if m.name == name)


# -- DOC001: README ---------------------------------------------------------------------------


def test_readme_sections_are_found_with_their_lines():
    path, found = readme_sections(FileTree.from_mapping({"README.md": README}))
    assert path == "README.md"
    assert found["setup"].line == 9
    assert found["architecture"].line == 13       # "Architecture" wins over "Tech Stack"
    assert "usage" not in found and "contributing" not in found


def test_readme_with_setup_and_architecture_passes_and_lists_what_is_missing():
    f = evaluate(DOC001, files={"README.md": README})
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.DOCUMENTED
    assert _measure(f, "README sections covered").value == 2
    assert [e.line for e in f.evidence] == [9, 13]
    assert "README usage section" in f.missing and "README contributing section" in f.missing


def test_title_only_readme_fails():
    f = evaluate(DOC001, files={"README.md": "# acme\n\nComing soon.\n"})
    assert f.outcome is Outcome.FAIL
    assert "has only 3 lines" in f.message


def test_missing_readme_fails():
    f = evaluate(DOC001, files={"src/a.py": ""})
    assert f.outcome is Outcome.FAIL
    assert f.message.startswith("no README")


# -- DOC002: health files ---------------------------------------------------------------------------


def test_contributing_license_changelog_pass():
    files = {"CONTRIBUTING.md": "# c\n", "LICENSE": "MIT\n", "CHANGELOG.md": "# Changelog\n",
             ".github/SECURITY.md": "# s\n"}
    f = evaluate(DOC002, files=files)
    assert f.outcome is Outcome.PASS
    assert _measure(f, "project health files").value == 4
    assert {e.path for e in f.evidence} == set(files)
    assert "Code of conduct (CODE_OF_CONDUCT.md)" in f.missing


def test_no_health_files_fail_with_the_checklist():
    f = evaluate(DOC002, files={"README.md": README})
    assert f.outcome is Outcome.FAIL
    assert "Contributing guidelines (CONTRIBUTING.md)" in f.missing
    assert len(f.missing) == 7
    assert f.not_determinable


def test_health_files_without_contributing_fail():
    f = evaluate(DOC002, files={"LICENSE": "MIT", "CHANGELOG.md": "x", "SECURITY.md": "x"})
    assert f.outcome is Outcome.FAIL
    assert f.message.startswith("no CONTRIBUTING guide")
    assert len(f.evidence) == 3


# -- DOC003: ADRs ---------------------------------------------------------------------------------------


def test_numbered_adrs_are_counted():
    files = {"docs/adr/0001-record-decisions.md": "# 1\n", "docs/adr/0002-use-postgres.md": "# 2\n",
             "docs/adr/template.md": "# template\n"}
    assert adr_records(FileTree.from_mapping(files)) == (["docs/adr"], ["docs/adr/0001-record-decisions.md",
                                                                        "docs/adr/0002-use-postgres.md"])
    f = evaluate(DOC003, files=files)
    assert f.outcome is Outcome.PASS
    assert _measure(f, "decision records").value == 2
    assert f.evidence[-1].path == "docs/adr/0002-use-postgres.md"


def test_adr_dir_file_names_a_custom_directory():
    files = {".adr-dir": "architecture/records\n", "architecture/records/0001-x.md": "# x\n"}
    f = evaluate(DOC003, files=files)
    assert f.outcome is Outcome.PASS
    assert "architecture/records" in f.message


def test_empty_adr_directory_fails_and_no_adrs_fail():
    f = evaluate(DOC003, files={"docs/adr/README.md": "# ADRs\n"})
    assert f.outcome is Outcome.FAIL and "holds no numbered decision record" in f.message
    f = evaluate(DOC003, files={"README.md": README})
    assert f.outcome is Outcome.FAIL
    assert f.missing == ("Architecture decision records (ADRs)",)


# -- DOC004: API contracts --------------------------------------------------------------------------------


def test_openapi_document_passes_for_a_service():
    files = {"Dockerfile": "FROM node\n", "api/openapi.yaml": "openapi: 3.1.0\ninfo: {title: x}\n",
             "src/routes/orders.ts": "export {}\n"}
    f = evaluate(DOC004, files=files)
    assert f.outcome is Outcome.PASS
    assert f.evidence[0].path == "api/openapi.yaml" and f.evidence[0].note == "OpenAPI"


def test_service_routes_without_contract_fail():
    files = {"next.config.ts": "export default {}\n", "src/app/api/promo/route.ts": "x",
             "src/app/api/sms/route.ts": "x", "examples/api/demo.ts": "x"}
    f = evaluate(DOC004, files=files)
    assert f.outcome is Outcome.FAIL
    assert _measure(f, "API route files").value == 2
    assert {e.path for e in f.evidence} == {"src/app/api/promo/route.ts", "src/app/api/sms/route.ts"}
    assert f.observations == ("API routes live under src/app/api.",)


def test_api_contract_does_not_apply_to_a_library():
    files = {"pyproject.toml": "[project]\nname = 'lib'\n", "src/lib/core.py": ""}
    assert evaluate(DOC004, files=files).outcome is Outcome.NOT_APPLICABLE


# -- DOC005: reactive guides ---------------------------------------------------------------------------------

GUIDE = "# START HERE: Testing the Platform Fee\n\n1. Run npm run dev\n"


def _reactive_history():
    # Newest first: the guide is added a day after the feature it describes.
    commits = [
        {"subject": "Add START_HERE testing guide for platform fee feature", "paths": ["START_HERE.md"],
         "date": "2025-10-17T21:00:00+00:00"},
        {"subject": "Implement 2% platform fee via Stripe Connect",
         "paths": ["src/lib/platform-fee.ts", "src/__tests__/platform-fee.test.ts"],
         "date": "2025-10-16T11:00:00+00:00"},
    ]
    commits += [{"subject": f"Build SMS ordering step {i}", "paths": [f"src/lib/sms-{i}.ts"],
                 "date": f"2025-10-{15 - i:02d}T10:00:00+00:00"} for i in range(10)]
    return make_history(commits)


def test_guide_written_after_its_feature_is_ad_hoc():
    f = evaluate(DOC005, files={"START_HERE.md": GUIDE, "src/lib/platform-fee.ts": ""}, history=_reactive_history())
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.AD_HOC
    assert f.message.startswith("1 guide written after the features they describe: START_HERE.md (2025-10-17) after "
                                "\"Implement 2% platform fee via Stripe Connect\" (2025-10-16)")
    assert f.evidence[0].path == "START_HERE.md" and f.evidence[0].date == "2025-10-17"
    assert "fee" in f.evidence[0].note and "platform" in f.evidence[0].note
    assert f.evidence[1].commit and f.evidence[1].date == "2025-10-16"
    assert _measure(f, "guides written after their feature").value == 1


def test_guide_added_with_its_code_is_not_reactive():
    commits = [{"subject": "Add platform fee and its guide", "paths": ["PLATFORM_FEE_GUIDE.md",
                                                                      "src/lib/platform-fee.ts"]}]
    commits += [{"subject": f"Change {i}", "paths": [f"src/a{i}.ts", "docs/notes.md"]} for i in range(10)]
    files = {"PLATFORM_FEE_GUIDE.md": "# Platform fee guide\n", "src/lib/platform-fee.ts": ""}
    f = evaluate(DOC005, files=files, history=make_history(commits))
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.OBSERVED
    assert _measure(f, "guides written after their feature").value == 0


def test_docs_checklist_item_is_a_written_practice():
    files = {".github/PULL_REQUEST_TEMPLATE.md": "## Checklist\n- [ ] Tests added\n- [ ] Docs updated (`docs/`)\n"}
    commits = [{"subject": f"Add feature {i}", "paths": [f"src/f{i}.py"]} for i in range(12)]
    f = evaluate(DOC005, files=files, history=make_history(commits))
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.DOCUMENTED
    assert f.evidence[0].path == ".github/PULL_REQUEST_TEMPLATE.md" and f.evidence[0].line == 3


def test_docs_that_never_change_with_code_fail():
    commits = [{"subject": f"Add feature {i}", "paths": [f"src/f{i}.py"]} for i in range(12)]
    f = evaluate(DOC005, files={"src/f0.py": ""}, history=make_history(commits))
    assert f.outcome is Outcome.FAIL
    assert _measure(f, "source commits that update docs").value == 0.0
    assert "0 of 12" in f.message


def test_too_little_history_is_skipped():
    f = evaluate(DOC005, files={"README.md": "# x\n"}, history=make_history([{"subject": "Initial commit",
                                                                              "paths": ["README.md"]}]))
    assert f.outcome is Outcome.SKIP


def test_guides_are_screaming_case_below_the_root():
    tree = FileTree.from_mapping({"START_HERE.md": "", "docs/deploying/proxy_fix.rst": "", "USER_GUIDE.md": "",
                                  "docs/STRIPE_SETUP.md": "", "chatkit_implementation.md": ""})
    assert task_guides(tree) == ["START_HERE.md", "chatkit_implementation.md", "docs/STRIPE_SETUP.md"]


# -- DOC006: docs site and CI --------------------------------------------------------------------------------------

CI_DOCS = """name: CI
on: [push, pull_request]
jobs:
  docs:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: mkdocs build --strict
"""


def test_docs_built_in_ci_are_automated():
    files = {"mkdocs.yml": "site_name: x\n", ".github/workflows/ci.yml": CI_DOCS, "docs/index.md": "# x\n"}
    f = evaluate(DOC006, files=files)
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.AUTOMATED
    assert any(e.path == ".github/workflows/ci.yml" for e in f.evidence)


def test_docs_site_without_ci_is_documented_only():
    f = evaluate(DOC006, files={"mkdocs.yml": "site_name: x\n"})
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.DOCUMENTED
    assert f.missing == ("Docs build or lint in CI",)


def test_loose_guides_without_a_site_fail():
    files = {"README.md": README, "START_HERE.md": "", "LAUNCH_GUIDE.md": "", "UX_DESIGN_AUDIT.md": "",
             "LICENSE": ""}
    f = evaluate(DOC006, files=files)
    assert f.outcome is Outcome.FAIL
    assert f.observations and "3 documents sit loose" in f.observations[0]
    assert "README.md" not in f.observations[0]


def test_translations_are_skipped_and_nested_contributing_is_found():
    from auditor.rules.docs import doc_files, health_files, is_translation

    files = {"docs/en/docs/contributing.md": "# Contributing\n", "docs/de/docs/contributing.md": "# Beitragen\n",
             "docs/i18n/fr/index.md": "# Accueil\n", "README.md": README}
    tree = FileTree.from_mapping(files)
    assert is_translation("docs/de/docs/contributing.md") and not is_translation("docs/en/docs/contributing.md")
    assert doc_files(tree) == ["README.md", "docs/en/docs/contributing.md"]
    assert health_files(tree) == {"contributing": "docs/en/docs/contributing.md"}


# -- calibration on public repositories -----------------------------------------------------------

UMAMI_README = """<p align="center"><img src="https://content.umami.is/logo.png"></p>

## Getting Started

A detailed getting started guide can be found at [umami.is/docs](https://umami.is/docs/).

## Installing from Source

### Requirements

- A server with Node.js version 18.18 or newer

### Get the source code and install packages

```bash
git clone https://github.com/umami-software/umami.git
pnpm install
```

## Getting Updates

To get the latest features, simply do a pull, install any new dependencies, and rebuild.
"""


def test_a_readme_that_points_to_the_project_s_documentation_site_is_external_documentation():
    # umami: the README covers installation; everything else is at umami.is/docs.
    files = {"README.md": UMAMI_README, "package.json": '{"name": "umami", "version": "3.1.0"}'}
    f = evaluate(DOC001, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.EXTERNAL, f.message
    assert "https://umami.is/docs/" in f.message
    # a third party's documentation (Vercel's, for next.js commerce) is not the project's own
    third = {"README.md": UMAMI_README.replace("umami.is/docs", "vercel.com/docs"),
             "package.json": '{"name": "commerce"}'}
    assert evaluate(DOC001, files=third).outcome is Outcome.FAIL


def test_a_readme_that_is_a_map_to_the_documentation_in_the_tree_passes():
    # git: a short README that sends readers to Documentation/gittutorial.adoc, giteveryday.adoc and INSTALL.
    readme = ("Git - fast, scalable, distributed revision control system\n"
              "=========================================================\n\n"
              "Git is a fast, scalable, distributed revision control system with an unusually rich command set.\n\n"
              "Please read the file [INSTALL][] for installation instructions.\n\n"
              "See [Documentation/gittutorial.adoc][] to get started, then see\n"
              "[Documentation/giteveryday.adoc][] for a useful minimum set of commands.\n\n"
              "[INSTALL]: INSTALL\n[Documentation/gittutorial.adoc]: Documentation/gittutorial.adoc\n"
              "[Documentation/giteveryday.adoc]: Documentation/giteveryday.adoc\n")
    files = {"README.md": readme, "INSTALL": "make install\n", "Documentation/gittutorial.adoc": "= tutorial\n",
             "Documentation/giteveryday.adoc": "= everyday\n"}
    f = evaluate(DOC001, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED, f.message
    assert {e.path for e in f.evidence if e.note == "documentation linked from the README"} == {
        "INSTALL", "Documentation/gittutorial.adoc", "Documentation/giteveryday.adoc"}


def test_release_notes_in_the_documentation_are_the_changelog_and_history_c_is_not():
    # fastapi keeps docs/en/docs/release-notes.md; git keeps Documentation/RelNotes/ and has builtin/history.c.
    fastapi = evaluate(DOC002, files={"CONTRIBUTING.md": "x", "LICENSE": "x",
                                      "docs/en/docs/release-notes.md": "## 0.1\n"})
    assert fastapi.outcome is Outcome.PASS and "docs/en/docs/release-notes.md" in fastapi.message
    git = evaluate(DOC002, files={"CONTRIBUTING.md": "x", "COPYING": "x", "builtin/history.c": "int x;\n",
                                  "Documentation/RelNotes/2.55.0.adoc": "Git v2.55 Release Notes\n"})
    assert "builtin/history.c" not in git.message
    assert "Documentation/RelNotes/" in git.message


def test_a_hugo_site_built_by_netlify_is_a_documentation_site():
    # kind: netlify.toml builds site/ with hugo.
    f = evaluate(DOC006, files={"netlify.toml": '[build]\nbase = "site/"\ncommand = "hugo"\n',
                                "site/content/_index.md": "# kind\n"})
    assert f.outcome is Outcome.PASS and "Hugo" in f.message, f.message
