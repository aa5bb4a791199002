"""Model versions and aliases."""

from __future__ import annotations

from pathlib import Path

from sqlglot import exp

from .. import names
from ..engine import Context, storage_root_for
from ..errors import InvalidArgument, NotFound
from ..mlmodel import read_mlmodel
from ..result import Result
from .namespace import _existing_version


def add_model_version(ctx: Context, node: exp.Expression) -> Result:
    """ALTER MODEL m ADD VERSION FROM 'dir': copy the files, then record a READY version.

    The copy goes to a staging folder first (once, even if a write conflict retries the
    transaction); it is renamed into place just before the commit that records the version, so
    a READY version always has complete files and a crash leaves only unreferenced folders.
    """
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("CREATE_MODEL_VERSION", model, what=f"add a version to {model}")
    source = ctx.text(node.args["source"])
    storage = ctx.engine.storage
    staged = ctx.memo.get("staged")
    if staged is None:
        read_mlmodel(source)
        root = storage_root_for(ctx, model)
        staged = storage.stage(Path(source).expanduser(), root)
        ctx.memo.update(staged=staged, root=root)
        ctx.memo.setdefault("discard_on_failure", []).append(lambda: storage.discard(staged))
    version = ctx.one("allocate_version", model_id=model.id)["version"]
    location = storage.publish(staged, ctx.memo["root"], model.id)
    ctx.on_rollback(lambda: Path(location).rename(staged))
    ctx.q("insert_model_version", model_id=model.id, version=version,
          source=str(Path(source).expanduser().resolve()), run_id=ctx.text(node.args.get("run_id")),
          storage_location=location, comment=names.comment(ctx.text(node.args.get("comment"))),
          by=ctx.principal)
    ctx.audit_name = f"{model.full_name} version {version}"
    return Result.done(f"Created version {version} of model {model.full_name}.")


def drop_model_version(ctx: Context, node: exp.Expression) -> Result:
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("MANAGE", model, what=f"delete a version of {model}")
    number = _existing_version(ctx, model, ctx.value(node.args["version"]))
    location = ctx.one("model_version", model_id=model.id, version=number)["storage_location"]
    ctx.q("delete_model_version", model_id=model.id, version=number)
    if location:
        ctx.after_commit(lambda: ctx.engine.storage.discard(location))
    ctx.audit_name = f"{model.full_name} version {number}"
    return Result.done(f"Dropped version {number} of model {model.full_name}.")


def set_alias(ctx: Context, node: exp.Expression) -> Result:
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("MANAGE_ALIAS", model, what=f"set an alias on {model}")
    alias = names.alias(node.args["alias"].name)
    number = _existing_version(ctx, model, ctx.value(node.args["version"]))
    ctx.q("upsert_alias", model_id=model.id, alias=alias, version=number, by=ctx.principal)
    count = ctx.one("count_aliases", model_id=model.id)["n"]
    if count > names.MAX_ALIASES:
        raise InvalidArgument(f"Model {model.full_name} would have {count} aliases; a model has at "
                              f"most {names.MAX_ALIASES}. Drop one with ALTER MODEL "
                              f"{model.full_name} DROP ALIAS <alias>.")
    ctx.detail = f"{alias} -> version {number}"
    return Result.done(f"Alias {alias} of {model.full_name} now points to version {number}.")


def drop_alias(ctx: Context, node: exp.Expression) -> Result:
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("MANAGE_ALIAS", model, what=f"drop an alias of {model}")
    alias = node.args["alias"].name
    if not ctx.one("delete_alias", model_id=model.id, alias=alias):
        raise NotFound(f"Model {model.full_name} has no alias {alias}. "
                       f"Use DESCRIBE MODEL {model.full_name} to see its aliases.")
    return Result.done(f"Dropped alias {alias} of {model.full_name}.")
