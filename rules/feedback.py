"""Production feedback loop (seed 000): does the team learn from what it shipped?

Measuring real-world impact needs product analytics, a way to release to some
users first (feature flags, experiments), a metrics plan that says what success
looks like, and a review after release that compares goal with reality. Every
rule applies only to software that runs in production (``project.deployed``).
"""

from __future__ import annotations

import re

from auditor.facts import paths as P
from auditor.model import Effort, Evidence, Signal
from auditor.rule import Rule

MAX_SCAN_FILES = 300
MAX_SCAN_BYTES = 256 * 1024
_DOC_EXTS = (".md", ".mdx", ".rst", ".adoc", ".txt")


def _not_deployed(rule: Rule, project):
    return rule.not_applicable(f"a production feedback loop does not apply: this is a {project.label}, "
                               "not software with users in production")


def _scan(tree, paths, pattern: re.Pattern[str], *, max_files: int = MAX_SCAN_FILES,
          max_bytes: int = MAX_SCAN_BYTES) -> list[tuple[str, int, str]]:
    """(path, line, matched text) for the first match of ``pattern`` in each of at most ``max_files`` files."""
    hits, read = [], 0
    for path in paths:
        if read >= max_files:
            break
        text = tree.read_text(path, max_bytes)
        if text is None:
            continue
        read += 1
        m = pattern.search(text)
        if m:
            hits.append((path, text.count("\n", 0, m.start()) + 1, " ".join(m.group(0).split())[:80]))
    return hits


def _docs(tree) -> list[str]:
    return [p for p in tree.paths if p.lower().endswith(_DOC_EXTS) and not P.is_vendored(p)
            and not P.is_changelog(p)]


# Analytics loaded as a script tag or an init call rather than as a package.
_SNIPPET = re.compile(r"googletagmanager\.com/(gtag|gtm)|plausible\.io/js|posthog\.init\(|cdn\.segment\.com"
                      r"|mixpanel\.init\(|amplitude\.init\(|cloud\.umami\.is|umami\.js|static\.cloudflareinsights"
                      r"\.com|clarity\.ms/tag|hotjar\.com|cdn\.usefathom\.com|<Analytics\s*/>")
_SNIPPET_FILES = re.compile(r"\.html?$|(^|/)(_app|_document|layout|app|index|main|head|base|root)\.[cm]?[jt]sx?$"
                            r"|(^|/)(layout|base|application|head)\.(html\.erb|erb|blade\.php|twig|jinja2?|njk"
                            r"|vue|svelte|astro)$", re.IGNORECASE)


class FBK001(Rule):
    """Product usage is measured with an analytics tool.

    Looks for product-analytics SDKs among the dependencies (PostHog, Segment,
    Amplitude, Mixpanel, Vercel Analytics, Plausible, Google Analytics, Heap,
    RudderStack, Fathom …) and for tracking snippets in page layouts and HTML
    (``gtag``, ``plausible.io/js``, ``posthog.init`` …), reading at most 300 files.

    ## Why it matters
    Without usage data, nobody can tell whether a shipped feature is adopted, so the roadmap runs on opinion.

    ## How to fix
    Add a product-analytics SDK (PostHog, or `@vercel/analytics` for an app on Vercel) in the root layout and track each feature's key events: adoption, funnel steps and conversion.
    """

    area = "feedback"
    effort = Effort.DAY
    weight = 1.0

    def check(self, project, tools, tree):
        if not project.deployed:
            return _not_deployed(self, project)
        found = tools.in_category("analytics")
        evidence = [ev for _, ev in found[:6]]
        names = sorted({n for n, _ in found})
        candidates = [p for p in tree.paths if _SNIPPET_FILES.search(p) and not P.is_vendored(p)
                      and not P.is_test(p)]
        hits = _scan(tree, candidates, _SNIPPET)
        if hits:
            names.append("tracking snippet")
            evidence += [Evidence(path=p, line=ln, note=text) for p, ln, text in hits[:3]]
        if names:
            return self.passed(f"product usage is measured with {', '.join(names)}", signal=Signal.AUTOMATED,
                               evidence=evidence)
        return self.failed("no product analytics: no analytics SDK in the manifests and no tracking snippet "
                           "in the page layouts",
                           missing=("Product analytics (feature adoption, funnels, engagement)",))


_HOMEGROWN_FLAG_PATH = re.compile(r"(^|/)(feature[-_]?flags?|feature[-_]?toggles?|flags)(\.[a-z]+|/)", re.IGNORECASE)
_ENV_FLAG = re.compile(r"^\s*(export\s+)?((NEXT_PUBLIC_|VITE_|REACT_APP_)?(FEATURE|FF|ENABLE|FLAG)_[A-Z0-9_]+)\s*=",
                       re.MULTILINE)


class FBK002(Rule):
    """Features ship behind flags so they can be rolled out gradually and switched off.

    Looks for feature-flag and experimentation services among the dependencies
    (LaunchDarkly, Unleash, Flagsmith, GrowthBook, OpenFeature, ConfigCat, Split,
    Statsig, Optimizely …). Home-grown flags — a ``feature-flags`` module or
    ``FEATURE_*`` switches in ``.env.example`` — count as ad hoc.

    ## Why it matters
    Without feature flags every release goes to all users at once: there is no A/B test, no gradual rollout and no kill switch short of a redeploy.

    ## How to fix
    Put new features behind a flag service (GrowthBook, Unleash, PostHog feature flags or LaunchDarkly) through one `flags` module, so each launch can start with a share of users and be switched off without a deploy.
    """

    area = "feedback"
    effort = Effort.DAYS
    weight = 0.75

    def check(self, project, tools, tree):
        if not project.deployed:
            return _not_deployed(self, project)
        found = tools.in_category("feature-flags", "experimentation")
        if found:
            return self.passed(f"feature flags or experiments with {', '.join(sorted({n for n, _ in found}))}",
                               signal=Signal.AUTOMATED, evidence=[ev for _, ev in found[:6]])
        homegrown = [Evidence(path=p, note="home-grown feature flags") for p in tree.paths
                     if _HOMEGROWN_FLAG_PATH.search(p) and (P.is_source(p) or p.endswith((".json", ".yml", ".yaml")))
                     and not P.is_vendored(p)][:3]
        env_files = [p for p in tree.paths if re.search(r"(^|/)\.env(\.[\w-]+)?$", p) and not P.is_vendored(p)]
        homegrown += [Evidence(path=p, line=ln, note=f"environment switch {text.rstrip('=').strip()}")
                      for p, ln, text in _scan(tree, env_files, _ENV_FLAG)[:3]]
        if homegrown:
            return self.passed("home-grown feature switches, without a flag service or experiments",
                               signal=Signal.AD_HOC, evidence=homegrown,
                               missing=("A/B testing / experimentation",))
        return self.failed("no feature flags or experimentation: every change reaches all users at once",
                           missing=("Feature flags for gradual rollout and kill switches",
                                    "A/B testing / experimentation"))


_PLAN_PATH = re.compile(r"(metrics?[-_ ]?plan|success[-_ ]?metrics|tracking[-_ ]?plan|measurement[-_ ]?plan"
                        r"|(^|/|[-_])kpis?([-_.]|$)|(^|/|[-_])okrs?([-_.]|$)|north[-_ ]?star)", re.IGNORECASE)
_PLAN_TEXT = re.compile(r"^#{1,6}\s*.*\b(success metrics|success criteria|metrics plan|tracking plan|measurement plan"
                        r"|kpis?|key results|north star metric|how we measure success)\b"
                        r"|^\s*\**(success metrics|metrics plan)\**\s*:", re.IGNORECASE | re.MULTILINE)


class FBK003(Rule):
    """Each feature has a metrics plan that says what success looks like.

    Looks for a metrics plan by name (``docs/metrics-plan*``, tracking plans,
    KPI/OKR documents) and for headings such as "Success Metrics", "Metrics Plan",
    "Tracking plan" or "KPIs" in the documentation (reading at most 300 files).

    ## Why it matters
    Without success metrics written down before launch, a release cannot be judged a success or a failure, so features are never iterated or removed.

    ## How to fix
    Add `docs/metrics-plan.md` listing each feature's success metrics (adoption, conversion, error rate, p95 latency) with targets, and who checks them daily, weekly and monthly.
    """

    area = "feedback"
    effort = Effort.DAY
    weight = 1.0

    def check(self, project, tree):
        if not project.deployed:
            return _not_deployed(self, project)
        docs = _docs(tree)
        named = [Evidence(path=p, note="metrics plan") for p in docs if _PLAN_PATH.search(p)][:4]
        named_paths = {e.path for e in named}
        hits = _scan(tree, [p for p in docs if p not in named_paths], _PLAN_TEXT)
        evidence = named + [Evidence(path=p, line=ln, note=text) for p, ln, text in hits[:4]]
        if evidence:
            n = len({e.path for e in evidence})
            return self.passed(f"success metrics are written down in {n} document{'s' if n > 1 else ''}",
                               signal=Signal.DOCUMENTED, evidence=evidence)
        return self.failed(f"no metrics plan or success metrics in {len(docs)} document{'' if len(docs) == 1 else 's'}",
                           missing=("Metrics plan: success metrics and targets per feature",
                                    "Monitoring schedule (who checks which metric, when)"))


_REVIEW_PATH = re.compile(r"(post[-_ ]?release|post[-_ ]?launch|post[-_ ]?deploy(ment)?[-_ ]review|impact[-_ ]?"
                          r"(review|summary|report)|launch[-_ ]?review|metrics[-_ ]?review|release[-_ ]?review"
                          r"|feature[-_ ]?review)", re.IGNORECASE)
_REVIEW_TEXT = re.compile(r"^#{1,6}\s*.*\b(post[- ]release review|post[- ]launch review|post[- ]deploy(ment)? review"
                          r"|feature impact summary|impact review|production metrics review|goal vs\.? reality"
                          r"|release retrospective|launch review)\b"
                          # a sentence scheduling the review: "two weeks after release the owner reviews it"
                          r"|\b(days?|weeks?|months?) after (each |the |a )?(release|deploy(ment)?|launch)\b"
                          r"[^.\n]{0,120}"
                          r"\breview|\breview[^.\n]{0,80}\b(days?|weeks?) after (each |the |a )?(release|deploy(ment)?"
                          r"|launch)\b", re.IGNORECASE | re.MULTILINE)


class FBK004(Rule):
    """Released features are reviewed against their goals after release.

    Looks for post-release, post-launch or impact reviews by name, for headings
    such as "Post-release review", "Feature Impact Summary", "Production Metrics
    Review" or "Goal vs. Reality", and for a sentence that schedules a review some
    days or weeks after release, in the documentation (reading at most 300 files).

    ## Why it matters
    Without a review after release, the loop from production back to planning stays open: nobody decides whether a feature succeeded, needs iteration or should be removed.

    ## How to fix
    Add `docs/process/post-release-review.md`: seven days after each deploy, compare adoption, funnels and error logs with the feature's success metrics and record SUCCESS / ITERATE / REMOVE in a Feature Impact Summary.
    """

    area = "feedback"
    effort = Effort.DAY
    weight = 0.75

    def check(self, project, tree):
        if not project.deployed:
            return _not_deployed(self, project)
        docs = _docs(tree)
        named = [Evidence(path=p, note="post-release review") for p in docs if _REVIEW_PATH.search(p)][:4]
        named_paths = {e.path for e in named}
        hits = _scan(tree, [p for p in docs if p not in named_paths], _REVIEW_TEXT)
        evidence = named + [Evidence(path=p, line=ln, note=text) for p, ln, text in hits[:4]]
        if evidence:
            n = len({e.path for e in evidence})
            return self.passed(f"post-release reviews are documented in {n} file{'s' if n > 1 else ''}",
                               signal=Signal.DOCUMENTED, evidence=evidence)
        return self.failed("no post-release or impact review of shipped features",
                           missing=("Post-release review (goal vs. reality, 7 days after deploy)",
                                    "Feature Impact Summary with a SUCCESS / ITERATE / REMOVE decision"))
