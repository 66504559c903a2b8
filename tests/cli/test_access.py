"""Access checks before writes, and `amlevents access check`, with the emulator's seeded principals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ids import HOOK
from ids import RESOURCE_GROUP_ID as RG_ID
from ids import SUBSCRIPTION_ID as SUB
from ids import WORKSPACE_ID as WS_ID

WRITE = "Microsoft.EventGrid/eventSubscriptions/write"
DELETE = "Microsoft.EventGrid/eventSubscriptions/delete"
TOPIC_WRITE = "Microsoft.EventGrid/systemTopics/write"
ALL_GRANTING = "EventGrid EventSubscription Contributor or EventGrid Contributor or Contributor or Owner"
OBJECT_IDS = {"reader": "33333333-3333-4333-8333-333333333333", "nobody": "55555555-5555-4555-8555-555555555555"}
HELD = {"reader": f"Roles held there: Reader (at /subscriptions/{SUB})",
        "nobody": "Roles held there: unknown (cannot read role assignments)"}


@pytest.fixture
def as_principal(cli_emulator, monkeypatch):
    """as_principal(name): later commands sign in as ``name``; the request log starts empty."""

    def switch(name: str) -> None:
        monkeypatch.setenv("AMLEVENTS_EMULATOR_PRINCIPAL", name)
        cli_emulator.app.clear_requests()

    return switch


@pytest.fixture
def existing(run, cli_emulator):
    """A workspace-scope subscription 'hook-1' created by the owner."""
    assert run("subscription", "create", "hook-1", "--endpoint", HOOK, "-o", "none").exit_code == 0
    return "hook-1"


def permission_reads(server: Any) -> list[dict[str, Any]]:
    return [r for r in server.app.requests() if r["path"].lower().endswith("/microsoft.authorization/permissions")]


# --- refused before any write --------------------------------------------------------------------------------

COMMANDS = {
    "create": (("create", "new-1", "--endpoint", HOOK), WRITE),
    "update": (("update", "hook-1", "--max-delivery-attempts", "5"), WRITE),
    "delete": (("delete", "hook-1", "--yes"), DELETE),
}


@pytest.mark.parametrize("operation", sorted(COMMANDS))
@pytest.mark.parametrize("principal", ["reader", "nobody"])
def test_denied_write_names_who_what_where_and_which_roles(run, cli_emulator, sent_requests, existing, as_principal,
                                                           principal, operation):
    args, action = COMMANDS[operation]
    as_principal(principal)
    result = run("subscription", *args, "-o", "json")
    assert result.exit_code == 4
    message = " ".join(result.stderr.split())
    assert f"emulator principal '{principal}' (object id {OBJECT_IDS[principal]}) may not {operation}" in message
    assert f"missing permission {action} on scope {WS_ID}" in message
    assert HELD[principal] in message
    assert f"{ALL_GRANTING} on the workspace grants it" in message
    assert "No write request was sent" in message
    assert sent_requests() == []


def test_eventsub_contributor_may_create_on_the_workspace_scope(run, cli_emulator, sent_requests, as_principal):
    as_principal("eventsub-contributor")
    result = run("subscription", "create", "new-1", "--endpoint", HOOK, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert [w["method"] for w in sent_requests()] == ["PUT"]


def test_eventsub_contributor_may_not_create_through_a_system_topic(run, cli_emulator, sent_requests, as_principal):
    as_principal("eventsub-contributor")
    result = run("subscription", "create", "new-1", "--endpoint", HOOK, "--system-topic", "-o", "json")
    assert result.exit_code == 4
    message = " ".join(result.stderr.split())
    assert f"missing permission {TOPIC_WRITE}" in message and f"on scope {RG_ID}." in message
    assert "EventGrid EventSubscription Contributor (at " in message
    assert "EventGrid Contributor or Contributor or Owner on the resource group grants it" in message
    assert sent_requests() == []


def test_eventsub_contributor_may_not_update_a_system_topic_subscription(run, cli_emulator, sent_requests,
                                                                          as_principal):
    assert run("subscription", "create", "topic-1", "--endpoint", HOOK, "--system-topic").exit_code == 0
    as_principal("eventsub-contributor")
    result = run("subscription", "update", "topic-1", "--system-topic", "--event-ttl", "5")
    assert result.exit_code == 4
    assert "Microsoft.EventGrid/systemTopics/eventSubscriptions/write" in result.stderr
    assert sent_requests() == []


@pytest.mark.parametrize("topic", [[], ["--system-topic"]], ids=["workspace", "system-topic"])
def test_contributor_may_create(run, cli_emulator, sent_requests, as_principal, topic):
    as_principal("contributor")
    result = run("subscription", "create", "new-1", "--endpoint", HOOK, *topic, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert sent_requests()[-1]["status"] == 201


def test_skip_access_check_reports_the_services_403(run, cli_emulator, sent_requests, as_principal):
    as_principal("reader")
    result = run("subscription", "create", "new-1", "--endpoint", HOOK, "--skip-access-check", "-o", "json")
    assert result.exit_code == 4
    assert result.stderr.startswith("Error: (AuthorizationFailed) could not create event subscription 'new-1':")
    assert f"does not have authorization to perform action '{WRITE}'" in result.stderr
    assert [(w["method"], w["status"]) for w in sent_requests()] == [("PUT", 403)]
    assert permission_reads(cli_emulator) == []


@pytest.mark.parametrize("command", [
    ("create", "new-1", "--endpoint", HOOK),
    ("create", "new-1", "--endpoint", HOOK, "--system-topic"),
    ("update", "topic-1", "--event-ttl", "9"),
    ("delete", "topic-1", "--yes"),
], ids=["create", "create-system-topic", "update-system-topic", "delete-system-topic"])
def test_one_command_reads_permissions_once(run, cli_emulator, sent_requests, as_principal, command):
    assert run("subscription", "create", "topic-1", "--endpoint", HOOK, "--system-topic").exit_code == 0
    as_principal("contributor")
    assert run("subscription", *command, "-o", "none").exit_code == 0
    assert len(permission_reads(cli_emulator)) == 1
    assert sent_requests()


# --- access check --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("principal", "operation", "code"), [
    ("owner", "create", 0), ("owner", "update", 0), ("owner", "delete", 0),
    ("reader", "create", 4), ("reader", "update", 4), ("reader", "delete", 4),
    ("eventsub-contributor", "delete", 0),
])
def test_access_check_json_verdict_and_exit_code(run, cli_emulator, as_principal, principal, operation, code):
    as_principal(principal)
    result = run("access", "check", "--operation", operation, "-o", "json")
    assert result.exit_code == code, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["identity"] == f"emulator principal '{principal}'"
    assert verdict["scope"] == WS_ID
    assert verdict["actions"] == [DELETE if operation == "delete" else WRITE]
    assert verdict["allowed"] is (code == 0)
    assert verdict["missing"] == ([] if code == 0 else verdict["actions"])
    assert verdict["roles"] and all(" (at /subscriptions/" in r for r in verdict["roles"])


def test_access_check_table_for_a_denied_system_topic_create(run, cli_emulator, as_principal):
    as_principal("eventsub-contributor")
    result = run("access", "check", "--system-topic", "-o", "table")
    assert result.exit_code == 4
    for text in ("Identity", "Roles on the workspace", "Verdict", "emulator principal 'eventsub-contributor'",
                 "EventGrid EventSubscription Contributor", f"DENIED: missing {TOPIC_WRITE}"):
        assert text in result.stdout
    assert "would grant it" in result.stderr


def test_access_check_table_allowed(run, cli_emulator, as_principal):
    as_principal("contributor")
    result = run("access", "check", "-o", "table")
    assert result.exit_code == 0
    assert "allowed" in result.stdout and "Contributor (at " in result.stdout


def test_access_check_for_nobody_says_roles_are_unknown(run, cli_emulator, as_principal):
    as_principal("nobody")
    result = run("access", "check", "-o", "json")
    assert result.exit_code == 4
    assert json.loads(result.stdout)["roles"] is None


def test_list_without_system_topic_read_shows_every_subscription(run, cli_emulator, existing, as_principal):
    # One collection per source: the workspace scope's list holds those created under the system topic.
    assert run("subscription", "create", "topic-1", "--endpoint", HOOK, "--system-topic").exit_code == 0
    as_principal("eventsub-contributor")
    result = run("subscription", "list", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert [s["name"] for s in json.loads(result.stdout)] == ["hook-1", "topic-1"]
    assert result.stderr == ""
