"""Catalogs, schemas and models as objects: create, drop, rename, comment, owner, tags."""

from __future__ import annotations

import shutil

from sqlglot import exp

from .. import events, names, storage
from ..engine import Context, Securable
from ..errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from ..result import Result
from .access import known_principal

_PARENT = {"CATALOG": "METASTORE", "SCHEMA": "CATALOG", "MODEL": "SCHEMA"}
_CREATE_OPERATION = {"CATALOG": "CREATE_CATALOG", "SCHEMA": "CREATE_SCHEMA", "MODEL": "CREATE_MODEL"}


def _kind(node: exp.Expression) -> str:
    kind = str(node.args["kind"]).upper()
    return {"FUNCTION": "MODEL", "DATABASE": "SCHEMA"}.get(kind, kind)


def _parent(ctx: Context, kind: str, table: exp.Expression) -> tuple[Securable, str]:
    """The securable that will contain a new object, and the new object's own name part."""
    catalog, schema, model = ctx.path(kind, table)
    own = {"CATALOG": catalog, "SCHEMA": schema, "MODEL": model}[kind]
    if kind == "CATALOG":
        parent = ctx.resolve("METASTORE", None)
    else:
        parent_table = exp.Table(this=exp.to_identifier(schema if kind == "MODEL" else catalog),
                                 db=exp.to_identifier(catalog) if kind == "MODEL" else None)
        parent = ctx.resolve(_PARENT[kind], parent_table)
    ctx.audit_kind = kind
    ctx.audit_name = ".".join(p for p in (catalog, schema, model) if p)
    return parent, own


def create_securable(ctx: Context, node: exp.Expression) -> Result:
    """CREATE CATALOG | SCHEMA | MODEL. Creating what already exists changes nothing, so a
    caller that knows the object (may see it, or may add versions to the model) is told it
    exists, or, with IF NOT EXISTS, succeeds, without needing the privilege to create it;
    anyone else gets the usual check, which does not reveal that it exists."""
    kind = _kind(node)
    parent, own = _parent(ctx, kind, node.this)
    full_name = ctx.audit_name
    existing = ctx.one("child_by_name", parent_id=parent.id, name=own)
    if existing:
        known = Securable(existing["securable_id"], kind, full_name)
        if ctx.allowed("KNOW", known):  # the rule: sql/session/06_authorize.sql
            if node.args.get("exists"):
                ctx.detail = "already existed"
                return Result.done(f"{kind.title()} {full_name} already exists.")
            raise AlreadyExists(f"{kind.title()} {full_name} already exists. "
                                f"Use CREATE {kind} IF NOT EXISTS to ignore this.")
    ctx.authorize(_CREATE_OPERATION[kind], parent, what=f"create {kind.lower()} {full_name}")
    if existing:
        raise AlreadyExists(f"{kind.title()} {full_name} already exists. "
                            f"Use CREATE {kind} IF NOT EXISTS to ignore this.")
    location = ctx.text(node.args.get("location"))
    if location is not None:
        location = _managed_location(ctx, kind, ctx.server_path(location, "MANAGED LOCATION", writes=True))
    row = ctx.one("insert_securable", kind=kind, parent_id=parent.id, name=own,
                  owner_id=ctx.principal_id(ctx.principal),
                  comment=names.comment(ctx.text(node.args.get("comment"))),
                  storage_root=location, by=ctx.principal)
    if kind == "MODEL":
        events.model_created(ctx, Securable(row["securable_id"], kind, full_name, None,
                                            parent.id), row["comment"])
    return Result.done(f"Created {kind.lower()} {full_name}.",
                       {"kind": kind, "full_name": full_name, **row})


def _managed_location(ctx: Context, kind: str, text: str) -> str:
    """MANAGED LOCATION decides where files are written and what gc may delete there, so choosing
    one is a privilege of its own (CREATE_MANAGED_STORAGE on the metastore, or the admin), and
    the folder must be this metastore's own (ucsql.storage.managed_location). It is created, with
    the metastore's marker, in the statement's transaction (removed again if that rolls back)."""
    if kind == "MODEL":
        raise InvalidArgument("A model has no MANAGED LOCATION; set it on its schema or catalog.")
    metastore = ctx.engine.metastore
    ctx.authorize("CREATE_MANAGED_STORAGE", ctx.resolve("METASTORE", None),
                  what=f"choose a MANAGED LOCATION for {kind.lower()} {ctx.audit_name}")
    others = [(f"{r['kind'].lower()} {r['full_name']}",
               storage.resolve(r["storage_root"], metastore.storage_root).resolve())
              for r in ctx.table("managed_locations").to_pylist()]
    path = storage.managed_location(text, metastore.storage_root, others, metastore.metastore_id)
    created = not path.exists()
    storage.claim_root(path, metastore.metastore_id)
    if created:
        ctx.on_rollback(lambda: shutil.rmtree(path, ignore_errors=True))
    return str(path)


def drop_securable(ctx: Context, node: exp.Expression) -> Result:
    kind = _kind(node)
    try:
        target = ctx.resolve(kind, node.this)
    except NotFound:
        if node.args.get("exists"):
            ctx.detail = "did not exist"
            return Result.done(f"{kind.title()} {ctx.audit_name} does not exist; nothing dropped.")
        raise
    ctx.authorize("MANAGE", target, what=f"drop {kind.lower()} {target.full_name}")
    if kind != "MODEL" and not node.args.get("cascade"):
        children = ctx.q("children", parent_id=target.id)
        if children:
            shown = ", ".join(f"{c[0].lower()} {c[1]}" for c in children[:3])
            raise InvalidArgument(
                f"{kind.title()} {target.full_name} is not empty (it contains {shown}"
                f"{' ...' if len(children) > 3 else ''}). Drop those first, or use "
                f"DROP {kind} {target.full_name} CASCADE.")
    default = ctx.engine.metastore.storage_root
    locations = [storage.resolve(r[0], default)
                 for r in ctx.q("storage_locations_under", securable_id=target.id)]
    # Every model the drop removes (one, or a CASCADE's) says so, before its rows go.
    dropped = ([target] if kind == "MODEL" else
               [Securable(r["securable_id"], "MODEL", r["full_name"], None, r["schema_id"])
                for r in ctx.table("models_under", securable_id=target.id).to_pylist()])
    ctx.q("delete_securable_tree", securable_id=target.id)
    for model in dropped:
        events.record(ctx, "registered_model.deleted", model, {"name": model.full_name})
    files = ctx.engine.storage
    # Files go only once the rows are gone for good; a crash in between leaves unreferenced
    # folders, which are garbage by definition.
    ctx.after_commit(lambda: _discard_all(files, [loc for loc in locations if loc], ctx))
    return Result.done(f"Dropped {kind.lower()} {target.full_name}.")


def _discard_all(storage, locations: list[str], ctx: Context) -> None:
    """Remove the files of dropped versions, telling ``ctx.progress`` (a CASCADE can drop many)."""
    for done, location in enumerate(locations, 1):
        storage.discard(location)
        if ctx.progress:
            ctx.progress(done, len(locations), "versions")


def comment_on(ctx: Context, node: exp.Expression) -> Result:
    kind = _kind(node)
    target = ctx.resolve(kind, node.this)
    ctx.authorize("MANAGE", target, what=f"comment on {target}")
    text = names.comment(ctx.text(node.args.get("comment")))
    version = node.args.get("version")
    if version is not None:
        number = _existing_version(ctx, target, ctx.value(version))
        ctx.q("update_version_comment", model_id=target.id, version=number, comment=text,
              by=ctx.principal)
        return Result.done(f"Comment set on {target.full_name} version {number}.")
    ctx.q("update_comment", securable_id=target.id, comment=text, by=ctx.principal)
    return Result.done(f"Comment set on {kind.lower()} {target.full_name}.")


def set_owner(ctx: Context, node: exp.Expression) -> Result:
    kind = _kind(node)
    target = ctx.resolve(kind, node.this)
    new_owner = node.args["principal"].name
    ctx.authorize("MANAGE", target, what=f"transfer ownership of {target}")  # names what is missing
    if not ctx.allowed("TRANSFER_OWNERSHIP", target, subject=new_owner):  # the rule: 06_authorize
        raise _transfer_refused(ctx, target, new_owner)
    ctx.q("update_owner", securable_id=target.id, owner_id=known_principal(ctx, new_owner),
          by=ctx.principal)
    return Result.done(f"{target} is now owned by {new_owner}.")


def _transfer_refused(ctx: Context, target: Securable, new_owner: str):
    return PermissionDenied(
        f"Permission denied: {ctx.principal} cannot transfer ownership of {target} to "
        f"{new_owner}: only the metastore admin may give an object to another principal; you may "
        "transfer it to yourself or to a group you belong to.",
        principal=ctx.principal, operation=ctx.action, securable=str(target),
        missing="metastore admin")


def rename_model(ctx: Context, node: exp.Expression) -> Result:
    target = ctx.resolve("MODEL", node.this)
    catalog, schema, _ = ctx.path("MODEL", node.this)
    new = node.args["to"]
    parts = [p.name for p in (new.args.get("catalog"), new.args.get("db"), new.this) if p is not None]
    if len(parts) == 3 and [names.securable_name(p, "model") for p in parts[:2]] != [catalog, schema]:
        raise InvalidArgument(f"RENAME TO {'.'.join(parts)} would move the model to another schema; "
                              f"a model can only be renamed within {catalog}.{schema}.")
    if len(parts) == 2:
        raise InvalidArgument(f"RENAME TO {'.'.join(parts)}: give the new model name alone or "
                              f"its full three-part name ({catalog}.{schema}.<name>).")
    new_name = names.securable_name(parts[-1], "model")
    ctx.authorize("RENAME", target, what=f"rename {target}")
    if ctx.one("child_by_name", parent_id=target.schema_id, name=new_name):
        raise AlreadyExists(f"Model {catalog}.{schema}.{new_name} already exists; choose another name.")
    ctx.q("rename_securable", securable_id=target.id, name=new_name, by=ctx.principal)
    renamed = Securable(target.id, "MODEL", f"{catalog}.{schema}.{new_name}", target.catalog_id,
                        target.schema_id)
    events.record(ctx, "registered_model.renamed", renamed,
                  {"name": renamed.full_name, "previous_name": target.full_name})
    ctx.detail = f"renamed to {catalog}.{schema}.{new_name}"
    return Result.done(f"Renamed model {target.full_name} to {catalog}.{schema}.{new_name}.")


def _tag_pairs(ctx: Context, node: exp.Expression) -> list[tuple[str, str | None]]:
    pairs = []
    for pair in node.expressions:
        key = names.tag_key(str(ctx.value(pair.this)))
        value = ctx.value(pair.args.get("expression"))
        pairs.append((key, names.tag_value(key, None if value is None else str(value))))
    return pairs


def set_tags(ctx: Context, node: exp.Expression) -> Result:
    kind = _kind(node)
    target = ctx.resolve(kind, node.this)
    ctx.authorize("APPLY_TAG", target, what=f"set tags on {target}")
    pairs = _tag_pairs(ctx, node)
    version = node.args.get("version")
    if version is not None:
        number = _existing_version(ctx, target, ctx.value(version))
        for key, value in pairs:
            ctx.q("upsert_version_tag", model_id=target.id, version=number, key=key, value=value,
                  by=ctx.principal)
        count = ctx.one("count_version_tags", model_id=target.id, version=number)["n"]
        where = f"{target.full_name} version {number}"
        events.tags_set(ctx, target, number, pairs)
    else:
        for key, value in pairs:
            ctx.q("upsert_securable_tag", securable_id=target.id, key=key, value=value,
                  by=ctx.principal)
        count = ctx.one("count_securable_tags", securable_id=target.id)["n"]
        where = str(target)
        if kind == "MODEL":
            events.tags_set(ctx, target, None, pairs)
    if count > names.MAX_TAGS:
        raise InvalidArgument(f"{where} would have {count} tags; an object has at most "
                              f"{names.MAX_TAGS}. Remove some with UNSET TAGS first.")
    return Result.done(f"Set {len(pairs)} tag{'s' if len(pairs) != 1 else ''} on {where}.")


def unset_tags(ctx: Context, node: exp.Expression) -> Result:
    kind = _kind(node)
    target = ctx.resolve(kind, node.this)
    ctx.authorize("APPLY_TAG", target, what=f"unset tags on {target}")
    keys = [names.tag_key(str(ctx.value(k))) for k in node.expressions]
    version = node.args.get("version")
    if version is not None:
        number = _existing_version(ctx, target, ctx.value(version))
        # Events only for the tags that were there: unsetting an absent one changes nothing.
        gone = [key for key in keys
                if ctx.q("delete_version_tag", model_id=target.id, version=number, key=key)]
        events.tags_deleted(ctx, target, number, gone)
    else:
        gone = [key for key in keys
                if ctx.q("delete_securable_tag", securable_id=target.id, key=key)]
        if kind == "MODEL":
            events.tags_deleted(ctx, target, None, gone)
    return Result.done(f"Unset {len(keys)} tag{'s' if len(keys) != 1 else ''} on {target.full_name}.")


def _existing_version(ctx: Context, model: Securable, value) -> int:
    if model.kind != "MODEL":
        raise InvalidArgument(f"VERSION applies to models only, not to {model}.")
    number = names.version_number(value)
    if not ctx.one("model_version", model_id=model.id, version=number):
        raise version_not_found(ctx, model, number)
    return number


def version_not_found(ctx: Context, model: Securable, number: int) -> NotFound:
    latest = ctx.one("latest_version", model_id=model.id)["latest"]
    hint = f"latest is {latest}" if latest is not None else "it has no versions"
    return NotFound(f"Model {model.full_name} has no version {number} ({hint}). "
                    f"Use SHOW VERSIONS IN MODEL {model.full_name}.")
