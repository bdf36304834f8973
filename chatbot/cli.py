"""The `innersource` command."""

import argparse
import io
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.exc import OperationalError

from chatbot import __version__
from chatbot.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("innersource")
CLOSED_STDOUT = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader has gone


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Configuration problems:\n{exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("alembic", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        code: int = args.handler(settings, args)
        sys.stdout.flush()  # here, so that a closed stdout is noticed below and not at exit
        return code
    except BrokenPipeError:  # e.g. `innersource ask "find auth" | head -1`: the reader has gone
        _discard_stdout()
        return CLOSED_STDOUT
    except CliError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(f"Configuration problems:\n{exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        print(f"Cannot use the database: {exc.orig}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


class CliError(RuntimeError):
    pass


def _discard_stdout() -> None:
    """Point stdout at /dev/null so that what is still buffered does not fail again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="innersource", description="An InnerSource assistant for Slack.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP)")
    serve.add_argument("--migrate", action="store_true", help="apply database migrations before starting")
    serve.set_defaults(handler=cmd_serve)

    imp = sub.add_parser("import", help="import an InnerSource Portal repos.json file or URL")
    imp.add_argument("path_or_url")
    imp.set_defaults(handler=cmd_import)

    seed = sub.add_parser("seed", help="load the bundled sample catalog of a fictional company")
    seed.add_argument("--if-empty", action="store_true", help="only when the catalog has no projects yet")
    seed.set_defaults(handler=cmd_seed)

    ask = sub.add_parser("ask", help='run one command, e.g. innersource ask "/innersource find auth"')
    ask.add_argument("text", nargs="+")
    ask.add_argument("--user", default="ULOCAL", help="the Slack user id to act as")
    ask.add_argument("--channel", default="CLOCAL", help="the channel id to act in")
    ask.set_defaults(handler=cmd_ask)

    console = sub.add_parser("console", help="type /innersource commands and see the replies")
    console.add_argument("--user", default="ULOCAL")
    console.add_argument("--channel", default="CLOCAL")
    console.set_defaults(handler=cmd_console)

    sync = sub.add_parser("sync", help="sync the catalog from the sources in innersource.toml")
    sync.add_argument("--source", help="only this source (its name in innersource.toml)")
    sync.add_argument("--full", action="store_true", help="relist everything (finds deletions and renames)")
    sync.set_defaults(handler=cmd_sync)

    digest = sub.add_parser("digest", help="channel digests")
    digest_sub = digest.add_subparsers(title="digest commands", metavar="DIGEST_COMMAND")
    status = digest_sub.add_parser("status", help="each subscription: schedule, last sent, pauses, failures")
    status.set_defaults(handler=cmd_digest_status)

    nudges = sub.add_parser("nudges", help="who would be nudged about which waiting contribution, and why")
    mode = nudges.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="only show it (the default): nothing is sent")
    mode.add_argument("--send", action="store_true", help="run one real pass: send the nudges that are due")
    nudges.add_argument(
        "--at",
        metavar="WHEN",
        help="dry run as of another time, e.g. 2026-11-23T10:00Z (ISO 8601; UTC when no offset is given)",
    )
    nudges.set_defaults(handler=cmd_nudges)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(title="db commands", metavar="DB_COMMAND")
    up = db_sub.add_parser("upgrade", help="apply migrations up to the newest schema")
    up.set_defaults(handler=cmd_db_upgrade)
    current = db_sub.add_parser("current", help="show the schema revision")
    current.set_defaults(handler=cmd_db_current)
    return parser


def _engine(settings: Settings, *, require_schema: bool = True):  # type: ignore[no-untyped-def]
    from chatbot.db import SchemaOutOfDate, make_engine, require_current_schema

    engine = make_engine(settings.database_url)
    if require_schema:
        try:
            require_current_schema(engine)
        except SchemaOutOfDate as exc:
            raise CliError(str(exc)) from None
    return engine


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from chatbot.db import current_revision, upgrade

    engine = _engine(settings, require_schema=False)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    where = engine.url.render_as_string(hide_password=True)
    print(
        f"Database {where}: "
        + (f"upgraded {before or 'empty'} -> {after}" if before != after else f"at {after}")
    )
    return 0


def cmd_db_current(settings: Settings, args: argparse.Namespace) -> int:
    from chatbot.db import current_revision, head_revision

    engine = _engine(settings, require_schema=False)
    current, head = current_revision(engine), head_revision()
    state = "up to date" if current == head else f"behind: the newest is {head}; run `innersource db upgrade`"
    print(f"{current or 'empty'} ({state})")
    return 0 if current == head else 1


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from chatbot.catalog.importer import ImportFailed, import_portal_file

    engine = _engine(settings)
    try:
        report = import_portal_file(engine, args.path_or_url)
    except ImportFailed as exc:
        raise CliError(f"Import failed: {exc}") from None
    print(report.summary())
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    from chatbot.catalog.sample import catalog_is_empty, load_sample

    engine = _engine(settings)
    if args.if_empty and not catalog_is_empty(engine):
        print("The catalog already has projects; the sample was not loaded.")
        return 0
    report = load_sample(engine)
    print(
        f"Loaded the sample catalog: {report.projects} projects, {report.issues} issues, "
        f"{report.contributions} open pull requests, {report.people} people."
    )
    return 0


def _local(settings: Settings, user: str, channel: str):  # type: ignore[no-untyped-def]
    from chatbot.app import build_app
    from chatbot.console import LocalSlack
    from chatbot.handlers import Deps

    app = build_app(Deps(engine=_engine(settings), settings=settings), local=True)
    return LocalSlack(app, user_id=user, channel_id=channel)


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    from chatbot.console import render_message

    local = _local(settings, args.user, args.channel)
    message = local.command(" ".join(args.text))
    print(render_message(message, color=sys.stdout.isatty()))
    return 0


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from chatbot.console import render_message

    local = _local(settings, args.user, args.channel)
    color = sys.stdout.isatty()
    print("InnerSource console. Type /innersource help (or just: help, find auth). Ctrl-D or 'exit' quits.")
    while True:
        try:
            line = input("/innersource> " if sys.stdin.isatty() else "")
        except EOFError:
            print()
            return 0
        line = line.strip()
        if line in ("exit", "quit", ":q"):
            return 0
        if not line:
            continue
        print(render_message(local.command(line), color=color))
        print()


def cmd_sync(settings: Settings, args: argparse.Namespace) -> int:
    from chatbot.catalog.importer import ImportFailed
    from chatbot.sources.http import ForgeError
    from chatbot.sources.registry import build_sources
    from chatbot.sources.sync import run_sync

    configs = settings.app.sources
    if not configs:
        raise CliError(
            "No catalog sources are configured. Add [[sources]] tables to innersource.toml "
            "(see README, Configuration), or load a file once with `innersource import`."
        )
    if args.source:
        configs = tuple(c for c in configs if c.name == args.source)
        if not configs:
            names = ", ".join(c.name for c in settings.app.sources)
            raise CliError(f"No source is called {args.source!r}. Configured: {names}")
    engine = _engine(settings)
    failed = 0
    for source in build_sources(configs):
        seen = [0]

        def progress(count: int, name: str = source.name, seen: list[int] = seen) -> None:
            seen[0] += count
            if sys.stderr.isatty():
                print(f"\r{name}: {seen[0]} repositories synced", end="", file=sys.stderr, flush=True)

        try:
            summary = run_sync(engine, source, full=args.full, progress=progress)
        except ForgeError as exc:
            failed += 1
            print(f"\n{source.name}: sync stopped: {exc}. Run it again to resume.", file=sys.stderr)
            continue
        except ImportFailed as exc:  # a portal file that cannot be read
            failed += 1
            print(f"{source.name}: sync stopped: {exc}", file=sys.stderr)
            continue
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(summary.line())
    return 1 if failed else 0


def cmd_digest_status(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import timedelta

    from chatbot.clock import utcnow
    from digests.status import status_report

    grace = timedelta(hours=settings.app.digest_grace_hours)
    print("\n".join(status_report(_engine(settings), now=utcnow(), grace=grace)))
    return 0


def cmd_nudges(settings: Settings, args: argparse.Namespace) -> int:
    from chatbot.clock import utcnow
    from chatbot.nudges.jobs import describe_pass, dry_run, nudge_client, run_nudges

    engine = _engine(settings)
    if args.at and args.send:
        raise CliError("--at only goes with a dry run: nudges are sent at the time they are due.")
    now = _parse_when(args.at) if args.at else utcnow()
    if not args.send:
        print("\n".join(describe_pass(dry_run(engine, settings, now=now))))
        return 0
    if not settings.bot_token:
        raise CliError("SLACK_BOT_TOKEN is not set: `--send` posts the nudges through Slack.")
    result = run_nudges(engine, nudge_client(settings), settings, now=utcnow())
    print("\n".join(describe_pass(result)))
    return 1 if result.report is not None and result.report.failed else 0


def _parse_when(raw: str) -> datetime:
    try:
        when = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"--at {raw!r} is not a date and time such as 2026-11-23T10:00Z") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from chatbot.server import serve
    from chatbot.slack_connection import SlackUnavailable

    settings.require_slack()
    if args.migrate:
        from chatbot.db import make_engine, upgrade

        upgrade(make_engine(settings.database_url))
    try:
        return serve(settings, _engine(settings))
    except SlackUnavailable as exc:
        raise CliError(str(exc)) from None


if __name__ == "__main__":
    sys.exit(main())
