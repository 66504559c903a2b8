"""Lists are written as their items arrive, byte for byte as the whole list would be written."""

from __future__ import annotations

import io
import json
import sys

import pytest

from amlevents.cli.output import Column, OutputFormat, emit, emit_items

ITEMS = [
    {"name": "a", "properties": {"labels": ["x", "y"], "n": 1, "empty": {}, "none": None}},
    {"name": "b\u00e9", "properties": {"text": "line\nbreak \"quoted\"", "list": []}},
    {"name": "c", "properties": {}},
]
COLUMNS = [Column("Name", "name"), Column("Props", lambda r: r.get("properties"))]


def _capture(monkeypatch: pytest.MonkeyPatch, write) -> str:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    write()
    return out.getvalue()


@pytest.mark.parametrize("fmt", [OutputFormat.json, OutputFormat.yaml, OutputFormat.tsv])
@pytest.mark.parametrize("items", [ITEMS, ITEMS[:1], []], ids=["three", "one", "none"])
def test_a_streamed_list_is_written_exactly_as_the_whole_list(monkeypatch, fmt, items) -> None:
    whole = _capture(monkeypatch, lambda: emit(items, fmt, columns=COLUMNS))
    streamed = _capture(monkeypatch, lambda: emit_items(iter(items), fmt, columns=COLUMNS))
    assert streamed == whole


def test_items_are_written_before_the_last_one_is_read(monkeypatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    seen: list[str] = []

    def pages():
        yield ITEMS[0]
        seen.append(out.getvalue())  # what stdout held when the second item was asked for
        yield ITEMS[1]

    emit_items(pages(), OutputFormat.json)
    assert '"name": "a"' in seen[0]
    assert json.loads(out.getvalue()) == ITEMS[:2]


def test_a_list_that_fails_part_way_still_leaves_one_json_document(monkeypatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)

    def pages():
        yield ITEMS[0]
        raise RuntimeError("page 2 failed")

    with pytest.raises(RuntimeError, match="page 2"):
        emit_items(pages(), OutputFormat.json)
    assert json.loads(out.getvalue()) == ITEMS[:1]


def test_a_query_sees_the_whole_list(monkeypatch) -> None:
    text = _capture(monkeypatch, lambda: emit_items(iter(ITEMS), OutputFormat.json, query="length(@)"))
    assert json.loads(text) == 3


def test_a_list_that_fails_before_its_first_item_writes_nothing(monkeypatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)

    def pages():
        raise RuntimeError("sign-in refused")
        yield  # pragma: no cover - a generator that fails at once

    with pytest.raises(RuntimeError, match="sign-in"):
        emit_items(pages(), OutputFormat.json)
    assert out.getvalue() == ""


@pytest.mark.parametrize("item", [
    ITEMS[0], ITEMS[1], {"n": 2**70}, {"nan": float("nan")}, {1: "int key"}, {"é": "\u2028 \x00"},
], ids=["nested", "text", "big-int", "nan", "int-key", "unicode"])
def test_items_are_indented_as_the_standard_library_does(item) -> None:
    from amlevents.cli.output import _indented, _json

    assert _indented(item) == _json(item, indent=2)
