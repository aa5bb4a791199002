"""Where model files live: one small interface, and the local-filesystem implementation.

A version's files are first copied into a staging folder, then published (renamed) into place
inside the same transaction that records the version, so a READY version always has complete
files. Folders are named by ids, never by model names, so a rename moves no files. Anything left
in staging or unreferenced after a crash is garbage, removable at any time.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Protocol


class ModelStorage(Protocol):
    def stage(self, source: Path, root: Path) -> Path:
        """Copy ``source`` (a directory) into a new staging folder under ``root``; return it."""

    def publish(self, staged: Path, root: Path, model_id: int) -> str:
        """Move a staged folder to its final place; return the storage location."""

    def discard(self, location: str | Path) -> None:
        """Remove a staged or published folder (missing is fine)."""


class LocalStorage:
    """Model files in directories: ``<root>/models/<model id>/<uuid>``."""

    def stage(self, source: Path, root: Path) -> Path:
        staging = root / ".staging" / uuid.uuid4().hex
        staging.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copytree(source, staging, symlinks=False)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return staging

    def publish(self, staged: Path, root: Path, model_id: int) -> str:
        final = root / "models" / str(model_id) / staged.name
        final.parent.mkdir(parents=True, exist_ok=True)
        staged.rename(final)
        return str(final)

    def discard(self, location: str | Path) -> None:
        shutil.rmtree(location, ignore_errors=True)
