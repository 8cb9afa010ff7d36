"""File sources and sinks (JSONL, JSON, CSV, Parquet), cut into units that workers stream.

A unit is a line-aligned byte range of a JSONL file, a run of Parquet row groups,
or a whole CSV/JSON file. A worker reads its own unit, scrubs it batch by batch
and writes a part file, its audit rows and finally a ``.done`` marker, each
atomically, so a unit is either complete or absent after a crash. When every
unit of a file is done, the parts are joined into the output file (temp + rename).
Unchanged JSONL lines are written back byte for byte.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

from .atomic import atomic_open, atomic_path
from .audit import dumps
from .partition import BatchConfig, engine_builds, scrub_partition

SUFFIXES = (("jsonl", (".jsonl", ".ndjson")), ("json", (".json",)), ("csv", (".csv",)),
            ("parquet", (".parquet", ".pq")))
FORMATS = tuple(name for name, _ in SUFFIXES)
UNIT_BYTES = 4 << 20
BATCH_RECORDS = 1000


@dataclass(frozen=True)
class Unit:
    """One piece of work: ``[start, stop)`` bytes (JSONL) or row groups (Parquet) of ``src``."""

    index: int
    src: str
    rel: str
    fmt: str
    start: int
    stop: int
    nbytes: int
    source: str


def format_of(path: Path, forced: str | None = None) -> str | None:
    if forced:
        return forced
    name = path.name.lower()
    return next((f for f, ends in SUFFIXES if name.endswith(ends)), None)


def discover(inputs: Sequence[str], forced: str | None = None) -> list[tuple[Path, str, str]]:
    """(path, relative output name, format) of every input file; folders are walked."""
    found = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for sub in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = sub.relative_to(path)
                fmt = format_of(sub, forced)
                if fmt and not any(part.startswith(".") for part in rel.parts):
                    found.append((sub, str(rel), fmt))
        elif path.is_file():
            fmt = format_of(path, forced)
            if not fmt:
                raise ValueError(f"{item}: unknown file type (use --format)")
            found.append((path, path.name, fmt))
        else:
            raise FileNotFoundError(item)
    return found


def plan(inputs: Sequence[str], forced: str | None = None, unit_bytes: int = UNIT_BYTES
         ) -> list[Unit]:
    """Cut the inputs into units of about ``unit_bytes``."""
    units: list[Unit] = []
    for path, rel, fmt in discover(inputs, forced):
        if fmt == "jsonl":
            ranges = _line_ranges(path, unit_bytes)
            pieces = [(a, b, b - a) for a, b in ranges]
        elif fmt == "parquet":
            pieces = _row_group_ranges(path, unit_bytes)
        else:
            pieces = [(0, 0, path.stat().st_size)]
        units.extend(Unit(len(units) + n, str(path), rel, fmt, a, b, size, str(path))
                     for n, (a, b, size) in enumerate(pieces))
    return units


def _line_ranges(path: Path, unit_bytes: int) -> list[tuple[int, int]]:
    size = path.stat().st_size
    cuts = [0]
    with open(path, "rb") as fh:
        while cuts[-1] + unit_bytes < size:
            fh.seek(cuts[-1] + unit_bytes)
            fh.readline()
            if fh.tell() >= size:
                break
            cuts.append(fh.tell())
    cuts.append(size)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a] or [(0, 0)]


def _row_group_ranges(path: Path, unit_bytes: int) -> list[tuple[int, int, int]]:
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    size = path.stat().st_size
    total = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)) or 1
    out, start, acc = [], 0, 0
    for i in range(meta.num_row_groups):
        acc += meta.row_group(i).total_byte_size
        if acc >= unit_bytes or i == meta.num_row_groups - 1:
            out.append((start, i + 1, size * acc // total))
            start, acc = i + 1, 0
    return out or [(0, 0, size)]


# --------------------------------------------------------------------------- one unit


@dataclass(frozen=True)
class PartPaths:
    data: Path
    findings: Path
    failed: Path
    done: Path

    @classmethod
    def of(cls, work: Path, index: int) -> PartPaths:
        base = work / f"{index:06d}"
        return cls(base.with_suffix(".data"), base.with_suffix(".findings"),
                   base.with_suffix(".failed"), base.with_suffix(".done"))


class Counts:
    """Per-unit tallies, returned to the runner and kept in the ``.done`` marker."""

    def __init__(self) -> None:
        self.records = self.changed = self.failed = self.findings = 0

    def add(self, items: Sequence[Any]) -> None:
        self.records += len(items)
        self.changed += sum(1 for i in items if i.error is None and i.changed)
        self.failed += sum(1 for i in items if i.error is not None)
        self.findings += sum(len(i.findings) for i in items)


def run_unit(unit: Unit, cfg: BatchConfig, work: str, write_data: bool,
             batch: int = BATCH_RECORDS) -> dict[str, Any]:
    """Scrub one unit into its part files; a unit already done is not redone."""
    paths = PartPaths.of(Path(work), unit.index)
    if paths.done.exists():
        done: dict[str, Any] = json.loads(paths.done.read_text())
        return {**done, "skipped": True}
    counts = Counts()
    with atomic_path(paths.data) as data, atomic_open(paths.findings, "w") as fnd, \
            atomic_open(paths.failed, "w") as fail:
        sink = data if write_data else Path(os.devnull)
        SCRUBBERS[unit.fmt](unit, cfg, sink, fnd, fail, counts, batch)
    stats = {"unit": unit.index, "records": counts.records, "changed": counts.changed,
             "failed": counts.failed, "findings": counts.findings, "bytes": unit.nbytes,
             "pid": os.getpid(), "builds": engine_builds(), "skipped": False}
    with atomic_open(paths.done, "w") as fh:
        fh.write(json.dumps(stats))
    return stats


def _audit(fnd: IO[str], fail: IO[str], part: Any) -> None:
    fnd.writelines(dumps(r) for r in part.audit)
    fail.writelines(dumps(r) for r in part.failures)


def _jsonl(unit: Unit, cfg: BatchConfig, sink: Path, fnd: IO[str], fail: IO[str],
           counts: Counts, batch: int) -> None:
    with open(unit.src, "rb") as src, open(sink, "wb") as out:
        src.seek(unit.start)
        pos = unit.start
        lines: list[tuple[int, bytes]] = []
        while pos < unit.stop:
            line = src.readline()
            if not line:
                break
            lines.append((pos, line))
            pos += len(line)
            if len(lines) >= batch:
                _jsonl_batch(lines, unit, cfg, out, fnd, fail, counts)
                lines = []
        _jsonl_batch(lines, unit, cfg, out, fnd, fail, counts)


def _jsonl_batch(lines: list[tuple[int, bytes]], unit: Unit, cfg: BatchConfig, out: IO[bytes],
                 fnd: IO[str], fail: IO[str], counts: Counts) -> None:
    records, keys, raw = [], [], []
    for offset, line in lines:
        if not line.strip():
            out.write(line)
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            fail.write(dumps({"source": unit.source, "record": f"@{offset}", "field": "",
                              "error": "invalid JSON"}))
            counts.records += 1
            counts.failed += 1
            continue
        keys.append(f"@{offset}")
        raw.append(line)
    part = scrub_partition(records, cfg, unit.source, keys)
    for line, item in zip(raw, part.items, strict=True):
        if item.error is None:
            out.write(line if not item.changed else _json_line(item.record, line))
    counts.add(part.items)
    _audit(fnd, fail, part)


def _json_line(record: Any, original: bytes) -> bytes:
    end = b"\r\n" if original.endswith(b"\r\n") else b"\n"
    return json.dumps(record, ensure_ascii=False).encode("utf-8") + end


def _json(unit: Unit, cfg: BatchConfig, sink: Path, fnd: IO[str], fail: IO[str],
          counts: Counts, batch: int) -> None:
    with open(unit.src, encoding="utf-8") as fh:
        doc = json.load(fh)
    holder, name, records = _json_records(doc)
    kept: list[Any] = []
    for n in range(0, len(records), batch):
        keys = [f"[{i}]" for i in range(n, min(n + batch, len(records)))]
        part = scrub_partition(records[n:n + batch], cfg, unit.source, keys)
        kept.extend(part.records)
        counts.add(part.items)
        _audit(fnd, fail, part)
    if holder is None:
        doc = kept if isinstance(doc, list) else (kept[0] if kept else None)
    else:
        holder[name] = kept
    with open(sink, "w", encoding="utf-8") as out:
        json.dump(doc, out, ensure_ascii=False, indent=1)
        out.write("\n")


def _json_records(doc: Any) -> tuple[dict[str, Any] | None, str, list[Any]]:
    """(wrapper dict, key, records): a list, a dict with one list of objects, or one record."""
    if isinstance(doc, list):
        return None, "", doc
    if isinstance(doc, dict):
        lists = [k for k, v in doc.items() if isinstance(v, list) and v
                 and all(isinstance(x, dict) for x in v)]
        if len(lists) == 1:
            return doc, lists[0], doc[lists[0]]
    return None, "", [doc]


def _csv(unit: Unit, cfg: BatchConfig, sink: Path, fnd: IO[str], fail: IO[str],
         counts: Counts, batch: int) -> None:
    csv.field_size_limit(sys.maxsize)
    with open(unit.src, newline="", encoding="utf-8") as src, \
            open(sink, "w", newline="", encoding="utf-8") as out:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or ()))
        writer.writeheader()
        rows: list[dict[str, Any]] = []
        for row in reader:
            rows.append(row)
            if len(rows) >= batch:
                _csv_batch(rows, counts.records, unit, cfg, writer, fnd, fail, counts)
                rows = []
        _csv_batch(rows, counts.records, unit, cfg, writer, fnd, fail, counts)


def _csv_batch(rows: list[dict[str, Any]], first: int, unit: Unit, cfg: BatchConfig,
               writer: csv.DictWriter[str], fnd: IO[str], fail: IO[str], counts: Counts
               ) -> None:
    keys = [f"row {first + i + 1}" for i in range(len(rows))]
    part = scrub_partition(rows, cfg, unit.source, keys)
    writer.writerows(part.records)
    counts.add(part.items)
    _audit(fnd, fail, part)


def _parquet(unit: Unit, cfg: BatchConfig, sink: Path, fnd: IO[str], fail: IO[str],
             counts: Counts, batch: int) -> None:
    import pyarrow.parquet as pq

    from .arrow import scrub_record_batch, split

    pf = pq.ParquetFile(unit.src)
    first = sum(pf.metadata.row_group(i).num_rows for i in range(unit.start))
    with pq.ParquetWriter(sink, pf.schema_arrow) as writer:
        for rb in pf.iter_batches(batch_size=batch, row_groups=range(unit.start, unit.stop)):
            scrubbed = scrub_record_batch(rb, cfg, unit.source, first)
            first += rb.num_rows
            data, audit, failures = split(scrubbed)
            writer.write_batch(data)
            counts.records += rb.num_rows
            counts.failed += len(failures)
            counts.findings += len(audit)
            counts.changed += sum(1 for f in scrubbed.column("scrub_findings").to_pylist() if f)
            fnd.writelines(dumps(r) for r in audit)
            fail.writelines(dumps(r) for r in failures)


SCRUBBERS: Mapping[str, Any] = MappingProxyType(
    {"jsonl": _jsonl, "json": _json, "csv": _csv, "parquet": _parquet})


# --------------------------------------------------------------------------- joining parts


def assemble(units: Sequence[Unit], work: Path, out_dir: Path) -> Path:
    """Join the data parts of one file's units into ``out_dir/rel`` atomically."""
    target = out_dir / units[0].rel
    parts = [PartPaths.of(work, u.index).data for u in units]
    with atomic_path(target) as tmp:
        if units[0].fmt == "parquet":
            _join_parquet(parts, tmp)
        else:
            with open(tmp, "wb") as out:
                for part in parts:
                    with open(part, "rb") as fh:
                        while chunk := fh.read(1 << 20):
                            out.write(chunk)
    return target


def _join_parquet(parts: Sequence[Path], tmp: Path) -> None:
    import pyarrow.parquet as pq

    schema = pq.ParquetFile(parts[0]).schema_arrow
    with pq.ParquetWriter(tmp, schema) as writer:
        for part in parts:
            pf = pq.ParquetFile(part)
            for i in range(pf.metadata.num_row_groups):
                writer.write_table(pf.read_row_group(i))


def signature(units: Sequence[Unit], cfg: BatchConfig, write_data: bool) -> str:
    """What a resumed run must match: inputs (size, mtime), units, engine and field map."""
    files = sorted({u.src for u in units})
    stats = [(f, os.stat(f).st_size, os.stat(f).st_mtime_ns) for f in files]
    return json.dumps({"files": stats, "units": [asdict(u) for u in units],
                       "engine": cfg.digest, "fields": asdict(cfg.fields),
                       "key": cfg.key_field, "write": write_data}, sort_keys=True)


def unit_batches(units: Sequence[Unit]) -> Iterator[list[Unit]]:
    """The units grouped by input file, in order."""
    group: list[Unit] = []
    for unit in units:
        if group and unit.src != group[0].src:
            yield group
            group = []
        group.append(unit)
    if group:
        yield group
