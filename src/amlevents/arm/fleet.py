"""Event subscriptions of many workspaces at once: Event Grid's regional lists by topic type
(``Microsoft.MachineLearningServices.Workspaces``), one paged list per (Azure subscription or resource group,
location) — shared/reference/fleet.md. The only module that knows those URLs.

A call per workspace would be 1,000 calls for 1,000 workspaces; these are one list per scope and location, and
the lists of different Azure subscriptions run at once (bounded: ``WORKERS``). Items are handed on as pages
arrive, in a stable order (the scopes in the order given, each scope's items in the service's order): each list
fills its own queue, and the reader drains the queues in order, so the first list streams while later ones are
already being fetched.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from amlevents.arm.discovery import Discovery, WorkspaceSelector, location_key
from amlevents.arm.errors import translate_errors
from amlevents.arm.session import Session
from amlevents.arm.subscriptions import list_json
from amlevents.core.catalog import TOPIC_TYPE
from amlevents.core.errors import AccessDeniedError

# lists fetched at once (each also reads one page ahead): a few per Azure subscription, well within its read bucket
# (250, refilled 25 a second); 8 kept a 1,000-workspace apply waiting 0.1 s more on its 40 lists
WORKERS = 32
PAGE_SIZE = 100  # $top: Event Grid's largest page
_WORKSPACE = re.compile(r"^(/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
                        r"Microsoft\.MachineLearningServices/workspaces/[^/]+)", re.IGNORECASE)
_DONE = object()


@dataclass(frozen=True)
class ListScope:
    """One regional list by topic type: an Azure subscription (and optionally one resource group) in a location.
    ``groups``: the resource groups to list one by one instead if the caller may not read the subscription-wide
    list (a role on some resource groups only)."""

    subscription_id: str
    location: str
    resource_group: str | None = None
    groups: tuple[str, ...] = ()

    def path(self) -> str:
        """The list's path (without the api-version)."""
        group = f"/resourceGroups/{self.resource_group}" if self.resource_group else ""
        return (f"/subscriptions/{self.subscription_id}{group}/providers/Microsoft.EventGrid/locations/"
                f"{self.location}/topicTypes/{TOPIC_TYPE}/eventSubscriptions")


def workspace_id_of(item: dict[str, Any]) -> str | None:
    """The id of the workspace an event subscription belongs to (from its id, else its ``properties.topic``)."""
    for text in (item.get("id"), (item.get("properties") or {}).get("topic")):
        found = _WORKSPACE.match(str(text or ""))
        if found:
            return found.group(1)
    return None


def scopes_for(workspaces: list[dict[str, Any]], resource_group: str | None) -> list[ListScope]:
    """One scope per (Azure subscription, location) that holds a selected workspace, in sorted order, each
    knowing its workspaces' resource groups."""
    groups: dict[tuple[str, str], set[str]] = {}
    for w in workspaces:
        groups.setdefault((w["subscriptionId"], location_key(w.get("location"))), set()).add(w["resourceGroup"])
    return [ListScope(sub, loc, resource_group, tuple(sorted(groups[sub, loc], key=str.lower)))
            for sub, loc in sorted(groups)]


class FleetSubscriptions:
    """Every event subscription of the selected workspaces, read through the lists by topic type."""

    def __init__(self, session: Session, workers: int = WORKERS) -> None:
        self.session = session
        self.workers = workers
        self.discovery = Discovery(session)

    def workspaces(self, selector: WorkspaceSelector) -> list[dict[str, Any]]:
        """The selected workspaces (Resource Graph, one query)."""
        return self.discovery.workspaces(selector)

    def items(self, selector: WorkspaceSelector,
              workspaces: list[dict[str, Any]] | None = None) -> Iterator[dict[str, Any]]:
        """The event subscriptions of the selected workspaces as the pages arrive (the REST JSON of each): the
        lists of the locations where the selected workspaces are (``selector.locations`` already narrowed them)."""
        if workspaces is None:
            workspaces = self.workspaces(selector)
        selected = {w["id"].lower() for w in workspaces}
        for item in self.scope_items(scopes_for(workspaces, selector.resource_group)):
            owner = workspace_id_of(item)
            if owner is not None and owner.lower() in selected:
                yield item

    def scope_items(self, scopes: list[ListScope]) -> Iterator[dict[str, Any]]:
        """Every item of the lists of ``scopes``, fetched ``workers`` at a time, handed on in scope order."""
        if not scopes:
            return
        stop = threading.Event()
        queues: list[queue.Queue[Any]] = [queue.Queue() for _ in scopes]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(scopes)),
                                thread_name_prefix="amlevents-fleet") as pool:
            for scope, out in zip(scopes, queues):
                pool.submit(self._fill, scope, out.put, stop)
            try:
                for out in queues:
                    while (got := out.get()) is not _DONE:
                        if isinstance(got, BaseException):
                            raise got
                        yield from got
            finally:
                stop.set()  # a reader that stopped early (an error, a closed pipe) stops the other lists
                pool.shutdown(wait=False, cancel_futures=True)

    def _fill(self, scope: ListScope, put: Callable[[Any], None], stop: threading.Event) -> None:
        """Read one list into its queue, a page's items at a time; an error is queued for the reader. A
        subscription-wide list the caller may not read is read as its resource groups' lists instead."""
        try:
            if stop.is_set():
                return
            try:
                self._read(scope, put, stop)
            except AccessDeniedError:
                if scope.resource_group or not scope.groups:
                    raise
                for group in scope.groups:  # nothing was put yet: the denial is the first page's answer
                    self._read(ListScope(scope.subscription_id, scope.location, group), put, stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the reader, which raises it in order
            put(exc)
        finally:
            put(_DONE)

    def _read(self, scope: ListScope, put: Callable[[Any], None], stop: threading.Event) -> None:
        """One list's items into the queue, ``PAGE_SIZE`` at a time."""
        client = self.session.eventgrid(scope.subscription_id)
        url = f"{scope.path()}?api-version={client._config.api_version}&$top={PAGE_SIZE}"  # noqa: SLF001
        where = f" in resource group '{scope.resource_group}'" if scope.resource_group else ""
        page: list[dict[str, Any]] = []
        with translate_errors(f"list the Azure ML event subscriptions of Azure subscription "
                              f"'{scope.subscription_id}'{where} in {scope.location}"):
            for item in list_json(client, url):
                page.append(item)
                if len(page) >= PAGE_SIZE:
                    put(page)
                    page = []
                    if stop.is_set():
                        return
        if page:
            put(page)
