"""Settling many accepted writes by lists, not one status check each, while the batch is still being written
(arm/bulk.py).

The writes of an apply at fleet size are accepted by the hundred in each (Azure subscription, location); the
regional list by topic type of that scope (``arm.fleet.ListScope``, read with ``FleetSubscriptions.scope_items``:
pages of 100, and the per-resource-group lists when the subscription-wide one is denied) shows every one's
``provisioningState``, and a workspace's own list shows its few. ``ListSettler`` is told of each answer as the
senders get it, and reads on its own thread, while the writes go on:

- the regional lists of an Azure subscription once most of its writes are answered (``ROUND_FROM`` to
  ``ROUND_AT``, staggered over the subscriptions so that the reads do not all fall at one moment): one read settles
  most of them, early enough to be done before its last writes are;
- from then on, each workspace whose writes are all answered, by its own list (one request; the regional list
  instead when it costs less than the workspaces it would replace: its pages, and ``ITEM_COST`` an item);

so that when the last write is answered only the last workspaces' reads are left. Each operation
(``arm.bulk_ops.Op``) is judged from its item (``arm.bulk_ops.judge``):

- create/update: ``Succeeded`` -> applied; ``Creating``/``Updating`` -> still running; any other state (``Failed``,
  ``Canceled``, ``AwaitingManualAction``) is handed back, so that one status check reads Azure's reason; an item
  missing from the list is read with one GET (judged the same way; gone: handed back, its status says why);
- delete: gone from the list -> applied; ``Deleting`` -> still running; any other state is handed back. Absence
  is trusted only from a list that shows some subscription of the operations' workspaces (else a list of the
  wrong region, say, would report every delete done): a list showing none of them hands its deletes back.

Handed back too: the operations of a list that cannot be read (403, or an error after the pipeline's retries; a
regional list denied is not read again: the workspaces' own lists are), and answers that are no long-running
operation.

When to read a running operation again is learnt as ``arm.scheduler`` learns it (its ``Completion`` per kind of
operation): when it is expected to be done (its acceptance + the learnt duration), else on
``arm.polling.SCHEDULE``. No read comes sooner than ARM's read bucket of the subscription allows (250, refilled 25
a second: shared/reference/fleet.md), nor waits past the command's ``--timeout`` (what is pending then is handed
back; the status checks report the deadline as ``_run``).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from amlevents.arm.bulk_ops import (
    APPLIED,
    HAND_BACK,
    MISSING,
    RUNNING,
    Op,
    ReadBudget,
    judge,
    outcome,
    subscription_of,
    workspace_items,
    workspace_of,
)
from amlevents.arm.concurrency import concurrently
from amlevents.arm.fleet import (
    PAGE_SIZE,
    FleetSubscriptions,
    ListScope,
    workspace_id_of,
)
from amlevents.arm.polling import SCHEDULE
from amlevents.arm.scheduler import RESOLUTION, SENDERS, Completion
from amlevents.arm.subscriptions import WorkspaceSubscriptions
from amlevents.core.errors import AmlEventsError

# reads at once (half regional lists, each also a page ahead; half workspaces' own lists): the read buckets are per
# subscription; as many as the scheduler's status checks (the transport's 32 connections)
WORKERS = SENDERS
ScopeKey = tuple[str, str]  # (Azure subscription id, location), lower case
# a read to make: its scope, the list (a regional one, or a workspace's own), the operations it is to settle
Read = tuple[ScopeKey, "ListScope | WorkspaceSubscriptions", dict[tuple[str, str], "Op"]]
ROUND_AT = 0.85  # the share of a subscription's writes answered when its regional lists are read (see _plan),
ROUND_FROM = 0.55  # ... staggered down to this over the subscriptions of the batch
# what a read costs, in requests: a list item costs about a fifteenth of one (measured against the emulator: a
# request ~3 ms of client and server CPU, an item of a page ~0.2 ms), a workspace's own list about 1.3
ITEM_COST = 1 / 15
WORKSPACE_READ = 1.3


class ListSettler:
    """Settles a batch's accepted writes while the batch is still being written. The senders tell ``answered`` of
    each answer (from their threads); ``run`` (on a thread of its own) reads the lists as they become worth
    reading; ``close`` says every write was answered, and ``run`` then returns the operations it hands back."""

    def __init__(self, session: Any, ui: Any, ops: list[Op], *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.session = session
        self.ui = ui
        self._clock = clock
        self.budget = ReadBudget(clock)
        self.learnt: dict[str, Completion] = {}
        self.rounds = 0  # reads of a regional list
        self.workspace_reads = 0
        self._cond = threading.Condition()
        self._closed = False
        self._gave_up = False  # the --timeout left no time to wait: what is accepted from now on is handed back
        self._unanswered = Counter(workspace_of(op) for op in ops)
        self._sub_left = Counter(subscription_of(op) for op in ops)
        self._sub_total = dict(self._sub_left)
        # the subscriptions' regional reads staggered from ROUND_FROM to ROUND_AT of their writes, not all at once:
        # a round of every list at the same moment took the CPU the senders needed (both processes: the writes fell
        # behind the throttle's pace while it lasted)
        subs = sorted(self._sub_total)
        self._round_at = {sub: ROUND_AT - (ROUND_AT - ROUND_FROM) * i / max(1, len(subs) - 1)
                          for i, sub in enumerate(subs)}
        self._rounded: set[str] = set()  # the Azure subscriptions whose regional lists were read once
        self._denied: set[ScopeKey] = set()  # regional lists that cannot be read: the workspaces' own lists then
        self._pending: dict[ScopeKey, dict[tuple[str, str], Op]] = {}
        self._due: dict[int, float] = {}  # id(op) -> when to read it next
        self._seen_running: Counter[int] = Counter()  # id(op) -> reads that saw it still running
        self._size: dict[ScopeKey, tuple[int, int]] = {}  # (pages, items) of each regional list, as last read
        self._groups: dict[ScopeKey, set[str]] = {}  # the resource groups of each scope's operations
        self._handed: list[Op] = []
        self._reading = 0  # reads under way
        self._failure: BaseException | None = None

    # --- what the senders say ------------------------------------------------------------------------------------

    def answered(self, op: Op) -> None:
        """``op``'s write was answered: accepted (to settle), or refused (``op.result`` says so already)."""
        with self._cond:
            workspace, subscription = workspace_of(op), subscription_of(op)
            self._unanswered[workspace] -= 1
            self._sub_left[subscription] -= 1
            if op.result is None:
                location = op.location
                if location is None or self._gave_up:  # no long-running operation (or no time left): its own check
                    self._handed.append(op)
                else:
                    key = (subscription, location)
                    self._pending.setdefault(key, {})[op.key] = op
                    self._groups.setdefault(key, set()).add(op.state.ref.resource_group)
                    self._due[id(op)] = op.accepted_at
            # wake the settler only when there is something new to read: thousands of answers a run
            if (not self._unanswered[workspace] if subscription in self._rounded else self._round_due(subscription)):
                self._cond.notify()

    def close(self) -> None:
        """Every write was answered (or the senders stopped)."""
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _round_due(self, subscription: str) -> bool:
        """Whether the share of the subscription's writes at which its regional lists are read is answered (or
        all of the batch's)."""
        total = self._sub_total[subscription]
        return self._closed or total - self._sub_left[subscription] >= self._round_at[subscription] * total

    # --- the settling thread -------------------------------------------------------------------------------------

    def run(self) -> list[Op]:
        """Read the lists until the batch is closed and every accepted operation is settled (``op.result``) or
        handed back; returns those handed back (for a status check each). The reads run on a pool of their own,
        so that a workspace's read need not wait for a long regional list."""
        # two pools: a workspace's read (one request) does not queue behind the regional lists (pages of 100)
        with ThreadPoolExecutor(WORKERS // 2, thread_name_prefix="amlevents-bulk-list") as lists, \
                ThreadPoolExecutor(WORKERS - WORKERS // 2, thread_name_prefix="amlevents-bulk-read") as own:
            while True:
                with self._cond:
                    if self._failure is not None:
                        raise self._failure
                    reads, wait = self._plan()
                    if not reads:
                        if self._closed and not self._reading and not any(self._pending.values()):
                            return self._handed
                        if wait is not None and not self._reading and not self._allowed(wait):
                            continue  # what was pending is handed back
                        self._cond.wait(wait)  # a read done, an answer worth reading, the close, or one due
                        continue
                    self._reading += len(reads)
                    started = self._clock()
                    for key, target, _ in reads:
                        self.budget.spend(key[0], self._size.get(key, (1, 0))[0] if isinstance(target, ListScope)
                                          else 1)
                for read in reads:
                    (lists if isinstance(read[1], ListScope) else own).submit(self._read_one, read, started)

    def _allowed(self, wait: float) -> bool:
        """Whether waiting ``wait`` seconds fits the --timeout; else what is pending, and whatever is accepted from
        now on, is handed back (the status checks then report the deadline as ``_run`` does)."""
        try:
            self.session.deadline.allow(wait, "waiting for Azure to finish the operations")
            return True
        except AmlEventsError:
            self._gave_up = True
            for ops in self._pending.values():
                self._handed += ops.values()
            self._pending.clear()
            return False

    def _plan(self) -> tuple[list[Read], float | None]:
        """The reads worth making now (each takes its operations out of pending), else the seconds until one is due
        (None: none until more writes are answered).

        A subscription's regional lists are read once when ``ROUND_FROM``..``ROUND_AT`` of its writes are answered
        (staggered over the subscriptions): early enough to be done before its last writes are, late enough to
        settle most of them in one read each. From then on a
        workspace whose writes are all answered is read by its own list (one request, its few items), unless the
        regional list costs less than the workspaces it would replace (pages, and ``ITEM_COST`` an item)."""
        now = self._clock()
        reads: list[Read] = []
        waits: list[float] = []
        rounded: set[str] = set()
        for key, ops in self._pending.items():
            subscription = key[0]
            first = subscription not in self._rounded and key not in self._denied
            if first and not self._round_due(subscription):
                continue  # too early for its regional list: read at once when it is time (no timeout needed)
            due = [op for op in ops.values() if self._due[id(op)] <= now]
            waits += [self._due[id(op)] - now for op in ops.values() if self._due[id(op)] > now]
            if not first:
                due = [op for op in due if self._closed or not self._unanswered[workspace_of(op)]]
            if not due:
                continue
            workspaces = sorted({workspace_of(op) for op in due})
            pages, items = self._size.get(key, (1, len(ops)))
            # a regional list again only when it costs under half the workspaces' reads: its pages come one after
            # another, the workspaces' lists at once (and the last of them are the apply's tail)
            regional = first or (key not in self._denied
                                 and 2 * (pages + items * ITEM_COST) <= len(workspaces) * WORKSPACE_READ)
            delay = self.budget.delay(subscription, pages if regional else len(workspaces))
            if delay > 0:  # ARM's read bucket of this subscription first
                waits.append(delay)
                continue
            if regional:
                scope = ListScope(due[0].state.ref.subscription_id, key[1], None,
                                  tuple(sorted(self._groups[key], key=str.lower)))
                reads.append((key, scope, {op.key: op for op in due}))
                rounded.add(subscription)
            else:
                reads += [(key, next(op.api for op in due if workspace_of(op) == ws),
                           {op.key: op for op in due if workspace_of(op) == ws}) for ws in workspaces]
        self._rounded |= rounded
        for key, _, taken in reads:
            for op_key in taken:
                del self._pending[key][op_key]
        return reads, max(0.0, min(waits)) if waits else None

    def _read_one(self, read: Read, started: float) -> None:
        """Make one read and settle what it shows (on the pool); the operations still running go back to pending,
        to be read when they are expected done."""
        key, target, ops = read
        handed: list[Op] = []
        try:
            answer = outcome(lambda: self._read(target, set(ops)))
            ended = self._clock()
            regional = isinstance(target, ListScope)
            if isinstance(answer, AmlEventsError):  # 403, or failed after the pipeline's retries: a check each
                if regional:
                    with self._cond:
                        self._denied.add(key)
                handed += ops.values()
            elif isinstance(answer, BaseException):
                raise answer  # not Azure's answer: a bug
            else:
                found, pages, count, anchored = answer
                handed += self._judge_all(ops, found, started, ended, anchored)
                with self._cond:  # those left in ops are still running
                    if regional:
                        self.rounds += 1
                        self._size[key] = (pages, count)
                    else:
                        self.workspace_reads += 1
                    for op in ops.values():
                        self._seen_running[id(op)] += 1
                        self._due[id(op)] = self._next_read(op, started)
                        self._pending.setdefault(key, {})[op.key] = op
        except BaseException as exc:  # noqa: BLE001 - raised by run, on the settler's thread
            with self._cond:
                self._failure = exc
        finally:
            with self._cond:
                self._handed += handed
                self._reading -= 1
                self._cond.notify()

    def _next_read(self, op: Op, started: float) -> float:
        """When to read a running operation again: when it is expected done (the learnt duration after its
        acceptance), else the schedule's next step after this read."""
        learnt = self.learnt.get(op.action)
        target = learnt.target() if learnt else None
        if target is not None:
            return max(started + RESOLUTION, op.accepted_at + target)
        return started + SCHEDULE[min(self._seen_running[id(op)] - 1, len(SCHEDULE) - 1)]

    def _read(self, target: ListScope | WorkspaceSubscriptions,
              wanted: set[tuple[str, str]]) -> tuple[dict[tuple[str, str], Any], int, int, bool]:
        """The items of a list (the regional one of a ``ListScope``, else the workspace's own) that ``wanted``
        names, how many pages and items the list had, and whether it showed any subscription of their workspaces."""
        if isinstance(target, ListScope):
            items: Iterable[dict[str, Any]] = FleetSubscriptions(self.session).scope_items([target])
        else:
            items = workspace_items(target)
        workspaces = {workspace for workspace, _ in wanted}
        found: dict[tuple[str, str], Any] = {}
        count = 0
        anchored = False
        for item in items:
            count += 1
            owner, name = (workspace_id_of(item) or "").lower(), str(item.get("name") or "").lower()
            anchored = anchored or owner in workspaces
            if (owner, name) in wanted:
                found[owner, name] = item
        return found, max(1, -(-count // PAGE_SIZE)), count, anchored

    def _judge_all(self, ops: dict[tuple[str, str], Op], found: dict[tuple[str, str], Any], started: float,
                   ended: float, anchored: bool) -> list[Op]:
        """Settle what the items say (removed from ``ops``); returns the operations handed back."""
        handed: list[Op] = []
        missing = []
        for key, op in list(ops.items()):
            verdict = judge(op, found.get(key))
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
            verdict = HAND_BACK if got is None or isinstance(got, AmlEventsError) else judge(op, got.resource)
            self._record(ops, op, verdict, started, self._clock(), handed)
        return handed

    def _record(self, ops: dict[tuple[str, str], Op], op: Op, verdict: str, started: float, ended: float,
                handed: list[Op]) -> None:
        with self._cond:  # the reads settle on several threads; the learnt durations are shared
            self._record_locked(ops, op, verdict, started, ended, handed)

    def _record_locked(self, ops: dict[tuple[str, str], Op], op: Op, verdict: str, started: float, ended: float,
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
