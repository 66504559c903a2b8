"""Access suite: every command that writes, run by a Reader and by a principal with no role, sends no write.

Each case starts from a world the owner set up (a workspace-scope subscription ``hook-1`` with an expiration,
``topic-1`` under the system topic of ``local-workspace``; ``local-workspace-2`` has no system topic), switches
to the principal, runs the command and checks: exit 4 (README "Exit codes": access denied) and no write request
in the emulator's log (PUT, PATCH, DELETE, or a POST other than the read-only getFullUrl/getDeliveryAttributes
and sign-in). With ``--skip-access-check`` the writes are sent and Azure refuses each (403): the subscriptions
the owner reads back are then unchanged.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from ids import providers

HOOK = "https://hooks.example.com/api/events"
DEST = providers("dest-rg")
HUB = DEST + "Microsoft.EventHub/namespaces/ns/eventhubs/h"
WORKSPACES = ("local-workspace", "local-workspace-2")
READ_ONLY_POSTS = ("/getfullurl", "/getdeliveryattributes")
PRINCIPALS = ["reader", "nobody"]


def _manifest(*subscriptions: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "workspaces": [{"name": "local-workspace", "subscriptions": list(subscriptions)}]}


HOOK_1 = {"name": "hook-1", "destination": {"endpoint": HOOK}, "expiration": "2099-01-01"}
TOPIC_1 = {"name": "topic-1", "systemTopic": True, "destination": {"endpoint": HOOK}}
MANIFESTS = {
    "apply: create": _manifest(HOOK_1, TOPIC_1, {"name": "new-1", "destination": {"endpoint": HOOK}}),
    "apply: create under the system topic": _manifest(HOOK_1, TOPIC_1, {
        "name": "new-1", "systemTopic": True, "destination": {"endpointType": "eventhub", "endpoint": HUB}}),
    "apply: update": _manifest({**HOOK_1, "retry": {"maxDeliveryAttempts": 3}}, {**TOPIC_1, "labels": ["x"]}),
    "apply: replace (new delivery schema)": _manifest({**HOOK_1, "deliverySchema": "cloudeventschemav1_0"}, TOPIC_1),
    "apply --prune: delete": _manifest(),
}

SUBSCRIPTION_COMMANDS = {
    "create": ("create", "new-1", "--endpoint", HOOK),
    "create --system-topic": ("create", "new-1", "--endpoint", HOOK, "--system-topic"),
    "create --system-topic-name (topic to create)": (
        "create", "new-1", "--endpoint", HOOK, "--system-topic-name", "ws2-events", "-w", "local-workspace-2"),
    "create --overwrite": ("create", "hook-1", "--endpoint", HOOK, "--overwrite"),
    "update (PATCH)": ("update", "hook-1", "--max-delivery-attempts", "5"),
    "update (PUT)": ("update", "hook-1", "--clear-expiration"),
    "update under the system topic": ("update", "topic-1", "--event-ttl", "9"),
    "update --system-topic": ("update", "topic-1", "--system-topic", "--labels", "a"),
    "delete": ("delete", "hook-1", "--yes"),
    "delete under the system topic": ("delete", "topic-1", "--yes"),
    "delete --system-topic": ("delete", "topic-1", "--yes", "--system-topic"),
}


def writes(server: Any) -> list[dict[str, Any]]:
    """The write requests of the emulator's log (sign-ins and read-only POSTs left out)."""
    return [r for r in server.app.requests()
            if r["method"] in ("PUT", "PATCH", "DELETE")
            or (r["method"] == "POST" and r.get("service") != "login"
                and not r["path"].lower().endswith(READ_ONLY_POSTS))]


@pytest.fixture
def world(run, cli_emulator, monkeypatch):
    """The owner's subscriptions; ``world.snapshot()`` reads them back as the owner."""
    owner_creates = [("hook-1", "--expiration-date", "2099-01-01"), ("topic-1", "--system-topic")]
    for name, *args in owner_creates:
        run.ok("subscription", "create", name, "--endpoint", HOOK, *args, "-o", "none")

    def snapshot() -> dict[str, Any]:
        monkeypatch.setenv("AMLEVENTS_EMULATOR_PRINCIPAL", "owner")
        return {ws: run.json("subscription", "list", "-w", ws) for ws in WORKSPACES}

    return SimpleNamespace(server=cli_emulator, snapshot=snapshot)


def as_principal(world: Any, monkeypatch, principal: str) -> None:
    """Later commands run as ``principal``, with an empty request log."""
    monkeypatch.setenv("AMLEVENTS_EMULATOR_PRINCIPAL", principal)
    world.server.app.clear_requests()


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("command", SUBSCRIPTION_COMMANDS.values(), ids=SUBSCRIPTION_COMMANDS)
def test_subscription_writes_are_refused_without_a_write(run, world, monkeypatch, principal, command):
    as_principal(world, monkeypatch, principal)
    result = run("subscription", *command, "-o", "json")
    assert result.exit_code == 4, result.stderr
    assert "No write request was sent" in result.stderr
    assert writes(world.server) == []


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("manifest", MANIFESTS.values(), ids=MANIFESTS)
def test_apply_is_refused_without_a_write(run, world, monkeypatch, principal, manifest):
    with open("manifest.yaml", "w", encoding="utf-8") as f:
        yaml.safe_dump(manifest, f)
    as_principal(world, monkeypatch, principal)
    result = run("apply", "-f", "manifest.yaml", "--yes", "--prune", "-o", "json")
    assert result.exit_code == 4, result.stderr
    assert writes(world.server) == []


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("command", [SUBSCRIPTION_COMMANDS[k] for k in ("create", "update (PATCH)", "delete")],
                         ids=["create", "update", "delete"])
def test_skip_access_check_lets_azure_refuse_and_nothing_changes(run, world, monkeypatch, principal, command):
    before = world.snapshot()
    as_principal(world, monkeypatch, principal)
    result = run("subscription", *command, "--skip-access-check", "-o", "json")
    assert result.exit_code == 4, result.stderr
    assert all(w["status"] == 403 for w in writes(world.server))
    assert world.snapshot() == before


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_access_check_says_denied_for_every_operation(run, world, monkeypatch, principal):
    as_principal(world, monkeypatch, principal)
    for operation in ("create", "update", "delete"):
        for where in ([], ["--system-topic"]):
            result = run("access", "check", "--operation", operation, *where, "-o", "json")
            assert result.exit_code == 4, (operation, where, result.stderr)
            assert json.loads(result.stdout)["allowed"] is False
    assert writes(world.server) == []
