"""Events written with the change: one row per committed change a subscriber may care about.

Handlers call :func:`record` where they make the change, through ``ctx``, so the row is written
in ``ctx.cur``'s transaction: a refused or rolled-back statement leaves no event, and every
interface (SQL, the Python API, the MLflow façade, the server) produces the same rows, because
all of them run statements through ``Engine.execute``. The same query queues the deliveries to
the webhooks that subscribe (sql/queries/insert_event.sql), so a committed change always has its
deliveries (ucsql.webhooks sends them).

Event types are MLflow's webhook events (``entity.action``) with the payload ``data`` exactly as
MLflow defines it (mlflow/webhooks/types.py), plus ucsql's own for changes MLflow fires nothing
for (:data:`UCSQL_EVENTS`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import Context, Securable

# The events MLflow 3 defines for models (mlflow.entities.webhook.VALID_ENTITY_ACTIONS).
MLFLOW_EVENTS = (
    "registered_model.created", "model_version.created", "model_version_tag.set",
    "model_version_tag.deleted", "model_version_alias.created", "model_version_alias.deleted",
)
# Changes MLflow's server fires nothing for; ucsql records them too (SQL webhooks may ask).
UCSQL_EVENTS = (
    "registered_model.renamed", "registered_model.deleted", "model_version.deleted",
    "registered_model_tag.set", "registered_model_tag.deleted", "grant.created", "grant.deleted",
    "comment.created", "comment.updated", "comment.deleted", "alias_request.created",
    "alias_request.approved", "alias_request.rejected", "alias_request.cancelled",
)
EVENTS = MLFLOW_EVENTS + UCSQL_EVENTS


def record(ctx: Context, event_type: str, securable: Securable, payload: dict[str, Any]) -> int:
    """Record ``event_type`` about ``securable`` (the model, for version, tag and alias events)
    with MLflow's ``data`` object ``payload``, in the statement's transaction; returns its id."""
    if event_type not in EVENTS:  # a programming error, not a user's
        raise ValueError(f"unknown event type {event_type!r}")
    row = ctx.one("insert_event", event_type=event_type, securable_id=securable.id,
                  securable_kind=securable.kind, securable_name=securable.full_name,
                  schema_id=securable.schema_id if securable.kind == "MODEL" else None,
                  principal=ctx.principal, data=json.dumps(payload))
    return row["event_id"]


def model_created(ctx: Context, model: Securable, description: str | None) -> None:
    record(ctx, "registered_model.created", model,
           {"name": model.full_name, "tags": {}, "description": description})


def version_created(ctx: Context, model: Securable, version: int, source: str | None,
                    run_id: str | None, tags: dict[str, str | None],
                    description: str | None) -> None:
    record(ctx, "model_version.created", model,
           {"name": model.full_name, "version": str(version), "source": source,
            "run_id": run_id, "tags": tags, "description": description})


def tags_set(ctx: Context, model: Securable, version: int | None,
             pairs: list[tuple[str, str | None]]) -> None:
    """One event per tag, as MLflow fires one per set_model_version_tag."""
    for key, value in pairs:
        if version is None:
            record(ctx, "registered_model_tag.set", model,
                   {"name": model.full_name, "key": key, "value": value})
        else:
            record(ctx, "model_version_tag.set", model,
                   {"name": model.full_name, "version": str(version), "key": key, "value": value})


def tags_deleted(ctx: Context, model: Securable, version: int | None, keys: list[str]) -> None:
    for key in keys:
        if version is None:
            record(ctx, "registered_model_tag.deleted", model,
                   {"name": model.full_name, "key": key})
        else:
            record(ctx, "model_version_tag.deleted", model,
                   {"name": model.full_name, "version": str(version), "key": key})
