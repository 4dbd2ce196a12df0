"""``so8t ask TEXT``: decide (and answer on ALLOW) one request, printed as JSON."""

from __future__ import annotations

import argparse
import json
import sys

from app.cli.command import Command, Subparsers
from app.settings import Settings


def add_ask_parser(sub: Subparsers) -> None:
    ask = sub.add_parser("ask", help="decide (and answer on ALLOW) one request; prints the result as JSON")
    ask.add_argument("text", help="the request, e.g. 'Draft an email to my team'")
    ask.add_argument("--context", default="", help="optional context (the system turn)")
    ask.add_argument("--user", default="cli", help="recorded as the requesting user (default: cli)")


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    from app.services import build_services
    from app.serving.agent import RecordingError
    from app.serving.validation import InputError, clean_for

    try:  # reject bad input before spending seconds on loading the model
        clean_for(settings, args.context, args.text)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    services = build_services(settings)
    try:
        result = services.agent.run(args.context, args.text, user=args.user, role="employee")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RecordingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    print(json.dumps(result.model_dump(), ensure_ascii=False, indent=2))
    return 0


COMMANDS = (Command("ask", add_ask_parser, run_ask),)
