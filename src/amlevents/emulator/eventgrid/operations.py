"""Long-running operations: records that complete lazily, on the first read after their time has come.

An operation stores when it completes (``completesAt`` = start + the provisioning delay) and how it ends
(``outcome``). Nothing runs in the background: every backend transaction first calls ``settle``, which applies
the operations that are due. So completion works the same in one process or in several sharing a state file,
and survives restarts.

Outcomes:

- ``Succeeded``: the resource's ``provisioningState`` becomes Succeeded (a deleted resource is removed).
- ``Failed``: the resource's ``provisioningState`` becomes Failed, the status carries ARM's
  ``ResourceOperationFailure`` error (webhook validation failure or an injected ``fail-operation`` fault).
- ``Validating``: a webhook whose validation handshake runs now (``emulator/delivery/handshake.py``, in a
  thread of the serving process); the operation stays in progress until ``resolve_validation`` gives it one
  of the other outcomes, and it never ends before the provisioning delay either.
- ``AwaitingManualAction`` (the endpoint answered the handshake without the code, or a host ending in
  ``.manual.invalid``): after the delay the resource and the operation status both read
  ``AwaitingManualAction``, as the service reports it (hashicorp/go-azure-sdk#1049: ``op.Status was
  "AwaitingManualAction"``). That status is not terminal, so a poller keeps polling, as against Azure. A GET of
  the ``validationUrl`` within the manual-validation window (10 minutes, time-scaled) makes it Succeeded;
  after the window it ends Failed with a "Url validation" detail.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from amlevents.emulator.runtime.store import Tx

KIND = "operation"
MANUAL_VALIDATION_WINDOW = 600.0  # seconds; the service's manual validation window
SUCCEEDED, FAILED, MANUAL, IN_PROGRESS = "Succeeded", "Failed", "AwaitingManualAction", "InProgress"
VALIDATING = "Validating"  # an outcome still being decided by the webhook's handshake
# A resource's provisioningState while an operation on it runs: writes to it get 409 Conflict.
BUSY = ("Creating", "Updating", "Deleting")
TERMINAL_FAILURE = "The resource operation completed with terminal provisioning state 'Failed'."


def _timestamp(t: float) -> str:
    """The service's timestamp style in validation messages: 1/16/2022 8:56:35 PM."""
    d = datetime.fromtimestamp(t, timezone.utc)
    hour = d.hour % 12 or 12
    return f"{d.month}/{d.day}/{d.year} {hour}:{d.minute:02d}:{d.second:02d} {'AM' if d.hour < 12 else 'PM'}"


def url_validation_error(url: str, when: float, manual: bool = False) -> dict[str, Any]:
    """ARM's error for a webhook whose validation handshake failed (Azure/azure-cli#21006)."""
    cause = ("The validation URL was not visited within the manual validation window of 10 minutes."
             if manual else "Http POST request failed with response code Unknown.")
    detail = (f"Webhook validation handshake failed for {url}. {cause} For troublehooting, visit "
              f"https://aka.ms/esvalidation. Activity id:{uuid.uuid4()}, timestamp: {_timestamp(when)} (UTC).")
    return {"code": "ResourceOperationFailure", "message": TERMINAL_FAILURE,
            "details": [{"code": "Url validation", "message": detail}]}


def handshake_error(message: str, when: float) -> dict[str, Any]:
    """ARM's error for a handshake that failed, with the handshake's own account of why (its status)."""
    detail = f"{message} Activity id:{uuid.uuid4()}, timestamp: {_timestamp(when)} (UTC)."
    return {"code": "ResourceOperationFailure", "message": TERMINAL_FAILURE,
            "details": [{"code": "Url validation", "message": detail}]}


def resolve_validation(tx: Tx, op_id: str, outcome: str, *, error: dict[str, Any] | None = None,
                       token: str | None = None, window: float = MANUAL_VALIDATION_WINDOW, now: float) -> bool:
    """Give a ``Validating`` operation the handshake's outcome (``token`` is what the manual validation URL
    must carry); False when the operation is gone or was decided already."""
    op = get(tx, op_id)
    if op is None or op["outcome"] != VALIDATING:
        return False
    op.update(outcome=outcome, error=error, token=token, window=window, validatedAt=now)
    tx.put(KIND, op["id"], "pending", op)
    return True


def validate_manually(tx: Tx, op_id: str, token: str, now: float) -> bool:
    """A GET of the validation URL: the operation awaiting it succeeds (True), if the token is its own and its
    window is open."""
    op = get(tx, op_id)
    if (op is None or op["outcome"] != MANUAL or not op.get("token") or op["token"] != token
            or now >= _window_end(op)):
        return False
    op["outcome"] = SUCCEEDED
    tx.put(KIND, op["id"], "pending", op)
    return True


def _window_end(op: dict[str, Any]) -> float:
    return op.get("validatedAt", op["startedAt"]) + op.get("window", MANUAL_VALIDATION_WINDOW)


def injected_failure_error() -> dict[str, Any]:
    """The error of an operation failed by a ``fail-operation`` fault."""
    return {"code": "ResourceOperationFailure", "message": TERMINAL_FAILURE,
            "details": [{"code": "InternalServerError",
                         "message": "The operation failed because of an injected emulator fault (fail-operation)."}]}


def start(tx: Tx, *, kind: str, key: str, action: str, location: str, now: float, delay: float,
          outcome: str = SUCCEEDED, error: dict[str, Any] | None = None, url: str | None = None) -> dict[str, Any]:
    """Record a new operation on the resource (``kind``, ``key``); ``action`` is create, update or delete.

    ``url`` is the webhook base URL a manual validation waits on (for its eventual failure message).
    """
    op = {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "key": key,
        "action": action,
        "location": location,
        "startedAt": now,
        "completesAt": now + delay,
        "outcome": outcome,
        "error": error,
        "status": IN_PROGRESS,
        "url": url,
    }
    tx.put(KIND, op["id"], "pending", op)
    return op


def get(tx: Tx, op_id: str) -> dict[str, Any] | None:
    """The operation record, or None."""
    return tx.get(KIND, op_id.lower())


def _set_state(tx: Tx, op: dict[str, Any], state: str) -> None:
    doc = tx.get(op["kind"], op["key"])
    # Only the resource's latest operation may move its state (an older, superseded one must not).
    if doc is not None and doc.get("_", {}).get("operationId") == op["id"]:
        doc["properties"]["provisioningState"] = state
        tx.put(op["kind"], op["key"], doc["_"]["parent"], doc)


def settle(tx: Tx, now: float, remove: Callable[[Tx, dict[str, Any]], None]) -> None:
    """Apply every pending operation whose time has come; ``remove`` deletes a resource whose delete succeeded."""
    for op in tx.children(KIND, "pending"):
        if now < op["completesAt"] or op["outcome"] == VALIDATING:
            continue
        if op["outcome"] == SUCCEEDED:
            if op["action"] == "delete":
                doc = tx.get(op["kind"], op["key"])
                if doc is not None and doc["_"].get("operationId") == op["id"]:
                    remove(tx, doc)
            else:
                _set_state(tx, op, SUCCEEDED)
            op["status"] = SUCCEEDED
        elif op["outcome"] == MANUAL and now < _window_end(op):
            if op["status"] != MANUAL:  # write once, not on every read while it waits
                _set_state(tx, op, MANUAL)
                op["status"] = MANUAL
                tx.put(KIND, op["id"], "pending", op)
            continue
        else:
            if op["outcome"] == MANUAL:
                op["error"] = url_validation_error(op.get("url", ""), now, manual=True)
            _set_state(tx, op, FAILED)
            op["status"] = FAILED
        op["endedAt"] = now
        tx.put(KIND, op["id"], "done", op)
