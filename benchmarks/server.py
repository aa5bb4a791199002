"""Benchmark `server` (issue 13): 8 client processes through the stock MLflow client over HTTP,
against `ucsql serve` and against `mlflow server` with its default SQLite store, same machine,
same workload.

    python benchmarks/server.py [--clients 8] [--per-client 20]

Each client (benchmarks/http_worker.py, which cannot import ucsql) uploads one small model into
a run, then registers versions of a shared model and of its own from it and reads between them
(by alias, the model, the version, a search). ``mlflow server`` runs as its own command starts it
(its default 4 worker processes, no authentication); ``ucsql serve`` is one process that checks
every request's token, copies every version's files into managed storage and writes an audit
row per call. Afterwards every version is counted on the server (nothing lost, numbers
gapless) and, for ucsql, every READY version's files are checked against their digests.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests

import ucsql
from benchmarks.seed import write_model_dir
from benchmarks.timing import table

WORKER = Path(__file__).with_name("http_worker.py")
SHARED = "main.default.shared"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(kind: str, work: Path) -> tuple[subprocess.Popen, str, str | None]:
    """The server (its process, URL and, for ucsql, an admin token), listening."""
    port = _port()
    url = f"http://127.0.0.1:{port}"
    token = None
    log = open(work / f"{kind}.log", "w")
    if kind == "ucsql":
        path = work / "registry.duckdb"
        with ucsql.connect(path, principal="admin") as cat:
            token = cat.sql("CREATE TOKEN COMMENT 'benchmark'").details["token"]
        command = [sys.executable, "-m", "ucsql", "serve", str(path), "--port", str(port)]
    else:
        command = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1",
                   "--port", str(port), "--backend-store-uri", f"sqlite:///{work / 'mlflow.db'}",
                   "--artifacts-destination", str(work / "artifacts")]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=work,
                               env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"})
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    deadline = time.monotonic() + 300
    while True:
        try:
            if requests.get(f"{url}/health", headers=headers, timeout=5).status_code == 200:
                return process, url, token
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{kind} server did not start: {(work / f'{kind}.log').read_text()[-2000:]}")
        time.sleep(0.2)


def _env(url: str, token: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "UCSQL_"))}
    env.update(MLFLOW_TRACKING_URI=url, PYTHONWARNINGS="ignore", MLFLOW_DISABLE_TELEMETRY="true")
    if token:
        env["MLFLOW_TRACKING_TOKEN"] = token
    return env


def _setup(url: str, token: str | None, work: Path, model_dir: Path) -> None:
    """The shared model, its version 1 and @Champion, made by a client like the others."""
    script = (
        "import sys; sys.modules['ucsql'] = None\n"
        "from mlflow import MlflowClient\n"
        "c = MlflowClient()\n"
        "run = c.create_run(c.create_experiment('setup'))\n"
        f"c.log_artifacts(run.info.run_id, {str(model_dir)!r}, 'model')\n"
        f"c.create_registered_model({SHARED!r})\n"
        f"c.create_model_version({SHARED!r}, f'runs:/{{run.info.run_id}}/model', run_id=run.info.run_id)\n"
        f"c.set_registered_model_alias({SHARED!r}, 'Champion', '1')\n")
    subprocess.run([sys.executable, "-c", script], env=_env(url, token), cwd=work, check=True,
                   timeout=600)


def _count(url: str, token: str | None, clients: int) -> dict[str, list[int]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    found = {}
    for name in [SHARED] + [f"main.default.client_{i}" for i in range(clients)]:
        versions, page = [], None
        while True:
            params = {"filter": f"name = '{name}'", "max_results": 200}
            if page:
                params["page_token"] = page
            body = requests.get(f"{url}/api/2.0/mlflow/model-versions/search", params=params,
                                headers=headers, timeout=60).json()
            versions += [int(v["version"]) for v in body.get("model_versions", [])]
            page = body.get("next_page_token")
            if not page:
                break
        found[name] = sorted(versions)
    return found


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run_server(kind: str, work: Path, model_dir: Path, clients: int, per_client: int) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    process, url, token = _start(kind, work)
    try:
        _setup(url, token, work, model_dir)
        go = work / "go"
        logs = [open(work / f"client-{i}.log", "w") for i in range(clients)]
        procs = [subprocess.Popen([sys.executable, str(WORKER), str(i), str(per_client), str(go),
                                   str(model_dir)], stdout=subprocess.PIPE, stderr=logs[i],
                                  text=True, env=_env(url, token), cwd=work)
                 for i in range(clients)]
        deadline = time.monotonic() + 900
        while not all(Path(f"{go}.{i}.ready").exists() for i in range(clients)):
            if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
                failed = next((i for i, p in enumerate(procs) if p.poll() is not None), 0)
                raise RuntimeError(f"client {failed} did not get ready: "
                                   + (work / f"client-{failed}.log").read_text()[-2000:])
            time.sleep(0.05)
        go.touch()
        reports = [json.loads(p.communicate(timeout=3600)[0]) for p in procs]
        found = _count(url, token, clients)
    finally:
        process.terminate()
        process.wait(timeout=120)
    wall = max(r["seconds"] for r in reports)
    calls: dict[str, list[float]] = {}
    for r in reports:
        for name, values in r["calls"].items():
            calls.setdefault(name, []).extend(values)
    registrations = [v for k, vs in calls.items() if k.startswith("register") for v in vs]
    reads = [v for k, vs in calls.items() if not k.startswith("register") for v in vs]
    expected = {SHARED: list(range(1, clients * per_client + 2)),
                **{f"main.default.client_{i}": list(range(1, per_client + 1))
                   for i in range(clients)}}
    intact = found == expected
    files_ok = None
    if kind == "ucsql":
        with ucsql.connect(work / "registry.duckdb", principal="admin") as cat:
            files_ok = cat.check().table.num_rows == 0
    errors = [e for r in reports for e in r["errors"]]
    return {"clients": clients, "per_client": per_client, "wall_s": wall,
            "registrations": len(registrations), "registrations_per_s": len(registrations) / wall,
            "reads": len(reads), "reads_per_s": len(reads) / wall,
            "register_p50_ms": _percentile(registrations, 0.5),
            "register_p99_ms": _percentile(registrations, 0.99),
            "read_p50_ms": _percentile(reads, 0.5), "read_p99_ms": _percentile(reads, 0.99),
            "per_call_p50_ms": {k: statistics.median(v) for k, v in calls.items()},
            "errors": len(errors), "error_samples": errors[:5], "intact": intact,
            "files_verified": files_ok}


def run(work: Path, clients: int, per_client: int) -> dict:
    model_dir = write_model_dir(work / "model")
    return {"servers": {kind: run_server(kind, work / kind, model_dir, clients, per_client)
                        for kind in ("mlflow", "ucsql")}}


def render(result: dict) -> str:
    m, u = result["servers"]["mlflow"], result["servers"]["ucsql"]

    def ratio(key: str, higher_is_better: bool) -> str:
        a, b = m[key], u[key]
        if not a or not b:
            return "-"
        return f"{(b / a if higher_is_better else a / b):.2f}x"

    rows = [["registrations / s", m["registrations_per_s"], u["registrations_per_s"],
             ratio("registrations_per_s", True)],
            ["reads / s", m["reads_per_s"], u["reads_per_s"], ratio("reads_per_s", True)],
            ["registration p50 (ms)", m["register_p50_ms"], u["register_p50_ms"],
             ratio("register_p50_ms", False)],
            ["registration p99 (ms)", m["register_p99_ms"], u["register_p99_ms"],
             ratio("register_p99_ms", False)],
            ["read p50 (ms)", m["read_p50_ms"], u["read_p50_ms"], ratio("read_p50_ms", False)],
            ["read p99 (ms)", m["read_p99_ms"], u["read_p99_ms"], ratio("read_p99_ms", False)],
            ["errors", m["errors"], u["errors"], ""],
            ["every version there, numbers gapless", m["intact"], u["intact"], ""],
            ["every READY version's files match their digests", "-", u["files_verified"], ""]]
    for call in sorted(u["per_call_p50_ms"]):
        rows.append([f"  p50 {call} (ms)", m["per_call_p50_ms"].get(call, float("nan")),
                     u["per_call_p50_ms"][call],
                     f"{m['per_call_p50_ms'].get(call, 0) / u['per_call_p50_ms'][call]:.2f}x"])
    return table(f"Server: {u['clients']} client processes x {u['per_client']} rounds "
                 "(2 registrations + 4 reads each), stock MLflow client over HTTP",
                 ["", "mlflow server (SQLite)", "ucsql serve", "ucsql vs mlflow"], rows)


def main() -> None:
    import tempfile
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ucsql-bench-server-") as tmp:
        result = run(Path(tmp), args.clients, args.per_client)
    print(render(result))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "server.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
