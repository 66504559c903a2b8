"""The writes as ``--dry-run`` prints them."""

from __future__ import annotations

from typing import Any


def request(method: str, url: str, body: Any = None) -> dict[str, Any]:
    """A write as ``--dry-run`` prints it."""
    return {"method": method, "url": url, "body": body}
