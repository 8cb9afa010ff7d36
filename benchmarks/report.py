"""Print the benchmark tables (Markdown) from a pytest-benchmark JSON file.

    python -m pytest benchmarks/ --benchmark-enable --benchmark-json=bench.json
    python benchmarks/report.py bench.json

Reads the results the benchmarks recorded (the top-level ``"scrubber"`` key, else each
benchmark's ``extra_info``): MB/s of UTF-8 input (MB = 10^6 bytes) per corpus and policy,
the baselines, p50/p99 per ~4 KB ticket, rule-count scaling and start-up, and the ratios
of the same run (see ``benchmarks/summary.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.summary import summary_lines


def results_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    extra = data.get("scrubber") or {}
    if extra.get("results"):
        return list(extra["results"])
    return [dict(b["extra_info"]) for b in data.get("benchmarks", [])
            if (b.get("extra_info") or {}).get("role")]


def table(data: dict[str, Any]) -> str:
    results = results_of(data)
    if not results:
        raise SystemExit("no scrubber benchmarks (extra_info.role) in this file")
    machine = data.get("machine_info", {})
    cpu = (machine.get("cpu") or {}).get("brand_raw", "?")
    extra = data.get("scrubber") or {}
    lines = [f"Run {data.get('datetime', '?')}, Python {machine.get('python_version', '?')}, "
             f"{cpu}; load average (1/5/15 min) at start {extra.get('loadavg_start', '?')}, "
             f"at end {extra.get('loadavg_end', '?')}.", ""]
    lines += summary_lines(results, extra.get("presidio installed", True), markdown=True)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("json_file", type=Path, help="file written by --benchmark-json")
    args = parser.parse_args(argv)
    data = json.loads(args.json_file.read_text(encoding="utf-8"))
    print(table(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
