"""Request handlers: parse the request, call one backend method, serialise the answer.

Each handler takes a ``Context`` and the route's named groups and returns a ``Reply`` (status, JSON body,
headers). ``nextLink`` and ``$filter``/``$top`` live here because they are about URLs; the rules are in the
backend. This module holds what every provider's handlers share and the reads of the seeded world (workspaces,
resource groups, subscriptions, tenants); the Event Grid and Microsoft.Authorization handlers are in
``eventgrid/handlers.py`` and ``authorization/handlers.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Request

from amlevents.emulator.identity.caller import Caller
from amlevents.emulator.runtime import paging, wirejson
from amlevents.emulator.runtime.backend import Backend
from amlevents.emulator.runtime.errors import invalid_content
from amlevents.emulator.runtime.odata import ODataError


def query_param(args: Mapping[str, str], name: str) -> str | None:
    """A query parameter by name, ignoring case (ARM does); None when absent."""
    wanted = name.lower()
    return next((v for k, v in args.items() if k.lower() == wanted), None)


@dataclass
class Reply:
    """An HTTP answer: status, JSON body (None: empty) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    """What a handler needs to know about the request beyond its path parameters."""

    backend: Backend
    request: Request
    principal_id: str
    base_url: str
    path: str
    api_version: str
    fail_operation: Callable[[], bool]
    caller: Caller | None = None  # what the token says of the caller (systemData); None: the object id alone

    @property
    def who(self) -> Caller | str:
        """The caller as the backend's writes record it (``identity.caller``)."""
        return self.caller if self.caller is not None else self.principal_id

    def query(self, name: str) -> str | None:
        """A query parameter by name, ignoring case (ARM does)."""
        return query_param(self.request.args, name)

    def url(self, path: str | None = None) -> str:
        """The absolute URL of ``path`` (default: this request's path) with this request's ``api-version``."""
        return f"{self.base_url}{self.path if path is None else path}?api-version={quote(self.api_version)}"

    def json(self) -> Any:
        """The JSON request body; 400 InvalidRequestContent when it does not parse."""
        parsed = self.request.environ.pop(PARSED_BODY, None)
        if parsed is not None:  # the app parsed it for its request log: the first caller takes that one
            return parsed
        raw = self.request.get_data(cache=True)
        if not raw.strip():
            return None
        try:
            return wirejson.loads(raw)
        except ValueError as exc:
            raise invalid_content(str(exc)) from None


# the WSGI environ key under which the app leaves a request body it parsed (for its log) for ``Context.json``
PARSED_BODY = "amlevents.parsed_body"


@contextmanager
def odata_errors() -> Iterator[None]:
    """Turn a ``$filter`` the parser refuses into ARM's 400 InvalidRequest."""
    try:
        yield
    except ODataError as exc:
        raise exc.to_arm() from None


def paged(ctx: Context, items: list[dict[str, Any]]) -> Reply:
    """A 200 page of ``items``: the name ``$filter``, ``$top`` and ``$skipToken`` applied, ``nextLink`` when more."""
    top = paging.parse_top(ctx.query("$top"))
    text = ctx.query("$filter")
    with odata_errors():  # a Listing evaluates the filter in SQL where it maps, reading only the page's rows
        chunk, token = paging.page(items, top, ctx.query("$skipToken"), text)
    body: dict[str, Any] = {"value": chunk}
    if token:
        body["nextLink"] = paging.next_link(
            ctx.base_url, ctx.path,
            {"api-version": ctx.api_version, "$filter": text or None, "$top": str(top), "$skipToken": token})
    return Reply(200, body)


# --- the seeded world ----------------------------------------------------------------------------------------

def get_workspace(ctx: Context, sub: str, rg: str, ws: str) -> Reply:
    """GET one seeded workspace."""
    return Reply(200, ctx.backend.workspace_view(sub, rg, ws))


def list_workspaces(ctx: Context, sub: str, rg: str | None = None) -> Reply:
    """GET the seeded workspaces of a resource group or subscription."""
    return Reply(200, {"value": ctx.backend.list_workspaces(sub, rg)})


def get_resource_group(ctx: Context, sub: str, rg: str) -> Reply:
    """GET a seeded resource group."""
    return Reply(200, ctx.backend.resource_group_view(sub, rg))


def get_subscription(ctx: Context, sub: str) -> Reply:
    """GET the seeded subscription."""
    return Reply(200, ctx.backend.subscription_view(sub))


def list_subscriptions(ctx: Context) -> Reply:
    """GET the subscriptions the caller can see (``az login`` lists them)."""
    return Reply(200, {"value": ctx.backend.list_subscriptions(ctx.principal_id)})


def list_tenants(ctx: Context) -> Reply:
    """GET the tenants of the caller."""
    return Reply(200, {"value": ctx.backend.tenants()})
