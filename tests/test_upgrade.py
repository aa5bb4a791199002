"""Every metastore written by a released schema opens in this version, every row intact."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import ucsql
from ucsql.metastore import code_schema_version

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "metastores").glob("schema_*.duckdb"))


def test_there_is_a_fixture_for_the_current_schema():
    assert FIXTURES[-1].name == f"schema_{code_schema_version():04d}.duckdb", (
        "a migration was added without a frozen metastore: run "
        "tests/fixtures/metastores/make_fixture.py and commit the file")


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_old_metastore_opens_with_everything_in_it(fixture, tmp_path, model_dir):
    path = tmp_path / "m.duckdb"
    shutil.copy(fixture, path)
    files = Path(f"{fixture}.models")
    if files.is_dir():  # from schema 0004 on, a metastore opens anywhere with its folder
        shutil.copytree(files, f"{path}.models")
        with ucsql.connect(path, principal="admin") as cat:
            assert cat.check().table.num_rows == 0
            [folder] = cat.sql("SELECT storage_location FROM system.information_schema."
                               "model_versions").fetchall()[0]
            assert Path(folder, "MLmodel").is_file() and str(tmp_path) in folder
    with ucsql.connect(path, principal="admin") as cat:
        assert cat.sql("SELECT max(version) FROM system.information_schema.model_versions").scalar() == 1
        assert cat.sql("SHOW CATALOGS").fetchall() == [
            ("main", "admin", "Default catalog"), ("prod", "admin", "production models")]
        assert cat.sql("SHOW GRANTS ON FUNCTION prod.ml_team.iris").fetchall() == [
            ("eng", "USE_CATALOG", "CATALOG", "prod"),
            ("ml-team", "CREATE_MODEL", "SCHEMA", "prod.ml_team"),
            ("ml-team", "USE_SCHEMA", "SCHEMA", "prod.ml_team"),
            ("admin", "APPLY_TAG", "FUNCTION", "prod.ml_team.iris"),
            ("admin", "EXECUTE", "FUNCTION", "prod.ml_team.iris")]
        assert cat.sql("SELECT alias, version FROM system.information_schema.model_aliases").fetchall() \
            == [("Champion", 1)]
        assert cat.sql("SELECT tag_name, tag_value FROM system.information_schema.model_tags").fetchall() \
            == [("task", "classification")]
        assert cat.sql("SELECT version, tags FROM system.information_schema.model_versions").fetchall() \
            == [(1, [("validation_status", "approved")])]
        # Version numbers continue after the dropped version 2.
        cat.sql("GRANT CREATE_MODEL_VERSION ON FUNCTION prod.ml_team.iris TO admin")
        assert cat.sql(f"ALTER MODEL prod.ml_team.iris ADD VERSION FROM '{model_dir}'").message \
            == "Created version 3 of model prod.ml_team.iris."
        alice = cat.as_principal("alice@example.com")
        assert [r[1] for r in alice.sql("SHOW SCHEMAS IN prod").fetchall()] == ["ml_team"]
