"""An uncached privilege check on a small metastore (ucsql only: the SQLite store has none).

A few models in two schemas, a user reached through a short chain of nested groups, a dozen
grants. As in the governance section (benchmarks/governance.py ``_uncached_check``) the check
is the engine's own (``Context.allowed``, EXECUTE on a model, on the engine's cursor: the epochs
read, then the decision), but here every timed check comes right after a new policy epoch (a
grant or a revoke, made untimed through the same engine), because with this few models a
different model each call would soon meet decisions cached at the epoch. Every answer is
compared with the grants made, and every check must have seen an epoch no earlier check saw.
"""

from __future__ import annotations

import time
from pathlib import Path

import ucsql
from benchmarks.seed import ADMIN
from benchmarks.timing import summary, table

USER = "small@example.com"
GROUPS = ["g0", "g1", "g2", "g3"]  # USER in g3, g3 in g2, ... (nested 4 deep)
SCHEMAS = 2
MODELS = 4  # per schema
EPOCH_USER = "epoch@example.com"


def build(path: Path) -> dict[str, bool]:
    """The small metastore; returns {model full name: whether USER may EXECUTE it}."""
    script = ["CREATE CATALOG c0", f"CREATE USER `{USER}`", f"CREATE USER `{EPOCH_USER}`"]
    script += [f"CREATE GROUP `{g}`" for g in GROUPS]
    script += [f"ALTER GROUP `{outer}` ADD GROUP `{inner}`"
               for outer, inner in zip(GROUPS, GROUPS[1:])]
    script += [f"ALTER GROUP `{GROUPS[-1]}` ADD USER `{USER}`",
               f"GRANT USE_CATALOG ON CATALOG c0 TO `{GROUPS[0]}`"]
    expected = {}
    for s in range(SCHEMAS):
        script.append(f"CREATE SCHEMA c0.s{s}")
        for m in range(MODELS):
            script.append(f"CREATE MODEL c0.s{s}.m{m}")
            expected[f"c0.s{s}.m{m}"] = s == 0 or m % 2 == 0
        if s == 0:  # schema-wide, inherited by its models
            script += [f"GRANT USE_SCHEMA ON SCHEMA c0.s0 TO `{GROUPS[1]}`",
                       f"GRANT EXECUTE ON SCHEMA c0.s0 TO `{GROUPS[2]}`"]
        else:  # model by model, half of them
            script.append(f"GRANT USE_SCHEMA ON SCHEMA c0.s{s} TO `{GROUPS[3]}`")
            script += [f"GRANT EXECUTE ON MODEL c0.s{s}.m{m} TO `{GROUPS[m % len(GROUPS)]}`"
                       for m in range(0, MODELS, 2)]
    with ucsql.connect(path, principal=ADMIN) as cat:
        for _ in cat.run(";\n".join(script)):
            pass
    return expected


def run(work: Path, repeat: int, warmup: int = 5) -> dict:
    from ucsql.engine import Context, Securable
    work.mkdir(parents=True, exist_ok=True)
    path = work / "small.duckdb"
    expected = build(path)
    errors: list[str] = []
    samples, cached, epochs = [], [], set()
    with ucsql.connect(path, principal=USER) as cat:
        admin = cat.as_principal(ADMIN)
        engine, metastore = cat.engine, cat.engine.metastore
        with metastore.lease():
            cur = metastore.cursor()
            rows = cur.execute("SELECT securable_id, full_name FROM ucsql_catalog_objects() "
                               "WHERE kind = 'MODEL' ORDER BY full_name").fetchall()
            models = [(i, name) for i, name in rows if name in expected]
            for i in range(warmup + repeat):
                # A new policy epoch, untimed: any grant or revoke starts one.
                verb = "GRANT BROWSE ON CATALOG c0 TO" if i % 2 == 0 else \
                    "REVOKE BROWSE ON CATALOG c0 FROM"
                admin.sql(f"{verb} `{EPOCH_USER}`")
                model_id, name = models[i % len(models)]
                ctx = Context(engine, USER, {}, "benchmark", "GET_MODEL_VERSION", cur=cur)
                started = time.perf_counter_ns()
                try:
                    allowed = ctx.allowed("EXECUTE", Securable(model_id, "MODEL", name))
                except Exception as e:  # noqa: BLE001  counted and reported
                    errors.append(f"check {i}: {type(e).__name__}: {str(e)[:300]}")
                    continue
                elapsed = time.perf_counter_ns() - started
                if allowed != expected[name]:
                    errors.append(f"check {i}: {name}: allowed {allowed}, granted {expected[name]}")
                epoch = (ctx.epochs or {}).get("policy")
                if epoch in epochs:
                    errors.append(f"check {i}: policy epoch {epoch} seen before (cached?)")
                epochs.add(epoch)
                # The same question again at this epoch, for contrast: what caching saves.
                again = Context(engine, USER, {}, "benchmark", "GET_MODEL_VERSION", cur=cur)
                started = time.perf_counter_ns()
                again.allowed("EXECUTE", Securable(model_id, "MODEL", name))
                if i >= warmup:
                    samples.append(elapsed)
                    cached.append(time.perf_counter_ns() - started)
    return {"models": len(models), "groups": len(GROUPS), "grants": _grants(expected),
            "repeat": repeat, "warmup": warmup, "uncached_check": summary(samples),
            "same_epoch_again": summary(cached),
            "distinct_epochs": len(epochs), "errors": len(errors), "error_samples": errors[:3]}


def _grants(expected: dict[str, bool]) -> int:
    # USE_CATALOG, USE_SCHEMA x SCHEMAS, EXECUTE on s0, EXECUTE on half the other models
    return 1 + SCHEMAS + 1 + (SCHEMAS - 1) * len(range(0, MODELS, 2))


def render(r: dict) -> str:
    t = r["uncached_check"]
    title = (f"Small metastore, ucsql only: {r['models']} models, {r['groups']} nested groups, "
             f"{r['grants']} grants; {r['repeat']} checks, each right after a new policy epoch")
    return (table(title, ["as small@example.com", "median ms", "p99 ms", "target"],
                  [["uncached check (Context.allowed, EXECUTE on a model)", t["median_ms"],
                    t["p99_ms"], "< 0.3 ms"],
                   ["  the same check again at that epoch (cached), for contrast",
                    r["same_epoch_again"]["median_ms"], r["same_epoch_again"]["p99_ms"], ""]])
            + f"\n  errors {r['errors']}; distinct policy epochs seen {r['distinct_epochs']}")
