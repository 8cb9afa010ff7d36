"""Mail throughput: scrub_message on an 8 KB multipart ticket, and through Postfix per front end.

Run (measuring):   python -m pytest benchmarks/test_mail.py --benchmark-enable -q -s
Smoke (one pass):  python -m pytest benchmarks/test_mail.py -q

``SCRUBBER_BENCH_MAIL_N`` sets the number of messages sent through Postfix per mode
(default 40; the numbers in benchmarks/README.md used 200).
"""

from __future__ import annotations

import base64
import os
import quopri
import smtplib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scrubber import Scrubber
from scrubber.fakes import expand
from scrubber.mail import MailPolicy, scrub_message

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.mail.mta import Daemon, Postfix, running_postfix, wait_for

N = int(os.environ.get("SCRUBBER_BENCH_MAIL_N", "40"))
KEY = b"bench-fixed-key-0123456789abcdef"


def ticket(i: int = 0) -> bytes:
    """An ~8 KB multipart/alternative ticket: QP text, base64 HTML, two keys and PII."""
    key = expand("sk-proj-{{b64url:74}}T3BlbkFJ{{b64url:74}}", f"bench-{i}")
    gh = expand("{{crc32:ghp_}}", f"bench-{i}")
    filler = "".join(f"line {n}: request req_{n:08d} returned 500 at 2026-11-27T10:02:11Z\r\n"
                     for n in range(45))
    text = (f"Hi,\r\nmy key is {key}\r\nand {gh}\r\nreach me at jane.doe@kestrel-analytics.co"
            f"\r\n{filler}Thanks, Zoë\r\n").encode()
    html = f"<p>key <b>{key}</b></p><pre>{filler}</pre>".encode()
    return (f"From: Jane <jane@example.test>\r\nTo: support@example.test\r\n"
            f"Subject: bench {i}\r\nMessage-ID: <bench-{i}@example.test>\r\n"
            "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/alternative; boundary=\"B\"\r\n\r\n--B\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode() + \
        quopri.encodestring(text) + b"\r\n--B\r\nContent-Type: text/html; charset=utf-8\r\n" \
        b"Content-Transfer-Encoding: base64\r\n\r\n" + \
        base64.encodebytes(html).replace(b"\n", b"\r\n") + b"--B--\r\n"


def test_mail_scrub_message_8kb_ticket(benchmark: Any) -> None:
    raw = ticket()
    assert 7000 < len(raw) < 9500
    policy = MailPolicy(Scrubber(key=KEY))
    out, report = benchmark(scrub_message, raw, policy)
    assert report.secrets
    assert b"T3BlbkFJ" not in out
    started, n = time.perf_counter(), 50
    for _ in range(n):
        scrub_message(raw, policy)
    rate = n / (time.perf_counter() - started)
    benchmark.extra_info["messages_per_s"] = round(rate, 1)
    print(f"\nscrub_message, 8 KB multipart ticket: {rate:.0f} messages/s")


@pytest.fixture(scope="module")
def mta() -> Iterator[Postfix]:
    with running_postfix() as pf:
        yield pf


def _send_all(pf: Postfix, port: str, tag: str) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", pf.ports[port], timeout=120) as smtp:
        for i in range(N):
            smtp.sendmail("jane@example.test", [f"{tag}-{i}@example.test"], ticket(i))
    wait_for(lambda: len(pf.sink.find(f"{tag}-".encode())) >= N, 300, 0.05)
    return N / (time.perf_counter() - started)


@pytest.mark.parametrize("mode", ["milter", "content-filter"])
def test_mail_postfix_throughput(mta: Postfix, mode: str) -> None:
    if mode == "milter":
        daemon = Daemon("milter", mta.ports["milter"])
        port = "milter_in"
    else:
        daemon = Daemon("smtp-filter", mta.ports["filter"], "--next-hop",
                        f"127.0.0.1:{mta.ports['reinject']}")
        port = "cf_in"
    with daemon:
        rate = _send_all(mta, port, f"bench-{mode}")
    assert all(b"T3BlbkFJ" not in m.data for m in mta.sink.find(f"bench-{mode}-".encode()))
    print(f"\nPostfix + {mode}: {N} x 8 KB tickets, {rate:.1f} messages/s (one client)")
