"""lint(): warnings for filters that can never match an Azure ML event (reference: filtering.md §2-4)."""

from __future__ import annotations

import pytest
from campaigns import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from amlevents.core.filters.lint import lint
from amlevents.core.filters.model import AdvancedFilter, EventFilter, Operator

P = "Microsoft.MachineLearningServices."


def types(*names: str) -> EventFilter:
    return EventFilter(included_event_types=names)


def key(k: str, op: Operator = Operator.StringIn, *, only: tuple[str, ...] | None = None) -> EventFilter:
    """A filter with one advanced filter on ``k`` (a plausible value for ``op``), for the ``only`` types."""
    wire = {"operatorType": op.value, "key": k, "value": 1, "values": [1] if op.value.startswith("Number") else ["1"]}
    kind_fields = {"none": (), "number": ("value",), "bool": ("value",)}.get(op.kind.value, ("values",))
    advanced = AdvancedFilter.from_wire({f: wire[f] for f in ("operatorType", "key", *kind_fields)})
    return EventFilter(included_event_types=only, advanced_filters=(advanced,))


def test_an_empty_filter_is_clean() -> None:
    assert lint(EventFilter()) == []


# --- includedEventTypes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_filter", "expected"),
    [
        (types("Microsoft.Storage.BlobCreated"),
         "'Microsoft.Storage.BlobCreated', which is not an Azure ML event type, so a workspace never raises it; "
         "use one of ModelRegistered"),
        (types(P + "ModelRegisterd"), f"did you mean '{P}ModelRegistered'?"),
        (types("ModelRegistered"), f"the short name 'ModelRegistered', which matches no event; use the full name "
                                   f"'{P}ModelRegistered'"),
        (types("runcompleted"), f"use the full name '{P}RunCompleted'"),
        (types(P.lower() + "runcompleted"), f"differs from '{P}RunCompleted' only in case;"),
        (types(f" {P}RunCompleted"), f"differs from '{P}RunCompleted' only in case or surrounding spaces"),
        (types("All"), "leave includedEventTypes out (null)"),
    ],
)
def test_event_type_warnings(event_filter: EventFilter, expected: str) -> None:
    warnings = lint(event_filter)
    assert len(warnings) == 1
    assert expected in warnings[0]


@pytest.mark.parametrize(
    "event_filter",
    [
        EventFilter(),
        types(),
        types(P + "ModelRegistered", P + "RunStatusChanged"),
        types(*(P + n for n in ["ModelRegistered", "ModelDeployed", "RunCompleted", "DatasetDriftDetected",
                                "RunStatusChanged"])),
    ],
)
def test_exact_full_names_are_clean(event_filter: EventFilter) -> None:
    assert lint(event_filter) == []


def test_only_foreign_types_skip_the_subject_and_key_checks() -> None:
    event_filter = EventFilter(
        included_event_types=("Microsoft.Storage.BlobCreated",),
        subject_begins_with="/blobServices/default/",
        advanced_filters=(AdvancedFilter(Operator.StringIn, "data.url", values=("x",)),),
    )
    assert len(lint(event_filter)) == 1


# --- subjectBeginsWith ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_filter", "expected"),
    [
        (EventFilter(subject_begins_with="/models/"), "starts with '/', but AML subjects have no leading '/'; "
                                                      "use 'models/'"),
        (EventFilter(subject_begins_with="/"), "remove subjectBeginsWith"),
        (EventFilter(subject_begins_with="blobServices/"),
         "fits no Azure ML event subject; begin it like one of their subject formats: "
         "models/{modelName}:{modelVersion}, endpoints/{serviceId}"),
        (EventFilter(included_event_types=(P + "ModelRegistered",), subject_begins_with="experiments/"),
         "fits no ModelRegistered subject; begin it like one of their subject formats: "
         "models/{modelName}:{modelVersion}."),
        (EventFilter(included_event_types=(P + "DatasetDriftDetected",), subject_begins_with="datadrift/a/runs/"),
         "datadrift/{data.DataDriftId}/run/{data.RunId}"),
        (EventFilter(subject_begins_with="Models/", is_subject_case_sensitive=True),
         "differs in case from the AML subject formats"),
        (EventFilter(included_event_types=(P + "ModelRegistered", P + "RunCompleted"), subject_begins_with="models/"),
         "excludes every RunCompleted event although includedEventTypes selects it"),
    ],
)
def test_subject_warnings(event_filter: EventFilter, expected: str) -> None:
    warnings = lint(event_filter)
    assert len(warnings) == 1
    assert expected in warnings[0]


@pytest.mark.parametrize(
    "event_filter",
    [
        EventFilter(subject_begins_with=""),
        EventFilter(subject_begins_with="models/mymodelname"),
        EventFilter(subject_begins_with="MODELS/", is_subject_case_sensitive=False),
        EventFilter(subject_begins_with="experiments/"),
        EventFilter(included_event_types=(P + "RunCompleted", P + "RunStatusChanged"), subject_begins_with="exp"),
        EventFilter(included_event_types=(P + "DatasetDriftDetected",), subject_begins_with="datadrifts/a/runs/"),
        EventFilter(included_event_types=(P + "DatasetDriftDetected",), subject_begins_with="datadrift/a/run/"),
    ],
)
def test_fitting_subjects_are_clean(event_filter: EventFilter) -> None:
    assert lint(event_filter) == []


# --- advanced filter keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_filter", "expected"),
    [
        (key("data.Foo"), "'data.Foo' names a field that no Azure ML event carries"),
        (key("data.runStatus", only=(P + "ModelRegistered",)),
         "no ModelRegistered event carries, so it is always missing; use one of their data fields: ModelName, "
         "ModelVersion, ModelTags, ModelProperties."),
        (key("data"), "names no data field"),
        (key("data.ModelName.first"), "looks inside ModelName, which is a string"),
        (key("data.runTags.azureml.pipelineid"), "cannot reach the 'azureml.pipelineid' entry of runTags"),
        (key("data.runProperties.azureml.runsource"), "AML writes azureml.* keys with dots"),
        (key("data.ModelTags"), "is the whole ModelTags object, which StringIn never matches"),
        (key("data.ModelVersion"), "StringIn on 'data.ModelVersion' compares strings, but AML sends ModelVersion "
                                   "as a number"),
        (key("data.modelVersion", Operator.StringBeginsWith), "use a Number operator"),
        (key("data.DriftCoefficient", Operator.StringContains), "sends DriftCoefficient as a number"),
        (key("eventTime"), "'eventTime' is not a field Event Grid filters on"),
        (key("metadataVersion"), "is not a field Event Grid filters on"),
    ],
)
def test_key_warnings(event_filter: EventFilter, expected: str) -> None:
    warnings = lint(event_filter)
    assert len(warnings) == 1
    assert expected in warnings[0]


@pytest.mark.parametrize(
    "event_filter",
    [
        key("data.ModelName"),
        key("data.modelName"),
        key("Data.MODELTAGS.stage"),
        key("data.modelTags.any.depth"),
        key("data.runTags.stage"),
        key("data.runProperties.runTemplate"),
        key("data.runStatus", only=(P + "RunStatusChanged",)),
        key("data.RunId", only=(P + "DatasetDriftDetected",)),
        key("data.ModelVersion", Operator.NumberIn),
        key("data.ModelVersion", Operator.NumberGreaterThanOrEquals),
        key("data.ModelTags", Operator.IsNotNull),
        key("data.runType", Operator.IsNullOrUndefined),
        key("Subject"),
        key("eventtype"),
        key("DataVersion"),
        key("id"),
        key("source"),
        key("specversion"),
    ],
)
def test_good_keys_are_clean(event_filter: EventFilter) -> None:
    assert lint(event_filter) == []


def test_the_same_warning_is_given_once() -> None:
    bad = AdvancedFilter(Operator.StringIn, "data.Foo", values=("x",))
    assert len(lint(EventFilter(advanced_filters=(bad, bad)))) == 1


def test_warnings_come_in_filter_order() -> None:
    event_filter = EventFilter(
        included_event_types=("ModelRegistered",),
        subject_begins_with="/models/",
        advanced_filters=(AdvancedFilter(Operator.StringIn, "data.Foo", values=("x",)),),
    )
    assert [w.split(" ")[0] for w in lint(event_filter)] == ["includedEventTypes", "subjectBeginsWith", "advanced"]


@settings(max_examples=examples(200), deadline=None)
@given(
    included=st.none() | st.lists(st.text(max_size=40), max_size=3).map(tuple),
    subject=st.none() | st.text(max_size=40),
    case_sensitive=st.none() | st.booleans(),
    keys=st.lists(st.text(min_size=1, max_size=30), max_size=3),
)
def test_lint_never_raises(
    included: tuple[str, ...] | None, subject: str | None, case_sensitive: bool | None, keys: list[str]
) -> None:
    event_filter = EventFilter(
        included_event_types=included,
        subject_begins_with=subject,
        is_subject_case_sensitive=case_sensitive,
        advanced_filters=tuple(AdvancedFilter(Operator.StringIn, k, values=("v",)) for k in keys),
    )
    assert all(isinstance(w, str) and w for w in lint(event_filter))
