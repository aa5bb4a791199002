"""Issue 13, item 6: a process on the server's machine that opens a metastore ``ucsql serve``
holds talks to that server instead of waiting for the file, with the trust it would have had
opening the file: as the principal it claims, audited as a local client."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap

import pytest

import ucsql
import ucsql.local_clients
from tests.serve_helpers import Server

pytest.importorskip("flask", reason="the server needs the 'server' extra (full mlflow)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("local"))
    yield s
    s.stop()


def _job(server, script: str, principal: str) -> tuple[dict, str]:
    """A local training job: the registry URI is the file's, tracking is its own folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "UCSQL_"))}
    env.update(UCSQL_PRINCIPAL=principal, PYTHONWARNINGS="ignore", MLFLOW_DISABLE_TELEMETRY="true",
               MLFLOW_TRACKING_URI=f"sqlite:///{server.folder}/job-{principal}.db",
               MLFLOW_REGISTRY_URI=f"ucsql://{server.path}")
    done = subprocess.run([sys.executable, "-c", "import json\n" + textwrap.dedent(script)],
                          env=env, capture_output=True, text=True, timeout=600,
                          cwd=server.folder)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_the_serving_file_is_as_private_as_the_metastore(server):
    serving = os.stat(server.path + ".serving")
    metastore = os.stat(server.path)
    group_writes = metastore.st_mode & stat.S_IWGRP
    assert stat.S_IMODE(serving.st_mode) == (0o640 if group_writes else 0o600)
    assert serving.st_gid == metastore.st_gid


def test_mlflow_on_the_server_s_machine_keeps_its_ucsql_uri(server):
    out, stderr = _job(server, """
        import mlflow
        from mlflow import MlflowClient
        from sklearn.datasets import load_iris
        from sklearn.tree import DecisionTreeClassifier
        X, y = load_iris(return_X_y=True)
        tree = DecisionTreeClassifier(max_depth=2).fit(X, y)
        with mlflow.start_run():
            info = mlflow.sklearn.log_model(tree, name="model", input_example=X[:2],
                                            registered_model_name="main.default.local_iris",
                                            skops_trusted_types=["sklearn.tree._tree.Tree"])
        c = MlflowClient()
        c.set_registered_model_alias("main.default.local_iris", "Champion", "1")
        loaded = mlflow.pyfunc.load_model("models:/main.default.local_iris@Champion")
        copy = c.copy_model_version("models:/main.default.local_iris/1", "main.default.local_copy")
        print(json.dumps({
            "store": type(c._get_registry_client().store).__name__,
            "prediction": [int(p) for p in loaded.predict(X[:3])],
            "version": c.get_model_version_by_alias("main.default.local_iris", "Champion").version,
            "copy": copy.version,
            "names": sorted(m.name for m in c.search_registered_models())}))
    """, "alice")
    assert out["store"] == "ServedRegistryStore"
    assert out["prediction"] == [0, 0, 0] and out["version"] == "1" and out["copy"] == "1"
    assert {"main.default.local_iris", "main.default.local_copy"} <= set(out["names"])
    assert stderr.count("is held by ucsql serve") == 1  # said once
    # The upload the version was made from is gone: the version has its own copy.
    uploads = os.path.join(server.path + ".mlflow", "artifacts", "ucsql-local")
    assert not os.path.isdir(uploads) or os.listdir(uploads) == []


def test_a_local_client_has_its_principal_s_rights_only(server):
    out, _ = _job(server, """
        import mlflow
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException
        c = MlflowClient()
        def attempt(call):
            try:
                call()
                return "allowed"
            except MlflowException as e:
                return e.error_code
        print(json.dumps({
            "seen": sorted(m.name for m in c.search_registered_models()),
            "alias": attempt(lambda: c.set_registered_model_alias(
                "main.default.local_iris", "Champion", "1")),
            "load": attempt(lambda: mlflow.pyfunc.load_model("models:/main.default.local_iris/1"))}))
    """, "carol")
    assert out == {"seen": [], "alias": "PERMISSION_DENIED", "load": "PERMISSION_DENIED"}


def test_local_requests_are_audited_as_local(server):
    server.stop()
    try:
        with ucsql.connect(server.path, principal="alice") as cat:
            rows = cat.sql("SELECT DISTINCT principal, token_id FROM system.access.audit "
                           "WHERE token_id = 'local'").fetchall()
    finally:
        server.start()
    assert ("alice", "local") in rows and ("carol", "local") in rows


def test_the_api_and_the_cli_reach_a_served_file_through_its_server(server):
    cat = ucsql.connect(server.path, principal="alice")
    try:
        assert type(cat).__name__ == "RemoteCatalog" and cat.principal == "alice"
        # A change made this way is the server's: tokens can be made while it runs.
        token = cat.sql("CREATE TOKEN FOR bob COMMENT 'made while serving'").details["token"]
        assert "main" in [r[0] for r in cat.sql("SHOW CATALOGS").fetchall()]
    finally:
        cat.close()
    bob = ucsql.connect(server.url, token=token)
    assert bob.principal == "bob"
    bob.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("UCSQL_")}
    shown = subprocess.run([sys.executable, "-m", "ucsql", server.path, "-c", "SELECT current_user"],
                           env={**env, "UCSQL_PRINCIPAL": "carol"}, capture_output=True,
                           text=True, timeout=300)
    assert shown.returncode == 0, shown.stderr
    assert "carol" in shown.stdout and "is held by ucsql serve" in shown.stderr
    maintenance = subprocess.run([sys.executable, "-m", "ucsql", "gc", server.path],
                                 env=env, capture_output=True, text=True, timeout=300)
    assert maintenance.returncode != 0 and "Traceback" not in maintenance.stderr
    assert "stop the server first" in maintenance.stderr


def test_a_wrong_local_secret_is_refused_and_audited(server):
    import requests
    forged = "ucsqllocal_" + "0" * 64 + "_YWxpY2U="  # 'alice', with a secret that is not it
    answer = requests.get(server.url + "/api/2.0/mlflow/registered-models/search",
                          headers={"Authorization": f"Bearer {forged}"}, timeout=60)
    assert answer.status_code == 401
    # The secret proves who may open the file, not who the user is: naming someone else with
    # HTTP Basic proves nothing either.
    served = ucsql.local_clients.find(server.path)
    answer = requests.get(server.url + "/api/2.0/mlflow/registered-models/search",
                          auth=("bob", served.credential("alice")), timeout=60)
    assert answer.status_code == 401
    answer = requests.get(server.url + "/api/2.0/mlflow/registered-models/search",
                          auth=("alice", served.credential("alice")), timeout=60)
    assert answer.status_code == 200
