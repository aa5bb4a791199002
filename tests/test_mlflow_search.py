"""MLflow search arguments compiled into one parameterised SELECT over a system view.

First the compiled text and parameters, exactly; then the same searches run against a real
metastore through ``Catalog.sql`` (the SELECT guard, the privilege filter inside the views).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import ucsql
from ucsql.errors import InvalidArgument
from ucsql.mlflow_search import (
    CompiledSearch,
    compile_model_search,
    compile_version_search,
    next_page_token,
)

from .conftest import Query, write_model_dir

MODEL_COLUMNS = (
    'SELECT "full_name", "catalog_name", "schema_name", "model_name", "comment", "owner", '
    '"created_at", "created_by", "updated_at", "updated_by", "storage_location", "tags", '
    '"aliases", EPOCH_US("created_at") // 1000 AS "creation_timestamp", '
    'EPOCH_US("updated_at") // 1000 AS "last_updated_timestamp" '
    'FROM "system"."information_schema"."registered_models"')
# A version search filters, orders and pages the view's plain columns ("hits"), then adds the
# tags and aliases of the page's versions only.
VERSION_COLUMNS = (
    'WITH hits AS (SELECT "full_name", "catalog_name", "schema_name", "model_name", "version", '
    '"comment", "created_at", "created_by", "updated_at", "updated_by", "source", "run_id", '
    '"run_link", "logged_model_id", "status", "status_message", "storage_location" '
    'FROM "system"."information_schema"."model_versions"')
TAGGED = ('("full_name", "version") IN (SELECT "full_name", "version" FROM '
          '"system"."information_schema"."model_version_tags" WHERE "tag_name" = ? AND '
          '"tag_value" {} ?)')
ORDER = {"default": '"updated_at" DESC, "full_name" ASC, "version" DESC',
         "version": '"version" ASC, "full_name" ASC'}


def page_of_versions(order: str) -> str:
    """What follows the hits' LIMIT ? OFFSET ?: the page with its tags and aliases."""
    hits_order = ", ".join(f'"hits".{part}' for part in ORDER[order].split(", "))
    return (') SELECT hits.*, COALESCE("tg"."tags", MAP {}) AS "tags", '
            'COALESCE("al"."aliases", []) AS "aliases", '
            'EPOCH_US("hits"."created_at") // 1000 AS "creation_timestamp", '
            'EPOCH_US("hits"."updated_at") // 1000 AS "last_updated_timestamp" FROM hits '
            'LEFT JOIN (SELECT "full_name", "version", MAP(ARRAY_AGG("tag_name" ORDER BY '
            '"tag_name"), ARRAY_AGG("tag_value" ORDER BY "tag_name")) AS "tags" FROM '
            '"system"."information_schema"."model_version_tags" WHERE ("full_name", "version") '
            'IN (SELECT "full_name", "version" FROM hits) GROUP BY "full_name", "version") AS tg '
            'ON "tg"."full_name" = "hits"."full_name" AND "tg"."version" = "hits"."version" '
            'LEFT JOIN (SELECT "full_name", "version", ARRAY_AGG("alias" ORDER BY "alias") AS '
            '"aliases" FROM "system"."information_schema"."model_aliases" WHERE ("full_name", '
            '"version") IN (SELECT "full_name", "version" FROM hits) GROUP BY "full_name", '
            '"version") AS al ON "al"."full_name" = "hits"."full_name" AND "al"."version" = '
            f'"hits"."version" ORDER BY {hits_order}')


# Versions of a model with any version tagged as a prompt are left out (as in MLflow), by a last
# condition over the tags view, after the search's own (so those still narrow the scan).
VERSION_COLUMNS_NO_PROMPTS = VERSION_COLUMNS
NOT_A_PROMPT_MODEL = '"tags"[?] IS DISTINCT FROM ?'
NOT_A_PROMPT_VERSION = ('NOT "full_name" IN (SELECT "full_name" FROM '
                        '"system"."information_schema"."model_version_tags" '
                        'WHERE "tag_name" = ? AND "tag_value" = ?)')
PROMPT = ["mlflow.prompt.is_prompt", "true"]
CLIENT_PROMPT_FILTER = "tag.`mlflow.prompt.is_prompt` != 'true'"  # what MlflowClient adds


# --- Compiled text -----------------------------------------------------------------------------

def test_model_search_without_arguments():
    c = compile_model_search(None, None, None, None)
    assert Query(c.sql) == (f'{MODEL_COLUMNS} WHERE {NOT_A_PROMPT_MODEL} '
                     'ORDER BY "full_name" ASC LIMIT ? OFFSET ?')
    assert c.params == [*PROMPT, 101, 0]
    assert (c.offset, c.max_results) == (0, 100)


def test_model_search_name_and_tag_filters():
    c = compile_model_search("name LIKE 'Prod.%' AND tags.team != 'x' AND tag.`cost center` "
                             "ILIKE '%ML%'", 10, ["timestamp DESC"], None)
    assert Query(c.sql) == (
        f'{MODEL_COLUMNS} WHERE "full_name" LIKE ? AND "tags"[?] <> ? AND "tags"[?] ILIKE ? '
        f'AND {NOT_A_PROMPT_MODEL} ORDER BY "updated_at" DESC, "full_name" ASC LIMIT ? OFFSET ?')
    # Names are case-insensitive (stored lower-case); tag values are not.
    assert c.params == ["prod.%", "team", "x", "cost center", "%ML%", *PROMPT, 11, 0]


def test_model_search_name_in_list():
    c = compile_model_search("name IN ('prod.ml.a', 'prod.ml.b') AND name NOT IN ('prod.ml.c')",
                             5, ["creation_timestamp ASC", "name DESC"], None)
    assert Query(c.sql) == (
        f'{MODEL_COLUMNS} WHERE "full_name" IN (?, ?) AND NOT "full_name" IN (?) '
        f'AND {NOT_A_PROMPT_MODEL} ORDER BY "created_at" ASC, "full_name" DESC '
        'LIMIT ? OFFSET ?')
    assert c.params == ["prod.ml.a", "prod.ml.b", "prod.ml.c", *PROMPT, 6, 0]


def test_client_prompt_filter_becomes_the_prompt_exclusion():
    plain = compile_model_search("name = 'prod.ml.a'", 10, None, None)
    with_client_filter = compile_model_search(f"name = 'prod.ml.a' AND {CLIENT_PROMPT_FILTER}",
                                              10, None, None)
    assert Query(with_client_filter.sql) == Query(plain.sql) == (
        f'{MODEL_COLUMNS} WHERE "full_name" = ? AND {NOT_A_PROMPT_MODEL} '
        'ORDER BY "full_name" ASC LIMIT ? OFFSET ?')
    assert with_client_filter.params == plain.params == ["prod.ml.a", *PROMPT, 11, 0]


def test_asking_for_prompts_filters_on_the_tag_instead():
    c = compile_model_search("tags.`mlflow.prompt.is_prompt` = 'true'", 10, None, None)
    assert Query(c.sql) == f'{MODEL_COLUMNS} WHERE "tags"[?] = ? ORDER BY "full_name" ASC LIMIT ? OFFSET ?'
    assert c.params == [*PROMPT, 11, 0]


def test_version_search_default_order_is_mlflows():
    c = compile_version_search(None, None, None, None)
    assert Query(c.sql) == (
        f'{VERSION_COLUMNS_NO_PROMPTS} WHERE {NOT_A_PROMPT_VERSION} '
        f'ORDER BY {ORDER["default"]} LIMIT ? OFFSET ?{page_of_versions("default")}')
    assert c.params == [*PROMPT, 10001, 0]
    assert c.max_results == 10000


def test_version_search_filters():
    c = compile_version_search(
        "name = 'Prod.ML.A' AND version_number >= 2 AND version_number != '3' AND "
        "run_id IN ('r1', \"r2\") AND run_id NOT IN ('r9') AND source_path LIKE '%/src' AND "
        "attribute.name != 'x' AND tags.k = 'v'", 3, ["version_number ASC"], None)
    assert Query(c.sql) == (
        f'{VERSION_COLUMNS_NO_PROMPTS} WHERE "full_name" = ? AND "version" >= ? AND "version" <> ? AND '
        '"run_id" IN (?, ?) AND NOT "run_id" IN (?) AND "source" LIKE ? AND "full_name" <> ? '
        f'AND {TAGGED.format("=")} AND {NOT_A_PROMPT_VERSION} '
        f'ORDER BY {ORDER["version"]} LIMIT ? OFFSET ?{page_of_versions("version")}')
    assert c.params == ["prod.ml.a", 2, 3, "r1", "r2", "r9", "%/src", "x", "k", "v", *PROMPT,
                        4, 0]


def test_version_search_for_prompts_reads_the_view_directly():
    c = compile_version_search("tags.`mlflow.prompt.is_prompt` = 'true'", 10, None, None)
    assert Query(c.sql) == (f'{VERSION_COLUMNS} WHERE {TAGGED.format("=")} '
                     f'ORDER BY {ORDER["default"]} LIMIT ? OFFSET ?{page_of_versions("default")}')
    assert c.params == [*PROMPT, 11, 0]


def test_hostile_values_are_parameters_not_text():
    hostile = "x''; DROP TABLE ucsql_securable; --"
    c = compile_model_search(f"name = '{hostile}' AND tags.`a'b` = \"it's\"", 10, None, None)
    assert Query(c.sql) == (f'{MODEL_COLUMNS} WHERE "full_name" = ? AND "tags"[?] = ? '
                     f'AND {NOT_A_PROMPT_MODEL} ORDER BY "full_name" ASC LIMIT ? OFFSET ?')
    assert c.params == [hostile.lower(), "a'b", "it's", *PROMPT, 11, 0]


# --- Refused arguments -------------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    (0, "Invalid value for max_results. It must be a positive integer, but got 0"),
    (-5, "Invalid value for max_results. It must be a positive integer, but got -5"),
    (2.5, "Invalid value for max_results. It must be a positive integer, but got 2.5"),
    (True, "Invalid value for max_results. It must be a positive integer, but got True"),
    (1001, "Invalid value for request parameter max_results. It must be at most 1000, but got "
           "value 1001. Use page tokens to read more rows: search_registered_models returns one "
           "with each page."),
])
def test_max_results_of_model_search(value, message):
    with pytest.raises(InvalidArgument) as e:
        compile_model_search(None, value, None, None)
    assert str(e.value) == message


def test_max_results_of_version_search():
    assert compile_version_search(None, 200_000, None, None).max_results == 200_000
    with pytest.raises(InvalidArgument) as e:
        compile_version_search(None, 200_001, None, None)
    assert str(e.value) == (
        "Invalid value for request parameter max_results. It must be at most 200000, but got "
        "value 200001. Use page tokens to read more rows: search_model_versions returns one with "
        "each page.")


@pytest.mark.parametrize("compile_, filter_string", [
    (compile_model_search, "colour = 'red'"),
    (compile_model_search, "name = 'a' OR name = 'b'"),
    (compile_model_search, "name = 'a'; DROP TABLE x"),
    (compile_model_search, "name = 3"),
    (compile_model_search, "tags.k IS NULL"),
    (compile_version_search, "tags.k IS NOT NULL"),
    (compile_version_search, "version_number IN (1, 2)"),
    (compile_version_search, "source_path IN ('a')"),
    (compile_version_search, "run_id IN ()"),
    (compile_version_search, "creation_timestamp > 1"),
    (compile_version_search, "params.x = 'a'"),
    (compile_version_search, "name = = 'x'"),
])
def test_filters_mlflow_refuses_are_refused_with_mlflows_words(compile_, filter_string):
    """MLflow's own filter parser decides these, and its message is what an MLflow user knows:
    ucsql passes it on as an InvalidArgument, unchanged. (The expected text is read from the
    installed MLflow, whose wording changes between releases.) When MLflow's parser fails
    without a message of its own, ucsql says how to write a filter."""
    from mlflow.exceptions import MlflowException
    from mlflow.utils.search_utils import SearchModelUtils, SearchModelVersionUtils

    parser = SearchModelUtils if compile_ is compile_model_search else SearchModelVersionUtils
    try:
        parser.parse_search_filter(filter_string)
    except MlflowException as e:
        expected = e.message
    except Exception:  # noqa: BLE001 - MLflow's parser crashed: ucsql's own message
        expected = (f"Invalid filter {filter_string!r}: could not be parsed. Write clauses as "
                    "<key> <comparator> <value> joined by AND, e.g. name = 'prod.ml.iris' AND "
                    "tags.team = 'fraud'.")
    else:  # a newer MLflow reads it: ucsql then decides, and must refuse it typed, or run it
        try:
            compile_(filter_string, 10, None, None)
        except InvalidArgument as e:
            assert e.code == "INVALID_PARAMETER_VALUE"
        return
    with pytest.raises(InvalidArgument) as e:
        compile_(filter_string, 10, None, None)
    assert str(e.value) == expected
    assert e.value.code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize("compile_, filter_string, message", [
    (compile_model_search, "tags.k > 'a'",
     "Invalid comparator for tag: >. Tags compare with =, !=, LIKE or ILIKE."),
    (compile_version_search, "version_number LIKE '1%'",
     "Invalid comparator for attribute version_number: LIKE. version_number compares with =, "
     "!=, <, <=, >, >=."),
    (compile_version_search, "version_number = 1.5",
     "Invalid value for numeric attribute 'version_number': 1.5. Use a whole number, e.g. "
     "version_number >= 2."),
    (compile_version_search, "version_number > 'two'",
     "Invalid value for numeric attribute 'version_number': 'two'. Use a whole number, e.g. "
     "version_number >= 2."),
])
def test_filters_ucsql_refuses_say_what_to_write(compile_, filter_string, message):
    """Clauses MLflow's parser reads but ucsql cannot run get ucsql's own message, exactly."""
    with pytest.raises(InvalidArgument) as e:
        compile_(filter_string, 10, None, None)
    assert str(e.value) == message
    assert e.value.code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize("compile_, order_by, message", [
    (compile_model_search, ["colour"],
     "Invalid order by key 'colour' specified. Valid keys are 'creation_timestamp', "
     "'last_updated_timestamp', 'name', 'timestamp'"),
    (compile_model_search, ["name UP"],
     "Invalid ordering key in order_by clause 'name UP'. Use ASC or DESC."),
    (compile_model_search, ["name ASC please"],
     "Invalid order_by clause 'name ASC please'. Could not be parsed. Write <key> [ASC|DESC], "
     "e.g. 'name ASC'."),
    (compile_model_search, ["timestamp", "last_updated_timestamp DESC"],
     "`order_by` contains duplicate fields: ['timestamp', 'last_updated_timestamp DESC']"),
    (compile_model_search, "name",
     "order_by of search_registered_models must be a list of strings such as ['name ASC'], "
     "not 'name'."),
    (compile_version_search, ["tags.k"],
     "Invalid order_by clause 'tags.k': search_model_versions orders only by attributes "
     "('creation_timestamp', 'last_updated_timestamp', 'name', 'version_number'), not by tags."),
    (compile_version_search, ["timestamp"],
     "Invalid order by key 'timestamp' specified. Valid keys are 'creation_timestamp', "
     "'last_updated_timestamp', 'name', 'version_number'"),
])
def test_bad_order_by(compile_, order_by, message):
    with pytest.raises(InvalidArgument) as e:
        compile_(None, 10, order_by, None)
    assert str(e.value) == message


def test_order_by_accepts_backticks_and_attribute_prefix():
    c = compile_version_search(None, 10, ["`version_number` desc", "attribute.name"], None)
    assert 'ORDER BY "version" DESC, "full_name" ASC LIMIT ? OFFSET ?)' in c.sql
    assert c.sql.endswith('ORDER BY "hits"."version" DESC, "hits"."full_name" ASC')


def _token(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def test_page_tokens():
    first = compile_version_search("run_id = 'r1'", 2, None, None)
    assert next_page_token(first, 2) is None  # fewer than max_results + 1: last page
    token = next_page_token(first, 3)
    assert json.loads(base64.urlsafe_b64decode(token))["offset"] == 2
    second = compile_version_search("run_id = 'r1'", 2, None, token)
    assert (second.offset, second.params[-2:]) == (2, [3, 2])
    assert second.sql == first.sql
    assert json.loads(base64.urlsafe_b64decode(next_page_token(second, 3)))["offset"] == 4
    # A page may ask for a different size and keep its place.
    assert compile_version_search("run_id = 'r1'", 7, None, token).offset == 2


@pytest.mark.parametrize("token", [
    "not a token", "%%%", base64.b64encode(b"not json").decode(), _token([1, 2]),
    _token({"offset": 3}), _token({"offset": -1, "search": "x"}),
    _token({"offset": "3", "search": "x"}), "é",
    # Nested deeper than Python's JSON parser recurses (it raised RecursionError), or merely long.
    base64.urlsafe_b64encode(b"[" * 100_000).decode(), _token({"offset": 1, "search": "x" * 2_000}),
])
def test_malformed_page_tokens_are_refused(token):
    with pytest.raises(InvalidArgument) as e:
        compile_model_search(None, 10, None, token)
    assert str(e.value) == (
        f"Invalid page token {token if len(token) <= 60 else token[:57] + '...'!r}: it is not "
        "a token returned by search_registered_models. "
        "Pass the next_page_token of the previous page unchanged, or no token for the first "
        "page.")


def test_page_token_of_another_search_is_refused():
    token = next_page_token(compile_model_search("name LIKE 'prod.%'", 1, None, None), 2)
    for other in (lambda: compile_model_search("name LIKE 'dev.%'", 1, None, token),
                  lambda: compile_model_search("name LIKE 'prod.%'", 1, ["name DESC"], token),
                  lambda: compile_version_search("name LIKE 'prod.%'", 1, None, token)):
        with pytest.raises(InvalidArgument, match="it was returned by a different search"):
            other()


def test_compiled_search_is_a_frozen_value():
    c = compile_model_search(None, 10, None, None)
    assert isinstance(c, CompiledSearch)
    with pytest.raises(AttributeError):
        c.offset = 5  # type: ignore[misc]


# --- Against a real metastore ------------------------------------------------------------------

# Names sort byte-wise: '_' < 'l' < 'x'.
MODELS = ["prod.cv.delta", "prod.ml.a_b", "prod.ml.alpha", "prod.ml.axb", "prod.ml.beta",
          "prod.ml.not_prompt", "prod.ml.prompt"]


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    """prod.ml.{alpha, beta, a_b, axb, prompt, not_prompt} and prod.cv.delta, created in that
    order, with tags and versions:

    ========== ============================== =============================================
    model      tags                           versions (run, version tags)
    ========== ============================== =============================================
    alpha      team=fraud                     1 (r1, k=v), 2 (r2, k=w), 3 (r3)
    beta       team=risk                      1 (r1)
    a_b        team=Fraud-ops, pct=100%       -
    axb        team=fraudster                 -
    prompt     mlflow.prompt.is_prompt=true   1 (r5, mlflow.prompt.is_prompt=true), 2 (r6)
    not_prompt mlflow.prompt.is_prompt=false  -
    delta      note=it's; DROP ..., flag      1 (r4)
    ========== ============================== =============================================
    """
    tmp: Path = tmp_path_factory.mktemp("search")
    source = write_model_dir(tmp / "src")
    catalog = ucsql.connect(str(tmp / "m.duckdb"), principal="admin")
    catalog.sql("CREATE CATALOG prod; CREATE SCHEMA prod.ml; CREATE SCHEMA prod.cv")
    for name, tags in [("alpha", "'team' = 'fraud'"), ("beta", "'team' = 'risk'"),
                       ("a_b", "'team' = 'Fraud-ops', 'pct' = '100%'"),
                       ("axb", "'team' = 'fraudster'"),
                       ("prompt", "'mlflow.prompt.is_prompt' = 'true'"),
                       ("not_prompt", "'mlflow.prompt.is_prompt' = 'false'")]:
        catalog.sql(f"CREATE MODEL prod.ml.{name}; ALTER MODEL prod.ml.{name} SET TAGS ({tags})")
    catalog.sql("CREATE MODEL prod.cv.delta")
    catalog.sql("SET TAG ON MODEL prod.cv.delta note = ?", ["it's; DROP TABLE ucsql_securable"])
    catalog.sql("ALTER MODEL prod.cv.delta SET TAGS ('flag')")  # a tag without a value
    for model, run in [("prod.ml.alpha", "r1"), ("prod.ml.alpha", "r2"), ("prod.ml.alpha", "r3"),
                       ("prod.ml.beta", "r1"), ("prod.cv.delta", "r4"), ("prod.ml.prompt", "r5"),
                       ("prod.ml.prompt", "r6")]:
        catalog.sql(f"ALTER MODEL {model} ADD VERSION FROM '{source}' RUN '{run}'")
    catalog.sql("GRANT APPLY_TAG ON FUNCTION prod.ml.alpha TO admin; "
                "GRANT APPLY_TAG ON FUNCTION prod.ml.prompt TO admin")
    catalog.sql("ALTER MODEL prod.ml.alpha VERSION 1 SET TAGS ('k' = 'v')")
    catalog.sql("ALTER MODEL prod.ml.alpha VERSION 2 SET TAGS ('k' = 'w')")
    catalog.sql("ALTER MODEL prod.ml.prompt VERSION 1 SET TAGS ('mlflow.prompt.is_prompt' = 'true')")
    catalog.source = str(source)
    yield catalog
    catalog.close()


def _epoch_ms(ts: datetime) -> int:
    return (ts - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(milliseconds=1)


def _run(cat, compiled: CompiledSearch) -> list[dict]:
    return cat.sql(compiled.sql, compiled.params).table.to_pylist()


def models(cat, filter_string=None, order_by=None, max_results=100) -> list[str]:
    rows = _run(cat, compile_model_search(filter_string, max_results, order_by, None))
    return [r["full_name"] for r in rows]


def versions(cat, filter_string=None, order_by=("name", "version_number ASC"),
             max_results=1000) -> list[tuple[str, int]]:
    rows = _run(cat, compile_version_search(filter_string, max_results,
                                            list(order_by) if order_by else None, None))
    return [(r["full_name"], r["version"]) for r in rows]


NOT_PROMPTS = [m for m in MODELS if m != "prod.ml.prompt"]


def test_returned_columns(cat):
    [row] = _run(cat, compile_model_search("name = 'prod.ml.alpha'", 10, None, None))
    assert row["tags"] == [("team", "fraud")] and row["aliases"] == []
    assert row["creation_timestamp"] == _epoch_ms(row["created_at"])
    assert row["owner"] == row["created_by"] == "admin"
    [v] = _run(cat, compile_version_search("name = 'prod.ml.alpha' AND version_number = 1", 10,
                                           None, None))
    assert (v["version"], v["run_id"], v["source"], v["status"]) == (1, "r1", cat.source, "READY")
    assert v["tags"] == [("k", "v")] and v["created_by"] == "admin"
    assert v["last_updated_timestamp"] == _epoch_ms(v["updated_at"])
    assert {"run_link", "logged_model_id", "storage_location", "status_message",
            "aliases", "comment"} <= set(v)


def test_no_filter_lists_every_model_but_prompts(cat):
    assert models(cat) == NOT_PROMPTS
    assert models(cat, CLIENT_PROMPT_FILTER) == NOT_PROMPTS
    # MLflow drops any other clause on the prompt tag in favour of the exclusion.
    assert models(cat, "tags.`mlflow.prompt.is_prompt` = 'false'") == NOT_PROMPTS
    assert models(cat, "tags.`mlflow.prompt.is_prompt` = 'true'") == ["prod.ml.prompt"]


def test_name_filters(cat):
    assert models(cat, "name = 'prod.ml.alpha'") == ["prod.ml.alpha"]
    assert models(cat, "name = 'PROD.ML.Alpha'") == ["prod.ml.alpha"]
    assert models(cat, "name != 'prod.ml.alpha'") == [m for m in NOT_PROMPTS
                                                     if m != "prod.ml.alpha"]
    assert models(cat, "name LIKE 'prod.ml.a%'") == ["prod.ml.a_b", "prod.ml.alpha",
                                                     "prod.ml.axb"]
    assert models(cat, "name LIKE 'prod.ml.a_b'") == ["prod.ml.a_b", "prod.ml.axb"]
    assert models(cat, "name LIKE 'prod.c_.%'") == ["prod.cv.delta"]
    assert models(cat, "name ILIKE '%BETA'") == ["prod.ml.beta"]
    assert models(cat, "name IN ('prod.ml.beta', 'prod.cv.delta', 'prod.ml.prompt')") == [
        "prod.cv.delta", "prod.ml.beta"]
    assert models(cat, f"name NOT IN ('prod.ml.beta') AND {CLIENT_PROMPT_FILTER}") == [
        m for m in NOT_PROMPTS if m != "prod.ml.beta"]


def test_tag_filters(cat):
    assert models(cat, "tags.team = 'fraud'") == ["prod.ml.alpha"]
    assert models(cat, f"tag.team = 'fraud' AND {CLIENT_PROMPT_FILTER}") == ["prod.ml.alpha"]
    # != matches only models that have the tag (as in MLflow).
    assert models(cat, "tags.team != 'fraud'") == ["prod.ml.a_b", "prod.ml.axb", "prod.ml.beta"]
    assert models(cat, "tags.team LIKE 'fraud%'") == ["prod.ml.alpha", "prod.ml.axb"]
    assert models(cat, "tags.team ILIKE 'FRAUD%'") == ["prod.ml.a_b", "prod.ml.alpha",
                                                      "prod.ml.axb"]
    assert models(cat, "tags.team LIKE 'fraud%' AND tags.team != 'fraudster'") == [
        "prod.ml.alpha"]
    assert models(cat, "tags.team = 'fraud' AND name = 'prod.ml.beta'") == []
    # A tag without a value matches no comparison.
    assert models(cat, "tags.flag != 'x'") == []
    assert models(cat, "tags.flag LIKE '%'") == []


def test_hostile_values_are_bound(cat):
    before = models(cat)
    assert models(cat, "name = 'x''; DROP TABLE ucsql_securable; --'") == []
    assert models(cat, "tags.note = \"it's; DROP TABLE ucsql_securable\"") == ["prod.cv.delta"]
    assert models(cat, "tags.note LIKE '%''%'") == []  # MLflow keeps '' as two quotes
    assert models(cat, "tags.note LIKE \"%'%\"") == ["prod.cv.delta"]
    assert models(cat, "tags.pct = '100%'") == ["prod.ml.a_b"]
    assert models(cat, "tags.pct = '1%'") == []  # = is not LIKE
    assert models(cat, "tags.`it's` = 'x' AND tags.`\"` = 'y'") == []
    assert models(cat) == before


def test_ordering(cat):
    assert models(cat, order_by=["name DESC"]) == NOT_PROMPTS[::-1]
    created = ["prod.ml.alpha", "prod.ml.beta", "prod.ml.a_b", "prod.ml.axb",
               "prod.ml.not_prompt", "prod.cv.delta"]
    assert models(cat, order_by=["creation_timestamp"]) == created
    assert models(cat, order_by=["creation_timestamp DESC"]) == created[::-1]
    rows = _run(cat, compile_model_search(None, 100, ["timestamp DESC"], None))
    keys = [(-r["updated_at"].timestamp(), r["full_name"]) for r in rows]
    assert keys == sorted(keys)


def test_version_filters(cat):
    alpha = [("prod.ml.alpha", v) for v in (1, 2, 3)]
    assert versions(cat) == [("prod.cv.delta", 1), *alpha, ("prod.ml.beta", 1)]
    assert versions(cat, "name = 'prod.ml.alpha'") == alpha
    assert versions(cat, "name = 'prod.ml.alpha' AND version_number > 1") == alpha[1:]
    assert versions(cat, "name = 'prod.ml.alpha' AND version_number >= 2") == alpha[1:]
    assert versions(cat, "name = 'prod.ml.alpha' AND version_number < 2") == alpha[:1]
    assert versions(cat, "name = 'prod.ml.alpha' AND version_number <= 2") == alpha[:2]
    assert versions(cat, "name = 'prod.ml.alpha' AND version_number != 2") == [alpha[0],
                                                                             alpha[2]]
    assert versions(cat, "version_number = '3'") == [alpha[2]]
    assert versions(cat, "run_id = 'r1'") == [alpha[0], ("prod.ml.beta", 1)]
    assert versions(cat, "run_id IN ('r1', 'r4', 'r5')") == [("prod.cv.delta", 1), alpha[0],
                                                            ("prod.ml.beta", 1)]
    assert versions(cat, "run_id NOT IN ('r1', 'r4')") == alpha[1:]
    assert versions(cat, "run_id LIKE 'r_' AND name LIKE 'prod.cv.%'") == [("prod.cv.delta", 1)]
    assert versions(cat, "name IN ('prod.ml.beta', 'PROD.CV.DELTA')") == [("prod.cv.delta", 1),
                                                                         ("prod.ml.beta", 1)]
    assert versions(cat, f"source_path = '{cat.source}' AND name = 'prod.ml.beta'") == [
        ("prod.ml.beta", 1)]
    assert versions(cat, "source_path LIKE '%/src' AND version_number = 3") == [alpha[2]]
    assert versions(cat, "source_path ILIKE '%/SRC'") == versions(cat)
    assert versions(cat, "tags.k = 'v'") == [alpha[0]]
    assert versions(cat, "tags.k != 'v'") == [alpha[1]]
    assert versions(cat, "tag.k ILIKE 'V'") == [alpha[0]]
    # A model with a version tagged as a prompt is left out whole (as in MLflow) ...
    assert versions(cat, "run_id IN ('r5', 'r6')") == []
    assert versions(cat, "name = 'prod.ml.prompt'") == []
    # ... unless the filter asks for prompts; then the tag filters each version.
    assert versions(cat, "tags.`mlflow.prompt.is_prompt` = 'true'") == [("prod.ml.prompt", 1)]
    assert versions(cat, "tags.`mlflow.prompt.is_prompt` != 'false' AND run_id = 'r6'") == []


def test_version_ordering(cat):
    assert versions(cat, "name = 'prod.ml.alpha'", ["version_number DESC"]) == [
        ("prod.ml.alpha", v) for v in (3, 2, 1)]
    # Ties on name are broken by version DESC, as in MLflow.
    assert versions(cat, order_by=["name DESC"]) == [
        ("prod.ml.beta", 1), ("prod.ml.alpha", 3), ("prod.ml.alpha", 2), ("prod.ml.alpha", 1),
        ("prod.cv.delta", 1)]
    assert versions(cat, order_by=["creation_timestamp"]) == [
        ("prod.ml.alpha", 1), ("prod.ml.alpha", 2), ("prod.ml.alpha", 3), ("prod.ml.beta", 1),
        ("prod.cv.delta", 1)]
    rows = _run(cat, compile_version_search(None, 100, None, None))
    keys = [(-r["updated_at"].timestamp(), r["full_name"], -r["version"]) for r in rows]
    assert keys == sorted(keys) and len(keys) == 5


@pytest.mark.parametrize("page_size", [1, 2, 3, 5, 6])
@pytest.mark.parametrize("kind", ["models", "versions"])
def test_pagination_returns_every_row_exactly_once(cat, kind, page_size):
    compile_ = compile_model_search if kind == "models" else compile_version_search
    key = ((lambda r: r["full_name"]) if kind == "models"
           else (lambda r: (r["full_name"], r["version"])))
    everything = [key(r) for r in _run(cat, compile_(None, 100, None, None))]
    seen, token, pages = [], None, 0
    while True:
        search = compile_(None, page_size, None, token)
        rows = _run(cat, search)
        assert len(rows) <= page_size + 1
        seen += [key(r) for r in rows[:page_size]]
        pages += 1
        token = next_page_token(search, len(rows))
        if token is None:
            break
    assert seen == everything
    assert pages == max(1, -(-len(everything) // page_size))


def test_pagination_with_filter_and_order(cat):
    filter_string = f"name LIKE 'prod.ml.%' AND {CLIENT_PROMPT_FILTER}"
    order = ["creation_timestamp DESC"]
    first = compile_model_search(filter_string, 2, order, None)
    rows = _run(cat, first)
    token = next_page_token(first, len(rows))
    second = compile_model_search(filter_string, 2, order, token)
    # Newest first: not_prompt, axb | a_b, beta | alpha.
    assert [r["full_name"] for r in _run(cat, second)][:2] == ["prod.ml.a_b", "prod.ml.beta"]
    with pytest.raises(InvalidArgument, match="Invalid page token"):
        compile_model_search(filter_string, 2, ["creation_timestamp ASC"], token)


def test_searches_see_only_what_the_caller_may_see(cat):
    bob = cat.as_principal("bob")
    assert _run(bob, compile_model_search(None, 10, None, None)) == []
    assert _run(bob, compile_version_search("name = 'prod.ml.alpha'", 10, None, None)) == []
