"""One client process of the server benchmark: the stock MLflow client over HTTP, nothing else.

    python benchmarks/http_worker.py CLIENT_ID N GO_FILE MODEL_DIR

Environment: MLFLOW_TRACKING_URI (the server) and, for ucsql, MLFLOW_TRACKING_TOKEN. Before
the clock starts it uploads one small model into a run of its own, writes GO_FILE.<id>.ready
and waits for GO_FILE (so every client starts at once); then, N times: registers a version of the shared model and one of its
own model from that upload, and makes four reads (the shared model's version by alias, its own
model, the version it just made, a search of its own model's versions). Prints one JSON line:
latencies per call, in ms, and every error (none is retried).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.modules["ucsql"] = None  # a client on another machine: no ucsql to import

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

SHARED = "main.default.shared"


def main(client_id: str, n: int, go_file: str, model_dir: str) -> dict:
    client = MlflowClient()
    own = f"main.default.client_{client_id}"
    experiment = client.create_experiment(f"bench-{client_id}-{time.time_ns()}")
    run = client.create_run(experiment)
    client.log_artifacts(run.info.run_id, model_dir, "model")
    source = f"runs:/{run.info.run_id}/model"
    client.create_registered_model(own)
    calls: dict[str, list[float]] = {}
    errors: list[str] = []

    def timed(name, call):
        t0 = time.perf_counter()
        try:
            out = call()
        except Exception as e:  # noqa: BLE001 - counted and reported
            errors.append(f"{name}: {type(e).__name__}: {str(e)[:200]}")
            return None
        calls.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
        return out

    Path(f"{go_file}.{client_id}.ready").touch()
    while not Path(go_file).exists():
        time.sleep(0.01)
    started = time.perf_counter()
    for _ in range(n):
        timed("register (shared model)", lambda: client.create_model_version(
            SHARED, source, run_id=run.info.run_id))
        mine = timed("register (own model)", lambda: client.create_model_version(
            own, source, run_id=run.info.run_id))
        timed("get version by alias", lambda: client.get_model_version_by_alias(SHARED, "Champion"))
        timed("get registered model", lambda: client.get_registered_model(own))
        if mine is not None:
            timed("get model version", lambda: client.get_model_version(own, mine.version))
        timed("search versions of a model", lambda: client.search_model_versions(
            f"name = '{own}'", max_results=20))
    return {"client": client_id, "seconds": time.perf_counter() - started, "calls": calls,
            "errors": errors}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])))
