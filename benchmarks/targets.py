"""The targets of issues 6 and 12, checked against the measured figures: (target, measured, met)."""

from __future__ import annotations

from benchmarks.timing import scale_label

POINT = ["create_registered_model", "create_model_version", "create_model_version_files",
         "set_alias", "get_version_by_alias", "get_registered_model", "set_version_tag",
         "delete_model_version"]
SEARCH = ["search_versions_by_name", "search_versions_by_tag", "search_versions_by_run_id",
          "search_registered_models_like"]
FLAT = 1.5  # "flat": the median at the larger scale is at most 1.5x the median at the smaller


def _row(target: str, measured: str, met: bool) -> dict:
    return {"target": target, "measured": measured, "met": bool(met)}


def registry(result: dict) -> list[dict]:
    out = []
    scales = result["scales"]
    labels = "/".join(scale_label(s["versions"]) for s in scales)
    for shape, named in (("workloads", "hot"), ("cold", "cold")):
        for key, first in scales[0].get(shape, {}).items():
            ratios = [s[shape][key]["ratio"] for s in scales]
            out.append(_row(f"{first['label']} ({named}): >= 2x faster than SQLite at {labels}",
                            " / ".join(f"{r:.2f}x time" for r in ratios),
                            all(r <= 0.5 for r in ratios)))
    if len(scales) >= 2:
        lo, hi = scales[0], scales[-1]
        growth = hi["versions"] / lo["versions"]
        for key in POINT + SEARCH:
            a, b = lo["workloads"][key]["ucsql"]["median_ms"], hi["workloads"][key]["ucsql"]["median_ms"]
            bound = FLAT if key in POINT else growth
            kind = "flat (<= 1.5x)" if key in POINT else f"no worse than linear (<= {growth:g}x)"
            out.append(_row(f"ucsql {lo['workloads'][key]['label']}: "
                            f"{scale_label(lo['versions'])} -> {scale_label(hi['versions'])} {kind}",
                            f"{b / a:.2f}x", b / a <= bound))
    errors = sum(w[s]["errors"] for sc in scales
                 for w in [*sc["workloads"].values(), *sc.get("cold", {}).values()]
                 for s in ("sqlite", "ucsql"))
    intact = all(sc["versions_after"]["ucsql"] == sc["versions_expected"] for sc in scales)
    out.append(_row("registry: no errors, every ucsql version accounted for",
                    f"{errors} errors; versions {'as expected' if intact else 'MISMATCH'}",
                    errors == 0 and intact))
    return out


def governance(result: dict) -> list[dict]:
    t = result["timings"]
    out = [_row("privilege check (GET MODEL VERSION as nested principal) median < 1 ms",
                f"{t['get_model_version']['median_ms']:.2f} ms",
                t["get_model_version"]["median_ms"] < 1.0)]
    if "uncached_check" in t:
        out.append(_row("uncached privilege check (new epoch, a different model each call) "
                        "median < 1 ms", f"{t['uncached_check']['median_ms']:.2f} ms",
                        t["uncached_check"]["median_ms"] < 1.0))
    out.append(_row("SHOW GRANTS ON SCHEMA median < 20 ms",
                    f"{t['show_grants']['median_ms']:.2f} ms", t["show_grants"]["median_ms"] < 20))
    return out


def analytics(result: dict) -> list[dict]:
    n = scale_label(result["versions"])
    return [_row(f"analytics @{n}: {q['label']} < 300 ms", f"{q['median_ms']:.0f} ms",
                 q["median_ms"] < 300) for q in result["queries"].values()]


def concurrency(result: dict) -> list[dict]:
    s, u = result["stores"]["sqlite"], result["stores"]["ucsql"]
    return [
        _row("concurrency: ucsql registrations/s >= SQLite store's",
             f"{u['registrations_per_s']:.1f} vs {s['registrations_per_s']:.1f}",
             u["registrations_per_s"] >= s["registrations_per_s"]),
        _row("concurrency: ucsql no errors, nothing lost, numbers gapless",
             f"{u['errors']} errors; {'intact' if u['intact'] else 'LOST OR GAPS'}",
             u["errors"] == 0 and u["intact"]),
    ]


def guard(result: dict) -> list[dict]:
    # Linear: the per-term cost at the largest size within 3x of the smallest's (a quadratic
    # guard grows with the size ratio, 16x here).
    first, last = result["sizes"][0], result["sizes"][-1]
    ratio = last["guard_us_per_term"] / first["guard_us_per_term"]
    stopped = result["sandbox"]["runaway_stopped_s"]
    return [_row(f"guard linear: us/term at {last['terms']} terms <= 3x at {first['terms']}",
                 f"{ratio:.1f}x", ratio <= 3),
            _row("a runaway call (lpad 2e9) stops by its 3 s timeout (+1 s)", f"{stopped:.1f} s",
                 stopped <= 4)]


def cold_start(result: dict) -> list[dict]:
    from benchmarks.cold_start import target
    goal, measured, met = target(result)
    return [_row(f'ucsql FILE -c "SELECT 1" within {result["target_s"]:g} s of python -c '
                 f'"import duckdb" (<= {goal:.2f} s wall)', f"{measured:.2f} s", met)]


def memory(result: dict) -> list[dict]:
    s, u = result["stores"]["sqlite"], result["stores"]["ucsql"]
    bound = result["flat_kib_per_1k"]
    return [_row(f"memory: ucsql RSS flat over {result['calls']:,} MlflowClient calls after "
                 f"warm-up (slope over the second half <= {bound} KiB per 1k calls)",
                 f"{u['growth_kib_per_1k']:,.0f} KiB/1k (SQLite store {s['growth_kib_per_1k']:,.0f})",
                 u["flat"] and u["errors"] == 0)]


def handoff(result: dict) -> list[dict]:
    v = result["variants"]["release_at_once"]
    cost = v["handoff_cost"]
    return [_row("handoff: the file passes from one process to a waiting one in < 5 ms "
                 "(median; UCSQL_IDLE_RELEASE=0)",
                 f"{cost['median_ms']:.1f} ms (p95 {cost['p95_ms']:.1f})",
                 cost["median_ms"] < 5 and v["errors"] == 0)]


def small_check(result: dict) -> list[dict]:
    t = result["uncached_check"]
    return [_row("uncached privilege check on a small metastore (new epoch each call) "
                 "median < 0.3 ms", f"{t['median_ms']:.2f} ms",
                 t["median_ms"] < 0.3 and result["errors"] == 0)]


def evaluate(sections: dict) -> list[dict]:
    out = []
    for name, fn in [("registry", registry), ("governance", governance),
                     ("analytics", analytics), ("concurrency", concurrency), ("guard", guard),
                     ("cold_start", cold_start), ("memory", memory), ("handoff", handoff),
                     ("small_check", small_check)]:
        if name in sections:
            out += fn(sections[name])
    return out
