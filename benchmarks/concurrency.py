"""Benchmark `concurrency`: several processes sharing one registry, ucsql against MLflow's
SQLite store on the same workload.

    python benchmarks/concurrency.py [--writers 4] [--per-writer 50]

Each writer process registers N versions of a shared model and N of its own through the stock
MlflowClient (benchmarks/mlflow_worker.py), while one reader process gets shared@Champion in a
loop; first on a SQLite registry, then on a ucsql file. Reports registrations and reads per
second and errors, and checks that every version is present and numbered without gaps.
(tests/test_concurrency.py checks the same kind of workload through ucsql's SQL API.)
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mlflow import MlflowClient

import ucsql
from benchmarks.seed import write_model_dir
from benchmarks.timing import table

WORKER = Path(__file__).with_name("mlflow_worker.py")
SHARED = "main.default.shared"


def versions_of(store: str, path: Path) -> dict[str, list[int]]:
    """Version numbers of every model, read straight from the registry (what exists, not what
    the workers think they made)."""
    if store == "sqlite":
        with sqlite3.connect(path) as con:
            rows = con.execute("SELECT name, version FROM model_versions "
                               "WHERE current_stage != 'Deleted_Internal'").fetchall()
    else:
        with ucsql.connect(path, principal="admin") as cat:
            rows = cat.sql("SELECT full_name, version FROM system.information_schema.model_versions"
                           ).fetchall()
    out: dict[str, list[int]] = {}
    for name, version in rows:
        out.setdefault(name, []).append(int(version))
    return {k: sorted(v) for k, v in out.items()}


def run_store(store: str, work: Path, model_dir: Path, writers: int, per_writer: int) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    tracking = f"sqlite:///{work / 'tracking.db'}"
    path = work / ("registry.db" if store == "sqlite" else "registry.duckdb")
    registry = f"sqlite:///{path}" if store == "sqlite" else f"ucsql://{path}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "UCSQL_PRINCIPAL": "admin",
           "UCSQL_LOCK_TIMEOUT": "300"}
    os.environ["UCSQL_PRINCIPAL"] = "admin"
    client = MlflowClient(tracking_uri=tracking, registry_uri=registry)
    client.create_registered_model(SHARED)
    client.create_model_version(SHARED, source=str(model_dir))
    client.set_registered_model_alias(SHARED, "Champion", 1)
    del client
    stop = work / "stop"
    started = time.perf_counter()
    reader = subprocess.Popen([sys.executable, str(WORKER), "read", registry, tracking, str(stop),
                               "900"], stdout=subprocess.PIPE, text=True, env=env, cwd=work)
    procs = [subprocess.Popen([sys.executable, str(WORKER), "write", registry, tracking,
                               str(model_dir), str(i), str(per_writer)],
                              stdout=subprocess.PIPE, text=True, env=env, cwd=work)
             for i in range(writers)]
    reports = [json.loads(p.communicate(timeout=1800)[0]) for p in procs]
    stop.touch()
    read = json.loads(reader.communicate(timeout=300)[0])
    wall = time.perf_counter() - started
    found = versions_of(store, path)
    expected = {SHARED: list(range(1, writers * per_writer + 2)),
                **{f"main.default.own_{i}": list(range(1, per_writer + 1))
                   for i in range(writers)}}
    registered = sum(r["registered"] for r in reports)
    writer_seconds = max(r["seconds"] for r in reports)
    errors = [e for r in reports for e in r["errors"]] + read["errors"]
    return {"writers": writers, "per_writer": per_writer, "registrations": registered,
            "registrations_per_s": registered / writer_seconds, "writers_wall_s": writer_seconds,
            "reads": read["reads"], "reads_per_s": read["reads"] / read["seconds"],
            "errors": len(errors), "error_samples": errors[:5],
            "versions_present": sum(len(v) for k, v in found.items() if k in expected),
            "versions_expected": sum(len(v) for v in expected.values()),
            "intact": all(found.get(k) == v for k, v in expected.items()), "total_wall_s": wall}


def run(work: Path, writers: int, per_writer: int) -> dict:
    model_dir = write_model_dir(work / "model")
    return {"stores": {store: run_store(store, work / store, model_dir, writers, per_writer)
                       for store in ("sqlite", "ucsql")}}


def render(result: dict) -> str:
    s, u = result["stores"]["sqlite"], result["stores"]["ucsql"]
    rows = [[label, s[key], u[key]] for label, key in [
        ("writer processes", "writers"), ("registrations (all writers)", "registrations"),
        ("writers wall time (s)", "writers_wall_s"), ("registrations / s", "registrations_per_s"),
        ("reads by alias (1 reader)", "reads"), ("reads / s", "reads_per_s"),
        ("errors", "errors"), ("versions present", "versions_present"),
        ("versions expected", "versions_expected"), ("every version, numbers gapless", "intact")]]
    return table(f"Concurrency: {s['writers']} writers x {s['per_writer']} versions of a shared "
                 "model and of their own, 1 reader, through MlflowClient (ucsql copies the files; "
                 "SQLite records the path)", ["", "SQLite store", "ucsql"], rows)


def main() -> None:
    import tempfile
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--per-writer", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(Path(tmp), args.writers, args.per_writer)
    print(render(result))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "concurrency.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
