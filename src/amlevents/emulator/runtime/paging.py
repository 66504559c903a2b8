"""ARM paging for list operations: ``$top`` pages, an opaque ``$skipToken`` and an absolute ``nextLink``.

The skip token is the last returned name (keyset paging), base64url-encoded without padding: it survives the
SDK's ``parse_qs`` + ``quote`` round trip, and an item created or deleted between two page requests neither
shifts nor repeats the others.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from amlevents.emulator.runtime.errors import invalid_request

DEFAULT_TOP = 20
MAX_TOP = 100


def parse_top(value: str | None) -> int:
    """The page size from ``$top`` (1-100, default 20); 400 InvalidRequest otherwise."""
    if value is None or value == "":
        return DEFAULT_TOP
    try:
        top = int(value)
    except ValueError:
        top = 0
    if not 1 <= top <= MAX_TOP:
        raise invalid_request(f"The value '{value}' of $top is invalid. It must be an integer between 1 and "
                              f"{MAX_TOP}.")
    return top


def encode_token(name: str) -> str:
    """The skip token that resumes after ``name``."""
    return base64.urlsafe_b64encode(name.lower().encode()).rstrip(b"=").decode()


def decode_token(token: str) -> str:
    """The name a skip token resumes after; 400 for a token the emulator did not issue."""
    try:
        return base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_request(f"The $skipToken '{token}' is invalid.") from None


def page(items: list[dict[str, Any]], top: int, skip_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """One page of ``items`` (ordered by lower-case name) and the skip token of the next page, if any."""
    if skip_token:
        after = decode_token(skip_token)
        items = [i for i in items if i["name"].lower() > after]
    chunk = items[:top]
    more = len(items) > top
    return chunk, (encode_token(chunk[-1]["name"]) if more else None)


def next_link(base_url: str, path: str, params: Mapping[str, str | None]) -> str:
    """An absolute URL back to this list with ``params`` (None values left out)."""
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items() if v is not None)
    return f"{base_url.rstrip('/')}{quote(path)}?{query}"
