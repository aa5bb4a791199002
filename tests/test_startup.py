"""Start-up of the ``ucsql`` command (issue 11): ``ucsql FILE -c ...`` imports and prepares only
what its statements need, and prints exactly what it printed before.

The timings themselves are in benchmarks/cold_start.py; here, what start-up leaves out.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ucsql
from ucsql.format import render

from .conftest import write_model_dir

REPO = Path(__file__).resolve().parent.parent
# Runs the command in this process, then lists the top-level modules it imported (on stderr,
# after everything the command printed).
MODULES_AFTER = """
import sys
from ucsql.cli import main
sys.argv = ["ucsql", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("MODULES", " ".join(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""
HEAVY = {"pyarrow", "numpy", "yaml", "mlflow", "pandas", "prompt_toolkit"}


def run_cli(metastore: Path, *args: str) -> tuple[str, set[str]]:
    env = {k: v for k, v in os.environ.items() if k != "UCSQL_PRINCIPAL"}
    env.update(PYTHONPATH=str(REPO), UCSQL_PRINCIPAL="admin")
    done = subprocess.run([sys.executable, "-c", MODULES_AFTER, str(metastore), *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 or "MODULES" in done.stderr, done.stderr
    modules = done.stderr.rsplit("MODULES", 1)[1].split()
    return done.stdout, set(modules)


@pytest.fixture
def metastore(tmp_path):
    cat = ucsql.connect(tmp_path / "m.duckdb", principal="admin")
    cat.sql("CREATE CATALOG prod COMMENT 'production'")
    cat.close()
    return tmp_path / "m.duckdb"


def test_select_1_and_show_catalogs_import_no_arrow_yaml_or_mlflow(metastore):
    out, modules = run_cli(metastore, "-c", "SELECT 1 AS one; SHOW CATALOGS")
    assert out == ("+-----+\n| one |\n+-----+\n| 1   |\n+-----+\n(1 row)\n"
                   "+---------+-------+-----------------+\n"
                   "| catalog | owner | comment         |\n"
                   "+---------+-------+-----------------+\n"
                   "| main    | admin | Default catalog |\n"
                   "| prod    | admin | production      |\n"
                   "+---------+-------+-----------------+\n"
                   "(2 rows)\n")
    assert not modules & HEAVY, modules & HEAVY
    assert {"duckdb", "sqlglot", "click"} <= modules


def test_a_result_with_times_comes_through_arrow_and_prints_them(metastore):
    out, modules = run_cli(metastore, "-F", "csv", "-c",
                           "SELECT catalog_name, created IS NOT NULL AS stamped, created "
                           "FROM system.information_schema.catalogs ORDER BY 1")
    lines = out.splitlines()
    assert lines[0] == "catalog_name,stamped,created"
    assert [line.split(",")[:2] for line in lines[1:]] == [["main", "true"], ["prod", "true"]]
    assert all(line.split(",")[2].endswith("+00:00") for line in lines[1:])
    assert "pyarrow" in modules


PLAIN = [
    "SELECT 1 AS i, -2::BIGINT AS b, 1.5::DOUBLE AS d, 0.1::FLOAT AS f, 'é\nx|y' AS s, "
    "NULL AS n, true AS t, 255::UTINYINT AS u, 18446744073709551615::UBIGINT AS big",
    "SELECT 1 AS a, 2 AS a",
    "SELECT catalog_name, comment FROM system.information_schema.catalogs ORDER BY 1",
    "SELECT * FROM (VALUES (1, 'x'), (NULL, NULL)) AS t(k, v)",
    "SHOW CATALOGS",
    "SHOW CATALOGS LIKE 'nothing*'",
    "SHOW SCHEMAS IN main",
    "SHOW GROUPS",
]


@pytest.mark.parametrize("sql", PLAIN)
def test_rows_for_printing_match_the_arrow_result_exactly(metastore, sql):
    """The CLI's results (Python rows where every column is plain) print, fetch and convert to
    Arrow exactly as the Arrow results of the Python API do."""
    with ucsql.connect(metastore, principal="admin") as cat:
        arrow = cat.sql(sql)
        [rows] = list(cat.run(sql, as_rows=True))
        assert rows._rows is not None  # (the rows path was taken)
        assert rows.columns == arrow.columns
        assert len(rows) == len(arrow)
        assert rows.fetchall() == arrow.fetchall()
        for fmt in ("table", "csv", "json", "markdown"):
            assert render(rows, fmt, 60) == render(arrow, fmt, 60)
            assert render(rows, fmt, None, "on") == render(arrow, fmt, None, "on")
        assert str(rows) == str(arrow)
        assert rows.arrow().equals(arrow.arrow(), check_metadata=True)


def test_a_failed_statement_takes_the_macros_it_made_with_it(tmp_path):
    """Session macros are made when a statement first needs them, inside its transaction: a
    statement refused after making them rolls them back, and the next statement on the same
    opening makes them again instead of failing on a missing macro."""
    path = tmp_path / "m.duckdb"
    ucsql.connect(path, principal="admin").close()
    os.environ["UCSQL_MAX_HOLD"] = os.environ["UCSQL_IDLE_RELEASE"] = "600"  # one opening
    try:
        cat = ucsql.connect(path, principal="bob")
        with pytest.raises(ucsql.errors.PermissionDenied, match="bob cannot create catalog"):
            cat.sql("CREATE CATALOG nope")
        assert cat.sql("SHOW CATALOGS").fetchall() == [("main", "admin", "Default catalog")]
        cat.close()
    finally:
        del os.environ["UCSQL_MAX_HOLD"], os.environ["UCSQL_IDLE_RELEASE"]


def test_locations_are_decided_when_a_view_shows_them(tmp_path):
    """SHOW CATALOGS fills the caller's visible securables without deciding storage locations;
    a later query of a view that shows them, on the same opening, still shows the admin's and
    hides them from a reader without EXECUTE."""
    path = tmp_path / "m.duckdb"
    admin = ucsql.connect(path, principal="admin")
    admin.sql("CREATE MODEL iris; CREATE USER reader; GRANT BROWSE ON CATALOG main TO reader")
    admin.sql("ALTER MODEL iris ADD VERSION FROM ?", [str(write_model_dir(tmp_path / "src"))])
    query = ("SELECT storage_location IS NOT NULL FROM system.information_schema.model_versions")
    models = ("SELECT storage_location IS NOT NULL "
              "FROM system.information_schema.registered_models")
    for who, shown in [(admin, True), (admin.as_principal("reader"), False)]:
        who.sql("SHOW CATALOGS")
        assert who.sql(query).fetchall() == [(shown,)]
        assert who.sql(models).fetchall() == [(shown,)]
    admin.close()


@pytest.mark.parametrize("statement", ["VACUUM", "CHECKPOINT", "FORCE CHECKPOINT",
                                       "BACKUP TO 'x.duckdb'"])
def test_maintenance_statements_in_a_single_transaction_script_run_nothing(metastore, statement):
    """-1 runs a script whole or not at all: a statement ucsql does not run (DuckDB's VACUUM,
    CHECKPOINT; BACKUP, which is `ucsql backup`) is refused, with where it is, before the
    statements before it run."""
    env = {k: v for k, v in os.environ.items() if k != "UCSQL_PRINCIPAL"}
    env.update(PYTHONPATH=str(REPO), UCSQL_PRINCIPAL="admin")
    done = subprocess.run([sys.executable, "-m", "ucsql", str(metastore), "-1", "-c",
                           f"CREATE CATALOG staging; {statement}"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    first = done.stderr.splitlines()[0]
    kind = statement.split()[-1] if statement.startswith("FORCE") else statement.split()[0]
    assert first.startswith(f"Error: Syntax error at line 1, column 25: {kind} is not a ucsql "
                            "statement: "), done.stderr
    assert ("ucsql backup METASTORE DEST" in first if kind == "BACKUP" else
            "ucsql gc METASTORE" in first if kind == "VACUUM" else
            "checkpoints the file by itself" in first)
    assert "Traceback" not in done.stderr
    with ucsql.connect(metastore, principal="admin") as cat:
        assert [r[0] for r in cat.sql("SHOW CATALOGS").fetchall()] == ["main", "prod"]


def test_f_expands_a_quoted_tilde(metastore, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "script.sql").write_text("SHOW CATALOGS LIKE 'prod';\n")
    env = {k: v for k, v in os.environ.items() if k != "UCSQL_PRINCIPAL"}
    env.update(PYTHONPATH=str(REPO), UCSQL_PRINCIPAL="admin", HOME=str(home))
    done = subprocess.run([sys.executable, "-m", "ucsql", str(metastore), "-F", "csv",
                           "-f", "~/script.sql"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "catalog,owner,comment\nprod,admin,production\n"
