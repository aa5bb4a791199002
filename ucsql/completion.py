"""Tab completion in the shell: keywords (from :mod:`ucsql.syntax`), privileges, and the
principals, catalog/schema/model names, system views and their columns the caller may see, read
through the privilege-filtered system views (never the raw tables), and only when Tab is
pressed: names once after each change, a view's columns once a statement names the view.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.document import Document

from . import syntax
from .api import Catalog
from .errors import UcsqlError
from .names import PRIVILEGES

# The names the caller may see, in one query over the filtered views (one audit row).
_NAMES_QUERY = """
SELECT 'catalog' AS kind, catalog_name AS name FROM system.information_schema.catalogs
UNION ALL SELECT 'schema', catalog_name || '.' || schema_name
          FROM system.information_schema.schemata
UNION ALL SELECT 'model', full_name FROM system.information_schema.registered_models
UNION ALL SELECT 'principal', catalog_owner FROM system.information_schema.catalogs
UNION ALL SELECT 'principal', schema_owner FROM system.information_schema.schemata
UNION ALL SELECT 'principal', owner FROM system.information_schema.registered_models
UNION ALL SELECT 'principal', grantee FROM system.information_schema.catalog_privileges
UNION ALL SELECT 'principal', grantee FROM system.information_schema.schema_privileges
UNION ALL SELECT 'principal', grantee FROM system.information_schema.routine_privileges
UNION ALL SELECT 'principal', current_user()
"""

# What the word before the one being typed says comes next.
_NAME_AFTER = {"CATALOG": ("catalog",), "SCHEMA": ("schema",), "DATABASE": ("schema",),
               "MODEL": ("model",), "FUNCTION": ("model",), "IN": ("catalog", "schema", "model"),
               "FROM": ("catalog", "schema", "model", "principal")}
_PRINCIPAL_AFTER = {"TO", "USER", "GROUP", "GRANTS"}
# A system view named in a statement, and the alias it may be given.
_VIEW = re.compile(r"\bsystem\.(?P<schema>\w+)\.(?P<view>\w+)\b(?:\s+(?:AS\s+)?(?P<alias>\w+))?",
                   re.IGNORECASE)
_CLAUSE_WORDS = ("WHERE", "ORDER", "GROUP", "LIMIT", "JOIN", "LEFT", "RIGHT", "INNER", "OUTER",
                 "FULL", "CROSS", "NATURAL", "USING", "QUALIFY", "WINDOW", "OFFSET", "FETCH",
                 "EXCEPT", "INTERSECT", "POSITIONAL")


class Names:
    """The names the caller may see, read lazily and again after each change (``stale``)."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.stale = True
        self.by_kind: dict[str, list[str]] = {}
        self._columns: dict[str, list[str]] = {}

    def get(self, *kinds: str) -> list[str]:
        if self.stale:
            self.refresh()
        return sorted({n for kind in kinds for n in self.by_kind.get(kind, [])})

    def views(self) -> list[str]:
        """``system.<schema>.<view>`` of every system view the metastore has."""
        return sorted(f"system.{schema}.{view}" for schema, view in self.catalog.system_views)

    def columns(self, view: str) -> list[str]:
        """The columns of a system view as the caller reads it (a ``LIMIT 0`` SELECT, run and
        audited as typed); none if the caller may not read it. Asked once per view."""
        if view not in self._columns:  # (a name from views(), not text the user typed)
            try:
                self._columns[view] = self.catalog.sql(f"SELECT * FROM {view} LIMIT 0").columns
            except UcsqlError:
                self._columns[view] = []
        return self._columns[view]

    def refresh(self) -> None:
        self.stale = False
        try:
            rows = self.catalog.sql(_NAMES_QUERY).fetchall()
            groups = [r[0] for r in self.catalog.sql("SHOW GROUPS").fetchall()]
        except UcsqlError:  # busy or refused: complete with what we had
            return
        by_kind: dict[str, list[str]] = {"principal": groups}
        for kind, name in rows:
            if name:
                by_kind.setdefault(kind, []).append(name)
        self.by_kind = by_kind


def _quoted(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][\w.]*", name) else f"`{name}`"


class SqlCompleter(Completer):
    """Keywords, privileges, principals and names, chosen by the word before the cursor's."""

    def __init__(self, names: Names):
        self.names = names

    def get_completions(self, document: Document, complete_event) -> Iterable[Completion]:
        before = document.text_before_cursor
        word = re.search(r"(`[^`]*|[\w.$]*)$", before).group(1)
        words = re.findall(r"[\w]+|,", before[: len(before) - len(word)].upper())
        previous = words[-1] if words else ""
        statement = before.upper().rsplit(";", 1)[-1]
        named = self._views_named(document)
        in_privileges = (re.search(r"\b(GRANT|REVOKE)\b(?!.*\bON\b)", statement, re.DOTALL)
                         and (previous in ("GRANT", "REVOKE", ",")))
        if word.lower().startswith("system."):
            candidates = self.names.views()
        elif "." in word and word.split(".", 1)[0].lower() in named:  # alias.column
            alias = word.split(".", 1)[0]
            candidates = [f"{alias}.{c}" for c in self._columns(named[alias.lower()])]
        elif in_privileges:
            candidates = [p.replace("_", " ") for p in PRIVILEGES]
        elif previous in _PRINCIPAL_AFTER and not statement.lstrip().startswith("SHOW GRANTS ON"):
            candidates = [_quoted(p) for p in self.names.get("principal")]
        elif previous in ("IN", "FROM") and re.search(r"\bSHOW\s+MODELS\b", statement):
            candidates = self.names.get("schema")
        elif previous in ("IN", "FROM") and re.search(r"\bSHOW\s+(SCHEMAS|DATABASES)\b",
                                                     statement):
            candidates = self.names.get("catalog")
        elif previous in ("FROM", "JOIN") and re.match(r"\s*(SELECT|WITH)\b", statement):
            candidates = self.names.views()
        elif previous in _NAME_AFTER:
            candidates = self.names.get(*_NAME_AFTER[previous])
        else:
            candidates = (self._columns(*named.values()) + list(syntax.keywords())
                          + self.names.get("catalog", "schema", "model"))
        typed = word.lstrip("`").lower()
        lower = word.islower()
        offered = set()
        for candidate in candidates:
            if candidate.lstrip("`").lower().startswith(typed) and candidate != word:
                is_keyword = candidate.isupper() and candidate in syntax.keywords()
                text = candidate.lower() if is_keyword and lower else candidate
                if text not in offered:  # (a column called like a keyword: once)
                    offered.add(text)
                    yield Completion(text, start_position=-len(word))

    def _columns(self, *views: str) -> list[str]:
        return sorted({c for view in views for c in self.names.columns(view)})

    def _views_named(self, document: Document) -> dict[str, str]:
        """The system views the statement around the cursor names (before or after it), by
        the names it may use for them: the view's own and its alias."""
        text, cursor = document.text, document.cursor_position
        start = text.rfind(";", 0, cursor) + 1
        end = text.find(";", cursor)
        statement = text[start : end if end >= 0 else len(text)]
        named: dict[str, str] = {}
        for match in _VIEW.finditer(statement):
            view = f"system.{match['schema']}.{match['view']}".lower()
            if view in self.names.views():
                named[match["view"].lower()] = view
                alias = (match["alias"] or "").lower()
                if alias and alias.upper() not in syntax.keywords() + _CLAUSE_WORDS:
                    named[alias] = view
        return named
