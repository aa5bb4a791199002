"""The ``ucsql`` command: -c scripts, piped scripts, errors and exit codes, the interactive shell.

In-process runs use click's CliRunner; the rest run ``python -m ucsql`` for real, the shell
inside a pseudo-terminal (pexpect).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ucsql import connect
from click.testing import CliRunner

from ucsql.cli import is_complete, main

REPO = Path(__file__).resolve().parent.parent

CATALOGS_TABLE = """\
Created catalog prod.
+---------+-------+-----------------+
| catalog | owner | comment         |
+---------+-------+-----------------+
| main    | alice | Default catalog |
| prod    | alice | NULL            |
+---------+-------+-----------------+
(2 rows)
"""


@pytest.fixture(autouse=True)
def metastore(tmp_path):
    """tmp_path/m.duckdb exists, made by alice (its admin), so each test's stderr is its own: a
    new file would add the "Created metastore" line (tests/test_file_kinds.py checks it)."""
    connect(tmp_path / "m.duckdb", principal="alice").close()
    return tmp_path / "m.duckdb"


@pytest.fixture
def env(tmp_path):
    """The environment for a real ``python -m ucsql``: this checkout, a throwaway history."""
    env = {k: v for k, v in os.environ.items() if k != "UCSQL_PRINCIPAL"}
    env.update(PYTHONPATH=str(REPO), UCSQL_HISTORY=str(tmp_path / "history"))
    return env


def ucsql(env, *args, input=None, principal=None):
    if principal:
        env = dict(env, UCSQL_PRINCIPAL=principal)
    return subprocess.run([sys.executable, "-m", "ucsql", *args], env=env, input=input,
                          capture_output=True, text=True, timeout=120)


def invoke(*args, input=None, principal="alice"):
    return CliRunner().invoke(main, list(args), input=input, env={"UCSQL_PRINCIPAL": principal})


# -- -c -------------------------------------------------------------------------------------------

def test_c_prints_each_statement_result(tmp_path):
    result = invoke(str(tmp_path / "m.duckdb"), "-c", "CREATE CATALOG prod; SHOW CATALOGS")
    assert result.exit_code == 0, result.output
    assert result.stdout == CATALOGS_TABLE
    assert result.stderr == ""


def test_c_in_a_real_process(tmp_path, env):
    done = ucsql(env, str(tmp_path / "m.duckdb"), "-c", "CREATE CATALOG prod; SHOW CATALOGS",
                 principal="alice")
    assert (done.returncode, done.stdout, done.stderr) == (0, CATALOGS_TABLE, "")


def test_c_several_times_runs_in_order_and_stops_at_the_first_error(tmp_path):
    path = str(tmp_path / "m.duckdb")
    result = invoke(path, "-c", "CREATE CATALOG a", "-c", "CREATE CATALOG a; CREATE CATALOG b",
                    "-c", "CREATE CATALOG c")
    assert result.exit_code == 1
    assert result.stdout == "Created catalog a.\n"
    assert result.stderr.startswith("Error: ") and "already exists" in result.stderr
    shown = invoke(path, "-c", "SELECT catalog_name FROM system.information_schema.catalogs "
                               "ORDER BY 1")
    assert "| a " in shown.stdout and "| b " not in shown.stdout and "| c " not in shown.stdout


def test_memory_metastore(tmp_path):
    result = invoke(":memory:", "-c", "SELECT 1 AS x")
    assert result.exit_code == 0
    assert result.stdout == "+---+\n| x |\n+---+\n| 1 |\n+---+\n(1 row)\n"


# -- errors ---------------------------------------------------------------------------------------

SYNTAX_ERROR = "Error: Syntax error at line 1, column 1: "


def test_syntax_error(tmp_path, env):
    path = str(tmp_path / "m.duckdb")
    result = invoke(path, "-c", "CREAT CATALOG x")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(SYNTAX_ERROR)
    assert result.stderr.endswith("\n  CREAT CATALOG x\n  ^\n")

    done = ucsql(env, path, "-c", "CREAT CATALOG x", principal="alice")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith(SYNTAX_ERROR) and "Traceback" not in done.stderr


def test_permission_error_as_another_principal(tmp_path, env):
    path = str(tmp_path / "m.duckdb")
    assert ucsql(env, path, "-c", "CREATE CATALOG prod", principal="alice").returncode == 0
    done = ucsql(env, path, "--principal", "bob", "-c", "CREATE SCHEMA prod.ml_team")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("Error: Permission denied: bob ")
    assert "prod" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_metastore_that_cannot_be_opened(tmp_path):
    result = invoke(str(tmp_path / "no" / "such" / "m.duckdb"), "-c", "SHOW CATALOGS")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "does not exist" in result.stderr


def test_metastore_argument_is_required():
    result = invoke("-c", "SHOW CATALOGS")
    assert result.exit_code == 2
    assert "METASTORE" in result.stderr


# -- who you are ----------------------------------------------------------------------------------

def test_principal_from_env_and_option(tmp_path, env):
    path = str(tmp_path / "m.duckdb")
    done = ucsql(env, path, "-c", "SELECT current_user() AS me", principal="carol")
    assert done.returncode == 0, done.stderr
    assert "| carol |" in done.stdout
    done = ucsql(env, path, "--principal", "dave", "-c", "SELECT current_user() AS me",
                 principal="carol")
    assert "| dave |" in done.stdout


# -- piped scripts --------------------------------------------------------------------------------

SCRIPT = """\
-- a setup script
CREATE CATALOG prod;
CREATE SCHEMA prod.ml_team
  COMMENT 'the team; with a semicolon';
SELECT schema_name, comment FROM system.information_schema.schemata
WHERE catalog_name = 'prod' ORDER BY 1;
"""


def test_piped_script(tmp_path, env):
    done = ucsql(env, str(tmp_path / "m.duckdb"), input=SCRIPT, principal="alice")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == ["Created catalog prod.", "Created schema prod.ml_team."]
    assert any(line.startswith("| ml_team") and "the team; with a semicolon" in line
               for line in lines)


def test_script_that_does_not_parse_runs_nothing(tmp_path):
    path = str(tmp_path / "m.duckdb")
    result = invoke(path, input="CREATE CATALOG prod;\n\nCREATE CATALOG;\n")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: Syntax error at line 3, column ")
    assert "prod" not in invoke(path, "-c", "SHOW CATALOGS").stdout


# -- the shell ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, complete", [
    ("", True),
    ("\\q", True),
    ("exit", True),
    ("SHOW CATALOGS", False),
    ("SHOW CATALOGS;", True),
    ("CREATE CATALOG\nprod;  ", True),
    ("SELECT 'a;", False),           # the ; is inside an unterminated string
    ("SELECT 'a;'", False),
    ("SELECT 1 /* ; */", False),
    ("SELECT 1; -- done", True),
    ("SELECT `x;", False),
])
def test_when_enter_runs_the_input(text, complete):
    assert is_complete(text) is complete


def test_interactive_shell(tmp_path, env):
    pexpect = pytest.importorskip("pexpect")
    history = tmp_path / "history"
    env = dict(env, UCSQL_PRINCIPAL="alice", TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    shell = pexpect.spawn(sys.executable, ["-m", "ucsql", str(tmp_path / "m.duckdb")], env=env,
                          cwd=str(tmp_path), encoding="utf-8", timeout=60, dimensions=(40, 200))
    try:
        # prompt_toolkit draws the prompt's trailing space as a cursor move, so expect without it.
        shell.expect_exact("alice@m.duckdb>")
        shell.send("CREATE CATALOG\r")
        shell.expect_exact("...>")
        shell.send("prod;\r")
        shell.expect_exact("Created catalog prod.")
        shell.expect_exact("alice@m.duckdb>")

        shell.send("CREAT CATALOG x;\r")
        shell.expect_exact("Error: Syntax error at line 1, column 1")
        shell.expect_exact("alice@m.duckdb>")

        shell.send("half a statement")
        shell.sendintr()  # Ctrl-C drops the input, not the shell
        shell.expect_exact("alice@m.duckdb>")

        shell.send("SHOW CATALOGS;\r")
        shell.expect_exact("| prod    | alice | NULL            |")
        shell.expect_exact("(2 rows)")
        shell.expect_exact("alice@m.duckdb>")

        shell.send("\\q\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close()
    assert shell.exitstatus == 0
    assert "Traceback" not in (shell.before or "")
    assert "CREATE CATALOG\n+prod;" in history.read_text()


# -- output formats, -f ---------------------------------------------------------------------------

SETUP = ("CREATE CATALOG prod COMMENT 'models | that passed validation, with a \"quote\" and a "
         "long text to wrap'")
QUERY = ("SELECT catalog_name, comment, created IS NOT NULL AS has_time, "
         "TIMESTAMP '2024-05-01 12:30:00' AS at, [1, 2] AS list, NULL AS nothing "
         "FROM system.information_schema.catalogs ORDER BY 1")

EXPECTED = {
    "table": """\
+--------------+------------------+----------+------------------+--------+---------+
| catalog_name | comment          | has_time | at               | list   | nothing |
+--------------+------------------+----------+------------------+--------+---------+
| main         | Default catalog  | True     | 2024-05-01       | [1, 2] | NULL    |
|              |                  |          | 12:30:00         |        |         |
| prod         | models | that    | True     | 2024-05-01       | [1, 2] | NULL    |
|              | passed           |          | 12:30:00         |        |         |
|              | validation, with |          |                  |        |         |
|              | a "quote" and a  |          |                  |        |         |
|              | long text to     |          |                  |        |         |
|              | wrap             |          |                  |        |         |
+--------------+------------------+----------+------------------+--------+---------+
(2 rows)
""",
    "csv": """\
catalog_name,comment,has_time,at,list,nothing
main,Default catalog,true,2024-05-01T12:30:00,"[1, 2]",
prod,"models | that passed validation, with a ""quote"" and a long text to wrap",true,\
2024-05-01T12:30:00,"[1, 2]",
""",
    "json": """\
{"catalog_name": "main", "comment": "Default catalog", "has_time": true, \
"at": "2024-05-01T12:30:00", "list": [1, 2], "nothing": null}
{"catalog_name": "prod", "comment": "models | that passed validation, with a \\"quote\\" and a \
long text to wrap", "has_time": true, "at": "2024-05-01T12:30:00", "list": [1, 2], \
"nothing": null}
""",
    "markdown": """\
| catalog_name | comment | has_time | at | list | nothing |
|---|---|---|---|---|---|
| main | Default catalog | True | 2024-05-01 12:30:00 | [1, 2] | NULL |
| prod | models \\| that passed validation, with a "quote" and a long text to wrap | True | \
2024-05-01 12:30:00 | [1, 2] | NULL |
""",
}


@pytest.mark.parametrize("fmt", sorted(EXPECTED))
def test_c_in_each_format(tmp_path, fmt):
    path = str(tmp_path / "m.duckdb")
    assert invoke(path, "-c", SETUP).exit_code == 0
    result = invoke(path, "-F", fmt, "--width", "84", "-c", QUERY)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == EXPECTED[fmt]


@pytest.mark.parametrize("fmt", sorted(EXPECTED))
def test_f_in_each_format_in_a_real_process(tmp_path, env, fmt):
    script = tmp_path / "setup.sql"
    script.write_text(f"-- set up\n{SETUP};\n\n{QUERY};\n")
    done = ucsql(env, str(tmp_path / "m.duckdb"), "-f", str(script), "-F", fmt, "--width", "84",
                 principal="alice")
    assert done.returncode == 0, done.stderr
    if fmt in ("csv", "json"):  # messages go to stderr: stdout is only data
        assert (done.stdout, done.stderr) == (EXPECTED[fmt], "Created catalog prod.\n")
    else:
        assert done.stdout == "Created catalog prod.\n" + EXPECTED[fmt]


def test_f_stops_at_the_first_error_with_file_and_line(tmp_path, env):
    script = tmp_path / "setup.sql"
    script.write_text("CREATE CATALOG a;\n\n-- oops\nDROP CATALOG\n  nope;\nCREATE CATALOG b;\n")
    path = str(tmp_path / "m.duckdb")
    done = ucsql(env, path, "-f", str(script), principal="alice")
    assert (done.returncode, done.stdout) == (1, "Created catalog a.\n")
    assert done.stderr == (f"Error: {script}:4: Catalog nope does not exist. Use SHOW CATALOGS to "
                           "see the catalogs you can use.\n")
    shown = ucsql(env, path, "-F", "csv", "-c", "SELECT catalog_name FROM "
                  "system.information_schema.catalogs ORDER BY 1", principal="alice")
    assert shown.stdout == "catalog_name\na\nmain\n"  # a stayed done, b never ran


def test_f_with_a_syntax_error_runs_nothing(tmp_path, env):
    script = tmp_path / "bad.sql"
    script.write_text("CREATE CATALOG a;\nCREATE CATALOG b\n  COMMENT;\n")
    done = ucsql(env, str(tmp_path / "m.duckdb"), "-f", str(script), principal="alice")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith(f"Error: {script}:3: Syntax error at line 3, column 10: ")
    assert done.stderr.endswith("\n    COMMENT;\n           ^\n")
    assert "Traceback" not in done.stderr


def test_f_missing_file_is_a_usage_error(tmp_path):
    result = invoke(str(tmp_path / "new.duckdb"), "-f", str(tmp_path / "nope.sql"))
    assert result.exit_code == 2
    assert "cannot read" in result.stderr and "nope.sql" in result.stderr
    assert not (tmp_path / "new.duckdb").exists()  # nothing was created


def test_f_dash_reads_stdin_and_json_of_no_rows_is_empty(tmp_path):
    result = invoke(str(tmp_path / "m.duckdb"), "-F", "json", "-f", "-",
                    input="SHOW CATALOGS LIKE 'zz*';\nDROP CATALOG zz;\n")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == ("Error: <stdin>:2: Catalog zz does not exist. Use SHOW CATALOGS "
                             "to see the catalogs you can use.\n")


def test_markdown_escapes_pipes_and_line_breaks(tmp_path):
    result = invoke(":memory:", "-F", "markdown", "-c", "SELECT 'a|b' AS \"x|y\", 'one\ntwo' AS z")
    assert result.stdout == "| x\\|y | z |\n|---|---|\n| a\\|b | one<br>two |\n"


# -- values Python cannot hold --------------------------------------------------------------------

FAR_FUTURE = ("SELECT to_timestamp(1e12) AS t, 'infinity'::TIMESTAMP AS i, "
              "DATE '99999-01-01' AS d, [to_timestamp(1e12)] AS l")


@pytest.mark.parametrize("fmt, expected", [
    ("table", "+----------------------------+----------+-------------+------------------------------+\n"
              "| t                          | i        | d           | l                            |\n"
              "+----------------------------+----------+-------------+------------------------------+\n"
              "| 33658-09-27 01:46:40+00:00 | infinity | 99999-01-01 | [33658-09-27 01:46:40+00:00] |\n"
              "+----------------------------+----------+-------------+------------------------------+\n"
              "(1 row)\n"),
    ("json", '{"t": "33658-09-27 01:46:40+00:00", "i": "infinity", "d": "99999-01-01", '
             '"l": ["33658-09-27 01:46:40+00:00"]}\n'),
    ("csv", 't,i,d,l\n33658-09-27 01:46:40+00:00,infinity,99999-01-01,'
            '"[""33658-09-27 01:46:40+00:00""]"\n'),
])
def test_times_past_the_year_9999_are_printed(fmt, expected, tmp_path, env):
    """Python's datetime ends at 9999 (an OverflowError); the CLI prints them as text."""
    done = ucsql(env, ":memory:", "-F", fmt, "-c", FAR_FUTURE, principal="alice")
    assert (done.returncode, done.stdout, done.stderr) == (0, expected, "")


def test_fetching_times_past_the_year_9999_says_to_use_arrow():
    import ucsql as api
    from ucsql.errors import InvalidArgument
    with api.connect(principal="alice") as cat:
        result = cat.sql(FAR_FUTURE)
        with pytest.raises(InvalidArgument) as e:
            result.fetchall()
        assert str(e.value) == (
            "Column 't' holds a value Python cannot represent (date value out of range; Python's "
            "times and dates end at the year 9999). Read the result with .arrow(), which keeps "
            "every value; printing the result shows it as text.")
        assert result.arrow().column("t").cast("int64").to_pylist() == [10**18]
        assert "| 33658-09-27 01:46:40+00:00 |" in str(result)
        assert "<td>33658-09-27 01:46:40+00:00</td>" in result._repr_html_()
        # A time Python can hold still comes back as a datetime.
        assert cat.sql("SELECT to_timestamp(0) AS t").scalar().year == 1970


# -- -1 / --single-transaction ----------------------------------------------------------------------

def test_single_transaction_script_that_fails_applies_nothing(tmp_path, env):
    script = tmp_path / "setup.sql"
    script.write_text("CREATE CATALOG a;\nCREATE SCHEMA a.s;\nDROP CATALOG nope;\nCREATE CATALOG b;\n")
    path = str(tmp_path / "m.duckdb")
    done = ucsql(env, path, "-1", "-f", str(script), principal="alice")
    assert done.returncode == 1
    first, second = done.stderr.splitlines()
    assert first.startswith(f"Error: {script}:3: Catalog nope does not exist.")
    assert second.startswith("Nothing was applied")
    shown = ucsql(env, path, "-F", "csv", "-c", "SELECT catalog_name FROM "
                  "system.information_schema.catalogs ORDER BY 1", principal="alice")
    assert shown.stdout == "catalog_name\nmain\n"  # a (and its schema) rolled back, b never ran
    # The failure is still in the audit log; the undone statements are not.
    audit = ucsql(env, path, "-F", "csv", "-c", "SELECT action, result FROM system.access.audit "
                  "WHERE action IN ('CREATE_CATALOG', 'CREATE_SCHEMA', 'DROP_CATALOG') ORDER BY 1",
                  principal="alice")
    assert audit.stdout == "action,result\nDROP_CATALOG,FAILED\n", audit.stderr


def test_single_transaction_piped_script_applies_everything(tmp_path, env):
    path = str(tmp_path / "m.duckdb")
    done = ucsql(env, path, "--single-transaction", principal="alice",
                 input="CREATE CATALOG a; CREATE SCHEMA a.s; CREATE MODEL a.s.m;")
    assert done.returncode == 0, done.stderr
    shown = ucsql(env, path, "-F", "csv", "-c", "SHOW MODELS IN a.s", principal="alice")
    assert "m" in shown.stdout.splitlines()[1], shown.stdout
    again = ucsql(env, path, "-1", "-c", "CREATE CATALOG b; CREATE CATALOG a", principal="alice")
    assert again.returncode == 1 and "Nothing was applied" in again.stderr
    shown = ucsql(env, path, "-F", "csv", "-c", "SHOW CATALOGS", principal="alice")
    assert [line.split(",")[0] for line in shown.stdout.splitlines()] == ["catalog", "a", "main"]


# -- Ctrl-C ---------------------------------------------------------------------------------------

def test_ctrl_c_cancels_a_c_statement(tmp_path, env):
    import signal
    import time
    running = subprocess.Popen(
        [sys.executable, "-m", "ucsql", str(tmp_path / "m.duckdb"), "-c",
         "SELECT sum(hash(range)) FROM range(1_000_000_000_000)"],  # hours, uncancelled
        env=dict(env, UCSQL_PRINCIPAL="alice"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        time.sleep(3)  # started, and inside the query
        running.send_signal(signal.SIGINT)
        out, err = running.communicate(timeout=20)
    finally:
        running.kill()
    assert running.returncode == 130, err
    assert err.strip() == "Cancelled: nothing of the statement was applied."
    assert out == ""


# -- expanded display -------------------------------------------------------------------------------

def test_x_prints_one_field_per_line(tmp_path):
    result = invoke(str(tmp_path / "m.duckdb"), "-x", "-c",
                    "CREATE CATALOG prod COMMENT 'for production'; SHOW CATALOGS")
    assert result.exit_code == 0, result.output
    assert result.stdout == """\
Created catalog prod.
-[ RECORD 1 ]------------
catalog | main
owner   | alice
comment | Default catalog
-[ RECORD 2 ]-----------
catalog | prod
owner   | alice
comment | for production
(2 rows)
"""
