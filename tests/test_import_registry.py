"""``ucsql migrate``: a real MLflow registry (SqlAlchemyStore on SQLite) moved into a schema.

The source holds what users of the legacy workspace registry have (seed 003): several models,
several versions each logged with ``mlflow.sklearn.log_model``, stages, tags (one key ucsql
refuses), descriptions, an alias, a legacy name with a space, one version without a signature
but with an input example, one with neither. Everything that arrives is checked through SQL as
another principal would see it, and the files load with the stock MLflow client.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import mlflow
import mlflow.data
import mlflow.models
import mlflow.pyfunc
import mlflow.sklearn
import pytest
from click.testing import CliRunner
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import ucsql
from ucsql.cli import main
from ucsql.import_registry import map_name, map_tag_key, parse_stage_aliases
from ucsql.errors import InvalidArgument

ADMIN = "admin"
ALICE = "alice"  # the migrating principal: USE CATALOG, USE SCHEMA, CREATE MODEL, nothing else


def _no_pip_inference(model_uri, flavor, fallback=None, **kwargs):
    """Stand-in for mlflow.models.infer_pip_requirements (a slow subprocess): the fallback."""
    return fallback


@contextlib.contextmanager
def mlflow_at(tracking: str, registry: str):
    """MLflow's fluent API pointed at these stores for the block, through the environment
    (mlflow.set_registry_uri would leave MLFLOW_REGISTRY_URI set for every later test)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mlflow.models, "infer_pip_requirements", _no_pip_inference)
        mp.setenv("MLFLOW_TRACKING_URI", tracking)
        mp.setenv("MLFLOW_REGISTRY_URI", registry)
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)
        try:
            yield mp
        finally:
            mlflow.set_tracking_uri(None)
            mlflow.set_registry_uri(None)


@dataclass
class Source:
    uri: str
    root: Path
    X: object


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Source:
    """The legacy registry: 3 models, 6 versions (Fraud Detector 1-3, churn 1-2, legacy 1)."""
    root = tmp_path_factory.mktemp("legacy_registry")
    uri = f"sqlite:///{root}/mlflow.db"
    X, y = load_iris(return_X_y=True, as_frame=True)
    clf = LogisticRegression(max_iter=200).fit(X, y)
    with mlflow_at(uri, uri) as mp:
        mp.chdir(root)  # the run artifacts go to ./mlruns of the source

        def log(name, **kwargs):
            with mlflow.start_run():
                if name == "churn":  # its runs trained on a dataset they logged
                    mlflow.log_input(mlflow.data.from_pandas(X, name="iris"), context="training")
                info = mlflow.sklearn.log_model(clf, name="model", registered_model_name=name,
                                                **kwargs)
            return info.registered_model_version

        for _ in range(3):
            log("Fraud Detector", input_example=X.iloc[[0]])
        log("churn", input_example=X.iloc[[0]], signature=False)  # example, no signature
        log("churn", input_example=X.iloc[[0]])
        log("legacy")  # neither signature nor input example
        client = MlflowClient()
        client.update_registered_model("Fraud Detector", description="flags fraud")
        client.set_registered_model_tag("Fraud Detector", "team", "risk")
        client.set_registered_model_tag("Fraud Detector", "data-source", "s3")
        client.update_model_version("Fraud Detector", "2", description="the good one")
        client.set_model_version_tag("Fraud Detector", "2", "validated", "yes")
        client.transition_model_version_stage("Fraud Detector", "1", "Archived")
        client.transition_model_version_stage("Fraud Detector", "2", "Production")
        client.transition_model_version_stage("Fraud Detector", "3", "Staging")
        client.transition_model_version_stage("churn", "2", "Production")
        client.set_registered_model_alias("Fraud Detector", "best", "2")
    return Source(uri, root, X)


@pytest.fixture
def target(tmp_path):
    """A metastore with schema prod.ml where alice may create models (and bob may only look)."""
    path = tmp_path / "metastore.duckdb"
    admin = ucsql.connect(path, principal=ADMIN)
    admin.sql("""CREATE CATALOG prod; CREATE SCHEMA prod.ml;
                 CREATE USER alice; CREATE USER bob;
                 GRANT USE CATALOG ON CATALOG prod TO alice;
                 GRANT USE SCHEMA, CREATE_MODEL ON SCHEMA prod.ml TO alice;
                 GRANT USE CATALOG ON CATALOG prod TO bob;
                 GRANT USE SCHEMA ON SCHEMA prod.ml TO bob""")
    yield path, admin
    admin.close()


def migrate(path, source, *args, principal=ALICE):
    return CliRunner().invoke(main, ["migrate", str(path), "--from", source.uri,
                                     "--into", "prod.ml", "--principal", principal, *args])


def versions(admin):
    return admin.sql("SELECT model_name, version, source, run_id, logged_model_id, comment, "
                     "tags, aliases "
                     "FROM system.information_schema.model_versions WHERE catalog_name = 'prod' "
                     "ORDER BY model_name, version").table.to_pylist()


def changes(admin):
    """The audit rows of every change and refusal (reads are SELECTs)."""
    return admin.sql("SELECT audit_id, principal, action, result FROM system.access.audit "
                     "WHERE action <> 'SELECT' ORDER BY audit_id").fetchall()


def test_names_tags_and_stage_flags_map_by_documented_rules():
    assert map_name("Fraud Detector") == "fraud_detector"
    assert map_name("team/model.v2") == "team_model_v2"
    assert map_tag_key("data-source") == "data_source"
    assert map_tag_key("mlflow.source:git") == "mlflow.source_git"
    assert parse_stage_aliases(()) == {"Production": "Champion", "Staging": "Challenger"}
    assert parse_stage_aliases(("staging=", "Archived=Retired")) == {
        "Production": "Champion", "Archived": "Retired"}
    with pytest.raises(InvalidArgument, match="STAGE=ALIAS"):
        parse_stage_aliases(("Prod=Champion",))
    with pytest.raises(InvalidArgument, match="reserved"):
        parse_stage_aliases(("Production=latest",))


def test_migrate_moves_models_versions_files_tags_and_aliases(source, target):
    path, admin = target
    result = migrate(path, source, "--yes")
    assert result.exit_code == 0, result.output
    assert "Migrated 4 versions; 0 already there; 2 skipped." in result.output
    assert "models:/churn/1: it has no signature (ucsql versions need one): rerun with " \
           "--infer-signature" in result.output
    assert "models:/legacy/1: it has no signature (ucsql versions need one) and no input " \
           "example" in result.output
    assert "'Fraud Detector' is prod.ml.fraud_detector" in result.output
    assert "models:/churn/2 is version 1 of prod.ml.churn" in result.output  # 1 was skipped

    models = admin.sql("SELECT model_name, owner, comment FROM "
                       "system.information_schema.registered_models WHERE catalog_name = 'prod' "
                       "ORDER BY model_name").fetchall()
    assert models == [("churn", ALICE, None), ("fraud_detector", ALICE, "flags fraud"),
                      ("legacy", ALICE, None)]  # a model moves even when no version can
    tags = dict(admin.sql("SELECT tag_name, tag_value FROM system.information_schema.model_tags "
                          "WHERE full_name = 'prod.ml.fraud_detector'").fetchall())
    assert tags["team"] == "risk" and tags["data_source"] == "s3"
    rows = versions(admin)
    assert [(r["model_name"], r["version"]) for r in rows] == [
        ("churn", 1), ("fraud_detector", 1), ("fraud_detector", 2), ("fraud_detector", 3)]
    fraud = {r["version"]: r for r in rows if r["model_name"] == "fraud_detector"}
    client = MlflowClient(tracking_uri=source.uri, registry_uri=source.uri)
    for number, row in fraud.items():
        legacy = client.get_model_version("Fraud Detector", str(number))
        assert row["run_id"] == legacy.run_id and row["source"] == legacy.source
        assert row["logged_model_id"] == legacy.source.removeprefix("models:/")  # m-...
        assert row["logged_model_id"].startswith("m-")
        assert dict(row["tags"])["migrated_from"].endswith(f"models:/Fraud Detector/{number}")
    assert dict(fraud[1]["tags"])["mlflow_stage"] == "Archived"
    assert dict(fraud[1]["tags"])["mlflow_created_at"].startswith("20")
    assert dict(fraud[2]["tags"])["validated"] == "yes" and fraud[2]["comment"] == "the good one"
    aliases = admin.sql("SELECT model_name, alias, version FROM "
                        "system.information_schema.model_aliases ORDER BY 1, 2").fetchall()
    assert aliases == [("churn", "Champion", 1), ("fraud_detector", "Challenger", 3),
                       ("fraud_detector", "Champion", 2), ("fraud_detector", "best", 2)]

    lineage = admin.sql("SELECT model_name, version, dataset_name, context FROM "
                        "system.information_schema.model_lineage").fetchall()
    assert lineage == [("churn", 1, "iris", "training")]  # the run of the source's version 2

    # The files load with the stock client through ucsql (the owner may execute).
    with mlflow_at(f"sqlite:///{path.parent}/runs.db", f"ucsql://{path}") as mp:
        mp.setenv("UCSQL_PRINCIPAL", ALICE)
        loaded = mlflow.pyfunc.load_model("models:/prod.ml.fraud_detector@Champion")
        assert list(loaded.predict(source.X.iloc[[0, 60, 120]])) == [0, 1, 2]

    # A rerun changes nothing: no statement but reads, the same rows.
    before, rows_before = changes(admin), versions(admin)
    again = migrate(path, source, "--yes")
    assert again.exit_code == 0, again.output
    assert "Migrated 0 versions; 4 already there; 2 skipped." in again.output
    assert changes(admin) == before and versions(admin) == rows_before


def test_a_rerun_after_the_source_changed_sets_only_what_differs(source, target, tmp_path):
    path, admin = target
    shutil.copy(source.root / "mlflow.db", tmp_path / "changed.db")  # files stay where they are
    changed = Source(f"sqlite:///{tmp_path}/changed.db", source.root, source.X)
    assert migrate(path, changed, "--yes").exit_code == 0
    client = MlflowClient(tracking_uri=changed.uri, registry_uri=changed.uri)
    client.set_model_version_tag("Fraud Detector", "3", "validated", "no")
    client.update_model_version("Fraud Detector", "3", description="second thoughts")
    client.set_registered_model_alias("Fraud Detector", "best", "3")
    client.set_registered_model_tag("churn", "owner", "growth")
    before = changes(admin)
    result = migrate(path, changed, "--yes")
    assert result.exit_code == 0, result.output
    assert "Migrated 0 versions; 4 already there (1 updated); 2 skipped." in result.output
    made = [(r[1], r[2]) for r in changes(admin)[len(before):]]
    assert sorted(made) == [(ALICE, "COMMENT_ON_MODEL"), (ALICE, "SET_ALIAS"),
                            (ALICE, "SET_TAGS"), (ALICE, "SET_TAGS")], made
    fraud3 = [r for r in versions(admin) if r["model_name"] == "fraud_detector"][2]
    assert dict(fraud3["tags"])["validated"] == "no" and fraud3["comment"] == "second thoughts"
    assert "best" in fraud3["aliases"]


def test_a_registry_behind_an_mlflow_server_migrates_with_its_proxied_files(target, tmp_path):
    """Over http, the files are ``mlflow-artifacts:/`` URIs the server proxies."""
    import socket
    import time
    import urllib.request
    path, admin = target
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with open(tmp_path / "mlflow-server.log", "w") as log:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "mlflow"), "server", "--host", "127.0.0.1",
             "--port", str(port), "--backend-store-uri", f"sqlite:///{tmp_path}/served.db",
             "--artifacts-destination", str(tmp_path / "artifacts")],
            stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True,
            env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"})
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=2)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, \
                    (tmp_path / "mlflow-server.log").read_text()[-2000:]
                time.sleep(0.3)
        X, y = load_iris(return_X_y=True, as_frame=True)
        with mlflow_at(url, url):
            with mlflow.start_run():
                mlflow.sklearn.log_model(LogisticRegression(max_iter=200).fit(X, y),
                                         name="model", input_example=X.iloc[[0]],
                                         registered_model_name="served model")
            client = MlflowClient()
            assert client.get_model_version_download_uri("served model", "1").startswith(
                "mlflow-artifacts:/")
            client.set_registered_model_alias("served model", "Champion", "1")
        result = CliRunner().invoke(main, ["migrate", str(path), "--from", url, "--into",
                                           "prod.ml", "--principal", ALICE, "--yes"])
        assert result.exit_code == 0, result.output
        assert "Migrated 1 version; 0 already there; 0 skipped." in result.output
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    [row] = versions(admin)
    assert row["model_name"] == "served_model" and row["aliases"] == ["Champion"]
    assert dict(row["tags"])["migrated_from"] == f"{url} models:/served model/1"


def test_a_model_ucsql_refuses_is_skipped_and_the_others_migrate(source, target, tmp_path):
    path, admin = target
    shutil.copy(source.root / "mlflow.db", tmp_path / "crowded.db")
    crowded = Source(f"sqlite:///{tmp_path}/crowded.db", source.root, source.X)
    client = MlflowClient(tracking_uri=crowded.uri, registry_uri=crowded.uri)
    client.create_registered_model("crowded", tags={f"t{i}": "x" for i in range(60)})
    result = migrate(path, crowded, "--yes")
    assert result.exit_code == 0, result.output
    assert "models:/crowded: " in result.output and "at most 50" in result.output
    assert "Migrated 4 versions" in result.output
    assert [r[0] for r in admin.sql("SHOW MODELS IN prod.ml").fetchall()] == [
        "prod.ml.churn", "prod.ml.fraud_detector", "prod.ml.legacy"]


def test_dry_run_prints_the_plan_and_changes_nothing(source, target):
    path, admin = target
    before = changes(admin)
    result = migrate(path, source, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would create model prod.ml.fraud_detector" in result.output
    assert "would migrate models:/Fraud Detector/3 -> prod.ml.fraud_detector" in result.output
    assert "Dry run, nothing changed: 4 versions to migrate, 0 already there, 2 to skip." \
        in result.output
    assert changes(admin) == before
    assert admin.sql("SHOW MODELS IN prod.ml").fetchall() == []


def test_a_run_killed_halfway_then_resumed_finishes_without_duplicates(source, target):
    path, admin = target
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "UCSQL_PRINCIPAL": ALICE,
           "MLFLOW_DISABLE_TELEMETRY": "true"}
    process = subprocess.Popen(
        [sys.executable, "-m", "ucsql", "migrate", str(path), "--from", source.uri,
         "--into", "prod.ml", "--yes"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env=env)
    seen = []
    for line in process.stdout:
        if line.startswith("migrated "):
            seen.append(line)
            if len(seen) == 2:
                process.send_signal(signal.SIGKILL)
                break
    process.wait()
    assert process.returncode == -signal.SIGKILL, seen
    partial = versions(admin)
    assert 2 <= len(partial) < 4

    result = migrate(path, source, "--yes")
    assert result.exit_code == 0, result.output
    assert f"Migrated {4 - len(partial)} versions; {len(partial)} already there" in result.output
    rows = versions(admin)
    markers = [dict(r["tags"])["migrated_from"] for r in rows]
    assert len(rows) == 4 and len(set(markers)) == 4
    assert [(r["model_name"], r["version"]) for r in rows] == [
        ("churn", 1), ("fraud_detector", 1), ("fraud_detector", 2), ("fraud_detector", 3)]
    assert admin.sql("SELECT count(*) FROM system.information_schema.model_aliases"
                     ).fetchall() == [(4,)]


def test_a_principal_without_create_model_is_refused_and_nothing_changes(source, target):
    path, admin = target
    result = migrate(path, source, "--yes", principal="bob")
    assert result.exit_code == 1
    assert "Permission denied: bob cannot create model" in result.output
    assert "CREATE_MODEL" in result.output
    assert "needs USE CATALOG, USE SCHEMA and CREATE MODEL there" in result.output
    assert [r[1:] for r in changes(admin) if r[1] == "bob"] == [("bob", "CREATE_MODEL", "DENIED")]
    assert admin.sql("SHOW MODELS IN prod.ml").fetchall() == []


def test_infer_signature_and_stage_flags(source, target):
    path, admin = target
    result = migrate(path, source, "--yes", "--infer-signature", "--stage-alias", "Staging=",
                     "--stage-alias", "Archived=Retired")
    assert result.exit_code == 0, result.output
    assert "Migrated 5 versions; 0 already there; 1 skipped." in result.output
    assert ("models:/legacy/1: it has no signature (ucsql versions need one) and no input "
            "example") in result.output
    assert "models:/churn/1: signature inferred from its input example." in result.output
    churn = admin.sql("DESCRIBE MODEL prod.ml.churn VERSION 1").fetchall()
    assert churn  # version 1 of churn is the source's version 1, now signed
    aliases = admin.sql("SELECT model_name, alias, version FROM "
                        "system.information_schema.model_aliases ORDER BY 1, 2").fetchall()
    assert aliases == [("churn", "Champion", 2), ("fraud_detector", "Champion", 2),
                       ("fraud_detector", "Retired", 1), ("fraud_detector", "best", 2)]


def test_a_model_of_the_same_name_not_migrated_from_the_source_is_left_alone(source, target):
    path, admin = target
    admin.sql("CREATE MODEL prod.ml.churn COMMENT 'not from the legacy registry'")
    result = migrate(path, source, "--yes")
    assert result.exit_code == 0, result.output
    assert ("models:/churn: prod.ml.churn already exists (you cannot see it) and was not "
            "migrated from models:/churn of this registry") in result.output
    assert admin.sql("SELECT count(*) FROM system.information_schema.model_versions "
                     "WHERE full_name = 'prod.ml.churn'").fetchall() == [(0,)]
    assert admin.sql("SELECT comment FROM system.information_schema.registered_models "
                     "WHERE full_name = 'prod.ml.churn'").fetchall() == [
        ("not from the legacy registry",)]


def test_a_source_that_does_not_exist_is_an_error_and_is_not_created(target, tmp_path):
    path, _ = target
    missing = tmp_path / "typo.db"
    result = CliRunner().invoke(main, ["migrate", str(path), "--from", f"sqlite:///{missing}",
                                       "--into", "prod.ml", "--yes"])
    assert result.exit_code == 1
    assert f"There is no MLflow registry at sqlite:///{missing}" in result.output
    assert not missing.exists()


def test_the_python_api_reports_progress_and_the_plan(source, target):
    path, admin = target
    from ucsql.import_registry import Migration
    ticks, lines = [], []
    report = Migration(admin.as_principal(ALICE), source.uri, "prod.ml", dry_run=True,
                       say=lines.append, progress=lambda *a: ticks.append(a)).run()
    assert ticks[0] == (0, 6, "source versions") and ticks[-1] == (6, 6, "source versions")
    assert "would set alias Champion of prod.ml.fraud_detector to the version migrated from " \
           "models:/Fraud Detector/2" in lines
    assert {e.outcome for e in report.entries} == {"planned", "skipped"}


def test_at_a_terminal_it_shows_the_plan_asks_and_draws_a_progress_bar(source, target):
    import pexpect
    path, admin = target
    env = {**os.environ, "UCSQL_PRINCIPAL": ALICE, "MLFLOW_DISABLE_TELEMETRY": "true"}
    child = pexpect.spawn(sys.executable, ["-m", "ucsql", "migrate", str(path), "--from",
                                           source.uri, "--into", "prod.ml"],
                          env=env, encoding="utf-8", timeout=120)
    child.expect_exact("Dry run, nothing changed: 4 versions to migrate")
    child.expect_exact("Migrate? [y/N]")
    assert admin.sql("SHOW MODELS IN prod.ml").fetchall() == []  # asked before changing
    child.sendline("y")
    child.expect_exact("Migrating versions [")
    child.expect_exact("Migrated 4 versions; 0 already there; 2 skipped.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert len(versions(admin)) == 4


def test_not_at_a_terminal_without_yes_it_asks_for_yes(source, target):
    path, _ = target
    result = migrate(path, source)
    assert result.exit_code == 2 and "give --yes" in result.output
