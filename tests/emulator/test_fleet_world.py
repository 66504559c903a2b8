"""Many Azure subscriptions in one world: seeds with ``subscriptions`` and ``fleet``, and every lookup per
subscription (subscriptions, resource groups, workspaces, RBAC, event subscriptions and their operations)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from emulator_support import raw, webhook_subscription
from fleet_support import EXPLICIT, FLEET1, FLEET2, FLEET3, fleet_seed, serve_fleet

from amlevents.core.errors import InvalidInputError
from amlevents.emulator.eventgrid.subscriptions import ParentRef
from amlevents.emulator.runtime.backend import Backend
from amlevents.emulator.runtime.fleet import fleet_subscription_id
from amlevents.emulator.runtime.seed import DEFAULT_SEED, load_seed

NS = "Microsoft.MachineLearningServices"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    yield from serve_fleet(tmp_path_factory)


def workspace_path(sub: str, rg: str, ws: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{NS}/workspaces/{ws}"


def client(server, principal: str = "owner", subscription: str = FLEET1):
    from conftest import make_eventgrid_client

    made = make_eventgrid_client(server, principal)
    made._config.subscription_id = subscription  # the SDK formats each URL from its config
    return made


def test_a_fleet_expands_deterministically():
    first, again = load_seed(fleet_seed()), load_seed(fleet_seed())
    assert list(first.subscriptions) == list(again.subscriptions) == [
        DEFAULT_SEED["subscriptionId"], EXPLICIT, FLEET1, FLEET2, FLEET3]
    assert [w.id for w in first.workspaces] == [w.id for w in again.workspaces]
    assert len(first.workspaces) == 2 + 1 + 3 * 4
    assert first.subscription_id == DEFAULT_SEED["subscriptionId"]  # the first one stays the default


def test_a_fleet_only_seed_takes_the_default_principals_and_tenant():
    world = load_seed({"fleet": {"subscriptions": 2, "workspacesPerSubscription": 3}})
    assert world.subscription_id == FLEET1
    assert world.tenant_id == DEFAULT_SEED["tenantId"]
    assert set(world.principals) == set(DEFAULT_SEED["principals"])
    assert {a.scope for a in world.role_assignments} == {f"/subscriptions/{FLEET1}",
                                                         f"/subscriptions/{fleet_subscription_id(2)}"}


@pytest.mark.parametrize(("change", "message"), [
    ({"fleet": {"subscriptions": 0, "workspacesPerSubscription": 1}}, "fleet.subscriptions"),
    ({"fleet": {"subscriptions": 1, "workspacesPerSubscription": 1, "colour": "red"}}, "unknown fleet field"),
    ({"fleet": {"subscriptions": 1, "workspacesPerSubscription": 1, "tags": "env=prod"}}, "fleet.tags"),
    ({"subscriptions": "all"}, "'subscriptions' must be a list"),
    ({"subscriptions": [{"subscriptionId": DEFAULT_SEED["subscriptionId"], "resourceGroups": []}]}, "seeded twice"),
    ({"subscriptions": [{"subscriptionId": EXPLICIT, "resourceGroups": [],
                         "workspaces": [{"name": "w", "resourceGroup": "nope"}]}]},
     r"subscriptions\[0\]\.workspaces\[0\]: resource group 'nope'"),
])
def test_bad_multi_subscription_seeds_are_refused(change, message):
    with pytest.raises(InvalidInputError, match=message):
        load_seed({**DEFAULT_SEED, **change})


def test_fleet_size_seed_starts_with_every_event_subscription():
    seed = {"fleet": {"subscriptions": 20, "workspacesPerSubscription": 50, "eventSubscriptionsPerWorkspace": 5,
                      "locations": ["eastus", "westeurope"]}}
    backend = Backend(seed=seed)
    try:
        assert len(backend.world.workspaces) == 1000
        with backend.store.transaction() as tx:
            assert len(tx.all("eventSubscription")) == 5000
            assert len(tx.all("systemTopic")) == 1000
        last = backend.world.workspaces[-1]
        assert last.subscription_id == fleet_subscription_id(20)
    finally:
        backend.close()


def test_subscription_list_holds_those_the_caller_has_a_role_in(fleet):
    def listed(principal: str) -> list[str]:
        return [s["subscriptionId"] for s in raw(fleet, "GET", "/subscriptions", token=principal).json()["value"]]

    assert listed("owner") == [DEFAULT_SEED["subscriptionId"], EXPLICIT, FLEET1, FLEET2, FLEET3]
    assert listed("contributor") == [DEFAULT_SEED["subscriptionId"], FLEET2]
    assert listed("nobody") == []
    one = raw(fleet, "GET", f"/subscriptions/{EXPLICIT}").json()
    assert (one["subscriptionId"], one["displayName"]) == (EXPLICIT, "explicit")


def test_workspaces_and_resource_groups_are_per_subscription(fleet):
    got = raw(fleet, "GET", workspace_path(FLEET2, "fleet-rg-2", "fleet2-ws2")).json()
    assert got["id"] == workspace_path(FLEET2, "fleet-rg-2", "fleet2-ws2")
    assert (got["location"], got["tags"]) == ("westeurope", {"env": "dev"})
    assert raw(fleet, "GET", workspace_path(FLEET1, "fleet-rg-2", "fleet2-ws2")).status_code == 404
    listed = raw(fleet, "GET", f"/subscriptions/{FLEET3}/providers/{NS}/workspaces").json()["value"]
    assert [w["name"] for w in listed] == ["fleet3-ws1", "fleet3-ws2", "fleet3-ws3", "fleet3-ws4"]
    group = raw(fleet, "GET", f"/subscriptions/{EXPLICIT}/resourceGroups/ops").json()
    assert group["id"] == f"/subscriptions/{EXPLICIT}/resourceGroups/ops"
    assert raw(fleet, "GET", f"/subscriptions/{EXPLICIT}/resourceGroups/amlevents-local").status_code == 404


def test_info_keeps_its_fields_and_lists_every_subscription(fleet):
    info = raw(fleet, "GET", "/_emulator/info", token=None, params={}).json()
    assert info["subscriptionId"] == DEFAULT_SEED["subscriptionId"]
    assert info["resourceGroup"] == "amlevents-local"
    assert [s["subscriptionId"] for s in info["subscriptions"]] == [
        DEFAULT_SEED["subscriptionId"], EXPLICIT, FLEET1, FLEET2, FLEET3]
    assert info["subscriptions"][1]["resourceGroups"] == ["ops"]
    assert {w["subscriptionId"] for w in info["workspaces"]} == set(fleet.backend.world.subscriptions)


def test_seeded_event_subscriptions_are_on_every_fleet_workspace(fleet):
    names = [s.name for s in client(fleet, subscription=FLEET3).event_subscriptions.list_by_resource(
        "fleet-rg-2", NS, "workspaces", "fleet3-ws4")]
    assert names == ["es-1", "es-2", "es-3"]


def test_create_in_another_subscription_polls_there_and_gets_its_system_topic(fleet):
    fleet.backend.reset()
    made = client(fleet, subscription=FLEET2)
    scope = workspace_path(FLEET2, "fleet-rg-1", "fleet2-ws1")
    created = made.event_subscriptions.begin_create_or_update(scope, "new-one", webhook_subscription()).result()
    assert created.provisioning_state == "Succeeded"
    assert created.id.startswith(scope)
    polls = [e["path"] for e in fleet.app.requests() if "operationsStatus" in e["path"]]
    assert polls and all(p.startswith(f"/subscriptions/{FLEET2}/") for p in polls)
    topics = [t.id for t in made.system_topics.list_by_subscription()]
    assert len(topics) == 4  # one per workspace of this subscription (its seeded subscriptions made them)
    assert all(t.startswith(f"/subscriptions/{FLEET2}/resourceGroups/fleet-rg-") for t in topics)
    fleet.backend.reset()


def test_rbac_is_per_subscription(fleet):
    reader = client(fleet, "reader", FLEET1)
    assert [s.name for s in reader.event_subscriptions.list_by_resource("fleet-rg-1", NS, "workspaces",
                                                                        "fleet1-ws1")] == ["es-1", "es-2", "es-3"]
    with pytest.raises(HttpResponseError) as refused:
        reader.event_subscriptions.begin_create_or_update(workspace_path(FLEET1, "fleet-rg-1", "fleet1-ws1"), "x",
                                                          webhook_subscription())
    assert refused.value.status_code == 403
    scoped = client(fleet, "contributor", FLEET2)
    assert len(list(scoped.event_subscriptions.list_by_resource("fleet-rg-2", NS, "workspaces", "fleet2-ws2"))) == 3
    with pytest.raises(HttpResponseError) as outside:
        list(scoped.event_subscriptions.list_by_resource("fleet-rg-1", NS, "workspaces", "fleet2-ws1"))
    assert outside.value.status_code == 403


def test_role_assignment_ids_name_their_own_subscription(fleet):
    listed = raw(fleet, "GET", f"/subscriptions/{FLEET3}/providers/Microsoft.Authorization/roleAssignments",
                 params={"api-version": "2022-04-01"}).json()["value"]
    assert listed and all(a["properties"]["roleDefinitionId"].startswith(f"/subscriptions/{FLEET3}/")
                          for a in listed)


def test_a_state_file_reopens_to_the_same_fleet(tmp_path):
    state = tmp_path / "fleet.db"
    first = Backend(state, fleet_seed())
    first.delete_event_subscription(ref_of(first, "fleet3-ws2"), "es-1", lambda: False)
    first.close()
    again = Backend(state)  # no seed given: the stored one, and what was done since
    try:
        assert list(again.world.subscriptions) == list(load_seed(fleet_seed()).subscriptions)
        names = [s["name"] for s in again.list_event_subscriptions(ref_of(again, "fleet3-ws2"))]
        assert names == ["es-2", "es-3"]
    finally:
        again.close()


def ref_of(backend: Backend, name: str) -> ParentRef:
    ws = next(w for w in backend.world.workspaces if w.name == name)
    return ParentRef(ws.subscription_id, ws.resource_group, None, NS, "workspaces", ws.name)
