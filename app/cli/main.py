"""``so8t`` command line: thin wrappers that parse, call a service, and print.

Every subcommand is a ``Command`` (``app.cli.command``) listed by the ``COMMANDS`` of its group module;
``COMMAND_GROUPS`` gives their order in ``so8t --help``. The group modules import torch, the model
and the services only inside their functions.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from app.cli import (
    ask,
    audit,
    dataset,
    dbcmd,
    evaluate,
    export,
    models,
    nightly,
    openapi,
    prepare,
    promote,
    report,
    serve,
    train,
    users,
)
from app.cli.command import Command
from app.settings import Settings

EPILOG = "Configuration comes from SO8T_* environment variables or a .env file (see README)."

COMMAND_GROUPS = (
    serve,
    dbcmd,
    ask,
    prepare,
    openapi,
    evaluate,
    train,
    audit,
    users,
    report,
    models,
    promote,
    dataset,
    nightly,
    export,
)
COMMANDS: tuple[Command, ...] = tuple(command for group in COMMAND_GROUPS for command in group.COMMANDS)


def build_parser(commands: Sequence[Command]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="so8t", description="SO8T Safe Agent", epilog=EPILOG)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in commands:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(COMMANDS).parse_args(argv)
    settings = _settings()
    if settings is None:
        return 2
    from app.ops.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    run = {command.name: command.run for command in COMMANDS}[args.command]
    try:
        return int(run(args, settings))
    except KeyboardInterrupt:
        return 130


def _settings() -> Settings | None:
    """The settings, or None after saying which SO8T_* variable or .env line is bad (no traceback)."""
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = "SO8T_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"error: setting {name}: {error['msg']}", file=sys.stderr)
        return None


if __name__ == "__main__":
    sys.exit(main())
