"""The ucsql dialect: round trips, node shapes, scripts, errors and refusals (spec/dialect.md)."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from ucsql import dialect
from ucsql.dialect import (
    AddModelVersion,
    AlterGroup,
    CommentOn,
    CreateGroup,
    CreateSecurable,
    DescribeSecurable,
    DropGroup,
    DropModelAlias,
    DropModelVersion,
    DropSecurable,
    GetModel,
    GetModelVersion,
    RenameModel,
    SetModelAlias,
    SetOwner,
    SetTags,
    ShowCatalogs,
    ShowGrants,
    ShowGrantsTo,
    ShowGroupMembers,
    ShowGroups,
    ShowModels,
    ShowSchemas,
    ShowVersions,
    Statement,
    TagPair,
    Ucsql,
    UnsetTags,
    parse,
)
from ucsql.errors import ParseError, UnsupportedStatement

FIXTURES = Path(__file__).parent / "fixtures"


def _fixture_lines(name: str) -> list[tuple[int, str]]:
    lines = (FIXTURES / name).read_text().splitlines()
    return [(n, line) for n, line in enumerate(lines, 1) if line and not line.startswith("--")]


def simple(value):
    """A node argument in a form that is easy to write in a table.

    Names become dotted strings, string literals keep their quotes (``"'x'"``), numbers become
    ints, placeholders ``"?"`` / ``"$name"``, NULL ``"NULL"``, tag pairs ``(key, value)``.
    """
    if isinstance(value, list):
        return [simple(v) for v in value]
    if isinstance(value, exp.Table):
        parts = (value.args.get("catalog"), value.args.get("db"), value.this)
        return ".".join(part.name for part in parts if part)
    if isinstance(value, (exp.Identifier, exp.Var)):
        return value.name
    if isinstance(value, exp.Literal):
        return f"'{value.this}'" if value.is_string else int(value.this)
    if isinstance(value, exp.Placeholder):
        return f"${value.this}" if value.this else "?"
    if isinstance(value, exp.Null):
        return "NULL"
    if isinstance(value, (exp.GrantPrivilege, exp.GrantPrincipal)):
        return value.this.name
    if isinstance(value, TagPair):
        return (simple(value.this), simple(value.args.get("expression")))
    return value


# -- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize(("lineno", "sql"), _fixture_lines("dialect_identity.sql"))
def test_identity(lineno, sql):
    nodes = parse(sql)
    assert len(nodes) == 1
    node = nodes[0]
    assert isinstance(node, (Statement, exp.Grant, exp.Revoke)), type(node)
    assert node.sql(dialect=Ucsql) == sql
    assert node.meta == {"sql": sql, "line": 1}


def test_identity_fixture_covers_every_node_class():
    seen = {type(parse(sql)[0]) for _, sql in _fixture_lines("dialect_identity.sql")}
    expected = {cls for cls in vars(dialect).values()
                if isinstance(cls, type) and issubclass(cls, Statement) and cls is not Statement
                and cls not in dialect.API_ONLY}
    assert expected | {exp.Grant, exp.Revoke} <= seen


# -- node shapes, including non-canonical spellings ------------------------------------------------

NODES = [
    # (input, class, {arg: simple(value)}): the args the engine reads
    ("CREATE CATALOG IF NOT EXISTS prod MANAGED LOCATION '/data/prod' COMMENT 'production'",
     CreateSecurable, {"kind": "CATALOG", "this": "prod", "exists": True,
                       "location": "'/data/prod'", "comment": "'production'"}),
    ("create catalog prod", CreateSecurable,
     {"kind": "CATALOG", "this": "prod", "exists": None, "location": None, "comment": None}),
    ("create database prod.ml", CreateSecurable, {"kind": "SCHEMA", "this": "prod.ml"}),
    ("Create Model prod.ml.iris comment ?", CreateSecurable,
     {"kind": "MODEL", "this": "prod.ml.iris", "comment": "?"}),
    ("CREATE MODEL `Prod`.`ML`.`iris`", CreateSecurable, {"this": "Prod.ML.iris"}),
    ("CREATE SCHEMA prod.ml COMMENT \"double quotes are strings\"", CreateSecurable,
     {"comment": "'double quotes are strings'"}),
    ("CREATE CATALOG x MANAGED LOCATION 'C:\\data\\x'", CreateSecurable,
     {"location": "'C:\\data\\x'"}),
    ("DROP CATALOG prod", DropSecurable, {"kind": "CATALOG", "exists": None, "cascade": None}),
    ("drop schema if exists prod.ml restrict", DropSecurable,
     {"kind": "SCHEMA", "this": "prod.ml", "exists": True, "cascade": None}),
    ("DROP DATABASE prod.ml CASCADE", DropSecurable, {"kind": "SCHEMA", "cascade": True}),
    ("drop model prod.ml.iris", DropSecurable, {"kind": "MODEL", "this": "prod.ml.iris"}),
    ("alter model prod.ml.iris add version from '/tmp/m' run 'abc' comment 'x'", AddModelVersion,
     {"this": "prod.ml.iris", "source": "'/tmp/m'", "run_id": "'abc'", "comment": "'x'"}),
    ("ALTER MODEL m ADD VERSION FROM :src", AddModelVersion,
     {"this": "m", "source": "$src", "run_id": None, "comment": None, "source_uri": None,
      "run_link": None, "logged_model_id": None, "tags": None, "lineage": None,
      "from_model": None, "from_version": None}),
    ("alter model a.b.c add version from '/m' source 'models:/m-1' run 'r' link 'http://x' "
     "logged model 'm-1' comment 'c' tags ('k' = 'v', 'n' = 2, 'flag', :key = ?) lineage '[]'",
     AddModelVersion,
     {"this": "a.b.c", "source": "'/m'", "source_uri": "'models:/m-1'", "run_id": "'r'",
      "run_link": "'http://x'", "logged_model_id": "'m-1'", "comment": "'c'",
      "tags": [("'k'", "'v'"), ("'n'", 2), ("'flag'", None), ("$key", "?")],
      "lineage": "'[]'", "from_model": None, "from_version": None}),
    ("ALTER MODEL m ADD VERSION FROM \"/m\" LINEAGE '[{\"a\": \"it''s\"}]'", AddModelVersion,
     {"source": "'/m'", "lineage": "'[{\"a\": \"it's\"}]'"}),
    ("ALTER MODEL m ADD VERSION FROM $dir RUN $run LINK $link", AddModelVersion,
     {"source": "$dir", "run_id": "$run", "run_link": "$link", "source_uri": None}),
    ("alter model prod.ml.iris add version from model staging.ml.iris version 007 "
     "comment 'promoted' tags ('from' = 'staging')", AddModelVersion,
     {"this": "prod.ml.iris", "source": None, "from_model": "staging.ml.iris",
      "from_version": 7, "comment": "'promoted'", "tags": [("'from'", "'staging'")],
      "run_id": None, "lineage": None}),
    ("ALTER MODEL m ADD VERSION FROM MODEL `Other` VERSION :v", AddModelVersion,
     {"source": None, "from_model": "Other", "from_version": "$v"}),
    ("alter model a.b.c drop version 03", DropModelVersion, {"this": "a.b.c", "version": 3}),
    ("ALTER MODEL a.b.c DROP VERSION ?", DropModelVersion, {"version": "?"}),
    ("ALTER MODEL a.b.c RENAME TO d", RenameModel, {"this": "a.b.c", "to": "d"}),
    ("ALTER MODEL a.b.c RENAME TO a.b.d", RenameModel, {"to": "a.b.d"}),
    ("alter catalog prod set owner to `ml-admins`", SetOwner,
     {"kind": "CATALOG", "this": "prod", "principal": "ml-admins"}),
    ("ALTER DATABASE prod.ml OWNER TO bob", SetOwner, {"kind": "SCHEMA", "this": "prod.ml"}),
    ("ALTER METASTORE SET OWNER TO admins", SetOwner,
     {"kind": "METASTORE", "this": None, "principal": "admins"}),
    ("comment on catalog prod is null", CommentOn,
     {"kind": "CATALOG", "this": "prod", "version": None, "comment": "NULL"}),
    ("COMMENT ON DATABASE prod.ml IS 'x'", CommentOn, {"kind": "SCHEMA", "comment": "'x'"}),
    ("COMMENT ON MODEL a.b.c VERSION $v IS $text", CommentOn,
     {"kind": "MODEL", "version": "$v", "comment": "$text"}),
    ("alter model a.b.c set alias Champion to version 2", SetModelAlias,
     {"this": "a.b.c", "alias": "Champion", "version": 2}),
    ("ALTER MODEL a.b.c DROP ALIAS `champion`", DropModelAlias, {"alias": "champion"}),
    # SET TAG ON: the key is a name (Identifier); FUNCTION and DATABASE are read as MODEL, SCHEMA
    ("set tag on function a.b.c task = 'classification'", SetTags,
     {"kind": "MODEL", "this": "a.b.c", "version": None,
      "expressions": [("task", "'classification'")]}),
    ("SET TAG ON DATABASE a.b `cost center` = ml", SetTags,
     {"kind": "SCHEMA", "expressions": [("cost center", "ml")]}),
    ("SET TAG ON CATALOG a priority = 1", SetTags, {"expressions": [("priority", 1)]}),
    ("SET TAG ON CATALOG a reviewed", SetTags, {"expressions": [("reviewed", None)]}),
    ("SET TAG ON MODEL a.b.c task = ?", SetTags, {"expressions": [("task", "?")]}),
    ("unset tag on function a.b.c task", UnsetTags,
     {"kind": "MODEL", "this": "a.b.c", "expressions": ["task"]}),
    # SET TAGS (...): keys are strings (Literal) or placeholders
    ("alter catalog prod set tags ('task' = 'x', 'team' = ?)", SetTags,
     {"kind": "CATALOG", "expressions": [("'task'", "'x'"), ("'team'", "?")]}),
    ("ALTER SCHEMA a.b UNSET TAGS ('task', :key)", UnsetTags,
     {"kind": "SCHEMA", "this": "a.b", "expressions": ["'task'", "$key"]}),
    ("alter model a.b.c version 1 set tags ('status' = 'approved')", SetTags,
     {"kind": "MODEL", "version": 1, "expressions": [("'status'", "'approved'")]}),
    ("ALTER MODEL a.b.c VERSION ? UNSET TAGS ('status')", UnsetTags,
     {"kind": "MODEL", "version": "?", "expressions": ["'status'"]}),
    ("create group if not exists `ml-team`", CreateGroup, {"this": "ml-team", "exists": True}),
    ("DROP GROUP g", DropGroup, {"this": "g", "exists": None}),
    ("alter group `ml-team` add user `alice@example.com`, bob", AlterGroup,
     {"this": "ml-team", "action": "ADD", "member_kind": "USER",
      "expressions": ["alice@example.com", "bob"]}),
    ("ALTER GROUP admins DROP GROUP interns", AlterGroup,
     {"action": "DROP", "member_kind": "GROUP", "expressions": ["interns"]}),
    # GRANT / REVOKE: privileges upper case with spaces, kind as written (DATABASE -> SCHEMA)
    ("grant use_catalog, Use Schema, create_model on catalog prod to `ml-team`, bob", exp.Grant,
     {"privileges": ["USE CATALOG", "USE SCHEMA", "CREATE MODEL"], "kind": "CATALOG",
      "securable": "prod", "principals": ["ml-team", "bob"]}),
    ("GRANT ALL PRIVILEGES ON DATABASE staging.ml TO `ml-team`", exp.Grant,
     {"privileges": ["ALL PRIVILEGES"], "kind": "SCHEMA", "securable": "staging.ml"}),
    ("GRANT all_privileges ON SCHEMA staging.ml TO x", exp.Grant,
     {"privileges": ["ALL PRIVILEGES"]}),
    ("GRANT EXECUTE ON FUNCTION a.b.c TO analysts", exp.Grant,
     {"kind": "FUNCTION", "securable": "a.b.c"}),
    ("GRANT EXECUTE ON MODEL a.b.c TO analysts", exp.Grant, {"kind": "MODEL"}),
    ("grant create catalog on metastore to platform", exp.Grant,
     {"privileges": ["CREATE CATALOG"], "kind": "METASTORE", "securable": None,
      "principals": ["platform"]}),
    ("revoke execute on function a.b.c from `data-analysts`", exp.Revoke,
     {"privileges": ["EXECUTE"], "kind": "FUNCTION", "securable": "a.b.c",
      "principals": ["data-analysts"]}),
    ("show catalogs", ShowCatalogs, {"like": None}),
    ("SHOW CATALOGS LIKE $p", ShowCatalogs, {"like": "$p"}),
    ("show databases from prod like 'ml*'", ShowSchemas, {"this": "prod", "like": "'ml*'"}),
    ("SHOW SCHEMAS", ShowSchemas, {"this": None, "like": None}),
    ("show models in prod.ml", ShowModels, {"this": "prod.ml"}),
    ("SHOW MODELS FROM prod.ml LIKE 'ir*'", ShowModels, {"this": "prod.ml", "like": "'ir*'"}),
    ("show versions in model a.b.c", ShowVersions, {"this": "a.b.c"}),
    ("show groups", ShowGroups, {}),
    ("show users in group `ml-team`", ShowGroupMembers, {"this": "ml-team"}),
    ("show grants on catalog prod", ShowGrants,
     {"principal": None, "kind": "CATALOG", "this": "prod"}),
    ("SHOW GRANTS `alice@example.com` ON FUNCTION a.b.c", ShowGrants,
     {"principal": "alice@example.com", "kind": "MODEL", "this": "a.b.c"}),
    ("SHOW GRANTS ON DATABASE a.b", ShowGrants, {"kind": "SCHEMA", "this": "a.b"}),
    ("show grants on metastore", ShowGrants, {"kind": "METASTORE", "this": None}),
    ("show grants to bob", ShowGrantsTo, {"principal": "bob"}),
    ("desc model extended a.b.c version 2", DescribeSecurable,
     {"kind": "MODEL", "this": "a.b.c", "extended": True, "version": 2}),
    ("DESCRIBE DATABASE a.b", DescribeSecurable,
     {"kind": "SCHEMA", "this": "a.b", "extended": None, "version": None}),
    ("get model a.b.c", GetModel, {"this": "a.b.c"}),
    ("Get Model `version`", GetModel, {"this": "version"}),
    ("GET MODEL `Prod`.ml.`iris model`", GetModel, {"this": "Prod.ml.iris model"}),
    ("get model version a.b.c version 02", GetModelVersion,
     {"this": "a.b.c", "version": 2, "alias": None}),
    ("GET MODEL VERSION a.b.c VERSION :v", GetModelVersion, {"version": "$v", "alias": None}),
    ("GET MODEL VERSION a.b.c VERSION ?", GetModelVersion, {"version": "?"}),
    ("get model version a.b.c alias Champion", GetModelVersion,
     {"this": "a.b.c", "version": None, "alias": "Champion"}),
    ("GET MODEL VERSION version ALIAS `champion-2`", GetModelVersion,
     {"this": "version", "alias": "champion-2"}),
]


@pytest.mark.parametrize(("sql", "cls", "args"), NODES, ids=[case[0] for case in NODES])
def test_node(sql, cls, args):
    node = parse(sql)[0]
    assert type(node) is cls
    assert {key: simple(node.args.get(key)) for key in args} == args
    assert node.meta["sql"] == sql


NORMALISED = [
    # (input, canonical output)
    ("create catalog `prod`", "CREATE CATALOG prod"),
    ("CREATE SCHEMA `prod`.`ml team`", "CREATE SCHEMA prod.`ml team`"),
    ("grant use_catalog on catalog prod to `alice`", "GRANT USE CATALOG ON CATALOG prod TO alice"),
    ("GRANT EXECUTE ON DATABASE a.b TO x", "GRANT EXECUTE ON SCHEMA a.b TO x"),
    ("SET TAG ON FUNCTION a.b.c k = 'v'", "SET TAG ON MODEL a.b.c k = 'v'"),
    ("SET TAG ON MODEL a.b.c k = :v", "SET TAG ON MODEL a.b.c k = $v"),
    ("ALTER CATALOG prod SET OWNER TO bob", "ALTER CATALOG prod OWNER TO bob"),
    ("DROP CATALOG prod RESTRICT", "DROP CATALOG prod"),
    ("desc catalog prod", "DESCRIBE CATALOG prod"),
    ("SHOW DATABASES FROM prod", "SHOW SCHEMAS IN prod"),
    ("SHOW GRANTS ON FUNCTION a.b.c", "SHOW GRANTS ON MODEL a.b.c"),
    ("CREATE CATALOG c COMMENT \"it's\"", "CREATE CATALOG c COMMENT 'it''s'"),
    ("ALTER MODEL a.b.c DROP VERSION 007", "ALTER MODEL a.b.c DROP VERSION 7"),
    ("CREATE MODEL a.b.`to`", "CREATE MODEL a.b.`to`"),
    ("alter model m add version from \"/d\" run :r link :l logged model :m tags (:k = v)",
     "ALTER MODEL m ADD VERSION FROM '/d' RUN $r LINK $l LOGGED MODEL $m TAGS ($k = v)"),
    ("ALTER MODEL m ADD VERSION FROM MODEL `a`.`b`.`c` VERSION 007",
     "ALTER MODEL m ADD VERSION FROM MODEL a.b.c VERSION 7"),
    ("get model `iris`", "GET MODEL iris"),
    ("GET MODEL `VERSION`", "GET MODEL `VERSION`"),
    ("get model version `version` alias `Champion`", "GET MODEL VERSION version ALIAS Champion"),
    ("GET MODEL VERSION a.b.c VERSION :v", "GET MODEL VERSION a.b.c VERSION $v"),
]


@pytest.mark.parametrize(("sql", "canonical"), NORMALISED)
def test_normalised(sql, canonical):
    assert parse(sql)[0].sql(dialect=Ucsql) == canonical
    assert parse(canonical)[0].sql(dialect=Ucsql) == canonical


def test_placeholders():
    node = parse("ALTER MODEL m ADD VERSION FROM ? RUN :run COMMENT $comment")[0]
    assert node.args["source"] == exp.Placeholder()
    assert node.args["source"].this is None
    assert node.args["run_id"] == exp.Placeholder(this="run")
    assert node.args["comment"] == exp.Placeholder(this="comment")
    assert parse("ALTER MODEL m DROP VERSION $1")[0].args["version"] == exp.Placeholder(this="1")
    node = parse("ALTER MODEL m ADD VERSION FROM MODEL x VERSION ? TAGS (? = :v)")[0]
    assert node.args["from_version"] == exp.Placeholder()
    assert node.args["tags"] == [
        TagPair(this=exp.Placeholder(), expression=exp.Placeholder(this="v"))]
    assert parse("GET MODEL VERSION m VERSION $2")[0].args["version"] == exp.Placeholder(this="2")


def test_add_version_is_backward_compatible():
    """The old form parses to the same args as before; the new args are absent."""
    node = parse("ALTER MODEL m ADD VERSION FROM '/d' RUN 'r' COMMENT 'c'")[0]
    assert node == AddModelVersion(
        this=exp.Table(this=exp.to_identifier("m")),
        source=exp.Literal.string("/d"),
        run_id=exp.Literal.string("r"),
        comment=exp.Literal.string("c"),
    )
    assert {key for key, value in node.args.items() if value is not None} == {
        "this", "source", "run_id", "comment"}


def _round_trips(node):
    sql = node.sql(dialect=Ucsql)
    again = parse(sql)[0]
    assert again == node, sql
    assert again.sql(dialect=Ucsql) == sql
    return sql


def test_façade_nodes_round_trip():
    """Nodes built by hand, as the MLflow façade builds them, print SQL that parses back equal."""
    iris = exp.Table(this=exp.to_identifier("iris"), db=exp.to_identifier("ml"),
                     catalog=exp.to_identifier("prod"))
    lineage = '[{"name": "it\'s \\ data", "digest": "ab\'\'12", "source": "C:\\d\\x.csv"}]'
    node = AddModelVersion(
        this=iris,
        source=exp.Literal.string("/tmp/mlflow/artifacts/m-1/artifacts"),
        source_uri=exp.Literal.string("models:/m-0123"),
        run_id=exp.Literal.string("a1b2"),
        run_link=exp.Literal.string("http://localhost:5000/#/experiments/1/runs/a1b2"),
        logged_model_id=exp.Literal.string("m-0123"),
        comment=exp.Literal.string("Bob's model; v2 -- best"),
        tags=[
            TagPair(this=exp.Literal.string("quote's"),
                    expression=exp.Literal.string("it's \"x\"")),
            TagPair(this=exp.Literal.string("multi"), expression=exp.Literal.string("a\nb;c")),
            TagPair(this=exp.Literal.string("empty"), expression=exp.Literal.string("")),
            TagPair(this=exp.Literal.string("no value")),
        ],
        lineage=exp.Literal.string(lineage),
    )
    sql = _round_trips(node)
    assert sql.startswith(
        "ALTER MODEL prod.ml.iris ADD VERSION FROM '/tmp/mlflow/artifacts/m-1/artifacts' "
        "SOURCE 'models:/m-0123' RUN 'a1b2' LINK 'http://localhost:5000/#/experiments/1/runs/a1b2'"
        " LOGGED MODEL 'm-0123' COMMENT 'Bob''s model; v2 -- best' "
        "TAGS ('quote''s' = 'it''s \"x\"', 'multi' = 'a\nb;c', 'empty' = '', 'no value') LINEAGE '"
    )
    assert parse(sql)[0].args["lineage"].this == lineage
    # Minimal and copy forms; names that need backticks.
    _round_trips(AddModelVersion(this=exp.Table(this=exp.to_identifier("my model")),
                                 source=exp.Literal.string("/d")))
    copy = AddModelVersion(
        this=iris,
        from_model=exp.Table(this=exp.to_identifier("iris"), db=exp.to_identifier("ml"),
                             catalog=exp.to_identifier("staging-1")),
        from_version=exp.Literal.number(3),
        comment=exp.Literal.string("promoted"),
        tags=[TagPair(this=exp.Literal.string("from"), expression=exp.Literal.string("staging"))],
    )
    assert _round_trips(copy) == (
        "ALTER MODEL prod.ml.iris ADD VERSION FROM MODEL `staging-1`.ml.iris VERSION 3 "
        "COMMENT 'promoted' TAGS ('from' = 'staging')"
    )
    assert _round_trips(GetModel(this=iris)) == "GET MODEL prod.ml.iris"
    assert _round_trips(GetModelVersion(this=iris, version=exp.Literal.number(2))) == (
        "GET MODEL VERSION prod.ml.iris VERSION 2")
    assert _round_trips(GetModelVersion(this=iris, alias=exp.to_identifier("Champion"))) == (
        "GET MODEL VERSION prod.ml.iris ALIAS Champion")
    assert _round_trips(GetModelVersion(this=iris, alias=exp.to_identifier("blue-green"))) == (
        "GET MODEL VERSION prod.ml.iris ALIAS `blue-green`")
    # A model named version: GET MODEL backticks it (else it would read as GET MODEL VERSION).
    for table in (exp.Table(this=exp.to_identifier("version")),
                  exp.Table(this=exp.to_identifier("m"), db=exp.to_identifier("Version"),
                            catalog=exp.to_identifier("version"))):
        sql = GetModel(this=table).sql(dialect=Ucsql)
        assert sql.startswith("GET MODEL `version`")
        again = parse(sql)[0]
        assert type(again) is GetModel
        assert [part.name for part in again.this.parts] == [part.name for part in table.parts]


def test_façade_key_identifiers_print_as_strings():
    """A tag key built as a name prints as a string (as in SET TAGS), so it reads back a Literal."""
    node = AddModelVersion(this=exp.table_("m"), source=exp.Literal.string("/d"),
                           tags=[TagPair(this=exp.to_identifier("k"),
                                         expression=exp.Literal.string("v"))])
    sql = node.sql(dialect=Ucsql)
    assert sql == "ALTER MODEL m ADD VERSION FROM '/d' TAGS ('k' = 'v')"
    assert parse(sql)[0].args["tags"] == [
        TagPair(this=exp.Literal.string("k"), expression=exp.Literal.string("v"))]
    # An empty tag list prints no TAGS clause.
    assert AddModelVersion(this=exp.table_("m"), source=exp.Literal.string("/d"), tags=[]).sql(
        dialect=Ucsql) == "ALTER MODEL m ADD VERSION FROM '/d'"


@pytest.mark.parametrize("node", [
    AddModelVersion(this=exp.table_("m")),
    AddModelVersion(this=exp.table_("m"), source=exp.Literal.string("/d"),
                    from_model=exp.table_("x"), from_version=exp.Literal.number(1)),
    AddModelVersion(this=exp.table_("m"), from_model=exp.table_("x")),
    AddModelVersion(this=exp.table_("m"), from_model=exp.table_("x"),
                    from_version=exp.Literal.number(1), lineage=exp.Literal.string("[]")),
    AddModelVersion(this=exp.table_("m"), source=exp.Literal.string("/d"),
                    run_link=exp.Literal.string("http://x")),
    GetModelVersion(this=exp.table_("m")),
    GetModelVersion(this=exp.table_("m"), version=exp.Literal.number(1),
                    alias=exp.to_identifier("a")),
], ids=lambda node: repr(sorted(k for k, v in node.args.items() if v is not None)))
def test_nodes_that_would_not_parse_back_are_refused(node):
    with pytest.raises(ValueError):
        node.sql(dialect=Ucsql)


def test_nodes_built_by_hand_print_canonically():
    """The MLflow façade builds nodes directly; names are backticked when they need it."""
    grant = exp.Grant(
        privileges=[exp.GrantPrivilege(this=exp.var("EXECUTE"))],
        kind="MODEL",
        securable=exp.table_("iris", db="ml", catalog="prod"),
        principals=[exp.GrantPrincipal(this=exp.Identifier(this="alice@example.com"))],
    )
    assert grant.sql(dialect=Ucsql) == "GRANT EXECUTE ON MODEL prod.ml.iris TO `alice@example.com`"
    tags = SetTags(
        kind="MODEL",
        this=exp.table_("iris", db="ml", catalog="prod"),
        expressions=[TagPair(this=exp.to_identifier("task"), expression=exp.Literal.string("x")),
                     TagPair(this=exp.to_identifier("team"))],
    )
    sql = tags.sql(dialect=Ucsql)
    assert sql == "ALTER MODEL prod.ml.iris SET TAGS ('task' = 'x', 'team')"
    assert parse(sql)[0].sql(dialect=Ucsql) == sql
    unset = UnsetTags(kind="CATALOG", this=exp.table_("prod"), expressions=[exp.to_identifier("a b")])
    assert unset.sql(dialect=Ucsql) == "UNSET TAG ON CATALOG prod `a b`"


def test_keywords_as_names_round_trip():
    for name in ("select", "from", "on", "to", "extended", "like", "model", "version", "default"):
        for sql in (f"CREATE MODEL a.b.{name}", f"SHOW GRANTS {name} ON CATALOG x",
                    f"DESCRIBE MODEL {name}", f"ALTER MODEL m SET ALIAS {name} TO VERSION 1",
                    f"GET MODEL {name}", f"GET MODEL {name}.b.c",
                    f"GET MODEL VERSION {name} ALIAS {name}",
                    f"ALTER MODEL m ADD VERSION FROM MODEL {name} VERSION 1"):
            quoted = sql.replace(name, f"`{name}`")
            node = parse(quoted)[0]
            printed = node.sql(dialect=Ucsql)
            again = parse(printed)[0]
            assert again.sql(dialect=Ucsql) == printed
            names = [identifier.name for identifier in node.find_all(exp.Identifier)]
            assert [identifier.name for identifier in again.find_all(exp.Identifier)] == names


def test_dialect_is_strict_when_used_directly():
    assert isinstance(sqlglot.parse_one("SHOW GROUPS", read=Ucsql), ShowGroups)
    assert isinstance(sqlglot.parse_one("GET MODEL VERSION m ALIAS a", read=Ucsql), GetModelVersion)
    for sql in ("SHOW TABLES", "SELECT 1", "GRANT SELECT ON TABLE t TO x"):
        with pytest.raises(sqlglot.errors.ParseError):
            sqlglot.parse_one(sql, read=Ucsql)


def test_doctests():
    assert doctest.testmod(dialect).failed == 0


# -- queries ----------------------------------------------------------------------------------------

QUERIES = [
    ("SELECT current_user()", exp.Select),
    ("select * from system.information_schema.catalogs where catalog_name like 'pr%'", exp.Select),
    ("WITH c AS (SELECT 1 AS x) SELECT x FROM c", exp.Select),
    ("FROM system.information_schema.schemata", exp.Select),
    ("SELECT 1 UNION ALL SELECT 2", exp.Union),
    ("(SELECT 1) EXCEPT (SELECT 2)", exp.Except),
    ("(SELECT 1)", exp.Subquery),
    ("VALUES (1), (2)", exp.Values),
    ("SELECT $name, ? FROM t WHERE a LIKE 'x\\_%' ESCAPE '\\'", exp.Select),
]


@pytest.mark.parametrize(("sql", "cls"), QUERIES)
def test_queries_are_duckdb_nodes(sql, cls):
    node = parse(sql)[0]
    assert type(node) is cls
    assert node.meta == {"sql": sql, "line": 1}
    assert node.sql(dialect="duckdb")


def test_query_placeholders_are_duckdb_placeholders():
    node = parse("SELECT * FROM t WHERE a = $name AND b = ?")[0]
    assert [p.this for p in node.find_all(exp.Placeholder)] == ["name", None]


# -- scripts ----------------------------------------------------------------------------------------


def test_script():
    script = (
        "-- set up prod\n"
        "CREATE CATALOG prod COMMENT 'a;b';  -- trailing; comment\n"
        ";;\n"
        "/* block; comment */ CREATE SCHEMA prod.`x;y`\n"
        "  COMMENT 'two lines';\n"
        "SELECT ';' AS s, \"a;b\" FROM system.information_schema.catalogs -- c;\n"
        ";\n"
        "  GRANT USE CATALOG ON CATALOG prod TO bob"
    )
    nodes = parse(script)
    assert [type(n) for n in nodes] == [CreateSecurable, CreateSecurable, exp.Select, exp.Grant]
    assert [n.meta for n in nodes] == [
        {"sql": "CREATE CATALOG prod COMMENT 'a;b'", "line": 2},
        {"sql": "CREATE SCHEMA prod.`x;y`\n  COMMENT 'two lines'", "line": 4},
        {"sql": "SELECT ';' AS s, \"a;b\" FROM system.information_schema.catalogs", "line": 6},
        {"sql": "GRANT USE CATALOG ON CATALOG prod TO bob", "line": 8},
    ]
    assert nodes[1].args["this"].name == "x;y"
    assert nodes[2].selects[1].name == "a;b"  # a DuckDB identifier, found by DuckDB's parser


@pytest.mark.parametrize("script", ["", "  \n", ";", " ; ;\n;", "-- nothing\n", "/* nothing */;"])
def test_empty_scripts(script):
    assert parse(script) == []


def test_windows_line_ends():
    nodes = parse("SHOW GROUPS;\r\n\r\nSHOW CATALOGS;\r\n")
    assert [n.meta["line"] for n in nodes] == [1, 3]
    with pytest.raises(ParseError) as error:
        parse("SHOW GROUPS;\r\nSHOW CATALOGS;\r\nSHOW FOO BAR")
    assert (error.value.line, error.value.column) == (3, 1)


def test_error_on_line_3_of_a_script():
    script = (
        "CREATE CATALOG a;\n"
        "CREATE CATALOG b; SHOW GROUPS;\n"
        "  ALTER MODEL a.b.c SET ALIAS Champion VERSION 2;\n"
        "SHOW GROUPS"
    )
    with pytest.raises(ParseError) as error:
        parse(script)
    assert str(error.value) == (
        "Syntax error at line 3, column 40: Expected TO VERSION <number> after SET ALIAS Champion\n"
        "    ALTER MODEL a.b.c SET ALIAS Champion VERSION 2;\n"
        "                                         ^"
    )
    assert error.value.reason == "Expected TO VERSION <number> after SET ALIAS Champion"
    assert error.value.statement == script


def test_query_error_position_is_in_the_script():
    """DuckDB's parser reads the query alone; its error is moved to the query's place."""
    with pytest.raises(ParseError) as error:
        parse("SHOW GROUPS;\nSHOW CATALOGS; SELECT * FROM t WHERE")
    assert str(error.value) == (
        "Syntax error at line 2, column 32: Incomplete expression\n"
        "  SHOW CATALOGS; SELECT * FROM t WHERE\n"
        "                                 ^"
    )


def test_refusal_on_line_2():
    with pytest.raises(UnsupportedStatement) as error:
        parse("SHOW GROUPS;\n  INSERT INTO t VALUES (1)")
    assert error.value.kind == "INSERT"
    assert (error.value.line, error.value.column) == (2, 3)
    assert str(error.value) == (
        "Syntax error at line 2, column 3: INSERT is not a ucsql statement: the metastore changes "
        "only through ucsql statements (CREATE MODEL, GRANT, SET TAG ...). Queries may only SELECT "
        "from system views.\n"
        "    INSERT INTO t VALUES (1)\n"
        "    ^"
    )


# -- errors ---------------------------------------------------------------------------------

ERRORS_RENDERED = [
    ("ALTER MODEL prod.ml.iris SET ALIAS Champion TO VERSION two",
     "Syntax error at line 1, column 56: "
     "Expected a version number after SET ALIAS Champion TO VERSION\n"
     "  ALTER MODEL prod.ml.iris SET ALIAS Champion TO VERSION two\n"
     "                                                         ^"),
    ("GRANT USE CATALOG ON prod TO x",
     "Syntax error at line 1, column 22: Expected CATALOG, SCHEMA, FUNCTION, MODEL or METASTORE "
     "after GRANT USE CATALOG ON\n"
     "  GRANT USE CATALOG ON prod TO x\n"
     "                       ^"),
    ("CREATE CATALOG",
     "Syntax error at line 1, column 15: Expected a catalog name after CREATE CATALOG\n"
     "  CREATE CATALOG\n"
     "                ^"),
    ("SET TAG ON MODEL a.b.c task = 'x' 'y'",
     "Syntax error at line 1, column 35: Expected the end of the statement after "
     "SET TAG ON MODEL a.b.c task = 'x'\n"
     "  SET TAG ON MODEL a.b.c task = 'x' 'y'\n"
     "                                    ^"),
    ("COMMENT ON CATALOG prod 'text'",
     "Syntax error at line 1, column 25: "
     "Expected IS '<comment>' or IS NULL after COMMENT ON CATALOG prod\n"
     "  COMMENT ON CATALOG prod 'text'\n"
     "                          ^"),
    ("FOO BAR",
     "Syntax error at line 1, column 1: Expected a statement (CREATE, DROP, ALTER, COMMENT ON, "
     "SET TAG, UNSET TAG, GRANT, REVOKE, SHOW, DESCRIBE, GET, ADD COMMENT, REQUEST ALIAS, "
     "APPROVE, REJECT, CANCEL or SELECT)\n"
     "  FOO BAR\n"
     "  ^"),
    ("GET MODEL VERSION prod.ml.iris",
     "Syntax error at line 1, column 31: "
     "Expected VERSION <number> or ALIAS <alias> after GET MODEL VERSION prod.ml.iris\n"
     "  GET MODEL VERSION prod.ml.iris\n"
     "                                ^"),
    ("SHOW GROUPS;\nCREATE CATALOG 'prod",
     "Syntax error at line 2, column 16: Unterminated string: expected a closing '\n"
     "  CREATE CATALOG 'prod\n"
     "                 ^"),
]


@pytest.mark.parametrize(("sql", "message"), ERRORS_RENDERED, ids=[c[0] for c in ERRORS_RENDERED])
def test_error_rendered(sql, message):
    with pytest.raises(ParseError) as error:
        parse(sql)
    assert type(error.value) is ParseError
    assert str(error.value) == message


ERRORS = [
    # (statement, reason, line, column)
    ("CREATE CATALOG 'prod'", "Expected a catalog name after CREATE CATALOG", 1, 16),
    ("CREATE CATALOG a.b.c.d", "Expected a name of at most three parts (catalog.schema.model)", 1, 21),
    ("CREATE CATALOG prod COMMENT 'a' MANAGED LOCATION 'x'",
     "Expected the end of the statement after CREATE CATALOG prod COMMENT 'a'", 1, 33),
    ("CREATE MODEL a.b.c MANAGED LOCATION 'x'",
     "MANAGED LOCATION applies to catalogs and schemas; a model is stored in its schema's location",
     1, 20),
    ("CREATE CATALOG prod MANAGED '/x'", "Expected LOCATION after MANAGED", 1, 29),
    ("CREATE CATALOG prod COMMENT", "Expected a comment string after COMMENT", 1, 28),
    ("CREATE OR REPLACE MODEL a.b.c", "Expected CATALOG, SCHEMA, MODEL, GROUP, USER, TOKEN or WEBHOOK after CREATE", 1, 8),
    ("DROP MODEL a.b.c CASCADE", "Expected the end of the statement after DROP MODEL a.b.c", 1, 18),
    ("DROP GROUP", "Expected a group name after DROP GROUP", 1, 11),
    ("ALTER MODEL a.b.c FOO",
     "Expected ADD VERSION, DROP VERSION, RENAME TO, OWNER TO, SET ALIAS, DROP ALIAS, SET TAGS, "
     "UNSET TAGS or VERSION <number> after ALTER MODEL a.b.c", 1, 19),
    ("ALTER CATALOG prod RENAME TO x",
     "Expected OWNER TO, SET TAGS or UNSET TAGS after ALTER CATALOG prod", 1, 20),
    ("ALTER MODEL a.b.c ADD VERSION '/x'",
     "Expected FROM '<model directory>' or FROM MODEL <model> after ADD VERSION", 1, 31),
    ("ALTER MODEL a.b.c ADD VERSION FROM /x",
     "Expected a model directory string or MODEL <model> after ADD VERSION FROM", 1, 36),
    ("ALTER MODEL a.b.c ADD VERSION FROM '/x' SOURCE",
     "Expected a source URI string after SOURCE", 1, 47),
    ("ALTER MODEL a.b.c ADD VERSION FROM '/x' LOGGED 'm-1'", "Expected MODEL after LOGGED", 1, 48),
    ("ALTER MODEL a.b.c ADD VERSION FROM '/x' LOGGED MODEL m1",
     "Expected a logged model id string after LOGGED MODEL", 1, 54),
    ("ALTER MODEL a.b.c ADD VERSION FROM '/x' RUN 'r' LINK",
     "Expected a run link string after LINK", 1, 53),
    ("ALTER MODEL a.b.c ADD VERSION FROM '/x' TAGS 'a' = 'b'", "Expected ( after TAGS", 1, 46),
    ("ALTER MODEL a.b.c ADD VERSION FROM '/x' TAGS ()",
     "Expected a tag key string after TAGS (", 1, 47),
    ("ALTER MODEL a.b.c ADD VERSION FROM '/x' TAGS ('a' = 'b'",
     "Expected , or ) after TAGS ('a' = 'b'", 1, 56),
    ("ALTER MODEL a.b.c ADD VERSION FROM '/x' LINEAGE [1]",
     "Expected a lineage JSON string after LINEAGE", 1, 49),
    ("ALTER MODEL a.b.c ADD VERSION FROM '/x' LINK 'u'",
     "ADD VERSION takes each clause at most once, in this order: SOURCE, RUN [LINK], "
     "LOGGED MODEL, COMMENT, TAGS, LINEAGE", 1, 41),
    ("ALTER MODEL a.b.c ADD VERSION FROM '/x' COMMENT 'c' RUN 'r'",
     "ADD VERSION takes each clause at most once, in this order: SOURCE, RUN [LINK], "
     "LOGGED MODEL, COMMENT, TAGS, LINEAGE", 1, 53),
    ("ALTER MODEL a.b.c ADD VERSION FROM '/x' COMMENT 'c' COMMENT 'd'",
     "ADD VERSION takes each clause at most once, in this order: SOURCE, RUN [LINK], "
     "LOGGED MODEL, COMMENT, TAGS, LINEAGE", 1, 53),
    ("ALTER MODEL a.b.c ADD VERSION FROM MODEL x.y.z",
     "Expected VERSION <number> after ADD VERSION FROM MODEL x.y.z", 1, 47),
    ("ALTER MODEL a.b.c ADD VERSION FROM MODEL x.y.z VERSION latest",
     "Expected a version number after ADD VERSION FROM MODEL x.y.z VERSION", 1, 56),
    ("ALTER MODEL a.b.c ADD VERSION FROM MODEL 'x.y.z' VERSION 1",
     "Expected a model name after ADD VERSION FROM MODEL", 1, 42),
    ("ALTER MODEL a.b.c ADD VERSION FROM MODEL x VERSION 1 RUN 'r'",
     "ADD VERSION FROM MODEL takes only COMMENT and then TAGS, each at most once", 1, 54),
    ("ALTER MODEL a.b.c ADD VERSION FROM MODEL x VERSION 1 LINEAGE '[]'",
     "ADD VERSION FROM MODEL takes only COMMENT and then TAGS, each at most once", 1, 54),
    ("ALTER MODEL a.b.c DROP VERSION -1", "Expected a version number after DROP VERSION", 1, 32),
    ("ALTER MODEL a.b.c DROP VERSION 1.5", "Expected a version number after DROP VERSION", 1, 32),
    ("ALTER MODEL a.b.c VERSION 1 DROP TAGS ('a')",
     "Expected SET TAGS or UNSET TAGS after VERSION 1", 1, 29),
    ("ALTER MODEL a.b.c SET TAGS 'a' = 'b'", "Expected ( after SET TAGS", 1, 28),
    ("ALTER MODEL a.b.c SET TAGS ('a' = 'b'", "Expected , or ) after SET TAGS ('a' = 'b'", 1, 38),
    ("ALTER MODEL a.b.c SET TAGS (a = 'b')", "Expected a tag key string after SET TAGS (", 1, 29),
    ("ALTER CATALOG x SET TAGS ('a' = )",
     "Expected a tag value (a string, a name or a parameter) after SET TAGS ('a' =", 1, 33),
    ("ALTER METASTORE TO bob", "Expected OWNER TO <principal> after ALTER METASTORE", 1, 17),
    ("ALTER CATALOG prod OWNER bob", "Expected OWNER TO <principal> after ALTER CATALOG prod", 1, 20),
    ("ALTER GROUP g ADD alice", "Expected USER or GROUP after ALTER GROUP g ADD", 1, 19),
    ("ALTER GROUP g REMOVE USER alice", "Expected ADD or DROP after ALTER GROUP g", 1, 15),
    ("ALTER GROUP g ADD USER alice,",
     "Expected a user name after ALTER GROUP g ADD USER alice,", 1, 30),
    ("SET TAG prod x", "Expected TAG ON after SET", 1, 5),
    ("SET TAG ON TABLE t x", "Expected CATALOG, SCHEMA, MODEL or FUNCTION after SET TAG ON", 1, 12),
    ("SET TAG ON MODEL a.b.c 'task' = 'x'", "Expected a tag key after SET TAG ON MODEL a.b.c", 1, 24),
    ("SET TAG ON MODEL a.b.c k = $ v", "Expected a tag value (a string, a name or a parameter) "
     "after SET TAG ON MODEL a.b.c k =", 1, 28),
    ("UNSET TAGS ON MODEL a.b.c k", "Expected TAG ON after UNSET", 1, 7),
    ("COMMENT prod IS 'x'", "Expected ON after COMMENT", 1, 9),
    ("COMMENT ON CATALOG prod VERSION 1 IS 'x'",
     "Expected IS '<comment>' or IS NULL after COMMENT ON CATALOG prod", 1, 25),
    ("GRANT ON CATALOG x TO y", "Expected a privilege after GRANT", 1, 7),
    ("GRANT USE CATALOG, ON CATALOG x TO y", "Expected a privilege after GRANT USE CATALOG,", 1, 20),
    ("GRANT USE CATALOG ON CATALOG prod bob",
     "Expected TO <principal> after GRANT USE CATALOG ON CATALOG prod", 1, 35),
    ("GRANT USE CATALOG ON CATALOG prod TO 'bob'",
     "Expected a principal after GRANT USE CATALOG ON CATALOG prod TO", 1, 38),
    ("REVOKE USE CATALOG ON CATALOG prod TO bob",
     "Expected FROM <principal> after REVOKE USE CATALOG ON CATALOG prod", 1, 36),
    ("GRANT SELECT ON TABLE t TO x",
     "Expected CATALOG, SCHEMA, FUNCTION, MODEL or METASTORE after GRANT SELECT ON", 1, 17),
    ("GRANT USE CATALOG ON CATALOG prod TO bob WITH GRANT OPTION",
     "Expected the end of the statement after GRANT USE CATALOG ON CATALOG prod TO bob", 1, 42),
    ("SHOW", "Expected CATALOGS, SCHEMAS, MODELS, VERSIONS, GROUPS, USERS, GRANTS, TOKENS, "
             "WEBHOOKS, COMMENTS or ALIAS REQUESTS after SHOW", 1, 5),
    ("SHOW VERSIONS a.b.c", "Expected IN MODEL <model> after SHOW VERSIONS", 1, 15),
    ("SHOW USERS IN g", "Expected IN GROUP <group> after SHOW USERS", 1, 12),
    ("SHOW GRANTS", "Expected a principal, ON <securable> or TO <principal> after SHOW GRANTS", 1, 12),
    ("SHOW GRANTS bob", "Expected ON <securable> after SHOW GRANTS bob", 1, 16),
    ("SHOW GRANTS to ON CATALOG x", "Expected a principal after SHOW GRANTS to", 1, 16),
    ("SHOW CATALOGS LIKE pr", "Expected a pattern string after LIKE", 1, 20),
    ("SHOW GROUPS LIKE 'x'", "Expected the end of the statement after SHOW GROUPS", 1, 13),
    ("DESCRIBE MODEL EXTENDED", "Expected a model name after DESCRIBE MODEL EXTENDED", 1, 24),
    ("DESCRIBE CATALOG prod VERSION 1",
     "Expected the end of the statement after DESCRIBE CATALOG prod", 1, 23),
    ("GET", "Expected MODEL <model> or MODEL VERSION <model> after GET", 1, 4),
    ("GET MODEL", "Expected a model name after GET MODEL", 1, 10),
    ("GET MODEL VERSION", "Expected a model name after GET MODEL VERSION", 1, 18),
    ("GET MODEL VERSION a.b.c",
     "Expected VERSION <number> or ALIAS <alias> after GET MODEL VERSION a.b.c", 1, 24),
    ("GET MODEL VERSION a.b.c VERSION 1 ALIAS x",
     "Expected the end of the statement after GET MODEL VERSION a.b.c VERSION 1", 1, 35),
    ("GET MODEL VERSION a.b.c VERSION two",
     "Expected a version number after GET MODEL VERSION a.b.c VERSION", 1, 33),
    ("GET MODEL VERSION a.b.c ALIAS 'x'", "Expected an alias after GET MODEL VERSION a.b.c ALIAS",
     1, 31),
    # An unquoted version right after GET MODEL starts GET MODEL VERSION: backtick such a model.
    ("GET MODEL version.b.c", "Expected a model name after GET MODEL version", 1, 18),
    ("GET MODEL a.b.c VERSION 1", "Expected the end of the statement after GET MODEL a.b.c", 1, 17),
    ("CREATE CATALOG `prod", "Unterminated name: expected a closing `", 1, 16),
    ("CREATE CATALOG prod /* comment", "Unterminated comment: expected */", 1, 21),
    ("(1)", "Expected a query (SELECT ...)", 1, 1),
    ("SELECT 1 +", "Incomplete expression", 1, 10),
]


@pytest.mark.parametrize(("sql", "reason", "line", "column"), ERRORS, ids=[c[0] for c in ERRORS])
def test_error(sql, reason, line, column):
    with pytest.raises(ParseError) as error:
        parse(sql)
    assert type(error.value) is ParseError
    assert (error.value.reason, error.value.line, error.value.column) == (reason, line, column)


# -- refused statements -----------------------------------------------------------------------

REFUSED = [
    ("INSERT INTO t VALUES (1)", "INSERT"),
    ("insert or replace into t values (1)", "INSERT"),
    ("UPDATE t SET x = 1", "UPDATE"),
    ("DELETE FROM t", "DELETE"),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", "MERGE"),
    ("WITH s AS (SELECT 1 AS x) INSERT INTO t SELECT x FROM s", "INSERT"),
    ("WITH s AS (SELECT 1 AS x) DELETE FROM t", "DELETE"),
    ("CREATE TABLE t (x INT)", "CREATE TABLE"),
    ("create or replace temp table t as select 1", "CREATE TABLE"),
    ("CREATE VIEW v AS SELECT 1", "CREATE VIEW"),
    ("CREATE MACRO m(x) AS x + 1", "CREATE MACRO"),
    ("CREATE FUNCTION f(x) AS x", "CREATE FUNCTION"),
    ("CREATE SECRET s (TYPE s3)", "CREATE SECRET"),
    ("CREATE SEQUENCE s", "CREATE SEQUENCE"),
    ("CREATE UNIQUE INDEX i ON t (x)", "CREATE INDEX"),
    ("CREATE TYPE mood AS ENUM ('happy')", "CREATE TYPE"),
    ("DROP TABLE IF EXISTS t", "DROP TABLE"),
    ("DROP VIEW v", "DROP VIEW"),
    ("DROP FUNCTION f", "DROP FUNCTION"),
    ("ALTER TABLE t ADD COLUMN y INT", "ALTER TABLE"),
    ("ALTER VIEW v RENAME TO w", "ALTER VIEW"),
    ("ATTACH 'other.duckdb' AS other", "ATTACH"),
    ("DETACH other", "DETACH"),
    ("COPY t TO 'out.csv'", "COPY"),
    ("EXPORT DATABASE 'dir'", "EXPORT"),
    ("IMPORT DATABASE 'dir'", "IMPORT"),
    ("INSTALL httpfs", "INSTALL"),
    ("FORCE INSTALL httpfs", "INSTALL"),
    ("LOAD httpfs", "LOAD"),
    ("PRAGMA database_list", "PRAGMA"),
    ("SET memory_limit = '1GB'", "SET"),
    ("SET VARIABLE x = 1", "SET"),
    ("RESET memory_limit", "RESET"),
    ("CALL pragma_version()", "CALL"),
    ("USE prod", "USE"),
    ("CHECKPOINT", "CHECKPOINT"),
    ("FORCE CHECKPOINT", "CHECKPOINT"),
    ("VACUUM", "VACUUM"),
    ("BACKUP TO 'copy.duckdb'", "BACKUP"),
    ("RESTORE FROM 'copy.duckdb'", "RESTORE"),
    ("BEGIN TRANSACTION", "BEGIN"),
    ("COMMIT", "COMMIT"),
    ("ROLLBACK", "ROLLBACK"),
    ("EXPLAIN SELECT 1", "EXPLAIN"),
    ("SUMMARIZE t", "SUMMARIZE"),
    ("DESCRIBE t", "DESCRIBE"),
    ("DESC SELECT 1", "DESCRIBE"),
    ("DESCRIBE TABLE t", "DESCRIBE TABLE"),
    ("TRUNCATE t", "TRUNCATE"),
    ("SHOW TABLES", "SHOW TABLES"),
    ("COMMENT ON TABLE t IS 'x'", "COMMENT ON TABLE"),
    ("TABLE t", "TABLE"),
    ("PREPARE q AS SELECT 1", "PREPARE"),
    ("EXECUTE q", "EXECUTE"),
    ("GET @stage 'file:///tmp/'", "GET"),
    ("GET models", "GET"),
]


@pytest.mark.parametrize(("sql", "kind"), REFUSED, ids=[c[0] for c in REFUSED])
def test_refused(sql, kind):
    with pytest.raises(UnsupportedStatement) as error:
        parse(sql)
    assert error.value.kind == kind
    assert (error.value.line, error.value.column) == (1, 1)
    if kind in INSTEAD:  # what people from databases type: told what ucsql has instead
        assert error.value.reason.startswith(f"{kind} is not a ucsql statement: ")
        assert INSTEAD[kind] in error.value.reason
        assert "changes only through" not in error.value.reason
    else:
        assert error.value.reason == (
            f"{kind} is not a ucsql statement: the metastore changes only through ucsql "
            "statements (CREATE MODEL, GRANT, SET TAG ...). Queries may only SELECT from system "
            "views.")
    assert error.value.code == "INVALID_PARAMETER_VALUE"


INSTEAD = {"CREATE TABLE": "CREATE MODEL", "CREATE VIEW": "CREATE MODEL",
           "DROP TABLE": "DROP MODEL", "DROP VIEW": "DROP MODEL", "ALTER TABLE": "ALTER MODEL",
           "ALTER VIEW": "ALTER MODEL",
           "SHOW TABLES": "SHOW MODELS", "SHOW VIEWS": "system views",
           "SHOW COLUMNS": "LIMIT 0", "SHOW FUNCTIONS": "SHOW MODELS",
           "DESCRIBE": "DESCRIBE CATALOG, SCHEMA or MODEL", "DESCRIBE TABLE": "DESCRIBE MODEL",
           "BACKUP": "ucsql backup METASTORE DEST", "RESTORE": "ucsql backup opens as it is",
           "VACUUM": "ucsql gc METASTORE", "CHECKPOINT": "checkpoints the file by itself"}


@pytest.mark.parametrize("sql", ["SHOW TABLES", "SHOW VIEWS", "CREATE TABLE t (a INT)",
                                 "DESCRIBE TABLE t", "SHOW COLUMNS FROM t"])
def test_database_habits_are_told_what_to_use(sql):
    with pytest.raises(UnsupportedStatement) as error:
        parse(sql)
    assert INSTEAD[error.value.kind] in error.value.reason


@pytest.mark.parametrize(("sql", "meant"), [
    ("SHOW MODLES", "SHOW MODELS"), ("SHOW CATALOGUES", "SHOW CATALOGS"),
    ("CREATE CATALOGUE prod", "CREATE CATALOG"), ("DROP SCHEME main.x", "DROP SCHEMA"),
    ("DESCRIBE MODLE main.default.m", "DESCRIBE MODEL"), ("CRATE MODEL main.default.m", "CREATE"),
    ("GRNAT EXECUTE ON MODEL m TO bob", "GRANT"), ("SELCT 1", "SELECT"),
])
def test_misspellings_get_a_did_you_mean(sql, meant):
    with pytest.raises((UnsupportedStatement, ParseError)) as error:
        parse(sql)
    assert f"Did you mean {meant}?" in str(error.value)


@pytest.mark.parametrize(("sql", "name"), [
    ("GRANT EXECUTE ON MODEL main.default.m TO ml-team", "ml-team"),
    ("ALTER GROUP g ADD USER alice@example.com", "alice@example.com"),
    ("ALTER MODEL main.default.m OWNER TO data+ml", "data+ml"),
])
def test_names_that_need_quoting_get_the_backticks_hint(sql, name):
    with pytest.raises(ParseError) as error:
        parse(sql)
    assert f"quote it with backticks: `{name}`" in str(error.value)
    parse(sql.replace(name, f"`{name}`"))  # and quoted, it reads


def test_refused_after_good_statements_refuses_the_script():
    with pytest.raises(UnsupportedStatement):
        parse("CREATE CATALOG prod; ATTACH 'x.db'; SHOW GROUPS")
