"""The one engine path: every interface (SQL text, Python API, CLI, MLflow façade) runs statements here.

``Engine.execute(node, principal)`` runs one parsed statement as ``principal`` in one transaction:
authorize (one check against ``sql/session/06_authorize.sql``), change, audit. A refused or
failed statement is rolled back, so it changes nothing, and its audit row is written afterwards
in a transaction of its own. Handlers live in ``ucsql.handlers``; this module is the frame
around them.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from . import names, queries, storage
from .audit import MAX_WAITING, stamped
from .decisions import BulkPlanner, Decisions
from .epoch_cache import EpochCache
from .errors import (Cancelled, InvalidArgument, MetastoreError, NotFound, PermissionDenied,
                     UcsqlError)
from .local_clients import LOCAL_TOKEN_ID
from .metastore import Metastore
from .result import Result, plain
from .sandbox import Sandbox
from .storage import LocalStorage, ModelStorage

# DuckDB resolves concurrent writes optimistically: a transaction that touched a row another one
# committed first fails at commit and is retried from the start (the check included).
_CONFLICT_RETRIES = 20


@dataclass
class Securable:
    """A resolved catalog, schema, model or the metastore."""

    id: int
    kind: str
    full_name: str
    catalog_id: int | None = None
    schema_id: int | None = None

    def __str__(self) -> str:
        return f"{self.kind} {self.full_name}"


@dataclass
class Context:
    """What a handler needs to run one statement: the cursor inside the transaction, who is
    asking, the bound parameters, and what to audit."""

    engine: Engine
    principal: str
    params: dict[str, Any] | list[Any]
    statement: str
    action: str
    cur: duckdb.DuckDBPyConnection | None = None
    audit_kind: str | None = None
    audit_name: str | None = None
    detail: str | None = None
    # Called as progress(done, total, unit) by long work (copying files, cascading drops);
    # the CLI draws a bar from it. None: nobody is watching.
    progress: Callable[[int, int, str], None] | None = None
    # Epochs read by this transaction (migration 0003), and the kinds this transaction changed:
    # cached answers of a changed kind are not used until it commits (ucsql.epoch_cache).
    epochs: dict[str, int] | None = None
    changed: set[str] = field(default_factory=set)
    _positional: int = 0
    _after_commit: list[Callable[[], None]] = field(default_factory=list)
    _on_rollback: list[Callable[[], None]] = field(default_factory=list)
    memo: dict[str, Any] = field(default_factory=dict)
    cancelled: bool = False  # set by Engine.cancel() before it interrupts the cursor
    thread: int | None = None  # the thread it runs on, for Engine.cancel(thread=...)
    token_id: str | None = None  # the token the caller authenticated with, for the audit row
    # The caller only prints the result (the CLI): rows of plain types may come as Python rows,
    # so that no Arrow is needed (ucsql.result.Result.of_rows).
    as_rows: bool = False

    # -- SQL ------------------------------------------------------------------------------
    def q(self, name: str, /, **params: Any) -> list[tuple[Any, ...]]:
        """Run ``sql/queries/<name>.sql`` with named parameters; return its rows."""
        return self._query(name).run(self.cur, _checked(params))[1]

    def table(self, name: str, /, **params: Any):
        """The rows of ``sql/queries/<name>.sql`` as an Arrow table."""
        return self._query(name).arrow(self.cur, _checked(params))

    def result(self, name: str, /, **params: Any) -> Result:
        """The rows of ``sql/queries/<name>.sql`` as the statement's result: Python rows when
        the caller asked for them (``as_rows``) and every column is of a plain type, else Arrow."""
        if not self.as_rows:
            return Result(self.table(name, **params))
        cur = self._query(name).execute(self.cur, _checked(params))
        columns = [d[0] for d in cur.description]
        types = [d[1] for d in cur.description]
        if plain(types):
            return Result.of_rows(columns, types, cur.fetchall())
        return Result(cur.to_arrow_table())

    def one(self, name: str, /, **params: Any) -> dict[str, Any] | None:
        """The first row of a named query as a dict, or None."""
        columns, rows = self._query(name).run(self.cur, _checked(params))
        return dict(zip(columns, rows[0])) if rows else None

    def _query(self, name: str) -> queries.Query:
        query = queries.load(f"queries/{name}")
        self.changed |= query.bumps
        self.engine.metastore.prepare(self.cur, query.needs, self.on_rollback)
        return query

    def _cached(self, kind: str, key: tuple) -> tuple[tuple | None, Any]:
        """(full key, remembered answer or None) for an answer of ``kind`` (names, policy)
        at this transaction's epoch; the full key is None when answers may not be reused."""
        if kind in self.changed:
            return None, None
        if self.epochs is None:
            self.epochs = self.one("epochs")
        full = (self.epochs[kind], *key)
        cache = self.engine.names if kind == "names" else self.engine.decisions
        return full, cache.get(full)

    def _remember(self, kind: str, full: tuple | None, row: Any) -> None:
        if full is not None and row is not None and kind not in self.changed:
            (self.engine.names if kind == "names" else self.engine.decisions).put(full, row)

    def _resolve_path(self, catalog: str | None, schema: str | None,
                      model: str | None) -> dict[str, Any]:
        full, row = self._cached("names", (catalog, schema, model))
        if row is None:
            row = self.one("resolve_path", catalog=catalog, schema=schema, model=model)
            self._remember("names", full, row)
        return row

    def see(self, locations: bool = False) -> None:
        """Make this cursor's ucsql_visible_now hold what the caller may see, for the views and
        lists that filter on it (sql/queries/refresh_visible.sql), and with ``locations`` also
        which storage locations it may see (sql/queries/refresh_visible_locations.sql; until
        then none is shown). Each is refilled only when the caller or an epoch changed since it
        was last filled on this cursor."""
        if not self.changed and self.epochs is None:
            self.epochs = self.one("epochs")
        key = None if self.changed else (self.principal, self.epochs["names"],
                                         self.epochs["policy"])
        state = self.engine.metastore.cursor_state(self.cur)
        if key is None or state.get("visible") != key:
            kept = self._kept_for_lists()
            if kept is not None:  # decisions made in bulk cover every securable: no policy pass
                self.q("refresh_visible_from", principal=self.principal,
                       visible=sorted(kept.allowed.get("SEE", ())),
                       located=sorted(kept.allowed.get("SEE_LOCATION", ())))
                state["locations"] = key
            else:
                started = time.perf_counter()
                self.q("refresh_visible", principal=self.principal)
                if key is not None:  # a fill of the whole list counts towards a pass (ucsql.decisions)
                    self.engine.bulk.spent(self._bulk_key(), time.perf_counter() - started)
                state.pop("locations", None)
            state["visible"] = key
            # Rolled back, the table is back to an older content: refill next time.
            self.on_rollback(lambda: (state.pop("visible", None), state.pop("locations", None)))
        if locations and (key is None or state.get("locations") != key):
            self.q("refresh_visible_locations", principal=self.principal)
            state["locations"] = key
            self.on_rollback(lambda: state.pop("locations", None))

    # -- values -----------------------------------------------------------------------------
    def value(self, node: exp.Expression | None) -> Any:
        """The Python value of a literal, NULL or placeholder node (bound from ``params``)."""
        if node is None or isinstance(node, exp.Null):
            return None
        if isinstance(node, exp.Placeholder):
            name = node.name
            if name in ("", "?"):
                return self._bind(None, node.meta.get("position"))
            return self._bind(name.lstrip("$:"))
        if isinstance(node, exp.Literal):
            return node.this if node.is_string else node.this
        if isinstance(node, (exp.Identifier, exp.Var)):
            return node.name
        if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
            return "-" + node.this.this
        if isinstance(node, exp.Boolean):
            return node.this
        raise InvalidArgument(f"Expected a literal value or a parameter, found {node.sql()!r}.")

    def text(self, node: exp.Expression | None) -> str | None:
        value = self.value(node)
        return None if value is None else str(value)

    def _bind(self, name: str | None, position: int | None = None) -> Any:
        """The value of a parameter: ``name`` for ``$name`` / ``:name`` (``$1`` is the first of a
        list); for ``?``, the value at ``position``, the place of the ``?`` in the statement's
        text (set by the parser), so values bind in the order they are written whatever order
        a handler reads them in. A ``?`` without a position (a node built by code) takes the
        next value in reading order."""
        params = self.params
        if name is None:
            if not isinstance(params, (list, tuple)):
                raise InvalidArgument("The statement uses ? parameters; pass params as a list.")
            if position is None:
                position = self._positional
                self._positional += 1
            if position >= len(params):
                raise InvalidArgument(f"The statement has more ? parameters than the "
                                      f"{len(params)} values given.")
            return params[position]
        if isinstance(params, dict) and name in params:
            return params[name]
        if isinstance(params, (list, tuple)) and name.isdigit() and 0 < int(name) <= len(params):
            return params[int(name) - 1]
        raise InvalidArgument(f"No value given for parameter {name!r}; pass params={{{name!r}: ...}}.")

    # -- names and objects --------------------------------------------------------------------
    def resolve(self, kind: str, table: exp.Expression | None, *, must_exist: bool = True) -> Securable:
        """The securable a name denotes. One- and two-part model names resolve against main/default;
        a one-part schema name against main. Raises NotFound naming the first missing level."""
        kind = "MODEL" if kind == "FUNCTION" else kind
        if kind == "METASTORE":
            if self.audit_kind is None:  # group statements check the metastore but act on a group
                self.audit_kind, self.audit_name = "METASTORE", "metastore"
            row = self._resolve_path(None, None, None)
            return Securable(row["metastore_id"], "METASTORE", "metastore")
        catalog, schema, model = self.path(kind, table)
        self.audit_kind = kind
        self.audit_name = ".".join(p for p in (catalog, schema, model) if p)
        row = self._resolve_path(catalog, schema, model)
        if row["catalog_id"] is None:
            raise NotFound(f"Catalog {catalog} does not exist. Use SHOW CATALOGS to see the catalogs "
                           "you can use.")
        if kind in ("SCHEMA", "MODEL") and row["schema_id"] is None:
            raise NotFound(f"Schema {catalog}.{schema} does not exist. Use SHOW SCHEMAS IN {catalog}.")
        if kind == "MODEL" and row["model_id"] is None and must_exist:
            raise NotFound(f"Model {catalog}.{schema}.{model} does not exist. "
                           f"Use SHOW MODELS IN {catalog}.{schema}.")
        ids = {"CATALOG": row["catalog_id"], "SCHEMA": row["schema_id"], "MODEL": row["model_id"]}
        return Securable(ids[kind], kind, self.audit_name, row["catalog_id"], row["schema_id"])

    def path(self, kind: str, table: exp.Expression | None) -> tuple[str, str | None, str | None]:
        """(catalog, schema, model) of a name, validated and lower-cased, defaults filled in."""
        kind = "MODEL" if kind == "FUNCTION" else kind
        parts = [p.name for p in (table.args.get("catalog"), table.args.get("db"), table.this)
                 if p is not None and p.name != ""] if table is not None else []
        want = {"CATALOG": 1, "SCHEMA": 2, "MODEL": 3}[kind]
        if not parts or len(parts) > want:
            example = ".".join(["prod", "ml_team", "iris"][:want])
            raise InvalidArgument(f"{kind.title()} name {'.'.join(parts)!r} has {len(parts)} parts; "
                                  f"a {kind.lower()} name has at most {want} (e.g. {example}).")
        # Missing leading parts resolve against main (catalog) and default (schema).
        full = ["main", "default"][: want - len(parts)] + parts
        levels = ("catalog", "schema", "model")
        checked = [names.securable_name(p, levels[i]) for i, p in enumerate(full)]
        checked += [None] * (3 - len(checked))
        return checked[0], checked[1], checked[2]

    def securable(self, securable_id: int) -> Securable:
        row = self.one("securable_name", securable_id=securable_id)
        return Securable(securable_id, row["kind"], row["full_name"], row["catalog_id"], row["schema_id"])

    def principal_id(self, name: str, kind: str = "USER") -> int:
        """The id of a principal, recording a user the first time it is named (no CREATE USER)."""
        names.principal_name(name)
        row = self.one("principal_by_name", name=name)
        if row is None:
            row = self.one("insert_principal", name=name, kind=kind, by=self.principal)
        return row["principal_id"]

    # -- authorization ------------------------------------------------------------------------
    def authorize(self, operation: str, target: Securable, *, what: str | None = None,
                  subject: str | None = None) -> None:
        """Refuse (PermissionDenied) unless the caller may do ``operation`` on ``target``
        (``subject``: the operation's second principal, e.g. whose grants are listed).

        The decision, and the privilege named as missing, come from sql/session/06_authorize.sql
        (the decision kept in bulk, ucsql.decisions; the reason from the single query).
        """
        if self._bulk_decision(operation, target, subject):
            return
        row = self._decision(operation, target, subject)
        if row and row["allowed"]:  # only if the bulk pass and the single query disagreed
            return
        missing = row["missing"] if row else []
        parts = []
        for term in missing or []:
            on = self.securable(term["on_id"]) if term["on_id"] is not None else target
            parts.append(f"{term['privilege']} on {on}" if term["privilege"] != "OWNER"
                         else f"ownership of {on}" if on.kind != "METASTORE"
                         else "metastore admin")
        need = " and ".join(parts) or "a privilege"
        doing = what or f"{self.action.replace('_', ' ').lower()} on {target}"
        raise PermissionDenied(
            f"Permission denied: {self.principal} cannot {doing}: missing {need}.",
            principal=self.principal, operation=self.action, securable=str(target), missing=need)

    def allowed(self, operation: str, target: Securable, subject: str | None = None) -> bool:
        """Whether the caller may do ``operation`` on ``target``, without refusing."""
        allowed = self._bulk_decision(operation, target, subject)
        if allowed is not None:
            return allowed
        row = self._decision(operation, target, subject)
        return bool(row and row["allowed"])

    def _bulk_key(self) -> tuple:
        if self.epochs is None:
            self.epochs = self.one("epochs")
        return (self.engine.metastore.metastore_id, self.principal, self.epochs["policy"])

    def _kept_for_lists(self) -> Decisions | None:
        """The caller's decisions at this epoch if they cover every securable (a pass is made
        now if single checks and list fills have cost as much), else None."""
        if self.changed:
            return None
        key = self._bulk_key()
        kept = self.engine.bulk.get(key)
        if kept is None and self.engine.bulk.worth_a_pass(key):
            kept = self._pass(key)
        if kept is None:
            return None
        [(ids,)] = self.q("securable_ids")
        return kept if kept.decided.issuperset(ids or ()) else None

    def _pass(self, key: tuple) -> Decisions:
        started = time.perf_counter()
        kept = Decisions.from_rows(self.q("decisions_for_principal", principal=self.principal,
                                          securable_id=None))
        self.engine.bulk.put(key, kept, time.perf_counter() - started)
        return kept

    def _bulk_decision(self, operation: str, target: Securable,
                       subject: str | None) -> bool | None:
        """The decision kept in bulk for the caller at this policy epoch (ucsql.decisions), or
        None when there is none to use: an operation with a subject, a transaction that changed
        the policy, or no pass made yet at this epoch (a single check then counts towards one).
        """
        if subject is not None or "policy" in self.changed:
            return None
        engine = self.engine
        key = self._bulk_key()
        kept = engine.bulk.get(key)
        if kept is None:
            if not engine.bulk.worth_a_pass(key):
                started = time.perf_counter()
                self._decision(operation, target, subject)
                engine.bulk.spent(key, time.perf_counter() - started)
                return None  # the row is in engine.decisions for the caller to read
            kept = self._pass(key)
        if not kept.knows(target.id):  # created after the pass: decide it alone, keep it
            new = Decisions.from_rows(self.q("decisions_for_principal",
                                             principal=self.principal, securable_id=target.id))
            kept.extend(new.allowed, new.decided)
            if not kept.knows(target.id):  # not visible to this transaction
                return None
        return kept.allows(operation, target.id)

    def _decision(self, operation: str, target: Securable,
                  subject: str | None = None) -> dict[str, Any] | None:
        """The policy's answer row, remembered per policy epoch (ucsql.epoch_cache)."""
        full, row = self._cached("policy", (self.principal, target.id, operation, subject))
        if row is None:
            row = self.one("authorize", principal=self.principal, securable_id=target.id,
                           operation=operation, subject=subject)
            self._remember("policy", full, row)
        return row

    @property
    def remote(self) -> bool:
        """The statement came over the network with a token (``ucsql serve``): the files of the
        machine it runs on are the server's, not the caller's."""
        return self.token_id is not None and self.token_id != LOCAL_TOKEN_ID

    def server_path(self, text: str, what: str, *, writes: bool = False) -> str:
        """A path a statement names (``names.local_path``). Embedded, or from a process on the
        server's machine, the caller reaches those files anyway. A token holder reaching a
        server from elsewhere may name only an upload of theirs, and never a place to write:
        the server reads and writes as itself, with rights the caller does not have."""
        path = names.local_path(text, what)
        if not self.remote:
            return path
        root = self.engine.uploads
        if not writes and root is not None:
            real, base = os.path.realpath(path), os.path.realpath(root)
            if real.startswith(base + os.sep):
                reader = self.engine.upload_reader
                if reader is None or reader(self, Path(real), Path(base)):
                    return path
                raise PermissionDenied(
                    f"Permission denied: {self.principal} cannot register "
                    f"{names.shown(text, 200)} ({what}): it is not the upload of a run or "
                    "logged model of theirs. Register your own, or ask its owner to.")
        doing = "write to" if writes else "read"
        raise PermissionDenied(
            f"Permission denied: {self.principal} cannot make the server {doing} "
            f"{names.shown(text, 200)} ({what}): a token holder names no file of the server's. "
            + ("Register a model uploaded through the server (MLflow's log_model) instead."
               if not writes else "Run this on the server's machine, as its metastore's admin."))

    def is_admin(self) -> bool:
        return bool(self.one("is_admin", principal=self.principal)["is_admin"])

    # -- transaction hooks ------------------------------------------------------------------
    def after_commit(self, fn: Callable[[], None]) -> None:
        self._after_commit.append(fn)

    def on_rollback(self, fn: Callable[[], None]) -> None:
        self._on_rollback.append(fn)


class Engine:
    """Runs statements against one metastore. Thread-safe: each thread uses its own cursor."""

    def __init__(self, metastore: Metastore, storage: ModelStorage | None = None):
        self.metastore = metastore
        self.storage = storage or LocalStorage()
        # Answers reused while the epochs they were computed at are current (ucsql.epoch_cache).
        self.names = EpochCache()
        self.decisions = EpochCache()
        self.bulk = BulkPlanner()  # every decision of a principal at an epoch (ucsql.decisions)
        # Parsed scripts and checked queries, by text: an application sends the same text over
        # and over (the MLflow façade's searches differ only in bound values). Cached statement
        # nodes are shared, so nothing may modify a node it is given.
        self.parsed = EpochCache(capacity=512)
        self.guarded = EpochCache(capacity=512)
        self._local = threading.local()  # the script transaction open on this thread, if any
        self._running: dict[int, Context] = {}  # statements running now, for cancel()
        self._running_lock = threading.Lock()
        self.sandbox = Sandbox()  # where queries that could run away run (ucsql.sandbox)
        # Where webhooks may POST (MLflow's URL rules) and how deliveries are tried, read from
        # the environment once, here (ucsql.webhooks).
        from .webhooks.settings import DeliverySettings
        from .webhooks.urls import UrlRules
        self.webhook_rules = UrlRules.from_env()
        self.webhook_settings = DeliverySettings.from_env()
        # Inside ``ucsql serve``: the folder token holders' uploads land in, the one place of the
        # server's filesystem a statement of theirs may name (Context.server_path).
        self.uploads: Path | None = None
        # And which of those files a statement's caller may register (the server knows whose
        # run or logged model a folder is): (ctx, folder, uploads) -> bool.
        self.upload_reader: Callable[[Context, Path, Path], bool] | None = None

    def close(self) -> None:
        self.sandbox.close()
        self.metastore.close()

    def cancel(self, thread: int | None = None) -> int:
        """Stop the statements running on this engine now (from another thread, e.g. a Ctrl-C
        handler): each is interrupted, rolled back and raises Cancelled. Returns how many.
        ``thread`` (a ``threading.get_ident()``): only the statement running on that thread (a
        server cancels one client's statement, not everyone's)."""
        with self._running_lock:
            running = [ctx for ctx in self._running.values()
                       if thread is None or ctx.thread == thread]
        for ctx in running:
            ctx.cancelled = True
            if ctx.cur is not None:
                ctx.cur.interrupt()
        return len(running)

    @contextlib.contextmanager
    def script_transaction(self):
        """Run every statement of the block in one transaction on this thread: all of them are
        applied at the end, or, if one fails, none (``ucsql -1``). The file is held throughout;
        what a statement does after its commit (files, caches) waits for the script's commit,
        and the audit rows of a failure are written after everything was rolled back."""
        if getattr(self._local, "script", None) is not None:
            raise InvalidArgument("A script transaction is already open on this thread.")
        script = self._local.script = _Script()
        try:
            with self.metastore.lease():
                try:
                    with self.metastore.transaction(prepared=False):
                        yield
                except duckdb.TransactionException as e:  # the commit met a concurrent change
                    _run_all(script.on_rollback)
                    raise UcsqlError(f"The metastore is busy: {e}. Nothing was applied; retry "
                                     "the script.") from None
                except BaseException:
                    _run_all(script.on_rollback)
                    raise
                finally:
                    self._local.script = None
                    for row in script.refused:
                        self.audit_now(row)
            _run_all(script.after_commit)
        finally:
            self._local.script = None

    def execute(self, node: exp.Expression, principal: str, params: Any = None,
                statement: str | None = None,
                progress: Callable[[int, int, str], None] | None = None,
                token_id: str | None = None, as_rows: bool = False) -> Result:
        """Run one statement node as ``principal``. ``statement`` is the text for the audit row
        (the canonical SQL of the node when not given); ``progress(done, total, unit)`` hears
        about long work; ``as_rows``: the result may hold Python rows instead of Arrow
        (``Result.of_rows``), for a caller that only prints it."""
        from .handlers import handler_for, is_read  # handlers import this module

        ctx = Context(self, principal, params if params is not None else {},
                      _audited_text(node, statement), _action_of(node), progress=progress,
                      token_id=token_id, as_rows=as_rows)
        try:  # refusals before the handler runs are audited like any other
            names.principal_name(principal)
            _check_params(params)
            handler, ctx.action = handler_for(node)
        except UcsqlError as e:
            self._fail(ctx, e)
            raise
        with contextlib.ExitStack() as held:
            # The file is held from the start of the statement to its audit row, refused or not:
            # no other process can take it in between and make the refusal's row wait.
            try:
                held.enter_context(self.metastore.lease())
            except UcsqlError as e:  # held by another process for longer than we wait
                self._fail(ctx, e)
                raise
            return self._run(ctx, handler, node, is_read(node))

    def _run(self, ctx: Context, handler, node: exp.Expression, read: bool) -> Result:
        """The statement's transaction, retried on write conflicts; audited either way."""
        audit = self.metastore.audit
        script = getattr(self._local, "script", None)
        # Inside a script transaction a conflict fails the script: nothing to retry alone.
        for attempt in range(1 if script else _CONFLICT_RETRIES):
            ctx._positional = 0
            ctx._after_commit.clear()
            ctx._on_rollback.clear()
            ctx.epochs = None
            ctx.changed.clear()
            if script:  # an epoch an earlier statement bumped is not committed yet either
                ctx.changed |= script.changed
            try:
                with (contextlib.nullcontext(self.metastore.cursor(prepared=False)) if script
                      else self.metastore.transaction(prepared=False)) as cur:
                    ctx.cur = cur
                    ctx.thread = threading.get_ident()
                    with self._running_lock:
                        self._running[id(ctx)] = ctx
                    try:
                        if ctx.cancelled:  # cancelled between the retries
                            raise Cancelled("Cancelled; nothing of the statement was applied.")
                        result = handler(ctx, node)
                    finally:
                        with self._running_lock:
                            self._running.pop(id(ctx), None)
                    if not read:  # the change's row, after the waiting rows of earlier reads
                        waiting = audit.write_waiting(cur, self._audit_row(ctx, "ALLOWED",
                                                                           ctx.detail))
                        ctx.on_rollback(lambda rows=waiting: audit.restore(rows))
            except duckdb.TransactionException as e:
                _run_all(ctx._on_rollback)
                if "conflict" in str(e).lower() and attempt + 1 < _CONFLICT_RETRIES:
                    time.sleep(0.001 * (attempt + 1))
                    continue
                error = UcsqlError(f"The metastore is busy: {e}. Retry the statement.")
                self._fail(ctx, error)
                raise error from None
            except UcsqlError as e:
                _run_all(ctx._on_rollback)
                if ctx.cancelled and not isinstance(e, Cancelled):  # (a read says "timeout")
                    e = Cancelled("Cancelled; nothing of the statement was applied.")
                    self._fail(ctx, e)
                    raise e from None
                self._fail(ctx, e)
                raise
            except RecursionError:
                _run_all(ctx._on_rollback)
                error = InvalidArgument("The statement is nested too deeply to check; simplify "
                                        "it (fewer nested parentheses or subqueries).")
                self._fail(ctx, error)
                raise error from None
            except BaseException as e:
                _run_all(ctx._on_rollback)
                if ctx.cancelled and isinstance(e, duckdb.InterruptException):
                    error = Cancelled("Cancelled; nothing of the statement was applied.")
                    self._fail(ctx, error)
                    raise error from None
                self._refused(ctx, "FAILED", f"{type(e).__name__}: {e}")
                raise
            else:
                if read:  # an allowed read changed nothing: its row may wait (ucsql.audit)
                    audit.defer(*self._audit_row(ctx, "ALLOWED", ctx.detail))
                    if len(audit) >= MAX_WAITING:
                        with self.metastore.lease():
                            audit.flush(self.metastore.connection())
                if script:  # committed with the script, or undone with it
                    script.changed |= ctx.changed
                    script.after_commit += ctx._after_commit
                    script.on_rollback += ctx._on_rollback
                else:
                    _run_all(ctx._after_commit)
                return result
        raise AssertionError("unreachable")

    def _fail(self, ctx: Context, error: UcsqlError) -> None:
        """Audit the statement refused (PermissionDenied) or failed with ``error``."""
        self._refused(ctx, "DENIED" if isinstance(error, PermissionDenied) else "FAILED",
                      error.message)
        error.audited = True

    @staticmethod
    def _audit_row(ctx: Context, result: str, detail: str | None) -> tuple:
        """The fields of the statement's audit row (the writer stamps the time and makes every
        field storable: ucsql.audit.storable)."""
        return (ctx.principal, ctx.action, ctx.audit_kind, ctx.audit_name, result, detail,
                ctx.statement, ctx.token_id)

    def _refused(self, ctx: Context, result: str, detail: str) -> None:
        """Audit a refused or failed statement after its transaction was rolled back."""
        for cleanup in ctx.memo.pop("discard_on_failure", []):
            cleanup()
        script = getattr(self._local, "script", None)
        if script:  # the script's transaction is still open: write the row once it is undone
            script.refused.append(self._audit_row(ctx, result, detail))
        else:
            self.audit_now(self._audit_row(ctx, result, detail))

    def audit_now(self, row: tuple) -> None:
        """Write the audit row of a refusal (its fields, as ``_audit_row`` gives them) in a
        transaction of its own, with the rows of reads that wait. It never waits for the file
        and never fails: if another process holds the file (or the write fails), the row goes
        to the audit journal beside the metastore, which the next opening of the file writes
        into the log (ucsql.audit.AuditJournal), and the caller gets its real error at once."""
        audit = self.metastore.audit
        try:
            with self.metastore.lease(wait=False):
                waiting: list = []
                try:
                    with self.metastore.transaction(prepared=False) as cur:
                        waiting = audit.write_waiting(cur, row)
                except BaseException:
                    audit.restore(waiting)  # the commit failed: the reads' rows wait for the next try
                    raise
        except (duckdb.Error, MetastoreError, OSError):
            try:
                audit.set_aside([stamped(*row)])
            except OSError as e:
                warnings.warn(f"ucsql could not write an audit row to {self.metastore.path} or "
                              f"to its journal: {e}", RuntimeWarning, stacklevel=3)


@dataclass
class _Script:
    """What the statements of a script transaction leave for its end."""

    after_commit: list[Callable[[], None]] = field(default_factory=list)
    on_rollback: list[Callable[[], None]] = field(default_factory=list)
    refused: list[tuple] = field(default_factory=list)
    # The epochs its statements bumped: answers at those epochs are not kept until it commits.
    changed: set[str] = field(default_factory=set)


def _action_of(node: exp.Expression) -> str:
    from .handlers import action_name
    return action_name(node)


def _checked(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a named query. Every value reaches DuckDB this way, bound: text DuckDB
    cannot take (a lone surrogate, say in a name an API caller built) is refused here with a
    typed error, not by DuckDB with a raw one."""
    for value in params.values():
        if isinstance(value, str) and not names.is_unicode(value):
            names.unicode_text(value, "The value")
    return params


def _check_params(params: Any) -> None:
    values = params.values() if isinstance(params, dict) else params or []
    for value in values:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidArgument(f"Parameter value {names.shown(value)} holds an invalid "
                                      "character (a lone surrogate); pass valid Unicode text.") from None


def _audited_text(node: exp.Expression, statement: str | None) -> str:
    """The statement's text for its audit row: as given, else its own text; a webhook's secret
    written in it is masked (ucsql.dialect.mask_secrets), whatever happens next."""
    from .dialect import mask_secrets
    text = statement or _canonical(node)
    return mask_secrets(text) if "secret" in node.args else text


def _canonical(node: exp.Expression) -> str:
    if "sql" in node.meta:
        return node.meta["sql"]
    from .dialect import Statement, Ucsql
    if isinstance(node, (Statement, exp.Grant, exp.Revoke)):
        return node.sql(dialect=Ucsql)
    return node.sql(dialect="duckdb")


def _run_all(callbacks: list[Callable[[], None]]) -> None:
    for fn in reversed(callbacks):
        fn()
    callbacks.clear()


def storage_root_for(ctx: Context, securable: Securable) -> Path:
    """Where a model's files go: the schema's MANAGED LOCATION, else the catalog's, else the
    folder beside the metastore file."""
    # MANAGED LOCATION is fixed when a catalog or schema is created, so the answer holds for as
    # long as the names epoch does (ucsql.epoch_cache).
    full, row = ctx._cached("names", ("storage_root", securable.id))
    if row is None:
        row = ctx.one("storage_root", securable_id=securable.id) or {"storage_root": None}
        ctx._remember("names", full, row)
    default = ctx.engine.metastore.storage_root
    return storage.resolve(row["storage_root"], default) if row["storage_root"] else default


def record_refusal(engine: Engine, principal: str, action: str, statement: str, result: str,
                   detail: str, *, securable_kind: str | None = None,
                   securable_name: str | None = None, token_id: str | None = None) -> None:
    """Audit a request refused before it reached a handler (unparseable or unsupported SQL, an
    MLflow call the façade refuses, a download outside a version's files): one row, at once,
    without waiting for the file (``Engine.audit_now``)."""
    engine.audit_now((principal, action, securable_kind, securable_name, result, detail,
                      statement, token_id))
