"""Command-line pieces shared by every verb: exit codes, rule options, reading and writing."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..engine import Scrubber
from ..errors import RulePackError, ScanError, ScrubberError
from ..model import KINDS, SEVERITIES, Policy, Severity
from ..packs import load_rules
from ..policyfile import load_policy

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


class UsageError(ScrubberError):
    """A bad command line or unreadable input file."""


class _Default(str):
    """An option's default value, told apart from the same value given on the command line
    (so that only options actually given override a ``--policy`` file)."""

    __slots__ = ()


def add_rules_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", action="append", default=[], metavar="PATH",
                   help="extra rule pack file or directory (repeatable)")
    p.add_argument("--no-builtin", action="store_true", help="do not load the built-in packs")
    p.add_argument("--disable", action="append", default=[], metavar="RULE_ID",
                   help="disable a rule (repeatable)")
    p.add_argument("--policy", metavar="PATH",
                   help="policy file (packs, operators, allowlists, options); the other "
                        "options given here override it")
    p.add_argument("--kinds", default=_Default(",".join(KINDS)),
                   help="comma-separated kinds to scrub (default: secret,pii)")
    p.add_argument("--min-severity", default=_Default("low"), choices=SEVERITIES)
    p.add_argument("--ignore-file", metavar="PATH",
                   help="keyed fingerprints never to report, one per line (# comments); "
                        "they match only under the same SCRUBBER_KEY")
    p.add_argument("--allow-pragma", action="store_true",
                   help="honour an inline 'scrubber:allow' on a line (off: whoever wrote "
                        "the text could switch scrubbing off)")


def read_ignore_file(path: str) -> frozenset[str]:
    """Fingerprints from an ignore file; a malformed line is an error naming file:line."""
    found = set()
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if len(entry) != 16 or any(c not in "0123456789abcdef" for c in entry):
            raise UsageError(f"{path}:{number}: expected a 16-hex-digit fingerprint")
        found.add(entry)
    return frozenset(found)


def _given(args: argparse.Namespace, name: str) -> bool:
    value = getattr(args, name, None)
    return value is not None and not isinstance(value, _Default)


def scrubber_from_args(args: argparse.Namespace, **extra: Any) -> Scrubber:
    """The Scrubber the rule options describe; ``extra`` policy fields win over both."""
    policy_path = getattr(args, "policy", None)
    if policy_path:
        rules, policy = load_policy(policy_path, rules=args.rules,
                                    builtin=False if args.no_builtin else None,
                                    disable=args.disable)
    else:
        rules = load_rules(*args.rules, builtin=not args.no_builtin, disable=args.disable)
        policy = Policy()
    options: dict[str, Any] = {}
    if not policy_path or _given(args, "kinds"):
        options["kinds"] = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    if not policy_path or _given(args, "min_severity"):
        options["min_severity"] = Severity.parse(args.min_severity)
    ignore = getattr(args, "ignore_file", None)
    if ignore:
        options["ignore_fingerprints"] = policy.ignore_fingerprints | read_ignore_file(ignore)
    if getattr(args, "allow_pragma", False):
        options["allow_pragma"] = True
    return Scrubber(rules, policy=policy, **{**options, **extra})


def read_text(path: str) -> str:
    """Read UTF-8 text; undecodable bytes survive as surrogate escapes, written back as-is."""
    try:
        if path == "-":
            return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
        return Path(path).read_bytes().decode("utf-8", "surrogateescape")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc.__class__.__name__}") from None



def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file and a rename: a failure (an
    ``UsageError`` naming the path) leaves the previous content, never a partial file."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {_reason(exc)}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {_reason(exc)}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def naming(path: str) -> Iterator[None]:
    """Say which input a scanning error (a regex time budget exceeded) happened in."""
    try:
        yield
    except ScanError as exc:
        raise ScanError(f"{'<stdin>' if path == '-' else path}: {exc}") from None


def make_dir(path: str) -> Path:
    """Create the output folder ``path`` (and its parents); a ``UsageError`` names it."""
    if Path(path).exists() and not Path(path).is_dir():
        raise UsageError(f"cannot write into {path}: not a folder")
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create folder {path}: {_reason(exc)}") from None
    return Path(path)


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def describe(exc: BaseException) -> str:
    """One line for a configuration error (never message content): what and where."""
    if isinstance(exc, RulePackError) and exc.problems:
        more = len(exc.problems) - 1
        return str(exc.problems[0]) + (f" (and {more} more)" if more else "")
    if isinstance(exc, ScrubberError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{_reason(exc)}"
    return type(exc).__name__
