"""Cold start: wall time of a new process doing one thing (median of several runs).

``ucsql FILE -c "SELECT 1"`` on an existing metastore, and ``python -c`` making an MlflowClient
and its first call (get_registered_model) on each store.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from mlflow import MlflowClient

import ucsql
from benchmarks.seed import write_model_dir
from benchmarks.timing import table

MODEL = "main.default.cold"
FIRST_CALL = ("import sys; from mlflow import MlflowClient; "
              "MlflowClient(tracking_uri=sys.argv[2], registry_uri=sys.argv[1])"
              ".get_registered_model(sys.argv[3])")


def _wall(cmd: list[str], env: dict, cwd: Path, repeat: int) -> dict:
    times, errors = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True,
                              check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            errors.append(done.stderr.strip()[-300:])
    return {"median_s": statistics.median(times), "max_s": max(times), "runs": repeat,
            "errors": len(errors), "error_samples": errors[:2]}


def run(work: Path, repeat: int) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    model_dir = write_model_dir(work / "model")
    env = {**os.environ, "UCSQL_PRINCIPAL": "admin"}
    os.environ["UCSQL_PRINCIPAL"] = "admin"
    tracking = f"sqlite:///{work / 'tracking.db'}"
    uris = {"sqlite": f"sqlite:///{work / 'registry.db'}",
            "ucsql": f"ucsql://{work / 'registry.duckdb'}"}
    for uri in uris.values():  # the registries exist, with a model and a version
        client = MlflowClient(tracking_uri=tracking, registry_uri=uri)
        client.create_registered_model(MODEL)
        client.create_model_version(MODEL, source=str(model_dir))
    ucsql.connect(work / "registry.duckdb", principal="admin").close()
    exe = Path(sys.executable).with_name("ucsql")
    cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "ucsql"]
    out = {"ucsql_cli_select_1": _wall(cli + [str(work / "registry.duckdb"), "-c", "SELECT 1"],
                                       env, work, repeat)}
    for store, uri in uris.items():
        out[f"mlflow_first_call_{store}"] = _wall(
            [sys.executable, "-c", FIRST_CALL, uri, tracking, MODEL], env, work, repeat)
    return {"repeat": repeat, "timings": out}


def render(r: dict) -> str:
    t = r["timings"]
    rows = [
        ['ucsql FILE -c "SELECT 1"', t["ucsql_cli_select_1"]["median_s"],
         t["ucsql_cli_select_1"]["max_s"], t["ucsql_cli_select_1"]["errors"]],
        ["python: MlflowClient + get_registered_model, SQLite store",
         t["mlflow_first_call_sqlite"]["median_s"], t["mlflow_first_call_sqlite"]["max_s"],
         t["mlflow_first_call_sqlite"]["errors"]],
        ["python: MlflowClient + get_registered_model, ucsql",
         t["mlflow_first_call_ucsql"]["median_s"], t["mlflow_first_call_ucsql"]["max_s"],
         t["mlflow_first_call_ucsql"]["errors"]],
    ]
    return table(f"Cold start: a new process, wall time (median of {r['repeat']})",
                 ["", "median s", "max s", "errors"], rows)
