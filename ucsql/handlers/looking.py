"""SHOW, DESCRIBE and SELECT: reading, always filtered to what the caller may see."""

from __future__ import annotations

import threading

import duckdb
from sqlglot import exp

from .. import names, queries
from ..engine import Context
from ..errors import InvalidArgument, PermissionDenied
from ..result import Result, plain
from ..limits import query_memory, query_timeout
from ..sandbox import memory_error, timeout_error
from ..select_guard import guard_select

_BATCH_ROWS = 2048  # the answer is counted against the memory limit as it is fetched


def _like(ctx: Context, node: exp.Expression) -> list[str] | None:
    """A Databricks LIKE pattern ('pr*|dev*') as a list of GLOB patterns (case-insensitive)."""
    pattern = names.bounded(ctx.text(node.args.get("like")), "The LIKE pattern", names.MAX_PATTERN)
    if pattern is None:
        return None
    return [p.strip().lower() for p in pattern.split("|")]


def show_catalogs(ctx: Context, node: exp.Expression) -> Result:
    ctx.see()
    return ctx.result("show_catalogs", patterns=_like(ctx, node))


def show_schemas(ctx: Context, node: exp.Expression) -> Result:
    catalog_id = None
    if node.this is not None:
        catalog = ctx.resolve("CATALOG", node.this)
        ctx.authorize("SEE_CATALOG", catalog, what=f"list the schemas of {catalog}")
        catalog_id = catalog.id
    ctx.see()
    return ctx.result("show_schemas", catalog_id=catalog_id, patterns=_like(ctx, node))


def show_models(ctx: Context, node: exp.Expression) -> Result:
    schema_id = None
    if node.this is not None:
        schema = ctx.resolve("SCHEMA", node.this)
        ctx.authorize("SEE_SCHEMA", schema, what=f"list the models of {schema}")
        schema_id = schema.id
    ctx.see()
    return ctx.result("show_models", schema_id=schema_id, patterns=_like(ctx, node))


def show_versions(ctx: Context, node: exp.Expression) -> Result:
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("READ_METADATA", model, what=f"list the versions of {model}")
    return ctx.result("show_versions", model_id=model.id)


def show_groups(ctx: Context, node: exp.Expression) -> Result:
    return ctx.result("show_groups")


def show_group_members(ctx: Context, node: exp.Expression) -> Result:
    from .access import _group
    name, row = _group(ctx, node.this)
    if row is None or row["kind"] != "GROUP":
        from ..errors import NotFound
        raise NotFound(f"Group {name} does not exist. Use SHOW GROUPS.")
    return ctx.result("show_group_members", group_id=row["principal_id"])


_SEE = {"CATALOG": "SEE_CATALOG", "SCHEMA": "SEE_SCHEMA", "MODEL": "READ_METADATA"}


def describe(ctx: Context, node: exp.Expression) -> Result:
    """DESCRIBE kind x [VERSION n]: (info_name, info_value) rows, as Databricks prints them."""
    from .namespace import _existing_version, _kind
    kind = _kind(node)
    target = ctx.resolve(kind, node.this)
    ctx.authorize(_SEE[kind], target, what=f"describe {target}")
    version, alias = node.args.get("version"), node.args.get("alias")
    if version is not None or alias is not None:
        number = (_aliased_version(ctx, target, alias.name) if alias is not None
                  else _existing_version(ctx, target, ctx.value(version)))
        return ctx.result("describe_model_version", model_id=target.id, version=number,
                          shows_location=ctx.allowed("SEE_LOCATION", target))
    return ctx.result("describe_securable", securable_id=target.id,
                      extended=bool(node.args.get("extended")))


def _aliased_version(ctx: Context, model, alias: str) -> int:
    """The version ``alias`` of ``model`` points to; an alias it lacks is a one-line error."""
    row = ctx.one("version_by_alias", model_id=model.id, alias=alias)
    if row is None:
        raise InvalidArgument(f"Model {model.full_name} has no alias {alias}. "
                              f"Use DESCRIBE MODEL {model.full_name} to see its aliases.")
    return row["version"]


def select(ctx: Context, node: exp.Expression) -> Result:
    """A read-only query over the system views, checked by the SELECT guard, run as the caller."""
    key = (ctx.statement, ctx.principal)  # the guard's answer depends on nothing else
    guarded = ctx.engine.guarded.get(key)
    if guarded is None:
        guarded = guard_select(node, ctx.engine.metastore.views, ctx.principal)
        ctx.engine.guarded.put(key, guarded)
    ctx.audit_name = ", ".join(f"system.{s}.{v}" for s, v in sorted(guarded.views)) or None
    if ("access", "audit") in guarded.views and not ctx.is_admin():
        raise PermissionDenied(
            f"Permission denied: {ctx.principal} cannot read system.access.audit: only the "
            "metastore admin may read the audit log.",
            principal=ctx.principal, operation="SELECT", securable="system.access.audit",
            missing="metastore admin")
    if ("access", "audit") in guarded.views:  # rows of reads still waiting belong in the answer
        audit = ctx.engine.metastore.audit
        waiting = audit.write_waiting(ctx.cur)
        ctx.on_rollback(lambda: audit.restore(waiting))
    ctx.engine.metastore.ensure_views(ctx.cur, guarded.views, ctx.on_rollback)
    if guarded.views:  # (a query of no view reads nothing the caller's visibility decides)
        ctx.see(locations=any(_shows_locations(view) for view in guarded.views))
    params = ctx.params if ctx.params else None
    timeout, memory = query_timeout(), query_memory()
    if guarded.bounded or node.meta.get("bounded"):
        return _run_here(ctx, guarded.sql, params, timeout, memory)
    # Anything else could run on past its deadline or take any amount of memory while this
    # process holds the file: it runs in the sandbox, over the caller's rows of its views.
    metastore = ctx.engine.metastore
    tables = {metastore.views[view]: metastore.view_rows(ctx.cur, view, guarded.columns)
              for view in guarded.views}
    return Result(ctx.engine.sandbox.run(guarded.sql, params, tables, timeout=timeout,
                                         memory=memory, cancelled=lambda: ctx.cancelled))


def _shows_locations(view: tuple[str, str]) -> bool:
    """Whether a system view shows storage locations (reads ucsql_visible_now.shows_location)."""
    return "shows_location" in queries.load(f"views/{view[0]}/{view[1]}").text


def _run_here(ctx: Context, sql: str, params, timeout: float, memory: int) -> Result:
    """A bounded query, on the metastore's own cursor: interrupted past ``timeout`` seconds,
    its answer refused once it grows past ``memory`` bytes."""
    watchdog = threading.Timer(timeout, ctx.cur.interrupt)
    watchdog.daemon = True
    watchdog.start()
    try:
        relation = ctx.cur.sql(sql, params=params)
        if ctx.as_rows and plain(relation.types):
            return Result.of_rows(relation.columns, relation.types,
                                  _plain_rows(ctx.cur.execute(sql, params), memory))
        import pyarrow as pa
        reader = relation.to_arrow_reader(_BATCH_ROWS)
        batches, size = [], 0
        for batch in reader:
            size += batch.nbytes
            if size > memory:
                raise memory_error(memory)
            batches.append(batch)
        return Result(pa.Table.from_batches(batches, schema=reader.schema))
    except duckdb.InterruptException:
        raise timeout_error(timeout) from None
    except duckdb.OutOfMemoryException:
        raise memory_error(memory) from None
    except (duckdb.Error, OSError) as e:
        # A query the guard let through can still be wrong (an unknown column, a bad cast, a
        # missing parameter): DuckDB's message, as a ucsql error. An error DuckDB meets while
        # Arrow reads its stream reaches us through pyarrow as an OSError with DuckDB's text.
        message = str(e).split("\n")[0]
        if isinstance(e, OSError) and message.startswith("INTERRUPT"):
            raise timeout_error(timeout) from None
        raise InvalidArgument(f"The query failed: {message}") from None
    finally:
        watchdog.cancel()


def _plain_rows(cursor: duckdb.DuckDBPyConnection, memory: int) -> list[tuple]:
    """The rows of a query of plain columns as Python values, counted against ``memory`` as
    Arrow would hold them (8 bytes a value, or an offset and the text's bytes)."""
    rows, size = [], 0
    while batch := cursor.fetchmany(_BATCH_ROWS):
        for row in batch:
            size += sum(8 + len(v.encode()) if isinstance(v, str) else 8 for v in row)
        if size > memory:
            raise memory_error(memory)
        rows += batch
    return rows
