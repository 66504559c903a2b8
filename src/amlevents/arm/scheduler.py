"""One poll scheduler for every long-running operation of a command: no thread per operation.

azure-core's ``LROPoller`` starts a thread per operation and each thread sleeps its own schedule, so an ``apply``
of 100 creates ran 100 poller threads sending ~4 status checks each. Here an operation is started without a
poller (``polling=False``), its accepted answer is handed to an ``AdaptivePolling`` (azure-core's ARM polling
primitives: the status URL, the status parsing, ``Retry-After``, the pipeline with its retries, auth and
redaction), and ``PollScheduler.run`` drives them all from the calling thread: a heap of next-check times, the due
checks sent by a small fixed pool over the session's pooled keep-alive connections.

When to check is learnt from the operations themselves (``Completion``): the first operation of a kind is checked
at once, then every ``LEARNING_STEP`` while others wait on it (alone, it follows ``polling.SCHEDULE``); once one has finished, each operation is checked when it is expected
to be done (its own acceptance + the learnt duration), and the learnt interval narrows with every check. A
``Retry-After`` always wins (capped, announced), no wait may cross ``--timeout``, and a status that cannot be read
is tolerated as ``AdaptivePolling`` tolerates it; the caller settles the result with ``arm.outcome.settle``.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from azure.core.exceptions import HttpResponseError
from azure.core.polling.base_polling import (
    BadResponse,
    BadStatus,
    OperationFailed,
    get_retry_after,
)

from amlevents.arm.polling import SCHEDULE, AdaptivePolling
from amlevents.arm.retry import Deadline

RESOLUTION = 0.1  # seconds: the learnt duration is narrowed down to this before checks aim at its upper end
LEARNING_STEP = 0.1  # seconds between the checks of an operation that others wait on to learn the duration
SENDERS = 32  # status checks in flight at once at most (arm.transport keeps 32 connections per host)
_FAILED = frozenset({"failed", "canceled"})  # the terminal failures, as azure-core's LRO polling reads them
FOLLOWER_BACKSTOP = 5.0  # seconds: an operation waiting on another's first finish starts its own schedule then


class Completion:
    """What has been learnt about how long one kind of operation takes, measured from its acceptance.

    ``low``: the longest time after acceptance at which one was still running; ``high``: the shortest after which
    one was seen done. Event Grid's operations of one kind take about the same time, so the next check of a later
    operation is aimed inside ``[low, high]`` (its middle while that is wide, which narrows it either way).
    """

    def __init__(self) -> None:
        self.low = 0.0
        self.high: float | None = None

    def running_at(self, elapsed: float) -> None:
        """An operation was still running ``elapsed`` seconds after its acceptance."""
        self.low = max(self.low, elapsed)
        if self.high is not None and self.low > self.high:  # durations differ: trust the latest observation
            self.high = None

    def done_by(self, elapsed: float) -> None:
        """An operation was seen done ``elapsed`` seconds after its acceptance."""
        self.high = elapsed if self.high is None else min(self.high, elapsed)
        self.low = min(self.low, self.high)

    def target(self) -> float | None:
        """When, after acceptance, to check next (None: nothing learnt yet)."""
        if self.high is None:
            return None
        return (self.low + self.high) / 2 if self.high - self.low > RESOLUTION else self.high


class Watch:
    """One accepted operation under the scheduler; ``result()`` answers as ``LROPoller.result()`` would."""

    def __init__(self, method: AdaptivePolling, kind: str, accepted_at: float, final_get: bool) -> None:
        self.method = method
        self.kind = kind
        self.accepted_at = accepted_at
        self.final_get = final_get
        self.done = method.finished()  # a write answered as already done needs no check
        self.finished_at = accepted_at  # when it was seen done (or given up on)
        self.error: BaseException | None = None
        self.checks = 0
        self.waiting = False  # waiting for another operation of its kind to teach the duration
        self.leads = False  # others wait on this one: it is checked often, so that they learn early
        self.late = False  # its last check went out well after it was due (a busy scheduler): it dates nothing

    @property
    def accepted_state(self) -> str | None:
        """The ``provisioningState`` of the write's own answer (see ``AdaptivePolling.accepted_state``)."""
        return self.method.accepted_state

    def result(self) -> Any:
        """The operation's resource (the final GET's, or the status' when no final GET was asked for); raises
        what stopped the watch (a failed operation, an unreadable status, the deadline)."""
        if self.error is not None:
            raise self.error
        if self.final_get:
            return self.method.resource()
        body = self._initial_body()
        if body is None:
            return None
        status = str(self.method.status())
        return {**body, "properties": {**(body.get("properties") or {}), "provisioningState": status}}

    def _initial_body(self) -> dict[str, Any] | None:
        try:
            body = self.method._initial_response.http_response.json()
        except (AttributeError, ValueError):  # no body (a DELETE's 202) or not JSON
            return None
        return body if isinstance(body, dict) else None

    def check(self) -> None:
        """One status check (in a sender thread): ``AdaptivePolling.update_status`` with its tolerance of failed
        checks, then, once finished, what azure-core's ``LROBasePolling.run`` does at the end."""
        try:
            self.method.update_status()
            if not self.method.finished():
                return
            if str(self.method.status()).lower() in _FAILED:
                raise OperationFailed("Operation failed or canceled")
            url = self.method._operation.get_final_get_url(self.method._pipeline_response)
            if url and self.final_get:
                self.method._pipeline_response = self.method.request_status(url)
                self.method._pipeline_response.http_response.raise_for_status()
        except (BadStatus, OperationFailed) as exc:
            raise HttpResponseError(response=self.method._pipeline_response.http_response, error=exc) from exc
        except BadResponse as exc:
            raise HttpResponseError(response=self.method._pipeline_response.http_response, message=str(exc),
                                    error=exc) from exc


class PollScheduler:
    """Drives every watched operation to its end from the thread that calls ``run``; the due checks are sent by
    up to ``senders`` threads (1: on the calling thread itself, no other thread at all)."""

    def __init__(self, *, deadline: Deadline | None = None, senders: int = SENDERS,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.deadline = deadline or Deadline(None)
        self.senders = max(1, senders)
        self._clock = clock
        self._sleep = sleep
        self._watches: list[Watch] = []
        self._learnt: dict[str, Completion] = {}
        self._followed: set[str] = set()  # kinds with operations waiting on another's first finish

    def watch(self, poller: Any, polling: AdaptivePolling, client: Any, *, kind: str = "write",
              final_get: bool = True, accepted_at: float | None = None) -> Watch:
        """Watch the operation a ``begin_*(..., polling=False)`` call started: ``poller`` is its ``LROPoller``
        (holding the accepted answer), ``polling`` the ``AdaptivePolling`` that reads its status through
        ``client`` (the SDK client's pipeline). ``final_get``: read the resource once done (else the status
        decides, and ``result()`` is the write's answer with the final state); ``accepted_at``: when the write was
        answered (``time.monotonic()``; default now), which the expected completion is timed from."""
        holder = poller.polling_method()  # NoPolling: it keeps the initial response and the deserializer
        polling.initialize(client, holder._initial_response, holder._deserialization_callback)
        watch = Watch(polling, kind, self._clock() if accepted_at is None else accepted_at, final_get)
        self._watches.append(watch)
        return watch

    def run(self) -> None:
        """Check every watched operation until each is done or has failed; returns when all are settled."""
        sequence = itertools.count()
        heap: list[tuple[float, int, Watch]] = []
        leaders: dict[str, Watch] = {}
        for watch in sorted(self._watches, key=lambda w: w.accepted_at):  # the first accepted leads its kind
            if watch.done or watch.error is not None:
                continue
            learnt = self._learnt.setdefault(watch.kind, Completion())
            if learnt.target() is None and watch.kind in leaders:
                watch.waiting = True  # the leader's first finish says when this one will be done
                self._followed.add(watch.kind)
                leaders[watch.kind].leads = True
            leaders.setdefault(watch.kind, watch)
            heapq.heappush(heap, (self._first_check(watch), next(sequence), watch))
        pool = ThreadPoolExecutor(self.senders, thread_name_prefix="amlevents-poll") if self.senders > 1 else None
        in_flight: dict[Future[None], tuple[Watch, float]] = {}
        try:
            while heap or in_flight:
                now = self._clock()
                while heap and heap[0][0] <= now and len(in_flight) < self.senders:
                    due, _, watch = heapq.heappop(heap)
                    # A check sent long after it was due (thousands due at once) says only that the operation
                    # was done by then, not when it finished: learnt from, it made every later check that late.
                    watch.late = now - due > RESOLUTION
                    if pool is None:  # one sender: the check runs here, on the scheduler's own thread
                        self._checked(watch, now, _outcome(watch.check), heap, sequence)
                        now = self._clock()
                        continue
                    in_flight[pool.submit(watch.check)] = (watch, now)
                timeout = max(0.0, heap[0][0] - now) if heap and len(in_flight) < self.senders else None
                if not in_flight:
                    if timeout:
                        self._sleep(timeout)
                    continue
                finished, _ = wait(list(in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
                for future in finished:
                    watch, sent = in_flight.pop(future)
                    self._checked(watch, sent, future.exception(), heap, sequence)
        finally:
            if pool is not None:
                pool.shutdown(wait=True)

    def _first_check(self, watch: Watch) -> float:
        target = self._learnt[watch.kind].target()
        if watch.waiting:
            return watch.accepted_at + FOLLOWER_BACKSTOP
        # Nothing learnt: the first check is immediate, as azure-core's (an operation may be done at once)
        return watch.accepted_at + (target if target is not None else 0.0)

    def _checked(self, watch: Watch, sent: float, error: BaseException | None,
                 heap: list[tuple[float, int, Watch]], sequence: Any) -> None:
        """Record one check's outcome and schedule the next check of ``watch``, if any."""
        watch.checks += 1
        watch.waiting = False
        watch.finished_at = self._clock()
        learnt = self._learnt[watch.kind]
        if error is not None:
            watch.error, watch.done = error, True
        elif watch.method.finished():
            watch.done = True
            if not watch.late:
                learnt.done_by(self._clock() - watch.accepted_at)
            self._release_followers(watch.kind, heap, sequence)
            return
        if watch.done:
            self._release_followers(watch.kind, heap, sequence)  # they follow their own schedule instead
            return
        learnt.running_at(sent - watch.accepted_at)
        now = self._clock()
        try:
            due = self._next_check(watch, learnt, sent, now)
            self.deadline.allow(due - now, "waiting for Azure to finish the operation")  # settle() says it was accepted
        except Exception as exc:  # noqa: BLE001 - the deadline (or a bad Retry-After) ends this watch only
            watch.error, watch.done = exc, True
            return
        heapq.heappush(heap, (due, next(sequence), watch))

    def _next_check(self, watch: Watch, learnt: Completion, sent: float, now: float) -> float:
        """When to check ``watch`` next: after a ``Retry-After`` (capped and announced by ``AdaptivePolling``), else at
        the learnt completion, else on the schedule. The schedule counts from when the last check was sent, not
        answered, so that the round trips do not add up and a check falls close after the end."""
        method = watch.method
        response = getattr(method, "_pipeline_response", None)
        if response is not None and get_retry_after(response):
            return now + method._extract_delay()
        target = learnt.target()
        if target is not None and watch.accepted_at + target > now:
            return watch.accepted_at + target
        if watch.leads and target is None:  # one operation checked often costs less than all of them checked late
            return max(now, sent + LEARNING_STEP)
        return max(now, sent + method._extract_delay())

    def _release_followers(self, kind: str, heap: list[tuple[float, int, Watch]], sequence: Any) -> None:
        """Once an operation of ``kind`` has finished, the ones waiting on it are checked when they are due (a
        scan of the heap only while some wait: after every finish, it made 5,000 operations cost O(n^2))."""
        if kind not in self._followed:
            return
        self._followed.discard(kind)
        target = self._learnt[kind].target()
        moved = False
        for i, (_, seq, watch) in enumerate(heap):
            if watch.waiting and watch.kind == kind:
                watch.waiting = False
                due = watch.accepted_at + (target if target is not None else SCHEDULE[0])
                heap[i] = (due, seq, watch)
                moved = True
        if moved:
            heapq.heapify(heap)


def _outcome(call: Callable[[], None]) -> BaseException | None:
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - handed to the watch, raised by its result()
        return exc
    return None
