"""`amlevents subscription update` against the emulator: each option group changes exactly what it names.

Every update test reads the subscription before and after (``subscription show -o json``) and asserts the set of
changed fields, so a field lost on the way (az-cli.md §3-4) fails the test.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from campaigns import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ids import HOOK
from ids import RESOURCE_GROUP_ID as RG
from ids import SUBSCRIPTION_ID as SUB
from ids import WORKSPACE_ID as WS_ID

from amlevents.core.redact import REDACTED, redact_url
from amlevents.emulator.eventgrid.subscriptions import ParentRef

EVENTHUB = RG + "/providers/Microsoft.EventHub/namespaces/ns1/eventhubs/{}"
CONTAINER = RG + "/providers/Microsoft.Storage/storageAccounts/sa1/blobServices/default/containers/dead"


def create(run: Any, name: str, *args: str) -> dict[str, Any]:
    run.ok("subscription", "create", name, *args, "-o", "json")
    return show(run, name)


def show(run: Any, name: str) -> dict[str, Any]:
    return run.json("--raw", "subscription", "show", name)  # the REST resource the service stored


def update(run: Any, name: str, *args: str) -> Any:
    return run("subscription", "update", name, *args, "-o", "json")


def diff(before: Any, after: Any, path: str = "") -> set[str]:
    """Dotted paths whose values differ (dicts recursively, lists whole); systemData is ignored."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: set[str] = set()
        for key in set(before) | set(after):
            if key == "systemData":
                continue
            out |= diff(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        return out
    return set() if before == after else {path}


def changed_by(run: Any, server: Any, name: str, *args: str) -> tuple[set[str], dict[str, Any]]:
    """Update ``name`` with ``args``: (the changed paths in the GET afterwards, the GET afterwards)."""
    before = show(run, name)
    server.app.clear_requests()
    result = update(run, name, *args)
    assert result.exit_code == 0, result.stderr
    after = show(run, name)
    return diff(before, after), after


@pytest.fixture
def hook(run, cli_emulator):
    """A webhook subscription 'hook-1' with a subject filter and one advanced filter."""
    create(run, "hook-1", "--endpoint", HOOK, "--subject-begins-with", "models/",
           "--advanced-filter", "data.ModelName", "StringIn", "churn")
    return "hook-1"


# --- one option group at a time ------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "field", "value"), [
    (("--max-delivery-attempts", "7"), "maxDeliveryAttempts", 7),
    (("--event-ttl", "60"), "eventTimeToLiveInMinutes", 60),
])
def test_retry_policy_half_changes_alone(run, cli_emulator, hook, args, field, value):
    changed, after = changed_by(run, cli_emulator, hook, *args)
    assert changed == {f"properties.retryPolicy.{field}"}
    assert after["properties"]["retryPolicy"][field] == value


def test_expiration_is_set_then_cleared(run, cli_emulator, hook):
    original = show(run, hook)
    changed, after = changed_by(run, cli_emulator, hook, "--expiration-date", "2099-01-31")
    assert changed == {"properties.expirationTimeUtc"}
    assert after["properties"]["expirationTimeUtc"].startswith("2099-01-31T00:00:00")
    run("subscription", "update", hook, "--clear-expiration")
    assert diff(original, show(run, hook)) == set()


def test_schema_change_is_refused_with_exit_2_and_no_write(run, cli_emulator, sent_requests, hook):
    cli_emulator.app.clear_requests()
    result = update(run, hook, "--event-delivery-schema", "cloudeventschemav1_0")
    assert result.exit_code == 2
    assert "cannot change an existing subscription from EventGridSchema to CloudEventSchemaV1_0" in result.stderr
    assert "Delete the subscription and create it again" in result.stderr
    assert sent_requests() == []


def test_labels_are_replaced_then_cleared(run, cli_emulator, hook):
    original = show(run, hook)
    changed, after = changed_by(run, cli_emulator, hook, "--labels", "team-a", "prod")
    assert changed == {"properties.labels"}
    assert after["properties"]["labels"] == ["team-a", "prod"]
    assert run("subscription", "update", hook, "--clear-labels").exit_code == 0
    cleared = show(run, hook)
    assert not cleared["properties"]["labels"]
    assert diff(original, cleared) <= {"properties.labels"}  # null before, [] after: both "no labels"


def test_endpoint_alone_keeps_the_eventhub_type(run, cli_emulator):
    create(run, "hub-1", "--endpoint-type", "eventhub", "--endpoint", EVENTHUB.format("one"),
           "-d", "team static risk")
    changed, after = changed_by(run, cli_emulator, "hub-1", "--endpoint", EVENTHUB.format("two"))
    assert changed == {"properties.destination.properties.resourceId"}
    assert after["properties"]["destination"]["endpointType"] == "EventHub"
    assert after["properties"]["destination"]["properties"]["resourceId"] == EVENTHUB.format("two")


def test_batching_change_keeps_every_mapping_with_the_real_secret(run, cli_emulator, sent_requests):
    create(run, "hook-2", "--endpoint", HOOK, "-d", "token static TOPSECRET true", "-d", "model dynamic data.ModelName")
    changed, after = changed_by(run, cli_emulator, "hook-2", "--max-events-per-batch", "10")
    assert changed == {"properties.destination.properties.maxEventsPerBatch"}
    [patch] = sent_requests()
    assert patch["method"] == "PATCH"
    sent = patch["body"]["destination"]["properties"]  # the request log is redacted: REDACTED, not Hidden
    assert sent["endpointUrl"] == redact_url(HOOK)
    assert sent["deliveryAttributeMappings"] == [
        {"name": "token", "type": "Static", "properties": {"value": REDACTED, "isSecret": True}},
        {"name": "model", "type": "Dynamic", "properties": {"sourceField": "data.ModelName"}},
    ]
    assert after["properties"]["destination"]["properties"]["maxEventsPerBatch"] == 10
    # the real values were sent: a PATCH of redacted ones would have stored them
    assert stored_full_url(cli_emulator, "hook-2") == HOOK
    ref = ParentRef(SUB, "amlevents-local", resource_name="local-workspace")
    assert cli_emulator.backend.delivery_attributes(ref, "hook-2")[0]["properties"]["value"] == "TOPSECRET"


def test_add_advanced_filter_appends(run, cli_emulator, hook):
    changed, after = changed_by(run, cli_emulator, hook, "--add-advanced-filter", "data.ModelVersion", "StringIn", "3")
    assert changed == {"properties.filter.advancedFilters"}
    keys = [f["key"] for f in after["properties"]["filter"]["advancedFilters"]]
    assert keys == ["data.ModelName", "data.ModelVersion"]


def test_remove_advanced_filter_drops_only_that_key(run, cli_emulator, hook):
    update(run, hook, "--add-advanced-filter", "data.ModelVersion", "StringIn", "3")
    changed, after = changed_by(run, cli_emulator, hook, "--remove-advanced-filter", "data.modelname")
    assert changed == {"properties.filter.advancedFilters"}
    assert [f["key"] for f in after["properties"]["filter"]["advancedFilters"]] == ["data.ModelVersion"]


def test_remove_advanced_filter_on_an_unknown_key_exits_2_naming_the_keys(run, cli_emulator, sent_requests, hook):
    cli_emulator.app.clear_requests()
    result = update(run, hook, "--remove-advanced-filter", "data.Nope")
    assert result.exit_code == 2
    assert "no advanced filter on key 'data.Nope'" in result.stderr and "data.ModelName" in result.stderr
    assert sent_requests() == []


def test_clear_advanced_filters(run, cli_emulator, hook):
    changed, after = changed_by(run, cli_emulator, hook, "--clear-advanced-filters")
    assert changed == {"properties.filter.advancedFilters"}
    assert not after["properties"]["filter"].get("advancedFilters")


def test_clear_subject_filters(run, cli_emulator, hook):
    changed, after = changed_by(run, cli_emulator, hook, "--clear-subject-filters")
    assert changed == {"properties.filter.subjectBeginsWith"}
    assert after["properties"]["filter"]["subjectBeginsWith"] == ""


def test_clear_dead_letter_is_sent_as_a_put_with_the_real_url(run, cli_emulator, sent_requests):
    original = create(run, "hook-3", "--endpoint", HOOK)
    update(run, "hook-3", "--deadletter-endpoint", CONTAINER)
    assert show(run, "hook-3")["properties"]["deadLetterDestination"]["properties"]["blobContainerName"] == "dead"
    cli_emulator.app.clear_requests()
    assert update(run, "hook-3", "--clear-dead-letter").exit_code == 0
    [put] = sent_requests()
    assert put["method"] == "PUT"
    assert "deadLetterDestination" not in put["body"]["properties"]
    assert put["body"]["properties"]["destination"]["properties"]["endpointUrl"] == redact_url(HOOK)
    assert stored_full_url(cli_emulator, "hook-3") == HOOK  # the real URL was sent, not the redacted one
    assert diff(original, show(run, "hook-3")) == set()


def stored_full_url(emulator: Any, name: str) -> str:
    """The webhook URL the emulator holds for ``name`` (its request log shows it redacted)."""
    return emulator.backend.full_url(ParentRef(SUB, "amlevents-local", resource_name="local-workspace"), name)


def test_delivery_identity_switch_moves_the_destination(run, cli_emulator):
    create(run, "hub-2", "--endpoint-type", "eventhub", "--endpoint", EVENTHUB.format("one"))
    changed, after = changed_by(run, cli_emulator, "hub-2", "--delivery-identity", "systemassigned")
    assert changed == {"properties.destination", "properties.deliveryWithResourceIdentity"}
    wrapped = after["properties"]["deliveryWithResourceIdentity"]
    assert wrapped["identity"] == {"type": "SystemAssigned"}
    assert wrapped["destination"]["properties"]["resourceId"] == EVENTHUB.format("one")
    changed, after = changed_by(run, cli_emulator, "hub-2", "--delivery-identity", "none")
    assert changed == {"properties.destination", "properties.deliveryWithResourceIdentity"}
    assert after["properties"]["destination"]["properties"]["resourceId"] == EVENTHUB.format("one")


# --- what is (not) sent ---------------------------------------------------------------------------------------

def test_no_op_update_sends_no_write_and_says_so(run, cli_emulator, sent_requests, hook):
    cli_emulator.app.clear_requests()
    result = update(run, hook, "--max-delivery-attempts", "30", "--subject-begins-with", "models/")
    assert result.exit_code == 0
    assert "nothing to change" in result.stderr
    assert sent_requests() == []
    assert json.loads(result.stdout)["name"] == hook


def test_dry_run_prints_the_patch_and_sends_nothing(run, cli_emulator, sent_requests, hook):
    before = show(run, hook)
    cli_emulator.app.clear_requests()
    result = update(run, hook, "--max-delivery-attempts", "3", "--dry-run")
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["method"] == "PATCH"
    assert printed["body"] == {"retryPolicy": {"maxDeliveryAttempts": 3, "eventTimeToLiveInMinutes": 1440}}
    assert sent_requests() == []
    assert show(run, hook) == before


def test_system_topic_subscription_is_patched_under_its_topic(run, cli_emulator, sent_requests):
    before = create(run, "topic-sub", "--endpoint", HOOK, "--system-topic")
    cli_emulator.app.clear_requests()
    assert update(run, "topic-sub", "--system-topic", "--event-ttl", "90").exit_code == 0
    [patch] = sent_requests()
    assert patch["method"] == "PATCH" and "/systemTopics/" in patch["path"]
    assert diff(before, show(run, "topic-sub")) == {"properties.retryPolicy.eventTimeToLiveInMinutes"}


# --- property: one random change, nothing else moves ----------------------------------------------------------

SETUPS = st.fixed_dictionaries({}, optional={
    "--max-delivery-attempts": st.integers(1, 30).map(str),
    "--event-ttl": st.integers(1, 1440).map(str),
    "--labels": st.sampled_from(["a", "b c"]),
    "--subject-ends-with": st.sampled_from([".json", ":1"]),
    "--max-events-per-batch": st.integers(1, 5000).map(str),
    "--event-type": st.sampled_from(["ModelRegistered", "RunCompleted"]),
    "--deadletter-endpoint": st.just(CONTAINER),
    "-d": st.sampled_from(["k static v1 true", "k dynamic data.ModelName"]),
})
# option -> (a value strategy, the path prefix that may change)
CHANGES: dict[str, tuple[Any, str]] = {
    "--max-delivery-attempts": (st.integers(1, 30).map(str), "properties.retryPolicy.maxDeliveryAttempts"),
    "--event-ttl": (st.integers(1, 1440).map(str), "properties.retryPolicy.eventTimeToLiveInMinutes"),
    "--labels": (st.sampled_from(["x", "y z"]), "properties.labels"),
    "--expiration-date": (st.sampled_from(["2098-02-03", "2099-12-31T10:00:00Z"]), "properties.expirationTimeUtc"),
    "--subject-begins-with": (st.sampled_from(["models/", "runs/"]), "properties.filter.subjectBeginsWith"),
    "--max-events-per-batch": (st.integers(1, 5000).map(str),
                               "properties.destination.properties.maxEventsPerBatch"),
    "--preferred-batch-size-in-kilobytes": (st.integers(1, 1024).map(str),
                                            "properties.destination.properties.preferredBatchSizeInKilobytes"),
    "--endpoint": (st.sampled_from(["https://other.example.com/x?code=B", HOOK]),
                   "properties.destination.properties.endpointBaseUrl"),
    "--add-advanced-filter": (st.sampled_from(["data.RunTags.env StringIn prod", "data.X NumberGreaterThan 3"]),
                              "properties.filter.advancedFilters"),
    "--event-type": (st.sampled_from(["RunCompleted", "ModelDeployed"]), "properties.filter.includedEventTypes"),
    "-d": (st.sampled_from(["k static v2 true", "h2 dynamic data.RunId"]),
           "properties.destination.properties.deliveryAttributeMappings"),
    "--deadletter-endpoint": (st.just(CONTAINER.replace("/dead", "/other")), "properties.deadLetterDestination"),
}


def _argv(options: dict[str, str]) -> list[str]:
    out: list[str] = []
    for flag, value in options.items():
        out += [flag, *value.split(" ")] if flag in ("--labels", "--add-advanced-filter", "-d") else [flag, value]
    return out


def arm_get(server: Any, name: str) -> dict[str, Any]:
    """The subscription as a plain GET returns it (faster than a CLI `show` inside the property test)."""
    import requests

    from amlevents.emulator.identity.tokens import mint_token

    token = mint_token(server.principals["owner"], server.tenant_id)
    response = requests.get(f"{server.url}{WS_ID}/providers/Microsoft.EventGrid/eventSubscriptions/{name}",
                            params={"api-version": "2025-02-15"}, headers={"Authorization": f"Bearer {token}"},
                            verify=server.ca_cert_path, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


NAMES = itertools.count()


# Each example is a CLI create and update (about 0.3 s): 12 in the default run, 40 in the full run (CI).
@settings(max_examples=examples(40, quick=12), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(setup=SETUPS, change=st.sampled_from(sorted(CHANGES)).flatmap(
    lambda flag: CHANGES[flag][0].map(lambda value: (flag, value))))
def test_one_random_change_leaves_everything_else_identical(run, cli_emulator, setup, change):
    name = f"prop-{next(NAMES)}"
    result = run("subscription", "create", name, "--endpoint", HOOK, *_argv(setup), "-o", "none")
    assert result.exit_code == 0, result.stderr
    before = arm_get(cli_emulator, name)
    flag, value = change
    result = update(run, name, *_argv({flag: value}))
    assert result.exit_code == 0, result.stderr
    changed = diff(before, arm_get(cli_emulator, name))
    assert all(path.startswith(CHANGES[flag][1]) for path in changed), (setup, flag, value, changed)
