"""Collaboration rules on literal facts: bus factor, silos, active authors, decision logs, channels."""

from auditor.model import Outcome, Signal
from auditor.rules.collaboration import COL001, COL002, COL003, COL004, COL005, bus_factor, people
from auditor.testing import evaluate, make_history

FILES = [f"src/m{i}.ts" for i in range(6)]


def _measure(finding, name):
    return next(m for m in finding.measures if m.name == name)


def _solo(n=12):
    return make_history([{"subject": f"Build step {i}", "author": "Jordan Reyes", "email": "jordan@smsfood.example",
                          "paths": [FILES[i % 6]]} for i in range(n)], tree_paths=FILES)


def _team():
    commits = []
    for i in range(12):
        who = ("Ana Souza", "Ben Okafor", "Chloé Martin")[i % 3]
        commits.append({"subject": f"Change {i}", "author": who, "paths": [FILES[i % 6], f"lib/x{i % 3}.py"]})
    return make_history(commits, tree_paths=FILES + ["lib/x0.py", "lib/x1.py", "lib/x2.py"])


# -- COL001: bus factor --------------------------------------------------------------------------


def test_solo_repository_has_bus_factor_one():
    f = evaluate(COL001, history=_solo())
    assert f.outcome is Outcome.FAIL
    assert f.message == "bus factor = 1: Jordan Reyes is the top author of 6 of 6 current files (100%)"
    assert _measure(f, "bus factor").value == 1
    assert _measure(f, "bus factor").threshold == 2
    assert f.evidence[0].commit and "Jordan Reyes" in f.evidence[0].note
    assert any(o.startswith("Solo developer pattern") for o in f.observations)
    assert "jordan@" not in f.message + " ".join(f.observations) + " ".join(e.note or "" for e in f.evidence)


def test_shared_ownership_passes_and_the_algorithm_is_minimal():
    h = _team()
    factor, ranking, measured = bus_factor(h, people(h))
    assert measured == 9
    assert [n for _, n in ranking] == [3, 3, 3]
    assert factor == 2                              # 3 files is not more than half of 9; 6 is
    f = evaluate(COL001, history=h)
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.OBSERVED
    assert f.message.startswith("bus factor = 2: ")
    assert len(f.evidence) == 2


def test_bots_and_lockfiles_do_not_count():
    commits = [{"subject": "Bump deps", "author": "dependabot[bot]", "email": "49699333+dependabot[bot]@users.noreply"
                                                                           ".github.com",
                "paths": ["package-lock.json", "src/a.ts"]}] * 5
    commits += [{"subject": "Write a", "author": "Ana", "paths": ["src/a.ts"]}]
    h = make_history(commits, tree_paths=["src/a.ts", "package-lock.json"])
    f = evaluate(COL001, history=h)
    assert _measure(f, "files measured").value == 1
    assert "Ana is the top author of 1 of 1" in f.message
    assert any("bot account" in o for o in f.observations)


def test_no_owned_files_is_skipped():
    h = make_history([{"subject": "x", "paths": ["gone.txt"]}])     # nothing in the current tree
    assert evaluate(COL001, history=h).outcome is Outcome.SKIP


# -- COL002: knowledge silos -----------------------------------------------------------------------


def test_directory_owned_by_one_person_is_a_silo():
    commits = [{"subject": f"c{i}", "author": "Jordan Reyes", "paths": [f"src/a{i}.ts"]} for i in range(6)]
    f = evaluate(COL002, history=make_history(commits))
    assert f.outcome is Outcome.FAIL
    assert "src/ (Jordan Reyes made 100% of 6 commits)" in f.message
    assert f.evidence[0].path == "src"
    assert _measure(f, "directories that are silos").value == 1.0


def test_shared_directories_pass():
    commits = [{"subject": f"c{i}", "author": ("Ana", "Ben")[i % 2], "paths": [f"src/a{i}.ts", f"api/b{i}.go"]}
               for i in range(10)]
    f = evaluate(COL002, history=make_history(commits))
    assert f.outcome is Outcome.PASS
    assert f.message.startswith("2 of 2 active directories")


def test_silos_need_enough_commits():
    commits = [{"subject": "c", "author": "Ana", "paths": ["src/a.ts", "README.md"]}] * 3
    assert evaluate(COL002, history=make_history(commits)).outcome is Outcome.SKIP


# -- COL003: active authors -------------------------------------------------------------------------


def test_solo_active_author_fails_with_the_solo_pattern():
    f = evaluate(COL003, history=_solo(), as_of="2025-10-18")
    assert f.outcome is Outcome.FAIL
    assert f.message.startswith("1 active author in the last 90 days (Jordan Reyes, 12 commits) of 1 in the whole "
                                "history; no co-authored commits")
    assert _measure(f, "active authors").value == 1
    assert any("minimal formal communication" in o for o in f.observations)


def test_identities_sharing_a_name_are_one_person():
    commits = [{"subject": "a", "author": "Ana Souza", "email": "ana@acme.dev"},
               {"subject": "b", "author": "ana souza", "email": "ana@users.noreply.github.com"}] * 3
    f = evaluate(COL003, history=make_history(commits), as_of="2025-10-18")
    assert _measure(f, "active authors").value == 1
    assert any("sharing a name" in o for o in f.observations)


def test_team_with_pairing_passes():
    commits = [{"subject": f"Change {i}", "author": ("Ana", "Ben", "Cid")[i % 3],
                "trailers": [("Co-authored-by", "Ben <ben@example.com>")] if i % 4 == 0 else []} for i in range(9)]
    f = evaluate(COL003, history=make_history(commits), as_of="2025-10-18")
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.OBSERVED
    assert _measure(f, "co-authored commits").value == 3
    assert "3 co-authored commits" in f.message
    assert f.evidence[0].note.startswith("co-authored")


def test_dormant_repository_names_the_last_commit():
    h = make_history([{"subject": f"old {i}", "author": "Nat", "date": f"2020-03-{30 - i}T10:00:00+00:00"}
                      for i in range(6)])
    f = evaluate(COL003, history=h, as_of="2025-10-18")
    assert f.outcome is Outcome.FAIL
    assert "the last on 2020-03-30, by Nat" in f.message


# -- COL004: decisions -------------------------------------------------------------------------------


def test_adrs_and_rfcs_are_decision_records():
    files = {"docs/adr/0001-use-postgres.md": "# 1\n", "rfcs/0003-payments.md": "# RFC\n"}
    f = evaluate(COL004, files=files)
    assert f.outcome is Outcome.PASS
    assert f.signal is Signal.DOCUMENTED
    assert "1 ADR in docs/adr" in f.message and "1 proposal in rfcs/" in f.message
    assert {e.path for e in f.evidence} == {"docs/adr/0001-use-postgres.md", "rfcs"}


def test_no_decision_log_fails_with_the_seed_checklist():
    f = evaluate(COL004, files={"README.md": "# x\n"})
    assert f.outcome is Outcome.FAIL
    assert "Architecture Decision Records (ADRs)" in f.missing
    assert "RFC process for major changes" in f.missing


# -- COL005: channels and governance ---------------------------------------------------------------------


def test_channel_named_in_contributing_passes():
    files = {"CONTRIBUTING.md": "# Contributing\n\nAsk questions in our Discord: https://discord.gg/abc123\n",
             "MAINTAINERS.md": "- Ana\n"}
    f = evaluate(COL005, files=files)
    assert f.outcome is Outcome.PASS
    assert "discord" in f.message and "MAINTAINERS.md" in f.message
    chan = next(e for e in f.evidence if e.path == "CONTRIBUTING.md")
    assert chan.line == 3


def test_slack_as_a_product_integration_is_not_a_channel():
    files = {"README.md": "# Bot\n\nPosts order updates to Slack via a webhook.\n"}
    f = evaluate(COL005, files=files)
    assert f.outcome is Outcome.FAIL
    assert _measure(f, "documents naming a channel").value == 0


def test_codeowners_alone_is_not_communication():
    f = evaluate(COL005, files={".github/CODEOWNERS": "* @acme/team\n"})
    assert f.outcome is Outcome.FAIL
    assert f.message.startswith("only .github/CODEOWNERS names owners")
    assert f.evidence[0].path == ".github/CODEOWNERS"


def test_nothing_fails_with_the_seed_checklist():
    f = evaluate(COL005, files={"README.md": "# x\n"})
    assert f.outcome is Outcome.FAIL
    assert "Communication channels (Slack/Discord workspace structure)" in f.missing
    assert "Escalation paths" in f.missing
    assert f.not_determinable


def test_messages_name_people_never_their_addresses():
    commits = [{"subject": f"c{i}", "author": ("Ana Souza", "Ben Okafor")[i % 2], "email": f"p{i % 2}@secret.example",
                "paths": [FILES[i % 6]]} for i in range(12)]
    h = make_history(commits, tree_paths=FILES)
    for rule in (COL001, COL002, COL003):
        f = evaluate(rule, history=h, as_of="2025-10-18")
        text = " ".join([f.message, *f.observations, *(e.note or "" for e in f.evidence), *(m.name for m in f.measures)])
        assert "@secret.example" not in text, rule
        if rule is not COL002:                     # a directory shared by several names no one
            assert "Ana Souza" in text or "Ben Okafor" in text, rule


def test_a_squashed_import_is_too_short_to_judge_people_by():
    h = make_history([{"subject": "Import", "author": "Ana", "paths": FILES}], tree_paths=FILES)
    for rule in (COL001, COL003):
        f = evaluate(rule, history=h, as_of="2025-10-18")
        assert f.outcome is Outcome.SKIP and "insufficient history" in f.message
