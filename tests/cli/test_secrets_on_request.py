"""`subscription show --include-full-endpoint-url` and `--include-static-delivery-attribute-secret` each reveal what
they name and nothing else, without --show-secrets: the flag is the consent (issue 14, point 4)."""

from __future__ import annotations

import pytest
from ids import providers

HOOK = "https://hooks.example.com/api/events?code=URLSECRET"
MAPPING = ("-d", "auth", "static", "ATTRSECRET", "true")
QUEUE = providers() + "Microsoft.Storage/storageAccounts/sa1/queueServices/default/queues/q1"


@pytest.fixture
def secret_sub(run, cli_emulator):
    run.ok("subscription", "create", "sec-1", "--endpoint", HOOK, *MAPPING)
    return "sec-1"


@pytest.mark.parametrize(("flags", "shown", "hidden"), [
    ((), [], ["URLSECRET", "ATTRSECRET"]),
    (("--include-full-endpoint-url",), ["URLSECRET"], ["ATTRSECRET"]),
    (("--include-static-delivery-attribute-secret",), ["ATTRSECRET"], ["URLSECRET"]),
    (("--include-attrib-secret",), ["ATTRSECRET"], ["URLSECRET"]),
    (("--include-full-endpoint-url", "--include-attrib-secret"), ["URLSECRET", "ATTRSECRET"], []),
])
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_each_flag_reveals_what_it_names_and_nothing_else(run, secret_sub, flags, shown, hidden, fmt):
    result = run.ok("subscription", "show", secret_sub, *flags, "-o", fmt)
    assert [s for s in shown if s not in result.stdout] == []
    assert [s for s in hidden if s in result.stdout + result.stderr] == []


@pytest.mark.parametrize(("flag", "shown"), [(None, False), ("--include-full-endpoint-url", True)])
def test_the_table_shows_the_full_url_on_request_only(run, secret_sub, flag, shown):
    result = run.ok("subscription", "show", secret_sub, *([flag] if flag else []), "-o", "table")
    assert ("URLSECRET" in result.stdout) is shown
    assert "ATTRSECRET" not in result.stdout


def test_the_attribute_secret_is_read_with_get_delivery_attributes(run, secret_sub, sent_requests):
    run.ok("subscription", "show", secret_sub, "--include-static-delivery-attribute-secret", "-o", "json")
    assert [r["path"].rsplit("/", 1)[-1] for r in sent_requests("POST")] == ["getDeliveryAttributes"]


def test_a_storage_queue_has_no_attributes_to_include(run, cli_emulator, sent_requests):
    run.ok("subscription", "create", "queue-1", "--endpoint-type", "storagequeue", "--endpoint", QUEUE)
    result = run.ok("subscription", "show", "queue-1", "--include-static-delivery-attribute-secret", "-o", "json")
    assert "StorageQueue, which has no delivery attributes to include" in result.stderr
    assert sent_requests("POST") == []


def test_redact_resource_keeps_only_what_it_is_asked_to():
    from amlevents.core.redact import (
        KEEP_ATTRIBUTE_SECRETS,
        KEEP_ENDPOINT_URL,
        redact_resource,
    )

    data = {"endpointUrl": HOOK, "other": "https://x.example/?sig=OTHER",
            "mapping": {"type": "Static", "properties": {"value": "ATTRSECRET", "isSecret": True}}}
    assert redact_resource(data, keep=[KEEP_ENDPOINT_URL]) == {
        "endpointUrl": HOOK, "other": "https://x.example/?sig=REDACTED",
        "mapping": {"type": "Static", "properties": {"value": "REDACTED", "isSecret": True}}}
    kept = redact_resource(data, keep=[KEEP_ATTRIBUTE_SECRETS])
    assert (kept["endpointUrl"], kept["mapping"]["properties"]["value"]) == (
        "https://hooks.example.com/api/events?code=REDACTED", "ATTRSECRET")
