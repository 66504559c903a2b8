"""Properties of the filter grammar and the wire model, over generated inputs."""

from __future__ import annotations

from typing import Any

from campaigns import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from amlevents.core.errors import FilterSyntaxError
from amlevents.core.filters.model import (
    AdvancedFilter,
    EventFilter,
    Operator,
    ValueKind,
)
from amlevents.core.filters.parse import format_advanced_filter, parse_advanced_filter

EXAMPLES = settings(max_examples=examples(200), deadline=None)

OPERATOR_NAMES = [op.value for op in Operator]


@st.composite
def operator_in_random_case(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(OPERATOR_NAMES))
    upper = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    return "".join(c.upper() if u else c.lower() for c, u in zip(name, upper))


NUMBER_TEXT = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1,10", "10,1", "1,", ",", "1,2,3", "nan", "inf", "-Infinity", "1e999", ".5", "1_0"]),
)
SYNTAX = st.sampled_from(["(", ")", ",", "((", "))", "'", '"', "('a',", "'b')", "(1,10)", "true", "FALSE", "", " "])
TOKEN = st.one_of(
    operator_in_random_case(),
    NUMBER_TEXT,
    SYNTAX,
    st.text(max_size=8),
    st.text(alphabet="()'\",. a1é\t", max_size=8),
)
# key, operator, values: most lists get past the key and operator and so exercise the value grammar
SHAPED_TOKENS = st.tuples(st.text(min_size=1, max_size=6), operator_in_random_case(), st.lists(TOKEN, max_size=6)).map(
    lambda t: [t[0], t[1], *t[2]]
)
TOKEN_LISTS = st.one_of(st.lists(TOKEN, max_size=8), SHAPED_TOKENS)


def parse_or_none(expr: str | list[str]) -> AdvancedFilter | None:
    """The parsed filter, or None for a FilterSyntaxError (any other exception fails the test)."""
    try:
        return parse_advanced_filter(expr)
    except FilterSyntaxError as err:
        assert 0 <= err.position <= len(err.source)
        return None


@EXAMPLES
@given(TOKEN_LISTS)
def test_token_lists_never_raise_anything_but_syntax_errors(tokens: list[str]) -> None:
    parse_or_none(tokens)


@EXAMPLES
@given(st.one_of(TOKEN_LISTS.map(" ".join), st.text(max_size=40)))
def test_strings_never_raise_anything_but_syntax_errors(text: str) -> None:
    parse_or_none(text)


@EXAMPLES
@given(TOKEN_LISTS)
def test_parsed_filter_formats_back_to_itself(tokens: list[str]) -> None:
    f = parse_or_none(tokens)
    if f is not None:
        assert parse_advanced_filter(format_advanced_filter(f)) == f
        assert AdvancedFilter.from_wire(f.to_wire()) == f


PLAIN_WORD = st.text(alphabet="abcXYZ019.-+e", min_size=1, max_size=6)


@EXAMPLES
@given(st.lists(st.one_of(PLAIN_WORD, operator_in_random_case()), min_size=2, max_size=6))
def test_plain_token_list_parses_like_the_joined_string(tokens: list[str]) -> None:
    assert parse_or_none(tokens) == parse_or_none(" ".join(tokens))


# --- the wire model: from_wire(d).to_wire() == d -------------------------------------------------------

NUMBERS = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(2**53), 2**53))
KEYS = st.text(min_size=1, max_size=12)


@st.composite
def ranges(draw: st.DrawFn) -> list[Any]:
    low, high = sorted([draw(NUMBERS), draw(NUMBERS)])
    return [low, high]


VALUE_FIELDS = {
    ValueKind.NONE: st.just({}),
    ValueKind.NUMBER: st.fixed_dictionaries({"value": NUMBERS}),
    ValueKind.BOOL: st.fixed_dictionaries({"value": st.booleans()}),
    ValueKind.NUMBERS: st.fixed_dictionaries({"values": st.lists(NUMBERS, min_size=1, max_size=5)}),
    ValueKind.STRINGS: st.fixed_dictionaries({"values": st.lists(st.text(max_size=10), min_size=1, max_size=5)}),
    ValueKind.RANGES: st.fixed_dictionaries({"values": st.lists(ranges(), min_size=1, max_size=4)}),
}


@st.composite
def wire_advanced_filters(draw: st.DrawFn, keys: st.SearchStrategy[str] = KEYS) -> dict[str, Any]:
    op = draw(st.sampled_from(list(Operator)))
    return {"operatorType": op.value, "key": draw(keys), **draw(VALUE_FIELDS[op.kind])}


WIRE_FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "includedEventTypes": st.lists(st.text(max_size=20), max_size=3),
        "subjectBeginsWith": st.text(max_size=10),  # "" included: the service echoes it
        "subjectEndsWith": st.text(max_size=10),
        "isSubjectCaseSensitive": st.booleans(),
        "enableAdvancedFilteringOnArrays": st.booleans(),
        "advancedFilters": st.lists(wire_advanced_filters(), max_size=5),
    },
)


@EXAMPLES
@given(WIRE_FILTERS)
def test_wire_filter_round_trips_unchanged(wire: dict[str, Any]) -> None:
    assert EventFilter.from_wire(wire).to_wire() == wire


# keys with whitespace cannot be written in the az form (nor used by Event Grid)
AZ_KEYS = KEYS.filter(lambda k: not any(c.isspace() for c in k))


@EXAMPLES
@given(wire_advanced_filters(keys=AZ_KEYS))
def test_every_valid_filter_formats_to_text_that_parses_back(wire: dict[str, Any]) -> None:
    f = AdvancedFilter.from_wire(wire)
    assert parse_advanced_filter(format_advanced_filter(f)) == f


def docs_quote(value: str) -> str:
    return f"'{value}'" if "'" not in value else f'"{value}"'


@EXAMPLES
@given(st.lists(st.text(max_size=8).filter(lambda v: not ("'" in v and '"' in v)), min_size=1, max_size=5))
def test_docs_form_list_parses_to_its_strings(values: list[str]) -> None:
    text = "data.k StringIn (" + ", ".join(docs_quote(v) for v in values) + ")"
    assert parse_advanced_filter(text).values == tuple(values)
