"""What a person reads at a terminal: tables that never split an identifier at 80 or 120 columns, colour only on a
colour terminal, one style of summaries, confirmations, hints and help."""

from __future__ import annotations

import json
import re

import pytest
from ids import HOOK, providers

WIDTHS = (80, 120)
# Names as long as people write them, and the longest event types, so that a table must fold something.
NAMES = ("churn-models-production", "drift-alerts", "runs")
TYPES = ("ModelRegistered", "DatasetDriftDetected", "RunStatusChanged", "ModelDeployed", "RunCompleted")
QUEUE = providers("dest-rg") + "Microsoft.Storage/storageAccounts/destinationaccount/queueServices/default/queues/q"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-7]m")  # a foreground colour (NO_COLOR leaves bold alone, as no-color.org says)


def _lines(text: str, width: int) -> list[str]:
    lines = text.splitlines()
    assert all(len(line) <= width for line in lines), [line for line in lines if len(line) > width]
    return lines


def _whole(text: str, width: int, *words: str) -> None:
    """Every word appears unbroken on one line of ``text``, and no line is wider than ``width``."""
    lines = _lines(text, width)
    assert [w for w in words if not any(w in line for line in lines)] == [], text


@pytest.fixture
def subscriptions(run, cli_emulator):
    """Three subscriptions with long names, a webhook with a long URL and every event type."""
    run.ok("subscription", "create", NAMES[0], "--endpoint", HOOK + "&tenant=ml-platform-production",
           "--event-type", *TYPES, "--subject-begins-with", "models/churn", "-o", "none")
    run.ok("subscription", "create", NAMES[1], "--endpoint-type", "storagequeue", "--endpoint", QUEUE,
           "--event-type", "DatasetDriftDetected", "--advanced-filter", "data.DriftCoefficient",
           "NumberGreaterThan", "0.5", "-o", "none")
    run.ok("subscription", "create", NAMES[2], "--endpoint", HOOK, "--event-type", "RunCompleted", "-o", "none")
    return cli_emulator


@pytest.mark.parametrize("width", WIDTHS)
def test_list_table_keeps_names_and_event_types_whole(run, subscriptions, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    out = run.ok("subscription", "list", "-o", "table").stdout
    _whole(out, width, *NAMES, *TYPES, "Succeeded")


@pytest.mark.parametrize("width", WIDTHS)
def test_show_table_folds_ids_at_slashes(run, subscriptions, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    out = run.ok("subscription", "show", NAMES[1], "-o", "table").stdout
    _whole(out, width, NAMES[1], "DatasetDriftDetected", "data.DriftCoefficient", "destinationaccount/",
           "Microsoft.EventGrid/", "eventSubscriptions/")


def test_json_shows_what_a_table_folds(run, subscriptions, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    [item] = [i for i in run.json("subscription", "list") if i["name"] == NAMES[0]]
    assert item["filter"]["includedEventTypes"] == [f"Microsoft.MachineLearningServices.{t}" for t in TYPES]


@pytest.mark.parametrize("width", WIDTHS)
def test_events_test_table_keeps_checks_and_verdicts_whole(run, tmp_path, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    event = tmp_path / "event.json"
    event.write_text(run.ok("events", "sample", "ModelRegistered", "-o", "json").stdout)
    out = run.ok("events", "test", "-e", str(event), "--event-type", "DatasetDriftDetected", "RunStatusChanged",
                 "--advanced-filter", "data.ModelName", "StringIn", NAMES[0], "-o", "table").stdout
    _whole(out, width, "includedEventTypes", "advancedFilters[0]", "NOT DELIVERED", "ModelRegistered",
           "DatasetDriftDetected", "RunStatusChanged", f"'{NAMES[0]}'")


@pytest.mark.parametrize("width", WIDTHS)
def test_publish_table_keeps_names_and_outcomes_whole(run, subscriptions, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    out = run("events", "publish", "DatasetDriftDetected", "--no-wait", "-o", "table").stdout
    _whole(out, width, *NAMES, "notMatched", "spooled")
    if width >= 120:  # seven columns: at 80 the check names and event types may be shortened (…), never split
        _whole(out, width, "DatasetDriftDetected", "includedEventTypes", "subjectBeginsWith")


@pytest.mark.parametrize("width", WIDTHS)
def test_plan_table_keeps_names_whole_and_shows_filters_in_the_grammar(run, subscriptions, tmp_path, monkeypatch,
                                                                       width):
    monkeypatch.setenv("COLUMNS", str(width))
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(json.dumps({"version": 1, "workspaces": [{"name": "local-workspace", "subscriptions": [
        {"name": NAMES[1], "eventTypes": ["DatasetDriftDetected"],
         "advancedFilters": ["data.DriftCoefficient NumberGreaterThan 0.8"],
         "destination": {"endpointType": "storagequeue", "endpoint": QUEUE}},
        {"name": "a-new-subscription", "destination": {"endpoint": "https://example.com/h"}},
    ]}]}))
    out = run.ok("plan", "-f", str(manifest), "-o", "table").stdout
    _whole(out, width, NAMES[1], "a-new-subscription", "local-workspace", "filter.advancedFilters:",
           "data.DriftCoefficient", "NumberGreaterThan")
    if width >= 120:
        _whole(out, width, "- data.DriftCoefficient NumberGreaterThan 0.5",
               "+ data.DriftCoefficient NumberGreaterThan 0.8")
    assert "{" not in out  # no raw JSON for the filter change


@pytest.fixture
def terminal(monkeypatch):
    """The runner's streams claim to be a colour terminal (Rich and cli/style.py ask ``isatty``)."""
    from typer import testing

    monkeypatch.setattr(testing._NamedTextIOWrapper, "isatty", lambda self: True)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)


@pytest.fixture
def event_file(run, tmp_path):
    path = tmp_path / "event.json"
    path.write_text(run.ok("events", "sample", "ModelRegistered", "-o", "json").stdout)
    return str(path)


def test_verdicts_are_coloured_on_a_terminal(run, terminal, event_file):
    out = run.ok("events", "test", "-e", event_file, "--event-type", "RunCompleted", "-o", "table").stdout
    assert "\x1b[31mNOT DELIVERED" in out and "\x1b[31mFAIL" in out


@pytest.mark.parametrize("setting", ["NO_COLOR", "piped"])
def test_no_colour_with_no_color_or_when_piped(run, event_file, monkeypatch, request, setting):
    if setting == "NO_COLOR":
        request.getfixturevalue("terminal")
        monkeypatch.setenv("NO_COLOR", "1")
    result = run("events", "test", "-e", event_file, "--event-type", "RunCompleted", "-o", "table")
    pattern = COLOUR if setting == "NO_COLOR" else ANSI
    assert "NOT DELIVERED" in result.stdout and not pattern.search(result.stdout + result.stderr)


def test_error_and_warning_prefixes_are_coloured_on_a_terminal(run, terminal, event_file):
    warned = run("events", "test", "-e", event_file, "--subject-begins-with", "models/*", "-o", "json")
    failed = run("events", "test", "-e", event_file, "--event-type", "NoSuchType")
    assert warned.stderr.startswith("\x1b[33mWarning:\x1b[0m ")
    assert failed.stderr.startswith("\x1b[31mError:\x1b[0m ")


def test_apply_counts_in_words_and_agrees_with_plan(run, cli_emulator, tmp_path):
    manifest = tmp_path / "manifest.yaml"
    subs = [{"name": name, "destination": {"endpoint": "https://example.com/h"}} for name in ("one", "two")]
    manifest.write_text(json.dumps({"version": 1, "workspaces": [{"name": "local-workspace", "subscriptions": subs}]}))
    run.ok("apply", "-f", str(manifest), "--yes", "-o", "none")
    subs[0]["retry"] = {"maxDeliveryAttempts": 5}
    manifest.write_text(json.dumps({"version": 1, "workspaces": [{"name": "local-workspace", "subscriptions": subs}]}))
    planned = run("plan", "-f", str(manifest), "-o", "none").stderr
    applied = run.ok("apply", "-f", str(manifest), "--yes", "-o", "none").stderr
    summary = "Plan: 0 to create, 1 to update, 0 to delete, 1 unchanged.\n"
    assert planned == summary and summary in applied and applied.endswith("Applied 1 change.\n")


def test_ctrl_c_during_a_write_says_it_goes_on_in_azure(run, cli_emulator, monkeypatch):
    """SIGINT arrives while the client waits for the answer to its PUT (the emulator runs in this process)."""
    import os
    import signal

    decide = cli_emulator.app.faults.decide

    def interrupt_on_put(method, path):
        if method == "PUT":
            os.kill(os.getpid(), signal.SIGINT)
        return decide(method, path)

    monkeypatch.setattr(cli_emulator.app.faults, "decide", interrupt_on_put)
    result = run("subscription", "create", "hook-1", "--endpoint", HOOK)
    assert (result.exit_code, result.stderr) == (130, (
        "Interrupted while creating event subscription 'hook-1': amlevents stopped waiting, but Azure goes on with "
        "a request it has received.\n"
        "Hint: Check the result with `amlevents subscription show hook-1` (with the same workspace options).\n"))


def _completions(command_path: tuple[str, ...], option: str, incomplete: str) -> list[str]:
    """What the shell is offered for ``option``'s value on the built command (Click's shell_complete of the
    parameter, as `amlevents --install-completion` sets the shell up to ask)."""
    import typer

    from amlevents.cli.app import app

    command = typer.main.get_command(app)
    ctx = command.make_context("amlevents", [], resilient_parsing=True)
    for name in command_path:
        command = command.get_command(ctx, name)
        ctx = command.make_context(name, [], parent=ctx, resilient_parsing=True)
    [param] = [p for p in command.params if option in p.opts]
    return [item.value for item in param.shell_complete(ctx, incomplete)]


COMPLETIONS = {
    "event types": (("subscription", "create"), "--event-type", "Model", ["ModelRegistered", "ModelDeployed"]),
    "full event types": (("events", "test"), "--event-type", "Microsoft.MachineLearningServices.Run",
                         ["Microsoft.MachineLearningServices.RunCompleted",
                          "Microsoft.MachineLearningServices.RunStatusChanged"]),
    "endpoint types": (("subscription", "create"), "--endpoint-type", "service",
                       ["servicebusqueue", "servicebustopic"]),
    "output formats": (("subscription", "list"), "--output", "t", ["table", "tsv"]),
}


@pytest.mark.parametrize(("path", "option", "incomplete", "offered"), COMPLETIONS.values(), ids=COMPLETIONS)
def test_option_values_complete(path, option, incomplete, offered):
    assert _completions(path, option, incomplete) == offered


def test_completion_is_offered_at_the_root(run):
    out = run.ok("--help").stdout
    assert "--install-completion" in out and "--show-completion" in out


HELP = {
    "Click's type names": (("subscription", "create", "--help"), ["--max-events-per-batch INTEGER",
                                                                  "--subject-begins-with TEXT", "NAME"]),
    "choices in brackets": (("subscription", "list", "--help"), ["-o, --output [table|json"]),
    "whole first sentences": (("subscription", "--help"), ["else is kept.", "(asks first on a terminal)."]),
}


@pytest.mark.parametrize(("args", "shown"), HELP.values(), ids=HELP)
def test_help_reads_as_click_writes_it(run, args, shown):
    out = " ".join(run.ok(*args).stdout.split())  # as read, whatever the wrapping
    assert [s for s in shown if s not in out] == [] and not re.search(r"<(str|int|float)[^>]*>|\{name\}", out)
