"""Permissions over Unity Catalog REST: ``GET/PATCH /permissions/{securable_type}/{full_name}``
(the grants made on the object itself, privileges spelled with spaces as UC does) and
``GET /effective-permissions/...`` (Databricks' shape: every grant that applies, with
``inherited_from_type``/``inherited_from_name`` where it was made on a parent). Each is SHOW
GRANTS, GRANT or REVOKE as the caller, so who may read and change grants is decided by the
policy, exactly as in SQL."""

from __future__ import annotations

from sqlglot import exp

from ... import dialect as d
from ...api import Catalog
from .namespace import name_of, split
from .respond import BadRequest, text

# UC's securable types -> (ucsql's kind in GRANT / SHOW GRANTS, parts of the full name)
_KINDS = {"metastore": ("METASTORE", 0), "catalog": ("CATALOG", 1), "schema": ("SCHEMA", 2),
          "registered_model": ("FUNCTION", 3), "function": ("FUNCTION", 3)}


def _target(path: dict) -> tuple[str, exp.Table | None, str | None]:
    """(kind, name node, full name as SHOW GRANTS names it) of the path's securable."""
    kind_name = path["securable_type"].lower()
    if kind_name not in _KINDS:
        raise BadRequest(f"Securable type {path['securable_type']!r} has no grants in ucsql; "
                         f"use one of {', '.join(sorted(_KINDS))}.")
    kind, count = _KINDS[kind_name]
    if count == 0:
        return kind, None, None
    parts = split(path["full_name"], count)
    return kind, name_of(*parts), ".".join(parts).lower()


def _spaced(privilege: str) -> str:
    return privilege.replace("_", " ")


def _grants(catalog: Catalog, path: dict, principal: str | None) -> tuple[list[dict], str, str | None]:
    kind, node, full_name = _target(path)
    shown = catalog.execute(d.ShowGrants(
        kind=kind, this=node,
        principal=exp.to_identifier(principal, quoted=True) if principal else None))
    return shown.table.to_pylist(), kind, full_name


def _assignments(by_principal: dict[str, list]) -> dict:
    return {"privilege_assignments": [{"principal": p, "privileges": privileges}
                                      for p, privileges in sorted(by_principal.items())]}


def get_permissions(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    found, kind, full_name = _grants(catalog, path, text(query, "principal"))
    by_principal: dict[str, list] = {}
    for row in found:
        if row["objectType"] == kind and row["objectKey"] == full_name:  # made here
            by_principal.setdefault(row["principal"], []).append(_spaced(row["actionType"]))
    return _assignments(by_principal)


def effective_permissions(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    found, kind, full_name = _grants(catalog, path, text(query, "principal"))
    by_principal: dict[str, list] = {}
    for row in found:
        privilege = {"privilege": _spaced(row["actionType"])}
        if not (row["objectType"] == kind and row["objectKey"] == full_name):
            privilege.update(inherited_from_type=row["objectType"],
                             inherited_from_name=row["objectKey"] or "metastore")
        by_principal.setdefault(row["principal"], []).append(privilege)
    return _assignments(by_principal)


def update_permissions(catalog: Catalog, path: dict, query: dict, body: dict) -> dict:
    """Every change is a GRANT or REVOKE, all in one transaction: a refused or invalid change
    leaves none of them applied."""
    kind, node, _ = _target(path)
    changes = body.get("changes")
    if not isinstance(changes, list) or not changes:
        raise BadRequest("Give changes: a list of {principal, add: [...], remove: [...]}.")
    statements = []
    for change in changes:
        if not isinstance(change, dict):
            raise BadRequest("Each change is an object {principal, add, remove}.")
        principal = text(change, "principal", required=True)
        for field, cls in (("add", exp.Grant), ("remove", exp.Revoke)):
            privileges = change.get(field) or []
            if not isinstance(privileges, list) or not all(
                    isinstance(p, str) and p for p in privileges):
                raise BadRequest(f"{field} must be a list of privilege names, e.g. "
                                 "[\"USE CATALOG\"].")
            if privileges:
                statements.append(cls(
                    privileges=[exp.GrantPrivilege(this=exp.Var(this=p)) for p in privileges],
                    kind=kind, securable=node,
                    principals=[exp.GrantPrincipal(
                        this=exp.to_identifier(principal, quoted=True))]))
    with catalog.engine.script_transaction():
        for statement in statements:
            catalog.execute(statement)
    return get_permissions(catalog, path, {}, {})
