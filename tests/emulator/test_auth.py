"""Tokens and ARM's 401 refusals, unit-level and over HTTPS."""

from __future__ import annotations

import pytest
from emulator_support import EVENT_SUBS, SCOPE, raw

from amlevents.emulator.identity import auth
from amlevents.emulator.identity.auth import authenticate, decode_claims
from amlevents.emulator.identity.tokens import EmulatorCredential, mint_token
from amlevents.emulator.runtime.errors import ArmError
from amlevents.emulator.runtime.seed import DEFAULT_PRINCIPALS, DEFAULT_TENANT_ID

OWNER = DEFAULT_PRINCIPALS["owner"]


def test_credential_tokens_carry_the_object_id():
    with EmulatorCredential("reader") as credential:
        token = credential.get_token("https://management.azure.com/.default")
    assert authenticate(f"Bearer {token.token}", DEFAULT_TENANT_ID) == DEFAULT_PRINCIPALS["reader"]
    assert token.expires_on > 0


def test_credential_accepts_an_object_id_and_refuses_unknown_names():
    oid = "12345678-1234-1234-1234-123456789abc"
    assert EmulatorCredential(oid).object_id == oid
    with pytest.raises(ValueError, match="unknown principal"):
        EmulatorCredential("mallory")


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "AuthenticationFailed"),
        ("Basic abc", "AuthenticationFailed"),
        ("Bearer not-a-jwt", "InvalidAuthenticationToken"),
        ("Bearer a.b.c", "InvalidAuthenticationToken"),
        (f"Bearer {mint_token(OWNER, expired=True)}", "ExpiredAuthenticationToken"),
    ],
)
def test_refusals(header, code):
    with pytest.raises(ArmError) as err:
        authenticate(header, DEFAULT_TENANT_ID)
    assert (err.value.status, err.value.code) == (401, code)
    assert err.value.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=")


def test_no_token_gets_401_with_a_challenge(emulator):
    response = raw(emulator, "GET", EVENT_SUBS, token=None)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in challenge and "error_description=" in challenge


@pytest.mark.parametrize(
    ("token", "code"),
    [("garbage", "InvalidAuthenticationToken"),
     (mint_token(OWNER, expired=True), "ExpiredAuthenticationToken")],
)
def test_bad_tokens_get_401(emulator, token, code):
    response = raw(emulator, "GET", EVENT_SUBS, token=token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code


def test_sdk_raises_client_authentication_error_for_expired_tokens(emulator):
    from azure.core.exceptions import ClientAuthenticationError
    from azure.mgmt.eventgrid import EventGridManagementClient

    class Expired:
        def get_token(self, *scopes, **kwargs):
            return EmulatorCredential().get_token()._replace(token=mint_token(OWNER, expired=True))

    client = EventGridManagementClient(Expired(), emulator.subscription_id, base_url=emulator.url,
                                       connection_verify=emulator.ca_cert_path)
    with pytest.raises(ClientAuthenticationError, match="ExpiredAuthenticationToken"):
        client.event_subscriptions.get(SCOPE, "x")


def test_missing_api_version_is_refused(emulator):
    response = raw(emulator, "GET", EVENT_SUBS, params={})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MissingApiVersionParameter"


def test_unknown_principals_are_valid_but_have_no_roles(emulator):
    token = mint_token("99999999-9999-4999-8999-999999999999", emulator.tenant_id)
    response = raw(emulator, "GET", EVENT_SUBS, token=token)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "AuthorizationFailed"


def test_a_remembered_token_is_still_refused_once_it_expires():
    # the time-independent checks are remembered per token; its lifetime is checked on every request
    token = mint_token(OWNER)
    exp = decode_claims(token)["exp"]
    assert authenticate(f"Bearer {token}", DEFAULT_TENANT_ID, now=exp - 60) == OWNER
    with pytest.raises(ArmError) as err:
        authenticate(f"Bearer {token}", DEFAULT_TENANT_ID, now=exp + 1)
    assert err.value.code == "ExpiredAuthenticationToken"


def test_a_remembered_token_is_refused_for_another_tenant_or_audience():
    token = mint_token(OWNER)
    assert authenticate(f"Bearer {token}", DEFAULT_TENANT_ID) == OWNER
    with pytest.raises(ArmError) as err:
        authenticate(f"Bearer {token}", "99999999-9999-4999-8999-999999999999")
    assert err.value.code == "InvalidAuthenticationTokenTenant"
    with pytest.raises(ArmError) as err:
        authenticate(f"Bearer {token}", DEFAULT_TENANT_ID, audiences=frozenset({"https://other.example/"}))
    assert err.value.code == "InvalidAuthenticationTokenAudience"


def test_the_remembered_tokens_stay_bounded():
    for i in range(auth.VERIFIED_TOKENS + 10):
        authenticate(f"Bearer {mint_token(f'00000000-0000-4000-8000-{i:012d}')}", DEFAULT_TENANT_ID)
    assert len(auth._VERIFIED) <= auth.VERIFIED_TOKENS
