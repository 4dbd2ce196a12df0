"""``so8t`` command line: thin wrappers that parse, call a service, and print."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from app.settings import Settings

EPILOG = "Configuration comes from SO8T_* environment variables or a .env file (see README)."


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="so8t", description="SO8T Safe Agent", epilog=EPILOG)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="migrate the database, load the model and serve UI + API")
    serve.add_argument("--host", help="bind address (default: settings, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: settings, 7860)")
    serve.add_argument("--no-migrate", action="store_true", help="do not run `db upgrade` first")

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="migrate to the latest schema (alembic upgrade)")
    up.add_argument("--revision", default="head")
    db_sub.add_parser("current", help="print the current schema revision")

    ask = sub.add_parser("ask", help="decide (and answer on ALLOW) one request; prints the result as JSON")
    ask.add_argument("text", help="the request, e.g. 'Draft an email to my team'")
    ask.add_argument("--context", default="", help="optional context (the system turn)")
    ask.add_argument("--user", default="cli", help="recorded as the requesting user (default: cli)")

    sub.add_parser("prepare-model", help="assemble and convert the default model under var/models (once)")

    oapi = sub.add_parser("openapi", help="write the REST API's OpenAPI schema")
    oapi.add_argument("--out", type=Path, default=Path("docs/openapi.json"))

    ev = sub.add_parser(
        "eval",
        help="classify every row of a JSONL file with the model in service and report metrics",
        description="Decisions only (no generation, nothing recorded in the database or audit log), "
        "batched, with a progress bar. Rows need prompt (or user_request) and label; lang, source, "
        "context and id are optional. With --loso: leave-one-source-out evaluation of the head recipe.",
    )
    ev.add_argument(
        "--data", type=Path, action="append", required=True, help="JSONL in the benchdata schema (repeatable)"
    )
    ev.add_argument("--out", type=Path, help="write the metrics as JSON here")
    ev.add_argument("--batch-size", type=int, default=8, help="prompts per forward pass (default 8)")
    from training.loso.cli import add_loso_arguments

    add_loso_arguments(ev)

    from training.head.cli import add_train_head_parser

    add_train_head_parser(sub)

    from training.train import add_train_parser

    add_train_parser(sub)

    from app.cli.audit import add_audit_parser

    add_audit_parser(sub)

    from app.cli.users import add_users_parser

    add_users_parser(sub)

    from app.cli.report import add_report_parser

    add_report_parser(sub)

    from app.cli.models import add_models_parsers
    from app.cli.nightly import add_nightly_parser

    add_models_parsers(sub)  # models, promote, rollback, dataset
    add_nightly_parser(sub)

    from app.cli.export import add_export_parser

    add_export_parser(sub)

    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:  # a bad SO8T_* variable or .env line: say which, no traceback
        for error in exc.errors():
            name = "SO8T_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"error: setting {name}: {error['msg']}", file=sys.stderr)
        return 2
    from app.ops.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    try:
        return int(_dispatch(args, settings))
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        return _serve(args, settings)
    if args.command == "db":
        from app import dbctl
        from db.engine import make_engine

        engine = make_engine(settings.database_url)
        if args.db_command == "upgrade":
            dbctl.upgrade(engine, args.revision)
        print(dbctl.current(engine) or "(empty database)")
        return 0
    if args.command == "ask":
        return _ask(args, settings)
    if args.command == "prepare-model":
        from app.serving.loader import resolve_base

        print(resolve_base(settings))
        return 0
    if args.command == "openapi":
        return _openapi(args.out, settings)
    if args.command == "eval":
        return _eval(args, settings)
    if args.command == "train-head":
        from training.head.cli import run_train_head

        return run_train_head(args)
    if args.command == "train":
        from training.train import run_train

        return run_train(args)
    if args.command == "audit":
        from app.cli.audit import run_audit

        return run_audit(args, settings)
    if args.command in ("users", "review"):
        from app.cli.users import run_review, run_users

        return run_users(args, settings) if args.command == "users" else run_review(args, settings)
    if args.command == "report":
        from app.cli.report import run_report

        return run_report(args, settings)
    if args.command in ("models", "promote", "rollback", "dataset"):
        from app.cli.models import run_models_command

        return run_models_command(args, settings)
    if args.command == "nightly":
        from app.cli.nightly import run_nightly_command

        return run_nightly_command(args, settings)
    if args.command == "export":
        from app.cli.export import run_export

        return run_export(args, settings)
    raise AssertionError(args.command)  # pragma: no cover


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app import dbctl
    from app.cli.users import ensure_first_admin
    from app.identity.accounts import AccountError
    from app.main import create_app
    from app.services import build_services
    from db.engine import make_engine

    engine = make_engine(settings.database_url)
    try:  # never serve on a schema the code was not written for (e.g. `--no-migrate` before the job ran)
        if not args.no_migrate:
            dbctl.upgrade(engine)
        dbctl.require_head(engine)
    except dbctl.SchemaNotAtHead as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    services = build_services(settings)
    host, port = args.host or settings.host, args.port or settings.port
    try:
        password = ensure_first_admin(services.engine, settings, host)
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from app.settings_audit import effective_settings, record_settings

    changed = record_settings(sessions=services.sessions, settings=settings, actor="so8t serve")
    first_start = changed is not None and len(changed) == len(effective_settings(settings))
    if changed and not first_start:
        print(f"settings changed since the last start (audited): {', '.join(sorted(changed))}", flush=True)
    if password:
        print(
            f"First start: created the admin account 'admin' with password {password}\n"
            "  (shown only now; add people with `so8t users add NAME --role reviewer`, "
            "change it with `so8t users passwd admin`)",
            flush=True,
        )
    app = create_app(services=services)
    print(
        f"SO8T Safe Agent is serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)",
        flush=True,
    )
    # log_config=None: uvicorn's lines go through our handler too (text or json, with request_id)
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(), log_config=None)
    return 0


def _ask(args: argparse.Namespace, settings: Settings) -> int:
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


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from app.services import policy_from
    from app.serving.loader import load_model
    from training.datasets.rows import DataError, read_rows
    from training.eval.evaluate import evaluate_rows, format_table

    try:
        rows = [row for path in args.data for row in read_rows(path)]
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not rows:
        print(f"error: {', '.join(map(str, args.data))} has no rows", file=sys.stderr)
        return 2
    if args.loso:  # leave-one-source-out: trains heads on the base model's features, judges nothing live
        from app.serving.loader import resolve_base
        from training.loso.cli import run_loso

        return run_loso(args, base=resolve_base(settings), var_dir=settings.var_dir)
    loaded = load_model(settings)
    policy = policy_from(settings)
    report = evaluate_rows(loaded.runtime, rows, policy, batch_size=args.batch_size)
    report["model_version"], report["policy_version"] = loaded.model_version, policy.version
    print(format_table(report))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


def openapi_schema(settings: Settings) -> dict[str, object]:
    from app.main import create_api
    from app.services import build_services

    return create_api(build_services(settings, load=False)).openapi()


def _openapi(out: Path, settings: Settings) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(openapi_schema(settings), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
