"""The metastore file: bootstrap, reopening, versions, and use from several threads."""

from __future__ import annotations

import threading

import duckdb
import pytest

import ucsql
from ucsql.errors import MetastoreError
from ucsql.metastore import code_schema_version


def test_new_metastore_is_bootstrapped(admin):
    assert admin.sql("SHOW CATALOGS").fetchall() == [("main", "admin", "Default catalog")]
    assert admin.sql("SHOW SCHEMAS IN main").fetchall() == [
        ("main", "default", "admin", "Default schema")]
    assert admin.sql("SHOW GRANTS ON SCHEMA main.default").fetchall() == [
        ("account users", "USE_CATALOG", "CATALOG", "main"),
        ("account users", "CREATE_MODEL", "SCHEMA", "main.default"),
        ("account users", "USE_SCHEMA", "SCHEMA", "main.default"),
    ]


def test_quickstart_needs_no_grant(admin):
    """Anyone can create a model in main.default, and one-part names resolve there."""
    dana = admin.as_principal("dana")
    assert dana.sql("CREATE MODEL iris").message == "Created model main.default.iris."
    assert dana.sql("SHOW MODELS IN main.default").fetchall()[0][:2] == ("main.default.iris", "dana")
    assert dana.sql("DESCRIBE MODEL default.iris").fetchall()[0] == ("model_name", "main.default.iris")


def test_creator_of_the_file_is_admin_and_others_are_not(metastore_path):
    with ucsql.connect(metastore_path, principal="root") as cat:
        cat.sql("CREATE CATALOG prod")
    with ucsql.connect(metastore_path, principal="eve") as cat:
        with pytest.raises(ucsql.errors.PermissionDenied) as e:
            cat.sql("CREATE CATALOG dev")
        assert str(e.value) == ("Permission denied: eve cannot create catalog dev: missing "
                                "CREATE_CATALOG on METASTORE metastore.")


def _table_contents(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall()))
                for t in tables}
    finally:
        con.close()


def test_reopening_changes_nothing(metastore_path):
    with ucsql.connect(metastore_path, principal="admin") as cat:
        cat.sql("CREATE CATALOG prod COMMENT 'p'; CREATE SCHEMA prod.ml; CREATE MODEL prod.ml.m")
    before = _table_contents(metastore_path)
    with ucsql.connect(metastore_path, principal="someone") as cat:
        pass
    assert _table_contents(metastore_path) == before
    assert before["ucsql_schema_version"][-1].startswith(f"({code_schema_version()}, ")


def test_newer_metastore_is_refused(metastore_path):
    ucsql.connect(metastore_path, principal="admin").close()
    con = duckdb.connect(str(metastore_path))
    con.execute("INSERT INTO ucsql_schema_version VALUES (9999, '9999_future.sql', now())")
    con.close()
    with pytest.raises(MetastoreError) as e:
        ucsql.connect(metastore_path, principal="admin")
    assert str(e.value) == (
        f"Metastore {metastore_path} has schema version 9999, newer than this ucsql knows "
        f"(up to {code_schema_version()}). Upgrade ucsql (pip install -U ucsql) to open it.")


def test_other_duckdb_file_is_refused(metastore_path):
    con = duckdb.connect(str(metastore_path))
    con.execute("CREATE TABLE sales(x INT)")
    con.close()
    with pytest.raises(MetastoreError, match="is a DuckDB database but not a ucsql metastore"):
        ucsql.connect(metastore_path, principal="admin")


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(MetastoreError, match="does not exist. Create it first."):
        ucsql.connect(tmp_path / "nope" / "m.duckdb", principal="admin")


def test_statements_from_many_threads(admin):
    """Each thread gets its own cursor; concurrent writers all land, none is lost."""
    admin.sql("CREATE CATALOG prod; CREATE SCHEMA prod.ml")
    errors = []

    def work(i):
        try:
            for j in range(5):
                admin.sql(f"CREATE MODEL prod.ml.m_{i}_{j}")
                admin.sql(f"SET TAG ON MODEL prod.ml.m_{i}_{j} thread = '{i}'")
                admin.sql("SELECT count(*) FROM system.information_schema.registered_models")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert admin.sql("SELECT count(*) FROM system.information_schema.model_tags").scalar() == 20


def test_the_file_lock_recovers_when_its_descriptor_was_closed_behind_its_back(tmp_path):
    """Seen once in CI: the lock's descriptor was closed by something else in the process, and
    the next opening failed with EBADF. The lock opens its file again and takes it."""
    import os

    from ucsql.file_lock import FileLock
    lock = FileLock(str(tmp_path / "m.duckdb.lock"))
    lock.acquire(1)
    lock.release()
    os.close(lock._fd)  # what happened behind its back
    lock.acquire(1)
    assert lock.holder().startswith(f"process {os.getpid()} ")
    os.close(lock._fd)
    lock.release()  # a release through a closed descriptor is not an error either
    lock.acquire(1)
    lock.release()
