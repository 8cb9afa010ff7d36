"""Arrow adapter of the partition function: record batches in, scrubbed batches out.

The output schema is the input schema plus ``scrub_findings`` (one struct per
finding, the audit row) and ``scrub_error`` (null, or why the row could not be
scrubbed; the row's other columns are then null except the key). Spark's
``mapInArrow`` and the local Parquet runner both go through ``scrub_batches``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .partition import AUDIT_FIELDS, BatchConfig, scrub_partition

FINDINGS = "scrub_findings"
ERROR = "scrub_error"
EXTRA = (FINDINGS, ERROR)
FINDING_TYPE = pa.struct([pa.field(name, pa.int64() if name in ("start", "end") else pa.string())
                          for name in AUDIT_FIELDS])


def output_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` plus the findings and error columns."""
    return (schema.append(pa.field(FINDINGS, pa.list_(FINDING_TYPE)))
            .append(pa.field(ERROR, pa.string())))


def scrub_record_batch(batch: pa.RecordBatch, cfg: BatchConfig, source: str = "",
                       first_row: int = 0) -> pa.RecordBatch:
    """Scrub one record batch (rows without a key get ``row N`` keys from ``first_row``)."""
    rows = batch.to_pylist()
    keys = [f"row {first_row + i}" for i in range(len(rows))]
    part = scrub_partition(rows, cfg, source, keys)
    out: list[dict[str, Any]] = []
    for row, item in zip(rows, part.items, strict=True):
        if item.error is None:
            out.append({**item.record, FINDINGS: list(item.findings), ERROR: None})
        else:
            keep = {cfg.key_field: row.get(cfg.key_field)} if cfg.key_field else {}
            out.append({**keep, FINDINGS: [], ERROR: item.error})
    return pa.RecordBatch.from_pylist(out, schema=output_schema(batch.schema))


def scrub_batches(batches: Iterable[pa.RecordBatch], cfg: BatchConfig, source: str = ""
                  ) -> Iterator[pa.RecordBatch]:
    """The ``mapInArrow`` function body: scrub every batch of a partition in turn."""
    first = 0
    for batch in batches:
        yield scrub_record_batch(batch, cfg, source, first)
        first += batch.num_rows


class ArrowScrub:
    """A picklable ``Iterator[RecordBatch] -> Iterator[RecordBatch]`` for ``mapInArrow``."""

    def __init__(self, cfg: BatchConfig, source: str = "") -> None:
        self.cfg = cfg
        self.source = source

    def __call__(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return scrub_batches(batches, self.cfg, self.source)


def split(batch: pa.RecordBatch) -> tuple[pa.RecordBatch, list[dict[str, Any]],
                                          list[dict[str, Any]]]:
    """(the scrubbed rows without the extra columns, audit rows, failure rows)."""
    error = batch.column(ERROR)
    ok = pc.is_null(error)
    data = batch.filter(ok).select([n for n in batch.schema.names if n not in EXTRA])
    audit = [f for fs in batch.column(FINDINGS).to_pylist() if fs for f in fs]
    failures = [json.loads(e) for e in error.to_pylist() if e is not None]
    return data, audit, failures
