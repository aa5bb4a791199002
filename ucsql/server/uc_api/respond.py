"""How a Unity Catalog REST route answers: UC's JSON, UC's error bodies and statuses, page
tokens, and the caller's catalog.

Every route runs its engine calls in a worker thread as the request's token holder
(``serving.CALLER``), so privileges, refusals and audit rows (with the token's id) are those of
SQL. A ucsql error becomes ``{"error_code": ..., "message": ...}`` with the status Unity Catalog
OSS gives it; a mistake in the request itself (bad JSON, a field of the wrong type, a tampered
page token) is a 400 that is audited too, since the engine never saw it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import traceback
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ... import names, queries, serving
from ...api import Catalog
from ...engine import record_refusal
from ...errors import (AlreadyExists, InvalidArgument, NotFound, ParseError, PermissionDenied,
                       Unauthenticated, UcsqlError)

DEFAULT_PAGE = 100
MAX_PAGE = 1000


class BadRequest(InvalidArgument):
    """The request itself is malformed (its JSON, a field, a page token): 400."""


class NotSupported(UcsqlError):
    """A Unity Catalog route ucsql does not serve (temporary cloud credentials): 501."""

    code = "NOT_IMPLEMENTED"


# (HTTP status, UC OSS error_code) per ucsql error class; the first match wins.
_STATUS = [
    (NotFound, 404, "NOT_FOUND"),
    (AlreadyExists, 409, "ALREADY_EXISTS"),
    (PermissionDenied, 403, "PERMISSION_DENIED"),
    (Unauthenticated, 401, "UNAUTHENTICATED"),
    (NotSupported, 501, "NOT_IMPLEMENTED"),
    (ParseError, 400, "INVALID_ARGUMENT"),
    (InvalidArgument, 400, "INVALID_ARGUMENT"),
]


def error(e: UcsqlError) -> Response:
    for cls, status, code in _STATUS:
        if isinstance(e, cls):
            break
    else:
        status, code = (409, "ABORTED") if e.code == "ABORTED" else (500, "INTERNAL")
    return JSONResponse({"error_code": code, "message": e.message}, status_code=status)


def not_found(path: str) -> Response:
    return JSONResponse({"error_code": "NOT_FOUND",
                         "message": f"No Unity Catalog route {path[:200]}: see the README's "
                                    "\"Unity Catalog REST\" for the routes ucsql serves."},
                        status_code=404)


def route(fn):
    """A Starlette endpoint from ``fn(catalog, path_params, query, body) -> dict``, run in a
    worker thread as the caller."""

    @functools.wraps(fn)
    async def endpoint(request: Request) -> Response:
        caller = serving.CALLER.get()
        catalog = caller.catalog
        try:
            body = await _body(request)
            path, query = dict(request.path_params), dict(request.query_params)
            _unicode([path, query])
            answer = await anyio.to_thread.run_sync(
                functools.partial(fn, catalog, path, query, body))
        except UcsqlError as e:
            if isinstance(e, BadRequest):
                record_refusal(catalog.engine, catalog.principal, "UC_REST",
                               f"-- UC REST {request.method} {request.url.path[:300]}",
                               "FAILED", e.message, token_id=catalog.token_id)
            return error(e)
        except Exception:  # noqa: BLE001 - a bug: logged, answered in UC's shape
            traceback.print_exc()
            return JSONResponse({"error_code": "INTERNAL",
                                 "message": "The server failed; its log says why."},
                                status_code=500)
        return JSONResponse(answer)

    return endpoint


async def _body(request: Request) -> dict:
    if request.method not in ("POST", "PATCH", "PUT"):
        return {}
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    _unicode(body)
    return body


def _unicode(value) -> None:
    """Text must be valid Unicode: JSON can spell a lone surrogate (``"\\ud800"``), which no
    name or comment may hold."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("The request holds an invalid character (a lone surrogate); send "
                         "valid UTF-8 text.") from None


def text(source: dict, key: str, *, required: bool = False) -> str | None:
    """A string field of the body or the query."""
    value = source.get(key)
    if value is None or (value == "" and not required):
        if required:
            raise BadRequest(f"Give {key}: it is required.")
        return None
    if not isinstance(value, str) or value == "":
        raise BadRequest(f"{key} must be a non-empty string.")
    return value


def rows(caller: Catalog, query: str, /, **params: Any) -> list[dict]:
    """The rows of ``sql/uc_rest/<query>.sql`` run as the caller (a SELECT over the system
    views, through the guard; audited as any SELECT)."""
    return caller.sql(_sql(query), params).table.to_pylist()


@functools.cache
def _sql(query: str) -> str:
    return (queries.sql_dir() / "uc_rest" / f"{query}.sql").read_text(encoding="utf-8")


# -- paging ------------------------------------------------------------------------------------

def page_size(query: dict) -> int:
    value = query.get("max_results")
    if value in (None, "", "0"):
        return DEFAULT_PAGE
    try:
        size = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"max_results must be a whole number, not {names.shown(str(value))}.") from None
    if not 0 < size <= MAX_PAGE:
        raise BadRequest(f"max_results must be between 1 and {MAX_PAGE}, not {size}.")
    return size


def page_start(query: dict, listing: str, key_type: type = str):
    """Where a page starts: the key after which it begins (None for the first page). A token
    is opaque to clients but not trusted: anything but one this server made for the same
    listing (with a key of ``key_type``) is a 400."""
    token = query.get("page_token")
    if not token:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4)))
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        decoded = None
    if (not isinstance(decoded, dict) or decoded.get("of") != listing
            or type(decoded.get("after")) is not key_type
            or (key_type is int and not 0 < decoded["after"] < 2 ** 63)):
        raise BadRequest(f"page_token {names.shown(token, 60)} is not a page token of this "
                         "listing: pass the next_page_token of the previous answer unchanged.")
    return decoded["after"]


def page(found: list[dict], size: int, listing: str, key: str) -> tuple[list[dict], str | None]:
    """(the page, the next page's token or None) from up to ``size + 1`` rows."""
    if len(found) <= size:
        return found, None
    shown = found[:size]
    token = json.dumps({"of": listing, "after": shown[-1][key]}, separators=(",", ":"))
    return shown, base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def listed(name: str, items: list[dict], token: str | None) -> dict:
    answer: dict[str, Any] = {name: items}
    if token:
        answer["next_page_token"] = token
    return answer


def clean(row: dict) -> dict:
    """A row as UC's JSON: fields without a value are left out."""
    return {k: v for k, v in row.items() if v is not None}
