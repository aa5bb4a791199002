"""MLflow registry searches compiled into one parameterised SELECT over a system view.

``search_registered_models`` and ``search_model_versions`` take MLflow's arguments (a filter
string, ``max_results``, ``order_by``, a page token). This module turns them into one DuckDB
``SELECT`` over ``system.information_schema.registered_models`` or ``.model_versions``, with a
``?`` placeholder for every value the caller wrote, so the façade runs it through the same path
as any user query (``Catalog.sql``: the SELECT guard, then DuckDB). The views already hold only
the rows the caller may see, so nothing is filtered in Python afterwards.

The filter grammar is MLflow's own: ``SearchModelUtils`` / ``SearchModelVersionUtils`` parse the
string into ``{type, key, comparator, value}`` clauses (joined by AND) and this module compiles
each clause. The query is a sqlglot tree: identifiers quoted, values bound, never pasted.

What matches MLflow's ``SqlAlchemyStore``:

* keys and comparators: models ``name`` (=, !=, LIKE, ILIKE, IN, NOT IN) and ``tags.<key>``
  (=, !=, LIKE, ILIKE); versions also ``version_number`` (=, !=, <, <=, >, >=), ``run_id``
  (string comparators and IN / NOT IN) and ``source_path`` (=, !=, LIKE, ILIKE). ``tag.`` and
  ``tags.`` are the same; ``attribute.name`` is ``name``.
* a tag clause matches only rows that have the tag: ``tags.team != 'x'`` skips untagged rows.
* prompts: rows tagged ``mlflow.prompt.is_prompt = 'true'`` are left out unless the filter asks
  for prompts (its first clause on that tag is ``= 'true'`` or ``!= 'false'``). Otherwise any
  clause on that tag is replaced by this exclusion, so the ``!= 'true'`` clause MLflow's client
  adds matches every model without the tag. For versions, a model with any version tagged as a
  prompt is left out whole.
* LIKE / ILIKE are SQL patterns (``%``, ``_``, no escape character); LIKE is case-sensitive.
* ordering: models by ``name`` (default ASC), ``timestamp`` / ``last_updated_timestamp`` (last
  change) and ``creation_timestamp``; versions by ``name``, ``version_number``,
  ``creation_timestamp``, ``last_updated_timestamp``, by default
  ``last_updated_timestamp DESC, name ASC, version_number DESC``. Ties are broken by name ASC
  (and version DESC), so every order is total and pages never overlap.
* ``max_results``: 1-1000 for models (default 100), 1-200000 for versions (default 10000).

Where ucsql differs: names are case-insensitive (stored lower-case), so values compared with
``name`` are lower-cased; page tokens also carry a fingerprint of the query, so a token from
another search is refused instead of silently skipping rows.

>>> c = compile_version_search("name = 'prod.ml.Iris' AND version_number >= 2", 10, None, None)
>>> c.params
['prod.ml.iris', 2, 'mlflow.prompt.is_prompt', 'true', 11, 0]
>>> compile_model_search("colour = 'red'", 10, None, None)
Traceback (most recent call last):
...
ucsql.errors.InvalidArgument: Invalid attribute key 'colour' specified. Valid keys are '{'name'}'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from mlflow.exceptions import MlflowException
from mlflow.prompt.constants import IS_PROMPT_TAG_KEY
from mlflow.store.model_registry import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD,
)
from mlflow.utils.search_utils import SearchModelUtils, SearchModelVersionUtils
from sqlglot import exp

from . import dialect
from .errors import InvalidArgument

__all__ = ["CompiledSearch", "compile_model_search", "compile_version_search",
           "next_page_token"]


@dataclass(frozen=True)
class CompiledSearch:
    """One page of a search, ready for ``Catalog.execute(node, params)``.

    ``sql`` selects at most ``max_results + 1`` rows (``LIMIT ? OFFSET ?`` are the last two
    params): one more than the page, so :func:`next_page_token` knows whether a next page
    exists. ``offset`` is the first row of this page. ``fingerprint`` identifies the search
    (query and filter values, not the page) inside page tokens. ``node`` is ``sql`` parsed,
    marked bounded: ucsql wrote it, one comparison per filter clause (at most
    ``MAX_CLAUSES``) over one view and the tags and aliases of one page, so its cost is
    bounded by the rows it reads and it runs outside the sandbox (``ucsql.sandbox``).
    """

    sql: str
    params: list
    offset: int
    max_results: int
    fingerprint: str = field(default="", repr=False)
    node: exp.Expression | None = field(default=None, repr=False, compare=False)


# --- What each search can see ------------------------------------------------------------------

MAX_CLAUSES = 100  # planning time grows with the square of a query's size

_STRING = ("=", "!=", "LIKE", "ILIKE")
_STRING_OR_LIST = _STRING + ("IN", "NOT IN")
_NUMBER = ("=", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class _Key:
    """A filterable attribute: the view column, its comparators, whether it is a number."""

    column: str
    comparators: tuple[str, ...]
    numeric: bool = False
    lower: bool = False  # values are lower-cased (names are case-insensitive)


@dataclass(frozen=True)
class _Search:
    method: str                       # the MLflow method, for messages
    view: str                         # system.information_schema.<view>
    columns: tuple[str, ...]          # plain columns returned, in order
    parser: Any                       # MLflow's filter parser class
    attributes: dict[str, _Key]       # filter keys
    order_keys: dict[str, str]        # order_by key -> column
    default_order: tuple[tuple[str, bool], ...]   # (column, ascending) when order_by is empty
    tie_break: tuple[tuple[str, bool], ...]       # appended unless already ordered by
    max_results_default: int
    max_results_limit: int


_MODELS = _Search(
    method="search_registered_models",
    view="registered_models",
    columns=("full_name", "catalog_name", "schema_name", "model_name", "comment", "owner",
             "created_at", "created_by", "updated_at", "updated_by", "storage_location",
             "tags", "aliases"),
    parser=SearchModelUtils,
    attributes={"name": _Key("full_name", _STRING_OR_LIST, lower=True)},
    # MLflow's SqlAlchemyStore orders "timestamp" by the last update too.
    order_keys={"name": "full_name", "timestamp": "updated_at",
                "last_updated_timestamp": "updated_at", "creation_timestamp": "created_at"},
    default_order=(("full_name", True),),
    tie_break=(("full_name", True),),
    max_results_default=SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
    max_results_limit=SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD,
)

_VERSIONS = _Search(
    method="search_model_versions",
    view="model_versions",
    columns=("full_name", "catalog_name", "schema_name", "model_name", "version", "comment",
             "created_at", "created_by", "updated_at", "updated_by", "source", "run_id",
             "run_link", "logged_model_id", "status", "status_message", "storage_location",
             "tags", "aliases"),
    parser=SearchModelVersionUtils,
    attributes={
        "name": _Key("full_name", _STRING_OR_LIST, lower=True),
        "run_id": _Key("run_id", _STRING_OR_LIST),
        "source_path": _Key("source", _STRING),
        "version_number": _Key("version", _NUMBER, numeric=True),
    },
    order_keys={"name": "full_name", "version_number": "version",
                "creation_timestamp": "created_at", "last_updated_timestamp": "updated_at"},
    default_order=(("updated_at", False), ("full_name", True), ("version", False)),
    tie_break=(("full_name", True), ("version", False)),
    max_results_default=SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    max_results_limit=SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD,
)

# Prefixes an order_by key may carry and still name an attribute.
_ATTRIBUTE_PREFIXES = ("attribute", "attributes", "attr")


# --- The public face ---------------------------------------------------------------------------

def compile_model_search(filter_string: str | None, max_results: int | None,
                         order_by: list[str] | None, page_token: str | None) -> CompiledSearch:
    """Compile ``search_registered_models`` arguments into one SELECT over
    ``system.information_schema.registered_models``.

    Returns the columns full_name, catalog_name, schema_name, model_name, comment, owner,
    created_at (TIMESTAMPTZ), created_by, updated_at (TIMESTAMPTZ), updated_by,
    storage_location, tags (MAP), aliases (LIST of {alias, version}), then
    creation_timestamp and last_updated_timestamp (BIGINT, epoch milliseconds).
    ``max_results=None`` means MLflow's default (100). Raises :class:`InvalidArgument` for a bad
    filter, order_by, max_results or page token.

    >>> compile_model_search("tags.team = 'a'", 5, ["timestamp DESC"], None).params
    ['team', 'a', 'mlflow.prompt.is_prompt', 'true', 6, 0]
    """
    return _compile(_MODELS, filter_string, max_results, order_by, page_token)


def compile_version_search(filter_string: str | None, max_results: int | None,
                           order_by: list[str] | None, page_token: str | None) -> CompiledSearch:
    """Compile ``search_model_versions`` arguments into one SELECT over
    ``system.information_schema.model_versions``.

    Returns the columns full_name, catalog_name, schema_name, model_name, version (BIGINT),
    comment, created_at (TIMESTAMPTZ), created_by (MLflow's user_id), updated_at
    (TIMESTAMPTZ), updated_by, source, run_id, run_link, logged_model_id (MLflow's model_id),
    status, status_message, storage_location, tags (MAP), aliases (LIST of VARCHAR), then
    creation_timestamp and last_updated_timestamp (BIGINT, epoch milliseconds).
    ``max_results=None`` means MLflow's default (10000).

    >>> compile_version_search("run_id IN ('r1', 'r2')", 10, ["version_number"], None).params
    ['r1', 'r2', 'mlflow.prompt.is_prompt', 'true', 11, 0]
    """
    return _compile(_VERSIONS, filter_string, max_results, order_by, page_token)


def next_page_token(search: CompiledSearch, rows_returned: int) -> str | None:
    """The token for the page after ``search``, or None when ``rows_returned`` (the rows its
    query gave, at most ``max_results + 1``) shows this page is the last.

    The token is base64 (URL-safe) of JSON: the next offset and the search's fingerprint.
    Only the first ``search.max_results`` rows belong to the page.
    """
    if rows_returned <= search.max_results:
        return None
    payload = {"offset": search.offset + search.max_results, "search": search.fingerprint}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


# --- Compilation -------------------------------------------------------------------------------

class _Params:
    """Positional values, in the order their ``?`` appear in the text. Every node that takes
    a value is built left to right, so appending as we build keeps the two in step."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def bind(self, value: Any) -> exp.Placeholder:
        self.values.append(value)
        return exp.Placeholder()


def _column(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _epoch_ms(column: str, table: str | None = None) -> exp.Expression:
    """``epoch_us(t) // 1000``: whole milliseconds, truncated like MLflow's ``int(time * 1000)``
    (DuckDB's ``epoch_ms`` rounds to the nearest)."""
    return exp.IntDiv(this=exp.func("epoch_us", exp.column(column, table=table, quoted=True)),
                      expression=exp.Literal.number(1000))


def _view(search: _Search) -> exp.Table:
    return exp.table_(search.view, db="information_schema", catalog="system", quoted=True)


def _compile(search: _Search, filter_string: str | None, max_results: int | None,
             order_by: list[str] | None, page_token: str | None) -> CompiledSearch:
    max_results = _check_max_results(search, max_results)
    clauses = _parse_filter(search, filter_string)
    order = _order(search, order_by)

    params = _Params()
    querying_prompts = _is_querying_prompts(clauses)
    # Versions: tags and aliases are aggregated only for the page's rows (see _enrich_versions);
    # the filter, order and page run over the view's plain columns.
    plain = [c for c in search.columns if search is _MODELS or c not in ("tags", "aliases")]
    query = exp.select(*(_column(c) for c in plain)).from_(_view(search))
    if search is _MODELS:
        query = query.select(*_epoch_columns(), copy=False)
    conditions = _conditions(search, clauses, querying_prompts, params)
    if conditions:
        query = query.where(exp.and_(*conditions), copy=False)
    query = query.order_by(*_ordering(order), copy=False)

    # The fingerprint covers the query and its filter values, not the page.
    fingerprint = hashlib.sha256(json.dumps(
        [query.sql(dialect="duckdb"), params.values], default=str).encode()).hexdigest()[:32]
    offset = _parse_page_token(search, page_token, fingerprint)

    query = query.limit(params.bind(max_results + 1), copy=False)
    query = query.offset(params.bind(offset), copy=False)
    if search is _VERSIONS:
        query = _enrich_versions(query, order)
    placeholders = sum(1 for _ in query.find_all(exp.Placeholder))
    assert placeholders == len(params.values), "every ? has exactly one value"
    sql = query.sql(dialect="duckdb")
    node = dialect.parse(sql)[0]
    node.meta.update(sql=sql, bounded=True)
    return CompiledSearch(sql=sql, params=params.values, offset=offset, max_results=max_results,
                          fingerprint=fingerprint, node=node)


def _ordering(order: list[tuple[str, bool]], table: str | None = None) -> list[exp.Ordered]:
    return [exp.Ordered(this=exp.column(c, table=table, quoted=True), desc=not asc,
                        nulls_first=False) for c, asc in order]


def _epoch_columns(table: str | None = None) -> list[exp.Expression]:
    return [exp.alias_(_epoch_ms("created_at", table), "creation_timestamp", quoted=True),
            exp.alias_(_epoch_ms("updated_at", table), "last_updated_timestamp", quoted=True)]


def _enrich_versions(hits: exp.Select, order: list[tuple[str, bool]]) -> exp.Select:
    """The page of versions (``hits``), with their tags and aliases.

    Building the tag map of every version costs as much as the whole search again at 100k
    versions, so the maps are aggregated only for the versions of the page: the two aggregates
    read the tags and aliases views restricted to the page's (name, version) pairs.
    """
    keys = exp.select(_column("full_name"), _column("version")).from_("hits")
    page = exp.Tuple(expressions=[_column("full_name"), _column("version")])

    def per_version(view: str, value: exp.Expression, alias: str) -> exp.Select:
        return (exp.select(_column("full_name"), _column("version"),
                           exp.alias_(value, alias, quoted=True))
                .from_(exp.table_(view, db="information_schema", catalog="system", quoted=True))
                .where(exp.In(this=page, query=exp.Subquery(this=keys)))
                .group_by(_column("full_name"), _column("version")))

    def ordered_list(column: str, by: str) -> exp.Expression:
        return exp.ArrayAgg(this=exp.Order(this=_column(column), expressions=[
            exp.Ordered(this=_column(by), nulls_first=False)]))

    tags = per_version("model_version_tags", exp.func(
        "map", ordered_list("tag_name", "tag_name"), ordered_list("tag_value", "tag_name")), "tags")
    aliases = per_version("model_aliases", ordered_list("alias", "alias"), "aliases")

    def joined(name: str) -> exp.Expression:
        return exp.and_(*(exp.EQ(this=exp.column(c, table=name, quoted=True),
                                 expression=exp.column(c, table="hits", quoted=True))
                          for c in ("full_name", "version")))

    return (exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("hits")),
                       exp.alias_(exp.func("coalesce", exp.column("tags", table="tg", quoted=True),
                                           sqlglot.parse_one("MAP {}", read="duckdb")),
                                  "tags", quoted=True),
                       exp.alias_(exp.func("coalesce", exp.column("aliases", table="al", quoted=True),
                                           exp.Array()), "aliases", quoted=True),
                       *_epoch_columns("hits"))
            .from_("hits")
            .join(exp.alias_(exp.Subquery(this=tags), "tg"), on=joined("tg"), join_type="left")
            .join(exp.alias_(exp.Subquery(this=aliases), "al"), on=joined("al"), join_type="left")
            .with_("hits", as_=hits)
            .order_by(*_ordering(order, "hits")))


def _check_max_results(search: _Search, max_results: int | None) -> int:
    if max_results is None:
        return search.max_results_default
    if not isinstance(max_results, int) or isinstance(max_results, bool) or max_results < 1:
        raise InvalidArgument(
            f"Invalid value for max_results. It must be a positive integer, but got "
            f"{max_results!r}")
    if max_results > search.max_results_limit:
        raise InvalidArgument(
            "Invalid value for request parameter max_results. It must be at most "
            f"{search.max_results_limit}, but got value {max_results}. Use page tokens to read "
            f"more rows: {search.method} returns one with each page.")
    return max_results


def _parse_filter(search: _Search, filter_string: str | None) -> list[dict]:
    """MLflow's parse of ``filter_string``; its errors become :class:`InvalidArgument`."""
    if filter_string is None:
        return []
    if not isinstance(filter_string, str):
        raise InvalidArgument(f"The filter of {search.method} must be a string, "
                              f"not {type(filter_string).__name__}.")
    try:
        return search.parser.parse_search_filter(filter_string)
    except MlflowException as e:
        raise InvalidArgument(e.message) from None
    except Exception:  # noqa: BLE001 - sqlparse's tree not in the shape MLflow expects (IS NULL)
        raise InvalidArgument(
            f"Invalid filter {filter_string!r}: could not be parsed. Write clauses as "
            "<key> <comparator> <value> joined by AND, e.g. "
            "name = 'prod.ml.iris' AND tags.team = 'fraud'.") from None


def _conditions(search: _Search, clauses: list[dict], querying_prompts: bool,
                params: _Params) -> list[exp.Expression]:
    """One SQL condition per clause, then the prompt exclusion (as MLflow's SqlAlchemyStore)."""
    if len(clauses) > MAX_CLAUSES:
        raise InvalidArgument(f"The filter of {search.method} has {len(clauses)} clauses; at "
                              f"most {MAX_CLAUSES} are allowed. Filter on fewer keys.")
    conditions = []
    for clause in clauses:
        kind, key = clause["type"], clause["key"]
        comparator, value = clause["comparator"].upper(), clause["value"]
        if kind == "tag":
            if key == IS_PROMPT_TAG_KEY and not querying_prompts:
                continue  # replaced by the exclusion below
            if comparator not in _STRING:
                raise InvalidArgument(f"Invalid comparator for tag: {comparator}. Tags compare "
                                      "with =, !=, LIKE or ILIKE.")
            conditions.append(_tag_condition(search, key, comparator, value, params))
        elif kind == "attribute" and key in search.attributes:
            conditions.append(_attribute(search.attributes[key], key, comparator, value, params))
        else:
            raise InvalidArgument(f"Invalid attribute name: {key}")
    if not querying_prompts:
        conditions.append(_not_a_prompt(search, params))
    return conditions


def _is_querying_prompts(clauses: list[dict]) -> bool:
    """True when the first clause on the prompt tag asks for prompts (= 'true', != 'false')."""
    for clause in clauses:
        if clause["type"] == "tag" and clause["key"] == IS_PROMPT_TAG_KEY:
            comparator, value = clause["comparator"].upper(), str(clause["value"]).lower()
            return (comparator, value) in (("=", "true"), ("!=", "false"))
    return False


def _tag_condition(search: _Search, key: str, comparator: str, value: Any,
                   params: _Params) -> exp.Expression:
    """A clause on a tag. Models compare their tag map; versions look the tag up in the tags
    view, so the versions view never builds tag maps for rows the filter drops."""
    if search is _MODELS:
        return _compare(_tag(key, params), comparator, value, params)
    tagged = (exp.select(_column("full_name"), _column("version"))
              .from_(exp.table_("model_version_tags", db="information_schema", catalog="system",
                                quoted=True))
              .where(exp.and_(exp.EQ(this=_column("tag_name"), expression=params.bind(key)),
                              _compare(_column("tag_value"), comparator, value, params))))
    return exp.In(this=exp.Tuple(expressions=[_column("full_name"), _column("version")]),
                  query=exp.Subquery(this=tagged))


def _tag(key: str, params: _Params) -> exp.Expression:
    """``"tags"[?]``: the tag's value, NULL when the row does not have the tag."""
    return exp.Bracket(this=_column("tags"), expressions=[params.bind(key)])


def _not_a_prompt(search: _Search, params: _Params) -> exp.Expression:
    """Leave prompts out: models tagged ``mlflow.prompt.is_prompt = 'true'``; for versions, every
    version of a model with any version so tagged (as MLflow does). The versions' test reads the
    small tags view, after the search's own conditions, so those still narrow the scan of the
    versions view (a window over all versions would read every version on every search)."""
    if search is _MODELS:
        return exp.NullSafeNEQ(this=_tag(IS_PROMPT_TAG_KEY, params),
                               expression=params.bind("true"))
    prompts = exp.select(_column("full_name")).from_(
        exp.table_("model_version_tags", db="information_schema", catalog="system", quoted=True)
    ).where(exp.and_(exp.EQ(this=_column("tag_name"), expression=params.bind(IS_PROMPT_TAG_KEY)),
                     exp.EQ(this=_column("tag_value"), expression=params.bind("true"))))
    return exp.Not(this=exp.In(this=_column("full_name"), query=exp.Subquery(this=prompts)))


def _attribute(spec: _Key, key: str, comparator: str, value: Any,
               params: _Params) -> exp.Expression:
    if comparator not in spec.comparators:
        if spec.numeric:
            raise InvalidArgument(f"Invalid comparator for attribute {key}: {comparator}. "
                                  f"{key} compares with {', '.join(spec.comparators)}.")
        raise InvalidArgument(f"Invalid comparator for attribute: {comparator}. {key} compares "
                              f"with {', '.join(spec.comparators)}.")
    if spec.numeric:
        value = _integer(key, value)
    elif spec.lower:
        value = tuple(v.lower() for v in value) if isinstance(value, tuple) else value.lower()
    return _compare(_column(spec.column), comparator, value, params)


def _integer(key: str, value: Any) -> int:
    """``version_number = 3`` and ``version_number = '3'`` both mean 3 (as in MLflow)."""
    bad = InvalidArgument(f"Invalid value for numeric attribute '{key}': {value!r}. "
                          "Use a whole number, e.g. version_number >= 2.")
    if isinstance(value, float):
        raise bad
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise bad from None
    if not -2**63 <= number < 2**63:
        raise InvalidArgument(f"Invalid value for numeric attribute '{key}': {value!r} is out "
                              "of range.")
    return number


_COMPARISONS: dict[str, Callable[[exp.Expression, exp.Expression], exp.Expression]] = {
    "=": lambda a, b: exp.EQ(this=a, expression=b),
    "!=": lambda a, b: exp.NEQ(this=a, expression=b),
    "<": lambda a, b: exp.LT(this=a, expression=b),
    "<=": lambda a, b: exp.LTE(this=a, expression=b),
    ">": lambda a, b: exp.GT(this=a, expression=b),
    ">=": lambda a, b: exp.GTE(this=a, expression=b),
    "LIKE": lambda a, b: exp.Like(this=a, expression=b),
    "ILIKE": lambda a, b: exp.ILike(this=a, expression=b),
}


def _compare(left: exp.Expression, comparator: str, value: Any,
             params: _Params) -> exp.Expression:
    if comparator in ("IN", "NOT IN"):
        values = value if isinstance(value, tuple) else (value,)
        test = exp.In(this=left, expressions=[params.bind(v) for v in values])
        return exp.Not(this=test) if comparator == "NOT IN" else test
    return _COMPARISONS[comparator](left, params.bind(value))


# --- order_by ----------------------------------------------------------------------------------

def _order(search: _Search, order_by: list[str] | None) -> list[tuple[str, bool]]:
    """(column, ascending) pairs: the caller's, or the default, then the tie-breakers."""
    if order_by is not None and (isinstance(order_by, str)
                                 or not all(isinstance(o, str) for o in order_by)):
        raise InvalidArgument(f"order_by of {search.method} must be a list of strings such as "
                              f"['name ASC'], not {order_by!r}.")
    if not order_by:
        return list(search.default_order)
    order: list[tuple[str, bool]] = []
    for clause in order_by:
        column, ascending = _order_term(search, clause)
        if any(c == column for c, _ in order):
            raise InvalidArgument(f"`order_by` contains duplicate fields: {list(order_by)}")
        order.append((column, ascending))
    order += [(c, asc) for c, asc in search.tie_break if all(c != o for o, _ in order)]
    return order


def _order_term(search: _Search, clause: str) -> tuple[str, bool]:
    """``"<key> [ASC|DESC]"`` -> (column, ascending). The key may be backticked or carry an
    ``attribute.`` prefix."""
    words = clause.split()
    if not 1 <= len(words) <= 2:
        raise InvalidArgument(f"Invalid order_by clause '{clause}'. Could not be parsed. Write "
                              "<key> [ASC|DESC], e.g. 'name ASC'.")
    ascending = True
    if len(words) == 2:
        if words[1].lower() not in ("asc", "desc"):
            raise InvalidArgument(f"Invalid ordering key in order_by clause '{clause}'. "
                                  "Use ASC or DESC.")
        ascending = words[1].lower() == "asc"
    key = _unquote(words[0])
    if "." in key:
        prefix, rest = key.split(".", 1)
        if _unquote(prefix) not in _ATTRIBUTE_PREFIXES:
            raise InvalidArgument(
                f"Invalid order_by clause '{clause}': {search.method} orders only by "
                f"attributes ({_keys(search.order_keys)}), not by {_unquote(prefix)}.")
        key = _unquote(rest)
    if key not in search.order_keys:
        raise InvalidArgument(f"Invalid order by key '{key}' specified. Valid keys are "
                              f"{_keys(search.order_keys)}")
    return search.order_keys[key], ascending


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "`'\"":
        return text[1:-1]
    return text


def _keys(keys: dict[str, str]) -> str:
    return ", ".join(f"'{k}'" for k in sorted(keys))


# --- Page tokens -------------------------------------------------------------------------------

_MAX_PAGE_TOKEN = 1_000


def _parse_page_token(search: _Search, token: str | None, fingerprint: str) -> int:
    """The offset a token points at (0 without a token). A token that is not one of ours, or
    that was returned by a different search, is refused."""
    if not token:
        return 0
    if isinstance(token, bytes):  # MLflow's own tokens are bytes; accept either spelling
        token = token.decode("ascii", errors="replace")
    shown = repr(token if len(str(token)) <= 60 else str(token)[:57] + "...")
    try:
        # Ours are about 80 characters of flat JSON: anything much longer is not one, and is
        # not decoded (a deeply nested one would exhaust the JSON parser's recursion).
        if len(str(token)) > _MAX_PAGE_TOKEN:
            raise ValueError
        payload = json.loads(base64.b64decode(str(token).encode("ascii"), altchars=b"-_",
                                              validate=True))
        offset = payload["offset"]
        source = payload["search"]
        if isinstance(offset, bool) or not isinstance(offset, int) \
                or not 0 <= offset < 2**62 or not isinstance(source, str):
            raise ValueError
    except (UnicodeEncodeError, binascii.Error, ValueError, TypeError, KeyError,
            RecursionError):
        raise InvalidArgument(
            f"Invalid page token {shown}: it is not a token returned by {search.method}. Pass "
            "the next_page_token of the previous page unchanged, or no token for the first "
            "page.") from None
    if source != fingerprint:
        raise InvalidArgument(
            f"Invalid page token {shown}: it was returned by a different search. Repeat the "
            f"filter_string and order_by of the {search.method} call that returned it, or "
            "start again without a page token.")
    return offset
