"""``so8t prepare-model``: assemble and convert the default model under var/models, once."""

from __future__ import annotations

import argparse

from app.cli.command import Command, Subparsers
from app.settings import Settings


def add_prepare_parser(sub: Subparsers) -> None:
    sub.add_parser("prepare-model", help="assemble and convert the default model under var/models (once)")


def run_prepare(args: argparse.Namespace, settings: Settings) -> int:
    from app.serving.loader import resolve_base

    print(resolve_base(settings))
    return 0


COMMANDS = (Command("prepare-model", add_prepare_parser, run_prepare),)
