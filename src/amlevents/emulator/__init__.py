"""A local, faithful stand-in for the slice of Azure Resource Manager that amlevents uses.

It serves, over HTTPS on 127.0.0.1, the Event Grid event subscriptions of Azure Machine Learning workspaces
(on the workspace scope and under system topics), system topics, the operations behind their long-running
requests, the seeded workspaces (of one or many Azure subscriptions), the Microsoft.Authorization reads
(permissions, role assignments, role definitions) and Resource Graph's workspace discovery queries, optionally
throttled as ARM throttles. The real SDK clients work against it unchanged: same paths, status codes (201-only PUT/PATCH,
202 + ``Location`` DELETE), ``Azure-AsyncOperation`` polling, ``nextLink`` paging, ARM error bodies, secrets
hidden as the service hides them, RBAC on every request. It is an independent implementation of the service's
contract: it reuses only the service's own rules from ``amlevents.core`` (the filter engine, the event catalog,
workspace ids, name rules, roles and RBAC), never the client's update, plan or manifest logic, so that a client
mistake is caught by the fake instead of mirrored.

Layout, grouped by what it fakes (learned from moto's server mode, with HTTP kept out of the domain)::

    eventgrid/      Microsoft.EventGrid: contract.py (the service's facts), validation.py, subscriptions.py,
                    topics.py, operations.py, views.py, handlers.py
    authorization/  Microsoft.Authorization: rbac.py, views.py (role assignments and definitions), handlers.py
    resourcegraph/  Microsoft.ResourceGraph: query.py (the KQL subset), service.py (scope, access, paging),
                    quota.py (the per-user quota), handlers.py
    identity/       Entra ID: tokens.py (minting, EmulatorCredential), auth.py (checking tokens as ARM does),
                    caller.py (the caller and its systemData), endpoints.py (sign-in endpoints)
    delivery/       Event Grid's data plane: publish, match, deliver (dispatcher.py, transport.py), handshake.py,
                    the dead-letter folder and the spool for non-webhook destinations
    runtime/        the machinery: server.py, tls.py, app.py, admin.py (/_emulator/), routes.py, handlers.py,
                    backend.py (the domain, raising errors.ArmError), store.py (SQLite), seed.py, fleet.py (the
                    generated fleet form of a seed), workspaces.py, faults.py, throttling.py (ARM's token buckets),
                    errors.py (ARM's error format), wirejson.py, paging.py, odata.py

Entry points: ``EmulatorServer`` (embeddable server), ``EmulatorApp``/``Backend`` (WSGI app and domain without a
server), ``EmulatorCredential`` and ``mint_token`` (bearer tokens the emulator accepts).

What it does NOT emulate:

- token signatures: tokens are unsigned JWTs, trusted as signed; everything else is checked like ARM (tenant,
  issuer, nbf, expiry, lifetime, audience);
- any resource provider but the slice above: custom topics, domains, namespaces, partner topics, event
  subscriptions on resource groups or subscriptions, destination resources (an Event Hub id is checked for shape,
  not existence), writes to workspaces or role assignments (both come from the seed);
- delivery into Event Hubs, Service Bus or Storage queues: events for those destinations are written to a JSONL
  spool (``delivery/``) instead; webhooks and Azure Function routes are delivered to over HTTP, with the
  service's handshake, retries and dead-lettering;
- managed identities: delivery with a resource identity is accepted without checking that the system topic holds
  that identity or that the identity may write to the destination;
- ARM's regions and availability; its throttling only when asked for (``runtime/throttling.py``, off by default).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Backend", "EmulatorApp", "EmulatorCredential", "EmulatorServer", "mint_token"]

_EXPORTS = {
    "Backend": "amlevents.emulator.runtime.backend",
    "EmulatorApp": "amlevents.emulator.runtime.app",
    "EmulatorCredential": "amlevents.emulator.identity.tokens",
    "EmulatorServer": "amlevents.emulator.runtime.server",
    "mint_token": "amlevents.emulator.identity.tokens",
}


def __getattr__(name: str) -> Any:
    # Lazy, so that importing one small module (auth, seed) does not load werkzeug and cryptography.
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'amlevents.emulator' has no attribute {name!r}")
