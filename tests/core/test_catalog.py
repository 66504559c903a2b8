"""The AML event catalog (names, subjects) and its samples with --set overrides (reference: aml-events.md)."""

from __future__ import annotations

import json
import re

import pytest
from campaigns import examples

from amlevents.core.catalog import (
    EVENT_PREFIX,
    EVENT_TYPES,
    TOPIC_TYPE,
    get_event_type,
    is_aml_event_type,
    normalize_event_type,
    subject_matches_type,
    suggest_event_type,
)
from amlevents.core.errors import InvalidInputError
from amlevents.core.samples import SAMPLE_TOPIC, apply_overrides, sample_event

SHORT_NAMES = ["ModelRegistered", "ModelDeployed", "RunCompleted", "DatasetDriftDetected", "RunStatusChanged"]
SCHEMAS = ["eventgrid", "cloudevents"]
CASINGS = ["documented", "live"]
EG_KEYS = ["topic", "subject", "eventType", "eventTime", "id", "data", "dataVersion", "metadataVersion"]
CE_KEYS = ["source", "subject", "type", "time", "id", "data", "specversion"]


def test_the_five_types_in_doc_order_with_full_names() -> None:
    assert [i.name for i in EVENT_TYPES] == SHORT_NAMES
    assert [i.event_type for i in EVENT_TYPES] == [EVENT_PREFIX + n for n in SHORT_NAMES]
    assert TOPIC_TYPE == "Microsoft.MachineLearningServices.Workspaces"


@pytest.mark.parametrize(
    ("name", "subject_format", "preview"),
    [
        ("ModelRegistered", "models/{modelName}:{modelVersion}", True),
        ("ModelDeployed", "endpoints/{serviceId}", True),
        ("RunCompleted", "experiments/{ExperimentId}/runs/{RunId}", False),
        ("DatasetDriftDetected", "datadrift/{data.DataDriftId}/run/{data.RunId}", True),
        ("RunStatusChanged", "experiments/{ExperimentId}/runs/{RunId}", False),
    ],
)
def test_subject_format_and_preview(name: str, subject_format: str, preview: bool) -> None:
    info = get_event_type(name)
    assert (info.subject_format, info.preview) == (subject_format, preview)


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("ModelRegistered", ["ModelName", "ModelVersion", "ModelTags", "ModelProperties"]),
        ("ModelDeployed", ["ServiceName", "ServiceComputeType", "ModelIds", "ServiceTags", "ServiceProperties"]),
        ("RunCompleted", ["experimentId", "experimentName", "runId", "runType", "runTags", "runProperties"]),
        (
            "DatasetDriftDetected",
            ["DataDriftId", "DataDriftName", "RunId", "BaseDatasetId", "TargetDatasetId", "DriftCoefficient",
             "StartTime", "EndTime"],
        ),
        ("RunStatusChanged", ["experimentId", "experimentName", "runId", "runType", "runTags", "runProperties",
                              "runStatus"]),
    ],
)
def test_documented_data_fields(name: str, fields: list[str]) -> None:
    assert [f.name for f in get_event_type(name).fields] == fields


def test_live_names_are_camel_case_of_documented_names() -> None:
    for info in EVENT_TYPES:
        for f in info.fields:
            assert f.live_name == f.name[0].lower() + f.name[1:]


def test_model_version_is_typed_string_or_number() -> None:
    assert get_event_type("ModelRegistered").find_field("modelversion").type == "string|number"


def test_to_dict_is_json_with_stable_keys() -> None:
    d = get_event_type("ModelRegistered").to_dict()
    assert list(d) == ["eventType", "name", "subjectFormat", "description", "preview", "dataFields"]
    assert d["dataFields"][0] == {
        "name": "ModelName", "liveName": "modelName", "type": "string",
        "description": d["dataFields"][0]["description"], "optional": False,
    }
    json.dumps([i.to_dict() for i in EVENT_TYPES])


@pytest.mark.parametrize(
    "name",
    ["ModelRegistered", "modelregistered", "MODELREGISTERED", EVENT_PREFIX + "ModelRegistered",
     "microsoft.machinelearningservices.modelregistered"],
)
def test_get_event_type_accepts_short_or_full_in_any_case(name: str) -> None:
    assert get_event_type(name).name == "ModelRegistered"
    assert normalize_event_type(name) == EVENT_PREFIX + "ModelRegistered"
    assert is_aml_event_type(name)


def test_unknown_short_name_suggests_the_closest_short_name() -> None:
    with pytest.raises(InvalidInputError) as info:
        get_event_type("ModelRegisterd")
    assert str(info.value) == "unknown Azure ML event type 'ModelRegisterd'"
    assert info.value.hint == (
        "did you mean 'ModelRegistered'? use one of: ModelRegistered, ModelDeployed, RunCompleted, "
        "DatasetDriftDetected, RunStatusChanged (full names Microsoft.MachineLearningServices.*)"
    )


def test_unknown_full_name_suggests_a_full_name() -> None:
    assert suggest_event_type(EVENT_PREFIX + "RunComplete") == EVENT_PREFIX + "RunCompleted"


@pytest.mark.parametrize(("fragment", "guess"), [("drift", "DatasetDriftDetected"), ("deployed", "ModelDeployed")])
def test_a_fragment_of_one_name_suggests_that_name(fragment: str, guess: str) -> None:
    assert suggest_event_type(fragment) == guess


@pytest.mark.parametrize("fragment", ["run", "model", "ed"])
def test_an_ambiguous_fragment_has_no_suggestion(fragment: str) -> None:
    assert suggest_event_type(fragment) is None


def test_unrelated_name_has_no_suggestion() -> None:
    with pytest.raises(InvalidInputError) as info:
        normalize_event_type("Microsoft.Storage.BlobCreated")
    assert info.value.hint.startswith("use one of: ModelRegistered")
    assert not is_aml_event_type("Microsoft.Storage.BlobCreated")


# --- samples ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("casing", CASINGS)
@pytest.mark.parametrize("name", SHORT_NAMES)
def test_eventgrid_sample_has_the_envelope(name: str, casing: str) -> None:
    event = sample_event(name, "eventgrid", casing)
    assert list(event) == EG_KEYS
    assert event["eventType"] == EVENT_PREFIX + name
    assert event["topic"] == SAMPLE_TOPIC
    assert event["metadataVersion"] == "1"
    assert event["dataVersion"] == ("1" if casing == "live" else "")


@pytest.mark.parametrize("casing", CASINGS)
@pytest.mark.parametrize("name", SHORT_NAMES)
def test_cloudevents_sample_has_the_envelope_and_the_same_data(name: str, casing: str) -> None:
    eg = sample_event(name, "eventgrid", casing)
    ce = sample_event(name, "cloudevents", casing)
    assert list(ce) == CE_KEYS
    assert ce["specversion"] == "1.0"
    assert (ce["source"], ce["subject"], ce["type"], ce["time"], ce["id"]) == (
        eg["topic"], eg["subject"], eg["eventType"], eg["eventTime"], eg["id"])
    assert ce["data"] == eg["data"]


@pytest.mark.parametrize("schema", SCHEMAS)
@pytest.mark.parametrize("name", SHORT_NAMES)
def test_sample_subject_matches_its_type(name: str, schema: str) -> None:
    info = get_event_type(name)
    subject = sample_event(name, schema)["subject"]
    assert any(re.fullmatch(p, subject) for p in info.subject_patterns)


@pytest.mark.parametrize("name", SHORT_NAMES)
def test_documented_sample_data_uses_documented_keys(name: str) -> None:
    info = get_event_type(name)
    data = sample_event(name)["data"]
    assert set(data) == {f.name for f in info.fields}


def test_model_registered_sample_is_the_docs_sample() -> None:
    data = sample_event("ModelRegistered")["data"]
    assert data == {
        "ModelName": "sklearn_regression_model",
        "ModelVersion": 20,
        "ModelTags": {"area": "diabetes", "type": "regression"},
        "ModelProperties": {"type": "test"},
    }


def test_drift_sample_subject_is_concrete_and_singular() -> None:
    event = sample_event("DatasetDriftDetected")
    data = event["data"]
    assert event["subject"] == f"datadrift/{data['DataDriftId']}/run/{data['RunId']}"


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("ModelRegistered", ["modelName", "modelVersion", "modelTags", "modelProperties"]),
        ("ModelDeployed", ["serviceName", "serviceComputeType", "modelIds", "serviceTags", "serviceProperties"]),
        ("DatasetDriftDetected", ["dataDriftId", "dataDriftName", "runId", "baseDatasetId", "targetDatasetId",
                                  "driftCoefficient", "startTime", "endTime"]),
        ("RunCompleted", ["experimentId", "experimentName", "runId", "runType", "runTags", "runProperties"]),
    ],
)
def test_live_casing_uses_camel_case_keys(name: str, keys: list[str]) -> None:
    assert list(sample_event(name, casing="live")["data"]) == keys


def test_live_casing_keeps_nested_keys_and_numeric_version() -> None:
    data = sample_event("ModelRegistered", casing="live")["data"]
    assert data["modelTags"] == {"area": "diabetes", "type": "regression"}
    assert data["modelVersion"] == 20


def test_live_run_status_is_pascal_case() -> None:
    assert sample_event("RunStatusChanged", casing="live")["data"]["runStatus"] == "Failed"
    assert sample_event("RunStatusChanged")["data"]["runStatus"] == "failed"


def test_samples_are_independent_copies() -> None:
    first = sample_event("RunCompleted")
    first["data"]["runProperties"]["iteration"] = "changed"
    assert sample_event("RunCompleted")["data"]["runProperties"]["iteration"] == "5"


@pytest.mark.parametrize(("schema", "casing"), [("xml", "documented"), ("eventgrid", "pascal")])
def test_sample_rejects_unknown_schema_or_casing(schema: str, casing: str) -> None:
    with pytest.raises(InvalidInputError):
        sample_event("ModelRegistered", schema, casing)


# --- apply_overrides --------------------------------------------------------------------------------------

DOC_EVENT = {"subject": "models/a:1", "data": {"ModelName": "a", "ModelTags": {"stage": "dev"}}}


@pytest.mark.parametrize(
    ("assignment", "path", "expected"),
    [
        ("subject=models/churn:3", ["subject"], "models/churn:3"),
        ("data.ModelName=churn", ["data", "ModelName"], "churn"),
        ("data.modelName=churn", ["data", "ModelName"], "churn"),
        ("DATA.MODELTAGS.STAGE=prod", ["data", "ModelTags", "stage"], "prod"),
        ("data.ModelTags.owner=me", ["data", "ModelTags", "owner"], "me"),
        ("data.ModelVersion=3", ["data", "ModelVersion"], 3),
        ("data.ModelVersion=\"3\"", ["data", "ModelVersion"], "3"),
        ("data.DriftCoefficient=0.5", ["data", "DriftCoefficient"], 0.5),
        ("data.flag=true", ["data", "flag"], True),
        ("data.runType=null", ["data", "runType"], None),
        ("data.ModelTags={\"a\": [1]}", ["data", "ModelTags"], {"a": [1]}),
        ("data.ModelName=", ["data", "ModelName"], ""),
        ("data.ModelName=a=b", ["data", "ModelName"], "a=b"),
        ("data.ModelName=NaN", ["data", "ModelName"], "NaN"),
        ("data.ModelName={not json", ["data", "ModelName"], "{not json"),
        ("data.new.deep.key=1", ["data", "new", "deep", "key"], 1),
    ],
)
def test_apply_overrides_sets_the_value_at_the_path(assignment: str, path: list[str], expected: object) -> None:
    node: object = apply_overrides(DOC_EVENT, [assignment])
    for segment in path:
        node = node[segment]  # type: ignore[index]
    assert node == expected


def test_case_insensitive_match_replaces_instead_of_adding_a_key() -> None:
    data = apply_overrides(DOC_EVENT, ["data.modelName=churn"])["data"]
    assert list(data) == ["ModelName", "ModelTags"]


def test_assignments_apply_in_order() -> None:
    event = apply_overrides(DOC_EVENT, ["data.ModelName=x", "data.ModelName=y"])
    assert event["data"]["ModelName"] == "y"


def test_apply_overrides_does_not_mutate_its_input() -> None:
    before = json.dumps(DOC_EVENT)
    apply_overrides(DOC_EVENT, ["data.ModelTags.stage=prod", "subject=x"])
    assert json.dumps(DOC_EVENT) == before


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("subject", "assignment 'subject' has no '='"),
        ("=x", "assignment '=x' has an empty key or path segment"),
        ("data..x=1", "assignment 'data..x=1' has an empty key or path segment"),
        ("data.=1", "assignment 'data.=1' has an empty key or path segment"),
        ("data.ModelName.x=1", "assignment 'data.ModelName.x=1' goes through 'data.ModelName', which is a string, "
                               "not an object"),
        ("subject.x=1", "assignment 'subject.x=1' goes through 'subject', which is a string, not an object"),
    ],
)
def test_bad_assignment_is_invalid_input_with_a_hint(assignment: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        apply_overrides(DOC_EVENT, [assignment])
    assert str(info.value) == message
    assert info.value.hint


# --- subject_matches_type ---------------------------------------------------------------------------------

RUN_TYPES = ["RunCompleted", "RunStatusChanged"]


@pytest.mark.parametrize(
    ("prefix", "fits"),
    [
        ("", SHORT_NAMES),
        ("m", ["ModelRegistered"]),
        ("models/", ["ModelRegistered"]),
        ("models/churn", ["ModelRegistered"]),
        ("models/churn:", ["ModelRegistered"]),
        ("models/churn:3", ["ModelRegistered"]),
        ("MODELS/Churn:3", ["ModelRegistered"]),
        ("e", ["ModelDeployed"] + RUN_TYPES),
        ("endpoints/x", ["ModelDeployed"]),
        ("endpoints/my-sklearn-service", ["ModelDeployed"]),
        ("experiments/", RUN_TYPES),
        ("experiments/0fa9/runs/AutoML_5", RUN_TYPES),
        ("datadrift", ["DatasetDriftDetected"]),
        ("datadrift/01d2/run/01d2_157", ["DatasetDriftDetected"]),
        ("datadrifts/", ["DatasetDriftDetected"]),
        ("datadrifts/{}/runs/{}", ["DatasetDriftDetected"]),
        ("/models/", []),
        ("models", ["ModelRegistered"]),
        ("model/", []),
        ("models/a:1/", []),
        ("models/a/b", []),
        ("models/:1", []),
        ("endpoints/", ["ModelDeployed"]),
        ("endpoints/x/y", []),
        ("experiments//runs", []),
        ("experiments/e/run/", []),
        ("experiments/e/runs/r/", []),
        ("datadrift/d/runs/r", []),
        ("datadrifts/d/run/r", []),
        ("blobServices/default", []),
    ],
)
def test_subject_prefix_fits_the_expected_types(prefix: str, fits: list[str]) -> None:
    assert [i.name for i in EVENT_TYPES if subject_matches_type(prefix, i)] == fits


def test_subject_prefix_case_sensitive_when_asked() -> None:
    info = get_event_type("ModelRegistered")
    assert subject_matches_type("models/Churn", info, case_sensitive=True)
    assert not subject_matches_type("Models/", info, case_sensitive=True)


@pytest.mark.parametrize("name", SHORT_NAMES)
def test_every_prefix_of_a_sample_subject_fits_its_type(name: str) -> None:
    info = get_event_type(name)
    subject = sample_event(name)["subject"]
    assert all(subject_matches_type(subject[:n], info) for n in range(len(subject) + 1))


@pytest.mark.parametrize("pattern", sorted({p for i in EVENT_TYPES for p in i.subject_patterns}))
def test_every_prefix_of_any_valid_subject_fits(pattern: str) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    info = next(i for i in EVENT_TYPES if pattern in i.subject_patterns)

    @settings(max_examples=examples(50), deadline=None)
    @given(st.from_regex(pattern, fullmatch=True))
    def check(subject: str) -> None:
        assert all(subject_matches_type(subject[:n], info) for n in range(len(subject) + 1))

    check()


def test_a_pattern_beyond_the_supported_subset_is_refused() -> None:
    from dataclasses import replace

    info = replace(get_event_type("ModelDeployed"), subject_patterns=("endpoints/.*",))
    with pytest.raises(ValueError, match="beyond literals"):
        subject_matches_type("endpoints/", info)
