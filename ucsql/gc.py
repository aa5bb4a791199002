"""Garbage collection of model files: what a crash or a refused registration left behind.

Registration copies files into ``<root>/.staging/<uuid>`` and renames them to
``<root>/models/<model id>/<uuid>`` inside the transaction that records the version. So:

* everything in a ``.staging`` folder belongs to a registration in progress or to one that died;
* a folder under ``models/`` that no version row names was published by a registration that
  died between the rename and the commit (or by a DROP whose file removal was interrupted).

Both are garbage whenever no registration is in progress, which is the case while this process
holds the metastore file with no statement running: DuckDB's lock keeps other processes out,
and our own statements run inside leases. ``clean_staging`` runs at every opening of the file
(cheap: it lists folders); ``collect`` also compares ``models/`` with the version rows
(``ucsql gc``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from . import queries


def _roots(cur, default_root: Path) -> list[Path]:
    roots = [default_root] + [Path(r[0]) for r in queries.run(cur, "queries/storage_roots")[1]]
    return [r for r in dict.fromkeys(roots) if r.is_dir()]


def clean_staging(cur, default_root: Path) -> list[str]:
    """Remove every staging folder; return what was removed."""
    removed = []
    for root in _roots(cur, default_root):
        staging = root / ".staging"
        for leftover in sorted(staging.iterdir()) if staging.is_dir() else []:
            shutil.rmtree(leftover, ignore_errors=True)
            removed.append(str(leftover))
    return removed


def collect(cur, default_root: Path) -> list[str]:
    """Remove staging folders and published folders no version refers to; return them."""
    removed = clean_staging(cur, default_root)
    kept = {str(Path(r[0])) for r in queries.run(cur, "queries/storage_locations")[1]}
    for root in _roots(cur, default_root):
        models = root / "models"
        for folder in sorted(models.glob("*/*")) if models.is_dir() else []:
            if folder.is_dir() and str(folder) not in kept:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(str(folder))
    return removed
