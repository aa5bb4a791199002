"""Model versions and aliases."""

from __future__ import annotations

import json
import functools
from pathlib import Path
from typing import TYPE_CHECKING

from sqlglot import exp

from .. import events, names, storage
from ..engine import Context, storage_root_for
from ..errors import InvalidArgument, NotFound, PermissionDenied
from ..metastore import record_manifest
from ..mlmodel import read_mlmodel
from ..result import Result
from .namespace import _existing_version

if TYPE_CHECKING:  # imported where used: a statement that needs no Arrow starts faster
    import pyarrow as pa


def add_model_version(ctx: Context, node: exp.Expression) -> Result:
    """ALTER MODEL m ADD VERSION FROM 'dir' | FROM MODEL src VERSION n: copy the files, then
    record a READY version (with its tags and lineage) in the same transaction.

    The copy goes to a staging folder first (once, even if a write conflict retries the
    transaction); it is renamed into place just before the commit that records the version, so
    a READY version always has complete files and a crash leaves only unreferenced folders.
    """
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("CREATE_MODEL_VERSION", model, what=f"add a version to {model}")
    source, recorded_source, run_id, run_link, logged_model_id = _version_source(ctx, node)
    tags = [(names.tag_key(str(ctx.value(p.this))), ctx.value(p.args.get("expression")))
            for p in node.args.get("tags") or []]
    tags = [(k, names.tag_value(k, None if v is None else str(v))) for k, v in tags]
    if len(tags) > names.MAX_TAGS:
        raise InvalidArgument(f"A version may carry at most {names.MAX_TAGS} tags, not {len(tags)}.")
    lineage = _lineage(ctx.text(node.args.get("lineage")))
    copied = "copied_from" in ctx.memo
    if not copied and "staged" not in ctx.memo:  # a copy was checked when first registered
        _refuse_managed_source(ctx, source)
        read_mlmodel(source)
    _stage(ctx, model, Path(source), managed=copied)
    version = ctx.one("allocate_version", model_id=model.id)["version"]
    location = _publish(ctx, model)
    digest = _record_files(ctx, location)
    row = ctx.one("insert_model_version", model_id=model.id, version=version,
                  source=recorded_source, run_id=run_id, run_link=run_link,
                  logged_model_id=logged_model_id, storage_location=location,
                  content_digest=digest,
                  comment=names.comment(ctx.text(node.args.get("comment"))), by=ctx.principal)
    for key, value in tags:
        ctx.q("upsert_version_tag", model_id=model.id, version=version, key=key, value=value,
              by=ctx.principal)
    if lineage:
        ctx.q("insert_lineage", model_id=model.id, version=version, inputs=lineage)
    elif "copied_from" in ctx.memo:
        src_id, src_version, _ = ctx.memo["copied_from"]
        ctx.q("copy_lineage", from_model_id=src_id, from_version=src_version, model_id=model.id,
              version=version)
    ctx.audit_name = f"{model.full_name} version {version}"
    events.version_created(ctx, model, version, recorded_source, run_id, dict(sorted(tags)),
                           row.get("comment"))
    # The new version as GET MODEL VERSION would describe it, less its storage location (which
    # needs EXECUTE), for programs (``details["version"]``): the MLflow façade returns it
    # without reading it back.
    described = {"full_name": model.full_name, "version": version, "source": recorded_source,
                 "run_id": run_id, "run_link": run_link, "logged_model_id": logged_model_id,
                 "status": "READY", "status_message": None, "created_by": ctx.principal,
                 "content_digest": digest,
                 "tags": dict(sorted(tags)), "aliases": [], **row}
    return Result.done(f"Created version {version} of model {model.full_name}.", described)


def import_model_versions(ctx: Context, node: exp.Expression) -> Result:
    """Bulk registration (``Catalog.import_versions``): every row of an Arrow table becomes a
    READY version, numbered next and contiguously, all sharing one copy of an existing version's
    files (hard links, made once). One check, one transaction, one audit row.

    Needs what ADD VERSION ... FROM MODEL needs: CREATE_MODEL_VERSION on the model and EXECUTE on
    the source version's model."""
    import pyarrow as pa
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("CREATE_MODEL_VERSION", model, what=f"add versions to {model}")
    src, number, row = _source_version(ctx, node)
    rows = _import_rows(ctx.value(node.args["versions"]))
    _stage(ctx, model, Path(row["storage_location"]), managed=True)
    counter = ctx.one("allocate_versions", model_id=model.id, count=rows.num_rows)["next_version"]
    first = counter - rows.num_rows
    location = _publish(ctx, model)
    ctx.cur.register("ucsql_import_rows", rows)
    try:
        ctx.q("import_model_versions", model_id=model.id, first=first, storage_location=location,
              by=ctx.principal)
        ctx.q("insert_import_events", model_id=model.id, securable_name=model.full_name,
              schema_id=model.schema_id, first=first, principal=ctx.principal)
        _record_files(ctx, location)
    finally:
        ctx.cur.unregister("ucsql_import_rows")
    last = first + rows.num_rows - 1
    ctx.detail = f"versions {first}-{last} from {src.full_name} version {number}"
    return Result.done(f"Imported {rows.num_rows} versions ({first}-{last}) of model "
                       f"{model.full_name}.", {"full_name": model.full_name, "count": rows.num_rows,
                                               "first_version": first, "last_version": last})


@functools.cache
def _import_schema() -> pa.Schema:
    import pyarrow as pa
    return pa.schema([("n", pa.int64()), ("source", pa.string()), ("run_id", pa.string()),
                      ("comment", pa.string()), ("tags", pa.map_(pa.string(), pa.string()))])


def _import_rows(table) -> pa.Table:
    """The caller's table checked and put in the shape import_model_versions.sql reads."""
    import pyarrow as pa
    if not isinstance(table, pa.Table) or "source" not in table.column_names:
        raise InvalidArgument("import_versions takes a pyarrow Table with a 'source' column (and "
                              "optionally run_id, comment, tags as map<string, string>).")
    extra = set(table.column_names) - {"source", "run_id", "comment", "tags"}
    if extra:
        raise InvalidArgument(f"import_versions: unknown columns {sorted(extra)}; the columns are "
                              "source, run_id, comment, tags.")
    if table.num_rows == 0:
        raise InvalidArgument("import_versions: the table has no rows; nothing to import.")
    if table["source"].null_count:
        raise InvalidArgument("import_versions: every row needs a source (the column has NULLs).")

    def column(name, type_):
        if name not in table.column_names:
            return pa.nulls(table.num_rows, type_)
        try:
            return table[name].cast(type_)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
            raise InvalidArgument(f"import_versions: column {name} must be {type_}: {e}") from None

    tags = column("tags", _import_schema().field("tags").type)
    for i, entries in enumerate(tags.to_pylist()):
        if entries and len(entries) > names.MAX_TAGS:
            raise InvalidArgument(f"import_versions: row {i} has {len(entries)} tags; a version "
                                  f"may carry at most {names.MAX_TAGS}.")
        for key, value in entries or []:
            names.tag_value(names.tag_key(key), value)
    comments = column("comment", pa.string())
    for text in comments.to_pylist():
        names.comment(text)
    return pa.table([pa.array(range(table.num_rows), pa.int64()), column("source", pa.string()),
                     column("run_id", pa.string()), comments, tags], schema=_import_schema())


def reserve_model_version(ctx: Context, node: exp.Expression) -> Result:
    """Unity Catalog's create step (``ReserveModelVersion``): a PENDING_REGISTRATION version,
    numbered now, whose upload folder (its ``storage_location`` until it is finalized) the
    client writes the files into. Needs what ADD VERSION needs. A crash before the commit
    leaves an empty folder no row names (gc removes it)."""
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("CREATE_MODEL_VERSION", model, what=f"add a version to {model}")
    source = names.bounded(ctx.text(node.args.get("source")), "The SOURCE", names.MAX_URI)
    run_id = names.bounded(ctx.text(node.args.get("run_id")), "The RUN id", names.MAX_ID)
    comment = names.comment(ctx.text(node.args.get("comment")))
    folder = ctx.memo.get("upload")
    if folder is None:  # once, even if a write conflict retries the transaction
        folder = storage.upload_folder(storage_root_for(ctx, model),
                                       ctx.engine.metastore.metastore_id, model.id)
        ctx.memo["upload"] = folder
        ctx.memo.setdefault("discard_on_failure", []).append(
            lambda: ctx.engine.storage.discard(folder))
    version = ctx.one("allocate_version", model_id=model.id)["version"]
    location = storage.location(folder, ctx.engine.metastore.storage_root)
    row = ctx.one("insert_pending_model_version", model_id=model.id, version=version,
                  source=source, run_id=run_id, storage_location=location, comment=comment,
                  by=ctx.principal)
    ctx.audit_name = f"{model.full_name} version {version}"
    described = {"full_name": model.full_name, "version": version, "source": source,
                 "run_id": run_id, "status": "PENDING_REGISTRATION", "created_by": ctx.principal,
                 "updated_by": ctx.principal, "storage_location": str(folder), **row}
    return Result.done(f"Created pending version {version} of model {model.full_name}; write "
                       f"its files into {folder}, then finalize it.", described)


def finalize_model_version(ctx: Context, node: exp.Expression) -> Result:
    """Unity Catalog's finalize step: the pending version's upload folder is read as ADD
    VERSION reads a model folder (an MLmodel with a signature; only regular files, each
    hashed), copied into managed storage, and the version becomes READY with that copy's
    manifest and digest, in one transaction. What the client writes after this is not
    registered: the upload folder is removed after the commit. Needs what creating it needed."""
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("CREATE_MODEL_VERSION", model, what=f"finalize a version of {model}")
    number = _existing_version(ctx, model, ctx.value(node.args["version"]))
    ctx.audit_name = f"{model.full_name} version {number}"
    row = ctx.one("model_version", model_id=model.id, version=number)
    if row["status"] != "PENDING_REGISTRATION":
        raise InvalidArgument(f"Version {number} of {model.full_name} is {row['status']}, not "
                              "PENDING_REGISTRATION: only a pending version can be finalized.")
    upload = storage.resolve(row["storage_location"], ctx.engine.metastore.storage_root)
    if "staged" not in ctx.memo:
        read_mlmodel(upload)
    _stage(ctx, model, upload, managed=False)
    location = _publish(ctx, model)
    done = ctx.one("finalize_model_version", model_id=model.id, version=number,
                   storage_location=location, by=ctx.principal)
    if done is None:  # finalized by another request meanwhile
        raise InvalidArgument(f"Version {number} of {model.full_name} was finalized meanwhile.")
    digest = _record_files(ctx, location)
    # MLflow's model_version.created: the version exists for readers once it is READY.
    events.version_created(ctx, model, number, row["source"], row["run_id"], {},
                           row.get("comment"))
    ctx.after_commit(lambda: ctx.engine.storage.discard(upload))
    return Result.done(f"Finalized version {number} of model {model.full_name}.",
                       {"full_name": model.full_name, "version": number, "status": "READY",
                        "content_digest": digest, "updated_at": done["updated_at"]})


def _version_source(ctx: Context, node: exp.Expression):
    """(directory to copy, source to record, run id, run link, logged model id) of ADD VERSION.

    For FROM MODEL src VERSION n, the caller needs EXECUTE on src (copying is reading its
    files), and the copy keeps src's run, link and logged model unless the statement says
    otherwise."""
    run_id = names.bounded(ctx.text(node.args.get("run_id")), "The RUN id", names.MAX_ID)
    run_link = names.bounded(ctx.text(node.args.get("run_link")), "The run LINK", names.MAX_URI)
    logged_model_id = names.bounded(ctx.text(node.args.get("logged_model_id")),
                                    "The LOGGED MODEL id", names.MAX_ID)
    source_uri = names.bounded(ctx.text(node.args.get("source_uri")), "The SOURCE",
                               names.MAX_URI)
    if node.args.get("from_model") is None:
        directory = ctx.text(node.args["source"])
        if directory is None:
            raise InvalidArgument("ADD VERSION needs FROM 'directory' or FROM MODEL name VERSION n.")
        path = _real_folder(ctx.server_path(directory, "The model directory"))
        recorded = source_uri or str(path)
        return path, recorded, run_id, run_link, logged_model_id
    src, number, row = _source_version(ctx, node)
    return (Path(row["storage_location"]),
            source_uri or f"models:/{src.full_name}/{number}",
            run_id or row["run_id"], run_link or row["run_link"],
            logged_model_id or row["logged_model_id"])


def _source_version(ctx: Context, node: exp.Expression):
    """(source model, version number, its row) of ``FROM MODEL src VERSION n`` (a copy or an
    import): reading its files needs EXECUTE on src, and only a READY version can be copied."""
    src = ctx.resolve("MODEL", node.args["from_model"])
    ctx.authorize("EXECUTE", src, what=f"copy a version of {src}")
    number = _existing_version(ctx, src, ctx.value(node.args["from_version"]))
    row = ctx.one("get_model_version", model_id=src.id, version=number, full_name=src.full_name)
    if row["status"] != "READY":
        raise InvalidArgument(f"Version {number} of {src.full_name} is {row['status']}; only READY "
                              "versions can be copied.")
    recorded = ctx.one("model_version", model_id=src.id, version=number)["storage_location"]
    ctx.memo["copied_from"] = (src.id, number, recorded)
    ctx.resolve("MODEL", node.this)  # audit the destination, not the source
    return src, number, row


def _real_folder(directory: str) -> Path:
    """The folder a user named, ``~`` expanded and links resolved (a link to a model folder is
    fine; links inside it are not, see ucsql.storage)."""
    try:
        return Path(directory).expanduser().resolve()
    except (OSError, RuntimeError) as e:  # a name too long, a loop of links
        raise InvalidArgument(f"Cannot read the model folder {directory[:80]!r}"
                              f"{'...' if len(directory) > 80 else ''}: {e}. Give the path of "
                              "the folder that holds the MLmodel file.") from None


def _refuse_managed_source(ctx: Context, source: Path) -> None:
    """Files inside any storage root are registered versions (of this metastore or another), and
    reading them needs EXECUTE on their model: ADD VERSION ... FROM MODEL checks it, a folder
    path would not. So a source inside a storage root, or holding one, is refused."""
    default = ctx.engine.metastore.storage_root
    roots = [default] + [storage.resolve(r[0], default) for r in ctx.q("storage_roots")]
    marked = storage.marked_ancestor(source)
    inside = next((r for r in roots if storage.overlaps(source, r.resolve())), marked)
    if inside is not None:
        raise PermissionDenied(
            f"Permission denied: {ctx.principal} cannot add a version from {str(source)!r}: the "
            f"folder overlaps the managed storage of a ucsql metastore ({inside}), whose files "
            "belong to registered versions. To copy a version, use ALTER MODEL <name> ADD "
            "VERSION FROM MODEL <source model> VERSION <n>, which needs EXECUTE on it.",
            principal=ctx.principal, operation=ctx.action, securable=str(source),
            missing="EXECUTE on the version the files belong to")


def _stage(ctx: Context, model, source: Path, *, managed: bool) -> None:
    """Copy ``source`` into staging, once per statement (a retried transaction reuses the copy;
    a failed statement discards it). Done before the version number is taken, so the slow copy
    never runs inside a transaction that has changed the model's row. ``managed``: the source
    is a published folder of this registry, whose files may be shared (hard links)."""
    files = ctx.engine.storage
    staged = ctx.memo.get("staged")
    if staged is None:
        root = storage_root_for(ctx, model)
        staged = files.stage(source, root, ctx.engine.metastore.metastore_id,
                             progress=ctx.progress, managed=managed)
        ctx.memo.update(staged=staged, root=root)
        ctx.memo.setdefault("discard_on_failure", []).append(lambda: files.discard(staged.path))


def _publish(ctx: Context, model) -> str:
    """Rename the staged copy into place, right before the commit that records it; returns the
    location to record (ucsql.storage.location). A rollback renames it back to staging."""
    staged = ctx.memo["staged"]
    final = ctx.engine.storage.publish(staged, ctx.memo["root"], model.id)
    ctx.on_rollback(lambda: final.rename(staged.path))
    ctx.memo["published"] = final
    return storage.location(final, ctx.engine.metastore.storage_root)


def _record_files(ctx: Context, location: str) -> str:
    """Record the manifest of the folder just published at ``location``, and the digest of the
    versions in it; return the digest.

    A copy within the registry shares its source's files, so it shares the source's manifest;
    a source registered before manifests existed (migration 0004), whose files were already
    missing then, has none, and its copy is hashed now."""
    copied = ctx.memo.get("copied_from")
    if copied is None:
        return record_manifest(ctx.cur, location, ctx.memo["staged"].files)
    if ctx.q("copy_stored_files", from_location=copied[2], storage_location=location):
        files = [storage.StoredFile(*r) for r in ctx.q("stored_files", storage_location=location)]
        digest = storage.digest(files)
        ctx.q("set_location_digest", storage_location=location, content_digest=digest)
        return digest
    return record_manifest(ctx.cur, location, storage.manifest(ctx.memo["published"]))


def _lineage(text: str | None) -> list[dict]:
    if not text:
        return []
    names.bounded(text, "LINEAGE", names.MAX_LINEAGE)
    try:
        inputs = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidArgument(f"LINEAGE must be a JSON list of dataset inputs: {e}.") from None
    except RecursionError:
        raise InvalidArgument("LINEAGE is nested too deeply: give a JSON list of dataset inputs, "
                              "each an object of name, digest, source_type, source and "
                              "context.") from None
    fields = ("name", "digest", "source_type", "source", "context")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise InvalidArgument("LINEAGE must be a JSON list of objects with "
                              f"{', '.join(fields)}.")
    return [{f: None if i.get(f) is None else str(i[f]) for f in fields} for i in inputs]


def get_model(ctx: Context, node: exp.Expression) -> Result:
    """GET MODEL m: the registered model's metadata (needs what seeing it needs)."""
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("READ_METADATA", model, what=f"read {model}")
    return ctx.result("get_model", model_id=model.id, full_name=model.full_name)


def get_model_version(ctx: Context, node: exp.Expression) -> Result:
    """GET MODEL VERSION m VERSION n | ALIAS a: one version, its files' location included, so it
    needs EXECUTE (or ownership), as loading does."""
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("EXECUTE", model, what=f"get a version of {model}")
    alias = node.args.get("alias")
    if alias is not None:
        from .looking import _aliased_version
        number = _aliased_version(ctx, model, alias.name)
    else:
        number = _existing_version(ctx, model, ctx.value(node.args.get("version")))
    ctx.audit_name = f"{model.full_name} version {number}"
    return ctx.result("get_model_version", model_id=model.id, version=number,
                            full_name=model.full_name)


def drop_model_version(ctx: Context, node: exp.Expression) -> Result:
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("MANAGE", model, what=f"delete a version of {model}")
    number = _existing_version(ctx, model, ctx.value(node.args["version"]))
    location = ctx.one("model_version", model_id=model.id, version=number)["storage_location"]
    ctx.q("delete_model_version", model_id=model.id, version=number)
    events.record(ctx, "model_version.deleted", model,
                  {"name": model.full_name, "version": str(number)})
    # Versions of one bulk import share their files: they go with the last of them.
    if location and not ctx.one("shared_location", storage_location=location)["shared"]:
        ctx.q("delete_stored_files", storage_location=location)
        folder = storage.resolve(location, ctx.engine.metastore.storage_root)
        ctx.after_commit(lambda: ctx.engine.storage.discard(folder))
    ctx.audit_name = f"{model.full_name} version {number}"
    return Result.done(f"Dropped version {number} of model {model.full_name}.")


def set_alias(ctx: Context, node: exp.Expression) -> Result:
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("MANAGE_ALIAS", model, what=f"set an alias on {model}")
    alias = names.alias(node.args["alias"].name)
    number = _existing_version(ctx, model, ctx.value(node.args["version"]))
    point_alias(ctx, model, alias, number)
    ctx.detail = f"{alias} -> version {number}"
    return Result.done(f"Alias {alias} of {model.full_name} now points to version {number}.")


def point_alias(ctx: Context, model, alias: str, number: int) -> None:
    """Set or move ``alias`` to version ``number`` (checked by the caller), within the limit on
    aliases per model: SET ALIAS, and the approval of an alias request."""
    ctx.q("upsert_alias", model_id=model.id, alias=alias, version=number, by=ctx.principal)
    count = ctx.one("count_aliases", model_id=model.id)["n"]
    if count > names.MAX_ALIASES:
        raise InvalidArgument(f"Model {model.full_name} would have {count} aliases; a model has at "
                              f"most {names.MAX_ALIASES}. Drop one with ALTER MODEL "
                              f"{model.full_name} DROP ALIAS <alias>.")
    # MLflow fires model_version_alias.created whether the alias is new or moved.
    events.record(ctx, "model_version_alias.created", model,
                  {"name": model.full_name, "alias": alias, "version": str(number)})


def drop_alias(ctx: Context, node: exp.Expression) -> Result:
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("MANAGE_ALIAS", model, what=f"drop an alias of {model}")
    alias = node.args["alias"].name
    if not ctx.one("delete_alias", model_id=model.id, alias=alias):
        raise NotFound(f"Model {model.full_name} has no alias {alias}. "
                       f"Use DESCRIBE MODEL {model.full_name} to see its aliases.")
    events.record(ctx, "model_version_alias.deleted", model,
                  {"name": model.full_name, "alias": alias})
    return Result.done(f"Dropped alias {alias} of {model.full_name}.")
