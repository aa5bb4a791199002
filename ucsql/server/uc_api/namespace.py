"""Catalogs, schemas and registered models over Unity Catalog REST: each call is the ucsql
statement that does the same (CREATE, DROP, COMMENT ON, OWNER TO, RENAME, DESCRIBE), then a
read of the privilege-filtered system views for UC's JSON (timestamps in epoch ms)."""

from __future__ import annotations

import os
import urllib.parse
import urllib.request

from sqlglot import exp

from ... import dialect as d
from ...api import Catalog
from ...errors import NotFound
from .respond import BadRequest, clean, listed, page, page_size, page_start, rows, text


def _literal(value: str | None) -> exp.Expression | None:
    return None if value is None else exp.Literal.string(value)


def name_of(*parts: str) -> exp.Table:
    """A name node from its parts, each taken literally (names themselves hold no dots)."""
    for part in parts:
        if "." in part:
            raise BadRequest(f"{part!r} is not a single name: catalog, schema and model names "
                             "hold no dots.")
    return d.name_node(".".join(parts))


def split(full_name: str, count: int) -> list[str]:
    parts = full_name.split(".")
    if len(parts) != count or not all(parts):
        want = ".".join(["catalog", "schema", "model"][:count])
        raise BadRequest(f"{full_name!r} is not a full name of the form {want}.")
    return parts


def _described(catalog: Catalog, kind: str, node: exp.Table) -> None:
    """DESCRIBE: 404 when the object does not exist, 403 when the caller may not see it."""
    catalog.execute(d.DescribeSecurable(kind=kind, this=node))


def _update(catalog: Catalog, kind: str, node: exp.Table, body: dict) -> None:
    """PATCH fields common to catalogs, schemas and models: comment and owner (the caller
    holds a script transaction, so a refused change leaves the others undone too)."""
    comment, owner = text(body, "comment"), text(body, "owner")
    if "comment" in body:
        catalog.execute(d.CommentOn(kind=kind, this=node, comment=_literal(comment)))
    if owner is not None:
        catalog.execute(d.SetOwner(kind=kind, this=node,
                                   principal=exp.to_identifier(owner, quoted=True)))


def _no_rename(kind: str, body: dict) -> None:
    if body.get("new_name") is not None:
        raise BadRequest(f"A {kind.lower()} cannot be renamed in ucsql (its files and grants "
                         "stay put by id, but names of catalogs and schemas are fixed); "
                         "create a new one instead.")


# -- catalogs ------------------------------------------------------------------------------------

def _catalog(catalog: Catalog, name: str) -> dict:
    found = rows(catalog, "catalogs", name=name, after=None, limit=1)
    if not found:
        raise NotFound(f"Catalog {name} does not exist. List the catalogs you can use with "
                       "GET /catalogs.")
    return clean(found[0])


def list_catalogs(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    size = page_size(query)
    after = page_start(query, "catalogs")
    found = rows(catalog, "catalogs", name=None, after=after, limit=size + 1)
    shown, token = page(found, size, "catalogs", "name")
    return listed("catalogs", [clean(r) for r in shown], token)


def get_catalog(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    [name] = split(path["name"], 1)
    _described(catalog, "CATALOG", name_of(name))
    return _catalog(catalog, name.lower())


def create_catalog(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    name = text(body, "name", required=True)
    catalog.execute(d.CreateSecurable(kind="CATALOG", this=name_of(name),
                                      comment=_literal(text(body, "comment")),
                                      location=_literal(_local(text(body, "storage_root")))))
    return _catalog(catalog, name.lower())


def update_catalog(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    [name] = split(path["name"], 1)
    _no_rename("CATALOG", body)
    with catalog.engine.script_transaction():
        _update(catalog, "CATALOG", name_of(name), body)
    return _catalog(catalog, name.lower())


def delete_catalog(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    [name] = split(path["name"], 1)
    catalog.execute(d.DropSecurable(kind="CATALOG", this=name_of(name),
                                    cascade=query.get("force") == "true" or None))
    return {}


def _local(root: str | None) -> str | None:
    """A storage root as MANAGED LOCATION takes it: a folder on the server's machine."""
    if root is None or not root.startswith(("file:", "/")):
        if root is not None:
            raise BadRequest(f"storage_root {root!r} is not a folder on the server: ucsql keeps "
                             "model files on its own disk (give /path or file:///path).")
        return None
    if root.startswith("file:"):
        parsed = urllib.parse.urlparse(root)
        if parsed.netloc not in ("", "localhost"):
            raise BadRequest(f"storage_root {root!r} names another host.")
        return urllib.request.url2pathname(parsed.path)
    return root


# -- schemas -------------------------------------------------------------------------------------

def _schema(catalog: Catalog, catalog_name: str, schema: str) -> dict:
    found = rows(catalog, "schemas", catalog=catalog_name, schema=schema, after=None, limit=1)
    if not found:
        raise NotFound(f"Schema {catalog_name}.{schema} does not exist.")
    return clean(found[0])


def list_schemas(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    name = text(query, "catalog_name", required=True)
    size = page_size(query)
    after = page_start(query, f"schemas:{name}")
    _described(catalog, "CATALOG", name_of(name))
    found = rows(catalog, "schemas", catalog=name.lower(), schema=None, after=after,
                 limit=size + 1)
    shown, token = page(found, size, f"schemas:{name}", "name")
    return listed("schemas", [clean(r) for r in shown], token)


def get_schema(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    c, s = split(path["full_name"], 2)
    _described(catalog, "SCHEMA", name_of(c, s))
    return _schema(catalog, c.lower(), s.lower())


def create_schema(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    c = text(body, "catalog_name", required=True)
    s = text(body, "name", required=True)
    catalog.execute(d.CreateSecurable(kind="SCHEMA", this=name_of(c, s),
                                      comment=_literal(text(body, "comment")),
                                      location=_literal(_local(text(body, "storage_root")))))
    return _schema(catalog, c.lower(), s.lower())


def update_schema(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    c, s = split(path["full_name"], 2)
    _no_rename("SCHEMA", body)
    with catalog.engine.script_transaction():
        _update(catalog, "SCHEMA", name_of(c, s), body)
    return _schema(catalog, c.lower(), s.lower())


def delete_schema(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    c, s = split(path["full_name"], 2)
    catalog.execute(d.DropSecurable(kind="SCHEMA", this=name_of(c, s),
                                    cascade=query.get("force") == "true" or None))
    return {}


# -- registered models ---------------------------------------------------------------------------

def model(catalog: Catalog, full_name: str) -> dict:
    found = rows(catalog, "registered_models", catalog=None, schema=None, full_name=full_name,
                 after=None, limit=1)
    if not found:
        raise NotFound(f"Registered model {full_name} does not exist.")
    return clean(found[0])


def list_models(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    c, s = text(query, "catalog_name"), text(query, "schema_name")
    if s is not None and c is None:
        raise BadRequest("Give catalog_name with schema_name.")
    size = page_size(query)
    listing = f"models:{c or ''}.{s or ''}"
    after = page_start(query, listing)
    if s is not None:
        _described(catalog, "SCHEMA", name_of(c, s))
    elif c is not None:
        _described(catalog, "CATALOG", name_of(c))
    found = rows(catalog, "registered_models", catalog=c and c.lower(), schema=s and s.lower(),
                 full_name=None, after=after, limit=size + 1)
    shown, token = page(found, size, listing, "full_name")
    return listed("registered_models", [clean(r) for r in shown], token)


def get_model(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    parts = split(path["full_name"], 3)
    catalog.execute(d.GetModel(this=name_of(*parts)))  # 404 / 403 as GET MODEL decides
    return model(catalog, ".".join(parts).lower())


def create_model(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    parts = [text(body, k, required=True) for k in ("catalog_name", "schema_name", "name")]
    catalog.execute(d.CreateSecurable(kind="MODEL", this=name_of(*parts),
                                      comment=_literal(text(body, "comment"))))
    return model(catalog, ".".join(parts).lower())


def update_model(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    parts = split(path["full_name"], 3)
    node = name_of(*parts)
    new_name = text(body, "new_name")
    with catalog.engine.script_transaction():
        _update(catalog, "MODEL", node, {k: v for k, v in body.items() if k != "new_name"})
        if new_name is not None:
            target = new_name if "." in new_name else ".".join([*parts[:2], new_name])
            catalog.execute(d.RenameModel(this=node, to=d.name_node(target)))
            parts = split(target, 3)
    return model(catalog, ".".join(parts).lower())


def delete_model(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    parts = split(path["full_name"], 3)
    catalog.execute(d.DropSecurable(kind="MODEL", this=name_of(*parts)))
    return {}


def metastore_summary(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    metastore = catalog.engine.metastore
    return {"metastore_id": str(metastore.metastore_id),
            "name": os.path.basename(metastore.path)}
