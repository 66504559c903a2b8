"""Paging with $top/nextLink and the OData name filter, through list_by_resource."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from emulator_support import (
    EVENT_SUBS,
    RG,
    SCOPE,
    SUB,
    WS,
    list_names,
    raw,
    webhook_body,
)

from amlevents.emulator.eventgrid.subscriptions import ParentRef
from amlevents.emulator.runtime import paging

NAMES = ["alpha", "beta-one", "Beta-two", "gamma", "delta-beta"]


def seed_subscriptions(server, names):
    """Create subscriptions straight through the backend (fast set-up; the SDK path is tested elsewhere)."""
    ref = ParentRef(SUB, RG, None, "Microsoft.MachineLearningServices", "workspaces", WS)
    for name in names:
        server.backend.put_event_subscription(ref, name, webhook_body(), server.principals["owner"], lambda: False)


def test_250_subscriptions_come_back_in_3_pages_of_100(emulator, eventgrid_client):
    names = [f"sub-{i:03d}" for i in range(250)]
    seed_subscriptions(emulator, names)
    assert list_names(eventgrid_client(emulator), top=100) == names
    pages = [r for r in emulator.app.requests() if r["method"] == "GET" and r["path"] == EVENT_SUBS]
    assert len(pages) == 3
    assert [p["query"].get("$top") for p in pages] == ["100"] * 3
    assert "$skipToken" not in pages[0]["query"] and all("$skipToken" in p["query"] for p in pages[1:])


def test_default_page_size_is_20(emulator):
    seed_subscriptions(emulator, [f"s{i:02d}" for i in range(25)])
    body = raw(emulator, "GET", EVENT_SUBS).json()
    assert len(body["value"]) == 20
    assert body["nextLink"].startswith(f"{emulator.url}{EVENT_SUBS}?")


def test_next_link_carries_the_filter(emulator, eventgrid_client):
    seed_subscriptions(emulator, [f"keep-{i}" for i in range(5)] + [f"drop-{i}" for i in range(5)])
    assert list_names(eventgrid_client(emulator), top=2, filter="contains(name,'keep')") == [
        f"keep-{i}" for i in range(5)]


@pytest.mark.parametrize(
    ("odata", "expected"),
    [
        ("contains(name,'beta')", ["beta-one", "Beta-two", "delta-beta"]),
        ("CONTAINS(name,'BETA')", ["beta-one", "Beta-two", "delta-beta"]),
        ("name eq 'GAMMA'", ["gamma"]),
        ("name ne 'gamma'", ["alpha", "beta-one", "Beta-two", "delta-beta"]),
        ("contains(name,'beta') and not contains(name,'delta')", ["beta-one", "Beta-two"]),
        ("name eq 'alpha' or (name eq 'gamma')", ["alpha", "gamma"]),
    ],
)
def test_name_filters(emulator, eventgrid_client, odata, expected):
    seed_subscriptions(emulator, NAMES)
    assert list_names(eventgrid_client(emulator), filter=odata) == expected


def test_malformed_filter_is_400_invalid_request(emulator, eventgrid_client):
    with pytest.raises(HttpResponseError) as err:
        list_names(eventgrid_client(emulator), filter="contains(name,")
    assert err.value.status_code == 400 and err.value.error.code == "InvalidRequest"


@pytest.mark.parametrize("top", ["0", "101", "ten"])
def test_top_out_of_range_is_400(emulator, top):
    response = raw(emulator, "GET", EVENT_SUBS, params={"api-version": "2025-02-15", "$top": top})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidRequest"


def test_a_page_reads_and_renders_only_its_own_rows(emulator):
    seed_subscriptions(emulator, ["a-one", "a-two", "a-three"])
    parent = SCOPE.lower()
    with emulator.backend.store.transaction() as tx:  # a row past the page that cannot be rendered
        tx.put("eventSubscription", f"{parent}/providers/microsoft.eventgrid/eventsubscriptions/zz", parent, {})
    body = raw(emulator, "GET", EVENT_SUBS, params={"api-version": "2025-02-15", "$top": "2"}).json()
    assert [s["name"] for s in body["value"]] == ["a-one", "a-three"]
    assert "nextLink" in body


@pytest.mark.parametrize(("odata", "expected"), [(None, NAMES), ("contains(name,'beta')", NAMES[1:3] + NAMES[4:])])
def test_the_backend_listing_pages_in_sql_as_the_list_does_in_memory(emulator, odata, expected):
    seed_subscriptions(emulator, NAMES)
    listing = emulator.backend.list_event_subscriptions(
        ParentRef(SUB, RG, None, "Microsoft.MachineLearningServices", "workspaces", WS))
    names, token = [], None
    while True:
        chunk, token = paging.page(listing, 2, token, odata)
        names += [s["name"] for s in chunk]
        if token is None:
            break
    assert sorted(names, key=str.lower) == names == sorted(expected, key=str.lower)


def test_regional_listing_merges_workspaces_in_name_order_in_sql(emulator):
    seed_subscriptions(emulator, ["b-one", "d-one", "keep-a"])
    ref2 = ParentRef(SUB, RG, None, "Microsoft.MachineLearningServices", "workspaces", "local-workspace-2")
    for name in ("a-two", "c-two", "keep-b"):
        emulator.backend.put_event_subscription(ref2, name, webhook_body(), emulator.principals["owner"],
                                                lambda: False)
    listing = emulator.backend.list_regional_event_subscriptions(SUB, None, "eastus", None)
    first, token = paging.page(listing, 3, None)
    rest, last = paging.page(listing, 3, token)
    assert [s["name"] for s in first + rest] == ["a-two", "b-one", "c-two", "d-one", "keep-a", "keep-b"]
    assert last is None
    assert [s["name"] for s in paging.page(listing, 3, None, "contains(name,'keep')")[0]] == ["keep-a", "keep-b"]
