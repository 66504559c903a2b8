"""An apply's writes at fleet size: cheap requests, settled by the regional lists instead of one status poll each.

``DesiredStateService._run`` sends each write through the SDK's ``begin_*`` and then checks every operation's
status: Event Grid answers each PUT 201 ``Creating`` with an ``Azure-AsyncOperation`` URL, so 5,000 creates cost
10,000+ requests (and the client's CPU is nearly all in the HTTPS requests: ~1.3 ms each, a raw request and
``begin_put`` alike, since our bodies are already wire JSON). Here (issue 15):

- each write is one raw request through the session's lean pipeline of the client's own policies (``Session.lean``:
  the same auth, retry policy with its announced ``Retry-After`` waits, redaction and pooled connections), its body
  the wire JSON ``apply_steps.write_request`` builds, paced per Azure subscription by the session's ``WritePacer``
  as ``reconcile._begin`` paces
  (the answer's remaining-writes header, and the 429s the retry policy met, from the ``PipelineResponse``);
  the batch is interleaved across Azure subscriptions, so that the senders are not all waiting on one
  subscription's bucket while the others' fill up;
- the operations are settled by ``arm.bulk_settle.ListSettler`` WHILE the batch is being written (a thread of its
  own, told of every answer): one read of the regional list by topic type of each (Azure subscription, location)
  once most of that subscription's writes are answered settles hundreds of operations, and each workspace whose
  writes are answered after that is read by its own list (one request), so that when the last write is answered
  only the last workspaces' reads are left (5,000 creates: ~0.1 s from the last write to the last read, instead
  of a round of 80 list pages after it, ~0.8 s);
- the rest go to the per-operation ``PollScheduler``, unchanged, and are settled exactly as ``_run`` settles them:
  a batch of fewer than ``LIST_MIN`` (per-operation checks cost less than lists), the operations whose lists cannot
  be read (403), those a list showed ended otherwise than ``Succeeded`` (the status says why), and any answer that
  is no long-running operation.

Python's cyclic garbage collector is paused while a batch is in flight (``_no_collections``): its full collections
found nothing and stopped every thread, senders included, for 0.1-0.3 s each.

The results are ``_run``'s: one ``StepResult`` per step, "applied" with the seconds from acceptance to the read
that saw it done, or "failed" with the message; one ``ui.info`` line per applied step.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from amlevents.arm.apply_steps import (
    StepResult,
    WorkspaceState,
    step_message,
    write_request,
    write_target,
)
from amlevents.arm.bulk_ops import Op
from amlevents.arm.bulk_settle import ListSettler
from amlevents.arm.concurrency import concurrently, unwrap
from amlevents.arm.errors import translate_errors
from amlevents.arm.subscriptions import (
    WorkspaceSubscriptions,
    json_headers,
    raise_for_status,
)
from amlevents.arm.ui import Ui
from amlevents.core.plan import PlannedChange

LIST_MIN = 20  # writes in a batch from which the lists settle them (fewer: a status check each)
_ACCEPTED = {"PUT": (200, 201), "PATCH": (200, 201), "DELETE": (200, 202, 204)}  # as the SDK's operations accept


def run_writes(session: Any, ui: Ui, batch: list[tuple[WorkspaceState, PlannedChange]],
               concurrency: int, *, list_min: int = LIST_MIN) -> list[StepResult]:
    """Apply ``batch`` (steps that may run at once) as ``DesiredStateService._run`` does, in fewer requests: one
    result per step, in batch order. ``list_min``: the batch size from which lists settle the operations rather
    than a status check each."""
    ops = [_op(session, state, step) for state, step in batch]
    if len(ops) < list_min:  # a few operations: a check each costs less than the lists
        _send_all(session, ops, concurrency, lambda op: None)
        _poll(session, ui, [op for op in ops if op.result is None])
        return [op.result for op in ops]  # type: ignore[misc]
    # the lists settle the operations while the batch is still being written (its own thread), so that only the
    # last workspaces' reads are left when the last write is answered; it hands back what a list cannot settle
    settler = ListSettler(session, ui, ops)
    with _no_collections(), ThreadPoolExecutor(1, thread_name_prefix="amlevents-bulk-settle") as pool:
        settling = pool.submit(settler.run)
        try:
            _send_all(session, ops, concurrency, settler.answered)
        finally:
            settler.close()
        handed = settling.result()  # raises what the settler raised
    _poll(session, ui, handed)
    return [op.result for op in ops]  # type: ignore[misc]


@contextlib.contextmanager
def _no_collections() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a fleet's writes are in flight: what they allocate lives until
    settled (the operations, their answers), so each full collection scanned everything and found nothing, and
    stopped every thread meanwhile (5,000 creates: seven full collections of 0.1-0.3 s, the senders' pacing
    frozen for ~1.3 s). Reference counting still frees what is dropped; the collector resumes afterwards."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # what was allocated meanwhile joins the oldest generation (two list splices), instead of the next young
        # collection scanning all of it at once (0.25 s)
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


def _send_all(session: Any, ops: list[Op], concurrency: int, answered: Callable[[Op], None]) -> None:
    """Send every write, ``concurrency`` at once, telling ``answered`` of each answer as it comes."""
    def send(op: Op) -> None:
        try:
            _send(session, op)
        finally:
            answered(op)

    # round-robin over the Azure subscriptions: every subscription's bucket is drawn on at once, instead of the
    # senders queuing on the first one's while the others fill up
    for outcome in concurrently([lambda o=o: send(o) for o in ops], workers=concurrency,
                                spread=[op.state.ref.subscription_id.lower() for op in ops]):
        unwrap(outcome)  # _send reports a failed write per step: anything raised here is a bug


def _op(session: Any, state: WorkspaceState, step: PlannedChange) -> Op:
    method, body = write_request(step)
    return Op(state, step, WorkspaceSubscriptions(session, state.ref), write_target(state, step, method), method,
              body)


def _send(session: Any, op: Op) -> None:
    """One write, paced as ``_begin`` paces it; a refused write settles its step as failed (ARM's message)."""
    from amlevents.arm.pacing import session_pacer, throttled_before

    pacer = session_pacer(session)
    subscription = op.state.ref.subscription_id
    kind = "deletes" if op.method == "DELETE" else "writes"
    pacer.before_write(subscription, kind)
    answer = None
    try:
        with translate_errors(f"{op.action} event subscription '{op.step.name}'"):
            answer = _request(op.api.lean_pipeline(), op.method, op.api.url(op.step.name, op.where), op.body)
            raise_for_status(answer.http_response, _ACCEPTED[op.method])
        op.response, op.accepted_at = answer, time.monotonic()
    except Exception as exc:  # noqa: BLE001 - every failure is reported per step, as _run reports it
        op.result = StepResult(op.step, "failed", step_message(exc))
    finally:  # answered or failed, the write is no longer in flight; its answer (even a 4xx) reports the bucket
        headers = answer.http_response.headers if answer is not None else None
        pacer.after_write(subscription, headers, kind, throttled=throttled_before(answer))


def _request(pipeline: Any, method: str, url: str, body: dict[str, Any] | None) -> Any:
    """Send one request through ``pipeline`` (``Session.lean``: the client's own policies a write needs); its
    ``PipelineResponse`` (the retry history in its context, the answer for a status poller to start from)."""
    from azure.core.rest import HttpRequest

    request = HttpRequest(method, pipeline.format_url(url), json=body, headers=json_headers())
    return pipeline.send_request(request, _return_pipeline_response=True)


def _poll(session: Any, ui: Ui, ops: list[Op]) -> None:
    """Settle ``ops`` one status check each, as ``_run`` does: ``PollScheduler``, then ``settle`` per operation."""
    if not ops:
        return
    from azure.core.polling import LROPoller, NoPolling

    from amlevents.arm.scheduler import PollScheduler

    scheduler = PollScheduler(deadline=session.deadline)
    watches = []
    for op in ops:
        client = op.api.client._client
        # what begin_*(..., polling=False) returns: the accepted answer held by NoPolling (no thread)
        poller = LROPoller(client, op.response, lambda _response: None, NoPolling())
        watches.append(scheduler.watch(poller, session.polling(), client, kind=op.action, final_get=False,
                                       accepted_at=op.accepted_at))
    scheduler.run()
    for op, watch in zip(ops, watches):
        try:
            resource = op.api.settle(watch, op.action, op.step.name, op.where)
            state_name = ((resource or {}).get("properties") or {}).get("provisioningState")
            if state_name in ("Failed", "AwaitingManualAction"):
                op.result = StepResult(op.step, "failed", f"ended in state {state_name}")
            else:
                op.applied(watch.finished_at, ui)
        except Exception as exc:  # noqa: BLE001 - every failure is reported per step
            op.result = StepResult(op.step, "failed", step_message(exc))

