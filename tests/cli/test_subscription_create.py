"""`amlevents subscription create` end to end: the CLI in-process, over HTTPS, against the session emulator.

Each body test reads the PUT the emulator received (its request log) and compares it whole with the wire JSON
we mean to send: az's defaults (``isSubjectCaseSensitive`` false, retry 30/1440) plus, for WebHook and
AzureFunction, the batch defaults 1/64 that azure-mgmt-eventgrid 10.4 sends.
"""

from __future__ import annotations

import json

import pytest

from amlevents.core.redact import REDACTED
from amlevents.emulator.eventgrid.subscriptions import ParentRef

SUB = "00000000-0000-0000-0000-000000000000"
RG = "amlevents-local"
WS_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/" \
    "local-workspace"
WS2_ID = WS_ID + "-2"
TOPICS = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.EventGrid/systemTopics/"
NAME = "model-events"
FULL = "Microsoft.MachineLearningServices."

DEST = f"/subscriptions/{SUB}/resourceGroups/dest-rg/providers/"
HOOK = "https://example.com/api/events"
FUNCTION = DEST + "Microsoft.Web/sites/app/functions/onEvent"
EVENT_HUB = DEST + "Microsoft.EventHub/namespaces/ns/eventhubs/hub"
SB_QUEUE = DEST + "Microsoft.ServiceBus/namespaces/ns/queues/jobs"
SB_TOPIC = DEST + "Microsoft.ServiceBus/namespaces/ns/topics/news"
RELAY = DEST + "Microsoft.Relay/namespaces/ns/hybridConnections/hc"
ACCOUNT = DEST + "Microsoft.Storage/storageAccounts/sa"
QUEUE = ACCOUNT + "/queueServices/default/queues/jobs"
CONTAINER = ACCOUNT + "/blobServices/default/containers/dead"
USER_IDENTITY = DEST + "Microsoft.ManagedIdentity/userAssignedIdentities/uai"

RETRY = {"maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 1440}
NO_FILTER = {"isSubjectCaseSensitive": False}
BATCH = {"maxEventsPerBatch": 1, "preferredBatchSizeInKilobytes": 64}


def webhook(**extra):
    return {"endpointType": "WebHook", "properties": {"endpointUrl": HOOK, **BATCH, **extra}}


def resource(endpoint_type, resource_id, **extra):
    return {"endpointType": endpoint_type, "properties": {"resourceId": resource_id, **extra}}


def properties(**fields):
    """The expected PUT ``properties``: the defaults, with ``fields`` replacing them (None removes one)."""
    out = {"destination": webhook(), "filter": NO_FILTER, "retryPolicy": RETRY, **fields}
    return {k: v for k, v in out.items() if v is not None}


def string_in(key, *values, **filter_fields):
    return {**NO_FILTER, **filter_fields, "advancedFilters": [{"operatorType": "StringIn", "key": key,
                                                              "values": list(values)}]}


def create(run, sent_requests, *args, name=NAME):
    """Create with ``args`` (``--endpoint HOOK`` unless given); the body of the one write sent."""
    args = args if "--endpoint" in args else ("--endpoint", HOOK, *args)
    run.ok("subscription", "create", name, *args, "-o", "json")
    (put,) = sent_requests()
    assert put["method"] == "PUT"
    return put["body"]


# --- destinations ----------------------------------------------------------------------------------------------

DESTINATIONS = {
    "webhook": (["--endpoint", HOOK], webhook()),
    "azurefunction": (["--endpoint-type", "azurefunction", "--endpoint", FUNCTION],
                      resource("AzureFunction", FUNCTION, **BATCH)),
    "eventhub": (["--endpoint-type", "eventhub", "--endpoint", EVENT_HUB], resource("EventHub", EVENT_HUB)),
    "servicebusqueue": (["--endpoint-type", "servicebusqueue", "--endpoint", SB_QUEUE],
                        resource("ServiceBusQueue", SB_QUEUE)),
    "servicebustopic": (["--endpoint-type", "servicebustopic", "--endpoint", SB_TOPIC],
                        resource("ServiceBusTopic", SB_TOPIC)),
    "storagequeue": (["--endpoint-type", "storagequeue", "--endpoint", QUEUE],
                     resource("StorageQueue", ACCOUNT, queueName="jobs")),
    "hybridconnection": (["--endpoint-type", "hybridconnection", "--endpoint", RELAY],
                         resource("HybridConnection", RELAY)),
}


@pytest.mark.parametrize("args, destination", DESTINATIONS.values(), ids=DESTINATIONS)
def test_each_endpoint_type_sends_its_wire_destination(run, cli_emulator, sent_requests, args, destination):
    assert create(run, sent_requests, *args) == {"properties": properties(destination=destination)}


def test_the_put_goes_to_the_workspace_scope(run, cli_emulator, sent_requests):
    create(run, sent_requests)
    (put,) = sent_requests()
    assert put["path"] == f"{WS_ID}/providers/Microsoft.EventGrid/eventSubscriptions/{NAME}"


# --- filters ---------------------------------------------------------------------------------------------------

FILTERS = {
    "event types short and full": (
        ["--event-type", "ModelRegistered", "--event-type", FULL + "RunCompleted"],
        {"includedEventTypes": [FULL + "ModelRegistered", FULL + "RunCompleted"], **NO_FILTER}),
    "event types as several words, any case": (
        ["--event-type", "modelregistered", "RUNSTATUSCHANGED"],
        {"includedEventTypes": [FULL + "ModelRegistered", FULL + "RunStatusChanged"], **NO_FILTER}),
    "subject prefix and suffix": (
        ["--subject-begins-with", "models/churn:", "--subject-ends-with", ":3"],
        {"subjectBeginsWith": "models/churn:", "subjectEndsWith": ":3", **NO_FILTER}),
    "subject case sensitive": (["--subject-case-sensitive"], {"isSubjectCaseSensitive": True}),
    "subject case insensitive": (["--subject-case-insensitive"], {"isSubjectCaseSensitive": False}),
    "advanced filter as az tokens": (
        ["--advanced-filter", "data.ModelTags.stage", "StringIn", "prod", "staging"],
        string_in("data.ModelTags.stage", "prod", "staging")),
    "advanced filter quoted as one word": (
        ["--advanced-filter", "data.ModelTags.stage StringIn prod staging"],
        string_in("data.ModelTags.stage", "prod", "staging")),
    "advanced filter in the docs form": (
        ["--advanced-filter", "data.ModelTags.stage StringIn ('prod', \"eu west\")"],
        string_in("data.ModelTags.stage", "prod", "eu west")),
    "repeated advanced filters keep their order": (
        ["--advanced-filter", "data.DriftCoefficient", "NumberGreaterThanOrEquals", "0.5",
         "--advanced-filter", "data.runId", "IsNotNull"],
        {**NO_FILTER, "advancedFilters": [
            {"operatorType": "NumberGreaterThanOrEquals", "key": "data.DriftCoefficient", "value": 0.5},
            {"operatorType": "IsNotNull", "key": "data.runId"}]}),
    "filtering on arrays enabled": (["--enable-advanced-filtering-on-arrays"],
                                    {**NO_FILTER, "enableAdvancedFilteringOnArrays": True}),
    "filtering on arrays disabled": (["--disable-advanced-filtering-on-arrays"],
                                     {**NO_FILTER, "enableAdvancedFilteringOnArrays": False}),
}


@pytest.mark.parametrize("args, wire_filter", FILTERS.values(), ids=FILTERS)
def test_filter_options_reach_the_wire(run, cli_emulator, sent_requests, args, wire_filter):
    assert create(run, sent_requests, *args) == {"properties": properties(filter=wire_filter)}


SHORTCUTS = {
    "model name": (["--model-name", "churn"],
                   {"includedEventTypes": [FULL + "ModelRegistered"], "subjectBeginsWith": "models/churn:",
                    **NO_FILTER}),
    "model name and version": (["--model-name", "churn", "--model-version", "3"],
                               {"includedEventTypes": [FULL + "ModelRegistered"], "subjectBeginsWith": "models/churn:",
                                "subjectEndsWith": ":3", **NO_FILTER}),
    "experiment id": (["--experiment-id", "e1"],
                      {"includedEventTypes": [FULL + "RunCompleted", FULL + "RunStatusChanged"],
                       "subjectBeginsWith": "experiments/e1/", **NO_FILTER}),
    "experiment name": (["--experiment-name", "nightly"],
                        string_in("data.experimentName", "nightly",
                                  includedEventTypes=[FULL + "RunCompleted", FULL + "RunStatusChanged"])),
    "service name": (["--service-name", "scorer"],
                     {"includedEventTypes": [FULL + "ModelDeployed"], "subjectBeginsWith": "endpoints/scorer",
                      "subjectEndsWith": "/scorer", **NO_FILTER}),
    "model tags": (["--model-tag", "stage=prod", "--model-tag", "stage=canary"],
                   string_in("data.ModelTags.stage", "prod", "canary",
                             includedEventTypes=[FULL + "ModelRegistered"])),
    "run tag": (["--run-tag", "team=risk"],
                string_in("data.runTags.team", "risk",
                          includedEventTypes=[FULL + "RunCompleted", FULL + "RunStatusChanged"])),
    "run statuses in any case": (["--run-status", "completed", "--run-status", "Failed"],
                                 string_in("data.runStatus", "Completed", "Failed",
                                           includedEventTypes=[FULL + "RunStatusChanged"])),
}


@pytest.mark.parametrize("args, wire_filter", SHORTCUTS.values(), ids=SHORTCUTS)
def test_azure_ml_shortcuts_build_the_filter(run, cli_emulator, sent_requests, args, wire_filter):
    assert create(run, sent_requests, *args) == {"properties": properties(filter=wire_filter)}


# --- destination options ---------------------------------------------------------------------------------------

STATIC_FALSE = {"name": "env", "type": "Static", "properties": {"value": "prod", "isSecret": False}}
# The request log redacts secret values (the emulator's rule); the value stored is checked below.
STATIC_SECRET = {"name": "token", "type": "Static", "properties": {"value": REDACTED, "isSecret": True}}
DYNAMIC = {"name": "run", "type": "Dynamic", "properties": {"sourceField": "data.runId"}}
DESTINATION_OPTIONS = {
    "batching": (["--max-events-per-batch", "10", "--preferred-batch-size-in-kilobytes", "128"],
                 webhook(maxEventsPerBatch=10, preferredBatchSizeInKilobytes=128)),
    "batch size alias": (["--pref-batch-size-kb", "1024"], webhook(preferredBatchSizeInKilobytes=1024)),
    "aad": (["--aad-tenant-id", "tenant-1", "--aad-app-id-or-uri", "api://hook"],
            webhook(azureActiveDirectoryTenantId="tenant-1", azureActiveDirectoryApplicationIdOrUri="api://hook")),
    "aad with az's long names": (
        ["--azure-active-directory-tenant-id", "t", "--azure-active-directory-application-id-or-uri", "a"],
        webhook(azureActiveDirectoryTenantId="t", azureActiveDirectoryApplicationIdOrUri="a")),
    "minimum tls": (["--min-tls-version", "1.2"], webhook(minimumTlsVersionAllowed="1.2")),
    "mappings static (false stays false), secret, dynamic": (
        ["--delivery-attribute-mapping", "env", "static", "prod", "false",
         "-d", "token", "static", "s3cr3t", "true", "-d", "run", "dynamic", "data.runId"],
        webhook(deliveryAttributeMappings=[STATIC_FALSE, STATIC_SECRET, DYNAMIC])),
    "mapping without a secret flag": (["-d", "env", "static", "prod"],
                                      webhook(deliveryAttributeMappings=[STATIC_FALSE])),
    "mapping quoted as one word": (["-d", "env static 'prod eu'"], webhook(deliveryAttributeMappings=[
        {"name": "env", "type": "Static", "properties": {"value": "prod eu", "isSecret": False}}])),
    "mappings on an event hub": (["--endpoint-type", "eventhub", "--endpoint", EVENT_HUB, "-d", "run", "dynamic",
                                  "data.runId"], resource("EventHub", EVENT_HUB, deliveryAttributeMappings=[DYNAMIC])),
    "storage queue ttl": (["--endpoint-type", "storagequeue", "--endpoint", QUEUE, "--storage-queue-msg-ttl", "120"],
                          resource("StorageQueue", ACCOUNT, queueName="jobs", queueMessageTimeToLiveInSeconds=120)),
    "storage queue ttl infinite": (["--endpoint-type", "storagequeue", "--endpoint", QUEUE, "--qttl", "-1"],
                                   resource("StorageQueue", ACCOUNT, queueName="jobs",
                                            queueMessageTimeToLiveInSeconds=-1)),
}


@pytest.mark.parametrize("args, destination", DESTINATION_OPTIONS.values(), ids=DESTINATION_OPTIONS)
def test_destination_options_reach_the_wire(run, cli_emulator, sent_requests, args, destination):
    assert create(run, sent_requests, *args) == {"properties": properties(destination=destination)}


def test_a_secret_mapping_value_reaches_the_service(run, cli_emulator, sent_requests):
    create(run, sent_requests, "-d", "token", "static", "s3cr3t", "true")
    stored = cli_emulator.backend.delivery_attributes(ParentRef(SUB, RG, resource_name="local-workspace"), NAME)
    assert stored == [{**STATIC_SECRET, "properties": {"value": "s3cr3t", "isSecret": True}}]


# --- identity and dead-lettering -------------------------------------------------------------------------------

IDENTITIES = {
    "system assigned": (["--endpoint-type", "eventhub", "--endpoint", EVENT_HUB, "--delivery-identity",
                         "SystemAssigned"], {"type": "SystemAssigned"}, resource("EventHub", EVENT_HUB)),
    "user assigned": (["--endpoint-type", "servicebusqueue", "--endpoint", SB_QUEUE, "--delivery-identity",
                       "userassigned", "--delivery-identity-user-id", USER_IDENTITY],
                      {"type": "UserAssigned", "userAssignedIdentity": USER_IDENTITY},
                      resource("ServiceBusQueue", SB_QUEUE)),
}


@pytest.mark.parametrize("args, identity, destination", IDENTITIES.values(), ids=IDENTITIES)
def test_delivery_identity_wraps_the_destination(run, cli_emulator, sent_requests, args, identity, destination):
    wrapped = {"identity": identity, "destination": destination}
    assert create(run, sent_requests, *args) == {
        "properties": properties(destination=None, deliveryWithResourceIdentity=wrapped)}


BLOB = {"endpointType": "StorageBlob", "properties": {"resourceId": ACCOUNT, "blobContainerName": "dead"}}
DEAD_LETTERS = {
    "plain": (["--deadletter-endpoint", CONTAINER], {"deadLetterDestination": BLOB}),
    "system identity": (["--deadletter-endpoint", CONTAINER, "--deadletter-identity", "systemassigned"],
                        {"deadLetterWithResourceIdentity": {"identity": {"type": "SystemAssigned"},
                                                            "deadLetterDestination": BLOB}}),
    "user identity": (["--deadletter-endpoint", CONTAINER, "--deadletter-identity", "userassigned",
                       "--deadletter-identity-user-id", USER_IDENTITY],
                      {"deadLetterWithResourceIdentity": {
                          "identity": {"type": "UserAssigned", "userAssignedIdentity": USER_IDENTITY},
                          "deadLetterDestination": BLOB}}),
}


@pytest.mark.parametrize("args, fields", DEAD_LETTERS.values(), ids=DEAD_LETTERS)
def test_dead_letter_options_reach_the_wire(run, cli_emulator, sent_requests, args, fields):
    assert create(run, sent_requests, *args) == {"properties": properties(**fields)}


# --- retry, expiration, labels, schema -------------------------------------------------------------------------

DELIVERY = {
    "attempts and ttl": (["--max-delivery-attempts", "5", "--event-ttl", "60"],
                         {"retryPolicy": {"maxDeliveryAttempts": 5, "eventTimeToLiveInMinutes": 60}}),
    "lowest attempts keeps the default ttl": (["--max-delivery-attempts", "1"],
                                              {"retryPolicy": {**RETRY, "maxDeliveryAttempts": 1}}),
    "highest ttl": (["--event-ttl", "1440"], {"retryPolicy": RETRY}),
    "expiration date is midnight utc": (["--expiration-date", "2099-12-31"],
                                        {"expirationTimeUtc": "2099-12-31T00:00:00Z"}),
    "expiration with an offset is converted": (["--expiration-date", "2099-06-30T12:00:00+02:00"],
                                               {"expirationTimeUtc": "2099-06-30T10:00:00Z"}),
    "labels as several words": (["--labels", "Finance", "HR"], {"labels": ["Finance", "HR"]}),
    "labels repeated": (["--labels", "Finance", "--labels", "HR"], {"labels": ["Finance", "HR"]}),
    "labels both ways": (["--labels", "a", "b", "--labels", "c"], {"labels": ["a", "b", "c"]}),
    "cloud events schema": (["--event-delivery-schema", "cloudeventschemav1_0"],
                            {"eventDeliverySchema": "CloudEventSchemaV1_0"}),
    "custom input schema": (["--event-delivery-schema", "CustomInputSchema"],
                            {"eventDeliverySchema": "CustomInputSchema"}),
}


@pytest.mark.parametrize("args, fields", DELIVERY.values(), ids=DELIVERY)
def test_delivery_options_reach_the_wire(run, cli_emulator, sent_requests, args, fields):
    assert create(run, sent_requests, *args) == {"properties": properties(**fields)}


# --- workspace addressing --------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["-w", "local-workspace-2", "-g", RG], ["--workspace-id", WS2_ID]],
                         ids=["name and group", "workspace id"])
def test_the_workspace_can_be_named(run, cli_emulator, sent_requests, args):
    create(run, sent_requests, *args)
    (put,) = sent_requests()
    assert put["path"] == f"{WS2_ID}/providers/Microsoft.EventGrid/eventSubscriptions/{NAME}"


MISSING = {
    "workspace": (["-w", "nope"], "'Microsoft.MachineLearningServices/workspaces/nope'"),
    "workspace, system topic": (["-w", "nope", "--system-topic-name", "ml-events"],
                                "could not find workspace 'nope'"),
    "workspace id": (["--workspace-id", WS_ID[: -len("local-workspace")] + "nope"], "workspaces/nope'"),
    "resource group": (["-g", "nope"], "(ResourceGroupNotFound)"),
    "azure subscription": (["-s", "11111111-1111-1111-1111-111111111111"], "(SubscriptionNotFound)"),
}


@pytest.mark.parametrize("args, message", MISSING.values(), ids=MISSING)
def test_a_missing_workspace_exits_5(run, cli_emulator, args, message):
    result = run("subscription", "create", NAME, "--endpoint", HOOK, *args)
    assert result.exit_code == 5
    assert message in result.stderr


def test_a_malformed_workspace_id_exits_2(run, cli_emulator):
    result = run("subscription", "create", NAME, "--endpoint", HOOK, "--workspace-id", "/bad/id")
    assert result.exit_code == 2
    assert "is not an Azure ML workspace resource id" in result.stderr
    assert cli_emulator.app.requests() == []


def test_a_dry_run_on_a_missing_workspace_exits_5(run, cli_emulator):
    result = run("subscription", "create", NAME, "--endpoint", HOOK, "-w", "nope", "--dry-run")
    assert result.exit_code == 5


# --- system topic ----------------------------------------------------------------------------------------------

def test_system_topic_is_created_when_absent(run, cli_emulator, sent_requests):
    assert run("subscription", "create", NAME, "--endpoint", HOOK, "--system-topic-name", "ml-events").exit_code == 0
    topic_put, sub_put = sent_requests()
    assert (topic_put["method"], topic_put["path"]) == ("PUT", TOPICS + "ml-events")
    assert topic_put["body"] == {"location": "eastus", "properties": {
        "source": WS_ID, "topicType": "Microsoft.MachineLearningServices.Workspaces"}}
    assert sub_put["path"] == TOPICS + f"ml-events/eventSubscriptions/{NAME}"
    assert sub_put["body"] == {"properties": properties()}


@pytest.mark.parametrize("args", [
    ["--endpoint", HOOK, "--system-topic"],
    ["--system-topic", "--endpoint", HOOK],
    ["--system-topic", "--max-delivery-attempts", "5", "--endpoint", HOOK],
], ids=["last", "before another option", "before an option and its value"])
def test_system_topic_flag_works_anywhere_and_gets_the_default_name(run, cli_emulator, sent_requests, args):
    result = run("subscription", "create", NAME, *args)
    assert result.exit_code == 0, result.stderr
    topic_put, sub_put = sent_requests()
    assert topic_put["path"] == TOPICS + "local-workspace-events"
    assert sub_put["path"] == TOPICS + f"local-workspace-events/eventSubscriptions/{NAME}"


def test_system_topic_never_takes_the_next_option_as_a_name(run, cli_emulator, sent_requests):
    data = run.json("subscription", "create", NAME, "--endpoint", HOOK, "--system-topic", "--dry-run")
    assert [w["url"].split("?")[0].split(TOPICS)[1] for w in data] == [
        "local-workspace-events", f"local-workspace-events/eventSubscriptions/{NAME}"]
    assert sent_requests() == []


def test_system_topic_name_of_an_existing_other_topic_reuses_it_with_a_warning(run, cli_emulator, sent_requests):
    assert run("subscription", "create", "first-sub", "--endpoint", HOOK, "--system-topic").exit_code == 0
    result = run("subscription", "create", NAME, "--endpoint", HOOK, "--system-topic-name", "ml-events")
    assert result.exit_code == 0, result.stderr
    assert "already has system topic 'local-workspace-events'" in result.stderr
    assert sent_requests()[-1]["path"] == TOPICS + f"local-workspace-events/eventSubscriptions/{NAME}"


def test_system_topic_is_reused_by_the_second_create(run, cli_emulator, sent_requests):
    for name in ("first-sub", "second-sub"):
        result = run("subscription", "create", name, "--endpoint", HOOK, "--system-topic-name", "ml-events")
        assert result.exit_code == 0, result.stderr
    topic_puts = [w for w in sent_requests() if w["path"].endswith("/systemTopics/ml-events")]
    assert len(topic_puts) == 1
    assert sent_requests()[-1]["path"] == TOPICS + "ml-events/eventSubscriptions/second-sub"


def test_system_topic_subscription_is_the_topic_child_resource(run, cli_emulator):
    data = run.json("subscription", "create", NAME, "--endpoint", HOOK, "--system-topic-name", "ml-events")
    assert data["id"] == TOPICS + f"ml-events/eventSubscriptions/{NAME}"
    assert data["type"] == "Microsoft.EventGrid/systemTopics/eventSubscriptions"


# --- existing names --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("where", [[], ["--system-topic-name", "ml-events"]],
                         ids=["workspace scope", "system topic"])
def test_an_existing_name_exits_2_suggesting_overwrite(run, cli_emulator, sent_requests, where):
    assert run("subscription", "create", NAME, "--endpoint", HOOK, *where).exit_code == 0
    cli_emulator.app.clear_requests()
    result = run("subscription", "create", NAME, "--endpoint", HOOK, *where)
    assert result.exit_code == 2
    assert f"'{NAME}' already exists" in result.stderr
    assert "--overwrite" in result.stderr
    assert sent_requests() == []


def test_overwrite_replaces_the_subscription(run, cli_emulator, sent_requests):
    assert run("subscription", "create", NAME, "--endpoint", HOOK, "--labels", "old").exit_code == 0
    cli_emulator.app.clear_requests()
    body = create(run, sent_requests, "--endpoint-type", "eventhub", "--endpoint", EVENT_HUB, "--overwrite")
    assert body == {"properties": properties(destination=resource("EventHub", EVENT_HUB))}
    shown = run.json("subscription", "show", NAME)
    assert shown["destination"]["endpointType"] == "EventHub"
    assert shown["labels"] is None


# --- dry run and no-wait ---------------------------------------------------------------------------------------

def test_dry_run_prints_the_request_and_writes_nothing(run, cli_emulator, sent_requests):
    result = run("subscription", "create", NAME, "--endpoint", HOOK, "--dry-run", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "method": "PUT",
        "url": f"{cli_emulator.url.rstrip('/')}{WS_ID}/providers/Microsoft.EventGrid/eventSubscriptions/{NAME}"
               "?api-version=2025-02-15",
        "body": {"properties": properties()},
    }
    assert sent_requests() == []


def test_dry_run_with_a_new_system_topic_prints_both_writes(run, cli_emulator, sent_requests):
    data = run.json("subscription", "create", NAME, "--endpoint", HOOK, "--system-topic-name", "ml-events",
                    "--dry-run")
    assert [(w["method"], w["url"].split("?")[0].split(TOPICS)[1]) for w in data] == [
        ("PUT", "ml-events"), ("PUT", f"ml-events/eventSubscriptions/{NAME}")]
    assert sent_requests() == []


def test_no_wait_returns_the_accepted_resource(run, cli_emulator, monkeypatch):
    monkeypatch.setattr(cli_emulator.backend, "provisioning_delay", 2.0)
    data = run.json("subscription", "create", NAME, "--endpoint", HOOK, "--no-wait")
    assert data["name"] == NAME
    assert data["provisioningState"] == "Creating"
    assert not any("operationsStatus" in r["path"] for r in cli_emulator.app.requests())


# --- webhook validation ----------------------------------------------------------------------------------------

def test_a_failed_validation_handshake_exits_1_and_explains_it(run, cli_emulator):
    result = run("subscription", "create", NAME, "--endpoint", "https://hook.invalid/api?code=SECRET")
    assert result.exit_code == 1
    assert "validation handshake" in result.stderr
    assert "validationCode" in result.stderr
    assert "https://aka.ms/esvalidation" in result.stderr
    assert "SECRET" not in result.stderr + result.stdout


def test_manual_validation_exits_1_and_explains_it(run, cli_emulator):
    result = run("subscription", "create", NAME, "--endpoint", "https://hook.manual.invalid/api")
    assert result.exit_code == 1
    assert "awaiting manual validation" in result.stderr
    assert "validation URL" in result.stderr


# --- bad input -------------------------------------------------------------------------------------------------

BAD_INPUT = {
    "name too short": (["ab"], "not a valid event subscription name"),
    "name with underscore": (["bad_name"], "not a valid event subscription name"),
    "name with a trailing newline": (["model-events\n"], "not a valid event subscription name"),
    "no endpoint": ([NAME, "--endpoint-type", "webhook"], "--endpoint is required"),
    "http webhook": ([NAME, "--endpoint", "http://example.com/hook"], "only over https"),
    "relative webhook": ([NAME, "--endpoint", "example.com/hook"], "not an absolute https URL"),
    "batch of 0": ([NAME, "--endpoint", HOOK, "--max-events-per-batch", "0"], "between 1 and 5000"),
    "batch over 5000": ([NAME, "--endpoint", HOOK, "--max-events-per-batch", "5001"], "between 1 and 5000"),
    "batch size over 1024 KB": ([NAME, "--endpoint", HOOK, "--pref-batch-size-kb", "1025"], "between 1 and 1024"),
    "batch on an event hub": ([NAME, "--endpoint-type", "eventhub", "--endpoint", EVENT_HUB,
                               "--max-events-per-batch", "5"], "applies only to endpoint types WebHook"),
    "batch not a number": ([NAME, "--endpoint", HOOK, "--max-events-per-batch", "ten"], "is not a valid int"),
    "unknown endpoint type": ([NAME, "--endpoint-type", "functionapp", "--endpoint", FUNCTION],
                              "not an endpoint type"),
    "url for an event hub": ([NAME, "--endpoint-type", "eventhub", "--endpoint", HOOK], "A URL needs"),
    "queue id without a queue": ([NAME, "--endpoint-type", "storagequeue", "--endpoint", ACCOUNT],
                                 "Expected format of --endpoint for storage queue"),
    "aad tenant alone": ([NAME, "--endpoint", HOOK, "--aad-tenant-id", "t"], "go together"),
    "tls 1.3": ([NAME, "--endpoint", HOOK, "--min-tls-version", "1.3"], "must be one of 1.0, 1.1, 1.2"),
    "queue ttl on a webhook": ([NAME, "--endpoint", HOOK, "--qttl", "60"], "applies only to endpoint types"),
    "mapping on a storage queue": ([NAME, "--endpoint-type", "storagequeue", "--endpoint", QUEUE,
                                    "-d", "env", "static", "prod"], "applies only to endpoint types"),
    "mapping secret flag not a bool": ([NAME, "--endpoint", HOOK, "-d", "env", "static", "prod", "yes"],
                                       "must be true or false"),
    "mapping of an unknown type": ([NAME, "--endpoint", HOOK, "-d", "env", "fixed", "prod"], "static or dynamic"),
    "same header twice": ([NAME, "--endpoint", HOOK, "-d", "env", "static", "a", "-d", "ENV", "static", "b"],
                          "mapped twice"),
    "eleven mappings": ([NAME, "--endpoint", HOOK, *[a for i in range(11) for a in ("-d", f"h{i}", "static", "v")]],
                        "limit of 10"),
    "user identity without its id": ([NAME, "--endpoint-type", "eventhub", "--endpoint", EVENT_HUB,
                                      "--delivery-identity", "userassigned"], "needs --delivery-identity-user-id"),
    "unknown identity": ([NAME, "--endpoint", HOOK, "--delivery-identity", "managed"], "not an identity type"),
    "dead-letter identity alone": ([NAME, "--endpoint", HOOK, "--deadletter-identity", "systemassigned"],
                                   "needs a dead-letter destination"),
    "dead-letter without a container": ([NAME, "--endpoint", HOOK, "--deadletter-endpoint", ACCOUNT],
                                        "Expected format of --deadletter-endpoint"),
    "unknown event type": ([NAME, "--endpoint", HOOK, "--event-type", "ModelRegistred"],
                           "unknown Azure ML event type"),
    "26 advanced filters": ([NAME, "--endpoint", HOOK,
                             *[a for i in range(26) for a in ("--advanced-filter", f"data.runTags.t{i}", "IsNotNull")]],
                            "26 advanced filters exceed"),
    "unknown operator": ([NAME, "--endpoint", HOOK, "--advanced-filter", "data.runId", "StringLike", "x"],
                         "StringLike"),
    "unterminated docs form": ([NAME, "--endpoint", HOOK, "--advanced-filter", "data.runId StringIn ('a'"], "^"),
    "attempts 0": ([NAME, "--endpoint", HOOK, "--max-delivery-attempts", "0"], "between 1 and 30"),
    "ttl 1441": ([NAME, "--endpoint", HOOK, "--event-ttl", "1441"], "between 1 and 1440"),
    "expiration in the past": ([NAME, "--endpoint", HOOK, "--expiration-date", "2001-01-01"], "not in the future"),
    "expiration not a date": ([NAME, "--endpoint", HOOK, "--expiration-date", "tomorrow"], "not an ISO 8601 date"),
    "unknown schema": ([NAME, "--endpoint", HOOK, "--event-delivery-schema", "cloudevents"],
                       "not a delivery schema"),
    "model version without name": ([NAME, "--endpoint", HOOK, "--model-version", "3"], "needs --model-name"),
    "model tag without =": ([NAME, "--endpoint", HOOK, "--model-tag", "stage"], "is not KEY=VALUE"),
    "unknown run status": ([NAME, "--endpoint", HOOK, "--run-status", "Done"], "not an AML run status"),
    "shortcuts that cannot meet": ([NAME, "--endpoint", HOOK, "--model-name", "churn", "--experiment-id", "e1"],
                                   "but --model-name churn sets"),
    "event type the shortcut cannot match": ([NAME, "--endpoint", HOOK, "--model-name", "churn", "--event-type",
                                              "RunCompleted"], "cannot match --model-name churn"),
    "update-only option": ([NAME, "--endpoint", HOOK, "--clear-labels"], "No such option"),
}


@pytest.mark.parametrize("args, message", BAD_INPUT.values(), ids=BAD_INPUT)
def test_bad_input_exits_2_before_any_write(run, cli_emulator, sent_requests, args, message):
    result = run("subscription", "create", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert sent_requests() == []


# --- output ----------------------------------------------------------------------------------------------------

def test_raw_json_output_is_the_arm_resource(run, cli_emulator):
    data = run.json("--raw", "subscription", "create", NAME, "--endpoint", HOOK)
    assert {"id", "name", "type", "properties"} <= set(data)
    assert data["id"] == f"{WS_ID}/providers/Microsoft.EventGrid/eventSubscriptions/{NAME}"
    assert (data["name"], data["type"]) == (NAME, "Microsoft.EventGrid/eventSubscriptions")
    assert data["properties"]["provisioningState"] == "Succeeded"
    assert data["properties"]["destination"]["properties"]["endpointBaseUrl"] == HOOK


@pytest.mark.parametrize("extra", [[], ["--dry-run"]], ids=["created", "dry run"])
def test_webhook_query_string_is_redacted(run, cli_emulator, extra):
    result = run("subscription", "create", NAME, "--endpoint", HOOK + "?code=SECRET", *extra, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert "SECRET" not in result.stdout + result.stderr


def test_dry_run_redacts_the_webhook_code_and_secret_mappings(run, cli_emulator):
    data = run.json("subscription", "create", NAME, "--endpoint", HOOK + "?code=SECRET", "--dry-run",
                    "-d", "token", "static", "s3cr3t", "true")
    destination = data["body"]["properties"]["destination"]["properties"]
    assert destination["endpointUrl"] == HOOK + "?code=REDACTED"
    assert destination["deliveryAttributeMappings"][0]["properties"] == {"value": "REDACTED", "isSecret": True}


def test_show_secrets_prints_them(run, cli_emulator):
    result = run("--show-secrets", "subscription", "create", NAME, "--endpoint", HOOK + "?code=SECRET", "--dry-run",
                 "-d", "token", "static", "s3cr3t", "true", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert "code=SECRET" in result.stdout
    assert "s3cr3t" in result.stdout


def test_a_successful_create_is_quiet_on_stderr(run, cli_emulator):
    result = run("subscription", "create", NAME, "--endpoint", HOOK, "-o", "json")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_a_filter_lint_warning_does_not_stop_the_create(run, cli_emulator, sent_requests):
    result = run("subscription", "create", NAME, "--endpoint", HOOK, "--advanced-filter", "data.key1", "IsNotNull")
    assert result.exit_code == 0
    assert result.stderr.startswith("Warning: advanced filter key 'data.key1'")
    assert len(sent_requests()) == 1


def test_table_output_names_the_subscription(run, cli_emulator):
    result = run("subscription", "create", NAME, "--endpoint", HOOK, "-o", "table")
    assert result.exit_code == 0, result.stderr
    assert NAME in result.stdout
    assert f"WebHook: {HOOK}" in result.stdout


def test_tsv_output_is_one_line(run, cli_emulator):
    result = run("subscription", "create", NAME, "--endpoint", HOOK, "-o", "tsv")
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert {NAME, "Succeeded", "EventGridSchema"} <= set(line.split("\t"))  # az's rule: the scalar values
