"""Whole-audit results: a repeat audit is the same report, and anything that could change it is a miss.

Every test audits real repositories built from ``fixtures/*.yaml`` with the
cache in ``tmp_path``; a hit is told by the git calls it makes (no tree listing,
no ``git log``), and its report is compared byte for byte with an audit that
used no cache at all.
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from auditor.engine import AuditOptions, audit
from auditor.facts.history_cache import FILENAME
from auditor.render.json_report import render_json
from auditor.render.markdown import render_markdown
from tests.scenario_support import SPEC_NAMES, as_of_of, git


def _audit(path, tmp_path, as_of, **kw):
    options = AuditOptions(use_cache=True, cache_dir=tmp_path / "cache", **kw)
    return audit(path, as_of=as_of, options=options)


def _hit(result) -> bool:
    """A hit reads neither the tree nor the history: three or four small git calls in all."""
    return result.method["git_calls"] <= 4


def _reports(result) -> tuple[str, str]:
    result.method.pop("git_calls", None)
    result.method.pop("seconds", None)
    return render_markdown(result), render_json(result)


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_a_repeat_audit_is_the_same_report(scenario, name, tmp_path):
    path, when = scenario(name), as_of_of(name)
    plain = audit(path, as_of=when, options=AuditOptions(use_cache=False))
    first = _audit(path, tmp_path, when)
    second = _audit(path, tmp_path, when)
    assert not _hit(first) and _hit(second)
    assert _reports(plain) == _reports(first) == _reports(second)


@pytest.fixture
def repo(scenario, tmp_path):
    """A private copy of a scenario repository, free to gain commits and tags."""
    dest = tmp_path / "repo"
    shutil.copytree(scenario("library"), dest, symlinks=True)
    return dest


def test_a_new_commit_a_new_tag_or_a_moved_branch_is_a_miss(repo, tmp_path):
    when = as_of_of("library")
    _audit(repo, tmp_path, when)
    assert _hit(_audit(repo, tmp_path, when))
    git("tag", "v9.9.9", "HEAD~3", cwd=repo)                    # an old commit, newly tagged
    tagged = _audit(repo, tmp_path, when)
    assert not _hit(tagged)
    assert _reports(tagged) == _reports(audit(repo, as_of=when, options=AuditOptions(use_cache=False)))
    assert _hit(_audit(repo, tmp_path, when))
    git("-c", "user.name=A", "-c", "user.email=a@example.com", "commit", "-q", "--allow-empty", "-m", "chore: x",
        cwd=repo)
    assert not _hit(_audit(repo, tmp_path, when))


@pytest.mark.parametrize("change", [
    {"as_of": "2026-01-02"},
    {"thresholds": {"REL001": {"scheme_share_min": 0.99}}},
    {"select": ("TST",)},
    {"ignore": ("DOC001",)},
    {"waivers": {"SEC001": "accepted risk"}},
    {"declared": {"team_size": 40}},
    {"max_commits": 5},
    {"window": 10},
])
def test_anything_that_reaches_a_rule_is_a_miss(repo, tmp_path, change):
    from auditor import clock

    when = as_of_of("library")
    _audit(repo, tmp_path, when)
    change = dict(change)
    other_when = clock.parse(change.pop("as_of")) if "as_of" in change else when
    changed = _audit(repo, tmp_path, other_when, **change)
    assert not _hit(changed)
    expected = audit(repo, as_of=other_when, options=AuditOptions(use_cache=False, **change))
    assert _reports(changed) == _reports(expected)


def test_weights_apply_to_cached_findings(repo, tmp_path):
    when = as_of_of("library")
    _audit(repo, tmp_path, when)
    weighted = _audit(repo, tmp_path, when, weights={"testing": 3.0})
    assert _hit(weighted)
    expected = audit(repo, as_of=when, options=AuditOptions(use_cache=False, weights={"testing": 3.0}))
    assert weighted.overall == expected.overall and _reports(weighted) == _reports(expected)


def test_an_audit_that_ran_out_of_time_is_not_kept(repo, tmp_path):
    when = as_of_of("library")
    # The budget is over before the first rule: whatever the audit reached, it is not kept.
    _audit(repo, tmp_path, when, time_budget=1e-9)
    assert not _hit(_audit(repo, tmp_path, when, time_budget=1e-9))
    assert not _hit(_audit(repo, tmp_path, when))
    assert _hit(_audit(repo, tmp_path, when, time_budget=1e-9))   # a complete result serves any budget


def test_a_damaged_result_is_an_ordinary_audit(repo, tmp_path):
    when = as_of_of("library")
    plain = audit(repo, as_of=when, options=AuditOptions(use_cache=False))
    _audit(repo, tmp_path, when)
    con = sqlite3.connect(tmp_path / "cache" / FILENAME)
    con.execute("UPDATE results SET data = x'00ff00ff'")
    con.commit()
    con.close()
    again = _audit(repo, tmp_path, when)
    assert not _hit(again) and _reports(again) == _reports(plain)
    assert _hit(_audit(repo, tmp_path, when))     # and the entry was written afresh


def test_results_are_bounded_per_repository(repo, tmp_path):
    from auditor import clock

    for day in range(1, 8):
        _audit(repo, tmp_path, clock.parse(f"2026-02-0{day}"))
    con = sqlite3.connect(tmp_path / "cache" / FILENAME)
    (count,) = con.execute("SELECT count(*) FROM results").fetchone()
    con.close()
    assert count == 4


def test_the_cli_repeat_audit_writes_the_same_file(scenario, tmp_path):
    import subprocess
    import sys

    path = scenario("seed003")
    outs = []
    for n in range(2):
        out = tmp_path / f"report{n}.md"
        subprocess.run([sys.executable, "-m", "auditor", "audit", str(path), "-q",
                        "--as-of", as_of_of("seed003").date.isoformat(),
                        "--cache-dir", str(tmp_path / "cache"), "--output", str(out)], check=True)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_cache_info_and_clear(scenario, tmp_path):
    from click.testing import CliRunner

    from auditor.cli import main

    cache = tmp_path / "cache"
    runner = CliRunner()
    empty = runner.invoke(main, ["cache", "info", "--cache-dir", str(cache)])
    assert empty.exit_code == 0 and "no cache yet" in empty.output
    path = scenario("mature")
    done = runner.invoke(main, ["audit", str(path), "-q", "--as-of", as_of_of("mature").date.isoformat(),
                                "--cache-dir", str(cache), "-o", str(tmp_path / "r.md")])
    assert done.exit_code == 0, done.output
    info = runner.invoke(main, ["cache", "info", "--cache-dir", str(cache)])
    assert info.exit_code == 0
    assert "1 repository" in info.output and "1 audit result" in info.output
    assert str(path) in info.output
    cleared = runner.invoke(main, ["cache", "clear", "--cache-dir", str(cache)])
    assert cleared.exit_code == 0 and not (cache / FILENAME).exists()
    assert "no cache yet" in runner.invoke(main, ["cache", "info", "--cache-dir", str(cache)]).output


def test_a_zero_cache_bound_keeps_nothing_and_changes_nothing(scenario, tmp_path):
    from click.testing import CliRunner

    from auditor.cli import main

    path, when = scenario("mature"), as_of_of("mature").date.isoformat()
    outs = []
    for n in range(2):
        out = tmp_path / f"r{n}.md"
        r = CliRunner().invoke(main, ["audit", str(path), "-q", "--as-of", when, "--cache-dir", str(tmp_path / "c"),
                                      "--cache-max-mb", "0", "-o", str(out)])
        assert r.exit_code == 0, r.output
        outs.append(out.read_text())
    assert outs[0] == outs[1]
    con = sqlite3.connect(tmp_path / "c" / FILENAME)
    assert con.execute("SELECT count(*) FROM results").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM chunks").fetchone()[0] == 0
    con.close()


def test_a_cache_it_could_not_use_is_a_note_on_stderr_never_in_the_report(scenario, tmp_path):
    from click.testing import CliRunner

    from auditor.cli import main

    path, when = scenario("mature"), as_of_of("mature").date.isoformat()
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / FILENAME).write_bytes(b"this is not a database" * 100)
    args = ["audit", str(path), "--as-of", when, "--cache-dir", str(cache)]
    noted = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "a.md")])
    assert noted.exit_code == 0, noted.output
    assert "auditor: note: the history cache was not used" in noted.stderr
    assert (cache / (FILENAME + ".damaged")).exists()
    quiet = CliRunner().invoke(main, [*args, "-q", "-o", str(tmp_path / "b.md")])
    assert quiet.exit_code == 0 and "note:" not in quiet.stderr
    plain = CliRunner().invoke(main, [*args[:-2], "--no-cache", "-q", "-o", str(tmp_path / "c.md")])
    assert plain.exit_code == 0
    assert (tmp_path / "a.md").read_text() == (tmp_path / "b.md").read_text() == (tmp_path / "c.md").read_text()
