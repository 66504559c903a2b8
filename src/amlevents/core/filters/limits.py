"""Event Grid's documented advanced-filter limits, checked before anything is sent.

"25 advanced filters and 25 filter values across all the filters per Event Grid subscription" and "512
characters per string value" (Event Grid limits doc). Neither the REST API's swagger nor the az CLI checks
them, so the CLI checks them here and the emulator reuses ``limit_violations`` to refuse what Azure refuses.

String length is counted in Python characters (code points); the docs say "characters" without saying
whether .NET's UTF-16 units are meant, which differ only for characters outside the Basic Multilingual Plane.
"""

from __future__ import annotations

from collections.abc import Iterator

from amlevents.core.errors import LimitExceededError
from amlevents.core.filters.model import EventFilter, ValueKind

__all__ = [
    "MAX_ADVANCED_FILTERS",
    "MAX_FILTER_VALUES",
    "MAX_STRING_VALUE_LENGTH",
    "check_limits",
    "check_string_length",
    "limit_violations",
]

MAX_ADVANCED_FILTERS = 25  # per event subscription
MAX_FILTER_VALUES = 25  # summed over all advanced filters of a subscription; a range counts once
MAX_STRING_VALUE_LENGTH = 512  # characters per string value


def limit_violations(event_filter: EventFilter) -> list[str]:
    """Every limit the filter exceeds, one message each, in a stable order (empty when it is within limits)."""
    return [message for message, _hint in _violations(event_filter)]


def check_limits(event_filter: EventFilter) -> None:
    """Raise ``LimitExceededError`` for the first limit the filter exceeds; return when it is within limits."""
    for message, hint in _violations(event_filter):
        raise LimitExceededError(message, hint=hint)


def check_string_length(value: str, key: str) -> None:
    """Raise ``LimitExceededError`` when ``value`` (a string value of the filter on ``key``) is too long."""
    violation = _string_length_violation(value, key)
    if violation is not None:
        raise LimitExceededError(violation[0], hint=violation[1])


def _violations(event_filter: EventFilter) -> Iterator[tuple[str, str]]:
    """(message, hint) pairs: the filter count, then the value count, then each over-long string value."""
    filters = event_filter.filters
    if len(filters) > MAX_ADVANCED_FILTERS:
        yield (
            f"{len(filters)} advanced filters exceed the Event Grid limit of {MAX_ADVANCED_FILTERS} per event "
            "subscription",
            "Merge filters on the same key and operator, or split the events over several subscriptions.",
        )
    values = sum(f.value_count for f in filters)
    if values > MAX_FILTER_VALUES:
        yield (
            f"{values} filter values exceed the Event Grid limit of {MAX_FILTER_VALUES} values across all "
            "advanced filters",
            "Cover several values with one (a NumberInRange range, a StringBeginsWith prefix), or split the "
            "events over several subscriptions.",
        )
    for f in filters:
        if f.operator.kind is ValueKind.STRINGS:
            for value in f.values:
                violation = _string_length_violation(value, f.key)
                if violation is not None:
                    yield violation


def _string_length_violation(value: str, key: str) -> tuple[str, str] | None:
    if len(value) <= MAX_STRING_VALUE_LENGTH:
        return None
    return (
        f"a string value of {len(value)} characters in filter '{key}' exceeds the limit of "
        f"{MAX_STRING_VALUE_LENGTH} characters",
        "Shorten the value; StringBeginsWith or StringContains can match on a shorter part of it.",
    )
