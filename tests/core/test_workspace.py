"""Workspace ids and where the workspace comes from: flag > environment > config.json > defaults."""

from __future__ import annotations

import json

import pytest
from ids import RESOURCE_GROUP, SUBSCRIPTION_ID, WORKSPACE

from amlevents.core.errors import ExitCode, InvalidInputError, NotFoundError
from amlevents.core.workspace import WorkspaceRef, resolve_workspace

SUB = "11111111-2222-3333-4444-555555555555"
SUB2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
WS_ID = f"/subscriptions/{SUB}/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ws1"
DEFAULTS = WorkspaceRef(SUBSCRIPTION_ID, RESOURCE_GROUP, WORKSPACE)


def write_config(directory, **values):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(values), encoding="utf-8")


@pytest.mark.parametrize(
    "resource_id",
    [
        WS_ID,
        WS_ID + "/",
        WS_ID.replace("Microsoft.MachineLearningServices", "microsoft.machinelearningservices"),
        WS_ID.replace("resourceGroups", "resourcegroups").replace("workspaces", "Workspaces"),
        f"  {WS_ID}  ",
    ],
)
def test_parse_accepts_workspace_ids_in_any_case(resource_id):
    assert WorkspaceRef.parse(resource_id) == WorkspaceRef(SUB, "ml-rg", "ws1")


@pytest.mark.parametrize(
    "resource_id",
    [
        "",
        "ws1",
        f"/subscriptions/{SUB}/resourceGroups/ml-rg",
        WS_ID.replace("Microsoft.MachineLearningServices", "Microsoft.Storage"),
        WS_ID.replace("workspaces", "computes"),
        WS_ID + "/eventSubscriptions/x",
    ],
)
def test_parse_refuses_other_ids(resource_id):
    with pytest.raises(InvalidInputError, match="not an Azure ML workspace resource id"):
        WorkspaceRef.parse(resource_id)


def test_id_round_trips_through_parse():
    ref = WorkspaceRef(SUB, "ml-rg", "ws1")
    assert ref.id == WS_ID
    assert WorkspaceRef.parse(ref.id) == ref


def test_same_as_ignores_case():
    assert WorkspaceRef(SUB, "ML-RG", "WS1").same_as(WorkspaceRef(SUB.upper(), "ml-rg", "ws1"))


ENV = {"AZURE_SUBSCRIPTION_ID": SUB2, "AMLEVENTS_RESOURCE_GROUP": "env-rg", "AMLEVENTS_WORKSPACE": "env-ws"}
CONFIG = {"subscription_id": SUB, "resource_group": "cfg-rg", "workspace_name": "cfg-ws"}


@pytest.mark.parametrize(
    ("flags", "env", "config", "expected"),
    [
        ({"subscription": SUB, "resource_group": "flag-rg", "workspace": "flag-ws"}, ENV, CONFIG,
         (SUB, "flag-rg", "flag-ws")),
        ({}, ENV, CONFIG, (SUB2, "env-rg", "env-ws")),
        ({}, {}, CONFIG, (SUB, "cfg-rg", "cfg-ws")),
        ({"workspace": "flag-ws"}, {"AMLEVENTS_RESOURCE_GROUP": "env-rg"}, CONFIG, (SUB, "env-rg", "flag-ws")),
        ({}, {}, None, (DEFAULTS.subscription_id, DEFAULTS.resource_group, DEFAULTS.name)),
        ({"workspace": "flag-ws"}, {}, None, (DEFAULTS.subscription_id, DEFAULTS.resource_group, "flag-ws")),
    ],
    ids=["flags", "env", "config", "mixed", "defaults", "flag-over-defaults"],
)
def test_each_field_comes_from_flag_then_env_then_config_then_defaults(tmp_path, flags, env, config, expected):
    if config is not None:
        write_config(tmp_path, **config)
    ref = resolve_workspace(**flags, env=env, cwd=tmp_path, defaults=DEFAULTS)
    assert (ref.subscription_id, ref.resource_group, ref.name) == expected


@pytest.mark.parametrize("location", ["config.json", ".azureml/config.json"])
def test_config_json_is_found_upwards_from_a_nested_directory(tmp_path, location):
    (tmp_path / location).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / location).write_text(json.dumps(CONFIG), encoding="utf-8")
    nested = tmp_path / "project" / "src" / "deep"
    nested.mkdir(parents=True)
    assert resolve_workspace(env={}, cwd=nested) == WorkspaceRef(SUB, "cfg-rg", "cfg-ws")


def test_the_nearest_config_json_wins(tmp_path):
    write_config(tmp_path, **CONFIG)
    write_config(tmp_path / "inner", **{**CONFIG, "workspace_name": "inner-ws"})
    assert resolve_workspace(env={}, cwd=tmp_path / "inner").name == "inner-ws"


def test_the_current_directory_and_os_environ_are_the_defaults(tmp_path, monkeypatch):
    write_config(tmp_path / ".azureml", **CONFIG)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AMLEVENTS_WORKSPACE", "env-ws")
    assert resolve_workspace() == WorkspaceRef(SUB, "cfg-rg", "env-ws")


def test_workspace_id_wins_over_env_and_config(tmp_path):
    write_config(tmp_path, **CONFIG)
    assert resolve_workspace(workspace_id=WS_ID, env=ENV, cwd=tmp_path) == WorkspaceRef(SUB, "ml-rg", "ws1")


@pytest.mark.parametrize(
    "flags", [{"workspace": "w"}, {"resource_group": "g"}, {"workspace": "w", "resource_group": "g"}]
)
def test_workspace_id_conflicts_with_name_flags(tmp_path, flags):
    with pytest.raises(InvalidInputError, match="--workspace-id cannot be combined"):
        resolve_workspace(workspace_id=WS_ID, **flags, env={}, cwd=tmp_path)


def test_workspace_id_accepts_its_own_subscription_in_any_case(tmp_path):
    ref = resolve_workspace(workspace_id=WS_ID, subscription=SUB.upper(), env={}, cwd=tmp_path)
    assert ref.subscription_id == SUB


def test_workspace_id_refuses_a_different_subscription(tmp_path):
    with pytest.raises(InvalidInputError, match=f"--subscription {SUB2} does not match"):
        resolve_workspace(workspace_id=WS_ID, subscription=SUB2, env={}, cwd=tmp_path)


def test_workspace_id_with_a_bad_subscription_is_invalid(tmp_path):
    bad_id = WS_ID.replace(SUB, "my-subscription")
    with pytest.raises(InvalidInputError, match="not a subscription id"):
        resolve_workspace(workspace_id=bad_id, env={}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("env", "missing", "present"),
    [
        ({}, ["subscription", "resource group", "workspace name"], []),
        ({"AZURE_SUBSCRIPTION_ID": SUB}, ["resource group", "workspace name"], ["subscription ("]),
        ({"AZURE_SUBSCRIPTION_ID": SUB, "AMLEVENTS_WORKSPACE": "w"}, ["resource group (--resource-group/-g or "
                                                                      "AMLEVENTS_RESOURCE_GROUP)"], ["workspace name"]),
    ],
)
def test_missing_pieces_are_not_found_and_named(tmp_path, env, missing, present):
    with pytest.raises(NotFoundError) as caught:
        resolve_workspace(env=env, cwd=tmp_path)
    assert caught.value.exit_code == ExitCode.NOT_FOUND == 5
    for text in missing:
        assert text in caught.value.message
    for text in present:
        assert text not in caught.value.message


@pytest.mark.parametrize("subscription", ["my-sub", SUB + "0", SUB.replace("-", "")])
def test_a_subscription_that_is_not_a_guid_is_invalid(tmp_path, subscription):
    with pytest.raises(InvalidInputError, match="is not a subscription id"):
        resolve_workspace(subscription=subscription, resource_group="g", workspace="w", env={}, cwd=tmp_path)


@pytest.mark.parametrize(("content", "message"), [("{not json", "cannot read"), ('["a"]', "must hold a JSON object")])
def test_a_bad_config_json_is_invalid_input(tmp_path, content, message):
    (tmp_path / "config.json").write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=message):
        resolve_workspace(env={}, cwd=tmp_path)


def test_a_bad_config_json_does_not_matter_when_flags_say_everything(tmp_path):
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    ref = resolve_workspace(subscription=SUB, resource_group="g", workspace="w", env={}, cwd=tmp_path)
    assert ref == WorkspaceRef(SUB, "g", "w")


def test_non_string_config_values_are_ignored(tmp_path):
    write_config(tmp_path, **{**CONFIG, "workspace_name": 42})
    with pytest.raises(NotFoundError, match="workspace name"):
        resolve_workspace(env={}, cwd=tmp_path)
