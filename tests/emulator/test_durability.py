"""Killing the emulator (SIGKILL) in the middle of a burst of writes leaves a state file that loads.

A child process runs an ``EmulatorServer`` on a state file and fires event-subscription PUTs at itself over
HTTPS from several threads, printing ``WROTE <name>`` after each 201. The test kills it mid-burst, then opens the
same file in a fresh server: SQLite's integrity check passes, every reported write is there (read through the
SDK) and every stored subscription is well-formed.
"""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from emulator_support import HOOK, NS, RG, SCOPE, WS

from amlevents.emulator.eventgrid.validation import DEFAULT_EVENT_TYPES
from amlevents.emulator.runtime.server import EmulatorServer

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX-only")

BURST = textwrap.dedent(f"""
    import itertools, sys, threading
    import requests
    from amlevents.emulator.identity.tokens import mint_token
    from amlevents.emulator.runtime.server import EmulatorServer

    server = EmulatorServer(state_path=sys.argv[1], cert_dir=sys.argv[2]).start()
    token = mint_token(server.principals["owner"], server.tenant_id)
    collection = server.url + "{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions/"
    names, out = itertools.count(), threading.Lock()

    def say(line):
        with out:
            sys.stdout.write(line + "\\n")
            sys.stdout.flush()

    def burst():
        session = requests.Session()
        while True:
            name = f"burst-{{next(names):04d}}"
            body = {{"properties": {{"destination": {{"endpointType": "WebHook",
                                                     "properties": {{"endpointUrl": "{HOOK}"}}}},
                                    "labels": [name]}}}}
            r = session.put(collection + name, params={{"api-version": "2025-02-15"}}, json=body, timeout=10,
                            headers={{"Authorization": "Bearer " + token}}, verify=server.ca_cert_path)
            say(f"WROTE {{name}}" if r.status_code == 201 else f"ERROR {{name}} {{r.status_code}} {{r.text}}")

    for _ in range(4):
        threading.Thread(target=burst, daemon=True).start()
    threading.Event().wait()
""")


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line.strip())
    into.put(None)


def burst_then_kill(state, certs, stderr_path, kill_after: int) -> list[str]:
    """Run the burst until ``kill_after`` writes are reported, SIGKILL it; every name it reported completed."""
    with open(stderr_path, "w") as stderr:
        child = subprocess.Popen([sys.executable, "-c", BURST, str(state), str(certs)], stdout=subprocess.PIPE,
                                 stderr=stderr, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(child.stdout, lines), daemon=True).start()
    reported: list[str] = []
    deadline = time.monotonic() + 20
    try:
        while len(reported) < kill_after:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            assert line is not None, f"the burst process ended early:\n{stderr_path.read_text()}"
            assert line.startswith("WROTE "), line
            reported.append(line.split()[1])
        assert child.poll() is None, "the burst must still be running when it is killed"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    while (line := lines.get(timeout=10)) is not None:  # written before the kill, read after it
        assert line.startswith("WROTE "), line
        reported.append(line.split()[1])
    assert child.returncode == -signal.SIGKILL
    return reported


def assert_well_formed(sub) -> None:
    assert sub.id == f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions/{sub.name}"
    assert sub.type == "Microsoft.EventGrid/eventSubscriptions"
    assert sub.topic == SCOPE.split('/providers/')[0] + '/providers/' + SCOPE.split('/providers/')[1].lower()
    assert sub.provisioning_state == "Succeeded"
    assert sub.labels == [sub.name]
    assert sub.destination.endpoint_type == "WebHook"
    assert sub.destination.endpoint_base_url == HOOK.split("?")[0]
    assert sub.filter.included_event_types == list(DEFAULT_EVENT_TYPES)
    assert sub.system_data.created_by == "owner@amlevents.local"


@pytest.mark.parametrize("kill_after", [20, 33, 47])
def test_sigkill_mid_burst_keeps_every_reported_write_in_a_file_that_loads(kill_after, tmp_path, eventgrid_client):
    state, certs = tmp_path / "state.db", tmp_path / "certs"
    reported = burst_then_kill(state, certs, tmp_path / "stderr.txt", kill_after)
    assert len(reported) >= kill_after

    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    with EmulatorServer(state_path=state, cert_dir=certs) as server:
        client = eventgrid_client(server)
        for name in reported:
            assert_well_formed(client.event_subscriptions.get(SCOPE, name))
        stored = list(client.event_subscriptions.list_by_resource(RG, NS, "workspaces", WS))
        for sub in stored:  # also the writes that committed but were not reported before the kill
            assert_well_formed(sub)
        assert set(reported) <= {s.name for s in stored}
        assert [t.source for t in client.system_topics.list_by_subscription()] == [SCOPE]
