"""A registration killed half-way (kill -9 during the file copy) leaves no version behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ucsql

from .conftest import write_model_dir

ROOT = Path(__file__).resolve().parent.parent


def test_killed_during_copy_leaves_no_version(tmp_path, metastore_path):
    with ucsql.connect(metastore_path, principal="admin") as cat:
        cat.sql("CREATE MODEL iris")
    src = write_model_dir(tmp_path / "src")
    # A disk that stalls after the first file: the copy stops mid-way for as long as we like,
    # which makes "killed during the copy" deterministic.
    script = ("import sys, time, ucsql, ucsql.storage as storage\n"
              "copy_file = storage._copy_file\n"
              "def stalling(src, dst, on_bytes):\n"
              "    copy_file(src, dst, on_bytes)\n"
              "    time.sleep(3600)\n"
              "storage._copy_file = stalling\n"
              "c = ucsql.connect(sys.argv[1], principal='admin')\n"
              "c.sql('ALTER MODEL iris ADD VERSION FROM ?', [sys.argv[2]])\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(metastore_path), str(src)],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True)
    staging = Path(str(metastore_path) + ".models") / ".staging"

    def copy_started() -> bool:
        try:
            return any(p.is_file() for p in staging.rglob("*"))
        except OSError:  # a folder appeared or moved while we looked
            return False

    deadline = time.time() + 60
    while not copy_started() and time.time() < deadline:
        assert proc.poll() is None, f"the registration ended before it was killed: {proc.stderr.read()}"
        time.sleep(0.05)
    assert copy_started(), "the copy never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    assert copy_started(), "the killed copy left nothing to clean up"
    with ucsql.connect(metastore_path, principal="admin") as cat:
        # Opening the file cleaned the staging folder of the killed registration.
        assert not any(staging.iterdir())
        assert cat.sql("SELECT count(*) FROM system.information_schema.model_versions").scalar() == 0
        # The number was never taken: the next registration is version 1.
        ok = write_model_dir(tmp_path / "ok")
        assert cat.sql("ALTER MODEL iris ADD VERSION FROM ?", [str(ok)]).message == \
            "Created version 1 of model main.default.iris."
    published = Path(str(metastore_path) + ".models") / "models"
    assert len([p for p in published.rglob("MLmodel")]) == 1


def test_ucsql_gc_removes_published_folders_no_version_needs(tmp_path, metastore_path, model_dir):
    """A registration that died between publishing its files and committing leaves a folder
    under models/ that no version names; `ucsql gc` removes it and keeps the rest."""
    with ucsql.connect(metastore_path, principal="admin") as cat:
        cat.sql("CREATE MODEL iris; ALTER MODEL iris ADD VERSION FROM ?", [str(model_dir)])
        kept = cat.sql("SELECT storage_location FROM system.information_schema.model_versions").scalar()
    orphan = Path(kept).parent / "0123456789abcdef"
    orphan.mkdir()
    (orphan / "MLmodel").write_text("half")
    out = subprocess.run([sys.executable, "-m", "ucsql", "gc", str(metastore_path), "--yes"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, "UCSQL_PRINCIPAL": "admin"})
    assert out.returncode == 0, out.stderr
    assert f"| {orphan} | removed |" in out.stdout
    assert out.stdout.splitlines()[-1] == "gc removed 1 folder that no version needed."
    assert not orphan.exists() and Path(kept, "model.bin").is_file()


def test_killed_during_a_migration_leaves_the_old_schema_intact(tmp_path):
    """The upgrade of a schema-0001 file runs in one transaction: killed half-way (after the
    migration's statements, before its commit), the file opens again at version 1 with every
    row, and the next opening migrates it."""
    path = tmp_path / "m.duckdb"
    shutil.copy(Path(__file__).parent / "fixtures" / "metastores" / "schema_0001.duckdb", path)
    marker = tmp_path / "migrated_but_not_committed"
    script = ("import sys, time, pathlib, ucsql.queries as q\n"
              "run = q.run\n"
              "def stalling(cur, name, /, **params):\n"
              "    out = run(cur, name, **params)\n"
              "    if name == 'queries/record_migration':\n"
              "        pathlib.Path(sys.argv[2]).touch()\n"
              "        time.sleep(3600)\n"
              "    return out\n"
              "q.run = stalling\n"
              "import ucsql\n"
              "ucsql.connect(sys.argv[1], principal='admin')\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(path), str(marker)], cwd=ROOT,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline:
        assert proc.poll() is None, f"the migration ended before it was killed: {proc.stderr.read()}"
        time.sleep(0.05)
    assert marker.exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    import duckdb
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT max(version) FROM ucsql_schema_version").fetchone()[0] == 1
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert "ucsql_model_version_lineage" not in tables
    finally:
        con.close()
    with ucsql.connect(path, principal="admin") as cat:
        assert cat.sql("SELECT alias, version FROM system.information_schema.model_aliases"
                       ).fetchall() == [("Champion", 1)]
        assert cat.sql("SELECT count(*) FROM system.information_schema.model_lineage").scalar() == 0


STALL_AT = {
    # the copy into staging has begun (one file written, or linked: a copy within the registry
    # hard-links the published files)
    "during_copy": ("import os, ucsql.storage as storage\n"
                    "copy_file, link = storage._copy_file, os.link\n"
                    "def stalling(src, dst, on_bytes):\n"
                    "    copy_file(src, dst, on_bytes)\n"
                    "    stall()\n"
                    "def stalling_link(src, dst, **kw):\n"
                    "    link(src, dst, **kw)\n"
                    "    stall()\n"
                    "storage._copy_file, os.link = stalling, stalling_link\n"),
    # the files are in place under models/, the version row not yet committed
    "after_publish": ("from ucsql.storage import LocalStorage\n"
                      "publish = LocalStorage.publish\n"
                      "def stalling(self, *a, **kw):\n"
                      "    out = publish(self, *a, **kw)\n"
                      "    stall()\n"
                      "LocalStorage.publish = stalling\n"),
    # the statement committed; the process dies before returning to its caller
    "after_commit": ("from ucsql.engine import Engine\n"
                     "execute = Engine.execute\n"
                     "def stalling(self, *a, **kw):\n"
                     "    out = execute(self, *a, **kw)\n"
                     "    if type(a[0]).__name__ == 'AddModelVersion':\n"
                     "        stall()\n"
                     "    return out\n"
                     "Engine.execute = stalling\n"),
}


@pytest.mark.parametrize("how", ["from_directory", "copy_of_a_version"])
@pytest.mark.parametrize("point", list(STALL_AT))
def test_kill_at_each_step_of_a_registration(tmp_path, metastore_path, model_dir, point, how):
    """kill -9 at each step of ADD VERSION FROM 'dir' and of a copy (copy_model_version's
    statement): the file opens, no READY version lacks files, and gc leaves only what versions
    need."""
    with ucsql.connect(metastore_path, principal="admin") as cat:
        cat.sql("CREATE MODEL src; ALTER MODEL src ADD VERSION FROM ?; CREATE MODEL dst",
                [str(model_dir)])
    statement = ("ALTER MODEL dst ADD VERSION FROM ?" if how == "from_directory"
                 else "ALTER MODEL dst ADD VERSION FROM MODEL src VERSION 1")
    params = "[sys.argv[2]]" if how == "from_directory" else "None"
    marker = tmp_path / "stalled"
    script = ("import sys, time, pathlib\n"
              "def stall():\n"
              "    pathlib.Path(sys.argv[3]).touch()\n"
              "    time.sleep(3600)\n"
              + STALL_AT[point] +
              "import ucsql\n"
              "c = ucsql.connect(sys.argv[1], principal='admin')\n"
              f"c.sql({statement!r}, {params})\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(metastore_path), str(model_dir),
                             str(marker)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline:
        assert proc.poll() is None, f"ended before it was killed: {proc.stderr.read()}"
        time.sleep(0.05)
    assert marker.exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    expected = sorted(p.relative_to(model_dir).as_posix() for p in model_dir.rglob("*"))
    with ucsql.connect(metastore_path, principal="admin") as cat:
        rows = cat.sql("SELECT full_name, version, status, storage_location "
                       "FROM system.information_schema.model_versions ORDER BY ALL").fetchall()
        assert [r[:3] for r in rows] == (
            [("main.default.dst", 1, "READY")] if point == "after_commit" else []) + [
            ("main.default.src", 1, "READY")]
        for *_, location in rows:  # every READY version has all its files
            assert sorted(p.relative_to(location).as_posix()
                          for p in Path(location).rglob("*")) == expected
        removed = cat.collect_garbage(dry_run=False).table.num_rows
        assert bool(removed) == (point == "after_publish")
        assert cat.check().table.num_rows == 0
    models = Path(str(metastore_path) + ".models")
    assert sorted(str(p) for p in models.glob("models/*/*")) == sorted(r[3] for r in rows)
    assert not any((models / ".staging").iterdir())
