"""Hostile input: stored literally or refused, never executed; refusals change nothing and are audited."""

from __future__ import annotations

import pytest

from ucsql.errors import InvalidArgument, ParseError, PermissionDenied, UnsupportedStatement

from .conftest import audit_rows

NASTY_VALUES = [
    "x'; DROP TABLE ucsql_grant; --",
    "a`b",
    'quote"s',
    "semi;colon",
    "/* comment */ -- line",
    "it's $1 :name ?",
    "ünïcödé ✓",
]


@pytest.mark.parametrize("value", NASTY_VALUES)
def test_tag_values_and_comments_are_stored_literally(admin, value):
    admin.sql("CREATE MODEL iris")
    admin.sql("GRANT APPLY_TAG ON FUNCTION iris TO admin")
    admin.sql("SET TAG ON MODEL iris note = ?", [value])
    admin.sql("COMMENT ON MODEL iris IS $c", {"c": value})
    assert admin.sql("SELECT tag_value FROM system.information_schema.model_tags").scalar() == value
    assert admin.sql("SELECT comment FROM system.information_schema.registered_models").scalar() == value
    # The metastore is intact: the grants table still answers.
    assert admin.sql("SHOW GRANTS ON FUNCTION iris").fetchall() == [
        ("account users", "USE_CATALOG", "CATALOG", "main"),
        ("account users", "CREATE_MODEL", "SCHEMA", "main.default"),
        ("account users", "USE_SCHEMA", "SCHEMA", "main.default"),
        ("admin", "APPLY_TAG", "FUNCTION", "main.default.iris")]


@pytest.mark.parametrize("name", ["it's", "semi;colon", "dash-and--comment", "back``tick", "ünï"])
def test_odd_but_legal_names_are_stored_literally(admin, name):
    quoted = "`" + name.replace("`", "``") + "`"
    admin.sql(f"CREATE CATALOG {quoted}")
    assert (name.lower(), "admin", None) in admin.sql("SHOW CATALOGS").fetchall()
    admin.sql(f"CREATE GROUP {quoted}")
    admin.sql(f"GRANT USE CATALOG ON CATALOG {quoted} TO {quoted}")
    assert admin.sql(f"SHOW GRANTS ON CATALOG {quoted}").fetchall() == [
        (name, "USE_CATALOG", "CATALOG", name.lower())]


@pytest.mark.parametrize("name, bad", [
    ("`a.b`", "'.'"), ("`a b`", "' '"), ("`a/b`", "'/'"), ("`a\tb`", "'\\t'"),
])
def test_names_with_forbidden_characters_are_rejected(admin, name, bad):
    with pytest.raises(InvalidArgument) as e:
        admin.sql(f"CREATE CATALOG {name}")
    assert f"contains {bad}" in str(e.value)
    assert admin.sql("SHOW CATALOGS").fetchall() == [("main", "admin", "Default catalog")]


REFUSED_QUERIES = [
    ("SELECT * FROM read_csv('/etc/passwd')", PermissionDenied, "read_csv"),
    ("SELECT * FROM '/etc/passwd'", PermissionDenied, "/etc/passwd"),
    ("SELECT * FROM ucsql_grant", PermissionDenied, "ucsql_grant"),
    ("SELECT * FROM main.ucsql_principal", PermissionDenied, "ucsql_principal"),
    ("SELECT * FROM duckdb_settings()", PermissionDenied, "duckdb_settings"),
    ("SELECT getenv('HOME')", PermissionDenied, "getenv"),
    ("SELECT current_setting('threads')", PermissionDenied, "current_setting"),
    ("SELECT * FROM query('SELECT * FROM ucsql_grant')", PermissionDenied, "query"),
    ("SELECT 1 UNION ALL SELECT count(*) FROM ucsql_audit", PermissionDenied, "ucsql_audit"),
    ("ATTACH '/tmp/x.duckdb' AS x", UnsupportedStatement, "ATTACH"),
    ("COPY (SELECT 1) TO '/tmp/out.csv'", UnsupportedStatement, "COPY"),
    ("INSTALL httpfs", UnsupportedStatement, "INSTALL"),
    ("LOAD httpfs", UnsupportedStatement, "LOAD"),
    ("PRAGMA database_list", UnsupportedStatement, "PRAGMA"),
    ("SET threads = 1", UnsupportedStatement, "SET"),
    ("INSERT INTO ucsql_grant VALUES (1, 1, 'MANAGE', now(), 'x')", UnsupportedStatement, "INSERT"),
    ("UPDATE ucsql_securable SET owner_id = 2", UnsupportedStatement, "UPDATE"),
    ("DELETE FROM ucsql_audit", UnsupportedStatement, "DELETE"),
    ("CREATE TABLE t (x INT)", UnsupportedStatement, "CREATE TABLE"),
    ("DROP TABLE ucsql_audit", UnsupportedStatement, "DROP TABLE"),
]


@pytest.mark.parametrize("sql, error, mentions", REFUSED_QUERIES, ids=[q[0][:40] for q in REFUSED_QUERIES])
def test_escape_attempts_are_refused_audited_and_change_nothing(admin, sql, error, mentions):
    bob = admin.as_principal("bob")
    admin.sql("CREATE MODEL iris")
    before = admin.sql("SELECT * FROM system.information_schema.routine_privileges").fetchall()
    with pytest.raises(error) as e:
        bob.sql(sql)
    assert mentions in str(e.value)
    assert admin.sql("SELECT * FROM system.information_schema.routine_privileges").fetchall() == before
    assert audit_rows(admin, "bob")[-1][3] == "DENIED"


def test_statements_smuggled_in_names_are_not_run(admin):
    """A `;` inside a backticked name or a string is part of the value, not a new statement."""
    admin.sql("CREATE CATALOG `x;DROP--main`")
    admin.sql("SET TAG ON CATALOG main t = 'v; DROP CATALOG main'")
    assert [r[0] for r in admin.sql("SHOW CATALOGS").fetchall()] == ["main", "x;drop--main"]


def test_a_script_stops_at_its_first_error(admin):
    with pytest.raises(ParseError) as e:
        admin.sql("CREATE CATALOG a;\nCREATE CATALOG b;\nCREAT CATALOG c;")
    assert e.value.line == 3
    # Parsing happens before anything runs, so the whole script changed nothing.
    assert [r[0] for r in admin.sql("SHOW CATALOGS").fetchall()] == ["main"]


def test_audit_log_cannot_be_changed_or_read_by_others(admin):
    bob = admin.as_principal("bob")
    with pytest.raises(PermissionDenied) as e:
        bob.sql("SELECT * FROM system.access.audit")
    assert str(e.value) == ("Permission denied: bob cannot read system.access.audit: only the "
                            "metastore admin may read the audit log.")
    with pytest.raises(UnsupportedStatement):
        admin.sql("DELETE FROM system.access.audit")
    assert audit_rows(admin)[-1] == ("admin", "DELETE", None, "DENIED")


def test_an_endless_query_is_stopped_and_the_metastore_stays_usable(admin, monkeypatch):
    """A recursion that never ends would run, and grow, while holding the file: it is interrupted
    after UCSQL_QUERY_TIMEOUT seconds with an error that says how to fix it, and audited."""
    monkeypatch.setenv("UCSQL_QUERY_TIMEOUT", "0.5")
    endless = ("WITH RECURSIVE n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n) "
               "SELECT count(*) FROM n")
    with pytest.raises(InvalidArgument, match=r"more than 0.5 s and was stopped.*UCSQL_QUERY_TIMEOUT"):
        admin.sql(endless)
    assert admin.sql("SELECT 42").scalar() == 42
    assert admin.sql("SELECT action, result FROM system.access.audit WHERE statement = ?",
                     [endless]).fetchall() == [("SELECT", "FAILED")]
    monkeypatch.setenv("UCSQL_QUERY_TIMEOUT", "soon")
    with pytest.raises(InvalidArgument, match="not a positive number of seconds"):
        admin.sql("SELECT 1")
