"""Leaked-key events: rule id, kept prefix and keyed fingerprint per removed key; no values."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from .message import Hit

Event = dict[str, object]
Callback = Callable[[Sequence[Event]], None]


def make_events(hits: Sequence[Hit], message_id: str, ref: str) -> list[Event]:
    """One event per full key removed from the message."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return [{"event": "leaked-key", "time": now, "message_id": message_id, "ref": ref,
             "rule_id": h.finding.rule_id, "entity": h.finding.entity,
             "severity": str(h.finding.severity), "prefix": h.finding.prefix,
             "fingerprint": h.finding.fingerprint, "where": h.where}
            for h in hits if h.finding.kind == "secret"]


class JsonlEvents:
    """Appends events to a JSON Lines file (one locked write per message)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __call__(self, events: Sequence[Event]) -> None:
        if not events:
            return
        data = "".join(json.dumps(e, sort_keys=True) + "\n" for e in events).encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, data)
        finally:
            os.close(fd)
