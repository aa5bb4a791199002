"""MLflow's tracking side on ``ucsql serve`` (issue 13): experiments, runs, logged models and
their files belong to whoever created them; other token holders read the metadata but cannot
change them, read their files or register them, until the owner hands the experiment to a group
they belong to. Refusals are MLflow's 403 with a message, change nothing and are audited."""

from __future__ import annotations

import requests
import pytest

import ucsql
from tests.serve_helpers import Server

pytest.importorskip("flask", reason="the server needs the 'server' extra (full mlflow)")

API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
MLMODEL = """flavors:
  python_function: {loader_module: mlflow.sklearn, python_version: 3.11.0}
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
"""


class Http:
    def __init__(self, server: Server, who: str):
        self.url = server.url
        self.headers = {"Authorization": f"Bearer {server.tokens[who]}"}

    def post(self, route, body):
        return requests.post(self.url + route, json=body, headers=self.headers, timeout=60)

    def get(self, route, **params):
        return requests.get(self.url + route, params=params, headers=self.headers, timeout=60)

    def put(self, route, data):
        return requests.put(self.url + route, data=data, headers=self.headers, timeout=60)

    def delete(self, route, body=None):
        return requests.delete(self.url + route, json=body, headers=self.headers, timeout=60)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("tracking"))
    with ucsql.connect(s.url, token=s.tokens["alice"]) as cat:
        cat.sql("GRANT CREATE MODEL ON SCHEMA main.default TO bob; CREATE GROUP outsiders")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def alices(server):
    """alice's experiment and run, with a model's files uploaded under the run."""
    alice = Http(server, "alice")
    experiment = alice.post(f"{API}/experiments/create", {
        "name": "alice-exp", "tags": [{"key": "ucsql.owner", "value": "bob"}]}).json()["experiment_id"]
    run = alice.post(f"{API}/runs/create", {"experiment_id": experiment, "user_id": "mallory",
                                            "tags": [{"key": "mlflow.user", "value": "mallory"}]})
    run = run.json()["run"]["info"]
    files = f"{ARTIFACTS}/{experiment}/{run['run_id']}/artifacts/model"
    assert alice.put(f"{files}/MLmodel", MLMODEL.encode()).status_code == 200
    assert alice.put(f"{files}/model.pkl", b"weights").status_code == 200
    logged = alice.post(f"{API}/logged-models", {"experiment_id": experiment, "name": "m",
                                                 "source_run_id": run["run_id"]})
    model_id = logged.json()["model"]["info"]["model_id"]
    model_files = f"{ARTIFACTS}/{experiment}/models/{model_id}/artifacts"
    assert alice.put(f"{model_files}/MLmodel", MLMODEL.encode()).status_code == 200
    return {"experiment": experiment, "run": run["run_id"], "files": files,
            "model_id": model_id, "model_files": model_files}


def _refused(answer, *words):
    assert answer.status_code == 403, (answer.status_code, answer.text[:300])
    body = answer.json()
    assert body["error_code"] == "PERMISSION_DENIED"
    for word in words:
        assert word in body["message"], body["message"]


def test_the_server_records_who_created_an_experiment_and_a_run(server, alices):
    alice = Http(server, "alice")
    experiment = alice.get(f"{API}/experiments/get", experiment_id=alices["experiment"]).json()
    tags = {t["key"]: t["value"] for t in experiment["experiment"]["tags"]}
    assert tags["ucsql.owner"] == "alice"  # not the "bob" the client sent
    run = alice.get(f"{API}/runs/get", run_id=alices["run"]).json()["run"]
    assert run["info"]["user_id"] == "alice"
    assert {t["key"]: t["value"] for t in run["data"]["tags"]}["mlflow.user"] == "alice"


def test_others_read_the_metadata_but_change_nothing(server, alices):
    bob = Http(server, "bob")
    assert bob.get(f"{API}/runs/get", run_id=alices["run"]).status_code == 200
    found = bob.post(f"{API}/runs/search", {"experiment_ids": [alices["experiment"]]}).json()
    assert [r["info"]["run_id"] for r in found["runs"]] == [alices["run"]]
    run, experiment = alices["run"], alices["experiment"]
    _refused(bob.post(f"{API}/runs/log-metric", {"run_id": run, "key": "acc", "value": 1.0,
                                                 "timestamp": 0}), "bob", f"run {run}", "alice's")
    _refused(bob.post(f"{API}/runs/set-tag", {"run_id": run, "key": "k", "value": "v"}))
    _refused(bob.post(f"{API}/runs/delete", {"run_id": run}))
    _refused(bob.post(f"{API}/runs/create", {"experiment_id": experiment}))
    _refused(bob.post(f"{API}/experiments/delete", {"experiment_id": experiment}))
    _refused(bob.post(f"{API}/experiments/update", {"experiment_id": experiment,
                                                    "new_name": "mine"}))
    _refused(bob.post(f"{API}/experiments/set-experiment-tag", {
        "experiment_id": experiment, "key": "ucsql.owner", "value": "bob"}))
    after = Http(server, "alice").get(f"{API}/runs/get", run_id=run).json()["run"]
    assert after["data"].get("metrics") is None and after["info"]["lifecycle_stage"] == "active"
    assert "k" not in {t["key"] for t in after["data"]["tags"]}


def test_others_cannot_read_or_overwrite_the_files(server, alices):
    bob, alice = Http(server, "bob"), Http(server, "alice")
    files, run = alices["files"], alices["run"]
    _refused(bob.get(f"{files}/model.pkl"), "read the files of")
    _refused(bob.get(ARTIFACTS, path=files.removeprefix(ARTIFACTS + "/")))
    _refused(bob.get("/get-artifact", run_uuid=run, path="model/model.pkl"))
    _refused(bob.get(f"{API}/artifacts/list", run_id=run, path="model"))
    _refused(bob.put(f"{files}/model.pkl", b"poisoned"), "write the files of")
    _refused(bob.delete(f"{files}/model.pkl"))
    assert alice.get(f"{files}/model.pkl").content == b"weights"
    # A path that is not a run's or a logged model's folder is the admin's; one that climbs
    # out of where it says it is, refused for everyone.
    _refused(bob.get(f"{ARTIFACTS}/{alices['experiment']}/somewhere/else"))
    assert alice.get(f"{ARTIFACTS}/x/..%2F..%2Fetc/passwd").status_code in (400, 404)


def test_others_cannot_register_the_files(server, alices):
    bob = Http(server, "bob")
    created = bob.post(f"{API}/registered-models/create", {"name": "main.default.bobs"})
    assert created.status_code == 200, created.text
    answer = bob.post(f"{API}/model-versions/create", {
        "name": "main.default.bobs", "source": f"runs:/{alices['run']}/model",
        "run_id": alices["run"]})
    assert answer.status_code == 403 and "not the upload of a run" in answer.json()["message"]
    answer = bob.post(f"{API}/model-versions/create", {
        "name": "main.default.bobs", "source": f"models:/{alices['model_id']}",
        "model_id": alices["model_id"]})
    assert answer.status_code == 403 and "not the upload of a run" in answer.json()["message"]
    _refused(bob.get(f"{alices['model_files']}/MLmodel"))
    _refused(bob.delete(f"{API}/logged-models/{alices['model_id']}"))
    with ucsql.connect(server.url, token=server.tokens["alice"]) as cat:
        assert cat.sql("SHOW VERSIONS IN MODEL main.default.bobs").fetchall() == []
        rows = cat.sql("SELECT action, result, token_id FROM system.access.audit WHERE "
                       "principal = 'bob' AND result = 'DENIED' AND action LIKE 'MLFLOW_%'"
                       ).fetchall()
    bob_token = server.tokens["bob"].split("_")[1]
    assert {"MLFLOW_LOG_METRIC", "MLFLOW_DOWNLOAD_ARTIFACT", "MLFLOW_UPLOAD_ARTIFACT"} <= {
        r[0] for r in rows}
    assert {r[2] for r in rows} == {bob_token}


def test_the_owner_shares_an_experiment_with_a_group(server):
    bob, carol = Http(server, "bob"), Http(server, "carol")
    experiment = bob.post(f"{API}/experiments/create", {"name": "shared"}).json()["experiment_id"]
    run = bob.post(f"{API}/runs/create", {"experiment_id": experiment}).json()["run"]["info"]["run_id"]
    files = f"{ARTIFACTS}/{experiment}/{run}/artifacts/model/model.pkl"
    assert bob.put(files, b"bob's weights").status_code == 200
    _refused(carol.get(files))
    with ucsql.connect(server.url, token=server.tokens["alice"]) as cat:
        cat.sql("CREATE GROUP ml_team; ALTER GROUP ml_team ADD USER bob; "
                "ALTER GROUP ml_team ADD USER carol")
    # Only to a group one belongs to (bob is not in outsiders); never to nobody.
    _refused(bob.post(f"{API}/experiments/set-experiment-tag", {
        "experiment_id": experiment, "key": "ucsql.owner", "value": "outsiders"}), "only to")
    _refused(bob.post(f"{API}/experiments/delete-experiment-tag", {
        "experiment_id": experiment, "key": "ucsql.owner"}))
    assert bob.post(f"{API}/experiments/set-experiment-tag", {
        "experiment_id": experiment, "key": "ucsql.owner", "value": "ml_team"}).status_code == 200
    assert carol.post(f"{API}/runs/log-metric", {"run_id": run, "key": "acc", "value": 0.9,
                                                 "timestamp": 0}).status_code == 200
    assert carol.get(files).content == b"bob's weights"
    assert carol.post(f"{API}/runs/create", {"experiment_id": experiment}).status_code == 200


def test_runs_in_the_default_experiment_are_their_creator_s(server):
    bob, carol = Http(server, "bob"), Http(server, "carol")
    run = bob.post(f"{API}/runs/create", {"experiment_id": "0"}).json()["run"]["info"]["run_id"]
    assert bob.post(f"{API}/runs/log-parameter", {"run_id": run, "key": "depth",
                                                  "value": "2"}).status_code == 200
    _refused(carol.post(f"{API}/runs/log-parameter", {"run_id": run, "key": "depth",
                                                      "value": "3"}))
    _refused(carol.post(f"{API}/experiments/update", {"experiment_id": "0", "new_name": "x"}))


def test_only_the_admin_chooses_where_files_go_and_uses_other_features(server):
    bob, alice = Http(server, "bob"), Http(server, "alice")
    _refused(bob.post(f"{API}/experiments/create", {"name": "e", "artifact_location": "/etc"}),
             "artifact_location")
    _refused(bob.post("/api/3.0/mlflow/traces/search", {"locations": []}), "admin")
    assert alice.post("/api/3.0/mlflow/traces/search", {"locations": []}).status_code != 403


def test_a_stock_client_logs_and_registers_its_own_model(server):
    out = server.client("bob", """
        import mlflow
        from sklearn.datasets import load_iris
        from sklearn.tree import DecisionTreeClassifier
        X, y = load_iris(return_X_y=True)
        mlflow.set_experiment("bob-exp")
        with mlflow.start_run():
            mlflow.log_metric("acc", 1.0)
            info = mlflow.sklearn.log_model(
                DecisionTreeClassifier(max_depth=1).fit(X, y), name="model", input_example=X[:2],
                registered_model_name="main.default.bob_iris",
                skops_trusted_types=["sklearn.tree._tree.Tree"])
        loaded = mlflow.pyfunc.load_model("models:/main.default.bob_iris/1")
        print(json.dumps({"version": str(info.registered_model_version),
                          "n": len(loaded.predict(X[:2]))}))
    """)
    assert out == {"version": "1", "n": 2}
