"""The ``ucsql`` command: run SQL against a metastore file, or open an interactive shell.

    $ ucsql models.duckdb -c "CREATE CATALOG prod; SHOW CATALOGS"
    $ ucsql models.duckdb < setup.sql
    $ ucsql models.duckdb
    alice@models.duckdb> SHOW CATALOGS;

Every way in (``-c``, a piped script, the shell) runs through :func:`run_script`, so they print
results and errors the same way.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import click
from sqlglot.errors import TokenError
from sqlglot.tokens import TokenType

from . import __version__, dialect
from .api import Catalog, connect, default_principal
from .errors import UcsqlError
from .result import Result

QUIT_COMMANDS = {"\\q", ".quit", ".exit", "exit", "quit"}


def results(catalog: Catalog, script: str) -> Iterator[Result]:
    """Run a ``;``-separated script statement by statement, yielding each statement's result."""
    yield from catalog.run(script)


def report(error: Exception) -> int:
    """Print an error to stderr as ``Error: ...``; return the exit status it calls for."""
    if isinstance(error, UcsqlError):
        click.echo(f"Error: {error.message}", err=True)
        return 1
    first_line = (str(error).strip().splitlines() or [""])[0]
    click.echo(f"Error: internal error ({type(error).__name__}): {first_line}", err=True)
    return 2


def run_script(catalog: Catalog, script: str) -> int:
    """Run a script, printing each result as it comes; stop at the first error.

    Returns the exit status: 0, 1 for a ucsql error, 2 for an unexpected one.
    """
    try:
        for result in results(catalog, script):
            click.echo(str(result))
    except Exception as error:
        return report(error)
    return 0


def is_complete(text: str) -> bool:
    """Whether Enter in the shell should run ``text``: a quit command, an empty line, or SQL
    whose last token is ``;`` (not one inside a string, a `name` or a comment)."""
    stripped = text.strip()
    if not stripped or stripped.rstrip(";").strip() in QUIT_COMMANDS:
        return True
    try:
        tokens = dialect.Ucsql().tokenize(stripped)
    except TokenError:  # an unterminated string, name or comment: keep reading
        return False
    return bool(tokens) and tokens[-1].token_type == TokenType.SEMICOLON


def shell(catalog: Catalog, metastore: str) -> int:
    """The interactive shell: multi-line statements ending in ``;``, history, errors that do not
    end the session. Ctrl-C drops the current input; Ctrl-D, ``\\q`` or ``exit`` quits."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event) -> None:
        buffer = event.current_buffer
        if is_complete(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    history = os.path.expanduser(os.environ.get("UCSQL_HISTORY") or "~/.ucsql_history")
    name = metastore if metastore == ":memory:" else os.path.basename(metastore)
    session = PromptSession(
        f"{catalog.principal}@{name}> ",
        multiline=True,
        key_bindings=bindings,
        prompt_continuation=lambda width, line_number, wrapped: "...> ".rjust(width),
        history=FileHistory(history),
    )
    click.echo(f"ucsql {__version__}: {name} as {catalog.principal}. "
               "End statements with ';'. \\q quits.")
    while True:
        try:
            text = session.prompt()
            if text.strip().rstrip(";").strip() in QUIT_COMMANDS:
                return 0
            if text.strip():
                run_script(catalog, text)
        except KeyboardInterrupt:  # at the prompt: drop the input; while running: stop it
            continue
        except EOFError:
            return 0


def collect_garbage(metastore: str, principal: str | None) -> int:
    """``ucsql gc METASTORE``: remove leftover model files; print what went."""
    try:
        with connect(metastore, principal or default_principal()) as catalog:
            removed = catalog.engine.metastore.collect_garbage()
    except Exception as error:
        return report(error)
    for path in removed:
        click.echo(f"removed {path}")
    click.echo(f"{len(removed)} leftover folder{'s' if len(removed) != 1 else ''} removed.")
    return 0


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("metastore")
@click.argument("gc_target", required=False, metavar="")
@click.option("-c", "--command", "scripts", multiple=True, metavar="SQL",
              help="SQL to run (';'-separated statements), then exit. Repeat to run several.")
@click.option("--principal", envvar="UCSQL_PRINCIPAL", metavar="NAME",
              help="Who you are. Default: $UCSQL_PRINCIPAL, else your login name.")
@click.version_option(__version__, prog_name="ucsql")
def main(metastore: str, gc_target: str | None, scripts: tuple[str, ...],
         principal: str | None) -> None:
    """Run SQL against the METASTORE file (created if missing; ':memory:' for a throwaway one).

    With -c, run the SQL given and exit. Otherwise run the script piped on standard input, or,
    at a terminal, open an interactive shell. Each statement that returns rows prints a table;
    each change prints what it did. An error prints to stderr and exits with status 1.

    `ucsql gc METASTORE` removes model files that no version needs (left by a crash).

    Example: ucsql models.duckdb -c "CREATE CATALOG prod; SHOW CATALOGS"
    """
    if metastore == "gc" and gc_target:
        sys.exit(collect_garbage(gc_target, principal))
    if gc_target:
        raise click.UsageError(f"Unexpected argument {gc_target!r}; did you mean -c?")
    try:
        catalog = connect(metastore, principal or default_principal())
    except Exception as error:
        sys.exit(report(error))
    with catalog:
        if not scripts and sys.stdin.isatty():
            sys.exit(shell(catalog, metastore))
        if not scripts:
            sys.exit(run_script(catalog, sys.stdin.read()))
        for sql in scripts:
            status = run_script(catalog, sql)
            if status:
                sys.exit(status)
