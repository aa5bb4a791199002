"""CREATE, ALTER, DROP, SHOW and TEST WEBHOOK.

A webhook on a model needs MANAGE_WEBHOOK on it (who may manage the model), one on every model
the admin (ADMIN): both decided by sql/session/06_authorize.sql. Its URL must pass the delivery
rules (ucsql.webhooks.urls) of this engine. Its secret is stored (signing needs it) but never
shown: not by SHOW WEBHOOKS or the system views, and not in the audit row, whose statement text
the engine keeps with the secret masked (ucsql.dialect.mask_secrets).
"""

from __future__ import annotations

import re
import uuid

from sqlglot import exp

from .. import dialect as d
from .. import events, names
from ..webhooks import payloads
from ..engine import Context, Securable
from ..errors import AlreadyExists, InvalidArgument, NotFound
from ..result import Result

# MLflow's rule for webhook names (mlflow.utils.validation._WEBHOOK_NAME_REGEX).
_NAME = re.compile(r"(?=.{1,63}$)[a-z0-9]([a-z0-9._-]*[a-z0-9])?", re.IGNORECASE)
def webhook_name(text: str | None) -> str:
    if text is None or not _NAME.fullmatch(text):
        raise InvalidArgument(f"Webhook name {names.shown(text)} is not valid: 1 to 63 letters, "
                              "digits, dots, underscores and hyphens, starting and ending with a "
                              "letter or digit (quote it with backticks if it has . or -).")
    return text


def _events(ctx: Context, nodes: list[exp.Expression]) -> list[str]:
    """The events a webhook subscribes to. The Databricks legacy registry's names are taken for
    the events ucsql has (MODEL_VERSION_CREATED ...), so a migrated webhook keeps its list."""
    chosen = []
    for node in nodes:
        event = ctx.text(node)
        event = payloads.from_databricks(event) if event else event
        if isinstance(event, str) and event.startswith(("MODEL_VERSION_TRANSITIONED",
                                                        "TRANSITION_REQUEST")):
            raise InvalidArgument(f"ucsql has no stages, so no {event} event: stages are "
                                  "aliases here, and setting or moving one is "
                                  "'model_version_alias.created'.")
        if event not in events.EVENTS:
            raise InvalidArgument(f"Unknown webhook event {names.shown(event)}; events are: "
                                  f"{', '.join(events.EVENTS)}.")
        if event not in chosen:
            chosen.append(event)
    if not chosen:
        raise InvalidArgument("A webhook needs at least one event in EVENTS (...).")
    return chosen


def _secret(ctx: Context, node: exp.Expression) -> str | None:
    secret = ctx.text(node.args.get("secret"))
    if secret is not None and not secret:
        raise InvalidArgument("A webhook secret cannot be empty; leave SECRET out for none.")
    return names.bounded(secret, "The webhook secret", names.MAX_COMMENT)


def _authorize(ctx: Context, model_id: int | None, what: str) -> None:
    """MANAGE_WEBHOOK on the model, or ADMIN for a registry-wide webhook."""
    if model_id is None:
        ctx.authorize("ADMIN", ctx.resolve("METASTORE", None), what=what)
    else:
        ctx.authorize("MANAGE_WEBHOOK", ctx.securable(model_id), what=what)


def _existing(ctx: Context, ref: exp.Expression) -> dict:
    """The webhook a statement names (a name, or the id as a string), authorized for managing."""
    by_id = isinstance(ref, exp.Literal)
    value = ctx.text(ref)
    row = ctx.one("webhook", name=None if by_id else value, webhook_id=value if by_id else None)
    ctx.audit_kind, ctx.audit_name = "WEBHOOK", value
    if row is None:
        raise NotFound(f"Webhook {value} does not exist. SHOW WEBHOOKS lists the ones you manage.")
    # A webhook whose model was dropped since is left to the admin.
    gone = row["model_id"] is not None and row["model_name"] is None
    _authorize(ctx, None if gone else row["model_id"], f"manage webhook {row['name']}")
    ctx.audit_kind, ctx.audit_name = "WEBHOOK", row["name"]
    return row


def create_webhook(ctx: Context, node: exp.Expression) -> Result:
    name = webhook_name(ctx.text(node.this))
    model: Securable | None = None
    if node.args.get("model") is not None:
        model = ctx.resolve("MODEL", node.args["model"])
        ctx.authorize("MANAGE_WEBHOOK", model, what=f"create a webhook on {model}")
    else:
        _authorize(ctx, None, "create a webhook on every model")
    ctx.audit_kind, ctx.audit_name = "WEBHOOK", name
    chosen = _events(ctx, node.args["events"])
    url = ctx.engine.webhook_rules.check(ctx.text(node.args["url"]))
    if ctx.one("webhook", name=name, webhook_id=None):
        raise AlreadyExists(f"Webhook {name} already exists; choose another name, or change it "
                            f"with ALTER WEBHOOK {d.quote_name(name)} SET ...")
    row = ctx.one("insert_webhook", webhook_id=uuid.uuid4().hex, name=name, url=url,
                  events=chosen, model_id=model.id if model else None,
                  description=names.comment(ctx.text(node.args.get("description"))),
                  secret=_secret(ctx, node), format=node.args.get("format") or "MLFLOW",
                  status=node.args.get("status") or "ACTIVE", by=ctx.principal)
    ctx.detail = f"on {model.full_name if model else 'every model'}: {', '.join(chosen)}"
    details = {k: v for k, v in row.items() if k != "secret"}
    details.update(model_name=model.full_name if model else None,
                   has_secret=row["secret"] is not None)
    return Result.done(f"Created webhook {name} ({row['webhook_id']}) for "
                       f"{model.full_name if model else 'every model'}.", details)


def alter_webhook(ctx: Context, node: exp.Expression) -> Result:
    row = _existing(ctx, node.this)
    new_name = node.args.get("name")
    new_name = webhook_name(ctx.text(new_name)) if new_name is not None else None
    if new_name and new_name != row["name"] and ctx.one("webhook", name=new_name, webhook_id=None):
        raise AlreadyExists(f"Webhook {new_name} already exists; choose another name.")
    url = node.args.get("url")
    url = ctx.engine.webhook_rules.check(ctx.text(url)) if url is not None else None
    chosen = _events(ctx, node.args["events"]) if node.args.get("events") else None
    set_secret = "secret" in node.args and (node.args.get("secret") is not None
                                            or bool(node.args.get("remove_secret")))
    set_description = node.args.get("description") is not None
    ctx.q("update_webhook", webhook_id=row["webhook_id"], name=new_name, url=url, events=chosen,
          description=names.comment(ctx.text(node.args.get("description"))),
          set_description=set_description, secret=_secret(ctx, node) if set_secret else None,
          set_secret=set_secret, status=node.args.get("status"), by=ctx.principal)
    changed = [w for w, arg in (("name", new_name), ("url", url), ("events", chosen),
                                ("secret", set_secret or None),
                                ("description", set_description or None),
                                ("status", node.args.get("status"))) if arg]
    ctx.detail = "changed " + ", ".join(changed)
    return Result.done(f"Changed the {', '.join(changed)} of webhook {new_name or row['name']}.",
                       {"webhook_id": row["webhook_id"]})


def drop_webhook(ctx: Context, node: exp.Expression) -> Result:
    try:
        row = _existing(ctx, node.this)
    except NotFound:
        if node.args.get("exists"):
            ctx.detail = "did not exist"
            return Result.done(f"Webhook {ctx.audit_name} does not exist; nothing dropped.")
        raise
    ctx.q("delete_webhook", webhook_id=row["webhook_id"])
    return Result.done(f"Dropped webhook {row['name']}; nothing more is sent to it.")


def show_webhooks(ctx: Context, node: exp.Expression) -> Result:
    model_id = None
    if node.args.get("model") is not None:
        model = ctx.resolve("MODEL", node.args["model"])
        ctx.authorize("MANAGE_WEBHOOK", model, what=f"list the webhooks of {model}")
        model_id = model.id
    return ctx.result("show_webhooks", model_id=model_id, principal=ctx.principal)


def test_webhook(ctx: Context, node: exp.Expression) -> Result:
    """POST MLflow's example payload of an event to the webhook now (MLflow's test_webhook)."""
    from ..webhooks import delivery
    row = _existing(ctx, node.this)
    event = ctx.text(node.args.get("event")) or row["events"][0]
    if event not in events.EVENTS:
        raise InvalidArgument(f"Unknown webhook event {names.shown(event)}; events are: "
                              f"{', '.join(events.EVENTS)}.")
    outcome = delivery.send_test(row, event, ctx.engine.webhook_rules,
                                 ctx.engine.webhook_settings)
    ctx.detail = f"{event}: " + ("answered " + str(outcome.status) if outcome.status
                                 else outcome.error or "")
    message = (f"Webhook {row['name']} answered {outcome.status}." if outcome.status else
               f"Webhook {row['name']} could not be reached: {outcome.error}")
    return Result.done(message, {"success": outcome.ok, "response_status": outcome.status,
                                 "response_body": outcome.body, "error_message": outcome.error})
