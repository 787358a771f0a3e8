"""Code-review rules on literal facts, calibrated on public repositories."""

from auditor.model import Outcome, Signal
from auditor.rules.review import REV001, REV004
from auditor.testing import evaluate, make_history


def _topic_merges(n: int, direct_every: int = 0) -> list[dict]:
    """A maintainer's first-parent line: ``Merge branch 'xx/topic'`` merges (git/git), newest first."""
    rows: list[dict] = []
    for i in range(n):
        main, nxt, topic = f"{i:040x}", f"{i + 1:040x}", f"{i + 1000:040x}"
        if direct_every and i % direct_every == 0:
            rows.append(dict(hash=main, parents=[nxt], subject=f"The {i}th batch"))
            continue
        rows.append(dict(hash=main, parents=[nxt, topic], subject=f"Merge branch 'ab/topic-{i}'"))
        rows.append(dict(hash=topic, parents=[nxt], subject=f"area: change {i}",
                         trailers=[("Signed-off-by", "A B <a@b>")]))
    rows.append(dict(hash=f"{n:040x}", parents=[], subject="initial"))
    return rows


SUBMITTING_PATCHES = ("Submitting patches\n==================\n\n"
                      "Send your patch with \"To:\" set to the mailing list, with \"cc:\" listing people\n"
                      "who are involved in the area you are touching.\n")


def test_topic_branch_merges_are_not_direct_commits():
    # git/git: "100 of 100 commits on the default branch were direct commits" was wrong — they are merges.
    history = make_history(_topic_merges(40, direct_every=8))
    f = evaluate(REV001, history=history, files={"README.md": "# x\n"})
    assert f.outcome is Outcome.FAIL
    assert "merge branches that record no review" in f.message, f.message
    assert "were direct commits" in f.message and not f.message.startswith("41 of")
    direct = next(m for m in f.measures if m.name == "direct commits")
    assert direct.value == 6   # five "batch" commits and the initial one


def test_topic_branches_reviewed_on_a_mailing_list_are_review_outside_the_repository():
    history = make_history(_topic_merges(40, direct_every=8))
    f = evaluate(REV001, history=history, files={"Documentation/SubmittingPatches": SUBMITTING_PATCHES})
    assert f.outcome is Outcome.PASS and f.signal is Signal.EXTERNAL, f.message
    assert "review happens outside the repository" in f.message
    assert any(e.path == "Documentation/SubmittingPatches" for e in f.evidence)


def test_direct_commits_still_fail_as_direct():
    history = make_history([{"subject": f"change {i}"} for i in range(20)])
    f = evaluate(REV001, history=history, files={"Documentation/SubmittingPatches": SUBMITTING_PATCHES})
    assert f.outcome is Outcome.FAIL and f.message == "20 of 20 commits on the default branch were direct commits"


def test_biome_is_a_formatter_as_well_as_a_linter():
    # umami: "only Biome, TypeScript configured, with no formatter" — Biome formats too.
    files = {"biome.json": '{"formatter": {"enabled": true}}', "package.json": '{"name": "app"}',
             ".github/workflows/ci.yml": "on: [push]\njobs:\n  lint:\n    runs-on: x\n    steps:\n"
                                         "      - run: npx biome check .\n"}
    f = evaluate(REV004, files=files)
    assert f.outcome is Outcome.PASS and f.signal is Signal.AUTOMATED, f.message
    unenforced = evaluate(REV004, files={"biome.json": "{}", "package.json": '{"name": "app"}'})
    assert unenforced.outcome is Outcome.PASS and unenforced.signal is Signal.AD_HOC, unenforced.message


def test_back_merges_of_a_stable_branch_are_left_out_of_the_share():
    # flask: "Merge branch 'stable'" brings fixes reviewed on the stable branch; it is no direct commit.
    rows = []
    for i in range(30):
        main, nxt, side = f"{i:040x}", f"{i + 1:040x}", f"{i + 1000:040x}"
        if i % 3 == 0:
            rows.append(dict(hash=main, parents=[nxt, side], subject="Merge branch 'stable'"))
            rows.append(dict(hash=side, parents=[nxt], subject=f"fix {i} (#{i + 100})"))
        else:
            rows.append(dict(hash=main, parents=[nxt], subject=f"feature {i} (#{i + 200})"))
    rows.append(dict(hash=f"{30:040x}", parents=[], subject="initial"))
    f = evaluate(REV001, history=make_history(rows), files={"README.md": "x"})
    assert f.outcome is Outcome.PASS, f.message
    assert f.message == "20 of 21 commits on the default branch arrived through reviewed merges"
    assert next(m for m in f.measures if m.name == "back-merges of long-lived branches").value == 10
