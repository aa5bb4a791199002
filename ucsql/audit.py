"""The audit log's writer: every statement, allowed or not, leaves one row in the log.

A change's row is written in the change's own transaction (both or neither), and a refusal's
right after its rollback (``Engine``). An allowed read changes nothing, and writing its row at
once would make every read a write transaction with a durable commit, which costs more than the
read. So rows of allowed reads wait here and are written in batches, always before anyone could
miss them:

* with the next change or refusal of this process, in its transaction, ahead of its own row (so
  the log keeps this process's order);
* when a query reads ``system.access.audit``, in that query's transaction;
* before the file is released (``Metastore`` lets go after a short idle time or hold time, and
  only then can another process open it), and when the metastore is closed;
* once ``MAX_WAITING`` rows are waiting.

The price, stated in the README: if the process is killed (kill -9, power loss) the rows of
allowed reads of its last moments (under a second: the release delays) are lost. Changes and
refusals are never deferred.
"""

from __future__ import annotations

import datetime as _dt
import threading
import weakref
from typing import Any

import duckdb

from . import queries

MAX_WAITING = 512

_WRITERS: weakref.WeakValueDictionary[str, AuditWriter] = weakref.WeakValueDictionary()
_WRITERS_LOCK = threading.Lock()

_COLUMNS = ("event_times", "principals", "actions", "securable_kinds", "securable_names",
            "results", "details", "statements")


def writer_for(path: str) -> AuditWriter:
    """The writer of the metastore file at ``path`` (absolute) in this process.

    Every handle on one file in a process shares one writer, as DuckDB shares one database
    instance per file in a process: a handle reading the log then sees the waiting rows of all
    the others. (Entries go when the last handle on the file goes.)"""
    with _WRITERS_LOCK:
        writer = _WRITERS.get(path)
        if writer is None:
            writer = _WRITERS[path] = AuditWriter()
        return writer


class AuditWriter:
    """Rows of allowed reads waiting to be written; thread-safe."""

    def __init__(self) -> None:
        self._waiting: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._waiting)

    def defer(self, principal: str, action: str, securable_kind: str | None,
              securable_name: str | None, result: str, detail: str | None,
              statement: str | None) -> None:
        """Keep a row to write later, stamped now."""
        row = (_now(), principal, action, securable_kind, securable_name, result, detail,
               statement)
        with self._lock:
            self._waiting.append(row)

    def write_waiting(self, cur: duckdb.DuckDBPyConnection,
                      own: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        """Insert the waiting rows in ``cur``'s transaction, followed by ``own`` (the row of
        the statement of that transaction, if given: one insert for all). Returns the waiting
        rows: if the transaction rolls back, hand them to ``restore`` to be written later."""
        with self._lock:
            rows, self._waiting = self._waiting, []
        written = rows + [(_now(), *own)] if own is not None else rows
        if written:
            try:
                queries.run(cur, "queries/insert_audit_rows",
                            **{name: list(column) for name, column in zip(_COLUMNS, zip(*written))})
            except BaseException:
                self.restore(rows)
                raise
        return rows

    def restore(self, rows: list[tuple[Any, ...]]) -> None:
        """Put back rows whose transaction rolled back, ahead of newer ones."""
        if rows:
            with self._lock:
                self._waiting[:0] = rows

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        """Write the waiting rows in a transaction of their own on connection ``con``."""
        if not self._waiting:
            return
        cur = con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            rows = self.write_waiting(cur)  # puts them back itself if the insert fails
            try:
                cur.execute("COMMIT")
            except BaseException:
                self.restore(rows)
                raise
        finally:
            cur.close()


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)
