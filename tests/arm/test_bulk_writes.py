"""arm/bulk.py: an apply's writes as raw requests, settled by the regional list (one read per round) instead of a
status check per operation, through the real SDK pipeline against the emulator."""

from __future__ import annotations

import dataclasses
import gc
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from amlevents.arm import bulk
from amlevents.arm.bulk import run_writes
from amlevents.arm.bulk_ops import ReadBudget
from amlevents.arm.bulk_settle import ListSettler
from amlevents.arm.reconcile import DesiredStateService
from amlevents.arm.ui import Ui
from amlevents.core.manifest.read import parse_manifest
from amlevents.core.plan import Action

SUB = "00000000-0000-0000-0000-000000000000"
GOOD, FAILING = "https://hooks.example.com/h", "https://hooks.invalid/h"  # .invalid: validation fails


def manifest(names: list[str], workspace: str = "local-workspace", endpoints: dict[str, str] | None = None) -> Any:
    subs = [{"name": n, "destination": {"endpoint": (endpoints or {}).get(n, GOOD)}} for n in names]
    return parse_manifest(json.dumps({"version": 1, "workspaces": [
        {"name": workspace, "resourceGroup": "amlevents-local", "subscriptionId": SUB, "subscriptions": subs}]}))


def names(count: int, prefix: str = "bulk") -> list[str]:
    return [f"{prefix}-{i:03d}" for i in range(count)]


class Applier:
    """A ``DesiredStateService`` on the emulator as ``principal``, with its progress lines kept."""

    def __init__(self, session: Any) -> None:
        self.lines: list[str] = []
        self.notices: list[str] = []
        session.notice = self.notices.append  # the retry policy's announcements ("... (throttled) ...")
        self.service = DesiredStateService(session, Ui(info=self.lines.append))

    def batch(self, desired: Any, prune: bool = False) -> list[tuple[Any, Any]]:
        states = self.service.plan(desired, prune=prune)
        return [(s, st) for s in states for st in s.steps if st.action is not Action.NO_CHANGE]

    def run(self, batch: list[tuple[Any, Any]], **options: Any) -> list[Any]:
        return run_writes(self.service.session, self.service.ui, batch, 16, **options)


@pytest.fixture
def owner(emulator, emulator_session) -> Applier:
    return Applier(emulator_session())


def status_checks(emulator: Any) -> list[dict[str, Any]]:
    return [r for r in emulator.app.requests() if "/operationsStatus/" in r["path"]]


def list_reads(emulator: Any) -> list[dict[str, Any]]:
    return [r for r in emulator.app.requests() if r["method"] == "GET" and "/topicTypes/" in r["path"]]


def listed(applier: Applier, workspace: str = "local-workspace") -> set[str]:
    states = applier.service.read(applier.service.resolve(manifest([], workspace)))
    return set(states[0].current)


def test_creates_are_applied_and_present(emulator, owner) -> None:
    batch = owner.batch(manifest(names(30)))
    results = owner.run(batch, list_min=5)
    assert {r.status for r in results} == {"applied"} and len(results) == 30
    assert listed(owner) == set(names(30))
    assert owner.lines[0].startswith("created local-workspace/bulk-0") and len(owner.lines) == 30


def test_a_list_round_replaces_the_status_checks(emulator, owner) -> None:
    batch = owner.batch(manifest(names(40)))
    emulator.backend.provisioning_delay = 0.3  # the first round sees them Creating: rounds until they are done
    emulator.app.clear_requests()
    assert {r.status for r in owner.run(batch, list_min=5)} == {"applied"}
    assert len([r for r in emulator.app.requests() if r["method"] == "PUT"]) == 40
    assert status_checks(emulator) == []
    assert 1 <= len(list_reads(emulator)) <= 10  # rounds, each one page: far below one check per create


def test_few_operations_are_checked_one_by_one(emulator, owner) -> None:
    batch = owner.batch(manifest(names(3)))
    emulator.app.clear_requests()
    assert {r.status for r in owner.run(batch)} == {"applied"}  # below LIST_MIN: a list round would cost more
    assert list_reads(emulator) == [] and len(status_checks(emulator)) >= 3


def test_failed_validation_is_reported_with_azures_message(emulator, owner) -> None:
    batch = owner.batch(manifest(names(10), endpoints={"bulk-004": FAILING}))
    emulator.app.clear_requests()
    results = {r.step.name: r for r in owner.run(batch, list_min=5)}
    assert {n for n, r in results.items() if r.status == "applied"} == set(names(10)) - {"bulk-004"}
    assert "Webhook validation handshake failed for https://hooks.invalid/h" in results["bulk-004"].error
    assert len(status_checks(emulator)) == 1  # the failed one's status, for its message


def test_deletes_are_settled_when_gone(emulator, owner) -> None:
    owner.run(owner.batch(manifest(names(12))), list_min=5)
    batch = owner.batch(manifest(names(2)), prune=True)
    emulator.backend.provisioning_delay = 0.2
    emulator.app.clear_requests()
    results = owner.run(batch, list_min=5)
    assert [(r.step.action, r.status) for r in results] == [(Action.DELETE, "applied")] * 10
    assert listed(owner) == set(names(2))
    assert status_checks(emulator) == []


def test_deleting_every_subscription_is_confirmed_by_the_status_checks(emulator, owner) -> None:
    owner.run(owner.batch(manifest(names(6))), list_min=5)
    batch = owner.batch(manifest([]), prune=True)
    emulator.app.clear_requests()
    assert {r.status for r in owner.run(batch, list_min=5)} == {"applied"}
    # a list showing nothing of the workspace could be the wrong list: absence alone does not settle a delete
    assert len(list_reads(emulator)) == 1 and len(status_checks(emulator)) == 6
    assert listed(owner) == set()


def test_updates_are_settled_by_the_list(emulator, owner) -> None:
    owner.run(owner.batch(manifest(names(10))), list_min=5)
    batch = owner.batch(manifest(names(10), endpoints={n: "https://moved.example.com/h" for n in names(10)}))
    emulator.backend.provisioning_delay = 0.2
    emulator.app.clear_requests()
    results = owner.run(batch, list_min=5)
    assert [(r.step.action, r.status) for r in results] == [(Action.UPDATE, "applied")] * 10
    assert status_checks(emulator) == [] and len(list_reads(emulator)) >= 1


def test_caller_who_cannot_read_the_list_gets_every_step_settled(emulator, owner, emulator_session) -> None:
    batch = owner.batch(manifest(names(8)))  # planned by the owner; written by a role on the workspace only
    writer = Applier(emulator_session("eventsub-contributor"))
    emulator.app.clear_requests()
    assert {r.status for r in writer.run(batch, list_min=5)} == {"applied"}
    assert {r["status"] for r in list_reads(emulator)} == {403}
    assert status_checks(emulator)  # the per-operation checks took over what the regional list did not show
    assert listed(owner) == set(names(8))


def own_list_reads(emulator: Any) -> list[dict[str, Any]]:
    return [r for r in emulator.app.requests()
            if r["method"] == "GET" and r["path"].endswith("/providers/Microsoft.EventGrid/eventSubscriptions")]


def accepted(applier: Applier, batch: list[tuple[Any, Any]]) -> list[Any]:
    """The batch's writes, sent and accepted, none settled yet: what the settler is told of one by one."""
    ops = [bulk._op(applier.service.session, state, step) for state, step in batch]
    for op in ops:
        bulk._send(applier.service.session, op)
    assert all(op.result is None for op in ops)
    return ops


def test_settling_runs_while_the_batch_is_written(emulator, owner) -> None:
    # 10 creates in one workspace, 2 in another (same Azure subscription and region): once ROUND_AT of the writes
    # are answered the regional list settles them; the workspace answered after that is read by its own list
    batch = owner.batch(manifest(names(10))) + owner.batch(manifest(names(2, "late"), "local-workspace-2"))
    ops = accepted(owner, batch)
    settled = threading.Semaphore(0)
    settler = ListSettler(owner.service.session, Ui(info=lambda _line: settled.release()), ops)
    emulator.app.clear_requests()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(settler.run)
        try:
            for op in ops[:11]:
                settler.answered(op)
            assert all(settled.acquire(timeout=60) for _ in range(11))  # settled before the last write's answer
            assert len(list_reads(emulator)) == 1 and own_list_reads(emulator) == []
            settler.answered(ops[11])
        finally:
            settler.close()
        assert running.result(timeout=60) == []  # nothing handed back to the status checks
    assert [op.result.status for op in ops] == ["applied"] * 12
    assert [r["path"].split("/")[8] for r in own_list_reads(emulator)] == ["local-workspace-2"]
    assert status_checks(emulator) == []


def test_what_the_lists_cannot_settle_is_handed_back(emulator, owner) -> None:
    batch = owner.batch(manifest(names(6), endpoints={"bulk-002": FAILING}))
    ops = accepted(owner, batch)  # bulk-002's validation failed: the lists show it Failed (or not at all)
    settler = ListSettler(owner.service.session, Ui(), ops)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(settler.run)
        for op in ops:
            settler.answered(op)
        settler.close()
        handed = running.result(timeout=60)
    assert [op.step.name for op in handed] == ["bulk-002"]  # for its status check, which says why
    assert [op.result.status for op in ops if op not in handed] == ["applied"] * 5


def test_the_garbage_collector_resumes_after_the_writes(emulator, owner) -> None:
    assert {r.status for r in owner.run(owner.batch(manifest(names(6))), list_min=5)} == {"applied"}
    assert gc.isenabled()


@pytest.fixture
def throttled(emulator):
    """A write bucket of 4 refilled 20 a second: 16 writes at once may meet 429s (the fault makes sure of two),
    and the attempt after the one-second Retry-After finds tokens for all of them."""
    emulator.app.throttle.configure({"writes": {"burst": 4, "perSecond": 20}})
    emulator.add_fault("throttle:count=2,retry_after=1,method=PUT")  # 429s even if the pacer foresaw the bucket
    yield emulator
    emulator.app.throttle.configure({"enabled": False, "writes": {"burst": 200, "perSecond": 10}})


def test_throttled_writes_are_all_retried(throttled, owner) -> None:
    batch = owner.batch(manifest(names(16)))
    throttled.app.clear_requests()
    results = owner.run(batch, list_min=5)
    assert {r.status for r in results} == {"applied"}
    puts = [r for r in throttled.app.requests() if r["method"] == "PUT"]
    refused = [r for r in puts if r["status"] == 429]
    assert refused and len(puts) == 16 + len(refused)  # every 429 was sent again, and then accepted
    assert sum("(throttled)" in n for n in owner.notices) == len(refused)


def test_rounds_wait_for_the_read_bucket() -> None:
    now = [0.0]
    budget = ReadBudget(clock=lambda: now[0])
    assert budget.delay("s", 3) == 0  # a full bucket: 250 reads at once
    budget.spend("s", 250)
    assert budget.delay("s", 5) == pytest.approx(5 / 25)  # then 25 a second
    assert budget.delay("other", 5) == 0  # each Azure subscription has its own
    now[0] += 1.0
    assert budget.delay("s", 25) == 0


# --- the same results as DesiredStateService._run --------------------------------------------------------------

def _comparable(result: Any) -> tuple[str, str, str | None]:
    """A result without what differs between two runs (activity ids, timestamps, the workspace's name)."""
    error = re.sub(r" (Activity id|Diagnostic information):.*", "", result.error or "") or None
    return result.step.name, result.status, error and error.replace("local-workspace-2", "local-workspace")


def test_results_match_the_per_operation_path(emulator, owner) -> None:
    refused = {"endpointType": "WebHook", "properties": {"endpointUrl": "http://hooks.example.com/plain-http"}}

    def batch(workspace: str) -> list[tuple[Any, Any]]:
        steps = owner.batch(manifest(names(8), workspace, {"bulk-001": FAILING}))
        # a body Azure refuses (400): the manifest's checks would not let an http:// webhook through
        return [(s, dataclasses.replace(st, desired={**st.desired, "destination": refused})
                 if st.name == "bulk-002" else st) for s, st in steps]

    emulator.add_fault("error500:count=4,method=PUT,path=/local-workspace-2/*/bulk-003$")
    expected = owner.service._run(batch("local-workspace-2"), 16)
    emulator.add_fault("error500:count=4,method=PUT,path=/local-workspace/*/bulk-003$")
    got = owner.run(batch("local-workspace"), list_min=2)
    assert sorted(map(_comparable, got)) == sorted(map(_comparable, expected))
    assert [r.status for r in sorted(got, key=lambda r: r.step.name)][:4] == ["applied"] + ["failed"] * 3


def test_operations_still_running_at_the_timeout_are_reported_not_waited_for(emulator, owner) -> None:
    # Azure takes longer than --timeout leaves: the settler hands what is pending back, and the status checks report
    # the deadline per step (as the per-operation path does), instead of the apply waiting past it
    from amlevents.arm.retry import Deadline

    batch = owner.batch(manifest(names(6)))
    emulator.backend.provisioning_delay = 3600
    owner.service.session.deadline = Deadline(2)
    emulator.app.clear_requests()
    results = owner.run(batch, list_min=5)
    assert [r.status for r in results] == ["failed"] * 6
    assert all("--timeout 2 s" in (r.error or "") for r in results), [r.error for r in results]
    assert len([r for r in emulator.app.requests() if r["method"] == "PUT"]) == 6  # every write was sent
    assert list_reads(emulator)  # the lists were read (they showed them Creating) before the settler gave up
