"""What a ``so8t`` subcommand is: a name, a function adding its parser, a function running it.

Each group module under ``app/cli/`` lists its ``COMMANDS``; ``app.cli.main`` builds the parser from
them in order and runs the one chosen. A group module imports only what its parser needs at the top
(so ``so8t --help`` stays fast); its ``run`` imports the heavy parts (torch, the model, the services).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from app.settings import Settings

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"  # what add_parser gets
Run: TypeAlias = Callable[[argparse.Namespace, Settings], int]


@dataclass(frozen=True)
class Command:
    """One top-level subcommand: ``add_parser(sub)`` adds the subparser called ``name``; ``run(args,
    settings)`` does the work and returns the exit status."""

    name: str
    add_parser: Callable[[Subparsers], object]
    run: Run
