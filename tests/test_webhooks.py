"""Durable webhooks (issue 14, item 2): SQL statements and MLflow's store API, privileges, URL
rules, and deliveries to a real loopback receiver, signed as MLflow signs them, at least once,
in commit order, with the same delivery id on every retry, dead-lettered after N tries, and
surviving kill -9 of the worker."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

import ucsql
from ucsql.errors import (AlreadyExists, InvalidArgument, ParseError, PermissionDenied,
                          RefusedUrl)
from ucsql.webhooks.delivery import Worker
from ucsql.webhooks.settings import DeliverySettings

from .serve_helpers import Server

MODEL = "main.default.iris"
SECRET = "s3cr3t-signing-key"


class Receiver:
    """An HTTP receiver on 127.0.0.1 that records every request, answers ``answers`` in turn
    (then 200), and may hold a request until ``release`` is set."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []
        self.hold = threading.Event()
        self.release = threading.Event()
        self.release.set()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                outer.requests.append({"headers": dict(self.headers), "body": body,
                                       "path": self.path})
                outer.hold.set()
                outer.release.wait(60)
                status, headers = outer.answers.pop(0) if outer.answers else (200, {})
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(b"thanks" if status == 200 else b"try later")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, n: int, timeout: float = 60) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < n:
            assert time.monotonic() < deadline, f"{len(self.requests)} requests, wanted {n}"
            time.sleep(0.02)
        return self.requests

    def close(self):
        self.release.set()
        self.server.shutdown()


def verify_mlflow(request: dict, secret: str) -> dict:
    """Check a delivery as MLflow's documentation tells receivers to: v1 HMAC-SHA256 over
    '<delivery id>.<timestamp>.<body>', base64; returns the parsed body."""
    h = request["headers"]
    signed = f"{h['X-MLflow-Delivery-Id']}.{h['X-MLflow-Timestamp']}.{request['body']}"
    expected = base64.b64encode(hmac.new(secret.encode(), signed.encode(),
                                         hashlib.sha256).digest()).decode()
    version, _, signature = h["X-MLflow-Signature"].partition(",")
    assert version == "v1" and hmac.compare_digest(signature, expected)
    assert abs(int(h["X-MLflow-Timestamp"]) - time.time()) < 300
    return json.loads(request["body"])


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def loopback(monkeypatch):
    """The URL rules a loopback receiver needs (MLflow's settings), and quick retries."""
    monkeypatch.setenv("MLFLOW_WEBHOOK_ALLOWED_SCHEMES", "https,http")
    monkeypatch.setenv("MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS", "true")
    monkeypatch.setenv("UCSQL_WEBHOOK_BACKOFF", "0.05")
    monkeypatch.setenv("UCSQL_WEBHOOK_BACKOFF_MAX", "0.2")


@pytest.fixture
def cat(loopback, metastore_path):
    c = ucsql.connect(metastore_path, principal="admin")
    c.sql(f"CREATE MODEL {MODEL}")
    yield c
    c.close()


def deliver_all(cat: ucsql.Catalog, settings: DeliverySettings | None = None,
                until=lambda: False, timeout: float = 30) -> None:
    """Run the worker until nothing is due and ``until()`` holds (or it times out)."""
    worker = Worker(cat.engine.metastore, cat.engine.webhook_rules,
                    settings or cat.engine.webhook_settings)
    deadline = time.monotonic() + timeout
    while True:
        done = worker.run_once()
        if not done and until():
            return
        assert time.monotonic() < deadline, "deliveries still due"
        if not done:
            time.sleep(0.05)


def deliveries(cat: ucsql.Catalog) -> list[tuple]:
    return cat.sql("SELECT event_type, state, attempts, last_status, last_error, delivery_id "
                   "FROM system.registry.webhook_deliveries ORDER BY event_id").fetchall()


# -- statements ------------------------------------------------------------------------------
def test_a_change_in_sql_is_delivered_signed_as_mlflow_signs(cat, receiver, model_dir):
    cat.sql(f"CREATE WEBHOOK on_versions URL '{receiver.url}' "
            "EVENTS ('model_version.created', 'model_version_alias.created') "
            f"ON MODEL {MODEL} SECRET ? DESCRIPTION 'CI trigger'", [SECRET])
    cat.sql(f"ALTER MODEL {MODEL} ADD VERSION FROM '{model_dir}'")
    cat.sql(f"ALTER MODEL {MODEL} VERSION 1 SET TAGS ('ignored' = 'yes')")  # not subscribed
    cat.sql(f"ALTER MODEL {MODEL} SET ALIAS champion TO VERSION 1")
    deliver_all(cat, until=lambda: len(receiver.requests) >= 2)
    first, second = (verify_mlflow(r, SECRET) for r in receiver.requests)
    assert (first["entity"], first["action"]) == ("model_version", "created")
    assert first["data"]["name"] == MODEL and first["data"]["version"] == "1"
    assert second == {**second, "entity": "model_version_alias", "action": "created",
                      "data": {"name": MODEL, "alias": "champion", "version": "1"}}
    assert [r[:2] for r in deliveries(cat)] == [("model_version.created", "DELIVERED"),
                                                ("model_version_alias.created", "DELIVERED")]
    assert [r["headers"]["X-MLflow-Delivery-Id"] for r in receiver.requests] == [
        r[5] for r in deliveries(cat)]


def test_the_secret_is_never_shown_back(cat, receiver, metastore_path):
    cat.sql(f"CREATE WEBHOOK hook URL '{receiver.url}' EVENTS ('registered_model.created') "
            f"SECRET '{SECRET}'")
    cat.sql(f"ALTER WEBHOOK hook SET SECRET '{SECRET}-2' STATUS DISABLED")
    with pytest.raises(ParseError):  # audited as written, less the secret
        cat.sql(f"ALTER WEBHOOK hook SET SECRET '{SECRET}-3' STATUS SOMETIMES")
    with ucsql.connect(metastore_path, principal="bob") as bob:  # refused: audited too
        with pytest.raises(PermissionDenied):
            bob.sql(f"ALTER WEBHOOK hook SET SECRET '{SECRET}-4'")
    shown = cat.sql("SHOW WEBHOOKS")
    assert "secret" not in shown.columns and "has_secret" in shown.columns
    everything = repr(shown.fetchall()) + repr(cat.sql(
        "SELECT * FROM system.registry.webhooks").fetchall()) + repr(cat.sql(
        "SELECT * FROM system.access.audit").fetchall())
    assert SECRET not in everything
    assert "ALTER WEBHOOK hook SET SECRET '********' STATUS DISABLED" in everything


def test_alter_drop_and_show(cat, receiver):
    cat.sql(f"CREATE WEBHOOK hook URL '{receiver.url}' EVENTS ('registered_model.created')")
    with pytest.raises(AlreadyExists):
        cat.sql(f"CREATE WEBHOOK hook URL '{receiver.url}' EVENTS ('registered_model.created')")
    cat.sql("ALTER WEBHOOK hook SET NAME `hook-2` EVENTS ('grant.created', 'grant.deleted')")
    row = dict(zip(cat.sql("SHOW WEBHOOKS").columns, cat.sql("SHOW WEBHOOKS").fetchone()))
    assert row["name"] == "hook-2" and row["events"] == ["grant.created", "grant.deleted"]
    assert row["model"] == "*" and row["status"] == "ACTIVE" and row["has_secret"] is False
    cat.sql(f"GRANT EXECUTE ON MODEL {MODEL} TO `account users`")
    cat.sql("ALTER WEBHOOK `hook-2` SET STATUS DISABLED")
    cat.sql(f"REVOKE EXECUTE ON MODEL {MODEL} FROM `account users`")  # disabled: not queued
    deliver_all(cat, until=lambda: True)  # what was queued waits while it is disabled
    assert [d[:2] for d in deliveries(cat)] == [("grant.created", "PENDING")]
    assert receiver.requests == []
    cat.sql("ALTER WEBHOOK `hook-2` SET STATUS ACTIVE")
    deliver_all(cat, until=lambda: receiver.requests)
    assert [d[:2] for d in deliveries(cat)] == [("grant.created", "DELIVERED")]
    cat.sql("DROP WEBHOOK `hook-2`")
    assert cat.sql("SHOW WEBHOOKS").fetchall() == []
    assert "does not exist" in cat.sql("DROP WEBHOOK IF EXISTS `hook-2`").message


def test_test_webhook_sends_mlflow_s_example_payload(cat, receiver):
    cat.sql(f"CREATE WEBHOOK hook URL '{receiver.url}' EVENTS ('model_version_tag.set') "
            f"SECRET '{SECRET}'")
    result = cat.sql("TEST WEBHOOK hook")
    assert result.details["success"] is True and result.details["response_status"] == 200
    body = verify_mlflow(receiver.requests[0], SECRET)
    assert body["entity"] == "model_version_tag" and body["data"]["key"] == "example_key"


def test_the_databricks_legacy_format(cat, receiver, model_dir):
    # The legacy registry's event names are taken for the events ucsql has.
    cat.sql(f"CREATE WEBHOOK legacy URL '{receiver.url}' EVENTS ('MODEL_VERSION_CREATED') "
            f"SECRET '{SECRET}' FORMAT DATABRICKS")
    assert cat.sql("SELECT events FROM system.registry.webhooks").fetchone() == (
        ["model_version.created"],)
    with pytest.raises(InvalidArgument) as e:
        cat.sql("ALTER WEBHOOK legacy SET EVENTS ('MODEL_VERSION_TRANSITIONED_TO_PRODUCTION')")
    assert e.value.message == (
        "ucsql has no stages, so no MODEL_VERSION_TRANSITIONED_TO_PRODUCTION event: stages are "
        "aliases here, and setting or moving one is 'model_version_alias.created'.")
    cat.sql(f"ALTER MODEL {MODEL} ADD VERSION FROM '{model_dir}'")
    deliver_all(cat, until=lambda: receiver.requests)
    request = receiver.requests[0]
    expected = hmac.new(SECRET.encode(), request["body"].encode(), hashlib.sha256).hexdigest()
    assert request["headers"]["X-Databricks-Signature"] == expected
    body = json.loads(request["body"])
    assert body["event"] == "MODEL_VERSION_CREATED" and body["model_name"] == MODEL
    assert body["version"] == "1" and isinstance(body["event_timestamp"], int)


# -- privileges and URL rules -----------------------------------------------------------------
def test_model_webhooks_need_manage_and_registry_wide_ones_the_admin(cat, receiver,
                                                                    metastore_path):
    cat.sql("CREATE USER bob; GRANT USE CATALOG ON CATALOG main TO bob; "
            "GRANT USE SCHEMA ON SCHEMA main.default TO bob; "
            f"GRANT EXECUTE ON MODEL {MODEL} TO bob")
    hook = f"URL '{receiver.url}' EVENTS ('model_version.created')"
    with ucsql.connect(metastore_path, principal="bob") as bob:
        with pytest.raises(PermissionDenied) as refused:
            bob.sql(f"CREATE WEBHOOK mine {hook} ON MODEL {MODEL} SECRET '{SECRET}'")
        assert refused.value.message == (
            f"Permission denied: bob cannot create a webhook on MODEL {MODEL}: missing MANAGE "
            f"on MODEL {MODEL}.")
        cat.sql(f"GRANT MANAGE ON MODEL {MODEL} TO bob")
        bob.sql(f"CREATE WEBHOOK mine {hook} ON MODEL {MODEL}")
        with pytest.raises(PermissionDenied) as refused:
            bob.sql(f"CREATE WEBHOOK everything {hook}")
        assert refused.value.message == ("Permission denied: bob cannot create a webhook on "
                                         "every model: missing metastore admin.")
        cat.sql(f"CREATE WEBHOOK admins {hook}")
        assert [r[1] for r in bob.sql("SHOW WEBHOOKS").fetchall()] == ["mine"]
        with pytest.raises(PermissionDenied):
            bob.sql("DROP WEBHOOK admins")
    assert [r[1] for r in cat.sql("SHOW WEBHOOKS").fetchall()] == ["mine", "admins"]
    audit = cat.sql("SELECT action, result, statement FROM system.access.audit "
                    "WHERE principal = 'bob' AND result = 'DENIED' ORDER BY audit_id").fetchall()
    assert [(a, r) for a, r, _ in audit] == [("CREATE_WEBHOOK", "DENIED"),
                                             ("CREATE_WEBHOOK", "DENIED"),
                                             ("DROP_WEBHOOK", "DENIED")]
    assert SECRET not in repr(audit)


def test_a_webhook_outlives_its_model_for_the_admin_to_drop(cat, receiver, metastore_path):
    cat.sql("CREATE USER bob; GRANT USE CATALOG ON CATALOG main TO bob; "
            f"GRANT USE SCHEMA ON SCHEMA main.default TO bob; GRANT MANAGE ON MODEL {MODEL} TO bob")
    with ucsql.connect(metastore_path, principal="bob") as bob:
        bob.sql(f"CREATE WEBHOOK mine URL '{receiver.url}' EVENTS ('registered_model.deleted') "
                f"ON MODEL {MODEL}")
        bob.sql(f"DROP MODEL {MODEL}")
        deliver_all(cat, until=lambda: receiver.requests)
        assert json.loads(receiver.requests[0]["body"])["data"] == {"name": MODEL}
        assert bob.sql("SHOW WEBHOOKS").fetchall() == []
        with pytest.raises(PermissionDenied):
            bob.sql("DROP WEBHOOK mine")
    [(name, model)] = cat.sql("SELECT name, model FROM system.registry.webhooks").fetchall()
    assert (name, model) == ("mine", None)
    cat.sql("DROP WEBHOOK mine")


def test_urls_follow_mlflow_s_rules(metastore_path, monkeypatch, receiver):
    for var in ("MLFLOW_WEBHOOK_ALLOWED_SCHEMES", "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS"):
        monkeypatch.delenv(var, raising=False)
    with ucsql.connect(metastore_path, principal="admin") as cat:
        for url in ("http://example.com/hook", "ftp://example.com/x", "https:///nohost",
                    "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://localhost/x",
                    "https://[::ffff:192.168.1.1]/x"):
            with pytest.raises(RefusedUrl):
                cat.sql(f"CREATE WEBHOOK hook URL '{url}' EVENTS ('model_version.created')")
        with pytest.raises(RefusedUrl) as e:
            cat.sql("CREATE WEBHOOK hook URL 'https://10.1.2.3/hook' EVENTS ('grant.created')")
        assert e.value.message == (
            "The webhook URL 'https://10.1.2.3/hook' points to 10.1.2.3, a private or loopback "
            "address; webhooks go to public hosts only, unless MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS="
            "true is set where the server (or the delivery worker) runs.")
        assert cat.sql("SHOW WEBHOOKS").fetchall() == []
        refused = cat.sql("SELECT result FROM system.access.audit "
                          "WHERE action = 'CREATE_WEBHOOK'").fetchall()
        assert refused == [("FAILED",)] * 8
    # Checked again at send time: a URL allowed when created is refused by a worker whose
    # rules no longer allow it, and nothing is sent.
    monkeypatch.setenv("MLFLOW_WEBHOOK_ALLOWED_SCHEMES", "http")
    monkeypatch.setenv("MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS", "true")
    with ucsql.connect(metastore_path, principal="admin") as cat:
        cat.sql(f"CREATE WEBHOOK hook URL '{receiver.url}' EVENTS ('registered_model.created')")
        monkeypatch.delenv("MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS")
        from ucsql.webhooks.urls import UrlRules
        Worker(cat.engine.metastore, UrlRules.from_env(), DeliverySettings()).run_once()
        cat.sql(f"CREATE MODEL {MODEL}")
        Worker(cat.engine.metastore, UrlRules.from_env(), DeliverySettings()).run_once()
        (event, state, attempts, status, error, _), = deliveries(cat)
        assert state == "PENDING" and attempts == 1 and status is None
        assert "private or loopback" in error
    assert receiver.requests == []


# -- delivery semantics -----------------------------------------------------------------------
def test_a_receiver_that_fails_three_times_gets_it_once_more_with_the_same_id(cat, receiver):
    cat.sql(f"CREATE WEBHOOK hook URL '{receiver.url}' EVENTS ('registered_model.created') "
            f"SECRET '{SECRET}'")
    receiver.answers = [(503, {}), (500, {}), (502, {})]
    cat.sql("CREATE MODEL main.default.other")
    deliver_all(cat, until=lambda: len(receiver.requests) >= 4)
    time.sleep(0.3)
    deliver_all(cat, until=lambda: True)
    assert len(receiver.requests) == 4
    ids = {r["headers"]["X-MLflow-Delivery-Id"] for r in receiver.requests}
    assert len(ids) == 1
    bodies = {r["body"] for r in receiver.requests}
    assert len(bodies) == 1  # the same payload every time
    for r in receiver.requests:
        verify_mlflow(r, SECRET)
    (_, state, attempts, status, error, delivery_id), = deliveries(cat)
    assert (state, attempts, status, error, delivery_id) == ("DELIVERED", 4, 200, None, ids.pop())


def test_retry_after_is_respected(cat, receiver):
    cat.sql(f"CREATE WEBHOOK hook URL '{receiver.url}' EVENTS ('registered_model.created')")
    receiver.answers = [(429, {"Retry-After": "2"})]
    cat.sql("CREATE MODEL main.default.other")
    worker = Worker(cat.engine.metastore, cat.engine.webhook_rules, cat.engine.webhook_settings)
    assert worker.run_once() == 1
    started = time.monotonic()
    while worker.run_once() == 0:
        time.sleep(0.05)
    assert time.monotonic() - started >= 1.8  # not before the 2 s it asked for
    assert [d[1] for d in deliveries(cat)] == ["DELIVERED"]


def test_dead_letter_after_n_tries_does_not_hold_back_later_events(cat, receiver):
    cat.sql(f"CREATE WEBHOOK hook URL '{receiver.url}' "
            "EVENTS ('registered_model_tag.set') ON MODEL main.default.iris")
    receiver.answers = [(500, {})] * 3
    cat.sql(f"ALTER MODEL {MODEL} SET TAGS ('a' = '1')")
    cat.sql(f"ALTER MODEL {MODEL} SET TAGS ('b' = '2')")
    settings = DeliverySettings(max_tries=3, backoff=0.05, backoff_max=0.1)
    deliver_all(cat, settings, until=lambda: len(receiver.requests) >= 4)
    time.sleep(0.2)
    deliver_all(cat, settings, until=lambda: True)
    rows = deliveries(cat)
    assert [(r[1], r[2], r[3]) for r in rows] == [("DEAD", 3, 500), ("DELIVERED", 1, 200)]
    assert rows[0][4].startswith("HTTP 500")
    # Commit order: 'a' was tried (three times) before 'b' was sent.
    keys = [json.loads(r["body"])["data"]["key"] for r in receiver.requests]
    assert keys == ["a", "a", "a", "b"]
    dead = cat.sql("SELECT count(*) FROM system.registry.webhook_deliveries "
                   "WHERE state = 'DEAD'").fetchone()
    assert dead == (1,)


def test_kill_9_of_the_worker_mid_delivery_loses_nothing(cat, receiver, metastore_path,
                                                        monkeypatch):
    cat.sql(f"CREATE WEBHOOK hook URL '{receiver.url}' EVENTS ('registered_model.created') "
            f"SECRET '{SECRET}'")
    cat.sql("CREATE MODEL main.default.other")
    cat.close()
    monkeypatch.setenv("UCSQL_WEBHOOK_CLAIM_SECONDS", "2")
    receiver.release.clear()  # the first request hangs until the worker is dead
    worker = subprocess.Popen([sys.executable, "-m", "ucsql", "webhooks", "deliver",
                               str(metastore_path), "--loop", "--idle", "0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert receiver.hold.wait(120), "the worker sent nothing"
        # While it waits on the receiver, the worker does not hold the file.
        with ucsql.connect(metastore_path, principal="admin") as other:
            assert other.sql("SHOW WEBHOOKS").fetchall()
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
    receiver.release.set()
    time.sleep(2.2)  # the dead worker's claim runs out
    done = subprocess.run([sys.executable, "-m", "ucsql", "webhooks", "deliver",
                           str(metastore_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(receiver.requests) == 2
    first, again = receiver.requests
    assert (first["headers"]["X-MLflow-Delivery-Id"]
            == again["headers"]["X-MLflow-Delivery-Id"])
    assert verify_mlflow(again, SECRET)["data"]["name"] == "main.default.other"
    with ucsql.connect(metastore_path, principal="admin") as cat:
        (_, state, attempts, _, _, _), = deliveries(cat)
        assert (state, attempts) == ("DELIVERED", 2)


# -- MLflow's store API -------------------------------------------------------------------------
def test_mlflow_s_webhook_api_goes_through_the_same_statements(cat, receiver, metastore_path,
                                                              tmp_path, monkeypatch):
    from mlflow.entities.webhook import WebhookEvent, WebhookStatus
    monkeypatch.setenv("UCSQL_PRINCIPAL", "admin")
    monkeypatch.chdir(tmp_path)
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    client = MlflowClient(registry_uri=f"ucsql://{metastore_path}")
    hook = client.create_webhook("ci-hook", receiver.url, ["registered_model.created"],
                                 description="from mlflow", secret=SECRET)
    assert hook.name == "ci-hook" and hook.status == WebhookStatus.ACTIVE
    assert hook.events == [WebhookEvent.from_str("registered_model.created")]
    assert client.get_webhook(hook.webhook_id).description == "from mlflow"
    assert [w.name for w in client.list_webhooks()] == ["ci-hook"]
    store = client._get_registry_client().store
    listed = store.list_webhooks_by_event(WebhookEvent.from_str("registered_model.created"))
    assert [w.webhook_id for w in listed] == [hook.webhook_id]
    result = client.test_webhook(hook.webhook_id)
    assert result.success and result.response_status == 200
    verify_mlflow(receiver.requests[0], SECRET)
    updated = client.update_webhook(hook.webhook_id, status="DISABLED")
    assert updated.status == WebhookStatus.DISABLED
    with pytest.raises(MlflowException) as e:
        client.create_webhook("ci-hook", receiver.url, ["registered_model.created"],
                              secret=SECRET)
    assert e.value.error_code == "RESOURCE_ALREADY_EXISTS"
    client.delete_webhook(hook.webhook_id)
    assert list(client.list_webhooks()) == []
    audit = cat.sql("SELECT statement FROM system.access.audit").fetchall()
    assert SECRET not in repr(audit)
    assert any("CREATE WEBHOOK" in s and "SECRET $secret" in s for (s,) in audit)


# -- the server -------------------------------------------------------------------------------
def test_ucsql_serve_delivers_each_change_once(tmp_path, receiver, loopback):
    server = Server(tmp_path)
    try:
        out = server.client("alice", f"""
            from mlflow import MlflowClient
            c = MlflowClient()
            hook = c.create_webhook("team", "{receiver.url}",
                                    ["registered_model.created", "model_version_alias.created"],
                                    secret="{SECRET}")
            c.create_registered_model("main.default.served")
            test = c.test_webhook(hook.webhook_id)
            print(json.dumps({{"id": hook.webhook_id, "test": [test.success,
                                                               test.response_status]}}))
        """)
        assert out["test"] == [True, 200]
        receiver.wait_for(2)
        with ucsql.connect(server.path, principal="alice") as alice:  # a local client
            alice.sql("CREATE MODEL main.default.by_sql")
        receiver.wait_for(3)
        time.sleep(1.5)  # MLflow's own handlers would have sent theirs by now
        bodies = [verify_mlflow(r, SECRET) for r in receiver.requests]
        names = sorted(b["data"]["name"] for b in bodies)  # the test and the first event race
        assert names == ["example_model", "main.default.by_sql", "main.default.served"]
        with ucsql.connect(server.path, principal="alice") as alice:
            rows = alice.sql("SELECT state, attempts FROM system.registry.webhook_deliveries"
                             ).fetchall()
        assert rows == [("DELIVERED", 1), ("DELIVERED", 1)]
        # The server delivers by itself: the embedded users' command leaves it alone.
        done = subprocess.run([sys.executable, "-m", "ucsql", "webhooks", "deliver", server.path],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and "delivers its webhooks itself" in done.stderr
    finally:
        server.stop()
