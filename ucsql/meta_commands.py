r"""The shell's describing commands, in the family of psql's: ``\dc``, ``\dn``, ``\dm``, ``\dp``,
``\dg`` and ``\d NAME``. Each is a shorthand for a statement a user could type (SHOW CATALOGS,
DESCRIBE MODEL, a SELECT over a system view), which :func:`statement` spells out and the shell
runs like any typed statement: the same privilege checks, audit rows and errors.

Names in the argument become backtick-quoted identifiers and patterns bound parameters, so
nothing typed after a command is read as SQL.

    >>> statement("\\dm", "prod.ml_team.ir*")
    ('SHOW MODELS IN `prod`.`ml_team` LIKE ?', ['ir*'])
    >>> statement("\\d", "prod.ml_team.iris@Champion")
    ('DESCRIBE MODEL `prod`.`ml_team`.`iris` ALIAS `Champion`', [])
"""

from __future__ import annotations

import re

from .errors import InvalidArgument

HELP = """\
\\dc [PATTERN]           catalogs (SHOW CATALOGS [LIKE 'PATTERN']); \\l too
\\dn [CATALOG]           schemas, all or of one catalog (SHOW SCHEMAS [IN CATALOG])
\\dm [PATTERN]           models: \\dm prod.ml_team (SHOW MODELS IN), \\dm prod.ml_team.ir*,
                        \\dm ir* (any schema), \\dm prod.* (a SELECT over registered_models)
\\dp [NAME]              grants on a catalog, schema or model, or on the metastore (SHOW GRANTS)
\\dg [GROUP]             groups (SHOW GROUPS), or a group's members (SHOW USERS IN GROUP)
\\d[+] NAME              describe prod, prod.ml_team, prod.ml_team.iris, a version
                        (prod.ml_team.iris/2) or an alias (prod.ml_team.iris@Champion)
                        (DESCRIBE ...; + adds EXTENDED)"""

NAMES = ("\\dc", "\\l", "\\dn", "\\dm", "\\dp", "\\dg", "\\d", "\\d+")

# One name part: a `quoted name` (`` is a backtick inside it) or a run of other characters.
_PART = r"`(?:[^`]|``)+`|[^.`@/\s]+"
_NAME = re.compile(rf"(?P<parts>(?:{_PART})(?:\.(?:{_PART}))*)"
                   rf"(?:@(?P<alias>{_PART})|/(?P<version>\d+))?")
_MODELS_BY_PATTERN = (
    "SELECT m.full_name AS model, m.owner, m.comment, max(v.version) AS latest_version, "
    "m.updated_at FROM system.information_schema.registered_models AS m "
    "LEFT JOIN system.information_schema.model_versions AS v ON v.full_name = m.full_name "
    "WHERE m.catalog_name GLOB ? AND m.schema_name GLOB ? AND m.model_name GLOB ? "
    "GROUP BY ALL ORDER BY m.full_name")


def statement(name: str, arg: str) -> tuple[str, list[str]]:
    """The statement (text, bound parameters) a describing command stands for. A bad
    argument raises InvalidArgument saying what to type."""
    arg = arg.strip()
    if name in ("\\dc", "\\l"):
        return ("SHOW CATALOGS LIKE ?", [arg]) if arg else ("SHOW CATALOGS", [])
    if name == "\\dn":
        if not arg:
            return "SHOW SCHEMAS", []
        return "SHOW SCHEMAS IN " + _name(name, arg, 1, "a catalog name: \\dn prod"), []
    if name == "\\dm":
        return _models(arg)
    if name == "\\dp":
        if not arg:
            return "SHOW GRANTS ON METASTORE", []
        parts = _parts(name, arg, "a catalog, schema or model name: \\dp prod.ml_team")
        kind = {1: "CATALOG", 2: "SCHEMA", 3: "MODEL"}.get(len(parts))
        if kind is None or "@" in arg or "/" in arg:
            raise _usage(name, arg, "a catalog, schema or model name: \\dp prod.ml_team")
        return f"SHOW GRANTS ON {kind} {'.'.join(map(_quote, parts))}", []
    if name == "\\dg":
        if not arg:
            return "SHOW GROUPS", []
        return "SHOW USERS IN GROUP " + _name(name, arg, 1, "a group name: \\dg `ml-team`"), []
    if name in ("\\d", "\\d+"):
        return _describe(name, arg)
    raise InvalidArgument(f"Unknown command {name}. \\? lists the commands.")


def _describe(name: str, arg: str) -> tuple[str, list[str]]:
    what = ("a catalog, schema or model name: \\d prod, \\d prod.ml_team, "
            "\\d prod.ml_team.iris, \\d prod.ml_team.iris/2 or \\d prod.ml_team.iris@Champion")
    match = _NAME.fullmatch(arg)
    if not match:
        raise _usage(name, arg, what)
    parts = _split(match["parts"])
    kind = {1: "CATALOG", 2: "SCHEMA", 3: "MODEL"}.get(len(parts))
    one_version = match["alias"] or match["version"]
    if kind is None or (one_version and kind != "MODEL"):
        raise _usage(name, arg, what)
    extended = " EXTENDED" if name == "\\d+" and not one_version else ""
    text = f"DESCRIBE {kind}{extended} {'.'.join(map(_quote, parts))}"
    if match["version"]:
        text += f" VERSION {int(match['version'])}"
    elif match["alias"]:
        text += f" ALIAS {_quote(_unquoted(match['alias']))}"
    return text, []


def _models(arg: str) -> tuple[str, list[str]]:
    """SHOW MODELS where it can say it (no pattern, or a pattern of model names in one schema
    or in all), else a SELECT over registered_models with a GLOB pattern per name part."""
    if not arg:
        return "SHOW MODELS", []
    parts = _parts("\\dm", arg, "a schema or a pattern: \\dm prod.ml_team, \\dm prod.ml_team.ir*")
    if len(parts) > 3:
        raise _usage("\\dm", arg, "a schema or a pattern: \\dm prod.ml_team, \\dm prod.ml_team.ir*")
    if len(parts) == 1:
        return "SHOW MODELS LIKE ?", [parts[0]]
    schema, pattern = parts[:2], parts[2] if len(parts) == 3 else None
    if not any(_wild(p) for p in schema):
        text = f"SHOW MODELS IN {'.'.join(map(_quote, schema))}"
        return (text + " LIKE ?", [pattern]) if pattern else (text, [])
    return _MODELS_BY_PATTERN, [p.lower() for p in [*schema, pattern or "*"]]


def _name(command: str, arg: str, parts: int, what: str) -> str:
    """``arg`` as a quoted name of ``parts`` parts (no wildcards)."""
    found = _parts(command, arg, what)
    if len(found) != parts or any(_wild(p) for p in found):
        raise _usage(command, arg, what)
    return ".".join(map(_quote, found))


def _parts(command: str, arg: str, what: str) -> list[str]:
    if not re.fullmatch(rf"(?:{_PART})(?:\.(?:{_PART}))*", arg):
        raise _usage(command, arg, what)
    return _split(arg)


def _split(text: str) -> list[str]:
    return [_unquoted(p) for p in re.findall(_PART, text)]


def _unquoted(part: str) -> str:
    return part[1:-1].replace("``", "`") if part.startswith("`") else part


def _quote(part: str) -> str:
    return "`" + part.replace("`", "``") + "`"


def _wild(part: str) -> bool:
    return any(c in part for c in "*?[")


def _usage(command: str, arg: str, what: str) -> InvalidArgument:
    return InvalidArgument(f"{command} takes {what} (not {arg!r})." if arg
                           else f"{command} needs {what}.")
