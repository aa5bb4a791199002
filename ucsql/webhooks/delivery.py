"""The delivery worker: queued deliveries (sql/queries/insert_event.sql) sent, retried, recorded.

Each round is three steps, and the metastore file is held only in the first and the last:

1. claim due deliveries in one short transaction (sql/queries/claim_deliveries.sql): each is
   marked with this round's claim id for ``claim_seconds``, and counts a try;
2. send them, holding no lease (a slow receiver never blocks the metastore);
3. record each outcome in another short transaction (sql/queries/record_delivery.sql):
   DELIVERED, PENDING again after exponential backoff with jitter (at least what ``Retry-After``
   asks), or DEAD after ``max_tries`` tries, with the last error.

A worker killed between 1 and 3 loses nothing: once its claim runs out the delivery is claimed
again and sent with the same delivery id (at least once; receivers drop duplicates by id). Per
webhook and model only the oldest pending delivery is claimed, so events arrive in commit order.
The URL is checked again before every try (ucsql.webhooks.urls: DNS may have changed), redirects
are not followed and proxies are not used, so a try only reaches an address the rules allow.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import duckdb
import requests

from .. import queries
from ..errors import RefusedUrl, UcsqlError
from . import payloads
from .settings import DeliverySettings
from .urls import UrlRules

_log = logging.getLogger("ucsql.webhooks")


@dataclass
class Outcome:
    """One try: ok (a 2xx answer), the HTTP status, the start of the body, why it failed."""

    ok: bool
    status: int | None = None
    body: str | None = None
    error: str | None = None
    retry_after: float | None = None


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # a proxy would be the peer instead of the checked receiver
    return session


def send(url: str, text: str, headers: dict[str, str], rules: UrlRules,
         settings: DeliverySettings, session: requests.Session | None = None) -> Outcome:
    """POST ``text`` to ``url`` once, after checking the URL again."""
    try:
        rules.check(url)
    except RefusedUrl as e:
        return Outcome(False, error=e.message)
    try:
        response = (session or _session()).post(url, data=text.encode("utf-8"), headers=headers,
                                                timeout=settings.timeout, allow_redirects=False)
    except requests.RequestException as e:
        return Outcome(False, error=f"{type(e).__name__}: {e}"[:1000])
    body = response.text[:1000]
    ok = 200 <= response.status_code < 300
    error = None if ok else f"HTTP {response.status_code}: {body[:200]}"
    return Outcome(ok, response.status_code, body, error, _retry_after(response))


def _retry_after(response: requests.Response) -> float | None:
    """Seconds the receiver asks to wait (Retry-After: seconds or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds())


def send_test(webhook: dict, event_type: str, rules: UrlRules,
              settings: DeliverySettings) -> Outcome:
    """TEST WEBHOOK: MLflow's example payload of ``event_type``, signed, sent once now."""
    delivery_id = str(uuid.uuid4())
    text = payloads.body(webhook["format"], event_type, payloads.example(event_type),
                         datetime.datetime.now(datetime.timezone.utc), webhook["webhook_id"])
    headers = payloads.headers(webhook["format"], delivery_id, int(time.time()), text,
                               webhook["secret"])
    outcome = send(webhook["url"], text, headers, rules, settings)
    # MLflow's test counts any answer below 400 as success.
    outcome.ok = outcome.status is not None and outcome.status < 400
    return outcome


class Worker:
    """Delivers the queued deliveries of one metastore (``ucsql.metastore.Metastore``)."""

    def __init__(self, metastore, rules: UrlRules | None = None,
                 settings: DeliverySettings | None = None):
        self.metastore = metastore
        self.rules = rules or UrlRules.from_env()
        self.settings = settings or DeliverySettings.from_env()
        self.session = _session()

    def run_once(self) -> int:
        """Claim, send and record one batch; returns how many tries were made."""
        claim_id = uuid.uuid4().hex
        try:
            with self.metastore.transaction(prepared=False) as cur:
                _, rows = queries.run(cur, "queries/claim_deliveries", claim_id=claim_id,
                                      claim_seconds=self.settings.claim_seconds,
                                      limit=self.settings.batch)
        except duckdb.TransactionException:  # another worker claimed at the same moment
            return 0
        # At most one delivery per webhook and model is claimed, so sending them side by side
        # keeps each model's order; one slow receiver does not hold back the others.
        if len(rows) <= 1:
            for row in rows:
                self._deliver(row, claim_id)
        else:
            with ThreadPoolExecutor(min(len(rows), self.settings.senders),
                                    thread_name_prefix="ucsql-webhook-send") as pool:
                list(pool.map(lambda row: self._deliver(row, claim_id), rows))
        return len(rows)

    def _deliver(self, row: tuple, claim_id: str) -> None:
        delivery_id, attempts, webhook_id, url, secret, fmt, event_type, data, at = row
        text = payloads.body(fmt, event_type, json.loads(data), at, webhook_id)
        headers = payloads.headers(fmt, delivery_id, int(time.time()), text, secret)
        outcome = send(url, text, headers, self.rules, self.settings, self.session)
        delay = 0.0 if outcome.ok else self.settings.delay(attempts, outcome.retry_after)
        self._record(delivery_id, claim_id, outcome, delay)

    def _record(self, delivery_id: str, claim_id: str, outcome: Outcome, delay: float) -> None:
        for attempt in range(20):
            try:
                with self.metastore.transaction(prepared=False) as cur:
                    queries.run(cur, "queries/record_delivery", delivery_id=delivery_id,
                                claim_id=claim_id, ok=outcome.ok,
                                max_tries=self.settings.max_tries, delay_ms=int(delay * 1000),
                                status=outcome.status, error=outcome.error)
                return
            except duckdb.TransactionException:
                time.sleep(0.01 * (attempt + 1))
        # Unrecorded: the claim runs out and the delivery is tried again (at least once).

    def run(self, stop: threading.Event, idle: float = 1.0) -> None:
        """Deliver until ``stop`` is set, waiting ``idle`` seconds when nothing is due."""
        while not stop.is_set():
            try:
                done = self.run_once()
            except UcsqlError:  # the file is held by another process for long: try later
                done = 0
            except Exception as e:  # noqa: BLE001 - a worker thread must outlive one bad round
                _log.warning("webhook delivery round failed (retried in %ss): %s", idle, e)
                done = 0
            if not done:
                stop.wait(idle)

    def start(self, idle: float = 1.0) -> tuple[threading.Thread, threading.Event]:
        """The worker on a thread of its own (``ucsql serve``); set the event to stop it."""
        stop = threading.Event()
        thread = threading.Thread(target=self.run, args=(stop, idle), daemon=True,
                                  name="ucsql-webhook-delivery")
        thread.start()
        return thread, stop
