"""CI/CD pipeline: what runs on every change, what deploys, and what guards the pipeline itself."""

from __future__ import annotations

import re

from auditor.facts import history as H
from auditor.facts.tree import derived, line_of
from auditor.model import Effort, Evidence, Measure, Signal
from auditor.rule import Rule

SYSTEM_NAMES = {
    "github-actions": "GitHub Actions", "gitlab-ci": "GitLab CI", "circleci": "CircleCI", "jenkins": "Jenkins",
    "azure-pipelines": "Azure Pipelines", "travis": "Travis CI", "bitbucket-pipelines": "Bitbucket Pipelines",
    "drone": "Drone", "buildkite": "Buildkite", "cloud-build": "Cloud Build", "woodpecker": "Woodpecker",
    "appveyor": "AppVeyor",
}
PLATFORM_NAMES = {
    "vercel": "Vercel", "netlify": "Netlify", "fly": "Fly.io", "flyctl": "Fly.io", "render": "Render",
    "heroku": "Heroku", "serverless": "Serverless Framework", "sls": "Serverless Framework",
    "amplify": "AWS Amplify", "railway": "Railway", "platform-sh": "Platform.sh", "firebase": "Firebase",
    "cloudflare": "Cloudflare", "wrangler": "Cloudflare", "elastic-beanstalk": "AWS Elastic Beanstalk",
    "aws-app-runner": "AWS App Runner", "aws-codedeploy": "AWS CodeDeploy",
    "azure-static-web-apps": "Azure Static Web Apps", "digitalocean": "DigitalOcean App Platform",
    "kamal": "Kamal", "google-app-engine": "Google App Engine",
}
#: Triggers that run the pipeline on every change (as opposed to a timer or a button).
CHANGE_TRIGGERS = ("push", "pull_request", "merge_request")
#: Systems whose triggers usually live on the CI server (webhooks, multibranch jobs), not in the file.
SERVER_TRIGGERED = ("jenkins", "buildkite", "cloud-build", "azure-pipelines")

STAGE_LABELS = {
    "lint": "lint", "format": "format check", "typecheck": "type-check", "unit-test": "unit tests",
    "integration-test": "integration tests", "e2e-test": "e2e tests", "test": "tests", "coverage": "coverage",
    "build": "build", "security-scan": "security scan", "dependency-audit": "dependency audit", "docs": "docs",
    "deploy": "deploy", "release": "release", "container": "container image", "benchmark": "benchmarks",
}
TEST_STAGES = ("unit-test", "integration-test", "e2e-test", "test")

#: Deploy CLIs as commands: in package scripts, Makefiles, guides (``vercel --prod``, ``fly deploy``).
DEPLOY_COMMAND = re.compile(
    r"(?<![\w/.-])(?:npx\s+|bunx\s+|pnpm\s+dlx\s+|yarn\s+dlx\s+)?"
    r"(?P<cli>vercel|netlify|flyctl|fly|heroku|railway|wrangler|firebase|amplify|sls|serverless)\s+"
    r"(?:--prod\b|deploy\b|up\b|launch\b|promote\b|link\b|env\s+(?:pull|add|ls)\b|pages\s+deploy\b"
    r"|container:release\b|publish\b)"
    r"|(?<![\w-])git\s+push\s+(?P<heroku>heroku)\b", re.IGNORECASE)
#: An AI coding assistant's approved-command list (``Bash(vercel:*)`` in ``.claude/settings*.json``).
ASSISTANT_COMMAND = re.compile(
    r"Bash\(\s*(?:npx\s+|bunx\s+)?(?P<cli>vercel|netlify|flyctl|fly|heroku|railway|wrangler|firebase|amplify"
    r"|sls|serverless)\b[^)\n]{0,80}\)", re.IGNORECASE)
#: Prose in guides: "deployed on Vercel", "hosted on Netlify".
DEPLOY_PHRASE = re.compile(
    r"\b(?:deploy(?:ed|s|ing|ment)?|host(?:ed|s|ing)?|runs?)\s+(?:to|on|via|with|at)\s+"
    r"(?P<name>Vercel|Netlify|Fly\.io|Heroku|Railway|Render|Cloudflare Pages|Firebase Hosting|AWS Amplify)\b")
#: npm packages that only make sense on one platform.
PLATFORM_PACKAGES = {
    "vercel": "Vercel", "@vercel/analytics": "Vercel", "@vercel/speed-insights": "Vercel", "@vercel/node": "Vercel",
    "netlify-cli": "Netlify", "@netlify/functions": "Netlify", "@netlify/plugin-nextjs": "Netlify",
    "@railway/cli": "Railway", "heroku": "Heroku", "wrangler": "Cloudflare", "firebase-tools": "Firebase",
    "serverless": "Serverless Framework", "@aws-amplify/cli": "AWS Amplify", "flyctl": "Fly.io",
}
_CLI_PLATFORM = {"vercel": "Vercel", "netlify": "Netlify", "flyctl": "Fly.io", "fly": "Fly.io", "heroku": "Heroku",
                 "railway": "Railway", "wrangler": "Cloudflare", "firebase": "Firebase", "amplify": "AWS Amplify",
                 "sls": "Serverless Framework", "serverless": "Serverless Framework"}
ASSISTANT_CONFIGS = (".claude/*.json", ".claude/**/*.json", ".mcp.json", ".cursor/*.json")
#: Guides read for deploy commands: root and docs/ Markdown, at most this many files.
MAX_GUIDES = 200
GUIDE_BYTES = 256 * 1024

IAC_KINDS = {"terraform": "Terraform", "bicep": "Bicep", "pulumi": "Pulumi", "helm": "Helm",
             "kubernetes": "Kubernetes manifests", "cloudformation": "CloudFormation", "cdk": "AWS CDK",
             "ansible": "Ansible", "docker-compose": "a deployment Compose file"}
DEPLOY_COMPOSE = re.compile(r"(^|/)[^/]*(deploy|prod|production|stack|swarm)[^/]*\.ya?ml$", re.IGNORECASE)
RUNTIME_KINDS = {"docker-compose": "Docker Compose", "container": "Dockerfile"}
HOOK_NAMES = {"pre-commit": "pre-commit", "husky": "husky", "lefthook": "lefthook", "lint-staged": "lint-staged",
              "overcommit": "Overcommit", "simple-git-hooks": "simple-git-hooks", "githooks-dir": ".githooks"}
BOT_NAMES = {"dependabot": "Dependabot", "renovate": "Renovate", "pyup": "PyUp", "depfu": "Depfu"}

CI_PLATFORM_QUESTIONS = (
    "Required status checks on the default branch (branch protection)",
    "Checks a hosting platform runs without a file in the repository (e.g. Vercel or Netlify build checks)",
)
DEPLOY_PLATFORM_QUESTIONS = (
    "Deployment settings on the hosting platform (production branch, preview deployments, build command)",
    "Deployment approvals and protected environments",
)


# -- shared helpers (also used by the testing and security rules) --------------------------------------


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def join_words(items, conj: str = "and") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


TRIGGER_WORDS = {"push": "push", "pull_request": "pull requests", "merge_request": "merge requests",
                 "schedule": "a schedule", "manual": "manual dispatch", "tag": "tags", "release": "releases",
                 "workflow_call": "calls from other workflows", "other": "other events"}


def trigger_words(triggers) -> str:
    order = list(TRIGGER_WORDS)
    return join_words([TRIGGER_WORDS.get(t, t) for t in sorted(triggers, key=lambda t: (
        order.index(t) if t in order else len(order), t))])


def a_label(project) -> str:
    """The project's kind with its article: "a library", "an empty repository"."""
    label = project.label
    return f"{'an' if label[:1].lower() in 'aeiou' else 'a'} {label}"


def root_first(manifests) -> list:
    """Manifests ordered root first, so evidence names the project's own before its examples'."""
    return sorted(manifests, key=lambda m: (m.path.count("/"), m.path))


def system_name(system: str) -> str:
    return SYSTEM_NAMES.get(system, system)


def trigger_line(tree, pipeline) -> int | None:
    """The line where a pipeline's triggers are declared (GitHub ``on:``), else None."""
    text = tree.read_text(pipeline.path) or ""
    if pipeline.system == "github-actions":
        return line_of(text, re.compile(r"^[\"']?on[\"']?\s*:", re.MULTILINE))
    for key in ("workflow:", "trigger:", "pr:", "only:", "rules:", "triggers"):
        n = line_of(text, key)
        if n:
            return n
    return None


def stage_evidence(pipeline, step, stage: str) -> Evidence:
    return Evidence(path=pipeline.path, line=step.line,
                    note=f"{STAGE_LABELS.get(stage, stage)}: job {step.job} ({step.text[:80]})")


@derived
def deploy_mentions(tree, ci, tasks, manifests) -> list[tuple[str, Evidence]]:
    """(platform, evidence) for every sign of a hosting platform that deploys outside CI.

    Platform config files (from the ``ci`` fact), platform packages, deploy commands in
    task-runner scripts, an AI assistant's approved-command list, and deploy commands or
    phrases in root and ``docs/`` guides. One entry per platform and file.
    """
    found: dict[tuple[str, str], Evidence] = {}

    def add(platform: str, ev: Evidence) -> None:
        found.setdefault((platform, ev.path or ""), ev)

    for ref in ci.deploy_platforms:
        name = PLATFORM_NAMES.get(ref.kind, ref.kind)
        add(name, Evidence(path=ref.path, line=ref.line, note=f"{name} configuration"))
    for dep in manifests.find(*PLATFORM_PACKAGES):
        add(PLATFORM_PACKAGES[dep.name], Evidence(path=dep.path, line=dep.line, note=f"{dep.name} dependency"))
    for task in tasks.tasks:
        m = DEPLOY_COMMAND.search(task.command)
        if m:
            cli = (m.group("cli") or m.group("heroku")).lower()
            add(_CLI_PLATFORM[cli], Evidence(path=task.path, line=task.line,
                                             note=f"script {task.name}: {task.command[:100]}"))
    for path in tree.glob(*ASSISTANT_CONFIGS):
        text = tree.read_text(path, GUIDE_BYTES) or ""
        for m in ASSISTANT_COMMAND.finditer(text):
            add(_CLI_PLATFORM[m.group("cli").lower()],
                Evidence(path=path, line=line_of(text, m.group(0)),
                         note=f"approved assistant command {m.group(0)}"))
    guides = [p for p in tree.paths if p.lower().endswith((".md", ".mdx", ".rst", ".txt"))
              and ("/" not in p or p.lower().startswith(("docs/", "doc/")))][:MAX_GUIDES]
    for path in guides:
        text = tree.read_text(path, GUIDE_BYTES) or ""
        for m in DEPLOY_COMMAND.finditer(text):
            cli = (m.group("cli") or m.group("heroku")).lower()
            add(_CLI_PLATFORM[cli], Evidence(path=path, line=line_of(text, m.group(0)),
                                             note=f"deploy command: {m.group(0).strip()}"))
        for m in DEPLOY_PHRASE.finditer(text):
            name = {"fly.io": "Fly.io", "cloudflare pages": "Cloudflare", "firebase hosting": "Firebase",
                    "aws amplify": "AWS Amplify"}.get(m.group("name").lower(), m.group("name").title())
            add(name, Evidence(path=path, line=line_of(text, m.group(0)), note=f"guide says: {m.group(0)}"))
    return [(platform, ev) for (platform, _), ev in found.items()]


def local_stage_tasks(tasks) -> dict[str, list]:
    """Task-runner targets a CI pipeline could run: lint, type-check, tests, build, by stage."""
    out: dict[str, list] = {}
    for stage, patterns in (("lint", ("lint", "lint:*", "lint-*", "check-lint")),
                            ("typecheck", ("typecheck", "type-check", "typecheck:*", "tsc", "types", "mypy")),
                            ("unit-test", ("test", "tests", "test:unit", "unit", "test-unit")),
                            ("e2e-test", ("test:e2e", "e2e", "e2e:*", "test-e2e", "test:playwright",
                                          "cypress:run")),
                            ("build", ("build", "build:*", "compile"))):
        hits = tasks.named(*patterns)
        if hits:
            out[stage] = hits
    return out


# -- rules -------------------------------------------------------------------------------------------------


class CICD001(Rule):
    """Deployment is automated, in CI or by a hosting platform.

    Looks for deploy (or, for libraries and tools, release) jobs in CI. Failing that,
    looks for a hosting platform that deploys on its own: platform configuration
    (``vercel.json``, ``netlify.toml``, ``fly.toml``, ``render.yaml``, ``Procfile``,
    ``app.yaml``, ``serverless.yml``, ``amplify.yml`` …), platform packages, deploy
    commands in scripts and guides (``vercel --prod``), and deploy CLIs in an AI
    assistant's approved-command list (``Bash(vercel:*)`` in ``.claude/settings.local.json``).
    A platform known only that way is *likely external*: the deploy happens, but
    outside the repository.

    ## Why it matters
    Deploys that happen automatically from git make releases fast and repeatable, but only a deploy described
    in the repository can be reviewed, reproduced and rolled back by anyone on the team.

    ## How to fix
    Commit the platform's configuration (`vercel.json`, `netlify.toml`, `fly.toml`) or a CI deploy job, and
    write `docs/DEPLOYMENT.md` naming the production branch, the preview and staging environments, who
    approves a production deploy and how to roll back.
    """

    area = "cicd"
    effort = Effort.DAYS
    weight = 1.5

    def check(self, ci, tree, tasks, manifests, project):
        stages = ci.stage_map()
        mentions = deploy_mentions(tree, ci, tasks, manifests)
        platforms = sorted({name for name, _ in mentions})
        mention_obs = [f"{name} is referenced in {ev.path}" + (f" ({ev.note})" if ev.note else "") + "."
                       for name, ev in mentions[:6]]
        deploy = stages.get("deploy", [])
        if deploy:
            p, st = deploy[0]
            trig = trigger_words(p.triggers) or "events configured on the CI server"
            verb = "deploys" if project.deployed else "publishes"
            return self.passed(
                f"CI {verb}: job {st.job} in {p.path} runs on {trig}",
                signal=Signal.AUTOMATED, evidence=[stage_evidence(p, s, "deploy") for p, s in deploy[:4]],
                measures=[Measure("deploy steps in CI", len(deploy))], observations=mention_obs,
                not_determinable=DEPLOY_PLATFORM_QUESTIONS[1:])
        releases = stages.get("release", [])
        if releases and (not project.deployed or not mentions):
            p, st = releases[0]
            no_deploy = ("No deploy job: CI publishes packages, but nothing in the repository deploys the running "
                         "software.")
            obs = mention_obs + ([no_deploy] if project.deployed else [])
            return self.passed(f"CI publishes releases: job {st.job} in {p.path}", signal=Signal.AUTOMATED,
                               evidence=[stage_evidence(p, s, "release") for p, s in releases[:4]],
                               observations=obs)
        if mentions:
            configs = [ev for _, ev in mentions if ev.note and ev.note.endswith("configuration")]
            sources = join_words([f"{ev.path} ({ev.note})" for _, ev in mentions[:3]])
            names = join_words(platforms)
            if configs:
                msg = (f"deployment is configured for {names} in {join_words([ev.path for ev in configs[:3]])}; "
                       "builds and deploys run on the platform, outside the repository")
            else:
                msg = f"deployment likely happens outside the repository on {names}, known only from {sources}"
            return self.passed(
                msg, signal=Signal.EXTERNAL, evidence=[ev for _, ev in mentions[:6]],
                observations=mention_obs + ([(f"{names}'s automatic deployments on git push, outside the "
                                              "repository, are the likely CI/CD.")] if not configs else []),
                missing=("Build pipeline stages visible in the repository", "Deployment approval process",
                         "Environment-specific configuration (preview, staging, production)", "Rollback procedure"),
                not_determinable=DEPLOY_PLATFORM_QUESTIONS)
        if not project.deployed:
            if project.kind in ("library", "cli"):
                return self.not_applicable(f"{a_label(project)} is published rather than deployed, and CI has no "
                                           "release job to judge (see the release area)")
            return self.not_applicable(f"{a_label(project)} has nothing to deploy or publish yet")
        return self.failed(
            "no deployment automation: no deploy job in CI and no hosting-platform configuration or deploy command",
            missing=("Deploy pipeline stage", "Environment promotion (dev, staging, production)",
                     "Rollback procedure"),
            not_determinable=DEPLOY_PLATFORM_QUESTIONS)


class CICD002(Rule):
    """Every push and pull request runs a CI pipeline.

    Reads every CI configuration in the tree (GitHub Actions, GitLab CI, CircleCI,
    Jenkins, Azure Pipelines, Travis, Bitbucket, Drone, Buildkite, Cloud Build,
    Woodpecker, AppVeyor) and the events that trigger it: push, pull or merge
    request, schedule, manual dispatch. A pipeline that runs only on a timer or by
    hand does not check each change.

    ## Why it matters
    A pipeline on every push and pull request is what stands between a broken commit and main, instead of the
    author's memory.

    ## How to fix
    Add `.github/workflows/ci.yml` triggered `on: [push, pull_request]` that installs dependencies and runs
    the lint, test and build scripts the project already has.
    """

    area = "cicd"
    effort = Effort.DAY
    weight = 2.0

    def check(self, ci, tree, tasks):
        if not ci.pipelines:
            if ci.rejected:
                listed = "; ".join(f"{p} ({why})" for p, why in ci.rejected[:3])
                return self.skip(f"CI configuration exists but could not be read: {listed}",
                                 evidence=[Evidence(path=p, note=why[:120]) for p, why in ci.rejected[:3]])
            local = local_stage_tasks(tasks)
            return self.failed(
                "no CI configuration: no .github/workflows/, .gitlab-ci.yml, Jenkinsfile, CircleCI or Azure "
                "Pipelines file, so no change is checked automatically",
                evidence=[Evidence(path=t.path, line=t.line, note=f"local script {t.name}: {t.command[:80]}")
                          for hits in local.values() for t in hits[:1]][:4],
                missing=("CI pipeline on every push and pull request",
                         "Quality gates before merge (lint, type-check, tests, build)"),
                not_determinable=CI_PLATFORM_QUESTIONS)
        evidence, observations = [], []
        on_change, other, server = [], [], []
        for p in ci.pipelines:
            triggers = set(p.triggers)
            label = f"{system_name(p.system)} {p.path}" + (
                f" ({p.name})" if p.name and p.name != p.path.rsplit("/", 1)[-1] else "")
            trig = trigger_words(triggers) or "events configured on the CI server"
            observations.append(f"{label}: triggers {trig}; jobs {', '.join(p.jobs[:8]) or 'none read'}.")
            if p.problem:
                observations.append(f"{p.path} was read in part: {p.problem[:160]}.")
            evidence.append(Evidence(path=p.path, line=trigger_line(tree, p), note=f"triggers: {trig}"))
            if triggers & set(CHANGE_TRIGGERS):
                on_change.append(p)
            elif not triggers and p.system in SERVER_TRIGGERED:
                server.append(p)
            else:
                other.append(p)
        jobs = sum(len(p.jobs) for p in ci.pipelines)
        measures = [Measure("CI pipelines", len(ci.pipelines)), Measure("CI jobs", jobs),
                    Measure("pipelines run on every change", len(on_change))]
        systems = join_words(sorted({system_name(p.system) for p in ci.pipelines}))
        if on_change:
            events = {t for p in on_change for t in p.triggers if t in CHANGE_TRIGGERS}
            evidence = [e for p, e in zip(ci.pipelines, evidence) if p in on_change] + \
                [e for p, e in zip(ci.pipelines, evidence) if p not in on_change]
            return self.passed(
                f"{plural(len(on_change), systems + ' pipeline')} run{'s' if len(on_change) == 1 else ''} on "
                f"{trigger_words(events)}"
                + (f" (of {len(ci.pipelines)} in all)" if len(on_change) < len(ci.pipelines) else ""),
                signal=Signal.AUTOMATED, evidence=evidence[:8], measures=measures, observations=observations[:10],
                not_determinable=CI_PLATFORM_QUESTIONS[:1])
        if server:
            return self.passed(
                f"{plural(len(server), systems + ' pipeline')} whose triggers are configured on the CI server",
                signal=Signal.AUTOMATED, evidence=evidence[:8], measures=measures, observations=observations[:10],
                not_determinable=("Which events trigger the pipeline (configured on the CI server)",
                                  *CI_PLATFORM_QUESTIONS[:1]))
        events = trigger_words({t for p in other for t in p.triggers}) or "no recognised event"
        return self.passed(
            f"CI runs only on {events}, never on a push or pull request",
            signal=Signal.AD_HOC, evidence=evidence[:8], measures=measures, observations=observations[:10],
            missing=("CI pipeline on every push and pull request",), not_determinable=CI_PLATFORM_QUESTIONS[:1])


class CICD003(Rule):
    """The pipeline runs lint, type-check, tests, build and security scanning.

    Classifies every CI job and step into stages — lint, type-check, unit test, e2e
    test, build, security scan, deploy, release — and names the job and file that
    provides each. Passes when CI runs tests plus at least one of static checks
    (lint or type-check) and build. Deploy is expected of deployed services, release
    of libraries and tools, type-check where a type checker is configured, e2e tests
    where an e2e framework is.

    ## Why it matters
    Each stage in CI stops a class of defect — style, types, regressions, vulnerable code — before it reaches
    main.

    ## How to fix
    Add the missing stages as jobs in the CI workflow (for example `npm run lint`, `npx tsc --noEmit`, `npm
    test`, `npm run build`), each running on pull requests.
    """

    area = "cicd"
    effort = Effort.DAYS
    weight = 1.5
    after = ("CICD002",)  # the pipeline comes before its stages

    def check(self, ci, tools, project, tasks):
        expected = ["lint", "unit-test", "build", "security-scan"]
        if tools.in_category("typechecker"):
            expected.insert(1, "typecheck")
        if tools.in_category("e2e-framework"):
            expected.insert(expected.index("build"), "e2e-test")
        expected.append("deploy" if project.deployed else "release")
        stages = ci.stage_map()
        if not ci.pipelines:
            local = local_stage_tasks(tasks)
            obs = [f"Only a local script runs {STAGE_LABELS[s]}: "
                   + ", ".join(f"{t.name} ({t.command[:60]})" if t.command else t.name for t in hits[:3])
                   + f" in {hits[0].path}." for s, hits in local.items()]
            return self.failed(
                f"no CI pipeline, so none of {join_words([STAGE_LABELS[s] for s in expected], 'or')} runs "
                "automatically",
                observations=obs, missing=tuple(_stage_item(s) for s in expected),
                measures=[Measure("pipeline stages covered", 0, threshold=len(expected))])

        def provided(stage: str) -> list:
            if stage == "unit-test":
                found = stages.get("unit-test", []) + stages.get("test", []) + stages.get("integration-test", [])
            elif stage == "security-scan":
                found = stages.get("security-scan", []) + stages.get("dependency-audit", [])
            elif stage == "lint":
                found = stages.get("lint", []) + stages.get("format", [])
            else:
                found = stages.get(stage, [])
            # Cite a pipeline that runs on every change before a scheduled or manual one.
            return sorted(found, key=lambda ps: not set(ps[0].triggers) & set(CHANGE_TRIGGERS))

        present = [s for s in expected if provided(s)]
        absent = [s for s in expected if s not in present]
        evidence = [stage_evidence(p, st, s) for s in present for p, st in provided(s)[:1]]
        extra = [s for s in stages if s not in present and s not in ("test", "format", "integration-test",
                                                                       "dependency-audit") and s not in expected]
        obs = [f"Job {st.job} in {p.path} provides {STAGE_LABELS[s]}." for s in present for p, st in provided(s)[:1]]
        if extra:
            obs.append("CI also runs: " + ", ".join(STAGE_LABELS.get(s, s) for s in extra) + ".")
        measures = [Measure("pipeline stages covered", len(present), threshold=len(expected))]
        tests = bool(provided("unit-test") or provided("e2e-test"))
        checks = bool(provided("lint") or provided("typecheck"))
        build = bool(provided("build"))
        missing = tuple(_stage_item(s) for s in absent)
        ran = join_words([STAGE_LABELS[s] for s in present]) or "no recognised stage"
        if tests and (checks or build):
            msg = f"CI runs {ran}" + (f"; missing: {join_words([STAGE_LABELS[s] for s in absent])}" if absent else "")
            return self.passed(msg, signal=Signal.AUTOMATED, evidence=evidence, measures=measures,
                               observations=obs, missing=missing)
        why = "no tests" if not tests else "tests but neither lint, type-check nor build"
        return self.failed(f"CI runs {ran}: {why}", evidence=evidence, measures=measures, observations=obs,
                           missing=missing)


class CICD004(Rule):
    """Dependency updates arrive from a bot (Dependabot or Renovate).

    Looks for ``.github/dependabot.yml``, Renovate configuration (``renovate.json``,
    ``.github/renovate.json5``, a ``renovate`` key in ``package.json`` …), PyUp and
    Depfu, and compares the ecosystems a Dependabot file covers with the package
    ecosystems in the tree.

    ## Why it matters
    An update bot keeps dependencies current in small reviewed steps, so upgrades never become a project and
    security fixes do not wait for someone to notice.

    ## How to fix
    Add `.github/dependabot.yml` with a weekly `updates` entry for each package ecosystem in the repository
    (and `github-actions` if workflows exist).
    """

    area = "cicd"
    effort = Effort.HOUR
    weight = 1.0

    def check(self, ci, manifests, tree):
        ecosystems = list(manifests.ecosystems)
        if not ci.dependency_bots:
            if not ecosystems and not any(p.actions for p in ci.pipelines):
                return self.not_applicable("no package manifests or CI actions whose versions a bot could update")
            deps = len(manifests.dependencies)
            eco = join_words(ecosystems)
            what = f"the {plural(deps, eco + ' dependency', eco + ' dependencies')}" if deps else "dependencies"
            return self.failed(f"no Dependabot or Renovate configuration: updates to {what} are manual",
                               evidence=[Evidence(path=m.path, note=f"{m.ecosystem} manifest")
                                         for m in root_first(manifests.manifests)[:3]],
                               measures=[Measure("declared dependencies", deps)],
                               missing=("Dependency update bot (Dependabot or Renovate)",))
        evidence = [Evidence(path=r.path, line=r.line, note=f"{BOT_NAMES.get(r.kind, r.kind)} configuration")
                    for r in ci.dependency_bots[:4]]
        observations = []
        dependabot = next((r.path for r in ci.dependency_bots if r.kind == "dependabot"), None)
        if dependabot:
            text = tree.read_text(dependabot) or ""
            covered = sorted(set(re.findall(r"package-ecosystem\s*:\s*[\"']?([\w-]+)", text)))
            alias = {"pip": "pypi", "gomod": "go", "bundler": "rubygems", "npm": "npm", "cargo": "cargo",
                     "maven": "maven", "gradle": "gradle", "composer": "composer", "uv": "pypi", "poetry": "pypi"}
            uncovered = [e for e in ecosystems if e not in {alias.get(c, c) for c in covered}]
            if covered:
                observations.append(f"Dependabot updates: {', '.join(covered)}.")
            if uncovered:
                observations.append(f"Ecosystems with manifests but no Dependabot entry: {', '.join(uncovered)}.")
        bots = join_words(sorted({BOT_NAMES.get(r.kind, r.kind) for r in ci.dependency_bots}))
        return self.passed(f"{bots} proposes dependency updates ({join_words([e.path for e in evidence])})",
                           signal=Signal.AUTOMATED, evidence=evidence, observations=observations,
                           not_determinable=("Whether the bot's pull requests are reviewed and merged promptly",))


class CICD005(Rule):
    """Commit hooks run checks before code leaves the developer's machine.

    Looks for pre-commit (``.pre-commit-config.yaml``), husky (``.husky/``),
    lefthook, lint-staged, Overcommit, simple-git-hooks and a committed
    ``.githooks/`` directory, and lists the hooks they run.

    ## Why it matters
    Commit hooks catch formatting and lint errors in seconds, before they cost a CI run or a reviewer's
    attention.

    ## How to fix
    Add husky with lint-staged (`npx husky init`, then `.husky/pre-commit` running `npx lint-staged`) or a
    `.pre-commit-config.yaml` running the project's linter and formatter.
    """

    area = "cicd"
    effort = Effort.HOUR
    weight = 0.5

    def check(self, ci, tree):
        if not ci.precommit:
            return self.failed("no commit hooks (pre-commit, husky, lefthook): lint and format run only when "
                               "someone remembers", missing=("Pre-commit hooks for lint and format",))
        evidence = [Evidence(path=r.path, line=r.line, note=f"{HOOK_NAMES.get(r.kind, r.kind)} configuration")
                    for r in ci.precommit[:4]]
        observations = []
        for ref in ci.precommit:
            if ref.kind == "pre-commit":
                text = tree.read_text(ref.path) or ""
                ids = re.findall(r"^\s*-\s*id\s*:\s*[\"']?([\w./-]+)", text, re.MULTILINE)
                if ids:
                    observations.append(f"pre-commit hooks: {', '.join(ids[:12])}.")
            elif ref.kind == "husky":
                hooks = [p for p in tree.under(ref.path) if "/_/" not in p and not p.endswith((".gitignore", ".sh"))]
                for hook in hooks[:3]:
                    cmd = "; ".join(ln.strip() for ln in (tree.read_text(hook) or "").splitlines()
                                    if ln.strip() and not ln.startswith(("#", ".")))[:100]
                    observations.append(f"husky {hook.rsplit('/', 1)[-1]} runs: {cmd or 'nothing'}.")
        names = join_words(sorted({HOOK_NAMES.get(r.kind, r.kind) for r in ci.precommit}))
        observations.append("Hooks run on each developer's machine and can be skipped; CI remains the gate.")
        return self.passed(f"commit hooks configured with {names}", signal=Signal.AUTOMATED, evidence=evidence,
                           observations=observations)


class CICD006(Rule):
    """Infrastructure is described as code.

    Looks for Terraform, Bicep, Pulumi, Helm charts, Kubernetes manifests,
    CloudFormation, CDK and Ansible, and for hosting-platform configuration files
    (``fly.toml``, ``render.yaml`` …) which describe a PaaS deployment as code.
    Dockerfiles and Compose files are listed but are not infrastructure. Not
    applicable to projects that are not deployed, or that deploy to a managed
    platform known only from outside the repository.

    ## Why it matters
    Infrastructure kept as code can be reviewed, recreated after an incident and copied into a staging
    environment; infrastructure clicked together in a console cannot.

    ## How to fix
    Describe the production environment in code — Terraform or Pulumi for cloud resources, a Helm chart or
    Kubernetes manifests for workloads — in an `infra/` directory reviewed like any change.
    """

    area = "cicd"
    effort = Effort.WEEK
    weight = 0.5

    def check(self, ci, project, tree, tasks, manifests):
        iac = [r for r in ci.iac if r.kind in IAC_KINDS]
        # A Compose file named for deployment (compose.deploy.yml, docker-compose.prod.yml) describes where it runs.
        iac += [r for r in ci.iac if r.kind == "docker-compose" and DEPLOY_COMPOSE.search(r.path)]
        runtime = [r for r in ci.iac if r.kind in RUNTIME_KINDS and r not in iac]
        runtime_obs = [f"{RUNTIME_KINDS[r.kind]} at {r.path} defines how the app runs, not where." for r in runtime[:3]]
        if iac:
            kinds = join_words(sorted({IAC_KINDS[r.kind] for r in iac}))
            return self.passed(f"infrastructure described as code with {kinds}", signal=Signal.AUTOMATED,
                               evidence=[Evidence(path=r.path, line=r.line, note=IAC_KINDS[r.kind]) for r in iac[:6]],
                               measures=[Measure("infrastructure files", len(iac))], observations=runtime_obs)
        if ci.deploy_platforms:
            names = join_words(sorted({PLATFORM_NAMES.get(r.kind, r.kind) for r in ci.deploy_platforms}))
            return self.passed(f"the {names} deployment is described in "
                               f"{join_words([r.path for r in ci.deploy_platforms[:3]])}",
                               signal=Signal.AUTOMATED,
                               evidence=[Evidence(path=r.path, line=r.line, note="platform configuration")
                                         for r in ci.deploy_platforms[:4]], observations=runtime_obs)
        deploys = bool(ci.stage_map().get("deploy"))
        if not project.deployed or not (project.kind == "service" or runtime or deploys):
            return self.not_applicable(f"{a_label(project)} has no infrastructure of its own")
        mentions = deploy_mentions(tree, ci, tasks, manifests)
        if mentions and not runtime:
            names = join_words(sorted({n for n, _ in mentions}))
            return self.not_applicable(f"deploys to {names}, a managed platform whose settings live outside the "
                                       "repository", evidence=[ev for _, ev in mentions[:2]])
        return self.failed("no infrastructure as code: the environment the service runs in is not described "
                           "in the repository", evidence=[Evidence(path=r.path, note=RUNTIME_KINDS[r.kind])
                                                          for r in runtime[:3]],
                           observations=runtime_obs,
                           missing=("Infrastructure as code (Terraform, Pulumi, Helm or Kubernetes manifests)",
                                    "Environment definitions (staging, production)"))


class CICD007(Rule):
    """CI has a history and stays green without repeated fix-the-build commits.

    Finds when CI was introduced (the oldest commit touching a CI path) and counts
    "fix ci", "fix build", "fix lint", "fix pipeline" commits among the most recent
    non-merge commits. A high share means the pipeline breaks often and is fixed
    after the fact, on main.

    ## Why it matters
    A pipeline that rarely needs fix-the-build commits keeps main green, so nobody who pulls inherits someone
    else's breakage.

    ## How to fix
    Run the CI checks on pull requests and make them required before merge, so a broken build is fixed on its
    branch instead of on main.
    """

    area = "cicd"
    effort = Effort.DAY
    weight = 1.0
    thresholds = {"window": 200, "ci_fix_share_max": 0.05, "commits_min": 10}
    min_history = 10

    def check(self, history, ci, as_of, thresholds):
        touched = list(history.indices(flags_all=H.TOUCH_CI))
        if not touched:
            if not ci.pipelines:
                return self.not_applicable("no CI configuration has ever been committed")
            return self.skip("the history shows no commit touching the CI configuration (it may live in paths "
                             "not recognised as CI, or the history is cut short)")
        first = touched[-1]
        first_date = _date(history.times[first])
        first_ev = (Evidence(commit=history.recent[first].hash, date=history.recent[first].date,
                             note="first commit touching CI configuration: " + history.recent[first].subject[:100])
                    if first < len(history.recent) else
                    Evidence(date=first_date, note="first commit touching CI configuration"))
        age_days = max(0, (as_of.ts - history.times[first]) // 86400)
        window = int(thresholds["window"])
        recent = []
        for i in history.indices(flags_none=H.MERGE):
            recent.append(i)
            if len(recent) >= window:
                break
        if len(recent) < thresholds["commits_min"]:
            return self.skip(f"insufficient history to judge CI churn: {plural(len(recent), 'non-merge commit')}"
                             + (" (shallow clone)" if history.is_shallow else ""))
        fixes = [i for i in recent if history.flags[i] & H.CI_FIX]
        ci_changes = [i for i in recent if history.flags[i] & H.TOUCH_CI]
        share = len(fixes) / len(recent) if recent else 0.0
        win = f"last {len(recent)} non-merge commits"
        measures = [Measure("CI introduced", first_date), Measure("CI age", int(age_days), "days"),
                    Measure("fix-the-build commits", len(fixes), "commits", window=win),
                    Measure("fix-the-build share", round(share, 2), "%", thresholds["ci_fix_share_max"], win),
                    Measure("commits changing CI configuration", len(ci_changes), "commits", window=win)]
        examples = [Evidence(commit=history.recent[i].hash, date=history.recent[i].date,
                             note="fix-the-build commit: " + history.recent[i].subject[:100])
                    for i in fixes if i < len(history.recent)][:3]
        obs = ["The history is shallow: CI may be older than the first commit seen."] if history.is_shallow else []
        if not ci.pipelines:
            return self.failed(f"CI configuration was committed (first on {first_date}) but the audited tree has "
                               "none: CI was removed", evidence=[first_ev], measures=measures, observations=obs,
                               missing=("CI pipeline on every push and pull request",))
        if share > thresholds["ci_fix_share_max"]:
            return self.failed(f"{len(fixes)} of the {win} fix a broken build, lint or pipeline "
                               f"({share:.0%}); CI was introduced on {first_date}",
                               evidence=[first_ev, *examples], measures=measures, observations=obs,
                               missing=("Required CI checks before merge",))
        return self.passed(f"CI was introduced on {first_date}, and {len(fixes)} of the {win} fix the build",
                           signal=Signal.OBSERVED, evidence=[first_ev, *examples], measures=measures,
                           observations=obs)


def _stage_item(stage: str) -> str:
    label = STAGE_LABELS[stage].replace("e2e", "E2E")
    return f"{label[0].upper()}{label[1:]} stage in CI"


def _date(ts: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).date().isoformat()
