"""Credentials: the azure-identity chain (``build_credential``) and one sign-in per process (``SharedCredential``)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from amlevents.core.errors import AuthenticationError

TOKEN_CACHE_NAME = "amlevents"  # azure-identity's cache file: ~/.IdentityService/amlevents.nocae on Linux


def build_credential(method: str | None, authority: str, *, authority_verify: str | bool | None = None,
                     token_cache: bool = True, transport: Any = None) -> Any:
    """The azure-identity credential for ``method`` (None = the documented chain).

    The chain, in order: environment (service principal secret or certificate: ``AZURE_CLIENT_ID``,
    ``AZURE_TENANT_ID``, ``AZURE_CLIENT_SECRET``/``AZURE_CLIENT_CERTIFICATE_PATH``), workload identity
    (``AZURE_FEDERATED_TOKEN_FILE``, as GitHub Actions and AKS set it), managed identity, then the Azure CLI
    login. Interactive browser sign-in is never attempted (CI must not hang).

    ``authority_verify`` (a CA path, or False/True) means the authority is a private token endpoint such as the
    emulator's: only the two service-principal methods can reach it, instance discovery is off (MSAL would ask
    login.microsoftonline.com about a host it does not know) and TLS trusts that CA.

    ``token_cache`` keeps the service-principal and workload-identity tokens in azure-identity's persistent cache
    (``persistent_token_cache``), so the next process reads its token instead of signing in again, as az does.
    ``transport`` is the azure-core transport of the sign-in requests (the session's pooled connections).
    """
    from azure.identity import (
        AzureCliCredential,
        ChainedTokenCredential,
        EnvironmentCredential,
        ManagedIdentityCredential,
        WorkloadIdentityCredential,
    )

    options: dict[str, Any] = {"authority": authority}
    if authority_verify is not None:
        options.update(disable_instance_discovery=True, connection_verify=authority_verify)
    if transport is not None:
        options["transport"] = transport
    cache = persistent_token_cache() if token_cache else None
    if cache is not None:
        options["cache_persistence_options"] = cache

    def workload() -> Any:
        return WorkloadIdentityCredential(**options)

    builders = {
        "environment": lambda: EnvironmentCredential(**options),
        "workload": workload,
        "managed": ManagedIdentityCredential,
        "cli": AzureCliCredential,
    }
    if authority_verify is not None and method not in (None, "default", "environment", "workload"):
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
    if authority_verify is None:
        chain += [ManagedIdentityCredential(), AzureCliCredential()]
    return ChainedTokenCredential(*chain)


def persistent_token_cache() -> Any:
    """azure-identity's persistent token cache for amlevents, with the file kept private.

    Encrypted where the platform can (Windows DPAPI, macOS Keychain, Linux libsecret); on Linux without a keyring,
    a plain file as az's own token cache is: 0600 in a 0700 directory. msal-extensions creates a new file 0600 but
    leaves an existing one as it is, so a loosened file is tightened here before it is used again. None (sign in
    every time, as without a cache) when the home directory cannot hold the cache.
    """
    from azure.identity import TokenCachePersistenceOptions

    if os.name == "posix":
        directory = os.path.expanduser(os.path.join("~", ".IdentityService"))  # azure-identity's location
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            for suffix in (".nocae", ".cae"):
                path = os.path.join(directory, TOKEN_CACHE_NAME + suffix)
                if os.path.exists(path) and os.stat(path).st_mode & 0o077:
                    os.chmod(path, 0o600)
        except OSError:  # a read-only or foreign home: a cache is a speed-up, never a reason to fail
            return None
    return TokenCachePersistenceOptions(name=TOKEN_CACHE_NAME, allow_unencrypted_storage=True)


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


def quiet_azure_warnings() -> None:
    """Keep azure-identity's own warnings ("ClientSecretCredential.get_token failed: ...") off stderr: with no
    handler, Python's last-resort handler prints them, and the error boundary already reports the failure once.
    ``--debug`` adds a real handler, which shows them."""
    logger = logging.getLogger("azure")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
