"""`apply` under the emulator's ARM-like write throttling (emulator/runtime/throttling.py) across a fleet's Azure
subscriptions: every write made, no 429 met; the pacer (arm/pacing.py) learns a bucket slower than ARM's documented
guess after one 429; a 429 the SDK retried is visible to the pacer."""

from __future__ import annotations

import pytest
from azure.mgmt.eventgrid.models import (
    EventSubscription,
    WebHookEventSubscriptionDestination,
)
from fleet_world import PER_WORKSPACE, SUBS, point_cli
from ids import WORKSPACE_ID

from amlevents.arm.pacing import response_headers

NEW = 6  # new subscriptions per fleet workspace: 4 workspaces x 6 = 24 creates per Azure subscription


@pytest.fixture
def throttled_fleet(fleet, monkeypatch):
    """The fleet's emulator with a write bucket of ``burst`` + ``perSecond`` per subscription (``configure``)."""
    point_cli(fleet, monkeypatch)

    def configure(burst: int, per_second: float):
        fleet.app.throttle.configure({"writes": {"burst": burst, "perSecond": per_second}})
        return fleet

    yield configure
    fleet.app.throttle.configure({"enabled": False, "writes": {"burst": 200, "perSecond": 10}})
    fleet.backend.reset()


def _manifest(tmp_path, names: list[str], select: str = "fleet*"):
    """One selector entry keeping the seeded subscriptions and adding ``names`` on every selected workspace."""
    subs = "".join(f"      - {{name: {n}, destination: {{endpoint: 'https://example.com/h'}}}}\n"
                   for n in [f"es-{i}" for i in range(1, PER_WORKSPACE + 1)] + names)
    path = tmp_path / "fleet.yaml"
    path.write_text(f"version: 1\nworkspaces:\n  - select: {{names: ['{select}']}}\n    subscriptions:\n{subs}")
    return str(path)


def _puts(server):
    return [r for r in server.app.requests() if r["method"] == "PUT"]


def test_a_fleet_apply_under_throttling_makes_every_write_without_a_429(run, throttled_fleet, tmp_path):
    # The plan's 12 getFullUrl POSTs per subscription are writes too: 36 writes into a bucket of 30 (bound 0.3 s);
    # 30 covers them and the first 16 PUTs sent before any answer says what is left.
    server = throttled_fleet(30, 20)
    manifest = _manifest(tmp_path, [f"new-{n}" for n in range(1, NEW + 1)])
    result = run("apply", "-f", manifest, "--yes", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert sorted(r["status"] for r in _puts(server)) == [201] * (len(SUBS) * 4 * NEW)


def test_a_bucket_slower_than_arms_guess_costs_at_most_one_429(run, throttled_fleet, tmp_path):
    """ARM's documented 10/s is the guess; an 8/s bucket meets one 429 (the rate falls back), then is learnt."""
    server = throttled_fleet(4, 8)
    manifest = _manifest(tmp_path, [f"new-{n}" for n in range(1, 10)], select="fleet1-ws1")  # 3 POSTs + 9 PUTs
    result = run("apply", "-f", manifest, "--yes", "--concurrency", "1", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert [r["status"] for r in _puts(server)].count(429) <= 1


def test_the_pacer_sees_the_429s_a_write_met_before_its_answer(emulator, eventgrid_client):
    emulator.add_fault("throttle:count=1,retry_after=0,method=PUT")
    destination = WebHookEventSubscriptionDestination(endpoint_url="https://example.com/h")
    poller = eventgrid_client(emulator).event_subscriptions.begin_create_or_update(
        WORKSPACE_ID, "paced", EventSubscription(destination=destination), polling=False)
    assert response_headers(poller).throttled == 1
