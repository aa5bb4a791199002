"""Property-based tests of the privilege model: random statement sequences against a reference.

A small reference model of /work/shared/spec/privileges.md, written in plain Python below
(``Ref``), predicts the outcome of every statement: OK, DENIED (PermissionDenied), NOTFOUND,
EXISTS or INVALID. A hypothesis ``RuleBasedStateMachine`` runs random sequences of statements
from several principals over a small universe and checks, at every step:

* ucsql's outcome class equals the prediction (an allowed statement raises no PermissionDenied,
  a refused one raises it), and a refusal names the principal, the operation and what is
  missing: the failed gate (USE_CATALOG / USE_SCHEMA) exactly when the reference says a gate
  fails;
* a statement that failed (refused or otherwise) changed nothing: every metastore table but the
  audit log is identical before and after, and an audit row DENIED / FAILED / ALLOWED was
  written for that principal;
* after every statement, the metastore's owners, grants, group memberships, principals,
  versions and aliases equal the reference's;
* what a read returns (SHOW GRANTS ON / TO, SHOW SCHEMAS IN, SHOW MODELS IN, SHOW VERSIONS)
  equals the reference's rows;
* every few steps (and at the end) what each principal sees (SHOW CATALOGS, SHOW SCHEMAS,
  SHOW MODELS, and the information_schema views catalogs, schemata, registered_models,
  model_versions) equals the reference's visibility rules.

The universe: users admin (the metastore admin), alice, bob, carol, dave; groups g1, g2, g3 (with
random nesting, never cyclic: ucsql refuses cycles and the reference predicts it) and the
built-in `account users`; catalogs main, c1, c2 (and c3) with schemas default, s1, s2 and models
m1, m2, m3 (created, dropped, renamed, re-created as the run goes). Each example starts from a
copy of one template file, then a random rich start made by the admin (memberships, nesting, the
gates to random principals, random grants and owners, versions, sometimes a new metastore admin).
Statements: GRANT / REVOKE (every privilege, on metastore / catalog / schema / model, spelled
variously), ALTER ... OWNER TO (metastore included), CREATE / DROP CATALOG, SCHEMA, MODEL (IF [NOT]
EXISTS, CASCADE), COMMENT ON (and on a version), SET / UNSET TAG(S) (and on a version), ADD VERSION
(from a directory, and copied FROM MODEL), DROP VERSION, SET / DROP ALIAS, RENAME, DESCRIBE, SHOW
VERSIONS, GET MODEL [VERSION], SHOW SCHEMAS / MODELS IN, SHOW GRANTS [principal] ON, SHOW GRANTS TO,
ALTER GROUP ADD / DROP USER / GROUP, CREATE / DROP GROUP, reading system.access.audit. Names are
written in varied equivalent spellings (upper case, backticks, one- and two-part model names).

Where privileges.md leaves a point open, the reference follows the decisions written in the
header of sql/session/06_authorize.sql; each such place is marked "DECISION" below.

Scale with UCSQL_PROPERTY_EXAMPLES / UCSQL_PROPERTY_STEPS (defaults, 12 x 40 statements, take
about 50 s on an idle machine; hunt with e.g. UCSQL_PROPERTY_EXAMPLES=200);
pass --hypothesis-seed=N to pytest to vary the runs. A failure prints every statement of the
failing example as ``[principal] statement;  -- expect ...`` lines (hypothesis note()).
"""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, event, note, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

import ucsql
from ucsql.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied

# --- the universe --------------------------------------------------------------------------------

ADMIN = "admin"
AU = "account users"
USERS = ["admin", "alice", "bob", "carol", "dave"]
GROUPS = ["g1", "g2", "g3"]
GRANTEES = USERS + GROUPS + [AU]
CATALOG_NAMES = ["main", "c1", "c2", "c3"]
SCHEMA_NAMES = ["default", "s1", "s2"]
MODEL_NAMES = ["m1", "m2", "m3"]
ALIASES = ["champion", "Challenger"]

KIND = {0: "METASTORE", 1: "CATALOG", 2: "SCHEMA", 3: "MODEL"}

MANAGE = "MANAGE"
ALL = "ALL_PRIVILEGES"
# privileges.md, "Privileges": which privilege may be granted on which kind of securable. A grant
# on a catalog or schema counts on every descendant whose kind the privilege applies to
# ("inherited"); metastore grants are not inherited.
APPLIES = {
    "METASTORE": {"CREATE_CATALOG"},
    "CATALOG": {
        "USE_CATALOG",
        "CREATE_SCHEMA",
        "BROWSE",
        "USE_SCHEMA",
        "CREATE_MODEL",
        "CREATE_FUNCTION",
        "CREATE_MODEL_VERSION",
        "EXECUTE",
        "APPLY_TAG",
        MANAGE,
        ALL,
    },
    "SCHEMA": {
        "USE_SCHEMA",
        "CREATE_MODEL",
        "CREATE_FUNCTION",
        "CREATE_MODEL_VERSION",
        "EXECUTE",
        "APPLY_TAG",
        MANAGE,
        ALL,
    },
    "MODEL": {"CREATE_MODEL_VERSION", "EXECUTE", "APPLY_TAG", MANAGE, ALL},
}
PRIVILEGES = sorted(set().union(*APPLIES.values()))

MLMODEL = """\
artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.pyfunc.model
signature:
  inputs: '[{"type": "double", "name": "x"}]'
  outputs: '[{"type": "double"}]'
"""

EXAMPLES = int(os.environ.get("UCSQL_PROPERTY_EXAMPLES", "12"))
STEPS = int(os.environ.get("UCSQL_PROPERTY_STEPS", "40"))
VISIBILITY_EVERY = 10  # check every principal's view after this many statements

Path_ = tuple[str, ...]  # () metastore, (c,), (c, s), (c, s, m)


def full_name(path: Path_) -> str:
    return ".".join(path)


# --- the reference model -------------------------------------------------------------------------


@dataclass
class Expect:
    """A prediction: the outcome class, what the statement changes when it succeeds, and the rows
    a read returns (compared after ``extract`` turns fetched rows into a sorted list), or, for a
    change, the ``Result.details`` value named ``detail`` (a change answers with a sentence)."""

    outcome: str
    apply: Callable[[], None] | None = None
    rows: list | None = None
    extract: Callable[[list], list] | None = None
    gate: str | None = None  # for DENIED: the gate privilege the refusal must name, if any
    detail: str | None = None


class Ref:
    """privileges.md as plain Python. Paths are tuples of lower-case names."""

    def __init__(self, admin: str = ADMIN):
        # The bootstrap (privileges.md, "Securables").
        self.owner: dict[Path_, str] = {(): admin, ("main",): admin, ("main", "default"): admin}
        self.grants: dict[Path_, set[tuple[str, str]]] = {
            (): set(),
            ("main",): {(AU, "USE_CATALOG")},
            ("main", "default"): {(AU, "USE_SCHEMA"), (AU, "CREATE_MODEL")},
        }
        self.kinds: dict[str, str] = {admin: "USER", AU: "GROUP"}  # recorded principals
        # Principals that have run a statement (the audit log has them): known without being
        # recorded, so a GRANT, ADD USER or OWNER TO may name them (and records them).
        self.seen: set[str] = {admin}
        self.members: dict[str, set[str]] = {AU: set()}  # group -> direct members
        self.versions: dict[Path_, set[int]] = {}
        self.next_version: dict[Path_, int] = {}
        self.aliases: dict[Path_, dict[str, int]] = {}

    # -- principals -------------------------------------------------------------------------
    def closure(self, p: str) -> set[str]:
        """p, every group containing it (transitively), and `account users` (contains everyone)
        with the groups containing that."""
        out = {p, AU}
        changed = True
        while changed:
            changed = False
            for g, ms in self.members.items():
                if g not in out and ms & out:
                    out.add(g)
                    changed = True
        return out

    def record(self, name: str, kind: str = "USER") -> None:
        self.kinds.setdefault(name, kind)

    def known(self, name: str, actor: str) -> bool:
        """Whether a statement of ``actor`` may name ``name`` as a grantee, member or owner: it
        is recorded, has run a statement, or is the actor; any other name is NOTFOUND."""
        return name in self.kinds or name in self.seen or name == actor

    def is_group(self, name: str) -> bool:
        return self.kinds.get(name) == "GROUP"

    # -- securables -------------------------------------------------------------------------
    def exists(self, path: Path_) -> bool:
        return path in self.owner

    def children(self, path: Path_) -> list[Path_]:
        return sorted(k for k in self.owner if len(k) == len(path) + 1 and k[: len(path)] == path)

    def subtree(self, path: Path_) -> list[Path_]:
        return [k for k in self.owner if k[: len(path)] == path]

    def paths(self, depth: int) -> list[Path_]:
        return sorted(k for k in self.owner if len(k) == depth)

    # -- privileges -------------------------------------------------------------------------
    def owns(self, p: str, path: Path_) -> bool:
        """The owner is the principal or a group containing it (transitively)."""
        return self.owner[path] in self.closure(p)

    def is_admin(self, p: str) -> bool:
        """The metastore admin is the metastore's owner (a user or a group)."""
        return self.owns(p, ())

    def holds(self, p: str, privilege: str, path: Path_) -> bool:
        """Does p hold `privilege` on `path`: as its owner (every privilege of the object, MANAGE
        included; ownership is not inherited), or by a grant to p or one of its groups on the
        object or (inherited) on its catalog / schema. ALL_PRIVILEGES counts as every privilege
        that applies to the object except MANAGE."""
        if privilege not in APPLIES[KIND[len(path)]] or privilege == ALL:
            return False
        mine = self.closure(p)
        if self.owner[path] in mine:
            return True
        sources = [path] if not path else [path[:i] for i in range(1, len(path) + 1)]
        for src in sources:
            for grantee, granted in self.grants.get(src, ()):
                if grantee in mine and (
                    granted == privilege or (granted == ALL and privilege != MANAGE)
                ):
                    return True
        return False

    def gates(self, p: str, path: Path_) -> bool:
        """privileges.md, "Gates": on or inside catalog c, USE_CATALOG on c; on or inside schema
        c.s also USE_SCHEMA on c.s. The admin passes every gate.
        DECISION (06_authorize.sql): an operation on the catalog itself is gated by USE_CATALOG
        only; owning the catalog passes the schema gate (as the spec says owning c.s does)."""
        if self.is_admin(p) or not path:
            return True
        if not self.holds(p, "USE_CATALOG", path[:1]):
            return False
        if len(path) >= 2:
            return self.holds(p, "USE_SCHEMA", path[:2]) or self.owns(p, path[:1])
        return True

    def missing_gate(self, p: str, path: Path_) -> str | None:
        """The gate p fails on `path` (USE_CATALOG before USE_SCHEMA), or None."""
        if self.is_admin(p) or not path:
            return None
        if not self.holds(p, "USE_CATALOG", path[:1]):
            return "USE_CATALOG"
        if len(path) >= 2 and not (self.holds(p, "USE_SCHEMA", path[:2]) or self.owns(p, path[:1])):
            return "USE_SCHEMA"
        return None

    def owns_parent(self, p: str, path: Path_) -> bool:
        return any(self.owns(p, path[:i]) for i in range(1, len(path)))

    # the operations (privileges.md, "What each operation needs")
    def may_manage(self, p: str, path: Path_) -> bool:
        """Drop, comment, GRANT / REVOKE, SHOW GRANTS ON, ALTER ... OWNER TO, drop version:
        admin, owner of it or of a parent, or MANAGE on it (granted or inherited); gated."""
        return self.gates(p, path) and (
            self.holds(p, MANAGE, path) or self.owns_parent(p, path) or self.is_admin(p)
        )

    def may_see_catalog(self, p: str, c: Path_) -> bool:
        # DECISION (06_authorize.sql, SEE_CATALOG): USE_CATALOG, BROWSE (owning the catalog gives
        # both) or admin.
        return self.is_admin(p) or self.holds(p, "USE_CATALOG", c) or self.holds(p, "BROWSE", c)

    def may_see_schema(self, p: str, s: Path_) -> bool:
        # USE_SCHEMA with the gates, admin, or BROWSE on the catalog (no gates). Owning the
        # catalog gives BROWSE, so a catalog owner sees everything inside (privileges.md).
        return (
            self.is_admin(p)
            or self.holds(p, "BROWSE", s[:1])
            or (self.gates(p, s) and self.holds(p, "USE_SCHEMA", s))
        )

    def may_read_model(self, p: str, m: Path_) -> bool:
        """See model and versions: EXECUTE, owner, MANAGE, owner of the catalog or schema, or
        admin, with the gates; or BROWSE on the catalog, without the gates."""
        if self.holds(p, "BROWSE", m[:1]):
            return True
        return self.gates(p, m) and (
            self.holds(p, "EXECUTE", m)
            or self.holds(p, MANAGE, m)
            or self.owns_parent(p, m)
            or self.is_admin(p)
        )

    def may(self, p: str, privilege: str, path: Path_) -> bool:
        """EXECUTE, CREATE_MODEL_VERSION, APPLY_TAG: the privilege (or ownership) and the gates.
        DECISION (06_authorize.sql): the admin needs these like everyone (it passes the gates)."""
        return self.gates(p, path) and self.holds(p, privilege, path)

    def may_alias(self, p: str, m: Path_) -> bool:
        # Set / delete alias: owner of the model or MANAGE; DECISION (06_authorize.sql): and the
        # admin, who may do every management operation. Owners of the schema / catalog are not
        # listed for aliases (privileges.md lists what owning a parent allows; aliases are not
        # in that list).
        return self.gates(p, m) and (self.holds(p, MANAGE, m) or self.is_admin(p))

    def may_rename(self, p: str, m: Path_) -> bool:
        # owner or MANAGE, and CREATE_MODEL on the schema; owners of a parent manage children
        # (rename included); the admin.
        s = m[:2]
        return self.gates(p, m) and (
            (
                self.holds(p, MANAGE, m)
                and (self.holds(p, "CREATE_MODEL", s) or self.holds(p, "CREATE_FUNCTION", s))
            )
            or self.owns_parent(p, m)
            or self.is_admin(p)
        )

    def may_create(self, p: str, path: Path_) -> bool:
        """DECISION (06_authorize.sql): creating is allowed to the admin (a management
        operation); owning the catalog gives CREATE_SCHEMA on it, but not CREATE_MODEL in its
        schemas (ownership is not inherited; privileges.md lists creating among neither the
        things owning a parent lets one do nor the things it does not)."""
        parent = path[:-1]
        if len(path) == 1:
            return self.is_admin(p) or self.holds(p, "CREATE_CATALOG", ())
        if len(path) == 2:
            return self.gates(p, parent) and (
                self.is_admin(p) or self.holds(p, "CREATE_SCHEMA", parent)
            )
        return self.gates(p, parent) and (
            self.is_admin(p)
            or self.holds(p, "CREATE_MODEL", parent)
            or self.holds(p, "CREATE_FUNCTION", parent)
        )

    def may_see(self, p: str, path: Path_) -> bool:
        return {1: self.may_see_catalog, 2: self.may_see_schema, 3: self.may_read_model}[len(path)](
            p, path
        )

    # -- what SHOW GRANTS shows -------------------------------------------------------------
    @staticmethod
    def object_of(path: Path_) -> tuple[str, str | None]:
        kind = KIND[len(path)]
        return ("FUNCTION" if kind == "MODEL" else kind), (full_name(path) if path else None)

    def grants_on(self, path: Path_, of: str | None) -> list[tuple]:
        """Direct grants and grants made on the enclosing schema and catalog, limited to grants
        held by `of` or its groups when given.
        DECISION (sql/session/07_grants_on.sql): every grant made on the catalog / schema is
        listed, not only the inherited privileges and the gates (so SHOW GRANTS ON MODEL also
        lists a BROWSE or CREATE_SCHEMA granted on its catalog); dialect.md says only "direct
        and inherited grants"."""
        sources = [path] if not path else [path[:i] for i in range(1, len(path) + 1)]
        mine = self.closure(of) if of is not None else None
        return sorted(
            (g, priv, *self.object_of(src))
            for src in sources
            for g, priv in self.grants[src]
            if mine is None or g in mine
        )

    def grants_to(self, q: str) -> list[tuple]:
        mine = self.closure(q)
        return sorted(
            (g, priv, *self.object_of(src))
            for src, gs in self.grants.items()
            for g, priv in gs
            if g in mine
        )

    # -- visibility -------------------------------------------------------------------------
    def visible(self, p: str) -> dict[str, list]:
        return {
            "catalog": sorted(full_name(c) for c in self.paths(1) if self.may_see_catalog(p, c)),
            "schema": sorted(full_name(s) for s in self.paths(2) if self.may_see_schema(p, s)),
            "model": sorted(full_name(m) for m in self.paths(3) if self.may_read_model(p, m)),
            "version": sorted(
                f"{full_name(m)}/{v}"
                for m in self.paths(3)
                if self.may_read_model(p, m)
                for v in self.versions[m]
            ),
        }

    # -- changes ----------------------------------------------------------------------------
    def add_securable(self, path: Path_, owner: str) -> None:
        self.record(owner)
        self.owner[path] = owner
        self.grants[path] = set()
        if len(path) == 3:
            self.versions[path] = set()
            self.next_version[path] = 1
            self.aliases[path] = {}

    def drop_securable(self, path: Path_) -> None:
        for k in self.subtree(path):
            for table in (self.owner, self.grants, self.versions, self.next_version, self.aliases):
                table.pop(k, None)

    def move(self, old: Path_, new: Path_) -> None:
        for table in (self.owner, self.grants, self.versions, self.next_version, self.aliases):
            table[new] = table.pop(old)

    def state(self) -> dict[str, set]:
        return {
            "owners": {(full_name(k) or "<metastore>", v) for k, v in self.owner.items()},
            "grants": {
                (full_name(k) or "<metastore>", g, p)
                for k, gs in self.grants.items()
                for g, p in gs
            },
            "members": {(g, m) for g, ms in self.members.items() for m in ms},
            "principals": set(self.kinds.items()),
            "versions": {(full_name(k), v) for k, vs in self.versions.items() for v in vs},
            "aliases": {
                (full_name(k), a, v) for k, al in self.aliases.items() for a, v in al.items()
            },
        }


# --- running statements against ucsql and the reference ------------------------------------------

SNAPSHOT_TABLES = [
    "ucsql_principal",
    "ucsql_group_member",
    "ucsql_securable",
    "ucsql_model_version",
    "ucsql_model_alias",
    "ucsql_securable_tag",
    "ucsql_model_version_tag",
    "ucsql_grant",
    "ucsql_model_version_lineage",
]

VISIBILITY_SQL = """
SELECT 'catalog' AS k, catalog_name AS n FROM system.information_schema.catalogs
UNION ALL SELECT 'schema', catalog_name || '.' || schema_name
          FROM system.information_schema.schemata
UNION ALL SELECT 'model', full_name FROM system.information_schema.registered_models
UNION ALL SELECT 'version',
          catalog_name || '.' || schema_name || '.' || model_name || '/' || version
          FROM system.information_schema.model_versions
"""
VISIBILITY_SQL_SHORT = """
SELECT 'catalog' AS k, catalog_name AS n FROM system.information_schema.catalogs
UNION ALL SELECT 'model', full_name FROM system.information_schema.registered_models
"""


def q(name: str) -> str:
    """A principal, backticked."""
    return f"`{name}`"


def connect(path: Path) -> ucsql.Catalog:
    """Open a metastore as the admin. One process uses it, so ask it to keep the file open
    between statements (UCSQL_MAX_HOLD / UCSQL_IDLE_RELEASE, where the metastore supports letting
    go of the file): reopening it for every statement would dominate the run time."""
    saved = {k: os.environ.get(k) for k in ("UCSQL_MAX_HOLD", "UCSQL_IDLE_RELEASE")}
    os.environ.update(UCSQL_MAX_HOLD="3600", UCSQL_IDLE_RELEASE="3600")
    try:
        return ucsql.connect(str(path), principal=ADMIN)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _hold(cat: ucsql.Catalog):
    """Keep the metastore file open across a check (when the metastore releases it when idle)."""
    lease = getattr(cat.engine.metastore, "lease", None)
    return lease() if lease is not None else contextlib.nullcontext()


def _sorted_rows(rows: list) -> list:
    return sorted(tuple(r) for r in rows)


class Runner:
    """Runs statements as principals against one metastore and one reference, checking each."""

    def __init__(self, cat: ucsql.Catalog, ref: Ref, model_dir: str):
        self.cat = cat
        self.ref = ref
        self.model_dir = model_dir
        self.log: list[str] = []
        self.count = 0
        self.broken = False

    # -- the check around every statement ---------------------------------------------------
    def raw(self, sql: str) -> list[tuple]:
        """White-box read of the metastore tables (the test's view, not a principal's)."""
        return self.cat.engine.metastore.cursor().execute(sql).fetchall()

    def snapshot(self) -> dict[str, list]:
        """Every row of every metastore table but the audit log (one query)."""
        rows = self.raw(
            " UNION ALL ".join(
                f"SELECT '{t}' AS t, x::VARCHAR AS row FROM {t} AS x" for t in SNAPSHOT_TABLES
            )
            + " ORDER BY ALL"
        )
        out: dict[str, list] = {t: [] for t in SNAPSHOT_TABLES}
        for table, row in rows:
            out[table].append(row)
        return out

    def engine_state(self) -> dict[str, set]:
        """What the metastore holds, in the reference's terms (one query)."""
        rows = self.raw("""
            SELECT 'securable', s.securable_id, s.kind, s.name, s.parent_id::VARCHAR, o.name
            FROM ucsql_securable AS s JOIN ucsql_principal AS o ON o.principal_id = s.owner_id
            UNION ALL SELECT 'grant', g.securable_id, p.name, g.privilege, NULL, NULL
            FROM ucsql_grant AS g JOIN ucsql_principal AS p USING (principal_id)
            UNION ALL SELECT 'member', NULL, g.name, m.name, NULL, NULL
            FROM ucsql_group_member AS gm
            JOIN ucsql_principal AS g ON g.principal_id = gm.group_id
            JOIN ucsql_principal AS m ON m.principal_id = gm.member_id
            UNION ALL SELECT 'principal', NULL, name, kind, NULL, NULL FROM ucsql_principal
            UNION ALL SELECT 'version', model_id, version::VARCHAR, NULL, NULL, NULL
            FROM ucsql_model_version
            UNION ALL SELECT 'alias', model_id, alias, version::VARCHAR, NULL, NULL
            FROM ucsql_model_alias""")
        by_id = {
            r[1]: (r[2], r[3], None if r[4] is None else int(r[4]), r[5])
            for r in rows
            if r[0] == "securable"
        }

        def name(sid: int) -> str:
            parts = []
            while by_id[sid][0] != "METASTORE":
                parts.append(by_id[sid][1])
                sid = by_id[sid][2]
            return ".".join(reversed(parts)) or "<metastore>"

        return {
            "owners": {(name(sid), r[3]) for sid, r in by_id.items()},
            "grants": {(name(r[1]), r[2], r[3]) for r in rows if r[0] == "grant"},
            "members": {(r[2], r[3]) for r in rows if r[0] == "member"},
            "principals": {(r[2], r[3]) for r in rows if r[0] == "principal"},
            "versions": {(name(r[1]), int(r[2])) for r in rows if r[0] == "version"},
            "aliases": {(name(r[1]), r[2], int(r[3])) for r in rows if r[0] == "alias"},
        }

    def fail(self, message: str) -> AssertionError:
        return AssertionError(
            message + "\n\nStatements of this example:\n  " + "\n  ".join(self.log)
        )

    def execute(self, actor: str, sql: str, expect: Expect) -> None:
        try:
            with _hold(self.cat):
                self._execute(actor, sql, expect)
        except BaseException:
            self.broken = True  # the final visibility check would only hide this failure
            raise

    def _execute(self, actor: str, sql: str, expect: Expect) -> None:
        self.count += 1
        line = f"[{actor}] {sql};"
        if currently_in_test_context():
            note(f"{line}   -- expect {expect.outcome}")
        self.log.append(f"{line}   -- expect {expect.outcome}")
        before = self.snapshot()
        got, error, result = "OK", None, None
        try:
            result = self.cat.as_principal(actor).sql(sql)
        except PermissionDenied as e:
            got, error = "DENIED", e
        except NotFound as e:
            got, error = "NOTFOUND", e
        except AlreadyExists as e:
            got, error = "EXISTS", e
        except InvalidArgument as e:
            got, error = "INVALID", e
        if currently_in_test_context():
            event(f"{sql.split()[0]} {'(admin)' if actor == ADMIN else '(other)'} -> {got}")
        if got != expect.outcome:
            raise self.fail(
                f"DISAGREEMENT on [{actor}] {sql}\n  reference predicts "
                f"{expect.outcome}, ucsql says {got}" + (f": {error}" if error else "")
            )
        if got == "DENIED":
            # privileges.md: a refusal names the principal, the operation, the securable and the
            # missing privilege (the failed gate when a gate fails)
            gates_named = [g for g in ("USE_CATALOG on", "USE_SCHEMA on") if g in error.missing]
            want_gates = [f"{expect.gate} on"] if expect.gate else []
            if (
                error.principal != actor
                or actor not in error.message
                or not error.missing
                or not error.operation
                or gates_named != want_gates
            ):
                raise self.fail(
                    f"[{actor}] {sql}: refusal does not say who / what / what is missing "
                    f"as expected (failed gate: {expect.gate}): principal="
                    f"{error.principal!r} operation={error.operation!r} "
                    f"securable={error.securable!r} missing={error.missing!r}"
                )
        self.cat.engine.metastore.flush_audit()  # rows of reads may still be waiting
        audit = self.raw("SELECT principal, result FROM ucsql_audit ORDER BY audit_id DESC LIMIT 1")
        want_audit = {"OK": "ALLOWED", "DENIED": "DENIED"}.get(got, "FAILED")
        if audit != [(actor, want_audit)]:
            raise self.fail(
                f"[{actor}] {sql}: last audit row {audit}, expected {(actor, want_audit)}"
            )
        if got != "OK":
            after = self.snapshot()
            if after != before:
                changed = [t for t in SNAPSHOT_TABLES if before[t] != after[t]]
                raise self.fail(f"[{actor}] {sql} failed ({got}: {error}) but changed {changed}")
        else:
            if expect.apply is not None:
                expect.apply()
            if expect.rows is not None:
                rows = ([result.details[expect.detail]] if expect.detail is not None
                        else expect.extract(result.fetchall()))
                if rows != expect.rows:
                    raise self.fail(
                        f"[{actor}] {sql}: rows differ\n  ucsql:     {rows}\n"
                        f"  reference: {expect.rows}"
                    )
        self.ref.seen.add(actor)  # its statement is in the audit log, whatever the outcome
        state, want = self.engine_state(), self.ref.state()
        if state != want:
            diff = {
                k: {
                    "ucsql only": sorted(state[k] - want[k]),
                    "reference only": sorted(want[k] - state[k]),
                }
                for k in want
                if state[k] != want[k]
            }
            raise self.fail(f"after [{actor}] {sql}: metastore differs from the reference: {diff}")

    def check_visibility(self, actor: str, full: bool = False) -> None:
        """What `actor` sees: the catalogs and registered models in the information_schema views;
        when full, also the schemata and model_versions views and the SHOW listings."""
        try:
            with _hold(self.cat):
                self._check_visibility(actor, full)
        except BaseException:
            self.broken = True
            raise

    def _check_visibility(self, actor: str, full: bool) -> None:
        want = self.ref.visible(actor)
        if not full:
            want = {k: want[k] for k in ("catalog", "model")}
        rows = (
            self.cat.as_principal(actor)
            .sql(VISIBILITY_SQL if full else VISIBILITY_SQL_SHORT)
            .fetchall()
        )
        got = {k: sorted(n for kk, n in rows if kk == k) for k in want}
        self.log.append(f"[{actor}] -- visibility check ({', '.join(want)})")
        if got != want:
            raise self.fail(f"{actor} sees {got} in information_schema; the reference says {want}")
        if full:
            sa = self.cat.as_principal(actor)
            shown = {
                "catalog": sorted(r[0] for r in sa.sql("SHOW CATALOGS").fetchall()),
                "schema": sorted(f"{r[0]}.{r[1]}" for r in sa.sql("SHOW SCHEMAS").fetchall()),
                "model": sorted(r[0] for r in sa.sql("SHOW MODELS").fetchall()),
            }
            self.log.append(f"[{actor}] -- visibility check (SHOW CATALOGS / SCHEMAS / MODELS)")
            for k, v in shown.items():
                if v != want[k]:
                    raise self.fail(f"{actor}: SHOW lists {k}s {v}; the reference says {want[k]}")

    # -- statements: each builds its SQL and the reference's prediction ----------------------
    def denied(self, actor: str, path: Path_) -> Expect:
        """A refusal of an operation on or inside `path`: it must name a failed gate exactly when
        the reference says one fails."""
        return Expect("DENIED", gate=self.ref.missing_gate(actor, path))

    def spell(self, path: Path_) -> str:
        """A securable's name as a statement writes it, varied (deterministically, by statement
        number) over the equivalent spellings: names are case-insensitive, may be backticked, and
        one- or two-part names resolve against main / main.default."""
        style = self.count % 5
        if style == 1:
            return full_name(path).upper()
        if (
            style == 2
            and len(path) >= 2
            and path[0] == "main"
            and (len(path) == 2 or path[1] == "default")
        ):
            return ".".join(path[1:] if len(path) == 2 else path[2:])
        if style == 3 and len(path) == 3 and path[0] == "main":
            return ".".join(path[1:])
        if style == 4:
            return ".".join(f"`{part}`" for part in path)
        return full_name(path)

    def grant(
        self,
        actor: str,
        revoke: bool,
        privileges: list[str],
        path: Path_,
        grantees: list[str],
        spelled: list[str],
        kind_word: str,
    ) -> None:
        ref = self.ref
        what = "METASTORE" if not path else f"{kind_word} {self.spell(path)}"
        verb, prep = ("REVOKE", "FROM") if revoke else ("GRANT", "TO")
        sql = f"{verb} {', '.join(spelled)} ON {what} {prep} {', '.join(q(g) for g in grantees)}"
        kind = KIND[len(path)]
        if path and not ref.exists(path):
            expect = Expect("NOTFOUND")
        elif not ref.may_manage(actor, path):
            expect = self.denied(actor, path)
        elif any(p not in APPLIES[kind] for p in privileges):
            # applicability is checked after the authorization
            expect = Expect("INVALID")
        elif not revoke and not all(ref.known(g, actor) for g in grantees):
            expect = Expect("NOTFOUND")  # a dropped group, say: never a new principal
        else:

            def apply():
                for g in grantees:
                    if revoke:
                        ref.grants[path] -= {(g, p) for p in privileges}
                    else:
                        ref.record(g)
                        ref.grants[path] |= {(g, p) for p in privileges}

            expect = Expect("OK", apply)
        self.execute(actor, sql, expect)

    def set_owner(self, actor: str, path: Path_, new_owner: str) -> None:
        ref = self.ref
        what = "METASTORE" if not path else f"{KIND[len(path)]} {self.spell(path)}"
        sql = f"ALTER {what} OWNER TO {q(new_owner)}"
        if path and not ref.exists(path):
            expect = Expect("NOTFOUND")
        elif not ref.may_manage(actor, path):
            expect = self.denied(actor, path)
        elif not ref.is_admin(actor) and new_owner not in ref.closure(actor):
            # a non-admin may only transfer to itself or to a group it belongs to
            expect = Expect("DENIED")
        elif not ref.known(new_owner, actor):
            expect = Expect("NOTFOUND")
        else:

            def apply():
                ref.record(new_owner)
                ref.owner[path] = new_owner

            expect = Expect("OK", apply)
        self.execute(actor, sql, expect)

    def create(self, actor: str, path: Path_, if_not_exists: bool) -> None:
        ref = self.ref
        kind = KIND[len(path)]
        sql = f"CREATE {kind} {'IF NOT EXISTS ' if if_not_exists else ''}{self.spell(path)}"
        if (
            len(path) > 1
            and not ref.exists(path[:-1])
            or len(path) > 2
            and not ref.exists(path[:2])
        ):
            expect = Expect("NOTFOUND")
        elif ref.exists(path) and (
            ref.may_see(actor, path)
            or (kind == "MODEL" and ref.may(actor, "CREATE_MODEL_VERSION", path))
        ):
            # DECISION (namespace.create_securable): creating what the caller knows exists (may
            # see it, or may add versions to the model) is told so, no privilege needed; anyone
            # else gets the create check first (and then AlreadyExists, even with IF NOT EXISTS)
            expect = Expect("OK" if if_not_exists else "EXISTS")
        elif not ref.may_create(actor, path):
            expect = self.denied(actor, path[:-1])
        elif ref.exists(path):
            expect = Expect("EXISTS")
        else:
            expect = Expect("OK", lambda: ref.add_securable(path, actor))
        self.execute(actor, sql, expect)

    def drop(self, actor: str, path: Path_, cascade: bool, if_exists: bool) -> None:
        ref = self.ref
        kind = KIND[len(path)]
        tail = " CASCADE" if cascade and kind != "MODEL" else ""
        sql = f"DROP {kind} {'IF EXISTS ' if if_exists else ''}{self.spell(path)}{tail}"
        if not ref.exists(path):
            expect = Expect("OK" if if_exists else "NOTFOUND")
        elif not ref.may_manage(actor, path):
            expect = self.denied(actor, path)
        elif kind != "MODEL" and not cascade and ref.children(path):
            expect = Expect("INVALID")  # RESTRICT refuses a non-empty one
        else:
            expect = Expect("OK", lambda: ref.drop_securable(path))
        self.execute(actor, sql, expect)

    def comment(self, actor: str, path: Path_, version: int | None) -> None:
        ref = self.ref
        kind = KIND[len(path)]
        v = f" VERSION {version}" if version is not None else ""
        sql = f"COMMENT ON {kind} {self.spell(path)}{v} IS 'note {self.count}'"
        if not ref.exists(path):
            expect = Expect("NOTFOUND")
        elif not ref.may_manage(actor, path):
            expect = self.denied(actor, path)
        elif version is not None and version not in ref.versions[path]:
            expect = Expect("NOTFOUND")
        else:
            expect = Expect("OK")
        self.execute(actor, sql, expect)

    def tag(self, actor: str, path: Path_, version: int | None, unset: bool, form: int) -> None:
        ref = self.ref
        kind = KIND[len(path)]
        name = self.spell(path)
        if version is not None:
            sql = f"ALTER MODEL {name} VERSION {version} " + (
                "UNSET TAGS ('k1')" if unset else f"SET TAGS ('k1' = 'v{self.count}')"
            )
        elif form == 0:
            sql = (
                f"UNSET TAG ON {kind} {name} k1" if unset else f"SET TAG ON {kind} {name} k1 = 'v'"
            )
        else:
            sql = f"ALTER {kind} {name} " + (
                "UNSET TAGS ('k1', 'k2')" if unset else "SET TAGS ('k1' = 'a', 'k2' = 'b')"
            )
        if not ref.exists(path):
            expect = Expect("NOTFOUND")
        elif not ref.may(actor, "APPLY_TAG", path):
            expect = self.denied(actor, path)
        elif version is not None and version not in ref.versions[path]:
            expect = Expect("NOTFOUND")
        else:
            expect = Expect("OK")
        self.execute(actor, sql, expect)

    def add_version(self, actor: str, m: Path_, source: tuple[Path_, int] | None) -> None:
        ref = self.ref
        if source is None:
            sql = f"ALTER MODEL {self.spell(m)} ADD VERSION FROM '{self.model_dir}'"
        else:
            sql = (
                f"ALTER MODEL {self.spell(m)} ADD VERSION "
                f"FROM MODEL {self.spell(source[0])} VERSION {source[1]}"
            )
        if not ref.exists(m):
            expect = Expect("NOTFOUND")
        elif not ref.may(actor, "CREATE_MODEL_VERSION", m):
            expect = self.denied(actor, m)
        elif source is not None and not ref.exists(source[0]):
            expect = Expect("NOTFOUND")
        elif source is not None and not ref.may(actor, "EXECUTE", source[0]):
            expect = self.denied(actor, source[0])  # copying a version reads its files
        elif source is not None and source[1] not in ref.versions[source[0]]:
            expect = Expect("NOTFOUND")
        else:
            number = ref.next_version[m]

            def apply():
                ref.versions[m].add(number)
                ref.next_version[m] = number + 1

            expect = Expect("OK", apply, rows=[number], detail="version")
        self.execute(actor, sql, expect)

    def drop_version(self, actor: str, m: Path_, version: int) -> None:
        ref = self.ref
        sql = f"ALTER MODEL {self.spell(m)} DROP VERSION {version}"
        if not ref.exists(m):
            expect = Expect("NOTFOUND")
        elif not ref.may_manage(actor, m):
            expect = self.denied(actor, m)
        elif version not in ref.versions[m]:
            expect = Expect("NOTFOUND")
        else:

            def apply():
                ref.versions[m].discard(version)
                ref.aliases[m] = {a: v for a, v in ref.aliases[m].items() if v != version}

            expect = Expect("OK", apply)
        self.execute(actor, sql, expect)

    def alias(self, actor: str, m: Path_, alias: str, version: int | None) -> None:
        ref = self.ref
        if version is None:
            sql = f"ALTER MODEL {self.spell(m)} DROP ALIAS {alias}"
        else:
            sql = f"ALTER MODEL {self.spell(m)} SET ALIAS {alias} TO VERSION {version}"
        if not ref.exists(m):
            expect = Expect("NOTFOUND")
        elif not ref.may_alias(actor, m):
            expect = self.denied(actor, m)
        elif version is None:
            if alias not in ref.aliases[m]:
                expect = Expect("NOTFOUND")
            else:
                expect = Expect("OK", lambda: ref.aliases[m].pop(alias))
        elif version not in ref.versions[m]:
            expect = Expect("NOTFOUND")
        else:
            expect = Expect("OK", lambda: ref.aliases[m].__setitem__(alias, version))
        self.execute(actor, sql, expect)

    def rename(self, actor: str, m: Path_, new_name: str) -> None:
        ref = self.ref
        new = m[:2] + (new_name,)
        sql = f"ALTER MODEL {self.spell(m)} RENAME TO {new_name}"
        if not ref.exists(m):
            expect = Expect("NOTFOUND")
        elif not ref.may_rename(actor, m):
            expect = self.denied(actor, m)
        elif ref.exists(new):
            expect = Expect("EXISTS")
        else:
            expect = Expect("OK", lambda: ref.move(m, new))
        self.execute(actor, sql, expect)

    def describe(self, actor: str, path: Path_, version: int | None) -> None:
        ref = self.ref
        v = f" VERSION {version}" if version is not None else ""
        sql = f"DESCRIBE {KIND[len(path)]} {self.spell(path)}{v}"
        if not ref.exists(path):
            expect = Expect("NOTFOUND")
        elif not ref.may_see(actor, path):
            expect = self.denied(actor, path)
        elif version is not None and version not in ref.versions[path]:
            expect = Expect("NOTFOUND")
        else:
            expect = Expect("OK")
        self.execute(actor, sql, expect)

    def read_model(self, actor: str, m: Path_, form: str, version: int) -> None:
        """SHOW VERSIONS IN MODEL / GET MODEL (see it) / GET MODEL VERSION (EXECUTE)."""
        ref = self.ref
        name = self.spell(m)
        sql = {
            "versions": f"SHOW VERSIONS IN MODEL {name}",
            "get": f"GET MODEL {name}",
            "get_version": f"GET MODEL VERSION {name} VERSION {version}",
        }[form]
        if not ref.exists(m):
            expect = Expect("NOTFOUND")
        elif form == "get_version":
            if not ref.may(actor, "EXECUTE", m):
                expect = self.denied(actor, m)
            elif version not in ref.versions[m]:
                expect = Expect("NOTFOUND")
            else:
                expect = Expect("OK")
        elif not ref.may_read_model(actor, m):
            expect = self.denied(actor, m)
        elif form == "versions":
            expect = Expect(
                "OK", rows=sorted(ref.versions[m]), extract=lambda rows: sorted(r[0] for r in rows)
            )
        else:
            expect = Expect("OK")
        self.execute(actor, sql, expect)

    def show_in(self, actor: str, path: Path_) -> None:
        """SHOW SCHEMAS IN c / SHOW MODELS IN c.s: the container must be visible; rows filtered."""
        ref = self.ref
        kind = "SCHEMAS" if len(path) == 1 else "MODELS"
        sql = f"SHOW {kind} IN {self.spell(path)}"
        if not ref.exists(path):
            expect = Expect("NOTFOUND")
        elif not ref.may_see(actor, path):
            expect = self.denied(actor, path)
        elif len(path) == 1:
            rows = [full_name(s) for s in ref.children(path) if ref.may_see_schema(actor, s)]
            expect = Expect("OK", rows=rows, extract=lambda r: sorted(f"{x[0]}.{x[1]}" for x in r))
        else:
            rows = [full_name(m) for m in ref.children(path) if ref.may_read_model(actor, m)]
            expect = Expect("OK", rows=rows, extract=lambda r: sorted(x[0] for x in r))
        self.execute(actor, sql, expect)

    def show_grants(self, actor: str, path: Path_, of: str | None, kind_word: str) -> None:
        ref = self.ref
        what = "METASTORE" if not path else f"{kind_word} {self.spell(path)}"
        sql = f"SHOW GRANTS {q(of) + ' ' if of else ''}ON {what}"
        if path and not ref.exists(path):
            expect = Expect("NOTFOUND")
        elif not ((of is not None and of in ref.closure(actor)) or ref.may_manage(actor, path)):
            expect = self.denied(actor, path)
        elif of is not None and not ref.known(of, actor):
            expect = Expect("NOTFOUND")
        else:
            expect = Expect("OK", rows=ref.grants_on(path, of), extract=_sorted_rows)
        self.execute(actor, sql, expect)

    def show_grants_to(self, actor: str, of: str) -> None:
        ref = self.ref
        sql = f"SHOW GRANTS TO {q(of)}"
        if not (of in ref.closure(actor) or ref.is_admin(actor)):
            expect = Expect("DENIED")
        elif not ref.known(of, actor):
            expect = Expect("NOTFOUND")
        else:
            expect = Expect("OK", rows=ref.grants_to(of), extract=_sorted_rows)
        self.execute(actor, sql, expect)

    def alter_group(
        self, actor: str, group: str, add: bool, member_kind: str, members: list[str]
    ) -> None:
        ref = self.ref
        sql = f"ALTER GROUP {q(group)} {'ADD' if add else 'DROP'} {member_kind} " + ", ".join(
            q(m) for m in members
        )
        if not ref.is_admin(actor):
            expect = Expect("DENIED")  # groups: admin only
        elif not ref.is_group(group):
            expect = Expect("NOTFOUND")
        elif group == AU:
            expect = Expect("INVALID")  # `account users` always contains everyone
        else:
            # members are taken one after the other; the first error undoes the statement
            trial = copy.deepcopy(ref)
            outcome = "OK"
            for member in members:
                existing = trial.kinds.get(member)
                if existing is not None and existing != member_kind:
                    outcome = "INVALID"
                elif not add:
                    trial.members[group].discard(member)
                elif member_kind == "GROUP" and existing is None:
                    outcome = "NOTFOUND"
                elif not trial.known(member, actor):
                    outcome = "NOTFOUND"
                elif member_kind == "GROUP" and member in trial.closure(group):
                    outcome = "INVALID"  # a cycle (`account users` contains every group)
                else:
                    trial.record(member, member_kind)
                    trial.members[group].add(member)
                if outcome != "OK":
                    break
            expect = Expect(outcome, lambda: ref.__dict__.update(trial.__dict__))
        self.execute(actor, sql, expect)

    def create_group(self, actor: str, group: str, if_not_exists: bool) -> None:
        ref = self.ref
        sql = f"CREATE GROUP {'IF NOT EXISTS ' if if_not_exists else ''}{q(group)}"
        if not ref.is_admin(actor):
            expect = Expect("DENIED")
        elif ref.kinds.get(group) == "USER":
            expect = Expect("EXISTS")
        elif ref.is_group(group):
            expect = Expect("OK" if if_not_exists else "EXISTS")
        else:

            def apply():
                ref.kinds[group] = "GROUP"
                ref.members[group] = set()

            expect = Expect("OK", apply)
        self.execute(actor, sql, expect)

    def drop_group(self, actor: str, group: str) -> None:
        ref = self.ref
        sql = f"DROP GROUP {q(group)}"
        if not ref.is_admin(actor):
            expect = Expect("DENIED")
        elif not ref.is_group(group):
            expect = Expect("NOTFOUND")
        elif group == AU or group in ref.owner.values():
            expect = Expect("INVALID")  # built in / owns something
        else:

            def apply():
                del ref.kinds[group]
                del ref.members[group]
                for ms in ref.members.values():
                    ms.discard(group)
                for k in ref.grants:
                    ref.grants[k] = {(g, p) for g, p in ref.grants[k] if g != group}

            expect = Expect("OK", apply)
        self.execute(actor, sql, expect)

    def read_audit(self, actor: str) -> None:
        self.execute(
            actor,
            "SELECT count(*) FROM system.access.audit",
            Expect("OK" if self.ref.is_admin(actor) else "DENIED"),
        )


# --- the template metastore, built once ----------------------------------------------------------

TEMPLATE_STATEMENTS = [
    ("create", ("c1",)),
    ("create", ("c2",)),
    ("create", ("c1", "s1")),
    ("create", ("c1", "s2")),
    ("create", ("c2", "s1")),
    ("create", ("c2", "s2")),
    ("create", ("main", "default", "m1")),
    ("create", ("c1", "s1", "m1")),
    ("create", ("c1", "s2", "m1")),
    ("create", ("c2", "s1", "m1")),
    ("group", "g1"),
    ("group", "g2"),
    ("group", "g3"),
    *(("user", u) for u in USERS[1:]),  # users that have not connected yet are created
]

_TEMPLATE: dict = {}


def _template() -> tuple[Path, Ref, str]:
    """A metastore file with the universe's starting objects (and its reference), built once per
    session; each example works on a copy of the file. It holds no versions (their files would
    be shared between copies)."""
    if not _TEMPLATE:
        root = Path(tempfile.mkdtemp(prefix="ucsql-prop-template-"))
        model_dir = root / "model_src"
        model_dir.mkdir()
        (model_dir / "MLmodel").write_text(MLMODEL)
        (model_dir / "model.bin").write_text("weights")
        cat = connect(root / "m.duckdb")
        runner = Runner(cat, Ref(ADMIN), str(model_dir))
        runner.execute(ADMIN, "SHOW CATALOGS", Expect("OK"))  # the bootstrap equals the reference
        for op, arg in TEMPLATE_STATEMENTS:
            if op == "create":
                runner.create(ADMIN, arg, False)
            elif op == "user":
                runner.execute(ADMIN, f"CREATE USER {q(arg)}",
                               Expect("OK", lambda u=arg: runner.ref.record(u)))
            else:
                runner.create_group(ADMIN, arg, False)
        cat.close()
        _TEMPLATE.update(
            path=root / "m.duckdb", ref=runner.ref, model_dir=str(model_dir), root=root
        )
    return _TEMPLATE["path"], _TEMPLATE["ref"], _TEMPLATE["model_dir"]


def teardown_module(module) -> None:
    if _TEMPLATE:
        shutil.rmtree(_TEMPLATE["root"], ignore_errors=True)


# --- the state machine ---------------------------------------------------------------------------

actors = st.sampled_from(USERS)
maybe_version = st.one_of(st.none(), st.integers(1, 3))


def privilege_spelling(privilege: str, style: int) -> str:
    """USE_CATALOG, use catalog, Use_Catalog ... (SQL accepts underscores or spaces, any case);
    ALL_PRIVILEGES as ALL PRIVILEGES."""
    words = privilege.split("_")
    return ["_".join(words), " ".join(words).lower(), "_".join(w.title() for w in words)][style % 3]


class PrivilegeMachine(RuleBasedStateMachine):
    """Random statements by random principals; every one checked against the reference."""

    def __init__(self):
        super().__init__()
        self.runner: Runner | None = None
        self.tmp: str | None = None

    # -- drawing securables -----------------------------------------------------------------
    def pick(self, data, depths: tuple[int, ...]) -> Path_:
        """Mostly an existing securable of one of the depths; sometimes any name of the universe
        (which may not exist, or may be about to be created)."""
        ref = self.runner.ref
        existing = [p for d in depths for p in ref.paths(d)]
        if existing and data.draw(st.integers(0, 9), label="existing?") < 8:
            return data.draw(st.sampled_from(existing), label="securable")
        depth = data.draw(st.sampled_from(depths), label="depth")
        path = (
            data.draw(st.sampled_from(CATALOG_NAMES), label="catalog"),
            data.draw(st.sampled_from(SCHEMA_NAMES), label="schema"),
            data.draw(st.sampled_from(MODEL_NAMES), label="model"),
        )
        return path[:depth]

    def pick_new(self, data) -> Path_:
        """Mostly a catalog, schema or model that does not exist yet in an existing parent."""
        ref = self.runner.ref
        fresh = [
            p
            for c in CATALOG_NAMES
            for s in SCHEMA_NAMES
            for m in MODEL_NAMES
            for p in ((c,), (c, s), (c, s, m), (c, s, m))
            if not ref.exists(p) and ref.exists(p[:-1])
        ]
        if fresh and data.draw(st.integers(0, 9), label="new?") < 7:
            return data.draw(st.sampled_from(sorted(fresh)), label="new securable")
        return self.pick(data, (1, 2, 3, 3))

    def pick_version(self, data, m: Path_) -> int:
        known = sorted(self.runner.ref.versions.get(m, ()))
        if known and data.draw(st.booleans(), label="known version?"):
            return data.draw(st.sampled_from(known), label="version")
        return data.draw(st.integers(1, 4), label="version")

    def pick_privileges(self, data, path: Path_) -> tuple[list[str], list[str]]:
        kind = KIND[len(path)]
        # the privileges that change the most decisions are drawn more often
        pool = sorted(APPLIES[kind]) + [
            p for p in (MANAGE, ALL, "EXECUTE", "BROWSE", "BROWSE") if p in APPLIES[kind]
        ]
        n = data.draw(st.integers(1, 2), label="how many privileges")
        privileges = []
        for _ in range(n):
            applicable = data.draw(st.integers(0, 9), label="applicable?") < 9
            privileges.append(
                data.draw(st.sampled_from(pool if applicable else PRIVILEGES), label="privilege")
            )
        privileges = list(dict.fromkeys(privileges))
        style = data.draw(st.integers(0, 2), label="spelling")
        return privileges, [privilege_spelling(p, style) for p in privileges]

    # -- setup --------------------------------------------------------------------------------
    @initialize(data=st.data())
    def setup(self, data):
        path, ref, model_dir = _template()
        self.tmp = tempfile.mkdtemp(prefix="ucsql-prop-")
        shutil.copy(path, Path(self.tmp) / "m.duckdb")
        cat = connect(Path(self.tmp) / "m.duckdb")
        self.runner = Runner(cat, copy.deepcopy(ref), model_dir)
        r = self.runner
        # The starting state of this example, made by the admin (each statement checked like any
        # other): random membership and nesting (a cycle is refused, and predicted so), the gates
        # (USE_CATALOG / USE_SCHEMA) to random principals, a few random grants and owners, and
        # versions. Without a rich start most statements of non-admins stop at the gates.
        subsets = st.lists(st.sampled_from(GRANTEES[1:]), max_size=3, unique=True)
        for group in GROUPS:
            users = data.draw(
                st.lists(st.sampled_from(["alice", "bob", "carol"]), max_size=2, unique=True),
                label=f"users in {group}",
            )
            if users:
                r.alter_group(ADMIN, group, True, "USER", users)
        order = data.draw(st.permutations(GROUPS), label="group order")
        for i, inner in enumerate(order):
            for outer in order[i + 1 :]:
                if data.draw(st.booleans(), label=f"{inner} in {outer}?"):
                    r.alter_group(ADMIN, outer, True, "GROUP", [inner])
        for path in r.ref.paths(1) + r.ref.paths(2):
            grantees = data.draw(subsets, label=f"gate grantees on {full_name(path)}")
            if grantees:
                privilege = "USE_CATALOG" if len(path) == 1 else "USE_SCHEMA"
                r.grant(ADMIN, False, [privilege], path, grantees, [privilege], KIND[len(path)])
        for _ in range(data.draw(st.integers(2, 6), label="initial grants")):
            self.do_grant(data, ADMIN, revoke=False)
        for _ in range(data.draw(st.integers(1, 4), label="initial owners")):
            target = self.pick(data, (1, 2, 3))
            r.set_owner(ADMIN, target, data.draw(st.sampled_from(GRANTEES), label="new owner"))
        for m in data.draw(
            st.lists(st.sampled_from(r.ref.paths(3)), max_size=2, unique=True),
            label="models with a version",
        ):
            if r.ref.may(ADMIN, "CREATE_MODEL_VERSION", m):
                r.add_version(ADMIN, m, None)
        if data.draw(st.integers(0, 9), label="give the metastore away?") == 0:
            # the metastore admin becomes another user, or a group (its members are admins)
            r.set_owner(ADMIN, (), data.draw(st.sampled_from(GRANTEES[1:]), label="new admin"))

    def teardown(self):
        if self.runner is not None:
            try:
                if not self.runner.broken:
                    for actor in USERS:
                        self.runner.check_visibility(actor)
            finally:
                self.runner.cat.close()
                shutil.rmtree(self.tmp, ignore_errors=True)

    def after_statement(self) -> None:
        """Every few statements: what every principal sees (catalogs, models), and everything one
        principal sees (the schemata and model_versions views, SHOW CATALOGS / SCHEMAS / MODELS)."""
        if self.runner.count % VISIBILITY_EVERY == 0:
            for actor in USERS:
                self.runner.check_visibility(actor)
            self.runner.check_visibility(
                USERS[self.runner.count // VISIBILITY_EVERY % len(USERS)], full=True
            )

    # -- rules ----------------------------------------------------------------------------------
    def do_grant(self, data, actor: str, revoke: bool) -> None:
        target = self.pick(data, (0, 1, 2, 3) if data.draw(st.integers(0, 9)) == 0 else (1, 2, 3))
        privileges, spelled = self.pick_privileges(data, target)
        grantees = data.draw(
            st.lists(st.sampled_from(GRANTEES), min_size=1, max_size=2, unique=True),
            label="grantees",
        )
        kind_word = KIND[len(target)]
        if kind_word == "MODEL" and data.draw(st.booleans(), label="FUNCTION?"):
            kind_word = "FUNCTION"
        self.runner.grant(actor, revoke, privileges, target, grantees, spelled, kind_word)

    @rule(data=st.data(), actor=actors)
    def grant(self, data, actor):
        self.do_grant(data, actor, revoke=False)
        self.after_statement()

    @rule(data=st.data(), actor=actors)
    def grant_more(self, data, actor):  # grants make the rest interesting: weight them twice
        self.do_grant(data, actor, revoke=False)
        self.after_statement()

    @rule(data=st.data(), actor=actors)
    def revoke(self, data, actor):
        self.do_grant(data, actor, revoke=True)
        self.after_statement()

    @rule(data=st.data(), actor=actors, new_owner=st.sampled_from(GRANTEES))
    def set_owner(self, data, actor, new_owner):
        target = (
            ()
            if data.draw(st.integers(0, 19), label="metastore?") == 0
            else self.pick(data, (1, 2, 3))
        )
        self.runner.set_owner(actor, target, new_owner)
        self.after_statement()

    @rule(data=st.data(), actor=actors, if_not_exists=st.booleans())
    def create(self, data, actor, if_not_exists):
        self.runner.create(actor, self.pick_new(data), if_not_exists)
        self.after_statement()

    @rule(data=st.data(), actor=actors, cascade=st.booleans(), if_exists=st.booleans())
    def drop(self, data, actor, cascade, if_exists):
        self.runner.drop(actor, self.pick(data, (1, 2, 3, 3, 3)), cascade, if_exists)
        self.after_statement()

    @rule(data=st.data(), actor=actors, with_version=st.booleans())
    def comment(self, data, actor, with_version):
        target = self.pick(data, (3,) if with_version else (1, 2, 3))
        self.runner.comment(
            actor, target, self.pick_version(data, target) if with_version else None
        )
        self.after_statement()

    @rule(
        data=st.data(),
        actor=actors,
        with_version=st.booleans(),
        unset=st.booleans(),
        form=st.integers(0, 1),
    )
    def tag(self, data, actor, with_version, unset, form):
        target = self.pick(data, (3,) if with_version else (1, 2, 3))
        version = self.pick_version(data, target) if with_version else None
        self.runner.tag(actor, target, version, unset, form)
        self.after_statement()

    @rule(data=st.data(), actor=actors, copy_from=st.booleans())
    def add_version(self, data, actor, copy_from):
        m = self.pick(data, (3,))
        source = None
        if copy_from:
            src = self.pick(data, (3,))
            source = (src, self.pick_version(data, src))
        self.runner.add_version(actor, m, source)
        self.after_statement()

    @rule(data=st.data(), actor=actors)
    def drop_version(self, data, actor):
        m = self.pick(data, (3,))
        self.runner.drop_version(actor, m, self.pick_version(data, m))
        self.after_statement()

    @rule(data=st.data(), actor=actors, alias=st.sampled_from(ALIASES), drop=st.booleans())
    def alias(self, data, actor, alias, drop):
        m = self.pick(data, (3,))
        self.runner.alias(actor, m, alias, None if drop else self.pick_version(data, m))
        self.after_statement()

    @rule(data=st.data(), actor=actors, new_name=st.sampled_from(MODEL_NAMES))
    def rename(self, data, actor, new_name):
        self.runner.rename(actor, self.pick(data, (3,)), new_name)
        self.after_statement()

    @rule(data=st.data(), actor=actors, with_version=st.booleans())
    def describe(self, data, actor, with_version):
        target = self.pick(data, (3,) if with_version else (1, 2, 3))
        self.runner.describe(
            actor, target, self.pick_version(data, target) if with_version else None
        )
        self.after_statement()

    @rule(data=st.data(), actor=actors, form=st.sampled_from(["versions", "get", "get_version"]))
    def read_model(self, data, actor, form):
        m = self.pick(data, (3,))
        self.runner.read_model(actor, m, form, self.pick_version(data, m))
        self.after_statement()

    @rule(data=st.data(), actor=actors)
    def show_in(self, data, actor):
        self.runner.show_in(actor, self.pick(data, (1, 2)))
        self.after_statement()

    @rule(
        data=st.data(), actor=actors, of=st.one_of(st.none(), st.sampled_from(GRANTEES + ["zed"]))
    )
    def show_grants(self, data, actor, of):
        target = (
            ()
            if data.draw(st.integers(0, 9), label="metastore?") == 0
            else self.pick(data, (1, 2, 3))
        )
        kind_word = KIND[len(target)]
        if kind_word == "MODEL" and data.draw(st.booleans(), label="FUNCTION?"):
            kind_word = "FUNCTION"
        self.runner.show_grants(actor, target, of, kind_word)
        self.after_statement()

    @rule(actor=actors, of=st.sampled_from(GRANTEES + ["zed"]))
    def show_grants_to(self, actor, of):
        self.runner.show_grants_to(actor, of)
        self.after_statement()

    @rule(
        actor=actors,
        group=st.sampled_from(GROUPS + [AU]),
        add=st.booleans(),
        member=st.sampled_from(USERS[1:] + GROUPS + [AU]),
    )
    def alter_group(self, actor, group, add, member):
        kind = "GROUP" if member in GROUPS or member == AU else "USER"
        self.runner.alter_group(actor, group, add, kind, [member])
        self.after_statement()

    @rule(
        actor=actors, group=st.sampled_from(GROUPS), drop=st.booleans(), if_not_exists=st.booleans()
    )
    def group_lifecycle(self, actor, group, drop, if_not_exists):
        if drop:
            self.runner.drop_group(actor, group)
        else:
            self.runner.create_group(actor, group, if_not_exists)
        self.after_statement()

    @rule(actor=actors)
    def read_audit(self, actor):
        self.runner.read_audit(actor)
        self.after_statement()


PrivilegeMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
TestPrivilegeMachine = PrivilegeMachine.TestCase
