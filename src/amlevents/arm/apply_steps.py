"""The steps of an apply and what became of them, shared by ``reconcile`` (which plans and runs them) and ``bulk``
(which runs a fleet's big batches): the workspace's state, a step's result, the request a step sends and where."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from amlevents.arm.subscriptions import Found
from amlevents.core.errors import AmlEventsError
from amlevents.core.manifest import WorkspaceSpec
from amlevents.core.plan import (
    Action,
    PlannedChange,
    put_body,
    reprovisions,
    update_body,
)
from amlevents.core.subscription import needs_put
from amlevents.core.workspace import WorkspaceRef, topic_name_of


@dataclass
class WorkspaceState:
    """One workspace: where it is, what the manifest wants, what exists, and the hidden values fetched."""

    ref: WorkspaceRef
    spec: WorkspaceSpec | None
    current: dict[str, dict[str, Any]] = field(default_factory=dict)
    full_urls: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, Any] = field(default_factory=dict)
    topic: dict[str, Any] | None = None
    steps: list[PlannedChange] = field(default_factory=list)
    row: dict[str, Any] | None = None  # a selected workspace: as discovery found it
    listed: list[dict[str, Any]] | None = None  # its subscriptions, when read with the fleet's lists

    @cached_property
    def desired(self) -> dict[str, Any]:
        """The manifest's subscriptions of this workspace by name (none without a spec)."""
        return {d.name: d for d in self.spec.subscriptions} if self.spec else {}


@dataclass
class StepResult:
    """What happened to one step of an apply."""

    step: PlannedChange
    status: str  # applied | failed | not-run
    error: str | None = None
    seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"workspace": self.step.workspace_id, "name": self.step.name, "action": self.step.action.value,
                "kind": self.step.kind, "status": self.status, "error": self.error, "seconds": self.seconds}


def write_request(step: PlannedChange) -> tuple[str, dict[str, Any] | None]:
    """The request a changing step sends, as method and body: DELETE; PUT of the whole subscription for a create,
    a reprovisioning or an update a PATCH cannot express; else PATCH of the changed fields."""
    if step.action is Action.DELETE:
        return "DELETE", None
    if step.action is Action.CREATE or reprovisions(step):
        return "PUT", {"properties": put_body(step)}
    patch = update_body(step)
    return ("PUT", {"properties": put_body(step)}) if needs_put(patch) else ("PATCH", patch)


def found_in(state: WorkspaceState, name: str) -> Found:
    """The current subscription ``name`` of the workspace, with the system topic it was read through."""
    resource = state.current[name]
    return Found(resource, topic_name_of(resource))


def write_target(state: WorkspaceState, step: PlannedChange, method: str | None = None) -> str | None:
    """The system topic a step's write goes to (None: the workspace scope); ``method``: the write's, when the
    caller built it already (``write_request``)."""
    if (method or write_request(step)[0]) == "PUT":
        return (state.topic or {}).get("name") if step.kind == "system-topic" else None
    return found_in(state, step.name).topic


def short_workspace(workspace_id: str) -> str:
    return workspace_id.rsplit("/", 1)[-1]


def step_message(exc: BaseException) -> str:
    if isinstance(exc, AmlEventsError):
        return exc.message
    from amlevents.arm.errors import translate

    return translate(exc, what="apply").message
