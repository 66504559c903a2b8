"""The fault spec grammar and the rules' rate/count/method/path semantics."""

from __future__ import annotations

import pytest

from amlevents.core.errors import InvalidInputError
from amlevents.emulator.runtime.faults import FaultRule, Faults, parse_fault_spec


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("throttle:count=2,retry_after=1", FaultRule("throttle", count=2, retry_after=1)),
        ("throttle", FaultRule("throttle", retry_after=1)),
        ("error503:rate=0.2", FaultRule("error503", rate=0.2)),
        ("error500:count=1,method=PUT", FaultRule("error500", count=1, method="PUT")),
        ("drop:count=1", FaultRule("drop", count=1)),
        ("fail-operation:count=1", FaultRule("fail-operation", count=1)),
        ("latency:ms=200,path=/eventSubscriptions", FaultRule("latency", ms=200, path="/eventSubscriptions")),
        ("error500:path=^/a*/b$,count=3", FaultRule("error500", path="^/a*/b$", count=3)),
        ("seed=42", 42),
    ],
)
def test_specs_parse(spec, expected):
    assert parse_fault_spec(spec) == expected


@pytest.mark.parametrize("spec", ["explode", "throttle:count", "throttle:count=x", "throttle:colour=red",
                                  "error503:rate=2", "seed=x", "drop:path=(",
                                  "drop:path=(a+)+b", "latency:ms=1,path=/workspaces/[^/]+/x"])
def test_bad_specs_are_refused(spec):
    with pytest.raises(InvalidInputError):
        parse_fault_spec(spec)


def test_count_rules_retire():
    faults = Faults(["error500:count=2"])
    fired = [faults.decide("GET", "/x").fault is not None for _ in range(4)]
    assert fired == [True, True, False, False]
    assert faults.to_dict()["rules"] == []


def test_method_and_path_restrict_a_rule():
    faults = Faults(["error500:method=PUT,path=eventSubscriptions"])
    assert faults.decide("GET", "/a/eventSubscriptions/x").fault is None
    assert faults.decide("PUT", "/a/systemTopics/x").fault is None
    assert faults.decide("put", "/a/EVENTSUBSCRIPTIONS/x").fault is not None


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("/operationsStatus", "/s/providers/X/locations/l/OPERATIONSSTATUS/1", True),
        ("/eventSubscriptions/queue$", "/w/eventSubscriptions/queue", True),
        ("/eventSubscriptions/queue$", "/w/eventSubscriptions/queue-2", False),
        ("/workspaces/*/eventSubscriptions$", "/ws/workspaces/w/providers/M.E/eventSubscriptions", True),
        ("/workspaces/*/eventSubscriptions$", "/ws/workspaces/w/providers/M.E/eventSubscriptions/x", False),
        ("^/subscriptions/*/resourceGroups", "/subscriptions/0/resourceGroups/rg", True),
        ("^/resourceGroups", "/subscriptions/0/resourceGroups/rg", False),
        ("a*b*c$", "abcbc", True),
        ("ab*bc", "abc", False),
        ("^/x$", "/x", True),
        ("^/x$", "/xy", False),
    ],
)
def test_path_patterns_are_text_with_wildcards_and_anchors(pattern, path, matches):
    assert FaultRule("error500", path=pattern).matches("GET", path) is matches


def test_a_path_pattern_is_never_a_backtracking_regex():
    # (a+)+b is refused; its glob look-alike is matched in linear time on a path built to make a regex explode
    rule = FaultRule("error500", path="a*a*a*a*a*a*b")
    assert rule.matches("GET", "/" + "a" * 100_000) is False


def test_rates_are_reproducible_with_a_seed():
    def run() -> list[bool]:
        faults = Faults(["seed=7", "error503:rate=0.5"])
        return [faults.decide("GET", "/").fault is not None for _ in range(30)]

    first = run()
    assert first == run()
    assert 5 < sum(first) < 25


def test_latency_adds_up_and_does_not_answer():
    decision = Faults(["latency:ms=30", "latency:ms=20"]).decide("GET", "/")
    assert (decision.latency_ms, decision.fault) == (50, None)


def test_fail_operation_is_only_taken_by_operations():
    faults = Faults(["fail-operation:count=1"])
    assert faults.decide("PUT", "/x").fault is None
    assert faults.take_operation_failure("PUT", "/x") is True
    assert faults.take_operation_failure("PUT", "/x") is False


def test_rules_from_json_refuse_unknown_fields():
    with pytest.raises(InvalidInputError):
        FaultRule.from_dict({"kind": "drop", "colour": "red"})
