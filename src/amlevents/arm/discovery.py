"""Which Azure subscriptions the caller can see (``GET /subscriptions``) and which Azure ML workspaces they hold
(one Azure Resource Graph query across them, paged with ``$skipToken``) — shared/reference/fleet.md.

Resource Graph is asked through ``azure-mgmt-resourcegraph``'s ``ResourceGraphClient.resources`` (its pipeline:
auth, this session's transport and bounded retries), with the request body sent as wire JSON and the answer read
as the JSON the service sent: the rows are plain dicts, no SDK model is built per workspace. The same client's
pipeline sends the ``GET /subscriptions`` pages, which need no subscription id (the Event Grid client does).

The query uses only the shapes the emulator documents (emulator/resourcegraph): ``type =~``, ``subscriptionId in``,
``location =~``, ``tags['k'] =~`` and ``project``; the resource group and the name pattern are applied here.
"""

from __future__ import annotations

import fnmatch
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from amlevents.arm.errors import translate_errors
from amlevents.arm.session import Session
from amlevents.core.errors import InvalidInputError

RESOURCE_GRAPH_API_VERSION = "2022-10-01"
SUBSCRIPTIONS_API_VERSION = "2022-12-01"
WORKSPACE_TYPE = "microsoft.machinelearningservices/workspaces"
PAGE_ROWS = 1000  # Resource Graph's largest $top
SUBSCRIPTIONS_PER_QUERY = 1000  # Resource Graph's guidance: batch subscriptions in groups of at most 1,000


@dataclass(frozen=True)
class WorkspaceSelector:
    """Which workspaces a fleet command covers: Azure subscriptions (empty: every one the caller can see), and
    optional resource group, locations, a name glob and tags (all case-insensitive, as ARM compares names)."""

    subscriptions: tuple[str, ...] = ()
    resource_group: str | None = None
    locations: tuple[str, ...] = ()
    name_pattern: str | None = None
    tags: tuple[tuple[str, str], ...] = field(default=())

    def matches(self, row: dict[str, Any]) -> bool:
        """True when a workspace row (``name``, ``resourceGroup``, ...) is selected."""
        if self.resource_group and (row.get("resourceGroup") or "").lower() != self.resource_group.lower():
            return False
        if self.locations and location_key(row.get("location")) not in {location_key(x) for x in self.locations}:
            return False
        if self.name_pattern and not fnmatch.fnmatchcase((row.get("name") or "").lower(), self.name_pattern.lower()):
            return False
        tags = {k.lower(): str(v).lower() for k, v in (row.get("tags") or {}).items()}
        return all(tags.get(k.lower()) == v.lower() for k, v in self.tags)


def location_key(value: str | None) -> str:
    """ARM location names compare without case or spaces ("West Europe" is "westeurope")."""
    return (value or "").replace(" ", "").lower()


def parse_tags(values: Iterable[str] | None) -> tuple[tuple[str, str], ...]:
    """``--tag k=v`` values as pairs; a value without ``=`` is invalid input."""
    pairs = []
    for value in values or ():
        key, sep, val = value.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(f"--tag '{value}' is not KEY=VALUE", hint="e.g. --tag env=prod")
        pairs.append((key.strip(), val.strip()))
    return tuple(pairs)


def _quote(value: str) -> str:
    """A KQL string literal (single quotes; a quote or backslash inside escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def workspace_query(selector: WorkspaceSelector) -> str:
    """The KQL that finds the selected workspaces (location and tags filtered by Resource Graph; one location
    only there, several are filtered here)."""
    parts = [f"resources | where type =~ {_quote(WORKSPACE_TYPE)}"]
    if len(selector.locations) == 1:
        parts.append(f"where location =~ {_quote(location_key(selector.locations[0]))}")
    parts += [f"where tags[{_quote(k)}] =~ {_quote(v)}" for k, v in selector.tags]
    parts.append("project id, name, resourceGroup, subscriptionId, location, tags")
    return " | ".join(parts)


class Discovery:
    """Azure subscriptions and Azure ML workspaces the caller can read."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def client(self) -> Any:
        """The session's ``ResourceGraphClient`` (built once, closed with the session)."""
        return self.session.memo(("resourcegraph",), self._build)

    def _build(self) -> Any:
        from azure.mgmt.resourcegraph import ResourceGraphClient

        options = self.session._common()  # noqa: SLF001 - the same transport, retry policy and base URL as every client
        base_url = options.pop("base_url")
        client = ResourceGraphClient(self.session.credential, base_url, api_version=RESOURCE_GRAPH_API_VERSION,
                                     **options)
        self.session.on_close.append(client.close)
        return client

    def subscription_ids(self) -> list[str]:
        """Every Azure subscription the caller can see (``GET /subscriptions``, every page), in the order ARM
        lists them."""
        from azure.core.rest import HttpRequest

        ids: list[str] = []
        url: str | None = f"/subscriptions?api-version={SUBSCRIPTIONS_API_VERSION}"
        with translate_errors("list the Azure subscriptions you can see"):
            while url:
                response = self.client._send_request(HttpRequest("GET", url))  # noqa: SLF001
                response.raise_for_status()
                page = response.json() or {}
                ids += [s["subscriptionId"] for s in page.get("value") or [] if s.get("subscriptionId")]
                url = page.get("nextLink")
        return ids

    def workspaces(self, selector: WorkspaceSelector) -> list[dict[str, Any]]:
        """The selected workspaces as rows (id, name, resourceGroup, subscriptionId, location, tags), sorted by
        subscription, resource group and name so every run lists them in one order."""
        subscriptions = list(selector.subscriptions) or self.subscription_ids()
        rows: list[dict[str, Any]] = []
        for start in range(0, len(subscriptions), SUBSCRIPTIONS_PER_QUERY):
            rows += self._query(workspace_query(selector), subscriptions[start:start + SUBSCRIPTIONS_PER_QUERY])
        selected = [r for r in rows if selector.matches(r)]
        return sorted(selected, key=lambda r: (r.get("subscriptionId", "").lower(),
                                               r.get("resourceGroup", "").lower(), r.get("name", "").lower()))

    def _query(self, query: str, subscriptions: list[str]) -> list[dict[str, Any]]:
        """Every row of one Resource Graph query, page by page."""
        if not subscriptions:
            return []
        rows: list[dict[str, Any]] = []
        options: dict[str, Any] = {"$top": PAGE_ROWS, "resultFormat": "objectArray"}
        with translate_errors("query Azure Resource Graph for Azure ML workspaces"):
            while True:
                body = {"subscriptions": subscriptions, "query": query, "options": options}
                answer = self.client.resources(io.BytesIO(json.dumps(body).encode("utf-8")),
                                               content_type="application/json", cls=_raw) or {}
                rows += answer.get("data") or []
                token = answer.get("$skipToken")
                if not token:
                    return rows
                options = {**options, "$skipToken": token}


def _raw(pipeline_response: Any, _deserialized: Any, _headers: Any) -> Any:
    """``cls=`` hook: the answer's JSON as the service sent it."""
    response = pipeline_response.http_response
    return response.json() if response.text() else None
