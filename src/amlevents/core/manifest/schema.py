"""The manifest's JSON Schema, and its violations as readable messages.

One source of truth: ``amlevents manifest schema`` publishes ``manifest_schema()`` for editors, and the loader
(``core.manifest``) validates with the same dict. ``violations(data)`` returns one ``Violation`` per problem
(path, message, hint); the loader reports them all, in file order, each with its line and column. What a schema
cannot say (filter grammar, option combinations, names, ``${VAR}``) is checked by the loader itself.
"""

from __future__ import annotations

import copy
import difflib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from amlevents.core.catalog import EVENT_TYPES
from amlevents.core.filters import RUN_STATUSES, Operator
from amlevents.core.manifest.model import Path
from amlevents.core.subscription import (
    ENDPOINT_TYPES,
    IDENTITY_TYPES,
    SCHEMAS,
    TLS_VERSIONS,
)

__all__ = ["SCHEMA_ID", "Violation", "manifest_schema", "violations"]

SCHEMA_ID = "urn:amlevents:manifest:1"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def manifest_schema() -> dict[str, Any]:
    """The manifest's JSON Schema (Draft 2020-12), with a title and description on every property."""
    return copy.deepcopy(_schema())


@dataclass(frozen=True)
class Violation:
    """One schema violation: where (``path``; ``at_key`` when the key itself is wrong), what, and what to do.
    ``missing`` marks a missing required key (reported after the other problems at its place). ``key``: the
    missing key, or the known key an unknown one is close to (a misspelt key is not reported missing as well)."""

    path: Path
    message: str
    hint: str | None = None
    at_key: bool = False
    missing: bool = False
    key: str | None = None


def violations(data: Any) -> list[Violation]:
    """Every schema violation of ``data`` (a loaded manifest), each made readable; empty when it is valid."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(_schema())
    # best_match descends into anyOf branches, choosing the one the instance was meant for
    # dict.fromkeys: jsonschema raises one `required` error per missing key, each describing them all
    found = list(dict.fromkeys(v for error in validator.iter_errors(data) for v in _describe(best_match([error]))))
    # `nmae:` is an unknown key that means `name`: saying `name` is missing as well would be noise
    meant = {(v.path[:-1], v.key) for v in found if v.at_key and v.key}
    return [v for v in found if not (v.missing and (v.path, v.key) in meant)]


# --- the schema -------------------------------------------------------------------------------------------------


def _prop(title: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"title": title, "description": description, **schema}


def _object(title: str, description: str, properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"title": title, "description": description, "type": "object", "properties": properties,
                           "additionalProperties": False}
    if required:
        out["required"] = list(required)
    return out


def _names(wire: dict[str, str]) -> list[str]:
    """az's lower-case names, then the ARM spellings: both are accepted."""
    return [*wire, *wire.values()]


_STRING = {"type": "string"}
_TEXT = {"type": "string", "minLength": 1}
_ARM_ID = "/subscriptions/{sub}/resourceGroups/{rg}/providers/"


def _identity(what: str) -> dict[str, Any]:
    return _object("Managed identity", f"Use a managed identity of the system topic to {what}.", {
        "type": _prop("Identity type", "systemassigned, or userassigned with userAssignedIdentity.",
                      {"enum": _names({name: wire for name, wire in IDENTITY_TYPES.items() if wire})}),
        "userAssignedIdentity": _prop("User-assigned identity", "ARM id of the identity: " + _ARM_ID
                                      + "Microsoft.ManagedIdentity/userAssignedIdentities/NAME.", _TEXT),
    }, required=("type",))


def _subscription_properties() -> dict[str, Any]:
    short_names = [info.name for info in EVENT_TYPES]
    return {
        "eventTypes": _prop("Event types", "Azure ML event types to deliver, short (ModelRegistered) or full names. "
                            "Default: all (or those the shortcuts imply).",
                            {"type": "array", "minItems": 1, "items": {**_TEXT, "examples": short_names}}),
        "subjectBeginsWith": _prop("Subject begins with", "Literal subject prefix, e.g. models/churn:.", _STRING),
        "subjectEndsWith": _prop("Subject ends with", "Literal subject suffix.", _STRING),
        "subjectCaseSensitive": _prop("Subject case-sensitive", "Compare the subject filters case-sensitively "
                                      "(default false).", {"type": "boolean"}),
        "advancedFilters": _prop("Advanced filters", "Each one either the --advanced-filter text (KEY OPERATOR "
                                 "[VALUE ...]) or the ARM object {operatorType, key, value|values}.", {
                                     "type": "array",
                                     "items": {"anyOf": [{**_TEXT, "title": "Advanced filter text"},
                                                         {"$ref": "#/$defs/advancedFilter"}]}}),
        "advancedFilteringOnArrays": _prop("Advanced filtering on arrays", "Let advanced filters match array "
                                           "values (default false).", {"type": "boolean"}),
        "shortcuts": {"$ref": "#/$defs/shortcuts"},
        "destination": {"$ref": "#/$defs/destination"},
        "deadLetter": {"$ref": "#/$defs/deadLetter"},
        "retry": {"$ref": "#/$defs/retry"},
        "expiration": _prop("Expiration", "When the subscription expires: a date (midnight UTC) or an ISO 8601 "
                            "date-time (UTC without an offset); must lie in the future.", _TEXT),
        "labels": _prop("Labels", "Free-form labels.", {"type": "array", "items": _TEXT}),
        "deliverySchema": _prop("Event delivery schema", "Default eventgridschema.", {"enum": _names(SCHEMAS)}),
        "systemTopic": _prop("Under the system topic", "false: on the workspace; true: under the workspace's "
                             "system topic (an existing one is reused, else <workspace>-events is created); a "
                             "name: the system topic's name.", {"type": ["boolean", "string"], "minLength": 1}),
    }


def _workspace(system_topic: dict[str, Any]) -> dict[str, Any]:
    guid = "^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$"
    return _object("Workspace", "An Azure ML workspace: id, or name with resourceGroup and subscriptionId (which "
                   "fall back like the CLI: environment, then config.json); or select: many workspaces.", {
                       "id": _prop("Workspace id", "ARM id: " + _ARM_ID
                                   + "Microsoft.MachineLearningServices/workspaces/NAME.", _TEXT),
                       "name": _prop("Workspace name", "The workspace's name.", _TEXT),
                       "resourceGroup": _prop("Resource group", "Its resource group.", _TEXT),
                       "subscriptionId": _prop("Subscription id", "Its Azure subscription (a GUID).",
                                               {"type": "string", "pattern": guid}),
                       "select": _select(guid),
                       "systemTopic": system_topic,
                       "subscriptions": _prop("Event subscriptions", "The event subscriptions the workspace should "
                                              "have.", {"type": "array", "items": {"$ref": "#/$defs/subscription"}}),
                   }, required=("subscriptions",))


def _select(guid: str) -> dict[str, Any]:
    globs = {"type": "array", "minItems": 1, "items": _TEXT}
    glob = ("Globs (* any run of characters, ? one, [abc] one of) compared case-insensitively, as Azure compares "
            "names; any one may match.")
    return _object("Select workspaces", "Instead of id or name: every workspace (found with one Azure Resource "
                   "Graph query) that matches ALL keys given gets this entry's subscriptions. A named entry (id or "
                   "name) overrides a selector for its workspace (the more specific wins); two selectors matching "
                   "one workspace with different subscriptions are an error.", {
                       "subscriptions": _prop("Azure subscriptions", "Subscription ids (GUIDs), or \"*\" (the "
                                              "default): every subscription the caller can see.", {
                                                  "anyOf": [{"const": "*"}, {"type": "array", "minItems": 1,
                                                                             "items": {"type": "string",
                                                                                       "pattern": guid}}]}),
                       "resourceGroups": _prop("Resource groups", "Resource group globs. " + glob, globs),
                       "names": _prop("Workspace names", "Workspace name globs, e.g. *-prod. " + glob, globs),
                       "locations": _prop("Locations", "Azure locations (westeurope; case and spaces ignored); "
                                          "any one may match.", globs),
                       "tags": _prop("Tags", "Every tag must be present; keys compare case-insensitively, values "
                                     "are globs compared case-insensitively.",
                                     {"type": "object", "additionalProperties": {"type": ["string", "integer"]}}),
                   })


def _advanced_filter() -> dict[str, Any]:
    return _object("Advanced filter", "An ARM AdvancedFilter object.", {
        "operatorType": _prop("Operator", "The operator.", {"enum": [op.value for op in Operator]}),
        "key": _prop("Key", "The event field, e.g. data.ModelTags.stage.", _TEXT),
        "value": _prop("Value", "NumberLessThan/GreaterThan[OrEquals]: a number; BoolEquals: true or false.",
                       {"type": ["number", "boolean"]}),
        "values": _prop("Values", "The list operators: strings, numbers, or [low, high] pairs for the ranges.",
                        {"type": "array", "minItems": 1, "items": {"type": ["string", "number", "array"]}}),
    }, required=("operatorType", "key"))


def _shortcuts() -> dict[str, Any]:
    tags = {"type": "object", "additionalProperties": {"type": ["string", "integer"]}}
    return _object("Azure ML shortcuts", "Filters by Azure ML names; each implies the event types it can match "
                   "when eventTypes is not given.", {
                       "modelName": _prop("Model name", "Subject prefix models/NAME: (ModelRegistered).", _TEXT),
                       "modelVersion": _prop("Model version", "Subject suffix :VERSION; needs modelName.",
                                             {"type": ["string", "integer"]}),
                       "experimentId": _prop("Experiment id", "Subject prefix experiments/ID/ (run events).", _TEXT),
                       "experimentName": _prop("Experiment name", "data.experimentName (run events).", _TEXT),
                       "serviceName": _prop("Service name", "Subject endpoints/NAME (ModelDeployed).", _TEXT),
                       "modelTags": _prop("Model tags", "data.ModelTags.KEY must equal the value.", tags),
                       "runTags": _prop("Run tags", "data.runTags.KEY must equal the value.", tags),
                       "runStatus": _prop("Run statuses", "data.runStatus is one of these (RunStatusChanged).", {
                           "type": "array", "minItems": 1, "items": {**_TEXT, "examples": list(RUN_STATUSES)}}),
                   })


def _destination() -> dict[str, Any]:
    batch = "webhook and azurefunction"
    return _object("Destination", "Where events are delivered.", {
        "endpointType": _prop("Endpoint type", "Default webhook.", {"enum": _names(ENDPOINT_TYPES)}),
        "endpoint": _prop("Endpoint", "A webhook's https URL (keep keys in ${VARIABLES}), a storage queue's id "
                          "(.../storageAccounts/SA/queueServices/default/queues/Q), or the ARM id of the Event Hub, "
                          "Service Bus queue or topic, relay hybrid connection or function.", _TEXT),
        "maxEventsPerBatch": _prop("Max events per batch", f"{batch} (default 1).",
                                   {"type": "integer", "minimum": 1, "maximum": 5000}),
        "preferredBatchSizeInKilobytes": _prop("Preferred batch size (KB)", f"{batch} (default 64).",
                                               {"type": "integer", "minimum": 1, "maximum": 1024}),
        "aadTenantId": _prop("Entra ID tenant", "Entra ID-protected webhook: the tenant.", _TEXT),
        "aadAppIdOrUri": _prop("Entra ID application", "Entra ID-protected webhook: the application id or URI.",
                               _TEXT),
        "minTlsVersion": _prop("Minimum TLS version", "webhook only.",
                               {"enum": [*TLS_VERSIONS, *(float(v) for v in TLS_VERSIONS)]}),
        "storageQueueMessageTtlSeconds": _prop("Queue message TTL (s)", "storagequeue only; -1: never expire.",
                                               {"type": "integer", "minimum": -1}),
        "deliveryAttributes": _prop("Delivery attributes", "Headers added to each delivery (at most 10).", {
            "type": "array", "maxItems": 10, "items": {"$ref": "#/$defs/deliveryAttribute"}}),
        "identity": _identity("deliver events"),
    })


def _delivery_attribute() -> dict[str, Any]:
    return _object("Delivery attribute", "A static header value (optionally secret) or one copied from an event "
                   "field.", {
                       "name": _prop("Header name", "The header's name.", _TEXT),
                       "type": _prop("Type", "static or dynamic.",
                                     {"enum": ["static", "dynamic", "Static", "Dynamic"]}),
                       "value": _prop("Value", "static: the value (secrets in ${VARIABLES}).", _STRING),
                       "secret": _prop("Secret", "static: Azure hides the value.", {"type": "boolean"}),
                       "sourceField": _prop("Source field", "dynamic: the event field, e.g. data.runId.", _TEXT),
                   }, required=("name", "type"))


def _dead_letter() -> dict[str, Any]:
    return _object("Dead-lettering", "Where undeliverable events go.", {
        "endpoint": _prop("Blob container", "The container's ARM id: "
                          ".../storageAccounts/SA/blobServices/default/containers/NAME.", _TEXT),
        "identity": _identity("write dead letters"),
    }, required=("endpoint",))


def _retry() -> dict[str, Any]:
    return _object("Retry policy", "How long Event Grid retries a delivery.", {
        "maxDeliveryAttempts": _prop("Max delivery attempts", "1-30 (default 30).",
                                     {"type": "integer", "minimum": 1, "maximum": 30}),
        "eventTtlMinutes": _prop("Event time to live (min)", "1-1440 (default 1440).",
                                 {"type": "integer", "minimum": 1, "maximum": 1440}),
    })


def _defs() -> dict[str, Any]:
    props = _subscription_properties()
    name = _prop("Name", "3-64 letters, digits and hyphens; unique in the workspace (any case).", _TEXT)
    return {
        "workspace": _workspace(props["systemTopic"]),
        "subscription": _object("Event subscription", "One event subscription: everything `subscription create` "
                                "takes. Keys it does not give come from defaults.", {"name": name, **props},
                                required=("name",)),
        "defaults": _object("Defaults", "Merged into every subscription: its own keys win, maps merge (a "
                            "destination of another endpointType replaces the default one), lists replace.", props),
        "advancedFilter": _advanced_filter(),
        "shortcuts": _shortcuts(),
        "destination": _destination(),
        "deliveryAttribute": _delivery_attribute(),
        "deadLetter": _dead_letter(),
        "retry": _retry(),
    }


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": "amlevents manifest",
        "description": "The event subscriptions Azure ML workspaces should have. Strings may reference environment "
        "variables as ${NAME}, or ${NAME:-default} for a value used when NAME is unset or empty ($${ is a literal "
        "${).",
        "type": "object",
        "properties": {
            "$schema": _prop("Schema", "The URI or path of this schema, for editors.", _STRING),
            "version": _prop("Format version", "Always 1.", {"const": 1}),
            "defaults": {"$ref": "#/$defs/defaults"},
            "workspaces": _prop("Workspaces", "The workspaces and their event subscriptions.",
                                {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/workspace"}}),
        },
        "required": ["version", "workspaces"],
        "additionalProperties": False,
        "$defs": _defs(),
    }


# --- readable violations ----------------------------------------------------------------------------------------

_TYPE_NAMES = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "true or false",
               "array": "a list", "object": "a mapping", "null": "nothing"}


def _describe(error: Any) -> list[Violation]:
    """The violations one schema error stands for: one per unknown key, one per missing key, else one."""
    path: Path = tuple(error.absolute_path)
    kind, instance, expected = error.validator, error.instance, error.validator_value
    if kind == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        found = []
        for key in (k for k in instance if k not in known):
            close = difflib.get_close_matches(key, known, n=1)
            lead = f"Did you mean '{close[0]}'? " if close else ""
            found.append(Violation((*path, key), f"unknown key '{key}'", f"{lead}Allowed here: {', '.join(known)}.",
                                   at_key=True, key=close[0] if close else None))
        return found
    if kind == "required":
        return [Violation(path, f"missing required key '{key}'", missing=True, key=key)
                for key in expected if key not in instance]
    return [_describe_value(error, path, kind, instance, expected)]


def _describe_value(error: Any, path: Path, kind: str, instance: Any, expected: Any) -> Violation:
    if kind == "type" or (kind == "anyOf" and all(e.validator == "type" for e in error.context)):
        types = [expected] if isinstance(expected, str) else list(expected)
        if kind == "anyOf":
            types = [t for e in error.context for t in ([e.validator_value] if isinstance(e.validator_value, str)
                                                         else e.validator_value)]
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in dict.fromkeys(types))
        hint = None
        if "string" in types and isinstance(instance, (bool, int, float)):
            hint = f"Quote it to make it a string: \"{json.dumps(instance)}\"."
        return Violation(path, f"expected {wanted}, got {_shown(instance)}", hint)
    if kind == "enum":
        # show az's lower-case names, not their ARM twins, nor the YAML-number twins of "1.2"
        lower = {v for v in expected if isinstance(v, str) and v == v.lower()}
        allowed = [v for v in expected if isinstance(v, str) and (v == v.lower() or v.lower() not in lower)]
        close = difflib.get_close_matches(str(instance), allowed, n=1)
        hint = f"Did you mean '{close[0]}'?" if close else None
        return Violation(path, f"{_shown(instance)} is not one of {', '.join(allowed)}", hint)
    if kind == "const":
        return Violation(path, f"must be {json.dumps(expected)}, got {_shown(instance)}")
    if kind in ("minLength", "minItems") and expected == 1:
        return Violation(path, "must not be empty")
    if kind == "anyOf" and "title" in error.schema:  # select.subscriptions: "*" or a list
        return Violation(path, f"{_shown(instance)} is not valid for {error.schema['title']}",
                         error.schema.get("description"))
    if kind == "pattern":
        return Violation(path, f"{_shown(instance)} is not a valid {error.schema.get('title', 'value').lower()}",
                         error.schema.get("description"))
    return Violation(path, error.message)


def _shown(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    if value is None:
        return "nothing (null)"
    return json.dumps(value, ensure_ascii=False)
