"""Production feedback loop rules (seed 000) on literal facts."""

import json

from auditor.facts.project import Project
from auditor.model import Outcome, Signal
from auditor.rules.feedback import FBK001, FBK002, FBK003, FBK004
from auditor.testing import evaluate


def package(deps=None):
    return json.dumps({"name": "app", "dependencies": {"next": "15.0.0", **(deps or {})}}, indent=2)


APP = {"package.json": package(), "next.config.ts": "export default {};\n",
       "src/app/layout.tsx": "export default function Root({children}) { return children }\n",
       "README.md": "# App\n"}


def test_no_feedback_loop_in_a_bare_app():
    for rule in (FBK001, FBK002, FBK003, FBK004):
        f = evaluate(rule, files=APP)
        assert f.outcome is Outcome.FAIL, rule
        assert f.missing, rule


def test_not_applicable_to_a_library():
    lib = Project(kind="library", deployed=False)
    for rule in (FBK001, FBK002, FBK003, FBK004):
        f = evaluate(rule, files={"setup.py": "x\n"}, project=lib)
        assert f.outcome is Outcome.NOT_APPLICABLE and "library" in f.message


def test_analytics_sdk_passes_with_the_manifest_line():
    f = evaluate(FBK001, files=dict(APP, **{"package.json": package({"posthog-js": "^1"})}))
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED
    assert "PostHog" in f.message
    assert f.evidence[0].path == "package.json" and f.evidence[0].line == 5  # the posthog-js line


def test_analytics_snippet_in_a_layout_counts():
    layout = "<head>\n<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"></script>\n</head>\n"
    f = evaluate(FBK001, files=dict(APP, **{"public/index.html": layout}))
    assert f.outcome is Outcome.PASS and "tracking snippet" in f.message
    assert (f.evidence[0].path, f.evidence[0].line) == ("public/index.html", 2)


def test_flag_service_is_automated_and_home_grown_flags_are_ad_hoc():
    f = evaluate(FBK002, files=dict(APP, **{"package.json": package({"@growthbook/growthbook-react": "1"})}))
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED and "GrowthBook" in f.message
    f = evaluate(FBK002, files=dict(APP, **{".env.example": "DATABASE_URL=\nFEATURE_NEW_CHECKOUT=false\n"}))
    assert f.outcome is Outcome.PASS and f.signal is Signal.AD_HOC
    assert (f.evidence[0].path, f.evidence[0].line) == (".env.example", 2)
    assert "A/B testing / experimentation" in f.missing


def test_metrics_plan_by_name_or_heading():
    f = evaluate(FBK003, files=dict(APP, **{"docs/metrics-plan.md": "# Metrics Plan\n"}))
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert f.evidence[0].path == "docs/metrics-plan.md"
    brief = "# Feature brief: promo codes\n\nGoal.\n\n## Success Metrics\n- 20% of orders use a code\n"
    f = evaluate(FBK003, files=dict(APP, **{"docs/briefs/promo.md": brief}))
    assert f.outcome is Outcome.PASS and (f.evidence[0].path, f.evidence[0].line) == ("docs/briefs/promo.md", 5)


def test_post_release_review_by_heading():
    doc = "# Production Metrics Review\n\n## Feature Impact Summary\nSUCCESS / ITERATE / REMOVE\n"
    f = evaluate(FBK004, files=dict(APP, **{"docs/process/metrics.md": doc}))
    assert f.outcome is Outcome.PASS and f.signal is Signal.DOCUMENTED
    assert (f.evidence[0].path, f.evidence[0].line) == ("docs/process/metrics.md", 1)
    f = evaluate(FBK004, files=APP)
    assert f.outcome is Outcome.FAIL
    assert any("Feature Impact Summary" in m for m in f.missing)


def test_a_scheduled_review_sentence_counts_as_a_post_release_review():
    plan = ("# Metrics plan\n\n| Goal | Metric |\n| --- | --- |\n| Faster checkout | checkout time |\n\n"
            "Two weeks after release the product owner reviews each metric and records the outcome here.\n")
    f = evaluate(FBK004, files=dict(APP, **{"docs/metrics-plan.md": plan}))
    assert f.outcome is Outcome.PASS
    assert (f.evidence[0].path, f.evidence[0].line) == ("docs/metrics-plan.md", 7)
    assert f.message == "post-release reviews are documented in 1 file"
