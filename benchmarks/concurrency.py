"""Benchmark `concurrency`: several processes sharing one metastore file.

    python benchmarks/concurrency.py [--writers 4] [--per-writer 100]

Each writer process registers N versions of a shared model and N of its own (ALTER MODEL ...
ADD VERSION, files copied), while one reader process gets shared@Champion in a loop. Prints
a table of registrations and reads per second and errors, and writes
benchmarks/results/concurrency.json. (The workload is the one tests/test_concurrency.py checks
for correctness; this measures it.)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_concurrency import run_workload  # noqa: E402  (the same workload as the test)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--per-writer", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        reports, reader, _ = run_workload(Path(tmp), args.writers, args.per_writer)
        wall = time.perf_counter() - started
    registered = sum(r["registered"] for r in reports)
    errors = sum(len(r["errors"]) for r in reports) + len(reader["errors"])
    writer_seconds = max(r["seconds"] for r in reports)
    figures = {
        "writers": args.writers, "registrations": registered,
        "registrations_per_s": registered / writer_seconds, "reads": reader["reads"],
        "reads_per_s": reader["reads"] / reader["seconds"], "errors": errors,
        "writers_wall_s": writer_seconds, "total_wall_s": wall,
    }
    print(f"{'workload':<34} {'value':>12}")
    print("-" * 47)
    print(f"{'writer processes':<34} {args.writers:>12}")
    print(f"{'registrations (all writers)':<34} {registered:>12}")
    print(f"{'writers wall time (s)':<34} {writer_seconds:>12.1f}")
    print(f"{'registrations / s':<34} {figures['registrations_per_s']:>12.1f}")
    print(f"{'reads by alias (1 reader)':<34} {reader['reads']:>12}")
    print(f"{'reads / s':<34} {figures['reads_per_s']:>12.1f}")
    print(f"{'errors':<34} {errors:>12}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "concurrency.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
