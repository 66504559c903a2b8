"""What a published event can reach: the workspace's event subscriptions (on the workspace scope and under its
system topics), read through the Backend's public methods, with the secrets delivery needs (the webhook's full
URL, delivery attribute values) and nothing else.

Names are unique per source in Azure; where the two paths list the same subscription, it is delivered once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from amlevents.core.errors import InvalidInputError
from amlevents.emulator.eventgrid import views
from amlevents.emulator.eventgrid.subscriptions import ParentRef
from amlevents.emulator.runtime.errors import ArmError

if TYPE_CHECKING:
    from amlevents.emulator.runtime.backend import Backend
    from amlevents.emulator.runtime.seed import Workspace


@dataclass(frozen=True)
class Target:
    """One event subscription as delivery sees it: its resource JSON (secrets hidden, defaults filled in), and
    the webhook's full URL and the real delivery attribute mappings when it has them."""

    name: str
    id: str
    resource: dict[str, Any]
    url: str | None = None
    mappings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def properties(self) -> dict[str, Any]:
        """The resource's ``properties``."""
        return self.resource["properties"]

    @property
    def destination(self) -> dict[str, Any] | None:
        """The delivery destination (``destination`` or the identity-delivery one)."""
        found = views.destinations(self.properties)
        return found[0] if found else None


def find_workspace(backend: Backend, text: str, resource_group: str | None = None) -> Workspace:
    """The seeded workspace named by ``text`` (its name, or its ARM id); ``InvalidInputError`` otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError("'workspace' must be a workspace name or ARM id")
    wanted = text.strip().rstrip("/").lower()
    found = [w for w in backend.world.workspaces
             if w.id.lower() == wanted or (w.name.lower() == wanted and (
                 resource_group is None or w.resource_group.lower() == resource_group.lower()))]
    if not found:
        every = sorted(w.name for w in backend.world.workspaces)
        names = (", ".join(every[:20]) + (f" and {len(every) - 20} more" if len(every) > 20 else "")) or "none"
        raise InvalidInputError(f"no seeded workspace '{text}' (workspaces: {names})")
    if len(found) > 1:
        raise InvalidInputError(f"the workspace name '{text}' is in several resource groups; give its ARM id "
                                "or 'resourceGroup'")
    return found[0]


def _target(backend: Backend, ref: ParentRef, resource: dict[str, Any]) -> Target:
    name = resource["name"]
    dests = views.destinations(resource["properties"])
    url = None
    mappings: list[dict[str, Any]] = []
    if dests:
        if dests[0]["endpointType"] == "WebHook":
            url = backend.full_url(ref, name)
        if dests[0]["properties"].get("deliveryAttributeMappings"):
            mappings = backend.delivery_attributes(ref, name)
    return Target(name, resource["id"], resource, url, mappings)


def workspace_targets(backend: Backend, ws: Workspace) -> list[Target]:
    """Every event subscription of ``ws``: scope ones first, then those under its system topics, by name."""
    subscription = ws.subscription_id
    refs = [ParentRef(subscription, ws.resource_group, resource_name=ws.name)]
    for topic in backend.list_system_topics(subscription, ws.resource_group):
        if str(topic["properties"].get("source", "")).lower() == ws.id.lower():
            refs.append(ParentRef(subscription, ws.resource_group, system_topic=topic["name"]))
    seen: set[str] = set()
    targets = []
    for ref in refs:
        for resource in backend.list_event_subscriptions(ref):
            if resource["name"].lower() in seen:
                continue
            try:
                targets.append(_target(backend, ref, resource))
            except ArmError:  # deleted since it was listed: nothing to deliver to
                continue
            seen.add(resource["name"].lower())
    return targets
