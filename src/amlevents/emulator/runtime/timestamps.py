"""ARM's timestamp format, shared by the domain (``backend``) and the caller's ``systemData`` (``identity.caller``)
without either importing the other."""

from __future__ import annotations

from datetime import datetime, timezone


def iso(t: float) -> str:
    """ARM's timestamp format: 2024-05-01T12:00:00.1234567Z."""
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
