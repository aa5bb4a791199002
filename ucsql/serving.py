"""Who is calling, when one process serves many principals (``ucsql serve``).

Embedded, a process is one principal (``UCSQL_PRINCIPAL`` or the login name). A server holds the
metastore for its whole life and acts, request by request, as whoever the request's token
belongs to. It says so through two context variables, so nothing here is global: a server sets
``SERVER`` once (every task and thread it starts inherits it) and ``CALLER`` per request. The
MLflow façade that MLflow builds inside the server reads both: it uses the server's open
metastore rather than opening the file a second time, and never falls back to the operating
system's user, who is usually the file's admin.
"""

from __future__ import annotations

import contextvars
import os
from dataclasses import dataclass
from pathlib import Path

from .api import Catalog
from .local_clients import ServedFile


@dataclass(frozen=True)
class Server:
    """The metastore a server holds, the folder MLflow's artifact proxy writes to (where a
    stock client uploads a model before registering it as ``models:/m-…``), and the tracking
    store its runs and logged models are in (to resolve ``runs:/`` and ``models:/m-…``)."""

    catalog: Catalog
    artifacts_root: Path
    tracking_uri: str
    local: ServedFile | None = None  # what local clients prove themselves with, once listening


@dataclass(frozen=True)
class Caller:
    """One request: the catalog acting as its token's principal (with the token's id, for the
    audit), and the address the client reached the server at (for download URIs)."""

    catalog: Catalog
    base_url: str
    local: bool = False  # a process on the server's machine (ucsql.local_clients)


SERVER: contextvars.ContextVar[Server | None] = contextvars.ContextVar("ucsql_server", default=None)
CALLER: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("ucsql_caller", default=None)


def served(path: str) -> Server | None:
    """The server holding the metastore at ``path`` in this context, if any."""
    server = SERVER.get()
    if server is None or os.path.realpath(server.catalog.path) != os.path.realpath(path):
        return None
    return server
