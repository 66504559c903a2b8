"""The seeded world: defaults, seed files, and their errors."""

from __future__ import annotations

import json

import pytest
import yaml

from amlevents.core.errors import InvalidInputError
from amlevents.core.roles import EVENTSUBSCRIPTION_CONTRIBUTOR, OWNER
from amlevents.emulator.runtime.seed import DEFAULT_SEED, load_seed


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
