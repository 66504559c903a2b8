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
    identity/       Entra ID: auth.py (tokens, EmulatorCredential), caller.py (the caller and its systemData),
                    endpoints.py (sign-in endpoints)
    runtime/        the machinery: server.py, tls.py, app.py, admin.py (/_emulator/), routes.py, handlers.py,
                    backend.py (the domain, raising errors.ArmError), store.py (SQLite), seed.py, fleet.py (the
                    generated fleet form of a seed), workspaces.py, faults.py, throttling.py (ARM's token buckets),
                    errors.py (ARM's error format), wirejson.py, paging.py, odata.py

Entry points: ``EmulatorServer`` (embeddable server), ``EmulatorApp``/``Backend`` (WSGI app and domain without a
server), ``EmulatorCredential`` and ``mint_token`` (bearer tokens the emulator accepts).

What it does NOT emulate:

- event delivery: no events are published, filtered or delivered, and no webhook is ever contacted (a host
  ending in ``.invalid`` fails the validation handshake, ``.manual.invalid`` waits for manual validation);
- token signatures: tokens are unsigned JWTs, trusted as signed; everything else is checked like ARM (tenant,
  issuer, nbf, expiry, lifetime, audience);
- any resource provider but the slice above: custom topics, domains, namespaces, partner topics, the global and
  regional event-subscription lists (``list_global_*``, ``list_regional_*``), event subscriptions on resource
  groups or subscriptions, destination resources (an Event Hub id is checked for shape, not existence), writes
  to workspaces or role assignments (both come from the seed);
- the shared identity of a scope subscription and its system topic's subscriptions (see eventgrid/subscriptions.py);
- managed identities (identity delivery is accepted without checking that the topic has an identity);
- ARM's request throttling counters, regions, availability and response headers beyond the ones the SDK reads.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Backend", "EmulatorApp", "EmulatorCredential", "EmulatorServer", "mint_token"]

_EXPORTS = {
    "Backend": "amlevents.emulator.runtime.backend",
    "EmulatorApp": "amlevents.emulator.runtime.app",
    "EmulatorCredential": "amlevents.emulator.identity.auth",
    "EmulatorServer": "amlevents.emulator.runtime.server",
    "mint_token": "amlevents.emulator.identity.auth",
}


def __getattr__(name: str) -> Any:
    # Lazy, so that importing one small module (auth, seed) does not load werkzeug and cryptography.
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'amlevents.emulator' has no attribute {name!r}")
