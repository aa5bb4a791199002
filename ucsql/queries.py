"""Loads the SQL files of ``sql/`` by name and runs them with bound parameters.

Each file holds one query (or, for migrations and session setup, a few statements) with DuckDB
``$name`` parameters. Python never builds SQL text: it picks a file and binds values.

    >>> "authorize" in {p.stem[3:] for p in sql_dir().joinpath("session").glob("*.sql")}
    True
"""

from __future__ import annotations

import functools
import re
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

# DuckDB warns that Arrow taken from an executed statement's result is copied once more than
# Arrow from a relation. For the point results of named queries the copy is cheaper than parsing
# the SQL text again, which the relation route does; so the warning is silenced for this module.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning,
                        module=r"ucsql\.queries")


@functools.cache
def sql_dir() -> Path:
    """The ``sql/`` folder: inside the installed wheel (``ucsql/sql``), else beside the package
    in a source checkout."""
    packaged = Path(str(resources.files("ucsql"))) / "sql"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "sql"


class Query:
    """The statements of one SQL file, parsed once by DuckDB and run with named parameters."""

    def __init__(self, name: str, text: str):
        self.name = name
        self.text = text
        self.statements = duckdb.extract_statements(text)
        self.parameters = set().union(*(s.named_parameters for s in self.statements))
        # The epochs it bumps (migration 0003): after running it, the engine stops reusing
        # cached answers of those kinds for the rest of the transaction.
        self.bumps = set(re.findall(r"UPDATE ucsql_epoch SET value = value \+ 1 WHERE name = '(\w+)'",
                                    text))

    def run(self, cursor: duckdb.DuckDBPyConnection, params: dict[str, Any] | None = None):
        """Run every statement; return the last one's rows as ``(column names, rows)``.

        Each statement receives only the parameters it names, so one file may mix statements.
        Every result is read to the end: DuckDB refuses new work on a cursor with an unfinished
        result.
        """
        params = params or {}
        missing = self.parameters - params.keys()
        if missing:
            raise KeyError(f"sql/{self.name}.sql needs parameters {sorted(missing)}")
        columns, rows = [], []
        for statement in self.statements:
            cursor.execute(statement, {k: params[k] for k in statement.named_parameters})
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall()
        return columns, rows

    def arrow(self, cursor: duckdb.DuckDBPyConnection, params: dict[str, Any] | None = None):
        """Run the file and return the last statement's rows as an Arrow table.

        The statements were parsed once (``extract_statements``); running them as they are and
        taking the result as Arrow skips parsing the text again, which costs more than the small
        results here take to copy (see the warning filter above).
        """
        return self.execute(cursor, params).to_arrow_table()

    def execute(self, cursor: duckdb.DuckDBPyConnection, params: dict[str, Any] | None = None):
        """Run the file and return the cursor, holding the last statement's rows unread (its
        ``description`` names their columns and types)."""
        params = params or {}
        for statement in self.statements:
            cursor.execute(statement, {k: params[k] for k in statement.named_parameters})
        return cursor


@functools.cache
def load(name: str) -> Query:
    """The query in ``sql/<name>.sql``, e.g. ``load("queries/resolve_path")``."""
    path = sql_dir() / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"ucsql is missing its SQL file sql/{name}.sql; reinstall ucsql")
    return Query(name, path.read_text(encoding="utf-8"))


def run(cursor: duckdb.DuckDBPyConnection, name: str, /, **params: Any):
    """Shorthand: ``run(cur, "queries/resolve_path", catalog=...)`` -> (columns, rows)."""
    return load(name).run(cursor, params)


def names(folder: str) -> list[str]:
    """The query names in one folder of ``sql/``, in file order (for session setup, migrations)."""
    return [f"{folder}/{p.stem}" for p in sorted((sql_dir() / folder).glob("*.sql"))]
