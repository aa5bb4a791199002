"""A misspelled privilege gets a "did you mean"; a principal nobody created is refused with its close matches and how to create it; CREATE USER
and DROP USER are the admin's.

The CLI runs for real (``python -m ucsql`` in a subprocess); the rest goes through
``ucsql.connect``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ucsql
from ucsql.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied, UcsqlError

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path):
    """The environment for a real ``python -m ucsql``: this checkout, principal alice."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UCSQL_")}
    env.update(PYTHONPATH=str(REPO), UCSQL_PRINCIPAL="alice", HOME=str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    return env


def ucsql_cli(env, *args, input=None):
    return subprocess.run([sys.executable, "-m", "ucsql", *args], env=env, input=input,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def cat(tmp_path):
    with ucsql.connect(tmp_path / "m.duckdb", principal="admin") as cat:
        cat.sql("CREATE CATALOG prod; CREATE SCHEMA prod.ml_team; CREATE GROUP `ml-team`; "
                "CREATE USER `alice@example.com`")
        yield cat


def _error(cat, sql):
    with pytest.raises(UcsqlError) as e:
        cat.sql(sql)
    return e.value


@pytest.mark.parametrize("privilege, said", [
    ("SELEC", "Unknown privilege 'SELEC': models have no SELECT privilege; grant EXECUTE (to "
              "load a model) or BROWSE (to see it)."),
    ("SELECT", "Unknown privilege 'SELECT': models have no SELECT privilege; grant EXECUTE (to "
               "load a model) or BROWSE (to see it)."),
    ("USE CATALOGUE", "Unknown privilege 'USE CATALOGUE'; did you mean USE CATALOG? Privileges "
                      "are: CREATE_CATALOG, CREATE_MANAGED_STORAGE, USE_CATALOG, CREATE_SCHEMA, "
                      "BROWSE, USE_SCHEMA, CREATE_MODEL, CREATE_FUNCTION, CREATE_MODEL_VERSION, "
                      "EXECUTE, APPLY_TAG, MANAGE, ALL_PRIVILEGES."),
])
def test_misspelled_privileges_get_a_did_you_mean(cat, privilege, said):
    error = _error(cat, f"GRANT {privilege} ON CATALOG prod TO `ml-team`")
    assert type(error) is InvalidArgument and error.message == said


def _state(cat):
    """Everything a refused statement must leave as it was (as the admin sees it)."""
    return {q: cat.sql(q).fetchall() for q in (
        "SHOW GROUPS", "SHOW GRANTS ON CATALOG prod", "SHOW USERS IN GROUP `ml-team`",
        "SELECT * FROM system.information_schema.catalogs")}


def _audit_of(cat, sql):
    """(principal, action, result, detail) of the audit rows of statement ``sql``."""
    cat.engine.metastore.flush_audit()
    return cat.sql("SELECT principal, action, result, detail FROM system.access.audit "
                   "WHERE statement = ? ORDER BY audit_id", [sql]).fetchall()


@pytest.mark.parametrize("sql, action, said", [
    ("GRANT USE CATALOG ON CATALOG prod TO `ml-tem`", "GRANT",
     "Principal ml-tem is unknown to this metastore: no statement created it and it has not "
     "connected. Did you mean `ml-team`? Create it with CREATE USER `ml-tem` or CREATE GROUP "
     "`ml-tem`."),
    ("ALTER GROUP `ml-team` ADD USER `alice@exmple.com`", "ALTER_GROUP",
     "User alice@exmple.com is unknown to this metastore: no statement created it and it has "
     "not connected. Did you mean `alice@example.com`? Create it with CREATE USER "
     "`alice@exmple.com`."),
    ("ALTER CATALOG prod OWNER TO zed", "SET_OWNER_CATALOG",
     "Principal zed is unknown to this metastore: no statement created it and it has not "
     "connected. Create it with CREATE USER zed or CREATE GROUP zed."),
    ("SHOW GRANTS TO nosuch", "SHOW_GRANTS_TO",
     "Principal nosuch is unknown to this metastore: no statement created it and it has not "
     "connected. Create it with CREATE USER nosuch or CREATE GROUP nosuch."),
])
def test_a_principal_never_seen_is_refused_and_nothing_changes(cat, sql, action, said):
    before = _state(cat)
    error = _error(cat, sql)
    assert type(error) is NotFound and error.code == "RESOURCE_DOES_NOT_EXIST"
    assert error.message == said
    assert _state(cat) == before
    assert _audit_of(cat, sql) == [("admin", action, "FAILED", said)]


def test_create_user_then_grant_works(cat):
    assert cat.sql("CREATE USER bob").message == "Created user bob."
    assert cat.sql("GRANT USE CATALOG ON CATALOG prod TO bob").message == \
        "Granted USE_CATALOG on CATALOG prod to bob."
    assert ("bob", "USE_CATALOG", "CATALOG", "prod") in cat.sql("SHOW GRANTS TO bob").fetchall()
    assert cat.sql("CREATE USER IF NOT EXISTS bob").message == "User bob already exists."
    with pytest.raises(AlreadyExists, match="User bob already exists"):
        cat.sql("CREATE USER bob")
    with pytest.raises(AlreadyExists, match="ml-team is already a group"):
        cat.sql("CREATE USER `ml-team`")


def test_a_user_who_has_connected_is_known_without_create_user(tmp_path, cat):
    with ucsql.connect(cat.path, principal="carol") as carol:
        carol.sql("SHOW CATALOGS")  # a read: its audit row may wait, and still counts
    cat.sql("GRANT USE CATALOG ON CATALOG prod TO carol")
    with ucsql.connect(cat.path, principal="carol") as carol:
        assert "prod" in [row[0] for row in carol.sql("SHOW CATALOGS").fetchall()]
    # In one process too: a read of another principal, not yet written to the log.
    cat.as_principal("dora").sql("SHOW CATALOGS")
    assert cat.sql("ALTER GROUP `ml-team` ADD USER dora").message == \
        "Added dora to group ml-team."


def test_only_the_admin_creates_and_drops_users(cat):
    cat.sql("CREATE USER bob")
    for sql in ("CREATE USER eve", "DROP USER bob"):
        error = _error(cat.as_principal("bob"), sql)
        assert type(error) is PermissionDenied
        assert error.message.endswith("missing metastore admin.")
    assert [row[:3] for row in _audit_of(cat, "DROP USER bob")] == [
        ("bob", "DROP_USER", "DENIED")]


def test_drop_user_forgets_its_grants_and_memberships(cat):
    cat.sql("CREATE USER bob; GRANT USE CATALOG ON CATALOG prod TO bob; "
            "ALTER GROUP `ml-team` ADD USER bob")
    assert cat.sql("DROP USER bob").message == "Dropped user bob."
    assert cat.sql("SHOW USERS IN GROUP `ml-team`").fetchall() == []
    assert all(row[0] != "bob" for row in cat.sql("SHOW GRANTS ON CATALOG prod").fetchall())
    # Dropped, bob is unknown again until he connects or is created anew.
    assert type(_error(cat, "GRANT USE CATALOG ON CATALOG prod TO bob")) is NotFound
    assert cat.sql("DROP USER IF EXISTS bob").message == "User bob does not exist; nothing dropped."
    with pytest.raises(NotFound, match="User bob does not exist"):
        cat.sql("DROP USER bob")
    with pytest.raises(InvalidArgument, match=r"ml-team is a group; drop it with DROP GROUP `ml-team`"):
        cat.sql("DROP USER `ml-team`")


def test_a_user_who_owns_something_is_not_dropped(cat):
    cat.sql("CREATE USER bob; ALTER CATALOG prod OWNER TO bob")
    error = _error(cat, "DROP USER bob")
    assert error.message == ("User bob owns catalog prod; transfer ownership (ALTER ... OWNER "
                             "TO) before dropping it.")


def test_non_admins_are_not_offered_names_from_the_audit_log(cat):
    """Close matches come from the recorded principals; the admin, who reads the log anyway, is
    also offered principals that have only connected."""
    cat.as_principal("mallory").sql("SHOW CATALOGS")
    cat.sql("CREATE USER olivia; GRANT MANAGE ON CATALOG prod TO olivia; "
            "GRANT USE CATALOG ON CATALOG prod TO olivia")
    error = _error(cat.as_principal("olivia"), "GRANT USE CATALOG ON CATALOG prod TO malory")
    assert error.message == ("Principal malory is unknown to this metastore: no statement created "
                             "it and it has not connected. The metastore admin can create it with "
                             "CREATE USER malory or CREATE GROUP malory.")
    assert "Did you mean mallory?" in _error(
        cat, "GRANT USE CATALOG ON CATALOG prod TO malory").message


def test_the_cli_refuses_an_unknown_grantee_in_one_line(env, tmp_path):
    path = str(tmp_path / "m.duckdb")
    ucsql_cli(env, path, "-c", "CREATE GROUP `ml-team`")
    result = ucsql_cli(env, path, "-c", "GRANT USE CATALOG ON CATALOG main TO `ml-teem`")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: Principal ml-teem is unknown to this metastore: no statement created it and it "
        "has not connected. Did you mean `ml-team`? Create it with CREATE USER `ml-teem` or "
        "CREATE GROUP `ml-teem`.\n")
