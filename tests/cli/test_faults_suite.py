"""Faults: every write command x every fault kind x each phase, against the session emulator.

A phase is where the fault hits: the reads before the write (``reads``), the write itself (``write``), the
operation's status checks (``polls``) and the read after them (``final``: the poller's GET of the resource, or
of the ``Location`` for a delete). Each case either succeeds through retries (exit 0, and the emulator holds what
was asked), or fails with a documented report (exit code and message) that matches what the emulator holds:
"Azure accepted ..." means the write happened, any other failure means it did not.

Faults are plain path substrings (``path=/operationsStatus``). The ``final`` fault is armed when the first
status check arrives, so that the reads before the write (which GET the same URL) are not hit.
"""

from __future__ import annotations

import json
import time

import pytest
import yaml

HOOK = "https://example.com/api/events"
NEW_HOOK = "https://example.com/api/changed"
NAME = "runs"
APPLY_NAMES = ("alpha", "beta", "gamma")
WRITE_METHOD = {"create": "PUT", "update": "PATCH", "delete": "DELETE", "apply": "PUT"}
TRANSIENT = {"throttle": "throttle:count=2,retry_after=0", "error500": "error500:count=2",
             "error503": "error503:count=2", "drop": "drop:count=2", "latency": "latency:ms=30"}
PERSISTENT = {"error500": "error500", "drop": "drop"}  # 503 and 429 take the same paths as 500
COMMANDS = ("create", "update", "delete", "apply")


def phase_filter(command: str, phase: str) -> str:
    """The spec options that aim a fault at one phase of ``command``."""
    return {
        "reads": "method=GET",
        "write": f"method={WRITE_METHOD[command]},path=/eventSubscriptions/",
        "polls": "path=/operationsStatus",
        "final": "path=/operationResults" if command == "delete" else "method=GET,path=/eventSubscriptions/",
    }[phase]


def manifest(path="manifest.yaml") -> str:
    subs = [{"name": n, "destination": {"endpoint": f"{HOOK}/{n}"}} for n in APPLY_NAMES]
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump({"version": 1, "workspaces": [{"name": "local-workspace", "subscriptions": subs}]}, f)
    return path


def prepare(run, command: str) -> list[str]:
    """Set up what ``command`` acts on (without faults); its argv."""
    if command in ("update", "delete"):
        run.ok("subscription", "create", NAME, "--endpoint", HOOK)
    return {"create": ["subscription", "create", NAME, "--endpoint", HOOK],
            "update": ["subscription", "update", NAME, "--endpoint", NEW_HOOK],
            "delete": ["subscription", "delete", NAME, "--yes"],
            "apply": ["apply", "-f", manifest(), "--yes"]}[command]


def inject(emulator, monkeypatch, command: str, phase: str, spec: str) -> None:
    kind, _, options = spec.partition(":")
    rule = f"{kind}:{','.join(o for o in (options, phase_filter(command, phase)) if o)}"
    if phase != "final":
        emulator.app.faults.add(rule)
        return
    faults, decide = emulator.app.faults, emulator.app.faults.decide
    armed: list[str] = []

    def arm_after_first_poll(method: str, path: str):
        if not armed and "/operationsstatus" in path.lower():
            armed.append(rule)
            faults.add(rule)
        return decide(method, path)

    monkeypatch.setattr(faults, "decide", arm_after_first_poll)


def held(run, emulator) -> dict[str, dict]:
    """What the emulator holds now, by name (read without faults)."""
    emulator.app.faults.clear()
    return {s["name"]: s for s in run.json("--raw", "subscription", "list")}


def endpoint(resource: dict) -> str | None:
    props = resource["properties"]["destination"]["properties"]
    return props.get("endpointBaseUrl") or props.get("endpointUrl")


def expected_success(command: str, state: dict[str, dict]) -> None:
    if command == "create":
        assert endpoint(state[NAME]) == HOOK and state[NAME]["properties"]["provisioningState"] == "Succeeded"
    elif command == "update":
        assert endpoint(state[NAME]) == NEW_HOOK
    elif command == "delete":
        assert NAME not in state
    else:
        assert sorted(state) == sorted(APPLY_NAMES)


def report_matches_state(command: str, result, state: dict[str, dict]) -> None:
    """A failure's report says whether the write happened, and the emulator agrees."""
    if command == "apply" and not result.stdout.strip():  # failed before any write: nothing applied
        assert result.exit_code == 1 and result.stderr.startswith("Error: "), result.stderr
        assert not set(APPLY_NAMES) & set(state)
        return
    if command == "apply":
        steps = {r["name"]: r for r in json.loads(result.stdout)}
        assert result.exit_code == 1 and "changes were not applied" in result.stderr
        for name in APPLY_NAMES:
            step = steps[name]
            happened = step["status"] == "applied" or "Azure accepted" in (step["error"] or "")
            assert (name in state) == happened, step
        return
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    accepted = "Error: Azure accepted the" in result.stderr
    if command == "create":
        assert (NAME in state) == accepted, result.stderr
    elif command == "update":
        assert endpoint(state[NAME]) == (NEW_HOOK if accepted else HOOK), result.stderr
    else:
        assert (NAME not in state) == (accepted and "still exists" not in result.stderr), result.stderr


PHASES = ("reads", "write", "polls", "final")
# The quick profile (the default run) takes every fault kind x phase once, the command rotating so that each
# command meets every kind and every phase; the full run (CI, --full) takes every command for each of them.
QUICK = {(COMMANDS[(i + j) % len(COMMANDS)], k, p) for i, k in enumerate(TRANSIENT) for j, p in enumerate(PHASES)}
CASES = [pytest.param(c, k, p, marks=() if (c, k, p) in QUICK else pytest.mark.slow)
         for c in COMMANDS for k in TRANSIENT for p in PHASES]


@pytest.mark.parametrize(("command", "kind", "phase"), CASES)
def test_a_passing_fault_is_retried_to_success(run, cli_emulator, monkeypatch, command, kind, phase):
    argv = prepare(run, command)
    inject(cli_emulator, monkeypatch, command, phase, TRANSIENT[kind])
    result = run(*argv, "-o", "json")
    assert result.exit_code == 0, result.stderr
    expected_success(command, held(run, cli_emulator))


@pytest.mark.slow  # each case runs every retry out (the status cases about 4 s)
@pytest.mark.parametrize(("command", "kind", "phase"),
                         [(c, k, p) for c in COMMANDS for k in PERSISTENT for p in PHASES])
def test_a_lasting_fault_is_reported_as_what_azure_holds(run, cli_emulator, monkeypatch, command, kind, phase):
    argv = prepare(run, command)
    inject(cli_emulator, monkeypatch, command, phase, PERSISTENT[kind])
    result = run(*argv, "-o", "json")
    state = held(run, cli_emulator)
    if result.exit_code == 0:  # e.g. a status that cannot be read, settled by reading the subscription
        expected_success(command, state)
    else:
        report_matches_state(command, result, state)


@pytest.mark.parametrize("command", COMMANDS)
def test_an_operation_that_ends_failed_is_reported_failed(run, cli_emulator, monkeypatch, command):
    argv = prepare(run, command)
    inject(cli_emulator, monkeypatch, command, "write", "fail-operation:count=1")
    result = run(*argv, "-o", "json")
    assert result.exit_code == 1
    state = held(run, cli_emulator)
    if command == "apply":
        failed = [r["name"] for r in json.loads(result.stdout) if r["status"] == "failed"]
        assert [state[n]["properties"]["provisioningState"] for n in failed] == ["Failed"]
    else:
        assert "Failed" in result.stderr
        assert state[NAME]["properties"]["provisioningState"] == "Failed"


# --- the defects this suite was written for -------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["drop:count=4", "error500:count=4", "error503:count=4"])
def test_create_whose_status_check_fails_past_the_sdk_retries_succeeds(run, cli_emulator, fault):
    cli_emulator.app.faults.add(f"{fault},path=/operationsStatus")  # one check: the request and its 3 retries
    result = run("subscription", "create", NAME, "--endpoint", HOOK, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["provisioningState"] == "Succeeded"
    assert held(run, cli_emulator)[NAME]["properties"]["provisioningState"] == "Succeeded"


def test_create_whose_status_never_reads_reports_what_azure_holds(run, cli_emulator):
    cli_emulator.app.faults.add("drop:path=/operationsStatus")
    result = run("subscription", "create", NAME, "--endpoint", HOOK, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["provisioningState"] == "Succeeded"
    assert (f"the create's status could not be read (the connection broke); event subscription '{NAME}' reads "
            "Succeeded") in result.stderr
    assert held(run, cli_emulator)[NAME]["properties"]["provisioningState"] == "Succeeded"


def test_apply_with_broken_status_polls_reports_every_change_applied(run, cli_emulator):
    cli_emulator.app.faults.add("error503:path=/operationsStatus")
    result = run("apply", "-f", manifest(), "--yes", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert [r["status"] for r in json.loads(result.stdout)] == ["applied"] * 3
    assert "not applied" not in result.stderr
    assert sorted(held(run, cli_emulator)) == sorted(APPLY_NAMES)


def test_a_long_retry_after_is_capped_and_shown(run, cli_emulator, monkeypatch):
    monkeypatch.setenv("AMLEVENTS_MAX_RETRY_AFTER", "0.2")  # the documented 60 s, shortened for the test
    cli_emulator.app.faults.add("throttle:count=1,retry_after=3600,method=PUT")
    result = run("subscription", "create", NAME, "--endpoint", HOOK, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert "Azure asked to wait 3600 s (throttled), waiting 0.2 s (the maximum, AMLEVENTS_MAX_RETRY_AFTER); " \
           "retrying at " in result.stderr
    assert result.stdout.startswith("{")  # the line is on stderr only


@pytest.mark.parametrize("how", [["--timeout", "2"], ["env"]])
def test_timeout_ends_a_throttled_command_quickly_with_guidance(run, cli_emulator, monkeypatch, how):
    if how == ["env"]:
        monkeypatch.setenv("AMLEVENTS_TIMEOUT", "2")
        how = []
    cli_emulator.app.faults.add("throttle:retry_after=3600,method=PUT")
    start = time.monotonic()
    result = run(*how, "subscription", "create", NAME, "--endpoint", HOOK)
    assert time.monotonic() - start < 10  # not an hour (nor the 60 s cap)
    assert result.exit_code == 1
    assert "Azure asked to wait 3600 s (throttled)" in result.stderr and "--timeout 2 s" in result.stderr
    assert "Hint: Azure is throttling or slow: run the command again later, or allow more time with --timeout" \
           in result.stderr
    assert NAME not in held(run, cli_emulator)


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf"])
def test_a_timeout_that_is_not_a_positive_number_is_refused(run, cli_emulator, value):
    result = run("--timeout", value, "subscription", "show", NAME)
    assert result.exit_code == 2
    assert "Error: " in result.stderr and "Traceback" not in result.stderr


def test_timeout_cuts_a_slow_answer_short(run, cli_emulator):
    cli_emulator.app.faults.add("latency:ms=3000,method=GET")
    start = time.monotonic()
    result = run("--timeout", "1", "subscription", "show", NAME)
    assert time.monotonic() - start < 2.9
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: gave up waiting for Azure's answer: --timeout 1 s ran out.")
    _until(lambda: any(r["method"] == "GET" for r in cli_emulator.app.requests()))  # the slow answer, abandoned


def _until(condition, limit: float = 10.0) -> None:
    """Wait for the emulator to finish a request the client gave up on (so that it does not outlive the test)."""
    end = time.monotonic() + limit
    while not condition() and time.monotonic() < end:
        time.sleep(0.05)
