"""A local, faithful stand-in for the slice of Azure Resource Manager that amlevents uses.

It serves, over HTTPS on 127.0.0.1, the Event Grid event subscriptions of Azure Machine Learning workspaces
(on the workspace scope and under system topics), system topics, the operations behind their long-running
requests, the seeded workspaces, and the Microsoft.Authorization reads (permissions, role assignments, role
definitions). The real SDK clients work against it unchanged: same paths, status codes (201-only PUT/PATCH,
202 + ``Location`` DELETE), ``Azure-AsyncOperation`` polling, ``nextLink`` paging, ARM error bodies, secrets
hidden as the service hides them, RBAC on every request. The contract is ``shared/reference/arm-contract.md``.

Layout (learned from moto's server mode, with HTTP kept out of the domain)::

    server.py   EmulatorServer: threaded HTTPS server, start/stop, ready_info()
    tls.py      local CA and server certificate (cryptography)
    app.py      the WSGI app: faults, auth, routing, RBAC, request log; admin.py: /_emulator/ endpoints
    routes.py   path regex -> handler + RBAC action        handlers.py  parse, call the backend, serialise
    backend.py  the domain (+ subscriptions.py, topics.py, operations.py, views.py), raises errors.ArmError
    validation.py  event subscription rules (reusing amlevents.core.filters)
    rbac.py  odata.py  paging.py  faults.py  auth.py  seed.py  store.py (SQLite); roles: amlevents.core.roles
    wirejson.py  strict JSON from the wire (depth, NaN/Infinity)   errors.py  ARM's error format and codes

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
- the shared identity of a scope subscription and its system topic's subscriptions (see subscriptions.py);
- managed identities (identity delivery is accepted without checking that the topic has an identity);
- ARM's request throttling counters, regions, availability and response headers beyond the ones the SDK reads.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Backend", "EmulatorApp", "EmulatorCredential", "EmulatorServer", "mint_token"]

_EXPORTS = {
    "Backend": "amlevents.emulator.backend",
    "EmulatorApp": "amlevents.emulator.app",
    "EmulatorCredential": "amlevents.emulator.auth",
    "EmulatorServer": "amlevents.emulator.server",
    "mint_token": "amlevents.emulator.auth",
}


def __getattr__(name: str) -> Any:
    # Lazy, so that importing one small module (auth, seed) does not load werkzeug and cryptography.
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'amlevents.emulator' has no attribute {name!r}")
