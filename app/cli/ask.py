"""``so8t ask TEXT``: decide (and answer on ALLOW) one request, printed as JSON. ``so8t chat``: a
conversation on the command line, each line a turn judged with the ones before (the Chat tab's road)."""

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


def add_chat_parser(sub: Subparsers) -> None:
    chat = sub.add_parser(
        "chat",
        help="hold a conversation: each line you type is a turn, judged with the conversation so far",
        description="Read messages from standard input, one per line, as turns of one conversation (the "
        "Chat tab's road: each judged on the whole conversation, recorded and audited). Type /new to start "
        "a new conversation, /quit (or end the input) to stop. Works with piped input too.",
    )
    chat.add_argument("--context", default="", help="the conversation's context (the system turn)")
    chat.add_argument("--user", default="cli", help="recorded as the conversation's user (default: cli)")
    chat.add_argument("--conversation", type=int, default=None, help="continue this conversation of --user")


def run_chat(args: argparse.Namespace, settings: Settings) -> int:
    from app.desks.conversations import ConversationNotFound
    from app.identity.accounts import Principal
    from app.services import build_services
    from app.serving.agent import RecordingError
    from app.serving.validation import ConversationTooLong, InputError, clean_context

    try:
        clean_context(args.context, max_chars=settings.max_context_chars)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    services = build_services(settings)
    desk, who = services.conversations, Principal(username=args.user, role="employee")
    try:
        cid = args.conversation or desk.start(who, context=args.context).id
        desk.get(who, cid)
    except ConversationNotFound as exc:
        print(f"error: {exc} (for user {args.user})", file=sys.stderr)
        return 2
    interactive = sys.stdin.isatty()
    print(f"conversation #{cid} — type a message; /new starts another, /quit ends", file=sys.stderr)
    while True:
        if interactive:
            print("> ", end="", flush=True, file=sys.stderr)
        line = sys.stdin.readline()
        if not line or line.strip() == "/quit":
            return 0
        text = line.rstrip("\n")
        if text.strip() == "/new":
            cid = desk.start(who, context=args.context).id
            print(f"conversation #{cid}", file=sys.stderr)
            continue
        try:
            turn = desk.send(who, cid, text)
        except ConversationTooLong as exc:
            print(f"error: {exc} (type /new)", file=sys.stderr)
            continue
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            continue
        except RecordingError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 3
        r = turn.result
        shown = desk.get(who, cid).turn_list[-1].reply if r.decision != "ALLOW" else r.task_response or ""
        print(f"[turn {turn.turn} · {r.decision} {r.confidence:.0%}] {shown}", flush=True)


COMMANDS = (Command("ask", add_ask_parser, run_ask), Command("chat", add_chat_parser, run_chat))
