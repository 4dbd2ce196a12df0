"""The ``so8t`` subcommand registry: every Command is in the parser, once, in order, and is run."""

from __future__ import annotations

import argparse

import pytest

from app.cli import main as cli
from app.cli.command import Command


def _choices(parser: argparse.ArgumentParser) -> list[str]:
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


def test_every_command_is_in_the_parser_once_in_order() -> None:
    names = [c.name for c in cli.COMMANDS]
    assert len(names) == len(set(names))
    assert _choices(cli.build_parser(cli.COMMANDS)) == names
    assert names[:3] == ["serve", "db", "ask"] and names[-1] == "export"


def test_main_runs_the_chosen_command(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str]] = []

    def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        sub.add_parser("hello").add_argument("--who", default="world")

    def run(args: argparse.Namespace, settings: object) -> int:
        seen.append((args.command, args.who))
        return 7

    monkeypatch.setattr(cli, "COMMANDS", (*cli.COMMANDS, Command("hello", add, run)))
    assert cli.main(["hello", "--who", "so8t"]) == 7
    assert seen == [("hello", "so8t")]
