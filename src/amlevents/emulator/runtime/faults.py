"""Injected faults: latency, throttling, 500/503, dropped connections and operations that end Failed.

Spec grammar (one rule per string, as the CLI's ``--fault`` takes them)::

    spec   := "seed=" INT | kind [":" option ("," option)*]
    kind   := throttle | error500 | error503 | drop | fail-operation | latency
    option := rate=FLOAT        probability that a matching request triggers the rule (default 1)
            | count=INT         the rule triggers this many times, then retires (default: unlimited)
            | method=METHOD     only requests with this HTTP method (any case)
            | path=PATTERN      only requests whose path matches PATTERN (see below)
            | retry_after=INT   seconds in the Retry-After header (throttle: default 1; error503: none unless given)
            | ms=INT            added delay in milliseconds (latency only)

Examples: ``throttle:count=2,retry_after=1``, ``error503:rate=0.2``, ``error500:count=1,method=PUT``,
``drop:count=1``, ``fail-operation:count=1``, ``latency:ms=200,path=/eventSubscriptions``, ``seed=42``.

A ``path=`` PATTERN is plain text found anywhere in the request path, ignoring case; ``*`` stands for any run of
characters (``/`` included), a leading ``^`` anchors it at the start of the path and a trailing ``$`` at the end:
``path=/operationsStatus``, ``path=/workspaces/*/eventSubscriptions$``, ``path=^/subscriptions/*/resourceGroups``.
It is not a regular expression: it is matched in linear time (a pattern such as ``(a+)+b`` could otherwise stall
every request), and regex syntax (``[ ] ( ) { } + ? | \\``) is refused so that an old regex spec fails loudly
instead of silently never matching.

``fail-operation`` is counted only on requests that start a long-running operation (PUT/PATCH/DELETE that
passed validation), so a GET in between does not use it up. Random draws come from one ``random.Random``
seeded by ``seed=``, so a run with the same seed and the same requests injects the same faults.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from amlevents.core.errors import InvalidInputError

KINDS = ("throttle", "error500", "error503", "drop", "fail-operation", "latency")
# option name -> its conversion from spec text, in the order the grammar and the parse hint list them
_CONVERT = {"rate": float, "count": int, "method": str, "path": str, "retry_after": int, "ms": int}


_REGEX_SYNTAX = frozenset("[](){}+?|\\")


@dataclass(frozen=True)
class PathPattern:
    """A ``path=`` pattern: literal pieces separated by ``*``, optionally anchored; matched without backtracking."""

    pieces: tuple[str, ...]
    start: bool = False
    end: bool = False

    @classmethod
    def parse(cls, text: str, kind: str = "fault") -> PathPattern:
        """The pattern of ``text``; ``InvalidInputError`` when it uses regular-expression syntax."""
        bad = sorted(set(text) & _REGEX_SYNTAX)
        if bad:
            raise InvalidInputError(
                f"fault {kind}: path '{text}' uses regular-expression syntax ({' '.join(bad)})",
                hint="path= is plain text with * wildcards and optional ^/$ anchors, "
                     "e.g. path=/workspaces/*/eventSubscriptions$")
        start, end = text.startswith("^"), text.endswith("$") and len(text) > int(text.startswith("^"))
        body = text[int(start): len(text) - int(end)]
        return cls(tuple(body.lower().split("*")), start, end)

    def matches(self, path: str) -> bool:
        """True when ``path`` matches (case-insensitive). Each literal piece is found leftmost after the previous
        one (str.find): for ``*`` meaning "anything", the leftmost choice never loses a match, so no backtracking
        is needed and the cost is at most len(path) x len(pattern)."""
        text, pieces = path.lower(), self.pieces
        if self.start:
            if not text.startswith(pieces[0]):
                return False
            pos = len(pieces[0])
        else:
            found = text.find(pieces[0])
            if found < 0:
                return False
            pos = found + len(pieces[0])
        if len(pieces) == 1:  # no wildcard: with an end anchor the piece must end the path
            return not self.end or (pos == len(text) if self.start else text.endswith(pieces[0]))
        for piece in pieces[1:-1]:
            found = text.find(piece, pos)
            if found < 0:
                return False
            pos = found + len(piece)
        if self.end:
            return text.endswith(pieces[-1]) and len(text) - len(pieces[-1]) >= pos
        return text.find(pieces[-1], pos) >= 0


@dataclass
class FaultRule:
    """One fault rule; ``count`` is the number of triggers left (None: unlimited)."""

    kind: str
    rate: float = 1.0
    count: int | None = None
    method: str | None = None
    path: str | None = None
    retry_after: int | None = None
    ms: int = 0
    _pattern: PathPattern | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInputError(f"unknown fault kind '{self.kind}'", hint="kinds: " + ", ".join(KINDS))
        if not 0.0 <= self.rate <= 1.0:
            raise InvalidInputError(f"fault {self.kind}: rate must be between 0 and 1, got {self.rate}")
        if self.count is not None and self.count < 0:
            raise InvalidInputError(f"fault {self.kind}: count must be 0 or more, got {self.count}")
        if self.kind == "throttle" and self.retry_after is None:
            self.retry_after = 1
        if self.path:
            self._pattern = PathPattern.parse(self.path, self.kind)

    def matches(self, method: str, path: str) -> bool:
        """True when the request is one this rule applies to (before rate and count)."""
        if self.count == 0:
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        return self._pattern is None or self._pattern.matches(path)

    def to_dict(self) -> dict[str, Any]:
        """The rule as JSON (the admin API's shape)."""
        data = asdict(self)
        data.pop("_pattern", None)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        """A rule from its JSON form; raises ``InvalidInputError`` for unknown fields or bad values."""
        unknown = sorted(set(data) - {"kind", *_CONVERT})
        if unknown:
            raise InvalidInputError(f"unknown fault field(s): {', '.join(unknown)}")
        if "kind" not in data:
            raise InvalidInputError("a fault needs a 'kind'")
        return cls(**data)


_OPTION_SPLIT = re.compile(r",(?=\s*(?:" + "|".join(_CONVERT) + r")\s*=)")


def parse_fault_spec(spec: str) -> FaultRule | int:
    """Parse one spec string: a ``FaultRule``, or the int seed for ``seed=N``."""
    text = spec.strip()
    if text.lower().startswith("seed="):
        try:
            return int(text[5:])
        except ValueError:
            raise InvalidInputError(f"invalid fault seed in '{spec}': expected an integer") from None
    kind, _, rest = text.partition(":")
    options: dict[str, Any] = {}
    # path regexes may contain commas only if escaped; split on commas followed by a known key
    for part in _OPTION_SPLIT.split(rest) if rest else []:
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in _CONVERT:
            raise InvalidInputError(
                f"invalid fault option '{part}' in '{spec}'",
                hint="options: " + ", ".join(f"{name}=" for name in _CONVERT),
            )
        try:
            options[key] = _CONVERT[key](value.strip())
        except ValueError:
            raise InvalidInputError(f"invalid value for {key} in '{spec}'") from None
    return FaultRule(kind.strip().lower(), **options)


@dataclass(frozen=True)
class Decision:
    """What to do to one request: delay it, and maybe replace its response with a fault."""

    latency_ms: int = 0
    fault: FaultRule | None = None


class Faults:
    """The active fault rules and the seeded random source; safe to use from the server's threads."""

    def __init__(self, rules: Iterable[FaultRule | str] = (), seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self.seed = seed
        self._random = random.Random(seed)
        self.add(*rules)

    def add(self, *rules: FaultRule | str) -> None:
        """Add rules (objects or spec strings); a ``seed=N`` spec reseeds the random source."""
        with self._lock:
            for r in rules:
                parsed = parse_fault_spec(r) if isinstance(r, str) else r
                if isinstance(parsed, int):
                    self.seed = parsed
                    self._random = random.Random(parsed)
                else:
                    self._rules.append(parsed)

    def clear(self) -> None:
        """Remove every rule and restart the random source from the seed."""
        with self._lock:
            self._rules.clear()
            self._random = random.Random(self.seed)

    def to_dict(self) -> dict[str, Any]:
        """``{"seed", "rules"}`` as JSON; retired count rules are left out."""
        with self._lock:
            return {"seed": self.seed, "rules": [r.to_dict() for r in self._rules if r.count != 0]}

    def _fires(self, rule: FaultRule) -> bool:
        # Draw only for probabilistic rules, so count-only rules leave the random sequence untouched.
        if rule.rate < 1.0 and self._random.random() >= rule.rate:
            return False
        if rule.count is not None:
            rule.count -= 1
        return True

    def _candidates(self, method: str, path: str, operation: bool) -> list[FaultRule]:
        """The rules that apply to a request, matched outside the lock (a snapshot of the list is taken under
        it), so that one slow match never holds up the other requests."""
        with self._lock:
            rules = list(self._rules)
        return [r for r in rules if (r.kind == "fail-operation") == operation and r.matches(method, path)]

    def decide(self, method: str, path: str) -> Decision:
        """The latency and the response fault (throttle, error500/503, drop) for one ARM request."""
        latency, chosen = 0, None
        candidates = self._candidates(method, path, operation=False)
        with self._lock:
            for rule in candidates:
                if rule.count == 0:  # retired by another request since the snapshot
                    continue
                if rule.kind == "latency":
                    latency += rule.ms if self._fires(rule) else 0
                elif chosen is None and self._fires(rule):
                    chosen = rule
        return Decision(latency, chosen)

    def take_operation_failure(self, method: str, path: str) -> bool:
        """True when a fail-operation rule fires for this operation-starting request (uses up one count)."""
        candidates = self._candidates(method, path, operation=True)
        with self._lock:
            return any(r.count != 0 and self._fires(r) for r in candidates)
