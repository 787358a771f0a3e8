"""Safe, bounded YAML: triggers stay strings, unsafe documents are refused."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.yamlsafe import YamlRejected, load, load_all


def test_on_key_is_a_string_not_true():
    doc = load("on:\n  push:\n  pull_request:\njobs: {}\n")
    assert list(doc) == ["on", "jobs"]


def test_yes_no_stay_strings_but_true_false_are_booleans():
    assert load("a: yes\nb: no\nc: true\nd: False") == {"a": "yes", "b": "no", "c": True, "d": False}


def test_python_tags_are_refused():
    with pytest.raises(YamlRejected, match="python"):
        load('!!python/object/apply:os.system ["touch /tmp/pwned"]')


def test_billion_laughs_is_refused():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(YamlRejected, match="expand"):
        load("\n".join(lines))


def test_huge_and_deep_documents_are_refused():
    with pytest.raises(YamlRejected):
        load("x: " + "a" * 1_100_000)
    with pytest.raises(YamlRejected):
        load("[" * 200 + "]" * 200)


def test_gitlab_reference_tag_is_kept_as_data():
    assert load("script: !reference [.setup, script]") == {"script": [".setup", "script"]}


def test_invalid_yaml_is_a_typed_error_with_a_line():
    with pytest.raises(YamlRejected, match="line"):
        load("a: [1, 2\nb: 3")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_data_or_a_typed_error(text):
    try:
        load_all(text)
    except YamlRejected:
        pass
