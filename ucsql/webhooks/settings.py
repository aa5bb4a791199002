"""How deliveries are tried (kept apart from the sending code, so that making an engine imports
no HTTP client)."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from typing import Any

from ..errors import UcsqlError


@dataclass(frozen=True)
class DeliverySettings:
    """How deliveries are tried. From the environment (``from_env``) where a worker is made:
    ``UCSQL_WEBHOOK_MAX_TRIES`` (default 8), ``UCSQL_WEBHOOK_BACKOFF`` (seconds before the first
    retry, doubled each time, default 1), ``UCSQL_WEBHOOK_BACKOFF_MAX`` (default 300),
    ``UCSQL_WEBHOOK_CLAIM_SECONDS`` (how long a claimed try is the worker's before it is made
    again, default 120) and MLflow's ``MLFLOW_WEBHOOK_REQUEST_TIMEOUT`` (seconds, default 30)."""

    max_tries: int = 8
    backoff: float = 1.0
    backoff_max: float = 300.0
    timeout: float = 30.0
    claim_seconds: float = 120.0
    batch: int = 20  # deliveries claimed per round
    senders: int = 8  # of them sent at the same time

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> DeliverySettings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, field, kind in (("UCSQL_WEBHOOK_MAX_TRIES", "max_tries", int),
                                  ("UCSQL_WEBHOOK_BACKOFF", "backoff", float),
                                  ("UCSQL_WEBHOOK_BACKOFF_MAX", "backoff_max", float),
                                  ("UCSQL_WEBHOOK_CLAIM_SECONDS", "claim_seconds", float),
                                  ("MLFLOW_WEBHOOK_REQUEST_TIMEOUT", "timeout", float)):
            if env.get(name):
                try:
                    values[field] = kind(env[name])
                except ValueError:
                    raise UcsqlError(f"{name}={env[name]!r} is not a number.") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if settings.max_tries < 1:
            raise UcsqlError("A delivery needs at least one try (UCSQL_WEBHOOK_MAX_TRIES >= 1).")
        return settings

    def delay(self, tries: int, retry_after: float | None) -> float:
        """Seconds before the next try after ``tries`` failed ones: exponential, capped, with
        jitter (up to one more ``backoff``, so that receivers back from an outage are not hit by
        every retry at once), and never sooner than the receiver's Retry-After."""
        wait = min(self.backoff_max, self.backoff * 2 ** max(0, tries - 1))
        wait += random.uniform(0, self.backoff)
        return max(wait, retry_after or 0.0)
