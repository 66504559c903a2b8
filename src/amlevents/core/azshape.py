"""The shape ``az eventgrid event-subscription show/list/create/update -o json`` prints, built from the REST JSON.

az deserializes the service's JSON into the SDK's models and prints them back: every ``properties`` level is
flattened into its object (``destination.properties.endpointBaseUrl`` -> ``destination.endpointBaseUrl``), every
attribute of the model appears (``null`` when the service sent none), timestamps are Python ``isoformat()``
(``2026-12-07T05:23:17.770884+00:00``: six fraction digits at most, ``+00:00`` for ``Z``), keys are sorted at
every level, and the top level gains ``resourceGroup`` (parsed from ``id``). Captured from az 2.91.0
(azure-mgmt-eventgrid 10.2.0b2) against the emulator: tests/cli/fixtures/az_shapes/.

Values the SDK would drop (a key a newer API adds) are kept: they cannot break a query written for az. Numbers
stay as sent (az prints the SDK's floats: ``2.0`` in a ``NumberIn`` filter where the service sent ``2``).
"""

from __future__ import annotations

import re
from typing import Any

# Model -> every attribute az prints (the SDK model's attributes, flattened). Only models az fills with nulls
# are listed; other objects (advanced filters, systemData's present keys) are copied with sorted keys.
_SUBSCRIPTION = ("deadLetterDestination", "deadLetterWithResourceIdentity", "deliveryWithResourceIdentity",
                 "destination", "eventDeliverySchema", "expirationTimeUtc", "filter", "id", "labels", "name",
                 "provisioningState", "retryPolicy", "systemData", "topic", "type")
_FILTER = ("advancedFilters", "enableAdvancedFilteringOnArrays", "includedEventTypes", "isSubjectCaseSensitive",
           "subjectBeginsWith", "subjectEndsWith")
_RESOURCE = ("endpointType", "resourceId", "deliveryAttributeMappings")
# endpointType -> the destination's attributes (an endpoint type the SDK does not know keeps what was sent)
_DESTINATIONS: dict[str, tuple[str, ...]] = {
    "WebHook": ("endpointType", "endpointUrl", "endpointBaseUrl", "maxEventsPerBatch", "preferredBatchSizeInKilobytes",
                "azureActiveDirectoryTenantId", "azureActiveDirectoryApplicationIdOrUri", "deliveryAttributeMappings"),
    "StorageQueue": ("endpointType", "resourceId", "queueName", "queueMessageTimeToLiveInSeconds"),
    "EventHub": _RESOURCE, "ServiceBusQueue": _RESOURCE, "ServiceBusTopic": _RESOURCE, "HybridConnection": _RESOURCE,
    "AzureFunction": (*_RESOURCE, "maxEventsPerBatch", "preferredBatchSizeInKilobytes"),
    "PartnerDestination": ("endpointType", "resourceId"),
}
_DEAD_LETTERS = {"StorageBlob": ("endpointType", "resourceId", "blobContainerName")}
_MAPPINGS = {"Static": ("name", "type", "value", "isSecret"), "Dynamic": ("name", "type", "sourceField")}
_IDENTITY = ("type", "userAssignedIdentity")
_TIMESTAMPS = frozenset({"expirationTimeUtc", "createdAt", "lastModifiedAt"})

# An ARM timestamp: the SDK parses it to a datetime (truncating to microseconds) and az prints isoformat().
_ISO = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", re.IGNORECASE)


def az_shape(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` (an event subscription's REST JSON) as az prints it: see the module docstring."""
    if not isinstance(resource, dict):
        return resource
    out = _model(resource, _SUBSCRIPTION, stamps=True)
    for key, convert in _NESTED.items():
        if isinstance(out.get(key), dict):
            out[key] = convert(out[key])
    labels = out.get("labels")
    if isinstance(labels, list):
        out["labels"] = list(labels)
    rg = _resource_group(out.get("id"))
    if rg is not None:
        out["resourceGroup"] = rg
    return dict(sorted(out.items()))


def _model(data: dict[str, Any], fields: tuple[str, ...] | None, *, stamps: bool = False) -> dict[str, Any]:
    """``data`` with its ``properties`` flattened in, every one of ``fields`` present (null when absent), and with
    ``stamps`` its timestamps as az prints them."""
    props = data.get("properties")
    if isinstance(props, dict):
        out = {k: v for k, v in data.items() if k != "properties"}
        out.update(props)
    else:
        out = dict(data)
    for key in fields or ():
        if key not in out:
            out[key] = None
    if stamps:
        for key in _TIMESTAMPS.intersection(out):
            out[key] = _timestamp(out[key])
    return out


def _sorted(data: dict[str, Any]) -> dict[str, Any]:
    return dict(sorted(data.items()))


def _destination(data: dict[str, Any]) -> dict[str, Any]:
    out = _model(data, _DESTINATIONS.get(data.get("endpointType")))  # type: ignore[arg-type]
    mappings = out.get("deliveryAttributeMappings")
    if isinstance(mappings, list):
        out["deliveryAttributeMappings"] = [
            _sorted(_model(m, _MAPPINGS.get(m.get("type")))) if isinstance(m, dict) else m for m in mappings]
    return _sorted(out)


def _dead_letter(data: dict[str, Any]) -> dict[str, Any]:
    return _sorted(_model(data, _DEAD_LETTERS.get(data.get("endpointType"))))  # type: ignore[arg-type]


def _filter(data: dict[str, Any]) -> dict[str, Any]:
    out = _model(data, _FILTER)
    advanced = out.get("advancedFilters")
    if isinstance(advanced, list):
        out["advancedFilters"] = [_sorted(f) if isinstance(f, dict) else f for f in advanced]
    return _sorted(out)


def _with_identity(destination_key: str, convert: Any) -> Any:
    def shape(data: dict[str, Any]) -> dict[str, Any]:
        out = _model(data, ("identity", destination_key))
        if isinstance(out.get("identity"), dict):
            out["identity"] = _sorted(_model(out["identity"], _IDENTITY))
        if isinstance(out.get(destination_key), dict):
            out[destination_key] = convert(out[destination_key])
        return _sorted(out)
    return shape


_NESTED = {
    "destination": _destination,
    "deadLetterDestination": _dead_letter,
    "filter": _filter,
    "retryPolicy": lambda d: _sorted(_model(d, ("eventTimeToLiveInMinutes", "maxDeliveryAttempts"))),
    "systemData": lambda d: _sorted(_model(d, None, stamps=True)),
    "deliveryWithResourceIdentity": _with_identity("destination", _destination),
    "deadLetterWithResourceIdentity": _with_identity("deadLetterDestination", _dead_letter),
}


def _timestamp(value: Any) -> Any:
    """An ARM timestamp as Python's ``datetime.isoformat()`` prints the SDK's parse of it; anything else as is."""
    found = _ISO.fullmatch(value) if isinstance(value, str) else None
    if not found:
        return value
    whole, fraction, zone = found.groups()
    micro = (fraction or "")[:6].ljust(6, "0")
    zone = "+00:00" if zone.upper() == "Z" or zone == "-00:00" else zone
    return f"{whole.upper()}{'.' + micro if int(micro) else ''}{zone}"


def _resource_group(resource_id: Any) -> str | None:
    """The resource group az adds from ``id`` (its rule: the 4th segment is literally ``resourceGroups``)."""
    if not isinstance(resource_id, str):
        return None
    parts = resource_id.split("/")
    return parts[4] if len(parts) > 4 and parts[3] == "resourceGroups" else None
