"""What each principal sees: the filtered system views, the SHOW listings, and SHOW GRANTS ON.

The world (built once, copied per test):

    catalog main (bootstrap)     `account users`: USE_CATALOG; main.default: USE_SCHEMA, CREATE_MODEL
    catalog prod (owner admin)   eng: USE_CATALOG, CREATE_MODEL     finance: USE_CATALOG
                                 bea: BROWSE
      prod.ml_team               ml-team: USE_SCHEMA
        iris  (owner admin)      interns: EXECUTE; versions 1, 2; alias champion -> 2; tags
        wine  (owner olivia)     data-analysts: EXECUTE; version 1
      prod.finance               finance: USE_SCHEMA, EXECUTE
        fraud (owner admin)      version 1
    catalog dev  (owner dana)
      dev.sandbox
        toy   (owner admin)      version 1

    groups  eng ⊃ ml-team ⊃ interns ∋ carol;  ml-team ∋ olivia;  finance ∋ frank;
            data-analysts ∋ erin
    bea holds BROWSE on prod only; zed holds nothing.

Per privileges.md: a model is visible with EXECUTE, ownership, MANAGE, BROWSE on the catalog,
ownership of the catalog or schema, or as admin (with the gates, except for BROWSE); lists
silently leave out the rest. The *_privileges views show the grants the caller holds (itself or
through groups) on objects it can see, and every grant on the objects it may manage.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import ucsql
from ucsql.errors import PermissionDenied

MLMODEL = """\
signature:
  inputs: '[{"type": "double", "name": "x"}]'
  outputs: '[{"type": "double"}]'
"""

WORLD = [
    "CREATE CATALOG prod COMMENT 'production models'",
    "CREATE SCHEMA prod.ml_team",
    "CREATE SCHEMA prod.finance",
    "CREATE MODEL prod.ml_team.iris COMMENT 'iris classifier'",
    "ALTER MODEL prod.ml_team.iris ADD VERSION FROM '{dir}'",
    "ALTER MODEL prod.ml_team.iris ADD VERSION FROM '{dir}'",
    "ALTER MODEL prod.ml_team.iris SET ALIAS champion TO VERSION 2",
    "ALTER MODEL prod.ml_team.iris SET TAGS ('task' = 'classification')",
    "ALTER MODEL prod.ml_team.iris VERSION 2 SET TAGS ('validated' = 'yes')",
    "CREATE MODEL prod.ml_team.wine",
    "ALTER MODEL prod.ml_team.wine ADD VERSION FROM '{dir}'",
    "CREATE MODEL prod.finance.fraud COMMENT 'fraud scores'",
    "ALTER MODEL prod.finance.fraud ADD VERSION FROM '{dir}'",
    "CREATE CATALOG dev",
    "CREATE SCHEMA dev.sandbox",
    "CREATE MODEL dev.sandbox.toy",
    "ALTER MODEL dev.sandbox.toy ADD VERSION FROM '{dir}'",
    # Users who have not connected yet are created before anything names them.
    "CREATE USER dana", "CREATE USER carol", "CREATE USER olivia", "CREATE USER frank",
    "CREATE USER erin", "CREATE USER bea",
    "ALTER CATALOG dev OWNER TO dana",
    "CREATE GROUP eng",
    "CREATE GROUP `ml-team`",
    "CREATE GROUP interns",
    "CREATE GROUP finance",
    "CREATE GROUP `data-analysts`",
    "ALTER GROUP eng ADD GROUP `ml-team`",
    "ALTER GROUP `ml-team` ADD GROUP interns",
    "ALTER GROUP interns ADD USER carol",
    "ALTER GROUP `ml-team` ADD USER olivia",
    "ALTER GROUP finance ADD USER frank",
    "ALTER GROUP `data-analysts` ADD USER erin",
    "GRANT USE CATALOG, CREATE MODEL ON CATALOG prod TO eng",
    "GRANT USE CATALOG ON CATALOG prod TO finance",
    "GRANT BROWSE ON CATALOG prod TO bea",
    "GRANT USE SCHEMA ON SCHEMA prod.ml_team TO `ml-team`",
    "GRANT USE SCHEMA, EXECUTE ON SCHEMA prod.finance TO finance",
    "GRANT EXECUTE ON MODEL prod.ml_team.iris TO interns",
    "GRANT EXECUTE ON MODEL prod.ml_team.wine TO `data-analysts`",
    "ALTER MODEL prod.ml_team.wine OWNER TO olivia",
]


class World:
    def __init__(self, admin: ucsql.Catalog, model_dir: str):
        self.admin = admin
        self.model_dir = model_dir

    def run(self, *statements: str) -> None:
        for s in statements:
            self.admin.sql(s.replace("{dir}", self.model_dir))

    def rows(self, statement: str, principal: str = "admin") -> list[tuple]:
        return self.admin.as_principal(principal).sql(statement).fetchall()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = tmp_path_factory.mktemp("visibility")
    model_dir = root / "model_src"
    model_dir.mkdir()
    (model_dir / "MLmodel").write_text(MLMODEL)
    (model_dir / "model.pkl").write_bytes(b"weights")
    admin = ucsql.connect(str(root / "m.duckdb"), principal="admin")
    World(admin, str(model_dir)).run(*WORLD)
    admin.close()
    return root / "m.duckdb", str(model_dir)


@pytest.fixture
def world(tmp_path: Path, template) -> World:
    db, model_dir = template
    shutil.copyfile(db, tmp_path / "m.duckdb")
    admin = ucsql.connect(str(tmp_path / "m.duckdb"), principal="admin")
    yield World(admin, model_dir)
    admin.close()


PRINCIPALS = ["admin", "carol", "olivia", "frank", "erin", "bea", "dana", "zed"]

# --- what each principal may see ------------------------------------------------------------------

CATALOGS = {
    "admin": {"main", "prod", "dev"},
    "carol": {"main", "prod"},       # USE_CATALOG through eng, two groups up
    "olivia": {"main", "prod"},
    "frank": {"main", "prod"},
    "erin": {"main"},                # EXECUTE on wine, but no USE_CATALOG on prod
    "bea": {"main", "prod"},         # BROWSE
    "dana": {"main", "dev"},         # owner of dev
    "zed": {"main"},                 # `account users` only
}

SCHEMATA = {
    "admin": {"main.default", "prod.ml_team", "prod.finance", "dev.sandbox"},
    "carol": {"main.default", "prod.ml_team"},
    "olivia": {"main.default", "prod.ml_team"},
    "frank": {"main.default", "prod.finance"},
    "erin": {"main.default"},
    "bea": {"main.default", "prod.ml_team", "prod.finance"},
    "dana": {"main.default", "dev.sandbox"},
    "zed": {"main.default"},
}

MODELS = {
    "admin": {"prod.ml_team.iris", "prod.ml_team.wine", "prod.finance.fraud", "dev.sandbox.toy"},
    "carol": {"prod.ml_team.iris"},              # EXECUTE via interns; not wine
    "olivia": {"prod.ml_team.wine"},             # owner of wine; iris's EXECUTE is for interns only
    "frank": {"prod.finance.fraud"},             # EXECUTE inherited from the schema
    "erin": set(),                               # EXECUTE on wine without the gates
    "bea": {"prod.ml_team.iris", "prod.ml_team.wine", "prod.finance.fraud"},
    "dana": {"dev.sandbox.toy"},                 # owner of the catalog
    "zed": set(),
}

VERSIONS = {
    "prod.ml_team.iris": [1, 2],
    "prod.ml_team.wine": [1],
    "prod.finance.fraud": [1],
    "dev.sandbox.toy": [1],
}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_catalogs_view_and_show_catalogs(world, principal):
    view = world.rows("SELECT catalog_name FROM system.information_schema.catalogs", principal)
    assert {r[0] for r in view} == CATALOGS[principal]
    assert len(view) == len(CATALOGS[principal])
    assert {r[0] for r in world.rows("SHOW CATALOGS", principal)} == CATALOGS[principal]


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_schemata_view_and_show_schemas(world, principal):
    view = world.rows("SELECT catalog_name || '.' || schema_name FROM "
                      "system.information_schema.schemata", principal)
    assert sorted(r[0] for r in view) == sorted(SCHEMATA[principal])
    shown = world.rows("SHOW SCHEMAS", principal)
    assert sorted(f"{r[0]}.{r[1]}" for r in shown) == sorted(SCHEMATA[principal])


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_registered_models_view_and_show_models(world, principal):
    view = world.rows("SELECT full_name FROM system.information_schema.registered_models", principal)
    assert sorted(r[0] for r in view) == sorted(MODELS[principal])
    assert sorted(r[0] for r in world.rows("SHOW MODELS", principal)) == sorted(MODELS[principal])


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_model_versions_view(world, principal):
    rows = world.rows("SELECT full_name, version FROM system.information_schema.model_versions "
                      "ORDER BY full_name, version", principal)
    expected = sorted((m, v) for m in MODELS[principal] for v in VERSIONS[m])
    assert rows == expected


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_aliases_and_tags_views(world, principal):
    sees_iris = "prod.ml_team.iris" in MODELS[principal]
    aliases = world.rows("SELECT full_name, alias, version FROM "
                         "system.information_schema.model_aliases", principal)
    assert aliases == ([("prod.ml_team.iris", "champion", 2)] if sees_iris else [])
    tags = world.rows("SELECT full_name, tag_name, tag_value FROM "
                      "system.information_schema.model_tags", principal)
    assert tags == ([("prod.ml_team.iris", "task", "classification")] if sees_iris else [])
    vtags = world.rows("SELECT full_name, version, tag_name, tag_value FROM "
                       "system.information_schema.model_version_tags", principal)
    assert vtags == ([("prod.ml_team.iris", 2, "validated", "yes")] if sees_iris else [])
    versions = world.rows("SELECT version, aliases, tags FROM system.information_schema.model_versions "
                          "WHERE full_name = 'prod.ml_team.iris' ORDER BY version", principal)
    versions = [(v, aliases, dict(tags)) for (v, aliases, tags) in versions]  # a MAP arrives as pairs
    assert versions == ([(1, [], {}), (2, ["champion"], {"validated": "yes"})] if sees_iris else [])


def test_two_principals_see_different_rows_of_the_same_query(world):
    query = ("SELECT full_name, owner, comment FROM system.information_schema.registered_models "
             "ORDER BY full_name")
    assert world.rows(query, "carol") == [("prod.ml_team.iris", "admin", "iris classifier")]
    assert world.rows(query, "frank") == [("prod.finance.fraud", "admin", "fraud scores")]
    assert world.rows(query, "bea") == [("prod.finance.fraud", "admin", "fraud scores"),
                                        ("prod.ml_team.iris", "admin", "iris classifier"),
                                        ("prod.ml_team.wine", "olivia", None)]


def test_aggregates_run_over_the_filtered_rows(world):
    query = ("SELECT catalog_name, count(*) AS n FROM system.information_schema.model_versions "
             "GROUP BY catalog_name ORDER BY catalog_name")
    assert world.rows(query, "admin") == [("dev", 1), ("prod", 4)]
    assert world.rows(query, "carol") == [("prod", 2)]
    assert world.rows(query, "zed") == []


def test_visibility_follows_grants_and_revokes(world):
    world.run("GRANT EXECUTE ON MODEL prod.ml_team.wine TO carol")
    assert {r[0] for r in world.rows("SHOW MODELS", "carol")} == {"prod.ml_team.iris",
                                                                   "prod.ml_team.wine"}
    world.run("REVOKE EXECUTE ON MODEL prod.ml_team.iris FROM interns")
    assert {r[0] for r in world.rows("SHOW MODELS", "carol")} == {"prod.ml_team.wine"}
    world.run("REVOKE USE CATALOG ON CATALOG prod FROM eng")
    assert world.rows("SHOW MODELS", "carol") == []
    assert {r[0] for r in world.rows("SHOW CATALOGS", "carol")} == {"main"}


# --- SHOW ... IN a container the caller cannot see ------------------------------------------------


@pytest.mark.parametrize("principal, statement", [
    pytest.param("carol", "SHOW MODELS IN prod.finance", id="carol-models-in-finance"),
    pytest.param("zed", "SHOW SCHEMAS IN prod", id="zed-schemas-in-prod"),
    pytest.param("carol", "DESCRIBE SCHEMA prod.finance", id="carol-describe-finance"),
    pytest.param("carol", "DESCRIBE CATALOG dev", id="carol-describe-dev"),
    pytest.param("carol", "DESCRIBE MODEL prod.ml_team.wine", id="carol-describe-wine"),
    pytest.param("erin", "DESCRIBE MODEL prod.ml_team.wine", id="erin-describe-wine-without-gates"),
])
def test_describing_what_one_cannot_see_is_refused(world, principal, statement):
    with pytest.raises(PermissionDenied):
        world.rows(statement, principal)


@pytest.mark.parametrize("principal, statement", [
    pytest.param("bea", "SHOW MODELS IN prod.finance", id="bea-browse"),
    pytest.param("bea", "DESCRIBE MODEL prod.ml_team.wine VERSION 1", id="bea-browse-version"),
    pytest.param("dana", "SHOW MODELS IN dev.sandbox", id="dana-catalog-owner"),
    pytest.param("dana", "DESCRIBE SCHEMA dev.sandbox", id="dana-catalog-owner-schema"),
    pytest.param("frank", "DESCRIBE MODEL prod.finance.fraud VERSION 1", id="frank-execute"),
    pytest.param("olivia", "SHOW VERSIONS IN MODEL prod.ml_team.wine", id="olivia-owner"),
])
def test_describing_what_one_can_see(world, principal, statement):
    """What the admin sees, but where a version's files are only for who may load it (bea
    browses, frank may execute)."""
    rows = world.rows(statement)
    if principal == "bea":
        rows = [r for r in rows if r[0] != "storage_location"]
    assert world.rows(statement, principal) == rows


# --- the *_privileges views ------------------------------------------------------------------------
# Rows: (grantee, object, privilege_type, inherited_from).

CATALOG_PRIVILEGES = {
    "admin": {("account users", "main", "USE_CATALOG", "NONE"),
              ("eng", "prod", "USE_CATALOG", "NONE"), ("eng", "prod", "CREATE_MODEL", "NONE"),
              ("finance", "prod", "USE_CATALOG", "NONE"), ("bea", "prod", "BROWSE", "NONE")},
    "carol": {("account users", "main", "USE_CATALOG", "NONE"),
              ("eng", "prod", "USE_CATALOG", "NONE"), ("eng", "prod", "CREATE_MODEL", "NONE")},
    "frank": {("account users", "main", "USE_CATALOG", "NONE"),
              ("finance", "prod", "USE_CATALOG", "NONE")},
    "bea": {("account users", "main", "USE_CATALOG", "NONE"), ("bea", "prod", "BROWSE", "NONE")},
    "dana": {("account users", "main", "USE_CATALOG", "NONE")},
    "zed": {("account users", "main", "USE_CATALOG", "NONE")},
}

MAIN_DEFAULT = {("account users", "main.default", "CREATE_MODEL", "NONE"),
                ("account users", "main.default", "USE_SCHEMA", "NONE")}

SCHEMA_PRIVILEGES = {
    "admin": MAIN_DEFAULT | {
        ("ml-team", "prod.ml_team", "USE_SCHEMA", "NONE"),
        ("eng", "prod.ml_team", "CREATE_MODEL", "CATALOG"),
        ("finance", "prod.finance", "USE_SCHEMA", "NONE"),
        ("finance", "prod.finance", "EXECUTE", "NONE"),
        ("eng", "prod.finance", "CREATE_MODEL", "CATALOG")},
    "carol": MAIN_DEFAULT | {("ml-team", "prod.ml_team", "USE_SCHEMA", "NONE"),
                             ("eng", "prod.ml_team", "CREATE_MODEL", "CATALOG")},
    "frank": MAIN_DEFAULT | {("finance", "prod.finance", "USE_SCHEMA", "NONE"),
                             ("finance", "prod.finance", "EXECUTE", "NONE")},
    "bea": MAIN_DEFAULT,   # sees both prod schemas (BROWSE) but holds no grant on them
    "zed": MAIN_DEFAULT,
}

ROUTINE_PRIVILEGES = {
    "admin": {("interns", "prod.ml_team.iris", "EXECUTE", "NONE"),
              ("data-analysts", "prod.ml_team.wine", "EXECUTE", "NONE"),
              ("finance", "prod.finance.fraud", "EXECUTE", "SCHEMA")},
    "carol": {("interns", "prod.ml_team.iris", "EXECUTE", "NONE")},
    "olivia": {("data-analysts", "prod.ml_team.wine", "EXECUTE", "NONE")},  # owner: every grant
    "frank": {("finance", "prod.finance.fraud", "EXECUTE", "SCHEMA")},
    "erin": set(),   # holds EXECUTE on wine but cannot see it (no gates)
    "bea": set(),
    "zed": set(),
}


@pytest.mark.parametrize("principal", sorted(CATALOG_PRIVILEGES))
def test_catalog_privileges_view(world, principal):
    rows = world.rows("SELECT grantee, catalog_name, privilege_type, inherited_from FROM "
                      "system.information_schema.catalog_privileges", principal)
    assert sorted(rows) == sorted(CATALOG_PRIVILEGES[principal])


@pytest.mark.parametrize("principal", sorted(SCHEMA_PRIVILEGES))
def test_schema_privileges_view(world, principal):
    rows = world.rows("SELECT grantee, catalog_name || '.' || schema_name, privilege_type, "
                      "inherited_from FROM system.information_schema.schema_privileges", principal)
    assert sorted(rows) == sorted(SCHEMA_PRIVILEGES[principal])


@pytest.mark.parametrize("principal", sorted(ROUTINE_PRIVILEGES))
def test_routine_privileges_view(world, principal):
    rows = world.rows("SELECT grantee, routine_catalog || '.' || routine_schema || '.' || routine_name, "
                      "privilege_type, inherited_from FROM system.information_schema.routine_privileges",
                      principal)
    assert sorted(rows) == sorted(ROUTINE_PRIVILEGES[principal])


def test_privileges_views_have_the_documented_columns(world):
    for view, objects in [("catalog_privileges", ["catalog_name"]),
                          ("schema_privileges", ["catalog_name", "schema_name"]),
                          ("routine_privileges", ["routine_catalog", "routine_schema", "routine_name"])]:
        columns = world.admin.sql(f"SELECT * FROM system.information_schema.{view}").columns
        assert columns == ["grantor", "grantee", *objects, "privilege_type", "is_grantable",
                           "inherited_from"], view


def test_grantor_is_who_granted(world):
    world.run("GRANT EXECUTE ON MODEL prod.ml_team.iris TO erin")
    world.rows("GRANT EXECUTE ON MODEL prod.ml_team.wine TO frank", "olivia")
    rows = world.rows("SELECT grantor, grantee, routine_name, privilege_type FROM "
                      "system.information_schema.routine_privileges WHERE grantee IN ('erin', 'frank')")
    assert sorted(rows) == [("admin", "erin", "iris", "EXECUTE"), ("olivia", "frank", "wine", "EXECUTE")]


# --- SHOW GRANTS ON: direct and inherited rows -----------------------------------------------------
# The lab catalog is added per test so that the expected rows are exactly the ones below.

LAB = [
    "CREATE CATALOG lab",
    "CREATE SCHEMA lab.cv",
    "CREATE MODEL lab.cv.resnet",
    "GRANT EXECUTE ON CATALOG lab TO `data-analysts`",
    "GRANT APPLY_TAG ON SCHEMA lab.cv TO interns",
    "GRANT MANAGE ON MODEL lab.cv.resnet TO olivia",
    "GRANT EXECUTE ON MODEL lab.cv.resnet TO carol",
]
LAB_GATES = [
    "GRANT USE CATALOG ON CATALOG lab TO eng",
    "GRANT USE SCHEMA ON SCHEMA lab.cv TO `ml-team`",
]


def test_show_grants_on_model_direct_and_inherited(world):
    """Grants made on the catalog and schema that apply to a model show on it, naming the ancestor."""
    world.run(*LAB)
    rows = world.rows("SHOW GRANTS ON MODEL lab.cv.resnet")
    assert world.admin.sql("SHOW GRANTS ON MODEL lab.cv.resnet").columns == [
        "principal", "actionType", "objectType", "objectKey"]
    assert sorted(rows) == sorted([
        ("carol", "EXECUTE", "FUNCTION", "lab.cv.resnet"),
        ("olivia", "MANAGE", "FUNCTION", "lab.cv.resnet"),
        ("interns", "APPLY_TAG", "SCHEMA", "lab.cv"),
        ("data-analysts", "EXECUTE", "CATALOG", "lab"),
    ])


def test_show_grants_on_model_lists_use_schema_and_use_catalog_of_ancestors(world):
    """dialect.md: SHOW GRANTS ... ON lists direct and inherited grants, an inherited row naming
    the ancestor, as Databricks does: the USE_SCHEMA on the schema and USE_CATALOG on the catalog
    that give access to the model are among them."""
    world.run(*LAB, *LAB_GATES)
    rows = world.rows("SHOW GRANTS ON MODEL lab.cv.resnet")
    assert sorted(rows) == sorted([
        ("carol", "EXECUTE", "FUNCTION", "lab.cv.resnet"),
        ("olivia", "MANAGE", "FUNCTION", "lab.cv.resnet"),
        ("interns", "APPLY_TAG", "SCHEMA", "lab.cv"),
        ("ml-team", "USE_SCHEMA", "SCHEMA", "lab.cv"),
        ("data-analysts", "EXECUTE", "CATALOG", "lab"),
        ("eng", "USE_CATALOG", "CATALOG", "lab"),
    ])


def test_show_grants_on_schema_direct_and_inherited(world):
    world.run(*LAB)
    assert sorted(world.rows("SHOW GRANTS ON SCHEMA lab.cv")) == sorted([
        ("interns", "APPLY_TAG", "SCHEMA", "lab.cv"),
        ("data-analysts", "EXECUTE", "CATALOG", "lab"),
    ])


def test_show_grants_on_catalog(world):
    world.run(*LAB, *LAB_GATES)
    assert sorted(world.rows("SHOW GRANTS ON CATALOG lab")) == sorted([
        ("data-analysts", "EXECUTE", "CATALOG", "lab"),
        ("eng", "USE_CATALOG", "CATALOG", "lab"),
    ])


def test_show_grants_for_a_principal_includes_its_groups(world):
    """SHOW GRANTS carol ON x: carol's own grants and her groups', direct and inherited."""
    world.run(*LAB)
    assert sorted(world.rows("SHOW GRANTS carol ON MODEL lab.cv.resnet", "carol")) == sorted([
        ("carol", "EXECUTE", "FUNCTION", "lab.cv.resnet"),
        ("interns", "APPLY_TAG", "SCHEMA", "lab.cv"),
    ])
    assert world.rows("SHOW GRANTS `data-analysts` ON MODEL lab.cv.resnet", "erin") == [
        ("data-analysts", "EXECUTE", "CATALOG", "lab")]
    assert world.rows("SHOW GRANTS olivia ON MODEL lab.cv.resnet", "olivia") == [
        ("olivia", "MANAGE", "FUNCTION", "lab.cv.resnet")]


def test_show_grants_for_a_principal_with_gates(world):
    world.run(*LAB, *LAB_GATES)
    assert sorted(world.rows("SHOW GRANTS carol ON MODEL lab.cv.resnet", "carol")) == sorted([
        ("carol", "EXECUTE", "FUNCTION", "lab.cv.resnet"),
        ("interns", "APPLY_TAG", "SCHEMA", "lab.cv"),
        ("ml-team", "USE_SCHEMA", "SCHEMA", "lab.cv"),
        ("eng", "USE_CATALOG", "CATALOG", "lab"),
    ])


def test_show_grants_all_privileges_is_shown_as_granted(world):
    world.run(*LAB, "GRANT ALL PRIVILEGES ON SCHEMA lab.cv TO frank")
    assert ("frank", "ALL_PRIVILEGES", "SCHEMA", "lab.cv") in world.rows(
        "SHOW GRANTS ON MODEL lab.cv.resnet")


def test_show_grants_on_metastore(world):
    world.run("GRANT CREATE CATALOG ON METASTORE TO eng")
    assert world.rows("SHOW GRANTS ON METASTORE") == [("eng", "CREATE_CATALOG", "METASTORE", None)]
    # metastore grants are not inherited
    assert ("eng", "CREATE_CATALOG", "METASTORE", None) not in world.rows("SHOW GRANTS ON CATALOG prod")
