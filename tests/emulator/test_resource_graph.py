"""Resource Graph's ``resources`` query over the seeded workspaces: the supported KQL, scoping, access, paging, the
error shape and the per-user quota, through plain HTTPS (and once through azure-mgmt-resourcegraph)."""

from __future__ import annotations

import pytest
from emulator_support import raw
from fleet_support import EXPLICIT, FLEET1, FLEET2, FLEET3, WS_TYPE, serve_fleet

from amlevents.emulator.resourcegraph.query import QueryError, parse
from amlevents.emulator.resourcegraph.quota import UserQuota

PATH = "/providers/Microsoft.ResourceGraph/resources"
API = {"api-version": "2022-10-01"}
BASE = f"resources | where type =~ '{WS_TYPE}'"
PROJECT = " | project id, name, resourceGroup, subscriptionId, location, tags"
DEFAULT_SUB = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    yield from serve_fleet(tmp_path_factory)


def graph(server, query: str, principal: str = "owner", **body):
    return raw(server, "POST", PATH, token=principal, params=API, body={"query": query, **body})


def names(answer) -> list[str]:
    return sorted(row["name"] for row in answer.json()["data"])


@pytest.fixture(autouse=True)
def quota_off(fleet):
    fleet.backend.graph_quota.configure(enforced=False)


def test_every_readable_workspace_with_the_projected_columns(fleet):
    answer = graph(fleet, BASE + PROJECT)
    assert answer.status_code == 200
    body = answer.json()
    assert body["totalRecords"] == body["count"] == 15 and "$skipToken" not in body
    row = next(r for r in body["data"] if r["name"] == "ops-ws")
    assert row == {"id": f"/subscriptions/{EXPLICIT}/resourceGroups/ops/providers/"
                         "Microsoft.MachineLearningServices/workspaces/ops-ws",
                   "name": "ops-ws", "resourceGroup": "ops", "subscriptionId": EXPLICIT, "location": "northeurope",
                   "tags": {"team": "ops"}}


@pytest.mark.parametrize(("where", "expected"), [
    (f"subscriptionId in ('{FLEET3}')", ["fleet3-ws1", "fleet3-ws2", "fleet3-ws3", "fleet3-ws4"]),
    (f"subscriptionId in ('{FLEET3}') and location =~ 'WestEurope'", ["fleet3-ws2", "fleet3-ws4"]),
    ("name matches regex '^fleet2-ws[12]$'", ["fleet2-ws1", "fleet2-ws2"]),
    ("name =~ 'OPS-WS'", ["ops-ws"]),
    ("name == 'OPS-WS'", []),
    (f"tags['env'] =~ 'PROD' and subscriptionId == '{FLEET1}'", ["fleet1-ws1", "fleet1-ws3"]),
    ("tags['team'] != ''", ["ops-ws"]),
    (f"resourceGroup =~ 'fleet-rg-2' and subscriptionId in~ ('{FLEET2.upper()}')", ["fleet2-ws2", "fleet2-ws4"]),
])
def test_where_predicates(fleet, where, expected):
    assert names(graph(fleet, f"{BASE} | where {where}{PROJECT}")) == expected


def test_type_double_equals_is_case_sensitive_as_in_kusto(fleet):
    assert names(graph(fleet, "Resources | where type == 'Microsoft.MachineLearningServices/workspaces'")) == []


def test_subscriptions_scope_the_query(fleet):
    assert names(graph(fleet, BASE, subscriptions=[EXPLICIT, DEFAULT_SUB])) == [
        "local-workspace", "local-workspace-2", "ops-ws"]


def test_the_tenant_root_management_group_is_every_subscription(fleet):
    tenant = fleet.tenant_id
    assert graph(fleet, BASE, managementGroups=[tenant]).json()["totalRecords"] == 15
    refused = graph(fleet, BASE, managementGroups=["finance"])
    assert refused.status_code == 400
    assert refused.json()["error"]["details"][0]["code"] == "ManagementGroupNotFound"


@pytest.mark.parametrize(("principal", "expected"), [
    ("reader", 14),  # Reader on the default and fleet subscriptions, not on the explicit one
    ("contributor", 4),  # the default resource group's two, and FLEET2's fleet-rg-2 (Reader there)
    ("eventsub-contributor", 0),  # a role on one workspace that does not read workspaces
    ("nobody", 0),
])
def test_only_what_the_caller_can_read(fleet, principal, expected):
    assert graph(fleet, BASE, principal).json()["totalRecords"] == expected


def test_pages_with_top_and_skip_token_cover_every_row_once(fleet):
    seen, token, pages = [], None, 0
    while True:
        options = {"$top": 4, **({"$skipToken": token} if token else {})}
        body = graph(fleet, BASE + " | project id, name", options=options).json()
        assert body["totalRecords"] == 15 and body["count"] == len(body["data"])
        seen += [r["id"] for r in body["data"]]
        pages += 1
        token = body.get("$skipToken")
        if token is None:
            break
    assert pages == 4 and len(seen) == len(set(seen)) == 15
    assert seen == sorted(seen, key=str.lower)


def test_skip_offsets_the_rows(fleet):
    every = [r["id"] for r in graph(fleet, BASE + " | project id").json()["data"]]
    assert [r["id"] for r in graph(fleet, BASE + " | project id", options={"$skip": 13}).json()["data"]] == every[13:]


def test_a_skip_token_of_another_query_is_refused(fleet):
    token = graph(fleet, BASE, options={"$top": 1}).json()["$skipToken"]
    refused = graph(fleet, BASE + " | project id", options={"$skipToken": token})
    assert refused.status_code == 400


@pytest.mark.parametrize("query", [
    "resources",  # all resources: the emulator holds only workspaces
    "resources | where type =~ 'microsoft.storage/storageaccounts'",
    f"{BASE} | where name contains 'ws'",
    f"{BASE} | where name =~ 'a' or name =~ 'b'",
    f"{BASE} | summarize count() by location",
    f"{BASE} | project id, properties.workspaceId",
    f"{BASE} | project id | where name =~ 'x'",
    f"{BASE} | where name matches regex '('",
    "securityresources | where type =~ 'x'",
    f"{BASE} | where name =~ 'unterminated",
])
def test_anything_else_is_refused_in_resource_graphs_error_shape(fleet, query):
    refused = graph(fleet, query)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "BadRequest"
    assert error["message"].startswith("Please provide below info when asking for support: timestamp = ")
    assert error["details"][0]["code"] == "InvalidQuery"
    assert {"code", "message", "line", "characterPositionInLine", "token"} <= set(error["details"][1])


def test_a_parse_error_points_at_the_token():
    with pytest.raises(QueryError) as err:
        parse(f"{BASE} | where colour =~ 'red'")
    assert (err.value.token, err.value.position) == ("colour", len(BASE) + 10)


def test_every_answer_reports_the_user_quota(fleet):
    first = graph(fleet, BASE)
    second = graph(fleet, BASE)
    remaining = int(first.headers["x-ms-user-quota-remaining"])
    assert int(second.headers["x-ms-user-quota-remaining"]) == remaining - 1
    assert first.headers["x-ms-user-quota-resets-after"].count(":") == 2


def test_an_enforced_quota_answers_429_until_the_window_resets():
    now = [100.0]
    quota = UserQuota(queries=2, window=5.0, enforced=True, clock=lambda: now[0])
    assert [quota.take("me").allowed for _ in range(3)] == [True, True, False]
    assert quota.take("someone-else").allowed
    refused = quota.take("me")
    assert refused.headers() == {"x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:05"}
    now[0] += 5.0
    assert quota.take("me").allowed


def test_the_enforced_quota_over_https(fleet):
    fleet.backend.graph_quota.configure(enforced=True, queries=1, window=3600)
    assert graph(fleet, BASE).status_code == 200
    throttled = graph(fleet, BASE)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "RateLimiting"
    assert throttled.headers["x-ms-user-quota-remaining"] == "0"
    assert graph(fleet, BASE, "reader").status_code == 200  # per user


def test_the_quota_is_configured_through_the_admin_api(fleet):
    config = raw(fleet, "PUT", "/_emulator/config", token=None, params={},
                 body={"resourceGraphQuota": {"enforced": True, "queries": 15, "windowSeconds": 5}}).json()
    assert config["resourceGraphQuota"] == {"enforced": True, "queries": 15, "windowSeconds": 5.0}


def test_the_sdk_pages_through_the_answer(fleet):
    resourcegraph = pytest.importorskip("azure.mgmt.resourcegraph")
    from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions
    from conftest import ARM_SCOPES, _credential

    client = resourcegraph.ResourceGraphClient(_credential(fleet, "owner"), base_url=fleet.url,
                                               credential_scopes=ARM_SCOPES, connection_verify=fleet.ca_cert_path,
                                               api_version="2022-10-01")
    request = QueryRequest(query=BASE + PROJECT, subscriptions=[FLEET1, FLEET2],
                           options=QueryRequestOptions(top=5, result_format="objectArray"))
    first = client.resources(request)
    assert (first.total_records, first.count) == (8, 5) and first.skip_token
    request.options.skip_token = first.skip_token
    second = client.resources(request)
    assert second.count == 3 and second.skip_token is None
    assert {r["name"] for r in first.data + second.data} == {f"fleet{s}-ws{w}" for s in (1, 2) for w in range(1, 5)}
