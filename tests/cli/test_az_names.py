"""az's option names work in amlevents: -n/--name, az's aliases, global options after the command, and an unknown
az option points at the amlevents one (issue 14, point 2)."""

from __future__ import annotations

import json

import pytest
from ids import HOOK, WORKSPACE_ID, providers

from amlevents.core.errors import ExitCode

CONTAINER = providers() + "Microsoft.Storage/storageAccounts/sa1/blobServices/default/containers/dead"


def dry_run(run, *args: str) -> dict:
    """What `subscription create ... --dry-run` would send: the PUT's URL and body."""
    return run.json("subscription", "create", *args, "--dry-run")


# az option -> where it lands in the PUT (a path of keys in the body, or the URL) and the value expected there.
ALIASES = [
    (("-n", "az-sub", "--endpoint", "https://example.com/h"), "url", "/eventSubscriptions/az-sub?"),
    (("--name", "az-sub", "--endpoint", "https://example.com/h"), "url", "/eventSubscriptions/az-sub?"),
    (("az-sub", "--source-resource-id", WORKSPACE_ID, "--endpoint", "https://example.com/h"), "url",
     WORKSPACE_ID + "/providers/Microsoft.EventGrid/eventSubscriptions/az-sub?"),
    (("az-sub", "--delivery-identity", "systemassigned", "--delivery-identity-endpoint-type", "webhook",
      "--delivery-identity-endpoint", "https://example.com/h"),
     "properties.deliveryWithResourceIdentity.destination.properties.endpointUrl", "https://example.com/h"),
    (("az-sub", "--endpoint", "https://example.com/h", "--deadletter-identity", "systemassigned",
      "--deadletter-identity-endpoint", CONTAINER),
     "properties.deadLetterWithResourceIdentity.deadLetterDestination.properties.blobContainerName", "dead"),
    (("az-sub", "--endpoint", "https://example.com/h", "--included-event-types", "ModelRegistered"),
     "properties.filter.includedEventTypes", ["Microsoft.MachineLearningServices.ModelRegistered"]),
    (("az-sub", "--endpoint", "https://example.com/h", "--azure-active-directory-tenant-id", "t1",
      "--azure-active-directory-application-id-or-uri", "api://app"),
     "properties.destination.properties.azureActiveDirectoryTenantId", "t1"),
]


@pytest.mark.parametrize(("args", "where", "expected"), ALIASES, ids=lambda v: v[1] if isinstance(v, tuple) else "")
def test_az_option_names_are_accepted(run, cli_emulator, args, where, expected):
    sent = dry_run(run, *args)
    if where == "url":
        assert expected in sent["url"]
        return
    value = sent["body"]
    for key in where.split("."):
        value = value[key]
    assert value == expected


@pytest.mark.parametrize("command", ["show", "update", "delete"])
def test_name_option_addresses_the_subscription(run, cli_emulator, command):
    run.ok("subscription", "create", "named", "--endpoint", "https://example.com/h")
    extra = {"update": ("--max-delivery-attempts", "5"), "delete": ("--yes",)}.get(command, ())
    result = run("subscription", command, "-n", "named", *extra, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert run("subscription", "show", "named").exit_code == (ExitCode.NOT_FOUND if command == "delete" else 0)


def test_the_same_name_twice_is_one_name(run, cli_emulator):
    assert "/eventSubscriptions/twice?" in dry_run(run, "twice", "-n", "twice", "--endpoint", "https://e.com/h")["url"]


def test_two_different_names_are_refused_naming_both(run, cli_emulator):
    result = run("subscription", "create", "first", "--name", "second", "--endpoint", "https://example.com/h")
    assert result.exit_code == 2
    assert "'first' as NAME and 'second' with --name" in result.stderr


def test_no_name_at_all_says_how_to_give_one(run, cli_emulator):
    result = run("subscription", "show")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: missing the event subscription name.")
    assert "-n/--name" in result.stderr


def test_two_spellings_of_one_option_are_refused(run, cli_emulator):
    result = run("subscription", "create", "two", "--endpoint", "https://a.example/h", "--delivery-identity-endpoint",
                 "https://b.example/h", "--dry-run")
    assert result.exit_code == 2
    assert "--endpoint and --delivery-identity-endpoint are two names of one option" in result.stderr


# --- global options after the command ------------------------------------------------------------------------

@pytest.mark.parametrize("extra", [(), ("--timeout", "60"), ("--raw",), ("--debug",)])
def test_local_after_the_command(run, extra):
    assert run.json("subscription", "list", "--local", *extra) == []


def test_emulator_url_after_the_command(run, emulator, monkeypatch):
    monkeypatch.setenv("AMLEVENTS_EMULATOR_CA", emulator.ca_cert_path)
    assert run.json("subscription", "list", "--emulator", emulator.url) == []


def test_show_secrets_after_the_command(run, cli_emulator):
    # The create response echoes a secret attribute value, which only --show-secrets shows
    args = ("subscription", "create", "hook-2", "--endpoint", HOOK, "-d", "auth", "static", "ATTRVALUE", "true",
            "--no-wait", "-o", "json")
    assert "ATTRVALUE" in run.ok(*args, "--show-secrets").stdout


def test_debug_after_the_command(run, cli_emulator):
    result = run("subscription", "show", "missing", "--debug")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "Traceback" in result.stderr


def test_global_options_between_group_and_command(run):
    assert run.json("subscription", "--local", "list") == []


def test_a_global_option_after_the_command_still_needs_its_value(run):
    result = run("subscription", "list", "--emulator")
    assert result.exit_code == 2
    assert "option --emulator needs a value, but got nothing" in result.stderr


def test_a_command_keeps_its_own_option_of_a_global_name():
    """`listen --timeout` is listen's own option: it stays after the command."""
    from typer.main import get_command

    from amlevents.cli.app import app
    from amlevents.cli.argv import hoist_global_options

    root = get_command(app)
    ctx = root.make_context("amlevents", ["--version"], resilient_parsing=True)
    assert hoist_global_options(root, ctx, ["listen", "--timeout", "5"]) == ["listen", "--timeout", "5"]
    assert hoist_global_options(root, ctx, ["subscription", "list", "--timeout", "5", "-o", "json"]) == [
        "--timeout", "5", "subscription", "list", "-o", "json"]


# --- an unknown az option names the amlevents one -------------------------------------------------------------

@pytest.mark.parametrize(("option", "ours"), [("--resource-id", "--workspace-id"), ("--verbose", "--debug"),
                                              ("--odata-query", "--query")])
def test_unknown_az_option_suggests_ours(run, option, ours):
    command = ("subscription", "list") if option == "--odata-query" else ("subscription", "show", "x")
    result = run(*command, option, "v" if option != "--verbose" else "--local")
    assert result.exit_code == 2
    assert f"No such option: {option} (az's name; here: {ours})" in result.stderr


def test_name_no_longer_suggests_model_name(run, cli_emulator):
    result = run("subscription", "create", "--name", "by-option", "--endpoint", "https://example.com/h", "--dry-run",
                 "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["url"].split("?")[0].endswith("/by-option")
