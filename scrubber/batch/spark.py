"""Spark runner: the same partition function over ``DataFrame.mapInArrow`` (extra ``spark``).

In a user's own job::

    from scrubber.batch.spark import scrub_dataframe
    out = scrub_dataframe(df, cfg)          # = df.mapInArrow(ArrowScrub(cfg), schema)
    clean = out.where("scrub_error IS NULL").drop("scrub_findings", "scrub_error")

Each Python worker builds its engine once (the lazy cache in ``partition``) and
reuses it for every batch and task it is given.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .arrow import ERROR, EXTRA, FINDINGS, ArrowScrub, output_schema
from .audit import Report, finalize
from .partition import BatchConfig
from .runner import RunResult


def spark_schema(df: Any) -> Any:
    """The Spark schema of ``scrub_dataframe(df, ...)``: df's columns plus the two extras."""
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    return from_arrow_schema(output_schema(to_arrow_schema(df.schema)))


def scrub_dataframe(df: Any, cfg: BatchConfig, source: str = "") -> Any:
    """``df`` scrubbed, plus ``scrub_findings`` (audit rows) and ``scrub_error`` columns."""
    return df.mapInArrow(ArrowScrub(cfg, source), spark_schema(df))


def session(master: str = "local[*]") -> Any:
    """A SparkSession for the CLI (an existing active session is reused)."""
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master(master).appName("scrubber-batch")
               .config("spark.ui.showConsoleProgress", "false"))
    if master.startswith("local"):  # a local run listens on loopback only
        builder = (builder.config("spark.ui.enabled", "false")
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.driver.host", "127.0.0.1"))
    return builder.getOrCreate()


def run_spark(inputs: Sequence[str], cfg: BatchConfig, *, out_dir: str | Path,
              report_dir: str | Path, fmt: str = "parquet", spark: Any = None,
              master: str = "local[*]") -> RunResult:
    """Scrub Parquet or JSONL paths with Spark into ``out_dir`` (one folder per input)."""
    if fmt not in ("parquet", "jsonl"):
        raise ValueError("the Spark runner reads Parquet or JSONL paths")
    spark = spark or session(master)
    out, report = Path(out_dir), Path(report_dir)
    result = RunResult()
    t0 = time.monotonic()
    writer = Report(report, fresh=True)
    try:
        for path in inputs:
            _one(spark, path, cfg, out, fmt, writer, result)
    finally:
        writer.close()
    result.seconds = time.monotonic() - t0
    run = {"mode": "spark", "dry_run": False, "engine": cfg.digest,
           "inputs": [str(i) for i in inputs], **result.totals()}
    result.summary = finalize(report, run)
    return result


def _one(spark: Any, path: str, cfg: BatchConfig, out: Path, fmt: str, writer: Report,
         result: RunResult) -> None:
    reader = spark.read.parquet if fmt == "parquet" else spark.read.json
    scrubbed = scrub_dataframe(reader(path), cfg, source=path)
    target = out / Path(path).name
    tmp = out / f".{Path(path).name}.spark-tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    scrubbed.write.parquet(str(tmp))  # computed once; outputs and audit are read from it
    staged = spark.read.parquet(str(tmp))
    clean = staged.where(f"{ERROR} IS NULL").drop(*EXTRA)
    final_tmp = out / f".{Path(path).name}.spark-out"
    shutil.rmtree(final_tmp, ignore_errors=True)
    (clean.write.parquet if fmt == "parquet" else clean.write.json)(str(final_tmp))
    shutil.rmtree(target, ignore_errors=True)
    final_tmp.rename(target)
    counts = staged.selectExpr(
        "count(*) AS n", f"coalesce(sum(if(size({FINDINGS}) > 0, 1, 0)), 0) AS c",
        f"coalesce(sum(if({ERROR} IS NULL, 0, 1)), 0) AS f").first()
    result.records += int(counts["n"])
    result.changed += int(counts["c"])
    result.failed += int(counts["f"])
    marked = staged.where(f"size({FINDINGS}) > 0 OR {ERROR} IS NOT NULL")
    for row in marked.select(FINDINGS, ERROR).toLocalIterator():
        writer.write([f.asDict() for f in row[FINDINGS] or ()],
                     [_failure(row[ERROR])] if row[ERROR] else [])
    shutil.rmtree(tmp)


def _failure(error: str) -> dict[str, Any]:
    import json

    row: dict[str, Any] = json.loads(error)
    return row
