"""Jupyter / IPython magics: ``%load_ext ucsql``, then ``%ucsql`` and ``%%ucsql``.

    %ucsql --connect metastore.duckdb --principal alice
    %ucsql --connect http://registry:8080 --token ucsql_...   (or UCSQL_TOKEN; or just the URL)
    %ucsql GRANT USE CATALOG ON CATALOG prod TO `ml-team`
    grants = %ucsql SHOW GRANTS ON CATALOG prod
    %%ucsql
    SELECT * FROM system.information_schema.registered_models WHERE owner = {who}

``{name}``, ``:name`` and ``$name`` take the value of the Python variable ``name`` and reach
DuckDB as bound parameters, never pasted into the SQL, so any value is stored as it is. (IPython's
own ``{}`` expansion of magic lines is turned off for this magic.)

The connection lives on the magics object that IPython keeps for this shell: no module globals.
This module imports IPython; ``import ucsql`` does not import this module.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import (
    Magics,
    line_cell_magic,
    magics_class,
    needs_local_scope,
    no_var_expand,
)
from .api import Catalog, connect, default_principal, is_url
from .errors import UcsqlError
from .placeholders import to_dollar
from .result import Result

_OPTION = re.compile(r"""\s*--(connect|principal|token)(?:=|\s+)("[^"]*"|'[^']*'|[^\s"']+)""")
_URL = re.compile(r"\s*(https?://\S+)\s*", re.I)


def split_options(line: str) -> tuple[dict[str, str], str]:
    """Leading ``--connect PATH`` / ``--principal NAME`` / ``--token T`` options, and the SQL
    after them. A line that is only a server's URL connects to it."""
    options, position = {}, 0
    while match := _OPTION.match(line, position):
        options[match.group(1)] = shlex.split(match.group(2))[0]
        position = match.end()
    url = _URL.fullmatch(line, position)
    if url and "connect" not in options:
        options["connect"] = url.group(1)
        position = len(line)
    return options, line[position:]


def bind(sql: str, namespace: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Turn ``{name}`` and ``:name`` into ``$name`` placeholders (outside strings, `names` and
    comments) and take each name's value from ``namespace``. Returns (sql, params)."""
    sql, used = to_dollar(sql, braces=True)
    params = {}
    for name in used:
        if name not in namespace:
            raise UsageError(f"No Python variable named {name!r} for the parameter in the SQL; "
                             f"set {name} = ... first.")
        params[name] = namespace[name]
    return sql, params


@magics_class
class UcsqlMagics(Magics):
    """``%ucsql`` / ``%%ucsql``. The catalog handle is this object's, per IPython shell."""

    def __init__(self, shell):
        super().__init__(shell)
        self.catalog: Catalog | None = None

    @no_var_expand
    @needs_local_scope
    @line_cell_magic
    def ucsql(self, line: str, cell: str | None = None,
              local_ns: dict | None = None) -> Result | None:
        """Connect, switch principal, or run SQL (the line's, or the cell's) and return the
        last statement's :class:`~ucsql.Result` (shown as a table; ``.df()``, ``.pl()``,
        ``.arrow()`` convert it).

        --connect PATH    open (or create) the metastore file PATH (':memory:' for a new one)
        --connect URL     use the ucsql server at URL (http://host:8080) as your token's owner
        --token TOKEN     the token for a server (default: $UCSQL_TOKEN); never printed
        --principal NAME  act as NAME from now on (default: $UCSQL_PRINCIPAL or your login)
        """
        options, sql = split_options(line)
        if cell is not None:
            sql = f"{sql}\n{cell}" if sql.strip() else cell
        if "connect" in options:
            self._connect(options["connect"], options.get("principal"), options.get("token"))
        elif "principal" in options:
            try:
                self.catalog = self._catalog().as_principal(options["principal"])
            except UcsqlError as e:  # a server decides who you are by your token
                raise UsageError(e.message) from None
            print(f"Acting as {self.catalog.principal}.")
        if not sql.strip():
            if not options:
                print(repr(self._catalog()))
            return None
        namespace = {**self.shell.user_ns, **(local_ns or {})}
        sql, params = bind(sql, namespace)
        try:
            return self._catalog().sql(sql, params or None)
        except UcsqlError as e:  # a user mistake: the message, without a traceback
            raise UsageError(e.message) from None

    def _connect(self, path: str, principal: str | None, token: str | None = None) -> None:
        if self.catalog is not None:
            self.catalog.close()
            self.catalog = None
        try:
            if is_url(path):
                self.catalog = connect(path, principal, token=token)
            elif token is not None:
                raise UsageError("--token is for a server URL (--connect http://host:8080); a "
                                 "metastore file needs none.")
            else:
                self.catalog = connect(path, principal or default_principal())
        except UcsqlError as e:
            raise UsageError(e.message) from None
        print(f"Connected to {path} as {self.catalog.principal}.")

    def _catalog(self) -> Catalog:
        if self.catalog is None:
            raise UsageError("Not connected: run %ucsql --connect metastore.duckdb "
                             "--principal NAME first.")
        return self.catalog


def load_ipython_extension(ipython) -> None:
    ipython.register_magics(UcsqlMagics(ipython))


__all__ = ["UcsqlMagics", "bind", "load_ipython_extension"]
