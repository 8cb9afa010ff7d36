"""File sources and sinks through the process-pool runner: JSONL, JSON, CSV, Parquet."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scrubber.batch.audit import FAILED, FINDINGS, LEAKED, SUMMARY
from scrubber.batch.partition import BatchConfig
from scrubber.batch.runner import run_files
from scrubber.errors import ConfigError

from .data import SLOW_TEXT, planted, tickets


def write_inputs(folder: Path, records: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "t.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in records)
    with open(folder / "t.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    (folder / "t.json").write_text(json.dumps({"tickets": records, "count": len(records)}))
    pq.write_table(pa.Table.from_pylist(records), folder / "t.parquet", row_group_size=100)


def read_output(folder: Path) -> dict[str, Any]:
    return {
        "jsonl": (folder / "t.jsonl").read_bytes(),
        "csv": (folder / "t.csv").read_bytes(),
        "json": json.loads((folder / "t.json").read_text()),
        "parquet": pq.read_table(folder / "t.parquet").to_pylist(),
    }


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return tickets(600)


def test_pool_output_equals_serial_output_and_no_value_survives(
        cfg: BatchConfig, records: list[dict[str, Any]], tmp_path: Path) -> None:
    write_inputs(tmp_path / "in", records)
    serial = run_files([str(tmp_path / "in")], cfg, out_dir=tmp_path / "o1",
                       report_dir=tmp_path / "r1", jobs=1, unit_bytes=8000)
    pool = run_files([str(tmp_path / "in")], cfg, out_dir=tmp_path / "o2",
                     report_dir=tmp_path / "r2", jobs=2, unit_bytes=8000)
    assert read_output(tmp_path / "o1") == read_output(tmp_path / "o2")
    assert (tmp_path / "r1" / FINDINGS).read_bytes() == (tmp_path / "r2" / FINDINGS).read_bytes()
    assert serial.records == pool.records == 4 * len(records)
    assert serial.units > 4, "JSONL and Parquet must be cut into several units"
    assert len(pool.builds) == 2
    assert set(pool.builds.values()) == {1}
    everything = b"".join(p.read_bytes() for p in (tmp_path / "o2").rglob("*"))
    everything += b"".join(p.read_bytes() for p in (tmp_path / "r2").rglob("*"))
    for value in planted(records):
        assert value.encode() not in everything
    assert not list((tmp_path / "o2").rglob(".*")), "no temp or state files left behind"


def test_outputs_keep_shape_and_unchanged_lines(cfg: BatchConfig, records: list[dict[str, Any]],
                                                tmp_path: Path) -> None:
    write_inputs(tmp_path / "in", records)
    run_files([str(tmp_path / "in")], cfg, out_dir=tmp_path / "out", report_dir=tmp_path / "r",
              jobs=1)
    out = read_output(tmp_path / "out")
    src_lines = (tmp_path / "in" / "t.jsonl").read_bytes().splitlines()
    out_lines = out["jsonl"].splitlines()
    assert len(out_lines) == len(src_lines)
    for src, dst in zip(src_lines, out_lines, strict=True):
        record = json.loads(src)
        if int(record["id"]) % 4 in (2, 4) and int(record["id"] - 1) % 3:
            assert dst == src  # nothing to scrub: written back byte for byte
    assert out["json"]["count"] == len(records)
    assert len(out["json"]["tickets"]) == len(records)
    assert [r["id"] for r in out["parquet"]] == [r["id"] for r in records]
    assert pq.read_schema(tmp_path / "out" / "t.parquet").names == list(records[0])
    summary = json.loads((tmp_path / "r" / SUMMARY).read_text())
    assert summary["records"] == 4 * len(records)
    assert summary["failed"] == 0
    assert summary["by_entity"]["GITHUB_TOKEN"] == 4 * len(records[::4])
    leaked = [json.loads(x) for x in (tmp_path / "r" / LEAKED).read_text().splitlines()]
    assert {x["rule_id"] for x in leaked} == {"github-pat-classic", "stripe-live-key"}
    assert all(x["prefix"] and len(x["fingerprint"]) == 16 for x in leaked)


def test_failed_records_are_withheld_and_reported(slow_cfg: BatchConfig, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(f'{{"id": 1, "body": "ok"}}\n{{"id": 2, "body": "{SLOW_TEXT}"}}\nnot json\n')
    result = run_files([str(src)], slow_cfg, out_dir=tmp_path / "o", report_dir=tmp_path / "r")
    assert result.failed == 2
    assert (tmp_path / "o" / "in.jsonl").read_text() == '{"id": 1, "body": "ok"}\n'
    failed = [json.loads(x) for x in (tmp_path / "r" / FAILED).read_text().splitlines()]
    assert sorted(f["error"] for f in failed) == ["ScanTimeout:slow-rule", "invalid JSON"]
    assert SLOW_TEXT not in (tmp_path / "r" / FAILED).read_text()


def test_dry_run_writes_only_the_report(cfg: BatchConfig, tmp_path: Path) -> None:
    write_inputs(tmp_path / "in", tickets(50))
    result = run_files([str(tmp_path / "in" / "t.jsonl")], cfg, out_dir=None,
                       report_dir=tmp_path / "r")
    assert result.changed > 0
    assert result.summary["dry_run"] is True
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == sorted(
        [FINDINGS, FAILED, SUMMARY, LEAKED])


def test_output_folder_may_not_overlap_the_input(cfg: BatchConfig, tmp_path: Path) -> None:
    write_inputs(tmp_path / "in", tickets(5))
    with pytest.raises(ConfigError):
        run_files([str(tmp_path / "in")], cfg, out_dir=tmp_path / "in" / "out",
                  report_dir=tmp_path / "r")


def test_resume_skips_units_already_done(cfg: BatchConfig, tmp_path: Path) -> None:
    write_inputs(tmp_path / "in", tickets(300))
    src = [str(tmp_path / "in" / "t.jsonl")]
    clean = run_files(src, cfg, out_dir=tmp_path / "clean", report_dir=tmp_path / "rc",
                      unit_bytes=4000)
    state = tmp_path / "o" / ".scrubber-batch"

    class Stop(Exception):
        pass

    from scrubber.batch import runner

    real = runner.assemble

    def crash(*args: Any) -> Any:
        raise Stop

    runner.assemble = crash  # type: ignore[assignment]
    try:
        with pytest.raises(Stop):
            run_files(src, cfg, out_dir=tmp_path / "o", report_dir=tmp_path / "r",
                      unit_bytes=4000)
    finally:
        runner.assemble = real  # type: ignore[assignment]
    done = sorted(state.glob("*.done"))
    assert len(done) == clean.units
    done[-1].unlink()  # as if killed while the last unit ran
    resumed = run_files(src, cfg, out_dir=tmp_path / "o", report_dir=tmp_path / "r",
                        unit_bytes=4000, resume=True)
    assert resumed.resumed_units == clean.units - 1
    got = (tmp_path / "o" / "t.jsonl").read_bytes()
    assert got == (tmp_path / "clean" / "t.jsonl").read_bytes()
    assert (tmp_path / "r" / FINDINGS).read_bytes() == (tmp_path / "rc" / FINDINGS).read_bytes()
