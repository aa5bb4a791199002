"""Canonical fixtures: a real metastore file in a temp dir, and an MLflow-style model folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ucsql

SIGNATURE = {
    "inputs": json.dumps([{"type": "double", "name": "x", "required": True}]),
    "outputs": json.dumps([{"type": "double", "required": True}]),
}


def write_model_dir(path: Path, *, signature: bool = True, payload: str = "weights") -> Path:
    """A minimal MLflow model folder: an MLmodel file (with or without signature) and a file."""
    path.mkdir(parents=True, exist_ok=True)
    lines = ["flavors:", "  python_function:", "    loader_module: mlflow.pyfunc.model",
             "mlflow_version: 3.17.0"]
    if signature:
        lines += ["signature:", f"  inputs: '{SIGNATURE['inputs']}'",
                  f"  outputs: '{SIGNATURE['outputs']}'"]
    (path / "MLmodel").write_text("\n".join(lines) + "\n")
    (path / "model.bin").write_text(payload)
    (path / "sub").mkdir(exist_ok=True)
    (path / "sub" / "extra.txt").write_text("extra")
    return path


@pytest.fixture
def metastore_path(tmp_path: Path) -> Path:
    return tmp_path / "metastore.duckdb"


@pytest.fixture
def admin(metastore_path: Path):
    """A new metastore file whose admin (creator) is `admin`."""
    cat = ucsql.connect(metastore_path, principal="admin")
    yield cat
    cat.close()


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    return write_model_dir(tmp_path / "model_src")


def audit_rows(admin_catalog, principal: str | None = None):
    """(principal, action, securable_name, result) of every audit row, oldest first."""
    rows = admin_catalog.sql(
        "SELECT principal, action, securable_name, result FROM system.access.audit "
        "ORDER BY audit_id").fetchall()
    return [r for r in rows if principal is None or r[0] == principal]
