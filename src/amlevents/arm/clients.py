"""Connections: one credential and one pair of management clients per process, for Azure or an emulator.

Three modes, chosen by ``ConnectionSettings``:

- **azure**: the public cloud (or ``--cloud``), credentials from azure-identity (see ``build_credential``);
- **local** (``--local``/``AMLEVENTS_LOCAL=1``): an emulator started inside this process, its state in a
  SQLite file shared by every local run (``AMLEVENTS_LOCAL_STATE`` or the user data directory);
- **emulator** (``--emulator URL``/``AMLEVENTS_EMULATOR``): a running ``amlevents emulator serve``, trusted through
  ``AMLEVENTS_EMULATOR_CA``.

In both emulator modes requests are signed as the seeded principal ``AMLEVENTS_EMULATOR_PRINCIPAL`` (``owner``)
with a test credential, except when ``--emulator`` is told to sign in for real: ``AZURE_AUTHORITY_HOST`` names the
emulator (or ``AMLEVENTS_AUTH=environment|workload``). Then azure-identity runs the service-principal sign-in
(``AZURE_CLIENT_ID``, ``AZURE_TENANT_ID``, which may be ``adfs``, and ``AZURE_CLIENT_SECRET`` or, for workload
identity, ``AZURE_FEDERATED_TOKEN_FILE``) against the emulator's token endpoint, instance discovery off, trusting
``AMLEVENTS_EMULATOR_CA``.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amlevents.core.errors import AuthenticationError, InvalidInputError
from amlevents.core.redact import RedactingFilter
from amlevents.core.workspace import WorkspaceRef

CLOUDS: dict[str, tuple[str, str]] = {
    # name: (resource manager endpoint, authority host)
    "AzureCloud": ("https://management.azure.com", "https://login.microsoftonline.com"),
    "AzureChinaCloud": ("https://management.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
    "AzureUSGovernment": ("https://management.usgovcloudapi.net", "https://login.microsoftonline.us"),
}
AUTH_METHODS = ("environment", "workload", "managed", "cli", "default")
DEFAULT_EMULATOR_WORKSPACE = WorkspaceRef("00000000-0000-0000-0000-000000000000", "amlevents-local", "local-workspace")


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


def local_data_dir() -> Path:
    """Where ``--local`` keeps its state and certificates."""
    from amlevents.core.paths import data_dir

    return data_dir() / "local"


def build_credential(method: str | None, authority: str, *, emulator_verify: str | bool | None = None) -> Any:
    """The azure-identity credential for ``method`` (None = the documented chain).

    The chain, in order: environment (service principal secret or certificate: ``AZURE_CLIENT_ID``,
    ``AZURE_TENANT_ID``, ``AZURE_CLIENT_SECRET``/``AZURE_CLIENT_CERTIFICATE_PATH``), workload identity
    (``AZURE_FEDERATED_TOKEN_FILE``, as GitHub Actions and AKS set it), managed identity, then the Azure CLI
    login. Interactive browser sign-in is never attempted (CI must not hang).

    ``emulator_verify`` (the emulator's CA) means the authority is an emulator: only the two service-principal
    methods can reach it, instance discovery is off (MSAL would ask login.microsoftonline.com about a host it does
    not know) and TLS trusts that CA.
    """
    from azure.identity import (
        AzureCliCredential,
        ChainedTokenCredential,
        EnvironmentCredential,
        ManagedIdentityCredential,
        WorkloadIdentityCredential,
    )

    options: dict[str, Any] = {"authority": authority}
    if emulator_verify is not None:
        options.update(disable_instance_discovery=True, connection_verify=emulator_verify)

    def workload() -> Any:
        return WorkloadIdentityCredential(**options)

    builders = {
        "environment": lambda: EnvironmentCredential(**options),
        "workload": workload,
        "managed": ManagedIdentityCredential,
        "cli": AzureCliCredential,
    }
    if emulator_verify is not None and method not in (None, "default", "environment", "workload"):
        raise AuthenticationError(f"AMLEVENTS_AUTH={method} cannot sign in at an emulator",
                                  hint="use a service principal: AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE")
    if method and method != "default":
        try:
            return builders[method]()
        except ValueError as exc:  # e.g. workload identity without its environment variables
            raise AuthenticationError(f"AMLEVENTS_AUTH={method} cannot be used: {exc}") from exc
    chain = [EnvironmentCredential(**options)]
    if os.environ.get("AZURE_FEDERATED_TOKEN_FILE"):
        try:
            chain.append(workload())
        except ValueError:  # incomplete workload identity settings: skip it, as DefaultAzureCredential does
            pass
    if emulator_verify is None:
        chain += [ManagedIdentityCredential(), AzureCliCredential()]
    return ChainedTokenCredential(*chain)


class SharedCredential:
    """One sign-in per process: every client, thread and the access check share the wrapped credential's tokens.

    Each client's bearer-token policy keeps its own token, and the workflow reads in parallel threads, so without
    this the first requests of a command each ran a sign-in of their own (four token requests for one ``create``;
    with the Azure CLI credential, four ``az`` processes). Token requests are serialized, and a token is reused
    until five minutes before it expires. A refused sign-in is not retried by the other threads of the process
    (an ``apply`` with a wrong secret would otherwise ask once per worker): they get the same error. A request with
    ``claims`` (a CAE challenge) always goes to the credential.
    """

    REFRESH_MARGIN = 300  # seconds before expiry when a cached token is no longer handed out

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self._tokens: dict[Any, Any] = {}

    def _cached(self, key: Any, fetch: Callable[[], Any]) -> Any:
        import time

        with self._lock:
            token = self._tokens.get(key)
            if isinstance(token, Exception):
                raise token
            if token is None or token.expires_on - self.REFRESH_MARGIN <= time.time():
                from azure.core.exceptions import ClientAuthenticationError

                try:
                    token = self._tokens[key] = fetch()
                except ClientAuthenticationError as exc:  # refused or unavailable, not a network blip
                    self._tokens[key] = exc
                    raise
            return token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        if kwargs.get("claims"):
            return self.inner.get_token(*scopes, **kwargs)
        key = ("token", scopes, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
        return self._cached(key, lambda: self.inner.get_token(*scopes, **kwargs))

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        if options and options.get("claims"):
            return self.inner.get_token_info(*scopes, options=options)
        if not hasattr(self.inner, "get_token_info"):  # e.g. the emulator's test credential
            from azure.core.credentials import AccessTokenInfo

            token = self.get_token(*scopes, **({"tenant_id": options["tenant_id"]} if options and
                                              options.get("tenant_id") else {}))
            return AccessTokenInfo(token.token, token.expires_on)
        key = ("info", scopes, tuple(sorted((k, repr(v)) for k, v in (options or {}).items())))
        return self._cached(key, lambda: self.inner.get_token_info(*scopes, options=options))

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()


@dataclass
class Session:
    """One per process: the credential, the clients per subscription, and an embedded emulator if local."""

    settings: ConnectionSettings
    _server: Any = None
    _credential: Any = None
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)
    base_url: str = ""
    verify: str | bool = True
    default_workspace: WorkspaceRef | None = None
    _memo: dict[Any, Any] = field(default_factory=dict)
    _memo_lock: Any = field(default_factory=threading.Lock)
    _undo_debug: Callable[[], None] | None = None
    notice: Callable[[str], None] = lambda _message: None  # stderr lines about waits (the CLI's note)
    deadline: Any = None  # arm.retry.Deadline: the end of the command, from settings.timeout

    def __post_init__(self) -> None:
        settings = self.settings
        from amlevents.arm.retry import Deadline

        self.deadline = Deadline(settings.timeout)
        if settings.debug:
            self._undo_debug = enable_debug_logging()
        try:
            self._connect()
        except BaseException:
            self.close()
            raise

    def _connect(self) -> None:
        settings = self.settings
        if settings.mode == "local":
            self._start_local()
        elif settings.mode == "emulator":
            self.base_url = settings.emulator_url or ""
            if not self.base_url.startswith("https://"):
                raise InvalidInputError(f"emulator URL '{self.base_url}' must start with https://")
            self.verify = settings.emulator_ca or True
            self.default_workspace = DEFAULT_EMULATOR_WORKSPACE
        else:
            self.base_url = CLOUDS[settings.cloud][0]

    def _start_local(self) -> None:
        from amlevents.emulator.server import EmulatorServer

        data = local_data_dir()
        state = Path(self.settings.local_state) if self.settings.local_state else data / "state.sqlite3"
        # the store creates missing directories 0700 itself: the state file holds webhook keys
        self._server = EmulatorServer(state_path=state, cert_dir=data / "certs").start()
        self.base_url, self.verify = self._server.url, self._server.ca_cert_path
        world = self._server.backend.world
        first = world.workspaces[0]
        self.default_workspace = WorkspaceRef(world.subscription_id, first.resource_group, first.name)

    @property
    def credential(self) -> Any:
        """The one credential of this process (its token cache serves both clients)."""
        if self._credential is None:
            _quiet_azure_warnings()
            try:
                if self.settings.mode == "azure":
                    self._credential = build_credential(self.settings.auth, self.settings.authority)
                elif self.settings.emulator_sign_in:
                    self._credential = self._emulator_service_principal()
                else:
                    self._credential = self._emulator_credential()
            except ValueError as exc:  # azure-identity refuses malformed settings (an empty secret, a bad tenant id)
                raise AuthenticationError(f"cannot sign in: {exc}",
                                          hint="check AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET") from exc
            self._credential = SharedCredential(self._credential)
        return self._credential

    def _emulator_service_principal(self) -> Any:
        """azure-identity's service-principal credentials (client secret, or a federated token for workload
        identity), signing in at the emulator's token endpoint: the authority is ``AZURE_AUTHORITY_HOST`` (default:
        the emulator)."""
        authority = self.settings.authority_host or self.base_url
        return build_credential(self.settings.auth, authority, emulator_verify=self.verify)

    def _emulator_credential(self) -> Any:
        from amlevents.emulator.auth import EmulatorCredential

        principals = None
        tenant = None
        if self._server is not None:
            principals, tenant = self._server.principals, self._server.tenant_id
        elif self.settings.emulator_url:
            principals, tenant = self._emulator_world()
        try:
            kwargs = {"tenant_id": tenant} if tenant else {}
            return EmulatorCredential(self.settings.emulator_principal, principals, **kwargs)
        except ValueError as exc:
            raise AuthenticationError(f"AMLEVENTS_EMULATOR_PRINCIPAL: {exc}") from None

    def _emulator_world(self) -> tuple[dict[str, str] | None, str | None]:
        """Principal names and tenant of a running emulator (its seed may differ from the default one)."""
        import requests

        try:
            info = requests.get(f"{self.settings.emulator_url}/_emulator/info", verify=self.verify, timeout=10).json()
            return info.get("principals"), info.get("tenantId")
        except (requests.RequestException, ValueError):
            return None, None  # not reachable yet: the first ARM request will say so clearly

    @property
    def scopes(self) -> list[str]:
        return [f"{CLOUDS[self.settings.cloud][0]}/.default"] if self.settings.mode == "azure" else [
            "https://management.azure.com/.default"]

    @property
    def max_wait(self) -> float:
        """The longest single wait granted to a ``Retry-After`` (``AMLEVENTS_MAX_RETRY_AFTER``, default 60 s)."""
        from amlevents.arm.retry import MAX_RETRY_AFTER

        return self.settings.max_retry_after or MAX_RETRY_AFTER

    def polling(self) -> Any:
        """A fresh ``AdaptivePolling`` for one long-running operation, bounded by this command's deadline."""
        from amlevents.arm.polling import AdaptivePolling

        return AdaptivePolling(deadline=self.deadline, max_wait=self.max_wait, notice=self.notice)

    def _common(self) -> dict[str, Any]:
        from amlevents.arm.retry import BoundedRetryPolicy

        backoff = 0.5 if self.settings.mode == "azure" else 0.1
        return {
            "base_url": self.base_url,
            "credential_scopes": self.scopes,
            "connection_verify": self.verify,
            "logging_enable": self.settings.debug,
            # azure-core's retry policy with capped, announced Retry-After waits and the command's deadline.
            "retry_policy": BoundedRetryPolicy(deadline=self.deadline, max_wait=self.max_wait,
                                               notice=lambda message: self.notice(message),
                                               retry_backoff_factor=backoff),
        }

    def eventgrid(self, subscription_id: str) -> Any:
        """An ``EventGridManagementClient`` for the subscription (cached)."""
        key = ("eventgrid", subscription_id.lower())
        if key not in self._clients:
            from azure.mgmt.eventgrid import EventGridManagementClient

            self._clients[key] = EventGridManagementClient(self.credential, subscription_id, **self._common())
        return self._clients[key]

    def authorization(self, subscription_id: str) -> Any:
        """An ``AuthorizationManagementClient`` for the subscription (cached)."""
        key = ("authorization", subscription_id.lower())
        if key not in self._clients:
            from azure.mgmt.authorization import AuthorizationManagementClient

            self._clients[key] = AuthorizationManagementClient(self.credential, subscription_id, **self._common())
        return self._clients[key]

    def token_claims(self) -> dict[str, Any]:
        """The claims of this process's ARM token (who we are), without verifying it."""
        token = self.credential.get_token(*self.scopes).token
        try:
            payload = token.split(".")[1]
            return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (IndexError, ValueError):
            return {}

    def memo(self, key: Any, compute: Any) -> Any:
        """``compute()`` once per process for ``key`` (reads several workspaces share, e.g. a resource group's
        system topics); concurrent callers wait for the first."""
        with self._memo_lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]

    def forget(self, key: Any) -> None:
        """Drop a memoized read after a write changed it."""
        with self._memo_lock:
            self._memo.pop(key, None)

    def close(self) -> None:
        """Close clients and stop an embedded emulator."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        if self._credential is not None:
            self._credential.close()  # azure-identity's credentials hold their own HTTP sessions
            self._credential = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._undo_debug is not None:
            self._undo_debug()
            self._undo_debug = None


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler on whatever ``sys.stderr`` is when a record is emitted (in-process runners swap and close it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


_DEBUG_LOGGERS = ("azure", "amlevents")


def _quiet_azure_warnings() -> None:
    """Keep azure-identity's own warnings ("ClientSecretCredential.get_token failed: ...") off stderr: with no
    handler, Python's last-resort handler prints them, and the error boundary already reports the failure once.
    ``--debug`` adds a real handler, which shows them."""
    logger = logging.getLogger("azure")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def enable_debug_logging() -> Callable[[], None]:
    """Azure SDK HTTP logging on stderr, with URL query strings, tokens and secrets redacted.

    Returns the function that undoes it (``Session.close`` calls it): run in-process, a ``--debug`` command
    otherwise left its handler and the DEBUG level behind, so every later command of the process logged too, and
    into a stream that was already closed ("--- Logging error ---" on stderr).
    """
    handler = _CurrentStderrHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("DEBUG %(name)s: %(message)s"))
    saved = []
    for name in _DEBUG_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)

    def undo() -> None:
        for logger, level in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)

    return undo
