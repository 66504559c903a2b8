"""Bearer tokens for the emulator: minting unsigned JWTs, a credential for the SDK, and ARM's 401 refusals.

The emulator trusts whoever holds a token: tokens are unsigned (``alg: none``) JWTs whose payload carries ``oid``
(the principal's object id), ``tid``, ``aud`` ``https://management.azure.com/``, ``iat``, ``nbf`` and ``exp``.
What it checks is what ARM checks before authorization, everything but the signature: a Bearer header is present;
the token parses (strict JSON); it has an ``oid``, a ``tid`` and numeric ``exp`` (and ``nbf``/``iat`` when given);
``tid`` (and the tenant in ``iss``) is the seeded tenant (401 ``InvalidAuthenticationTokenTenant``); it is valid
now: ``nbf`` not in the future beyond ARM's 5-minute clock skew, ``exp`` not past (``ExpiredAuthenticationToken``)
and not further away than the longest lifetime Entra ID issues (1 day, plus the skew); and it was issued for the
management audience. Unsigned (``alg: none``) tokens are accepted by design: the emulator is a test bed. An ``oid``
the seed does not know is a valid principal with no role assignments (so it gets 403 on every action).

``EmulatorCredential`` is a duck-typed ``azure.core.credentials.TokenCredential`` (``get_token`` returns an object
with ``.token`` and ``.expires_on``); this package does not import azure.
"""

from __future__ import annotations

import base64
import binascii
import time
from datetime import datetime, timezone
from typing import Any

from amlevents.emulator.identity.caller import Caller, caller_from_claims
from amlevents.emulator.runtime import wirejson
from amlevents.emulator.runtime.errors import ArmError

# ARM accepts tokens for either spelling of the management resource.
MANAGEMENT_AUDIENCES = frozenset({"https://management.azure.com/", "https://management.azure.com",
                                  "https://management.core.windows.net/", "https://management.core.windows.net"})
# ARM tolerates this much clock skew on nbf; Entra ID never issues a token living longer than a day.
CLOCK_SKEW = 300
MAX_LIFETIME = 24 * 3600


def _unauthorized(code: str, message: str, description: str, tenant_id: str) -> ArmError:
    challenge = (
        f'Bearer authorization_uri="https://login.microsoftonline.com/{tenant_id}", error="invalid_token", '
        f'error_description="{description}"'
    )
    return ArmError(401, code, message, headers={"WWW-Authenticate": challenge})


def _decode(segment: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    value = wirejson.loads(base64.urlsafe_b64decode(padded.encode()))
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
    try:
        return datetime.fromtimestamp(ts, timezone.utc).strftime("%m/%d/%Y %H:%M:%S")
    except (OverflowError, OSError, ValueError):  # a timestamp outside what datetime can show
        return str(ts)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _wrong_tenant(claims: dict[str, Any], tenant_id: str) -> ArmError:
    issuer = claims.get("iss") if isinstance(claims.get("iss"), str) else f"https://sts.windows.net/{claims['tid']}/"
    return _unauthorized(
        "InvalidAuthenticationTokenTenant",
        f"The access token is from the wrong issuer '{issuer}'. It must match the tenant "
        f"'https://sts.windows.net/{tenant_id}/' associated with this subscription. Please use the authority (URL) "
        f"'https://login.windows.net/{tenant_id}' to get the token. Note, if the subscription is transferred to "
        "another tenant there is no impact to the services, but information about new tenant could take time to "
        "propagate (up to an hour). If you just transferred your subscription and see this error message, please "
        "try back later.",
        "The access token is from the wrong issuer.",
        tenant_id,
    )


def _check_tenant(claims: dict[str, Any], tenant_id: str) -> None:
    tid, iss = claims["tid"], claims.get("iss")
    if tid.lower() != tenant_id.lower() or (isinstance(iss, str) and tenant_id.lower() not in iss.lower()):
        raise _wrong_tenant(claims, tenant_id)


def _check_lifetime(claims: dict[str, Any], now: float, tenant_id: str) -> None:
    exp, nbf = claims["exp"], claims.get("nbf", claims.get("iat"))
    if exp <= now:
        message = (f"The access token expiry UTC time '{_utc(exp)}' is earlier than current UTC time "
                   f"'{_utc(now)}'.")
        raise _unauthorized("ExpiredAuthenticationToken", message, "The access token has expired.", tenant_id)
    # ARM answers both with InvalidAuthenticationToken (the reference names no more specific code).
    if nbf is not None and nbf > now + CLOCK_SKEW:
        raise _unauthorized(
            "InvalidAuthenticationToken",
            f"The access token is not yet valid: its validity starts at '{_utc(nbf)}' UTC, after the current UTC "
            f"time '{_utc(now)}'.", "The access token is not yet valid.", tenant_id)
    if exp > now + MAX_LIFETIME + CLOCK_SKEW:
        raise _unauthorized(
            "InvalidAuthenticationToken",
            f"The access token expiry UTC time '{_utc(exp)}' is more than a day after the current UTC time "
            f"'{_utc(now)}'; no token is issued for that long.", "The access token lifetime is invalid.", tenant_id)


def authenticate(authorization: str | None, tenant_id: str, now: float | None = None,
                 audiences: frozenset[str] | set[str] = MANAGEMENT_AUDIENCES) -> str:
    """The caller's object id from an ``Authorization`` header value; raises ARM's 401 ``ArmError`` otherwise.

    ``audiences`` are the token audiences accepted (the management resource, and the emulator's own URL when a
    client signed in with the audience its cloud metadata names)."""
    return authenticate_caller(authorization, tenant_id, now, audiences).object_id


def authenticate_caller(authorization: str | None, tenant_id: str, now: float | None = None,
                        audiences: frozenset[str] | set[str] = MANAGEMENT_AUDIENCES) -> Caller:
    """Like ``authenticate``, the whole ``Caller`` (object id, and the kind and name its token gives, which
    ``systemData`` records).

    A client sends the same token for an hour, thousands of times at fleet size: what does not depend on the
    time (the token parses, its claims, tenant and audience) is checked once per (token, tenant, audiences) and
    remembered (``_VERIFIED``, bounded); its lifetime is checked on every request."""
    now = time.time() if now is None else now
    token = _bearer_token(authorization, tenant_id)
    key = (token, tenant_id, frozenset(audiences))
    known = _VERIFIED.get(key)
    if known is None:
        claims = _verified_claims(token, tenant_id, now, audiences)
        known = (claims, caller_from_claims(claims))
        if len(_VERIFIED) >= VERIFIED_TOKENS:  # a client that sends ever new tokens: start over, stay bounded
            _VERIFIED.clear()
        _VERIFIED[key] = known
    else:
        _check_lifetime(known[0], now, tenant_id)
    return known[1]


# (token, tenant, audiences) -> (claims, caller) of tokens whose time-independent checks passed
_VERIFIED: dict[tuple[str, str, frozenset[str]], tuple[dict[str, Any], Caller]] = {}
VERIFIED_TOKENS = 256


def _bearer_token(authorization: str | None, tenant_id: str) -> str:
    """The token of a ``Bearer`` header value; ARM's 401 when the header is missing or of another scheme."""
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
    return token


def _verified_claims(token: str, tenant_id: str, now: float, audiences: frozenset[str] | set[str]) -> dict[str, Any]:
    """A token's claims after ARM's checks, in ARM's order: it parses, tenant, lifetime, audience."""
    def invalid() -> ArmError:
        return _unauthorized("InvalidAuthenticationToken", "The access token is invalid.",
                             "The access token is invalid.", tenant_id)

    try:
        claims = decode_claims(token)
    except ValueError:
        raise invalid() from None
    oid, tid = claims.get("oid"), claims.get("tid")
    if not isinstance(oid, str) or not oid or not isinstance(tid, str) or not tid or not _number(claims.get("exp")):
        raise invalid()
    if any(name in claims and not _number(claims[name]) for name in ("nbf", "iat")):
        raise invalid()
    _check_tenant(claims, tenant_id)
    _check_lifetime(claims, now, tenant_id)
    aud = claims.get("aud")
    if aud not in audiences:
        raise _unauthorized(
            "InvalidAuthenticationTokenAudience",
            f"The access token has been obtained for wrong audience or resource '{aud}'. It should exactly match "
            "with one of the allowed audiences " + ",".join(f"'{a}'" for a in sorted(audiences)) + ".",
            "The access token has been obtained for wrong audience or resource.",
            tenant_id,
        )
    return claims
