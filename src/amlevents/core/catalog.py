"""The Azure Machine Learning event catalog: the five event types, their subjects and ``data`` fields
(sample events are in ``samples.py``).

Everything here comes from the Event Grid schema for Azure Machine Learning
(https://learn.microsoft.com/azure/event-grid/event-schema-machine-learning) and the
Azure Machine Learning how-to (https://learn.microsoft.com/azure/machine-learning/how-to-use-event-grid).
Two facts shape the API:

- The docs spell ``data`` keys in PascalCase for the Model* and DataDrift events, while live events (and the SDK
  models) are camelCase; so every field has a documented ``name`` and a ``live_name``.
- The docs disagree on the drift subject (``datadrift/{id}/run/{runId}`` in the how-to table,
  ``datadrifts/…/runs/…`` in the schema sample), so the drift type accepts both forms.

This module is on the ``events list`` fast path: it imports only ``re`` and ``dataclasses`` eagerly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from amlevents.core.errors import InvalidInputError

TOPIC_TYPE = "Microsoft.MachineLearningServices.Workspaces"
EVENT_PREFIX = "Microsoft.MachineLearningServices."



@dataclass(frozen=True)
class DataField:
    """One top-level key of an event's ``data``, in documented and live casing."""

    name: str
    live_name: str
    type: str  # "string" | "number" | "object" | "datetime" | "string|number"
    description: str
    optional: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form with camelCase keys."""
        return {
            "name": self.name,
            "liveName": self.live_name,
            "type": self.type,
            "description": self.description,
            "optional": self.optional,
        }


@dataclass(frozen=True)
class EventTypeInfo:
    """One AML event type. ``subject_patterns`` are full-match regexes for real subjects of this type."""

    event_type: str
    name: str
    subject_format: str
    subject_patterns: tuple[str, ...]
    description: str
    preview: bool
    fields: tuple[DataField, ...]

    def find_field(self, key: str) -> DataField | None:
        """The field whose documented or live name equals ``key`` case-insensitively, or None."""
        k = key.lower()
        return next((f for f in self.fields if k in (f.name.lower(), f.live_name.lower())), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: eventType, name, subjectFormat, description, preview, dataFields."""
        return {
            "eventType": self.event_type,
            "name": self.name,
            "subjectFormat": self.subject_format,
            "description": self.description,
            "preview": self.preview,
            "dataFields": [f.to_dict() for f in self.fields],
        }


# A subject segment: anything but "/" (run ids, endpoint names); a model name also stops at ":".
_SEG = "[^/]+"
_NAME = "[^/:]+"

_RUN_FIELDS = (
    DataField("experimentId", "experimentId", "string", "The ID of the experiment that the run belongs to."),
    DataField("experimentName", "experimentName", "string", "The name of the experiment that the run belongs to."),
    DataField("runId", "runId", "string", "The ID of the run."),
    DataField("runType", "runType", "string", "The run type (null in the doc sample, e.g. azureml.PipelineRun live)."),
    DataField("runTags", "runTags", "object", "The tags of the run; live keys may contain dots.", optional=True),
    DataField("runProperties", "runProperties", "object", "The properties of the run.", optional=True),
)
_RUN_PATTERN = f"experiments/{_SEG}/runs/{_SEG}"

EVENT_TYPES: tuple[EventTypeInfo, ...] = (
    EventTypeInfo(
        event_type=EVENT_PREFIX + "ModelRegistered",
        name="ModelRegistered",
        subject_format="models/{modelName}:{modelVersion}",
        subject_patterns=(f"models/{_NAME}:{_NAME}",),
        description="Raised when a machine learning model is registered in the workspace.",
        preview=True,
        fields=(
            DataField("ModelName", "modelName", "string", "The name of the model that was registered."),
            # Typed string in the docs, but both the doc sample (20) and live events (1) carry a number.
            DataField("ModelVersion", "modelVersion", "string|number", "The version of the model that was registered."),
            DataField("ModelTags", "modelTags", "object", "The tags of the model.", optional=True),
            DataField("ModelProperties", "modelProperties", "object", "The properties of the model.", optional=True),
        ),
    ),
    EventTypeInfo(
        event_type=EVENT_PREFIX + "ModelDeployed",
        name="ModelDeployed",
        subject_format="endpoints/{serviceId}",
        subject_patterns=(f"endpoints/{_SEG}",),
        description=(
            "Raised when models are deployed to a v1 inference service (ACI or AKS); "
            "a failed deployment raises nothing."
        ),
        preview=True,
        fields=(
            DataField("ServiceName", "serviceName", "string", "The name of the deployed service."),
            DataField("ServiceComputeType", "serviceComputeType", "string", "The service's compute type (ACI, AKS)."),
            DataField("ModelIds", "modelIds", "string", "Comma-separated name:version list of the deployed models."),
            DataField("ServiceTags", "serviceTags", "object", "The tags of the service.", optional=True),
            DataField("ServiceProperties", "serviceProperties", "object", "The service's properties.", optional=True),
        ),
    ),
    EventTypeInfo(
        event_type=EVENT_PREFIX + "RunCompleted",
        name="RunCompleted",
        subject_format="experiments/{ExperimentId}/runs/{RunId}",
        subject_patterns=(_RUN_PATTERN,),
        description="Raised when a run completes; failed or cancelled operations raise no event.",
        preview=False,
        fields=_RUN_FIELDS,
    ),
    EventTypeInfo(
        event_type=EVENT_PREFIX + "DatasetDriftDetected",
        name="DatasetDriftDetected",
        subject_format="datadrift/{data.DataDriftId}/run/{data.RunId}",
        # The how-to table uses the singular form, the schema-doc sample the plural one: accept both.
        subject_patterns=(f"datadrift/{_SEG}/run/{_SEG}", f"datadrifts/{_SEG}/runs/{_SEG}"),
        description="Raised when a (v1) dataset monitor detects drift between its base and target datasets.",
        preview=True,
        fields=(
            DataField("DataDriftId", "dataDriftId", "string", "The ID of the data drift monitor."),
            DataField("DataDriftName", "dataDriftName", "string", "The name of the data drift monitor."),
            DataField("RunId", "runId", "string", "The ID of the run that detected the drift."),
            DataField("BaseDatasetId", "baseDatasetId", "string", "The ID of the base dataset."),
            DataField("TargetDatasetId", "targetDatasetId", "string", "The ID of the target dataset."),
            DataField("DriftCoefficient", "driftCoefficient", "number", "The drift coefficient that raised the event."),
            DataField("StartTime", "startTime", "datetime", "The start of the target dataset window (may be null)."),
            DataField("EndTime", "endTime", "datetime", "The end of the target dataset window (may be null)."),
        ),
    ),
    EventTypeInfo(
        event_type=EVENT_PREFIX + "RunStatusChanged",
        name="RunStatusChanged",
        subject_format="experiments/{ExperimentId}/runs/{RunId}",
        subject_patterns=(_RUN_PATTERN,),
        description=(
            "Raised when a run's status changes (every status, not only failed); "
            "filter on data.runStatus to react to one status."
        ),
        preview=False,
        fields=_RUN_FIELDS
        + (DataField("runStatus", "runStatus", "string", "The new status of the run (PascalCase live, e.g. Failed)."),),
    ),
)

_BY_LOWER: dict[str, EventTypeInfo] = {}
for _info in EVENT_TYPES:
    _BY_LOWER[_info.event_type.lower()] = _info
    _BY_LOWER[_info.name.lower()] = _info


def suggest_event_type(name: str) -> str | None:
    """The catalog name closest to an unknown ``name`` (full if ``name`` has the prefix, else short), or None."""
    import difflib  # only on error paths: keeps the import cost of the happy path tiny

    has_prefix = name.lower().startswith(EVENT_PREFIX.lower())
    short = name[len(EVENT_PREFIX) :] if has_prefix else name
    by_lower = {i.name.lower(): i for i in EVENT_TYPES}
    close = difflib.get_close_matches(short.lower(), list(by_lower), n=1, cutoff=0.6)
    if not close:  # a fragment such as "drift" is far from every name but names exactly one of them
        close = [n for n in by_lower if len(short) >= 3 and short.lower() in n]
    if len(close) != 1:
        return None
    return by_lower[close[0]].event_type if has_prefix else by_lower[close[0]].name


def unknown_event_type(name: str) -> InvalidInputError:
    """The error for an event type the catalog does not know, with the closest name as a suggestion."""
    return _unknown(name)


def _unknown(name: str) -> InvalidInputError:
    hint = "use one of: " + ", ".join(i.name for i in EVENT_TYPES) + f" (full names {EVENT_PREFIX}*)"
    guess = suggest_event_type(name)
    if guess:
        hint = f"did you mean '{guess}'? " + hint
    return InvalidInputError(f"unknown Azure ML event type '{name}'", hint=hint)


def get_event_type(name: str) -> EventTypeInfo:
    """The event type named by ``name`` (short or full name, any case); raises ``InvalidInputError`` if unknown."""
    info = _BY_LOWER.get(name.strip().lower())
    if info is None:
        raise _unknown(name)
    return info


def normalize_event_type(name: str) -> str:
    """The canonical full name for a short or full name in any case, e.g. ``modelregistered`` -> the full name."""
    return get_event_type(name).event_type


def is_aml_event_type(name: str) -> bool:
    """True when ``get_event_type(name)`` would succeed (short or full name, any case)."""
    return name.strip().lower() in _BY_LOWER


# --- subjects -------------------------------------------------------------------------------------------------

# Subject patterns are written in a tiny regex subset (literal characters and negated classes with "+"), which
# lets us derive, for each pattern, a regex that accepts exactly the prefixes of the subjects it accepts.
# Compiled on first use (re caches it): only the lint and subject checks need it, not ``events list``.
_TOKEN = r"\[\^((?:\\.|[^\]\\])+)\]\+|\\(.)|([^\\\[\]().*+?{}|^$])"


def _tokens(pattern: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(pattern):
        m = re.compile(_TOKEN).match(pattern, pos)
        if m is None:
            raise ValueError(f"subject pattern {pattern!r} uses regex syntax beyond literals and [^...]+ at {pos}")
        out.append(("class", m.group(1)) if m.group(1) is not None else ("char", m.group(2) or m.group(3)))
        pos = m.end()
    return out


@lru_cache(maxsize=None)
def _prefix_regex(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    # A string is a prefix of the language of t1 t2 ... tn iff it is empty, or it consumes t1 (a literal
    # character, or one or more class characters) and the rest is a prefix of t2 ... tn. Built inside out as
    # nested optional groups: "(?:m(?:o(?:...)?)?)?".
    rx = ""
    for kind, text in reversed(_tokens(pattern)):
        head = f"[^{text}]+" if kind == "class" else re.escape(text)
        rx = f"(?:{head}{rx})?"
    return re.compile(rx, 0 if case_sensitive else re.IGNORECASE)


def subject_matches_type(subject_prefix: str, info: EventTypeInfo, *, case_sensitive: bool = False) -> bool:
    """Whether some subject of ``info``'s type could begin with ``subject_prefix``.

    ``"models/churn:"`` fits ModelRegistered, ``"experiments/"`` fits both Run* types, ``"/models/"`` fits none.
    Case-insensitive by default, like Event Grid's ``isSubjectCaseSensitive: false``.
    """
    return any(_prefix_regex(p, case_sensitive).fullmatch(subject_prefix) for p in info.subject_patterns)
