"""The seeded world: defaults, seed files, and their errors."""

from __future__ import annotations

import json

import pytest
import yaml

from amlevents.core.errors import InvalidInputError
from amlevents.core.roles import EVENTSUBSCRIPTION_CONTRIBUTOR, OWNER
from amlevents.emulator.eventgrid.subscriptions import ParentRef
from amlevents.emulator.runtime.backend import Backend
from amlevents.emulator.runtime.seed import DEFAULT_SEED, load_seed

SUB, RG, WS = DEFAULT_SEED["subscriptionId"], "amlevents-local", "local-workspace"
REF = ParentRef(SUB, RG, None, "Microsoft.MachineLearningServices", "workspaces", WS)
WS_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/{WS}"


def test_default_world():
    world = load_seed()
    assert world.subscription_id == "00000000-0000-0000-0000-000000000000"
    assert [w.name for w in world.workspaces] == ["local-workspace", "local-workspace-2"]
    assert set(world.principals) == {"owner", "contributor", "reader", "eventsub-contributor", "nobody"}
    roles = {(world.principal_name(a.principal_id), a.role_definition) for a in world.role_assignments}
    assert ("owner", OWNER) in roles and ("eventsub-contributor", EVENTSUBSCRIPTION_CONTRIBUTOR) in roles
    assert not any(world.principal_name(a.principal_id) == "nobody" for a in world.role_assignments)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_seed_files_replace_the_world(tmp_path, suffix):
    doc = json.loads(json.dumps(DEFAULT_SEED))
    doc["workspaces"].append({"name": "third", "resourceGroup": "amlevents-local"})
    doc["roleAssignments"].append({"principal": "nobody", "role": "EventGrid EventSubscription Reader",
                                   "scope": "/subscriptions/{subscriptionId}"})
    path = tmp_path / f"seed{suffix}"
    path.write_text(yaml.safe_dump(doc) if suffix == ".yaml" else json.dumps(doc))
    world = load_seed(path)
    assert world.workspace("AMLEVENTS-LOCAL", "Third").location == "eastus"
    assert world.role_assignments[-1].scope == "/subscriptions/00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("subscriptionId"), "subscriptionId"),
        (lambda d: d["workspaces"].append({"name": "x", "resourceGroup": "nope"}), "resource group 'nope'"),
        (lambda d: d["roleAssignments"].append({"principal": "owner", "role": "Boss", "scope": "/"}), "unknown role"),
    ],
)
def test_bad_seed_documents_are_refused(change, message):
    doc = json.loads(json.dumps(DEFAULT_SEED))
    change(doc)
    with pytest.raises(InvalidInputError, match=message):
        load_seed(doc)


def test_unreadable_seed_file(tmp_path):
    bad = tmp_path / "seed.yaml"
    bad.write_text("a: [")
    with pytest.raises(InvalidInputError, match="not valid YAML"):
        load_seed(bad)


def seeded(*entries, workspace=0):
    doc = json.loads(json.dumps(DEFAULT_SEED))
    doc["workspaces"][workspace]["eventSubscriptions"] = list(entries)
    return doc


def test_a_seed_generates_zero_padded_subscription_names():
    world = load_seed(seeded({"count": 12, "namePrefix": "sub-", "endpoint": "https://example.com/h"},
                             {"name": "one", "endpoint": "https://example.com/1", "createdBy": "reader"}))
    first, second = world.event_subscriptions
    assert first.names[0] == "sub-01" and first.names[-1] == "sub-12" and len(first.names) == 12
    assert second.names == ("one",) and second.created_by == world.principals["reader"].object_id


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"count": 0, "namePrefix": "s-", "endpoint": "https://example.com/h"}, "'count' must be a positive"),
        ({"count": 3, "endpoint": "https://example.com/h"}, "'namePrefix'"),
        ({"name": "s1"}, "'endpoint'"),
        ({"name": "s1", "endpoint": "https://example.com/h", "createdBy": "ghost"}, "'createdBy'"),
        ({"count": 100_001, "namePrefix": "s-", "endpoint": "https://example.com/h"}, "at most 100000"),
    ],
)
def test_bad_seeded_subscriptions_are_refused(entry, message):
    with pytest.raises(InvalidInputError, match=message):
        load_seed(seeded(entry))


def test_seeded_subscriptions_are_written_once_and_listed_in_name_order():
    backend = Backend(seed=seeded({"count": 30, "namePrefix": "sub-", "endpoint": "https://example.com/h"},
                                  {"name": "Alpha", "endpoint": "https://example.com/a"}))
    with backend.store.transaction() as tx:  # written when the backend started, once
        assert backend.seed_event_subscriptions(tx) == 0
    listed = list(backend.list_event_subscriptions(REF))
    assert [s["name"] for s in listed] == ["Alpha"] + [f"sub-{i:02d}" for i in range(1, 31)]
    assert {s["properties"]["provisioningState"] for s in listed} == {"Succeeded"}
    assert listed[0]["properties"]["destination"]["properties"]["endpointBaseUrl"] == "https://example.com/a"
    assert backend.list_system_topics(DEFAULT_SEED["subscriptionId"], None)[0]["properties"]["source"] == WS_ID


def test_an_invalid_seeded_subscription_is_refused_without_its_secret():
    with pytest.raises(InvalidInputError, match="seed: an event subscription of workspace") as err:
        Backend(seed=seeded({"name": "s1", "endpoint": "http://example.com/h?code=s3cret"}))
    assert "s3cret" not in str(err.value)


def test_a_reset_brings_the_seeded_subscriptions_back(tmp_path):
    backend = Backend(seed=seeded({"count": 3, "namePrefix": "sub-", "endpoint": "https://example.com/h"}))
    with backend.store.transaction() as tx:
        tx.clear()  # as if they had been deleted
    assert list(backend.list_event_subscriptions(REF)) == []
    backend.reset()
    assert [s["name"] for s in backend.list_event_subscriptions(REF)] == ["sub-1", "sub-2", "sub-3"]
