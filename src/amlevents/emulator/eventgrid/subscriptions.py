"""Event subscriptions of a source (a mixin of ``Backend``): one collection per source, reached by two paths.

As in Azure (arm-contract.md §2), a subscription created on a resource scope (the workspace:
``{ws}/providers/Microsoft.EventGrid/eventSubscriptions/{name}``) lives under the source's system topic, so each
source has ONE collection, addressable both on the scope and as ``systemTopics/{t}/eventSubscriptions/{name}``:
names are unique per source, and GET, PUT (a PUT of an existing name through the other path updates it, with the
same keep-on-PUT rules), PATCH, DELETE, getFullUrl, getDeliveryAttributes and both lists reach the same
subscriptions. The store keeps each subscription once, under the source (the workspace id lower-cased); the view
depends on the path that asked (``views.event_subscription``): on the scope path the id is the scope's and
``properties.topic`` is the workspace id lower-cased from ``/providers/`` on (as the Azure CLI's recorded tests
show); through the topic, the topic path's id, type and the topic's id (as the swagger examples show).

A create on the scope path of a source without a system topic creates one implicitly (``{workspace}-{guid}``), as
Azure does; that automatic topic is deleted with the source's last subscription, whichever path deleted it. A
create through a topic path needs that topic (404 otherwise). Deleting a system topic deletes its source's
subscriptions (``topics.py``).

A write on a subscription whose last operation is still running (Creating, Updating, Deleting) gets 409
Conflict, as the service answers on a subscription stuck in Updating (MD#7415); a DELETE of a subscription that
is already being deleted returns that same operation.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from amlevents.core.catalog import TOPIC_TYPE
from amlevents.core.errors import InvalidInputError
from amlevents.core.redact import redact_text
from amlevents.emulator.eventgrid import operations, views
from amlevents.emulator.eventgrid.operations import BUSY
from amlevents.emulator.eventgrid.validation import (
    check_schema_change,
    is_loopback,
    keep_on_put,
    merge_update,
    normalize_properties,
    validate_name,
)
from amlevents.emulator.identity.caller import Caller, system_data
from amlevents.emulator.runtime.errors import (
    ArmError,
    conflict,
    invalid_subscription,
    resource_not_found,
)
from amlevents.emulator.runtime.odata import to_sql
from amlevents.emulator.runtime.paging import Listing
from amlevents.emulator.runtime.seed import SEED_TIME, Workspace
from amlevents.emulator.runtime.store import Tx

if TYPE_CHECKING:  # the mixin names its host class; the one accepted cycle (see runtime/backend.py)
    from amlevents.emulator.runtime.backend import Backend

KIND = "eventSubscription"


@dataclass(frozen=True)
class ParentRef:
    """Where a request addresses event subscriptions: a resource scope, or a system topic when ``system_topic``."""

    subscription: str
    resource_group: str
    system_topic: str | None = None
    provider: str = "Microsoft.MachineLearningServices"
    resource_type: str = "workspaces"
    resource_name: str = ""


SCOPE_TYPE = "Microsoft.EventGrid/eventSubscriptions"
_ON_SCOPE = "/providers/Microsoft.EventGrid/eventSubscriptions/"  # a scope subscription's id below the scope


@dataclass(frozen=True)
class Parent:
    """A resolved request path: the source whose collection it addresses, and the system topic it went through."""

    workspace: Workspace
    topic_id: str | None  # the system topic's id on the topic path; None on the scope path
    label: str  # the resource type as 404 messages name it
    resource_group: str  # the path's resource group, for 404 messages
    location: str  # where the subscription's operations run

    @property
    def key(self) -> str:
        """The store's parent key of every subscription of the source."""
        return self.workspace.id.lower()

    def scope_id(self, name: str) -> str:
        """The subscription's id on the scope path (how it is stored)."""
        return self.workspace.id + _ON_SCOPE + name

    def store_key(self, name: str) -> str:
        """The subscription's key in the store: its scope id, lower-cased."""
        return self.scope_id(name).lower()


def _scope_parent(ws: Workspace) -> Parent:
    return Parent(ws, None, SCOPE_TYPE, ws.resource_group, ws.location)


@dataclass(frozen=True)
class ValidationRequest:
    """A webhook handshake to perform for an operation (by the serving app, in the background): the endpoint,
    the delivery schema, the subscription's name and its ``properties.topic``."""

    operation_id: str
    url: str
    schema: str | None
    name: str
    topic: str


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


def azure_topic(resource_id: str) -> str:
    """``properties.topic`` as Event Grid writes it: the subscription and resource group part as given, the rest
    lower case, as in the Azure CLI's recorded tests (linked in ``contract.py``):
    ``/subscriptions/…/resourceGroups/clitest.rg000001/providers/microsoft.eventgrid/topics/cli000002``."""
    cut = resource_id.lower().find("/providers/")
    return resource_id if cut < 0 else resource_id[:cut] + resource_id[cut:].lower()


class SubscriptionsMixin:
    """Event subscription operations of ``Backend``."""

    def _parent(self: Backend, tx: Tx, ref: ParentRef) -> Parent:
        if ref.system_topic is None:
            return _scope_parent(self.workspace(ref.subscription, ref.resource_group, ref.resource_name,
                                                ref.provider, ref.resource_type))
        topic = self._topic_doc(tx, ref.subscription, ref.resource_group, ref.system_topic)
        return Parent(self._topic_source(topic), topic["id"],
                      f"Microsoft.EventGrid/systemTopics/{topic['name']}/eventSubscriptions",
                      topic["_"]["resourceGroup"], topic["location"])

    def _existing(self, tx: Tx, parent: Parent, name: str) -> dict[str, Any]:
        doc = tx.get(KIND, parent.store_key(name))
        if doc is None:
            raise resource_not_found(parent.label, name, parent.resource_group)
        return doc

    def _webhook_url(self, props: dict[str, Any]) -> str | None:
        return next((d["properties"]["endpointUrl"] for d in views.destinations(props)
                     if d["endpointType"] == "WebHook"), None)

    def _handshake_url(self: Backend, props: dict[str, Any], previous: dict[str, Any] | None) -> str | None:
        """The webhook URL to validate by a real handshake, or None: the service validates on create and when the
        endpoint changes; the emulator reaches loopback endpoints by default (``validate_endpoints``: all, none)
        and only while a validator runs (the serving app)."""
        url = self._webhook_url(props)
        if url is None or self.validator is None or self.validate_endpoints == "none":
            return None
        if previous is not None and self._webhook_url(previous) == url:
            return None
        return url if self.validate_endpoints == "all" or is_loopback(url) else None

    def _validate(self: Backend, op: dict[str, Any], url: str | None, doc: dict[str, Any]) -> None:
        """Hand the handshake to the validator, once the operation is stored."""
        if url is not None and self.validator is not None:
            self.validator(ValidationRequest(op["id"], url, doc["properties"].get("eventDeliverySchema"),
                                             doc["name"], doc["properties"]["topic"]))

    def resolve_validation(self: Backend, operation_id: str, state: str, message: str | None, token: str | None,
                           window: float) -> None:
        """The handshake's result for an operation: Succeeded, AwaitingManualAction (until the validation URL
        carrying ``token`` is visited within ``window`` seconds) or Failed with the service's ``message``."""
        with self._tx() as (tx, now):
            error = operations.handshake_error(message or "", now) if state == operations.FAILED else None
            operations.resolve_validation(tx, operation_id, state, error=error, token=token, window=window, now=now)

    def validate_manually(self: Backend, operation_id: str, token: str) -> bool:
        """A GET of a validation URL; True when it completed an operation awaiting it."""
        with self._tx() as (tx, now):
            return operations.validate_manually(tx, operation_id, token, now)

    def _outcome(self: Backend, props: dict[str, Any], now: float, fail_operation: Callable[[], bool],
                 handshake: str | None = None) -> tuple[str, dict[str, Any] | None, str | None]:
        """How the operation will end: decided by a handshake (``handshake``, the endpoint it validates); else
        webhook hosts ending in .invalid fail validation (.manual.invalid awaits it), faults may fail it."""
        if handshake is not None:
            return operations.VALIDATING, None, views.base_url(handshake)
        for dest in views.destinations(props):
            if dest["endpointType"] != "WebHook":
                continue
            url = dest["properties"]["endpointUrl"]
            host, base = (urlsplit(url).hostname or "").lower(), views.base_url(url)
            if host.endswith(".manual.invalid"):
                return operations.MANUAL, None, base
            if host.endswith(".invalid"):
                return operations.FAILED, operations.url_validation_error(base, now + self.provisioning_delay), base
        if fail_operation():
            return operations.FAILED, operations.injected_failure_error(), None
        return operations.SUCCEEDED, None, None

    def _write(self: Backend, tx: Tx, parent: Parent, name: str, props: dict[str, Any],
               existing: dict[str, Any] | None, caller: Caller | str, now: float,
               outcome: tuple[str, dict[str, Any] | None, str | None]) -> tuple[dict[str, Any], dict[str, Any]]:
        key = parent.store_key(name)
        op = self._start_operation(tx, now, kind=KIND, key=key, action="update" if existing else "create",
                                   location=parent.location, outcome=outcome)
        doc = {
            "id": existing["id"] if existing else parent.scope_id(name),
            "name": existing["name"] if existing else name,
            "type": SCOPE_TYPE,
            "properties": {"topic": azure_topic(parent.workspace.id),
                           "provisioningState": "Updating" if existing else "Creating", **props},
            "systemData": system_data(self.world, caller, now, existing and existing.get("systemData")),
            "_": {"kind": KIND, "parent": parent.key, "operationId": op["id"]},
        }
        tx.put(KIND, key, parent.key, doc)
        return doc, op

    @staticmethod
    def _check_idle(doc: dict[str, Any]) -> None:
        state = doc["properties"]["provisioningState"]
        if state in BUSY:
            raise conflict(f"The event subscription '{doc['name']}' is in provisioning state '{state}'. Retry "
                           "the request after the current operation completes.")

    def get_event_subscription(self: Backend, ref: ParentRef, name: str) -> dict[str, Any]:
        """GET one subscription (secrets hidden, server defaults filled in)."""
        with self._tx() as (tx, _now):
            parent = self._parent(tx, ref)
            return views.event_subscription(self._existing(tx, parent, name), topic_id=parent.topic_id)

    def list_event_subscriptions(self: Backend, ref: ParentRef) -> Listing:
        """Every subscription of the source, ordered by name, read a page at a time, in the view of the path that
        asked (the path is checked now)."""
        with self._tx() as (tx, _now):
            parent = self._parent(tx, ref)
        return self._listing([parent.key], parent.topic_id)

    def list_regional_event_subscriptions(self: Backend, subscription_id: str, resource_group: str | None,
                                          location: str, topic_type: str | None) -> Listing | list[dict[str, Any]]:
        """The subscription- or resource-group-wide lists: the workspace-scope subscriptions of the workspaces of
        that Azure subscription (or resource group) in ``location``, of ``topic_type`` (any when None), ordered by
        name (then id). Workspaces are regional resources, so the global lists (subscriptions on an Azure
        subscription or resource group) pass ``location="global"`` and find none: the swagger's examples of the
        global lists hold only global sources, and az refuses ``--location global`` for a regional topic type."""
        sub = self.azure_subscription(subscription_id).subscription_id
        group = None if resource_group is None else self.resource_group(subscription_id, resource_group).name
        if topic_type is not None and topic_type.lower() != TOPIC_TYPE.lower():
            return []
        found = [w for w in self.world.workspaces
                 if w.subscription_id == sub and (group is None or w.resource_group == group)
                 and w.location.lower() == location.lower()]
        return self._listing([w.id.lower() for w in found])

    def _listing(self: Backend, parents: list[str], topic_id: str | None = None) -> Listing:
        """The subscriptions of the sources ``parents`` (lower-case workspace ids), in the scope view or through
        the system topic ``topic_id``; a page reads its rows by key in SQL and renders only them, in name order.
        Names repeat across sources, so a list of several resumes after the last item's key (its skip token)."""
        suffix = _ON_SCOPE.lower()

        def fetch(after: str | None, limit: int | None, filter_text: str | None) -> list[dict[str, Any]]:
            where, params = to_sql(filter_text, {"name": "{tail}"}) if filter_text else ("", [])
            with self._tx() as (tx, _now):
                if len(parents) == 1:  # the common case: keyset paging on the index
                    docs = tx.children_after(KIND, parents[0], parents[0] + suffix, after, limit, where, params)
                else:
                    docs = tx.children_in_name_order(KIND, parents, suffix, after, limit, where, params)
            return [views.event_subscription(d, topic_id=topic_id) for d in docs]

        if len(parents) == 1:
            return Listing(fetch)
        return Listing(fetch, token_of=lambda item: item["id"].lower())

    def seed_event_subscriptions(self: Backend, tx: Tx) -> int:
        """Write the seed's event subscriptions that are not stored yet (with their workspaces' system topics), in
        the caller's transaction, as if created and provisioned at the seed time; returns how many it wrote."""
        written = 0
        for group in self.world.event_subscriptions:
            ws = group.workspace
            parent = _scope_parent(ws)
            try:
                for name in group.names:
                    validate_name(name)
                # validated once per group, as a PUT's would be: the seeded ones share their properties
                props = normalize_properties(copy.deepcopy(group.properties), now=_dt(SEED_TIME))
            except ArmError as exc:
                raise InvalidInputError(f"seed: an event subscription of workspace '{ws.name}' is invalid: "
                                        f"{redact_text(exc.message)}", hint="Fix the seed file.") from None
            self._ensure_topic(tx, ws, group.created_by, SEED_TIME)
            data = system_data(self.world, group.created_by, SEED_TIME)
            prefix = parent.store_key("")
            stored = {d["name"].lower() for d in tx.children_after(KIND, parent.key, prefix, None, None)}
            rows = [(prefix + name.lower(), parent.key, {
                "id": parent.scope_id(name), "name": name, "type": SCOPE_TYPE,
                "properties": {"topic": azure_topic(ws.id), "provisioningState": "Succeeded", **props},
                "systemData": data,
                "_": {"kind": KIND, "parent": parent.key, "operationId": None},
            }) for name in group.names if name.lower() not in stored]
            tx.put_many(KIND, rows)
            written += len(rows)
        return written

    def put_event_subscription(self: Backend, ref: ParentRef, name: str, body: Any, caller: Caller | str,
                               fail_operation: Callable[[], bool]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Create or replace a subscription: (the 201 body, the operation)."""
        with self._tx() as (tx, now):
            parent = self._parent(tx, ref)
            validate_name(name)
            if not isinstance(body, dict):
                raise invalid_subscription("The request body must be a JSON object.")
            props = normalize_properties(body.get("properties"), now=_dt(now),
                                         allow_http_loopback=self.allow_http_loopback)
            existing = tx.get(KIND, parent.store_key(name))
            if existing is not None:
                self._check_idle(existing)
                props = keep_on_put(existing["properties"], props)
                check_schema_change(existing["properties"], props.get("eventDeliverySchema"))
            hook = self._handshake_url(props, existing and existing["properties"])
            outcome = self._outcome(props, now, fail_operation, hook)
            if parent.topic_id is None and existing is None:  # through a topic path, the topic exists
                self._ensure_topic(tx, parent.workspace, caller, now)
            doc, op = self._write(tx, parent, name, props, existing, caller, now, outcome)
        self._validate(op, hook, doc)
        # The create response echoes secret attribute values (the Azure CLI's recorded
        # test_event_subscription_delivery_attributes); later reads hide them.
        return views.event_subscription(doc, reveal_secrets=True, defaults=False, topic_id=parent.topic_id), op

    def update_event_subscription(self: Backend, ref: ParentRef, name: str, body: Any, caller: Caller | str,
                                  fail_operation: Callable[[], bool]) -> tuple[dict[str, Any], dict[str, Any]]:
        """PATCH: merge the given top-level fields into the subscription: (the 201 body, the operation)."""
        with self._tx() as (tx, now):
            parent = self._parent(tx, ref)
            existing = self._existing(tx, parent, name)
            self._check_idle(existing)
            stored = {k: v for k, v in existing["properties"].items() if k not in ("topic", "provisioningState")}
            merged = merge_update(stored, body)
            props = normalize_properties(merged, now=_dt(now),
                                         check_expiration=body.get("expirationTimeUtc") is not None,
                                         allow_http_loopback=self.allow_http_loopback)
            if body.get("eventDeliverySchema") is not None:
                check_schema_change(stored, props.get("eventDeliverySchema"))
            # The service validates a webhook again only when the destination changes.
            changed = body.get("destination") is not None or body.get("deliveryWithResourceIdentity") is not None
            hook = self._handshake_url(props, stored) if changed else None
            outcome = self._outcome(props if changed else {}, now, fail_operation, hook)
            doc, op = self._write(tx, parent, name, props, existing, caller, now, outcome)
        self._validate(op, hook, doc)
        # The PATCH answer reads like a GET in state Updating, defaults filled in (Azure PowerShell's recorded
        # Update-AzEventGrid[SystemTopic]EventSubscription answers carry maxEventsPerBatch, eventDeliverySchema...).
        return views.event_subscription(doc, topic_id=parent.topic_id), op

    def delete_event_subscription(self: Backend, ref: ParentRef, name: str,
                                  fail_operation: Callable[[], bool]) -> dict[str, Any] | None:
        """Start deleting a subscription: its operation, or None when it does not exist."""
        with self._tx() as (tx, now):
            parent = self._parent(tx, ref)
            doc = tx.get(KIND, parent.store_key(name))
            if doc is None:
                return None
            if doc["properties"]["provisioningState"] == "Deleting":
                return operations.get(tx, doc["_"]["operationId"])
            self._check_idle(doc)
            op = self._start_operation(tx, now, kind=KIND, key=parent.store_key(name), action="delete",
                                       location=parent.location, fail_operation=fail_operation)
            doc["properties"]["provisioningState"] = "Deleting"
            doc["_"]["operationId"] = op["id"]
            tx.put(KIND, parent.store_key(name), parent.key, doc)
            return op

    def full_url(self: Backend, ref: ParentRef, name: str) -> str:
        """The webhook's full endpoint URL (query string included)."""
        with self._tx() as (tx, _now):
            doc = self._existing(tx, self._parent(tx, ref), name)
        hooks = [d for d in views.destinations(doc["properties"]) if d["endpointType"] == "WebHook"]
        if not hooks:
            raise invalid_subscription(
                f"The event subscription '{doc['name']}' does not deliver to a WebHook; only WebHook destinations "
                "have a full endpoint URL.")
        return hooks[0]["properties"]["endpointUrl"]

    def delivery_attributes(self: Backend, ref: ParentRef, name: str) -> list[dict[str, Any]]:
        """The destination's delivery attribute mappings with their real (secret) values."""
        with self._tx() as (tx, _now):
            doc = self._existing(tx, self._parent(tx, ref), name)
        found: list[dict[str, Any]] = []
        for dest in views.destinations(doc["properties"]):
            found.extend(dest["properties"].get("deliveryAttributeMappings") or [])
        return found

    def _remove_subscription(self: Backend, tx: Tx, doc: dict[str, Any]) -> None:
        source = doc["_"]["parent"]
        tx.delete(KIND, doc["id"].lower())
        # An automatic topic goes with the last subscription of its source, whichever path deleted it.
        topic = self._topic_for_source(tx, source)
        prefix = source + _ON_SCOPE.lower()
        if topic is not None and topic["_"].get("auto") and not tx.children_after(KIND, source, prefix, None, 1):
            tx.delete("systemTopic", topic["id"].lower())

    def _ensure_topic(self: Backend, tx: Tx, ws: Workspace, caller: Caller | str, now: float) -> None:
        if self._topic_for_source(tx, ws.id.lower()) is not None:
            return
        name = f"{ws.name}-{uuid.uuid4()}"
        topic_id = self._topic_id(ws.subscription_id, ws.resource_group, name)
        doc = self._topic_document(topic_id, name, ws.resource_group, ws.location, ws.id, TOPIC_TYPE, None,
                                   system_data(self.world, caller, now), "Succeeded", auto=True)
        self._put_topic(tx, doc)
