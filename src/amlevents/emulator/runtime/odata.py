"""The OData ``$filter`` subset ARM list operations accept, as a small recursive-descent parser.

Grammar (keywords and function names in any case; strings in single quotes, ``''`` escapes a quote)::

    expr     := and_expr ("or" and_expr)*
    and_expr := unary ("and" unary)*
    unary    := "not" unary | primary
    primary  := "(" expr ")" | call | compare
    call     := IDENT "(" [arg ("," arg)*] ")"          contains(name,'x'), atScope(), assignedTo('id')
    compare  := IDENT ("eq" | "ne") value                name eq 'x', principalId eq 'id'
    arg      := IDENT | STRING
    value    := STRING | WORD                            a bare WORD allows principalId eq 1111-…

``compile_filter`` turns a parsed filter into a predicate over a record's string fields (Event Grid's ``$filter``
on ``name``; role definitions' ``roleName``/``type``); comparisons ignore case, as the service does.
``role_assignment_filter`` reads the role-assignments forms (``atScope()``, ``assignedTo('id')``,
``principalId eq 'id'``, joined with ``and``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from amlevents.emulator.runtime.errors import ArmError, invalid_request


class ODataError(ValueError):
    """A ``$filter`` that does not parse, or uses a field or function the operation does not support."""

    def __init__(self, message: str, text: str, position: int | None = None) -> None:
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"Invalid $filter '{text}': {message}{where}.")
        self.position = position

    def to_arm(self) -> ArmError:
        """400 InvalidRequest carrying this message."""
        return invalid_request(str(self))


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Compare:
    field: str
    op: str  # "eq" | "ne"
    value: str


@dataclass(frozen=True)
class Call:
    name: str  # lower case
    args: tuple[Field | str, ...]


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class BinOp:
    op: str  # "and" | "or"
    left: Node
    right: Node


Node = Compare | Call | Not | BinOp

_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<punct>[(),])|(?P<word>[A-Za-z0-9_.$:\-]+))")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_.$]*")
_KEYWORDS = {"and", "or", "not", "eq", "ne"}
# Bounds on a filter's shape: the parser, the predicate builder and the predicates all recurse once per level,
# so an unbounded ``not(not(...`` or a 10k-term ``or`` chain would raise RecursionError instead of a 400.
MAX_NESTING = 32
MAX_TERMS = 100


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                raise ODataError(f"unexpected character {text[pos:].lstrip()[:1]!r}", text, pos)
            kind = m.lastgroup or "word"
            self.tokens.append((kind, m.group(kind), m.start(kind)))
            pos = m.end()
        self.i = 0
        self.nesting = 0
        self.terms = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def keyword(self, *words: str) -> str | None:
        tok = self.peek()
        if tok and tok[0] == "word" and tok[1].lower() in words:
            self.i += 1
            return tok[1].lower()
        return None

    def expect(self, punct: str) -> None:
        tok = self.peek()
        if not tok or tok[1] != punct:
            raise self.error(f"expected '{punct}'")
        self.i += 1

    def error(self, message: str) -> ODataError:
        tok = self.peek()
        if tok is None:
            return ODataError(f"{message} but the filter ended", self.text, len(self.text))
        return ODataError(f"{message}, found '{tok[1]}'", self.text, tok[2])

    def parse(self) -> Node:
        if not self.tokens:
            raise ODataError("the filter is empty", self.text)
        node = self.expr()
        if self.peek() is not None:
            raise self.error("expected 'and', 'or' or the end of the filter")
        return node

    def expr(self) -> Node:
        node = self.and_expr()
        while self.keyword("or"):
            node = BinOp("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.unary()
        while self.keyword("and"):
            node = BinOp("and", node, self.unary())
        return node

    def nested(self, parse: Callable[[], Node]) -> Node:
        """Parse one level deeper (under ``not`` or a parenthesis), refusing a filter nested too deeply."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error(f"the filter nests deeper than {MAX_NESTING} levels of 'not' and parentheses")
        node = parse()
        self.nesting -= 1
        return node

    def unary(self) -> Node:
        if self.keyword("not"):
            return Not(self.nested(self.unary))
        return self.primary()

    def parenthesized(self) -> Node:
        node = self.expr()
        self.expect(")")
        return node

    def primary(self) -> Node:
        tok = self.peek()
        if tok and tok[1] == "(":
            self.i += 1
            return self.nested(self.parenthesized)
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.error(f"the filter has more than {MAX_TERMS} terms")
        if not tok or tok[0] != "word" or not _IDENT.fullmatch(tok[1]) or tok[1].lower() in _KEYWORDS:
            raise self.error("expected a field name, a function call or '('")
        self.i += 1
        nxt = self.peek()
        if nxt and nxt[1] == "(":
            self.i += 1
            return Call(tok[1].lower(), self.args())
        op = self.keyword("eq", "ne")
        if op is None:
            raise self.error(f"expected 'eq', 'ne' or '(' after '{tok[1]}'")
        return Compare(tok[1], op, self.value())

    def args(self) -> tuple[Field | str, ...]:
        args: list[Field | str] = []
        if self.peek() and self.peek()[1] == ")":  # type: ignore[index]
            self.i += 1
            return ()
        while True:
            tok = self.peek()
            if tok and tok[0] == "string":
                args.append(_unquote(tok[1]))
            elif tok and tok[0] == "word" and _IDENT.fullmatch(tok[1]):
                args.append(Field(tok[1]))
            else:
                raise self.error("expected a field name or a quoted string")
            self.i += 1
            if self.peek() and self.peek()[1] == ",":  # type: ignore[index]
                self.i += 1
                continue
            self.expect(")")
            return tuple(args)

    def value(self) -> str:
        tok = self.peek()
        if tok and tok[0] == "string":
            self.i += 1
            return _unquote(tok[1])
        if tok and tok[0] == "word" and tok[1].lower() not in _KEYWORDS:
            self.i += 1
            return tok[1]
        raise self.error("expected a quoted string")


def _unquote(token: str) -> str:
    return token[1:-1].replace("''", "'")


def parse(text: str) -> Node:
    """Parse a ``$filter`` into its syntax tree; raises ``ODataError`` with the position of the problem."""
    return _Parser(text).parse()


Predicate = Callable[[Mapping[str, str]], bool]


def compile_filter(text: str, fields: tuple[str, ...]) -> Predicate:
    """A predicate over records (lower-case field name -> value) for a filter on ``fields``.

    Supports ``eq``/``ne``, ``contains(field, 'x')``, ``and``/``or``/``not`` and parentheses; all string
    comparisons ignore case. Any other field or function raises ``ODataError``.
    """
    allowed = {f.lower() for f in fields}
    node = parse(text)

    def check_field(name: str) -> str:
        if name.lower() not in allowed:
            raise ODataError(f"filtering on '{name}' is not supported; supported: {', '.join(fields)}", text)
        return name.lower()

    def build(n: Node) -> Predicate:
        if isinstance(n, BinOp):
            left, right = build(n.left), build(n.right)
            if n.op == "and":
                return lambda r: left(r) and right(r)
            return lambda r: left(r) or right(r)
        if isinstance(n, Not):
            inner = build(n.operand)
            return lambda r: not inner(r)
        if isinstance(n, Compare):
            key, want = check_field(n.field), n.value.lower()
            if n.op == "eq":
                return lambda r: (r.get(key) or "").lower() == want
            return lambda r: (r.get(key) or "").lower() != want
        if n.name == "contains" and len(n.args) == 2 and isinstance(n.args[0], Field) and isinstance(n.args[1], str):
            key, part = check_field(n.args[0].name), n.args[1].lower()
            return lambda r: part in (r.get(key) or "").lower()
        raise ODataError(f"the function '{n.name}' with these arguments is not supported; use contains(field,'text')",
                         text)

    return build(node)


def to_sql(text: str, columns: Mapping[str, str]) -> tuple[str, list[str]]:
    """The SQL condition (with its parameters) equal to the filter ``text``, for fields whose lower-cased values
    are held in the SQL expressions ``columns`` (lower-case field name -> expression); the same semantics as
    ``compile_filter`` (values compared in lower case). Raises ``ODataError`` for a filter it does not map."""
    node = parse(text)
    compile_filter(text, tuple(columns))  # the same refusals, with the same messages, as the in-memory path
    params: list[str] = []

    def build(n: Node) -> str:
        if isinstance(n, BinOp):
            return f"({build(n.left)} {n.op.upper()} {build(n.right)})"
        if isinstance(n, Not):
            return f"(NOT {build(n.operand)})"
        if isinstance(n, Compare):
            params.append(n.value.lower())
            return f"({columns[n.field.lower()]} {'=' if n.op == 'eq' else '<>'} ?)"
        field, part = n.args  # contains(field, 'x'), checked by compile_filter
        params.append(part.lower())  # type: ignore[union-attr]
        return f"(instr({columns[field.name.lower()]}, ?) > 0)"  # type: ignore[union-attr]

    return build(node), params


@dataclass(frozen=True)
class RoleAssignmentQuery:
    """What a role-assignments ``$filter`` asks for."""

    at_scope: bool = False
    principal_id: str | None = None  # from principalId eq '…' or assignedTo('…')


def role_assignment_filter(text: str | None) -> RoleAssignmentQuery:
    """Read ``atScope()``, ``assignedTo('id')`` and ``principalId eq 'id'`` (joined by ``and``)."""
    if not text:
        return RoleAssignmentQuery()
    terms: list[Node] = []

    def flatten(n: Node) -> None:
        if isinstance(n, BinOp) and n.op == "and":
            flatten(n.left)
            flatten(n.right)
        else:
            terms.append(n)

    flatten(parse(text))
    at_scope, principal = False, None
    for t in terms:
        if isinstance(t, Call) and t.name == "atscope" and not t.args:
            at_scope = True
        elif isinstance(t, Call) and t.name == "assignedto" and len(t.args) == 1 and isinstance(t.args[0], str):
            principal = t.args[0]
        elif isinstance(t, Compare) and t.field.lower() == "principalid" and t.op == "eq":
            principal = t.value
        else:
            raise ODataError("supported filters are atScope(), assignedTo('{id}') and principalId eq '{id}'", text)
    return RoleAssignmentQuery(at_scope, principal)
