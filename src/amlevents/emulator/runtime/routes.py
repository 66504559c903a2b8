"""The URL map: (method, path regex with named groups) -> handler, and the RBAC action each one needs.

Paths match case-insensitively (ARM treats ``resourceGroups``/``resourcegroups`` and provider namespaces
alike) against the path with ``//`` collapsed and no trailing slash. ``action=None`` means any authenticated
caller: the subscription and tenant lists (filtered to the caller), operation-status polls (the operation id
is the capability; ARM lets the caller of an operation poll it whatever their role) and the permissions and
role-definition reads (any signed-in user may read them, which is how a client checks its own access).

A path no route matches is answered as ARM answers a resource it cannot route (``unrouted``): the subscription
and the resource group must exist (404 ``SubscriptionNotFound``/``ResourceGroupNotFound``), a provider namespace
outside ``RESOURCE_TYPES`` has no registered provider (400 ``NoRegisteredProviderFound``), and any other type of a
namespace here is unknown to it (404 ``InvalidResourceType``): the seeded subscription registers only the types
the emulator serves.

The handlers are each provider's (``eventgrid/handlers.py``, ``authorization/handlers.py``) and, for the seeded
world, ``handlers.py`` here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from amlevents.emulator.authorization import handlers as authz
from amlevents.emulator.authorization import rbac
from amlevents.emulator.eventgrid import handlers as eg
from amlevents.emulator.resourcegraph import handlers as graph
from amlevents.emulator.runtime import handlers as h
from amlevents.emulator.runtime.errors import ArmError


@dataclass(frozen=True)
class Route:
    """One ARM operation."""

    method: str
    pattern: re.Pattern[str]
    handler: Callable[..., h.Reply]
    action: str | None


_SUB = r"/subscriptions/(?P<sub>[^/]+)"
_RG = _SUB + r"/resourceGroups/(?P<rg>[^/]+)"
_RES = _RG + r"/providers/(?P<ns>[^/]+)/(?P<rtype>[^/]+)/(?P<rname>[^/]+)"
_TOPIC = _RG + r"/providers/Microsoft\.EventGrid/systemTopics/(?P<topic>[^/]+)"
_ES = r"/providers/Microsoft\.EventGrid/eventSubscriptions"
_OPS = _SUB + r"/providers/Microsoft\.EventGrid/locations/(?P<location>[^/]+)"
_WS = _RG + r"/providers/Microsoft\.MachineLearningServices/workspaces"
_SCOPE = r"(?P<scope>(?:/.*)?)/providers/Microsoft\.Authorization"

_EG = "Microsoft.EventGrid/eventSubscriptions"
_TEG = "Microsoft.EventGrid/systemTopics/eventSubscriptions"
_ST = "Microsoft.EventGrid/systemTopics"

# The operations on an event subscription collection: (method, path below the collection, handler, action below
# the resource type's namespace). The same for system-topic and workspace-scope subscriptions.
_ES_OPERATIONS: tuple[tuple[str, str, Callable[..., h.Reply], str], ...] = (
    ("GET", r"/(?P<name>[^/]+)", eg.get_event_subscription, "read"),
    ("PUT", r"/(?P<name>[^/]+)", eg.put_event_subscription, "write"),
    ("PATCH", r"/(?P<name>[^/]+)", eg.patch_event_subscription, "write"),
    ("DELETE", r"/(?P<name>[^/]+)", eg.delete_event_subscription, "delete"),
    ("POST", r"/(?P<name>[^/]+)/getFullUrl", eg.get_full_url, "getFullUrl/action"),
    ("POST", r"/(?P<name>[^/]+)/getDeliveryAttributes", eg.get_delivery_attributes, "getDeliveryAttributes/action"),
    ("GET", "", eg.list_event_subscriptions, "read"),
)


def _event_subscription_routes(collection: str, namespace: str) -> list[tuple[str, str, Callable[..., h.Reply], str]]:
    return [(method, collection + below, handler, f"{namespace}/{action}")
            for method, below, handler, action in _ES_OPERATIONS]


_TABLE: list[tuple[str, str, Callable[..., h.Reply], str | None]] = [
    # system topics and their event subscriptions (before the generic resource scope, which would also match)
    *_event_subscription_routes(_TOPIC + r"/eventSubscriptions", _TEG),
    ("GET", _TOPIC, eg.get_system_topic, f"{_ST}/read"),
    ("PUT", _TOPIC, eg.put_system_topic, f"{_ST}/write"),
    ("PATCH", _TOPIC, eg.patch_system_topic, f"{_ST}/write"),
    ("DELETE", _TOPIC, eg.delete_system_topic, f"{_ST}/delete"),
    ("GET", _RG + r"/providers/Microsoft\.EventGrid/systemTopics", eg.list_system_topics, f"{_ST}/read"),
    ("GET", _SUB + r"/providers/Microsoft\.EventGrid/systemTopics", eg.list_system_topics, f"{_ST}/read"),
    # event subscriptions on a resource scope (the workspace)
    *_event_subscription_routes(_RES + _ES, _EG),
    # the subscription- and resource-group-wide lists (az's `event-subscription list --location`), regional and
    # global, each also per topic type
    *[("GET", scope + r"/providers/Microsoft\.EventGrid" + where + kind + r"/eventSubscriptions",
       eg.list_regional_event_subscriptions, f"{_EG}/read")
      for scope in (_RG, _SUB) for where in (r"/locations/(?P<location>[^/]+)", "")
      for kind in (r"/topicTypes/(?P<ttype>[^/]+)", "")],
    # operations (the swagger examples spell both operationsStatus and operationStatus)
    ("GET", _OPS + r"/operations?Status/(?P<op>[^/]+)", eg.operation_status, None),
    ("GET", _OPS + r"/operationResults/(?P<op>[^/]+)", eg.operation_result, None),
    # the seeded world
    ("GET", _WS + r"/(?P<ws>[^/]+)", h.get_workspace, "Microsoft.MachineLearningServices/workspaces/read"),
    ("GET", _WS, h.list_workspaces, "Microsoft.MachineLearningServices/workspaces/read"),
    ("GET", _SUB + r"/providers/Microsoft\.MachineLearningServices/workspaces", h.list_workspaces,
     "Microsoft.MachineLearningServices/workspaces/read"),
    ("GET", _RG, h.get_resource_group, "Microsoft.Resources/subscriptions/resourceGroups/read"),
    ("GET", _SUB, h.get_subscription, "Microsoft.Resources/subscriptions/read"),
    # what a sign-in lists (any signed-in caller; the list holds only what the caller has a role in)
    ("GET", r"/subscriptions", h.list_subscriptions, None),
    ("GET", r"/tenants", h.list_tenants, None),
    # Resource Graph: any signed-in caller; the answer holds only what the caller can read
    ("POST", r"/providers/Microsoft\.ResourceGraph/resources", graph.resources, None),
    # Microsoft.Authorization
    ("GET", _SCOPE + r"/permissions", authz.list_permissions, None),
    ("GET", _SCOPE + r"/roleAssignments", authz.list_role_assignments,
     "Microsoft.Authorization/roleAssignments/read"),
    ("GET", _SCOPE + r"/roleDefinitions/(?P<guid>[^/]+)", authz.get_role_definition, None),
    ("GET", _SCOPE + r"/roleDefinitions", authz.list_role_definitions, None),
]

ROUTES: tuple[Route, ...] = tuple(
    Route(method, re.compile(pattern, re.IGNORECASE), handler, action) for method, pattern, handler, action in _TABLE
)


# What ``match`` expects: the path with doubled slashes collapsed and no trailing slash.
normalize_path = rbac.normalize_path


def match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for a normalized path; 405 when only the method is wrong, ``RouteNotFound`` when nothing matches."""
    allowed = False
    for route in ROUTES:
        m = route.pattern.fullmatch(path)
        if m is None:
            continue
        if route.method == method.upper():
            return route, {k: v for k, v in m.groupdict().items() if v is not None}
        allowed = True
    if allowed:
        raise ArmError(405, "MethodNotAllowed", f"The HTTP method '{method}' is not supported for '{path}'.")
    raise RouteNotFound(path)


class RouteNotFound(LookupError):
    """No route matches the path (``unrouted`` says what ARM answers)."""


# The provider namespaces the seeded subscription registers and their resource types (type chains, as in
# ``locations/topicTypes/eventSubscriptions``): those the routes above serve.
RESOURCE_TYPES: dict[str, frozenset[str]] = {
    "microsoft.eventgrid": frozenset(t.lower() for t in (
        "eventSubscriptions", "systemTopics", "systemTopics/eventSubscriptions", "topicTypes",
        "topicTypes/eventSubscriptions", "locations", "locations/eventSubscriptions",
        "locations/topicTypes/eventSubscriptions", "locations/operationsStatus", "locations/operationStatus",
        "locations/operationResults")),
    "microsoft.machinelearningservices": frozenset({"workspaces"}),
    "microsoft.authorization": frozenset({"permissions", "roleassignments", "roledefinitions"}),
    "microsoft.resourcegraph": frozenset({"resources"}),
}
_PARENTS = re.compile(r"/subscriptions/(?P<sub>[^/]+)(?:/resourceGroups/(?P<rg>[^/]+))?", re.IGNORECASE)


@dataclass(frozen=True)
class Unrouted:
    """What ARM reads off a path it cannot route: its subscription and resource group (None when it has none), and
    the first resource type it cannot serve (``registered``: whether its provider namespace is registered here)."""

    subscription: str | None
    resource_group: str | None
    namespace: str
    resource_type: str
    registered: bool


def unrouted(path: str) -> Unrouted:
    """The parts of a normalized path that no route matches.

    Each ``/providers/{namespace}/{type}/{name}/{type}...`` block names a type chain (every other segment); the
    first block whose namespace is not registered, or whose chain its namespace does not have, is the answer. When
    every block is known (a known type at a scope the emulator does not serve), the last one is. A path without
    ``/providers/`` is a ``Microsoft.Resources`` type.
    """
    parents = _PARENTS.match(path)
    sub, rg = (parents["sub"], parents["rg"]) if parents else (None, None)
    blocks = re.split("/providers/", path, flags=re.IGNORECASE)[1:]
    if not blocks:
        rest = [part for part in (path[parents.end():] if parents else path).split("/") if part]
        return Unrouted(sub, rg, "Microsoft.Resources", "/".join(rest[::2]) or path.strip("/"), True)
    parsed = []
    for block in blocks:
        namespace, _, below = block.partition("/")
        parsed.append((namespace, "/".join([part for part in below.split("/") if part][::2])))
    namespace, chain = next(((ns, chain) for ns, chain in parsed
                             if chain.lower() not in RESOURCE_TYPES.get(ns.lower(), ())), parsed[-1])
    return Unrouted(sub, rg, namespace, chain, namespace.lower() in RESOURCE_TYPES)
