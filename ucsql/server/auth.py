"""Every request proves who it is with a token, or gets 401.

ASGI middleware in front of everything the server serves (MLflow's REST API and UI, artifacts,
ucsql's own routes). A token comes as ``Authorization: Bearer <token>`` (``MLFLOW_TRACKING_TOKEN``)
or as the password of HTTP Basic with the user's name (``MLFLOW_TRACKING_USERNAME/PASSWORD``, and
what a browser asks for when it sees the 401's ``WWW-Authenticate``). The token is checked by the
engine (``Catalog.authenticate``: a hash compared in constant time, a refusal audited); the
request then runs as its principal, with the token's id on every audit row it writes.

A client that keeps failing is slowed down: after a few failures in a row, each further 401 is
sent later, up to a few seconds, so guessing tokens over HTTP is slow as well as hopeless.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import ipaddress
import json

import anyio

from .. import local_clients, names, serving
from ..api import Catalog
from ..engine import record_refusal
from ..errors import UcsqlError
from .sql_results import RESULT_LINK

FREE_FAILURES = 5        # failures in a row before answers slow down
MAX_DELAY = 5.0          # seconds, at most, before a 401 is sent
_TRACKED_CLIENTS = 10_000  # failure counts kept (oldest forgotten first)

_CHALLENGE = [(b"www-authenticate", b'Basic realm="ucsql", charset="UTF-8"'),
              (b"www-authenticate", b'Bearer realm="ucsql"')]


class Refused(Exception):
    """The request's credentials do not prove who it is (the reason goes in the 401)."""


def credentials(headers: dict[bytes, bytes]) -> tuple[str, str | None]:
    """(token, user named with it, for Basic) from a request's Authorization header."""
    value = headers.get(b"authorization")
    if not value:
        raise Refused("No token: send Authorization: Bearer <token> (MLFLOW_TRACKING_TOKEN), "
                      "or Basic with your user name and a token as the password. "
                      "CREATE TOKEN makes one.")
    try:
        scheme, _, rest = value.decode("latin-1").strip().partition(" ")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        raise Refused("The Authorization header is not text.") from None
    scheme = scheme.lower()
    if scheme == "bearer" and rest.strip():
        return rest.strip(), None
    if scheme == "basic":
        try:
            user, sep, token = base64.b64decode(rest.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise Refused("The Basic credentials are not base64 of user:token.") from None
        if sep and token:
            return token, user
    raise Refused("The Authorization header must be Bearer <token>, or Basic with a user "
                  "name and a token as the password.")


class TokenAuth:
    """ASGI middleware: authenticate, then run the request as the token's principal."""

    def __init__(self, app, catalog: Catalog):
        self.app = app
        self.catalog = catalog
        self._failures: collections.OrderedDict[str, int] = collections.OrderedDict()

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        if scope["type"] == "http" and RESULT_LINK.fullmatch(scope.get("path", "")):
            # A SQL result's external link is its own credential, as Databricks' presigned
            # links are: an unguessable secret that expires, fetched without the Authorization
            # header (ucsql.server.sql_results). Exactly that path shape, nothing else.
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("?", 0))[0]
        headers = dict(scope.get("headers") or [])
        try:
            caller = await anyio.to_thread.run_sync(self._authenticate, headers,
                                                    _on_this_machine(scope), _request_line(scope))
        except Refused as e:
            await self._refuse(client, str(e), scope, send)
            return
        self._failures.pop(client, None)
        base_url = _base_url(scope, headers)
        local = caller.token_id == local_clients.LOCAL_TOKEN_ID
        reset = serving.CALLER.set(serving.Caller(caller, base_url, local))
        try:
            await self.app(scope, receive, send)
        finally:
            serving.CALLER.reset(reset)

    def _authenticate(self, headers: dict[bytes, bytes], on_this_machine: bool,
                      request_line: str) -> Catalog:
        try:
            token, user = credentials(headers)
        except Refused as e:  # no credentials at all, or none that parse: audited like a bad token
            record_refusal(self.catalog.engine, "anonymous", "AUTHENTICATE", request_line,
                           "DENIED", str(e), securable_kind="TOKEN")
            raise
        if local_clients.is_local_credential(token):
            return self._local_client(token, user, on_this_machine)
        try:
            caller = self.catalog.authenticate(token)
        except UcsqlError as e:
            raise Refused(e.message) from None
        if user is not None and user != caller.principal:
            message = (f"The token given with user {user[:100]!r} belongs to another user; "
                       "give your own user name with your own token.")
            record_refusal(self.catalog.engine, user[:255] or "(none)", "AUTHENTICATE",
                           "-- HTTP Basic", "DENIED", message, token_id=caller.token_id)
            raise Refused(message)
        return caller

    def _local_client(self, credential: str, user: str | None, on_this_machine: bool) -> Catalog:
        """A process on this machine that could have opened the metastore itself (it read the
        server's ``.serving`` file): it acts as the principal it names, as it would embedded.
        Accepted only from this machine (loopback, or the server's own address)."""
        server = serving.SERVER.get()
        served = server.local if server is not None else None
        principal = local_clients.principal_of(credential, served) if served else None
        reason = None
        if principal is None:
            reason = ("The local secret is not this server's: read it again from the "
                      "metastore's .serving file (the server may have restarted).")
        elif not on_this_machine:
            reason = "A local secret is accepted only from the server's own machine."
        elif user is not None and user != principal:
            reason = "The user given with the local secret is not the one it names."
        else:
            try:
                names.principal_name(principal)
            except UcsqlError as e:
                reason = e.message
        if reason is not None:
            record_refusal(self.catalog.engine, "anonymous", "AUTHENTICATE", None, "DENIED",
                           reason, securable_kind="TOKEN", token_id=local_clients.LOCAL_TOKEN_ID)
            raise Refused(reason)
        return Catalog(self.catalog.engine, principal, local_clients.LOCAL_TOKEN_ID)

    async def _refuse(self, client: str, message: str, scope, send) -> None:
        failures = self._failures.pop(client, 0) + 1
        self._failures[client] = failures
        while len(self._failures) > _TRACKED_CLIENTS:
            self._failures.popitem(last=False)
        if failures > FREE_FAILURES:
            await asyncio.sleep(min(MAX_DELAY, 0.25 * 2 ** (failures - FREE_FAILURES - 1)))
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401})
            return
        body = json.dumps({"error_code": "UNAUTHENTICATED", "message": message}).encode()
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), *_CHALLENGE]})
        await send({"type": "http.response.body", "body": body})


def _request_line(scope) -> str:
    """What the audit row of a refused request says it was (never its headers: no secrets)."""
    method = scope.get("method") or scope["type"].upper()
    return f"-- HTTP {method} {scope.get('path', '')[:1000]}"


def _on_this_machine(scope) -> bool:
    """Whether the request comes from the server's own machine: a loopback address, or the
    address the server itself listens on."""
    client = (scope.get("client") or ("", 0))[0]
    server = (scope.get("server") or ("", 0))[0]
    try:
        return ipaddress.ip_address(client).is_loopback or client == server
    except ValueError:
        return False


def _base_url(scope, headers: dict[bytes, bytes]) -> str:
    """The address the client reached the server at (for URIs handed back to it)."""
    host = headers.get(b"host", b"").decode("latin-1")
    if not host:
        server_host, port = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server_host}:{port}"
    return f"{scope.get('scheme', 'http')}://{host}"

