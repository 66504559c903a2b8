"""`amlevents manifest schema` and `manifest validate`, through the real error boundary."""

from __future__ import annotations

import json
import pathlib

import pytest
import yaml

from amlevents.core.manifest.schema import manifest_schema

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "manifest.yaml"
ENV = {"HOOK_URL": "https://hooks.example.com/api/aml?code=s3cr3t", "API_KEY": "k3y-value"}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("args", [["-o", "json"], []])
def test_schema_prints_the_json_schema(run, args: list[str]) -> None:
    result = run("manifest", "schema", *args)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == manifest_schema()


def test_schema_prints_yaml(run) -> None:
    result = run("manifest", "schema", "-o", "yaml")
    assert yaml.safe_load(result.stdout) == manifest_schema()


def test_validate_lists_the_subscriptions(run, env: None) -> None:
    result = run("manifest", "validate", "-f", str(EXAMPLE), "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert [(r["workspace"], r["name"], r["kind"], r["endpointType"]) for r in json.loads(result.stdout)] == [
        ("amlevents-local/local-workspace", "churn-models", "workspace", "WebHook"),
        ("amlevents-local/local-workspace", "failed-runs", "workspace", "ServiceBusQueue"),
        ("amlevents-local/local-workspace", "model-audit", "system-topic", "EventHub"),
        ("amlevents-local/local-workspace-2", "drift-alerts", "workspace", "WebHook"),
    ]
    assert result.stderr == ""


def test_validate_summary_row(run, env: None) -> None:
    rows = json.loads(run("manifest", "validate", "-f", str(EXAMPLE), "-o", "json").stdout)
    assert rows[2] == {"workspace": "amlevents-local/local-workspace", "name": "model-audit", "kind": "system-topic",
                       "systemTopic": None, "endpointType": "EventHub",
                       "eventTypes": ["ModelRegistered", "ModelDeployed"], "advancedFilters": 1}


def test_validate_error_is_located_on_stderr_with_exit_2(run, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nworkspaces:\n  - name: ws\n    subscriptions:\n      - name: abc\n"
                    "        destination: {endpoint: https://h.example.com, maxEventsPerBatch: 0}\n")
    result = run("manifest", "validate", "-f", str(path))
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {path}:6:75: workspaces[0].subscriptions[0].destination.maxEventsPerBatch: "
                             "0 is less than the minimum of 1.\n")
    assert result.stdout == ""


def test_validate_shows_a_bad_filter_with_its_caret(run, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nworkspaces:\n  - name: ws\n    subscriptions:\n      - name: abc\n"
                    "        destination: {endpoint: https://h.example.com}\n"
                    "        advancedFilters: ['data.x StringInn a']\n")
    result = run("manifest", "validate", "-f", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[:3] == [
        f"Error: {path}:7:35: workspaces[0].subscriptions[0].advancedFilters[0]: unknown operator 'StringInn'.",
        "  data.x StringInn a",
        "         ^^^^^^^^^",
    ]


def test_validate_missing_variable_exits_2_without_traceback(run) -> None:
    result = run("manifest", "validate", "-f", str(EXAMPLE))
    assert result.exit_code == 2
    assert "environment variable HOOK_URL is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_missing_file_exits_2(run, tmp_path: pathlib.Path) -> None:
    result = run("manifest", "validate", "-f", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: cannot read manifest '{tmp_path / 'nope.yaml'}'")


def test_validate_warns_about_filters_that_cannot_match(run, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("version: 1\nworkspaces:\n  - name: ws\n    subscriptions:\n      - name: abc\n"
                    "        destination: {endpoint: https://h.example.com}\n"
                    "        eventTypes: [ModelRegistered]\n        subjectBeginsWith: experiments/\n")
    result = run("manifest", "validate", "-f", str(path), "-o", "json")
    assert result.exit_code == 0
    assert result.stderr.startswith(f"Warning: {path}:5:9: abc: ")


SEVERAL = ("version: 1\nworkspaces:\n  - name: ws\n    subscriptions:\n      - name: abc\n"
           "        destination: {endpoint: '${HOOK}'}\n        advancedFilters: ['data.x StringInn a']\n"
           "      - name: ABC\n        destination: {endpoint: https://h.example.com, maxEventsPerBatch: 0}\n")


def _several(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "bad.yaml"
    path.write_text(SEVERAL)
    return path


def test_validate_lists_every_error_in_file_order_with_a_count(run, tmp_path: pathlib.Path) -> None:
    path = _several(tmp_path)
    result = run("manifest", "validate", "-f", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: 4 errors in {path}:",
        f"{path}:6:34: workspaces[0].subscriptions[0].destination.endpoint: environment variable HOOK is not set.",
        "  Hint: Set HOOK, e.g. export HOOK=..., or write $${ for a literal ${.",
        f"{path}:7:35: workspaces[0].subscriptions[0].advancedFilters[0]: unknown operator 'StringInn'.",
        "  data.x StringInn a",
        "         ^^^^^^^^^",
        result.stderr.splitlines()[6],  # the operator list: pinned by the filter tests
        (f"{path}:8:15: workspaces[0].subscriptions[1].name: duplicate subscription name 'ABC' in this workspace "
         "(first on line 5)."),
        "  Hint: Names compare case-insensitively.",
        (f"{path}:9:75: workspaces[0].subscriptions[1].destination.maxEventsPerBatch: 0 is less than the minimum "
         "of 1."),
    ]
    assert result.stdout == ""


@pytest.mark.parametrize("command", [["plan"], ["apply", "--yes"]])
def test_plan_and_apply_list_the_same_errors(run, tmp_path: pathlib.Path, command: list[str]) -> None:
    path = _several(tmp_path)
    validated = run("manifest", "validate", "-f", str(path))
    result = run(*command, "-f", str(path))
    assert result.exit_code == 2
    assert result.stderr == validated.stderr
