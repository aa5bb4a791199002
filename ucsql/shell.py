"""The interactive shell (``ucsql METASTORE`` at a terminal): prompt_toolkit line editing with
history, Tab completion, SQL highlighting, multi-line statements ending in ``;``, and backslash
(or dot) commands. SQL runs through :func:`ucsql.cli.run_script`, like every other way in.

Tab completion is :mod:`ucsql.completion`; the describing commands (``\\d`` and kin) are
:mod:`ucsql.meta_commands`.
"""

from __future__ import annotations

import os
import re
import urllib.parse

import click
from prompt_toolkit import PromptSession
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.lexers import Lexer
from prompt_toolkit.styles import Style
from sqlglot.dialects.duckdb import DuckDB

from . import __version__, meta_commands, syntax
from .api import Catalog, is_url
from .cli import QUIT_COMMANDS, Settings, is_complete, report, run_script
from .completion import Names, SqlCompleter
from .errors import UcsqlError
from .format import EXPANDED, FORMATS

COMMANDS_HELP = """\
\\h [STATEMENT]          syntax of a statement (\\h GRANT, \\h ALTER MODEL); no name: the list
{describing}
\\format [FORMAT]        output format: table, csv, json, markdown (.mode FORMAT too)
\\x [on|off|auto]        expanded display: one field per line (auto, the default: when a
                        table is wider than the terminal)
\\timing [on|off]        show how long each statement took (.timer on|off too)
\\?                      this list
\\q                      quit (also .quit, exit, Ctrl-D)
Statements end with ';'. Tab completes; Ctrl-C drops the current input or cancels
the running statement.""".format(describing=meta_commands.HELP)

class SqlLexer(Lexer):
    """Colours keywords, strings, numbers, `names`, parameters and comments. A regular lexer
    rather than the parser, so that half-typed statements colour too."""

    _TOKEN = re.compile(r"""(?P<comment>--[^\n]*|/\*.*?(\*/|$))
        |(?P<string>'(?:[^']|'')*'?|"(?:[^"]|"")*"?)
        |(?P<name>`[^`]*`?)
        |(?P<number>\b\d+(\.\d+)?\b)
        |(?P<parameter>[?]|[:$]\w+)
        |(?P<word>\w+)""", re.DOTALL | re.VERBOSE)
    _KEYWORDS = frozenset(syntax.keywords()) | frozenset(
        k for k in DuckDB.Tokenizer.KEYWORDS if k.isalpha())

    def lex_document(self, document: Document):
        fragments: list[tuple[str, str]] = []
        text, position = document.text, 0
        for match in self._TOKEN.finditer(text):
            fragments.append(("", text[position : match.start()]))
            kind = match.lastgroup
            if kind == "word":
                kind = "keyword" if match.group().upper() in self._KEYWORDS else ""
            fragments.append((f"class:{kind}" if kind else "", match.group()))
            position = match.end()
        fragments.append(("", text[position:]))
        lines: list[list[tuple[str, str]]] = [[]]
        for style, chunk in fragments:  # split multi-line strings and comments into lines
            for i, part in enumerate(chunk.split("\n")):
                if i:
                    lines.append([])
                if part:
                    lines[-1].append((style, part))
        return lambda number: lines[number] if number < len(lines) else []


STYLE = Style.from_dict({
    "keyword": "ansiblue bold", "string": "ansigreen", "number": "ansimagenta",
    "name": "ansicyan", "parameter": "ansiyellow", "comment": "ansibrightblack italic",
})


def command(text: str, settings: Settings, catalog: Catalog) -> bool:
    """Run a backslash or dot command. Returns False when it asks to quit."""
    name, _, arg = text.strip().rstrip(";").partition(" ")
    arg = arg.strip()
    name = name.lower()
    if text.strip().rstrip(";").strip() in QUIT_COMMANDS:
        return False
    if name in meta_commands.NAMES:  # \\d and kin: a statement, run as if typed
        try:
            sql, params = meta_commands.statement(name, arg)
        except UcsqlError as error:
            report(error)
        else:
            run_script(catalog, sql, settings, params=params)
    elif name in ("\\h", "\\help", ".help") and (arg or name != ".help"):
        click.echo(syntax.help_text(arg))
    elif name in ("\\?", ".help"):
        click.echo(COMMANDS_HELP)
    elif name in ("\\format", ".mode", "\\pset"):
        arg = arg.removeprefix("format").strip().lower() if name == "\\pset" else arg.lower()
        if arg and arg not in FORMATS:
            click.echo(f"Error: unknown format {arg!r}; use one of {', '.join(FORMATS)}.",
                       err=True)
        elif arg:
            settings.format = arg
        click.echo(f"Output format is {settings.format}.")
    elif name == "\\x":  # psql: \x alone toggles; auto expands only what is too wide
        if arg.lower() not in ("", *EXPANDED):
            click.echo(f"Error: \\x takes on, off or auto, not {arg!r}.", err=True)
        else:
            settings.expanded = arg.lower() or ("off" if settings.expanded == "on" else "on")
            click.echo(f"Expanded display is {settings.expanded}.")
    elif name in ("\\timing", ".timer"):
        if arg.lower() not in ("", "on", "off"):
            click.echo(f"Error: {name} takes on or off, not {arg!r}.", err=True)
        else:
            settings.timing = arg.lower() == "on" if arg else not settings.timing
            click.echo(f"Timing is {'on' if settings.timing else 'off'}.")
    else:
        click.echo(f"Error: unknown command {name}. \\? lists the commands; SQL ends with ';'.",
                   err=True)
    return True


def shell(catalog: Catalog, metastore: str, settings: Settings | None = None) -> int:
    """The interactive shell. Ctrl-C drops the current input (or stops a running statement);
    Ctrl-D, ``\\q`` or ``exit`` quits."""
    settings = settings or Settings()
    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event) -> None:
        buffer = event.current_buffer
        if is_complete(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    names = Names(catalog)
    history = os.path.expanduser(os.environ.get("UCSQL_HISTORY") or "~/.ucsql_history")
    name = (metastore if metastore == ":memory:"
            else urllib.parse.urlsplit(metastore).netloc if is_url(metastore)
            else os.path.basename(metastore))
    session = PromptSession(
        f"{catalog.principal}@{name}> ",
        multiline=True,
        key_bindings=bindings,
        prompt_continuation=lambda width, line_number, wrapped: "...> ".rjust(width),
        history=FileHistory(history),
        completer=SqlCompleter(names),
        complete_while_typing=False,  # Tab completes: names are read only when asked for
        lexer=SqlLexer(),
        style=STYLE,
    )
    click.echo(f"ucsql {__version__}: {name} as {catalog.principal}. "
               "End statements with ';'. \\h for help, \\q quits.")
    while True:
        try:
            text = session.prompt()
            stripped = text.strip()
            if stripped and stripped[0] in "\\." or stripped.rstrip(";") in QUIT_COMMANDS:
                if not command(stripped, settings, catalog):
                    return 0
            elif stripped:
                run_script(catalog, text, settings)
                names.stale = True
        except KeyboardInterrupt:  # at the prompt: drop the input; while running: stop it
            names.stale = True
            continue
        except EOFError:
            return 0
