"""Lists are read as the JSON each page returned (``arm.subscriptions.list_json``): every page, no SDK model round
trip, each item exactly as the service sent it (what a GET of it returns), and the SDK's error types."""

from __future__ import annotations

from typing import Any

import pytest
from ids import HOOK
from ids import RESOURCE_GROUP as RG
from ids import SUBSCRIPTION_ID as SUB
from ids import WORKSPACE as WS

from amlevents.arm.subscriptions import WorkspaceSubscriptions, get_json, list_json
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


def _one_by_one(api: WorkspaceSubscriptions) -> list[dict[str, Any]]:
    """Each subscription as a GET of it returns it, in the list's (name) order."""
    names = sorted((n for k in KINDS for n in (k[0], f"t-{k[0]}")), key=str.lower)
    return [get_json(api.client, f"{api.workspace.id}/providers/Microsoft.EventGrid/eventSubscriptions/{n}"
                                 f"?api-version={api.api_version}") for n in names]


def test_list_items_are_the_services_json_as_a_get_returns_it(api):
    assert api.list() == _one_by_one(api)


def test_one_scope_list_holds_the_subscriptions_created_through_the_topic(api, emulator, sent_requests):
    emulator.app.clear_requests()
    assert sorted(i["name"] for i in api.list()) == sorted(n for k in KINDS for n in (k[0], f"t-{k[0]}"))
    assert [r["path"] for r in sent_requests("GET", login=False)] == [
        f"{api.workspace.id}/providers/Microsoft.EventGrid/eventSubscriptions"]


def test_the_system_topic_is_the_services_json(api):
    topic = api.system_topic()
    assert topic == get_json(api.client, f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.EventGrid/"
                                         f"systemTopics/{topic['name']}?api-version={api.api_version}")


def test_every_page_is_followed(api, emulator, sent_requests):
    url = f"{api.workspace.id}/providers/Microsoft.EventGrid/eventSubscriptions?api-version={api.api_version}&$top=1"
    emulator.app.clear_requests()
    assert list(list_json(api.client, url)) == _one_by_one(api)  # one item a page: every nextLink followed
    pages = [r for r in sent_requests("GET", login=False) if r["path"].endswith("/eventSubscriptions")]
    assert len(pages) == 2 * len(KINDS)


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
