"""Governance at scale (ucsql only: MLflow's SQLite store has no privileges to check).

A principal reached through 8 levels of nested groups, among N groups (a tree of fan-out 10),
M models (catalogs x schemas x models) and G grants spread over catalogs, schemas and models.
Built by set-based SQL straight into the tables (benchmarks/governance_build.sql), versions
through the ucsql API, and cached in benchmarks/.cache/ keyed
by the scale, ucsql's version and the migrations, so reruns do not rebuild. Then, as the nested
principal: one privilege check (GET MODEL VERSION, and the policy query alone), an uncached
check (a different model each call after a new policy epoch), SHOW GRANTS ON
SCHEMA, and a count over system.information_schema.model_versions (filtered to what it may see).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb

import ucsql
from benchmarks import seed
from benchmarks.seed import ADMIN, progress
from benchmarks.timing import measure, summary, table
from ucsql import dialect

CACHE = Path(__file__).resolve().parent / ".cache"
BUILD = 3  # bump when the build (governance_build.sql) changes
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
    for f in [*sorted((seed.ROOT / "sql" / "migrations").glob("*.sql")),
              Path(__file__).resolve().parent / "governance_build.sql"]:
        h.update(f.name.encode() + f.read_bytes())
    return f"governance-b{BUILD}-{groups}g-{grants}r-{models}m-{ucsql.__version__}-{h.hexdigest()[:10]}"


def plan(groups: int, grants: int, models: int) -> dict:
    """The parameters of benchmarks/governance_build.sql, and what it builds."""
    cats, schemas, per = shape(models)
    count = cats * schemas * per
    k_model = max(1, round(0.9 * grants / (3 * count)))
    k_schema = max(1, round(0.06 * grants / (3 * cats * schemas)))
    k_catalog = max(1, round(0.04 * grants / (2 * cats)))
    params = {"admin": ADMIN, "user": USER, "tree": groups - LEVELS, "levels": LEVELS,
              "cats": cats, "schemas": schemas, "per": per, "k_model": k_model,
              "k_schema": k_schema, "k_catalog": k_catalog}
    planned = 3 * k_model * count + 3 * k_schema * cats * schemas + 2 * k_catalog * cats
    return {"params": params, "groups": groups, "models": count, "grant_rows_planned": planned,
            "catalogs": cats, "schemas": cats * schemas}


def build(path: Path, groups: int, grants: int, models: int, versions_per_schema: int) -> dict:
    built = plan(groups, grants, models)
    model_dir = seed.write_model_dir(path.parent / "model")
    script = (Path(__file__).resolve().parent / "governance_build.sql").read_text()
    with ucsql.connect(path, principal=ADMIN) as cat:
        with cat.engine.metastore.transaction() as cur:
            for statement in duckdb.extract_statements(script):
                cur.execute(statement, {k: built["params"][k] for k in statement.named_parameters})
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
    del built["params"]
    return {**built, "grant_rows": grants_total, "versions": versions}


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
        timings["uncached_check"] = _uncached_check(cat, path, repeat, warmup, errors)
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


def _uncached_check(cat, path: Path, repeat: int, warmup: int, errors: list[str]) -> dict:
    """One privilege check no earlier answer covers: right after a new policy epoch (a grant
    made by another handle), the engine's check (``Context.allowed``, EXECUTE) on a different
    model each call, on the engine's cursor (the epochs read, then the decision)."""
    with ucsql.connect(path, principal=ADMIN) as admin:
        admin.sql("CREATE USER `epoch@example.com`; "
                  "GRANT BROWSE ON CATALOG c0 TO `epoch@example.com`")
    from ucsql.engine import Context, Securable
    engine, metastore = cat.engine, cat.engine.metastore
    with metastore.lease():
        cur = metastore.cursor()
        ids = [r[0] for r in cur.execute(
            "SELECT securable_id FROM ucsql_securable WHERE kind = 'MODEL' ORDER BY securable_id"
        ).fetchall()]

        def check(i):
            ctx = Context(engine, USER, {}, "benchmark", "GET_MODEL_VERSION", cur=cur)
            ctx.allowed("EXECUTE", Securable(ids[(i * 7919) % len(ids)], "MODEL", "m"))

        return summary(measure(check, repeat, warmup, errors))


def render(r: dict) -> str:
    t = r["timings"]
    rows = [
        ["privilege check: GET MODEL VERSION (parsed once; resolve, check, read, audit)",
         t["get_model_version"]["median_ms"], t["get_model_version"]["p99_ms"], "< 1 ms"],
        ["  same, from SQL text (parse included)", t["get_model_version_sql"]["median_ms"],
         t["get_model_version_sql"]["p99_ms"], ""],
        ["  policy query alone (ucsql_authorize on the engine's cursor)",
         t["policy_query"]["median_ms"], t["policy_query"]["p99_ms"], "(uncached)"],
        ["uncached check (new epoch, a different model each call; Context.allowed)",
         t["uncached_check"]["median_ms"], t["uncached_check"]["p99_ms"], "< 1 ms"],
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
            + f"; built in {r.get('build_seconds', '?')} s (bulk SQL, cached)")
