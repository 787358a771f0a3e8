"""Security practices: disclosure policy, dependency and code scanning, secrets, lockfiles, CI hardening.

Secrets are reported by PATH only. No rule here ever quotes a line, a value or a
fragment of a file that may hold a credential; where content decides (a ``.pem``
that holds a private key, an ``.npmrc`` with a literal token), the file is
inspected for a marker and only its path is reported.
"""

from __future__ import annotations

import re

from auditor.facts import paths as P
from auditor.facts.tree import line_of
from auditor.model import Effort, Evidence, Measure, Signal
from auditor.rule import Rule
from auditor.rules.cicd import BOT_NAMES, a_label, join_words, plural, root_first, stage_evidence

SECURITY_POLICIES = ("SECURITY.md", ".github/SECURITY.md", "docs/SECURITY.md", "SECURITY.rst", "SECURITY.txt",
                     ".github/SECURITY.rst", "docs/SECURITY.rst", ".gitlab/SECURITY.md")
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|https?://\S+|security advisor(y|ies)|private vulnerability reporting"
                      r"|report(ing)?\s+(a\s+)?vulnerabilit", re.IGNORECASE)
_SUPPORTED = re.compile(r"supported\s+versions|version\s+support", re.IGNORECASE)

#: Dependency-audit commands and actions (beyond what the ci fact classifies as dependency-audit).
_DEP_AUDIT = re.compile(r"(?:npm|pnpm|yarn|bun)\s+audit|pip-audit|safety\s+(?:check|scan)|cargo[-\s](?:audit|deny)"
                        r"|govulncheck|dependency-review|bundler?[-\s]audit|composer\s+audit|osv-scanner"
                        r"|dependency-check|snyk\s+test|trivy\s+(?:fs|repo)|audit-ci|better-npm-audit|grype",
                        re.IGNORECASE)
_SAST = re.compile(r"codeql|semgrep|bandit|gosec|brakeman|sonar\w*|njsscan|horusec|snyk\s+code|checkmarx|veracode"
                   r"|psalm\s+--taint|find-sec-bugs|eslint-plugin-security|\bsast\b", re.IGNORECASE)
_SECRET_SCAN = re.compile(r"gitleaks|trufflehog|detect-secrets|ggshield|secretlint|git-secrets|talisman|whispers",
                          re.IGNORECASE)
SAST_TOOLS = ("Semgrep", "Bandit", "CodeQL", "gosec", "Brakeman", "eslint-plugin-security", "Find Security Bugs")
SECRET_TOOLS = ("Gitleaks", "detect-secrets", "TruffleHog")
DEP_TOOLS = ("Snyk", "Safety", "pip-audit", "audit-ci", "retire.js", "govulncheck", "bundler-audit",
             "Roave Security Advisories", "OWASP Dependency-Check", "cargo-audit", "cargo-deny", "OSV-Scanner", "Trivy")

#: Files that typically hold credentials. Example and template files are not secrets.
_ENV_SECRET = re.compile(r"(^|/)\.env(\.(local|prod|production|staging|stage|live|secret|secrets)|\.[\w-]+\.local)?$",
                         re.IGNORECASE)
_ENV_SAFE = re.compile(r"\.(example|sample|template|dist|defaults?|schema)$", re.IGNORECASE)
_KEY_FILE = re.compile(r"(^|/)(id_rsa|id_dsa|id_ecdsa|id_ed25519)$|\.(p12|pfx|keystore|jks)$|(^|/)\.netrc$"
                       r"|(^|/)\.aws/credentials$|(^|/)\.pypirc$|\.tfstate(\.backup)?$|(^|/)\.htpasswd$", re.IGNORECASE)
_MAYBE_KEY = re.compile(r"\.(pem|key)$", re.IGNORECASE)
_CREDENTIAL_JSON = re.compile(r"(^|/)(credentials|service[-_]?account[^/]*|client_secret[^/]*|firebase-adminsdk[^/]*)"
                              r"\.json$", re.IGNORECASE)
_PRIVATE_KEY_MARK = "PRIVATE KEY"
_NPM_TOKEN = re.compile(r"_authToken\s*=\s*(?!\$\{|\$[A-Z_])\S", re.IGNORECASE)
#: Packages that load ``.env`` files: a project using one should keep ``.env`` out of git.
ENV_LOADERS = ("dotenv", "dotenv-cli", "dotenv-expand", "@next/env", "python-dotenv", "django-environ", "environs",
               "pydantic-settings", "github.com/joho/godotenv", "dotenvy", "dotenv-rails", "vlucas/phpdotenv")
_GITIGNORE_ENV = re.compile(r"^\s*/?(\.env[\w.*-]*|\*\.env|\.env\*)\s*$", re.MULTILINE)

#: Ecosystems whose manifests should come with a lockfile, and the lockfiles that serve them.
LOCKFILES = {
    "npm": ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "bun.lock"),
    "pypi": ("poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock", "pylock.toml"),
    "go": ("go.sum",),
    "cargo": ("Cargo.lock",),
    "rubygems": ("Gemfile.lock",),
    "composer": ("composer.lock",),
}
#: Libraries publish version ranges; their lockfiles are optional for these ecosystems.
LIBRARY_OPTIONAL = ("pypi", "cargo", "rubygems")

PLATFORM_SCANNING = ("Dependabot alerts and security updates (repository settings)",)


def _scans(ci, rx) -> list:
    """(pipeline, step) pairs whose step text matches ``rx``."""
    return [(p, st) for p in ci.pipelines for st in p.steps if rx.search(st.text)]


def _precommit_hooks(tree, ci, rx) -> list[Evidence]:
    out = []
    for ref in ci.precommit:
        paths = tree.under(ref.path) if tree.is_dir(ref.path) else [ref.path]
        for path in paths[:20]:
            text = tree.read_text(path) or ""
            m = rx.search(text)
            if m:
                out.append(Evidence(path=path, line=line_of(text, m.group(0)), note=f"commit hook runs {m.group(0)}"))
    return out


class SEC001(Rule):
    """Vulnerabilities can be reported privately through a security policy.

    Looks for ``SECURITY.md`` at the root, in ``.github/`` or ``docs/``, and checks
    that it names a private reporting channel (an address, a link, GitHub private
    vulnerability reporting) and which versions receive fixes.

    ## Why it matters
    A security policy gives whoever finds a vulnerability a private channel, instead of silence or a public
    issue.

    ## How to fix
    Add `SECURITY.md` naming a private reporting channel (a security@ address or GitHub private vulnerability
    reporting), the supported versions and the expected response time.
    """

    area = "security"
    effort = Effort.HOUR
    weight = 1.0

    def check(self, tree):
        path = tree.first(*SECURITY_POLICIES)
        questions = ("A security policy in the organisation's .github repository (applies to every repository)",
                     "Whether private vulnerability reporting is enabled on the platform")
        if not path:
            return self.failed("no SECURITY.md: there is no stated way to report a vulnerability privately",
                               missing=("Security policy (SECURITY.md)", "Private vulnerability reporting channel",
                                        "Supported versions", "Response timeline"),
                               not_determinable=questions)
        text = tree.read_text(path) or ""
        contact = _CONTACT.search(text)
        supported = _SUPPORTED.search(text)
        evidence = [Evidence(path=path, line=line_of(text, contact.group(0)) if contact else None,
                             note="reporting channel" if contact else "security policy")]
        missing = tuple(item for ok, item in ((contact, "Private vulnerability reporting channel"),
                                              (supported, "Supported versions")) if not ok)
        if contact:
            return self.passed(f"{path} says how to report a vulnerability"
                               + ("" if supported else " (without supported versions)"),
                               signal=Signal.DOCUMENTED, evidence=evidence, missing=missing)
        return self.passed(f"{path} exists but names no reporting channel", signal=Signal.AD_HOC,
                           evidence=evidence, missing=missing)


class SEC002(Rule):
    """Vulnerable dependencies are detected automatically.

    Passes when a dependency bot (Dependabot, Renovate) watches the manifests, or
    a CI step audits dependencies (``npm audit``, ``pip-audit``, ``cargo audit``,
    ``govulncheck``, ``dependency-review-action``, OSV-Scanner, Snyk, Trivy …).
    A scanner configured but run by no pipeline, or an audit script run by hand,
    is ad hoc.

    ## Why it matters
    Automated dependency scanning reports known vulnerabilities in dependencies, the most common way
    applications are compromised, as soon as they are published.

    ## How to fix
    Add `.github/dependabot.yml` for each package ecosystem and a CI step that fails on known vulnerabilities
    (`npm audit --audit-level=high`, `pip-audit`, or `actions/dependency-review-action` on pull requests).
    """

    area = "security"
    effort = Effort.HOUR
    weight = 1.5

    def check(self, ci, manifests, tools, tasks):
        if not manifests.manifests:
            return self.not_applicable("no package manifests: the project declares no dependencies to scan")
        audits = ci.stage_map().get("dependency-audit", []) or _scans(ci, _DEP_AUDIT)
        bots = list(ci.dependency_bots)
        evidence = [Evidence(path=r.path, line=r.line, note=f"{BOT_NAMES.get(r.kind, r.kind)} configuration")
                    for r in bots[:3]]
        evidence += [stage_evidence(p, st, "dependency-audit") for p, st in audits[:3]]
        ecosystems = join_words(list(manifests.ecosystems))
        parts = []
        if bots:
            parts.append(join_words(sorted({BOT_NAMES.get(r.kind, r.kind) for r in bots})) + " watches the manifests")
        if audits:
            parts.append(f"CI audits dependencies (job {audits[0][1].job} in {audits[0][0].path})")
        if parts:
            return self.passed("; ".join(parts), signal=Signal.AUTOMATED, evidence=evidence,
                               measures=[Measure("dependency audit steps in CI", len(audits))],
                               not_determinable=PLATFORM_SCANNING)
        configured = [(n, ev) for n, ev in tools.in_category("security-scanner") if n in DEP_TOOLS]
        scripts = tasks.runs(_DEP_AUDIT.pattern)
        if configured or scripts:
            ev = [e for _, e in configured[:3]]
            ev += [Evidence(path=t.path, line=t.line, note=f"{t.name}: {t.command[:80]}") for t in scripts[:3]]
            what = join_words(sorted({n for n, _ in configured} | {t.name for t in scripts}))
            return self.passed(f"dependency scanning exists ({what}) but no pipeline or bot runs it",
                               signal=Signal.AD_HOC, evidence=ev, not_determinable=PLATFORM_SCANNING,
                               missing=("Dependency audit step in CI",))
        n = len(manifests.dependencies)
        return self.failed(f"no automated dependency scanning: no Dependabot or Renovate and no audit step in CI "
                           f"for the {plural(n, ecosystems + ' dependency', ecosystems + ' dependencies')}",
                           evidence=[Evidence(path=m.path, note=f"{m.ecosystem} manifest")
                                     for m in root_first(manifests.manifests)[:3]],
                           measures=[Measure("declared dependencies", n)],
                           missing=("Dependabot or Renovate configuration",
                                    "Dependency audit step in CI (npm audit, pip-audit, …)"),
                           not_determinable=PLATFORM_SCANNING)


class SEC003(Rule):
    """Code is scanned for security flaws (SAST) in CI.

    Looks for static application security testing in CI (CodeQL, Semgrep, Bandit,
    gosec, Brakeman, SonarQube/SonarCloud, njsscan …), in commit hooks, and in
    configuration files. Configuration that no pipeline runs is ad hoc.

    ## Why it matters
    A scanner on each change finds injection, unsafe deserialisation and hard-coded credentials cheaply,
    before an attacker does.

    ## How to fix
    Add `.github/workflows/codeql.yml` (GitHub's CodeQL template for the repository's languages) or a Semgrep
    job running on every pull request.
    """

    area = "security"
    effort = Effort.HOUR
    weight = 1.0

    def check(self, ci, tools, tree, project):
        if project.kind == "docs" or not project.source_files:
            return self.not_applicable(f"{a_label(project)} with no source code to scan")
        questions = ("GitHub code scanning default setup (enabled in repository settings, no workflow file)",)
        scans = _scans(ci, _SAST)
        hooks = _precommit_hooks(tree, ci, _SAST)
        if scans or hooks:
            tools_seen = sorted({_SAST.search(st.text).group(0).lower() for _, st in scans}
                                | {ev.note.rsplit(" ", 1)[-1].lower() for ev in hooks})
            where = f"CI (job {scans[0][1].job} in {scans[0][0].path})" if scans else "commit hooks"
            return self.passed(f"{join_words(tools_seen)} scans the code in {where}", signal=Signal.AUTOMATED,
                               evidence=[stage_evidence(p, st, "security-scan") for p, st in scans[:3]] + hooks[:2],
                               not_determinable=questions)
        configured = [(n, ev) for n, ev in tools.in_category("security-scanner", "linter") if n in SAST_TOOLS]
        if configured:
            return self.passed(f"{join_words(sorted({n for n, _ in configured}))} configured, but no CI job runs it",
                               signal=Signal.AD_HOC, evidence=[ev for _, ev in configured[:3]],
                               missing=("SAST step in CI",), not_determinable=questions)
        return self.failed("no static security analysis (CodeQL, Semgrep, Bandit …) in CI or configuration",
                           missing=("Static application security testing (SAST) on every pull request",),
                           not_determinable=questions)


class SEC004(Rule):
    """No files that typically hold secrets are committed.

    Looks for tracked environment files (``.env``, ``.env.local``,
    ``.env.production`` …; ``.env.example`` and other templates are fine),
    private keys (``id_rsa``, ``*.pem``/``*.key`` holding a private key, ``*.p12``,
    ``*.pfx``, keystores), credential files (``credentials.json``, service-account
    keys, ``.netrc``, ``.pypirc``, ``.aws/credentials``), Terraform state, and an
    ``.npmrc`` with a literal ``_authToken``. Only paths are reported — never a value.
    Files under test folders are listed as likely fixtures, not failures.

    ## Why it matters
    Credentials kept out of git cannot leak through a clone, a fork or a backup of the repository, where they
    stay readable even after the file is deleted.

    ## How to fix
    Remove the files with `git rm --cached`, add their names to `.gitignore`, rotate every credential they
    held, and keep only a `.env.example` with empty values.
    """

    area = "security"
    effort = Effort.DAY
    weight = 1.5

    def check(self, tree, manifests, project):
        flagged, fixtures = [], []
        for path in tree.paths:
            if P.is_vendored(path):
                continue
            why = None
            if _ENV_SECRET.search(path) and not _ENV_SAFE.search(path):
                why = "environment file"
            elif _KEY_FILE.search(path):
                why = "key or credential file"
            elif _CREDENTIAL_JSON.search(path):
                text = tree.read_text(path) or ""
                if '"private_key"' in text or '"client_secret"' in text or '"refresh_token"' in text:
                    why = "credential file"
            elif _MAYBE_KEY.search(path):
                text = tree.read_text(path)
                if text is None or _PRIVATE_KEY_MARK in text:
                    why = "private key"
            elif path.rsplit("/", 1)[-1] == ".npmrc" and _NPM_TOKEN.search(tree.read_text(path) or ""):
                why = ".npmrc with a literal auth token"
            if why:
                (fixtures if P.is_test(path) or "fixture" in path.lower() else flagged).append((path, why))
        gitignore = tree.read_text(".gitignore") if tree.exists(".gitignore") else None
        ignores = _GITIGNORE_ENV.findall(gitignore or "")
        obs = [f"{len(fixtures)} secret-like file(s) under test folders, likely fixtures: "
               + ", ".join(p for p, _ in fixtures[:5]) + "."] if fixtures else []
        if flagged:
            return self.failed(f"{plural(len(flagged), 'file')} that typically hold secrets "
                               f"{'is' if len(flagged) == 1 else 'are'} committed: "
                               + ", ".join(p for p, _ in flagged[:5]),
                               evidence=[Evidence(path=p, note=why) for p, why in flagged[:10]],
                               measures=[Measure("committed secret files", len(flagged))], observations=obs,
                               missing=("Secrets kept out of version control (.gitignore)",
                                        "Rotation of the credentials the files held"),
                               not_determinable=("Whether the committed values are live credentials",
                                                 "Secrets in earlier commits that were since deleted"))
        measures = [Measure("committed secret files", 0), Measure("files checked", len(tree.paths))]
        if project.kind in ("empty", "docs") or (not project.source_files and not manifests.manifests):
            return self.not_applicable(f"{a_label(project)} without secrets files has no application secrets to "
                                       "guard", measures=measures)
        if ignores:
            return self.passed(f"no secrets files are tracked, and .gitignore excludes {join_words(ignores[:4])}",
                               signal=Signal.AUTOMATED, evidence=[Evidence(path=".gitignore",
                                                                           line=line_of(gitignore, ignores[0]),
                                                                           note="environment files ignored")],
                               measures=measures, observations=obs,
                               not_determinable=("Secrets in earlier commits that were since deleted",))
        env_use = [Evidence(path=p, note="environment template")
                   for p in tree.glob(".env.example", ".env.sample", ".env.template", "*/.env.example")[:2]]
        if project.kind == "service":  # in a library, a .env loader is a feature offered to users
            env_use += [Evidence(path=d.path, line=d.line, note=f"{d.name} dependency loads .env files")
                        for d in manifests.find(*ENV_LOADERS)[:2]]
        if env_use:
            return self.passed("no secrets files are tracked, but .gitignore does not exclude .env files although "
                               "the project reads them", signal=Signal.OBSERVED, observations=obs, measures=measures,
                               evidence=env_use,
                               missing=(".gitignore entries for .env files",),
                               not_determinable=("Secrets in earlier commits that were since deleted",))
        return self.passed("no secrets files are tracked", signal=Signal.OBSERVED, observations=obs,
                           measures=measures,
                           not_determinable=("Secrets in earlier commits that were since deleted",))


class SEC005(Rule):
    """Secret scanning guards commits and pull requests.

    Looks for secret scanners (Gitleaks, TruffleHog, detect-secrets, ggshield,
    secretlint, git-secrets) in CI steps, in commit hooks, and as configuration
    (``.gitleaks.toml``, ``.secrets.baseline``).

    ## Why it matters
    Secret scanning stops a leaked key before it is pushed, when it is cheapest; once in the history it must
    be rotated and purged.

    ## How to fix
    Add Gitleaks as a pre-commit hook and as a CI step (`gitleaks/gitleaks-action`) on every push and pull
    request.
    """

    area = "security"
    effort = Effort.HOUR
    weight = 1.0

    def check(self, ci, tools, tree):
        questions = ("GitHub secret scanning and push protection (repository settings)",)
        scans = _scans(ci, _SECRET_SCAN)
        hooks = _precommit_hooks(tree, ci, _SECRET_SCAN)
        if scans or hooks:
            names = sorted({_SECRET_SCAN.search(st.text).group(0).lower() for _, st in scans}
                           | {ev.note.rsplit(" ", 1)[-1].lower() for ev in hooks})
            where = join_words((["CI"] if scans else []) + (["commit hooks"] if hooks else []))
            return self.passed(f"{join_words(names)} scans for secrets in {where}", signal=Signal.AUTOMATED,
                               evidence=[stage_evidence(p, st, "security-scan") for p, st in scans[:2]] + hooks[:2],
                               not_determinable=questions)
        configured = [(n, ev) for n, ev in tools.in_category("security-scanner") if n in SECRET_TOOLS]
        if configured:
            return self.passed(f"{join_words(sorted({n for n, _ in configured}))} configured, but neither CI nor a "
                               "commit hook runs it", signal=Signal.AD_HOC, evidence=[ev for _, ev in configured[:3]],
                               missing=("Secret scanning in CI",), not_determinable=questions)
        return self.failed("no secret scanning (Gitleaks, TruffleHog, detect-secrets) in CI, hooks or configuration",
                           missing=("Secret scanning on every push (CI) and before commit (hook)",),
                           not_determinable=questions)


class SEC006(Rule):
    """Dependencies are locked for every package ecosystem.

    For each ecosystem with a manifest that declares dependencies (npm, PyPI, Go,
    Cargo, RubyGems, Composer), looks for a committed lockfile (``package-lock.json``,
    ``yarn.lock``, ``pnpm-lock.yaml``, ``poetry.lock``, ``uv.lock``, ``go.sum``,
    ``Cargo.lock``, ``Gemfile.lock``, ``composer.lock`` …). A Python
    ``requirements*.txt`` that pins every line with ``==`` counts as a lock. For
    libraries, Python, Rust and Ruby lockfiles are optional.

    ## Why it matters
    A committed lockfile makes every install use the same reviewed versions of every transitive dependency,
    instead of whatever was published last.

    ## How to fix
    Commit the package manager's lockfile (`npm install` writes `package-lock.json`, `uv lock` writes
    `uv.lock`) and install with the locked mode in CI (`npm ci`, `uv sync --locked`).
    """

    area = "security"
    effort = Effort.HOUR
    weight = 1.0

    def check(self, manifests, tree, project):
        with_deps = sorted({d.ecosystem for d in manifests.dependencies} & set(LOCKFILES))
        if not with_deps:
            return self.not_applicable("no declared dependencies in an ecosystem that uses lockfiles")
        locks = {e: [p for p in manifests.lockfiles if p.rsplit("/", 1)[-1] in names]
                 for e, names in LOCKFILES.items()}
        pinned_reqs = []
        for path in tree.glob("requirements*.txt", "*/requirements*.txt"):
            lines = [ln.split("#")[0].strip() for ln in (tree.read_text(path) or "").splitlines()]
            lines = [ln for ln in lines if ln and not ln.startswith("-")]
            if lines and all("==" in ln or "@" in ln for ln in lines):
                pinned_reqs.append(path)
        locks["pypi"] += pinned_reqs
        locked = [e for e in with_deps if locks[e]]
        optional = [e for e in with_deps if e not in locked and project.kind == "library" and e in LIBRARY_OPTIONAL]
        unlocked = [e for e in with_deps if e not in locked and e not in optional]
        evidence = [Evidence(path=p, note=f"{e} lockfile") for e in locked for p in locks[e][:2]]
        measures = [Measure("ecosystems locked", len(locked), threshold=len(with_deps) - len(optional))]
        obs = [f"No lockfile for {join_words(optional)}: optional for a library, which publishes version ranges."] \
            if optional else []
        if not unlocked:
            files = join_words([ev.path for ev in evidence[:3]])
            return self.passed(f"{files} lock{'s' if len(evidence) == 1 else ''} the "
                               f"{join_words(locked)} dependencies" if locked else "no lockfile is required",
                               signal=Signal.AUTOMATED, evidence=evidence, measures=measures, observations=obs)
        manifests_ev = [Evidence(path=m.path, note=f"{m.ecosystem} manifest without a lockfile")
                        for m in manifests.manifests if m.ecosystem in unlocked][:4]
        return self.failed(f"no lockfile for the {join_words(unlocked)} dependencies", evidence=manifests_ev + evidence,
                           measures=measures, observations=obs,
                           missing=tuple(f"Committed {e} lockfile ({LOCKFILES[e][0]})" for e in unlocked))


class SEC007(Rule):
    """CI workflows pin third-party actions to full commit SHAs.

    Counts the ``uses:`` references of GitHub Actions workflows and the share
    pinned to a 40-character commit SHA (local actions and ``docker://`` images
    excluded). A tag like ``@v4`` can be moved by whoever controls the action.

    ## Why it matters
    Actions pinned to a commit SHA run exactly the code that was reviewed; an action referenced by tag runs
    whatever the tag points to today, with the workflow's secrets.

    ## How to fix
    Pin each `uses:` to a full commit SHA with the tag as a comment (`actions/checkout@<sha> # v4`), and let
    Dependabot's `github-actions` ecosystem keep the pins current.
    """

    area = "security"
    effort = Effort.HOUR
    weight = 0.5
    thresholds = {"pinned_share_min": 0.9}

    def check(self, ci, thresholds):
        refs = [a for p in ci.pipelines if p.system == "github-actions" for a in p.actions
                if not a.uses.startswith(("./", "docker://"))]
        if not refs:
            return self.not_applicable("no GitHub Actions workflow uses third-party actions")
        pinned = [a for a in refs if a.pinned_sha]
        share = len(pinned) / len(refs)
        unpinned = [a for a in refs if not a.pinned_sha]
        measures = [Measure("actions pinned to a commit SHA", round(share, 2), "%", thresholds["pinned_share_min"]),
                    Measure("action references", len(refs))]
        msg = f"{len(pinned)} of {len(refs)} action references are pinned to a commit SHA"
        if share >= thresholds["pinned_share_min"]:
            return self.passed(msg, signal=Signal.AUTOMATED, measures=measures,
                               evidence=[Evidence(path=a.path, line=a.line, note=a.uses[:100]) for a in pinned[:3]])
        return self.failed(msg, measures=measures,
                           evidence=[Evidence(path=a.path, line=a.line, note=f"unpinned: {a.uses[:100]}")
                                     for a in unpinned[:5]],
                           missing=("Actions pinned to full commit SHAs",))


class SEC008(Rule):
    """CI workflows declare least-privilege token permissions.

    Counts the GitHub Actions workflows that declare a top-level ``permissions``
    block (a mapping or ``read-all``; ``write-all`` does not count) or set
    permissions on every job. Without one, the ``GITHUB_TOKEN`` gets the
    repository's default, often read-write.

    ## Why it matters
    Least-privilege tokens limit what a compromised workflow step can do; with a write token it can push code,
    publish releases or change settings.

    ## How to fix
    Add `permissions: contents: read` at the top of every workflow and grant write scopes only to the jobs
    that need them.
    """

    area = "security"
    effort = Effort.HOUR
    weight = 0.5
    thresholds = {"declared_share_min": 0.8}

    def check(self, ci, thresholds):
        workflows = [p for p in ci.pipelines if p.system == "github-actions"]
        if not workflows:
            return self.not_applicable("no GitHub Actions workflows")
        declared, lacking = [], []
        for p in workflows:
            jobs_ok = p.jobs and len({j for j, perm in p.job_permissions if perm != "write-all"}) >= len(p.jobs)
            if p.permissions in ("restricted", "read-all") or jobs_ok:
                declared.append(p)
            else:
                lacking.append(p)
        share = len(declared) / len(workflows)
        measures = [Measure("workflows declaring least-privilege permissions", round(share, 2), "%",
                            thresholds["declared_share_min"]), Measure("workflows", len(workflows))]
        msg = f"{len(declared)} of {len(workflows)} workflows restrict the token's permissions"
        questions = ("The repository's default GITHUB_TOKEN permissions (read-only or read-write)",)
        if share >= thresholds["declared_share_min"]:
            return self.passed(msg, signal=Signal.AUTOMATED, measures=measures, not_determinable=questions,
                               evidence=[Evidence(path=p.path, note=f"permissions: {p.permissions or 'per job'}")
                                         for p in declared[:4]])
        return self.failed(msg, measures=measures, not_determinable=questions,
                           evidence=[Evidence(path=p.path, note="write-all permissions" if p.permissions == "write-all"
                                              else "no top-level permissions") for p in lacking[:5]],
                           missing=("Top-level permissions block in every workflow",))
