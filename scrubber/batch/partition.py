"""The partition function every runner shares: records in, scrubbed records and audit rows out.

A worker builds its ``Scrubber`` once (``engine_for`` keeps a small per-process
cache keyed by the configuration's digest) and then scrubs any number of batches
with it. A record that cannot be scrubbed (``ScanError``, ``ScanTimeout``) comes
back with ``record=None`` and an ``error``: it is never passed through.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import pickle
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..engine import Scrubber
from ..errors import ScanError
from .fields import FieldMap, Walker

#: the columns of one audit row, in order (never the value)
AUDIT_FIELDS = ("source", "record", "field", "rule_id", "kind", "entity", "severity",
                "prefix", "fingerprint", "start", "end")


@dataclass(frozen=True)
class BatchConfig:
    """What a worker needs: the pickled engine, the field map and the record-key field.

    Build it with ``BatchConfig.build(scrubber, ...)``. The engine bytes carry the
    fingerprint key, so the repr leaves them out.
    """

    engine: bytes = field(repr=False)
    digest: str
    fields: FieldMap = field(default_factory=FieldMap)
    key_field: str | None = "id"

    @classmethod
    def build(cls, scrubber: Scrubber, fields: FieldMap | None = None,
              key_field: str | None = "id") -> BatchConfig:
        blob = pickle.dumps(scrubber, protocol=pickle.HIGHEST_PROTOCOL)
        digest = hashlib.sha256(blob).hexdigest()[:16]
        return cls(blob, digest, fields or FieldMap(), key_field)

    def with_fields(self, fields: FieldMap) -> BatchConfig:
        return dataclasses.replace(self, fields=fields)


@functools.lru_cache(maxsize=4)
def _engine(digest: str, blob: bytes) -> Scrubber:
    engine = pickle.loads(blob)
    if not isinstance(engine, Scrubber):
        raise TypeError("batch config does not hold a Scrubber")
    return engine


def engine_for(cfg: BatchConfig) -> Scrubber:
    """This process's Scrubber for ``cfg``: built on first use, then reused."""
    return _engine(cfg.digest, cfg.engine)


def engine_builds() -> int:
    """How many engines this process has built (for tests: one per worker and config)."""
    return _engine.cache_info().misses


@dataclass(frozen=True, slots=True)
class Scrubbed:
    """One record's outcome: the scrubbed record (None if it failed) and its audit rows."""

    key: str
    record: Any
    findings: tuple[dict[str, Any], ...]
    error: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.findings)


@dataclass(frozen=True, slots=True)
class Partition:
    """What ``scrub_partition`` returns for a batch, in input order."""

    items: tuple[Scrubbed, ...]

    @property
    def records(self) -> list[Any]:
        """The scrubbed records, failed ones left out."""
        return [i.record for i in self.items if i.error is None]

    @property
    def audit(self) -> list[dict[str, Any]]:
        return [f for i in self.items for f in i.findings]

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [failure_row(i) for i in self.items if i.error is not None]


def failure_row(item: Scrubbed) -> dict[str, Any]:
    """The audit line of a record that could not be scrubbed (names the error, not the text)."""
    row: dict[str, Any] = json.loads(item.error or "{}")
    return row


def record_key(record: Any, cfg: BatchConfig, fallback: str) -> str:
    if cfg.key_field and isinstance(record, Mapping) and record.get(cfg.key_field) is not None:
        return str(record[cfg.key_field])
    return fallback


def scrub_partition(records: Iterable[Any], cfg: BatchConfig, source: str = "",
                    keys: Sequence[str] | None = None) -> Partition:
    """Scrub a batch of JSON-like records (dicts, lists, strings) with the worker's engine.

    ``keys`` gives a fallback record key per record (a line offset, a row number) for
    records without ``cfg.key_field``. The input records are not modified.
    """
    walker = Walker(engine_for(cfg), cfg.fields, cfg.key_field)
    items = []
    for n, record in enumerate(records):
        key = record_key(record, cfg, keys[n] if keys is not None else str(n))
        items.append(scrub_one(walker, record, key, source))
    return Partition(tuple(items))


def scrub_one(walker: Walker, record: Any, key: str, source: str) -> Scrubbed:
    """Scrub one record; a scan error marks the whole record failed."""
    found: list[tuple[str, Any]] = []
    try:
        out = walker.walk(record, found)
    except ScanError as exc:
        where = walker.last_path
        error = {"source": source, "record": key, "field": where, "error": _describe(exc)}
        return Scrubbed(key, None, (), json.dumps(error))
    rows = tuple(_audit_row(source, key, path, f) for path, f in found)
    return Scrubbed(key, out if rows else record, rows)


def _describe(exc: ScanError) -> str:
    rule = getattr(exc, "rule_id", None)
    return f"{type(exc).__name__}:{rule}" if rule else type(exc).__name__


def _audit_row(source: str, key: str, path: str, finding: Any) -> dict[str, Any]:
    return {"source": source, "record": key, "field": path, "rule_id": finding.rule_id,
            "kind": finding.kind, "entity": finding.entity, "severity": str(finding.severity),
            "prefix": finding.prefix, "fingerprint": finding.fingerprint,
            "start": finding.start, "end": finding.end}
