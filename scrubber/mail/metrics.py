"""Counters and latency for the front ends, written as a Prometheus text file (no content)."""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
from collections import Counter
from pathlib import Path

_LABEL = re.compile(r"[^A-Za-z0-9_]")
BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0)


class Metrics:
    """Process-local counters, merged into ``<path>.json`` and rendered to ``<path>`` on flush.

    Counters: ``messages`` by outcome (delivered, clean, withheld, deferred),
    ``redactions`` by entity, ``latency`` histogram buckets, sum and count.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path else None
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def count(self, name: str, n: float = 1) -> None:
        with self._lock:
            self._counts[name] += n  # type: ignore[assignment]

    def outcome(self, outcome: str, seconds: float, entities: dict[str, int]) -> None:
        with self._lock:
            self._counts[f"messages{{outcome=\"{outcome}\"}}"] += 1
            for entity, n in entities.items():
                self._counts[f"redactions{{entity=\"{_LABEL.sub('_', entity)}\"}}"] += n
            for le in BUCKETS:
                if seconds <= le:
                    self._counts[f"latency_seconds_bucket{{le=\"{le}\"}}"] += 1
            self._counts["latency_seconds_bucket{le=\"+Inf\"}"] += 1
            self._counts["latency_seconds_count"] += 1
            self._counts["latency_seconds_sum_ms"] += round(seconds * 1000)
        self.flush()

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def flush(self) -> None:
        """Add this process's counts to the shared file and reset them."""
        if self.path is None:
            return
        with self._lock:
            counts, self._counts = self._counts, Counter()
        state = self.path.with_name(self.path.name + ".json")
        fd = os.open(state, os.O_RDWR | os.O_CREAT, 0o644)
        with os.fdopen(fd, "r+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                merged = Counter(json.loads(fh.read() or "{}"))
            except ValueError:
                merged = Counter()
            merged.update(counts)
            fh.seek(0)
            fh.truncate()
            fh.write(json.dumps(merged, sort_keys=True))
            tmp = self.path.with_name(f".{self.path.name}.tmp")
            tmp.write_text(render(merged))
            os.replace(tmp, self.path)


def render(counts: Counter[str]) -> str:
    """Prometheus text exposition of merged counters (names prefixed ``scrubber_mail_``)."""
    lines = []
    for name in sorted(counts):
        value: float = counts[name]
        if name == "latency_seconds_sum_ms":
            name, value = "latency_seconds_sum", value / 1000
        lines.append(f"scrubber_mail_{name} {value:g}")
    return "\n".join(lines) + "\n"
