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
        self._statements: list | None = None  # parsed on first use (_parsed)
        # The epochs it bumps (migration 0003): after running it, the engine stops reusing
        # cached answers of those kinds for the rest of the transaction.
        self.bumps = set(re.findall(r"UPDATE ucsql_epoch SET value = value \+ 1 WHERE name = '(\w+)'",
                                    text))
        self._needs: tuple[str, ...] | None = None

    def _parsed(self, cursor: duckdb.DuckDBPyConnection | None = None) -> list:
        """The statements, parsed once, by the connection at hand when there is one:
        ``duckdb.extract_statements`` would first open DuckDB's default in-memory database,
        which costs a short command a tenth of its start-up."""
        if self._statements is None:
            self._statements = (cursor or duckdb).extract_statements(self.text)
        return self._statements

    @property
    def statements(self) -> list:
        return self._parsed()

    @property
    def parameters(self) -> set[str]:
        """The ``$name`` parameters of its statements."""
        return set().union(*(s.named_parameters for s in self._parsed()))

    @property
    def needs(self) -> tuple[str, ...]:
        """The ``sql/session`` files (names, in file order) whose TEMP objects this query uses,
        directly or through others: a cursor makes only those, on first use (start-up time)."""
        if self._needs is None:
            defined = _session_objects()
            body = re.sub(r"--[^\n]*", "", self.text)
            direct = {file for file, pattern in defined.items()
                      if file != self.name and pattern.search(body)}
            closure = set(direct)
            for file in direct:
                closure.update(load(file).needs)
            self._needs = tuple(sorted(closure))
        return self._needs

    def run(self, cursor: duckdb.DuckDBPyConnection, params: dict[str, Any] | None = None):
        """Run every statement; return the last one's rows as ``(column names, rows)``.

        Each statement receives only the parameters it names, so one file may mix statements.
        Every result is read to the end: DuckDB refuses new work on a cursor with an unfinished
        result.
        """
        params = params or {}
        statements = self._parsed(cursor)
        missing = set().union(*(s.named_parameters for s in statements)) - params.keys()
        if missing:
            raise KeyError(f"sql/{self.name}.sql needs parameters {sorted(missing)}")
        columns, rows = [], []
        for statement in statements:
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
        for statement in self._parsed(cursor):
            cursor.execute(statement, {k: params[k] for k in statement.named_parameters})
        return cursor


@functools.cache
def load(name: str) -> Query:
    """The query in ``sql/<name>.sql``, e.g. ``load("queries/resolve_path")``."""
    path = sql_dir() / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"ucsql is missing its SQL file sql/{name}.sql; reinstall ucsql")
    return Query(name, path.read_text(encoding="utf-8"))


@functools.cache
def _session_objects() -> dict[str, re.Pattern]:
    """Each ``sql/session`` file -> a pattern matching the names of the TEMP objects it makes."""
    found = {}
    for name in names("session"):
        made = re.findall(r"CREATE\s+OR\s+REPLACE\s+TEMP\s+(?:MACRO|TABLE|VIEW)\s+(\w+)",
                          load(name).text, re.IGNORECASE)
        if made:
            found[name] = re.compile(r"\b(?:" + "|".join(made) + r")\b", re.IGNORECASE)
    return found


def run(cursor: duckdb.DuckDBPyConnection, name: str, /, **params: Any):
    """Shorthand: ``run(cur, "queries/resolve_path", catalog=...)`` -> (columns, rows)."""
    return load(name).run(cursor, params)


def names(folder: str) -> list[str]:
    """The query names in one folder of ``sql/``, in file order (for session setup, migrations)."""
    return [f"{folder}/{p.stem}" for p in sorted((sql_dir() / folder).glob("*.sql"))]
