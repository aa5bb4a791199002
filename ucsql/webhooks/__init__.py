"""Webhooks: where events go (ucsql.events writes them), signed as MLflow or Databricks sign them.

* ``urls``: which URLs a webhook may POST to (MLflow's rules), checked when a webhook is created
  or changed and again before every try (DNS may have changed).
* ``payloads``: the body and headers of a delivery, MLflow 3's (``X-MLflow-Signature``) or the
  Databricks legacy registry's (``X-Databricks-Signature``).
* ``delivery``: the worker that claims queued deliveries, sends them holding no lease on the
  metastore, and records the outcome (retry with backoff, or dead-letter).
"""
