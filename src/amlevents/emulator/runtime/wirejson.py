"""Reading JSON from the wire the way ARM does: strictly, with bounded depth and finite numbers.

``json.loads`` accepts ``NaN``/``Infinity``, turns ``1e999`` into ``inf`` (then ``int()`` raises
``OverflowError``) and recurses once per nesting level (a 10k-deep body raises ``RecursionError``). ARM's
serializer (Json.NET) refuses all three; so does ``loads`` here, with ``ValueError`` so every caller's existing
"not valid JSON" path answers 400.
"""

from __future__ import annotations

import json
import math
from typing import Any

# Json.NET's default MaxDepth, the limit ARM's JSON reader applies.
MAX_DEPTH = 64


def _no_constant(name: str) -> Any:
    raise ValueError(f"'{name}' is not a valid JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def depth(value: Any) -> int:
    """The nesting depth of parsed JSON (a scalar is 0), walked without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level + 1)
            stack.extend((child, level + 1) for child in item)
    return deepest


def loads(raw: str | bytes) -> Any:
    """Parse JSON text; ``ValueError`` when it is invalid, holds NaN/Infinity or an out-of-range number, or nests
    deeper than ``MAX_DEPTH``."""
    try:
        value = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise ValueError(f"the JSON nests deeper than {MAX_DEPTH} levels") from None
    if depth(value) > MAX_DEPTH:
        raise ValueError(f"the JSON nests deeper than {MAX_DEPTH} levels")
    return value
