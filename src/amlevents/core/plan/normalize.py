"""``normalize``: the comparable form of an event subscription's writable ``properties``, without noise.

The properties come from a PUT body (``core.subscription.build_properties``) or from a GET/list; both sides of a
``diff`` go through the same steps:

- **Read-only and unknown top-level fields** (``topic``, ``provisioningState``, ``endpointBaseUrl``...): only the
  fields in ``core.subscription.WRITABLE`` are compared.
- **Nulls**: a GET returns ``"labels": null``, ``"destination": null``, ``"endpointUrl": null`` and null optional
  fields; a null compares as an absent field, at every depth.
- **Server defaults**, filled in when absent: ``retryPolicy`` 30 attempts / 1440 minutes (each half on its own),
  ``eventDeliverySchema`` EventGridSchema, ``maxEventsPerBatch`` 1 and ``preferredBatchSizeInKilobytes`` 64 on
  WebHook and AzureFunction destinations, ``filter.isSubjectCaseSensitive`` false (the recorded GET omits it).
- **Defaults that mean "nothing"**, removed: ``subjectBeginsWith``/``subjectEndsWith`` ``""``,
  ``enableAdvancedFilteringOnArrays`` false, ``labels`` ``[]`` (Terraform's ``+ labels = []`` on every plan,
  TF #17705), an empty ``deliveryAttributeMappings`` list.
- **Event types**: an absent, null or empty ``includedEventTypes`` is the five AML event types, which the service
  fills in; known types take the catalog's spelling (they are enum values, compared case-insensitively); the list
  is a set: sorted, duplicates dropped.
- **ARM id casing** (TF PR #30379; the service answers ``Microsoft.eventhub``): every resource id is
  lower-cased: destination ``resourceId``, dead-letter ``resourceId``, ``userAssignedIdentity``, MonitorAlert
  ``actionGroups``.
- **Enum casing**: ``endpointType`` (``stoRAgequeue``), ``eventDeliverySchema``, identity ``type``, mapping
  ``type`` and ``operatorType`` take their canonical spelling.
- **Numbers**: a whole float is an int (``2.0 == 2``), as the service returns filter values as doubles.
- **Order that carries no meaning**: ``labels`` (an ordered list in the API, but nothing reads the order) are
  sorted with duplicates dropped; advanced filters (AND-ed) are sorted; the ``values`` of every advanced filter
  (each operator means "any of" or "none of") are sorted with duplicates dropped; delivery attribute mappings are
  sorted by header name, and header names are lower-cased (HTTP headers are case-insensitive); ``actionGroups``
  are sorted.
  A reorder in the manifest is therefore not a change. User literals are never rewritten otherwise: advanced
  filter keys and string values, subjects and labels keep their case although Event Grid compares filter
  strings case-insensitively, so a case-only edit there is reported.
- **Expiration**: ``expirationTimeUtc`` compares as an instant (``2030-01-01T01:00:00+01:00`` equals
  ``2030-01-01T00:00:00.0000000Z``).
- **URL casing**: the scheme and host of a webhook URL are lower-cased; path and query are compared as written.

Values a GET hides become markers: a webhook ``endpointUrl`` known only by its ``endpointBaseUrl`` is a
``BaseUrlOnly``, a ``"Hidden"`` secret delivery attribute value is ``UNKNOWN`` (``core.plan_diff`` says what a
comparison makes of them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from amlevents.core.catalog import EVENT_TYPES
from amlevents.core.filters import Operator
from amlevents.core.subscription import (
    BATCH_TYPES,
    DEFAULT_EVENT_TTL_MINUTES,
    DEFAULT_MAX_DELIVERY_ATTEMPTS,
    DEFAULT_MAX_EVENTS_PER_BATCH,
    DEFAULT_PREFERRED_BATCH_SIZE_KB,
    DEFAULT_SCHEMA,
    ENDPOINT_TYPES,
    HIDDEN,
    IDENTITY_TYPES,
    SCHEMAS,
    WRITABLE,
)
from amlevents.core.values import format_utc, parse_instant

DEFAULT_EVENT_TYPES = tuple(sorted(t.event_type for t in EVENT_TYPES))
_EVENT_TYPE_NAMES = {t.event_type.lower(): t.event_type for t in EVENT_TYPES}
_ENUMS = {
    name.lower(): name
    for name in (
        *ENDPOINT_TYPES.values(), "MonitorAlert", "NamespaceTopic", "StorageBlob",  # the destination types
        *(kind for kind in IDENTITY_TYPES.values() if kind),
        "Static", "Dynamic",  # the delivery attribute mapping types
    )
}


@dataclass(frozen=True)
class BaseUrlOnly:
    """A webhook URL of which only ``endpointBaseUrl`` (no query string) is known; ``base`` None: not even that."""

    base: str | None


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()  # a secret delivery attribute value the GET returned as "Hidden"


def normalize(properties: Mapping[str, Any] | None) -> dict[str, Any]:
    """The comparable form of an event subscription's writable properties (PUT body or GET ``properties``).

    See the module docstring for every step. Markers: a webhook ``endpointUrl`` known only by its base is a
    ``BaseUrlOnly``; a ``"Hidden"`` secret attribute value is ``UNKNOWN``.
    """
    props = _numbers(_without_nulls(dict(properties or {})))
    out: dict[str, Any] = {}
    for key in WRITABLE:
        if key in props:
            out[key] = _NORMALIZERS[key](props[key])
    out["filter"] = out.get("filter") or _filter({})
    out.setdefault("eventDeliverySchema", DEFAULT_SCHEMA)
    out["retryPolicy"] = out.get("retryPolicy") or with_retry_defaults({})
    if out.get("labels") == []:
        del out["labels"]
    return {k: out[k] for k in WRITABLE if k in out}


def properties_of(resource: Mapping[str, Any]) -> dict[str, Any]:
    """The ``properties`` of a GET resource, or ``resource`` itself when it is already the properties (a copy)."""
    props = resource.get("properties")
    return dict(props) if isinstance(props, dict) else dict(resource)


def with_retry_defaults(r: Any) -> Any:
    """A ``retryPolicy`` with the server's defaults (30 attempts, 1440 minutes) for the halves it lacks."""
    if not isinstance(r, dict):
        return r
    return {"maxDeliveryAttempts": DEFAULT_MAX_DELIVERY_ATTEMPTS, "eventTimeToLiveInMinutes": DEFAULT_EVENT_TTL_MINUTES,
            **r}


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def _enum(value: Any, table: Mapping[str, str] = _ENUMS) -> Any:
    return table.get(value.lower(), value) if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sort_key(value: Any) -> tuple[int, float, str]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, float(value), "")
    if isinstance(value, str):
        return (2, 0.0, value)
    return (3 if not isinstance(value, bool) else 0, 0.0, json.dumps(value, sort_keys=True, default=repr))


def _as_set(values: Any) -> Any:
    if not isinstance(values, list):
        return values
    unique = {json.dumps(v, sort_keys=True, default=repr): v for v in values}
    return sorted(unique.values(), key=_sort_key)


def _filter(f: Any) -> Any:
    if not isinstance(f, dict):
        return f
    types = f.get("includedEventTypes") or list(DEFAULT_EVENT_TYPES)
    out = {**f, "includedEventTypes": _as_set([_enum(t, _EVENT_TYPE_NAMES) for t in types])}
    for key in ("subjectBeginsWith", "subjectEndsWith"):
        if out.get(key) == "":
            del out[key]
    out.setdefault("isSubjectCaseSensitive", False)
    if out.get("enableAdvancedFilteringOnArrays") is False:
        del out["enableAdvancedFilteringOnArrays"]
    if out.get("advancedFilters") == []:
        del out["advancedFilters"]
    if isinstance(out.get("advancedFilters"), list):
        out["advancedFilters"] = sorted((_advanced(a) for a in out["advancedFilters"]), key=_sort_key)
    return out


def _advanced(a: Any) -> Any:
    if not isinstance(a, dict):
        return a
    op = Operator.lookup(a["operatorType"]) if isinstance(a.get("operatorType"), str) else None
    out = {**a, "operatorType": op.value if op else a.get("operatorType")}
    if "values" in out:
        out["values"] = _as_set(out["values"])
    return out


def _destination(d: Any) -> Any:
    if not isinstance(d, dict):
        return d
    kind = _enum(d.get("endpointType"))
    props = dict(d.get("properties") or {})
    base = props.pop("endpointBaseUrl", None)
    if kind == "WebHook":
        url = props.get("endpointUrl")
        props["endpointUrl"] = _url(url) if isinstance(url, str) and url else BaseUrlOnly(_url(base) if base else None)
    if kind in BATCH_TYPES:
        props.setdefault("maxEventsPerBatch", DEFAULT_MAX_EVENTS_PER_BATCH)
        props.setdefault("preferredBatchSizeInKilobytes", DEFAULT_PREFERRED_BATCH_SIZE_KB)
    if "resourceId" in props:
        props["resourceId"] = _lower(props["resourceId"])
    if isinstance(props.get("actionGroups"), list):
        props["actionGroups"] = _as_set([_lower(g) for g in props["actionGroups"]])
    mappings = props.pop("deliveryAttributeMappings", None)
    if mappings:
        props["deliveryAttributeMappings"] = sorted((_mapping(m) for m in mappings), key=lambda m: str(m.get("name")))
    return {**d, "endpointType": kind, "properties": props}


def _mapping(m: Any) -> Any:
    if not isinstance(m, dict):
        return m
    kind = _enum(m.get("type"))
    props = dict(m.get("properties") or {})
    if kind == "Static":
        props["isSecret"] = props.get("isSecret", False)
        if props["isSecret"] is True and props.get("value") == HIDDEN:
            props["value"] = UNKNOWN
    return {**m, "name": _lower(m.get("name")), "type": kind, "properties": props}


def _identity(i: Any) -> Any:
    if not isinstance(i, dict):
        return i
    out = {**i, "type": _enum(i.get("type"))}
    if "userAssignedIdentity" in out:
        out["userAssignedIdentity"] = _lower(out["userAssignedIdentity"])
    return out


def _with_identity(inner: str, normalize_inner: Any) -> Any:
    def normalize_wrapper(w: Any) -> Any:
        if not isinstance(w, dict):
            return w
        out = {**w, "identity": _identity(w.get("identity"))}
        if inner in w:
            out[inner] = normalize_inner(w[inner])
        return out

    return normalize_wrapper


def _instant(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return format_utc(parse_instant(text.strip()))
    except ValueError:
        return text


def _url(url: str) -> str:
    parts = urlsplit(url.strip())
    netloc = parts.netloc if "@" in parts.netloc else parts.netloc.lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


_NORMALIZERS: dict[str, Any] = {
    "destination": _destination,
    "deliveryWithResourceIdentity": _with_identity("destination", _destination),
    "filter": _filter,
    "labels": _as_set,
    "expirationTimeUtc": _instant,
    "eventDeliverySchema": lambda s: _enum(s, SCHEMAS),
    "retryPolicy": with_retry_defaults,
    "deadLetterDestination": _destination,  # a StorageBlob: only its resourceId needs normalising
    "deadLetterWithResourceIdentity": _with_identity("deadLetterDestination", _destination),
}
