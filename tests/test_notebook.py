"""The notebook magics in a real IPython shell: ``%load_ext ucsql``, then cells run with
``run_cell`` exactly as Jupyter would run them (never the magic functions called directly)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("IPython")
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import ucsql

REPO = Path(__file__).resolve().parent.parent
HOSTILE = "x'); DROP CATALOG prod; -- {y} :z $w \\ \" `"


@pytest.fixture
def ip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


def cell(ip, code: str):
    """Run one cell; fail on any error but a UsageError (which the caller checks)."""
    result = ip.run_cell(code)
    if result.error_before_exec or (result.error_in_exec
                                    and not isinstance(result.error_in_exec, UsageError)):
        raise AssertionError(f"cell failed: {code!r}: {result.error_before_exec!r} "
                             f"{result.error_in_exec!r}")
    return result


def connected(ip, tmp_path, principal="alice"):
    cell(ip, "%load_ext ucsql")
    cell(ip, f"%ucsql --connect {tmp_path / 'm.duckdb'} --principal {principal}")


def test_connect_grant_and_show_grants_into_a_dataframe(ip, tmp_path, capsys):
    connected(ip, tmp_path)
    assert "Connected to" in capsys.readouterr().out
    cell(ip, "%ucsql CREATE CATALOG prod")
    cell(ip, "%ucsql CREATE GROUP `ml-team`")
    cell(ip, "%ucsql GRANT USE CATALOG, BROWSE ON CATALOG prod TO `ml-team`")
    cell(ip, "grants = %ucsql SHOW GRANTS ON CATALOG prod\ndf = grants.df()")
    df = ip.user_ns["df"]
    assert list(df.columns) == ["principal", "actionType", "objectType", "objectKey"]
    assert sorted(df["actionType"]) == ["BROWSE", "USE_CATALOG"]
    assert set(df["principal"]) == {"ml-team"}
    # the same result as Arrow, and as Jupyter shows it (HTML)
    grants = ip.user_ns["grants"]
    assert grants.arrow().num_rows == 2
    html = ip.display_formatter.format(grants)[0]["text/html"]
    assert html.startswith("<table>") and "<td>USE_CATALOG</td>" in html and "2 rows" in html
    # and the change really is in the file, seen through the Python API
    with ucsql.connect(tmp_path / "m.duckdb", "alice") as cat:
        rows = cat.sql("SHOW GRANTS `ml-team` ON CATALOG prod").fetchall()
    assert {r[1] for r in rows} == {"USE_CATALOG", "BROWSE"}


def test_cell_magic_returns_the_last_result(ip, tmp_path):
    connected(ip, tmp_path)
    result = cell(ip, "%%ucsql\nCREATE CATALOG prod;\nCREATE SCHEMA prod.ml_team;\n"
                      "SHOW SCHEMAS IN prod")
    assert result.result.fetchall() == [("prod", "ml_team", "alice", None)]
    # The cell's value is in IPython's output history (Out[n]; also `_`, unless something put a
    # `_` in builtins, as gettext does, when IPython leaves `_` alone).
    out = ip.user_ns["Out"]
    assert out[max(out)] is result.result


@pytest.mark.parametrize("placeholder", ["{note}", ":note", "$note"])
def test_parameters_are_bound_and_a_hostile_value_is_stored_literally(ip, tmp_path, placeholder):
    connected(ip, tmp_path)
    ip.user_ns["note"] = HOSTILE
    ip.user_ns["name"] = "prod"
    cell(ip, "%ucsql CREATE CATALOG prod")
    cell(ip, f"%ucsql COMMENT ON CATALOG prod IS {placeholder}")
    found = cell(ip, "%%ucsql\nSELECT comment FROM system.information_schema.catalogs\n"
                     "WHERE catalog_name = {name}")
    assert found.result.scalar() == HOSTILE
    # in a SELECT too: the value comes back as it went in, nothing ran
    echoed = cell(ip, f"%ucsql SELECT {placeholder} AS v, '{{name}}' AS literal")
    assert echoed.result.fetchall() == [(HOSTILE, "{name}")]
    with ucsql.connect(tmp_path / "m.duckdb", "alice") as cat:
        assert cat.sql("SELECT comment FROM system.information_schema.catalogs WHERE "
                       "catalog_name = 'prod'").scalar() == HOSTILE


def test_variables_inside_a_function_scope(ip, tmp_path):
    connected(ip, tmp_path)
    cell(ip, "def shout(word):\n    return get_ipython().run_line_magic('ucsql', "
             "'SELECT upper({word}) AS w').scalar()\nloud = shout('quiet')")
    assert ip.user_ns["loud"] == "QUIET"


def test_user_mistakes_show_the_message_without_a_traceback(ip, tmp_path, capsys):
    cell(ip, "%load_ext ucsql")
    result = cell(ip, "%ucsql SHOW CATALOGS")
    assert isinstance(result.error_in_exec, UsageError)
    assert "Not connected: run %ucsql --connect" in capsys.readouterr().err

    cell(ip, f"%ucsql --connect {tmp_path / 'm.duckdb'} --principal alice")
    for code, message in [
        ("%ucsql DROP CATALOG nope", "Catalog nope does not exist."),
        ("%ucsql SELEC 1", "Syntax error at line 1, column 1"),
        ("%ucsql SELECT {missing} AS x", "No Python variable named 'missing'"),
    ]:
        result = cell(ip, code)
        assert isinstance(result.error_in_exec, UsageError), code
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (code, err)


def test_switching_principal(ip, tmp_path, capsys):
    connected(ip, tmp_path)
    cell(ip, "%ucsql CREATE CATALOG prod")
    cell(ip, "%ucsql --principal bob")
    assert "Acting as bob." in capsys.readouterr().out
    assert cell(ip, "%ucsql SELECT current_user() AS me").result.scalar() == "bob"
    shown = cell(ip, "%ucsql SHOW CATALOGS").result
    assert [r[0] for r in shown] == ["main"]  # bob may not see prod
    refused = cell(ip, "%ucsql DROP CATALOG main")
    assert isinstance(refused.error_in_exec, UsageError)
    assert "Permission denied: bob" in capsys.readouterr().err


def test_polars(ip, tmp_path):
    pytest.importorskip("polars")
    connected(ip, tmp_path)
    cell(ip, "catalogs = %ucsql SHOW CATALOGS\nframe = catalogs.pl()")
    assert ip.user_ns["frame"]["catalog"].to_list() == ["main"]


def test_import_ucsql_does_not_import_ipython():
    code = "import sys, ucsql; print('IPython' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120, check=True)
    assert out.stdout.strip() == "False"


def test_readme_notebook_example(ip, tmp_path):
    """The README's Notebook block, one cell per blank-line-separated chunk."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Notebook", 1)[1]
    block = re.search(r"```(?:python|ipython)\n(.*?)```", section, re.DOTALL).group(1)
    cells = [c for c in block.split("\n\n") if c.strip()]
    assert cells[0].startswith("%load_ext ucsql") and cells[-1].startswith("%%ucsql")
    results = [cell(ip, c) for c in cells]
    assert all(r.error_in_exec is None for r in results)
    assert ip.user_ns["grants"].df()["principal"].tolist() == ["ml-team"]
    assert results[-1].result.fetchall() == [("prod", ip.user_ns["note"])]
    assert (tmp_path / "models.duckdb").exists()
