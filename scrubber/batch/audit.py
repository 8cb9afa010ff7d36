"""The audit report: findings and failures as JSON Lines, a summary and a leaked-keys file.

Every row names the record, field, rule, entity, kept prefix and keyed fingerprint;
no row, total or file ever holds a scrubbed value. ``findings.jsonl`` and
``failed.jsonl`` are appended batch by batch; their byte lengths go into the
run's checkpoint, so a resumed run cuts off rows of a batch that never committed.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from .atomic import atomic_open

FINDINGS = "findings.jsonl"
FAILED = "failed.jsonl"
SUMMARY = "summary.json"
LEAKED = "leaked-keys.jsonl"
MAX_RECORDS_PER_KEY = 50


def dumps(row: Mapping[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"


class Report:
    """Appends audit rows under ``directory``; ``offsets``/``truncate`` support resuming."""

    def __init__(self, directory: str | Path, *, fresh: bool) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        mode = "w" if fresh else "a"
        self._findings: IO[str] = open(  # noqa: SIM115 (closed by close())
            self.dir / FINDINGS, mode, encoding="utf-8")
        self._failed: IO[str] = open(  # noqa: SIM115
            self.dir / FAILED, mode, encoding="utf-8")

    def write(self, audit: Iterable[Mapping[str, Any]], failures: Iterable[Mapping[str, Any]]
              ) -> None:
        self._findings.writelines(dumps(r) for r in audit)
        self._failed.writelines(dumps(r) for r in failures)

    def sync(self) -> tuple[int, int]:
        """Flush and fsync both files; their byte lengths (for the checkpoint)."""
        for fh in (self._findings, self._failed):
            fh.flush()
            os.fsync(fh.fileno())
        return self._findings.tell(), self._failed.tell()

    def truncate(self, findings: int, failed: int) -> None:
        """Cut both files back to a checkpoint's lengths (rows past it never committed)."""
        for fh, size in ((self._findings, findings), (self._failed, failed)):
            fh.flush()
            fh.truncate(size)
            fh.seek(size)

    def close(self) -> None:
        self._findings.close()
        self._failed.close()


def merge_into(directory: str | Path, parts: Iterable[tuple[Path, Path]]) -> None:
    """Concatenate per-unit (findings, failures) part files into the report, in order."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_open(out / FINDINGS, "wb") as fh, atomic_open(out / FAILED, "wb") as fail:
        for findings, failed in parts:
            for src, dst in ((findings, fh), (failed, fail)):
                with open(src, "rb") as part:
                    while chunk := part.read(1 << 20):
                        dst.write(chunk)


def _rows(path: Path) -> Iterable[dict[str, Any]]:
    if not path.exists():
        return
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def finalize(directory: str | Path, run: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``summary.json`` (totals by entity, rule, kind) and ``leaked-keys.jsonl``."""
    out = Path(directory)
    by_entity: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    records, last = 0, None  # a record's rows are contiguous: count the changes of record
    leaked: dict[tuple[str, str], dict[str, Any]] = {}
    for row in _rows(out / FINDINGS):
        by_entity[row["entity"]] += 1
        by_rule[row["rule_id"]] += 1
        by_kind[row["kind"]] += 1
        if (row["source"], row["record"]) != last:
            records, last = records + 1, (row["source"], row["record"])
        if row["kind"] == "secret":
            _leak(leaked, row)
    failed = sum(1 for _ in _rows(out / FAILED))
    summary = {**run, "findings": sum(by_kind.values()), "records_with_findings": records,
               "failed_records": failed, "by_entity": dict(sorted(by_entity.items())),
               "by_rule": dict(sorted(by_rule.items())), "by_kind": dict(sorted(by_kind.items())),
               "leaked_keys": len(leaked)}
    with atomic_open(out / SUMMARY, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    with atomic_open(out / LEAKED, "w", encoding="utf-8") as fh:
        fh.writelines(dumps(v) for _, v in sorted(leaked.items()))
    return summary


def _leak(leaked: dict[tuple[str, str], dict[str, Any]], row: Mapping[str, Any]) -> None:
    key = (row["rule_id"], row["fingerprint"])
    entry = leaked.setdefault(key, {"rule_id": row["rule_id"], "entity": row["entity"],
                                    "prefix": row["prefix"], "fingerprint": row["fingerprint"],
                                    "occurrences": 0, "records": []})
    entry["occurrences"] += 1
    ref = f"{row['source']}#{row['record']}" if row["source"] else str(row["record"])
    if ref not in entry["records"] and len(entry["records"]) < MAX_RECORDS_PER_KEY:
        entry["records"].append(ref)
