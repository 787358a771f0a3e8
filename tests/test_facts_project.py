"""The project's kind, decided from literal trees shaped like the public repositories it was calibrated on."""

from __future__ import annotations

from auditor.facts.ci import collect_ci
from auditor.facts.manifests import collect_manifests
from auditor.facts.project import classify_project
from auditor.facts.tree import FileTree


def kind_of(files: dict[str, str]):
    tree = FileTree.from_mapping(files)
    return classify_project(tree, collect_manifests(tree), collect_ci(tree))


PYPROJECT = '[project]\nname = "{name}"\nversion = "1"\n'


def test_an_example_s_command_does_not_make_the_library_a_cli():
    # pallets/click: the examples declare commands; the library itself declares none.
    project = kind_of({
        "pyproject.toml": PYPROJECT.format(name="click"),
        "src/click/core.py": "x = 1\n",
        "examples/aliases/pyproject.toml": PYPROJECT.format(name="aliases") + '[project.scripts]\naliases = "a:cli"\n',
    })
    assert project.kind == "library"
    assert [e.path for e in project.evidence] == ["pyproject.toml"]


def test_a_framework_with_a_command_is_a_library():
    # pallets/flask and fastapi ship a command, but their classifiers say they are libraries.
    project = kind_of({
        "pyproject.toml": PYPROJECT.format(name="flask") + 'classifiers = [\n'
                          '  "Topic :: Software Development :: Libraries :: Application Frameworks",\n]\n'
                          '[project.scripts]\nflask = "flask.cli:main"\n',
        "src/flask/__init__.py": "x = 1\n",
        "src/flask/__main__.py": "from .cli import main\nmain()\n",
    })
    assert project.kind == "library"
    assert "classified as a library" in project.evidence[0].note
    # without the classifier, the same command makes it a command-line tool
    cli = kind_of({"pyproject.toml": PYPROJECT.format(name="tool") + '[project.scripts]\ntool = "tool:main"\n',
                   "tool/__init__.py": "x = 1\n"})
    assert cli.kind == "cli"


def test_a_netlify_docs_site_does_not_make_a_go_cli_a_service():
    # kubernetes-sigs/kind: netlify.toml builds the Hugo site under site/; the product is the kind command.
    files = {
        "go.mod": "module sigs.k8s.io/kind\n\ngo 1.21\n",
        "main.go": "package main\n\nfunc main() {}\n",
        "cmd/kind/main.go": "package main\n",
        "pkg/cluster/create.go": "package cluster\n",
        "netlify.toml": '[build]\nbase = "site/"\npublish = "site/public/"\ncommand = "hugo"\n',
        "site/content/_index.md": "# kind\n",
    }
    project = kind_of(files)
    assert (project.kind, project.deployed) == ("cli", False)
    # a netlify.toml that deploys the app itself still marks a deployed web application
    app = kind_of({"package.json": '{"name": "shop", "dependencies": {"next": "14"}}',
                   "netlify.toml": '[build]\ncommand = "next build"\npublish = ".next"\n',
                   "app/page.tsx": "export default function Page() {}\n"})
    assert (app.kind, app.deployed) == ("service", True)


def test_a_c_program_built_by_make_is_a_cli_even_with_a_rust_staticlib_manifest():
    # git/git: a Makefile, C sources with a main in common-main.c, and a Cargo.toml for a static library.
    project = kind_of({
        "Makefile": "all:\n\tcc -o git git.c\n",
        "Cargo.toml": '[package]\nname = "gitcore"\nversion = "0.1.0"\n\n[lib]\ncrate-type = ["staticlib"]\n',
        "base85.c": "#ifdef DEBUG_85\nint main(int ac, char **av) { return 0; }\n#endif\n",
        "common-main.c": "#include \"git-compat-util.h\"\nint main(int argc, const char **argv)\n{\n}\n",
        "git.c": "int cmd_main(int argc, const char **argv) { return 0; }\n",
        "git-compat-util.h": "#define X 1\n",
        "src/lib.rs": "pub fn f() {}\n",
    })
    assert project.kind == "cli"
    assert project.evidence[0].path == "common-main.c"


def test_a_workspace_file_beside_a_single_package_is_not_a_monorepo():
    # umami: pnpm-workspace.yaml holds build settings; there is one package.json, a Next.js app.
    single = kind_of({
        "pnpm-workspace.yaml": "packages:\n  - '**'\nonlyBuiltDependencies:\n  - prisma\n",
        "package.json": '{"name": "umami", "dependencies": {"next": "15", "react-dom": "19"}}',
        "Dockerfile": "FROM node:22\n",
        "src/app/page.tsx": "export default function Page() {}\n",
    })
    assert single.kind == "service"
    several = kind_of({
        "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
        "package.json": '{"name": "root", "private": true}',
        "packages/a/package.json": '{"name": "a"}',
        "packages/b/package.json": '{"name": "b"}',
        "packages/a/index.js": "module.exports = 1\n",
    })
    assert several.kind == "monorepo"


def test_a_docs_site_package_and_a_pages_deploy_do_not_make_a_monorepo_deployed():
    # gothinkster/realworld: apps/documentation is an Astro site (react-dom) deployed to GitHub Pages.
    project = kind_of({
        "apps/api/package.json": '{"name": "api", "dependencies": {"h3": "1"}}',
        "apps/api/server/routes/index.ts": "export default 1\n",
        "apps/documentation/package.json": '{"name": "docs", "dependencies": {"astro": "4", "react-dom": "18"}}',
        ".github/workflows/deploy-docs.yml": (
            "name: Deploy Documentation\non:\n  push:\n    branches: [main]\njobs:\n  build:\n    runs-on: x\n"
            "    steps:\n      - run: bun run build\n  deploy:\n    needs: build\n    runs-on: x\n"
            "    environment:\n      name: github-pages\n    steps:\n      - uses: actions/deploy-pages@v4\n"),
    })
    assert (project.kind, project.deployed) == ("monorepo", False)
