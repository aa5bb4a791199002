r"""The shell's describing commands (\dc, \dn, \dm, \dp, \dg, \d) through a real terminal:
each answers as the statement it stands for, is refused and audited as that statement, and a
bad argument gets one line saying what to type."""

from __future__ import annotations

import pytest

from tests.conftest import write_model_dir
from tests.test_shell import env, spawn  # noqa: F401 -- the shell's fixture and launcher
from ucsql import connect

pexpect = pytest.importorskip("pexpect")


@pytest.fixture
def seeded(tmp_path):
    source = write_model_dir(tmp_path / "iris_model")
    with connect(tmp_path / "m.duckdb", principal="alice") as cat:
        cat.sql("CREATE USER bob; CREATE CATALOG prod COMMENT 'production'; "
                "CREATE SCHEMA prod.ml_team; CREATE CATALOG dev; CREATE SCHEMA dev.scratch; "
                "CREATE MODEL prod.ml_team.iris COMMENT 'iris classifier'; "
                "CREATE MODEL dev.scratch.iris_try; CREATE GROUP `ml-team`; "
                "ALTER GROUP `ml-team` ADD USER bob; "
                "GRANT USE CATALOG ON CATALOG prod TO `ml-team`")
        cat.sql("ALTER MODEL prod.ml_team.iris ADD VERSION FROM ?", [str(source)])
        cat.sql("ALTER MODEL prod.ml_team.iris ADD VERSION FROM ? COMMENT 'second'",
                [str(source)])
        cat.sql("ALTER MODEL prod.ml_team.iris SET ALIAS Champion TO VERSION 1")
    return tmp_path


def test_describing_commands_answer_as_their_statements(seeded, env):  # noqa: F811
    shell = spawn(env, seeded, "m.duckdb", width=160)
    prompt = "alice@m.duckdb>"

    def run(typed: str, *expected: str) -> None:
        shell.send(typed + "\r")
        for text in expected:
            shell.expect_exact(text)
        shell.expect_exact(prompt)

    try:
        shell.expect_exact(prompt)
        run("\\?", "\\dc [PATTERN]", "\\d[+] NAME")
        run("\\dc pr*", "| prod    | alice | production |", "(1 row)")
        run("\\l", "| dev ", "| main ", "| prod ", "(3 rows)")
        run("\\dn prod", "| prod    | ml_team |", "(1 row)")
        run("\\dn", "| dev     | scratch ", "| main    | default ", "(3 rows)")
        run("\\dm prod.ml_team", "| prod.ml_team.iris | alice | iris classifier | 2 ", "(1 row)")
        run("\\dm prod.ml_team.ir*", "| prod.ml_team.iris |", "(1 row)")
        run("\\dm iris*", "| dev.scratch.iris_try ", "| prod.ml_team.iris ", "(2 rows)")
        run("\\dm d*.*", "| dev.scratch.iris_try | alice | NULL    | NULL ", "(1 row)")
        run("\\dp prod", "| ml-team   | USE_CATALOG | CATALOG    | prod ", "(1 row)")
        run("\\dp", "(0 rows)")  # SHOW GRANTS ON METASTORE
        run("\\dg", "| account users ", "| ml-team ", "(2 rows)")
        run("\\dg ml-team", "| bob    | USER |", "(1 row)")
        run("\\d prod.ml_team.iris@Champion", "| version ", "| 1 ", "| aliases ", "Champion")
        run("\\d prod.ml_team.iris/2", "| version ", "| 2 ", "| comment ", "second")
        run("\\d+ prod", "| catalog_name ", "| prod ", "| tags ")
        run("\\d prod.ml_team", "| schema_name ", "| prod.ml_team ")
        # mistakes: one line each, saying what to type
        run("\\dn prod.ml_team", "Error: \\dn takes a catalog name: \\dn prod (not "
            "'prod.ml_team').")
        run("\\d", "Error: \\d needs a catalog, schema or model name: \\d prod,")
        run("\\d prod@Champion", "Error: \\d takes a catalog, schema or model name")
        run("\\dp a.b.c.d", "Error: \\dp takes a catalog, schema or model name: \\dp "
            "prod.ml_team (not 'a.b.c.d').")
        run("\\d prod.ml_team.iris@Nope",
            "Error: Model prod.ml_team.iris has no alias Nope. Use DESCRIBE MODEL")
        run("\\d nosuch", "Error: Catalog nosuch does not exist")
        shell.send("\\q\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)
    assert "Traceback" not in (shell.before or "")


def test_describing_commands_are_checked_and_audited_as_the_statement(seeded, env):  # noqa: F811
    shell = spawn(dict(env, UCSQL_PRINCIPAL="carol"), seeded, "m.duckdb")
    prompt = "carol@m.duckdb>"
    try:
        shell.expect_exact(prompt)
        shell.send("\\d prod.ml_team.iris\r")
        shell.expect_exact("Error: Permission denied: carol cannot describe MODEL "
                           "prod.ml_team.iris: missing USE_CATALOG on CATALOG prod.")
        shell.expect_exact(prompt)
        shell.send("\\dc\r")  # carol sees only main
        shell.expect_exact("| main ")
        shell.expect_exact("(1 row)")
        shell.expect_exact(prompt)
        shell.send("\\q\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)
    with connect(seeded / "m.duckdb", principal="alice") as admin:
        rows = admin.sql("SELECT action, result, statement FROM system.access.audit "
                         "WHERE principal = 'carol' ORDER BY audit_id").fetchall()
    assert ("DESCRIBE_SECURABLE", "DENIED", "DESCRIBE MODEL `prod`.`ml_team`.`iris`") in rows
    assert ("SHOW_CATALOGS", "ALLOWED", "SHOW CATALOGS") in rows
