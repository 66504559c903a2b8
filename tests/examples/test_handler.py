"""The example handler (examples/handler/handler.py) end to end: served over HTTPS with a certificate of the
session emulator's CA, a subscription created through amlevents, events published through amlevents, and the
handler's observable effect (its output file) asserted."""

from __future__ import annotations

import importlib.util
import json
import threading
from pathlib import Path

import pytest

from amlevents.emulator.runtime.tls import ensure_certificates

ROOT = Path(__file__).resolve().parents[2]
SUB = "00000000-0000-0000-0000-000000000000"
WS_ID = (f"/subscriptions/{SUB}/resourceGroups/amlevents-local/providers/Microsoft.MachineLearningServices/"
         "workspaces/local-workspace")


def _module():
    spec = importlib.util.spec_from_file_location("example_handler", ROOT / "examples" / "handler" / "handler.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example = _module()


@pytest.fixture
def handler(cli_delivery, tmp_path):
    """The example handler on a free port over HTTPS, expecting local-workspace; yields (url, out file)."""
    certs = ensure_certificates(Path(cli_delivery.ca_cert_path).parent)  # signed by the CA the emulator trusts
    out = tmp_path / "handled.txt"
    app = example.Handler(WS_ID, str(out), str(tmp_path / "ids.sqlite3"), ("models", "models-ce", "other-ws"))
    server = example.make_server(app, "127.0.0.1", 0, str(certs.server_cert), str(certs.server_key))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.port}/api/events", out
    server.shutdown()
    app.db.close()


def lines(out: Path) -> list[str]:
    return out.read_text(encoding="utf-8").splitlines() if out.exists() else []


def publish(run, *args: str, workspace: str = "local-workspace") -> dict:
    result = run("events", "publish", *args, "-w", workspace, "-o", "json")
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def test_registered_model_is_handled(run, handler):
    url, out = handler
    run.ok("subscription", "create", "models", "--endpoint", url, "--event-type", "ModelRegistered")
    result = publish(run, "ModelRegistered", "--set", "data.modelName=churn", "--set", "data.modelVersion=3")
    assert [d["outcome"] for d in result["deliveries"]] == ["delivered"]
    assert lines(out) == ["model churn:3 registered"]


def test_a_redelivered_event_is_processed_once(run, handler, tmp_path):
    url, out = handler
    run.ok("subscription", "create", "models", "--endpoint", url)
    event = json.loads(run.ok("events", "sample", "ModelRegistered", "--casing", "live", "-o", "json").stdout)
    event["data"].update(modelName="churn", modelVersion=3)
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    first = publish(run, "--event", str(path))
    again = publish(run, "--event", str(path))  # the same id, delivered a second time
    assert first["events"] == again["events"] == [event["id"]]
    assert [d["outcome"] for d in again["deliveries"]] == ["delivered"]  # acknowledged, not processed again
    assert lines(out) == ["model churn:3 registered"]


def test_cloudevents_subscription_has_the_same_effect(run, handler):
    url, out = handler
    run.ok("subscription", "create", "models-ce", "--endpoint", url, "--event-delivery-schema",
           "cloudeventschemav1_0")
    publish(run, "ModelRegistered", "--set", "data.ModelName=churn", "--set", "data.ModelVersion=4")
    assert lines(out) == ["model churn:4 registered"]


def test_an_event_of_another_workspace_is_refused_and_not_processed(run, handler):
    url, out = handler
    run.ok("subscription", "create", "other-ws", "--endpoint", url, "-w", "local-workspace-2")
    result = publish(run, "ModelRegistered", workspace="local-workspace-2")
    [record] = result["deliveries"]
    assert record["outcome"] == "dropped"  # 400: Event Grid does not retry it
    assert lines(out) == []


def test_unknown_event_types_are_acknowledged_and_ignored(run, handler):
    url, out = handler
    run.ok("subscription", "create", "models", "--endpoint", url)
    publish(run, "RunStatusChanged", "--set", "data.runId=r1", "--set", "data.runStatus=Running")
    assert lines(out) == ["run r1 is Running"]
    assert example.act("Microsoft.MachineLearningServices.SomethingNew", "", {}) is None


def test_a_subscription_not_on_the_allow_list_fails_its_handshake(run, handler):
    url, _ = handler
    result = run("subscription", "create", "someone-else", "--endpoint", url)
    assert result.exit_code == 1 and "validation handshake" in result.stderr


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'[{"id": "x"}]', b'{"id": 5, "eventType": "t"}'])
def test_a_malformed_body_gets_400_and_nothing_is_processed(handler, cli_delivery, body):
    import requests

    url, out = handler
    answer = requests.post(url, data=body, headers={"aeg-subscription-name": "models"},
                           verify=cli_delivery.ca_cert_path, timeout=10)
    assert answer.status_code == 400
    assert lines(out) == []


def test_runs_from_the_command_line_and_consents_to_cloudevents(tmp_path):
    import signal
    import subprocess
    import sys

    import requests

    proc = subprocess.Popen([sys.executable, str(ROOT / "examples" / "handler" / "handler.py"), "--port", "0",
                             "--topic", WS_ID, "--out", str(tmp_path / "o.txt"), "--db", str(tmp_path / "d.db")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = proc.stdout.readline().split()[-1]
        answer = requests.options(url, headers={"WebHook-Request-Origin": "eventgrid.azure.net"}, timeout=10)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert url.startswith("http://127.0.0.1:")
    assert answer.headers["WebHook-Allowed-Origin"] == "eventgrid.azure.net"
