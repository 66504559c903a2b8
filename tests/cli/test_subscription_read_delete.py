"""`amlevents subscription show|list|delete` and `events test --subscription` against the emulator."""

from __future__ import annotations

import re

import json
from typing import Any

import pytest
from ids import HOOK
from ids import RESOURCE_GROUP as RG
from ids import SUBSCRIPTION_ID as SUB
from ids import WORKSPACE as WS


def create(run: Any, name: str, *args: str) -> None:
    run.ok("subscription", "create", name, "--endpoint", HOOK, *args, "-o", "none")


# --- show ----------------------------------------------------------------------------------------------------

def test_show_hides_the_url_query_like_the_service(run, cli_emulator):
    create(run, "hook-1")
    destination = run.json("subscription", "show", "hook-1")["destination"]
    assert destination["endpointUrl"] is None
    assert destination["endpointBaseUrl"] == "https://hooks.example.com/api/events"


def test_show_full_endpoint_url_reveals_the_query(run, cli_emulator, sent_requests):
    create(run, "hook-1")  # the flag is the consent (as in az): no --show-secrets needed
    resource = run.json("subscription", "show", "hook-1", "--include-full-endpoint-url")
    assert resource["destination"]["endpointUrl"] == "https://hooks.example.com/api/events?code=SECRET"
    assert sent_requests("POST")[-1]["path"].endswith("/getFullUrl")


def test_show_full_endpoint_url_with_show_secrets(run, cli_emulator):
    create(run, "hook-1")
    resource = run.json("--show-secrets", "subscription", "show", "hook-1", "--include-full-endpoint-url")
    assert resource["destination"]["endpointUrl"] == HOOK


def test_show_full_endpoint_url_of_identity_delivery_to_a_webhook(run, cli_emulator):
    create(run, "hook-1", "--delivery-identity", "systemassigned")
    resource = run.json("--show-secrets", "subscription", "show", "hook-1", "--include-full-endpoint-url")
    assert resource["deliveryWithResourceIdentity"]["destination"]["endpointUrl"] == HOOK


def test_show_full_endpoint_url_of_an_eventhub_says_there_is_none(run, cli_emulator, sent_requests):
    hub = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.EventHub/namespaces/ns/eventhubs/hub"
    assert run("subscription", "create", "hub-1", "--endpoint-type", "eventhub", "--endpoint", hub).exit_code == 0
    result = run("subscription", "show", "hub-1", "--include-full-endpoint-url", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["destination"]["resourceId"] == hub
    assert "delivers to EventHub, which has no endpoint URL to include" in result.stderr
    assert sent_requests("POST") == []


def test_show_missing_exits_5(run, cli_emulator):
    result = run("subscription", "show", "nope-1", "-o", "json")
    assert result.exit_code == 5
    assert "event subscription 'nope-1' does not exist on workspace 'local-workspace'" in result.stderr


# --- list ----------------------------------------------------------------------------------------------------

@pytest.fixture
def both_kinds(run, cli_emulator):
    create(run, "scope-sub", "--event-type", "ModelRegistered", "--subject-begins-with", "models/churn")
    create(run, "topic-sub", "--system-topic", "--advanced-filter", "data.RunStatus", "StringIn", "Failed")


def test_list_json_holds_those_created_through_either_path_in_the_scope_view(run, both_kinds):
    # One collection per source (arm-contract.md §2): the workspace scope's list holds the system topic's too.
    items = run.json("subscription", "list")
    assert [(i["name"], i["type"]) for i in items] == [
        ("scope-sub", "Microsoft.EventGrid/eventSubscriptions"),
        ("topic-sub", "Microsoft.EventGrid/eventSubscriptions"),
    ]


def test_list_table_columns(run, both_kinds):
    result = run("subscription", "list", "-o", "table")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if "Name" in line)
    assert re.split(r"\s{2,}", header.strip()) == [
        "Name", "Destination", "Event types", "Filters", "State"]
    scope = next(line for line in lines if "scope-sub" in line)
    topic = next(line for line in lines if "topic-sub" in line)
    for text in ("WebHook: https://hooks.example.com/api/events", "ModelRegistered",
                 "subject begins 'models/churn'", "Succeeded"):
        assert text in scope
    assert "1 advanced" in topic
    assert "SECRET" not in result.stdout


def test_list_tsv_one_row_per_subscription(run, both_kinds):
    rows = run("subscription", "list", "--query", "[].[name, provisioningState]", "-o", "tsv").stdout
    assert rows == "scope-sub\tSucceeded\ntopic-sub\tSucceeded\n"  # one collection: the topic's are listed too


def test_empty_list_is_an_empty_json_array(run, cli_emulator):
    result = run("subscription", "list", "-o", "json")
    assert result.exit_code == 0
    assert result.stdout.strip() == "[]"


def test_list_follows_every_page(run, cli_emulator, sent_requests):
    from amlevents.emulator.eventgrid.subscriptions import ParentRef

    owner = cli_emulator.principals["owner"]
    names = [f"bulk-{i:03d}" for i in range(120)]
    body = {"properties": {"destination": {"endpointType": "WebHook",
                                           "properties": {"endpointUrl": "https://hooks.example.com/x"}}}}
    for name in names:
        cli_emulator.backend.put_event_subscription(ParentRef(SUB, RG, resource_name=WS), name, body, owner,
                                                    lambda: False)
    items = run.json("subscription", "list")
    assert [i["name"] for i in items] == names
    pages = [r for r in sent_requests("GET") if r["path"].endswith(f"/{WS}/providers/Microsoft.EventGrid/"
                                                                   "eventSubscriptions")]
    assert len(pages) == 2 and "$skipToken" in pages[1]["query"]


# --- delete --------------------------------------------------------------------------------------------------

def test_delete_without_a_terminal_needs_yes(run, cli_emulator, sent_requests):
    create(run, "hook-1")
    result = run("subscription", "delete", "hook-1")
    assert result.exit_code == 2
    assert "without confirmation" in result.stderr and "--yes" in result.stderr
    assert sent_requests("DELETE") == []
    assert run("subscription", "show", "hook-1", "-o", "json").exit_code == 0


def test_delete_with_yes(run, cli_emulator, sent_requests):
    create(run, "hook-1")
    result = run("subscription", "delete", "hook-1", "--yes")
    assert result.exit_code == 0, result.stderr
    [delete] = sent_requests("DELETE")
    assert delete["path"].endswith(f"/workspaces/{WS}/providers/Microsoft.EventGrid/eventSubscriptions/hook-1")
    assert run("subscription", "show", "hook-1", "-o", "json").exit_code == 5


def test_delete_if_exists_on_a_missing_one_exits_0(run, cli_emulator, sent_requests):
    result = run("subscription", "delete", "nope-1", "--yes", "--if-exists")
    assert result.exit_code == 0
    assert "does not exist; nothing to delete" in result.stderr
    assert sent_requests("DELETE") == []


def test_delete_missing_exits_5(run, cli_emulator):
    result = run("subscription", "delete", "nope-1", "--yes")
    assert result.exit_code == 5
    assert "'nope-1' does not exist" in result.stderr


def test_delete_with_the_topic_named_goes_through_the_topic_path(run, cli_emulator, sent_requests):
    create(run, "topic-sub", "--system-topic-name", "ml-events")
    assert run("subscription", "delete", "topic-sub", "--yes", "--system-topic-name", "ml-events").exit_code == 0
    [delete] = sent_requests("DELETE")
    assert "/providers/Microsoft.EventGrid/systemTopics/ml-events/eventSubscriptions/topic-sub" in delete["path"]
    assert run.json("subscription", "list") == []


def test_delete_by_name_of_one_created_under_the_topic_goes_through_the_scope(run, cli_emulator, sent_requests):
    create(run, "topic-sub", "--system-topic-name", "ml-events")
    assert run("subscription", "delete", "topic-sub", "--yes").exit_code == 0
    [delete] = sent_requests("DELETE")
    assert delete["path"].endswith(f"/workspaces/{WS}/providers/Microsoft.EventGrid/eventSubscriptions/topic-sub")
    assert run.json("subscription", "list") == []


def test_delete_dry_run_sends_nothing(run, cli_emulator, sent_requests):
    create(run, "hook-1")
    result = run("subscription", "delete", "hook-1", "--dry-run", "-o", "json")
    assert json.loads(result.stdout)["method"] == "DELETE"
    assert sent_requests("DELETE") == []


# --- events test --subscription ------------------------------------------------------------------------------

@pytest.mark.parametrize(("model", "delivered"), [("churn", True), ("fraud", False)])
def test_events_test_uses_the_deployed_filter(run, cli_emulator, tmp_path, model, delivered):
    create(run, "churn-models", "--event-type", "ModelRegistered",
           "--advanced-filter", "data.ModelName", "StringIn", "churn")
    event = tmp_path / "event.json"
    event.write_text(run("events", "sample", "ModelRegistered", "--set", f"data.ModelName={model}").stdout)
    verdict = run.json("events", "test", "--event", str(event), "--subscription", "churn-models")
    assert verdict["delivered"] is delivered
    assert verdict["filter"]["advancedFilters"] == [
        {"operatorType": "StringIn", "key": "data.ModelName", "values": ["churn"]}]


@pytest.fixture
def stderr_terminal(monkeypatch):
    """The runner's stderr claims to be a terminal (stdout stays a pipe)."""
    import sys

    from typer import testing

    monkeypatch.setattr(testing._NamedTextIOWrapper, "isatty", lambda self: self is sys.stderr)


def test_delete_and_update_say_what_they_did_on_a_terminal(run, cli_emulator, stderr_terminal):
    create(run, "told-1")
    updated = run("subscription", "update", "told-1", "--labels", "x", "-o", "none")
    assert updated.stderr.endswith("Updated event subscription 'told-1' on workspace 'local-workspace'.\n")
    deleted = run("subscription", "delete", "told-1", "--yes")
    assert (deleted.exit_code, deleted.stdout) == (0, "")
    assert deleted.stderr.endswith("Deleted event subscription 'told-1' from workspace 'local-workspace'.\n")


def test_delete_says_nothing_to_a_pipeline(run, cli_emulator):
    create(run, "quiet-1")
    assert (run("subscription", "delete", "quiet-1", "--yes").stderr) == ""
