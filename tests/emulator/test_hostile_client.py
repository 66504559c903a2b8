"""The emulator as a local server facing a hostile client: every refusal is ARM's JSON error with the right
status, nothing is read or kept before the token is accepted, memory stays bounded and the server stays up."""

from __future__ import annotations

import base64
import json
import os
import stat
import threading
import time

import pytest
import requests
from emulator_support import API, EVENT_SUBS, HOOK, raw, webhook_body

from amlevents.emulator.identity.tokens import mint_token
from amlevents.emulator.runtime import app as app_module
from amlevents.emulator.runtime.server import EmulatorServer

MB = 1024 * 1024
OTHER_TENANT = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"


def arm_error(response: requests.Response, status: int) -> str:
    """The ARM error code of a JSON error answer with ``status``."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["message"]
    return error["code"]


def still_serving(server) -> bool:
    return raw(server, "GET", EVENT_SUBS).status_code == 200


def put_raw(server, data: bytes | str, name: str = "hook") -> requests.Response:
    return raw(server, "PUT", f"{EVENT_SUBS}/{name}", data=data, headers={"Content-Type": "application/json"})


# --- bodies -----------------------------------------------------------------------------------------------------

def test_an_anonymous_body_is_refused_before_it_is_read_or_logged(emulator):
    response = raw(emulator, "PUT", f"{EVENT_SUBS}/hook", token=None, data=b"x" * (2 * MB))
    assert arm_error(response, 401) == "AuthenticationFailed"
    [entry] = emulator.app.requests()
    assert "body" not in entry and "bodyBytes" not in entry
    assert still_serving(emulator)


def test_a_body_over_4_mb_gets_413(emulator):
    response = put_raw(emulator, b" " * (4 * MB + 1))
    assert arm_error(response, 413) == "RequestContentTooLarge"
    assert emulator.app.requests()[-1]["status"] == 413
    assert still_serving(emulator)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ("[" * 10_000 + "]" * 10_000, "10k-deep body"),
        ("[" * 65 + "]" * 65, "deeper than Json.NET's 64"),
        ('{"properties": {"retryPolicy": {"maxDeliveryAttempts": NaN}}}', "NaN"),
        ('{"properties": {"retryPolicy": {"maxDeliveryAttempts": 1e999}}}', "1e999"),
        ('{"properties": {"retryPolicy": {"maxDeliveryAttempts": -Infinity}}}', "-Infinity"),
        ('{"properties": {"retryPolicy": {"maxDeliveryAttempts": ' + "9" * 5000 + "}}}", "5000 digits"),
    ],
)
def test_unreadable_json_gets_400_invalid_request_content(emulator, data, why):
    assert arm_error(put_raw(emulator, data), 400) == "InvalidRequestContent", why
    assert still_serving(emulator)


def test_a_huge_but_finite_number_is_a_validation_error(emulator):
    body = webhook_body(retryPolicy={"maxDeliveryAttempts": 1e300})
    assert arm_error(raw(emulator, "PUT", f"{EVENT_SUBS}/hook", body=body), 400) == "InvalidRequest"


# --- URLs, headers and $filter -----------------------------------------------------------------------------------

def test_a_100_kb_url_gets_414_json(emulator):
    response = requests.get(f"{emulator.url}{EVENT_SUBS}/{'a' * 100_000}", params={"api-version": API},
                            verify=emulator.ca_cert_path, timeout=10)
    assert arm_error(response, 414) == "RequestUriTooLong"
    assert still_serving(emulator)


def test_oversized_headers_get_431_json(emulator):
    response = raw(emulator, "GET", EVENT_SUBS, headers={"X-Padding": "p" * 70_000})
    assert arm_error(response, 431) == "RequestHeaderFieldsTooLarge"
    assert still_serving(emulator)


@pytest.mark.parametrize(
    "text",
    ["not(" * 200 + "name eq 'a'" + ")" * 200,
     "(" * 5000 + "name eq 'a'" + ")" * 5000,
     " or ".join(["name eq 'a'"] * 3000)],
    ids=["200 nested not", "5000 parentheses", "3000 terms"],
)
def test_a_pathological_filter_gets_400(emulator, text):
    response = raw(emulator, "GET", EVENT_SUBS, params={"api-version": API, "$filter": text})
    assert arm_error(response, 400) == "InvalidRequest"
    assert still_serving(emulator)


def test_a_reasonably_nested_filter_still_works(emulator):
    raw(emulator, "PUT", f"{EVENT_SUBS}/hook", body=webhook_body())
    text = "not(" * 10 + "name eq 'other'" + ")" * 10  # an even count of nots: name eq 'other'
    response = raw(emulator, "GET", EVENT_SUBS, params={"api-version": API, "$filter": text})
    assert response.status_code == 200 and response.json()["value"] == []


# --- the request log ---------------------------------------------------------------------------------------------

def test_the_request_log_redacts_webhook_keys_and_secret_values(emulator):
    destination = {"endpointType": "WebHook", "properties": {"endpointUrl": HOOK, "deliveryAttributeMappings": [
        {"name": "auth", "type": "Static", "properties": {"value": "t0ps3cret", "isSecret": True}}]}}
    assert raw(emulator, "PUT", f"{EVENT_SUBS}/hook", body={"properties": {"destination": destination}}).ok
    logged = raw(emulator, "GET", "/_emulator/requests", token=None).text
    assert "s3cret" not in logged and "t0ps3cret" not in logged
    sent = emulator.app.requests()[-1]["body"]["properties"]["destination"]["properties"]
    assert sent["endpointUrl"] == "https://hooks.example.com/api/events?code=REDACTED"


def test_a_large_body_is_logged_as_its_size_only(emulator):
    body = webhook_body(labels=["x" * 1000] * 100)
    assert raw(emulator, "PUT", f"{EVENT_SUBS}/hook", body=body).status_code in (201, 400)
    entry = emulator.app.requests()[-1]
    assert "body" not in entry and entry["bodyBytes"] > app_module.LOG_BODY_BYTES


def test_the_request_log_keeps_within_its_byte_budget(emulator, monkeypatch):
    monkeypatch.setattr(app_module, "LOG_BYTES", 100_000)
    for i in range(8):
        put_raw(emulator, json.dumps(webhook_body(labels=["y" * 30_000])), name=f"hook-{i}")
    entries = emulator.app.requests()
    assert len(json.dumps(entries)) <= 100_000
    assert 1 <= len(entries) < 8 and entries[-1]["path"].endswith("/hook-7")


# --- tokens ------------------------------------------------------------------------------------------------------

def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned(server, **changes) -> str:
    """An unsigned token for the owner with claims changed (a value of None removes the claim)."""
    now = int(time.time())
    claims = {"aud": "https://management.azure.com/", "iss": f"https://sts.windows.net/{server.tenant_id}/",
              "iat": now, "nbf": now, "exp": now + 3600, "oid": server.principals["owner"], "tid": server.tenant_id}
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"tid": OTHER_TENANT, "iss": f"https://sts.windows.net/{OTHER_TENANT}/"}, "InvalidAuthenticationTokenTenant"),
        ({"iss": f"https://sts.windows.net/{OTHER_TENANT}/"}, "InvalidAuthenticationTokenTenant"),
        ({"tid": None}, "InvalidAuthenticationToken"),
        ({"nbf": int(time.time()) + 3600}, "InvalidAuthenticationToken"),
        ({"exp": int(time.time()) + 10 * 365 * 86400}, "InvalidAuthenticationToken"),
        ({"exp": 1e300}, "InvalidAuthenticationToken"),
        ({"exp": -1e300}, "ExpiredAuthenticationToken"),
        ({"exp": "tomorrow"}, "InvalidAuthenticationToken"),
        ({"nbf": "now"}, "InvalidAuthenticationToken"),
    ],
    ids=["other tenant", "other issuer", "no tid", "nbf in the future", "exp in 10 years", "exp 1e300",
         "exp -1e300", "exp not a number", "nbf not a number"],
)
def test_tokens_arm_would_refuse_get_401(emulator, changes, code):
    response = raw(emulator, "GET", EVENT_SUBS, token=unsigned(emulator, **changes))
    assert arm_error(response, 401) == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=")


def test_a_token_with_a_deeply_nested_payload_gets_401(emulator):
    token = f"{_b64({'alg': 'none'})}.{base64.urlsafe_b64encode(b'[' * 20_000).decode()}."
    assert arm_error(raw(emulator, "GET", EVENT_SUBS, token=token), 401) == "InvalidAuthenticationToken"


def test_an_unsigned_valid_token_is_still_accepted(emulator):
    assert raw(emulator, "GET", EVENT_SUBS, token=unsigned(emulator)).status_code == 200
    assert raw(emulator, "GET", EVENT_SUBS, token=mint_token(emulator.principals["owner"],
                                                             emulator.tenant_id)).status_code == 200


# --- faults ------------------------------------------------------------------------------------------------------

def test_a_regex_fault_path_is_refused_by_the_admin_api(emulator):
    response = raw(emulator, "POST", "/_emulator/faults", token=None, body={"spec": "error500:path=(a+)+b"})
    assert arm_error(response, 400) == "InvalidRequest"
    assert emulator.faults.to_dict()["rules"] == []


def test_a_wildcard_fault_path_does_not_stall_requests(emulator):
    emulator.add_fault("error500:path=a*a*a*a*a*a*a*a*b")
    answers: list[int] = []
    worker = threading.Thread(target=lambda: answers.append(
        raw(emulator, "GET", f"{EVENT_SUBS}/{'a' * 30_000}").status_code))
    worker.start()
    worker.join(timeout=10)  # a guard against a hang, not a timing assertion
    assert answers == [404]


# --- the state file ----------------------------------------------------------------------------------------------

def test_state_files_are_private(tmp_path, eventgrid_client):
    state = tmp_path / "new-dir" / "state.sqlite3"
    with EmulatorServer(state_path=state) as server:
        assert raw(server, "PUT", f"{EVENT_SUBS}/hook", body=webhook_body()).status_code == 201
        modes = {p.name: stat.S_IMODE(os.stat(p).st_mode) for p in state.parent.iterdir()}
    assert stat.S_IMODE(os.stat(state.parent).st_mode) == 0o700
    assert modes and set(modes.values()) == {0o600}, modes


def test_an_existing_loose_state_file_is_made_private(tmp_path):
    state = tmp_path / "state.sqlite3"
    with EmulatorServer(state_path=state):
        pass
    os.chmod(state, 0o644)
    with EmulatorServer(state_path=state):
        assert stat.S_IMODE(os.stat(state).st_mode) == 0o600
