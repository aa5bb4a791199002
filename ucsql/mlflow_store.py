"""The MLflow façade: a model-registry store plugin (``registry_uri="ucsql:///path.duckdb"``).

A thin layer: each method builds ucsql statements (``ucsql.dialect`` nodes) and runs them
through the same engine as SQL, as the caller's principal (``UCSQL_PRINCIPAL`` or the login
name, read at every call), so privilege checks, audit rows and errors are the same as in SQL.
Results become ``mlflow.entities`` only here, at the boundary; ucsql errors become
``MlflowException`` with the same message and MLflow's error code.

Files: a version's files are copied into managed storage when it is registered; loading goes
through ``UcsqlArtifactRepository`` (``ucsql://`` download URIs), which copies them out, so
MLflow never writes into the managed copy.
"""

from __future__ import annotations

import datetime
import functools
import inspect
import os
import shutil
import tempfile
import threading
import urllib.parse
import urllib.request
from pathlib import Path

from mlflow.entities.model_registry import (
    ModelVersion,
    ModelVersionTag,
    RegisteredModel,
    RegisteredModelAlias,
    RegisteredModelTag,
)
from mlflow.entities.file_info import FileInfo
from mlflow.exceptions import MlflowException
from mlflow.prompt.constants import IS_PROMPT_TAG_KEY
from mlflow.protos import databricks_pb2
from mlflow.store.artifact.artifact_repo import ArtifactRepository
from mlflow.store.entities.paged_list import PagedList
from mlflow.store.model_registry.abstract_store import AbstractStore
from sqlglot import exp

from . import dialect as d
from . import mlflow_webhooks, names, serving
from .api import Catalog, connect, default_principal
from .engine import record_refusal
from .epoch_cache import EpochCache
from .errors import InvalidArgument, PermissionDenied, Unauthenticated, UcsqlError
from .mlflow_wording import PROMPTS, STAGES, in_mlflow_terms, one_line
from .result import Result

_STAGES_MESSAGE = STAGES


class NotSupported(UcsqlError):
    """An MLflow call the ucsql registry does not serve (prompts, webhooks): refused, audited,
    and reported to MLflow as NOT_IMPLEMENTED."""

    code = "NOT_IMPLEMENTED"


def _error(message: str, code: str) -> MlflowException:
    """An MlflowException with MLflow's error code named ``code`` (RESOURCE_DOES_NOT_EXIST ...)."""
    return MlflowException(message,
                           error_code=getattr(databricks_pb2, code, databricks_pb2.INTERNAL_ERROR))


def _mlflow_errors(method):
    """Turn ucsql errors into MlflowException with MLflow's error code, the message's SQL hints
    put in MLflow's terms (``mlflow_wording``).

    A refusal the engine never saw (a malformed name, stages, a bad filter or page token: the
    façade refuses them itself) is audited here, once: one row naming the MLflow call."""

    @functools.wraps(method)
    def wrapper(store, *args, **kwargs):
        try:
            return method(store, *args, **kwargs)
        except UcsqlError as e:
            if not e.audited:
                store._audit_refusal(method, args, kwargs, e)
            raise _error(in_mlflow_terms(e.message), e.code) from None

    return wrapper


def _shown(value) -> str:
    if isinstance(value, str):
        return names.shown(value, 200)
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _call_text(method, args, kwargs) -> tuple[str, str | None]:
    """(the MLflow call as text, for the audit row's statement; the model it names, if any)."""
    try:
        bound = inspect.signature(method).bind(None, *args, **kwargs)
    except TypeError:
        return f"mlflow: {method.__name__}(...)", None
    arguments = [(k, v) for k, v in list(bound.arguments.items())[1:] if v is not None]
    # A webhook's secret never reaches the audit log.
    shown = ", ".join(f"{k}={'********' if k == 'secret' else _shown(v)}" for k, v in arguments)
    model = bound.arguments.get("name", bound.arguments.get("dst_name"))
    return f"mlflow: {method.__name__}({shown})", model if isinstance(model, str) else None


def metastore_path(uri: str) -> str:
    """``ucsql:///abs/m.duckdb`` -> ``/abs/m.duckdb``; ``ucsql:rel/m.duckdb`` -> ``rel/m.duckdb``;
    ``ucsql:~/m.duckdb`` (or ``ucsql:///~/m.duckdb``) -> ``$HOME/m.duckdb``."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme != "ucsql":
        raise _error(f"{uri!r} is not a ucsql URI (ucsql:///path/to/metastore.duckdb).",
                     "INVALID_PARAMETER_VALUE")
    if parsed.netloc:
        raise _error(
            f"{uri!r} names a host; ucsql serves a metastore file: use ucsql:///absolute/path.duckdb "
            "or ucsql:relative/path.duckdb.", "INVALID_PARAMETER_VALUE")
    if not parsed.path:
        raise _error("The ucsql URI has no path: use ucsql:///path/to/metastore.duckdb.",
                     "INVALID_PARAMETER_VALUE")
    path = urllib.parse.unquote(parsed.path)
    # ucsql:~/m.duckdb and ucsql:///~/m.duckdb both mean the home folder, as in a shell.
    if path.startswith("/~"):
        path = path[1:]
    return os.path.expanduser(path)


_name = d.name_node  # MLflow gives dotted names: prod.ml_team.iris


def _lit(value) -> exp.Expression:
    return exp.Null() if value is None else exp.Literal.string(str(value))


def _ms(row: dict, column: str, epoch_ms_column: str) -> int | None:
    """Epoch milliseconds of a timestamp column (exact when the query returns them itself)."""
    if row.get(epoch_ms_column) is not None:
        return row[epoch_ms_column]
    ts = row.get(column)
    return None if ts is None else _epoch_ms(ts)


def _epoch_ms(ts: datetime.datetime) -> int:
    """Whole milliseconds since the epoch, truncated (as the queries' epoch_us // 1000)."""
    return (ts - _EPOCH) // datetime.timedelta(milliseconds=1)


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _rows(result: Result) -> list[dict]:
    return result.table.to_pylist()


def _map(value) -> dict:
    """A DuckDB MAP from Arrow (a list of (key, value) pairs) -> dict."""
    if value is None:
        return {}
    return dict(value) if not isinstance(value, dict) else value


class UcsqlRegistryStore(AbstractStore):
    """Model registry over a ucsql metastore file, with Unity Catalog semantics."""

    def __new__(cls, store_uri: str, tracking_uri: str | None = None):
        # A metastore ``ucsql serve`` holds is reached through that server (its lock is never
        # let go): MLflow's REST store, as a local client (ucsql.mlflow_served).
        from .mlflow_served import ServedRegistryStore, served_for
        served = served_for(metastore_path(store_uri))
        if served is not None:
            return ServedRegistryStore(served, tracking_uri)
        return super().__new__(cls)

    def __init__(self, store_uri: str, tracking_uri: str | None = None):
        super().__init__(store_uri, tracking_uri)
        self.store_uri = store_uri
        self.path = os.path.abspath(metastore_path(store_uri))
        self._searches = EpochCache(capacity=256)  # compiled searches (see _compiled)
        # The model create_registered_model made last, per thread (see _first_version_failed).
        self._made = threading.local()
        # Inside ``ucsql serve`` the server already holds the file: use its metastore (a
        # second opening in the same process would wait for the server's own lock).
        self._server = serving.served(self.path)
        # Inside a server, runs:/ and models:/m-… sources name the server's own runs.
        self.tracking_uri = self._server.tracking_uri if self._server is not None else tracking_uri
        try:
            self._catalog = (self._server.catalog if self._server is not None
                             else connect(self.path, default_principal()))
        except UcsqlError as e:
            raise _error(e.message, e.code) from None

    # -- plumbing -------------------------------------------------------------------------
    @property
    def catalog(self) -> Catalog:
        """The metastore as the current caller, read per call: ``UCSQL_PRINCIPAL`` (it may
        change), or, inside a server, the principal of the request's token. A server never
        falls back to the process's own user: a call outside any request is refused."""
        if self._server is None:
            return self._catalog.as_principal(default_principal())
        caller = serving.CALLER.get()
        if caller is None:
            raise _error("This call came with no token: the server acts only for a "
                         "request's token holder.", Unauthenticated.code)
        return caller.catalog

    def _caller_name(self) -> str:
        try:
            return self.catalog.principal
        except MlflowException:
            return "(no token)"

    def _caller_token(self) -> str | None:
        caller = serving.CALLER.get() if self._server is not None else None
        return caller.catalog.token_id if caller is not None else None

    def _run(self, node: exp.Expression, params=None) -> Result:
        return self.catalog.execute(node, params)

    def _audit_refusal(self, method, args, kwargs, error: UcsqlError) -> None:
        """Audit a call the façade refused before any statement ran."""
        statement, model = _call_text(method, args, kwargs)
        record_refusal(self._catalog.engine, self._caller_name(), method.__name__.upper(),
                       statement, "DENIED" if isinstance(error, PermissionDenied) else "FAILED",
                       in_mlflow_terms(error.message), securable_kind="MODEL" if model else None,
                       securable_name=model, token_id=self._caller_token())

    def _tracking_client(self):
        from mlflow.tracking import MlflowClient
        return MlflowClient(tracking_uri=self.tracking_uri)

    # -- registered models ------------------------------------------------------------------
    @_mlflow_errors
    def create_registered_model(self, name, tags=None, description=None, deployment_job_id=None):
        self._made.name = None
        if _is_prompt(tags):  # register_prompt's first step: refused before anything exists
            raise NotSupported(PROMPTS)
        for tag in tags or []:  # refuse bad tags before the model exists: no half-made model
            names.tag_value(names.tag_key(tag.key), tag.value)
        # register_model and log_model(registered_model_name=) call this before every new version
        # and go on on RESOURCE_ALREADY_EXISTS, which the engine answers to anyone who knows the
        # model (an owner or CREATE_MODEL_VERSION holder without CREATE_MODEL included).
        created = self._run(d.CreateSecurable(kind="MODEL", this=_name(name),
                                              comment=_lit(description)
                                              if description is not None else None)).details
        self._made.name = name
        if tags:
            self._run(d.SetTags(kind="MODEL", this=_name(name), expressions=[
                d.TagPair(this=_lit(t.key), expression=_lit(t.value)) for t in tags]))
            return self.get_registered_model(name)
        # A new model without tags is fully described by its creation (reading it back costs a
        # privilege check on an object no decision is cached for yet).
        stamp = _epoch_ms(created["created_at"])
        return RegisteredModel(name=created["full_name"], creation_timestamp=stamp,
                               last_updated_timestamp=stamp, description=created["comment"],
                               tags=[], aliases=[])

    @_mlflow_errors
    def update_registered_model(self, name, description, deployment_job_id=None):
        self._run(d.CommentOn(kind="MODEL", this=_name(name), comment=_lit(description)))
        return self.get_registered_model(name)

    @_mlflow_errors
    def rename_registered_model(self, name, new_name):
        self._run(d.RenameModel(this=_name(name), to=_name(new_name)))
        return self.get_registered_model(new_name)

    @_mlflow_errors
    def delete_registered_model(self, name):
        self._run(d.DropSecurable(kind="MODEL", this=_name(name)))

    @_mlflow_errors
    def get_registered_model(self, name):
        [row] = _rows(self._run(d.GetModel(this=_name(name))))
        return self._registered_model(row)

    def _registered_model(self, row: dict) -> RegisteredModel:
        aliases = [RegisteredModelAlias(a["alias"], str(a["version"])) for a in row["aliases"] or []]
        return RegisteredModel(
            name=row["full_name"],
            creation_timestamp=_ms(row, "created_at", "creation_timestamp"),
            last_updated_timestamp=_ms(row, "updated_at", "last_updated_timestamp"),
            description=row["comment"],
            tags=[RegisteredModelTag(k, v) for k, v in _map(row["tags"]).items()],
            aliases=aliases,
        )

    def _compiled(self, compile, filter_string, max_results, order_by, page_token):
        """A search compiled once per distinct request: clients repeat the same searches, and
        compiling (MLflow's filter parser, then SQL generation) costs more than running them."""
        key = (compile.__name__, filter_string, max_results, tuple(order_by or ()), page_token)
        search = self._searches.get(key)
        if search is None:
            search = compile(filter_string, max_results, order_by, page_token)
            self._searches.put(key, search)
        return search

    @_mlflow_errors
    def search_registered_models(self, filter_string=None, max_results=None, order_by=None,
                                 page_token=None):
        from . import mlflow_search
        search = self._compiled(mlflow_search.compile_model_search, filter_string, max_results,
                                order_by, page_token)
        rows = _rows(self._run(search.node, search.params))
        token = mlflow_search.next_page_token(search, len(rows))
        return PagedList([self._registered_model(r) for r in rows[: search.max_results]], token)

    @_mlflow_errors
    def get_latest_versions(self, name, stages=None):
        """Stages are refused; with none, the latest version (so ``models:/m/latest`` works)."""
        if stages:
            raise InvalidArgument(f"get_latest_versions with stages {list(stages)}: {_STAGES_MESSAGE}")
        latest = self.get_registered_model_latest(name)
        return [] if latest is None else [self.get_model_version(name, latest)]

    def get_registered_model_latest(self, name) -> int | None:
        [row] = _rows(self._run(d.GetModel(this=_name(name))))
        return row["latest_version"]

    @_mlflow_errors
    def set_registered_model_tag(self, name, tag):
        self._run(d.SetTags(kind="MODEL", this=_name(name), expressions=[
            d.TagPair(this=_lit(tag.key), expression=_lit(tag.value))]))

    @_mlflow_errors
    def delete_registered_model_tag(self, name, key):
        self._run(d.UnsetTags(kind="MODEL", this=_name(name), expressions=[_lit(key)]))

    # -- model versions ---------------------------------------------------------------------
    @_mlflow_errors
    def create_model_version(self, name, source, run_id=None, tags=None, run_link=None,
                             description=None, local_model_path=None, model_id=None):
        """Copy the model's files into managed storage and record a READY version.

        Files come from ``local_model_path`` when MLflow has them on disk (log_model), else from
        ``source``: a ``models:/<name>/<version>`` of this registry is copied within it (EXECUTE
        on the source); anything else is downloaded through MLflow's artifact repositories.
        """
        if _is_prompt(tags):
            raise NotSupported(PROMPTS)
        made, self._made.name = getattr(self._made, "name", None), None
        own = own_version(source)
        if own is not None and local_model_path is None:
            return self._copy(own[0], own[1], name, tags=tags, description=description)
        try:
            return self._register(name, source, run_id, tags, run_link, description,
                                  local_model_path, model_id)
        except UcsqlError as e:
            if local_model_path is not None and made == name:
                self._first_version_failed(name, e)
            raise

    def _first_version_failed(self, name, error: UcsqlError) -> None:
        """log_model(registered_model_name=) creates the model, then its version: when that
        first version is refused (no signature, say), the model it created just before, on this
        thread, is dropped again (if still empty), so a refused log leaves no empty model. The
        caller owns what it created, so it may drop it; both steps are audited."""
        try:
            if self.get_registered_model_latest(name) is None:
                self._run(d.DropSecurable(kind="MODEL", this=_name(name)))
                error.message += (f" (The registered model {name} created for this version "
                                  "was removed again.)")
        except UcsqlError:
            pass  # the refusal itself is what the caller needs to see

    def _register(self, name, source, run_id, tags, run_link, description, local_model_path,
                  model_id):
        if self._server is not None:
            local_model_path = None  # a server copies only what was uploaded to it (_download)
        tracking = self._tracking_client()
        run_id = run_id or run_of_logged_model(tracking, model_id)
        run = get_run(tracking, run_id)
        with tempfile.TemporaryDirectory(prefix="ucsql-register-") as tmp:
            directory = local_model_path or model_folder(in_run(source, run), tmp,
                                                         self.tracking_uri, self._server)
            node = add_version_node(name, os.path.abspath(directory), source, run_id, run_link,
                                    model_id, description, tags, lineage_json(run))
            # The version as ADD VERSION recorded it (Result.details): no read back, which
            # would cost a statement and need EXECUTE, which registering does not.
            return self._model_version(self._run(node).details)

    @_mlflow_errors
    def update_model_version(self, name, version, description):
        self._run(d.CommentOn(kind="MODEL", this=_name(name), version=_lit(version),
                              comment=_lit(description)))
        return self.get_model_version(name, version)

    @_mlflow_errors
    def transition_model_version_stage(self, name, version, stage, archive_existing_versions=False):
        raise InvalidArgument(f"transition_model_version_stage: {_STAGES_MESSAGE}")

    @_mlflow_errors
    def delete_model_version(self, name, version):
        self._run(d.DropModelVersion(this=_name(name), version=_lit(version)))

    @_mlflow_errors
    def get_model_version(self, name, version):
        [row] = _rows(self._run(d.GetModelVersion(this=_name(name), version=_lit(version))))
        return self._model_version(row)

    @_mlflow_errors
    def get_model_version_by_alias(self, name, alias):
        node = d.GetModelVersion(this=_name(name), alias=exp.to_identifier(alias, quoted=True))
        [row] = _rows(self._run(node))
        return self._model_version(row)

    def _model_version(self, row: dict) -> ModelVersion:
        return model_version_of(row)

    @_mlflow_errors
    def get_model_version_download_uri(self, name, version):
        """A ``ucsql://`` URI that UcsqlArtifactRepository serves by copying the managed files
        out (after an EXECUTE check), so loading never writes into them."""
        mv = self.get_model_version(name, version)
        caller = serving.CALLER.get() if self._server is not None else None
        if caller is not None and not caller.local:
            # A remote stock client has no ucsql:// repository: hand it the server's own
            # download route, in the shape MLflow's HttpArtifactRepository lists and fetches.
            quoted = urllib.parse.quote(mv.name, safe="")
            return f"{caller.base_url}/ucsql/files/{quoted}/{mv.version}/mlflow-artifacts/artifacts"
        query = urllib.parse.urlencode({"model": mv.name, "version": mv.version})
        return f"ucsql://{urllib.parse.quote(self.path)}?{query}"

    @_mlflow_errors
    def search_model_versions(self, filter_string=None, max_results=None, order_by=None,
                              page_token=None):
        from . import mlflow_search
        search = self._compiled(mlflow_search.compile_version_search, filter_string, max_results,
                                order_by, page_token)
        rows = _rows(self._run(search.node, search.params))
        token = mlflow_search.next_page_token(search, len(rows))
        return PagedList([self._model_version(r) for r in rows[: search.max_results]], token)

    @_mlflow_errors
    def set_model_version_tag(self, name, version, tag):
        self._run(d.SetTags(kind="MODEL", this=_name(name), version=_lit(version), expressions=[
            d.TagPair(this=_lit(tag.key), expression=_lit(tag.value))]))

    @_mlflow_errors
    def delete_model_version_tag(self, name, version, key):
        self._run(d.UnsetTags(kind="MODEL", this=_name(name), version=_lit(version),
                              expressions=[_lit(key)]))

    # -- aliases ----------------------------------------------------------------------------
    @_mlflow_errors
    def set_registered_model_alias(self, name, alias, version):
        self._run(d.SetModelAlias(this=_name(name), alias=exp.to_identifier(alias, quoted=True),
                                  version=_lit(version)))

    @_mlflow_errors
    def delete_registered_model_alias(self, name, alias):
        self._run(d.DropModelAlias(this=_name(name), alias=exp.to_identifier(alias, quoted=True)))

    # -- copying and creation ---------------------------------------------------------------
    @_mlflow_errors
    def copy_model_version(self, src_mv, dst_name):
        """Promote a version to another model (often another catalog): files and metadata are
        copied; the destination is created if missing (CREATE_MODEL on its schema)."""
        for node in copy_nodes(src_mv, dst_name):
            result = self._run(node)
        return self._model_version(result.details)

    def _copy(self, src_name, src_version, dst_name, *, tags=None, description=None):
        return self._model_version(self._run(
            copy_node(src_name, src_version, dst_name, tags, description)).details)

    def _await_model_version_creation(self, mv, await_creation_for):
        """Versions are READY when create_model_version returns: nothing to wait for."""

    def get_model_version_stages(self, name, version):
        """Every version's one stage: "None" (transitions are refused, see STAGES)."""
        return ["None"]

    @_mlflow_errors
    def run_node(self, node: exp.Expression) -> list[dict]:
        """The rows of one statement node, run as the caller (for UcsqlArtifactRepository)."""
        return _rows(self._run(node))


def model_version_of(row: dict) -> ModelVersion:
    """MLflow's ModelVersion of a version row (or of what ADD VERSION answers)."""
    return ModelVersion(
        name=row["full_name"],
        version=str(row["version"]),
        creation_timestamp=_ms(row, "created_at", "creation_timestamp"),
        last_updated_timestamp=_ms(row, "updated_at", "last_updated_timestamp"),
        description=row["comment"],
        user_id=row["created_by"],
        source=row["source"],
        run_id=row["run_id"],
        status=row["status"],
        status_message=row["status_message"],
        tags=[ModelVersionTag(k, v) for k, v in _map(row["tags"]).items()],
        run_link=row.get("run_link"),
        aliases=list(row["aliases"] or []),
        model_id=row.get("logged_model_id"),
    )


def copy_nodes(src_mv, dst_name) -> list:
    """copy_model_version: the destination model if missing (IF NOT EXISTS: CREATE_MODEL is
    needed only then), then the copy with the source's tags and description."""
    return [d.CreateSecurable(kind="MODEL", this=_name(dst_name), exists=True),
            copy_node(src_mv.name, int(src_mv.version), dst_name,
                      [ModelVersionTag(k, v) for k, v in (src_mv.tags or {}).items()],
                      src_mv.description)]


def copy_node(src_name, src_version, dst_name, tags, description) -> d.AddModelVersion:
    """ADD VERSION FROM MODEL src VERSION n: a copy within the registry (EXECUTE on src)."""
    return d.AddModelVersion(
        this=_name(dst_name), from_model=_name(src_name),
        from_version=exp.Literal.number(int(src_version)),
        comment=_lit(description) if description is not None else None,
        tags=[d.TagPair(this=_lit(t.key), expression=_lit(t.value)) for t in tags or []])


def run_of_logged_model(tracking, model_id) -> str | None:
    """log_model passes run_id=None and the logged model's id: the run is the model's."""
    if not model_id:
        return None
    try:
        return tracking.get_logged_model(model_id).source_run_id
    except MlflowException:
        return None


def get_run(tracking, run_id):
    """The run (read once per registration: its files and its datasets), or None."""
    if not run_id:
        return None
    try:
        return tracking.get_run(run_id)
    except MlflowException:
        return None


def add_version_node(name, directory, source, run_id, run_link, model_id, description, tags,
                     lineage) -> d.AddModelVersion:
    """ADD VERSION of what MLflow's create_model_version was given."""
    return d.AddModelVersion(
        this=_name(name), source=_lit(directory), source_uri=_lit(source),
        run_id=_lit(run_id) if run_id else None,
        run_link=_lit(run_link) if run_link and run_id else None,
        logged_model_id=_lit(model_id) if model_id else None,
        comment=_lit(description) if description is not None else None,
        tags=[d.TagPair(this=_lit(t.key), expression=_lit(t.value)) for t in tags or []],
        lineage=_lit(lineage) if lineage else None)


def lineage_json(run) -> str | None:
    """The run's dataset inputs (mlflow.log_input), as the JSON the LINEAGE clause takes."""
    if run is None:
        return None
    import json
    inputs = []
    for item in run.inputs.dataset_inputs if run.inputs else []:
        context = next((t.value for t in item.tags if t.key == "mlflow.data.context"), None)
        ds = item.dataset
        inputs.append({"name": ds.name, "digest": ds.digest, "source_type": ds.source_type,
                       "source": ds.source, "context": context})
    return json.dumps(inputs) if inputs else None


def in_run(source, run) -> str:
    """``runs:/<id>/<path>`` of the run already read, as the location its files are at (what
    MLflow's runs:/ repository would look the run up again for); any other source as it is."""
    text = str(source)
    if run is None or not text.startswith("runs:/"):
        return text
    from mlflow.store.artifact.runs_artifact_repo import RunsArtifactRepository
    from mlflow.utils.uri import append_to_uri_path
    try:
        run_id, path = RunsArtifactRepository.parse_runs_uri(text)
    except MlflowException:
        return text
    if run_id != run.info.run_id:
        return text
    return append_to_uri_path(run.info.artifact_uri, path) if path else run.info.artifact_uri


def own_version(source) -> tuple[str, int] | None:
    """(model, version) when ``source`` is ``models:/<name>/<version>`` naming a version of
    this registry (as copy_model_version passes it), else None."""
    parsed = urllib.parse.urlparse(str(source))
    if parsed.scheme != "models" or parsed.netloc:
        return None
    parts = parsed.path.strip("/").split("/")
    if len(parts) == 2 and parts[1].isdigit() and parts[0].count(".") == 2:
        return parts[0], int(parts[1])
    return None


def model_folder(source: str, tmp: str, tracking_uri: str | None,
                 server: serving.Server | None = None) -> str:
    """The folder to copy a model from: the folder itself when the files behind ``source``
    (a path, ``file:``, or a ``runs:/`` or ``models:/m-…`` whose artifacts are on this
    machine's disk) are local, so the engine checks that very folder (not a copy of it:
    files inside a storage root must be copied with FROM MODEL, which checks EXECUTE);
    else a download through MLflow into ``tmp``."""
    local = _local_folder(str(source), tracking_uri, server)
    if local is not None:
        return local
    parsed = urllib.parse.urlparse(str(source))
    if server is not None:
        # A server reads and fetches nothing on a caller's behalf (its own files, an
        # experiment's artifact_location pointed at them, an address only it can reach):
        # what it registers was uploaded through it.
        raise InvalidArgument(
            f"Model source {names.shown(str(source), 200)} is not a model uploaded to this "
            "server. Log the model through the server (mlflow.<flavor>.log_model with "
            "MLFLOW_TRACKING_URI set to it) and register that, or copy a version of this "
            "registry (models:/<catalog>.<schema>.<model>/<version>).")
    if parsed.scheme in ("", "file"):
        raise InvalidArgument(
            f"Model source {names.shown(str(source), 200)} is not a folder on this machine. "
            "Give the folder MLflow saved the model to (mlflow.<flavor>.save_model), or a "
            "runs:/<run id>/<path> or models:/ URI.")
    import mlflow.artifacts
    try:
        path = mlflow.artifacts.download_artifacts(artifact_uri=str(source), dst_path=tmp,
                                                   tracking_uri=tracking_uri)
    except Exception as e:  # noqa: BLE001 - any failure (a missing client library too) is one line
        reason = e.message if isinstance(e, MlflowException) else f"{type(e).__name__}: {e}"
        raise InvalidArgument(f"Cannot fetch the model files from "
                              f"{names.shown(str(source), 200)}: {one_line(reason)}") from None
    if parsed.scheme == "models":
        # MLflow's models:/ repository writes a registered_model_meta file (the name and
        # version it downloaded, null for models:/m-<id>) into what it downloads: download
        # metadata, not a file of the model, so it is not copied into managed storage.
        Path(path, "registered_model_meta").unlink(missing_ok=True)
    return path

def _local_folder(source: str, tracking_uri: str | None,
                  server: serving.Server | None) -> str | None:
    """The local folder behind ``source``, if MLflow would read it from this machine."""
    uri = source
    try:
        if uri.startswith("runs:/"):
            from mlflow.store.artifact.runs_artifact_repo import RunsArtifactRepository
            uri = RunsArtifactRepository.get_underlying_uri(uri, tracking_uri)
        elif uri.startswith("models:/m-"):
            from mlflow.store.artifact.models_artifact_repo import ModelsArtifactRepository
            uri = ModelsArtifactRepository.get_underlying_uri(uri)
    except Exception:  # noqa: BLE001 - not resolvable here: MLflow's download will say why
        return None
    parsed = urllib.parse.urlparse(uri)
    if server is not None:
        return _uploaded_folder(parsed.path, server) if parsed.scheme == "mlflow-artifacts" else None
    if parsed.scheme not in ("", "file") or parsed.netloc not in ("", "localhost"):
        return None
    path = urllib.request.url2pathname(parsed.path) if parsed.scheme else uri
    return path if os.path.isdir(path) else None

def _uploaded_folder(path: str, server: serving.Server) -> str | None:
    """Inside a server, an ``mlflow-artifacts:/<path>`` location (where a stock client's
    log_model uploaded the files, through MLflow's artifact proxy) is a folder under the
    server's artifacts root; MLflow's own download would need an http tracking URI."""
    root = server.artifacts_root.resolve()
    folder = (root / urllib.parse.unquote(path).lstrip("/")).resolve()
    if root not in folder.parents or not folder.is_dir():
        return None
    return str(folder)


def _is_prompt(tags) -> bool:
    """Whether MLflow's tags mark a registered model or version as a prompt."""
    pairs = tags.items() if isinstance(tags, dict) else ((t.key, t.value) for t in tags or [])
    return any(k == IS_PROMPT_TAG_KEY and str(v).lower() == "true" for k, v in pairs)


def _refused(name: str, message: str):
    """A store method that refuses every call with ``message`` (audited, NOT_IMPLEMENTED),
    with AbstractStore's signature so the audit row names the call's arguments."""
    @functools.wraps(getattr(AbstractStore, name))
    def method(self, *args, **kwargs):
        raise NotSupported(message)
    return _mlflow_errors(method)


# AbstractStore serves prompts as registered models whose versions have no files (source
# "dummy-source"); ucsql versions are model folders with signatures, so every prompt call is
# refused at once, never half-done. Webhooks are statements (ucsql.mlflow_webhooks).
_PROMPT_METHODS = sorted(m for m in dir(AbstractStore) if "prompt" in m and not m.startswith("_"))
for _method in _PROMPT_METHODS:
    setattr(UcsqlRegistryStore, _method, _refused(_method, PROMPTS))
for _name_, _method in mlflow_webhooks.METHODS.items():
    setattr(UcsqlRegistryStore, _name_,
            _mlflow_errors(functools.wraps(getattr(AbstractStore, _name_))(_method)))


class UcsqlArtifactRepository(ArtifactRepository):
    """Serves ``ucsql:///metastore.duckdb?model=...&version=...`` download URIs: the caller needs
    EXECUTE on the model (checked and audited once, when the repository is made); files are
    copied out of managed storage, which stays read-only to MLflow. A path outside the
    version's files (``..``, an absolute path, a symlink out) is refused and audited. The URI
    must name an existing metastore: serving a download never creates one."""

    def __init__(self, artifact_uri: str, tracking_uri: str | None = None,
                 registry_uri: str | None = None):
        super().__init__(artifact_uri, tracking_uri, registry_uri)
        parsed = urllib.parse.urlparse(artifact_uri)
        query = urllib.parse.parse_qs(parsed.query)
        if not query.get("model") or not query.get("version"):
            raise _error(f"{artifact_uri!r} is not a ucsql model download URI.", "INVALID_PARAMETER_VALUE")
        path = os.path.abspath(metastore_path(artifact_uri))
        if not os.path.isfile(path):
            raise _error(f"Metastore {path} does not exist, so the download URI "
                         f"{artifact_uri!r} names no model files. Ask the registry for the "
                         "version's download URI again "
                         "(MlflowClient().get_model_version_download_uri).",
                         "RESOURCE_DOES_NOT_EXIST")
        self.model, self.version = query["model"][0], query["version"][0]
        from .mlflow_served import ServedFiles, served_for
        served = served_for(path)
        self._served = ServedFiles(served, self.model, self.version) if served else None
        if served is not None:
            return  # the server checks EXECUTE, per file it sends
        # The registry store MLflow already built for this metastore (it caches one per URI).
        from mlflow.tracking._model_registry.utils import _get_store
        self.store = store = _get_store(f"ucsql://{parsed.path}")
        mv = store.run_node(d.GetModelVersion(this=_name(self.model), version=_lit(self.version)))
        if mv[0]["status"] != "READY":  # a pending version's folder holds unregistered files
            raise _error(f"{self.model} version {self.version} is {mv[0]['status']}: its files "
                         "can be read once it is finalized (READY).", "INVALID_PARAMETER_VALUE")
        self.root = Path(mv[0]["storage_location"])

    def local_file(self, path: str | None) -> Path:
        """The file (or folder) ``path`` of the version's files, for a server to send; a path
        outside them is refused and audited."""
        return self._local(path)

    def _local(self, path: str | None) -> Path:
        root = self.root.resolve()
        local = (self.root / (path or "")).resolve()
        if local != root and root not in local.parents:
            who = self.store._caller_name()
            message = (f"Permission denied: {who} cannot read "
                       f"{names.shown(str(path), 200)}: it is outside the files of "
                       f"{self.model} version {self.version}. Give a path inside the version's "
                       "files, as list_artifacts names them.")
            record_refusal(self.store._catalog.engine, who, "DOWNLOAD_ARTIFACT",
                           f"-- download {names.shown(str(path), 200)} of {self.model} "
                           f"version {self.version}", "DENIED", message,
                           securable_kind="MODEL",
                           securable_name=f"{self.model} version {self.version}",
                           token_id=self.store._caller_token())
            raise _error(message, "PERMISSION_DENIED")
        return local

    def list_artifacts(self, path=None):
        if self._served is not None:
            return [FileInfo(p, is_dir, size) for p, is_dir, size in self._served.list(path)]
        base = self._local(path)
        if not base.is_dir():
            return []
        infos = []
        for child in sorted(base.iterdir()):
            rel = child.relative_to(self.root).as_posix()
            infos.append(FileInfo(rel, child.is_dir(), None if child.is_dir() else child.stat().st_size))
        return infos

    def _download_file(self, remote_file_path, local_path):
        if self._served is not None:
            return self._served.download(remote_file_path, local_path)
        shutil.copyfile(self._local(remote_file_path), local_path)

    def log_artifact(self, local_file, artifact_path=None):
        raise _error("Model version files are read-only; register a new version instead.", "INVALID_PARAMETER_VALUE")

    def log_artifacts(self, local_dir, artifact_path=None):
        self.log_artifact(local_dir, artifact_path)

    def delete_artifacts(self, artifact_path=None):
        self.log_artifact(None, artifact_path)
