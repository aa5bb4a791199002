"""Statement handlers: one function per statement kind, each ``(ctx, node) -> Result``.

A handler resolves names, calls ``ctx.authorize`` once per securable it touches (before changing
anything), then changes the metastore through named queries. The engine wraps it in the
transaction and writes the audit row.
"""

from __future__ import annotations

from sqlglot import exp

from .. import dialect as d
from ..errors import UnsupportedStatement
from . import (access, conversations, looking, maintenance, models, namespace, tokens,
               webhooks)

_HANDLERS = {
    d.CreateSecurable: namespace.create_securable,
    d.DropSecurable: namespace.drop_securable,
    d.CommentOn: namespace.comment_on,
    d.SetOwner: namespace.set_owner,
    d.RenameModel: namespace.rename_model,
    d.SetTags: namespace.set_tags,
    d.UnsetTags: namespace.unset_tags,
    d.AddModelVersion: models.add_model_version,
    d.ImportModelVersions: models.import_model_versions,
    d.ReserveModelVersion: models.reserve_model_version,
    d.FinalizeModelVersion: models.finalize_model_version,
    d.DropModelVersion: models.drop_model_version,
    d.SetModelAlias: models.set_alias,
    d.DropModelAlias: models.drop_alias,
    d.GetModel: models.get_model,
    d.GetModelVersion: models.get_model_version,
    exp.Grant: access.grant,
    exp.Revoke: access.revoke,
    d.CreateGroup: access.create_group,
    d.DropGroup: access.drop_group,
    d.CreateUser: access.create_user,
    d.DropUser: access.drop_user,
    d.AlterGroup: access.alter_group,
    d.ShowGrants: access.show_grants,
    d.ShowGrantsTo: access.show_grants_to,
    d.CreateToken: tokens.create_token,
    d.ShowTokens: tokens.show_tokens,
    d.DropToken: tokens.drop_token,
    d.CreateWebhook: webhooks.create_webhook,
    d.AlterWebhook: webhooks.alter_webhook,
    d.DropWebhook: webhooks.drop_webhook,
    d.ShowWebhooks: webhooks.show_webhooks,
    d.TestWebhook: webhooks.test_webhook,
    d.ShowCatalogs: looking.show_catalogs,
    d.ShowSchemas: looking.show_schemas,
    d.ShowModels: looking.show_models,
    d.ShowVersions: looking.show_versions,
    d.ShowGroups: looking.show_groups,
    d.ShowGroupMembers: looking.show_group_members,
    d.DescribeSecurable: looking.describe,
    d.CollectGarbage: maintenance.collect_garbage,
    d.BackupMetastore: maintenance.backup,
    d.CheckStorage: maintenance.check,
    d.AddComment: conversations.add_comment,
    d.AlterComment: conversations.alter_comment,
    d.DropComment: conversations.drop_comment,
    d.ShowComments: conversations.show_comments,
    d.RequestAlias: conversations.request_alias,
    d.DecideAliasRequest: conversations.decide_request,
    d.ShowAliasRequests: conversations.show_alias_requests,
}


# Statements that never change the metastore: their audit rows, when allowed, may wait and be
# written in a batch (ucsql.audit). Queries (SELECT, VALUES) are reads too.
_READS = {
    d.GetModel, d.GetModelVersion, d.ShowGrants, d.ShowGrantsTo, d.ShowCatalogs, d.ShowSchemas,
    d.ShowModels, d.ShowVersions, d.ShowGroups, d.ShowGroupMembers, d.DescribeSecurable,
    d.ShowTokens, d.ShowComments, d.ShowAliasRequests, d.ShowWebhooks, d.TestWebhook,
}


def is_read(node: exp.Expression) -> bool:
    return type(node) in _READS or isinstance(node, (exp.Query, exp.Values))


def action_name(node: exp.Expression) -> str:
    """The audit action of a statement: CREATE_MODEL, DROP_SCHEMA, GRANT, SET_ALIAS, SELECT ..."""
    kind = str(node.args.get("kind") or "").upper().replace("FUNCTION", "MODEL")
    special = {
        d.CreateSecurable: f"CREATE_{kind}", d.DropSecurable: f"DROP_{kind}",
        d.CommentOn: f"COMMENT_ON_{kind}", d.SetOwner: f"SET_OWNER_{kind}",
        d.SetTags: "SET_TAGS", d.UnsetTags: "UNSET_TAGS",
        d.AddModelVersion: "ADD_MODEL_VERSION", d.DropModelVersion: "DROP_MODEL_VERSION",
        d.SetModelAlias: "SET_ALIAS", d.DropModelAlias: "DROP_ALIAS",
    }
    if type(node) in special:
        return special[type(node)]
    if isinstance(node, d.DecideAliasRequest):  # APPROVE_ALIAS_REQUEST, REJECT_..., CANCEL_...
        return f"{d._DECISION_WORDS[node.args['decision']]}_ALIAS_REQUEST"
    if isinstance(node, (exp.Query, exp.Values)):
        return "SELECT"
    # CamelCase class name -> UPPER_SNAKE (RenameModel -> RENAME_MODEL)
    name = type(node).__name__
    return "".join("_" + c if c.isupper() and i else c for i, c in enumerate(name)).upper()


def handler_for(node: exp.Expression):
    """(handler, audit action) for a parsed statement."""
    if isinstance(node, (exp.Query, exp.Values)):  # the guard decides what a query may do
        return looking.select, "SELECT"
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise UnsupportedStatement(f"{type(node).__name__} is not a ucsql statement.",
                                   kind=type(node).__name__)
    return handler, action_name(node)
