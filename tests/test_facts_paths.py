"""What a path is by convention, with the cases public repositories taught."""

import pytest

from auditor.facts import paths as P


@pytest.mark.parametrize(("path", "test"), [
    ("t/t0000-basic.sh", True),             # git's test scripts
    ("t/test-lib.sh", True),
    ("t/helper/test-tool.c", True),
    ("lib/Foo/t/basic.t", True),            # Perl's convention
    ("contrib/t/x.pl", True),
    ("tools/t.sh", False),
    ("src/t/main.c", False),                # a t/ folder of source code
    ("tests/test_api.py", True),
    ("src/app.py", False),
])
def test_test_paths(path, test):
    assert P.is_test(path) is test


@pytest.mark.parametrize(("path", "changelog"), [
    ("CHANGELOG.md", True),
    ("HISTORY.rst", True),
    ("CHANGES", True),
    ("NEWS", True),
    ("docs/en/docs/release-notes.md", True),
    ("Documentation/RelNotes/2.55.0.adoc", True),   # git's per-release notes
    ("RelNotes", True),
    ("guides/source/2_2_release_notes.md", True),   # rails' release notes in its guides
    ("docs/v1.2-changelog.md", True),
    ("builtin/history.c", False),                  # git's `git history` command is code, not a changelog
    ("src/news.ts", False),
    ("app/models/changes.rb", False),
])
def test_changelog_paths(path, changelog):
    assert P.is_changelog(path) is changelog


def test_answers_are_cached_per_path():
    P.is_test.cache_clear()
    for _ in range(3):
        P.is_test("t/t0000-basic.sh")
    info = P.is_test.cache_info()
    assert (info.hits, info.misses) == (2, 1)
