"""Where to connect, from the global options and the environment: ``ConnectionSettings``.

Three modes: **azure** (the public cloud, or ``--cloud``/``AMLEVENTS_CLOUD``), **local** (``--local``/
``AMLEVENTS_LOCAL=1``, state in ``AMLEVENTS_LOCAL_STATE``) and **emulator** (``--emulator URL``/
``AMLEVENTS_EMULATOR``, trusted through ``AMLEVENTS_EMULATOR_CA``, requests signed as
``AMLEVENTS_EMULATOR_PRINCIPAL``), and whether a sign-in keeps its token for the next process
(``AMLEVENTS_TOKEN_CACHE=0`` turns the persistent token cache off). These are plain values; what each mode starts
and which credential it signs with is decided by the composition root, ``amlevents.cli.wiring``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from amlevents.core.errors import InvalidInputError

CLOUDS: dict[str, tuple[str, str]] = {
    # name: (resource manager endpoint, authority host)
    "AzureCloud": ("https://management.azure.com", "https://login.microsoftonline.com"),
    "AzureChinaCloud": ("https://management.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
    "AzureUSGovernment": ("https://management.usgovcloudapi.net", "https://login.microsoftonline.us"),
}
AUTH_METHODS = ("environment", "workload", "managed", "cli", "default")


@dataclass(frozen=True)
class ConnectionSettings:
    """What the global options and environment say about where to connect."""

    local: bool = False
    emulator_url: str | None = None
    emulator_ca: str | None = None
    emulator_principal: str = "owner"
    local_state: str | None = None
    cloud: str = "AzureCloud"
    cloud_given: bool = False
    authority_host: str | None = None
    auth: str | None = None
    debug: bool = False
    timeout: float | None = None  # seconds for the whole command (--timeout / AMLEVENTS_TIMEOUT); None: unbounded
    max_retry_after: float | None = None  # the cap on one Retry-After wait (AMLEVENTS_MAX_RETRY_AFTER)
    token_cache: bool = True  # azure-identity's persistent token cache (AMLEVENTS_TOKEN_CACHE=0: off)

    @classmethod
    def from_env(cls, *, local: bool = False, emulator_url: str | None = None, cloud: str | None = None,
                 debug: bool = False, timeout: float | None = None,
                 env: dict[str, str] | None = None) -> ConnectionSettings:
        """Flags first, then ``AMLEVENTS_*`` variables."""
        env = dict(os.environ) if env is None else env
        local = local or env.get("AMLEVENTS_LOCAL", "").lower() in ("1", "true", "yes")
        emulator_url = emulator_url or env.get("AMLEVENTS_EMULATOR") or None
        if local and emulator_url:
            raise InvalidInputError("--local and --emulator cannot be used together",
                                    hint="--local runs an emulator in this process; --emulator talks to a running one")
        auth = env.get("AMLEVENTS_AUTH") or None
        if auth and auth.lower() not in AUTH_METHODS:
            raise InvalidInputError(f"AMLEVENTS_AUTH={auth} is not a sign-in method",
                                    hint="use one of " + ", ".join(AUTH_METHODS))
        given = cloud or env.get("AMLEVENTS_CLOUD") or None
        cloud = given or "AzureCloud"
        if cloud not in CLOUDS:
            raise InvalidInputError(f"unknown cloud '{cloud}'", hint="use one of " + ", ".join(CLOUDS))
        return cls(
            local=local,
            emulator_url=emulator_url.rstrip("/") if emulator_url else None,
            emulator_ca=env.get("AMLEVENTS_EMULATOR_CA") or None,
            emulator_principal=env.get("AMLEVENTS_EMULATOR_PRINCIPAL") or "owner",
            local_state=env.get("AMLEVENTS_LOCAL_STATE") or None,
            cloud=cloud,
            cloud_given=given is not None,
            authority_host=(env.get("AZURE_AUTHORITY_HOST") or "").rstrip("/") or None,
            auth=auth.lower() if auth else None,
            debug=debug,
            timeout=_seconds("--timeout", timeout) if timeout is not None else
            _seconds("AMLEVENTS_TIMEOUT", env.get("AMLEVENTS_TIMEOUT")),
            max_retry_after=_seconds("AMLEVENTS_MAX_RETRY_AFTER", env.get("AMLEVENTS_MAX_RETRY_AFTER")),
            token_cache=env.get("AMLEVENTS_TOKEN_CACHE", "").strip().lower() not in ("0", "false", "no", "off"),
        )

    @property
    def mode(self) -> str:
        return "local" if self.local else "emulator" if self.emulator_url else "azure"

    @property
    def authority(self) -> str:
        """The Entra ID authority host in Azure mode: ``--cloud``'s, else ``AZURE_AUTHORITY_HOST``, else public."""
        if self.cloud_given or not self.authority_host:
            return CLOUDS[self.cloud][1]
        return self.authority_host

    @property
    def emulator_sign_in(self) -> bool:
        """Whether ``--emulator`` signs in through azure-identity (the service-principal path) instead of the test
        credential: ``AZURE_AUTHORITY_HOST`` is the emulator's URL, or ``AMLEVENTS_AUTH=environment|workload``."""
        if self.mode != "emulator":
            return False
        if self.auth in ("environment", "workload"):
            return True
        return bool(self.authority_host and self.emulator_url
                    and _origin(self.authority_host) == _origin(self.emulator_url))


def _seconds(name: str, value: float | str | None) -> float | None:
    """A positive number of seconds from a flag or variable (None when not given); exit 2 otherwise."""
    if value is None or value == "":
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0 or seconds == float("inf"):
        raise InvalidInputError(f"{name}={value} is not a number of seconds", hint="give a positive number, e.g. 300")
    return seconds


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = "127.0.0.1" if host == "localhost" else host
    return f"{parts.scheme.lower()}://{host}:{parts.port or 443}"
