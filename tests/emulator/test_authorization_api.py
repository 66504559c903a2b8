"""Microsoft.Authorization through AuthorizationManagementClient: permissions, role assignments, definitions."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from emulator_support import NS, RG, SCOPE, SUB, WS, raw

from amlevents.core.roles import (
    CONTRIBUTOR,
    EVENTSUBSCRIPTION_CONTRIBUTOR,
    OWNER,
    READER,
)


def test_permissions_for_the_workspace_with_the_double_slash_quirk(emulator, authorization_client):
    client = authorization_client(emulator)
    permissions = [p.as_dict() for p in client.permissions.list_for_resource(RG, NS, "", "workspaces", WS)]
    assert permissions == [{"actions": ["*"], "not_actions": [], "data_actions": [], "not_data_actions": []}]
    doubled = raw(emulator, "GET", f"/subscriptions/{SUB}/resourcegroups/{RG}/providers/{NS}//workspaces/{WS}"
                                   "/providers/Microsoft.Authorization/permissions")
    assert doubled.status_code == 200 and doubled.json()["value"][0]["actions"] == ["*"]


def test_permissions_include_every_role_at_or_above_the_scope(emulator, authorization_client):
    client = authorization_client(emulator, "eventsub-contributor")
    (block,) = client.permissions.list_for_resource(RG, NS, "", "workspaces", WS)
    assert "Microsoft.EventGrid/eventSubscriptions/*" in block.actions
    assert list(client.permissions.list_for_resource(RG, NS, "", "workspaces", "local-workspace-2")) == []
    contributor = authorization_client(emulator, "contributor").permissions.list_for_resource_group(RG)
    assert "Microsoft.Authorization/*/Write" in next(iter(contributor)).not_actions


def test_nobody_gets_an_empty_permission_list(emulator, authorization_client):
    assert list(authorization_client(emulator, "nobody").permissions.list_for_resource_group(RG)) == []


def _roles(assignments):
    return sorted(a.role_definition_id.rsplit("/", 1)[1] for a in assignments)


def test_role_assignments_at_scope_include_inherited_ones(emulator, authorization_client):
    found = authorization_client(emulator).role_assignments.list_for_scope(SCOPE, filter="atScope()")
    assert _roles(found) == sorted([OWNER, CONTRIBUTOR, READER, EVENTSUBSCRIPTION_CONTRIBUTOR])


def test_role_assignments_assigned_to_a_principal(emulator, authorization_client):
    oid = emulator.principals["eventsub-contributor"]
    found = list(authorization_client(emulator).role_assignments.list_for_scope(SCOPE, filter=f"assignedTo('{oid}')"))
    assert _roles(found) == [EVENTSUBSCRIPTION_CONTRIBUTOR]
    assert found[0].scope == SCOPE and found[0].principal_type == "ServicePrincipal"


def test_role_assignments_by_principal_id_include_those_below(emulator, authorization_client):
    oid = emulator.principals["eventsub-contributor"]
    client = authorization_client(emulator)
    assert _roles(client.role_assignments.list_for_scope(f"/subscriptions/{SUB}", filter=f"principalId eq '{oid}'")) \
        == [EVENTSUBSCRIPTION_CONTRIBUTOR]
    assert list(client.role_assignments.list_for_scope(f"/subscriptions/{SUB}",
                                                       filter=f"atScope() and assignedTo('{oid}')")) == []


def test_role_assignments_need_read_permission(emulator, authorization_client):
    with pytest.raises(HttpResponseError, match="roleAssignments/read"):
        list(authorization_client(emulator, "nobody").role_assignments.list_for_scope(SCOPE))


def test_role_definitions_get_and_list(emulator, authorization_client):
    client = authorization_client(emulator)
    owner = client.role_definitions.get(f"/subscriptions/{SUB}", OWNER)
    assert (owner.role_name, owner.permissions[0].actions) == ("Owner", ["*"])
    assert owner.id == f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"
    (found,) = client.role_definitions.list(f"/subscriptions/{SUB}",
                                            filter="roleName eq 'EventGrid EventSubscription Contributor'")
    assert found.name == EVENTSUBSCRIPTION_CONTRIBUTOR
    assert len(list(client.role_definitions.list(f"/subscriptions/{SUB}"))) >= 7


def test_unknown_role_definition_is_404(emulator, authorization_client):
    with pytest.raises(HttpResponseError) as err:
        authorization_client(emulator).role_definitions.get(f"/subscriptions/{SUB}",
                                                            "00000000-1111-2222-3333-444444444444")
    assert err.value.status_code == 404
