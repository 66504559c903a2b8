"""The emulator's data plane: one ``Dispatcher`` per emulator app, started and stopped with the server.

``publish(backend, workspace, events)`` matches the events against every subscription of the workspace
(``publish.py``), spools what goes to non-HTTP destinations at once, and queues a job per batch for webhooks
(and Azure Functions routed to a local URL). A scheduler thread hands due jobs to a few worker threads; each
attempt is bounded (``transport.py``), and its outcome decided by the service's rules (``core.delivery.retry``):
delivered, retried on the schedule (on the scaled clock), or dead-lettered / dropped. Every step is written to
the delivery log (``log.py``). Nothing a handler does can raise out of a worker or stall the others.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import queue
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from amlevents.core.delivery import (
    RetryPolicy,
    batches,
    decide,
    delivery_headers,
    outcome_name,
    to_schema,
)
from amlevents.core.delivery.retry import DEAD_LETTER, DELIVERED
from amlevents.core.redact import redact_url
from amlevents.emulator.delivery.clock import Clock
from amlevents.emulator.delivery.handshake import HandshakeOutcome, perform_handshake
from amlevents.emulator.delivery.log import DeliveryLog
from amlevents.emulator.delivery.publish import checked_events, iso, match, new_record
from amlevents.emulator.delivery.sinks import dead_letter, entra_token, spool
from amlevents.emulator.delivery.targets import (
    Target,
    find_workspace,
    workspace_targets,
)
from amlevents.emulator.delivery.transport import Answer, Sender
from amlevents.emulator.eventgrid.views import base_url

if TYPE_CHECKING:
    from amlevents.emulator.runtime.backend import Backend

log = logging.getLogger("amlevents.emulator.delivery")
RESPONSE_TIMEOUT = 30.0  # the service's, in emulated seconds
WORKERS = 8
HTTP_TYPES = frozenset({"webhook", "azurefunction"})


def default_jitter(delay: float) -> float:
    """Up to 10% more than the scheduled delay, as the service spreads its retries."""
    return random.uniform(0, 0.1 * delay)


@dataclass
class Job:
    """One batch on its way to one handler: the records it carries and where it stands."""

    target: Target
    url: str
    items: list[tuple[str, dict[str, Any]]]  # (record id, Event Grid event)
    published: float  # monotonic, real
    publish_time: str
    attempt: int = 0
    last: Answer | None = None
    last_time: str | None = None
    tenant: str = ""  # the seeded tenant, for the Entra token of each attempt


class Dispatcher:
    """Publishes, delivers, retries, dead-letters and spools; thread-safe."""

    def __init__(self, *, time_scale: float = 1.0, dead_letter_dir: str | Path | None = None,
                 spool_dir: str | Path | None = None, function_routes: dict[str, str] | None = None,
                 jitter: Callable[[float], float] = default_jitter, workers: int = WORKERS) -> None:
        self.clock = Clock(time_scale)
        self.log = DeliveryLog()
        self.dead_letter_dir = Path(dead_letter_dir) if dead_letter_dir else None
        self.spool_dir = Path(spool_dir) if spool_dir else None
        self.function_routes = {k.strip().rstrip("/").lower(): v for k, v in (function_routes or {}).items()}
        self._jitter = jitter
        self._workers = workers
        self._heap: list[tuple[float, int, Job]] = []
        self._seq = itertools.count()
        self._due = threading.Condition()
        self._work: queue.Queue[Job | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._running = False
        self._sender: Sender | None = None

    # --- lifecycle ------------------------------------------------------------------------------------------

    def start(self, ca_cert: str | Path | None = None) -> None:
        """Start the scheduler and the workers; ``ca_cert`` is trusted besides the system's CAs."""
        if self._running:
            return
        self._sender = Sender(ca_cert, pool_size=self._workers)
        self._running = True
        self._threads = [threading.Thread(target=self._schedule, name="amlevents-delivery-scheduler", daemon=True)]
        self._threads += [threading.Thread(target=self._work_loop, name=f"amlevents-delivery-{i}", daemon=True)
                          for i in range(self._workers)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop the threads (an attempt under way ends within its timeout); queued jobs are abandoned."""
        if not self._running:
            return
        with self._due:
            self._running = False
            self._due.notify_all()
        for _ in range(self._workers):
            self._work.put(None)
        for thread in self._threads:
            thread.join(timeout=self.clock.timeout(RESPONSE_TIMEOUT) + 1)
        self._threads = []
        if self._sender is not None:
            self._sender.close()
            self._sender = None

    @property
    def running(self) -> bool:
        """Whether the threads run (``start`` was called and ``stop`` was not)."""
        return self._running

    def handshake(self, url: str, schema: str | None, name: str, topic: str,
                  validation_url: str | None) -> HandshakeOutcome:
        """Validate a webhook as the service does on create (``perform_handshake``), with this dispatcher's
        connections (trusting the emulator's CA too) and clock; blocks for at most two attempts' timeouts."""
        sender = self._sender
        if sender is None:
            raise RuntimeError("the dispatcher is not running")
        return perform_handshake(url, schema, name, topic, sender=sender, clock=self.clock,
                                 validation_url=validation_url)

    def reset(self) -> None:
        """Forget scheduled jobs and the delivery log."""
        with self._due:
            self._heap.clear()
        self.log.clear()

    # --- publishing -----------------------------------------------------------------------------------------

    def publish(self, backend: Backend, workspace: str, events: Any, resource_group: str | None = None,
                ) -> dict[str, Any]:
        """Publish ``events`` on ``workspace``: ``{"publishId", "workspace", "events", "deliveries"}`` where
        ``deliveries`` are the new records (matched or not) as they stand after matching and spooling."""
        ws = find_workspace(backend, workspace, resource_group)
        now, mono = self.clock.wall(), self.clock.monotonic()
        checked = checked_events(events, ws.id, now)
        publish_id, published = str(uuid.uuid4()), iso(now)
        ids: list[str] = []
        for target in workspace_targets(backend, ws):
            dest = target.destination or {}
            kind = str(dest.get("endpointType") or "")
            endpoint = (redact_url(base_url(target.url)) if target.url
                        else (dest.get("properties") or {}).get("resourceId"))
            matched: list[tuple[str, dict[str, Any]]] = []
            for event in checked:
                record = new_record(publish_id, published, event, target.name, target.id, kind or None, endpoint)
                ok, failed = match(target.resource, event)
                record.update(matched=ok, failedChecks=failed, outcome="pending" if ok else "notMatched")
                self.log.add(record)
                ids.append(record["id"])
                if ok:
                    matched.append((record["id"], event))
            if matched:
                self._route(target, kind, matched, mono, published, backend.world.tenant_id)
        records = {r["id"]: r for r in self.log.records(publish_id)}
        return {"publishId": publish_id, "workspace": ws.id, "events": [e["id"] for e in checked],
                "deliveries": [records[i] for i in ids if i in records]}

    def _route(self, target: Target, kind: str, items: list[tuple[str, dict[str, Any]]], mono: float,
               published: str, tenant: str) -> None:
        dest_props = (target.destination or {}).get("properties") or {}
        url = target.url
        if kind.lower() == "azurefunction":
            url = self.function_routes.get(str(dest_props.get("resourceId", "")).rstrip("/").lower())
        if kind.lower() not in HTTP_TYPES or not url:
            for record_id, event in items:
                path = spool(self.spool_dir, target, event, self.clock.wall())
                self.log.update(record_id, outcome="spooled" if path else "dropped", spoolFile=path and str(path),
                                reason=None if path else "the emulator has no spool directory")
            return
        schema = target.properties.get("eventDeliverySchema")

        def size(item: tuple[str, dict[str, Any]]) -> int:
            return len(json.dumps(to_schema(item[1], schema)).encode())

        for batch in batches(items, size, dest_props.get("maxEventsPerBatch"),
                             dest_props.get("preferredBatchSizeInKilobytes")):
            self._enqueue(Job(target, url, batch, mono, published, tenant=tenant), 0.0)

    # --- scheduling -----------------------------------------------------------------------------------------

    def _enqueue(self, job: Job, real_delay: float) -> None:
        with self._due:
            heapq.heappush(self._heap, (self.clock.monotonic() + real_delay, next(self._seq), job))
            self._due.notify_all()

    def _schedule(self) -> None:
        while True:
            with self._due:
                if not self._running:
                    return
                now = self.clock.monotonic()
                if self._heap and self._heap[0][0] <= now:
                    job = heapq.heappop(self._heap)[2]
                else:
                    self._due.wait(timeout=(self._heap[0][0] - now) if self._heap else None)
                    continue
            self._work.put(job)

    def _work_loop(self) -> None:
        while True:
            job = self._work.get()
            if job is None:
                return
            try:
                self._attempt(job)
            except Exception:  # a bug here must not kill the worker; the records say what happened
                log.exception("delivery attempt failed unexpectedly")
                for record_id, _ in job.items:
                    self.log.update(record_id, outcome="dropped", reason="internal error in the emulator")

    # --- one attempt ----------------------------------------------------------------------------------------

    def _attempt(self, job: Job) -> None:
        job.attempt += 1
        target = job.target
        schema = target.properties.get("eventDeliverySchema")
        events = [event for _, event in job.items]
        headers = delivery_headers(subscription_name=target.name, schema=schema, events=events,
                                   attempt=job.attempt, mappings=target.mappings)
        sent = dict(headers.headers)
        token = entra_token(target, job.tenant)  # minted per attempt: retries can outlive a token
        if token:
            sent["Authorization"] = f"Bearer {token}"
        body = json.dumps([to_schema(e, schema) for e in events]).encode()
        sender = self._sender
        answer = (sender.post(job.url, body, sent, self.clock.timeout(RESPONSE_TIMEOUT)) if sender is not None
                  else Answer(None, "connection", "the emulator is stopping"))
        job.last, job.last_time = answer, iso(self.clock.wall())
        entry = {"attempt": job.attempt, "time": job.last_time, "status": answer.status,
                 "outcome": outcome_name(answer.status, answer.error), "error": answer.detail,
                 "batchSize": len(events)}
        for record_id, _ in job.items:
            self.log.attempt(record_id, dict(entry))
        elapsed = self.clock.emulated(self.clock.monotonic() - job.published)
        decision = decide(job.attempt, answer.status, elapsed, RetryPolicy.from_wire(target.properties.get(
            "retryPolicy")), self._jitter)
        if decision.action == DELIVERED:
            for record_id, _ in job.items:
                self.log.update(record_id, outcome="delivered", nextAttemptTime=None)
        elif decision.action == DEAD_LETTER:
            for record_id, event in job.items:
                self.log.update(record_id, nextAttemptTime=None, **dead_letter(
                    self.dead_letter_dir, target, to_schema(event, schema), reason=decision.reason or "",
                    attempts=job.attempt, answer=answer, publish_time=job.publish_time,
                    last_attempt_time=job.last_time))
        else:
            nxt = iso(self.clock.wall() + self.clock.real(decision.delay))
            for record_id, _ in job.items:
                self.log.update(record_id, outcome="retrying", nextAttemptTime=nxt)
            self._enqueue(job, self.clock.real(decision.delay))

