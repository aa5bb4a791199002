"""Bound parameters: a ``?`` binds the value at its place in the text, whatever order a
statement's handler reads its values in; writing values as parameters does exactly what writing
them as literals does, for every statement form of the ``\\h`` syntax (``ucsql.syntax``)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp
from sqlglot.tokens import TokenType

import ucsql
from ucsql import dialect, syntax
from ucsql.engine import Context
from ucsql.errors import UcsqlError

from .conftest import write_model_dir

LINEAGE = '[{"name": "iris", "digest": "d1", "source_type": "local", "source": "/d"}]'


# --- the three repros ------------------------------------------------------------------------------

def test_add_version_from_a_directory_and_a_run_binds_in_text_order(admin, tmp_path,
                                                                     monkeypatch):
    """The handler reads RUN before FROM; with the values in text order the directory is still
    the directory (not the folder named like the run id, which exists here to be copied)."""
    src = write_model_dir(tmp_path / "src", payload="the real weights")
    monkeypatch.chdir(tmp_path)
    write_model_dir(tmp_path / "run-1", payload="a folder named like the run")
    admin.sql("CREATE MODEL iris")
    admin.sql("ALTER MODEL iris ADD VERSION FROM ? RUN ?", [str(src), "run-1"])
    source, run_id, location = admin.sql(
        "SELECT source, run_id, storage_location FROM system.information_schema.model_versions"
    ).fetchone()
    assert (source, run_id) == (str(src), "run-1")
    assert Path(location, "model.bin").read_text() == "the real weights"


def test_comment_on_a_version_binds_in_text_order(admin, model_dir):
    admin.sql("CREATE MODEL iris; ALTER MODEL iris ADD VERSION FROM ?", [str(model_dir)])
    assert admin.sql("COMMENT ON MODEL iris VERSION ? IS ?", [1, "validated"]).message == \
        "Comment set on main.default.iris version 1."
    assert admin.sql("SELECT version, comment FROM system.information_schema.model_versions"
                     ).fetchall() == [(1, "validated")]


def test_version_tags_bind_in_text_order(admin, model_dir):
    admin.sql("CREATE MODEL iris; ALTER MODEL iris ADD VERSION FROM ?", [str(model_dir)])
    admin.sql("ALTER MODEL iris ADD VERSION FROM ?", [str(model_dir)])
    admin.sql("ALTER MODEL iris VERSION ? SET TAGS ('stage' = ?, ? = 'yes')",
              [2, "approved", "checked"])
    assert admin.sql("SELECT version, tag_name, tag_value FROM "
                     "system.information_schema.model_version_tags ORDER BY tag_name"
                     ).fetchall() == [(2, "checked", "yes"), (2, "stage", "approved")]
    admin.sql("ALTER MODEL iris VERSION ? UNSET TAGS (?)", [2, "stage"])
    assert admin.sql("SELECT tag_name FROM system.information_schema.model_version_tags"
                     ).fetchall() == [("checked",)]


def test_too_few_values_for_the_question_marks_is_an_error(admin):
    admin.sql("CREATE MODEL iris")
    with pytest.raises(ucsql.errors.InvalidArgument) as e:
        admin.sql("ALTER MODEL iris SET TAGS (? = ?)", ["k"])
    assert str(e.value) == "The statement has more ? parameters than the 1 values given."


# --- every form of the syntax, literals against parameters ----------------------------------------

def _forms() -> list[str]:
    seen: dict[str, None] = {}
    for topic in syntax.TOPICS:
        for line in topic.lines:
            for form in syntax.expansions(line):
                seen.setdefault(form)
    return list(seen)


_CREATED = re.compile(r"^(CREATE (?:CATALOG|SCHEMA|DATABASE|MODEL) (?:IF NOT EXISTS )?)(\S+)")


def _concrete(form: str, n: int, tmp: Path, model_dir: Path) -> str:
    """A form made to do something in the world below: real paths, a JSON lineage (the syntax
    line's '[]' reads as an optional part), and a new name for each CREATE so that it creates."""
    text = (form.replace("'/path/to/mlflow_model_dir'", f"'{model_dir}'")
            .replace("'/data/", f"'{tmp}/data/{n}/")
            .replace("LINEAGE ' '", f"LINEAGE '{LINEAGE}'").replace("LINEAGE ''", f"LINEAGE '{LINEAGE}'"))
    return _CREATED.sub(lambda m: f"{m.group(1)}{m.group(2)}_{n}", text)


def with_placeholders(text: str) -> tuple[str, list]:
    """``text`` with every value written as ``?`` (strings and numbers), and the values in the
    order they were written."""
    tokens = dialect.Ucsql().tokenize(text)
    out, values, last = [], [], 0
    for token in tokens:
        if token.token_type in (TokenType.STRING, TokenType.NUMBER):
            out += [text[last:token.start], "?"]
            last = token.end + 1
            values.append(token.text if token.token_type == TokenType.STRING else int(token.text))
    out.append(text[last:])
    return "".join(out), values


FORMS = [f for f in _forms() if with_placeholders(f)[1]]


def test_the_forms_cover_every_statement_that_takes_values():
    assert len(FORMS) > 140
    kinds = {type(dialect.parse(f)[0]).__name__ for f in FORMS}
    assert {"AddModelVersion", "CommentOn", "SetTags", "UnsetTags", "CreateSecurable",
            "SetModelAlias", "DropModelVersion", "DescribeSecurable", "GetModelVersion",
            "ShowCatalogs", "ShowSchemas", "ShowModels", "Select"} <= kinds


SETUP = """
    CREATE CATALOG prod; CREATE SCHEMA prod.ml_team; CREATE MODEL prod.ml_team.iris;
    CREATE CATALOG staging; CREATE SCHEMA staging.ml_team; CREATE MODEL staging.ml_team.iris;
    CREATE GROUP `ml-team`; CREATE GROUP `ml-interns`; CREATE GROUP `ml-admins`;
    CREATE GROUP admins; CREATE GROUP `data-analysts`; CREATE GROUP platform;
    GRANT EXECUTE ON FUNCTION prod.ml_team.iris TO admin;
    GRANT APPLY_TAG ON CATALOG prod TO admin; GRANT APPLY_TAG ON CATALOG staging TO admin;
    GRANT CREATE_MODEL_VERSION ON CATALOG prod TO admin;
    GRANT EXECUTE, CREATE_MODEL_VERSION ON CATALOG staging TO admin;
"""


def _world(path: Path, model_dir: Path) -> ucsql.Catalog:
    cat = ucsql.connect(path, principal="admin")
    cat.sql(SETUP)
    for model in ("prod.ml_team.iris", "staging.ml_team.iris"):
        for _ in range(3):
            cat.sql(f"ALTER MODEL {model} ADD VERSION FROM ?", [str(model_dir)])
    cat.sql("ALTER MODEL prod.ml_team.iris SET ALIAS Champion TO VERSION 1")
    return cat


_DIFFERS = re.compile(r"[lp]\.duckdb\.models/models/\d+(?:/[0-9a-f]{32})?|/[LP]/data/"
                      r"|\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[.\d]*(?:[+-]\d\d(?::?\d\d)?)?"
                      # webhook and delivery ids, random by design
                      r"|\b[0-9a-f]{32}\b"
                      r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def _same(value):
    """A value with what differs between two worlds doing the same masked: the file ids of
    storage locations, each world's own MANAGED LOCATIONs, and times (as DESCRIBE shows
    them)."""
    if isinstance(value, str):
        return _DIFFERS.sub("<differs>", value)
    if isinstance(value, list):
        return [_same(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_same(v) for v in value)
    if isinstance(value, dict):
        return {k: _same(v) for k, v in value.items()}
    return value


def _plain(table: pa.Table) -> list:
    """Rows without what differs between two worlds doing the same: times and file ids."""
    keep = [name for name, field in zip(table.column_names, table.schema)
            if not pa.types.is_timestamp(field.type)]
    return _same(table.select(keep).to_pylist())


def _state(cat: ucsql.Catalog) -> dict:
    return {f"{schema}.{view}": _plain(cat.sql(f"SELECT * FROM system.{schema}.{view} "
                                               "ORDER BY ALL").arrow())
            for schema, view in sorted(cat.engine.metastore.views) if schema != "access"}


def _outcome(cat: ucsql.Catalog, text: str, params: list | None):
    try:
        result = cat.sql(text, params)
    except UcsqlError as e:
        return type(e).__name__, str(e)
    # A new token is random by design: its id and secret are not the form's doing.
    message = result.message and re.sub(r"\b(ucsql_)?[0-9a-f]{16}(_\S+)?", "<token>",
                                        result.message)
    return message, _plain(result.arrow())


def test_every_form_does_the_same_with_parameters_as_with_literals(tmp_path):
    """For each form of the syntax that takes values, in two worlds that start equal: world L
    runs it with literals, world P with each value as a ``?`` and the values in a list. The
    results (or errors) and then the whole visible state must stay equal, form after form."""
    model_dir = write_model_dir(tmp_path / "model_src")
    literal = _world(tmp_path / "l.duckdb", model_dir)
    params = _world(tmp_path / "p.duckdb", model_dir)
    # Forms that take a version away go last, so the forms before them find what they name.
    forms = sorted(FORMS, key=lambda f: "DROP VERSION" in f)
    try:
        for n, form in enumerate(forms):
            # Each world its own MANAGED LOCATIONs: a folder holds one metastore's files.
            text = _concrete(form, n, tmp_path / "L", model_dir)
            with_marks, values = with_placeholders(_concrete(form, n, tmp_path / "P", model_dir))
            got_literal = _outcome(literal, text, None)
            got_params = _outcome(params, with_marks, values)
            assert got_params == got_literal, (text, with_marks, values)
            if n % 20 == 0:  # and the whole state now and then (reading it all is slow)
                assert _state(params) == _state(literal), (text, with_marks, values)
        assert _state(params) == _state(literal)
    finally:
        literal.close()
        params.close()


def _value_pairs(form: str) -> tuple[list[tuple[exp.Expression, exp.Expression]], list]:
    """(literal node, placeholder node) pairs of a ucsql form, and the parameter list."""
    with_marks, values = with_placeholders(form)
    [literal], [marked] = dialect.parse(form), dialect.parse(with_marks)
    pairs = [(a, b) for a, b in zip(literal.walk(), marked.walk())
             if isinstance(b, exp.Placeholder)]
    assert len(pairs) == len(values), form
    return pairs, values


UCSQL_FORMS = [f for f in FORMS if not f.startswith(("SELECT", "WITH"))]


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_question_mark_binds_the_value_at_its_place_whatever_the_reading_order(data):
    """Handlers read a statement's values in their own order (RUN before FROM, the comment
    before the version ...): in any order, each ``?`` gives the value written at its place."""
    form = data.draw(st.sampled_from(UCSQL_FORMS))
    pairs, values = _value_pairs(form)
    order = data.draw(st.permutations(range(len(pairs))))
    ctx = Context(None, "admin", values, form, "TEST")  # what a handler binds values with
    reference = Context(None, "admin", [], form, "TEST")
    for i in order:
        literal, placeholder = pairs[i]
        assert str(ctx.value(placeholder)) == str(reference.value(literal)), (form, i)


def test_placeholders_are_numbered_by_their_place_in_the_text():
    [node] = dialect.parse("ALTER MODEL m ADD VERSION FROM ? SOURCE $src RUN ? COMMENT ? "
                           "TAGS (? = :v)")
    marks = [(p.name, p.meta.get("position")) for p in node.find_all(exp.Placeholder)]
    assert sorted(marks, key=str) == sorted([("?", 0), ("src", None), ("?", 1), ("?", 2), ("?", 3),
                                             ("v", None)], key=str)
