"""The ucsql SQL dialect: every statement of the spec parsed into sqlglot expression nodes.

This is the one module that knows SQL syntax. ``parse(text)`` turns a ``;``-separated script into
a list of nodes; the engine runs nodes, never text. The MLflow façade builds the same nodes
directly, so every interface reaches the metastore through the same statements.

Conventions shared by every node (the engine relies on them):

* Securable names are ``exp.Table`` nodes, as sqlglot's own GRANT parser produces them:
  ``prod`` -> ``Table(this=prod)``, ``prod.ml_team`` -> ``Table(this=ml_team, db=prod)``,
  ``prod.ml_team.iris`` -> ``Table(this=iris, db=ml_team, catalog=prod)``. The parser refuses
  more than three parts; validation and lower-casing happen in the engine (``ucsql.names``).
* Principals, groups, members, aliases and the key of ``SET TAG ON`` are ``exp.Identifier``
  (``quoted`` is True when backticked; read ``.name``).
* Values (comments, locations, sources, run ids, LIKE patterns, tag values, version numbers) are
  ``exp.Literal``, ``exp.Null`` (only ``COMMENT ON ... IS NULL``) or ``exp.Placeholder``, bound
  by the engine: ``?`` -> ``Placeholder(this=None)`` with ``meta["position"]`` its place among
  the statement's ``?`` (the n-th ``?`` in the text binds the n-th value), ``:name`` and
  ``$name`` -> ``Placeholder(this="name")`` (``$1`` -> ``this="1"``). Version numbers are integer literals;
  tag values may also be a number literal or a bare name (``exp.Identifier``).
* ``kind`` args are upper-case strings: ``CATALOG``, ``SCHEMA`` (``DATABASE`` is read as
  ``SCHEMA`` everywhere), ``MODEL`` (``FUNCTION`` is read as ``MODEL`` in SET TAG, UNSET TAG and
  SHOW GRANTS), ``METASTORE``. GRANT and REVOKE keep ``FUNCTION`` as written.
* GRANT and REVOKE are sqlglot's ``exp.Grant`` / ``exp.Revoke``: ``privileges`` is a list of
  ``GrantPrivilege(this=Var("USE CATALOG"))`` (upper case, words separated by one space, however
  they were written: ``use_catalog``, ``Use Catalog``), ``kind`` as above, ``securable`` a Table
  (None for ``ON METASTORE``), ``principals`` a list of ``GrantPrincipal(this=Identifier)``.
* Tags: ``SetTags.expressions`` is a list of ``TagPair(this=key, expression=value or None)``,
  ``UnsetTags.expressions`` a list of keys. A key is an Identifier (``SET TAG ON ... task = 'x'``)
  or a string Literal or Placeholder (``SET TAGS ('task' = 'x')``).
* Flags (``exists``, ``extended``, ``cascade``) are True or None.
* Strings follow DuckDB's rules, not Databricks': ``''`` doubles a quote and a backslash is an
  ordinary character. ``"double-quoted"`` text is a string, as in Databricks.
* SELECT statements (``SELECT``/``WITH``/``FROM``/``VALUES``/``(``/set operations) are parsed with
  sqlglot's DuckDB dialect and returned as ordinary sqlglot nodes; ``ucsql.select_guard``
  checks them.
* ``parse`` sets ``meta["sql"]`` (the statement's text) and ``meta["line"]`` on every node.
"""

from __future__ import annotations

import bisect
import difflib
import re
import typing as t

from sqlglot import exp
from sqlglot.dialects.databricks import Databricks
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.errors import ParseError as SqlglotParseError
from sqlglot.errors import TokenError
from sqlglot.generator import Generator
from sqlglot.tokens import Token, TokenType

from ucsql.errors import InvalidArgument, ParseError, UnsupportedStatement


class Statement(exp.Expression):
    """Base class of the ucsql-specific statements."""


class CreateSecurable(Statement):
    """``CREATE {CATALOG | SCHEMA | DATABASE | MODEL} [IF NOT EXISTS] name
    [MANAGED LOCATION 'dir'] [COMMENT 'text']`` (LOCATION only for CATALOG and SCHEMA)."""

    arg_types = {"kind": True, "this": True, "exists": False, "location": False, "comment": False}


class DropSecurable(Statement):
    """``DROP {CATALOG | SCHEMA | MODEL} [IF EXISTS] name [RESTRICT | CASCADE]``.
    ``cascade`` is True only for CASCADE."""

    arg_types = {"kind": True, "this": True, "exists": False, "cascade": False}


class AddModelVersion(Statement):
    """Registers a new version, its files copied into managed storage:

    ``ALTER MODEL name ADD VERSION FROM 'dir' [SOURCE 'uri'] [RUN 'run-id' [LINK 'url']]
    [LOGGED MODEL 'm-id'] [COMMENT 'text'] [TAGS ('k' = 'v', ...)] [LINEAGE 'json']``

    or, copying another version (promotion across catalogs):

    ``ALTER MODEL name ADD VERSION FROM MODEL other VERSION n [COMMENT 'text'] [TAGS (...)]``

    ``source`` is the directory to copy (None for the copy form, which sets ``from_model`` and
    ``from_version``); ``source_uri`` is what to record as the version's source when the files
    came from elsewhere (an MLflow ``models:/m-...`` or ``runs:/`` URI); ``tags`` is a list of
    TagPair; ``lineage`` a JSON list of the run's dataset inputs.
    """

    arg_types = {"this": True, "source": False, "source_uri": False, "run_id": False,
                 "run_link": False, "logged_model_id": False, "comment": False, "tags": False,
                 "lineage": False, "from_model": False, "from_version": False}


class DropModelVersion(Statement):
    """``ALTER MODEL name DROP VERSION 3``."""

    arg_types = {"this": True, "version": True}


class RenameModel(Statement):
    """``ALTER MODEL name RENAME TO new_name`` (``to`` is a Table of one or three parts)."""

    arg_types = {"this": True, "to": True}


class SetOwner(Statement):
    """``ALTER {CATALOG | SCHEMA | MODEL} name [SET] OWNER TO principal`` and
    ``ALTER METASTORE [SET] OWNER TO principal`` (``this`` is None for METASTORE)."""

    arg_types = {"kind": True, "this": False, "principal": True}


class CommentOn(Statement):
    """``COMMENT ON {CATALOG | SCHEMA | MODEL} name [VERSION n] IS 'text' | NULL``."""

    arg_types = {"kind": True, "this": True, "version": False, "comment": True}


class SetModelAlias(Statement):
    """``ALTER MODEL name SET ALIAS alias TO VERSION n``."""

    arg_types = {"this": True, "alias": True, "version": True}


class DropModelAlias(Statement):
    """``ALTER MODEL name DROP ALIAS alias``."""

    arg_types = {"this": True, "alias": True}


class TagPair(exp.Expression):
    """One tag: ``this`` is the key (Identifier or string Literal), ``expression`` the value
    (Literal, Identifier, Placeholder, or None for a tag without a value)."""

    arg_types = {"this": True, "expression": False}


class SetTags(Statement):
    """``SET TAG ON kind name key = 'value'``, ``ALTER kind name SET TAGS ('k' = 'v', ...)`` and
    ``ALTER MODEL name VERSION n SET TAGS (...)``. ``expressions`` is a list of TagPair."""

    arg_types = {"kind": True, "this": True, "version": False, "expressions": True}


class UnsetTags(Statement):
    """``UNSET TAG ON kind name key``, ``ALTER kind name UNSET TAGS ('k', ...)`` and the VERSION
    form. ``expressions`` holds the keys (Identifier or string Literal)."""

    arg_types = {"kind": True, "this": True, "version": False, "expressions": True}


class CreateGroup(Statement):
    """``CREATE GROUP [IF NOT EXISTS] name``."""

    arg_types = {"this": True, "exists": False}


class DropGroup(Statement):
    """``DROP GROUP [IF EXISTS] name``."""

    arg_types = {"this": True, "exists": False}


class CreateUser(Statement):
    """``CREATE USER [IF NOT EXISTS] name``: record a user before it has connected, so that it
    can be granted privileges and added to groups."""

    arg_types = {"this": True, "exists": False}


class DropUser(Statement):
    """``DROP USER [IF EXISTS] name``: forget a user with its grants and memberships."""

    arg_types = {"this": True, "exists": False}


class AlterGroup(Statement):
    """``ALTER GROUP g {ADD | DROP} {USER | GROUP} m1, m2``.
    ``action`` is ``ADD``/``DROP``, ``member_kind`` is ``USER``/``GROUP``."""

    arg_types = {"this": True, "action": True, "member_kind": True, "expressions": True}


class ShowCatalogs(Statement):
    """``SHOW CATALOGS [LIKE 'pattern']``."""

    arg_types = {"like": False}


class ShowSchemas(Statement):
    """``SHOW {SCHEMAS | DATABASES} [{IN | FROM} catalog] [LIKE 'pattern']``."""

    arg_types = {"this": False, "like": False}


class ShowModels(Statement):
    """``SHOW MODELS [{IN | FROM} catalog.schema] [LIKE 'pattern']``."""

    arg_types = {"this": False, "like": False}


class ShowVersions(Statement):
    """``SHOW VERSIONS IN MODEL name``."""

    arg_types = {"this": True}


class ShowGroups(Statement):
    """``SHOW GROUPS``."""

    arg_types = {}


class ShowGroupMembers(Statement):
    """``SHOW USERS IN GROUP g`` (every direct member, users and groups)."""

    arg_types = {"this": True}


class ShowGrants(Statement):
    """``SHOW GRANTS [principal] ON kind name`` (``this`` None for METASTORE)."""

    arg_types = {"principal": False, "kind": True, "this": False}


class ShowGrantsTo(Statement):
    """``SHOW GRANTS TO principal``."""

    arg_types = {"principal": True}


class CreateToken(Statement):
    """``CREATE TOKEN [FOR user] [COMMENT 'text'] [EXPIRES {IN n DAYS | NEVER}]``: a personal
    access token for the caller (or, by the admin, for ``user``), shown once. ``days`` is the
    lifetime (90 unless given); ``never`` is set for EXPIRES NEVER."""

    arg_types = {"principal": False, "comment": False, "days": False, "never": False}


class ShowTokens(Statement):
    """``SHOW TOKENS [FOR user]``: the caller's tokens, or a user's (the admin: everyone's)."""

    arg_types = {"principal": False}


class DropToken(Statement):
    """``DROP TOKEN 'token_id'``: the token stops working at once."""

    arg_types = {"this": True}


class AddComment(Statement):
    """``ADD COMMENT ON MODEL name [VERSION n] 'text'``: a comment in the model's conversation
    (not its description: that is COMMENT ON ... IS)."""

    arg_types = {"this": True, "version": False, "text": True}


class AlterComment(Statement):
    """``ALTER COMMENT id SET 'text'``: the author edits a comment."""

    arg_types = {"this": True, "text": True}


class DropComment(Statement):
    """``DROP COMMENT id``: by its author, or whoever may manage the model."""

    arg_types = {"this": True}


class ShowComments(Statement):
    """``SHOW COMMENTS ON MODEL name [VERSION n]``."""

    arg_types = {"this": True, "version": False}


class RequestAlias(Statement):
    """``REQUEST ALIAS a ON MODEL name VERSION n [COMMENT 'why']``: ask that an alias point to
    a version; someone who may set the alias approves or rejects it."""

    arg_types = {"this": True, "alias": True, "version": True, "comment": False}


class DecideAliasRequest(Statement):
    """``{APPROVE | REJECT | CANCEL} REQUEST id [COMMENT 'why']``. ``decision`` is APPROVED,
    REJECTED or CANCELLED; approving sets the alias in the same transaction."""

    arg_types = {"this": True, "decision": True, "comment": False}


class ShowAliasRequests(Statement):
    """``SHOW ALIAS REQUESTS ON MODEL name``."""

    arg_types = {"this": True}


class CreateWebhook(Statement):
    """``CREATE WEBHOOK name URL 'url' EVENTS ('event', ...) [ON MODEL m] [SECRET 'key']
    [DESCRIPTION 'text'] [FORMAT MLFLOW | DATABRICKS] [STATUS ACTIVE | DISABLED]``: POST these
    events (of model m, or of every model) to url. ``format`` and ``status`` are upper-case
    words."""

    arg_types = {"this": True, "url": True, "events": True, "model": False, "secret": False,
                 "description": False, "format": False, "status": False}


class AlterWebhook(Statement):
    """``ALTER WEBHOOK {name | 'webhook_id'} SET [NAME new] [URL 'url'] [EVENTS (...)]
    [SECRET 'key' | SECRET NULL] [DESCRIPTION 'text'] [STATUS ACTIVE | DISABLED]``: at least one
    clause. ``remove_secret`` is set for SECRET NULL."""

    arg_types = {"this": True, "name": False, "url": False, "events": False, "secret": False,
                 "remove_secret": False, "description": False, "status": False}


class DropWebhook(Statement):
    """``DROP WEBHOOK [IF EXISTS] {name | 'webhook_id'}``: no more deliveries are queued for it;
    its queued ones are dropped with it."""

    arg_types = {"this": True, "exists": False}


class ShowWebhooks(Statement):
    """``SHOW WEBHOOKS [ON MODEL m]``: the webhooks the caller may manage (never their secret)."""

    arg_types = {"model": False}


class TestWebhook(Statement):
    """``TEST WEBHOOK {name | 'webhook_id'} [EVENT 'event']``: POST an example payload of the
    event (its first one unless given) now, and answer with the receiver's response."""

    arg_types = {"this": True, "event": False}


def name_node(full_name: str) -> exp.Table:
    """A dotted name as APIs take it (``prod.ml_team.iris``, each part taken literally) -> the
    name node statements carry."""
    parts = str(full_name).split(".")
    if len(parts) > 3 or not all(parts):
        raise InvalidArgument(f"Model name {full_name!r} is not valid: use catalog.schema.model, "
                              "e.g. prod.ml_team.iris.")
    ids = [exp.to_identifier(p, quoted=True) for p in parts]
    return exp.Table(this=ids[-1], db=ids[-2] if len(ids) > 1 else None,
                     catalog=ids[-3] if len(ids) > 2 else None)


class ImportModelVersions(Statement):
    """Bulk registration, built by ``Catalog.import_versions`` (no SQL text: its rows are an
    Arrow table, bound as parameter ``versions``): many versions of ``this`` that share one copy
    of the files of ``from_model`` version ``from_version``."""

    arg_types = {"this": True, "versions": True, "from_model": True, "from_version": True}


class CollectGarbage(Statement):
    """``Catalog.collect_garbage()`` / ``ucsql gc``: remove the model files no version needs
    (``dry_run``: only list them). Admin only."""

    arg_types = {"dry_run": False}


class BackupMetastore(Statement):
    """``Catalog.backup(dest)`` / ``ucsql backup``: a consistent copy of the metastore file and
    of every version's files at ``this`` (a new file path). Admin only."""

    arg_types = {"this": True}


class CheckStorage(Statement):
    """``Catalog.check()`` / ``ucsql check``: every READY version's files, byte for byte,
    against the manifest recorded when it was registered. Admin only."""

    arg_types = {}


class ReserveModelVersion(Statement):
    """Unity Catalog's two-step registration, first step (built by ``ucsql serve``'s UC REST
    routes; no SQL text): a PENDING_REGISTRATION version of ``this``, numbered now, with an
    empty upload folder of its own for the client to write the files into."""

    arg_types = {"this": True, "source": False, "run_id": False, "comment": False}


class FinalizeModelVersion(Statement):
    """The second step: the files of pending version ``version`` of ``this`` are copied from
    its upload folder into managed storage (as ADD VERSION copies them), and it becomes READY."""

    arg_types = {"this": True, "version": True}


# Statements built only through the Python API, with no SQL text: their data is not SQL, or
# they touch files on the machine that runs them (not for SQL sent to a server).
API_ONLY = (ImportModelVersions, CollectGarbage, BackupMetastore, CheckStorage,
            ReserveModelVersion, FinalizeModelVersion)


class GetModel(Statement):
    """``GET MODEL name``: one row describing a registered model (for the MLflow façade)."""

    arg_types = {"this": True}


class GetModelVersion(Statement):
    """``GET MODEL VERSION name VERSION n`` or ``GET MODEL VERSION name ALIAS a``: one row
    describing a version, its storage location included; needs EXECUTE (what loading needs)."""

    arg_types = {"this": True, "version": False, "alias": False}


class DescribeSecurable(Statement):
    """``DESCRIBE {CATALOG | SCHEMA | MODEL} [EXTENDED] name [VERSION n | ALIAS a]``."""

    arg_types = {"kind": True, "this": True, "extended": False, "version": False, "alias": False}


# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

# Securable kinds as written -> the kind stored in the node. DATABASE is Databricks' old word for
# SCHEMA; FUNCTION is how Databricks names a registered model in GRANT and SET TAG.
_KINDS = {"CATALOG": "CATALOG", "SCHEMA": "SCHEMA", "DATABASE": "SCHEMA", "MODEL": "MODEL"}
_TAG_KINDS = {**_KINDS, "FUNCTION": "MODEL"}
_SHOW_GRANTS_KINDS = {**_TAG_KINDS, "METASTORE": "METASTORE"}
# GRANT and REVOKE keep FUNCTION as written, so that they print back as written.
_GRANT_KINDS = {**_KINDS, "FUNCTION": "FUNCTION", "METASTORE": "METASTORE"}

_KINDS_TEXT = "CATALOG, SCHEMA or MODEL"
_TAG_KINDS_TEXT = "CATALOG, SCHEMA, MODEL or FUNCTION"
_GRANT_KINDS_TEXT = "CATALOG, SCHEMA, FUNCTION, MODEL or METASTORE"

# What may follow ALTER <kind> <name>, for the error message.
_ALTER_ACTIONS = {
    "CATALOG": "OWNER TO, SET TAGS or UNSET TAGS",
    "SCHEMA": "OWNER TO, SET TAGS or UNSET TAGS",
    "MODEL": "ADD VERSION, DROP VERSION, RENAME TO, OWNER TO, SET ALIAS, DROP ALIAS, "
    "SET TAGS, UNSET TAGS or VERSION <number>",
}

# The clauses of ALTER MODEL ... ADD VERSION FROM, in their order (the first words).
_ADD_CLAUSES = ("SOURCE", "RUN", "LINK", "LOGGED", "COMMENT", "TAGS", "LINEAGE")

_STATEMENTS_TEXT = (
    "CREATE, DROP, ALTER, COMMENT ON, SET TAG, UNSET TAG, GRANT, REVOKE, SHOW, DESCRIBE, GET, "
    "ADD COMMENT, REQUEST ALIAS, APPROVE, REJECT, CANCEL or SELECT"
)


def _is_word(token: Token) -> bool:
    """A bare word (keyword or unquoted name), as opposed to a string, `name`, number or symbol."""
    text = token.text
    return (
        token.token_type not in Databricks.Parser.TEXT_MATCH_EXCLUDED_TOKENS
        and text.replace("_", "").isalnum()
        and not text[0].isdigit()
    )


class _SyntaxError(SqlglotParseError):
    """A sqlglot ParseError that knows the offset (in the parsed text) of the blamed character."""

    def __init__(self, message: str, offset: int):
        super().__init__(message, [{"description": message}])
        self.description = message
        self.offset = offset


# ---------------------------------------------------------------------------------------------
# The dialect
# ---------------------------------------------------------------------------------------------


class UcsqlTokenizer(Databricks.Tokenizer):
    # SHOW is a COMMAND in Databricks: the tokenizer would swallow the rest of the statement
    # into one string. ucsql parses SHOW itself.
    COMMANDS = Databricks.Tokenizer.COMMANDS - {TokenType.SHOW}

    # Strings follow DuckDB's rules rather than Databricks': '' doubles a quote and a backslash is
    # an ordinary character (so 'C:\models\iris' means what it says). One tokenizer then finds the
    # same statement boundaries in ucsql statements and in the SELECTs that DuckDB will parse.
    STRING_ESCAPES = ["'"]
    BYTE_STRINGS = DuckDB.Tokenizer.BYTE_STRINGS
    BYTE_STRING_ESCAPES = DuckDB.Tokenizer.BYTE_STRING_ESCAPES
    HEREDOC_STRINGS = DuckDB.Tokenizer.HEREDOC_STRINGS
    HEREDOC_TAG_IS_IDENTIFIER = DuckDB.Tokenizer.HEREDOC_TAG_IS_IDENTIFIER
    HEREDOC_STRING_ALTERNATIVE = DuckDB.Tokenizer.HEREDOC_STRING_ALTERNATIVE


class UcsqlParser(Databricks.Parser):
    """Parses exactly the ucsql statements; anything else is an error, never an ``exp.Command``.

    The statement parsers are named ``_parse_uc_*`` so that they do not replace the sqlglot
    methods of the same purpose, which other sqlglot methods still call.
    """

    STATEMENT_PARSERS = {
        TokenType.CREATE: lambda self: self._parse_uc_create(),
        TokenType.DROP: lambda self: self._parse_uc_drop(),
        TokenType.ALTER: lambda self: self._parse_uc_alter(),
        TokenType.COMMENT: lambda self: self._parse_uc_comment(),
        TokenType.SET: lambda self: self._parse_uc_set_tag(),
        TokenType.GRANT: lambda self: self._parse_uc_grant(exp.Grant, "TO"),
        TokenType.REVOKE: lambda self: self._parse_uc_grant(exp.Revoke, "FROM"),
        TokenType.SHOW: lambda self: self._parse_uc_show(),
        TokenType.DESCRIBE: lambda self: self._parse_uc_describe(),
        TokenType.DESC: lambda self: self._parse_uc_describe(),
    }

    # -- framework ------------------------------------------------------------------------------

    def raise_error(self, message: str, token: Token | None = None) -> t.NoReturn:
        # Always raise at once, blaming the token's first character (sqlglot reports its last),
        # or the position just after the statement when the statement ended too early.
        token = token or self._curr
        if token:
            offset = token.start
        else:
            offset = self._prev.end + 1 if self._prev else 0
        raise _SyntaxError(message, offset)

    def _parse_statement(self) -> exp.Expression | None:
        if not self._curr:
            return None
        start = self._curr
        if self._match_set(self.STATEMENT_PARSERS):
            node = self.STATEMENT_PARSERS[self._prev.token_type](self)
        elif self._match_text_seq("UNSET"):
            node = self._parse_uc_unset_tag()
        elif self._match_text_seq("GET"):
            node = self._parse_uc_get()
        elif self._match_text_seq("ADD", "COMMENT"):
            node = self._parse_uc_add_comment(start)
        elif self._match_text_seq("REQUEST", "ALIAS"):
            node = self._parse_uc_request_alias(start)
        elif self._match_texts(_DECISIONS):
            node = self._parse_uc_decide_request(start)
        elif self._match_text_seq("TEST"):
            node = self._parse_uc_test_webhook(self._prev)
        else:
            self.raise_error(f"Expected a statement ({_STATEMENTS_TEXT})")
        if self._curr:
            self.raise_error(f"Expected the end of the statement after {self._since(start)}"
                             f"{self._quoting_hint()}")
        return node

    def _quoting_hint(self) -> str:
        """For ``TO ml-team`` or ``ADD USER alice@example.com``: a name that runs on into
        punctuation (no space between) was probably meant as one name."""
        if not self._prev or self._curr.start != self._prev.end + 1:
            return ""
        rest = self.sql[self._prev.start:].split(None, 1)[0].rstrip(";,)")
        if not any(c in rest for c in "-@+:/") or "`" in rest:
            return ""
        return f". If {rest} is one name, quote it with backticks: `{rest}`"

    def _since(self, anchor: Token) -> str:
        """The statement text from ``anchor`` to the last token read, for error messages."""
        text = " ".join(self.sql[anchor.start : self._prev.end + 1].split())
        return text if len(text) <= 60 else "..." + text[-57:]

    def _fail(self, expected: str, anchor: Token) -> t.NoReturn:
        self.raise_error(f"Expected {expected} after {self._since(anchor)}")

    def _expect(self, *words: str, expected: str, anchor: Token) -> None:
        if not self._match_text_seq(*words):
            self._fail(expected, anchor)

    def _parse_uc_csv(self, parse_item: t.Callable[[], exp.Expression]) -> list[exp.Expression]:
        items = [parse_item()]
        while self._match(TokenType.COMMA):
            items.append(parse_item())
        return items

    # -- parts ----------------------------------------------------------------------------------

    def _parse_uc_kind(self, kinds: dict[str, str], expected: str, anchor: Token) -> str:
        if not self._match_texts(kinds):
            self._fail(expected, anchor)
        return kinds[self._prev.text.upper()]

    def _parse_uc_identifier(self, expected: str, anchor: Token) -> exp.Identifier:
        """A name: a `backticked` name, or a plain word that is not a reserved keyword."""
        identifier = self._parse_uc_optional_identifier()
        if not identifier:
            self._fail(expected, anchor)
        return identifier

    def _parse_uc_optional_identifier(self) -> exp.Identifier | None:
        # Not sqlglot's _parse_id_var, which also reads strings and Spark's ${var} as names.
        curr = self._curr
        quoted = curr.token_type == TokenType.IDENTIFIER
        if quoted or (curr.token_type in self.ID_VAR_TOKENS and _is_word(curr)):
            self._advance()
            return self.expression(exp.Identifier(this=curr.text, quoted=quoted))
        return None

    def _parse_uc_name(self, expected: str, anchor: Token) -> exp.Table:
        """``a``, ``a.b`` or ``a.b.c`` as an ``exp.Table`` (this, db, catalog)."""
        parts = [self._parse_uc_identifier(expected, anchor)]
        while self._match(TokenType.DOT):
            if len(parts) == 3:
                self.raise_error(
                    "Expected a name of at most three parts (catalog.schema.model)", self._prev
                )
            parts.append(self._parse_uc_identifier(expected, anchor))
        parts.reverse()
        return self.expression(
            exp.Table(
                this=parts[0],
                db=parts[1] if len(parts) > 1 else None,
                catalog=parts[2] if len(parts) > 2 else None,
            )
        )

    def _parse_uc_placeholder(self) -> exp.Placeholder | None:
        """``?``, ``:name`` or ``$name`` (``$1`` too), written without spaces.

        A ``?`` records in ``meta["position"]`` which ``?`` of the statement it is (0 for the
        first in the text), counted from its token's place among the statement's tokens, so
        that it binds the value at that place in the parameter list whatever order the engine
        reads the values in, and however often the parser backtracks over it."""
        if self._match(TokenType.PLACEHOLDER):
            node = self.expression(exp.Placeholder())
            index = self._index - 1
            node.meta["position"] = sum(
                1 for token in self._tokens[:index] if token.token_type == TokenType.PLACEHOLDER
            )
            return node
        curr, name = self._curr, self._next
        if (
            curr.token_type in (TokenType.COLON, TokenType.PARAMETER)
            and name
            and (_is_word(name) or name.token_type == TokenType.NUMBER)
            and name.start == curr.end + 1
        ):
            self._advance(2)
            return self.expression(exp.Placeholder(this=name.text))
        return None

    def _parse_uc_value(
        self,
        expected: str,
        anchor: Token,
        null: bool = False,
        identifier: bool = False,
        number: bool = False,
    ) -> exp.Expression:
        """A string literal or a placeholder; optionally NULL, a bare identifier or a number."""
        if self._match(TokenType.STRING):
            return self.expression(exp.Literal.string(self._prev.text))
        if null and self._match(TokenType.NULL):
            return self.expression(exp.Null())
        if number and self._match(TokenType.NUMBER):
            return self.expression(exp.Literal.number(self._prev.text))
        value = self._parse_uc_placeholder()
        if not value and identifier:
            value = self._parse_uc_optional_identifier()
        if not value:
            self._fail(expected, anchor)
        return value

    def _parse_uc_version(self, anchor: Token) -> exp.Expression:
        """A version number: a non-negative integer literal or a placeholder."""
        if self._curr.token_type == TokenType.NUMBER and self._curr.text.isdigit():
            self._advance()
            return self.expression(exp.Literal.number(int(self._prev.text)))
        placeholder = self._parse_uc_placeholder()
        if not placeholder:
            self._fail("a version number", anchor)
        return placeholder

    def _parse_uc_optional_version(self, kind: str) -> exp.Expression | None:
        """``VERSION n`` after a model name (COMMENT ON, DESCRIBE)."""
        if kind == "MODEL" and self._match_text_seq("VERSION"):
            return self._parse_uc_version(self._prev)
        return None

    def _parse_uc_like(self) -> exp.Expression | None:
        if self._match(TokenType.LIKE):
            return self._parse_uc_value("a pattern string", self._prev)
        return None

    def _parse_uc_exists(self, *words: str) -> bool | None:
        """``IF [NOT] EXISTS``: True when written, None otherwise."""
        return self._match_text_seq("IF", *words, "EXISTS") or None

    # -- CREATE and DROP --------------------------------------------------------------------------

    def _parse_uc_create(self) -> exp.Expression:
        start = self._prev
        if self._match_text_seq("GROUP"):
            exists = self._parse_uc_exists("NOT")
            name = self._parse_uc_identifier("a group name", start)
            return self.expression(CreateGroup(this=name, exists=exists))
        if self._match_text_seq("USER"):
            exists = self._parse_uc_exists("NOT")
            name = self._parse_uc_identifier("a user name", start)
            return self.expression(CreateUser(this=name, exists=exists))
        if self._match_text_seq("TOKEN"):
            return self._parse_uc_create_token(start)
        if self._match_text_seq("WEBHOOK"):
            return self._parse_uc_create_webhook(start)

        kind = self._parse_uc_kind(_KINDS, "CATALOG, SCHEMA, MODEL, GROUP, USER, TOKEN or WEBHOOK",
                                   start)
        exists = self._parse_uc_exists("NOT")
        name = self._parse_uc_name(f"a {kind.lower()} name", start)
        location = comment = None
        if self._match_text_seq("MANAGED"):
            if kind == "MODEL":
                self.raise_error(
                    "MANAGED LOCATION applies to catalogs and schemas; a model is stored in its "
                    "schema's location",
                    self._prev,
                )
            self._expect("LOCATION", expected="LOCATION", anchor=self._prev)
            location = self._parse_uc_value("a directory string", self._prev)
        if self._match(TokenType.COMMENT):
            comment = self._parse_uc_value("a comment string", self._prev)
        return self.expression(
            CreateSecurable(kind=kind, this=name, exists=exists, location=location, comment=comment)
        )

    def _parse_uc_create_token(self, start: Token) -> exp.Expression:
        principal = comment = days = never = None
        if self._match(TokenType.FOR):
            principal = self._parse_uc_identifier("a user name", start)
        if self._match(TokenType.COMMENT):
            comment = self._parse_uc_value("a comment string", self._prev)
        if self._match_text_seq("EXPIRES"):
            anchor = self._prev
            if self._match_text_seq("NEVER"):
                never = True
            else:
                self._expect("IN", expected="IN <n> DAYS or NEVER", anchor=anchor)
                days = self._parse_uc_version(anchor)
                self._expect("DAYS", expected="DAYS", anchor=anchor)
        return self.expression(CreateToken(principal=principal, comment=comment, days=days,
                                           never=never))

    # -- webhooks ---------------------------------------------------------------------------------

    def _parse_uc_webhook_ref(self, anchor: Token) -> exp.Expression:
        """A webhook: its name, or its id as a string (what MLflow's API passes)."""
        if self._match(TokenType.STRING):
            return self.expression(exp.Literal.string(self._prev.text))
        return self._parse_uc_identifier("a webhook name or 'webhook_id'", anchor)

    def _parse_uc_webhook_events(self, anchor: Token) -> list[exp.Expression]:
        return self._parse_uc_wrapped(
            lambda a: self._parse_uc_value("an event string (e.g. 'model_version.created')", a),
            anchor)

    def _parse_uc_webhook_word(self, words: tuple[str, ...], anchor: Token) -> str:
        if not self._match_texts(words):
            self._fail(" or ".join(words), anchor)
        return self._prev.text.upper()

    def _parse_uc_create_webhook(self, start: Token) -> CreateWebhook:
        name = self._parse_uc_identifier("a webhook name", start)
        self._expect("URL", expected="URL 'https://...'", anchor=start)
        url = self._parse_uc_value("a URL string", self._prev)
        self._expect("EVENTS", expected="EVENTS ('event', ...)", anchor=start)
        events = self._parse_uc_webhook_events(self._prev)
        args: dict[str, t.Any] = {}
        while self._curr:
            clause = self._curr
            if "model" not in args and self._match(TokenType.ON):
                self._expect("MODEL", expected="MODEL <model>", anchor=clause)
                args["model"] = self._parse_uc_name("a model name", clause)
            elif "secret" not in args and self._match_text_seq("SECRET"):
                args["secret"] = self._parse_uc_value("a secret string", clause)
            elif "description" not in args and self._match_text_seq("DESCRIPTION"):
                args["description"] = self._parse_uc_value("a description string", clause)
            elif "format" not in args and self._match_text_seq("FORMAT"):
                args["format"] = self._parse_uc_webhook_word(("MLFLOW", "DATABRICKS"), clause)
            elif "status" not in args and self._match_text_seq("STATUS"):
                args["status"] = self._parse_uc_webhook_word(("ACTIVE", "DISABLED"), clause)
            else:
                self._fail("ON MODEL, SECRET, DESCRIPTION, FORMAT or STATUS", start)
        return self.expression(CreateWebhook(this=name, url=url, events=events, **args))

    def _parse_uc_alter_webhook(self, start: Token) -> AlterWebhook:
        this = self._parse_uc_webhook_ref(start)
        self._expect("SET", expected="SET", anchor=start)
        args: dict[str, t.Any] = {}
        while self._curr or not args:
            clause = self._curr
            if "name" not in args and self._match_text_seq("NAME"):
                args["name"] = self._parse_uc_identifier("a webhook name", clause)
            elif "url" not in args and self._match_text_seq("URL"):
                args["url"] = self._parse_uc_value("a URL string", clause)
            elif "events" not in args and self._match_text_seq("EVENTS"):
                args["events"] = self._parse_uc_webhook_events(clause)
            elif "secret" not in args and self._match_text_seq("SECRET"):
                if self._match(TokenType.NULL):
                    args["secret"], args["remove_secret"] = None, True
                else:
                    args["secret"] = self._parse_uc_value("a secret string or NULL", clause)
            elif "description" not in args and self._match_text_seq("DESCRIPTION"):
                args["description"] = self._parse_uc_value("a description string", clause,
                                                           null=True)
            elif "status" not in args and self._match_text_seq("STATUS"):
                args["status"] = self._parse_uc_webhook_word(("ACTIVE", "DISABLED"), clause)
            else:
                self._fail("NAME, URL, EVENTS, SECRET, DESCRIPTION or STATUS", start)
        return self.expression(AlterWebhook(this=this, **args))

    def _parse_uc_test_webhook(self, start: Token) -> TestWebhook:
        self._expect("WEBHOOK", expected="WEBHOOK", anchor=start)
        this = self._parse_uc_webhook_ref(start)
        event = None
        if self._match_text_seq("EVENT"):
            event = self._parse_uc_value("an event string", self._prev)
        return self.expression(TestWebhook(this=this, event=event))

    def _parse_uc_drop(self) -> exp.Expression:
        start = self._prev
        if self._match_text_seq("GROUP"):
            exists = self._parse_uc_exists()
            name = self._parse_uc_identifier("a group name", start)
            return self.expression(DropGroup(this=name, exists=exists))
        if self._match_text_seq("USER"):
            exists = self._parse_uc_exists()
            name = self._parse_uc_identifier("a user name", start)
            return self.expression(DropUser(this=name, exists=exists))
        if self._match_text_seq("TOKEN"):
            token = self._parse_uc_value("a token id string", start, identifier=True)
            return self.expression(DropToken(this=token))
        if self._match_text_seq("COMMENT"):
            return self.expression(DropComment(this=self._parse_uc_id("a comment id", start)))
        if self._match_text_seq("WEBHOOK"):
            exists = self._parse_uc_exists()
            return self.expression(DropWebhook(this=self._parse_uc_webhook_ref(start),
                                               exists=exists))

        kind = self._parse_uc_kind(_KINDS, "CATALOG, SCHEMA, MODEL, GROUP, USER, TOKEN or WEBHOOK",
                                   start)
        exists = self._parse_uc_exists()
        name = self._parse_uc_name(f"a {kind.lower()} name", start)
        cascade = None
        # RESTRICT (the default) is accepted and dropped; only CASCADE is recorded.
        if kind != "MODEL" and self._match_texts(("RESTRICT", "CASCADE")):
            cascade = self._prev.text.upper() == "CASCADE" or None
        return self.expression(DropSecurable(kind=kind, this=name, exists=exists, cascade=cascade))

    # -- ALTER ------------------------------------------------------------------------------------

    def _parse_uc_alter(self) -> exp.Expression:
        start = self._prev
        if self._match_text_seq("METASTORE"):
            return self._parse_uc_owner("METASTORE", None, start)
        if self._match_text_seq("GROUP"):
            return self._parse_uc_alter_group(start)
        if self._match_text_seq("COMMENT"):
            comment_id = self._parse_uc_id("a comment id", start)
            self._expect("SET", expected="SET 'text'", anchor=start)
            text = self._parse_uc_value("the comment's text", start)
            return self.expression(AlterComment(this=comment_id, text=text))
        if self._match_text_seq("WEBHOOK"):
            return self._parse_uc_alter_webhook(start)

        kind = self._parse_uc_kind(_KINDS, "CATALOG, SCHEMA, MODEL, METASTORE, GROUP or WEBHOOK",
                                   start)
        name = self._parse_uc_name(f"a {kind.lower()} name", start)
        if self._match_text_seq("OWNER", advance=False) or self._match_text_seq(
            "SET", "OWNER", advance=False
        ):
            return self._parse_uc_owner(kind, name, start)
        action = self._curr
        if self._match_text_seq("SET", "TAGS"):
            pairs = self._parse_uc_wrapped(self._parse_uc_tag_pair, action)
            return self.expression(SetTags(kind=kind, this=name, expressions=pairs))
        if self._match_text_seq("UNSET", "TAGS"):
            keys = self._parse_uc_wrapped(self._parse_uc_tag_key, action)
            return self.expression(UnsetTags(kind=kind, this=name, expressions=keys))
        if kind == "MODEL":
            node = self._parse_uc_alter_model(name)
            if node:
                return node
        self._fail(_ALTER_ACTIONS[kind], start)

    def _parse_uc_owner(self, kind: str, name: exp.Table | None, start: Token) -> SetOwner:
        self._match(TokenType.SET)
        self._expect("OWNER", "TO", expected="OWNER TO <principal>", anchor=start)
        principal = self._parse_uc_identifier("a principal", start)
        return self.expression(SetOwner(kind=kind, this=name, principal=principal))

    def _parse_uc_alter_group(self, start: Token) -> AlterGroup:
        name = self._parse_uc_identifier("a group name", start)
        if not self._match_texts(("ADD", "DROP")):
            self._fail("ADD or DROP", start)
        action = self._prev.text.upper()
        if not self._match_texts(("USER", "GROUP")):
            self._fail("USER or GROUP", start)
        member_kind = self._prev.text.upper()
        members = self._parse_uc_csv(
            lambda: self._parse_uc_identifier(f"a {member_kind.lower()} name", start)
        )
        return self.expression(
            AlterGroup(this=name, action=action, member_kind=member_kind, expressions=members)
        )

    def _parse_uc_alter_model(self, name: exp.Table) -> exp.Expression | None:
        """The ALTER MODEL actions; None when none matches."""
        action = self._curr
        if self._match_text_seq("ADD", "VERSION"):
            return self._parse_uc_add_version(name, action)
        if self._match_text_seq("DROP", "VERSION"):
            version = self._parse_uc_version(action)
            return self.expression(DropModelVersion(this=name, version=version))
        if self._match_text_seq("DROP", "ALIAS"):
            alias = self._parse_uc_identifier("an alias", action)
            return self.expression(DropModelAlias(this=name, alias=alias))
        if self._match_text_seq("RENAME", "TO"):
            to = self._parse_uc_name("a model name", action)
            return self.expression(RenameModel(this=name, to=to))
        if self._match_text_seq("SET", "ALIAS"):
            alias = self._parse_uc_identifier("an alias", action)
            self._expect("TO", "VERSION", expected="TO VERSION <number>", anchor=action)
            version = self._parse_uc_version(action)
            return self.expression(SetModelAlias(this=name, alias=alias, version=version))
        if self._match_text_seq("VERSION"):
            version = self._parse_uc_version(action)
            return self._parse_uc_version_tags(name, version, action)
        return None

    def _parse_uc_add_version(self, name: exp.Table, action: Token) -> AddModelVersion:
        """``ADD VERSION FROM 'dir' [SOURCE 'uri'] [RUN 'id' [LINK 'url']] [LOGGED MODEL 'id']
        [COMMENT 'text'] [TAGS (...)] [LINEAGE 'json']`` or ``ADD VERSION FROM MODEL other
        VERSION n [COMMENT 'text'] [TAGS (...)]``. Every clause is optional; they come in this
        order (as CREATE's MANAGED LOCATION and COMMENT do)."""
        self._expect(
            "FROM", expected="FROM '<model directory>' or FROM MODEL <model>", anchor=action
        )
        args: dict[str, t.Any] = {}
        # A directory is a string or a placeholder, never a bare word: MODEL starts the copy form.
        if self._match_text_seq("MODEL"):
            args["from_model"] = self._parse_uc_name("a model name", action)
            self._expect("VERSION", expected="VERSION <number>", anchor=action)
            args["from_version"] = self._parse_uc_version(action)
        else:
            args["source"] = self._parse_uc_value(
                "a model directory string or MODEL <model>", action
            )
            if self._match_text_seq("SOURCE"):
                args["source_uri"] = self._parse_uc_value("a source URI string", self._prev)
            if self._match_text_seq("RUN"):
                args["run_id"] = self._parse_uc_value("a run id string", self._prev)
                if self._match_text_seq("LINK"):
                    args["run_link"] = self._parse_uc_value("a run link string", self._prev)
            if self._match_text_seq("LOGGED"):
                logged = self._prev
                self._expect("MODEL", expected="MODEL", anchor=logged)
                args["logged_model_id"] = self._parse_uc_value("a logged model id string", logged)
        if self._match(TokenType.COMMENT):
            args["comment"] = self._parse_uc_value("a comment string", self._prev)
        if self._match_text_seq("TAGS"):
            args["tags"] = self._parse_uc_wrapped(self._parse_uc_tag_pair, self._prev)
        if "source" in args and self._match_text_seq("LINEAGE"):
            args["lineage"] = self._parse_uc_value("a lineage JSON string", self._prev)
        # A clause left over is misplaced, repeated or not for this form: say which rule it broke.
        if self._curr and _is_word(self._curr) and self._curr.text.upper() in _ADD_CLAUSES:
            if "from_model" in args:
                self.raise_error(
                    "ADD VERSION FROM MODEL takes only COMMENT and then TAGS, each at most once"
                )
            self.raise_error(
                "ADD VERSION takes each clause at most once, in this order: SOURCE, "
                "RUN [LINK], LOGGED MODEL, COMMENT, TAGS, LINEAGE"
            )
        return self.expression(AddModelVersion(this=name, **args))

    def _parse_uc_version_tags(
        self, name: exp.Table, version: exp.Expression, action: Token
    ) -> exp.Expression:
        """``ALTER MODEL name VERSION n {SET | UNSET} TAGS (...)``."""
        tags = self._curr
        if self._match_text_seq("SET", "TAGS"):
            pairs = self._parse_uc_wrapped(self._parse_uc_tag_pair, tags)
            return self.expression(
                SetTags(kind="MODEL", this=name, version=version, expressions=pairs)
            )
        if self._match_text_seq("UNSET", "TAGS"):
            keys = self._parse_uc_wrapped(self._parse_uc_tag_key, tags)
            return self.expression(
                UnsetTags(kind="MODEL", this=name, version=version, expressions=keys)
            )
        self._fail("SET TAGS or UNSET TAGS", action)

    # -- tags -----------------------------------------------------------------------------------

    def _parse_uc_wrapped(
        self, parse_item: t.Callable[[Token], exp.Expression], anchor: Token
    ) -> list[exp.Expression]:
        """``( item, ... )`` after SET TAGS / UNSET TAGS (and ADD VERSION's TAGS)."""
        if not self._match(TokenType.L_PAREN):
            self._fail("(", anchor)
        items = self._parse_uc_csv(lambda: parse_item(anchor))
        if not self._match(TokenType.R_PAREN):
            self._fail(", or )", anchor)
        return items

    def _parse_uc_tag_key(self, anchor: Token) -> exp.Expression:
        """A key inside SET TAGS (...) / UNSET TAGS (...): a string or a placeholder."""
        return self._parse_uc_value("a tag key string", anchor)

    def _parse_uc_tag_value(self, anchor: Token) -> exp.Expression | None:
        """``= value`` after a tag key (optional: a tag may have no value)."""
        if not self._match(TokenType.EQ):
            return None
        return self._parse_uc_value(
            "a tag value (a string, a name or a parameter)",
            anchor,
            identifier=True,
            number=True,
        )

    def _parse_uc_tag_pair(self, anchor: Token) -> TagPair:
        key = self._parse_uc_tag_key(anchor)
        return self.expression(TagPair(this=key, expression=self._parse_uc_tag_value(anchor)))

    def _parse_uc_set_tag(self) -> SetTags:
        """``SET TAG ON kind name key [= value]`` (the key is a name, not a string)."""
        start = self._prev
        self._expect("TAG", "ON", expected="TAG ON", anchor=start)
        kind = self._parse_uc_kind(_TAG_KINDS, _TAG_KINDS_TEXT, start)
        name = self._parse_uc_name(f"a {kind.lower()} name", start)
        key = self._parse_uc_identifier("a tag key", start)
        pair = self.expression(TagPair(this=key, expression=self._parse_uc_tag_value(start)))
        return self.expression(SetTags(kind=kind, this=name, expressions=[pair]))

    def _parse_uc_unset_tag(self) -> UnsetTags:
        start = self._prev
        self._expect("TAG", "ON", expected="TAG ON", anchor=start)
        kind = self._parse_uc_kind(_TAG_KINDS, _TAG_KINDS_TEXT, start)
        name = self._parse_uc_name(f"a {kind.lower()} name", start)
        key = self._parse_uc_identifier("a tag key", start)
        return self.expression(UnsetTags(kind=kind, this=name, expressions=[key]))

    # -- COMMENT ON -------------------------------------------------------------------------------

    def _parse_uc_comment(self) -> CommentOn:
        start = self._prev
        self._expect("ON", expected="ON", anchor=start)
        kind = self._parse_uc_kind(_KINDS, _KINDS_TEXT, start)
        name = self._parse_uc_name(f"a {kind.lower()} name", start)
        version = self._parse_uc_optional_version(kind)
        self._expect("IS", expected="IS '<comment>' or IS NULL", anchor=start)
        comment = self._parse_uc_value("a comment string or NULL", start, null=True)
        return self.expression(CommentOn(kind=kind, this=name, version=version, comment=comment))

    # -- GRANT and REVOKE -------------------------------------------------------------------------

    def _parse_uc_privilege(self, anchor: Token) -> exp.GrantPrivilege:
        """One privilege: words up to ``,`` or ON, e.g. ``USE CATALOG`` or ``use_catalog``.

        Normalised to upper case with spaces (``USE CATALOG``), as Databricks prints them.
        """
        words: list[str] = []
        while self._curr and self._curr.token_type != TokenType.ON and _is_word(self._curr):
            words += [part for part in self._curr.text.upper().split("_") if part]
            self._advance()
        if not words:
            self._fail("a privilege", anchor)
        return self.expression(exp.GrantPrivilege(this=exp.var(" ".join(words))))

    def _parse_uc_principal(self, anchor: Token) -> exp.GrantPrincipal:
        principal = self._parse_uc_identifier("a principal", anchor)
        return self.expression(exp.GrantPrincipal(this=principal))

    def _parse_uc_grant(
        self, cls: type[exp.Grant] | type[exp.Revoke], preposition: str
    ) -> exp.Grant | exp.Revoke:
        start = self._prev
        privileges = self._parse_uc_csv(lambda: self._parse_uc_privilege(start))
        self._expect("ON", expected="ON <securable>", anchor=start)
        kind = self._parse_uc_kind(_GRANT_KINDS, _GRANT_KINDS_TEXT, start)
        securable = None
        if kind != "METASTORE":
            securable = self._parse_uc_name(f"a {kind.lower()} name", start)
        self._expect(preposition, expected=f"{preposition} <principal>", anchor=start)
        principals = self._parse_uc_csv(lambda: self._parse_uc_principal(start))
        # exp.Grant requires a securable, and ON METASTORE has none: validate the node with a
        # stand-in, then remove it.
        node = self.expression(
            cls(
                privileges=privileges,
                kind=kind,
                securable=securable or exp.var(kind),
                principals=principals,
            )
        )
        if securable is None:
            node.set("securable", None)
        return node

    # -- GET --------------------------------------------------------------------------------------

    def _parse_uc_get(self) -> GetModel | GetModelVersion:
        """``GET MODEL name``, ``GET MODEL VERSION name {VERSION n | ALIAS a}``.

        An unquoted VERSION right after GET MODEL always starts GET MODEL VERSION: a model whose
        name (or first name part) is ``version`` must be written `version` there, and the
        printer backticks it (see _get_model_sql).
        """
        start = self._prev
        self._expect("MODEL", expected="MODEL <model> or MODEL VERSION <model>", anchor=start)
        if not self._match_text_seq("VERSION"):
            return self.expression(GetModel(this=self._parse_uc_name("a model name", start)))
        name = self._parse_uc_name("a model name", start)
        if self._match_text_seq("VERSION"):
            version = self._parse_uc_version(start)
            return self.expression(GetModelVersion(this=name, version=version))
        if self._match_text_seq("ALIAS"):
            alias = self._parse_uc_identifier("an alias", start)
            return self.expression(GetModelVersion(this=name, alias=alias))
        self._fail("VERSION <number> or ALIAS <alias>", start)

    # -- SHOW and DESCRIBE ------------------------------------------------------------------------

    def _parse_uc_show(self) -> exp.Expression:
        start = self._prev
        if self._match_text_seq("CATALOGS"):
            return self.expression(ShowCatalogs(like=self._parse_uc_like()))
        if self._match_texts(("SCHEMAS", "DATABASES")):
            return self._parse_uc_show_in(ShowSchemas, "a catalog name")
        if self._match_text_seq("MODELS"):
            return self._parse_uc_show_in(ShowModels, "a schema name")
        if self._match_text_seq("VERSIONS"):
            self._expect("IN", "MODEL", expected="IN MODEL <model>", anchor=start)
            return self.expression(ShowVersions(this=self._parse_uc_name("a model name", start)))
        if self._match_text_seq("GROUPS"):
            return self.expression(ShowGroups())
        if self._match_text_seq("USERS"):
            self._expect("IN", "GROUP", expected="IN GROUP <group>", anchor=start)
            group = self._parse_uc_identifier("a group name", start)
            return self.expression(ShowGroupMembers(this=group))
        if self._match_text_seq("GRANTS"):
            return self._parse_uc_show_grants(start)
        if self._match_text_seq("TOKENS"):
            principal = None
            if self._match(TokenType.FOR):
                principal = self._parse_uc_identifier("a user name", start)
            return self.expression(ShowTokens(principal=principal))
        if self._match_text_seq("COMMENTS"):
            self._expect("ON", "MODEL", expected="ON MODEL <model>", anchor=start)
            name = self._parse_uc_name("a model name", start)
            return self.expression(ShowComments(this=name,
                                                version=self._parse_uc_optional_version("MODEL")))
        if self._match_text_seq("ALIAS", "REQUESTS"):
            self._expect("ON", "MODEL", expected="ON MODEL <model>", anchor=start)
            return self.expression(ShowAliasRequests(this=self._parse_uc_name("a model name", start)))
        if self._match_text_seq("WEBHOOKS"):
            model = None
            if self._match(TokenType.ON):
                self._expect("MODEL", expected="MODEL <model>", anchor=start)
                model = self._parse_uc_name("a model name", start)
            return self.expression(ShowWebhooks(model=model))
        self._fail("CATALOGS, SCHEMAS, MODELS, VERSIONS, GROUPS, USERS, GRANTS, TOKENS, "
                   "WEBHOOKS, COMMENTS or ALIAS REQUESTS", start)

    def _parse_uc_show_in(self, cls: type[Statement], expected: str) -> Statement:
        """``[{IN | FROM} name] [LIKE 'pattern']`` after SHOW SCHEMAS / SHOW MODELS."""
        this = None
        if self._match_set((TokenType.IN, TokenType.FROM)):
            this = self._parse_uc_name(expected, self._prev)
        return self.expression(cls(this=this, like=self._parse_uc_like()))

    def _parse_uc_show_grants(self, start: Token) -> exp.Expression:
        if self._match_text_seq("TO"):
            principal = self._parse_uc_identifier("a principal", start)
            return self.expression(ShowGrantsTo(principal=principal))
        principal = None
        if not self._match(TokenType.ON, advance=False):
            principal = self._parse_uc_identifier(
                "a principal, ON <securable> or TO <principal>", start
            )
        self._expect("ON", expected="ON <securable>", anchor=start)
        kind = self._parse_uc_kind(_SHOW_GRANTS_KINDS, _GRANT_KINDS_TEXT, start)
        this = None
        if kind != "METASTORE":
            this = self._parse_uc_name(f"a {kind.lower()} name", start)
        return self.expression(ShowGrants(principal=principal, kind=kind, this=this))

    # -- comments and alias requests ---------------------------------------------------------------

    def _parse_uc_id(self, expected: str, anchor: Token) -> exp.Expression:
        """A comment's or a request's id: an integer literal or a placeholder."""
        if self._curr and self._curr.token_type == TokenType.NUMBER and self._curr.text.isdigit():
            self._advance()
            return self.expression(exp.Literal.number(int(self._prev.text)))
        placeholder = self._parse_uc_placeholder()
        if not placeholder:
            self._fail(expected, anchor)
        return placeholder

    def _parse_uc_add_comment(self, start: Token) -> AddComment:
        self._expect("ON", "MODEL", expected="ON MODEL <model> [VERSION n] 'text'", anchor=start)
        name = self._parse_uc_name("a model name", start)
        version = self._parse_uc_optional_version("MODEL")
        text = self._parse_uc_value("the comment's text", start)
        return self.expression(AddComment(this=name, version=version, text=text))

    def _parse_uc_request_alias(self, start: Token) -> RequestAlias:
        alias = self._parse_uc_identifier("an alias", start)
        self._expect("ON", "MODEL", expected="ON MODEL <model> VERSION n", anchor=start)
        name = self._parse_uc_name("a model name", start)
        self._expect("VERSION", expected="VERSION n", anchor=start)
        version = self._parse_uc_version(start)
        return self.expression(RequestAlias(this=name, alias=alias, version=version,
                                            comment=self._parse_uc_why()))

    def _parse_uc_decide_request(self, start: Token) -> DecideAliasRequest:
        decision = _DECISIONS[self._prev.text.upper()]
        self._match_text_seq("ALIAS")  # APPROVE ALIAS REQUEST n reads well too
        self._expect("REQUEST", expected="REQUEST <id>", anchor=start)
        request_id = self._parse_uc_id("a request id", start)
        return self.expression(DecideAliasRequest(this=request_id, decision=decision,
                                                  comment=self._parse_uc_why()))

    def _parse_uc_why(self) -> exp.Expression | None:
        """``[COMMENT 'why']`` after an alias request or its decision."""
        if self._match(TokenType.COMMENT):
            return self._parse_uc_value("a comment string", self._prev)
        return None

    def _parse_uc_describe(self) -> DescribeSecurable:
        start = self._prev
        kind = self._parse_uc_kind(_KINDS, _KINDS_TEXT, start)
        extended = self._match_text_seq("EXTENDED") or None
        name = self._parse_uc_name(f"a {kind.lower()} name", start)
        version = self._parse_uc_optional_version(kind)
        alias = None
        if kind == "MODEL" and version is None and self._match_text_seq("ALIAS"):
            alias = self._parse_uc_identifier("an alias", start)
        return self.expression(
            DescribeSecurable(kind=kind, this=name, extended=extended, version=version,
                              alias=alias)
        )


# ---------------------------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------------------------


def _opt(gen: Generator, node: exp.Expression, arg: str, keyword: str) -> str:
    """`` KEYWORD <arg>`` when the node has ``arg``, else nothing."""
    value = gen.sql(node, arg)
    return f" {keyword} {value}" if value else ""


def _flag(node: exp.Expression, arg: str, keyword: str) -> str:
    return f" {keyword}" if node.args.get(arg) else ""


def _create_token_sql(gen: Generator, node: CreateToken) -> str:
    days = gen.sql(node, "days")
    expires = " EXPIRES NEVER" if node.args.get("never") else f" EXPIRES IN {days} DAYS" if days else ""
    return (f"CREATE TOKEN{_opt(gen, node, 'principal', 'FOR')}"
            f"{_opt(gen, node, 'comment', 'COMMENT')}{expires}")


def _webhook_clauses(gen: Generator, node: exp.Expression) -> str:
    """The optional clauses of CREATE / ALTER WEBHOOK, in the parser's order. The secret is
    printed as it was written (a literal or a placeholder): the audit row's text is printed
    with it masked instead (ucsql.handlers.webhooks)."""
    parts = []
    if node.args.get("name"):
        parts.append(f"NAME {gen.sql(node, 'name')}")
    if node.args.get("url") and isinstance(node, AlterWebhook):
        parts.append(f"URL {gen.sql(node, 'url')}")
    if node.args.get("events") and isinstance(node, AlterWebhook):
        parts.append(f"EVENTS ({', '.join(gen.sql(e) for e in node.args['events'])})")
    if node.args.get("model"):
        parts.append(f"ON MODEL {gen.sql(node, 'model')}")
    if node.args.get("remove_secret"):
        parts.append("SECRET NULL")
    elif node.args.get("secret"):
        parts.append(f"SECRET {gen.sql(node, 'secret')}")
    for arg, word in (("description", "DESCRIPTION"), ("format", "FORMAT"), ("status", "STATUS")):
        value = node.args.get(arg)
        if value is not None:
            parts.append(f"{word} {value if isinstance(value, str) else gen.sql(value)}")
    return "".join(" " + p for p in parts)


def _create_webhook_sql(gen: Generator, node: CreateWebhook) -> str:
    events = ", ".join(gen.sql(e) for e in node.args["events"])
    return (f"CREATE WEBHOOK {gen.sql(node, 'this')} URL {gen.sql(node, 'url')} "
            f"EVENTS ({events}){_webhook_clauses(gen, node)}")


def _kind_and_name(gen: Generator, node: exp.Expression) -> str:
    name = gen.sql(node, "this")
    return f"{node.args['kind']} {name}" if name else node.args["kind"]


def _tag_statement_form(node: SetTags | UnsetTags) -> bool:
    """Whether to print ``SET TAG ON`` / ``UNSET TAG ON`` rather than ``ALTER ... SET TAGS``:
    one tag whose key is a name, on an object rather than a model version."""
    keys = node.expressions
    if isinstance(node, SetTags):
        keys = [pair.this for pair in keys]
    return (
        not node.args.get("version")
        and len(keys) == 1
        and isinstance(keys[0], exp.Identifier)
    )


def _tag_key_sql(gen: Generator, key: exp.Expression) -> str:
    # Inside SET TAGS (...) keys are strings; a key given as a name is printed as one.
    if isinstance(key, exp.Identifier):
        key = exp.Literal.string(key.name)
    return gen.sql(key)


def _tag_pair_sql(gen: Generator, pair: TagPair, key: str | None = None) -> str:
    key = key or gen.sql(pair, "this")
    value = gen.sql(pair, "expression")
    return f"{key} = {value}" if value else key


def _alter_tags_prefix(gen: Generator, node: SetTags | UnsetTags) -> str:
    return f"ALTER {_kind_and_name(gen, node)}{_opt(gen, node, 'version', 'VERSION')}"


def _set_tags_sql(gen: Generator, node: SetTags) -> str:
    if _tag_statement_form(node):
        return f"SET TAG ON {_kind_and_name(gen, node)} {gen.sql(node.expressions[0])}"
    pairs = ", ".join(
        _tag_pair_sql(gen, pair, _tag_key_sql(gen, pair.this)) for pair in node.expressions
    )
    return f"{_alter_tags_prefix(gen, node)} SET TAGS ({pairs})"


def _unset_tags_sql(gen: Generator, node: UnsetTags) -> str:
    if _tag_statement_form(node):
        return f"UNSET TAG ON {_kind_and_name(gen, node)} {gen.sql(node.expressions[0])}"
    keys = ", ".join(_tag_key_sql(gen, key) for key in node.expressions)
    return f"{_alter_tags_prefix(gen, node)} UNSET TAGS ({keys})"


def _create_securable_sql(gen: Generator, node: CreateSecurable) -> str:
    return (
        f"CREATE {node.args['kind']}{_flag(node, 'exists', 'IF NOT EXISTS')}"
        f" {gen.sql(node, 'this')}"
        f"{_opt(gen, node, 'location', 'MANAGED LOCATION')}{_opt(gen, node, 'comment', 'COMMENT')}"
    )


def _drop_securable_sql(gen: Generator, node: DropSecurable) -> str:
    return (
        f"DROP {node.args['kind']}{_flag(node, 'exists', 'IF EXISTS')} {gen.sql(node, 'this')}"
        f"{_flag(node, 'cascade', 'CASCADE')}"
    )


def _add_model_version_sql(gen: Generator, node: AddModelVersion) -> str:
    # A node the parser could not have produced would print SQL that does not parse back:
    # refuse it here, where the mistake is (a façade bug), rather than at the next parse.
    args = node.args
    if args.get("from_model"):
        extra = [arg for arg in ("source", "source_uri", "run_id", "run_link", "logged_model_id",
                                 "lineage") if args.get(arg)]
        if extra or not args.get("from_version"):
            raise ValueError(
                "AddModelVersion: the copy form (from_model) needs from_version and takes only "
                f"comment and tags; got {', '.join(extra) or 'no from_version'}"
            )
        source = f"MODEL {gen.sql(node, 'from_model')} VERSION {gen.sql(node, 'from_version')}"
    else:
        if not args.get("source"):
            raise ValueError("AddModelVersion needs source (a directory) or from_model")
        if args.get("run_link") and not args.get("run_id"):
            raise ValueError("AddModelVersion: run_link needs run_id (RUN 'id' LINK 'url')")
        source = gen.sql(node, "source")
    tags = ""
    if args.get("tags"):
        pairs = ", ".join(_tag_pair_sql(gen, pair, _tag_key_sql(gen, pair.this))
                          for pair in args["tags"])
        tags = f" TAGS ({pairs})"
    return (
        f"ALTER MODEL {gen.sql(node, 'this')} ADD VERSION FROM {source}"
        f"{_opt(gen, node, 'source_uri', 'SOURCE')}{_opt(gen, node, 'run_id', 'RUN')}"
        f"{_opt(gen, node, 'run_link', 'LINK')}"
        f"{_opt(gen, node, 'logged_model_id', 'LOGGED MODEL')}"
        f"{_opt(gen, node, 'comment', 'COMMENT')}{tags}{_opt(gen, node, 'lineage', 'LINEAGE')}"
    )


def _get_model_sql(gen: Generator, node: GetModel) -> str:
    name = gen.sql(node, "this")
    # GET MODEL version... would read as GET MODEL VERSION: keep a first part named version quoted.
    if name.split(".", 1)[0].upper() == "VERSION":
        name = f"`{name[:7]}`{name[7:]}"
    return f"GET MODEL {name}"


def _get_model_version_sql(gen: Generator, node: GetModelVersion) -> str:
    version, alias = node.args.get("version"), node.args.get("alias")
    if (version is None) == (alias is None):
        raise ValueError("GetModelVersion needs exactly one of version and alias")
    which = _opt(gen, node, "version", "VERSION") or _opt(gen, node, "alias", "ALIAS")
    return f"GET MODEL VERSION {gen.sql(node, 'this')}{which}"


def _comment_on_sql(gen: Generator, node: CommentOn) -> str:
    return (
        f"COMMENT ON {_kind_and_name(gen, node)}{_opt(gen, node, 'version', 'VERSION')}"
        f" IS {gen.sql(node, 'comment')}"
    )


def _alter_group_sql(gen: Generator, node: AlterGroup) -> str:
    members = ", ".join(gen.sql(member) for member in node.expressions)
    return (
        f"ALTER GROUP {gen.sql(node, 'this')} {node.args['action']} {node.args['member_kind']}"
        f" {members}"
    )


def _show_in_sql(keyword: str) -> t.Callable[[Generator, exp.Expression], str]:
    return lambda gen, node: (
        f"SHOW {keyword}{_opt(gen, node, 'this', 'IN')}{_opt(gen, node, 'like', 'LIKE')}"
    )


def _show_grants_sql(gen: Generator, node: ShowGrants) -> str:
    principal = gen.sql(node, "principal")
    principal = f" {principal}" if principal else ""
    return f"SHOW GRANTS{principal} ON {_kind_and_name(gen, node)}"


def _describe_sql(gen: Generator, node: DescribeSecurable) -> str:
    return (
        f"DESCRIBE {node.args['kind']}{_flag(node, 'extended', 'EXTENDED')} {gen.sql(node, 'this')}"
        f"{_opt(gen, node, 'version', 'VERSION')}{_opt(gen, node, 'alias', 'ALIAS')}"
    )


class UcsqlGenerator(Databricks.Generator):
    NAMED_PLACEHOLDER_TOKEN = "$"

    TRANSFORMS = {
        **Databricks.Generator.TRANSFORMS,
        CreateSecurable: _create_securable_sql,
        DropSecurable: _drop_securable_sql,
        AddModelVersion: _add_model_version_sql,
        DropModelVersion: lambda gen, node: (
            f"ALTER MODEL {gen.sql(node, 'this')} DROP VERSION {gen.sql(node, 'version')}"
        ),
        RenameModel: lambda gen, node: (
            f"ALTER MODEL {gen.sql(node, 'this')} RENAME TO {gen.sql(node, 'to')}"
        ),
        SetOwner: lambda gen, node: (
            f"ALTER {_kind_and_name(gen, node)} OWNER TO {gen.sql(node, 'principal')}"
        ),
        CommentOn: _comment_on_sql,
        SetModelAlias: lambda gen, node: (
            f"ALTER MODEL {gen.sql(node, 'this')} SET ALIAS {gen.sql(node, 'alias')}"
            f" TO VERSION {gen.sql(node, 'version')}"
        ),
        DropModelAlias: lambda gen, node: (
            f"ALTER MODEL {gen.sql(node, 'this')} DROP ALIAS {gen.sql(node, 'alias')}"
        ),
        TagPair: _tag_pair_sql,
        SetTags: _set_tags_sql,
        UnsetTags: _unset_tags_sql,
        CreateGroup: lambda gen, node: (
            f"CREATE GROUP{_flag(node, 'exists', 'IF NOT EXISTS')} {gen.sql(node, 'this')}"
        ),
        DropGroup: lambda gen, node: (
            f"DROP GROUP{_flag(node, 'exists', 'IF EXISTS')} {gen.sql(node, 'this')}"
        ),
        CreateUser: lambda gen, node: (
            f"CREATE USER{_flag(node, 'exists', 'IF NOT EXISTS')} {gen.sql(node, 'this')}"
        ),
        DropUser: lambda gen, node: (
            f"DROP USER{_flag(node, 'exists', 'IF EXISTS')} {gen.sql(node, 'this')}"
        ),
        AlterGroup: _alter_group_sql,
        ShowCatalogs: lambda gen, node: f"SHOW CATALOGS{_opt(gen, node, 'like', 'LIKE')}",
        ShowSchemas: _show_in_sql("SCHEMAS"),
        ShowModels: _show_in_sql("MODELS"),
        ShowVersions: lambda gen, node: f"SHOW VERSIONS IN MODEL {gen.sql(node, 'this')}",
        ShowGroups: lambda gen, node: "SHOW GROUPS",
        ShowGroupMembers: lambda gen, node: f"SHOW USERS IN GROUP {gen.sql(node, 'this')}",
        ShowGrants: _show_grants_sql,
        ShowGrantsTo: lambda gen, node: f"SHOW GRANTS TO {gen.sql(node, 'principal')}",
        CreateToken: _create_token_sql,
        ShowTokens: lambda gen, node: f"SHOW TOKENS{_opt(gen, node, 'principal', 'FOR')}",
        DropToken: lambda gen, node: f"DROP TOKEN {gen.sql(node, 'this')}",
        CreateWebhook: _create_webhook_sql,
        AlterWebhook: lambda gen, node: (
            f"ALTER WEBHOOK {gen.sql(node, 'this')} SET{_webhook_clauses(gen, node)}"
        ),
        DropWebhook: lambda gen, node: (
            f"DROP WEBHOOK{_flag(node, 'exists', 'IF EXISTS')} {gen.sql(node, 'this')}"
        ),
        ShowWebhooks: lambda gen, node: f"SHOW WEBHOOKS{_opt(gen, node, 'model', 'ON MODEL')}",
        TestWebhook: lambda gen, node: (
            f"TEST WEBHOOK {gen.sql(node, 'this')}{_opt(gen, node, 'event', 'EVENT')}"
        ),
        DescribeSecurable: _describe_sql,
        AddComment: lambda gen, node: (
            f"ADD COMMENT ON MODEL {gen.sql(node, 'this')}"
            f"{_opt(gen, node, 'version', 'VERSION')} {gen.sql(node, 'text')}"
        ),
        AlterComment: lambda gen, node: (
            f"ALTER COMMENT {gen.sql(node, 'this')} SET {gen.sql(node, 'text')}"
        ),
        DropComment: lambda gen, node: f"DROP COMMENT {gen.sql(node, 'this')}",
        ShowComments: lambda gen, node: (
            f"SHOW COMMENTS ON MODEL {gen.sql(node, 'this')}{_opt(gen, node, 'version', 'VERSION')}"
        ),
        RequestAlias: lambda gen, node: (
            f"REQUEST ALIAS {gen.sql(node, 'alias')} ON MODEL {gen.sql(node, 'this')} VERSION "
            f"{gen.sql(node, 'version')}{_opt(gen, node, 'comment', 'COMMENT')}"
        ),
        DecideAliasRequest: lambda gen, node: (
            f"{_DECISION_WORDS[node.args['decision']]} REQUEST {gen.sql(node, 'this')}"
            f"{_opt(gen, node, 'comment', 'COMMENT')}"
        ),
        ShowAliasRequests: lambda gen, node: f"SHOW ALIAS REQUESTS ON MODEL {gen.sql(node, 'this')}",
        GetModel: _get_model_sql,
        GetModelVersion: _get_model_version_sql,
    }

    def identifier_sql(self, expression: exp.Identifier) -> str:
        # Backticks only when needed, whatever the input had: the printed form is canonical.
        text = expression.name
        if _needs_backticks(text):
            return "`" + text.replace("`", "``") + "`"
        return text


def quote_name(name: str) -> str:
    """A name as a statement must spell it: in backticks when it needs them.

    >>> quote_name("ml-team"), quote_name("bob")
    ('`ml-team`', 'bob')
    """
    return UcsqlGenerator().identifier_sql(exp.to_identifier(name, quoted=True))


def _needs_backticks(name: str) -> bool:
    """A name needs backticks unless it is a plain word the parser reads as a name anywhere."""
    if not exp.SAFE_IDENTIFIER_RE.match(name):
        return True
    upper = name.upper()
    token_type = UcsqlTokenizer.KEYWORDS.get(upper, TokenType.VAR)
    # TO and EXTENDED are plain words, but SHOW GRANTS to ON ... and DESCRIBE MODEL extended
    # would read them as keywords.
    return upper in ("TO", "EXTENDED") or (
        token_type != TokenType.VAR and token_type not in UcsqlParser.ID_VAR_TOKENS
    )


class Ucsql(Databricks):
    """The ucsql dialect: Databricks SQL plus the model statements.

    Use it to print nodes (``node.sql(dialect=Ucsql)``). To read SQL, call :func:`parse`, which
    also splits scripts, sends SELECTs to DuckDB's dialect and refuses what ucsql does not run.
    """

    # Strings have no backslash escapes (see UcsqlTokenizer), so nothing to unescape.
    UNESCAPED_SEQUENCES: dict[str, str] = {}

    Tokenizer = UcsqlTokenizer
    Parser = UcsqlParser
    Generator = UcsqlGenerator


# ---------------------------------------------------------------------------------------------
# Scripts
# ---------------------------------------------------------------------------------------------

_UCSQL = Ucsql()
_DUCKDB = DuckDB()

_QUERY_STARTS = {
    TokenType.SELECT,
    TokenType.WITH,
    TokenType.FROM,
    TokenType.VALUES,
    TokenType.L_PAREN,
}
_CREATE_OBJECTS = {"CATALOG", "SCHEMA", "DATABASE", "MODEL", "GROUP", "USER", "TOKEN", "WEBHOOK",
                   "COMMENT"}
_ALTER_OBJECTS = {"CATALOG", "SCHEMA", "DATABASE", "MODEL", "GROUP", "METASTORE", "WEBHOOK",
                  "COMMENT"}
_SHOW_OBJECTS = {
    "CATALOGS", "SCHEMAS", "DATABASES", "MODELS", "VERSIONS", "GROUPS", "USERS", "GRANTS",
    "TOKENS", "WEBHOOKS", "COMMENTS", "ALIAS",
}  # fmt: skip
# APPROVE / REJECT / CANCEL REQUEST n: the request's new status, and back.
_DECISIONS = {"APPROVE": "APPROVED", "REJECT": "REJECTED", "CANCEL": "CANCELLED"}
_DECISION_WORDS = {status: word for word, status in _DECISIONS.items()}
# Words between CREATE/DROP and the kind of object (CREATE OR REPLACE TEMP TABLE ...).
_MODIFIERS = {
    "OR", "REPLACE", "TEMP", "TEMPORARY", "PERSISTENT", "UNIQUE", "GLOBAL", "LOCAL",
    "MATERIALIZED", "EXTERNAL", "TRANSIENT", "SECURE", "RECURSIVE", "STREAMING",
}  # fmt: skip
# First words of the statements DuckDB or Databricks would run and ucsql refuses. (CREATE, DROP,
# ALTER, COMMENT ON, DESCRIBE, SHOW and SET of other objects are refused by _route too.)
_REFUSED = {
    "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "TRUNCATE", "COPY", "ATTACH",
    "DETACH", "EXPORT", "IMPORT", "INSTALL", "LOAD", "UNLOAD", "PRAGMA", "RESET", "CALL", "USE",
    "CHECKPOINT", "VACUUM", "ANALYZE", "OPTIMIZE", "BEGIN", "START", "COMMIT", "END", "ROLLBACK",
    "ABORT", "SAVEPOINT", "RELEASE", "EXPLAIN", "SUMMARIZE", "TABLE", "PIVOT", "UNPIVOT",
    "PREPARE", "EXECUTE", "DEALLOCATE", "REFRESH", "CACHE", "UNCACHE", "MSCK", "LIST", "PUT",
    "GET", "REMOVE", "RENAME", "FETCH", "DECLARE", "LOCK", "UNLOCK", "KILL", "BACKUP",
    "RESTORE",
}  # fmt: skip
# A WITH can lead into a data change, which only DuckDB's parser finds.
_DML_KINDS = {exp.Insert: "INSERT", exp.Update: "UPDATE", exp.Delete: "DELETE", exp.Merge: "MERGE"}

# What people coming from a database or from Databricks type, and what ucsql has instead.
_SYSTEM_VIEWS_HINT = ("SELECT from the system views (system.information_schema.registered_models, "
                      "model_versions, ... and system.access.audit)")
_INSTEAD = {
    "SHOW TABLES": f"ucsql holds models, not tables: SHOW MODELS [IN catalog.schema], or "
                   f"{_SYSTEM_VIEWS_HINT}.",
    "SHOW VIEWS": f"the views ucsql has are its system views: {_SYSTEM_VIEWS_HINT}.",
    "SHOW COLUMNS": "the columns of a system view: SELECT * FROM system.information_schema.<view> "
                    "LIMIT 0.",
    "SHOW FUNCTIONS": "ucsql holds models: SHOW MODELS [IN catalog.schema].",
    "SHOW TAGS": "tags are shown by DESCRIBE MODEL name and in the system views' tags columns.",
    "DESCRIBE": "say what to describe: DESCRIBE CATALOG, SCHEMA or MODEL name [VERSION n].",
    # Maintenance is done by commands, outside any script (and so never inside a -1 one).
    "BACKUP": "copy the metastore and its model files with the command "
              "ucsql backup METASTORE DEST (Catalog.backup in Python).",
    "RESTORE": "a copy made by ucsql backup opens as it is: ucsql DEST.",
    "VACUUM": "ucsql gc METASTORE removes model files no version needs; DuckDB compacts the "
              "file by itself.",
    "CHECKPOINT": "DuckDB checkpoints the file by itself when ucsql lets go of it.",
}


def _instead(kind: str) -> str | None:
    """The refusal of ``kind`` that says what to use: a close ucsql statement, or a hint."""
    first, _, second = kind.partition(" ")
    hint = _INSTEAD.get(kind)
    if second in ("TABLE", "VIEW") and first in ("CREATE", "DROP", "ALTER", "DESCRIBE"):
        hint = (f"ucsql holds models, not {second.lower()}s: {first} MODEL catalog.schema.name"
                f"{'' if first != 'CREATE' else '; to query, ' + _SYSTEM_VIEWS_HINT}.")
    if hint:
        return f"{kind} is not a ucsql statement: {hint}"
    objects = {"SHOW": _SHOW_OBJECTS, "CREATE": _CREATE_OBJECTS, "DROP": _CREATE_OBJECTS,
               "ALTER": _ALTER_OBJECTS, "DESCRIBE": _KINDS}.get(first)
    if objects and second:
        close = difflib.get_close_matches(second, sorted(objects), n=1, cutoff=0.75)
        if close:
            return f"{kind} is not a ucsql statement. Did you mean {first} {close[0]}?"
    return None


# The words a ucsql statement starts with, for "did you mean" on a misspelled first word.
_FIRST_WORDS = ["CREATE", "DROP", "ALTER", "COMMENT", "SET", "UNSET", "GRANT", "REVOKE", "SHOW",
                "DESCRIBE", "GET", "TEST", "SELECT", "WITH", "FROM", "VALUES"]


def did_you_mean(word: str, choices: t.Iterable[str]) -> str | None:
    """The one of ``choices`` that ``word`` most likely misspells (difflib, case ignored), or
    None when none is close or ``word`` is one of them.

    >>> did_you_mean("modles", ["CATALOGS", "MODELS"])
    'MODELS'
    """
    options = {choice.upper(): choice for choice in choices}
    if word.upper() in options:
        return None
    match = difflib.get_close_matches(word.upper(), list(options), n=1, cutoff=0.75)
    return options[match[0]] if match else None


def _did_you_mean(word: str, choices: list[str]) -> str:
    match = did_you_mean(word, choices)
    return f". Did you mean {match}?" if match else ""


_REFUSAL = (
    "{kind} is not a ucsql statement: the metastore changes only through ucsql statements "
    "(CREATE MODEL, GRANT, SET TAG ...). Queries may only SELECT from system views."
)


_MASKED_SECRET = "'********'"
_STRING_TOKENS = {getattr(TokenType, name) for name in
                  ("STRING", "HEREDOC_STRING", "RAW_STRING", "NATIONAL_STRING", "BYTE_STRING")
                  if hasattr(TokenType, name)}


def mask_secrets(sql: str) -> str:
    """``sql`` with every string literal that follows the word SECRET replaced by
    ``'********'``: the text the audit log keeps of a webhook statement (or of a script that
    failed to parse), which must not hold a webhook's signing key.

    >>> mask_secrets("CREATE WEBHOOK h URL 'https://x' EVENTS ('e') SECRET 'k3y'")
    "CREATE WEBHOOK h URL 'https://x' EVENTS ('e') SECRET '********'"
    """
    if "SECRET" not in sql.upper():
        return sql
    try:
        tokens = _UCSQL.tokenizer().tokenize(sql)
    except TokenError:  # unterminated: hide everything after the word
        return re.sub(r"(?is)(\bSECRET\b).*", r"\1 " + _MASKED_SECRET, sql)
    out, last = [], 0
    for before, token in zip(tokens, tokens[1:]):
        if token.token_type in _STRING_TOKENS and before.text.upper() == "SECRET":
            # A string token spans its quotes (start: the opening one, end: the closing one).
            out.append(sql[last:token.start] + _MASKED_SECRET)
            last = token.end + 1
    return "".join(out) + sql[last:]


def parse(sql: str) -> list[exp.Expression]:
    """Parse a ``;``-separated script into one node per statement.

    Empty statements and comments are skipped; ``;`` inside strings, `names` and comments does
    not end a statement. ucsql statements become the node classes above (and ``exp.Grant`` /
    ``exp.Revoke``); queries (SELECT, WITH, FROM, VALUES, ``(``, set operations) are parsed with
    sqlglot's DuckDB dialect and come back as ordinary sqlglot nodes. Every node carries
    ``meta["sql"]`` (its statement's text, without the ``;`` and surrounding comments) and
    ``meta["line"]`` (the 1-based line of the script where it starts).

    Raises ``UnsupportedStatement`` for SQL that ucsql does not run (INSERT, ATTACH, SET ...) and
    ``ParseError`` for anything else it cannot read; both carry the line and column in the whole
    script and show that line with a caret.

    >>> nodes = parse("create catalog prod; show grants on catalog prod")
    >>> [node.sql(dialect=Ucsql) for node in nodes]
    ['CREATE CATALOG prod', 'SHOW GRANTS ON CATALOG prod']
    >>> parse("SELECT 1 AS x")[0].meta
    {'sql': 'SELECT 1 AS x', 'line': 1}
    """
    script = _Script(sql)
    nodes = []
    for tokens in _split(script.tokenize(_UCSQL, sql)):
        start = tokens[0].start
        text = sql[start : tokens[-1].end + 1]
        try:
            node = _parse_statement(script, tokens, text)
        except RecursionError:
            line, column = script.position(start)
            raise ParseError("The statement is nested too deeply to read; simplify it (fewer "
                             "nested parentheses or subqueries).", line, column, sql) from None
        node.meta["sql"] = text
        node.meta["line"] = script.position(start)[0]
        nodes.append(node)
    return nodes


class _Script:
    """The text of a script: line and column arithmetic, tokenizing, and the errors to raise."""

    def __init__(self, text: str):
        self.text = text
        # Lines as ParseError counts them when it shows the offending one (str.splitlines).
        self._line_starts = [0]
        for line in text.splitlines(keepends=True)[:-1]:
            self._line_starts.append(self._line_starts[-1] + len(line))

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column), both 1-based, of a character offset."""
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def error(self, message: str, offset: int) -> ParseError:
        return ParseError(message, *self.position(offset), statement=self.text)

    def refusal(self, kind: str, offset: int) -> UnsupportedStatement:
        message = _instead(kind) or _REFUSAL.format(kind=kind)
        return UnsupportedStatement(message, kind, *self.position(offset), statement=self.text)

    def tokenize(self, dialect: Databricks | DuckDB, text: str, offset: int = 0) -> list[Token]:
        """Tokens of ``text``, which starts at ``offset`` in the script."""
        tokenizer = dialect.tokenizer()
        try:
            return tokenizer.tokenize(text)
        except TokenError:
            # sqlglot keeps the start of the token it could not finish; its message does not.
            start = getattr(tokenizer, "_core", tokenizer)._start
            raise self.error(_unterminated(text, start), offset + start) from None


def _unterminated(text: str, start: int) -> str:
    if text.startswith("/*", start):
        return "Unterminated comment: expected */"
    if text[start : start + 1] == "`":
        return "Unterminated name: expected a closing `"
    for quote in ("'", '"', "$"):
        if quote in text[start : start + 2]:
            return f"Unterminated string: expected a closing {quote}"
    return "Cannot read the SQL here"


def _split(tokens: list[Token]) -> t.Iterator[list[Token]]:
    """The tokens of each non-empty statement (comments are carried by tokens, not split on)."""
    statement: list[Token] = []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if statement:
                yield statement
            statement = []
        else:
            statement.append(token)
    if statement:
        yield statement


def _parse_statement(script: _Script, tokens: list[Token], text: str) -> exp.Expression:
    route, kind = _route(tokens)
    start = tokens[0].start
    if route == "query":
        return _parse_query(script, text, start)
    if route == "refuse":
        raise script.refusal(kind, start)
    if route == "unknown":
        raise script.error(f"Expected a statement ({_STATEMENTS_TEXT})"
                           f"{_did_you_mean(tokens[0].text, _FIRST_WORDS)}", start)
    try:
        return _UCSQL.parser().parse(tokens, script.text)[0]
    except _SyntaxError as error:
        raise script.error(error.description, error.offset) from None


def _route(tokens: list[Token]) -> tuple[str, str | None]:
    """Where a statement goes, from its first words, before parsing it.

    Returns ``("query", None)``, ``("ucsql", None)``, ``("refuse", kind)`` or ``("unknown", None)``.
    A statement that starts like a ucsql one goes to the ucsql parser even if it is misspelled
    further on, so that its error says what was expected there.
    """
    if tokens[0].token_type in _QUERY_STARTS:
        return "query", None
    words = []
    for token in tokens[:8]:
        if not _is_word(token):
            break
        words.append(token.text.upper())
    first, second, third = (words + ["", "", ""])[:3]

    if first in ("CREATE", "DROP", "ALTER"):
        objects = _ALTER_OBJECTS if first == "ALTER" else _CREATE_OBJECTS
        obj = next((word for word in words[1:] if word not in _MODIFIERS), "")
        return ("ucsql", None) if not obj or obj in objects else ("refuse", f"{first} {obj}")
    if first == "COMMENT":
        refused = second == "ON" and third and third not in _KINDS
        return ("refuse", f"COMMENT ON {third}") if refused else ("ucsql", None)
    if first in ("DESCRIBE", "DESC"):
        if second in _KINDS:
            return "ucsql", None
        # DESCRIBE TABLE t and DESCRIBE MODLE m are named so the refusal can say what to use.
        named = second in ("TABLE", "VIEW") or difflib.get_close_matches(second, _KINDS, cutoff=0.75)
        return "refuse", f"DESCRIBE {second}" if named else "DESCRIBE"
    if first == "SHOW":
        refused = second and second not in _SHOW_OBJECTS
        return ("refuse", f"SHOW {second}") if refused else ("ucsql", None)
    if first == "SET":
        return ("ucsql", None) if second == "TAG" else ("refuse", "SET")
    if first in ("UNSET", "GRANT", "REVOKE"):
        return "ucsql", None
    if ((first, second) in (("ADD", "COMMENT"), ("REQUEST", "ALIAS"), ("TEST", "WEBHOOK"))
            or first in _DECISIONS):
        return "ucsql", None
    if first == "GET":  # GET MODEL [VERSION]; Snowflake's GET @stage 'file://...' is refused
        return ("ucsql", None) if second == "MODEL" or len(tokens) == 1 else ("refuse", "GET")
    if first == "FORCE":  # FORCE INSTALL, FORCE CHECKPOINT
        return "refuse", second or first
    if first in _REFUSED:
        return "refuse", first
    return "unknown", None


def _parse_query(script: _Script, text: str, offset: int) -> exp.Expression:
    """A query, parsed with sqlglot's DuckDB dialect. ``offset``: where it starts in the script."""
    tokens = script.tokenize(_DUCKDB, text, offset)
    try:
        nodes = _DUCKDB.parser().parse(tokens, text)
    except SqlglotParseError as error:
        details = error.errors[0] if error.errors else {}
        message = details.get("description") or str(error)
        # Some sqlglot messages end with the repr of a token; the caret already shows it.
        message = message.split(" but got <Token")[0]
        if message.startswith("Required keyword"):  # names a sqlglot class, not the user's SQL
            message = "Incomplete expression"
        raise script.error(message, offset + _blamed(tokens, text, details)) from None
    node = nodes[0] if len(nodes) == 1 else None
    if isinstance(node, (exp.Query, exp.Values)):
        return node
    if type(node) in _DML_KINDS:
        raise script.refusal(_DML_KINDS[type(node)], offset)
    raise script.error("Expected a query (SELECT ...)", offset)


def _blamed(tokens: list[Token], text: str, details: dict[str, t.Any]) -> int:
    """The offset in ``text`` of the token a sqlglot error names (sqlglot gives the line and the
    column of the token's last character)."""
    for token in tokens:
        if token.line == details.get("line") and token.col == details.get("col"):
            return token.start
    return len(text)
