"""Azure ML shortcuts: the filter pieces each one builds, combinations and conflicts."""

from __future__ import annotations

from typing import Any

import pytest

from amlevents.core.errors import InvalidInputError
from amlevents.core.filters.build import build_filter
from amlevents.core.filters.model import AdvancedFilter, Operator
from amlevents.core.filters.shortcuts import AmlShortcuts, apply_shortcuts, parse_tag

P = "Microsoft.MachineLearningServices."
REGISTERED, DEPLOYED, COMPLETED, STATUS_CHANGED = (
    P + "ModelRegistered",
    P + "ModelDeployed",
    P + "RunCompleted",
    P + "RunStatusChanged",
)


def string_in(key: str, *values: str) -> AdvancedFilter:
    return AdvancedFilter(Operator.StringIn, key, values=values)


def shortcuts(**kw: Any) -> tuple:
    flags = {
        k: kw.pop(k) for k in ("event_types", "subject_begins_with", "subject_ends_with", "advanced_filters") if k in kw
    }
    return apply_shortcuts(AmlShortcuts(**kw), **flags)


EACH = [
    ("model name", {"model_name": "churn"}, ((REGISTERED,), "models/churn:", None, None)),
    ("model version", {"model_name": "churn", "model_version": "3"}, ((REGISTERED,), "models/churn:", ":3", None)),
    ("experiment id", {"experiment_id": "e1"}, ((COMPLETED, STATUS_CHANGED), "experiments/e1/", None, None)),
    (
        "experiment name",
        {"experiment_name": "nightly"},
        ((COMPLETED, STATUS_CHANGED), None, None, (string_in("data.experimentName", "nightly"),)),
    ),
    ("service name", {"service_name": "scorer"}, ((DEPLOYED,), "endpoints/scorer", "/scorer", None)),
    (
        "model tag",
        {"model_tags": (("stage", "prod"),)},
        ((REGISTERED,), None, None, (string_in("data.ModelTags.stage", "prod"),)),
    ),
    (
        "run tag",
        {"run_tags": (("team", "a=b"),)},
        ((COMPLETED, STATUS_CHANGED), None, None, (string_in("data.runTags.team", "a=b"),)),
    ),
    (
        "run status",
        {"run_statuses": ("failed", "CANCELED")},
        ((STATUS_CHANGED,), None, None, (string_in("data.runStatus", "Failed", "Canceled"),)),
    ),
    ("nothing", {}, (None, None, None, None)),
]


@pytest.mark.parametrize(("shortcut", "result"), [e[1:] for e in EACH], ids=[e[0] for e in EACH])
def test_each_shortcut_builds_its_filter_pieces(shortcut: dict[str, Any], result: tuple) -> None:
    assert shortcuts(**shortcut) == result


def test_one_tag_key_given_twice_is_one_filter_with_both_values() -> None:
    _, _, _, filters = shortcuts(model_tags=(("stage", "prod"), ("Stage", "test"), ("stage", "prod"), ("owner", "me")))
    assert filters == (string_in("data.ModelTags.stage", "prod", "test"), string_in("data.ModelTags.owner", "me"))


def test_the_model_prefix_ends_at_the_colon_so_a_longer_name_does_not_match() -> None:
    assert shortcuts(model_name="churn")[1] == "models/churn:"  # "models/churn2:1" does not begin with it


def test_explicit_flags_without_shortcuts_pass_through_with_full_type_names() -> None:
    assert shortcuts(event_types=["runcompleted"], subject_begins_with="x", advanced_filters=["data.a IsNotNull"]) == (
        (COMPLETED,),
        "x",
        None,
        ("data.a IsNotNull",),
    )


COMBINED = [
    (
        "experiment and status",
        {"experiment_id": "e1", "run_statuses": ("Failed",)},
        ((STATUS_CHANGED,), "experiments/e1/", None, (string_in("data.runStatus", "Failed"),)),
    ),
    (
        "model and tag",
        {"model_name": "churn", "model_tags": (("stage", "prod"),)},
        ((REGISTERED,), "models/churn:", None, (string_in("data.ModelTags.stage", "prod"),)),
    ),
    (
        "experiment id and name",
        {"experiment_id": "e1", "experiment_name": "nightly"},
        ((COMPLETED, STATUS_CHANGED), "experiments/e1/", None, (string_in("data.experimentName", "nightly"),)),
    ),
    (
        "explicit type within the shortcut's",
        {"experiment_id": "e1", "event_types": ["RunCompleted"]},
        ((COMPLETED,), "experiments/e1/", None, None),
    ),
    (
        "explicit subject equal to the shortcut's",
        {"model_name": "churn", "subject_begins_with": "models/churn:"},
        ((REGISTERED,), "models/churn:", None, None),
    ),
    (
        "explicit ends-with beside a begins-with shortcut",
        {"model_name": "churn", "subject_ends_with": ":7"},
        ((REGISTERED,), "models/churn:", ":7", None),
    ),
    (
        "explicit filter on another key is kept first",
        {"run_statuses": ("Failed",), "advanced_filters": ["data.runType StringIn azureml.PipelineRun"]},
        (
            (STATUS_CHANGED,),
            None,
            None,
            ("data.runType StringIn azureml.PipelineRun", string_in("data.runStatus", "Failed")),
        ),
    ),
]


@pytest.mark.parametrize(("given", "result"), [c[1:] for c in COMBINED], ids=[c[0] for c in COMBINED])
def test_shortcuts_combine_with_each_other_and_with_explicit_flags(given: dict[str, Any], result: tuple) -> None:
    assert shortcuts(**given) == result


def test_the_result_feeds_build_filter() -> None:
    types, begins, ends, filters = shortcuts(experiment_id="e1", run_statuses=("Failed",))
    f = build_filter(event_types=types, subject_begins_with=begins, subject_ends_with=ends, advanced_filters=filters)
    assert f.to_wire() == {
        "includedEventTypes": [STATUS_CHANGED],
        "subjectBeginsWith": "experiments/e1/",
        "advancedFilters": [{"operatorType": "StringIn", "key": "data.runStatus", "values": ["Failed"]}],
    }


CONFLICTS = [
    (
        {"model_name": "churn", "subject_begins_with": "models/"},
        "--model-name churn needs the subject filter 'models/churn:' but --subject-begins-with sets 'models/'",
    ),
    (
        {"model_name": "churn", "model_version": "3", "subject_ends_with": ":4"},
        "--model-name churn --model-version 3 needs the subject filter ':3' but --subject-ends-with sets ':4'",
    ),
    (
        {"model_name": "churn", "experiment_id": "e1"},
        "--experiment-id e1 needs the subject filter 'experiments/e1/' but --model-name churn sets 'models/churn:'",
    ),
    (
        {"service_name": "s", "model_name": "m"},
        "--service-name s needs the subject filter 'endpoints/s' but --model-name m sets 'models/m:'",
    ),
    (
        {"model_tags": (("a", "b"),), "run_statuses": ("Failed",)},
        "--model-tag a=b and --run-status Failed cannot match",
    ),
    ({"experiment_name": "x", "service_name": "s"}, "--experiment-name x and --service-name s cannot match the same"),
    (
        {"experiment_id": "e1", "event_types": ["ModelRegistered"]},
        "--event-type ModelRegistered cannot match --experiment-id e1",
    ),
    (
        {"run_statuses": ("Failed",), "event_types": ["RunCompleted"]},
        "--event-type RunCompleted cannot match --run-status",
    ),
    (
        {"run_statuses": ("Failed",), "advanced_filters": ["data.RUNSTATUS StringIn Completed"]},
        "--run-status Failed filters on data.runStatus, and so does --advanced-filter 'data.RUNSTATUS'",
    ),
]


@pytest.mark.parametrize(("given", "message"), CONFLICTS, ids=[m for _, m in CONFLICTS])
def test_conflicts_are_refused_naming_both_options(given: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        shortcuts(**given)
    assert message in str(info.value)


BAD = [
    ({"model_version": "3"}, "--model-version needs --model-name"),
    ({"model_name": "a:b"}, "--model-name 'a:b' must be non-empty and contain no '/' or ':'"),
    ({"model_name": ""}, "--model-name '' must be non-empty"),
    ({"experiment_id": "a/b"}, "--experiment-id 'a/b' must be non-empty and contain no '/'"),
    ({"service_name": "x/y"}, "--service-name 'x/y'"),
    ({"experiment_name": ""}, "--experiment-name must not be empty"),
    ({"run_statuses": ("Done",)}, "--run-status 'Done' is not an AML run status"),
    ({"run_tags": (("azureml.pipelineid", "x"),)}, "--run-tag key 'azureml.pipelineid' cannot be filtered on"),
    ({"model_tags": (("stage", ""),)}, "--model-tag stage= needs a value"),
    ({"event_types": ["Nope"], "model_name": "m"}, "unknown Azure ML event type 'Nope'"),
]


@pytest.mark.parametrize(("given", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_shortcut_values_are_refused(given: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        shortcuts(**given)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "pair"), [("stage=prod", ("stage", "prod")), ("k=a=b", ("k", "a=b")), (" k =v", ("k", "v"))]
)
def test_tags_parse_as_key_equals_value(text: str, pair: tuple[str, str]) -> None:
    assert parse_tag(text) == pair


@pytest.mark.parametrize("text", ["stage", "=prod", "stage="])
def test_tags_without_key_or_value_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError, match="is not KEY=VALUE"):
        parse_tag(text, option="--run-tag")
