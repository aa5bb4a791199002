"""Opening something that is not a ucsql metastore says what it is, at once, and changes nothing.

DuckDB's own answers misled: a SQLite file asked for an extension, a truncated file was reported
as held by another process after "waiting 60 s" (it returned at once)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import duckdb
import pytest

import ucsql
from ucsql.errors import MetastoreError


def _sqlite(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE registered_models (name TEXT)")
    con.commit()
    con.close()


def _truncated(path):
    whole = path.with_name("whole.duckdb")
    duckdb.connect(str(whole)).execute("CREATE TABLE t AS SELECT range AS a FROM range(10)").close()
    path.write_bytes(whole.read_bytes()[:4096])


KINDS = {
    "sqlite": (_sqlite, "SQLite database"),
    "text": (lambda p: p.write_text("alice,bob\n1,2\n"), "text file"),
    "empty": (lambda p: p.write_bytes(b""), "empty file"),
    "zip": (lambda p: p.write_bytes(b"PK\x03\x04" + bytes(60)), "zip archive"),
    "binary": (lambda p: p.write_bytes(os.urandom(64)), "not a DuckDB database"),
    "truncated": (_truncated, "truncated or damaged"),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_connect_names_what_the_file_is(tmp_path, kind):
    make, said = KINDS[kind]
    path = tmp_path / "m.duckdb"
    make(path)
    before = path.read_bytes()
    with pytest.raises(MetastoreError) as caught:
        ucsql.connect(path, principal="admin")
    message = str(caught.value)
    assert said in message and str(path) in message
    assert "held" not in message and "waited" not in message
    assert path.read_bytes() == before  # nothing written into someone else's file


@pytest.mark.parametrize("kind", ["sqlite", "text", "truncated"])
def test_cli_answers_in_one_line_without_waiting(tmp_path, kind):
    make, said = KINDS[kind]
    path = tmp_path / "mlflow.db"
    make(path)
    env = {**os.environ, "UCSQL_PRINCIPAL": "admin", "UCSQL_LOCK_TIMEOUT": "30"}
    done = subprocess.run([sys.executable, "-m", "ucsql", str(path), "-c", "SELECT 1"],
                          env=env, capture_output=True, text=True, timeout=25, check=False)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0] and "Traceback" not in done.stderr


def test_a_new_path_still_creates_a_metastore(tmp_path):
    path = tmp_path / "new.duckdb"
    with ucsql.connect(path, principal="admin") as catalog:
        assert catalog.sql("SELECT 1 AS one").fetchall() == [(1,)]
    with ucsql.connect(path, principal="admin") as catalog:  # and opens again as itself
        assert catalog.sql("SHOW CATALOGS").fetchall()


def test_the_cli_says_when_it_creates_a_metastore_and_only_then(tmp_path):
    # A mistyped path silently made a new, empty registry; now stderr says so, once.
    path = tmp_path / "typo.duckdb"
    env = {**os.environ, "UCSQL_PRINCIPAL": "alice@example.com"}
    runs = [subprocess.run([sys.executable, "-m", "ucsql", str(path), "--format", "csv", "-c",
                            "SELECT 1 AS x"], env=env, capture_output=True, text=True,
                           timeout=60, check=False) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0]
    assert runs[0].stderr.strip() == (f"Created metastore {path}; you are its admin "
                                      "(alice@example.com).")
    assert runs[1].stderr.strip() == ""
    assert runs[0].stdout == runs[1].stdout  # stdout carries the results alone


def test_a_damaged_file_whose_path_says_lock_is_not_waited_on(tmp_path):
    # "lock" in the path (or "block" in DuckDB's message) once made any I/O error a held file:
    # 60 s of waiting, then another process blamed.
    folder = tmp_path / "blocklists"
    folder.mkdir()
    path = folder / "m.duckdb"
    _truncated(path)
    with pytest.raises(MetastoreError) as caught:
        ucsql.connect(path, principal="admin")
    assert "truncated or damaged" in str(caught.value) and "held" not in str(caught.value)
