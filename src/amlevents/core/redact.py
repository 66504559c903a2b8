"""Keeping secrets out of output and logs.

Secrets here are: webhook URL query strings (``code=``, ``sig=``, ``key=`` ... — every query parameter except a
few harmless ARM ones), bearer tokens and JWTs, client secrets and assertions, and the values of delivery
attribute mappings marked ``isSecret``. ``--show-secrets`` turns the output redaction off; logs are always
redacted.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

from amlevents.core.delivery_attributes import HIDDEN

REDACTED = "REDACTED"
_SAFE_QUERY = {"api-version", "$top", "$filter", "$skiptoken", "tenantid"}
_URL = re.compile(r"https?://[^\s\"'<>]+")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_FORM_SECRET = re.compile(
    r"(?i)((?:client_secret|client_assertion|refresh_token|access_token|password)[\"']?\s*[=:]\s*)"
    r"(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^&\"'\s,}]+)"  # a quoted value up to its closing quote, or a bare one
)


def query_parts(url: str) -> tuple[str, list[tuple[str, str, str | None]], str] | None:
    """``(head, [(part, name, value)], fragment)`` of a URL with a query string, else None.

    ``value`` is None for a part without ``=`` (such a part is a value as a whole); ``fragment`` keeps its
    ``#``. The URL is split by hand, not with ``urlsplit``, which raises on odd hosts (``https://[x``) met in
    free text. Shared by redaction and by the manifest export, which turns query values into ``${VAR}``.
    """
    head, _, rest = url.partition("?")
    query, hash_sign, fragment = rest.partition("#")
    if not query:
        return None
    parts = []
    for part in query.split("&"):
        name, equals, value = part.partition("=")
        parts.append((part, name, value if equals else None))
    return head, parts, hash_sign + fragment


def redact_url(url: str) -> str:
    """The URL with every query value except harmless ARM parameters replaced by ``REDACTED``.

    Kept parameters keep their original encoding; a query part without ``=`` is a secret as a whole.
    """
    split = query_parts(url)
    if split is None:
        return url
    head, parts, fragment = split
    out = []
    for part, name, value in parts:
        if value is None:
            out.append(REDACTED if part else part)
        elif unquote_plus(name).lower() in _SAFE_QUERY:
            out.append(part)
        else:
            out.append(f"{name}={REDACTED}")
    return head + "?" + "&".join(out) + fragment


def redact_text(text: str) -> str:
    """Redact URLs, bearer tokens, JWTs and form-encoded secrets inside free text."""
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    return _FORM_SECRET.sub(_redact_form_value, text)


def _redact_form_value(match: re.Match[str]) -> str:
    value = match.group(2)
    quote = value[0] if value[0] in "\"'" else ""
    return match.group(1) + quote + REDACTED + quote


def redact_resource(data: Any) -> Any:
    """A copy of JSON-shaped data with webhook URLs and secret delivery attribute values redacted."""
    if isinstance(data, list):
        return [redact_resource(item) for item in data]
    if not isinstance(data, dict):
        return redact_text(data) if isinstance(data, str) and "://" in data else data
    out: dict[str, Any] = {}
    secret_mapping = data.get("type") == "Static" and isinstance(data.get("properties"), dict) and (
        data["properties"].get("isSecret") is True
    )
    for key, value in data.items():
        if secret_mapping and key == "properties":
            value = {**value, "value": REDACTED} if value.get("value") not in (None, HIDDEN) else dict(value)
            out[key] = value
        else:
            out[key] = redact_resource(value)
    return out


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
