"""Testing strategy: how tests are implemented and run, and how the strategy is written down.

The seed audit judges the two separately ("STRONG (Implementation) | MISSING
(Documentation)"), and so do these rules: TST001–TST004 carry the
implementation aspect, TST005–TST006 the documentation aspect.

Weights of the implementation rules, and why: a configured framework (TST001,
2.0) is the foundation and the firmest evidence; the habit of changing tests
with code (TST003, 1.5) is what a consultant reads as a testing culture; the
inventory (TST002, 1.0) shows the suite is more than a token; CI running the
tests (TST004, 1.0) is the enforcement. With the first three passing and CI
missing, the weighted pass ratio is 4.5 / 5.5 ≈ 0.82 — above the 0.75 the
scoring policy needs for STRONG, so a disciplined team without CI still reads
STRONG for implementation, as the seed audit judged it, while the missing CI
stays visible as a failed finding (and fails the CI/CD area). Losing one of the
first three as well drops the ratio to 0.64 or below: PARTIAL; so does a suite
that CI runs but that no habit keeps up (4 / 5.5 ≈ 0.73). The co-change habit
is graded: a mature project whose CI runs the suite but whose tests follow only
a third of its source commits (a library with many typing and refactoring
commits) passes it as ad hoc, and stays STRONG on the strength of CI.
"""

from __future__ import annotations

import re
from collections import Counter

from auditor.facts import history as H
from auditor.facts import paths as P
from auditor.facts.tree import derived, line_of
from auditor.model import Aspect, Effort, Evidence, Measure, Signal
from auditor.rule import Rule
from auditor.rules.cicd import TEST_STAGES, a_label, join_words, plural, stage_evidence

#: Test-code extensions (data, fixtures and snapshots under test folders are not tests).
_CODE_EXT = {"py", "js", "jsx", "ts", "tsx", "mjs", "cjs", "go", "rs", "java", "kt", "kts", "scala", "rb", "php",
             "cs", "fs", "swift", "ex", "exs", "erl", "clj", "dart", "lua", "jl", "vue", "svelte", "c", "cc", "cpp",
             "m", "hs", "ml", "zig", "sh", "bats"}
_NOT_TESTS = re.compile(r"(^|/)(conftest\.py|__init__\.py|setup\.[jt]s|jest\.setup\.[jt]s|test[-_]?utils?\.\w+"
                        r"|helpers?\.\w+)$|(^|/)(fixtures?|__fixtures__|testdata|__snapshots__|__mocks__|mocks?)/",
                        re.IGNORECASE)
_CONFIG_FILE = re.compile(r"(^|/)[^/]*\.config\.[cm]?[jt]s$|(^|/)\.[^/]*rc\.[cm]?js$"
                          r"|(^|/)(setup|noxfile|conftest)\.py$|\.gen\.[cm]?[jt]sx?$|(^|/)(__)?generated(__)?/")
#: Hand-run test scripts the framework does not collect: ``test-promo-db.js``, ``test_api.sh``.
_AD_HOC_TEST = re.compile(r"(^|/)(test|tests|try|manual[-_]test)[-_][^/]+\.(js|mjs|cjs|ts|sh|bash|rb|php|ps1)$"
                          r"|(^|/)[^/]+[-_]test\.(sh|bash|ps1)$", re.IGNORECASE)
_TEST_COMMAND = re.compile(r"\b(jest|vitest|mocha|ava|jasmine|karma|pytest|py\.test|unittest|nose2|tox|nox|go test"
                           r"|cargo (test|nextest)|rspec|phpunit|pest|playwright test|cypress run|mvn\S* (test|verify)"
                           r"|gradlew? test|dotnet test|mix test|rake (test|spec)|bats)\b", re.IGNORECASE)
_LANGUAGE_RUNNERS = (
    ("Go testing", r"_test\.go$"),
    ("RSpec", r"(^|/)spec/.*_spec\.rb$"),
    ("Minitest", r"(^|/)test/.*_test\.rb$"),
    ("ExUnit", r"(^|/)test/.*_test\.exs$"),
    ("JUnit test tree", r"(^|/)src/test/(java|kotlin|scala)/"),
    ("XCTest", r"(^|/)Tests/.*Tests?\.swift$"),
    (".NET test project", r"(^|/)[^/]*\.?Tests?\.(cs|fs)proj$|(^|/)[^/]*\.Tests?/"),
)
_STRATEGY_DOCS = ("TESTING.md", "TESTING.rst", "TESTING", "docs/TESTING.md", "docs/testing.md", "docs/testing/*.md",
                  "docs/*test-strategy*", "docs/*testing-strategy*", "docs/*test-plan*", "docs/**/testing*.md",
                  "docs/**/*test-strategy*", ".github/TESTING.md", "doc/testing*.md")
_SECTION_DOCS = ("README.md", "README.rst", "CONTRIBUTING.md", ".github/CONTRIBUTING.md", "docs/CONTRIBUTING.md",
                 "DEVELOPMENT.md", "docs/development.md", "HACKING.md", "tests/README.md", "test/README.md")
_TEST_HEADING = re.compile(r"^#{1,4}\s+(?:running\s+(?:the\s+)?tests|tests?|testing(?:\s+strategy)?|test\s+strategy"
                           r"|quality(?:\s+assurance)?)[ \t]*(?::[ \t]*)?$", re.IGNORECASE | re.MULTILINE)
_STRATEGY_WORDS = re.compile(r"test(?:ing)?\s+pyramid|\bcoverage\b.{0,40}\d+\s*%|\bminimum\b.{0,30}coverage"
                             r"|when\s+to\s+write|unit\s+tests?.{0,80}(?:integration|e2e|end-to-end)"
                             r"|critical\s+path|test\s+data|regression", re.IGNORECASE | re.DOTALL)

_FAIL_UNDER = re.compile(r"^\s*fail_under\s*=\s*(\d{1,3}(?:\.\d+)?)", re.MULTILINE)

#: Subjects of commits that change no behaviour, so need no test (typing, docs, formatting, bumps).
_NO_BEHAVIOUR = re.compile(
    r"^(docs?|style|chore|build|ci|release)(\([^)]*\))?!?:|^bump\b"
    r"|\b(typos?|typing|type (hints?|annotations?|errors?|checking)|annotated type|docstrings?|comments?"
    r"|formatting|reformat(ted)?|whitespace|mypy|pyright|ruff|noqa|flake8|eslint|prettier|pre-commit"
    r"|lint(ing)? (fix(es)?|errors?)|(dev )?dependencies|deps|bump (the )?version|release v?\d+\.\d+"
    r"|version \d+\.\d+|end of life python|support for python)\b", re.IGNORECASE)

STRATEGY_MISSING = (
    "Test strategy document (TESTING.md)",
    "Test pyramid (unit vs integration vs E2E ratio)",
    "Coverage requirement (minimum %)",
    "Critical-path testing requirements",
    "When to write unit vs E2E tests",
    "How to run tests locally before commit",
    "Test data management",
)


def _not_testable(project):
    """Why testing does not apply: only to a documentation-only repository.

    An "empty" repository (a README and a licence) is a project that has not started:
    its tests are missing, not moot.
    """
    if project.kind == "docs":
        return f"{a_label(project)} has no code to test"
    return None


@derived
def test_files(tree) -> list[str]:
    """Test code in the tree: test paths with a code extension, without helpers, fixtures and snapshots."""
    return [p for p in tree.paths if P.is_test(p) and not P.is_vendored(p) and P.extension(p) in _CODE_EXT
            and not _NOT_TESTS.search(p)]


def ad_hoc_test_scripts(tree) -> list[str]:
    """Scripts named like tests that no test framework collects (``test-promo-db.js`` at the root).

    A script that only starts a test runner (``scripts/test-local.sh`` running pytest) is a
    wrapper around the suite, not an ad-hoc test.
    """
    out = []
    for p in tree.paths:
        if not _AD_HOC_TEST.search(p) or P.is_test(p) or P.is_vendored(p):
            continue
        if P.extension(p) in ("sh", "bash", "ps1") and _RUNS_SUITE.search(tree.read_text(p, 64 * 1024) or ""):
            continue
        out.append(p)
    return out


#: What a wrapper script runs: a test runner, or another test script (``bash scripts/test.sh``).
_RUNS_SUITE = re.compile(_TEST_COMMAND.pattern + r"|\btests?[-_\w]*\.sh\b|\b(npm|pnpm|yarn|bun) (run )?test\b",
                         re.IGNORECASE)
_TEST_DIR = re.compile(r"""\btestDir\s*:\s*["'`]([^"'`]+)["'`]""")


def e2e_dirs(tree) -> list[str]:
    """Folders an end-to-end runner's config points at (Playwright ``testDir``), relative to the root."""
    dirs = []
    for cfg in tree.glob("playwright.config.*", "*/playwright.config.*"):
        m = _TEST_DIR.search(tree.read_text(cfg) or "")
        if not m:  # without testDir, Playwright collects from the config's folder: no folder is e2e-only
            continue
        base = cfg.rsplit("/", 1)[0] + "/" if "/" in cfg else ""
        parts = [x for x in (base + m.group(1)).split("/") if x not in ("", ".")]
        if parts and ".." not in parts:
            dirs.append("/".join(parts) + "/")
    return dirs


def test_kind(path: str, e2e: list[str]) -> str:
    return "e2e" if any(path.startswith(d) for d in e2e) else P.test_kind(path)


def test_tasks(tasks) -> list:
    """Task-runner targets that run tests, by name or by command, in file order."""
    seen, out = set(), []
    for t in tasks.named("test", "test:*", "test-*", "tests", "e2e", "e2e:*", "spec") + \
            tasks.runs(_TEST_COMMAND.pattern):
        if (t.path, t.runner, t.name) not in seen:
            seen.add((t.path, t.runner, t.name))
            out.append(t)
    return sorted(out, key=lambda t: (t.path, t.line or 0))


class TST001(Rule):
    """Tests run on a configured test framework.

    Finds test runners and end-to-end frameworks from their configuration files
    and dependencies (Jest, Vitest, Mocha, pytest incl. ``[tool.pytest.ini_options]``
    and ``conftest.py``, tox, nox, Playwright, Cypress, PHPUnit, RSpec …) and the
    test trees of languages with a built-in runner (Go ``_test.go``, Rust ``tests/``
    and ``#[test]``, JUnit ``src/test/``, ExUnit, XCTest, .NET test projects).

    ## Why it matters
    A configured framework makes the suite one command that anyone, and CI, can run the same way.

    ## How to fix
    Configure the ecosystem's standard runner — `jest.config.js` or `vitest.config.ts` for JavaScript,
    `[tool.pytest.ini_options]` in `pyproject.toml` for Python — and add a `test` script that runs it.
    """

    area = "testing"
    effort = Effort.DAY
    weight = 2.0
    aspect = Aspect.IMPLEMENTATION

    def check(self, tree, tools, project):
        why = _not_testable(project)
        if why:
            return self.not_applicable(why)
        found: dict[str, list[Evidence]] = {}
        for name, ev in tools.in_category("test-framework", "e2e-framework"):
            found.setdefault(name, []).append(ev)
        for path, needle, name in (("pyproject.toml", "[tool.pytest.ini_options]", "pytest"),
                                   ("setup.cfg", "[tool:pytest]", "pytest"), ("tox.ini", "[pytest]", "pytest")):
            text = tree.read_text(path) if tree.exists(path) else None
            if text and needle in text:  # the section's line, in place of a bare mention of the file
                found[name] = [Evidence(path=path, line=line_of(text, needle), note=f"{needle} section")] + [
                    e for e in found.get(name, []) if e.path != path]
        tests = test_files(tree)
        for name, rx in _LANGUAGE_RUNNERS:
            hits = [p for p in tests if re.search(rx, p)] if name != ".NET test project" else \
                [p for p in tree.paths if re.search(rx, p)]
            if hits:
                found.setdefault(name, []).append(Evidence(path=hits[0], note=f"{plural(len(hits), 'file')}"))
        if tree.exists("Cargo.toml"):
            rust = [p for p in tree.paths if p.endswith(".rs") and not P.is_vendored(p)]
            marked = [p for p in rust if P.is_test(p)] or [
                p for p in rust[:300] if re.search(r"#\[(test|cfg\(test\))\]", tree.read_text(p) or "")]
            if marked:
                found.setdefault("Rust tests (cargo test)", []).append(
                    Evidence(path=marked[0], note=f"{plural(len(marked), 'file')} with tests"))
        names = sorted(found)
        evidence = [ev for n in names for ev in found[n][:2]][:10]
        measures = [Measure("test frameworks", len(names)), Measure("test files", len(tests))]
        if names and tests:
            return self.passed(f"{join_words(names)} configured, with {plural(len(tests), 'test file')}",
                               signal=Signal.AUTOMATED, evidence=evidence, measures=measures)
        if names:
            return self.failed(f"{join_words(names)} configured, but the tree has no test files",
                               evidence=evidence, measures=measures,
                               missing=("Test files for the configured framework",))
        if tests:
            kinds = sorted({P.extension(p) for p in tests})
            return self.passed(f"{plural(len(tests), 'test file')} ({', '.join(kinds)}) but no test-framework "
                               "configuration", signal=Signal.AD_HOC, evidence=[Evidence(path=p) for p in tests[:3]],
                               measures=measures, missing=("Test-framework configuration",))
        return self.failed("no test framework and no test files", measures=measures,
                           missing=("Test framework (unit tests)", "End-to-end test framework for critical flows"))


class TST002(Rule):
    """The test suite is substantial: unit, integration and e2e tests in proportion to the code.

    Counts test files by kind (unit, integration, end-to-end — by path convention
    and by the folder a Playwright config's ``testDir`` names) and relates them to
    source files (configuration and generated code excluded). Scripts named like tests that no framework
    collects (``test-promo-db.js`` at the root, ``test_*.sh``) are listed as ad-hoc
    tests: they run only when someone remembers to run them by hand.

    ## Why it matters
    A suite in proportion to the code, with unit and end-to-end tests, is what turns "tests exist" into
    regressions being caught.

    ## How to fix
    Add tests where the ratio is thin — a unit test beside each module, an e2e test per critical flow — and
    move ad-hoc test scripts into the framework's test folders.
    """

    area = "testing"
    effort = Effort.WEEK
    weight = 1.0
    aspect = Aspect.IMPLEMENTATION
    thresholds = {"ratio_min": 0.2, "tests_min": 3}

    def check(self, tree, project, thresholds):
        why = _not_testable(project)
        if why:
            return self.not_applicable(why)
        tests = test_files(tree)
        ad_hoc = ad_hoc_test_scripts(tree)
        sources = [p for p in tree.paths if P.is_source(p) and not _CONFIG_FILE.search(p)
                   and not _AD_HOC_TEST.search(p)]  # scripts named like tests are neither tests nor product code
        if not sources:
            return self.not_applicable("no source files to relate tests to")
        e2e = e2e_dirs(tree)
        kinds = Counter(test_kind(p, e2e) for p in tests)
        ratio = len(tests) / len(sources)
        by_kind = ", ".join(f"{kinds[k]} {k}" for k in ("unit", "integration", "e2e") if kinds[k])
        measures = [Measure("test files", len(tests)), Measure("source files", len(sources)),
                    Measure("test files per source file", round(ratio, 2), threshold=thresholds["ratio_min"])]
        measures += [Measure(f"{k} test files", kinds[k]) for k in ("unit", "integration", "e2e")]
        dirs = Counter(p.rsplit("/", 1)[0] if "/" in p else "." for p in tests)
        evidence = [Evidence(path=d, note=f"{plural(n, 'test file')}") for d, n in dirs.most_common(4)]
        observations = []
        if ad_hoc:
            evidence += [Evidence(path=p, note="ad-hoc test script") for p in ad_hoc[:4]]
            observations.append(f"{plural(len(ad_hoc), 'ad-hoc test script')} outside the test framework: "
                                f"{', '.join(ad_hoc[:5])} — run by hand, not by the test runner.")
        if tests and not kinds["e2e"] and project.deployed:
            observations.append("No end-to-end tests: critical user flows are not tested through the running app.")
        sources_n = plural(len(sources), "source file")
        summary = (f"{plural(len(tests), 'test file')} ({by_kind}) for {sources_n} ({ratio:.2f} per source file)"
                   if tests else f"no test files for {sources_n}")
        if len(tests) >= thresholds["tests_min"] and ratio >= thresholds["ratio_min"]:
            return self.passed(summary, signal=Signal.OBSERVED, evidence=evidence, measures=measures,
                               observations=observations)
        return self.failed(summary, evidence=evidence, measures=measures, observations=observations,
                           missing=("Unit tests for the core modules",) + (
                               ("E2E tests for critical flows",) if project.deployed and not kinds["e2e"] else ()))


class TST003(Rule):
    """Tests change together with the code they cover.

    Among the most recent non-merge commits that change source code, counts those
    that also change tests — the test-driven habit the seed audit read from the
    history ("test files created alongside features"). Half or more is a habit
    (observed); a quarter to a half is irregular (ad hoc); less fails. Commits
    whose subject says they change no behaviour — typing, docs and docstrings,
    formatting, typos, version bumps — are left out: they need no new test.

    ## Why it matters
    Tests that change with the code leave a regression check behind every feature and fix; without that habit
    coverage decays one commit at a time.

    ## How to fix
    Make "tests added or updated" part of the Definition of Done and of the pull-request template, and let
    review reject source changes without tests.
    """

    area = "testing"
    effort = Effort.ONGOING
    weight = 1.5
    aspect = Aspect.IMPLEMENTATION
    thresholds = {"window": 50, "share_min": 0.5, "share_some": 0.25, "commits_min": 5}

    def check(self, history, project, thresholds):
        why = _not_testable(project)
        if why:
            return self.not_applicable(why)
        window = int(thresholds["window"])
        idx, left_out = [], 0
        for i in history.indices(flags_all=H.TOUCH_SOURCE, flags_none=H.MERGE):
            if i < len(history.recent) and _NO_BEHAVIOUR.search(history.recent[i].subject):
                left_out += 1
                continue
            idx.append(i)
            if len(idx) >= window:
                break
        if len(idx) < thresholds["commits_min"]:
            return self.skip(f"too few source-changing commits to judge: {len(idx)}")
        with_tests = [i for i in idx if history.flags[i] & H.TOUCH_TEST]
        share = len(with_tests) / len(idx)
        win = f"last {len(idx)} non-merge commits that change source code"
        measures = [Measure("source-changing commits that also change tests", round(share, 2), "%",
                            thresholds["share_min"], win),
                    Measure("commits with tests", len(with_tests), "commits", window=win)]
        if left_out:
            measures.append(Measure("commits left out (typing, docs, formatting, version bumps)", left_out,
                                    "commits"))
        recent = {i: history.recent[i] for i in idx if i < len(history.recent)}
        good = [Evidence(commit=c.hash, date=c.date, note="source and tests: " + c.subject[:100])
                for i, c in recent.items() if c.flags & H.TOUCH_TEST][:3]
        bad = [Evidence(commit=c.hash, date=c.date, note="source without tests: " + c.subject[:100])
               for i, c in recent.items() if not c.flags & H.TOUCH_TEST][:2]
        msg = f"{len(with_tests)} of {len(idx)} source-changing commits also changed tests"
        if share >= thresholds["share_min"]:
            return self.passed(msg, signal=Signal.OBSERVED, evidence=good + bad, measures=measures)
        if share >= thresholds["share_some"]:
            return self.passed(msg + ": tests follow the code irregularly", signal=Signal.AD_HOC,
                               evidence=bad + good, measures=measures,
                               missing=("Tests added or updated with each change",))
        return self.failed(msg, evidence=bad + good, measures=measures,
                           missing=("Tests added or updated with each change",))


class TST004(Rule):
    """CI runs the test suite on every change.

    Lists the test scripts (``package.json`` scripts, Make targets, tox and nox
    environments …) and the CI jobs whose steps run tests (unit, integration, e2e),
    and compares them: a test script that no pipeline runs is a gate nobody is
    forced through.

    ## Why it matters
    Tests that CI runs on every change catch regressions before merge, not when someone remembers to run them.

    ## How to fix
    Add a CI job that runs the existing test scripts (such as `npm test` and `npm run test:e2e`) on every push
    and pull request, and make it a required status check.
    """

    area = "testing"
    effort = Effort.DAY
    weight = 1.0
    aspect = Aspect.IMPLEMENTATION
    after = ("CICD002",)  # a CI pipeline comes before the test job in it

    def check(self, ci, tasks, tree, project):
        why = _not_testable(project)
        if why:
            return self.not_applicable(why)
        scripts = test_tasks(tasks)
        script_ev = [Evidence(path=t.path, line=t.line, note=f"{t.name}: {t.command[:80]}") for t in scripts[:6]]
        names = ", ".join(t.name for t in scripts[:6])
        stages = ci.stage_map()
        runs = [(s, p, st) for s in TEST_STAGES for p, st in stages.get(s, [])]
        if runs:
            kinds = sorted({s for s, _, _ in runs})
            by_path: dict[str, list[str]] = {}
            for _, p, st in runs:
                if st.job not in by_path.setdefault(p.path, []):
                    by_path[p.path].append(st.job)
            jobs = [f"job{'s' if len(js) > 1 else ''} {join_words(js[:3])}{' …' if len(js) > 3 else ''} in {path}"
                    for path, js in by_path.items()]
            obs = []
            has_e2e_script = any(re.search(r"e2e|playwright|cypress", f"{t.name} {t.command}", re.IGNORECASE)
                                 for t in scripts)
            if has_e2e_script and "e2e-test" not in kinds:
                obs.append("An e2e test script exists but no CI job runs e2e tests.")
            more = f" (and {plural(len(jobs) - 2, 'other workflow')})" if len(jobs) > 2 else ""
            return self.passed(f"CI runs tests: {join_words(jobs[:2])}{more}", signal=Signal.AUTOMATED,
                               evidence=[stage_evidence(p, st, s) for s, p, st in runs[:4]] + script_ev[:2],
                               measures=[Measure("CI steps running tests", len(runs))], observations=obs,
                               not_determinable=("Whether the test job is a required status check",))
        if not ci.pipelines:
            if scripts:
                return self.failed(f"test scripts exist ({names} in {scripts[0].path}) but no CI pipeline runs them",
                                   evidence=script_ev,
                                   missing=("Tests run automatically on every push and pull request",
                                            "Required status check for tests"),
                                   not_determinable=(("Whether an external service runs the tests (none "
                                                      "is configured in the repository)"),))
            return self.failed("no test script and no CI pipeline: tests are never run automatically",
                               missing=("Test script", "Tests run automatically on every push and pull request"))
        return self.failed(f"{plural(len(ci.pipelines), 'CI pipeline')} but none runs the tests"
                           + (f" (scripts: {names})" if scripts else ""), evidence=script_ev,
                           missing=("Test job in CI on every push and pull request",))


class TST005(Rule):
    """The testing strategy is written down.

    Looks for a dedicated strategy document (``TESTING.md``, ``docs/testing*``) and
    for a testing section in the README or contributing guide that says more than
    how to run the tests: the test pyramid, coverage expectations, when to write
    which kind of test. Feature-specific manual test guides are noted, but are not
    a strategy.

    ## Why it matters
    A written testing strategy tells new contributors what to test and how much, instead of leaving the
    suite's shape to whoever wrote each part.

    ## How to fix
    Add `TESTING.md` describing the test pyramid (what is unit, integration and e2e here), the coverage
    minimum, how to run each suite locally and how test data is managed.
    """

    area = "testing"
    effort = Effort.DAY
    weight = 1.0
    aspect = Aspect.DOCUMENTATION

    def check(self, tree, project):
        why = _not_testable(project)
        if why:
            return self.not_applicable(why)
        manual = []
        for p in tree.paths:
            if "/" in p or not p.lower().endswith(".md") or p.lower().startswith(("readme", "changelog", "testing")):
                continue
            text = tree.read_text(p) or ""
            title = next((ln for ln in text.splitlines() if ln.startswith("#")), "")
            if re.search(r"\btest(ing)?\b", title, re.IGNORECASE):
                steps = len(re.findall(r"^\s*\d+\.\s", text, re.MULTILINE))
                manual.append((p, title.lstrip("# ").strip(), steps))
        obs = [f"{p} ({title}) is a manual test guide for one feature"
               + (f", {steps} manual steps" if steps else "") + ", not a testing strategy."
               for p, title, steps in manual[:3]]
        dedicated = [p for p in tree.glob(*_STRATEGY_DOCS) if not P.is_vendored(p)]
        if dedicated:
            text = tree.read_text(dedicated[0]) or ""
            words = {m.group(0).lower()[:30] for m in _STRATEGY_WORDS.finditer(text)}
            return self.passed(f"testing strategy documented in {dedicated[0]}", signal=Signal.DOCUMENTED,
                               evidence=[Evidence(path=p) for p in dedicated[:3]],
                               measures=[Measure("strategy topics covered", len(words))], observations=obs)
        sections = []
        for path in _SECTION_DOCS:
            real = tree.resolve(path)
            text = tree.read_text(real) if real else None
            if not text:
                continue
            m = _TEST_HEADING.search(text)
            if m:
                body = text[m.end():]
                nxt = re.search(r"^#{1,4}\s", body, re.MULTILINE)
                body = body[:nxt.start()] if nxt else body
                sections.append((real, line_of(text, m.group(0)), m.group(0).lstrip("# ").strip(),
                                 bool(_STRATEGY_WORDS.search(body))))
        strategy = [s for s in sections if s[3]]
        if strategy:
            path, line, heading, _ = strategy[0]
            return self.passed(f"testing approach described in the {heading} section of {path}",
                               signal=Signal.DOCUMENTED, evidence=[Evidence(path=path, line=line, note=heading)],
                               observations=obs)
        if sections:
            path, line, heading, _ = sections[0]
            return self.passed(f"{path} explains how to run the tests ({heading} section) but not the strategy",
                               signal=Signal.AD_HOC,
                               evidence=[Evidence(path=p, line=ln, note=h) for p, ln, h, _ in sections[:3]],
                               observations=obs, missing=STRATEGY_MISSING[:5])
        return self.failed("no testing strategy: no TESTING.md and no testing section in the README or "
                           "contributing guide", evidence=[Evidence(path=p, note="feature test guide")
                                                           for p, _, _ in manual[:3]],
                           observations=obs, missing=STRATEGY_MISSING)


class TST006(Rule):
    """A coverage minimum is set and enforced.

    Looks for coverage thresholds: Jest ``coverageThreshold``, Vitest coverage
    ``thresholds``, nyc/c8 ``check-coverage``, coverage.py ``fail_under`` (in
    ``pyproject.toml``, ``.coveragerc``, ``setup.cfg``, ``tox.ini``) or
    ``--cov-fail-under``, Codecov ``target``, JaCoCo rules, SimpleCov
    ``minimum_coverage``, tarpaulin ``fail-under`` — in config files or in CI
    commands. When coverage is only measured (``jest --coverage``), says so.

    ## Why it matters
    A coverage minimum makes the build fail when new code arrives untested, instead of letting coverage erode
    silently.

    ## How to fix
    Set a coverage floor the build enforces — `coverageThreshold: { global: { lines: 80 } }` in
    `jest.config.js`, or `fail_under = 80` under `[tool.coverage.report]` in `pyproject.toml` — and state it
    in `TESTING.md`.
    """

    area = "testing"
    effort = Effort.HOUR
    weight = 1.0
    aspect = Aspect.DOCUMENTATION

    _RULES = (
        ("jest.config.*", re.compile(r"coverageThreshold[\s\S]{0,200}?(\d{1,3}(?:\.\d+)?)"), "Jest coverageThreshold"),
        ("package.json", re.compile(r"\"coverageThreshold\"[\s\S]{0,200}?(\d{1,3}(?:\.\d+)?)"),
         "Jest coverageThreshold"),
        ("vitest.config.*", re.compile(r"thresholds[\s\S]{0,200}?(\d{1,3}(?:\.\d+)?)"), "Vitest coverage thresholds"),
        ("vite.config.*", re.compile(r"coverage[\s\S]{0,300}?thresholds[\s\S]{0,200}?(\d{1,3}(?:\.\d+)?)"),
         "Vitest coverage thresholds"),
        (".nycrc*", re.compile(r"check-coverage[\s\S]{0,300}?(?:lines|statements|branches)\W{1,5}(\d{1,3})"),
         "nyc check-coverage"),
        (".c8rc*", re.compile(r"check-coverage[\s\S]{0,300}?(?:lines|statements|branches)\W{1,5}(\d{1,3})"),
         "c8 check-coverage"),
        ("pyproject.toml", _FAIL_UNDER, "coverage.py fail_under"),
        (".coveragerc", _FAIL_UNDER, "coverage.py fail_under"),
        ("setup.cfg", _FAIL_UNDER, "coverage.py fail_under"),
        ("tox.ini", _FAIL_UNDER, "coverage.py fail_under"),
        ("*", re.compile(r"--cov-fail-under[= ](\d{1,3})"), "pytest-cov --cov-fail-under"),
        ("codecov.yml", re.compile(r"target\s*:\s*(\d{1,3}(?:\.\d+)?)"), "Codecov target"),
        (".codecov.yml", re.compile(r"target\s*:\s*(\d{1,3}(?:\.\d+)?)"), "Codecov target"),
        (".github/codecov.yml", re.compile(r"target\s*:\s*(\d{1,3}(?:\.\d+)?)"), "Codecov target"),
        ("pom.xml", re.compile(r"jacoco[\s\S]{0,3000}?<minimum>\s*(0?\.\d+|\d{1,3})"), "JaCoCo minimum"),
        ("build.gradle*", re.compile(r"jacocoTestCoverageVerification[\s\S]{0,800}?minimum\s*=\s*(0?\.\d+|\d{1,3})"),
         "JaCoCo minimum"),
        (".simplecov", re.compile(r"minimum_coverage\s*(?:\(\s*)?(?:line:\s*)?(\d{1,3})"), "SimpleCov minimum_coverage"),
        ("spec/spec_helper.rb", re.compile(r"minimum_coverage\s*(?:\(\s*)?(?:line:\s*)?(\d{1,3})"),
         "SimpleCov minimum_coverage"),
        ("tarpaulin.toml", re.compile(r"fail-under\s*=\s*(\d{1,3})"), "tarpaulin fail-under"),
        (".tarpaulin.toml", re.compile(r"fail-under\s*=\s*(\d{1,3})"), "tarpaulin fail-under"),
    )
    _CI_GATE = re.compile(r"(?:--cov-fail-under|--fail-under|--check-coverage|coverage\.thresholds|"
                          r"--coverageThreshold|fail_under)[= ]?\s*(\d{1,3})?")

    def check(self, tree, ci, tasks, tools, project):
        why = _not_testable(project)
        if why:
            return self.not_applicable(why)
        found = []
        for pattern, rx, label in self._RULES:
            paths = (tree.glob("pytest.ini", "setup.cfg", "tox.ini", "pyproject.toml", "Makefile", "noxfile.py")
                     if pattern == "*" else tree.glob(pattern, "*/" + pattern))
            for path in paths[:5]:
                if P.is_vendored(path):
                    continue
                text = tree.read_text(path) or ""
                m = rx.search(text)
                if m:
                    value = float(m.group(1))
                    found.append((label, path, line_of(text, m.group(0).strip().splitlines()[0]),
                                  value * 100 if value < 1 else value))
        for p in ci.pipelines:
            for st in p.steps:
                m = self._CI_GATE.search(st.text)
                if m:
                    found.append(("CI coverage gate", p.path, st.line, float(m.group(1)) if m.group(1) else None))
        measured = [t for t in tasks.runs(r"--coverage|--cov\b|coverage run|nyc|c8|-coverprofile|tarpaulin|llvm-cov")]
        cov_tools = tools.in_category("coverage")
        obs = [f"Coverage is measured by {t.name} ({t.command[:60]}) in {t.path}, but no minimum is enforced."
               for t in measured[:2]] if not found else []
        if found:
            label, path, _line, value = found[0]
            ev = [Evidence(path=p, line=ln, note=f"{lb}" + (f" {v:g}%" if v is not None else ""))
                  for lb, p, ln, v in found[:4]]
            measures = [Measure("coverage minimum", round(value, 1), "%")] if value is not None else []
            in_ci = bool(ci.stage_map().get("coverage")) or any(lb == "CI coverage gate" for lb, *_ in found)
            if not in_ci:
                obs.append("The minimum is enforced only where the coverage run happens; no CI job runs coverage.")
            return self.passed(f"coverage must stay at or above {value:g}% ({label} in {path})" if value is not None
                               else f"coverage is gated ({label} in {path})", signal=Signal.DOCUMENTED,
                               evidence=ev, measures=measures, observations=obs)
        evidence = [Evidence(path=t.path, line=t.line, note=f"{t.name}: {t.command[:80]}") for t in measured[:2]]
        evidence += [ev for _, ev in cov_tools[:2]]
        return self.failed("coverage is measured but no minimum is set" if (measured or cov_tools)
                           else "no coverage measurement and no coverage minimum",
                           evidence=evidence, observations=obs,
                           missing=("Coverage requirement (minimum %)", "Coverage enforced in CI"))
