"""`events test` takes every filter option of `subscription create`, Azure ML shortcuts included, and builds the
same filter from it: the filter `events test` reports equals the one `subscription create --dry-run` would send.
"""

from __future__ import annotations

import pytest
import typer

from amlevents.cli.app import app

HOOK = "https://example.com/api/events"
PANELS = ("Filter", "Azure ML shortcuts")

# One case per option string of create's Filter and Azure ML shortcut panels (both sides of an on/off flag).
# Keyed by the option a case exercises; the words are what a user types.
CASES = {
    "--event-type": ["--event-type", "ModelRegistered", "RunCompleted"],  # several words in one option
    "--included-event-types": ["--included-event-types", "ModelRegistered", "--included-event-types", "RunCompleted"],
    "--allow-unknown-event-type": ["--event-type", "Microsoft.MachineLearningServices.ModelArchived",
                                   "--allow-unknown-event-type"],
    "--subject-begins-with": ["--subject-begins-with", "models/churn:"],
    "--subject-ends-with": ["--subject-ends-with", ":3"],
    "--subject-case-sensitive": ["--subject-case-sensitive"],
    "--subject-case-insensitive": ["--subject-case-insensitive"],
    "--advanced-filter": ["--advanced-filter", "data.ModelTags.stage", "StringIn", "prod", "staging",
                          "--advanced-filter", "data.ModelVersion NumberGreaterThanOrEquals 3"],
    "--enable-advanced-filtering-on-arrays": ["--enable-advanced-filtering-on-arrays"],
    "--disable-advanced-filtering-on-arrays": ["--disable-advanced-filtering-on-arrays"],
    "--enable-af-arr": ["--enable-af-arr", "false"],
    "--model-name": ["--model-name", "churn"],
    "--model-version": ["--model-name", "churn", "--model-version", "3"],
    "--experiment-id": ["--experiment-id", "e1"],
    "--experiment-name": ["--experiment-name", "nightly"],
    "--service-name": ["--service-name", "scorer"],
    "--model-tag": ["--model-tag", "stage=prod", "--model-tag", "stage=canary"],
    "--run-tag": ["--run-tag", "team=risk"],
    "--run-status": ["--run-status", "completed", "Failed"],  # several words, any case
}


def command(*path):
    """The Click command at ``path`` (the root loads its groups lazily)."""
    cmd = typer.main.get_command(app)
    for name in path:
        cmd = cmd.get_command(typer.Context(cmd), name)
    return cmd


def filter_option_strings(cmd):
    """Every option string of ``cmd``'s Filter and Azure ML shortcut panels."""
    return {opt for p in cmd.params if getattr(p, "rich_help_panel", None) in PANELS
            for opt in [*p.opts, *p.secondary_opts]}


def test_every_filter_option_of_create_has_a_case():
    assert filter_option_strings(command("subscription", "create")) == set(CASES)


def test_events_test_declares_every_filter_option_of_create():
    assert filter_option_strings(command("subscription", "create")) <= filter_option_strings(command("events", "test"))


@pytest.mark.parametrize("args", CASES.values(), ids=CASES)
def test_events_test_builds_the_filter_create_sends(run, cli_emulator, tmp_path, args):
    event = tmp_path / "event.json"
    event.write_text(run.ok("events", "sample", "ModelRegistered").stdout, encoding="utf-8")
    tested = run.json("events", "test", "-e", str(event), *args)["filter"]
    request = run.json("subscription", "create", "model-events", "--endpoint", HOOK, *args, "--dry-run")
    # create also sends az's default for the subject comparison
    assert {"isSubjectCaseSensitive": False, **tested} == request["body"]["properties"]["filter"]


@pytest.mark.parametrize("status, delivered", [("Failed", True), ("Completed", False)])
def test_run_status_shortcut_decides_delivery(run, tmp_path, status, delivered):
    event = tmp_path / "event.json"
    event.write_text(run.ok("events", "sample", "RunStatusChanged", "--set", f"data.runStatus={status}").stdout,
                     encoding="utf-8")
    assert run.json("events", "test", "-e", str(event), "--run-status", "Failed")["delivered"] is delivered
