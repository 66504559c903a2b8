"""`amlevents listen` as a process: where it listens, events as JSON lines or readable lines, --count, --timeout,
--jsonl, --https, and a clean exit 0 on Ctrl-C (SIGINT) and SIGTERM."""

from __future__ import annotations

import json
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

import pytest
import urllib3

from amlevents.core.delivery import handshake

TOPIC = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"
EVENT = {"id": "e1", "topic": TOPIC, "subject": "models/churn:3", "eventTime": "2026-01-01T00:00:00Z",
         "eventType": "Microsoft.MachineLearningServices.ModelRegistered",
         "data": {"modelName": "churn", "modelVersion": "3", "modelTags": {}}}
HEADERS = {"Content-Type": "application/json", "aeg-delivery-count": "2", "aeg-subscription-name": "demo"}
DEADLINE = 30  # generous: a wait on a condition, never a fixed sleep


class Listener:
    """``amlevents listen --port 0 ...`` in a subprocess, its stderr lines read by a thread."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "amlevents", "listen", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.errors: queue.Queue[str] = queue.Queue()
        self.err_lines: list[str] = []
        threading.Thread(target=lambda: [self.errors.put(line) for line in self.proc.stderr], daemon=True).start()
        self.url = re.search(r"Listening on (\S+)", self.wait_for("Listening on")).group(1)

    def wait_for(self, text: str) -> str:
        """The first stderr line containing ``text`` (within the deadline)."""
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            try:
                line = self.errors.get(timeout=end - time.monotonic())
            except queue.Empty:
                break
            self.err_lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"no stderr line with {text!r}: {self.err_lines}")

    def finish(self) -> tuple[int, str]:
        """Exit code and stdout once the process ends (stderr stays with the reader thread)."""
        code = self.proc.wait(timeout=DEADLINE)  # stdout here is a few lines: far below a pipe's buffer
        return code, self.proc.stdout.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=DEADLINE)


@pytest.fixture
def listener():
    started: list[Listener] = []

    def start(*args: str) -> Listener:
        started.append(Listener(*args))
        return started[-1]

    yield start
    for item in started:
        item.stop()


http = urllib3.PoolManager(retries=False, timeout=10)


def send(url: str, *events: dict, **client: object) -> int:
    pool = urllib3.PoolManager(retries=False, timeout=10, **client) if client else http
    return pool.request("POST", url, body=json.dumps(list(events)).encode(), headers=HEADERS).status


def test_prints_where_it_listens_and_the_command_to_point_at_it(listener):
    proc = listener()
    assert proc.url.startswith("http://127.0.0.1:") and proc.url.endswith("/api/events")
    line = proc.wait_for("subscription create")
    assert f"--endpoint {proc.url}" in line and "--check-endpoint" in line


def test_events_are_json_lines_when_piped_and_count_ends_it(listener):
    proc = listener("--count", "2")
    assert send(proc.url, EVENT, {**EVENT, "id": "e2"}) == 200
    code, out = proc.finish()
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(r["id"], r["eventType"], r["deliveryCount"], r["schema"]) for r in records] == [
        ("e1", EVENT["eventType"], 2, "eventgrid"), ("e2", EVENT["eventType"], 2, "eventgrid")]


def test_events_are_readable_lines_with_o_table(listener):
    proc = listener("--count", "1", "-o", "table")
    send(proc.url, EVENT)
    code, out = proc.finish()
    assert code == 0
    assert "ModelRegistered  models/churn:3  modelName=churn modelVersion=3  [delivery-count 2, eventgrid, 200]" in out


def test_jsonl_appends_each_event(listener, tmp_path):
    target = tmp_path / "events.jsonl"
    target.write_text('{"earlier": true}\n')
    proc = listener("--count", "1", "-o", "none", "--jsonl", str(target))
    send(proc.url, EVENT)
    assert proc.finish() == (0, "")
    lines = target.read_text().splitlines()
    assert json.loads(lines[0]) == {"earlier": True} and json.loads(lines[1])["id"] == "e1"


def test_the_handshake_is_reported_on_stderr_not_stdout(listener):
    proc = listener("--count", "1")
    event = handshake.validation_event(code="c", url=None, topic=TOPIC, now=datetime.now(timezone.utc))
    response = http.request("POST", proc.url, body=json.dumps([event]).encode(),
                            headers=handshake.validation_headers("demo"))
    assert handshake.read_validation_response(response.data, response.status) == "c"
    assert "validation handshake of subscription demo" in proc.wait_for("handshake")
    send(proc.url, EVENT)
    code, out = proc.finish()
    assert (code, len(out.splitlines())) == (0, 1)


def test_respond_rehearses_a_failing_handler(listener):
    proc = listener("--count", "1", "--respond", "503")
    assert send(proc.url, EVENT) == 503
    _code, out = proc.finish()
    assert json.loads(out)["status"] == 503


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_it_cleanly_with_exit_0(listener, signum):
    proc = listener()
    send(proc.url, EVENT)
    proc.proc.send_signal(signum)
    code, out = proc.finish()
    assert (code, json.loads(out)["id"]) == (0, "e1")
    assert "Stopped: 1 event(s) received." in proc.wait_for("Stopped")


def test_https_serves_a_certificate_signed_by_the_local_ca(listener):
    proc = listener("--https", "--count", "1")
    ca = re.search(r"--cacert (\S+)", proc.wait_for("--cacert")).group(1)
    assert proc.url.startswith("https://")
    assert send(proc.url, EVENT, ca_certs=ca) == 200
    assert proc.finish()[0] == 0


def test_timeout_with_nothing_arrived_exits_1(run):
    result = run("listen", "--port", "0", "--timeout", "0.2")
    assert result.exit_code == 1
    assert "Error: an event did not arrive within 0.2 s (got 0)" in result.stderr


def test_a_port_in_use_exits_2(run):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run("listen", "--port", str(taken.getsockname()[1]), "--timeout", "0")
    assert result.exit_code == 2
    assert "cannot listen on 127.0.0.1:" in result.stderr and "--port" in result.stderr


def test_yaml_output_is_refused(run):
    result = run("listen", "--port", "0", "-o", "yaml", "--timeout", "0")
    assert result.exit_code == 2 and "table or json lines" in result.stderr
