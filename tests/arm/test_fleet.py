"""arm.fleet and arm.discovery over the real SDK pipeline against a fleet in the emulator: lists by topic type
paged and streamed in scope order, Resource Graph paged with $skipToken, errors in order."""

from __future__ import annotations

import pytest

from amlevents.arm import discovery
from amlevents.arm import fleet as fleet_module
from amlevents.arm.discovery import Discovery, WorkspaceSelector, workspace_query
from amlevents.arm.fleet import FleetSubscriptions, ListScope, workspace_id_of
from amlevents.core.errors import AmlEventsError
from tests.fleet_world import PER_WORKSPACE, SUBS


@pytest.fixture
def session(fleet):
    from amlevents.arm.settings import ConnectionSettings
    from amlevents.cli.wiring import connect

    fleet.app.clear_requests()
    made = connect(ConnectionSettings.from_env(env={"AMLEVENTS_EMULATOR": fleet.url,
                                                    "AMLEVENTS_EMULATOR_CA": fleet.ca_cert_path}))
    yield made
    made.close()


def test_lists_are_read_page_by_page(session, fleet, monkeypatch):
    monkeypatch.setattr(fleet_module, "PAGE_SIZE", 2)
    items = list(FleetSubscriptions(session).scope_items([ListScope(SUBS[0], "eastus")]))
    assert len(items) == 2 * PER_WORKSPACE
    assert len([r for r in fleet.app.requests() if "/topicTypes/" in r["path"]]) == PER_WORKSPACE  # 6 items, 2 a page


def test_items_come_in_scope_order(session):
    scopes = [ListScope(sub, "westeurope") for sub in reversed(SUBS)]
    items = list(FleetSubscriptions(session, workers=3).scope_items(scopes))
    subs = [i["id"].split("/")[2] for i in items]
    assert subs == sorted(subs, reverse=True)  # every item of the first scope, then the second's ...


def test_a_failing_list_raises_after_the_items_before_it(session):
    scopes = [ListScope(SUBS[0], "eastus"), ListScope(SUBS[1], "eastus", resource_group="no-such-group")]
    seen: list[dict] = []
    with pytest.raises(AmlEventsError, match="no-such-group"):
        seen.extend(FleetSubscriptions(session).scope_items(scopes))
    assert len(seen) == 2 * PER_WORKSPACE


def test_a_reader_that_stops_early_does_not_wait_for_every_list(session):
    stream = FleetSubscriptions(session, workers=1).scope_items([ListScope(s, "eastus") for s in SUBS])
    assert next(stream)["name"] == "es-1"
    stream.close()  # the other lists are cancelled, not read


def test_items_name_their_workspace(session):
    items = list(FleetSubscriptions(session).items(WorkspaceSelector(subscriptions=(SUBS[2],))))
    assert {workspace_id_of(i).rsplit("/", 1)[-1] for i in items} == {f"fleet3-ws{n}" for n in range(1, 5)}


def test_resource_graph_pages_with_skip_token(session, fleet, monkeypatch):
    monkeypatch.setattr(discovery, "PAGE_ROWS", 5)
    rows = Discovery(session).workspaces(WorkspaceSelector(subscriptions=SUBS))
    assert len(rows) == 12
    assert len([r for r in fleet.app.requests() if "Microsoft.ResourceGraph" in r["path"]]) == 3


def test_subscription_ids_lists_what_the_caller_sees(session):
    assert set(Discovery(session).subscription_ids()) >= set(SUBS)


def test_workspace_query_quotes_values():
    query = workspace_query(WorkspaceSelector(locations=("West Europe",), tags=(("o'k", "v"),)))
    assert "where location =~ 'westeurope'" in query
    assert r"where tags['o\'k'] =~ 'v'" in query


@pytest.mark.parametrize(("selector", "selected"), [
    (WorkspaceSelector(resource_group="RG"), True),
    (WorkspaceSelector(resource_group="other"), False),
    (WorkspaceSelector(locations=("East US", "westeurope")), True),
    (WorkspaceSelector(name_pattern="PROD-*"), True),
    (WorkspaceSelector(name_pattern="dev-*"), False),
    (WorkspaceSelector(tags=(("Env", "PROD"),)), True),
    (WorkspaceSelector(tags=(("env", "dev"),)), False),
])
def test_selector_matches_workspace_rows(selector, selected):
    row = {"name": "prod-ws", "resourceGroup": "rg", "location": "eastus", "tags": {"env": "prod"}}
    assert selector.matches(row) is selected
