"""The ``ucsql`` command: run SQL against a metastore file, or open an interactive shell.

    $ ucsql models.duckdb -c "CREATE CATALOG prod; SHOW CATALOGS"
    $ ucsql models.duckdb -f setup.sql -F csv
    $ ucsql models.duckdb < setup.sql
    $ ucsql models.duckdb
    alice@models.duckdb> SHOW CATALOGS;
    $ UCSQL_TOKEN=... ucsql http://registry:8080 -c "SHOW CATALOGS"   # a ucsql serve server

Every way in (``-c``, ``-f``, a piped script, the shell in ``ucsql.shell``) runs through
:func:`run_script`, so they print results (as table, csv, json or markdown) and errors the same
way.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import click
from sqlglot.errors import TokenError
from sqlglot.tokens import TokenType

from . import __version__, dialect, local_clients
from .api import Catalog, connect, default_principal, is_url
from .errors import Cancelled, PermissionDenied, UcsqlError
from .format import FORMATS, render
from .metastore import FileServed
from .progress import terminal_progress
from .result import Result

QUIT_COMMANDS = {"\\q", ".quit", ".exit", "exit", "quit"}


@dataclass
class Settings:
    """How results print: the format, the table width (None: the terminal's, if stdout is one),
    whether each statement's time is shown, expanded display and -1. The shell's \\format, \\x
    and \\timing change them."""

    format: str = "table"
    width: int | None = None
    timing: bool = False
    expanded: str = "off"  # -x / \\x: one field per line ("on"), or only when too wide ("auto")
    single_transaction: bool = False  # -1: a script (-c, -f, stdin) runs whole or not at all


def results(catalog: Catalog, script: str, progress=None, single_transaction: bool = False,
            params: list | None = None) -> Iterator[Result]:
    """Run a ``;``-separated script statement by statement, yielding each statement's result."""
    yield from catalog.run(script, params, progress=progress,
                           single_transaction=single_transaction,
                           as_rows=True)  # only printed: no need for Arrow (start-up time)


_END = object()
_worker: dict[str, object] = {}


def _next_result(catalog: Catalog, statements: Iterator[Result]):
    """The next statement's result (``_END`` after the last), computed in a worker thread so
    that Ctrl-C reaches this one at once and cancels the statement (a DuckDB query holds the
    main thread until it ends). One worker for the process: each thread has its own cursor."""
    from concurrent.futures import ThreadPoolExecutor
    if "pool" not in _worker:
        _worker["pool"] = ThreadPoolExecutor(1, thread_name_prefix="ucsql-statement")
    future = _worker["pool"].submit(next, statements, _END)
    while True:
        try:
            return future.result()
        except KeyboardInterrupt:  # the statement stops and raises Cancelled from result()
            catalog.cancel()


def report(error: Exception, source: str | None = None) -> int:
    """Print an error to stderr as ``Error: ...`` (``Error: FILE:LINE: ...`` for a script file);
    return the exit status it calls for."""
    if isinstance(error, UcsqlError):
        where = f"{source}:{error.line}: " if source and error.line else ""
        click.echo(f"Error: {where}{error.message}", err=True)
        return 1
    first_line = (str(error).strip().splitlines() or [""])[0]
    click.echo(f"Error: internal error ({type(error).__name__}): {first_line}", err=True)
    return 2


def show(result: Result, settings: Settings) -> None:
    """Print one result. In csv and json the rows alone go to stdout (a message such as "Created
    catalog prod." goes to stderr), so that the output stays machine-readable."""
    text = render(result, settings.format, terminal_width(settings.width), settings.expanded)
    if text:  # (JSON lines of no rows are nothing at all)
        message_only = not result.columns
        if not message_only and page(text):
            return
        click.echo(text, err=message_only and settings.format in ("csv", "json"))


def page(text: str) -> bool:
    """Show a result taller than the terminal through $PAGER (default ``less -FRX``: it quits
    at once if the text fits, keeps colours and leaves the text on the screen), as psql does.
    Only when stdin and stdout are a terminal; PAGER='' turns it off. Returns whether it did."""
    import shlex
    import subprocess
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        return False
    if text.count("\n") + 1 < shutil.get_terminal_size().lines:
        return False
    command = shlex.split(os.environ.get("PAGER", "less -FRX"))
    if not command or not shutil.which(command[0]):
        return False
    try:
        subprocess.run(command, input=text + "\n", text=True, check=False)
    except OSError:
        return False
    return True


def run_script(catalog: Catalog, script: str, settings: Settings | None = None,
               source: str | None = None, params: list | None = None) -> int:
    """Run a script, printing each result as it comes; stop at the first error.

    ``source`` names the script file for errors; ``params`` binds its ``?`` (the shell's
    describing commands pass their patterns so). Returns the exit status: 0, 1 for a ucsql
    error, 2 for an unexpected one. A progress bar shows long work when stderr is a terminal.
    """
    settings = settings or Settings()
    bar = terminal_progress(sys.stderr)
    try:
        started = time.perf_counter()
        statements = results(catalog, script, bar, settings.single_transaction, params)
        while (result := _next_result(catalog, statements)) is not _END:
            if bar:
                bar.close()
            show(result, settings)
            if settings.timing:
                click.echo(f"Time: {time.perf_counter() - started:.3f} s", err=True)
            started = time.perf_counter()
    except Exception as error:  # noqa: BLE001 -- one line on stderr, never a traceback
        status = 130 if isinstance(error, Cancelled) else report(error, source)
        if status == 130:
            click.echo("Cancelled: nothing of the statement was applied.", err=True)
        if settings.single_transaction:
            click.echo("Nothing was applied: the script ran as one transaction (-1) and was "
                       "rolled back.", err=True)
        return status
    finally:
        if bar:
            bar.close()
    return 0


def is_complete(text: str) -> bool:
    """Whether Enter in the shell should run ``text``: a quit or backslash/dot command, an empty
    line, or SQL whose last token is ``;`` (not one inside a string, a `name` or a comment)."""
    stripped = text.strip()
    if not stripped or stripped.rstrip(";").strip() in QUIT_COMMANDS:
        return True
    if stripped[0] in "\\." and "\n" not in stripped:
        return True
    try:
        tokens = dialect.Ucsql().tokenize(stripped)
    except TokenError:  # an unterminated string, name or comment: keep reading
        return False
    return bool(tokens) and tokens[-1].token_type == TokenType.SEMICOLON


def terminal_width(width: int | None) -> int | None:
    """The width tables wrap to: --width, else the terminal's when stdout is one, else none
    (a pipe gets whole lines)."""
    if width:
        return width
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


class _Commands(click.Group):
    """``ucsql METASTORE ...`` runs SQL (the ``sql`` command, named or not); ``ucsql gc``,
    ``ucsql backup`` and ``ucsql check`` look after the model files. A metastore file that is
    literally called like a command is reached as ``./gc``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help", "--version"):
            args = ["sql", *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("ucsql", "METASTORE [OPTIONS]   (or: ucsql COMMAND ...)")


_PRINCIPAL = click.option("--principal", envvar="UCSQL_PRINCIPAL", metavar="NAME",
                          help="Who you are. Default: $UCSQL_PRINCIPAL, else your login name.")


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ucsql")
def main() -> None:
    """ucsql: a model catalog in one DuckDB file, spoken in SQL.

    \b
    ucsql METASTORE [-c SQL | -f FILE]   run SQL, or open a shell (ucsql sql --help)
    ucsql gc METASTORE [--yes]           remove model files no version needs
    ucsql backup METASTORE DEST          a consistent copy of the metastore and its files
    ucsql check METASTORE                every version's files, byte for byte
    ucsql serve METASTORE                serve it over HTTP (MLflow's API and UI, tokens)
    ucsql migrate METASTORE --from URI --into CATALOG.SCHEMA   copy an MLflow registry in
    ucsql webhooks deliver METASTORE     send queued webhook deliveries [--loop]

    Example: ucsql models.duckdb -c "CREATE CATALOG prod; SHOW CATALOGS"
    """


def _open_existing(metastore: str, principal: str | None) -> Catalog:
    """The metastore file for a maintenance command: it must exist (gc of a typo must not
    create a new file)."""
    if metastore != ":memory:" and not os.path.isfile(os.path.expanduser(metastore)):
        raise click.UsageError(f"Metastore {metastore} does not exist; give the path of an "
                               "existing metastore file.")
    if metastore != ":memory:":
        # gc, backup and check need the file itself, which a server never lets go of.
        served = local_clients.find(os.path.realpath(os.path.expanduser(metastore)))
        if served is not None:
            raise FileServed(served)
    return connect(metastore, principal or default_principal())


def _maintenance(metastore: str, principal: str | None, work) -> int:
    """Open the metastore, run ``work(catalog) -> (result, exit status)``, print the result."""
    try:
        catalog = _open_existing(metastore, principal)
    except UcsqlError as error:
        return report(error)
    with catalog:
        try:
            result, status = work(catalog)
        except Exception as error:  # noqa: BLE001 -- one line on stderr, never a traceback
            return report(error)
    if len(result):
        show(result, Settings())
    click.echo(result.message, err=status != 0)
    return status


@main.command("gc")
@click.argument("metastore")
@click.option("--yes", is_flag=True, help="Remove the folders (without it, only list them).")
@_PRINCIPAL
def gc_command(metastore: str, yes: bool, principal: str | None) -> None:
    """Remove model files that no version needs: staging leftovers and folders of versions whose
    registration died before it was recorded.

    Without --yes it only lists them. Only this metastore's own storage roots are touched (the
    folders that carry its marker), and never a folder that any version names. Admin only.

    Example: ucsql gc models.duckdb --yes
    """
    sys.exit(_maintenance(metastore, principal,
                          lambda cat: (cat.collect_garbage(dry_run=not yes), 0)))


@main.command("backup")
@click.argument("metastore")
@click.argument("dest")
@_PRINCIPAL
def backup_command(metastore: str, dest: str, principal: str | None) -> None:
    """Copy METASTORE and every version's files to the new file DEST (and DEST.models): one
    consistent state, taken while holding the file, that opens and loads as it is. Admin only.

    Example: ucsql backup models.duckdb backups/models-2026-12-01.duckdb
    """
    sys.exit(_maintenance(metastore, principal, lambda cat: (cat.backup(dest), 0)))


@main.command("check")
@click.argument("metastore")
@_PRINCIPAL
def check_command(metastore: str, principal: str | None) -> None:
    """Check that every READY version has all its files, byte for byte, as they were when it
    was registered. Prints each missing, changed or added file with its model and version and
    exits with status 1 if there is any. Admin only.

    Example: ucsql check models.duckdb
    """
    def work(catalog: Catalog):
        result = catalog.check()
        return result, 1 if len(result) else 0
    sys.exit(_maintenance(metastore, principal, work))


@main.group("webhooks")
def webhooks_group() -> None:
    """Webhook deliveries of a metastore opened in place (ucsql serve delivers by itself)."""


@webhooks_group.command("deliver")
@click.argument("metastore")
@click.option("--loop", is_flag=True, help="Keep delivering until interrupted (Ctrl-C).")
@click.option("--idle", default=1.0, show_default=True, type=click.FloatRange(0.05, 3600),
              help="With --loop: seconds to wait when nothing is due.")
@click.option("--max-tries", type=click.IntRange(1, 1000),
              help="Tries before a delivery is dead (default: $UCSQL_WEBHOOK_MAX_TRIES, else 8).")
def webhooks_deliver_command(metastore: str, loop: bool, idle: float,
                             max_tries: int | None) -> None:
    """Send the queued webhook deliveries of METASTORE: every delivery due now (then stop), or,
    with --loop, until interrupted. The file is held only to claim and to record deliveries,
    never while waiting on a receiver; a delivery claimed by a worker that died is sent again,
    with the same delivery id, once its claim runs out ($UCSQL_WEBHOOK_CLAIM_SECONDS, 120).
    URL rules: MLflow's ($MLFLOW_WEBHOOK_ALLOWED_SCHEMES, $MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS).

    Example: ucsql webhooks deliver models.duckdb --loop
    """
    import threading

    from .webhooks.delivery import Worker
    from .webhooks.settings import DeliverySettings
    try:
        catalog = _open_existing(metastore, None)
        settings = DeliverySettings.from_env(max_tries=max_tries)
    except FileServed as served:  # nothing to do: the server runs the same worker
        click.echo(f"{served.served.path} is served by ucsql serve (process {served.served.pid}) "
                   f"at {served.served.url}, which delivers its webhooks itself.", err=True)
        return
    except UcsqlError as error:
        sys.exit(report(error))
    with catalog:
        worker = Worker(catalog.engine.metastore, catalog.engine.webhook_rules, settings)
        if loop:
            try:
                worker.run(threading.Event(), idle=idle)
            except KeyboardInterrupt:
                pass
            return
        tries = 0
        while (done := worker.run_once()):
            tries += done
        click.echo(f"Made {tries} delivery tr{'y' if tries == 1 else 'ies'}; their outcome is in "
                   "system.registry.webhook_deliveries.", err=True)


@main.command("serve")
@click.argument("metastore")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface; add --allowed-hosts).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False),
              help="TLS certificate (PEM); with --keyfile the server speaks https.")
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False),
              help="The certificate's private key (PEM).")
@click.option("--allowed-hosts", metavar="HOSTS",
              help="Comma-separated Host header values clients may use (MLflow's check; "
                   "default: localhost only).")
@click.option("--backend-store-uri", metavar="URI",
              help="MLflow's tracking store for runs (default: sqlite beside the metastore).")
def serve_command(metastore: str, host: str, port: int, certfile: str | None,
                  keyfile: str | None, allowed_hosts: str | None,
                  backend_store_uri: str | None) -> None:
    """Serve METASTORE to a team over HTTP: MLflow's REST API and web UI with ucsql as the
    registry. Every request needs a token (CREATE TOKEN); it runs as the token's principal.
    The server holds the file until it stops (Ctrl-C). Needs: pip install 'ucsql[server]'.

    Example: ucsql serve models.duckdb --port 8080, then on a training machine
    MLFLOW_TRACKING_URI=http://HOST:8080 MLFLOW_TRACKING_TOKEN=<token> python train.py
    """
    if (certfile is None) != (keyfile is None):
        raise click.UsageError("Give both --certfile and --keyfile for https, or neither.")
    try:
        catalog = _open_existing(metastore, None)
    except UcsqlError as error:
        sys.exit(report(error))
    from . import server

    def ready(url: str) -> None:
        click.echo(f"Serving {catalog.path} at {url} (MLflow UI and REST API; every request "
                   "needs a token). Ctrl-C stops.", err=True)
    with catalog:
        try:
            server.serve(catalog, host=host, port=port, certfile=certfile, keyfile=keyfile,
                         tracking_uri=backend_store_uri, allowed_hosts=allowed_hosts,
                         ready=ready)
        except UcsqlError as error:
            sys.exit(report(error))


@main.command("migrate")
@click.argument("metastore")
@click.option("--from", "source", required=True, metavar="URI",
              help="The MLflow registry to migrate from: any registry URI MLflow opens "
                   "(sqlite:///mlflow.db, a file store, http(s)://server, databricks).")
@click.option("--into", required=True, metavar="CATALOG.SCHEMA",
              help="The existing ucsql schema the models go into.")
@click.option("--tracking-uri", metavar="URI",
              help="The source's tracking store, where the versions' runs and files are "
                   "(default: the --from URI).")
@_PRINCIPAL
@click.option("--dry-run", is_flag=True, help="Print the plan and change nothing.")
@click.option("--stage-alias", "stage_aliases", multiple=True, metavar="STAGE=ALIAS",
              help="Map a stage to an alias (default Production=Champion, Staging=Challenger; "
                   "'Archived=archived' adds one, 'Staging=' maps a stage to none). Repeatable.")
@click.option("--infer-signature", is_flag=True,
              help="Give a version without signature one inferred from its input example "
                   "(loads the model: for sources you trust). Without it such versions are "
                   "skipped and reported.")
@click.option("--yes", is_flag=True, help="Migrate without asking (needed when not at a "
              "terminal).")
def migrate_command(metastore: str, source: str, into: str, tracking_uri: str | None,
                    principal: str | None, dry_run: bool, stage_aliases: tuple[str, ...],
                    infer_signature: bool, yes: bool) -> None:
    """Copy the models of an MLflow registry into CATALOG.SCHEMA of METASTORE: versions with
    their files, descriptions, tags and aliases; stages become aliases. Every change runs as
    --principal, with its privileges and audit. Idempotent: a rerun, or a run after one that was
    killed, adds only what is missing. Prints each step and a report at the end.

    Example: ucsql migrate models.duckdb --from sqlite:///mlflow.db --into prod.ml_team --yes
    """
    from .import_registry import Migration, parse_stage_aliases
    try:
        mapping = parse_stage_aliases(stage_aliases)
    except UcsqlError as error:
        raise click.BadParameter(error.message, param_hint="--stage-alias") from None
    if not (yes or dry_run) and not sys.stdin.isatty():
        raise click.UsageError("Not at a terminal: give --yes to migrate, or --dry-run to see "
                               "the plan.")
    try:
        catalog = _open_existing(metastore, principal)
    except UcsqlError as error:
        sys.exit(report(error))
    bar = terminal_progress(sys.stderr)

    def say(line: str) -> None:
        if bar:
            bar.close()  # the bar is drawn again by the next step
        click.echo(line)

    with catalog:
        migration = None
        try:
            if not (dry_run or yes):
                planned = Migration(catalog, source, into, tracking_uri=tracking_uri,
                                    stage_aliases=mapping, infer=infer_signature, dry_run=True,
                                    say=say, progress=bar).run()
                click.echo(planned.summary())
                if not click.confirm("Migrate?"):
                    click.echo("Nothing was migrated.", err=True)
                    sys.exit(1)
            migration = Migration(catalog, source, into, tracking_uri=tracking_uri,
                                  stage_aliases=mapping, infer=infer_signature, dry_run=dry_run,
                                  say=say, progress=bar)
            result = migration.run()
        except UcsqlError as error:
            status = report(error)
            if isinstance(error, PermissionDenied):
                click.echo(f"Migrating into {into} needs USE CATALOG, USE SCHEMA and CREATE "
                           "MODEL there (on models already there: ownership, or CREATE MODEL "
                           "VERSION, APPLY TAG and MANAGE): ask for them, or migrate as a "
                           "principal who holds them (--principal).", err=True)
            if migration is not None and migration.changes:
                click.echo(f"Stopped: what was changed before the error stays changed "
                           f"({migration.changes} statements); fix the cause and rerun to "
                           "finish.", err=True)
            sys.exit(status)
        finally:
            if bar:
                bar.close()
    _print_report(result)


def _print_report(result) -> None:
    """The end of a migration: each skip and note, then the counts."""
    skipped = [e for e in result.entries if e.outcome == "skipped"]
    if skipped:
        click.echo("Skipped:")
        for entry in skipped:
            click.echo(f"  {entry.source}: {entry.reason}")
    if result.notes:
        click.echo("Notes:")
        for note in result.notes:
            click.echo(f"  {note}")
    click.echo(result.summary())


@main.command("sql", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("metastore")
@click.option("-c", "--command", "scripts", multiple=True, metavar="SQL",
              help="SQL to run (';'-separated statements), then exit. Repeat to run several.")
@click.option("-f", "--file", "script_file", type=click.Path(dir_okay=False, allow_dash=True),
              metavar="FILE", help="Run the SQL script FILE ('-': stdin), stopping at the first "
              "error, which names the file and line.")
@click.option("-F", "--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="How results print: an aligned table, CSV, JSON lines "
              "(one object per row) or a markdown table.")
@click.option("--width", type=click.IntRange(20), metavar="N",
              help="Wrap tables to N columns. Default: the terminal's width (no wrapping when "
              "output is not a terminal).")
@click.option("-x", "--expanded", is_flag=True,
              help="Print each row as one field per line (psql's expanded display). Default: "
              "at a terminal, only results wider than it; in a pipe, never.")
@click.option("-1", "--single-transaction", "single", is_flag=True,
              help="Run each -c script, the -f file or the piped script as one transaction: "
              "all of it, or, if a statement fails, nothing.")
@_PRINCIPAL
@click.option("--token", metavar="TOKEN",
              help="For a server URL: your token (default: $UCSQL_TOKEN). Never printed.")
def sql_command(metastore: str, scripts: tuple[str, ...], script_file: str | None, fmt: str,
                width: int | None, expanded: bool, single: bool, principal: str | None,
                token: str | None) -> None:
    """Run SQL against the METASTORE file (created if missing; ':memory:' for a throwaway one),
    or against the server at a URL (ucsql http://host:8080, as the owner of --token).

    With -c or -f, run that SQL and exit. Otherwise run the script piped on standard input, or,
    at a terminal, open an interactive shell (\\? there lists its commands, \\h GRANT shows a
    statement's syntax). Each statement that returns rows prints them; each change prints what
    it did. An error prints to stderr and exits with status 1.

    Example: ucsql models.duckdb -c "CREATE CATALOG prod; SHOW CATALOGS"
    """
    script = None
    if script_file:  # read it before opening the metastore: a bad file changes nothing
        try:
            # A quoted ~/script.sql reaches us unexpanded (the shell expands only bare words).
            path = script_file if script_file == "-" else os.path.expanduser(script_file)
            with click.open_file(path, encoding="utf-8") as f:
                script = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise click.BadParameter(f"cannot read {script_file}: {e}", param_hint="-f") from None
    # At a terminal a result too wide for it prints one field per line (\x auto), so that a
    # one-row answer of many columns (GET MODEL VERSION) stays readable; a pipe keeps tables.
    settings = Settings(fmt, width, expanded="on" if expanded else "auto" if sys.stdout.isatty()
                        else "off",
                        single_transaction=single)
    try:
        catalog = _connect(metastore, principal, token)
    except click.ClickException:
        raise
    except Exception as error:  # noqa: BLE001 -- one line on stderr, never a traceback
        sys.exit(report(error))
    if catalog.created:  # a mistyped path makes a new file: say so, where results do not go
        click.echo(f"Created metastore {catalog.engine.metastore.path}; you are its admin "
                   f"({catalog.principal}).", err=True)
    with catalog:
        try:
            status = _run(catalog, metastore, settings, scripts, script, script_file)
        except KeyboardInterrupt:
            click.echo("Cancelled.", err=True)
            status = 130
    sys.exit(status)


def _connect(metastore: str, principal: str | None, token: str | None) -> Catalog:
    """The metastore file, or the server at a URL (where the token says who you are)."""
    if not is_url(metastore):
        if token is not None:
            raise click.UsageError("--token is for a server URL (ucsql http://HOST:8080 ...); "
                                   "a metastore file needs none.")
        return connect(metastore, principal or default_principal())
    source = click.get_current_context().get_parameter_source("principal")
    if principal and source == click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--principal is for a metastore file: on a server you are the "
                               "owner of your token (--token or UCSQL_TOKEN).")
    return connect(metastore, token=token)


def _run(catalog: Catalog, metastore: str, settings: Settings, scripts: tuple[str, ...],
         script: str | None, script_file: str | None) -> int:
    """-c scripts in order, then the -f file; else stdin, or the shell at a terminal."""
    if not scripts and script is None:
        if sys.stdin.isatty():
            from .shell import shell  # prompt_toolkit is only needed here
            return shell(catalog, metastore, settings)
        return run_script(catalog, sys.stdin.read(), settings)
    for sql in scripts:
        status = run_script(catalog, sql, settings)
        if status:
            return status
    if script is not None:
        source = "<stdin>" if script_file == "-" else script_file
        return run_script(catalog, script, settings, source)
    return 0
