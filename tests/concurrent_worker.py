"""A worker process for the concurrency test and benchmark (run as a script, not collected).

    python tests/concurrent_worker.py write METASTORE MODEL_DIR WORKER_ID N
    python tests/concurrent_worker.py read METASTORE SECONDS

A writer registers N versions of the shared model main.default.shared and N of its own model
main.default.own_<id>, alternating; a reader gets main.default.shared@Champion in a loop until
told to stop (a file named stop beside the metastore) or SECONDS pass. Each prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import ucsql


def write(path: str, model_dir: str, worker: str, n: int) -> dict:
    cat = ucsql.connect(path, principal="admin")
    own = f"main.default.own_{worker}"
    cat.sql(f"CREATE MODEL IF NOT EXISTS {own}")
    errors, started = [], time.perf_counter()
    for _ in range(n):
        for model in ("main.default.shared", own):
            try:
                cat.sql(f"ALTER MODEL {model} ADD VERSION FROM ?", [model_dir])
            except Exception as e:  # reported, counted by the caller
                errors.append(f"{type(e).__name__}: {e}")
    cat.close()
    return {"worker": worker, "registered": 2 * n - len(errors), "errors": errors,
            "seconds": time.perf_counter() - started}


def read(path: str, seconds: float) -> dict:
    cat = ucsql.connect(path, principal="admin")
    stop = Path(path).with_name("stop")
    reads, errors, started = 0, [], time.perf_counter()
    while not stop.exists() and time.perf_counter() - started < seconds:
        try:
            row = cat.sql("GET MODEL VERSION main.default.shared ALIAS Champion").fetchone()
            assert row is not None and row[1] == 1
            reads += 1
        except Exception as e:
            errors.append(f"{type(e).__name__}: {e}")
    cat.close()
    return {"reads": reads, "errors": errors, "seconds": time.perf_counter() - started}


if __name__ == "__main__":
    if sys.argv[1] == "write":
        out = write(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        out = read(sys.argv[2], float(sys.argv[3]))
    print(json.dumps(out))
