"""Rendering results for people and programs: aligned text tables (the shell, ``print``), CSV,
JSON lines and markdown (``ucsql -F``), and HTML (notebooks).

Every renderer takes a :class:`~ucsql.result.Result` and returns text without a trailing newline.
A result with no columns is a statement's message ("Created catalog prod.").
"""

from __future__ import annotations

import csv
import datetime as _dt
import decimal
import html
import io
import json
import textwrap
from collections.abc import Sequence
from typing import Any

FORMATS = ("table", "csv", "json", "markdown")
EXPANDED = ("off", "on", "auto")  # psql's \x: never one field per line, always, or when too wide
# The narrowest a column is squeezed to when a table must fit the terminal.
_MIN_WIDTH = 4


def time_text(value: _dt.datetime) -> str:
    """An instant as ucsql prints it in every result (SHOW, DESCRIBE, GET, the system views):
    in UTC, to the second (DESCRIBE's text values come from ``sql/session/12_time_text.sql``,
    which prints the same). A time without a zone is not an instant: printed as it is.

    >>> time_text(_dt.datetime(2026, 12, 3, 8, 33, 12, 999_999,
    ...                        tzinfo=_dt.timezone(_dt.timedelta(hours=1))))
    '2026-12-03 07:33:12 UTC'
    """
    if value.tzinfo is None:
        return value.isoformat(sep=" ", timespec="seconds")
    utc = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return utc.isoformat(sep=" ", timespec="seconds") + " UTC"


def cell(value: Any) -> str:
    """One value as text: NULL for None, times as ``time_text``, lists and maps readable."""
    if value is None:
        return "NULL"
    if isinstance(value, _dt.datetime):
        return time_text(value)
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return "{" + ", ".join(f"{k}: {cell(v)}" for k, v in value) + "}"
        return "[" + ", ".join(cell(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {cell(v)}" for k, v in value.items()) + "}"
    return str(value).replace("\n", "\\n")


def _fit(natural: list[int], room: int) -> list[int]:
    """Column widths that fit ``room`` characters of cell text: the widest columns give way
    first (every column wider than some cap is cut to it), none below _MIN_WIDTH."""
    if sum(natural) <= room:
        return natural
    low, high = _MIN_WIDTH, max(natural)
    while low < high:  # the largest cap that fits
        cap = (low + high + 1) // 2
        if sum(min(w, cap) for w in natural) <= room:
            low = cap
        else:
            high = cap - 1
    return [min(w, low) for w in natural]


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False,
                         replace_whitespace=False) or [""]


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]],
                 width: int | None = None) -> str:
    """A boxed, aligned table with a row count, like the DuckDB CLI. With ``width`` (the
    terminal's), long cells wrap onto more lines so that the table fits."""
    columns = [cell(c) for c in columns]
    text_rows = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in text_rows]) for i, c in enumerate(columns)]
    if width is not None:
        widths = _fit(widths, width - (3 * len(columns) + 1))
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def fmt(values: list[str]) -> list[str]:
        wrapped = [_wrap(v, w) if len(v) > w else [v] for v, w in zip(values, widths)]
        height = max(len(parts) for parts in wrapped)
        return ["| " + " | ".join((parts[i] if i < len(parts) else "").ljust(w)
                                  for parts, w in zip(wrapped, widths)) + " |"
                for i in range(height)]

    out = [line, *fmt(columns), line, *(text for r in text_rows for text in fmt(r)), line]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def render_expanded(columns: Sequence[str], rows: Sequence[Sequence[Any]],
                    width: int | None = None) -> str:
    """One field per line, each row under a ``-[ RECORD n ]`` rule, like psql's ``\\x``: wide
    rows stay readable. With ``width``, long values wrap under themselves."""
    columns = [cell(c) for c in columns]
    key = max(len(c) for c in columns)
    room = max(_MIN_WIDTH, width - key - 3) if width else None
    out = []
    for number, row in enumerate(rows, 1):
        texts = [cell(value) for value in row]
        rule = key + 3 + max(len(line) for text in texts for line in text.split("\n"))
        out.append(f"-[ RECORD {number} ]".ljust(min(rule, width or rule), "-"))
        for name, text in zip(columns, texts):
            parts = _wrap(text, room) if room and len(text) > room else text.split("\n") or [""]
            out.append(f"{name.ljust(key)} | {parts[0]}")
            out.extend(f"{'':{key}} | {part}" for part in parts[1:])
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _table_width(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """How wide the table of these rows is, unwrapped."""
    widths = [max([len(cell(c))] + [len(cell(r[i])) for r in rows]) for i, c in enumerate(columns)]
    return sum(widths) + 3 * len(columns) + 1


def _plain(value: Any) -> Any:
    """A value as JSON has it: ISO times, maps as objects, decimals as text."""
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):  # an Arrow map
            return {str(k): _plain(v) for k, v in value}
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    return value


def render_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A header line, then one line per row; NULL is an empty field, lists and maps are JSON."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_field(_plain(v)) for v in row])
    return out.getvalue().rstrip("\n")


def _csv_field(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def render_json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """JSON lines: one object per row, keys in column order."""
    return "\n".join(json.dumps(dict(zip(columns, (_plain(v) for v in row))), ensure_ascii=False)
                     for row in rows)


def render_markdown(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table; ``|`` in a value is escaped, line breaks are <br>."""
    def md(value: Any) -> str:
        text = cell(value) if not isinstance(value, str) else value
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "<br>") \
            .replace("\n", "<br>")

    out = ["| " + " | ".join(md(c) for c in columns) + " |",
           "|" + "|".join("---" for _ in columns) + "|"]
    out += ["| " + " | ".join(md(v) for v in row) + " |" for row in rows]
    return "\n".join(out)


def render(result, fmt: str = "table", width: int | None = None, expanded: str = "off") -> str:
    """A result in one of FORMATS. A message-only result is its message, in every format (the
    CLI sends messages to stderr for csv and json, to keep stdout machine-readable). A table
    prints expanded (``render_expanded``) when ``expanded`` is "on", or "auto" and it is wider
    than ``width``."""
    if not result.columns:
        return result.message or "OK"
    columns, rows = result.columns, result.display_rows()
    if fmt == "table":
        if expanded == "on" or (expanded == "auto" and width and rows
                                and _table_width(columns, rows) > width):
            return render_expanded(columns, rows, width)
        return render_table(columns, rows, width)
    renderer = {"csv": render_csv, "json": render_json, "markdown": render_markdown}[fmt]
    return renderer(columns, rows)


def render_html(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
