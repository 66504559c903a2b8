"""The /_emulator/ admin API: request log, reset, faults and config at run time."""

from __future__ import annotations

import requests
from emulator_support import EVENT_SUBS, raw, webhook_body


def admin(server, method, name, body=None):
    return requests.request(method, f"{server.url}/_emulator/{name}", json=body, verify=server.ca_cert_path,
                            timeout=10)


def test_request_log_records_arm_requests_only(emulator):
    raw(emulator, "GET", EVENT_SUBS, params={"api-version": "2025-02-15", "$top": "5"}, token="reader")
    raw(emulator, "GET", EVENT_SUBS, token=None)
    admin(emulator, "GET", "faults")
    log = admin(emulator, "GET", "requests").json()
    assert [(e["method"], e["path"], e["status"], e["principal"]) for e in log] == [
        ("GET", EVENT_SUBS, 200, "reader"), ("GET", EVENT_SUBS, 401, None)]
    assert log[0]["query"] == {"api-version": "2025-02-15", "$top": "5"}
    assert admin(emulator, "DELETE", "requests").status_code == 204
    assert admin(emulator, "GET", "requests").json() == []


def test_reset_restores_the_seed_and_clears_log_and_faults(emulator):
    raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=webhook_body())
    admin(emulator, "POST", "faults", {"spec": "error500:method=DELETE"})
    assert admin(emulator, "POST", "reset").status_code == 200
    assert admin(emulator, "GET", "requests").json() == []
    assert admin(emulator, "GET", "faults").json()["rules"] == []
    assert raw(emulator, "GET", EVENT_SUBS).json()["value"] == []


def test_faults_at_run_time(emulator):
    added = admin(emulator, "POST", "faults", {"specs": ["seed=3", "throttle:count=1"]}).json()
    assert added["seed"] == 3 and added["rules"][0]["kind"] == "throttle"
    admin(emulator, "POST", "faults", [{"kind": "error503", "count": 1, "method": "PUT"}])
    assert raw(emulator, "GET", EVENT_SUBS).status_code == 429
    assert raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=webhook_body()).status_code == 503
    assert admin(emulator, "GET", "faults").json()["rules"] == []


def test_admin_endpoints_are_never_faulted(emulator):
    admin(emulator, "POST", "faults", {"spec": "error500"})
    assert admin(emulator, "GET", "requests").status_code == 200
    assert admin(emulator, "DELETE", "faults").status_code == 204
    assert raw(emulator, "GET", EVENT_SUBS).status_code == 200


def test_bad_fault_specs_are_400(emulator):
    response = admin(emulator, "POST", "faults", {"spec": "explode:count=1"})
    assert response.status_code == 400 and "unknown fault kind" in response.json()["error"]["message"]


def test_config_at_run_time(emulator):
    config = admin(emulator, "GET", "config").json()
    assert (config["provisioningDelay"], config["latencyMs"], config["timeScale"], config["validateEndpoints"],
            config["allowHttpLoopback"]) == (0.0, 0, 1.0, "loopback", False)
    assert admin(emulator, "PUT", "config", {"provisioningDelay": 30}).json()["provisioningDelay"] == 30.0
    response = raw(emulator, "PUT", f"{EVENT_SUBS}/runs", body=webhook_body())
    assert raw(emulator, "GET", f"{EVENT_SUBS}/runs").json()["properties"]["provisioningState"] == "Creating"
    assert response.status_code == 201
    assert admin(emulator, "PUT", "config", {"latencyMs": -1}).status_code == 400


def test_info_describes_the_world(emulator):
    info = admin(emulator, "GET", "info").json()
    assert info["principals"]["owner"] == emulator.principals["owner"]
    assert info["resourceGroup"] == "amlevents-local"


def test_unknown_admin_paths_are_404(emulator):
    assert admin(emulator, "GET", "nope").status_code == 404
