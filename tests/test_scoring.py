"""The scoring policy, on literal findings (no git)."""

from auditor.areas import BY_ID
from auditor.model import Aspect, Finding, Outcome, Signal, Status
from auditor.scoring import maturity_for, overall_score, score_area, score_areas


def f(outcome, signal=None, *, weight=1.0, aspect=None, area="review", rule="REV001"):
    return Finding(rule_id=rule, area=area, title="t", outcome=Outcome(outcome), message="m", signal=signal,
                   weight=weight, aspect=aspect)


def test_nothing_passing_is_missing_with_a_low_score():
    a = score_area(BY_ID["review"], [f("fail"), f("fail")])
    assert a.status is Status.MISSING
    assert a.score == 0.0


def test_documented_and_automated_majority_is_strong():
    a = score_area(BY_ID["review"], [f("pass", Signal.DOCUMENTED), f("pass", Signal.AUTOMATED),
                                      f("pass", Signal.OBSERVED), f("fail")])
    assert a.status is Status.STRONG
    assert 4.0 <= a.score <= 5.0


def test_some_documented_evidence_is_partial():
    a = score_area(BY_ID["review"], [f("pass", Signal.DOCUMENTED), f("fail"), f("fail")])
    assert a.status is Status.PARTIAL
    assert 2.0 <= a.score <= 3.0


def test_external_only_is_partial_and_says_so():
    a = score_area(BY_ID["cicd"], [f("pass", Signal.EXTERNAL, area="cicd"), f("fail", area="cicd")])
    assert a.status is Status.PARTIAL
    assert "outside the repository" in a.reason


def test_ad_hoc_outweighing_documented_is_reactive():
    a = score_area(BY_ID["docs"], [f("pass", Signal.DOCUMENTED, area="docs"),
                                   f("pass", Signal.AD_HOC, weight=1.5, area="docs"), f("fail", area="docs")])
    assert a.status is Status.REACTIVE


def test_observed_only_is_inferred_except_where_the_area_requires_writing():
    assert score_area(BY_ID["review"], [f("pass", Signal.OBSERVED), f("fail")]).status is Status.INFERRED
    dod = score_area(BY_ID["dod"], [f("pass", Signal.OBSERVED, area="dod"), f("fail", area="dod")])
    assert dod.status is Status.MISSING
    assert 0.0 < dod.score <= 1.0  # the implicit practice still shows in the score


def test_pain_points_are_always_inferred():
    a = score_area(BY_ID["pain-points"], [f("fail", area="pain-points"), f("pass", Signal.OBSERVED, area="pain-points")])
    assert a.status is Status.INFERRED


def test_two_aspects_with_different_statuses_are_both_reported():
    findings = [f("pass", Signal.AUTOMATED, aspect=Aspect.IMPLEMENTATION, area="testing"),
                f("pass", Signal.OBSERVED, aspect=Aspect.IMPLEMENTATION, area="testing"),
                f("fail", aspect=Aspect.DOCUMENTATION, area="testing"),
                f("fail", aspect=Aspect.DOCUMENTATION, area="testing")]
    a = score_area(BY_ID["testing"], findings)
    assert a.statuses == {"implementation": Status.STRONG, "documentation": Status.MISSING}
    assert a.status is Status.STRONG


def test_not_applicable_and_not_determinable():
    na = score_area(BY_ID["monitoring"], [f("not_applicable", area="monitoring")])
    assert na.status is Status.NOT_APPLICABLE
    nd = score_area(BY_ID["velocity"], [f("skip", area="velocity")])
    assert nd.status is Status.NOT_DETERMINABLE


def test_waived_failures_do_not_count():
    from dataclasses import replace
    waived = replace(f("fail"), waived="we review in Gerrit")
    a = score_area(BY_ID["review"], [f("pass", Signal.DOCUMENTED), waived])
    assert a.status is Status.STRONG


def test_overall_excludes_undeterminable_areas_and_maps_to_levels():
    scored, overall, level = score_areas([f("pass", Signal.DOCUMENTED, area="review"),
                                          f("not_applicable", area="monitoring")])
    assert overall == 5.0  # only review was judged; the rest are not determinable
    assert level.level == 5
    assert maturity_for(0.4).level == 1 and maturity_for(2.0).level == 2 and maturity_for(3.0).level == 3
    assert overall_score([]) == 0.0
