"""Adaptive long-running-operation polling on top of azure-mgmt-core's ``ARMPolling``.

The SDK's default waits ``polling_interval`` (30 s) between status checks unless the service sends
``Retry-After`` — which Event Grid does not — so every create takes 30 s or more however fast Event Grid is.
Here the first check is immediate (azure-core's own loop), then the delay follows ``SCHEDULE`` and stays at its
last value; a ``Retry-After`` header always wins. Event Grid usually provisions within a few seconds, so the
schedule checks twice a second for about the first five seconds, then backs off to every 3 s. Several operations
at once are checked by ``arm.scheduler`` (the same schedule, counted from each check's sending so that round
trips do not add up), which learns the duration from the first operation and aims the others' checks at it.

Once Azure has accepted a write, a status check that fails (a dropped connection, a 5xx, after the pipeline's
own retries) does not end the wait: the next check follows the schedule, and only after
``POLL_FAILURES_TOLERATED`` failed checks in a row does the poller give up with ``StatusUnreadable``, so that the
caller reads the resource and reports what Azure holds (``arm.outcome``) instead of calling the write failed.
A ``Retry-After`` is capped like the retry policy's, and no delay may cross the command's deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.core.polling.base_polling import BadStatus, get_retry_after
from azure.mgmt.core.polling.arm_polling import ARMPolling

from amlevents.arm.retry import MAX_RETRY_AFTER, Deadline, announce_wait

SCHEDULE = (0.25, 0.25) + (0.5,) * 8 + (1.0, 2.0, 3.0)
POLL_FAILURES_TOLERATED = 3  # failed status checks in a row (each already retried by the pipeline) before giving up
TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class StatusUnreadable(Exception):
    """The operation's status could not be read (``cause``: the last failure, ``status``: its HTTP status if it
    had an answer); the operation's outcome is unknown."""

    def __init__(self, cause: BaseException, status: int | None = None) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.status = status


def transient(exc: BaseException, status: int | None = None) -> bool:
    """A failure to read an answer that asking again may cure: transport errors, 408/429/5xx (``status``: the
    HTTP status of the answer, when ``exc`` carries no response of its own)."""
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        return True
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or status
    return status in TRANSIENT_STATUS


class AdaptivePolling(ARMPolling):
    """``ARMPolling`` with a growing delay instead of a fixed interval, tolerant of failed status checks."""

    def __init__(self, schedule: tuple[float, ...] = SCHEDULE, *, deadline: Deadline | None = None,
                 max_wait: float = MAX_RETRY_AFTER, notice: Callable[[str], None] | None = None, **kwargs: Any):
        super().__init__(timeout=schedule[-1], **kwargs)
        self._schedule = schedule
        self._polls = 0
        self._failures = 0
        self._deadline = deadline or Deadline(None)
        self._max_wait = max_wait
        self._notice = notice or (lambda _message: None)

    def initialize(self, client: Any, initial_response: Any, deserialization_callback: Any) -> None:
        # The schedule starts over for each operation, even when one instance is handed to several calls.
        self._polls = 0
        self._failures = 0
        super().initialize(client, initial_response, deserialization_callback)

    @property
    def accepted_state(self) -> str | None:
        """The ``provisioningState`` Azure answered the write with: ``Updating`` from a PUT means the resource
        already existed (a PUT is an upsert), ``Creating`` that it did not."""
        try:
            body = self._initial_response.http_response.json()
        except (AttributeError, ValueError):
            return None
        return ((body or {}).get("properties") or {}).get("provisioningState") if isinstance(body, dict) else None

    def _extract_delay(self) -> float:
        retry_after = get_retry_after(self._pipeline_response)
        if retry_after:
            granted = min(retry_after, self._max_wait)
            if granted >= 5:  # short waits are the ordinary polling rhythm; long ones are worth a line
                self._notice(announce_wait(retry_after, granted, "operation in progress"))
            return granted
        delay = self._schedule[min(self._polls, len(self._schedule) - 1)]
        self._polls += 1
        return delay

    def _delay(self) -> None:
        delay = self._extract_delay()
        self._deadline.allow(delay, "waiting for Azure to finish the operation")  # settle() says it was accepted
        self._sleep(delay)

    def update_status(self) -> None:
        try:
            super().update_status()
        except Exception as exc:  # noqa: BLE001 - only transient failures are tolerated; the rest re-raised
            answer = getattr(getattr(self, "_pipeline_response", None), "http_response", None)
            status = getattr(answer, "status_code", None) if isinstance(exc, BadStatus) else None
            if not transient(exc, status):
                raise
            self._failures += 1
            if self._failures > POLL_FAILURES_TOLERATED:
                raise StatusUnreadable(exc, status) from exc
            return  # the status stays as last seen (not finished): the loop waits and asks again
        self._failures = 0

    def finished(self) -> bool:
        # A webhook awaiting manual validation stays so for up to 10 minutes; waiting on it helps nobody, so
        # the operation is done as far as we are concerned and the caller reports the state.
        return super().finished() or str(self.status()).lower() == "awaitingmanualaction"
