"""`amlevents export` end to end: what it writes, fed back to `plan`, shows no change.

``deployed`` creates one subscription per destination type and every filter shape on local-workspace (one of
them under the system topic) and two webhooks on local-workspace-2. The round trip: export -> set the
variables it names (from ``--show-secrets``' ``export NAME=value`` lines) -> ``plan --detailed-exitcode``
exits 0.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest
import yaml
from ids import RESOURCE_GROUP as RG
from ids import SUBSCRIPTION_ID as SUB
from ids import WORKSPACE as WS
from ids import WORKSPACE_2 as WS2
from ids import WORKSPACE_2_ID as WS2_ID
from ids import WORKSPACE_ID as WS_ID
from ids import providers

from amlevents.emulator.eventgrid.subscriptions import ParentRef

DEST = providers("dest-rg")
ACCOUNT = DEST + "Microsoft.Storage/storageAccounts/sa"
USER_IDENTITY = DEST + "Microsoft.ManagedIdentity/userAssignedIdentities/uai"
SECRETS = ("c0de-s3cr3t", "sig-s3cr3t", "k3y-s3cr3t", "ws2-c0de", "pa55-s3cr3t", "fr4g-s3cr3t")
# A user-info password and a fragment are secrets as much as a query value.
USERINFO_URL = "https://hook-user:pa55-s3cr3t@hooks.example.com/ui?code=ws2-c0de#fr4g-s3cr3t"


def resource(endpoint_type: str, resource_id: str, **extra: Any) -> dict[str, Any]:
    return {"endpointType": endpoint_type, "properties": {"resourceId": resource_id, **extra}}


def advanced(operator: str, key: str, **value: Any) -> dict[str, Any]:
    return {"operatorType": operator, "key": key, **value}


EVENT_HUB = resource("EventHub", DEST + "Microsoft.EventHub/namespaces/ns/eventhubs/hub")
DEAD_LETTER = {"endpointType": "StorageBlob", "properties": {"resourceId": ACCOUNT, "blobContainerName": "dead"}}
DEPLOYED: dict[str, dict[str, Any]] = {
    "hook": {
        "destination": {"endpointType": "WebHook", "properties": {
            "endpointUrl": "https://hooks.example.com/api/aml?code=c0de-s3cr3t&sig=sig-s3cr3t",
            "maxEventsPerBatch": 10, "preferredBatchSizeInKilobytes": 128,
            "azureActiveDirectoryTenantId": "11111111-1111-1111-1111-111111111111",
            "azureActiveDirectoryApplicationIdOrUri": "api://amlevents", "minimumTlsVersionAllowed": "1.2",
            "deliveryAttributeMappings": [
                {"name": "X-Api-Key", "type": "Static", "properties": {"value": "k3y-s3cr3t", "isSecret": True}},
                {"name": "X-Team", "type": "Static", "properties": {"value": "ml-platform", "isSecret": False}},
                {"name": "X-Model", "type": "Dynamic", "properties": {"sourceField": "data.ModelName"}}]}},
        "filter": {"includedEventTypes": ["Microsoft.MachineLearningServices.ModelRegistered",
                                          "Microsoft.MachineLearningServices.ModelDeployed"],
                   "subjectBeginsWith": "models/churn", "subjectEndsWith": ":3", "isSubjectCaseSensitive": True},
        # labels a careless dump would not read back as written: a ${VAR}, YAML 1.1 booleans, a date, a number
        "labels": ["managed", "${HOME}", "yes", "on", "2030-01-01", "1.5"], "expirationTimeUtc": "2030-12-31T00:00:00Z",
        "retryPolicy": {"maxDeliveryAttempts": 5, "eventTimeToLiveInMinutes": 60},
    },
    "function": {
        "destination": resource("AzureFunction", DEST + "Microsoft.Web/sites/app/functions/onEvent",
                                maxEventsPerBatch=5, preferredBatchSizeInKilobytes=32),
        "filter": {"enableAdvancedFilteringOnArrays": True, "advancedFilters": [
            advanced("NumberIn", "data.a", values=[1, 2.5]), advanced("NumberNotIn", "data.b", values=[3]),
            advanced("NumberLessThan", "data.c", value=4), advanced("NumberGreaterThan", "data.d", value=-1.5),
            advanced("NumberLessThanOrEquals", "data.e", value=6),
            advanced("NumberGreaterThanOrEquals", "data.f", value=7),
            advanced("NumberInRange", "data.g", values=[[1, 5], [10, 20]]),
            advanced("NumberNotInRange", "data.h", values=[[0, 1]]), advanced("BoolEquals", "data.i", value=True),
            advanced("IsNullOrUndefined", "data.j"), advanced("IsNotNull", "data.k")]},
    },
    "hub": {
        "destination": EVENT_HUB,
        "eventDeliverySchema": "CloudEventSchemaV1_0",
        "filter": {"advancedFilters": [
            advanced("StringContains", "data.a", values=["x"]), advanced("StringNotContains", "data.b", values=["y"]),
            advanced("StringBeginsWith", "data.c", values=["p"]),
            advanced("StringNotBeginsWith", "data.d", values=["q"]),
            advanced("StringEndsWith", "subject", values=[".json"]),
            advanced("StringNotEndsWith", "data.f", values=["z"]),
            advanced("StringIn", "data.ModelTags.stage", values=["production", "with space", "comma,inside"]),
            advanced("StringNotIn", "data.h", values=["scratch"])]},
    },
    "sbqueue": {"destination": resource("ServiceBusQueue", DEST + "Microsoft.ServiceBus/namespaces/ns/queues/q"),
                "deadLetterDestination": DEAD_LETTER},
    "sbtopic": {"destination": resource("ServiceBusTopic", DEST + "Microsoft.ServiceBus/namespaces/ns/topics/t"),
                "deadLetterWithResourceIdentity": {"identity": {"type": "UserAssigned",
                                                                "userAssignedIdentity": USER_IDENTITY},
                                                   "deadLetterDestination": DEAD_LETTER}},
    "storage": {"destination": resource("StorageQueue", ACCOUNT, queueName="q",
                                        queueMessageTimeToLiveInSeconds=600)},
    "relay": {"destination": resource("HybridConnection", DEST + "Microsoft.Relay/namespaces/ns/hybridConnections/hc")},
    "identity": {"deliveryWithResourceIdentity": {"identity": {"type": "SystemAssigned"},
                                                  "destination": EVENT_HUB}},
}
ON_TOPIC = {"on-topic": {"destination": resource("ServiceBusQueue",
                                                 DEST + "Microsoft.ServiceBus/namespaces/ns/queues/t"),
                         "filter": {"includedEventTypes": ["Microsoft.MachineLearningServices.RunStatusChanged"]}}}
# A second "hook", with another ?code=: its variable is numbered (AMLEVENTS_HOOK_CODE_2).
ON_WS2 = {"hook": {"destination": {"endpointType": "WebHook", "properties": {
    "endpointUrl": "https://hooks.example.com/ws2?code=ws2-c0de"}}},
          "ws2-plain": {"destination": {"endpointType": "WebHook", "properties": {
              "endpointUrl": "https://hooks.example.com/no-query"}}},
          "ws2-userinfo": {"destination": {"endpointType": "WebHook", "properties": {"endpointUrl": USERINFO_URL}}}}


@pytest.fixture
def deployed(cli_emulator):
    """Every destination type and filter shape deployed (DEPLOYED, ON_TOPIC, ON_WS2), straight into the backend:
    the same validation and stored form as a PUT, without the HTTP round trips."""
    backend, owner, never = cli_emulator.backend, cli_emulator.principals["owner"], lambda: False
    backend.put_system_topic(SUB, RG, "ws-events", {"location": "eastus", "properties": {
        "source": WS_ID, "topicType": "Microsoft.MachineLearningServices.Workspaces"}}, owner)
    for parent, subscriptions in ((ParentRef(SUB, RG, system_topic="ws-events"), ON_TOPIC),
                                  (ParentRef(SUB, RG, resource_name=WS), DEPLOYED),
                                  (ParentRef(SUB, RG, resource_name=WS2), ON_WS2)):
        for name, properties in subscriptions.items():
            backend.put_event_subscription(parent, name, {"properties": properties}, owner, never)
    return cli_emulator


def variables(stderr: str) -> dict[str, str]:
    """The ``export NAME=value`` lines that ``--show-secrets export`` prints."""
    return dict(shlex.split(line)[1].split("=", 1) for line in stderr.splitlines() if line.startswith("export "))


def export(run, monkeypatch, *args: str) -> str:
    """Export with --show-secrets to exported.yaml, set the variables it names; returns the path."""
    result = run("--show-secrets", "export", *args, "--out", "exported.yaml")
    assert result.exit_code == 0, result.stderr
    for name, value in variables(result.stderr).items():
        monkeypatch.setenv(name, value)
    return "exported.yaml"


def plan_steps(run, path: str) -> tuple[int, list[tuple[str, str, str]]]:
    result = run("plan", "-f", path, "--detailed-exitcode", "-o", "json")
    assert result.exit_code in (0, 2), result.stderr
    return result.exit_code, [(s["workspace"], s["name"], s["action"]) for s in json.loads(result.stdout)]


def no_change(workspace_id: str, names: Any) -> list[tuple[str, str, str]]:
    return [(workspace_id, n, "no-change") for n in sorted(names)]


WS_NAMES = sorted([*DEPLOYED, *ON_TOPIC])


# --- the round trip -----------------------------------------------------------------------------------------


def test_export_of_one_workspace_plans_no_change(run, deployed, monkeypatch) -> None:
    path = export(run, monkeypatch, "-w", WS)
    assert plan_steps(run, path) == (0, no_change(WS_ID, WS_NAMES))


def test_export_of_two_workspaces_plans_no_change(run, deployed, monkeypatch) -> None:
    path = export(run, monkeypatch, "-w", WS, "-w", WS2)
    assert plan_steps(run, path) == (0, no_change(WS_ID, WS_NAMES) + no_change(WS2_ID, ON_WS2))


def test_export_of_a_resource_group_plans_no_change(run, deployed, monkeypatch) -> None:
    path = export(run, monkeypatch, "-g", RG, "--all")
    assert plan_steps(run, path) == (0, no_change(WS_ID, WS_NAMES) + no_change(WS2_ID, ON_WS2))


def test_export_by_workspace_id_plans_no_change(run, deployed, monkeypatch) -> None:
    path = export(run, monkeypatch, "--workspace-id", WS2_ID)
    assert plan_steps(run, path) == (0, no_change(WS2_ID, ON_WS2))


def test_export_of_an_empty_workspace_plans_no_change(run, cli_emulator, monkeypatch) -> None:
    path = export(run, monkeypatch, "-w", WS2)
    assert plan_steps(run, path) == (0, [])


def test_exported_manifest_applies_to_an_empty_world(run, deployed, monkeypatch) -> None:
    path = export(run, monkeypatch, "-g", RG, "--all")
    deployed.backend.reset()
    result = run("apply", "-f", path, "--yes", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert plan_steps(run, path) == (0, no_change(WS_ID, WS_NAMES) + no_change(WS2_ID, ON_WS2))


def test_exported_password_and_fragment_apply_back_to_the_same_url(run, deployed, monkeypatch) -> None:
    path = export(run, monkeypatch, "-w", WS2)
    deployed.backend.reset()
    assert run("apply", "-f", path, "--yes", "-o", "json").exit_code == 0
    assert deployed.backend.full_url(ParentRef(SUB, RG, resource_name=WS2), "ws2-userinfo") == USERINFO_URL


def test_a_changed_secret_after_export_is_a_pending_change(run, deployed, monkeypatch) -> None:
    path = export(run, monkeypatch, "-w", WS)
    monkeypatch.setenv("AMLEVENTS_HOOK_CODE", "another-code")
    code, steps = plan_steps(run, path)
    assert code == 2
    assert [s for s in steps if s[2] != "no-change"] == [(WS_ID, "hook", "update")]


# --- what it writes -----------------------------------------------------------------------------------------


def test_export_writes_yaml_to_stdout(run, deployed) -> None:
    result = run("export", "-w", WS)
    assert result.exit_code == 0, result.stderr
    [workspace] = yaml.safe_load(result.stdout)["workspaces"]
    assert (workspace["name"], workspace["resourceGroup"], workspace["subscriptionId"]) == (WS, RG, SUB)
    assert sorted(s["name"] for s in workspace["subscriptions"]) == WS_NAMES


def test_export_out_writes_the_file_and_nothing_to_stdout(run, deployed) -> None:
    result = run("export", "-w", WS, "--out", "exported.yaml")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    with open("exported.yaml", encoding="utf-8") as f:
        assert yaml.safe_load(f)["version"] == 1


def test_export_keeps_secrets_out_of_the_manifest_and_the_output(run, deployed) -> None:
    result = run("export", "-g", RG, "--all")
    assert result.exit_code == 0, result.stderr
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr


def test_export_names_the_variables_to_set(run, deployed) -> None:
    result = run("export", "-w", WS)
    assert "${AMLEVENTS_HOOK_CODE}" in result.stdout and "${AMLEVENTS_HOOK_X_API_KEY}" in result.stdout
    assert "AMLEVENTS_HOOK_CODE, AMLEVENTS_HOOK_SIG, AMLEVENTS_HOOK_X_API_KEY" in " ".join(result.stderr.split())


def test_same_name_in_two_workspaces_gets_numbered_variables(run, deployed) -> None:
    result = run("--show-secrets", "export", "-w", WS, "-w", WS2)
    assert variables(result.stderr)["AMLEVENTS_HOOK_CODE_2"] == "ws2-c0de"
    assert "?code=${AMLEVENTS_HOOK_CODE_2}" in result.stdout


def test_export_turns_password_and_fragment_into_variables(run, deployed) -> None:
    result = run("--show-secrets", "export", "-w", WS2)
    assert ("https://hook-user:${AMLEVENTS_WS2_USERINFO_PASSWORD}@hooks.example.com/ui"
            "?code=${AMLEVENTS_WS2_USERINFO_CODE}#${AMLEVENTS_WS2_USERINFO_FRAGMENT}") in result.stdout
    assert {k: v for k, v in variables(result.stderr).items() if "USERINFO" in k} == {
        "AMLEVENTS_WS2_USERINFO_PASSWORD": "pa55-s3cr3t", "AMLEVENTS_WS2_USERINFO_CODE": "ws2-c0de",
        "AMLEVENTS_WS2_USERINFO_FRAGMENT": "fr4g-s3cr3t"}


def test_show_secrets_prints_export_lines_not_secrets_in_the_manifest(run, deployed) -> None:
    result = run("--show-secrets", "export", "-w", WS)
    assert variables(result.stderr) == {"AMLEVENTS_HOOK_CODE": "c0de-s3cr3t", "AMLEVENTS_HOOK_SIG": "sig-s3cr3t",
                                        "AMLEVENTS_HOOK_X_API_KEY": "k3y-s3cr3t"}
    assert not any(secret in result.stdout for secret in SECRETS)


def test_export_holds_the_subscription_created_under_the_system_topic_as_the_scope_lists_it(run, deployed) -> None:
    # One collection per source (arm-contract.md §2): the scope list holds it, in the scope's view.
    [workspace] = yaml.safe_load(run("export", "-w", WS).stdout)["workspaces"]
    assert "systemTopic" not in next(s for s in workspace["subscriptions"] if s["name"] == "on-topic")


def test_export_reads_only(run, deployed) -> None:
    run("export", "-g", RG, "--all")
    assert deployed.app.requests()
    assert {r["method"] for r in deployed.app.requests()} <= {"GET", "POST"}


def test_export_of_a_missing_workspace_exits_5(run, cli_emulator) -> None:
    result = run("export", "-w", "no-such-workspace")
    assert result.exit_code == 5
    assert "no-such-workspace" in result.stderr


def test_without_system_topic_read_every_subscription_is_exported(run, deployed, monkeypatch) -> None:
    monkeypatch.setenv("AMLEVENTS_EMULATOR_PRINCIPAL", "eventsub-contributor")
    result = run("export", "-w", WS)
    assert result.exit_code == 0, result.stderr
    [workspace] = yaml.safe_load(result.stdout)["workspaces"]
    assert sorted(s["name"] for s in workspace["subscriptions"]) == WS_NAMES
    assert "only" not in result.stderr


def test_reader_may_not_export_webhook_secrets(run, deployed, monkeypatch) -> None:
    monkeypatch.setenv("AMLEVENTS_EMULATOR_PRINCIPAL", "reader")
    result = run("export", "-w", WS)
    assert result.exit_code == 4
    assert "getFullUrl/action" in result.stderr and result.stdout == ""


def test_out_into_a_missing_directory_exits_2_before_reading(run, cli_emulator) -> None:
    result = run("export", "-w", WS, "--out", "no-such-dir/exported.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot write no-such-dir/exported.yaml: the directory ")
    assert cli_emulator.app.requests() == []
