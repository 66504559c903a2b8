"""Settling many accepted writes by the regional lists by topic type, not one status check each (arm/bulk.py).

The writes of an apply at fleet size are accepted by the hundred in each (Azure subscription, location); the
regional list by topic type of that scope (``arm.fleet.ListScope``, read with ``FleetSubscriptions.scope_items``:
pages of 100, and the per-resource-group lists when the subscription-wide one is denied) shows every one's
``provisioningState``. A round reads the list of every scope with operations pending, at once, and judges each
operation from its item:

- create/update: ``Succeeded`` -> applied; ``Creating``/``Updating`` -> still running; any other state (``Failed``,
  ``Canceled``, ``AwaitingManualAction``) is handed back, so that one status check reads Azure's reason; an item
  missing from the list is read with one GET (judged the same way; gone: handed back, its status says why);
- delete: gone from the list -> applied; ``Deleting`` -> still running; any other state is handed back. Absence
  is trusted only from a list that shows some subscription of the operations' workspaces (else a list of the
  wrong region, say, would report every delete done): a list showing none of them hands its deletes back.

Handed back too: a scope whose list cannot be read (403, or an error after the pipeline's retries), and the last
few operations of a scope once a round of its list costs more pages than they are (one check each is cheaper).

When to read again is learnt as ``arm.scheduler`` learns it (its ``Completion`` per kind of operation): the first
round at once, then when the operations still running are expected to be done (the latest of their acceptances +
the learnt duration), else on ``arm.polling.SCHEDULE``. No round comes sooner than ARM's read bucket of each
subscription allows for its pages (250, refilled 25 a second: shared/reference/fleet.md), nor waits past the
command's ``--timeout`` (what is pending then is handed back; the status checks report the deadline as ``_run``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amlevents.arm.apply_steps import StepResult, WorkspaceState, short_workspace
from amlevents.arm.concurrency import concurrently
from amlevents.arm.fleet import (
    PAGE_SIZE,
    FleetSubscriptions,
    ListScope,
    workspace_id_of,
)
from amlevents.arm.polling import SCHEDULE
from amlevents.arm.scheduler import SENDERS, Completion
from amlevents.arm.subscriptions import WorkspaceSubscriptions
from amlevents.core.errors import AmlEventsError
from amlevents.core.plan import PlannedChange

_LOCATION = re.compile(r"/providers/Microsoft\.EventGrid/locations/([^/]+)/operations", re.IGNORECASE)


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
        ui.info(f"{self.action}d {short_workspace(self.step.workspace_id)}/{self.step.name} ({seconds:.1f} s)")



READ_BURST = 250.0  # ARM's read bucket per subscription
READ_RATE = 25.0  # tokens per second refilled
# lists read at once in a round (each also a page ahead): the round after the last write is the apply's tail, and
# the read buckets are per subscription; as many as the scheduler's status checks (the transport's 32 connections)
WORKERS = SENDERS
APPLIED, RUNNING, HAND_BACK, MISSING = "applied", "running", "hand-back", "missing"
ScopeKey = tuple[str, str]  # (Azure subscription id, location), lower case


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


class ListSettler:
    """Settles the operations of each scope by rounds of its list; ``run`` returns those it hands back."""

    def __init__(self, session: Any, ui: Any, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.session = session
        self.ui = ui
        self._clock = clock
        self._sleep = sleep
        self.budget = ReadBudget(clock)
        self.learnt: dict[str, Completion] = {}
        self.rounds = 0

    def run(self, groups: dict[ScopeKey, list[Op]]) -> list[Op]:
        """Read the lists of ``groups`` until every operation is settled (``op.result``) or handed back."""
        pending = {key: {op.key: op for op in ops} for key, ops in groups.items() if ops}
        scopes = {key: _scope(ops) for key, ops in groups.items() if ops}
        pages = {key: 1 for key in pending}  # what a round of each list costs, as last read
        handed: list[Op] = []
        due = self._clock()
        while pending:
            wait = max(due - self._clock(), *(self.budget.delay(k[0], pages[k]) for k in pending))
            if wait > 0:
                try:
                    self.session.deadline.allow(wait, "waiting for Azure to finish the operations")
                except AmlEventsError:  # the status checks settle them against the deadline, as _run does
                    break
                self._sleep(wait)
            started = self._clock()
            reads = concurrently([lambda k=k: self._read(scopes[k], set(pending[k])) for k in pending],
                                 workers=WORKERS)
            ended = self._clock()
            self.rounds += 1
            for key, got in zip(list(pending), reads):
                if isinstance(got, AmlEventsError):  # 403 on the list, or it failed after the retries: one check each
                    handed += pending.pop(key).values()
                    continue
                if isinstance(got, BaseException):
                    raise got  # not Azure's answer: a bug
                found, pages[key], anchored = got
                self.budget.spend(key[0], pages[key])
                handed += self._judge_all(pending[key], found, started, ended, anchored)
                if len(pending[key]) < pages[key]:  # none left, or a round now costs more than a check each
                    handed += pending.pop(key).values()
            due = self._next_round(pending, started)
        for ops in pending.values():
            handed += ops.values()
        return handed

    def _read(self, scope: ListScope,
              wanted: set[tuple[str, str]]) -> tuple[dict[tuple[str, str], Any], int, bool]:
        """The items of ``scope``'s list that ``wanted`` names, how many pages the list was, and whether it showed
        any subscription of their workspaces."""
        workspaces = {workspace for workspace, _ in wanted}
        found: dict[tuple[str, str], Any] = {}
        count = 0
        anchored = False
        for item in FleetSubscriptions(self.session).scope_items([scope]):
            count += 1
            owner, name = (workspace_id_of(item) or "").lower(), str(item.get("name") or "").lower()
            anchored = anchored or owner in workspaces
            if (owner, name) in wanted:
                found[owner, name] = item
        return found, max(1, -(-count // PAGE_SIZE)), anchored

    def _judge_all(self, ops: dict[tuple[str, str], Op], found: dict[tuple[str, str], Any], started: float,
                   ended: float, anchored: bool) -> list[Op]:
        """Settle what the items say (removed from ``ops``); returns the operations handed back."""
        handed: list[Op] = []
        missing = []
        for key, op in list(ops.items()):
            verdict = _verdict(op, found.get(key))
            if verdict == APPLIED and op.method == "DELETE" and not anchored:
                verdict = HAND_BACK  # gone from a list that shows nothing of its workspace: its status says
            if verdict == MISSING:
                missing.append(op)
            else:
                self._record(ops, op, verdict, started, ended, handed)
        # a subscription created or updated must be there: its own GET says what became of it
        for op, got in zip(missing, concurrently([lambda o=o: o.api.get(o.step.name, o.where) for o in missing],
                                                 workers=8)):
            if isinstance(got, BaseException) and not isinstance(got, AmlEventsError):
                raise got  # not Azure's answer: a bug
            verdict = HAND_BACK if got is None or isinstance(got, AmlEventsError) else _verdict(op, got.resource)
            self._record(ops, op, verdict, started, self._clock(), handed)
        return handed

    def _record(self, ops: dict[tuple[str, str], Op], op: Op, verdict: str, started: float, ended: float,
                handed: list[Op]) -> None:
        learnt = self.learnt.setdefault(op.action, Completion())
        if verdict == RUNNING:
            learnt.running_at(started - op.accepted_at)  # it was running at least until the round began
            return
        del ops[op.key]
        if verdict == APPLIED:
            learnt.done_by(ended - op.accepted_at)  # and done at the latest when the round ended
            op.applied(ended, self.ui)
        else:
            handed.append(op)

    def _next_round(self, pending: dict[ScopeKey, dict[tuple[str, str], Op]], started: float) -> float:
        """When to read the lists again: when the operations still running are expected done (the learnt duration
        after the latest acceptance), else the schedule's next step after this round's start."""
        running = [op for ops in pending.values() for op in ops.values()]
        targets = [self.learnt[op.action].target() if op.action in self.learnt else None for op in running]
        if running and all(t is not None for t in targets):
            return max(op.accepted_at + t for op, t in zip(running, targets))  # type: ignore[operator]
        return started + SCHEDULE[min(self.rounds - 1, len(SCHEDULE) - 1)]


def _verdict(op: Op, item: dict[str, Any] | None) -> str:
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


def _scope(ops: list[Op]) -> ListScope:
    """The list of the operations' (Azure subscription, location), knowing their resource groups (read one by one
    when the subscription-wide list is denied)."""
    first = ops[0]
    groups = tuple(sorted({op.state.ref.resource_group for op in ops}, key=str.lower))
    return ListScope(first.state.ref.subscription_id, first.location or "", None, groups)
