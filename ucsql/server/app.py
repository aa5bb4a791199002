"""The one ASGI application ``ucsql serve`` runs: MLflow's own server (REST handlers, artifact
proxy, web UI) with ucsql as its registry store, ucsql's download routes, and token
authentication in front of all of it.

MLflow's server is configured the way its own ``mlflow server`` command does it, through its
environment variables, before it is imported: the registry store is this metastore
(``ucsql:///path``), runs and experiments go to MLflow's SQLite tracking store beside it, and
uploads (a training job's ``log_model``) to its artifact proxy's folder. The server is one
process with one worker: it holds the metastore file for its whole life.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import traceback
import urllib.parse
from pathlib import Path

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ..api import Catalog
from ..explorer import build as build_explorer
from ..explorer.session import PREFIX as EXPLORER
from . import sql_api, tracking, uc_api
from .auth import TokenAuth

FILES = "/ucsql/files/{model}/{version:int}/mlflow-artifacts/artifacts"
# MLflow's own handler would send the test itself, unsigned (the store never hands out a
# webhook's secret): ucsql's TEST WEBHOOK sends it, signed, as the caller.
TEST_WEBHOOK = re.compile(r"/(?:ajax-)?api/2\.0/mlflow/webhooks/([^/]+)/test")


def configure_mlflow(registry_uri: str, tracking_uri: str, artifacts: Path,
                     allowed_hosts: str | None) -> None:
    """Set what ``mlflow server`` would set for these options (MLflow reads them at import)."""
    from mlflow.server import (
        ARTIFACT_ROOT_ENV_VAR,
        ARTIFACTS_DESTINATION_ENV_VAR,
        BACKEND_STORE_URI_ENV_VAR,
        REGISTRY_STORE_URI_ENV_VAR,
        SERVE_ARTIFACTS_ENV_VAR,
    )
    os.environ[BACKEND_STORE_URI_ENV_VAR] = tracking_uri
    os.environ[REGISTRY_STORE_URI_ENV_VAR] = registry_uri
    os.environ[SERVE_ARTIFACTS_ENV_VAR] = "true"
    os.environ[ARTIFACTS_DESTINATION_ENV_VAR] = str(artifacts)
    os.environ[ARTIFACT_ROOT_ENV_VAR] = "mlflow-artifacts:/"
    # Background job runners (several processes) serve MLflow's GenAI jobs, not the registry.
    os.environ.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
    if allowed_hosts:
        os.environ["MLFLOW_SERVER_ALLOWED_HOSTS"] = allowed_hosts


def build(catalog: Catalog):
    """The application: authentication, then ucsql's routes, then MLflow's server."""
    from mlflow.server.fastapi_app import create_fastapi_app

    from mlflow.server import app as flask_app
    flask_app.register_error_handler(TypeError, _badly_typed_request)
    # Experiments, runs, logged models and their files: owned by who created them (tracking.py).
    mlflow_app = tracking.Guard(create_fastapi_app(), flask_app)
    ours = Starlette(routes=[
        Route(FILES, _list_files),
        Route(FILES + "/{path:path}", _send_file),
        # The UI reads a version's MLmodel here; MLflow's handler would look for the files in
        # its own artifact folder, so ucsql serves it from the version's managed copy.
        Route("/model-versions/get-artifact", _ui_file),
    ])

    sql = sql_api.build()  # Databricks' SQL Statement Execution API
    uc_rest = uc_api.build()  # Unity Catalog REST 2.1
    explorer = build_explorer()  # the catalog explorer, for browsers

    async def app(scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] == "http" and (path.startswith("/ucsql/")
                                        or path == "/model-versions/get-artifact"):
            await ours(scope, receive, send)
        elif scope["type"] == "http" and TEST_WEBHOOK.fullmatch(path):
            await _test_webhook(scope, receive, send)
        elif scope["type"] == "http" and path.startswith("/api/2.0/sql/"):
            await sql(scope, receive, send)
        elif scope["type"] == "http" and path.startswith(uc_api.PREFIX + "/"):
            await uc_rest(scope, receive, send)
        elif scope["type"] == "http" and (path == EXPLORER or path.startswith(EXPLORER + "/")):
            await explorer(scope, receive, send)
        else:
            await mlflow_app(scope, receive, send)

    return TokenAuth(app, catalog)


def _badly_typed_request(e: TypeError):
    """MLflow's request parsing checks a number with ``int(x)`` and catches only ValueError, so
    a list or object where it expects a number (``{"max_results": []}``) would be a 500. That is
    the client's mistake: answer it as MLflow answers other bad parameters. A TypeError from
    anywhere else stays the server error it is."""
    parsing = any(frame.name in ("_get_request_message", "_validate_request_json_with_schema")
                  for frame in traceback.extract_tb(e.__traceback__))
    if not parsing:
        raise e
    from flask import Response as FlaskResponse
    body = {"error_code": "INVALID_PARAMETER_VALUE",
            "message": f"A request parameter has the wrong type ({e}): see MLflow's REST API "
                       "reference for each field's type."}
    return FlaskResponse(json.dumps(body), status=400, mimetype="application/json")


def _repository(model: str, version: str):
    """The version's files as the caller may read them (EXECUTE checked and audited)."""
    from ..mlflow_store import UcsqlArtifactRepository
    from ..serving import SERVER
    path = urllib.parse.quote(SERVER.get().catalog.path)
    query = urllib.parse.urlencode({"model": model, "version": version})
    return UcsqlArtifactRepository(f"ucsql://{path}?{query}")


async def _files(model: str, version: str, path: str | None) -> Path:
    def local() -> Path:
        return _repository(model, version).local_file(path)
    return await anyio.to_thread.run_sync(local)


async def _list_files(request: Request) -> Response:
    """MLflow's artifact listing: the entries of one folder of the version's files."""
    p = request.path_params
    try:
        folder = await _files(p["model"], str(p["version"]), request.query_params.get("path"))
    except Exception as e:  # noqa: BLE001 - MLflow errors become MLflow's JSON answers
        return _error(e)
    entries = []
    if folder.is_dir():
        for child in sorted(folder.iterdir()):
            is_dir = child.is_dir()
            entry = {"path": child.name, "is_dir": is_dir}
            if not is_dir:
                entry["file_size"] = child.stat().st_size
            entries.append(entry)
    return JSONResponse({"files": entries})


async def _send_file(request: Request) -> Response:
    p = request.path_params
    return await _file_response(p["model"], str(p["version"]), p["path"])


async def _ui_file(request: Request) -> Response:
    q = request.query_params
    if not q.get("name") or not q.get("version") or not q.get("path"):
        return JSONResponse({"error_code": "INVALID_PARAMETER_VALUE",
                             "message": "Give name, version and path."}, status_code=400)
    return await _file_response(q["name"], q["version"], q["path"])


async def _file_response(model: str, version: str, path: str) -> Response:
    try:
        file = await _files(model, version, path)
    except Exception as e:  # noqa: BLE001
        return _error(e)
    if not file.is_file():
        return JSONResponse({"error_code": "RESOURCE_DOES_NOT_EXIST",
                             "message": f"{model} version {version} has no file {path!r}."},
                            status_code=404)
    media = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return FileResponse(file, media_type=media)


async def _test_webhook(scope, receive, send) -> None:
    """MLflow's POST /webhooks/{id}/test as the caller's TEST WEBHOOK; MLflow's answer shape."""
    from google.protobuf.json_format import MessageToDict
    from mlflow.entities.webhook import WebhookEvent
    from mlflow.exceptions import MlflowException
    from mlflow.server.handlers import _get_model_registry_store

    request = Request(scope, receive)
    webhook_id = urllib.parse.unquote(TEST_WEBHOOK.fullmatch(scope["path"]).group(1))
    try:
        body = json.loads(await request.body() or b"{}")
        event = body.get("event") if isinstance(body, dict) else None
        event = (WebhookEvent(str(event["entity"]).lower(), str(event["action"]).lower())
                 if isinstance(event, dict) else None)
    except MlflowException as e:
        return await _error(e)(scope, receive, send)
    except (ValueError, KeyError, TypeError) as e:
        response = JSONResponse({"error_code": "INVALID_PARAMETER_VALUE",
                                 "message": f"Bad test request: {e}"}, status_code=400)
        return await response(scope, receive, send)

    def run():
        return _get_model_registry_store().test_webhook(webhook_id, event)
    try:
        result = await anyio.to_thread.run_sync(run)
    except Exception as e:  # noqa: BLE001 - MLflow errors become MLflow's JSON answers
        return await _error(e)(scope, receive, send)
    answer = {"result": MessageToDict(result.to_proto(), preserving_proto_field_name=True)}
    await JSONResponse(answer)(scope, receive, send)


def _error(e: Exception) -> Response:
    from mlflow.exceptions import MlflowException
    if not isinstance(e, MlflowException):
        raise e
    return Response(e.serialize_as_json(), status_code=e.get_http_status_code(),
                    media_type="application/json")
