"""Validation of names, tags, aliases and comments (privileges.md, "Constraints").

Every check raises ``InvalidArgument`` with a message that says which value, what is wrong with
it, and how to fix it. Nothing here touches the database.

    >>> securable_name("ML_Team", "schema")
    'ml_team'
    >>> alias("Champion")
    'Champion'
"""

from __future__ import annotations

import re

from .errors import InvalidArgument

MAX_NAME = 255
MAX_COMMENT = 65_536
# Paths: Linux's PATH_MAX and NAME_MAX, in bytes of UTF-8. A longer path is refused with a message
# rather than failing later inside the operating system ("File name too long").
MAX_PATH = 4_096
MAX_PATH_PART = 255
# Other text a version records (ADD VERSION's SOURCE, RUN, LINK, LOGGED MODEL, LINEAGE) and LIKE
# patterns: bounded, so that no statement stores or matches text of any size.
MAX_ID = 255
MAX_URI = 65_536
MAX_LINEAGE = 1_000_000
MAX_PATTERN = 4_096
MAX_TAG_VALUE = 1_000
MAX_TAGS = 50
MAX_ALIASES = 10

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ALIAS = re.compile(r"[A-Za-z0-9_-]+")
_VERSION_LIKE = re.compile(r"[vV][0-9]+")
_TAG_FORBIDDEN = set(".,-=/:")


def shown(text: str, limit: int = 60) -> str:
    """``repr`` of a value for a message (a lone surrogate shows as ``'\\udcff'``), cut to about
    ``limit`` characters."""
    return repr(text) if len(text) <= limit else repr(text[: limit - 3]) + "..."


def is_unicode(text: str) -> bool:
    """Whether ``text`` is valid Unicode (no lone surrogate), so DuckDB can store it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unicode_text(text: str, what: str) -> str:
    """``text``, refused (InvalidArgument) if it holds a lone surrogate; ``what`` names it."""
    if not is_unicode(text):
        raise InvalidArgument(f"{what} {shown(text)} holds an invalid character (a lone "
                              "surrogate, left by bytes that are not UTF-8); give valid UTF-8 "
                              "text.")
    return text


def securable_name(name: str, kind: str) -> str:
    """A catalog, schema or model name part: 1-255 characters without ``.``, space, ``/``,
    control characters or DEL; returned lower-case (names are case-insensitive). The length
    limit applies to the stored, lower-cased form (``İ`` lower-cases to two characters).

    >>> len(securable_name("İ" * 100, "catalog"))
    200
    """
    if not name:
        raise InvalidArgument(f"The {kind} name is empty. Give a name of 1-255 characters.")
    unicode_text(name, f"The {kind} name")
    stored = name.lower()
    if len(stored) > MAX_NAME:
        longer = "" if len(stored) == len(name) else \
            f" once lower-cased (it is written with {len(name)})"
        raise InvalidArgument(f"The {kind} name {shown(name)} is {len(stored)} characters long"
                              f"{longer}; names are at most {MAX_NAME} characters.")
    bad = sorted({c for c in name if c in "./ " or _CONTROL.match(c)})
    if bad:
        listed = ", ".join(repr(c) for c in bad)
        raise InvalidArgument(f"The {kind} name {name!r} contains {listed}; names may not contain "
                              "'.', space, '/' or control characters, even in backticks. Use '_' "
                              "instead.")
    return stored


def principal_name(name: str) -> str:
    """A user or group name: 1-255 characters of valid Unicode, no control characters. Case is
    kept."""
    if not isinstance(name, str):
        raise InvalidArgument(f"Principal name {name!r} is not valid: give a name as text, e.g. "
                              "`alice@example.com`.")
    if not is_unicode(name):
        raise InvalidArgument(f"Principal name {shown(name)} holds an invalid character (a lone "
                              "surrogate, left by bytes that are not UTF-8, e.g. in "
                              "UCSQL_PRINCIPAL); give the name as valid UTF-8, e.g. "
                              "`alice@example.com`.")
    if not name or len(name) > MAX_NAME or _CONTROL.search(name):
        raise InvalidArgument(f"Principal name {shown(name)} is not valid: use 1-255 characters "
                              "without control characters, e.g. `alice@example.com`.")
    return name


def alias(name: str) -> str:
    """An alias: 1-255 letters, digits, ``_`` or ``-``; not ``latest``, not ``v<digits>``, not
    all digits. Case-sensitive."""
    if not name or len(name) > MAX_NAME or not _ALIAS.fullmatch(name):
        raise InvalidArgument(f"Alias {name!r} is not valid: use 1-255 letters, digits, '_' or '-', "
                              "e.g. Champion.")
    if name.lower() == "latest" or _VERSION_LIKE.fullmatch(name) or name.isdigit():
        raise InvalidArgument(f"Alias {name!r} is reserved: 'latest', 'v' followed by digits and "
                              "plain numbers already name versions. Choose another, e.g. Champion.")
    return name


def tag_key(key: str) -> str:
    """A tag key: 1-255 characters without ``. , - = / :`` and without leading or trailing spaces
    (keys starting with ``mlflow.`` are MLflow system tags and may contain dots)."""
    if not key or len(key) > MAX_NAME:
        raise InvalidArgument(f"Tag key {key[:60]!r} is not valid: use 1-255 characters.")
    if key != key.strip():
        raise InvalidArgument(f"Tag key {key!r} has leading or trailing spaces; remove them.")
    allowed = set(".") if key.startswith("mlflow.") else set()
    bad = sorted((set(key) & _TAG_FORBIDDEN) - allowed)
    if bad or _CONTROL.search(key):
        shown = ", ".join(repr(c) for c in bad) or "a control character"
        raise InvalidArgument(f"Tag key {key!r} contains {shown}; tag keys may not contain "
                              ". , - = / : (use '_' instead).")
    return key


def tag_value(key: str, value: str | None) -> str | None:
    if value is not None and len(value) > MAX_TAG_VALUE:
        raise InvalidArgument(f"The value of tag {key!r} is {len(value)} characters long; "
                              f"tag values are at most {MAX_TAG_VALUE:,} characters.")
    return value


def comment(text: str | None) -> str | None:
    if text is not None and len(text) > MAX_COMMENT:
        raise InvalidArgument(f"The comment is {len(text):,} characters long; comments are at most "
                              f"{MAX_COMMENT:,} characters.")
    return text


def version_number(value: object) -> int:
    text = str(value)
    if len(text) > 20:  # int() of a long text is slow, and no version has more digits
        raise InvalidArgument(f"Version {shown(text)} is not a version number; versions are "
                              "1, 2, 3 ...")
    try:
        number = int(text)
    except ValueError:
        raise InvalidArgument(f"Version {shown(text)} is not a number; versions are 1, 2, "
                              "3 ...") from None
    if number < 1:
        raise InvalidArgument(f"Version {number} is not valid; versions start at 1.")
    if number >= 2**63:
        raise InvalidArgument(f"Version {number} is out of range; versions are below 2^63.")
    return number


def local_path(text: str, what: str) -> str:
    """A path of the local filesystem as given (``ADD VERSION FROM``, ``MANAGED LOCATION``):
    valid Unicode without NUL, at most 4,096 bytes, every name in it at most 255 bytes, so the
    operating system can use it (else InvalidArgument; ``what`` names the path)."""
    unicode_text(text, what)
    if "\x00" in text:
        raise InvalidArgument(f"{what} {shown(text)} contains a NUL character, which no path "
                              "may contain.")
    size = len(text.encode("utf-8"))
    if size > MAX_PATH:
        raise InvalidArgument(f"{what} {shown(text)} is {size:,} bytes long; a path is at most "
                              f"{MAX_PATH:,} bytes. Give a shorter path (a symlink to the folder "
                              "will do).")
    longest = max(text.split("/"), key=lambda part: len(part.encode("utf-8")))
    if len(longest.encode("utf-8")) > MAX_PATH_PART:
        raise InvalidArgument(f"{what} {shown(text)} has a name of "
                              f"{len(longest.encode('utf-8')):,} bytes ({shown(longest, 30)}); "
                              f"each name in a path is at most {MAX_PATH_PART} bytes.")
    return text


def bounded(text: str | None, what: str, limit: int) -> str | None:
    """``text`` (or None), refused if longer than ``limit`` characters; ``what`` names it."""
    if text is not None and len(text) > limit:
        raise InvalidArgument(f"{what} is {len(text):,} characters long ({shown(text)}); it may "
                              f"be at most {limit:,}.")
    return text


PRIVILEGES = (
    "CREATE_CATALOG", "CREATE_MANAGED_STORAGE", "USE_CATALOG", "CREATE_SCHEMA", "BROWSE", "USE_SCHEMA", "CREATE_MODEL",
    "CREATE_FUNCTION", "CREATE_MODEL_VERSION", "EXECUTE", "APPLY_TAG", "MANAGE", "ALL_PRIVILEGES",
)


def privilege(text: str) -> str:
    """``use catalog`` / ``USE_CATALOG`` -> ``USE_CATALOG``."""
    name = "_".join(text.upper().split()).replace(" ", "_")
    if name not in PRIVILEGES:
        raise InvalidArgument(f"Unknown privilege {text!r}. Privileges are: {', '.join(PRIVILEGES)}.")
    return name
