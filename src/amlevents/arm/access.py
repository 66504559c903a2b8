"""The effective-permission check before a write, and who the caller is.

One ``permissions`` request per scope (cached for the process) gives the caller's permission blocks; an action
is allowed when an ``actions`` pattern matches it and no ``notActions`` pattern of the same block does
(``amlevents.core.access``, the same code the emulator authorizes with). Role names for messages come from the
caller's role assignments at the workspace (best effort: a caller who may not read them gets "unknown").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from amlevents.arm.errors import translate_errors
from amlevents.arm.session import Session
from amlevents.core.access import Permission, is_allowed, roles_granting
from amlevents.core.errors import AccessDeniedError
from amlevents.core.workspace import WorkspaceRef

WRITE = "Microsoft.EventGrid/eventSubscriptions/write"
DELETE = "Microsoft.EventGrid/eventSubscriptions/delete"
TOPIC_WRITE = "Microsoft.EventGrid/systemTopics/write"
TOPIC_SUB_WRITE = "Microsoft.EventGrid/systemTopics/eventSubscriptions/write"
TOPIC_SUB_DELETE = "Microsoft.EventGrid/systemTopics/eventSubscriptions/delete"
PERMISSIONS_API = "2022-04-01"  # Microsoft.Authorization's permissions API, as azure-mgmt-authorization sends it


def required_actions(operation: str, *, system_topic: bool = False, create_topic: bool = False) -> list[str]:
    """The actions ``operation`` (create, update, delete) needs, on the workspace scope or a system topic."""
    if operation not in ("create", "update", "delete"):
        raise ValueError(f"unknown operation {operation!r}")
    if not system_topic:
        return [DELETE if operation == "delete" else WRITE]
    actions = [TOPIC_SUB_DELETE if operation == "delete" else TOPIC_SUB_WRITE]
    return ([TOPIC_WRITE] if create_topic and operation == "create" else []) + actions


@dataclass
class Identity:
    """Who the signed-in caller is, from the token's claims."""

    object_id: str | None
    display: str

    @classmethod
    def from_claims(cls, claims: dict[str, Any], *, label: str | None = None) -> Identity:
        oid = claims.get("oid")
        name = claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username")
        app = claims.get("appid") or claims.get("azp")
        display = label or name or (f"application {app}" if app else None) or (f"object {oid}" if oid else "unknown")
        return cls(oid, display)


@dataclass
class AccessVerdict:
    """The outcome of a check: what was needed, what is missing, and the roles involved."""

    identity: Identity
    scope: str
    actions: list[str]
    missing: list[str]
    roles: list[str] | None  # None: the caller may not read its role assignments
    granting_roles: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.missing

    def to_dict(self) -> dict[str, Any]:
        return {
            "identity": self.identity.display,
            "objectId": self.identity.object_id,
            "scope": self.scope,
            "actions": self.actions,
            "allowed": self.allowed,
            "missing": self.missing,
            "roles": self.roles,
            "rolesThatGrant": self.granting_roles,
        }


class AccessChecker:
    """Effective permissions of the caller, cached per scope for the life of the process."""

    def __init__(self, session: Session, *, label: str | None = None) -> None:
        self.session = session
        self.label = label
        self._blocks: dict[str, list[Permission]] = {}
        self._roles: dict[str, list[str] | None] = {}
        self._identity: Identity | None = None

    @property
    def identity(self) -> Identity:
        if self._identity is None:
            self._identity = Identity.from_claims(self.session.token_claims(), label=self.label)
        return self._identity

    @staticmethod
    def scope(workspace: WorkspaceRef, system_topic: bool = False) -> str:
        """Where the permissions are read: the workspace, or its resource group (where system topics live)."""
        return workspace.id if not system_topic else workspace.id.rsplit("/providers/", 1)[0]

    def permissions(self, workspace: WorkspaceRef, *, resource_group_scope: bool = False) -> list[Permission]:
        """The caller's permission blocks on the workspace (or its resource group, for system topics)."""
        key = self.scope(workspace, resource_group_scope).lower()
        if key not in self._blocks:
            with translate_errors(f"read your permissions on '{key}'"):
                self._blocks[key] = [Permission.from_wire(p) for p in self._read(workspace, resource_group_scope)]
        return self._blocks[key]

    def _read(self, workspace: WorkspaceRef, resource_group_scope: bool) -> list[dict[str, Any]]:
        """The permissions list (Permissions - List For Resource / For Resource Group) as the service sent it, read
        through the session's lean pipeline: every write checks access first, and the authorization client (its
        import, construction and models) was a tenth of a create's start-up for one small list."""
        from amlevents.arm.subscriptions import send_json

        scope = self.scope(workspace, resource_group_scope)
        url: str | None = f"{scope}/providers/Microsoft.Authorization/permissions?api-version={PERMISSIONS_API}"
        pipeline = self.session.lean(workspace.subscription_id)
        items: list[dict[str, Any]] = []
        while url:
            page = send_json(pipeline, "GET", url) or {}
            items += page.get("value") or []
            url = page.get("nextLink")  # ARM's next link carries its own api-version
        return items

    def allowed_in_group(self, workspace: WorkspaceRef, actions: list[str]) -> bool:
        """Whether the permissions already read at the workspace's resource group allow every one of ``actions``
        (then they hold at the workspace too: role assignments only add); False when that group's were not read."""
        blocks = self._blocks.get(self.scope(workspace, True).lower())
        return blocks is not None and all(is_allowed(blocks, a) for a in actions)

    def role_names(self, workspace: WorkspaceRef) -> list[str] | None:
        """Names of the roles the caller holds at the workspace (inherited included), or None if unreadable."""
        oid = self.identity.object_id
        if not oid:
            return None
        key = workspace.id.lower()
        if key not in self._roles:
            self._roles[key] = self._read_role_names(workspace, oid)
        return self._roles[key]

    def _read_role_names(self, workspace: WorkspaceRef, oid: str) -> list[str] | None:
        from azure.core.exceptions import HttpResponseError

        client = self.session.authorization(workspace.subscription_id)
        try:
            assignments = list(client.role_assignments.list_for_scope(workspace.id, filter=f"assignedTo('{oid}')"))
            names = []
            for a in assignments:
                definition = client.role_definitions.get_by_id(a.role_definition_id)
                names.append(f"{definition.role_name} (at {a.scope})")
            return names
        except HttpResponseError:
            return None

    def check(self, workspace: WorkspaceRef, actions: list[str], *, system_topic: bool = False,
              with_roles: bool = False) -> AccessVerdict:
        """Whether the caller may perform every one of ``actions`` there.

        Role names cost two more requests, so they are looked up only when something is missing or
        ``with_roles`` asks for them.
        """
        blocks = self.permissions(workspace, resource_group_scope=system_topic)
        missing = [a for a in actions if not is_allowed(blocks, a)]
        verdict = AccessVerdict(self.identity, self.scope(workspace, system_topic), actions, missing, None)
        if missing or with_roles:
            verdict.roles = self.role_names(workspace)
        verdict.granting_roles = roles_granting(missing or actions)
        return verdict


def access_denied(verdict: AccessVerdict, operation: str) -> AccessDeniedError:
    """The exit-4 error: who, which action, where, which roles are held, which would grant it."""
    who = verdict.identity.display + (f" (object id {verdict.identity.object_id})"
                                       if verdict.identity.object_id and verdict.identity.object_id
                                       not in verdict.identity.display else "")
    held = ", ".join(verdict.roles) if verdict.roles else ("none" if verdict.roles == [] else "unknown (cannot read "
                                                                                              "role assignments)")
    grant = " or ".join(verdict.granting_roles) or "a role with these actions"
    assignee = verdict.identity.object_id or "<object id>"
    role = verdict.granting_roles[0] if verdict.granting_roles else "Contributor"
    on_workspace = "/providers/" in verdict.scope  # else the resource group (the system-topic path)
    return AccessDeniedError(
        f"{who} may not {operation} event subscriptions here: missing permission "
        f"{', '.join(verdict.missing)} on scope {verdict.scope}. Roles held "
        f"{'there' if on_workspace else 'on the workspace'}: {held}",
        hint=f"{grant} on the {'workspace' if on_workspace else 'resource group'} grants it; ask an Owner to run: "
        "az role assignment create --assignee "
        f"{assignee} --role \"{role}\" --scope {verdict.scope}. No write request was sent",
        code="AuthorizationFailed",
    )
