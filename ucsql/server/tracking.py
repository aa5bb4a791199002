"""Who may change MLflow's tracking side on a ucsql server, and read the files it holds.

ucsql governs the registry; MLflow's own server keeps experiments, runs and logged models, and
its artifact proxy keeps their files (the models a training job logs, before and after it
registers them). Open to every token holder, that side would let anyone overwrite or delete
another's runs, and download another's model files without the EXECUTE that loading the
registered version needs. So, as a Databricks workspace does with experiments in a user's
folder, what a principal creates there is theirs:

* an experiment, run or logged model is **owned** by the principal whose token created it (the
  server records it: the ``ucsql.owner`` tag of experiments and logged models, a run's
  ``user_id``; whatever the client sent is replaced). An experiment's owner may hand it to a
  group they belong to (``set_experiment_tag('ucsql.owner', 'ml-team')``): its members then act
  on it as owners;
* changing one, and reading or writing its **files**, needs its owner (or a member, or the
  metastore admin): a run's files belong to the run's owner and its experiment's owners;
* anyone may create an experiment, and runs and logged models in the Default experiment or in
  an experiment of theirs; everyone may read the metadata (searches, runs, metrics, the UI);
* the registry's routes are ucsql's privileges, decided by the engine as for SQL;
* everything else MLflow's server offers (traces, evaluation datasets, the AI gateway, scorers,
  presigned URLs, routes of later MLflow releases) is the admin's: refused until reviewed, not
  open until someone notices.

Whether a principal acts for an owner is decided in SQL (``sql/queries/tracking_subject.sql``);
every refusal is a 403 with MLflow's error body, audited with the token's id.
"""

from __future__ import annotations

import json
import posixpath
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import anyio

from .. import queries, serving
from ..engine import record_refusal

OWNER_TAG = "ucsql.owner"
DEFAULT_EXPERIMENT = "0"
MAX_BODY = 32 * 2**20  # bytes of a JSON request read to find its target (log-batch is far less)

# MLflow's handlers, by what they act on (their Flask endpoint names, the same under /api and
# /ajax-api). Anything not named here is the admin's.
REGISTRY = {  # ucsql's registry store: the engine decides, as for SQL
    "_create_registered_model", "_get_registered_model", "_update_registered_model",
    "_delete_registered_model", "_rename_registered_model", "_search_registered_models",
    "_set_registered_model_tag", "_delete_registered_model_tag", "_set_registered_model_alias",
    "_delete_registered_model_alias", "_get_model_version_by_alias", "_get_latest_versions",
    "_create_model_version", "_get_model_version", "_update_model_version",
    "_delete_model_version", "_search_model_versions", "_set_model_version_tag",
    "_delete_model_version_tag", "_get_model_version_download_uri", "_transition_stage",
    "serve_model_version_artifact", "_create_webhook", "_get_webhook", "_list_webhooks",
    "_update_webhook", "_delete_webhook", "_test_webhook",
}
READS = {  # metadata every token holder may read, and the UI itself
    "_get_experiment", "_get_experiment_by_name", "_search_experiments", "_get_run",
    "_search_runs", "_get_metric_history", "get_metric_history_bulk_interval_handler",
    "serve_get_metric_history_bulk", "serve_get_metric_history_bulk_interval",
    "_get_logged_model", "_search_logged_models", "_graphql", "_get_server_info", "serve",
    "static", "serve_static_file", "health", "version", "serve_get_ui_telemetry",
    "serve_post_ui_telemetry",
}
EXPERIMENT_CHANGES = {"_update_experiment", "_delete_experiment", "_restore_experiment",
                      "_set_experiment_tag", "_delete_experiment_tag"}
RUN_CHANGES = {"_update_run", "_delete_run", "_restore_run", "_log_metric", "_log_param",
               "_log_batch", "_log_inputs", "_log_outputs", "_log_model", "_set_tag",
               "_delete_tag", "serve_upload_artifact"}
RUN_FILES = {"_list_artifacts", "serve_artifacts"}  # a run's files, named by run id
LOGGED_MODEL_CHANGES = {"_finalize_logged_model", "_set_logged_model_tags",
                        "_delete_logged_model", "_delete_logged_model_tag",
                        "_log_logged_model_params"}
LOGGED_MODEL_FILES = {"_list_logged_model_artifacts", "serve_get_logged_model_artifact"}
PROXY = {  # MLflow's artifact proxy: the target is the path under its root
    "_download_artifact": False, "_list_artifacts_mlflow_artifacts": False,
    "_upload_artifact": True, "_delete_artifact_mlflow_artifacts": True,
    "_create_multipart_upload_artifact": True, "_complete_multipart_upload_artifact": True,
    "_abort_multipart_upload_artifact": True,
}
CREATES = {"_create_experiment", "_create_run", "_create_logged_model"}


class Refused(Exception):
    """The caller may not do this on the tracking side (403), or named no target (400)."""

    def __init__(self, message: str, kind: str, name: str | None = None, status: int = 403):
        super().__init__(message)
        self.kind, self.name, self.status = kind, name, status


@dataclass
class Request:
    """What the guard knows of one request."""

    endpoint: str
    args: dict
    query: dict[str, str]
    body: dict | None


class Guard:
    """ASGI middleware in front of MLflow's server (inside ``TokenAuth``: the caller is known)."""

    def __init__(self, app, flask_app):
        self.app = app
        self.routes = flask_app.url_map

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        caller = serving.CALLER.get()
        endpoint, args = self._match(scope)
        if endpoint in REGISTRY or endpoint in READS:
            return await self.app(scope, receive, send)
        body, raw = None, b""
        if endpoint in CREATES | EXPERIMENT_CHANGES | RUN_CHANGES | LOGGED_MODEL_CHANGES \
                | RUN_FILES and scope.get("method") in ("POST", "PATCH", "PUT", "DELETE") \
                and endpoint != "serve_upload_artifact":
            raw = await _read_body(receive)
            if raw is None:
                return await _answer(send, 413, "INVALID_PARAMETER_VALUE",
                                     f"The request body is over {MAX_BODY} bytes.")
            try:
                body = json.loads(raw) if raw.strip() else {}
            except ValueError:
                body = None  # MLflow answers it with its own 400
            if not isinstance(body, dict):
                body = None
        query = dict(urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        request = Request(endpoint, args, query, body)
        try:
            new_body = await anyio.to_thread.run_sync(decide, caller, request)
        except Refused as e:
            await anyio.to_thread.run_sync(_audit, caller, scope, endpoint, e)
            return await _answer(send, e.status, "PERMISSION_DENIED" if e.status == 403
                                 else "INVALID_PARAMETER_VALUE", str(e))
        if new_body is not None:
            raw = json.dumps(new_body).encode()
            scope = dict(scope, headers=[(k, v) for k, v in scope["headers"]
                                         if k != b"content-length"]
                         + [(b"content-length", str(len(raw)).encode())])
        if raw or body is not None:
            receive = _replay(raw)
        await self.app(scope, receive, send)

    def _match(self, scope) -> tuple[str | None, dict]:
        from werkzeug.exceptions import HTTPException
        from werkzeug.routing import RequestRedirect
        adapter = self.routes.bind("localhost")
        try:
            return adapter.match(scope.get("path", ""), method=scope.get("method", "GET"))
        except (HTTPException, RequestRedirect):
            return None, {}  # not one of MLflow's Flask routes: its FastAPI ones, or nothing


def decide(caller: serving.Caller, request: Request) -> dict | None:
    """Allow the request (returning the body to send on instead, when the server rewrites it),
    or raise ``Refused``."""
    catalog = caller.catalog
    who = catalog.principal
    e = request.endpoint
    if e == "_create_experiment":
        return _create_experiment(catalog, request.body)
    if e == "_create_run":
        body = _need_body(request)
        experiment = str(body.get("experiment_id") or DEFAULT_EXPERIMENT)
        if experiment != DEFAULT_EXPERIMENT:
            _need_experiment(catalog, experiment, "create runs in")
        tags = [t for t in body.get("tags") or [] if isinstance(t, dict)
                and t.get("key") != "mlflow.user"]
        return dict(body, user_id=who, tags=[*tags, {"key": "mlflow.user", "value": who}])
    if e == "_create_logged_model":
        body = _need_body(request)
        experiment = str(body.get("experiment_id") or "")
        if experiment != DEFAULT_EXPERIMENT:
            _need_experiment(catalog, experiment, "log models in")
        return dict(body, tags=_owned_tags(body.get("tags"), who))
    if e in EXPERIMENT_CHANGES:
        body = request.body or {}
        experiment = str(body.get("experiment_id") or "")
        _need_experiment(catalog, experiment, "change")
        if e in ("_set_experiment_tag", "_delete_experiment_tag") and body.get("key") == OWNER_TAG:
            _owner_change(catalog, experiment, body.get("value") if e == "_set_experiment_tag" else None)
        return None
    if e in RUN_CHANGES or e in RUN_FILES:
        source = request.body if request.body is not None else request.query
        run_id = str(source.get("run_id") or source.get("run_uuid") or "")
        _need_run(catalog, run_id, "read the files of" if e in RUN_FILES else "change")
        return None
    if e in LOGGED_MODEL_CHANGES or e in LOGGED_MODEL_FILES:
        model_id = str(request.args.get("model_id") or "")
        if e in ("_set_logged_model_tags",) and any(
                isinstance(t, dict) and t.get("key") == OWNER_TAG
                for t in (request.body or {}).get("tags") or []):
            raise Refused(f"The {OWNER_TAG} tag of a logged model is the server's.", "LOGGED_MODEL",
                          model_id)
        if e == "_delete_logged_model_tag" and request.args.get("tag_key") == OWNER_TAG:
            raise Refused(f"The {OWNER_TAG} tag of a logged model is the server's.", "LOGGED_MODEL",
                          model_id)
        _need_logged_model(catalog, model_id,
                           "read the files of" if e in LOGGED_MODEL_FILES else "change")
        return None
    if e in PROXY:
        path = request.args.get("artifact_path") or request.query.get("path") or ""
        _need_files(catalog, path, writes=PROXY[e], local=caller.local)
        return None
    if not _is_admin(catalog):
        route = e or "this route"
        raise Refused(f"Permission denied: {who} cannot use {route} on this server: MLflow's "
                      "features beyond experiments, runs, logged models and the registry are "
                      "the metastore admin's here.", "ROUTE", e)
    return None


# -- the rules -----------------------------------------------------------------------------------

def may_read_upload(ctx, folder: Path, root: Path) -> bool:
    """Whether the statement's caller may register the files at ``folder`` (under the server's
    artifact root ``root``): those of a run or logged model they may read. Called by the engine
    (``Context.server_path``) inside the statement's transaction."""
    try:
        relative = folder.relative_to(root).as_posix()
    except ValueError:
        return False
    try:
        _need_files(_InStatement(ctx), relative, writes=False, local=False)
    except Refused:
        return False
    return True


class _InStatement:
    """The decisions of a statement's own transaction (a second transaction on the thread's
    cursor is not possible while it runs)."""

    def __init__(self, ctx):
        self.ctx, self.principal = ctx, ctx.principal

    def acts_for(self, owner: str | None) -> bool:
        return bool(self.ctx.one("tracking_subject", principal=self.principal, owner=owner)["may"])


def _acts_for(catalog, owner: str | None) -> bool:
    if isinstance(catalog, _InStatement):
        return catalog.acts_for(owner)
    metastore = catalog.engine.metastore
    query = queries.load("queries/tracking_subject")
    undo: list = []  # session macros made in a transaction that failed are gone with it
    try:
        with metastore.transaction(prepared=False) as cur:
            metastore.prepare(cur, query.needs, undo.append)
            _, rows = query.run(cur, {"principal": catalog.principal, "owner": owner})
    except BaseException:
        for forget in undo:
            forget()
        raise
    return bool(rows[0][0])


def _is_admin(catalog) -> bool:
    return _acts_for(catalog, None)


def _create_experiment(catalog, body: dict | None) -> dict:
    body = body if body is not None else {}
    if body.get("artifact_location") and not _is_admin(catalog):
        raise Refused("Permission denied: only the metastore admin may choose where an "
                      "experiment's files go; leave artifact_location out (the server keeps "
                      "them).", "EXPERIMENT", str(body.get("name") or "")[:255])
    return dict(body, tags=_owned_tags(body.get("tags"), catalog.principal))


def _owned_tags(tags, owner: str) -> list[dict]:
    kept = [t for t in tags or [] if isinstance(t, dict) and t.get("key") != OWNER_TAG]
    return [*kept, {"key": OWNER_TAG, "value": owner}]


def _owner_change(catalog, experiment: str, new_owner) -> None:
    """An owner may hand an experiment to themselves or a group they belong to (as ALTER ...
    OWNER TO for a non-admin); removing the owner is the admin's."""
    if new_owner is None and not _is_admin(catalog):
        raise Refused(f"Permission denied: the {OWNER_TAG} tag says who owns experiment "
                      f"{experiment}; set it to another owner instead of deleting it.",
                      "EXPERIMENT", experiment)
    if new_owner is not None and not _acts_for(catalog, str(new_owner)):
        raise Refused(f"Permission denied: {catalog.principal} may hand experiment "
                      f"{experiment} only to themselves or a group they belong to.",
                      "EXPERIMENT", experiment)


def _tracking():
    from mlflow.server.handlers import _get_tracking_store
    return _get_tracking_store()


def _need_experiment(catalog, experiment: str, doing: str) -> None:
    from mlflow.exceptions import MlflowException
    if not experiment:
        raise Refused("Give the experiment_id.", "EXPERIMENT", status=400)
    try:
        found = _tracking().get_experiment(experiment)
    except MlflowException:
        return  # no such experiment: MLflow's handler answers with its own error
    if not _acts_for(catalog, found.tags.get(OWNER_TAG)):
        raise Refused(_denied(catalog, doing, f"experiment {experiment}",
                              found.tags.get(OWNER_TAG)), "EXPERIMENT", experiment)


def _need_run(catalog, run_id: str, doing: str) -> None:
    from mlflow.exceptions import MlflowException
    if not run_id:
        raise Refused("Give the run_id.", "RUN", status=400)
    try:
        run = _tracking().get_run(run_id)
    except MlflowException:
        return  # MLflow's handler says it does not exist
    if _acts_for(catalog, run.info.user_id):
        return
    try:
        owner = _tracking().get_experiment(run.info.experiment_id).tags.get(OWNER_TAG)
    except MlflowException:
        owner = None
    if run.info.experiment_id == DEFAULT_EXPERIMENT or not _acts_for(catalog, owner):
        raise Refused(_denied(catalog, doing, f"run {run_id}", run.info.user_id), "RUN", run_id)


def _need_logged_model(catalog, model_id: str, doing: str) -> None:
    from mlflow.exceptions import MlflowException
    try:
        model = _tracking().get_logged_model(model_id)
    except MlflowException:
        return
    if _acts_for(catalog, model.tags.get(OWNER_TAG)):
        return
    if model.source_run_id:  # the run's owner logged it (in their run)
        try:
            _need_run(catalog, model.source_run_id, doing)
            return
        except Refused:
            pass
    raise Refused(_denied(catalog, doing, f"logged model {model_id}",
                          model.tags.get(OWNER_TAG)), "LOGGED_MODEL", model_id)


def _need_files(catalog, path: str, *, writes: bool, local: bool) -> None:
    """A path under the artifact proxy's root: ``<experiment>/<run>/artifacts/…`` (a run's
    files), ``<experiment>/models/<model id>/artifacts/…`` (a logged model's), or
    ``ucsql-local/…`` (uploads of processes on this machine). Anything else is the admin's."""
    from ..local_clients import LOCAL_UPLOADS
    doing = "write the files of" if writes else "read the files of"
    parts = path.strip("/").split("/") if path.strip("/") else []
    if (any(p in ("", ".", "..") for p in parts) or "\\" in path
            or posixpath.normpath("/" + path.strip("/")) != "/" + path.strip("/")):
        raise Refused(f"Artifact path {path[:200]!r} is not a plain relative path.", "ARTIFACT",
                      path[:255], status=400)
    if len(parts) >= 3 and parts[2] == "artifacts" and _is_run_folder(parts[0], parts[1]):
        return _need_run(catalog, parts[1], doing)
    if len(parts) >= 4 and parts[1] == "models" and parts[3] == "artifacts" \
            and _is_model_folder(parts[0], parts[2]):
        return _need_logged_model(catalog, parts[2], doing)
    if parts and parts[0] == LOCAL_UPLOADS and local:
        return None
    if not _is_admin(catalog):
        raise Refused(f"Permission denied: {catalog.principal} cannot {doing} "
                      f"{path[:200]!r}: it is not the folder of a run or logged model of "
                      "theirs.", "ARTIFACT", path[:255])


def _is_run_folder(experiment: str, run_id: str) -> bool:
    """Whether ``<experiment>/<run_id>/artifacts`` is where that run's files really are (so
    a path cannot borrow another run's name)."""
    from mlflow.exceptions import MlflowException
    try:
        run = _tracking().get_run(run_id)
    except MlflowException:
        return False
    return run.info.artifact_uri.rstrip("/") == f"mlflow-artifacts:/{experiment}/{run_id}/artifacts"


def _is_model_folder(experiment: str, model_id: str) -> bool:
    from mlflow.exceptions import MlflowException
    try:
        model = _tracking().get_logged_model(model_id)
    except MlflowException:
        return False
    return (model.artifact_location.rstrip("/")
            == f"mlflow-artifacts:/{experiment}/models/{model_id}/artifacts")


def _need_body(request: Request) -> dict:
    if request.body is None:
        raise Refused("The request body must be a JSON object.", "REQUEST", status=400)
    return request.body


def _denied(catalog, doing: str, what: str, owner: str | None) -> str:
    whose = f"it is {owner}'s" if owner else "no owner is recorded for it"
    return (f"Permission denied: {catalog.principal} cannot {doing} {what}: {whose}. Its owner "
            f"can hand its experiment to a group you belong to (the {OWNER_TAG} tag), or use "
            "an experiment of your own.")


# -- ASGI plumbing -------------------------------------------------------------------------------

async def _read_body(receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(raw: bytes):
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return {"type": "http.disconnect"}
    return receive


async def _answer(send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error_code": code, "message": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _audit(caller: serving.Caller, scope, endpoint: str | None, refusal: Refused) -> None:
    catalog = caller.catalog
    record_refusal(catalog.engine, catalog.principal, f"MLFLOW_{(endpoint or 'ROUTE').strip('_').upper()}",
                   f"-- HTTP {scope.get('method', '')} {scope.get('path', '')[:1000]}",
                   "DENIED" if refusal.status == 403 else "FAILED", str(refusal),
                   securable_kind=refusal.kind, securable_name=refusal.name,
                   token_id=catalog.token_id)
