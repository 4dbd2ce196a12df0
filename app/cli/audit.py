"""``so8t audit verify`` and ``so8t audit export``: check the hash chain, export a period as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import suppress
from dataclasses import asdict
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from app.cli.command import Command, Subparsers
from app.settings import Settings
from audit.chain import ChainCheck
from audit.export import export_jsonl, manifest_path, read_manifest
from audit.log import chain_head, verify_chain
from audit.offline import ExportFormatError, verify_export
from audit.parallel import verify_chain_parallel
from db.engine import make_engine, make_session_factory
from db.models import ROLES

OK, TAMPERED, ERROR = 0, 1, 2

VERIFY_HELP = """\
Walk the audit chain in seq order and check every event: its position (no seq missing or out of
order), its link (prev_hash = the hash of the event before it) and its hash (SHA-256 of its canonical
JSON), then compare the end of the chain with the chain head row. With --file, check an exported
JSONL file instead (offline, no database), together with its manifest when one lies beside it.

exit status: 0 intact, 1 tampered (the first broken link is printed), 2 usage or database error"""

EXPORT_HELP = """\
Write the events of a period as JSON lines (all columns and both hashes, seq order) and a manifest
beside the file (<file>.manifest.json: period, count, first/last seq and hashes, the chain head hash,
the file's SHA-256). The export is itself recorded in the audit log as an `audit.export` event.
The file is a contiguous piece of the chain, from the first event at or after --since to the last
event before --until, so `so8t audit verify --file` can check it on its own."""


def add_audit_parser(sub: Subparsers) -> None:
    audit = sub.add_parser(
        "audit",
        help="verify the tamper-evident audit log, or export it as JSON lines",
        description="The audit log is append-only and hash-chained (see docs/ARCHITECTURE.md, Audit log).",
    )
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = actions.add_parser(
        "verify",
        help="check the hash chain (or an exported file); exit 1 on tampering",
        description=VERIFY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples: so8t audit verify --json\n          so8t audit verify --file audit-2026-11.jsonl",
    )
    verify.add_argument("--file", type=Path, help="check this exported JSONL file instead of the database")
    verify.add_argument(
        "--manifest", type=Path, help="the file's manifest (default: <file>.manifest.json when it exists)"
    )
    verify.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes sharing the walk of a long chain (default 1; try the number of free cores)",
    )
    verify.add_argument(
        "--client-digests",
        action="store_true",
        help="recompute every SHA-256 in this process (PostgreSQL otherwise computes them itself and "
        "returns only the events it cannot vouch for, which this process then judges); independent of "
        "the database server's functions, slower",
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    export = actions.add_parser(
        "export",
        help="export a period of the audit log as JSON lines with a manifest",
        description=EXPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example: so8t audit export --since 2026-11-01 --until 2026-12-01 --out audit-2026-11.jsonl",
    )
    export.add_argument("--since", type=parse_when, help="first day or time, inclusive (UTC unless given)")
    export.add_argument("--until", type=parse_when, help="end day or time, exclusive (UTC unless given)")
    export.add_argument("--format", choices=["jsonl"], default="jsonl", help="output format (jsonl)")
    export.add_argument("--out", type=Path, required=True, help="the JSONL file to write")
    export.add_argument("--actor", default="cli", help="recorded as the exporter (default: cli)")
    export.add_argument("--role", choices=ROLES, default="admin", help="the exporter's role (default: admin)")
    export.add_argument("--json", action="store_true", help="print the manifest as JSON")
    replay = actions.add_parser(
        "replay-spool",
        help="write the audit records spooled during a database outage into the audit chain",
        description="While the database is unreachable, refused requests are recorded in the local audit "
        "spool (SO8T_AUDIT_SPOOL_PATH). The server replays it by itself once the database answers; this "
        "does it now (for example before a backup). Replaying twice never duplicates a record.",
    )
    replay.add_argument("--json", action="store_true", help="print the result as JSON")


def parse_when(value: str) -> datetime:
    """``2026-11-01`` (midnight UTC) or an ISO datetime (UTC when it names no zone)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date or datetime: {value!r}") from None
    if len(value) == 10:  # a date alone
        moment = datetime.combine(moment.date(), time())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def run_audit(args: argparse.Namespace, settings: Settings) -> int:
    if args.audit_command == "verify":
        return _verify_file(args) if args.file else _verify_db(args, settings)
    if args.audit_command == "export":
        return _export(args, settings)
    if args.audit_command == "replay-spool":
        return _replay(args, settings)
    raise AssertionError(args.audit_command)  # pragma: no cover


def _replay(args: argparse.Namespace, settings: Settings) -> int:
    from app.services import queue_config_from
    from review.spool import AuditSpool

    spool = AuditSpool(settings.spool_path)
    engine = make_engine(settings.database_url)
    try:
        result = spool.replay(sessions=make_session_factory(engine), queue=queue_config_from(settings))
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(asdict(result) | {"spool": str(spool.path)}))
    else:
        aside = f", {result.set_aside} set aside in {spool.rejected_path}" if result.set_aside else ""
        print(
            f"{spool.path}: {result.replayed} replayed, {result.skipped} already recorded, "
            f"{result.remaining} left{aside}"
        )
    if result.error:
        return _error(f"the database failed during the replay ({result.error}); run it again later")
    return 0


def _verify_db(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            head = chain_head(session=session)
            with _bar(head.length if head else None, "verify") as bar:
                if args.workers > 1:
                    check = verify_chain_parallel(
                        engine=engine,
                        workers=args.workers,
                        progress=bar.update,
                        client_digests=args.client_digests,
                    )
                else:
                    check = verify_chain(
                        session=session, progress=bar.update, client_digests=args.client_digests
                    )
    except SQLAlchemyError as exc:
        return _error(f"cannot read the audit log: {exc.__class__.__name__}: {exc}")
    finally:
        engine.dispose()
    return _report(check, args.json)


def _verify_file(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        return _error(f"{path} does not exist")
    if args.manifest and not args.manifest.is_file():
        return _error(f"{args.manifest} does not exist")
    try:
        beside = manifest_path(path)
        meta = read_manifest(args.manifest or beside) if args.manifest or beside.exists() else None
        with _bar(meta.count if meta else None, "verify") as bar:
            check = verify_export(path, manifest=args.manifest, progress=bar.update)
    except (OSError, ValueError, TypeError, ExportFormatError) as exc:
        return _error(f"cannot read {path}: {exc}")
    if meta is None and not args.json:
        print("note: no manifest found; the file's first link and its completeness are not checked")
    return _report(check, args.json)


def _report(check: ChainCheck, as_json: bool) -> int:
    if as_json:
        print(json.dumps(asdict(check), indent=2))
    elif check.ok:
        print(f"ok: {check.checked} events intact, chain head {check.head_hash}")
    else:
        row = f" (id {check.broken_id})" if check.broken_id is not None else ""
        where = f"seq {check.broken_seq}{row}"
        print(f"TAMPERED at {where}: {check.problem}")
        if check.expected is not None or check.found is not None:
            print(f"  expected {check.expected}\n  found    {check.found}")
        print(f"  {check.checked - 1} events before it are intact; last intact hash {check.head_hash}")
    return OK if check.ok else TAMPERED


def _export(args: argparse.Namespace, settings: Settings) -> int:
    if args.since and args.until and args.since >= args.until:
        return _error("--since must be before --until")
    out: Path = args.out
    if not out.parent.is_dir():
        return _error(f"folder {out.parent} does not exist")
    if out.exists() or manifest_path(out).exists():
        return _error(f"{out} (or its manifest) already exists; exports are never overwritten")
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine).begin() as session:
            head = chain_head(session=session)
            with _bar(head.length if head else None, "export") as bar:
                manifest = export_jsonl(
                    session=session,
                    out=out,
                    now=datetime.now(UTC),
                    actor=args.actor,
                    actor_role=args.role,
                    since=args.since,
                    until=args.until,
                    progress=bar.update,
                )
    except (SQLAlchemyError, OSError, RuntimeError) as exc:
        for leftover in (out, manifest_path(out), out.with_name(out.name + ".partial")):
            with suppress(FileNotFoundError):
                leftover.unlink()  # an export that is not on the audit record must not remain
        return _error(f"export failed, nothing written: {exc.__class__.__name__}: {exc}")
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(asdict(manifest), indent=2, ensure_ascii=False))
    else:
        print(
            f"wrote {manifest.count} events (seq {manifest.first_seq}..{manifest.last_seq}) to {out}\n"
            f"manifest {manifest_path(out)}; file sha256 {manifest.file_sha256}; "
            f"recorded as audit event seq {manifest.audit_event_seq}"
        )
    return OK


def _bar(total: int | None, what: str) -> tqdm[Any]:
    return tqdm(total=total, desc=what, unit="ev", unit_scale=True, file=sys.stderr, disable=None)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return ERROR


COMMANDS = (Command("audit", add_audit_parser, run_audit),)
