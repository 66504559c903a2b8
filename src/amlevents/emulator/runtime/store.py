"""Durable state in SQLite: JSON documents keyed by (kind, key), changed only in read-modify-write transactions.

One code path for both modes:

- ``Store(None)`` keeps a private ``:memory:`` database;
- ``Store(path)`` uses a file in WAL mode with ``synchronous=FULL``, so a committed change survives a killed
  process or a power cut, and an interrupted one is rolled back by SQLite on the next open: the file always loads.

Every transaction starts with ``BEGIN IMMEDIATE`` (it takes the write lock up front, so two processes never both
read, then both write and lose one update) and waits up to ``busy_timeout`` for another process's transaction.
Within a process, one connection is shared by the server's threads behind a lock.

The state holds webhook keys and secret delivery attribute values, so the file is created 0600 (SQLite gives its
``-wal`` and ``-shm`` files the database file's mode) and a directory created for it is 0700; an existing file
is brought to 0600 when opened.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from amlevents.core.errors import InvalidInputError

SCHEMA_VERSION = "1"
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    kind   TEXT NOT NULL,
    key    TEXT NOT NULL,
    parent TEXT NOT NULL,
    body   TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS docs_by_parent ON docs (kind, parent, key);
CREATE INDEX IF NOT EXISTS docs_by_source ON docs (kind, lower(json_extract(body, '$.properties.source')));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _private_file(path: Path) -> None:
    """Create ``path``'s missing directories 0700 and the file 0600 (or bring an existing file to 0600)."""
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
        os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)
    for suffix in ("-wal", "-shm"):  # left by an earlier run with a looser mode
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.chmod(companion, 0o600)


class Tx:
    """The operations available inside one transaction. Keys and parents are compared as given (callers lower-case)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        """The document, or None."""
        row = self._conn.execute("SELECT body FROM docs WHERE kind=? AND key=?", (kind, key)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind: str, key: str, parent: str, body: dict[str, Any]) -> None:
        """Insert or replace a document."""
        self._conn.execute(
            "INSERT OR REPLACE INTO docs (kind, key, parent, body) VALUES (?, ?, ?, ?)",
            (kind, key, parent, json.dumps(body, separators=(",", ":"))),
        )

    def delete(self, kind: str, key: str) -> None:
        """Remove a document (no error when it is absent)."""
        self._conn.execute("DELETE FROM docs WHERE kind=? AND key=?", (kind, key))

    def children(self, kind: str, parent: str) -> list[dict[str, Any]]:
        """Every document of ``kind`` under ``parent``, ordered by key."""
        rows = self._conn.execute(
            "SELECT body FROM docs WHERE kind=? AND parent=? ORDER BY key", (kind, parent)
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def children_after(self, kind: str, parent: str, prefix: str, after: str | None, limit: int | None,
                       where: str = "", params: list[str] | tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Up to ``limit`` (None: all) documents of ``kind`` under ``parent``, in key order, whose key is ``prefix``
        followed by a tail that sorts after ``after`` (None: from the start). ``where`` is an extra SQL condition
        in which ``{tail}`` stands for that tail, with its ``params``. Reads only the rows it returns (keyset paging
        on the ``(kind, parent, key)`` index)."""
        tail = f"substr(key, {len(prefix) + 1:d})"
        condition = f" AND ({where.format(tail=tail)})" if where else ""
        rows = self._conn.execute(
            f"SELECT body FROM docs WHERE kind=? AND parent=? AND key > ?{condition} ORDER BY key LIMIT ?",
            (kind, parent, prefix + (after or ""), *params, -1 if limit is None else limit),
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def children_after_in(self, kind: str, parents: list[str], suffix: str, after: str | None, limit: int | None,
                          where: str = "", params: list[str] | tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """``children_after`` over several parents at once: each key is its parent, ``suffix`` and a tail; the
        documents come in tail order (then key order). One query, which reads only the keys of the rows it skips."""
        tail = f"substr(key, length(parent) + {len(suffix) + 1:d})"
        condition = f" AND ({where.format(tail=tail)})" if where else ""
        rows = self._conn.execute(
            f"SELECT body FROM docs WHERE kind=? AND parent IN (SELECT value FROM json_each(?)) AND {tail} > ?"
            f"{condition} ORDER BY {tail}, key LIMIT ?",
            (kind, json.dumps(parents), after or "", *params, -1 if limit is None else limit),
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def topic_by_source(self, kind: str, source_key: str) -> dict[str, Any] | None:
        """The document of ``kind`` whose ``properties.source`` is ``source_key`` (lower case), on its index."""
        row = self._conn.execute(
            "SELECT body FROM docs WHERE kind=? AND lower(json_extract(body, '$.properties.source'))=? LIMIT 1",
            (kind, source_key)).fetchone()
        return json.loads(row[0]) if row else None

    def children_in_name_order(self, kind: str, parents: list[str], suffix: str, after: str | None,
                               limit: int | None, where: str = "", params: list[str] | tuple[str, ...] = (),
                               ) -> list[dict[str, Any]]:
        """``children_after_in`` where tails (names) repeat across parents: in tail order, then key order, resuming
        after the KEY ``after`` (its tail is its last path segment), so no row with the same tail is skipped or
        repeated across pages. ``{tail}`` in ``where`` is the key after its parent and ``suffix``. SQLite sorts the
        parents' keys and reads the bodies of the returned rows only."""
        tail = f"substr(key, length(parent) + {len(suffix) + 1:d})"
        condition = f" AND ({where.format(tail=tail)})" if where else ""
        resume, args = "", []
        if after is not None:
            resume, args = f" AND ({tail} > ? OR ({tail} = ? AND key > ?))", [after.rsplit("/", 1)[-1]] * 2 + [after]
        rows = self._conn.execute(
            f"SELECT body FROM docs WHERE key IN (SELECT key FROM docs WHERE kind=? "
            f"AND parent IN (SELECT value FROM json_each(?)){resume}{condition} ORDER BY {tail}, key LIMIT ?) "
            f"AND kind=? ORDER BY {tail}, key",
            (kind, json.dumps(parents), *args, *params, -1 if limit is None else limit, kind),
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def put_many(self, kind: str, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Insert or replace many documents (key, parent, body) in one statement."""
        self._conn.executemany(
            "INSERT OR REPLACE INTO docs (kind, key, parent, body) VALUES (?, ?, ?, ?)",
            ((kind, key, parent, json.dumps(body, separators=(",", ":"))) for key, parent, body in rows),
        )

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Every document of ``kind``, ordered by key."""
        rows = self._conn.execute("SELECT body FROM docs WHERE kind=? ORDER BY key", (kind,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def get_meta(self, key: str) -> str | None:
        """A metadata value, or None."""
        row = self._conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a metadata value."""
        self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def execute(self, sql: str) -> None:
        """Run a statement without parameters (schema creation)."""
        self._conn.execute(sql)

    def clear(self) -> None:
        """Remove every document (metadata stays)."""
        self._conn.execute("DELETE FROM docs")


class Store:
    """A SQLite database of documents; ``path=None`` keeps it in memory."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = None if path is None else Path(path)
        self._lock = threading.RLock()
        target = ":memory:" if self.path is None else str(self.path)
        if self.path is not None:
            _private_file(self.path)
        # isolation_level=None: we issue BEGIN IMMEDIATE/COMMIT ourselves instead of the module's implicit BEGIN.
        self._conn = sqlite3.connect(
            target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if self.path is not None:
                self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            with self.transaction() as tx:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    tx.execute(statement)
                if tx.get_meta("schemaVersion") is None:
                    tx.set_meta("schemaVersion", SCHEMA_VERSION)
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise InvalidInputError(f"{target} is not a usable emulator state file: {exc}",
                                    hint="Give --state a new file name, or delete this file.") from exc

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A read-modify-write transaction: committed when the block ends, rolled back if it raises."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (the file, if any, stays)."""
        with self._lock:
            self._conn.close()
