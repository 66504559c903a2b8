"""``dump_manifest``: deployed event subscriptions written back as a manifest (for ``amlevents export``).

What the loader would fill in anyway (server defaults, all five event types) is left out, advanced filters are
written as text where that text parses back to the same filter, and every secret (a webhook query value, user-info
password or fragment, a secret delivery attribute value) becomes a ``${VAR}`` reference, so that loading the YAML
with those variables set gives back the same properties.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from amlevents.core.catalog import EVENT_TYPES, get_event_type, is_aml_event_type
from amlevents.core.errors import InvalidInputError
from amlevents.core.filters import (
    AdvancedFilter,
    format_advanced_filter,
    parse_advanced_filter,
)
from amlevents.core.manifest.document import Dumper
from amlevents.core.redact import url_pieces
from amlevents.core.subscription import (
    DEFAULT_EVENT_TTL_MINUTES,
    DEFAULT_MAX_DELIVERY_ATTEMPTS,
    DEFAULT_MAX_EVENTS_PER_BATCH,
    DEFAULT_PREFERRED_BATCH_SIZE_KB,
    DEFAULT_SCHEMA,
    ENDPOINT_TYPES,
    SCHEMAS,
    dead_letter_endpoint_of,
    dead_letter_of,
    destination_of,
    endpoint_of,
)
from amlevents.core.workspace import SYSTEM_TOPIC, WorkspaceRef, parent_of

_ALL_TYPES = frozenset(info.event_type.lower() for info in EVENT_TYPES)
_ENDPOINT_NAMES = {wire: name for name, wire in ENDPOINT_TYPES.items()}
_SCHEMA_NAMES = {wire: name for name, wire in SCHEMAS.items()}
_WORKSPACE_KEYS = {"workspace": "name", "resource_group": "resourceGroup", "subscription": "subscriptionId",
                   "workspace_id": "id"}


class _Reference(str):
    """A ``${VAR}`` the export wrote on purpose: not escaped like the literal strings around it."""


def dump_manifest(
    workspaces: Sequence[tuple[WorkspaceRef | Mapping[str, Any], Sequence[Mapping[str, Any]]]],
) -> tuple[str, dict[str, str]]:
    """Deployed subscriptions as manifest YAML, and the environment variables it references.

    ``workspaces`` pairs a workspace (a ``WorkspaceRef``, manifest keys, or ``resolve_workspace`` arguments) with
    its event-subscription resources as GET returns them (webhooks with the full ``endpointUrl`` from getFullUrl,
    secret delivery attributes with their values from getDeliveryAttributes, where known). Server defaults are
    left out; advanced filters are written as text when that parses back to the same filter. Webhook query values
    (``<NAME>``: the parameter), a user-info password (``PASSWORD``), a fragment (``FRAGMENT``) and secret attribute
    values become ``${AMLEVENTS_<SUBSCRIPTION>_<NAME>}``; the second result maps each such variable to its value.
    Loading the YAML with those variables set gives the same properties.
    """
    variables: dict[str, str] = {}
    entries = []
    for workspace, resources in workspaces:
        if isinstance(workspace, WorkspaceRef):
            entry: dict[str, Any] = {"name": workspace.name, "resourceGroup": workspace.resource_group,
                                     "subscriptionId": workspace.subscription_id}
        else:
            entry = {_WORKSPACE_KEYS.get(k, k): v for k, v in workspace.items() if v is not None}
        entry["subscriptions"] = [_literal(_exported(dict(r), variables)) for r in resources]
        entries.append(entry)
    text = yaml.dump({"version": 1, "workspaces": entries}, Dumper=Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=120)
    return text, variables


def _exported(resource: dict[str, Any], variables: dict[str, str]) -> dict[str, Any]:
    props = resource.get("properties") or {}
    name = resource["name"]
    entry: dict[str, Any] = {"name": name}
    kind, topic = parent_of(resource)
    if kind == SYSTEM_TOPIC:
        entry["systemTopic"] = True if topic is None else topic
    entry.update(_exported_filter(props.get("filter") or {}))
    destination = destination_of(props)
    if destination:
        identity = (props.get("deliveryWithResourceIdentity") or {}).get("identity")
        entry["destination"] = _exported_destination(destination, identity, name, variables)
    dead = dead_letter_of(props)
    if dead:
        entry["deadLetter"] = {"endpoint": dead_letter_endpoint_of(dead)}
        identity = (props.get("deadLetterWithResourceIdentity") or {}).get("identity")
        if identity:
            entry["deadLetter"]["identity"] = _exported_identity(identity)
    retry = props.get("retryPolicy") or {}
    kept = {"maxDeliveryAttempts": retry.get("maxDeliveryAttempts") not in (None, DEFAULT_MAX_DELIVERY_ATTEMPTS),
            "eventTtlMinutes": retry.get("eventTimeToLiveInMinutes") not in (None, DEFAULT_EVENT_TTL_MINUTES)}
    if any(kept.values()):
        entry["retry"] = {k: retry["eventTimeToLiveInMinutes" if k == "eventTtlMinutes" else k]
                          for k, keep in kept.items() if keep}
    if props.get("expirationTimeUtc"):
        entry["expiration"] = props["expirationTimeUtc"]
    if props.get("labels"):
        entry["labels"] = list(props["labels"])
    schema = props.get("eventDeliverySchema")
    if schema and schema != DEFAULT_SCHEMA:
        entry["deliverySchema"] = _SCHEMA_NAMES.get(schema, schema)
    return entry


def _exported_filter(f: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    types = f.get("includedEventTypes") or []
    if types and {t.lower() for t in types} != _ALL_TYPES:
        out["eventTypes"] = [get_event_type(t).name if is_aml_event_type(t) else t for t in types]
    for wire, key in (("subjectBeginsWith", "subjectBeginsWith"), ("subjectEndsWith", "subjectEndsWith")):
        if f.get(wire):
            out[key] = f[wire]
    if f.get("isSubjectCaseSensitive"):
        out["subjectCaseSensitive"] = True
    if f.get("advancedFilters"):
        out["advancedFilters"] = [_exported_advanced(a) for a in f["advancedFilters"]]
    if f.get("enableAdvancedFilteringOnArrays"):
        out["advancedFilteringOnArrays"] = True
    return out


def _exported_advanced(wire: dict[str, Any]) -> str | dict[str, Any]:
    """The filter's text when it parses back to the same filter, else the ARM object."""
    try:
        parsed = AdvancedFilter.from_wire(wire)
        text = format_advanced_filter(parsed)
        if parse_advanced_filter(text).to_wire() == parsed.to_wire():
            return text
    except InvalidInputError:
        pass
    return dict(wire)


def _exported_destination(destination: dict[str, Any], identity: dict[str, Any] | None, name: str,
                          variables: dict[str, str]) -> dict[str, Any]:
    kind = destination.get("endpointType")
    props = destination.get("properties") or {}
    out: dict[str, Any] = {"endpointType": _ENDPOINT_NAMES.get(kind, kind)}
    if kind == "WebHook":
        out["endpoint"] = _templated_url(props.get("endpointUrl") or props.get("endpointBaseUrl") or "", name,
                                         variables)
    else:
        out["endpoint"] = endpoint_of(destination)
    for wire, key, default in _DESTINATION_FIELDS:
        if props.get(wire) not in (None, default):
            out[key] = props[wire]
    mappings = props.get("deliveryAttributeMappings") or []
    if mappings:
        out["deliveryAttributes"] = [_exported_mapping(m, name, variables) for m in mappings]
    if identity:
        out["identity"] = _exported_identity(identity)
    return out


_DESTINATION_FIELDS = (  # wire name, manifest key, the server default left out
    ("maxEventsPerBatch", "maxEventsPerBatch", DEFAULT_MAX_EVENTS_PER_BATCH),
    ("preferredBatchSizeInKilobytes", "preferredBatchSizeInKilobytes", DEFAULT_PREFERRED_BATCH_SIZE_KB),
    ("azureActiveDirectoryTenantId", "aadTenantId", None),
    ("azureActiveDirectoryApplicationIdOrUri", "aadAppIdOrUri", None),
    ("minimumTlsVersionAllowed", "minTlsVersion", None),
    ("queueMessageTimeToLiveInSeconds", "storageQueueMessageTtlSeconds", None),
)


def _exported_mapping(m: dict[str, Any], name: str, variables: dict[str, str]) -> dict[str, Any]:
    props = m.get("properties") or {}
    if m.get("type") == "Dynamic":
        return {"name": m.get("name"), "type": "dynamic", "sourceField": props.get("sourceField")}
    out: dict[str, Any] = {"name": m.get("name"), "type": "static", "value": props.get("value")}
    if props.get("isSecret"):
        out["value"] = _variable(name, str(m.get("name")), str(props.get("value")), variables)
        out["secret"] = True
    return out


def _exported_identity(identity: dict[str, Any]) -> dict[str, Any]:
    out = {"type": str(identity.get("type")).lower()}
    if identity.get("userAssignedIdentity"):
        out["userAssignedIdentity"] = identity["userAssignedIdentity"]
    return out


def _templated_url(url: str, name: str, variables: dict[str, str]) -> str:
    """The URL with each secret piece (core.redact's policy: query values, the user-info password, the fragment)
    replaced by a ``${VAR}`` (recorded in ``variables``), the rest escaped; loading substitutes them back."""
    pieces = url_pieces(url)
    if all(label is None for _text, label in pieces):
        return url
    return _Reference("".join(_escaped(text) if label is None else _variable(name, label, text, variables)
                              for text, label in pieces))


def _variable(subscription: str, field: str, value: str, variables: dict[str, str]) -> _Reference:
    base = re.sub(r"[^A-Z0-9]", "_", f"AMLEVENTS_{subscription}_{field}".upper())
    name, n = base, 2
    while variables.get(name, value) != value:  # the same name for another value: number it
        name, n = f"{base}_{n}", n + 1
    variables[name] = value
    return _Reference("${" + name + "}")


def _escaped(text: str) -> str:
    return text.replace("${", "$${")


def _literal(value: Any) -> Any:
    """Every string taken from Azure with ``${`` escaped, so that loading gives back the same text."""
    if isinstance(value, _Reference):
        return str(value)
    if isinstance(value, str):
        return _escaped(value)
    if isinstance(value, dict):
        return {k: _literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal(v) for v in value]
    return value
