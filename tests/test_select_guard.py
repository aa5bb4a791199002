"""The SELECT guard: rewriting onto the system views' temp views, and refusing everything else.

Accepted queries are executed on a real DuckDB whose temp views carry the internal names, next to
raw tables named like the metastore's, so a rewrite that went wrong would show in the results.
"""

from __future__ import annotations

import dataclasses
import datetime

import duckdb
import pytest
import sqlglot
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ucsql.errors import PermissionDenied
from ucsql.select_guard import GuardedSelect, guard_select

from .conftest import Query

VIEWS = {
    ("information_schema", "registered_models"): "sys__information_schema__registered_models",
    ("information_schema", "model_versions"): "sys__information_schema__model_versions",
    ("access", "audit"): "sys__access__audit",
}
SUMMARY = "system.information_schema.*, system.access.audit"
ONLY_VIEWS = f"SELECT may read only the system views ({SUMMARY}); {{}} is not one of them."
FUNCTION = ("Function {} is not allowed in ucsql queries: queries may use only pure functions "
            "over the system views.")
TABLE_FUNCTION = (f"Function {{}} is not allowed in ucsql queries: FROM may read only the system "
                  f"views ({SUMMARY}), CTEs, and the table functions unnest, range and "
                  "generate_series.")
NOT_A_QUERY = (f"{{}} is not a read-only query: ucsql runs only SELECT queries over the system "
               f"views ({SUMMARY}). The metastore changes only through ucsql statements.")
NOT_ALLOWED = (f"{{}} is not allowed in ucsql queries: a query may only read the system views "
               f"({SUMMARY}) with SELECT.")


def guard(sql: str, principal: str = "alice") -> GuardedSelect:
    return guard_select(sqlglot.parse_one(sql, read="duckdb"), VIEWS, principal)


@pytest.fixture
def con():
    """DuckDB with the three system views as temp views, and raw tables that must stay unread."""
    con = duckdb.connect()
    con.execute("""
        CREATE TABLE ucsql_securable (name VARCHAR);
        INSERT INTO ucsql_securable VALUES ('secret');
        CREATE TABLE ucsql_grant (a INTEGER);
        INSERT INTO ucsql_grant VALUES (42);

        CREATE TEMP TABLE models (catalog_name VARCHAR, schema_name VARCHAR, model_name VARCHAR,
                                  owner VARCHAR);
        INSERT INTO models VALUES ('prod', 'ml', 'iris', 'alice'), ('prod', 'ml', 'wine', 'bob'),
                                  ('dev', 'ml', 'iris', 'alice');
        CREATE TEMP TABLE versions (catalog_name VARCHAR, schema_name VARCHAR, model_name VARCHAR,
                                    version INTEGER, aliases VARCHAR[],
                                    tags MAP(VARCHAR, VARCHAR));
        INSERT INTO versions VALUES
            ('prod', 'ml', 'iris', 1, [], MAP {'team': 'a'}),
            ('prod', 'ml', 'iris', 2, ['Champion', 'latest'], MAP {'team': 'a'}),
            ('prod', 'ml', 'wine', 1, ['Champion'], MAP {}),
            ('dev', 'ml', 'iris', 1, [], MAP {});
        CREATE TEMP TABLE audit_rows (principal VARCHAR, statement VARCHAR, allowed BOOLEAN);
        INSERT INTO audit_rows VALUES ('alice', 'SELECT 1', true), ('bob', 'DROP x', false);

        CREATE TEMP VIEW sys__information_schema__registered_models AS SELECT * FROM models;
        CREATE TEMP VIEW sys__information_schema__model_versions AS SELECT * FROM versions;
        CREATE TEMP VIEW sys__access__audit AS SELECT * FROM audit_rows;
    """)
    yield con
    con.close()


def run(con, sql: str, params=None, principal: str = "alice"):
    return con.execute(guard(sql, principal).sql, params).fetchall()


# --- exact rewrites ------------------------------------------------------------------------------

@pytest.mark.parametrize("sql, expected", [
    ("SELECT catalog_name, count(*) FROM system.information_schema.model_versions GROUP BY ALL",
     "SELECT catalog_name, COUNT(*) FROM temp.main.sys__information_schema__model_versions "
     "AS model_versions GROUP BY ALL"),
    # any case, quoted or not; the view's name becomes the alias
    ('SELECT registered_models.model_name FROM SYSTEM."Information_Schema".REGISTERED_MODELS',
     "SELECT registered_models.model_name FROM "
     "temp.main.sys__information_schema__registered_models AS registered_models"),
    # the user's alias is kept, column aliases included
    ("SELECT r.a FROM system.information_schema.registered_models AS r(a, b)",
     "SELECT r.a FROM temp.main.sys__information_schema__registered_models AS r(a, b)"),
    # a column qualified with the view's full name keeps only the view name
    ("SELECT system.information_schema.registered_models.model_name "
     "FROM system.information_schema.registered_models",
     "SELECT registered_models.model_name FROM "
     "temp.main.sys__information_schema__registered_models AS registered_models"),
    # CTEs are renamed; each reference keeps the CTE's name as its alias
    ("WITH mine AS (SELECT * FROM system.information_schema.registered_models "
     "WHERE owner = current_user) SELECT mine.model_name FROM mine",
     "WITH cte1__mine AS (SELECT * FROM temp.main.sys__information_schema__registered_models "
     "AS registered_models WHERE owner = 'alice') SELECT mine.model_name FROM cte1__mine AS mine"),
    ("SELECT current_user(), CURRENT_USER, session_user",
     "SELECT 'alice' AS \"current_user\", 'alice' AS \"current_user\", 'alice' AS \"current_user\""),
    ("FROM system.access.audit SELECT principal WHERE statement = ? OR principal = $who",
     "SELECT principal FROM temp.main.sys__access__audit AS audit "
     "WHERE statement = ? OR principal = $who"),
    ("SELECT * FROM range(3) AS r(i)", "SELECT * FROM RANGE(0, 3) AS r(i)"),
])
def test_rewrite(sql, expected):
    assert Query(guard(sql).sql) == expected


def test_principal_is_a_quoted_literal(con):
    guarded = guard("SELECT current_user() AS me", principal="o'brien; DROP TABLE x --")
    assert Query(guarded.sql) == "SELECT 'o''brien; DROP TABLE x --' AS me"
    assert con.execute(guarded.sql).fetchall() == [("o'brien; DROP TABLE x --",)]


def test_views_read_are_reported():
    assert guard("SELECT 1").views == frozenset()
    assert guard(
        "WITH a AS (SELECT * FROM system.access.audit) "
        "SELECT * FROM system.information_schema.registered_models, a"
    ).views == {("access", "audit"), ("information_schema", "registered_models")}


def test_result_is_frozen_and_input_untouched():
    tree = sqlglot.parse_one("SELECT current_user FROM system.access.audit", read="duckdb")
    before = tree.sql(dialect="duckdb")
    guarded = guard_select(tree, VIEWS, "alice")
    assert tree.sql(dialect="duckdb") == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        guarded.sql = "SELECT * FROM ucsql_grant"  # type: ignore[misc]


# --- rewritten queries run on DuckDB ------------------------------------------------------------

def test_group_by_all(con):
    assert sorted(run(con, "SELECT catalog_name, count(*) FROM "
                           "system.information_schema.model_versions GROUP BY ALL")) == [
        ("dev", 1), ("prod", 3)]


def test_cte_and_join(con):
    rows = run(con, """
        WITH mine AS (SELECT * FROM system.information_schema.registered_models
                      WHERE owner = current_user())
        SELECT mine.catalog_name, mine.model_name, v.version
        FROM mine JOIN system.information_schema.model_versions AS v
             USING (catalog_name, schema_name, model_name)
        ORDER BY ALL""")
    assert rows == [("dev", "iris", 1), ("prod", "iris", 1), ("prod", "iris", 2)]


def test_window_function_latest_version(con):
    rows = run(con, """
        SELECT catalog_name, model_name, version FROM system.information_schema.model_versions
        QUALIFY row_number() OVER (PARTITION BY catalog_name, model_name
                                   ORDER BY version DESC) = 1
        ORDER BY ALL""")
    assert rows == [("dev", "iris", 1), ("prod", "iris", 2), ("prod", "wine", 1)]


def test_unnest_of_a_list_column(con):
    select_list = run(con, "SELECT model_name, version, unnest(aliases) AS alias "
                           "FROM system.information_schema.model_versions ORDER BY ALL")
    from_clause = run(con, "SELECT v.model_name, v.version, a.alias "
                           "FROM system.information_schema.model_versions v, "
                           "unnest(v.aliases) AS a(alias) ORDER BY ALL")
    assert select_list == from_clause == [
        ("iris", 2, "Champion"), ("iris", 2, "latest"), ("wine", 1, "Champion")]


def test_subqueries_and_default_alias(con):
    rows = run(con, """
        SELECT registered_models.model_name,
               (SELECT max(version) FROM system.information_schema.model_versions v
                WHERE v.model_name = registered_models.model_name) AS latest
        FROM system.information_schema.registered_models
        WHERE catalog_name IN (SELECT catalog_name FROM system.information_schema.model_versions
                               WHERE list_contains(aliases, 'Champion'))
          AND EXISTS (SELECT 1 FROM system.access.audit)
        ORDER BY 1""")
    assert rows == [("iris", 2), ("wine", 1)]


def test_fully_qualified_column_and_user_alias(con):
    assert run(con, "SELECT system.information_schema.registered_models.owner "
                    "FROM system.information_schema.registered_models "
                    "WHERE model_name = 'wine'") == [("bob",)]
    assert run(con, "SELECT r.owner FROM system.information_schema.registered_models AS r "
                    "WHERE r.model_name = 'wine'") == [("bob",)]


def test_current_user_is_the_principal(con):
    assert run(con, "SELECT current_user()", principal="carol") == [("carol",)]
    assert run(con, "SELECT model_name FROM system.information_schema.registered_models "
                    "WHERE owner = CURRENT_USER AND catalog_name = 'prod'",
               principal="bob") == [("wine",)]


def test_functions_union_and_placeholders(con):
    rows = run(con, """
        SELECT upper(model_name) AS m, tags['team'] AS team,
               list_transform(aliases, x -> lower(x)) AS lowered,
               date_trunc('day', TIMESTAMP '2024-05-06 07:08:09') AS d
        FROM system.information_schema.model_versions WHERE version = ? AND model_name = ?
        UNION ALL
        SELECT 'X', NULL, [], NULL FROM system.access.audit WHERE NOT allowed
        ORDER BY 1""", [2, "iris"])
    assert rows == [("IRIS", "a", ["champion", "latest"], datetime.datetime(2024, 5, 6)),
                    ("X", None, [], None)]


def test_recursive_cte(con):
    assert run(con, "WITH RECURSIVE t AS (SELECT 1 AS n UNION ALL "
                    "SELECT n + 1 FROM t WHERE n < 3) SELECT n FROM t") == [(1,), (2,), (3,)]


def test_cte_named_like_a_raw_table_reads_the_cte(con):
    assert run(con, "WITH ucsql_grant AS (SELECT 7 AS a) "
                    "SELECT * FROM (SELECT a FROM ucsql_grant)") == [(7,)]


def test_recursive_self_reference_never_reaches_a_raw_table(con):
    # DuckDB reads the raw table ucsql_grant here (a self-reference outside a recursive UNION
    # term is not a CTE reference); the guard's renaming turns that into a binder error.
    sql = "WITH RECURSIVE ucsql_grant AS (SELECT * FROM ucsql_grant) SELECT * FROM ucsql_grant"
    assert con.execute(sql).fetchall() == [(42,)]
    with pytest.raises(duckdb.Error):
        run(con, sql)


# --- refusals ------------------------------------------------------------------------------------

HOSTILE = [
    ("SELECT * FROM read_csv('/etc/passwd')", TABLE_FUNCTION.format("read_csv"), "read_csv"),
    ("SELECT * FROM read_csv_auto('x.csv')", TABLE_FUNCTION.format("read_csv_auto"),
     "read_csv_auto"),
    ("SELECT * FROM main.read_parquet('x')", TABLE_FUNCTION.format("main.read_parquet"),
     "main.read_parquet"),
    ("SELECT * FROM '/etc/passwd'", ONLY_VIEWS.format("/etc/passwd"), "/etc/passwd"),
    ("SELECT * FROM 'x.csv'", ONLY_VIEWS.format("x.csv"), "x.csv"),
    ("SELECT * FROM ucsql_securable", ONLY_VIEWS.format("ucsql_securable"), "ucsql_securable"),
    ("SELECT * FROM main.ucsql_grant", ONLY_VIEWS.format("main.ucsql_grant"), "main.ucsql_grant"),
    ("SELECT * FROM metastore.main.x", ONLY_VIEWS.format("metastore.main.x"), "metastore.main.x"),
    ("SELECT * FROM df", ONLY_VIEWS.format("df"), "df"),
    ("SELECT * FROM (WITH ucsql_grant AS (SELECT 1) SELECT * FROM ucsql_grant), ucsql_grant",
     ONLY_VIEWS.format("ucsql_grant") + " A CTE named ucsql_grant exists, but a WITH covers only "
     "the query it belongs to.", "ucsql_grant"),
    ("WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a", ONLY_VIEWS.format("b")
     + " A CTE named b exists, but a WITH covers only the query it belongs to.", "b"),
    ("WITH ucsql_grant AS (SELECT * FROM ucsql_grant) SELECT * FROM ucsql_grant",
     ONLY_VIEWS.format("ucsql_grant") + " A CTE named ucsql_grant exists, but a WITH covers only "
     "the query it belongs to.", "ucsql_grant"),
    ("SELECT * FROM system.main.x",
     "system.main.x is not a system view. Available views: "
     "system.information_schema.registered_models, system.information_schema.model_versions, "
     "system.access.audit.", "system.main.x"),
    ("SELECT * FROM system.information_schema.nope",
     "system.information_schema.nope is not a system view. Available views: "
     "system.information_schema.registered_models, system.information_schema.model_versions, "
     "system.access.audit.", "system.information_schema.nope"),
    ("SELECT * FROM information_schema.tables", ONLY_VIEWS.format("information_schema.tables"),
     "information_schema.tables"),
    ("SELECT * FROM information_schema.registered_models",
     ONLY_VIEWS.format("information_schema.registered_models")
     + " Did you mean system.information_schema.registered_models?",
     "information_schema.registered_models"),
    ("SELECT * FROM pg_catalog.pg_class", ONLY_VIEWS.format("pg_catalog.pg_class"),
     "pg_catalog.pg_class"),
    ("SELECT * FROM temp.main.sys__access__audit",
     ONLY_VIEWS.format("temp.main.sys__access__audit"), "temp.main.sys__access__audit"),
    ("SELECT * FROM duckdb_settings()", TABLE_FUNCTION.format("duckdb_settings"),
     "duckdb_settings"),
    ("SELECT * FROM duckdb_tables()", TABLE_FUNCTION.format("duckdb_tables"), "duckdb_tables"),
    ("SELECT * FROM query('select 1')", TABLE_FUNCTION.format("query"), "query"),
    ("SELECT * FROM query_table('ucsql_grant')", TABLE_FUNCTION.format("query_table"),
     "query_table"),
    ("SELECT * FROM glob('*')", TABLE_FUNCTION.format("glob"), "glob"),
    ("SELECT * FROM pragma_table_info('ucsql_grant')", TABLE_FUNCTION.format("pragma_table_info"),
     "pragma_table_info"),
    ("SELECT getenv('HOME')", FUNCTION.format("getenv"), "getenv"),
    ("SELECT current_setting('threads')", FUNCTION.format("current_setting"), "current_setting"),
    ("SELECT getvariable('x')", FUNCTION.format("getvariable"), "getvariable"),
    ("SELECT current_database()", FUNCTION.format("current_database"), "current_database"),
    ("SELECT current_catalog", FUNCTION.format("current_catalog"), "current_catalog"),
    ("SELECT version()", FUNCTION.format("version"), "version"),
    ("SELECT read_text('/etc/passwd')", FUNCTION.format("read_text"), "read_text"),
    ("SELECT nextval('seq')", FUNCTION.format("nextval"), "nextval"),
    ("SELECT list_aggregate([1], 'sum')", FUNCTION.format("list_aggregate"), "list_aggregate"),
    ("SELECT my_macro(1)", FUNCTION.format("my_macro"), "my_macro"),
    ("SELECT list_transform([1], x -> getenv('HOME'))", FUNCTION.format("getenv"), "getenv"),
    ("SELECT main.lower('A')", "Function main.lower is not allowed in ucsql queries: call "
     "functions by their bare name, as lower(...).", "lower"),
    ("SELECT user", "user on its own is not allowed in ucsql queries: DuckDB may answer it from "
     "the session instead of a column. Write current_user for the calling principal, or qualify "
     "the column as <table>.user.", "user"),
    # nested reads of raw tables
    ("SELECT * FROM system.access.audit WHERE principal IN "
     "(SELECT name FROM (SELECT * FROM ucsql_securable))",
     ONLY_VIEWS.format("ucsql_securable"), "ucsql_securable"),
    ("SELECT model_name FROM system.information_schema.registered_models "
     "UNION SELECT name FROM ucsql_securable", ONLY_VIEWS.format("ucsql_securable"),
     "ucsql_securable"),
    ("SELECT * FROM system.access.audit WHERE principal = (SELECT max(name) FROM ucsql_securable)",
     ONLY_VIEWS.format("ucsql_securable"), "ucsql_securable"),
    ("SELECT * FROM system.information_schema.registered_models r, "
     "LATERAL (SELECT * FROM ucsql_grant WHERE a > 0) g", ONLY_VIEWS.format("ucsql_grant"),
     "ucsql_grant"),
    ("SELECT * FROM system.information_schema.registered_models r "
     "JOIN LATERAL read_csv(r.model_name) x ON true", FUNCTION.format("read_csv"), "read_csv"),
    ("SELECT * FROM unnest((SELECT list(a) FROM ucsql_grant))", ONLY_VIEWS.format("ucsql_grant"),
     "ucsql_grant"),
    # statements and clauses that are not a read-only query
    ("INSERT INTO ucsql_grant VALUES (1)", NOT_A_QUERY.format("INSERT"), "INSERT"),
    ("COPY ucsql_grant TO '/tmp/x.csv'", NOT_A_QUERY.format("COPY"), "COPY"),
    ("PRAGMA database_list", NOT_A_QUERY.format("PRAGMA"), "PRAGMA"),
    ("SET threads = 1", NOT_A_QUERY.format("SET"), "SET"),
    ("CREATE TABLE x AS SELECT 1", NOT_A_QUERY.format("CREATE"), "CREATE"),
    ("ATTACH '/tmp/x.db'", NOT_A_QUERY.format("ATTACH"), "ATTACH"),
    ("SUMMARIZE system.access.audit", NOT_A_QUERY.format("SUMMARIZE"), "SUMMARIZE"),
    ("SELECT 1 INTO t", NOT_ALLOWED.format("SELECT ... INTO"), "SELECT ... INTO"),
    ("SELECT * FROM system.access.audit FOR UPDATE", NOT_ALLOWED.format("FOR UPDATE / FOR SHARE"),
     "FOR UPDATE / FOR SHARE"),
    ("WITH x AS (DELETE FROM ucsql_grant RETURNING *) SELECT * FROM x",
     NOT_ALLOWED.format("DELETE"), "DELETE"),
    ("SELECT * FROM (DESCRIBE ucsql_grant)", NOT_ALLOWED.format("DESCRIBE"), "DESCRIBE"),
]


@pytest.mark.parametrize("sql, message, securable", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_refused(sql, message, securable):
    with pytest.raises(PermissionDenied) as caught:
        guard(sql, principal="mallory")
    error = caught.value
    assert error.message == message
    assert (error.principal, error.operation, error.securable) == ("mallory", "SELECT", securable)
    assert error.missing
    assert error.code == "PERMISSION_DENIED"


def test_command_fallback_is_refused():
    tree = sqlglot.parse_one("LOAD httpfs", read="duckdb")
    assert isinstance(tree, sqlglot.exp.Command)
    with pytest.raises(PermissionDenied, match="^LOAD is not a read-only query"):
        guard_select(tree, VIEWS, "alice")


# --- property: unknown names never get through ---------------------------------------------------

_names = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
            min_size=1, max_size=20),
)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(_names, min_size=1, max_size=3), quote=st.booleans())
def test_unknown_tables_are_always_refused(parts, quote):
    assume(not (len(parts) == 3 and parts[0].lower() == "system"
                and (parts[1].lower(), parts[2].lower()) in VIEWS))
    name = ".".join(_quoted(p) if quote or not p.isidentifier() else p for p in parts)
    try:
        tree = sqlglot.parse_one(f"SELECT * FROM {name}", read="duckdb")
    except sqlglot.errors.SqlglotError:
        assume(False)
    with pytest.raises(PermissionDenied):
        guard_select(tree, VIEWS, "alice")


# --- Long queries: the guard's work grows with the query, not with its square -----------------

_MODELS = {("information_schema", "registered_models"): "models_view"}


def _chain(n: int, joiner: str, term: str = "length(model_name) <> {i}") -> str:
    return ("SELECT count(*) FROM system.information_schema.registered_models WHERE "
            + f" {joiner} ".join(term.format(i=i) for i in range(n)))


@pytest.mark.parametrize("joiner", ["AND", "OR"])
def test_a_long_chain_of_conditions_is_checked_not_refused_as_too_deep(joiner):
    # 5,000 terms once took the guard minutes (every node rendered its whole subtree) or failed
    # as "nested too deeply"; the same text with an ungranted function inside is still refused.
    guarded = guard_select(sqlglot.parse_one(_chain(5000, joiner), read="duckdb"), _MODELS, "bob")
    assert guarded.views == {("information_schema", "registered_models")}
    terms = [f"length(model_name) <> {i}" for i in range(5000)]
    terms[3172] = "getenv('HOME') = 'x'"
    text = _chain(0, joiner) + f" {joiner} ".join(terms)
    with pytest.raises(PermissionDenied, match="getenv"):
        guard_select(sqlglot.parse_one(text, read="duckdb"), _MODELS, "bob")


def test_balanced_chains_mean_what_the_user_wrote():
    # Mixed AND/OR with parentheses and NULLs: the guarded query counts what DuckDB counts for the
    # text as written.
    con = duckdb.connect()
    con.execute("CREATE TABLE models_view AS SELECT CASE WHEN i % 7 = 0 THEN NULL "
                "ELSE 'm' || i END AS model_name FROM range(200) t(i)")
    terms = [f"(model_name <> 'm{i}' OR length(model_name) > {i % 4})" for i in range(150)]
    text = _chain(0, "AND") + " AND ".join(terms)
    guarded = guard_select(sqlglot.parse_one(text, read="duckdb"), _MODELS, "bob")
    expected = con.sql(text.replace("system.information_schema.registered_models",
                                    "models_view")).fetchall()
    assert con.sql(guarded.sql.replace("temp.main.", "")).fetchall() == expected
