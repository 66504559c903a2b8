"""azure-core and azure-identity exceptions -> ``AmlEventsError`` (chained, keeping the ARM error code).

Used as ``with translate_errors(what="create event subscription 'x'"): ...`` around SDK calls.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

from amlevents.core.access import SUGGESTED_READ_ROLES, SUGGESTED_ROLES, roles_granting
from amlevents.core.errors import (
    AccessDeniedError,
    AmlEventsError,
    AuthenticationError,
    ExitCode,
    InvalidInputError,
    NotFoundError,
    ServiceError,
)


class ConcurrentChangeError(ServiceError):
    """Another client wrote the same event subscription at the same time (exit 6): Event Grid's PUT is an upsert
    with no conditional create, so this is detected after the write and reported, never hidden."""

    exit_code = ExitCode.CONFLICT


_HANDSHAKE_HINT = (
    "the endpoint must answer Event Grid's validation handshake (echo data.validationCode, or GET the "
    "validationUrl within 10 minutes); see https://aka.ms/esvalidation. Azure Functions need "
    "--endpoint-type azurefunction with the function's resource id, not the runtime/webhooks URL"
)


def arm_error(exc: HttpResponseError) -> tuple[str | None, str, list[dict[str, Any]]]:
    """(code, message, details) of an ARM error response, tolerating odd bodies."""
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    message = getattr(error, "message", None)
    details = [{"code": getattr(d, "code", None), "message": getattr(d, "message", None)}
               for d in (getattr(error, "details", None) or [])]
    if not message:
        message = (exc.message or str(exc)).splitlines()[0]
    return code, message, details


_TLS_HINT = ("the server's certificate is not trusted: for an emulator set AMLEVENTS_EMULATOR_CA to the caCert path "
             "of its ready line; behind a TLS-inspecting proxy set REQUESTS_CA_BUNDLE to your CA bundle")
# Entra ID's answers to a service-principal sign-in that the settings can fix (AADSTS codes), and TLS trust.
_SIGN_IN_HINTS = {
    "AADSTS7000215": "AZURE_CLIENT_SECRET is not a valid secret of AZURE_CLIENT_ID: use the secret's value (not its "
                     "ID), and check that it has not expired",
    "AADSTS7000222": "the client secret has expired: create a new one and update AZURE_CLIENT_SECRET",
    "AADSTS700016": "AZURE_CLIENT_ID is not an application in tenant AZURE_TENANT_ID: check both values",
    "AADSTS90002": "AZURE_TENANT_ID is not a tenant of this cloud: check it (and --cloud or AZURE_AUTHORITY_HOST)",
    "CERTIFICATE_VERIFY_FAILED": _TLS_HINT,
}


def _credential_text(exc: Exception) -> str:
    """The line of a credential error that says what went wrong.

    A chain's message starts with "ChainedTokenCredential failed to retrieve a token from the included credentials."
    and lists each attempt on its own line ("\tEnvironmentCredential: Authentication failed: AADSTS7000215: ...").
    The attempt that reached Entra ID and was refused is the one to show; otherwise every attempt, briefly.
    """
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return ""
    attempts = [line for line in lines[1:] if re.match(r"\w+Credential: ", line)]
    refused = [line for line in attempts if "AADSTS" in line or "Authentication failed" in line]
    if refused:
        return refused[0]
    if attempts:
        return lines[0] + " " + "; ".join(attempts)
    return lines[0]


def _credential_error(exc: Exception) -> AuthenticationError:
    text = _credential_text(exc)
    if not text or text.startswith("Operation returned an invalid status"):  # azure-core's filler for no message
        text = type(exc).__name__
    hint = next((h for code, h in _SIGN_IN_HINTS.items() if code in text), None)
    return AuthenticationError(
        f"sign-in failed: {text}",
        hint=hint or "in CI set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET (or a federated token for "
        "workload identity); interactively run `az login`; force one method with AMLEVENTS_AUTH; or try "
        "`amlevents --local ...` with no Azure at all",
    )


def _access_hint(message: str) -> str:
    """Who to ask for what, from ARM's AuthorizationFailed text ("... to perform action 'A' over scope 'S' ...")."""
    found = re.search(r"perform action '([^']+)' over scope '([^']+)'", message or "")
    if found is None:
        return "ask an Owner for Contributor, Owner or EventGrid EventSubscription Contributor on the workspace"
    action, scope = found.groups()
    # ARM names the collection it was asked for; the role belongs on the resource that holds it
    scope = re.sub(r"(/providers/Microsoft\.EventGrid)?/eventSubscriptions(/[^/]+)?$", "", scope, flags=re.I)
    reading = action.lower().endswith("/read")
    roles = roles_granting([action], SUGGESTED_READ_ROLES if reading else SUGGESTED_ROLES)
    if reading:
        roles = roles[:2]  # the least a reader needs; every writing role would do too
    if not roles:
        return f"ask an Owner for a role that grants {action} on {scope}"
    return f"ask an Owner for {', '.join(roles[:-1]) + ' or ' if len(roles) > 1 else ''}{roles[-1]} on {scope}"


def translate(exc: BaseException, *, what: str) -> AmlEventsError:
    """The project error for an SDK/identity exception raised while doing ``what``."""
    identity = sys.modules.get("azure.identity")  # not imported in emulator modes: no credential error then
    if identity is not None and isinstance(exc, identity.CredentialUnavailableError):
        return _credential_error(exc)
    if isinstance(exc, ClientAuthenticationError) and getattr(exc, "response", None) is None:
        return _credential_error(exc)  # raised by the credential itself, before any ARM call
    if isinstance(exc, ServiceRequestError):
        return ServiceError(f"cannot reach Azure Resource Manager to {what}: {exc}",
                            hint=_TLS_HINT if "CERTIFICATE_VERIFY_FAILED" in str(exc)
                            else "check the network, --cloud, or the emulator URL")
    if isinstance(exc, ServiceResponseError):
        writing = what.split(" ", 1)[0] in ("create", "update", "delete", "apply")
        return ServiceError(f"the connection broke while trying to {what}: {exc}",
                            hint="Azure may or may not have received the request: check the current state with "
                            "`amlevents subscription show`, then run the command again" if writing
                            else "run the command again")
    if not isinstance(exc, HttpResponseError):
        return ServiceError(f"could not {what}: {exc}")
    code, message, details = arm_error(exc)
    status = exc.status_code
    detail_text = "; ".join(f"{d['code']}: {d['message']}" for d in details if d.get("message"))
    full = f"could not {what}: {message}" + (f" ({detail_text})" if detail_text else "")
    if status == 401 or isinstance(exc, ClientAuthenticationError):
        return AuthenticationError(full, code=code, hint="sign in again, or check that the token is for this tenant")
    if status == 403:
        return AccessDeniedError(full, code=code, hint=_access_hint(message))
    if status == 404 or isinstance(exc, ResourceNotFoundError):
        return NotFoundError(full, code=code, hint="check the workspace, resource group and subscription names")
    if status == 400:
        return InvalidInputError(full, code=code)
    if any((d.get("code") or "").lower() == "url validation" for d in details):
        return ServiceError(full, code=code, hint=_HANDSHAKE_HINT)
    if status == 429:
        return ServiceError(full, code=code, hint="Azure is throttling; wait a minute and run again")
    return ServiceError(full, code=code or (str(status) if status else None))


@contextmanager
def translate_errors(what: str) -> Iterator[None]:
    """Re-raise SDK exceptions inside the block as ``AmlEventsError`` (``raise ... from exc``)."""
    try:
        yield
    except AmlEventsError:
        raise
    except Exception as exc:  # noqa: BLE001 - only azure exceptions are expected here; others are bugs
        from azure.core.exceptions import AzureError

        if isinstance(exc, AzureError) or type(exc).__module__.startswith("azure."):
            raise translate(exc, what=what) from exc
        raise
