"""The compact ``fleet`` form of a seed: many Azure subscriptions, resource groups and workspaces from a few numbers.

::

    fleet:
      subscriptions: 20                    # Azure subscriptions  f1ee7000-0000-4000-8000-000000000001 ...
      workspacesPerSubscription: 50        # workspaces fleet01-ws001 ... (names unique across the fleet)
      eventSubscriptionsPerWorkspace: 5    # event subscriptions es-1 ... es-5 on each workspace
      resourceGroupsPerSubscription: 1     # optional (default 1): fleet-rg-1 ...; workspace n goes to group n mod k
      locations: [eastus, westeurope]      # optional (default [eastus]): workspace n is in locations[n mod len]
      tags: {env: prod}                    # optional: every workspace's tags, or a list of mappings dealt round-robin
      endpoint: https://fleet.example.com/hook   # optional: the event subscriptions' webhook
      roleAssignments: [...]               # optional, per subscription ("{subscriptionId}" is substituted);
                                           # default: owner Owner and reader Reader on each subscription

``expand`` turns it into the entries of a seed's ``subscriptions`` list, deterministically: the same numbers give
the same ids and names on every start, so a state file written from a fleet seed reopens to the same world. A
seed holding only ``fleet`` takes the default world's tenant and principals.
"""

from __future__ import annotations

from typing import Any

from amlevents.core.errors import InvalidInputError

MAX_FLEET_SUBSCRIPTIONS = 10_000  # Resource Graph's own cap on subscriptions per principal
MAX_FLEET_WORKSPACES = 100_000
DEFAULT_ENDPOINT = "https://fleet.example.com/hook"
_KEYS = {"subscriptions", "workspacesPerSubscription", "eventSubscriptionsPerWorkspace",
         "resourceGroupsPerSubscription", "locations", "tags", "endpoint", "roleAssignments"}


def fleet_subscription_id(n: int) -> str:
    """The id of the fleet's ``n``-th Azure subscription (from 1): a valid GUID that reads as a number."""
    return f"f1ee7000-0000-4000-8000-{n:012d}"


def _count(spec: dict[str, Any], key: str, default: int | None, minimum: int) -> int:
    value = spec.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidInputError(f"seed: fleet.{key} must be an integer of {minimum} or more")
    return value


def expand(spec: Any, principals: set[str]) -> list[dict[str, Any]]:
    """The ``subscriptions`` entries a ``fleet`` block describes; ``principals`` are the seed's principal names
    (the default role assignments name only those that exist)."""
    if not isinstance(spec, dict):
        raise InvalidInputError("seed: 'fleet' must be a mapping")
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise InvalidInputError(f"seed: unknown fleet field(s): {', '.join(unknown)}")
    subs = _count(spec, "subscriptions", None, 1)
    per_sub = _count(spec, "workspacesPerSubscription", None, 0)
    per_ws = _count(spec, "eventSubscriptionsPerWorkspace", 0, 0)
    group_count = _count(spec, "resourceGroupsPerSubscription", 1, 1)
    if subs > MAX_FLEET_SUBSCRIPTIONS or subs * per_sub > MAX_FLEET_WORKSPACES:
        raise InvalidInputError(f"seed: a fleet may hold at most {MAX_FLEET_SUBSCRIPTIONS} subscriptions and "
                                f"{MAX_FLEET_WORKSPACES} workspaces")
    locations = spec.get("locations") or ["eastus"]
    if not isinstance(locations, list) or not all(isinstance(x, str) and x for x in locations):
        raise InvalidInputError("seed: fleet.locations must be a list of location names")
    tags = spec.get("tags") or {}
    tag_sets = tags if isinstance(tags, list) else [tags]
    if not tag_sets or not all(isinstance(t, dict) for t in tag_sets):
        raise InvalidInputError("seed: fleet.tags must be a mapping or a list of mappings")
    endpoint = spec.get("endpoint") or DEFAULT_ENDPOINT
    if not isinstance(endpoint, str):
        raise InvalidInputError("seed: fleet.endpoint must be a URL")
    roles = spec.get("roleAssignments")
    if roles is None:
        roles = [{"principal": p, "role": r, "scope": "/subscriptions/{subscriptionId}"}
                 for p, r in (("owner", "Owner"), ("reader", "Reader")) if p in principals]
    if not isinstance(roles, list):
        raise InvalidInputError("seed: fleet.roleAssignments must be a list")
    sub_width, ws_width, rg_width = len(str(subs)), len(str(max(per_sub, 1))), len(str(group_count))
    groups = [{"name": f"fleet-rg-{g + 1:0{rg_width}d}", "location": locations[g % len(locations)]}
              for g in range(group_count)]
    entries = []
    for s in range(1, subs + 1):
        prefix = f"fleet{s:0{sub_width}d}"
        workspaces = []
        for w in range(per_sub):
            ws: dict[str, Any] = {"name": f"{prefix}-ws{w + 1:0{ws_width}d}",
                                  "resourceGroup": groups[w % group_count]["name"],
                                  "location": locations[w % len(locations)],
                                  "tags": tag_sets[(w + (s - 1) * per_sub) % len(tag_sets)]}
            if per_ws:
                ws["eventSubscriptions"] = [{"count": per_ws, "namePrefix": "es-", "endpoint": endpoint}]
            workspaces.append(ws)
        entries.append({"subscriptionId": fleet_subscription_id(s), "displayName": prefix, "resourceGroups": groups,
                        "workspaces": workspaces, "roleAssignments": roles})
    return entries
