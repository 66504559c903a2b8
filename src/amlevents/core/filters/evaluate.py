"""Decide whether an event subscription's filter lets an event through, and say why.

``evaluate(filter, event)`` returns a ``Verdict``: ``delivered`` plus one ``Check`` per constraint, each with a
human reason that quotes the value found. It follows Event Grid's documented semantics; where the docs are
silent or ambiguous the choice made here is stated below.

Overall
- Delivered iff ``includedEventTypes`` AND ``subjectBeginsWith`` AND ``subjectEndsWith`` AND every advanced
  filter pass. Every check is evaluated (no short-circuit) so that all reasons are shown.
- ``includedEventTypes`` always produces a check (a passing one when it is absent); a subject filter produces
  a check only when it is a non-empty string; every advanced filter produces a check ``advancedFilters[i]``.

Event types
- ``includedEventTypes`` absent (null) or empty admits every type; so does a list containing ``"All"`` in any
  case. Otherwise the event's ``eventType`` (Event Grid schema) or ``type`` (CloudEvents) must equal one of
  the names exactly (case-sensitive, which the docs do not settle); a name that differs only in case is named
  in the failing reason.

Subject
- ``subjectBeginsWith``/``subjectEndsWith`` are literal prefix/suffix tests, case-insensitive unless
  ``isSubjectCaseSensitive`` is true. An event without a string subject fails a non-empty subject filter.

Keys
- Event Grid schema: ``ID``, ``Topic``, ``Subject``, ``EventType``, ``DataVersion`` and ``data.<path>``; any
  other key (``eventTime``, ``metadataVersion`` ...) is not filterable and counts as missing.
- CloudEvents: ``id``, ``source``, ``type``, ``specversion``, ``subject``, any other top-level (extension)
  attribute, and ``data.<path>``.
- A key is split on ``.`` (no escaping, no depth limit). Each segment matches case-insensitively (the AML docs
  filter ``data.ModelTags.key1`` while live payloads send ``modelTags``); an exact-case match wins, otherwise
  the first case-insensitive match in document order. A path through a non-object (or an array) is missing.

Values
- String operators compare case-insensitively (``str.lower``). Numbers compare as ``decimal.Decimal``; floats
  are converted through ``repr`` so ``0.3`` is exactly 0.3 (events parsed with ``parse_float=Decimal`` are
  accepted as they are). Non-finite floats are not numbers. Booleans compare exactly and are not numbers.
- Several values in one filter are OR'd; a negated (``*Not*``) operator must avoid every value. Ranges are
  inclusive ``[low, high]``.
- Type mismatch (a string against a Number operator, a number against a String operator, an object ...):
  not matched, for positive and negated operators alike.

Missing key or JSON null (null is treated exactly like a missing key)
- ``IsNullOrUndefined`` is true and ``IsNotNull`` false; ``NumberNotIn``, ``StringNotIn`` and
  ``NumberNotInRange`` match (the latter by analogy with ``NumberNotIn``; the docs do not list it); every other
  operator, including ``StringNotContains``/``StringNotBeginsWith``/``StringNotEndsWith`` and
  ``NumberInRange``, does not match.

Arrays
- With ``enableAdvancedFilteringOnArrays`` off (false or absent) an array value matches no value operator,
  positive or negated; ``IsNotNull`` is true and ``IsNullOrUndefined`` false for a present array.
- With it on, a positive operator matches if any (filter value, element) pair satisfies it; a negated operator
  fails if any pair satisfies its positive twin and matches otherwise (an empty array included). Elements of
  another type, objects and nested arrays are ignored. A scalar behaves as a one-element array, which gives the
  same result as with arrays off (so a scalar of the wrong type is still a type mismatch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from amlevents.core.errors import InvalidInputError
from amlevents.core.filters.model import (
    ENVELOPE_KEYS,
    AdvancedFilter,
    EventFilter,
    Operator,
    ValueKind,
)

EVENTGRID = "eventgrid"
CLOUDEVENTS = "cloudevents"

_EVENTGRID_KEYS = {key.lower() for key in ENVELOPE_KEYS}
_MISSING_MATCHES = {Operator.NumberNotIn, Operator.StringNotIn, Operator.NumberNotInRange}
_MAX_SHOWN = 60


@dataclass(frozen=True)
class Check:
    """One constraint of the filter: its name, whether the event passed it, and why."""

    check: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class Verdict:
    """The outcome for one event: delivered iff every check passed."""

    delivered: bool
    checks: tuple[Check, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for output: ``{"delivered": bool, "checks": [{"check", "passed", "reason"}, ...]}``."""
        return {
            "delivered": self.delivered,
            "checks": [{"check": c.check, "passed": c.passed, "reason": c.reason} for c in self.checks],
        }


def detect_schema(event: Any) -> str:
    """``"eventgrid"`` or ``"cloudevents"`` for one event object; raises ``InvalidInputError`` otherwise.

    ``specversion`` or ``type`` marks CloudEvents 1.0, ``eventType`` the Event Grid schema.
    """
    if not isinstance(event, dict):
        hint = "Pass a single event; take one element of a delivered batch." if isinstance(event, list) else None
        raise InvalidInputError(f"the event must be a JSON object, got {_kind(event)}", hint=hint)
    if "specversion" in event or ("type" in event and "eventType" not in event):
        schema, field = CLOUDEVENTS, "type"
    elif "eventType" in event:
        schema, field = EVENTGRID, "eventType"
    else:
        raise InvalidInputError(
            "the event has neither 'eventType' (Event Grid schema) nor 'type' (CloudEvents schema)",
            hint="An Event Grid event has eventType, subject and data; a CloudEvents 1.0 event has type, source, "
            "specversion and data.",
        )
    if not isinstance(event.get(field), str):
        raise InvalidInputError(f"the event's '{field}' must be a string, got {_kind(event.get(field))}")
    return schema


def resolve_key(event: dict[str, Any], key: str, schema: str) -> tuple[bool, Any]:
    """``(found, value)`` for a filter key; a JSON null is ``(True, None)``. See the module docstring."""
    if not _filterable(key, schema):
        return False, None
    node: Any = event
    for segment in key.split("."):
        if not isinstance(node, dict):
            return False, None
        found, node = _lookup(node, segment)
        if not found:
            return False, None
    return True, node


def evaluate(event_filter: EventFilter, event: dict[str, Any]) -> Verdict:
    """Evaluate every constraint of ``event_filter`` against ``event`` (Event Grid or CloudEvents schema)."""
    schema = detect_schema(event)
    checks = [_event_type_check(event_filter.included_event_types, event, schema)]
    case_sensitive = event_filter.is_subject_case_sensitive is True
    _, subject = resolve_key(event, "subject", schema)
    for name, wanted in (("subjectBeginsWith", event_filter.subject_begins_with),
                         ("subjectEndsWith", event_filter.subject_ends_with)):
        if wanted:
            checks.append(_subject_check(name, wanted, subject, case_sensitive))
    arrays = event_filter.enable_advanced_filtering_on_arrays is True
    for i, f in enumerate(event_filter.filters):
        passed, reason = _advanced(f, event, schema, arrays)
        checks.append(Check(f"advancedFilters[{i}]", passed, reason))
    return Verdict(all(c.passed for c in checks), tuple(checks))


# --- keys -------------------------------------------------------------------------------------------------


def _filterable(key: str, schema: str) -> bool:
    first = key.split(".", 1)[0].lower()
    return schema == CLOUDEVENTS or first == "data" or key.lower() in _EVENTGRID_KEYS


def _lookup(obj: dict[str, Any], name: str) -> tuple[bool, Any]:
    if name in obj:
        return True, obj[name]
    lowered = name.lower()
    for k, v in obj.items():
        if isinstance(k, str) and k.lower() == lowered:
            return True, v
    return False, None


# --- event types and subject -------------------------------------------------------------------------------


def _event_type_check(included: tuple[str, ...] | None, event: dict[str, Any], schema: str) -> Check:
    name = "includedEventTypes"
    if not included:
        state = "is not set" if included is None else "is empty"
        return Check(name, True, f"includedEventTypes {state}, so every event type is admitted")
    if any(t.lower() == "all" for t in included):
        return Check(name, True, "includedEventTypes contains 'All', so every event type is admitted")
    event_type = event["type" if schema == CLOUDEVENTS else "eventType"]
    if event_type in included:
        return Check(name, True, f"event type {_show(event_type)} is in includedEventTypes")
    reason = f"event type {_show(event_type)} is not in includedEventTypes {_show_list(included)}"
    near = [t for t in included if t.lower() == event_type.lower()]
    if near:
        reason += f"; {_show(near[0])} differs only in case, and event types compare case-sensitively"
    return Check(name, False, reason)


def _subject_check(name: str, wanted: str, subject: Any, case_sensitive: bool) -> Check:
    begins = name == "subjectBeginsWith"
    verb, not_verb = ("begins with", "does not begin with") if begins else ("ends with", "does not end with")
    if not isinstance(subject, str):
        found = "has no subject" if subject is None else f"has a non-string subject {_show(subject)}"
        return Check(name, False, f"the event {found}, so {name} {_show(wanted)} cannot match")
    test = str.startswith if begins else str.endswith
    how = "case-sensitive" if case_sensitive else "case-insensitive"
    passed = test(subject, wanted) if case_sensitive else test(subject.lower(), wanted.lower())
    reason = f"subject {_show(subject)} {verb if passed else not_verb} {_show(wanted)} ({how})"
    if not passed and case_sensitive and test(subject.lower(), wanted.lower()):
        reason += "; it would match ignoring case"
    return Check(name, passed, reason)


# --- advanced filters --------------------------------------------------------------------------------------

_WANT = {ValueKind.NUMBER: "number", ValueKind.NUMBERS: "number", ValueKind.RANGES: "number",
         ValueKind.BOOL: "boolean", ValueKind.STRINGS: "string"}
_VERBS = {  # positive operator -> (verb, negated verb)
    Operator.NumberIn: ("equals", "does not equal"),
    Operator.NumberLessThan: ("is less than", "is not less than"),
    Operator.NumberGreaterThan: ("is greater than", "is not greater than"),
    Operator.NumberLessThanOrEquals: ("is less than or equal to", "is not less than or equal to"),
    Operator.NumberGreaterThanOrEquals: ("is greater than or equal to", "is not greater than or equal to"),
    Operator.NumberInRange: ("is within", "is not within"),
    Operator.BoolEquals: ("equals", "does not equal"),
    Operator.StringIn: ("equals", "does not equal"),
    Operator.StringBeginsWith: ("begins with", "does not begin with"),
    Operator.StringEndsWith: ("ends with", "does not end with"),
    Operator.StringContains: ("contains", "does not contain"),
}


def _advanced(f: AdvancedFilter, event: dict[str, Any], schema: str, arrays: bool) -> tuple[bool, str]:
    op, key = f.operator, f.key
    found, value = resolve_key(event, key, schema)
    if found and value is not None:
        if op is Operator.IsNullOrUndefined:
            return False, f"{key} is {_show(value)}, which is not null or undefined"
        if op is Operator.IsNotNull:
            return True, f"{key} is {_show(value)}, which is not null"
        return _compare(f, value, arrays)
    if not found and not _filterable(key, schema):
        absent = f"{key} is not a filterable Event Grid schema key ({', '.join(ENVELOPE_KEYS)} or data.*), so it " \
                 "counts as missing"
    else:
        absent = f"{key} is missing" if not found else f"{key} is null, which counts as missing"
    if op is Operator.IsNullOrUndefined:
        return True, f"{absent}; IsNullOrUndefined is true"
    if op is Operator.IsNotNull:
        return False, f"{absent}; IsNotNull is false"
    passed = op in _MISSING_MATCHES
    return passed, f"{absent}; {op.value} {'matches' if passed else 'does not match'} a missing key"


def _compare(f: AdvancedFilter, value: Any, arrays: bool) -> tuple[bool, str]:
    op, positive = f.operator, f.operator.positive
    want = _WANT[op.kind]
    kind = _kind(value)
    is_array = isinstance(value, list)
    if is_array and not arrays:
        return False, (f"{f.key} is an array ({_show(value)}) and enableAdvancedFilteringOnArrays is off, "
                       f"so {op.value} does not match")
    if not is_array and _kind_word(value) != want:
        return False, f"type mismatch: {f.key} is {kind} ({_show(value)}), {op.value} compares {want}s"
    elements = [e for e in value if _kind_word(e) == want] if is_array else [value]
    targets = (f.value,) if op.kind in (ValueKind.NUMBER, ValueKind.BOOL) else f.values
    hit = next(((t, e) for t in targets for e in elements if _test(positive, t, e)), None)
    passed = (hit is not None) != op.negated
    verb, not_verb = _VERBS[positive]
    suffix = " (case-insensitive)" if want == "string" else ""
    said = f"{f.key} is {_show(value)}"
    if hit is not None:
        target, element = hit
        which = f", whose element {_show(element)}" if is_array else ", which"
        reason = f"{said}{which} {verb} {_show(target)}{suffix}"
        return passed, reason + (f"; {op.value} excludes it" if op.negated else "")
    wanted = _show(targets[0]) if len(targets) == 1 else f"any of {_show_list(targets)}"
    if is_array:
        return passed, f"{said}, and no {want} element {verb} {wanted}{suffix}"
    return passed, f"{said}, which {not_verb} {wanted}{suffix}"


def _test(op: Operator, target: Any, element: Any) -> bool:
    if op is Operator.BoolEquals:
        return element == target
    if op.kind is ValueKind.STRINGS:
        e, t = element.lower(), target.lower()
        return {Operator.StringIn: e == t, Operator.StringBeginsWith: e.startswith(t),
                Operator.StringEndsWith: e.endswith(t), Operator.StringContains: t in e}[op]
    e = _decimal(element)
    if op is Operator.NumberInRange:
        return _decimal(target[0]) <= e <= _decimal(target[1])
    t = _decimal(target)
    return {Operator.NumberIn: e == t, Operator.NumberLessThan: e < t, Operator.NumberGreaterThan: e > t,
            Operator.NumberLessThanOrEquals: e <= t, Operator.NumberGreaterThanOrEquals: e >= t}[op]


def _decimal(n: int | float | Decimal) -> Decimal:
    # repr gives the shortest decimal that round-trips, i.e. the number as written in the JSON.
    return n if isinstance(n, Decimal) else Decimal(repr(n) if isinstance(n, float) else n)


# --- values in words ---------------------------------------------------------------------------------------


def _kind_word(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, Decimal):
        return "number" if v.is_finite() else "non-finite"
    if isinstance(v, (int, float)):
        return "number" if math.isfinite(v) else "non-finite"
    return {str: "string", list: "array", dict: "object"}.get(type(v), "other")


def _kind(v: Any) -> str:
    word = _kind_word(v)
    if v is None:
        return "null"
    if word == "non-finite":
        return "a non-finite number"
    if word == "other":
        return f"a {type(v).__name__}"
    return ("an " if word[0] in "aeiou" else "a ") + word


def _show(v: Any) -> str:
    if isinstance(v, bool):
        text = "true" if v else "false"
    elif v is None:
        text = "null"
    elif isinstance(v, (list, tuple)):
        text = _show_list(v)
    elif isinstance(v, dict):
        text = "{" + ", ".join(f"{_show(k)}: {_show(x)}" for k, x in v.items()) + "}"
    else:
        text = repr(v) if isinstance(v, str) else str(v)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _show_list(values: Any) -> str:
    return "[" + ", ".join(_show(v) for v in values) + "]"
