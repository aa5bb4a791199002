"""The seed document's "Permissions required" notes, through the MLflow façade.

Each test calls the stock MLflow client as different principals (``UCSQL_PRINCIPAL``), against a
fresh metastore (``world``) laid out as:

    metastore, admin `admin`
    ├── catalog prod                  olivia, erin, nick, dana, carl, pete: USE CATALOG
    │   └── schema prod.ml_team       olivia, carl: USE SCHEMA + CREATE_MODEL
    │       │                         erin, dana, pete: USE SCHEMA (nick: none)
    │       ├── model iris            owner olivia; versions 1, 2; alias Champion -> 1;
    │       │                         tag task=classification; version 1 tag validation_status=approved;
    │       │                         erin and nick hold EXECUTE
    │       └── model secret          owner olivia; version 1; nobody else holds anything
    └── catalog staging               olivia, pete: USE CATALOG
        └── schema staging.ml_team    olivia: USE SCHEMA + CREATE_MODEL; pete: USE SCHEMA
            └── model fraud_detection owner olivia; version 1
    group ml-team ∋ olivia, mia       (mia: USE CATALOG / USE SCHEMA through the group only)

The tracking store and one logged model (a run's ``model``) are shared by the whole module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import mlflow
import mlflow.models
import mlflow.pyfunc
import mlflow.sklearn
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier

import ucsql

MODEL = "prod.ml_team.iris"
SECRET = "prod.ml_team.secret"
FRAUD = "staging.ml_team.fraud_detection"
PROD_FRAUD = "prod.ml_team.fraud_detection"
# MLflow 3 saves scikit-learn models with skops (the demo extra installs it), which loads only
# trusted types: forests need their trees trusted, as the README says.
SKOPS_TRUSTED_TYPES = ["sklearn.tree._tree.Tree"]


def _no_pip_inference(model_uri, flavor, fallback=None, **kwargs):
    """Stand-in for mlflow.models.infer_pip_requirements (a slow subprocess): the fallback."""
    return fallback


@dataclass
class Trained:
    X: pd.DataFrame
    clf: RandomForestClassifier
    run_id: str  # a run that logged the model under "model"
    saved: Path  # the same model saved in a folder (for setting worlds up with SQL)

    @property
    def test_x(self) -> pd.DataFrame:
        return self.X.iloc[[0, 60, 120]]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One tracking store and one logged model for the module; URIs reset afterwards."""
    root = tmp_path_factory.mktemp("mlflow_privileges")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)  # the tracking store's default artifact root is ./mlruns
        for var in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "UCSQL_PRINCIPAL"):
            mp.delenv(var, raising=False)
        mp.setattr(mlflow.models, "infer_pip_requirements", _no_pip_inference)
        mlflow.set_tracking_uri(f"sqlite:///{root}/mlflow.db")
        try:
            X, y = datasets.load_iris(return_X_y=True, as_frame=True)
            clf = RandomForestClassifier(max_depth=7, n_estimators=5, random_state=0).fit(X, y)
            with mlflow.start_run() as run:
                mlflow.sklearn.log_model(sk_model=clf, name="model", input_example=X.iloc[[0]],
                                         skops_trusted_types=SKOPS_TRUSTED_TYPES)
            saved = root / "saved_model"
            mlflow.sklearn.save_model(clf, str(saved), input_example=X.iloc[[0]],
                                      skops_trusted_types=SKOPS_TRUSTED_TYPES)
            yield Trained(X, clf, run.info.run_id, saved)
        finally:
            mlflow.end_run()
            mlflow.set_registry_uri(None)
            mlflow.set_tracking_uri(None)


@dataclass
class World:
    admin: ucsql.Catalog
    uri: str
    trained: Trained
    mp: pytest.MonkeyPatch | None = None

    def be(self, principal: str) -> MlflowClient:
        """Act as ``principal`` from now on (UCSQL_PRINCIPAL is read at every call)."""
        self.mp.setenv("UCSQL_PRINCIPAL", principal)
        return MlflowClient()

    def register(self, name: str) -> str:
        """mlflow.register_model from the shared run, as the current principal."""
        return mlflow.register_model(f"runs:/{self.trained.run_id}/model", name).version

    def log_model(self, name: str) -> None:
        """log_model(..., registered_model_name=name) in a new run, as the current principal."""
        with mlflow.start_run():
            mlflow.sklearn.log_model(sk_model=self.trained.clf, name="model",
                                     input_example=self.trained.X.iloc[[0]],
                                     registered_model_name=name,
                                     skops_trusted_types=SKOPS_TRUSTED_TYPES)

    def versions(self, name: str) -> list[int]:
        return [r[0] for r in self.admin.sql(
            "SELECT version FROM system.information_schema.model_versions WHERE full_name = ? "
            "ORDER BY version", [name]).fetchall()]

    def owner(self, name: str) -> str | None:
        return self.admin.sql("SELECT owner FROM system.information_schema.registered_models "
                              "WHERE full_name = ?", [name]).scalar()

    def audit(self, principal: str) -> list[tuple[str, str]]:
        """(action, result) of ``principal``'s audit rows, oldest first, read by the admin."""
        rows = self.admin.sql("SELECT principal, action, result FROM system.access.audit "
                              "ORDER BY audit_id").fetchall()
        return [(a, r) for p, a, r in rows if p == principal]

    def state(self) -> list:
        """Everything a refused call must leave unchanged (models and versions with their
        comments, owners, tags and aliases), as the admin sees it."""
        return [self.admin.sql(f"SELECT * FROM system.information_schema.{view} ORDER BY ALL"
                               ).fetchall() for view in ("registered_models", "model_versions")]


def build_world(root: Path, trained: Trained) -> World:
    """The metastore of the module docstring. Set up with SQL (faster than the façade, which
    the tests exercise)."""
    path = root / "metastore.duckdb"
    admin = ucsql.connect(path, principal="admin")
    admin.sql("""
        CREATE CATALOG prod; CREATE SCHEMA prod.ml_team;
        CREATE CATALOG staging; CREATE SCHEMA staging.ml_team;
        CREATE USER olivia; CREATE USER mia; CREATE USER erin; CREATE USER nick; CREATE USER dana;
        CREATE USER carl; CREATE USER pete; CREATE USER bea;
        CREATE GROUP `ml-team`; ALTER GROUP `ml-team` ADD USER olivia; ALTER GROUP `ml-team` ADD USER mia;
        GRANT USE CATALOG ON CATALOG prod TO olivia, erin, nick, dana, carl, pete, `ml-team`;
        GRANT USE SCHEMA, CREATE_MODEL ON SCHEMA prod.ml_team TO olivia, carl;
        GRANT USE SCHEMA ON SCHEMA prod.ml_team TO erin, dana, pete, `ml-team`;
        GRANT USE CATALOG ON CATALOG staging TO olivia, pete;
        GRANT USE SCHEMA, CREATE_MODEL ON SCHEMA staging.ml_team TO olivia;
        GRANT USE SCHEMA ON SCHEMA staging.ml_team TO pete;
    """)
    add = "ALTER MODEL {} ADD VERSION FROM ?"
    admin.as_principal("olivia").sql(f"""
        CREATE MODEL {MODEL}; {add.format(MODEL)}; {add.format(MODEL)};
        CREATE MODEL {SECRET}; {add.format(SECRET)};
        CREATE MODEL {FRAUD}; {add.format(FRAUD)};
        ALTER MODEL {MODEL} SET ALIAS Champion TO VERSION 1;
        ALTER MODEL {MODEL} SET TAGS ('task' = 'classification');
        ALTER MODEL {MODEL} VERSION 1 SET TAGS ('validation_status' = 'approved');
        GRANT EXECUTE ON FUNCTION {MODEL} TO erin, nick;
    """, [str(trained.saved)] * 4)
    return World(admin, f"ucsql://{path}", trained)


@pytest.fixture(scope="module")
def _shared_world(trained, tmp_path_factory):
    w = build_world(tmp_path_factory.mktemp("shared_world"), trained)
    yield w
    w.admin.close()


@pytest.fixture
def shared(_shared_world, monkeypatch) -> World:
    """One world for the whole module, for tests that only read or are refused (they check
    that the refusal changed nothing)."""
    mlflow.set_registry_uri(_shared_world.uri)
    yield replace(_shared_world, mp=monkeypatch)
    mlflow.set_registry_uri(None)


@pytest.fixture
def world(trained, tmp_path, monkeypatch) -> World:
    """A fresh world, for tests that change it."""
    monkeypatch.chdir(tmp_path)
    w = build_world(tmp_path, trained)
    mlflow.set_registry_uri(w.uri)
    yield replace(w, mp=monkeypatch)
    mlflow.set_registry_uri(None)
    w.admin.close()


def code(excinfo) -> str:
    return excinfo.value.error_code


# -- EXECUTE: load and read, nothing more ----------------------------------------------------------------
def test_execute_lets_a_principal_load_and_get_versions(shared):
    client = shared.be("erin")
    for uri in (f"models:/{MODEL}@Champion", f"models:/{MODEL}/1", f"models:/{MODEL}/2",
                f"models:/{MODEL}/latest"):
        model = mlflow.pyfunc.load_model(uri)
        assert list(model.predict(shared.trained.test_x)) == [0, 1, 2]
    assert client.get_model_version(MODEL, "2").version == "2"
    by_alias = client.get_model_version_by_alias(MODEL, "Champion")
    assert (by_alias.name, by_alias.version) == (MODEL, "1")
    model = client.get_registered_model(MODEL)
    assert model.aliases == {"Champion": "1"} and model.tags == {"task": "classification"}
    assert client.get_model_version(MODEL, "1").tags == {"validation_status": "approved"}
    assert ("GET_MODEL_VERSION", "ALLOWED") in shared.audit("erin")


REFUSED_TO_EXECUTE = [
    ("set_alias", lambda c: c.set_registered_model_alias(MODEL, "Challenger", 2), "SET_ALIAS"),
    ("reassign_alias", lambda c: c.set_registered_model_alias(MODEL, "Champion", 2), "SET_ALIAS"),
    ("delete_alias", lambda c: c.delete_registered_model_alias(MODEL, "Champion"), "DROP_ALIAS"),
    ("set_model_tag", lambda c: c.set_registered_model_tag(MODEL, "task", "x"), "SET_TAGS"),
    ("delete_model_tag", lambda c: c.delete_registered_model_tag(MODEL, "task"), "UNSET_TAGS"),
    ("set_version_tag", lambda c: c.set_model_version_tag(MODEL, "1", "validation_status", "x"),
     "SET_TAGS"),
    ("delete_version_tag", lambda c: c.delete_model_version_tag(MODEL, "1", "validation_status"),
     "UNSET_TAGS"),
    ("rename", lambda c: c.rename_registered_model(MODEL, "prod.ml_team.iris2"), "RENAME_MODEL"),
    ("delete_model", lambda c: c.delete_registered_model(MODEL), "DROP_MODEL"),
    ("delete_version", lambda c: c.delete_model_version(MODEL, 2), "DROP_MODEL_VERSION"),
    ("describe_model", lambda c: c.update_registered_model(MODEL, "mine now"), "COMMENT_ON_MODEL"),
    ("describe_version", lambda c: c.update_model_version(MODEL, 1, "mine now"), "COMMENT_ON_MODEL"),
]


@pytest.mark.parametrize("call, action", [(c, a) for _, c, a in REFUSED_TO_EXECUTE],
                         ids=[i for i, _, _ in REFUSED_TO_EXECUTE])
def test_execute_does_not_let_a_principal_change_the_model(shared, call, action):
    before = shared.state()
    client = shared.be("erin")
    with pytest.raises(MlflowException) as e:
        call(client)
    assert code(e) == "PERMISSION_DENIED", e.value.message
    assert "erin" in e.value.message and MODEL in e.value.message
    assert shared.state() == before
    assert shared.audit("erin")[-1] == (action, "DENIED")


def test_execute_does_not_let_a_principal_add_versions(shared):
    shared.be("erin")
    with pytest.raises(MlflowException) as e:
        shared.register(MODEL)
    assert code(e) == "PERMISSION_DENIED"
    with pytest.raises(MlflowException) as e:
        shared.log_model(MODEL)
    assert code(e) == "PERMISSION_DENIED"
    assert "CREATE_MODEL_VERSION" in e.value.message
    assert shared.versions(MODEL) == [1, 2]
    assert shared.audit("erin")[-1] == ("ADD_MODEL_VERSION", "DENIED")


# -- the gates: USE CATALOG and USE SCHEMA ------------------------------------------------------------------
def test_without_use_schema_the_model_is_invisible(shared):
    client = shared.be("nick")  # USE CATALOG and EXECUTE on the model, but no USE SCHEMA
    with pytest.raises(MlflowException) as e:
        client.get_registered_model(MODEL)
    assert code(e) == "PERMISSION_DENIED"
    assert "USE_SCHEMA" in e.value.message
    for call in (lambda: client.get_model_version(MODEL, "1"),
                 lambda: client.get_model_version_by_alias(MODEL, "Champion"),
                 lambda: mlflow.pyfunc.load_model(f"models:/{MODEL}@Champion"),
                 lambda: mlflow.pyfunc.load_model(f"models:/{MODEL}/1")):
        with pytest.raises(MlflowException) as e:
            call()
        assert code(e) == "PERMISSION_DENIED"
    assert MODEL not in [m.name for m in client.search_registered_models()]
    assert client.search_model_versions(f"name='{MODEL}'") == []
    assert [mv for mv in client.search_model_versions() if mv.name == MODEL] == []


def test_use_schema_without_a_privilege_on_the_model_sees_nothing(shared):
    client = shared.be("dana")  # passes the gates, holds nothing on the models
    with pytest.raises(MlflowException) as e:
        client.get_registered_model(MODEL)
    assert code(e) == "PERMISSION_DENIED"
    with pytest.raises(MlflowException) as e:
        mlflow.pyfunc.load_model(f"models:/{MODEL}/1")
    assert code(e) == "PERMISSION_DENIED"
    assert list(client.search_registered_models()) == []
    assert list(client.search_model_versions()) == []


# -- search leaves out what the caller may not see ----------------------------------------------------------
def test_search_leaves_out_models_the_caller_may_not_see(shared):
    client = shared.be("olivia")
    assert sorted(m.name for m in client.search_registered_models()) == sorted([MODEL, SECRET, FRAUD])

    client = shared.be("erin")  # EXECUTE on iris only
    assert [m.name for m in client.search_registered_models()] == [MODEL]
    assert sorted((mv.name, mv.version) for mv in client.search_model_versions()) == [
        (MODEL, "1"), (MODEL, "2")]
    assert list(client.search_model_versions(f"name='{SECRET}'")) == []
    assert list(client.search_registered_models(filter_string="name LIKE 'prod.%'")) != []
    assert [m.name for m in client.search_registered_models(filter_string="name LIKE 'prod.%'")] == [MODEL]
    assert [m.name for m in client.search_registered_models(max_results=1)] == [MODEL]


def test_browse_shows_metadata_but_does_not_load(world):
    world.admin.sql("GRANT BROWSE ON CATALOG prod TO bea")
    client = world.be("bea")
    assert sorted(m.name for m in client.search_registered_models()) == [MODEL, SECRET]
    assert client.get_registered_model(SECRET).name == SECRET
    with pytest.raises(MlflowException) as e:
        mlflow.pyfunc.load_model(f"models:/{MODEL}/1")
    assert code(e) == "PERMISSION_DENIED"


# -- creating models and versions -----------------------------------------------------------------------------
def test_create_model_on_the_schema_lets_a_user_register_a_new_model(world):
    client = world.be("carl")  # USE CATALOG, USE SCHEMA, CREATE_MODEL
    world.log_model("prod.ml_team.carls_model")
    assert world.versions("prod.ml_team.carls_model") == [1]
    assert world.owner("prod.ml_team.carls_model") == "carl"
    # As its owner carl manages it and (owner holds EXECUTE) loads it.
    client.set_registered_model_alias("prod.ml_team.carls_model", "Champion", 1)
    model = mlflow.pyfunc.load_model("models:/prod.ml_team.carls_model@Champion")
    assert list(model.predict(world.trained.test_x)) == [0, 1, 2]
    assert world.register("prod.ml_team.carls_model") == "2"


def test_without_create_model_a_user_cannot_register_a_new_model(shared):
    shared.be("erin")  # USE CATALOG, USE SCHEMA, no CREATE_MODEL
    with pytest.raises(MlflowException) as e:
        shared.log_model("prod.ml_team.erins_model")
    assert code(e) == "PERMISSION_DENIED"
    assert "CREATE_MODEL" in e.value.message
    assert shared.owner("prod.ml_team.erins_model") is None
    assert ("CREATE_MODEL", "DENIED") in shared.audit("erin")
    # Nor in a schema whose gates it does not pass.
    shared.be("carl")
    with pytest.raises(MlflowException) as e:
        shared.register("staging.ml_team.carls_model")
    assert code(e) == "PERMISSION_DENIED"


def test_create_model_version_lets_a_non_owner_add_versions(world):
    world.admin.as_principal("olivia").sql(f"GRANT CREATE_MODEL_VERSION ON FUNCTION {MODEL} TO dana")
    world.be("dana")  # USE CATALOG, USE SCHEMA, CREATE_MODEL_VERSION on iris; no CREATE_MODEL
    assert world.register(MODEL) == "3"
    world.log_model(MODEL)
    assert world.versions(MODEL) == [1, 2, 3, 4]
    assert world.owner(MODEL) == "olivia"
    assert ("ADD_MODEL_VERSION", "ALLOWED") in world.audit("dana")
    # Adding versions is all it gives: no EXECUTE, so dana can neither read nor load them.
    with pytest.raises(MlflowException) as e:
        mlflow.pyfunc.load_model(f"models:/{MODEL}/3")
    assert code(e) == "PERMISSION_DENIED"


def test_a_group_owner_lets_its_members_add_versions(world):
    world.be("mia")  # ml-team member; gates through the group; no CREATE_MODEL
    with pytest.raises(MlflowException) as e:
        world.register(MODEL)
    assert code(e) == "PERMISSION_DENIED"

    # "make a group that contains you its owner"
    world.admin.as_principal("olivia").sql(f"ALTER MODEL {MODEL} OWNER TO `ml-team`")
    assert world.owner(MODEL) == "ml-team"

    client = world.be("mia")
    assert world.register(MODEL) == "3"
    world.log_model(MODEL)
    client.set_registered_model_alias(MODEL, "Challenger", 4)
    model = mlflow.pyfunc.load_model(f"models:/{MODEL}@Challenger")
    assert list(model.predict(world.trained.test_x)) == [0, 1, 2]
    # olivia, still a member, keeps write access.
    client = world.be("olivia")
    assert world.register(MODEL) == "5"
    client.delete_model_version(MODEL, 3)
    assert world.versions(MODEL) == [1, 2, 4, 5]


def test_a_non_admin_may_not_give_ownership_to_a_group_it_is_not_in(world):
    world.admin.sql("CREATE GROUP outsiders")
    with pytest.raises(ucsql.errors.PermissionDenied):
        world.admin.as_principal("olivia").sql(f"ALTER MODEL {MODEL} OWNER TO outsiders")
    assert world.owner(MODEL) == "olivia"


# -- copying across catalogs ---------------------------------------------------------------------------------
def test_copy_needs_execute_on_the_source(world):
    world.admin.sql("GRANT CREATE_MODEL ON SCHEMA prod.ml_team TO pete")
    client = world.be("pete")
    with pytest.raises(MlflowException) as e:
        client.copy_model_version(f"models:/{FRAUD}/1", PROD_FRAUD)
    # MlflowClient wraps the refused get_model_version in its own "Failed to fetch" error.
    assert "Permission denied" in e.value.message and "EXECUTE" in e.value.message
    assert world.owner(PROD_FRAUD) is None
    assert ("GET_MODEL_VERSION", "DENIED") in world.audit("pete")


def test_copy_into_a_new_model_needs_create_model_on_the_destination_schema(world):
    world.admin.as_principal("olivia").sql(f"GRANT EXECUTE ON FUNCTION {FRAUD} TO pete")
    client = world.be("pete")
    before = world.state()
    with pytest.raises(MlflowException) as e:
        client.copy_model_version(f"models:/{FRAUD}/1", PROD_FRAUD)
    assert code(e) == "PERMISSION_DENIED"
    assert "CREATE_MODEL" in e.value.message
    assert world.state() == before
    assert ("CREATE_MODEL", "DENIED") in world.audit("pete")

    world.admin.sql("GRANT CREATE_MODEL ON SCHEMA prod.ml_team TO pete")
    copied = client.copy_model_version(f"models:/{FRAUD}/1", PROD_FRAUD)
    assert (copied.name, copied.version) == (PROD_FRAUD, "1")
    assert world.owner(PROD_FRAUD) == "pete"
    client.set_registered_model_alias(PROD_FRAUD, "Champion", copied.version)
    model = mlflow.pyfunc.load_model(f"models:/{PROD_FRAUD}@Champion")
    assert list(model.predict(world.trained.test_x)) == [0, 1, 2]


def test_copy_into_an_existing_model_needs_ownership_or_create_model_version(world):
    # The seed's promotion privileges: USE CATALOG / USE SCHEMA on both sides, EXECUTE on the
    # staging model, and ownership of the prod model (no CREATE_MODEL).
    world.admin.as_principal("olivia").sql(f"GRANT EXECUTE ON FUNCTION {FRAUD} TO pete")
    world.admin.sql(f"CREATE MODEL {PROD_FRAUD}")
    client = world.be("pete")
    with pytest.raises(MlflowException) as e:  # admin owns it; pete holds nothing on it
        client.copy_model_version(f"models:/{FRAUD}/1", PROD_FRAUD)
    assert code(e) == "PERMISSION_DENIED"
    assert world.versions(PROD_FRAUD) == []

    world.admin.sql(f"ALTER MODEL {PROD_FRAUD} OWNER TO pete")
    copied = client.copy_model_version(f"models:/{FRAUD}/1", PROD_FRAUD)
    assert (copied.name, copied.version, copied.status) == (PROD_FRAUD, "1", "READY")
    client.set_registered_model_alias(name=PROD_FRAUD, alias="Champion", version=copied.version)
    assert client.get_model_version_by_alias(PROD_FRAUD, "Champion").version == "1"

    # CREATE_MODEL_VERSION on someone else's model is enough too.
    world.admin.sql("CREATE MODEL prod.ml_team.fraud_v2; "
                    "GRANT CREATE_MODEL_VERSION ON FUNCTION prod.ml_team.fraud_v2 TO pete")
    copied = client.copy_model_version(f"models:/{FRAUD}/1", "prod.ml_team.fraud_v2")
    assert copied.version == "1"
    assert world.owner("prod.ml_team.fraud_v2") == "admin"


# -- refusals are audited ------------------------------------------------------------------------------------
def test_refused_calls_are_audited(shared):
    client = shared.be("erin")
    calls = [lambda: client.set_registered_model_alias(MODEL, "Challenger", 2),
             lambda: client.set_registered_model_tag(MODEL, "team", "x"),
             lambda: client.rename_registered_model(MODEL, "prod.ml_team.mine"),
             lambda: client.delete_registered_model(MODEL)]
    for call in calls:
        with pytest.raises(MlflowException):
            call()
    shared.be("nick")
    with pytest.raises(MlflowException):
        mlflow.pyfunc.load_model(f"models:/{MODEL}@Champion")

    rows = shared.admin.sql("SELECT principal, action, result FROM system.access.audit").fetchall()
    for expected in [("erin", "SET_ALIAS", "DENIED"), ("erin", "SET_TAGS", "DENIED"),
                     ("erin", "RENAME_MODEL", "DENIED"), ("erin", "DROP_MODEL", "DENIED"),
                     ("nick", "GET_MODEL_VERSION", "DENIED")]:
        assert expected in rows
    # Only the admin reads the audit log.
    with pytest.raises(ucsql.errors.PermissionDenied):
        shared.admin.as_principal("erin").sql("SELECT * FROM system.access.audit")
