"""``scrubber mail filter|smtp-filter|milter|quarantine``: the mail front ends on the command line.

``mail filter`` exits 0 after writing (or relaying) the scrubbed message and 75
(EX_TEMPFAIL) on any failure whatsoever, including a bad command line, so an MTA defers
the message instead of bouncing the original.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import Any, NoReturn

from ..errors import ConfigError
from ..mail.core import POISON_ACTIONS, MailFilter
from ..mail.events import JsonlEvents
from ..mail.metrics import Metrics
from ..mail.policy import (
    BINARY_ACTIONS,
    ENCRYPTED_ACTIONS,
    SIGNED_ACTIONS,
    TAG_MODES,
    Limits,
    MailPolicy,
)
from ..mail.store import Attempts, Quarantine
from .common import EXIT_OK, add_rules_args, describe, scrubber_from_args

EX_TEMPFAIL = 75
QUARANTINE_KEY_ENV = "SCRUBBER_QUARANTINE_KEY"


def _hostport(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port)


def _add_mail_args(p: argparse.ArgumentParser) -> None:
    add_rules_args(p)
    g = p.add_argument_group("mail policy")
    g.add_argument("--policy-name", default="default", help="name shown in X-Scrubber")
    g.add_argument("--binary", default="placeholder", choices=BINARY_ACTIONS,
                   help="binary attachment in which a key was detected")
    g.add_argument("--signed", default="scrub", choices=SIGNED_ACTIONS)
    g.add_argument("--encrypted", default="tag", choices=ENCRYPTED_ACTIONS)
    g.add_argument("--tag", default="changed", choices=TAG_MODES,
                   help="when to add the X-Scrubber header")
    g.add_argument("--max-bytes", type=int, default=Limits().max_bytes)
    g.add_argument("--max-parts", type=int, default=Limits().max_parts)
    g.add_argument("--max-depth", type=int, default=Limits().max_depth)
    g.add_argument("--scan-timeout", type=float, default=2.0,
                   help="regex time budget per rule and call, seconds")
    g.add_argument("--deadline", type=float, default=60.0,
                   help="time budget per message, seconds (then: temporary failure)")
    s = p.add_argument_group("state")
    s.add_argument("--state-dir", metavar="DIR",
                   help="failed-attempt counters and the encrypted quarantine")
    s.add_argument("--max-attempts", type=int, default=5,
                   help="failures of the same content before it is withheld")
    s.add_argument("--poison", default="quarantine", choices=POISON_ACTIONS)
    s.add_argument("--events", metavar="FILE", help="append leaked-key events (JSON Lines)")
    s.add_argument("--metrics", metavar="FILE", help="Prometheus text file to keep updated")
    s.add_argument("--log-level", default="warning",
                   choices=("debug", "info", "warning", "error"))


def build_filter(args: argparse.Namespace) -> MailFilter:
    """A MailFilter from the command line (keys from SCRUBBER_KEY / SCRUBBER_QUARANTINE_KEY)."""
    logging.basicConfig(level=args.log_level.upper(), format="scrubber: %(message)s",
                        stream=sys.stderr)
    scrubber = scrubber_from_args(args, timeout=args.scan_timeout)
    limits = Limits(max_bytes=args.max_bytes, max_parts=args.max_parts,
                    max_depth=args.max_depth)
    policy = MailPolicy(scrubber, args.policy_name, args.binary, args.signed, args.encrypted,
                        args.tag, limits)
    attempts = quarantine = None
    if args.state_dir:
        key = os.environ.get(QUARANTINE_KEY_ENV) or os.environ.get("SCRUBBER_KEY")
        if not key:
            raise ConfigError(f"--state-dir needs {QUARANTINE_KEY_ENV} or SCRUBBER_KEY")
        attempts = Attempts(os.path.join(args.state_dir, "attempts"))
        quarantine = Quarantine(os.path.join(args.state_dir, "quarantine"), key.encode())
    return MailFilter(policy, attempts, quarantine,
                      JsonlEvents(args.events) if args.events else None,
                      Metrics(args.metrics), args.max_attempts, args.poison)


def cmd_filter(args: argparse.Namespace) -> int:
    try:
        from ..mail import pipe

        for what, path in (("--events", args.events), ("--metrics", args.metrics)):
            _check_writable(what, path)
        mf = build_filter(args)
        reinject = _hostport(args.reinject) if args.reinject else None
    except BaseException as exc:  # a bad set-up, before any message is read: say which
        sys.stderr.write(f"scrubber: temporary failure: {describe(exc)}\n")
        return EX_TEMPFAIL
    try:
        return pipe.run(mf, sys.stdin.buffer, sys.stdout.buffer, deadline=args.deadline,
                        reinject=reinject, sender=args.sender, recipients=args.recipients)
    except BaseException as exc:  # fail closed: never 0/1/2 without a scrubbed message
        sys.stderr.write(f"scrubber: temporary failure ({type(exc).__name__})\n")
        return EX_TEMPFAIL


def _check_writable(what: str, path: str | None) -> None:
    """A file the filter appends to later must be creatable now, not fail per message."""
    if not path:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path) or not os.path.isdir(folder):
        raise ConfigError(f"{what} {path}: not a file in an existing folder")


def cmd_smtp_filter(args: argparse.Namespace) -> int:
    from ..mail.smtpfilter import FilterHandler, serve

    mf = build_filter(args)
    handler = FilterHandler(mf, _hostport(args.next_hop), args.deadline)
    host, port = _hostport(args.listen)
    asyncio.run(serve(handler, host, port))
    return EXIT_OK


def cmd_milter(args: argparse.Namespace) -> int:
    from ..mail.milter import Milter, serve

    mf = build_filter(args)
    host, port = _hostport(args.listen)
    asyncio.run(serve(Milter(mf, args.deadline), host, port))
    return EXIT_OK


def cmd_quarantine(args: argparse.Namespace) -> int:
    key = os.environ.get(QUARANTINE_KEY_ENV) or os.environ.get("SCRUBBER_KEY")
    if not key:
        raise ConfigError(f"the quarantine needs {QUARANTINE_KEY_ENV} or SCRUBBER_KEY")
    q = Quarantine(os.path.join(args.state_dir, "quarantine"), key.encode())
    if args.ref:
        sys.stdout.buffer.write(q.release(args.ref))
        return EXIT_OK
    for entry in q.entries():
        sys.stdout.write(f"{entry['ref']}\t{entry['reason']}\t{entry['size']}\n")
    return EXIT_OK


def _tempfail_on_usage_error(p: argparse.ArgumentParser) -> None:
    def error(message: str) -> NoReturn:
        sys.stderr.write(f"scrubber mail filter: usage error: {message}\n")
        sys.exit(EX_TEMPFAIL)

    p.error = error  # type: ignore[method-assign]


def register(verbs: Any) -> None:
    """Add ``scrubber mail ...`` to the top-level sub-parsers."""
    mail = verbs.add_parser("mail", help="scrub RFC 5322 messages (pipe, SMTP filter, milter)")
    mverbs = mail.add_subparsers(dest="mail_verb", required=True)
    p = mverbs.add_parser("filter", help="stdin to stdout (or --reinject); exit 75 on failure")
    _tempfail_on_usage_error(p)
    p.set_defaults(handler=cmd_filter)
    p.add_argument("--reinject", metavar="HOST:PORT",
                   help="relay the result over SMTP instead of writing it to stdout")
    p.add_argument("-f", "--from", dest="sender", default="", help="envelope sender")
    p.add_argument("recipients", nargs="*", metavar="RECIPIENT")
    _add_mail_args(p)
    p = mverbs.add_parser("smtp-filter", help="SMTP content filter / smarthost")
    p.set_defaults(handler=cmd_smtp_filter)
    p.add_argument("--listen", default="127.0.0.1:10025", metavar="HOST:PORT")
    p.add_argument("--next-hop", default="127.0.0.1:10026", metavar="HOST:PORT")
    _add_mail_args(p)
    p = mverbs.add_parser("milter", help="before-queue milter (Postfix, Sendmail)")
    p.set_defaults(handler=cmd_milter)
    p.add_argument("--listen", default="127.0.0.1:9900", metavar="HOST:PORT")
    _add_mail_args(p)
    p = mverbs.add_parser("quarantine", help="list withheld messages, or release one by ref")
    p.set_defaults(handler=cmd_quarantine)
    p.add_argument("--state-dir", required=True, metavar="DIR")
    p.add_argument("ref", nargs="?", help="write this message's original to stdout")
