"""The subscription commands' flows: access check, current state, the write, the outcome.

``SubscriptionService`` is what a command body calls. The CLI hands it a ``Ui`` (spinner, confirmation,
warnings) so that nothing here prints; everything returned is plain JSON-shaped data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from amlevents.arm.access import (
    AccessChecker,
    AccessVerdict,
    access_denied,
    required_actions,
)
from amlevents.arm.concurrency import concurrently, unwrap
from amlevents.arm.dry_run import request
from amlevents.arm.errors import ConcurrentChangeError, translate_errors
from amlevents.arm.session import Session
from amlevents.arm.subscriptions import (
    WorkspaceSubscriptions,
    identities_of,
    topic_identity,
)
from amlevents.arm.ui import Ui
from amlevents.core.errors import (
    AccessDeniedError,
    InvalidInputError,
    NotFoundError,
    ServiceError,
)
from amlevents.core.filters import EventFilter
from amlevents.core.names import check_name, check_topic_name
from amlevents.core.subscription import (
    FilterFlags,
    SubscriptionOptions,
    apply_patch,
    build_properties,
    destination_of,
    edited_filter,
    merge_update,
    needs_hydration,
    needs_put,
)
from amlevents.core.workspace import WorkspaceRef

_HANDSHAKE = (
    "Event Grid could not validate the webhook: the endpoint must answer the validation handshake (echo "
    "data.validationCode in the response, or GET data.validationUrl within 10 minutes); see "
    "https://aka.ms/esvalidation. Azure Functions need --endpoint-type azurefunction with the function's "
    "resource id, not the runtime/webhooks URL"
)


@dataclass
class SubscriptionService:
    """Create, update, show, list and delete the event subscriptions of workspaces, with access checks."""

    session: Session
    ui: Ui = field(default_factory=Ui)
    identity_label: str | None = None
    # True when the session's target is the emulator: an http:// loopback webhook is left for it to judge
    allow_http_loopback: bool = False

    def __post_init__(self) -> None:
        self.access = AccessChecker(self.session, label=self.identity_label)

    def api(self, workspace: WorkspaceRef) -> WorkspaceSubscriptions:
        return WorkspaceSubscriptions(self.session, workspace)

    # --- access ------------------------------------------------------------------------------------------------

    def check(self, workspace: WorkspaceRef, operation: str, *, system_topic: bool = False,
              create_topic: bool = False, with_roles: bool = False) -> AccessVerdict:
        """The verdict for ``operation`` (create, update, delete) without raising."""
        actions = required_actions(operation, system_topic=system_topic, create_topic=create_topic)
        return self.access.check(workspace, actions, system_topic=system_topic, with_roles=with_roles)

    def ensure_access(self, workspace: WorkspaceRef, operation: str, **kw: Any) -> None:
        """Raise ``AccessDeniedError`` (exit 4) naming identity, action, scope and roles when not allowed."""
        verdict = self.check(workspace, operation, **kw)
        if verdict.allowed:
            return
        raise access_denied(verdict, operation)

    @contextlib.contextmanager
    def _reads_before(self, workspace: WorkspaceRef, operation: str, paths: list[dict[str, bool]],
                      check_access: bool) -> Iterator[None]:
        """A 403 on the reads that precede a write is explained as the access check would explain it.

        Without this, a caller with no role at all (who may not even read) got Azure's bare "may not read"
        message instead of the identity, the missing write action, the roles held and the roles that grant it.
        ``paths`` are the access-check keyword sets to try in order (workspace scope, system topic); the first
        denied one is reported. When every one is allowed, the original 403 stands.
        """
        try:
            yield
        except AccessDeniedError:
            if check_access:
                for kw in paths:
                    verdict = self.check(workspace, operation, **kw)
                    if not verdict.allowed:
                        raise access_denied(verdict, operation) from None
            raise

    # --- reads -------------------------------------------------------------------------------------------------

    def show(self, workspace: WorkspaceRef, name: str, *, topic: str | bool | None = None,
             full_url: bool = False, attribute_secrets: bool = False) -> dict[str, Any]:
        """One event subscription; ``full_url`` also reads the webhook URL with its query (getFullUrl),
        ``attribute_secrets`` the delivery attributes with their secret values (getDeliveryAttributes)."""
        api = self.api(workspace)
        found = api.find(name, topic_name(api, topic))
        resource = found.resource
        props = resource.get("properties") or {}
        if attribute_secrets:
            destination = destination_of(props) or {}
            # As az: a storage queue has no delivery attributes, and the service refuses to read them there.
            if destination.get("endpointType") == "StorageQueue":
                self.ui.warn(f"event subscription '{name}' delivers to StorageQueue, which has no delivery "
                             "attributes to include")
            else:
                inner = destination.setdefault("properties", {})
                mappings = api.delivery_attributes(found)
                if mappings or inner.get("deliveryAttributeMappings") is not None:
                    inner["deliveryAttributeMappings"] = mappings
        if full_url:
            destination = destination_of(props) or {}
            # Only a WebHook has a full URL: getFullUrl on any other destination is an error (it was exit 2).
            if destination.get("endpointType") == "WebHook":
                url = api.full_url(found)
                if url:
                    destination.setdefault("properties", {})["endpointUrl"] = url
            else:
                self.ui.warn(f"event subscription '{name}' delivers to {destination.get('endpointType', '?')}, "
                             "which has no endpoint URL to include")
        return resource

    def list(self, workspace: WorkspaceRef) -> Iterator[dict[str, Any]]:
        """Every event subscription of the workspace as the pages arrive: one paged list on the workspace scope,
        which holds those created through its system topic too (one collection per source)."""
        return self.api(workspace).items()

    # --- writes ------------------------------------------------------------------------------------------------

    def create(self, workspace: WorkspaceRef, name: str, options: SubscriptionOptions, event_filter: EventFilter, *,
               system_topic: str | None = None, overwrite: bool = False, dry_run: bool = False, wait: bool = True,
               check_access: bool = True) -> Any:
        """Create (or with ``overwrite`` replace) a subscription; returns the resource or, dry-run, the writes."""
        check_name(name)
        if system_topic:
            check_topic_name(system_topic)
        # bad input fails before any request
        properties = build_properties(options, event_filter, allow_http_loopback=self.allow_http_loopback)
        api = self.api(workspace)
        use_topic = system_topic is not None
        # Only reads that decide something the PUT's own answer cannot (a PUT is an upsert that says nothing of
        # what it replaced); they are independent, so they go out at once, one round trip in all.
        calls: dict[str, Callable[[], Any]] = {
            "workspace": api.check_workspace,  # exit 5 before any write or --dry-run; a new topic's location
            # The name is free (exit 2 without --overwrite, else the PUT replaces): one GET on the scope finds it
            # whichever path created it (one collection per source).
            "scope": lambda: api.get(name),
        }
        if use_topic:  # which system topic the create goes under, and whether it must be created first
            calls["topic"] = api.system_topic
        if check_access:  # exit 4 naming the identity, action and roles before the write, not Azure's bare 403
            calls["permissions"] = lambda: self.access.permissions(workspace, resource_group_scope=use_topic)
        got = dict(zip(calls, concurrently(list(calls.values()))))
        workspace_resource = unwrap(got["workspace"])  # exit 5 before anything else, --dry-run included
        topic = None
        if use_topic:
            with self._reads_before(workspace, "create", [{"system_topic": True, "create_topic": True}],
                                    check_access):
                topic = unwrap(got["topic"])
            if topic and system_topic and topic["name"] != system_topic:  # --system-topic-name, another topic
                self.ui.warn(f"workspace '{workspace.name}' already has system topic '{topic['name']}' (Azure allows "
                             f"one per source): creating the subscription under it, not under '{system_topic}'")
            needed = topic_identity(identities_of(properties))
            held = ((topic or {}).get("identity") or {}).get("type") or "None"
            if topic and needed and not all(t.strip() in held for t in needed["type"].split(",")):
                self.ui.warn(f"system topic '{topic['name']}' has no {needed['type']} managed identity: Event Grid "
                             "delivers with the topic's identity, so this subscription cannot deliver until the "
                             "topic has one (az eventgrid system-topic update --identity ...)")
        if check_access:
            self.ensure_access(workspace, "create", system_topic=use_topic, create_topic=use_topic and not topic)
        existing = None if isinstance(got["scope"], AccessDeniedError) else unwrap(got["scope"])
        if existing is not None and not overwrite:
            raise InvalidInputError(
                f"event subscription '{name}' already exists on workspace '{workspace.name}'",
                hint="pass --overwrite to replace it, or use `amlevents subscription update` to change it",
            )
        writes = []
        topic_name = topic["name"] if topic else (system_topic or api.default_topic_name) if use_topic else None
        if use_topic and not topic:
            if workspace_resource is None:  # it may not be read: the GET again raises that 403 here, as before
                workspace_resource = api.workspace_resource()
            location = workspace_resource.get("location", "")
            # the topic holds the identity the subscription delivers with (Event Grid uses the topic's identity)
            writes.append(request("PUT", api.topic_url(topic_name),
                                  api.topic_body(location, identities_of(properties))))
        writes.append(request("PUT", api.url(name, topic_name), {"properties": properties}))
        if dry_run:
            return writes[0] if len(writes) == 1 else writes
        with self.ui.progress(f"Creating event subscription '{name}'"):
            if use_topic and not topic:
                api.ensure_system_topic(topic_name, location=writes[0]["body"]["location"],
                                        identities=identities_of(properties))
            if wait:
                resource, accepted = self._put_and_wait(api, name, properties, topic_name)
            else:
                resource = api.put(name, properties, topic=topic_name, wait=False)
                accepted = ((resource or {}).get("properties") or {}).get("provisioningState")
        if existing is None and accepted == "Updating":
            raise ConcurrentChangeError(
                f"event subscription '{name}' was created by another client between amlevents' check and its write; "
                "this create replaced it (Event Grid has no conditional create: a PUT replaces what is there)",
                hint=f"agree with the other writer on one owner of '{name}'; `amlevents subscription show {name}` "
                "shows what Azure holds now")
        if wait:
            _check_holds(name, properties, resource)
        return self._outcome(resource, wait)

    def _put_and_wait(self, api: WorkspaceSubscriptions, name: str, properties: dict[str, Any],
                      topic: str | None) -> tuple[dict[str, Any] | None, str | None]:
        """PUT the subscription and wait for it: the resource after the operation and the ``provisioningState`` the
        PUT was answered with."""
        with translate_errors(f"create event subscription '{name}'"):
            poller = api.begin_put(name, properties, topic=topic, polling=False)
        # The final GET after Succeeded is kept: only a read after the operation shows whether another writer's
        # PUT landed after ours (``_check_holds``, exit 6); the operation's status and the PUT's answer cannot.
        return self._wait(api, poller, "create", name, topic)

    def _wait(self, api: WorkspaceSubscriptions, poller: Any, action: str, name: str,
              topic: str | None) -> tuple[dict[str, Any] | None, str | None]:
        """Wait on this thread for the operation ``poller`` (from ``begin_*(..., polling=False)``) started, with
        ``arm.scheduler`` (no poller thread), and settle it (``arm.outcome``): the resource after it and the
        ``provisioningState`` the write was answered with."""
        from amlevents.arm.scheduler import PollScheduler

        scheduler = PollScheduler(deadline=self.session.deadline, senders=1)
        watch = scheduler.watch(poller, self.session.polling(), api.client._client)
        scheduler.run()
        return api.settle(watch, action, name, topic), watch.accepted_state

    def update(self, workspace: WorkspaceRef, name: str, options: SubscriptionOptions, flags: FilterFlags, *,
               topic: str | bool | None = None, dry_run: bool = False, wait: bool = True,
               check_access: bool = True) -> Any:
        """Change only what the options name; returns the resource (unchanged when nothing differs)."""
        api = self.api(workspace)
        with self._reads_before(workspace, "update", _paths(topic), check_access):
            found = api.find(name, topic_name(api, topic))
        props = found.resource.get("properties") or {}
        new_filter = edited_filter(EventFilter.from_wire(props.get("filter") or {}, strict=False), flags)
        if check_access:
            self.ensure_access(workspace, "update", system_topic=found.topic is not None)
        current = api.hydrate(found) if needs_hydration(options) else props
        body, changed = merge_update(current, options, new_filter, allow_http_loopback=self.allow_http_loopback)
        if not changed:
            self.ui.warn(f"nothing to change: event subscription '{name}' already has these settings")
            return found.resource
        if needs_put(body):
            method, payload = "PUT", {"properties": apply_patch(current, body)}
        else:
            method, payload = "PATCH", body
        if dry_run:
            return request(method, api.url(name, found.topic), payload)
        with self.ui.progress(f"Updating event subscription '{name}' ({', '.join(changed)})"):
            if not wait and method == "PUT":
                resource = api.put(name, payload["properties"], topic=found.topic, wait=False, verb="update")
            elif not wait:
                resource = api.patch(found, body, wait=False)
            else:
                with translate_errors(f"update event subscription '{name}'"):
                    poller = (api.begin_put(name, payload["properties"], topic=found.topic, polling=False)
                              if method == "PUT" else api.begin_patch(found, body, polling=False))
                resource, _ = self._wait(api, poller, "update", name, found.topic)
        outcome = self._outcome(resource, wait)
        self.ui.done(f"Updated event subscription '{found.name}' on workspace '{workspace.name}'."
                     if wait else f"Update of event subscription '{found.name}' accepted; Azure is applying it.")
        return outcome

    def delete(self, workspace: WorkspaceRef, name: str, *, topic: str | bool | None = None, yes: bool = False,
               if_exists: bool = False, dry_run: bool = False, wait: bool = True,
               check_access: bool = True) -> Any:
        """Delete after confirmation; None when done (or absent with ``if_exists``), the request on dry-run."""
        api = self.api(workspace)
        try:
            with self._reads_before(workspace, "delete", _paths(topic), check_access):
                found = api.find(name, topic_name(api, topic))
        except NotFoundError:
            if if_exists:
                self.ui.warn(f"event subscription '{name}' does not exist; nothing to delete")
                return None
            raise
        if check_access:
            self.ensure_access(workspace, "delete", system_topic=found.topic is not None)
        if dry_run:
            return request("DELETE", api.url(name, found.topic))
        if not yes:
            if self.ui.confirm is None:
                raise InvalidInputError(
                    f"refusing to delete event subscription '{name}' without confirmation",
                    hint="there is no terminal to ask on: pass --yes",
                )
            self.ui.confirm(f"Delete event subscription '{name}' from workspace '{workspace.name}'?")  # or Cancelled
        with self.ui.progress(f"Deleting event subscription '{name}'"):
            if not wait:
                api.delete(found, wait=False)
                return None
            with translate_errors(f"delete event subscription '{name}'"):
                poller = api.begin_delete(found, polling=False)
            self._wait(api, poller, "delete", found.name, found.topic)
        self.ui.done(f"Deleted event subscription '{found.name}' from workspace '{workspace.name}'.")
        return None

    def _outcome(self, resource: dict[str, Any], waited: bool) -> dict[str, Any]:
        state = ((resource or {}).get("properties") or {}).get("provisioningState")
        if waited and state == "Failed":
            raise ServiceError(f"event subscription '{resource.get('name')}' ended in state Failed", hint=_HANDSHAKE)
        if waited and state == "AwaitingManualAction":
            raise ServiceError(
                f"event subscription '{resource.get('name')}' is awaiting manual validation: Event Grid sent a "
                "validation URL to the endpoint, and events flow only after someone opens it (within 10 minutes)",
                hint="have the endpoint answer the validation handshake automatically; see https://aka.ms/esvalidation",
            )
        return resource


def topic_name(api: WorkspaceSubscriptions, topic: str | bool | None) -> str | None:
    """Where a lookup by name looks: None (the workspace scope), a system topic's name, or True
    (``--system-topic``): the workspace's own system topic, found by its source (exit 5 when it has none)."""
    if topic is not True:
        return topic or None
    found = api.system_topic()
    if found is None:
        raise NotFoundError(f"workspace '{api.workspace.name}' has no system topic",
                            hint="leave out --system-topic to look on the workspace scope")
    return found["name"]


def _check_holds(name: str, sent: dict[str, Any], resource: dict[str, Any] | None) -> None:
    """Raise ``ConcurrentChangeError`` when the subscription read after the write has another destination or
    filter than the one sent: another writer's PUT landed after ours (the window between a create's name check and
    its PUT cannot be closed against Azure, so a lost write is reported instead of hidden)."""
    from amlevents.core.plan import diff

    if not resource:
        return
    changes = [c for c in diff(sent, resource.get("properties") or {}).changes
               if c.path.startswith(("destination", "deliveryWithResourceIdentity", "filter"))]
    if changes:
        fields = ", ".join(sorted({c.path for c in changes}))
        raise ConcurrentChangeError(
            f"event subscription '{name}' was written, but Azure now holds another {fields} than this create sent: "
            "another client wrote it at the same time and its write won",
            hint=f"`amlevents subscription show {name}` shows what Azure holds; agree on one writer, then run "
            "`amlevents subscription update` or `create --overwrite`")


def _paths(topic: str | bool | None) -> list[dict[str, bool]]:
    """The access-check path a lookup by name used: the system topic's, or the workspace scope's."""
    return [{"system_topic": bool(topic)}]
