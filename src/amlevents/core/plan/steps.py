"""``plan``: what applying the desired event subscriptions would change, field by field, without noise.

Three modules, one step each:

- ``core.plan_normalize``: ``normalize`` turns the writable ``properties`` of a subscription into a comparable
  form, whether they come from a PUT body (``core.subscription.build_properties``) or from a GET/list; its
  docstring lists which normalisation removes which noise.
- ``core.plan_diff``: ``diff`` compares two such forms, field by field, and keeps webhook query values and secret
  delivery attribute values out of every ``FieldChange``; its docstring says how hidden values are handled.
- here: ``plan`` compares whole sets of subscriptions of one workspace, ``update_body`` turns a planned update
  into the PATCH body and ``to_json`` into ``plan -o json``.

``normalize``, ``diff``, ``FieldChange``, ``needs_full_url`` and ``needs_secrets`` are importable from here as well,
and so is ``topic_name_of`` (``core.workspace``, with ``parent_of``: workspace scope or system topic).

Plan rules: names compare case-insensitively; a subscription only in ``current`` is deleted only with ``prune``
(without it, it is not listed); a subscription whose parent changes (workspace scope <-> system topic, or
another system topic) or whose ``eventDeliverySchema`` changes (the service refuses that update) is replaced: a
delete, then a create, whatever ``prune`` says (names are unique per source, so the create needs the delete).
Unverified fields alone do not make an update: the step is ``no-change`` and lists them in ``unverified``.
``hidden_values`` says which full URLs and secrets to fetch first so that nothing stays unverified.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from amlevents.core.errors import InvalidInputError

# normalize and diff have their own modules; what a caller of plan needs of theirs is importable from here too.
from amlevents.core.plan.diff import (
    FieldChange,
    diff,
    hidden_reads,
    needs_full_url,
    needs_secrets,
)
from amlevents.core.plan.normalize import normalize, properties_of, with_retry_defaults
from amlevents.core.subscription import WRITABLE, patch_body, writable_properties
from amlevents.core.workspace import SYSTEM_TOPIC, WORKSPACE, parent_of, topic_name_of

__all__ = [
    "PROVISIONING_STATE", "SYSTEM_TOPIC", "WORKSPACE", "Action", "Desired", "FieldChange", "PlannedChange", "diff",
    "hidden_values", "needs_full_url", "needs_secrets", "normalize", "plan", "put_body", "reprovisions", "summarize",
    "to_json", "topic_name_of", "update_body",
]

PROVISIONING_STATE = "provisioningState"


class Action(str, Enum):
    """What applying the plan does to one subscription."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    NO_CHANGE = "no-change"


class Desired(Protocol):
    """What ``plan`` needs of a desired subscription (``core.manifest.DesiredSubscription`` has it).

    ``system_topic``: False for workspace scope, True for the workspace's system topic (whatever its name), or
    the system topic's name.
    """

    properties: dict[str, Any]
    system_topic: bool | str


@dataclass(frozen=True)
class PlannedChange:
    """One step of a plan. ``desired`` holds writable properties, ``current`` the resource as GET returned it."""

    workspace_id: str
    name: str
    action: Action
    kind: str
    changes: list[FieldChange] = field(default_factory=list)
    desired: dict[str, Any] | None = None
    current: dict[str, Any] | None = None
    unverified: list[str] = field(default_factory=list)
    system_topic: str | None = None


def plan(
    desired: Mapping[str, Desired | dict[str, Any]],
    current: Mapping[str, dict[str, Any]],
    *,
    workspace_id: str,
    prune: bool,
    full_urls: Mapping[str, str] | None = None,
    secrets: Mapping[str, Any] | None = None,
) -> list[PlannedChange]:
    """The steps that turn the workspace's ``current`` subscriptions into ``desired``, ordered by name.

    ``desired`` maps name -> a ``Desired`` (``core.manifest.DesiredSubscription``), or to bare writable
    properties for a workspace-scope subscription;
    ``current`` maps name -> the resource from GET/list; ``full_urls`` and ``secrets`` (name -> getFullUrl /
    getDeliveryAttributes answers) fill in hidden values. Names compare case-insensitively. Subscriptions only in
    ``current`` are deleted only with ``prune``. A change of parent or of ``eventDeliverySchema`` is a delete
    followed by a create (the create lists the fields that force it, ``kind`` among them).
    """
    wanted = _by_lower(desired, "desired")
    have = _by_lower(current, "current")
    urls = {k.lower(): v for k, v in (full_urls or {}).items()}
    hidden = {k.lower(): v for k, v in (secrets or {}).items()}
    steps: list[PlannedChange] = []
    for key in sorted(wanted.keys() | have.keys()):
        name, spec = wanted.get(key, (None, None))
        found_name, resource = have.get(key, (None, None))
        if spec is None:
            if prune:
                steps.append(_step(workspace_id, found_name, Action.DELETE, current=resource))
            continue
        if resource is None:
            steps.append(_step(workspace_id, name, Action.CREATE, desired=spec))
            continue
        d = diff(_desired_properties(spec), properties_of(resource), current_full_url=urls.get(key),
                 current_secrets=hidden.get(key))
        moved = _parent_changes(spec, resource)
        if moved or any(c.path == "eventDeliverySchema" for c in d.changes):
            steps.append(_step(workspace_id, found_name, Action.DELETE, current=resource))
            steps.append(_step(workspace_id, name, Action.CREATE, desired=spec, changes=moved + d.changes))
            continue
        # A failed create or update leaves the resource with the desired properties and provisioningState
        # Failed: without this change it would plan as unchanged and a re-run would not converge.
        failed = (properties_of(resource).get(PROVISIONING_STATE) or "") == "Failed"
        changes = ([FieldChange(PROVISIONING_STATE, "Failed", "Succeeded")] if failed else []) + d.changes
        action = Action.UPDATE if changes else Action.NO_CHANGE
        steps.append(_step(workspace_id, name, action, desired=spec, current=resource, changes=changes,
                           unverified=d.unverified))
    return steps


def reprovisions(change: PlannedChange) -> bool:
    """True for an update of a subscription whose last operation failed: send the whole subscription (PUT)."""
    return change.action is Action.UPDATE and any(c.path == PROVISIONING_STATE for c in change.changes)


def _step(workspace_id: str, name: Any, action: Action, *, desired: Desired | dict[str, Any] | None = None,
          current: dict[str, Any] | None = None, changes: list[FieldChange] | None = None,
          unverified: list[str] | None = None) -> PlannedChange:
    kind, topic = _desired_parent(desired) if desired is not None else parent_of(current or {})
    return PlannedChange(workspace_id, name, action, kind, changes or [],
                         _desired_properties(desired) if desired is not None else None, current, unverified or [],
                         topic)


def _desired_properties(desired: Desired | dict[str, Any]) -> dict[str, Any]:
    return desired if isinstance(desired, dict) else desired.properties


def _desired_parent(desired: Desired | dict[str, Any]) -> tuple[str, str | None]:
    topic = False if isinstance(desired, dict) else desired.system_topic
    if topic is False:
        return WORKSPACE, None
    return SYSTEM_TOPIC, topic if isinstance(topic, str) else None


def _by_lower(items: Mapping[str, Any], side: str) -> dict[str, tuple[str, Any]]:
    out: dict[str, tuple[str, Any]] = {}
    for name, value in items.items():
        if name.lower() in out:
            raise InvalidInputError(
                f"{side} subscriptions '{out[name.lower()][0]}' and '{name}' differ only in case",
                hint="Event Grid names are case-insensitive: keep one of them.",
            )
        out[name.lower()] = (name, value)
    return out


def _parent_changes(spec: Desired | dict[str, Any], resource: Mapping[str, Any]) -> list[FieldChange]:
    kind, topic = parent_of(resource)
    new_kind, new_topic = _desired_parent(spec)
    changes = [FieldChange("kind", kind, new_kind)] if kind != new_kind else []
    if kind == new_kind == SYSTEM_TOPIC and new_topic and topic and new_topic.lower() != topic.lower():
        changes.append(FieldChange("systemTopic", topic, new_topic))
    return changes


def hidden_values(
    desired: Mapping[str, Desired | dict[str, Any]], current: Mapping[str, dict[str, Any]]
) -> tuple[list[str], list[str]]:
    """The current names whose full URL (getFullUrl) and whose delivery attributes (getDeliveryAttributes) the
    caller must fetch before ``plan`` so that nothing stays unverified; names match case-insensitively."""
    wanted = {name.lower(): _desired_properties(spec) for name, spec in desired.items()}
    urls, secrets = [], []
    for name, resource in sorted(current.items()):
        props = wanted.get(name.lower())
        if props is None:
            continue
        full_url, secret = hidden_reads(props, resource)
        if full_url:
            urls.append(name)
        if secret:
            secrets.append(name)
    return urls, secrets


def update_body(change: PlannedChange) -> dict[str, Any]:
    """The PATCH body of an update: each changed top-level field, complete, from the desired side.

    The service replaces each top-level field it is sent whole. A field the desired side lacks is sent as its
    default (``filter``, ``retryPolicy``), as ``[]`` (``labels``), not at all when the other field of its pair is
    set (``destination`` / ``deliveryWithResourceIdentity``, the two dead-letter fields: the service drops it),
    else as ``null``: then ``subscription_update.needs_put(body)`` is true and the caller sends
    ``put_body(change)`` instead (Azure ignores a dead-letter null in a PATCH). A filter that drops a current
    subject filter sends it as ``""``, as the service stores "no subject filter".
    """
    if change.action is not Action.UPDATE or change.desired is None:
        raise ValueError(f"update_body needs an update, not {change.action.value}")
    after = writable_properties(change.desired)
    current = properties_of(change.current or {})
    fields = {re.split(r"[.\[]", c.path, maxsplit=1)[0] for c in change.changes}
    if "filter" in fields:
        after["filter"] = _filter_body(after.get("filter"), current.get("filter") or {})
    if "retryPolicy" in fields and "retryPolicy" not in after:
        after["retryPolicy"] = with_retry_defaults({})
    return patch_body(after, [key for key in WRITABLE if key in fields])


def _filter_body(desired: dict[str, Any] | None, current: dict[str, Any]) -> dict[str, Any]:
    out = dict(desired) if desired is not None else {"isSubjectCaseSensitive": False}
    for key in ("subjectBeginsWith", "subjectEndsWith"):
        if key not in out and current.get(key):
            out[key] = ""
    return out


def put_body(change: PlannedChange) -> dict[str, Any]:
    """The ``properties`` of a PUT that replaces the subscription with the desired one (when ``needs_put``)."""
    if change.desired is None:
        raise ValueError(f"put_body needs a desired subscription, not a {change.action.value}")
    return writable_properties(change.desired)


def summarize(changes: Iterable[PlannedChange]) -> dict[str, int]:
    """How many steps of each action: ``{"create": n, "update": n, "delete": n, "no-change": n}``."""
    counts = {action.value: 0 for action in Action}
    for change in changes:
        counts[change.action.value] += 1
    return counts


def to_json(changes: Iterable[PlannedChange]) -> list[dict[str, Any]]:
    """``plan -o json``: ``[{"workspace", "name", "action", "kind", "changes": [{"path", "old", "new"}],
    "unverified": [path]}]``, secrets redacted as in every ``FieldChange``."""
    return [
        {
            "workspace": c.workspace_id,
            "name": c.name,
            "action": c.action.value,
            "kind": c.kind,
            "changes": [{"path": f.path, "old": f.old, "new": f.new} for f in c.changes],
            "unverified": list(c.unverified),
        }
        for c in changes
    ]
