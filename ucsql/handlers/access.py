"""Grants, groups and SHOW GRANTS."""

from __future__ import annotations

from sqlglot import exp

from .. import names
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


def _privileges(ctx: Context, node: exp.Expression, target: Securable) -> list[str]:
    privileges = [names.privilege(p.this.name if isinstance(p, exp.GrantPrivilege) else p.name)
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


def grant(ctx: Context, node: exp.Expression) -> Result:
    target = _grant_target(ctx, node)
    ctx.authorize("MANAGE", target, what=f"grant privileges on {target}")
    privileges = _privileges(ctx, node, target)
    grantees = _principals(node)
    for grantee in grantees:
        grantee_id = ctx.principal_id(grantee)
        for privilege in privileges:
            ctx.q("insert_grant", securable_id=target.id, principal_id=grantee_id,
                  privilege=privilege, by=ctx.principal)
    ctx.detail = f"{', '.join(privileges)} to {', '.join(grantees)}"
    return Result.done(f"Granted {', '.join(privileges)} on {target} to {', '.join(grantees)}.")


def revoke(ctx: Context, node: exp.Expression) -> Result:
    """Revoking a grant that does not exist succeeds and changes nothing (there is no DENY)."""
    target = _grant_target(ctx, node)
    ctx.authorize("MANAGE", target, what=f"revoke privileges on {target}")
    privileges = _privileges(ctx, node, target)
    grantees = _principals(node)
    for grantee in grantees:
        for privilege in privileges:
            ctx.q("delete_grant", securable_id=target.id, principal=grantee, privilege=privilege)
    ctx.detail = f"{', '.join(privileges)} from {', '.join(grantees)}"
    return Result.done(f"Revoked {', '.join(privileges)} on {target} from {', '.join(grantees)}.")


def _admin_only(ctx: Context, what: str) -> None:
    ctx.authorize("ADMIN", ctx.resolve("METASTORE", None), what=what)


def _group(ctx: Context, identifier: exp.Expression) -> tuple[str, dict | None]:
    name = names.principal_name(identifier.name)
    ctx.audit_kind, ctx.audit_name = "GROUP", name
    return name, ctx.one("principal_by_name", name=name)


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
    owned = ctx.q("owned_by", principal_id=row["principal_id"])
    if owned:
        shown = ", ".join(f"{k.lower()} {n}" for k, n in owned[:3])
        raise InvalidArgument(f"Group {name} owns {shown}{' ...' if len(owned) > 3 else ''}; "
                              "transfer ownership (ALTER ... OWNER TO) before dropping it.")
    ctx.q("delete_group", principal_id=row["principal_id"])
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
            member_id = ctx.principal_id(member, "USER")
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
    return Result(ctx.table("show_grants_on", securable_id=target.id, principal=principal))


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
    return Result(ctx.table("show_grants_to", principal=principal))
