"""Sample AML events (the docs' Event Grid schema samples, in the Event Grid or CloudEvents envelope, documented
or live casing) and the ``--set KEY=VALUE`` overrides ``events sample`` applies to them.

Source: the samples of https://learn.microsoft.com/azure/event-grid/event-schema-machine-learning.
Like ``catalog.py`` this is on the ``events`` fast path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from amlevents.core.catalog import EventTypeInfo, get_event_type
from amlevents.core.errors import InvalidInputError

# The local emulator's seeded workspace: samples carry a concrete, realistic topic instead of the docs' placeholders.
SAMPLE_TOPIC = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlevents-local"
    "/providers/Microsoft.MachineLearningServices/workspaces/local-workspace"
)
SCHEMAS = ("eventgrid", "cloudevents")
CASINGS = ("documented", "live")

# --- samples --------------------------------------------------------------------------------------------------

# The docs' envelope values, shared by every sample (the docs use the same time and id for all five).
_EVENT_TIME = "2017-06-26T18:41:00.9584103Z"
_EVENT_ID = "831e1650-001e-001b-66ab-eeb76e069631"
_RUN_ID = "AutoML_ad912b2d-6467-4f32-a616-dbe4af6dd8fc_5"
_RUN_SUBJECT = f"experiments/0fa9dfaa-cba3-4fa7-b590-23e48548f5c1/runs/{_RUN_ID}"
_ARTIFACTS = f"aml://artifact/ExperimentRun/dcid.{_RUN_ID}/outputs/"
_PIPELINE_ID = "5adc0a4fe02504a586f09a4fcbb241f9a4012062"
_RUN_DATA: dict[str, Any] = {
    "experimentId": "0fa9dfaa-cba3-4fa7-b590-23e48548f5c1",
    "experimentName": "automl-local-regression",
    "runId": _RUN_ID,
    "runType": None,
    "runTags": {},
    "runProperties": {
        "runTemplate": "automl_child",
        "pipeline_id": _PIPELINE_ID,
        "pipeline_spec": (
            '{"objects": [{"class_name": "StandardScaler", "module": "sklearn.preprocessing", "param_args": [], '
            '"param_kwargs": {"with_mean": true, "with_std": false}, "prepared_kwargs": {}, "spec_class": "preproc"}, '
            '{"class_name": "LassoLars", "module": "sklearn.linear_model", "param_args": [], '
            '"param_kwargs": {"alpha": 0.001, "normalize": true}, "prepared_kwargs": {}, "spec_class": "sklearn"}], '
            f'"pipeline_id": "{_PIPELINE_ID}"}}'
        ),
        "training_percent": "100",
        "predicted_cost": "0.062226144097381045",
        "iteration": "5",
        "run_template": "automl_child",
        "run_preprocessor": "StandardScalerWrapper",
        "run_algorithm": "LassoLars",
        "conda_env_data_location": _ARTIFACTS + "conda_env_v_1_0_0.yml",
        "model_name": "AutoMLad912b2d65",
        "scoring_data_location": _ARTIFACTS + "scoring_file_v_1_0_0.py",
        "model_data_location": _ARTIFACTS + "model.pkl",
    },
}
_DRIFT_ID = "01d29aa4-e6a4-470a-9ef3-66660d21f8ef"
_DRIFT_RUN_ID = f"{_DRIFT_ID}_1571590300380"
_TAGS = {"area": "diabetes", "type": "regression"}

# short name -> (subject, data): the docs' Event Grid schema samples, with the drift placeholder subject made
# concrete (the how-to's singular form, built from the sample's own DataDriftId and RunId).
_SAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    "ModelRegistered": (
        "models/sklearn_regression_model:20",
        {
            "ModelName": "sklearn_regression_model",
            "ModelVersion": 20,
            "ModelTags": _TAGS,
            "ModelProperties": {"type": "test"},
        },
    ),
    "ModelDeployed": (
        "endpoints/my-sklearn-service",
        {
            "ServiceName": "my-sklearn-service",
            "ServiceComputeType": "ACI",
            "ModelIds": "sklearn_regression_model:1,sklearn_regression_model:2",
            "ServiceTags": _TAGS,
            "ServiceProperties": {"type": "test"},
        },
    ),
    "RunCompleted": (_RUN_SUBJECT, _RUN_DATA),
    "DatasetDriftDetected": (
        f"datadrift/{_DRIFT_ID}/run/{_DRIFT_RUN_ID}",
        {
            "DataDriftId": _DRIFT_ID,
            "DataDriftName": "myDriftMonitor",
            "RunId": _DRIFT_RUN_ID,
            "BaseDatasetId": "3c56d136-0f64-4657-a0e8-5162089a88a3",
            "TargetDatasetId": "d7e74d2e-c972-4266-b5fb-6c9c182d2a74",
            "DriftCoefficient": 0.83503490684792081,
            "StartTime": "2019-07-04T00:00:00+00:00",
            "EndTime": "2019-07-05T00:00:00+00:00",
        },
    ),
    "RunStatusChanged": (_RUN_SUBJECT, {**_RUN_DATA, "runStatus": "failed"}),
}


def _live_data(info: EventTypeInfo, data: dict[str, Any]) -> dict[str, Any]:
    # Only the top-level keys change case; tag and property maps keep the user's keys.
    out = {(f.live_name if (f := info.find_field(k)) else k): v for k, v in data.items()}
    if isinstance(out.get("runStatus"), str):
        out["runStatus"] = out["runStatus"].capitalize()  # live statuses are PascalCase (Failed, Running ...)
    return out


def sample_event(name: str, schema: str = "eventgrid", casing: str = "documented") -> dict[str, Any]:
    """A sample event of the type ``name`` (short or full, any case), as a new dict.

    ``schema`` is ``eventgrid`` (the docs' Event Grid envelope) or ``cloudevents`` (CloudEvents 1.0, same ``data``).
    ``casing="documented"`` keeps the docs' keys (PascalCase for Model*/DataDrift, ``dataVersion ""``);
    ``"live"`` gives the shape live events arrive in: camelCase keys, ``dataVersion "1"``, PascalCase
    ``runStatus``.
    """
    import copy

    info = get_event_type(name)
    if schema not in SCHEMAS:
        raise InvalidInputError(f"unknown event schema '{schema}'", hint="use one of: " + ", ".join(SCHEMAS))
    if casing not in CASINGS:
        raise InvalidInputError(f"unknown casing '{casing}'", hint="use one of: " + ", ".join(CASINGS))
    subject, data = _SAMPLES[info.name]
    data = copy.deepcopy(data)
    if casing == "live":
        data = _live_data(info, data)
    if schema == "cloudevents":
        return {
            "source": SAMPLE_TOPIC,
            "subject": subject,
            "type": info.event_type,
            "time": _EVENT_TIME,
            "id": _EVENT_ID,
            "data": data,
            "specversion": "1.0",
        }
    return {
        "topic": SAMPLE_TOPIC,
        "subject": subject,
        "eventType": info.event_type,
        "eventTime": _EVENT_TIME,
        "id": _EVENT_ID,
        "data": data,
        "dataVersion": "1" if casing == "live" else "",
        "metadataVersion": "1",
    }


# --- overrides ------------------------------------------------------------------------------------------------

_SET_HINT = "write KEY=VALUE with KEY a dotted path, e.g. data.ModelTags.stage=production or subject=models/churn:3"


def _parse_value(text: str, label: str) -> Any:
    """JSON within ``core.documents``' limits, else the text itself (NaN and Infinity are not JSON: strings).
    JSON beyond a limit (too deep, too many digits, 1e999) is refused rather than silently kept as a string."""
    import json

    from amlevents.core.documents import loads

    try:
        return loads(text, label=label)
    except json.JSONDecodeError:
        return text


def _shown(assignment: str) -> str:
    # an assignment may be megabytes long; messages quote its start
    return assignment if len(assignment) <= 80 else assignment[:77] + "..."


def _type_label(v: Any) -> str:
    if isinstance(v, list):
        return "an array"
    if isinstance(v, bool):
        return "a boolean"
    if v is None:
        return "null"
    return "a string" if isinstance(v, str) else "a number"


def _existing_key(obj: dict[str, Any], segment: str) -> str:
    # Exact match first, else the first key equal ignoring case, so data.modelName replaces ModelName.
    if segment in obj:
        return segment
    low = segment.lower()
    return next((k for k in obj if k.lower() == low), segment)


def apply_overrides(event: dict[str, Any], assignments: Sequence[str]) -> dict[str, Any]:
    """A copy of ``event`` with each ``KEY=VALUE`` assignment applied, in order (``events sample --set``).

    KEY is a dotted path whose segments match existing keys case-insensitively (the existing spelling is kept);
    missing segments are created as objects. VALUE is parsed as JSON when it is valid JSON, else it is a plain
    string. Raises ``InvalidInputError`` naming the assignment when it has no ``=``, an empty key or segment, a
    path through something that is not an object, or a result nested more than ``MAX_DEPTH`` levels (path and
    value together), or a value beyond the other limits of ``core.documents``.
    """
    import copy

    from amlevents.core.documents import MAX_DEPTH, nesting_depth, too_deep

    result = copy.deepcopy(event)
    for full in assignments:
        assignment = _shown(full)
        key, sep, raw = full.partition("=")
        if not sep:
            raise InvalidInputError(f"assignment '{assignment}' has no '='", hint=_SET_HINT)
        segments = key.strip().split(".")
        if len(segments) > MAX_DEPTH:
            raise too_deep(f"--set '{assignment}'")
        if not all(segments):
            raise InvalidInputError(f"assignment '{assignment}' has an empty key or path segment", hint=_SET_HINT)
        node = result
        for depth, segment in enumerate(segments[:-1]):
            name = _existing_key(node, segment)
            child = node.setdefault(name, {})
            if not isinstance(child, dict):
                path = ".".join(segments[: depth + 1])
                raise InvalidInputError(
                    f"assignment '{assignment}' goes through '{path}', which is {_type_label(child)}, not an object",
                    hint=f"set '{path}' itself, or a key under an object such as data",
                )
            node = child
        value = _parse_value(raw, f"--set '{assignment}'")
        # the event is an object (1 level); each path segment below it and the value add theirs
        if len(segments) + nesting_depth(value) > MAX_DEPTH:
            raise too_deep(f"--set '{assignment}'")
        node[_existing_key(node, segments[-1])] = value
    return result
