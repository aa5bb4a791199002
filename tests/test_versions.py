"""ALTER MODEL ... ADD VERSION FROM: files copied into managed storage, all or nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ucsql.errors import InvalidArgument, NotFound

from .conftest import write_model_dir


def _versions(cat, model="main.default.iris"):
    return cat.sql("SELECT version, status, storage_location FROM "
                   "system.information_schema.model_versions WHERE full_name = ? ORDER BY version",
                   [model]).fetchall()


def test_add_version_copies_files_into_managed_storage(admin, model_dir, metastore_path):
    admin.sql("CREATE MODEL iris")
    result = admin.sql(f"ALTER MODEL iris ADD VERSION FROM '{model_dir}' RUN 'abc123' COMMENT 'first'")
    assert result.message == "Created version 1 of model main.default.iris."
    [(version, status, location)] = _versions(admin)
    assert (version, status) == (1, "READY")
    copy = Path(location)
    # Keyed by ids, beside the metastore file, never by name.
    assert copy.parent.parent == Path(str(metastore_path) + ".models") / "models"
    assert "iris" not in str(copy)
    assert (copy / "model.bin").read_text() == "weights"
    assert (copy / "sub" / "extra.txt").read_text() == "extra"
    # The source is untouched; the copy is independent of it.
    (model_dir / "model.bin").write_text("changed")
    assert (copy / "model.bin").read_text() == "weights"
    described = dict(admin.sql("DESCRIBE MODEL iris VERSION 1").fetchall())
    assert described["run_id"] == "abc123" and described["comment"] == "first"
    assert described["status"] == "READY"


def test_rename_moves_no_files(admin, model_dir):
    admin.sql(f"CREATE MODEL iris; ALTER MODEL iris ADD VERSION FROM '{model_dir}'")
    [(_, _, before)] = _versions(admin)
    admin.sql("ALTER MODEL iris RENAME TO iris_v2")
    [(_, _, after)] = _versions(admin, "main.default.iris_v2")
    assert before == after and Path(after, "model.bin").is_file()


def test_managed_location_of_schema_wins_over_catalog(admin, model_dir, tmp_path):
    cat_dir, schema_dir = tmp_path / "cat_store", tmp_path / "schema_store"
    admin.sql(f"CREATE CATALOG prod MANAGED LOCATION '{cat_dir}'")
    admin.sql("CREATE SCHEMA prod.a")
    admin.sql(f"CREATE SCHEMA prod.b MANAGED LOCATION '{schema_dir}'")
    admin.sql("CREATE MODEL prod.a.m; CREATE MODEL prod.b.m")
    admin.sql(f"ALTER MODEL prod.a.m ADD VERSION FROM '{model_dir}'")
    admin.sql(f"ALTER MODEL prod.b.m ADD VERSION FROM '{model_dir}'")
    assert _versions(admin, "prod.a.m")[0][2].startswith(str(cat_dir) + os.sep)
    assert _versions(admin, "prod.b.m")[0][2].startswith(str(schema_dir) + os.sep)


def test_model_without_signature_is_refused_with_how_to(admin, tmp_path, metastore_path):
    unsigned = write_model_dir(tmp_path / "unsigned", signature=False)
    admin.sql("CREATE MODEL iris")
    with pytest.raises(InvalidArgument) as e:
        admin.sql(f"ALTER MODEL iris ADD VERSION FROM '{unsigned}'")
    assert "has no signature with inputs and outputs" in str(e.value)
    assert "input_example" in str(e.value) and "infer_signature" in str(e.value)
    assert _versions(admin) == []
    storage = Path(str(metastore_path) + ".models")
    assert not storage.exists() or not any(storage.rglob("model.bin"))


def test_missing_source_changes_nothing(admin, tmp_path):
    admin.sql("CREATE MODEL iris")
    with pytest.raises(InvalidArgument, match="does not exist or is not a directory"):
        admin.sql(f"ALTER MODEL iris ADD VERSION FROM '{tmp_path / 'nope'}'")
    assert _versions(admin) == []
    # The refused attempt consumed no version number.
    admin.sql(f"ALTER MODEL iris ADD VERSION FROM '{write_model_dir(tmp_path / 'ok')}'")
    assert [v[0] for v in _versions(admin)] == [1]


def test_refused_registration_copies_nothing(admin, model_dir, metastore_path):
    admin.sql("CREATE MODEL iris")
    with pytest.raises(Exception, match="missing CREATE_MODEL_VERSION"):
        admin.as_principal("bob").sql(f"ALTER MODEL iris ADD VERSION FROM '{model_dir}'")
    storage = Path(str(metastore_path) + ".models")
    assert not storage.exists() or not any(storage.rglob("model.bin"))


def test_version_numbers_are_never_reused(admin, model_dir):
    admin.sql("CREATE MODEL iris")
    for _ in range(3):
        admin.sql(f"ALTER MODEL iris ADD VERSION FROM '{model_dir}'")
    [_, _, (_, _, third)] = _versions(admin)
    admin.sql("ALTER MODEL iris DROP VERSION 3")
    assert not Path(third).exists()
    admin.sql(f"ALTER MODEL iris ADD VERSION FROM '{model_dir}'")
    assert [v[0] for v in _versions(admin)] == [1, 2, 4]


def test_dropping_a_version_removes_its_aliases_and_tags(admin, model_dir):
    admin.sql(f"CREATE MODEL iris; ALTER MODEL iris ADD VERSION FROM '{model_dir}'")
    admin.sql("GRANT APPLY_TAG ON FUNCTION iris TO admin")
    admin.sql("ALTER MODEL iris SET ALIAS Champion TO VERSION 1")
    admin.sql("ALTER MODEL iris VERSION 1 SET TAGS ('validation_status' = 'approved')")
    admin.sql("ALTER MODEL iris DROP VERSION 1")
    assert admin.sql("SELECT count(*) FROM system.information_schema.model_aliases").scalar() == 0
    assert admin.sql("SELECT count(*) FROM system.information_schema.model_version_tags").scalar() == 0


def test_missing_version_error_names_the_latest(admin, model_dir):
    admin.sql(f"CREATE MODEL iris; ALTER MODEL iris ADD VERSION FROM '{model_dir}'")
    with pytest.raises(NotFound) as e:
        admin.sql("ALTER MODEL iris SET ALIAS Champion TO VERSION 7")
    assert str(e.value) == ("Model main.default.iris has no version 7 (latest is 1). "
                            "Use SHOW VERSIONS IN MODEL main.default.iris.")


def test_drop_model_removes_files_and_everything(admin, model_dir):
    admin.sql(f"CREATE MODEL iris; ALTER MODEL iris ADD VERSION FROM '{model_dir}'")
    [(_, _, location)] = _versions(admin)
    admin.sql("DROP MODEL iris")
    assert not Path(location).exists()
    assert admin.sql("SHOW MODELS").fetchall() == []
    with pytest.raises(NotFound):
        admin.sql("DESCRIBE MODEL iris")


def test_drop_schema_cascade_removes_models_and_files(admin, model_dir):
    admin.sql("CREATE CATALOG prod; CREATE SCHEMA prod.ml; CREATE MODEL prod.ml.m")
    admin.sql(f"ALTER MODEL prod.ml.m ADD VERSION FROM '{model_dir}'")
    [(_, _, location)] = _versions(admin, "prod.ml.m")
    with pytest.raises(InvalidArgument) as e:
        admin.sql("DROP SCHEMA prod.ml")
    assert str(e.value) == ("Schema prod.ml is not empty (it contains model prod.ml.m). Drop those "
                            "first, or use DROP SCHEMA prod.ml CASCADE.")
    admin.sql("DROP CATALOG prod CASCADE")
    assert not Path(location).exists()
    assert [r[0] for r in admin.sql("SHOW CATALOGS").fetchall()] == ["main"]
