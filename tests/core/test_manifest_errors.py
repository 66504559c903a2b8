"""A manifest's errors all at once: schema, ${VAR} and build errors of every subscription, each at
file:line:column, in file order; ${VAR:-default}."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from amlevents.core.manifest.read import ManifestError, ManifestErrors, parse_manifest

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
HEAD = "version: 1\nworkspaces:\n  - name: ws\n    subscriptions:\n"
HOOK = "        destination: {endpoint: https://h.example.com}\n"


def load(text: str, env: dict[str, str] | None = None, source: str = "m.yaml") -> Any:
    return parse_manifest(text, source=source, env={} if env is None else env, now=NOW)


def errors(text: str, env: dict[str, str] | None = None, source: str = "m.yaml") -> list[tuple[int, int, str]]:
    """(line, column, detail) of every error, as reported."""
    with pytest.raises(ManifestError) as caught:
        load(text, env, source)
    found = caught.value.errors if isinstance(caught.value, ManifestErrors) else (caught.value,)
    return [(e.line, e.column, e.detail) for e in found]


def test_every_schema_error_is_reported_in_file_order() -> None:
    text = (HEAD + "      - name: abc\n        labels: 1\n        retry: {maxDeliveryAttempts: 0}\n" + HOOK
            + "extra: 1\n")
    assert errors(text) == [
        (6, 17, 'expected a list, got 1'),
        (7, 38, "0 is less than the minimum of 1"),
        (9, 1, "unknown key 'extra'"),
    ]


def test_a_misspelt_key_is_not_also_reported_missing() -> None:
    assert errors(HEAD + "      - nmae: abc\n" + HOOK + "      - labels: [a]\n" + HOOK) == [
        (5, 9, "unknown key 'nmae'"),
        (7, 9, "missing required key 'name'"),
    ]


def test_each_unknown_key_of_a_mapping_is_reported() -> None:
    text = HEAD + "      - name: abc\n        destination: {endpoint: https://h.example.com, batch: 2, size: 3}\n"
    assert [(line, column) for line, column, _ in errors(text)] == [(6, 56), (6, 66)]


def test_errors_of_several_subscriptions_are_reported_together() -> None:
    text = (HEAD + "      - name: one\n" + HOOK + "        advancedFilters: ['data.x StringInn a']\n"
            "      - name: two\n        destination: {endpoint: 'http://h.example.com'}\n"
            "      - name: ONE\n" + HOOK + "        eventTypes: [ModelRegisterd]\n")
    assert errors(text) == [
        (7, 35, "unknown operator 'StringInn'"),
        (9, 33, "'http://h.example.com' is an http URL: Event Grid delivers only over https and refuses it"),
        (10, 15, "duplicate subscription name 'ONE' in this workspace (first on line 5)"),
        (12, 22, "unknown Azure ML event type 'ModelRegisterd'"),
    ]


def test_a_subscription_with_a_schema_error_is_not_built() -> None:
    # without an endpoint it could not be built either; saying so would repeat the error the user must fix first
    assert errors(HEAD + "      - name: abc\n        retry: {maxDeliveryAttempts: 99}\n") == [
        (6, 38, "99 is greater than the maximum of 30")]


def test_every_missing_variable_is_reported_where_it_is_written() -> None:
    text = ("version: 1\ndefaults:\n  destination: {endpoint: '${HOOK_URL}'}\nworkspaces:\n  - name: ws\n"
            "    subscriptions:\n      - name: abc\n        labels: ['${A}-${B}']\n")
    assert errors(text) == [
        (3, 28, "environment variable HOOK_URL is not set"),
        (8, 19, "environment variable A is not set"),
        (8, 24, "environment variable B is not set"),
    ]


def test_an_unset_variable_in_the_defaults_still_lets_filters_be_checked() -> None:
    text = ("version: 1\ndefaults:\n  destination: {endpoint: '${HOOK_URL}'}\nworkspaces:\n  - name: ws\n"
            "    subscriptions:\n      - name: abc\n        advancedFilters: ['data.x StringInn a']\n")
    assert [detail for *_, detail in errors(text)] == [
        "environment variable HOOK_URL is not set", "unknown operator 'StringInn'"]


def test_a_reference_to_an_unset_variable_is_not_judged_as_a_value() -> None:
    # '${TYPE}' is no event type, but the one problem is that TYPE is not set
    assert errors(HEAD + "      - name: abc\n" + HOOK + "        eventTypes: ['${TYPE}']\n") == [
        (7, 23, "environment variable TYPE is not set")]


def test_several_errors_read_as_a_count_then_one_located_entry_each() -> None:
    with pytest.raises(ManifestErrors) as caught:
        load(HEAD + "      - name: abc\n" + HOOK + "        advancedFilters: ['data.x StringInn a']\n"
             "        eventTypes: [ModelRegisterd]\n")
    err = caught.value
    assert str(err).splitlines()[:4] == [
        "2 errors in m.yaml:",
        "m.yaml:7:35: workspaces[0].subscriptions[0].advancedFilters[0]: unknown operator 'StringInn'.",
        "  data.x StringInn a",
        "         ^^^^^^^^^",
    ]
    assert str(err).splitlines()[4].startswith("  Hint: Did you mean StringIn?")
    assert str(err).splitlines()[5] == ("m.yaml:8:22: workspaces[0].subscriptions[0].eventTypes[0]: "
                                        "unknown Azure ML event type 'ModelRegisterd'.")
    assert (err.line, err.column, err.exit_code) == (7, 35, 2)


def test_a_single_error_is_raised_as_itself() -> None:
    with pytest.raises(ManifestError) as caught:
        load(HEAD + "      - name: abc\n        retry: {eventTtlMinutes: 0}\n" + HOOK)
    assert not isinstance(caught.value, ManifestErrors)


def test_json_manifests_are_located_too() -> None:
    text = json.dumps({"version": 1, "workspaces": [{"name": "ws", "subscriptions": [
        {"name": "abc", "destination": {"endpoint": "https://h.example.com"}, "retry": {"eventTtlMinutes": 0}},
        {"name": "def", "destination": {"endpoint": "https://h.example.com"}, "lables": []}]}]}, indent=1)
    assert [(line, column) for line, column, _ in errors(text, source="m.json")] == [(13, 26), (21, 6)]


# --- ${VAR:-default} --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("env, expected", [
    ({}, "fallback"),
    ({"A": ""}, "fallback"),
    ({"A": "given"}, "given"),
], ids=["unset", "empty", "set"])
def test_a_default_stands_in_for_an_unset_or_empty_variable(env: dict[str, str], expected: str) -> None:
    manifest = load(HEAD + "      - name: abc\n" + HOOK + "        labels: ['${A:-fallback}']\n", env)
    assert manifest.workspaces[0].subscriptions[0].properties["labels"] == [expected]


def test_a_default_is_not_a_secret() -> None:
    manifest = load(HEAD + "      - name: abc\n" + HOOK + "        labels: ['${A:-fallback}', '${B:-x}']\n",
                    {"B": "bee"})
    assert manifest.secrets == {"bee"}


def test_yaml_it_can_read_past_is_reported_with_the_rest() -> None:
    text = (HEAD + "      - name: abc\n        name: again\n" + HOOK + "        labels: [!!binary YQ==]\n"
            "      - name: def\n" + HOOK + "        retry: {maxDeliveryAttempts: 0}\n")
    assert errors(text) == [
        (6, 9, "duplicate key 'name' (first given on line 5)"),
        (8, 18, "the YAML tag !!binary is not supported"),
        (11, 38, "0 is less than the minimum of 1"),
    ]


def test_an_unset_variable_in_a_workspace_id_is_the_one_error() -> None:
    text = "version: 1\nworkspaces:\n  - id: '${WS_ID}'\n    subscriptions:\n      - name: abc\n" + HOOK
    assert errors(text) == [(3, 10, "environment variable WS_ID is not set")]
