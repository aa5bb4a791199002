"""Per-call registry workloads through the stock MlflowClient: ucsql against MLflow's own
SqlAlchemyStore on SQLite, on identical operations, at each number of existing versions.

For every workload row the SQLite store runs its calls, then ucsql the same calls (warm-up calls
excluded from the figures). Every call's result is checked (a wrong answer counts as an error).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from mlflow import MlflowClient

import ucsql
from benchmarks import seed
from benchmarks.seed import ADMIN, BASE_MODEL, BASE_SOURCE, progress
from benchmarks.timing import measure, scale_label, summary, table

SCHEMAS = 10
TEAMS = 20
SWEEPS = 500
COLD_SCHEMA = "bench.cold"


def layout(n: int) -> tuple[int, int]:
    """(models, versions per model) for n existing versions: 10 per model up to 1k, then 100."""
    per = 10 if n <= 1000 else 100
    return max(1, n // per), per


def model_name(m: int) -> str:
    return f"bench.s{m % SCHEMAS}.m{m:05d}"


def cold_name(k: int) -> str:
    return f"{COLD_SCHEMA}.k{k:05d}"


def cold_versions(cold: int) -> list[dict]:
    """One version of each of the ``cold`` models of the cold shape (after the seeded ones)."""
    return [{"name": cold_name(k), "version": 1, "source": seed.version_source(10**7 + k),
             "run_id": seed.run_id(10**7 + k), "tags": {"team": f"team{k % TEAMS}"}}
            for k in range(cold)]


def seeded_versions(n: int) -> list[dict]:
    models, per = layout(n)
    out = []
    for m in range(models):
        for v in range(per):
            g = m * per + v
            out.append({"name": model_name(m), "version": v + 1, "source": seed.version_source(g),
                        "run_id": seed.run_id(g),
                        "tags": {"team": f"team{g % TEAMS}", "sweep": f"s{g % SWEEPS}"}})
    return out


def seed_ucsql(path: Path, model_dir: Path, n: int, cold: int) -> None:
    models, per = layout(n)
    versions = seeded_versions(n)
    with ucsql.connect(path, principal=ADMIN) as cat:
        script = ["CREATE CATALOG bench", "CREATE SCHEMA bench.base", "CREATE SCHEMA bench.new",
                  f"CREATE SCHEMA {COLD_SCHEMA}", f"CREATE MODEL {BASE_MODEL}"]
        script += [f"CREATE SCHEMA bench.s{s}" for s in range(SCHEMAS)]
        script += [f"CREATE MODEL {model_name(m)}" for m in range(models)]
        script += [f"CREATE MODEL {cold_name(k)}" for k in range(cold)]
        for _ in cat.run(";\n".join(script)):
            pass
        cat.sql(f"ALTER MODEL {BASE_MODEL} ADD VERSION FROM ?", [str(model_dir)])
        for m in range(models):
            rows = versions[m * per:(m + 1) * per]
            seed.import_versions(cat, model_name(m), rows, (BASE_MODEL, 1))
            if m and m % 200 == 0:
                progress(f"ucsql: {m * per:,} of {n:,} versions imported")
        for row in cold_versions(cold):
            seed.import_versions(cat, row["name"], [row], (BASE_MODEL, 1))


def seed_sqlite(db: Path, tracking: str, model_dir: Path, n: int, cold: int) -> None:
    client = MlflowClient(tracking_uri=tracking, registry_uri=f"sqlite:///{db}")
    client.create_registered_model(BASE_MODEL)
    client.create_model_version(BASE_MODEL, source=str(model_dir))
    models, _ = layout(n)
    seed.sqlite_bulk_insert(f"sqlite:///{db}", [model_name(m) for m in range(models)]
                            + [cold_name(k) for k in range(cold)],
                            seeded_versions(n) + cold_versions(cold))


def workloads(n: int, model_dir: Path) -> list[tuple[str, str, object]]:
    """(key, label, call(client, i, state)) of every timed workload, in the order they run."""
    models, per = layout(n)
    a, b = model_name(2 % models), model_name(3 % models)
    by_name = model_name(4 % models)
    point = [model_name(m) for m in range(min(models, 10))]

    def expect(got, want, what):
        if got != want:
            raise AssertionError(f"{what}: expected {want}, got {got}")

    def create_model(c, i, st):
        c.create_registered_model(f"bench.new.r{i:05d}")

    def create_version(c, i, st):
        st["created"].append(int(c.create_model_version(a, source=BASE_SOURCE).version))

    def create_version_files(c, i, st):
        c.create_model_version(b, source=str(model_dir))

    def set_alias(c, i, st):
        c.set_registered_model_alias(point[i % len(point)], "champion", 1 + i % per)

    def get_alias(c, i, st):
        mv = c.get_model_version_by_alias(point[i % len(point)], "champion")
        expect(mv.name, point[i % len(point)], "get by alias")

    def get_model(c, i, st):
        expect(c.get_registered_model(point[i % len(point)]).name, point[i % len(point)], "get")

    def set_tag(c, i, st):
        c.set_model_version_tag(point[i % len(point)], 1 + i % per, "reviewed", f"r{i}")

    def search_name(c, i, st):
        expect(len(c.search_model_versions(f"name = '{by_name}'")), per, "search by name")

    def search_tag(c, i, st):
        k = (i * 7) % SWEEPS
        want = n // SWEEPS + (1 if k < n % SWEEPS else 0)
        expect(len(c.search_model_versions(f"tags.sweep = 's{k}'")), want, "search by tag")

    def search_run(c, i, st):
        g = (i * 7919) % (models * per)
        expect(len(c.search_model_versions(f"run_id = '{seed.run_id(g)}'")), 1, "search by run")

    def search_like(c, i, st):
        s = i % SCHEMAS
        want = min(100, len([m for m in range(models) if m % SCHEMAS == s]))
        expect(len(c.search_registered_models(f"name LIKE 'bench.s{s}.%'")), want, "LIKE")

    def delete_version(c, i, st):
        c.delete_model_version(a, st["created"][i])

    return [
        ("create_registered_model", "create registered model", create_model),
        ("create_model_version", "create model version (metadata, same source)", create_version),
        ("create_model_version_files", ("create model version (ucsql copies files; "
         "SQLite records the path)"), create_version_files),
        ("set_alias", "set alias", set_alias),
        ("get_version_by_alias", "get version by alias", get_alias),
        ("get_registered_model", "get registered model", get_model),
        ("set_version_tag", "set model version tag", set_tag),
        ("search_versions_by_name", "search_model_versions by name", search_name),
        ("search_versions_by_tag", "search_model_versions by tag", search_tag),
        ("search_versions_by_run_id", "search_model_versions by run_id", search_run),
        ("search_registered_models_like", "search_registered_models LIKE", search_like),
        ("delete_model_version", "delete model version", delete_version),
    ]


def cold_workloads(model_dir: Path, cold: int) -> list[tuple[str, str, object]]:
    """The cold shape: call i works on cold model i (a different one each call, out of
    ``cold``), right after the policy epoch was started afresh (``new_epoch``), so no decision
    about these models is cached when the calls begin."""
    def name(i):
        return cold_name(i % cold)

    def expect(got, want, what):
        if got != want:
            raise AssertionError(f"{what}: expected {want}, got {got}")

    def create_model(c, i, st):
        c.create_registered_model(f"bench.new.cold{i:05d}")

    def create_version(c, i, st):
        c.create_model_version(name(i), source=BASE_SOURCE)

    def create_version_files(c, i, st):
        c.create_model_version(name(i), source=str(model_dir))

    def set_alias(c, i, st):
        c.set_registered_model_alias(name(i), "champion", 1)

    def get_alias(c, i, st):
        expect(c.get_model_version_by_alias(name(i), "champion").name, name(i), "get by alias")

    def get_model(c, i, st):
        expect(c.get_registered_model(name(i)).name, name(i), "get")

    def set_tag(c, i, st):
        c.set_model_version_tag(name(i), 1, "reviewed", f"r{i}")

    def search_name(c, i, st):
        expect(len(c.search_model_versions(f"name = '{name(i)}'")) >= 1, True, "search by name")

    return [
        ("create_registered_model", "create registered model", create_model),
        ("set_alias", "set alias", set_alias),
        ("get_version_by_alias", "get version by alias", get_alias),
        ("get_registered_model", "get registered model", get_model),
        ("set_version_tag", "set model version tag", set_tag),
        ("search_versions_by_name", "search_model_versions by name", search_name),
        ("create_model_version", "create model version (metadata, same source)", create_version),
        ("create_model_version_files", "create model version (ucsql copies files)",
         create_version_files),
    ]


def new_epoch(path: Path, k: int) -> None:
    """Start the policy epoch afresh, as any grant does: cached decisions no longer hold."""
    with ucsql.connect(path, principal=ADMIN) as cat:
        cat.sql(f"CREATE USER `epoch{k}@example.com`; "
                f"GRANT BROWSE ON CATALOG bench TO `epoch{k}@example.com`")


def ucsql_audit_rows(path: Path) -> int:
    with ucsql.connect(path, principal=ADMIN) as cat:
        return cat.sql("SELECT count(*) FROM system.access.audit WHERE principal = ?",
                       [ADMIN]).scalar()


def version_counts(ucsql_path: Path, sqlite_db: Path) -> dict[str, int]:
    with ucsql.connect(ucsql_path, principal=ADMIN) as cat:
        u = cat.sql("SELECT count(*) FROM system.information_schema.model_versions").scalar()
    with sqlite3.connect(sqlite_db) as con:
        s = con.execute("SELECT count(*) FROM model_versions "  # deletes are soft in MLflow
                        "WHERE current_stage != 'Deleted_Internal'").fetchone()[0]
    return {"ucsql": u, "sqlite": s}


def run_scale(work: Path, model_dir: Path, n: int, count: int, warmup: int,
              cold: int) -> dict:
    """Seed both stores with n existing versions (and ``cold`` models of one version each),
    then time every workload on both: the hot shape, then the cold one."""
    work.mkdir(parents=True, exist_ok=True)
    udb, sdb = work / "ucsql.duckdb", work / "registry.db"
    tracking = f"sqlite:///{work / 'tracking.db'}"
    progress(f"registry: seeding {n:,} versions (and {cold:,} cold models) into each store")
    seed_sqlite(sdb, tracking, model_dir, n, cold)
    seed_ucsql(udb, model_dir, n, cold)
    audit_before = ucsql_audit_rows(udb)
    os.environ["UCSQL_PRINCIPAL"] = ADMIN
    clients = {"sqlite": MlflowClient(tracking_uri=tracking, registry_uri=f"sqlite:///{sdb}"),
               "ucsql": MlflowClient(tracking_uri=tracking, registry_uri=f"ucsql://{udb}")}
    states = {k: {"created": []} for k in clients}
    rows = {}
    for key, label, call in workloads(n, model_dir):
        row = {"label": label}
        for store, client in clients.items():
            errors: list[str] = []
            samples = measure(lambda i, c=client, s=states[store], f=call: f(c, i, s),
                              count, warmup, errors)
            row[store] = {**summary(samples), "errors": len(errors), "error_samples": errors[:3]}
        row["ratio"] = row["ucsql"]["median_ms"] / row["sqlite"]["median_ms"]
        rows[key] = row
        progress(f"registry @ {scale_label(n)}: {label}: sqlite {row['sqlite']['median_ms']:.2f} "
                 f"ms, ucsql {row['ucsql']['median_ms']:.2f} ms")
    cold_rows = {}
    for k, (key, label, call) in enumerate(cold_workloads(model_dir, cold)):
        row = {"label": label}
        for store, client in clients.items():
            if store == "ucsql":
                new_epoch(udb, k)
            errors = []
            samples = measure(lambda i, c=client, s=states[store], f=call: f(c, i, s),
                              count, warmup, errors)
            row[store] = {**summary(samples), "errors": len(errors), "error_samples": errors[:3]}
        row["ratio"] = row["ucsql"]["median_ms"] / row["sqlite"]["median_ms"]
        cold_rows[key] = row
        progress(f"registry @ {scale_label(n)} cold: {label}: sqlite "
                 f"{row['sqlite']['median_ms']:.2f} ms, ucsql {row['ucsql']['median_ms']:.2f} ms")
    del clients
    counts = version_counts(udb, sdb)
    models, _ = layout(n)
    # seeded, the base version, the cold models' own, the file-copy rows kept, the cold creates
    expected = n + 1 + cold + 3 * (count + warmup)
    calls = (len(rows) + len(cold_rows)) * (count + warmup)
    return {"versions": n, "models": models, "cold_models": cold, "calls_per_store": calls,
            "workloads": rows, "cold": cold_rows,
            "audit_rows_written": ucsql_audit_rows(udb) - audit_before,
            "versions_after": counts, "versions_expected": expected}


def run(work: Path, scales: list[int], count: int, warmup: int, cold: int = 1000) -> dict:
    model_dir = seed.write_model_dir(work / "model")
    return {"count": count, "warmup": warmup, "cold": cold,
            "scales": [run_scale(work / f"registry_{n}", model_dir, n, count, warmup, cold)
                       for n in scales]}


def render(result: dict) -> str:
    scales = result["scales"]
    text = [_table(result, "workloads", "Registry per call through MlflowClient, hot (the same "
                   "few models)"),
            _table(result, "cold", f"Registry per call, cold (each call on a different model "
                   f"of {result.get('cold', 0):,}, right after a new policy epoch)")]
    for s in scales:
        text.append(f"  @{scale_label(s['versions'])}: {s['models']:,} models (+{s['cold_models']:,} "
                    f"cold); versions after: "
                    f"ucsql {s['versions_after']['ucsql']:,}, sqlite "
                    f"{s['versions_after']['sqlite']:,} (expected {s['versions_expected']:,}); "
                    f"ucsql audit rows written {s['audit_rows_written']:,} for "
                    f"{s['calls_per_store']:,} calls")
    return "\n".join(text)


def _table(result: dict, shape: str, title: str) -> str:
    scales = result["scales"]
    headers = ["workload"]
    for s in scales:
        lab = scale_label(s["versions"])
        headers += [f"sqlite med@{lab}", "p99", f"ucsql med@{lab}", "p99", f"ratio@{lab}"]
    headers += ["2x met", "errors"]
    rows = []
    for key, first in scales[0][shape].items():
        row, met, errs = [first["label"]], True, 0
        for s in scales:
            w = s[shape][key]
            row += [w["sqlite"]["median_ms"], w["sqlite"]["p99_ms"], w["ucsql"]["median_ms"],
                    w["ucsql"]["p99_ms"], w["ratio"]]
            met = met and w["ratio"] <= 0.5
            errs += w["sqlite"]["errors"] + w["ucsql"]["errors"]
        rows.append(row + [met, errs])
    return table(f"{title} (ms; ratio = ucsql / SQLite median, <= 0.50 is 2x; "
                 f"{result['count']} calls each, {result['warmup']} warm-up)", headers, rows)
