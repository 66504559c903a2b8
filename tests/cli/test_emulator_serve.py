"""`amlevents emulator serve` as a separate process: the ready line, real SDK traffic, clean shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
from azure.mgmt.eventgrid import EventGridManagementClient

from amlevents.emulator.identity.tokens import EmulatorCredential

WS = ("amlevents-local", "Microsoft.MachineLearningServices", "workspaces", "local-workspace")


def start(tmp_path, *args):
    proc = subprocess.Popen(
        [sys.executable, "-m", "amlevents", "emulator", "serve", "--cert-dir", str(tmp_path / "certs"), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = proc.stdout.readline()
    assert line, proc.stderr.read()
    return proc, json.loads(line)


def client(info, principal="owner"):
    return EventGridManagementClient(
        EmulatorCredential(principal, info["principals"]), info["subscriptionId"], base_url=info["url"],
        connection_verify=info["caCert"], credential_scopes=["https://management.azure.com/.default"],
        polling_interval=0,
    )


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_one_ready_line_serves_and_exits_0_on_signal(tmp_path, signum):
    proc, info = start(tmp_path)
    try:
        assert info["url"].startswith("https://127.0.0.1:")
        assert info["subscriptionId"] == "00000000-0000-0000-0000-000000000000"
        assert set(info["principals"]) == {"owner", "contributor", "reader", "eventsub-contributor", "nobody"}
        assert open(info["caCert"]).read().startswith("-----BEGIN CERTIFICATE-----")
        assert list(client(info).event_subscriptions.list_by_resource(*WS)) == []
        assert info["clients"]["owner"] == {"clientId": "c1111111-1111-4111-8111-111111111111",
                                            "clientSecret": "local-owner-secret"}
        assert info["authorityHost"] == info["url"]
    finally:
        proc.send_signal(signum)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert out == ""  # nothing after the ready line


def test_serve_state_file_survives_a_restart(tmp_path):
    state = str(tmp_path / "arm.sqlite3")
    body = {"destination": {"endpointType": "WebHook", "properties": {"endpointUrl": "https://example.com/hook"}}}
    proc, info = start(tmp_path, "--state", state)
    try:
        client(info).event_subscriptions.begin_create_or_update(
            "/subscriptions/{}/resourceGroups/{}/providers/{}/{}/{}".format(info["subscriptionId"], *WS), "kept",
            body).result()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    proc, info = start(tmp_path, "--state", state)
    try:
        assert [s.name for s in client(info).event_subscriptions.list_by_resource(*WS)] == ["kept"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)


def test_serve_with_a_seed_file(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "subscriptionId: 12345678-1234-4234-8234-123456789012\n"
        "tenantId: aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa\n"
        "resourceGroups: [{name: ml-rg, location: westeurope}]\n"
        "workspaces: [{name: prod-ws, resourceGroup: ml-rg}]\n"
        "principals: {ci: {objectId: 99999999-9999-4999-8999-999999999999}}\n"
        "roleAssignments: [{principal: ci, role: Contributor, scope: '/subscriptions/{subscriptionId}'}]\n"
    )
    proc, info = start(tmp_path, "--seed", str(seed))
    try:
        assert info["subscriptionId"] == "12345678-1234-4234-8234-123456789012"
        assert [w["name"] for w in info["workspaces"]] == ["prod-ws"]
        assert info["principals"] == {"ci": "99999999-9999-4999-8999-999999999999"}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)


@pytest.mark.parametrize("args, needle", [(["--fault", "explode:count=1"], "explode"),
                                          (["--seed", "missing.yaml"], "missing.yaml")])
def test_serve_bad_input_exits_2(run, tmp_path, args, needle):
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    result = run("emulator", "serve", "--cert-dir", str(tmp_path / "c"), *args)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    # serve's stop handlers do not outlive it: a later Ctrl-C in this process still interrupts
    assert {signum: signal.getsignal(signum) for signum in before} == before
