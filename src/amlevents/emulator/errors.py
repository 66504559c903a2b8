"""ARM errors in ARM's own wire format, so that the real SDK raises its own exception types.

Every refusal in the emulator is an ``ArmError``: the backend, the validation rules and the auth layer raise it,
and the WSGI app turns it into ``{"error": {"code", "message", "details"?}}`` with the status code and headers.
Nothing here knows about HTTP libraries; an ``ArmError`` is plain data.
"""

from __future__ import annotations

from typing import Any

RESOURCE_NOT_FOUND_FIX = "For more details please go to https://aka.ms/ARMResourceNotFoundFix"


class ArmError(Exception):
    """A failed ARM request: HTTP status, ARM error code, message, optional details and response headers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"({code}) {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The ARM ``ErrorResponse`` JSON object."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def missing_api_version() -> ArmError:
    """ARM's 400 for a request without ``api-version`` (every ARM path, and the cloud metadata)."""
    return ArmError(400, "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.")


def invalid_request(message: str) -> ArmError:
    """400 InvalidRequest, Event Grid's code for a request body it refuses."""
    return ArmError(400, "InvalidRequest", message)


def invalid_subscription(reason: str) -> ArmError:
    """400 InvalidRequest with the service's "Invalid event subscription request: ..." prefix."""
    return invalid_request(f"Invalid event subscription request: {reason}")


def resource_not_found(resource_type: str, name: str, resource_group: str) -> ArmError:
    """404 ResourceNotFound with ARM's message for a resource missing from an existing resource group."""
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{resource_type}/{name}' under resource group '{resource_group}' was not found. "
        + RESOURCE_NOT_FOUND_FIX,
    )


def resource_group_not_found(name: str) -> ArmError:
    """404 ResourceGroupNotFound."""
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")


def subscription_not_found(subscription_id: str) -> ArmError:
    """404 SubscriptionNotFound."""
    return ArmError(404, "SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found.")


def authorization_failed(object_id: str, action: str, scope: str) -> ArmError:
    """403 AuthorizationFailed with ARM's exact message."""
    return ArmError(
        403,
        "AuthorizationFailed",
        f"The client '{object_id}' with object id '{object_id}' does not have authorization to perform action "
        f"'{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh "
        "your credentials.",
    )


def conflict(message: str) -> ArmError:
    """409 Conflict (an operation is still running on the resource)."""
    return ArmError(409, "Conflict", message)
