"""Mistakes explained (issue 14, point 3): a NAME swallowed by a multi-word option names that option; wildcards and
spaces in subject filters warn; `--event-type all` means every type; `--allow-unknown-event-type` passes a type
the catalog does not know, with a warning."""

from __future__ import annotations

import json

import pytest

AML = "Microsoft.MachineLearningServices."
NEW_TYPE = AML + "ModelArchived"  # a type Azure ML might add: not in the catalog
HOOK = ("--endpoint", "https://example.com/h")


@pytest.mark.parametrize(("words", "option"), [
    (("--advanced-filter", "data.x", "StringIn", "prod", "my-sub"), "--advanced-filter"),
    (("--labels", "a", "b", "my-sub"), "--labels"),
    (("--event-type", "ModelRegistered", "my-sub"), "--event-type"),
    (("-d", "auth", "static", "v", "my-sub"), "-d"),
])
def test_a_swallowed_name_names_the_option_that_took_it(run, cli_emulator, words, option):
    result = run("subscription", "create", *HOOK, *words)
    assert result.exit_code == 2
    assert f"Error: missing the event subscription name: {option} took 'my-sub' as its last value." in result.stderr
    assert f"end the values of {option} with another option or '--'" in result.stderr.lower()


def test_ending_the_values_with_double_dash_keeps_the_name(run, cli_emulator):
    sent = json.loads(run.ok("subscription", "create", *HOOK, "--labels", "a", "b", "--dry-run", "-o", "json", "--",
                             "my-sub").stdout)
    assert sent["url"].split("?")[0].endswith("/my-sub")
    assert sent["body"]["properties"]["labels"] == ["a", "b"]


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--subject-begins-with", "models/*", "subjectBeginsWith 'models/*' has '*', but subject filters are literal"),
    ("--subject-ends-with", ":?", "subjectEndsWith ':?' has '?'"),
    ("--subject-begins-with", " models/", "has leading or trailing spaces"),
])
@pytest.mark.parametrize("command", ["create", "update"])
def test_literal_subject_mistakes_warn(run, cli_emulator, command, option, value, says):
    if command == "update":
        run.ok("subscription", "create", "sub-1", *HOOK)
    extra = HOOK if command == "create" else ()
    result = run("subscription", command, "sub-1", *extra, f"{option}={value}", "--dry-run", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert says in result.stderr


def test_event_type_all_leaves_the_list_out(run, cli_emulator):
    sent = run.json("subscription", "create", "all-1", *HOOK, "--event-type", "all", "--dry-run")
    assert "includedEventTypes" not in sent["body"]["properties"]["filter"]


def test_event_type_all_with_other_types_is_refused(run, cli_emulator):
    result = run("subscription", "create", "all-2", *HOOK, "--event-type", "all", "ModelRegistered")
    assert result.exit_code == 2
    assert "'all' means every event type and cannot be combined with others" in result.stderr


def test_update_event_type_all_resets_to_every_type(run, cli_emulator, sent_requests):
    run.ok("subscription", "create", "all-3", *HOOK, "--event-type", "ModelRegistered")
    run.ok("subscription", "update", "all-3", "--event-type", "all")
    [patch] = sent_requests("PATCH")
    assert "includedEventTypes" not in patch["body"]["filter"]
    shown = run.ok("subscription", "show", "all-3", "-o", "json").stdout
    assert AML + "RunCompleted" in shown  # the service's default: every Azure ML type


def test_an_unknown_event_type_is_refused_with_the_way_out(run, cli_emulator):
    result = run("subscription", "create", "new-1", *HOOK, "--event-type", NEW_TYPE)
    assert result.exit_code == 2
    assert f"unknown Azure ML event type '{NEW_TYPE}'" in result.stderr
    assert "--allow-unknown-event-type" in result.stderr


@pytest.mark.parametrize("command", ["create", "update"])
def test_allow_unknown_event_type_sends_it_with_a_warning(run, cli_emulator, command):
    if command == "update":
        run.ok("subscription", "create", "new-2", *HOOK)
    extra = HOOK if command == "create" else ()
    result = run("subscription", command, "new-2", *extra, "--event-type", "ModelRegistered", NEW_TYPE,
                 "--allow-unknown-event-type", "--dry-run", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert f'"{AML}ModelRegistered",\n' in result.stdout and f'"{NEW_TYPE}"' in result.stdout
    assert f"includedEventTypes has '{NEW_TYPE}', which is not in amlevents' catalog" in result.stderr
