"""Memory of one process over many calls through the stock MlflowClient: ucsql against MLflow's
SQLite store, each in a fresh process of its own (so one store's memory is not the other's).

    python -m benchmarks.memory STORE REGISTRY_URI TRACKING_URI CALLS EVERY   (the worker)

The worker makes CALLS calls, a mix in turn over 10 models: get version by alias, set a version
tag (the same key, so the data does not grow), search versions by name; it reads its resident
set size (/proc/self/statm) before the first call and after every EVERY calls, each time after
0.3 s of quiet, once ucsql has let go of the file (see quiet_rss).

Growth is the slope of RSS against calls over the second half of the calls, the first half being
the warm-up (imports, SQLAlchemy's and DuckDB's caches filling: the SQLite store's process grows
for about 5k calls, then not at all), in KiB per 1,000 calls, as the median of the slopes between
every pair of samples (Theil-Sen): ucsql lets go of the file every half second of busy work, and
DuckDB's reopening moves RSS by megabytes from one sample to the next, which drags a least-squares
line but not that median. The slope from the first EVERY calls on is shown beside it.

Flat means at most 256 KiB per 1,000 calls (256 bytes a call). Why that figure: it is about what
10k calls can resolve. Over the 5,000 judged calls it is 1.25 MiB, the size of ucsql's wobble
between samples; a smaller leak needs a longer run (more CALLS) to be told from that wobble.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.seed import ADMIN, write_model_dir  # noqa: E402
from benchmarks.timing import table  # noqa: E402

MODELS = [f"main.default.mem{m}" for m in range(10)]
FLAT_KIB_PER_1K = 256
QUIET = 0.3  # seconds before each sample: more than UCSQL_IDLE_RELEASE's default


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def quiet_rss() -> int:
    """RSS once the store is idle: ucsql lets go of the file (and DuckDB frees its buffers)
    after UCSQL_IDLE_RELEASE (0.2 s) of quiet, so every sample is read in the same state rather
    than wherever the last call left DuckDB; the SQLite store waits as long, for fairness."""
    time.sleep(QUIET)
    return rss_bytes()


def worker(registry: str, tracking: str, calls: int, every: int) -> dict:
    from mlflow import MlflowClient
    client = MlflowClient(tracking_uri=tracking, registry_uri=registry)
    client.get_registered_model(MODELS[0])  # open the store first
    samples, errors = [[0, quiet_rss()]], []
    started = time.perf_counter()
    for i in range(calls):
        name = MODELS[i % len(MODELS)]
        try:
            kind = i % 3
            if kind == 0:
                if client.get_model_version_by_alias(name, "champion").name != name:
                    raise AssertionError(f"get by alias {name}: wrong model")
            elif kind == 1:
                client.set_model_version_tag(name, "1", "reviewed", f"r{i}")
            elif len(client.search_model_versions(f"name = '{name}'")) != 3:
                raise AssertionError(f"search {name}: not 3 versions")
        except Exception as e:  # noqa: BLE001  counted and reported
            errors.append(f"call {i}: {type(e).__name__}: {str(e)[:300]}")
        if (i + 1) % every == 0:
            samples.append([i + 1, quiet_rss()])
    return {"samples": samples, "errors": len(errors), "error_samples": errors[:3],
            "seconds": time.perf_counter() - started}


def slope_kib_per_1k(samples: list[list[int]]) -> float:
    """Theil-Sen: the median of the slopes between every pair of (calls, RSS) samples."""
    slopes = [1000 * (b[1] - a[1]) / 1024 / (b[0] - a[0])
              for k, a in enumerate(samples) for b in samples[k + 1:] if b[0] != a[0]]
    return statistics.median(slopes) if slopes else 0.0


def seed_store(registry: str, tracking: str, model_dir: Path) -> None:
    from mlflow import MlflowClient
    client = MlflowClient(tracking_uri=tracking, registry_uri=registry)
    for name in MODELS:
        client.create_registered_model(name)
        for _ in range(3):
            client.create_model_version(name, source=str(model_dir))
        client.set_registered_model_alias(name, "champion", 1)


def run_store(store: str, work: Path, model_dir: Path, calls: int, every: int) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    tracking = f"sqlite:///{work / 'tracking.db'}"
    registry = (f"sqlite:///{work / 'registry.db'}" if store == "sqlite"
                else f"ucsql://{work / 'registry.duckdb'}")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "UCSQL_PRINCIPAL": ADMIN}
    seeded = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                             "from benchmarks.memory import seed_store; "
                             "seed_store(sys.argv[1], sys.argv[2], Path(sys.argv[3]))",
                             registry, tracking, str(model_dir)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    if seeded.returncode:
        raise RuntimeError(f"seeding the {store} store failed: {seeded.stderr[-2000:]}")
    done = subprocess.run([sys.executable, "-m", "benchmarks.memory", registry, tracking,
                           str(calls), str(every)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=3600, check=False)
    if done.returncode:
        raise RuntimeError(f"the {store} memory worker failed: {done.stderr[-2000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    samples = out["samples"]
    judged = [s for s in samples if s[0] >= calls // 2]
    slope = slope_kib_per_1k(judged)
    return {**out, "calls": calls, "every": every, "rss_start_mib": samples[0][1] / 2**20,
            "rss_after_warmup_mib": judged[0][1] / 2**20, "rss_end_mib": samples[-1][1] / 2**20,
            "rss_max_mib": max(b for _, b in samples) / 2**20,
            "growth_kib_per_1k": slope,
            "growth_from_first_sample_kib_per_1k": slope_kib_per_1k(
                [s for s in samples if s[0] >= every]),
            "flat": slope <= FLAT_KIB_PER_1K}


def run(work: Path, calls: int, every: int) -> dict:
    model_dir = write_model_dir(work / "model")
    return {"calls": calls, "every": every, "flat_kib_per_1k": FLAT_KIB_PER_1K,
            "stores": {s: run_store(s, work / s, model_dir, calls, every)
                       for s in ("sqlite", "ucsql")}}


def render(r: dict) -> str:
    s, u = r["stores"]["sqlite"], r["stores"]["ucsql"]
    rows = [[label, s[key], u[key]] for label, key in [
        ("RSS before the first call (MiB)", "rss_start_mib"),
        (f"RSS after {r['calls'] // 2:,} calls, the warm-up (MiB)", "rss_after_warmup_mib"),
        (f"RSS after {r['calls']:,} calls (MiB)", "rss_end_mib"),
        ("RSS at its highest (MiB)", "rss_max_mib"),
        (f"growth after {r['calls'] // 2:,} calls (KiB per 1,000 calls, Theil-Sen)",
         "growth_kib_per_1k"),
        (f"  same, from {r['every']:,} calls on", "growth_from_first_sample_kib_per_1k"),
        (f"flat (<= {r['flat_kib_per_1k']} KiB per 1,000 calls)", "flat"),
        ("seconds (the calls and the pauses before samples)", "seconds"), ("errors", "errors")]]
    curve = "  RSS MiB every {:,} calls: sqlite {}; ucsql {}".format(
        r["every"], " ".join(f"{b / 2**20:.1f}" for _, b in s["samples"]),
        " ".join(f"{b / 2**20:.1f}" for _, b in u["samples"]))
    return table(f"Memory of one process over {r['calls']:,} MlflowClient calls (get by alias, "
                 "set version tag, search by name, in turn)", ["", "SQLite store", "ucsql"],
                 rows) + "\n" + curve


if __name__ == "__main__":
    print(json.dumps(worker(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
