"""A catalog on a ``ucsql serve`` server: ``ucsql.connect("http://host:8080", token=...)``.

It has the surface of :class:`ucsql.Catalog` that makes sense away from the file (``sql``,
``run``, ``cancel``, ``principal``, ``close``, a context manager) and talks to the server's SQL
Statement Execution API (``ucsql.server.sql_api``). Each script is one request, run on the server
as ``Catalog.sql`` runs it embedded; results come as Arrow, so ``sql()`` returns the same
:class:`ucsql.Result` (the same Arrow types, rows, text, ``message`` and ``details``) and errors
raise the same ``ucsql.errors`` classes with the server's message.

Who you are is the token's owner: the token comes from ``token=``, else ``UCSQL_TOKEN``; or
give the whole Authorization header value (``authorization="Bearer ..."``) and, for another
transport, a ``requests.Session``.
"""

from __future__ import annotations

import datetime
import decimal
import os
import re
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from typing import Any

from . import errors
from .errors import InvalidArgument, UcsqlError, Unauthenticated, Unreachable
from .result import Result

STATEMENTS = "/api/2.0/sql/statements"
_FINAL = {"SUCCEEDED", "FAILED", "CANCELED", "CLOSED"}
_TIMEOUT = (10, 300)  # seconds to connect, and to wait for an answer


def _base(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidArgument(f"{url!r} is not a server URL: write http://HOST:PORT (or https).")
    if parts.query or parts.fragment:
        raise InvalidArgument(f"{url!r}: a server URL has no ?query or #fragment.")
    return urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc, parts.path.rstrip("/"),
                                    "", ""))


def _reason(error: Exception) -> str:
    """What a connection error says, without requests' wrapping (``Connection refused``)."""
    text = str(error)
    found = re.findall(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if found:
        return found[-1].strip()
    return "the connection failed" if "Max retries" in text else text.splitlines()[0][:200]


def parameters(params: dict[str, Any] | list[Any] | tuple | None) -> list[dict[str, Any]]:
    """Python values as the API's typed parameters (``?`` values are named 1, 2 ...)."""
    if params is None:
        return []
    items = (params.items() if isinstance(params, dict)
             else ((str(i), v) for i, v in enumerate(params, 1)))
    out = []
    for name, value in items:
        entry: dict[str, Any] = {"name": str(name)}
        if value is None:
            entry["type"] = "VOID"
        elif isinstance(value, bool):
            entry.update(type="BOOLEAN", value="true" if value else "false")
        elif isinstance(value, int):
            entry.update(type="BIGINT", value=str(value))
        elif isinstance(value, float):
            entry.update(type="DOUBLE", value=repr(value))
        elif isinstance(value, decimal.Decimal):
            entry.update(type="DECIMAL", value=str(value))
        elif isinstance(value, datetime.datetime):
            entry.update(type="TIMESTAMP", value=value.isoformat())
        elif isinstance(value, datetime.date):
            entry.update(type="DATE", value=value.isoformat())
        elif isinstance(value, str):
            entry.update(type="STRING", value=value)
        else:
            raise InvalidArgument(f"Parameter {name!r} is a {type(value).__name__}; a server "
                                  "takes text, numbers, booleans, dates, times or None.")
        out.append(entry)
    return out


def decode_value(value: Any) -> Any:
    """The details of a result as the server had them (``sql_api.encode_value``)."""
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    if isinstance(value, dict):
        kind = value.get("$type")
        if kind == "datetime":
            return datetime.datetime.fromisoformat(value["value"])
        if kind == "date":
            return datetime.date.fromisoformat(value["value"])
        if kind == "decimal":
            return decimal.Decimal(value["value"])
        return {k: decode_value(v) for k, v in value.items()}
    return value


def _error(answer: dict[str, Any]) -> UcsqlError:
    """The ucsql error a failed statement raised on the server, raised again here."""
    status = answer.get("status") or {}
    said = status.get("error") or {}
    message = said.get("message") or f"The statement ended {status.get('state')}."
    raised = (answer.get("ucsql") or {}).get("error") or {}
    cls = UcsqlError
    for name in raised.get("classes", []):
        found = getattr(errors, name, None)
        if isinstance(found, type) and issubclass(found, UcsqlError):
            cls = found
            break
    else:
        if status.get("state") == "CANCELED":
            cls = errors.Cancelled
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(raised.get("attributes") or {})
    error.message = message
    if said.get("error_code") and said["error_code"] != cls.code:
        error.code = said["error_code"]
    return error


class RemoteCatalog:
    """A catalog served by ``ucsql serve`` at ``url``, acting as the token's owner.

    Safe to share between threads (``cancel()`` from another thread stops the statement)."""

    created = False  # a server's metastore exists already

    def __init__(self, url: str, token: str | None = None, *, authorization: str | None = None,
                 session=None):
        import requests

        self.url = _base(url)
        if authorization is None:
            token = token or os.environ.get("UCSQL_TOKEN")
            if not token:
                raise Unauthenticated(f"No token for {self.url}: pass token=... (ucsql --token), "
                                      "or set UCSQL_TOKEN. CREATE TOKEN makes one.")
            authorization = f"Bearer {token.strip()}"
        self._headers = {"Authorization": authorization, "Accept": "application/json"}
        self._http = session or requests.Session()
        # The statement each thread of this client waits for (by thread), for cancel().
        self._running: dict[int, str] = {}
        self._cancelled: set[int] = set()
        self._lock = threading.Lock()
        try:
            me = self._call("GET", "/api/2.0/sql/session")
        except Unreachable as e:
            if "answered 404" in e.message:
                raise Unreachable(f"{self.url} is not a ucsql server with SQL over HTTP (ucsql "
                                  "serve METASTORE).") from None
            raise
        if not isinstance(me.get("principal"), str):
            raise Unreachable(f"{self.url} is not a ucsql server with SQL over HTTP (ucsql "
                              "serve METASTORE).")
        self.principal: str = me["principal"]
        self.token_id: str | None = me.get("token_id")
        self.system_views = [tuple(v) for v in me.get("system_views", [])]

    @property
    def path(self) -> str:
        return self.url

    # -- HTTP -------------------------------------------------------------------------------

    def _call(self, method: str, route: str, body: dict | None = None) -> dict[str, Any]:
        import requests

        try:
            answer = self._http.request(method, self.url + route, json=body,
                                        headers=self._headers, timeout=_TIMEOUT)
        except requests.exceptions.SSLError as e:
            raise Unreachable(f"TLS with {self.url} failed: {_reason(e)}.") from None
        except requests.exceptions.Timeout:
            raise Unreachable(f"{self.url} did not answer in time.") from None
        except requests.exceptions.RequestException as e:
            raise Unreachable(f"Cannot reach {self.url}: {_reason(e)}. Is ucsql serve running "
                              "there?") from None
        try:
            data = answer.json()
        except ValueError:
            data = None
        if answer.status_code == 200:
            if not isinstance(data, dict):
                raise Unreachable(f"{self.url} answered {method} {route} with something other "
                                  "than ucsql's JSON: is it a ucsql server (ucsql serve)?")
            return data
        message = data.get("message") if isinstance(data, dict) else None
        message = message if isinstance(message, str) else None
        if answer.status_code == 401:
            raise Unauthenticated(message or f"{self.url} refused the token.")
        if answer.status_code == 400:
            raise InvalidArgument(message or f"{self.url} refused the request.")
        if answer.status_code == 404 and route.startswith("/api/2.0/sql/session"):
            raise Unreachable(f"{self.url}: GET {route} answered 404.")
        raise UcsqlError(f"{self.url} answered {answer.status_code} to {method} {route}"
                         + (f": {message}" if message else "."))

    def _fetch(self, link: str) -> bytes:
        """An external link: fetched without the Authorization header (the link is its own
        credential, as Databricks' are)."""
        import requests

        try:
            answer = self._http.get(link, timeout=_TIMEOUT)
        except requests.exceptions.RequestException as e:
            raise Unreachable(f"Cannot fetch a result from {self.url}: {_reason(e)}.") from None
        if answer.status_code != 200:
            raise UcsqlError(f"{self.url} answered {answer.status_code} for a result link; run "
                             "the statement again.")
        return answer.content

    # -- statements -------------------------------------------------------------------------

    def sql(self, text: str, params: dict[str, Any] | list[Any] | None = None, *,
            progress=None, single_transaction: bool = False) -> Result:
        """Run a ``;``-separated script on the server; return the last statement's result, as
        :meth:`ucsql.Catalog.sql` does (``progress`` is not reported over HTTP)."""
        result = Result.done("Nothing to run.")
        for result in self.run(text, params, single_transaction=single_transaction):
            pass
        return result

    def run(self, text: str, params: dict[str, Any] | list[Any] | None = None, *,
            progress=None, single_transaction: bool = False,
            as_rows: bool = False) -> Iterator[Result]:
        """Like :meth:`sql`, yielding every statement's result as the server reports it."""
        # The server waits up to 5 s for the statement (one request for most); its id is ours,
        # so cancel() can stop it meanwhile from another thread.
        statement = str(uuid.uuid4())
        body: dict[str, Any] = {"statement": text, "warehouse_id": "ucsql", "wait_timeout": "5s",
                                "disposition": "EXTERNAL_LINKS", "format": "ARROW_STREAM",
                                "ucsql": {"statement_id": statement}}
        if params is not None:
            body["parameters"] = parameters(params)
        if single_transaction:
            body["ucsql"]["single_transaction"] = True
        me = threading.get_ident()
        with self._lock:
            self._running[me] = statement
            self._cancelled.discard(me)
        try:
            answer = self._call("POST", STATEMENTS, body)
            seen, pause = 0, 0.005
            while True:
                earlier = (answer.get("ucsql") or {}).get("earlier") or []
                for child in earlier[seen:]:
                    yield self._result(child)
                seen = len(earlier)
                state = answer["status"]["state"]
                if state in _FINAL:
                    break
                with self._lock:
                    cancelled = me in self._cancelled
                if cancelled:  # (again: the first may have come before the server had it)
                    self._cancel_on_server(statement)
                time.sleep(pause)
                pause = min(pause * 2, 0.1)
                answer = self._call("GET", f"{STATEMENTS}/{statement}")
        except KeyboardInterrupt:
            self.cancel()
            raise
        finally:
            with self._lock:
                self._running.pop(me, None)
                self._cancelled.discard(me)
        if state not in ("SUCCEEDED", "CLOSED"):  # (CLOSED: _result says so)
            raise _error(answer)
        if (answer.get("ucsql") or {}).get("result") is not None:
            yield self._result(answer)

    def _result(self, answer: dict[str, Any]) -> Result:
        if answer["status"]["state"] == "CLOSED":
            raise UcsqlError(f"The result of statement {answer['statement_id']} is no longer "
                             f"kept by {self.url} (it was fetched, or it expired): run it again.")
        if answer["status"]["state"] != "SUCCEEDED":
            raise _error(answer)
        outcome = answer["ucsql"]["result"]
        table = None
        if answer["manifest"]["schema"]["column_count"]:
            import pyarrow as pa
            tables = [pa.ipc.open_stream(self._fetch(link["external_link"])).read_all()
                      for link in answer["result"]["external_links"]]
            table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
        return Result(table, outcome["message"], decode_value(outcome["details"]))

    def _cancel_on_server(self, statement: str) -> None:
        try:
            self._call("POST", f"{STATEMENTS}/{statement}/cancel")
        except UcsqlError:
            pass  # it ended meanwhile, or the server is gone: nothing left to stop

    def cancel(self) -> int:
        """Stop the statements this client is running now (from another thread: the shell's
        Ctrl-C); each is rolled back and raises ``Cancelled``. Returns how many were running."""
        with self._lock:
            running = dict(self._running)
            self._cancelled.update(running)
        for statement in running.values():
            self._cancel_on_server(statement)
        return len(running)

    def as_principal(self, principal: str):
        raise InvalidArgument("On a server you act as the owner of your token; to act as "
                              f"{principal}, connect with a token of theirs.")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RemoteCatalog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ucsql.RemoteCatalog {self.url} as {self.principal}>"
