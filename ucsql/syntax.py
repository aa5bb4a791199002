"""The syntax of every statement, once: what the shell's ``\\h`` shows and completes.

Each topic is a title, one sentence, and syntax lines written with real names (as in the dialect
spec): ``[x]`` is optional, ``{a | b}`` a choice. The lines are not a second grammar to keep in
step by hand: :func:`expansions` spells out every form a line allows, and the tests parse every
one of them with :func:`ucsql.dialect.parse` (and check that every statement the engine runs has
a topic). The shell's keyword completion takes its words from here too.
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import NamedTuple

from .names import PRIVILEGES

_OWNED = "{CATALOG prod | SCHEMA prod.ml_team | MODEL prod.ml_team.iris}"
_TAGGED = ("{CATALOG prod | SCHEMA prod.ml_team | MODEL prod.ml_team.iris "
           "| FUNCTION prod.ml_team.iris}")
_ON = ("{METASTORE | CATALOG prod | SCHEMA prod.ml_team | FUNCTION prod.ml_team.iris "
       "| MODEL prod.ml_team.iris}")


class Topic(NamedTuple):
    title: str
    summary: str
    lines: tuple[str, ...]


TOPICS = (
    Topic("CREATE CATALOG", "Create a catalog; files of its models go under its location.", (
        ("CREATE CATALOG [IF NOT EXISTS] prod [MANAGED LOCATION '/data/prod'] "
        "[COMMENT 'production models']"),)),
    Topic("CREATE SCHEMA", "Create a schema in a catalog (DATABASE is the same as SCHEMA).", (
        ("CREATE {SCHEMA | DATABASE} [IF NOT EXISTS] prod.ml_team [MANAGED LOCATION '/data/ml'] "
        "[COMMENT 'the ml team']"),)),
    Topic("CREATE MODEL", "Register a model (no versions yet).", (
        "CREATE MODEL [IF NOT EXISTS] prod.ml_team.iris [COMMENT 'iris classifier']",)),
    Topic("DROP", "Drop a catalog, schema or model; CASCADE drops everything inside.", (
        "DROP CATALOG [IF EXISTS] prod [RESTRICT | CASCADE]",
        "DROP SCHEMA [IF EXISTS] prod.ml_team [RESTRICT | CASCADE]",
        "DROP MODEL [IF EXISTS] prod.ml_team.iris")),
    Topic("ADD VERSION", "Add a version: copy an MLflow model folder, or another version.", (
        ("ALTER MODEL prod.ml_team.iris ADD VERSION FROM '/path/to/mlflow_model_dir' "
        "[SOURCE 'runs:/r1/model'] [RUN 'run-id' [LINK 'http://mlflow/runs/r1']] "
        "[LOGGED MODEL 'm-id'] [COMMENT 'text'] [TAGS ('k' = 'v')] [LINEAGE '[]']"),
        ("ALTER MODEL prod.ml_team.iris ADD VERSION FROM MODEL staging.ml_team.iris VERSION 3 "
        "[COMMENT 'promoted']"))),
    Topic("DROP VERSION", "Drop one version of a model, and its files.", (
        "ALTER MODEL prod.ml_team.iris DROP VERSION 3",)),
    Topic("RENAME", "Rename a model within its schema.", (
        "ALTER MODEL prod.ml_team.iris RENAME TO {iris_v2 | prod.ml_team.iris_v2}",)),
    Topic("OWNER TO", "Give an object (or the metastore) to another user or group.", (
        f"ALTER {_OWNED} [SET] OWNER TO `ml-admins`",
        "ALTER METASTORE [SET] OWNER TO admins")),
    Topic("COMMENT ON", "Set or clear the comment of an object or a version.", (
        f"COMMENT ON {_OWNED} IS {{'text' | NULL}}",
        "COMMENT ON MODEL prod.ml_team.iris VERSION 2 IS 'text'")),
    Topic("ALIAS", "Point an alias at a version (create or move), or drop it.", (
        "ALTER MODEL prod.ml_team.iris SET ALIAS Champion TO VERSION 2",
        "ALTER MODEL prod.ml_team.iris DROP ALIAS Champion")),
    Topic("SET TAG", "Set (upsert) or remove one tag.", (
        f"SET TAG ON {_TAGGED} task = 'classification'",
        f"UNSET TAG ON {_TAGGED} task")),
    Topic("SET TAGS", "Set or remove several tags of an object or a version.", (
        f"ALTER {_OWNED} SET TAGS ('task' = 'classification', 'team' = 'ml')",
        f"ALTER {_OWNED} UNSET TAGS ('task', 'team')",
        ("ALTER MODEL prod.ml_team.iris VERSION 1 {SET TAGS ('validation' = 'approved') "
        "| UNSET TAGS ('validation')}"))),
    Topic("GROUP", "Create, drop and fill groups (members are users or groups).", (
        "CREATE GROUP [IF NOT EXISTS] `ml-team`",
        "DROP GROUP [IF EXISTS] `ml-team`",
        ("ALTER GROUP `ml-team` {ADD | DROP} {USER `alice@example.com`, `bob@example.com` "
        "| GROUP `ml-interns`}"))),
    Topic("USER", "Record a user before it first connects (so it can be granted privileges and "
          "join groups), or forget one with its grants and memberships. Admin only.", (
        "CREATE USER [IF NOT EXISTS] `alice@example.com`",
        "DROP USER [IF EXISTS] `alice@example.com`")),
    Topic("GRANT", "Give privileges on an object to users or groups.", (
        (f"GRANT {{USE CATALOG | USE_SCHEMA, CREATE_MODEL | ALL PRIVILEGES}} ON {_OWNED} "
        "TO {`ml-team` | `alice@example.com`, `bob@example.com`}"),
        ("GRANT {EXECUTE | APPLY_TAG | MANAGE} ON {FUNCTION | MODEL} prod.ml_team.iris "
        "TO `data-analysts`"),
        "GRANT CREATE CATALOG ON METASTORE TO platform")),
    Topic("REVOKE", "Take back privileges given with GRANT.", (
        f"REVOKE {{USE CATALOG | EXECUTE | ALL PRIVILEGES}} ON {_ON} FROM `ml-team`",)),
    Topic("SHOW", "List what you may see.", (
        "SHOW CATALOGS [LIKE 'pr*']",
        "SHOW {SCHEMAS | DATABASES} [{IN | FROM} prod] [LIKE 'ml*']",
        "SHOW MODELS [{IN | FROM} prod.ml_team] [LIKE 'ir*']",
        "SHOW VERSIONS IN MODEL prod.ml_team.iris",
        "SHOW GROUPS",
        "SHOW USERS IN GROUP `ml-team`")),
    Topic("SHOW GRANTS", "The grants on an object (direct and inherited), or of a principal.", (
        f"SHOW GRANTS [`ml-team`] ON {_ON}",
        "SHOW GRANTS TO `ml-team`")),
    Topic("TOKEN", "Personal access tokens: how a client proves who it is to a server.", (
        "CREATE TOKEN [FOR `svc-ci`] [COMMENT 'nightly training'] [EXPIRES {IN 30 DAYS | NEVER}]",
        "SHOW TOKENS [FOR `svc-ci`]",
        "DROP TOKEN '0123456789abcdef'")),
    Topic("COMMENTS", "A model's conversation: comments on it or a version, edited by their "
          "author.", (
        "ADD COMMENT ON MODEL prod.ml_team.iris [VERSION 2] 'F1 is up 3 points'",
        "ALTER COMMENT 3 SET 'F1 is up 4 points'",
        "DROP COMMENT 3",
        "SHOW COMMENTS ON MODEL prod.ml_team.iris [VERSION 2]")),
    Topic("ALIAS REQUESTS", "Ask that an alias point to a version; who may set it decides.", (
        "REQUEST ALIAS Champion ON MODEL prod.ml_team.iris VERSION 2 [COMMENT 'better F1']",
        "{APPROVE | REJECT} REQUEST 7 [COMMENT 'bias check passed']",
        "CANCEL REQUEST 7",
        "SHOW ALIAS REQUESTS ON MODEL prod.ml_team.iris")),
    Topic("WEBHOOK", "Webhooks: POST events to a URL, signed as MLflow (or Databricks) signs them.", (
        ("CREATE WEBHOOK ci_trigger URL 'https://ci.example.com/hook' EVENTS "
         "('model_version.created', 'model_version_alias.created') [ON MODEL prod.ml_team.iris] "
         "[SECRET 'signing-key'] [FORMAT {MLFLOW | DATABRICKS}]"),
        ("CREATE WEBHOOK audit_feed URL 'https://audit.example.com/in' EVENTS ('grant.created') "
         "DESCRIPTION 'who got what' STATUS {ACTIVE | DISABLED}"),
        ("ALTER WEBHOOK ci_trigger SET {STATUS {ACTIVE | DISABLED} "
         "| URL 'https://ci.example.com/v2' | EVENTS ('model_version.created') "
         "| SECRET {'new-key' | NULL} | DESCRIPTION 'retrain' | NAME ci_retrain}"),
        "SHOW WEBHOOKS [ON MODEL prod.ml_team.iris]",
        "TEST WEBHOOK ci_trigger [EVENT 'model_version.created']",
        "DROP WEBHOOK [IF EXISTS] ci_trigger")),
    Topic("DESCRIBE", "The details of an object or a version, one (name, value) row each.", (
        ("DESCRIBE {CATALOG [EXTENDED] prod | SCHEMA [EXTENDED] prod.ml_team "
        "| MODEL [EXTENDED] prod.ml_team.iris}"),
        "DESCRIBE MODEL prod.ml_team.iris {VERSION 2 | ALIAS Champion}")),
    Topic("GET MODEL", "One model or one version as a row (a version needs EXECUTE).", (
        "GET MODEL prod.ml_team.iris",
        "GET MODEL VERSION prod.ml_team.iris {VERSION 1 | ALIAS Champion}")),
    Topic("SELECT", "Read-only queries over the system views (anything DuckDB runs).", (
        "SELECT current_user()",
        ("SELECT model_name, version FROM system.information_schema.model_versions "
        "WHERE catalog_name = 'prod' ORDER BY version DESC"),
        ("WITH v AS (SELECT * FROM system.information_schema.registered_models) "
        "SELECT count(*) FROM v"))),
)


def _alternatives(text: str) -> list[str]:
    """The forms of a syntax text: every choice of every {a | b} and [optional] part."""
    match = re.search(r"[\[{]", text)
    if not match:
        return [" ".join(text.split())]
    start, depth = match.start(), 0
    for end in range(start, len(text)):  # the matching bracket
        depth += text[end] in "[{"
        depth -= text[end] in "]}"
        if depth == 0:
            break
    inside, choices, depth, part = text[start + 1 : end], [], 0, ""
    for char in inside:  # split on | at this level only
        depth += char in "[{"
        depth -= char in "]}"
        if char == "|" and depth == 0:
            choices.append(part)
            part = ""
        else:
            part += char
    choices.append(part)
    if text[start] == "[":
        choices.append("")
    heads = [alt for choice in choices for alt in _alternatives(choice)]
    tails = _alternatives(text[end + 1 :])
    return [" ".join(f"{text[:start]} {h} {t}".split()) for h, t in itertools.product(heads, tails)]


@functools.cache
def expansions(line: str) -> tuple[str, ...]:
    """Every statement a syntax line allows, e.g. ``DROP MODEL [IF EXISTS] m`` ->
    (``DROP MODEL IF EXISTS m``, ``DROP MODEL m``). (A `[`, `{` or `|` inside a quoted string
    or `name` would be misread, so the lines keep them out of quotes.)"""
    return tuple(_alternatives(line))


def topics_for(query: str) -> list[Topic]:
    """The topics for ``\\h query``: those with a form starting with the query's words (GRANT,
    ALTER MODEL, SHOW GRANTS), else those whose title contains them (ADD VERSION)."""
    words = " ".join(query.upper().split())
    if not words:
        return list(TOPICS)
    starting = [t for t in TOPICS
                if any(form.upper().startswith(words) for line in t.lines
                       for form in expansions(line))]
    return starting or [t for t in TOPICS if words in t.title]


def help_text(query: str = "") -> str:
    """What ``\\h`` prints: a topic list, or the syntax of the matching statements."""
    if not query.strip():
        titles = ", ".join(t.title for t in TOPICS)
        return (f"Statements: {titles}.\n"
                "\\h NAME shows the syntax, e.g. \\h GRANT or \\h ALTER MODEL. "
                "\\? lists the shell commands.")
    found = topics_for(query)
    if not found:
        return (f"No statement matches {query.strip()!r}. Statements: "
                + ", ".join(t.title for t in TOPICS) + ".")
    out = []
    for topic in found:
        out.append(f"{topic.title}: {topic.summary}")
        out += [f"  {line};" for line in topic.lines]
        if topic.title in ("GRANT", "REVOKE"):
            out.append("  Privileges: " + ", ".join(p.replace("_", " ") for p in PRIVILEGES)
                       + " (spaces or underscores).")
    out.append("[x] is optional, {a | b} a choice; the names are examples.")
    return "\n".join(out)


@functools.cache
def keywords() -> tuple[str, ...]:
    """The keywords of the dialect's statements (upper-case words of the syntax lines), plus
    the everyday words of queries."""
    words = {w for topic in TOPICS for line in topic.lines
             for w in re.findall(r"(?<![`'.\w])[A-Z][A-Z_]+(?![`'.\w])", line)}
    words |= {"SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "LIMIT", "JOIN", "ON", "AND",
              "OR", "NOT", "AS", "DISTINCT", "COUNT", "HAVING", "WITH", "UNION", "DESC", "ASC",
              "LIKE", "IN", "IS", "NULL", "CASE", "WHEN", "THEN", "ELSE", "END"}
    return tuple(sorted(words))
