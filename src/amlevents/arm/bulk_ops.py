"""One operation of a fleet apply's batch and what a list read says of it (arm/bulk.py, arm/bulk_settle.py).

``Op`` is one step's write: what it sends and, once Azure accepted it, its answer and when. ``judge`` judges an
operation by its list item (applied, still running, missing from the list, or handed back to a status check);
``ReadBudget`` is ARM's read bucket of each Azure subscription as the settler spends it; ``workspace_items`` reads
a workspace's own list in one request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amlevents.arm.apply_steps import StepResult, WorkspaceState, short_workspace
from amlevents.arm.errors import translate_errors
from amlevents.arm.fleet import PAGE_SIZE
from amlevents.arm.subscriptions import WorkspaceSubscriptions, send_json
from amlevents.core.plan import PlannedChange

_LOCATION = re.compile(r"/providers/Microsoft\.EventGrid/locations/([^/]+)/operations", re.IGNORECASE)
APPLIED, RUNNING, HAND_BACK, MISSING = "applied", "running", "hand-back", "missing"


@dataclass
class Op:
    """One step's write: what it sends, and once Azure accepted it, its answer and when."""

    state: WorkspaceState
    step: PlannedChange
    api: WorkspaceSubscriptions
    where: str | None  # the system topic the write goes through (None: the workspace scope)
    method: str
    body: dict[str, Any] | None
    response: Any = None  # the PipelineResponse that accepted it
    accepted_at: float = 0.0
    result: StepResult | None = None

    @property
    def action(self) -> str:
        return self.step.action.value

    @property
    def key(self) -> tuple[str, str]:
        """(workspace id, name) in lower case: how a list item is matched to it."""
        return self.step.workspace_id.lower(), self.step.name.lower()

    @property
    def status_url(self) -> str | None:
        headers = self.response.http_response.headers
        return headers.get("Azure-AsyncOperation") or headers.get("Location")

    @property
    def location(self) -> str | None:
        """The operation's region, from its status URL (``.../locations/{region}/operationsStatus/...``)."""
        found = _LOCATION.search(self.status_url or "")
        return found.group(1).lower() if found else None

    def applied(self, at: float, ui: Any) -> None:
        """Settled as applied, seen done at ``at``; the progress line ``_run`` prints."""
        seconds = max(0.0, at - self.accepted_at)
        self.result = StepResult(self.step, "applied", seconds=round(seconds, 2))
        self.response = None  # its answer is no longer needed: freed now, not all 5,000 at once when the batch ends
        ui.info(f"{self.action}d {short_workspace(self.step.workspace_id)}/{self.step.name} ({seconds:.1f} s)")


READ_BURST = 250.0  # ARM's read bucket per subscription
READ_RATE = 25.0  # tokens per second refilled


class ReadBudget:
    """ARM's read bucket of each Azure subscription, as the rounds spend it on list pages."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # subscription -> (tokens, at)

    def _tokens(self, subscription: str) -> float:
        tokens, at = self._buckets.get(subscription, (READ_BURST, self._clock()))
        return min(READ_BURST, tokens + (self._clock() - at) * READ_RATE)

    def delay(self, subscription: str, pages: int) -> float:
        """Seconds until ``pages`` reads of ``subscription`` are within its bucket."""
        return max(0.0, (min(pages, READ_BURST) - self._tokens(subscription)) / READ_RATE)

    def spend(self, subscription: str, pages: int) -> None:
        """``pages`` reads were made."""
        self._buckets[subscription] = (self._tokens(subscription) - pages, self._clock())


def judge(op: Op, item: dict[str, Any] | None) -> str:
    """What an operation's list item (None: not listed) says of it."""
    state = ((item or {}).get("properties") or {}).get("provisioningState")
    if op.method == "DELETE":
        if item is None:
            return APPLIED
        return RUNNING if state == "Deleting" else HAND_BACK
    if item is None:
        return MISSING
    if state == "Succeeded":
        return APPLIED
    return RUNNING if state in ("Creating", "Updating") else HAND_BACK


def subscription_of(op: Op) -> str:
    return op.state.ref.subscription_id.lower()


def workspace_of(op: Op) -> str:
    return op.state.ref.id.lower()


def workspace_items(api: WorkspaceSubscriptions) -> list[dict[str, Any]]:
    """The items of the workspace's own list: one request through the lean pipeline (a workspace holds a few
    subscriptions), the rest of the pages as ``WorkspaceSubscriptions.items`` reads them if there are more."""
    ws = api.workspace
    with translate_errors(f"list the event subscriptions of workspace '{ws.name}'"):
        page = send_json(api.lean_pipeline(), "GET", f"{ws.id}/providers/Microsoft.EventGrid/eventSubscriptions"
                                                     f"?api-version={api.api_version}&$top={PAGE_SIZE}") or {}
    return api.list() if page.get("nextLink") else list(page.get("value") or [])


def outcome(call: Callable[[], Any]) -> Any:
    """What ``call`` returned, or the exception it raised."""
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - judged by the caller
        return exc
