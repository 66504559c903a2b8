"""The 2025-02-15 swagger examples, replayed against the emulator over HTTPS and checked against the swagger.

Every ``EventSubscriptions_*ForResource*``, ``SystemTopics_*`` and ``SystemTopicEventSubscriptions_*`` example in
``shared/specs/eventgrid/2025-02-15/examples`` (plus the two workspace-scope examples whose names do not match that
pattern: ``ListByResource`` and ``GetDeliveryAttributes``) is one test. The swagger's ``x-ms-examples`` say which
operation (method, path template, responses) an example belongs to; the example gives the parameter values, which
the ``adapt_*`` functions below move onto the seeded AML workspace. Each replay asserts that the status is one
the example lists, that the body validates against the schema the swagger gives for that status, and that every
top-level and ``properties`` key of the example's response is in the emulator's.

The specs are looked for at ``<repo>/../shared/specs`` (CI copies ``shared/`` beside its fresh clone). When they
are missing the tests skip, saying where the specs come from, or fail under ``CI=true`` (tests/shared_data.py).
"""

from __future__ import annotations

import copy
import json
import re
import time
from functools import cache
from typing import Any

import pytest
import referencing
from emulator_support import API, RG, SCOPE, SUB, WS, raw
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing.jsonschema import DRAFT7
from shared_data import require, shared_path

from amlevents.core.catalog import TOPIC_TYPE
from amlevents.emulator.eventgrid.validation import DEFAULT_EVENT_TYPES

SPECS = shared_path("specs")
EVENTGRID = "eventgrid/2025-02-15/EventGrid.json"
COMMON_TYPES = "common-types/resource-management/v5/types.json"
EXAMPLES = SPECS / "eventgrid/2025-02-15/examples"
PATTERNS = ("EventSubscriptions_*ForResource*.json", "SystemTopics_*.json", "SystemTopicEventSubscriptions_*.json")
# Workspace-scope operations the emulator serves whose example names do not match the patterns above.
EXTRA = ("EventSubscriptions_ListByResource.json", "EventSubscriptions_GetDeliveryAttributes.json")
MISSING = "<shared/specs missing>"
LOCATION = "eastus"
# Keys the example's 201 body shows but the emulator fills in only at read time: a PUT/PATCH answer echoes the
# request, as recordings 01 and 06 show (no eventDeliverySchema when none was sent). They must be in the final GET.
READ_TIME_DEFAULTS = frozenset({"eventDeliverySchema", "retryPolicy"})


def require_specs() -> None:
    require(f"the Event Grid swagger ({EVENTGRID}) and its examples", SPECS,
            lambda specs: (specs / EVENTGRID).is_file() and EXAMPLES.is_dir())


def example_names() -> list[str]:
    if not EXAMPLES.is_dir():
        return [MISSING]
    found = {p.name for pattern in PATTERNS for p in EXAMPLES.glob(pattern)}
    return sorted(found | {name for name in EXTRA if (EXAMPLES / name).is_file()})


# --- the swagger as JSON Schema -------------------------------------------------------------------------------

def _subtypes(definitions: dict[str, Any], base: str) -> dict[str, str]:
    """Discriminator value -> definition name, for every definition that extends ``base`` through allOf."""
    ref = f"#/definitions/{base}"
    return {d.get("x-ms-discriminator-value", name): name for name, d in definitions.items()
            if any(part.get("$ref") == ref for part in d.get("allOf", ()))}


def _nullable(definition: dict[str, Any]) -> None:
    # Swagger 2.0 has no null; ARM (and AutoRest's deserializers) send and accept null for optional properties.
    required = set(definition.get("required", ()))
    for name, prop in definition.get("properties", {}).items():
        if name not in required and prop.get("x-nullable") is not False:
            definition["properties"][name] = {"anyOf": [{"type": "null"}, prop]}


def as_json_schema(swagger: dict[str, Any]) -> dict[str, Any]:
    """Swagger 2.0 definitions as Draft 7: nullable optionals, ``discriminator`` as a dispatch to the subtype.

    A base ``B`` with ``discriminator: k`` becomes ``B__base`` (what subtypes' ``allOf`` now point at) plus a
    ``B`` that applies the base and, for each subtype, ``if k == value then subtype``. ``x-ms-*`` keys and
    ``readOnly`` are left in place: Draft 7 ignores unknown keywords and treats readOnly as an annotation.
    """
    doc = copy.deepcopy(swagger)
    definitions = doc["definitions"]
    for definition in definitions.values():
        _nullable(definition)
    for base in [n for n, d in definitions.items() if "discriminator" in d]:
        key = definitions[base].pop("discriminator")
        subtypes = _subtypes(definitions, base)
        for sub in subtypes.values():
            for part in definitions[sub]["allOf"]:
                if part.get("$ref") == f"#/definitions/{base}":
                    part["$ref"] = f"#/definitions/{base}__base"
        definitions[f"{base}__base"] = definitions[base]
        definitions[base] = {"allOf": [{"$ref": f"#/definitions/{base}__base"}] + [
            {"if": {"properties": {key: {"const": value}}, "required": [key]},
             "then": {"$ref": f"#/definitions/{sub}"}} for value, sub in subtypes.items()]}
    return doc


@cache
def _specs() -> tuple[dict[str, Any], referencing.Registry, str]:
    """(EventGrid.json, a registry holding both spec files, EventGrid.json's URI).

    Each file is keyed by its path in Azure/azure-rest-api-specs (from SOURCES.json), so EventGrid.json's
    ``../../../../../../common-types/...`` reference resolves to the types.json copy exactly as in the repository.
    """
    require_specs()
    sources = json.loads((SPECS / "SOURCES.json").read_text())["files"]
    base = "https://github.com/Azure/azure-rest-api-specs/blob/main/"
    swagger = json.loads((SPECS / EVENTGRID).read_text())
    types = json.loads((SPECS / COMMON_TYPES).read_text())
    # SOURCES.json: the stored types.json names it 'SystemData'; EventGrid.json refers to 'systemData'.
    types["definitions"].setdefault("systemData", types["definitions"]["SystemData"])
    uris = {name: base + sources[name]["path"] for name in (EVENTGRID, COMMON_TYPES)}
    registry = referencing.Registry().with_resources(
        (uris[name], DRAFT7.create_resource(as_json_schema(doc)))
        for name, doc in ((EVENTGRID, swagger), (COMMON_TYPES, types)))
    return swagger, registry, uris[EVENTGRID]


def operation_for(example: str) -> tuple[str, str, dict[str, Any]]:
    """(method, path template, operation) of the swagger operation whose x-ms-examples list ``example``."""
    swagger = _specs()[0]
    for template, methods in swagger["paths"].items():
        for method, op in methods.items():
            if method != "parameters" and any(ref["$ref"].endswith("/" + example)
                                              for ref in op.get("x-ms-examples", {}).values()):
                return method.upper(), template, op
    raise AssertionError(f"no operation in {EVENTGRID} lists the example {example}")


def operation_for_get(template: str) -> dict[str, Any]:
    """The GET on the same path (to check the resource a PUT or PATCH left)."""
    return _specs()[0]["paths"][template]["get"]


def schema_errors(op: dict[str, Any], status: int, body: Any) -> list[str]:
    """Validation errors of ``body`` against the schema the operation gives for ``status`` (none: empty body)."""
    _swagger, registry, uri = _specs()
    ref = op["responses"].get(str(status), {}).get("schema", {}).get("$ref")
    if ref is None:
        return [] if body is None else [f"status {status} has no schema but the body is {body!r}"]
    validator = Draft7Validator({"$ref": uri + ref}, registry=registry)
    return [_describe(e) for e in validator.iter_errors(body)]


def _describe(error: ValidationError) -> str:
    """The innermost cause of an error (anyOf/if-then wrappers hide it), skipping the ``null`` alternatives."""
    while error.context:
        error = best_match([e for e in error.context if e.schema != {"type": "null"}] or error.context)
    return f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"


# --- adapting an example to the seeded workspace --------------------------------------------------------------

def aml_event_types(types: list[str] | None) -> list[str] | None:
    """Other providers' event types -> AML ones, in order (Microsoft.Storage.BlobCreated -> ...ModelRegistered)."""
    if types is None:
        return None
    return [t if t in DEFAULT_EVENT_TYPES else DEFAULT_EVENT_TYPES[i % len(DEFAULT_EVENT_TYPES)]
            for i, t in enumerate(types)]


def adapt_path_parameters(params: dict[str, Any]) -> dict[str, str]:
    """The path parameters, moved onto the seeded subscription, resource group and workspace."""
    seeded = {"scope": SCOPE.lstrip("/"), "subscriptionId": SUB, "resourceGroupName": RG,
              "providerNamespace": "Microsoft.MachineLearningServices", "resourceTypeName": "workspaces",
              "resourceName": WS, "location": LOCATION}
    return {k: seeded.get(k, v) for k, v in params.items() if isinstance(v, str) and k != "api-version"}


def adapt_event_subscription(body: dict[str, Any]) -> dict[str, Any]:
    """A subscription body (PUT or PATCH) with AML event types; destinations are kept (only shapes matter)."""
    body = copy.deepcopy(body)
    props = body.get("properties", body)
    if props.get("filter") and "includedEventTypes" in props["filter"]:
        props["filter"]["includedEventTypes"] = aml_event_types(props["filter"]["includedEventTypes"])
    return body


def adapt_system_topic(body: dict[str, Any]) -> dict[str, Any]:
    """A system topic body on the workspace: source, AML topic type, the workspace's region."""
    body = copy.deepcopy(body)
    if "properties" in body or "location" in body:
        body["location"] = LOCATION
        body["properties"] = {**body.get("properties", {}), "source": SCOPE, "topicType": TOPIC_TYPE}
    return body


def adapt_body(op: dict[str, Any], params: dict[str, Any]) -> Any:
    """The example's request body (the operation's ``in: body`` parameter), adapted; None without one."""
    name = next((p["name"] for p in op.get("parameters", ()) if p.get("in") == "body"), None)
    if name is None or name not in params:
        return None
    adapt = adapt_system_topic if op["operationId"].startswith("SystemTopics_") else adapt_event_subscription
    return adapt(params[name])


def subscription_from_response(resource: dict[str, Any]) -> dict[str, Any]:
    """A PUT body recreating a subscription an example response shows: writable properties, secrets restored."""
    props = {k: v for k, v in resource["properties"].items() if k not in ("topic", "provisioningState")}
    dest = copy.deepcopy(props.get("destination") or {})
    if dest.get("endpointType") == "WebHook":
        url = dest["properties"].pop("endpointBaseUrl", None)
        dest["properties"]["endpointUrl"] = dest["properties"].get("endpointUrl") or url
    return adapt_event_subscription({"properties": {**props, "destination": dest}})


def webhook_with_mappings(url: str, mappings: list[dict[str, Any]]) -> dict[str, Any]:
    """A webhook PUT body carrying delivery attribute mappings (values filled where the example omits them)."""
    filled = [{"name": m["name"], "type": m["type"], "properties": m.get("properties") or (
        {"value": f"value-of-{m['name']}", "isSecret": False} if m["type"] == "Static"
        else {"sourceField": "data.runId"})} for m in mappings]
    props = {"endpointUrl": url, **({"deliveryAttributeMappings": filled} if filled else {})}
    return {"properties": {"destination": {"endpointType": "WebHook", "properties": props}}}


# --- requests -------------------------------------------------------------------------------------------------

def fill(template: str, params: dict[str, str]) -> str:
    return re.sub(r"//+", "/", re.sub(r"\{(\w+)\}", lambda m: params[m[1]], template))


def settle(server: Any, response: Any) -> None:
    """Follow a 201/202's Azure-AsyncOperation until it is terminal, as an SDK poller would."""
    url = response.headers.get("Azure-AsyncOperation")
    deadline = time.monotonic() + 10
    while url:
        status = raw(server, "GET", url[len(server.url):].split("?")[0]).json()["status"]
        if status in ("Succeeded", "Failed", "Canceled"):
            assert status == "Succeeded", status
            return
        assert time.monotonic() < deadline, f"operation {url} still {status}"
        time.sleep(0.02)


def put(server: Any, path: str, body: dict[str, Any]) -> None:
    response = raw(server, "PUT", path, body=body)
    assert response.status_code in (200, 201), (path, response.status_code, response.text)
    settle(server, response)


TOPIC = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.EventGrid/systemTopics"


def topic_body() -> dict[str, Any]:
    return adapt_system_topic({"location": LOCATION, "properties": {}})


def create_preconditions(server: Any, op: dict[str, Any], params: dict[str, str], expected: Any) -> None:
    """Create, through PUTs, what the example presumes exists: its system topic, subscription or list items."""
    operation = op["operationId"]
    is_topic_op = operation.startswith("SystemTopics_")
    if "systemTopicName" in params and operation != "SystemTopics_CreateOrUpdate":
        put(server, f"{TOPIC}/{params['systemTopicName']}", topic_body())
    if operation.startswith("SystemTopics_List"):
        for item in expected["value"]:
            put(server, f"{TOPIC}/{item['name']}", topic_body())
    if is_topic_op:
        return
    if "systemTopicName" in params:
        parent = f"{TOPIC}/{params['systemTopicName']}/eventSubscriptions"
    else:
        parent = f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions"
    name = params.get("eventSubscriptionName")
    if "_List" in operation:
        for item in expected["value"]:
            put(server, f"{parent}/{item['name']}", subscription_from_response(item))
    elif name is not None and "CreateOrUpdate" not in operation:
        if expected and "properties" in expected:
            body = subscription_from_response(expected)
        else:
            url = (expected or {}).get("endpointUrl", "https://requestb.in/15ksip71")
            mappings = (expected or {}).get("value", []) if "DeliveryAttributes" in operation else []
            body = webhook_with_mappings(url, mappings)
        put(server, f"{parent}/{name}", body)


# --- comparing shapes -----------------------------------------------------------------------------------------

def missing_keys(expected: Any, actual: Any) -> list[str]:
    """Top-level and ``properties`` keys (of each list item for lists) the example has and the answer lacks."""
    if not isinstance(expected, dict):
        return []
    if not isinstance(actual, dict):
        return ["<body>"]
    missing = [k for k in expected if k not in actual]
    missing += [f"properties.{k}" for k in expected.get("properties") or {}
                if k not in (actual.get("properties") or {})]
    for i, (e, a) in enumerate(zip(expected.get("value") or [], actual.get("value") or [])):
        missing += [f"value[{i}].{k}" for k in missing_keys(e, a)]
    if isinstance(expected.get("value"), list) and len(actual.get("value") or []) < len(expected["value"]):
        missing.append(f"value[{len(actual.get('value') or [])}:]")
    return missing


# --- the tests ------------------------------------------------------------------------------------------------

def test_the_examples_to_replay_are_all_found():
    require_specs()
    for pattern in PATTERNS:
        assert list(EXAMPLES.glob(pattern)), f"no example matches {pattern} in {EXAMPLES}"
    assert all((EXAMPLES / name).is_file() for name in EXTRA), EXTRA


@pytest.mark.parametrize("example", example_names())
def test_example_replays_with_the_documented_status_and_schema(example, emulator):
    require_specs()
    document = json.loads((EXAMPLES / example).read_text())
    method, template, op = operation_for(example)
    params = adapt_path_parameters(document["parameters"])
    documented = {int(code): (r or {}).get("body") for code, r in document["responses"].items()}
    expected = next((documented[c] for c in (201, 200) if documented.get(c) is not None), None)
    create_preconditions(emulator, op, params, expected)

    path = fill(template, params)
    response = raw(emulator, method, path, body=adapt_body(op, document["parameters"]),
                   params={"api-version": document["parameters"].get("api-version", API)})
    body = response.json() if response.content else None

    assert response.status_code in documented, (response.status_code, sorted(documented), body)
    assert schema_errors(op, response.status_code, body) == []
    expected_here = documented[response.status_code]
    missing = missing_keys(expected_here, body)
    if method in ("PUT", "PATCH") and not op["operationId"].startswith("SystemTopics_"):
        assert set(missing) <= {f"properties.{k}" for k in READ_TIME_DEFAULTS}, missing
        settle(emulator, response)
        final = raw(emulator, "GET", path)
        assert final.status_code == 200
        assert schema_errors(operation_for_get(template), 200, final.json()) == []
        missing = missing_keys(expected_here, final.json())
    assert missing == []
    if "getFullUrl" in template:
        assert body == expected_here  # the example's URL, recreated by the precondition, round-trips
