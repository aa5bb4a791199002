"""Catalog.import_versions: the bulk path (migrations, bulk loads) keeps every invariant of
ADD VERSION: numbering, READY only with files, privileges, one audit row, nothing on refusal."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from ucsql.errors import InvalidArgument, NotFound, PermissionDenied

TAGS = pa.map_(pa.string(), pa.string())


def rows(n: int, start: int = 0) -> pa.Table:
    return pa.table({
        "source": [f"s3://bucket/runs/r{i}/model" for i in range(start, start + n)],
        "run_id": [f"r{i}" for i in range(start, start + n)],
        "tags": pa.array([[("fold", str(i % 3))] for i in range(start, start + n)], TAGS),
    })


@pytest.fixture
def seeded(admin, model_dir):
    admin.sql("CREATE MODEL base; ALTER MODEL base ADD VERSION FROM ?; CREATE MODEL bulk; "
              "ALTER MODEL bulk ADD VERSION FROM ?", [model_dir, model_dir])
    return admin


def versions(cat, model="bulk"):
    return cat.sql("SELECT version, source, run_id, tags, storage_location, status FROM "
                   "system.information_schema.model_versions WHERE model_name = ? "
                   "ORDER BY version", [model]).fetchall()


def audit_rows(cat):
    return cat.sql("SELECT action, result, detail FROM system.access.audit "
                   "WHERE action = 'IMPORT_MODEL_VERSIONS' ORDER BY audit_id").fetchall()


def test_rows_become_numbered_ready_versions_with_tags_and_files(seeded):
    result = seeded.import_versions("bulk", rows(5), files_from=("base", 1))
    assert result.message == "Imported 5 versions (2-6) of model main.default.bulk."
    got = versions(seeded)
    assert [v[0] for v in got] == [1, 2, 3, 4, 5, 6]
    assert got[1][1:4] == ("s3://bucket/runs/r0/model", "r0", [("fold", "0")])
    shared = {v[4] for v in got[1:]}
    assert len(shared) == 1 and got[1][5] == "READY"
    folder = Path(shared.pop())
    assert (folder / "MLmodel").is_file()
    assert audit_rows(seeded) == [("IMPORT_MODEL_VERSIONS", "ALLOWED",
                                   "versions 2-6 from main.default.base version 1")]
    # The next ADD VERSION carries on numbering.
    seeded.sql("ALTER MODEL bulk ADD VERSION FROM MODEL base VERSION 1")
    assert versions(seeded)[-1][0] == 7


def test_shared_files_go_with_the_last_version_that_uses_them(seeded):
    seeded.import_versions("bulk", rows(3), files_from=("base", 1))
    folder = Path(versions(seeded)[1][4])
    seeded.sql("ALTER MODEL bulk DROP VERSION 2; ALTER MODEL bulk DROP VERSION 3")
    assert (folder / "MLmodel").is_file()
    seeded.sql("ALTER MODEL bulk DROP VERSION 4")
    assert not folder.exists()
    # The source version keeps its own files.
    assert Path(versions(seeded, "base")[0][4], "MLmodel").is_file()


def test_refusals_change_nothing_and_are_audited(seeded):
    before = versions(seeded)
    seeded.sql("CREATE GROUP g; CREATE USER bob; GRANT USE_CATALOG ON CATALOG main TO bob")
    with pytest.raises(PermissionDenied, match="CREATE_MODEL_VERSION"):
        seeded.as_principal("bob").import_versions("bulk", rows(2), files_from=("base", 1))
    seeded.sql("GRANT CREATE_MODEL_VERSION ON MODEL bulk TO bob")
    with pytest.raises(PermissionDenied, match="EXECUTE"):
        seeded.as_principal("bob").import_versions("bulk", rows(2), files_from=("base", 1))
    bad = [
        (pa.table({"source": pa.array([None], pa.string())}), "every row needs a source"),
        (pa.table({"src": ["x"]}), "a 'source' column"),
        (pa.table({"source": ["x"], "owner": ["y"]}), "unknown columns"),
        (pa.table({"source": pa.array([], pa.string())}), "no rows"),
        (pa.table({"source": ["x"], "tags": pa.array([[("", "v")]], TAGS)}), "Tag key"),
        ({"source": ["x"]}, "pyarrow Table"),
    ]
    for table, message in bad:
        with pytest.raises(InvalidArgument, match=message):
            seeded.import_versions("bulk", table, files_from=("base", 1))
    with pytest.raises(NotFound):
        seeded.import_versions("bulk", rows(1), files_from=("base", 9))
    assert versions(seeded) == before
    assert [r[:2] for r in audit_rows(seeded)] == (
        [("IMPORT_MODEL_VERSIONS", "DENIED")] * 2 + [("IMPORT_MODEL_VERSIONS", "FAILED")] * 7)
