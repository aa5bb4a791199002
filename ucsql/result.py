"""The result of a statement: a table (Arrow underneath) and, for changes, a short message.

    >>> import pyarrow as pa
    >>> r = Result(pa.table({"catalog": ["main"]}))
    >>> r.columns, r.fetchall()
    (['catalog'], [('main',)])
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa


class Result:
    """Rows as an Arrow table. ``message`` says what a changing statement did ("Created model x")."""

    def __init__(self, table: pa.Table | None = None, message: str | None = None,
                 details: dict[str, Any] | None = None):
        self.table = table if table is not None else pa.table({})
        self.message = message
        # What a changing statement made, for programs (the MLflow façade describes a model it
        # just created from it instead of reading it back); not shown.
        self.details = details or {}

    @classmethod
    def done(cls, message: str, details: dict[str, Any] | None = None) -> Result:
        return cls(None, message, details)

    @property
    def columns(self) -> list[str]:
        return list(self.table.column_names)

    def arrow(self) -> pa.Table:
        return self.table

    def df(self):
        """A pandas DataFrame (needs pandas installed)."""
        return self.table.to_pandas()

    def pl(self):
        """A polars DataFrame (needs polars installed)."""
        try:
            import polars
        except ImportError:
            raise ImportError("Result.pl() needs polars: pip install polars") from None
        return polars.from_arrow(self.table)

    def fetchall(self) -> list[tuple[Any, ...]]:
        columns = [c.to_pylist() for c in self.table.columns]
        return list(zip(*columns)) if columns else []

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    def scalar(self) -> Any:
        row = self.fetchone()
        return row[0] if row else None

    def __len__(self) -> int:
        return self.table.num_rows

    def __iter__(self):
        return iter(self.fetchall())

    def __str__(self) -> str:
        from .format import render_table
        if not self.table.num_columns:
            return self.message or "OK"
        return render_table(self.columns, self.fetchall())

    def __repr__(self) -> str:
        return self.__str__()

    def _repr_html_(self) -> str:
        from .format import render_html
        if not self.table.num_columns:
            return f"<p>{self.message or 'OK'}</p>"
        rows = len(self)
        return (render_html(self.columns, self.fetchall())
                + f"<p>{rows} row{'s' if rows != 1 else ''}</p>")
