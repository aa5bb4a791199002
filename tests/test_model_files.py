"""A model's files outlive moves, backups, crashes and gc; `ucsql check` proves it.

Through the public interfaces: SQL, the Python API, the ``ucsql`` command in a subprocess, and
the stock MLflow client loading ``models:/`` URIs from a moved, restored or copied metastore.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import mlflow
import mlflow.pyfunc
import pytest

import ucsql
from ucsql.errors import InvalidArgument, PermissionDenied

from .conftest import write_model_dir

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "metastores"
MARKER = ".ucsql-metastore"


def cli(*args: str, principal: str = "admin", cwd: Path | None = None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("UCSQL_")}
    environ["UCSQL_PRINCIPAL"] = principal
    return subprocess.run([sys.executable, "-m", "ucsql", *args], capture_output=True, text=True,
                          timeout=120, env=environ, cwd=cwd or ROOT, check=False)


def audit(cat: ucsql.Catalog, action: str) -> list[tuple]:
    return cat.sql("SELECT principal, result, detail FROM system.access.audit WHERE action = ? "
                   "ORDER BY audit_id", [action]).fetchall()


@pytest.fixture(scope="module")
def pyfunc_model(tmp_path_factory) -> Path:
    """A real MLflow model folder that mlflow.pyfunc can load (no scikit-learn needed)."""
    import mlflow.models

    class Doubler(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            return [2 * float(x) for x in model_input["x"]]

    import pandas as pd
    folder = tmp_path_factory.mktemp("pyfunc") / "doubler"
    example = pd.DataFrame({"x": [1.0, 2.0]})
    signature = mlflow.models.infer_signature(example, [2.0, 4.0])
    mlflow.pyfunc.save_model(str(folder), python_model=Doubler(), signature=signature,
                             pip_requirements=[])
    return folder


@pytest.fixture(scope="module", autouse=True)
def tracking(tmp_path_factory):
    """MLflow's tracking store in a temp folder; the caller is the metastores' admin."""
    root = tmp_path_factory.mktemp("tracking")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UCSQL_PRINCIPAL", "admin")
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.delenv("MLFLOW_REGISTRY_URI", raising=False)
        mlflow.set_tracking_uri(f"sqlite:///{root}/mlflow.db")
        try:
            yield
        finally:
            mlflow.set_tracking_uri("")


def load(path: Path, uri: str):
    """Load ``uri`` through the stock MLflow client with this metastore as the registry."""
    mlflow.set_registry_uri(f"ucsql://{path}")
    try:
        return mlflow.pyfunc.load_model(uri)
    finally:
        mlflow.set_registry_uri("")


def predict(model) -> list[float]:
    import pandas as pd
    return list(model.predict(pd.DataFrame({"x": [1.0, 3.0]})))


@pytest.fixture
def registered(tmp_path, pyfunc_model):
    """a/m.duckdb holding main.default.doubler version 1 (the admin may load it)."""
    path = tmp_path / "a" / "m.duckdb"
    path.parent.mkdir()
    with ucsql.connect(path, principal="admin") as cat:
        cat.sql("CREATE MODEL doubler; GRANT EXECUTE ON MODEL doubler TO admin")
        cat.sql("ALTER MODEL doubler ADD VERSION FROM ?", [str(pyfunc_model)])
    return path


def move(path: Path, to: Path) -> Path:
    """Move a metastore file with its folder, as a restore or a moved project folder does."""
    to.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), str(to / path.name))
    shutil.move(str(path) + ".models", str(to / (path.name + ".models")))
    return to / path.name


# -- moving ----------------------------------------------------------------------------------

def test_a_moved_metastore_keeps_its_models_and_gc_keeps_their_files(registered, tmp_path):
    moved = move(registered, tmp_path / "b")
    assert predict(load(moved, "models:/main.default.doubler/1")) == [2.0, 6.0]

    dry = cli("gc", str(moved))
    assert dry.returncode == 0, dry.stderr
    assert "gc would remove 0 folders" in dry.stdout
    done = cli("gc", str(moved), "--yes")
    assert done.returncode == 0, done.stderr
    assert "gc removed 0 folders" in done.stdout
    with ucsql.connect(moved, principal="admin") as cat:
        assert cat.check().table.num_rows == 0

    back = move(moved, tmp_path / "a")
    assert predict(load(back, "models:/main.default.doubler/1")) == [2.0, 6.0]
    with ucsql.connect(back, principal="admin") as cat:
        [(status,)] = cat.sql("SELECT status FROM system.information_schema.model_versions").fetchall()
        assert status == "READY" and cat.check().table.num_rows == 0


def test_locations_under_the_default_root_are_recorded_relative_to_it(registered):
    con = duckdb.connect(str(registered), read_only=True)
    try:
        [(recorded,)] = con.execute("SELECT storage_location FROM ucsql_model_version").fetchall()
    finally:
        con.close()
    assert not os.path.isabs(recorded) and recorded.startswith("models/")
    with ucsql.connect(registered, principal="admin") as cat:
        shown = cat.sql("SELECT storage_location FROM system.information_schema.model_versions"
                        ).scalar()
    assert shown == f"{registered}.models/{recorded}" and Path(shown, "MLmodel").is_file()


def test_a_metastore_copied_with_cp_keeps_its_models_too(registered, tmp_path):
    copy = tmp_path / "c" / "copy.duckdb"
    copy.parent.mkdir()
    shutil.copy(registered, copy)
    shutil.copytree(str(registered) + ".models", str(copy) + ".models")
    assert predict(load(copy, "models:/main.default.doubler/1")) == [2.0, 6.0]


@pytest.mark.parametrize("moved_before_upgrade", [False, True])
def test_an_old_metastore_migrates_its_absolute_locations(tmp_path, moved_before_upgrade):
    """schema 0003 recorded absolute paths; the upgrade makes those of the default root relative,
    even when the file was moved before it was upgraded (the path then names an old folder)."""
    path = tmp_path / "old.duckdb"
    shutil.copy(FIXTURES / "schema_0003.duckdb", path)
    con = duckdb.connect(str(path))
    [(old,)] = con.execute("SELECT storage_location FROM ucsql_model_version").fetchall()
    tail = "/".join(Path(old).parts[-3:])  # models/<model id>/<uuid>
    if not moved_before_upgrade:  # as if the fixture had been made beside this file
        con.execute("UPDATE ucsql_model_version SET storage_location = ?",
                    [f"{path}.models/{tail}"])
    con.close()
    folder = write_model_dir(Path(f"{path}.models") / tail)
    with ucsql.connect(path, principal="admin") as cat:
        assert cat.sql("SELECT storage_location FROM system.information_schema.model_versions"
                       ).scalar() == str(folder)
        assert cat.check().table.num_rows == 0  # the digest was taken from the files as they are
        digest = cat.sql("SELECT content_digest FROM system.information_schema.model_versions"
                         ).scalar()
        assert digest.startswith("sha256:")
        assert cat.collect_garbage(dry_run=False).table.num_rows == 0
    assert (folder / "MLmodel").is_file()


def test_an_old_version_whose_files_were_already_gone_is_reported_not_hidden(tmp_path):
    path = tmp_path / "old.duckdb"
    shutil.copy(FIXTURES / "schema_0003.duckdb", path)
    with ucsql.connect(path, principal="admin") as cat:
        [row] = cat.check().table.to_pylist()
    assert row["model"] == "prod.ml_team.iris" and row["version"] == 1
    assert "missing" in row["problem"]
    result = cli("check", str(path))
    assert result.returncode == 1
    assert "prod.ml_team.iris" in result.stdout and "missing" in result.stdout


# -- gc ----------------------------------------------------------------------------------------

def test_gc_deletes_only_what_no_version_row_names(registered):
    root = Path(f"{registered}.models")
    garbage = write_model_dir(root / "models" / "77" / ("ab" * 16))
    with ucsql.connect(registered, principal="admin") as cat:
        kept = Path(cat.sql("SELECT storage_location FROM system.information_schema.model_versions"
                            ).scalar())
    # A row naming a folder by a path that no longer resolves still protects the folder of that
    # name (its uuid): it may be the same files, seen from before a move.
    con = duckdb.connect(str(registered))
    con.execute("UPDATE ucsql_model_version SET storage_location = ? || storage_location",
                ["/gone/elsewhere/m.duckdb.models/"])
    con.close()
    with ucsql.connect(registered, principal="admin") as cat:
        cat.sql("SHOW CATALOGS")  # open: every opening empties staging; this one is left after
        leftover = write_model_dir(root / ".staging" / ("cd" * 16))
        plan = cat.collect_garbage()
        assert sorted(r["path"] for r in plan.table.to_pylist()) == sorted(
            [str(garbage), str(leftover)])
        assert garbage.exists() and leftover.exists()  # a dry run by default
        assert plan.message == ("gc would remove 2 folders that no version needs: run it again "
                                "with --yes to remove them.")
        removed = cat.collect_garbage(dry_run=False)
        assert {r["action"] for r in removed.table.to_pylist()} == {"removed"}
        assert not garbage.exists() and not leftover.exists() and kept.exists()
        assert not (root / "models" / "77").exists()  # the emptied model folder went too
        # (The staging leftover may already have gone with a reopening of the file, which
        # empties staging: the second run removed the rest.)
        rows = audit(cat, "COLLECT_GARBAGE")
        assert rows[0][1:] == ("ALLOWED", "would remove 2 folders")
        assert rows[1][1] == "ALLOWED" and rows[1][2] in ("removed 2 folders", "removed 1 folder")


def test_gc_never_touches_a_root_without_this_metastores_marker(registered, tmp_path):
    root = Path(f"{registered}.models")
    garbage = write_model_dir(root / "models" / "77" / ("ab" * 16))
    marker = root / MARKER
    for content in (None, json.dumps({"metastore_id": "another-metastore"})):
        if content is None:
            marker.unlink()
        else:
            marker.write_text(content)
        with ucsql.connect(registered, principal="admin") as cat:
            result = cat.collect_garbage(dry_run=False)
            [row] = result.table.to_pylist()
            assert (row["path"], row["action"]) == (str(root), "left alone")
            assert "marker" in row["reason"]
        assert garbage.exists()
        # Staging clean-up at every opening skips it too.
        leftover = write_model_dir(root / ".staging" / ("ef" * 16))
        ucsql.connect(registered, principal="admin").close()
        assert leftover.exists()


def test_gc_keeps_a_folder_that_holds_another_storage_root(registered):
    root = Path(f"{registered}.models")
    nested = root / "models" / "77" / ("ab" * 16)
    write_model_dir(nested / "inner")
    (nested / "inner" / MARKER).write_text(json.dumps({"metastore_id": "someone-else"}))
    with ucsql.connect(registered, principal="admin") as cat:
        [row] = cat.collect_garbage(dry_run=False).table.to_pylist()
    assert row["action"] == "left alone" and "another storage root" in row["reason"]
    assert (nested / "inner" / "MLmodel").exists()


def test_gc_is_for_the_admin_and_audited(registered):
    with ucsql.connect(registered, principal="admin") as cat:
        with pytest.raises(PermissionDenied) as e:
            cat.as_principal("bob").collect_garbage(dry_run=False)
        assert str(e.value) == ("Permission denied: bob cannot collect garbage files: missing "
                                "metastore admin.")
        assert audit(cat, "COLLECT_GARBAGE")[-1][:2] == ("bob", "DENIED")
    refused = cli("gc", str(registered), "--yes", principal="bob")
    assert refused.returncode == 1 and "Permission denied: bob" in refused.stderr


def test_gc_without_a_metastore_is_a_usage_error(tmp_path):
    result = cli("gc", cwd=tmp_path)
    assert result.returncode == 2
    assert "Missing argument 'METASTORE'" in result.stderr
    assert list(tmp_path.iterdir()) == []
    missing = cli("gc", "nosuch.duckdb", cwd=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert list(tmp_path.iterdir()) == []


# -- backup ------------------------------------------------------------------------------------

def test_backup_then_restore_into_a_new_folder(registered, tmp_path, pyfunc_model):
    with ucsql.connect(registered, principal="admin") as cat:
        location = tmp_path / "prod-files"
        cat.sql("CREATE CATALOG prod MANAGED LOCATION ?; CREATE SCHEMA prod.ml; "
                "CREATE MODEL prod.ml.doubler; GRANT EXECUTE ON MODEL prod.ml.doubler TO admin",
                [str(location)])
        cat.sql("ALTER MODEL prod.ml.doubler ADD VERSION FROM ?", [str(pyfunc_model)])
        cat.sql("ALTER MODEL prod.ml.doubler SET ALIAS Champion TO VERSION 1")
    result = cli("backup", str(registered), str(tmp_path / "backups" / "m.duckdb"))
    assert result.returncode == 1 and "does not exist. Create it first." in result.stderr
    (tmp_path / "backups").mkdir()
    result = cli("backup", str(registered), str(tmp_path / "backups" / "m.duckdb"))
    assert result.returncode == 0, result.stderr
    assert "Backed up" in result.stdout
    again = cli("backup", str(registered), str(tmp_path / "backups" / "m.duckdb"))
    assert again.returncode == 1 and "exists" in again.stderr

    # The original goes away entirely, its MANAGED LOCATION too; the backup is restored elsewhere.
    shutil.rmtree(registered.parent)
    shutil.rmtree(location)
    restored = move(tmp_path / "backups" / "m.duckdb", tmp_path / "restored")
    for uri in ("models:/main.default.doubler/1", "models:/prod.ml.doubler@Champion"):
        assert predict(load(restored, uri)) == [2.0, 6.0]
    checked = cli("check", str(restored))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All 2 READY versions have all their files" in checked.stdout
    with ucsql.connect(restored, principal="admin") as cat:
        # The backup is the state before it: the failed attempt is in its log, not the backup.
        assert [r[1] for r in audit(cat, "BACKUP_METASTORE")] == ["FAILED"]
        assert cat.collect_garbage().table.num_rows == 0


def test_backup_is_for_the_admin(registered, tmp_path):
    with ucsql.connect(registered, principal="admin") as cat:
        with pytest.raises(PermissionDenied):
            cat.as_principal("bob").backup(tmp_path / "stolen.duckdb")
        assert audit(cat, "BACKUP_METASTORE")[-1][:2] == ("bob", "DENIED")
    assert not (tmp_path / "stolen.duckdb").exists()


def test_a_backup_refuses_to_copy_files_that_changed(registered, tmp_path):
    with ucsql.connect(registered, principal="admin") as cat:
        folder = Path(cat.sql("SELECT storage_location FROM "
                              "system.information_schema.model_versions").scalar())
        (folder / "MLmodel").write_text((folder / "MLmodel").read_text() + "\n# tampered\n")
        with pytest.raises(InvalidArgument) as e:
            cat.backup(tmp_path / "bk.duckdb")
        assert "differ from what was registered" in str(e.value)
    assert not (tmp_path / "bk.duckdb").exists() and not (tmp_path / "bk.duckdb.models").exists()


# -- check -------------------------------------------------------------------------------------

def test_check_catches_a_flipped_byte(registered):
    with ucsql.connect(registered, principal="admin") as cat:
        folder = Path(cat.sql("SELECT storage_location FROM "
                              "system.information_schema.model_versions").scalar())
    target = next(p for p in sorted(folder.rglob("*")) if p.is_file() and p.stat().st_size > 10)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    result = cli("check", str(registered))
    assert result.returncode == 1
    name = target.relative_to(folder).as_posix()
    assert "main.default.doubler" in result.stdout and name in result.stdout
    assert "content changed" in result.stdout
    assert "1 of 1 READY versions have missing or changed files." in result.stderr


@pytest.mark.parametrize("damage, problem", [
    (lambda f: (f / "extra.bin").write_bytes(b"x"), "was not registered"),
    (lambda f: (f / "MLmodel").unlink(), "the file is missing"),
    (lambda f: shutil.rmtree(f), "the folder is missing"),
    (lambda f: (f / "MLmodel").write_text("flavors: {}\n"), "bytes"),
])
def test_check_reports_each_kind_of_damage(registered, damage, problem):
    with ucsql.connect(registered, principal="admin") as cat:
        folder = Path(cat.sql("SELECT storage_location FROM "
                              "system.information_schema.model_versions").scalar())
        damage(folder)
        rows = cat.check().table.to_pylist()
    assert rows and all((r["model"], r["version"]) == ("main.default.doubler", 1) for r in rows)
    assert any(problem in r["problem"] for r in rows), rows


def test_digests_are_recorded_at_registration_and_shared_by_copies(registered, tmp_path):
    import pyarrow as pa
    with ucsql.connect(registered, principal="admin") as cat:
        cat.sql("CREATE MODEL copy; ALTER MODEL copy ADD VERSION FROM MODEL doubler VERSION 1")
        cat.import_versions("copy", pa.table({"source": ["a", "b"]}),
                            files_from=("main.default.doubler", 1))
        rows = cat.sql("SELECT model_name, version, content_digest FROM "
                       "system.information_schema.model_versions ORDER BY ALL").fetchall()
        assert len(rows) == 4 and len({r[2] for r in rows}) == 1
        assert rows[0][2].startswith("sha256:") and len(rows[0][2]) == 7 + 64
        described = dict(cat.sql("DESCRIBE MODEL doubler VERSION 1").fetchall())
        assert described["content_digest"] == rows[0][2]
        assert cat.check().table.num_rows == 0
        # The last version of a shared folder takes the folder (and its manifest) with it.
        cat.sql("ALTER MODEL copy DROP VERSION 2; ALTER MODEL copy DROP VERSION 3")
        assert cat.check().table.num_rows == 0 and cat.collect_garbage().table.num_rows == 0


def test_check_is_for_the_admin(registered):
    with ucsql.connect(registered, principal="admin") as cat:
        with pytest.raises(PermissionDenied):
            cat.as_principal("bob").check()
        assert audit(cat, "CHECK_STORAGE")[-1][:2] == ("bob", "DENIED")
