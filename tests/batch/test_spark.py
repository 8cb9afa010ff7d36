"""Spark local[2]: mapInArrow over the shared partition function equals the local runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scrubber.batch.arrow import ERROR, FINDINGS
from scrubber.batch.audit import FINDINGS as FINDINGS_FILE
from scrubber.batch.partition import BatchConfig
from scrubber.batch.runner import run_files
from scrubber.batch.spark import run_spark, scrub_dataframe

from .data import tickets


def _rows(path: Path) -> list[dict[str, Any]]:
    files = [path] if path.is_file() else sorted(path.glob("*.parquet"))
    rows = [r for f in files for r in pq.read_table(f).to_pylist()]
    return sorted(rows, key=lambda r: r["id"])


def _audit(path: Path) -> list[str]:
    return sorted((path / FINDINGS_FILE).read_text().splitlines())


def test_spark_output_equals_local_runner_output(spark: Any, cfg: BatchConfig,
                                                 tmp_path: Path) -> None:
    src = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist(tickets(2000, seed=3)), src, row_group_size=500)
    local = run_files([str(src)], cfg, out_dir=tmp_path / "local", report_dir=tmp_path / "rl",
                      jobs=2)
    result = run_spark([str(src)], cfg, out_dir=tmp_path / "spark", report_dir=tmp_path / "rs",
                       spark=spark)
    assert _rows(tmp_path / "spark" / "t.parquet") == _rows(tmp_path / "local" / "t.parquet")
    assert _audit(tmp_path / "rs") == _audit(tmp_path / "rl")
    assert (result.records, result.changed) == (local.records, local.changed)
    assert result.records == 2000
    assert 0 < result.changed < 2000


def test_usable_from_a_users_own_job(spark: Any, cfg: BatchConfig) -> None:
    df = spark.createDataFrame(tickets(40))
    out = scrub_dataframe(df, cfg, source="job")
    assert out.columns == [*df.columns, FINDINGS, ERROR]
    rows = sorted(out.collect(), key=lambda r: r["id"])
    assert rows[0]["body"].startswith("Hi team, our CI token ghp_")
    assert "[REDACTED:github-pat-classic]" in rows[0]["body"]
    assert rows[0][FINDINGS][0]["rule_id"] == "github-pat-classic"
    assert all(r[ERROR] is None for r in rows)
    twice = scrub_dataframe(out.drop(FINDINGS, ERROR), cfg).collect()
    assert all(not r[FINDINGS] for r in twice), "scrubbing twice changes nothing"
    assert json.dumps([r.asDict(recursive=True) for r in rows]).count("kestrel.io") == 0


def test_cli_engine_spark_on_jsonl(spark: Any, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from scrubber.batch import spark as spark_mod
    from scrubber.cli import main

    from ..conftest import TEST_KEY

    monkeypatch.setattr(spark_mod, "session", lambda master: spark)
    monkeypatch.setenv("SCRUBBER_KEY", TEST_KEY.decode())
    src = tmp_path / "t.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in tickets(60)))
    code = main(["batch", "--engine", "spark", "--format", "jsonl", str(src),
                 "-o", str(tmp_path / "out"), "--report", str(tmp_path / "r")])
    assert code == 0
    out = [json.loads(line) for f in sorted((tmp_path / "out" / "t.jsonl").glob("part-*"))
           for line in f.read_text().splitlines()]
    assert sorted(r["id"] for r in out) == list(range(1, 61))
    assert "kestrel.io" not in json.dumps(out)
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["records"] == 60
    assert summary["findings"] > 0
