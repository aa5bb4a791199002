"""Pending versions (Unity Catalog's create -> write -> finalize, ``Catalog.reserve_version`` and
``finalize_version``): nothing half-written becomes READY, and no pending model is lost to a
restart or to gc."""

from __future__ import annotations

from pathlib import Path

import pytest

import ucsql
from ucsql.errors import InvalidArgument, PermissionDenied
from tests.conftest import write_model_dir


@pytest.fixture
def iris(admin):
    admin.sql("CREATE MODEL main.default.iris")
    return admin


def _versions(cat):
    return cat.sql("SELECT version, status FROM system.information_schema.model_versions "
                   "ORDER BY version").fetchall()


def test_a_pending_version_becomes_ready_with_its_files_checked_and_copied(iris, tmp_path):
    pending = iris.reserve_version("main.default.iris", source="runs:/r/model", comment="c")
    upload = Path(pending.details["storage_location"])
    assert pending.details["version"] == 1 and upload.is_dir() and not any(upload.iterdir())
    assert _versions(iris) == [(1, "PENDING_REGISTRATION")]
    write_model_dir(upload)
    done = iris.finalize_version("main.default.iris", 1)
    assert done.message == "Finalized version 1 of model main.default.iris."
    [row] = iris.sql("GET MODEL VERSION main.default.iris VERSION 1").table.to_pylist()
    assert (row["status"], row["source"], row["comment"]) == ("READY", "runs:/r/model", "c")
    assert row["content_digest"] == done.details["content_digest"]
    managed = Path(row["storage_location"])
    assert managed != upload and not upload.exists()
    assert (managed / "sub" / "extra.txt").read_text() == "extra"
    assert iris.check().fetchall() == []  # byte for byte as registered


def test_a_folder_that_is_not_a_valid_model_is_refused_and_stays_pending(iris, tmp_path):
    upload = Path(iris.reserve_version("main.default.iris").details["storage_location"])
    with pytest.raises(InvalidArgument, match="has no MLmodel file"):
        iris.finalize_version("main.default.iris", 1)
    write_model_dir(upload, signature=False)
    with pytest.raises(InvalidArgument, match="has no signature"):
        iris.finalize_version("main.default.iris", 1)
    (upload / "link").symlink_to("/etc/passwd")
    write_model_dir(upload)
    with pytest.raises(InvalidArgument, match="link is a symbolic link"):
        iris.finalize_version("main.default.iris", 1)
    assert _versions(iris) == [(1, "PENDING_REGISTRATION")]
    (upload / "link").unlink()
    iris.finalize_version("main.default.iris", 1)
    with pytest.raises(InvalidArgument, match="is READY, not PENDING_REGISTRATION"):
        iris.finalize_version("main.default.iris", 1)


def test_a_pending_version_cannot_be_copied_or_loaded(iris, tmp_path):
    iris.reserve_version("main.default.iris")
    with pytest.raises(InvalidArgument, match="only READY versions can be copied"):
        iris.sql("ALTER MODEL main.default.iris ADD VERSION FROM MODEL main.default.iris VERSION 1")


def test_reserving_and_finalizing_need_what_adding_a_version_needs(iris):
    iris.sql("CREATE USER bob")
    bob = iris.as_principal("bob")
    with pytest.raises(PermissionDenied, match="bob cannot add a version to MODEL main.default.iris"):
        bob.reserve_version("main.default.iris")
    iris.reserve_version("main.default.iris")
    with pytest.raises(PermissionDenied, match="bob cannot finalize a version of"):
        bob.finalize_version("main.default.iris", 1)
    iris.sql("GRANT CREATE MODEL VERSION ON FUNCTION main.default.iris TO bob")
    assert bob.reserve_version("main.default.iris").details["version"] == 2


def test_gc_and_restarts_keep_a_pending_version_and_collect_abandoned_uploads(metastore_path):
    with ucsql.connect(metastore_path, principal="admin") as cat:
        cat.sql("CREATE MODEL main.default.iris")
        kept = Path(cat.reserve_version("main.default.iris").details["storage_location"])
        dropped = Path(cat.reserve_version("main.default.iris").details["storage_location"])
        write_model_dir(kept)
        # An upload folder no row names: a reservation that died before its commit.
        orphan = kept.parent / "0123456789abcdef0123456789abcdef"
        orphan.mkdir()
        cat.sql("ALTER MODEL main.default.iris DROP VERSION 2")
        assert not dropped.exists()
        planned = [r[0] for r in cat.collect_garbage().fetchall()]
        assert planned == [str(orphan)]
    with ucsql.connect(metastore_path, principal="admin") as cat:  # a restart empties staging
        assert (kept / "MLmodel").is_file()
        cat.collect_garbage(dry_run=False)
        assert not orphan.exists() and (kept / "MLmodel").is_file()
        cat.finalize_version("main.default.iris", 1)
        assert _versions(cat) == [(1, "READY")]
        assert not kept.exists()
        assert cat.collect_garbage().fetchall() == []
