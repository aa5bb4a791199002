"""The limits every user query runs under, from the environment (see the README's "Limits").

``UCSQL_QUERY_TIMEOUT`` bounds how long a SELECT may hold the metastore file, and
``UCSQL_QUERY_MEMORY`` how much memory it may take: enforced by DuckDB's interrupt and
memory_limit for queries bounded by the rows they read, by the sandbox (``ucsql.sandbox``) for
any other.
"""

from __future__ import annotations

import os
import re

from .errors import InvalidArgument

_MIN_MEMORY = 64 * 2**20


def query_timeout() -> float:
    """How long a SELECT may run: UCSQL_QUERY_TIMEOUT seconds (default 60), read per query."""
    value = os.environ.get("UCSQL_QUERY_TIMEOUT", "60")
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise InvalidArgument(f"UCSQL_QUERY_TIMEOUT={value!r} is not a positive number of seconds.")
    return seconds


def query_memory() -> int:
    """How much memory a SELECT may take: UCSQL_QUERY_MEMORY (default 2GB). Read per query for
    the sandbox and the answer; DuckDB's own memory_limit takes it when the file is opened."""
    value = os.environ.get("UCSQL_QUERY_MEMORY", "2GB")
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B?)?\s*", value, re.IGNORECASE)
    size = 0
    if match:
        unit = (match.group(2) or "").upper().rstrip("B").rstrip("I")
        size = int(float(match.group(1)) * 1024 ** " KMGT".index(unit or " "))
    if size < _MIN_MEMORY:
        raise InvalidArgument(f"UCSQL_QUERY_MEMORY={value!r} is not a size of at least 64MB; "
                              "write e.g. 512MB or 4GB.")
    return size
