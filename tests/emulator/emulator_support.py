"""Shared constants and helpers for the emulator tests (fixtures live in tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import requests

from amlevents.emulator.identity.tokens import mint_token

SUB = "00000000-0000-0000-0000-000000000000"
RG = "amlevents-local"
WS = "local-workspace"
WS2 = "local-workspace-2"
NS = "Microsoft.MachineLearningServices"
SCOPE = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/{NS}/workspaces/{WS}"
SCOPE2 = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/{NS}/workspaces/{WS2}"
HOOK = "https://hooks.example.com/api/events?code=s3cret"
API = "2025-02-15"
EVENT_SUBS = f"{SCOPE}/providers/Microsoft.EventGrid/eventSubscriptions"


def webhook_subscription(url: str = HOOK, **kwargs: Any) -> Any:
    """An SDK EventSubscription delivering to a webhook."""
    from azure.mgmt.eventgrid.models import (
        EventSubscription,
        WebHookEventSubscriptionDestination,
    )

    return EventSubscription(destination=WebHookEventSubscriptionDestination(endpoint_url=url), **kwargs)


def create(client: Any, name: str, scope: str = SCOPE, **kwargs: Any) -> Any:
    """Create a webhook subscription and wait for the operation."""
    return client.event_subscriptions.begin_create_or_update(scope, name, webhook_subscription(**kwargs)).result()


def list_names(client: Any, ws: str = WS, **kwargs: Any) -> list[str]:
    """Names from list_by_resource on a workspace."""
    return [s.name for s in client.event_subscriptions.list_by_resource(RG, NS, "workspaces", ws, **kwargs)]


def raw(server: Any, method: str, path: str, *, token: str | None = "owner", body: Any = None,
        params: dict[str, str] | None = None, headers: dict[str, str] | None = None,
        data: bytes | None = None) -> requests.Response:
    """A plain HTTPS request; ``token`` is a principal name, a ready token string, or None for no header."""
    sent = dict(headers or {})
    if token is not None:
        value = mint_token(server.principals[token], server.tenant_id) if token in server.principals else token
        sent.setdefault("Authorization", f"Bearer {value}")
    query = {"api-version": API} if params is None else params
    return requests.request(method, server.url + path, params=query, json=body, data=data, headers=sent,
                            verify=server.ca_cert_path, timeout=10)


def webhook_body(url: str = HOOK, **properties: Any) -> dict[str, Any]:
    """A raw PUT body for a webhook subscription."""
    return {"properties": {"destination": {"endpointType": "WebHook", "properties": {"endpointUrl": url}},
                           **properties}}


def local(server: Any, url: str) -> str:
    """The path of an absolute emulator URL (for ``raw``)."""
    assert url.startswith(server.url), url
    return url[len(server.url):].split("?")[0]
