"""Other spellings of named parameters, turned into ucsql's own ``$name``.

The notebook magic takes ``{name}`` and ``:name``; the SQL Statement Execution API (``ucsql
serve``) takes Databricks' ``:name`` markers. ucsql's parser reads ``$name`` in every statement,
so both become that, found by the dialect's tokenizer: a ``:`` or ``{`` inside a string, a
`quoted name` or a comment is left alone, and so are DuckDB's ``x::INT`` casts and ``{1}``
struct literals.

    >>> to_dollar("SELECT :who AS w, ':no' AS s WHERE 1::INT = 1")
    ("SELECT $who AS w, ':no' AS s WHERE 1::INT = 1", ['who'])
    >>> to_dollar("COMMENT ON CATALOG prod IS {note}", braces=True)
    ('COMMENT ON CATALOG prod IS $note', ['note'])
"""

from __future__ import annotations

from sqlglot.errors import TokenError
from sqlglot.tokens import TokenType

from . import dialect


def to_dollar(sql: str, *, braces: bool = False) -> tuple[str, list[str]]:
    """``sql`` with ``:name`` (and, with ``braces``, ``{name}``) written ``$name``, and the names
    in the order they appear. SQL the tokenizer cannot read comes back unchanged (the parser
    then says what is wrong, with line and column)."""
    try:
        tokens = dialect.Ucsql().tokenize(sql)
    except TokenError:
        return sql, []
    edits: list[tuple[int, int, str]] = []  # (start, end, name): text to become $name
    for i, token in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        closing = tokens[i + 2] if i + 2 < len(tokens) else None
        adjacent = after is not None and after.start == token.end + 1
        if (braces and token.token_type == TokenType.L_BRACE and adjacent and closing is not None
                and closing.token_type == TokenType.R_BRACE and closing.start == after.end + 1):
            if not after.text.isidentifier():
                continue  # {1} is DuckDB's struct literal, not ours
            edits.append((token.start, closing.end, after.text))
        elif (token.token_type in (TokenType.COLON, TokenType.PARAMETER) and adjacent
              and after.text.isidentifier() and after.token_type != TokenType.STRING):
            edits.append((token.start, after.end, after.text))
    for start, end, name in reversed(edits):
        sql = sql[:start] + f"${name}" + sql[end + 1 :]
    return sql, [name for _, _, name in edits]
