"""Personal access tokens: CREATE TOKEN shows the secret once, only its hash is kept, and a
token proves who the caller is until it is dropped or expires (issue 13, identity)."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

import ucsql
from ucsql.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated

from .conftest import audit_rows


def _token(cat: ucsql.Catalog, statement: str = "CREATE TOKEN") -> str:
    return cat.sql(statement).details["token"]


def test_a_token_is_shown_once_and_proves_its_principal(admin, metastore_path):
    result = admin.sql("CREATE TOKEN COMMENT 'laptop'")
    token = result.details["token"]
    assert token in result.message and "not shown again" in result.message
    assert admin.authenticate(token).principal == "admin"
    listed = admin.sql("SHOW TOKENS")
    assert listed.columns[:3] == ["token_id", "principal", "comment"]
    assert listed.fetchall()[0][:3] == (result.details["token_id"], "admin", "laptop")
    secret = token.rsplit("_", 1)[-1][-20:]
    everything = repr(listed.fetchall()) + repr(admin.sql(
        "SELECT * FROM system.access.audit").fetchall())
    assert secret not in everything
    admin.close()
    assert secret.encode() not in metastore_path.read_bytes()  # only its hash is stored


@pytest.mark.parametrize("spoil", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character flipped
    lambda t: t.replace("ucsql_", "ucsql-"),
    lambda t: t[:30],
    lambda t: "",
    lambda t: t + " ",
    lambda t: "ucsql_" + "0" * 16 + "_" + t.rsplit("_", 1)[-1].rjust(43, "x")[-43:],
])
def test_anything_but_the_token_is_refused_and_audited(admin, spoil):
    token = _token(admin)
    with pytest.raises(Unauthenticated, match="The token is not valid.*CREATE TOKEN"):
        admin.authenticate(spoil(token))
    refused = [row for row in audit_rows(admin) if row[1] == "AUTHENTICATE"]
    assert len(refused) == 1 and refused[0][0] == "anonymous" and refused[0][3] == "DENIED"


def test_a_dropped_or_expired_token_stops_working(admin, metastore_path):
    dropped, expiring = _token(admin), _token(admin, "CREATE TOKEN EXPIRES IN 1 DAYS")
    admin.sql("DROP TOKEN ?", [dropped.split("_")[1]])
    with pytest.raises(Unauthenticated):
        admin.authenticate(dropped)
    assert admin.authenticate(expiring).principal == "admin"
    admin.close()
    with duckdb.connect(str(metastore_path)) as con:  # two days pass
        con.execute("UPDATE ucsql_token SET expires_at = now() - INTERVAL 1 DAY, "
                    "created_at = now() - INTERVAL 2 DAY")
    cat = ucsql.connect(metastore_path, principal="admin")
    with pytest.raises(Unauthenticated):
        cat.authenticate(expiring)
    assert cat.sql("SHOW TOKENS").fetchall()[0][-1] is True  # the expired column
    cat.close()


def test_users_manage_their_own_tokens_and_the_admin_everyones(admin):
    admin.sql("CREATE USER bob; CREATE USER `svc-ci`; CREATE GROUP team")
    bob = admin.as_principal("bob")
    mine = _token(bob)
    assert admin.authenticate(mine).principal == "bob"
    ci = _token(admin, "CREATE TOKEN FOR `svc-ci` COMMENT 'nightly' EXPIRES NEVER")
    assert admin.authenticate(ci).principal == "svc-ci"
    for statement in ("CREATE TOKEN FOR `svc-ci`", "SHOW TOKENS FOR `svc-ci`",
                      f"DROP TOKEN '{ci.split('_')[1]}'"):
        with pytest.raises(PermissionDenied, match="bob cannot .*tokens? of svc-ci: missing metastore admin"):
            bob.sql(statement)
    assert [r[1] for r in bob.sql("SHOW TOKENS").fetchall()] == ["bob"]
    assert sorted(r[1] for r in admin.sql("SHOW TOKENS").fetchall()) == ["bob", "svc-ci"]
    with pytest.raises(InvalidArgument, match="team is a group; tokens are for users"):
        admin.sql("CREATE TOKEN FOR team")
    with pytest.raises(NotFound, match="User nosuch does not exist.*CREATE USER nosuch"):
        admin.sql("CREATE TOKEN FOR nosuch")
    with pytest.raises(NotFound, match="Token 0123456789abcdef does not exist"):
        bob.sql("DROP TOKEN '0123456789abcdef'")
    admin.sql("DROP USER `svc-ci`")  # its tokens go with it
    with pytest.raises(Unauthenticated):
        admin.authenticate(ci)


@pytest.mark.parametrize("days", ["0", "3651", "?"])
def test_a_lifetime_out_of_range_is_refused(admin, days):
    with pytest.raises(InvalidArgument, match="A token lives 1 to 3650 days"):
        admin.sql(f"CREATE TOKEN EXPIRES IN {days} DAYS", ["soon"] if days == "?" else None)
    assert admin.sql("SHOW TOKENS").fetchall() == []


def test_the_cli_prints_a_new_token(admin, metastore_path):
    admin.close()
    out = subprocess.run([sys.executable, "-m", "ucsql", str(metastore_path), "-c",
                          "CREATE TOKEN COMMENT 'ci'"], capture_output=True, text=True,
                         env={**os.environ, "UCSQL_PRINCIPAL": "admin"}, check=True).stdout
    token = next(word for word in out.split() if word.startswith("ucsql_"))
    with ucsql.connect(metastore_path, principal="admin") as cat:
        assert cat.authenticate(token).principal == "admin"


def test_every_audit_row_of_a_token_holder_names_the_token(admin):
    admin.sql("CREATE USER bob")
    created = admin.sql("CREATE TOKEN FOR bob")
    bob = admin.authenticate(created.details["token"])
    bob.sql("SHOW CATALOGS")
    with pytest.raises(PermissionDenied):
        bob.sql("CREATE CATALOG nope")
    rows = admin.sql("SELECT principal, action, result, token_id FROM system.access.audit "
                     "WHERE principal = 'bob' ORDER BY audit_id").fetchall()
    token_id = created.details["token_id"]
    assert rows == [("bob", "SHOW_CATALOGS", "ALLOWED", token_id),
                    ("bob", "CREATE_CATALOG", "DENIED", token_id)]
    assert admin.sql("SELECT count(*) FROM system.access.audit WHERE principal = 'admin' "
                     "AND token_id IS NOT NULL").scalar() == 0
