"""The worked examples and missing-key outcomes stated by the Event Grid and AML docs (filtering.md §10, §7)."""

from __future__ import annotations

from typing import Any

import pytest

from amlevents.core.filters.evaluate import evaluate
from amlevents.core.filters.model import EventFilter

WORKSPACE = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
    "Microsoft.MachineLearningServices/workspaces/ws"
)
MODEL_REGISTERED = "Microsoft.MachineLearningServices.ModelRegistered"


def eg_event(data: Any = None, subject: str = "s", event_type: str = "Contoso.Items.ItemReceived") -> dict:
    return {"id": "1", "topic": "/t", "subject": subject, "eventType": event_type, "data": data,
            "dataVersion": "1", "metadataVersion": "1", "eventTime": "2024-01-01T00:00:00Z"}


def model_registered(name: str, version: int, tags: dict[str, str]) -> dict:
    """A live-style (camelCase) ModelRegistered event, as in aml-events.md §7.3."""
    return {
        "topic": WORKSPACE,
        "eventType": MODEL_REGISTERED,
        "subject": f"models/{name}:{version}",
        "eventTime": "2019-10-31T00:09:13.7239319Z",
        "id": "3f8ecd80-f53b-4791-87a9-ecfa61163ee9",
        "data": {"modelName": name, "modelVersion": version, "modelTags": tags, "modelProperties": {}},
        "dataVersion": "1",
        "metadataVersion": "1",
    }


def advanced(*filters: dict) -> dict:
    return {"advancedFilters": list(filters)}


COLOR_IN = {"operatorType": "StringIn", "key": "data.color", "values": ["blue", "red", "green"]}
KEY1_NULL = {"operatorType": "IsNullOrUndefined", "key": "data.key1"}
DEVTESTLAB, COMPUTE = "/providers/microsoft.devtestlab/", "/providers/Microsoft.Compute/virtualMachines/"
VM_SUBJECT = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"

EXAMPLES = [
    pytest.param(advanced(COLOR_IN), eg_event({"color": "green"}), True, id="1-stringin-green"),
    pytest.param(advanced(COLOR_IN), eg_event({"color": "yellow"}), False, id="2-stringin-yellow"),
    pytest.param(advanced(KEY1_NULL), eg_event({"key2": 5}), True, id="3-isnull-undefined"),
    pytest.param(advanced(KEY1_NULL), eg_event({"key1": None}), True, id="4-isnull-null"),
    pytest.param(advanced(KEY1_NULL), eg_event({"key1": "value"}), False, id="5-isnull-other-value"),
    pytest.param(
        advanced({"operatorType": "StringContains", "key": "data.key1", "values": ["microsoft", "azure"]}),
        eg_event({"key1": "azure data factory"}), True, id="6-stringcontains",
    ),
    pytest.param(
        advanced({"operatorType": "StringBeginsWith", "key": "data.key1", "values": ["event", "message"]}),
        eg_event({"key1": "event hubs"}), True, id="7-stringbeginswith",
    ),
    pytest.param(
        advanced({"operatorType": "StringEndsWith", "key": "data.key1", "values": ["jpg", "jpeg", "png"]}),
        eg_event({"key1": "eventgrid.png"}), True, id="8-stringendswith",
    ),
    pytest.param(
        advanced({"operatorType": "StringContains", "key": "Subject", "values": [DEVTESTLAB, COMPUTE]}),
        eg_event({}, subject=VM_SUBJECT), True, id="9-or-within-one-filter",
    ),
    pytest.param(
        advanced(
            {"operatorType": "StringContains", "key": "Subject", "values": [DEVTESTLAB]},
            {"operatorType": "StringContains", "key": "Subject", "values": [COMPUTE]},
        ),
        eg_event({}, subject=VM_SUBJECT), False, id="10-and-across-filters",
    ),
    pytest.param(
        {
            "includedEventTypes": [MODEL_REGISTERED],
            "advancedFilters": [{"operatorType": "StringIn", "key": "data.ModelTags.key1", "values": ["value1"]}],
        },
        model_registered("mymodelname", 3, {"key1": "value1"}), True, id="11-aml-model-tag",
    ),
    pytest.param(
        {"includedEventTypes": [MODEL_REGISTERED], "subjectBeginsWith": "models/mymodelname"},
        model_registered("mymodelname", 7, {}), True, id="12-aml-subject-prefix",
    ),
]


@pytest.mark.parametrize(("wire_filter", "event", "delivered"), EXAMPLES)
def test_documented_worked_example(wire_filter: dict, event: dict, delivered: bool) -> None:
    assert evaluate(EventFilter.from_wire(wire_filter), event).delivered is delivered


MISSING_KEY = [
    pytest.param({"operatorType": "NumberGreaterThan", "key": "data.counter", "value": 20}, False, id="gt"),
    pytest.param({"operatorType": "StringNotIn", "key": "data.key1", "values": ["aws", "bridge"]}, True, id="strnotin"),
    pytest.param({"operatorType": "NumberNotIn", "key": "data.counter", "values": [41, 0]}, True, id="numnotin"),
]


@pytest.mark.parametrize(("wire_advanced_filter", "delivered"), MISSING_KEY)
def test_documented_missing_key_outcome(wire_advanced_filter: dict, delivered: bool) -> None:
    verdict = evaluate(EventFilter.from_wire(advanced(wire_advanced_filter)), {"eventType": "T", "data": {}})
    assert verdict.delivered is delivered


def test_aml_example_other_model_is_not_delivered() -> None:
    wire = {"includedEventTypes": [MODEL_REGISTERED], "subjectBeginsWith": "models/mymodelname"}
    assert not evaluate(EventFilter.from_wire(wire), model_registered("othermodel", 1, {})).delivered


def test_aml_leading_slash_subject_never_matches() -> None:
    wire = {"subjectBeginsWith": "/models/"}
    assert not evaluate(EventFilter.from_wire(wire), model_registered("mymodelname", 1, {})).delivered
