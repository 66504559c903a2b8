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


def invalid_resource_type(resource_type: str, namespace: str, api_version: str) -> ArmError:
    """404 InvalidResourceType: ARM's answer for a resource type its provider namespace does not have."""
    return ArmError(404, "InvalidResourceType", f"The resource type '{resource_type}' could not be found in the "
                    f"namespace '{namespace}' for api version '{api_version}'.")


def no_registered_provider(resource_type: str, location: str, api_version: str) -> ArmError:
    """400 NoRegisteredProviderFound: ARM's answer when no resource provider registered in the subscription serves
    the type (here: a provider namespace the subscription has not registered)."""
    return ArmError(400, "NoRegisteredProviderFound", f"No registered resource provider found for location "
                    f"'{location}' and API version '{api_version}' for type '{resource_type}'.")


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


# ARM's front door refuses request content over 4 MB with this code and message (seen on template deployments);
# the reference does not name it, so this is the code ARM uses for the limit.
MAX_BODY_BYTES = 4 * 1024 * 1024


def request_too_large(size: int | None = None) -> ArmError:
    """413 RequestContentTooLarge: the body is over ARM's 4 MB limit."""
    got = f" The request content is {size} bytes." if size is not None else ""
    return ArmError(413, "RequestContentTooLarge",
                    f"The request content size exceeds the maximum size of 4 MB.{got}")


def invalid_content(reason: str) -> ArmError:
    """400 InvalidRequestContent: the body is not JSON ARM can read."""
    return ArmError(400, "InvalidRequestContent",
                    f"The request content was invalid and could not be deserialized: '{reason}'.")


# Errors the HTTP layer answers before the app sees a request (request line or headers it cannot read). ARM's
# gateway answers these itself; the reference names no codes, so these follow ARM's style (reason phrase as code).
_PROTOCOL_CODES = {
    400: ("BadRequest", "The request could not be read: the request line or headers are malformed."),
    408: ("RequestTimeout", "The request was not received in time."),
    413: ("RequestContentTooLarge", "The request content size exceeds the maximum size of 4 MB."),
    414: ("RequestUriTooLong", "The request URL is too long. Shorten the URL (ARM limits it to a few KB)."),
    431: ("RequestHeaderFieldsTooLarge", "The request headers are too large or too many."),
    501: ("NotImplemented", "The request method is not supported."),
    505: ("HttpVersionNotSupported", "The HTTP version of the request is not supported."),
}


def protocol_error(status: int) -> ArmError:
    """The ARM-format error for a request the HTTP layer refuses (status from http.server's ``send_error``)."""
    code, message = _PROTOCOL_CODES.get(status, ("BadRequest", "The request could not be read."))
    return ArmError(status, code, message)
