"""Fuzz targets: the CLI, in-process, on hostile input. Each must end with exit 0 (valid JSON on stdout) or exit 2
(an ``Error:`` message), never a traceback or exit 1. Profiles: see ``conftest.py``."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .oracle import FUZZ, check
from .strategies import (
    ARGV_WORDS,
    ASSIGNMENTS,
    EVENT_TEXTS,
    FILTER_EXPRESSIONS,
    FILTER_TEXTS,
    MANIFEST_TEXTS,
    OPTION_VALUES,
)

# Arrays on, and one filter of each value kind, so every event reaches evaluation of every kind.
FILTER_FLAGS = ["--enable-advanced-filtering-on-arrays",
                "--advanced-filter", "data.ModelVersion", "NumberInRange", "1,10",
                "--advanced-filter", "data.ModelTags.area", "StringContains", "dia",
                "--advanced-filter", "data.ModelProperties.ok", "BoolEquals", "true",
                "--advanced-filter", "subject", "IsNotNull"]


@pytest.fixture
def sample(run, tmp_path):
    path = tmp_path / "sample.json"
    path.write_text(run.ok("events", "sample", "ModelRegistered", "-o", "json").stdout, encoding="utf-8")
    return str(path)


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return str(path)


@FUZZ
@given(words=FILTER_EXPRESSIONS)
def test_advanced_filter_grammar(run, sample, words):
    check(run("events", "test", "-e", sample, "--advanced-filter", *words, "-o", "json"))


@FUZZ
@given(text=EVENT_TEXTS)
def test_event_json(run, tmp_path, text):
    check(run("events", "test", "-e", write(tmp_path, "event.json", text), *FILTER_FLAGS, "-o", "json"))


@FUZZ
@given(text=EVENT_TEXTS)
def test_event_json_on_stdin(run, text):
    check(run("events", "test", "-e", "-", "--subject-begins-with", "models/", "-o", "json", input=text))


@FUZZ
@given(text=FILTER_TEXTS)
def test_filter_json(run, tmp_path, sample, text):
    check(run("events", "test", "-e", sample, "--filter", write(tmp_path, "filter.json", text), "-o", "json"))


@FUZZ
@given(text=MANIFEST_TEXTS)
def test_manifest_yaml_and_json(run, tmp_path, text):
    check(run("manifest", "validate", "-f", write(tmp_path, "manifest.yaml", text), "-o", "json"))


@FUZZ
@given(assignments=st.lists(ASSIGNMENTS, min_size=1, max_size=3))
def test_set_assignments(run, assignments):
    args = [word for assignment in assignments for word in ("--set", assignment)]
    data = check(run("events", "sample", "ModelRegistered", *args, "-o", "json"))
    assert data is None or isinstance(data, dict)


# Options whose values the CLI parses itself (the rest are Click choices or free text passed through).
OPTIONS = [
    ("events", "sample", "ModelRegistered", "--schema"),
    ("events", "sample", "ModelRegistered", "--casing"),
    ("events", "sample"),
    ("events", "list", "--query"),
    ("events", "sample", "ModelRegistered", "-o", "json", "--query"),
    ("events", "list", "-o"),
    ("manifest", "schema", "-o"),
    ("events", "test", "-e", "{sample}", "--event-type"),
    ("events", "test", "-e", "{sample}", "--subject-begins-with"),
    ("events", "test", "-e", "{sample}", "--subject-ends-with"),
    ("events", "test", "-e", "{sample}", "--subject-case-sensitive"),
    ("events", "test", "-e"),
    ("events", "test", "-e", "{sample}", "--filter"),
    ("manifest", "validate", "-f"),
]


@FUZZ
@given(option=st.sampled_from(OPTIONS), value=OPTION_VALUES)
def test_option_values(run, sample, option, value):
    args = [word.replace("{sample}", sample) for word in option]
    json_output = "-o" not in args  # an -o under test may ask for a table
    check(run(*args, value, *(["-o", "json"] if json_output else [])), json_output=json_output)


PREFIXES = [(), ("events",), ("events", "sample", "ModelRegistered"), ("events", "list"), ("events", "test"),
            ("manifest", "validate"), ("manifest", "schema")]


@FUZZ
@given(prefix=st.sampled_from(PREFIXES), words=st.lists(ARGV_WORDS, max_size=5))
def test_argv_bytes(run, prefix, words):
    result = run(*prefix, *words)
    check(result, json_output=False)
    if any("\udc80" <= ch <= "\udcff" for word in words for ch in word):
        assert result.exit_code == 2 and "is not valid UTF-8 text" in result.stderr
    elif result.exit_code == 0 and "json" in words:
        json.loads(result.stdout)  # -o json somewhere among the words: still JSON
