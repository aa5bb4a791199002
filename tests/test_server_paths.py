"""A token holder (a request reaching ``ucsql serve`` from elsewhere) names no file of the
server's machine: the server reads and writes as itself, with rights the caller may not have.
The same statements run as the file's own opener (embedded, or a local client) work."""

from __future__ import annotations

import pytest

from ucsql.errors import PermissionDenied
from tests.conftest import write_model_dir

STATEMENTS = [
    (lambda cat, path: cat.sql("ALTER MODEL main.default.m ADD VERSION FROM ?", [path]), "model"),
    (lambda cat, path: cat.sql("CREATE SCHEMA main.elsewhere MANAGED LOCATION ?", [path]),
     "location"),
    (lambda cat, path: cat.backup(path), "backup"),
]


@pytest.fixture
def remote(admin):
    admin.sql("CREATE MODEL main.default.m")
    token = admin.sql("CREATE TOKEN").details["token"]
    return admin.authenticate(token)


@pytest.mark.parametrize("statement,kind", STATEMENTS, ids=[k for _, k in STATEMENTS])
def test_a_token_holder_names_no_server_path(admin, remote, tmp_path, statement, kind):
    target = {"model": str(write_model_dir(tmp_path / "model")),
              "location": str(tmp_path / "place"), "backup": str(tmp_path / "copy.duckdb")}[kind]
    with pytest.raises(PermissionDenied, match="names no file of the server's"):
        statement(remote, target)
    assert not (tmp_path / "place").exists() and not (tmp_path / "copy.duckdb").exists()
    assert admin.sql("SELECT count(*) FROM system.information_schema.model_versions").scalar() == 0
    refused = admin.sql("SELECT result FROM system.access.audit WHERE token_id = ? "
                        "AND action <> 'CREATE_TOKEN'", [remote.token_id]).fetchall()
    assert refused == [("DENIED",)]


def test_only_uploads_to_the_server_may_be_registered(admin, remote, tmp_path):
    uploads = tmp_path / "uploads"
    inside = write_model_dir(uploads / "run" / "model")
    outside = write_model_dir(tmp_path / "mine")
    admin.engine.uploads = uploads  # what ucsql serve sets
    link = uploads / "link"
    link.symlink_to(outside)  # a link in the uploads to a folder outside them is outside
    for path in (outside, link, uploads / ".." / "mine"):
        with pytest.raises(PermissionDenied):
            remote.sql("ALTER MODEL main.default.m ADD VERSION FROM ?", [str(path)])
    assert "Created version 1" in str(remote.sql("ALTER MODEL main.default.m ADD VERSION FROM ?",
                                                 [str(inside)]))


@pytest.mark.parametrize("statement,kind", STATEMENTS, ids=[k for _, k in STATEMENTS])
def test_the_file_s_opener_names_its_own_paths(admin, tmp_path, statement, kind):
    admin.sql("CREATE MODEL main.default.m")
    target = {"model": str(write_model_dir(tmp_path / "model")),
              "location": str(tmp_path / "place"), "backup": str(tmp_path / "copy.duckdb")}[kind]
    statement(admin, target)
