"""The SELECT guard's own cost against the size of the query (issue 10: it must be linear).

A query of n ANDed comparisons over one system view, guarded n times bigger each row: the guard's
time per term should stay flat. The whole SELECT through ``Catalog.sql`` is shown beside it; the
difference is DuckDB's own planning, which ucsql does not control.
"""

from __future__ import annotations

import time
from pathlib import Path

import sqlglot

import ucsql
from ucsql.select_guard import guard_select
from benchmarks.timing import table

VIEW = ("information_schema", "registered_models")


def query(n: int) -> str:
    return ("SELECT count(*) FROM system.information_schema.registered_models WHERE "
            + " AND ".join(f"length(model_name) <> {i}" for i in range(n)))


def run(work: Path, sizes: list[int]) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    catalog = ucsql.connect(work / "guard.duckdb", principal="admin")
    rows = []
    for n in sizes:
        text = query(n)
        tree = sqlglot.parse_one(text, read="duckdb")
        started = time.perf_counter()
        guard_select(tree, {VIEW: "registered_models_view"}, "admin")
        guard_s = time.perf_counter() - started
        started = time.perf_counter()
        catalog.sql(text)
        total_s = time.perf_counter() - started
        rows.append({"terms": n, "guard_s": guard_s, "guard_us_per_term": guard_s / n * 1e6,
                     "select_s": total_s})
    catalog.close()
    return {"sizes": rows}


def render(result: dict) -> str:
    return table("SELECT guard: cost against query size (linear = flat per-term cost)",
                 ["ANDed terms", "guard s", "guard us/term", "whole SELECT s"],
                 [[r["terms"], f"{r['guard_s']:.3f}", f"{r['guard_us_per_term']:.0f}",
                   f"{r['select_s']:.2f}"] for r in result["sizes"]])
