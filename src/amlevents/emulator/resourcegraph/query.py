"""The Kusto (KQL) subset the emulator's Resource Graph answers: workspace discovery queries, parsed into a ``Query``.

The grammar, exactly (keywords and column names as written here; ``resources`` in any case)::

    query      := table ( "|" operator )*
    table      := "resources"
    operator   := "where" predicate ( "and" predicate )*
                | "project" column ( "," column )*            -- only as the last operator
    predicate  := "type" ( "=~" | "==" ) string                -- must name microsoft.machinelearningservices/workspaces
                | field ( "=~" | "==" | "!~" | "!=" ) string
                | field ( "in" | "in~" | "!in" | "!in~" ) "(" string ( "," string )* ")"
                | "name" "matches" "regex" string
                | "tags" "[" string "]" ( "=~" | "==" | "!~" | "!=" ) string
    field      := "subscriptionId" | "location" | "name" | "resourceGroup" | "id"
    column     := "id" | "name" | "type" | "resourceGroup" | "subscriptionId" | "location" | "tags" | "tenantId"
                | "kind" | "properties"
    string     := '...' | "..." (backslash escapes the quote and backslash) | @'...' | @"..." (verbatim)

Semantics are Kusto's: ``==``/``!=``/``in``/``!in`` compare case-sensitively, ``=~``/``!~``/``in~``/``!in~`` ignoring
case; ``matches regex`` is true when the regular expression matches anywhere in the value; ``tags['k']`` is the
tag's value (a missing tag is the empty string). Resource Graph stores ``type`` in lower case, so ``type ==`` must
be given lower case to match anything.

Every query must keep only Azure ML workspaces (a ``type`` predicate on ``where``): the emulator holds no other
resources for Resource Graph, so a query over other types, or over all resources, would get a wrong answer; it is
refused instead (``QueryError``, which the handler answers as Resource Graph's 400). So is any other operator,
function or column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

WORKSPACE_TYPE = "microsoft.machinelearningservices/workspaces"
FIELDS = ("subscriptionId", "location", "name", "resourceGroup", "id")
COLUMNS = ("id", "name", "type", "resourceGroup", "subscriptionId", "location", "tags", "tenantId", "kind",
           "properties")
_EQUALITY = ("=~", "==", "!~", "!=")
_MEMBERSHIP = ("in", "in~", "!in", "!in~")
_TOKEN = re.compile(r"""\s*(?:(?P<string>@?'(?:[^'\\]|\\.)*'|@?"(?:[^"\\]|\\.)*")|(?P<op>=~|==|!~|!=|!in~?|[|(),\[\]])
                        |(?P<word>[A-Za-z_][A-Za-z0-9_]*~?))""", re.VERBOSE)

_SPACE = re.compile(r"\s*")
MAX_QUERY = 64 * 1024  # characters; a discovery query is a line or two

Row = dict[str, Any]


class QueryError(ValueError):
    """A query outside the supported grammar: what is wrong, and the token and its 1-based position."""

    def __init__(self, message: str, token: str, position: int, code: str = "ParserFailure") -> None:
        super().__init__(message)
        self.token = token
        self.position = position
        self.code = code


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind (string, op, word, end), text (a string's value) and position."""

    kind: str
    text: str
    position: int


@dataclass
class Query:
    """A parsed query: the row predicates (all must hold) and the projected columns (None: the whole row)."""

    predicates: list[Callable[[Row], bool]] = field(default_factory=list)
    columns: list[str] | None = None
    typed: bool = False  # a type predicate keeps workspaces

    def matches(self, row: Row) -> bool:
        """Whether a resource row passes every ``where``."""
        return all(p(row) for p in self.predicates)

    def project(self, row: Row) -> Row:
        """The row as the query returns it."""
        return dict(row) if self.columns is None else {c: row.get(c) for c in self.columns}


def _unquote(text: str) -> str:
    if text.startswith("@"):
        return text[2:-1]
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def tokenize(text: str) -> list[Token]:
    """The tokens of a query; ``QueryError`` at the first character that starts none."""
    tokens, at = [], 0
    while True:
        at = _SPACE.match(text, at).end()  # type: ignore[union-attr]  (\s* always matches)
        if at >= len(text):
            break
        m = _TOKEN.match(text, at)
        if m is None:
            raise QueryError(f"Unexpected character '{text[at]}'.", text[at], at + 1)
        kind = m.lastgroup or "word"
        value = m.group(kind)
        position = m.start(kind) + 1
        tokens.append(Token(kind, _unquote(value) if kind == "string" else value, position))
        at = m.end()
    tokens.append(Token("end", "<EOF>", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.at = 0

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def fail(self, message: str, token: Token | None = None, code: str = "ParserFailure") -> QueryError:
        token = token or self.peek()
        return QueryError(message, token.text, token.position, code)

    def expect(self, kind: str, text: str | None = None) -> Token:
        token = self.peek()
        if token.kind != kind or (text is not None and token.text != text):
            raise self.fail(f"Expected {text or kind}, found '{token.text}'.")
        return self.take()

    def string(self) -> str:
        return self.expect("string").text

    def parse(self) -> Query:
        table = self.expect("word")
        if table.text.lower() != "resources":
            raise self.fail(f"The emulator's Resource Graph has only the 'resources' table, not '{table.text}'.",
                            table, "UnsupportedQuery")
        query = Query()
        while self.peek().kind != "end":
            self.expect("op", "|")
            word = self.expect("word")
            if query.columns is not None:
                raise self.fail("'project' must be the last operator here.", word, "UnsupportedQuery")
            if word.text == "where":
                self.where(query)
            elif word.text == "project":
                query.columns = self.columns()
            else:
                raise self.fail(f"The operator '{word.text}' is not supported by the emulator (where, project).",
                                word, "UnsupportedQuery")
        if not query.typed:
            raise QueryError(f"The query must keep only Azure ML workspaces (| where type =~ '{WORKSPACE_TYPE}'): "
                             "the emulator holds no other resources for Resource Graph.", "resources", 1,
                             "UnsupportedQuery")
        return query

    def columns(self) -> list[str]:
        found = []
        while True:
            word = self.expect("word")
            if word.text not in COLUMNS:
                raise self.fail(f"The column '{word.text}' is not supported (columns: {', '.join(COLUMNS)}).", word,
                                "UnsupportedQuery")
            found.append(word.text)
            if self.peek().text != ",":
                return found
            self.take()

    def where(self, query: Query) -> None:
        query.predicates.append(self.predicate(query))
        while self.peek().kind == "word" and self.peek().text == "and":
            self.take()
            query.predicates.append(self.predicate(query))
        if self.peek().kind == "word" and self.peek().text == "or":
            raise self.fail("'or' is not supported by the emulator: use 'in' or several queries.",
                            code="UnsupportedQuery")

    def predicate(self, query: Query) -> Callable[[Row], bool]:
        word = self.expect("word")
        if word.text == "type":
            op = self.take()
            value = self.string()
            if op.text not in ("=~", "=="):
                raise self.fail(f"Only 'type =~' and 'type ==' are supported, not '{op.text}'.", op,
                                "UnsupportedQuery")
            if value.lower() != WORKSPACE_TYPE:
                raise self.fail(f"The emulator's Resource Graph holds only '{WORKSPACE_TYPE}' resources.", word,
                                "UnsupportedQuery")
            query.typed = True
            return _compare(lambda r: r["type"], op.text, value)
        if word.text == "tags":
            self.expect("op", "[")
            key = self.string()
            self.expect("op", "]")
            op = self.take()
            if op.text not in _EQUALITY:
                raise self.fail(f"Expected one of {' '.join(_EQUALITY)} after tags['{key}'].", op)
            return _compare(lambda r: (r.get("tags") or {}).get(key, ""), op.text, self.string())
        if word.text not in FIELDS:
            raise self.fail(f"The column '{word.text}' cannot be filtered here (type, tags[...], "
                            f"{', '.join(FIELDS)}).", word, "UnsupportedQuery")
        name = word.text
        op = self.take()
        if name == "name" and op.text == "matches":
            self.expect("word", "regex")
            pattern_token = self.peek()
            try:
                pattern = re.compile(self.string())
            except re.error as exc:
                raise self.fail(f"The regular expression is invalid: {exc}.", pattern_token) from None
            return lambda r: pattern.search(r["name"]) is not None
        if op.text in _EQUALITY:
            return _compare(lambda r: r[name], op.text, self.string())
        if op.text in _MEMBERSHIP:
            self.expect("op", "(")
            values = [self.string()]
            while self.peek().text == ",":
                self.take()
                values.append(self.string())
            self.expect("op", ")")
            return _member(lambda r: r[name], op.text, values)
        raise self.fail(f"Expected a comparison after '{name}', found '{op.text}'.", op)


def _compare(get: Callable[[Row], str], op: str, value: str) -> Callable[[Row], bool]:
    fold = op in ("=~", "!~")
    want = value.lower() if fold else value
    negate = op.startswith("!")

    def test(row: Row) -> bool:
        got = get(row)
        return ((got.lower() if fold else got) == want) != negate

    return test


def _member(get: Callable[[Row], str], op: str, values: list[str]) -> Callable[[Row], bool]:
    fold = op.endswith("~")
    wanted = {v.lower() for v in values} if fold else set(values)
    negate = op.startswith("!")
    return lambda row: ((get(row).lower() if fold else get(row)) in wanted) != negate


def parse(text: Any) -> Query:
    """Parse a query in the supported grammar (module docstring); ``QueryError`` for anything else."""
    if not isinstance(text, str) or not text.strip():
        raise QueryError("The query is empty.", "<EOF>", 1)
    if len(text) > MAX_QUERY:
        raise QueryError(f"The query is longer than {MAX_QUERY} characters.", "<EOF>", MAX_QUERY, "UnsupportedQuery")
    return _Parser(text).parse()
