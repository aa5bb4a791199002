"""The privilege model, row by row against /work/shared/spec/privileges.md.

Every test starts from the same realistic metastore (the ``env`` fixture):

    metastore, admin `admin`
    └── catalog prod                     owner admin; eng holds USE_CATALOG
        └── schema prod.ml_team          owner admin; ml-team holds USE_SCHEMA
            └── model prod.ml_team.iris  owner olivia; versions 1 and 2; alias champion -> 1;
                                         tag task=classification; version 1 tag stage=dev
    groups  eng ⊃ ml-team ⊃ interns ∋ carol        (carol passes the gates three groups deep)
            ml-team ∋ olivia                        (the model's owner, gated through ml-team)
            data-analysts ∋ erin                    (an unrelated group)
    users   dana, erin, zed ... hold nothing on prod unless a case grants it

The operation table is walked with one parametrized test per row. Each case lists the grants it
adds (run as admin), who acts, and whether the spec allows it. Every refused case also checks
that the refusal changed nothing (a snapshot of every system view and listing, as admin) and
that a DENIED audit row was written for that principal and action.

Note: there is no SQL statement that needs EXECUTE alone yet (load / download files); EXECUTE is
tested through what it makes visible (DESCRIBE, SHOW MODELS, the information_schema views).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import ucsql
from ucsql.errors import InvalidArgument, NotFound, PermissionDenied

MODEL = "prod.ml_team.iris"
SCHEMA = "prod.ml_team"
CATALOG = "prod"

MLMODEL = """\
artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
signature:
  inputs: '[{"type": "double", "name": "x"}]'
  outputs: '[{"type": "double"}]'
"""


# --- the fixture ----------------------------------------------------------------------------------


@dataclass
class Env:
    admin: ucsql.Catalog
    model_dir: str
    tmp: Path

    def as_(self, principal: str) -> ucsql.Catalog:
        return self.admin.as_principal(principal)

    def run(self, *statements: str) -> None:
        """Run statements as the admin (a case's setup)."""
        for statement in statements:
            self.admin.sql(statement.replace("{dir}", self.model_dir))

    def rows(self, statement: str, principal: str = "admin") -> list[tuple]:
        return self.as_(principal).sql(statement).fetchall()


def make_model_dir(tmp: Path, name: str = "model_src") -> str:
    d = tmp / name
    d.mkdir()
    (d / "MLmodel").write_text(MLMODEL)
    (d / "model.pkl").write_bytes(b"not really a pickle")
    return str(d)


BASE_SETUP = [
    "CREATE CATALOG prod COMMENT 'production models'",
    "CREATE SCHEMA prod.ml_team COMMENT 'the ML team'",
    "CREATE MODEL prod.ml_team.iris COMMENT 'iris classifier'",
    "ALTER MODEL prod.ml_team.iris ADD VERSION FROM '{dir}'",
    "ALTER MODEL prod.ml_team.iris ADD VERSION FROM '{dir}'",
    "ALTER MODEL prod.ml_team.iris SET ALIAS champion TO VERSION 1",
    "ALTER MODEL prod.ml_team.iris SET TAGS ('task' = 'classification')",
    "ALTER MODEL prod.ml_team.iris VERSION 1 SET TAGS ('stage' = 'dev')",
    # Users who have not connected yet are created before anything names them.
    "CREATE USER carol", "CREATE USER olivia", "CREATE USER erin", "CREATE USER dana",
    "CREATE GROUP eng",
    "CREATE GROUP `ml-team`",
    "CREATE GROUP interns",
    "CREATE GROUP `data-analysts`",
    "ALTER GROUP eng ADD GROUP `ml-team`",
    "ALTER GROUP `ml-team` ADD GROUP interns",
    "ALTER GROUP interns ADD USER carol",
    "ALTER GROUP `ml-team` ADD USER olivia",
    "ALTER GROUP `data-analysts` ADD USER erin",
    "GRANT USE CATALOG ON CATALOG prod TO eng",
    "GRANT USE SCHEMA ON SCHEMA prod.ml_team TO `ml-team`",
    "ALTER MODEL prod.ml_team.iris OWNER TO olivia",
]


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> tuple[Path, str]:
    """The base metastore, built once; each test works on its own copy of the file.

    The base versions' files stay in the template's storage folder (their storage locations are
    absolute); no test here reads model files, and new versions go beside each test's copy.
    """
    root = tmp_path_factory.mktemp("template")
    model_dir = make_model_dir(root)
    admin = ucsql.connect(str(root / "m.duckdb"), principal="admin")
    Env(admin, model_dir, root).run(*BASE_SETUP)
    admin.close()
    return root / "m.duckdb", model_dir


@pytest.fixture
def env(tmp_path: Path, template) -> Env:
    db, model_dir = template
    shutil.copyfile(db, tmp_path / "m.duckdb")
    admin = ucsql.connect(str(tmp_path / "m.duckdb"), principal="admin")
    yield Env(admin, model_dir, tmp_path)
    admin.close()


# --- snapshots and audit --------------------------------------------------------------------------

def snapshot(env: Env) -> dict[str, object]:
    """The whole metastore but the audit log: every table's rows (read straight from the file,
    so nothing can hide), the model files beside it, and what the admin sees of the model."""
    with env.admin.engine.metastore.lease():
        cur = env.admin.engine.metastore.cursor()
        tables = [r[0] for r in cur.sql(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND database_name = "
            "current_database() AND table_name <> 'ucsql_audit' ORDER BY table_name").fetchall()]
        assert "ucsql_grant" in tables and "ucsql_securable" in tables
        snap: dict[str, object] = {
            t: sorted(map(repr, cur.sql(f'SELECT * FROM "{t}"').fetchall())) for t in tables}
    snap["files"] = sorted(str(p.relative_to(env.tmp)) for p in env.tmp.glob("m.duckdb.models/**/*"))
    for statement in (f"DESCRIBE MODEL EXTENDED {MODEL}", f"SHOW GRANTS ON MODEL {MODEL}"):
        try:
            snap[statement] = env.rows(statement)
        except NotFound:
            snap[statement] = None
    return snap


def audit_mark(env: Env) -> int:
    return env.admin.sql("SELECT coalesce(max(audit_id), 0) FROM system.access.audit").scalar()


def audit_since(env: Env, mark: int) -> list[tuple]:
    return env.rows(f"SELECT principal, action, result, securable_name, detail "
                    f"FROM system.access.audit WHERE audit_id > {int(mark)} ORDER BY audit_id")


def expect_refused(env: Env, actor: str, statement: str, action: str,
                   error: type[Exception] = PermissionDenied) -> Exception:
    """Run ``statement`` as ``actor``; it must raise ``error``, change nothing, and be audited
    (DENIED for a permission refusal, FAILED for another error) under ``action``."""
    before = snapshot(env)
    mark = audit_mark(env)
    with pytest.raises(error) as info:
        env.as_(actor).sql(statement.replace("{dir}", env.model_dir))
    after = snapshot(env)
    assert after == before, "a refused statement changed the metastore"
    result = "DENIED" if error is PermissionDenied else "FAILED"
    audited = [(p, a, r) for (p, a, r, _s, _d) in audit_since(env, mark)]
    assert (actor, action, result) in audited, audited
    if isinstance(info.value, PermissionDenied):
        assert info.value.principal == actor
        assert info.value.missing
        assert info.value.message.startswith(f"Permission denied: {actor} cannot ")
    return info.value


# --- cases ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    actor: str
    setup: tuple[str, ...] = ()
    allowed: bool = True

    def param(self):
        return pytest.param(self, id=self.id)


def ok(id: str, actor: str, *setup: str) -> pytest.param:
    return Case(id, actor, tuple(setup), True).param()


def refused(id: str, actor: str, *setup: str) -> pytest.param:
    return Case(id, actor, tuple(setup), False).param()


def grant(privilege: str, on: str, to: str) -> str:
    return f"GRANT {privilege} ON {on} TO `{to}`"


def model_owner(p: str) -> str:
    return f"ALTER MODEL {MODEL} OWNER TO `{p}`"


def schema_owner(p: str) -> str:
    return f"ALTER SCHEMA {SCHEMA} OWNER TO `{p}`"


def catalog_owner(p: str) -> str:
    return f"ALTER CATALOG {CATALOG} OWNER TO `{p}`"


def admin_group(member_group: str) -> tuple[str, ...]:
    """Make the metastore admin a group `admins` holding admin and ``member_group``."""
    return ("CREATE GROUP admins", "ALTER GROUP admins ADD USER admin",
            f"ALTER GROUP admins ADD GROUP `{member_group}`", "ALTER METASTORE OWNER TO admins")


ON_MODEL = f"MODEL {MODEL}"
ON_SCHEMA = f"SCHEMA {SCHEMA}"
ON_CATALOG = f"CATALOG {CATALOG}"


def attempt(env: Env, case: Case, statement: str, action: str,
            error: type[Exception] = PermissionDenied):
    """Set the case up, then run ``statement`` as its actor: expect success or a clean refusal."""
    env.run(*case.setup)
    if case.allowed:
        return env.as_(case.actor).sql(statement.replace("{dir}", env.model_dir))
    return expect_refused(env, case.actor, statement, action, error)


def model_info(env: Env, name: str = MODEL) -> dict[str, str]:
    return dict(env.rows(f"DESCRIBE MODEL EXTENDED {name}"))


def version_info(env: Env, number: int, name: str = MODEL) -> dict[str, str]:
    return dict(env.rows(f"DESCRIBE MODEL {name} VERSION {number}"))


def model_names(env: Env, principal: str = "admin") -> set[str]:
    return {r[0] for r in env.rows("SHOW MODELS", principal)}


# --- the fixture itself ---------------------------------------------------------------------------


def test_fixture_is_what_the_docstring_says(env):
    assert env.rows("SHOW GRANTS ON CATALOG prod") == [("eng", "USE_CATALOG", "CATALOG", "prod")]
    assert ("ml-team", "USE_SCHEMA", "SCHEMA", SCHEMA) in env.rows(f"SHOW GRANTS ON SCHEMA {SCHEMA}")
    assert env.rows("SHOW GRANTS ON METASTORE") == []
    info = model_info(env)
    assert info["owner"] == "olivia"
    assert info["latest_version"] == "2"
    assert info["aliases"] == "champion -> 1"
    assert env.rows("SHOW USERS IN GROUP interns") == [("carol", "USER")]


# === create catalog ===============================================================================

CREATE_CATALOG_CASES = [
    ok("admin", "admin"),
    ok("CREATE_CATALOG-on-metastore", "dana", "GRANT CREATE CATALOG ON METASTORE TO dana"),
    ok("CREATE_CATALOG-via-nested-group", "carol", "GRANT CREATE_CATALOG ON METASTORE TO eng"),
    refused("refused-gated-user", "carol"),
    refused("refused-owner-of-another-catalog", "dana", catalog_owner("dana")),
    refused("refused-ALL_PRIVILEGES-on-catalog", "dana", grant("ALL PRIVILEGES", ON_CATALOG, "dana")),
]


@pytest.mark.parametrize("case", CREATE_CATALOG_CASES)
def test_create_catalog(env, case):
    attempt(env, case, "CREATE CATALOG staging", "CREATE_CATALOG")
    catalogs = {c: owner for (c, owner, _comment) in env.rows("SHOW CATALOGS")}
    if case.allowed:
        assert catalogs["staging"] == case.actor  # the creator is the first owner
    else:
        assert "staging" not in catalogs


# === create schema ================================================================================

CREATE_SCHEMA_CASES = [
    ok("admin", "admin"),
    ok("CREATE_SCHEMA-and-USE_CATALOG", "dana",
       grant("USE CATALOG, CREATE SCHEMA", ON_CATALOG, "dana")),
    ok("CREATE_SCHEMA-via-group-gate-via-nested-group", "carol", grant("CREATE_SCHEMA", ON_CATALOG, "interns")),
    ok("catalog-owner", "dana", catalog_owner("dana")),
    ok("ALL_PRIVILEGES-on-catalog", "dana", grant("ALL PRIVILEGES", ON_CATALOG, "dana")),
    refused("refused-CREATE_SCHEMA-without-USE_CATALOG", "dana", grant("CREATE SCHEMA", ON_CATALOG, "dana")),
    refused("refused-USE_CATALOG-only", "carol"),
    refused("refused-MANAGE-on-catalog", "dana", grant("USE CATALOG, MANAGE", ON_CATALOG, "dana")),
    refused("refused-schema-owner", "dana", schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana")),
]


@pytest.mark.parametrize("case", CREATE_SCHEMA_CASES)
def test_create_schema(env, case):
    attempt(env, case, "CREATE SCHEMA prod.research", "CREATE_SCHEMA")
    schemas = {r[0]: r for r in env.rows(
        "SELECT schema_name, schema_owner FROM system.information_schema.schemata "
        "WHERE catalog_name = 'prod'")}
    if case.allowed:
        assert schemas["research"] == ("research", case.actor)
    else:
        assert "research" not in schemas


# === create registered model ======================================================================

CREATE_MODEL_CASES = [
    ok("admin", "admin"),
    ok("CREATE_MODEL-on-schema", "carol", grant("CREATE MODEL", ON_SCHEMA, "carol")),
    ok("CREATE_MODEL-inherited-from-catalog", "carol", grant("CREATE_MODEL", ON_CATALOG, "carol")),
    ok("CREATE_FUNCTION-on-schema", "carol", grant("CREATE FUNCTION", ON_SCHEMA, "carol")),
    ok("CREATE_MODEL-via-group", "carol", grant("CREATE MODEL", ON_SCHEMA, "ml-team")),
    ok("schema-owner-with-USE_CATALOG", "dana", schema_owner("dana"),
       grant("USE CATALOG", ON_CATALOG, "dana")),
    ok("ALL_PRIVILEGES-on-schema", "carol", grant("ALL PRIVILEGES", ON_SCHEMA, "carol")),
    refused("refused-gates-only", "carol"),
    refused("refused-CREATE_MODEL-without-gates", "dana", grant("CREATE MODEL", ON_SCHEMA, "dana")),
    refused("refused-CREATE_MODEL-without-USE_CATALOG", "dana",
            grant("CREATE MODEL, USE SCHEMA", ON_SCHEMA, "dana")),
    refused("refused-CREATE_MODEL-on-another-schema", "carol",
            "CREATE SCHEMA prod.other", grant("USE SCHEMA, CREATE MODEL", "SCHEMA prod.other", "carol")),
    refused("refused-MANAGE-on-schema", "carol", grant("MANAGE", ON_SCHEMA, "carol")),
    refused("refused-model-owner", "olivia"),
]


@pytest.mark.parametrize("case", CREATE_MODEL_CASES)
def test_create_model(env, case):
    attempt(env, case, "CREATE MODEL prod.ml_team.wine", "CREATE_MODEL")
    models = {r[0]: r[1] for r in env.rows("SHOW MODELS IN prod.ml_team")}
    if case.allowed:
        assert models["prod.ml_team.wine"] == case.actor
    else:
        assert "prod.ml_team.wine" not in models


# === create model version =========================================================================

ADD_VERSION_CASES = [
    ok("model-owner", "olivia"),
    ok("CREATE_MODEL_VERSION-on-model", "carol", grant("CREATE MODEL VERSION", ON_MODEL, "carol")),
    ok("CREATE_MODEL_VERSION-inherited-from-schema", "carol",
       grant("CREATE_MODEL_VERSION", ON_SCHEMA, "carol")),
    ok("CREATE_MODEL_VERSION-inherited-from-catalog", "carol",
       grant("CREATE_MODEL_VERSION", ON_CATALOG, "carol")),
    ok("CREATE_MODEL_VERSION-via-nested-group", "carol", grant("CREATE_MODEL_VERSION", ON_MODEL, "eng")),
    ok("owner-is-group", "carol", model_owner("ml-team")),
    ok("ALL_PRIVILEGES-on-model", "carol", grant("ALL PRIVILEGES", ON_MODEL, "carol")),
    ok("admin-after-granting-itself", "admin", grant("CREATE_MODEL_VERSION", ON_MODEL, "admin")),
    refused("refused-MANAGE-only", "carol", grant("MANAGE", ON_MODEL, "carol")),
    refused("refused-EXECUTE-only", "carol", grant("EXECUTE", ON_MODEL, "carol")),
    refused("refused-APPLY_TAG-only", "carol", grant("APPLY_TAG", ON_MODEL, "carol")),
    refused("refused-admin-needs-CREATE_MODEL_VERSION", "admin"),
    refused("refused-schema-owner", "dana", schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana")),
    refused("refused-owner-without-gates", "dana", model_owner("dana")),
    refused("refused-CREATE_MODEL_VERSION-without-gates", "dana",
            grant("CREATE_MODEL_VERSION", ON_MODEL, "dana")),
]


@pytest.mark.parametrize("case", ADD_VERSION_CASES)
def test_create_model_version(env, case):
    attempt(env, case, f"ALTER MODEL {MODEL} ADD VERSION FROM '{{dir}}'", "ADD_MODEL_VERSION")
    versions = [r[0] for r in env.rows(
        "SELECT version FROM system.information_schema.model_versions ORDER BY version")]
    if case.allowed:
        assert versions == [1, 2, 3]
        assert version_info(env, 3)["created_by"] == case.actor
    else:
        assert versions == [1, 2]


# === set / move / delete alias ====================================================================

ALIAS_PRINCIPALS = [
    ok("model-owner", "olivia"),
    ok("MANAGE-on-model", "carol", grant("MANAGE", ON_MODEL, "carol")),
    ok("MANAGE-inherited-from-schema", "carol", grant("MANAGE", ON_SCHEMA, "carol")),
    ok("owner-is-nested-group", "carol", model_owner("eng")),
    ok("admin", "admin"),
    refused("refused-EXECUTE-only", "carol", grant("EXECUTE", ON_MODEL, "carol")),
    refused("refused-APPLY_TAG-only", "carol", grant("APPLY_TAG", ON_MODEL, "carol")),
    refused("refused-CREATE_MODEL_VERSION-only", "carol", grant("CREATE_MODEL_VERSION", ON_MODEL, "carol")),
    refused("refused-ALL_PRIVILEGES", "carol", grant("ALL PRIVILEGES", ON_MODEL, "carol")),
    refused("refused-owner-without-gates", "dana", model_owner("dana")),
]

ALIAS_OPERATIONS = [
    pytest.param(f"ALTER MODEL {MODEL} SET ALIAS challenger TO VERSION 2", "SET_ALIAS",
                 "challenger -> 2, champion -> 1", id="set"),
    pytest.param(f"ALTER MODEL {MODEL} SET ALIAS champion TO VERSION 2", "SET_ALIAS",
                 "champion -> 2", id="move"),
    pytest.param(f"ALTER MODEL {MODEL} DROP ALIAS champion", "DROP_ALIAS", None, id="delete"),
]


@pytest.mark.parametrize("case", ALIAS_PRINCIPALS)
@pytest.mark.parametrize("statement, action, aliases_after", ALIAS_OPERATIONS)
def test_alias(env, statement, action, aliases_after, case):
    attempt(env, case, statement, action)
    expected = aliases_after if case.allowed else "champion -> 1"
    assert model_info(env)["aliases"] == expected


# === see a model and its versions =================================================================

SEE_CASES = [
    ok("EXECUTE-on-model", "carol", grant("EXECUTE", ON_MODEL, "carol")),
    ok("EXECUTE-inherited-from-schema", "carol", grant("EXECUTE", ON_SCHEMA, "carol")),
    ok("EXECUTE-inherited-from-catalog", "carol", grant("EXECUTE", ON_CATALOG, "carol")),
    ok("EXECUTE-via-nested-group", "carol", grant("EXECUTE", ON_MODEL, "eng")),
    ok("model-owner", "olivia"),
    ok("MANAGE-on-model", "carol", grant("MANAGE", ON_MODEL, "carol")),
    ok("BROWSE-on-catalog-without-gates", "dana", grant("BROWSE", ON_CATALOG, "dana")),
    ok("catalog-owner", "dana", catalog_owner("dana")),
    ok("schema-owner", "dana", schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana")),
    ok("admin", "admin"),
    ok("ALL_PRIVILEGES-on-model", "carol", grant("ALL PRIVILEGES", ON_MODEL, "carol")),
    refused("refused-gates-only", "carol"),
    refused("refused-EXECUTE-without-gates", "dana", grant("EXECUTE", ON_MODEL, "dana")),
    refused("refused-EXECUTE-without-USE_SCHEMA", "dana", grant("USE CATALOG", ON_CATALOG, "dana"),
            grant("EXECUTE", ON_MODEL, "dana")),
    refused("refused-owner-without-gates", "dana", model_owner("dana")),
    refused("refused-APPLY_TAG-only", "carol", grant("APPLY_TAG", ON_MODEL, "carol")),
    refused("refused-CREATE_MODEL_VERSION-only", "carol", grant("CREATE_MODEL_VERSION", ON_MODEL, "carol")),
    refused("refused-BROWSE-on-another-catalog", "dana", "CREATE CATALOG other",
            grant("BROWSE", "CATALOG other", "dana")),
    refused("refused-unrelated-user", "zed"),
]

SEE_STATEMENTS = [
    pytest.param(f"DESCRIBE MODEL {MODEL}", id="describe-model"),
    pytest.param(f"DESCRIBE MODEL {MODEL} VERSION 1", id="get-version"),
    pytest.param(f"SHOW VERSIONS IN MODEL {MODEL}", id="list-versions"),
]


# Of those who may see a model, the ones who may also load it (EXECUTE, which owning the model
# gives), and so see where its files are; and the admin, who sees everything.
MAY_LOAD = {"EXECUTE-on-model", "EXECUTE-inherited-from-schema", "EXECUTE-inherited-from-catalog",
            "EXECUTE-via-nested-group", "model-owner", "admin", "ALL_PRIVILEGES-on-model"}


@pytest.mark.parametrize("case", SEE_CASES)
@pytest.mark.parametrize("statement", SEE_STATEMENTS)
def test_see_model_directly(env, statement, case):
    action = "SHOW_VERSIONS" if statement.startswith("SHOW") else "DESCRIBE_SECURABLE"
    result = attempt(env, case, statement, action)
    if case.allowed:  # the same rows the admin sees, but where the files are only if may load
        expected = [row for row in env.rows(statement)
                    if case.id in MAY_LOAD or row[0] != "storage_location"]
        assert result.fetchall() == expected


@pytest.mark.parametrize("case", SEE_CASES)
def test_see_model_in_lists(env, case):
    """Lists leave out, silently, what the caller cannot see."""
    env.run(*case.setup)
    me = env.as_(case.actor)
    models = {r[0] for r in me.sql("SHOW MODELS").fetchall()}
    registered = me.sql("SELECT full_name, owner, comment FROM "
                        "system.information_schema.registered_models").fetchall()
    versions = me.sql("SELECT full_name, version FROM system.information_schema.model_versions "
                      "ORDER BY version").fetchall()
    aliases = me.sql("SELECT full_name, alias, version FROM "
                     "system.information_schema.model_aliases").fetchall()
    tags = me.sql("SELECT full_name, tag_name, tag_value FROM "
                  "system.information_schema.model_tags").fetchall()
    if case.allowed:
        assert MODEL in models
        assert registered == [(MODEL, "olivia", "iris classifier")]
        assert versions == [(MODEL, 1), (MODEL, 2)]
        assert aliases == [(MODEL, "champion", 1)]
        assert tags == [(MODEL, "task", "classification")]
    else:
        assert MODEL not in models
        assert registered == []
        assert versions == []
        assert aliases == []
        assert tags == []


def test_see_model_in_show_models_scoped_to_schema(env):
    """SHOW MODELS IN a schema the caller may use lists only the visible models."""
    env.run("CREATE MODEL prod.ml_team.wine", grant("EXECUTE", "MODEL prod.ml_team.wine", "carol"))
    assert [r[0] for r in env.rows("SHOW MODELS IN prod.ml_team", "carol")] == ["prod.ml_team.wine"]
    assert [r[0] for r in env.rows("SHOW MODELS IN prod.ml_team", "olivia")] == [MODEL]


# === rename =======================================================================================

RENAME_CASES = [
    ok("owner-and-CREATE_MODEL", "olivia", grant("CREATE MODEL", ON_SCHEMA, "olivia")),
    ok("MANAGE-and-CREATE_MODEL", "carol", grant("MANAGE", ON_MODEL, "carol"),
       grant("CREATE MODEL", ON_SCHEMA, "carol")),
    ok("MANAGE-and-CREATE_FUNCTION", "carol", grant("MANAGE", ON_MODEL, "carol"),
       grant("CREATE FUNCTION", ON_SCHEMA, "carol")),
    ok("group-owner-and-CREATE_MODEL-via-group", "carol", model_owner("ml-team"),
       grant("CREATE MODEL", ON_SCHEMA, "ml-team")),
    ok("schema-owner", "dana", schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana")),
    ok("admin", "admin"),
    refused("refused-owner-without-CREATE_MODEL", "olivia"),
    refused("refused-MANAGE-without-CREATE_MODEL", "carol", grant("MANAGE", ON_MODEL, "carol")),
    refused("refused-CREATE_MODEL-without-ownership", "carol", grant("CREATE MODEL", ON_SCHEMA, "carol")),
    refused("refused-ALL_PRIVILEGES-on-schema", "carol", grant("ALL PRIVILEGES", ON_SCHEMA, "carol")),
]


@pytest.mark.parametrize("case", RENAME_CASES)
def test_rename_model(env, case):
    attempt(env, case, f"ALTER MODEL {MODEL} RENAME TO iris_v2", "RENAME_MODEL")
    models = model_names(env)
    if case.allowed:
        assert models == {"prod.ml_team.iris_v2"}
        assert model_info(env, "prod.ml_team.iris_v2")["latest_version"] == "2"
    else:
        assert models == {MODEL}


# === delete model or version ======================================================================

DELETE_CASES = [
    ok("model-owner", "olivia"),
    ok("MANAGE-on-model", "carol", grant("MANAGE", ON_MODEL, "carol")),
    ok("MANAGE-inherited-from-catalog", "carol", grant("MANAGE", ON_CATALOG, "carol")),
    ok("owner-is-group", "carol", model_owner("interns")),
    ok("schema-owner", "dana", schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana")),
    ok("catalog-owner", "dana", catalog_owner("dana")),
    ok("admin", "admin"),
    refused("refused-EXECUTE-only", "carol", grant("EXECUTE", ON_MODEL, "carol")),
    refused("refused-ALL_PRIVILEGES-is-not-MANAGE", "carol", grant("ALL PRIVILEGES", ON_MODEL, "carol")),
    refused("refused-MANAGE-without-gates", "dana", grant("MANAGE", ON_MODEL, "dana")),
    refused("refused-owner-without-gates", "dana", model_owner("dana")),
]


@pytest.mark.parametrize("case", DELETE_CASES)
def test_drop_model(env, case):
    attempt(env, case, f"DROP MODEL {MODEL}", "DROP_MODEL")
    assert (MODEL in model_names(env)) is (not case.allowed)


@pytest.mark.parametrize("case", DELETE_CASES)
def test_drop_model_version(env, case):
    attempt(env, case, f"ALTER MODEL {MODEL} DROP VERSION 1", "DROP_MODEL_VERSION")
    versions = [r[0] for r in env.rows("SELECT version FROM system.information_schema.model_versions "
                                       "ORDER BY version")]
    assert versions == ([2] if case.allowed else [1, 2])
    if case.allowed:  # deleting a version deletes its aliases
        assert model_info(env)["aliases"] is None


# === set / delete tags ============================================================================

TAG_CASES = [
    ok("model-owner", "olivia"),
    ok("owner-is-group", "carol", model_owner("ml-team")),
    ok("APPLY_TAG-on-model", "carol", grant("APPLY TAG", ON_MODEL, "carol")),
    ok("APPLY_TAG-inherited-from-schema", "carol", grant("APPLY_TAG", ON_SCHEMA, "carol")),
    ok("APPLY_TAG-inherited-from-catalog", "carol", grant("APPLY_TAG", ON_CATALOG, "carol")),
    ok("ALL_PRIVILEGES-on-model", "carol", grant("ALL PRIVILEGES", ON_MODEL, "carol")),
    ok("admin-after-granting-itself", "admin", grant("APPLY_TAG", ON_MODEL, "admin")),
    refused("refused-MANAGE-only", "carol", grant("MANAGE", ON_MODEL, "carol")),
    refused("refused-EXECUTE-only", "carol", grant("EXECUTE", ON_MODEL, "carol")),
    refused("refused-admin-needs-APPLY_TAG", "admin"),
    refused("refused-schema-owner", "dana", schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana")),
    refused("refused-catalog-owner", "dana", catalog_owner("dana")),
    refused("refused-APPLY_TAG-without-gates", "dana", grant("APPLY_TAG", ON_MODEL, "dana")),
]

TAG_OPERATIONS = [
    pytest.param(f"ALTER MODEL {MODEL} SET TAGS ('team' = 'ml')", "SET_TAGS",
                 "task = classification, team = ml", "stage = dev", id="set-model-tags"),
    pytest.param(f"SET TAG ON MODEL {MODEL} team = 'ml'", "SET_TAGS",
                 "task = classification, team = ml", "stage = dev", id="set-tag-on-model"),
    pytest.param(f"ALTER MODEL {MODEL} UNSET TAGS ('task')", "UNSET_TAGS", None, "stage = dev",
                 id="unset-model-tags"),
    pytest.param(f"UNSET TAG ON MODEL {MODEL} task", "UNSET_TAGS", None, "stage = dev",
                 id="unset-tag-on-model"),
    pytest.param(f"ALTER MODEL {MODEL} VERSION 1 SET TAGS ('stage' = 'prod')", "SET_TAGS",
                 "task = classification", "stage = prod", id="set-version-tags"),
    pytest.param(f"ALTER MODEL {MODEL} VERSION 1 UNSET TAGS ('stage')", "UNSET_TAGS",
                 "task = classification", None, id="unset-version-tags"),
]


@pytest.mark.parametrize("case", TAG_CASES)
@pytest.mark.parametrize("statement, action, model_tags, version_tags", TAG_OPERATIONS)
def test_tags(env, statement, action, model_tags, version_tags, case):
    attempt(env, case, statement, action)
    if case.allowed:
        assert model_info(env)["tags"] == model_tags
        assert version_info(env, 1)["tags"] == version_tags
    else:
        assert model_info(env)["tags"] == "task = classification"
        assert version_info(env, 1)["tags"] == "stage = dev"


# === comment ======================================================================================

COMMENT_CASES = [
    ok("model-owner", "olivia"),
    ok("MANAGE-on-model", "carol", grant("MANAGE", ON_MODEL, "carol")),
    ok("MANAGE-inherited-from-schema", "carol", grant("MANAGE", ON_SCHEMA, "carol")),
    ok("schema-owner", "dana", schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana")),
    ok("admin", "admin"),
    refused("refused-EXECUTE-only", "carol", grant("EXECUTE", ON_MODEL, "carol")),
    refused("refused-APPLY_TAG-only", "carol", grant("APPLY_TAG", ON_MODEL, "carol")),
    refused("refused-ALL_PRIVILEGES", "carol", grant("ALL PRIVILEGES", ON_MODEL, "carol")),
    refused("refused-MANAGE-without-gates", "dana", grant("MANAGE", ON_MODEL, "dana")),
]


@pytest.mark.parametrize("case", COMMENT_CASES)
@pytest.mark.parametrize("version", [None, 1], ids=["model", "version"])
def test_comment(env, version, case):
    where = f"MODEL {MODEL}" + (f" VERSION {version}" if version else "")
    attempt(env, case, f"COMMENT ON {where} IS 'reviewed'", "COMMENT_ON_MODEL")
    if version:
        assert version_info(env, 1)["comment"] == ("reviewed" if case.allowed else None)
    else:
        assert model_info(env)["comment"] == ("reviewed" if case.allowed else "iris classifier")


# === GRANT / REVOKE ===============================================================================

GRANT_CASES = [
    ok("admin", "admin"),
    ok("model-owner", "olivia"),
    ok("owner-is-group", "carol", model_owner("eng")),
    ok("schema-owner", "dana", schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana")),
    ok("catalog-owner", "dana", catalog_owner("dana")),
    ok("MANAGE-on-model", "carol", grant("MANAGE", ON_MODEL, "carol")),
    ok("MANAGE-inherited-from-catalog", "carol", grant("MANAGE", ON_CATALOG, "carol")),
    refused("refused-plain-user", "carol"),
    refused("refused-EXECUTE-holder", "carol", grant("EXECUTE", ON_MODEL, "carol")),
    refused("refused-ALL_PRIVILEGES-holder", "carol", grant("ALL PRIVILEGES", ON_MODEL, "carol")),
    refused("refused-MANAGE-without-gates", "dana", grant("MANAGE", ON_MODEL, "dana")),
    refused("refused-grantee-itself", "erin"),
]


def erin_execute(env: Env) -> list[tuple]:
    return env.rows(f"SHOW GRANTS erin ON MODEL {MODEL}")


@pytest.mark.parametrize("case", GRANT_CASES)
def test_grant(env, case):
    attempt(env, case, f"GRANT EXECUTE ON MODEL {MODEL} TO `data-analysts`", "GRANT")
    expected = [("data-analysts", "EXECUTE", "FUNCTION", MODEL)] if case.allowed else []
    assert [r for r in erin_execute(env) if r[1] == "EXECUTE"] == expected


@pytest.mark.parametrize("case", GRANT_CASES)
def test_revoke(env, case):
    env.run(grant("EXECUTE", ON_MODEL, "data-analysts"))
    attempt(env, case, f"REVOKE EXECUTE ON MODEL {MODEL} FROM `data-analysts`", "REVOKE")
    expected = [] if case.allowed else [("data-analysts", "EXECUTE", "FUNCTION", MODEL)]
    assert [r for r in erin_execute(env) if r[1] == "EXECUTE"] == expected


GRANT_ON_SCHEMA_CASES = [
    ok("admin", "admin"),
    ok("schema-owner", "dana", schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana")),
    ok("catalog-owner", "dana", catalog_owner("dana")),
    ok("MANAGE-on-schema", "carol", grant("MANAGE", ON_SCHEMA, "carol")),
    refused("refused-model-owner", "olivia"),
    refused("refused-plain-user", "carol"),
]


@pytest.mark.parametrize("case", GRANT_ON_SCHEMA_CASES)
def test_grant_on_schema(env, case):
    attempt(env, case, f"GRANT EXECUTE ON SCHEMA {SCHEMA} TO erin", "GRANT")
    rows = [r for r in env.rows(f"SHOW GRANTS erin ON SCHEMA {SCHEMA}") if r[1] == "EXECUTE"]
    assert rows == ([("erin", "EXECUTE", "SCHEMA", SCHEMA)] if case.allowed else [])


# === SHOW GRANTS ==================================================================================

SHOW_GRANTS_CASES = [
    ok("admin", "admin"),
    ok("model-owner", "olivia"),
    ok("MANAGE-on-model", "carol", grant("MANAGE", ON_MODEL, "carol")),
    ok("schema-owner", "dana", schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana")),
    ok("catalog-owner", "dana", catalog_owner("dana")),
    refused("refused-plain-user", "carol"),
    refused("refused-EXECUTE-holder", "carol", grant("EXECUTE", ON_MODEL, "carol")),
    refused("refused-ALL_PRIVILEGES-holder", "carol", grant("ALL PRIVILEGES", ON_MODEL, "carol")),
]


@pytest.mark.parametrize("case", SHOW_GRANTS_CASES)
def test_show_grants_on_model(env, case):
    env.run(grant("EXECUTE", ON_MODEL, "data-analysts"))
    result = attempt(env, case, f"SHOW GRANTS ON MODEL {MODEL}", "SHOW_GRANTS")
    if case.allowed:
        assert result.fetchall() == env.rows(f"SHOW GRANTS ON MODEL {MODEL}")
        assert ("data-analysts", "EXECUTE", "FUNCTION", MODEL) in result.fetchall()


SHOW_OWN_GRANTS_CASES = [
    ok("self", "carol"),
    ok("own-group", "carol"),
    ok("own-group-three-deep", "carol"),
    refused("refused-another-user", "carol"),
    refused("refused-group-not-a-member-of", "carol"),
]
SHOW_OWN_GRANTS_PRINCIPAL = {"self": "carol", "own-group": "interns", "own-group-three-deep": "eng",
                             "refused-another-user": "erin",
                             "refused-group-not-a-member-of": "data-analysts"}


@pytest.mark.parametrize("case", SHOW_OWN_GRANTS_CASES)
def test_show_grants_of_self_or_own_group(env, case):
    env.run(grant("EXECUTE", ON_MODEL, "carol"), grant("EXECUTE", ON_MODEL, "data-analysts"),
            grant("APPLY_TAG", ON_MODEL, "eng"))
    who = SHOW_OWN_GRANTS_PRINCIPAL[case.id]
    result = attempt(env, case, f"SHOW GRANTS `{who}` ON MODEL {MODEL}", "SHOW_GRANTS")
    if case.allowed:
        assert result.fetchall() == env.rows(f"SHOW GRANTS `{who}` ON MODEL {MODEL}")


def test_show_grants_principal_filter_includes_groups(env):
    """SHOW GRANTS carol ON x lists the grants carol holds herself or through her groups."""
    env.run(grant("EXECUTE", ON_MODEL, "carol"), grant("APPLY_TAG", ON_MODEL, "eng"),
            grant("EXECUTE", ON_MODEL, "data-analysts"))
    rows = set(env.rows(f"SHOW GRANTS carol ON MODEL {MODEL}", "carol"))
    assert ("carol", "EXECUTE", "FUNCTION", MODEL) in rows
    assert ("eng", "APPLY_TAG", "FUNCTION", MODEL) in rows
    assert ("data-analysts", "EXECUTE", "FUNCTION", MODEL) not in rows


# === groups (admin only) ==========================================================================

GROUP_CASES = [
    ok("admin", "admin"),
    ok("member-of-admin-group", "carol", *admin_group("eng")),
    refused("refused-group-member", "carol"),
    refused("refused-model-owner", "olivia"),
    refused("refused-catalog-owner", "dana", catalog_owner("dana")),
    refused("refused-MANAGE-on-catalog", "dana", grant("USE CATALOG, MANAGE", ON_CATALOG, "dana")),
    refused("refused-CREATE_CATALOG-holder", "dana", "GRANT CREATE CATALOG ON METASTORE TO dana"),
]

GROUP_OPERATIONS = [
    pytest.param("CREATE GROUP reviewers", "CREATE_GROUP", id="create"),
    pytest.param("DROP GROUP `data-analysts`", "DROP_GROUP", id="drop"),
    pytest.param("ALTER GROUP interns ADD USER dana", "ALTER_GROUP", id="add-user"),
    pytest.param("ALTER GROUP interns DROP USER carol", "ALTER_GROUP", id="drop-user"),
    pytest.param("ALTER GROUP `data-analysts` ADD GROUP interns", "ALTER_GROUP", id="add-group"),
]


@pytest.mark.parametrize("case", GROUP_CASES)
@pytest.mark.parametrize("statement, action", GROUP_OPERATIONS)
def test_groups_admin_only(env, statement, action, case):
    before = {g: sorted(env.rows(f"SHOW USERS IN GROUP `{g}`")) for (g, _n) in env.rows("SHOW GROUPS")}
    attempt(env, case, statement, action)
    after = {g: sorted(env.rows(f"SHOW USERS IN GROUP `{g}`")) for (g, _n) in env.rows("SHOW GROUPS")}
    if not case.allowed:
        assert after == before
        return
    if action == "CREATE_GROUP":
        assert after["reviewers"] == []
    elif action == "DROP_GROUP":
        assert "data-analysts" not in after
    elif statement.endswith("ADD USER dana"):
        assert ("dana", "USER") in after["interns"]
    elif statement.endswith("DROP USER carol"):
        assert ("carol", "USER") not in after["interns"]
    else:
        assert ("interns", "GROUP") in after["data-analysts"]


# === drop schema / catalog ========================================================================

DROP_SCHEMA_CASES = [
    ok("admin", "admin"),
    ok("schema-owner", "dana", "ALTER SCHEMA prod.scratch OWNER TO dana",
       grant("USE CATALOG", ON_CATALOG, "dana")),
    ok("catalog-owner", "dana", catalog_owner("dana")),
    ok("MANAGE-on-schema", "carol", grant("USE SCHEMA, MANAGE", "SCHEMA prod.scratch", "carol")),
    ok("MANAGE-inherited-from-catalog", "carol", grant("USE SCHEMA, MANAGE", ON_CATALOG, "carol")),
    refused("refused-USE_SCHEMA-only", "carol", grant("USE SCHEMA", "SCHEMA prod.scratch", "carol")),
    refused("refused-MANAGE-without-USE_SCHEMA", "carol", grant("MANAGE", "SCHEMA prod.scratch", "carol")),
    refused("refused-ALL_PRIVILEGES", "carol", grant("ALL PRIVILEGES", "SCHEMA prod.scratch", "carol")),
    refused("refused-owner-without-USE_CATALOG", "dana", "ALTER SCHEMA prod.scratch OWNER TO dana"),
]


@pytest.mark.parametrize("case", DROP_SCHEMA_CASES)
def test_drop_schema(env, case):
    env.run("CREATE SCHEMA prod.scratch")
    attempt(env, case, "DROP SCHEMA prod.scratch", "DROP_SCHEMA")
    schemas = {r[1] for r in env.rows("SHOW SCHEMAS IN prod")}
    assert ("scratch" in schemas) is (not case.allowed)


DROP_CATALOG_CASES = [
    ok("admin", "admin"),
    ok("catalog-owner", "dana", "ALTER CATALOG scratch OWNER TO dana"),
    ok("MANAGE-and-USE_CATALOG", "carol", grant("USE CATALOG, MANAGE", "CATALOG scratch", "carol")),
    refused("refused-USE_CATALOG-only", "carol", grant("USE CATALOG", "CATALOG scratch", "carol")),
    refused("refused-MANAGE-without-USE_CATALOG", "carol", grant("MANAGE", "CATALOG scratch", "carol")),
    refused("refused-ALL_PRIVILEGES", "carol", grant("ALL PRIVILEGES", "CATALOG scratch", "carol")),
    refused("refused-CREATE_CATALOG-holder", "carol", "GRANT CREATE CATALOG ON METASTORE TO carol",
            grant("USE CATALOG", "CATALOG scratch", "carol")),
]


@pytest.mark.parametrize("case", DROP_CATALOG_CASES)
def test_drop_catalog(env, case):
    env.run("CREATE CATALOG scratch")
    attempt(env, case, "DROP CATALOG scratch", "DROP_CATALOG")
    catalogs = {r[0] for r in env.rows("SHOW CATALOGS")}
    assert ("scratch" in catalogs) is (not case.allowed)


@pytest.mark.parametrize("statement, action", [
    pytest.param("DROP SCHEMA prod.ml_team", "DROP_SCHEMA", id="schema-default-restrict"),
    pytest.param("DROP SCHEMA prod.ml_team RESTRICT", "DROP_SCHEMA", id="schema-restrict"),
    pytest.param("DROP CATALOG prod", "DROP_CATALOG", id="catalog-default-restrict"),
    pytest.param("DROP CATALOG prod RESTRICT", "DROP_CATALOG", id="catalog-restrict"),
])
@pytest.mark.parametrize("actor", ["admin", "dana"])
def test_drop_restrict_refuses_non_empty(env, statement, action, actor):
    env.run(catalog_owner("dana"))
    err = expect_refused(env, actor, statement, action, InvalidArgument)
    assert "not empty" in err.message and "CASCADE" in err.message


@pytest.mark.parametrize("actor", ["admin", "dana"])
def test_drop_cascade(env, actor):
    env.run(catalog_owner("dana"), "CREATE SCHEMA prod.empty")
    env.as_(actor).sql("DROP SCHEMA prod.ml_team CASCADE")
    assert model_names(env) == set()
    assert env.rows("SELECT * FROM system.information_schema.model_versions") == []
    assert [r for r in env.rows("SELECT schema_name FROM system.information_schema.schemata "
                                "WHERE catalog_name = 'prod'")] == [("empty",)]
    env.as_(actor).sql("DROP CATALOG prod CASCADE")
    assert "prod" not in {r[0] for r in env.rows("SHOW CATALOGS")}


def test_drop_catalog_cascade_refused_for_plain_user(env):
    expect_refused(env, "carol", "DROP CATALOG prod CASCADE", "DROP_CATALOG")


# === catalog- and schema-level tags, comments and grants ==========================================
# Catalog-level operations are gated by USE_CATALOG only; schema-level ones by both gates.

CATALOG_TAG_CASES = [
    ok("admin-owning-the-catalog", "admin"),
    ok("catalog-owner", "dana", catalog_owner("dana")),
    ok("APPLY_TAG-and-USE_CATALOG", "dana", grant("USE CATALOG, APPLY TAG", ON_CATALOG, "dana")),
    ok("APPLY_TAG-via-nested-group", "carol", grant("APPLY_TAG", ON_CATALOG, "eng")),
    refused("refused-APPLY_TAG-without-USE_CATALOG", "dana", grant("APPLY_TAG", ON_CATALOG, "dana")),
    refused("refused-MANAGE-only", "carol", grant("MANAGE", ON_CATALOG, "carol")),
    refused("refused-USE_CATALOG-only", "carol"),
    refused("refused-admin-not-owning-the-catalog", "admin", catalog_owner("dana")),
]


@pytest.mark.parametrize("case", CATALOG_TAG_CASES)
def test_tag_catalog(env, case):
    attempt(env, case, "ALTER CATALOG prod SET TAGS ('tier' = 'gold')", "SET_TAGS")
    tags = dict(env.rows("DESCRIBE CATALOG EXTENDED prod")).get("tags")
    assert tags == ("tier = gold" if case.allowed else None)


SCHEMA_TAG_CASES = [
    ok("APPLY_TAG-on-schema", "carol", grant("APPLY_TAG", ON_SCHEMA, "carol")),
    ok("APPLY_TAG-inherited-from-catalog", "carol", grant("APPLY_TAG", ON_CATALOG, "carol")),
    ok("schema-owner", "dana", schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana")),
    refused("refused-APPLY_TAG-without-USE_SCHEMA", "dana",
            grant("USE CATALOG", ON_CATALOG, "dana"), grant("APPLY_TAG", ON_SCHEMA, "dana")),
    refused("refused-MANAGE-only", "carol", grant("MANAGE", ON_SCHEMA, "carol")),
    refused("refused-gates-only", "carol"),
]


@pytest.mark.parametrize("case", SCHEMA_TAG_CASES)
def test_tag_schema(env, case):
    attempt(env, case, f"SET TAG ON SCHEMA {SCHEMA} tier = 'gold'", "SET_TAGS")
    tags = dict(env.rows(f"DESCRIBE SCHEMA EXTENDED {SCHEMA}")).get("tags")
    assert tags == ("tier = gold" if case.allowed else None)


NAMESPACE_COMMENT_CASES = [
    pytest.param("CATALOG prod", Case("catalog-owner", "dana", (catalog_owner("dana"),)),
                 id="catalog-owner"),
    pytest.param("CATALOG prod", Case("MANAGE-and-USE_CATALOG", "dana",
                                      (grant("USE CATALOG, MANAGE", ON_CATALOG, "dana"),)),
                 id="catalog-MANAGE"),
    pytest.param("CATALOG prod", Case("admin", "admin"), id="catalog-admin"),
    pytest.param("CATALOG prod", Case("MANAGE-no-gate", "dana", (grant("MANAGE", ON_CATALOG, "dana"),),
                                      False), id="refused-catalog-MANAGE-without-USE_CATALOG"),
    pytest.param("CATALOG prod", Case("plain", "carol", (), False), id="refused-catalog-plain-user"),
    pytest.param(f"SCHEMA {SCHEMA}", Case("schema-owner", "dana",
                                          (schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana"))),
                 id="schema-owner"),
    pytest.param(f"SCHEMA {SCHEMA}", Case("catalog-owner", "dana", (catalog_owner("dana"),)),
                 id="schema-parent-owner"),
    pytest.param(f"SCHEMA {SCHEMA}", Case("MANAGE", "carol", (grant("MANAGE", ON_SCHEMA, "carol"),)),
                 id="schema-MANAGE"),
    pytest.param(f"SCHEMA {SCHEMA}", Case("plain", "carol", (), False), id="refused-schema-plain-user"),
    pytest.param(f"SCHEMA {SCHEMA}", Case("model-owner", "olivia", (), False),
                 id="refused-schema-by-model-owner"),
]


@pytest.mark.parametrize("on, case", NAMESPACE_COMMENT_CASES)
def test_comment_on_catalog_and_schema(env, on, case):
    kind = on.split()[0]
    attempt(env, case, f"COMMENT ON {on} IS 'reviewed'", f"COMMENT_ON_{kind}")
    comment = dict(env.rows(f"DESCRIBE {on}"))["comment"]
    original = "production models" if kind == "CATALOG" else "the ML team"
    assert comment == ("reviewed" if case.allowed else original)


GRANT_ON_CATALOG_CASES = [
    ok("admin", "admin"),
    ok("catalog-owner", "dana", catalog_owner("dana")),
    ok("MANAGE-and-USE_CATALOG", "dana", grant("USE CATALOG, MANAGE", ON_CATALOG, "dana")),
    refused("refused-MANAGE-without-USE_CATALOG", "dana", grant("MANAGE", ON_CATALOG, "dana")),
    refused("refused-schema-owner", "dana", schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana")),
    refused("refused-USE_CATALOG-holder", "carol"),
]


@pytest.mark.parametrize("case", GRANT_ON_CATALOG_CASES)
def test_grant_on_catalog(env, case):
    attempt(env, case, "GRANT BROWSE ON CATALOG prod TO erin", "GRANT")
    rows = env.rows("SHOW GRANTS erin ON CATALOG prod")
    assert rows == ([("erin", "BROWSE", "CATALOG", "prod")] if case.allowed else [])


GRANT_ON_METASTORE_CASES = [
    ok("admin", "admin"),
    ok("member-of-admin-group", "carol", *admin_group("interns")),
    refused("refused-CREATE_CATALOG-holder", "dana", "GRANT CREATE CATALOG ON METASTORE TO dana"),
    refused("refused-catalog-owner", "dana", catalog_owner("dana")),
]


@pytest.mark.parametrize("case", GRANT_ON_METASTORE_CASES)
@pytest.mark.parametrize("verb", ["GRANT", "REVOKE"])
def test_grant_on_metastore(env, verb, case):
    env.run("GRANT CREATE CATALOG ON METASTORE TO `data-analysts`")
    statement = ("GRANT CREATE CATALOG ON METASTORE TO erin" if verb == "GRANT"
                 else "REVOKE CREATE CATALOG ON METASTORE FROM `data-analysts`")
    attempt(env, case, statement, verb)
    holders = {r[0] for r in env.rows("SHOW GRANTS ON METASTORE") if r[1] == "CREATE_CATALOG"}
    if verb == "GRANT":
        assert ("erin" in holders) is case.allowed
    else:
        assert ("data-analysts" in holders) is (not case.allowed)


SHOW_GRANTS_TO_CASES = [
    pytest.param(Case("self", "carol"), "carol", id="self"),
    pytest.param(Case("own-group", "carol"), "eng", id="own-group-three-deep"),
    pytest.param(Case("admin", "admin"), "erin", id="admin-any-principal"),
    pytest.param(Case("other", "carol", (), False), "erin", id="refused-another-user"),
    pytest.param(Case("other-group", "carol", (), False), "data-analysts", id="refused-another-group"),
    pytest.param(Case("owner", "olivia", (), False), "carol", id="refused-model-owner-for-another-user"),
]


@pytest.mark.parametrize("case, who", SHOW_GRANTS_TO_CASES)
def test_show_grants_to(env, case, who):
    env.run(grant("EXECUTE", ON_MODEL, "erin"), grant("EXECUTE", ON_MODEL, "carol"))
    result = attempt(env, case, f"SHOW GRANTS TO `{who}`", "SHOW_GRANTS_TO")
    if case.allowed:
        assert result.fetchall() == env.rows(f"SHOW GRANTS TO `{who}`")


def test_show_grants_to_lists_grants_through_groups(env):
    env.run(grant("EXECUTE", ON_MODEL, "carol"))
    assert sorted(env.rows("SHOW GRANTS TO carol", "carol")) == sorted([
        ("carol", "EXECUTE", "FUNCTION", MODEL),
        ("account users", "USE_CATALOG", "CATALOG", "main"),
        ("account users", "CREATE_MODEL", "SCHEMA", "main.default"),
        ("account users", "USE_SCHEMA", "SCHEMA", "main.default"),
        ("eng", "USE_CATALOG", "CATALOG", "prod"),
        ("ml-team", "USE_SCHEMA", "SCHEMA", SCHEMA),
    ])


# === the audit log ================================================================================

AUDIT_CASES = [
    ok("admin", "admin"),
    ok("member-of-admin-group", "carol", *admin_group("eng")),
    refused("refused-plain-user", "carol"),
    refused("refused-catalog-owner", "dana", catalog_owner("dana")),
    refused("refused-MANAGE-everywhere", "dana", grant("USE CATALOG, MANAGE", ON_CATALOG, "dana")),
]


@pytest.mark.parametrize("case", AUDIT_CASES)
def test_read_audit_log(env, case):
    result = attempt(env, case, "SELECT principal, action, result FROM system.access.audit", "SELECT")
    if case.allowed:
        assert ("admin", "CREATE_CATALOG", "ALLOWED") in result.fetchall()


def test_audit_refusal_names_the_view(env):
    err = expect_refused(env, "carol", "SELECT count(*) FROM system.access.audit", "SELECT")
    assert err.message == ("Permission denied: carol cannot read system.access.audit: only the "
                           "metastore admin may read the audit log.")


# === inheritance ==================================================================================


def test_catalog_grant_applies_to_future_schemas_and_models(env):
    env.run(grant("USE SCHEMA, EXECUTE", ON_CATALOG, "dana"), grant("USE CATALOG", ON_CATALOG, "dana"))
    assert MODEL in model_names(env, "dana")
    env.run("CREATE SCHEMA prod.later", "CREATE MODEL prod.later.future")
    assert model_names(env, "dana") == {MODEL, "prod.later.future"}
    assert dict(env.rows("DESCRIBE MODEL prod.later.future", "dana"))["owner"] == "admin"


def test_schema_grant_applies_to_future_models_only_in_that_schema(env):
    env.run(grant("EXECUTE", ON_SCHEMA, "carol"), "CREATE MODEL prod.ml_team.later",
            "CREATE SCHEMA prod.other", "CREATE MODEL prod.other.elsewhere",
            grant("USE SCHEMA", "SCHEMA prod.other", "carol"))
    assert model_names(env, "carol") == {MODEL, "prod.ml_team.later"}


def test_metastore_grants_are_not_inherited(env):
    env.run("GRANT CREATE CATALOG ON METASTORE TO dana")
    assert model_names(env, "dana") == set()
    assert "prod" not in {r[0] for r in env.rows("SHOW CATALOGS", "dana")}
    expect_refused(env, "dana", f"DESCRIBE MODEL {MODEL}", "DESCRIBE_SECURABLE")


def test_use_schema_on_catalog_covers_all_schemas(env):
    env.run("CREATE SCHEMA prod.other", "CREATE MODEL prod.other.wine",
            grant("USE CATALOG, USE SCHEMA, EXECUTE", ON_CATALOG, "dana"))
    assert model_names(env, "dana") == {MODEL, "prod.other.wine"}


# === nested groups ================================================================================


def test_nested_groups_three_deep(env):
    """carol is in interns, in ml-team, in eng: grants to any of them reach her; cutting a link
    takes them all away."""
    env.run(grant("EXECUTE", ON_MODEL, "eng"))
    assert MODEL in model_names(env, "carol")
    env.run(grant("APPLY_TAG", ON_MODEL, "eng"))
    env.as_("carol").sql(f"ALTER MODEL {MODEL} SET TAGS ('by' = 'carol')")
    env.run("ALTER GROUP `ml-team` DROP GROUP interns")
    assert model_names(env, "carol") == set()  # lost USE_SCHEMA (ml-team) and USE_CATALOG (eng)
    err = expect_refused(env, "carol", f"ALTER MODEL {MODEL} SET TAGS ('by' = 'again')", "SET_TAGS")
    assert err.message == (f"Permission denied: carol cannot set tags on MODEL {MODEL}: "
                           f"missing USE_CATALOG on CATALOG prod.")


# === ownership held by a group ====================================================================


def test_group_ownership_gives_every_member_owner_rights(env):
    env.run(model_owner("ml-team"))
    carol, olivia = env.as_("carol"), env.as_("olivia")
    carol.sql(f"ALTER MODEL {MODEL} ADD VERSION FROM '{env.model_dir}'")
    olivia.sql(f"ALTER MODEL {MODEL} SET ALIAS champion TO VERSION 3")
    carol.sql(f"ALTER MODEL {MODEL} SET TAGS ('owner' = 'ml-team')")
    olivia.sql(f"COMMENT ON MODEL {MODEL} IS 'owned by the team'")
    carol.sql(f"GRANT EXECUTE ON MODEL {MODEL} TO erin")
    info = model_info(env)
    assert (info["owner"], info["latest_version"], info["aliases"], info["comment"]) == (
        "ml-team", "3", "champion -> 3", "owned by the team")
    assert "owner = ml-team" in info["tags"]
    assert ("erin", "EXECUTE", "FUNCTION", MODEL) in env.rows(f"SHOW GRANTS ON MODEL {MODEL}")
    # someone outside the group is not an owner
    expect_refused(env, "erin", f"DROP MODEL {MODEL}", "DROP_MODEL")


# === ALL PRIVILEGES ===============================================================================


def test_all_privileges_covers_everything_but_manage(env):
    env.run(grant("ALL PRIVILEGES", ON_SCHEMA, "carol"))
    carol = env.as_("carol")
    assert MODEL in model_names(env, "carol")  # EXECUTE
    carol.sql(f"ALTER MODEL {MODEL} SET TAGS ('checked' = 'yes')")  # APPLY_TAG
    carol.sql(f"ALTER MODEL {MODEL} ADD VERSION FROM '{env.model_dir}'")  # CREATE_MODEL_VERSION
    carol.sql("CREATE MODEL prod.ml_team.wine")  # CREATE_MODEL
    expect_refused(env, "carol", f"DROP MODEL {MODEL}", "DROP_MODEL")  # no MANAGE
    expect_refused(env, "carol", f"GRANT EXECUTE ON MODEL {MODEL} TO erin", "GRANT")
    expect_refused(env, "carol", f"COMMENT ON MODEL {MODEL} IS 'x'", "COMMENT_ON_MODEL")
    expect_refused(env, "carol", f"ALTER MODEL {MODEL} SET ALIAS best TO VERSION 3", "SET_ALIAS")


def test_revoke_all_privileges_removes_only_that_grant(env):
    env.run(grant("ALL PRIVILEGES", ON_MODEL, "carol"), grant("EXECUTE", ON_MODEL, "carol"),
            grant("APPLY_TAG", ON_SCHEMA, "carol"))
    env.run(f"REVOKE ALL PRIVILEGES ON MODEL {MODEL} FROM carol")
    direct = [r for r in env.rows(f"SHOW GRANTS carol ON MODEL {MODEL}") if r[0] == "carol"]
    assert sorted(direct) == [("carol", "APPLY_TAG", "SCHEMA", SCHEMA),
                              ("carol", "EXECUTE", "FUNCTION", MODEL)]
    assert MODEL in model_names(env, "carol")  # EXECUTE survived
    expect_refused(env, "carol", f"ALTER MODEL {MODEL} ADD VERSION FROM '{{dir}}'", "ADD_MODEL_VERSION")


def test_revoke_single_privilege_leaves_all_privileges(env):
    """ALL_PRIVILEGES is one grant: revoking EXECUTE (never granted alone) changes nothing."""
    env.run(grant("ALL PRIVILEGES", ON_MODEL, "carol"))
    before = snapshot(env)
    env.run(f"REVOKE EXECUTE ON MODEL {MODEL} FROM carol")
    assert snapshot(env) == before
    assert MODEL in model_names(env, "carol")


# === granting where a privilege does not apply ====================================================

WRONG_KIND = [
    pytest.param("USE_CATALOG", f"SCHEMA {SCHEMA}",
                 ["ALL_PRIVILEGES", "APPLY_TAG", "CREATE_FUNCTION", "CREATE_MODEL",
                  "CREATE_MODEL_VERSION", "EXECUTE", "MANAGE", "USE_SCHEMA"], id="USE_CATALOG-on-schema"),
    pytest.param("USE SCHEMA", f"MODEL {MODEL}",
                 ["ALL_PRIVILEGES", "APPLY_TAG", "CREATE_MODEL_VERSION", "EXECUTE", "MANAGE"],
                 id="USE_SCHEMA-on-model"),
    pytest.param("CREATE MODEL", f"FUNCTION {MODEL}",
                 ["ALL_PRIVILEGES", "APPLY_TAG", "CREATE_MODEL_VERSION", "EXECUTE", "MANAGE"],
                 id="CREATE_MODEL-on-model"),
    pytest.param("CREATE_CATALOG", "CATALOG prod",
                 ["ALL_PRIVILEGES", "APPLY_TAG", "BROWSE", "CREATE_FUNCTION", "CREATE_MODEL",
                  "CREATE_MODEL_VERSION", "CREATE_SCHEMA", "EXECUTE", "MANAGE", "USE_CATALOG",
                  "USE_SCHEMA"], id="CREATE_CATALOG-on-catalog"),
    pytest.param("BROWSE", f"SCHEMA {SCHEMA}",
                 ["ALL_PRIVILEGES", "APPLY_TAG", "CREATE_FUNCTION", "CREATE_MODEL",
                  "CREATE_MODEL_VERSION", "EXECUTE", "MANAGE", "USE_SCHEMA"], id="BROWSE-on-schema"),
    pytest.param("EXECUTE", "METASTORE", ["CREATE_CATALOG", "CREATE_MANAGED_STORAGE"],
                 id="EXECUTE-on-metastore"),
    pytest.param("ALL PRIVILEGES", "METASTORE", ["CREATE_CATALOG", "CREATE_MANAGED_STORAGE"],
                 id="ALL_PRIVILEGES-on-metastore"),
    pytest.param("MANAGE", "METASTORE", ["CREATE_CATALOG", "CREATE_MANAGED_STORAGE"],
                 id="MANAGE-on-metastore"),
]


@pytest.mark.parametrize("privilege, on, applicable", WRONG_KIND)
def test_grant_on_wrong_kind_names_the_applicable_privileges(env, privilege, on, applicable):
    err = expect_refused(env, "admin", f"GRANT {privilege} ON {on} TO carol", "GRANT", InvalidArgument)
    text = err.message
    assert text.startswith(privilege.replace(" ", "_") + " cannot be granted on ")
    named = set(re.findall(r"[A-Z][A-Z_]+[A-Z]", text.split("you can grant", 1)[1]))
    assert named == set(applicable)


def test_grant_on_wrong_kind_exact_message(env):
    err = expect_refused(env, "admin", f"GRANT USE_CATALOG ON SCHEMA {SCHEMA} TO carol", "GRANT",
                         InvalidArgument)
    assert err.message == (
        "USE_CATALOG cannot be granted on a schema; on SCHEMA prod.ml_team you can grant "
        "ALL_PRIVILEGES, APPLY_TAG, CREATE_FUNCTION, CREATE_MODEL, CREATE_MODEL_VERSION, EXECUTE, "
        "MANAGE, USE_SCHEMA.")


def test_revoking_a_grant_that_does_not_exist_succeeds(env):
    before = snapshot(env)
    env.admin.sql(f"REVOKE EXECUTE ON MODEL {MODEL} FROM carol")
    env.admin.sql(f"REVOKE MANAGE ON SCHEMA {SCHEMA} FROM `nobody@example.com`")
    env.as_("olivia").sql(f"REVOKE APPLY_TAG ON MODEL {MODEL} FROM erin")
    assert snapshot(env) == before


def test_privilege_spelling(env):
    """Underscores or spaces, any case; stored with underscores."""
    env.run(f"GRANT create model version, Apply Tag ON MODEL {MODEL} TO carol")
    direct = sorted(r for r in env.rows(f"SHOW GRANTS carol ON MODEL {MODEL}") if r[0] == "carol")
    assert direct == [("carol", "APPLY_TAG", "FUNCTION", MODEL),
                      ("carol", "CREATE_MODEL_VERSION", "FUNCTION", MODEL)]


# === ownership transfer ===========================================================================

TRANSFER_CASES = [
    # (case, new owner)
    pytest.param(Case("owner-to-self", "olivia"), "olivia", id="owner-to-self"),
    pytest.param(Case("owner-to-own-group", "olivia"), "ml-team", id="owner-to-own-group"),
    pytest.param(Case("owner-to-own-group-nested", "olivia"), "eng", id="owner-to-own-group-nested"),
    pytest.param(Case("MANAGE-to-self", "carol", (grant("MANAGE", ON_MODEL, "carol"),)), "carol",
                 id="MANAGE-to-self"),
    pytest.param(Case("MANAGE-to-own-group", "carol", (grant("MANAGE", ON_MODEL, "carol"),)), "interns",
                 id="MANAGE-to-own-group"),
    pytest.param(Case("schema-owner-to-self", "dana",
                      (schema_owner("dana"), grant("USE CATALOG", ON_CATALOG, "dana"))), "dana",
                 id="schema-owner-to-self"),
    pytest.param(Case("admin-to-another-user", "admin"), "dana", id="admin-to-another-user"),
    pytest.param(Case("admin-to-any-group", "admin"), "data-analysts", id="admin-to-any-group"),
    pytest.param(Case("owner-to-another-user", "olivia", (), False), "dana",
                 id="refused-owner-to-another-user"),
    pytest.param(Case("owner-to-foreign-group", "olivia", (), False), "data-analysts",
                 id="refused-owner-to-group-not-a-member-of"),
    pytest.param(Case("MANAGE-to-another-user", "carol", (grant("MANAGE", ON_MODEL, "carol"),), False),
                 "erin", id="refused-MANAGE-to-another-user"),
    pytest.param(Case("plain-to-self", "carol", (), False), "carol", id="refused-plain-user-to-self"),
    pytest.param(Case("EXECUTE-to-self", "carol", (grant("EXECUTE", ON_MODEL, "carol"),), False),
                 "carol", id="refused-EXECUTE-holder-to-self"),
    pytest.param(Case("ALL-to-self", "carol", (grant("ALL PRIVILEGES", ON_MODEL, "carol"),), False),
                 "carol", id="refused-ALL_PRIVILEGES-holder-to-self"),
    pytest.param(Case("owner-no-gates", "dana", (model_owner("dana"),), False), "dana",
                 id="refused-owner-without-gates"),
]


@pytest.mark.parametrize("case, new_owner", TRANSFER_CASES)
def test_transfer_model_ownership(env, case, new_owner):
    attempt(env, case, f"ALTER MODEL {MODEL} OWNER TO `{new_owner}`", "SET_OWNER_MODEL")
    owner = model_info(env)["owner"]
    if case.allowed:
        assert owner == new_owner
    else:
        assert owner == ("dana" if case.id == "owner-no-gates" else "olivia")


def test_transfer_to_another_user_exact_message(env):
    err = expect_refused(env, "olivia", f"ALTER MODEL {MODEL} OWNER TO dana", "SET_OWNER_MODEL")
    assert err.message == (
        "Permission denied: olivia cannot transfer ownership of MODEL prod.ml_team.iris to dana: "
        "only the metastore admin may give an object to another principal; you may transfer it to "
        "yourself or to a group you belong to.")


@pytest.mark.parametrize("statement, action, owner_of", [
    pytest.param(f"ALTER SCHEMA {SCHEMA} OWNER TO `ml-team`", "SET_OWNER_SCHEMA", SCHEMA,
                 id="schema-owner-to-own-group"),
    pytest.param("ALTER CATALOG prod OWNER TO `ml-team`", "SET_OWNER_CATALOG", CATALOG,
                 id="catalog-owner-to-own-group"),
])
def test_transfer_schema_and_catalog_to_own_group(env, statement, action, owner_of):
    env.run(catalog_owner("olivia"), schema_owner("olivia"))
    env.as_("olivia").sql(statement)
    kind = "SCHEMA" if owner_of == SCHEMA else "CATALOG"
    assert dict(env.rows(f"DESCRIBE {kind} {owner_of}"))["owner"] == "ml-team"
    expect_refused(env, "erin", statement.replace("`ml-team`", "erin"), action)
    # ml-team now owns it, so carol (interns, inside ml-team) may take it for herself
    env.as_("carol").sql(statement.replace("`ml-team`", "carol"))
    assert dict(env.rows(f"DESCRIBE {kind} {owner_of}"))["owner"] == "carol"


def test_metastore_ownership_admin_only(env):
    expect_refused(env, "olivia", "ALTER METASTORE OWNER TO olivia", "SET_OWNER_METASTORE")
    env.run("CREATE GROUP admins", "ALTER GROUP admins ADD USER admin", "ALTER GROUP admins ADD USER dana",
            "ALTER METASTORE OWNER TO admins")
    env.as_("dana").sql("CREATE CATALOG from_dana")  # dana is now an admin
    assert ("from_dana", "dana", None) in env.rows("SHOW CATALOGS")


# === `account users` and the quickstart ===========================================================


def test_account_users_quickstart_without_any_grant(env):
    zed = env.as_("zed@example.com")
    zed.sql("CREATE MODEL quick")  # one-part name: main.default.quick
    zed.sql(f"ALTER MODEL quick ADD VERSION FROM '{env.model_dir}'")
    zed.sql("ALTER MODEL default.quick SET ALIAS prod TO VERSION 1")
    zed.sql("ALTER MODEL main.default.quick SET TAGS ('flavor' = 'sklearn')")
    zed.sql("COMMENT ON MODEL quick IS 'my first model'")
    assert [r[:2] for r in zed.sql("SHOW MODELS").fetchall()] == [
        ("main.default.quick", "zed@example.com")]
    assert dict(zed.sql("DESCRIBE MODEL quick VERSION 1").fetchall())["aliases"] == "prod"
    # another user of the quickstart sees neither zed's model nor prod
    assert env.rows("SHOW MODELS", "yan@example.com") == []
    expect_refused(env, "yan@example.com", "DESCRIBE MODEL quick", "DESCRIBE_SECURABLE")
    expect_refused(env, "yan@example.com", "ALTER MODEL quick DROP VERSION 1", "DROP_MODEL_VERSION")
    # ... and `account users` brings no more than the quickstart
    expect_refused(env, "zed@example.com", "CREATE SCHEMA main.mine", "CREATE_SCHEMA")
    expect_refused(env, "zed@example.com", "CREATE CATALOG mine", "CREATE_CATALOG")
    expect_refused(env, "zed@example.com", "CREATE MODEL prod.ml_team.mine", "CREATE_MODEL")


def test_account_users_grants_of_a_new_metastore(env):
    assert env.rows("SHOW GRANTS `account users` ON CATALOG main") == [
        ("account users", "USE_CATALOG", "CATALOG", "main")]
    on_schema = env.rows("SHOW GRANTS `account users` ON SCHEMA main.default")
    assert sorted(r for r in on_schema if r[2] == "SCHEMA") == [
        ("account users", "CREATE_MODEL", "SCHEMA", "main.default"),
        ("account users", "USE_SCHEMA", "SCHEMA", "main.default"),
    ]
    owners = {r[0]: r[1] for r in env.rows("SHOW CATALOGS")}
    assert owners["main"] == "admin"
    assert dict(env.rows("DESCRIBE SCHEMA main.default"))["owner"] == "admin"


def test_account_users_contains_everyone(env):
    env.run(grant("EXECUTE", ON_MODEL, "account users"))
    assert MODEL in model_names(env, "carol")  # gated, and now EXECUTE through account users
    assert MODEL not in model_names(env, "dana")  # no gates


# === the metastore admin ==========================================================================


def test_admin_sees_and_manages_but_needs_apply_tag_and_create_model_version(env):
    admin = env.admin
    assert MODEL in model_names(env)
    admin.sql(f"COMMENT ON MODEL {MODEL} IS 'by the admin'")
    admin.sql(f"ALTER MODEL {MODEL} SET ALIAS best TO VERSION 2")
    err = expect_refused(env, "admin", f"ALTER MODEL {MODEL} SET TAGS ('x' = 'y')", "SET_TAGS")
    assert err.message == (f"Permission denied: admin cannot set tags on MODEL {MODEL}: "
                           f"missing APPLY_TAG on MODEL {MODEL}.")
    assert err.missing == f"APPLY_TAG on MODEL {MODEL}"
    expect_refused(env, "admin", f"ALTER MODEL {MODEL} ADD VERSION FROM '{{dir}}'", "ADD_MODEL_VERSION")
    admin.sql(f"GRANT APPLY_TAG, CREATE_MODEL_VERSION ON MODEL {MODEL} TO admin")
    admin.sql(f"ALTER MODEL {MODEL} SET TAGS ('x' = 'y')")
    admin.sql(f"ALTER MODEL {MODEL} ADD VERSION FROM '{env.model_dir}'")
    assert model_info(env)["latest_version"] == "3"


def test_admin_owning_the_catalog_gets_no_apply_tag_inside(env):
    """The admin owns prod and prod.ml_team; that is not APPLY_TAG on the model inside."""
    assert dict(env.rows("DESCRIBE CATALOG prod"))["owner"] == "admin"
    expect_refused(env, "admin", f"ALTER MODEL {MODEL} VERSION 1 SET TAGS ('a' = 'b')", "SET_TAGS")
    # but tagging the schema it owns is fine
    env.admin.sql(f"ALTER SCHEMA {SCHEMA} SET TAGS ('team' = 'ml')")


# === exact refusal messages =======================================================================


def test_message_missing_manage(env):
    err = expect_refused(env, "carol", f"DROP MODEL {MODEL}", "DROP_MODEL")
    assert err.message == (f"Permission denied: carol cannot drop model {MODEL}: "
                           f"missing MANAGE on MODEL {MODEL}.")
    assert (err.principal, err.securable, err.missing) == ("carol", f"MODEL {MODEL}",
                                                          f"MANAGE on MODEL {MODEL}")
    assert err.operation == "DROP_MODEL"


def test_message_missing_gate(env):
    err = expect_refused(env, "dana", f"DROP MODEL {MODEL}", "DROP_MODEL")
    assert err.message == (f"Permission denied: dana cannot drop model {MODEL}: "
                           f"missing USE_CATALOG on CATALOG prod.")


def test_message_missing_use_schema(env):
    env.run(grant("USE CATALOG", ON_CATALOG, "dana"))
    err = expect_refused(env, "dana", f"ALTER MODEL {MODEL} SET ALIAS x TO VERSION 1", "SET_ALIAS")
    assert err.message == (f"Permission denied: dana cannot set an alias on MODEL {MODEL}: "
                           f"missing USE_SCHEMA on SCHEMA {SCHEMA}.")


def test_message_create_model(env):
    err = expect_refused(env, "carol", "CREATE MODEL prod.ml_team.wine", "CREATE_MODEL")
    assert err.message == ("Permission denied: carol cannot create model prod.ml_team.wine: "
                           f"missing CREATE_MODEL on SCHEMA {SCHEMA}.")


def test_message_rename_without_create_model(env):
    err = expect_refused(env, "olivia", f"ALTER MODEL {MODEL} RENAME TO iris_v2", "RENAME_MODEL")
    assert err.message == (f"Permission denied: olivia cannot rename MODEL {MODEL}: "
                           f"missing CREATE_MODEL on SCHEMA {SCHEMA}.")


def test_message_describe_without_execute(env):
    err = expect_refused(env, "carol", f"DESCRIBE MODEL {MODEL}", "DESCRIBE_SECURABLE")
    assert err.message == (f"Permission denied: carol cannot describe MODEL {MODEL}: "
                           f"missing EXECUTE on MODEL {MODEL}.")


def test_message_group_admin_only(env):
    err = expect_refused(env, "carol", "CREATE GROUP reviewers", "CREATE_GROUP")
    assert err.message.startswith("Permission denied: carol cannot create group reviewers: missing ")
    assert "admin" in err.missing


def test_audit_row_of_a_refusal(env):
    mark = audit_mark(env)
    with pytest.raises(PermissionDenied):
        env.as_("carol").sql(f"DROP MODEL {MODEL}")
    rows = [r for r in audit_since(env, mark) if r[0] == "carol"]
    detail = f"Permission denied: carol cannot drop model {MODEL}: missing MANAGE on MODEL {MODEL}."
    assert rows == [("carol", "DROP_MODEL", "DENIED", MODEL, detail)]


def test_missing_object_is_not_found(env):
    with pytest.raises(NotFound):
        env.admin.sql("DROP MODEL prod.ml_team.nope")
