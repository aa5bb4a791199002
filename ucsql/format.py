"""Rendering rows for people: aligned text tables (CLI, print) and HTML (notebooks)."""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Sequence
from typing import Any


def cell(value: Any) -> str:
    """One value as text: NULL for None, ISO times, lists and maps readable."""
    if value is None:
        return "NULL"
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return "{" + ", ".join(f"{k}: {cell(v)}" for k, v in value) + "}"
        return "[" + ", ".join(cell(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {cell(v)}" for k, v in value.items()) + "}"
    return str(value).replace("\n", "\\n")


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A boxed, aligned table with a row count, like the DuckDB CLI."""
    columns = [cell(c) for c in columns]
    text_rows = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in text_rows]) for i, c in enumerate(columns)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def fmt(values):
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths)) + " |"

    out = [line, fmt(columns), line, *(fmt(r) for r in text_rows), line]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def render_html(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
