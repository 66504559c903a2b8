"""Bearer tokens the emulator accepts: minting unsigned JWTs, and a credential for the SDK that signs with them.

Split from ``auth.py`` (which checks tokens as ARM does) so that a client pointed at a running emulator imports
only this: the default seed (``runtime.seed``, a tenth of a create's start-up) is read only when a caller leaves
the principals or the tenant to their defaults; a client told them by the emulator's ``/_emulator/info`` is not.
``EmulatorCredential`` is a duck-typed ``azure.core.credentials.TokenCredential``; this module does not import azure.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any, NamedTuple

AUDIENCE = "https://management.azure.com/"
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _defaults() -> tuple[dict[str, str], str]:
    """The default seed's principals and tenant (imported on first need only)."""
    from amlevents.emulator.runtime.seed import DEFAULT_PRINCIPALS, DEFAULT_TENANT_ID

    return DEFAULT_PRINCIPALS, DEFAULT_TENANT_ID


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def mint_token(object_id: str, tenant_id: str | None = None, lifetime: int = 3600, expired: bool = False,
               audience: str = AUDIENCE, claims: dict[str, Any] | None = None) -> str:
    """An unsigned JWT for ``object_id``; ``expired=True`` gives one that expired an hour ago; ``claims`` are
    added (e.g. ``appid`` for a service-principal sign-in)."""
    tenant_id = tenant_id or _defaults()[1]
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

    ``principal`` is a name from ``principals`` (the default seed's names when not given) or an object id;
    ``tenant_id`` defaults to the default seed's tenant.
    """

    def __init__(
        self,
        principal: str = "owner",
        principals: dict[str, str] | None = None,
        tenant_id: str | None = None,
        lifetime: int = 3600,
    ) -> None:
        known = _defaults()[0] if principals is None else principals
        if principal in known:
            self.object_id = known[principal]
        elif _GUID.fullmatch(principal):
            self.object_id = principal
        else:
            raise ValueError(f"unknown principal {principal!r}; known: {', '.join(sorted(known))}")
        self.tenant_id = tenant_id or _defaults()[1]
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
