"""A system topic created for a subscription that delivers with a managed identity holds that identity: Event Grid
delivers with the topic's identity, so a topic without it cannot deliver."""

from __future__ import annotations

import json

import pytest

from amlevents.arm.subscriptions import identities_of, topic_identity

UAI = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ml"


@pytest.mark.parametrize(("identities", "expected"), [
    ([], None),
    ([{"type": "SystemAssigned"}], {"type": "SystemAssigned"}),
    ([{"type": "UserAssigned", "userAssignedIdentity": UAI}],
     {"type": "UserAssigned", "userAssignedIdentities": {UAI: {}}}),
    ([{"type": "SystemAssigned"}, {"type": "UserAssigned", "userAssignedIdentity": UAI}],
     {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {UAI: {}}}),
])
def test_the_topic_identity_covers_every_identity_used(identities, expected):
    assert topic_identity(identities) == expected


def test_identities_come_from_delivery_and_dead_letter():
    props = {"deliveryWithResourceIdentity": {"identity": {"type": "SystemAssigned"}},
             "deadLetterWithResourceIdentity": {"identity": {"type": "UserAssigned", "userAssignedIdentity": UAI}}}
    assert identities_of(props) == [{"type": "SystemAssigned"},
                                    {"type": "UserAssigned", "userAssignedIdentity": UAI}]


def test_create_with_delivery_identity_under_a_new_topic_gives_the_topic_that_identity(run, cli_emulator):
    writes = json.loads(run.ok(
        "subscription", "create", "to-hub", "--system-topic", "--delivery-identity", "systemassigned",
        "--endpoint-type", "eventhub", "--endpoint",
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlevents-local/providers/"
        "Microsoft.EventHub/namespaces/ns/eventhubs/h", "--dry-run", "-o", "json").stdout)
    assert writes[0]["body"]["identity"] == {"type": "SystemAssigned"}
    run.ok("subscription", "create", "to-hub", "--system-topic", "--delivery-identity", "systemassigned",
           "--endpoint-type", "eventhub", "--endpoint",
           "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlevents-local/providers/"
           "Microsoft.EventHub/namespaces/ns/eventhubs/h", "-o", "none")
    topic = [r for r in cli_emulator.app.requests() if r["method"] == "PUT" and "/systemTopics/" in r["path"]
             and "/eventSubscriptions/" not in r["path"]][-1]
    assert topic["body"]["identity"] == {"type": "SystemAssigned"}
