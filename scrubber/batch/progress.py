"""A one-line progress display (records, MB, rate, ETA) on a terminal; silent otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

MB = 1_000_000


class Progress:
    """Counts records and bytes; redraws at most every ``interval`` seconds on a TTY."""

    def __init__(self, total_bytes: int, stream: TextIO | None = None, *,
                 total_records: int | None = None, enabled: bool | None = None,
                 interval: float = 0.25) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = total_bytes
        self.total_records = total_records
        self.records = 0
        self.bytes = 0
        self.start = time.monotonic()
        self.interval = interval
        self._drawn = 0.0

    def update(self, records: int, nbytes: int) -> None:
        self.records += records
        self.bytes += nbytes
        now = time.monotonic()
        if self.enabled and now - self._drawn >= self.interval:
            self._drawn = now
            self.stream.write("\r" + self.line(now) + "\x1b[K")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        took = max((now or time.monotonic()) - self.start, 1e-9)
        rate, mbs = self.records / took, self.bytes / MB / took
        if self.total_records is not None:
            left = (self.total_records - self.records) / rate if self.records else 0.0
            done = f"{self.records:,}/{self.total_records:,} records | {self.bytes / MB:,.1f} MB"
        else:
            left = (self.total - self.bytes) / (self.bytes / took) if self.bytes else 0.0
            done = f"{self.records:,} records | {self.bytes / MB:,.1f}/{self.total / MB:,.1f} MB"
        eta = time.strftime("%H:%M:%S", time.gmtime(max(left, 0)))
        return f"{done} | {rate:,.0f} rec/s {mbs:,.2f} MB/s | ETA {eta}"

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + self.line() + "\x1b[K\n")
            self.stream.flush()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start
