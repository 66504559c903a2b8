"""System topics (a mixin of ``Backend``): one per source, here an AML workspace.

Rules: ``location`` is required and must be the source's region;
``properties.source`` must be an existing seeded workspace (404 as ARM words it otherwise); ``topicType``
compares case-insensitively with ``Microsoft.MachineLearningServices.Workspaces``; a second topic for the same
source is refused naming the existing one (which may be the hidden ``{workspace}-{guid}`` topic Azure created for
a scope subscription); source and topic type cannot change. PUT answers 201 with an operation for a new topic,
200 for an existing one (tags and identity update in place); PATCH updates tags/identity (200); DELETE is an
operation that removes the topic's subscriptions with it: every subscription of its source, whichever path created
it, since a source has one collection (``subscriptions.py``, arm-contract.md §2).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from amlevents.core.catalog import TOPIC_TYPE
from amlevents.core.errors import InvalidInputError
from amlevents.core.names import check_topic_name
from amlevents.emulator.eventgrid import operations, views
from amlevents.emulator.eventgrid.operations import BUSY
from amlevents.emulator.identity.caller import Caller, system_data
from amlevents.emulator.runtime.errors import (
    ArmError,
    conflict,
    invalid_request,
    resource_not_found,
)
from amlevents.emulator.runtime.seed import Workspace
from amlevents.emulator.runtime.store import Tx

if TYPE_CHECKING:  # the mixin names its host class; the one accepted cycle (see runtime/backend.py)
    from amlevents.emulator.runtime.backend import Backend

KIND = "systemTopic"
TYPE = "Microsoft.EventGrid/systemTopics"
_SOURCE = re.compile(r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/(?P<ns>[^/]+)/"
                     r"(?P<type>[^/]+)/(?P<name>[^/]+)", re.IGNORECASE)


def _region(location: str) -> str:
    return location.replace(" ", "").lower()


class TopicsMixin:
    """System topic operations of ``Backend``."""

    @staticmethod
    def _group_key(topic_id: str) -> str:
        """The store's parent key of a topic: its resource group's id, lower-cased."""
        return topic_id[:topic_id.lower().index("/providers/")].lower()

    def _topic_id(self: Backend, subscription_id: str, resource_group: str, name: str) -> str:
        """The ARM id of a system topic in a seeded resource group (``resource_group`` as seeded)."""
        sub = self.azure_subscription(subscription_id).subscription_id
        return f"/subscriptions/{sub}/resourceGroups/{resource_group}/providers/{TYPE}/{name}"

    def _topic_doc(self: Backend, tx: Tx, subscription_id: str, resource_group: str, name: str) -> dict[str, Any]:
        group = self.resource_group(subscription_id, resource_group)
        doc = tx.get(KIND, self._topic_id(subscription_id, group.name, name).lower())
        if doc is None:
            raise resource_not_found(TYPE, name, resource_group)
        return doc

    def _topic_for_source(self, tx: Tx, source_key: str) -> dict[str, Any] | None:
        # on the store's index of topic sources: a fleet seed ensures a topic per workspace, in one transaction
        return tx.topic_by_source(KIND, source_key)

    def _topic_document(self, topic_id: str, name: str, resource_group: str, location: str, source: str,
                        topic_type: str, tags: Any, system_data: dict[str, Any], state: str,
                        auto: bool = False) -> dict[str, Any]:
        return {
            "properties": {"provisioningState": state, "source": source, "topicType": topic_type,
                           "metricResourceId": str(uuid.uuid4())},
            "systemData": system_data,
            "location": location,
            "tags": tags,
            "id": topic_id,
            "name": name,
            "type": TYPE,
            "_": {"kind": KIND, "parent": self._group_key(topic_id), "resourceGroup": resource_group,
                  "auto": auto, "operationId": None},
        }

    def _put_topic(self, tx: Tx, doc: dict[str, Any]) -> None:
        tx.put(KIND, doc["id"].lower(), doc["_"]["parent"], doc)

    def _topic_source(self: Backend, doc: dict[str, Any]) -> Workspace:
        """The seeded workspace a topic's ``source`` names (checked when the topic was created)."""
        m = _SOURCE.fullmatch(doc["properties"]["source"].rstrip("/"))
        return self.workspace(m["sub"], m["rg"], m["name"], m["ns"], m["type"])

    def _remove_topic(self: Backend, tx: Tx, doc: dict[str, Any]) -> None:
        # The source's subscriptions live under its one topic (arm-contract.md §2): they go with it.
        for sub in tx.children("eventSubscription", self._topic_source(doc).id.lower()):
            tx.delete("eventSubscription", sub["id"].lower())
        tx.delete(KIND, doc["id"].lower())

    def get_system_topic(self: Backend, subscription_id: str, resource_group: str, name: str) -> dict[str, Any]:
        """GET one system topic."""
        with self._tx() as (tx, _now):
            return views.system_topic(self._topic_doc(tx, subscription_id, resource_group, name))

    def list_system_topics(self: Backend, subscription_id: str, resource_group: str | None = None,
                           ) -> list[dict[str, Any]]:
        """The system topics of a resource group, or of the subscription, ordered by name."""
        with self._tx() as (tx, _now):
            if resource_group is None:
                prefix = f"/subscriptions/{self.azure_subscription(subscription_id).subscription_id}/".lower()
                docs = [d for d in tx.all(KIND) if d["_"]["parent"].startswith(prefix)]
            else:
                group = self.resource_group(subscription_id, resource_group)
                docs = tx.children(KIND, self._group_key(self._topic_id(subscription_id, group.name, "x")))
        return [views.system_topic(d) for d in sorted(docs, key=lambda d: d["name"].lower())]

    def _check_source(self: Backend, body: Any) -> tuple[str, str, str]:
        """(location, source, topicType) of a valid create body; the workspace must exist."""
        if not isinstance(body, dict):
            raise invalid_request("The request body must be a JSON object.")
        location = body.get("location")
        if not isinstance(location, str) or not location.strip():
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        props = body.get("properties") if isinstance(body.get("properties"), dict) else {}
        source, topic_type = props.get("source"), props.get("topicType")
        if not isinstance(source, str) or not (m := _SOURCE.fullmatch(source.strip().rstrip("/"))):
            raise invalid_request(f"The system topic source '{source}' is not a valid Azure resource ID.")
        # The source must exist (ARM's 404 otherwise, whatever its type) before its topic type is compared.
        ws = self.workspace(m["sub"], m["rg"], m["name"], m["ns"], m["type"])
        if not isinstance(topic_type, str) or topic_type.lower() != TOPIC_TYPE.lower():
            raise invalid_request(
                f"The topic type '{topic_type}' is not supported for the source '{source}'. The topic type of "
                f"its resource type, {m['ns']}/{m['type']}, is '{TOPIC_TYPE}'.")
        if _region(location) != _region(ws.location):
            raise invalid_request(
                f"The system topic location '{location}' must be the location of its source, '{ws.location}'.")
        return location, source.strip(), topic_type

    def put_system_topic(self: Backend, subscription_id: str, resource_group: str, name: str, body: Any,
                         caller: Caller | str) -> dict[str, Any]:
        """Create or update a system topic, at once: Azure answers 200 Succeeded with no operation to poll."""
        with self._tx() as (tx, now):
            group = self.resource_group(subscription_id, resource_group)
            try:
                check_topic_name(name)
            except InvalidInputError:
                raise invalid_request(f"System topic name '{name}' is invalid. It must be between 3 and 128 "
                                      "characters long and contain only letters, digits, hyphens and underscores."
                                      ) from None
            location, source, topic_type = self._check_source(body)
            topic_id = self._topic_id(subscription_id, group.name, name)
            existing = tx.get(KIND, topic_id.lower())
            if existing is not None:
                if existing["properties"]["source"].lower() != source.lower():
                    raise invalid_request("System topic source cannot be modified.")
                if existing["properties"]["topicType"].lower() != topic_type.lower():
                    raise invalid_request("System topic type cannot be modified.")
                return self._patch_topic(tx, existing, body, caller, now)
            other = self._topic_for_source(tx, source.lower())
            if other is not None:
                raise invalid_request(
                    f"Only one system topic is allowed per source. The source '{source}' already has the system "
                    f"topic '{other['name']}' (resource group '{other['_']['resourceGroup']}').")
            # Azure creates a system topic at once: 200 Succeeded, no operation to poll (the swagger's examples,
            # Azure PowerShell's recording of New-AzEventGridSystemTopic)
            doc = self._topic_document(topic_id, name, group.name, location, source, topic_type, body.get("tags"),
                                       system_data(self.world, caller, now), "Succeeded")
            if body.get("identity") is not None:
                doc["identity"] = body["identity"]
            self._put_topic(tx, doc)
            return views.system_topic(doc)

    def _patch_topic(self: Backend, tx: Tx, doc: dict[str, Any], body: dict[str, Any], caller: Caller | str,
                     now: float) -> dict[str, Any]:
        if doc["properties"]["provisioningState"] in BUSY:
            raise conflict(f"The system topic '{doc['name']}' is in provisioning state "
                           f"'{doc['properties']['provisioningState']}'. Retry after the current operation completes.")
        if "tags" in body:
            doc["tags"] = body["tags"]
        if body.get("identity") is not None:
            doc["identity"] = body["identity"]
        doc["systemData"] = system_data(self.world, caller, now, doc.get("systemData"))
        self._put_topic(tx, doc)
        return views.system_topic(doc)

    def update_system_topic(self: Backend, subscription_id: str, resource_group: str, name: str, body: Any,
                            caller: Caller | str) -> dict[str, Any]:
        """PATCH tags and identity."""
        if not isinstance(body, dict):
            raise invalid_request("The request body must be a JSON object.")
        with self._tx() as (tx, now):
            return self._patch_topic(tx, self._topic_doc(tx, subscription_id, resource_group, name), body,
                                     caller, now)

    def delete_system_topic(self: Backend, subscription_id: str, resource_group: str, name: str,
                            fail_operation: Callable[[], bool]) -> dict[str, Any] | None:
        """Start deleting a topic and its subscriptions: the operation, or None when it does not exist."""
        with self._tx() as (tx, now):
            group = self.resource_group(subscription_id, resource_group)
            doc = tx.get(KIND, self._topic_id(subscription_id, group.name, name).lower())
            if doc is None:
                return None
            state = doc["properties"]["provisioningState"]
            if state == "Deleting":
                return operations.get(tx, doc["_"]["operationId"])
            if state in BUSY:  # Creating or Updating
                raise conflict(f"The system topic '{name}' is in provisioning state '{state}'.")
            op = self._start_operation(tx, now, kind=KIND, key=doc["id"].lower(), action="delete",
                                       location=doc["location"], fail_operation=fail_operation)
            doc["properties"]["provisioningState"] = "Deleting"
            doc["_"]["operationId"] = op["id"]
            self._put_topic(tx, doc)
            return op
