"""The seed document's code examples ("Manage model lifecycle in Unity Catalog"), run through the
MLflow façade with only the registry URI changed: ``databricks-uc`` -> ``ucsql:///.../metastore.duckdb``.

Every example keeps the seed's code as close as MLflow 3.17 allows. The differences, each forced:

* ``artifact_path="model"`` -> ``name="model"`` (MLflow 3 deprecates ``artifact_path``).
* ``skops_trusted_types=["sklearn.tree._tree.Tree"]`` on ``log_model``: MLflow 3 saves
  scikit-learn models with skops, which trusts a forest's trees only when told to (autologging
  defaults to cloudpickle).
* The lineage example writes its table with pyspark and reads it with ``mlflow.data.load_delta``;
  here the same DataFrame is logged with ``mlflow.data.from_pandas(df, name="prod.ml_team.iris")``.
* Autologging is on by default on Databricks; here ``mlflow.sklearn.autolog()`` turns it on.
* ``RandomForest*`` keep the seed's ``max_depth=7`` but use few trees, to keep the suite fast;
  MLflow's pip-requirements inference (a 3 s subprocess per ``log_model``) is stubbed to its
  fallback for the same reason.

The caller is ``alice@example.com`` holding exactly what the seed's "Requirements" list: USE CATALOG
on the catalogs, USE SCHEMA and CREATE_MODEL on the schemas. Each test uses its own model name in
one shared metastore and tracking store (one per module).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import mlflow
import mlflow.data
import mlflow.models
import mlflow.pyfunc
import mlflow.sklearn
import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

import ucsql

ADMIN = "admin@example.com"
ALICE = "alice@example.com"

# MLflow 3 saves scikit-learn models with skops (the demo extra installs it), which loads only
# trusted types: forests need their trees trusted, as the README says.
SKOPS_TRUSTED_TYPES = ["sklearn.tree._tree.Tree"]


def _no_pip_inference(model_uri, flavor, fallback=None, **kwargs):
    """Stand-in for mlflow.models.infer_pip_requirements (a slow subprocess): the fallback."""
    return fallback


@dataclass
class Seed:
    root: Path
    path: Path
    admin: ucsql.Catalog
    alice: ucsql.Catalog
    X: pd.DataFrame
    y: pd.Series
    clf: RandomForestClassifier
    run_id: str  # a run that logged the model under "model"

    @property
    def test_x(self) -> pd.DataFrame:
        return self.X.iloc[[0, 60, 120]]


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Seed:
    root = tmp_path_factory.mktemp("mlflow_seed")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        for var in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
            mp.delenv(var, raising=False)
        mp.setenv("UCSQL_PRINCIPAL", ALICE)
        mp.setattr(mlflow.models, "infer_pip_requirements", _no_pip_inference)
        path = root / "metastore.duckdb"
        admin = ucsql.connect(path, principal=ADMIN)
        admin.sql(f"""
            CREATE CATALOG prod; CREATE SCHEMA prod.ml_team;
            CREATE CATALOG staging; CREATE SCHEMA staging.ml_team;
            CREATE USER `{ALICE}`;
            GRANT USE CATALOG ON CATALOG prod TO `{ALICE}`;
            GRANT USE SCHEMA, CREATE_MODEL ON SCHEMA prod.ml_team TO `{ALICE}`;
            GRANT USE CATALOG ON CATALOG staging TO `{ALICE}`;
            GRANT USE SCHEMA, CREATE_MODEL ON SCHEMA staging.ml_team TO `{ALICE}`;
        """)
        mlflow.set_tracking_uri(f"sqlite:///{root}/mlflow.db")
        mlflow.set_registry_uri(f"ucsql://{path}")
        try:
            X, y = datasets.load_iris(return_X_y=True, as_frame=True)
            clf = RandomForestClassifier(max_depth=7, n_estimators=5, random_state=0)
            clf.fit(X, y)
            with mlflow.start_run() as run:
                mlflow.sklearn.log_model(sk_model=clf, name="model", input_example=X.iloc[[0]],
                                         skops_trusted_types=SKOPS_TRUSTED_TYPES)
            yield Seed(root, path, admin, admin.as_principal(ALICE), X, y, clf, run.info.run_id)
        finally:
            mlflow.end_run()
            mlflow.set_registry_uri(None)
            mlflow.set_tracking_uri(None)
            admin.close()


# -- helpers -------------------------------------------------------------------------------------
def register(seed: Seed, name: str, times: int = 1) -> list[str]:
    """Register the shared run's model ``times`` times under ``name``; the version numbers."""
    return [mlflow.register_model(f"runs:/{seed.run_id}/model", name).version for _ in range(times)]


def log_and_register(seed: Seed, name: str, clf=None):
    """The seed's "automatically inferred signature" example: (run id, model info)."""
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(
            sk_model=clf if clf is not None else seed.clf,
            name="model",
            input_example=seed.X.iloc[[0]],
            registered_model_name=name,
            skops_trusted_types=SKOPS_TRUSTED_TYPES,
        )
    return run.info.run_id, info


def version_rows(seed: Seed, name: str) -> list[dict]:
    """The versions of ``name`` as the admin sees them in information_schema, oldest first."""
    result = seed.admin.sql(
        "SELECT version, status, run_id, source, storage_location, comment "
        "FROM system.information_schema.model_versions WHERE full_name = ? ORDER BY version",
        [name])
    return result.table.to_pylist()


def storage_location(seed: Seed, name: str, version) -> Path:
    [row] = [r for r in version_rows(seed, name) if r["version"] == int(version)]
    return Path(row["storage_location"])


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every file under ``folder``: relative path -> (sha256, size, mtime_ns, mode)."""
    files = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
        files[p.relative_to(folder).as_posix()] = (digest, st.st_size if p.is_file() else None,
                                                   st.st_mtime_ns, st.st_mode)
    return files


def error_code(excinfo) -> str:
    return excinfo.value.error_code


# -- Train and register Unity Catalog-compatible models ---------------------------------------------
def test_register_model_after_autologging(seed):
    # Train a sklearn model on the iris dataset (autologging on, as on Databricks)
    mlflow.sklearn.autolog()
    try:
        X, y = datasets.load_iris(return_X_y=True, as_frame=True)
        clf = RandomForestClassifier(max_depth=7, n_estimators=5)
        clf.fit(X, y)
    finally:
        mlflow.sklearn.autolog(disable=True)

    autolog_run = mlflow.last_active_run()
    model_uri = "runs:/{}/model".format(autolog_run.info.run_id)  # noqa: UP032 (the seed's code)
    mv = mlflow.register_model(model_uri, "prod.ml_team.iris_model")

    assert (mv.name, mv.version, mv.status) == ("prod.ml_team.iris_model", "1", "READY")
    assert mv.run_id == autolog_run.info.run_id
    assert mv.user_id == ALICE

    # "Register a model using the API": a second version from the same run.
    mv2 = mlflow.register_model(f"runs:/{autolog_run.info.run_id}/model", "prod.ml_team.iris_model")
    assert mv2.version == "2" and mv2.status == "READY"
    rows = version_rows(seed, "prod.ml_team.iris_model")
    assert [(r["version"], r["status"], r["run_id"]) for r in rows] == [
        (1, "READY", autolog_run.info.run_id), (2, "READY", autolog_run.info.run_id)]
    # The files are in managed storage beside the metastore, one folder per version.
    for r in rows:
        location = Path(r["storage_location"])
        assert location.is_dir() and (location / "MLmodel").is_file()
        assert str(location).startswith(str(seed.path) + ".models")
    assert rows[0]["storage_location"] != rows[1]["storage_location"]


def test_log_model_registers_a_version_with_an_inferred_signature(seed):
    with mlflow.start_run() as run:
        # Train a sklearn model on the iris dataset
        X, y = datasets.load_iris(return_X_y=True, as_frame=True)
        clf = RandomForestClassifier(max_depth=7, n_estimators=5)
        clf.fit(X, y)
        # Take the first row of the training dataset as the model input example.
        input_example = X.iloc[[0]]
        # Log the model and register it as a new version in UC.
        info = mlflow.sklearn.log_model(
            sk_model=clf,
            name="model",
            # The signature is automatically inferred from the input example and its predicted output.
            input_example=input_example,
            registered_model_name="prod.ml_team.iris_signed",
            skops_trusted_types=SKOPS_TRUSTED_TYPES,
        )

    assert str(info.registered_model_version) == "1"
    client = MlflowClient()
    mv = client.get_model_version("prod.ml_team.iris_signed", "1")
    assert mv.status == "READY"
    # log_model passes run_id=None; the store fills it in from the logged model.
    assert mv.run_id == run.info.run_id
    assert mv.model_id == info.model_id
    assert mv.source == info.model_uri
    # The managed copy carries the inferred signature.
    location = storage_location(seed, "prod.ml_team.iris_signed", 1)
    mlmodel = (location / "MLmodel").read_text()
    assert "signature:" in mlmodel and "sepal length (cm)" in mlmodel
    assert client.get_registered_model("prod.ml_team.iris_signed").name == "prod.ml_team.iris_signed"


# -- Deploy models using aliases ---------------------------------------------------------------------
def test_set_reassign_get_and_delete_an_alias(seed):
    register(seed, "prod.ml_team.iris_aliases", times=2)
    client = MlflowClient()

    # create "Champion" alias for version 1 of model "prod.ml_team.iris_model"
    client.set_registered_model_alias("prod.ml_team.iris_aliases", "Champion", 1)
    assert client.get_model_version_by_alias("prod.ml_team.iris_aliases", "Champion").version == "1"
    assert client.get_model_version("prod.ml_team.iris_aliases", "1").aliases == ["Champion"]

    # reassign the "Champion" alias to version 2
    client.set_registered_model_alias("prod.ml_team.iris_aliases", "Champion", 2)

    # get a model version by alias
    mv = client.get_model_version_by_alias("prod.ml_team.iris_aliases", "Champion")
    assert (mv.name, mv.version, mv.aliases) == ("prod.ml_team.iris_aliases", "2", ["Champion"])
    assert client.get_model_version("prod.ml_team.iris_aliases", "1").aliases == []
    assert client.get_registered_model("prod.ml_team.iris_aliases").aliases == {"Champion": "2"}

    # delete the alias
    client.delete_registered_model_alias("prod.ml_team.iris_aliases", "Champion")
    assert client.get_registered_model("prod.ml_team.iris_aliases").aliases == {}
    with pytest.raises(MlflowException) as e:
        client.get_model_version_by_alias("prod.ml_team.iris_aliases", "Champion")
    assert error_code(e) == "INVALID_PARAMETER_VALUE"


def test_load_by_alias_for_batch_inference_follows_the_alias(seed):
    _, v1 = log_and_register(seed, "prod.ml_team.iris_batch")
    other = RandomForestClassifier(max_depth=7, n_estimators=3, random_state=1).fit(seed.X, seed.y)
    _, v2 = log_and_register(seed, "prod.ml_team.iris_batch", other)
    client = MlflowClient()
    client.set_registered_model_alias("prod.ml_team.iris_batch", "Champion", 1)

    model_version_uri = "models:/prod.ml_team.iris_batch@Champion"
    champion_version = mlflow.pyfunc.load_model(model_version_uri)
    predictions = champion_version.predict(seed.test_x)
    assert list(predictions) == list(seed.clf.predict(seed.test_x)) == [0, 1, 2]
    assert champion_version.metadata.model_id == v1.model_id

    # Reassigning the alias: the same workload picks up the new version on its next execution.
    client.set_registered_model_alias("prod.ml_team.iris_batch", "Champion", 2)
    champion_version = mlflow.pyfunc.load_model(model_version_uri)
    assert champion_version.metadata.model_id == v2.model_id
    assert list(champion_version.predict(seed.test_x)) == list(other.predict(seed.test_x))


def test_get_version_by_alias_for_a_serving_endpoint(seed):
    register(seed, "prod.ml_team.iris_serving", times=3)
    MlflowClient().set_registered_model_alias("prod.ml_team.iris_serving", "Champion", 3)

    client = mlflow.tracking.MlflowClient()
    champion_version = client.get_model_version_by_alias("prod.ml_team.iris_serving", "Champion")
    # (the seed then calls the serving REST API with these two values)
    model_name = champion_version.name
    model_version = champion_version.version
    assert (model_name, model_version) == ("prod.ml_team.iris_serving", "3")
    assert champion_version.status == "READY"


def test_load_by_version_number(seed):
    register(seed, "prod.ml_team.iris_numbered", times=2)

    # Load version 1 of the model "prod.ml_team.iris_numbered"
    model_version_uri = "models:/prod.ml_team.iris_numbered/1"
    first_version = mlflow.pyfunc.load_model(model_version_uri)
    assert list(first_version.predict(seed.test_x)) == list(seed.clf.predict(seed.test_x))

    with pytest.raises(MlflowException) as e:
        mlflow.pyfunc.load_model("models:/prod.ml_team.iris_numbered/7")
    assert error_code(e) == "RESOURCE_DOES_NOT_EXIST"


def test_load_latest(seed):
    _, v1 = log_and_register(seed, "prod.ml_team.iris_latest")
    other = RandomForestClassifier(max_depth=7, n_estimators=3, random_state=2).fit(seed.X, seed.y)
    _, v2 = log_and_register(seed, "prod.ml_team.iris_latest", other)
    latest = mlflow.pyfunc.load_model("models:/prod.ml_team.iris_latest/latest")
    assert latest.metadata.model_id == v2.model_id
    MlflowClient().delete_model_version("prod.ml_team.iris_latest", 2)
    latest = mlflow.pyfunc.load_model("models:/prod.ml_team.iris_latest/latest")
    assert latest.metadata.model_id == v1.model_id


# -- Track the data lineage of a model ---------------------------------------------------------------
@pytest.fixture(scope="module")
def lineage_version(seed):
    """The seed's lineage example (pyspark/delta replaced by a pandas dataset of the same name)."""
    iris = datasets.load_iris()
    iris_df = pd.DataFrame(iris.data, columns=iris.feature_names)
    iris_df.rename(
        columns={
            'sepal length (cm)': 'sepal_length',
            'sepal width (cm)': 'sepal_width',
            'petal length (cm)': 'petal_length',
            'petal width (cm)': 'petal_width'},
        inplace=True
    )
    iris_df['species'] = iris.target

    dataset = mlflow.data.from_pandas(iris_df, name="prod.ml_team.iris")
    pd_df = dataset.df
    X = pd_df.drop("species", axis=1)
    y = pd_df["species"]
    with mlflow.start_run() as run:
        clf = RandomForestRegressor(n_estimators=5)
        clf.fit(X, y)
        mlflow.log_input(dataset, "training")
        # Take the first row of the training dataset as the model input example.
        input_example = X.iloc[[0]]
        # Log the model and register it as a new version in UC.
        mlflow.sklearn.log_model(
            sk_model=clf,
            name="model",
            # The signature is automatically inferred from the input example and its predicted output.
            input_example=input_example,
            registered_model_name="prod.ml_team.iris_classifier",
            skops_trusted_types=SKOPS_TRUSTED_TYPES,
        )
    return run.info.run_id, dataset


def test_lineage_is_recorded_in_information_schema(seed, lineage_version):
    run_id, dataset = lineage_version
    mv = MlflowClient().get_model_version("prod.ml_team.iris_classifier", "1")
    assert mv.run_id == run_id
    # The owner (alice) sees the lineage of her version.
    result = seed.alice.sql("SELECT * FROM system.information_schema.model_lineage")
    rows = [r for r in result.table.to_pylist() if r["full_name"] == "prod.ml_team.iris_classifier"]
    assert len(rows) == 1
    row = rows[0]
    assert row["version"] == 1
    assert row["dataset_name"] == "prod.ml_team.iris"
    assert row["dataset_digest"] == dataset.digest
    assert row["dataset_source_type"] == dataset.source._get_source_type()
    assert row["context"] == "training"


def test_lineage_is_shown_by_describe_model_version(seed, lineage_version):
    rows = dict(seed.alice.sql("DESCRIBE MODEL prod.ml_team.iris_classifier VERSION 1").fetchall())
    assert rows["run_id"] == lineage_version[0]
    # the dataset's name (not the model's, which starts with the same text)
    assert any(re.search(r"prod\.ml_team\.iris(?!\w)", value or "") for value in rows.values()), rows


def test_describe_model_version_shows_the_run(seed, lineage_version):
    rows = dict(seed.alice.sql("DESCRIBE MODEL prod.ml_team.iris_classifier VERSION 1").fetchall())
    assert rows["model_name"] == "prod.ml_team.iris_classifier"
    assert rows["status"] == "READY"
    assert rows["run_id"] == lineage_version[0]


def test_a_copy_keeps_the_lineage(seed, lineage_version):
    MlflowClient().copy_model_version("models:/prod.ml_team.iris_classifier/1",
                                      "staging.ml_team.iris_classifier_copy")
    rows = seed.alice.sql(
        "SELECT dataset_name, context FROM system.information_schema.model_lineage "
        "WHERE full_name = 'staging.ml_team.iris_classifier_copy'").fetchall()
    assert rows == [("prod.ml_team.iris", "training")]


# -- Rename, copy, delete ------------------------------------------------------------------------------
def test_rename_a_model(seed):
    register(seed, "prod.ml_team.iris_old_name", times=2)
    MlflowClient().set_registered_model_alias("prod.ml_team.iris_old_name", "Champion", 2)
    before = {r["version"]: r["storage_location"] for r in version_rows(seed, "prod.ml_team.iris_old_name")}

    client = MlflowClient()
    client.rename_registered_model("prod.ml_team.iris_old_name", "prod.ml_team.iris_new_name")

    assert client.get_registered_model("prod.ml_team.iris_new_name").name == "prod.ml_team.iris_new_name"
    with pytest.raises(MlflowException) as e:
        client.get_registered_model("prod.ml_team.iris_old_name")
    assert error_code(e) == "RESOURCE_DOES_NOT_EXIST"
    # Versions, aliases and files follow the model; no file moved (folders are keyed by id).
    after = {r["version"]: r["storage_location"] for r in version_rows(seed, "prod.ml_team.iris_new_name")}
    assert after == before
    assert client.get_model_version_by_alias("prod.ml_team.iris_new_name", "Champion").version == "2"
    model = mlflow.pyfunc.load_model("models:/prod.ml_team.iris_new_name@Champion")
    assert list(model.predict(seed.test_x)) == [0, 1, 2]


def test_copy_a_model_version(seed):
    register(seed, "prod.ml_team.iris_copy_src", times=2)
    client = MlflowClient()
    client.set_model_version_tag("prod.ml_team.iris_copy_src", "2", "validation_status", "approved")
    client.update_model_version("prod.ml_team.iris_copy_src", 2, "the second one")

    client = MlflowClient()
    copied = client.copy_model_version(
        "models:/prod.ml_team.iris_copy_src/2",
        "prod.ml_team.iris_copy_dst",
    )

    assert (copied.name, copied.version, copied.status) == ("prod.ml_team.iris_copy_dst", "1", "READY")
    assert copied.source == "models:/prod.ml_team.iris_copy_src/2"
    assert copied.tags == {"validation_status": "approved"}
    assert copied.description == "the second one"
    assert copied.run_id == seed.run_id
    src = storage_location(seed, "prod.ml_team.iris_copy_src", 2)
    dst = storage_location(seed, "prod.ml_team.iris_copy_dst", 1)
    assert src != dst
    assert {k: v[:2] for k, v in snapshot(src).items()} == {k: v[:2] for k, v in snapshot(dst).items()}
    # A second copy into the existing model is its version 2.
    again = client.copy_model_version("models:/prod.ml_team.iris_copy_src/1", "prod.ml_team.iris_copy_dst")
    assert again.version == "2"


def test_promote_a_model_across_environments(seed):
    register(seed, "staging.ml_team.fraud_detection")

    client = mlflow.tracking.MlflowClient()
    src_model_name = "staging.ml_team.fraud_detection"
    src_model_version = "1"
    src_model_uri = f"models:/{src_model_name}/{src_model_version}"
    dst_model_name = "prod.ml_team.fraud_detection"
    copied_model_version = client.copy_model_version(src_model_uri, dst_model_name)

    client = mlflow.tracking.MlflowClient()
    client.set_registered_model_alias(name="prod.ml_team.fraud_detection", alias="Champion",
                                      version=copied_model_version.version)

    assert copied_model_version.name == "prod.ml_team.fraud_detection"
    champion = mlflow.pyfunc.load_model("models:/prod.ml_team.fraud_detection@Champion")
    assert list(champion.predict(seed.test_x)) == [0, 1, 2]
    # The prod copy lives in its own folder: deleting the staging model leaves it loadable.
    client.delete_registered_model("staging.ml_team.fraud_detection")
    champion = mlflow.pyfunc.load_model("models:/prod.ml_team.fraud_detection@Champion")
    assert list(champion.predict(seed.test_x)) == [0, 1, 2]
    owner = seed.admin.sql("SELECT owner FROM system.information_schema.registered_models "
                           "WHERE full_name = 'prod.ml_team.fraud_detection'").scalar()
    assert owner == ALICE


def test_delete_model_versions_and_the_model(seed):
    register(seed, "prod.ml_team.iris_doomed", times=4)
    locations = {r["version"]: Path(r["storage_location"])
                 for r in version_rows(seed, "prod.ml_team.iris_doomed")}

    # Delete versions 1,2, and 3 of the model
    client = MlflowClient()
    versions = [1, 2, 3]
    for version in versions:
        client.delete_model_version(name="prod.ml_team.iris_doomed", version=version)

    assert [r["version"] for r in version_rows(seed, "prod.ml_team.iris_doomed")] == [4]
    assert not any(locations[v].exists() for v in versions)
    assert locations[4].is_dir()
    with pytest.raises(MlflowException) as e:
        client.get_model_version("prod.ml_team.iris_doomed", "2")
    assert error_code(e) == "RESOURCE_DOES_NOT_EXIST"
    # Version numbers are never reused.
    assert register(seed, "prod.ml_team.iris_doomed") == ["5"]
    locations[5] = storage_location(seed, "prod.ml_team.iris_doomed", 5)

    client = MlflowClient()
    client.delete_registered_model(name="prod.ml_team.iris_doomed")

    with pytest.raises(MlflowException) as e:
        client.get_registered_model("prod.ml_team.iris_doomed")
    assert error_code(e) == "RESOURCE_DOES_NOT_EXIST"
    assert version_rows(seed, "prod.ml_team.iris_doomed") == []
    assert not any(p.exists() for p in locations.values())


# -- Tags, descriptions ---------------------------------------------------------------------------------
def test_tags_on_models_and_versions(seed):
    register(seed, "prod.ml_team.iris_tagged")
    client = MlflowClient()

    # Set registered model tag
    client.set_registered_model_tag("prod.ml_team.iris_tagged", "task", "classification")
    assert client.get_registered_model("prod.ml_team.iris_tagged").tags == {"task": "classification"}

    # Delete registered model tag
    client.delete_registered_model_tag("prod.ml_team.iris_tagged", "task")
    assert client.get_registered_model("prod.ml_team.iris_tagged").tags == {}

    # Set model version tag
    client.set_model_version_tag("prod.ml_team.iris_tagged", "1", "validation_status", "approved")
    assert client.get_model_version("prod.ml_team.iris_tagged", "1").tags == {
        "validation_status": "approved"}
    assert seed.admin.sql(
        "SELECT tags['validation_status'] FROM system.information_schema.model_versions "
        "WHERE full_name = 'prod.ml_team.iris_tagged'").scalar() == "approved"

    # Delete model version tag
    client.delete_model_version_tag("prod.ml_team.iris_tagged", "1", "validation_status")
    assert client.get_model_version("prod.ml_team.iris_tagged", "1").tags == {}


def test_descriptions_of_models_and_versions(seed):
    register(seed, "prod.ml_team.iris_described")

    client = MlflowClient()
    updated = client.update_registered_model(
        name="prod.ml_team.iris_described",
        description="Classifies iris flowers by species."
    )
    assert updated.description == "Classifies iris flowers by species."

    client = MlflowClient()
    client.update_model_version(
        name="prod.ml_team.iris_described",
        version=1,
        description="A random forest, max_depth=7."
    )

    assert client.get_registered_model("prod.ml_team.iris_described").description == \
        "Classifies iris flowers by species."
    assert client.get_model_version("prod.ml_team.iris_described", "1").description == \
        "A random forest, max_depth=7."
    assert version_rows(seed, "prod.ml_team.iris_described")[0]["comment"] == "A random forest, max_depth=7."


# -- List and search ------------------------------------------------------------------------------------
def test_list_and_search(seed, capsys):
    register(seed, "prod.ml_team.iris_searched", times=2)
    register(seed, "staging.ml_team.iris_searched")

    client = MlflowClient()
    models = client.search_registered_models()
    names_found = [m.name for m in models]
    assert "prod.ml_team.iris_searched" in names_found
    assert "staging.ml_team.iris_searched" in names_found
    assert len(names_found) == len(set(names_found))

    from pprint import pprint

    client = MlflowClient()
    [pprint(mv) for mv in client.search_model_versions("name='prod.ml_team.iris_searched'")]
    printed = capsys.readouterr().out
    assert printed.count("name='prod.ml_team.iris_searched'") == 2

    versions = client.search_model_versions("name='prod.ml_team.iris_searched'")
    assert sorted(mv.version for mv in versions) == ["1", "2"]
    assert all(mv.name == "prod.ml_team.iris_searched" and mv.status == "READY" for mv in versions)


# -- Download model files ---------------------------------------------------------------------------------
def test_download_model_files(seed, tmp_path):
    register(seed, "prod.ml_team.iris_download", times=2)
    MlflowClient().set_registered_model_alias("prod.ml_team.iris_download", "Champion", 2)

    for model_name, version, dst in [("prod.ml_team.iris_download", "1", "by_version"),
                                     ("prod.ml_team.iris_download", "@Champion", "by_alias")]:
        model_uri = (f"models:/{model_name}/{version}" if not version.startswith("@")
                     else f"models:/{model_name}{version}")  # reference model by version or alias
        destination_path = str(tmp_path / dst / "model")
        local = mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=destination_path)
        number = version.lstrip("@") if not version.startswith("@") else "2"
        managed = snapshot(storage_location(seed, "prod.ml_team.iris_download", number))
        downloaded = snapshot(Path(local))
        # Some MLflow releases add registered_model_meta (the name and version) to what they
        # download, others do not: when it is there it names what was asked for, and it is not
        # one of the model's files.
        if "registered_model_meta" in downloaded:
            meta = yaml.safe_load((Path(local) / "registered_model_meta").read_text())
            assert meta == {"model_name": "prod.ml_team.iris_download", "model_version": number}
            del downloaded["registered_model_meta"]
        assert {k: v[:2] for k, v in downloaded.items()} == {k: v[:2] for k, v in managed.items()}
        assert (Path(local) / "MLmodel").is_file()


def test_loading_never_modifies_the_managed_copy(seed, tmp_path):
    register(seed, "prod.ml_team.iris_readonly", times=2)
    client = MlflowClient()
    client.set_registered_model_alias("prod.ml_team.iris_readonly", "Champion", 1)
    locations = [storage_location(seed, "prod.ml_team.iris_readonly", v) for v in (1, 2)]
    before = [snapshot(p) for p in locations]
    assert all("MLmodel" in s for s in before)

    for uri in ["models:/prod.ml_team.iris_readonly@Champion", "models:/prod.ml_team.iris_readonly/1",
                "models:/prod.ml_team.iris_readonly/2", "models:/prod.ml_team.iris_readonly/latest"]:
        model = mlflow.pyfunc.load_model(uri)
        assert list(model.predict(seed.test_x)) == [0, 1, 2]
        mlflow.sklearn.load_model(uri)
        mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(tmp_path / "dl"))

    assert [snapshot(p) for p in locations] == before
    for p in locations:  # MLflow writes registered_model_meta into folders it loads in place
        assert not (p / "registered_model_meta").exists()
