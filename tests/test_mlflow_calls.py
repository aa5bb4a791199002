"""Every call of the stock MLflow client gets an answer in MLflow's terms: prompts
are refused with a reason (never a download error about 'dummy-source'), stages are not offered,
errors carry no SQL hints, a bad source is one line, and a refused log_model leaves no empty
registered model behind.
"""

from __future__ import annotations

import inspect
import re

import mlflow
import mlflow.genai
import mlflow.sklearn
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.store.model_registry.abstract_store import AbstractStore
from sklearn import datasets
from sklearn.linear_model import LogisticRegression

import ucsql
from tests.conftest import write_model_dir
from ucsql.mlflow_store import UcsqlRegistryStore

ADMIN = "admin"
MODEL = "prod.ml_team.iris"
# A statement the SQL user would type: none may reach an MLflow caller.
SQL_HINT = re.compile(r"\b(SHOW|DESCRIBE|IF NOT EXISTS|ALTER MODEL|CREATE (MODEL|CATALOG|SCHEMA))\b")


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A fresh metastore (admin ``admin``: catalog prod, schema prod.ml_team) as the registry,
    MLflow's tracking store beside it; the caller is the admin."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UCSQL_PRINCIPAL", ADMIN)
    for var in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "metastore.duckdb"
    admin = ucsql.connect(path, principal=ADMIN)
    admin.sql("CREATE CATALOG prod; CREATE SCHEMA prod.ml_team")
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    mlflow.set_registry_uri(f"ucsql://{path}")
    try:
        yield {"admin": admin, "client": MlflowClient(), "tmp": tmp_path}
    finally:
        mlflow.end_run()
        mlflow.set_registry_uri(None)
        mlflow.set_tracking_uri(None)
        admin.close()


def models(admin) -> list[str]:
    return [r[0] for r in admin.sql(
        "SELECT full_name FROM system.information_schema.registered_models ORDER BY 1").fetchall()]


def refusal(call) -> MlflowException:
    with pytest.raises(MlflowException) as e:
        call()
    return e.value


# -- prompts ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["prod.ml_team.greeting", "greeting"])
def test_register_prompt_is_refused_with_the_reason_and_leaves_nothing(env, name):
    e = refusal(lambda: mlflow.genai.register_prompt(name=name, template="Hello {{name}}!"))
    assert e.error_code == "NOT_IMPLEMENTED"
    assert "prompt" in e.message.lower() and "dummy-source" not in e.message
    assert "\n" not in e.message
    assert models(env["admin"]) == []
    # register_prompt looks the name up (not found), then is refused before creating anything.
    assert env["admin"].sql("SELECT action, result FROM system.access.audit WHERE action IN "
                            "('GET_MODEL', 'CREATE_REGISTERED_MODEL', 'CREATE_MODEL') "
                            "ORDER BY audit_id").fetchall() == [
        ("GET_MODEL", "FAILED"), ("CREATE_REGISTERED_MODEL", "FAILED")]


@pytest.mark.parametrize("call", [
    lambda: mlflow.genai.load_prompt("prompts:/prod.ml_team.greeting/1"),
    lambda: mlflow.genai.load_prompt("prompts:/prod.ml_team.greeting@production"),
    lambda: mlflow.genai.search_prompts(),
    lambda: MlflowClient().search_prompt_versions("prod.ml_team.greeting"),
    lambda: MlflowClient().delete_prompt_alias("prod.ml_team.greeting", "production"),
], ids=["load", "load_by_alias", "search", "search_versions", "delete_alias"])
def test_other_prompt_calls_are_refused_with_the_reason(env, call):
    e = refusal(call)
    assert e.error_code == "NOT_IMPLEMENTED" and "prompt" in e.message.lower()


def test_set_prompt_alias_is_refused(env):
    # MLflow's client checks the version first and reports any failure there as "does not
    # exist", which is true: no prompt can be registered here.
    e = refusal(lambda: mlflow.genai.set_prompt_alias("prod.ml_team.greeting", "production", 1))
    assert e.error_code in ("NOT_IMPLEMENTED", "RESOURCE_DOES_NOT_EXIST")
    assert models(env["admin"]) == []


def test_the_advice_for_prompts_works_beside_a_ucsql_registry(env):
    """The refusal says to keep prompts in MLflow's own registry, while models stay in ucsql."""
    prompts = MlflowClient(registry_uri=f"sqlite:///{env['tmp']}/prompts.db")
    version = prompts.register_prompt(name="greeting", template="Hello {{name}}!")
    prompts.set_prompt_alias("greeting", "production", version.version)
    assert prompts.load_prompt("prompts:/greeting@production").format(name="Ada") == "Hello Ada!"
    assert MlflowClient().create_registered_model(MODEL).name == MODEL


def test_a_version_tagged_as_a_prompt_is_refused(env):
    """As register_prompt's registry client asks it (MlflowClient refuses such tags itself)."""
    from mlflow.entities.model_registry import ModelVersionTag

    client = env["client"]
    client.create_registered_model(MODEL)
    store = client._get_registry_client().store
    e = refusal(lambda: store.create_model_version(
        MODEL, "dummy-source", tags=[ModelVersionTag("mlflow.prompt.is_prompt", "true")]))
    assert e.error_code == "NOT_IMPLEMENTED" and "dummy-source" not in e.message


# -- every prompt method of the store (webhooks: tests/test_webhooks.py) ----------------------------
def _store_methods(word: str) -> list[str]:
    return sorted(m for m in dir(AbstractStore) if word in m and not m.startswith("_"))


@pytest.mark.parametrize("method", _store_methods("prompt"))
def test_every_prompt_method_refuses_in_mlflow_terms(env, method):
    """None falls through to AbstractStore (prompts as file-less versions)."""
    assert getattr(UcsqlRegistryStore, method) is not getattr(AbstractStore, method)
    store = env["client"]._get_registry_client().store
    required = [p for p in list(inspect.signature(getattr(AbstractStore, method)).parameters.values())[1:]
                if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
    e = refusal(lambda: getattr(store, method)(*["x"] * len(required)))
    assert e.error_code == "NOT_IMPLEMENTED"


def test_no_webhook_is_listed_for_any_event_before_one_is_created(env):
    from mlflow.entities.webhook import WebhookEvent
    store = env["client"]._get_registry_client().store
    event = WebhookEvent.from_str("model_version.created")
    assert list(store.list_webhooks_by_event(event)) == []


# -- stages ----------------------------------------------------------------------------------------
def test_no_stage_is_offered_but_the_one_every_version_has(env):
    client = env["client"]
    client.create_registered_model(MODEL)
    mv = client.create_model_version(MODEL, str(write_model_dir(env["tmp"] / "m")))
    stages = client._get_registry_client().get_model_version_stages(MODEL, mv.version)
    assert stages == ["None"]
    assert client.get_model_version(MODEL, mv.version).current_stage in (None, "None")
    for stage in ("Staging", "Production", "Archived"):
        assert refusal(lambda: client.transition_model_version_stage(MODEL, mv.version, stage)
                       ).error_code == "INVALID_PARAMETER_VALUE"


# -- errors speak MLflow ---------------------------------------------------------------------------
def test_errors_name_mlflow_calls_not_sql_statements(env):
    client, admin = env["client"], env["admin"]
    client.create_registered_model(MODEL)
    client.create_model_version(MODEL, str(write_model_dir(env["tmp"] / "m")))
    cases = [
        (lambda: client.get_registered_model("nope.ml_team.iris"), "search_registered_models"),
        (lambda: client.get_registered_model("prod.nope.iris"), "search_registered_models"),
        (lambda: client.get_registered_model("prod.ml_team.nope"), "search_registered_models"),
        (lambda: client.get_model_version(MODEL, "7"), "search_model_versions"),
        (lambda: client.get_model_version_by_alias(MODEL, "nope"), "get_registered_model"),
        (lambda: client.delete_registered_model_alias(MODEL, "nope"), "get_registered_model"),
        (lambda: client.create_registered_model(MODEL), "create_model_version"),
        (lambda: client.create_model_version(MODEL, str(admin.sql(
            "SELECT storage_location FROM system.information_schema.model_versions").scalar())),
         "copy_model_version"),
    ]
    for call, mlflow_call in cases:
        e = refusal(call)
        assert not SQL_HINT.search(e.message), e.message
        assert mlflow_call in e.message, e.message
    # The same refusals in SQL keep the SQL hints.
    with pytest.raises(ucsql.errors.NotFound) as sql_error:
        admin.sql(f"GET MODEL VERSION {MODEL} VERSION 7")
    assert f"SHOW VERSIONS IN MODEL {MODEL}" in sql_error.value.message


@pytest.mark.parametrize("source", ["/no/such/model/dir", "file:///no/such/model/dir",
                                    "runs:/0123456789abcdef0123456789abcdef/model",
                                    "models:/m-0123456789abcdef"])
def test_a_bad_source_is_one_line(env, source):
    client = env["client"]
    client.create_registered_model(MODEL)
    e = refusal(lambda: client.create_model_version(MODEL, source))
    assert e.error_code == "INVALID_PARAMETER_VALUE"
    assert "\n" not in e.message and source in e.message and "#####" not in e.message
    assert client.search_model_versions(f"name = '{MODEL}'") == []


# -- log_model without a signature -----------------------------------------------------------------
@pytest.fixture(scope="module")
def classifier():
    X, y = datasets.load_iris(return_X_y=True, as_frame=True)
    return LogisticRegression(max_iter=500).fit(X, y), X


def _log(clf, **kwargs):
    # pip_requirements given: MLflow's inference of them runs a slow subprocess.
    with mlflow.start_run():
        return mlflow.sklearn.log_model(clf, name="model", pip_requirements=["scikit-learn"],
                                        **kwargs)


def test_log_model_without_a_signature_leaves_no_empty_model(env, classifier):
    clf, X = classifier
    e = refusal(lambda: _log(clf, registered_model_name=MODEL))
    assert e.error_code == "INVALID_PARAMETER_VALUE" and "input_example" in e.message
    assert models(env["admin"]) == []
    # Both steps are in the audit log: the model made, then dropped again.
    assert env["admin"].sql(
        "SELECT action, result FROM system.access.audit WHERE securable_name = ? "
        "AND action IN ('CREATE_MODEL', 'ADD_MODEL_VERSION', 'DROP_MODEL') ORDER BY audit_id",
        [MODEL]).fetchall() == [("CREATE_MODEL", "ALLOWED"), ("ADD_MODEL_VERSION", "FAILED"),
                                ("DROP_MODEL", "ALLOWED")]
    # With an input example it registers, as version 1 of a new model.
    info = _log(clf, registered_model_name=MODEL, input_example=X.iloc[[0]])
    assert (str(info.registered_model_version), models(env["admin"])) == ("1", [MODEL])


def test_a_model_that_existed_before_is_left_as_it_was(env, classifier):
    """Only the model log_model itself created is removed, never one made on purpose."""
    clf, X = classifier
    client = env["client"]
    client.create_registered_model(MODEL, description="made on purpose")
    refusal(lambda: _log(clf, registered_model_name=MODEL))
    assert client.get_registered_model(MODEL).description == "made on purpose"
    # Nor one created by hand just before a version that is refused.
    client.create_registered_model("prod.ml_team.other")
    refusal(lambda: client.create_model_version(
        "prod.ml_team.other", str(write_model_dir(env["tmp"] / "nosig", signature=False))))
    assert models(env["admin"]) == [MODEL, "prod.ml_team.other"]
