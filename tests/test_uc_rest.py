"""Unity Catalog REST 2.1 on ``ucsql serve`` (issue 13, item 4): the stock ``unitycatalog-client``
SDK and MLflow's ``uc:`` registry scheme against a real server on 127.0.0.1, as token holders
with ucsql's privileges and audit."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import requests

import ucsql
from tests.serve_helpers import Server

pytest.importorskip("flask", reason="the server needs the 'server' extra (full mlflow)")
uc = pytest.importorskip("unitycatalog.client")

from unitycatalog.client.exceptions import ApiException  # noqa: E402
from unitycatalog.client.models import (  # noqa: E402
    CreateCatalog,
    CreateModelVersion,
    CreateRegisteredModel,
    CreateSchema,
    PermissionsChange,
    Privilege,
    SecurableType,
    UpdateModelVersion,
    UpdatePermissions,
    UpdateRegisteredModel,
)

API = "/api/2.1/unity-catalog"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("uc"))
    yield s
    s.stop()


def sdk(server: Server, who: str, work):
    """Run ``await work(client)`` with the SDK's ApiClient, authenticated as ``who``."""
    async def main():
        config = uc.Configuration(host=server.url + API)
        async with uc.ApiClient(config, header_name="Authorization",
                                header_value=f"Bearer {server.tokens[who]}") as client:
            return await work(client)
    return asyncio.run(main())


def call(server: Server, who: str | None, method: str, route: str, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {server.tokens[who]}"} if who else {}
    return requests.request(method, server.url + API + route, headers=headers, timeout=60,
                            **kwargs)


def refused(work) -> ApiException:
    """The ApiException an SDK call raises (it must raise one)."""
    async def catch(client):
        try:
            await work(client)
        except ApiException as e:
            return e
        raise AssertionError("the call was not refused")
    return catch


def _model_folder(tmp: Path) -> Path:
    """A real MLflow model folder with a signature (what finalize requires)."""
    import mlflow.sklearn
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    X, y = load_iris(return_X_y=True, as_frame=True)
    folder = tmp / "saved"
    if not folder.exists():
        mlflow.sklearn.save_model(LogisticRegression(max_iter=300).fit(X, y), str(folder),
                                  input_example=X.iloc[[0]])
    return folder


def _local(uri: str) -> Path:
    parsed = urllib.parse.urlparse(uri)
    assert parsed.scheme == "file", uri
    return Path(urllib.request.url2pathname(parsed.path))


def test_uc_routes_answer_401_without_a_valid_token(server):
    valid = server.tokens["bob"]
    flipped = valid[:-1] + ("A" if valid[-1] != "A" else "B")
    for route in ("/catalogs", "/models?max_results=1", "/metastore_summary",
                  "/permissions/catalog/main", "/effective-permissions/catalog/main"):
        for token in (None, flipped, server.dropped):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            answer = requests.get(server.url + API + route, headers=headers, timeout=60)
            assert answer.status_code == 401, (route, answer.text[:200])
            assert answer.json()["error_code"] == "UNAUTHENTICATED"
    assert call(server, "bob", "GET", "/catalogs").status_code == 200


def test_the_sdk_creates_lists_and_pages_catalogs_schemas_and_models(server):
    async def work(client):
        catalogs, schemas = uc.CatalogsApi(client), uc.SchemasApi(client)
        models = uc.RegisteredModelsApi(client)
        made = await catalogs.create_catalog(CreateCatalog(name="prod", comment="Production"))
        await schemas.create_schema(CreateSchema(name="ml", catalog_name="prod"))
        for name in ("a", "b", "c"):
            await models.create_registered_model(CreateRegisteredModel(
                name=name, catalog_name="prod", schema_name="ml", comment=f"model {name}"))
        first = await models.list_registered_models(catalog_name="prod", schema_name="ml",
                                                    max_results=2)
        second = await models.list_registered_models(catalog_name="prod", schema_name="ml",
                                                     max_results=2,
                                                     page_token=first.next_page_token)
        renamed = await models.update_registered_model("prod.ml.c", UpdateRegisteredModel(
            comment="the third", new_name="c2"))
        got = await models.get_registered_model("prod.ml.c2")
        await models.delete_registered_model("prod.ml.b")
        gone = await refused(lambda c: uc.RegisteredModelsApi(c).get_registered_model(
            "prod.ml.b"))(client)
        return (made, await catalogs.list_catalogs(), await schemas.list_schemas("prod"),
                first, second, renamed, got, gone)

    started = int(time.time() * 1000)
    made, listed, schemas, first, second, renamed, got, gone = sdk(server, "alice", work)
    assert (made.name, made.comment, made.owner) == ("prod", "Production", "alice")
    assert started - 60_000 < made.created_at <= int(time.time() * 1000)  # epoch milliseconds
    assert [c.name for c in listed.catalogs] == ["main", "prod"]
    assert [(s.full_name, s.owner) for s in schemas.schemas] == [("prod.ml", "alice")]
    assert [m.full_name for m in first.registered_models] == ["prod.ml.a", "prod.ml.b"]
    assert first.next_page_token
    assert [m.full_name for m in second.registered_models] == ["prod.ml.c"]
    assert second.next_page_token is None
    assert (renamed.full_name, renamed.comment) == ("prod.ml.c2", "the third")
    assert (got.name, got.catalog_name, got.schema_name, got.owner) == ("c2", "prod", "ml", "alice")
    assert gone.status == 404 and json.loads(gone.body)["error_code"] == "NOT_FOUND"


def test_a_tampered_page_token_or_a_malformed_request_is_a_400(server):
    first = call(server, "alice", "GET", "/models", params={"max_results": 1}).json()
    token = first["next_page_token"]
    decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    other = base64.urlsafe_b64encode(decoded.replace(b'"models:', b'"catalogs')).decode()
    for bad in ("garbage!!", token[:-2], token + "x" * 7, other,
                base64.urlsafe_b64encode(b"[1, 2]").decode(), "%00", "e30"):
        answer = call(server, "alice", "GET", "/models",
                      params={"max_results": 1, "page_token": bad})
        assert answer.status_code == 400, (bad, answer.status_code, answer.text[:200])
        assert answer.json()["error_code"] == "INVALID_ARGUMENT"
    for size in ("-1", "abc", "100000"):
        assert call(server, "alice", "GET", "/catalogs",
                    params={"max_results": size}).status_code == 400
    answer = call(server, "alice", "POST", "/catalogs", data=b"{not json")
    assert answer.status_code == 400 and "not valid JSON" in answer.json()["message"]
    answer = call(server, "alice", "POST", "/catalogs", json={"name": 7})
    assert answer.status_code == 400 and answer.json()["message"] == "name must be a non-empty string."
    answer = call(server, "alice", "GET", "/no/such/route")
    assert answer.status_code == 404 and answer.json()["error_code"] == "NOT_FOUND"
    answer = call(server, "alice", "POST", "/temporary-model-version-credentials", json={})
    assert answer.status_code == 501 and "no temporary cloud credentials" in answer.json()["message"]


def test_versions_stay_pending_until_finalized_with_complete_files(server, tmp_path):
    saved = _model_folder(tmp_path)

    async def work(client):
        models, versions = uc.RegisteredModelsApi(client), uc.ModelVersionsApi(client)
        await models.create_registered_model(CreateRegisteredModel(
            name="iris", catalog_name="main", schema_name="default"))
        pending = await versions.create_model_version(CreateModelVersion(
            model_name="iris", catalog_name="main", schema_name="default", source="runs:/r/model",
            comment="first"))
        empty = await refused(lambda c: uc.ModelVersionsApi(c).finalize_model_version(
            "main.default.iris", pending.version))(client)
        still = await versions.get_model_version("main.default.iris", pending.version)
        shutil.copytree(saved, _local(pending.storage_location), dirs_exist_ok=True)
        ready = await versions.finalize_model_version("main.default.iris", pending.version)
        again = await refused(lambda c: uc.ModelVersionsApi(c).finalize_model_version(
            "main.default.iris", pending.version))(client)
        got = await versions.get_model_version("main.default.iris", pending.version)
        abandoned = await versions.create_model_version(CreateModelVersion(
            model_name="iris", catalog_name="main", schema_name="default", source="x"))
        page1 = await versions.list_model_versions("main.default.iris", max_results=1)
        page2 = await versions.list_model_versions("main.default.iris", max_results=1,
                                                   page_token=page1.next_page_token)
        commented = await versions.update_model_version(
            "main.default.iris", 1, UpdateModelVersion(comment="checked"))
        await versions.delete_model_version("main.default.iris", abandoned.version)
        return pending, empty, still, ready, again, got, abandoned, page1, page2, commented

    pending, empty, still, ready, again, got, abandoned, page1, page2, commented = sdk(
        server, "alice", work)
    upload = _local(pending.storage_location)
    assert pending.status.value == "PENDING_REGISTRATION" and pending.version == 1
    assert empty.status == 400 and "no MLmodel file" in json.loads(empty.body)["message"]
    assert still.status.value == "PENDING_REGISTRATION"  # a refused finalize changed nothing
    assert (ready.status.value, ready.comment, ready.source) == ("READY", "first", "runs:/r/model")
    assert again.status == 400 and "only a pending version" in json.loads(again.body)["message"]
    # The READY version's files are its managed copy, not the upload folder (removed).
    managed = _local(got.storage_location)
    assert managed != upload and not upload.exists()
    assert (managed / "MLmodel").read_bytes() == (saved / "MLmodel").read_bytes()
    assert [v.version for v in page1.model_versions] == [1] and page1.next_page_token
    assert [(v.version, v.status.value) for v in page2.model_versions] == [
        (2, "PENDING_REGISTRATION")]
    assert commented.comment == "checked"
    assert not _local(abandoned.storage_location).exists()  # dropped with its folder


def test_mlflow_uc_scheme_registers_a_logged_model_and_loads_it(server):
    script = """
        import os, mlflow, mlflow.sklearn
        from mlflow.exceptions import MlflowException
        from sklearn.datasets import load_iris
        from sklearn.linear_model import LogisticRegression
        # What a user sets for MLflow's uc: scheme: the token in MLFLOW_UC_OSS_TOKEN.
        os.environ["MLFLOW_UC_OSS_TOKEN"] = os.environ.pop("MLFLOW_TRACKING_TOKEN")
        server_url = os.environ.pop("MLFLOW_TRACKING_URI")
        mlflow.set_registry_uri("uc:" + server_url)  # runs stay in a local store
        mlflow.set_tracking_uri("sqlite:///" + os.path.abspath("uc-client-runs.db"))
        X, y = load_iris(return_X_y=True, as_frame=True)
        out = {}
        if os.environ.get("REGISTER"):
            with mlflow.start_run():
                info = mlflow.sklearn.log_model(
                    LogisticRegression(max_iter=300).fit(X, y), name="model",
                    input_example=X.iloc[[0]], registered_model_name="main.default.uc_iris")
            out["registered"] = info.registered_model_version
        try:
            model = mlflow.pyfunc.load_model("models:/main.default.uc_iris/1")
            out["predicted"] = model.predict(X.iloc[[0, 100]]).tolist()
        except MlflowException as e:
            out["refused"] = [e.error_code, e.message]
        print(json.dumps(out))
    """
    import os
    os.environ["REGISTER"] = "1"
    try:
        alice = server.client("alice", script)
    finally:
        del os.environ["REGISTER"]
    assert alice == {"registered": 1, "predicted": [0, 2]}
    assert server.client("bob", script)["predicted"] == [0, 2]  # EXECUTE on main.default
    code, message = server.client("carol", script)["refused"]
    assert code == "PERMISSION_DENIED" and "Permission denied: carol cannot" in message, message


def test_permissions_get_patch_and_effective_permissions(server):
    async def work(client):
        grants = uc.GrantsApi(client)
        await grants.update(SecurableType.CATALOG, "prod", UpdatePermissions(changes=[
            PermissionsChange(principal="bob", add=[Privilege.USE_CATALOG], remove=[])]))
        on_schema = await grants.update(SecurableType.SCHEMA, "prod.ml", UpdatePermissions(
            changes=[PermissionsChange(principal="bob", add=[Privilege.USE_SCHEMA,
                                                             Privilege.EXECUTE], remove=[])]))
        bobs = await grants.get(SecurableType.SCHEMA, "prod.ml", principal="bob")
        return on_schema, bobs

    on_schema, bobs = sdk(server, "alice", work)
    assert [(a.principal, sorted(p.value for p in a.privileges))
            for a in on_schema.privilege_assignments] == [("bob", ["EXECUTE", "USE SCHEMA"])]
    assert [a.principal for a in bobs.privilege_assignments] == ["bob"]
    effective = call(server, "bob", "GET", "/effective-permissions/registered_model/prod.ml.a",
                     params={"principal": "bob"}).json()
    assert effective == {"privilege_assignments": [{"principal": "bob", "privileges": [
        {"privilege": "USE CATALOG", "inherited_from_type": "CATALOG", "inherited_from_name": "prod"},
        {"privilege": "EXECUTE", "inherited_from_type": "SCHEMA", "inherited_from_name": "prod.ml"},
        {"privilege": "USE SCHEMA", "inherited_from_type": "SCHEMA", "inherited_from_name": "prod.ml"},
    ]}]}
    # One invalid change refuses the whole PATCH: nothing of it is applied.
    answer = call(server, "alice", "PATCH", "/permissions/schema/prod.ml", json={"changes": [
        {"principal": "bob", "remove": ["EXECUTE"]},
        {"principal": "bob", "add": ["SELECT"]}]})
    assert answer.status_code == 400 and "models have no SELECT privilege" in answer.json()["message"]
    kept = call(server, "alice", "GET", "/permissions/schema/prod.ml").json()
    assert kept == {"privilege_assignments": [{"principal": "bob",
                                               "privileges": ["EXECUTE", "USE SCHEMA"]}]}
    removed = call(server, "alice", "PATCH", "/permissions/schema/prod.ml", json={"changes": [
        {"principal": "bob", "add": [], "remove": ["EXECUTE"]}]}).json()
    assert removed == {"privilege_assignments": [{"principal": "bob", "privileges": ["USE SCHEMA"]}]}


def test_two_token_holders_get_the_privileges_of_sql(server):
    """carol holds nothing on prod: she sees no prod, cannot create in it or change its
    grants (403, nothing changed); bob (USE CATALOG, USE SCHEMA) sees a model of prod once he
    holds EXECUTE on it, and still cannot drop it."""
    async def carol(client):
        listed = await uc.CatalogsApi(client).list_catalogs()
        create = await refused(lambda c: uc.RegisteredModelsApi(c).create_registered_model(
            CreateRegisteredModel(name="mine", catalog_name="prod", schema_name="ml")))(client)
        grant = await refused(lambda c: uc.GrantsApi(c).update(
            SecurableType.CATALOG, "prod", UpdatePermissions(changes=[PermissionsChange(
                principal="carol", add=[Privilege.USE_CATALOG], remove=[])])))(client)
        return listed, create, grant

    listed, create, grant = sdk(server, "carol", carol)
    assert [c.name for c in listed.catalogs] == ["main"]
    for refusal in (create, grant):
        assert refusal.status == 403, refusal.body
        body = json.loads(refusal.body)
        assert body["error_code"] == "PERMISSION_DENIED"
        assert body["message"].startswith("Permission denied: carol cannot")
    def bob_sees():
        models = call(server, "bob", "GET", "/models", params={"catalog_name": "prod",
                                                               "schema_name": "ml"}).json()
        return [m["full_name"] for m in models["registered_models"]]
    assert bob_sees() == []  # lists leave out what he may not see
    assert call(server, "alice", "PATCH", "/permissions/registered_model/prod.ml.a", json={
        "changes": [{"principal": "bob", "add": ["EXECUTE"]}]}).status_code == 200
    assert bob_sees() == ["prod.ml.a"]
    answer = call(server, "bob", "DELETE", "/models/prod.ml.a")
    assert answer.status_code == 403 and answer.json()["error_code"] == "PERMISSION_DENIED"
    assert call(server, "alice", "GET", "/models/prod.ml.a").status_code == 200
    # Ownership moves with PATCH owner; the new owner may then drop the model.
    moved = call(server, "alice", "PATCH", "/models/prod.ml.c2", json={"owner": "bob"}).json()
    assert (moved["full_name"], moved["owner"]) == ("prod.ml.c2", "bob")
    assert call(server, "bob", "DELETE", "/models/prod.ml.c2").status_code == 200
    assert call(server, "alice", "GET", "/models/prod.ml.c2").json()["error_code"] == "NOT_FOUND"
    assert call(server, "alice", "GET", "/permissions/catalog/prod").json() == {
        "privilege_assignments": [{"principal": "bob", "privileges": ["USE CATALOG"]}]}


HOSTILE = ["", ".", "..", "a.b.c.d.e", "main", "main.default", "main.default.iris", "prod.ml.a",
           "\x00", "\x7f", "é ü", "a/b", "%2e%2e", "`x`", "'; DROP TABLE ucsql_grant; --",
           "x" * 300, "-1", "0", "99999999999999999999", "true", "{}"]
BODY_VALUES = [None, 7, -1, 2 ** 70, True, [], {}, ["USE CATALOG"], "\ud800", *HOSTILE]
FIELDS = ("name", "catalog_name", "schema_name", "model_name", "comment", "owner", "new_name",
          "storage_root", "source", "run_id", "version", "principal", "changes")
TEMPLATES = [
    ("GET", "/catalogs"), ("POST", "/catalogs"), ("GET", "/catalogs/{v}"),
    ("PATCH", "/catalogs/{v}"), ("DELETE", "/catalogs/{v}"), ("GET", "/schemas"),
    ("POST", "/schemas"), ("GET", "/schemas/{v}"), ("PATCH", "/schemas/{v}"),
    ("DELETE", "/schemas/{v}"), ("GET", "/models"), ("POST", "/models"),
    ("GET", "/models/{v}"), ("PATCH", "/models/{v}"), ("DELETE", "/models/{v}"),
    ("POST", "/models/versions"), ("GET", "/models/{v}/versions"),
    ("GET", "/models/{v}/versions/{v}"), ("PATCH", "/models/{v}/versions/{v}"),
    ("DELETE", "/models/{v}/versions/{v}"), ("PATCH", "/models/{v}/versions/{v}/finalize"),
    ("GET", "/permissions/{v}/{v}"), ("PATCH", "/permissions/catalog/{v}"),
    ("PATCH", "/permissions/{v}/prod"), ("GET", "/effective-permissions/schema/{v}"),
    ("GET", "/metastore_summary"),
]


def _state(server) -> dict:
    """Everything carol could change outside main.default, as alice lists it."""
    state = {}
    for route in ("/catalogs", "/schemas?catalog_name=prod", "/schemas?catalog_name=main",
                  "/models?catalog_name=prod", "/permissions/catalog/prod",
                  "/permissions/schema/prod.ml", "/permissions/catalog/main",
                  "/models/prod.ml.a/versions"):
        answer = call(server, "alice", "GET", route)
        assert answer.status_code == 200, (route, answer.text[:200])
        state[route] = answer.json()
    return state


def test_hostile_requests_get_no_500_and_refusals_change_nothing(server):
    """Every route with hostile names, numbers, page sizes, page tokens and bodies, as carol:
    answers are UC's JSON, never a 500, and nothing outside what carol may change changes."""
    before = _state(server)
    seen = set()
    for i, (method, template) in enumerate(TEMPLATES):
        for j, value in enumerate(HOSTILE):
            # Dot segments spelled %2E: an HTTP client would resolve them before sending.
            segment = urllib.parse.quote(value, safe="").replace(".", "%2E") or "%20"
            route = template.replace("{v}", segment)
            body_value = BODY_VALUES[(i + j) % len(BODY_VALUES)]
            body = {f: body_value for f in FIELDS}
            params = {"max_results": value, "page_token": value, "catalog_name": value,
                      "schema_name": HOSTILE[(i * j) % len(HOSTILE)], "principal": value,
                      "force": "true"}
            answer = call(server, "carol", method, route, params=params,
                          data=json.dumps(body).encode())
            assert answer.status_code < 500, (method, route, body_value, answer.text[:300])
            if answer.status_code >= 400:
                assert set(answer.json()) == {"error_code", "message"}, answer.text[:300]
            seen.add(answer.status_code)
    assert {400, 403, 404} <= seen
    assert _state(server) == before


def test_refusals_are_audited_with_the_token_id(server):
    server.stop()
    token_of = {who: t.split("_")[1] for who, t in server.tokens.items()}
    with ucsql.connect(server.path, principal="alice") as cat:
        rows = cat.sql("SELECT principal, action, result, securable_name, token_id "
                       "FROM system.access.audit WHERE principal IN ('bob', 'carol') "
                       "AND result = 'DENIED' ORDER BY audit_id").fetchall()
        # A page token refused by the REST layer itself is audited too.
        tampered = cat.sql("SELECT count(*) FROM system.access.audit WHERE action = 'UC_REST' "
                           "AND result = 'FAILED' AND token_id = ?", [token_of["alice"]]).fetchall()
    denied = {(who, action, name) for who, action, _, name, _ in rows}
    assert ("carol", "CREATE_MODEL", "prod.ml.mine") in denied
    assert ("carol", "GRANT", "prod") in denied
    assert ("bob", "DROP_MODEL", "prod.ml.a") in denied
    for who, action, _, _, token_id in rows:
        assert token_id == token_of[who], (who, action, token_id)
    assert tampered[0][0] >= 7
