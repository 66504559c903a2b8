"""Bounded waiting: azure-core's retry policy with capped, announced ``Retry-After`` waits and a command deadline.

azure-core obeys ``Retry-After`` as sent (``Retry-After: 3600`` slept an hour, silently) and bounds nothing but
each request's retries. Here every wait Azure asks for is announced on stderr (through the session's ``notice``)
and capped at ``MAX_RETRY_AFTER`` seconds (``AMLEVENTS_MAX_RETRY_AFTER``); azure-core's own counters still decide
how many retries there are (3 per status, 10 in all), so a service that keeps throttling fails after a few
minutes at most. ``--timeout``/``AMLEVENTS_TIMEOUT`` bounds the whole command: no wait or request may run past it,
and crossing it raises ``CommandTimedOut`` (exit 1).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from azure.core.pipeline.policies import RetryPolicy

from amlevents.core.errors import ServiceError

MAX_RETRY_AFTER = 60.0  # seconds: the longest single wait granted to a Retry-After (AMLEVENTS_MAX_RETRY_AFTER)
TIMEOUT_HINT = ("Azure is throttling or slow: run the command again later, or allow more time with --timeout "
                "SECONDS (AMLEVENTS_TIMEOUT)")
_REASONS = {429: "throttled", 503: "service unavailable"}


class CommandTimedOut(ServiceError):
    """The command's ``--timeout`` ran out. Not an ``AzureError``, so azure-core's retry loop cannot retry it."""


class Deadline:
    """When the command must be done (None: no bound), measured on the monotonic clock."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._at = time.monotonic() + seconds if seconds else None

    def remaining(self) -> float | None:
        """Seconds left (never below 0), or None without a deadline."""
        return None if self._at is None else max(0.0, self._at - time.monotonic())

    def allow(self, wait: float, doing: str) -> None:
        """Raise ``CommandTimedOut`` when waiting ``wait`` seconds would cross the deadline."""
        left = self.remaining()
        if left is not None and wait >= left:
            raise CommandTimedOut(f"gave up {doing}: only {left:.1f} s of --timeout {self.seconds:g} s were left",
                                  hint=TIMEOUT_HINT)


def _at(seconds: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).strftime("%H:%M:%S UTC")


def announce_wait(asked: float, granted: float, reason: str) -> str:
    """The stderr line for a wait Azure asked for."""
    capped = f", waiting {granted:g} s (the maximum, AMLEVENTS_MAX_RETRY_AFTER)" if granted < asked else ""
    return f"Azure asked to wait {asked:g} s ({reason}){capped}; retrying at {_at(granted)}"


class _Bounds:
    """What both retry policies add to azure-core's: capped, announced waits within the command's deadline."""

    def __init__(self, *, deadline: Deadline | None = None, max_wait: float = MAX_RETRY_AFTER,
                 notice: Callable[[str], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[call-arg]
        self.deadline = deadline or Deadline(None)
        self.max_wait = max_wait
        self.notice = notice or (lambda _message: None)
        self._method_whitelist = self._method_whitelist | {"POST", "PATCH"}  # type: ignore[has-type]

    def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
        settings = super().configure_retries(options)  # type: ignore[misc]
        left = self.deadline.remaining()
        if left is not None:  # azure-core's own timeout setting, per request: what is left of the command's
            if left <= 0:
                self.deadline.allow(0, "before sending a request")
            settings["timeout"] = min(settings["timeout"], left)
        return settings

    def _timed_out(self) -> CommandTimedOut | None:
        """The error for a request cut short by the deadline (read timeout): it says so, not "connection broke"."""
        left = self.deadline.remaining()
        if left is not None and left < 0.25:
            return CommandTimedOut(f"gave up waiting for Azure's answer: --timeout {self.deadline.seconds:g} s "
                                   "ran out", hint=TIMEOUT_HINT)
        return None

    def _configure_timeout(self, request: Any, absolute_timeout: float, is_response_error: bool) -> None:
        super()._configure_timeout(request, absolute_timeout, is_response_error)  # type: ignore[misc]
        if self.deadline.remaining() is not None:  # a hung response must not outlive the command either
            current = request.context.options.get("read_timeout") or absolute_timeout
            request.context.options["read_timeout"] = max(0.001, min(current, absolute_timeout))

    def _granted(self, response: Any) -> float | None:
        """The wait a ``Retry-After`` asks for, capped, allowed by the deadline and announced; None: none asked."""
        asked = self.get_retry_after(response)  # type: ignore[attr-defined]
        if not asked:
            return None
        granted = min(asked, self.max_wait)
        status = response.http_response.status_code
        reason = _REASONS.get(status, f"HTTP {status}")
        self.deadline.allow(granted, f"after Azure asked to wait {asked:g} s ({reason})")
        self.notice(announce_wait(asked, granted, reason))
        return granted

    def _backoff(self, settings: dict[str, Any]) -> float:
        backoff: float = self.get_backoff_time(settings)  # type: ignore[attr-defined]  # capped by retry_backoff_max
        if backoff > 0:
            self.deadline.allow(backoff, f"before retrying a failed request in {backoff:g} s")
        return backoff


class BoundedRetryPolicy(_Bounds, RetryPolicy):
    """azure-core's ``RetryPolicy`` whose waits are capped, announced and bounded by the command's deadline.

    Every POST and PATCH amlevents sends is idempotent (getFullUrl, getDeliveryAttributes, permission reads; a
    PATCH sets fields to given values), so they are retried after a dropped connection like GET/PUT/DELETE.
    """

    def send(self, request: Any) -> Any:
        from azure.core.exceptions import AzureError

        try:
            return super().send(request)
        except AzureError as exc:
            timed_out = self._timed_out()
            if timed_out is None:
                raise
            raise timed_out from exc

    def _sleep_for_retry(self, response: Any, transport: Any) -> bool:
        granted = self._granted(response)
        if granted is None:
            return False
        transport.sleep(granted)
        return True

    def _sleep_backoff(self, settings: dict[str, Any], transport: Any) -> None:
        backoff = self._backoff(settings)
        if backoff > 0:
            transport.sleep(backoff)


def async_retry_policy(**kwargs: Any) -> Any:
    """The same policy for azure-core's asynchronous pipelines (``arm.aio``): azure-core's ``AsyncRetryPolicy`` with
    capped, announced waits within the deadline (imported on first use: only fleet reads run asynchronously)."""
    from azure.core.pipeline.policies import AsyncRetryPolicy

    class AsyncBoundedRetryPolicy(_Bounds, AsyncRetryPolicy):
        async def send(self, request: Any) -> Any:
            from azure.core.exceptions import AzureError

            try:
                return await super().send(request)
            except AzureError as exc:
                timed_out = self._timed_out()
                if timed_out is None:
                    raise
                raise timed_out from exc

        async def _sleep_for_retry(self, response: Any, transport: Any) -> bool:
            granted = self._granted(response)
            if granted is None:
                return False
            await transport.sleep(granted)
            return True

        async def _sleep_backoff(self, settings: dict[str, Any], transport: Any) -> None:
            backoff = self._backoff(settings)
            if backoff > 0:
                await transport.sleep(backoff)

    return AsyncBoundedRetryPolicy(**kwargs)
