"""core.audit: the finding rules for one event subscription, and a policy's required subscriptions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from amlevents.core.audit import (
    PolicyEntry,
    audit_subscription,
    identity_findings,
    missing_required,
)

NOW = datetime(2026, 1, 10, tzinfo=timezone.utc)
WS = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"
HEALTHY = {
    "provisioningState": "Succeeded",
    "destination": {"endpointType": "WebHook", "properties": {"endpointUrl": "https://example.com/h"}},
    "deadLetterDestination": {"endpointType": "StorageBlob", "properties": {"resourceId": "/x/sa",
                                                                           "blobContainerName": "dl"}},
    "filter": {"includedEventTypes": ["Microsoft.MachineLearningServices.ModelRegistered"]},
}


def kinds(**changes):
    props = {**HEALTHY, **changes}
    findings = audit_subscription(WS, {"name": "s", "properties": props}, now=NOW, expiring_within=timedelta(days=7))
    return sorted(f.kind for f in findings)


def test_a_healthy_subscription_has_no_findings():
    assert kinds() == []


@pytest.mark.parametrize(("changes", "kind"), [
    ({"provisioningState": "Failed"}, "provisioning-failed"),
    ({"provisioningState": "AwaitingManualAction"}, "provisioning-failed"),
    ({"expirationTimeUtc": "2026-01-09T00:00:00Z"}, "expired"),
    ({"expirationTimeUtc": "2026-01-15T00:00:00Z"}, "expiring"),
    ({"expirationTimeUtc": "2026-01-15T00:00:00.0000000Z"}, "expiring"),  # as Azure writes it
    ({"deadLetterDestination": None}, "no-dead-letter"),
    ({"filter": {"includedEventTypes": ["Microsoft.Storage.BlobCreated"]}}, "filter-lint"),
])
def test_each_kind_of_finding(changes, kind):
    assert kinds(**changes) == [kind]


UAI = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai"
SYSTEM = {"deliveryWithResourceIdentity": {"identity": {"type": "SystemAssigned"}}}
USER = {"deadLetterWithResourceIdentity": {"identity": {"type": "UserAssigned", "userAssignedIdentity": UAI}}}


@pytest.mark.parametrize(("props", "topic", "missing"), [
    (SYSTEM, None, True),
    (SYSTEM, {"name": "t", "identity": {"type": "None"}}, True),
    (SYSTEM, {"name": "t", "identity": {"type": "SystemAssigned, UserAssigned"}}, False),
    (USER, {"name": "t", "identity": {"type": "UserAssigned", "userAssignedIdentities": {UAI.upper(): {}}}}, False),
    (USER, {"name": "t", "identity": {"type": "SystemAssigned"}}, True),
    ({}, None, False),
])
def test_identity_the_system_topic_must_hold(props, topic, missing):
    findings = identity_findings(WS, {"name": "s", "properties": props}, topic)
    assert [f.kind for f in findings] == (["identity-missing"] if missing else [])


def test_expiry_beyond_the_window_is_not_reported():
    assert kinds(expirationTimeUtc="2026-03-01T00:00:00Z") == []


def test_findings_serialise_with_stable_keys_and_severity():
    finding = audit_subscription(WS, {"name": "s", "properties": {**HEALTHY, "provisioningState": "Failed"}},
                                 now=NOW, expiring_within=timedelta(days=7))[0]
    assert finding.to_dict() == {"workspace": WS, "subscription": "s", "kind": "provisioning-failed",
                                 "severity": "error", "message": "provisioning state is Failed"}


@pytest.mark.parametrize(("ref_args", "covered"), [
    ({"workspace": "ws", "resource_group": "RG", "subscription": None}, True),
    ({"workspace": None, "resource_group": "rg", "subscription": "s1"}, True),
    ({"workspace": "other", "resource_group": "rg", "subscription": None}, False),
    ({"workspace_id": WS}, True),
])
def test_policy_entries_cover_the_workspaces_they_name(ref_args, covered):
    assert PolicyEntry.from_ref_args(ref_args, ["x"]).covers(
        {"subscriptionId": "s1", "resourceGroup": "rg", "name": "ws"}) is covered


def test_a_required_subscription_absent_is_a_finding():
    entry = PolicyEntry(None, "rg", None, ("audit-hook", "present"))
    row = {"id": WS, "subscriptionId": "s1", "resourceGroup": "rg", "name": "ws"}
    findings = missing_required([entry], [row], {WS.lower(): {"present"}})
    assert [(f.workspace, f.subscription, f.kind) for f in findings] == [(WS, "audit-hook", "policy-missing")]
