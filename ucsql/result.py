"""The result of a statement: a table (Arrow underneath) and, for changes, a short message.

    >>> import pyarrow as pa
    >>> r = Result(pa.table({"catalog": ["main"]}))
    >>> r.columns, r.fetchall()
    (['catalog'], [('main',)])

Arrow holds values Python cannot (a timestamp past the year 9999, DuckDB's infinite times):
``fetchall()`` refuses those with an error that says to use ``.arrow()``, and printing shows
them as text (``display_rows``).

A result whose columns are all of the plain types of ``PLAIN_TYPES`` (text, numbers, booleans)
may instead hold its rows as Python values (``Result.of_rows``): DuckDB and Arrow give those the
same Python values, and a command that only prints them (``ucsql -c``) need not import pyarrow,
a fifth of a second of its start-up. ``.arrow()`` still works on such a result.

    >>> r = Result.of_rows(["n", "name"], ["INTEGER", "VARCHAR"], [(1, "main")])
    >>> r.fetchall(), r.arrow().schema.types
    ([(1, 'main')], [DataType(int32), DataType(string)])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .errors import InvalidArgument

if TYPE_CHECKING:  # imported when a result is first used as Arrow (see the module's docstring)
    import pyarrow as pa

# DuckDB's types whose Python values are the same whether they come from DuckDB's own conversion
# or through Arrow, with the Arrow type DuckDB exports each as.
_PLAIN = {"BOOLEAN": "bool_", "TINYINT": "int8", "SMALLINT": "int16", "INTEGER": "int32",
          "BIGINT": "int64", "UTINYINT": "uint8", "USMALLINT": "uint16", "UINTEGER": "uint32",
          "UBIGINT": "uint64", "FLOAT": "float32", "DOUBLE": "float64", "VARCHAR": "string",
          '"NULL"': "null"}
PLAIN_TYPES = frozenset(_PLAIN)


def plain(types: Sequence[Any]) -> bool:
    """Whether columns of these DuckDB types (``DuckDBPyType`` or their names) may be held as
    Python rows (``Result.of_rows``)."""
    return all(str(t) in PLAIN_TYPES for t in types)


class Result:
    """Rows as an Arrow table. ``message`` says what a changing statement did ("Created model x")."""

    def __init__(self, table: pa.Table | None = None, message: str | None = None,
                 details: dict[str, Any] | None = None):
        self._table = table
        self._rows: list[tuple[Any, ...]] | None = None  # (of_rows) instead of a table
        self._columns: list[str] = []
        self._types: list[str] = []
        self.message = message
        # What a changing statement made, for programs: the new version of ADD VERSION
        # (``details["version"]``), the numbers of an import, a token's secret. The MLflow
        # façade describes a model it just created from it instead of reading it back. Not
        # printed: a change answers with its message.
        self.details = details or {}

    @classmethod
    def of_rows(cls, columns: Sequence[str], types: Sequence[Any],
                rows: list[tuple[Any, ...]]) -> Result:
        """A result held as Python rows, its columns of the DuckDB ``types`` (each one of
        ``PLAIN_TYPES``); it becomes an Arrow table of the same types when first asked for one."""
        if not plain(types):
            raise ValueError(f"of_rows takes columns of plain types only, not {types}")
        result = cls()
        result._rows, result._columns = rows, list(columns)
        result._types = [str(t) for t in types]
        return result

    @property
    def table(self) -> pa.Table:
        if self._table is None:
            import pyarrow as pa
            if self._rows is None:
                self._table = pa.table({})
            else:
                arrays = [pa.array([row[i] for row in self._rows], getattr(pa, _PLAIN[t])())
                          for i, t in enumerate(self._types)]
                self._table = pa.Table.from_arrays(arrays, names=self._columns)
        return self._table

    @classmethod
    def done(cls, message: str, details: dict[str, Any] | None = None) -> Result:
        return cls(None, message, details)

    @property
    def columns(self) -> list[str]:
        if self._rows is not None or self._table is None:
            return list(self._columns)
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
        """The rows as tuples of Python values. A value Python cannot represent (a time past
        the year 9999) raises InvalidArgument naming its column: read such results with
        ``.arrow()``."""
        if self._rows is not None or self._table is None:
            return list(self._rows or [])
        columns = []
        for name, column in zip(self.table.column_names, self.table.columns):
            try:
                columns.append(column.to_pylist())
            except (OverflowError, ValueError) as e:
                raise InvalidArgument(
                    f"Column {name!r} holds a value Python cannot represent ({e}; Python's times "
                    "and dates end at the year 9999). Read the result with .arrow(), which keeps "
                    "every value; printing the result shows it as text.") from None
        return list(zip(*columns)) if columns else []

    def display_rows(self) -> list[tuple[Any, ...]]:
        """The rows for printing: as ``fetchall()``, except that a value Python cannot
        represent comes as its text (``'33658-09-27 01:46:40+00:00'``, ``'infinity'``)."""
        if self._rows is not None or self._table is None:
            return list(self._rows or [])
        columns = []
        for column in self.table.columns:
            try:
                columns.append(column.to_pylist())
            except (OverflowError, ValueError):
                columns.append([_displayed(value) for value in column])
        return list(zip(*columns)) if columns else []

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    def scalar(self) -> Any:
        row = self.fetchone()
        return row[0] if row else None

    def __len__(self) -> int:
        if self._rows is not None or self._table is None:
            return len(self._rows or [])
        return self.table.num_rows

    def __iter__(self):
        return iter(self.fetchall())

    def __str__(self) -> str:
        from .format import render_table
        if not self.columns:
            return self.message or "OK"
        return render_table(self.columns, self.display_rows())

    def __repr__(self) -> str:
        return self.__str__()

    def _repr_html_(self) -> str:
        from .format import render_html
        if not self.columns:
            return f"<p>{self.message or 'OK'}</p>"
        rows = len(self)
        return (render_html(self.columns, self.display_rows())
                + f"<p>{rows} row{'s' if rows != 1 else ''}</p>")


def _displayed(scalar: pa.Scalar) -> Any:
    """A value as Python has it, or, where Python has no such value, its text."""
    import pyarrow as pa
    try:
        return scalar.as_py()
    except (OverflowError, ValueError):
        pass
    if isinstance(scalar, pa.MapScalar):
        return [(_displayed(entry[0]), _displayed(entry[1])) for entry in scalar.values]
    if isinstance(scalar, (pa.ListScalar, pa.LargeListScalar, pa.FixedSizeListScalar)):
        return [_displayed(value) for value in scalar.values]
    if isinstance(scalar, pa.StructScalar):
        return {key: _displayed(value) for key, value in scalar.items()}
    kind = scalar.type
    if pa.types.is_timestamp(kind):
        return _timestamp_text(scalar.cast(pa.int64()).as_py(), kind.unit, kind.tz is not None)
    if pa.types.is_date32(kind) or pa.types.is_date64(kind):
        raw = scalar.cast(pa.int32() if pa.types.is_date32(kind) else pa.int64()).as_py()
        if pa.types.is_date64(kind):
            raw //= 86_400_000
        return _infinite(raw, 2**31 - 1) or _date_text(raw)
    return str(scalar)


_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def _timestamp_text(value: int, unit: str, utc: bool) -> str:
    """ISO text of a timestamp (``value`` ``unit``s since 1970 UTC), any year; DuckDB's infinite
    timestamps (the largest and smallest values) as ``infinity`` / ``-infinity``."""
    infinite = _infinite(value, 2**63 - 1)
    if infinite:
        return infinite
    per_second = _PER_SECOND[unit]
    seconds, fraction = divmod(value, per_second)
    days, seconds = divmod(seconds, 86_400)
    text = (f"{_date_text(days)} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:"
            f"{seconds % 60:02d}")
    if fraction:
        text += "." + f"{fraction:0{len(str(per_second)) - 1}d}"
    return text + ("+00:00" if utc else "")


def _infinite(value: int, largest: int) -> str | None:
    return "infinity" if value == largest else "-infinity" if value == -largest else None


def _date_text(days: int) -> str:
    """ISO text of the proleptic Gregorian day ``days`` after 1970-01-01, any year (H. Hinnant's
    civil_from_days)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (month <= 2)
    sign = "-" if year < 0 else ""
    return f"{sign}{abs(year):04d}-{month:02d}-{day:02d}"
