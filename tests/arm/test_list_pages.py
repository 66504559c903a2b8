"""Lists are read as the JSON each page returned (``arm.subscriptions.list_json``): every page, no SDK model round
trip, the same dicts the SDK's ``serialize(keep_readonly=True)`` gave, and the SDK's error types."""

from __future__ import annotations

from typing import Any

import pytest
from ids import HOOK
from ids import RESOURCE_GROUP as RG
from ids import SUBSCRIPTION_ID as SUB
from ids import WORKSPACE as WS

from amlevents.arm.list_shape import shaped
from amlevents.arm.subscriptions import WorkspaceSubscriptions, list_json
from amlevents.core.errors import NotFoundError
from amlevents.core.workspace import WorkspaceRef

KINDS = [
    ("hook-plain",),
    ("hook-filtered", "--event-type", "ModelRegistered", "--subject-begins-with", "models/churn",
     "--advanced-filter", "data.RunStatus", "StringIn", "Failed", "--labels", "a", "b"),
    ("hook-attrs", "--delivery-attribute-mapping", "team", "static", "ml", "--max-delivery-attempts", "5"),
    ("hook-identity", "--delivery-identity", "systemassigned"),
]


@pytest.fixture
def api(run, cli_emulator, emulator_session) -> WorkspaceSubscriptions:
    for name, *args in KINDS:
        run.ok("subscription", "create", name, "--endpoint", HOOK, *args, "-o", "none")
        run.ok("subscription", "create", f"t-{name}", "--system-topic", "--endpoint", HOOK, *args, "-o", "none")
    session = emulator_session()
    return WorkspaceSubscriptions(session, WorkspaceRef(SUB, RG, WS))


def _sdk_scope(api: WorkspaceSubscriptions, top: int = 100) -> list[dict[str, Any]]:
    return [s.serialize(keep_readonly=True) for s in api.client.event_subscriptions.list_by_resource(
        RG, "Microsoft.MachineLearningServices", "workspaces", WS, top=top)]


def test_list_equals_the_sdk_model_round_trip(api):
    assert api.list() == _sdk_scope(api)


def test_one_scope_list_holds_the_subscriptions_created_through_the_topic(api, emulator, sent_requests):
    emulator.app.clear_requests()
    assert sorted(i["name"] for i in api.list()) == sorted(n for k in KINDS for n in (k[0], f"t-{k[0]}"))
    assert [r["path"] for r in sent_requests("GET", login=False)] == [
        f"{api.workspace.id}/providers/Microsoft.EventGrid/eventSubscriptions"]


def test_system_topic_equals_the_sdk_model_round_trip(api):
    sdk = [t.serialize(keep_readonly=True) for t in api.client.system_topics.list_by_resource_group(RG)]
    assert api.system_topic() == sdk[0]


def test_every_page_is_followed(api, sent_requests):
    url = f"{api.workspace.id}/providers/Microsoft.EventGrid/eventSubscriptions?api-version={api.api_version}&$top=1"
    assert list(list_json(api.client, url, "EventSubscription")) == _sdk_scope(api, top=1)
    pages = [r for r in sent_requests("GET") if r["path"].endswith("/eventSubscriptions")]
    assert len(pages) == 2 * 2 * len(KINDS)  # ours and the SDK's: one page per item


def test_no_sdk_models_are_built(api, monkeypatch):
    from azure.mgmt.eventgrid import _serialization

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a list page was deserialized into SDK models")

    monkeypatch.setattr(_serialization.Deserializer, "__call__", refuse)
    assert len(api.list()) == 2 * len(KINDS)


def test_a_missing_workspace_is_not_found(cli_emulator, emulator_session):
    session = emulator_session()
    api = WorkspaceSubscriptions(session, WorkspaceRef(SUB, RG, "no-such-workspace"))
    with pytest.raises(NotFoundError, match="could not list the event subscriptions of workspace 'no-such-workspace'"):
        api.list()


@pytest.mark.parametrize("value", [
    "2026-12-07T04:20:48.0912950Z", "2026-12-07T04:20:48Z", "2026-12-07t04:20:48.1z", "2026-12-07T04:20:48.000000Z",
    "2026-12-07T04:20:48.1234567890Z", "2026-12-07T04:20:48.5+02:00",
])
def test_timestamps_are_written_as_the_sdk_writes_them(value):
    from azure.mgmt.eventgrid._serialization import Deserializer, Serializer

    item = {"name": "s", "systemData": {"createdAt": value}}
    expected = Serializer.serialize_iso(Deserializer.deserialize_iso(value))
    assert shaped(item, "EventSubscription")["systemData"]["createdAt"] == expected
