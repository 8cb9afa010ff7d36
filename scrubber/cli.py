"""Command line: ``scrubber scrub|scan|rules``; one function per verb, one-line errors.

Exit codes: 0 success (``scan``: nothing found), 1 findings (``scan``) or failed
checks (``rules check``), 2 usage, input or rule-pack error.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .engine import Scrubber
from .errors import RulePackError, ScrubberError
from .model import KINDS, SEVERITIES, Severity
from .packs import RuleSet, load_rules, pack_files
from .report import FORMATS, locate, render
from .ruletest import check

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


class UsageError(ScrubberError):
    """A bad command line or unreadable input file."""


def _rules_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", action="append", default=[], metavar="PATH",
                   help="extra rule pack file or directory (repeatable)")
    p.add_argument("--no-builtin", action="store_true", help="do not load the built-in packs")
    p.add_argument("--disable", action="append", default=[], metavar="RULE_ID",
                   help="disable a rule (repeatable)")
    p.add_argument("--kinds", default=",".join(KINDS),
                   help="comma-separated kinds to scrub (default: secret,pii)")
    p.add_argument("--min-severity", default="low", choices=SEVERITIES)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scrubber", description=__doc__.splitlines()[0])
    version = "scrubber " + importlib.metadata.version("scrubber")
    parser.add_argument("--version", action="version", version=version)
    verbs = parser.add_subparsers(dest="verb", required=True)
    p = verbs.add_parser("scrub", help="write scrubbed text (stdin to stdout, or files)")
    p.add_argument("paths", nargs="*", metavar="PATH")
    out = p.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", metavar="DIR", help="write scrubbed files into DIR")
    out.add_argument("--in-place", action="store_true", help="replace files atomically")
    _rules_args(p)
    p = verbs.add_parser("scan", help="report findings (never the values)")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--format", default="text", choices=FORMATS)
    _rules_args(p)
    rules = verbs.add_parser("rules", help="inspect and test rule packs")
    rverbs = rules.add_subparsers(dest="rules_verb", required=True)
    p = rverbs.add_parser("list", help="list the loaded rules")
    p.add_argument("--format", default="text", choices=("text", "json"))
    _rules_args(p)
    p = rverbs.add_parser("check", help="validate packs and run their examples")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--no-builtin", action="store_true")
    return parser


def _scrubber(args: argparse.Namespace) -> Scrubber:
    rules = load_rules(*args.rules, builtin=not args.no_builtin, disable=args.disable)
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    return Scrubber(rules, kinds=kinds, min_severity=Severity.parse(args.min_severity))


def _read(path: str) -> str:
    """Read UTF-8 text; undecodable bytes survive as surrogate escapes, written back as-is."""
    try:
        if path == "-":
            return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
        return Path(path).read_bytes().decode("utf-8", "surrogateescape")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc.__class__.__name__}") from None


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_scrub(args: argparse.Namespace) -> int:
    scrubber = _scrubber(args)
    paths = args.paths or ["-"]
    if (args.in_place or args.output) and "-" in paths:
        raise UsageError("--in-place and --output need file paths, not stdin")
    if len(paths) > 1 and not (args.in_place or args.output):
        raise UsageError("several files need --in-place or --output DIR")
    for path in paths:
        text = scrubber.scrub(_read(path)).text
        if args.in_place:
            _write_atomic(Path(path), text)
        elif args.output:
            Path(args.output).mkdir(parents=True, exist_ok=True)
            _write_atomic(Path(args.output) / Path(path).name, text)
        else:
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
    return EXIT_OK


def cmd_scan(args: argparse.Namespace) -> int:
    scrubber = _scrubber(args)
    located = []
    for path in args.paths or ["-"]:
        text = _read(path)
        located.extend(locate("<stdin>" if path == "-" else path, text, scrubber.scan(text)))
    sys.stdout.write(render(located, args.format))
    return EXIT_FOUND if located else EXIT_OK


def cmd_rules_list(args: argparse.Namespace) -> int:
    rules = _scrubber(args).rules
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
    for p in problems:
        sys.stdout.write(f"{p}\n")
    status = "FAILED" if problems else "ok"
    sys.stderr.write(f"{len(only)} rules checked, {len(problems)} problems: {status}\n")
    return EXIT_FOUND if problems else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``scrubber`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    handler = {"scrub": cmd_scrub, "scan": cmd_scan}.get(args.verb)
    if args.verb == "rules":
        handler = cmd_rules_list if args.rules_verb == "list" else cmd_rules_check
    try:
        return handler(args) if handler else EXIT_ERROR
    except RulePackError as exc:
        for p in exc.problems:
            sys.stderr.write(f"{p}\n")
        sys.stderr.write(f"scrubber: {len(exc.problems)} rule-pack problem(s)\n")
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
