"""The default runner for files: every unit on a process pool, then outputs and report.

State lives in ``<out>/.scrubber-batch`` (or the report folder for a dry run): the
plan signature and per-unit parts. ``resume=True`` keeps the units already done,
provided the inputs, engine and field map are unchanged; otherwise the run starts
over. The state folder is removed once the outputs and report are in place.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .audit import finalize, merge_into
from .files import UNIT_BYTES, PartPaths, assemble, plan, run_unit, signature, unit_batches
from .partition import BatchConfig
from .pool import default_jobs, ordered_map
from .progress import Progress

STATE = ".scrubber-batch"


@dataclass
class RunResult:
    """Totals of one run; ``builds`` maps worker pid to engines built there."""

    records: int = 0
    changed: int = 0
    failed: int = 0
    findings: int = 0
    bytes: int = 0
    seconds: float = 0.0
    units: int = 0
    resumed_units: int = 0
    conflicts: int = 0
    builds: dict[int, int] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    def add(self, stats: dict[str, Any]) -> None:
        for name in ("records", "changed", "failed", "findings", "bytes"):
            setattr(self, name, getattr(self, name) + int(stats.get(name, 0)))
        self.units += 1
        self.resumed_units += bool(stats.get("skipped"))
        if "pid" in stats:
            self.builds[int(stats["pid"])] = int(stats["builds"])

    def totals(self) -> dict[str, Any]:
        return {"records": self.records, "changed": self.changed, "failed": self.failed,
                "bytes": self.bytes, "seconds": round(self.seconds, 3),
                "conflicts": self.conflicts}


def _prepare_state(state: Path, sig: str, resume: bool) -> None:
    marker = state / "plan.json"
    if resume and marker.exists():
        if marker.read_text(encoding="utf-8") != sig:
            raise ConfigError("--resume: inputs, rules or options changed since the run began")
        return
    if state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True)
    marker.write_text(sig, encoding="utf-8")


def _check_targets(inputs: Sequence[str], out_dir: Path) -> None:
    out = out_dir.resolve()
    for item in inputs:
        src = Path(item).resolve()
        if src == out or (src.is_dir() and src in out.parents) or out in src.parents:
            raise ConfigError(f"output folder and input {item} overlap; choose another -o")


def _unit_bytes(inputs: Sequence[str], jobs: int) -> int:
    """About four units per worker, between 256 KB and ``UNIT_BYTES``."""
    total = sum(p.stat().st_size for i in inputs
                for p in ([Path(i)] if Path(i).is_file() else Path(i).rglob("*")) if p.is_file())
    return max(256 << 10, min(UNIT_BYTES, total // (4 * jobs) + 1))


def run_files(inputs: Sequence[str], cfg: BatchConfig, *, out_dir: str | Path | None,
              report_dir: str | Path, jobs: int | None = None, resume: bool = False,
              fmt: str | None = None, unit_bytes: int | None = None, batch: int = 1000,
              progress: Progress | None = None) -> RunResult:
    """Scrub files and folders into ``out_dir`` (None: dry run, report only)."""
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        _check_targets(inputs, out)
    report = Path(report_dir)
    jobs = jobs or default_jobs()
    units = plan(inputs, fmt, unit_bytes or _unit_bytes(inputs, jobs))
    state = (out or report) / STATE
    _prepare_state(state, signature(units, cfg, out is not None), resume)
    prog = progress or Progress(sum(u.nbytes for u in units))
    result = RunResult()
    t0 = time.monotonic()
    for stats in ordered_map(run_unit, units, min(jobs, max(len(units), 1)), cfg, str(state),
                             out is not None, batch):
        result.add(stats)
        prog.update(int(stats["records"]), int(stats["bytes"]))
    prog.close()
    if out is not None:
        for group in unit_batches(units):
            assemble(group, state, out)
    merge_into(report, [(PartPaths.of(state, u.index).findings,
                         PartPaths.of(state, u.index).failed) for u in units])
    result.seconds = time.monotonic() - t0
    run = {"mode": "files", "dry_run": out is None, "jobs": jobs, "engine": cfg.digest,
           "inputs": [str(i) for i in inputs], **result.totals()}
    result.summary = finalize(report, run)
    shutil.rmtree(state)
    return result
