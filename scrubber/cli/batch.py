"""``scrubber batch``: scrub stored tickets in files, folders, exports and database tables.

Exit codes: 0 every record scrubbed, 1 partial (some records could not be scrubbed;
they are listed in ``failed.jsonl`` and never written unscrubbed), 2 error.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..batch.db import Table, is_db_url, run_table
from ..batch.exports import VENDORS, vendor_map
from ..batch.fields import FieldMap
from ..batch.files import FORMATS
from ..batch.partition import BatchConfig
from ..batch.runner import RunResult, run_files
from ..engine import KEY_ENV
from .common import (
    EXIT_ERROR,
    EXIT_FOUND,
    EXIT_OK,
    UsageError,
    add_rules_args,
    describe,
    scrubber_from_args,
)

EXIT_PARTIAL = EXIT_FOUND


def _csv(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


def register(verbs: Any) -> None:
    """Add the ``batch`` verb to the top-level sub-parsers."""
    p = verbs.add_parser("batch", help="scrub stored tickets: files, folders, exports, tables",
                         description=__doc__.splitlines()[0])
    p.set_defaults(handler=cmd_batch)
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="files, folders, or one database URL (sqlite:///path, postgresql://…)")
    p.add_argument("-o", "--output", metavar="DIR", help="write scrubbed files into DIR")
    p.add_argument("--report", metavar="DIR", default="scrubber-report",
                   help="audit report folder (default: ./scrubber-report)")
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (all cores)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="report only (default for tables)")
    mode.add_argument("--apply", action="store_true", help="write scrubbed rows to the table")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run")
    p.add_argument("--format", choices=FORMATS, help="input format (default: file suffix)")
    p.add_argument("--export", choices=tuple(VENDORS), help="help-desk export field map")
    p.add_argument("--table", help="table to scrub (database inputs)")
    p.add_argument("--key", dest="key_column", help="primary-key column (database inputs)")
    p.add_argument("--columns", help="comma-separated text columns to scrub (database inputs)")
    p.add_argument("--key-field", default="id", help="record field naming a record (id)")
    p.add_argument("--fields", help="comma-separated field patterns to scrub (default: all)")
    p.add_argument("--exempt", help="comma-separated field patterns never scrubbed")
    p.add_argument("--html", help="comma-separated field patterns holding HTML")
    p.add_argument("--adf", help="comma-separated field patterns holding Jira ADF")
    p.add_argument("--batch-size", type=int, default=None, help="records per batch")
    p.add_argument("--engine", choices=("local", "spark"), default="local")
    p.add_argument("--spark-master", default="local[*]")
    add_rules_args(p)


def _field_map(args: argparse.Namespace) -> FieldMap:
    user = FieldMap(_csv(args.fields), _csv(args.exempt), _csv(args.html), _csv(args.adf))
    return vendor_map(args.export).merged(user) if args.export else user


def _config(args: argparse.Namespace) -> BatchConfig:
    if args.resume and not os.environ.get(KEY_ENV):
        raise UsageError(f"--resume needs a fixed fingerprint key: set {KEY_ENV}")
    if not os.environ.get(KEY_ENV):
        sys.stderr.write(f"scrubber: {KEY_ENV} not set: fingerprints are random for this run "
                         "and cannot be matched against other runs\n")
    return BatchConfig.build(scrubber_from_args(args), _field_map(args), args.key_field or None)


def cmd_batch(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    cfg = _config(args)
    if any(is_db_url(i) for i in args.inputs):
        result = _table(args, cfg)
    elif args.engine == "spark":
        result = _spark(args, cfg)
    else:
        result = _files(args, cfg)
    return _finish(result, args)


def _table(args: argparse.Namespace, cfg: BatchConfig) -> RunResult:
    if len(args.inputs) != 1 or not (args.table and args.key_column and args.columns):
        raise UsageError("a database input takes one URL and --table, --key and --columns")
    if args.output:
        raise UsageError("-o/--output is for files; tables are scrubbed in place with --apply")
    if args.resume and not args.apply:
        raise UsageError("--resume continues an --apply run")
    table = Table(args.inputs[0], args.table, args.key_column, _csv(args.columns))
    return run_table(table, cfg, report_dir=args.report, apply=args.apply, resume=args.resume,
                     jobs=args.jobs, batch=args.batch_size or 500)


def _files(args: argparse.Namespace, cfg: BatchConfig) -> RunResult:
    if args.apply:
        raise UsageError("--apply is for database tables; files are written with -o DIR")
    if not args.output and not args.dry_run:
        raise UsageError("files need -o DIR (or --dry-run for a report only)")
    try:
        return run_files(args.inputs, cfg, out_dir=None if args.dry_run else args.output,
                         report_dir=args.report, jobs=args.jobs, resume=args.resume,
                         fmt=args.format, batch=args.batch_size or 1000)
    except UnicodeDecodeError as exc:
        raise UsageError(f"cannot read {', '.join(args.inputs)}: not UTF-8 text "
                         f"({exc.reason} at byte {exc.start} of a file)") from None
    except FileNotFoundError as exc:
        raise UsageError(f"cannot read {exc.filename or exc}: "
                         f"{exc.strerror or 'no such file or folder'}") from None
    except ValueError as exc:
        raise UsageError(f"cannot read input: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot write output: {describe(exc)}") from None


def _spark(args: argparse.Namespace, cfg: BatchConfig) -> RunResult:
    from ..batch.spark import run_spark

    if not args.output:
        raise UsageError("--engine spark needs -o DIR")
    return run_spark(args.inputs, cfg, out_dir=args.output, report_dir=args.report,
                     fmt=args.format or "parquet", master=args.spark_master)


def _finish(result: RunResult, args: argparse.Namespace) -> int:
    s = result.summary
    verb = "would change" if s.get("dry_run") else "changed"
    sys.stderr.write(f"scrubber: {result.records:,} records, {verb} {result.changed:,}, "
                     f"{s.get('findings', 0):,} findings, {result.failed:,} failed, "
                     f"{result.seconds:.1f}s; report in {args.report}\n")
    if result.failed:
        return EXIT_PARTIAL
    return EXIT_OK if s else EXIT_ERROR
