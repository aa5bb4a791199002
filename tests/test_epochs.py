"""Cached names and decisions (ucsql.epoch_cache) never outlive the change that voids them, even
when the change comes from another handle or another process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import ucsql
from ucsql.errors import NotFound, PermissionDenied

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def shop(tmp_path, model_dir):
    path = tmp_path / "m.duckdb"
    with ucsql.connect(path, principal="admin") as admin:
        admin.sql("CREATE CATALOG c; CREATE SCHEMA c.s; CREATE MODEL c.s.m; "
                  "ALTER MODEL c.s.m ADD VERSION FROM ?; CREATE USER bob; "
                  "GRANT USE_CATALOG ON CATALOG c TO bob; GRANT USE_SCHEMA ON SCHEMA c.s TO bob; "
                  "GRANT EXECUTE ON MODEL c.s.m TO bob", [str(model_dir)])
    return path


def in_another_process(path: Path, script: str) -> None:
    code = ("import sys, ucsql\n"
            "with ucsql.connect(sys.argv[1], principal='admin') as admin:\n"
            f"    admin.sql({script!r})\n")
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, cwd=ROOT,
                   env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)


@pytest.mark.parametrize("where", ["handle", "process"])
def test_a_revoke_elsewhere_takes_effect_at_once(shop, where):
    with ucsql.connect(shop, principal="bob") as bob:
        for _ in range(3):  # allowed, and the decision is now cached
            assert bob.sql("GET MODEL VERSION c.s.m VERSION 1").fetchall()
        revoke = "REVOKE EXECUTE ON MODEL c.s.m FROM bob"
        if where == "handle":
            with ucsql.connect(shop, principal="admin") as admin:
                admin.sql(revoke)
        else:  # bob's handle lets the file go when idle; the other process waits for it
            in_another_process(shop, revoke)
        with pytest.raises(PermissionDenied, match="EXECUTE"):
            bob.sql("GET MODEL VERSION c.s.m VERSION 1")


def test_a_name_reused_elsewhere_resolves_to_the_new_object(shop, model_dir):
    with ucsql.connect(shop, principal="admin") as mine, \
            ucsql.connect(shop, principal="admin") as other:
        assert mine.sql("DESCRIBE MODEL c.s.m").fetchall()  # resolved and cached
        other.sql("DROP MODEL c.s.m; CREATE MODEL c.s.m COMMENT 'second'")
        described = dict(mine.sql("DESCRIBE MODEL c.s.m").fetchall())
        assert described["comment"] == "second"
        with pytest.raises(NotFound):
            mine.sql("GET MODEL VERSION c.s.m VERSION 1")  # the old version went with the old m
        other.sql("ALTER MODEL c.s.m RENAME TO c.s.n")
        with pytest.raises(NotFound):
            mine.sql("DESCRIBE MODEL c.s.m")
        assert dict(mine.sql("DESCRIBE MODEL c.s.n").fetchall())["comment"] == "second"


def test_a_grant_to_a_group_elsewhere_is_seen_by_its_members(shop):
    with ucsql.connect(shop, principal="carol") as carol, \
            ucsql.connect(shop, principal="admin") as admin:
        with pytest.raises(PermissionDenied):
            carol.sql("GET MODEL VERSION c.s.m VERSION 1")
        admin.sql("CREATE GROUP g; GRANT USE_CATALOG ON CATALOG c TO g; "
                  "GRANT USE_SCHEMA ON SCHEMA c.s TO g; GRANT EXECUTE ON MODEL c.s.m TO g")
        with pytest.raises(PermissionDenied):  # not a member yet
            carol.sql("GET MODEL VERSION c.s.m VERSION 1")
        admin.sql("ALTER GROUP g ADD USER carol")
        assert carol.sql("GET MODEL VERSION c.s.m VERSION 1").fetchall()
        assert carol.sql("SELECT count(*) FROM system.information_schema.model_versions"
                         ).scalar() == 1
        admin.sql("ALTER GROUP g DROP USER carol")
        with pytest.raises(PermissionDenied):
            carol.sql("GET MODEL VERSION c.s.m VERSION 1")
        assert carol.sql("SELECT count(*) FROM system.information_schema.model_versions"
                         ).scalar() == 0
