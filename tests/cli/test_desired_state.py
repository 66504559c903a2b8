"""`amlevents plan` and `apply` end to end: the CLI in-process, over HTTPS, against the session emulator.

Every test starts from the emulator's seeded, empty world. ``MANIFEST`` covers both seeded workspaces and five
destination types (a webhook with a ``?code=`` and a secret header, a Service Bus queue with dead-lettering, an
Event Hub under the system topic with managed identity, a storage queue, an Azure Function); tests edit a copy.
"""

from __future__ import annotations

import copy
import json
import pathlib
import re
from datetime import datetime
from typing import Any

import pytest
import yaml

from amlevents.emulator.eventgrid.subscriptions import ParentRef

SUB = "00000000-0000-0000-0000-000000000000"
RG = "amlevents-local"
WS = "local-workspace"
WS2 = "local-workspace-2"
WS_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/{WS}"
DEST = f"/subscriptions/{SUB}/resourceGroups/dest-rg/providers/"
HOOK_CODE, API_KEY = "c0de-s3cr3t", "k3y-s3cr3t"
ENV = {"HOOK_URL": f"https://hooks.example.com/api/aml?code={HOOK_CODE}", "API_KEY": API_KEY}

MANIFEST: dict[str, Any] = {
    "version": 1,
    "defaults": {"labels": ["managed"]},
    "workspaces": [
        {"name": WS, "subscriptions": [
            {"name": "hook", "eventTypes": ["ModelRegistered"],
             "destination": {"endpoint": "${HOOK_URL}", "deliveryAttributes": [
                 {"name": "X-Api-Key", "type": "static", "value": "${API_KEY}", "secret": True}]},
             "retry": {"maxDeliveryAttempts": 10}},
            {"name": "queue", "advancedFilters": ["data.ModelTags.stage StringIn production staging"],
             "destination": {"endpointType": "servicebusqueue",
                             "endpoint": DEST + "Microsoft.ServiceBus/namespaces/ns/queues/q"},
             "deadLetter": {"endpoint": DEST + "Microsoft.Storage/storageAccounts/sa/blobServices/default/"
                                               "containers/dead"}},
            {"name": "audit", "systemTopic": True,
             "destination": {"endpointType": "eventhub",
                             "endpoint": DEST + "Microsoft.EventHub/namespaces/ns/eventhubs/h",
                             "identity": {"type": "systemassigned"}}},
        ]},
        {"name": WS2, "subscriptions": [
            {"name": "storage", "subjectBeginsWith": "models/",
             "destination": {"endpointType": "storagequeue",
                             "endpoint": DEST + "Microsoft.Storage/storageAccounts/sa/queueServices/default/queues/q"}},
            {"name": "function",
             "destination": {"endpointType": "azurefunction",
                             "endpoint": DEST + "Microsoft.Web/sites/app/functions/onEvent"}},
        ]},
    ],
}
NAMES = {WS: ["audit", "hook", "queue"], WS2: ["function", "storage"]}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def world(cli_emulator, env):
    return cli_emulator


def write(path: str, data: dict[str, Any]) -> str:
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, sort_keys=False)
    return path


def manifest(**edits: Any) -> dict[str, Any]:
    """A deep copy of MANIFEST; ``workspaces=[...]`` and the like replace top-level keys."""
    return {**copy.deepcopy(MANIFEST), **edits}


def subscription(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for w in data["workspaces"] for s in w["subscriptions"] if s["name"] == name)


def listed(run, workspace: str) -> list[str]:
    return sorted(s["name"] for s in run.json("subscription", "list", "-w", workspace))


def apply_ok(run, path: str, *args: str) -> list[dict[str, Any]]:
    return json.loads(run.ok("apply", "-f", path, "--yes", "-o", "json", *args).stdout)


def plan_json(run, path: str, *args: str) -> list[dict[str, Any]]:
    return json.loads(run.ok("plan", "-f", path, "-o", "json", *args).stdout)


@pytest.fixture
def applied(run, world) -> str:
    """MANIFEST applied; the request log cleared."""
    path = write("manifest.yaml", manifest())
    apply_ok(run, path, "--skip-access-check")
    world.app.clear_requests()
    return path


# --- apply from empty, then nothing left to do ---------------------------------------------------------------


def test_apply_creates_every_subscription_of_every_listed_workspace(run, world) -> None:
    results = apply_ok(run, write("manifest.yaml", manifest()))
    assert sorted((r["name"], r["action"], r["status"]) for r in results) == sorted(
        (n, "create", "applied") for names in NAMES.values() for n in names)
    assert {w: listed(run, w) for w in NAMES} == NAMES


def test_apply_creates_the_system_topic_it_needs(run, world) -> None:
    apply_ok(run, write("manifest.yaml", manifest()))
    audit = run.json("subscription", "show", "audit", "-w", WS, "--system-topic-name", f"{WS}-events")
    assert "/systemTopics/" in audit["id"]


def test_plan_after_apply_reports_no_change_with_exit_0(run, applied) -> None:
    result = run("plan", "-f", applied, "-o", "json", "--detailed-exitcode")
    assert result.exit_code == 0, result.stderr
    assert [(s["name"], s["action"], s["changes"], s["unverified"]) for s in json.loads(result.stdout)] == [
        (n, "no-change", [], []) for names in NAMES.values() for n in names]


def test_plan_sends_no_write(run, applied, world, sent_requests) -> None:
    run("plan", "-f", applied)
    assert world.app.requests() and sent_requests() == []


def test_second_apply_sends_no_write(run, applied, world, sent_requests) -> None:
    result = run("apply", "-f", applied, "--yes", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert sent_requests() == []


def test_plan_reads_the_workspaces_concurrently(run, world) -> None:
    # Each list takes at least 1 s: read one after the other, the second would start a full second after the
    # first. Half of that leaves room for a loaded machine without letting a sequential plan pass.
    world.add_fault("latency:ms=1000,method=GET,path=/workspaces/*/providers/*/eventSubscriptions$")
    run("plan", "-f", write("manifest.yaml", manifest()))
    lists = [r for r in world.app.requests() if r["path"].endswith("/eventSubscriptions")]
    first, second = sorted(datetime.fromisoformat(r["time"][:26]) for r in lists)
    assert (second - first).total_seconds() < 0.5


def test_plan_table_names_each_step(run, world) -> None:
    result = run("plan", "-f", write("manifest.yaml", manifest()), "-o", "table")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("create") == 5
    assert "Plan: 5 to create, 0 to update, 0 to delete, 0 unchanged." in result.stderr


def test_the_same_manifest_said_differently_plans_no_change(run, applied, monkeypatch) -> None:
    monkeypatch.setenv("HOOK_URL", ENV["HOOK_URL"].replace("hooks.example.com", "HOOKS.Example.COM"))
    data = manifest()
    subscription(data, "hook")["eventTypes"] = ["Microsoft.MachineLearningServices.ModelRegistered"]
    subscription(data, "queue")["advancedFilters"] = [
        {"operatorType": "StringIn", "key": "data.ModelTags.stage", "values": ["staging", "production", "staging"]}]
    subscription(data, "queue")["retry"] = {"maxDeliveryAttempts": 30, "eventTtlMinutes": 1440}  # the defaults
    subscription(data, "storage")["labels"] = ["managed", "managed"]
    subscription(data, "function")["destination"]["endpoint"] = MANIFEST["workspaces"][1]["subscriptions"][1][
        "destination"]["endpoint"].upper().replace("/SUBSCRIPTIONS/", "/subscriptions/")
    subscription(data, "audit")["systemTopic"] = "local-workspace-events"
    result = run("plan", "-f", write("same.yaml", data), "--detailed-exitcode", "-o", "json")
    assert result.stdout, result.stderr
    assert [s["changes"] for s in json.loads(result.stdout) if s["changes"]] == []
    assert result.exit_code == 0, result.stderr


def test_the_readme_example_converges(run, world) -> None:
    example = pathlib.Path(__file__).resolve().parents[2] / "examples" / "manifest.yaml"
    text = (example.read_text(encoding="utf-8").replace("ml-prod-ws-events", "local-workspace-events")
            .replace("name: ml-prod-ws", f"name: {WS}").replace("resourceGroup: ml-prod\n", f"resourceGroup: {RG}\n")
            .replace("resourceGroups/ml-dev/providers/Microsoft.MachineLearningServices/workspaces/ml-dev-ws",
                     f"resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/{WS2}"))
    with open("example.yaml", "w", encoding="utf-8") as f:
        f.write(text)
    assert [r["status"] for r in apply_ok(run, "example.yaml")] == ["applied"] * 4
    assert run("plan", "-f", "example.yaml", "--detailed-exitcode").exit_code == 0


# --- one change in the manifest is exactly one change in the plan --------------------------------------------


def _retry(data):
    subscription(data, "hook")["retry"] = {"maxDeliveryAttempts": 20}


def _label(data):
    subscription(data, "storage")["labels"] = ["managed", "team-a"]


def _filter_value(data):
    subscription(data, "queue")["advancedFilters"] = ["data.ModelTags.stage StringIn production canary"]


def _subject(data):
    subscription(data, "storage")["subjectBeginsWith"] = "datasets/"


def _event_hub(data):
    subscription(data, "audit")["destination"]["endpoint"] = DEST + "Microsoft.EventHub/namespaces/ns/eventhubs/h2"


ONE_CHANGE = {
    "retry": (_retry, {}, "hook", "retryPolicy.maxDeliveryAttempts", 10, 20),
    "label": (_label, {}, "storage", "labels", ["managed"], ["managed", "team-a"]),
    "filter value": (_filter_value, {}, "queue", "filter.advancedFilters",
                     [{"operatorType": "StringIn", "key": "data.ModelTags.stage", "values": ["production", "staging"]}],
                     [{"operatorType": "StringIn", "key": "data.ModelTags.stage", "values": ["canary", "production"]}]),
    "subject": (_subject, {}, "storage", "filter.subjectBeginsWith", "models/", "datasets/"),
    "event hub": (_event_hub, {}, "audit", "deliveryWithResourceIdentity.destination.properties.resourceId",
                  (DEST + "Microsoft.EventHub/namespaces/ns/eventhubs/h").lower(),
                  (DEST + "Microsoft.EventHub/namespaces/ns/eventhubs/h2").lower()),
    "webhook code": (None, {"HOOK_URL": "https://hooks.example.com/api/aml?code=n3w-c0de"}, "hook",
                     "destination.properties.endpointUrl", "https://hooks.example.com/api/aml?code=(secret)",
                     "https://hooks.example.com/api/aml?code=(changed)"),
    "secret header": (None, {"API_KEY": "n3w-k3y"}, "hook",
                      "destination.properties.deliveryAttributeMappings[x-api-key].properties.value",
                      "(secret)", "(changed)"),
}


@pytest.mark.parametrize(("edit", "env_edit", "name", "path", "old", "new"), ONE_CHANGE.values(), ids=ONE_CHANGE)
def test_one_edit_is_exactly_one_change(run, applied, monkeypatch, edit, env_edit, name, path, old, new) -> None:
    data = manifest()
    if edit:
        edit(data)
    for key, value in env_edit.items():
        monkeypatch.setenv(key, value)
    steps = plan_json(run, write("changed.yaml", data))
    assert [(s["name"], s["action"], s["changes"]) for s in steps if s["action"] != "no-change"] == [
        (name, "update", [{"path": path, "old": old, "new": new}])]


def test_plan_output_never_shows_a_secret(run, applied, monkeypatch) -> None:
    monkeypatch.setenv("HOOK_URL", "https://hooks.example.com/api/aml?code=n3w-c0de")
    monkeypatch.setenv("API_KEY", "n3w-k3y")
    for output in ("json", "table", "yaml"):
        result = run("plan", "-f", applied, "-o", output)
        assert result.exit_code == 0, result.stderr
        for value in (HOOK_CODE, API_KEY, "n3w-c0de", "n3w-k3y"):
            assert value not in result.stdout + result.stderr


def test_pending_change_exits_2_with_detailed_exitcode(run, applied) -> None:
    data = manifest()
    _retry(data)
    assert run("plan", "-f", write("changed.yaml", data), "--detailed-exitcode").exit_code == 2


def test_pending_changes_exit_0_without_detailed_exitcode(run, world) -> None:
    assert run("plan", "-f", write("manifest.yaml", manifest())).exit_code == 0


@pytest.mark.parametrize("edit", [_retry, _filter_value, _event_hub])
def test_apply_of_an_edit_converges(run, applied, edit) -> None:
    data = manifest()
    edit(data)
    path = write("changed.yaml", data)
    assert [r["status"] for r in apply_ok(run, path)] == ["applied"]
    assert run("plan", "-f", path, "--detailed-exitcode").exit_code == 0


def test_apply_of_a_new_webhook_code_converges(run, applied, monkeypatch) -> None:
    monkeypatch.setenv("HOOK_URL", "https://hooks.example.com/api/aml?code=n3w-c0de")
    monkeypatch.setenv("API_KEY", "n3w-k3y")
    assert [r["name"] for r in apply_ok(run, applied)] == ["hook"]
    assert run("plan", "-f", applied, "--detailed-exitcode").exit_code == 0


def test_moving_to_the_system_topic_changes_nothing(run, applied, sent_requests) -> None:
    # One collection per source: the subscription is already under the workspace's (automatic) system topic.
    data = manifest()
    subscription(data, "storage")["systemTopic"] = True
    path = write("moved.yaml", data)
    assert run("plan", "-f", path, "--detailed-exitcode").exit_code == 0
    assert {r["action"] for r in apply_ok(run, path)} <= {"no-change"} and sent_requests() == []


def test_a_new_delivery_schema_replaces_the_subscription(run, applied) -> None:
    data = manifest()
    subscription(data, "storage")["deliverySchema"] = "cloudeventschemav1_0"
    path = write("schema.yaml", data)
    assert [(r["name"], r["action"]) for r in apply_ok(run, path)] == [("storage", "delete"), ("storage", "create")]
    assert run("plan", "-f", path, "--detailed-exitcode").exit_code == 0


def test_a_system_topic_name_the_workspace_cannot_have_is_refused(run, applied, world, sent_requests) -> None:
    data = manifest()
    subscription(data, "audit")["systemTopic"] = "my-events"  # local-workspace already has local-workspace-events
    result = run("apply", "-f", write("renamed.yaml", data), "--yes")
    assert result.exit_code == 2
    assert re.search(r"^Error: renamed\.yaml:\d+:\d+: subscription 'audit' wants system topic 'my-events', but "
                     r"workspace 'local-workspace' already has the system topic 'local-workspace-events'",
                     result.stderr)
    assert sent_requests() == []


# --- prune ---------------------------------------------------------------------------------------------------


@pytest.fixture
def strays(run, applied, world) -> str:
    """Subscriptions MANIFEST does not name: "stray" in each workspace, "stray-on-topic" under local-workspace's
    system topic; returns a manifest of local-workspace only."""
    hook = {"properties": {"destination": {"endpointType": "WebHook",
                                           "properties": {"endpointUrl": "https://stray.example.com/hook"}}}}
    owner, never = world.principals["owner"], lambda: False
    for workspace in (WS, WS2):
        world.backend.put_event_subscription(ParentRef(SUB, RG, resource_name=workspace), "stray", hook, owner, never)
    world.backend.put_event_subscription(ParentRef(SUB, RG, system_topic="local-workspace-events"), "stray-on-topic",
                                         hook, owner, never)
    return write("only-ws.yaml", manifest(workspaces=manifest()["workspaces"][:1]))


def test_prune_plans_the_delete_of_unnamed_subscriptions(run, strays) -> None:
    steps = plan_json(run, strays, "--prune")
    assert [(s["workspace"], s["name"], s["action"], s["kind"]) for s in steps if s["action"] != "no-change"] == [
        (WS_ID, "stray", "delete", "workspace"), (WS_ID, "stray-on-topic", "delete", "workspace")]


def test_prune_deletes_only_in_the_listed_workspaces(run, strays, world) -> None:
    assert [(r["name"], r["action"], r["status"]) for r in apply_ok(run, strays, "--prune")] == [
        ("stray", "delete", "applied"), ("stray-on-topic", "delete", "applied")]
    assert listed(run, WS) == NAMES[WS]
    assert listed(run, WS2) == NAMES[WS2] + ["stray"]


def test_without_prune_nothing_is_deleted(run, strays, world, sent_requests) -> None:
    assert [s["action"] for s in plan_json(run, strays)] == ["no-change"] * 3
    assert apply_ok(run, strays) == []
    assert sent_requests() == []
    assert {"stray", "stray-on-topic"} <= set(listed(run, WS))


# --- dry run, confirmation, access ---------------------------------------------------------------------------


def test_dry_run_prints_the_writes_and_sends_none(run, world, sent_requests) -> None:
    result = run("apply", "-f", write("manifest.yaml", manifest()), "--dry-run")
    assert result.exit_code == 0, result.stderr
    sent = json.loads(result.stdout)
    assert sorted((r["method"], r["url"].split("?")[0].rsplit("/", 1)[1]) for r in sent) == sorted(
        [("PUT", "local-workspace-events")] + [("PUT", n) for names in NAMES.values() for n in names])
    assert sent_requests() == []


def test_dry_run_redacts_secrets(run, world) -> None:
    result = run("apply", "-f", write("manifest.yaml", manifest()), "--dry-run")
    assert HOOK_CODE not in result.stdout and API_KEY not in result.stdout


def test_dry_run_of_an_update_shows_the_patch(run, applied, world, sent_requests) -> None:
    data = manifest()
    _retry(data)
    result = run("apply", "-f", write("changed.yaml", data), "--dry-run")
    assert result.exit_code == 0, result.stderr
    [sent] = json.loads(result.stdout)
    assert (sent["method"], sent["url"].split("?")[0].endswith("/eventSubscriptions/hook")) == ("PATCH", True)
    assert sent["body"] == {"retryPolicy": {"maxDeliveryAttempts": 20, "eventTimeToLiveInMinutes": 1440}}
    assert sent_requests() == []


def test_apply_without_yes_and_without_a_terminal_exits_2_and_writes_nothing(run, world, sent_requests) -> None:
    result = run("apply", "-f", write("manifest.yaml", manifest()))
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert sent_requests() == []


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner's stdin claims to be a terminal (its stdout and stderr do not)."""
    import sys

    from typer import testing

    monkeypatch.setattr(testing._NamedTextIOWrapper, "isatty", lambda self: self is sys.stdin)


def test_apply_on_a_terminal_asks_and_no_writes_nothing(run, world, sent_requests, terminal) -> None:
    result = run("apply", "-f", write("manifest.yaml", manifest()), input="n\n")
    assert result.exit_code == 1
    assert "Apply these 5 changes? [y/N]: " in result.stderr
    assert "Cancelled; nothing was changed." in result.stderr and "Error:" not in result.stderr
    assert result.stdout == ""  # the prompt is all on stderr
    assert sent_requests() == []


def test_apply_on_a_terminal_asks_and_yes_applies(run, world, terminal) -> None:
    result = run("apply", "-f", write("manifest.yaml", manifest()), "-o", "json", input="y\n")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 5  # stdout holds the data only: the prompt went to stderr


def test_reader_cannot_apply_and_nothing_is_written(run, world, sent_requests, monkeypatch) -> None:
    monkeypatch.setenv("AMLEVENTS_EMULATOR_PRINCIPAL", "reader")
    result = run("apply", "-f", write("manifest.yaml", manifest()), "--yes")
    assert result.exit_code == 4, result.stderr
    assert sent_requests() == []


def test_eventsub_contributor_applies_workspace_scope_subscriptions(run, world, sent_requests, monkeypatch) -> None:
    monkeypatch.setenv("AMLEVENTS_EMULATOR_PRINCIPAL", "eventsub-contributor")
    only = manifest()["workspaces"][0]
    only["subscriptions"] = [s for s in only["subscriptions"] if not s.get("systemTopic")]
    results = apply_ok(run, write("ws.yaml", manifest(workspaces=[only])))
    assert [(r["name"], r["status"]) for r in results] == [("hook", "applied"), ("queue", "applied")]
    assert {r["principal"] for r in sent_requests()} == {"eventsub-contributor"}


def test_apply_reports_progress_per_step_on_stderr(run, world) -> None:
    result = run("apply", "-f", write("manifest.yaml", manifest()), "--yes", "-o", "json")
    done = re.findall(r"^created (\S+/\S+) \([0-9.]+ s\)$", result.stderr, re.MULTILINE)
    assert sorted(done) == sorted(f"{w}/{n}" for w, names in NAMES.items() for n in names)


@pytest.mark.parametrize(("concurrency", "overlap"), [("1", False), ("4", True)])
def test_concurrency_bounds_the_writes_in_flight(run, world, sent_requests, concurrency, overlap) -> None:
    world.add_fault("latency:ms=150,method=PUT,path=/eventSubscriptions/")
    only = manifest()["workspaces"][1]  # two workspace-scope subscriptions
    apply_ok(run, write("ws2.yaml", manifest(workspaces=[only])), "--concurrency", concurrency)
    first, second = sorted(datetime.fromisoformat(r["time"][:26]) for r in sent_requests())
    assert ((second - first).total_seconds() < 0.1) is overlap


def test_access_is_checked_once_per_workspace(run, world) -> None:
    apply_ok(run, write("manifest.yaml", manifest()))
    checks = [r["path"] for r in world.app.requests() if r["path"].endswith("/permissions")]
    assert len(checks) == len(set(checks))


# --- partial failure, throttling -----------------------------------------------------------------------------


FAIL_QUEUE = "error500:count=4,method=PUT,path=/eventSubscriptions/queue$"  # more than the SDK's 3 status retries
FAIL_STORAGE = "fail-operation:count=1,path=/eventSubscriptions/storage$"


@pytest.fixture
def partial(run, world) -> tuple[str, Any]:
    """MANIFEST applied while two of its five subscriptions fail; returns (manifest, result)."""
    world.add_fault(FAIL_QUEUE, FAIL_STORAGE)
    path = write("manifest.yaml", manifest())
    return path, run("apply", "-f", path, "--yes", "-o", "json")


def test_partial_failure_reports_what_was_and_was_not_applied(partial) -> None:
    result = partial[1]
    assert result.exit_code == 1
    assert sorted((r["name"], r["status"]) for r in json.loads(result.stdout)) == [
        ("audit", "applied"), ("function", "applied"), ("hook", "applied"), ("queue", "failed"),
        ("storage", "failed")]
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("Warning: ")]
    assert warning.startswith("Warning: 2 of 5 changes were not applied: create local-workspace/queue (failed): ")
    assert "; create local-workspace-2/storage (failed): " in warning and "/hook" not in warning


def test_failed_provisioning_is_planned_again(run, partial) -> None:
    steps = plan_json(run, partial[0])
    assert [(s["name"], s["action"], s["changes"]) for s in steps if s["action"] != "no-change"] == [
        ("queue", "create", []),
        ("storage", "update", [{"path": "provisioningState", "old": "Failed", "new": "Succeeded"}])]


def test_rerun_after_partial_failure_converges(run, world, sent_requests, partial) -> None:
    world.app.faults.clear()
    world.app.clear_requests()
    assert sorted((r["name"], r["action"], r["status"]) for r in apply_ok(run, partial[0])) == [
        ("queue", "create", "applied"), ("storage", "update", "applied")]
    assert sorted((r["method"], r["path"].rsplit("/", 1)[-1]) for r in sent_requests()) == [
        ("PUT", "queue"), ("PUT", "storage")]
    assert run("plan", "-f", partial[0], "--detailed-exitcode").exit_code == 0
    assert {w: listed(run, w) for w in NAMES} == NAMES


def test_replacement_is_not_created_when_its_delete_fails(run, applied, world, sent_requests) -> None:
    data = manifest()
    subscription(data, "storage")["deliverySchema"] = "cloudeventschemav1_0"
    world.add_fault("fail-operation:count=1,method=DELETE,path=/eventSubscriptions/storage$")
    result = run("apply", "-f", write("schema.yaml", data), "--yes", "-o", "json")
    assert result.exit_code == 1
    assert [(r["action"], r["status"]) for r in json.loads(result.stdout)] == [("delete", "failed"),
                                                                               ("create", "not-run")]
    assert {r["method"] for r in sent_requests()} == {"DELETE"}


def test_throttled_apply_honours_retry_after_and_converges(run, world, sent_requests) -> None:
    world.add_fault("throttle:count=3,retry_after=1,method=PUT,path=/eventSubscriptions/")
    path = write("manifest.yaml", manifest())
    assert {r["status"] for r in apply_ok(run, path)} == {"applied"}
    statuses = [(r["status"], datetime.fromisoformat(r["time"][:26])) for r in sent_requests()]
    assert [status for status, _ in statuses].count(429) == 3
    first_429 = min(t for status, t in statuses if status == 429)
    assert (max(t for _, t in statuses) - first_429).total_seconds() >= 0.9  # the retry waited for Retry-After
    assert run("plan", "-f", path, "--detailed-exitcode").exit_code == 0


# --- bad manifests: located errors, nothing sent --------------------------------------------------------------


GOOD = """\
version: 1
workspaces:
  - name: local-workspace
    subscriptions:
      - name: hook
        destination: {endpoint: "https://h.example.com/x"}
"""
BAD = {
    "wrong type": (GOOD.replace('{endpoint: "https://h.example.com/x"}',
                                '{endpoint: "https://h.example.com/x", maxEventsPerBatch: many}'), ":6:79"),
    "unknown key": (GOOD.replace("      - name: hook\n", "      - name: hook\n        labelz: [a]\n"), ":6:9"),
    "bad filter": (GOOD + "        advancedFilters: [data.x NumberIn one]\n", ":7:43"),
    "missing variable": (GOOD.replace("https://h.example.com/x", "${AMLEVENTS_TEST_UNSET}"), ":6:34"),
    "duplicate name": (GOOD + GOOD.split("subscriptions:\n")[1].replace("hook", "HOOK"), ":7:15"),
    "duplicate key": (GOOD + "version: 1\n", ":7:1"),
    "duplicate workspace": (GOOD + f"  - id: {WS_ID}\n    subscriptions: []\n", ":7:5"),
}


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize(("text", "where"), BAD.values(), ids=BAD)
def test_bad_manifest_exits_2_located_and_sends_nothing(run, world, command, text, where) -> None:
    with open("bad.yaml", "w", encoding="utf-8") as f:
        f.write(text)
    result = run(command, "-f", "bad.yaml", "--yes") if command == "apply" else run(command, "-f", "bad.yaml")
    assert result.exit_code == 2, result.stderr
    assert f"bad.yaml{where}" in result.stderr
    assert world.app.requests() == []


@pytest.mark.parametrize(("args", "code"), [((), 2), (("--detailed-exitcode",), 1)])
def test_detailed_exitcode_makes_a_bad_manifest_an_error(run, world, args, code) -> None:
    with open("bad.yaml", "w", encoding="utf-8") as f:
        f.write(BAD["unknown key"][0])
    result = run("plan", "-f", "bad.yaml", *args)
    assert result.exit_code == code
    assert "bad.yaml:6:9" in result.stderr
    assert world.app.requests() == []


@pytest.mark.parametrize("args", [(), ("-f", "manifest.yaml", "--no-such-option")], ids=["missing -f", "unknown"])
def test_detailed_exitcode_makes_a_usage_error_an_error(run, world, args) -> None:
    assert run("plan", "--detailed-exitcode", *args).exit_code == 1
    assert run("plan", *args).exit_code == 2


def test_missing_workspace_is_an_error_with_detailed_exitcode(run, world) -> None:
    data = manifest(workspaces=[{"name": "no-such-workspace", "subscriptions": []}])
    result = run("plan", "-f", write("missing.yaml", data), "--detailed-exitcode")
    assert result.exit_code == 1
    assert "no-such-workspace" in result.stderr
