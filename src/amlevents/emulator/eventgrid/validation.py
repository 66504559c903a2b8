"""Event subscription request rules, enforced server-side as Event Grid does (neither the swagger nor the SDK does).

``normalize_properties`` checks a complete ``EventSubscriptionProperties`` object and returns the form the
emulator stores: known fields only (ARM ignores unknown properties and never returns them), canonical enum
spellings, the filter rebuilt through ``amlevents.core.filters`` and ``includedEventTypes`` filled with the five AML
types when omitted (the service returns the topic type's defaults). Every refusal is 400 ``InvalidRequest``.
Only the webhook-URL message is the service's verbatim text (azure-cli#11627); the others follow its pattern.

Decisions where the service is undocumented:

- ``includedEventTypes`` are stored as sent, whatever the topic type publishes: Azure's recorded answer stored
  ``blobCreated``/``blobUpdated`` on a storage account as given (az-cli.md §5 item 7). The client refuses unknown
  event types itself, with its own message, before it sends anything.
- ``[]`` for ``includedEventTypes`` means "the defaults", like an omitted list.
- Batch settings are refused on destinations other than WebHook and AzureFunction, delivery attribute mappings on
  StorageQueue, MonitorAlert and NamespaceTopic destinations (the swagger has no such fields there).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from amlevents.core.catalog import EVENT_TYPES
from amlevents.core.errors import InvalidInputError
from amlevents.core.filters import EventFilter, WireFormatError, limit_violations
from amlevents.core.names import check_name
from amlevents.emulator.eventgrid.contract import (
    ARM_ID_PREFIX,
    BATCH_RANGES,
    DEFAULT_SCHEMA,
    ENDPOINT_FIELDS,
    ENDPOINT_TYPES,
    KEPT_ON_PUT,
    MAX_DELIVERY_ATTRIBUTES,
    PAIRS,
    RESOURCE_FORMS,
    RETRY_RANGES,
    SCHEMAS,
    TLS_VERSIONS,
    WRITABLE,
)
from amlevents.emulator.runtime.errors import invalid_request, invalid_subscription

URL_INVALID = ("Supplied URL is invalid. It cannot be null or empty and should be a proper HTTPS URL like "
               "https://www.example.com.")
DEFAULT_EVENT_TYPES = tuple(t.event_type for t in EVENT_TYPES)


def _form_regex(form: str) -> str:
    return "/".join("[^/]+" if part.startswith("{") else re.escape(part) for part in form.split("/"))


def _canonical(value: Any, choices: tuple[str, ...]) -> str | None:
    if not isinstance(value, str):
        return None
    return next((c for c in choices if c.lower() == value.lower()), None)


def _int(value: Any, what: str) -> int:
    # a non-finite float (NaN, inf) is not an integer: int() of it would raise instead of answering 400
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or (isinstance(value, float) and not math.isfinite(value)) or int(value) != value:
        raise invalid_subscription(f"{what} must be an integer, got {value!r}.")
    return int(value)


def _in_range(value: Any, what: str, low: int, high: int) -> int:
    n = _int(value, what)
    if not low <= n <= high:
        raise invalid_subscription(f"{what} must be between {low} and {high}, got {n}.")
    return n


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_subscription(f"{what} must be a JSON object.")
    return value


def validate_name(name: str) -> None:
    """Event subscription names: 3-64 letters, digits and hyphens (Event Grid's rule, ``core.names.check_name``)."""
    try:
        check_name(name)
    except InvalidInputError:
        raise invalid_request(
            f"Event subscription name '{name}' is invalid. Event subscription names must be between 3 and 64 "
            "characters in length and can contain only letters, digits and hyphens."
        ) from None


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_loopback(url: str) -> bool:
    """Whether ``url``'s host is this machine (a handler on localhost)."""
    return (urlsplit(url).hostname or "").lower() in LOOPBACK_HOSTS


def check_https_url(url: Any, *, allow_http_loopback: bool = False) -> str:
    """The webhook URL if it is an absolute https URL with a host; the service's URL error otherwise.

    ``allow_http_loopback`` (the emulator's ``--allow-http-loopback``, a documented deviation) also accepts
    ``http://`` to a loopback host, for handlers run locally without TLS (Azure refuses every ``http://``)."""
    if not isinstance(url, str) or not url.strip():
        raise invalid_subscription(URL_INVALID)
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    plain_local = scheme == "http" and allow_http_loopback and is_loopback(url.strip())
    if (scheme != "https" and not plain_local) or not parts.hostname:
        raise invalid_subscription(URL_INVALID)
    return url.strip()


def _resource_id(value: Any, endpoint_type: str, what: str = "resourceId") -> str:
    form = RESOURCE_FORMS[endpoint_type]
    if not isinstance(value, str) or not re.fullmatch(ARM_ID_PREFIX + _form_regex(form), value.strip(), re.IGNORECASE):
        raise invalid_subscription(
            f"The {what} '{value}' of the {endpoint_type} destination is not a valid Azure resource ID. It should "
            f"be /subscriptions/{{subscriptionId}}/resourceGroups/{{resourceGroup}}/providers/{form}."
        )
    return value.strip()


def _mappings(value: Any, endpoint_type: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise invalid_subscription("deliveryAttributeMappings must be an array.")
    if len(value) > MAX_DELIVERY_ATTRIBUTES:
        raise invalid_subscription(
            f"{len(value)} delivery attribute mappings exceed the limit of {MAX_DELIVERY_ATTRIBUTES} per event "
            "subscription."
        )
    out, seen = [], set()
    for i, m in enumerate(value):
        m = _object(m, f"deliveryAttributeMappings[{i}]")
        name, kind = m.get("name"), _canonical(m.get("type"), ("Static", "Dynamic"))
        if not isinstance(name, str) or not name.strip():
            raise invalid_subscription(f"deliveryAttributeMappings[{i}] needs a non-empty name.")
        if name.lower() in seen:
            raise invalid_subscription(f"The delivery attribute name '{name}' is used more than once.")
        seen.add(name.lower())
        if kind is None:
            raise invalid_subscription(
                f"Delivery attribute mapping '{name}' has type {m.get('type')!r}; it must be Static or Dynamic.")
        props = m.get("properties") or {}
        _object(props, f"deliveryAttributeMappings[{i}].properties")
        if kind == "Static":
            if not isinstance(props.get("value"), str):
                raise invalid_subscription(f"Static delivery attribute '{name}' needs a string value.")
            secret = props.get("isSecret", False)
            if not isinstance(secret, bool):
                raise invalid_subscription(f"isSecret of delivery attribute '{name}' must be true or false.")
            clean = {"value": props["value"], "isSecret": secret}
        else:
            if not isinstance(props.get("sourceField"), str) or not props["sourceField"].strip():
                raise invalid_subscription(f"Dynamic delivery attribute '{name}' needs a sourceField.")
            clean = {"sourceField": props["sourceField"]}
        out.append({"name": name, "type": kind, "properties": clean})
    return out


def normalize_destination(value: Any, what: str = "destination", *, allow_http_loopback: bool = False,
                          ) -> dict[str, Any]:
    """A checked ``EventSubscriptionDestination`` with canonical endpointType and only its known fields."""
    dest = _object(value, what)
    endpoint_type = _canonical(dest.get("endpointType"), ENDPOINT_TYPES)
    if endpoint_type is None:
        raise invalid_subscription(
            f"Unsupported endpoint type {dest.get('endpointType')!r}. Supported endpoint types are: "
            + ", ".join(ENDPOINT_TYPES) + ".")
    given = _object(dest.get("properties") or {}, f"{what}.properties")
    for batch in BATCH_RANGES:
        if given.get(batch) is not None and batch not in ENDPOINT_FIELDS[endpoint_type]:
            raise invalid_subscription(f"{batch} is supported only for WebHook and AzureFunction destinations.")
    if given.get("deliveryAttributeMappings") and "deliveryAttributeMappings" not in ENDPOINT_FIELDS[endpoint_type]:
        raise invalid_subscription(f"Delivery attribute mappings are not supported for {endpoint_type} destinations.")
    props = {k: given[k] for k in ENDPOINT_FIELDS[endpoint_type] if given.get(k) is not None}
    if endpoint_type == "WebHook":
        props["endpointUrl"] = check_https_url(given.get("endpointUrl"), allow_http_loopback=allow_http_loopback)
        tls = props.get("minimumTlsVersionAllowed")
        if tls is not None and tls not in TLS_VERSIONS:
            raise invalid_subscription(f"minimumTlsVersionAllowed must be 1.0, 1.1 or 1.2, got {tls!r}.")
    elif endpoint_type == "MonitorAlert":
        if _canonical(props.get("severity"), ("Sev0", "Sev1", "Sev2", "Sev3", "Sev4")) is None:
            raise invalid_subscription("A MonitorAlert destination needs a severity between Sev0 and Sev4.")
        groups = props.get("actionGroups") or []
        bad = [g for g in groups if not isinstance(g, str) or not re.fullmatch(
            ARM_ID_PREFIX + "Microsoft.Insights/actionGroups/[^/]+", g, re.IGNORECASE)]
        if bad or not isinstance(groups, list):
            raise invalid_subscription(f"actionGroups must be Microsoft.Insights/actionGroups resource IDs: {bad}.")
    else:
        props["resourceId"] = _resource_id(given.get("resourceId"), endpoint_type)
    if endpoint_type == "StorageQueue":
        if not isinstance(props.get("queueName"), str) or not props["queueName"].strip():
            raise invalid_subscription("A StorageQueue destination needs a queueName.")
        ttl = props.get("queueMessageTimeToLiveInSeconds")
        if ttl is not None and (_int(ttl, "queueMessageTimeToLiveInSeconds") < 1 and ttl != -1):
            raise invalid_subscription(
                f"queueMessageTimeToLiveInSeconds must be -1 (infinite) or a positive number of seconds, got {ttl}.")
    for batch, (low, high) in BATCH_RANGES.items():
        if batch in props:
            props[batch] = _in_range(props[batch], batch, low, high)
    if "deliveryAttributeMappings" in props:
        props["deliveryAttributeMappings"] = _mappings(props["deliveryAttributeMappings"], endpoint_type)
    return {"endpointType": endpoint_type, "properties": props}


def _identity(value: Any, what: str) -> dict[str, Any]:
    identity = _object(value, what)
    kind = _canonical(identity.get("type"), ("SystemAssigned", "UserAssigned"))
    if kind is None:
        raise invalid_subscription(f"{what}.type must be SystemAssigned or UserAssigned.")
    out: dict[str, Any] = {"type": kind}
    if kind == "UserAssigned":
        if not isinstance(identity.get("userAssignedIdentity"), str) or not identity["userAssignedIdentity"]:
            raise invalid_subscription("A UserAssigned identity needs userAssignedIdentity.")
        out["userAssignedIdentity"] = identity["userAssignedIdentity"]
    return out


def _dead_letter(value: Any, what: str) -> dict[str, Any]:
    dest = _object(value, what)
    if _canonical(dest.get("endpointType"), ("StorageBlob",)) is None:
        raise invalid_subscription(f"{what}.endpointType must be StorageBlob.")
    props = _object(dest.get("properties") or {}, f"{what}.properties")
    rid = props.get("resourceId")
    storage_account = ARM_ID_PREFIX + "Microsoft.Storage/storageAccounts/[^/]+"
    if not isinstance(rid, str) or not re.fullmatch(storage_account, rid, re.I):
        raise invalid_subscription(
            f"The dead letter resourceId '{rid}' is not a valid storage account ID. It should be /subscriptions/"
            "{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Storage/storageAccounts/{account}.")
    if not isinstance(props.get("blobContainerName"), str) or not props["blobContainerName"].strip():
        raise invalid_subscription("A StorageBlob dead letter destination needs a blobContainerName.")
    return {"endpointType": "StorageBlob",
            "properties": {"resourceId": rid, "blobContainerName": props["blobContainerName"]}}


def _filter(value: Any) -> dict[str, Any]:
    try:
        event_filter = EventFilter.from_wire(value if value is not None else {}, strict=False)
    except WireFormatError as exc:
        raise invalid_subscription(f"{exc.message}.") from exc
    problems = limit_violations(event_filter)
    if problems:
        raise invalid_subscription("; ".join(problems) + ".")
    wire = event_filter.to_wire()
    if not wire.get("includedEventTypes"):
        wire["includedEventTypes"] = list(DEFAULT_EVENT_TYPES)
    return wire


def _expiration(value: Any, now: datetime) -> str:
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise invalid_subscription(f"expirationTimeUtc '{value}' is not a valid date-time.") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if when <= now:
        raise invalid_subscription(f"Expiration time '{value}' is in the past. It should be a time in the future.")
    return str(value)


def normalize_properties(props: Any, *, now: datetime, check_expiration: bool = True,
                         allow_http_loopback: bool = False) -> dict[str, Any]:
    """The stored form of a complete event subscription's ``properties``; raises 400 ``ArmError`` when invalid."""
    props = props if props is not None else {}
    if not isinstance(props, dict):
        raise invalid_subscription("properties must be a JSON object.")
    out: dict[str, Any] = {}
    has_dest, has_identity = props.get("destination") is not None, props.get("deliveryWithResourceIdentity") is not None
    if has_dest and has_identity:
        raise invalid_subscription("Only one of destination or deliveryWithResourceIdentity can be specified.")
    if has_dest:
        out["destination"] = normalize_destination(props["destination"], allow_http_loopback=allow_http_loopback)
    elif has_identity:
        d = _object(props["deliveryWithResourceIdentity"], "deliveryWithResourceIdentity")
        out["deliveryWithResourceIdentity"] = {
            "identity": _identity(d.get("identity"), "deliveryWithResourceIdentity.identity"),
            "destination": normalize_destination(d.get("destination"), "deliveryWithResourceIdentity.destination",
                                                 allow_http_loopback=allow_http_loopback),
        }
    else:
        raise invalid_subscription("Either destination or deliveryWithResourceIdentity must be specified.")
    out["filter"] = _filter(props.get("filter"))
    labels = props.get("labels")
    if labels is not None:
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise invalid_subscription("labels must be an array of strings.")
        out["labels"] = labels
    if props.get("expirationTimeUtc") is not None:
        out["expirationTimeUtc"] = (_expiration(props["expirationTimeUtc"], now) if check_expiration
                                    else props["expirationTimeUtc"])
    if props.get("eventDeliverySchema") is not None:
        schema = _canonical(props["eventDeliverySchema"], SCHEMAS)
        if schema is None:
            raise invalid_subscription(
                f"The event delivery schema {props['eventDeliverySchema']!r} is not supported. Supported values: "
                + ", ".join(SCHEMAS) + ".")
        out["eventDeliverySchema"] = schema
    if props.get("retryPolicy") is not None:
        retry = _object(props["retryPolicy"], "retryPolicy")
        out["retryPolicy"] = {key: _in_range(retry[key], key, low, high)
                              for key, (low, high) in RETRY_RANGES.items() if retry.get(key) is not None}
    has_dl, has_dl_identity = (props.get("deadLetterDestination") is not None,
                               props.get("deadLetterWithResourceIdentity") is not None)
    if has_dl and has_dl_identity:
        raise invalid_subscription(
            "Only one of deadLetterDestination or deadLetterWithResourceIdentity can be specified.")
    if has_dl:
        out["deadLetterDestination"] = _dead_letter(props["deadLetterDestination"], "deadLetterDestination")
    elif has_dl_identity:
        d = _object(props["deadLetterWithResourceIdentity"], "deadLetterWithResourceIdentity")
        out["deadLetterWithResourceIdentity"] = {
            "identity": _identity(d.get("identity"), "deadLetterWithResourceIdentity.identity"),
            "deadLetterDestination": _dead_letter(d.get("deadLetterDestination"),
                                                  "deadLetterWithResourceIdentity.deadLetterDestination"),
        }
    return out


def merge_update(stored: dict[str, Any], update: Any) -> dict[str, Any]:
    """Stored properties with the PATCH body's top-level fields replacing theirs whole.

    Setting one of a pair (destination / deliveryWithResourceIdentity, deadLetterDestination /
    deadLetterWithResourceIdentity) drops the other, as the service answers ``"destination": null`` after a
    PATCH to identity delivery (``contract.PAIRS``).
    """
    if not isinstance(update, dict):
        raise invalid_subscription("The update body must be a JSON object.")
    merged = dict(stored)
    for key in WRITABLE:
        if update.get(key) is not None:
            merged[key] = update[key]
            if update.get(PAIRS.get(key, "")) is None:
                merged.pop(PAIRS.get(key, ""), None)
    return merged


def keep_on_put(stored: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """A PUT's normalized properties with what the service keeps from the existing subscription when the PUT leaves
    it out (``contract.KEPT_ON_PUT``: the delivery schema)."""
    kept = {key: stored[key] for key in KEPT_ON_PUT if props.get(key) is None and stored.get(key) is not None}
    return {**props, **kept}


def check_schema_change(old: dict[str, Any], new_schema: str | None) -> None:
    """Refuse a different eventDeliverySchema on an existing subscription (the MD#17010 message)."""
    before = old.get("eventDeliverySchema") or DEFAULT_SCHEMA
    after = new_schema or DEFAULT_SCHEMA
    if before != after:
        raise invalid_request(f"The new event delivery schema value {after} cannot be different from the already "
                              f"existing event delivery schema value {before}.")
