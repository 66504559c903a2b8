"""`plan`/`apply` with manifests that select workspaces, and `--select`/`--shard`, over the fleet emulator."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from tests.fleet_world import PER_WORKSPACE, SUBS

HOOK = "https://fleet.example.com/hook"
SEEDED = [{"name": f"es-{i}", "destination": {"endpoint": HOOK}} for i in range(1, PER_WORKSPACE + 1)]
FLEET = {f"fleet{s}-ws{w}" for s in (1, 2, 3) for w in (1, 2, 3, 4)}

pytestmark = pytest.mark.usefixtures("fleet_cli")  # every test on the fleet as seeded, the CLI pointed at it


def manifest(tmp_path, *entries):
    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "workspaces": list(entries)}, sort_keys=False))
    return str(path)


def selecting(subscriptions=None, extra=(), **select):
    return {"select": {"subscriptions": list(SUBS), **select},
            "subscriptions": subscriptions if subscriptions is not None else SEEDED + list(extra)}


def planned(run, path, *args):
    """workspace name -> {subscription name: action} of a JSON plan."""
    out: dict[str, dict[str, str]] = {}
    for step in run.json("plan", "-f", path, *args):
        out.setdefault(step["workspace"].rsplit("/", 1)[-1], {})[step["name"]] = step["action"]
    return out


def writes(fleet):
    return [r for r in fleet.app.requests() if r["method"] in ("PUT", "PATCH", "DELETE")]


@pytest.mark.parametrize(("select", "expected"), [
    ({}, FLEET),
    ({"subscriptions": [SUBS[1]]}, {f"fleet2-ws{w}" for w in (1, 2, 3, 4)}),
    ({"resourceGroups": ["FLEET-RG-2"]}, {f"fleet{s}-ws{w}" for s in (1, 2, 3) for w in (2, 4)}),
    ({"names": ["fleet3-*", "*1-ws1"]}, {"fleet3-ws1", "fleet3-ws2", "fleet3-ws3", "fleet3-ws4", "fleet1-ws1"}),
    ({"locations": ["West Europe"]}, {f"fleet{s}-ws{w}" for s in (1, 2, 3) for w in (2, 4)}),
    ({"tags": {"env": "PROD"}}, {f"fleet{s}-ws{w}" for s in (1, 2, 3) for w in (1, 3)}),
    ({"names": ["fleet1-*"], "tags": {"env": "d*"}}, {"fleet1-ws2", "fleet1-ws4"}),
])
def test_selector_keys_choose_workspaces(run, tmp_path, select, expected):
    entry = {"select": {"subscriptions": list(SUBS), **select}, "subscriptions": SEEDED}
    assert set(planned(run, manifest(tmp_path, entry))) == expected


def test_selector_over_every_subscription_skips_workspaces_it_does_not_match(run, tmp_path):
    entry = {"select": {"subscriptions": "*", "names": ["fleet*"]}, "subscriptions": SEEDED}
    assert set(planned(run, manifest(tmp_path, entry))) == FLEET


def test_no_change_selector_plan_sends_no_writes(run, fleet, tmp_path):
    steps = run.json("plan", "-f", manifest(tmp_path, selecting()))
    assert {s["action"] for s in steps} == {"no-change"}
    assert len(steps) == len(FLEET) * PER_WORKSPACE
    assert writes(fleet) == []


def test_one_resource_graph_query_resolves_every_selector(run, fleet, tmp_path):
    run.json("plan", "-f", manifest(tmp_path, selecting(names=["fleet1-*"]), selecting(names=["fleet2-*"])))
    queries = [r for r in fleet.app.requests() if "Microsoft.ResourceGraph" in r["path"]]
    assert len(queries) == 1


def test_named_entry_overrides_selector_for_its_workspace(run, tmp_path):
    named = {"name": "fleet1-ws1", "resourceGroup": "fleet-rg-1", "subscriptionId": SUBS[0],
             "subscriptions": SEEDED + [{"name": "extra", "destination": {"endpoint": HOOK}}]}
    plan = planned(run, manifest(tmp_path, selecting(), named))
    assert plan["fleet1-ws1"]["extra"] == "create"
    assert "extra" not in plan["fleet1-ws3"]


def test_selectors_with_equal_blocks_may_overlap(run, tmp_path):
    plan = planned(run, manifest(tmp_path, selecting(names=["fleet1-*"]), selecting(tags={"env": "prod"})))
    assert set(plan["fleet1-ws1"].values()) == {"no-change"}


def test_conflicting_selectors_name_both_positions(run, tmp_path):
    other = selecting(extra=[{"name": "extra", "destination": {"endpoint": HOOK}}], names=["fleet1-ws1"])
    path = manifest(tmp_path, selecting(names=["fleet1-*"]), other)
    result = run("plan", "-f", path)
    assert result.exit_code == 2
    assert f"{path}:3:3 and {path}:" in result.stderr
    assert "fleet1-ws1" in result.stderr and "fleet1-ws3" not in result.stderr


def test_select_with_name_is_refused_at_its_key(run, tmp_path):
    path = manifest(tmp_path, {"name": "fleet1-ws1", **selecting()})
    result = run("plan", "-f", path)
    assert result.exit_code == 2
    assert f"{path}:3:3: workspaces[0].name: 'name' cannot be combined with 'select'" in result.stderr


@pytest.mark.parametrize(("args", "expected"), [
    (("--select", "name=fleet2-*"), {f"fleet2-ws{w}" for w in (1, 2, 3, 4)}),
    (("--select", "resourceGroup=fleet-rg-1", "--select", "subscription=" + SUBS[2]), {"fleet3-ws1", "fleet3-ws3"}),
    (("--select", "location=westeurope", "--select", "name=fleet1-*"), {"fleet1-ws2", "fleet1-ws4"}),
    (("--select", "tag:ENV=dev", "--select", "name=fleet3-*"), {"fleet3-ws2", "fleet3-ws4"}),
])
def test_select_option_limits_the_run(run, tmp_path, args, expected):
    assert set(planned(run, manifest(tmp_path, selecting()), *args)) == expected


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_shards_are_disjoint_and_cover_the_fleet(run, tmp_path, count):
    path = manifest(tmp_path, selecting())
    shards = [set(planned(run, path, "--shard", f"{n}/{count}")) for n in range(1, count + 1)]
    assert set().union(*shards) == FLEET
    assert sum(len(s) for s in shards) == len(FLEET)


@pytest.mark.parametrize("value", ["0/4", "5/4", "1/0", "x/2", "2", "-1/3", "1/4/2"])
def test_bad_shard_exits_2(run, tmp_path, value):
    result = run("plan", "-f", manifest(tmp_path, selecting()), "--shard", value)
    assert result.exit_code == 2
    assert "Error: --shard" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("value", ["name", "colour=red", "tag:=x", "name="])
def test_bad_select_exits_2(run, tmp_path, value):
    result = run("plan", "-f", manifest(tmp_path, selecting()), "--select", value)
    assert result.exit_code == 2
    assert "Error: --select" in result.stderr


def test_apply_of_a_shard_writes_only_its_workspaces(run, fleet, tmp_path):
    path = manifest(tmp_path, selecting(extra=[{"name": "extra", "destination": {"endpoint": HOOK}}]))
    mine = set(planned(run, path, "--shard", "2/3"))
    results = run.json("apply", "-f", path, "--shard", "2/3", "--yes")
    assert {r["workspace"].rsplit("/", 1)[-1] for r in results} == mine
    assert {r["status"] for r in results} == {"applied"}
    assert {w for w, steps in planned(run, path).items() if steps["extra"] == "create"} == FLEET - mine


def test_table_plan_has_a_heading_per_workspace(run, tmp_path):
    out = run.ok("plan", "-f", manifest(tmp_path, selecting(names=["fleet1-ws1", "fleet1-ws2"])), "-o", "table")
    assert re.findall(r"^Workspace (\S+) \(resource group \S+\)$", out.stdout, re.M) == ["fleet1-ws1", "fleet1-ws2"]


def test_json_plan_names_the_workspace_of_each_step(run, tmp_path):
    steps = json.loads(run.ok("plan", "-f", manifest(tmp_path, selecting(names=["fleet2-ws3"])), "-o",
                              "json").stdout)
    workspace = (f"/subscriptions/{SUBS[1]}/resourceGroups/fleet-rg-1/providers/"
                 "Microsoft.MachineLearningServices/workspaces/fleet2-ws3")
    assert {s["workspace"] for s in steps} == {workspace}


def test_apply_reads_permissions_once_per_resource_group(run, fleet, tmp_path):
    # 12 workspaces in 6 resource groups; owner's role is at the subscription, so each group's answer settles the
    # workspaces in it (RBAC only adds below): 6 permission reads, not 12
    path = manifest(tmp_path, selecting(extra=[{"name": "extra", "destination": {"endpoint": HOOK}}],
                                        names=["fleet*"]))
    run.json("apply", "-f", path, "--yes")
    reads = [r["path"] for r in fleet.app.requests()
             if r["path"].endswith("/providers/Microsoft.Authorization/permissions")]
    assert len(reads) == 6 and all("/workspaces/" not in p for p in reads), reads
    assert len(writes(fleet)) == 12  # one create per workspace


@pytest.mark.parametrize("flag", ["--dry-run", "--skip-access-check"])
def test_apply_reads_permissions_only_when_it_checks_access(run, fleet, tmp_path, flag):
    # an apply reads its resource groups' permissions while it reads the workspaces (they need no plan); a dry
    # run and --skip-access-check check nothing, so they read none
    path = manifest(tmp_path, selecting(extra=[{"name": "prefetch", "destination": {"endpoint": HOOK}}],
                                        names=["fleet1-*"]))
    fleet.app.clear_requests()
    run.ok("apply", "-f", path, "--yes", flag, "-o", "json")
    assert not [r for r in fleet.app.requests()
                if r["path"].endswith("/providers/Microsoft.Authorization/permissions")]
