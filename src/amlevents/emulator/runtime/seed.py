"""The emulator's seeded world: Azure subscriptions with resource groups and AML workspaces, and principals.

The default world is one Azure subscription, a resource group, two AML workspaces and five principals:

Default world (``DEFAULT_SEED``)::

    subscription  00000000-0000-0000-0000-000000000000   tenant aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa
    resource group amlevents-local (eastus)
        Microsoft.MachineLearningServices/workspaces/local-workspace    (eastus)
        Microsoft.MachineLearningServices/workspaces/local-workspace-2  (eastus)

    principal             object id                              role assignment
    owner                 11111111-1111-4111-8111-111111111111   Owner at the subscription
    contributor           22222222-2222-4222-8222-222222222222   Contributor at the resource group
    reader                33333333-3333-4333-8333-333333333333   Reader at the subscription
    eventsub-contributor  44444444-4444-4444-8444-444444444444   EventGrid EventSubscription Contributor
                                                                 at local-workspace
    nobody                55555555-5555-4555-8555-555555555555   (none)

Each principal can also sign in as a service principal (client-credentials grant, ``identity/endpoints.py``): its
client id is its object id with the first character replaced by ``c`` (owner: ``c1111111-1111-4111-8111-111111111111``)
and its secret is ``local-<name>-secret`` (``local-owner-secret``), unless the seed gives ``clientId``/``clientSecret``.

A seed file (YAML or JSON) has the same shape as ``DEFAULT_SEED`` and replaces it whole::

    subscriptionId: 00000000-0000-0000-0000-000000000000
    subscriptionDisplayName: amlevents local          # optional
    tenantId: aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa
    resourceGroups:   [{name: amlevents-local, location: eastus}]
    workspaces:       [{name: local-workspace, resourceGroup: amlevents-local, location: eastus}]  # location
                                                      # defaults to the resource group's
                      # optional eventSubscriptions per workspace, written at start (one transaction), each
                      #   {name: s1, endpoint: "https://example.com/h"}  or  {name: s1, properties: {...}}  (ARM's
                      #   PUT properties), or a generator {count: 10000, namePrefix: sub-, endpoint: ...} naming
                      #   sub-00001 ... sub-10000; optional createdBy: a principal name (default: the first)
    principals:       {owner: {objectId: 1111…, type: User}}          # name -> object id (and principal type);
                      # optional clientId and clientSecret for the service-principal sign-in, and
                      # federatedCredentials: [{issuer, subject}] for workload identity (none: any is accepted)
    roleDefinitions:  []        # optional custom roles: {name: <guid>, roleName, description, permissions: [...]}
    roleAssignments:  [{principal: owner, role: Owner, scope: "/subscriptions/{subscriptionId}"}]
                      # principal: a name from principals or an object id; role: a role name or GUID (built-in
                      # roles are always known); scope: an ARM id, "{subscriptionId}" is substituted; name: optional
                      # GUID of the assignment (derived from principal, role and scope otherwise)

Many Azure subscriptions (all optional; the one-subscription fields above, when present, are the first)::

    subscriptions:    [{subscriptionId, displayName?, resourceGroups, workspaces, roleAssignments?}]
                      # each as above; "{subscriptionId}" in its roleAssignments is its own id (the top-level
                      # roleAssignments substitute the first subscription's); workspaces may carry tags: {k: v}
    fleet:            {subscriptions: 20, workspacesPerSubscription: 50, eventSubscriptionsPerWorkspace: 5, ...}
                      # generated subscriptions, deterministic (``fleet.py``); a seed of only ``fleet`` takes the
                      # default tenant and principals

``World.subscription_id`` (and ``display_name``, ``resource_groups``) are the first subscription's, so everything
written for one subscription keeps working; ``World.subscriptions`` holds every one, ``World.workspaces`` the
workspaces of all, each with its ``subscription_id``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amlevents.core.errors import InvalidInputError
from amlevents.core.roles import BUILTIN_ROLES, EVENTSUBSCRIPTION_CONTRIBUTOR
from amlevents.core.workspace import PROVIDER, RESOURCE_TYPE, WorkspaceRef
from amlevents.emulator.runtime.fleet import expand as expand_fleet

WORKSPACE_TYPE = f"{PROVIDER}/{RESOURCE_TYPE}"
SEEDED_AT = "2024-01-01T00:00:00.0000000Z"  # a fixed, plausible creation time for seeded resources
SEED_TIME = 1704067200.0  # SEEDED_AT as a POSIX time
_NS = uuid.UUID("5b0c2a52-6d0e-4c38-9d0b-6a1e2f3c4d5e")  # namespace for derived, stable GUIDs

DEFAULT_SEED: dict[str, Any] = {
    "subscriptionId": "00000000-0000-0000-0000-000000000000",
    "subscriptionDisplayName": "amlevents local",
    "tenantId": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
    "resourceGroups": [{"name": "amlevents-local", "location": "eastus"}],
    "workspaces": [
        {"name": "local-workspace", "resourceGroup": "amlevents-local", "location": "eastus"},
        {"name": "local-workspace-2", "resourceGroup": "amlevents-local", "location": "eastus"},
    ],
    "principals": {
        "owner": {"objectId": "11111111-1111-4111-8111-111111111111", "type": "User"},
        "contributor": {"objectId": "22222222-2222-4222-8222-222222222222", "type": "User"},
        "reader": {"objectId": "33333333-3333-4333-8333-333333333333", "type": "User"},
        "eventsub-contributor": {"objectId": "44444444-4444-4444-8444-444444444444", "type": "ServicePrincipal"},
        "nobody": {"objectId": "55555555-5555-4555-8555-555555555555", "type": "User"},
    },
    "roleDefinitions": [],
    "roleAssignments": [
        {"principal": "owner", "role": "Owner", "scope": "/subscriptions/{subscriptionId}"},
        {
            "principal": "contributor",
            "role": "Contributor",
            "scope": "/subscriptions/{subscriptionId}/resourceGroups/amlevents-local",
        },
        {"principal": "reader", "role": "Reader", "scope": "/subscriptions/{subscriptionId}"},
        {
            "principal": "eventsub-contributor",
            "role": EVENTSUBSCRIPTION_CONTRIBUTOR,
            "scope": "/subscriptions/{subscriptionId}/resourceGroups/amlevents-local/providers/"
            "Microsoft.MachineLearningServices/workspaces/local-workspace",
        },
    ],
}

DEFAULT_PRINCIPALS: dict[str, str] = {n: p["objectId"] for n, p in DEFAULT_SEED["principals"].items()}
DEFAULT_TENANT_ID: str = DEFAULT_SEED["tenantId"]


@dataclass(frozen=True)
class ResourceGroup:
    """A seeded resource group."""

    name: str
    location: str


@dataclass(frozen=True)
class Workspace:
    """A seeded AML workspace; ``id`` is its canonical ARM id."""

    name: str
    resource_group: str
    location: str
    id: str
    workspace_id: str  # the workspace's own GUID (properties.workspaceId)
    subscription_id: str = ""  # the Azure subscription it lives in (as seeded)
    tags: tuple[tuple[str, str], ...] = ()  # (name, value) pairs, in seed order (a tuple: workspaces are hashable)


@dataclass(frozen=True)
class Principal:
    """A seeded identity: a name for humans, an object id for tokens."""

    name: str
    object_id: str
    type: str
    client_id: str = ""  # the application (client) id of its service-principal sign-in
    client_secret: str = ""
    # (issuer, subject) pairs a federated token may present (workload identity); empty: any issuer and subject
    federated: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RoleAssignment:
    """One role assignment: principal object id, role definition GUID, scope (an ARM id)."""

    name: str
    principal_id: str
    principal_type: str
    role_definition: str
    scope: str


MAX_SEEDED_SUBSCRIPTIONS = 100_000  # per seed: a larger world is a typo, and would take minutes to write


@dataclass(frozen=True)
class SeededSubscriptions:
    """Event subscriptions a seed puts on a workspace: their names, the PUT ``properties`` they share, and the
    principal recorded as their creator."""

    workspace: Workspace
    names: tuple[str, ...]
    properties: dict[str, Any]
    created_by: str  # object id


@dataclass(frozen=True)
class AzureSubscription:
    """One seeded Azure subscription: its id, display name and resource groups."""

    subscription_id: str
    display_name: str
    resource_groups: dict[str, ResourceGroup]  # lower-case name -> group


@dataclass(frozen=True)
class World:
    """The static part of the emulator's state, built from a seed document.

    ``subscription_id``, ``display_name`` and ``resource_groups`` are the first Azure subscription's (the one a
    one-subscription seed describes); ``subscriptions`` holds every one, and ``workspaces`` those of all of them.
    """

    subscription_id: str
    tenant_id: str
    display_name: str
    resource_groups: dict[str, ResourceGroup]  # lower-case name -> group (the first subscription's)
    workspaces: tuple[Workspace, ...]  # in seed order
    principals: dict[str, Principal]  # name -> principal
    role_definitions: dict[str, dict[str, Any]]  # lower-case GUID -> definition (seed shape)
    role_assignments: tuple[RoleAssignment, ...]
    document: dict[str, Any]  # the seed document it was built from
    event_subscriptions: tuple[SeededSubscriptions, ...] = ()  # written into the store at start
    subscriptions: dict[str, AzureSubscription] = field(default_factory=dict)  # lower-case id -> subscription
    # (subscription, resource group, name), lower-case -> workspace: lookups stay O(1) at fleet size
    by_key: dict[tuple[str, str, str], Workspace] = field(default_factory=dict, compare=False, repr=False)

    def subscription(self, subscription_id: str) -> AzureSubscription | None:
        """The seeded Azure subscription with this id (any case), or None."""
        return self.subscriptions.get(subscription_id.lower())

    def principal(self, object_id: str) -> Principal | None:
        """The seeded principal with this object id (any case), or None."""
        oid = object_id.lower()
        return next((p for p in self.principals.values() if p.object_id.lower() == oid), None)

    def principal_name(self, object_id: str) -> str | None:
        """The seeded name of an object id, or None for an unknown principal."""
        principal = self.principal(object_id)
        return None if principal is None else principal.name

    def client(self, client_id: str) -> Principal | None:
        """The principal signing in with this application (client) id (any case), or None."""
        cid = client_id.lower()
        return next((p for p in self.principals.values() if p.client_id.lower() == cid), None)

    def workspace(self, resource_group: str, name: str, subscription_id: str | None = None) -> Workspace | None:
        """The seeded workspace with this resource group and name (any case) in ``subscription_id`` (default: the
        first subscription), or None."""
        sub = (subscription_id or self.subscription_id).lower()
        return self.by_key.get((sub, resource_group.lower(), name.lower()))


def default_client_id(object_id: str) -> str:
    """The documented client id of a seeded principal: its object id with a ``c`` in front (first character
    replaced), so ``11111111-…`` signs in as ``c1111111-…``; a non-GUID object id gets a derived GUID."""
    if len(object_id) == 36 and object_id.count("-") == 4:
        return "c" + object_id[1:].lower()
    return str(uuid.uuid5(_NS, f"client|{object_id}".lower()))


def load_seed(seed: str | Path | dict[str, Any] | None = None) -> World:
    """Build the world from a seed document, a YAML/JSON seed file path, or the default seed (``None``)."""
    if seed is None:
        return build_world(DEFAULT_SEED)
    if isinstance(seed, dict):
        return build_world(seed)
    path = Path(seed)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"cannot read the seed file {path}: {exc.strerror}") from exc
    if path.suffix.lower() == ".json":
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise InvalidInputError(f"the seed file {path} is not valid JSON: {exc}") from exc
    else:
        import yaml  # only when a YAML seed file asks for it

        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidInputError(f"the seed file {path} is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise InvalidInputError(f"the seed file {path} must hold a mapping at the top level")
    return build_world(doc)


def _need(doc: dict[str, Any], key: str, kind: type, where: str = "seed") -> Any:
    value = doc.get(key)
    if not isinstance(value, kind):
        raise InvalidInputError(f"{where}: '{key}' must be a {kind.__name__}")
    return value


def _subscription_entries(doc: dict[str, Any], principals: set[str]) -> list[dict[str, Any]]:
    """Every Azure subscription a seed describes, as ``subscriptions`` entries: the top-level one (the
    one-subscription form), then ``subscriptions``, then those ``fleet`` generates (``fleet.py``)."""
    entries: list[dict[str, Any]] = []
    if "subscriptionId" in doc or not ("subscriptions" in doc or "fleet" in doc):
        entries.append({"subscriptionId": _need(doc, "subscriptionId", str),
                        "displayName": doc.get("subscriptionDisplayName"),
                        "resourceGroups": _need(doc, "resourceGroups", list), "workspaces": doc.get("workspaces")})
    extra = doc.get("subscriptions") or []
    if not isinstance(extra, list) or not all(isinstance(e, dict) for e in extra):
        raise InvalidInputError("seed: 'subscriptions' must be a list of mappings")
    entries.extend(extra)
    if "fleet" in doc:
        entries.extend(expand_fleet(doc["fleet"], principals))
    return entries


def _tags(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidInputError(f"{where}: 'tags' must map names to string values")
    return tuple(value.items())


def _at(where: str, path: str) -> str:
    """Where a field is, for messages: ``seed: workspaces[0]`` at the top level, else below ``where``."""
    return f"seed: {path}" if where == "seed" else f"{where}.{path}"


def _subscription(entry: dict[str, Any], where: str, principals: dict[str, Principal],
                  ) -> tuple[AzureSubscription, list[Workspace], tuple[SeededSubscriptions, ...]]:
    """One Azure subscription of the seed: the subscription, its workspaces and their event subscriptions."""
    sub = _need(entry, "subscriptionId", str, where)
    groups: dict[str, ResourceGroup] = {}
    for i, g in enumerate(_need(entry, "resourceGroups", list, where)):
        gwhere = _at(where, f"resourceGroups[{i}]")
        if not isinstance(g, dict):
            raise InvalidInputError(f"{gwhere} must be a mapping")
        groups[_need(g, "name", str, gwhere).lower()] = ResourceGroup(_need(g, "name", str, gwhere),
                                                                      _need(g, "location", str, gwhere))
    workspaces: dict[str, Workspace] = {}
    entries = entry.get("workspaces") or []
    for i, w in enumerate(entries):
        wwhere = _at(where, f"workspaces[{i}]")
        if not isinstance(w, dict):
            raise InvalidInputError(f"{wwhere} must be a mapping")
        name, rg_name = _need(w, "name", str, wwhere), _need(w, "resourceGroup", str, wwhere)
        rg = groups.get(rg_name.lower())
        if rg is None:
            raise InvalidInputError(f"{wwhere}: resource group '{rg_name}' is not in resourceGroups")
        ws_id = WorkspaceRef(sub, rg.name, name).id
        guid = str(uuid.uuid5(_NS, ws_id.lower()))
        if ws_id.lower() in workspaces:
            raise InvalidInputError(f"{wwhere}: workspace '{name}' is seeded twice")
        workspaces[ws_id.lower()] = Workspace(name, rg.name, w.get("location") or rg.location, ws_id, guid, sub,
                                              _tags(w.get("tags"), wwhere))
    found = list(workspaces.values())
    seeded = _seeded_subscriptions(entries, tuple(found), principals, _at(where, "workspaces"))
    display = entry.get("displayName") or "amlevents local"
    return AzureSubscription(sub, display, groups), found, seeded


def build_world(doc: dict[str, Any]) -> World:
    """Validate a seed document and build the ``World``; raises ``InvalidInputError`` naming the bad field.

    A seed holding only ``fleet`` (no ``principals``/``tenantId``) takes the default world's tenant and principals.
    """
    if "fleet" in doc and "principals" not in doc:
        doc = {**doc, "principals": DEFAULT_SEED["principals"]}
    if "fleet" in doc and "tenantId" not in doc:
        doc = {**doc, "tenantId": DEFAULT_SEED["tenantId"]}
    tenant = _need(doc, "tenantId", str)
    principals: dict[str, Principal] = {}
    for name, p in _need(doc, "principals", dict).items():
        where = f"seed: principals.{name}"
        if not isinstance(p, dict):
            raise InvalidInputError(f"{where} must be a mapping with objectId")
        oid = _need(p, "objectId", str, where)
        client_id, secret = p.get("clientId") or default_client_id(oid), p.get("clientSecret") or f"local-{name}-secret"
        if not isinstance(client_id, str) or not isinstance(secret, str):
            raise InvalidInputError(f"{where}: clientId and clientSecret must be strings")
        federated = []
        for j, f in enumerate(p.get("federatedCredentials") or []):
            fwhere = f"{where}.federatedCredentials[{j}]"
            if not isinstance(f, dict):
                raise InvalidInputError(f"{fwhere} must be a mapping with issuer and subject")
            federated.append((_need(f, "issuer", str, fwhere), _need(f, "subject", str, fwhere)))
        principals[name] = Principal(name, oid, p.get("type") or "User", client_id, secret, tuple(federated))
    client_ids = [p.client_id.lower() for p in principals.values()]
    if len(set(client_ids)) != len(client_ids):
        raise InvalidInputError("seed: two principals have the same clientId; give them distinct ones")
    definitions = {r["name"].lower(): r for r in BUILTIN_ROLES}
    for i, r in enumerate(doc.get("roleDefinitions") or []):
        where = f"seed: roleDefinitions[{i}]"
        if not isinstance(r, dict):
            raise InvalidInputError(f"{where} must be a mapping")
        _need(r, "name", str, where), _need(r, "roleName", str, where), _need(r, "permissions", list, where)
        definitions[r["name"].lower()] = {"type": "CustomRole", "description": "", "assignableScopes": ["/"], **r}
    subscriptions: dict[str, AzureSubscription] = {}
    workspaces: list[Workspace] = []
    seeded: list[SeededSubscriptions] = []
    assignments: list[RoleAssignment] = []
    total = 0
    listed = len(doc.get("subscriptions") or [])
    top = int("subscriptionId" in doc or not ("subscriptions" in doc or "fleet" in doc))
    for n, entry in enumerate(_subscription_entries(doc, set(principals))):
        where = ("seed" if n < top else f"seed: subscriptions[{n - top}]" if n < top + listed
                 else f"seed: fleet subscription {n - top - listed + 1}")
        subscription, found, events = _subscription(entry, where, principals)
        if subscription.subscription_id.lower() in subscriptions:
            raise InvalidInputError(f"{where}: subscription '{subscription.subscription_id}' is seeded twice")
        total += sum(len(e.names) for e in events)
        if total > MAX_SEEDED_SUBSCRIPTIONS:
            raise InvalidInputError(f"{where}: a seed may hold at most {MAX_SEEDED_SUBSCRIPTIONS} event subscriptions")
        subscriptions[subscription.subscription_id.lower()] = subscription
        workspaces.extend(found)
        seeded.extend(events)
        if where != "seed":  # the top-level roleAssignments are the first subscription's (below)
            assignments.extend(_assignment(a, i, subscription.subscription_id, principals, definitions,
                                           f"{where}.roleAssignments")
                               for i, a in enumerate(entry.get("roleAssignments") or []))
    first = next(iter(subscriptions.values()))
    assignments[:0] = [_assignment(a, i, first.subscription_id, principals, definitions)
                       for i, a in enumerate(doc.get("roleAssignments") or [])]
    by_key = {(w.subscription_id.lower(), w.resource_group.lower(), w.name.lower()): w for w in workspaces}
    return World(first.subscription_id, tenant, first.display_name, first.resource_groups, tuple(workspaces),
                 principals, definitions, tuple(assignments), doc, tuple(seeded), subscriptions, by_key)


def _seeded_subscriptions(entries: list[dict[str, Any]], workspaces: tuple[Workspace, ...],
                          principals: dict[str, Principal], within: str = "seed: workspaces",
                          ) -> tuple[SeededSubscriptions, ...]:
    """The ``eventSubscriptions`` of each workspace entry (validated here for shape; the emulator validates the
    properties as it would a PUT's)."""
    found: list[SeededSubscriptions] = []
    total = 0
    for i, (entry, ws) in enumerate(zip(entries, workspaces)):
        for j, e in enumerate(entry.get("eventSubscriptions") or []):
            where = f"{within}[{i}].eventSubscriptions[{j}]"
            if not isinstance(e, dict):
                raise InvalidInputError(f"{where} must be a mapping")
            if "count" in e:
                count, prefix = e["count"], _need(e, "namePrefix", str, where)
                if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                    raise InvalidInputError(f"{where}: 'count' must be a positive integer")
                width = len(str(count))  # zero-padded, so name order is number order
                names = tuple(f"{prefix}{n:0{width}d}" for n in range(1, count + 1))
            else:
                names = (_need(e, "name", str, where),)
            total += len(names)
            if total > MAX_SEEDED_SUBSCRIPTIONS:
                raise InvalidInputError(f"{where}: a seed may hold at most {MAX_SEEDED_SUBSCRIPTIONS} event "
                                        "subscriptions")
            if "properties" in e:
                props = _need(e, "properties", dict, where)
            else:
                props = {"destination": {"endpointType": "WebHook",
                                         "properties": {"endpointUrl": _need(e, "endpoint", str, where)}}}
            who = e.get("createdBy") or next(iter(principals), None)
            principal = principals.get(who) if isinstance(who, str) else None
            if principal is None:
                raise InvalidInputError(f"{where}: 'createdBy' must name a principal of the seed")
            found.append(SeededSubscriptions(ws, names, props, principal.object_id))
    return tuple(found)


def _assignment(a: Any, i: int, sub: str, principals: dict[str, Principal],
                definitions: dict[str, dict[str, Any]], within: str = "seed: roleAssignments") -> RoleAssignment:
    where = f"{within}[{i}]"
    if not isinstance(a, dict):
        raise InvalidInputError(f"{where} must be a mapping")
    who, role = _need(a, "principal", str, where), _need(a, "role", str, where)
    principal = principals.get(who)
    oid, ptype = (principal.object_id, principal.type) if principal else (who, "User")
    definition = definitions.get(role.lower()) or next(
        (d for d in definitions.values() if d["roleName"].lower() == role.lower()), None)
    if definition is None:
        raise InvalidInputError(f"{where}: unknown role '{role}'")
    scope = _need(a, "scope", str, where).replace("{subscriptionId}", sub).rstrip("/")
    name = a.get("name") or str(uuid.uuid5(_NS, f"{oid}|{definition['name']}|{scope}".lower()))
    return RoleAssignment(name, oid, ptype, definition["name"], scope)
