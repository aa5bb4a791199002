"""Several processes, one metastore file: nobody is locked out, nothing is lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import ucsql

from .conftest import write_model_dir

WORKER = Path(__file__).with_name("concurrent_worker.py")
ROOT = Path(__file__).resolve().parent.parent


def run_workload(tmp_path: Path, writers: int, per_writer: int) -> tuple[list[dict], dict, Path]:
    """``writers`` processes register ``per_writer`` versions of a shared model and of their own,
    while one more process reads shared@Champion in a loop. Returns their reports."""
    path = tmp_path / "m.duckdb"
    model = write_model_dir(tmp_path / "model")
    with ucsql.connect(path, principal="admin") as cat:
        cat.sql("CREATE MODEL shared; ALTER MODEL shared ADD VERSION FROM ?", [str(model)])
        cat.sql("ALTER MODEL shared SET ALIAS Champion TO VERSION 1")
    env = {"PYTHONPATH": str(ROOT), "UCSQL_LOCK_TIMEOUT": "300", "PATH": "/usr/bin:/bin"}
    reader = subprocess.Popen([sys.executable, str(WORKER), "read", str(path), "600"],
                              stdout=subprocess.PIPE, text=True, env=env)
    procs = [subprocess.Popen([sys.executable, str(WORKER), "write", str(path), str(model),
                               str(i), str(per_writer)], stdout=subprocess.PIPE, text=True, env=env)
             for i in range(writers)]
    reports = [json.loads(p.communicate(timeout=900)[0]) for p in procs]
    path.with_name("stop").touch()
    read_report = json.loads(reader.communicate(timeout=300)[0])
    return reports, read_report, path


@pytest.mark.parametrize("writers, per_writer", [(4, 100)])
def test_four_writers_and_a_reader(tmp_path, writers, per_writer):
    reports, read_report, path = run_workload(tmp_path, writers, per_writer)
    assert [r["errors"] for r in reports] == [[]] * writers
    assert read_report["errors"] == [] and read_report["reads"] > 0
    with ucsql.connect(path, principal="admin") as cat:
        total = cat.sql("SELECT count(*) FROM system.information_schema.model_versions "
                        "WHERE model_name = 'shared' OR model_name LIKE 'own_%'").scalar()
        assert total == 1 + 2 * writers * per_writer
        for model in ["shared"] + [f"own_{i}" for i in range(writers)]:
            numbers = [r[0] for r in cat.sql(
                "SELECT version FROM system.information_schema.model_versions "
                "WHERE model_name = ? ORDER BY version", [model]).fetchall()]
            expected = writers * per_writer + 1 if model == "shared" else per_writer
            assert numbers == list(range(1, expected + 1)), f"gaps or duplicates in {model}"
        # Every registration that said it was done is there with its audit row and its files,
        # and no folder is left over from one that was lost (DuckDB 2.0 lost whole commits
        # when processes took turns, before ucsql.file_lock).
        assert cat.sql("SELECT count(*) FROM system.access.audit WHERE action = "
                       "'ADD_MODEL_VERSION' AND result = 'ALLOWED'").scalar() == total
        assert cat.check().table.num_rows == 0
        assert cat.collect_garbage().table.num_rows == 0
