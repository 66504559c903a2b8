"""The emulator's own statement of Event Grid's facts (emulator/eventgrid/contract.py) agrees with the swagger.

The emulator does not import the client's idea of these facts, so each is checked here against the source it
cites: the Event Grid swagger 2025-02-15 in the project's shared/ folder (skipped with a reason when it is not
beside the clone, failed under ``CI=true``: tests/shared_data.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from shared_data import require, shared_path

from amlevents.emulator.eventgrid import contract

SWAGGER = shared_path("specs", "eventgrid", "2025-02-15", "EventGrid.json")


@pytest.fixture(scope="module")
def definitions() -> dict[str, Any]:
    require("the Event Grid swagger (eventgrid/2025-02-15/EventGrid.json)", SWAGGER, lambda p: p.is_file())
    return json.loads(SWAGGER.read_text())["definitions"]


def destination_properties(definitions: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """endpointType -> the ``properties`` of that destination subtype (its fields by name)."""
    base = "#/definitions/EventSubscriptionDestination"
    found = {}
    for d in definitions.values():
        if any(part.get("$ref") == base for part in d.get("allOf", ())):
            ref = d["properties"]["properties"]["$ref"].rsplit("/", 1)[1]
            found[d["x-ms-discriminator-value"]] = definitions[ref]["properties"]
    return found


def writable_fields(definitions: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {kind: tuple(name for name, p in props.items() if not p.get("readOnly"))
            for kind, props in destination_properties(definitions).items()}


def batch_defaults(definitions: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {kind: {name: props[name]["default"] for name in ("maxEventsPerBatch", "preferredBatchSizeInKilobytes")}
            for kind, props in destination_properties(definitions).items() if "maxEventsPerBatch" in props}


FACTS: list[tuple[str, Any, Callable[[dict[str, Any]], Any]]] = [
    ("writable", contract.WRITABLE,
     lambda d: tuple(d["EventSubscriptionUpdateParameters"]["properties"])),
    ("schemas", contract.SCHEMAS,
     lambda d: tuple(d["EventSubscriptionProperties"]["properties"]["eventDeliverySchema"]["enum"])),
    ("default-schema", contract.DEFAULT_SCHEMA,
     lambda d: d["EventSubscriptionProperties"]["properties"]["eventDeliverySchema"]["default"]),
    ("retry-defaults", contract.RETRY_DEFAULTS,
     lambda d: {name: p["default"] for name, p in d["RetryPolicy"]["properties"].items()}),
    ("endpoint-fields", contract.ENDPOINT_FIELDS, writable_fields),
    ("batch-defaults", {kind: contract.BATCH_DEFAULTS for kind in contract.BATCH_TYPES}, batch_defaults),
    ("tls-versions", contract.TLS_VERSIONS,
     lambda d: tuple(d["WebHookEventSubscriptionDestinationProperties"]["properties"]["minimumTlsVersionAllowed"]
                     ["enum"])),
]


@pytest.mark.parametrize(("stated", "from_swagger"), [(stated, read) for _, stated, read in FACTS],
                         ids=[name for name, _, _ in FACTS])
def test_the_emulator_states_the_swaggers_fact(definitions, stated, from_swagger):
    assert stated == from_swagger(definitions)


def test_each_pair_is_two_writable_fields_that_exclude_each_other():
    assert set(contract.PAIRS) <= set(contract.WRITABLE)
    assert all(contract.PAIRS[other] == field for field, other in contract.PAIRS.items())
