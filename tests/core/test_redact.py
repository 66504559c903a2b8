"""Secrets stay out of output and logs: webhook query strings, tokens, client secrets, secret mappings."""

from __future__ import annotations

import json
import logging
import string
from urllib.parse import quote

import pytest
from campaigns import examples
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from amlevents.core.redact import (
    REDACTED,
    RedactingFilter,
    redact_headers,
    redact_query,
    redact_resource,
    redact_text,
    redact_url,
    url_pieces,
)

JWT = "eyJhbGciOiJub25lIn0.eyJvaWQiOiJhYmMifQ.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://h.example.com/api/hook?code=s3cret", "https://h.example.com/api/hook?code=REDACTED"),
        ("https://h.example.com/x?sig=a%2Fb&key=k&se=2030",
         "https://h.example.com/x?sig=REDACTED&key=REDACTED&se=REDACTED"),
        ("https://m.example/x?api-version=2025-02-15&code=s",
         "https://m.example/x?api-version=2025-02-15&code=REDACTED"),
        ("https://m.example/x?$top=5&$filter=name%20eq%20%27a%27&$skipToken=abc",
         "https://m.example/x?$top=5&$filter=name%20eq%20%27a%27&$skipToken=abc"),
        ("https://m.example/x?API-VERSION=1&$TOP=2", "https://m.example/x?API-VERSION=1&$TOP=2"),
        ("https://h.example.com/api/hook", "https://h.example.com/api/hook"),
        ("https://h.example.com/api/hook?", "https://h.example.com/api/hook?"),
        ("https://h.example.com/x?code=s#frag", "https://h.example.com/x?code=REDACTED#REDACTED"),
    ],
)
def test_redact_url_replaces_every_query_value_but_the_harmless_arm_ones(url, expected):
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pw@h.example/x", "https://user:REDACTED@h.example/x"),
        ("https://user:p%40w@h.example:8443/x?code=c#f",
         "https://user:REDACTED@h.example:8443/x?code=REDACTED#REDACTED"),
        ("https://user:p@w@h.example/x", "https://user:REDACTED@h.example/x"),  # the host follows the last "@"
        ("https://user@h.example/x", "https://user@h.example/x"),  # a user name alone is no secret
        ("https://user:@h.example/x", "https://user:@h.example/x"),
        ("https://h.example/users/a:b@c", "https://h.example/users/a:b@c"),  # an "@" in the path is no user-info
        ("https://h.example/x#", "https://h.example/x#"),
        ("https://h.example/x#f?code=1", "https://h.example/x#REDACTED"),  # a "?" after "#" is in the fragment
        ("HTTPS://u:pw@H.EXAMPLE/x", "HTTPS://u:REDACTED@H.EXAMPLE/x"),
        ("ftp://u:pw@h.example/x", "ftp://u:REDACTED@h.example/x"),
    ],
)
def test_redact_url_hides_the_password_and_the_fragment_too(url, expected):
    assert redact_url(url) == expected


def test_url_pieces_join_back_to_the_url_and_label_each_secret():
    url = "https://u:pw@h.example/p?api-version=1&code=c&s%69g=s&bare#frag"
    pieces = url_pieces(url)
    assert "".join(text for text, _ in pieces) == url
    assert [(text, label) for text, label in pieces if label] == [
        ("pw", "password"), ("c", "code"), ("s", "sig"), ("bare", "query"), ("frag", "fragment")]


def test_redact_url_marks_what_changed_against_another_url():
    old = "https://u:pw@h.example/p?code=a&sig=b#f"
    new = "https://u:pw2@h.example/p?code=a&sig=c#f&more=1"
    assert redact_url(new, "(secret)", against=old, changed="(changed)") == (
        "https://u:(changed)@h.example/p?code=(secret)&sig=(changed)#(changed)")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("POST https://u:pw-123@h.example/hook failed", "pw-123"),
        ("endpoint 'https://h.example/hook#frag-123' is bad", "frag-123"),
        ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ('{"authorization": "SharedKey acct:c2lnbmF0dXJl"}', "c2lnbmF0dXJl"),
    ],
)
def test_redact_text_hides_passwords_fragments_and_authorization_values(text, secret):
    assert secret not in redact_text(text)


def test_redact_query_and_headers_for_the_emulator_request_log():
    assert redact_query({"api-version": "2025-02-15", "code": "c0de", "$top": "5", "empty": ""}) == {
        "api-version": "2025-02-15", "code": REDACTED, "$top": "5", "empty": ""}
    headers = {"Authorization": "Bearer abc", "X-Api-Key": "k", "aeg-sas-token": "t", "Accept": "application/json",
               "Referer": "https://h.example/x?code=c"}
    assert redact_headers(headers) == {"Authorization": REDACTED, "X-Api-Key": REDACTED, "aeg-sas-token": REDACTED,
                                       "Accept": "application/json", "Referer": "https://h.example/x?code=REDACTED"}


def test_redact_resource_hides_values_under_secret_keys():
    body = {"client_secret": "cs", "clientSecret": "cs2", "nested": [{"password": "pw", "name": "n"}]}
    assert redact_resource(body) == {"client_secret": REDACTED, "clientSecret": REDACTED,
                                     "nested": [{"password": REDACTED, "name": "n"}]}


@pytest.mark.parametrize(
    "url",
    ["https://h.example.com/hook?s3cretvalue", "https://h.example.com/hook?a=1&s3cretvalue",
     "https://[bad/x?s3cretvalue"],
)
def test_a_query_part_without_a_name_is_a_secret_as_a_whole(url):
    redacted = redact_url(url)
    assert "s3cretvalue" not in redacted
    assert redacted.endswith(REDACTED)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer abc.def-ghi~jkl", "abc.def-ghi~jkl"),
        ("authorization: bearer S3cr3tToken=", "S3cr3tToken"),
        (f"token {JWT} was sent", "c2lnbmF0dXJl"),
        (f"id_token={JWT}", "eyJvaWQiOiJhYmMifQ"),
        ("grant_type=client_credentials&client_secret=p%40ss&scope=x", "p%40ss"),
        ("client_assertion=abc.def&client_id=1", "abc.def"),
        ('{"client_secret": "s3cr3t", "client_id": "1"}', "s3cr3t"),
        ('{"password": "correct horse battery"}', "horse"),
        ("{'refresh_token': 'rt-123'}", "rt-123"),
        ("POST https://h.example.com/hook?code=abc123 failed", "abc123"),
    ],
)
def test_redact_text_removes_tokens_and_secrets(text, secret):
    redacted = redact_text(text)
    assert secret not in redacted
    assert REDACTED in redacted


def test_redact_text_keeps_the_harmless_rest():
    text = 'grant_type=client_credentials&client_secret=abc&scope=https://management.azure.com/.default'
    assert redact_text(text) == (
        "grant_type=client_credentials&client_secret=REDACTED&scope=https://management.azure.com/.default")


def test_redact_text_keeps_json_quotes_around_a_redacted_value():
    assert redact_text('{"client_secret": "a b"}') == '{"client_secret": "REDACTED"}'


def subscription(url: str, *mappings: dict) -> dict:
    return {
        "id": "/subscriptions/s/providers/Microsoft.EventGrid/eventSubscriptions/runs",
        "name": "runs",
        "properties": {
            "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w",
            "destination": {
                "endpointType": "WebHook",
                "properties": {
                    "endpointUrl": url,
                    "endpointBaseUrl": url.split("?")[0],
                    "deliveryAttributeMappings": list(mappings),
                },
            },
        },
    }


def static(name: str, value: str | None, secret: bool) -> dict:
    return {"name": name, "type": "Static", "properties": {"value": value, "isSecret": secret}}


def test_redact_resource_redacts_the_webhook_code_and_secret_mappings():
    data = subscription("https://u:pw@h.example.com/api/hook?code=s3cret", static("auth", "key-1", True),
                        static("team", "ml", False), static("hidden", "Hidden", True))
    props = redact_resource(data)["properties"]["destination"]["properties"]
    assert props["endpointUrl"] == "https://u:REDACTED@h.example.com/api/hook?code=REDACTED"
    assert props["endpointBaseUrl"] == "https://u:REDACTED@h.example.com/api/hook"
    assert [m["properties"]["value"] for m in props["deliveryAttributeMappings"]] == [REDACTED, "ml", "Hidden"]


def test_redact_resource_leaves_its_input_alone():
    data = subscription("https://h.example.com/hook?code=s3cret", static("auth", "key-1", True))
    before = json.dumps(data)
    redact_resource(data)
    assert json.dumps(data) == before


def test_redact_resource_handles_lists_and_scalars():
    data = [subscription("https://a.example/x?code=1"), subscription("https://b.example/y?code=2")]
    urls = [s["properties"]["destination"]["properties"]["endpointUrl"] for s in redact_resource(data)]
    assert urls == ["https://a.example/x?code=REDACTED", "https://b.example/y?code=REDACTED"]
    assert redact_resource([1, None, True, "plain"]) == [1, None, True, "plain"]


def test_a_dynamic_mapping_is_not_a_secret():
    mapping = {"name": "src", "type": "Dynamic", "properties": {"sourceField": "data.runId", "isSecret": True}}
    assert redact_resource(mapping) == mapping


def log_record(msg: str, *args) -> logging.LogRecord:
    return logging.LogRecord("azure.core", logging.DEBUG, __file__, 1, msg, args, None)


def test_redacting_filter_formats_args_then_redacts():
    record = log_record("Request URL: '%s' (%d)", "https://m.example/x?api-version=1&code=abc", 3)
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "Request URL: 'https://m.example/x?api-version=1&code=REDACTED' (3)"


def test_redacting_filter_redacts_a_json_body():
    body = json.dumps(subscription("https://h.example.com/hook?code=abc", static("auth", "key-1", True)))
    record = log_record("Response content: %s", body)
    RedactingFilter().filter(record)
    message = record.getMessage()
    assert "code=abc" not in message and "key-1" not in message
    logged = json.loads(message.removeprefix("Response content: "))
    assert logged["properties"]["destination"]["properties"]["deliveryAttributeMappings"][0]["properties"] == {
        "value": REDACTED, "isSecret": True}


def test_redacting_filter_lets_a_broken_record_through():
    record = log_record("%d items", "not a number")
    assert RedactingFilter().filter(record) is True
    assert record.msg == "%d items"


URL_SAFE = string.ascii_letters + string.digits + "-._~"


@settings(max_examples=examples(300), deadline=None)
@given(
    secret=st.text(min_size=6, max_size=40).filter(lambda s: s.strip()),
    name=st.text(URL_SAFE, min_size=1, max_size=10),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
)
def test_a_query_value_never_survives_redact_text(secret, name, before, after):
    assume(name.lower() not in {"api-version", "$top", "$filter", "$skiptoken", "tenantid"})
    encoded = quote(secret, safe="")
    url = f"https://hooks.example.com/api/events?{name}={encoded}"
    assume(encoded not in f"{before} {url.split('?')[0]}?{name}={REDACTED} {after}")
    assert encoded not in redact_text(f"{before} {url} {after}")


@settings(max_examples=examples(200), deadline=None)
@given(
    password=st.text(URL_SAFE + "%!$&'()*+,;=", min_size=6, max_size=30),
    fragment=st.text(URL_SAFE + "/?:@!$&'()*+,;=", min_size=6, max_size=30),
    before=st.text(max_size=40),
)
def test_a_password_or_fragment_never_survives_redact_text(password, fragment, before):
    url = f"https://user:{password}@hooks.example.com/p#{fragment}"
    redacted = redact_text(f"{before} {url} and more")
    assume(password not in before + " and more" and fragment not in before + " and more")
    assert password not in redacted and fragment not in redacted
