"""``so8t openapi``: write the REST API's OpenAPI schema (no model loaded)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.cli.command import Command, Subparsers
from app.settings import Settings


def add_openapi_parser(sub: Subparsers) -> None:
    oapi = sub.add_parser("openapi", help="write the REST API's OpenAPI schema")
    oapi.add_argument("--out", type=Path, default=Path("docs/openapi.json"))


def openapi_schema(settings: Settings) -> dict[str, object]:
    from app.main import create_api
    from app.services import build_services

    return create_api(build_services(settings, load=False)).openapi()


def run_openapi(args: argparse.Namespace, settings: Settings) -> int:
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(openapi_schema(settings), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {out}")
    return 0


COMMANDS = (Command("openapi", add_openapi_parser, run_openapi),)
