"""Looking after the model files: garbage collection, backups, and checking that nothing is lost.

Each is an admin operation (the ADMIN operation of ``sql/session/06_authorize.sql``), run through
the engine like any statement, so it is refused and audited like one. Each needs no other
statement of this process to run meanwhile (``Metastore.alone``), and this process holds the
file, so no other process runs either: gc cannot mistake a registration in flight for garbage,
and a backup copies one consistent state.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from sqlglot import exp

from .. import gc, queries, storage
from ..engine import Context
from ..errors import InvalidArgument
from ..result import Result

if TYPE_CHECKING:  # imported where used: the CLI's start-up does not need Arrow
    import pyarrow as pa


def _admin(ctx: Context, doing: str) -> None:
    ctx.authorize("ADMIN", ctx.resolve("METASTORE", None), what=doing)


def collect_garbage(ctx: Context, node: exp.Expression) -> Result:
    """The folders gc would remove (``dry_run``) or removed, and the roots it left alone."""
    _admin(ctx, "collect garbage files")
    dry_run = bool(node.args.get("dry_run"))
    metastore = ctx.engine.metastore
    with metastore.alone():
        found = gc.plan(ctx.cur, metastore.storage_root, metastore.metastore_id)
        if not dry_run:
            gc.remove(found)
    action = "would remove" if dry_run else "removed"
    rows = [(str(p), action, None) for p in found.garbage]
    rows += [(str(p), "left alone", why) for p, why in found.skipped]
    n = len(found.garbage)
    folders = f"{n} folder{'s' if n != 1 else ''}"
    ctx.detail = f"{action} {folders}" + (f"; left {len(found.skipped)} alone" if found.skipped else "")
    if dry_run:
        message = (f"gc would remove {folders} that no version needs" +
                   (": run it again with --yes to remove them." if n else "."))
    else:
        message = f"gc removed {folders} that no version needed."
    return Result(_table(rows, ("path", "action", "reason")), message)


def backup(ctx: Context, node: exp.Expression) -> Result:
    """Copy the metastore file and every version's files to a new place, as one consistent
    state, in the layout a metastore expects (``DEST`` and ``DEST.models``), so that the copy
    opens and loads where it is and can itself be moved with its folder.

    Files under a MANAGED LOCATION are copied into ``DEST.models/locations/<id>/``, and the copy
    records that folder (relative) as the location: a backup never points at the original's
    folders, so gc in one can never touch the other's files. Each file is checked against its
    manifest on the way; a mismatch stops the backup."""
    _admin(ctx, "back up the metastore")
    text = ctx.text(node.this)
    if text:
        ctx.server_path(text, "The backup", writes=True)
    dest = _new_file(text)
    metastore = ctx.engine.metastore
    with metastore.alone():
        plan = _backup_plan(ctx, dest)
        dest_root = Path(str(dest) + ".models")
        try:
            storage.claim_root(dest_root, metastore.metastore_id)
            for row in ctx.table("managed_locations").to_pylist():
                storage.claim_root(dest_root / "locations" / str(row["securable_id"]),
                                   metastore.metastore_id)
            for done, (src, target, files) in enumerate(plan, 1):
                _copy_verified(src, target, files)
                if ctx.progress:
                    ctx.progress(done, len(plan), "folders")
            metastore.copy_database(dest)
        except BaseException:
            shutil.rmtree(dest_root, ignore_errors=True)
            for leftover in (dest, Path(str(dest) + ".wal")):
                leftover.unlink(missing_ok=True)
            raise
    relocated = ctx.table("managed_locations").to_pylist()
    _relocate(dest, relocated)
    ctx.detail = f"to {dest}: {len(plan)} folders of model files"
    return Result.done(f"Backed up {metastore.path} to {dest} ({len(plan)} folders of model "
                       f"files in {dest_root}).")


def _new_file(text: str | None) -> Path:
    if not text:
        raise InvalidArgument("Give the path of the backup's new metastore file, e.g. "
                              "backups/metastore-2026-12-01.duckdb.")
    try:
        dest = Path(text).expanduser().resolve()
    except (OSError, RuntimeError) as e:
        raise InvalidArgument(f"Cannot back up to {text[:80]!r}: {e}.") from None
    for taken in (dest, Path(str(dest) + ".wal"), Path(str(dest) + ".models")):
        if taken.exists() or taken.is_symlink():
            raise InvalidArgument(f"Cannot back up to {dest}: {taken} exists. A backup is "
                                  "written to a new file; choose another name.")
    if not dest.parent.is_dir():
        raise InvalidArgument(f"Cannot back up to {dest}: folder {dest.parent} does not exist. "
                              "Create it first.")
    marked = storage.marked_ancestor(dest.parent)
    if marked is not None:
        raise InvalidArgument(f"Cannot back up to {dest}: it is inside {marked}, the storage of "
                              "a ucsql metastore. Choose a folder of its own.")
    return dest


def _backup_plan(ctx: Context, dest: Path) -> list[tuple[Path, Path, list[storage.StoredFile]]]:
    """(folder, its copy, its manifest) of every folder that a version names."""
    metastore = ctx.engine.metastore
    default = metastore.storage_root
    dest_root = Path(str(dest) + ".models")
    roots = {storage.resolve(r["storage_root"], default): r["securable_id"]
             for r in ctx.table("managed_locations").to_pylist()}
    plan = []
    for (recorded,) in ctx.q("storage_locations_distinct"):
        src = storage.resolve(recorded, default)
        if not Path(recorded).is_absolute():
            target = dest_root / recorded
        else:
            root = next((r for r in roots if r in src.parents), None)
            if root is None:
                raise InvalidArgument(f"Cannot back up: the files of a version are in {src}, "
                                      "outside every storage root. Run ucsql check.")
            target = dest_root / "locations" / str(roots[root]) / src.relative_to(root)
        files = [storage.StoredFile(*r) for r in ctx.q("stored_files", storage_location=recorded)]
        plan.append((src, target, files))
    return plan


def _copy_verified(src: Path, target: Path, files: list[storage.StoredFile]) -> None:
    """Copy a version's folder, checking each file against its manifest as it is read."""
    target.parent.mkdir(parents=True, exist_ok=True)
    copied = {f.path: f for f in storage.copy_folder(src, target)}
    want = {f.path: f for f in files}
    if files and copied != want:
        raise InvalidArgument(f"Cannot back up: the files in {src} differ from what was "
                              "registered. Run ucsql check to see which version and file.")


def _relocate(dest: Path, locations: list[dict]) -> None:
    """In the copy: every MANAGED LOCATION is now ``locations/<id>`` inside the copy's folder."""
    from ..metastore import DUCKDB_CONFIG
    con = duckdb.connect(str(dest), config=DUCKDB_CONFIG)
    try:
        con.execute("BEGIN TRANSACTION")
        for row in locations:
            queries.run(con, "queries/relocate_managed_location", securable_id=row["securable_id"],
                        old_root=row["storage_root"], new_root=f"locations/{row['securable_id']}")
        con.execute("COMMIT")
    finally:
        con.close()


def check(ctx: Context, node: exp.Expression) -> Result:
    """Every READY version's files against its manifest: one row per problem (model, version,
    file, problem); no rows when every file is there, byte for byte."""
    _admin(ctx, "check the model files")
    metastore = ctx.engine.metastore
    problems, versions, folders = [], 0, {}
    with metastore.alone():
        for full_name, version, recorded, digest in ctx.q("versions_to_check"):
            versions += 1
            if recorded not in folders:
                files = [storage.StoredFile(*r)
                         for r in ctx.q("stored_files", storage_location=recorded)]
                found = storage.verify(storage.resolve(recorded, metastore.storage_root), files)
                if files and digest is not None and storage.digest(files) != digest:
                    found.append(("", "the recorded manifest does not match the version's digest"))
                if not files and not found:
                    found.append(("", "no manifest was recorded (the files were already missing "
                                      "or unreadable when digests were introduced)"))
                folders[recorded] = found
            problems += [(full_name, version, path or None, problem)
                         for path, problem in folders[recorded]]
    bad = len({(p[0], p[1]) for p in problems})
    ctx.detail = f"{versions} versions checked, {bad} with problems"
    message = (f"All {versions} READY versions have all their files, byte for byte."
               if not problems else
               f"{bad} of {versions} READY versions have missing or changed files.")
    import pyarrow as pa
    return Result(pa.table({"model": pa.array([p[0] for p in problems], pa.string()),
                            "version": pa.array([p[1] for p in problems], pa.int64()),
                            "file": pa.array([p[2] for p in problems], pa.string()),
                            "problem": pa.array([p[3] for p in problems], pa.string())}),
                  message)


def _table(rows: list[tuple], columns: tuple[str, ...]) -> pa.Table:
    import pyarrow as pa
    return pa.table({c: pa.array([r[i] for r in rows], pa.string())
                     for i, c in enumerate(columns)})
