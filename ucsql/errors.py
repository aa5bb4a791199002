"""The errors ucsql raises: one small hierarchy, each carrying an MLflow error code.

Every message says what went wrong, where, and how to fix it, so that the CLI, the notebook and
the MLflow façade can show it to the user unchanged.
"""

from __future__ import annotations


class UcsqlError(Exception):
    """Base class. ``code`` is the MLflow error code the façade reports."""

    code = "INTERNAL_ERROR"
    # The 1-based line of the script where the failing statement starts (set by Catalog.run), so
    # that `ucsql -f script.sql` can say where it stopped. None when not run from a script.
    line: int | None = None
    # Whether the refusal is already in the audit log (set where it is written), so that a layer
    # above (the MLflow façade) audits only the refusals that never reached the engine.
    audited: bool = False

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ParseError(UcsqlError):
    """SQL text that is not a ucsql statement. ``line`` and ``column`` are 1-based."""

    code = "INVALID_PARAMETER_VALUE"

    def __init__(self, message: str, line: int = 1, column: int = 1, statement: str = ""):
        self.line = line
        self.column = column
        self.statement = statement
        super().__init__(self._render(message))
        self.reason = message

    def _render(self, message: str) -> str:
        text = f"Syntax error at line {self.line}, column {self.column}: {message}"
        lines = self.statement.splitlines()
        if 0 < self.line <= len(lines):
            text += "\n  " + lines[self.line - 1] + "\n  " + " " * (self.column - 1) + "^"
        return text


class InvalidArgument(UcsqlError):
    """A well-formed statement with a value ucsql does not accept (a bad name, tag, alias ...)."""

    code = "INVALID_PARAMETER_VALUE"


class Cancelled(UcsqlError):
    """The statement was stopped by ``Catalog.cancel()`` (Ctrl-C in the shell); nothing of it
    was applied."""

    code = "ABORTED"


class NotFound(UcsqlError):
    """The statement names an object that does not exist (or that the caller may not see)."""

    code = "RESOURCE_DOES_NOT_EXIST"


class AlreadyExists(UcsqlError):
    code = "RESOURCE_ALREADY_EXISTS"


class PermissionDenied(UcsqlError):
    """A refused statement. Names the principal, the operation, the object and what is missing."""

    code = "PERMISSION_DENIED"

    def __init__(self, message: str, *, principal: str = "", operation: str = "",
                 securable: str = "", missing: str = ""):
        super().__init__(message)
        self.principal = principal
        self.operation = operation
        self.securable = securable
        self.missing = missing


class RefusedUrl(InvalidArgument):
    """A webhook URL the delivery rules refuse: a scheme not allowed (https only unless http is
    allowed), no host, or a host that resolves to a private, loopback or link-local address
    (unless those are allowed), as MLflow's webhooks refuse them."""


class MetastoreError(UcsqlError):
    """The metastore file cannot be used: newer than this code, locked, or damaged."""

    code = "INTERNAL_ERROR"


__all__ = [
    "UcsqlError", "ParseError", "InvalidArgument", "NotFound", "AlreadyExists",
    "PermissionDenied", "RefusedUrl", "MetastoreError",
]


class UnsupportedStatement(ParseError):
    """Well-formed SQL that ucsql refuses to run (INSERT, ATTACH, COPY, PRAGMA, SET ...).

    ``kind`` names the statement (``INSERT``). The engine audits these as refusals.
    """

    code = "INVALID_PARAMETER_VALUE"

    def __init__(self, message: str, kind: str, line: int = 1, column: int = 1, statement: str = ""):
        self.kind = kind
        super().__init__(message, line, column, statement)


__all__.append("UnsupportedStatement")


class Unauthenticated(UcsqlError):
    """A token that does not prove who the caller is: malformed, unknown, dropped or expired
    (the message does not say which, so a guess learns nothing)."""

    code = "UNAUTHENTICATED"


__all__.append("Unauthenticated")


class Unreachable(UcsqlError):
    """A server (``ucsql.connect("http://...")``) cannot be reached, or is not a ucsql server."""

    code = "TEMPORARILY_UNAVAILABLE"


__all__.append("Unreachable")
