"""Analytics over the system views at N versions (1M in the full run), as the admin.

The versions are bulk-loaded through the supported path (``Catalog.import_versions``: numbered,
READY, audited, sharing one registered version's files) into 1,000 models over 4 catalogs, with
two tags each and models owned by 5 teams; then each query runs several times (median, p99)
and its answer is checked against what was loaded.
"""

from __future__ import annotations

from pathlib import Path

import ucsql
from benchmarks import seed
from benchmarks.seed import ADMIN, progress
from benchmarks.timing import measure, scale_label, summary, table, time_once

CATALOGS, SCHEMAS, OWNERS, TEAMS = 4, 5, 5, 8
STATUSES = ("approved", "pending", "rejected")

QUERIES = {
    "versions_per_catalog_owner": (
        "versions per catalog and owner",
        ("SELECT v.catalog_name, m.owner, count(*) AS versions "
        "FROM system.information_schema.model_versions AS v "
        "JOIN system.information_schema.registered_models AS m USING (full_name) "
        "GROUP BY ALL ORDER BY ALL")),
    "tags_pivot": (
        "tags pivot (team x validation status)",
        ("SELECT team, count(*) FILTER (WHERE status = 'approved') AS approved, "
        "count(*) FILTER (WHERE status = 'pending') AS pending, "
        "count(*) FILTER (WHERE status = 'rejected') AS rejected "
        "FROM (SELECT full_name, version, "
        "max(tag_value) FILTER (WHERE tag_name = 'team') AS team, "
        "max(tag_value) FILTER (WHERE tag_name = 'validation_status') AS status "
        "FROM system.information_schema.model_version_tags GROUP BY full_name, version) "
        "GROUP BY team ORDER BY team")),
    "latest_version_per_model": (
        "latest version per model",
        ("SELECT full_name, max(version) AS latest, count(*) AS versions "
        "FROM system.information_schema.model_versions GROUP BY full_name")),
}


def layout(versions: int) -> tuple[list[str], int]:
    models = 1000 if versions >= 100_000 else 100
    per_schema = models // (CATALOGS * SCHEMAS)
    names = [f"a{c}.s{s}.m{m:03d}" for c in range(CATALOGS) for s in range(SCHEMAS)
             for m in range(per_schema)]
    return names, versions // len(names)


def load(path: Path, versions: int) -> dict:
    names, per = layout(versions)
    model_dir = seed.write_model_dir(path.parent / "model")
    with ucsql.connect(path, principal=ADMIN) as cat:
        script = [f"CREATE GROUP team_{k}" for k in range(OWNERS)]
        script += [f"CREATE CATALOG a{c}" for c in range(CATALOGS)]
        script += [f"CREATE SCHEMA a{c}.s{s}" for c in range(CATALOGS) for s in range(SCHEMAS)]
        script += [f"CREATE MODEL {name}" for name in names]
        for _ in cat.run(";\n".join(script)):
            pass
        cat.sql(f"ALTER MODEL {names[0]} ADD VERSION FROM ?", [str(model_dir)])
        loaded, seconds = 1, 0.0
        for i, name in enumerate(names):
            rows = [{"source": f"s3://bench/{name}/{v}", "run_id": seed.run_id(i * per + v),
                     "tags": {"team": f"team{(i + v) % TEAMS}",
                              "validation_status": STATUSES[v % len(STATUSES)]}}
                    for v in range(per - (1 if i == 0 else 0))]
            took, added = time_once(lambda n=name, r=rows: seed.import_versions(
                cat, n, r, (names[0], 1)))
            seconds += took
            loaded += added
            if i and i % 100 == 0:
                progress(f"analytics: {loaded:,} of {versions:,} versions loaded")
        # Owners last: the admin adds versions as the owner of the models it created.
        for _ in cat.run(";\n".join(f"ALTER MODEL {name} OWNER TO team_{i % OWNERS}"
                                    for i, name in enumerate(names))):
            pass
    return {"models": len(names), "versions_loaded": loaded, "load_seconds": seconds,
            "rows_per_s": (loaded - 1) / seconds if seconds else 0.0}

def check(key: str, rows: list[tuple], versions: int, models: int, per: int) -> None:
    """Each query's answer must match what was loaded."""
    if key == "versions_per_catalog_owner":
        ok = sum(r[2] for r in rows) == versions and len({r[0] for r in rows}) == CATALOGS
    elif key == "tags_pivot":
        ok = sum(sum(r[1:]) for r in rows) == versions - 1 and len(rows) == TEAMS
    else:
        ok = len(rows) == models and all(r[1] == per for r in rows)
    if not ok:
        raise AssertionError(f"{key}: unexpected answer {rows[:5]}")


def run(work: Path, versions: int, repeat: int) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    path = work / "analytics.duckdb"
    progress(f"analytics: loading {versions:,} versions")
    info = load(path, versions)
    names, per = layout(versions)
    queries, errors = {}, []
    with ucsql.connect(path, principal=ADMIN) as cat:
        total = cat.sql("SELECT count(*) FROM system.information_schema.model_versions").scalar()
        for key, (label, sql) in QUERIES.items():
            def once(i, s=sql, k=key):
                check(k, cat.sql(s).fetchall(), total, len(names), per)
            queries[key] = {"label": label, "sql": sql,
                            **summary(measure(once, repeat, 1, errors))}
    return {**info, "versions": versions, "versions_present": total, "repeat": repeat,
            "queries": queries, "errors": len(errors), "error_samples": errors[:3]}


def render(r: dict) -> str:
    rows = [[q["label"], q["median_ms"], q["p99_ms"], "< 300 ms"] for q in r["queries"].values()]
    return (table(f"Analytics at {scale_label(r['versions'])} versions ({r['models']:,} models; "
                  f"as admin; {r['repeat']} runs each after 1 warm-up)",
                  ["query over system.information_schema", "median ms", "p99 ms", "target"], rows)
            + f"\n  loaded {r['versions_loaded']:,} versions in {r['load_seconds']:.1f} s "
              f"({r['rows_per_s']:,.0f} rows/s) via Catalog.import_versions; present "
              f"{r['versions_present']:,}; errors {r['errors']}")
