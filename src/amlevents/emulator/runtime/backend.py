"""The emulator's domain: the seeded world, RBAC, and the Event Grid resources with their operations.

``Backend`` knows nothing about HTTP. Handlers call one method per ARM operation; each method runs in one
SQLite transaction (``store.py``) that first settles due operations (``eventgrid/operations.py``), then reads,
checks and writes. Refusals are ``ArmError`` s. Resource JSON comes from ``eventgrid/views.py``,
``authorization/views.py`` and ``workspaces.py``.

The seeded world (``seed.py``: Azure subscriptions, resource groups, workspaces, principals, role assignments) is
static, and every lookup takes the Azure subscription the request names; the state that changes (system topics, event subscriptions, operations) lives in the store.
``reset()`` empties the store, which restores the seeded state. System topics are in ``eventgrid/topics.py`` and
event subscriptions in ``eventgrid/subscriptions.py``, as mixins of this class; they name ``Backend`` only for type
checking (``TYPE_CHECKING``), the one accepted cycle, so that each half of the domain reads on its own.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from amlevents.emulator.authorization import rbac
from amlevents.emulator.authorization import views as authorization_views
from amlevents.emulator.eventgrid import operations
from amlevents.emulator.eventgrid.subscriptions import (
    SubscriptionsMixin,
    ValidationRequest,
)
from amlevents.emulator.eventgrid.topics import TopicsMixin
from amlevents.emulator.resourcegraph.quota import UserQuota
from amlevents.emulator.runtime import workspaces
from amlevents.emulator.runtime.errors import (
    ArmError,
    authorization_failed,
    resource_group_not_found,
    resource_not_found,
    subscription_not_found,
)
from amlevents.emulator.runtime.odata import RoleAssignmentQuery
from amlevents.emulator.runtime.seed import (
    WORKSPACE_TYPE,
    AzureSubscription,
    ResourceGroup,
    Workspace,
    World,
    build_world,
    load_seed,
)
from amlevents.emulator.runtime.store import Store, Tx

_SCOPE = re.compile(r"^/subscriptions/(?P<sub>[^/]+)(?:/resourceGroups/(?P<rg>[^/]+))?(?P<rest>/.*)?$", re.IGNORECASE)


def _subscription_of(scope: str) -> str | None:
    """The Azure subscription a scope is in (lower case), or None for one above them (``/``, a management group)."""
    parts = [p for p in scope.split("/") if p]
    return parts[1].lower() if len(parts) > 1 and parts[0].lower() == "subscriptions" else None


class Backend(SubscriptionsMixin, TopicsMixin):
    """State and rules of the emulated ARM slice.

    ``state_path=None`` keeps the state in memory; a path persists it in SQLite, shareable by several
    processes. ``seed`` is a seed document, a seed file path, or None: the stored seed of an existing state
    file, else the default world. ``provisioning_delay`` is how many seconds operations take.
    """

    def __init__(
        self,
        state_path: str | Path | None = None,
        seed: str | Path | dict[str, Any] | None = None,
        provisioning_delay: float = 0.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.store = Store(state_path)
        self.provisioning_delay = float(provisioning_delay)
        # Deviations a user opts into (``emulator serve`` options) and the webhook handshake: which endpoints get
        # one (loopback | all | none) and who performs it (the serving app installs ``validator``; without one,
        # e.g. a Backend used alone, webhooks are accepted without a handshake).
        self.allow_http_loopback = False
        self.validate_endpoints = "loopback"
        self.validator: Callable[[ValidationRequest], None] | None = None
        self._clock = clock or time.time
        self.graph_quota = UserQuota()  # Resource Graph's per-user query quota (reported; enforced on request)
        with self.store.transaction() as tx:
            stored = tx.get_meta("seed")
            fresh = seed is not None or stored is None
            if fresh:
                world = load_seed(seed)
                tx.set_meta("seed", json.dumps(world.document))
            else:
                world = build_world(json.loads(stored))
        self.world: World = world
        self._rbac_index: tuple[World, dict[tuple[str, str | None], list[Any]]] | None = None
        if fresh:  # a reopened state file keeps what its users did: deleted seeded subscriptions stay deleted
            with self.store.transaction() as tx:
                self.seed_event_subscriptions(tx)

    # --- lifecycle ------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seeded state: no system topics, event subscriptions or operations."""
        with self.store.transaction() as tx:
            tx.clear()
            tx.set_meta("seed", json.dumps(self.world.document))
            self.seed_event_subscriptions(tx)
        self.graph_quota.reset()

    def close(self) -> None:
        """Release the database connection."""
        self.store.close()

    @contextmanager
    def _tx(self) -> Iterator[tuple[Tx, float]]:
        with self.store.transaction() as tx:
            now = self._clock()
            operations.settle(tx, now, self._remove)
            yield tx, now

    def _start_operation(self, tx: Tx, now: float, *, kind: str, key: str, action: str, location: str,
                         fail_operation: Callable[[], bool] | None = None,
                         outcome: tuple[str, dict[str, Any] | None, str | None] | None = None) -> dict[str, Any]:
        """Record an operation on a resource that ends after the provisioning delay.

        It ends as ``outcome`` (status, error, webhook base URL) when given; otherwise Failed with the injected
        error when ``fail_operation`` fires (called once), else Succeeded.
        """
        if outcome is None:
            failed = fail_operation is not None and fail_operation()
            outcome = ((operations.FAILED, operations.injected_failure_error(), None) if failed
                       else (operations.SUCCEEDED, None, None))
        status, error, url = outcome
        return operations.start(tx, kind=kind, key=key, action=action, location=location, now=now,
                                delay=self.provisioning_delay, outcome=status, error=error, url=url)

    def _remove(self, tx: Tx, doc: dict[str, Any]) -> None:
        """Delete a resource whose delete operation succeeded, with what goes with it."""
        if doc["_"]["kind"] == "systemTopic":
            self._remove_topic(tx, doc)
        else:
            self._remove_subscription(tx, doc)

    # --- the seeded world -----------------------------------------------------------------------------------

    def azure_subscription(self, subscription_id: str) -> AzureSubscription:
        """The seeded Azure subscription; 404 SubscriptionNotFound otherwise."""
        found = self.world.subscription(subscription_id)
        if found is None:
            raise subscription_not_found(subscription_id)
        return found

    def check_subscription(self, subscription_id: str) -> None:
        """Raise 404 SubscriptionNotFound unless this is a seeded subscription."""
        self.azure_subscription(subscription_id)

    def resource_group(self, subscription_id: str, name: str) -> ResourceGroup:
        """The seeded resource group; 404 SubscriptionNotFound / ResourceGroupNotFound otherwise."""
        group = self.azure_subscription(subscription_id).resource_groups.get(name.lower())
        if group is None:
            raise resource_group_not_found(name)
        return group

    def resource_group_view(self, subscription_id: str, name: str) -> dict[str, Any]:
        """The ``Microsoft.Resources/resourceGroups`` JSON of a seeded group."""
        g = self.resource_group(subscription_id, name)
        sub = self.azure_subscription(subscription_id).subscription_id
        return {"id": f"/subscriptions/{sub}/resourceGroups/{g.name}", "name": g.name,
                "type": "Microsoft.Resources/resourceGroups", "location": g.location,
                "properties": {"provisioningState": "Succeeded"}}

    def subscription_view(self, subscription_id: str) -> dict[str, Any]:
        """The ``Microsoft.Resources/subscriptions`` JSON of a seeded subscription."""
        s = self.azure_subscription(subscription_id)
        return {"id": f"/subscriptions/{s.subscription_id}", "authorizationSource": "RoleBased",
                "managedByTenants": [], "subscriptionId": s.subscription_id, "tenantId": self.world.tenant_id,
                "displayName": s.display_name, "state": "Enabled",
                "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                         "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"}}

    def readable_subscriptions(self, principal_id: str) -> list[str]:
        """The seeded subscription ids in which the caller holds a role anywhere (at, above or below the
        subscription), in seed order: what ARM lists as the caller's subscriptions."""
        oid = principal_id.lower()
        mine = [a.scope for a in self.world.role_assignments if a.principal_id.lower() == oid]
        found = []
        for s in self.world.subscriptions.values():
            scope = f"/subscriptions/{s.subscription_id}"
            if any(rbac.scope_contains(a, scope) or rbac.scope_contains(scope, a) for a in mine):
                found.append(s.subscription_id)
        return found

    def list_subscriptions(self, principal_id: str) -> list[dict[str, Any]]:
        """``GET /subscriptions``: the seeded subscriptions the caller holds a role in (as ARM lists the
        subscriptions a caller has access to)."""
        return [self.subscription_view(s) for s in self.readable_subscriptions(principal_id)]

    def tenants(self) -> list[dict[str, Any]]:
        """``GET /tenants``: the seeded tenant."""
        tid, domain = self.world.tenant_id, "amlevents.local"
        return [{"id": f"/tenants/{tid}", "tenantId": tid, "countryCode": "US", "displayName": self.world.display_name,
                 "domains": [domain], "tenantCategory": "Home", "defaultDomain": domain, "tenantType": "AAD"}]

    def workspace(self, subscription_id: str, resource_group: str, name: str,
                  provider: str = "Microsoft.MachineLearningServices", resource_type: str = "workspaces") -> Workspace:
        """The seeded workspace; ARM's 404 (subscription, resource group, resource) otherwise.

        ``provider``/``resource_type`` come from the request path: any other resource type does not exist here.
        """
        group = self.resource_group(subscription_id, resource_group)
        found = None
        if f"{provider}/{resource_type}".lower() == WORKSPACE_TYPE.lower():
            found = self.world.workspace(group.name, name, subscription_id)
        if found is None:
            raise resource_not_found(f"{provider}/{resource_type}", name, resource_group)
        return found

    def workspace_view(self, subscription_id: str, resource_group: str, name: str) -> dict[str, Any]:
        """GET one workspace."""
        return workspaces.workspace(self.workspace(subscription_id, resource_group, name), self.world)

    def list_workspaces(self, subscription_id: str, resource_group: str | None = None) -> list[dict[str, Any]]:
        """The workspaces of the subscription, or of one resource group."""
        sub = self.azure_subscription(subscription_id).subscription_id
        found = [w for w in self.world.workspaces if w.subscription_id == sub]
        if resource_group is not None:
            group = self.resource_group(subscription_id, resource_group)
            found = [w for w in found if w.resource_group == group.name]
        return [workspaces.workspace(w, self.world) for w in sorted(found, key=lambda w: w.name.lower())]

    # --- authorization --------------------------------------------------------------------------------------

    def _permissions(self, principal_id: str, scope: str) -> list[rbac.Permission]:
        return rbac.effective_permissions(self._candidates(principal_id, scope), self.world.role_definitions,
                                          principal_id, scope)

    def _candidates(self, principal_id: str, scope: str) -> list[Any]:
        """The principal's role assignments that may apply at ``scope``: those above every Azure subscription and
        those in the scope's own; ``rbac`` then decides which do. Every ARM request is authorized: scanning all of
        a fleet's assignments (normalizing each scope) for each one was a tenth of the emulator's work."""
        world = self.world
        if self._rbac_index is None or self._rbac_index[0] is not world:  # the world is immutable: index it once
            index: dict[tuple[str, str | None], list[Any]] = {}
            for a in world.role_assignments:
                index.setdefault((a.principal_id.lower(), _subscription_of(a.scope)), []).append(a)
            self._rbac_index = (world, index)
        index = self._rbac_index[1]
        pid, sub = principal_id.lower(), _subscription_of(scope)
        return index.get((pid, None), []) + (index.get((pid, sub), []) if sub is not None else [])

    def allowed(self, principal_id: str, action: str, scope: str) -> bool:
        """Whether the principal's roles at ``scope`` (or above) allow ``action``."""
        return rbac.is_allowed(self._permissions(principal_id, scope), action)

    def authorize(self, principal_id: str, action: str, scope: str) -> None:
        """Raise 403 AuthorizationFailed unless the principal's roles at ``scope`` (or above) allow ``action``."""
        if not rbac.is_allowed(self._permissions(principal_id, scope), action):
            raise authorization_failed(principal_id, action, scope)

    def check_scope(self, scope: str) -> None:
        """404 for a scope under a subscription or resource group that does not exist."""
        m = _SCOPE.match(rbac.normalize_path(scope))
        if m:
            self.check_subscription(m["sub"])
            if m["rg"]:
                self.resource_group(m["sub"], m["rg"])

    def permissions(self, principal_id: str, scope: str) -> list[dict[str, Any]]:
        """The caller's ``Permission`` blocks at ``scope``: one per role block assigned at or above it."""
        self.check_scope(scope)
        return [p.to_wire() for p in self._permissions(principal_id, scope)]

    def role_assignments(self, scope: str, query: RoleAssignmentQuery) -> list[dict[str, Any]]:
        """Role assignments at, above and below ``scope`` (at or above only with ``atScope()``)."""
        self.check_scope(scope)
        found = []
        for a in self.world.role_assignments:
            if query.principal_id and a.principal_id.lower() != query.principal_id.lower():
                continue
            above = rbac.scope_contains(a.scope, scope)
            if above or (not query.at_scope and rbac.scope_contains(scope, a.scope)):
                found.append(authorization_views.role_assignment(a, self.world))
        return found

    @staticmethod
    def _at(scope: str) -> bool | str:
        """Where role definition ids are rooted for a read at ``scope``: its subscription, True for a scope below
        the root without one, False at the root."""
        m = _SCOPE.match(rbac.normalize_path(scope))
        return m["sub"] if m else bool(scope.strip("/"))

    def role_definition(self, scope: str, guid: str) -> dict[str, Any]:
        """One role definition by GUID; 404 RoleDefinitionDoesNotExist otherwise."""
        self.check_scope(scope)
        definition = self.world.role_definitions.get(guid.lower())
        if definition is None:
            raise ArmError(404, "RoleDefinitionDoesNotExist",
                           f"The specified role definition with ID '{guid}' does not exist.")
        return authorization_views.role_definition(definition, self.world, at_subscription=self._at(scope))

    def role_definitions(self, scope: str, accept: Callable[[dict[str, str]], bool] | None = None,
                         ) -> list[dict[str, Any]]:
        """Every role definition, or those ``accept`` keeps (records with ``rolename`` and ``type``)."""
        self.check_scope(scope)
        out = []
        for d in self.world.role_definitions.values():
            if accept is None or accept({"rolename": d["roleName"], "type": d.get("type", "BuiltInRole")}):
                out.append(authorization_views.role_definition(d, self.world, at_subscription=self._at(scope)))
        return out

    # --- operations -----------------------------------------------------------------------------------------

    def operation(self, subscription_id: str, operation_id: str) -> dict[str, Any]:
        """The operation record (settled up to now); 404 when unknown."""
        self.check_subscription(subscription_id)
        with self._tx() as (tx, _now):
            op = operations.get(tx, operation_id)
        if op is None:
            raise ArmError(404, "NotFound", f"The operation '{operation_id}' was not found.")
        return op
