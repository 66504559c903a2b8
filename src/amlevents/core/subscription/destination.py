"""Where an event subscription delivers: the destination, identity delivery and dead-lettering, as wire JSON.

Wire JSON means the ARM REST shapes of API 2025-02-15 (camelCase). The checks are the client-side ones of
``az eventgrid event-subscription create``
(https://github.com/Azure/azure-cli/blob/dev/src/azure-cli/azure/cli/command_modules/eventgrid/custom.py)
without az's silent mistakes: a batch of 0, a queue TTL of 0, a storage queue id without a queue and an
``http://`` webhook are refused (except, when the caller says the target is the emulator, one on a loopback host:
the emulator decides). Error messages name the option the value came from.

``delivery_fields`` and ``dead_letter_fields`` apply a ``SubscriptionOptions`` to the current properties (empty
for a new subscription), carrying over every current setting the user did not name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from amlevents.core.errors import InvalidInputError
from amlevents.core.subscription.delivery_attributes import (
    check_mappings,
    check_secrets_known,
    upsert_mappings,
)
from amlevents.core.values import int_in_range

if TYPE_CHECKING:
    from amlevents.core.subscription.options import SubscriptionOptions

# --endpoint-type (any case) -> the wire endpointType
ENDPOINT_TYPES: dict[str, str] = {
    "webhook": "WebHook",
    "azurefunction": "AzureFunction",
    "eventhub": "EventHub",
    "servicebusqueue": "ServiceBusQueue",
    "servicebustopic": "ServiceBusTopic",
    "storagequeue": "StorageQueue",
    "hybridconnection": "HybridConnection",
}
BATCH_TYPES = ("WebHook", "AzureFunction")
# azure-mgmt-eventgrid 10.4 always sends these for WebHook/AzureFunction (seen on the wire); so do we.
DEFAULT_MAX_EVENTS_PER_BATCH = 1
DEFAULT_PREFERRED_BATCH_SIZE_KB = 64
TLS_VERSIONS = ("1.0", "1.1", "1.2")

# The endpoint fields, then the optional ones, of each destination's `properties`, in the SDK's order.
ENDPOINT_FIELDS: dict[str, tuple[str, ...]] = {
    "WebHook": ("endpointUrl",),
    "StorageQueue": ("resourceId", "queueName"),
}
_MAPPINGS = ("deliveryAttributeMappings",)
OPTIONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "WebHook": (
        "maxEventsPerBatch",
        "preferredBatchSizeInKilobytes",
        "azureActiveDirectoryTenantId",
        "azureActiveDirectoryApplicationIdOrUri",
        "deliveryAttributeMappings",
        "minimumTlsVersionAllowed",
    ),
    "AzureFunction": ("maxEventsPerBatch", "preferredBatchSizeInKilobytes", "deliveryAttributeMappings"),
    "EventHub": _MAPPINGS,
    "ServiceBusQueue": _MAPPINGS,
    "ServiceBusTopic": _MAPPINGS,
    "HybridConnection": _MAPPINGS,
    "StorageQueue": ("queueMessageTimeToLiveInSeconds",),
}
# option attribute -> (flag, wire field, the endpoint types that have it)
_OPTIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "max_events_per_batch": ("--max-events-per-batch", "maxEventsPerBatch", BATCH_TYPES),
    "preferred_batch_size_kb": ("--preferred-batch-size-in-kilobytes", "preferredBatchSizeInKilobytes", BATCH_TYPES),
    "aad_tenant_id": ("--aad-tenant-id", "azureActiveDirectoryTenantId", ("WebHook",)),
    "aad_app_id_or_uri": ("--aad-app-id-or-uri", "azureActiveDirectoryApplicationIdOrUri", ("WebHook",)),
    "min_tls_version": ("--min-tls-version", "minimumTlsVersionAllowed", ("WebHook",)),
    "storage_queue_ttl_seconds": ("--storage-queue-msg-ttl", "queueMessageTimeToLiveInSeconds", ("StorageQueue",)),
    "delivery_attributes": (
        "--delivery-attribute-mapping",
        "deliveryAttributeMappings",
        tuple(t for t, fields in OPTIONAL_FIELDS.items() if "deliveryAttributeMappings" in fields),
    ),
}
_DESTINATION_ATTRS = ("endpoint", "endpoint_type", "clear_delivery_attributes", *_OPTIONS)

_ARM = r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
_ARM_EXAMPLE = "/subscriptions/{sub}/resourceGroups/{rg}/providers/"
_STORAGE_ACCOUNT = _ARM + r"Microsoft\.Storage/storageAccounts/[^/]+"
_USER_IDENTITY = _ARM + r"Microsoft\.ManagedIdentity/userAssignedIdentities/[^/]+"
# endpointType -> (regex of its resource id after the providers/ segment, the id's shape for the hint)
_RESOURCE_IDS: dict[str, tuple[str, str]] = {
    "EventHub": (
        r"Microsoft\.EventHub/namespaces/[^/]+/eventhubs/[^/]+",
        "Microsoft.EventHub/namespaces/N/eventhubs/E",
    ),
    "ServiceBusQueue": (
        r"Microsoft\.ServiceBus/namespaces/[^/]+/queues/[^/]+",
        "Microsoft.ServiceBus/namespaces/N/queues/Q",
    ),
    "ServiceBusTopic": (
        r"Microsoft\.ServiceBus/namespaces/[^/]+/topics/[^/]+",
        "Microsoft.ServiceBus/namespaces/N/topics/T",
    ),
    "HybridConnection": (
        r"Microsoft\.Relay/namespaces/[^/]+/hybridConnections/[^/]+",
        "Microsoft.Relay/namespaces/N/hybridConnections/H",
    ),
    "AzureFunction": (r"Microsoft\.Web/sites/[^/]+/functions/[^/]+", "Microsoft.Web/sites/S/functions/F"),
}
_QUEUE_SEP = "/queueServices/default/queues/"
_CONTAINER_SEP = "/blobServices/default/containers/"
# az's texts (its eventgrid custom.py, cited above), with a space after "is:"
_QUEUE_FORMAT = (
    "Expected format of --endpoint for storage queue is: /subscriptions/id/resourceGroups/rg/providers/"
    "Microsoft.Storage/storageAccounts/sa1/queueServices/default/queues/queueName"
)
_CONTAINER_FORMAT = (
    "Expected format of --deadletter-endpoint is: /subscriptions/id/resourceGroups/rg/providers/"
    "Microsoft.Storage/storageAccounts/sa1/blobServices/default/containers/containerName"
)
IDENTITY_TYPES = {"systemassigned": "SystemAssigned", "userassigned": "UserAssigned", "none": None}


def _full_match(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text, flags=re.IGNORECASE) is not None


def _split_ci(text: str, sep: str) -> tuple[str, str, str]:
    """``str.partition`` with a case-insensitive separator."""
    at = text.lower().find(sep.lower())
    if at < 0:
        return text, "", ""
    return text[:at], text[at : at + len(sep)], text[at + len(sep) :]


def endpoint_type_wire(name: str) -> str:
    """The wire ``endpointType`` for an ``--endpoint-type`` value in any case (``stoRAgequeue`` -> ``StorageQueue``)."""
    wire = ENDPOINT_TYPES.get(name.strip().lower())
    if wire is None:
        raise InvalidInputError(
            f"--endpoint-type '{name}' is not an endpoint type", hint="Use one of: " + ", ".join(ENDPOINT_TYPES) + "."
        )
    return wire


def parse_endpoint(endpoint_type: str, endpoint: str, *, allow_http_loopback: bool = False) -> dict[str, str]:
    """The endpoint fields of a destination's ``properties`` for ``--endpoint`` (``endpoint_type``: the wire name).

    A webhook takes an absolute https URL (``endpointUrl``); with ``allow_http_loopback`` (the caller targets the
    emulator, never Azure, which refuses every ``http://``) also an ``http://`` URL on 127.0.0.1, localhost or
    ::1, left for the emulator to accept (``--allow-http-loopback``) or refuse. A storage queue takes the queue's
    id, split into the account id (``resourceId``) and ``queueName``; the other types take the ARM id of their own
    resource type.
    """
    endpoint = endpoint.strip()
    if endpoint_type == "WebHook":
        return {"endpointUrl": _webhook_url(endpoint, allow_http_loopback)}
    if endpoint_type == "StorageQueue":
        account, sep, queue = _split_ci(endpoint, _QUEUE_SEP)
        if not sep or not _full_match(_STORAGE_ACCOUNT, account) or not queue or "/" in queue:
            raise InvalidInputError(_QUEUE_FORMAT, hint=f"Got '{endpoint}'.")
        return {"resourceId": account, "queueName": queue}
    pattern, shape = _RESOURCE_IDS[endpoint_type]
    if not _full_match(_ARM + pattern, endpoint):
        hint = f"Write {_ARM_EXAMPLE}{shape}."
        if endpoint.lower().startswith(("https://", "http://")):
            hint += " A URL needs --endpoint-type webhook."
        raise InvalidInputError(f"--endpoint for endpoint type {endpoint_type} must be its ARM resource id", hint=hint)
    return {"resourceId": endpoint}


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _webhook_url(url: str, allow_http_loopback: bool = False) -> str:
    parts = urlsplit(url)
    plain_local = allow_http_loopback and (parts.hostname or "").lower() in LOOPBACK_HOSTS
    if parts.scheme.lower() == "http" and plain_local and not any(c.isspace() for c in url):
        return url
    if parts.scheme.lower() == "http":
        hint = "Serve it over https: Event Grid wants 'a proper HTTPS URL like https://www.example.com'."
        if (parts.hostname or "").lower() in LOOPBACK_HOSTS:
            hint += (" For a handler on this machine, use --local or --emulator: the emulator accepts http:// on "
                     "loopback when started with --allow-http-loopback.")
        raise InvalidInputError(
            f"--endpoint '{url}' is an http URL: Event Grid delivers only over https and refuses it", hint=hint)
    if parts.scheme.lower() != "https" or not parts.hostname or any(c.isspace() for c in url):
        hint = "Write an absolute https URL such as https://example.com/api/events."
        if url.startswith("/subscriptions/"):
            hint = "That is a resource id: add --endpoint-type (" + ", ".join(list(ENDPOINT_TYPES)[1:]) + ")."
        raise InvalidInputError(f"--endpoint '{url}' is not an absolute https URL", hint=hint)
    return url


def endpoint_of(destination: dict[str, Any]) -> str | None:
    """The ``--endpoint`` text of a wire destination (the inverse of ``parse_endpoint``); None when not known."""
    props = destination.get("properties") or {}
    if destination.get("endpointType") == "WebHook":
        return props.get("endpointUrl")
    if destination.get("endpointType") == "StorageQueue":
        if props.get("resourceId") and props.get("queueName"):
            return props["resourceId"] + _QUEUE_SEP + props["queueName"]
        return None
    return props.get("resourceId")


def dead_letter_endpoint_of(destination: dict[str, Any]) -> str:
    """The ``--deadletter-endpoint`` text of a wire ``StorageBlob`` dead-letter destination (the inverse of
    ``dead_letter_destination``)."""
    props = destination.get("properties") or {}
    return f"{props.get('resourceId')}{_CONTAINER_SEP}{props.get('blobContainerName')}"


def destination_of(properties: Mapping[str, Any]) -> dict[str, Any] | None:
    """The destination of (writable or GET) ``properties``: the one in ``deliveryWithResourceIdentity`` when that
    is set, else ``destination``; None when there is none. The object itself, not a copy."""
    wrapper = properties.get("deliveryWithResourceIdentity")
    return wrapper.get("destination") if wrapper else properties.get("destination")


def dead_letter_of(properties: Mapping[str, Any]) -> dict[str, Any] | None:
    """The dead-letter destination of ``properties``: the one in ``deadLetterWithResourceIdentity`` when that is
    set, else ``deadLetterDestination``; None when there is none. The object itself, not a copy."""
    wrapper = properties.get("deadLetterWithResourceIdentity")
    return wrapper.get("deadLetterDestination") if wrapper else properties.get("deadLetterDestination")


def make_destination(endpoint_type: str, endpoint_fields: dict[str, Any], optional: dict[str, Any]) -> dict[str, Any]:
    """A wire destination ``{"endpointType", "properties"}``, the properties in the SDK's order.

    WebHook and AzureFunction always carry both batch settings (1 and 64 unless given), as the 10.4 SDK sends.
    Optional fields this endpoint type does not have, None values and an empty mapping list are left out.
    """
    if endpoint_type in BATCH_TYPES:
        optional = {
            "maxEventsPerBatch": DEFAULT_MAX_EVENTS_PER_BATCH,
            "preferredBatchSizeInKilobytes": DEFAULT_PREFERRED_BATCH_SIZE_KB,
            **{k: v for k, v in optional.items() if v is not None},
        }
    props = dict(endpoint_fields)
    for name in OPTIONAL_FIELDS[endpoint_type]:
        if optional.get(name) not in (None, []):
            props[name] = optional[name]
    return {"endpointType": endpoint_type, "properties": props}


def delivery_fields(current: dict[str, Any], o: SubscriptionOptions, *,
                    allow_http_loopback: bool = False) -> dict[str, Any] | None:
    """``{"destination": ...}`` or ``{"deliveryWithResourceIdentity": ...}`` after the options; None if untouched.

    ``current`` holds the current writable properties. The identity stays as it is unless
    ``--delivery-identity`` is given (``none`` moves the destination out of the identity wrapper).
    ``allow_http_loopback``: see ``parse_endpoint``.
    """
    if not touches_destination(o):
        return None
    wrapper = current.get("deliveryWithResourceIdentity")
    destination = merge_destination(destination_of(current), o, allow_http_loopback=allow_http_loopback)
    identity = wrapper.get("identity") if wrapper else None
    if o.delivery_identity is not None or o.delivery_identity_user_id is not None:
        identity = identity_wire(o.delivery_identity, o.delivery_identity_user_id, option="--delivery-identity")
    if identity is None:
        return {"destination": destination}
    return {"deliveryWithResourceIdentity": {"identity": identity, "destination": destination}}


def touches_destination(o: SubscriptionOptions) -> bool:
    """True when the options name the destination, one of its settings or the delivery identity."""
    if o.delivery_identity is not None or o.delivery_identity_user_id is not None:
        return True
    # "is not", as 0 == False and a batch of 0 must reach its range check
    return any(value is not None and value is not False for value in (getattr(o, a) for a in _DESTINATION_ATTRS))


def merge_destination(current: dict[str, Any] | None, o: SubscriptionOptions, *,
                      allow_http_loopback: bool = False) -> dict[str, Any]:
    """The destination after the options, carrying over the current settings the (new) endpoint type still has.

    Without ``--endpoint-type`` the current type stays (a new subscription: WebHook); changing the type needs
    ``--endpoint``. Given delivery attribute mappings replace those of the same name and add the others;
    ``clear_delivery_attributes`` drops the current ones first. ``allow_http_loopback``: see ``parse_endpoint``.
    """
    current_type = current.get("endpointType") if current else None
    current_props = (current or {}).get("properties") or {}
    new_type = endpoint_type_wire(o.endpoint_type) if o.endpoint_type is not None else current_type or "WebHook"
    if new_type not in OPTIONAL_FIELDS:  # MonitorAlert, NamespaceTopic: made elsewhere, not modelled here
        raise InvalidInputError(
            f"the current destination is a {new_type}, which amlevents cannot edit",
            hint="Replace it with --endpoint-type and --endpoint, or edit it with the Azure portal.",
        )
    if o.endpoint is not None:
        endpoint = parse_endpoint(new_type, o.endpoint, allow_http_loopback=allow_http_loopback)
    elif current is None:
        raise InvalidInputError("--endpoint is required: there is no current destination to change")
    elif new_type != current_type:
        raise InvalidInputError(
            f"--endpoint-type {o.endpoint_type} needs --endpoint",
            hint=f"The current destination is a {current_type}; give the new {new_type} endpoint.",
        )
    else:
        endpoint = {k: current_props[k] for k in ENDPOINT_FIELDS.get(new_type, ("resourceId",)) if k in current_props}
        if new_type == "WebHook" and not endpoint.get("endpointUrl"):
            raise InvalidInputError(
                "the webhook's full URL is not known, so its destination cannot be sent again",
                hint="Pass --endpoint with the full URL (Azure returns it only from getFullUrl).",
            )
    optional = {k: v for k, v in current_props.items() if k in OPTIONAL_FIELDS[new_type]}
    for attr, (flag, wire, types) in _OPTIONS.items():
        value = getattr(o, attr)
        if value is None:
            continue
        if new_type not in types:
            raise InvalidInputError(
                f"{flag} applies only to endpoint types {', '.join(types)}, not {new_type}",
                hint=f"Remove {flag}, or choose an endpoint type that has it.",
            )
        if attr != "delivery_attributes":
            optional[wire] = _checked(attr, flag, value)
    kept = [] if o.clear_delivery_attributes else list(optional.get("deliveryAttributeMappings") or [])
    optional["deliveryAttributeMappings"] = upsert_mappings(kept, o.delivery_attributes or ())
    check_mappings(optional["deliveryAttributeMappings"])
    check_secrets_known(optional["deliveryAttributeMappings"])
    tenant, app = optional.get("azureActiveDirectoryTenantId"), optional.get("azureActiveDirectoryApplicationIdOrUri")
    if new_type == "WebHook" and (tenant is None) != (app is None):
        raise InvalidInputError(
            "--aad-tenant-id and --aad-app-id-or-uri go together",
            hint="Give both: the tenant and the application whose token Event Grid sends to the webhook.",
        )
    return make_destination(new_type, endpoint, optional)


def _checked(attr: str, flag: str, value: Any) -> Any:
    if attr == "max_events_per_batch":
        return int_in_range(value, flag, 1, 5000)
    if attr == "preferred_batch_size_kb":
        return int_in_range(value, flag, 1, 1024)
    if attr == "min_tls_version":
        if value not in TLS_VERSIONS:
            raise InvalidInputError(f"{flag} must be one of {', '.join(TLS_VERSIONS)}, got {value!r}")
        return value
    if attr == "storage_queue_ttl_seconds":
        if isinstance(value, bool) or not isinstance(value, int) or not (value == -1 or 1 <= value < 2**63):
            raise InvalidInputError(
                f"{flag} must be -1 (messages never expire) or a number of seconds of at least 1, got {value!r}",
                hint="Event Grid refuses 0 and the other negative values.",
            )
        return value
    if not isinstance(value, str) or not value.strip():  # the AAD ids
        raise InvalidInputError(f"{flag} must not be empty")
    return value.strip()


def dead_letter_destination(container_id: str) -> dict[str, Any]:
    """The ``StorageBlob`` dead-letter destination for a blob container's ARM id (``--deadletter-endpoint``)."""
    container_id = container_id.strip()
    account, sep, container = _split_ci(container_id, _CONTAINER_SEP)
    if not sep or not _full_match(_STORAGE_ACCOUNT, account) or not container or "/" in container:
        raise InvalidInputError(_CONTAINER_FORMAT, hint=f"Got '{container_id}'.")
    return {"endpointType": "StorageBlob", "properties": {"resourceId": account, "blobContainerName": container}}


def dead_letter_fields(current: dict[str, Any], o: SubscriptionOptions) -> dict[str, Any] | None:
    """``{"deadLetterDestination": ...}`` or ``{"deadLetterWithResourceIdentity": ...}`` after the options.

    ``{}`` when they clear dead-lettering, None when they do not touch it.
    """
    if o.clear_deadletter:
        return {}
    identity_given = o.deadletter_identity is not None or o.deadletter_identity_user_id is not None
    if o.deadletter_endpoint is None and not identity_given:
        return None
    wrapper = current.get("deadLetterWithResourceIdentity")
    destination = dead_letter_of(current)
    identity = wrapper.get("identity") if wrapper else None
    if identity_given:
        identity = identity_wire(o.deadletter_identity, o.deadletter_identity_user_id, option="--deadletter-identity")
    if o.deadletter_endpoint is not None:
        destination = dead_letter_destination(o.deadletter_endpoint)
    if destination is None:
        raise InvalidInputError(
            "--deadletter-identity needs a dead-letter destination", hint="Pass --deadletter-endpoint as well."
        )
    if identity is None:
        return {"deadLetterDestination": destination}
    return {"deadLetterWithResourceIdentity": {"identity": identity, "deadLetterDestination": destination}}


def identity_wire(kind: str | None, user_id: str | None, *, option: str) -> dict[str, Any] | None:
    """The ``EventSubscriptionIdentity`` for ``--delivery-identity`` or ``--deadletter-identity`` (``option``).

    ``kind`` is systemassigned, userassigned or none (any case); none gives None. A user-assigned identity
    needs ``user_id`` (the ``<option>-user-id`` flag): the ARM id of the identity.
    """
    user_option = f"{option}-user-id"
    if kind is None:
        raise InvalidInputError(f"{user_option} needs {option} userassigned")
    wire = IDENTITY_TYPES.get(kind.strip().lower(), "?")
    if wire == "?":
        raise InvalidInputError(
            f"{option} '{kind}' is not an identity type", hint="Use systemassigned, userassigned or none."
        )
    if wire != "UserAssigned":
        if user_id is not None:
            raise InvalidInputError(f"{user_option} needs {option} userassigned, not {kind}")
        return None if wire is None else {"type": wire}
    shape = f"{_ARM_EXAMPLE}Microsoft.ManagedIdentity/userAssignedIdentities/NAME"
    if not user_id:
        raise InvalidInputError(f"{option} userassigned needs {user_option}", hint=f"Pass the identity's id: {shape}.")
    if not _full_match(_USER_IDENTITY, user_id.strip()):
        raise InvalidInputError(
            f"{user_option} must be the ARM id of a user-assigned identity", hint=f"Write {shape}; got '{user_id}'."
        )
    return {"type": "UserAssigned", "userAssignedIdentity": user_id.strip()}
