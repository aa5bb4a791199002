"""Grants, users, groups and SHOW GRANTS."""

from __future__ import annotations

import difflib

from sqlglot import exp

from .. import events, names
from ..dialect import did_you_mean, quote_name
from ..engine import Context, Securable
from ..errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from ..result import Result

ACCOUNT_USERS = "account users"


def _grant_target(ctx: Context, node: exp.Expression) -> Securable:
    kind = str(node.args.get("kind") or "").upper()
    if kind not in ("METASTORE", "CATALOG", "SCHEMA", "FUNCTION", "MODEL"):
        raise InvalidArgument(f"Cannot grant on {kind or 'that'}: privileges are granted ON "
                              "METASTORE, CATALOG, SCHEMA or FUNCTION (MODEL).")
    target = ctx.resolve(kind, node.args.get("securable"))
    if target.kind == "METASTORE":
        ctx.audit_kind, ctx.audit_name = "METASTORE", "metastore"
    return target


# Privileges of other catalogs that a model does not have, and what to grant instead.
_NOT_FOR_MODELS = {
    "SELECT": "EXECUTE (to load a model) or BROWSE (to see it)",
    "MODIFY": "CREATE MODEL VERSION (to add versions) or MANAGE",
    "USAGE": "USE CATALOG or USE SCHEMA",
    "READ METADATA": "BROWSE",
    "OWNERSHIP": "nothing: transfer ownership with ALTER ... OWNER TO",
}


def _privilege(text: str) -> str:
    """``names.privilege``, with a "did you mean" for a misspelled or foreign privilege."""
    try:
        return names.privilege(text)
    except InvalidArgument as error:
        spelled = " ".join(text.upper().replace("_", " ").split())
        known = [p.replace("_", " ") for p in names.PRIVILEGES]
        match = spelled if spelled in _NOT_FOR_MODELS else did_you_mean(
            spelled, [*known, *_NOT_FOR_MODELS])
        if match in _NOT_FOR_MODELS:
            raise InvalidArgument(f"Unknown privilege {text!r}: models have no {match} privilege; "
                                  f"grant {_NOT_FOR_MODELS[match]}.") from None
        if match:
            raise InvalidArgument(f"Unknown privilege {text!r}; did you mean {match}? "
                                  f"Privileges are: {', '.join(names.PRIVILEGES)}.") from None
        raise error from None


def _privileges(ctx: Context, node: exp.Expression, target: Securable) -> list[str]:
    privileges = [_privilege(p.this.name if isinstance(p, exp.GrantPrivilege) else p.name)
                  for p in node.args["privileges"]]
    for privilege in privileges:
        if not ctx.one("privilege_applies", privilege=privilege, kind=target.kind)["applies"]:
            allowed = ctx.one("privileges_for_kind", kind=target.kind)["privileges"]
            raise InvalidArgument(f"{privilege} cannot be granted on a {target.kind.lower()}; "
                                  f"on {target} you can grant {', '.join(allowed)}.")
    return privileges


def _principals(node: exp.Expression) -> list[str]:
    return [names.principal_name(p.this.name if isinstance(p, exp.GrantPrincipal) else p.name)
            for p in node.args["principals"]]


def known_principal(ctx: Context, name: str, kind: str | None = None) -> int:
    """The id of the principal ``name`` that a GRANT, ALTER GROUP ... ADD USER (``kind`` USER)
    or OWNER TO names: a recorded user or group, or a user that has connected (it ran
    statements) and is recorded now (sql/queries/principal_seen.sql). A name the metastore has
    never seen is refused, with the close matches and how to create it: a typo must not become
    a new principal holding privileges nobody meant to give."""
    names.principal_name(name)
    row = ctx.one("principal_by_name", name=name)
    if row is not None:
        return row["principal_id"]
    if name != ctx.principal:
        # Rows of reads that wait to be written (ucsql.audit) count: write them first, in this
        # transaction (put back if it rolls back).
        audit = ctx.engine.metastore.audit
        waiting = audit.write_waiting(ctx.cur)
        ctx.on_rollback(lambda: audit.restore(waiting))
        if not ctx.one("principal_seen", name=name)["seen"]:
            raise _unknown(ctx, name, kind)
    return ctx.principal_id(name, "USER")


def _unknown(ctx: Context, name: str, kind: str | None = None) -> NotFound:
    """The error for a principal the metastore has never seen."""
    candidates = [row[0] for row in ctx.q("principal_names", principal=ctx.principal)
                  if row[0] != name]  # a user dropped since it last connected
    close = [quote_name(c) for c in difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)]
    guess = f" Did you mean {' or '.join(close)}?" if close else ""
    create = (f"CREATE USER {quote_name(name)}" if kind == "USER" else
              f"CREATE USER {quote_name(name)} or CREATE GROUP {quote_name(name)}")
    who = ("Create it with" if ctx.allowed("ADMIN", ctx.resolve("METASTORE", None))
           else "The metastore admin can create it with")
    return NotFound(f"{'User' if kind == 'USER' else 'Principal'} {name} is unknown to this "
                    f"metastore: no statement created it and it has not connected.{guess} "
                    f"{who} {create}.")


def grant(ctx: Context, node: exp.Expression) -> Result:
    target = _grant_target(ctx, node)
    ctx.authorize("MANAGE", target, what=f"grant privileges on {target}")
    privileges = _privileges(ctx, node, target)
    grantees = _principals(node)
    new = []  # (privilege, grantee) pairs not granted before: what the event reports
    for grantee in grantees:
        grantee_id = known_principal(ctx, grantee)
        for privilege in privileges:
            if ctx.q("insert_grant", securable_id=target.id, principal_id=grantee_id,
                     privilege=privilege, by=ctx.principal):
                new.append((privilege, grantee))
    ctx.detail = f"{', '.join(privileges)} to {', '.join(grantees)}"
    _grant_event(ctx, "grant.created", target, new)
    return Result.done(f"Granted {', '.join(privileges)} on {target} to {', '.join(grantees)}.")


def revoke(ctx: Context, node: exp.Expression) -> Result:
    """Revoking a grant that does not exist succeeds and changes nothing (there is no DENY)."""
    target = _grant_target(ctx, node)
    ctx.authorize("MANAGE", target, what=f"revoke privileges on {target}")
    privileges = _privileges(ctx, node, target)
    grantees = _principals(node)
    gone = []
    for grantee in grantees:
        for privilege in privileges:
            if ctx.q("delete_grant", securable_id=target.id, principal=grantee,
                     privilege=privilege):
                gone.append((privilege, grantee))
    ctx.detail = f"{', '.join(privileges)} from {', '.join(grantees)}"
    _grant_event(ctx, "grant.deleted", target, gone)
    return Result.done(f"Revoked {', '.join(privileges)} on {target} from {', '.join(grantees)}.")


def _grant_event(ctx: Context, event_type: str, target: Securable,
                 changed: list[tuple[str, str]]) -> None:
    """One event for the grants a GRANT made (or a REVOKE removed); none if it changed nothing
    (granting again, revoking what was not granted)."""
    if changed:
        events.record(ctx, event_type, target, {
            "securable_type": target.kind, "securable": target.full_name,
            "privileges": sorted({p for p, _ in changed}),
            "principals": list(dict.fromkeys(g for _, g in changed))})


def _admin_only(ctx: Context, what: str) -> None:
    ctx.authorize("ADMIN", ctx.resolve("METASTORE", None), what=what)


def _group(ctx: Context, identifier: exp.Expression, kind: str = "GROUP") -> tuple[str, dict | None]:
    name = names.principal_name(identifier.name)
    ctx.audit_kind, ctx.audit_name = kind, name
    return name, ctx.one("principal_by_name", name=name)


def create_user(ctx: Context, node: exp.Expression) -> Result:
    """CREATE USER: record a user before it first connects, so that it can be granted
    privileges and added to groups (a user that connects is known without it)."""
    name, row = _group(ctx, node.this, "USER")
    _admin_only(ctx, f"create user {name}")
    if row is not None:
        if row["kind"] == "GROUP":
            raise AlreadyExists(f"{name} is already a group; a user needs a name of its own.")
        if node.args.get("exists"):
            return Result.done(f"User {name} already exists.")
        raise AlreadyExists(f"User {name} already exists. Use CREATE USER IF NOT EXISTS to "
                            "ignore this.")
    ctx.q("insert_principal", name=name, kind="USER", by=ctx.principal)
    return Result.done(f"Created user {name}.")


def drop_user(ctx: Context, node: exp.Expression) -> Result:
    """DROP USER: forget a user, its grants and its memberships. It must own nothing. A user
    dropped is unknown again until it connects or is created anew."""
    name, row = _group(ctx, node.this, "USER")
    _admin_only(ctx, f"drop user {name}")
    if row is None or row["kind"] != "USER":
        if row is None and node.args.get("exists"):
            return Result.done(f"User {name} does not exist; nothing dropped.")
        if row is not None:
            raise InvalidArgument(f"{name} is a group; drop it with DROP GROUP {quote_name(name)}.")
        raise NotFound(f"User {name} does not exist. Use DROP USER IF EXISTS to ignore this.")
    _owns_nothing(ctx, "User", name, row["principal_id"])
    ctx.q("delete_principal", principal_id=row["principal_id"])
    return Result.done(f"Dropped user {name}.")


def _owns_nothing(ctx: Context, kind: str, name: str, principal_id: int) -> None:
    owned = ctx.q("owned_by", principal_id=principal_id)
    if owned:
        shown = ", ".join(f"{k.lower()} {n}" for k, n in owned[:3])
        raise InvalidArgument(f"{kind} {name} owns {shown}{' ...' if len(owned) > 3 else ''}; "
                              "transfer ownership (ALTER ... OWNER TO) before dropping it.")


def create_group(ctx: Context, node: exp.Expression) -> Result:
    name, row = _group(ctx, node.this)
    _admin_only(ctx, f"create group {name}")
    if row is not None:
        if row["kind"] == "USER":
            raise AlreadyExists(f"{name} is already a user; a group needs a name of its own.")
        if node.args.get("exists"):
            return Result.done(f"Group {name} already exists.")
        raise AlreadyExists(f"Group {name} already exists. Use CREATE GROUP IF NOT EXISTS to "
                            "ignore this.")
    ctx.q("insert_principal", name=name, kind="GROUP", by=ctx.principal)
    return Result.done(f"Created group {name}.")


def drop_group(ctx: Context, node: exp.Expression) -> Result:
    name, row = _group(ctx, node.this)
    _admin_only(ctx, f"drop group {name}")
    if row is None or row["kind"] != "GROUP":
        if node.args.get("exists"):
            return Result.done(f"Group {name} does not exist; nothing dropped.")
        raise NotFound(f"Group {name} does not exist. Use SHOW GROUPS.")
    if name == ACCOUNT_USERS:
        raise InvalidArgument("`account users` is built in and cannot be dropped.")
    _owns_nothing(ctx, "Group", name, row["principal_id"])
    ctx.q("delete_principal", principal_id=row["principal_id"])
    return Result.done(f"Dropped group {name}.")


def alter_group(ctx: Context, node: exp.Expression) -> Result:
    name, row = _group(ctx, node.this)
    action = str(node.args["action"]).upper()
    member_kind = str(node.args["member_kind"]).upper()
    _admin_only(ctx, f"change the members of group {name}")
    if row is None or row["kind"] != "GROUP":
        raise NotFound(f"Group {name} does not exist. Create it with CREATE GROUP `{name}`.")
    if name == ACCOUNT_USERS:
        raise InvalidArgument("`account users` always contains every principal; its members "
                              "cannot be changed.")
    members = [names.principal_name(m.name) for m in node.expressions]
    for member in members:
        existing = ctx.one("principal_by_name", name=member)
        if existing is not None and existing["kind"] != member_kind:
            raise InvalidArgument(f"{member} is a {existing['kind'].lower()}, not a "
                                  f"{member_kind.lower()}; use {action} {existing['kind']} {member}.")
        if action == "DROP":
            if existing is not None:
                ctx.q("delete_member", group_id=row["principal_id"], member_id=existing["principal_id"])
            continue
        if member_kind == "GROUP":
            if existing is None:
                raise NotFound(f"Group {member} does not exist. Create it with CREATE GROUP `{member}`.")
            if ctx.one("principal_in_closure", principal=name, member=member)["member"]:
                raise InvalidArgument(f"Adding group {member} to {name} would make a cycle: "
                                      f"{name} is already inside {member}.")
            member_id = existing["principal_id"]
        else:
            member_id = known_principal(ctx, member, "USER")
        ctx.q("insert_member", group_id=row["principal_id"], member_id=member_id, by=ctx.principal)
    verb = "Added" if action == "ADD" else "Removed"
    return Result.done(f"{verb} {', '.join(members)} {'to' if action == 'ADD' else 'from'} group {name}.")


def show_grants(ctx: Context, node: exp.Expression) -> Result:
    """SHOW GRANTS [principal] ON x: direct grants and grants inherited from the enclosing
    schema and catalog (objectType/objectKey name the securable they were made on). Anyone may
    list the grants of itself or of a group it belongs to (operation SHOW_GRANTS)."""
    kind = str(node.args["kind"]).upper()
    target = ctx.resolve(kind, node.args.get("this"))
    principal = node.args["principal"].name if node.args.get("principal") else None
    ctx.authorize("SHOW_GRANTS", target, what=f"show the grants on {target}", subject=principal)
    if principal is not None:
        _must_be_known(ctx, principal)
    return ctx.result("show_grants_on", securable_id=target.id, principal=principal)


def show_grants_to(ctx: Context, node: exp.Expression) -> Result:
    """SHOW GRANTS TO principal: the admin, or anyone for itself or its group (SHOW_GRANTS_TO)."""
    principal = names.principal_name(node.args["principal"].name)
    ctx.audit_kind, ctx.audit_name = "PRINCIPAL", principal
    if not ctx.allowed("SHOW_GRANTS_TO", ctx.resolve("METASTORE", None), subject=principal):
        raise PermissionDenied(
            f"Permission denied: {ctx.principal} cannot show the grants of {principal}: only the "
            "metastore admin may list another principal's grants.",
            principal=ctx.principal, operation=ctx.action, securable=principal,
            missing="metastore admin")
    _must_be_known(ctx, principal)
    return ctx.result("show_grants_to", principal=principal)


def _must_be_known(ctx: Context, name: str) -> None:
    """SHOW GRANTS of a principal never seen says so, rather than listing what every principal
    gets through `account users`. The caller is known: it is here."""
    if name == ctx.principal or ctx.one("principal_by_name", name=name) is not None:
        return
    if not ctx.one("principal_seen", name=name)["seen"]:
        raise _unknown(ctx, name)
