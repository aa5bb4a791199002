"""Governance at scale (ucsql only: MLflow's SQLite store has no privileges to check).

A principal reached through 8 levels of nested groups, among N groups (a tree of fan-out 10),
M models (catalogs x schemas x models) and G grants spread over catalogs, schemas and models.
Built through the ucsql API as the admin, in big scripts, and cached in benchmarks/.cache/ keyed
by the scale, ucsql's version and the migrations, so reruns do not rebuild. Then, as the nested
principal: one privilege check (GET MODEL VERSION, and the policy query alone), SHOW GRANTS ON
SCHEMA, and a count over system.information_schema.model_versions (filtered to what it may see).
"""

from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

import ucsql
from benchmarks import seed
from benchmarks.seed import ADMIN, progress
from benchmarks.timing import measure, summary, table
from ucsql import dialect

CACHE = Path(__file__).resolve().parent / ".cache"
BUILD = 2  # bump when the build below changes
USER = "nested@example.com"
LEVELS = 8
MODEL_PRIVS = "EXECUTE, APPLY_TAG, CREATE_MODEL_VERSION"
SCHEMA_PRIVS = "USE_SCHEMA, CREATE_MODEL, MANAGE"
CATALOG_PRIVS = "USE_CATALOG, BROWSE"


def shape(models: int) -> tuple[int, int, int]:
    """(catalogs, schemas per catalog, models per schema)."""
    c = s = 10 if models >= 1000 else 2
    return c, s, max(1, models // (c * s))


def cache_key(groups: int, grants: int, models: int) -> str:
    h = hashlib.sha256()
    for f in sorted((seed.ROOT / "sql" / "migrations").glob("*.sql")):
        h.update(f.name.encode() + f.read_bytes())
    return f"governance-b{BUILD}-{groups}g-{grants}r-{models}m-{ucsql.__version__}-{h.hexdigest()[:10]}"


def build_statements(groups: int, grants: int, models: int) -> tuple[list[str], dict]:
    """The admin's script, and what it builds."""
    rng = random.Random(6)
    cats, schemas, per = shape(models)
    tree = [f"g{i:05d}" for i in range(groups - LEVELS)]
    chain = [f"nest_{i}" for i in range(LEVELS)]
    out = [f"CREATE GROUP {g}" for g in chain + tree]
    # Users who have not connected are created before a group names them.
    out += [f"CREATE USER `u{p}_{k}@example.com`" for p in range(0, len(tree), 10)
            for k in range(3)] + [f"CREATE USER `{USER}`"]
    # The tree: g_i's parent is g_((i-1)//10); one statement per parent.
    for p in range(len(tree)):
        kids = tree[10 * p + 1:10 * p + 11]
        if kids:
            out.append(f"ALTER GROUP {tree[p]} ADD GROUP {', '.join(kids)}")
    for p in range(0, len(tree), 10):
        out.append(f"ALTER GROUP {tree[p]} ADD USER " + ", ".join(
            f"`u{p}_{k}@example.com`" for k in range(3)))
    # The nested principal: nest_0 > nest_1 > ... > nest_7 > USER, and nest_4 sits in a tree group.
    out += [f"ALTER GROUP {chain[i]} ADD GROUP {chain[i + 1]}" for i in range(LEVELS - 1)]
    out += [f"ALTER GROUP {chain[-1]} ADD USER `{USER}`",
            f"ALTER GROUP {tree[len(tree) // 2]} ADD GROUP {chain[4]}"]
    names = []
    for c in range(cats):
        out.append(f"CREATE CATALOG c{c}")
        for s in range(schemas):
            out.append(f"CREATE SCHEMA c{c}.s{s}")
            for m in range(per):
                names.append(f"c{c}.s{s}.m{m:03d}")
                out.append(f"CREATE MODEL {names[-1]}")
    # Grants: 90% on models (3 privileges x k groups each), 6% on schemas, 4% on catalogs.
    count = 0
    k_model = max(1, round(0.9 * grants / (3 * len(names))))
    k_schema = max(1, round(0.06 * grants / (3 * cats * schemas)))
    k_catalog = max(1, round(0.04 * grants / (2 * cats)))
    for name in names:
        out.append(f"GRANT {MODEL_PRIVS} ON FUNCTION {name} TO {', '.join(rng.sample(tree, k_model))}")
        count += 3 * k_model
    for c in range(cats):
        for s in range(schemas):
            out.append(f"GRANT {SCHEMA_PRIVS} ON SCHEMA c{c}.s{s} TO "
                       + ", ".join(rng.sample(tree, k_schema)))
            count += 3 * k_schema
        out.append(f"GRANT {CATALOG_PRIVS} ON CATALOG c{c} TO {', '.join(rng.sample(tree, k_catalog))}")
        count += 2 * k_catalog
    # The nested principal's own access, through its top group: half the catalogs, a quarter
    # of the schemas, and MANAGE on c0.s0 (for SHOW GRANTS).
    for c in range(max(1, cats // 2)):
        out.append(f"GRANT USE_CATALOG, USE_SCHEMA ON CATALOG c{c} TO {chain[0]}")
        for s in range(max(1, schemas // 2)):
            out.append(f"GRANT EXECUTE ON SCHEMA c{c}.s{s} TO {chain[0]}")
    out.append(f"GRANT MANAGE ON SCHEMA c0.s0 TO {chain[0]}")
    return out, {"groups": len(chain) + len(tree), "models": len(names), "grant_rows_planned": count,
                 "catalogs": cats, "schemas": cats * schemas}


def build(path: Path, groups: int, grants: int, models: int, versions_per_schema: int) -> dict:
    statements, info = build_statements(groups, grants, models)
    model_dir = seed.write_model_dir(path.parent / "model")
    with ucsql.connect(path, principal=ADMIN) as cat:
        for i, _ in enumerate(cat.run(";\n".join(statements)), 1):
            if i % 2000 == 0:
                progress(f"governance build: {i:,} of {len(statements):,} statements")
        cat.sql("ALTER MODEL c0.s0.m000 ADD VERSION FROM ?", [str(model_dir)])
        cats, schemas, _ = shape(models)
        for c in range(cats):
            for s in range(schemas):
                n = versions_per_schema - (1 if (c, s) == (0, 0) else 0)
                rows = [{"source": f"s3://bench/c{c}/s{s}/{v}", "run_id": seed.run_id(v)}
                        for v in range(n)]
                seed.import_versions(cat, f"c{c}.s{s}.m000", rows, ("c0.s0.m000", 1))
        grants_total = raw_count(cat, "ucsql_grant")
        versions = cat.sql("SELECT count(*) FROM system.information_schema.model_versions").scalar()
    shutil.rmtree(model_dir)
    return {**info, "statements": len(statements), "grant_rows": grants_total, "versions": versions}


def raw_count(cat, table_name: str) -> int:
    """Rows of a metastore table, read on the engine's own cursor (a check of what was built:
    the privilege views list inherited privileges too, so they do not count grant rows)."""
    metastore = cat.engine.metastore
    with metastore.lease():
        return metastore.cursor().execute(f"SELECT count(*) FROM {table_name}").fetchone()[0]


def cached_build(work: Path, groups: int, grants: int, models: int) -> tuple[Path, dict]:
    """A copy (in ``work``) of the built metastore, building it into the cache if needed."""
    import json
    key = cache_key(groups, grants, models)
    cached = CACHE / f"{key}.duckdb"
    meta = CACHE / f"{key}.json"
    per_schema = 100 if models >= 1000 else 10
    if not (cached.exists() and meta.exists()):
        CACHE.mkdir(parents=True, exist_ok=True)
        progress(f"governance: building {key} (cached for later runs)")
        tmp = CACHE / f"{key}.building.duckdb"
        tmp.unlink(missing_ok=True)
        shutil.rmtree(tmp.with_name(tmp.name + ".models"), ignore_errors=True)
        seconds, info = _timed(lambda: build(tmp, groups, grants, models, per_schema))
        info["build_seconds"] = round(seconds, 1)
        tmp.rename(cached)
        models_dir = tmp.with_name(tmp.name + ".models")
        if models_dir.exists():
            models_dir.rename(cached.with_name(cached.name + ".models"))
        meta.write_text(json.dumps(info))
    info = json.loads(meta.read_text())
    work.mkdir(parents=True, exist_ok=True)
    path = work / "governance.duckdb"
    shutil.copyfile(cached, path)
    if cached.with_name(cached.name + ".models").exists():
        shutil.copytree(cached.with_name(cached.name + ".models"), path.with_name(path.name + ".models"))
    return path, {**info, "cache_key": key}


def _timed(fn):
    import time
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def run(work: Path, groups: int, grants: int, models: int, repeat: int) -> dict:
    path, info = cached_build(work, groups, grants, models)
    timings, errors = {}, []
    warmup = 3
    with ucsql.connect(path, principal=USER) as cat:
        get_text = "GET MODEL VERSION c0.s0.m000 VERSION 1"
        node = dialect.parse(get_text)[0]
        timings["get_model_version"] = summary(measure(lambda i: cat.execute(node), repeat,
                                                       warmup, errors))
        timings["get_model_version_sql"] = summary(measure(lambda i: cat.sql(get_text), repeat,
                                                           warmup, errors))
        timings.update(_policy_query(cat, repeat, warmup, errors))
        grants_shown = len(cat.sql("SHOW GRANTS ON SCHEMA c0.s0").fetchall())
        timings["show_grants"] = summary(measure(
            lambda i: cat.sql("SHOW GRANTS ON SCHEMA c0.s0"), repeat, warmup, errors))
        count_sql = "SELECT count(*) FROM system.information_schema.model_versions"
        visible = cat.sql(count_sql).scalar()
        timings["count_versions"] = summary(measure(lambda i: cat.sql(count_sql), repeat,
                                                    warmup, errors))
        audit = cat.as_principal(ADMIN).sql(
            "SELECT count(*) FROM system.access.audit WHERE principal = ?", [USER]).scalar()
    cats, schemas, _ = shape(models)
    return {**info, "repeat": repeat, "timings": timings, "errors": len(errors),
            "error_samples": errors[:3], "grants_shown": grants_shown,
            "visible_versions": visible,
            "visible_versions_at_least": max(1, cats // 2) * max(1, schemas // 2) * (
                100 if models >= 1000 else 10),
            "audit_rows_of_principal": audit}


def _policy_query(cat, repeat: int, warmup: int, errors: list[str]) -> dict:
    """The policy query alone (sql/session/06_authorize.sql), on the engine's own cursor."""
    metastore = cat.engine.metastore
    with metastore.lease():
        cur = metastore.cursor()
        [(model_id,)] = cur.execute(
            "SELECT securable_id FROM ucsql_catalog_objects() WHERE full_name = ?",
            ["c0.s0.m000"]).fetchall()
        sql = "SELECT allowed FROM ucsql_authorize(?, ?, 'EXECUTE')"

        def check(i):
            [(allowed,)] = cur.execute(sql, [USER, model_id]).fetchall()
            if not allowed:
                raise AssertionError("the nested principal should hold EXECUTE")

        return {"policy_query": summary(measure(check, repeat, warmup, errors))}


def render(r: dict) -> str:
    t = r["timings"]
    rows = [
        ["privilege check: GET MODEL VERSION (parsed once; resolve, check, read, audit)",
         t["get_model_version"]["median_ms"], t["get_model_version"]["p99_ms"], "< 1 ms"],
        ["  same, from SQL text (parse included)", t["get_model_version_sql"]["median_ms"],
         t["get_model_version_sql"]["p99_ms"], ""],
        ["  policy query alone (ucsql_authorize on the engine's cursor)",
         t["policy_query"]["median_ms"], t["policy_query"]["p99_ms"], "(uncached)"],
        [f"SHOW GRANTS ON SCHEMA c0.s0 ({r['grants_shown']} rows)", t["show_grants"]["median_ms"],
         t["show_grants"]["p99_ms"], "< 20 ms"],
        [(f"SELECT count(*) FROM model_versions (sees {r['visible_versions']:,} of "
         f"{r['versions']:,})"), t["count_versions"]["median_ms"], t["count_versions"]["p99_ms"], ""],
    ]
    title = (f"Governance at scale, ucsql only (the SQLite store has no privileges): "
             f"{r['groups']:,} groups, {LEVELS} levels of nesting, {r['models']:,} models, "
             f"{r['grant_rows']:,} grants; {r['repeat']} runs each")
    return (table(title, ["as nested@example.com", "median ms", "p99 ms", "target"], rows)
            + f"\n  errors {r['errors']}; audit rows of the principal {r['audit_rows_of_principal']:,}"
            + f"; built in {r.get('build_seconds', '?')} s ({r['statements']:,} statements, cached)")
