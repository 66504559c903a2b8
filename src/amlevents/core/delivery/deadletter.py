"""The dead-letter record and where it lands (reference/webhooks.md §5).

A dead-lettered event is the event (in the schema it was delivered in) plus ``deadLetterReason``,
``deliveryAttempts``, ``lastDeliveryOutcome``, ``lastHttpStatusCode``, ``publishTime`` and
``lastDeliveryAttemptTime``. The service writes it as a blob in ``deadLetterDestination``'s container of its
storage account; locally it lands at ``<dir>/<account>/<container>/<subscription>/<event id>.json``.
"""

from __future__ import annotations

import re
from typing import Any

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def dead_letter_record(event: dict[str, Any], *, reason: str, attempts: int, last_outcome: str,
                       last_status: int | None, publish_time: str, last_attempt_time: str | None) -> dict[str, Any]:
    """``event`` with the dead-letter fields added."""
    return {**event, "deadLetterReason": reason, "deliveryAttempts": attempts, "lastDeliveryOutcome": last_outcome,
            "lastHttpStatusCode": last_status, "publishTime": publish_time,
            "lastDeliveryAttemptTime": last_attempt_time}


def safe_segment(text: str) -> str:
    """``text`` usable as one path segment: characters outside ``[A-Za-z0-9._-]`` become ``_``; never ``.``/``..``."""
    cleaned = _UNSAFE.sub("_", text)[:200]
    return cleaned if cleaned.strip(".") else "_" + cleaned


def dead_letter_target(destination: Any) -> tuple[str, str] | None:
    """(storage account name, container) of a ``deadLetterDestination`` (or ``deadLetterWithResourceIdentity``
    ``deadLetterDestination``), None when there is none."""
    if not isinstance(destination, dict):
        return None
    props = destination.get("properties") or {}
    resource_id, container = props.get("resourceId"), props.get("blobContainerName")
    if not isinstance(resource_id, str) or not isinstance(container, str) or not container:
        return None
    account = resource_id.rstrip("/").rsplit("/", 1)[-1] or "account"
    return account, container


def dead_letter_path(account: str, container: str, subscription_name: str, event_id: str) -> tuple[str, ...]:
    """The relative path segments of a dead-letter record file."""
    return (safe_segment(account), safe_segment(container), safe_segment(subscription_name),
            safe_segment(event_id) + ".json")
