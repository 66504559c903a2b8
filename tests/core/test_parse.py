"""The --advanced-filter grammar: every operator's wire JSON, the docs form, and errors with carets."""

from __future__ import annotations

import pytest

from amlevents.core.errors import FilterSyntaxError
from amlevents.core.filters.model import AdvancedFilter, Operator
from amlevents.core.filters.parse import format_advanced_filter, parse_advanced_filter


def wire(op: str, key: str = "data.k", **value: object) -> dict[str, object]:
    return {"operatorType": op, "key": key, **value}


OPERATOR_CASES = [
    # az parity: the recorded requests in az-cli.md section 5
    ("data.key2 NumberIn 2 3 4 100 200", wire("NumberIn", "data.key2", values=[2.0, 3.0, 4.0, 100.0, 200.0])),
    ("data.key2 StringIn 2 3 4 100 200", wire("StringIn", "data.key2", values=["2", "3", "4", "100", "200"])),
    ("data.key1 IsNullOrUndefined", wire("IsNullOrUndefined", "data.key1")),
    ("data.key2 IsNotNull", wire("IsNotNull", "data.key2")),
    ("data.k NumberInRange 1,10", wire("NumberInRange", values=[[1.0, 10.0]])),
    ("data.k NumberNotInRange 10,12 50,55", wire("NumberNotInRange", values=[[10.0, 12.0], [50.0, 55.0]])),
    ("data.k StringNotBeginsWith Red Blue Green", wire("StringNotBeginsWith", values=["Red", "Blue", "Green"])),
    ("data.k StringNotEndsWith Red Blue Green", wire("StringNotEndsWith", values=["Red", "Blue", "Green"])),
    ("data.k StringNotContains Red Blue Green", wire("StringNotContains", values=["Red", "Blue", "Green"])),
    # the remaining operators
    ("data.k NumberNotIn 41 0", wire("NumberNotIn", values=[41.0, 0.0])),
    ("data.k NumberLessThan 100", wire("NumberLessThan", value=100.0)),
    ("data.k NumberGreaterThan 20", wire("NumberGreaterThan", value=20.0)),
    ("data.k NumberLessThanOrEquals -1.5", wire("NumberLessThanOrEquals", value=-1.5)),
    ("data.k NumberGreaterThanOrEquals 3e1", wire("NumberGreaterThanOrEquals", value=30.0)),
    ("data.k BoolEquals true", wire("BoolEquals", value=True)),
    ("data.k BoolEquals false", wire("BoolEquals", value=False)),
    ("data.k StringNotIn aws bridge", wire("StringNotIn", values=["aws", "bridge"])),
    ("data.k StringBeginsWith event message", wire("StringBeginsWith", values=["event", "message"])),
    ("data.k StringEndsWith jpg png", wire("StringEndsWith", values=["jpg", "png"])),
    ("data.k StringContains microsoft azure", wire("StringContains", values=["microsoft", "azure"])),
]


@pytest.mark.parametrize(("text", "expected"), OPERATOR_CASES, ids=[c[0] for c in OPERATOR_CASES])
def test_operator_parses_to_wire_json(text: str, expected: dict[str, object]) -> None:
    assert parse_advanced_filter(text).to_wire() == expected


def test_every_operator_is_covered() -> None:
    assert {expected["operatorType"] for _, expected in OPERATOR_CASES} == {op.value for op in Operator}


def test_numbers_become_floats_like_az() -> None:
    value = parse_advanced_filter("data.k NumberLessThan 2").value
    assert isinstance(value, float)


def test_bool_equals_false_stays_false() -> None:
    # az sends bool("false") == True; we must not
    assert parse_advanced_filter("data.k BoolEquals FALSE").value is False


@pytest.mark.parametrize("name", ["numberin", "NUMBERIN", "nUmBeRiN"])
def test_operator_is_case_insensitive(name: str) -> None:
    assert parse_advanced_filter(f"data.k {name} 1").to_wire() == wire("NumberIn", values=[1.0])


DOCS_CASES = [
    ("data.ModelTags.key1 StringIn ('value1')", wire("StringIn", "data.ModelTags.key1", values=["value1"])),
    ("data.k StringIn ('a', 'b')", wire("StringIn", values=["a", "b"])),
    ("data.k StringIn (\"a b\", c,'d')", wire("StringIn", values=["a b", "c", "d"])),
    ("data.k StringIn ('a,b', ')')", wire("StringIn", values=["a,b", ")"])),
    ("data.k StringIn('a')", wire("StringIn", values=["a"])),
    ("data.k NumberIn ( 1 , 2 )", wire("NumberIn", values=[1.0, 2.0])),
    ("data.k NumberLessThan (5)", wire("NumberLessThan", value=5.0)),
    ("data.k BoolEquals (true)", wire("BoolEquals", value=True)),
    ("data.k NumberInRange (1,10)", wire("NumberInRange", values=[[1.0, 10.0]])),
    ("data.k NumberInRange ((1,10), (20,30))", wire("NumberInRange", values=[[1.0, 10.0], [20.0, 30.0]])),
    ("data.k NumberNotInRange ('1,10')", wire("NumberNotInRange", values=[[1.0, 10.0]])),
]


@pytest.mark.parametrize(("text", "expected"), DOCS_CASES, ids=[c[0] for c in DOCS_CASES])
def test_docs_form_parses(text: str, expected: dict[str, object]) -> None:
    assert parse_advanced_filter(text).to_wire() == expected


VERBATIM_CASES = [
    ("data.k StringIn a,b", ["a,b"]),  # az keeps commas in string values
    ("data.k StringIn a (b", ["a", "(b"]),  # only a first value starting with "(" opens the docs form
    ("data.k StringIn '(b)'", ["(b)"]),
    ("data.k StringIn 'a b' \"it's\" ''", ["a b", "it's", ""]),
    ("data.k StringIn ab'c d'e", ["abc de"]),
]


@pytest.mark.parametrize(("text", "values"), VERBATIM_CASES, ids=[c[0] for c in VERBATIM_CASES])
def test_string_values_are_kept_verbatim(text: str, values: list[str]) -> None:
    assert parse_advanced_filter(text).to_wire()["values"] == values


def test_key_is_passed_through_unchanged() -> None:
    assert parse_advanced_filter("Data.Weird-Key$ IsNotNull").key == "Data.Weird-Key$"


@pytest.mark.parametrize(
    "tokens",
    [
        ["data.key2", "NumberIn", "2", "3"],
        ["data.k", "NumberNotInRange", "10,12", "50,55"],
        ["data.k", "StringIn", "('a',", "'b')"],
    ],
)
def test_token_list_equals_joined_string(tokens: list[str]) -> None:
    assert parse_advanced_filter(tokens) == parse_advanced_filter(" ".join(tokens))


def test_token_with_spaces_or_quotes_stays_one_value() -> None:
    f = parse_advanced_filter(["data.k", "StringIn", "a b", "it's", ""])
    assert f.values == ("a b", "it's", "")


def test_single_token_list_is_the_whole_expression() -> None:
    assert parse_advanced_filter(["data.k StringIn a b"]) == parse_advanced_filter("data.k StringIn a b")


def test_token_list_error_points_into_displayed_text() -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_advanced_filter(["data.k", "NumberIn", "two words"])
    assert info.value.source == "data.k NumberIn 'two words'"
    assert (info.value.position, info.value.length) == (16, 11)


BAD_CASES = [
    # (input, message substring, position, length)
    ("data.key2 NumberEq 2", "unknown operator 'NumberEq'", 10, 8),
    ("data.k BoolEquals maybe", "BoolEquals takes true or false, not 'maybe'", 18, 5),
    ("data.k NumberIn 1 abc", "NumberIn takes numbers, not 'abc'", 18, 3),
    ("data.k NumberInRange 5", "NumberInRange range '5' is not low,high", 21, 1),
    ("data.k NumberInRange 1,2,3", "NumberInRange range '1,2,3' is not low,high", 21, 5),
    ("data.k NumberInRange 10,1", "NumberInRange range '10,1' has low > high", 21, 4),
    ("data.k NumberInRange ((1,10), (x,2))", "NumberInRange range '(x,2)' takes numbers, not 'x'", 30, 5),
    ("data.k IsNotNull 1", "IsNotNull takes no value", 17, 1),
    ("data.k IsNullOrUndefined 1 2", "IsNullOrUndefined takes no value", 25, 3),
    ("data.k StringIn", "StringIn needs at least one value", 15, 1),
    ("data.k StringIn   ", "StringIn needs at least one value", 15, 1),
    ("data.k StringIn ()", "StringIn needs at least one value", 16, 2),
    ("data.k NumberLessThan", "NumberLessThan needs a value", 21, 1),
    ("data.k NumberLessThan 2 3 4", "NumberLessThan takes exactly one value, got 3", 24, 3),
    ("data.k", "missing operator", 6, 1),
    ("", "missing key and operator", 0, 1),
    ("   ", "missing key and operator", 0, 1),
    ("'a b' IsNotNull", "key 'a b' contains whitespace", 0, 5),
    ("'' IsNotNull", "key '' is empty", 0, 2),
    ("data.k StringIn 'abc", "unterminated quote", 16, 1),
    ("data.k NumberIn nan", "NumberIn takes finite numbers, not 'nan'", 16, 3),
    ("data.k NumberIn -Infinity", "NumberIn takes finite numbers, not '-Infinity'", 16, 9),
    ("data.k NumberIn 1e999", "NumberIn takes finite numbers, not '1e999'", 16, 5),
    ("data.k NumberIn 1_000", "NumberIn takes numbers, not '1_000'", 16, 5),
    ("data.k StringIn ('a'", "unclosed '('", 16, 1),
    ("data.k StringIn ('a',)", "missing value after ','", 21, 1),
    ("data.k StringIn (,'a')", "missing value before ','", 17, 1),
    ("data.k StringIn ('a' 'b')", "expected ',' or ')' before 'b'", 21, 3),
    ("data.k StringIn ('a') 'b'", "unexpected text after the value list", 22, 3),
    ("data.k StringIn (('a'))", "nested parentheses are only for NumberInRange", 17, 5),
    ("data.k NumberInRange (((1,2)))", "too many parentheses", 23, 1),
    ("data.k NumberInRange (1,10,20)", "NumberInRange range '(1,10,20)' is not low,high", 21, 9),
]


@pytest.mark.parametrize(("text", "message", "position", "length"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_is_rejected_with_a_caret(text: str, message: str, position: int, length: int) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_advanced_filter(text)
    assert message in info.value.message
    assert (info.value.position, info.value.length) == (position, length)
    assert info.value.hint


def test_unknown_operator_renders_input_and_caret() -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_advanced_filter("data.key2 NumberEq 2")
    assert info.value.render() == "  data.key2 NumberEq 2\n            ^^^^^^^^"


def test_missing_value_renders_caret_after_the_input() -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_advanced_filter("data.key2 NumberIn")
    assert info.value.render() == "  data.key2 NumberIn\n                    ^"


def test_reversed_range_renders_caret_and_suggests_the_swap() -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_advanced_filter("data.k NumberInRange 1,10 30,20")
    assert info.value.render() == "  data.k NumberInRange 1,10 30,20\n                            ^^^^^"
    assert info.value.hint == "Put the smaller number first, e.g. 20,30."


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [("NumberEq", "NumberIn"), ("FooNumberLessThan", "NumberLessThan"), ("string_in", "StringIn")],
)
def test_unknown_operator_hint_suggests_the_closest(typo: str, suggestion: str) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_advanced_filter(f"data.k {typo} 1")
    assert info.value.hint is not None
    assert info.value.hint.startswith(f"Did you mean {suggestion}? The operators are NumberIn, ")


def test_unknown_operator_without_a_close_match_lists_operators() -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_advanced_filter("data.k zzz 1")
    assert info.value.hint is not None
    assert info.value.hint.startswith("The operators are NumberIn, ")


FORMAT_CASES = [
    (AdvancedFilter(Operator.NumberIn, "data.k", values=(2.0, 0.5)), "data.k NumberIn 2 0.5"),
    (AdvancedFilter(Operator.NumberInRange, "data.k", values=((1.0, 10.0),)), "data.k NumberInRange 1,10"),
    (AdvancedFilter(Operator.BoolEquals, "data.k", value=False), "data.k BoolEquals false"),
    (AdvancedFilter(Operator.StringIn, "data.k", values=("a b", "it's", "(x")), "data.k StringIn 'a b' \"it's\" '(x'"),
    (AdvancedFilter(Operator.IsNotNull, "data.k"), "data.k IsNotNull"),
    (AdvancedFilter(Operator.NumberLessThan, "data.k", value=1e20), "data.k NumberLessThan 1e+20"),
]


@pytest.mark.parametrize(("f", "text"), FORMAT_CASES, ids=[c[1] for c in FORMAT_CASES])
def test_format_renders_az_text_that_parses_back(f: AdvancedFilter, text: str) -> None:
    assert format_advanced_filter(f) == text
    assert parse_advanced_filter(text) == f
