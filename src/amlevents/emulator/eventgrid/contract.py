"""Event Grid's facts about an event subscription, stated by the emulator on its own.

The client (``amlevents.core.subscription``, ``amlevents.core.plan``) states the same facts for its own use; the
emulator does not import them, so that a mistake in the client's idea of "writable" or "default" is caught by the
fake instead of mirrored by it. Where each fact comes from:

- [S] the Event Grid swagger, stable 2025-02-15,
  https://github.com/Azure/azure-rest-api-specs/blob/main/specification/eventgrid/resource-manager/Microsoft.EventGrid/EventGrid/stable/2025-02-15/EventGrid.json
  (definitions named below);
- [D] Event Grid's documentation: delivery and retry,
  https://learn.microsoft.com/azure/event-grid/delivery-and-retry, and custom delivery properties,
  https://learn.microsoft.com/azure/event-grid/delivery-properties;
- [R] the service's answers in the Azure CLI's recorded tests,
  https://github.com/Azure/azure-cli/tree/dev/src/azure-cli/azure/cli/command_modules/eventgrid/tests/latest/recordings
"""

from __future__ import annotations

# [S] EventSubscriptionUpdateParameters: the writable top-level fields of EventSubscriptionProperties (a PATCH
# body carries them unnested), in the swagger's order.
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
# [R] test_event_subscription_with_storagequeuemessage_ttl.yaml: setting one of a pair drops the other (a PATCH to
# identity delivery answers "destination": null).
PAIRS = {
    "destination": "deliveryWithResourceIdentity",
    "deliveryWithResourceIdentity": "destination",
    "deadLetterDestination": "deadLetterWithResourceIdentity",
    "deadLetterWithResourceIdentity": "deadLetterDestination",
}

# [S] EventSubscriptionProperties.eventDeliverySchema: the enum, in the swagger's order, and its default.
SCHEMAS = ("EventGridSchema", "CustomInputSchema", "CloudEventSchemaV1_0")
DEFAULT_SCHEMA = "EventGridSchema"
# [R] what a PUT on an existing subscription keeps when it leaves the property out (or sends null): the schema,
# which the service never lets change (MD#17010, "cannot be different from the already existing ..."); Azure's
# answer to such a PUT keeps the existing schema (201) rather than taking the swagger default. Every other writable
# property is replaced whole by a PUT (an omitted one reads back as its default, [S] and the recordings' GETs).
KEPT_ON_PUT = ("eventDeliverySchema",)

# [S] RetryPolicy: the defaults; [D] the ranges (1-30 attempts, 1-1440 minutes).
RETRY_DEFAULTS = {"maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 1440}
RETRY_RANGES = {"maxDeliveryAttempts": (1, 30), "eventTimeToLiveInMinutes": (1, 1440)}

# [S] the discriminator values of EventSubscriptionDestination.endpointType -> the fields of each subtype's
# `properties` (WebHookEventSubscriptionDestinationProperties, ...).
ENDPOINT_FIELDS: dict[str, tuple[str, ...]] = {
    "WebHook": ("endpointUrl", "maxEventsPerBatch", "preferredBatchSizeInKilobytes", "azureActiveDirectoryTenantId",
                "azureActiveDirectoryApplicationIdOrUri", "deliveryAttributeMappings", "minimumTlsVersionAllowed"),
    "EventHub": ("resourceId", "deliveryAttributeMappings"),
    "StorageQueue": ("resourceId", "queueName", "queueMessageTimeToLiveInSeconds"),
    "HybridConnection": ("resourceId", "deliveryAttributeMappings"),
    "ServiceBusQueue": ("resourceId", "deliveryAttributeMappings"),
    "ServiceBusTopic": ("resourceId", "deliveryAttributeMappings"),
    "AzureFunction": ("resourceId", "maxEventsPerBatch", "preferredBatchSizeInKilobytes", "deliveryAttributeMappings"),
    "MonitorAlert": ("severity", "description", "actionGroups"),
    "NamespaceTopic": ("resourceId",),
}
ENDPOINT_TYPES = tuple(ENDPOINT_FIELDS)
# [S] endpointType -> the provider part of the destination's resourceId ({...} is one path segment).
RESOURCE_FORMS: dict[str, str] = {
    "EventHub": "Microsoft.EventHub/namespaces/{namespace}/eventhubs/{eventHub}",
    "StorageQueue": "Microsoft.Storage/storageAccounts/{storageAccount}",
    "HybridConnection": "Microsoft.Relay/namespaces/{namespace}/hybridConnections/{hybridConnection}",
    "ServiceBusQueue": "Microsoft.ServiceBus/namespaces/{namespace}/queues/{queue}",
    "ServiceBusTopic": "Microsoft.ServiceBus/namespaces/{namespace}/topics/{topic}",
    "AzureFunction": "Microsoft.Web/sites/{functionApp}/functions/{function}",
    "NamespaceTopic": "Microsoft.EventGrid/namespaces/{namespace}/topics/{topic}",
}
# An ARM resource id up to its provider namespace (a regex).
ARM_ID_PREFIX = r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"

# [S] the destinations with batch settings and their defaults (maxEventsPerBatch 1, preferredBatchSizeInKilobytes
# 64), which reads return when a write left them out; [D] their ranges.
BATCH_TYPES = ("WebHook", "AzureFunction")
BATCH_DEFAULTS = {"maxEventsPerBatch": 1, "preferredBatchSizeInKilobytes": 64}
BATCH_RANGES = {"maxEventsPerBatch": (1, 5000), "preferredBatchSizeInKilobytes": (1, 1024)}
# [S] WebHookEventSubscriptionDestinationProperties.minimumTlsVersionAllowed.
TLS_VERSIONS = ("1.0", "1.1", "1.2")

# [D] at most 10 delivery attribute mappings (custom headers) per event subscription.
MAX_DELIVERY_ATTRIBUTES = 10
# [R] test_event_subscription_delivery_attributes.yaml: what a read returns for a secret static attribute value.
HIDDEN = "Hidden"
