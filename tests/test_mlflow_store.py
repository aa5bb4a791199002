"""The registry store plugin itself (``ucsql.mlflow_store``) through the stock MLflow client:
completeness against MLflow's AbstractStore, the signature rule, error codes, stages, URIs, and
registrations that fail half-way.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import mlflow
import mlflow.models
import mlflow.pyfunc
import mlflow.sklearn
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.store.model_registry.abstract_store import AbstractStore
from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier

import ucsql
from tests.conftest import write_model_dir
from ucsql.mlflow_store import UcsqlRegistryStore

ADMIN = "admin"
MODEL = "prod.ml_team.iris"
# MLflow 3 saves scikit-learn models with skops (the demo extra installs it), which loads only
# trusted types: forests need their trees trusted, as the README says.
SKOPS_TRUSTED_TYPES = ["sklearn.tree._tree.Tree"]


def _no_pip_inference(model_uri, flavor, fallback=None, **kwargs):
    """Stand-in for mlflow.models.infer_pip_requirements (a slow subprocess): the fallback."""
    return fallback


# -- 1. every abstract method is implemented ---------------------------------------------------------------
def abstract_methods() -> list[str]:
    return sorted(name for name in dir(AbstractStore)
                  if getattr(getattr(AbstractStore, name), "__isabstractmethod__", False))


def test_abstract_store_methods_are_all_overridden():
    # AbstractStore's metaclass line is Python-2 style, so Python does not enforce these: a
    # missing one would silently return None.
    methods = abstract_methods()
    assert len(methods) >= 20, methods
    assert {"create_registered_model", "create_model_version", "get_model_version_download_uri",
            "search_model_versions", "transition_model_version_stage"} <= set(methods)
    missing = [m for m in methods if getattr(UcsqlRegistryStore, m) is getattr(AbstractStore, m)]
    assert missing == []
    # Not abstract, but without an override every registration waits and logs.
    assert UcsqlRegistryStore._await_model_version_creation is not \
        AbstractStore._await_model_version_creation
    assert UcsqlRegistryStore.copy_model_version is not AbstractStore.copy_model_version


# -- fixtures ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One tracking store for the module, a trained classifier, and it saved with and without a
    signature. URIs reset afterwards."""
    root = tmp_path_factory.mktemp("mlflow_store")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)  # the tracking store's default artifact root is ./mlruns
        for var in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
            mp.delenv(var, raising=False)
        mp.setattr(mlflow.models, "infer_pip_requirements", _no_pip_inference)
        mlflow.set_tracking_uri(f"sqlite:///{root}/mlflow.db")
        try:
            X, y = datasets.load_iris(return_X_y=True, as_frame=True)
            clf = RandomForestClassifier(max_depth=7, n_estimators=5, random_state=0).fit(X, y)
            signed = root / "signed"
            mlflow.sklearn.save_model(clf, str(signed), input_example=X.iloc[[0]],
                                      skops_trusted_types=SKOPS_TRUSTED_TYPES)
            unsigned = root / "unsigned"
            mlflow.sklearn.save_model(clf, str(unsigned), skops_trusted_types=SKOPS_TRUSTED_TYPES)
            yield {"X": X, "clf": clf, "signed": signed, "unsigned": unsigned}
        finally:
            mlflow.end_run()
            mlflow.set_registry_uri(None)
            mlflow.set_tracking_uri(None)


@pytest.fixture
def env(trained, tmp_path, monkeypatch):
    """A fresh metastore (admin ``admin``, catalog prod, schema prod.ml_team) as the registry;
    the caller is the admin."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UCSQL_PRINCIPAL", ADMIN)
    path = tmp_path / "metastore.duckdb"
    admin = ucsql.connect(path, principal=ADMIN)
    admin.sql("CREATE CATALOG prod; CREATE SCHEMA prod.ml_team")
    mlflow.set_registry_uri(f"ucsql://{path}")
    yield {"admin": admin, "path": path, "client": MlflowClient(), **trained}
    mlflow.set_registry_uri(None)
    admin.close()


def versions(admin, name=MODEL) -> list[tuple]:
    return admin.sql("SELECT version, status FROM system.information_schema.model_versions "
                     "WHERE full_name = ? ORDER BY version", [name]).fetchall()


def leftovers(path: Path) -> tuple[list[str], list[str]]:
    """(files in the staging folder, version folders in managed storage) beside ``path``."""
    root = Path(str(path) + ".models")
    staging = sorted(p.name for p in (root / ".staging").glob("*")) if (root / ".staging").exists() else []
    published = sorted(str(p.relative_to(root)) for p in (root / "models").glob("*/*")) \
        if (root / "models").exists() else []
    return staging, published


# -- 2. versions need a signature -------------------------------------------------------------------------------
def test_a_model_without_a_signature_is_refused(env):
    client = env["client"]
    assert "signature" not in (env["unsigned"] / "MLmodel").read_text()
    client.create_registered_model(MODEL)
    with pytest.raises(MlflowException) as e:
        client.create_model_version(MODEL, source=str(env["unsigned"]))
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "signature" in e.value.message and "input_example" in e.value.message
    assert versions(env["admin"]) == []
    assert client.get_latest_versions(MODEL) == []
    assert leftovers(env["path"]) == ([], [])
    # With a signature it registers, as version 1.
    mv = client.create_model_version(MODEL, source=str(env["signed"]))
    assert (mv.version, mv.status) == ("1", "READY")


def test_log_model_without_an_input_example_is_refused(env):
    with mlflow.start_run(), pytest.raises(MlflowException) as e:
        mlflow.sklearn.log_model(env["clf"], name="model", registered_model_name=MODEL,
                                 skops_trusted_types=SKOPS_TRUSTED_TYPES)
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "input_example" in e.value.message
    # register_model created the model before the version was refused; it is gone again.
    assert versions(env["admin"]) == []
    assert env["admin"].sql("SELECT count(*) FROM system.information_schema.registered_models"
                            ).scalar() == 0
    assert leftovers(env["path"]) == ([], [])


# -- 3. error codes -------------------------------------------------------------------------------------------
def test_error_codes(env):
    client = env["client"]
    client.create_registered_model(MODEL)
    client.create_model_version(MODEL, source=str(env["signed"]))

    def code(call):
        with pytest.raises(MlflowException) as e:
            call()
        return e.value.error_code

    assert code(lambda: client.get_registered_model("prod.ml_team.nope")) == "RESOURCE_DOES_NOT_EXIST"
    assert code(lambda: client.get_registered_model("nope.ml_team.iris")) == "RESOURCE_DOES_NOT_EXIST"
    assert code(lambda: client.get_model_version(MODEL, "7")) == "RESOURCE_DOES_NOT_EXIST"
    assert code(lambda: client.get_model_version_download_uri(MODEL, "7")) == "RESOURCE_DOES_NOT_EXIST"
    assert code(lambda: client.delete_model_version(MODEL, "7")) == "RESOURCE_DOES_NOT_EXIST"
    assert code(lambda: mlflow.pyfunc.load_model(f"models:/{MODEL}/7")) == "RESOURCE_DOES_NOT_EXIST"
    assert code(lambda: client.get_model_version_by_alias(MODEL, "nope")) == "INVALID_PARAMETER_VALUE"
    assert code(lambda: mlflow.pyfunc.load_model(f"models:/{MODEL}@nope")) == "INVALID_PARAMETER_VALUE"
    assert code(lambda: client.create_registered_model(MODEL)) == "RESOURCE_ALREADY_EXISTS"
    assert code(lambda: client.create_registered_model("PROD.ML_Team.Iris")) == "RESOURCE_ALREADY_EXISTS"
    assert code(lambda: client.create_registered_model("a.b.c.d")) == "INVALID_PARAMETER_VALUE"
    assert code(lambda: client.set_registered_model_alias(MODEL, "latest", 1)) == "INVALID_PARAMETER_VALUE"
    assert code(lambda: client.set_registered_model_tag(MODEL, "bad=key", "x")) == "INVALID_PARAMETER_VALUE"
    # search: bad filters, order_by and page tokens
    assert code(lambda: client.search_registered_models("colour = 'red'")) == "INVALID_PARAMETER_VALUE"
    assert code(lambda: client.search_registered_models("name === 'x'")) == "INVALID_PARAMETER_VALUE"
    assert code(lambda: client.search_model_versions("colour = 'red'")) == "INVALID_PARAMETER_VALUE"
    assert code(lambda: client.search_model_versions("version_number > 'x'")) == "INVALID_PARAMETER_VALUE"
    assert code(lambda: client.search_registered_models(order_by=["colour"])) == "INVALID_PARAMETER_VALUE"
    assert code(lambda: client.search_registered_models(page_token="garbage")) == "INVALID_PARAMETER_VALUE"
    assert code(lambda: client.search_model_versions(page_token="garbage")) == "INVALID_PARAMETER_VALUE"
    # A token of one search is refused by another.
    client.create_registered_model("prod.ml_team.other")
    page = client.search_registered_models(max_results=1)
    assert page.token
    assert code(lambda: client.search_registered_models(filter_string="name LIKE 'prod.%'",
                                                        page_token=page.token)) == "INVALID_PARAMETER_VALUE"
    assert [m.name for m in client.search_registered_models(max_results=1, page_token=page.token)] == [
        "prod.ml_team.other"]


# -- 4. stages --------------------------------------------------------------------------------------------------
def test_stages_are_refused_with_a_pointer_to_aliases(env):
    client = env["client"]
    client.create_registered_model(MODEL)
    for _ in range(2):
        client.create_model_version(MODEL, source=str(env["signed"]))

    with pytest.raises(MlflowException) as e:
        client.transition_model_version_stage(MODEL, "1", "Production")
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "alias" in e.value.message.lower() and "set_registered_model_alias" in e.value.message
    with pytest.raises(MlflowException) as e:
        client.get_latest_versions(MODEL, stages=["Production"])
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "alias" in e.value.message.lower()

    [latest] = client.get_latest_versions(MODEL)
    assert latest.version == "2"
    assert client.get_model_version(MODEL, "1").current_stage in (None, "None")
    model = mlflow.pyfunc.load_model(f"models:/{MODEL}/latest")
    assert list(model.predict(env["X"].iloc[[0, 60, 120]])) == [0, 1, 2]


# -- 5. URIs ----------------------------------------------------------------------------------------------------
def test_relative_uris_are_relative_to_the_working_directory(trained, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UCSQL_PRINCIPAL", ADMIN)
    (tmp_path / "nested").mkdir()
    try:
        for uri, file in [("ucsql:store_relative.duckdb", tmp_path / "store_relative.duckdb"),
                          ("ucsql:nested/store_relative.duckdb",
                           tmp_path / "nested" / "store_relative.duckdb")]:
            mlflow.set_registry_uri(uri)
            client = MlflowClient()
            # main.default is open to every account user: a new metastore works with no GRANT.
            mv = client.create_model_version(client.create_registered_model("main.default.iris").name,
                                             source=str(trained["signed"]))
            assert (mv.name, mv.version) == ("main.default.iris", "1")
            assert file.is_file()
            assert (Path(str(file) + ".models") / "models").is_dir()
            model = mlflow.pyfunc.load_model("models:/main.default.iris/1")
            assert list(model.predict(trained["X"].iloc[[0]])) == [0]
            cat = ucsql.connect(file, principal=ADMIN)
            assert versions(cat, "main.default.iris") == [(1, "READY")]
            cat.close()
    finally:
        mlflow.set_registry_uri(None)


@pytest.mark.parametrize("uri", ["ucsql:~/reg/home.duckdb", "ucsql:///~/reg/home.duckdb"])
def test_tilde_in_a_uri_is_the_home_folder(trained, tmp_path, monkeypatch, uri):
    # As in a shell (and in ucsql FILE): not a folder literally named "~" in the working directory.
    home = tmp_path / "home"
    (home / "reg").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UCSQL_PRINCIPAL", ADMIN)
    client = MlflowClient(registry_uri=uri)
    mv = client.create_model_version(client.create_registered_model("main.default.iris").name,
                                     source=str(trained["signed"]))
    assert (home / "reg" / "home.duckdb").is_file() and not (tmp_path / "~").exists()
    mlflow.set_registry_uri(uri)
    try:
        model = mlflow.pyfunc.load_model(f"models:/{mv.name}/{mv.version}")
    finally:
        mlflow.set_registry_uri(None)
    assert list(model.predict(trained["X"].iloc[[0]])) == [0]


@pytest.mark.parametrize("uri", ["ucsql://somehost/x.duckdb", "ucsql:"])
def test_bad_uris_are_refused(trained, uri, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MlflowException) as e:
        MlflowClient(registry_uri=uri).search_registered_models()
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "ucsql:///" in e.value.message


# -- 6. a half-finished registration never shows READY -------------------------------------------------------------
# A failed copy surfaces today as the raw OSError (shutil.Error) from ucsql.storage, not as an
# MlflowException: see test_a_failed_copy_is_an_mlflow_exception. These tests are about what the
# failure leaves behind, so they accept both.
COPY_FAILED = (MlflowException, OSError)


def _fifo(src: Path, monkeypatch):
    os.mkfifo(src / "zz_pipe")  # copytree copies the other files, then fails on this one
    return COPY_FAILED


def _dangling_symlink(src: Path, monkeypatch):
    os.symlink(src / "does-not-exist", src / "zz_link")
    return COPY_FAILED


def _copy_fails_after_two_files(src: Path, monkeypatch, error: BaseException | None = None):
    """The third file cannot be written (the disk is full): fault injection at ucsql's one
    function that copies a file into staging."""
    import ucsql.storage
    real = ucsql.storage._copy_file
    copied = []

    def copy_file(a, b, *args, **kwargs):
        if len(copied) >= 2:
            raise error or OSError(28, "No space left on device")
        copied.append(a)
        return real(a, b, *args, **kwargs)

    monkeypatch.setattr(ucsql.storage, "_copy_file", copy_file)
    return COPY_FAILED


def _interrupted_mid_copy(src: Path, monkeypatch):
    _copy_fails_after_two_files(src, monkeypatch, KeyboardInterrupt())
    return KeyboardInterrupt


def _fails_after_publish(src: Path, monkeypatch):
    """The files are complete and renamed into place; recording the version then fails."""
    from ucsql.engine import Context
    real = Context._query

    def query(self, name):
        if name == "insert_model_version":
            raise RuntimeError("crash while recording the version")
        return real(self, name)

    monkeypatch.setattr(Context, "_query", query)
    return (MlflowException, RuntimeError)


@pytest.mark.parametrize("inject", [_fifo, _dangling_symlink, _copy_fails_after_two_files,
                                    _interrupted_mid_copy, _fails_after_publish],
                         ids=lambda f: f.__name__.strip("_"))
def test_a_failed_registration_leaves_no_version_and_no_files(env, tmp_path, monkeypatch, inject):
    client = env["client"]
    client.create_registered_model(MODEL)
    src = tmp_path / "model_src"
    shutil.copytree(env["signed"], src)
    for i in range(3):
        (src / f"file_{i}.txt").write_text("x" * 1000)

    with monkeypatch.context() as m:
        expected = inject(src, m)
        with pytest.raises(expected):
            client.create_model_version(MODEL, source=str(src))

    assert env["admin"].sql("SELECT result FROM system.access.audit WHERE action = 'ADD_MODEL_VERSION' "
                            "ORDER BY audit_id").fetchall() == [("FAILED",)]
    assert versions(env["admin"]) == []
    assert client.get_latest_versions(MODEL) == []
    assert client.search_model_versions(f"name='{MODEL}'") == []
    assert leftovers(env["path"]) == ([], [])

    # The next registration (the source repaired) gets version 1, complete and READY.
    for extra in ("zz_pipe", "zz_link"):
        if os.path.lexists(src / extra):
            os.unlink(src / extra)
    mv = client.create_model_version(MODEL, source=str(src))
    assert (mv.version, mv.status) == ("1", "READY")
    location = Path(env["admin"].sql(
        "SELECT storage_location FROM system.information_schema.model_versions "
        "WHERE full_name = ? AND version = 1", [MODEL]).scalar())
    assert sorted(p.name for p in location.iterdir()) == sorted(p.name for p in src.iterdir())
    assert leftovers(env["path"])[0] == []


def test_a_failed_copy_is_an_mlflow_exception(env, tmp_path):
    client = env["client"]
    client.create_registered_model(MODEL)
    src = tmp_path / "model_src"
    shutil.copytree(env["signed"], src)
    os.mkfifo(src / "zz_pipe")
    with pytest.raises(MlflowException) as e:
        client.create_model_version(MODEL, source=str(src))
    assert "zz_pipe" in e.value.message


def test_registration_records_who_and_from_where(env):
    client = env["client"]
    client.create_registered_model(MODEL, description="iris classifier")
    mv = client.create_model_version(MODEL, source=str(env["signed"]), description="first",
                                     tags={"validation_status": "pending"})
    assert mv.user_id == ADMIN
    assert mv.source == str(env["signed"])
    assert mv.description == "first" and mv.tags == {"validation_status": "pending"}
    assert mv.creation_timestamp and mv.last_updated_timestamp
    uri = client.get_model_version_download_uri(MODEL, "1")
    assert uri.startswith("ucsql://") and "version=1" in uri
    # The managed copy is not the source folder.
    location = env["admin"].sql("SELECT storage_location FROM system.information_schema.model_versions"
                                ).scalar()
    assert Path(location).resolve() != env["signed"].resolve()
    assert str(location).startswith(str(env["path"]) + ".models")


def test_minimal_model_dirs_register_too(env, tmp_path):
    """The conftest's hand-written MLflow folder (an MLmodel file with a signature, no flavor code)."""
    client = env["client"]
    client.create_registered_model(MODEL)
    mv = client.create_model_version(MODEL, source=str(write_model_dir(tmp_path / "mini")))
    assert mv.version == "1"
    with pytest.raises(MlflowException) as e:
        client.create_model_version(MODEL, source=str(write_model_dir(tmp_path / "nosig", signature=False)))
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as e:
        client.create_model_version(MODEL, source=str(tmp_path / "missing"))
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize("tags", [None, {"team": "fraud"}])
def test_a_created_model_is_described_as_reading_it_back_would(env, tags):
    """create_registered_model describes the new model from its creation when it can (no read
    back): what it returns must be exactly what get_registered_model says."""
    from mlflow.entities.model_registry import RegisteredModelTag

    client = env["client"]
    made = client._get_registry_client().store.create_registered_model(
        "Prod.ML_Team.Made", tags=[RegisteredModelTag(k, v) for k, v in (tags or {}).items()],
        description="  first cut  ")
    got = client.get_registered_model("prod.ml_team.made")
    assert (made.name, made.creation_timestamp, made.last_updated_timestamp, made.description,
            {t.key: t.value for t in made.tags} if isinstance(made.tags, list) else made.tags,
            made.aliases) == \
        (got.name, got.creation_timestamp, got.last_updated_timestamp, got.description,
         got.tags, got.aliases)
    assert made.name == "prod.ml_team.made"


@pytest.mark.parametrize("copy", [False, True])
def test_a_created_version_is_described_as_reading_it_back_would(env, copy):
    """create_model_version (and a copy within the registry) returns the version as ADD VERSION
    described it, without reading it back: exactly what get_model_version says."""
    from mlflow.entities.model_registry import ModelVersionTag

    client = env["client"]
    store = client._get_registry_client().store
    client.create_registered_model(MODEL)
    tags = [ModelVersionTag("stage", "dev"), ModelVersionTag("a", "1")]
    made = store.create_model_version(MODEL, str(env["signed"]), run_id=None, tags=tags,
                                      description="first")
    if copy:
        client.create_registered_model("prod.ml_team.copy")
        made = store.create_model_version("prod.ml_team.copy", f"models:/{MODEL}/1", tags=tags,
                                          description="copied")
    got = client.get_model_version(made.name, made.version)
    fields = ("name", "version", "creation_timestamp", "last_updated_timestamp", "description",
              "user_id", "source", "run_id", "status", "status_message", "run_link", "aliases")
    assert [getattr(made, f) for f in fields] == [getattr(got, f) for f in fields]
    assert made.tags == got.tags == {"a": "1", "stage": "dev"}


# -- 7. refusals made by the façade itself are audited once -----------------------------------------------------
def _audit_since(admin, mark: int) -> list[tuple]:
    """The refusals audited since ``mark`` (rows of allowed reads may be written late)."""
    return admin.sql("SELECT principal, action, securable_kind, securable_name, result, detail, "
                     "statement FROM system.access.audit WHERE audit_id > ? AND result <> 'ALLOWED' "
                     "ORDER BY audit_id", [mark]).fetchall()


def _mark(admin) -> int:
    return admin.sql("SELECT coalesce(max(audit_id), 0) FROM system.access.audit").scalar()


def test_refusals_before_the_engine_are_audited_once(env):
    """A malformed name, stages, a bad filter or page token never reach a statement: the
    façade refuses them, and audits each refusal once, naming the MLflow call."""
    client = env["client"]
    client.create_registered_model(MODEL)
    calls = [
        (lambda: client.get_registered_model("a.b.c.d"), "GET_REGISTERED_MODEL", "a.b.c.d",
         "mlflow: get_registered_model(name='a.b.c.d')"),
        (lambda: client.transition_model_version_stage(MODEL, "1", "Production"),
         "TRANSITION_MODEL_VERSION_STAGE", MODEL,
         "mlflow: transition_model_version_stage(name='prod.ml_team.iris', version='1', "
         "stage='Production', archive_existing_versions=False)"),
        (lambda: client.get_latest_versions(MODEL, stages=["Production"]),
         "GET_LATEST_VERSIONS", MODEL,
         "mlflow: get_latest_versions(name='prod.ml_team.iris', stages=['Production'])"),
        (lambda: client.search_model_versions("colour = 'red'"), "SEARCH_MODEL_VERSIONS", None,
         "mlflow: search_model_versions(filter_string=\"colour = 'red'\", max_results=10000)"),
        (lambda: client.search_registered_models(page_token="garbage"),
         "SEARCH_REGISTERED_MODELS", None,
         "mlflow: search_registered_models(filter_string=\"tag.`mlflow.prompt.is_prompt` != "
         "'true'\", max_results=100, page_token='garbage')"),
    ]
    for call, action, model, statement in calls:
        mark = _mark(env["admin"])
        with pytest.raises(MlflowException) as e:
            call()
        rows = _audit_since(env["admin"], mark)
        assert rows == [(ADMIN, action, "MODEL" if model else None, model, "FAILED",
                         e.value.message, statement)], rows
    # A refusal of the engine itself, through the façade, is still one row.
    mark = _mark(env["admin"])
    with pytest.raises(MlflowException):
        client.get_registered_model("prod.ml_team.nope")
    assert [r[1] for r in _audit_since(env["admin"], mark)] == ["GET_MODEL"]


# -- 8. downloads: only the version's files, only from an existing metastore ---------------------------------
def _repository(client, version="1"):
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
    return get_artifact_repository(client.get_model_version_download_uri(MODEL, version))


@pytest.mark.parametrize("path", ["../../../../../../etc/passwd", "/etc/passwd", "..",
                                  "sub/../../x", "escape/passwd"])
def test_paths_outside_the_version_are_refused_and_audited(env, path, tmp_path):
    client = env["client"]
    client.create_registered_model(MODEL)
    client.create_model_version(MODEL, source=str(env["signed"]))
    repository = _repository(client)
    # A symlink out of the version's files (put there behind ucsql's back) leads nowhere either.
    os.symlink("/etc", repository.root / "escape")
    mark = _mark(env["admin"])
    with pytest.raises(MlflowException) as e:
        repository.download_artifacts(path, dst_path=str(tmp_path))
    assert e.value.error_code == "PERMISSION_DENIED"
    assert e.value.message == (
        f"Permission denied: {ADMIN} cannot read {path!r}: it is outside the files of {MODEL} "
        "version 1. Give a path inside the version's files, as list_artifacts names them.")
    assert _audit_since(env["admin"], mark) == [
        (ADMIN, "DOWNLOAD_ARTIFACT", "MODEL", f"{MODEL} version 1", "DENIED", e.value.message,
         f"-- download {path!r} of {MODEL} version 1")]
    with pytest.raises(MlflowException):
        repository.list_artifacts(path)
    assert len(_audit_since(env["admin"], mark)) == 2
    assert [f.path for f in repository.list_artifacts("")] and not list(tmp_path.glob("passwd"))


def test_a_download_uri_naming_a_missing_metastore_creates_nothing(env, tmp_path):
    client = env["client"]
    client.create_registered_model(MODEL)
    client.create_model_version(MODEL, source=str(env["signed"]))
    uri = client.get_model_version_download_uri(MODEL, "1")
    missing = tmp_path / "elsewhere" / "gone.duckdb"
    missing.parent.mkdir()
    moved = uri.replace(str(env["path"]), str(missing))
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
    with pytest.raises(MlflowException) as e:
        get_artifact_repository(moved)
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert e.value.message.startswith(f"Metastore {missing} does not exist")
    with pytest.raises(MlflowException):
        mlflow.artifacts.download_artifacts(artifact_uri=moved, dst_path=str(tmp_path / "out"))
    assert list(missing.parent.iterdir()) == []
    # The registry URI itself still creates a new metastore, as always.
    created = tmp_path / "elsewhere" / "new.duckdb"
    MlflowClient(registry_uri=f"ucsql://{created}").search_registered_models()
    assert created.is_file()
