"""Batch runner throughput on a generated ticket store: 1 vs 2 workers, and peak RSS.

Run (measuring, >= 100,000 tickets):
    python -m pytest benchmarks/test_batch.py --benchmark-enable -q -s
Smoke (CI, 2,000 tickets, one pass each):
    python -m pytest benchmarks/test_batch.py -q

Each measurement runs ``run_files`` in a fresh child process (``python -c``), so the
peak RSS of that process and of its workers (``RUSAGE_CHILDREN``) belong to that run
alone. MB = 10^6 bytes of JSONL input. ``SCRUBBER_BENCH_BATCH_N`` sets the store size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from . import corpus
from .harness import KEY, MB, loadavg

STORE_N = int(os.environ.get("SCRUBBER_BENCH_BATCH_N", "100000"))
SMOKE_N = 2000
DISTINCT = 4000  # distinct ticket texts; the store cycles through them with fresh ids
CHILD = """
import json, resource, sys, time
import scrubber
from scrubber.batch.partition import BatchConfig
from scrubber.batch.runner import run_files
from scrubber.batch.progress import Progress
if __name__ == "__main__":
    src, out, rep, jobs, key = sys.argv[1:6]
    cfg = BatchConfig.build(scrubber.Scrubber(key=key.encode()))
    t0 = time.perf_counter()
    r = run_files([src], cfg, out_dir=out, report_dir=rep, jobs=int(jobs),
                  progress=Progress(0, enabled=False))
    took = time.perf_counter() - t0
    print(json.dumps({"seconds": took, "records": r.records, "bytes": r.bytes,
                      "findings": r.summary["findings"], "units": r.units,
                      "workers": len(r.builds), "builds": sum(r.builds.values()),
                      "rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "rss_workers_mb":
                          resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def make_store(path: Path, n: int) -> int:
    """A JSONL store of ``n`` tickets (subject, body, status, created_at); returns its bytes."""
    tickets = corpus.generate(min(n, DISTINCT), seed=6, size=700)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            t = tickets[i % len(tickets)]
            subject = t.text.split("\n", 1)[0][:80]
            fh.write(json.dumps({"id": i + 1, "subject": subject, "body": t.text,
                                 "status": "open", "created_at": "2024-05-01T10:00:00Z"},
                                ensure_ascii=False) + "\n")
    return path.stat().st_size


def measure(src: Path, tmp: Path, jobs: int) -> dict[str, Any]:
    out, rep = tmp / f"out{jobs}-{src.stem}", tmp / f"rep{jobs}-{src.stem}"
    done = subprocess.run([sys.executable, "-c", CHILD, str(src), str(out), str(rep), str(jobs),
                           KEY.decode()], capture_output=True, text=True, check=True)
    info: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    info["records/s"] = round(info["records"] / info["seconds"])
    info["MB/s"] = round(info["bytes"] / MB / info["seconds"], 3)
    info["peak RSS MB"] = round(max(info["rss_parent_mb"], info["rss_workers_mb"]), 1)
    return info


@pytest.mark.benchmark(group="batch")
def test_batch_scaling_and_rss(benchmark: Any, tmp_path: Path) -> None:
    """1 and 2 workers on the same store; RSS on a store 4x smaller shows memory is flat."""
    n = SMOKE_N if benchmark.disabled else STORE_N
    store = tmp_path / "store.jsonl"
    nbytes = make_store(store, n)
    small = tmp_path / "small.jsonl"
    make_store(small, n // 4)
    runs: dict[str, Any] = {}

    def once() -> None:
        runs["1"] = measure(store, tmp_path, 1)
        runs["2"] = measure(store, tmp_path, 2)
        runs["2-small"] = measure(small, tmp_path, 2)

    benchmark.pedantic(once, rounds=1, iterations=1)
    one, two = runs["1"], runs["2"]
    assert one["records"] == two["records"] == n
    assert one["findings"] == two["findings"] > 0
    assert two["workers"] == two["builds"] == 2, "one engine per worker"
    info = {"role": "batch", "tickets": n, "MB": round(nbytes / MB, 1),
            "records/s 1 worker": one["records/s"], "records/s 2 workers": two["records/s"],
            "MB/s 1 worker": one["MB/s"], "MB/s 2 workers": two["MB/s"],
            "ratio 2/1": round(two["records/s"] / one["records/s"], 2),
            "peak RSS MB 1 worker": one["peak RSS MB"],
            "peak RSS MB 2 workers": two["peak RSS MB"],
            "peak RSS MB 2 workers, 1/4 store": runs["2-small"]["peak RSS MB"],
            "loadavg": loadavg(), "smoke": bool(benchmark.disabled)}
    benchmark.extra_info.update(info)
    print("\n" + json.dumps(info, indent=1))
    if not benchmark.disabled:
        assert two["peak RSS MB"] < 2 * runs["2-small"]["peak RSS MB"] + 50
