"""Stored documents -> ARM resource JSON, with the service's secrets and read-time defaults.

Secrets behave as in Azure: a webhook's ``endpointUrl`` is never returned (``null``, plus the read-only
``endpointBaseUrl``, the URL without its query string), and secret static delivery attributes read back as
``"Hidden"``; ``getFullUrl`` and ``getDeliveryAttributes`` are the only ways to read them. The PUT's 201 body
echoes secret attribute values, as the Azure CLI's recorded test_event_subscription_delivery_attributes shows
(``contract.py`` links the recordings); GET, list and PATCH bodies hide them.

Read-time defaults are the ones those recordings' final GETs show (``contract.py``): ``maxEventsPerBatch`` 1 and
``preferredBatchSizeInKilobytes`` 64 (WebHook, AzureFunction), ``subjectBeginsWith``/``subjectEndsWith`` ``""``,
``isSubjectCaseSensitive`` false, ``eventDeliverySchema`` EventGridSchema, ``retryPolicy`` {30, 1440}. A PATCH's
201 reads like a GET in state Updating; a create's 201 has only the retry policy's defaults (Azure PowerShell's
recorded AzEventGridSystemTopic / AzEventGridEventSubscription sequences, tests/emulator/test_powershell_scenarios.py).
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from amlevents.emulator.eventgrid.contract import (
    BATCH_DEFAULTS,
    BATCH_TYPES,
    DEFAULT_SCHEMA,
    HIDDEN,
    RETRY_DEFAULTS,
)


def base_url(url: str) -> str:
    """The URL without query string and fragment (``endpointBaseUrl``)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def destinations(props: dict[str, Any]) -> list[dict[str, Any]]:
    """The subscription's delivery destination(s): ``destination`` or the identity-delivery one."""
    found = []
    if props.get("destination"):
        found.append(props["destination"])
    identity = props.get("deliveryWithResourceIdentity")
    if identity and identity.get("destination"):
        found.append(identity["destination"])
    return found


def _destination(dest: dict[str, Any], reveal_secrets: bool, defaults: bool) -> None:
    props = dest["properties"]
    if dest["endpointType"] == "WebHook":
        url = props.pop("endpointUrl", None)
        dest["properties"] = props = {"endpointUrl": None, "endpointBaseUrl": base_url(url) if url else None, **props}
    if defaults and dest["endpointType"] in BATCH_TYPES:
        for key, value in BATCH_DEFAULTS.items():
            props.setdefault(key, value)
    for mapping in props.get("deliveryAttributeMappings") or ():
        attr = mapping["properties"]
        if mapping["type"] == "Static" and attr.get("isSecret") and not reveal_secrets:
            attr["value"] = HIDDEN


TOPIC_CHILD_TYPE = "Microsoft.EventGrid/systemTopics/eventSubscriptions"


def event_subscription(doc: dict[str, Any], *, reveal_secrets: bool = False, defaults: bool = True,
                       topic_id: str | None = None) -> dict[str, Any]:
    """The ``EventSubscription`` JSON of a stored subscription, as the path that asked sees it.

    A subscription is stored once per source in its scope view (``{workspace}/providers/Microsoft.EventGrid/
    eventSubscriptions/{name}``); read through the source's system topic (``topic_id``) it has that path's id, the
    type ``Microsoft.EventGrid/systemTopics/eventSubscriptions`` and the topic's id as ``properties.topic``, as the
    swagger examples show.
    """
    stored = copy.deepcopy(doc["properties"])
    scope_topic = stored.pop("topic")
    props: dict[str, Any] = {"topic": scope_topic if topic_id is None else topic_id,
                             "provisioningState": stored.pop("provisioningState")}
    props["destination"] = None
    props.update(stored)
    for dest in destinations(props):
        _destination(dest, reveal_secrets, defaults)
    props.setdefault("labels", None)
    if defaults:
        f = props.setdefault("filter", {})
        for key, value in (("subjectBeginsWith", ""), ("subjectEndsWith", ""), ("isSubjectCaseSensitive", False)):
            f.setdefault(key, value)
        props.setdefault("eventDeliverySchema", DEFAULT_SCHEMA)
    # Even the create answer carries the retry policy's defaults (Azure PowerShell's recorded
    # AzEventGridSystemTopic / AzEventGridEventSubscription PUTs sent none and got {30, 1440} back in the 201).
    props["retryPolicy"] = {**RETRY_DEFAULTS, **(props.get("retryPolicy") or {})}
    if topic_id is None:
        return {"properties": props, "systemData": doc.get("systemData"), "id": doc["id"], "name": doc["name"],
                "type": doc["type"]}
    return {"properties": props, "systemData": doc.get("systemData"),
            "id": f"{topic_id}/eventSubscriptions/{doc['name']}", "name": doc["name"], "type": TOPIC_CHILD_TYPE}


def system_topic(doc: dict[str, Any]) -> dict[str, Any]:
    """The ``SystemTopic`` JSON of a stored system topic."""
    return {key: copy.deepcopy(value) for key, value in doc.items() if not key.startswith("_")}
