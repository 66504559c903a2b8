"""Bearer tokens for the emulator: minting unsigned JWTs, a credential for the SDK, and ARM's 401 refusals.

The emulator trusts whoever holds a token: tokens are unsigned (``alg: none``) JWTs whose payload carries ``oid``
(the principal's object id), ``tid``, ``aud`` ``https://management.azure.com/``, ``iat``, ``nbf`` and ``exp``.
What it checks is what ARM checks before authorization: a Bearer header is present, the token parses, has not
expired and was issued for the management audience. An ``oid`` the seed does not know is a valid principal with
no role assignments (so it gets 403 on every action).

``EmulatorCredential`` is a duck-typed ``azure.core.credentials.TokenCredential`` (``get_token`` returns an object
with ``.token`` and ``.expires_on``); this package does not import azure.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from datetime import datetime, timezone
from typing import Any, NamedTuple

from amlevents.emulator.errors import ArmError
from amlevents.emulator.seed import DEFAULT_PRINCIPALS, DEFAULT_TENANT_ID

AUDIENCE = "https://management.azure.com/"
# ARM accepts tokens for either spelling of the management resource.
MANAGEMENT_AUDIENCES = frozenset({"https://management.azure.com/", "https://management.azure.com",
                                  "https://management.core.windows.net/", "https://management.core.windows.net"})
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def mint_token(object_id: str, tenant_id: str = DEFAULT_TENANT_ID, lifetime: int = 3600, expired: bool = False,
               audience: str = AUDIENCE, claims: dict[str, Any] | None = None) -> str:
    """An unsigned JWT for ``object_id``; ``expired=True`` gives one that expired an hour ago; ``claims`` are
    added (e.g. ``appid`` for a service-principal sign-in)."""
    now = int(time.time())
    issued = now - 2 * lifetime if expired else now
    payload = {
        "aud": audience,
        "iss": f"https://sts.windows.net/{tenant_id}/",
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        "oid": object_id,
        "sub": object_id,
        "tid": tenant_id,
        "ver": "1.0",
        **(claims or {}),
    }
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."


class AccessToken(NamedTuple):
    """The shape azure-core expects from ``get_token``."""

    token: str
    expires_on: int


class EmulatorCredential:
    """A token credential for the emulator: ``EmulatorCredential("reader")`` signs requests as the seeded reader.

    ``principal`` is a name from ``principals`` (the default seed's names when not given) or an object id.
    """

    def __init__(
        self,
        principal: str = "owner",
        principals: dict[str, str] | None = None,
        tenant_id: str = DEFAULT_TENANT_ID,
        lifetime: int = 3600,
    ) -> None:
        known = DEFAULT_PRINCIPALS if principals is None else principals
        if principal in known:
            self.object_id = known[principal]
        elif _GUID.fullmatch(principal):
            self.object_id = principal
        else:
            raise ValueError(f"unknown principal {principal!r}; known: {', '.join(sorted(known))}")
        self.tenant_id = tenant_id
        self.lifetime = lifetime

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """A fresh token for the principal (the scopes and claims are not checked)."""
        token = mint_token(self.object_id, self.tenant_id, self.lifetime)
        return AccessToken(token, int(time.time()) + self.lifetime)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> EmulatorCredential:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unauthorized(code: str, message: str, description: str, tenant_id: str) -> ArmError:
    challenge = (
        f'Bearer authorization_uri="https://login.microsoftonline.com/{tenant_id}", error="invalid_token", '
        f'error_description="{description}"'
    )
    return ArmError(401, code, message, headers={"WWW-Authenticate": challenge})


def _decode(segment: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def decode_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT (header.payload.signature), not verified; ``ValueError`` when it is not one."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise ValueError("not a JWT")
    try:
        _decode(parts[0])
        return _decode(parts[1])
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("not a JWT") from exc


def _utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%m/%d/%Y %H:%M:%S")


def authenticate(authorization: str | None, tenant_id: str, now: float | None = None,
                 audiences: frozenset[str] | set[str] = MANAGEMENT_AUDIENCES) -> str:
    """The caller's object id from an ``Authorization`` header value; raises ARM's 401 ``ArmError`` otherwise.

    ``audiences`` are the token audiences accepted (the management resource, and the emulator's own URL when a
    client signed in with the audience its cloud metadata names)."""
    now = time.time() if now is None else now
    if not authorization:
        raise _unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            "The authentication failed because of missing 'Authorization' header.",
            tenant_id,
        )
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing or is in an invalid format.",
            "The authentication failed because of missing or invalid 'Authorization' header.",
            tenant_id,
        )
    invalid = _unauthorized(
        "InvalidAuthenticationToken", "The access token is invalid.", "The access token is invalid.", tenant_id
    )
    try:
        claims = decode_claims(token)
    except ValueError:
        raise invalid from None
    oid, exp = claims.get("oid"), claims.get("exp")
    if not isinstance(oid, str) or not oid or not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise invalid
    if exp <= now:
        message = (f"The access token expiry UTC time '{_utc(exp)}' is earlier than current UTC time "
                   f"'{_utc(now)}'.")
        raise _unauthorized("ExpiredAuthenticationToken", message, "The access token has expired.", tenant_id)
    aud = claims.get("aud")
    if aud not in audiences:
        raise _unauthorized(
            "InvalidAuthenticationTokenAudience",
            f"The access token has been obtained for wrong audience or resource '{aud}'. It should exactly match "
            "with one of the allowed audiences " + ",".join(f"'{a}'" for a in sorted(audiences)) + ".",
            "The access token has been obtained for wrong audience or resource.",
            tenant_id,
        )
    return oid
