"""SQL over HTTP (issue 13, item 5): a real ``ucsql serve`` on 127.0.0.1, reached by the stock
``databricks-sdk`` (the contract: Databricks' SQL Statement Execution API), by
``ucsql.connect(url, token=...)``, whose results and errors must be those of embedded ucsql, and
by the ``ucsql`` command, shell and notebook magic pointed at the URL."""

from __future__ import annotations

import datetime
import decimal
import doctest
import os
import secrets
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pyarrow as pa
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ucsql
from tests.serve_helpers import Server
from ucsql import placeholders
from ucsql.errors import (AlreadyExists, Cancelled, ParseError, PermissionDenied,
                          Unauthenticated, Unreachable)

pytest.importorskip("flask", reason="the server needs the 'server' extra (full mlflow)")
sdk = pytest.importorskip("databricks.sdk")
from databricks.sdk.service.sql import (  # noqa: E402
    Disposition,
    Format,
    StatementParameterListItem,
    StatementState,
)

REPO = Path(__file__).resolve().parent.parent
TTL = 8  # seconds a result is kept on this test's server (UCSQL_SQL_RESULT_TTL)
STATEMENTS = "/api/2.0/sql/statements"
FORMATS_ = ["JSON_ARRAY", "ARROW_STREAM", "CSV"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as env:
        env.setenv("UCSQL_SQL_RESULT_TTL", str(TTL))
        s = Server(tmp_path_factory.mktemp("sqlhttp"))
        yield s
        s.stop()


def workspace(server, who):
    return sdk.WorkspaceClient(host=server.url, token=server.tokens[who])


def post(server, who, body, route=STATEMENTS):
    headers = {"Authorization": f"Bearer {server.tokens[who]}"} if who else {}
    return requests.post(server.url + route, json=body, headers=headers, timeout=60)


def remote(server, who):
    return ucsql.connect(server.url, token=server.tokens[who])


# -- the databricks-sdk ---------------------------------------------------------------------------

def test_the_sdk_runs_a_query_with_a_named_parameter(server):
    w = workspace(server, "alice")
    answer = w.statement_execution.execute_statement(
        "SELECT :who AS who, current_user() AS me, :n + 1 AS n", warehouse_id="any",
        parameters=[StatementParameterListItem(name="who", value="it's bob'); --"),
                    StatementParameterListItem(name="n", value="41", type="INT")])
    assert answer.status.state == StatementState.SUCCEEDED
    columns = answer.manifest.schema.columns
    assert [(c.name, c.type_text) for c in columns] == [
        ("who", "STRING"), ("me", "STRING"), ("n", "INT")]
    assert answer.result.data_array == [["it's bob'); --", "alice", "42"]]
    assert answer.manifest.total_row_count == 1 and answer.manifest.truncated is False


def test_an_error_comes_back_failed_with_ucsql_s_code_and_message(server):
    w = workspace(server, "alice")
    answer = w.statement_execution.execute_statement("DROP CATALOG nope", warehouse_id="any")
    assert answer.status.state == StatementState.FAILED
    assert answer.status.error.message == ("Catalog nope does not exist. Use SHOW CATALOGS to "
                                           "see the catalogs you can use.")
    raw = post(server, "alice", {"statement": "DROP CATALOG nope", "warehouse_id": "any"})
    assert raw.status_code == 200
    assert raw.json()["status"]["error"]["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_arrow_stream_results_come_through_external_links(server):
    w = workspace(server, "bob")
    answer = w.statement_execution.execute_statement(
        "SELECT catalog_name, created FROM system.information_schema.catalogs",
        warehouse_id="any", format=Format.ARROW_STREAM, disposition=Disposition.EXTERNAL_LINKS)
    assert answer.status.state == StatementState.SUCCEEDED
    [link] = answer.result.external_links
    assert link.expiration and link.row_count == 1
    fetched = requests.get(link.external_link, timeout=60)  # no Authorization, as Databricks'
    assert fetched.headers["content-type"] == "application/vnd.apache.arrow.stream"
    table = pa.ipc.open_stream(fetched.content).read_all()
    assert table.column("catalog_name").to_pylist() == ["main"]
    assert pa.types.is_timestamp(table.schema.field("created").type)
    # Fetched whole, the result is dropped: the link is gone and the statement CLOSED.
    assert requests.get(link.external_link, timeout=60).status_code == 404
    assert w.statement_execution.get_statement(answer.statement_id).status.state == \
        StatementState.CLOSED


def test_csv_and_json_through_external_links(server):
    for fmt, expected in ((Format.CSV, "n,text\n1,a\n"), (Format.JSON_ARRAY, '[["1", "a"]]')):
        answer = workspace(server, "alice").statement_execution.execute_statement(
            "SELECT 1 AS n, 'a' AS text", warehouse_id="any", format=fmt,
            disposition=Disposition.EXTERNAL_LINKS)
        link = answer.result.external_links[0].external_link
        assert requests.get(link, timeout=60).text == expected


def test_large_results_come_in_chunks(server):
    w = workspace(server, "alice")
    answer = w.statement_execution.execute_statement(
        "SELECT unnest(range(25000)) AS n", warehouse_id="any")
    assert answer.manifest.total_chunk_count == 3 and answer.manifest.total_row_count == 25000
    assert answer.result.row_count == 10000 and answer.result.next_chunk_index == 1
    last = w.statement_execution.get_statement_result_chunk_n(answer.statement_id, 2)
    assert last.row_offset == 20000 and last.data_array[-1] == ["24999"]
    limited = w.statement_execution.execute_statement(
        "SELECT unnest(range(25000)) AS n", warehouse_id="any", row_limit=5)
    assert limited.manifest.truncated is True and len(limited.result.data_array) == 5


def test_bad_requests_are_400_with_a_message(server):
    bad = [({"statement": "SELECT 1", "format": "PARQUET"}, "format must be one of"),
           ({"statement": "SELECT 1", "format": "ARROW_STREAM"}, "needs disposition EXTERNAL_LINKS"),
           ({"statement": "SELECT 1", "wait_timeout": "3s"}, "wait_timeout must be 0s"),
           ({"statement": "SELECT 1", "catalog": "prod"}, "ucsql has no USE"),
           ({"statement": "SELECT :n", "parameters": [{"name": "n", "value": "x", "type": "INT"}]},
            "'x' is not a INT value"),
           ({"warehouse_id": "any"}, "statement must be the SQL text"),
           ({"statement": "SELECT 1", "ucsql": {"statement_id": "mine"}}, "a new random UUID")]
    for body, says in bad:
        answer = post(server, "alice", body)
        assert answer.status_code == 400, body
        assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE"
        assert says in answer.json()["message"], (body, answer.json())
    malformed = requests.post(server.url + STATEMENTS, data=b"{not json",
                              headers={"Authorization": f"Bearer {server.tokens['alice']}"},
                              timeout=60)
    assert malformed.status_code == 400 and "not JSON" in malformed.json()["message"]
    chosen = {"statement": "SELECT 1 AS x", "ucsql": {"statement_id": str(uuid.uuid4())}}
    assert post(server, "alice", chosen).json()["statement_id"] == chosen["ucsql"]["statement_id"]
    taken = post(server, "bob", chosen)  # (ids are ucsql's client's, random: this is a test)
    assert taken.status_code == 400 and "is taken" in taken.json()["message"]
    # The defaults names already have are accepted.
    ok = post(server, "alice", {"statement": "SELECT 1 AS x", "catalog": "main", "schema": "default"})
    assert ok.json()["status"]["state"] == "SUCCEEDED"


def test_no_token_is_401_on_every_sql_route(server):
    for method, route in (("POST", STATEMENTS), ("GET", f"{STATEMENTS}/x"),
                          ("GET", f"{STATEMENTS}/x/result/chunks/0"),
                          ("POST", f"{STATEMENTS}/x/cancel"), ("GET", "/api/2.0/sql/session"),
                          ("GET", "/api/2.0/sql/results/short")):  # not a link's shape
        answer = requests.request(method, server.url + route, json={}, timeout=60)
        assert answer.status_code == 401, route
    with pytest.raises(Unauthenticated, match="The token is not valid"):
        ucsql.connect(server.url, token=server.dropped)


def test_a_statement_belongs_to_who_ran_it(server):
    answer = post(server, "alice", {"statement": "SHOW CATALOGS"}).json()
    mine = f"{STATEMENTS}/{answer['statement_id']}"
    for who, expected in (("bob", 404), ("alice", 200)):
        headers = {"Authorization": f"Bearer {server.tokens[who]}"}
        assert requests.get(server.url + mine, headers=headers, timeout=60).status_code == expected
        assert requests.get(server.url + mine + "/result/chunks/0", headers=headers,
                            timeout=60).status_code == expected
    assert post(server, "bob", {}, mine + "/cancel").status_code == 404
    with remote(server, "alice") as cat:  # bob's tries at alice's statement are refusals
        rows = cat.sql("SELECT action, result, token_id FROM system.access.audit "
                       "WHERE principal = 'bob' AND securable_name = ?",
                       [answer["statement_id"]]).fetchall()
    bob = server.tokens["bob"].split("_")[1]
    assert sorted(rows) == [("CANCEL_STATEMENT", "DENIED", bob), ("GET_STATEMENT", "DENIED", bob),
                            ("GET_STATEMENT_RESULT", "DENIED", bob)]


def test_guessed_and_expired_result_links_are_404(server):
    secret = secrets.token_urlsafe(32)
    guessed = f"{server.url}/api/2.0/sql/results/{secret}"
    assert requests.get(guessed, timeout=60).status_code == 404
    with remote(server, "alice") as cat:  # audited, without the guessed secret
        rows = cat.sql("SELECT principal, result, statement, detail FROM system.access.audit "
                       "WHERE action = 'GET_RESULT_LINK'").fetchall()
    assert rows and all(r[:2] == ("anonymous", "DENIED") for r in rows)
    assert secret not in repr(rows)
    answer = post(server, "alice", {"statement": "SELECT 1 AS x", "format": "ARROW_STREAM",
                                    "disposition": "EXTERNAL_LINKS"}).json()
    link = answer["result"]["external_links"][0]["external_link"]
    time.sleep(TTL + 1)
    assert requests.get(link, timeout=60).status_code == 404
    assert post(server, "alice", {}, f"{STATEMENTS}/{answer['statement_id']}/cancel"
                ).status_code == 404  # the statement is forgotten too


def test_a_long_statement_is_answered_running_then_cancelled(server):
    slow = "SELECT count(*) FROM range(100000000000)"
    answer = post(server, "alice", {"statement": slow, "wait_timeout": "0s"}).json()
    assert answer["status"]["state"] in ("PENDING", "RUNNING")
    route = f"{STATEMENTS}/{answer['statement_id']}"
    assert post(server, "alice", {}, route + "/cancel").status_code == 200
    headers = {"Authorization": f"Bearer {server.tokens['alice']}"}
    while (state := requests.get(server.url + route, headers=headers, timeout=60)
           .json()["status"]["state"]) in ("PENDING", "RUNNING"):
        time.sleep(0.1)
    assert state == "CANCELED"
    waited = post(server, "alice", {"statement": slow, "wait_timeout": "5s",
                                    "on_wait_timeout": "CANCEL"}).json()
    assert waited["status"]["state"] == "CANCELED"
    assert waited["status"]["error"]["error_code"] == "ABORTED"


_ANY = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)
_FIELDS = {
    "statement": st.sampled_from(["SHOW CATALOGS", "SELECT :x AS x", "SELEC", "", "DROP CATALOG "
                                  "main", "SELECT 1 AS a; SHOW GRANTS ON CATALOG main"]) | _ANY,
    "parameters": st.lists(st.fixed_dictionaries({}, optional={
        "name": st.sampled_from(["x", "1", ""]) | _ANY,
        "value": st.sampled_from(["1", "x", "2026-12-03"]) | _ANY,
        "type": st.sampled_from(["INT", "STRING", "DATE", "BOOLEAN", "MAP<INT,INT>"]) | _ANY}),
        max_size=3) | _ANY,
    "format": st.sampled_from(FORMATS_ + ["arrow_stream"]) | _ANY,
    "disposition": st.sampled_from(["INLINE", "EXTERNAL_LINKS"]) | _ANY,
    "wait_timeout": st.sampled_from(["0s", "5s", "10s", "51s", "1m"]) | _ANY,
    "on_wait_timeout": st.sampled_from(["CONTINUE", "CANCEL"]) | _ANY,
    "row_limit": st.integers(-1, 3) | _ANY, "byte_limit": st.integers(-1, 100) | _ANY,
    "catalog": st.sampled_from(["main", "prod"]) | _ANY, "schema": _ANY, "warehouse_id": _ANY,
    "ucsql": _ANY,
}


@settings(max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.fixed_dictionaries({}, optional=_FIELDS) | _ANY)
def test_any_request_body_is_answered_200_or_400_never_500(server, body):
    answer = post(server, "bob", body)
    assert answer.status_code in (200, 400), (body, answer.status_code, answer.text[:500])
    said = answer.json()
    if answer.status_code == 400:
        assert said["error_code"] == "INVALID_PARAMETER_VALUE" and said["message"]
    else:
        assert said["status"]["state"] in ("PENDING", "RUNNING", "SUCCEEDED", "FAILED",
                                           "CANCELED")


# -- ucsql.connect(url) -----------------------------------------------------------------------------

SAME = ["SHOW CATALOGS", "SHOW GRANTS ON CATALOG main", "SHOW SCHEMAS IN main",
        "DESCRIBE CATALOG main", "SHOW USERS IN GROUP `account users`",
        "SELECT * FROM system.information_schema.catalogs",
        "SELECT * FROM system.information_schema.schemata ORDER BY ALL",
        "SELECT catalog_name, created, [1, 2] AS l, {'a': 1.5} AS s, 12.5::DECIMAL(9,2) AS d "
        "FROM system.information_schema.catalogs"]


def outcomes(cat):
    """Each statement of SAME, as a Result or as the error it raised (type, message, line)."""
    out = []
    for q in SAME + ["SELECT ? AS n, ? AS t"]:
        try:
            out.append(cat.sql(q, [7, "x"] if "?" in q else None))
        except ucsql.errors.UcsqlError as e:
            out.append((type(e), e.message, e.line))
    return out


def test_results_over_http_equal_embedded(server):
    """The same statements, as the same principals, through the server and embedded (once the
    server has let go of the file): the same Arrow tables, text, messages and details, or the
    same errors (bob may not SHOW GRANTS ON CATALOG main)."""
    over_http = {}
    for who in ("alice", "bob"):
        with remote(server, who) as cat:
            assert repr(cat) == f"<ucsql.RemoteCatalog {server.url} as {who}>"
            over_http[who] = outcomes(cat)
    assert isinstance(over_http["bob"][1], tuple) and over_http["bob"][1][0] is PermissionDenied
    server.stop()
    try:
        for who in ("alice", "bob"):
            with ucsql.connect(server.path, principal=who) as cat:
                embedded = outcomes(cat)
            for q, got, expected in zip(SAME + ["?"], over_http[who], embedded):
                if isinstance(expected, tuple):
                    assert got == expected, (who, q)
                    continue
                assert got.arrow().equals(expected.arrow(), check_metadata=True), (who, q)
                assert got.fetchall() == expected.fetchall(), (who, q)
                assert str(got) == str(expected), (who, q)
                assert (got.message, got.details) == (expected.message, expected.details)
        with ucsql.connect(server.path, principal="alice") as cat:
            rows = cat.sql("SELECT DISTINCT principal, token_id FROM system.access.audit "
                           "WHERE statement LIKE 'SHOW SCHEMAS IN main%' AND token_id IS NOT NULL").fetchall()
        token_of = {who: t.split("_")[1] for who, t in server.tokens.items()}
        assert sorted(rows) == [("alice", token_of["alice"]), ("bob", token_of["bob"])]
    finally:
        server.start()


def test_parameters_keep_their_types(server):
    values = [True, 1.5, None, decimal.Decimal("12.50"), "it's",
              datetime.datetime(2026, 12, 3, 7, 33, 12, tzinfo=datetime.timezone.utc),
              datetime.date(2026, 12, 3), 2**40]
    query = "SELECT " + ", ".join(f"? AS v{i}" for i in range(len(values)))
    with remote(server, "alice") as cat, ucsql.connect(":memory:", principal="alice") as here:
        got, expected = cat.sql(query, values), here.sql(query, values)
        assert got.arrow().equals(expected.arrow()) and got.fetchall() == expected.fetchall()
        named = {"who": "bob", "n": 3}
        query = "SELECT $who AS who, $n + 1 AS n"
        assert cat.sql(query, named).arrow().equals(here.sql(query, named).arrow())


def test_a_grant_over_http_is_seen_by_another_token_holder(server):
    with remote(server, "alice") as alice, remote(server, "bob") as bob:
        assert alice.sql("CREATE CATALOG IF NOT EXISTS shared").message == "Created catalog shared."
        assert "shared" not in [r[0] for r in bob.sql("SHOW CATALOGS").fetchall()]
        with pytest.raises(PermissionDenied) as refused:
            bob.sql("GRANT USE CATALOG ON CATALOG main TO carol")
        assert refused.value.principal == "bob"
        granted = alice.sql("GRANT USE CATALOG ON CATALOG shared TO bob")
        assert granted.message == "Granted USE_CATALOG on CATALOG shared to bob."
        assert "shared" in [r[0] for r in bob.sql("SHOW CATALOGS").fetchall()]
        alice.sql("REVOKE USE CATALOG ON CATALOG shared FROM bob")
        assert "shared" not in [r[0] for r in bob.sql("SHOW CATALOGS").fetchall()]


def test_bob_sees_only_what_bob_may(server):
    with remote(server, "alice") as alice:
        alice.sql("CREATE CATALOG IF NOT EXISTS secret; CREATE SCHEMA IF NOT EXISTS secret.s; "
                  "CREATE MODEL IF NOT EXISTS secret.s.m; CREATE MODEL IF NOT EXISTS main.default.open")
    query = "SELECT full_name FROM system.information_schema.registered_models ORDER BY 1"
    with remote(server, "bob") as bob, remote(server, "carol") as carol:
        assert [r[0] for r in bob.sql(query)] == ["main.default.open"]
        assert carol.sql(query).fetchall() == []
        with pytest.raises(PermissionDenied, match="missing USE_CATALOG on CATALOG secret"):
            bob.sql("DESCRIBE MODEL secret.s.m")


def test_errors_are_the_embedded_classes_and_messages(server):
    embedded = ucsql.connect(":memory:", principal="alice")
    scripts = ["SELEC 1", "SHOW CATALOGS;\nDROP CATALOG nope", "CREATE CATALOG x y",
               "SELECT * FROM nope"]
    with remote(server, "alice") as cat:
        for script in scripts:
            with pytest.raises(ucsql.errors.UcsqlError) as over_http:
                cat.sql(script)
            with pytest.raises(ucsql.errors.UcsqlError) as here:
                embedded.sql(script)
            got, expected = over_http.value, here.value
            assert type(got) is type(expected), script
            assert (got.message, got.code, got.line) == (expected.message, expected.code,
                                                         expected.line), script
        with pytest.raises(ParseError) as parse:
            cat.sql("SHOW CATALOGS;\nSELEC 1")
        assert (parse.value.line, parse.value.column) == (2, 1)
    embedded.close()


def test_a_script_runs_as_embedded(server):
    with remote(server, "alice") as cat:
        results = []
        with pytest.raises(AlreadyExists) as twice:
            for result in cat.run("CREATE CATALOG s1;\nSHOW CATALOGS LIKE 's1';\nCREATE CATALOG s1"):
                results.append(result)
        assert [r.message for r in results] == ["Created catalog s1.", None]
        assert results[1].fetchall()[0][0] == "s1" and twice.value.line == 3
        with pytest.raises(AlreadyExists):  # one transaction: nothing of it stays
            cat.sql("CREATE CATALOG s2; CREATE CATALOG s1", single_transaction=True)
        with pytest.raises(ParseError):     # parsed whole first: nothing runs
            cat.sql("CREATE CATALOG s3; SELEC 1")
        names = [r[0] for r in cat.sql("SHOW CATALOGS")]
        assert "s1" in names and "s2" not in names and "s3" not in names
        assert cat.sql("-- only a comment").message == "Nothing to run."
        token = cat.sql("CREATE TOKEN FOR carol COMMENT 'ci'")
        assert token.details["principal"] == "carol"
        assert token.details["expires_at"].tzinfo is not None  # a datetime, as embedded


def test_cancel_from_another_thread_stops_the_statement(server):
    with remote(server, "alice") as cat:
        stopper = threading.Timer(1.0, cat.cancel)
        stopper.start()
        with pytest.raises(Cancelled):
            cat.sql("SELECT count(*) FROM range(100000000000)")
        stopper.join()
        assert cat.sql("SELECT 1 AS one").scalar() == 1


def test_bad_urls_and_tokens_fail_in_one_line(server, monkeypatch):
    monkeypatch.delenv("UCSQL_TOKEN", raising=False)
    with pytest.raises(Unauthenticated, match="No token for"):
        ucsql.connect(server.url)
    monkeypatch.setenv("UCSQL_TOKEN", server.tokens["carol"])
    assert ucsql.connect(server.url).principal == "carol"
    with pytest.raises(Unreachable, match="Connection refused"):
        ucsql.connect("http://127.0.0.1:1", token="x")
    with pytest.raises(ucsql.errors.InvalidArgument, match="not a server URL"):
        ucsql.connect("http://", token="x")
    with pytest.raises(ucsql.errors.InvalidArgument, match="leave principal out"):
        ucsql.connect(server.url, principal="alice")
    answer = ucsql.connect(server.url, authorization=f"Bearer {server.tokens['bob']}")
    assert answer.principal == "bob"


# -- the command line, the shell and the notebook -----------------------------------------------

def cli(server, *args, token=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("UCSQL_")}
    if token:
        env["UCSQL_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "ucsql", server.url, *args], env=env,
                          capture_output=True, text=True, timeout=120, cwd=REPO)


def test_the_command_runs_sql_on_a_server(server):
    out = cli(server, "-c", "SHOW CATALOGS LIKE 'main'; SHOW GRANTS ON CATALOG main", "-F", "csv",
              token=server.tokens["alice"])
    assert out.returncode == 0, out.stderr
    assert out.stdout == ("catalog,owner,comment\nmain,alice,Default catalog\n"
                          "principal,actionType,objectType,objectKey\n"
                          "account users,USE_CATALOG,CATALOG,main\nbob,USE_CATALOG,CATALOG,main\n")
    out = cli(server, "-c", "SHOW GRANTS ON CATALOG main", token=server.tokens["bob"])
    assert (out.returncode, out.stderr) == (1, "Error: Permission denied: bob cannot show the "
                                               "grants on CATALOG main: missing MANAGE on CATALOG "
                                               "main.\n")
    out = cli(server, "--token", server.tokens["alice"], "-c", "DROP CATALOG nope")
    assert (out.returncode, out.stderr) == (1, "Error: Catalog nope does not exist. Use SHOW "
                                               "CATALOGS to see the catalogs you can use.\n")
    wrong = server.tokens["bob"][:-4] + "AAAA"
    out = cli(server, "--token", wrong, "-c", "SHOW CATALOGS")
    assert out.returncode == 1 and out.stderr.startswith("Error: The token is not valid")
    assert wrong not in out.stdout + out.stderr and "Traceback" not in out.stderr
    out = cli(server, "--principal", "alice", "-c", "SHOW CATALOGS", token=server.tokens["bob"])
    assert out.returncode == 2 and "--principal is for a metastore file" in out.stderr


def test_the_shell_on_a_server(server, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    env = {k: v for k, v in os.environ.items() if not k.startswith("UCSQL_")}
    env.update(PYTHONPATH=str(REPO), UCSQL_HISTORY=str(tmp_path / "history"), TERM="xterm",
               PROMPT_TOOLKIT_NO_CPR="1", UCSQL_TOKEN=server.tokens["bob"])
    shell = pexpect.spawn(sys.executable, ["-m", "ucsql", server.url], env=env, cwd=str(tmp_path),
                          encoding="utf-8", timeout=60, dimensions=(50, 120))
    prompt = f"bob@{server.url.split('//')[1]}>"
    try:
        shell.expect_exact(prompt)
        shell.send("SHOW CATALOGS LIKE 'main';\r")
        shell.expect_exact("| main    | alice | Default catalog |")
        shell.expect_exact(prompt)
        shell.send("DROP CATALOG main;\r")
        shell.expect_exact("Error: ")
        shell.expect_exact(prompt)
        shell.send("SELECT count(*) FROM range(100000000000);\r")
        time.sleep(1)
        shell.sendintr()
        shell.expect_exact("Cancelled: nothing of the statement was applied.")
        shell.expect_exact(prompt)
        shell.send("\\q\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)


def test_the_notebook_magic_on_a_server(server, monkeypatch, capsys):
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell
    monkeypatch.delenv("UCSQL_TOKEN", raising=False)
    ip = InteractiveShell.instance()
    try:
        assert ip.run_cell("%load_ext ucsql").success
        assert ip.run_cell(f"%ucsql --connect {server.url} --token {server.tokens['bob']}").success
        said = capsys.readouterr().out
        assert said == f"Connected to {server.url} as bob.\n"
        ip.user_ns["name"] = "main"
        assert ip.run_cell("r = %ucsql SELECT catalog_name FROM system.information_schema."
                           "catalogs WHERE catalog_name = :name").success
        assert ip.user_ns["r"].fetchall() == [("main",)]
        monkeypatch.setenv("UCSQL_TOKEN", server.tokens["carol"])
        assert ip.run_cell(f"%ucsql {server.url}").success
        assert "as carol" in capsys.readouterr().out
        failed = ip.run_cell("%ucsql --principal alice")
        assert "act as the owner of your token" in str(failed.error_in_exec)
    finally:
        InteractiveShell.clear_instance()


def test_placeholders_doctests():
    assert doctest.testmod(placeholders).failed == 0
