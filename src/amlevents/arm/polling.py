"""Adaptive long-running-operation polling on top of azure-mgmt-core's ``ARMPolling``.

The SDK's default waits ``polling_interval`` (30 s) between status checks unless the service sends
``Retry-After`` — which Event Grid does not — so every create takes 30 s or more however fast Event Grid is.
Here the first check is immediate (azure-core's own loop), then the delay follows ``SCHEDULE`` and stays at its
last value; a ``Retry-After`` header always wins. Event Grid usually provisions within a few seconds, so the
schedule checks twice a second for about the first five seconds, then backs off to every 3 s.
"""

from __future__ import annotations

from azure.core.polling.base_polling import get_retry_after
from azure.mgmt.core.polling.arm_polling import ARMPolling

SCHEDULE = (0.25, 0.25) + (0.5,) * 8 + (1.0, 2.0, 3.0)


class AdaptivePolling(ARMPolling):
    """``ARMPolling`` with a growing delay instead of a fixed interval."""

    def __init__(self, schedule: tuple[float, ...] = SCHEDULE, **kwargs):
        super().__init__(timeout=schedule[-1], **kwargs)
        self._schedule = schedule
        self._polls = 0

    def initialize(self, *args, **kwargs) -> None:
        # The schedule starts over for each operation, even when one instance is handed to several calls.
        self._polls = 0
        super().initialize(*args, **kwargs)

    def _extract_delay(self) -> float:
        retry_after = get_retry_after(self._pipeline_response)
        if retry_after:
            return retry_after
        delay = self._schedule[min(self._polls, len(self._schedule) - 1)]
        self._polls += 1
        return delay

    def finished(self) -> bool:
        # A webhook awaiting manual validation stays so for up to 10 minutes; waiting on it helps nobody, so
        # the operation is done as far as we are concerned and the caller reports the state.
        return super().finished() or str(self.status()).lower() == "awaitingmanualaction"
