"""Statements run through the SQL Statement Execution API, and their results, kept in memory.

A result is encoded once, when its statement ends, into chunks of ``CHUNK_ROWS`` rows in the
format asked for: rows of strings for JSON_ARRAY (every value a string or null, as Databricks
sends them), an Arrow IPC stream per chunk for ARROW_STREAM, CSV text for CSV. Results stay
until ``UCSQL_SQL_RESULT_TTL`` seconds (900) after their statement ended, or, fetched through
external links, until every chunk has been fetched once; at most ``MAX_STATEMENTS`` statements
and ``MAX_BYTES`` bytes of results are kept (the oldest go first).

An external link is ``/api/2.0/sql/results/<secret>``: 256 random bits, valid until its result
expires. As with Databricks' presigned links, the secret is the credential, so a client fetches
it without the Authorization header (the auth middleware lets exactly these paths through).
"""

from __future__ import annotations

import base64
import collections
import csv
import datetime
import decimal
import io
import json
import math
import os
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from ..errors import InvalidArgument
from ..result import Result, _displayed

CHUNK_ROWS = 10_000
INLINE_BYTES = 25 * 2**20     # Databricks' limit of an INLINE result
MAX_BYTES = 256 * 2**20       # results kept, in all
MAX_STATEMENTS = 1_000
DEFAULT_TTL = 900.0           # seconds a result is kept (and its links valid), as Databricks'
RESULTS = "/api/2.0/sql/results/"
RESULT_LINK = re.compile(re.escape(RESULTS) + r"[A-Za-z0-9_-]{43}")

FORMATS = ("JSON_ARRAY", "ARROW_STREAM", "CSV")
MEDIA = {"JSON_ARRAY": "application/json", "ARROW_STREAM": "application/vnd.apache.arrow.stream",
         "CSV": "text/csv; charset=utf-8"}


def ttl() -> float:
    """Seconds a result is kept: ``UCSQL_SQL_RESULT_TTL``, else 900."""
    try:
        value = float(os.environ.get("UCSQL_SQL_RESULT_TTL", DEFAULT_TTL))
    except ValueError:
        value = DEFAULT_TTL
    return value if value > 0 else DEFAULT_TTL


# -- types and values ---------------------------------------------------------------------------

_SIMPLE = [(pa.types.is_boolean, "BOOLEAN"), (pa.types.is_int8, "TINYINT"),
           (pa.types.is_int16, "SMALLINT"), (pa.types.is_int32, "INT"),
           (pa.types.is_int64, "BIGINT"), (pa.types.is_uint8, "SMALLINT"),
           (pa.types.is_uint16, "INT"), (pa.types.is_uint32, "BIGINT"),
           (pa.types.is_uint64, "DECIMAL(20,0)"), (pa.types.is_float16, "FLOAT"),
           (pa.types.is_float32, "FLOAT"), (pa.types.is_float64, "DOUBLE"),
           (pa.types.is_date, "DATE"), (pa.types.is_binary, "BINARY"),
           (pa.types.is_large_binary, "BINARY"), (pa.types.is_null, "VOID"),
           (pa.types.is_duration, "INTERVAL"), (pa.types.is_interval, "INTERVAL")]
# Databricks' ColumnInfoTypeName for the first word of a type's text.
_TYPE_NAMES = {"TINYINT": "BYTE", "SMALLINT": "SHORT", "BIGINT": "LONG", "VOID": "NULL",
               "TIMESTAMP_NTZ": "TIMESTAMP"}


def sql_type(kind: pa.DataType) -> str:
    """The Databricks SQL type text of an Arrow type (``BIGINT``, ``ARRAY<STRING>`` ...)."""
    for test, text in _SIMPLE:
        if test(kind):
            return text
    if pa.types.is_decimal(kind):
        return f"DECIMAL({kind.precision},{kind.scale})"
    if pa.types.is_timestamp(kind):
        return "TIMESTAMP" if kind.tz is not None else "TIMESTAMP_NTZ"
    if pa.types.is_map(kind):
        return f"MAP<{sql_type(kind.key_type)},{sql_type(kind.item_type)}>"
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return f"ARRAY<{sql_type(kind.value_type)}>"
    if pa.types.is_struct(kind):
        return "STRUCT<" + ",".join(f"{f.name}:{sql_type(f.type)}" for f in kind) + ">"
    return "STRING"  # text, and what SQL has no closer type for (times of day, UUIDs)


def column_info(schema: pa.Schema) -> list[dict[str, Any]]:
    columns = []
    for position, f in enumerate(schema):
        text = sql_type(f.type)
        base = re.match(r"\w+", text).group(0)
        info = {"name": f.name, "position": position, "type_name": _TYPE_NAMES.get(base, base),
                "type_text": text}
        if pa.types.is_decimal(f.type):
            info["type_precision"], info["type_scale"] = f.type.precision, f.type.scale
        columns.append(info)
    return columns


def _text(value: Any) -> str | None:
    """A value as Databricks' JSON_ARRAY has it: a string, or null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (int, decimal.Decimal, str)):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return json.dumps(value, default=_json_value, ensure_ascii=False)


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def string_rows(table: pa.Table) -> list[list[str | None]]:
    columns = []
    for column in table.columns:
        try:
            values = column.to_pylist(maps_as_pydicts="lossy")
        except (OverflowError, ValueError):  # a value Python has not: its text, as printed
            values = [_displayed(v) for v in column]
        columns.append([_text(v) for v in values])
    return [list(row) for row in zip(*columns)] if columns else []


# -- encoded results ----------------------------------------------------------------------------

@dataclass
class Chunk:
    row_offset: int
    row_count: int
    payload: bytes | list  # the bytes a link serves, or (INLINE) the rows of strings
    byte_count: int


@dataclass
class Encoded:
    columns: list[dict[str, Any]]
    chunks: list[Chunk]
    total_rows: int
    truncated: bool

    @property
    def nbytes(self) -> int:
        return sum(c.byte_count for c in self.chunks)


def _fitting(table: pa.Table, byte_limit: int) -> int:
    """How many of the first rows of ``table`` take at most ``byte_limit`` bytes (Arrow's)."""
    low, high = 0, table.num_rows
    while low < high:
        middle = (low + high + 1) // 2
        if table.slice(0, middle).nbytes <= byte_limit:
            low = middle
        else:
            high = middle - 1
    return low


def encode(result: Result, fmt: str, inline: bool, row_limit: int | None,
           byte_limit: int | None) -> Encoded | None:
    """The chunks of a statement's result, or None for a result of no columns (a change's)."""
    if not result.columns:
        return None
    table = result.arrow()
    truncated = False
    if row_limit is not None and table.num_rows > row_limit:
        table, truncated = table.slice(0, row_limit), True
    if byte_limit is not None and table.nbytes > byte_limit:
        table, truncated = table.slice(0, _fitting(table, byte_limit)), True
    chunks = []
    for offset in range(0, max(table.num_rows, 1), CHUNK_ROWS):
        part = table.slice(offset, CHUNK_ROWS)
        if fmt == "ARROW_STREAM":
            sink = io.BytesIO()
            with pa.ipc.new_stream(sink, part.schema) as writer:
                writer.write_table(part)
            payload = sink.getvalue()
            size = len(payload)
        else:
            rows = string_rows(part)
            if fmt == "CSV":
                text = io.StringIO()
                out = csv.writer(text, lineterminator="\n")
                if offset == 0:
                    out.writerow(part.column_names)
                out.writerows(rows)
                payload = text.getvalue().encode()
                size = len(payload)
            else:
                payload = json.dumps(rows, ensure_ascii=False).encode()
                size = len(payload)
                if inline:
                    payload = rows
        chunks.append(Chunk(offset, part.num_rows, payload, size))
    encoded = Encoded(column_info(table.schema), chunks, table.num_rows, truncated)
    if inline and encoded.nbytes > INLINE_BYTES:
        raise InvalidArgument(
            f"The result is {encoded.nbytes / 2**20:.1f} MiB, more than an INLINE result may "
            "be (25 MiB): ask for disposition EXTERNAL_LINKS, or set row_limit or byte_limit.")
    if encoded.nbytes > MAX_BYTES:
        raise InvalidArgument(
            f"The result is {encoded.nbytes / 2**20:.1f} MiB, more than the server keeps "
            f"({MAX_BYTES // 2**20} MiB): add a LIMIT, or set row_limit or byte_limit.")
    return encoded


# -- statements ---------------------------------------------------------------------------------

@dataclass(eq=False)
class Statement:
    """One statement (or ``;``-separated script) a principal ran, and what became of it."""

    id: str
    owner: str
    format: str
    inline: bool
    state: str = "PENDING"  # RUNNING, SUCCEEDED, FAILED, CANCELED, CLOSED
    encoded: Encoded | None = None
    manifest_columns: list[dict[str, Any]] = field(default_factory=list)
    outcome: dict[str, Any] | None = None  # ucsql's message and details of the result
    error: dict[str, Any] | None = None     # Databricks' {error_code, message}
    raised: dict[str, Any] | None = None    # the ucsql error, to raise again in ucsql.remote
    earlier: list[Statement] = field(default_factory=list)  # a script's statements before
    thread: int | None = None
    cancel_requested: bool = False
    expires: float | None = None
    links: dict[int, str] = field(default_factory=dict)  # chunk index -> secret
    fetched: set[int] = field(default_factory=set)

    @property
    def finished(self) -> bool:
        return self.expires is not None


class Statements:
    """Every statement kept, by id; their links, by secret. Used from the event loop and from
    the threads statements run on, so every change holds the lock."""

    def __init__(self):
        self.ttl = ttl()
        # Re-entrant: an answer is built under it (sql_api.describe), minting links as it goes.
        self.lock = self._lock = threading.RLock()
        self._by_id: collections.OrderedDict[str, Statement] = collections.OrderedDict()
        self._links: dict[str, tuple[Statement, int]] = {}
        self._bytes = 0

    def new(self, owner: str, fmt: str, inline: bool,
            statement_id: str | None = None) -> Statement | None:
        """A new statement; with the id its client chose, unless that id is taken (None)."""
        statement = Statement(statement_id or str(uuid.uuid4()), owner, fmt, inline)
        with self._lock:
            self._sweep()
            if statement.id in self._by_id:
                return None
            self._by_id[statement.id] = statement
            self._evict()
        return statement

    def get(self, statement_id: str, owner: str) -> Statement | None:
        """The statement, if it is ``owner``'s and still kept (another's is as good as none)."""
        with self._lock:
            self._sweep()
            statement = self._by_id.get(statement_id)
        return statement if statement is not None and statement.owner == owner else None

    def running(self, statement: Statement, thread: int) -> None:
        with self._lock:
            statement.thread, statement.state = thread, "RUNNING"

    def succeed(self, statement: Statement, result: Result | None, encoded: Encoded | None,
                outcome: dict | None) -> None:
        with self._lock:
            statement.encoded, statement.outcome = encoded, outcome
            statement.manifest_columns = encoded.columns if encoded else []
            statement.state = "SUCCEEDED"
            self._finish(statement, encoded.nbytes if encoded else 0)

    def fail(self, statement: Statement, state: str, error: dict, raised: dict) -> None:
        with self._lock:
            statement.state, statement.error, statement.raised = state, error, raised
            self._finish(statement, 0)

    def child(self, parent: Statement) -> Statement:
        """A new statement of ``parent``'s script (kept on its own, fetched by its own id)."""
        statement = self.new(parent.owner, parent.format, parent.inline)
        with self._lock:
            parent.earlier.append(statement)
        return statement

    def link(self, statement: Statement, chunk: int) -> str:
        """The secret of the link to one chunk (one live link per chunk)."""
        with self._lock:
            secret = statement.links.get(chunk)
            if secret is None:
                secret = statement.links[chunk] = secrets.token_urlsafe(32)
                self._links[secret] = (statement, chunk)
            return secret

    def fetch(self, secret: str) -> tuple[bytes, str] | None:
        """A linked chunk's bytes and media type, or None (unknown, expired or gone). Once
        every chunk of a result was fetched, the result is dropped (its statement is CLOSED)."""
        with self._lock:
            self._sweep()
            found = self._links.get(secret)
            if found is None:
                return None
            statement, chunk = found
            encoded = statement.encoded
            if encoded is None:
                return None
            payload = encoded.chunks[chunk].payload
            statement.fetched.add(chunk)
            if len(statement.fetched) == len(encoded.chunks):
                self._drop_result(statement)
            return payload, MEDIA[statement.format]

    def cancel(self, statement: Statement, interrupt) -> None:
        """Mark a statement not yet ended cancelled, and ``interrupt(thread)`` the thread it runs
        on, if it has started. Under the lock: the statement cannot end meanwhile, so its thread
        is not yet running anyone else's."""
        with self._lock:
            if statement.finished:
                return
            statement.cancel_requested = True
            if statement.thread is not None:
                interrupt(statement.thread)

    # -- held under the lock --------------------------------------------------------------------

    def _finish(self, statement: Statement, nbytes: int) -> None:
        statement.expires = time.monotonic() + self.ttl
        self._bytes += nbytes
        self._evict()

    def _drop_result(self, statement: Statement) -> None:
        if statement.encoded is not None:
            self._bytes -= statement.encoded.nbytes
            statement.encoded = None
            statement.state = "CLOSED"  # ended well, its result no longer kept
        for secret in statement.links.values():
            self._links.pop(secret, None)
        statement.links.clear()

    def _drop(self, statement: Statement) -> None:
        self._drop_result(statement)
        self._by_id.pop(statement.id, None)

    def _sweep(self) -> None:
        now = time.monotonic()
        for statement in [s for s in self._by_id.values() if s.finished and s.expires <= now]:
            self._drop(statement)

    def _evict(self) -> None:
        """The oldest finished statements go while too many, or too many bytes, are kept."""
        if len(self._by_id) <= MAX_STATEMENTS and self._bytes <= MAX_BYTES:
            return
        for statement in [s for s in self._by_id.values() if s.finished]:
            if len(self._by_id) <= MAX_STATEMENTS and self._bytes <= MAX_BYTES:
                break
            self._drop(statement)

    def expiration(self, statement: Statement) -> str:
        """When the statement's links stop working, as Databricks writes times."""
        left = (statement.expires or time.monotonic()) - time.monotonic()
        at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=left)
        return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
