"""The Python API: ``ucsql.connect()`` and the catalog handle.

    >>> import ucsql
    >>> cat = ucsql.connect(principal="admin")
    >>> cat.sql("CREATE CATALOG prod").message
    'Created catalog prod.'
    >>> cat.sql("SHOW CATALOGS").fetchall()
    [('main', 'admin', 'Default catalog'), ('prod', 'admin', None)]
"""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from . import dialect, local_clients, names
from .engine import Engine, record_refusal
from .errors import InvalidArgument, ParseError, UcsqlError, UnsupportedStatement
from .metastore import FileServed, Metastore
from .result import Result

if TYPE_CHECKING:  # pyarrow is imported where Arrow is used (the CLI's start-up needs none)
    import pyarrow as pa


def _check_text(text: str) -> None:
    """SQL must be valid Unicode text: a lone surrogate (from bytes decoded with
    surrogateescape, say) cannot be stored or run."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        line = text.count("\n", 0, e.start) + 1
        column = e.start - (text.rfind("\n", 0, e.start) + 1) + 1
        raise ParseError(f"The text holds an invalid character (a lone surrogate, "
                         f"{text[e.start]!r}); decode the SQL as UTF-8.",
                         line, column, text.encode("utf-8", "backslashreplace").decode()) from None


def is_url(path: Any) -> bool:
    """Whether ``connect`` was given a server's URL (``ucsql.remote``) rather than a file."""
    return isinstance(path, str) and path.lower().startswith(("http://", "https://"))


def _literal(value: str | None) -> exp.Expression | None:
    return None if value is None else exp.Literal.string(str(value))


def default_principal() -> str:
    """Who you are in embedded mode: ``UCSQL_PRINCIPAL``, else the operating-system login name."""
    return os.environ.get("UCSQL_PRINCIPAL") or getpass.getuser()


class Catalog:
    """A handle on a metastore, acting as one principal. Safe to share between threads."""

    def __init__(self, engine: Engine, principal: str, token_id: str | None = None):
        self.engine = engine
        self.principal = principal
        self.token_id = token_id  # the token it authenticated with (audited), if any

    @property
    def path(self) -> str:
        return self.engine.metastore.path

    @property
    def system_views(self) -> list[tuple[str, str]]:
        """(schema, view) of every system view (``system.<schema>.<view>``)."""
        return sorted(self.engine.metastore.views)

    @property
    def created(self) -> bool:
        """Whether opening this handle created the metastore (its principal is then the admin)."""
        return self.engine.metastore.created and not self.engine.metastore.in_memory

    def sql(self, text: str, params: dict[str, Any] | list[Any] | None = None, *,
            progress: Callable[[int, int, str], None] | None = None,
            single_transaction: bool = False) -> Result:
        """Run a ``;``-separated script; return the last statement's result.

        The whole script is parsed first, so a syntax error anywhere runs nothing. Statements
        then run one after another, each in its own transaction; the first error stops the
        script (the statements before it stay done). ``params`` binds ``?`` (a list) or
        ``$name`` / ``:name`` (a dict) placeholders. ``progress(done, total, unit)`` is told
        how long work (a large copy, a CASCADE) is going. With ``single_transaction`` the whole
        script is one transaction: all of it is applied, or, if a statement fails, none of it.
        """
        result = Result.done("Nothing to run.")
        for result in self.run(text, params, progress=progress,
                               single_transaction=single_transaction):
            pass
        return result

    def run(self, text: str, params: dict[str, Any] | list[Any] | None = None, *,
            progress: Callable[[int, int, str], None] | None = None,
            single_transaction: bool = False, as_rows: bool = False) -> Iterator[Result]:
        """Like :meth:`sql`, but yields the result of every statement as it completes.

        An error raised by a statement carries ``line``: where that statement starts in ``text``
        (a syntax error carries the line of the error itself). ``as_rows``: results of plain
        columns (text, numbers, booleans) may hold Python rows rather than Arrow, which spares
        a program that only prints them importing pyarrow (``ucsql -c`` does that)."""
        try:
            statements = self.engine.parsed.get(text)
            if statements is None:
                _check_text(text)
                statements = dialect.parse(text)
                self.engine.parsed.put(text, statements)
        except UnsupportedStatement as e:
            record_refusal(self.engine, self.principal, e.kind, dialect.mask_secrets(text),
                           "DENIED", e.reason)
            e.audited = True
            raise
        except ParseError as e:
            record_refusal(self.engine, self.principal, "PARSE",
                           dialect.mask_secrets(e.statement or text), "FAILED", e.reason)
            e.audited = True
            raise
        with (self.engine.script_transaction() if single_transaction
              else contextlib.nullcontext()):
            for node in statements:
                try:
                    result = self.engine.execute(node, self.principal, params, progress=progress,
                                                 token_id=self.token_id, as_rows=as_rows)
                except UcsqlError as e:
                    if e.line is None:
                        e.line = node.meta.get("line")
                    raise
                yield result

    def execute(self, node: exp.Expression, params: Any = None) -> Result:
        """Run one already-built statement node (how the MLflow façade talks to the engine)."""
        return self.engine.execute(node, self.principal, params, token_id=self.token_id)

    def import_versions(self, model: str, versions: pa.Table, *,
                        files_from: tuple[str, int]) -> Result:
        """Register every row of ``versions`` as a new READY version of ``model``, in one
        statement: numbered next and contiguously, one privilege check, one audit row.

        ``versions`` is an Arrow table with a ``source`` column (the URI to record) and
        optionally ``run_id``, ``comment`` and ``tags`` (map<string, string>). The versions share
        one copy of the files of version ``files_from = (model name, version)`` of this registry
        (hard links where possible): the path for migrating registries and bulk loading, where
        the files of many versions are the same. Needs CREATE_MODEL_VERSION on ``model`` and
        EXECUTE on the source model, like ``ADD VERSION ... FROM MODEL``. The result says what
        was imported; its ``details`` hold ``first_version`` and ``last_version``.
        """
        src, number = files_from
        node = dialect.ImportModelVersions(
            this=dialect.name_node(model), versions=exp.Placeholder(this="versions"),
            from_model=dialect.name_node(src), from_version=exp.Literal.number(int(number)))
        node.meta["sql"] = (f"-- import_versions: {getattr(versions, 'num_rows', '?')} versions "
                            f"into {model} sharing the files of {src} version {number}")
        return self.engine.execute(node, self.principal, {"versions": versions},
                                   token_id=self.token_id)

    def reserve_version(self, model: str, *, source: str | None = None,
                        run_id: str | None = None, comment: str | None = None) -> Result:
        """Unity Catalog's two-step registration, step one: a new PENDING_REGISTRATION version
        of ``model`` with an empty upload folder of its own (``details["storage_location"]``)
        to write the model's files into; :meth:`finalize_version` then registers them. Needs
        CREATE_MODEL_VERSION (or ownership), like ADD VERSION; audited. A pending version
        cannot be loaded or copied; DROP VERSION removes it with its folder."""
        node = dialect.ReserveModelVersion(this=dialect.name_node(model),
                                           source=_literal(source), run_id=_literal(run_id),
                                           comment=_literal(comment))
        node.meta["sql"] = f"-- reserve a version of {names.shown(model, 200)}"
        return self.engine.execute(node, self.principal, token_id=self.token_id)

    def finalize_version(self, model: str, version: int) -> Result:
        """Step two: copy the files written into the pending version's upload folder into
        managed storage, checked as ADD VERSION checks a model folder (an MLmodel with a
        signature, regular files only, each hashed), and make the version READY, in one
        transaction; the upload folder is then removed. Refused (nothing changes) when the
        folder is not a valid model or the version is not pending."""
        node = dialect.FinalizeModelVersion(this=dialect.name_node(model),
                                            version=exp.Literal.number(int(version)))
        node.meta["sql"] = f"-- finalize version {int(version)} of {names.shown(model, 200)}"
        return self.engine.execute(node, self.principal, token_id=self.token_id)

    def collect_garbage(self, *, dry_run: bool = True) -> Result:
        """Model files no version needs (left by a crash): listed, or with ``dry_run=False``
        removed. Only inside this metastore's storage roots, never a folder any version row
        names (``ucsql.gc``). Admin only; audited. One row per folder: path, action, reason."""
        node = dialect.CollectGarbage(dry_run=dry_run or None)
        node.meta["sql"] = f"-- collect_garbage(dry_run={dry_run})"
        return self.engine.execute(node, self.principal, token_id=self.token_id)

    def backup(self, dest: str | os.PathLike) -> Result:
        """Copy the metastore and every version's files to the new file ``dest`` (and the folder
        ``dest.models`` beside it): one consistent state, taken while holding the file, that
        opens and loads where it is. Admin only; audited."""
        node = dialect.BackupMetastore(this=exp.Literal.string(str(dest)))
        node.meta["sql"] = f"-- backup to {dest}"
        return self.engine.execute(node, self.principal, token_id=self.token_id)

    def check(self) -> Result:
        """Verify that every READY version has all its files, byte for byte, as registered: one
        row per problem (model, version, file, problem), none when all is well. Admin only."""
        node = dialect.CheckStorage()
        node.meta["sql"] = "-- check the model files"
        return self.engine.execute(node, self.principal, token_id=self.token_id)

    def cancel(self) -> int:
        """Stop the statements running on this metastore's engine now, from any thread (the
        shell calls it on Ctrl-C): each is rolled back and raises ``ucsql.errors.Cancelled``.
        Returns how many were running."""
        return self.engine.cancel()

    def authenticate(self, token: str) -> Catalog:
        """The same metastore, acting as whoever ``token`` (from CREATE TOKEN) belongs to.
        Raises ``ucsql.errors.Unauthenticated`` (audited) for a token that is malformed,
        unknown, dropped or expired."""
        from .handlers.tokens import authenticate
        principal, token_id = authenticate(self.engine, token)
        return Catalog(self.engine, principal, token_id)

    def as_principal(self, principal: str) -> Catalog:
        """The same metastore, acting as another principal (for tests, servers, admin tools)."""
        return Catalog(self.engine, principal)

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ucsql.Catalog {self.path} as {self.principal}>"


def connect(path: str | os.PathLike = ":memory:", principal: str | None = None, *,
            token: str | None = None, authorization: str | None = None):
    """Open (or create) the metastore at ``path`` and act as ``principal``.

    A new file is bootstrapped with ``principal`` as its admin, catalog ``main`` and schema
    ``main.default``. ``principal`` defaults to ``UCSQL_PRINCIPAL`` or the login name.

    ``path`` may instead be the URL of a ``ucsql serve`` server (``http://host:8080``, or
    https): you then act as the owner of ``token`` (default: ``UCSQL_TOKEN``), or of the
    credential in ``authorization`` (a whole Authorization header value), through a
    :class:`ucsql.remote.RemoteCatalog` whose ``sql()`` returns the same results.
    """
    if is_url(path):
        if principal is not None:
            raise InvalidArgument("On a server you act as the owner of your token: leave "
                                  "principal out, or connect with a token of theirs.")
        from .remote import RemoteCatalog  # requests is imported only for a server
        return RemoteCatalog(path, token, authorization=authorization)
    if token is not None or authorization is not None:
        raise InvalidArgument("token= is for a server URL (http://host:8080); a metastore file "
                              "needs none: principal= says who you are.")
    principal = principal or default_principal()
    if str(path) == ":memory:" or not os.path.exists(os.path.expanduser(str(path))):
        # The creator of a new file becomes its admin: an invalid name is refused before
        # anything is created. (On an existing file, each statement is refused and audited.)
        names.principal_name(principal)
    else:
        served = local_clients.find(os.path.realpath(os.path.expanduser(str(path))))
        if served is not None:
            return _through_server(served, principal)
    try:
        return Catalog(Engine(Metastore(path, creator=principal)), principal)
    except FileServed as e:  # the server started meanwhile
        return _through_server(e.served, principal)


def _through_server(served: local_clients.ServedFile, principal: str):
    """A file ``ucsql serve`` holds, reached through that server as a local client: as
    ``principal``, with the trust of whoever may open the file (ucsql.local_clients)."""
    import requests

    from .remote import RemoteCatalog
    names.principal_name(principal)
    served.tell_once()
    session = requests.Session()
    # Loopback to the server that holds the file, verified with its own certificate: no proxy,
    # and no CA bundle from the environment (REQUESTS_CA_BUNDLE would override ``verify``).
    session.trust_env = False
    session.verify = served.verify()
    return RemoteCatalog(served.url, authorization=served.authorization(principal),
                         session=session)
