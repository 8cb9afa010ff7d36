"""Command line: ``scrubber scrub|scan|rules``; one function per verb, one-line errors.

Exit codes: 0 success (``scan``: nothing found), 1 findings (``scan``) or failed
checks (``rules check``), 2 usage, input or rule-pack error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import stream
from ..engine import Scrubber
from ..errors import RulePackError, ScrubberError
from ..lint import lint
from ..packs import RuleSet, load_rules, pack_files
from ..report import FORMATS, locate, render
from ..ruletest import check
from .common import (
    EXIT_ERROR,
    EXIT_FOUND,
    EXIT_OK,
    UsageError,
    add_rules_args,
    make_dir,
    naming,
    read_text,
    scrubber_from_args,
    write_atomic,
)


class _Version(argparse.Action):
    """``--version``, looked up only when asked for (package metadata is slow to read)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        try:
            version = "scrubber " + importlib.metadata.version("scrubber")
        except importlib.metadata.PackageNotFoundError:  # running from a source tree
            version = "scrubber (unknown version)"
        parser.exit(message=version + "\n")


#: verbs whose parsers need no front end (mail, batch) imported
CORE_VERBS = frozenset(("scrub", "scan", "rules"))


def _parser(front_ends: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scrubber", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    verbs = parser.add_subparsers(dest="verb", required=True)
    p = verbs.add_parser("scrub", help="write scrubbed text (stdin to stdout, or files)")
    p.set_defaults(handler=cmd_scrub)
    p.add_argument("paths", nargs="*", metavar="PATH")
    out = p.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", metavar="DIR", help="write scrubbed files into DIR")
    out.add_argument("--in-place", action="store_true", help="replace files atomically")
    add_rules_args(p)
    p.add_argument("--name", action="append", default=[], metavar="NAME",
                   help="a person known to appear (e.g. the requester); repeatable")
    p.add_argument("--stream", action="store_true",
                   help="scrub in overlapping windows with flat memory (automatic for stdin "
                        "and for files over 8 MiB)")
    p = verbs.add_parser("scan", help="report findings (never the values)")
    p.set_defaults(handler=cmd_scan)
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--format", default="text", choices=FORMATS)
    add_rules_args(p)
    p.add_argument("--name", action="append", default=[], metavar="NAME",
                   help="a person known to appear (e.g. the requester); repeatable")
    rules = verbs.add_parser("rules", help="inspect and test rule packs")
    rverbs = rules.add_subparsers(dest="rules_verb", required=True)
    p = rverbs.add_parser("list", help="list the loaded rules")
    p.set_defaults(handler=cmd_rules_list)
    p.add_argument("--format", default="text", choices=("text", "json"))
    add_rules_args(p)
    p = rverbs.add_parser("check", help="validate packs and run their examples")
    p.set_defaults(handler=cmd_rules_check)
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--no-builtin", action="store_true")
    p.add_argument("--strict", action="store_true",
                   help="ReDoS lint warnings fail the check too (errors always do)")
    if front_ends:  # imported only when they may be used: they cost start-up time
        from . import batch, mail
        batch.register(verbs)
        mail.register(verbs)
    return parser


def cmd_scrub(args: argparse.Namespace) -> int:
    scrubber = scrubber_from_args(args)
    paths = args.paths or ["-"]
    if (args.in_place or args.output) and "-" in paths:
        raise UsageError("--in-place and --output need file paths, not stdin")
    if len(paths) > 1 and not (args.in_place or args.output):
        raise UsageError("several files need --in-place or --output DIR")
    for path in paths:
        if args.stream or path == "-" or _size(path) > min(STREAM_THRESHOLD,
                                                           scrubber.policy.max_input_chars):
            with naming(path):
                _scrub_streaming(scrubber, path, args)
            continue
        with naming(path):
            text = stream.scrub_bounded(scrubber, read_text(path), names=args.name).text
        if args.in_place:
            write_atomic(Path(path), text)
        elif args.output:
            write_atomic(make_dir(args.output) / Path(path).name, text)
        else:
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
    return EXIT_OK


#: files larger than this many bytes are scrubbed in windows (stdin always is)
STREAM_THRESHOLD = 8 * 1024 * 1024


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # reading it reports the problem


def _scrub_streaming(scrubber: Scrubber, path: str, args: argparse.Namespace) -> None:
    """Stream ``path`` (``-``: stdin) into its target: atomically for files, to stdout."""
    chunk, overlap = stream.window_sizes(scrubber)
    opts = {"names": args.name, "chunk_chars": chunk, "overlap_chars": overlap}
    try:
        if args.in_place or args.output:
            target = Path(path) if args.in_place else Path(args.output) / Path(path).name
            target.parent.mkdir(parents=True, exist_ok=True)
            stream.scrub_file(scrubber, path, target, **opts)
            return
        sys.stdout.flush()
        with contextlib.nullcontext(sys.stdin.buffer) if path == "-" else open(path, "rb") as raw:
            stream.scrub_stream(scrubber, stream.BytesSource(raw),
                                stream.BytesSink(sys.stdout.buffer), **opts)
    except BrokenPipeError:
        raise
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename and str(exc.filename) != path else ""
        raise UsageError(f"cannot scrub {path}{where}: "
                         f"{exc.strerror or type(exc).__name__}") from None


def cmd_scan(args: argparse.Namespace) -> int:
    scrubber = scrubber_from_args(args)
    located = []
    for path in args.paths or ["-"]:
        text = read_text(path)
        with naming(path):
            found = scrubber.scan(text, names=args.name)
        located.extend(locate("<stdin>" if path == "-" else path, text, found))
    sys.stdout.write(render(located, args.format))
    return EXIT_FOUND if located else EXIT_OK


def cmd_rules_list(args: argparse.Namespace) -> int:
    rules = scrubber_from_args(args).rules
    if args.format == "json":
        rows = [{"id": r.id, "kind": r.kind, "entity": r.entity, "severity": str(r.severity),
                 "pack": r.spec.pack, "description": r.spec.description} for r in rules]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    for r in rules:
        sys.stdout.write(f"{r.id}\t{r.kind}\t{r.entity}\t{r.severity}\t{r.spec.pack}\n")
    return EXIT_OK


def cmd_rules_check(args: argparse.Namespace) -> int:
    rules: RuleSet = load_rules(*args.paths, builtin=not args.no_builtin or not args.paths)
    files = {f.resolve() for f in pack_files(args.paths)} if args.paths else None
    only = [r.id for r in rules if files is None or Path(r.spec.path).resolve() in files]
    problems = check(rules, only)
    lints = lint(rules, only)
    for p in sorted([*problems, *(x.problem for x in lints)],
                    key=lambda p: (p.path, p.line, p.col)):
        sys.stdout.write(f"{p}\n")
    failing = len(problems) + sum(x.severity == "error" or args.strict for x in lints)
    warnings = sum(x.severity == "warning" for x in lints)
    status = "FAILED" if failing else "ok"
    sys.stderr.write(f"{len(only)} rules checked, {len(problems)} problems, "
                     f"{len(lints) - warnings} ReDoS lint errors, {warnings} warnings: {status}\n")
    return EXIT_FOUND if failing else EXIT_OK


EX_TEMPFAIL = 75


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``scrubber`` command; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:2] == ["mail", "filter"]:
        return _fail_closed(args_list)
    return _run(args_list)


def _fail_closed(argv: list[str]) -> int:
    """Pipe mode: any failure at all, even a bad command line, exits 75 (EX_TEMPFAIL), so
    the MTA keeps the message queued; any other code would bounce the unscrubbed original."""
    try:
        code = _run(argv)
    except BaseException:  # SystemExit from argparse included, by design
        return EX_TEMPFAIL
    return code if code in (EXIT_OK, EX_TEMPFAIL) else EX_TEMPFAIL


def _run(argv: list[str]) -> int:
    verb = next((a for a in argv if not a.startswith("-")), None)
    args = _parser(front_ends=verb not in CORE_VERBS).parse_args(argv)
    try:
        return int(args.handler(args))
    except RulePackError as exc:
        for p in exc.problems:
            sys.stderr.write(f"{p}\n")
        if len(exc.problems) > 1:  # one problem is one line, naming file:line:col
            sys.stderr.write(f"scrubber: {len(exc.problems)} rule-pack problems\n")
        return EXIT_ERROR
    except ScrubberError as exc:
        sys.stderr.write(f"scrubber: error: {exc}\n")
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # an internal bug: one line, no traceback, no message content
        if os.environ.get("SCRUBBER_DEBUG"):
            raise
        sys.stderr.write(f"scrubber: internal error ({type(exc).__name__}); "
                         "set SCRUBBER_DEBUG=1 for a traceback\n")
        return EXIT_ERROR
