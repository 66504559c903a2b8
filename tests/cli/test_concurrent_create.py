"""Concurrent creates of one name: no create that another one replaced goes unreported.

Event Grid's 2025-02-15 API has no conditional create (a PUT is an upsert), so the window between a create's
name check and its PUT cannot be closed. What ``create`` guarantees instead: it exits 0 only when its PUT found no
subscription there (Azure answered ``Creating``, not ``Updating``) and the read after the operation holds the
destination it sent. So a create whose subscription was replaced later is always reported by the create that
replaced it, and the other outcomes are "already exists" (exit 2) or a reported conflict (exit 6).
"""

from __future__ import annotations

import os
import subprocess
import sys

NAME = "runs"
HOOK = "https://example.com/api/writer-{}"
WRITERS = 6


def create_at_once(emulator, count: int) -> list[tuple[str, int, str]]:
    """``count`` processes each creating NAME with its own endpoint at the same time: (endpoint, exit, stderr)."""
    env = {**os.environ, "AMLEVENTS_EMULATOR": emulator.url, "AMLEVENTS_EMULATOR_CA": emulator.ca_cert_path}
    procs = []
    for i in range(count):
        endpoint = HOOK.format(i)
        argv = [sys.executable, "-m", "amlevents", "subscription", "create", NAME, "--endpoint", endpoint,
                "-o", "none"]
        procs.append((endpoint, subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                                 text=True)))
    return [(endpoint, p.wait(timeout=120), p.stderr.read()) for endpoint, p in procs]


def surviving_endpoint(run) -> str:
    props = run.json("subscription", "show", NAME)["destination"]
    return props.get("endpointBaseUrl") or props["endpointUrl"]


def test_no_replaced_create_goes_unreported(run, cli_emulator):
    # Slow reads widen the window between the name check and the PUT, so that the writers overlap.
    cli_emulator.app.faults.add("latency:ms=150,method=GET")
    outcomes = create_at_once(cli_emulator, WRITERS)
    cli_emulator.app.faults.clear()
    survivor = surviving_endpoint(run)
    assert survivor in {endpoint for endpoint, _, _ in outcomes}
    for endpoint, code, stderr in outcomes:
        assert code in (0, 1, 2, 6), stderr
        if code == 2:
            assert "already exists" in stderr
        if code == 6:
            assert "another client" in stderr, stderr
    replaced = [e for e, code, _ in outcomes if code == 0 and e != survivor]
    reported = [stderr for _, _, stderr in outcomes if "this create replaced it" in stderr]
    assert len(reported) >= len(replaced), outcomes  # each silent-looking success was replaced by a reporter


def test_a_create_that_finds_its_destination_replaced_says_so(run, cli_emulator, monkeypatch):
    """Another writer's PUT lands between our write and our final read: the report says so (exit 6)."""
    faults, decide = cli_emulator.app.faults, cli_emulator.app.faults.decide
    other: list[int] = []

    def other_writer_before_our_final_read(method: str, path: str):
        if not other and "/operationsstatus" in path.lower():
            other.append(1)
            _put_other(cli_emulator)
        return decide(method, path)

    monkeypatch.setattr(faults, "decide", other_writer_before_our_final_read)
    result = run("subscription", "create", NAME, "--endpoint", HOOK.format("mine"))
    assert result.exit_code == 6
    assert "another client wrote it at the same time and its write won" in result.stderr
    assert surviving_endpoint(run) == HOOK.format("theirs")


def _put_other(emulator) -> None:
    """The other writer: a PUT of NAME with another endpoint, straight to the emulator's ARM API (sent from the
    server thread that is about to answer our status check; the server answers it on another)."""
    import requests

    from amlevents.emulator.identity.tokens import EmulatorCredential

    token = EmulatorCredential("owner", emulator.principals, emulator.tenant_id).get_token(
        "https://management.azure.com/.default").token
    url = (f"{emulator.url}/subscriptions/{emulator.subscription_id}/resourceGroups/amlevents-local/providers/"
           "Microsoft.MachineLearningServices/workspaces/local-workspace/providers/Microsoft.EventGrid/"
           f"eventSubscriptions/{NAME}?api-version=2025-02-15")
    body = {"properties": {"destination": {"endpointType": "WebHook",
                                           "properties": {"endpointUrl": HOOK.format("theirs")}}}}
    answer = requests.put(url, json=body, headers={"Authorization": f"Bearer {token}"},
                          verify=emulator.ca_cert_path, timeout=30)
    assert answer.status_code == 201, answer.text
