"""The composition root: from ``ConnectionSettings`` to a connected ``arm.Session``.

Three modes (``amlevents.arm.settings``):

- **azure**: the cloud's resource manager, credentials from azure-identity (``arm.credentials.build_credential``);
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

This is the only module outside the emulator (and its own ``emulator`` command) that imports ``amlevents.emulator``:
``arm`` is handed a base URL, TLS verification and a credential and never learns what is on the other end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from amlevents.core.errors import AuthenticationError, InvalidInputError
from amlevents.core.workspace import WorkspaceRef

if TYPE_CHECKING:
    from amlevents.arm.session import Session
    from amlevents.arm.settings import ConnectionSettings
    from amlevents.emulator import EmulatorServer

DEFAULT_EMULATOR_WORKSPACE = WorkspaceRef("00000000-0000-0000-0000-000000000000", "amlevents-local", "local-workspace")


def local_data_dir() -> Path:
    """Where ``--local`` keeps its state and certificates."""
    from amlevents.core.paths import data_dir

    return data_dir() / "local"


def listener_certificates(cert_dir: str | Path | None = None) -> tuple[str, str, str]:
    """``(ca, certificate, key)`` paths for ``listen --https``: a certificate for 127.0.0.1/localhost signed by
    the ``--local`` emulator's CA (``cert_dir``, default the ``--local`` one), so the emulator, which trusts its own
    CA, delivers to it. Azure would refuse it: it is not signed by a public CA."""
    from amlevents.emulator.runtime.tls import ensure_certificates

    paths = ensure_certificates(cert_dir or local_data_dir() / "certs")
    return str(paths.ca_cert), str(paths.server_cert), str(paths.server_key)


def connect(settings: ConnectionSettings, notice: Callable[[str], None] = lambda _message: None) -> Session:
    """The ``Session`` for ``settings``: Azure, an embedded emulator (started here), or a running emulator.

    ``notice`` receives the stderr lines about waits Azure asks for. Closing the session stops an embedded
    emulator.
    """
    from amlevents.arm.session import ARM_SCOPES, Session
    from amlevents.arm.settings import CLOUDS

    common: dict[str, Any] = {"debug": settings.debug, "timeout": settings.timeout,
                              "max_retry_after": settings.max_retry_after, "notice": notice}
    if settings.mode == "azure":
        base_url = CLOUDS[settings.cloud][0]
        # the credential signs in over the session's pooled connections (``azure`` is bound by the time it runs)
        azure = Session(base_url, True, lambda: _azure_credential(settings, azure.transport()),
                        scopes=[f"{base_url}/.default"], **common)
        return azure
    server = None
    if settings.mode == "local":
        server = _start_local(settings)
        base_url, verify = server.url, server.ca_cert_path
        world = server.backend.world
        first = world.workspaces[0]
        default_workspace = WorkspaceRef(first.subscription_id, first.resource_group, first.name)
    else:
        base_url = settings.emulator_url or ""
        if not base_url.startswith("https://"):
            raise InvalidInputError(f"emulator URL '{base_url}' must start with https://")
        if settings.emulator_ca and not Path(settings.emulator_ca).is_file():
            raise InvalidInputError(f"AMLEVENTS_EMULATOR_CA '{settings.emulator_ca}' is not a file",
                                    hint="give the caCert path from the emulator's ready line")
        verify = settings.emulator_ca or True
        default_workspace = DEFAULT_EMULATOR_WORKSPACE
    try:
        session = Session(base_url, verify,
                          lambda: _emulator_credential(settings, base_url, verify, server, session.transport),
                          scopes=list(ARM_SCOPES), default_workspace=default_workspace, retry_backoff=0.1,
                          on_close=[server.stop] if server is not None else [], **common)
        return session
    except BaseException:
        if server is not None:
            server.stop()
        raise


def identity_label(settings: ConnectionSettings) -> str | None:
    """How messages name the caller in emulator modes without a sign-in (None: a real sign-in names itself)."""
    if settings.mode != "azure" and not settings.emulator_sign_in:
        return f"emulator principal '{settings.emulator_principal}'"
    return None


def _start_local(settings: ConnectionSettings) -> EmulatorServer:
    import os

    from amlevents.emulator import EmulatorServer

    data = local_data_dir()
    state = Path(settings.local_state) if settings.local_state else data / "state.sqlite3"
    # AMLEVENTS_LOCAL_ALLOW_HTTP_LOOPBACK=1: as `emulator serve --allow-http-loopback`, accept http:// webhooks on
    # 127.0.0.1/localhost/::1 (a handler run without TLS, e.g. Functions Core Tools on 7071); Azure refuses them
    allow_http = os.environ.get("AMLEVENTS_LOCAL_ALLOW_HTTP_LOOPBACK", "").strip().lower() in ("1", "true", "yes")
    # the store creates missing directories 0700 itself: the state file holds webhook keys
    return EmulatorServer(state_path=state, cert_dir=data / "certs", allow_http_loopback=allow_http).start()


def _azure_credential(settings: ConnectionSettings, transport: Any) -> Any:
    from amlevents.arm.credentials import build_credential

    return build_credential(settings.auth, settings.authority, token_cache=settings.token_cache, transport=transport)


def _emulator_credential(settings: ConnectionSettings, base_url: str, verify: str | bool,
                         server: EmulatorServer | None, transport: Callable[[], Any]) -> Any:
    """The emulator's test credential for ``AMLEVENTS_EMULATOR_PRINCIPAL``, or, when ``--emulator`` signs in,
    azure-identity's service-principal credentials at the emulator's token endpoint (the authority is
    ``AZURE_AUTHORITY_HOST``, default: the emulator), their tokens kept for the next process unless
    ``AMLEVENTS_TOKEN_CACHE=0``."""
    if settings.emulator_sign_in:
        from amlevents.arm.credentials import build_credential

        return build_credential(settings.auth, settings.authority_host or base_url, authority_verify=verify,
                                token_cache=settings.token_cache, transport=transport())
    from amlevents.emulator import EmulatorCredential

    principals = None
    tenant = None
    if server is not None:
        principals, tenant = server.principals, server.tenant_id
    elif settings.emulator_url:
        principals, tenant = _emulator_world(settings.emulator_url, verify, transport().session)
    try:
        kwargs = {"tenant_id": tenant} if tenant else {}
        return EmulatorCredential(settings.emulator_principal, principals, **kwargs)
    except ValueError as exc:
        raise AuthenticationError(f"AMLEVENTS_EMULATOR_PRINCIPAL: {exc}",
                                  hint="Set AMLEVENTS_EMULATOR_PRINCIPAL to one of the emulator's principals, or "
                                  "unset it to act as owner.") from None


def publish_events(session: Session, body: dict[str, Any], wait: float | None) -> dict[str, Any]:
    """Publish through the emulator's admin API (``POST /_emulator/events``) of ``session``; unless ``wait`` is
    None, then read the publish's delivery records once they settle, waiting at most ``wait`` seconds.

    Returns ``{"publishId", "workspace", "events", "deliveries", "settled"}``. An emulator that refuses the events
    raises ``InvalidInputError`` with its message; one that cannot be reached, ``ServiceError``.
    """
    import requests

    from amlevents.arm.transport import SharedContextAdapter
    from amlevents.core.errors import ServiceError
    from amlevents.core.redact import redact_text

    base = session.base_url.rstrip("/")
    try:
        with requests.Session() as http:
            http.mount("https://", SharedContextAdapter())
            answer = http.post(f"{base}/_emulator/events", json=body, verify=session.verify, timeout=60)
            if answer.status_code == 400:
                message = (answer.json().get("error") or {}).get("message") or answer.text
                raise InvalidInputError(f"the emulator refused the events: {redact_text(str(message))}")
            if answer.status_code != 200:
                raise ServiceError(f"the emulator answered {answer.status_code} to the publish",
                                   hint="is it an amlevents emulator of this version?")
            result: dict[str, Any] = answer.json()
            result["settled"] = None
            if wait is not None:
                records = http.get(f"{base}/_emulator/deliveries", params={"publish": result["publishId"],
                                                                          "wait": str(wait)},
                                   verify=session.verify, timeout=wait + 30).json()
                result["deliveries"] = records
                result["settled"] = all(r["outcome"] not in ("pending", "retrying") for r in records)
            return result
    except requests.RequestException as exc:
        raise ServiceError(f"cannot reach the emulator at {base}: {redact_text(str(exc))}",
                           hint="start it with `amlevents emulator serve`, or use --local") from None


def _emulator_world(url: str, verify: str | bool, http: Any) -> tuple[dict[str, str] | None, str | None]:
    """Principal names and tenant of a running emulator (its seed may differ from the default one), read over the
    session's pooled connections (``http``, a requests session): the connection opened here is the one the
    clients' first request then reuses, so the read costs no TLS handshake of its own."""
    import requests

    try:
        info = http.get(f"{url}/_emulator/info", verify=verify, timeout=10).json()
        return info.get("principals"), info.get("tenantId")
    except (requests.RequestException, ValueError):
        return None, None  # not reachable yet: the first ARM request will say so clearly
