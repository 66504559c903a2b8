"""`amlevents events publish`: the CLI in-process against the session emulator (and --local), delivering over
real HTTPS to a small receiver in this module."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from amlevents.core.delivery import handshake
from amlevents.emulator.runtime.httpserver import Server
from amlevents.emulator.runtime.tls import ensure_certificates, server_context

WAIT = 20.0


class Hook:
    """An HTTPS handler answering ``status`` and keeping the bodies it got; ``cert_dir`` holds a CA the emulator
    trusts (its own)."""

    def __init__(self, cert_dir: Path, status: int = 200) -> None:
        self.status, self.bodies = status, []
        self._got = threading.Condition()
        self._server = Server("127.0.0.1", 0, self._app, server_context(ensure_certificates(cert_dir)))
        self._server.prepare()
        threading.Thread(target=self._server.serve, daemon=True).start()
        self.url = f"https://127.0.0.1:{self._server.port}/api/events"

    def _app(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        validation = handshake.validation_request(json.loads(body))
        if validation is not None:  # a working handler completes the handshake on create
            reply = json.dumps(handshake.validation_response(validation[0])).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(reply)))])
            return [reply]
        with self._got:
            self.bodies.append(json.loads(body))
            self._got.notify_all()
        start_response(f"{self.status} X", [("Content-Length", "0")])
        return [b""]

    def close(self) -> None:
        self._server.stop()


@pytest.fixture
def hook(cli_delivery):
    made: list[Hook] = []

    def make(status: int = 200) -> Hook:
        made.append(Hook(Path(cli_delivery.ca_cert_path).parent, status))
        return made[-1]

    yield make
    for h in made:
        h.close()


def _subscribe(run, name: str, url: str, *args: str) -> None:
    run.ok("subscription", "create", name, "--endpoint", url, "-w", "local-workspace", *args)


def test_publish_delivers_to_a_matching_subscription(run, hook):
    handler = hook()
    _subscribe(run, "models", handler.url, "--event-type", "ModelRegistered")
    result = run.json("events", "publish", "ModelRegistered", "--set", "data.modelName=churn", "-w",
                      "local-workspace")
    [record] = result["deliveries"]
    assert (record["subscription"], record["matched"], record["outcome"]) == ("models", True, "delivered")
    assert handler.bodies[0][0]["data"]["modelName"] == "churn"


def test_not_matched_names_the_failing_check_as_events_test_does(run, hook, tmp_path):
    _subscribe(run, "runs", hook().url, "--event-type", "RunCompleted")
    [record] = run.json("events", "publish", "ModelRegistered", "-w", "local-workspace")["deliveries"]
    sample = tmp_path / "event.json"
    sample.write_text(run.ok("events", "sample", "ModelRegistered", "--casing", "live", "-o", "json").stdout)
    verdict = run.json("events", "test", "-e", str(sample), "--event-type", "RunCompleted")
    failing = [{"check": c["check"], "reason": c["reason"]} for c in verdict["checks"] if not c["passed"]]
    assert (record["matched"], record["outcome"]) == (False, "notMatched")
    assert record["failedChecks"] == failing


def test_table_shows_match_and_outcome_per_subscription(run, hook):
    _subscribe(run, "models", hook().url, "--event-type", "ModelRegistered")
    _subscribe(run, "runs", hook().url, "--event-type", "RunCompleted")
    out = run.ok("events", "publish", "ModelRegistered", "-w", "local-workspace", "-o", "table").stdout
    models = next(line for line in out.splitlines() if "models" in line)
    runs = next(line for line in out.splitlines() if "runs" in line)
    assert "yes" in models and "delivered" in models
    assert "no" in runs and "includedEventTypes" in runs and "notMatched" in runs


def test_an_undelivered_event_exits_1(run, hook):
    _subscribe(run, "broken", hook(400).url)
    result = run("events", "publish", "ModelRegistered", "-w", "local-workspace", "-o", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["deliveries"][0]["outcome"] == "dropped"


def test_publish_given_events_from_stdin_with_overrides(run, hook):
    handler = hook()
    _subscribe(run, "any", handler.url)
    event = run.ok("events", "sample", "RunCompleted", "--casing", "live", "-o", "json").stdout
    run.ok("events", "publish", "--event", "-", "--set", "subject=experiments/x/runs/y", "-w", "local-workspace",
           "-o", "json", input=event)
    assert handler.bodies[0][0]["subject"] == "experiments/x/runs/y"


def test_no_wait_returns_the_match_report(run, hook):
    _subscribe(run, "later", hook().url)
    [record] = run.json("events", "publish", "ModelRegistered", "--no-wait", "-w", "local-workspace")["deliveries"]
    assert record["matched"] is True and record["outcome"] in ("pending", "delivered")


@pytest.mark.parametrize("args,needle", [
    ((), "give an event type"),
    (("ModelRegistered", "--event", "x.json"), "not both"),
    (("NoSuchType",), "NoSuchType"),
])
def test_bad_input_exits_2(run, cli_delivery, args, needle):
    result = run("events", "publish", *args, "-w", "local-workspace")
    assert result.exit_code == 2 and needle in result.stderr


def test_refuses_real_azure(run):
    result = run("events", "publish", "ModelRegistered", "-w", "ws", "-g", "rg")
    assert result.exit_code == 2
    assert "Error: publish works on the emulator: use --local or --emulator" in result.stderr


def test_local_mode_publishes_and_delivers(run):
    from amlevents.cli.wiring import local_data_dir

    handler = Hook(local_data_dir() / "certs")  # the --local emulator trusts its own CA
    try:
        run.ok("--local", "subscription", "create", "local-hook", "--endpoint", handler.url)
        result = run.json("--local", "events", "publish", "ModelDeployed")
    finally:
        handler.close()
    assert result["deliveries"][0]["outcome"] == "delivered"
    assert handler.bodies[0][0]["eventType"].endswith("ModelDeployed")
