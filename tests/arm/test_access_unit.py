"""The actions each write needs, the built-in roles that grant them, and who the caller is."""

from __future__ import annotations

import pytest

from amlevents.arm.access import (
    DELETE,
    TOPIC_SUB_DELETE,
    TOPIC_SUB_WRITE,
    TOPIC_WRITE,
    WRITE,
    AccessVerdict,
    Identity,
    required_actions,
    roles_granting,
)


@pytest.mark.parametrize(
    ("operation", "system_topic", "create_topic", "actions"),
    [
        ("create", False, False, [WRITE]),
        ("update", False, False, [WRITE]),
        ("delete", False, False, [DELETE]),
        ("create", False, True, [WRITE]),
        ("create", True, False, [TOPIC_SUB_WRITE]),
        ("update", True, False, [TOPIC_SUB_WRITE]),
        ("delete", True, False, [TOPIC_SUB_DELETE]),
        ("create", True, True, [TOPIC_WRITE, TOPIC_SUB_WRITE]),
    ],
)
def test_required_actions(operation, system_topic, create_topic, actions):
    assert required_actions(operation, system_topic=system_topic, create_topic=create_topic) == actions


@pytest.mark.parametrize("action", [WRITE, DELETE, TOPIC_SUB_WRITE, TOPIC_SUB_DELETE])
def test_subscription_writes_are_granted_by_the_eventsubscription_role_and_the_broad_ones(action):
    assert roles_granting([action]) == ["EventGrid EventSubscription Contributor", "EventGrid Contributor",
                                        "Contributor", "Owner"]


def test_creating_a_system_topic_needs_more_than_the_eventsubscription_role():
    granting = roles_granting([TOPIC_WRITE, TOPIC_SUB_WRITE])
    assert "EventGrid EventSubscription Contributor" not in granting
    assert {"Contributor", "Owner"} <= set(granting)


def test_actions_compare_case_insensitively():
    assert roles_granting(["microsoft.eventgrid/eventsubscriptions/WRITE"]) == roles_granting([WRITE])


def test_no_suggested_role_grants_role_assignment_writes_but_owner():
    assert roles_granting(["Microsoft.Authorization/roleAssignments/write"]) == ["Owner"]


@pytest.mark.parametrize(
    ("claims", "label", "expected"),
    [
        ({"oid": "o-1", "upn": "ada@contoso.com", "appid": "a-1"}, None, Identity("o-1", "ada@contoso.com")),
        ({"oid": "o-1", "unique_name": "live.com#ada@outlook.com"}, None, Identity("o-1", "live.com#ada@outlook.com")),
        ({"oid": "o-1", "preferred_username": "ada@contoso.com"}, None, Identity("o-1", "ada@contoso.com")),
        ({"oid": "o-2", "appid": "a-2"}, None, Identity("o-2", "application a-2")),
        ({"oid": "o-2", "azp": "a-3"}, None, Identity("o-2", "application a-3")),
        ({"oid": "o-3"}, None, Identity("o-3", "object o-3")),
        ({}, None, Identity(None, "unknown")),
        ({"oid": "o-1", "upn": "ada@contoso.com"}, "reader", Identity("o-1", "reader")),
    ],
    ids=["user", "guest", "preferred-username", "app", "app-v2", "bare-oid", "nothing", "label"],
)
def test_identity_from_claims(claims, label, expected):
    assert Identity.from_claims(claims, label=label) == expected


def test_a_verdict_with_nothing_missing_is_allowed():
    verdict = AccessVerdict(Identity("o-1", "ada"), "/scope", [WRITE], [], None)
    assert verdict.allowed
    assert verdict.to_dict() == {"identity": "ada", "objectId": "o-1", "scope": "/scope", "actions": [WRITE],
                                 "allowed": True, "missing": [], "roles": None, "rolesThatGrant": []}


def test_a_verdict_with_something_missing_is_refused():
    assert not AccessVerdict(Identity("o-1", "ada"), "/scope", [WRITE], [WRITE], ["Reader (at /)"]).allowed


# --- AccessChecker against the emulator -----------------------------------------------------------------------


@pytest.fixture
def checker(emulator_session):
    from amlevents.arm.access import AccessChecker

    def make(principal: str) -> AccessChecker:
        return AccessChecker(emulator_session(principal))

    return make


def permission_reads(server) -> list[str]:
    return [r["path"].lower() for r in server.app.requests()
            if r["path"].endswith("/Microsoft.Authorization/permissions")]


def test_the_checker_reads_permissions_once_per_scope(emulator, checker):
    from amlevents.cli.wiring import DEFAULT_EMULATOR_WORKSPACE as WS

    owner = checker("owner")
    verdicts = [owner.check(WS, [WRITE]), owner.check(WS, [DELETE]),
                owner.check(WS, [TOPIC_WRITE, TOPIC_SUB_WRITE], system_topic=True)]
    assert [v.allowed for v in verdicts] == [True, True, True]
    assert [v.roles for v in verdicts] == [None, None, None]  # nothing missing: no role lookups
    group = f"/subscriptions/{WS.subscription_id}/resourceGroups/{WS.resource_group}"
    assert permission_reads(emulator) == [f"{scope}/providers/microsoft.authorization/permissions".lower()
                                          for scope in (WS.id, group)]


def test_a_reader_is_refused_with_its_roles_and_the_roles_that_would_grant(checker):
    from amlevents.cli.wiring import DEFAULT_EMULATOR_WORKSPACE as WS

    verdict = checker("reader").check(WS, [WRITE])
    assert (verdict.allowed, verdict.missing) == (False, [WRITE])
    assert [r.split(" (at ")[0] for r in verdict.roles] == ["Reader"]
    assert "EventGrid EventSubscription Contributor" in verdict.granting_roles


def test_the_eventsubscription_role_on_the_workspace_cannot_create_a_system_topic(checker):
    from amlevents.cli.wiring import DEFAULT_EMULATOR_WORKSPACE as WS

    contributor = checker("eventsub-contributor")
    assert contributor.check(WS, [WRITE]).allowed
    verdict = contributor.check(WS, [TOPIC_WRITE, TOPIC_SUB_WRITE], system_topic=True)
    assert TOPIC_WRITE in verdict.missing
    assert verdict.granting_roles == ["EventGrid Contributor", "Contributor", "Owner"]


def test_a_caller_who_may_not_read_role_assignments_has_unknown_roles(checker):
    from amlevents.cli.wiring import DEFAULT_EMULATOR_WORKSPACE as WS

    verdict = checker("nobody").check(WS, [WRITE])
    assert (verdict.allowed, verdict.roles) == (False, None)
