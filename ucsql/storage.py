"""Where model files live: one small interface, and the local-filesystem implementation.

A version's files are first copied into a staging folder, then published (renamed) into place
inside the same transaction that records the version, so a READY version always has complete
files. Folders are named by ids, never by model names, so a rename moves no files. Anything left
in staging or unreferenced after a crash is garbage, removable at any time.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

# progress(done, total, unit): how far a long copy has got.
Progress = Callable[[int, int, str], None]
_CHUNK = 8 << 20  # report at least every 8 MB, so one large weights file still moves the bar


class ModelStorage(Protocol):
    def stage(self, source: Path, root: Path, progress: Progress | None = None, *,
              managed: bool = False) -> Path:
        """Copy ``source`` (a directory) into a new staging folder under ``root``; return it.
        ``progress`` is called with the bytes copied so far and the total. ``managed``: the
        source is a published folder of this storage (its files never change), so the copy
        may share their bytes."""

    def publish(self, staged: Path, root: Path, model_id: int) -> str:
        """Move a staged folder to its final place; return the storage location."""

    def discard(self, location: str | Path) -> None:
        """Remove a staged or published folder (missing is fine)."""


class LocalStorage:
    """Model files in directories: ``<root>/models/<model id>/<uuid>``."""

    def stage(self, source: Path, root: Path, progress: Progress | None = None, *,
              managed: bool = False) -> Path:
        staging = root / ".staging" / uuid.uuid4().hex
        staging.parent.mkdir(parents=True, exist_ok=True)
        try:
            if managed:
                # Published files are never modified (loading copies them out), so a copy of a
                # version within the registry is a set of hard links: instant whatever the model's
                # size, and each folder can still be deleted on its own.
                copy = _link_or_copy
            else:
                copy = shutil.copy2 if progress is None else _counting_copy(source, progress)
            shutil.copytree(source, staging, symlinks=False, copy_function=copy)
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


def _link_or_copy(src: str, dst: str) -> str:
    """Hard-link ``src`` as ``dst``; copy when linking is impossible (another filesystem)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _counting_copy(source: Path, progress: Progress) -> Callable[[str, str], str]:
    """A copy function for ``shutil.copytree`` that reports the bytes copied, chunk by chunk."""
    total = sum(os.path.getsize(os.path.join(folder, name))
                for folder, _, files in os.walk(source, followlinks=True) for name in files)
    done = 0
    progress(0, total, "bytes")

    def copy(src: str, dst: str) -> str:
        nonlocal done
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            while chunk := fin.read(_CHUNK):
                fout.write(chunk)
                done += len(chunk)
                progress(min(done, total), total, "bytes")
        shutil.copystat(src, dst)
        return dst

    return copy
