"""ARM paging for list operations: ``$top`` pages, an opaque ``$skipToken`` and an absolute ``nextLink``.

The skip token is the last returned name (keyset paging), base64url-encoded without padding: it survives the
SDK's ``parse_qs`` + ``quote`` round trip, and an item created or deleted between two page requests neither
shifts nor repeats the others.

A list that lives in the store is a ``Listing``: it reads only the rows of the page asked for (``$top`` + 1, by key
after the skip token) and renders only those, so a page costs O(page), not O(all); a ``$filter`` that maps to SQL
is applied there too (``odata.to_sql``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

from amlevents.emulator.runtime.errors import invalid_request
from amlevents.emulator.runtime.odata import compile_filter

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


# fetch(after, limit, filter_text): up to ``limit`` rendered items (None: all) whose lower-case name sorts after
# ``after`` (None: from the start), ordered by lower-case name, that pass the ``$filter`` text (None: all).
Fetch = Callable[[str | None, int | None, str | None], list[dict[str, Any]]]


class Listing:
    """A list read from the store page by page; iterating it reads (and renders) every item."""

    def __init__(self, fetch: Fetch, token_of: Callable[[dict[str, Any]], str] | None = None) -> None:
        self.fetch = fetch
        # what the next page resumes after: the last item's lower-case name, or e.g. its key when names repeat
        self.token_of = token_of or (lambda item: item["name"].lower())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.fetch(None, None, None))

    def __len__(self) -> int:
        return len(self.fetch(None, None, None))


def page(items: list[dict[str, Any]] | Listing, top: int, skip_token: str | None,
         filter_text: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """One page of ``items`` (ordered by lower-case name), filtered by the name ``$filter`` text when given, and
    the skip token of the next page, if any. A ``Listing`` reads only ``top`` + 1 items from the store."""
    keep = compile_filter(filter_text, ("name",)) if filter_text else None  # a bad filter fails first
    after = decode_token(skip_token) if skip_token else None
    if isinstance(items, Listing):
        found = items.fetch(after, top + 1, filter_text or None)
    else:
        found = items if keep is None else [i for i in items if keep({"name": i["name"]})]
        if after is not None:
            found = [i for i in found if i["name"].lower() > after]
    chunk = found[:top]
    more = len(found) > top
    if not more:
        return chunk, None
    return chunk, encode_token(items.token_of(chunk[-1]) if isinstance(items, Listing) else chunk[-1]["name"])


def next_link(base_url: str, path: str, params: Mapping[str, str | None]) -> str:
    """An absolute URL back to this list with ``params`` (None values left out)."""
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items() if v is not None)
    return f"{base_url.rstrip('/')}{quote(path)}?{query}"
