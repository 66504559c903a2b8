"""The dict the SDK's model round trip (``Model.serialize(keep_readonly=True)``) makes of a list item, built
straight from the item's JSON.

``-o json`` of a list is an API (key order, no null keys, ``...123456Z`` timestamps), and it was the SDK's model
round trip that defined it. Building models and serializing them back cost ~8 s per 10,000 items; this walks the
same ``_attribute_map`` / ``_subtype_map`` metadata of the generated models over plain dicts instead, and
reformats only the few date and duration values with the SDK's own (de)serializer functions.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

_MISSING = object()


def shaped(item: dict[str, Any], model: str) -> dict[str, Any]:
    """``item`` (a list item's JSON) as the SDK's ``serialize(keep_readonly=True)`` of ``model`` would render it."""
    return _value(item, model)


def _value(data: Any, data_type: str) -> Any:
    if data is None:
        return None
    if data_type.startswith("[") and isinstance(data, list):
        return [_value(v, data_type[1:-1]) for v in data]
    if data_type.startswith("{") and isinstance(data, dict):
        return {k: _value(v, data_type[1:-1]) for k, v in data.items()}
    if data_type in ("iso-8601", "duration"):
        return _reformat(data, data_type)
    model = _models().get(data_type)
    if model is None or not isinstance(data, dict):
        return data  # str/bool/int/float/object and enums (typed "str") are kept as the service sent them
    return _model(data, _classify(model, data))


def _model(data: dict[str, Any], model: type) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for keys, data_type in _fields(model):
        value: Any = data
        for key in keys:
            value = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
            if value is _MISSING or value is None:
                break
        if value is _MISSING or value is None:
            continue  # the serializer leaves out attributes that are None
        target = out
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = _value(value, data_type)
    return out


@cache
def _models() -> dict[str, type]:
    from azure.mgmt.eventgrid import models

    return {k: v for k, v in vars(models).items() if isinstance(v, type)}


@cache
def _fields(model: type) -> tuple[tuple[tuple[str, ...], str], ...]:
    """(REST key path, type) of every attribute, in the model's order: the serializer's output order."""
    from azure.mgmt.eventgrid._serialization import _FLATTEN, _decode_attribute_map_key

    return tuple((tuple(_decode_attribute_map_key(k) for k in _FLATTEN.split(desc["key"])), desc["type"])
                 for desc in model._attribute_map.values())  # noqa: SLF001 - the generated models' metadata


def _classify(model: type, data: dict[str, Any]) -> type:
    """The subtype a polymorphic value deserializes to (``destination`` by ``endpointType`` ...)."""
    if "_subtype_map" not in model.__dict__:
        return model
    return model._classify(data, _models())  # noqa: SLF001 - the SDK's own discriminator rules


# A UTC timestamp as ARM writes them; the serializer keeps 6 fraction digits at most (the deserializer truncates
# the 7th), strips trailing zeros and keeps at least 3. Anything else takes the SDK's own (slower) path.
_UTC = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z", re.IGNORECASE)


def _reformat(value: Any, data_type: str) -> Any:
    from azure.mgmt.eventgrid._serialization import Deserializer, Serializer

    found = _UTC.fullmatch(value) if data_type == "iso-8601" and isinstance(value, str) else None
    if found and not found[1].startswith("0000"):
        return f"{found[1].upper()}.{(found[2] or '')[:6].ljust(6, '0').rstrip('0').ljust(3, '0')}Z"
    try:
        if data_type == "duration":
            return Serializer.serialize_duration(Deserializer.deserialize_duration(value))
        return Serializer.serialize_iso(Deserializer.deserialize_iso(value))
    except Exception:  # noqa: BLE001 - the SDK would refuse the page; show the value as sent instead
        return value
