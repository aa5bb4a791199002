"""Garbage collection of model files: what a crash or a refused registration left behind.

Registration copies files into ``<root>/.staging/<uuid>`` and renames them to
``<root>/models/<model id>/<uuid>`` inside the transaction that records the version. So:

* everything in a ``.staging`` folder belongs to a registration in progress or to one that died;
* a folder under ``models/`` that no version row names was published by a registration that
  died between the rename and the commit (or by a DROP whose file removal was interrupted);
* a folder under ``uploads/`` (where a Unity Catalog client writes a pending version's files)
  that no version row names belonged to a version that was finalized (its files were copied to
  ``models/``), dropped, or never committed. A pending version's row names its upload folder,
  so gc keeps it, across restarts, until it is finalized or dropped.

These are garbage whenever no registration is in progress, which is the case while this process
holds the metastore file with no statement running: DuckDB's lock keeps other processes out,
and our own statements run inside leases.

What gc may delete is bounded three ways, so that no version ever loses a file:

* only inside *this metastore's* roots: folders whose marker (``ucsql.storage.MARKER``) names
  this metastore's id; a root without it, or with another metastore's, is left alone and reported;
* only folders that no version row names, READY or not, whether or not the row's location still
  resolves: a folder counts as named when any row's location ends in its name (its uuid), so a
  row written before a move, or pointing elsewhere, still protects it;
* never a folder that holds another storage root inside it.

``clean_staging`` runs at every opening of the file (cheap: it lists folders); ``plan`` lists
everything garbage, and ``remove`` deletes a plan (``ucsql gc``, which shows the plan first).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import queries, storage


@dataclass
class Plan:
    """What gc found: folders to remove, and roots it may not touch (with why)."""

    garbage: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def roots(cur, default_root: Path) -> list[Path]:
    """Every storage root this metastore records that exists: the default root and every
    MANAGED LOCATION (resolved)."""
    found = [default_root] + [storage.resolve(r[0], default_root)
                              for r in queries.run(cur, "queries/storage_roots")[1]]
    return [r for r in dict.fromkeys(found) if _is_dir(r)]


def _is_dir(path: Path) -> bool:
    """Whether ``path`` is a folder; False for a path the system cannot even look at (a location
    recorded before locations were checked may be too long, or hold a NUL)."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def own_roots(cur, default_root: Path, metastore_id: str) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(roots carrying this metastore's marker, [(other root, why it is skipped)])."""
    own, skipped = [], []
    for root in roots(cur, default_root):
        marker = storage.marker_of(root)
        if marker == metastore_id:
            own.append(root)
        elif marker is None:
            skipped.append((root, f"it has no {storage.MARKER} marker, so nothing proves its "
                                  "folders belong to this metastore"))
        else:
            skipped.append((root, f"its {storage.MARKER} marker names another metastore "
                                  f"({marker})"))
    return own, skipped


def _staging_leftovers(root: Path) -> list[Path]:
    staging = root / storage.STAGING
    return sorted(staging.iterdir()) if staging.is_dir() else []


def clean_staging(cur, default_root: Path, metastore_id: str) -> list[str]:
    """Remove every staging folder of this metastore's roots; return what was removed."""
    removed = []
    for root in own_roots(cur, default_root, metastore_id)[0]:
        for leftover in _staging_leftovers(root):
            if leftover.is_dir() and not leftover.is_symlink() and storage.holds_marker(leftover):
                continue
            _remove(leftover)
            removed.append(str(leftover))
    return removed


def plan(cur, default_root: Path, metastore_id: str) -> Plan:
    """Everything garbage in this metastore's roots: staging leftovers and published folders no
    version row names."""
    result = Plan()
    own, result.skipped = own_roots(cur, default_root, metastore_id)
    named = {Path(r[0]).name for r in queries.run(cur, "queries/storage_locations")[1]}
    for root in own:
        candidates = _staging_leftovers(root)
        for kept in (root / storage.MODELS, root / storage.UPLOADS):
            if kept.is_dir() and not kept.is_symlink():
                for model in sorted(kept.iterdir()):
                    if model.is_dir() and not model.is_symlink() and model.name.isdigit():
                        candidates += [f for f in sorted(model.iterdir()) if f.name not in named]
        for folder in candidates:
            if folder.is_dir() and not folder.is_symlink() and storage.holds_marker(folder):
                result.skipped.append((folder, "it holds another storage root"))
            else:
                result.garbage.append(folder)
    return result


def remove(found: Plan) -> list[str]:
    """Delete the garbage of a plan; return the paths removed. Empty model folders go too."""
    removed = []
    for folder in found.garbage:
        _remove(folder)
        removed.append(str(folder))
        parent = folder.parent
        if (parent.parent.name in (storage.MODELS, storage.UPLOADS) and parent.is_dir()
                and not any(parent.iterdir())):
            parent.rmdir()
    return removed


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)
