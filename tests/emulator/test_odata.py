"""The $filter parser: name filters, role-assignment forms and syntax errors."""

from __future__ import annotations

import sqlite3

import pytest

from amlevents.emulator.runtime.odata import (
    ODataError,
    compile_filter,
    role_assignment_filter,
    to_sql,
)

NAMES = ["alpha", "Beta-1", "beta-2", "gamma"]


def matching(text: str) -> list[str]:
    keep = compile_filter(text, ("name",))
    return [n for n in NAMES if keep({"name": n})]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("contains(name,'beta')", ["Beta-1", "beta-2"]),
        ("CONTAINS(name,'BETA')", ["Beta-1", "beta-2"]),
        ("name eq 'GAMMA'", ["gamma"]),
        ("name ne 'gamma'", ["alpha", "Beta-1", "beta-2"]),
        ("contains(name,'beta') and name ne 'beta-2'", ["Beta-1"]),
        ("name eq 'alpha' or name eq 'gamma'", ["alpha", "gamma"]),
        ("not contains(name,'a')", []),
        ("not (contains(name,'beta') or name eq 'alpha')", ["gamma"]),
        ("name eq 'alpha' or name eq 'gamma' and contains(name,'x')", ["alpha"]),  # and binds tighter
        ("contains( name , 'ta-' )", ["Beta-1", "beta-2"]),
        ("name eq 'it''s'", []),
    ],
)
def test_name_filters(text, expected):
    assert matching(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "name eq", "contains(name,'x'", "name eq 'x' and", "(name eq 'x'", "name lt 'x'", "size eq 'x'",
     "startswith(name,'x')", "name eq 'x' name eq 'y'", "name eq 'unterminated", "name = 'x'"],
)
def test_malformed_filters_are_refused(text):
    with pytest.raises(ODataError) as err:
        matching(text)
    assert err.value.to_arm().status == 400
    assert "Invalid $filter" in str(err.value)


def test_error_names_the_position():
    with pytest.raises(ODataError) as err:
        matching("name eq 'x' and or")
    assert err.value.position == 16


@pytest.mark.parametrize(
    ("text", "at_scope", "principal"),
    [
        (None, False, None),
        ("atScope()", True, None),
        ("assignedTo('1111')", False, "1111"),
        ("principalId eq '2222'", False, "2222"),
        ("principalId eq 2222-aa", False, "2222-aa"),
        ("atScope() and assignedTo('3333')", True, "3333"),
    ],
)
def test_role_assignment_filters(text, at_scope, principal):
    query = role_assignment_filter(text)
    assert (query.at_scope, query.principal_id) == (at_scope, principal)


def test_role_assignment_filter_refuses_other_forms():
    with pytest.raises(ODataError):
        role_assignment_filter("roleName eq 'Owner'")


@pytest.mark.parametrize("text", [
    "name eq 'BETA-1'", "name ne 'gamma'", "contains(name,'ETA')", "contains(name,'')",
    "not contains(name,'beta') and name ne 'alpha'", "name eq 'alpha' or (contains(name,'2') and not name eq 'x')",
])
def test_sql_form_selects_what_the_predicate_selects(text):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (name TEXT)")
    db.executemany("INSERT INTO t VALUES (?)", [(n.lower(),) for n in NAMES])
    where, params = to_sql(text, {"name": "name"})
    found = [r[0] for r in db.execute(f"SELECT name FROM t WHERE {where}", params)]
    assert found == [n.lower() for n in matching(text)]


def test_sql_form_refuses_what_the_predicate_refuses():
    with pytest.raises(ODataError, match="filtering on 'topic' is not supported"):
        to_sql("topic eq 'x'", {"name": "name"})
