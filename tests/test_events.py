"""Events written with the change (issue 14, item 1): one row per committed change, in the
change's transaction, whichever interface made it; none for a refused or rolled-back statement;
system.registry.events shows each caller the events of what it may see."""

from __future__ import annotations

import json
import threading

import mlflow
import pytest
from mlflow import MlflowClient

import ucsql
from ucsql.errors import InvalidArgument, NotFound, PermissionDenied

from .conftest import write_model_dir

MODEL = "main.default.iris"


def events(cat: ucsql.Catalog, model: str | None = None) -> list[tuple[str, dict]]:
    rows = cat.sql("SELECT event_type, data, securable_name FROM system.registry.events "
                   "ORDER BY event_id").fetchall()
    return [(t, json.loads(d)) for t, d, name in rows if model is None or name == model]


def test_every_kind_of_change_in_sql_writes_its_event(admin, model_dir):
    admin.sql(f"CREATE MODEL {MODEL} COMMENT 'flowers'")
    admin.sql(f"ALTER MODEL {MODEL} ADD VERSION FROM '{model_dir}' RUN 'r1' TAGS ('k' = 'v')")
    admin.sql(f"ALTER MODEL {MODEL} SET ALIAS champion TO VERSION 1")
    admin.sql(f"ALTER MODEL {MODEL} ADD VERSION FROM '{model_dir}'")
    admin.sql(f"ALTER MODEL {MODEL} SET ALIAS champion TO VERSION 2")  # moved
    admin.sql(f"ALTER MODEL {MODEL} VERSION 1 SET TAGS ('a' = '1', 'b' = '2')")
    admin.sql(f"ALTER MODEL {MODEL} VERSION 1 UNSET TAGS ('a')")
    admin.sql(f"ALTER MODEL {MODEL} SET TAGS ('team' = 'ml')")
    admin.sql(f"ALTER MODEL {MODEL} UNSET TAGS ('team')")
    admin.sql(f"ALTER MODEL {MODEL} DROP ALIAS champion")
    admin.sql(f"GRANT EXECUTE ON MODEL {MODEL} TO `account users`")
    admin.sql(f"REVOKE EXECUTE ON MODEL {MODEL} FROM `account users`")
    admin.sql(f"ALTER MODEL {MODEL} DROP VERSION 1")
    admin.sql(f"ALTER MODEL {MODEL} RENAME TO lily")
    admin.sql("DROP MODEL main.default.lily")
    got = events(admin)
    assert [t for t, _ in got] == [
        "registered_model.created", "model_version.created", "model_version_alias.created",
        "model_version.created", "model_version_alias.created", "model_version_tag.set",
        "model_version_tag.set", "model_version_tag.deleted", "registered_model_tag.set",
        "registered_model_tag.deleted", "model_version_alias.deleted", "grant.created",
        "grant.deleted", "model_version.deleted", "registered_model.renamed",
        "registered_model.deleted"]
    data = [d for _, d in got]
    # MLflow's payload data (mlflow/webhooks/types.py), field for field.
    assert data[0] == {"name": MODEL, "tags": {}, "description": "flowers"}
    assert data[1] == {"name": MODEL, "version": "1", "source": str(model_dir.resolve()),
                       "run_id": "r1", "tags": {"k": "v"}, "description": None}
    assert data[4] == {"name": MODEL, "alias": "champion", "version": "2"}
    assert data[5] == {"name": MODEL, "version": "1", "key": "a", "value": "1"}
    assert data[7] == {"name": MODEL, "version": "1", "key": "a"}
    assert data[10] == {"name": MODEL, "alias": "champion"}
    assert data[11] == {"securable_type": "MODEL", "securable": MODEL,
                        "privileges": ["EXECUTE"], "principals": ["account users"]}
    assert data[14] == {"name": "main.default.lily", "previous_name": MODEL}
    # One stream per model, numbered in commit order.
    seqs = admin.sql("SELECT stream_seq FROM system.registry.events ORDER BY event_id").fetchall()
    assert [s for (s,) in seqs] == list(range(1, len(got) + 1))


def test_a_refused_or_failed_statement_leaves_no_event(admin, model_dir, metastore_path):
    admin.sql(f"CREATE MODEL {MODEL}; CREATE USER bob")
    admin.sql(f"ALTER MODEL {MODEL} ADD VERSION FROM '{model_dir}'")
    before = events(admin)
    bob = ucsql.connect(metastore_path, principal="bob")
    with pytest.raises(PermissionDenied):
        bob.sql(f"ALTER MODEL {MODEL} SET ALIAS champion TO VERSION 1")
    with pytest.raises(NotFound):  # the version does not exist
        admin.sql(f"ALTER MODEL {MODEL} SET ALIAS champion TO VERSION 7")
    # The tag is written, then the statement fails on the tag limit: rolled back, no event.
    many = ", ".join(f"'k{i}' = 'v'" for i in range(60))
    with pytest.raises(InvalidArgument):
        admin.sql(f"ALTER MODEL {MODEL} VERSION 1 SET TAGS ({many})")
    # A script run as one transaction whose last statement fails leaves none of its events.
    with pytest.raises(NotFound):
        with admin.engine.script_transaction():
            admin.sql(f"ALTER MODEL {MODEL} SET ALIAS champion TO VERSION 1")
            admin.sql(f"ALTER MODEL {MODEL} DROP ALIAS nosuch")
    assert events(admin) == before
    bob.close()


def test_the_python_api_s_two_step_registration_writes_version_created(admin, model_dir):
    admin.sql(f"CREATE MODEL {MODEL}")
    pending = admin.reserve_version(MODEL, source="s3://bucket/iris")
    folder = pending.details["storage_location"]
    write_model_dir(__import__("pathlib").Path(folder))
    assert [t for t, _ in events(admin)] == ["registered_model.created"]  # pending: not yet
    admin.finalize_version(MODEL, pending.details["version"])
    kind, data = events(admin)[-1]
    assert kind == "model_version.created"
    assert data["name"] == MODEL and data["version"] == "1" and data["source"] == "s3://bucket/iris"


def test_the_stock_mlflow_client_s_changes_write_mlflow_s_events(admin, metastore_path, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv("UCSQL_PRINCIPAL", "admin")
    monkeypatch.chdir(tmp_path)
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    client = MlflowClient(registry_uri=f"ucsql://{metastore_path}")
    client.create_registered_model(MODEL, description="from mlflow")
    mv = client.create_model_version(MODEL, str(write_model_dir(tmp_path / "m")),
                                     tags={"owner": "ml"})
    client.set_registered_model_alias(MODEL, "champion", mv.version)
    client.set_model_version_tag(MODEL, mv.version, "validated", "yes")
    client.delete_model_version_tag(MODEL, mv.version, "validated")
    client.delete_registered_model_alias(MODEL, "champion")
    got = events(admin, MODEL)
    assert got[0] == ("registered_model.created",
                      {"name": MODEL, "tags": {}, "description": "from mlflow"})
    assert got[1][0] == "model_version.created"
    assert got[1][1]["tags"] == {"owner": "ml"} and got[1][1]["version"] == "1"
    assert got[2:] == [
        ("model_version_alias.created", {"name": MODEL, "alias": "champion", "version": "1"}),
        ("model_version_tag.set", {"name": MODEL, "version": "1", "key": "validated",
                                   "value": "yes"}),
        ("model_version_tag.deleted", {"name": MODEL, "version": "1", "key": "validated"}),
        ("model_version_alias.deleted", {"name": MODEL, "alias": "champion"})]
    who = admin.sql("SELECT DISTINCT principal FROM system.registry.events").fetchall()
    assert who == [("admin",)]


def test_each_caller_sees_the_events_of_what_it_may_see(admin, metastore_path):
    admin.sql("CREATE USER bob; CREATE SCHEMA main.team; CREATE MODEL main.team.seen; "
              "CREATE MODEL main.team.hidden; CREATE MODEL main.team.gone; "
              "GRANT USE CATALOG ON CATALOG main TO bob; "
              "GRANT USE SCHEMA ON SCHEMA main.team TO bob; "
              "GRANT EXECUTE ON MODEL main.team.seen TO bob; "
              "GRANT EXECUTE ON MODEL main.team.gone TO bob; "
              "DROP MODEL main.team.gone")
    with ucsql.connect(metastore_path, principal="bob") as bob:
        seen = {(t, d["name"] if "name" in d else d.get("securable"))
                for t, d in events(bob)}
    assert ("registered_model.created", "main.team.seen") in seen
    assert ("registered_model.deleted", "main.team.gone") in seen  # its schema is visible
    assert not any(name == "main.team.hidden" for _, name in seen)
    # Grants on the schema are events about the schema, which bob sees.
    assert ("grant.created", "main.team") in seen
    # The admin sees everything, the catalog's grant included.
    assert ("grant.created", "main") in {(t, d.get("securable")) for t, d in events(admin)}


def test_concurrent_changes_to_one_model_are_numbered_in_commit_order(admin, model_dir):
    admin.sql(f"CREATE MODEL {MODEL}")
    admin.sql(f"ALTER MODEL {MODEL} ADD VERSION FROM '{model_dir}'")

    def tag(i: int) -> None:
        for j in range(5):
            admin.sql(f"ALTER MODEL {MODEL} VERSION 1 SET TAGS ('t{i}_{j}' = 'x')")
    threads = [threading.Thread(target=tag, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = admin.sql("SELECT event_id, stream_seq FROM system.registry.events "
                     "ORDER BY event_id").fetchall()
    assert [seq for _, seq in rows] == list(range(1, 23))


def test_bulk_imports_and_cascading_drops_write_an_event_per_version_and_model(admin, model_dir):
    import pyarrow as pa
    admin.sql("CREATE SCHEMA main.bulk; CREATE MODEL main.bulk.a; CREATE MODEL main.bulk.b")
    admin.sql(f"ALTER MODEL main.bulk.a ADD VERSION FROM '{model_dir}'")
    tags = pa.array([[("k", "v")], None], pa.map_(pa.string(), pa.string()))
    admin.import_versions("main.bulk.a", pa.table({"source": ["s3://x", "s3://y"], "tags": tags}),
                          files_from=("main.bulk.a", 1))
    admin.sql("DROP SCHEMA main.bulk CASCADE")
    got = [(t, d) for t, d in events(admin)]
    assert got[3:] == [
        ("model_version.created", {"name": "main.bulk.a", "version": "2", "source": "s3://x",
                                   "run_id": None, "tags": {"k": "v"}, "description": None}),
        ("model_version.created", {"name": "main.bulk.a", "version": "3", "source": "s3://y",
                                   "run_id": None, "tags": {}, "description": None}),
        ("registered_model.deleted", {"name": "main.bulk.a"}),
        ("registered_model.deleted", {"name": "main.bulk.b"})]
    seqs = admin.sql("SELECT securable_name, list(stream_seq ORDER BY event_id) "
                     "FROM system.registry.events GROUP BY ALL ORDER BY 1").fetchall()
    assert seqs == [("main.bulk.a", [1, 2, 3, 4, 5]), ("main.bulk.b", [1, 2])]
