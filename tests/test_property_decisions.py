"""Property-based test of the decisions kept in bulk (ucsql.decisions) against the policy query.

The engine decides every (securable, operation) of a principal in one pass
(sql/queries/decisions_for_principal.sql), keeps the answer per policy epoch, extends it when a
securable is created after the pass, and answers checks from it. The reference is the
recursive single-target query every check ran before (sql/queries/authorize.sql).

A hypothesis state machine builds random metastores with random statement sequences, run by the
admin and by other principals (refused statements included): catalogs, schemas and models
created, dropped and renamed; groups nested; grants and revokes of every privilege at every
level; ownership moved (the metastore's too). After every step it asks the engine (the check a
handler makes, ``Context.allowed``, with the engine's kept decisions as they are after the
sequence) and the reference, for one principal in turn, about a sample of (securable,
operation) pairs and operations on the securable created last (in turn), and requires the same answer, decision
by decision. The engine is told to make a pass at once (``BulkPlanner(threshold=0)``), so every
check goes through the kept decisions.

Scale with UCSQL_PROPERTY_EXAMPLES / UCSQL_PROPERTY_STEPS (defaults 5 x 15, about a minute).
"""

from __future__ import annotations

import contextlib
import os

from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import ucsql
from ucsql import queries
from ucsql.decisions import BulkPlanner
from ucsql.engine import Context, Securable
from ucsql.errors import UcsqlError

USERS = ["admin", "alice", "bob", "carol"]
GROUPS = ["g1", "g2", "g3"]
GRANTEES = USERS[1:] + GROUPS + ["`account users`"]
CATALOGS = ["c1", "c2"]
SCHEMAS = ["s1", "s2"]
MODELS = ["m1", "m2", "m3"]
PRIVILEGES = {
    "METASTORE": ["CREATE_CATALOG", "CREATE_MANAGED_STORAGE"],
    "CATALOG": ["USE_CATALOG", "BROWSE", "CREATE_SCHEMA", "USE_SCHEMA", "CREATE_MODEL",
                "CREATE_FUNCTION", "CREATE_MODEL_VERSION", "EXECUTE", "APPLY_TAG", "MANAGE",
                "ALL_PRIVILEGES"],
    "SCHEMA": ["USE_SCHEMA", "CREATE_MODEL", "CREATE_FUNCTION", "CREATE_MODEL_VERSION",
               "EXECUTE", "APPLY_TAG", "MANAGE", "ALL_PRIVILEGES"],
    "MODEL": ["CREATE_MODEL_VERSION", "EXECUTE", "APPLY_TAG", "MANAGE", "ALL_PRIVILEGES"],
}
# Every operation of sql/session/06_authorize.sql a check asks without a subject.
OPERATIONS = ["CREATE_CATALOG", "CREATE_SCHEMA", "CREATE_MODEL", "CREATE_MODEL_VERSION",
              "EXECUTE", "APPLY_TAG", "MANAGE_ALIAS", "RENAME", "MANAGE", "READ_METADATA",
              "SEE_CATALOG", "SEE_SCHEMA", "SEE_LOCATION", "CREATE_MANAGED_STORAGE",
              "TRANSFER_OWNERSHIP", "SHOW_GRANTS", "SHOW_GRANTS_TO", "MANAGE_TOKENS", "MANAGE_WEBHOOK",
              "ADMIN", "EDIT_COMMENT", "DELETE_COMMENT", "CANCEL_ALIAS_REQUEST", "SEE", "KNOW"]
SAMPLE = 8  # (securable, operation) pairs checked per step, besides NEWEST on the newest securable
NEWEST = 7

EXAMPLES = int(os.environ.get("UCSQL_PROPERTY_EXAMPLES", "5"))
STEPS = int(os.environ.get("UCSQL_PROPERTY_STEPS", "15"))

securables = st.one_of(
    st.just(("METASTORE", "METASTORE")),
    st.sampled_from(CATALOGS).map(lambda c: ("CATALOG", c)),
    st.tuples(st.sampled_from(CATALOGS), st.sampled_from(SCHEMAS)).map(
        lambda t: ("SCHEMA", ".".join(t))),
    st.tuples(st.sampled_from(CATALOGS), st.sampled_from(SCHEMAS), st.sampled_from(MODELS)).map(
        lambda t: ("MODEL", ".".join(t))),
)


class Decisions(RuleBasedStateMachine):
    @initialize()
    def start(self):
        self.cat = ucsql.connect(":memory:", principal="admin")
        self.cat.engine.bulk = BulkPlanner(threshold=0.0)
        self.run("admin", "; ".join(
            [f"CREATE USER {u}" for u in USERS[1:]] + [f"CREATE GROUP {g}" for g in GROUPS]
            + ["CREATE CATALOG c1", "CREATE SCHEMA c1.s1", "CREATE MODEL c1.s1.m1"]))

    def teardown(self):
        if hasattr(self, "cat"):
            self.cat.close()

    def run(self, actor: str, sql: str) -> None:
        note(f"[{actor}] {sql}")
        with contextlib.suppress(UcsqlError):
            self.cat.as_principal(actor).sql(sql)

    # -- statements ---------------------------------------------------------------------------
    @rule(actor=st.sampled_from(USERS), on=securables, data=st.data(),
          grantee=st.sampled_from(GRANTEES), revoke=st.booleans())
    def grant(self, actor, on, data, grantee, revoke):
        kind, name = on
        privilege = data.draw(st.sampled_from(PRIVILEGES[kind]))
        on = "METASTORE" if kind == "METASTORE" else f"{kind} {name}"
        self.run(actor, f"REVOKE {privilege} ON {on} FROM {grantee}" if revoke
                 else f"GRANT {privilege} ON {on} TO {grantee}")

    @rule(actor=st.sampled_from(USERS), on=securables,
          owner=st.sampled_from(USERS + GROUPS))
    def set_owner(self, actor, on, owner):
        kind, name = on
        self.run(actor, f"ALTER {'METASTORE' if kind == 'METASTORE' else f'{kind} {name}'} "
                        f"OWNER TO {owner}")

    @rule(actor=st.sampled_from(["admin", "admin", "alice", "bob"]), on=securables,
          drop=st.booleans())
    def create_or_drop(self, actor, on, drop):
        kind, name = on
        if kind == "METASTORE":
            return
        self.run(actor, f"DROP {kind} IF EXISTS {name}{' CASCADE' if kind != 'MODEL' else ''}"
                 if drop else f"CREATE {kind} IF NOT EXISTS {name}")

    @rule(actor=st.sampled_from(USERS), model=st.sampled_from(MODELS),
          schema=st.sampled_from([f"{c}.{s}" for c in CATALOGS for s in SCHEMAS]),
          new=st.sampled_from(MODELS))
    def rename(self, actor, model, schema, new):
        self.run(actor, f"ALTER MODEL {schema}.{model} RENAME TO {schema}.{new}")

    @rule(group=st.sampled_from(GROUPS), member=st.sampled_from(USERS[1:] + GROUPS),
          add=st.booleans())
    def membership(self, group, member, add):
        word = "GROUP" if member in GROUPS else "USER"
        self.run("admin", f"ALTER GROUP {group} {'ADD' if add else 'DROP'} {word} {member}")

    @rule(actor=st.sampled_from(USERS), on=securables)
    def look(self, actor, on):
        """Reads as a principal: its checks make and use the kept decisions."""
        kind, name = on
        if kind == "MODEL":
            self.run(actor, f"DESCRIBE MODEL {name}")
        elif kind != "METASTORE":
            self.run(actor, f"SHOW {'SCHEMAS' if kind == 'CATALOG' else 'MODELS'} IN {name}")

    # -- the property -------------------------------------------------------------------------
    @invariant()
    def kept_decisions_agree_with_the_policy_query(self):
        if not hasattr(self, "cat"):
            return
        engine = self.cat.engine
        metastore = engine.metastore
        with metastore.transaction() as cur:
            ids = [r[0] for r in cur.execute(
                "SELECT securable_id FROM ucsql_securable ORDER BY securable_id").fetchall()]
            newest = ids[-1]
            self.steps = getattr(self, "steps", 0) + 1
            everyone = USERS + ["dave"]  # dave: never named by any statement
            for n, principal in [(self.steps % len(everyone), everyone[self.steps % len(everyone)])]:
                pairs = [(newest, OPERATIONS[(self.steps + 3 * k) % len(OPERATIONS)])
                         for k in range(NEWEST)]
                step = max(1, (len(ids) * len(OPERATIONS)) // SAMPLE)
                start = (7 * len(ids) + n) % step
                pairs += [(ids[i // len(OPERATIONS)], OPERATIONS[i % len(OPERATIONS)])
                          for i in range(start, len(ids) * len(OPERATIONS), step)]
                ctx = Context(engine, principal, {}, "check", "CHECK", cur=cur)
                for securable_id, operation in pairs:
                    fast = ctx.allowed(operation, Securable(securable_id, "?", "?"))
                    rows = queries.run(cur, "queries/authorize", principal=principal,
                                       securable_id=securable_id, operation=operation,
                                       subject=None)[1]
                    reference = bool(rows and rows[0][0])
                    assert fast == reference, (principal, securable_id, operation, reference)
                # the answers came from the kept decisions, made at this epoch
                key = (metastore.metastore_id, principal, ctx.epochs["policy"])
                assert engine.bulk.get(key) is not None


Decisions.TestCase.settings = settings(
    max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_kept_decisions_equal_the_policy_query = Decisions.TestCase
