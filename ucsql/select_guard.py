"""The guard between a user's SELECT and DuckDB.

Users may run read-only queries (CTEs, joins, aggregates, window functions ...) over the views of
the ``system`` catalog. Those views are DuckDB TEMP views with internal names, and the same
DuckDB connection can also see the raw metastore tables, the file system (``read_csv``,
``FROM 'x.csv'``), settings (``current_setting``, ``getenv``) and DuckDB's own catalogs. So
nothing the user wrote reaches DuckDB except through :func:`guard_select`, which walks the
sqlglot tree and

* refuses anything that is not a plain query (INSERT, COPY, PRAGMA, SET, SELECT ... INTO ...),
  and any syntax it does not know (deny by default);
* lets a FROM read only ``system.<schema>.<view>`` (rewritten to ``temp.main.<internal>``), a
  CTE visible at that point, ``unnest``, ``range`` or ``generate_series``;
* lets expressions call only allow-listed pure functions, named as DuckDB will see them;
* replaces ``current_user`` / ``session_user`` by the calling principal, as a string literal.

The SQL it returns is parsed and checked once more before it is handed back, so what DuckDB
runs is exactly text that passed the check (sqlglot may spell a function differently from the
user, e.g. ``instr`` becomes ``STRPOS``; the recheck sees DuckDB's spelling).

>>> views = {("access", "audit"): "sys__access__audit"}
>>> q = sqlglot.parse_one("SELECT principal FROM system.access.audit", read="duckdb")
>>> guard_select(q, views, "alice")
GuardedSelect(sql='SELECT principal FROM temp.main.sys__access__audit AS audit', views=frozenset({('access', 'audit')}))
>>> guard_select(sqlglot.parse_one("SELECT * FROM ucsql_grant", read="duckdb"), views, "alice")
Traceback (most recent call last):
...
ucsql.errors.PermissionDenied: SELECT may read only the system views (system.access.audit); ucsql_grant is not one of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, SqlglotError
from sqlglot.tokens import TokenType

from ucsql.errors import PermissionDenied

__all__ = ["GuardedSelect", "guard_select"]


@dataclass(frozen=True)
class GuardedSelect:
    """A query that passed the guard.

    ``sql`` is DuckDB SQL ready to execute (placeholders such as ``?`` and ``$name`` are left in
    place); ``views`` is the set of ``(schema, view)`` pairs it reads, so the engine can check
    e.g. that only admins read ``("access", "audit")``.
    """

    sql: str
    views: frozenset[tuple[str, str]]
    bounded: bool = False
    columns: frozenset[str] | None = None


# --- What a query may contain ------------------------------------------------------------------

# Table functions a FROM may call. They produce rows from their arguments alone.
_TABLE_FUNCTIONS = frozenset({"unnest", "range", "generate_series"})

# Scalar, aggregate and window functions, by the name DuckDB sees (the generated SQL, not what the
# user typed: sqlglot turns ``instr`` into ``STRPOS``, ``list`` into ``ARRAY_AGG`` ...). Pure
# functions only: nothing that reads files, settings, the environment, the catalog or a sequence,
# nothing that takes a function or a query by name (``list_aggregate``, ``query``). Deny by
# default: a function missing here is refused, and adding one is a deliberate act.
_FUNCTIONS = frozenset({
    # aggregates
    "count", "count_star", "sum", "avg", "mean", "min", "max", "any_value", "arg_max", "arg_min",
    "argmax", "argmin", "max_by", "min_by", "list", "array_agg", "string_agg", "group_concat",
    "listagg", "bool_and", "bool_or", "count_if", "countif", "median", "quantile",
    "quantile_cont", "quantile_disc", "mode", "stddev", "stddev_pop", "stddev_samp", "variance",
    "var_pop", "var_samp", "approx_count_distinct", "approx_quantile", "first", "last",
    "histogram", "product", "fsum", "sumkahan", "kahan_sum", "corr", "covar_pop", "covar_samp",
    "entropy", "kurtosis", "skewness", "bit_and", "bit_or", "bit_xor", "grouping",
    "grouping_id", "json_group_array", "json_group_object",
    # window functions
    "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
    "first_value", "last_value", "nth_value",
    # strings
    "lower", "upper", "lcase", "ucase", "length", "len", "strlen", "char_length",
    "character_length", "octet_length", "concat", "concat_ws", "substring", "substr", "left",
    "right", "trim", "ltrim", "rtrim", "replace", "split_part", "string_split", "str_split",
    "string_split_regex", "str_split_regex", "split", "string_to_array", "starts_with",
    "ends_with", "prefix", "suffix", "contains", "like_escape", "ilike_escape",
    "regexp_matches", "regexp_full_match", "regexp_replace", "regexp_extract",
    "regexp_extract_all", "regexp_split_to_array", "lpad", "rpad", "repeat", "reverse",
    "position", "strpos", "instr", "format", "printf", "md5", "sha1", "sha256", "hash", "ascii",
    "chr", "translate", "levenshtein", "damerau_levenshtein", "hamming", "jaccard",
    "jaro_similarity", "jaro_winkler_similarity", "unicode", "ord", "to_base64",
    "from_base64", "base64", "bar", "format_bytes", "nfc_normalize", "strip_accents",
    "array_to_string", "list_to_string",
    # dates and times
    "now", "current_date", "current_time", "current_timestamp", "localtime",
    "localtimestamp", "get_current_timestamp", "get_current_time", "today",
    "transaction_timestamp", "date_trunc", "datetrunc", "date_part", "datepart", "extract",
    "epoch", "epoch_ms", "epoch_us", "epoch_ns", "to_timestamp", "strftime", "strptime",
    "try_strptime", "age", "date_diff", "datediff", "date_sub", "datesub", "date_add",
    "make_date", "make_time", "make_timestamp", "year", "month", "day", "hour", "minute",
    "second", "millisecond", "microsecond", "week", "weekofyear", "weekday", "dayofweek",
    "dayofmonth", "dayofyear", "isodow", "isoyear", "yearweek", "quarter", "last_day",
    "monthname", "dayname", "time_bucket", "to_days", "to_hours", "to_minutes", "to_seconds",
    "to_months", "to_years", "to_weeks", "to_milliseconds", "to_microseconds", "era",
    "decade", "century", "julian",
    # maths
    "abs", "round", "round_even", "floor", "ceil", "ceiling", "sqrt", "cbrt", "ln", "log",
    "log2", "log10", "exp", "pow", "power", "greatest", "least", "mod", "fmod", "fdiv", "sign",
    "trunc", "pi", "isnan", "isinf", "isfinite", "even", "factorial", "gcd", "lcm",
    "bit_count", "degrees", "radians", "sin", "cos", "tan", "asin", "acos", "atan", "atan2",
    # conditionals, casts, types
    "coalesce", "nullif", "ifnull", "if", "iff", "nvl", "cast", "try_cast", "typeof",
    "exists", "columns",
    # lists, structs, maps
    "list_value", "list_pack", "array_value", "list_contains", "list_has", "array_contains",
    "array_has", "list_position", "list_indexof", "array_position", "array_indexof",
    "array_length", "list_sort", "array_sort", "list_reverse_sort", "array_reverse_sort",
    "list_distinct", "array_distinct", "list_unique", "array_unique", "list_transform",
    "array_transform", "list_apply", "array_apply", "list_filter", "array_filter", "filter",
    "list_reduce", "array_reduce", "unnest", "struct_pack", "struct_extract", "struct_insert",
    "row", "map", "map_keys", "map_values", "map_entries", "map_extract", "map_from_entries",
    "element_at", "cardinality", "flatten", "list_concat", "list_cat", "array_concat",
    "array_cat", "list_slice", "array_slice", "list_extract", "array_extract", "list_element",
    "list_select", "array_select", "list_zip", "array_zip", "list_has_any", "array_has_any",
    "list_has_all", "array_has_all", "list_intersect", "array_intersect", "list_min",
    "list_max", "list_sum", "list_avg", "list_first", "list_last", "list_count",
    "list_append", "array_append", "list_prepend", "array_prepend", "list_reverse",
    "array_reverse", "list_resize", "array_resize", "list_where", "array_where",
    "list_grade_up", "array_grade_up", "list_distance", "list_cosine_similarity",
    "list_inner_product", "range", "generate_series",
    # json
    "json", "json_extract", "json_extract_string", "json_extract_path",
    "json_extract_path_text", "json_value", "json_exists", "json_object", "json_array",
    "to_json", "from_json", "json_keys", "json_type", "json_valid", "json_array_length",
    "json_contains", "json_structure", "json_merge_patch", "json_transform", "array_to_json",
    # identifiers
    "uuid", "gen_random_uuid",
})

# What makes a query's cost unbounded by the rows it reads. DuckDB checks for an interrupt only
# between chunks of rows, so a single call must stay cheap and small: these functions build
# values as large as an argument says (lpad, repeat, range), multiply their inputs (replace,
# concat over concat), take time or memory quadratic in their inputs (edit distances), or
# accumulate values over rows that joins or ranges can multiply (string_agg, list), outside
# DuckDB's memory_limit. Joins, sorts and numeric aggregates stay inside it, and DuckDB can
# interrupt them. Planning time grows with the square of a query's size, and recursion has no
# end DuckDB could plan for. A query with any of them runs in the sandbox.
_UNBOUNDED_FUNCTIONS = frozenset({
    "lpad", "rpad", "repeat", "format", "printf", "bar", "replace", "regexp_replace",
    "concat", "concat_ws", "list_concat", "list_cat", "array_concat", "array_cat",
    "list_append", "array_append", "list_prepend", "array_prepend", "list_resize",
    "array_resize", "range", "generate_series", "levenshtein", "damerau_levenshtein",
    "jaro_similarity", "jaro_winkler_similarity", "string_agg", "group_concat", "listagg",
    "list", "array_agg", "histogram", "json_group_array", "json_group_object", "mode",
    "median", "quantile", "quantile_cont", "quantile_disc", "list_transform",
    "array_transform", "list_apply", "array_apply", "list_filter", "array_filter", "filter",
    "list_reduce", "array_reduce",
})
_UNBOUNDED_SYNTAX = (exp.DPipe, exp.Lambda, exp.Comprehension, exp.Pivot, exp.Cube,
                     exp.Rollup, exp.GroupingSets)
_MAX_BOUNDED_NODES = 400

# Typed sqlglot nodes that DuckDB receives as syntax rather than as a call (``CASE ... END``,
# ``[1, 2]``, ``{'a': 1}``, ``j -> '$.a'``, ``t + INTERVAL 1 DAY`` ...), by sqlglot node key.
# Whatever functions the generated syntax contains are checked by the recheck of the output.
_SYNTAX_FORMS = frozenset({
    "case", "if", "array", "struct", "tomap", "varmap", "collate", "dateadd", "datesub",
    "tsordsadd", "timestampadd", "timestampsub", "jsonextract", "jsonextractscalar",
    "arrayoverlaps", "arraycontainsall", "safedivide",
})

# Syntax that may appear in a query, apart from functions (checked by name above) and tables
# (checked by _Guard.table). Anything else, e.g. INTO, FOR UPDATE, SUMMARIZE, a nested INSERT,
# an exp.Command fallback, a session parameter, is refused.
_SYNTAX = (
    exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery, exp.From, exp.Join,
    exp.Lateral, exp.TableAlias, exp.Values, exp.Tuple, exp.Pivot, exp.PivotAlias,
    exp.TableSample, exp.Where, exp.Group, exp.Having, exp.Qualify, exp.Order, exp.Ordered,
    exp.Limit, exp.Offset, exp.Fetch, exp.Window, exp.WindowSpec, exp.Distinct, exp.Cube,
    exp.Rollup, exp.GroupingSets, exp.Filter, exp.WithinGroup, exp.IgnoreNulls,
    exp.RespectNulls, exp.Alias, exp.Aliases, exp.Column, exp.Star, exp.Identifier, exp.Var,
    exp.Literal, exp.Null, exp.Boolean, exp.RawString, exp.ByteString, exp.HexString,
    exp.BitString, exp.National, exp.UnicodeString, exp.Placeholder, exp.PositionalColumn,
    exp.Binary, exp.Unary, exp.Predicate, exp.Interval, exp.Bracket, exp.Slice, exp.Lambda,
    exp.Comprehension, exp.AtTimeZone, exp.DataType, exp.DataTypeParam, exp.ColumnDef,
    exp.JSONPath, exp.JSONPathPart,
)

# Bare names DuckDB answers from the session when no column of that name is in scope, even
# quoted ("user" is the DuckDB user, "current_schema" the metastore's schema). The guard cannot
# know which a bare name will bind to, so it refuses them; a qualified column (t.user) is fine.
_SESSION_NAMES = frozenset({
    "user", "current_user", "session_user", "current_role", "current_catalog", "current_schema",
})

# How refused constructs are named in messages.
_CONSTRUCT_NAMES = {"into": "SELECT ... INTO", "lock": "FOR UPDATE / FOR SHARE"}

_DUCKDB = Dialect.get_or_raise("duckdb")


def guard_select(expression: exp.Expression, views: Mapping[tuple[str, str], str],
                 principal: str) -> GuardedSelect:
    """Check a parsed query and rewrite it to run over the system views' temp views.

    ``views`` maps lower-case ``(schema, view)`` to the internal temp view name. Every
    ``system.<schema>.<view>`` (any case, quoted or not) becomes ``temp.main.<internal>``, keeping
    the user's alias, or aliased as the view's own name so ``registered_models.model_name`` still
    works. CTEs are renamed ``cte<n>__<name>`` and every reference keeps the CTE's name as alias
    (so a name the guard took for a CTE can never reach a raw table of the same name). Columns
    qualified with a view's full name lose the ``system.<schema>.`` part. ``current_user`` and
    ``session_user`` become the principal as a string literal.

    Raises :class:`PermissionDenied` (operation ``SELECT``) for anything else, naming the
    offending statement, table or function in ``securable`` and the reason in ``missing``.
    The input expression is not modified.
    """
    guard = _Guard(views, principal, rewrite=True)
    tree = guard.statement(_balanced(expression.copy()))
    try:
        sql = tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as error:
        raise guard.deny(f"This query cannot be run safely on DuckDB: {error}. Simplify it.",
                         "query", "translatable to DuckDB") from error

    # Recheck what DuckDB will actually run: the generated text, parsed again, may only read the
    # internal temp views and CTEs and call allow-listed functions.
    try:
        generated = sqlglot.parse_one(sql, read="duckdb")
    except SqlglotError as error:  # pragma: no cover - sqlglot reads back what it writes
        raise guard.deny(f"This query cannot be run safely on DuckDB: {error}. Simplify it.",
                         "query", "translatable to DuckDB") from error
    recheck = _Guard(views, principal, rewrite=False)
    recheck.statement(_balanced(generated))
    bounded = not recheck.unbounded and recheck.nodes <= _MAX_BOUNDED_NODES
    return GuardedSelect(sql=sql, views=frozenset(guard.read), bounded=bounded,
                         columns=recheck.columns_read())


class _Guard:
    """One walk over one query tree.

    With ``rewrite=True`` it checks the user's tree and rewrites it in place. With
    ``rewrite=False`` it checks generated SQL: tables must then be the internal
    ``temp.main.<view>`` names (which a user may not write) and nothing is rewritten.
    """

    def __init__(self, views: Mapping[tuple[str, str], str], principal: str, *, rewrite: bool):
        self.views = {(schema.lower(), view.lower()): internal
                      for (schema, view), internal in views.items()}
        self.internal = {internal.lower(): key for key, internal in self.views.items()}
        self.principal = principal
        self.rewrite = rewrite
        self.read: set[tuple[str, str]] = set()
        self.cte_count = 0
        self.cte_names: set[str] = set()  # every CTE in the query, to explain scope errors
        self.nodes = 0
        self.unbounded = False
        self.column_refs: list[tuple[str, ...]] = []  # every column reference, by its parts
        self.column_names: set[str] = set()  # other names of columns (USING, bare words)
        self.relation_names: set[str] = set()  # tables, CTEs, aliases: a row when used as a value
        self.every_column = False  # see _UNBOUNDED_FUNCTIONS

    # --- errors --------------------------------------------------------------------------------

    def deny(self, message: str, securable: str, missing: str) -> PermissionDenied:
        return PermissionDenied(message, principal=self.principal, operation="SELECT",
                                securable=securable, missing=missing)

    def views_summary(self) -> str:
        """``system.information_schema.*, system.access.audit``: one entry per schema."""
        by_schema: dict[str, list[str]] = {}
        for schema, view in self.views:
            by_schema.setdefault(schema, []).append(view)
        return ", ".join(f"system.{schema}.{names[0] if len(names) == 1 else '*'}"
                         for schema, names in by_schema.items())

    # --- the walk ------------------------------------------------------------------------------

    def statement(self, tree: exp.Expression) -> exp.Expression:
        query = tree
        while isinstance(query, exp.Subquery):  # "(SELECT 1)" is still a query
            query = query.this
        if not isinstance(query, (exp.Select, exp.Union, exp.Intersect, exp.Except)):
            kind = _construct_name(query)
            raise self.deny(
                f"{kind} is not a read-only query: ucsql runs only SELECT queries over the system "
                f"views ({self.views_summary()}). The metastore changes only through ucsql "
                "statements.", kind, "read-only query")
        self.cte_names = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        self.visit(tree, {})
        return tree

    def visit(self, node: exp.Expression, ctes: dict[str, str]) -> None:
        """Check ``node`` and everything under it. ``ctes`` maps each CTE name visible here
        (lower-case) to the name it is renamed to."""
        self.nodes += 1
        if isinstance(node, _UNBOUNDED_SYNTAX):
            self.unbounded = True
        self.note_columns(node)
        if isinstance(node, exp.Table):
            self.table(node, ctes)
            return
        if isinstance(node, (exp.CurrentUser, exp.SessionUser)) and self.rewrite:
            literal = exp.Literal.string(self.principal)
            # As a bare projection, keep the column name people expect (current_user), not the
            # literal's text.
            if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
                literal = exp.alias_(literal, "current_user")
            node.replace(literal)
            return
        if isinstance(node, exp.Func):
            self.function(node)
        elif isinstance(node, (exp.Column, exp.Var)):
            self.column(node)
        elif isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
            # main.lower(x), 'A'.lower(), x.getenv(): DuckDB resolves these against a schema or
            # as a method call; insist on the bare name so the allow-list means what it says.
            name = _function_name(node.expression)[0]
            raise self.deny(
                f"Function {node.this.sql(dialect='duckdb')}.{name} is not allowed in ucsql "
                f"queries: call functions by their bare name, as {name}(...).", name,
                "unqualified function call")
        elif not isinstance(node, _SYNTAX) or isinstance(node, exp.Operator):
            kind = _construct_name(node)
            raise self.deny(
                f"{kind} is not allowed in ucsql queries: a query may only read the system views "
                f"({self.views_summary()}) with SELECT.", kind, "read-only query")

        # A WITH changes what the rest of this query can see; its CTEs are walked first.
        with_ = node.args.get("with_")
        if isinstance(with_, exp.With):
            ctes = self.with_(with_, ctes)
        for child in list(node.iter_expressions()):
            if child is not with_:
                self.visit(child, ctes)

    def columns_read(self) -> frozenset[str] | None:
        """``GuardedSelect.columns``, once the walk is done."""
        if self.every_column:
            return None
        names = set(self.column_names)
        for *qualifiers, name in self.column_refs:
            if name in self.relation_names:
                return None  # SELECT t FROM t: the whole row
            # t.s.f: s may be a struct column rather than a table; keep whatever is not a table
            names.update(q for q in qualifiers if q not in self.relation_names)
            names.add(name)
        return frozenset(names)

    def note_columns(self, node: exp.Expression) -> None:
        """Remember which columns ``node`` may read (``GuardedSelect.columns``)."""
        if isinstance(node, exp.Column):
            self.column_refs.append(tuple(part.name.lower() for part in node.parts))
        elif isinstance(node, exp.Var):
            self.column_names.add(node.name.lower())
        elif isinstance(node, exp.Identifier) and isinstance(node.parent, exp.Join):
            self.column_names.add(node.name.lower())  # JOIN ... USING (a)
        elif isinstance(node, (exp.TableAlias, exp.Table, exp.CTE)):
            self.relation_names.add(node.name.lower())
            self.relation_names.add(node.alias_or_name.lower())
        elif isinstance(node, exp.Star) and not isinstance(node.parent, exp.Count):
            self.every_column = True
        elif isinstance(node, exp.PositionalColumn) or (
                isinstance(node, exp.Join) and (node.method or "").upper() == "NATURAL"):
            self.every_column = True
        elif isinstance(node, exp.Func) and node.sql_name().lower() == "columns":
            self.every_column = True

    def with_(self, with_: exp.With, outer: dict[str, str]) -> dict[str, str]:
        """Walk the CTEs of a WITH; return the names visible to the query it belongs to.

        A CTE sees the CTEs before it, and itself when the WITH is RECURSIVE. DuckDB's own rule is
        subtler (a recursive CTE's self-reference outside the recursive UNION term reads a real
        table of that name), which is why CTEs are renamed: a reference the guard accepts as a
        CTE names a table that exists only as that CTE, so at worst DuckDB reports it missing.
        """
        for key in ("search", "cycle", "udfs"):
            if with_.args.get(key):
                raise self.deny(f"WITH ... {key.upper()} is not allowed in ucsql queries.",
                                key.upper(), "plain WITH")
        recursive = bool(with_.args.get("recursive"))
        self.unbounded |= recursive
        visible = dict(outer)
        for cte in with_.expressions:
            if not isinstance(cte, exp.CTE):
                raise self.deny("Only plain CTEs are allowed in a WITH of a ucsql query.",
                                _construct_name(cte), "plain WITH")
            name = cte.alias_or_name.lower()
            if self.rewrite:
                self.cte_count += 1
                target = f"cte{self.cte_count}__{name}"
                cte.args["alias"].set("this", exp.to_identifier(target))
            else:
                target = name
            inside = {**visible, name: target} if recursive else visible
            for child in list(cte.iter_expressions()):
                if child is not cte.args.get("alias"):
                    self.visit(child, inside)
            visible = {**visible, name: target}
        return visible

    def table(self, table: exp.Table, ctes: dict[str, str]) -> None:
        source = table.this
        if isinstance(source, exp.Func):
            self.table_function(table, source, ctes)
        elif isinstance(source, exp.Identifier):
            self.table_name(table, ctes)
        else:
            name = table.sql(dialect="duckdb")
            raise self.deny(
                f"SELECT may read only the system views ({self.views_summary()}); {name} is not "
                "one of them.", name, "system view")
        for key, value in list(table.args.items()):
            if key in ("this", "db", "catalog"):
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, exp.Expression):
                    self.visit(child, ctes)

    def table_function(self, table: exp.Table, func: exp.Func, ctes: dict[str, str]) -> None:
        name, _ = _function_name(func)
        qualifier = ".".join(part.name for part in (table.args.get("catalog"), table.args.get("db"))
                             if part is not None)
        if name not in _TABLE_FUNCTIONS or qualifier:
            shown = f"{qualifier}.{name}" if qualifier else name
            raise self.deny(
                f"Function {shown} is not allowed in ucsql queries: FROM may read only the system "
                f"views ({self.views_summary()}), CTEs, and the table functions "
                "unnest, range and generate_series.", shown, "allowed table function")
        self.unbounded |= name in _UNBOUNDED_FUNCTIONS
        for arg in list(func.iter_expressions()):
            self.visit(arg, ctes)

    def table_name(self, table: exp.Table, ctes: dict[str, str]) -> None:
        catalog, db, name = (table.catalog.lower(), table.db.lower(), table.name.lower())
        written = ".".join(part for part in (table.catalog, table.db, table.name) if part)

        if not catalog and not db and name in ctes:
            if self.rewrite:
                self.point_at(table, ctes[name], alias=table.this)
            return
        if self.rewrite and catalog == "system":
            if (db, name) not in self.views:
                available = ", ".join(f"system.{s}.{v}" for s, v in self.views)
                raise self.deny(f"{written} is not a system view. Available views: {available}.",
                                written, "system view")
            self.read.add((db, name))
            self.point_at(table, self.views[(db, name)], alias=exp.to_identifier(name),
                          schema="main", catalog="temp")
            return
        if not self.rewrite and catalog == "temp" and db == "main" and name in self.internal:
            self.read.add(self.internal[name])
            return

        hint = ""
        matches = [f"system.{s}.{v}" for s, v in self.views
                   if v == name and (not db or db == s) and not catalog]
        if len(matches) == 1:
            hint = f" Did you mean {matches[0]}?"
        elif not catalog and not db and name in self.cte_names:
            hint = f" A CTE named {name} exists, but a WITH covers only the query it belongs to."
        raise self.deny(
            f"SELECT may read only the system views ({self.views_summary()}); {written} is not "
            f"one of them.{hint}", written, "system view")

    @staticmethod
    def point_at(table: exp.Table, target: str, alias: exp.Identifier, schema: str = "",
                 catalog: str = "") -> None:
        """Make ``table`` read ``catalog.schema.target``, keeping (or adding) its alias."""
        table.set("this", exp.to_identifier(target))
        table.set("db", exp.to_identifier(schema) if schema else None)
        table.set("catalog", exp.to_identifier(catalog) if catalog else None)
        table_alias = table.args.get("alias")
        if table_alias is None:
            table.set("alias", exp.TableAlias(this=alias.copy()))
        elif not table_alias.this:  # "AS (a, b)": columns renamed, table name kept
            table_alias.set("this", alias.copy())

    def function(self, func: exp.Func) -> None:
        name, is_call = _function_name(func)
        if name in (_FUNCTIONS if is_call else _SYNTAX_FORMS):
            self.unbounded |= name in _UNBOUNDED_FUNCTIONS
            return
        # Some operators are typed as functions too (AND, OR, COLLATE): fine as long as DuckDB
        # gets them as operators, not as a call.
        if not is_call and isinstance(func, (exp.Binary, exp.Unary, exp.Predicate)):
            return
        raise self.deny(
            f"Function {name} is not allowed in ucsql queries: queries may use only pure "
            "functions over the system views.", name, "pure function")

    def column(self, column: exp.Column | exp.Var) -> None:
        name = column.name.lower()
        if not (isinstance(column, exp.Column) and column.table) and name in _SESSION_NAMES:
            raise self.deny(
                f"{column.name} on its own is not allowed in ucsql queries: DuckDB may answer it "
                "from the session instead of a column. Write current_user for the calling "
                f"principal, or qualify the column as <table>.{column.name}.", column.name,
                "qualified column")
        # system.information_schema.registered_models.model_name: the table is now aliased
        # registered_models, so drop the catalog and schema parts.
        if self.rewrite and isinstance(column, exp.Column) and column.args.get("db") is not None:
            key = (column.db.lower(), column.table.lower())
            if key in self.views and column.catalog.lower() in ("", "system"):
                column.set("db", None)
                column.set("catalog", None)


def _function_name(func: exp.Func) -> tuple[str, bool]:
    """The name DuckDB sees for ``func``, and whether DuckDB sees it as a call.

    sqlglot turns some spellings into typed nodes with a DuckDB name of their own (``instr`` ->
    ``STRPOS``, ``list`` -> ``ARRAY_AGG``), so the name is read off the generated SQL: the word
    before the first parenthesis, or the single keyword (``CURRENT_DATE``). Nodes that DuckDB
    gets as syntax (``CASE``, ``[1, 2]``, ``j -> '$.a'``) are named by their sqlglot key.
    """
    tokens = _DUCKDB.tokenize(_shallow(func).sql(dialect="duckdb"))
    first = tokens[0] if tokens else None
    if first is not None and len(tokens) >= 2 and tokens[1].token_type == TokenType.L_PAREN \
            and first.token_type not in (TokenType.L_PAREN, TokenType.L_BRACKET,
                                         TokenType.L_BRACE, TokenType.STRING, TokenType.NUMBER):
        return first.text.lower(), True
    if first is not None and len(tokens) == 1 and first.token_type != TokenType.STRING:
        return first.text.lower(), True
    return func.key, False


# Children that are themselves calls, operators or queries: replaced by a stand-in when a node's
# name is read, so naming a node costs what its own arguments cost, not what its subtree costs.
_COMPOUND = (exp.Func, exp.Binary, exp.Unary, exp.Query, exp.Subquery)


def _shallow(func: exp.Func) -> exp.Func:
    """``func`` with every compound argument replaced by a column stand-in.

    Rendering a node renders its whole subtree; done for every node of a chain of 2,000 ANDs that
    made the guard quadratic (minutes, holding the file). The name DuckDB sees is decided by the
    node's class and its own arguments, and every argument is checked on its own, so the
    stand-ins change nothing the check relies on.
    """
    def stand_in(value):
        return exp.column("x") if isinstance(value, _COMPOUND) else value

    args = {}
    for key, value in func.args.items():
        if isinstance(value, list):
            args[key] = [stand_in(v) for v in value]
        else:
            args[key] = stand_in(value)
    return func.__class__(**args)


def _balanced(tree: exp.Expression) -> exp.Expression:
    """``tree`` with every chain of ANDs (or ORs) rebuilt as a balanced tree.

    sqlglot parses ``a AND b AND c ...`` as a left-deep tree as deep as the chain is long; the
    walk (and DuckDB) would then recurse once per term. AND and OR are associative, also over
    NULLs, so a balanced tree means the same and is only log2(n) deep.
    """
    def rebuild(cls, terms):
        if len(terms) == 1:
            return terms[0]
        middle = len(terms) // 2
        return cls(this=rebuild(cls, terms[:middle]), expression=rebuild(cls, terms[middle:]))

    chains = [node for node in tree.walk()
              if isinstance(node, (exp.And, exp.Or)) and type(node.parent) is not type(node)]
    for top in chains:
        terms = list(top.flatten(unnest=False))
        if len(terms) > 2:
            replacement = rebuild(type(top), [t.pop() if t.parent else t for t in terms])
            if top is tree:
                tree = replacement
            else:
                top.replace(replacement)
    return tree


def _construct_name(node: exp.Expression) -> str:
    """INSERT, COPY, PRAGMA ..., or the command word of an exp.Command (ATTACH, EXPLAIN)."""
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    return _CONSTRUCT_NAMES.get(node.key, node.key.upper())
