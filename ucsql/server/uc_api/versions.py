"""Model versions over Unity Catalog REST, with UC's two-step registration.

``POST /models/versions`` makes a PENDING_REGISTRATION version (``Catalog.reserve_version``)
whose ``storage_location`` is a ``file://`` URI of an empty upload folder of its own, inside
ucsql's storage; the client writes the model's files there (MLflow's ``uc:`` scheme does, with
its LocalArtifactRepository); ``PATCH .../finalize`` copies them into managed storage as ADD
VERSION copies a folder (MLmodel and signature checked, only regular files, each hashed, the
digest recorded) and makes the version READY in one transaction. So a version is READY only
with complete, verified files; a pending one survives restarts (its row names its folder, and
gc keeps what a row names), and an abandoned one is removed with DROP VERSION (or its folder
by gc once no row names it). What a client writes after finalize is never registered.

Trust: a ``file://`` location means the client writes straight onto the server's disk, so it
must run on the server's machine as an operating-system user that may write ucsql's storage
folder; such a user could open the metastore file itself, so this grants it nothing new.
Clients elsewhere cannot use the two-step flow (ucsql hands out no cloud credentials:
the temporary-credentials routes answer 501); they register through MLflow's REST API.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from sqlglot import exp

from ... import dialect as d
from ... import names
from ...api import Catalog
from ...errors import NotFound
from .namespace import name_of, split
from .respond import (BadRequest, NotSupported, clean, listed, page, page_size, page_start,
                      rows, text)


def _uri(location: str | None) -> str | None:
    return None if location is None else Path(location).as_uri()


def _number(value) -> int:
    try:
        return names.version_number(value)
    except Exception:  # noqa: BLE001 - any malformed number is the request's mistake
        raise BadRequest(f"Version {names.shown(str(value))} is not a version number "
                         "(a whole number from 1).") from None


def _json(row: dict, full_name: str) -> dict:
    c, s, m = full_name.split(".")
    return clean({
        "model_name": m, "catalog_name": c, "schema_name": s, "version": row["version"],
        "source": row.get("source"), "run_id": row.get("run_id"), "status": row["status"],
        "storage_location": _uri(row.get("storage_location")), "comment": row.get("comment"),
        "created_at": _ms(row.get("created_at")), "created_by": row.get("created_by"),
        "updated_at": _ms(row.get("updated_at")), "updated_by": row.get("updated_by"),
    })


def _ms(value):
    """Epoch milliseconds of a timestamp (the views already give them as numbers)."""
    if value is None or isinstance(value, int):
        return value
    return (value - _EPOCH) // datetime.timedelta(milliseconds=1)


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _seen(catalog: Catalog, full_name: str, number: int) -> dict | None:
    """The version as the caller may see it in the system views (no location unless it may
    load it), or None."""
    found = rows(catalog, "model_versions", full_name=full_name, version=number, after=None,
                 limit=1)
    return found[0] if found else None


def create_version(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    parts = [text(body, k, required=True) for k in ("catalog_name", "schema_name", "model_name")]
    full_name = ".".join(parts).lower()
    name_of(*parts)
    result = catalog.reserve_version(full_name, source=text(body, "source"),
                                     run_id=text(body, "run_id"), comment=text(body, "comment"))
    return _json(result.details, full_name)


def finalize_version(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    full_name = ".".join(split(path["full_name"], 3)).lower()
    number = _number(path["version"])
    if body.get("version") not in (None, number, str(number)):
        raise BadRequest(f"The body names version {names.shown(str(body['version']))}, the "
                         f"path version {number}.")
    done = catalog.finalize_version(full_name, number).details
    return _json(_seen(catalog, full_name, number) or done, full_name)


def get_version(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    parts = split(path["full_name"], 3)
    number = _number(path["version"])
    # GET MODEL VERSION: EXECUTE (or ownership) as loading needs, since the answer holds the
    # location of the files; 404 for a model or version that does not exist.
    [row] = catalog.execute(d.GetModelVersion(this=name_of(*parts),
                                              version=exp.Literal.number(number))).table.to_pylist()
    return _json(row, row["full_name"])


def list_versions(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    parts = split(path["full_name"], 3)
    full_name = ".".join(parts).lower()
    size = page_size(query)
    listing = f"versions:{full_name}"
    after = page_start(query, listing, int)
    catalog.execute(d.DescribeSecurable(kind="MODEL", this=name_of(*parts)))  # 404 / 403
    found = rows(catalog, "model_versions", full_name=full_name, version=None, after=after,
                 limit=size + 1)
    shown, token = page(found, size, listing, "version")
    return listed("model_versions", [_json(r, full_name) for r in shown], token)


def update_version(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    parts = split(path["full_name"], 3)
    full_name = ".".join(parts).lower()
    number = _number(path["version"])
    if "comment" in body:
        comment = text(body, "comment")
        catalog.execute(d.CommentOn(kind="MODEL", this=name_of(*parts),
                                    version=exp.Literal.string(str(number)),
                                    comment=exp.Null() if comment is None
                                    else exp.Literal.string(comment)))
    row = _seen(catalog, full_name, number)
    if row is None:
        raise NotFound(f"Model {full_name} has no version {number} you can see.")
    return _json(row, full_name)


def delete_version(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    parts = split(path["full_name"], 3)
    number = _number(path["version"])
    catalog.execute(d.DropModelVersion(this=name_of(*parts),
                                       version=exp.Literal.string(str(number))))
    return {}


def temporary_credentials(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    raise NotSupported(
        "ucsql hands out no temporary cloud credentials: model version storage locations are "
        "file:// folders on the server's machine, written directly by a client on that machine. "
        "From another machine, register models through MLflow's REST API "
        "(MLFLOW_TRACKING_URI=http://host:port).")
