"""Workspace identity: ARM resource ids, and where the workspace to act on comes from.

Precedence for each field: command-line flag > environment variable > Azure ML ``config.json``
(``./config.json`` or ``./.azureml/config.json``, searched from the current directory upwards).

``parent_of`` tells where an event subscription of a workspace lives: at workspace scope or under the system topic.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amlevents.core.errors import InvalidInputError, NotFoundError

PROVIDER = "Microsoft.MachineLearningServices"
RESOURCE_TYPE = "workspaces"

_WORKSPACE_ID = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
    r"/providers/Microsoft\.MachineLearningServices/workspaces/(?P<name>[^/]+)/?$",
    re.IGNORECASE,
)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

ENV_SUBSCRIPTION = "AZURE_SUBSCRIPTION_ID"
ENV_RESOURCE_GROUP = "AMLEVENTS_RESOURCE_GROUP"
ENV_WORKSPACE = "AMLEVENTS_WORKSPACE"
CONFIG_NAMES = ("config.json", os.path.join(".azureml", "config.json"))


@dataclass(frozen=True)
class WorkspaceRef:
    """An Azure ML workspace by subscription, resource group and name."""

    subscription_id: str
    resource_group: str
    name: str

    @property
    def id(self) -> str:
        """The workspace's ARM resource id (the event source and the subscription scope)."""
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/{PROVIDER}/{RESOURCE_TYPE}/{self.name}"
        )

    @classmethod
    def parse(cls, resource_id: str) -> WorkspaceRef:
        """Parse a workspace ARM id; anything else is invalid input."""
        match = _WORKSPACE_ID.match(resource_id.strip())
        if not match:
            raise InvalidInputError(
                f"'{resource_id}' is not an Azure ML workspace resource id",
                hint="expected /subscriptions/<id>/resourceGroups/<group>/providers/"
                "Microsoft.MachineLearningServices/workspaces/<name>",
            )
        return cls(match["sub"], match["rg"], match["name"])

    def same_as(self, other: WorkspaceRef) -> bool:
        """ARM ids compare case-insensitively."""
        return self.id.lower() == other.id.lower()


# Where an event subscription of the workspace lives: on the workspace itself, or under its system topic.
WORKSPACE = "workspace"
SYSTEM_TOPIC = "system-topic"
_TOPIC = re.compile(r"/systemTopics/([^/]+)/eventSubscriptions/", re.IGNORECASE)


def parent_of(resource: Mapping[str, Any]) -> tuple[str, str | None]:
    """``(WORKSPACE, None)``, or ``(SYSTEM_TOPIC, topic name)`` for an event subscription resource under a system
    topic (its id says so, or its ``type`` when the id is missing: the name is None then)."""
    topic = topic_name_of(resource)
    if topic is not None or "systemtopics" in str(resource.get("type") or "").lower():
        return SYSTEM_TOPIC, topic
    return WORKSPACE, None


def topic_name_of(resource: Mapping[str, Any]) -> str | None:
    """The system topic name in a system-topic subscription's id; None for any other id."""
    found = _TOPIC.search(str(resource.get("id") or ""))
    return found.group(1) if found else None


def find_config_file(start: Path) -> Path | None:
    """The nearest Azure ML ``config.json`` at or above ``start``, or None."""
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


def _read_config(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"cannot read Azure ML config file '{path}': {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"Azure ML config file '{path}' must hold a JSON object")
    return {k: v for k, v in data.items() if isinstance(v, str)}


def resolve_workspace(
    *,
    workspace: str | None = None,
    resource_group: str | None = None,
    subscription: str | None = None,
    workspace_id: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    defaults: WorkspaceRef | None = None,
) -> WorkspaceRef:
    """Resolve the workspace from flags, environment, ``config.json`` and ``defaults`` (in that order).

    ``--workspace-id`` excludes the three separate flags. ``defaults`` is the emulator's seeded workspace in
    local mode. A workspace that cannot be fully determined is a ``NotFoundError`` naming what is missing.
    """
    env = os.environ if env is None else env
    if workspace_id:
        if workspace or resource_group:
            raise InvalidInputError(
                "--workspace-id cannot be combined with --workspace/--resource-group",
                hint="give either the full resource id or the name and resource group",
            )
        ref = WorkspaceRef.parse(workspace_id)
        if subscription and subscription.lower() != ref.subscription_id.lower():
            raise InvalidInputError(
                f"--subscription {subscription} does not match the subscription in --workspace-id",
                hint="drop --subscription, or fix the resource id",
            )
        _check_subscription(ref.subscription_id)
        return ref
    sub = subscription or env.get(ENV_SUBSCRIPTION)
    group = resource_group or env.get(ENV_RESOURCE_GROUP)
    name = workspace or env.get(ENV_WORKSPACE)
    if not (sub and group and name):  # config.json only when needed: a broken one elsewhere must not get in the way
        config_path = find_config_file((cwd or Path.cwd()).resolve())
        config = _read_config(config_path) if config_path is not None else {}
        sub = sub or config.get("subscription_id")
        group = group or config.get("resource_group")
        name = name or config.get("workspace_name")
    if defaults is not None:
        sub = sub or defaults.subscription_id
        group = group or defaults.resource_group
        name = name or defaults.name
    missing = [
        label
        for label, value in (
            (f"subscription (--subscription/-s or {ENV_SUBSCRIPTION})", sub),
            (f"resource group (--resource-group/-g or {ENV_RESOURCE_GROUP})", group),
            (f"workspace name (--workspace/-w or {ENV_WORKSPACE})", name),
        )
        if not value
    ]
    if missing:
        raise NotFoundError(
            "no workspace given: missing " + ", ".join(missing),
            hint="pass --workspace-id, or the flags/variables named, or run from a folder with an Azure ML "
            "config.json (keys subscription_id, resource_group, workspace_name)",
        )
    assert sub and group and name
    _check_subscription(sub)
    return WorkspaceRef(sub, group, name)


def _check_subscription(sub: str) -> None:
    if not _GUID.match(sub):
        raise InvalidInputError(f"subscription '{sub}' is not a subscription id (a GUID)",
                                hint="az account list -o table shows the ids of your subscriptions")
