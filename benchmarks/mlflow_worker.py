"""A worker process for the concurrency benchmark, through the stock MlflowClient, so ucsql
(``ucsql:///...``) and MLflow's SQLite store (``sqlite:///...``) get the same calls.

    python benchmarks/mlflow_worker.py write REGISTRY_URI TRACKING_URI MODEL_DIR WORKER_ID N
    python benchmarks/mlflow_worker.py read REGISTRY_URI TRACKING_URI STOP_FILE SECONDS

A writer creates main.default.own_<id> and registers N versions of main.default.shared and N
of its own, alternating (source = MODEL_DIR: ucsql copies the files, the SQLite store records the
path); a reader gets main.default.shared@Champion in a loop until STOP_FILE exists or SECONDS
pass. Each prints one JSON line; every failed call is reported, none is retried.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from mlflow import MlflowClient

SHARED = "main.default.shared"


def write(registry: str, tracking: str, model_dir: str, worker: str, n: int) -> dict:
    client = MlflowClient(tracking_uri=tracking, registry_uri=registry)
    own = f"main.default.own_{worker}"
    client.get_registered_model(SHARED)  # open the store before the clock starts
    errors, started = [], time.perf_counter()
    try:
        client.create_registered_model(own)
    except Exception as e:  # noqa: BLE001  reported
        errors.append(f"create {own}: {type(e).__name__}: {e}")
    for _ in range(n):
        for model in (SHARED, own):
            try:
                client.create_model_version(model, source=model_dir)
            except Exception as e:  # noqa: BLE001  reported, counted by the caller
                errors.append(f"{type(e).__name__}: {str(e)[:300]}")
    version_errors = [e for e in errors if not e.startswith("create ")]
    return {"worker": worker, "registered": 2 * n - len(version_errors), "errors": errors,
            "seconds": time.perf_counter() - started}


def read(registry: str, tracking: str, stop_file: str, seconds: float) -> dict:
    client = MlflowClient(tracking_uri=tracking, registry_uri=registry)
    client.get_registered_model(SHARED)
    stop = Path(stop_file)
    reads, errors, started = 0, [], time.perf_counter()
    while not stop.exists() and time.perf_counter() - started < seconds:
        try:
            mv = client.get_model_version_by_alias(SHARED, "Champion")
            if str(mv.version) != "1":
                raise AssertionError(f"Champion is version {mv.version}, not 1")
            reads += 1
        except Exception as e:  # noqa: BLE001  reported
            errors.append(f"{type(e).__name__}: {str(e)[:300]}")
    return {"reads": reads, "errors": errors, "seconds": time.perf_counter() - started}


if __name__ == "__main__":
    if sys.argv[1] == "write":
        out = write(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    else:
        out = read(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    print(json.dumps(out))
