"""Typed Event Grid filter objects and their wire JSON (``EventSubscriptionFilter``, API 2025-02-15).

The model is the single representation used by the CLI flags, the manifest, the evaluator, the linter and the
emulator. ``EventFilter.from_wire(d).to_wire() == d`` for every valid wire object: fields that are absent stay
absent, ``""`` stays ``""``, the order of advanced filters and values is kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from amlevents.core.errors import InvalidInputError


class ValueKind(Enum):
    """What an operator carries on the wire."""

    NONE = "none"  # no value field
    NUMBER = "number"  # "value": double
    BOOL = "bool"  # "value": bool
    NUMBERS = "numbers"  # "values": [double]
    STRINGS = "strings"  # "values": [string]
    RANGES = "ranges"  # "values": [[double, double]]


class Operator(Enum):
    """The 19 advanced-filter operators; ``.value`` is the wire ``operatorType``."""

    NumberIn = "NumberIn"
    NumberNotIn = "NumberNotIn"
    NumberLessThan = "NumberLessThan"
    NumberGreaterThan = "NumberGreaterThan"
    NumberLessThanOrEquals = "NumberLessThanOrEquals"
    NumberGreaterThanOrEquals = "NumberGreaterThanOrEquals"
    NumberInRange = "NumberInRange"
    NumberNotInRange = "NumberNotInRange"
    BoolEquals = "BoolEquals"
    StringIn = "StringIn"
    StringNotIn = "StringNotIn"
    StringBeginsWith = "StringBeginsWith"
    StringNotBeginsWith = "StringNotBeginsWith"
    StringEndsWith = "StringEndsWith"
    StringNotEndsWith = "StringNotEndsWith"
    StringContains = "StringContains"
    StringNotContains = "StringNotContains"
    IsNullOrUndefined = "IsNullOrUndefined"
    IsNotNull = "IsNotNull"

    @property
    def kind(self) -> ValueKind:
        """The value shape this operator takes."""
        return _KINDS[self]

    @property
    def negated(self) -> bool:
        """True for the ``*Not*`` operators (they must avoid every value)."""
        return "Not" in self.value and self is not Operator.IsNotNull

    @property
    def positive(self) -> Operator:
        """The positive twin of a negated operator (``StringNotIn`` -> ``StringIn``); itself otherwise."""
        return Operator(self.value.replace("Not", "", 1)) if self.negated else self

    @classmethod
    def lookup(cls, name: str) -> Operator | None:
        """The operator whose name equals ``name`` case-insensitively, or None."""
        return _BY_LOWER.get(name.lower())


_KINDS: dict[Operator, ValueKind] = {
    Operator.NumberIn: ValueKind.NUMBERS,
    Operator.NumberNotIn: ValueKind.NUMBERS,
    Operator.NumberLessThan: ValueKind.NUMBER,
    Operator.NumberGreaterThan: ValueKind.NUMBER,
    Operator.NumberLessThanOrEquals: ValueKind.NUMBER,
    Operator.NumberGreaterThanOrEquals: ValueKind.NUMBER,
    Operator.NumberInRange: ValueKind.RANGES,
    Operator.NumberNotInRange: ValueKind.RANGES,
    Operator.BoolEquals: ValueKind.BOOL,
    Operator.StringIn: ValueKind.STRINGS,
    Operator.StringNotIn: ValueKind.STRINGS,
    Operator.StringBeginsWith: ValueKind.STRINGS,
    Operator.StringNotBeginsWith: ValueKind.STRINGS,
    Operator.StringEndsWith: ValueKind.STRINGS,
    Operator.StringNotEndsWith: ValueKind.STRINGS,
    Operator.StringContains: ValueKind.STRINGS,
    Operator.StringNotContains: ValueKind.STRINGS,
    Operator.IsNullOrUndefined: ValueKind.NONE,
    Operator.IsNotNull: ValueKind.NONE,
}
_BY_LOWER = {op.value.lower(): op for op in Operator}

# The top-level keys of an Event Grid schema event that an advanced filter can name (besides data.*), as the
# Event Grid docs spell them; Event Grid matches them case-insensitively.
ENVELOPE_KEYS = ("ID", "Topic", "Subject", "EventType", "DataVersion")


class WireFormatError(InvalidInputError):
    """A wire JSON filter object does not have the shape the Event Grid API defines."""


def _is_number(v: Any) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    # A JSON integer may be too large for a double; the service could not represent it either.
    return math.isfinite(v) if isinstance(v, float) else abs(v) <= 2**53


@dataclass(frozen=True)
class AdvancedFilter:
    """One advanced filter: ``key <operator> value(s)``.

    ``value`` is set for the single-value operators (a number, or a bool for ``BoolEquals``); ``values`` is a
    tuple for the list operators (numbers, strings, or ``(low, high)`` ranges); both are empty for
    ``IsNullOrUndefined``/``IsNotNull``. Numbers keep the JSON type they arrived with (int or float) so that the
    wire JSON round-trips unchanged.
    """

    operator: Operator
    key: str
    value: float | bool | None = None
    values: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        kind = self.operator.kind
        if kind in (ValueKind.NUMBER, ValueKind.BOOL):
            ok = isinstance(self.value, bool) if kind is ValueKind.BOOL else _is_number(self.value)
            if not ok or self.values:
                raise WireFormatError(f"{self.operator.value} takes exactly one {kind.value} in 'value'")
        elif self.value is not None:
            raise WireFormatError(f"{self.operator.value} takes no 'value'")
        if kind is ValueKind.NONE and self.values:
            raise WireFormatError(f"{self.operator.value} takes no values")
        if kind in (ValueKind.NUMBERS, ValueKind.STRINGS, ValueKind.RANGES) and not self.values:
            raise WireFormatError(f"{self.operator.value} takes at least one value")

    @property
    def value_count(self) -> int:
        """How many values count towards the service's 25-values limit (a range counts once)."""
        if self.operator.kind is ValueKind.NONE:
            return 0
        if self.operator.kind in (ValueKind.NUMBER, ValueKind.BOOL):
            return 1
        return len(self.values)

    def to_wire(self) -> dict[str, Any]:
        """The ``AdvancedFilter`` JSON object (``operatorType``, ``key``, ``value``/``values``)."""
        wire: dict[str, Any] = {"operatorType": self.operator.value, "key": self.key}
        kind = self.operator.kind
        if kind in (ValueKind.NUMBER, ValueKind.BOOL):
            wire["value"] = self.value
        elif kind is ValueKind.RANGES:
            wire["values"] = [list(r) for r in self.values]
        elif kind is not ValueKind.NONE:
            wire["values"] = list(self.values)
        return wire

    @classmethod
    def from_wire(cls, data: Any, *, where: str = "advancedFilters[]") -> AdvancedFilter:
        """Build from an ``AdvancedFilter`` JSON object; raises ``WireFormatError`` naming ``where``."""
        if not isinstance(data, dict):
            raise WireFormatError(f"{where}: expected an object, got {_type_name(data)}")
        op_name = data.get("operatorType")
        op = Operator(op_name) if isinstance(op_name, str) and op_name in _WIRE_NAMES else None
        if op is None:
            raise WireFormatError(
                f"{where}: unknown operatorType {op_name!r}",
                hint="operatorType is one of " + ", ".join(o.value for o in Operator) + ".",
            )
        key = data.get("key")
        if not isinstance(key, str) or not key:
            raise WireFormatError(f"{where}: 'key' must be a non-empty string")
        allowed = {"operatorType", "key"} | _VALUE_FIELD[op.kind]
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise WireFormatError(f"{where}: unexpected field(s) {', '.join(unknown)} for {op.value}")
        kind = op.kind
        if kind in (ValueKind.NUMBER, ValueKind.BOOL):
            if "value" not in data:
                raise WireFormatError(f"{where}: {op.value} needs 'value'")
            value = data["value"]
            if kind is ValueKind.BOOL and not isinstance(value, bool):
                raise WireFormatError(f"{where}: BoolEquals 'value' must be true or false, got {value!r}")
            if kind is ValueKind.NUMBER and not _is_number(value):
                raise WireFormatError(f"{where}: {op.value} 'value' must be a number, got {value!r}")
            return cls(op, key, value=value)
        if kind is ValueKind.NONE:
            return cls(op, key)
        raw = data.get("values")
        if not isinstance(raw, list) or not raw:
            raise WireFormatError(f"{where}: {op.value} needs a non-empty 'values' array")
        return cls(op, key, values=tuple(_wire_values(op, raw, where)))


_WIRE_NAMES = {op.value for op in Operator}
_VALUE_FIELD = {
    ValueKind.NONE: set(),
    ValueKind.NUMBER: {"value"},
    ValueKind.BOOL: {"value"},
    ValueKind.NUMBERS: {"values"},
    ValueKind.STRINGS: {"values"},
    ValueKind.RANGES: {"values"},
}


def _wire_values(op: Operator, raw: list[Any], where: str) -> list[Any]:
    out: list[Any] = []
    for i, v in enumerate(raw):
        if op.kind is ValueKind.STRINGS:
            if not isinstance(v, str):
                raise WireFormatError(f"{where}: {op.value} values[{i}] must be a string, got {v!r}")
            out.append(v)
        elif op.kind is ValueKind.NUMBERS:
            if not _is_number(v):
                raise WireFormatError(f"{where}: {op.value} values[{i}] must be a number, got {v!r}")
            out.append(v)
        else:
            if not (isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v)):
                raise WireFormatError(f"{where}: {op.value} values[{i}] must be a [low, high] pair, got {v!r}")
            if v[0] > v[1]:
                raise WireFormatError(f"{where}: {op.value} values[{i}] has low {v[0]} > high {v[1]}")
            out.append((v[0], v[1]))
    return out


def _type_name(v: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(v), "a number" if _is_number(v) else type(v).__name__
    )


_FILTER_FIELDS = {
    "includedEventTypes": "included_event_types",
    "subjectBeginsWith": "subject_begins_with",
    "subjectEndsWith": "subject_ends_with",
    "isSubjectCaseSensitive": "is_subject_case_sensitive",
    "enableAdvancedFilteringOnArrays": "enable_advanced_filtering_on_arrays",
    "advancedFilters": "advanced_filters",
}


@dataclass(frozen=True)
class EventFilter:
    """An event subscription's ``filter``. ``None`` means "absent on the wire" (the service default)."""

    included_event_types: tuple[str, ...] | None = None
    subject_begins_with: str | None = None
    subject_ends_with: str | None = None
    is_subject_case_sensitive: bool | None = None
    enable_advanced_filtering_on_arrays: bool | None = None
    advanced_filters: tuple[AdvancedFilter, ...] | None = field(default=None)

    @property
    def filters(self) -> tuple[AdvancedFilter, ...]:
        """The advanced filters, empty when absent."""
        return self.advanced_filters or ()

    def to_wire(self) -> dict[str, Any]:
        """The ``EventSubscriptionFilter`` JSON object, omitting absent fields."""
        wire: dict[str, Any] = {}
        for wire_name, attr in _FILTER_FIELDS.items():
            v = getattr(self, attr)
            if v is None:
                continue
            if attr == "included_event_types":
                v = list(v)
            elif attr == "advanced_filters":
                v = [f.to_wire() for f in v]
            wire[wire_name] = v
        return wire

    @classmethod
    def from_wire(cls, data: Any, *, strict: bool = True) -> EventFilter:
        """Build from an ``EventSubscriptionFilter`` JSON object.

        ``strict`` rejects unknown fields (a typo such as ``subjectBeginWith`` would otherwise be silently
        ignored); the emulator passes ``strict=False`` because ARM ignores unknown properties. JSON ``null``
        is treated like an absent field.
        """
        if not isinstance(data, dict):
            raise WireFormatError(f"filter: expected an object, got {_type_name(data)}")
        unknown = sorted(set(data) - set(_FILTER_FIELDS))
        if unknown and strict:
            raise WireFormatError(
                f"filter: unknown field(s) {', '.join(unknown)}",
                hint="a filter has " + ", ".join(_FILTER_FIELDS) + ".",
            )
        kwargs: dict[str, Any] = {}
        for wire_name, attr in _FILTER_FIELDS.items():
            v = data.get(wire_name)
            if v is None:
                continue
            if wire_name == "includedEventTypes":
                if not isinstance(v, list) or not all(isinstance(t, str) for t in v):
                    raise WireFormatError("filter.includedEventTypes must be an array of strings")
                v = tuple(v)
            elif wire_name in ("subjectBeginsWith", "subjectEndsWith"):
                if not isinstance(v, str):
                    raise WireFormatError(f"filter.{wire_name} must be a string")
            elif wire_name in ("isSubjectCaseSensitive", "enableAdvancedFilteringOnArrays"):
                if not isinstance(v, bool):
                    raise WireFormatError(f"filter.{wire_name} must be true or false")
            else:
                if not isinstance(v, list):
                    raise WireFormatError("filter.advancedFilters must be an array")
                v = tuple(AdvancedFilter.from_wire(f, where=f"filter.advancedFilters[{i}]") for i, f in enumerate(v))
            kwargs[attr] = v
        return cls(**kwargs)
