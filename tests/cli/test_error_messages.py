"""Each error class and exit code pinned by its whole stderr, as a user sees it (against the emulator).

Other tests check that a message mentions the right thing; these pin the exact text once per class, so that a
change to the wording, the ``Error: ... / Hint: ...`` layout or the exit code shows up in review.
"""

from __future__ import annotations

import time

import pytest
from ids import (
    HOOK,
    RESOURCE_GROUP,
    SUBSCRIPTION_ID,
    SUBSCRIPTION_SCOPE,
    WORKSPACE,
    WORKSPACE_ID,
)

NAME = "hook-1"
READER = "33333333-3333-4333-8333-333333333333"  # the object id of the emulator's seeded principal 'reader'
OPERATORS = ("NumberIn, NumberNotIn, NumberLessThan, NumberGreaterThan, NumberLessThanOrEquals, "
             "NumberGreaterThanOrEquals, NumberInRange, NumberNotInRange, BoolEquals, StringIn, StringNotIn, "
             "StringBeginsWith, StringNotBeginsWith, StringEndsWith, StringNotEndsWith, StringContains, "
             "StringNotContains, IsNullOrUndefined, IsNotNull")

INPUT_ERRORS = {
    "invalid input (InvalidInputError)": (
        ("subscription", "create", NAME, "--endpoint", HOOK, "--max-delivery-attempts", "0"), 2,
        "Error: --max-delivery-attempts must be a number between 1 and 30, got 0.\n"),
    "filter syntax (FilterSyntaxError)": (
        ("subscription", "create", NAME, "--endpoint", HOOK, "--advanced-filter", "data.Stage NumberEq 2"), 2,
        "Error: unknown operator 'NumberEq'.\n"
        "  data.Stage NumberEq 2\n"
        "             ^^^^^^^^\n"
        f"Hint: Did you mean NumberIn? The operators are {OPERATORS}.\n"),
    "not found (NotFoundError)": (
        ("subscription", "show", "missing"), 5,
        f"Error: event subscription 'missing' does not exist on workspace '{WORKSPACE}'.\n"
        "Hint: `amlevents subscription list` shows the existing ones.\n"),
    "usage (Click)": (
        ("subscription", "create"), 2,
        "Error: missing the event subscription name.\n"
        "Hint: Give it as NAME right after the command, or with -n/--name NAME.\n"),
}


@pytest.mark.parametrize(("args", "exit_code", "stderr"), INPUT_ERRORS.values(), ids=INPUT_ERRORS)
def test_input_errors_print_the_whole_message(run, cli_emulator, args, exit_code, stderr):
    result = run(*args)
    assert (result.exit_code, result.stderr, result.stdout) == (exit_code, stderr, "")


def test_access_denied_exits_4_naming_the_permission_and_the_fix(run, cli_emulator, monkeypatch):
    monkeypatch.setenv("AMLEVENTS_EMULATOR_PRINCIPAL", "reader")
    result = run("subscription", "create", NAME, "--endpoint", HOOK)
    assert (result.exit_code, result.stderr) == (4, (
        f"Error: (AuthorizationFailed) emulator principal 'reader' (object id {READER}) may not create event "
        "subscriptions here: missing permission Microsoft.EventGrid/eventSubscriptions/write on scope "
        f"{WORKSPACE_ID}. Roles held there: Reader (at {SUBSCRIPTION_SCOPE}).\n"
        "Hint: EventGrid EventSubscription Contributor or EventGrid Contributor or Contributor or Owner on the "
        f"workspace grants it; ask an Owner to run: az role assignment create --assignee {READER} --role "
        f"\"EventGrid EventSubscription Contributor\" --scope {WORKSPACE_ID}. No write request was sent.\n"))


def test_authentication_failure_exits_3(run, cli_emulator, monkeypatch):
    monkeypatch.setenv("AMLEVENTS_EMULATOR_PRINCIPAL", "nobody-seeded")
    result = run("subscription", "list")
    assert (result.exit_code, result.stderr) == (3, (
        "Error: AMLEVENTS_EMULATOR_PRINCIPAL: unknown principal 'nobody-seeded'; known: contributor, "
        "eventsub-contributor, nobody, owner, reader.\n"
        "Hint: Set AMLEVENTS_EMULATOR_PRINCIPAL to one of the emulator's principals, or unset it to act as "
        "owner.\n"))


def test_service_error_keeps_the_arm_code_and_exits_1(run, cli_emulator):
    cli_emulator.app.faults.add("fail-operation:count=1")
    result = run("subscription", "create", NAME, "--endpoint", HOOK)
    assert (result.exit_code, result.stderr) == (1, (
        f"Error: (ResourceOperationFailure) could not create event subscription '{NAME}': The resource operation "
        "completed with terminal provisioning state 'Failed'. (InternalServerError: The operation failed because "
        "of an injected emulator fault (fail-operation).)\n"))


def test_timeout_exits_1_with_guidance(run, cli_emulator):
    cli_emulator.app.faults.add("latency:ms=3000,method=GET")
    result = run("--timeout", "1", "subscription", "show", NAME)
    assert (result.exit_code, result.stderr) == (1, (
        "Error: gave up waiting for Azure's answer: --timeout 1 s ran out.\n"
        "Hint: Azure is throttling or slow: run the command again later, or allow more time with --timeout "
        "SECONDS (AMLEVENTS_TIMEOUT).\n"))
    # the abandoned GET is logged when the emulator finishes it; wait for that so it cannot outlive the test
    end = time.monotonic() + 10
    while not any(r["method"] == "GET" for r in cli_emulator.app.requests()) and time.monotonic() < end:
        time.sleep(0.05)


def test_concurrent_create_exits_6(run, cli_emulator, monkeypatch):
    """Another client creates the name between our check and our PUT: the PUT answers Updating, not Creating."""
    from amlevents.emulator.eventgrid.subscriptions import ParentRef

    faults, decide = cli_emulator.app.faults, cli_emulator.app.faults.decide
    theirs = {"properties": {"destination": {"endpointType": "WebHook",
                                             "properties": {"endpointUrl": "https://example.com/theirs"}}}}

    def another_client_creates_it_first(method, path):
        if method == "PUT" and path.endswith(f"/eventSubscriptions/{NAME}"):
            cli_emulator.backend.put_event_subscription(
                ParentRef(SUBSCRIPTION_ID, RESOURCE_GROUP, resource_name=WORKSPACE), NAME, theirs,
                cli_emulator.principals["owner"], lambda: False)
        return decide(method, path)

    monkeypatch.setattr(faults, "decide", another_client_creates_it_first)
    result = run("subscription", "create", NAME, "--endpoint", HOOK)
    assert (result.exit_code, result.stderr) == (6, (
        f"Error: event subscription '{NAME}' was created by another client between amlevents' check and its write; "
        "this create replaced it (Event Grid has no conditional create: a PUT replaces what is there).\n"
        f"Hint: Agree with the other writer on one owner of '{NAME}'; `amlevents subscription show {NAME}` shows "
        "what Azure holds now.\n"))


@pytest.fixture
def terminal(monkeypatch):
    """The runner's stdin claims to be a terminal (its stdout and stderr do not), so commands ask to confirm."""
    import sys

    from typer import testing

    monkeypatch.setattr(testing._NamedTextIOWrapper, "isatty", lambda self: self is sys.stdin)


def test_declined_confirmation_exits_1_without_an_error(run, cli_emulator, terminal, sent_requests):
    run.ok("subscription", "create", NAME, "--endpoint", HOOK, "-o", "none")
    result = run("subscription", "delete", NAME, input="n\n")
    # the whole prompt is on stderr; a terminal echoes the typed answer (and its newline), the runner does not
    assert (result.exit_code, result.stderr, result.stdout) == (1, (
        f"Delete event subscription '{NAME}' from workspace '{WORKSPACE}'? [y/N]: "
        "Cancelled; nothing was changed.\n"), "")
    assert sent_requests("DELETE") == []
