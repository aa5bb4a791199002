"""Signing in to the explorer, and what protects its forms.

A browser signs in with a user name and a token (``CREATE TOKEN``), checked like any token
(``Catalog.authenticate``: hashed, constant time, refusals audited). The token then travels as
an ``HttpOnly``, ``SameSite=Strict`` cookie scoped to ``/explorer`` (``Secure`` over https), so
scripts cannot read it and other sites cannot send it. ``TokenAuth`` reads it for explorer paths
only; nothing is kept on the server, so several servers can share the sign-in.

Every form that changes something carries a CSRF value derived from the token (an HMAC: it
cannot be computed without the token, and changes with it), and such a request is refused if
its ``Origin`` is another site's.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.parse

PREFIX = "/explorer"
COOKIE = "ucsql_explorer"
OPEN_PATHS = (f"{PREFIX}/login", f"{PREFIX}/static/")  # reachable before signing in


def token_from_cookie(headers: dict[bytes, bytes]) -> str | None:
    """The explorer's cookie, if the request carries it."""
    raw = headers.get(b"cookie", b"").decode("latin-1")
    for part in raw.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and value:
            return urllib.parse.unquote(value)
    return None


def csrf_value(token: str) -> str:
    """The value a form must send back: bound to the signed-in token."""
    return hmac.new(token.encode(), b"ucsql explorer form", hashlib.sha256).hexdigest()


def csrf_ok(token: str | None, sent: str | None) -> bool:
    return bool(token and sent) and hmac.compare_digest(csrf_value(token), str(sent))


def same_origin(headers: dict[str, str], base_url: str) -> bool:
    """Whether a browser request comes from the explorer's own pages (no ``Origin`` header:
    not a cross-site form post by any current browser)."""
    origin = headers.get("origin")
    if origin is None or origin == "null":
        return origin is None and headers.get("sec-fetch-site") in (None, "same-origin", "none")
    return origin.rstrip("/") == base_url.rstrip("/")


def cookie_header(token: str, secure: bool) -> str:
    flags = f"Path={PREFIX}; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")
    return f"{COOKIE}={urllib.parse.quote(token)}; {flags}"


def clear_cookie_header() -> str:
    return f"{COOKIE}=; Path={PREFIX}; Max-Age=0; HttpOnly; SameSite=Strict"
