"""The ucsql story in one run: catalog, groups, grants, a trained model registered by SQL, an alias,
loading by alias, and queries over the metadata.

    python -m ucsql.demo                      # in a temporary folder
    python -m ucsql.demo --metastore demo.duckdb

Needs the ``demo`` extra (scikit-learn, pandas) to train the model.
"""

from __future__ import annotations

import argparse
import tempfile
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


def train_and_save(folder: Path) -> Path:
    """Train a small classifier on iris and save it as an MLflow model with a signature."""
    import mlflow.sklearn
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True, as_frame=True)
    clf = LogisticRegression(max_iter=500).fit(X, y)
    path = folder / "iris_model"
    # input_example lets MLflow infer the signature that model versions must carry.
    with warnings.catch_warnings():  # MLflow's hint about integer outputs is noise here
        warnings.simplefilter("ignore", UserWarning)
        mlflow.sklearn.save_model(clf, str(path), input_example=X.iloc[[0]],
                                  serialization_format="cloudpickle")
    print(f"trained LogisticRegression on iris (accuracy {clf.score(X, y):.2f}), saved to {path}")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metastore", help="metastore file (default: a new one in a temp folder)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ucsql-demo-"))
    path = Path(args.metastore) if args.metastore else work / "metastore.duckdb"

    step(f"A new metastore {path}; its creator {ADMIN} is the admin")
    admin = ucsql.connect(path, principal=ADMIN)
    run(admin, "CREATE CATALOG IF NOT EXISTS prod COMMENT 'production models'")
    run(admin, "CREATE SCHEMA IF NOT EXISTS prod.ml_team")
    run(admin, "CREATE GROUP IF NOT EXISTS `ml-team`")
    run(admin, f"ALTER GROUP `ml-team` ADD USER `{ALICE}`")
    run(admin, "CREATE GROUP IF NOT EXISTS `data-analysts`")
    run(admin, f"ALTER GROUP `data-analysts` ADD USER `{BOB}`")
    run(admin, "GRANT USE CATALOG ON CATALOG prod TO `ml-team`, `data-analysts`")
    run(admin, "GRANT USE SCHEMA, CREATE MODEL ON SCHEMA prod.ml_team TO `ml-team`")
    run(admin, "GRANT USE SCHEMA ON SCHEMA prod.ml_team TO `data-analysts`")

    step(f"{ALICE} trains a model and registers it with SQL")
    model_dir = train_and_save(work)
    alice = admin.as_principal(ALICE)
    run(alice, "CREATE MODEL IF NOT EXISTS prod.ml_team.iris COMMENT 'iris species classifier'")
    run(alice, "ALTER MODEL prod.ml_team.iris ADD VERSION FROM ? COMMENT 'logistic regression'",
        [str(model_dir)])
    version = alice.sql("SELECT max(version) FROM system.information_schema.model_versions "
                        "WHERE full_name = 'prod.ml_team.iris'").scalar()
    run(alice, f"ALTER MODEL prod.ml_team.iris SET ALIAS Champion TO VERSION {version}")
    run(alice, "ALTER MODEL prod.ml_team.iris VERSION $v SET TAGS ('validation_status' = 'approved')",
        {"v": version})
    run(alice, "GRANT EXECUTE ON FUNCTION prod.ml_team.iris TO `data-analysts`")
    run(alice, "SHOW GRANTS ON FUNCTION prod.ml_team.iris")

    step(f"{BOB} (data-analysts) loads the Champion and predicts")
    bob = admin.as_principal(BOB)
    location = run(bob, "SELECT version, storage_location FROM system.information_schema.model_versions "
                        "WHERE full_name = 'prod.ml_team.iris' AND list_contains(aliases, 'Champion')"
                   ).fetchone()[1]
    import mlflow.pyfunc
    from sklearn.datasets import load_iris

    X, _ = load_iris(return_X_y=True, as_frame=True)
    model = mlflow.pyfunc.load_model(location)
    print(f"predictions for 3 flowers: {model.predict(X.iloc[[0, 60, 120]]).tolist()}")
    try:
        bob.sql("DROP MODEL prod.ml_team.iris")
    except PermissionDenied as e:
        print(f"{BOB}> DROP MODEL prod.ml_team.iris\nrefused: {e}")

    step("Analytics over the metadata (each caller sees only what it may see)")
    run(bob, "SELECT catalog_name, schema_name, count(*) AS models "
             "FROM system.information_schema.registered_models GROUP BY ALL ORDER BY ALL")
    run(admin, "SELECT principal, action, securable_name, result "
               "FROM system.access.audit ORDER BY audit_id DESC LIMIT 5")
    admin.close()
    print(f"\nDone. Metastore: {path}  (open it with: ucsql {path})")


if __name__ == "__main__":
    main()
