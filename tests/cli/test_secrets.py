"""Webhook query strings and secret delivery attribute values stay out of every output and log.

``--show-secrets`` turns the output redaction off (stdout then has them); ``--debug`` logs are always redacted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from ids import RESOURCE_GROUP as RG
from ids import SUBSCRIPTION_ID as SUB
from ids import WORKSPACE as WS
from ids import providers

HOOK = "https://hooks.example.com/api/events?code=SECRET&sig=SIG2"
SECRETS = ("SECRET", "SIG2", "ATTRVALUE")
MAPPING = ("-d", "auth", "static", "ATTRVALUE", "true")
CONTAINER = providers() + "Microsoft.Storage/storageAccounts/sa1/blobServices/default/containers/dead"


def leaked(result: Any) -> list[str]:
    return [s for s in SECRETS if s in result.stdout or s in result.stderr]


@pytest.fixture
def secret_sub(run, cli_emulator):
    """'sec-1': a webhook with a query-string secret, a secret static delivery attribute and dead-lettering."""
    result = run.ok("subscription", "create", "sec-1", "--endpoint", HOOK, *MAPPING, "--deadletter-endpoint",
                    CONTAINER, "-o", "json")
    assert leaked(result) == []
    return "sec-1"


COMMANDS = {
    "create-dry-run": ("subscription", "create", "sec-2", "--endpoint", HOOK, *MAPPING, "--dry-run"),
    "create-no-wait": ("subscription", "create", "sec-2", "--endpoint", HOOK, *MAPPING, "--no-wait"),
    "create-overwrite": ("subscription", "create", "sec-1", "--endpoint", HOOK, *MAPPING, "--overwrite"),
    "update": ("subscription", "update", "sec-1", "--max-events-per-batch", "7"),
    "update-dry-run": ("subscription", "update", "sec-1", "--preferred-batch-size-in-kilobytes", "8", "--dry-run"),
    "update-dead-letter-put": ("subscription", "update", "sec-1", "--clear-dead-letter", "--dry-run"),
    "show": ("subscription", "show", "sec-1"),
    "list": ("subscription", "list"),
}


# JSON and YAML render the same (redacted) data, tables and TSV go through the list columns or the key/value view.
CASES = [(command, fmt) for command in sorted(COMMANDS) for fmt in ("json", "table")] + [
    (command, fmt) for command in ("show", "update-dry-run", "list") for fmt in ("yaml", "tsv")]


@pytest.mark.parametrize(("command", "fmt"), CASES)
def test_no_secret_in_any_output(run, secret_sub, command, fmt):
    result = run(*COMMANDS[command], "-o", fmt)
    assert result.exit_code == 0, result.stderr
    assert leaked(result) == []


def test_the_request_really_carried_the_secrets(run, secret_sub, cli_emulator, sent_requests):
    """The redaction is of output only: the update re-sent the real URL and value (else the test above is moot).

    The request log is redacted too, so the stored subscription tells: a PATCH of redacted values would have
    stored ``code=REDACTED`` and ``REDACTED``."""
    from amlevents.emulator.eventgrid.subscriptions import ParentRef

    cli_emulator.app.clear_requests()
    run.ok("subscription", "update", "sec-1", "--max-events-per-batch", "7")
    [patch] = sent_requests("PATCH")
    assert "endpointUrl" in json.dumps(patch["body"])  # the URL and the mapping were sent again
    ref, backend = ParentRef(SUB, RG, resource_name=WS), cli_emulator.backend
    assert backend.full_url(ref, "sec-1") == HOOK
    assert backend.delivery_attributes(ref, "sec-1")[0]["properties"]["value"] == "ATTRVALUE"


def test_show_secrets_reveals_the_full_url(run, secret_sub):
    result = run("--show-secrets", "subscription", "show", "sec-1", "--include-full-endpoint-url", "-o", "json")
    assert json.loads(result.stdout)["destination"]["endpointUrl"] == HOOK


@pytest.mark.parametrize(("change", "method"), [(("--max-events-per-batch", "9"), "PATCH"),
                                               (("--clear-dead-letter",), "PUT")])
def test_show_secrets_reveals_both_in_a_dry_run(run, secret_sub, change, method):
    result = run("--show-secrets", "subscription", "update", "sec-1", *change, "--dry-run", "-o", "json")
    printed = json.loads(result.stdout)
    assert printed["method"] == method
    body = printed["body"]["properties"] if method == "PUT" else printed["body"]
    destination = body["destination"]["properties"]
    assert destination["endpointUrl"] == HOOK
    assert destination["deliveryAttributeMappings"][0]["properties"]["value"] == "ATTRVALUE"


def test_show_secrets_reveals_the_value_the_create_response_echoes(run, cli_emulator):
    result = run("--show-secrets", "subscription", "create", "sec-3", "--endpoint", HOOK, *MAPPING, "--no-wait",
                 "-o", "json")
    mapping = json.loads(result.stdout)["destination"]["deliveryAttributeMappings"][0]
    assert mapping["value"] == "ATTRVALUE"


def test_no_secret_in_an_input_error(run, cli_emulator):
    result = run("subscription", "create", "sec-4", "--endpoint", HOOK.replace("https", "http"))
    assert result.exit_code == 2
    assert leaked(result) == []


# --- --debug logs, in real processes so the logging handler writes to the captured stderr ---------------------

def test_debug_logs_are_redacted(run, secret_sub, cli_emulator):
    env = dict(os.environ)  # cli_emulator has set AMLEVENTS_EMULATOR and AMLEVENTS_EMULATOR_CA there
    commands = [
        ("subscription", "create", "sec-5", "--endpoint", HOOK, *MAPPING),
        ("subscription", "update", "sec-1", "--max-events-per-batch", "3"),
        ("subscription", "show", "sec-1", "--include-full-endpoint-url"),
        ("subscription", "list"),
    ]
    procs = [subprocess.Popen([sys.executable, "-m", "amlevents", "--debug", *args, "-o", "json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for args in commands]
    for args, proc in zip(commands, procs):
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        assert "DEBUG azure.core.pipeline.policies.http_logging_policy" in stderr  # the log is really on
        # --include-full-endpoint-url is the consent to see the URL on stdout (as in az); the log stays redacted
        shown = "" if "--include-full-endpoint-url" in args else stdout
        assert [s for s in SECRETS if s in shown or s in stderr] == [], (args, stderr)
    full_url_reads = [r for r in cli_emulator.app.requests() if r["path"].endswith("/getFullUrl")]
    assert full_url_reads  # the secrets really crossed the wire while being logged


def test_in_process_debug_logs_to_the_current_stderr_and_stops_with_the_command(run, secret_sub):
    debug = run("--debug", "subscription", "show", "sec-1", "--include-full-endpoint-url", "-o", "json")
    assert "DEBUG azure.core.pipeline.policies.http_logging_policy" in debug.stderr
    assert [s for s in SECRETS if s in debug.stderr] == []
    later = run("subscription", "show", "sec-1", "-o", "json")
    assert later.exit_code == 0
    assert later.stderr == ""  # neither DEBUG lines nor "--- Logging error ---" from a closed stream
