"""The catalog explorer (issue 15) in a real browser: Debian's chromium driven by Playwright,
against a real ``ucsql serve``. Sign in, browse to a version, grant a privilege and see it take
effect for another principal, run a query and download it; hostile names render as text; forms
refuse cross-site requests; nothing is shown without a valid token. Screenshots go to
``test-artifacts/explorer/`` (``UCSQL_TEST_ARTIFACTS`` to put them elsewhere)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import requests

import ucsql
from tests.serve_helpers import Server

pytest.importorskip("flask", reason="the server needs the 'server' extra (full mlflow)")
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium "
                                "(apt-get install chromium; .ci/run installs it)")

SHOTS = Path(os.environ.get("UCSQL_TEST_ARTIFACTS",
                            Path(__file__).resolve().parent.parent / "test-artifacts")) / "explorer"
HOSTILE = "<img src=x onerror=alert(1)>\"'</td><script>alert(2)</script>"
MLMODEL = """flavors:
  python_function: {loader_module: mlflow.sklearn, python_version: 3.11.0}
signature:
  inputs: '[{"type": "double", "name": "sepal_length", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explorer")
    s = Server(folder)
    try:
        _fill(s, folder)
    except BaseException:  # a server left running would hold its port and file
        s.stop()
        raise
    yield s
    s.stop()


def _fill(s: Server, folder: Path) -> None:
    files = folder / "model"
    files.mkdir()
    (files / "MLmodel").write_text(MLMODEL)
    (files / "model.pkl").write_bytes(b"weights")
    # A process on the server's machine goes through the server (ucsql.local_clients).
    with ucsql.connect(s.path, principal="alice") as cat:
        cat.sql(f"CREATE MODEL main.default.iris COMMENT 'Iris classifier'; "
                f"ALTER MODEL main.default.iris ADD VERSION FROM '{files}'; "
                "ALTER MODEL main.default.iris SET ALIAS Champion TO VERSION 1; "
                "SET TAG ON MODEL main.default.iris team = 'ml'; "
                "CREATE MODEL main.default.`odd<b>name` COMMENT ?; "
                "SET TAG ON MODEL main.default.`odd<b>name` note = ?", [HOSTILE, HOSTILE])


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _signed_in(browser, server, who):
    context = browser.new_context()
    page = context.new_page()
    alerts = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.alerts = alerts
    page.goto(server.url + "/explorer/")
    assert "/explorer/login" in page.url  # no token, no page: the sign-in form
    page.fill("input[name=user]", who)
    page.fill("input[name=token]", server.tokens[who])
    page.click("button[type=submit]")
    page.wait_for_url("**/explorer/")
    assert page.text_content("#principal") == who
    return page


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_sign_in_and_browse_to_a_version(browser, server):
    page = _signed_in(browser, server, "alice")
    page.click("#catalogs >> text=main")
    page.click("#schemas >> text=default")
    page.click("#models >> text=iris")
    assert page.text_content("#model-name") == "main.default.iris"
    assert page.text_content("#description") == "Iris classifier"
    assert "@Champion" in page.text_content("#aliases")
    assert "team" in page.text_content("#tags")
    page.click("#versions >> a >> text=1")
    assert page.text_content("#version-title") == "main.default.iris version 1"
    assert "READY" in page.text_content("#status")
    assert "sepal_length" in page.text_content("#signature")
    assert len(page.text_content("#digest").strip()) >= 32
    _shot(page, "version")
    page.context.close()


def test_a_wrong_token_does_not_sign_in(browser, server):
    page = browser.new_page()
    page.goto(server.url + "/explorer/login")
    page.fill("input[name=token]", server.tokens["alice"][:-1] + "x")
    page.click("button[type=submit]")
    assert "not valid" in page.text_content(".error")
    page.goto(server.url + "/explorer/models/main.default.iris")
    assert "/explorer/login" in page.url
    page.close()


def test_a_grant_takes_effect_for_another_principal(browser, server):
    carol = _signed_in(browser, server, "carol")
    carol.goto(server.url + "/explorer/catalogs/main/default")  # carol holds nothing yet
    assert "iris" not in carol.text_content("main")
    alice = _signed_in(browser, server, "alice")
    alice.goto(server.url + "/explorer/permissions/catalog/main")
    alice.select_option("select[name=privilege]", "BROWSE")
    alice.fill("input[name=principal]", "carol")
    alice.click("button[value=grant]")
    assert "carol" in alice.text_content("#grants")
    _shot(alice, "permissions")
    carol.goto(server.url + "/explorer/")
    carol.click("#catalogs >> text=main")
    carol.click("#schemas >> text=default")
    assert "iris" in carol.text_content("#models")
    # BROWSE shows metadata, not the files: no signature for carol.
    carol.goto(server.url + "/explorer/models/main.default.iris/versions/1")
    assert carol.query_selector("#signature") is None
    # And carol may not grant: the engine's refusal, shown as a message.
    carol.goto(server.url + "/explorer/permissions/catalog/main")
    carol.select_option("select[name=privilege]", "MANAGE")
    carol.fill("input[name=principal]", "carol")
    assert "cannot show the grants" in carol.text_content("#hidden")  # not hers to see
    carol.click("button[value=grant]")
    assert "Permission denied: carol cannot grant" in carol.text_content(".error")
    with ucsql.connect(server.url, token=server.tokens["alice"]) as cat:
        assert ("carol", "MANAGE", "CATALOG", "main") not in cat.sql(
            "SHOW GRANTS ON CATALOG main").fetchall()
    for page in (alice, carol):
        page.context.close()


def test_run_a_query_and_download_it(browser, server):
    page = _signed_in(browser, server, "alice")
    page.goto(server.url + "/explorer/sql")
    page.fill("textarea[name=q]", "SELECT full_name, owner FROM "
                                  "system.information_schema.registered_models ORDER BY 1")
    page.click("#run")
    assert "main.default.iris" in page.text_content("#result")
    _shot(page, "sql")
    for kind in ("CSV", "Parquet"):
        answer = page.context.request.get(server.url + page.get_attribute(f"text={kind}", "href"))
        assert answer.ok, kind
        data = pa.BufferReader(answer.body())
        table = pacsv.read_csv(data) if kind == "CSV" else pq.read_table(data)
        assert table.to_pylist()[0] == {"full_name": "main.default.iris", "owner": "alice"}
    for statement in ("DROP MODEL main.default.iris", "SELECT 1; DROP MODEL main.default.iris"):
        page.goto(server.url + "/explorer/sql?q=" + requests.utils.quote(statement))
        assert "one read-only query" in page.text_content(".error")
    page.goto(server.url + "/explorer/models/main.default.iris")  # still there
    assert page.text_content("#model-name") == "main.default.iris"
    page.goto(server.url + "/explorer/charts")
    assert page.query_selector("#versions-chart rect") is not None
    _shot(page, "charts")
    page.context.close()


def test_hostile_names_comments_and_tags_render_as_text(browser, server):
    page = _signed_in(browser, server, "alice")
    page.goto(server.url + "/explorer/catalogs/main/default")
    page.click("#models >> text=odd<b>name")
    assert page.text_content("#description") == HOSTILE
    assert HOSTILE in page.text_content("#tags")
    assert page.query_selector("main img, main script") is None
    assert [b.get_attribute("id") for b in page.query_selector_all("main b")] == ["owner"]
    page.goto(server.url + "/explorer/?q=" + requests.utils.quote("note=" + HOSTILE))
    assert "odd<b>name" in page.text_content("#found")
    page.goto(server.url + "/explorer/sql?q=" + requests.utils.quote(
        "SELECT comment FROM system.information_schema.registered_models WHERE comment LIKE '<img%'"))
    assert HOSTILE in page.text_content("#result")
    assert page.query_selector("main img, main script") is None
    assert page.alerts == []
    _shot(page, "hostile")
    page.context.close()


def test_forms_refuse_cross_site_and_tokenless_requests(browser, server):
    page = _signed_in(browser, server, "alice")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    page.context.close()
    form = server.url + "/explorer/models/main.default.iris/comment"
    # The cookie alone, without the page's CSRF value: refused, nothing changed.
    answer = requests.post(form, data={"comment": "forged"}, cookies=cookies, timeout=60,
                           allow_redirects=False)
    assert answer.status_code == 403
    # A right-looking value from another site's page: refused too.
    from ucsql.explorer.session import csrf_value
    value = csrf_value(server.tokens["alice"])
    answer = requests.post(form, data={"comment": "forged", "csrf": value}, cookies=cookies,
                           headers={"Origin": "https://evil.example"}, timeout=60,
                           allow_redirects=False)
    assert answer.status_code == 403
    # No token at all: 401, as every route.
    assert requests.post(form, data={"comment": "forged"}, timeout=60).status_code == 401
    with ucsql.connect(server.url, token=server.tokens["alice"]) as cat:
        comment = cat.sql("SELECT comment FROM system.information_schema.registered_models "
                          "WHERE full_name = 'main.default.iris'").scalar()
        refused = cat.sql("SELECT count(*) FROM system.access.audit WHERE action = "
                          "'EXPLORER_FORM' AND result = 'DENIED'").scalar()
    assert comment == "Iris classifier" and refused == 2
    # From the page itself it works.
    answer = requests.post(form, data={"comment": "Iris, v2", "csrf": value}, cookies=cookies,
                           headers={"Origin": server.url}, timeout=60, allow_redirects=False)
    assert answer.status_code == 303


def test_request_an_alias_and_approve_it(browser, server):
    bob = _signed_in(browser, server, "bob")  # EXECUTE on main.default: may ask, not set
    bob.goto(server.url + "/explorer/models/main.default.iris")
    bob.fill("#request-form input[name=alias]", "Challenger")
    bob.fill("#request-form input[name=version]", "1")
    bob.fill("#request-form input[name=comment]", HOSTILE)
    bob.click("#request-form button")
    assert "waiting for someone who may set it" in bob.text_content(".note")
    assert HOSTILE in bob.text_content("#requests")
    bob.click("#requests button.approve")  # bob may not approve: the engine says why
    assert "missing MANAGE" in bob.text_content(".error")
    bob.goto(server.url + "/explorer/models/main.default.iris")
    bob.fill("#comment-form textarea", "Challenger looks " + HOSTILE)
    bob.click("#comment-form button")
    assert ("Challenger looks " + HOSTILE) in bob.text_content("#comments")
    alice = _signed_in(browser, server, "alice")
    alice.goto(server.url + "/explorer/models/main.default.iris")
    alice.click("#requests button.approve")
    assert "approved" in alice.text_content(".note")
    assert "@Challenger" in alice.text_content("#aliases")
    assert "APPROVED" in alice.text_content("#requests")
    assert "ALIAS_REQUEST_APPROVED" in alice.text_content("#alias-history")
    assert "COMMENT" in alice.text_content("#activity")
    assert alice.query_selector("main img, main script") is None and bob.alerts == []
    _shot(alice, "approved")
    for page in (alice, bob):
        page.context.close()


def test_the_audit_page_is_the_admin_s(browser, server):
    alice = _signed_in(browser, server, "alice")
    alice.goto(server.url + "/explorer/audit?result=DENIED")
    assert "DENIED" in alice.text_content("#audit")
    _shot(alice, "audit")
    bob = _signed_in(browser, server, "bob")
    bob.goto(server.url + "/explorer/audit")
    assert "Permission denied" in bob.text_content(".error")
    for page in (alice, bob):
        page.context.close()
