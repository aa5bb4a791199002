"""MLflow 3's webhook API on the registry store, through the same statements as SQL.

``create_webhook`` is ``CREATE WEBHOOK`` (registry-wide: MLflow's webhooks have no model, so
the admin's), ``update_webhook`` ``ALTER WEBHOOK 'id' SET ...``, ``delete_webhook`` ``DROP
WEBHOOK 'id'``, ``get_webhook`` / ``list_webhooks`` ``SHOW WEBHOOKS``, ``test_webhook`` ``TEST
WEBHOOK``. The secret goes in as a bound parameter, so the audit row's statement never holds it,
and it never comes back: deliveries are signed by ucsql's worker (ucsql.webhooks), not by
MLflow's code, so ``get_webhook`` has no need to hand it out.

Inside ``ucsql serve``, ``list_webhooks_by_event`` answers nothing: MLflow's server handlers
would otherwise deliver each change themselves (at most once, unsigned by ucsql's queue), on
top of ucsql's worker, which delivers every event from every interface.
"""

from __future__ import annotations

from mlflow.entities.webhook import Webhook, WebhookEvent, WebhookStatus, WebhookTestResult
from mlflow.store.entities.paged_list import PagedList
from sqlglot import exp

from . import dialect as d
from .errors import InvalidArgument, NotFound
from .events import MLFLOW_EVENTS

_SECRET = exp.Placeholder(this="secret")


def _lit(value) -> exp.Expression | None:
    return None if value is None else exp.Literal.string(str(value))


def _events(events) -> list[exp.Expression] | None:
    if events is None:
        return None
    if not isinstance(events, (list, tuple)) or not events:
        raise InvalidArgument("Webhook events must be a non-empty list of WebhookEvent objects.")
    return [exp.Literal.string(str(e if isinstance(e, WebhookEvent)
                                   else WebhookEvent.from_str(str(e)))) for e in events]


def _status(status) -> str | None:
    if status is None:
        return None
    value = str(status.value if isinstance(status, WebhookStatus) else status).upper()
    if value not in ("ACTIVE", "DISABLED"):
        raise InvalidArgument(f"Webhook status {status!r} is not ACTIVE or DISABLED.")
    return value


def _ms(ts) -> int:
    return int(ts.timestamp() * 1000)


def _webhook(row: dict) -> Webhook:
    return Webhook(webhook_id=row["webhook_id"], name=row["name"], url=row["url"],
                   events=[WebhookEvent.from_str(e) for e in row["events"] if e in MLFLOW_EVENTS],
                   creation_timestamp=_ms(row["created_at"]),
                   last_updated_timestamp=_ms(row["updated_at"]),
                   description=row["description"], status=WebhookStatus(row["status"]))


def _listed(store) -> list[dict]:
    rows = store._run(d.ShowWebhooks()).table.to_pylist()
    return [r for r in rows if r["model"] == "*"]  # MLflow's webhooks are registry-wide


def _page(rows: list, max_results, page_token) -> PagedList:
    start = int(page_token) if page_token else 0
    size = int(max_results) if max_results else 100
    token = str(start + size) if start + size < len(rows) else None
    return PagedList(rows[start:start + size], token)


def create_webhook(store, name, url, events, description=None, secret=None, status=None):
    node = d.CreateWebhook(this=exp.to_identifier(str(name), quoted=True), url=_lit(url),
                           events=_events(events), description=_lit(description),
                           status=_status(status), secret=_SECRET if secret else None)
    created = store._run(node, {"secret": secret} if secret else None)
    return get_webhook(store, created.details["webhook_id"])


def get_webhook(store, webhook_id):
    for row in store._run(d.ShowWebhooks()).table.to_pylist():
        if row["webhook_id"] == webhook_id:
            return _webhook(row)
    raise NotFound(f"Webhook {webhook_id} does not exist (or you may not manage it).")


def list_webhooks(store, max_results=None, page_token=None):
    return _page([_webhook(r) for r in _listed(store)], max_results, page_token)


def list_webhooks_by_event(store, event, max_results=None, page_token=None):
    if store._server is not None:  # the server's handlers must not deliver: ucsql's worker does
        return PagedList([], None)
    rows = [r for r in _listed(store) if r["status"] == "ACTIVE" and str(event) in r["events"]]
    return _page([_webhook(r) for r in rows], max_results, page_token)


def update_webhook(store, webhook_id, name=None, description=None, url=None, events=None,
                   secret=None, status=None):
    args = {"name": exp.to_identifier(str(name), quoted=True) if name else None,
            "url": _lit(url), "events": _events(events), "description": _lit(description),
            "status": _status(status), "secret": _SECRET if secret is not None else None}
    if any(v is not None for v in args.values()):
        store._run(d.AlterWebhook(this=exp.Literal.string(str(webhook_id)), **args),
                   {"secret": secret} if secret is not None else None)
    return get_webhook(store, webhook_id)


def delete_webhook(store, webhook_id):
    store._run(d.DropWebhook(this=exp.Literal.string(str(webhook_id))))


def test_webhook(store, webhook_id, event=None):
    node = d.TestWebhook(this=exp.Literal.string(str(webhook_id)),
                         event=_lit(str(event)) if event is not None else None)
    details = store._run(node).details
    return WebhookTestResult(success=details["success"], response_status=details["response_status"],
                             response_body=details["response_body"],
                             error_message=details["error_message"])


METHODS = {f.__name__: f for f in (create_webhook, get_webhook, list_webhooks,
                                   list_webhooks_by_event, update_webhook, delete_webhook,
                                   test_webhook)}
