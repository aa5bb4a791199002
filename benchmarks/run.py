"""Run the ucsql benchmarks (issue 6) and check them against their targets.

    python benchmarks/run.py [--quick] [--only registry,governance,analytics,concurrency,cold_start,
                                               guard,memory,handoff,small_check]

Prints one table per section and a table of targets (target, measured, met?), and writes every
figure to benchmarks/results/latest.json. ``--quick`` runs tiny scales (a smoke test, about a
minute); the full run is the issue's scales (1k and 100k versions, 10k groups and 100k grants,
1M versions, 4 writers).
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import ucsql
from benchmarks import targets
from benchmarks.timing import table

SECTIONS = ["registry", "governance", "analytics", "concurrency", "cold_start", "guard",
            "memory", "handoff", "small_check"]

FULL = {
    "registry": {"scales": [1_000, 100_000], "count": 200, "warmup": 20, "cold": 1_000},
    "governance": {"groups": 10_000, "grants": 100_000, "models": 10_000, "repeat": 50},
    "analytics": {"versions": 1_000_000, "repeat": 5},
    "concurrency": {"writers": 4, "per_writer": 50},
    "cold_start": {"repeat": 5},
    "guard": {"sizes": [250, 1_000, 4_000]},
    "memory": {"calls": 10_000, "every": 1_000},
    "handoff": {"rounds": 400, "default_rounds": 20},
    "small_check": {"repeat": 500},
}
QUICK = {
    "registry": {"scales": [200, 2_000], "count": 10, "warmup": 2, "cold": 20},
    "governance": {"groups": 200, "grants": 2_000, "models": 200, "repeat": 5},
    "analytics": {"versions": 20_000, "repeat": 2},
    "concurrency": {"writers": 2, "per_writer": 10},
    "cold_start": {"repeat": 1},
    "guard": {"sizes": [50, 200], "models": 100, "repeat": 5},
    "memory": {"calls": 600, "every": 100},
    "handoff": {"rounds": 10, "default_rounds": 4},
    "small_check": {"repeat": 20},
}


def run_section(name: str, work: Path, settings: dict) -> dict:
    # Each section is a module of benchmarks/ with run(work, **settings) and render(result).
    module = importlib.import_module(f"benchmarks.{name}")
    return module.run(work, **settings)


def render_section(name: str, result: dict) -> str:
    module = __import__(f"benchmarks.{name}", fromlist=["render"])
    return module.render(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny scales: a smoke test")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections (default all: {','.join(SECTIONS)})")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "latest.json"))
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    settings = QUICK if args.quick else FULL
    report = {"ucsql_version": ucsql.__version__, "quick": args.quick,
              "python": platform.python_version(), "machine": platform.machine(),
              "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "sections": {}, "seconds": {}}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ucsql-bench-") as tmp:
        for name in only:
            t0 = time.perf_counter()
            print(f"-- {name} ...", file=sys.stderr, flush=True)
            report["sections"][name] = run_section(name, Path(tmp) / name, settings[name])
            report["seconds"][name] = round(time.perf_counter() - t0, 1)
            print(render_section(name, report["sections"][name]), flush=True)
            print(f"({name}: {report['seconds'][name]} s)\n", flush=True)
    report["targets"] = targets.evaluate(report["sections"])
    report["seconds"]["total"] = round(time.perf_counter() - started, 1)
    print(table("Targets", ["target", "measured", "met"],
                [[t["target"], t["measured"], t["met"]] for t in report["targets"]]))
    print(f"\nTotal {report['seconds']['total']} s. Figures: {args.out}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
