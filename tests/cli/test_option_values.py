"""No option swallows another: a value-taking option followed by an option is refused (exit 2), nothing is sent.

The walk covers every option string of every command of the tree, so an option added later is covered too.
"""

from __future__ import annotations

import json

import pytest
from test_docs import (
    leaf_commands,  # tests/ is on sys.path (rootdir-relative imports, no tests/__init__.py)
)
from typer.core import TyperOption

HOOK = "https://example.com/hook"


def _value_options() -> list[tuple[str, str, str]]:
    """(command path, option string, a real flag to follow it) for every value-taking option of the tree."""
    cases = []
    for path, command in leaf_commands():
        options = [p for p in command.params if isinstance(p, TyperOption)]
        flags = [o for p in options if p.is_flag for o in p.opts if o.startswith("--")]
        follower = "--dry-run" if "--dry-run" in flags else (flags[0] if flags else "--help")
        for param in options:
            if not param.is_flag and not param.count:
                cases.extend((path, opt, follower) for opt in param.opts)
    return cases


CASES = _value_options()


def test_the_walk_finds_the_options_that_once_swallowed_flags():
    found = {(path, opt) for path, opt, _ in CASES}
    assert {("subscription create", "--system-topic-name"), ("subscription create", "--endpoint"),
            ("subscription update", "--labels"), ("events test", "--advanced-filter"), ("plan", "-f")} <= found
    assert ("subscription create", "--system-topic") not in found  # a flag now


@pytest.mark.parametrize("path, opt, follower", CASES, ids=[f"{p} {o}" for p, o, _ in CASES])
def test_a_value_option_never_takes_an_option_as_its_value(run, cli_emulator, sent_requests, path, opt, follower):
    result = run(*path.split(), opt, follower)
    assert result.exit_code == 2, result.stdout
    assert f"option {opt} needs a value, but got the option '{follower}'" in result.stderr
    assert "Traceback" not in result.stderr
    assert sent_requests() == []


@pytest.mark.parametrize("args", [
    ["--emulator", "--local", "subscription", "list"],
    ["--cloud", "--debug", "subscription", "list"],
], ids=["--emulator", "--cloud"])
def test_a_global_option_never_takes_an_option_as_its_value(run, cli_emulator, sent_requests, args):
    result = run(*args)
    assert result.exit_code == 2
    assert f"option {args[0]} needs a value, but got the option '{args[1]}'" in result.stderr
    assert sent_requests() == []


@pytest.mark.parametrize("args, opt, got", [
    (["subscription", "show", "x", "-w", "-o", "json"], "-w", "-o"),
    (["subscription", "create", "x", "--endpoint", HOOK, "--labels", "--", "y"], "--labels", "--"),
], ids=["a short option", "the end-of-options marker"])
def test_short_options_and_the_marker_are_not_values(run, cli_emulator, sent_requests, args, opt, got):
    result = run(*args)
    assert result.exit_code == 2
    assert f"option {opt} needs a value, but got the option '{got}'" in result.stderr
    assert sent_requests() == []


def test_a_missing_last_value_says_so(run):
    result = run("events", "sample", "ModelRegistered", "--set")
    assert result.exit_code == 2
    assert "option --set needs a value, but got nothing" in result.stderr


def test_the_issue_command_is_a_dry_run_under_the_default_system_topic(run, tmp_path, monkeypatch, sent_requests):
    monkeypatch.setenv("AMLEVENTS_DATA_DIR", str(tmp_path / "data"))
    result = run("--local", "subscription", "create", "st1", "--endpoint", "https://example.com/h", "--system-topic",
                 "--dry-run", "-o", "json")
    assert result.exit_code == 0, result.stderr
    urls = [w["url"].split("?")[0] for w in json.loads(result.stdout)]
    assert urls[0].endswith("/systemTopics/local-workspace-events")
    assert urls[1].endswith("/systemTopics/local-workspace-events/eventSubscriptions/st1")
    listed = run("--local", "subscription", "list", "-o", "json")
    assert json.loads(listed.stdout) == []


# --- what stays a value ----------------------------------------------------------------------------------------

EVENT = {"id": "1", "eventType": "Microsoft.MachineLearningServices.ModelRegistered", "subject": "models/m:1",
         "data": {"ModelName": "m", "ModelVersion": 0}, "dataVersion": "2", "eventTime": "2020-01-01T00:00:00Z"}


@pytest.mark.parametrize("args", [
    ["--advanced-filter", "data.ModelVersion", "NumberGreaterThan", "-1"],
    ["--advanced-filter", "data.ModelVersion", "NumberInRange", "-5,-0.5", "-1,1"],
    ["--subject-begins-with=--models"],
], ids=["a negative number", "negative ranges", "--opt=--value"])
def test_negative_numbers_and_attached_values_stay_values(run, args):
    result = run("events", "test", "-e", "-", *args, "-o", "json", input=json.dumps(EVENT))
    assert result.exit_code == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["delivered"] is (args[0] != "--subject-begins-with=--models")


def test_a_negative_number_is_the_value_of_a_single_value_option(run, cli_emulator, sent_requests):
    queue = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/"
             "storageAccounts/sa/queueServices/default/queues/q")
    result = run("subscription", "create", "q-1", "--endpoint-type", "storagequeue", "--endpoint", queue,
                 "--storage-queue-msg-ttl", "-1", "-o", "json")
    assert result.exit_code == 0, result.stderr
    (put,) = sent_requests()
    assert put["body"]["properties"]["destination"]["properties"]["queueMessageTimeToLiveInSeconds"] == -1
