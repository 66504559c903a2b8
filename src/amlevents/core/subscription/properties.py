"""An event subscription's writable properties, built from options: one path for create, update and manifests.

``SubscriptionOptions`` holds what the user gave (None = not given). ``desired_properties`` applies the options
to a starting ``properties`` object (empty for a new subscription, the current one for an update) and returns
the complete result. ``build_properties`` (the PUT body) and ``subscription_update.merge_update`` (the PATCH
body, a difference) are thin layers over it, so create and update cannot disagree on a field's wire shape.

Only what the user gave is sent, plus what az and azure-mgmt-eventgrid 10.4 always send on create:
``filter.isSubjectCaseSensitive`` (false), ``retryPolicy`` (30 attempts, 1440 minutes) and, for WebHook and
AzureFunction, ``maxEventsPerBatch`` 1 and ``preferredBatchSizeInKilobytes`` 64.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from typing import Any

from amlevents.core.errors import InvalidInputError
from amlevents.core.filters import EventFilter
from amlevents.core.subscription.destination import (
    dead_letter_fields,
    delivery_fields,
    touches_destination,
)
from amlevents.core.subscription.options import (
    DEFAULT_EVENT_TTL_MINUTES,
    DEFAULT_MAX_DELIVERY_ATTEMPTS,
    SCHEMAS,
    WRITABLE,
    SubscriptionOptions,
)
from amlevents.core.values import as_utc, format_utc, int_in_range, parse_instant

_CLEARS = {
    "clear_labels": ("--clear-labels", "labels", "--labels"),
    "clear_expiration": ("--clear-expiration", "expiration", "--expiration-date"),
    "clear_deadletter": ("--clear-dead-letter", "deadletter_endpoint", "--deadletter-endpoint"),
}


def build_properties(
    options: SubscriptionOptions, event_filter: EventFilter, *, now: datetime | None = None,
    allow_http_loopback: bool = False,
) -> dict[str, Any]:
    """The ``properties`` object of the PUT body that creates a subscription.

    Requires ``options.endpoint``. ``filter`` and ``retryPolicy`` are always present (defaults 30/1440, as az
    sends them); labels, schema, expiration and dead-lettering only when given. ``now`` (default: the current
    UTC time) is what an expiration must lie after. ``allow_http_loopback`` (the target is the emulator) lets an
    ``http://`` loopback webhook through (``destination.parse_endpoint``).
    """
    for attr, (flag, _, _) in _CLEARS.items():
        if getattr(options, attr):
            raise InvalidInputError(f"{flag} applies to subscription update only")
    if options.clear_delivery_attributes:
        raise InvalidInputError("--clear-delivery-attributes applies to subscription update only")
    if options.endpoint is None:
        raise InvalidInputError(
            "--endpoint is required to create a subscription",
            hint="Pass a webhook https URL, or a resource id together with --endpoint-type.",
        )
    return desired_properties({}, options, event_filter, now=now, allow_http_loopback=allow_http_loopback)


def desired_properties(
    base: dict[str, Any],
    options: SubscriptionOptions,
    event_filter: EventFilter | None,
    *,
    now: datetime | None = None,
    allow_http_loopback: bool = False,
) -> dict[str, Any]:
    """``base`` (writable properties, see ``writable_properties``) with ``options`` and ``event_filter`` applied.

    A field the options do not name is kept exactly as ``base`` has it. A field they change is rebuilt whole,
    carrying over from ``base`` whatever the user did not name (e.g. the other half of ``retryPolicy``, or the
    delivery attribute mappings of a destination whose batch size changes). A new subscription (empty ``base``)
    gets the defaults az sends. ``event_filter`` None keeps the filter.
    """
    _check_conflicts(options)
    out = dict(base)
    creating = not base
    delivery = delivery_fields(base, options, allow_http_loopback=allow_http_loopback)
    if delivery is not None:
        out.pop("destination", None)
        out.pop("deliveryWithResourceIdentity", None)
        out.update(delivery)
    if event_filter is not None:
        out["filter"] = filter_wire(event_filter)
    if options.labels is not None:
        out["labels"] = list(options.labels)
    if options.clear_labels or out.get("labels") == []:
        out.pop("labels", None)
    if options.expiration is not None:
        out["expirationTimeUtc"] = expiration_wire(options.expiration, now=now)
    if options.clear_expiration:
        out.pop("expirationTimeUtc", None)
    if options.delivery_schema is not None:
        out["eventDeliverySchema"] = schema_wire(options.delivery_schema)
    if creating or options.max_delivery_attempts is not None or options.event_ttl_minutes is not None:
        out["retryPolicy"] = _retry_policy(out.get("retryPolicy") or {}, options)
    dead_letter = dead_letter_fields(base, options)
    if dead_letter is not None:
        out.pop("deadLetterDestination", None)
        out.pop("deadLetterWithResourceIdentity", None)
        out.update(dead_letter)
    return {k: out[k] for k in WRITABLE if k in out}


def writable_properties(properties: dict[str, Any]) -> dict[str, Any]:
    """The writable fields of a GET's ``properties``, without nulls, ``endpointBaseUrl`` or empty labels."""
    out: dict[str, Any] = {}
    for key in WRITABLE:
        value = properties.get(key)
        if value is None or (key == "labels" and value == []):
            continue
        if key == "destination":
            value = _clean_destination(value)
        elif key == "deliveryWithResourceIdentity" and isinstance(value, dict) and value.get("destination"):
            value = {**value, "destination": _clean_destination(value["destination"])}
        out[key] = value
    return out


def _clean_destination(destination: dict[str, Any]) -> dict[str, Any]:
    props = destination.get("properties") or {}
    clean = {k: v for k, v in props.items() if v is not None and k != "endpointBaseUrl"}
    return {**destination, "properties": clean}


def filter_wire(event_filter: EventFilter) -> dict[str, Any]:
    """The filter's wire JSON with ``isSubjectCaseSensitive`` false when not set, as the SDK sends it."""
    if event_filter.is_subject_case_sensitive is None:
        event_filter = dataclasses.replace(event_filter, is_subject_case_sensitive=False)
    return event_filter.to_wire()


def schema_wire(name: str) -> str:
    """The wire ``eventDeliverySchema`` for ``--event-delivery-schema`` in any case."""
    wire = SCHEMAS.get(name.strip().lower())
    if wire is None:
        raise InvalidInputError(
            f"--event-delivery-schema '{name}' is not a delivery schema",
            hint="Use eventgridschema, cloudeventschemav1_0 or custominputschema.",
        )
    return wire


def expiration_wire(value: str | date, *, now: datetime | None = None) -> str:
    """``expirationTimeUtc`` for ``--expiration-date``: ISO 8601 in UTC with a ``Z``; it must lie after ``now``.

    A date means midnight UTC; a date-time without an offset is UTC; one with an offset is converted.
    """
    if isinstance(value, str):
        try:
            moment = parse_instant(value.strip())
        except ValueError:
            raise InvalidInputError(
                f"--expiration-date '{value}' is not an ISO 8601 date or date-time",
                hint="Write e.g. 2030-12-31 or 2030-12-31T23:59:59Z (without an offset the time is UTC).",
            ) from None
    elif isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.combine(value, datetime.min.time())
    moment = as_utc(moment)
    now = now or datetime.now(timezone.utc)
    if moment <= now:
        raise InvalidInputError(
            f"--expiration-date {format_utc(moment)} is not in the future",
            hint=f"It is now {format_utc(now)}; give a later date or time.",
        )
    return format_utc(moment)


def _check_conflicts(o: SubscriptionOptions) -> None:
    for attr, (flag, other_attr, other_flag) in _CLEARS.items():
        if getattr(o, attr) and getattr(o, other_attr) is not None:
            raise InvalidInputError(f"{flag} and {other_flag} contradict each other", hint="Give one of them.")
    if o.clear_deadletter and (o.deadletter_identity is not None or o.deadletter_identity_user_id is not None):
        raise InvalidInputError("--clear-dead-letter and --deadletter-identity contradict each other")
    if o.labels is not None and not all(isinstance(x, str) and x for x in o.labels):
        raise InvalidInputError("--labels must be non-empty strings")


def _retry_policy(current: dict[str, Any], o: SubscriptionOptions) -> dict[str, Any]:
    attempts = current.get("maxDeliveryAttempts", DEFAULT_MAX_DELIVERY_ATTEMPTS)
    ttl = current.get("eventTimeToLiveInMinutes", DEFAULT_EVENT_TTL_MINUTES)
    if o.max_delivery_attempts is not None:
        attempts = int_in_range(o.max_delivery_attempts, "--max-delivery-attempts", 1, 30)
    if o.event_ttl_minutes is not None:
        ttl = int_in_range(o.event_ttl_minutes, "--event-ttl", 1, 1440)
    return {"maxDeliveryAttempts": attempts, "eventTimeToLiveInMinutes": ttl}


def needs_hydration(options: SubscriptionOptions) -> bool:
    """True when an update re-sends the destination (or the whole subscription) and so needs the real webhook
    URL and secret attribute values, which a GET hides."""
    return touches_destination(options) or options.clear_deadletter or options.clear_expiration


