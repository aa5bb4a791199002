"""``ucsql serve``: one process that holds a metastore and serves it to a team over HTTP.

It runs MLflow's own server (REST API, artifact proxy, web UI) with ucsql as the registry, so a
stock MLflow client needs only ``MLFLOW_TRACKING_URI=http://host:port`` and
``MLFLOW_TRACKING_TOKEN``. Every request needs a token (``CREATE TOKEN``) and runs as its
principal, through the same engine, privileges and audit as SQL.

Needs the ``server`` extra (``pip install 'ucsql[server]'``: the full ``mlflow`` package, whose
server and UI are not in mlflow-skinny).
"""

from __future__ import annotations

import os
import signal
import threading
import warnings
from pathlib import Path

from .. import local_clients
from ..api import Catalog
from ..errors import UcsqlError


class ServerError(UcsqlError):
    """The server cannot start as asked (a missing extra, a metastore another process holds)."""

    code = "INVALID_PARAMETER_VALUE"


def state_folder(metastore: str) -> Path:
    """Where the server keeps MLflow's runs and uploads: ``<metastore>.mlflow/`` beside it."""
    return Path(f"{os.path.abspath(metastore)}.mlflow")


def serve(catalog: Catalog, *, host: str = "127.0.0.1", port: int = 8080,
          certfile: str | None = None, keyfile: str | None = None,
          tracking_uri: str | None = None, allowed_hosts: str | None = None,
          ready=None) -> None:
    """Serve ``catalog``'s metastore until interrupted (Ctrl-C or SIGTERM), holding its file.

    ``ready(url)`` is called once the server listens."""
    try:
        import flask  # noqa: F401 - only the full mlflow package brings Flask
        import uvicorn
    except ImportError:
        raise ServerError("ucsql serve needs MLflow's server: pip install 'ucsql[server]' "
                          "(the full mlflow package).") from None
    from .. import serving
    from . import app, tracking

    # MLflow's own server imports Starlette's WSGI bridge, which warns about itself on every start.
    warnings.filterwarnings("ignore", message="starlette.middleware.wsgi is deprecated")

    state = state_folder(catalog.path)
    artifacts = state / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    tracking_uri = tracking_uri or f"sqlite:///{state / 'mlflow.db'}"
    app.configure_mlflow(f"ucsql://{catalog.path}", tracking_uri, artifacts, allowed_hosts)
    # Every task and thread the server starts inherits this: MLflow's registry store, built
    # inside the server, uses this open metastore (ucsql.serving).
    catalog.engine.uploads = artifacts  # the one folder of ours token holders may name
    catalog.engine.upload_reader = tracking.may_read_upload  # and in it, only their own runs'
    local = local_clients.new_server(catalog.path, host, port, certfile, str(artifacts))
    serving.SERVER.set(serving.Server(catalog, artifacts, tracking_uri, local))
    application = app.build(catalog)
    config = uvicorn.Config(application, host=host, port=port, workers=1, log_level="warning",
                            ssl_certfile=certfile, ssl_keyfile=keyfile, lifespan="on")
    server = uvicorn.Server(config)
    scheme = "https" if certfile else "http"
    shown_host = f"[{host}]" if ":" in host else host
    original = server.startup

    async def startup(sockets=None):
        await original(sockets)
        # Listening now: processes on this machine that open the file come here instead.
        local_clients.announce(local)
        if ready is not None:
            ready(f"{scheme}://{shown_host}:{port}")
    server.startup = startup
    # uvicorn stops gracefully on SIGTERM, then raises the signal again with the handler it
    # found: the default one would end the process on the spot, losing the audit rows of reads
    # that wait to be written when the file is let go. This one unwinds, so they are written.
    main = threading.current_thread() is threading.main_thread()  # (signals: main thread only)
    previous = signal.signal(signal.SIGTERM, _stopped) if main else None
    from ..webhooks.delivery import Worker
    engine = catalog.engine
    try:
        with engine.metastore.lease(wait=False):  # held until the server stops
            # Webhook deliveries of every event, from every interface (ucsql.webhooks).
            worker, stop = Worker(engine.metastore, engine.webhook_rules,
                                  engine.webhook_settings).start()
            try:
                server.run()
            finally:
                stop.set()
                # A try still under way is not waited for: unrecorded, it is made again later.
                worker.join(timeout=5)
                local_clients.withdraw(local)
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)


def _stopped(signum, frame) -> None:
    raise SystemExit(128 + signum)
