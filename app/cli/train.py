"""``so8t train-head`` and ``so8t train``: adapters onto the trainers' own command lines in ``training``.

Their parsers and runs live in ``training.head.cli`` and ``training.train`` (which also serve
``python -m training.train``); both import torch, so they are imported only when the parser is built
or the command runs, never when this module is.
"""

from __future__ import annotations

import argparse

from app.cli.command import Command, Subparsers
from app.settings import Settings


def add_train_head_parser(sub: Subparsers) -> None:
    from training.head.cli import add_train_head_parser as add

    add(sub)


def run_train_head(args: argparse.Namespace, settings: Settings) -> int:
    from training.head.cli import run_train_head as run

    return run(args)


def add_train_parser(sub: Subparsers) -> None:
    from training.train import add_train_parser as add

    add(sub)


def run_train(args: argparse.Namespace, settings: Settings) -> int:
    from training.train import run_train as run

    return run(args)


COMMANDS = (
    Command("train-head", add_train_head_parser, run_train_head),
    Command("train", add_train_parser, run_train),
)
