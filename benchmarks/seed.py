"""Filling registries with existing versions before timing: ucsql through its bulk import
(``Catalog.import_versions``), MLflow's SQLite store through its own ORM tables."""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.conftest import write_model_dir  # noqa: F401  (the model folder every test uses)

ADMIN = "bench_admin"
BASE_MODEL = "bench.base.model"
BASE_SOURCE = f"models:/{BASE_MODEL}/1"
BATCH = 10_000


def run_id(g: int) -> str:
    """A run id (32 hex digits, like MLflow's) for the g-th seeded version."""
    return hashlib.md5(str(g).encode()).hexdigest()


def version_source(g: int) -> str:
    return f"s3://bench-bucket/runs/{run_id(g)}/artifacts/model"


def progress(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def import_versions(cat, model: str, rows: list[dict], files_from: tuple[str, int]) -> int:
    """Add ``rows`` ({source, run_id, comment, tags}) as new versions of ``model``, sharing the
    files of version ``files_from``, through the supported bulk path ``Catalog.import_versions``
    (batches of 10k rows: one privilege check and one audit row each); return how many."""
    schema = pa.schema([("source", pa.string()), ("run_id", pa.string()),
                        ("comment", pa.string()), ("tags", pa.map_(pa.string(), pa.string()))])
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        table = pa.table({
            "source": [r["source"] for r in chunk],
            "run_id": [r.get("run_id") for r in chunk],
            "comment": [r.get("comment") for r in chunk],
            "tags": [list((r.get("tags") or {}).items()) for r in chunk],
        }, schema=schema)
        cat.import_versions(model, table, files_from=files_from)
    return len(rows)


def sqlite_bulk_insert(db_uri: str, models: list[str], versions: list[dict]) -> None:
    """Insert registered models, versions and version tags straight through MLflow's own ORM
    tables (``mlflow.store.model_registry.dbmodels.models``) of the SQLite store at ``db_uri``;
    ``versions`` are {name, version, source, run_id, tags}."""
    from mlflow.store.model_registry.dbmodels.models import (
        SqlModelVersion,
        SqlModelVersionTag,
        SqlRegisteredModel,
    )
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore
    from sqlalchemy import insert

    store = SqlAlchemyStore(db_uri)
    now = int(time.time() * 1000)
    with store.engine.begin() as con:
        con.execute(insert(SqlRegisteredModel), [
            {"name": m, "creation_time": now, "last_updated_time": now} for m in models])
        for start in range(0, len(versions), BATCH):
            chunk = versions[start:start + BATCH]
            con.execute(insert(SqlModelVersion), [
                {"name": v["name"], "version": v["version"], "creation_time": now,
                 "last_updated_time": now, "current_stage": "None", "source": v["source"],
                 "storage_location": v["source"], "run_id": v["run_id"], "status": "READY",
                 "user_id": ADMIN} for v in chunk])
            tags = [{"name": v["name"], "version": v["version"], "key": k, "value": val}
                    for v in chunk for k, val in (v["tags"] or {}).items()]
            if tags:
                con.execute(insert(SqlModelVersionTag), tags)
    store.engine.dispose()
