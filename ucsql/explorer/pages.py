"""The explorer's pages: browse, a model and its versions, permissions, SQL, charts, audit.

Every handler runs its statements as the signed-in principal (``serving.CALLER``, set by
``TokenAuth``) in a worker thread; a ucsql error becomes a page that says what went wrong, with
the status it maps to, never a traceback.
"""

from __future__ import annotations

import functools
import io
import urllib.parse
from pathlib import Path

import anyio
import pyarrow as pa
import pyarrow.csv
import pyarrow.parquet
import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlglot import exp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import queries, serving
from ..api import Catalog
from ..dialect import parse, quote_name
from ..engine import record_refusal
from ..errors import (InvalidArgument, NotFound, ParseError, PermissionDenied, Unauthenticated,
                      UcsqlError)
from . import charts, session

HERE = Path(__file__).parent
KINDS = {"catalog": "CATALOG", "schema": "SCHEMA", "model": "MODEL"}
PRIVILEGES = ["ALL PRIVILEGES", "BROWSE", "USE CATALOG", "USE SCHEMA", "CREATE SCHEMA",
              "CREATE MODEL", "CREATE MODEL VERSION", "EXECUTE", "APPLY TAG", "MANAGE"]
MAX_ROWS_SHOWN = 1000
MAX_FORM = 2**20
MAX_MLMODEL = 2**20  # bytes of an MLmodel file read for its signature
ALIAS_CHANGES = {"SET_ALIAS", "DROP_ALIAS", "ALIAS_REQUEST_APPROVED"}

templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                        autoescape=select_autoescape(default=True, default_for_string=True))


# -- plumbing ------------------------------------------------------------------------------------

def _sql(name: str) -> str:
    return queries.sql_dir().joinpath("explorer", f"{name}.sql").read_text()


def _caller() -> serving.Caller:
    return serving.CALLER.get()


async def _ask(name: str, **params):
    """The rows (as dicts) of ``sql/explorer/<name>.sql``, run as the caller like any query."""
    catalog = _caller().catalog

    def run():
        result = catalog.sql(_sql(name), params)
        return [dict(zip(result.columns, row)) for row in result.fetchall()]
    return await anyio.to_thread.run_sync(run)


async def _run(catalog: Catalog, text: str, params=None):
    return await anyio.to_thread.run_sync(functools.partial(catalog.sql, text, params))


def _page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    caller = _caller()
    token = session.token_from_cookie({k.encode(): v.encode() for k, v in request.headers.items()})
    html = templates.get_template(template).render(
        principal=caller.catalog.principal if caller else None, prefix=session.PREFIX,
        csrf=session.csrf_value(token) if token else "", quote=urllib.parse.quote,
        **context)
    return HTMLResponse(html, status_code=status,
                        headers={"Content-Security-Policy": "default-src 'self'; "
                                 "style-src 'self'; script-src 'self'; img-src 'self' data:; "
                                 "frame-ancestors 'none'; form-action 'self'",
                                 "X-Content-Type-Options": "nosniff",
                                 "Referrer-Policy": "same-origin",
                                 "Cache-Control": "no-store"})


def _status(error: UcsqlError) -> int:
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Unauthenticated):
        return 401
    if isinstance(error, (ParseError, InvalidArgument)):
        return 400
    return 500 if type(error) is UcsqlError else 400


def _failed(request: Request, error: UcsqlError) -> HTMLResponse:
    return _page(request, "error.html", _status(error), error=error.message)


def handles_errors(fn):
    @functools.wraps(fn)
    async def wrapper(request: Request):
        try:
            return await fn(request)
        except UcsqlError as e:
            return _failed(request, e)
    return wrapper


async def _fields(request: Request) -> dict[str, str]:
    """A posted form's fields (urlencoded, as the pages send them; at most MAX_FORM bytes)."""
    body = await request.body()
    if len(body) > MAX_FORM:
        raise InvalidArgument(f"The form is over {MAX_FORM} bytes.")
    pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return dict(pairs)


async def _form(request: Request) -> dict[str, str]:
    """A form that changes something, after checking it came from our own page."""
    form = await _fields(request)
    token = session.token_from_cookie({k.encode(): v.encode() for k, v in request.headers.items()})
    if not session.same_origin(dict(request.headers), _caller().base_url) \
            or not session.csrf_ok(token, form.get("csrf")):
        catalog = _caller().catalog
        await anyio.to_thread.run_sync(functools.partial(
            record_refusal, catalog.engine, catalog.principal, "EXPLORER_FORM",
            f"-- HTTP POST {request.url.path[:1000]}", "DENIED",
            "cross-site request or missing CSRF value", token_id=catalog.token_id))
        raise PermissionDenied("Permission denied: this form did not come from the explorer's "
                               "own page (a missing or wrong CSRF value, or another site's "
                               "origin). Reload the page and submit it again.")
    return form


def _back(request: Request, path: str, note: str | None = None) -> RedirectResponse:
    query = "?" + urllib.parse.urlencode({"note": note}) if note else ""
    return RedirectResponse(path + query, status_code=303)


def _name_parts(full_name: str) -> list[str]:
    parts = full_name.split(".")
    if len(parts) != 3 or not all(parts):
        raise InvalidArgument(f"{full_name[:200]!r} is not a model's full name "
                              "(catalog.schema.model).")
    return parts


def _full(*parts: str) -> str:
    return ".".join(quote_name(p) for p in parts)


# -- signing in ----------------------------------------------------------------------------------

async def login(request: Request) -> Response:
    server = serving.SERVER.get()
    nxt = request.query_params.get("next") or session.PREFIX + "/"
    if not nxt.startswith(session.PREFIX + "/") and nxt != session.PREFIX:
        nxt = session.PREFIX + "/"  # never off to another site
    if request.method == "GET":
        return _login_page(request, nxt)
    try:
        form = await _fields(request)
    except InvalidArgument as e:
        return _login_page(request, nxt, e.message, 400)
    token = str(form.get("token") or "").strip()
    user = str(form.get("user") or "").strip()
    try:
        signed_in = await anyio.to_thread.run_sync(server.catalog.authenticate, token)
    except UcsqlError as e:
        return _login_page(request, nxt, e.message, 401)
    if user and user != signed_in.principal:
        return _login_page(request, nxt, "That token belongs to another user.", 401)
    response = RedirectResponse(nxt, status_code=303)
    response.headers["set-cookie"] = session.cookie_header(token, request.url.scheme == "https")
    return response


def _login_page(request: Request, nxt: str, error: str | None = None, status: int = 200):
    html = templates.get_template("login.html").render(prefix=session.PREFIX, next=nxt,
                                                       error=error, principal=None)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store",
                                                           "Content-Security-Policy":
                                                           "default-src 'self'; frame-ancestors 'none'"})


@handles_errors
async def logout(request: Request) -> Response:
    await _form(request)
    response = RedirectResponse(f"{session.PREFIX}/login", status_code=303)
    response.headers["set-cookie"] = session.clear_cookie_header()
    return response


# -- browsing ------------------------------------------------------------------------------------

@handles_errors
async def home(request: Request) -> Response:
    text = request.query_params.get("q", "").strip()
    found = await _ask("search_models", text=text) if text else None
    return _page(request, "home.html", catalogs=await _ask("catalogs"), q=text, found=found)


@handles_errors
async def catalog_page(request: Request) -> Response:
    catalog = request.path_params["catalog"]
    return _page(request, "catalog.html", catalog=catalog,
                 schemas=await _ask("schemas", catalog=catalog))


@handles_errors
async def schema_page(request: Request) -> Response:
    catalog, schema = request.path_params["catalog"], request.path_params["schema"]
    return _page(request, "schema.html", catalog=catalog, schema=schema,
                 models=await _ask("models", catalog=catalog, schema=schema))


@handles_errors
async def model_page(request: Request) -> Response:
    full = request.path_params["model"]
    parts = _name_parts(full)
    catalog = _caller().catalog
    # Statements about one model (planned for that target) where they answer the question;
    # the views where only they have the columns (digests, lineage, activity).
    head = await _run(catalog, f"GET MODEL {_full(*parts)}")
    model = dict(zip(head.columns, head.fetchone()),
                 catalog_name=parts[0], schema_name=parts[1], model_name=parts[2])
    versions = await _ask("model_versions", model=full)
    lineage = await _ask("model_lineage", model=full)
    activity = await _ask("model_activity", model=full)
    requests = _rows(await _run(catalog, f"SHOW ALIAS REQUESTS ON MODEL {_full(*parts)}"))
    requests.sort(key=lambda r: (r["status"] != "PENDING", -r["request_id"]))
    return _page(request, "model.html", model=model, versions=versions,
                 aliases=model["aliases"] or [],
                 tags=[{"tag_name": k, "tag_value": v} for k, v in model["tags"] or []],
                 lineage=lineage, graph=charts.lineage_graph(lineage), activity=activity,
                 alias_history=[a for a in activity if a["activity"] in ALIAS_CHANGES],
                 comments=_rows(await _run(catalog, f"SHOW COMMENTS ON MODEL {_full(*parts)}")),
                 requests=requests, note=request.query_params.get("note"))


def _rows(result) -> list[dict]:
    return [dict(zip(result.columns, row)) for row in result.fetchall()]


@handles_errors
async def add_comment(request: Request) -> Response:
    full = request.path_params["model"]
    form = await _form(request)
    version = form.get("version", "").strip()
    on = f" VERSION {int(version)}" if version.isdigit() else ""
    result = await _run(_caller().catalog, f"ADD COMMENT ON MODEL {_full(*_name_parts(full))}"
                                           f"{on} ?", [form.get("body", "")])
    return _back(request, _model_path(full), result.message)


@handles_errors
async def drop_comment(request: Request) -> Response:
    form = await _form(request)
    result = await _run(_caller().catalog, "DROP COMMENT ?", [request.path_params["id"]])
    return _back(request, _model_path(form.get("model", "")), result.message)


@handles_errors
async def request_alias(request: Request) -> Response:
    full = request.path_params["model"]
    form = await _form(request)
    if not form.get("alias", "").strip():
        raise InvalidArgument("Name the alias to request (e.g. Champion).")
    result = await _run(_caller().catalog,
                        f"REQUEST ALIAS {quote_name(form['alias'].strip())} ON "
                        f"MODEL {_full(*_name_parts(full))} VERSION ? COMMENT ?",
                        [form.get("version", ""), form.get("comment") or None])
    return _back(request, _model_path(full), result.message)


@handles_errors
async def decide_request(request: Request) -> Response:
    form = await _form(request)
    word = {"approve": "APPROVE", "reject": "REJECT", "cancel": "CANCEL"}.get(
        request.path_params["decision"])
    if word is None:
        raise InvalidArgument("Approve, reject or cancel a request.")
    result = await _run(_caller().catalog, f"{word} REQUEST ? COMMENT ?",
                        [request.path_params["id"], form.get("comment") or None])
    return _back(request, _model_path(form.get("model", "")), result.message)


def _model_path(full: str) -> str:
    _name_parts(full)
    return f"{session.PREFIX}/models/{urllib.parse.quote(full, safe='')}"


@handles_errors
async def version_page(request: Request) -> Response:
    full = request.path_params["model"]
    _name_parts(full)
    version = request.path_params["version"]
    found = await _ask("model_version", model=full, version=version)
    if not found:
        raise NotFound(f"Model {full[:200]} has no version {version} that you may see.")
    row = found[0]
    lineage = [r for r in await _ask("model_lineage", model=full) if r["version"] == version]
    return _page(request, "version.html", model=full, v=row, signature=_signature(row),
                 tags=sorted((row["tags"] or {}).items()), lineage=lineage,
                 graph=charts.lineage_graph(lineage))


def _signature(row: dict) -> dict | None:
    """The version's signature from its MLmodel, when the caller may load it (the view shows
    the folder only then)."""
    folder = row.get("storage_location")
    if not folder:
        return None
    try:
        with open(Path(folder, "MLmodel"), "rb") as f:
            text = f.read(MAX_MLMODEL + 1)
        if len(text) > MAX_MLMODEL:
            return None
        mlmodel = yaml.safe_load(text)
    except (OSError, yaml.YAMLError):
        return None
    signature = (mlmodel or {}).get("signature") or {}
    return {k: signature.get(k) for k in ("inputs", "outputs", "params") if signature.get(k)}


@handles_errors
async def set_comment(request: Request) -> Response:
    full = request.path_params["model"]
    catalog, schema, model = _name_parts(full)
    form = await _form(request)
    text = form.get("comment", "")
    await _run(_caller().catalog, f"COMMENT ON MODEL {_full(catalog, schema, model)} IS ?",
               [text if text else None])
    return _back(request, _model_path(full), "Description saved.")


# -- permissions ---------------------------------------------------------------------------------

def _securable(request: Request) -> tuple[str, list[str]]:
    kind = KINDS.get(request.path_params["kind"])
    parts = request.path_params["name"].split(".")
    if kind is None or len(parts) != {"CATALOG": 1, "SCHEMA": 2, "MODEL": 3}[kind] \
            or not all(parts):
        raise InvalidArgument("Give catalog/<catalog>, schema/<catalog>.<schema> or "
                              "model/<catalog>.<schema>.<model>.")
    return kind, parts


@handles_errors
async def permissions_page(request: Request) -> Response:
    kind, parts = _securable(request)
    # SHOW GRANTS ON: the grants on the object and on the levels above it that apply to it,
    # with the level each was made on (one statement, planned for one target).
    catalog = _caller().catalog
    name = ".".join(parts)
    try:
        shown = (await _run(catalog, f"SHOW GRANTS ON {kind} {_full(*parts)}")).fetchall()
        hidden = None
    except PermissionDenied as e:  # only who may manage it sees all its grants: say so
        shown, hidden = [], e.message
    grants = [{"grantee": principal, "privilege": privilege, "level": level, "on": key,
               "here": key == name and level == kind}
              for principal, privilege, level, key in shown]
    try:
        groups = {row[0] for row in (await _run(catalog, "SHOW GROUPS")).fetchall()}
    except PermissionDenied:
        groups = set()
    return _page(request, "permissions.html", kind=kind, name=name, grants=grants,
                 groups=groups, hidden=hidden, privileges=PRIVILEGES, path=request.url.path,
                 note=request.query_params.get("note"))


@handles_errors
async def group_page(request: Request) -> Response:
    group = request.path_params["group"]
    members = await _run(_caller().catalog, f"SHOW USERS IN GROUP {quote_name(group)}")
    return _page(request, "group.html", group=group, members=members.fetchall())


@handles_errors
async def change_permissions(request: Request) -> Response:
    kind, parts = _securable(request)
    form = await _form(request)
    privilege = form.get("privilege", "")
    if privilege not in PRIVILEGES:
        raise InvalidArgument(f"{privilege[:100]!r} is not a privilege: choose one of the list.")
    principal = form.get("principal", "").strip()
    if not principal:
        raise InvalidArgument("Name the user or group to grant to or revoke from.")
    action = "REVOKE" if form.get("action") == "revoke" else "GRANT"
    word = "FROM" if action == "REVOKE" else "TO"
    result = await _run(_caller().catalog, f"{action} {privilege} ON {kind} {_full(*parts)} "
                                           f"{word} {quote_name(principal)}")
    return _back(request, request.url.path, result.message)


# -- SQL, charts, audit --------------------------------------------------------------------------

@handles_errors
async def sql_page(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()
    fmt = request.query_params.get("format", "html")
    if not query:
        return _page(request, "sql.html", q="", result=None)
    catalog = _caller().catalog
    # One query and nothing else: a link (GET) must never change anything, so a script or any
    # other statement is refused before it runs (the engine's guard then checks the query).
    nodes = await anyio.to_thread.run_sync(parse, query)
    if len(nodes) != 1 or not isinstance(nodes[0], (exp.Query, exp.Values)):
        raise InvalidArgument("The SQL page runs one read-only query (SELECT ... FROM "
                              "system. ...); use the shell or SQL over HTTP for other statements.")
    result = await anyio.to_thread.run_sync(catalog.execute, nodes[0])
    table: pa.Table = result.arrow()
    if fmt == "csv":
        out = io.BytesIO()
        pyarrow.csv.write_csv(table, out)
        return Response(out.getvalue(), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="result.csv"'})
    if fmt == "parquet":
        out = io.BytesIO()
        pyarrow.parquet.write_table(table, out)
        return Response(out.getvalue(), media_type="application/vnd.apache.parquet",
                        headers={"Content-Disposition": 'attachment; filename="result.parquet"'})
    rows = result.fetchall()
    return _page(request, "sql.html", q=query, columns=result.columns,
                 rows=rows[:MAX_ROWS_SHOWN], total=len(rows), result=True,
                 link=urllib.parse.quote(query))


@handles_errors
async def charts_page(request: Request) -> Response:
    per_month = await _ask("versions_per_month")
    per_owner = await _ask("models_per_owner")
    return _page(request, "charts.html",
                 versions_chart=charts.stacked_bars(per_month, "month", "catalog_name", "versions"),
                 owners_chart=charts.bars(per_owner, "owner", "models"))


@handles_errors
async def audit_page(request: Request) -> Response:
    q = request.query_params
    filters = {k: q.get(k, "").strip() for k in ("principal", "action", "result")}
    rows = await _ask("audit", **filters)
    return _page(request, "audit.html", rows=rows, filters=filters)


def build() -> Starlette:
    p = session.PREFIX
    return Starlette(routes=[
        Route(f"{p}/login", login, methods=["GET", "POST"]),
        Route(f"{p}/logout", logout, methods=["POST"]),
        Route(f"{p}/", home),
        Route(p, lambda request: RedirectResponse(f"{p}/", status_code=308)),
        Route(f"{p}/catalogs/{{catalog}}", catalog_page),
        Route(f"{p}/catalogs/{{catalog}}/{{schema}}", schema_page),
        Route(f"{p}/models/{{model}}", model_page),
        Route(f"{p}/models/{{model}}/comment", set_comment, methods=["POST"]),
        Route(f"{p}/models/{{model}}/versions/{{version:int}}", version_page),
        Route(f"{p}/models/{{model}}/comments", add_comment, methods=["POST"]),
        Route(f"{p}/models/{{model}}/alias-requests", request_alias, methods=["POST"]),
        Route(f"{p}/comments/{{id:int}}/delete", drop_comment, methods=["POST"]),
        Route(f"{p}/alias-requests/{{id:int}}/{{decision}}", decide_request, methods=["POST"]),
        Route(f"{p}/permissions/{{kind}}/{{name}}", permissions_page),
        Route(f"{p}/permissions/{{kind}}/{{name}}", change_permissions, methods=["POST"]),
        Route(f"{p}/groups/{{group}}", group_page),
        Route(f"{p}/sql", sql_page),
        Route(f"{p}/charts", charts_page),
        Route(f"{p}/audit", audit_page),
        Mount(f"{p}/static", StaticFiles(directory=HERE / "static"), name="static"),
    ])
