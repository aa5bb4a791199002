"""Docs and SQL files double as tests: nothing documented is missing, nothing shipped is dead."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ucsql import errors, queries

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
CODE = "\n".join(p.read_text() for p in (ROOT / "ucsql").rglob("*.py"))


def _query_names():
    return sorted(p.stem for p in (ROOT / "sql" / "queries").glob("*.sql"))


@pytest.mark.parametrize("name", _query_names())
def test_every_named_query_is_used(name):
    assert re.search(rf'"(queries/)?{name}"', CODE), f"sql/queries/{name}.sql is never loaded"


def test_every_query_the_code_loads_exists():
    used = set(re.findall(r'ctx\.(?:q|one|table)\(\s*"([a-z_]+)"', CODE))
    used |= set(re.findall(r'"queries/([a-z_]+)"', CODE))
    assert used, "no query names found in the code"
    assert sorted(used - set(_query_names())) == []


def test_every_sql_file_states_its_question():
    for path in (ROOT / "sql").rglob("*.sql"):
        assert path.read_text().startswith("--"), f"{path} has no header comment"


def test_the_session_and_view_files_all_load(admin):
    """Every file of sql/session and sql/views is created on a cursor, and every view answers."""
    views = admin.engine.metastore.views
    assert len(views) == len(list((ROOT / "sql" / "views").rglob("*.sql")))
    for schema, view in views:
        admin.sql(f"SELECT * FROM system.{schema}.{view} LIMIT 1")


@pytest.mark.parametrize("statement", [
    "CREATE CATALOG", "CREATE SCHEMA", "CREATE MODEL", "DROP CATALOG", "DROP MODEL",
    "ADD VERSION FROM", "DROP VERSION", "RENAME TO", "OWNER TO", "ALTER METASTORE", "COMMENT ON",
    "SET ALIAS", "DROP ALIAS", "SET TAG ON", "UNSET TAG ON", "SET TAGS", "UNSET TAGS",
    "CREATE GROUP", "DROP GROUP", "ALTER GROUP", "CREATE USER", "DROP USER", "GRANT", "REVOKE", "SHOW CATALOGS",
    "SHOW SCHEMAS", "SHOW MODELS", "SHOW VERSIONS", "SHOW GROUPS", "SHOW USERS IN GROUP",
    "DESCRIBE", "SHOW GRANTS", "SHOW GRANTS TO", "current_user()", "GET MODEL",
    "GET MODEL VERSION", "ADD VERSION FROM MODEL", "LINEAGE",
])
def test_readme_shows_every_statement(statement):
    assert statement in README


def test_readme_lists_every_system_view(admin):
    for schema, view in admin.engine.metastore.views:
        assert f"`{view}`" in README or f"`system.{schema}.{view}`" in README


def test_readme_lists_every_error_and_code():
    for name in errors.__all__:
        cls = getattr(errors, name)
        if cls is errors.UcsqlError:
            continue
        assert f"`{name}`" in README and f"`{cls.code}`" in README


def test_readme_commands_are_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = re.search(r"```sh\n(python3 -m venv .*pytest)\n```", README).group(1)
    assert test_command in ci


def test_demo_runs(tmp_path):
    """The README's main command: the whole story, end to end, with the stock MLflow client;
    nothing of MLflow's own chatter on stderr, everything written inside its work folder, and
    follow-up commands that work without the venv on PATH."""
    work, started_in = tmp_path / "work", tmp_path / "elsewhere"
    started_in.mkdir()
    out = subprocess.run([sys.executable, "-m", "ucsql.demo", "--workdir", str(work)],
                         capture_output=True, text=True, timeout=300, cwd=started_in)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert list(started_in.iterdir()) == []
    assert {"metastore.duckdb", "mlflow.db", "mlruns"} <= {p.name for p in work.iterdir()}
    follow_ups = out.stdout.split("Explore it with:\n", 1)[1].strip().splitlines()
    assert len(follow_ups) == 2
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no venv on PATH, none active
    shown = subprocess.run(follow_ups[1], shell=True, capture_output=True, text=True,
                           timeout=60, env=bare, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "prod.ml_team.iris" in shown.stdout
    assert "predictions for 3 flowers: [0, 1, 2]" in out.stdout
    assert "prod.ml_team.iris version 1 (source models:/staging.ml_team.iris/1) is @Champion" \
        in out.stdout
    assert ("delete_registered_model refused: Permission denied: bob@example.com cannot drop "
            "model prod.ml_team.iris: missing MANAGE on MODEL prod.ml_team.iris.") in out.stdout
    assert "| staging.ml_team.iris | 1       | staging.ml_team.iris | training |" in out.stdout


def test_sql_dir_is_found():
    assert (queries.sql_dir() / "migrations" / "0001_initial.sql").is_file()


def test_every_operation_the_handlers_ask_about_is_decided_by_the_policy():
    """Handlers ask the policy (sql/session/06_authorize.sql) by operation name; every name
    they ask is a row of its operation table (SEE and KNOW are derived there), including the
    rules about a second principal: transferring ownership only to oneself or one's group, and
    SHOW GRANTS of oneself or one's group."""
    asked = set(re.findall(r'\.(?:authorize|allowed)\(\s*"([A-Z_]+)"', CODE))
    policy = (ROOT / "sql" / "session" / "06_authorize.sql").read_text()
    table = set(re.findall(r"\('([A-Z_]+)',\s+\d+,", policy))
    assert {"TRANSFER_OWNERSHIP", "SHOW_GRANTS", "SHOW_GRANTS_TO"} <= asked
    assert sorted(asked - table - {"SEE", "KNOW"}) == []
    assert '"principal_in_closure"' not in (ROOT / "ucsql" / "handlers" / "namespace.py").read_text()
