"""Fuzzing the front door: whatever text reaches ``Catalog.sql``, ucsql answers with a result or a
typed ``UcsqlError``, a failing statement changes nothing, and no query reads a file or a raw
metastore table.

Families of input:

* random text and token soup (dialect keywords, names, strings, quotes, backticks, ``;``,
  comment markers, parentheses, unicode, NUL and control characters);
* mutations of the valid statements of ``tests/fixtures/dialect_identity.sql``;
* SELECTs composed of allowed and forbidden sources and functions (files, raw ``ucsql_*``
  tables, DuckDB's catalog functions, settings, ``query()``, DML or ATTACH inside a CTE ...);
* statements smuggled in names, aliases, tag keys and values, and MLflow filter strings.

"Nothing changed" compares every ``ucsql_*`` table but the audit log (read straight from the
file with the engine's own cursor, under a lease) and the model files beside the metastore,
before and after
the statement that failed. Scripts run through ``Catalog.run``, the generator ``Catalog.sql``
loops over, so a script whose third statement fails is checked against the state after its
second.

Hypothesis keeps no example database (``database=None``) and every test is sized so that the
whole module runs in well under a minute.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st
from sqlglot import exp

import ucsql
from ucsql import dialect
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

# What the brief allows ucsql to raise (UnsupportedStatement is a ParseError).
TYPED = (ParseError, UnsupportedStatement, InvalidArgument, NotFound, PermissionDenied,
         AlreadyExists)

FIXTURE = Path(__file__).parent / "fixtures" / "dialect_identity.sql"
IDENTITY = [line for line in FIXTURE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("--")]

_FUZZ = settings(deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                        HealthCheck.data_too_large])


def fuzz(examples: int) -> settings:
    return settings(_FUZZ, max_examples=examples)


@pytest.fixture(autouse=True, scope="module")
def _short_query_timeout():
    """Random queries include endless ones (WITH RECURSIVE without an end): they must come back
    as a typed error after UCSQL_QUERY_TIMEOUT, not hang the suite."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UCSQL_QUERY_TIMEOUT", "3")
        yield


# --- worlds ---------------------------------------------------------------------------------------

@dataclass
class World:
    """A real metastore file with a little of everything in it."""

    tmp: Path
    cat: ucsql.Catalog
    model_dir: Path
    secret_file: Path
    file_secret: str      # the content of secret_file: must never come back from a query
    view_secret: str      # in raw tables only bob may not see through the views

    def as_(self, principal: str) -> ucsql.Catalog:
        return self.cat.as_principal(principal)


def _make_world(tmp: Path) -> World:
    cat = ucsql.connect(str(tmp) + "/m.duckdb", principal="admin")
    model_dir = write_model_dir(tmp / "model_src")
    mark = uuid.uuid4().hex[:12]
    file_secret = f"FILESECRET{mark}"
    secret_file = tmp / "secret.csv"
    secret_file.write_text(f"col\n{file_secret}\n")
    view_secret = f"TOPSECRET{mark}"
    cat.sql(f"""
        CREATE CATALOG prod; CREATE SCHEMA prod.ml_team; CREATE MODEL prod.ml_team.iris;
        CREATE CATALOG staging; CREATE SCHEMA staging.ml_team; CREATE MODEL staging.ml_team.iris;
        ALTER MODEL prod.ml_team.iris ADD VERSION FROM '{model_dir}' RUN 'run-1';
        ALTER MODEL staging.ml_team.iris ADD VERSION FROM '{model_dir}';
        ALTER MODEL prod.ml_team.iris SET ALIAS Champion TO VERSION 1;
        SET TAG ON MODEL prod.ml_team.iris task = 'classification';
        CREATE USER bob; CREATE GROUP `ml-team`; ALTER GROUP `ml-team` ADD USER bob;
        CREATE USER `u'); DROP TABLE ucsql_grant; --`;
        GRANT USE CATALOG ON CATALOG prod TO `ml-team`;
        GRANT USE SCHEMA ON SCHEMA prod.ml_team TO `ml-team`;
        GRANT EXECUTE ON FUNCTION prod.ml_team.iris TO bob;
        CREATE CATALOG hidden COMMENT '{view_secret}-comment';
        CREATE SCHEMA hidden.s COMMENT '{view_secret}-schema';
        CREATE MODEL hidden.s.m COMMENT '{view_secret}-model';
        ALTER MODEL hidden.s.m ADD VERSION FROM '{model_dir}' RUN '{view_secret}-run';
        SET TAG ON CATALOG hidden t = '{view_secret}-tag';
        CREATE USER `{view_secret}-grantor`; CREATE USER `{view_secret}-grantee`;
        ALTER CATALOG hidden OWNER TO `{view_secret}-grantor`;
    """)
    # ucsql_grant.granted_by carries the marker: a raw grant row read by bob gives it away.
    cat.as_principal(f"{view_secret}-grantor").sql(
        f"GRANT USE CATALOG ON CATALOG hidden TO `{view_secret}-grantee`")
    return World(tmp, cat, model_dir, secret_file, file_secret, view_secret)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """For the fuzzers that may change things (valid statements do run)."""
    w = _make_world(tmp_path_factory.mktemp("fuzz"))
    yield w
    w.cat.close()


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    """Read-only: only SELECTs run here, so what bob may see stays what it was."""
    w = _make_world(tmp_path_factory.mktemp("vault"))
    bob_sees = _everything_visible(w.as_("bob"))
    admin_sees = _everything_visible(w.cat)
    # The markers are where the leak checks look for them: in the views for the admin, not for bob.
    assert w.view_secret in admin_sees and w.view_secret not in bob_sees
    assert "prod" in bob_sees
    yield w
    w.cat.close()


def _everything_visible(cat: ucsql.Catalog) -> str:
    views = [f"system.{schema}.{view}" for schema, view in cat.engine.metastore.views
             if schema != "access"]
    return "\n".join(repr(cat.sql(f"SELECT * FROM {v}").fetchall()) for v in views)


# --- snapshots ------------------------------------------------------------------------------------

def _raw_rows(cat: ucsql.Catalog, sql: str) -> list[tuple]:
    """Rows read straight from the file with the engine's own cursor, under a lease (the
    metastore lets go of the file when idle and closes its cursors)."""
    metastore = cat.engine.metastore
    with metastore.lease():
        return metastore.cursor().execute(sql).fetchall()


def tables(cat: ucsql.Catalog) -> list[str]:
    return [r[0] for r in _raw_rows(
        cat, "SELECT table_name FROM duckdb_tables() WHERE NOT temporary "
             "AND database_name = current_database() AND starts_with(table_name, 'ucsql_') "
             "ORDER BY table_name")]


def snapshot(w: World) -> dict[str, Any]:
    """Every ucsql_* table but ucsql_audit, row by row, and the model files."""
    snap: dict[str, Any] = {}
    metastore = w.cat.engine.metastore
    with metastore.lease():
        for table in tables(w.cat):
            if table != "ucsql_audit":
                snap[table] = sorted(map(repr, _raw_rows(w.cat, f'SELECT * FROM "{table}"')))
    root = Path(str(w.tmp / "m.duckdb") + ".models")
    snap["files"] = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return snap


def audit_count(w: World) -> int:
    w.cat.engine.metastore.flush_audit()  # rows of reads may still be waiting to be written
    return _raw_rows(w.cat, "SELECT count(*) FROM ucsql_audit")[0][0]


@dataclass
class Outcome:
    error: BaseException | None
    node: exp.Expression | None       # the statement that failed (None: the script did not parse)
    parsed: list[exp.Expression] | None
    changed: bool                     # did the failing statement (or parse) change anything
    ran: int                          # statements that completed
    audit_added: int


def attempt(w: World, text: str, principal: str = "admin", params: Any = None) -> Outcome:
    """Run a script statement by statement (Catalog.run is what Catalog.sql loops over)."""
    try:
        parsed = dialect.parse(text)
    except BaseException:  # noqa: BLE001 - classified below through Catalog.run itself
        parsed = None
    cat = w.as_(principal)
    before = snapshot(w)
    audit_before = audit_count(w)
    ran = 0
    try:
        for _ in cat.run(text, params):
            ran += 1
            if parsed is not None and ran < len(parsed):
                before = snapshot(w)
    except BaseException as error:  # noqa: BLE001 - the point is to see everything
        node = parsed[ran] if parsed is not None and ran < len(parsed) else None
        changed = snapshot(w) != before
        return Outcome(error, node, parsed, changed, ran, audit_count(w) - audit_before)
    return Outcome(None, None, parsed, False, ran, audit_count(w) - audit_before)


def _describe(outcome: Outcome) -> str:
    e = outcome.error
    return f"{type(e).__name__}: {str(e)[:300]}" if e is not None else "no error"


def assert_position_within(text: str, error: ParseError) -> None:
    lines = text.splitlines() or [""]
    assert isinstance(error.line, int) and isinstance(error.column, int)
    assert 1 <= error.line <= len(lines), (error.line, len(lines))
    assert 1 <= error.column <= len(lines[error.line - 1]) + 1, \
        (error.line, error.column, lines[error.line - 1])


# --- vocabulary -----------------------------------------------------------------------------------

KEYWORDS = [
    "CREATE", "DROP", "ALTER", "COMMENT", "ON", "IS", "SET", "UNSET", "TAG", "TAGS", "GRANT",
    "REVOKE", "SHOW", "DESCRIBE", "DESC", "GET", "SELECT", "WITH", "FROM", "VALUES", "CATALOG",
    "SCHEMA", "DATABASE", "MODEL", "FUNCTION", "METASTORE", "GROUP", "USER", "USERS", "VERSION",
    "VERSIONS", "ALIAS", "ADD", "RENAME", "TO", "OWNER", "IF", "NOT", "EXISTS", "CASCADE",
    "RESTRICT", "MANAGED", "LOCATION", "RUN", "LINK", "LOGGED", "SOURCE", "LINEAGE", "EXTENDED",
    "LIKE", "IN", "ALL", "PRIVILEGES", "USE", "EXECUTE", "CATALOGS", "SCHEMAS", "DATABASES",
    "MODELS", "GROUPS", "GRANTS", "INSERT", "INTO", "UPDATE", "DELETE", "ATTACH", "DETACH",
    "COPY", "PRAGMA", "TABLE", "VIEW", "WHERE", "UNION", "JOIN", "AS", "NULL", "TRUE", "AND",
    "OR", "RECURSIVE", "LATERAL", "ORDER", "BY", "LIMIT", "INSTALL", "LOAD", "EXPLAIN", "CALL",
    "BEGIN", "COMMIT", "ROLLBACK", "TRUNCATE"
]
NAMES = ["prod", "ml_team", "iris", "main", "default", "staging", "bob", "admin", "x", "Champion",
         "system.access.audit", "system.information_schema.catalogs", "prod.ml_team.iris",
         "ucsql_grant", "ucsql_audit", "current_user", "count(*)", "USE_CATALOG", "`ml-team`",
         "`account users`", "`a b`", "`x;y`", "`it's`", "`a``b`", "``", "a.b.c.d"]
LITERALS = ["'x'", "''", "'it''s'", '"dq"', "1", "2", "0", "-1", "99999999999999999999", "1.5",
            "'/tmp'", "'*'", "'[]'", "$$x$$", "e'\\x00'", "x'00'", "?", "$1", "$x", ":name"]
PUNCT = [";", ";", "--", "/*", "*/", "(", ")", ",", ".", "=", "*", "'", '"', "`", "$", "$$",
         "[", "]", "{", "}", "->", "::", "||", "@", "\\"]
ODD = ["ü", "✓", "İ", "ß", "\u2028", "\u2029", "\ufeff", "\u200b", "𝔘", "\x00", "\x01",
       "\x1b", "\x7f", "\x85", "\t", "\n", "\r", "\x0b", "\x0c", "\r\n"]
TOKENS = KEYWORDS + NAMES + LITERALS + PUNCT + ODD
SEPARATORS = [" ", " ", " ", "", "\n", "\t", "\r\n", "  "]

# Random characters without lone surrogates (they have a test of their own).
CHARS = st.characters(blacklist_categories=("Cs",))
random_text = st.text(CHARS, max_size=120)


@st.composite
def soup(draw) -> str:
    parts = draw(st.lists(st.tuples(st.sampled_from(TOKENS), st.sampled_from(SEPARATORS)),
                          min_size=1, max_size=24))
    return "".join(token + sep for token, sep in parts)


def _localize(w: World, text: str) -> str:
    """Point the fixture's paths at real places under the world's tmp dir."""
    return (text.replace("'/tmp/model'", f"'{w.model_dir}'")
            .replace("'/path/to/mlflow_model_dir'", f"'{w.model_dir}'")
            .replace("'/data/", f"'{w.tmp}/data/"))


_TOKEN_RE = re.compile(r"`(?:[^`]|``)*`|'(?:[^']|'')*'|\w+|\s+|.", re.DOTALL)


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(IDENTITY))
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["delete", "insert_char", "insert_token", "swap_chars",
                                   "swap_tokens", "duplicate", "truncate", "replace_token",
                                   "case", "semicolon"]))
        n = len(text)
        if op == "delete" and n:
            i = draw(st.integers(0, n - 1))
            text = text[:i] + text[i + draw(st.integers(1, 6)):]
        elif op == "insert_char":
            i = draw(st.integers(0, n))
            text = text[:i] + draw(st.one_of(CHARS, st.sampled_from(PUNCT + ODD))) + text[i:]
        elif op == "insert_token":
            i = draw(st.integers(0, n))
            text = text[:i] + draw(st.sampled_from(TOKENS)) + draw(st.sampled_from(SEPARATORS)) \
                + text[i:]
        elif op == "swap_chars" and n >= 2:
            i, j = sorted(draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2)))
            chars = list(text)
            chars[i], chars[j] = chars[j], chars[i]
            text = "".join(chars)
        elif op in ("swap_tokens", "duplicate", "replace_token"):
            tokens = _TOKEN_RE.findall(text)
            if not tokens:
                continue
            i = draw(st.integers(0, len(tokens) - 1))
            j = draw(st.integers(i, len(tokens) - 1))
            if op == "swap_tokens":
                tokens[i], tokens[j] = tokens[j], tokens[i]
            elif op == "duplicate":  # a clause (a run of tokens) written twice
                tokens[j + 1:j + 1] = [" "] + tokens[i:j + 1]
            else:
                tokens[i] = draw(st.sampled_from(TOKENS))
            text = "".join(tokens)
        elif op == "truncate":
            text = text[:draw(st.integers(0, n))]
        elif op == "case":
            text = draw(st.sampled_from([text.lower(), text.upper(), text.swapcase()]))
        elif op == "semicolon":
            i = draw(st.integers(0, n))
            text = text[:i] + ";" + draw(st.sampled_from(IDENTITY + [""])) + text[i:]
    return text


PARAM_VALUES = st.one_of(
    st.none(), st.text(CHARS, max_size=8), st.integers(-3, 10**20),
    st.sampled_from(["prod", "ml_team", "iris", "1", "Champion", "task", "'); DROP TABLE x; --",
                     "*", "[]"]),
    st.floats(allow_nan=True), st.binary(max_size=4), st.lists(st.integers(), max_size=2),
    st.booleans(),
)
PARAM_NAMES = ["location", "comment", "source", "run_id", "version", "task", "key", "value",
               "pattern", "k", "v", "uri", "run", "link", "logged", "lineage", "1", "2"]
params_strategy = st.one_of(
    st.none(),
    st.lists(PARAM_VALUES, max_size=5),
    st.dictionaries(st.sampled_from(PARAM_NAMES), PARAM_VALUES, max_size=5),
)
principals = st.sampled_from(["admin", "admin", "bob", "carol"])

text_inputs = st.one_of(random_text, soup(), mutated())


# --- 1. random text, token soup and mutations: typed errors --------------------------------

def _check_typed(w: World, text: str, principal: str, params: Any) -> None:
    text = _localize(w, text)
    note(f"text={text!r} principal={principal} params={params!r}")
    outcome = attempt(w, text, principal, params)
    note(_describe(outcome))
    if outcome.error is None:
        return
    assert isinstance(outcome.error, TYPED), _describe(outcome)
    if isinstance(outcome.error, ParseError):
        assert_position_within(text, outcome.error)


@fuzz(120)
@given(text=st.one_of(random_text, soup()), principal=principals)
def test_random_text_and_token_soup_raise_only_typed_errors(world, text, principal):
    _check_typed(world, text, principal, None)


@fuzz(120)
@given(text=mutated(), principal=principals, params=params_strategy)
def test_mutated_statements_raise_only_typed_errors(world, text, principal, params):
    _check_typed(world, text, principal, params)


@pytest.mark.parametrize("line", IDENTITY)
def test_parse_errors_of_every_truncation_point_inside_the_text(line):
    """Every prefix and every one-character deletion of every fixture statement either parses or
    raises a ParseError whose line and column lie inside the text."""
    variants = {line[:i] for i in range(len(line))} | {line[:i] + line[i + 1:]
                                                       for i in range(len(line))}
    for text in variants:
        try:
            dialect.parse(text)
        except ParseError as e:
            assert_position_within(text, e)
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"dialect.parse({text!r}) raised {type(e).__name__}: {e}")


# --- 2. a failing statement changes nothing ------------------------------------------------------

@fuzz(100)
@given(text=text_inputs, principal=principals, params=params_strategy)
def test_a_failing_statement_changes_nothing(world, text, principal, params):
    text = _localize(world, text)
    note(f"text={text!r} principal={principal} params={params!r}")
    outcome = attempt(world, text, principal, params)
    note(_describe(outcome))
    assert not outcome.changed, f"{_describe(outcome)} left a change behind"
    if outcome.error is not None and outcome.parsed is None:
        assert outcome.ran == 0  # a script that does not parse runs nothing


@fuzz(100)
@given(text=text_inputs, principal=principals)
@example(text="VALUES (1)", principal="admin")
@example(text="SHOW CATALOGS; VALUES (1), (2)", principal="bob")
def test_every_statement_is_audited_exactly_once(world, text, principal):
    """One audit row per statement that ran, plus one for the statement (or the unparseable or
    refused script) that failed."""
    text = _localize(world, text)
    note(f"text={text!r} principal={principal}")
    outcome = attempt(world, text, principal)
    note(_describe(outcome))
    expected = outcome.ran + (1 if outcome.error is not None else 0)
    assert outcome.audit_added == expected, _describe(outcome)


def test_the_process_survives_and_the_metastore_still_answers(world):
    """After all the fuzzing above: the file still opens, the tables are all there, and the
    admin can still read through every interface."""
    assert {"ucsql_audit", "ucsql_grant", "ucsql_securable", "ucsql_principal"} <= set(
        tables(world.cat))
    # The random statements above may have handed the metastore on (ALTER METASTORE OWNER TO
    # bob is a few tokens long): read as whoever is its admin now.
    [(owner,)] = _raw_rows(world.cat, "SELECT p.name FROM ucsql_securable AS s JOIN "
                           "ucsql_principal AS p ON p.principal_id = s.owner_id "
                           "WHERE s.kind = 'METASTORE'")
    admin = world.cat.as_principal(owner)
    assert admin.sql("SELECT count(*) FROM system.access.audit").scalar() > 0
    admin.sql("SHOW CATALOGS")


EXIT_SCRIPT = """
import sys, time, ucsql
cat = ucsql.connect(sys.argv[1], principal="admin")
cat.sql("SHOW CATALOGS")
time.sleep(float(sys.argv[2]))  # then exit without close(), as scripts and the MLflow store do
"""


def test_a_script_that_exits_without_closing_exits_cleanly(tmp_path):
    """The metastore lets go of the file after UCSQL_IDLE_RELEASE (0.2 s) of quiet, from a timer
    thread. A process that ends while that timer closes the connection must still exit 0, not
    abort in DuckDB ("terminate called after throwing ... FATAL: exception not rethrown")."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UCSQL_")}
    for i, pause in enumerate(["0.2", "0.205", "0.21", "0.22"]):
        run = subprocess.run([sys.executable, "-c", EXIT_SCRIPT, str(tmp_path / f"m{i}.duckdb"),
                              pause], capture_output=True, text=True, timeout=120, env=env,
                             cwd=Path(__file__).parent.parent, check=False)
        assert run.returncode == 0, (pause, run.returncode, run.stderr[-300:])


# --- 3. nesting and lone surrogates --------------------------------------------------------------

NESTED = [
    lambda n: "SELECT " + "(" * n + "1" + ")" * n,
    lambda n: "SELECT " + "NOT " * n + "true",
    lambda n: "SELECT " + "lower(" * n + "'a'" + ")" * n,
    lambda n: "SELECT * FROM " + "(SELECT * FROM " * n + "system.information_schema.catalogs"
              + ")" * n,
    lambda n: "(" * n,
    lambda n: "SELECT " + "[" * n + "1" + "]" * n,
]


@pytest.mark.parametrize("depth", [50, 200, 2000])
@pytest.mark.parametrize("shape", range(len(NESTED)))
def test_deep_nesting_is_a_typed_error_or_a_result(world, shape, depth):
    text = NESTED[shape](depth)
    outcome = attempt(world, text)
    assert outcome.error is None or isinstance(outcome.error, TYPED), \
        f"{text[:60]}... (depth {depth}): {_describe(outcome)}"
    assert not outcome.changed


SURROGATES = [
    "SELECT '\ud800'",
    "CREATE CATALOG `\udfff`",
    "SET TAG ON MODEL prod.ml_team.iris t = 'a\ud83db'",
    "COMMENT ON CATALOG prod IS '\ud800'",
    "SELEC \ud800",
]


@pytest.mark.parametrize("text", SURROGATES, ids=[s.encode("unicode_escape").decode()[:30]
                                                  for s in SURROGATES])
def test_lone_surrogates_are_a_typed_error_and_audited(world, text):
    """A Python str may hold a lone surrogate (e.g. from a file decoded with surrogateescape)."""
    outcome = attempt(world, text)
    assert outcome.error is None or isinstance(outcome.error, TYPED), _describe(outcome)
    assert not outcome.changed
    assert outcome.audit_added == 1, _describe(outcome)


# --- 4. SELECT fuzzing: no file, no raw table ----------------------------------------------------

ALLOWED_SOURCES = [
    "system.information_schema.catalogs", "system.information_schema.schemata",
    "system.information_schema.registered_models", "system.information_schema.model_versions",
    "system.information_schema.model_tags", "system.information_schema.catalog_tags",
    "system.information_schema.catalog_privileges", "system.information_schema.routine_privileges",
    "system.information_schema.model_lineage", "system.access.audit",
    "SYSTEM.Information_Schema.CATALOGS", '"system"."information_schema"."registered_models"',
    "range(3)", "unnest([1, 2])", "generate_series(1, 2)", "(SELECT 1 AS x)",
    "(VALUES (1), (2)) AS v(x)",
]


def forbidden_sources(w: World) -> list[str]:
    f, d = w.secret_file, w.tmp
    return [
        f"read_csv('{f}')", f"read_csv_auto('{f}')", f"read_text('{f}')", f"read_blob('{f}')",
        f"'{f}'", f'"{f}"', f"glob('{d}/*')", f"sniff_csv('{f}')", f"read_json_auto('{f}')",
        f"read_parquet('{f}')", f"parquet_scan('{f}')", f"main.read_csv('{f}')",
        f"query('SELECT * FROM read_csv(''{f}'')')",
        "ucsql_grant", "main.ucsql_grant", '"ucsql_grant"', "UCSQL_GRANT", "m.ucsql_grant",
        "m.main.ucsql_grant", "ucsql_audit", "ucsql_principal", "ucsql_securable",
        "ucsql_securable_tag", "ucsql_model_version", "temp.main.sys__access__audit",
        "sys__access__audit", "sys__information_schema__catalogs", "information_schema.tables",
        "system.main.ucsql_grant", "system.access.ucsql_grant", "system.information_schema.tables",
        "duckdb_tables()", "duckdb_settings()", "duckdb_columns()", "duckdb_functions()",
        "duckdb_databases()", "pragma_table_info('ucsql_grant')", "pragma_database_list()",
        "pragma_storage_info('ucsql_grant')", "query('SELECT * FROM ucsql_grant')",
        "query_table('ucsql_grant')", "query_table(['ucsql_grant', 'ucsql_audit'])",
        "ucsql_catalog_objects()", "ucsql_visible('admin')",
        "ucsql_authorize('admin', NULL, 'SEE')", "ucsql_grants_on(1, false)",
        "ucsql_principal_closure('admin')", "sqlite_master", "pg_catalog.pg_tables",
        "(PIVOT ucsql_grant ON privilege USING count(*))", "(FROM ucsql_grant)",
        "(SELECT * FROM ucsql_audit)", "(TABLE ucsql_grant)",
    ]


ALLOWED_EXPRESSIONS = [
    "1", "'a'", "current_user", "lower('X')", "count(*)", "now()", "[1, 2]", "{'a': 1}",
    "list_transform([1], x -> x + 1)", "coalesce(NULL, 1)", "CASE WHEN true THEN 1 END", "*",
    "concat('a', 'b')", "row_number() OVER ()",
]


def forbidden_expressions(w: World) -> list[str]:
    f = w.secret_file
    return [
        "getenv('HOME')", "current_setting('home_directory')", "getvariable('ucsql_principal')",
        "current_database()", "current_schema()", "version()", "nextval('ucsql_audit_id_seq')",
        "currval('ucsql_audit_id_seq')", "setval('ucsql_audit_id_seq', 1)", "user",
        "current_role", "query('SELECT 1')", "list_aggregate([1], 'count')",
        "(SELECT count(*) FROM ucsql_grant)", "(SELECT max(granted_by) FROM ucsql_grant)",
        "(SELECT string_agg(statement, ',') FROM ucsql_audit)",
        "EXISTS (SELECT 1 FROM ucsql_grant)",
        f"(SELECT content FROM read_text('{f}'))", f"(SELECT * FROM '{f}')", "main.lower('x')",
        "'x'.getenv()", "list_transform([1], x -> getenv('HOME'))",
        "(FROM ucsql_grant SELECT granted_by LIMIT 1)", "json_extract(getenv('HOME'), '$')",
        "pragma_version()", "error('x')", f"read_text('{f}')", f"file_exists('{f}')",
        "(SELECT list(name) FROM ucsql_principal)", "(SELECT comment FROM ucsql_securable LIMIT 1)",
        "array_to_string((SELECT list(value) FROM ucsql_securable_tag), ',')",
        "sql_auto_complete('SEL')", "duckdb_secrets()", "current_query()",
    ]


CTE_NAMES = ["c", "ucsql_grant", "ucsql_audit", "sys__access__audit", "catalogs", "read_csv"]


@st.composite
def selects(draw, w: World, depth: int = 0) -> str:
    """A query mixing allowed and forbidden parts, sometimes nested, sometimes followed by DML."""
    def source() -> str:
        choice = draw(st.integers(0, 9))
        if choice < 4:
            return draw(st.sampled_from(ALLOWED_SOURCES))
        if choice < 8 or depth >= 2:
            return draw(st.sampled_from(forbidden_sources(w)))
        return f"({draw(selects(w, depth + 1))}) AS sub{depth}"

    def expression() -> str:
        if draw(st.integers(0, 2)) == 0:
            return draw(st.sampled_from(forbidden_expressions(w)))
        return draw(st.sampled_from(ALLOWED_EXPRESSIONS))

    c = draw(st.sampled_from(CTE_NAMES))
    e, e2, s, s2 = expression(), expression(), source(), source()
    forms = [
        f"SELECT {e} FROM {s}",
        f"SELECT * FROM {s}",
        f"FROM {s} SELECT {e}",
        f"WITH {c} AS (SELECT * FROM {s}) SELECT * FROM {c}",
        f"WITH RECURSIVE {c} AS (SELECT * FROM {c}) SELECT * FROM {c}",
        f"WITH RECURSIVE {c} AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM {s}) SELECT * FROM {c}",
        f"SELECT {e} FROM {s} JOIN {s2} ON true",
        f"SELECT {e} FROM {s}, LATERAL (SELECT {e2} FROM {s2}) AS l",
        f"SELECT {e} UNION ALL SELECT {e2} FROM {s}",
        f"SELECT * FROM {s} WHERE EXISTS (SELECT {e} FROM {s2})",
        f"SELECT ({'SELECT ' + e2 + ' FROM ' + s2}) AS x",
        f"SELECT {e} FROM {s} ORDER BY 1 LIMIT 5",
        f"SELECT {e} FROM {s} QUALIFY row_number() OVER () = 1",
        f"(SELECT {e} FROM {s})",
        f"WITH x AS (ATTACH '{w.tmp}/other.duckdb' AS o) SELECT 1",
        f"WITH {c} AS (DELETE FROM ucsql_audit RETURNING *) SELECT * FROM {c}",
        f"WITH {c} AS (SELECT 1) INSERT INTO ucsql_grant SELECT * FROM ucsql_grant",
        f"SELECT {e} FROM {s} INTO t",
        f"SELECT * FROM {s} AS ucsql_grant",
        f"SELECT {e}, {e2} FROM {s} GROUP BY ALL",
    ]
    query = draw(st.sampled_from(forms))
    if depth == 0 and draw(st.integers(0, 7)) == 0:
        query += draw(st.sampled_from(["; DELETE FROM ucsql_audit", "; DROP TABLE ucsql_grant",
                                       f"; COPY ucsql_grant TO '{w.tmp}/out.csv'",
                                       "; SELECT 1"]))
    return query


def _leaks(w: World, principal: str, outcome: Outcome, result_text: str) -> list[str]:
    secrets = [w.file_secret] + ([w.view_secret] if principal != "admin" else [])
    error_text = "" if outcome.error is None else str(outcome.error)
    return [s for s in secrets if s in result_text or s in error_text]


def _run_select(w: World, text: str, principal: str) -> tuple[Outcome, str]:
    """Run a query; return the outcome and every value it returned, as text."""
    cat = w.as_(principal)
    try:
        result = cat.sql(text)
    except BaseException as error:  # noqa: BLE001
        return Outcome(error, None, None, False, 0, 0), ""
    shown = repr(result.columns) + repr(result.table.to_pylist())
    return Outcome(None, None, None, False, 1, 0), shown


@pytest.fixture(scope="module")
def select_strategy(vault):
    return selects(vault)


@fuzz(150)
@given(data=st.data(), principal=st.sampled_from(["bob", "bob", "admin"]))
def test_selects_never_read_a_file_or_a_raw_table(vault, select_strategy, data, principal):
    text = data.draw(select_strategy, label="query")
    outcome, shown = _run_select(vault, text, principal)
    note(_describe(outcome))
    assert not _leaks(vault, principal, outcome, shown), \
        f"{principal} got a secret back from {text!r}: {shown[:300]} {_describe(outcome)}"


@fuzz(100)
@given(data=st.data(), principal=st.sampled_from(["bob", "admin"]))
def test_select_errors_are_typed(vault, select_strategy, data, principal):
    """Refused queries are PermissionDenied / ParseError; a query that passed the guard but fails
    in DuckDB (a column that does not exist, a bad cast, an overflow) must still surface as a
    UcsqlError, not as a raw duckdb exception."""
    text = data.draw(select_strategy, label="query")
    outcome, _ = _run_select(vault, text, principal)
    note(_describe(outcome))
    assert outcome.error is None or isinstance(outcome.error, TYPED), _describe(outcome)


QUERY_RUNTIME_ERRORS = [
    "SELECT nope FROM system.information_schema.catalogs",
    "SELECT 'a'::INT",
    "SELECT 9223372036854775807 + 1",
    "SELECT ?",
    "SELECT regexp_matches('a', '(')",
    # Found by the fuzz: DuckDB fails while Arrow reads the answer (pyarrow raises OSError).
    "SELECT NOW() UNION ALL SELECT 1 FROM system.information_schema.catalogs",
]


@pytest.mark.parametrize("text", QUERY_RUNTIME_ERRORS)
def test_query_runtime_errors_are_ucsql_errors(vault, text):
    with pytest.raises(UcsqlError):
        vault.as_("bob").sql(text)


# --- 4b. resource use: every query ends by its deadline and within its memory -------------------

SIZES = ["3", "100000", "2000000000", "(SELECT count(*) FROM system.information_schema.catalogs)"]
COSTLY = [
    "lpad('', {n}, 'x')", "repeat('ab', {n})", "length(repeat('ab', {n}))", "range({n})",
    "list_resize([1], {n})", "damerau_levenshtein(repeat('a', {n}), repeat('b', {n}))",
    "printf('%{n}d', 1)", "bar(1, 0, 2, {n})", "replace(repeat('a', {n}), 'a', repeat('b', {n}))",
]
SHAPES = [
    "SELECT {e}",
    "SELECT length(string_agg({e}::VARCHAR, '')) FROM range({n})",
    "SELECT count(*) FROM system.information_schema.catalogs a, system.information_schema.catalogs b, range({n}) r WHERE {e} IS NOT NULL",
    "WITH RECURSIVE r(i, s) AS (SELECT 1, 'a' UNION ALL SELECT i + 1, s || s FROM r WHERE i < {n}) SELECT max(length(s)) FROM r",
    "SELECT list_transform(range({n}), x -> {e}) IS NULL",
    "SELECT count(*) FROM (SELECT {e} AS v FROM system.information_schema.registered_models) WHERE v IS NOT NULL",
]


@st.composite
def costly(draw) -> str:
    n = draw(st.sampled_from(SIZES))
    e = draw(st.sampled_from(COSTLY)).format(n=n)
    return draw(st.sampled_from(SHAPES)).format(e=e, n=n)


@fuzz(25)
@given(query=costly(), principal=st.sampled_from(["bob", "admin"]))
def test_costly_queries_end_with_an_answer_or_a_typed_error(vault, query, principal):
    """Values as large as an argument says, rows a join or a range multiplies, recursion:
    each query answers, or is stopped by UCSQL_QUERY_TIMEOUT (3 s here) or UCSQL_QUERY_MEMORY
    with a typed error; nothing hangs, nothing crashes the process."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UCSQL_QUERY_MEMORY", "256MB")
        outcome, _ = _run_select(vault, query, principal)
    note(_describe(outcome))
    assert outcome.error is None or isinstance(outcome.error, TYPED), _describe(outcome)
    assert vault.as_(principal).sql("SELECT 1").scalar() == 1


@fuzz(40)
@given(data=st.data(), principal=st.sampled_from(["bob", "admin"]))
def test_the_sandbox_answers_as_the_metastore_does(vault, select_strategy, data, principal):
    """The same query, run where the file is held and in the sandbox (a no-op repeat() sends it
    there), gives the same answer or the same kind of error: the sandbox sees exactly the
    caller's rows."""
    text = data.draw(select_strategy, label="query")
    if ";" in text or any(f in text for f in ("now()", "row_number", "LIMIT",
                                               "system.access.audit")):
        # scripts, and answers that may differ from one run to the next (the audit log holds
        # the first run's row by the time the second reads it)
        return
    wrapped = f"SELECT * FROM ({text}) AS q WHERE repeat('x', 0) = ''"
    cat = vault.as_(principal)
    here = _answer(cat, text)
    if isinstance(here, str):
        return  # refused or failed as written: wrapped, it fails where the wrapping is parsed
    there = _answer(cat, wrapped)
    note(f"{here!r} / {there!r}")
    assert here == there


def _answer(cat: ucsql.Catalog, text: str):
    """The rows of a query in a canonical order, or the class of its error."""
    try:
        return sorted(map(repr, cat.sql(text).table.to_pylist()))
    except UcsqlError as e:
        return type(e).__name__


# --- 5. statements smuggled in values ------------------------------------------------------------

@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """Shared by the smuggling cases: each changes at most what it names."""
    w = _make_world(tmp_path_factory.mktemp("smuggle"))
    yield w
    w.cat.close()


def _intact(w: World, before: dict[str, Any]) -> None:
    """Every table is still there, no grant went away, main and prod still exist."""
    after = snapshot(w)
    assert set(after) == set(before)
    assert set(before["ucsql_grant"]) <= set(after["ucsql_grant"])
    assert {"main", "prod"} <= {r[0] for r in w.cat.sql("SHOW CATALOGS").fetchall()}


STORED = [
    # (statement, query reading the value back, the value)
    ("CREATE SCHEMA prod.`s;DROP--x`",
     ("SELECT schema_name FROM system.information_schema.schemata "
      "WHERE catalog_name = 'prod' AND schema_name LIKE 's;%'"), "s;drop--x"),
    ("CREATE MODEL prod.ml_team.`m';DROP--`",
     ("SELECT model_name FROM system.information_schema.registered_models "
      "WHERE model_name LIKE 'm''%'"), "m';drop--"),
    ("CREATE GROUP `g'); DROP TABLE ucsql_grant; --`", None, None),
    ("CREATE USER `v'); DROP TABLE ucsql_grant; --`", None, None),
    ("GRANT USE CATALOG ON CATALOG prod TO `u'); DROP TABLE ucsql_grant; --`",
     "SELECT grantee FROM system.information_schema.catalog_privileges WHERE grantee LIKE 'u%'",
     "u'); DROP TABLE ucsql_grant; --"),
    ("SET TAG ON MODEL prod.ml_team.iris `k; DROP TABLE ucsql_grant` = 'v'",
     "SELECT tag_name FROM system.information_schema.model_tags WHERE tag_value = 'v'",
     "k; DROP TABLE ucsql_grant"),
    ("SET TAG ON MODEL prod.ml_team.iris t = '''); DROP TABLE ucsql_grant; --'",
     "SELECT tag_value FROM system.information_schema.model_tags WHERE tag_name = 't'",
     "'); DROP TABLE ucsql_grant; --"),
    ("ALTER MODEL prod.ml_team.iris SET TAGS ('t2' = '; DELETE FROM ucsql_audit')",
     "SELECT tag_value FROM system.information_schema.model_tags WHERE tag_name = 't2'",
     "; DELETE FROM ucsql_audit"),
    ("COMMENT ON CATALOG prod IS 'x''; DROP CATALOG prod CASCADE; --'",
     "SELECT comment FROM system.information_schema.catalogs WHERE catalog_name = 'prod'",
     "x'; DROP CATALOG prod CASCADE; --"),
    ("ALTER MODEL prod.ml_team.iris ADD VERSION FROM '{dir}' RUN 'r''; DROP TABLE ucsql_grant; --'",
     ("SELECT run_id FROM system.information_schema.model_versions WHERE version = 2 "
      "AND model_name = 'iris' AND catalog_name = 'prod'"), "r'; DROP TABLE ucsql_grant; --"),
    ("SELECT 'x''; DELETE FROM ucsql_audit; --' AS v", None, None),
    ('SELECT 1 AS "x; DROP TABLE ucsql_grant"', None, None),
    ("SHOW CATALOGS LIKE '*''; DROP TABLE ucsql_grant; --'", None, None),
]


@pytest.mark.parametrize("statement, readback, value", STORED, ids=[s[0][:45] for s in STORED])
def test_smuggled_statements_are_stored_literally(fresh, statement, readback, value):
    before = snapshot(fresh)
    audit_before = audit_count(fresh)
    result = fresh.cat.sql(statement.replace("{dir}", str(fresh.model_dir)))
    assert audit_count(fresh) == audit_before + 1  # one statement ran, not two
    _intact(fresh, before)
    if readback is not None:
        assert fresh.cat.sql(readback).fetchall() == [(value,)]
    if statement.startswith("SELECT 'x"):
        assert result.fetchall() == [("x'; DELETE FROM ucsql_audit; --",)]
    if statement.startswith('SELECT 1 AS "x'):
        assert result.columns == ["x; DROP TABLE ucsql_grant"]
    if statement.startswith("CREATE GROUP"):
        assert ("g'); DROP TABLE ucsql_grant; --",) in [r[:1] for r in
                                                        fresh.cat.sql("SHOW GROUPS").fetchall()]


REJECTED = [
    ("ALTER MODEL prod.ml_team.iris SET ALIAS `x; DROP` TO VERSION 1", InvalidArgument),
    ("ALTER MODEL prod.ml_team.iris SET ALIAS `x;DROP` TO VERSION 1", InvalidArgument),
    ("CREATE CATALOG `x; DROP TABLE ucsql_grant`", InvalidArgument),
    ("SET TAG ON MODEL prod.ml_team.iris `k'); DROP TABLE ucsql_grant; --` = 'v'", InvalidArgument),
    ("SET TAG ON MODEL prod.ml_team.iris t = ''); DROP TABLE ucsql_grant; --'", ParseError),
    ("ALTER MODEL prod.ml_team.iris SET TAGS ('k' = 'v'); DROP TABLE ucsql_grant; --')",
     UnsupportedStatement),
    ("SELECT 1 AS x; DROP TABLE ucsql_grant", UnsupportedStatement),
    ("SET TAG ON MODEL prod.ml_team.iris t = 'v'; DELETE FROM ucsql_audit", UnsupportedStatement),
    ("CREATE CATALOG a; CREATE CATALOG b; ATTACH 'x.duckdb' AS x", UnsupportedStatement),
    ("SELECT * FROM system.information_schema.catalogs AS \"c\"; DELETE FROM ucsql_audit",
     UnsupportedStatement),
]


@pytest.mark.parametrize("statement, error", REJECTED, ids=[s[0][:45] for s in REJECTED])
def test_smuggled_statements_are_rejected_and_change_nothing(fresh, statement, error):
    before = snapshot(fresh)
    with pytest.raises(error):
        fresh.cat.sql(statement)
    assert snapshot(fresh) == before


# --- 6. the MLflow façade ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """A metastore as the MLflow registry (ucsql:///...), a sqlite tracking store, as admin."""
    import mlflow
    from mlflow import MlflowClient

    tmp = tmp_path_factory.mktemp("mlflow_fuzz")
    w = _make_world(tmp)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp)
        for var in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
            mp.delenv(var, raising=False)
        mp.setenv("UCSQL_PRINCIPAL", "admin")
        mlflow.set_tracking_uri(f"sqlite:///{tmp}/mlflow.db")
        mlflow.set_registry_uri(f"ucsql://{tmp}/m.duckdb")
        client = MlflowClient()
        try:
            yield w, client
        finally:
            # MLflow caches the store for good; close its metastore so that no idle-release
            # timer is left running when the interpreter exits.
            client._get_registry_client().store._catalog.close()
            mlflow.set_registry_uri(None)
            mlflow.set_tracking_uri(None)
            w.cat.close()


FILTERS = [
    "name = 'x'; DROP TABLE ucsql_grant",
    "name = 'x''; DROP TABLE ucsql_grant; --'",
    "name = 'prod.ml_team.iris' ; DELETE FROM ucsql_audit",
    "name = 'prod.ml_team.iris'; DELETE FROM ucsql_audit; --",
    "tags.task = '''); DROP TABLE ucsql_grant; --'",
    "tags.task = \"'); DROP TABLE ucsql_grant; --\"",
    "tags.`k; DROP TABLE ucsql_grant` = 'x'",
    "tags.`k`; DROP TABLE ucsql_grant; --` = 'x'",
    "name LIKE '%' OR 1=1",
    "name = 'a' UNION SELECT * FROM ucsql_grant",
    "name IN ('a'); DROP TABLE ucsql_grant; --",
    "name IN ('a', (SELECT granted_by FROM ucsql_grant))",
    "run_id = 'x'; DROP TABLE ucsql_grant",
    "version_number = 1; DROP TABLE ucsql_grant",
    "source_path LIKE '%'; DELETE FROM ucsql_audit",
    "name = \"x\" /* ; DROP TABLE ucsql_grant */",
    "name = 'x' -- ; DROP TABLE ucsql_grant",
    "name = $$x$$; DROP TABLE ucsql_grant",
    "name = getenv('HOME')",
    "tags.`mlflow.prompt.is_prompt` = 'true'; DROP TABLE ucsql_grant",
]


@pytest.mark.parametrize("method", ["search_registered_models", "search_model_versions"])
@pytest.mark.parametrize("filter_string", FILTERS)
def test_mlflow_filter_strings_never_run_statements(registry, method, filter_string):
    from mlflow.exceptions import MlflowException

    w, client = registry
    before = snapshot(w)
    try:
        getattr(client, method)(filter_string=filter_string)
    except MlflowException as e:
        assert e.error_code == "INVALID_PARAMETER_VALUE", (e.error_code, e.message)
    assert snapshot(w) == before  # a search never changes anything


def test_mlflow_order_by_and_page_tokens_never_run_statements(registry):
    from mlflow.exceptions import MlflowException

    w, client = registry
    before = snapshot(w)
    forged = base64.urlsafe_b64encode(json.dumps(
        {"offset": "0; DROP TABLE ucsql_grant", "search": "x"}).encode()).decode()
    calls = [
        lambda: client.search_registered_models(order_by=["name; DROP TABLE ucsql_grant"]),
        lambda: client.search_registered_models(order_by=["name ASC; DELETE FROM ucsql_audit"]),
        lambda: client.search_model_versions(order_by=["version_number DESC, (SELECT 1)"]),
        lambda: client.search_model_versions(order_by=["`name; DROP TABLE ucsql_grant` ASC"]),
        lambda: client.search_registered_models(page_token=forged),
        lambda: client.search_registered_models(page_token="'; DROP TABLE ucsql_grant; --"),
        lambda: client.search_model_versions(page_token=forged),
    ]
    for call in calls:
        with pytest.raises(MlflowException) as e:
            call()
        assert e.value.error_code == "INVALID_PARAMETER_VALUE", e.value.message
    assert snapshot(w) == before


def test_mlflow_names_tags_and_aliases_are_stored_literally_or_refused(registry):
    from mlflow.entities.model_registry import RegisteredModelTag  # noqa: F401
    from mlflow.exceptions import MlflowException

    w, client = registry
    grants = snapshot(w)["ucsql_grant"]
    value = "'); DROP TABLE ucsql_grant; --"
    name = "prod.ml_team.x;DROP--"
    client.create_registered_model(name, tags={"k": value}, description=value)
    model = client.get_registered_model(name)
    assert (model.name, model.tags, model.description) == (
        "prod.ml_team.x;drop--", {"k": value}, value)
    client.set_registered_model_tag(name, "k; DROP TABLE ucsql_grant", value)
    assert client.get_registered_model(name).tags["k; DROP TABLE ucsql_grant"] == value
    client.rename_registered_model(name, "prod.ml_team.y';DELETE--")
    assert client.get_registered_model("prod.ml_team.y';DELETE--").name == \
        "prod.ml_team.y';delete--"
    client.update_model_version("prod.ml_team.iris", 1, value)
    client.set_model_version_tag("prod.ml_team.iris", 1, "v", value)
    mv = client.get_model_version("prod.ml_team.iris", 1)
    assert (mv.description, mv.tags["v"]) == (value, value)

    before = snapshot(w)
    refused = [
        lambda: client.create_registered_model("prod.ml_team.x; DROP TABLE ucsql_grant"),
        lambda: client.create_registered_model("prod.ml_team.x;DROP TABLE ucsql_grant"),
        lambda: client.set_registered_model_alias("prod.ml_team.iris", "a; DROP", 1),
        lambda: client.set_registered_model_alias("prod.ml_team.iris", "a;DROP", 1),
        lambda: client.set_registered_model_tag("prod.ml_team.iris", "k'); DROP TABLE x; --", "v"),
        lambda: client.get_registered_model("prod.ml_team.iris; DROP TABLE ucsql_grant"),
        lambda: client.get_model_version("prod.ml_team.iris", "1; DROP TABLE ucsql_grant"),
        lambda: client.delete_model_version("prod.ml_team.iris", "1 OR 1=1"),
        lambda: client.get_model_version_by_alias("prod.ml_team.iris", "x'; DROP TABLE y; --"),
        lambda: client.rename_registered_model("prod.ml_team.iris", "other.ml_team.iris; DROP"),
    ]
    for call in refused:
        with pytest.raises(MlflowException):
            call()
    assert snapshot(w) == before
    assert set(grants) <= set(snapshot(w)["ucsql_grant"])
    assert {"ucsql_grant", "ucsql_audit"} <= set(tables(w.cat))
    with pytest.raises(MlflowException):
        client.get_registered_model("prod.ml_team.missing")
