"""Comments and alias requests (issue 14): their privileges walked both ways, each refusal
typed, changing nothing and audited; approval moves the alias in the same transaction; the
activity view merges what happened, filtered like every view."""

from __future__ import annotations

import pytest

import ucsql
from ucsql.errors import InvalidArgument, NotFound, ParseError, PermissionDenied

MLMODEL = """flavors:
  python_function: {loader_module: mlflow.sklearn}
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
"""
MODEL = "main.default.iris"


@pytest.fixture
def cats(tmp_path):
    files = tmp_path / "model"
    files.mkdir()
    (files / "MLmodel").write_text(MLMODEL)
    admin = ucsql.connect(tmp_path / "m.duckdb", principal="admin")
    admin.sql("CREATE USER bob; CREATE USER carol; CREATE USER dana; CREATE GROUP stewards; "
              "ALTER GROUP stewards ADD USER dana; "
              f"CREATE MODEL {MODEL}; ALTER MODEL {MODEL} ADD VERSION FROM '{files}'; "
              f"ALTER MODEL {MODEL} ADD VERSION FROM '{files}'; "
              "GRANT USE CATALOG ON CATALOG main TO bob, dana; "
              "GRANT USE SCHEMA, EXECUTE ON SCHEMA main.default TO bob, dana; "
              f"GRANT MANAGE ON MODEL {MODEL} TO stewards")
    yield {who: admin.as_principal(who) for who in ("admin", "bob", "carol", "dana")}
    admin.close()


def _refused(cat, statement, error=PermissionDenied, match=None):
    with pytest.raises(error, match=match):
        cat.sql(statement)


def _audit(cats, action):
    return cats["admin"].sql("SELECT principal, result FROM system.access.audit WHERE action = ? "
                             "ORDER BY audit_id", [action]).fetchall()


def test_who_may_comment_edit_and_delete(cats):
    bob, carol, dana = cats["bob"], cats["carol"], cats["dana"]
    first = bob.sql(f"ADD COMMENT ON MODEL {MODEL} VERSION 2 'F1 is up 3 points'").details
    assert first == {"comment_id": 1}
    # carol may not see the model: she can neither comment nor find the comment.
    _refused(carol, f"ADD COMMENT ON MODEL {MODEL} 'hi'", match="carol cannot comment")
    _refused(carol, "ALTER COMMENT 1 SET 'mine'", NotFound)
    # Only the author edits; dana (MANAGE through stewards) may delete but not edit.
    _refused(dana, "ALTER COMMENT 1 SET 'edited by dana'", match="only its author, bob")
    bob.sql("ALTER COMMENT 1 SET 'F1 is up 4 points'")
    second = dana.sql(f"ADD COMMENT ON MODEL {MODEL} 'needs a bias check'").details["comment_id"]
    _refused(bob, f"DROP COMMENT {second}", match="needs MANAGE")
    rows = bob.sql(f"SHOW COMMENTS ON MODEL {MODEL}").fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (1, 2, "bob", "F1 is up 4 points"), (second, None, "dana", "needs a bias check")]
    assert [r[0] for r in bob.sql(f"SHOW COMMENTS ON MODEL {MODEL} VERSION 2").fetchall()] == [1]
    dana.sql("DROP COMMENT 1")  # another's, with MANAGE
    bob.sql(f"ADD COMMENT ON MODEL {MODEL} 'third'")
    bob.sql("DROP COMMENT 3")  # one's own, without MANAGE
    assert [r[0] for r in bob.sql(f"SHOW COMMENTS ON MODEL {MODEL}").fetchall()] == [second]
    assert ("carol", "DENIED") in _audit(cats, "ADD_COMMENT")
    assert ("dana", "DENIED") in _audit(cats, "ALTER_COMMENT")
    assert ("bob", "DENIED") in _audit(cats, "DROP_COMMENT")


def test_a_request_is_approved_by_who_may_set_the_alias(cats):
    bob, carol, dana, admin = cats["bob"], cats["carol"], cats["dana"], cats["admin"]
    _refused(carol, f"REQUEST ALIAS Champion ON MODEL {MODEL} VERSION 2")
    _refused(bob, f"ALTER MODEL {MODEL} SET ALIAS Champion TO VERSION 2")  # bob cannot set it
    asked = bob.sql(f"REQUEST ALIAS Champion ON MODEL {MODEL} VERSION 2 COMMENT 'better F1'")
    request = asked.details["request_id"]
    _refused(bob, f"APPROVE REQUEST {request}", match="missing MANAGE")
    _refused(carol, f"REJECT REQUEST {request}")
    _refused(carol, f"CANCEL REQUEST {request}", match="bob asked")
    assert admin.sql(f"SELECT count(*) FROM system.information_schema.model_aliases "
                     f"WHERE full_name = '{MODEL}'").scalar() == 0  # refusals changed nothing
    dana.sql(f"APPROVE REQUEST {request} COMMENT 'bias check passed'")
    assert admin.sql(f"DESCRIBE MODEL {MODEL} ALIAS Champion").fetchall()[1] == ("version", "2")
    _refused(dana, f"REJECT REQUEST {request}", InvalidArgument, match="approved already")
    row = bob.sql(f"SHOW ALIAS REQUESTS ON MODEL {MODEL}").fetchall()[0]
    assert row[:5] == (request, "Champion", 2, "APPROVED", "bob") and row[7] == "dana"
    assert ("bob", "DENIED") in _audit(cats, "APPROVE_ALIAS_REQUEST")
    assert ("carol", "DENIED") in _audit(cats, "CANCEL_ALIAS_REQUEST")
    assert ("dana", "ALLOWED") in _audit(cats, "APPROVE_ALIAS_REQUEST")


def test_requests_are_rejected_cancelled_and_checked(cats):
    bob, dana = cats["bob"], cats["dana"]
    one = bob.sql(f"REQUEST ALIAS Challenger ON MODEL {MODEL} VERSION 1").details["request_id"]
    two = bob.sql(f"REQUEST ALIAS Challenger ON MODEL {MODEL} VERSION 2").details["request_id"]
    dana.sql(f"REJECT REQUEST {one} COMMENT 'too old'")
    bob.sql(f"CANCEL REQUEST {two}")
    statuses = {r[0]: r[3] for r in bob.sql(f"SHOW ALIAS REQUESTS ON MODEL {MODEL}").fetchall()}
    assert statuses == {one: "REJECTED", two: "CANCELLED"}
    _refused(bob, f"REQUEST ALIAS latest ON MODEL {MODEL} VERSION 1", InvalidArgument)
    _refused(bob, f"REQUEST ALIAS Champion ON MODEL {MODEL} VERSION 9", NotFound)
    _refused(bob, "APPROVE REQUEST 999", NotFound)
    _refused(bob, "APPROVE REQUEST", ParseError)
    # A pending request on a version that is dropped can no longer be approved.
    three = bob.sql(f"REQUEST ALIAS Champion ON MODEL {MODEL} VERSION 1").details["request_id"]
    cats["admin"].sql(f"ALTER MODEL {MODEL} DROP VERSION 1")
    _refused(dana, f"APPROVE REQUEST {three}", InvalidArgument, match="cancelled already")


def test_the_activity_view_merges_what_happened_for_those_who_may_see(cats):
    bob, carol, dana = cats["bob"], cats["carol"], cats["dana"]
    bob.sql(f"ADD COMMENT ON MODEL {MODEL} VERSION 1 'ok'")
    request = bob.sql(f"REQUEST ALIAS Champion ON MODEL {MODEL} VERSION 1").details["request_id"]
    dana.sql(f"APPROVE REQUEST {request}")
    rows = bob.sql("SELECT activity, principal, version FROM "
                   "system.information_schema.model_activity WHERE full_name = ? "
                   "ORDER BY event_time, activity", [MODEL]).fetchall()
    assert rows[0] == ("CREATE_MODEL", "admin", None)
    assert ("ADD_MODEL_VERSION", "admin", 2) in rows
    assert ("COMMENT", "bob", 1) in rows and ("ALIAS_REQUEST", "bob", 1) in rows
    assert ("ALIAS_REQUEST_APPROVED", "dana", 1) in rows
    assert not any(r[0].startswith(("GET_", "SHOW_")) for r in rows)  # reads stay in the audit
    for view in ("model_activity", "model_comments", "model_alias_requests"):
        assert carol.sql(f"SELECT count(*) FROM system.information_schema.{view}").scalar() == 0


def test_dropping_a_model_drops_its_conversations(cats):
    bob, admin = cats["bob"], cats["admin"]
    bob.sql(f"ADD COMMENT ON MODEL {MODEL} 'bye'")
    bob.sql(f"REQUEST ALIAS Champion ON MODEL {MODEL} VERSION 2")
    admin.sql(f"DROP MODEL {MODEL}")
    admin.sql(f"CREATE MODEL {MODEL}")
    assert admin.sql(f"SHOW COMMENTS ON MODEL {MODEL}").fetchall() == []
    assert admin.sql(f"SHOW ALIAS REQUESTS ON MODEL {MODEL}").fetchall() == []


def test_each_step_writes_its_event(cats):
    bob, dana = cats["bob"], cats["dana"]
    bob.sql(f"ADD COMMENT ON MODEL {MODEL} VERSION 2 'F1 is up'")
    bob.sql("ALTER COMMENT 1 SET 'F1 is up 4 points'")
    bob.sql("DROP COMMENT 1")
    first = bob.sql(f"REQUEST ALIAS Champion ON MODEL {MODEL} VERSION 2").details["request_id"]
    second = bob.sql(f"REQUEST ALIAS Challenger ON MODEL {MODEL} VERSION 1").details["request_id"]
    dana.sql(f"APPROVE REQUEST {first}")
    dana.sql(f"REJECT REQUEST {second} COMMENT 'no'")
    rows = cats["admin"].sql("SELECT event_type, data FROM system.registry.events "
                             "WHERE event_type LIKE 'comment.%' OR event_type LIKE '%alias%' "
                             "ORDER BY event_id").fetchall()
    assert [r[0] for r in rows] == [
        "comment.created", "comment.updated", "comment.deleted", "alias_request.created",
        "alias_request.created", "alias_request.approved", "model_version_alias.created",
        "alias_request.rejected"]
    assert '"comment": "F1 is up 4 points"' in rows[1][1]
    # A refusal writes none.
    third = bob.sql(f"REQUEST ALIAS Champion ON MODEL {MODEL} VERSION 1").details["request_id"]
    before = cats["admin"].sql("SELECT count(*) FROM system.registry.events").scalar()
    with pytest.raises(PermissionDenied):
        bob.sql(f"APPROVE REQUEST {third}")
    assert cats["admin"].sql("SELECT count(*) FROM system.registry.events").scalar() == before
