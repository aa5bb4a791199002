"""Processes on the server's machine that open a metastore ``ucsql serve`` holds.

A server holds its file for its whole life, so an embedded opening (``ucsql.connect(path)``,
``ucsql path``, MLflow's ``ucsql:///path``) would wait for the lock and fail. Instead it finds the
server and talks to it. The server says where it is in ``<metastore>.serving``: its address and
a secret, in a file exactly as private as the metastore (readable by whoever may write the
metastore: its owner, and its group if the group may write it), written only while it holds
the lock. Whoever can read that file could have opened the metastore itself, and an embedded opening acts as whoever it claims (``UCSQL_PRINCIPAL`` or the
login name). So the secret proves the same trust, no more: a request that shows it runs as the
principal it names, and its audit rows say ``local`` where a token's id would be.

Why a secret over loopback HTTP rather than a Unix socket: the stock MLflow client, which
``ucsql:///`` URIs must keep working for, speaks HTTP through ``requests`` to a host and port
and sends its credentials as a bearer token; a loopback address with a bearer secret fits it as
it is. What a local client sends the server is the same as what a remote one sends: model files
are uploaded, never read by the server from the client's paths (the server may run as another
operating-system user, who can read what the client cannot).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import os
import secrets
import sys
from dataclasses import dataclass

from .file_lock import Busy, FileLock

_PREFIX = "ucsqllocal"
LOCAL_TOKEN_ID = "local"  # in audit rows, where a token's id would be
LOCAL_UPLOADS = "ucsql-local"  # where in the server's artifact proxy local clients upload
_told: set[str] = set()   # metastores this process has said it reaches through their server


@dataclass(frozen=True)
class ServedFile:
    """A metastore a live ``ucsql serve`` holds: where it listens, and its local secret."""

    path: str
    url: str
    pid: int
    secret: str
    certfile: str | None = None
    uploads: str | None = None  # the server's upload folder (local clients register from it)

    def credential(self, principal: str) -> str:
        """The bearer token of a local client acting as ``principal``."""
        name = base64.urlsafe_b64encode(principal.encode("utf-8")).decode("ascii")
        return f"{_PREFIX}_{self.secret}_{name}"

    def authorization(self, principal: str) -> str:
        return f"Bearer {self.credential(principal)}"

    def verify(self) -> str | bool:
        """What ``requests`` should verify the server's certificate with (its own file, for a
        server with TLS: the local address is not the name the certificate was made for)."""
        return self.certfile or True

    def tell_once(self) -> None:
        """Say once per process that this metastore is reached through its server."""
        if self.path in _told:
            return
        _told.add(self.path)
        sys.stderr.write(f"ucsql: {self.path} is held by ucsql serve (process {self.pid}); "
                         f"talking to it at {self.url}.\n")


def serving_file(path: str) -> str:
    return f"{path}.serving"


def serving_mode(metastore_mode: int) -> int:
    """Who may read the secret: whoever may open the metastore, which takes writing it. The
    owner, and the file's group only if the group may write it; never others (a file that is
    only readable to them cannot be opened by ucsql)."""
    return 0o600 | (0o040 if metastore_mode & 0o020 else 0)


def new_server(path: str, host: str, port: int, certfile: str | None = None,
               uploads: str | None = None) -> ServedFile:
    """What this process, about to serve ``path`` on ``host``:``port``, tells local clients:
    a fresh secret, and an address on this machine (loopback for a server on every address)."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    shown = f"[{host}]" if ":" in host else host
    return ServedFile(path, f"{'https' if certfile else 'http'}://{shown}:{port}", os.getpid(),
                      secrets.token_hex(32), os.path.abspath(certfile) if certfile else None,
                      uploads)


def announce(served: ServedFile) -> None:
    """Write ``<path>.serving`` once the server listens, with the metastore's permission
    bits and group."""
    path = served.path
    info = os.stat(path)
    target = serving_file(path)
    temporary = f"{target}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                 0o600)
    try:
        with contextlib.suppress(OSError):  # a group the server is not in stays the server's
            os.fchown(fd, -1, info.st_gid)
        os.fchmod(fd, serving_mode(info.st_mode))
        os.write(fd, json.dumps({"url": served.url, "pid": served.pid, "secret": served.secret,
                                 "certfile": served.certfile,
                                 "uploads": served.uploads}).encode())
    finally:
        os.close(fd)
    os.replace(temporary, target)


def withdraw(served: ServedFile) -> None:
    """Remove ``<path>.serving`` when the server stops, if it is still this server's."""
    found = _read(served.path)
    if found is not None and found.secret == served.secret:
        with contextlib.suppress(OSError):
            os.unlink(serving_file(served.path))


def find(path: str) -> ServedFile | None:
    """The live server holding the metastore at ``path`` (an absolute path), if any: its
    ``.serving`` file names it and it holds the file's lock right now."""
    served = _read(path)
    if served is None:
        return None
    lock = FileLock.for_path(path)
    try:
        lock.acquire(0, wait=False)
    except Busy as e:
        return served if e.holder.startswith(f"process {served.pid} ") else None
    except OSError:
        return None
    lock.release()  # nobody holds it: the file is left over from a server that died
    return None


def _read(path: str) -> ServedFile | None:
    try:
        with open(serving_file(path), encoding="utf-8") as f:
            data = json.loads(f.read(4096))
        return ServedFile(path, str(data["url"]), int(data["pid"]), str(data["secret"]),
                          data.get("certfile"), data.get("uploads"))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, unreadable to this user, or not one of ours


def principal_of(credential: str, served: ServedFile) -> str | None:
    """The principal a local client's credential names, or None if it is not one (or its
    secret is not this server's: compared in constant time)."""
    prefix, _, rest = credential.partition("_")
    if prefix != _PREFIX:
        return None
    secret, _, name = rest.partition("_")
    if not hmac.compare_digest(secret.encode(), served.secret.encode()):
        return None
    try:
        return base64.urlsafe_b64decode(name.encode("ascii")).decode("utf-8") or None
    except (binascii.Error, UnicodeError, ValueError):
        return None


def is_local_credential(credential: str) -> bool:
    return credential.startswith(_PREFIX + "_")
