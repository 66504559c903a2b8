"""What a sign-in needs, served at the emulator's own URL: ARM cloud metadata, and the OpenID configuration and
token endpoints of Entra ID (v1 and v2) and ADFS for the client-credentials grant.

With these, unmodified clients sign in against the emulator the way they do against Azure:

- the Azure CLI: ``az cloud register`` discovers the endpoints from ``GET /metadata/endpoints`` (it asks for
  ``//metadata/...`` when the URL it is given ends in ``/``), then ``az login --service-principal`` runs MSAL's
  client-credentials flow against ``{loginEndpoint}/{tenant}`` and lists ``GET /subscriptions``;
- azure-identity (``ClientSecretCredential``/``EnvironmentCredential``) with ``authority`` = the emulator URL and
  instance discovery disabled, or with the ``adfs`` tenant (MSAL never runs instance discovery for ADFS).

Paths (matched case-insensitively, ``//`` collapsed)::

    GET  /metadata/endpoints?api-version=...                       the cloud's endpoints (this emulator), in the
                                                                   single-cloud shape of api-version 2022-09-01
    GET  /{tenant}/v2.0/.well-known/openid-configuration            Entra ID v2 (MSAL)
    GET  /{tenant}/.well-known/openid-configuration                 Entra ID v1; ``/adfs/...`` is ADFS
    POST /{tenant}/oauth2/v2.0/token                                client credentials with ``scope``
    POST /{tenant}/oauth2/token                                     v1 (``resource``) and ADFS (``scope``)
    GET  /{tenant}/discovery/v2.0/keys, /{tenant}/discovery/keys    an empty key set (tokens are unsigned)

``{tenant}`` is the seeded tenant id or ``adfs``; anything else is refused as Entra ID refuses an unknown tenant.
Each seeded principal has a client id and secret (``runtime/seed.py``) and may sign in with a federated token instead
(workload identity: ``client_assertion`` of type jwt-bearer, a JWT for ``api://AzureADTokenExchange`` whose issuer
and subject match one of the principal's ``federatedCredentials``, any when the seed lists none; signatures are not
checked). The token is the emulator's usual unsigned JWT
for that principal, issued for the requested resource: the management audience
(``https://management.azure.com/``, ``https://management.core.windows.net/``) or the emulator's own URL, the
audience its metadata names (``https://127.0.0.1:PORT//.default`` from the CLI is the same resource). Errors
use Entra ID's codes and shapes: a wrong secret is 401 ``invalid_client`` (AADSTS7000215), a missing one 401
``invalid_client`` (AADSTS7000216), an unknown client 400 ``unauthorized_client`` (AADSTS700016, which is what
Entra ID answers for an application it does not know), an unknown tenant 400 (AADSTS90002), another resource 400
``invalid_resource`` (AADSTS500011), another grant 400 ``unsupported_grant_type`` (AADSTS70003).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timezone
from typing import Any

from werkzeug.wrappers import Request, Response

from amlevents.emulator.identity.auth import MANAGEMENT_AUDIENCES, decode_claims
from amlevents.emulator.identity.tokens import mint_token
from amlevents.emulator.runtime.errors import missing_api_version
from amlevents.emulator.runtime.handlers import query_param
from amlevents.emulator.runtime.seed import Principal, World

TOKEN_LIFETIME = 3599  # seconds, like Entra ID's expires_in for a fresh token
_JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
_RESERVED_SCOPES = {"openid", "profile", "offline_access", "email"}

_METADATA = re.compile(r"/metadata/endpoints", re.IGNORECASE)
_OIDC = re.compile(r"/(?P<tenant>[^/]+)(?P<v2>/v2\.0)?/\.well-known/openid-configuration", re.IGNORECASE)
_TOKEN = re.compile(r"/(?P<tenant>[^/]+)/oauth2(?P<v2>/v2\.0)?/token", re.IGNORECASE)
_KEYS = re.compile(r"/(?P<tenant>[^/]+)/discovery(?:/v2\.0)?/keys", re.IGNORECASE)


def is_identity_path(path: str) -> bool:
    """Whether a normalized path is one of the sign-in endpoints (served without a bearer token)."""
    return any(p.fullmatch(path) for p in (_METADATA, _OIDC, _TOKEN, _KEYS))


def audiences(base_url: str) -> set[str]:
    """The resources a token may be issued for, and an ARM request accept, at this emulator."""
    own = base_url.rstrip("/")
    return {*MANAGEMENT_AUDIENCES, own, own + "/"}


class _OAuthError(Exception):
    """An Entra ID error answer: ``{"error", "error_description", "error_codes", ...}``."""

    def __init__(self, status: int, error: str, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.code, self.message = status, error, code, message

    def response(self) -> Response:
        now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        body = {
            "error": self.error,
            "error_description": f"AADSTS{self.code}: {self.message} Trace ID: {trace} Correlation ID: {correlation} "
                                 f"Timestamp: {now}",
            "error_codes": [self.code],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.code}",
        }
        headers = {"WWW-Authenticate": f'Bearer error="{self.error}"'} if self.status == 401 else {}
        return _json(body, self.status, headers)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status=status, headers={
        "Cache-Control": "no-store, no-cache", "x-ms-request-id": str(uuid.uuid4()), **(headers or {})},
        content_type="application/json; charset=utf-8")


class Identity:
    """The sign-in endpoints over a seeded ``World``; ``handle`` answers one request (``entry`` is its log entry)."""

    def __init__(self, world: World) -> None:
        self.world = world

    def handle(self, request: Request, path: str, entry: dict[str, Any]) -> Response:
        base = request.host_url.rstrip("/")
        try:
            if _METADATA.fullmatch(path):
                if query_param(request.args, "api-version") is None:
                    return _json(missing_api_version().body(), 400)
                return self._only(request, "GET") or _json(self.metadata(base))
            if m := _OIDC.fullmatch(path):
                tenant = self._tenant(m["tenant"])
                return self._only(request, "GET") or _json(self.openid_configuration(base, tenant, bool(m["v2"])))
            if m := _KEYS.fullmatch(path):
                self._tenant(m["tenant"])
                return self._only(request, "GET") or _json({"keys": []})
            m = _TOKEN.fullmatch(path)
            assert m is not None  # is_identity_path() was checked by the caller
            tenant = self._tenant(m["tenant"])
            return self._only(request, "POST") or self.token(request, base, tenant, bool(m["v2"]), entry)
        except _OAuthError as exc:
            return exc.response()

    @staticmethod
    def _only(request: Request, method: str) -> Response | None:
        if request.method == method:
            return None
        return _json({"error": "invalid_request", "error_description": f"{request.method} is not supported here"},
                     405, {"Allow": method})

    def _tenant(self, tenant: str) -> str:
        if tenant.lower() in ("adfs", self.world.tenant_id.lower()):
            return tenant.lower()
        raise _OAuthError(400, "invalid_request", 90002,
                          f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
                          "signing into the correct cloud.")

    # --- documents ------------------------------------------------------------------------------------------

    def metadata(self, base: str) -> dict[str, Any]:
        """ARM's ``metadata/endpoints`` document naming this emulator as resource manager, login endpoint and
        audience (the shape ``az cloud register`` reads: ``name``, ``authentication``, ``suffixes``, ...)."""
        root = base + "/"
        return {
            "name": "AmlEventsEmulator",
            "portal": root,
            "resourceManager": root,
            "authentication": {"loginEndpoint": root, "audiences": [root], "tenant": "common",
                               "identityProvider": "AAD"},
            "graph": root,
            "graphAudience": root,
            "microsoftGraphResourceId": root,
            "activeDirectoryDataLake": root,
            "media": root,
            "batch": root,
            "gallery": root,
            "sqlManagement": root,
            "vmImageAliasDoc": "",
            "suffixes": {"storage": "core.windows.net", "keyVaultDns": "vault.azure.net",
                         "sqlServerHostname": "database.windows.net", "acrLoginServer": "azurecr.io"},
        }

    def openid_configuration(self, base: str, tenant: str, v2: bool) -> dict[str, Any]:
        """The OpenID Provider configuration MSAL discovers the token endpoint from."""
        if tenant == "adfs":
            prefix = f"{base}/adfs"
            return {"issuer": prefix, "authorization_endpoint": f"{prefix}/oauth2/authorize",
                    "token_endpoint": f"{prefix}/oauth2/token", "jwks_uri": f"{prefix}/discovery/keys",
                    "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                    "grant_types_supported": ["client_credentials"], "response_types_supported": ["code"],
                    "scopes_supported": ["openid"], "access_token_issuer": prefix}
        tid = self.world.tenant_id
        version = "/v2.0" if v2 else ""
        return {
            "issuer": f"{base}/{tid}{version}" if v2 else f"https://sts.windows.net/{tid}/",
            "authorization_endpoint": f"{base}/{tid}/oauth2{version}/authorize",
            "token_endpoint": f"{base}/{tid}/oauth2{version}/token",
            "jwks_uri": f"{base}/{tid}/discovery{version}/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "amlevents.local",
        }

    # --- the client-credentials grant -----------------------------------------------------------------------

    def token(self, request: Request, base: str, tenant: str, v2: bool, entry: dict[str, Any]) -> Response:
        """Issue a token for the client of the form (``client_id``/``client_secret``, or HTTP Basic)."""
        form = request.form
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if request.authorization is not None and request.authorization.type == "basic":
            client_id = client_id or request.authorization.username
            secret = secret or request.authorization.password
        grant = form.get("grant_type", "")
        if grant != "client_credentials":
            raise _OAuthError(400, "unsupported_grant_type", 70003,
                              f"The app requested an unsupported grant type '{grant}'. The emulator signs in service "
                              "principals only (client_credentials).")
        if not client_id:
            raise _OAuthError(400, "invalid_request", 900144, "The request body must contain the following "
                              "parameter: 'client_id'.")
        principal = self.world.client(client_id)
        if principal is None:
            raise _OAuthError(400, "unauthorized_client", 700016,
                              f"Application with identifier '{client_id}' was not found in the directory "
                              f"'{self.world.tenant_id}'. This can happen if the application has not been installed "
                              "by the administrator of the tenant or consented to by any user in the tenant. You may "
                              "have sent your authentication request to the wrong tenant.")
        entry["principal"] = principal.name
        assertion = form.get("client_assertion")
        if assertion and form.get("client_assertion_type") == _JWT_BEARER:
            self._check_federated(principal, assertion)
        elif not secret:
            raise _OAuthError(401, "invalid_client", 7000216,
                              "'client_assertion', 'client_secret' or 'request' is required for the "
                              "'client_credentials' grant type.")
        elif secret != principal.client_secret:
            raise _OAuthError(401, "invalid_client", 7000215,
                              "Invalid client secret provided. Ensure the secret being sent in the request is the "
                              f"client secret value, not the client secret ID, for a secret added to app '{client_id}'.")
        resource = self._resource(form, base, v2 or tenant == "adfs")
        return _json(self._token_body(principal, resource, v2))

    @staticmethod
    def _check_federated(principal: Principal, assertion: str) -> None:
        """A workload-identity assertion: a JWT (GitHub Actions' or Kubernetes' OIDC token, not verified: the
        emulator trusts tokens as presented) for audience ``api://AzureADTokenExchange``, unexpired, whose issuer
        and subject match one of the principal's federated credentials (any, when the seed lists none)."""
        try:
            claims = decode_claims(assertion)
        except ValueError:
            raise _OAuthError(400, "invalid_request", 50027, "JWT token is invalid or malformed.") from None
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        iss, sub = claims.get("iss"), claims.get("sub")
        if _EXCHANGE_AUDIENCE not in audiences:
            raise _OAuthError(400, "invalid_request", 700212,
                              f"No matching federated identity record found for presented assertion audience "
                              f"'{aud}'. Please note that the matching is done using a case-sensitive comparison.")
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or exp <= time.time():
            raise _OAuthError(400, "invalid_client", 700024, "Client assertion is not within its valid time range.")
        if principal.federated and (iss, sub) not in principal.federated:
            raise _OAuthError(400, "invalid_request", 70021,
                              f"No matching federated identity record found for presented assertion. Assertion "
                              f"Issuer: '{iss}'. Assertion Subject: '{sub}'. Assertion Audience: "
                              f"'{_EXCHANGE_AUDIENCE}'.")

    @staticmethod
    def _resource(form: Any, base: str, scoped: bool) -> str:
        """The resource the token is for, from ``scope`` (v2, ADFS) or ``resource`` (v1)."""
        if scoped or form.get("scope"):
            scopes = [s for s in form.get("scope", "").split() if s.lower() not in _RESERVED_SCOPES]
            if len(scopes) != 1 or not scopes[0].endswith("/.default"):
                raise _OAuthError(400, "invalid_scope", 1002012,
                                  f"The provided value for scope {' '.join(scopes) or '(none)'} is not valid. Client "
                                  "credential flows must have a scope value with /.default suffixed to the resource "
                                  "identifier (application ID URI).")
            requested = scopes[0][: -len("/.default")]
        else:
            requested = form.get("resource", "")
        # "https://127.0.0.1:8443//.default" (an audience with a trailing slash) names the same resource.
        canonical = requested.rstrip("/") + "/"
        if canonical.lower() not in {a.rstrip("/").lower() + "/" for a in audiences(base)}:
            raise _OAuthError(400, "invalid_resource", 500011,
                              f"The resource principal named {requested} was not found in the tenant. The emulator "
                              f"issues tokens for Azure Resource Manager (https://management.azure.com/) and for "
                              f"itself ({base}/).")
        return canonical

    def _token_body(self, principal: Principal, resource: str, v2: bool) -> dict[str, Any]:
        token = mint_token(principal.object_id, self.world.tenant_id, TOKEN_LIFETIME + 1, audience=resource,
                           claims={"appid": principal.client_id, "azp": principal.client_id, "idtyp": "app"})
        body: dict[str, Any] = {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME,
                                "ext_expires_in": TOKEN_LIFETIME, "access_token": token}
        if not v2:  # the v1 endpoint answers with strings and names the resource
            now = int(time.time())
            body.update({"expires_in": str(TOKEN_LIFETIME), "ext_expires_in": str(TOKEN_LIFETIME),
                         "expires_on": str(now + TOKEN_LIFETIME), "not_before": str(now), "resource": resource})
        return body
