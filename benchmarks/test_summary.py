"""The summary tables compute each ratio from the same run's numbers, and say what was not run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from .summary import NOT_MEASURED, corpus_rows, ratios, summary_lines


def _tp(corpus: str, policy: str, backend: str, mbps: float) -> dict[str, Any]:
    return {"role": "throughput", "corpus": corpus, "policy": policy, "backend": backend,
            "MB/s": mbps, "MB/s best": mbps * 1.1, "findings": 7}


RESULTS = [
    _tp("mailbox", "full", "portable", 10.0), _tp("mailbox", "secrets", "portable", 40.0),
    _tp("mailbox", "naive", "-", 2.0), _tp("mailbox", "naive-secrets", "-", 8.0),
    _tp("mailbox", "full", "vectorscan", 30.0),
    {"role": "presidio", "corpus": "mailbox", "backend": "portable", "MB/s": 0.1,
     "full MB/s same texts": 12.0},
    {"role": "scaling", "backend": "portable", "rules": 200, "synthetic rules": 0,
     "corpus": "mailbox", "MB/s": 20.0, "MB/s best": 21.0},
    {"role": "scaling", "backend": "portable", "rules": 800, "synthetic rules": 600,
     "corpus": "mailbox", "MB/s": 15.0, "MB/s best": 16.0},
]


def test_ratios_pair_each_engine_with_its_baseline() -> None:
    r = ratios(RESULTS)
    assert r["mailbox[portable] full/naive"] == 5.0
    assert r["mailbox[portable] secrets/naive-secrets"] == 5.0
    assert r["mailbox[portable] full/presidio"] == 120.0  # our MB/s on presidio's texts
    assert r["mailbox[vectorscan] full/naive"] == 15.0  # the naive loop has no backend
    assert r["[portable] 800-rule/200-rule"] == 0.75
    assert "mailbox[vectorscan] secrets/naive-secrets" not in r  # secrets not measured


def test_rows_follow_the_corpus_order() -> None:
    rows = corpus_rows([*RESULTS, _tp("clean", "full", "portable", 50.0)])
    assert [(r["corpus"], r["backend"]) for r in rows] == [
        ("mailbox", "portable"), ("mailbox", "vectorscan"), ("clean", "portable")]


def test_missing_presidio_is_reported_as_not_measured() -> None:
    without = [r for r in RESULTS if r["role"] != "presidio"]
    text = "\n".join(summary_lines(without, presidio_installed=False))
    assert NOT_MEASURED in text
    assert "not measured" in summary_lines(without, presidio_installed=False)[1]
    assert NOT_MEASURED not in "\n".join(summary_lines(RESULTS))


def test_report_script_prints_markdown(tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"benchmarks": [], "scrubber": {"results": RESULTS}}))
    script = Path(__file__).with_name("report.py")
    out = subprocess.run([sys.executable, str(script), str(path)], check=True,
                         capture_output=True, text=True).stdout
    assert "| mailbox [portable] | 10.00 |" in out
    assert "ratio 800-rule/200-rule [portable] (MB/s, same run): 0.75x" in out
