"""`subscription list` without -w, and `workspace list`, over a fleet of Azure subscriptions in the emulator."""

from __future__ import annotations

import pytest

from tests.fleet_world import PER_WORKSPACE, SUBS, point_cli

FLEET_SUBSCRIPTIONS = len(SUBS) * 4 * PER_WORKSPACE


@pytest.fixture(autouse=True)
def pointed(fleet, monkeypatch):
    """The CLI on the fleet emulator, its request log cleared."""
    return point_cli(fleet, monkeypatch)


def workspaces_of(items: list[dict]) -> set[str]:
    return {i["id"].split("/providers/Microsoft.EventGrid/")[0].rsplit("/", 1)[-1] for i in items}


def test_all_subscriptions_lists_every_workspace_subscription(run):
    items = run.json("subscription", "list", "--all-subscriptions")
    assert len(items) == FLEET_SUBSCRIPTIONS
    assert len(workspaces_of(items)) == 12


def test_one_list_per_azure_subscription_and_location_not_per_workspace(run, fleet):
    run.json("subscription", "list", "--all-subscriptions")
    lists = [r for r in fleet.app.requests() if r["method"] == "GET" and "/topicTypes/" in r["path"]]
    assert len(lists) == len(SUBS) * 2 + 1  # two locations per fleet subscription; the default world's eastus
    per_workspace = [r for r in fleet.app.requests() if "/workspaces/" in r["path"]]
    assert per_workspace == []


@pytest.mark.parametrize(("args", "count"), [
    (("-s", SUBS[1]), 4 * PER_WORKSPACE),
    (("-s", SUBS[1], "-g", "fleet-rg-1"), 2 * PER_WORKSPACE),
    (("--all-subscriptions", "--location", "westeurope"), 6 * PER_WORKSPACE),
    (("--all-subscriptions", "--workspace-pattern", "FLEET2-*"), 4 * PER_WORKSPACE),
    (("-s", SUBS[0], "--workspace-pattern", "fleet1-ws1"), PER_WORKSPACE),
])
def test_fleet_options_select_workspaces(run, args, count):
    assert len(run.json("subscription", "list", *args)) == count


def test_location_and_pattern_select_exactly_those_workspaces(run):
    items = run.json("subscription", "list", "--all-subscriptions", "--location", "eastus",
                     "--workspace-pattern", "fleet3-*")
    assert workspaces_of(items) == {"fleet3-ws1", "fleet3-ws3"}


def test_a_role_on_resource_groups_only_reads_their_lists(run, fleet, monkeypatch):
    """The subscription-wide list is denied to such a caller: the resource groups' lists are read instead."""
    monkeypatch.setenv("AMLEVENTS_EMULATOR_PRINCIPAL", "contributor")
    items = run.json("subscription", "list", "--all-subscriptions")
    assert workspaces_of(items) == {"fleet2-ws2", "fleet2-ws4"}
    assert len(items) == 2 * PER_WORKSPACE


def test_query_applies_to_the_fleet_list(run):
    names = run.json("subscription", "list", "-s", SUBS[0], "-g", "fleet-rg-1", "--query", "[].name")
    assert sorted(names) == sorted(["es-1", "es-2", "es-3"] * 2)


def test_table_has_a_workspace_column(run):
    table = run.ok("subscription", "list", "-s", SUBS[2], "-g", "fleet-rg-2", "-o", "table").stdout
    assert table.split()[:2] == ["Workspace", "Resource"]
    assert "fleet3-ws2" in table and "fleet-rg-2" in table


def test_without_fleet_options_one_workspace_is_listed(run):
    assert run.json("subscription", "list", "-w", "fleet1-ws1", "-g", "fleet-rg-1", "-s", SUBS[0]) != []


@pytest.mark.parametrize("args", [
    ("--all-subscriptions", "-s", SUBS[0]),
    ("-w", "fleet1-ws1", "-g", "fleet-rg-1", "--all-subscriptions"),
    ("-w", "fleet1-ws1", "-g", "fleet-rg-1", "--workspace-pattern", "x*"),
])
def test_conflicting_options_are_invalid_input(run, args):
    result = run("subscription", "list", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")


def test_workspace_list_finds_every_workspace(run):
    rows = run.json("workspace", "list", "--all-subscriptions")
    assert len(rows) == 14  # the default world's two and the fleet's twelve
    assert set(rows[0]) >= {"id", "name", "resourceGroup", "subscriptionId", "location", "tags"}


@pytest.mark.parametrize(("args", "names"), [
    (("-s", SUBS[0], "--tag", "env=dev"), ["fleet1-ws2", "fleet1-ws4"]),
    (("-s", SUBS[0], "--location", "eastus"), ["fleet1-ws1", "fleet1-ws3"]),
    (("--all-subscriptions", "--workspace-pattern", "local-*"), ["local-workspace", "local-workspace-2"]),
])
def test_workspace_list_filters(run, args, names):
    assert [r["name"] for r in run.json("workspace", "list", *args)] == names


def test_workspace_list_sends_one_resource_graph_query(run, fleet):
    run.json("workspace", "list", "--all-subscriptions")
    assert len([r for r in fleet.app.requests() if "Microsoft.ResourceGraph" in r["path"]]) == 1


def test_a_bad_tag_is_invalid_input(run):
    result = run("workspace", "list", "--all-subscriptions", "--tag", "novalue")
    assert result.exit_code == 2 and "KEY=VALUE" in result.stderr
