"""The seed's permission notes (004, "Permissions required: ..."), replayed through a real
``ucsql serve`` by two token holders: alice (the admin, granting over SQL over HTTP) and bob
(the stock MLflow client in another process, no ucsql). Each note is walked both ways, refused
before the grant it names and allowed after it; every refusal is audited with bob's token."""

from __future__ import annotations

import pytest

import ucsql
from tests.conftest import write_model_dir
from tests.serve_helpers import Server

pytest.importorskip("flask", reason="the server needs the 'server' extra (full mlflow)")

IRIS = "prod.ml_team.iris"
BOBS = "prod.ml_team.bobs"

# (what the seed's note is about, the call bob makes)
CALLS = [
    ("see the model (EXECUTE)", f"c.get_registered_model('{IRIS}')"),
    ("load a version (EXECUTE)", f"mlflow.artifacts.download_artifacts('models:/{IRIS}/1')"),
    ("create a model (CREATE_MODEL)", f"c.create_registered_model('{BOBS}')"),
    ("register a version of his own model (owner)",
     f"c.create_model_version('{BOBS}', source, run_id=run.info.run_id)"),
    ("rename his own model (owner, CREATE_MODEL)",
     f"c.rename_registered_model('{BOBS}', '{BOBS}2')"),
    ("tag the model (APPLY_TAG)", f"c.set_registered_model_tag('{IRIS}', 'task', 'iris')"),
    ("register a version of alice's model (owner)",
     f"c.create_model_version('{IRIS}', source, run_id=run.info.run_id)"),
    ("set an alias on alice's model (owner)",
     f"c.set_registered_model_alias('{IRIS}', 'Champion', '1')"),
    ("rename alice's model (owner)", f"c.rename_registered_model('{IRIS}', 'iris2')"),
    ("delete alice's model (owner)", f"c.delete_registered_model('{IRIS}')"),
]

SCRIPT = """
import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
c = MlflowClient()
run = c.create_run(c.create_experiment("bob-" + str(__import__("uuid").uuid4())))
c.log_artifacts(run.info.run_id, {model!r}, "model")
source = f"runs:/{{run.info.run_id}}/model"
out = {{}}
for label, call in {calls!r}:
    try:
        eval(call)
        out[label] = "allowed"
    except MlflowException as e:
        out[label] = e.error_code
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed_http")
    model = write_model_dir(folder / "model")
    with ucsql.connect(folder / "team.duckdb", principal="alice") as cat:
        cat.sql("CREATE CATALOG prod; CREATE SCHEMA prod.ml_team; CREATE MODEL prod.ml_team.iris")
        cat.sql(f"ALTER MODEL {IRIS} ADD VERSION FROM ?", [str(model)])
    s = Server(folder)
    s.model = str(model)
    yield s
    s.stop()


def _bob(server) -> dict:
    return server.client("bob", SCRIPT.format(model=server.model, calls=CALLS))


def test_the_seed_s_permission_notes_through_http(server):
    alice = ucsql.connect(server.url, token=server.tokens["alice"])
    nothing = _bob(server)
    assert set(nothing.values()) <= {"PERMISSION_DENIED", "RESOURCE_DOES_NOT_EXIST"}, nothing

    # USE CATALOG and USE SCHEMA alone let bob see that the schema exists, nothing more.
    alice.sql("GRANT USE CATALOG ON CATALOG prod TO bob; "
              "GRANT USE SCHEMA ON SCHEMA prod.ml_team TO bob")
    using = _bob(server)
    assert set(using.values()) <= {"PERMISSION_DENIED", "RESOURCE_DOES_NOT_EXIST"}, using

    alice.sql(f"GRANT CREATE_MODEL ON SCHEMA prod.ml_team TO bob; "
              f"GRANT EXECUTE, APPLY_TAG ON MODEL {IRIS} TO bob")
    granted = _bob(server)
    assert granted == {
        "see the model (EXECUTE)": "allowed",
        "load a version (EXECUTE)": "allowed",
        "create a model (CREATE_MODEL)": "allowed",
        "register a version of his own model (owner)": "allowed",
        "rename his own model (owner, CREATE_MODEL)": "allowed",
        "tag the model (APPLY_TAG)": "allowed",
        "register a version of alice's model (owner)": "PERMISSION_DENIED",
        "set an alias on alice's model (owner)": "PERMISSION_DENIED",
        "rename alice's model (owner)": "PERMISSION_DENIED",
        "delete alice's model (owner)": "PERMISSION_DENIED",
    }
    # The same answers as SQL gives bob, and what alice's model holds is untouched.
    assert alice.sql(f"SELECT count(*) FROM system.information_schema.model_versions "
                     f"WHERE full_name = '{IRIS}'").scalar() == 1
    bob_token = server.tokens["bob"].split("_")[1]
    denied = alice.sql("SELECT count(*) FROM system.access.audit WHERE principal = 'bob' "
                       "AND result = 'DENIED' AND token_id = ?", [bob_token]).scalar()
    refusals = sum(v == "PERMISSION_DENIED" for run in (nothing, using, granted)
                   for v in run.values())
    assert denied >= refusals
    alice.close()
