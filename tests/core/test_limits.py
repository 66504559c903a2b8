"""Event Grid's 25 filters / 25 values / 512 characters limits."""

from __future__ import annotations

import pytest

from amlevents.core.errors import LimitExceededError
from amlevents.core.filters.limits import (
    MAX_STRING_VALUE_LENGTH,
    check_limits,
    check_string_length,
    limit_violations,
)
from amlevents.core.filters.model import AdvancedFilter, EventFilter, Operator


def null_tests(n: int) -> EventFilter:
    """``n`` filters that carry no values."""
    return EventFilter(advanced_filters=tuple(AdvancedFilter(Operator.IsNotNull, f"data.k{i}") for i in range(n)))


def strings(*values: str, key: str = "data.x") -> AdvancedFilter:
    return AdvancedFilter(Operator.StringIn, key, values=values)


def test_25_filters_are_allowed() -> None:
    check_limits(null_tests(25))


def test_26_filters_are_rejected_naming_the_limit() -> None:
    with pytest.raises(LimitExceededError) as info:
        check_limits(null_tests(26))
    assert str(info.value) == "26 advanced filters exceed the Event Grid limit of 25 per event subscription"
    assert info.value.hint


def test_25_values_across_filters_are_allowed() -> None:
    check_limits(EventFilter(advanced_filters=(strings(*"abcdefghijklmnopqrstuvwx"), strings("y"))))


def test_26_values_across_filters_are_rejected_naming_the_limit() -> None:
    f = EventFilter(advanced_filters=(strings(*"abcdefghijklmnopqrstuvwxy"), strings("z")))
    with pytest.raises(LimitExceededError) as info:
        check_limits(f)
    assert str(info.value) == "26 filter values exceed the Event Grid limit of 25 values across all advanced filters"


def test_a_range_counts_as_one_value() -> None:
    ranges = AdvancedFilter(Operator.NumberInRange, "d", values=((1, 2),) * 26)
    assert limit_violations(EventFilter(advanced_filters=(ranges,))) == [
        "26 filter values exceed the Event Grid limit of 25 values across all advanced filters"
    ]


def test_single_value_operators_count_one_each() -> None:
    number = AdvancedFilter(Operator.NumberLessThan, "d", value=1)
    boolean = AdvancedFilter(Operator.BoolEquals, "d", value=True)
    messages = limit_violations(EventFilter(advanced_filters=(strings(*"abcdefghijklmnopqrstuvwx"), number, boolean)))
    assert messages == ["26 filter values exceed the Event Grid limit of 25 values across all advanced filters"]


def test_null_tests_count_no_values() -> None:
    f = EventFilter(advanced_filters=(*null_tests(24).filters, strings(*"abcdefghijklmnopqrstuvwxy")))
    assert limit_violations(f) == []


def test_512_character_string_is_allowed() -> None:
    check_limits(EventFilter(advanced_filters=(strings("x" * 512),)))


def test_513_character_string_is_rejected_naming_key_and_limit() -> None:
    with pytest.raises(LimitExceededError) as info:
        check_limits(EventFilter(advanced_filters=(strings("x" * 513, key="data.x"),)))
    assert str(info.value) == "a string value of 513 characters in filter 'data.x' exceeds the limit of 512 characters"


def test_check_string_length_alone() -> None:
    check_string_length("x" * MAX_STRING_VALUE_LENGTH, "data.x")
    with pytest.raises(LimitExceededError, match="513 characters in filter 'data.y'"):
        check_string_length("x" * 513, "data.y")


def test_limit_violations_lists_every_problem_in_order() -> None:
    long_values = tuple(strings("x" * 600) for _ in range(26))
    messages = limit_violations(EventFilter(advanced_filters=long_values))
    assert len(messages) == 2 + 26
    assert messages[0].startswith("26 advanced filters")
    assert messages[1].startswith("26 filter values")
    assert messages[2].startswith("a string value of 600 characters")


def test_absent_filter_has_no_violations() -> None:
    assert limit_violations(EventFilter()) == []


def test_check_limits_raises_the_first_violation() -> None:
    with pytest.raises(LimitExceededError, match="^26 advanced filters"):
        check_limits(EventFilter(advanced_filters=tuple(strings("x" * 600) for _ in range(26))))
