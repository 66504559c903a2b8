"""How `plan` reads a fleet's hidden values (issue 15): one flat pool for the whole run, answers read as JSON,
denials reported per workspace in order."""

from __future__ import annotations

import concurrent.futures
import json
import re

import pytest
import yaml

from tests.fleet_world import PER_WORKSPACE, SUBS, point_cli

HOOK = "https://fleet.example.com/hook"
SEEDED = [{"name": f"es-{i}", "destination": {"endpoint": HOOK}} for i in range(1, PER_WORKSPACE + 1)]
FIRST_TWO = ["fleet*-ws1", "fleet*-ws2"]  # 6 workspaces, one in each (subscription, location) list of the fleet

pytestmark = pytest.mark.usefixtures("fleet_cli")  # every test on the fleet as seeded, the CLI pointed at it


def manifest(tmp_path, names=("fleet*",)):
    path = tmp_path / "fleet.yaml"
    entry = {"select": {"subscriptions": list(SUBS), "names": list(names)}, "subscriptions": SEEDED}
    path.write_text(yaml.safe_dump({"version": 1, "workspaces": [entry]}, sort_keys=False))
    return str(path)


def pools_of_a_plan(run, path, monkeypatch) -> int:
    """How many thread pools one `plan` starts."""
    started = []
    original = concurrent.futures.ThreadPoolExecutor.__init__

    def counting(self, *args, **kwargs):
        started.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(concurrent.futures.ThreadPoolExecutor, "__init__", counting)
    run.json("plan", "-f", path)
    monkeypatch.undo()
    return len(started)


def test_the_plan_starts_as_many_pools_for_twelve_workspaces_as_for_six(run, tmp_path, monkeypatch, fleet):
    # the same fleet lists either way; a pool per workspace (nested in a pool of workspaces) would add 12
    six = pools_of_a_plan(run, manifest(tmp_path, FIRST_TWO), monkeypatch)
    point_cli(fleet, monkeypatch)
    assert pools_of_a_plan(run, manifest(tmp_path), monkeypatch) == six


def test_the_plan_reads_each_full_url_once_and_sends_no_write(run, tmp_path, fleet):
    steps = run.json("plan", "-f", manifest(tmp_path))
    assert {s["action"] for s in steps} == {"no-change"} and len(steps) == 12 * PER_WORKSPACE
    sent = fleet.app.requests()
    reads = [r["path"] for r in sent if r["path"].endswith("/getFullUrl")]
    assert len(reads) == len(set(reads)) == len(steps)
    assert [r for r in sent if r["method"] in ("PUT", "PATCH", "DELETE")] == []


def test_a_query_added_out_of_band_is_seen_through_the_flat_pool(run, tmp_path, fleet):
    from amlevents.emulator.eventgrid.subscriptions import ParentRef

    hook = {"destination": {"endpointType": "WebHook", "properties": {"endpointUrl": HOOK + "?code=s3cret"}}}
    fleet.backend.update_event_subscription(ParentRef(SUBS[2], "fleet-rg-2", resource_name="fleet3-ws4"), "es-2",
                                            hook, "owner", lambda: False)
    changed = [s for s in run.json("plan", "-f", manifest(tmp_path)) if s["action"] != "no-change"]
    assert [(s["workspace"].rsplit("/", 1)[-1], s["name"], s["action"]) for s in changed] == [
        ("fleet3-ws4", "es-2", "update")]
    assert "s3cret" not in json.dumps(changed)


def test_a_caller_without_get_full_url_gets_one_warning_per_workspace_in_order(run, tmp_path, monkeypatch):
    monkeypatch.setenv("AMLEVENTS_EMULATOR_PRINCIPAL", "reader")
    result = run("plan", "-f", manifest(tmp_path, FIRST_TWO), "-o", "json")
    assert result.exit_code == 0, result.stderr
    warned = re.findall(r"(fleet\d-ws\d): 3 webhook URL\(s\) or secret attribute\(s\) could not be read", result.stderr)
    assert warned == [f"fleet{s}-ws{w}" for s in (1, 2, 3) for w in (1, 2)]
    assert all(s["action"] == "no-change" and s["unverified"] for s in json.loads(result.stdout))


def test_full_url_reads_are_logged_under_debug_and_stay_redacted(run, tmp_path, fleet):
    # the reads go through a lean pipeline (Session.lean): under --debug it carries the client's logging policies
    fleet.backend.reset()
    result = run("--debug", "plan", "-f", manifest(tmp_path, FIRST_TWO), "-o", "json")
    logged = [line for line in result.stderr.splitlines() if "/getFullUrl" in line]
    assert logged, result.stderr[-2000:]
    assert "code=" not in result.stderr  # no query value of a webhook URL in the log


def test_visible_only_reads_no_hidden_value_and_says_what_it_did_not_verify(run, tmp_path, fleet):
    from amlevents.emulator.eventgrid.subscriptions import ParentRef

    hook = {"destination": {"endpointType": "WebHook", "properties": {"endpointUrl": HOOK + "?code=s3cret"}}}
    fleet.backend.update_event_subscription(ParentRef(SUBS[2], "fleet-rg-2", resource_name="fleet3-ws4"), "es-2",
                                            hook, "owner", lambda: False)
    fleet.app.clear_requests()
    result = run("plan", "-f", manifest(tmp_path), "--visible-only", "-o", "json")
    assert result.exit_code == 0, result.stderr
    steps = json.loads(result.stdout)
    assert not [r for r in fleet.app.requests() if r["method"] == "POST" and "/eventSubscriptions/" in r["path"]]
    # the query added out of band is not seen: that webhook, like every other, is unverified rather than unchanged
    assert {s["action"] for s in steps} == {"no-change"}
    assert all(s["unverified"] for s in steps)


def test_a_throttled_full_url_read_is_waited_out_announced_and_read(run, tmp_path, fleet):
    # the reads run as coroutines (arm/aio.py) with the asynchronous twin of the retry policy: Retry-After honoured
    fleet.add_fault("throttle:count=1,method=POST,path=*/getFullUrl$,retry_after=1")
    result = run("plan", "-f", manifest(tmp_path, FIRST_TWO), "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert "Azure asked to wait 1 s (throttled)" in result.stderr
    reads = [r for r in fleet.app.requests() if r["path"].endswith("/getFullUrl")]
    assert [r["status"] for r in reads].count(429) == 1 and len(reads) == 6 * PER_WORKSPACE + 1
    assert {s["action"] for s in json.loads(result.stdout)} == {"no-change"}


def test_full_url_reads_wait_for_the_write_bucket_azure_reports(run, tmp_path, fleet, monkeypatch):
    # ARM counts getFullUrl (a POST) against the subscription's write bucket: once an answer reports what is left,
    # the reads wait for its tokens (as an apply's writes do) instead of meeting 429s
    from amlevents.arm import reconcile

    monkeypatch.setattr(reconcile, "HIDDEN_READS", 2)
    fleet.app.throttle.configure({"enabled": True, "writes": {"burst": 4, "perSecond": 20}})
    try:
        fleet.app.clear_requests()
        result = run("plan", "-f", manifest(tmp_path, ["fleet1-*"]), "-o", "json")
    finally:
        fleet.app.throttle.configure({"enabled": False, "writes": {"burst": 200, "perSecond": 10}})
    assert result.exit_code == 0, result.stderr
    reads = [r for r in fleet.app.requests() if r["path"].endswith("/getFullUrl")]
    assert len(reads) == 4 * PER_WORKSPACE and {r["status"] for r in reads} == {200}
    assert "throttled" not in result.stderr
    assert {s["action"] for s in json.loads(result.stdout)} == {"no-change"}
