"""Small value helpers shared by the pipeline stages: ISO 8601 instants and bounded integers."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from amlevents.core.errors import InvalidInputError

_FRACTION = re.compile(r"(:[0-9]{2}\.[0-9]{6})[0-9]+")


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date or date-time (``Z``, an offset or none); raises ``ValueError`` when ``text`` is not one.

    Fractions of a second beyond microseconds are cut (Azure writes seven digits, ``2030-01-01T00:00:00.0000000Z``;
    Python 3.10 refuses them). Without an offset the result is naive: ``format_utc`` takes it as UTC.
    """
    iso = _FRACTION.sub(r"\1", text)
    return datetime.fromisoformat(iso[:-1] + "+00:00" if iso.endswith(("Z", "z")) else iso)


def format_utc(moment: datetime) -> str:
    """``moment`` in UTC as ``2030-01-01T00:00:00Z`` (with microseconds when it has any); naive means UTC."""
    moment = as_utc(moment)
    fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive one is taken as UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def int_in_range(value: Any, flag: str, low: int, high: int) -> int:
    """``value`` when it is an int from ``low`` to ``high``; else an error naming ``flag``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInputError(f"{flag} must be a number between {low} and {high}, got {value!r}")
    return value
