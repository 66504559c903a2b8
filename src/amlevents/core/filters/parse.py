"""The ``--advanced-filter KEY OPERATOR [VALUE ...]`` grammar, and its inverse for display.

Two spellings are accepted:

* the az CLI form, ``data.key2 NumberIn 2 3`` or ``data.age NumberInRange 1,10 20,30``: values are separated
  by whitespace and a range is one ``low,high`` value;
* the Azure docs form, ``data.ModelTags.key1 StringIn ('value1')`` or ``data.x StringIn ('a', "b c", d)``: one
  parenthesized, comma-separated list after the operator. For the range operators ``(1,10)`` is one range
  and ``((1,10), (20,30))`` is two.

Grammar decisions beyond what az does:

* Quoting is lexical, as in a POSIX shell without backslash escapes: ``'...'`` and ``"..."`` keep everything
  inside literally (whitespace, parentheses, commas, the other quote), adjacent pieces join into one token
  (``ab'c d'`` is ``abc d``), and the quotes never reach the value. An unterminated quote is an error.
* The docs form starts only when the first character after the operator is an unquoted ``(``; the
  operator may touch it (``StringIn('a')``). Otherwise every value is taken verbatim, commas and
  parentheses included (az sends ``StringIn a,b`` as the one string ``"a,b"``). To pass a literal first
  value that starts with ``(``, quote it. Nothing may follow the closing ``)``; an empty ``()``, a trailing
  comma and nested parentheses outside the range operators are errors.
* A range's parts are all of its text split on commas, so ``NumberInRange '1,10'`` and ``('1,10')`` work.
* Numbers are plain decimal literals (``2``, ``-1.5``, ``.5``, ``1e3``): no ``nan``/``inf``, no ``_``
  separators, nothing that overflows to infinity. Every number becomes a float, as az sends ``2.0`` for ``2``.
* ``BoolEquals`` takes ``true``/``false`` in any case (az's ``bool("false")`` is ``True``; ours is not).
* Zero-value operators reject anything after them, even ``()``.
* The key is the first token with its quotes removed; it must be non-empty and contain no whitespace
  (Event Grid keys cannot). Nothing else is checked: keys pass through unchanged, as in az.
* An expression is at most ``MAX_EXPRESSION_LENGTH`` characters (32,768; Event Grid's limits, 25 values of
  512 characters, need about 13,000), so the work on any input is bounded. The parser nests no deeper than
  ``((1,10))``: it never recurses beyond one level, whatever the input.
* A token list (what a shell passes) is shown, and parsed, as one line: tokens that are empty or hold
  whitespace or quotes are quoted, so each token stays one literal value, as in az. The same rule as for a
  string opens the docs form: when the first value token starts with ``(``, the value tokens are kept as
  typed (``['k', 'StringIn', "('a',", "'b')"]``). A one-token list is the whole expression the user quoted,
  and is parsed as that string.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from amlevents.core.errors import FilterSyntaxError
from amlevents.core.filters.model import AdvancedFilter, Operator, ValueKind

__all__ = ["MAX_EXPRESSION_LENGTH", "parse_advanced_filter", "format_advanced_filter"]

MAX_EXPRESSION_LENGTH = 32_768

_USAGE = "Write KEY OPERATOR [VALUE ...], e.g. data.modelName StringIn mymodel."
_OPERATORS = ", ".join(op.value for op in Operator)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NON_FINITE = {"nan", "inf", "infinity"}
_NUMBER_HINT = "Write a number such as 2, -1.5 or 1e3."
_AZ_RANGE_HINT = "Write each range as low,high, e.g. 1,10; separate ranges with spaces: 1,10 20,30."
_DOCS_RANGE_HINT = "Write one range as (1,10), several as ((1,10), (20,30))."


@dataclass(frozen=True)
class _Token:
    text: str  # the value, quotes removed
    start: int  # offset in the source
    end: int  # offset just after the token
    punct: bool = False  # an unquoted "(", ")" or "," of the docs form


@dataclass(frozen=True)
class _Group:
    """A parenthesized ``(low, high)`` of the docs form: a nested item, or a whole flat range list."""

    items: tuple[_Token, ...]
    start: int
    end: int


def _display(tokens: list[str]) -> str:
    """The one-line text for a token list, built so that parsing it gives back the same tokens."""
    if len(tokens) == 1:
        return tokens[0]  # the whole expression, quoted as one shell word
    if len(tokens) > 2 and tokens[2].startswith("("):
        # a docs form the shell split into words: its quotes and commas are syntax, so keep them as typed
        return " ".join([_quote(tokens[0]), _quote(tokens[1]), *tokens[2:]])
    return " ".join(_quote(t) for t in tokens)


def parse_advanced_filter(expr: str | Sequence[str]) -> AdvancedFilter:
    """Parse ``KEY OPERATOR [VALUE ...]`` (one string, or the tokens a shell passed) into an AdvancedFilter.

    Raises ``FilterSyntaxError`` (source, caret position and a hint) for every malformed input, e.g.
    ``parse_advanced_filter("data.key2 NumberIn 2 3")`` gives ``NumberIn`` on ``data.key2`` with ``(2.0, 3.0)``.
    """
    if isinstance(expr, str):
        source = expr
    else:
        tokens = list(expr)
        if not all(isinstance(t, str) for t in tokens):
            raise TypeError("parse_advanced_filter() takes a string or a sequence of strings")
        source = _display(tokens)
    if len(source) > MAX_EXPRESSION_LENGTH:
        # shown cut short: the whole text could be megabytes
        raise FilterSyntaxError(f"the expression is {len(source):,} characters long; the limit is "
                                f"{MAX_EXPRESSION_LENGTH:,}", source=source[:60] + "...", position=0, length=60,
                                hint="Event Grid takes 25 values of up to 512 characters in all its filters.")
    return _Parser(source).parse()


def format_advanced_filter(f: AdvancedFilter) -> str:
    """The az-form text for a filter (``data.x StringIn a 'b c'``); parsing it gives back an equal filter."""
    kind = f.operator.kind
    if kind is ValueKind.NONE:
        values: list[str] = []
    elif kind is ValueKind.BOOL:
        values = ["true" if f.value else "false"]
    elif kind is ValueKind.NUMBER:
        values = [_format_number(f.value)]  # type: ignore[arg-type]
    elif kind is ValueKind.RANGES:
        values = [f"{_format_number(lo)},{_format_number(hi)}" for lo, hi in f.values]
    elif kind is ValueKind.NUMBERS:
        values = [_format_number(v) for v in f.values]
    else:
        # a leading "(" would open the docs form, so such values are quoted too
        values = [_quote(v, force=v.startswith("(")) for v in f.values]
    return " ".join([_quote(f.key), f.operator.value, *values])


def _format_number(v: float) -> str:
    # "2" reads better than "2.0" in tables; repr is the shortest text that parses back to the same float
    if float(v).is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(float(v))


def _quote(token: str, *, force: bool = False) -> str:
    if token and not force and not any(c.isspace() or c in "'\"" for c in token):
        return token
    if "'" not in token:
        return f"'{token}'"
    if '"' not in token:
        return f'"{token}"'
    return "'" + token.replace("'", "'\"'\"'") + "'"  # shlex.quote's trick: close, "'", reopen


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.docs_form = False
        self.list_span = (0, 0)  # the docs-form "( ... )", once parsed

    def error(self, message: str, start: int, end: int | None = None, hint: str | None = None) -> FilterSyntaxError:
        length = (end if end is not None else start + 1) - start
        return FilterSyntaxError(message, source=self.source, position=start, length=length, hint=hint)

    # --- tokenizer -------------------------------------------------------------------------------------

    def skip_space(self) -> bool:
        """Skip whitespace; True when there is more input."""
        while self.pos < len(self.source) and self.source[self.pos].isspace():
            self.pos += 1
        return self.pos < len(self.source)

    def next_token(self, stops: str = "") -> _Token | None:
        """The next token; an unquoted character of ``stops`` ends a word and is a token of its own."""
        if not self.skip_space():
            return None
        src, start = self.source, self.pos
        if src[start] in stops:
            self.pos += 1
            return _Token(src[start], start, self.pos, punct=True)
        parts: list[str] = []
        while self.pos < len(src) and not src[self.pos].isspace() and src[self.pos] not in stops:
            c = src[self.pos]
            if c in "'\"":
                close = src.find(c, self.pos + 1)
                if close < 0:
                    raise self.error("unterminated quote", self.pos, hint=f"Close the quote with a matching {c}.")
                parts.append(src[self.pos + 1 : close])
                self.pos = close + 1
            else:
                parts.append(c)
                self.pos += 1
        return _Token("".join(parts), start, self.pos)

    # --- grammar ---------------------------------------------------------------------------------------

    def parse(self) -> AdvancedFilter:
        end = len(self.source.rstrip())  # where a missing token "is", right after the last one
        key = self.next_token()
        if key is None:
            raise self.error("missing key and operator", end, hint=_USAGE)
        if not key.text or any(c.isspace() for c in key.text):
            what = "is empty" if not key.text else "contains whitespace"
            raise self.error(f"key '{key.text}' {what}", key.start, key.end,
                             hint="Event Grid keys are dotted paths without spaces, e.g. data.modelName.")
        op_token = self.next_token(stops="(")
        if op_token is None:
            raise self.error("missing operator", end, hint=f"Add an operator after the key: {_OPERATORS}.")
        op = Operator.lookup(op_token.text)
        if op is None:
            raise self.error(f"unknown operator '{op_token.text}'", op_token.start, op_token.end,
                             hint=_operator_hint(op_token.text))
        if op.kind is ValueKind.NONE:
            if self.skip_space():
                raise self.error(f"{op.value} takes no value", self.pos, end,
                                 hint=f"Remove the value; {op.value} only tests the key.")
            return AdvancedFilter(op, key.text)
        items = self.docs_list(op) if self.skip_space() and self.source[self.pos] == "(" else self.az_values()
        return self.build(op, key.text, items, end)

    def az_values(self) -> list[_Token]:
        items = []
        while (token := self.next_token()) is not None:
            items.append(token)
        return items

    def docs_list(self, op: Operator) -> list[_Token | _Group]:
        self.docs_form = True
        start = self.pos
        items = self.group(depth=0)
        self.list_span = (start, self.pos)
        if self.skip_space():
            hint = self.range_hint() if op.kind is ValueKind.RANGES else "Put all values in one list: ('a', 'b')."
            raise self.error("unexpected text after the value list", self.pos, len(self.source.rstrip()), hint)
        return items

    def group(self, depth: int) -> list[_Token | _Group]:
        """The items of a parenthesized list; the opening "(" is the next token."""
        opening = self.next_token(stops="(),")
        assert opening is not None  # only called when "(" is next
        items: list[_Token | _Group] = []
        want_item = True
        while True:
            token = self.next_token(stops="(),")
            if token is None:
                raise self.error("unclosed '('", opening.start, hint="Close the value list with ')'.")
            if token.punct and token.text == ")":
                if items and want_item:
                    raise self.error("missing value after ','", token.start, hint="Remove the trailing comma.")
                return items
            if not want_item:
                if token.punct and token.text == ",":
                    want_item = True
                    continue
                raise self.error(f"expected ',' or ')' before '{token.text}'", token.start, token.end,
                                 hint="Separate values with commas: ('a', 'b').")
            if token.punct and token.text == ",":
                raise self.error("missing value before ','", token.start, hint="Put a value before each comma.")
            if token.punct and depth == 0:  # "(": a nested (low, high)
                self.pos = token.start
                inner = self.group(depth=1)
                items.append(_Group(tuple(inner), token.start, self.pos))  # type: ignore[arg-type]
            elif token.punct:
                raise self.error("too many parentheses", token.start, hint=_DOCS_RANGE_HINT)
            else:
                items.append(token)
            want_item = False

    def build(self, op: Operator, key: str, items: list[_Token | _Group], end: int) -> AdvancedFilter:
        kind, name = op.kind, op.value
        if not items:
            # an empty "()" is the thing to point at; otherwise the gap after the operator
            start, stop = self.list_span if self.docs_form else (end, end + 1)
            needs = "a value" if kind in (ValueKind.NUMBER, ValueKind.BOOL) else "at least one value"
            hint = self.range_hint() if kind is ValueKind.RANGES else f"Add a value after {name}."
            raise self.error(f"{name} needs {needs}", start, stop, hint)
        if kind is ValueKind.RANGES:
            return AdvancedFilter(op, key, values=tuple(self.ranges(op, items)))
        for item in items:
            if isinstance(item, _Group):
                raise self.error("nested parentheses are only for NumberInRange and NumberNotInRange",
                                 item.start, item.end, hint="Write the values as one flat list: ('a', 'b').")
        tokens: list[_Token] = items  # type: ignore[assignment]
        if kind in (ValueKind.NUMBER, ValueKind.BOOL):
            if len(tokens) > 1:
                raise self.error(f"{name} takes exactly one value, got {len(tokens)}", tokens[1].start,
                                 tokens[-1].end, hint="Keep one value, or use a list operator such as NumberIn.")
            if kind is ValueKind.NUMBER:
                return AdvancedFilter(op, key, value=self.number(name, tokens[0]))
            return AdvancedFilter(op, key, value=self.boolean(tokens[0]))
        if kind is ValueKind.NUMBERS:
            return AdvancedFilter(op, key, values=tuple(self.number(name, t) for t in tokens))
        return AdvancedFilter(op, key, values=tuple(t.text for t in tokens))

    def number(self, label: str, token: _Token, text: str | None = None) -> float:
        """``text`` (default: the token's) as a finite float; errors point at ``token``."""
        text = token.text if text is None else text
        if _NUMBER.fullmatch(text):
            value = float(text)
            if math.isfinite(value):
                return value
        finite = "finite " if _NUMBER.fullmatch(text) or text.lower().lstrip("+-") in _NON_FINITE else ""
        raise self.error(f"{label} takes {finite}numbers, not '{text}'", token.start, token.end, hint=_NUMBER_HINT)

    def boolean(self, token: _Token) -> bool:
        lowered = token.text.lower()
        if lowered not in ("true", "false"):
            raise self.error(f"BoolEquals takes true or false, not '{token.text}'", token.start, token.end,
                             hint="Write true or false.")
        return lowered == "true"

    def ranges(self, op: Operator, items: list[_Token | _Group]) -> list[tuple[float, float]]:
        if self.docs_form and not any(isinstance(i, _Group) for i in items):
            items = [_Group(tuple(items), *self.list_span)]  # type: ignore[arg-type]  # "(1,10)" is one range
        out = []
        for item in items:
            if isinstance(item, _Group):
                span = _Token(self.source[item.start : item.end], item.start, item.end)
                parts = ",".join(t.text for t in item.items).split(",")
            else:
                span, parts = item, item.text.split(",")
            label = f"{op.value} range '{span.text}'"
            if len(parts) != 2:
                raise self.error(f"{label} is not low,high", span.start, span.end, self.range_hint())
            low, high = (self.number(label, span, p) for p in parts)
            if low > high:
                swapped = f"{_format_number(high)},{_format_number(low)}"
                raise self.error(f"{label} has low > high", span.start, span.end,
                                 hint=f"Put the smaller number first, e.g. {swapped}.")
            out.append((low, high))
        return out

    def range_hint(self) -> str:
        return _DOCS_RANGE_HINT if self.docs_form else _AZ_RANGE_HINT


def _operator_hint(text: str) -> str:
    by_normal = {op.value.lower(): op.value for op in Operator}
    # Terraform spells operators string_in, is_null_or_undefined ...; normalise before matching
    normal = re.sub(r"[\s_\-]", "", text.lower())
    close = difflib.get_close_matches(normal, list(by_normal), n=1)
    lead = f"Did you mean {by_normal[close[0]]}? " if close else ""
    return f"{lead}The operators are {_OPERATORS}."
