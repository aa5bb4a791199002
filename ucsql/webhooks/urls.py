"""Which URLs a webhook may POST to: MLflow's rules (mlflow.utils.validation._validate_webhook_url).

https only, unless more schemes are allowed; a host that resolves only to public addresses,
unless private ones are allowed (a receiver on the same machine or network, tests). The
settings are MLflow's environment variables, read once where an engine or worker is made and
then passed along: ``MLFLOW_WEBHOOK_ALLOWED_SCHEMES`` (comma-separated, default ``https``) and
``MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS`` (``true`` to allow).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import urllib.parse
from dataclasses import dataclass

from ..errors import RefusedUrl

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class UrlRules:
    schemes: tuple[str, ...] = ("https",)
    allow_private: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> UrlRules:
        env = os.environ if environ is None else environ
        schemes = tuple(s.strip().lower() for s in
                        env.get("MLFLOW_WEBHOOK_ALLOWED_SCHEMES", "https").split(",") if s.strip())
        private = env.get("MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS", "false").strip().lower()
        return cls(schemes or ("https",), private in ("1", "true", "yes"))

    def check(self, url: str | None) -> str:
        """``url`` if a webhook may POST to it now, else RefusedUrl saying why and what to do."""
        if not isinstance(url, str) or not url.strip():
            raise RefusedUrl("A webhook needs a URL (URL 'https://host/path').")
        try:
            parsed = urllib.parse.urlparse(url)
            parsed.port  # noqa: B018 (raises on a port that is not a number)
        except ValueError as e:
            raise RefusedUrl(f"The webhook URL {url!r} is not a URL: {e}.") from None
        if parsed.scheme.lower() not in self.schemes:
            raise RefusedUrl(
                f"The webhook URL {url!r} uses {parsed.scheme or 'no scheme'}; allowed: "
                f"{', '.join(self.schemes)}. Use https (or allow http with "
                "MLFLOW_WEBHOOK_ALLOWED_SCHEMES=https,http where the server runs).")
        if not parsed.hostname:
            raise RefusedUrl(f"The webhook URL {url!r} has no host name.")
        if not self.allow_private:
            _public_only(parsed.hostname, url)
        return url


def _public_only(host: str, url: str) -> None:
    """Refuse a host that resolves to an address outside the public internet (loopback,
    private, link-local, CGNAT, also when wrapped in an IPv6 transition address)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as e:
        raise RefusedUrl(f"The webhook URL {url!r}: its host {host!r} does not resolve ({e}). "
                         "Check the host name.") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address):
            embedded = ip.ipv4_mapped or ip.sixtofour
            if embedded is None and ip in _NAT64:
                embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            ip = embedded or ip
        if not ip.is_global:
            raise RefusedUrl(
                f"The webhook URL {url!r} points to {ip}, a private or loopback address; "
                "webhooks go to public hosts only, unless MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS=true "
                "is set where the server (or the delivery worker) runs.")
