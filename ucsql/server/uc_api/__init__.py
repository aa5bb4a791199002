"""Unity Catalog OSS REST 2.1 under ``/api/2.1/unity-catalog/``, so the stock
``unitycatalog-client`` SDK and MLflow's ``uc:http://host:port`` registry scheme work against
``ucsql serve``.

Routes: catalogs, schemas and registered models (list with ``max_results``/``page_token``, get,
create, update incl. rename/comment/owner, delete); model versions (create ->
PENDING_REGISTRATION, finalize -> READY, get, list, update comment, delete: see ``versions``
for how files get in, and what a ``file://`` location trusts); ``permissions`` GET/PATCH and
``effective-permissions``; ``metastore_summary``. Every call is a ucsql statement run as the
request's token holder (privileges, refusals, audit rows with the token's id), answered in
UC's JSON (timestamps in epoch ms) and UC's error bodies ``{"error_code", "message"}``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from . import grants, namespace, versions
from .respond import not_found, route

PREFIX = "/api/2.1/unity-catalog"

_ROUTES = [
    ("/catalogs", "GET", namespace.list_catalogs),
    ("/catalogs", "POST", namespace.create_catalog),
    ("/catalogs/{name}", "GET", namespace.get_catalog),
    ("/catalogs/{name}", "PATCH", namespace.update_catalog),
    ("/catalogs/{name}", "DELETE", namespace.delete_catalog),
    ("/schemas", "GET", namespace.list_schemas),
    ("/schemas", "POST", namespace.create_schema),
    ("/schemas/{full_name}", "GET", namespace.get_schema),
    ("/schemas/{full_name}", "PATCH", namespace.update_schema),
    ("/schemas/{full_name}", "DELETE", namespace.delete_schema),
    ("/models", "GET", namespace.list_models),
    ("/models", "POST", namespace.create_model),
    ("/models/versions", "POST", versions.create_version),
    ("/models/{full_name}", "GET", namespace.get_model),
    ("/models/{full_name}", "PATCH", namespace.update_model),
    ("/models/{full_name}", "DELETE", namespace.delete_model),
    ("/models/{full_name}/versions", "GET", versions.list_versions),
    ("/models/{full_name}/versions/{version}", "GET", versions.get_version),
    ("/models/{full_name}/versions/{version}", "PATCH", versions.update_version),
    ("/models/{full_name}/versions/{version}", "DELETE", versions.delete_version),
    ("/models/{full_name}/versions/{version}/finalize", "PATCH", versions.finalize_version),
    ("/permissions/{securable_type}/{full_name}", "GET", grants.get_permissions),
    ("/permissions/{securable_type}/{full_name}", "PATCH", grants.update_permissions),
    ("/permissions/{securable_type}", "GET", grants.get_permissions),
    ("/permissions/{securable_type}", "PATCH", grants.update_permissions),
    ("/effective-permissions/{securable_type}/{full_name}", "GET", grants.effective_permissions),
    ("/effective-permissions/{securable_type}", "GET", grants.effective_permissions),
    ("/metastore_summary", "GET", namespace.metastore_summary),
    ("/temporary-model-version-credentials", "POST", versions.temporary_credentials),
    ("/temporary-table-credentials", "POST", versions.temporary_credentials),
    ("/temporary-path-credentials", "POST", versions.temporary_credentials),
    ("/temporary-volume-credentials", "POST", versions.temporary_credentials),
]


async def _unknown(request):
    return not_found(f"{request.method} {request.url.path}")


def build() -> Starlette:
    """The UC REST application, for paths under ``PREFIX`` (the server's dispatch sends them
    here, after authentication)."""
    routes = [Route(PREFIX + path, route(fn), methods=[method]) for path, method, fn in _ROUTES]
    # Anything else under the prefix (another method, another path) is UC's JSON 404.
    routes.append(Route(PREFIX + "/{rest:path}", _unknown,
                        methods=["GET", "POST", "PATCH", "PUT", "DELETE"]))
    return Starlette(routes=routes)
