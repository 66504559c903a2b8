"""azure-core / azure-identity exceptions -> project errors: exit codes, ARM codes, hints, chaining."""

from __future__ import annotations

import json

import pytest
import requests
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
    map_error,
)
from azure.core.pipeline.transport import HttpRequest, RequestsTransportResponse
from azure.identity import CredentialUnavailableError
from azure.mgmt.core.exceptions import ARMErrorFormat

from amlevents.arm.errors import translate, translate_errors
from amlevents.core.errors import (
    AccessDeniedError,
    AuthenticationError,
    ExitCode,
    InvalidInputError,
    NotFoundError,
    ServiceError,
)

URL = "https://management.azure.com/subscriptions/s/providers/Microsoft.EventGrid/eventSubscriptions/runs"
# What generated ARM clients map before raising HttpResponseError(error_format=ARMErrorFormat).
ERROR_MAP = {401: ClientAuthenticationError, 404: ResourceNotFoundError, 409: ResourceExistsError}


def arm_exception(status: int, code: str | None = None, message: str = "it failed", details=(), body=None):
    """The exception a generated ARM client raises for ``status`` with an ARM error body."""
    if body is None:
        body = {"error": {"code": code, "message": message, "details": [{"code": c, "message": m} for c, m in details]}}
    raw = requests.Response()
    raw.status_code, raw.reason = status, "Error"
    raw._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    raw.headers["Content-Type"] = "application/json"
    response = RequestsTransportResponse(HttpRequest("PUT", URL), raw)
    try:
        map_error(status_code=status, response=response, error_map=ERROR_MAP)
        raise HttpResponseError(response=response, error_format=ARMErrorFormat)
    except HttpResponseError as exc:
        return exc


@pytest.mark.parametrize(
    "exc",
    [
        ClientAuthenticationError("EnvironmentCredential authentication unavailable"),
        CredentialUnavailableError("Azure CLI not found on path"),
    ],
    ids=["credential", "unavailable"],
)
def test_credential_failures_are_authentication_errors_with_a_sign_in_hint(exc):
    error = translate(exc, what="list event subscriptions")
    assert isinstance(error, AuthenticationError) and error.exit_code == ExitCode.AUTH_FAILED == 3
    assert error.message.startswith("sign-in failed: ")
    assert "AZURE_CLIENT_ID" in error.hint and "az login" in error.hint


CHAIN = ("ChainedTokenCredential failed to retrieve a token from the included credentials.\nAttempted credentials:\n"
         "\tEnvironmentCredential: EnvironmentCredential authentication unavailable. Environment variables are not "
         "fully configured.\n\tWorkloadIdentityCredential: Authentication failed: AADSTS700016: Application with "
         "identifier 'x' was not found in the directory 't'.\nTo mitigate this issue, please refer to the "
         "troubleshooting guidelines here at https://aka.ms/azsdk/python/identity/defaultazurecredential/troubleshoot.")


def test_a_chain_failure_shows_the_attempt_that_was_refused_with_its_hint():
    error = translate(ClientAuthenticationError(CHAIN), what="x")
    assert error.message == ("sign-in failed: WorkloadIdentityCredential: Authentication failed: AADSTS700016: "
                             "Application with identifier 'x' was not found in the directory 't'.")
    assert error.hint.startswith("AZURE_CLIENT_ID is not an application in tenant AZURE_TENANT_ID")


def test_a_chain_where_nothing_was_available_lists_every_attempt():
    text = ("ChainedTokenCredential failed to retrieve a token from the included credentials.\nAttempted credentials:"
            "\n\tEnvironmentCredential: unavailable\n\tAzureCliCredential: Azure CLI not found on path")
    error = translate(ClientAuthenticationError(text), what="x")
    assert error.message.endswith("EnvironmentCredential: unavailable; AzureCliCredential: Azure CLI not found on path")
    assert "az login" in error.hint


def test_a_credential_error_without_text_names_its_type():
    assert translate(CredentialUnavailableError(""), what="x").message == "sign-in failed: CredentialUnavailableError"


@pytest.mark.parametrize(
    ("status", "code", "kind", "exit_code"),
    [
        (401, "InvalidAuthenticationToken", AuthenticationError, 3),
        (403, "AuthorizationFailed", AccessDeniedError, 4),
        (404, "ResourceNotFound", NotFoundError, 5),
        (400, "InvalidRequest", InvalidInputError, 2),
        (409, "Conflict", ServiceError, 1),
        (429, "TooManyRequests", ServiceError, 1),
        (500, "InternalServerError", ServiceError, 1),
    ],
)
def test_http_errors_map_to_exit_codes_and_keep_the_arm_code(status, code, kind, exit_code):
    error = translate(arm_exception(status, code, "The client has no permission"), what="create 'runs'")
    assert type(error) is kind and error.exit_code == exit_code
    assert error.code == code
    assert error.message == "could not create 'runs': The client has no permission"


def test_the_access_denied_hint_names_the_roles_that_grant_access():
    error = translate(arm_exception(403, "AuthorizationFailed"), what="create 'runs'")
    assert "EventGrid EventSubscription Contributor" in error.hint


def test_throttling_says_to_wait():
    assert "throttling" in translate(arm_exception(429, "TooManyRequests"), what="x").hint


def test_a_service_error_without_a_code_uses_the_status():
    error = translate(arm_exception(502, body=b"<html>Bad Gateway</html>"), what="list")
    assert (type(error), error.code) == (ServiceError, "502")


def test_details_are_appended_to_the_message():
    exc = arm_exception(400, "InvalidRequest", "Bad filter", details=[("InvalidFilter", "key is too long")])
    assert translate(exc, what="create 'runs'").message == (
        "could not create 'runs': Bad filter (InvalidFilter: key is too long)")


@pytest.mark.parametrize(
    ("exc", "kind", "text"),
    [
        (ServiceRequestError("Name or service not known"), ServiceError, "cannot reach Azure Resource Manager"),
        (ServiceResponseError("Connection aborted"), ServiceError, "the connection broke"),
    ],
)
def test_network_failures_are_service_errors(exc, kind, text):
    error = translate(exc, what="list event subscriptions")
    assert type(error) is kind and error.exit_code == ExitCode.ERROR
    assert text in error.message


def lro_failure(detail_code: str) -> HttpResponseError:
    """What LROPoller.result() raises: the 200 status response of a Failed operation."""
    body = {"status": "Failed", "error": {
        "code": "ResourceOperationFailure",
        "message": "The resource operation completed with terminal provisioning state 'Failed'.",
        "details": [{"code": detail_code, "message": "Webhook validation handshake failed for https://h.example/x."}]}}
    return arm_exception(200, body=body)


def test_a_failed_webhook_handshake_gets_the_handshake_hint():
    error = translate(lro_failure("Url validation"), what="create 'runs'")
    assert (type(error), error.exit_code, error.code) == (ServiceError, 1, "ResourceOperationFailure")
    assert "validation handshake" in error.hint and "https://aka.ms/esvalidation" in error.hint
    assert "Url validation: Webhook validation handshake failed" in error.message


def test_other_operation_failures_get_no_handshake_hint():
    assert translate(lro_failure("InternalServerError"), what="create 'runs'").hint is None


def test_the_emulators_handshake_failure_translates_the_same(emulator, eventgrid_client):
    from azure.mgmt.eventgrid.models import (
        EventSubscription,
        WebHookEventSubscriptionDestination,
    )

    client = eventgrid_client(emulator)
    body = EventSubscription(destination=WebHookEventSubscriptionDestination(endpoint_url="https://receiver.invalid/x"))
    with pytest.raises(ServiceError) as caught, translate_errors("create 'runs'"):
        client.event_subscriptions.begin_create_or_update(
            f"/subscriptions/{emulator.subscription_id}/resourceGroups/amlevents-local/providers/"
            "Microsoft.MachineLearningServices/workspaces/local-workspace", "runs", body).result()
    assert "validation handshake" in caught.value.hint


def test_translate_errors_chains_the_original():
    original = arm_exception(404, "ResourceNotFound")
    with pytest.raises(NotFoundError) as caught, translate_errors("get 'runs'"):
        raise original
    assert caught.value.__cause__ is original


def test_translate_errors_lets_project_errors_and_bugs_through():
    with pytest.raises(InvalidInputError), translate_errors("x"):
        raise InvalidInputError("bad")
    with pytest.raises(KeyError), translate_errors("x"):
        raise KeyError("bug")


@pytest.mark.parametrize("exc", [
    ClientAuthenticationError("Authentication failed: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
    ServiceRequestError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer"),
], ids=["sign-in", "arm"])
def test_an_untrusted_certificate_points_at_the_emulator_ca(exc):
    error = translate(exc, what="list event subscriptions")
    assert "AMLEVENTS_EMULATOR_CA" in error.hint and "REQUESTS_CA_BUNDLE" in error.hint


@pytest.mark.parametrize(("action", "roles"), [
    ("Microsoft.EventGrid/systemTopics/read", "Reader or EventGrid Contributor"),
    ("Microsoft.EventGrid/eventSubscriptions/read", "EventGrid EventSubscription Reader or Reader"),
    ("Microsoft.EventGrid/eventSubscriptions/write",
     "EventGrid EventSubscription Contributor, EventGrid Contributor, Contributor or Owner"),
    ("Microsoft.Authorization/roleAssignments/write", "Owner"),
])
def test_a_raw_403_names_the_roles_that_grant_the_refused_action(action, roles):
    from amlevents.arm.errors import _access_hint

    scope = "/subscriptions/s/resourceGroups/rg"
    message = (f"The client 'c' with object id 'o' does not have authorization to perform action '{action}' over "
               f"scope '{scope}' or the scope is invalid.")
    assert _access_hint(message) == f"ask an Owner for {roles} on {scope}"


def test_a_raw_403_hint_names_the_resource_not_the_collection():
    from amlevents.arm.errors import _access_hint

    ws = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w"
    message = ("The client 'c' with object id 'o' does not have authorization to perform action "
               f"'Microsoft.EventGrid/eventSubscriptions/read' over scope '{ws}/providers/Microsoft.EventGrid/"
               "eventSubscriptions' or the scope is invalid.")
    assert _access_hint(message).endswith(f" on {ws}")
