"""Warn about filters that are valid for Event Grid but can never do what they say on an Azure ML workspace.

``lint(filter)`` returns one sentence per problem, each saying what to do instead. It never raises for a valid
``EventFilter``: the warnings are advice, the evaluator and the service decide. The checks use the AML catalog
(``amlevents.core.catalog``) and the pitfalls of the event schema and filtering docs:
https://learn.microsoft.com/azure/event-grid/event-schema-machine-learning and
https://learn.microsoft.com/azure/event-grid/event-filtering.
"""

from __future__ import annotations

from amlevents.core.catalog import (
    EVENT_PREFIX,
    EVENT_TYPES,
    EventTypeInfo,
    get_event_type,
    is_aml_event_type,
    subject_matches_type,
    suggest_event_type,
)
from amlevents.core.filters.model import (
    ENVELOPE_KEYS,
    AdvancedFilter,
    EventFilter,
    Operator,
)

# Keys outside data.* that Event Grid filters on (Event Grid schema, then CloudEvents); AML events carry no
# CloudEvents extension attributes, so any other top-level key is always missing.
_CLOUDEVENTS_KEYS = ("id", "source", "type", "specversion", "subject")
_FILTERABLE = {k.lower() for k in ENVELOPE_KEYS + _CLOUDEVENTS_KEYS}
# Run tag/property keys AML writes with dots ("azureml.pipelineid"); filter keys cannot escape a dot.
_DOTTED_MAPS = {"runtags", "runproperties"}
_NULL_TESTS = (Operator.IsNullOrUndefined, Operator.IsNotNull)


def lint(event_filter: EventFilter) -> list[str]:
    """Warnings, one sentence each, for parts of ``event_filter`` that can never match an Azure ML event."""
    warnings: list[str] = _check_literal_subjects(event_filter)
    selected = _check_event_types(event_filter.included_event_types, warnings)
    if selected:  # with no AML type selected nothing is delivered anyway, and that was said above
        _check_subject(event_filter, selected, warnings)
        for advanced in event_filter.filters:
            warning = _check_key(advanced, selected)
            if warning:
                warnings.append(warning)
    return list(dict.fromkeys(warnings))  # the same key twice gives the same sentence once


def _names(types: tuple[EventTypeInfo, ...]) -> str:
    return ", ".join(i.name for i in types)


def _check_event_types(included: tuple[str, ...] | None, warnings: list[str]) -> tuple[EventTypeInfo, ...]:
    """Warn about names Event Grid will not match; return the AML types the user meant to select."""
    if not included:  # absent (or empty) means every default event type of the topic
        return EVENT_TYPES
    selected: list[EventTypeInfo] = []
    for name in included:
        if name.lower() == "all":
            warnings.append(
                f"includedEventTypes has '{name}', which the az CLI says is not allowed since Event Grid API "
                "2019-02-01-preview; leave includedEventTypes out (null) to receive every event type."
            )
            selected.extend(EVENT_TYPES)
        elif is_aml_event_type(name):
            info = get_event_type(name)
            selected.append(info)
            if name == info.event_type:
                continue
            if name.strip().lower() == info.event_type.lower():
                how = "case" if name.lower() == info.event_type.lower() else "case or surrounding spaces"
                warnings.append(
                    f"includedEventTypes has '{name}', which differs from '{info.event_type}' only in {how}; "
                    "write the exact name, because Event Grid does not document case-insensitive event types."
                )
            else:
                warnings.append(
                    f"includedEventTypes has the short name '{name}', which matches no event; "
                    f"use the full name '{info.event_type}'."
                )
        else:
            warnings.append(_not_aml(name))
    return tuple(dict.fromkeys(selected))


def _not_aml(name: str) -> str:
    guess = suggest_event_type(name)
    if name.lower().startswith(EVENT_PREFIX.lower()):  # as --allow-unknown-event-type sends it
        also = f" (did you mean '{guess}'?)" if guess else ""
        return (f"includedEventTypes has '{name}', which is not in amlevents' catalog of Azure ML event types; it "
                f"is sent as given (Azure ML may have added it), so check the name{also}: Event Grid matches it "
                "exactly.")
    start = f"includedEventTypes has '{name}', which is not an Azure ML event type, so a workspace never raises it"
    if guess:
        return f"{start}; did you mean '{guess if guess.startswith(EVENT_PREFIX) else EVENT_PREFIX + guess}'?"
    return f"{start}; use one of {_names(EVENT_TYPES)} as {EVENT_PREFIX}<name>."


_WILDCARDS = ("*", "?")


def _check_literal_subjects(event_filter: EventFilter) -> list[str]:
    """Warn about wildcards and surrounding spaces in subject filters: Event Grid compares them literally."""
    warnings = []
    for field, value, kind, rest in (("subjectBeginsWith", event_filter.subject_begins_with, "prefix", "after"),
                                     ("subjectEndsWith", event_filter.subject_ends_with, "suffix", "before")):
        if not value:
            continue
        wildcards = [w for w in _WILDCARDS if w in value]
        if wildcards:
            found = " and ".join(f"'{w}'" for w in wildcards)
            warnings.append(
                f"{field} '{value}' has {found}, but subject filters are literal in Event Grid (no wildcards): it "
                f"matches only subjects with that very character; drop it: a {kind} already accepts anything {rest} "
                "it."
            )
        if value != value.strip():
            warnings.append(
                f"{field} '{value}' has leading or trailing spaces, which Event Grid compares literally and AML "
                "subjects do not have; remove them."
            )
    return warnings


def _formats(types: tuple[EventTypeInfo, ...]) -> str:
    return ", ".join(dict.fromkeys(i.subject_format for i in types))


def _check_subject(event_filter: EventFilter, selected: tuple[EventTypeInfo, ...], warnings: list[str]) -> None:
    prefix = event_filter.subject_begins_with
    if not prefix:
        return
    if prefix.startswith("/"):
        fix = f"use '{prefix.lstrip('/')}'" if prefix.strip("/") else "remove subjectBeginsWith"
        warnings.append(f"subjectBeginsWith '{prefix}' starts with '/', but AML subjects have no leading '/'; {fix}.")
        return
    case_sensitive = bool(event_filter.is_subject_case_sensitive)
    fits = [i for i in selected if subject_matches_type(prefix, i, case_sensitive=case_sensitive)]
    if not fits:
        if case_sensitive and any(subject_matches_type(prefix, i) for i in selected):
            warnings.append(
                f"subjectBeginsWith '{prefix}' differs in case from the AML subject formats ({_formats(selected)}) "
                "and isSubjectCaseSensitive is true; match their case or set isSubjectCaseSensitive to false."
            )
        else:
            who = "Azure ML event" if len(selected) == len(EVENT_TYPES) else _names(selected)
            warnings.append(
                f"subjectBeginsWith '{prefix}' fits no {who} subject; "
                f"begin it like one of their subject formats: {_formats(selected)}."
            )
    elif event_filter.included_event_types and len(fits) < len(selected):
        missed = tuple(i for i in selected if i not in fits)
        warnings.append(
            f"subjectBeginsWith '{prefix}' excludes every {_names(missed)} event although includedEventTypes "
            f"selects it (subjects like {_formats(missed)}); drop those types or give them their own subscription."
        )


def _check_key(advanced: AdvancedFilter, selected: tuple[EventTypeInfo, ...]) -> str | None:
    key = advanced.key
    segments = key.split(".")
    if segments[0].lower() != "data":
        if key.lower() in _FILTERABLE:
            return None
        return (
            f"advanced filter key '{key}' is not a field Event Grid filters on, so it is always missing; use "
            f"{', '.join(ENVELOPE_KEYS)} (CloudEvents: {', '.join(_CLOUDEVENTS_KEYS)}) or data.<field>."
        )
    if len(segments) < 2 or not segments[1]:
        return f"advanced filter key '{key}' names no data field; use data.<field>, e.g. data.ModelName."
    found = [f for i in selected if (f := i.find_field(segments[1]))]
    if not found:
        # runId (Run*) and RunId (drift) are one key to a case-insensitive filter: list it once.
        names: dict[str, str] = {}
        for f in (f for i in selected for f in i.fields):
            names.setdefault(f.name.lower(), f.name)
        fields = ", ".join(names.values())
        who = "no Azure ML event" if len(selected) == len(EVENT_TYPES) else f"no {_names(selected)} event"
        return (
            f"advanced filter key '{key}' names a field that {who} carries, so it is always missing; "
            f"use one of their data fields: {fields}."
        )
    field = found[0]
    types = {f.type for f in found}
    if len(segments) > 2:
        if "object" not in types:
            return (
                f"advanced filter key '{key}' looks inside {field.name}, which is a {field.type}, so it is always "
                f"missing; filter on data.{field.name} itself."
            )
        if field.name.lower() in _DOTTED_MAPS and segments[2].lower() == "azureml":
            return (
                f"advanced filter key '{key}' cannot reach the '{'.'.join(segments[2:])}' entry of {field.name}, "
                "because AML writes azureml.* keys with dots and filter keys cannot escape a dot; "
                "filter on another field such as data.runType or data.experimentName."
            )
        return None
    if types == {"object"} and advanced.operator not in _NULL_TESTS:
        return (
            f"advanced filter key '{key}' is the whole {field.name} object, which {advanced.operator.value} never "
            f"matches; filter on an entry inside it, e.g. data.{field.name}.<key>."
        )
    if advanced.operator.value.startswith("String") and all("number" in t for t in types):
        return (
            f"advanced filter {advanced.operator.value} on '{key}' compares strings, but AML sends {field.name} "
            "as a number; use a Number operator such as NumberIn or NumberInRange instead."
        )
    return None
