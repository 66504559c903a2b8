"""The emulator's sign-in endpoints: cloud metadata, OpenID configuration, client-credentials tokens (Entra ID v1,
v2, ADFS) and what a sign-in lists (GET /subscriptions, /tenants), through plain HTTPS and through azure-identity."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from emulator_support import SUB, create

from amlevents.core.errors import InvalidInputError
from amlevents.emulator.runtime.seed import DEFAULT_SEED, build_world, default_client_id

TENANT = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
ARM = "https://management.azure.com/.default"


def _get(server, path, **kwargs):
    return requests.get(server.url + path, verify=server.ca_cert_path, timeout=10, **kwargs)


def _token(server, client="owner", secret=None, *, tenant=TENANT, path="oauth2/v2.0/token", **form):
    client_id, right = server.clients.get(client, (client, "x"))
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": right if secret is None
            else secret, "scope": ARM, **form}
    data = {k: v for k, v in data.items() if v is not None}
    return requests.post(f"{server.url}/{tenant}/{path}", data=data, verify=server.ca_cert_path, timeout=10)


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# --- cloud metadata and OpenID configuration ---------------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["", "/"], ids=["single-slash", "double-slash"])
def test_metadata_names_the_emulator_as_resource_manager_login_endpoint_and_audience(emulator, prefix):
    # az cloud register asks for "{endpoint}/metadata/..." and a trailing "/" in the endpoint doubles the slash
    response = _get(emulator, prefix + "/metadata/endpoints?api-version=2022-09-01")  # no bearer token
    assert response.status_code == 200
    meta = response.json()
    root = emulator.url + "/"
    assert meta["resourceManager"] == root
    assert meta["authentication"]["loginEndpoint"] == root
    assert meta["authentication"]["audiences"][0] == root
    assert meta["name"] and isinstance(meta["suffixes"], dict)  # az's mapper reads both
    assert emulator.app.requests()[-1] | {"time": None} == {
        "method": "GET", "path": "/metadata/endpoints", "query": {"api-version": "2022-09-01"}, "status": 200,
        "principal": None, "time": None, "service": "login"}


def test_metadata_needs_an_api_version_like_arm(emulator):
    response = _get(emulator, "/metadata/endpoints")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MissingApiVersionParameter"


def test_openid_configuration_v2_v1_and_adfs_name_token_endpoints_on_the_emulator(emulator):
    v2 = _get(emulator, f"/{TENANT}/v2.0/.well-known/openid-configuration").json()
    assert v2["token_endpoint"] == f"{emulator.url}/{TENANT}/oauth2/v2.0/token"
    assert v2["issuer"] == f"{emulator.url}/{TENANT}/v2.0"
    v1 = _get(emulator, f"/{TENANT}/.well-known/openid-configuration").json()
    assert v1["token_endpoint"] == f"{emulator.url}/{TENANT}/oauth2/token"
    adfs = _get(emulator, "/adfs/.well-known/openid-configuration").json()
    assert adfs["token_endpoint"] == f"{emulator.url}/adfs/oauth2/token"
    assert _get(emulator, f"/{TENANT}/discovery/v2.0/keys").json() == {"keys": []}


def test_unknown_tenant_is_refused_like_entra_id(emulator):
    response = _get(emulator, "/bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb/v2.0/.well-known/openid-configuration")
    assert response.status_code == 400
    assert response.json()["error_codes"] == [90002]
    token = _token(emulator, tenant="bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb")
    assert (token.status_code, token.json()["error"]) == (400, "invalid_request")


# --- the token endpoint ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("principal", ["owner", "reader", "eventsub-contributor"])
def test_client_credentials_token_is_the_principals_jwt(emulator, principal):
    response = _token(emulator, principal)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599
    claims = _claims(body["access_token"])
    assert claims["oid"] == emulator.principals[principal]
    assert claims["appid"] == emulator.clients[principal][0]
    assert claims["tid"] == TENANT and claims["aud"] == "https://management.azure.com/"
    entry = emulator.app.requests()[-1]
    assert (entry["method"], entry["status"], entry["principal"], entry["service"]) == ("POST", 200, principal,
                                                                                         "login")
    assert "body" not in entry and emulator.clients[principal][1] not in json.dumps(emulator.app.requests())


def test_the_emulator_audience_is_accepted_with_or_without_a_double_slash_and_by_arm(emulator):
    for scope in (f"{emulator.url}//.default", f"{emulator.url}/.default"):
        response = _token(emulator, "owner", scope=scope)
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        assert _claims(token)["aud"] == emulator.url + "/"
    # ARM accepts a token for the audience its metadata names
    listed = _get(emulator, "/subscriptions?api-version=2022-12-01", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200 and listed.json()["value"][0]["subscriptionId"] == SUB


def test_v1_and_adfs_token_endpoints(emulator):
    v1 = _token(emulator, "reader", path="oauth2/token", scope=None, resource="https://management.core.windows.net/")
    assert v1.status_code == 200
    assert v1.json()["resource"] == "https://management.core.windows.net/"
    assert _claims(v1.json()["access_token"])["oid"] == emulator.principals["reader"]
    adfs = _token(emulator, "contributor", tenant="adfs", path="oauth2/token")
    assert adfs.status_code == 200
    assert _claims(adfs.json()["access_token"])["oid"] == emulator.principals["contributor"]


def test_client_secret_basic_authentication(emulator):
    client_id, secret = emulator.clients["reader"]
    form = {"grant_type": "client_credentials", "scope": ARM}
    ok = requests.post(f"{emulator.url}/{TENANT}/oauth2/v2.0/token", data=form, auth=(client_id, secret),
                       verify=emulator.ca_cert_path, timeout=10)
    assert ok.status_code == 200 and _claims(ok.json()["access_token"])["oid"] == emulator.principals["reader"]
    wrong = requests.post(f"{emulator.url}/{TENANT}/oauth2/v2.0/token", data=form, auth=(client_id, "nope"),
                          verify=emulator.ca_cert_path, timeout=10)
    assert (wrong.status_code, wrong.json()["error_codes"]) == (401, [7000215])


def test_wrong_secret_is_401_invalid_client(emulator):
    response = _token(emulator, "owner", "not-the-secret")
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client" and body["error_codes"] == [7000215]
    assert body["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert "not-the-secret" not in response.text


def test_missing_secret_is_401_invalid_client(emulator):
    response = _token(emulator, "owner", "")
    assert (response.status_code, response.json()["error"], response.json()["error_codes"]) == (
        401, "invalid_client", [7000216])


def test_unknown_client_is_refused_as_entra_id_does(emulator):
    # Entra ID answers AADSTS700016 for an application it does not know: 400 unauthorized_client
    response = _token(emulator, "c9999999-9999-4999-8999-999999999999", "whatever")
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["error_codes"]) == ("unauthorized_client", [700016])


@pytest.mark.parametrize(("form", "error", "code"), [
    ({"grant_type": "password"}, "unsupported_grant_type", 70003),
    ({"scope": "https://graph.microsoft.com/.default"}, "invalid_resource", 500011),
    ({"scope": "https://management.azure.com/user_impersonation"}, "invalid_scope", 1002012),
])
def test_other_grants_resources_and_scopes_are_refused(emulator, form, error, code):
    response = _token(emulator, "owner", **form)
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["error_codes"]) == (error, [code])


def test_token_endpoint_wants_post(emulator):
    assert _get(emulator, f"/{TENANT}/oauth2/v2.0/token").status_code == 405


# --- what a sign-in lists -----------------------------------------------------------------------------------------

def _bearer(server, principal):
    return {"Authorization": "Bearer " + _token(server, principal).json()["access_token"]}


@pytest.mark.parametrize(("principal", "visible"), [
    ("owner", True), ("reader", True), ("contributor", True),
    ("eventsub-contributor", True),  # a role on the workspace alone makes the subscription visible
    ("nobody", False),
])
def test_subscription_list_holds_what_the_caller_has_a_role_in(emulator, principal, visible):
    response = _get(emulator, "/subscriptions?api-version=2022-12-01", headers=_bearer(emulator, principal))
    assert response.status_code == 200
    value = response.json()["value"]
    assert [s["subscriptionId"] for s in value] == ([SUB] if visible else [])
    if visible:
        assert value[0]["tenantId"] == TENANT and value[0]["state"] == "Enabled"
        assert value[0]["id"] == f"/subscriptions/{SUB}"


def test_subscription_get_and_tenant_list(emulator):
    sub = _get(emulator, f"/subscriptions/{SUB}?api-version=2022-12-01", headers=_bearer(emulator, "owner"))
    assert sub.status_code == 200 and sub.json()["displayName"] == "amlevents local"
    tenants = _get(emulator, "/tenants?api-version=2022-12-01", headers=_bearer(emulator, "nobody"))
    assert tenants.status_code == 200
    assert [t["tenantId"] for t in tenants.json()["value"]] == [TENANT]
    assert _get(emulator, "/tenants?api-version=2022-12-01").status_code == 401  # ARM, so a token is needed


# --- azure-identity's own service-principal path ------------------------------------------------------------------

@pytest.mark.parametrize("tenant", [TENANT, "adfs"])
def test_azure_identity_client_secret_credential_acts_as_the_principal(emulator, tenant):
    from azure.identity import ClientSecretCredential
    from azure.mgmt.eventgrid import EventGridManagementClient

    client_id, secret = emulator.clients["eventsub-contributor"]
    credential = ClientSecretCredential(tenant, client_id, secret, authority=emulator.url,
                                        disable_instance_discovery=True, connection_verify=emulator.ca_cert_path)
    client = EventGridManagementClient(credential, SUB, base_url=emulator.url, polling_interval=0,
                                       credential_scopes=[ARM], connection_verify=emulator.ca_cert_path)
    create(client, "via-service-principal")
    writes = [e for e in emulator.app.requests() if e["method"] == "PUT"]
    assert [e["principal"] for e in writes] == ["eventsub-contributor"]
    assert [e["path"] for e in emulator.app.requests() if e.get("service") == "login"][-1].endswith("/token")


# --- seeds -------------------------------------------------------------------------------------------------------

def test_clients_are_documented_defaults_or_from_the_seed():
    world = build_world(DEFAULT_SEED)
    assert (world.principals["owner"].client_id, world.principals["owner"].client_secret) == (
        "c1111111-1111-4111-8111-111111111111", "local-owner-secret")
    assert world.client("C1111111-1111-4111-8111-111111111111").name == "owner"
    custom = dict(DEFAULT_SEED, principals={"ci": {"objectId": "99999999-9999-4999-8999-999999999999",
                                                   "clientId": "app-ci", "clientSecret": "s"}})
    custom["roleAssignments"] = []
    assert build_world(custom).client("app-ci").object_id == "99999999-9999-4999-8999-999999999999"
    assert default_client_id("not-a-guid") != default_client_id("other")


def test_duplicate_client_ids_are_refused():
    doc = dict(DEFAULT_SEED, roleAssignments=[], principals={
        "a": {"objectId": "11111111-1111-4111-8111-111111111111"},
        "b": {"objectId": "21111111-1111-4111-8111-111111111111"}})  # both derive c1111111-...
    with pytest.raises(InvalidInputError, match="same clientId"):
        build_world(doc)


def test_ready_info_prints_clients_and_authority(emulator):
    info = emulator.ready_info()
    assert info["authorityHost"] == emulator.url
    assert info["clients"]["reader"] == {"clientId": "c3333333-3333-4333-8333-333333333333",
                                         "clientSecret": "local-reader-secret"}
    assert info["metadataEndpoint"].startswith(emulator.url + "/metadata/endpoints?api-version=")


# --- workload identity: a federated token as the client assertion --------------------------------------------------

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
GITHUB = "https://token.actions.githubusercontent.com"  # the issuer federated_token (conftest) uses by default


def _assert_token(server_or_client, client_id, assertion):
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion, "scope": ARM}
    if hasattr(server_or_client, "url"):
        return requests.post(f"{server_or_client.url}/{TENANT}/oauth2/v2.0/token", data=data,
                             verify=server_or_client.ca_cert_path, timeout=10)
    return server_or_client.post(f"/{TENANT}/oauth2/v2.0/token", data=data)


def test_a_federated_token_signs_in_as_the_principal(emulator, federated_token):
    response = _assert_token(emulator, emulator.clients["contributor"][0], federated_token())
    assert response.status_code == 200, response.text
    assert _claims(response.json()["access_token"])["oid"] == emulator.principals["contributor"]


@pytest.mark.parametrize(("claims", "status", "code"), [
    ({"aud": "https://management.azure.com/"}, 400, 700212),
    ({"lifetime": -60}, 400, 700024),
    (None, 400, 50027),  # not a JWT at all
])
def test_bad_federated_tokens_are_refused_like_entra_id(emulator, federated_token, claims, status, code):
    token = "not-a-jwt" if claims is None else federated_token(**claims)
    response = _assert_token(emulator, emulator.clients["owner"][0], token)
    assert (response.status_code, response.json()["error_codes"]) == (status, [code])


def test_a_seeded_federated_credential_must_match_issuer_and_subject(federated_token):
    from werkzeug.test import Client

    from amlevents.emulator.runtime.app import EmulatorApp
    from amlevents.emulator.runtime.backend import Backend

    doc = dict(DEFAULT_SEED, roleAssignments=[], principals={"ci": {
        "objectId": "99999999-9999-4999-8999-999999999999", "clientId": "app-ci",
        "federatedCredentials": [{"issuer": GITHUB, "subject": "repo:contoso/ml:environment:prod"}]}})
    backend = Backend(None, doc)
    try:
        client = Client(EmulatorApp(backend))
        ok = _assert_token(client, "app-ci", federated_token(sub="repo:contoso/ml:environment:prod"))
        assert ok.status_code == 200, ok.get_data(as_text=True)
        refused = _assert_token(client, "app-ci", federated_token(sub="repo:contoso/ml:ref:refs/heads/dev"))
        assert refused.status_code == 400
        assert refused.json["error_codes"] == [70021]
        assert "Assertion Subject: 'repo:contoso/ml:ref:refs/heads/dev'" in refused.json["error_description"]
    finally:
        backend.close()
