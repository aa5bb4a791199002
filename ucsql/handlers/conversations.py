"""Comments on models and versions, and requests that an alias move (issue 14).

Who may do what is the policy's (sql/session/06_authorize.sql): commenting and asking need
READ_METADATA (whoever may see the model); editing a comment needs to be its author
(EDIT_COMMENT, the author as subject); deleting one, its author or whoever may manage the model
(DELETE_COMMENT); approving or rejecting a request, what setting the alias needs (MANAGE_ALIAS);
cancelling it, whoever asked or may decide it (CANCEL_ALIAS_REQUEST). Approving sets the alias
in the request's own transaction, through the same code as ALTER MODEL ... SET ALIAS.
"""

from __future__ import annotations

from sqlglot import exp

from .. import events, names
from ..engine import Context
from ..errors import InvalidArgument, NotFound, PermissionDenied
from ..result import Result
from .models import point_alias
from .namespace import _existing_version


def add_comment(ctx: Context, node: exp.Expression) -> Result:
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("READ_METADATA", model, what=f"comment on {model}")
    version = node.args.get("version")
    number = _existing_version(ctx, model, ctx.value(version)) if version is not None else None
    body = _body(ctx.text(node.args["text"]))
    comment_id = ctx.one("insert_comment", model_id=model.id, version=number,
                         author=ctx.principal, body=body)["comment_id"]
    on = f"{model.full_name} version {number}" if number is not None else model.full_name
    ctx.detail = f"comment {comment_id}"
    events.record(ctx, "comment.created", model, _comment_data(model, comment_id, number,
                                                               ctx.principal, body))
    return Result.done(f"Comment {comment_id} added on {on}.", {"comment_id": comment_id})


def alter_comment(ctx: Context, node: exp.Expression) -> Result:
    row, model = _comment(ctx, node)
    if not ctx.allowed("EDIT_COMMENT", model, subject=row["author"]):
        raise _refused(ctx, f"edit comment {row['comment_id']}",
                       f"only its author, {row['author']}, may edit it")
    body = _body(ctx.text(node.args["text"]))
    ctx.q("update_comment_body", comment_id=row["comment_id"], body=body)
    events.record(ctx, "comment.updated", model, _comment_data(
        model, row["comment_id"], row["version"], row["author"], body))
    return Result.done(f"Comment {row['comment_id']} edited.")


def drop_comment(ctx: Context, node: exp.Expression) -> Result:
    row, model = _comment(ctx, node)
    if not ctx.allowed("DELETE_COMMENT", model, subject=row["author"]):
        raise _refused(ctx, f"delete comment {row['comment_id']}",
                       f"it is {row['author']}'s, and deleting another's comment needs MANAGE "
                       f"on {model}")
    ctx.q("delete_comment", comment_id=row["comment_id"])
    events.record(ctx, "comment.deleted", model, _comment_data(
        model, row["comment_id"], row["version"], row["author"], None))
    return Result.done(f"Comment {row['comment_id']} deleted.")


def show_comments(ctx: Context, node: exp.Expression) -> Result:
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("READ_METADATA", model, what=f"read the comments on {model}")
    version = node.args.get("version")
    number = _existing_version(ctx, model, ctx.value(version)) if version is not None else None
    return ctx.result("show_comments", model_id=model.id, version=number)


def request_alias(ctx: Context, node: exp.Expression) -> Result:
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("READ_METADATA", model, what=f"request an alias of {model}")
    alias = names.alias(node.args["alias"].name)
    number = _existing_version(ctx, model, ctx.value(node.args["version"]))
    comment = names.comment(ctx.text(node.args.get("comment")))
    request_id = ctx.one("insert_alias_request", model_id=model.id, alias=alias, version=number,
                         requested_by=ctx.principal, comment=comment)["request_id"]
    ctx.detail = f"request {request_id}: {alias} -> version {number}"
    events.record(ctx, "alias_request.created", model, {
        "name": model.full_name, "request_id": str(request_id), "alias": alias,
        "version": str(number), "requested_by": ctx.principal, "comment": comment})
    return Result.done(f"Request {request_id}: alias {alias} of {model.full_name} to version "
                       f"{number}, waiting for someone who may set it (APPROVE REQUEST "
                       f"{request_id}).", {"request_id": request_id})


def decide_request(ctx: Context, node: exp.Expression) -> Result:
    request_id = _id(ctx.value(node.this), "request")
    row = ctx.one("alias_request_by_id", request_id=request_id)
    if row is None:
        raise NotFound(f"There is no alias request {request_id}. SHOW ALIAS REQUESTS ON MODEL "
                       "<model> lists a model's requests.")
    model = ctx.securable(row["model_id"])
    decision = node.args["decision"]
    ctx.audit_kind, ctx.audit_name = "MODEL", model.full_name
    ctx.detail = f"request {request_id}: {row['alias']} -> version {row['version']}"
    if decision == "CANCELLED":
        if not ctx.allowed("CANCEL_ALIAS_REQUEST", model, subject=row["requested_by"]):
            raise _refused(ctx, f"cancel request {request_id}",
                           f"{row['requested_by']} asked, and only they or someone who may set "
                           f"aliases of {model} (MANAGE) may cancel it")
    else:
        ctx.authorize("MANAGE_ALIAS", model, what=f"{'approve' if decision == 'APPROVED' else 'reject'}"
                                                  f" request {request_id} on {model}")
    if row["status"] != "PENDING":
        raise InvalidArgument(f"Request {request_id} is {row['status'].lower()} already; only a "
                              "pending request can be approved, rejected or cancelled.")
    comment = names.comment(ctx.text(node.args.get("comment")))
    if not ctx.one("decide_alias_request", request_id=request_id, status=decision,
                   decided_by=ctx.principal, comment=comment):
        raise InvalidArgument(f"Request {request_id} was decided meanwhile; SHOW ALIAS REQUESTS "
                              f"ON MODEL {model.full_name} shows how.")
    events.record(ctx, f"alias_request.{decision.lower()}", model, {
        "name": model.full_name, "request_id": str(request_id), "alias": row["alias"],
        "version": str(row["version"]), "requested_by": row["requested_by"],
        "decided_by": ctx.principal, "comment": comment})
    if decision == "APPROVED":  # the alias moves with the approval, or neither happens
        point_alias(ctx, model, row["alias"], _existing_version(ctx, model, row["version"]))
        return Result.done(f"Request {request_id} approved: alias {row['alias']} of "
                           f"{model.full_name} now points to version {row['version']}.")
    return Result.done(f"Request {request_id} {decision.lower()}.")


def show_alias_requests(ctx: Context, node: exp.Expression) -> Result:
    model = ctx.resolve("MODEL", node.this)
    ctx.authorize("READ_METADATA", model, what=f"list the alias requests on {model}")
    return ctx.result("show_alias_requests", model_id=model.id)


def _comment(ctx: Context, node: exp.Expression):
    comment_id = _id(ctx.value(node.this), "comment")
    row = ctx.one("comment_by_id", comment_id=comment_id)
    model = ctx.securable(row["model_id"]) if row else None
    if row is None or not ctx.allowed("READ_METADATA", model):  # unseen is as good as none
        raise NotFound(f"There is no comment {comment_id} that you may see. SHOW COMMENTS ON "
                       "MODEL <model> lists a model's comments.")
    ctx.audit_kind, ctx.audit_name = "MODEL", model.full_name
    return row, model


def _comment_data(model, comment_id: int, version: int | None, author: str,
                  body: str | None) -> dict:
    data = {"name": model.full_name, "comment_id": str(comment_id), "author": author}
    if version is not None:
        data["version"] = str(version)
    if body is not None:
        data["comment"] = body
    return data


def _body(text: str | None) -> str:
    if not text or not text.strip():
        raise InvalidArgument("A comment needs some text.")
    return names.comment(text)


def _refused(ctx: Context, doing: str, why: str) -> PermissionDenied:
    return PermissionDenied(f"Permission denied: {ctx.principal} cannot {doing}: {why}.",
                            principal=ctx.principal, operation=ctx.action,
                            securable=ctx.audit_name, missing=why)


def _id(value, what: str) -> int:
    text = str(value)
    if len(text) > 19 or not text.isdigit() or int(text) < 1:
        raise InvalidArgument(f"{names.shown(text)} is not a {what} id: ids are 1, 2, 3 ... "
                              f"(SHOW {'COMMENTS' if what == 'comment' else 'ALIAS REQUESTS'} "
                              "ON MODEL <model> lists them).")
    return int(text)
