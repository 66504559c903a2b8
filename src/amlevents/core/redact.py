"""Keeping secrets out of output, errors, logs and files: the one redaction policy.

Secrets here are, in any URL: every query value except a few harmless ARM parameters (``code=``, ``sig=`` ...),
the user-info password (the user name stays) and the fragment; bearer tokens, JWTs and ``Authorization`` header
values; client secrets, assertions and passwords in forms and JSON; and the values of delivery attribute mappings
marked ``isSecret``. ``--show-secrets`` turns the output redaction off; logs are always redacted.

Every caller goes through ``url_pieces`` for URLs, so the policy lives here once: ``redact_url`` (stdout, stderr,
logs; the plan's ``(secret)``/``(changed)`` markers are its ``marker``/``changed`` arguments), and the manifest
export, which turns each secret piece into a ``${VAR}`` reference instead.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import unquote_plus

REDACTED = "REDACTED"
HIDDEN = "Hidden"  # what Azure returns for a secret delivery attribute value: shown as it is, it reveals nothing
PASSWORD, FRAGMENT, NAMELESS = "password", "fragment", "query"  # labels of the secret pieces of a URL

_SAFE_QUERY = {"api-version", "$top", "$filter", "$skiptoken", "tenantid"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# A URL in free text runs to a space, a double quote or an angle bracket. Not to a single quote: RFC 3986 allows
# one unencoded in a password or query value, and stopping there would show the rest of the secret. Trailing
# punctuation (a closing quote, a full stop) is put back after redaction.
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s\"<>]+")
_URL_TRAILER = "'.,;:!?)]"
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_AUTH_HEADER = re.compile(r"(?i)((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)([^\"'\r\n,}]+)")
_FORM_SECRET = re.compile(
    r"(?i)((?:client_secret|client_assertion|refresh_token|access_token|password)[\"']?\s*[=:]\s*)"
    r"(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^&\"'\s,}]+)"  # a quoted value up to its closing quote, or a bare one
)
# JSON keys whose value is a secret whatever it looks like (compared lower-case, without "_" and "-").
_SECRET_KEYS = {"clientsecret", "clientassertion", "password", "accesstoken", "refreshtoken", "idtoken"}
_SECRET_HEADER_WORDS = ("authorization", "cookie", "key", "secret", "token", "password", "signature", "sas",
                        "credential")


def url_pieces(url: str) -> list[tuple[str, str | None]]:
    """``url`` cut into pieces that join back to it: ``(text, None)`` may be shown, ``(text, label)`` is a secret.

    The secrets: the user-info password (label ``password``; the user name is not a secret), each non-empty query
    value except harmless ARM parameters (label: its decoded parameter name; ``query`` for a part without ``=``,
    which is a value as a whole) and the fragment (``fragment``). Split by hand as RFC 3986 reads a URL (the
    fragment starts at the first ``#``, the query at the first ``?`` before it, the authority ends at the first
    ``/``), not with ``urlsplit``, which raises on odd hosts (``https://[x``) met in free text.
    """
    rest, hash_sign, fragment = url.partition("#")
    rest, question, query = rest.partition("?")
    pieces: list[tuple[str, str | None]] = []
    scheme = _SCHEME.match(rest)
    if scheme:
        start = scheme.end()
        end = rest.find("/", start)
        end = len(rest) if end == -1 else end
        userinfo, at, _host = rest[start:end].rpartition("@")
        user, colon, password = userinfo.partition(":")
        if at and colon and password:
            cut = start + len(user) + 1
            pieces += [(rest[:cut], None), (password, PASSWORD)]
            rest = rest[cut + len(password):]
    pieces.append((rest, None))
    if question:
        pieces.append(("?", None))
        for i, part in enumerate(query.split("&")):
            if i:
                pieces.append(("&", None))
            name, equals, value = part.partition("=")
            if not equals:
                pieces.append((part, NAMELESS if part else None))
            elif not value or unquote_plus(name).lower() in _SAFE_QUERY:
                pieces.append((part, None))
            else:
                pieces += [(name + "=", None), (value, unquote_plus(name))]
    if hash_sign:
        pieces += [("#", None), (fragment, FRAGMENT if fragment else None)]
    return pieces


def redact_url(url: str, marker: str = REDACTED, *, against: str | None = None, changed: str | None = None) -> str:
    """``url`` with each secret piece (see ``url_pieces``) replaced by ``marker``; the rest as written.

    With ``against`` (another URL) and ``changed``, a secret whose value differs from the one of the same label
    in ``against`` reads ``changed`` instead (the plan's ``code=(changed)``).
    """
    before = {label: text for text, label in url_pieces(against)} if against is not None else {}
    out = []
    for text, label in url_pieces(url):
        if label is None:
            out.append(text)
        elif changed is not None and label in before and before[label] != text:
            out.append(changed)
        else:
            out.append(marker)
    return "".join(out)


def redact_text(text: str) -> str:
    """Redact URLs, bearer tokens, JWTs, ``Authorization`` values and form-encoded secrets inside free text."""
    text = _URL.sub(_redact_url_match, text)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    return _FORM_SECRET.sub(_redact_form_value, text)


def _redact_url_match(match: re.Match[str]) -> str:
    url = match.group(0)
    core = url.rstrip(_URL_TRAILER)
    return redact_url(core) + url[len(core):]


def _redact_form_value(match: re.Match[str]) -> str:
    value = match.group(2)
    quote = value[0] if value[0] in "\"'" else ""
    return match.group(1) + quote + REDACTED + quote


# What a caller may ask ``redact_resource`` to keep: the flag that asked for it is the user's consent.
KEEP_ENDPOINT_URL = "endpointUrl"  # `show --include-full-endpoint-url`: the webhook URL with its query
KEEP_ATTRIBUTE_SECRETS = "attributeSecrets"  # `show --include-static-delivery-attribute-secret`


def redact_resource(data: Any, keep: Collection[str] = ()) -> Any:
    """A copy of JSON-shaped data with every URL, token and secret delivery attribute value redacted.

    Also for any JSON body (the emulator's request log): values under secret keys (``client_secret``,
    ``password``, ``access_token`` ...) are replaced whatever they look like. ``keep`` names what is shown as it
    is, and nothing else: ``KEEP_ENDPOINT_URL`` (the ``endpointUrl`` fields), ``KEEP_ATTRIBUTE_SECRETS`` (the
    values of static delivery attributes marked secret).
    """
    if isinstance(data, list):
        return [redact_resource(item, keep) for item in data]
    if not isinstance(data, dict):  # only a string with a URL in it: other text (filter values, labels) is data
        return redact_text(data) if isinstance(data, str) and "://" in data else data
    out: dict[str, Any] = {}
    secret_mapping = data.get("type") == "Static" and isinstance(data.get("properties"), dict) and (
        data["properties"].get("isSecret") is True
    )
    # The same mapping in the shape az prints (core.azshape: `properties` flattened into the mapping)
    flat_secret = data.get("type") == "Static" and data.get("isSecret") is True and "properties" not in data
    for key, value in data.items():
        if flat_secret and key == "value":
            shown = KEEP_ATTRIBUTE_SECRETS in keep or value in (None, HIDDEN)
            out[key] = value if shown else REDACTED
        elif secret_mapping and key == "properties":
            shown = KEEP_ATTRIBUTE_SECRETS in keep or value.get("value") in (None, HIDDEN)
            out[key] = dict(value) if shown else {**value, "value": REDACTED}
        elif _secret_key(key) and value is not None:
            out[key] = REDACTED
        elif key == KEEP_ENDPOINT_URL and KEEP_ENDPOINT_URL in keep and isinstance(value, str):
            out[key] = value
        else:
            out[key] = redact_resource(value, keep)
    return out


def _secret_key(key: Any) -> bool:
    return isinstance(key, str) and _secret_name(key)


@functools.lru_cache(maxsize=4096)  # the same few dozen keys recur in every item of a list
def _secret_name(key: str) -> bool:
    return key.lower().replace("_", "").replace("-", "") in _SECRET_KEYS


def redact_query(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parsed query parameters with every value except the harmless ARM ones (``api-version``, ``$filter`` ...)
    replaced by ``REDACTED``: the same rule as a URL's query in ``redact_url``."""
    return {name: value if not value or str(name).lower() in _SAFE_QUERY else REDACTED
            for name, value in params.items()}


def redact_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    """HTTP headers with the values of secret-looking headers (``Authorization``, ``Cookie``, ``*-Key``,
    ``*Secret*``, ``*Token*`` ...) replaced by ``REDACTED``, and URLs and tokens in the others redacted."""
    return {name: REDACTED if any(w in str(name).lower() for w in _SECRET_HEADER_WORDS) else
            (redact_text(value) if isinstance(value, str) else value) for name, value in headers.items()}


class RedactingFilter(logging.Filter):
    """A logging filter that redacts secrets in messages (and JSON bodies inside them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        record.msg = _redact_message(message)
        record.args = ()
        return True


def _redact_message(message: str) -> str:
    start = message.find("{")
    if start != -1:
        try:
            body = json.loads(message[start:])
        except ValueError:
            pass
        else:
            message = message[:start] + json.dumps(redact_resource(body))
    return redact_text(message)
