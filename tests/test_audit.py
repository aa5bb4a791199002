"""The audit log: exactly one row per statement, allowed or refused, naming who did what to which
object, when and with what result; and nothing but appending ever touches it, through any
interface (SQL, the Python API, the CLI, the MLflow façade).

Rows are read as the admin through ``system.access.audit``. Each check brackets the statement
with two counting queries (themselves audited), so the rows between them are exactly: the first
count, the statement's own rows, the second count.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot.tokens import TokenType

import ucsql
from ucsql import queries
from ucsql.errors import (
    AlreadyExists,
    InvalidArgument,
    NotFound,
    ParseError,
    PermissionDenied,
    UcsqlError,
    UnsupportedStatement,
)

from .conftest import write_model_dir

ROOT = Path(__file__).parent.parent
COLUMNS = ("audit_id", "event_time", "principal", "action", "securable_kind", "securable_name",
           "result", "detail", "statement")

SETUP = """
    CREATE CATALOG prod; CREATE SCHEMA prod.ml; CREATE MODEL prod.ml.iris;
    ALTER MODEL prod.ml.iris ADD VERSION FROM '{dir}';
    ALTER MODEL prod.ml.iris SET ALIAS champ TO VERSION 1;
    SET TAG ON CATALOG prod t = 'v'; ALTER MODEL prod.ml.iris SET TAGS ('a' = 'b');
    ALTER MODEL prod.ml.iris VERSION 1 SET TAGS ('a' = 'b');
    CREATE USER bob; CREATE USER carol; CREATE USER dave;
    CREATE GROUP team; CREATE GROUP helpers; ALTER GROUP team ADD USER bob;
"""


@dataclass
class Env:
    tmp: Path
    path: Path
    admin: ucsql.Catalog
    model_dir: Path

    def as_(self, principal: str) -> ucsql.Catalog:
        return self.admin.as_principal(principal)


@pytest.fixture
def env(tmp_path):
    path = tmp_path / "m.duckdb"
    admin = ucsql.connect(path, principal="admin")
    model_dir = write_model_dir(tmp_path / "model_src")
    admin.sql(SETUP.format(dir=model_dir))
    e = Env(tmp_path, path, admin, model_dir)
    yield e
    e.admin.close()


def rows_after(admin: ucsql.Catalog, audit_id: int) -> list[dict[str, Any]]:
    result = admin.sql(f"SELECT {', '.join(COLUMNS)} FROM system.access.audit "
                       "WHERE audit_id > ? ORDER BY audit_id", [audit_id])
    return [dict(zip(COLUMNS, row)) for row in result.fetchall()]


COUNT = "SELECT count(*), coalesce(max(audit_id), 0) FROM system.access.audit"


def count(admin: ucsql.Catalog) -> tuple[int, int]:
    return admin.sql(COUNT).fetchone()


def without_counts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows but those of ``count`` itself. (A read's row may be written after rows of other
    metastore handles: it waits until this handle writes or lets the file go; ucsql.audit.)"""
    return [r for r in rows if r["statement"] != COUNT]


def audited(env: Env, actor: str, statement: str,
            error: type[BaseException] | None = None) -> list[dict[str, Any]]:
    """Run ``statement`` as ``actor`` between two counts; return the rows it added."""
    n0, mark = count(env.admin)
    if error is None:
        env.as_(actor).sql(statement)
    else:
        with pytest.raises(error):
            env.as_(actor).sql(statement)
    n1, _ = count(env.admin)
    rows = rows_after(env.admin, mark)
    # The first count, the statement's rows, the second count.
    assert rows[0]["action"] == "SELECT" and rows[-1]["action"] == "SELECT", rows
    added = rows[1:-1]
    assert n1 - n0 == len(added) + 1
    ids = [r["audit_id"] for r in rows]
    assert ids == sorted(ids) and len(set(ids)) == len(ids), ids
    times = [r["event_time"] for r in rows]
    assert None not in times and times == sorted(times), times
    return added


# --- one row per statement ------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    statement: str
    action: str
    kind: str | None
    name: str | None
    actor: str = "admin"
    result: str = "ALLOWED"
    error: type[BaseException] | None = None
    setup: str = ""

    def param(self):
        return pytest.param(self, id=f"{self.actor}: {self.statement[:50]}")


CHANGES = [
    Case("CREATE CATALOG c2", "CREATE_CATALOG", "CATALOG", "c2"),
    Case("CREATE CATALOG IF NOT EXISTS prod", "CREATE_CATALOG", "CATALOG", "prod"),
    Case("CREATE SCHEMA prod.s2", "CREATE_SCHEMA", "SCHEMA", "prod.s2"),
    Case("CREATE DATABASE prod.s3", "CREATE_SCHEMA", "SCHEMA", "prod.s3"),
    Case("CREATE MODEL prod.ml.m2", "CREATE_MODEL", "MODEL", "prod.ml.m2"),
    Case("DROP MODEL prod.ml.iris", "DROP_MODEL", "MODEL", "prod.ml.iris"),
    Case("DROP SCHEMA prod.ml CASCADE", "DROP_SCHEMA", "SCHEMA", "prod.ml"),
    Case("DROP CATALOG prod CASCADE", "DROP_CATALOG", "CATALOG", "prod"),
    Case("DROP CATALOG IF EXISTS nope", "DROP_CATALOG", "CATALOG", "nope"),
    Case("ALTER MODEL prod.ml.iris ADD VERSION FROM '{dir}'", "ADD_MODEL_VERSION", "MODEL",
         "prod.ml.iris version 2"),
    Case("ALTER MODEL prod.ml.iris ADD VERSION FROM MODEL prod.ml.iris VERSION 1",
         "ADD_MODEL_VERSION", "MODEL", "prod.ml.iris version 2"),
    Case("ALTER MODEL prod.ml.iris DROP VERSION 1", "DROP_MODEL_VERSION", "MODEL",
         "prod.ml.iris version 1"),
    Case("ALTER MODEL prod.ml.iris RENAME TO iris2", "RENAME_MODEL", "MODEL", "prod.ml.iris"),
    Case("ALTER CATALOG prod OWNER TO team", "SET_OWNER_CATALOG", "CATALOG", "prod"),
    Case("ALTER SCHEMA prod.ml SET OWNER TO team", "SET_OWNER_SCHEMA", "SCHEMA", "prod.ml"),
    Case("ALTER MODEL prod.ml.iris OWNER TO team", "SET_OWNER_MODEL", "MODEL", "prod.ml.iris"),
    Case("ALTER METASTORE OWNER TO admin", "SET_OWNER_METASTORE", "METASTORE", "metastore"),
    Case("COMMENT ON CATALOG prod IS 'x'", "COMMENT_ON_CATALOG", "CATALOG", "prod"),
    Case("COMMENT ON SCHEMA prod.ml IS NULL", "COMMENT_ON_SCHEMA", "SCHEMA", "prod.ml"),
    Case("COMMENT ON MODEL prod.ml.iris IS 'x'", "COMMENT_ON_MODEL", "MODEL", "prod.ml.iris"),
    Case("COMMENT ON MODEL prod.ml.iris VERSION 1 IS 'x'", "COMMENT_ON_MODEL", "MODEL",
         "prod.ml.iris"),
    Case("ALTER MODEL prod.ml.iris SET ALIAS other TO VERSION 1", "SET_ALIAS", "MODEL",
         "prod.ml.iris"),
    Case("ALTER MODEL prod.ml.iris DROP ALIAS champ", "DROP_ALIAS", "MODEL", "prod.ml.iris"),
    Case("SET TAG ON CATALOG prod u = 'v'", "SET_TAGS", "CATALOG", "prod"),
    Case("UNSET TAG ON CATALOG prod t", "UNSET_TAGS", "CATALOG", "prod"),
    Case("ALTER SCHEMA prod.ml SET TAGS ('a' = 'b')", "SET_TAGS", "SCHEMA", "prod.ml"),
    Case("SET TAG ON FUNCTION prod.ml.iris k = 'v'", "SET_TAGS", "MODEL", "prod.ml.iris"),
    Case("ALTER MODEL prod.ml.iris UNSET TAGS ('a')", "UNSET_TAGS", "MODEL", "prod.ml.iris"),
    Case("ALTER MODEL prod.ml.iris VERSION 1 SET TAGS ('c' = 'd')", "SET_TAGS", "MODEL",
         "prod.ml.iris"),
    Case("ALTER MODEL prod.ml.iris VERSION 1 UNSET TAGS ('a')", "UNSET_TAGS", "MODEL",
         "prod.ml.iris"),
    Case("CREATE USER erin", "CREATE_USER", "USER", "erin"),
    Case("DROP USER dave", "DROP_USER", "USER", "dave"),
    Case("CREATE GROUP g2", "CREATE_GROUP", "GROUP", "g2"),
    Case("CREATE GROUP IF NOT EXISTS team", "CREATE_GROUP", "GROUP", "team"),
    Case("DROP GROUP helpers", "DROP_GROUP", "GROUP", "helpers"),
    Case("ALTER GROUP team ADD USER carol, dave", "ALTER_GROUP", "GROUP", "team"),
    Case("ALTER GROUP team DROP USER bob", "ALTER_GROUP", "GROUP", "team"),
    Case("ALTER GROUP team ADD GROUP helpers", "ALTER_GROUP", "GROUP", "team"),
    Case("GRANT USE CATALOG ON CATALOG prod TO team", "GRANT", "CATALOG", "prod"),
    Case("GRANT USE SCHEMA, EXECUTE ON SCHEMA prod.ml TO team, bob", "GRANT", "SCHEMA", "prod.ml"),
    Case("GRANT EXECUTE ON FUNCTION prod.ml.iris TO bob", "GRANT", "MODEL", "prod.ml.iris"),
    Case("GRANT CREATE CATALOG ON METASTORE TO bob", "GRANT", "METASTORE", "metastore"),
    Case("REVOKE USE CATALOG ON CATALOG prod FROM team", "REVOKE", "CATALOG", "prod"),
    Case("REVOKE CREATE CATALOG ON METASTORE FROM bob", "REVOKE", "METASTORE", "metastore"),
]

REFUSALS = [
    # privileges
    Case("CREATE CATALOG c3", "CREATE_CATALOG", "CATALOG", "c3", "bob", "DENIED",
         PermissionDenied),
    Case("DROP CATALOG prod", "DROP_CATALOG", "CATALOG", "prod", "bob", "DENIED",
         PermissionDenied),
    Case("GRANT USE CATALOG ON CATALOG prod TO bob", "GRANT", "CATALOG", "prod", "bob", "DENIED",
         PermissionDenied),
    Case("GRANT CREATE CATALOG ON METASTORE TO bob", "GRANT", "METASTORE", "metastore", "bob",
         "DENIED", PermissionDenied),
    Case("CREATE GROUP h", "CREATE_GROUP", "GROUP", "h", "bob", "DENIED", PermissionDenied),
    Case("CREATE USER zoe", "CREATE_USER", "USER", "zoe", "bob", "DENIED", PermissionDenied),
    Case("ALTER GROUP team ADD USER bob", "ALTER_GROUP", "GROUP", "team", "bob", "DENIED",
         PermissionDenied),
    Case("ALTER METASTORE OWNER TO bob", "SET_OWNER_METASTORE", "METASTORE", "metastore", "bob",
         "DENIED", PermissionDenied),
    Case("SET TAG ON CATALOG prod t = 'w'", "SET_TAGS", "CATALOG", "prod", "bob", "DENIED",
         PermissionDenied, setup="GRANT USE CATALOG ON CATALOG prod TO bob"),
    Case("ALTER MODEL prod.ml.iris SET ALIAS a TO VERSION 1", "SET_ALIAS", "MODEL",
         "prod.ml.iris", "bob", "DENIED", PermissionDenied,
         setup=("GRANT USE CATALOG ON CATALOG prod TO bob; "
                "GRANT USE SCHEMA ON SCHEMA prod.ml TO bob")),
    Case("SELECT * FROM system.access.audit", "SELECT", None, "system.access.audit", "bob",
         "DENIED", PermissionDenied),
    # statements ucsql does not run
    Case("INSERT INTO ucsql_audit VALUES (1)", "INSERT", None, None, "bob", "DENIED",
         UnsupportedStatement),
    Case("DELETE FROM system.access.audit", "DELETE", None, None, "admin", "DENIED",
         UnsupportedStatement),
    Case("UPDATE ucsql_grant SET privilege = 'MANAGE'", "UPDATE", None, None, "admin", "DENIED",
         UnsupportedStatement),
    Case("ATTACH 'x.duckdb' AS x", "ATTACH", None, None, "bob", "DENIED", UnsupportedStatement),
    Case("COPY ucsql_grant TO 'x.csv'", "COPY", None, None, "admin", "DENIED",
         UnsupportedStatement),
    Case("PRAGMA database_list", "PRAGMA", None, None, "bob", "DENIED", UnsupportedStatement),
    Case("SET threads = 1", "SET", None, None, "admin", "DENIED", UnsupportedStatement),
    Case("CREATE TABLE t (x INT)", "CREATE TABLE", None, None, "admin", "DENIED",
         UnsupportedStatement),
    Case("DROP TABLE ucsql_audit", "DROP TABLE", None, None, "admin", "DENIED",
         UnsupportedStatement),
    # the SELECT guard
    Case("SELECT * FROM ucsql_grant", "SELECT", None, None, "bob", "DENIED", PermissionDenied),
    Case("SELECT * FROM read_csv('/etc/passwd')", "SELECT", None, None, "admin", "DENIED",
         PermissionDenied),
    Case("SELECT getenv('HOME')", "SELECT", None, None, "bob", "DENIED", PermissionDenied),
    Case("WITH d AS (DELETE FROM ucsql_audit RETURNING *) SELECT * FROM d", "SELECT", None, None,
         "admin", "DENIED", PermissionDenied),
    # failures
    Case("DROP CATALOG nope", "DROP_CATALOG", "CATALOG", "nope", "admin", "FAILED", NotFound),
    Case("GRANT USE CATALOG ON CATALOG prod TO nobody", "GRANT", "CATALOG", "prod", "admin",
         "FAILED", NotFound),
    Case("CREATE CATALOG prod", "CREATE_CATALOG", "CATALOG", "prod", "admin", "FAILED",
         AlreadyExists),
    Case("ALTER MODEL prod.ml.iris SET ALIAS latest TO VERSION 1", "SET_ALIAS", "MODEL",
         "prod.ml.iris", "admin", "FAILED", InvalidArgument),
    Case("CREAT CATALOG x", "PARSE", None, None, "bob", "FAILED", ParseError),
    Case("SELECT nope FROM system.information_schema.catalogs", "SELECT", None,
         "system.information_schema.catalogs", "bob", "FAILED", UcsqlError),
]


def _check_row(env: Env, row: dict[str, Any], case: Case, statement: str) -> None:
    assert (row["principal"], row["action"], row["result"]) == \
        (case.actor, case.action, case.result), row
    assert (row["securable_kind"], row["securable_name"]) == (case.kind, case.name), row
    assert row["statement"] == statement, row
    if case.result != "ALLOWED":
        assert row["detail"], row  # why it was refused


@pytest.mark.parametrize("case", [c.param() for c in CHANGES])
def test_every_change_is_audited_once(env, case):
    statement = case.statement.replace("{dir}", str(env.model_dir))
    if case.setup:
        env.admin.sql(case.setup)
    added = audited(env, case.actor, statement, case.error)
    assert len(added) == 1, added
    _check_row(env, added[0], case, statement)


@pytest.mark.parametrize("case", [c.param() for c in REFUSALS])
def test_every_refusal_is_audited_once(env, case):
    if case.setup:
        env.admin.sql(case.setup)
    added = audited(env, case.actor, case.statement, case.error)
    assert len(added) == 1, added
    _check_row(env, added[0], case, case.statement)


def test_guard_refusals_name_the_refused_table_or_function_in_the_row(env):
    for statement, refused in [("SELECT * FROM ucsql_grant", "ucsql_grant"),
                               ("SELECT * FROM read_text('/etc/hostname')", "read_text"),
                               ("SELECT current_setting('threads')", "current_setting")]:
        [row] = audited(env, "bob", statement, PermissionDenied)
        assert refused in (row["detail"] or ""), row


@pytest.mark.parametrize("statement", ["VALUES (1)", "VALUES (1), (2)"])
def test_values_query_is_audited_once(env, statement):
    """VALUES is one of the query starts the dialect reads (SELECT, WITH, FROM, VALUES, '('):
    whatever the engine makes of it, it is one audited statement."""
    _, mark = count(env.admin)
    try:
        env.as_("bob").sql(statement)
    except UcsqlError:
        pass
    rows = without_counts(rows_after(env.admin, mark))
    mine = [r for r in rows if r["principal"] == "bob"]
    assert len(mine) == 1, rows


def test_a_refused_parameter_is_audited_once(env):
    """A parameter ucsql refuses (a lone surrogate) refuses the statement: one FAILED row."""
    _, mark = count(env.admin)
    with pytest.raises(InvalidArgument):
        env.as_("bob").sql("SET TAG ON CATALOG prod t = ?", ["\ud800"])
    rows = without_counts(rows_after(env.admin, mark))
    assert [(r["principal"], r["action"], r["result"]) for r in rows] == [
        ("bob", "SET_TAGS", "FAILED")], rows


def test_a_script_is_audited_statement_by_statement(env):
    added = audited(env, "admin", "CREATE CATALOG a1; CREATE CATALOG a2; SHOW CATALOGS")
    assert [(r["action"], r["securable_name"], r["result"]) for r in added] == [
        ("CREATE_CATALOG", "a1", "ALLOWED"), ("CREATE_CATALOG", "a2", "ALLOWED"),
        ("SHOW_CATALOGS", None, "ALLOWED")]
    # A script stops at its first failure: the statements after it are neither run nor audited.
    added = audited(env, "admin", "CREATE CATALOG b1; DROP CATALOG nope; CREATE CATALOG b2",
                    NotFound)
    assert [(r["action"], r["securable_name"], r["result"]) for r in added] == [
        ("CREATE_CATALOG", "b1", "ALLOWED"), ("DROP_CATALOG", "nope", "FAILED")]
    # A script that does not parse runs nothing: one row for the whole script.
    added = audited(env, "admin", "CREATE CATALOG c1;\nCREAT CATALOG c2", ParseError)
    assert [(r["action"], r["result"]) for r in added] == [("PARSE", "FAILED")]
    added = audited(env, "admin", "CREATE CATALOG d1; DELETE FROM ucsql_audit",
                    UnsupportedStatement)
    assert [(r["action"], r["result"]) for r in added] == [("DELETE", "DENIED")]
    catalogs = {r[0] for r in env.admin.sql("SHOW CATALOGS").fetchall()}
    assert {"a1", "a2", "b1"} <= catalogs and not {"b2", "c1", "d1"} & catalogs


def test_mlflow_calls_are_audited_as_their_statements(env, monkeypatch):
    from mlflow.exceptions import MlflowException

    from ucsql.mlflow_store import UcsqlRegistryStore

    monkeypatch.setenv("UCSQL_PRINCIPAL", "admin")
    store = UcsqlRegistryStore(f"ucsql://{env.path}")
    try:
        _, mark = count(env.admin)
        store.create_registered_model("prod.ml.m3")
        monkeypatch.setenv("UCSQL_PRINCIPAL", "erin")
        with pytest.raises(MlflowException):
            store.set_registered_model_alias("prod.ml.iris", "a", 1)
        rows = without_counts(rows_after(env.admin, mark))
        assert [(r["principal"], r["action"], r["securable_name"], r["result"]) for r in rows
                if r["action"] != "GET_MODEL"] == [
            ("admin", "CREATE_MODEL", "prod.ml.m3", "ALLOWED"),
            ("erin", "SET_ALIAS", "prod.ml.iris", "DENIED")]
    finally:
        store._catalog.close()


# --- nothing but appending ------------------------------------------------------------------

TAMPERING = [
    "DELETE FROM system.access.audit",
    "DELETE FROM ucsql_audit",
    "DELETE FROM ucsql_audit WHERE audit_id = 1",
    "delete from UCSQL_AUDIT",
    "DELETE\nFROM\nucsql_audit",
    "/* hidden */ DELETE FROM ucsql_audit",
    "-- comment\nDELETE FROM ucsql_audit",
    "(DELETE FROM ucsql_audit)",
    "SELECT 1; DELETE FROM ucsql_audit",
    "FROM ucsql_audit DELETE",
    "UPDATE system.access.audit SET principal = 'mallory'",
    "UPDATE ucsql_audit SET detail = NULL",
    "DROP TABLE ucsql_audit",
    "DROP TABLE IF EXISTS main.ucsql_audit",
    "DROP VIEW system.access.audit",
    "DROP VIEW sys__access__audit",
    "INSERT INTO ucsql_audit VALUES (1, now(), 'x', 'x', NULL, NULL, 'ALLOWED', NULL, NULL)",
    "INSERT INTO system.access.audit SELECT * FROM system.access.audit",
    "INSERT OR REPLACE INTO ucsql_audit SELECT * FROM ucsql_audit",
    "REPLACE INTO ucsql_audit SELECT * FROM ucsql_audit",
    "CREATE OR REPLACE TABLE ucsql_audit AS SELECT 1 AS x",
    "CREATE OR REPLACE TEMP VIEW sys__access__audit AS SELECT 1 AS x",
    "CREATE OR REPLACE VIEW system.access.audit AS SELECT 1 AS x",
    "CREATE TEMP TABLE ucsql_audit AS SELECT 1 AS x",
    "ALTER TABLE ucsql_audit DROP COLUMN detail",
    "ALTER TABLE ucsql_audit RENAME TO ucsql_audit_old",
    "ALTER TABLE ucsql_audit ALTER COLUMN principal SET DEFAULT 'x'",
    "ALTER VIEW system.access.audit RENAME TO x",
    "TRUNCATE ucsql_audit",
    "TRUNCATE TABLE system.access.audit",
    "COMMENT ON TABLE ucsql_audit IS 'x'",
    "WITH d AS (DELETE FROM ucsql_audit RETURNING *) SELECT * FROM d",
    "WITH x AS (SELECT 1) DELETE FROM ucsql_audit",
    "WITH x AS (SELECT 1) UPDATE ucsql_audit SET principal = 'x'",
    "WITH x AS (SELECT 1) INSERT INTO ucsql_audit SELECT * FROM ucsql_audit",
    ("MERGE INTO ucsql_audit USING (SELECT 1 AS id) AS s ON s.id = audit_id "
     "WHEN MATCHED THEN DELETE"),
    "COPY ucsql_audit FROM '/dev/null'",
    "DROP SEQUENCE ucsql_audit_id_seq",
    "ALTER SEQUENCE ucsql_audit_id_seq RESTART WITH 1",
    "SELECT setval('ucsql_audit_id_seq', 1)",
    "SELECT nextval('ucsql_audit_id_seq')",
    "CHECKPOINT",
    "ATTACH ':memory:' AS scratch",
    "DETACH m",
    "USE memory",
    "SET VARIABLE ucsql_principal = 'admin'",
    "BEGIN TRANSACTION",
    "ROLLBACK",
    "PREPARE p AS DELETE FROM ucsql_audit",
    "EXECUTE p",
    "CALL pragma_version()",
    "EXPORT DATABASE 'dump'",
    "VACUUM ucsql_audit",
    "CREATE MACRO ucsql_audit() AS 1",
    "DROP MODEL system.access.audit",
    "DROP SCHEMA system.access CASCADE",
    "DROP CATALOG system CASCADE",
    "ALTER MODEL system.access.audit RENAME TO x",
    "COMMENT ON MODEL system.access.audit IS 'x'",
]


def raw_audit(cat: ucsql.Catalog) -> list[tuple]:
    """Every audit row, read straight from the table (under a lease)."""
    metastore = cat.engine.metastore
    metastore.flush_audit()  # rows of reads may still be waiting to be written
    with metastore.lease():
        return metastore.cursor().execute(
            "SELECT * FROM ucsql_audit ORDER BY audit_id").fetchall()


def assert_only_appended(before: list[tuple], after: list[tuple]) -> None:
    assert after[:len(before)] == before, "an earlier audit row changed or went away"
    assert [repr(r) for r in after[:len(before)]] == [repr(r) for r in before]
    ids = [r[0] for r in after]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(r[0] > before[-1][0] for r in after[len(before):])


@pytest.mark.parametrize("actor", ["admin", "bob"])
def test_sql_and_the_python_api_cannot_change_the_audit(env, actor):
    before = raw_audit(env.admin)
    view_before = env.admin.sql("SELECT * FROM system.access.audit ORDER BY audit_id").fetchall()
    cat = env.as_(actor)
    for statement in TAMPERING:
        with pytest.raises(UcsqlError):
            cat.sql(statement)
        for params in (["x"], {"x": "'); DELETE FROM ucsql_audit; --"}):
            try:
                cat.sql(statement, params)
            except UcsqlError:
                pass
    after = raw_audit(env.admin)
    assert_only_appended(before, after)
    # One row per attempt (each is one statement), three attempts per statement, plus the
    # admin's read of the view above.
    assert len(after) == len(before) + 3 * len(TAMPERING) + 1
    view_after = env.admin.sql("SELECT * FROM system.access.audit ORDER BY audit_id").fetchall()
    assert view_after[:len(view_before)] == view_before


def _cli(env: Env, *args: str, stdin: str | None = None, principal: str = "admin"):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("UCSQL_")}
    environ["UCSQL_PRINCIPAL"] = principal
    return subprocess.run([sys.executable, "-m", "ucsql", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, env=environ, cwd=ROOT,
                          check=False)


CLI_TAMPERING = [
    "DELETE FROM system.access.audit",
    "DROP TABLE ucsql_audit",
    "UPDATE ucsql_audit SET principal = 'x'",
    "WITH d AS (DELETE FROM ucsql_audit RETURNING *) SELECT * FROM d",
    "CREATE OR REPLACE TABLE ucsql_audit AS SELECT 1 AS x",
    "ALTER TABLE ucsql_audit DROP COLUMN detail",
]


def test_the_cli_cannot_change_the_audit(env):
    before = raw_audit(env.admin)
    env.admin.close()  # let the subprocesses have the file without waiting
    for principal in ("admin", "bob"):
        for statement in CLI_TAMPERING:
            run = _cli(env, str(env.path), "-c", statement, principal=principal)
            assert run.returncode == 1, (statement, run.returncode, run.stderr)
            assert run.stderr.startswith("Error: "), run.stderr
    run = _cli(env, str(env.path), stdin="SELECT 1;\nDELETE FROM ucsql_audit;\n")
    assert run.returncode == 1 and run.stdout == "", (run.stdout, run.stderr)
    run = _cli(env, "gc", str(env.path))
    assert run.returncode == 0, run.stderr
    env.admin = ucsql.connect(env.path, principal="admin")
    after = raw_audit(env.admin)
    assert_only_appended(before, after)
    # Each refusal once, the refused script once, and gc (an admin operation) once.
    assert len(after) == len(before) + 2 * len(CLI_TAMPERING) + 2


def test_the_mlflow_facade_only_appends_to_the_audit(env, monkeypatch):
    """Every registry method, with hostile arguments where it takes text."""
    from mlflow.entities.model_registry import (
        ModelVersion,
        ModelVersionTag,
        RegisteredModelTag,
    )
    from mlflow.exceptions import MlflowException

    from ucsql.mlflow_store import UcsqlRegistryStore

    hostile = "'); DELETE FROM ucsql_audit; --"
    model = "prod.ml.iris"
    before = raw_audit(env.admin)
    monkeypatch.setenv("UCSQL_PRINCIPAL", "admin")
    store = UcsqlRegistryStore(f"ucsql://{env.path}")
    calls = [
        lambda: store.create_registered_model("prod.ml.new", [RegisteredModelTag("t", hostile)],
                                              hostile),
        lambda: store.update_registered_model(model, hostile),
        lambda: store.rename_registered_model("prod.ml.new", "prod.ml.new2"),
        lambda: store.get_registered_model(model),
        lambda: store.search_registered_models(f"name = '{hostile}'"),
        lambda: store.search_registered_models("name = 'x'; DELETE FROM ucsql_audit"),
        lambda: store.get_latest_versions(model),
        lambda: store.set_registered_model_tag(model, RegisteredModelTag("t", hostile)),
        lambda: store.delete_registered_model_tag(model, "t"),
        lambda: store.create_model_version(model, str(env.model_dir), description=hostile,
                                           tags=[ModelVersionTag("t", hostile)]),
        lambda: store.update_model_version(model, 1, hostile),
        lambda: store.transition_model_version_stage(model, 1, "Production"),
        lambda: store.get_model_version(model, 1),
        lambda: store.get_model_version_by_alias(model, "champ"),
        lambda: store.get_model_version_download_uri(model, 1),
        lambda: store.search_model_versions(f"run_id = '{hostile}'"),
        lambda: store.set_model_version_tag(model, 1, ModelVersionTag("t", hostile)),
        lambda: store.delete_model_version_tag(model, 1, "t"),
        lambda: store.set_registered_model_alias(model, "Challenger", 1),
        lambda: store.delete_registered_model_alias(model, "Challenger"),
        lambda: store.copy_model_version(
            ModelVersion(model, "1", creation_timestamp=0, tags=[ModelVersionTag("t", hostile)]),
            "prod.ml.copy"),
        lambda: store.delete_model_version(model, 2),
        lambda: store.delete_registered_model("prod.ml.new2"),
        lambda: store.delete_registered_model("system.access.audit"),
        lambda: store.get_registered_model("ucsql_audit"),
    ]
    try:
        for principal in ("admin", "bob"):
            monkeypatch.setenv("UCSQL_PRINCIPAL", principal)
            for call in calls:
                try:
                    call()
                except MlflowException:
                    pass
    finally:
        store._catalog.close()
    after = raw_audit(env.admin)
    assert_only_appended(before, after)
    assert len(after) > len(before)


SQL_DIR = ROOT / "sql"


# Words that write, as the tokens of DuckDB's SQL (not text: comments and string literals are not
# tokens, so neither a leading comment nor a word inside a string can hide or fake a statement).
_WRITES = {"UPDATE", "DELETE", "TRUNCATE", "DROP", "ALTER", "MERGE", "REPLACE", "COPY", "INSERT",
           "UPSERT", "ATTACH", "DETACH", "VACUUM", "CHECKPOINT"}


def _words(sql: str) -> list[str]:
    """The statement's keywords and names, upper-case, in order; comments and strings dropped."""
    tokens = sqlglot.tokenize(sql, read="duckdb")
    return [t.text.upper() for t in tokens if t.token_type not in (TokenType.STRING,)]


def audit_writes(sql: str) -> list[str]:
    """How each statement of ``sql`` treats ucsql_audit: 'append' (an INSERT INTO it), 'create'
    (its CREATE or COMMENT), 'extend' (a new column, empty in the rows there are: ADD COLUMN
    with a name and a type, nothing more), 'read' (it appears, and nothing in the statement
    writes), or 'write' (it appears in a statement that updates, deletes or otherwise
    writes)."""
    verdicts = []
    for statement in _statements(sql):
        words = _words(statement)
        if "UCSQL_AUDIT" not in words:
            continue
        if words[:3] == ["INSERT", "INTO", "UCSQL_AUDIT"] and not _WRITES & set(words[3:]):
            verdicts.append("append")
        elif words[:1] in (["CREATE"], ["COMMENT"]) and words[:2] != ["CREATE", "OR"] \
                and not _WRITES & set(words):
            verdicts.append("create")
        elif words[:5] == ["ALTER", "TABLE", "UCSQL_AUDIT", "ADD", "COLUMN"] \
                and len([w for w in words if w != ";"]) == 7:
            verdicts.append("extend")
        elif _WRITES & set(words):
            verdicts.append("write")
        else:
            verdicts.append("read")
    return verdicts


def _statements(sql: str) -> list[str]:
    """The statements of a file, split on the ';' tokens (not on text)."""
    tokens = sqlglot.tokenize(sql, read="duckdb")
    pieces, start = [], 0
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            pieces.append(sql[start:token.end + 1])
            start = token.end + 1
    pieces.append(sql[start:])
    return [p for p in pieces if p.strip()]


@pytest.mark.parametrize("sql, verdict", [
    ("-- appends\nINSERT INTO ucsql_audit (a) VALUES (1)", ["append"]),
    ("/* x */ INSERT INTO ucsql_audit SELECT 1", ["append"]),
    ("-- looks harmless\nUPDATE ucsql_audit SET principal = 'x'", ["write"]),
    ("DELETE FROM ucsql_audit WHERE audit_id = 1", ["write"]),
    ("ALTER TABLE ucsql_audit ADD COLUMN token_id VARCHAR;", ["extend"]),
    ("ALTER TABLE ucsql_audit ADD COLUMN x VARCHAR DEFAULT 'forged'", ["write"]),
    ("ALTER TABLE ucsql_audit DROP COLUMN detail", ["write"]),
    ("ALTER TABLE ucsql_audit RENAME TO old_audit", ["write"]),
    ("INSERT OR REPLACE INTO ucsql_audit VALUES (1)", ["write"]),
    ("INSERT INTO ucsql_audit SELECT 1; TRUNCATE ucsql_audit", ["append", "write"]),
    ("CREATE OR REPLACE TEMP VIEW v AS SELECT * FROM ucsql_audit", ["write"]),
    ("SELECT 'DELETE' FROM ucsql_audit -- DROP", ["read"]),
    ("CREATE TABLE ucsql_audit (a INT)", ["create"]),
])
def test_the_audit_check_itself_tells_appends_from_writes(sql, verdict):
    """The classifier below is what the shipped-SQL test relies on: it must see through
    comments and strings, and catch every way of writing."""
    assert audit_writes(sql) == verdict


def test_no_shipped_query_changes_the_audit_except_by_appending():
    """Python never builds SQL; of the SQL files, only the first migration creates the audit table,
    later ones only add an empty column and say what it holds, and only insert_audit_rows.sql
    writes to it, with an INSERT. Views and macros of the session
    that read it (CREATE OR REPLACE TEMP ...) must contain no writing word after their header."""
    seen = set()
    for path in sorted(SQL_DIR.rglob("*.sql")):
        name = str(path.relative_to(SQL_DIR))
        text = path.read_text(encoding="utf-8")
        for statement in _statements(text):
            words = _words(statement)
            if "UCSQL_AUDIT" not in words:
                continue
            seen.add(name)
            if words[:5] == ["CREATE", "OR", "REPLACE", "TEMP", "VIEW"] or \
                    words[:5] == ["CREATE", "OR", "REPLACE", "TEMP", "MACRO"]:
                body = words[5:]
                assert not _WRITES & set(body), (name, statement[:120])
                continue
            verdict = audit_writes(statement)
            if name == "migrations/0001_initial.sql":
                assert verdict == ["create"], (name, statement[:80])
            elif name == "queries/insert_audit_rows.sql":
                assert verdict == ["append"], (name, statement[:80])
            elif name.startswith("migrations/") and verdict in (["extend"], ["create"]):
                continue  # a later migration adds a column and says what it holds
            else:
                assert verdict == ["read"], (name, verdict, statement[:120])
    # The files this test is about exist and were read (a rename must not make it vacuous).
    assert {"migrations/0001_initial.sql", "queries/insert_audit_rows.sql",
            "views/access/audit.sql"} <= seen
    for path in sorted((ROOT / "ucsql").rglob("*.py")):
        assert "ucsql_audit" not in path.read_text(encoding="utf-8"), path
    assert queries.load("queries/insert_audit_rows").parameters >= {"principals", "actions",
                                                                    "results"}


def test_a_non_admin_cannot_read_the_audit_in_any_shape(env):
    shapes = [
        "SELECT * FROM system.access.audit",
        "SELECT count(*) FROM system.access.audit",
        "FROM system.access.audit",
        'SELECT * FROM "SYSTEM"."ACCESS"."AUDIT"',
        "WITH a AS (SELECT * FROM system.access.audit) SELECT 1",
        "SELECT 1 WHERE EXISTS (SELECT 1 FROM system.access.audit)",
        "SELECT (SELECT max(principal) FROM system.access.audit)",
        "SELECT 1 UNION ALL SELECT audit_id FROM system.access.audit",
        ("SELECT * FROM system.information_schema.catalogs, "
         "LATERAL (SELECT * FROM system.access.audit)"),
        "SELECT * FROM system.information_schema.catalogs c JOIN system.access.audit a ON true",
        "SELECT * FROM ucsql_audit",
        "SELECT * FROM temp.main.sys__access__audit",
    ]
    env.admin.sql("GRANT USE CATALOG ON CATALOG prod TO team; "
                  "GRANT ALL PRIVILEGES ON CATALOG prod TO bob")
    for principal in ("bob", "team"):  # a user, and a group name used as a principal
        for text in shapes:
            with pytest.raises(PermissionDenied):
                env.as_(principal).sql(text)
    # A catalog owner with every privilege is still not the metastore admin.
    env.admin.sql("ALTER CATALOG prod OWNER TO bob")
    with pytest.raises(PermissionDenied):
        env.as_("bob").sql("SELECT * FROM system.access.audit")


def test_rows_of_reads_wait_in_memory_but_only_so_many(env):
    """Allowed reads are audited in batches (ucsql.audit): their rows reach the table with the
    next change, before any read of the log, when the file is let go, or once MAX_WAITING of them
    are waiting, whichever comes first; never later."""
    from ucsql.audit import MAX_WAITING

    metastore = env.admin.engine.metastore
    # Releasing the file writes the waiting rows; on a slow machine the default half second of
    # holding could pass between two of these statements, so hold it for the test.
    metastore.idle_release = metastore.max_hold = 600.0

    def in_table() -> int:
        with metastore.lease():
            return metastore.cursor().execute("SELECT count(*) FROM ucsql_audit").fetchone()[0]

    metastore.flush_audit()
    start = in_table()
    env.admin.sql("SHOW CATALOGS")
    assert in_table() == start  # waiting
    env.admin.sql("CREATE CATALOG batch_1")  # a change writes the waiting row, then its own
    assert in_table() == start + 2
    for _ in range(MAX_WAITING):
        env.admin.sql("SHOW CATALOGS")
        assert len(metastore.audit) < MAX_WAITING  # never more waiting than the bound
    assert in_table() + len(metastore.audit) == start + 2 + MAX_WAITING  # none lost, none twice
    rows = raw_audit(env.admin)[-3:]
    assert [r[3] for r in rows] == ["SHOW_CATALOGS"] * 3


# --- a principal that is not text, and rows that cannot be written --------------------------------

NOT_UTF8 = "\udcff"  # what Python makes of UCSQL_PRINCIPAL=$'\xff' (surrogateescape)
NOT_UTF8_REFUSED = (
    "Principal name '\\udcff' holds an invalid character (a lone surrogate, left by bytes that "
    "are not UTF-8, e.g. in UCSQL_PRINCIPAL); give the name as valid UTF-8, e.g. "
    "`alice@example.com`.")


def test_a_principal_that_is_not_utf8_is_refused_and_audited_through_the_cli(env):
    """UCSQL_PRINCIPAL=$'\\xff': refused with a typed error (no traceback), audited under the
    escaped name; the principals after it, in other processes, work and are audited."""
    env.admin.close()
    run = _cli(env, str(env.path), "-c", "SHOW GROUPS", principal=NOT_UTF8)
    assert (run.returncode, run.stdout, run.stderr) == (1, "", f"Error: {NOT_UTF8_REFUSED}\n")
    run = _cli(env, str(env.path), "-c", "CREATE CATALOG after_cli; SHOW GROUPS")
    assert run.returncode == 0, run.stderr
    run = _cli(env, str(env.path), "-c", "CREATE CATALOG nope", principal="bob")
    assert run.returncode == 1 and run.stderr.startswith("Error: Permission denied: bob"), \
        run.stderr
    env.admin = ucsql.connect(env.path, principal="admin")
    rows = env.admin.sql("SELECT principal, action, securable_name, result, detail "
                         "FROM system.access.audit WHERE action <> 'SELECT' "
                         "ORDER BY audit_id").fetchall()
    assert rows[-4:] == [
        ("\\udcff", "SHOW_GROUPS", None, "FAILED", NOT_UTF8_REFUSED),
        ("admin", "CREATE_CATALOG", "after_cli", "ALLOWED", None),
        ("admin", "SHOW_GROUPS", None, "ALLOWED", None),
        ("bob", "CREATE_CATALOG", "nope", "DENIED",
         "Permission denied: bob cannot create catalog nope: missing CREATE_CATALOG on "
         "METASTORE metastore.")]


def test_a_principal_that_is_not_utf8_poisons_nothing_in_the_process(env):
    """Every handle on the file in a process shares one buffer of audit rows: a refused
    principal's rows are stored escaped, and every later statement of every principal runs
    and is audited."""
    bad = env.as_(NOT_UTF8)
    _, mark = count(env.admin)
    for statement, error in [("SHOW GROUPS", InvalidArgument), ("CREATE CATALOG x", InvalidArgument),
                             ("CREAT CATALOG x", ParseError)]:
        with pytest.raises(error) as e:
            bad.sql(statement)
        if error is InvalidArgument:
            assert str(e.value) == NOT_UTF8_REFUSED
    other = ucsql.connect(env.path, principal="carol")  # another handle on the same file
    assert other.sql("SHOW GROUPS").fetchall()
    env.admin.sql("CREATE CATALOG after")
    with pytest.raises(PermissionDenied):
        env.as_("bob").sql("CREATE CATALOG nope")
    rows = without_counts(rows_after(env.admin, mark))
    assert [(r["principal"], r["action"], r["result"]) for r in rows] == [
        ("\\udcff", "SHOW_GROUPS", "FAILED"), ("\\udcff", "CREATE_CATALOG", "FAILED"),
        ("\\udcff", "PARSE", "FAILED"), ("carol", "SHOW_GROUPS", "ALLOWED"),
        ("admin", "CREATE_CATALOG", "ALLOWED"), ("bob", "CREATE_CATALOG", "DENIED")]
    other.close()


def test_no_metastore_is_created_for_a_principal_that_is_not_utf8(tmp_path):
    with pytest.raises(InvalidArgument) as e:
        ucsql.connect(tmp_path / "new.duckdb", principal=NOT_UTF8)
    assert str(e.value) == NOT_UTF8_REFUSED
    assert list(tmp_path.iterdir()) == []


def test_rows_whose_insert_fails_block_nothing_and_are_written_later(env):
    """A batch of waiting rows whose insert fails (here: in a transaction DuckDB has aborted)
    is set aside in the journal, not kept waiting to fail with every later statement; the next
    opening of the file writes it into the log."""
    _, mark = count(env.admin)
    metastore = env.admin.engine.metastore
    with metastore.lease():  # held throughout: letting the file go would write the rows
        metastore.flush_audit()
        env.admin.sql("SHOW SCHEMAS IN prod")  # a read: its row waits
        assert len(metastore.audit) == 1
        cur = metastore.connection().cursor()
        cur.execute("BEGIN TRANSACTION")
        with pytest.raises(duckdb.Error):
            cur.execute("SELECT error('abort this transaction')")
        with pytest.raises(duckdb.Error):
            metastore.audit.write_waiting(cur)
        cur.execute("ROLLBACK")
        cur.close()
    assert len(metastore.audit) == 0
    env.admin.sql("CREATE CATALOG after")
    env.admin.close()
    env.admin = ucsql.connect(env.path, principal="admin")  # the next opening, at the latest
    rows = [(r["action"], r["securable_kind"], r["result"]) for r in rows_after(env.admin, mark)
            if r["action"] != "SELECT"]
    # (This process may itself have opened the file again before the CREATE, and written them.)
    assert sorted(rows) == [("CREATE_CATALOG", "CATALOG", "ALLOWED"),
                            ("INGEST_AUDIT_JOURNAL", "AUDIT_JOURNAL", "ALLOWED"),
                            ("SHOW_SCHEMAS", "CATALOG", "ALLOWED")], rows
    assert not Path(str(env.path) + ".audit-journal").exists()


# --- refusals while another process holds the file ------------------------------------------------

HOLD = """
import pathlib, sys, time, ucsql
cat = ucsql.connect(sys.argv[1], principal="admin")
with cat.engine.metastore.lease():  # the file held, as a long statement holds it
    print("held", flush=True)
    while not pathlib.Path(sys.argv[2]).exists():
        time.sleep(0.02)
cat.close()
"""


def _refuse_while_held(env: Env) -> tuple[dt.datetime, dt.datetime]:
    """Three refusals of this process while another one holds the file; (before, after)."""
    stop = env.tmp / "stop"
    stop.unlink(missing_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(env.path), str(stop)],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline() == "held\n"
        before = dt.datetime.now(dt.timezone.utc)
        started = time.monotonic()
        with pytest.raises(ParseError):
            env.as_("bob").sql("CREAT CATALOG x")
        with pytest.raises(UnsupportedStatement):
            env.as_("bob").sql("INSERT INTO t VALUES (1)")
        with pytest.raises(InvalidArgument) as e:
            env.as_(NOT_UTF8).sql("SHOW GROUPS")
        assert str(e.value) == NOT_UTF8_REFUSED
        # At once: nobody waits UCSQL_LOCK_TIMEOUT (60 s here) to be told of a typo.
        assert time.monotonic() - started < 10
        after = dt.datetime.now(dt.timezone.utc)
    finally:
        stop.touch()
        holder.wait(timeout=60)
    return before, after


REFUSED_WHILE_HELD = [("bob", "PARSE", "FAILED"), ("bob", "INSERT", "DENIED"),
                      ("\\udcff", "SHOW_GROUPS", "FAILED")]


def test_a_refusal_while_another_process_holds_the_file_is_at_once_and_reaches_the_log(env):
    """The refused get their real error at once; the rows go to the journal beside the
    metastore (as private as the metastore file) and the next process to open the file writes
    them into the log, in order, with their own times, and says so in a row of its own."""
    os.chmod(env.path, 0o600)
    _, mark = count(env.admin)
    time.sleep(0.5)  # let this process's handle let go of the file (UCSQL_IDLE_RELEASE)
    before, after = _refuse_while_held(env)
    journal = Path(str(env.path) + ".audit-journal")
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert len(journal.read_text().splitlines()) == 3
    run = _cli(env, str(env.path), "-c", "SELECT 1")  # the next process to open the file
    assert run.returncode == 0, run.stderr
    assert not journal.exists()
    rows = [r for r in rows_after(env.admin, mark) if r["action"] != "SELECT"]
    assert [(r["principal"], r["action"], r["result"]) for r in rows] == \
        REFUSED_WHILE_HELD + [("admin", "INGEST_AUDIT_JOURNAL", "ALLOWED")]
    times = [r["event_time"] for r in rows[:3]]
    assert before <= times[0] <= times[1] <= times[2] <= after, times
    assert rows[0]["statement"] == "CREAT CATALOG x" and rows[0]["detail"].startswith(
        "Expected a statement")
    ingest = rows[3]
    assert ingest["securable_kind"] == "AUDIT_JOURNAL" and ingest["securable_name"]
    assert ingest["detail"] == (f"3 rows written to {journal} while the metastore was held by "
                                "another process")


CRASH_AFTER_INGEST = """
import os, sys, ucsql
unlink = os.unlink
def crash(path, *args, **kwargs):  # killed right after the ingest committed
    if str(path).endswith(".audit-journal.ingesting"):
        os._exit(9)
    return unlink(path, *args, **kwargs)
os.unlink = crash
ucsql.connect(sys.argv[1], principal="admin")
"""


def test_a_journal_is_written_into_the_log_once_even_across_a_crash(env):
    """A process killed between writing the journal into the log and removing it leaves the
    claimed journal; the next opening sees its id in the log and removes it unwritten."""
    _, mark = count(env.admin)
    time.sleep(0.5)
    _refuse_while_held(env)
    env.admin.close()
    crashed = subprocess.run([sys.executable, "-c", CRASH_AFTER_INGEST, str(env.path)],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert crashed.returncode == 9, crashed.stderr
    claimed = Path(str(env.path) + ".audit-journal.ingesting")
    assert claimed.exists()
    env.admin = ucsql.connect(env.path, principal="admin")
    assert not claimed.exists()
    rows = [r for r in rows_after(env.admin, mark) if r["action"] != "SELECT"]
    assert [(r["principal"], r["action"], r["result"]) for r in rows] == \
        REFUSED_WHILE_HELD + [("admin", "INGEST_AUDIT_JOURNAL", "ALLOWED")]
