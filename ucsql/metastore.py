"""The metastore file: opening, creating, migrating, and per-thread DuckDB cursors.

A ``Metastore`` owns one DuckDB database (a file, or ``:memory:``). It never holds state about a
caller: the principal is passed with every statement to the engine. DuckDB connections are not
thread-safe, so each thread gets its own cursor, prepared with the session objects of
``sql/session`` (privilege macros) and ``sql/views`` (the ``system`` views) as TEMP objects:
they are code shipped with the package, not data, so changing them needs no migration.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb

from . import queries
from .errors import MetastoreError

# DuckDB is told not to touch files, load extensions or scan Python variables: every file ucsql
# reads or writes goes through Python (ucsql.storage), so a query that slipped past the SELECT
# guard still could not read /etc/passwd.
_DUCKDB_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "python_enable_replacements": False,
}


def _migrations() -> list[tuple[int, str]]:
    """(version, query name) of every migration file, in order."""
    found = []
    for name in queries.names("migrations"):
        number = name.split("/")[-1].split("_", 1)[0]
        found.append((int(number), name))
    return sorted(found)


def code_schema_version() -> int:
    """The newest schema version this ucsql knows."""
    return _migrations()[-1][0]


class Metastore:
    """One metastore database and where its model files live.

    ``path`` is a file path or ``":memory:"``; ``creator`` is the principal that becomes the admin
    if the file is new. A file written by a newer ucsql is refused; an older one is migrated.
    """

    def __init__(self, path: str | os.PathLike = ":memory:", *, creator: str):
        self.path = str(path)
        self.in_memory = self.path == ":memory:"
        self._temp_storage: str | None = None
        if self.in_memory:
            self._temp_storage = tempfile.mkdtemp(prefix="ucsql-models-")
            self.storage_root = Path(self._temp_storage)
        else:
            file = Path(self.path).expanduser().resolve()
            if file.is_dir():
                raise MetastoreError(f"{file} is a directory; give the path of a metastore file, "
                                     "e.g. metastore.duckdb")
            if not file.parent.is_dir():
                raise MetastoreError(f"Cannot create metastore {file}: folder {file.parent} "
                                     "does not exist. Create it first.")
            self.path = str(file)
            # Managed model files live beside the metastore unless a catalog or schema says
            # otherwise (MANAGED LOCATION).
            self.storage_root = file.with_name(file.name + ".models")
        try:
            self._con = duckdb.connect(self.path, config=_DUCKDB_CONFIG)
        except duckdb.IOException as e:
            raise MetastoreError(f"Cannot open metastore {self.path}: {e}") from None
        except duckdb.Error as e:
            raise MetastoreError(f"{self.path} is not a DuckDB metastore file: {e}") from None
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._lock = threading.Lock()
        self._upgrade(creator)
        self.views = self._view_names()

    # -- opening ---------------------------------------------------------------------------
    def _upgrade(self, creator: str) -> None:
        """Create or migrate the schema; each migration and its version row in one transaction."""
        cur = self._con.cursor()
        try:
            tables = [r[0] for r in queries.run(cur, "queries/database_tables")[1]]
            if tables and "ucsql_schema_version" not in tables:
                raise MetastoreError(
                    f"{self.path} is a DuckDB database but not a ucsql metastore (it has tables "
                    f"{', '.join(tables[:5])}). Give a new file name to create a metastore.")
            current = (queries.run(cur, "queries/schema_version")[1][0][0]
                       if tables else 0)
            newest = code_schema_version()
            if current > newest:
                raise MetastoreError(
                    f"Metastore {self.path} has schema version {current}, newer than this ucsql "
                    f"knows (up to {newest}). Upgrade ucsql (pip install -U ucsql) to open it.")
            for version, name in _migrations():
                if version <= current:
                    continue
                cur.execute("BEGIN TRANSACTION")
                try:
                    queries.run(cur, name)
                    queries.run(cur, "queries/record_migration", version=version,
                                description=name.split("/")[-1])
                    if version == 1:
                        queries.run(cur, "queries/bootstrap_metastore", admin=creator,
                                    metastore_id=str(uuid.uuid4()))
                    cur.execute("COMMIT")
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
        finally:
            cur.close()

    @staticmethod
    def _view_names() -> dict[tuple[str, str], str]:
        """(schema, view) of every system view -> its TEMP view name (``sql/views/<schema>/``)."""
        views = {}
        for schema_dir in sorted(p for p in (queries.sql_dir() / "views").iterdir() if p.is_dir()):
            for file in sorted(schema_dir.glob("*.sql")):
                views[(schema_dir.name, file.stem)] = f"sys__{schema_dir.name}__{file.stem}"
        return views

    # -- cursors and transactions ----------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor, created and prepared on first use."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            with self._lock:
                if self._con is None:
                    raise MetastoreError(f"Metastore {self.path} is closed.")
                cur = self._con.cursor()
                self._cursors.append(cur)
            for name in queries.names("session"):
                queries.run(cur, name)
            for (schema, view), temp_name in self.views.items():
                queries.run(cur, f"views/{schema}/{view}")
            self._local.cursor = cur
        return cur

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A transaction on this thread's cursor: committed if the block succeeds, else rolled back."""
        cur = self.cursor()
        cur.execute("BEGIN TRANSACTION")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        try:
            cur.execute("COMMIT")
        except duckdb.Error:
            # A failed commit (a write conflict) leaves nothing applied; make sure the cursor is
            # out of the transaction before the caller retries.
            with contextlib.suppress(duckdb.Error):
                cur.execute("ROLLBACK")
            raise

    def close(self) -> None:
        with self._lock:
            for cur in self._cursors:
                with contextlib.suppress(duckdb.Error):
                    cur.close()
            self._cursors.clear()
            if self._con is not None:
                self._con.close()
                self._con = None
        if self._temp_storage:
            shutil.rmtree(self._temp_storage, ignore_errors=True)
            self._temp_storage = None

    def __repr__(self) -> str:
        return f"<Metastore {self.path}>"
