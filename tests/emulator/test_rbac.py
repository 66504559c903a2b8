"""Pure RBAC rules: wildcard actions, notActions, scope inheritance."""

from __future__ import annotations

import pytest

from amlevents.core.roles import (
    BUILTIN_ROLES,
    CONTRIBUTOR,
    EVENTSUBSCRIPTION_CONTRIBUTOR,
    READER,
)
from amlevents.emulator.authorization import rbac
from amlevents.emulator.runtime.seed import load_seed

ROLES = {r["name"]: rbac.Permission.from_wire(r["permissions"][0]) for r in BUILTIN_ROLES}
WS = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("*", "Microsoft.EventGrid/eventSubscriptions/write", True),
        ("*/read", "Microsoft.EventGrid/eventSubscriptions/read", True),
        ("*/read", "Microsoft.EventGrid/eventSubscriptions/write", False),
        ("Microsoft.EventGrid/eventSubscriptions/*", "Microsoft.EventGrid/eventSubscriptions/getFullUrl/action", True),
        ("Microsoft.EventGrid/eventSubscriptions/*", "Microsoft.EventGrid/systemTopics/eventSubscriptions/write",
         False),
        ("Microsoft.Authorization/*/read", "Microsoft.Authorization/roleAssignments/read", True),
        ("Microsoft.Authorization/*/read", "Microsoft.Authorization/roleAssignments/write", False),
        ("Microsoft.EventGrid/EventSubscriptions/Write", "microsoft.eventgrid/eventsubscriptions/write", True),
        ("Microsoft.EventGrid/eventSubscriptions/read", "Microsoft.EventGrid/eventSubscriptions/readx", False),
    ],
)
def test_action_patterns(pattern, action, expected):
    assert rbac.action_matches(pattern, action) is expected


def test_contributor_may_write_but_not_assign_roles():
    contributor = ROLES[CONTRIBUTOR]
    assert contributor.allows("Microsoft.EventGrid/eventSubscriptions/write")
    assert not contributor.allows("Microsoft.Authorization/roleAssignments/write")
    assert not contributor.allows("Microsoft.Authorization/elevateAccess/Action")


def test_reader_reads_only():
    assert ROLES[READER].allows("Microsoft.EventGrid/eventSubscriptions/read")
    assert not ROLES[READER].allows("Microsoft.EventGrid/eventSubscriptions/getFullUrl/action")


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("Microsoft.EventGrid/eventSubscriptions/write", True),
        ("Microsoft.EventGrid/eventSubscriptions/getDeliveryAttributes/action", True),
        ("Microsoft.EventGrid/systemTopics/eventSubscriptions/write", True),  # the newer action list
        ("Microsoft.EventGrid/systemTopics/write", False),
        ("Microsoft.MachineLearningServices/workspaces/read", False),
    ],
)
def test_eventsubscription_contributor(action, expected):
    assert ROLES[EVENTSUBSCRIPTION_CONTRIBUTOR].allows(action) is expected


def test_not_actions_only_subtract_from_their_own_block():
    blocks = [rbac.Permission(("*",), ("Microsoft.Authorization/*/Write",)), rbac.Permission(("*",))]
    assert rbac.is_allowed(blocks, "Microsoft.Authorization/roleAssignments/write")


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        ("/subscriptions/s", WS, True),
        ("/subscriptions/S/resourcegroups/RG", WS, True),
        (WS, WS + "/providers/Microsoft.EventGrid/eventSubscriptions/x", True),
        ("/subscriptions/s/resourceGroups/r", WS, False),  # a prefix, not a parent
        (WS, "/subscriptions/s/resourceGroups/rg", False),
        ("/", WS, True),
        ("/subscriptions/s//resourceGroups/rg/", WS, True),
    ],
)
def test_scope_contains(outer, inner, expected):
    assert rbac.scope_contains(outer, inner) is expected


def test_effective_permissions_come_from_every_scope_above():
    world = load_seed()
    scope = world.workspaces[0].id + "/providers/Microsoft.EventGrid/eventSubscriptions/x"
    oid = world.principals["eventsub-contributor"].object_id
    blocks = rbac.effective_permissions(world.role_assignments, world.role_definitions, oid, scope)
    assert rbac.is_allowed(blocks, "Microsoft.EventGrid/eventSubscriptions/write")
    other = scope.replace("local-workspace/", "local-workspace-2/")
    assert rbac.effective_permissions(world.role_assignments, world.role_definitions, oid, other) == []
