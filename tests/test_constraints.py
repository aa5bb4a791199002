"""Constraints of privileges.md: names, tags, aliases, comments, with the exact messages."""

from __future__ import annotations

import pytest

from ucsql.errors import AlreadyExists, InvalidArgument, NotFound


@pytest.fixture
def iris(admin, model_dir):
    admin.sql(f"CREATE MODEL iris; ALTER MODEL iris ADD VERSION FROM '{model_dir}'")
    admin.sql("GRANT APPLY_TAG ON FUNCTION iris TO admin")
    return admin


def test_names_are_case_insensitive_and_stored_lower_case(admin):
    admin.sql("CREATE CATALOG Prod; CREATE SCHEMA prod.ML_Team; CREATE MODEL PROD.ml_team.Iris")
    assert admin.sql("SHOW MODELS").fetchall()[0][0] == "prod.ml_team.iris"
    with pytest.raises(AlreadyExists) as e:
        admin.sql("CREATE MODEL prod.ML_TEAM.IRIS")
    assert str(e.value) == ("Model prod.ml_team.iris already exists. "
                            "Use CREATE MODEL IF NOT EXISTS to ignore this.")
    assert admin.sql("CREATE MODEL IF NOT EXISTS prod.ml_team.iris").message == \
        "Model prod.ml_team.iris already exists."


def test_name_length(admin):
    admin.sql(f"CREATE CATALOG {'a' * 255}")
    with pytest.raises(InvalidArgument, match="names are at most 255 characters"):
        admin.sql(f"CREATE CATALOG {'b' * 256}")


def test_too_many_parts(admin):
    with pytest.raises(InvalidArgument) as e:
        admin.sql("DROP CATALOG a.b")
    assert "has 2 parts; a catalog name has at most 1" in str(e.value)


@pytest.mark.parametrize("key, problem", [
    ("bad.key", "contains '.'"), ("a,b", "contains ','"), ("a-b", "contains '-'"),
    ("a=b", "contains '='"), ("a/b", "contains '/'"), ("a:b", "contains ':'"),
    (" lead", "leading or trailing spaces"), ("x" * 256, "use 1-255 characters"),
])
def test_bad_tag_keys(iris, key, problem):
    with pytest.raises(InvalidArgument, match=problem):
        iris.sql("ALTER MODEL iris SET TAGS (?, 'v')", [key])
    assert iris.sql("SELECT count(*) FROM system.information_schema.model_tags").scalar() == 0


def test_mlflow_system_tags_may_contain_dots(iris):
    iris.sql("ALTER MODEL iris SET TAGS ('mlflow.source.type' = 'NOTEBOOK')")
    assert iris.sql("SELECT tag_name FROM system.information_schema.model_tags").scalar() == \
        "mlflow.source.type"


def test_tag_value_length(iris):
    iris.sql("SET TAG ON MODEL iris k = ?", ["v" * 1000])
    with pytest.raises(InvalidArgument) as e:
        iris.sql("SET TAG ON MODEL iris k = ?", ["v" * 1001])
    assert str(e.value) == ("The value of tag 'k' is 1001 characters long; tag values are at "
                            "most 1,000 characters.")


def test_at_most_50_tags_and_the_51st_changes_nothing(iris):
    for i in range(50):
        iris.sql(f"SET TAG ON MODEL iris k{i} = 'v'")
    with pytest.raises(InvalidArgument) as e:
        iris.sql("ALTER MODEL iris SET TAGS ('k50' = 'v', 'k0' = 'changed')")
    assert str(e.value) == ("MODEL main.default.iris would have 51 tags; an object has at most 50. "
                            "Remove some with UNSET TAGS first.")
    rows = dict(iris.sql("SELECT tag_name, tag_value FROM system.information_schema.model_tags").fetchall())
    assert len(rows) == 50 and rows["k0"] == "v"
    # Overwriting an existing key is not a new tag.
    iris.sql("SET TAG ON MODEL iris k0 = 'again'")


def test_version_tags_limit(iris):
    for i in range(50):
        iris.sql(f"ALTER MODEL iris VERSION 1 SET TAGS ('k{i}' = 'v')")
    with pytest.raises(InvalidArgument, match="version 1 would have 51 tags"):
        iris.sql("ALTER MODEL iris VERSION 1 SET TAGS ('k50' = 'v')")


@pytest.mark.parametrize("alias, problem", [
    ("latest", "reserved"), ("LATEST", "reserved"), ("v1", "reserved"), ("V22", "reserved"),
    ("123", "reserved"), ("has.dot", "not valid"), ("x" * 256, "not valid"),
])
def test_bad_aliases(iris, alias, problem):
    with pytest.raises(InvalidArgument, match=problem):
        iris.sql(f"ALTER MODEL iris SET ALIAS `{alias}` TO VERSION 1")


def test_aliases_are_case_sensitive_move_and_max_ten(iris, model_dir):
    iris.sql(f"ALTER MODEL iris ADD VERSION FROM '{model_dir}'")
    iris.sql("ALTER MODEL iris SET ALIAS Champion TO VERSION 1")
    iris.sql("ALTER MODEL iris SET ALIAS champion TO VERSION 2")
    iris.sql("ALTER MODEL iris SET ALIAS Champion TO VERSION 2")  # moves
    assert iris.sql("SELECT alias, version FROM system.information_schema.model_aliases "
                    "ORDER BY alias").fetchall() == [("Champion", 2), ("champion", 2)]
    for i in range(8):
        iris.sql(f"ALTER MODEL iris SET ALIAS a{i} TO VERSION 1")
    with pytest.raises(InvalidArgument) as e:
        iris.sql("ALTER MODEL iris SET ALIAS one_more TO VERSION 1")
    assert str(e.value) == ("Model main.default.iris would have 11 aliases; a model has at most 10. "
                            "Drop one with ALTER MODEL main.default.iris DROP ALIAS <alias>.")
    iris.sql("ALTER MODEL iris SET ALIAS a0 TO VERSION 2")  # moving an existing one is fine
    iris.sql("ALTER MODEL iris DROP ALIAS a0")
    with pytest.raises(NotFound, match="has no alias a0"):
        iris.sql("ALTER MODEL iris DROP ALIAS a0")


def test_comment_length(iris):
    iris.sql("COMMENT ON MODEL iris IS ?", ["c" * 65_536])
    with pytest.raises(InvalidArgument, match="comments are at most 65,536 characters"):
        iris.sql("COMMENT ON MODEL iris IS ?", ["c" * 65_537])
    iris.sql("COMMENT ON MODEL iris IS NULL")
    assert dict(iris.sql("DESCRIBE MODEL iris").fetchall())["comment"] is None


def test_unknown_privilege_and_wrong_kind(admin):
    admin.sql("CREATE CATALOG prod; CREATE SCHEMA prod.ml")
    with pytest.raises(InvalidArgument) as e:
        admin.sql("GRANT USE CATALOG ON SCHEMA prod.ml TO bob")
    assert str(e.value) == (
        "USE_CATALOG cannot be granted on a schema; on SCHEMA prod.ml you can grant "
        "ALL_PRIVILEGES, APPLY_TAG, CREATE_FUNCTION, CREATE_MODEL, CREATE_MODEL_VERSION, EXECUTE, "
        "MANAGE, USE_SCHEMA.")
    with pytest.raises(Exception, match="(?i)unknown privilege|privilege"):
        admin.sql("GRANT FLY ON SCHEMA prod.ml TO bob")


def test_group_cycles_are_refused(admin):
    admin.sql("CREATE GROUP a; CREATE GROUP b; ALTER GROUP a ADD GROUP b")
    with pytest.raises(InvalidArgument) as e:
        admin.sql("ALTER GROUP b ADD GROUP a")
    assert str(e.value) == "Adding group a to b would make a cycle: b is already inside a."


# -- sizes: every name and value is bounded, checked in the form it is stored ------------------------

def test_a_name_is_as_long_as_it_is_stored_lower_cased(admin):
    """'İ' lower-cases to two characters ('i' and a combining dot): 255 of them would store
    510 characters. The limit is on the stored form."""
    with pytest.raises(InvalidArgument) as e:
        admin.sql(f"CREATE CATALOG `{'İ' * 255}`")
    assert str(e.value) == (f"The catalog name {'İ' * 57!r}... is 510 characters long once "
                            "lower-cased (it is written with 255); names are at most 255 "
                            "characters.")
    admin.sql(f"CREATE CATALOG `{'İ' * 127}`")
    assert sorted(len(name) for name, *_ in admin.sql("SHOW CATALOGS").fetchall()) == [4, 254]


@pytest.mark.parametrize("statement, value, message", [
    ("ALTER MODEL iris ADD VERSION FROM ? RUN ?", ["{dir}", "r" * 256],
     "The RUN id is 256 characters long ('rrrr"),
    ("ALTER MODEL iris ADD VERSION FROM ? LOGGED MODEL ?", ["{dir}", "m" * 256],
     "The LOGGED MODEL id is 256 characters long"),
    ("ALTER MODEL iris ADD VERSION FROM ? SOURCE ?", ["{dir}", "s" * 65_537],
     "The SOURCE is 65,537 characters long"),
    ("ALTER MODEL iris ADD VERSION FROM ? RUN 'r' LINK ?", ["{dir}", "l" * 65_537],
     "The run LINK is 65,537 characters long"),
    ("ALTER MODEL iris ADD VERSION FROM ? LINEAGE ?", ["{dir}", "[" + " " * 1_000_000 + "]"],
     "LINEAGE is 1,000,002 characters long"),
    ("ALTER MODEL iris ADD VERSION FROM ? LINEAGE ?", ["{dir}", "[" * 100_000],
     "LINEAGE is nested too deeply: give a JSON list of dataset inputs"),
    ("SHOW MODELS LIKE ?", ["*" * 4_097], "The LIKE pattern is 4,097 characters long"),
    ("ALTER MODEL iris DROP VERSION ?", [2**63], "Version 9223372036854775808 is out of range"),
    ("ALTER MODEL iris DROP VERSION ?", ["9" * 10_000], "Version '9999"),
])
def test_values_of_any_size_are_refused_with_a_message(iris, model_dir, statement, value, message):
    params = [str(model_dir) if v == "{dir}" else v for v in value]
    with pytest.raises(InvalidArgument) as e:
        iris.sql(statement, params)
    assert str(e.value).startswith(message)
    assert len(str(e.value)) < 400  # the message shows the start of the value, not all of it
    assert iris.sql("SELECT count(*) FROM system.information_schema.model_versions").scalar() == 1


@pytest.mark.parametrize("path, message", [
    ("/tmp/" + "a" * 5_000, "is 5,005 bytes long; a path is at most 4,096 bytes"),
    ("/tmp/" + "a" * 300 + "/model", "has a name of 300 bytes"),
    ("/tmp/a\x00b", "contains a NUL character"),
])
def test_model_directories_the_system_cannot_open_are_refused(iris, path, message):
    """'File name too long' and 'embedded null byte' were raw OSError and ValueError."""
    with pytest.raises(InvalidArgument) as e:
        iris.sql("ALTER MODEL iris ADD VERSION FROM ?", [path])
    assert str(e.value).startswith("The model directory '/tmp/") and message in str(e.value)
    with pytest.raises(InvalidArgument):
        iris.sql(f"ALTER MODEL iris ADD VERSION FROM '{path[:4_200]}'".replace("\x00", ""))
    assert iris.sql("SELECT count(*) FROM system.information_schema.model_versions").scalar() == 1


@pytest.mark.parametrize("path", ["/tmp/" + "a" * 5_000, "/tmp/" + "a" * 300, "/tmp/a\x00b"])
def test_managed_locations_the_system_cannot_use_are_refused(admin, metastore_path, path):
    """Such a location was stored, and then every opening of the file failed listing it."""
    with pytest.raises(InvalidArgument) as e:
        admin.sql("CREATE CATALOG far MANAGED LOCATION ?", [path])
    assert str(e.value).startswith("MANAGED LOCATION '/tmp/")
    admin.close()
    import ucsql
    with ucsql.connect(metastore_path, principal="admin") as again:
        assert [r[0] for r in again.sql("SHOW CATALOGS").fetchall()] == ["main"]
