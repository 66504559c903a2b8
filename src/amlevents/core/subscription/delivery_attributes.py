"""Delivery attribute mappings: the headers Event Grid adds to each delivery (``--delivery-attribute-mapping``).

A mapping is ``Static`` (a fixed value, optionally secret: Azure then returns it as ``"Hidden"`` and only
getDeliveryAttributes reveals it) or ``Dynamic`` (copied from an event field). az's parser turned every given
secret flag into true (``bool("false")``, recording 06); this one accepts only ``true`` and ``false``.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from amlevents.core.errors import InvalidInputError
from amlevents.core.redact import (  # HIDDEN: what a GET returns for a secret value
    HIDDEN,
    REDACTED,
)

__all__ = ["HIDDEN", "MAX_DELIVERY_ATTRIBUTES", "DeliveryAttribute", "check_mappings", "check_secrets_known",
           "parse_delivery_attribute", "upsert_mappings"]

MAX_DELIVERY_ATTRIBUTES = 10

_MAPPING_USAGE = "Write NAME static VALUE [true|false] or NAME dynamic SOURCEFIELD, e.g. 'env static prod'."


@dataclass(frozen=True)
class DeliveryAttribute:
    """One delivery attribute mapping: a header ``name`` sent with each delivery.

    ``kind`` is ``Static`` (a fixed ``value``, hidden by Azure when ``is_secret``) or ``Dynamic`` (copied from the
    event's ``source_field``, e.g. ``data.runId``).
    """

    name: str
    kind: str
    value: str | None = None
    is_secret: bool = False
    source_field: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("Static", "Dynamic"):
            raise InvalidInputError(f"delivery attribute type must be Static or Dynamic, got '{self.kind}'")
        if not self.name or any(c.isspace() for c in self.name):
            raise InvalidInputError(
                f"--delivery-attribute-mapping: '{self.name}' is not a header name", hint=_MAPPING_USAGE
            )
        static = self.kind == "Static"
        if static and (self.value is None or self.source_field is not None):
            raise InvalidInputError(f"static delivery attribute '{self.name}' needs a value and no source field")
        if not static and (not self.source_field or self.value is not None or self.is_secret):
            raise InvalidInputError(f"dynamic delivery attribute '{self.name}' needs a source field and no value")

    def to_wire(self) -> dict[str, Any]:
        """The ``DeliveryAttributeMapping`` JSON object."""
        if self.kind == "Static":
            props: dict[str, Any] = {"value": self.value, "isSecret": self.is_secret}
        else:
            props = {"sourceField": self.source_field}
        return {"name": self.name, "type": self.kind, "properties": props}

    @classmethod
    def from_wire(cls, data: Any) -> DeliveryAttribute:
        """Build from a ``DeliveryAttributeMapping`` JSON object."""
        if not isinstance(data, dict) or not isinstance(data.get("properties"), dict):
            raise InvalidInputError(f"a delivery attribute mapping must be an object with properties, got {data!r}")
        props = data["properties"]
        if data.get("type") == "Static":
            secret = props.get("isSecret")
            if secret is not None and not isinstance(secret, bool):  # bool("false") is True: az's mistake
                raise InvalidInputError(
                    f"isSecret of delivery attribute '{data.get('name')}' must be true or false, got {secret!r}"
                )
            return cls(str(data.get("name") or ""), "Static", value=props.get("value"), is_secret=bool(secret))
        return cls(str(data.get("name") or ""), str(data.get("type")), source_field=props.get("sourceField"))


def parse_delivery_attribute(expr: str | Sequence[str]) -> DeliveryAttribute:
    """Parse az's ``NAME static VALUE [true|false]`` or ``NAME dynamic SOURCEFIELD`` (a string or shell tokens).

    The type and the secret flag take any case; the flag must be ``true`` or ``false`` (az's ``bool("false")`` made
    every given flag true). A string is split like a shell line, so ``'k static "a b"'`` has the value ``a b``.
    """
    if isinstance(expr, str):
        try:
            tokens = shlex.split(expr)
        except ValueError as exc:
            raise InvalidInputError(f"--delivery-attribute-mapping '{_shown(expr.split())}': {exc}",
                                    hint=_MAPPING_USAGE) from None
    else:
        tokens = list(expr)
        if len(tokens) == 1:
            return parse_delivery_attribute(tokens[0])
    shown = _shown(tokens)
    if len(tokens) < 3:
        raise InvalidInputError(f"--delivery-attribute-mapping '{shown}' needs NAME TYPE VALUE", hint=_MAPPING_USAGE)
    name, kind, *rest = tokens
    if kind.lower() == "static":
        if len(rest) > 2:
            raise InvalidInputError(f"--delivery-attribute-mapping '{shown}' has too many values", hint=_MAPPING_USAGE)
        secret = rest[1].lower() if len(rest) == 2 else "false"
        if secret not in ("true", "false"):
            raise InvalidInputError(
                f"--delivery-attribute-mapping '{shown}': the secret flag must be true or false",
                hint=_MAPPING_USAGE,
            )
        return DeliveryAttribute(name, "Static", value=rest[0], is_secret=secret == "true")
    if kind.lower() == "dynamic":
        if len(rest) != 1:
            raise InvalidInputError(
                f"--delivery-attribute-mapping '{shown}': a dynamic mapping takes one source field", hint=_MAPPING_USAGE
            )
        return DeliveryAttribute(name, "Dynamic", source_field=rest[0])
    raise InvalidInputError(
        f"--delivery-attribute-mapping '{shown}': the type must be static or dynamic",
        hint=_MAPPING_USAGE,
    )


def _shown(tokens: Sequence[str]) -> str:
    """The mapping as written, for an error message, with every word that may be a secret value replaced by
    ``REDACTED``: all but the name, a known type and a valid secret flag, unless the mapping is dynamic (a source
    field is no secret). The value is hidden even when the mistake is elsewhere (``X-Key static S3CRET maybe``)."""
    if len(tokens) < 2:
        return " ".join(tokens)
    kind = tokens[1].lower()
    if kind == "dynamic":
        return " ".join(tokens)
    shown = [tokens[0], tokens[1] if kind == "static" else REDACTED, *[REDACTED] * (len(tokens) - 2)]
    if kind == "static" and len(tokens) == 4 and tokens[3].lower() in ("true", "false"):
        shown[3] = tokens[3]
    return " ".join(shown)


def upsert_mappings(current: Sequence[dict[str, Any]], given: Sequence[DeliveryAttribute]) -> list[dict[str, Any]]:
    """``current`` wire mappings with each given one replacing the one of the same name (any case) or appended.

    The given mappings must name different headers; ``check_mappings`` then checks the result.
    """
    check_mappings([attr.to_wire() for attr in given], limit=None)
    out = [dict(m) for m in current]
    for attr in given:
        at = next((i for i, m in enumerate(out) if str(m.get("name", "")).lower() == attr.name.lower()), None)
        if at is None:
            out.append(attr.to_wire())
        else:
            out[at] = attr.to_wire()
    return out


def check_mappings(mappings: Sequence[dict[str, Any]], *, limit: int | None = MAX_DELIVERY_ATTRIBUTES) -> None:
    """Refuse more than ``limit`` mappings, or two with the same (case-insensitive) name."""
    if limit is not None and len(mappings) > limit:
        raise InvalidInputError(
            f"--delivery-attribute-mapping: {len(mappings)} mappings exceed the Event Grid limit of {limit}",
            hint="Drop some mappings (--clear-delivery-attributes on update starts the list afresh).",
        )
    seen: set[str] = set()
    for m in mappings:
        name = str(m.get("name", "")).lower()
        if name in seen:
            raise InvalidInputError(
                f"--delivery-attribute-mapping: the header '{m.get('name')}' is mapped twice",
                hint="Give each header once; header names compare case-insensitively.",
            )
        seen.add(name)


def check_secrets_known(mappings: Sequence[dict[str, Any]]) -> None:
    """Refuse to send a secret mapping whose value is still the GET's ``"Hidden"``: that would overwrite the secret.

    Callers hydrate secrets from getDeliveryAttributes before an update; the user can also give the value again.
    """
    for m in mappings:
        props = m.get("properties") or {}
        if m.get("type") == "Static" and props.get("isSecret") and props.get("value") == HIDDEN:
            raise InvalidInputError(
                f"the secret value of delivery attribute '{m.get('name')}' is not known, so it cannot be sent again",
                hint=f"Give it again: --delivery-attribute-mapping {m.get('name')} static VALUE true.",
            )
