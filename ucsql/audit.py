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

Every field of a row is made storable before the row is kept or written (a lone surrogate in a
principal or a statement becomes its escape), so no row can make an insert fail. Rows that still
cannot be written, because another process holds the file (a refusal made while it waits) or
because their insert failed, go to the **journal** (``AuditJournal``): a file beside the
metastore that the next process to open the file writes into the log, in the journal's order and
with the rows' own times. They never wait in memory for an insert that keeps failing, so they
cannot hold up the statements after them.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import threading
import uuid
import weakref
from typing import Any

import duckdb

from . import queries

try:  # the journal's lock between appending processes (POSIX; elsewhere appends are unlocked)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

MAX_WAITING = 512

_WRITERS: weakref.WeakValueDictionary[str, AuditWriter] = weakref.WeakValueDictionary()
_WRITERS_LOCK = threading.Lock()

_COLUMNS = ("event_times", "principals", "actions", "securable_kinds", "securable_names",
            "results", "details", "statements", "token_ids")
_FIELDS = ("time", "principal", "action", "securable_kind", "securable_name", "result",
           "detail", "statement", "token_id")

# The audit action of the row that records a journal's ingestion (its securable_name is the
# journal's id: sql/queries/audit_journal_ingested.sql looks for it).
INGEST_ACTION = "INGEST_AUDIT_JOURNAL"


def writer_for(path: str) -> AuditWriter:
    """The writer of the metastore file at ``path`` (absolute) in this process.

    Every handle on one file in a process shares one writer, as DuckDB shares one database
    instance per file in a process: a handle reading the log then sees the waiting rows of all
    the others. (Entries go when the last handle on the file goes.)"""
    with _WRITERS_LOCK:
        writer = _WRITERS.get(path)
        if writer is None:
            writer = _WRITERS[path] = AuditWriter(AuditJournal(path))
        return writer


def storable(value: Any) -> Any:
    """A field as the log can store it: text with a lone surrogate gets its escape (``\\udcff``),
    anything else that is not text, a time or None becomes its text."""
    if value is None or isinstance(value, _dt.datetime):
        return value
    text = value if isinstance(value, str) else str(value)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def stamped(*fields: Any) -> tuple[Any, ...]:
    """A row to write: the time now, then ``fields`` (principal, action, securable kind, securable
    name, result, detail, statement, token id), each made storable."""
    return (_now(), *(storable(f) for f in fields))


class AuditWriter:
    """Rows of allowed reads waiting to be written; thread-safe. ``journal`` takes the rows that
    cannot be written into the file (None for an in-memory metastore, which no other process
    can hold)."""

    def __init__(self, journal: AuditJournal | None = None) -> None:
        self._waiting: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()
        self.journal = journal

    def __len__(self) -> int:
        return len(self._waiting)

    def defer(self, principal: str, action: str, securable_kind: str | None,
              securable_name: str | None, result: str, detail: str | None,
              statement: str | None, token_id: str | None) -> None:
        """Keep a row to write later, stamped now."""
        row = stamped(principal, action, securable_kind, securable_name, result, detail,
                      statement, token_id)
        with self._lock:
            self._waiting.append(row)

    def write_waiting(self, cur: duckdb.DuckDBPyConnection,
                      own: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        """Insert the waiting rows in ``cur``'s transaction, followed by ``own`` (the row of
        the statement of that transaction, if given, without its time: one insert for all).
        Returns the waiting rows: if the transaction rolls back, hand them to ``restore`` to be
        written later. If the insert itself fails, the waiting rows go to the journal (or, for
        an in-memory metastore, back to wait), so they do not hold up later statements."""
        with self._lock:
            rows, self._waiting = self._waiting, []
        written = rows + [stamped(*own)] if own is not None else rows
        if written:
            try:
                insert(cur, written)
            except BaseException:
                self.set_aside(rows)
                raise
        return rows

    def restore(self, rows: list[tuple[Any, ...]]) -> None:
        """Put back rows whose transaction rolled back, ahead of newer ones."""
        if rows:
            with self._lock:
                self._waiting[:0] = rows

    def set_aside(self, rows: list[tuple[Any, ...]]) -> None:
        """Rows that could not be written into the file: to the journal, to be written by the
        next opening of the file; without a journal, back to wait."""
        if not rows:
            return
        if self.journal is None:
            self.restore(rows)
            return
        try:
            self.journal.append(rows)
        except OSError:
            self.restore(rows)  # the disk refuses the journal too: keep them in memory
            raise

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        """Write the waiting rows in a transaction of their own on connection ``con``."""
        if not self._waiting:
            return
        cur = con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            rows = self.write_waiting(cur)  # sets them aside itself if the insert fails
            try:
                cur.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                self.set_aside(rows)
                raise
        finally:
            cur.close()


def insert(cur: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
    """Append ``rows`` (time first, then the fields of ``stamped``) to the log, in order."""
    queries.run(cur, "queries/insert_audit_rows",
                **{name: list(column) for name, column in zip(_COLUMNS, zip(*rows))})


class AuditJournal:
    """Audit rows that could not be written into the metastore file, in a file beside it:
    ``<metastore>.audit-journal``, one JSON object per line, appended (O_APPEND, under an
    exclusive ``flock``, then ``fsync``) by any process, with the metastore file's permissions.

    The process that next opens the metastore file (DuckDB lets one at a time) ingests it:

    1. it claims the journal by renaming it to ``<metastore>.audit-journal.ingesting`` (under
       the lock, so no append is lost: an appender that finds the name gone or changed after
       taking the lock starts again on a new journal) and appends a line with a new id;
    2. it writes the rows into the log in their order with their own times, and, in the same
       transaction, a row of its own (action ``INGEST_AUDIT_JOURNAL``) naming that id;
    3. it removes the claimed file.

    A crash after 1 leaves the claimed file, ingested at the next opening (it gets its id then
    if it has none); a crash between 2 and 3 leaves a claimed file whose id the log already
    names, so it is removed without being written twice.
    """

    def __init__(self, metastore_path: str):
        self.metastore_path = metastore_path
        self.path = metastore_path + ".audit-journal"
        self.claimed = self.path + ".ingesting"

    def pending(self) -> bool:
        return os.path.exists(self.path) or os.path.exists(self.claimed)

    # -- appending (any process) ----------------------------------------------------------
    def append(self, rows: list[tuple[Any, ...]]) -> None:
        """Append rows (time first, as ``stamped`` makes them) durably."""
        data = "".join(json.dumps(_as_line(row)) + "\n" for row in rows).encode("ascii")
        mode = self._mode()
        while True:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    if not _same_file(fd, self.path):
                        continue  # claimed (renamed) meanwhile: append to the new journal
                info = os.fstat(fd)
                if info.st_mode & 0o777 != mode:
                    with contextlib.suppress(OSError):  # not ours to change: leave it
                        os.fchmod(fd, mode)
                _write_all(fd, data)
                os.fsync(fd)
                if info.st_size == 0:
                    _fsync_dir(self.path)  # a new journal: make its name durable too
                return
            finally:
                os.close(fd)

    def _mode(self) -> int:
        """The metastore file's permission bits (the journal holds what its log holds)."""
        try:
            return os.stat(self.metastore_path).st_mode & 0o777
        except OSError:
            return 0o600

    # -- ingesting (the process holding the metastore file) ----------------------------------
    def ingest(self, con: duckdb.DuckDBPyConnection, principal: str) -> int:
        """Write the journal into the log (see the class docstring); return the rows written.
        Call with the metastore file open and no transaction of ours running on it."""
        written = 0
        if os.path.exists(self.claimed):  # a claim left by a crash: older than the journal
            written += self._ingest_claimed(con, principal)
        if os.path.exists(self.path) and self._claim():
            written += self._ingest_claimed(con, principal)
        return written

    def _claim(self) -> bool:
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if not _same_file(fd, self.path):
                    return False
            os.rename(self.path, self.claimed)
            _fsync_dir(self.path)
            return True
        finally:
            os.close(fd)

    def _ingest_claimed(self, con: duckdb.DuckDBPyConnection, principal: str) -> int:
        with open(self.claimed, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        rows, journal_id, unreadable = [], None, 0
        for line in lines:
            try:
                item = json.loads(line)
                if isinstance(item, dict) and set(item) == {"journal"}:
                    journal_id = str(item["journal"])
                    continue
                rows.append(_from_line(item))
            except (ValueError, TypeError, KeyError, RecursionError):
                if line.strip():
                    unreadable += 1
        if journal_id is None:
            journal_id = uuid.uuid4().hex
            fd = os.open(self.claimed, os.O_WRONLY | os.O_APPEND)
            try:
                _write_all(fd, (json.dumps({"journal": journal_id}) + "\n").encode("ascii"))
                os.fsync(fd)
            finally:
                os.close(fd)
        cur = con.cursor()
        try:
            done = queries.run(cur, "queries/audit_journal_ingested", journal_id=journal_id)[1]
            if not done[0][0]:
                skipped = f"; {unreadable} unreadable lines skipped" if unreadable else ""
                own = stamped(principal, INGEST_ACTION, "AUDIT_JOURNAL", journal_id, "ALLOWED",
                              f"{len(rows)} rows written to {self.path} while the metastore "
                              f"was held by another process{skipped}", None, None)
                cur.execute("BEGIN TRANSACTION")
                try:
                    insert(cur, rows + [own])
                    cur.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(duckdb.Error):
                        cur.execute("ROLLBACK")
                    raise
            else:
                rows = []  # written before a crash kept the file: not again
        finally:
            cur.close()
        os.unlink(self.claimed)
        return len(rows)


def _as_line(row: tuple[Any, ...]) -> dict[str, Any]:
    item = dict(zip(_FIELDS, row))
    item["time"] = row[0].isoformat()
    return item


def _from_line(item: dict[str, Any]) -> tuple[Any, ...]:
    """A journal line back into a row; every field made storable again (the file is data)."""
    when = _dt.datetime.fromisoformat(item["time"])
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    fields = [item.get(name) for name in _FIELDS[1:]]
    for required in (0, 1, 4):  # principal, action, result
        if not isinstance(fields[required], str):
            raise ValueError("a journal line without principal, action or result")
    if fields[4] not in ("ALLOWED", "DENIED", "FAILED"):
        raise ValueError("a journal line with an unknown result")
    return (when, *(storable(f) for f in fields))


def _same_file(fd: int, path: str) -> bool:
    try:
        mine, named = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (mine.st_dev, mine.st_ino) == (named.st_dev, named.st_ino)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_dir(path: str) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)
