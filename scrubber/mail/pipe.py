"""Pipe mode: one message in, the scrubbed message out (stdout or SMTP), exit 75 on any failure."""

from __future__ import annotations

import logging
import re
import signal
import smtplib
from collections.abc import Sequence
from types import FrameType
from typing import BinaryIO

from .core import MailFilter

EX_OK = 0
EX_TEMPFAIL = 75
log = logging.getLogger("scrubber.mail")


class Deadline(Exception):
    """The per-message time budget ran out."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Deadline


def relay(data: bytes, host: str, port: int, sender: str, recipients: Sequence[str],
          timeout: float = 60.0) -> None:
    """Hand ``data`` to the next SMTP hop; raises unless every recipient was accepted.

    SMTP carries CRLF lines: a message read with LF endings (pipe(8)) is sent with CRLF.
    """
    data = re.sub(rb"\r?\n", b"\r\n", data)
    options = ["BODY=8BITMIME"] if not data.isascii() else []
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        smtp.ehlo_or_helo_if_needed()
        if not smtp.has_extn("8bitmime"):
            options = []
        refused = smtp.sendmail(sender, list(recipients), data, mail_options=options)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)


def run(mf: MailFilter, stdin: BinaryIO, stdout: BinaryIO, *, deadline: float = 0,
        reinject: tuple[str, int] | None = None, sender: str = "",
        recipients: Sequence[str] = ()) -> int:
    """Read one message, scrub it, write or relay it; 0 on success, 75 on any failure.

    Nothing is written before the whole message is scrubbed; on failure nothing is
    written at all and one line naming the error type goes to the log.
    """
    raw = b""
    previous = signal.signal(signal.SIGALRM, _alarm) if deadline else None
    try:
        if deadline:
            signal.setitimer(signal.ITIMER_REAL, deadline)
        raw = stdin.read()
        outcome = mf.process(raw)
        if reinject:
            relay(outcome.data, reinject[0], reinject[1], sender, recipients)
        if deadline:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if not reinject:
            stdout.write(outcome.data)
            stdout.flush()
        return EX_OK
    except BaseException as exc:  # fail closed: every error, even a signal or exit, defers
        if deadline:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if isinstance(exc, Deadline) and raw:
            mf.failed(raw, "deadline")
        log.error("temporary failure (%s)", type(exc).__name__)
        return EX_TEMPFAIL
    finally:
        if previous is not None:
            signal.signal(signal.SIGALRM, previous)
