"""The ucsql story in one run, with the stock MLflow client.

An admin creates catalogs ``staging`` and ``prod`` and groups, and grants; a data scientist trains
a scikit-learn model, logs and registers it (with a signature) in ``staging``, sets
``@Champion``; an analyst loads it by alias and predicts; the champion is promoted to ``prod``
with ``copy_model_version``; then analytics over the metadata.

    python -m ucsql.demo                      # in a new temporary folder
    python -m ucsql.demo --workdir demo       # keep the metastore and MLflow runs in ./demo

Needs the ``demo`` extra (scikit-learn, pandas, skops). Everything it writes (the metastore, the
MLflow tracking database and the runs' artifacts, ``mlruns``) goes into its work folder.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import shlex
import sys
import tempfile
import time
import warnings
from pathlib import Path

import ucsql
from ucsql.errors import PermissionDenied

ADMIN, ALICE, BOB = "admin@example.com", "alice@example.com", "bob@example.com"


def step(title: str) -> None:
    print(f"\n== {title}")


def run(cat: ucsql.Catalog, sql: str, params=None) -> ucsql.Result:
    print(f"{cat.principal}> {sql}")
    result = cat.sql(sql, params)
    print(result)
    return result


def act_as(principal: str) -> None:
    """MLflow calls run as UCSQL_PRINCIPAL, read at every call."""
    os.environ["UCSQL_PRINCIPAL"] = principal


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", help="folder for the metastore and MLflow runs "
                                          "(default: a new temporary folder)")
    args = parser.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="ucsql-demo-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    import mlflow
    from mlflow import MlflowClient
    from sklearn import datasets
    from sklearn.ensemble import RandomForestClassifier

    quiet_mlflow()
    metastore = work / "metastore.duckdb"
    mlflow.set_tracking_uri(f"sqlite:///{work / 'mlflow.db'}")
    mlflow.set_registry_uri(f"ucsql://{metastore}")
    # The runs' artifacts go to the work folder too, not to ./mlruns wherever the demo was started.
    mlflow.set_experiment(experiment_id=experiment_in(MlflowClient(), work))

    step(f"{ADMIN} creates the metastore {metastore}, catalogs, groups and grants")
    admin = ucsql.connect(metastore, principal=ADMIN)
    for sql in [
        "CREATE CATALOG IF NOT EXISTS staging COMMENT 'models under evaluation'",
        "CREATE SCHEMA IF NOT EXISTS staging.ml_team",
        "CREATE CATALOG IF NOT EXISTS prod COMMENT 'production models'",
        "CREATE SCHEMA IF NOT EXISTS prod.ml_team",
        f"CREATE USER IF NOT EXISTS `{ALICE}`",
        f"CREATE USER IF NOT EXISTS `{BOB}`",
        "CREATE GROUP IF NOT EXISTS `ml-team`",
        f"ALTER GROUP `ml-team` ADD USER `{ALICE}`",
        "CREATE GROUP IF NOT EXISTS `data-analysts`",
        f"ALTER GROUP `data-analysts` ADD USER `{BOB}`",
        "GRANT USE CATALOG ON CATALOG staging TO `ml-team`, `data-analysts`",
        "GRANT USE CATALOG ON CATALOG prod TO `ml-team`, `data-analysts`",
        "GRANT USE SCHEMA, CREATE MODEL ON SCHEMA staging.ml_team TO `ml-team`",
        "GRANT USE SCHEMA, CREATE MODEL ON SCHEMA prod.ml_team TO `ml-team`",
        "GRANT USE SCHEMA, EXECUTE ON SCHEMA prod.ml_team TO `data-analysts`",
    ]:
        run(admin, sql)

    step(f"{ALICE} trains a model, logs it with a signature and registers it in staging")
    act_as(ALICE)
    X, y = datasets.load_iris(return_X_y=True, as_frame=True)
    with mlflow.start_run() as training_run:
        clf = RandomForestClassifier(n_estimators=20, max_depth=7, random_state=0).fit(X, y)
        mlflow.log_input(mlflow.data.from_pandas(X.assign(species=y), name="staging.ml_team.iris"),
                         context="training")
        with mlflow_status_lines_hidden():
            # skops, MLflow's default format, trusts only the types it is told to: the forest's
            # trees (sklearn.tree._tree.Tree) are this model's one type beyond its defaults.
            mlflow.sklearn.log_model(clf, name="model", input_example=X.iloc[[0]],
                                     registered_model_name="staging.ml_team.iris",
                                     skops_trusted_types=["sklearn.tree._tree.Tree"])
    client = MlflowClient()
    version = client.search_model_versions("name = 'staging.ml_team.iris'")[0].version
    print(f"run {training_run.info.run_id}: registered staging.ml_team.iris version {version}")
    client.set_registered_model_alias("staging.ml_team.iris", "Champion", version)
    client.set_model_version_tag("staging.ml_team.iris", version, "validation_status", "approved")
    print(f"set @Champion -> version {version}; tagged validation_status=approved")

    step(f"{ALICE} promotes the champion from staging to prod with copy_model_version")
    promoted = client.copy_model_version(f"models:/staging.ml_team.iris/{version}", "prod.ml_team.iris")
    client.set_registered_model_alias("prod.ml_team.iris", "Champion", promoted.version)
    print(f"prod.ml_team.iris version {promoted.version} (source {promoted.source}) is @Champion")

    step(f"{BOB} (data-analysts: EXECUTE on prod.ml_team) loads prod's Champion and predicts")
    act_as(BOB)
    model = mlflow.pyfunc.load_model("models:/prod.ml_team.iris@Champion")
    print(f"predictions for 3 flowers: {model.predict(X.iloc[[0, 60, 120]]).tolist()}")
    try:
        MlflowClient().delete_registered_model("prod.ml_team.iris")
    except Exception as e:  # MlflowException with error code PERMISSION_DENIED
        print(f"delete_registered_model refused: {e}")
    bob = admin.as_principal(BOB)
    try:
        bob.sql("ALTER MODEL prod.ml_team.iris SET ALIAS Champion TO VERSION 1")
    except PermissionDenied as e:
        print(f"{BOB}> ALTER MODEL prod.ml_team.iris SET ALIAS ...\nrefused: {e}")

    step("Analytics over the metadata (each caller sees only what it may see)")
    run(bob, "SELECT full_name, version, aliases, tags['validation_status'] AS validation "
             "FROM system.information_schema.model_versions ORDER BY full_name")
    run(admin, "SELECT full_name, version, dataset_name, context "
               "FROM system.information_schema.model_lineage ORDER BY full_name")
    run(admin, "SELECT catalog_name, count(*) AS versions, count(DISTINCT model_name) AS models "
               "FROM system.information_schema.model_versions GROUP BY ALL ORDER BY ALL")
    run(admin, "SELECT principal, action, result, count(*) AS n FROM system.access.audit "
               "GROUP BY ALL ORDER BY n DESC LIMIT 8")
    admin.close()
    ucsql_command = shlex.quote(ucsql_script())
    where = shlex.quote(str(metastore))
    print(f"\nDone in {time.perf_counter() - started:.0f} s. Metastore: {metastore}\n"
          f"Explore it with:\n"
          f"  {ucsql_command} {where} --principal {ADMIN}\n"
          f"  {ucsql_command} {where} --principal {BOB} -c \"SHOW MODELS IN prod.ml_team\"")


def quiet_mlflow() -> None:
    """Keep MLflow's INFO and WARNING lines (creating its tables, inferred integer schemas) out
    of the story; its errors still show. Called after importing mlflow, which sets its levels."""
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"mlflow(\.|$)")


@contextlib.contextmanager
def mlflow_status_lines_hidden():
    """log_model prints "Successfully registered model ..." to stderr (not through logging); the
    demo says it in its own words. On an error, what was held back is shown after all."""
    held = io.StringIO()
    try:
        with contextlib.redirect_stderr(held):
            yield
    except BaseException:
        sys.stderr.write(held.getvalue())
        raise


def experiment_in(client, work: Path) -> str:
    """The id of the demo's experiment, its artifacts stored in ``work/mlruns``."""
    existing = client.get_experiment_by_name("ucsql-demo")
    if existing is not None:
        return existing.experiment_id
    return client.create_experiment("ucsql-demo", artifact_location=(work / "mlruns").as_uri())


def ucsql_script() -> str:
    """The ``ucsql`` command beside this Python (a venv's bin/), so the printed commands work
    without activating the venv; plain ``ucsql`` when it is not there (an unusual install)."""
    beside = Path(sys.executable).parent / "ucsql"
    return str(beside) if beside.is_file() else "ucsql"


if __name__ == "__main__":
    main()
