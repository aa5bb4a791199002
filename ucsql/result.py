"""The result of a statement: a table (Arrow underneath) and, for changes, a short message.

    >>> import pyarrow as pa
    >>> r = Result(pa.table({"catalog": ["main"]}))
    >>> r.columns, r.fetchall()
    (['catalog'], [('main',)])

Arrow holds values Python cannot (a timestamp past the year 9999, DuckDB's infinite times):
``fetchall()`` refuses those with an error that says to use ``.arrow()``, and printing shows
them as text (``display_rows``).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from .errors import InvalidArgument


class Result:
    """Rows as an Arrow table. ``message`` says what a changing statement did ("Created model x")."""

    def __init__(self, table: pa.Table | None = None, message: str | None = None,
                 details: dict[str, Any] | None = None):
        self.table = table if table is not None else pa.table({})
        self.message = message
        # What a changing statement made, for programs: the new version of ADD VERSION
        # (``details["version"]``), the numbers of an import, a token's secret. The MLflow
        # façade describes a model it just created from it instead of reading it back. Not
        # printed: a change answers with its message.
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
        """The rows as tuples of Python values. A value Python cannot represent (a time past
        the year 9999) raises InvalidArgument naming its column: read such results with
        ``.arrow()``."""
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
        return self.table.num_rows

    def __iter__(self):
        return iter(self.fetchall())

    def __str__(self) -> str:
        from .format import render_table
        if not self.table.num_columns:
            return self.message or "OK"
        return render_table(self.columns, self.display_rows())

    def __repr__(self) -> str:
        return self.__str__()

    def _repr_html_(self) -> str:
        from .format import render_html
        if not self.table.num_columns:
            return f"<p>{self.message or 'OK'}</p>"
        rows = len(self)
        return (render_html(self.columns, self.display_rows())
                + f"<p>{rows} row{'s' if rows != 1 else ''}</p>")


def _displayed(scalar: pa.Scalar) -> Any:
    """A value as Python has it, or, where Python has no such value, its text."""
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
