"""The SELECT guard's own cost against the size of the query (issue 10: it must be linear),
and what the sandbox for costly queries costs (issue 10: no query past its limits).

A query of n ANDed comparisons over one system view, guarded n times bigger each row: the guard's
time per term should stay flat. The whole SELECT through ``Catalog.sql`` is shown beside it; the
difference is DuckDB's own planning, which ucsql does not control (large queries run in the
sandbox, stopped at UCSQL_QUERY_TIMEOUT, set to 10 s here).

The sandbox: the first sandboxed query of a process (it starts the worker), then the same
query over N models in the sandbox and in-process side by side, and ``lpad('', 2e9, 'x')``
with a 3 s timeout: how long until the statement fails and the file is free.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import sqlglot

import ucsql
from ucsql.errors import InvalidArgument
from ucsql.select_guard import guard_select
from benchmarks.timing import measure, summary, table

VIEW = ("information_schema", "registered_models")


def query(n: int) -> str:
    return ("SELECT count(*) FROM system.information_schema.registered_models WHERE "
            + " AND ".join(f"length(model_name) <> {i}" for i in range(n)))


# The same answer: in-process (count) and in the sandbox (string_agg sends it there).
HERE = "SELECT count(DISTINCT model_name) FROM system.information_schema.registered_models"
SANDBOXED = ("SELECT length(string_agg(DISTINCT model_name, ',')) "
             "FROM system.information_schema.registered_models")


def run(work: Path, sizes: list[int], models: int = 1_000, repeat: int = 20) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    os.environ["UCSQL_QUERY_TIMEOUT"] = "10"
    catalog = ucsql.connect(work / "guard.duckdb", principal="admin")
    rows = []
    for n in sizes:
        text = query(n)
        tree = sqlglot.parse_one(text, read="duckdb")
        started = time.perf_counter()
        guard_select(tree, {VIEW: "registered_models_view"}, "admin")
        guard_s = time.perf_counter() - started
        started = time.perf_counter()
        try:
            catalog.sql(text)
            outcome = "answered"
        except InvalidArgument:
            outcome = "stopped"
        total_s = time.perf_counter() - started
        rows.append({"terms": n, "guard_s": guard_s, "guard_us_per_term": guard_s / n * 1e6,
                     "select_s": total_s, "outcome": outcome})
    catalog.close()
    return {"sizes": rows, "sandbox": _sandbox(work, models, repeat)}


def _sandbox(work: Path, models: int, repeat: int) -> dict:
    path = work / "sandbox.duckdb"
    catalog = ucsql.connect(path, principal="admin")
    catalog.sql("; ".join(f"CREATE MODEL m{i}" for i in range(models)))
    started = time.perf_counter()
    catalog.sql(SANDBOXED)
    first_s = time.perf_counter() - started
    errors: list[str] = []
    here = summary(measure(lambda i: catalog.sql(HERE), repeat, 2, errors))
    there = summary(measure(lambda i: catalog.sql(SANDBOXED), repeat, 2, errors))
    assert catalog.sql(HERE).scalar() == models
    os.environ["UCSQL_QUERY_TIMEOUT"] = "3"
    started = time.perf_counter()
    try:
        catalog.sql("SELECT length(lpad('', 2000000000, 'x'))")
    except InvalidArgument:
        pass
    stopped_s = time.perf_counter() - started
    catalog.close()
    free = ucsql.connect(path, principal="admin")  # the file is ours again at once
    free.close()
    os.environ["UCSQL_QUERY_TIMEOUT"] = "10"
    return {"models": models, "first_s": first_s, "here_ms": here["median_ms"],
            "sandbox_ms": there["median_ms"], "runaway_stopped_s": stopped_s,
            "errors": len(errors)}


def render(result: dict) -> str:
    guard = table("SELECT guard: cost against query size (linear = flat per-term cost)",
                  ["ANDed terms", "guard s", "guard us/term", "whole SELECT s", "SELECT"],
                  [[r["terms"], f"{r['guard_s']:.3f}", f"{r['guard_us_per_term']:.0f}",
                    f"{r['select_s']:.2f}", r["outcome"]] for r in result["sizes"]])
    s = result["sandbox"]
    sandbox = table(f"Sandbox: the same answer over {s['models']:,} models, in-process and "
                    "in the worker (median ms)",
                    ["first sandboxed query s", "in-process ms", "sandbox ms",
                     "lpad 2e9 at 3 s timeout: stopped after s"],
                    [[f"{s['first_s']:.2f}", f"{s['here_ms']:.2f}", f"{s['sandbox_ms']:.2f}",
                      f"{s['runaway_stopped_s']:.2f}"]])
    return guard + "\n\n" + sandbox
