"""MLflow's ``ucsql:///path`` while ``ucsql serve`` holds ``path``: the same calls, through the server.

A process on the server's machine (a notebook, a training job) keeps its registry URI. Its
store is then MLflow's own REST store pointed at the server, with the local client's credential
(``ucsql.local_clients``), acting as ``UCSQL_PRINCIPAL`` or the login name, read per call as the
embedded store does. Two calls differ from plain REST:

- registering: the files behind the source (a local folder, ``runs:/`` and ``models:/m-…`` of
  this process's tracking store) are found here, uploaded through the server's artifact proxy
  and registered from there; the server never reads a path of the client's (it may run as
  another user), and the upload is removed once the version holds its own copy. Copies of a
  version of this registry (``models:/c.s.m/N``) go as they are.
- downloading: the server answers a local client with the ``ucsql://`` download URI, and
  ``UcsqlArtifactRepository`` fetches the files from the server's download route (EXECUTE is
  checked there, per file).
"""

from __future__ import annotations

import os
import tempfile
import urllib.parse
import uuid
from pathlib import Path

import requests
from mlflow.store.model_registry.rest_store import RestStore
from mlflow.utils.rest_utils import MlflowHostCreds

from .api import default_principal
from .errors import UcsqlError
from . import local_clients
from .local_clients import ServedFile

_UPLOADS = local_clients.LOCAL_UPLOADS
_TIMEOUT = 600


class ServedRegistryStore(RestStore):
    """MLflow's REST registry store, as a local client of the server holding the metastore."""

    def __init__(self, served: ServedFile, tracking_uri: str | None = None):
        self.served = served
        self.tracking_uri = tracking_uri
        super().__init__(self._host_creds)

    def _host_creds(self) -> MlflowHostCreds:
        return MlflowHostCreds(self.served.url, token=self.served.credential(default_principal()),
                               server_cert_path=self.served.certfile)

    def create_model_version(self, name, source, run_id=None, tags=None, run_link=None,
                             description=None, local_model_path=None, model_id=None):
        from . import mlflow_store as m
        own = m.own_version(source)
        if own is not None and local_model_path is None:
            return self._sql(m.copy_node(own[0], own[1], name, tags, description))
        from mlflow.tracking import MlflowClient
        tracking = MlflowClient(tracking_uri=self.tracking_uri)
        run_id = run_id or m.run_of_logged_model(tracking, model_id)
        run = m.get_run(tracking, run_id)
        with tempfile.TemporaryDirectory(prefix="ucsql-register-") as tmp:
            folder = local_model_path or m.model_folder(m.in_run(source, run), tmp,
                                                        self.tracking_uri)
            prefix = f"{_UPLOADS}/{uuid.uuid4().hex}"
            try:
                self._upload(Path(folder), prefix)
                # Registered as the embedded store does (ADD VERSION, with this process's run,
                # logged model and datasets), from the upload in the server's folder: MLflow's
                # own create-version route takes an upload only as part of a run it knows.
                node = m.add_version_node(name, os.path.join(self.served.uploads, prefix), source,
                                          run_id, run_link, model_id, description, tags,
                                          m.lineage_json(run))
                return self._sql(node)
            finally:
                self._request("DELETE", prefix)

    def copy_model_version(self, src_mv, dst_name):
        from . import mlflow_store as m
        return self._sql(*m.copy_nodes(src_mv, dst_name))

    def _sql(self, *nodes):
        """Run ucsql statements through the server; the version the last one answers with."""
        from . import mlflow_store as m
        from .mlflow_wording import in_mlflow_terms
        try:
            with self._catalog() as catalog:
                for node in nodes:
                    details = catalog.sql(node.sql(dialect="ucsql")).details
        except UcsqlError as e:  # in MLflow's terms, as the embedded store says it
            raise m._error(in_mlflow_terms(e.message), e.code) from None
        return m.model_version_of(details)

    def _catalog(self):
        """ucsql's own client of the server (SQL over HTTP), as this local client."""
        import requests

        from .remote import RemoteCatalog
        session = requests.Session()
        session.trust_env = False  # (as ucsql.api does for local clients: loopback, own cert)
        session.verify = self.served.verify()
        return RemoteCatalog(self.served.url, session=session,
                             authorization=self.served.authorization(default_principal()))

    def _upload(self, folder: Path, prefix: str) -> None:
        for file in sorted(folder.rglob("*")):
            if file.is_file():  # a symlink out of the folder is refused by the server's copy
                relative = file.relative_to(folder).as_posix()
                with open(file, "rb") as body:
                    self._request("PUT", f"{prefix}/{relative}", data=body)

    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        url = (f"{self.served.url}/api/2.0/mlflow-artifacts/artifacts/"
               f"{urllib.parse.quote(path)}")
        answer = requests.request(method, url, timeout=_TIMEOUT, verify=self.served.verify(),
                                  headers={"Authorization": self.served.authorization(
                                      default_principal())}, **kwargs)
        if method != "DELETE":
            answer.raise_for_status()
        return answer


class ServedFiles:
    """One version's files, fetched from the server's download route as a local client."""

    def __init__(self, served: ServedFile, model: str, version: str):
        self.served = served
        self.base = (f"{served.url}/ucsql/files/{urllib.parse.quote(model, safe='')}/"
                     f"{urllib.parse.quote(str(version))}/mlflow-artifacts/artifacts")

    def _get(self, url: str, **kwargs) -> requests.Response:
        from mlflow.exceptions import MlflowException
        answer = requests.get(url, timeout=_TIMEOUT, verify=self.served.verify(),
                              headers={"Authorization": self.served.authorization(
                                  default_principal())}, **kwargs)
        if answer.status_code != 200:
            try:
                body = answer.json()
                raise MlflowException(body["message"], error_code=body["error_code"])
            except (ValueError, KeyError):
                answer.raise_for_status()
        return answer

    def list(self, path: str | None) -> list[tuple[str, bool, int | None]]:
        params = {"path": path} if path else {}
        files = self._get(self.base, params=params).json().get("files", [])
        prefix = f"{path.rstrip('/')}/" if path else ""
        return [(prefix + f["path"], f["is_dir"], f.get("file_size")) for f in files]

    def download(self, path: str, local_path: str) -> None:
        answer = self._get(f"{self.base}/{urllib.parse.quote(path)}", stream=True)
        with open(local_path, "wb") as out:
            for chunk in answer.iter_content(1 << 20):
                out.write(chunk)


def served_for(path: str) -> ServedFile | None:
    """The server holding ``path`` when this process is not that server, else None."""
    from . import local_clients, serving
    if serving.served(path) is not None:
        return None
    found = local_clients.find(os.path.abspath(path))
    if found is not None:
        found.tell_once()
    return found
