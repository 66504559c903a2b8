"""What an accepted write did: the poller's answer, or, when the status could not be read, the resource itself.

Once Azure has accepted a PUT, PATCH or DELETE (201/202), the change happens whether or not we manage to read
its status. So a status check that keeps failing (``StatusUnreadable``), a failed final read, or a 5xx/dropped
connection while polling is not reported as a failed write: the resource is read again and the report says what
Azure holds. Only a status that says Failed is a failure of the write; the ``--timeout`` running out after the
write was accepted says that the write was accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from amlevents.arm.errors import translate_errors
from amlevents.arm.polling import StatusUnreadable, transient
from amlevents.arm.retry import CommandTimedOut
from amlevents.core.errors import AmlEventsError, ServiceError

_BUSY = {"create": "Creating", "update": "Updating", "delete": "Deleting"}


def _show(name: str) -> str:
    return f"check with `amlevents subscription show {name}`"


def _outcome_unknown(exc: BaseException) -> bool:
    """True for a failure to *read* the outcome (not an operation that ended Failed)."""
    if isinstance(exc, StatusUnreadable):
        return True
    from azure.core.polling.base_polling import OperationFailed

    if isinstance(exc.__cause__, OperationFailed) or isinstance(getattr(exc, "inner_exception", None),
                                                                OperationFailed):
        return False
    return transient(exc, getattr(getattr(exc, "response", None), "status_code", None))


def _reason(exc: BaseException) -> str:
    """Why the status could not be read, in a few words."""
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    if isinstance(exc, ServiceRequestError):
        return "Azure could not be reached"
    if isinstance(exc, ServiceResponseError):
        return "the connection broke"
    status = getattr(getattr(exc, "response", None), "status_code", None)
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"HTTP {status}" if status else text


def settle(poller: Any, *, action: str, name: str, read: Callable[[], dict[str, Any] | None],
           notice: Callable[[str], None] = lambda _m: None) -> dict[str, Any] | None:
    """The resource after an accepted ``action`` (create, update, delete) on subscription ``name``.

    ``read`` GETs the resource (None when it does not exist). Returns the poller's result, or the resource read
    when the operation's status could not be; raises ``ServiceError`` when what Azure holds is not the outcome
    asked for (still provisioning, missing, or not readable either), saying so.
    """
    try:
        with translate_errors(f"{action} event subscription '{name}'"):
            try:
                return poller.result()
            except Exception as exc:  # noqa: BLE001 - sorted below: unknown outcome, or a real failure
                if not _outcome_unknown(exc):
                    raise
                cause = exc
    except CommandTimedOut as exc:
        # The write was accepted: say so, and read what Azure holds if the time left allows one more request.
        try:
            resource = read()
        except AmlEventsError:
            raise CommandTimedOut(f"Azure accepted the {action} of event subscription '{name}', but its outcome "
                                  "could not be confirmed before --timeout ran out",
                                  hint=f"{_show(name)} (do not run the {action} again blindly)") from exc
        return judge(resource, action=action, name=name, reason=exc.message, notice=notice)
    reason = f"HTTP {cause.status}" if getattr(cause, "status", None) else _reason(getattr(cause, "cause", cause))
    try:
        resource = read()
    except AmlEventsError as exc:
        raise ServiceError(
            f"Azure accepted the {action} of event subscription '{name}', but neither its status ({reason}) nor "
            f"the subscription could be read: {exc.message}",
            hint=f"{_show(name)} before running the command again") from exc
    return judge(resource, action=action, name=name, reason=reason, notice=notice)


def judge(resource: dict[str, Any] | None, *, action: str, name: str, reason: str,
          notice: Callable[[str], None] = lambda _m: None) -> dict[str, Any] | None:
    """The outcome of ``action`` from the resource as read after it (see ``settle``)."""
    state = ((resource or {}).get("properties") or {}).get("provisioningState")
    if action == "delete":
        if resource is None:
            notice(f"the delete's status could not be read ({reason}); event subscription '{name}' is gone")
            return None
        if state == _BUSY["delete"]:
            raise ServiceError(f"Azure accepted the delete of event subscription '{name}' and is still deleting it "
                               f"(its status could not be read: {reason})", hint=f"{_show(name)} in a minute")
        raise ServiceError(f"Azure accepted the delete of event subscription '{name}', but it still exists "
                           f"(state {state}; the delete's status could not be read: {reason})",
                           hint=f"{_show(name)}, then run the delete again")
    if resource is None:
        raise ServiceError(f"Azure accepted the {action} of event subscription '{name}', but it does not exist now "
                           f"(another client may have deleted it; the status could not be read: {reason})",
                           hint="`amlevents subscription list` shows what exists; run the command again")
    if state in ("Creating", "Updating"):
        raise ServiceError(f"Azure accepted the {action} of event subscription '{name}'; it is still {state} "
                           f"(its status could not be read: {reason})",
                           hint=f"{_show(name)} in a minute; it exists, so do not create it again")
    notice(f"the {action}'s status could not be read ({reason}); event subscription '{name}' reads {state}")
    return resource
