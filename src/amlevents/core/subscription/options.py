"""What a user can set on an event subscription (``SubscriptionOptions``), and the service's defaults for it.

None means "not given" throughout; ``properties`` turns options into the wire body, ``update`` into a PATCH.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from amlevents.core.subscription.delivery_attributes import DeliveryAttribute

DEFAULT_MAX_DELIVERY_ATTEMPTS = 30
DEFAULT_EVENT_TTL_MINUTES = 1440
DEFAULT_SCHEMA = "EventGridSchema"
SCHEMAS = {
    "eventgridschema": "EventGridSchema",
    "cloudeventschemav1_0": "CloudEventSchemaV1_0",
    "custominputschema": "CustomInputSchema",
}
# The writable top-level fields of EventSubscriptionProperties, in the SDK's order.
WRITABLE = (
    "destination",
    "deliveryWithResourceIdentity",
    "filter",
    "labels",
    "expirationTimeUtc",
    "eventDeliverySchema",
    "retryPolicy",
    "deadLetterDestination",
    "deadLetterWithResourceIdentity",
)


@dataclass(frozen=True)
class SubscriptionOptions:
    """Everything but the filter that ``subscription create``/``update`` (and a manifest) can set.

    None means "not given". ``endpoint_type``, ``delivery_identity``, ``deadletter_identity`` and
    ``delivery_schema`` take az's lower-case names in any case; the identities also take ``none`` (on update:
    move the destination out of the identity wrapper). ``expiration`` is an ISO 8601 date or date-time (naive
    means UTC) or a ``date``/``datetime``. The ``clear_*`` flags apply to update only.
    """

    endpoint: str | None = None
    endpoint_type: str | None = None
    max_events_per_batch: int | None = None
    preferred_batch_size_kb: int | None = None
    aad_tenant_id: str | None = None
    aad_app_id_or_uri: str | None = None
    delivery_attributes: tuple[DeliveryAttribute, ...] | None = None
    storage_queue_ttl_seconds: int | None = None
    min_tls_version: str | None = None
    delivery_identity: str | None = None
    delivery_identity_user_id: str | None = None
    deadletter_endpoint: str | None = None
    deadletter_identity: str | None = None
    deadletter_identity_user_id: str | None = None
    max_delivery_attempts: int | None = None
    event_ttl_minutes: int | None = None
    expiration: str | date | None = None
    labels: tuple[str, ...] | None = None
    delivery_schema: str | None = None
    clear_labels: bool = False
    clear_deadletter: bool = False
    clear_expiration: bool = False
    clear_delivery_attributes: bool = False
