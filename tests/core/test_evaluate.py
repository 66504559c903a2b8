"""Event Grid filter evaluation: operators, keys, subject, event types, verdicts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from amlevents.core.errors import InvalidInputError
from amlevents.core.filters.evaluate import (
    Check,
    Verdict,
    detect_schema,
    evaluate,
    resolve_key,
)
from amlevents.core.filters.model import (
    AdvancedFilter,
    EventFilter,
    Operator,
    ValueKind,
)

O = Operator
MISSING = object()
OFF, ON = False, True
RANGES = [(3.14159, 999.95), (3000, 4000)]

# operator -> (filter value(s), [(event value or MISSING, arrays flag, delivered)])
# Every operator: match, no match, missing key, null, array with arrays off/on, type mismatch, string case.
OPERATOR_CASES: dict[Operator, tuple[Any, list[tuple[Any, bool, bool]]]] = {
    O.NumberIn: ([5, 1], [(5, OFF, True), (7, OFF, False), (MISSING, OFF, False), (None, OFF, False),
                          ([5], OFF, False), ([7, 5], ON, True), ([7], ON, False), ("5", OFF, False),
                          (True, OFF, False)]),
    O.NumberNotIn: ([41, 0], [(7, OFF, True), (41, OFF, False), (MISSING, OFF, True), (None, OFF, True),
                              ([7], OFF, False), ([7, 8], ON, True), ([7, 41], ON, False), ("7", OFF, False),
                              ("7", ON, False), (["41"], ON, True)]),
    O.NumberLessThan: (100, [(99, OFF, True), (100, OFF, False), (MISSING, OFF, False), (None, OFF, False),
                             ([1], OFF, False), ([200, 1], ON, True), ([200], ON, False), ("1", OFF, False)]),
    O.NumberGreaterThan: (20, [(21, OFF, True), (20, OFF, False), (MISSING, OFF, False), (None, OFF, False),
                               ([30], OFF, False), ([1, 30], ON, True), ("30", OFF, False), (True, OFF, False)]),
    O.NumberLessThanOrEquals: (100, [(100, OFF, True), (100.5, OFF, False), (MISSING, OFF, False),
                                     (None, OFF, False), ([1], OFF, False), ([1], ON, True), ("1", OFF, False)]),
    O.NumberGreaterThanOrEquals: (30, [(30, OFF, True), (29.99, OFF, False), (MISSING, OFF, False),
                                       (None, OFF, False), ([30], OFF, False), ([30], ON, True),
                                       ("30", OFF, False)]),
    O.NumberInRange: (RANGES, [(999.95, OFF, True), (3000, OFF, True), (1000, OFF, False),
                               (MISSING, OFF, False), (None, OFF, False), ([5], OFF, False),
                               ([1, 3500], ON, True), ([1], ON, False), ("5", OFF, False)]),
    O.NumberNotInRange: (RANGES, [(1000, OFF, True), (3.14159, OFF, False), (MISSING, OFF, True),
                                  (None, OFF, True), ([1000], OFF, False), ([1000], ON, True),
                                  ([1000, 5], ON, False), ("1000", OFF, False)]),
    O.BoolEquals: (True, [(True, OFF, True), (False, OFF, False), (MISSING, OFF, False), (None, OFF, False),
                          ([True], OFF, False), ([False, True], ON, True), ("true", OFF, False), (1, OFF, False)]),
    O.StringIn: (["contoso", "FabriKam"], [("fabrikam", OFF, True), ("FABRIKAM", OFF, True),
                                           ("contosos", OFF, False), (MISSING, OFF, False), (None, OFF, False),
                                           (["contoso"], OFF, False), (["x", "CONTOSO"], ON, True),
                                           ([{"k": "contoso"}], ON, False), (5, OFF, False),
                                           ({"k": "contoso"}, OFF, False)]),
    O.StringNotIn: (["aws", "Bridge"], [("gcp", OFF, True), ("AWS", OFF, False), (MISSING, OFF, True),
                                        (None, OFF, True), (["gcp"], OFF, False), (["gcp"], ON, True),
                                        (["gcp", "bridge"], ON, False), ([{"a": "aws"}], ON, True),
                                        (5, OFF, False), (5, ON, False)]),
    O.StringBeginsWith: (["event", "Message"], [("event hubs", OFF, True), ("EVENT hubs", OFF, True),
                                                ("hubs event", OFF, False), (MISSING, OFF, False),
                                                (None, OFF, False), (["event"], OFF, False),
                                                (["x", "message q"], ON, True), (5, OFF, False)]),
    O.StringNotBeginsWith: (["Event"], [("hubs", OFF, True), ("event hubs", OFF, False), (MISSING, OFF, False),
                                        (None, OFF, False), (["hubs"], OFF, False), (["hubs"], ON, True),
                                        (["hubs", "events"], ON, False), (5, OFF, False)]),
    O.StringEndsWith: (["jpg", "PNG"], [("a.png", OFF, True), ("A.Png", OFF, True), ("a.gif", OFF, False),
                                        (MISSING, OFF, False), (None, OFF, False), (["a.png"], OFF, False),
                                        (["a.gif", "b.jpg"], ON, True), (5, OFF, False)]),
    O.StringNotEndsWith: (["JPG"], [("a.png", OFF, True), ("a.jpg", OFF, False), (MISSING, OFF, False),
                                    (None, OFF, False), (["a.png"], OFF, False), ([], ON, True),
                                    (["a.jpg"], ON, False), (5, OFF, False)]),
    O.StringContains: (["microsoft", "Azure"], [("azure data factory", OFF, True), ("AZURE", OFF, True),
                                                ("aws", OFF, False), (MISSING, OFF, False), (None, OFF, False),
                                                (["azure"], OFF, False), (["aws", "my azure"], ON, True),
                                                (5, OFF, False)]),
    O.StringNotContains: (["contoso", "Fabrikam"], [("azure", OFF, True), ("fabrikam inc", OFF, False),
                                                    (MISSING, OFF, False), (None, OFF, False),
                                                    (["azure"], OFF, False), (["azure"], ON, True),
                                                    (["azure", "contoso"], ON, False), (5, OFF, False)]),
    O.IsNullOrUndefined: (None, [("x", OFF, False), (MISSING, OFF, True), (None, OFF, True), ([], OFF, False),
                                 ([1], ON, False), (0, OFF, False), ("", OFF, False)]),
    O.IsNotNull: (None, [("x", OFF, True), (MISSING, OFF, False), (None, OFF, False), ([], OFF, True),
                         (["a"], ON, True), (0, OFF, True), (False, OFF, True)]),
}


def make_filter(op: Operator, values: Any, key: str = "data.k") -> AdvancedFilter:
    if op.kind is ValueKind.NONE:
        return AdvancedFilter(op, key)
    if op.kind in (ValueKind.NUMBER, ValueKind.BOOL):
        return AdvancedFilter(op, key, value=values)
    return AdvancedFilter(op, key, values=tuple(values))


def run(*filters: AdvancedFilter, data: Any = None, arrays: bool | None = None, **envelope: Any) -> Verdict:
    event = {"eventType": "T", "subject": "s", "data": {} if data is None else data, **envelope}
    return evaluate(EventFilter(advanced_filters=filters, enable_advanced_filtering_on_arrays=arrays), event)


@pytest.mark.parametrize(
    ("op", "values", "value", "arrays", "expected"),
    [
        pytest.param(op, values, value, arrays, expected, id=f"{op.value}-{'missing' if value is MISSING else value!r}"
                     f"-{'on' if arrays else 'off'}")
        for op, (values, cases) in OPERATOR_CASES.items()
        for value, arrays, expected in cases
    ],
)
def test_operator_table(op: Operator, values: Any, value: Any, arrays: bool, expected: bool) -> None:
    data = {} if value is MISSING else {"k": value}
    assert run(make_filter(op, values), data=data, arrays=arrays).delivered is expected


def test_operator_table_covers_every_operator() -> None:
    assert set(OPERATOR_CASES) == set(Operator)


# --- numbers --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.3, True), (Decimal("0.3"), True), (0.1 + 0.2, False), (Decimal("0.30"), True)],
)
def test_numbers_compare_as_written_decimals(value: Any, expected: bool) -> None:
    assert run(make_filter(O.NumberIn, [0.3]), data={"k": value}).delivered is expected


def test_range_bounds_are_inclusive_as_decimals() -> None:
    assert run(make_filter(O.NumberInRange, [(0.1, 0.3)]), data={"k": Decimal("0.3")}).delivered


def test_non_finite_number_is_a_type_mismatch() -> None:
    assert not run(make_filter(O.NumberNotIn, [1]), data={"k": float("nan")}).delivered


# --- reasons --------------------------------------------------------------------------------------------------


def test_type_mismatch_reason_names_both_types() -> None:
    reason = run(make_filter(O.NumberGreaterThan, 20), data={"k": "20"}).checks[1].reason
    assert reason == "type mismatch: data.k is a string ('20'), NumberGreaterThan compares numbers"


def test_missing_key_reason_says_how_operator_treats_it() -> None:
    reason = run(make_filter(O.StringNotContains, ["x"])).checks[1].reason
    assert reason == "data.k is missing; StringNotContains does not match a missing key"


def test_array_with_arrays_off_reason_names_the_setting() -> None:
    assert "enableAdvancedFilteringOnArrays is off" in run(make_filter(O.StringIn, ["a"]), data={"k": ["a"]})\
        .checks[1].reason


def test_negated_failure_reason_quotes_the_value_hit() -> None:
    reason = run(make_filter(O.StringNotIn, ["aws", "bridge"]), data={"k": "AWS"}).checks[1].reason
    assert reason == "data.k is 'AWS', which equals 'aws' (case-insensitive); StringNotIn excludes it"


def test_long_values_are_truncated_in_reasons() -> None:
    reason = run(make_filter(O.StringIn, ["a"]), data={"k": "x" * 200}).checks[1].reason
    assert "x" * 200 not in reason and "…" in reason


# --- keys -----------------------------------------------------------------------------------------------------


def test_nested_key_at_depth_three() -> None:
    data = {"a": {"b": {"c": "deep"}}}
    assert run(make_filter(O.StringIn, ["deep"], key="data.a.b.c"), data=data).delivered


@pytest.mark.parametrize("data", [{"a": "text"}, {"a": [{"b": 1}]}, {"a": None}, {}])
def test_path_through_non_object_is_missing(data: dict) -> None:
    assert resolve_key({"eventType": "T", "data": data}, "data.a.b", "eventgrid") == (False, None)


def test_key_segments_match_case_insensitively() -> None:
    event = {"eventType": "T", "data": {"modelTags": {"Key1": "value1"}}}
    assert resolve_key(event, "Data.ModelTags.key1", "eventgrid") == (True, "value1")


def test_exact_case_key_wins_over_case_insensitive_match() -> None:
    event = {"eventType": "T", "data": {"Key": "first", "key": "exact"}}
    assert resolve_key(event, "data.key", "eventgrid") == (True, "exact")


def test_null_value_is_found_as_none() -> None:
    assert resolve_key({"eventType": "T", "data": {"k": None}}, "data.k", "eventgrid") == (True, None)


@pytest.mark.parametrize(
    ("key", "expected"),
    [("ID", "e1"), ("topic", "/t"), ("Subject", "s"), ("EVENTTYPE", "T"), ("DataVersion", "1")],
)
def test_event_grid_envelope_keys(key: str, expected: str) -> None:
    event = {"id": "e1", "topic": "/t", "subject": "s", "eventType": "T", "dataVersion": "1", "data": {}}
    assert resolve_key(event, key, "eventgrid") == (True, expected)


def test_event_grid_unlisted_envelope_key_counts_as_missing() -> None:
    verdict = run(make_filter(O.IsNullOrUndefined, None, key="eventTime"), eventTime="2024-01-01T00:00:00Z")
    assert verdict.delivered and "not a filterable Event Grid schema key" in verdict.checks[1].reason


CLOUD_EVENT = {
    "specversion": "1.0", "id": "e1", "source": "/ws", "type": "T", "subject": "models/m:1",
    "comexampleothervalue": 5, "data": {"modelVersion": 1},
}


@pytest.mark.parametrize(
    ("key", "expected"),
    [("id", "e1"), ("source", "/ws"), ("type", "T"), ("specversion", "1.0"), ("subject", "models/m:1"),
     ("comexampleothervalue", 5), ("data.ModelVersion", 1)],
)
def test_cloudevents_keys(key: str, expected: Any) -> None:
    assert resolve_key(CLOUD_EVENT, key, "cloudevents") == (True, expected)


def test_cloudevents_number_extension_against_string_operator_does_not_match() -> None:
    event_filter = EventFilter(advanced_filters=(make_filter(O.StringBeginsWith, ["5", "1"], "comexampleothervalue"),))
    assert not evaluate(event_filter, CLOUD_EVENT).delivered


# --- subject and event types ----------------------------------------------------------------------------------


def subject_verdict(subject: Any = "Models/Churn:3", **filter_fields: Any) -> Verdict:
    event = {"eventType": "T", "data": {}} | ({} if subject is None else {"subject": subject})
    return evaluate(EventFilter(**filter_fields), event)


def test_subject_prefix_is_case_insensitive_by_default() -> None:
    verdict = subject_verdict(subject_begins_with="models/churn:")
    assert verdict.delivered
    assert verdict.checks[1].reason == "subject 'Models/Churn:3' begins with 'models/churn:' (case-insensitive)"


def test_subject_case_sensitive_flag() -> None:
    verdict = subject_verdict(subject_begins_with="models/churn:", is_subject_case_sensitive=True)
    assert not verdict.delivered and verdict.checks[1].reason.endswith("it would match ignoring case")


def test_subject_suffix() -> None:
    assert subject_verdict(subject_ends_with=":3").delivered
    assert not subject_verdict(subject_ends_with=":4").delivered


def test_event_without_subject_fails_subject_filter() -> None:
    assert not subject_verdict(subject=None, subject_ends_with=":3").delivered


def test_empty_subject_filters_produce_no_check() -> None:
    verdict = subject_verdict(subject_begins_with="", subject_ends_with=None)
    assert [c.check for c in verdict.checks] == ["includedEventTypes"]


@pytest.mark.parametrize(
    ("included", "delivered"),
    [(None, True), ((), True), (("all",), True), (("Microsoft.X.Y",), True), (("Other", "Microsoft.X.Y"), True),
     (("microsoft.x.y",), False), (("Microsoft.X.Z",), False)],
)
def test_included_event_types(included: tuple[str, ...] | None, delivered: bool) -> None:
    verdict = evaluate(EventFilter(included_event_types=included), {"eventType": "Microsoft.X.Y", "data": {}})
    assert verdict.delivered is delivered and verdict.checks[0].check == "includedEventTypes"


def test_event_type_case_only_difference_is_explained() -> None:
    verdict = evaluate(EventFilter(included_event_types=("microsoft.x.y",)), {"eventType": "Microsoft.X.Y"})
    assert "differs only in case" in verdict.checks[0].reason


def test_cloudevents_event_type_comes_from_type() -> None:
    assert evaluate(EventFilter(included_event_types=("T",)), CLOUD_EVENT).delivered


# --- verdict and schema ---------------------------------------------------------------------------------------


def test_all_checks_are_reported_without_short_circuit() -> None:
    event_filter = EventFilter(
        included_event_types=("Other",), subject_begins_with="x",
        advanced_filters=(make_filter(O.StringIn, ["a"]), make_filter(O.IsNotNull, None)),
    )
    verdict = evaluate(event_filter, {"eventType": "T", "subject": "s", "data": {"k": "a"}})
    assert not verdict.delivered
    assert [(c.check, c.passed) for c in verdict.checks] == [
        ("includedEventTypes", False), ("subjectBeginsWith", False),
        ("advancedFilters[0]", True), ("advancedFilters[1]", True),
    ]


def test_verdict_to_dict_shape() -> None:
    verdict = Verdict(False, (Check("advancedFilters[0]", False, "why"),))
    assert verdict.to_dict() == {
        "delivered": False, "checks": [{"check": "advancedFilters[0]", "passed": False, "reason": "why"}],
    }


@pytest.mark.parametrize(
    ("event", "schema"),
    [({"eventType": "T"}, "eventgrid"), ({"type": "T", "specversion": "1.0"}, "cloudevents"),
     ({"type": "T", "source": "/s"}, "cloudevents")],
)
def test_detect_schema(event: dict, schema: str) -> None:
    assert detect_schema(event) == schema


@pytest.mark.parametrize(
    ("event", "message"),
    [([{"eventType": "T"}], "the event must be a JSON object, got an array"),
     ("text", "the event must be a JSON object, got a string"),
     ({"subject": "s", "data": {}}, "the event has neither 'eventType' (Event Grid schema) nor 'type'"),
     ({"eventType": 5}, "the event's 'eventType' must be a string, got a number")],
)
def test_detect_schema_rejects_non_events(event: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        detect_schema(event)
