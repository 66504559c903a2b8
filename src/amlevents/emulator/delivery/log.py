"""The delivery log behind ``GET /_emulator/deliveries``: one record per (published event, subscription).

A record says whether the subscription's filter matched (with the failing checks, worded as ``events test`` words
them), where it goes (the endpoint without its query string, or the destination resource id), every attempt
(number, time, status, outcome, error) and the final outcome:

===============  ===================================================================================
``notMatched``   the filter rejected the event, or the subscription is not provisioned or has expired
                 (``failedChecks`` says why: ``includedEventTypes``, ``provisioningState`` ...)
``pending``      matched, its first attempt is due
``retrying``     an attempt failed, another is scheduled (``nextAttemptTime``)
``delivered``    a handler answered 200-204
``deadLettered`` given up; the record is in the dead-letter folder (``deadLetterFile``)
``dropped``      given up with no dead-letter destination (or the dead-letter write failed)
``spooled``      appended to a destination's spool file (``spoolFile``)
===============  ===================================================================================

Bounded: the newest ``LIMIT`` records are kept. Every text in it is redacted already (nothing secret is stored).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any

LIMIT = 10_000
IN_FLIGHT = frozenset({"pending", "retrying"})


class DeliveryLog:
    """Thread-safe records, with a wait for the in-flight ones to settle."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._records: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._limit = limit
        self._changed = threading.Condition()

    def add(self, record: dict[str, Any]) -> None:
        """Store a new record (its ``id`` is the key); the oldest go past the limit."""
        with self._changed:
            self._records[record["id"]] = record
            while len(self._records) > self._limit:
                self._records.popitem(last=False)
            self._changed.notify_all()

    def update(self, record_id: str, **fields: Any) -> None:
        """Set fields of a record (gone records are ignored)."""
        with self._changed:
            record = self._records.get(record_id)
            if record is not None:
                record.update(fields)
                self._changed.notify_all()

    def attempt(self, record_id: str, attempt: dict[str, Any]) -> None:
        """Append one attempt to a record."""
        with self._changed:
            record = self._records.get(record_id)
            if record is not None:
                record["attempts"].append(attempt)
                self._changed.notify_all()

    def records(self, publish_id: str | None = None) -> list[dict[str, Any]]:
        """Copies of the records, oldest first; only one publish's with ``publish_id``."""
        with self._changed:
            return [copy.deepcopy(r) for r in self._records.values()
                    if publish_id is None or r.get("publishId") == publish_id]

    def in_flight(self, publish_id: str | None = None) -> int:
        """How many records (of one publish, with ``publish_id``) are pending or retrying."""
        with self._changed:
            return self._count(publish_id)

    def _count(self, publish_id: str | None) -> int:
        return sum(1 for r in self._records.values()
                   if r["outcome"] in IN_FLIGHT and (publish_id is None or r.get("publishId") == publish_id))

    def wait_settled(self, timeout: float, publish_id: str | None = None) -> bool:
        """Wait up to ``timeout`` real seconds until nothing (of that publish) is in flight; whether it settled."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count(publish_id) == 0, timeout=max(0.0, timeout))

    def clear(self) -> None:
        """Forget every record."""
        with self._changed:
            self._records.clear()
            self._changed.notify_all()
