"""``ucsql serve`` (issue 13): a real server on 127.0.0.1, reached by the stock MLflow client in
other processes that cannot import ucsql, with tokens, privileges and audit as through SQL."""

from __future__ import annotations

import select
import subprocess
import sys
import textwrap
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

import ucsql
from tests.serve_helpers import Server

pytest.importorskip("flask", reason="the server needs the 'server' extra (full mlflow)")

MLMODEL = """flavors:
  python_function: {loader_module: mlflow.sklearn, python_version: 3.11.0}
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
"""

ROUTES = [
    "/",
    "/health",
    "/api/2.0/mlflow/registered-models/search",
    "/ajax-api/2.0/mlflow/registered-models/search",
    "/api/2.0/mlflow/experiments/search?max_results=10",
    "/api/2.0/mlflow-artifacts/artifacts",
    "/ucsql/files/main.default.iris/1/mlflow-artifacts/artifacts",
    "/ucsql/files/main.default.iris/1/mlflow-artifacts/artifacts/MLmodel",
    "/model-versions/get-artifact?name=main.default.iris&version=1&path=MLmodel",
    "/static-files/favicon.ico",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("serve"))
    yield s
    s.stop()


def test_every_route_answers_401_without_a_valid_token(server):
    valid = server.tokens["bob"]
    flipped = valid[:-1] + ("A" if valid[-1] != "A" else "B")
    for route in ROUTES:
        for token in (None, "nonsense", flipped, server.dropped, valid + "x"):
            answer = server.get(route, token)
            assert answer.status_code == 401, (route, token, answer.text[:200])
            assert answer.json()["error_code"] == "UNAUTHENTICATED"
            assert "Basic" in answer.headers["WWW-Authenticate"]  # a browser asks for it
        assert server.get(route, valid).status_code != 401, route
    with ucsql.connect(server.url, token=server.tokens["alice"]) as cat:
        # Each refusal is audited: no credentials as "anonymous", bad tokens by their id, and
        # never a secret.
        rows = cat.sql("SELECT principal, statement, detail FROM system.access.audit "
                       "WHERE action = 'AUTHENTICATE' AND result = 'DENIED'").fetchall()
    assert {r[1] for r in rows if r[0] == "anonymous"} >= {f"-- HTTP GET {r.split('?')[0]}"
                                                            for r in ROUTES}
    assert valid not in repr(rows) and flipped not in repr(rows)


def test_basic_auth_takes_the_user_and_a_token_as_password(server):
    route = server.url + "/api/2.0/mlflow/registered-models/search"
    assert requests.get(route, auth=("bob", server.tokens["bob"]), timeout=60).status_code == 200
    # Someone else's name with bob's token proves nothing.
    answer = requests.get(route, auth=("alice", server.tokens["bob"]), timeout=60)
    assert answer.status_code == 401
    assert requests.get(route, auth=("bob", ""), timeout=60).status_code == 401


def test_a_training_job_registers_and_loads_through_the_server(server):
    out = server.client("alice", """
        import os
        import mlflow
        from mlflow import MlflowClient
        from sklearn.datasets import load_iris
        from sklearn.tree import DecisionTreeClassifier
        X, y = load_iris(return_X_y=True)
        tree = DecisionTreeClassifier(max_depth=2).fit(X, y)
        mlflow.set_experiment("iris")
        with mlflow.start_run() as run:
            mlflow.sklearn.log_model(tree, name="model", input_example=X[:2],
                                     registered_model_name="main.default.iris",
                                     skops_trusted_types=["sklearn.tree._tree.Tree"])
        c = MlflowClient()
        c.set_registered_model_alias("main.default.iris", "Champion", "1")
        c.set_model_version_tag("main.default.iris", "1", "stage", "ready")
        loaded = mlflow.pyfunc.load_model("models:/main.default.iris@Champion")
        second = mlflow.register_model(f"runs:/{run.info.run_id}/model", "main.default.iris")
        copy = c.copy_model_version("models:/main.default.iris/1", "main.default.iris_copy")
        first = c.search_registered_models(max_results=1)
        rest = c.search_registered_models(max_results=1, page_token=first.token)
        files = sorted(os.listdir(mlflow.artifacts.download_artifacts("models:/main.default.iris/1")))
        mv = c.get_model_version_by_alias("main.default.iris", "Champion")
        print(json.dumps({
            "predicted": loaded.predict(X[:3]).tolist(), "expected": tree.predict(X[:3]).tolist(),
            "second": second.version, "copy": [copy.name, copy.version],
            "pages": [m.name for m in first] + [m.name for m in rest],
            "files": files, "user": mv.user_id, "tags": mv.tags,
            "uri": c.get_model_version_download_uri("main.default.iris", "1"),
            "ucsql": sys.modules.get("ucsql") is not None}))
    """)
    assert out["predicted"] == out["expected"]
    assert out["second"] == "2" and out["copy"] == ["main.default.iris_copy", "1"]
    assert out["pages"] == ["main.default.iris", "main.default.iris_copy"]
    assert "MLmodel" in out["files"] and out["user"] == "alice"
    assert out["tags"] == {"stage": "ready"}
    assert out["uri"].startswith(server.url + "/ucsql/files/main.default.iris/1/")
    assert out["ucsql"] is False


def test_privileges_through_the_server_are_those_of_sql(server):
    """bob holds EXECUTE on main.default (granted in SQL): he loads alice's model but cannot
    move its alias; carol holds nothing: she sees no model and loads nothing."""
    script = """
        import mlflow
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException
        c = MlflowClient()
        seen = [m.name for m in c.search_registered_models()]
        def attempt(call):
            try:
                call()
                return "allowed"
            except MlflowException as e:
                return e.error_code
        print(json.dumps({
            "seen": seen,
            "load": attempt(lambda: mlflow.pyfunc.load_model("models:/main.default.iris/1")),
            "alias": attempt(lambda: c.set_registered_model_alias("main.default.iris", "Champion", "2")),
            "delete": attempt(lambda: c.delete_registered_model("main.default.iris"))}))
    """
    bob = server.client("bob", script)
    assert "main.default.iris" in bob["seen"]
    assert bob["load"] == "allowed"
    assert bob["alias"] == bob["delete"] == "PERMISSION_DENIED"
    carol = server.client("carol", script)
    assert carol["seen"] == []
    assert carol["load"] != "allowed" and carol["alias"] != "allowed"
    # The download route checks EXECUTE itself: knowing the URI is not enough.
    mlmodel = "/ucsql/files/main.default.iris/1/mlflow-artifacts/artifacts/MLmodel"
    answer = server.get(mlmodel, server.tokens["carol"])
    assert answer.status_code == 403 and answer.json()["error_code"] == "PERMISSION_DENIED"
    assert b"flavors:" in server.get(mlmodel, server.tokens["bob"]).content


def test_a_path_outside_the_version_is_refused(server):
    for path in ("../../../../etc/passwd", "%2e%2e/%2e%2e/team.duckdb"):
        answer = server.get("/ucsql/files/main.default.iris/1/mlflow-artifacts/artifacts/" + path,
                            server.tokens["alice"])
        assert answer.status_code in (403, 404), (path, answer.status_code)
        assert b"root:" not in answer.content and b"DUCK" not in answer.content


def test_the_server_registers_only_what_was_uploaded_to_it(server):
    """A token holder cannot make the server copy its own files into a version (and so read
    them): not as a path, not as file:, not through an experiment whose artifact_location
    points at them, not from an address only the server reaches."""
    secret = server.folder / "server-only"
    headers = {"Authorization": f"Bearer {server.tokens['alice']}"}

    def post(route, body):
        return requests.post(f"{server.url}/api/2.0/mlflow/{route}", json=body, headers=headers,
                             timeout=60)

    assert post("registered-models/create", {"name": "main.default.probe"}).status_code == 200
    experiment = post("experiments/create", {"name": "probe", "artifact_location":
                                             secret.as_uri()}).json()["experiment_id"]
    info = post("runs/create", {"experiment_id": experiment}).json()["run"]["info"]
    run = info["run_id"]
    # A complete model folder where the run's artifacts would be: only the server can read it.
    files = Path(urllib.parse.urlparse(info["artifact_uri"]).path)
    files.mkdir(parents=True)
    (files / "MLmodel").write_text(MLMODEL)
    (files / "key.txt").write_text("server secret")
    secret = files
    for body in ({"source": str(secret)}, {"source": secret.as_uri()},
                 {"source": f"runs:/{run}/", "run_id": run},
                 {"source": str(secret), "run_id": run},
                 {"source": "http://127.0.0.1:9/model"}):
        answer = post("model-versions/create", {"name": "main.default.probe", **body})
        assert answer.status_code == 400, (body, answer.text[:300])
        assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE"
        if body["source"].startswith("runs:"):
            assert "not a model uploaded to this server" in answer.json()["message"]
    listed = requests.get(f"{server.url}/api/2.0/mlflow/model-versions/search",
                          params={"filter": "name='main.default.probe'"}, headers=headers,
                          timeout=60).json()
    assert listed.get("model_versions", []) == []


def test_repeated_failures_from_one_client_are_slowed_down(server):
    started = time.monotonic()
    for _ in range(8):
        assert server.get("/health", "ucsql_0000000000000000_" + "x" * 43).status_code == 401
    assert time.monotonic() - started >= 1.5  # the 6th, 7th and 8th wait 0.25, 0.5, 1 s
    assert server.get("/health", server.tokens["alice"]).status_code == 200


def test_the_audit_names_each_request_s_principal_and_token(server):
    server.stop()
    with ucsql.connect(server.path, principal="alice") as cat:
        rows = cat.sql("SELECT principal, action, result, token_id FROM system.access.audit "
                       "WHERE principal IN ('bob', 'carol') ORDER BY audit_id").fetchall()
    token_of = {who: t.split("_")[1] for who, t in server.tokens.items()}
    assert rows, "no audit row for bob or carol"
    for principal, action, result, token_id in rows:
        assert token_id == token_of[principal], (principal, action, result, token_id)
    assert ("bob", "DENIED") in {(r[0], r[2]) for r in rows}
    assert ("carol", "DENIED") in {(r[0], r[2]) for r in rows}



def test_a_server_killed_mid_registration_loses_no_ready_version(tmp_path):
    """kill -9 while the server copies a version's files: what is READY afterwards has every
    file, byte for byte (``Catalog.check``), and the restarted server serves it. The job logs
    one model with a large file, then registers it again and again (each a server-side copy),
    printing a line per version; the kill comes while the next one is being copied."""
    server = Server(tmp_path)
    errors = open(tmp_path / "job.err", "w")
    job = subprocess.Popen([sys.executable, "-u", "-c", textwrap.dedent("""
        import sys
        sys.modules['ucsql'] = None
        import os, mlflow, pandas as pd
        from mlflow import MlflowClient
        class Echo(mlflow.pyfunc.PythonModel):
            def predict(self, context, model_input):
                return model_input
        with open("blob.bin", "wb") as f:
            f.write(os.urandom(32 * 1024 * 1024))
        info = mlflow.pyfunc.log_model(name="m", python_model=Echo(),
                                       artifacts={"blob": "blob.bin"},
                                       input_example=pd.DataFrame({"a": [1]}),
                                       registered_model_name="main.default.big")
        print("registered 1")
        client = MlflowClient()
        while True:
            v = client.create_model_version("main.default.big", info.model_uri,
                                            model_id=info.model_id)
            print("registered", v.version)
    """)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=errors, text=True,
        env=server.client_env("alice"))
    try:
        lines = []
        deadline = time.monotonic() + 600
        while len(lines) < 2:  # the second registration is done: the third is under way
            ready, _, _ = select.select([job.stdout], [], [], 5)
            if ready:
                line = job.stdout.readline()
                assert line, "the job stopped: " + (tmp_path / "job.err").read_text()[-3000:]
                lines.append(line)
            assert time.monotonic() < deadline, (lines, (tmp_path / "job.err").read_text()[-3000:])
        time.sleep(0.3)
        server.process.kill()
        server.process.wait(timeout=60)
    finally:
        job.kill()
        job.wait(timeout=60)
        errors.close()
    with ucsql.connect(server.path, principal="alice") as cat:
        assert cat.check().table.num_rows == 0  # no READY version misses or changed a file
        ready = cat.sql("SELECT count(*) FROM system.information_schema.model_versions "
                        "WHERE full_name = 'main.default.big' AND status = 'READY'").scalar()
    assert ready >= 2
    server.start()  # the same file, served again
    try:
        listed = server.get("/ucsql/files/main.default.big/2/mlflow-artifacts/artifacts"
                            "?path=artifacts", server.tokens["alice"])
        assert listed.status_code == 200
        assert listed.json()["files"] == [{"path": "blob.bin", "is_dir": False,
                                           "file_size": 32 * 1024 * 1024}]
    finally:
        server.stop()
