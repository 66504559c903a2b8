"""State: in memory by default; in SQLite with state_path, shared by servers, threads and processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest
from emulator_support import RG, SUB, WS, create, list_names, webhook_body

from amlevents.core.errors import InvalidInputError
from amlevents.emulator.eventgrid.subscriptions import ParentRef
from amlevents.emulator.runtime.backend import Backend
from amlevents.emulator.runtime.seed import DEFAULT_SEED
from amlevents.emulator.runtime.server import EmulatorServer

REF = ParentRef(SUB, RG, None, "Microsoft.MachineLearningServices", "workspaces", WS)
OWNER = "11111111-1111-4111-8111-111111111111"


def names(backend):
    return [s["name"] for s in backend.list_event_subscriptions(REF)]


def put(backend, name):
    backend.put_event_subscription(REF, name, webhook_body(), OWNER, lambda: False)


def test_two_servers_on_one_file_see_each_others_writes(tmp_path, eventgrid_client):
    state = tmp_path / "state.db"
    with EmulatorServer(state_path=state, cert_dir=tmp_path / "a") as a, \
            EmulatorServer(state_path=state, cert_dir=tmp_path / "b") as b:
        create(eventgrid_client(a), "from-a")
        create(eventgrid_client(b), "from-b")
        assert list_names(eventgrid_client(a)) == list_names(eventgrid_client(b)) == ["from-a", "from-b"]


def test_state_survives_a_restart_and_reset_restores_the_seed(tmp_path):
    state = tmp_path / "state.db"
    first = Backend(state)
    put(first, "kept")
    first.close()
    second = Backend(state)
    assert names(second) == ["kept"]
    second.reset()
    assert names(second) == []
    second.close()


def test_operations_complete_across_processes_sharing_a_file(tmp_path):
    state = tmp_path / "state.db"
    writer = Backend(state, provisioning_delay=0.2)
    put(writer, "slow")
    reader = Backend(state)
    assert reader.get_event_subscription(REF, "slow")["properties"]["provisioningState"] == "Creating"
    time.sleep(0.25)
    assert reader.get_event_subscription(REF, "slow")["properties"]["provisioningState"] == "Succeeded"
    writer.close()
    reader.close()


def test_concurrent_writers_in_threads_lose_nothing(tmp_path):
    backends = [Backend(tmp_path / "state.db") for _ in range(3)]
    threads = [threading.Thread(target=lambda b=b, i=i: [put(b, f"t{i}-{n:02d}") for n in range(20)])
               for i, b in enumerate(backends)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(names(backends[0])) == 60
    for b in backends:
        b.close()


def test_in_memory_mode_is_safe_across_threads():
    backend = Backend()
    threads = [threading.Thread(target=lambda i=i: [put(backend, f"m{i}-{n:02d}") for n in range(25)])
               for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(names(backend)) == 100


WRITER = textwrap.dedent("""
    import sys
    from amlevents.emulator.runtime.backend import Backend
    from amlevents.emulator.eventgrid.subscriptions import ParentRef
    ref = ParentRef("00000000-0000-0000-0000-000000000000", "amlevents-local", None,
                    "Microsoft.MachineLearningServices", "workspaces", "local-workspace")
    backend = Backend(sys.argv[1])
    body = {"properties": {"destination": {"endpointType": "WebHook",
                                           "properties": {"endpointUrl": "https://example.com/x"}}}}
    for n in range(25):
        backend.put_event_subscription(ref, f"p{sys.argv[2]}-{n:02d}", body,
                                       "11111111-1111-4111-8111-111111111111", lambda: False)
        # a read-modify-write of an existing one too, so lost updates would show
        backend.update_event_subscription(ref, f"p{sys.argv[2]}-{n:02d}", {"labels": [sys.argv[2]]},
                                          "11111111-1111-4111-8111-111111111111", lambda: False)
""")


def test_concurrent_writers_in_processes_lose_nothing(tmp_path):
    state = tmp_path / "state.db"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(state), str(i)]) for i in range(3)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    backend = Backend(state)
    found = backend.list_event_subscriptions(REF)
    assert len(found) == 75
    assert all(s["properties"]["labels"] == [s["name"][1]] for s in found)
    backend.close()


def test_a_state_file_keeps_its_seed(tmp_path):
    state = tmp_path / "state.db"
    Backend(state, seed={**DEFAULT_SEED, "tenantId": "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"}).close()
    reopened = Backend(state)
    assert reopened.world.tenant_id == "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
    reopened.close()


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    junk = tmp_path / "state.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InvalidInputError, match="not a usable emulator state file"):
        Backend(junk)
