"""Where model files live, how they get there, and how ucsql knows they are still whole.

A version's files are copied into a staging folder of a *storage root*, then published (renamed)
to ``<root>/models/<model id>/<uuid>`` inside the transaction that records the version, so a
READY version always has complete files. Folders are named by ids, never by model names, so a
rename moves no files. Anything left in staging or unreferenced after a crash is garbage.

Storage roots: the folder beside the metastore file (``<file>.models``, the *default root*) and
the MANAGED LOCATION of catalogs and schemas. Every root carries a marker file naming the
metastore it belongs to (``.ucsql-metastore``), written when the root is first used; garbage
collection and staging clean-up touch only roots that carry this metastore's marker.

Locations: a version's folder under the default root is recorded relative to it
(``models/12/3f…``), so moving or copying the metastore file together with its folder keeps
every version loadable; other locations are absolute. :func:`resolve` turns either into a path.

Copies never follow links: a symbolic link, a device, a FIFO or a socket in a model folder is
refused, and each file is opened without following links and checked to be a regular file, so
a model folder cannot smuggle a host file (or ``/dev/zero``) into the registry. Every copied file
is hashed on the way; the manifest (path, size, SHA-256) and its digest are recorded with the
version, and :func:`verify` checks them later (``ucsql check``).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .errors import InvalidArgument

# progress(done, total, unit): how far a long copy has got.
Progress = Callable[[int, int, str], None]
_CHUNK = 8 << 20  # read 8 MB at a time, so one large weights file still moves the bar

MARKER = ".ucsql-metastore"
STAGING = ".staging"
MODELS = "models"
UPLOADS = "uploads"  # <root>/uploads/<model id>/<uuid>: files of a pending version (UC REST)


@dataclass(frozen=True)
class StoredFile:
    """One file of a version's folder: its path inside the folder (POSIX), size and SHA-256."""

    path: str
    bytes: int
    sha256: str


@dataclass
class Staged:
    """A copy waiting in staging, with the manifest of what was copied."""

    path: Path
    files: list[StoredFile] = field(default_factory=list)

    @property
    def digest(self) -> str:
        return digest(self.files)


def digest(files: list[StoredFile]) -> str:
    """The content digest of a folder: SHA-256 of its manifest, one ``sha256 size path`` line per
    file in path order (the shape of ``sha256sum`` output), so any change to any file, a file
    added or a file removed changes it.

    >>> a, b = StoredFile("MLmodel", 3, "ab12"), StoredFile("model.pkl", 9, "cd34")
    >>> digest([a, b]) == digest([b, a]) != digest([a])
    True
    """
    h = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.path):
        h.update(f"{f.sha256}  {f.bytes}  {f.path}\n".encode("utf-8", "surrogateescape"))
    return "sha256:" + h.hexdigest()


class ModelStorage(Protocol):
    def stage(self, source: Path, root: Path, metastore_id: str,
              progress: Progress | None = None, *, managed: bool = False) -> Staged:
        """Copy the folder ``source`` into a new staging folder under ``root``. ``managed``: the
        source is a published folder of this storage (its files never change), so the copy may
        share their bytes."""

    def publish(self, staged: Staged, root: Path, model_id: int) -> Path:
        """Move a staged folder to its final place; return that path."""

    def discard(self, location: str | Path) -> None:
        """Remove a staged or published folder (missing is fine)."""


# -- locations -------------------------------------------------------------------------------

def location(path: Path, default_root: Path) -> str:
    """How a version folder is recorded: relative to the default root when inside it (so the
    metastore can move with its folder), else absolute."""
    try:
        return path.relative_to(default_root).as_posix()
    except ValueError:
        return str(path)


def resolve(recorded: str | None, default_root: Path) -> Path | None:
    """The folder a recorded location names (see :func:`location`)."""
    if recorded is None:
        return None
    path = Path(recorded)
    return path if path.is_absolute() else default_root / path


# -- roots -----------------------------------------------------------------------------------

def marker_of(root: Path) -> str | None:
    """The metastore id in ``root``'s marker, or None when it has none (or an unreadable one)."""
    try:
        with open(root / MARKER, encoding="utf-8") as f:
            return str(json.load(f).get("metastore_id"))
    except (OSError, ValueError, AttributeError):
        return None


def is_own_root(root: Path, metastore_id: str) -> bool:
    return marker_of(root) == metastore_id


def claim_root(root: Path, metastore_id: str) -> None:
    """Make ``root`` a storage root of this metastore: create it and write the marker, or check
    the marker it has. Raises InvalidArgument when it belongs to another metastore."""
    found = marker_of(root)
    if found == metastore_id:
        return
    if found is not None or (root / MARKER).exists():
        raise InvalidArgument(
            f"{root} holds the model files of another ucsql metastore ({MARKER} names "
            f"{found or 'an unreadable id'}); a folder holds the files of one metastore only. "
            "Choose another MANAGED LOCATION.")
    root.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"metastore_id": metastore_id,
                       "about": "Model files of a ucsql metastore. Do not edit or move files "
                                "here by hand: ucsql check verifies them; ucsql gc removes only "
                                "what no version needs."}, indent=2)
    temporary = root / f"{MARKER}.{uuid.uuid4().hex}"
    temporary.write_text(text + "\n", encoding="utf-8")
    temporary.replace(root / MARKER)


def holds_marker(folder: Path) -> bool:
    """Whether ``folder`` or anything inside it is a storage root of any ucsql metastore."""
    for _dirpath, _dirs, files in os.walk(folder):
        if MARKER in files:
            return True
    return False


def marked_ancestor(path: Path) -> Path | None:
    """The nearest folder at or above ``path`` that is a storage root of any metastore."""
    for folder in (path, *path.parents):
        if (folder / MARKER).exists():
            return folder
    return None


# Folders whose contents belong to the system: a MANAGED LOCATION may not be one of them or lie
# inside one. And folders too shared to hand over whole: a location may lie inside them (a
# folder of its own), never be one of them.
_SYSTEM_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc",
                 "/run", "/sbin", "/sys", "/usr", "/var/run", "/var/lock")
_SHARED_FOLDERS = ("/", "/home", "/root", "/tmp", "/var", "/var/tmp", "/var/lib", "/opt", "/srv",
                   "/mnt", "/media")


def managed_location(text: str, default_root: Path, others: list[tuple[str, Path]],
                     metastore_id: str) -> Path:
    """Check a MANAGED LOCATION and return it resolved (links, ``..``, ``//`` and
    ``/proc/self/root`` spellings undone).

    Garbage collection may delete unreferenced folders inside a location and every opening
    empties its staging folder, so a location must be a folder of this metastore's own: new or
    empty (or left empty by this metastore), not a system folder, not overlapping the default
    root or another location (``others``: (owner, resolved root) pairs), and not inside the
    storage of any ucsql metastore.
    """
    shown = text if len(text) <= 80 else text[:77] + "..."
    expanded = os.path.expanduser(text)
    if not os.path.isabs(expanded):
        raise InvalidArgument(f"MANAGED LOCATION {shown!r} is not an absolute path. Give a full "
                              "directory path, e.g. '/data/prod'.")
    try:
        path = Path(os.path.realpath(expanded))
        exists = path.exists()
    except (OSError, ValueError) as e:
        raise InvalidArgument(f"MANAGED LOCATION {shown!r} cannot be used: {e}.") from None

    def refuse(why: str) -> InvalidArgument:
        resolved = "" if str(path) == text else f" (that is {path})"
        return InvalidArgument(f"MANAGED LOCATION {shown!r}{resolved} cannot be used: {why}. Give "
                               "a new or empty folder of this metastore's own, e.g. "
                               "'/data/ucsql/prod'.")

    for tree in _SYSTEM_TREES:
        if path == Path(tree) or Path(tree) in path.parents:
            raise refuse(f"it is inside the system folder {tree}")
    if str(path) in _SHARED_FOLDERS or path == Path.home():
        raise refuse("it is a folder shared with everything else on the machine")
    default = default_root.resolve()
    if overlaps(path, default):
        raise refuse(f"it overlaps the default storage root {default}, where the files of "
                     "models without a MANAGED LOCATION live")
    for owner, root in others:
        if overlaps(path, root):
            raise refuse(f"it overlaps the MANAGED LOCATION of {owner} ({root})")
    marked = marked_ancestor(path.parent)
    if marked is not None:
        raise refuse(f"it is inside {marked}, the storage of a ucsql metastore")
    if exists:
        if not path.is_dir():
            raise refuse("it is not a folder")
        if (path / MARKER).exists() and marker_of(path) != metastore_id:
            raise refuse("it is the storage of another ucsql metastore")
        leftovers = [p.name for p in path.iterdir()
                     if not (p.name == MARKER and marker_of(path) == metastore_id)
                     and not (p.is_dir() and not p.is_symlink() and _only_empty_folders(p))]
        if leftovers:
            raise refuse(f"the folder is not empty (it holds {', '.join(sorted(leftovers)[:3])}"
                         f"{' ...' if len(leftovers) > 3 else ''}), and ucsql may delete "
                         "what no version needs inside it")
    if len(str(path)) > 3000:
        raise refuse("the path is too long")
    return path


def overlaps(a: Path, b: Path) -> bool:
    """Whether one of two resolved paths is the other or inside it."""
    return a == b or b in a.parents or a in b.parents


def _only_empty_folders(folder: Path) -> bool:
    """Whether ``folder`` holds nothing but (empty) folders: no file, no link."""
    for dirpath, dirs, files in os.walk(folder):
        if files or any(os.path.islink(os.path.join(dirpath, d)) for d in dirs):
            return False
    return True


def upload_folder(root: Path, metastore_id: str, model_id: int) -> Path:
    """A new empty folder for a client to write a pending version's files into (Unity
    Catalog's create -> write -> finalize). Not in staging, which every opening empties: a
    pending version survives restarts. Its files are copied out, checked, on finalize."""
    claim_root(root, metastore_id)
    folder = root / UPLOADS / str(model_id) / uuid.uuid4().hex
    folder.mkdir(parents=True)
    return folder


# -- copying ---------------------------------------------------------------------------------

def _refuse(source: Path, relative: str, what: str) -> InvalidArgument:
    return InvalidArgument(
        f"Cannot copy the model files from {str(source)!r}: {relative} is {what}. Model "
        "folders may hold only regular files and folders (no links, devices, pipes or "
        "sockets); replace it with a copy of the file itself. Nothing was registered.")


def _entries(source: Path) -> Iterator[tuple[str, str, int]]:
    """(kind 'dir' or 'file', path inside ``source``, size) of everything in ``source``, in
    path order, never following a link; refuses anything that is not a file or a folder."""
    pending = [""]
    while pending:
        relative = pending.pop()
        folder = source / relative if relative else source
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            raise _os_error(source, e) from None
        for entry in reversed(entries):  # reversed: popped in name order
            name = f"{relative}/{entry.name}" if relative else entry.name
            if entry.name == MARKER:
                raise InvalidArgument(
                    f"Cannot copy the model files from {str(source)!r}: it holds the storage of "
                    f"a ucsql metastore ({name}). Copy a registered version with ADD VERSION "
                    "FROM MODEL <name> VERSION <n>, which checks EXECUTE on it.")
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISLNK(mode):
                raise _refuse(source, name, "a symbolic link")
            if stat.S_ISDIR(mode):
                pending.append(name)
                yield "dir", name, 0
            elif stat.S_ISREG(mode):
                yield "file", name, entry.stat(follow_symlinks=False).st_size
            else:
                kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                        else "a device file" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                        else "a special file")
                raise _refuse(source, name, kind)


def _os_error(source: Path, e: OSError) -> InvalidArgument:
    if e.errno == errno.ENAMETOOLONG:
        return InvalidArgument(f"Cannot copy the model files from {str(source)[:80]!r}...: the "
                               "path is too long for the file system. Give a shorter path.")
    return InvalidArgument(f"Cannot copy the model files from {str(source)!r}: "
                           f"{e.strerror or e} ({e.filename or source}). Nothing was registered; "
                           "fix the files and retry.")


def open_regular(path: Path) -> int:
    """A read-only descriptor of ``path``, refusing links and anything but a regular file (the
    check is made on the open file, so nothing can be swapped in between)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return fd


def _copy_file(src: Path, dst: Path, on_bytes: Callable[[int], None]) -> StoredFile:
    """Copy one regular file, hashing it on the way; ``on_bytes(n)`` hears of each chunk."""
    h = hashlib.sha256()
    size = 0
    fd = open_regular(src)
    with os.fdopen(fd, "rb") as fin, open(dst, "xb") as fout:
        while chunk := fin.read(_CHUNK):
            fout.write(chunk)
            h.update(chunk)
            size += len(chunk)
            on_bytes(len(chunk))
        os.chmod(dst, stat.S_IMODE(os.fstat(fin.fileno()).st_mode) & 0o777)
    return StoredFile("", size, h.hexdigest())


def copy_folder(source: Path, target: Path) -> list[StoredFile]:
    """Copy the folder ``source`` to the new folder ``target`` (as staging does: no links, only
    regular files), returning the manifest of what was copied."""
    target.mkdir()
    files = []
    for kind, name, _size in _entries(source):
        if kind == "dir":
            (target / name).mkdir()
        else:
            copied = _copy_file(source / name, target / name, lambda n: None)
            files.append(StoredFile(name, copied.bytes, copied.sha256))
    return files


def hash_file(path: Path) -> StoredFile:
    h = hashlib.sha256()
    size = 0
    with os.fdopen(open_regular(path), "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return StoredFile("", size, h.hexdigest())


def manifest(folder: Path) -> list[StoredFile]:
    """The files of ``folder`` as they are now (refusing links and special files)."""
    return [StoredFile(name, *_hashed(folder / name))
            for kind, name, _ in _entries(folder) if kind == "file"]


def _hashed(path: Path) -> tuple[int, str]:
    f = hash_file(path)
    return f.bytes, f.sha256


class LocalStorage:
    """Model files in directories: ``<root>/models/<model id>/<uuid>``."""

    def stage(self, source: Path, root: Path, metastore_id: str,
              progress: Progress | None = None, *, managed: bool = False) -> Staged:
        entries = list(_entries(source))
        claim_root(root, metastore_id)
        staged = Staged(root / STAGING / uuid.uuid4().hex)
        staged.path.parent.mkdir(parents=True, exist_ok=True)
        total = sum(size for _, _, size in entries)
        done = 0

        def moved(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(min(done, total), total, "bytes")

        if progress is not None:
            progress(0, total, "bytes")
        try:
            staged.path.mkdir()
            for kind, name, size in entries:
                target = staged.path / name
                if kind == "dir":
                    target.mkdir()
                elif managed:
                    # Published files are never modified (loading copies them out), so a copy
                    # of a version within the registry is a set of hard links: instant whatever
                    # the model's size, and each folder can still be deleted on its own. Their
                    # manifest is the source version's (the engine copies it).
                    _link_or_copy(source / name, target)
                    moved(size)
                else:
                    copied = _copy_file(source / name, target, moved)
                    staged.files.append(StoredFile(name, copied.bytes, copied.sha256))
        except OSError as e:
            shutil.rmtree(staged.path, ignore_errors=True)
            raise _os_error(source, e) from None
        except BaseException:
            shutil.rmtree(staged.path, ignore_errors=True)
            raise
        return staged

    def publish(self, staged: Staged, root: Path, model_id: int) -> Path:
        final = root / MODELS / str(model_id) / staged.path.name
        final.parent.mkdir(parents=True, exist_ok=True)
        staged.path.rename(final)
        return final

    def discard(self, location: str | Path) -> None:
        shutil.rmtree(location, ignore_errors=True)


def _link_or_copy(src: Path, dst: Path) -> None:
    """Hard-link ``src`` as ``dst``; copy when linking is impossible (another filesystem)."""
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        _copy_file(src, dst, lambda n: None)


# -- verifying -------------------------------------------------------------------------------

def verify(folder: Path, expected: list[StoredFile]) -> list[tuple[str, str]]:
    """What differs between ``folder`` and its recorded manifest: (path, problem) pairs, empty
    when every file is there byte for byte and nothing was added."""
    if not folder.is_dir():
        return [("", "the folder is missing")]
    problems = []
    want = {f.path: f for f in expected}
    try:
        found = {name: size for kind, name, size in _entries(folder) if kind == "file"}
    except InvalidArgument as e:
        return [("", e.message)]
    for path, f in sorted(want.items()):
        if path not in found:
            problems.append((path, "the file is missing"))
            continue
        try:
            now = hash_file(folder / path)
        except OSError as e:
            problems.append((path, f"the file cannot be read ({e.strerror or e})"))
            continue
        if now.bytes != f.bytes:
            problems.append((path, f"the file has {now.bytes:,} bytes, {f.bytes:,} were registered"))
        elif now.sha256 != f.sha256:
            problems.append((path, f"the file's content changed (sha256 {now.sha256[:12]}…, "
                                   f"{f.sha256[:12]}… was registered)"))
    for path in sorted(set(found) - set(want)):
        problems.append((path, "the file was not registered (added later)"))
    return problems
