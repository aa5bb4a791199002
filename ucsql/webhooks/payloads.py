"""What a delivery sends: the body and headers, as MLflow 3 or the Databricks legacy registry.

MLflow (mlflow/webhooks/delivery.py::_send_webhook_request): the body is
``json.dumps({"entity", "action", "timestamp", "data"})``; headers ``X-MLflow-Delivery-Id``,
``X-MLflow-Timestamp`` (unix seconds of the try) and, with a secret, ``X-MLflow-Signature:
v1,<base64 HMAC-SHA256(secret, "<delivery id>.<timestamp>.<body>")>``. ucsql sends the same
delivery id on every try of one delivery (MLflow makes a new one per call), so a receiver can
drop duplicates; the body's timestamp is the event's, the header's the try's.

Databricks (workspace registry webhooks): a flat body with ``event``, ``webhook_id``,
``event_timestamp`` (ms), ``model_name``, ``version`` ..., and ``X-Databricks-Signature``: the hex
HMAC-SHA256 of the raw body.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
from typing import Any

# The legacy registry's names for the events it has; ucsql's others keep their own, upper-cased.
_DATABRICKS_EVENTS = {
    "registered_model.created": "REGISTERED_MODEL_CREATED",
    "model_version.created": "MODEL_VERSION_CREATED",
    "model_version_tag.set": "MODEL_VERSION_TAG_SET",
    "comment.created": "COMMENT_CREATED",
    # the legacy registry's transition requests are alias requests here
    "alias_request.created": "TRANSITION_REQUEST_CREATED",
}

# MLflow's example payloads (mlflow/webhooks/types.py), for TEST WEBHOOK.
EXAMPLES: dict[str, dict[str, Any]] = {
    "registered_model.created": {"name": "example_model", "tags": {"example_key": "example_value"},
                                 "description": "An example registered model"},
    "model_version.created": {"name": "example_model", "version": "1",
                              "source": "models:/123", "run_id": "abcd1234abcd5678",
                              "tags": {"example_key": "example_value"},
                              "description": "An example model version"},
    "model_version_tag.set": {"name": "example_model", "version": "1", "key": "example_key",
                              "value": "example_value"},
    "model_version_tag.deleted": {"name": "example_model", "version": "1", "key": "example_key"},
    "model_version_alias.created": {"name": "example_model", "alias": "example_alias",
                                    "version": "1"},
    "model_version_alias.deleted": {"name": "example_model", "alias": "example_alias"},
}


def example(event_type: str) -> dict[str, Any]:
    return EXAMPLES.get(event_type, {"name": "example_model"})


def from_databricks(name: str) -> str:
    """A Databricks event name as ucsql's (``MODEL_VERSION_CREATED`` -> ``model_version.created``);
    other names come back unchanged. Stage transitions have no equivalent here (stages are
    aliases: ``model_version_alias.created``); a transition request is an alias request."""
    for ours, theirs in _DATABRICKS_EVENTS.items():
        if name == theirs:
            return ours
    return name


def databricks_event(event_type: str) -> str:
    return _DATABRICKS_EVENTS.get(event_type, event_type.replace(".", "_").upper())


def body(fmt: str, event_type: str, data: dict[str, Any], occurred_at: datetime.datetime,
         webhook_id: str) -> str:
    """The JSON text to POST; the same for every try of a delivery."""
    when = occurred_at.astimezone(datetime.timezone.utc)
    if fmt == "DATABRICKS":
        payload: dict[str, Any] = {
            "event": databricks_event(event_type), "webhook_id": webhook_id,
            "event_timestamp": int(when.timestamp() * 1000), "model_name": data.get("name")}
        if "version" in data:
            payload["version"] = data["version"]
        if "key" in data:
            payload["tags"] = [{"key": data["key"], "value": data.get("value")}]
        extra = {k: v for k, v in data.items() if k not in ("name", "version", "key", "value")}
        payload.update(extra)
        payload["text"] = _text(payload["event"], data)
        return json.dumps(payload)
    entity, _, action = event_type.partition(".")
    return json.dumps({"entity": entity, "action": action, "timestamp": when.isoformat(),
                       "data": data})


def _text(event: str, data: dict[str, Any]) -> str:
    """The Slack-friendly line the legacy registry adds."""
    what = data.get("name", "")
    if "version" in data:
        what += f" version {data['version']}"
    return f"{event}: {what}".strip()


def headers(fmt: str, delivery_id: str, timestamp: int, text: str,
            secret: str | None) -> dict[str, str]:
    if fmt == "DATABRICKS":
        out = {"Content-Type": "application/json"}
        if secret:
            out["X-Databricks-Signature"] = hmac.new(secret.encode(), text.encode(),
                                                     hashlib.sha256).hexdigest()
        return out
    out = {"Content-Type": "application/json", "X-MLflow-Delivery-Id": delivery_id,
           "X-MLflow-Timestamp": str(timestamp)}
    if secret:
        out["X-MLflow-Signature"] = mlflow_signature(secret, delivery_id, str(timestamp), text)
    return out


def mlflow_signature(secret: str, delivery_id: str, timestamp: str, text: str) -> str:
    signed = f"{delivery_id}.{timestamp}.{text}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()
