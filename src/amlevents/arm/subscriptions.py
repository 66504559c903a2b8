"""Event subscriptions of one workspace: one collection per source, addressed on the workspace scope or through
the workspace's system topic (arm-contract.md §2: a scope subscription lives under the source's system topic).

The scope path's list is the whole collection, so a list reads that one paged list, and a name is found with one
GET on the scope path (through the topic path only when the user names the system topic).

Bodies are sent as the exact wire JSON built by ``amlevents.core.subscription.properties`` (not SDK models), and results
come back as the JSON the REST API returned, so what ``--dry-run`` prints and what ``-o json`` shows is what
went over the wire. Long-running operations use ``AdaptivePolling`` (``Session.polling``), and their outcome is
settled by ``arm.outcome``: a status that cannot be read is resolved by reading the subscription.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from amlevents.arm.errors import translate_errors
from amlevents.arm.outcome import settle
from amlevents.arm.session import Session
from amlevents.core.catalog import TOPIC_TYPE
from amlevents.core.errors import AccessDeniedError, NotFoundError
from amlevents.core.subscription import destination_of
from amlevents.core.workspace import WorkspaceRef

WORKSPACE_API_VERSION = "2024-04-01"  # Microsoft.MachineLearningServices, for the few workspace reads


def _list_errors() -> dict[int, Any]:
    from azure.core.exceptions import (
        ClientAuthenticationError,
        ResourceExistsError,
        ResourceNotFoundError,
        ResourceNotModifiedError,
    )

    return {401: ClientAuthenticationError, 404: ResourceNotFoundError, 409: ResourceExistsError,
            304: ResourceNotModifiedError}


def _raw(pipeline_response: Any, _deserialized: Any, _headers: Any) -> Any:
    """``cls=`` hook: the response JSON exactly as the service sent it."""
    response = pipeline_response.http_response
    return response.json() if response.text() else None


def _body(data: dict[str, Any]) -> io.BytesIO:
    return io.BytesIO(json.dumps(data).encode("utf-8"))


def get_json(client: Any, url: str) -> Any:
    """GET ``url`` through ``client``'s pipeline and return the response JSON (no AML SDK dependency for the
    few workspace reads); raises the SDK's ``HttpResponseError`` on an error status."""
    from azure.core.rest import HttpRequest

    response = client._send_request(HttpRequest("GET", url))
    response.raise_for_status()
    return response.json()


def list_json(client: Any, url: str) -> Iterator[dict[str, Any]]:
    """Every item of an ARM list, page by page, as the service sent it.

    The SDK's pagers deserialize each page into models (and the models cost ~8 s per 10,000 items to turn back
    into dicts); this sends the same requests through the client's own pipeline (retries, auth, transport) and
    follows ``nextLink`` the way the generated pagers do (with the client's api-version). The next page is
    requested as soon as a page arrives, so the service works on it while this one is written (one page ahead:
    memory stays two pages). Errors are raised as the SDK raises them (``map_error``, then ``HttpResponseError``
    in ARM's format), in page order.
    """
    from concurrent.futures import ThreadPoolExecutor

    from azure.core.rest import HttpRequest

    api_version = client._config.api_version
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="amlevents-next-page") as ahead:
        pending = ahead.submit(_page, client, HttpRequest("GET", url))
        while pending is not None:
            # Parsed here, not in the fetching thread: two threads both busy in Python only take turns at the GIL.
            page = pending.result().json() or {}
            next_link = page.get("nextLink")
            pending = ahead.submit(_page, client, _next_request(next_link, api_version)) if next_link else None
            yield from page.get("value") or []


def _page(client: Any, request: Any) -> Any:
    """One page's response, read; an error status raised as the SDK's pagers raise it."""
    response = client._send_request(request)
    raise_for_status(response)
    return response


def raise_for_status(response: Any, accepted: tuple[int, ...] = (200,)) -> None:
    """Raise a status outside ``accepted`` as the generated operations and pagers do: ``map_error`` (404 ->
    ``ResourceNotFoundError`` ...), then ``HttpResponseError`` in ARM's error format."""
    if response.status_code in accepted:
        return
    from azure.core.exceptions import HttpResponseError, map_error
    from azure.mgmt.core.exceptions import ARMErrorFormat

    map_error(status_code=response.status_code, response=response, error_map=_list_errors())
    raise HttpResponseError(response=response, error_format=ARMErrorFormat)


def post_json(pipeline: Any, url: str) -> Any:
    """POST ``url`` (an action without a body, such as getFullUrl) through ``pipeline`` (``Session.lean``: the
    client's own retry, auth, user-agent and, under --debug, logging policies) and return the response JSON; errors
    raised as the generated operation raises them.

    The generated operation turns the answer into a model, and back into a dict for us; a fleet's plan sends
    5,000 of these, so the JSON is read as it came.
    """
    return send_json(pipeline, "POST", url)


def send_json(pipeline: Any, method: str, url: str) -> Any:
    """``method`` ``url`` (no body) through ``pipeline``; the response JSON (None when empty), an error status
    raised as the generated operations raise it (``map_error``, then ARM's error format)."""
    from azure.core.rest import HttpRequest

    response = pipeline.send_request(HttpRequest(method, pipeline.format_url(url), headers=json_headers()))
    raise_for_status(response)
    return response.json() if response.content else None


def json_headers() -> dict[str, str]:
    """The headers of a raw request through a lean pipeline (which has no request-id policy): JSON, and a client
    request id as azure-core's ``RequestIdPolicy`` would add it, made without a system call (its ``uuid1`` asks
    libuuid, which tries the uuidd daemon's socket on every call: two system calls a request)."""
    import random
    import uuid

    return {"Accept": "application/json", "x-ms-client-request-id": str(uuid.UUID(int=random.getrandbits(128),
                                                                                    version=4))}


def _next_request(next_link: str, api_version: str) -> Any:
    """The GET of a ``nextLink``, its query re-quoted and its api-version the client's, as the SDK's pagers do."""
    from urllib.parse import parse_qs, quote, urljoin, urlparse

    from azure.core.rest import HttpRequest

    parsed = urlparse(next_link)
    params = {k: [quote(v) for v in vs] for k, vs in parse_qs(parsed.query).items() if k.lower() != "api-version"}
    params["api-version"] = [api_version]
    return HttpRequest("GET", urljoin(next_link, parsed.path), params=params)


def through_topic(resource: dict[str, Any], topic: dict[str, Any]) -> dict[str, Any]:
    """A subscription as read on the scope path, as the system topic ``topic`` path shows the same subscription:
    that path's id and type, and the topic's id as ``properties.topic`` (the swagger examples)."""
    return {**resource, "id": f"{topic['id']}/eventSubscriptions/{resource['name']}",
            "type": "Microsoft.EventGrid/systemTopics/eventSubscriptions",
            "properties": {**(resource.get("properties") or {}), "topic": topic["id"]}}


def identities_of(properties: dict[str, Any]) -> list[dict[str, Any]]:
    """The managed identities a subscription's properties deliver or dead-letter with (wire ``identity`` objects)."""
    return [w["identity"] for w in (properties.get("deliveryWithResourceIdentity"),
                                    properties.get("deadLetterWithResourceIdentity"))
            if isinstance(w, dict) and isinstance(w.get("identity"), dict)]


def topic_identity(identities: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The ``identity`` a system topic needs so that Event Grid can deliver with ``identities``: system-assigned
    and/or the user-assigned ones named (None when no subscription uses one)."""
    system = any(i.get("type") == "SystemAssigned" for i in identities)
    users = sorted({i["userAssignedIdentity"] for i in identities
                    if i.get("type") == "UserAssigned" and i.get("userAssignedIdentity")})
    if not system and not users:
        return None
    kind = "SystemAssigned, UserAssigned" if system and users else "SystemAssigned" if system else "UserAssigned"
    identity: dict[str, Any] = {"type": kind}
    if users:
        identity["userAssignedIdentities"] = {u: {} for u in users}
    return identity


@dataclass(frozen=True)
class Found:
    """An existing event subscription and the path it was read through (``topic`` is None on the workspace scope);
    later requests on it go through the same path."""

    resource: dict[str, Any]
    topic: str | None

    @property
    def name(self) -> str:
        return self.resource["name"]


class WorkspaceSubscriptions:
    """Get, list, create, update and delete the event subscriptions of ``workspace``."""

    def __init__(self, session: Session, workspace: WorkspaceRef) -> None:
        self.session = session
        self.workspace = workspace
        self.client = session.eventgrid(workspace.subscription_id)
        self._topic: dict[str, Any] | None | bool = False  # False: not looked up yet
        self.accepted_state: str | None = None  # the provisioningState the last PUT was answered with

    # --- addresses ---------------------------------------------------------------------------------------------

    @property
    def api_version(self) -> str:
        return self.client._config.api_version

    @property
    def _group_path(self) -> str:
        return f"/subscriptions/{self.workspace.subscription_id}/resourceGroups/{self.workspace.resource_group}"

    def url(self, name: str, topic: str | None = None) -> str:
        """The ARM URL of a subscription (for ``--dry-run`` output)."""
        if topic:
            path = (f"/subscriptions/{self.workspace.subscription_id}/resourceGroups/{self.workspace.resource_group}"
                    f"/providers/Microsoft.EventGrid/systemTopics/{topic}/eventSubscriptions/{name}")
        else:
            path = f"{self.workspace.id}/providers/Microsoft.EventGrid/eventSubscriptions/{name}"
        return f"{self.session.base_url}{path}?api-version={self.api_version}"

    @property
    def default_topic_name(self) -> str:
        """The name a new system topic gets when none is given: ``{workspace}-events``."""
        return f"{self.workspace.name}-events"

    def topic_url(self, topic: str) -> str:
        path = (f"/subscriptions/{self.workspace.subscription_id}/resourceGroups/{self.workspace.resource_group}"
                f"/providers/Microsoft.EventGrid/systemTopics/{topic}")
        return f"{self.session.base_url}{path}?api-version={self.api_version}"

    # --- reads -------------------------------------------------------------------------------------------------

    def check_workspace(self) -> dict[str, Any] | None:
        """The workspace resource; raise ``NotFoundError`` (exit 5) when the workspace does not exist. A caller who
        may not read it gets None: a role such as EventGrid EventSubscription Contributor writes subscriptions
        without reading workspaces."""
        try:
            return self.workspace_resource()
        except AccessDeniedError:
            return None

    def workspace_resource(self) -> dict[str, Any]:
        """GET the workspace itself (exit 5 when it does not exist)."""
        ws = self.workspace
        with translate_errors(f"find workspace '{ws.name}' in resource group '{ws.resource_group}'"):
            return get_json(self.client, f"{ws.id}?api-version={WORKSPACE_API_VERSION}")

    def system_topic(self) -> dict[str, Any] | None:
        """The workspace's system topic (Azure allows one per source), or None."""
        if self._topic is False:
            ws = self.workspace
            topics = self.session.memo(("system-topics", ws.subscription_id.lower(), ws.resource_group.lower()),
                                       self._list_topics)
            self._topic = next(
                (t for t in topics if (t.get("properties", {}).get("source") or "").lower() == ws.id.lower()), None
            )
        return self._topic  # type: ignore[return-value]

    def _list_topics(self) -> list[dict[str, Any]]:
        ws = self.workspace
        with translate_errors(f"list the system topics of resource group '{ws.resource_group}'"):
            return list(list_json(self.client, f"{self._group_path}/providers/Microsoft.EventGrid/systemTopics"
                                               f"?api-version={self.api_version}"))

    def find(self, name: str, topic: str | None = None) -> Found:
        """The subscription called ``name``, read on the workspace scope, or through the system topic ``topic``
        when given (exit 5 when it does not exist)."""
        found = self.get(name, topic)
        if found is None:
            raise NotFoundError(
                f"event subscription '{name}' does not exist on workspace '{self.workspace.name}'",
                hint="`amlevents subscription list` shows the existing ones",
            )
        return found

    def get(self, name: str, topic: str | None = None) -> Found | None:
        """The subscription, or None when it does not exist."""
        from azure.core.exceptions import ResourceNotFoundError

        with translate_errors(f"read event subscription '{name}'"):
            try:
                if topic:
                    resource = self.client.system_topic_event_subscriptions.get(
                        self.workspace.resource_group, topic, name, cls=_raw)
                else:
                    resource = self.client.event_subscriptions.get(self.workspace.id, name, cls=_raw)
            except ResourceNotFoundError:
                return None
        return Found(resource, topic)

    def list(self) -> list[dict[str, Any]]:
        """Every subscription of the workspace (``items`` read whole)."""
        return list(self.items())

    def items(self) -> Iterator[dict[str, Any]]:
        """Every subscription of the workspace as the pages of the scope list arrive (the scope list holds those
        created through the system topic too); errors translated as they happen."""
        ws = self.workspace
        with translate_errors(f"list the event subscriptions of workspace '{ws.name}'"):
            yield from list_json(self.client, f"{ws.id}/providers/Microsoft.EventGrid/eventSubscriptions"
                                              f"?api-version={self.api_version}&$top=100")

    def hydrate(self, found: Found) -> dict[str, Any]:
        """The subscription's properties with the webhook URL and secret attribute values filled in."""
        props = json.loads(json.dumps(found.resource.get("properties") or {}))
        destination = destination_of(props)
        if not destination:
            return props
        inner = destination.setdefault("properties", {})
        if destination.get("endpointType") == "WebHook" and not inner.get("endpointUrl"):
            inner["endpointUrl"] = self.full_url(found)
        if any((m.get("properties") or {}).get("isSecret") for m in inner.get("deliveryAttributeMappings") or []):
            inner["deliveryAttributeMappings"] = self.delivery_attributes(found)
        return props

    def full_url(self, found: Found) -> str | None:
        """The webhook endpoint URL with its query string (needs the getFullUrl permission)."""
        with translate_errors(f"read the full endpoint URL of '{found.name}'"):
            return (post_json(self.lean_pipeline(), self.action_path(found, "getFullUrl")) or {}).get("endpointUrl")

    def delivery_attributes(self, found: Found) -> list[dict[str, Any]]:
        """The delivery attribute mappings with secret values (needs the getDeliveryAttributes permission)."""
        with translate_errors(f"read the delivery attributes of '{found.name}'"):
            answer = post_json(self.lean_pipeline(), self.action_path(found, "getDeliveryAttributes"))
            return (answer or {}).get("value") or []

    def lean_pipeline(self) -> Any:
        """The session's lean pipeline for this workspace's Azure subscription (``Session.lean``)."""
        return self.session.lean(self.workspace.subscription_id)

    def action_path(self, found: Found, action: str) -> str:
        """The path of a POST action on the subscription, through the path it was read (the operation's URL)."""
        from urllib.parse import quote

        name = quote(found.name, safe="")
        if found.topic:
            ws = self.workspace
            parent = (f"/subscriptions/{quote(ws.subscription_id, safe='')}/resourceGroups/"
                      f"{quote(ws.resource_group, safe='')}/providers/Microsoft.EventGrid/systemTopics/"
                      f"{quote(found.topic, safe='')}")
        else:
            parent = f"{self.workspace.id}/providers/Microsoft.EventGrid"
        return f"{parent}/eventSubscriptions/{name}/{action}?api-version={self.api_version}"

    def _ops(self, found: Found) -> tuple[Any, tuple[str, ...]]:
        if found.topic:
            return self.client.system_topic_event_subscriptions, (self.workspace.resource_group, found.topic,
                                                                  found.name)
        return self.client.event_subscriptions, (self.workspace.id, found.name)

    # --- writes ------------------------------------------------------------------------------------------------

    def topic_body(self, location: str, identities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The PUT body of a new system topic for this workspace; ``identities`` are the managed identities its
        subscriptions deliver or dead-letter with (``topic_identity``): the topic must hold them."""
        body: dict[str, Any] = {"location": location,
                                "properties": {"source": self.workspace.id, "topicType": TOPIC_TYPE}}
        identity = topic_identity(identities or [])
        if identity is not None:
            body["identity"] = identity
        return body

    def ensure_system_topic(self, name: str | None, *, location: str,
                            identities: list[dict[str, Any]] | None = None) -> str:
        """The workspace's system topic name, creating it (as ``name``, or ``{workspace}-events``) if absent."""
        existing = self.system_topic()
        if existing:
            return existing["name"]
        topic = name or self.default_topic_name
        body = self.topic_body(location, identities)
        with translate_errors(f"create system topic '{topic}'"):
            poller = self.client.system_topics.begin_create_or_update(
                self.workspace.resource_group, topic, _body(body), polling=self.session.polling(), cls=_raw)
            self._topic = poller.result()
        self.session.forget(("system-topics", self.workspace.subscription_id.lower(),
                             self.workspace.resource_group.lower()))
        return topic

    def put(self, name: str, properties: dict[str, Any], *, topic: str | None = None, wait: bool = True,
            verb: str = "create") -> dict[str, Any]:
        """PUT (create or replace) a subscription; waits for provisioning unless ``wait`` is False."""
        with translate_errors(f"{verb} event subscription '{name}'"):
            poller = self.begin_put(name, properties, topic=topic, polling=self._polling(wait))
        method = poller.polling_method()
        self.accepted_state = getattr(method, "accepted_state", None)
        return self.settle(poller, verb, name, topic)

    def patch(self, found: Found, body: dict[str, Any], *, wait: bool = True) -> dict[str, Any]:
        """PATCH the fields in ``body``; waits for provisioning unless ``wait`` is False."""
        with translate_errors(f"update event subscription '{found.name}'"):
            poller = self.begin_patch(found, body, polling=self._polling(wait))
        return self.settle(poller, "update", found.name, found.topic)

    def delete(self, found: Found, *, wait: bool = True) -> None:
        """DELETE the subscription; waits for the deletion unless ``wait`` is False."""
        with translate_errors(f"delete event subscription '{found.name}'"):
            poller = self.begin_delete(found, polling=self._polling(wait))
        self.settle(poller, "delete", found.name, found.topic)

    def settle(self, poller: Any, action: str, name: str, topic: str | None) -> Any:
        """The outcome of an accepted write: the poller's result, or what a GET says when its status cannot be
        read (``arm.outcome``)."""
        def read() -> dict[str, Any] | None:
            found = self.get(name, topic)
            return found.resource if found else None

        return settle(poller, action=action, name=name, read=read, notice=self.session.notice)

    def _polling(self, wait: bool) -> Any:
        return self.session.polling() if wait else False

    # The requests that start those operations, returning the poller. SDK errors are not translated here: the
    # caller does that, with its own wording of what failed.

    def begin_put(self, name: str, properties: dict[str, Any], *, topic: str | None, polling: Any) -> Any:
        if topic:
            return self.client.system_topic_event_subscriptions.begin_create_or_update(
                self.workspace.resource_group, topic, name, _body({"properties": properties}), polling=polling,
                cls=_raw)
        return self.client.event_subscriptions.begin_create_or_update(
            self.workspace.id, name, _body({"properties": properties}), polling=polling, cls=_raw)

    def begin_patch(self, found: Found, body: dict[str, Any], *, polling: Any) -> Any:
        ops, args = self._ops(found)
        return ops.begin_update(*args, _body(body), polling=polling, cls=_raw)

    def begin_delete(self, found: Found, *, polling: Any) -> Any:
        ops, args = self._ops(found)
        return ops.begin_delete(*args, polling=polling)
