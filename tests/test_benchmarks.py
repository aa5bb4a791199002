"""The benchmark harness runs end to end at tiny scale (benchmarks/run.py --quick).

No timing is asserted: only that every section runs, prints its table, writes every figure,
that nothing errored, and that ucsql did its checks and audit on the way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ["registry", "governance", "analytics", "concurrency", "cold_start", "guard",
            "memory", "handoff", "small_check"]
WORKLOADS = ["create_registered_model", "create_model_version", "create_model_version_files",
             "set_alias", "get_version_by_alias", "get_registered_model", "set_version_tag",
             "search_versions_by_name", "search_versions_by_tag", "search_versions_by_run_id",
             "search_registered_models_like", "delete_model_version"]
COLD = ["create_registered_model", "set_alias", "get_version_by_alias", "get_registered_model",
        "set_version_tag", "search_versions_by_name", "create_model_version",
        "create_model_version_files"]


def positive(figures: dict) -> bool:
    return figures["median_ms"] > 0 and figures["p99_ms"] >= figures["median_ms"]


def test_quick_run_covers_every_section(tmp_path):
    out = tmp_path / "latest.json"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
                           "--out", str(out)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    for title in ["== Registry per call", "== Governance at scale", "== Analytics at",
                  "== Concurrency:", "== Cold start:", "== SELECT guard:", "== Memory of one",
                  "== Handoff between", "== Small metastore", "== Targets =="]:
        assert title in done.stdout, f"{title!r} missing from:\n{done.stdout}"
    report = json.loads(out.read_text())
    assert sorted(report["sections"]) == sorted(SECTIONS)

    registry = report["sections"]["registry"]
    assert len(registry["scales"]) == 2
    for scale in registry["scales"]:
        assert list(scale["workloads"]) == WORKLOADS and list(scale["cold"]) == COLD
        for key, row in [*scale["workloads"].items(), *scale["cold"].items()]:
            for store in ("sqlite", "ucsql"):
                assert row[store]["errors"] == 0, (key, store, row[store]["error_samples"])
                assert row[store]["n"] == registry["count"] and positive(row[store]), (key, store)
            assert row["ratio"] > 0
        assert scale["versions_after"]["ucsql"] == scale["versions_expected"]
        # every MLflow call through ucsql was checked and audited
        assert scale["audit_rows_written"] >= scale["calls_per_store"]

    governance = report["sections"]["governance"]
    assert governance["errors"] == 0, governance["error_samples"]
    assert set(governance["timings"]) == {"get_model_version", "get_model_version_sql",
                                          "policy_query", "uncached_check", "show_grants",
                                          "count_versions"}
    assert all(positive(t) for t in governance["timings"].values())
    assert governance["grant_rows"] >= governance["grant_rows_planned"]
    assert governance["visible_versions"] >= governance["visible_versions_at_least"]
    assert governance["visible_versions"] < governance["versions"]  # filtered to what it may see
    assert governance["audit_rows_of_principal"] >= 4 * governance["repeat"]

    analytics = report["sections"]["analytics"]
    assert analytics["errors"] == 0, analytics["error_samples"]
    assert analytics["versions_present"] == analytics["versions"]
    assert len(analytics["queries"]) == 3 and all(positive(q) for q in analytics["queries"].values())

    for store, figures in report["sections"]["concurrency"]["stores"].items():
        assert figures["registrations"] > 0 and figures["reads"] > 0, store
    ucsql_run = report["sections"]["concurrency"]["stores"]["ucsql"]
    assert ucsql_run["errors"] == 0, ucsql_run["error_samples"]
    assert ucsql_run["intact"] and ucsql_run["versions_present"] == ucsql_run["versions_expected"]

    for name, figures in report["sections"]["cold_start"]["timings"].items():
        assert figures["errors"] == 0 and figures["median_s"] > 0, (name, figures["error_samples"])

    sizes = report["sections"]["guard"]["sizes"]
    assert len(sizes) >= 2 and all(r["guard_s"] > 0 and r["select_s"] > 0 for r in sizes)

    memory = report["sections"]["memory"]
    for store, figures in memory["stores"].items():
        assert figures["errors"] == 0, (store, figures["error_samples"])
        # a sample before the first call and one every `every` calls, RSS read for real
        assert [c for c, _ in figures["samples"]] == list(range(0, memory["calls"] + 1,
                                                                memory["every"])), store
        assert all(rss > 0 for _, rss in figures["samples"]) and isinstance(figures["flat"], bool)

    for name, variant in report["sections"]["handoff"]["variants"].items():
        assert variant["errors"] == 0, (name, variant["error_samples"])
        # most rounds were real handoffs: the waiter had asked before the holder let go
        assert variant["handoffs"] >= variant["rounds"] // 2, (name, variant)
        assert variant["latency"]["median_ms"] > variant["warm_statement"]["median_ms"] > 0, name

    small = report["sections"]["small_check"]
    assert small["errors"] == 0, small["error_samples"]  # every answer as granted, none cached
    assert small["uncached_check"]["n"] == small["repeat"] and positive(small["uncached_check"])
    assert small["distinct_epochs"] == small["repeat"] + small["warmup"]

    assert report["targets"] and all(isinstance(t["met"], bool) for t in report["targets"])
