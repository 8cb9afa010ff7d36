"""Print the benchmark table (Markdown) from a pytest-benchmark JSON file.

    python -m pytest benchmarks/ --benchmark-enable --benchmark-json=bench.json
    python benchmarks/report.py bench.json

Reads each benchmark's ``extra_info`` (written by benchmarks/harness.py): MB/s of
UTF-8 input (MB = 10^6 bytes) from the median and the best pass, p50/p99 per
~4 KB ticket, the rule counts; then the ratios full/naive and secrets/full.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ORDER = ("full", "secrets", "naive", "naive-secrets", "latency-full", "latency-secrets")
WHAT = {
    "full": "every built-in rule (secrets + PII), `Scrubber.scrub` per ticket",
    "secrets": "`kinds=(\"secret\",)`, `Scrubber.scrub` per ticket",
    "naive": "every rule: `pattern.finditer` + validators, no prefilter",
    "naive-secrets": "secret rules only, naive loop",
    "latency-full": "one `scrub` of one ~4 KB ticket, all rules",
    "latency-secrets": "one `scrub` of one ~4 KB ticket, secrets only",
}


def _fmt(value: Any, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def rows(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for bench in data.get("benchmarks", []):
        info = dict(bench.get("extra_info") or {})
        role = info.get("role")
        if role:
            info["name"] = bench.get("name")
            out[role] = info
    return out


def table(data: dict[str, Any]) -> str:
    by_role = rows(data)
    if not by_role:
        raise SystemExit("no scrubber benchmarks (extra_info.role) in this file")
    any_r = next(iter(by_role.values()))
    machine = data.get("machine_info", {})
    cpu = (machine.get("cpu") or {}).get("brand_raw", "?")
    lines = [
        f"Run {data.get('datetime', '?')}, Python {machine.get('python_version', '?')}, {cpu}; "
        f"rules loaded: {any_r.get('rules')} ({any_r.get('secret rules')} secret, "
        f"{any_r.get('pii rules')} PII).",
        "",
        "| benchmark | what | MB/s (median) | MB/s (best) | p50 µs | p99 µs | passes | MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for role in sorted(by_role, key=lambda r: ORDER.index(r) if r in ORDER else 99):
        r = by_role[role]
        lines.append(
            f"| {role} | {WHAT.get(role, '')} | {_fmt(r.get('MB/s'))} | "
            f"{_fmt(r.get('MB/s best'))} | {_fmt(r.get('p50 us'), '.0f')} | "
            f"{_fmt(r.get('p99 us'), '.0f')} | {r.get('passes', '-')} | "
            f"{_fmt(r.get('bytes', 0) / 1e6)} |")
    lines.append("")

    def mbps(role: str) -> float | None:
        return by_role.get(role, {}).get("MB/s")

    for name, a, b in (("full / naive", "full", "naive"),
                       ("secrets-only / full", "secrets", "full"),
                       ("secrets-only / naive-secrets", "secrets", "naive-secrets")):
        x, y = mbps(a), mbps(b)
        if x and y:
            lines.append(f"- ratio {name} (MB/s, same run): **{x / y:.2f}x**")
    extra = data.get("scrubber") or {}
    if extra.get("loadavg_start"):
        lines.append(f"- load average (1/5/15 min) at start {extra['loadavg_start']}, "
                     f"at end {extra.get('loadavg_end')}")
    if any(r.get("smoke") for r in by_role.values()):
        lines.append("- WARNING: smoke-mode numbers (single pass); rerun with --benchmark-enable")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json_file", type=Path, help="file written by --benchmark-json")
    args = parser.parse_args(argv)
    data = json.loads(args.json_file.read_text(encoding="utf-8"))
    print(table(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
