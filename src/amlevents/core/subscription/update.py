"""``subscription update``: the PATCH body that changes exactly what the user named, and filter edits.

Event Grid's PATCH (``EventSubscriptionUpdateParameters``) replaces every top-level field it carries whole
and keeps the others, so the body carries each field that changes, complete, and nothing else. az instead
rebuilds the whole object and loses settings on the way (delivery attributes, the destination type, the
dead-letter destination, the whole advanced-filter list: ``update_event_subscription`` in
https://github.com/Azure/azure-cli/blob/dev/src/azure-cli/azure/cli/command_modules/eventgrid/custom.py);
here a field is rebuilt from the current one with only the named options applied
(``core.subscription.desired_properties``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from amlevents.core.errors import InvalidInputError
from amlevents.core.filters import (
    EventFilter,
    FilterSpec,
    WireFormatError,
    build_filter,
    to_filter,
)
from amlevents.core.subscription.options import (
    DEFAULT_SCHEMA,
    WRITABLE,
    SubscriptionOptions,
)
from amlevents.core.subscription.properties import (
    desired_properties,
    filter_wire,
    schema_wire,
    writable_properties,
)
from amlevents.core.values import parse_instant

# Setting one field of a pair makes the service drop the other (recording 07: "destination": null afterwards).
PAIRS = {
    "destination": "deliveryWithResourceIdentity",
    "deliveryWithResourceIdentity": "destination",
    "deadLetterDestination": "deadLetterWithResourceIdentity",
    "deadLetterWithResourceIdentity": "deadLetterDestination",
}


def merge_update(
    current: dict[str, Any],
    options: SubscriptionOptions,
    event_filter: EventFilter | None,
    *,
    now: datetime | None = None,
    allow_http_loopback: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """The PATCH body and the names of the top-level fields that change; ``({}, [])`` when nothing changes.

    ``allow_http_loopback`` (the target is the emulator) lets a new ``http://`` loopback webhook through.

    ``current`` is the subscription's ``properties`` from a GET, hydrated by the caller: the webhook's
    ``endpointUrl`` from getFullUrl and secret delivery attribute values from getDeliveryAttributes (read-only
    fields are ignored). ``event_filter`` is the complete new filter (see ``edit_filter``) or None.

    What the body carries, per kind of change (each field whole, with everything the user did not name kept):

    - endpoint, endpoint type, batching, AAD, TLS, queue TTL, delivery attribute mappings: the whole
      ``destination`` (or ``deliveryWithResourceIdentity`` with its identity), with the current URL, batch
      settings, AAD ids and every mapping (secret values included) that the endpoint type still has.
      ``--endpoint`` alone keeps the current endpoint type (az made it a WebHook, bug 8). Given mappings replace
      those of the same name and add the others; ``clear_delivery_attributes`` drops the current ones first.
    - ``--delivery-identity``: the destination moves into ``deliveryWithResourceIdentity`` (or, with ``none``,
      back to ``destination``); only the new field is sent, the service drops the other.
    - retry attempts or TTL: ``retryPolicy`` with the other half unchanged.
    - filter: ``filter`` when it differs from the current one (absent case flags count as false, ``""``
      subjects as absent).
    - labels: the new list (it replaces the current one); ``clear_labels`` sends ``[]``.
    - expiration: ``expirationTimeUtc``; ``clear_expiration`` sends ``null``.
    - dead-letter endpoint or identity: ``deadLetterDestination`` or ``deadLetterWithResourceIdentity``.
    - ``clear_deadletter`` sends ``null`` for the current dead-letter field. **Azure ignores that null**
      (MicrosoftDocs/azure-docs#10703: PATCH ``"deadLetterDestination": null`` leaves dead-lettering on, while
      ``"labels": null`` works), and the API has no other way to remove it in a PATCH. So the body states the
      intent honestly and ``needs_put(body)`` is true: the caller must send ``apply_patch(current, body)`` as a
      PUT instead, which replaces the whole subscription as Terraform's updates do. ``current`` is hydrated,
      so that PUT carries the real URL and secrets.

    A changed ``eventDeliverySchema`` is refused before anything is sent: the service rejects it. The changed
    names are the top-level fields whose value differs afterwards, in ``WRITABLE`` order; a switch lists both
    fields of its pair (``["destination", "deliveryWithResourceIdentity"]``) though the body carries one.
    """
    before = writable_properties(current)
    if options.delivery_schema is not None:
        _check_schema_change(before.get("eventDeliverySchema") or DEFAULT_SCHEMA, schema_wire(options.delivery_schema))
    after = desired_properties(before, options, None, now=now, allow_http_loopback=allow_http_loopback)
    if event_filter is not None and not same_filter(before.get("filter"), event_filter):
        after["filter"] = filter_wire(event_filter)
    changed = [key for key in WRITABLE if not _same(key, before.get(key), after.get(key))]
    return patch_body(after, changed), changed


def patch_body(after: dict[str, Any], changed: Sequence[str]) -> dict[str, Any]:
    """The PATCH body that makes the ``changed`` top-level fields what they are in ``after``, in that order.

    A field ``after`` has is sent whole. One it lacks is sent as ``[]`` (``labels``), not at all when ``after``
    has the other field of its pair (the service drops it), else as ``null`` (see ``needs_put``).
    """
    body: dict[str, Any] = {}
    for key in changed:
        if key in after:
            body[key] = after[key]
        elif PAIRS.get(key) not in after:
            body[key] = [] if key == "labels" else None
    return body


def needs_put(body: dict[str, Any]) -> bool:
    """True when ``body`` removes a field with ``null``: send ``apply_patch(current, body)`` with PUT instead.

    Azure ignores ``"deadLetterDestination": null`` in a PATCH (MicrosoftDocs/azure-docs#10703) and documents
    nothing for ``"expirationTimeUtc": null``; a PUT of the whole subscription removes a field for certain.
    """
    return any(value is None for value in body.values())


def apply_patch(current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The writable properties after ``body`` is applied as the service applies a PATCH.

    Each field in ``body`` replaces the current one whole, ``null`` removes it, and setting one field of a pair
    (destination / deliveryWithResourceIdentity, and the two dead-letter fields) removes the other.
    """
    out = writable_properties(current)
    for key, value in body.items():
        if value is None:
            out.pop(key, None)
            continue
        out[key] = value
        if PAIRS.get(key) and body.get(PAIRS[key]) is None:
            out.pop(PAIRS[key], None)
    return {k: out[k] for k in WRITABLE if k in out}


def _check_schema_change(before: str, after: str) -> None:
    if before != after:
        raise InvalidInputError(
            f"--event-delivery-schema cannot change an existing subscription from {before} to {after}: Event Grid "
            f'refuses it ("The new event delivery schema value {after} cannot be different from the already '
            f'existing event delivery schema value {before}.")',
            hint=f"Delete the subscription and create it again with --event-delivery-schema {after.lower()}.",
        )


def _same(key: str, before: Any, after: Any) -> bool:
    if key == "eventDeliverySchema":
        return (before or DEFAULT_SCHEMA) == (after or DEFAULT_SCHEMA)
    if key == "expirationTimeUtc" and isinstance(before, str) and isinstance(after, str):
        return _instant(before) == _instant(after)
    return before == after


def _instant(text: str) -> datetime | str:
    try:
        return parse_instant(text)
    except ValueError:
        return text


def same_filter(current: dict[str, Any] | None, new: EventFilter) -> bool:
    """True when the wire ``current`` filter selects exactly what ``new`` does, up to the service's defaults."""
    try:
        old = EventFilter.from_wire(current or {}, strict=False)
    except WireFormatError:
        return False
    return _normalized(old) == _normalized(new)


def _normalized(f: EventFilter) -> EventFilter:
    return EventFilter(
        included_event_types=f.included_event_types or None,
        subject_begins_with=f.subject_begins_with or None,
        subject_ends_with=f.subject_ends_with or None,
        is_subject_case_sensitive=bool(f.is_subject_case_sensitive),
        enable_advanced_filtering_on_arrays=bool(f.enable_advanced_filtering_on_arrays),
        advanced_filters=f.advanced_filters or None,
    )


# --- filter edits ---------------------------------------------------------------------------------------------


def edit_filter(
    current: EventFilter,
    *,
    event_types: Sequence[str] | None = None,
    subject_begins_with: str | None = None,
    subject_ends_with: str | None = None,
    subject_case_sensitive: bool | None = None,
    enable_arrays: bool | None = None,
    advanced_filters: Sequence[FilterSpec] | None = None,
    add: Sequence[FilterSpec] = (),
    remove_keys: Sequence[str] = (),
    clear_advanced: bool = False,
    clear_subject: bool = False,
) -> EventFilter:
    """``current`` with the update flags applied; the service limits are checked on the result.

    The create flags (``event_types`` ... ``advanced_filters``) set what they name, and ``advanced_filters``
    (``--advanced-filter``) replaces the whole list. ``remove_keys`` (``--remove-advanced-filter KEY``) drops
    every filter on each key (keys compare case-insensitively, as Event Grid resolves them), then ``add``
    (``--add-advanced-filter``) appends; ``clear_advanced`` empties the list first. ``clear_subject`` sets both
    subject filters to ``""``, as the service stores "no subject filter".
    """
    if advanced_filters and (add or remove_keys or clear_advanced):
        raise InvalidInputError(
            "--advanced-filter replaces the whole list and cannot be combined with --add-advanced-filter, "
            "--remove-advanced-filter or --clear-advanced-filters",
            hint="Use --advanced-filter alone, or edit the current list with the other three.",
        )
    if clear_advanced and remove_keys:
        raise InvalidInputError("--clear-advanced-filters already removes every filter; drop --remove-advanced-filter")
    if clear_subject and (subject_begins_with is not None or subject_ends_with is not None):
        raise InvalidInputError(
            "--clear-subject-filters contradicts --subject-begins-with/--subject-ends-with", hint="Give one of them."
        )
    filters = [] if clear_advanced else list(current.filters)
    for key in remove_keys:
        kept = [f for f in filters if f.key.lower() != key.lower()]
        if len(kept) == len(filters):
            present = ", ".join(dict.fromkeys(f.key for f in filters)) or "none"
            raise InvalidInputError(
                f"--remove-advanced-filter: no advanced filter on key '{key}'",
                hint=f"The subscription filters on these keys: {present}.",
            )
        filters = kept
    filters += [to_filter(f) for f in add]
    if advanced_filters:
        filters = [to_filter(f) for f in advanced_filters]
    # an empty result leaves the field as it was when it was already empty, else removes it
    edited = tuple(filters) or (current.advanced_filters if not current.filters else None)
    base = dataclasses.replace(current, advanced_filters=edited)
    if clear_subject:
        subject_begins_with = subject_ends_with = ""
    return build_filter(
        base,
        event_types=event_types,
        subject_begins_with=subject_begins_with,
        subject_ends_with=subject_ends_with,
        subject_case_sensitive=subject_case_sensitive,
        enable_arrays=enable_arrays,
    )
