"""SQL over HTTP: Databricks' SQL Statement Execution API (``/api/2.0/sql/statements``).

Every ucsql statement runs here as the request's token holder, through the same
``Catalog.run`` as embedded (privileges, the SELECT guard and sandbox, the audit with the
token's id): SELECT over the system views, and GRANT, CREATE MODEL, SHOW GRANTS ... too. A
``;``-separated script runs as ``Catalog.sql`` runs it (parsed whole first, then statement by
statement); the response describes its last statement, and the ones before it are listed under
``ucsql.earlier``. The stock ``databricks-sdk`` (``WorkspaceClient(host=url, token=...)
.statement_execution``) is the contract: it reads the fields it knows and ignores ``ucsql``,
where ucsql's own client (``ucsql.remote``) finds each result's message and details, and the
error to raise again.

- ``POST /api/2.0/sql/statements``: run. ``wait_timeout`` (``0s`` or ``5s``-``50s``, default
  ``10s``) is how long the answer waits for the statement; then it is PENDING or RUNNING (poll
  ``GET``), or, with ``on_wait_timeout: CANCEL``, cancelled. An execution error is HTTP 200 with
  state FAILED and ucsql's error code and message; a malformed request is 400.
- ``GET /api/2.0/sql/statements/{id}``, ``GET .../{id}/result/chunks/{n}``, ``POST
  .../{id}/cancel``: only for the principal who ran it (anyone else gets 404).
- ``GET /api/2.0/sql/results/{secret}``: an external link (``ucsql.server.sql_results``).
- ``GET /api/2.0/sql/session``: ucsql's own (not Databricks'): who the token is, and the system
  views, for ucsql's client and shell.

ucsql has no USE: names resolve against ``main.default``, so ``catalog``/``schema`` may only be
those; ``parameters`` are Databricks' named ``:name`` markers, bound (never pasted into the SQL).
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import functools
import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import __version__, serving
from ..api import Catalog
from ..engine import record_refusal
from ..errors import Cancelled, UcsqlError
from ..placeholders import to_dollar
from . import sql_results
from .sql_results import FORMATS, RESULTS, Statement, Statements

log = logging.getLogger("ucsql.server")

PREFIX = "/api/2.0/sql"
MAX_STATEMENT = 16 * 2**20  # bytes of SQL text, as Databricks
RUNNING_AT_ONCE = 16        # statements running on threads at the same time
_WAIT = re.compile(r"(\d+)s")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


class BadRequest(Exception):
    """A request the API cannot take (400): the message says which field and what to send."""


@dataclass
class Ask:
    """A validated ``POST /api/2.0/sql/statements``."""

    statement: str
    params: dict[str, Any] | list[Any] | None
    wait: int
    cancel_on_timeout: bool
    format: str
    inline: bool
    row_limit: int | None
    byte_limit: int | None
    single_transaction: bool
    statement_id: str | None  # chosen by ucsql's client, so it can cancel while it waits


# -- the request --------------------------------------------------------------------------------

def _choice(body: dict, name: str, choices: tuple[str, ...], default: str) -> str:
    value = body.get(name) or default
    if not isinstance(value, str) or value.upper() not in choices:
        raise BadRequest(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value.upper()


def _limit(body: dict, name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadRequest(f"{name} must be a whole number of at least 0, not {value!r}.")
    return value


def _wait(body: dict) -> int:
    value = body.get("wait_timeout") or "10s"
    match = _WAIT.fullmatch(value) if isinstance(value, str) else None
    seconds = int(match.group(1)) if match else -1
    if seconds != 0 and not 5 <= seconds <= 50:
        raise BadRequest(f"wait_timeout must be 0s, or from 5s to 50s, not {value!r}.")
    return seconds


def _defaults(body: dict) -> None:
    """``catalog``/``schema``: ucsql has no USE, so only the defaults names already have."""
    for name, default in (("catalog", "main"), ("schema", "default")):
        value = body.get(name)
        if value in (None, "") or (isinstance(value, str) and value.lower() == default):
            continue
        raise BadRequest(f"{name} {value!r}: ucsql has no USE, so one- and two-part names always "
                         "resolve in main.default. Leave catalog and schema out and write "
                         "three-part names (prod.ml_team.iris).")


_INTEGER = {"TINYINT", "BYTE", "SMALLINT", "SHORT", "INT", "INTEGER", "BIGINT", "LONG"}
_FLOAT = {"FLOAT", "REAL", "DOUBLE"}


def _value(name: str, kind: str, text: str | None) -> Any:
    """A parameter's value as its Databricks type says (the value comes as a string)."""
    base = re.match(r"\s*(\w*)", kind).group(1).upper() or "STRING"
    if text is None or base in ("VOID", "NULL"):
        return None
    try:
        if base in _INTEGER:
            return int(text)
        if base in _FLOAT:
            return float(text)
        if base in ("DECIMAL", "DEC", "NUMERIC"):
            return decimal.Decimal(text)
        if base == "BOOLEAN":
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        if base == "DATE":
            return datetime.date.fromisoformat(text)
        if base in ("TIMESTAMP", "TIMESTAMP_NTZ", "TIMESTAMP_LTZ"):
            return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if base in ("STRING", "VARCHAR", "CHAR"):
            return text
    except (ValueError, decimal.InvalidOperation):
        raise BadRequest(f"Parameter {name!r}: {text!r} is not a {kind} value.") from None
    raise BadRequest(f"Parameter {name!r} has type {kind!r}; give STRING, an integer type "
                     "(INT, BIGINT ...), FLOAT, DOUBLE, DECIMAL, BOOLEAN, DATE or TIMESTAMP.")


def _params(body: dict) -> dict[str, Any] | list[Any] | None:
    """Named parameters, as ucsql binds them; named ``1``..``n`` (as ucsql's own client sends
    ``?`` parameters), a list."""
    given = body.get("parameters") or []
    if not isinstance(given, list):
        raise BadRequest("parameters must be a list of {name, value, type}.")
    params: dict[str, Any] = {}
    for p in given:
        name = p.get("name") if isinstance(p, dict) else None
        value, kind = (p.get("value"), p.get("type") or "STRING") if isinstance(p, dict) else (0, 0)
        if (not isinstance(name, str) or not name or not isinstance(kind, str)
                or not isinstance(value, (str, type(None)))):
            raise BadRequest("Each parameter is {\"name\": ..., \"value\": \"text\", \"type\": "
                             f"\"STRING\"}} (value and type optional), not {p!r}.")
        if name in params:
            raise BadRequest(f"Parameter {name!r} is given twice.")
        params[name] = _value(name, kind, value)
    if not params:
        return None
    if list(params) == [str(i) for i in range(1, len(params) + 1)]:
        return list(params.values())
    return params


def parse_request(raw: bytes) -> Ask:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not JSON: send {\"statement\": \"SHOW CATALOGS\", "
                         "\"warehouse_id\": \"...\"}.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object with a statement.")
    statement = body.get("statement")
    if not isinstance(statement, str):
        raise BadRequest("statement must be the SQL text to run (a string).")
    if len(statement.encode("utf-8", "surrogatepass")) > MAX_STATEMENT:
        raise BadRequest("statement is longer than 16 MiB.")
    warehouse = body.get("warehouse_id")
    if warehouse is not None and not isinstance(warehouse, str):
        raise BadRequest("warehouse_id must be a string (ucsql has one warehouse: any id will do).")
    _defaults(body)
    fmt = _choice(body, "format", FORMATS, "JSON_ARRAY")
    inline = _choice(body, "disposition", ("INLINE", "EXTERNAL_LINKS"), "INLINE") == "INLINE"
    if inline and fmt != "JSON_ARRAY":
        raise BadRequest(f"format {fmt} needs disposition EXTERNAL_LINKS (INLINE results are "
                         "JSON_ARRAY).")
    extension = body.get("ucsql") or {}
    if not isinstance(extension, dict):
        raise BadRequest("ucsql must be an object ({\"single_transaction\": true}).")
    chosen = extension.get("statement_id")
    if chosen is not None and not (isinstance(chosen, str) and _UUID.fullmatch(chosen)):
        raise BadRequest("ucsql.statement_id must be a new random UUID (uuid4).")
    params = _params(body)
    if isinstance(params, dict):  # Databricks' :name markers are ucsql's $name
        statement = to_dollar(statement)[0]
    return Ask(statement, params, _wait(body),
               _choice(body, "on_wait_timeout", ("CONTINUE", "CANCEL"), "CONTINUE") == "CANCEL",
               fmt, inline, _limit(body, "row_limit"), _limit(body, "byte_limit"),
               bool(extension.get("single_transaction")), chosen)


# -- running ------------------------------------------------------------------------------------

def _raised(error: UcsqlError) -> dict[str, Any]:
    """What ucsql's client needs to raise the same error: its class (and the ucsql classes it
    derives from, nearest first) and its plain attributes (line, column, principal ...)."""
    return {"classes": [c.__name__ for c in type(error).__mro__
                        if c.__module__.startswith("ucsql")],
            "attributes": {k: v for k, v in vars(error).items()
                           if isinstance(v, (str, int, float, bool, type(None)))}}


def _outcome(result) -> dict[str, Any]:
    return {"message": result.message, "details": encode_value(result.details)}


def run(store: Statements, statement: Statement, catalog: Catalog, ask: Ask) -> None:
    """Run the statement (on a worker thread) and record how it ended."""
    store.running(statement, threading.get_ident())
    previous = None
    try:
        if statement.cancel_requested:  # cancelled before it started
            raise Cancelled("Cancelled; nothing of the statement was applied.")
        for result in catalog.run(ask.statement, ask.params,
                                  single_transaction=ask.single_transaction):
            if previous is not None:
                _keep(store, store.child(statement), previous, ask)
            previous = result
        _keep(store, statement, previous, ask)
    except UcsqlError as e:
        if previous is not None:
            _keep(store, store.child(statement), previous, ask)
        state = "CANCELED" if isinstance(e, Cancelled) else "FAILED"
        store.fail(statement, state, {"error_code": e.code, "message": e.message}, _raised(e))
    except Exception as e:  # noqa: BLE001 - a bug: logged here, one line for the client
        log.exception("statement %s failed", statement.id)
        first = (str(e).strip().splitlines() or [""])[0]
        error = UcsqlError(f"internal error ({type(e).__name__}): {first}")
        store.fail(statement, "FAILED", {"error_code": error.code, "message": error.message},
                   _raised(error))


def _keep(store: Statements, statement: Statement, result, ask: Ask) -> None:
    try:
        encoded = None if result is None else sql_results.encode(
            result, ask.format, ask.inline, ask.row_limit, ask.byte_limit)
    except UcsqlError as e:
        store.fail(statement, "FAILED", {"error_code": e.code, "message": e.message}, _raised(e))
        return
    store.succeed(statement, result, encoded, None if result is None else _outcome(result))


# -- answers ------------------------------------------------------------------------------------

def _chunk_link(store: Statements, statement: Statement, n: int, base: str) -> dict[str, Any]:
    chunks = statement.encoded.chunks
    chunk = chunks[n]
    link = {"chunk_index": n, "row_offset": chunk.row_offset, "row_count": chunk.row_count,
            "byte_count": chunk.byte_count,
            "external_link": base + RESULTS + store.link(statement, n),
            "expiration": store.expiration(statement), "http_headers": {}}
    if n + 1 < len(chunks):
        link["next_chunk_index"] = n + 1
        link["next_chunk_internal_link"] = f"{PREFIX}/statements/{statement.id}/result/chunks/{n + 1}"
    return link


def result_data(store: Statements, statement: Statement, n: int, base: str,
                every_link: bool = False) -> dict[str, Any]:
    """Chunk ``n`` as ``ResultData`` (INLINE: its rows; else its link, or with ``every_link``
    the links of it and every chunk after it)."""
    chunks = statement.encoded.chunks
    if not statement.inline:
        last = len(chunks) if every_link else n + 1
        return {"external_links": [_chunk_link(store, statement, i, base) for i in range(n, last)]}
    chunk = chunks[n]
    data = {"chunk_index": n, "row_offset": chunk.row_offset, "row_count": chunk.row_count,
            "byte_count": chunk.byte_count, "data_array": chunk.payload}
    if n + 1 < len(chunks):
        data["next_chunk_index"] = n + 1
        data["next_chunk_internal_link"] = f"{PREFIX}/statements/{statement.id}/result/chunks/{n + 1}"
    return data


def describe(store: Statements, statement: Statement, base: str) -> dict[str, Any]:
    """The ``StatementResponse`` of a statement, with ucsql's extra field."""
    with store.lock:  # (a link fetched meanwhile may drop the result)
        return _describe(store, statement, base)


def _describe(store: Statements, statement: Statement, base: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"statement_id": statement.id, "status": {"state": statement.state}}
    if statement.error:
        answer["status"]["error"] = dict(statement.error)
    if statement.state in ("SUCCEEDED", "CLOSED"):
        encoded = statement.encoded
        columns = statement.manifest_columns
        answer["manifest"] = {
            "format": statement.format,
            "schema": {"column_count": len(columns), "columns": columns}}
        if encoded is not None:
            answer["manifest"].update(
                total_chunk_count=len(encoded.chunks), total_row_count=encoded.total_rows,
                total_byte_count=encoded.nbytes, truncated=encoded.truncated,
                chunks=[{"chunk_index": i, "row_offset": c.row_offset, "row_count": c.row_count,
                         "byte_count": c.byte_count} for i, c in enumerate(encoded.chunks)])
            answer["result"] = result_data(store, statement, 0, base, every_link=True)
        elif statement.state == "SUCCEEDED":  # a change: no rows
            answer["manifest"].update(total_chunk_count=0, total_row_count=0, chunks=[],
                                      truncated=False)
    extra: dict[str, Any] = {"result": statement.outcome}
    if statement.raised:
        extra["error"] = statement.raised
    if statement.earlier:
        extra["earlier"] = [_describe(store, s, base) for s in statement.earlier]
    answer["ucsql"] = extra
    return answer


def encode_value(value: Any) -> Any:
    """A result's details as JSON, times and decimals tagged (``ucsql.remote.decode_value``)."""
    if isinstance(value, dict):
        return {str(k): encode_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    if isinstance(value, datetime.datetime):
        return {"$type": "datetime", "value": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$type": "date", "value": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$type": "decimal", "value": str(value)}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error_code": code, "message": message}, status_code=status)


async def _no_statement(request: Request, caller: serving.Caller, action: str) -> JSONResponse:
    """404 for a statement the caller has not run (another's, or none), audited: asking for
    another principal's statement id is a refusal like any other."""
    statement_id = request.path_params["id"]
    message = (f"No statement {statement_id[:100]!r} of yours is kept (statements and results "
               "are kept for a while after they end): run it again.")
    await anyio.to_thread.run_sync(functools.partial(
        record_refusal, caller.catalog.engine, caller.catalog.principal, action,
        f"-- {request.method} {request.url.path[:1000]}", "DENIED", message,
        securable_kind="STATEMENT", securable_name=statement_id[:255],
        token_id=caller.catalog.token_id))
    return _error(404, "RESOURCE_DOES_NOT_EXIST", message)


# -- the application ----------------------------------------------------------------------------

class SqlApi:
    """The routes, the statements they keep, and the tasks running them."""

    def __init__(self):
        self.store = Statements()
        self._tasks: set[asyncio.Task] = set()
        self._limiter: anyio.CapacityLimiter | None = None
        self.app = Starlette(routes=[
            Route(f"{PREFIX}/statements", self.execute, methods=["POST"]),
            Route(f"{PREFIX}/statements/{{id}}", self.get, methods=["GET"]),
            Route(f"{PREFIX}/statements/{{id}}/result/chunks/{{n:int}}", self.chunk,
                  methods=["GET"]),
            Route(f"{PREFIX}/statements/{{id}}/cancel", self.cancel, methods=["POST"]),
            Route(RESULTS + "{secret}", self.link, methods=["GET"]),
            Route(f"{PREFIX}/session", self.session, methods=["GET"]),
        ], exception_handlers={404: self._not_found, 405: self._not_allowed})

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)

    @staticmethod
    async def _not_found(request: Request, exc) -> Response:
        return _error(404, "ENDPOINT_NOT_FOUND", f"No SQL API route {request.url.path}: "
                      f"POST {PREFIX}/statements runs SQL.")

    @staticmethod
    async def _not_allowed(request: Request, exc) -> Response:
        return _error(405, "BAD_REQUEST", f"{request.method} is not allowed on {request.url.path}.")

    async def execute(self, request: Request) -> Response:
        caller = serving.CALLER.get()
        try:
            ask = parse_request(await request.body())
        except BadRequest as e:
            return _error(400, "INVALID_PARAMETER_VALUE", str(e))
        statement = self.store.new(caller.catalog.principal, ask.format, ask.inline,
                                   ask.statement_id)
        if statement is None:
            return _error(400, "INVALID_PARAMETER_VALUE",
                          "ucsql.statement_id is taken: choose a new random UUID.")
        done = anyio.Event()
        task = asyncio.get_running_loop().create_task(self._run(statement, caller.catalog, ask, done))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if ask.wait:
            with anyio.move_on_after(ask.wait):
                await done.wait()
            if not done.is_set() and ask.cancel_on_timeout:
                self._cancel(caller.catalog, statement)
                with anyio.move_on_after(10):
                    await done.wait()
        return JSONResponse(describe(self.store, statement, caller.base_url))

    async def _run(self, statement: Statement, catalog: Catalog, ask: Ask, done) -> None:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(RUNNING_AT_ONCE)
        try:
            await anyio.to_thread.run_sync(functools.partial(run, self.store, statement, catalog, ask),
                                           limiter=self._limiter)
        finally:
            done.set()

    def _mine(self, request: Request) -> tuple[serving.Caller, Statement | None]:
        caller = serving.CALLER.get()
        return caller, self.store.get(request.path_params["id"], caller.catalog.principal)

    async def get(self, request: Request) -> Response:
        caller, statement = self._mine(request)
        if statement is None:
            return await _no_statement(request, caller, "GET_STATEMENT")
        return JSONResponse(describe(self.store, statement, caller.base_url))

    async def chunk(self, request: Request) -> Response:
        caller, statement = self._mine(request)
        if statement is None:
            return await _no_statement(request, caller, "GET_STATEMENT_RESULT")
        n = request.path_params["n"]
        with self.store.lock:
            encoded = statement.encoded
            if encoded is None or not 0 <= n < len(encoded.chunks):
                have = ("no result kept" if encoded is None
                        else f"chunks 0 to {len(encoded.chunks) - 1}")
                return _error(404, "RESOURCE_DOES_NOT_EXIST",
                              f"Statement {statement.id} has no chunk {n} ({have}).")
            data = result_data(self.store, statement, n, caller.base_url)
        return JSONResponse(data)

    async def cancel(self, request: Request) -> Response:
        caller, statement = self._mine(request)
        if statement is None:
            return await _no_statement(request, caller, "CANCEL_STATEMENT")
        self._cancel(caller.catalog, statement)
        return JSONResponse({})

    def _cancel(self, catalog: Catalog, statement: Statement) -> None:
        self.store.cancel(statement, lambda thread: catalog.engine.cancel(thread=thread))

    async def link(self, request: Request) -> Response:
        found = self.store.fetch(request.path_params["secret"])
        if found is None:  # a link is its own credential: a wrong one is a refused sign-in
            message = ("No such result link: it expired, its result was fetched, or it never "
                       "existed. GET the statement again for fresh links.")
            await anyio.to_thread.run_sync(functools.partial(
                record_refusal, serving.SERVER.get().catalog.engine, "anonymous",
                "GET_RESULT_LINK", f"-- GET {RESULTS}…", "DENIED", message,
                securable_kind="STATEMENT"))
            return _error(404, "RESOURCE_DOES_NOT_EXIST", message)
        payload, media = found
        return Response(payload, media_type=media)

    async def session(self, request: Request) -> Response:
        catalog = serving.CALLER.get().catalog
        return JSONResponse({"principal": catalog.principal, "token_id": catalog.token_id,
                             "version": __version__,
                             "system_views": catalog.system_views})


def build() -> SqlApi:
    return SqlApi()
