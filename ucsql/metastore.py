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
import random
import shutil
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from . import gc, local_clients, queries, storage
from .audit import AuditWriter, writer_for
from .errors import MetastoreError, UcsqlError
from .file_lock import Busy, FileLock
from .limits import query_memory

# DuckDB is told not to touch files, load extensions or scan Python variables: every file ucsql
# reads or writes goes through Python (ucsql.storage), so a query that slipped past the SELECT
# guard still could not read /etc/passwd.
_MIN_DUCKDB_MEMORY = 512 * 2**20
DUCKDB_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "python_enable_replacements": False,
}


def _memory_limit() -> str:
    """DuckDB's memory_limit: what a user query may take (UCSQL_QUERY_MEMORY), but never so
    little that the metastore's own work (bulk imports, indexes) would fail."""
    return f"{max(query_memory(), _MIN_DUCKDB_MEMORY) // 2**20}MB"


def _migrations() -> list[tuple[int, str]]:
    """(version, query name) of every migration file, in order."""
    found = []
    for name in queries.names("migrations"):
        number = name.split("/")[-1].split("_", 1)[0]
        found.append((int(number), name))
    return sorted(found)


def _setting(value: float | None, env: str, default: float) -> float:
    if value is not None:
        return float(value)
    try:
        return float(os.environ.get(env, default))
    except ValueError:
        raise MetastoreError(f"{env}={os.environ[env]!r} is not a number of seconds.") from None


_DUCKDB_MAGIC = (8, b"DUCK")  # a DuckDB file's header: 8 bytes of checksum, then "DUCK"
_OTHER_FILES = [(b"SQLite format 3\x00", "a SQLite database (MLflow's mlflow.db is one: open it "
                 "with registry_uri='sqlite:///...', or bring its models over into a ucsql "
                 "metastore)"),
                (b"PK\x03\x04", "a zip archive"), (b"PAR1", "a Parquet file"),
                (b"\x89PNG", "a PNG image"), (b"%PDF", "a PDF document")]


def _check_file_kind(path: str) -> None:
    """Refuse, before DuckDB sees it, a path that is not a DuckDB database file.

    DuckDB reports such files misleadingly (a SQLite file asks for an extension to be loaded, a
    text file says it is not valid), and a directory fails later as if the file were held.
    Called under ucsql's own lock, so a metastore being created is never read half-written.
    """
    if path == ":memory:" or not os.path.lexists(path):
        return  # a new metastore: created by the opening
    if not os.path.isfile(path):
        what = "a directory" if os.path.isdir(path) else "not a regular file"
        raise MetastoreError(f"{path} is {what}, not a ucsql metastore. Give the path of a "
                             "metastore file (for example ./metastore.duckdb); a new path creates one.")
    with open(path, "rb") as f:
        head = f.read(16)
    offset, magic = _DUCKDB_MAGIC
    if head[offset:offset + len(magic)] == magic:
        return
    if not head:
        raise MetastoreError(f"{path} is an empty file, not a ucsql metastore. Remove it and open "
                             "the path again to create a new metastore there.")
    for start, what in _OTHER_FILES:
        if head.startswith(start):
            break
    else:
        what = "a text file" if _is_text(head) else "not a DuckDB database"
    raise MetastoreError(f"{path} is {what}, not a ucsql metastore (a DuckDB database file). "
                         "Check the path; a path that does not exist yet creates a new metastore.")


def _is_text(head: bytes) -> bool:
    try:
        return all(c.isprintable() or c.isspace() for c in head.decode("utf-8"))
    except UnicodeDecodeError:
        return False


def _is_held(error: duckdb.IOException) -> bool:
    """Whether DuckDB refused the file because another process holds its lock. Matched on
    DuckDB's own words, not on "lock" anywhere: a damaged block or a path such as
    /srv/blocks/m.duckdb must not be waited on and then blamed on another process."""
    text = str(error).lower()
    return "could not set lock" in text or "conflicting lock" in text


def _lock_message(path: str, error: str, waited: float) -> str:
    """Name the process holding the file, from DuckDB's lock error."""
    holder = ""
    if "held in" in error:
        holder = error.split("held in", 1)[1].split(". See", 1)[0].strip().rstrip(".")
    who = f" by {holder}" if holder else " by another process"
    return (f"Metastore {path} is held{who}; waited {waited:g} s for it. Let that process finish "
            "(or close its ucsql session), or wait longer with UCSQL_LOCK_TIMEOUT=<seconds>.")


def record_manifest(cur: duckdb.DuckDBPyConnection, recorded: str,
                    files: list[storage.StoredFile]) -> str:
    """Record the manifest of the folder ``recorded`` and the digest of the versions in it;
    return the digest."""
    queries.run(cur, "queries/insert_stored_files", storage_location=recorded,
                paths=[f.path for f in files], sizes=[f.bytes for f in files],
                hashes=[f.sha256 for f in files])
    digest = storage.digest(files)
    queries.run(cur, "queries/set_location_digest", storage_location=recorded,
                content_digest=digest)
    return digest


class FileHeld(MetastoreError):
    """Another process holds the file, and the caller asked not to wait (``lease(wait=False)``)."""


class FileServed(MetastoreError):
    """``ucsql serve`` holds the file (for its whole life): reach it through the server."""

    def __init__(self, served: local_clients.ServedFile):
        super().__init__(f"Metastore {served.path} is held by ucsql serve (process {served.pid}) "
                         f"at {served.url}. ucsql.connect, the ucsql shell and MLflow's ucsql:/// "
                         "reach it through the server by themselves; to run this, stop the "
                         "server first.")
        self.served = served


def code_schema_version() -> int:
    """The newest schema version this ucsql knows."""
    return _migrations()[-1][0]


class Metastore:
    """One metastore database and where its model files live.

    ``path`` is a file path or ``":memory:"``; ``creator`` is the principal that becomes the admin
    if the file is new. A file written by a newer ucsql is refused; an older one is migrated.

    DuckDB lets one process at a time open a file for writing, so a Metastore holds the file
    only while it works: statements take a lease (``lease()``); when the last lease ends the
    file is released after ``idle_release`` seconds of quiet, or at once if it has been held for
    more than ``max_hold`` seconds (so a busy loop in one process does not starve the others).
    Opening waits up to ``lock_timeout`` seconds for another process to let go, then fails
    naming the holder. Each setting defaults to an environment variable (UCSQL_LOCK_TIMEOUT,
    UCSQL_MAX_HOLD, UCSQL_IDLE_RELEASE). ``:memory:`` metastores are never released.
    """

    def __init__(self, path: str | os.PathLike = ":memory:", *, creator: str,
                 lock_timeout: float | None = None, max_hold: float | None = None,
                 idle_release: float | None = None):
        self.path = str(path)
        self.in_memory = self.path == ":memory:"
        self.created = False  # set when this opening made the file a new metastore
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
        self.lock_timeout = _setting(lock_timeout, "UCSQL_LOCK_TIMEOUT", 60.0)
        self.max_hold = _setting(max_hold, "UCSQL_MAX_HOLD", 0.5)
        self.idle_release = _setting(idle_release, "UCSQL_IDLE_RELEASE", 0.2)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._generation = 0
        self._leases = 0
        self._opened_at = 0.0
        self._yield_next_open = False
        self._idle_timer: threading.Timer | None = None
        self._closed = False
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._kept_open: list[int] = []  # descriptors of the file, closed after DuckDB's
        self._file_lock = None if self.in_memory else FileLock.for_path(self.path)
        self._lock = threading.RLock()
        self._idle_since = 0.0
        self._opener = creator  # who ingests the audit journal (ucsql.audit.AuditJournal)
        # Audit rows of allowed reads, written before the file is released (ucsql.audit).
        self.audit = AuditWriter() if self.in_memory else writer_for(self.path)
        self.views = self._view_names()
        self._view_columns: dict[str, list[str]] = {}  # internal view -> its columns
        self._schema_ready = False
        self.metastore_id = ""
        with self.lease():
            self._upgrade(creator)
            cur = self._con.cursor()
            try:
                self.metastore_id = queries.run(cur, "queries/metastore_id")[1][0][0]
            finally:
                cur.close()
            self._schema_ready = True
            if not self.in_memory:
                self._clean_staging()
                self._ingest_audit_journal()

    # -- opening ---------------------------------------------------------------------------
    def _upgrade(self, creator: str) -> None:
        """Create or migrate the schema; each migration and its version row in one transaction."""
        cur = self._con.cursor()
        try:
            try:  # one query on an existing metastore, the usual case (start-up time)
                current = queries.run(cur, "queries/schema_version")[1][0][0]
            except duckdb.CatalogException:  # no version table: a new file, or not ucsql's
                tables = [r[0] for r in queries.run(cur, "queries/database_tables")[1]]
                if tables:
                    raise MetastoreError(
                        f"{self.path} is a DuckDB database but not a ucsql metastore (it has "
                        f"tables {', '.join(tables[:5])}). Give a new file name to create a "
                        "metastore.") from None
                current = 0
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
                    queries.run(cur, name, default_root=str(self.storage_root))
                    queries.run(cur, "queries/record_migration", version=version,
                                description=name.split("/")[-1])
                    if version == 1:
                        queries.run(cur, "queries/bootstrap_metastore", admin=creator,
                                    metastore_id=str(uuid.uuid4()))
                        self.created = True
                    if version == 4:
                        self._digest_existing_files(cur)
                    cur.execute("COMMIT")
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
        finally:
            cur.close()

    def _digest_existing_files(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Migration 0004's second half: the manifest and digest of every existing version's
        files, from the files as they are (a folder already missing keeps no digest, and
        ``ucsql check`` reports it), and the marker of the roots that hold them."""
        metastore_id = queries.run(cur, "queries/metastore_id")[1][0][0]
        for (recorded,) in queries.run(cur, "queries/undigested_locations")[1]:
            folder = storage.resolve(recorded, self.storage_root)
            try:
                files = storage.manifest(folder) if folder.is_dir() else None
            except (OSError, UcsqlError):
                files = None
            if files is None:
                continue
            record_manifest(cur, recorded, files)
        # The folder beside the file is this metastore's by its name; the roots of MANAGED
        # LOCATIONs are claimed the first time a version is written there, once checked.
        if self.storage_root.is_dir():
            storage.claim_root(self.storage_root, metastore_id)

    @staticmethod
    def _view_names() -> dict[tuple[str, str], str]:
        """(schema, view) of every system view -> its TEMP view name (``sql/views/<schema>/``)."""
        views = {}
        for schema_dir in sorted(p for p in (queries.sql_dir() / "views").iterdir() if p.is_dir()):
            for file in sorted(schema_dir.glob("*.sql")):
                views[(schema_dir.name, file.stem)] = f"sys__{schema_dir.name}__{file.stem}"
        return views

    # -- holding the file --------------------------------------------------------------------
    @contextlib.contextmanager
    def lease(self, wait: bool = True) -> Iterator[None]:
        """Hold the file open for the duration of the block (re-entrant, shared by threads).
        ``wait=False``: if another process holds the file, raise ``FileHeld`` at once."""
        with self._lock:
            if self._closed:
                raise MetastoreError(f"Metastore {self.path} is closed.")
            if self._con is None:
                self._open(wait)
            self._leases += 1
        self._local.leases = getattr(self._local, "leases", 0) + 1
        try:
            yield
        finally:
            self._local.leases -= 1
            with self._lock:
                self._leases -= 1
                if self._leases == 0:
                    self._release_soon()

    def _open(self, wait: bool = True) -> None:
        """Open the file, waiting (bounded) while another process holds it."""
        if self._yield_next_open and wait:
            # We just let go because we held the file long: give a waiting process the chance.
            time.sleep(random.uniform(0.002, 0.02))
            self._yield_next_open = False
        deadline = time.monotonic() + self.lock_timeout
        if self._file_lock is not None and os.path.exists(local_clients.serving_file(self.path)):
            served = local_clients.find(self.path)  # a server never lets go: do not wait
            if served is not None:
                raise FileServed(served)
        if self._file_lock is not None:  # ucsql's own lock first (ucsql.file_lock says why)
            try:
                self._file_lock.acquire(self.lock_timeout, wait)
            except Busy as e:
                message = _lock_message(self.path, f"held in {e.holder}" if e.holder else "",
                                        self.lock_timeout if wait else 0)
                raise (MetastoreError if wait else FileHeld)(message) from None
            except OSError as e:
                raise MetastoreError(f"Cannot lock metastore {self.path}: cannot open "
                                     f"{self._file_lock.path} ({e.strerror or e}). Check that "
                                     "the folder is writable and the lock file is a file.") from None
        try:
            _check_file_kind(self.path)
            self._connect(deadline, wait)
        except BaseException:
            if self._file_lock is not None:
                self._file_lock.release()
            raise
        self._generation += 1
        self._opened_at = time.monotonic()
        if not self.in_memory and self._leases == 0 and self._schema_ready:
            # No statement of ours is running and no other process can be: leftovers of a
            # registration that died are garbage (ucsql.gc).
            self._clean_staging()
        if self._schema_ready and not self.in_memory:
            self._ingest_audit_journal()

    def _connect(self, deadline: float, wait: bool) -> None:
        """duckdb.connect, waiting (bounded) while a process that is not ucsql (the DuckDB CLI,
        say) has the file open."""
        delay = 0.002
        while True:
            try:
                self._con = duckdb.connect(self.path, config={
                    **DUCKDB_CONFIG, "memory_limit": _memory_limit()})
                return
            except duckdb.IOException as e:
                held = _is_held(e)
                if not wait and held:
                    raise FileHeld(_lock_message(self.path, str(e), 0)) from None
                if not held:  # not held: damaged or unreadable
                    raise MetastoreError(
                        f"{self.path} cannot be read as a ucsql metastore: "
                        f"{str(e).splitlines()[0]}. It may be truncated or damaged: restore it "
                        "from a backup (ucsql backup makes one).") from None
                if time.monotonic() >= deadline:
                    raise MetastoreError(_lock_message(self.path, str(e), self.lock_timeout)) from None
                time.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, 0.05)
            except duckdb.Error as e:
                raise MetastoreError(f"{self.path} is not a DuckDB metastore file: {e}") from None

    def _clean_staging(self) -> None:
        cur = self._con.cursor()
        try:
            gc.clean_staging(cur, self.storage_root, self.metastore_id)
        finally:
            cur.close()

    def _ingest_audit_journal(self) -> None:
        """Write the audit rows other processes journaled while we could not have the file
        (ucsql.audit.AuditJournal). A failure is a warning, never a reason not to open: the
        journal stays for the next opening."""
        journal = self.audit.journal
        if journal is None or not journal.pending():
            return
        try:
            journal.ingest(self._con, self._opener)
        except (duckdb.Error, OSError) as e:
            warnings.warn(f"ucsql could not write the audit journal {journal.path} into "
                          f"{self.path}: {e}; it is kept and written at the next opening.",
                          RuntimeWarning, stacklevel=2)

    def _release_soon(self) -> None:
        """Called with the lock held when the last lease ends."""
        if self.in_memory or self._con is None:
            return
        if time.monotonic() - self._opened_at >= self.max_hold or self.idle_release <= 0:
            self._yield_next_open = self.idle_release > 0
            self._close_connection()
            return
        # One timer per idle period, not per statement (starting a thread costs more than a
        # point query): it checks, when it fires, whether the file has been idle long enough.
        self._idle_since = time.monotonic()
        if self._idle_timer is None:
            self._start_idle_timer(self.idle_release)

    def _start_idle_timer(self, delay: float) -> None:
        self._idle_timer = threading.Timer(delay, self._release_if_idle)
        # Not a daemon: at exit Python waits for it (at most idle_release seconds), so the file
        # is closed before the interpreter tears down; a daemon timer closing DuckDB during
        # shutdown aborts the process.
        self._idle_timer.daemon = False
        self._idle_timer.start()

    def _release_if_idle(self) -> None:
        with self._lock:
            self._idle_timer = None
            if self._leases > 0 or self._con is None:
                return  # busy: the lease that ends last starts the next timer
            remaining = self._idle_since + self.idle_release - time.monotonic()
            if remaining > 0:
                self._start_idle_timer(remaining)
                return
            self._close_connection()

    def _close_connection(self) -> None:
        if self._con is not None and not self.in_memory:
            # No other process can open the file before we let go: write the deferred audit
            # rows now and nobody ever reads a log without them.
            try:
                self.audit.flush(self._con)
            except duckdb.Error as e:
                warnings.warn(f"ucsql could not write {len(self.audit)} audit rows of reads to "
                              f"{self.path}: {e}; they are kept and written at the next opening.",
                              RuntimeWarning, stacklevel=2)
        for cur in self._cursors:
            with contextlib.suppress(duckdb.Error):
                cur.close()
        self._cursors.clear()
        if self._con is not None:
            with contextlib.suppress(duckdb.Error):
                self._con.close()
            self._con = None
            if self._file_lock is not None:  # only once DuckDB has closed the file
                self._file_lock.release()
        for fd in self._kept_open:  # after DuckDB let go (see copy_database)
            os.close(fd)
        self._kept_open.clear()

    # -- cursors and transactions ----------------------------------------------------------
    def cursor(self, prepared: bool = True) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the open file, with every session macro of ``sql/session``
        made on it (``prepared=False``: only those made so far; the engine makes the ones a
        statement needs with ``prepare``, since making all of them costs more than a short
        statement does).

        Use it inside ``lease()``; outside one the file is opened for a moment (released when
        idle), which suits a quick look but not a long read."""
        with self._lock:
            if self._con is None:
                if self._closed:
                    raise MetastoreError(f"Metastore {self.path} is closed.")
                self._open()
                if self._leases == 0:
                    self._release_soon()
            state = getattr(self._local, "state", None)
            if state is None or state[0] != self._generation:
                cur = self._con.cursor()
                self._cursors.append(cur)
                state = None
            generation = self._generation
        if state is None:
            queries.run(cur, "queries/set_default_root", default_root=str(self.storage_root))
            state = self._local.state = (generation, cur, set(), {}, set())
        if prepared:
            self.prepare(state[1], queries.names("session"))
        return state[1]

    def prepare(self, cur: duckdb.DuckDBPyConnection, sessions,
                on_rollback: Callable[[Callable[[], None]], None] | None = None) -> None:
        """Make the ``sql/session`` objects named (``Query.needs``) on this thread's cursor, each
        once. Made inside a transaction that is rolled back, they are gone with it:
        ``on_rollback`` hears how to forget that they were made."""
        made = self._local.state[4]
        for name in sessions:
            if name not in made:
                queries.run(cur, name)
                made.add(name)
                if on_rollback is not None:
                    on_rollback(lambda name=name: made.discard(name))

    def cursor_state(self, cur: duckdb.DuckDBPyConnection) -> dict:
        """Facts the engine keeps about what this thread's cursor holds (e.g. whose
        ucsql_visible_now it is); they go with the cursor when the file is released."""
        return self._local.state[3]

    def ensure_views(self, cur: duckdb.DuckDBPyConnection, views,
                     on_rollback: Callable[[Callable[[], None]], None]) -> None:
        """Create the TEMP views of the system views a query reads, once per cursor (they are
        made on demand: creating all of them costs more than opening the file). A view made in
        a transaction that is rolled back is gone with it: ``on_rollback`` hears how to forget
        that it was made."""
        made = self._local.state[2]
        for schema, view in views:
            if (schema, view) not in made:
                query = queries.load(f"views/{schema}/{view}")
                self.prepare(cur, query.needs, on_rollback)
                query.run(cur)
                made.add((schema, view))
                on_rollback(lambda key=(schema, view): made.discard(key))

    def view_rows(self, cur: duckdb.DuckDBPyConnection, view: tuple[str, str],
                  columns: frozenset[str] | None):
        """The caller's rows of a system view made by ``ensure_views``, as Arrow: only the
        ``columns`` named (all when None; the first when none, so the rows still count)."""
        internal = self.views[view]
        every = self._view_columns.get(internal)
        if every is None:
            every = cur.sql(f'SELECT * FROM temp.main."{internal}" LIMIT 0').columns
            self._view_columns[internal] = every
        chosen = every if columns is None else [c for c in every if c.lower() in columns]
        listed = ", ".join('"' + c.replace('"', '""') + '"' for c in chosen or every[:1])
        return cur.sql(f'SELECT {listed} FROM temp.main."{internal}"').to_arrow_table()

    @contextlib.contextmanager
    def transaction(self, prepared: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A transaction on this thread's cursor: committed if the block succeeds, else rolled
        back. ``prepared``: as for ``cursor``."""
        with self.lease():
            cur = self.cursor(prepared)
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            try:
                cur.execute("COMMIT")
            except duckdb.Error:
                # A failed commit (a write conflict) leaves nothing applied; make sure the cursor
                # is out of the transaction before the caller retries.
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                raise

    def flush_audit(self) -> None:
        """Write the audit rows of reads that are waiting (ucsql.audit) now, e.g. before
        reading the log's table directly."""
        with self.lease():
            self.audit.flush(self._con)

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open connection (inside ``lease()`` only), e.g. for a transaction of its own."""
        if self._con is None:
            raise MetastoreError(f"Metastore {self.path} is not open; take a lease first.")
        return self._con

    @contextlib.contextmanager
    def alone(self) -> Iterator[None]:
        """Inside a statement's lease: make sure no other statement of this process runs, and
        none starts, until the block ends; no other process can either, since this one holds the
        file. Garbage collection and backups need that (a registration in flight has files that
        no row names yet)."""
        with self._lock:  # lease() takes it to start: no statement can start meanwhile
            if self._leases > getattr(self._local, "leases", 0):  # leases of other threads
                raise MetastoreError("Other statements are running on this metastore in this "
                                     "process; run this when they are done.")
            yield

    def copy_database(self, dest: Path) -> None:
        """Copy the metastore file (and its write-ahead log, which DuckDB replays on opening)
        to ``dest``, inside ``alone()``: nothing writes to it meanwhile, so the copy is the state
        of the last commit."""
        if self.in_memory:
            raise MetastoreError("An in-memory metastore has no file to back up.")
        for source, target in ((self.path, dest), (self.path + ".wal", Path(f"{dest}.wal"))):
            try:
                fd = os.open(source, os.O_RDONLY)
            except FileNotFoundError:  # no log: everything is in the file
                continue
            # DuckDB locks the file with fcntl, and POSIX drops every such lock of a process on a
            # file when the process closes *any* descriptor of it: this one is closed only once
            # the connection has let go of the file (_close_connection).
            self._kept_open.append(fd)
            with open(target, "xb") as out:
                os.lseek(fd, 0, os.SEEK_SET)
                while chunk := os.read(fd, 8 << 20):
                    out.write(chunk)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._idle_timer is not None:
                self._idle_timer.cancel()
                self._idle_timer = None
            self._close_connection()
        if self._temp_storage:
            shutil.rmtree(self._temp_storage, ignore_errors=True)
            self._temp_storage = None

    def __repr__(self) -> str:
        return f"<Metastore {self.path}>"
