"""The interactive shell through a real pseudo-terminal (pexpect): typing, Tab completion,
errors and recovery, backslash commands, the README's session, and the progress bar (drawn in a
terminal, absent in a pipe). Also: every syntax form that \\h shows parses.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import write_model_dir
from ucsql import connect, dialect, syntax
from ucsql.handlers import _HANDLERS

pexpect = pytest.importorskip("pexpect")

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


@pytest.fixture
def env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "UCSQL_PRINCIPAL"}
    env.update(PYTHONPATH=str(REPO), UCSQL_HISTORY=str(tmp_path / "history"), TERM="xterm",
               PROMPT_TOOLKIT_NO_CPR="1", UCSQL_PRINCIPAL="alice")
    return env


def spawn(env, cwd, *args, width=120):
    return pexpect.spawn(sys.executable, ["-m", "ucsql", *args], env=env, cwd=str(cwd),
                         encoding="utf-8", timeout=60, dimensions=(50, width))


# -- a session ------------------------------------------------------------------------------------

def test_session_with_completion_error_recovery_and_commands(tmp_path, env):
    shell = spawn(env, tmp_path, "m.duckdb")
    prompt = "alice@m.duckdb>"  # prompt_toolkit draws the trailing space as a cursor move
    try:
        shell.expect_exact(prompt)
        shell.send("CREATE CATALOG prod; CREATE SCHEMA prod.ml_team;\r")
        shell.expect_exact("Created schema prod.ml_team.")
        shell.expect_exact(prompt)
        # Tab after MODEL: the only model name starting with prod.ml_team.i is filled in
        shell.send("CREATE MODEL prod.ml_team.iris COMMENT 'iris';\r")
        shell.expect_exact("Created model prod.ml_team.iris.")
        shell.expect_exact(prompt)
        shell.send("SHOW MODELS IN pr\t")   # after SHOW MODELS IN: schema names
        shell.expect_exact("od.ml_team")  # (the screen is redrawn from what changed)
        shell.send(";\r")
        shell.expect_exact("| prod.ml_team.iris | alice | iris ")
        shell.expect_exact(prompt)
        # keywords (in the case typed), privileges, model names and principals complete
        shell.send("gra\t")
        shell.expect_exact("grant")
        shell.send(" exec\t")
        shell.expect_exact("execute")  # in the case typed
        # (completion runs in the background: wait for the completed part before typing on)
        shell.send(" on function prod.ml_team.ir\t")
        shell.expect_exact("is")
        shell.send(" to ali\t")
        shell.expect_exact("ce")
        shell.send(";\r")
        shell.expect_exact("Granted EXECUTE on MODEL prod.ml_team.iris to alice.")
        shell.expect_exact(prompt)

        # an error: the message, the shell goes on
        shell.send("DROP CATALOG prod;\r")
        shell.expect_exact("Error: Catalog prod is not empty")
        shell.expect_exact(prompt)
        shell.send("SHOW SCHEMAS IN prod\r")   # no ';' yet: a second line
        shell.expect_exact("...>")
        shell.send("LIKE 'ml*';\r")
        shell.expect_exact("| ml_team ")
        shell.expect_exact(prompt)

        shell.send("half a statement")
        shell.sendintr()  # Ctrl-C drops the input, not the shell
        shell.expect_exact(prompt)

        shell.send("\\h GRANT\r")
        shell.expect_exact("GRANT CREATE CATALOG ON METASTORE TO platform;")
        shell.expect_exact(prompt)
        shell.send("\\format json\r")
        shell.expect_exact("Output format is json.")
        shell.send("SHOW CATALOGS LIKE 'pr*';\r")
        shell.expect_exact('{"catalog": "prod", "owner": "alice", "comment": null}')
        shell.send("\\timing on\r")
        shell.expect_exact("Timing is on.")
        shell.send("SELECT 1 AS x;\r")
        shell.expect(r"Time: \d+\.\d{3} s")
        shell.send("\\nonsense\r")
        shell.expect_exact("Error: unknown command \\nonsense. \\? lists the commands")
        shell.expect_exact(prompt)
        shell.send("\\q\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close()
    assert shell.exitstatus == 0
    assert "Traceback" not in (shell.before or "")
    history = (tmp_path / "history").read_text()
    assert "+SHOW SCHEMAS IN prod\n+LIKE 'ml*';" in history


def test_completion_shows_only_what_the_caller_may_see(tmp_path, env):
    path = tmp_path / "m.duckdb"
    setup = ("CREATE CATALOG prod; CREATE CATALOG secret; CREATE SCHEMA prod.ml; "
             "CREATE USER bob; GRANT USE CATALOG ON CATALOG prod TO bob")
    done = subprocess.run([sys.executable, "-m", "ucsql", str(path), "-c", setup], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    shell = spawn(dict(env, UCSQL_PRINCIPAL="bob"), tmp_path, "m.duckdb")
    try:
        shell.expect_exact("bob@m.duckdb>")
        shell.send("SHOW SCHEMAS IN \t")   # the menu: the catalogs bob may see
        shell.expect_exact("prod ")
        shown = shell.before
        shell.sendintr()
        shell.expect_exact("bob@m.duckdb>")
        shell.send("SHOW SCHEMAS IN p\t")
        shell.expect_exact("rod")
        shell.send(";\r")
        shell.expect_exact("(0 rows)")  # bob may use prod but sees no schema in it
        shell.expect_exact("bob@m.duckdb>")
        shell.sendeof()
        shell.expect(pexpect.EOF)
    finally:
        shell.close()
    assert "main" in shown and "secret" not in shown


# -- the README's session -------------------------------------------------------------------------

def readme_session() -> list[tuple[str, list[str]]]:
    """(input, expected output lines) of the console block in README's Shell section."""
    section = README.split("## Shell", 1)[1]
    block = re.search(r"```console\n(.*?)```", section, re.DOTALL).group(1)
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("alice@models.duckdb> "):
            steps.append((line.removeprefix("alice@models.duckdb> "), []))
        elif steps:
            steps[-1][1].append(line)
    return steps


def test_readme_shell_session(tmp_path, env):
    steps = readme_session()
    assert len(steps) >= 5 and steps[-1][0] == "\\q"
    shell = spawn(env, tmp_path, "models.duckdb", "--principal", "alice", width=100)
    try:
        for typed, expected in steps:
            shell.expect_exact("alice@models.duckdb>")
            shell.send(typed + "\r")
            for line in expected:
                shell.expect_exact(line)
        shell.expect(pexpect.EOF)
    finally:
        shell.close()
    assert shell.exitstatus == 0


# -- \h: the syntax shown parses --------------------------------------------------------------------

def test_every_syntax_form_shown_by_help_parses():
    forms = [form for topic in syntax.TOPICS for line in topic.lines
             for form in syntax.expansions(line)]
    assert len(forms) > 200
    kinds = set()
    for form in forms:
        kinds.add(type(dialect.parse(form)[0]))  # raises with line and caret if not
    missing = {cls.__name__ for cls in _HANDLERS if cls not in dialect.API_ONLY} - {
        cls.__name__ for cls in kinds}
    assert missing == set(), f"no \\h topic shows these statements: {missing}"


def test_expansions_spell_out_options_and_choices():
    assert syntax.expansions("DROP MODEL [IF EXISTS] m") == ("DROP MODEL IF EXISTS m",
                                                             "DROP MODEL m")
    assert syntax.expansions("A {B | C [D]} E") == ("A B E", "A C D E", "A C E")


def test_help_topics():
    assert [t.title for t in syntax.topics_for("grant")] == ["GRANT"]
    assert {t.title for t in syntax.topics_for("ALTER MODEL")} >= {
        "ADD VERSION", "DROP VERSION", "RENAME", "OWNER TO", "ALIAS", "SET TAGS"}
    assert [t.title for t in syntax.topics_for("add version")] == ["ADD VERSION"]
    assert "No statement matches 'frobnicate'" in syntax.help_text("frobnicate")
    assert "USE SCHEMA" in syntax.help_text("REVOKE")


# -- progress -------------------------------------------------------------------------------------

@pytest.fixture
def big_model(tmp_path):
    source = write_model_dir(tmp_path / "big_model")
    (source / "weights.bin").write_bytes(os.urandom(64 << 20))
    return source


def setup_sql(source):
    return (f"CREATE MODEL m; ALTER MODEL m ADD VERSION FROM '{source}'; "
            "CREATE CATALOG c; CREATE SCHEMA c.s; "
            + " ".join(f"CREATE MODEL c.s.m{i}; ALTER MODEL c.s.m{i} ADD VERSION FROM "
                       f"'{source.parent / 'small'}';" for i in range(3)))


def test_progress_bar_in_a_terminal(tmp_path, env, big_model):
    write_model_dir(tmp_path / "small")
    shell = spawn(env, tmp_path, "m.duckdb", "-c", setup_sql(big_model), "-c",
                  "DROP CATALOG c CASCADE")
    shell.expect(pexpect.EOF)
    shell.close()
    out = shell.before
    assert shell.exitstatus == 0, out
    assert re.search(r"Copying model files \[#*-*\] +\d+%", out)
    assert "67.1/67.1 MB" in out
    assert "Removing model files [" in out and "3/3 versions" in out
    assert "Created version 1 of model main.default.m." in out
    assert "Dropped catalog c." in out


def test_no_progress_bar_in_a_pipe(tmp_path, env, big_model):
    write_model_dir(tmp_path / "small")
    connect(tmp_path / "m.duckdb", principal="alice").close()  # no "Created metastore" line
    done = subprocess.run([sys.executable, "-m", "ucsql", "m.duckdb", "-c", setup_sql(big_model),
                           "-c", "DROP CATALOG c CASCADE"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "\r" not in done.stdout and "Copying" not in done.stdout
    assert "Created version 1 of model main.default.m." in done.stdout.splitlines()
    assert done.stdout.endswith("Dropped catalog c.\n")


# -- Ctrl-C ---------------------------------------------------------------------------------------

LONG_QUERY = "SELECT sum(hash(range)) AS s FROM range(1_000_000_000_000);"  # hours, uncancelled


def test_ctrl_c_cancels_the_running_statement_and_the_shell_goes_on(tmp_path, env):
    shell = spawn(env, tmp_path, "m.duckdb")
    prompt = "alice@m.duckdb>"
    try:
        shell.expect_exact(prompt)
        shell.send(LONG_QUERY + "\r")
        time.sleep(2)  # running (it would take hours)
        shell.sendintr()
        shell.expect_exact("Cancelled: nothing of the statement was applied.", timeout=10)
        shell.expect_exact(prompt)
        shell.send("SELECT 6 * 7 AS answer;\r")
        shell.expect_exact("| 42 ")
        shell.expect_exact(prompt)
        shell.send("\\q\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)


# -- expanded display -------------------------------------------------------------------------------

def test_x_on_off_and_auto(tmp_path, env):
    shell = spawn(env, tmp_path, "m.duckdb", width=60)
    prompt = "alice@m.duckdb>"
    wide = "SELECT 'x' AS a, repeat('y', 70) AS b;"  # wider than the 60-column terminal
    try:
        shell.expect_exact(prompt)
        shell.send("\\x\r")
        shell.expect_exact("Expanded display is on.")
        shell.send("SELECT 1 AS a, 2 AS b;\r")
        shell.expect_exact("-[ RECORD 1 ]")
        shell.expect_exact("a | 1")
        shell.expect_exact("b | 2")
        shell.expect_exact(prompt)
        shell.send("\\x auto\r")
        shell.expect_exact("Expanded display is auto.")
        shell.send("SELECT 1 AS narrow;\r")  # fits: a table
        shell.expect_exact("| narrow |")
        shell.expect_exact(prompt)
        shell.send(wide + "\r")  # does not fit: expanded
        shell.expect_exact("-[ RECORD 1 ]")
        shell.expect_exact("a | x")
        shell.expect_exact(prompt)
        shell.send("\\x off\r")
        shell.expect_exact("Expanded display is off.")
        shell.send(wide + "\r")  # a table again, its long cell wrapped
        shell.expect_exact("| a | b ")
        shell.expect_exact(prompt)
        shell.send("\\x sideways\r")
        shell.expect_exact("Error: \\x takes on, off or auto, not 'sideways'.")
        shell.expect_exact(prompt)
        shell.send("\\q\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)


# -- pager ----------------------------------------------------------------------------------------

def test_long_results_go_through_the_pager_short_ones_do_not(tmp_path, env):
    shell = spawn(dict(env, PAGER="sed s/^/paged:/"), tmp_path, "m.duckdb")  # 50 lines tall
    prompt = "alice@m.duckdb>"
    try:
        shell.expect_exact(prompt)
        shell.send("SELECT range AS n FROM range(100);\r")
        shell.expect_exact("paged:| 99 ")
        shell.expect_exact("paged:(100 rows)")
        shell.expect_exact(prompt)
        shell.send("SELECT 7 AS n;\r")
        shell.expect(r"\r\n\| 7 +\|")  # fits: printed as it is
        shell.expect_exact(prompt)
        shell.send("\\q\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)


# -- completion of system views and their columns ---------------------------------------------------

def test_completion_of_system_views_and_of_the_columns_of_those_named(tmp_path, env):
    shell = spawn(env, tmp_path, "m.duckdb")
    prompt = "alice@m.duckdb>"
    try:
        shell.expect_exact(prompt)
        shell.send("SELECT count(*) FROM system.information_schema.registered_m\t")
        shell.expect_exact("odels")
        shell.send(" WHERE catalog_na\t")  # a column of the view the statement names
        shell.expect_exact("me")
        shell.send(" = 'main';\r")
        shell.expect_exact("| 0 ")
        shell.expect_exact(prompt)
        rest = " FROM system.information_schema.model_versions AS v WHERE v.stat"
        shell.send("SELECT v.vers" + rest + "\t")
        shell.expect_exact("us")  # a column, by the view's alias
        shell.send("\x1b[D" * (len(rest) + 2) + "\t")  # back after "v.vers": named after it
        shell.expect_exact("ion")
        shell.send("\x05 = 'READY';\r")  # Ctrl-E: to the end
        shell.expect_exact("| version |")
        shell.expect_exact("(0 rows)")
        shell.expect_exact(prompt)
        shell.send("\\q\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)


def test_columns_complete_only_for_views_the_caller_may_read(tmp_path, env):
    connect(tmp_path / "m.duckdb", principal="alice").close()
    shell = spawn(dict(env, UCSQL_PRINCIPAL="bob"), tmp_path, "m.duckdb")
    prompt = "bob@m.duckdb>"
    try:
        shell.expect_exact(prompt)
        shell.send("SELECT * FROM system.access.audit WHERE event_t\t")
        time.sleep(1)
        shell.send("x;\r")  # nothing was completed: the column as typed
        shell.expect_exact("Error: Permission denied: bob cannot read system.access.audit")
        shell.expect_exact(prompt)
        shell.send("\\q\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)
    with connect(tmp_path / "m.duckdb", principal="alice") as admin:
        statements = [r[0] for r in admin.sql(
            "SELECT statement FROM system.access.audit WHERE principal = 'bob'").fetchall()]
    assert "SELECT * FROM system.access.audit WHERE event_tx" in statements
    assert not any("event_time" in s for s in statements)


# -- wide one-row answers ---------------------------------------------------------------------------

@pytest.fixture
def one_version(tmp_path):
    source = write_model_dir(tmp_path / "model_dir")
    with connect(tmp_path / "m.duckdb", principal="alice") as cat:
        cat.sql("CREATE MODEL iris; ALTER MODEL iris ADD VERSION FROM ?", [str(source)])
    return "GET MODEL VERSION iris VERSION 1;"


def test_a_wide_answer_prints_expanded_at_a_terminal_unless_x_is_off(tmp_path, env, one_version):
    shell = spawn(env, tmp_path, "m.duckdb", width=100)
    prompt = "alice@m.duckdb>"
    try:
        shell.expect_exact(prompt)
        shell.send(one_version + "\r")
        shell.expect_exact("-[ RECORD 1 ]")
        shell.expect(r"full_name +\| main\.default\.iris\r\n")
        shell.expect(r"version +\| 1\r\n")
        shell.expect_exact("(1 row)")
        shell.expect_exact(prompt)
        shell.send("SHOW VERSIONS IN MODEL iris;\r")  # fits: a table
        shell.expect_exact("| version | status |")
        shell.expect_exact(prompt)
        shell.send("\\x off\r")
        shell.expect_exact("Expanded display is off.")
        shell.send(one_version + "\r")
        shell.expect_exact("+-----")  # a table, squeezed
        shell.expect_exact("(1 row)")
        assert "RECORD" not in shell.before
        shell.expect_exact(prompt)
        shell.send("\\q\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)


def test_c_prints_expanded_at_a_terminal_tables_in_a_pipe_unless_x(tmp_path, env, one_version):
    at_terminal = spawn(env, tmp_path, "m.duckdb", "-c", one_version, width=100)
    at_terminal.expect(pexpect.EOF)
    at_terminal.close()
    assert "-[ RECORD 1 ]" in at_terminal.before and "| full_name " not in at_terminal.before

    def piped(*flags):
        done = subprocess.run([sys.executable, "-m", "ucsql", "m.duckdb", "-c", one_version,
                               *flags], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert piped().startswith("+-----") and "| full_name " in piped()
    assert piped("--width", "80").startswith("+-----")
    expanded = piped("-x")
    assert expanded.startswith("-[ RECORD 1 ]") and "\nversion          | 1\n" in expanded
