"""Who a request comes from, as ARM reads it off the bearer token, and the ``systemData`` ARM writes for it.

ARM fills ``systemData.createdBy``/``lastModifiedBy`` and their ``...ByType`` from the caller's token: an
application token (``idtyp: app``, or an ``appid``/``azp`` without a user name) records ``Application`` and the
application (client) id; a managed identity's (``xms_mirid``) records ``ManagedIdentity`` and its client id; a
user's records ``User`` and the user name (``upn``, ``unique_name``, ``email``, ``preferred_username``). The
emulator's own minimal tokens (``mint_token``: ``oid`` only) say nothing of the kind; for them the seeded
principal decides: a ``User`` is ``{name}@amlevents.local``, a service principal its client id, and an object id
the seed does not know is recorded as a user by that id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from amlevents.emulator.runtime.seed import World
from amlevents.emulator.runtime.timestamps import iso

USER_DOMAIN = "amlevents.local"
_USER_NAMES = ("upn", "unique_name", "email", "preferred_username")


@dataclass(frozen=True)
class Caller:
    """The caller of one request: its object id, and what its token says of its kind and name ("" when silent)."""

    object_id: str
    kind: str = ""  # User, Application or ManagedIdentity
    name: str = ""  # the user name or the application (client) id


def _text(claims: dict[str, Any], *names: str) -> str:
    return next((v for n in names if isinstance(v := claims.get(n), str) and v), "")


def caller_from_claims(claims: dict[str, Any]) -> Caller:
    """The ``Caller`` an (already checked) token's claims describe."""
    oid = claims["oid"]
    app_id, user = _text(claims, "appid", "azp"), _text(claims, *_USER_NAMES)
    if isinstance(claims.get("xms_mirid"), str):
        return Caller(oid, "ManagedIdentity", app_id)
    idtyp = claims.get("idtyp")
    if idtyp == "app" or (idtyp != "user" and app_id and not user and "scp" not in claims):
        return Caller(oid, "Application", app_id)
    if idtyp == "user" or user:
        return Caller(oid, "User", user)
    return Caller(oid)


def as_caller(principal: str | Caller) -> Caller:
    """A ``Caller``; a bare object id (the backend's direct callers, e.g. tests) is one whose token said nothing."""
    return principal if isinstance(principal, Caller) else Caller(principal)


def recorded_as(world: World, principal: str | Caller) -> tuple[str, str]:
    """(createdBy, createdByType) for the caller: from its token's claims, else from the seeded principal."""
    caller = as_caller(principal)
    seeded = world.principal(caller.object_id)
    kind = caller.kind or ("User" if seeded is None or seeded.type == "User" else "Application")
    if caller.name:
        return caller.name, kind
    if seeded is None:
        return caller.object_id, kind
    if kind == "User":
        return f"{seeded.name}@{USER_DOMAIN}", kind
    return seeded.client_id or seeded.object_id, kind


def system_data(world: World, principal: str | Caller, now: float,
                previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """ARM ``systemData``: who created the resource and when (kept from ``previous``), who modified it last."""
    who, kind = recorded_as(world, principal)
    at = iso(now)
    created = {k: v for k, v in (previous or {}).items() if k.startswith("created")}
    data = created or {"createdBy": who, "createdByType": kind, "createdAt": at}
    return {**data, "lastModifiedBy": who, "lastModifiedByType": kind, "lastModifiedAt": at}
