"""Stage 2: an event subscription's body — the options a user sets, the destination and delivery
attributes, the filter flags, the PUT body (``properties``) and the PATCH body (``update``).
"""

from __future__ import annotations

from amlevents.core.subscription.delivery_attributes import (
    HIDDEN,
    MAX_DELIVERY_ATTRIBUTES,
    DeliveryAttribute,
    parse_delivery_attribute,
)
from amlevents.core.subscription.destination import (
    BATCH_TYPES,
    DEFAULT_MAX_EVENTS_PER_BATCH,
    DEFAULT_PREFERRED_BATCH_SIZE_KB,
    ENDPOINT_TYPES,
    IDENTITY_TYPES,
    TLS_VERSIONS,
    dead_letter_endpoint_of,
    dead_letter_of,
    destination_of,
    endpoint_of,
)
from amlevents.core.subscription.filter_flags import (
    FilterFlags,
    edited_filter,
    new_filter,
)
from amlevents.core.subscription.options import (
    DEFAULT_EVENT_TTL_MINUTES,
    DEFAULT_MAX_DELIVERY_ATTEMPTS,
    DEFAULT_SCHEMA,
    SCHEMAS,
    WRITABLE,
    SubscriptionOptions,
)
from amlevents.core.subscription.properties import (
    build_properties,
    needs_hydration,
    writable_properties,
)
from amlevents.core.subscription.update import (
    PAIRS,
    apply_patch,
    merge_update,
    needs_put,
    patch_body,
)

__all__ = [
    "apply_patch",
    "BATCH_TYPES",
    "build_properties",
    "dead_letter_endpoint_of",
    "dead_letter_of",
    "DEFAULT_EVENT_TTL_MINUTES",
    "DEFAULT_MAX_DELIVERY_ATTEMPTS",
    "DEFAULT_MAX_EVENTS_PER_BATCH",
    "DEFAULT_PREFERRED_BATCH_SIZE_KB",
    "DEFAULT_SCHEMA",
    "DeliveryAttribute",
    "destination_of",
    "edited_filter",
    "endpoint_of",
    "ENDPOINT_TYPES",
    "FilterFlags",
    "HIDDEN",
    "IDENTITY_TYPES",
    "MAX_DELIVERY_ATTRIBUTES",
    "merge_update",
    "needs_hydration",
    "needs_put",
    "new_filter",
    "PAIRS",
    "parse_delivery_attribute",
    "patch_body",
    "SCHEMAS",
    "SubscriptionOptions",
    "TLS_VERSIONS",
    "WRITABLE",
    "writable_properties",
]
