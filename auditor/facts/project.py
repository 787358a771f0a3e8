"""What kind of project this is: deployed service or web app, library, CLI, docs-only, monorepo.

Applicability follows from it (monitoring does not apply to a library). A kind
declared in the configuration wins over the observed one, and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.facts import paths as P
from auditor.facts.tree import line_of
from auditor.model import Evidence

SERVICE_MARKERS = (
    "Dockerfile", "docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml", "Procfile",
    "vercel.json", "netlify.toml", "fly.toml", "render.yaml", "app.yaml", "serverless.yml", "amplify.yml",
    "next.config.js", "next.config.mjs", "next.config.ts", "nuxt.config.ts", "manage.py", "wsgi.py", "asgi.py",
    "railway.json", "railway.toml", "firebase.json", "wrangler.toml", "Chart.yaml", "heroku.yml", "app.json",
)
WEB_FRAMEWORKS = {"next", "nuxt", "express", "fastify", "koa", "@nestjs/core", "django", "flask", "fastapi",
                  "rails", "sinatra", "laravel/framework", "symfony/symfony", "github.com/gin-gonic/gin",
                  "github.com/labstack/echo/v4", "actix-web", "axum", "rocket",
                  "org.springframework.boot:spring-boot-starter-web", "remix", "@remix-run/node", "@sveltejs/kit",
                  "gunicorn", "uvicorn", "starlette", "hono", "@angular/core", "react-dom", "vue"}


@dataclass(frozen=True)
class Project:
    """The project's kind, with the evidence it was decided from."""

    kind: str                        # "service", "library", "cli", "docs", "monorepo", "empty", "unknown"
    deployed: bool                   # runs somewhere users reach (so monitoring applies)
    evidence: tuple[Evidence, ...] = ()
    components: tuple[str, ...] = ()  # monorepo packages
    ecosystems: tuple[str, ...] = ()
    declared: bool = False
    source_files: int = 0
    test_files: int = 0
    doc_files: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return {"service": "deployed service or web application", "library": "library", "cli": "command-line tool",
                "docs": "documentation-only repository", "monorepo": "monorepo", "empty": "empty repository",
                "unknown": "project of undetermined kind"}[self.kind]


def classify_project(tree, manifests, ci, declared: dict | None = None) -> Project:
    """Decide the project's kind from markers in the tree and its manifests."""
    declared = declared or {}
    # Executable scripts without an extension (bin/tool, src/_helper) are source code too.
    src = [p for p in tree.paths if P.is_source(p) or (
        tree.entries[p].kind == "executable" and "." not in p.rsplit("/", 1)[-1] and not P.is_test(p))]
    tests = [p for p in tree.paths if P.is_test(p) and not P.is_vendored(p)]
    docs = [p for p in tree.paths if P.is_doc(p)]
    ecosystems = tuple(manifests.ecosystems) if manifests else ()
    counts = dict(source_files=len(src), test_files=len(tests), doc_files=len(docs), ecosystems=ecosystems)
    if declared.get("kind"):
        kind = declared["kind"]
        return Project(kind=kind, deployed=declared.get("deployed", kind == "service"), declared=True,
                       evidence=(Evidence(note=f"declared in configuration: {kind}"),), **counts)
    substantive = [p for p in tree.paths if not p.rsplit("/", 1)[-1].lower().startswith(
        ("readme", "license", "licence", ".git", "copying", "notice"))]
    if not tree.paths:
        return Project(kind="empty", deployed=False, **counts)
    if not substantive:
        # Nothing but a README or licence: too little to say what the project will be,
        # but every practice can still be judged missing.
        return Project(kind="unknown", deployed=False,
                       evidence=tuple(Evidence(path=p, note="the only file") for p in tree.paths[:3]), **counts)

    evidence: list[Evidence] = []
    sites = {p for p in tree.paths if p.rsplit("/", 1)[-1] in _SITE_CONFIGS and _builds_a_docs_site(tree, p)}
    service_hits = [p for p in tree.paths if p.rsplit("/", 1)[-1] in SERVICE_MARKERS and _marks_the_project(p)
                    and p not in sites]
    deploy_cfg = [c.path for c in getattr(ci, "deploy_platforms", ()) if c.path not in sites] if ci else []
    # A documentation site's package (realworld's apps/documentation: Astro with react-dom) or an
    # example app does not make the project a web application.
    deps = {d.name for d in manifests.dependencies if not d.dev and not _DOCS_PACKAGE.search(d.path)
            and not d.path.startswith(_NOT_THE_PROJECT)} if manifests else set()
    frameworks = sorted(deps & WEB_FRAMEWORKS)
    deploy_stage = _deploys(ci)

    # A monorepo holds several deployable or publishable components: declared by workspace
    # tooling, or several packages under apps/, services/ or packages/. A Cargo or Maven
    # workspace of one product's internal crates or modules is not one.
    roots = sorted({m.path.rsplit("/", 1)[0] for m in (manifests.manifests if manifests else ())
                    if "/" in m.path and not P.is_vendored(m.path) and not P.is_test(m.path)})
    # Workspace tooling declares a monorepo only when the tree holds packages beside the root one: a
    # pnpm-workspace.yaml kept for its build settings (umami) sits beside a single package.json.
    markers = [m for m in ("pnpm-workspace.yaml", "lerna.json", "nx.json", "turbo.json", "go.work", "rush.json")
               if tree.exists(m)] if any(not (r + "/").startswith(_NOT_THE_PROJECT) for r in roots) else []
    components = tuple(r for r in roots if r.split("/", 1)[0] in _PACKAGE_DIRS and r.count("/") == 1)
    if markers or len(components) >= 2:
        evidence += [Evidence(path=m, note="workspace configuration") for m in markers]
        evidence += [Evidence(path=c, note="package") for c in components[:8]]
        deployed = bool(service_hits or deploy_cfg or frameworks or deploy_stage)
        return Project(kind="monorepo", deployed=deployed, evidence=tuple(evidence), components=components, **counts)

    publishes = bool(ci and ci.stage_map().get("release"))
    if frameworks and not (service_hits or deploy_cfg or deploy_stage) and publishes:
        # A package that depends on a web framework and publishes releases is a library
        # (FastAPI depends on Starlette); a web application is deployed, not published.
        frameworks = []
    if service_hits or deploy_cfg or frameworks or deploy_stage:
        evidence += [Evidence(path=p, note="deployment or runtime configuration") for p in (service_hits + deploy_cfg)[:6]]
        evidence += [Evidence(note=f"web framework dependency: {f}") for f in frameworks[:4]]
        if deploy_stage:
            evidence.append(Evidence(note="a CI job deploys"))
        return Project(kind="service", deployed=True, evidence=tuple(evidence), **counts)

    if not src and len(docs) >= 3:
        return Project(kind="docs", deployed=False, evidence=(Evidence(note=f"{len(docs)} documents, no source code"),),
                       **counts)

    cli_markers = []
    library_notes: list[Evidence] = []
    for m in (manifests.manifests if manifests else ()):
        if not _marks_the_project(m.path) and "/" in m.path:
            continue  # examples/aliases/pyproject.toml declares the example's command, not the project's
        text = tree.read_text(m.path) or ""
        if m.path.endswith("package.json") and '"bin"' in text:
            cli_markers.append(m.path)
        if m.path.endswith("pyproject.toml") and ("[project.scripts]" in text or "[tool.poetry.scripts]" in text):
            if _LIBRARY_CLASSIFIER.search(text):
                # Flask and FastAPI ship a command, but their classifiers say what they are: libraries.
                library_notes.append(Evidence(path=m.path, line=line_of(text, _LIBRARY_CLASSIFIER),
                                              note="classified as a library, with a command-line entry point"))
            else:
                cli_markers.append(m.path)
        if m.path.endswith("Cargo.toml") and "[[bin]]" in text:
            cli_markers.append(m.path)
    scripts = [p for p in src if tree.entries[p].kind == "executable" and p.split("/", 1)[0] in ("bin", "src")]
    if scripts and not (manifests and manifests.manifests):
        cli_markers += scripts[:2]
    mains = [p for p in tree.glob("cmd/*/main.go", "main.go") if not p.startswith(_NOT_THE_PROJECT)]
    if mains or (any(p.endswith("__main__.py") for p in src) and not library_notes):
        cli_markers += mains[:2] + [p for p in src if p.endswith("__main__.py")][:1]
    if not cli_markers and not library_notes:
        cli_markers += _c_program(tree, src)
    if cli_markers:
        return Project(kind="cli", deployed=False,
                       evidence=tuple(Evidence(path=p, note="declares a command-line entry point") for p in cli_markers[:4]),
                       **counts)
    if library_notes or (manifests and manifests.manifests):
        return Project(kind="library", deployed=False,
                       evidence=(tuple(library_notes[:2]) + tuple(
                           Evidence(path=m.path, note="package manifest without deployment configuration")
                           for m in manifests.manifests if _marks_the_project(m.path)))[:3],
                       **counts)
    return Project(kind="unknown", deployed=False, **counts)


_PACKAGE_DIRS = ("apps", "services", "packages", "libs")
_SITE_CONFIGS = ("netlify.toml",)
_SITE_DIR = re.compile(r"^\s*(?:base|publish)\s*=\s*[\"']?/?(?:site|docs?|website|documentation|www)\b",
                       re.MULTILINE)
_SITE_GENERATOR = re.compile(r"^\s*command\s*=\s*[\"'][^\"'\n]*\b(?:hugo|mkdocs|jekyll|sphinx-build|docusaurus|"
                             r"vitepress|mdbook|zola|eleventy|antora|make (?:docs|html|site))\b", re.MULTILINE)
_LIBRARY_CLASSIFIER = re.compile(r"Topic :: Software Development :: Libraries")
_C_MAIN = re.compile(r"^\s*int\s+(?:cmd_)?main\s*\(", re.MULTILINE)
_C_EXT = ("c", "cc", "cpp", "cxx")


def _builds_a_docs_site(tree, path: str) -> bool:
    """A hosting config that builds the documentation site (kind's netlify.toml: base "site/", hugo)."""
    text = tree.read_text(path) or ""
    return bool(_SITE_DIR.search(text) or _SITE_GENERATOR.search(text))


def _c_program(tree, src: list[str]) -> list[str]:
    """A C or C++ code base that builds a program: a ``main`` in a top-level source file (git's
    common-main.c), with a root build file. Bounded: at most 60 top-level files are read."""
    if not any(tree.exists(b) for b in ("Makefile", "meson.build", "CMakeLists.txt", "configure.ac", "SConstruct")):
        return []
    c_family = [p for p in src if P.extension(p) in _C_EXT + ("h", "hh", "hpp", "hxx")]
    if len(c_family) < len(src) / 2:
        return []
    c_files = [p for p in c_family if P.extension(p) in _C_EXT]
    top = [p for p in c_files if p.count("/") == 0 or (p.count("/") == 1 and p.startswith("src/"))]
    top.sort(key=lambda p: "main" not in p.rsplit("/", 1)[-1])  # common-main.c, main.c first
    for p in top[:60]:
        if _C_MAIN.search(tree.read_text(p) or ""):
            return [p]
    return []


_NOT_THE_PROJECT = ("docs/", "doc/", "docs_src/", "examples/", "example/", "samples/", "tests/", "test/",
                    "testdata/", "fixtures/", ".github/", ".devcontainer/", "scripts/", "benchmarks/", "cypress/",
                    "e2e/", "playwright/")


def _marks_the_project(path: str) -> bool:
    """A runtime marker at the root or one folder down, outside docs, examples, tests and CI helpers."""
    return path.count("/") <= 1 and not path.startswith(_NOT_THE_PROJECT) and not P.is_vendored(path)


def _deploys(ci) -> bool:
    """Whether a CI job deploys a running system.

    A deploy step inside a release job is packaging, and one inside a job that builds
    the documentation publishes a docs site; neither makes the project a service.
    """
    if not ci:
        return False
    stages = ci.stage_map()
    not_service = {(p.path, s.job) for stage in ("release", "docs") for p, s in stages.get(stage, [])}
    # A workflow that publishes documentation or a static site to GitHub Pages ("Deploy Documentation":
    # a build job, then actions/deploy-pages) deploys no running service either.
    docs_pipelines = {p.path for p, _ in stages.get("docs", [])} | {
        p.path for p in ci.pipelines if _DOCS_PIPELINE.search(f"{p.name} {p.path}")
        or any(_PAGES_ACTION.match(a.uses) for a in p.actions)}
    return any((p.path, s.job) not in not_service and p.path not in docs_pipelines
               for p, s in stages.get("deploy", []))


_DOCS_PACKAGE = re.compile(r"(^|/)(docs?|documentation|docsite|website|site|www)/[^/]*$", re.IGNORECASE)
_DOCS_PIPELINE = re.compile(r"\b(docs?|documentation|docsite|site|website|pages)\b", re.IGNORECASE)
_PAGES_ACTION = re.compile(r"(actions/deploy-pages|actions/upload-pages-artifact|peaceiris/actions-gh-pages"
                           r"|JamesIves/github-pages-deploy-action)\b", re.IGNORECASE)
