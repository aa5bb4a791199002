"""CREATE TOKEN, SHOW TOKENS, DROP TOKEN, and checking a token a client presents.

A token reads ``ucsql_<token_id>_<secret>``: the id finds the row, the secret proves the caller
holds it. Only the secret's SHA-256 is stored (migration 0005 says why a fast hash suffices), and
it is compared in constant time. Who may create, list or drop a user's tokens is the policy's
``MANAGE_TOKENS`` (sql/session/06_authorize.sql): the user itself, or the admin.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlglot import exp

from .. import names, queries
from ..dialect import quote_name
from ..engine import Context, Engine, record_refusal
from ..errors import InvalidArgument, NotFound, Unauthenticated
from ..result import Result

DEFAULT_DAYS = 90
MAX_DAYS = 3650
_TOKEN = re.compile(r"ucsql_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
_NO_SUCH_SECRET = hashlib.sha256(b"").hexdigest()  # compared against when the id is unknown


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _user(ctx: Context, node: exp.Expression) -> tuple[str, int]:
    """The user whose tokens a statement is about (``FOR user``, else the caller), and its id;
    checks that the caller may manage that user's tokens."""
    identifier = node.args.get("principal")
    name = names.principal_name(identifier.name) if identifier is not None else ctx.principal
    metastore = ctx.resolve("METASTORE", None)
    ctx.audit_kind, ctx.audit_name = "USER", name
    ctx.authorize("MANAGE_TOKENS", metastore, subject=name,
                  what=f"manage the tokens of {name}")
    if identifier is None:
        return name, ctx.principal_id(name)
    row = ctx.one("principal_by_name", name=name)
    if row is None:
        raise NotFound(f"User {name} does not exist. Create it first: CREATE USER "
                       f"{quote_name(name)}.")
    if row["kind"] != "USER":
        raise InvalidArgument(f"{name} is a group; tokens are for users (a service principal "
                              f"is a user: CREATE USER {quote_name(name + '-ci')}).")
    return name, row["principal_id"]


def create_token(ctx: Context, node: exp.Expression) -> Result:
    name, principal_id = _user(ctx, node)
    days = None if node.args.get("never") else DEFAULT_DAYS
    if node.args.get("days") is not None:
        days = _days(ctx.value(node.args["days"]))
    comment = names.bounded(ctx.text(node.args.get("comment")), "The token's comment",
                            names.MAX_COMMENT)
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    row = ctx.one("insert_token", token_id=token_id, principal_id=principal_id,
                  secret_sha256=_digest(secret), comment=comment, by=ctx.principal, days=days)
    ctx.audit_kind, ctx.audit_name, ctx.detail = "TOKEN", token_id, f"for {name}"
    token = f"ucsql_{token_id}_{secret}"
    until = "never expires" if days is None else f"expires in {days} days"
    return Result.done(
        f"Created token {token_id} for {name}; it {until}. Copy it now, it is not shown again:\n"
        f"{token}",
        details={"token": token, "token_id": token_id, "principal": name,
                 "expires_at": row["expires_at"]})


def _days(value) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_DAYS:
        raise InvalidArgument(f"A token lives 1 to {MAX_DAYS} days (EXPIRES IN <n> DAYS), not "
                              f"{value!r}; write EXPIRES NEVER for a token that never expires.")
    return days


def show_tokens(ctx: Context, node: exp.Expression) -> Result:
    if node.args.get("principal") is None and ctx.is_admin():
        ctx.audit_kind, ctx.audit_name = "METASTORE", "metastore"
        return ctx.result("show_tokens", principal_id=None)
    _, principal_id = _user(ctx, node)
    return ctx.result("show_tokens", principal_id=principal_id)


def drop_token(ctx: Context, node: exp.Expression) -> Result:
    token_id = names.bounded(ctx.text(node.this), "The token id", names.MAX_ID)
    row = ctx.one("token_by_id", token_id=token_id)
    if row is None:
        raise NotFound(f"Token {token_id} does not exist. SHOW TOKENS lists yours.")
    metastore = ctx.resolve("METASTORE", None)
    ctx.audit_kind, ctx.audit_name = "TOKEN", token_id
    ctx.authorize("MANAGE_TOKENS", metastore, subject=row["principal"],
                  what=f"drop a token of {row['principal']}")
    ctx.q("delete_token", token_id=token_id)
    return Result.done(f"Dropped token {token_id} of {row['principal']}; it no longer works.")


def authenticate(engine: Engine, token: str) -> tuple[str, str]:
    """(principal, token_id) of a live token, or Unauthenticated (audited). Never logs the
    token: only its id, and only when it is well formed."""
    match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
    token_id, secret = match.groups() if match else (None, "")
    row = None
    if token_id is not None:
        with engine.metastore.transaction(prepared=False) as cur:
            _, rows = queries.run(cur, "queries/token_by_id", token_id=token_id)
            row = rows[0] if rows else None
    principal, stored, live = row if row else (None, _NO_SUCH_SECRET, False)
    if hmac.compare_digest(_digest(secret), stored) and live and match:
        return principal, token_id
    record_refusal(engine, "anonymous", "AUTHENTICATE", None, "DENIED",
                   "malformed" if match is None else "unknown, dropped or expired token",
                   securable_kind="TOKEN", securable_name=token_id, token_id=token_id)
    raise Unauthenticated("The token is not valid: it is malformed, unknown, dropped or "
                          "expired. Create a new one with CREATE TOKEN.")
