"""Helpers shared by the benchmarks: corpora, the naive baseline, timing and the summary."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scrubber import Rule, RuleSet, Scrubber

from . import corpus as corpus_mod

MB = 1_000_000
BENCH_MB = float(os.environ.get("SCRUBBER_BENCH_MB", "2"))
BENCH_SEED = int(os.environ.get("SCRUBBER_BENCH_SEED", "0"))
LATENCY_N = int(os.environ.get("SCRUBBER_BENCH_LATENCY_N", "300"))
LATENCY_SIZE = 4096
BUDGET = float(os.environ.get("SCRUBBER_BENCH_BUDGET", "6"))
#: a fixed key, so fingerprints (and their cost) are the same in every run
KEY = b"scrubber-benchmark-key-not-a-secret"


@dataclass(frozen=True)
class Corpus:
    tickets: list[corpus_mod.Ticket]
    texts: list[str]
    nbytes: int
    gen_seconds: float


def make_corpus(mb: float | None = None, size: int | None = None, n: int | None = None
                 ) -> Corpus:
    t0 = time.perf_counter()
    if n is not None:
        tickets = corpus_mod.generate(n, BENCH_SEED, size=size)
    else:
        tickets = corpus_mod.generate_bytes(mb or BENCH_MB, BENCH_SEED, size=size)
    took = time.perf_counter() - t0
    texts = [t.text for t in tickets]
    return Corpus(tickets, texts, corpus_mod.total_bytes(texts), took)


# --------------------------------------------------------------------------- helpers


def rule_counts(rules: RuleSet | tuple[Rule, ...]) -> dict[str, int]:
    rs = list(rules)
    return {"rules": len(rs), "secret rules": sum(r.kind == "secret" for r in rs),
            "pii rules": sum(r.kind == "pii" for r in rs)}


def scrub_all(scrubber: Scrubber, texts: list[str]) -> int:
    """One pass, one ``scrub`` call per ticket (as in the product); returns #findings."""
    n = 0
    for text in texts:
        n += len(scrubber.scrub(text).findings)
    return n


def naive_scan(rules: tuple[Rule, ...], text: str) -> int:
    """The naive baseline: every rule's regex over the whole text, then its validators.

    No prefilter, no allowlist, no overlap resolution, no redaction: this is the
    floor a per-rule ``finditer`` loop pays. Returns the number of validated matches.
    """
    found = 0
    for rule in rules:
        group = rule.secret_group
        validators = rule.validators
        for m in rule.pattern.finditer(text):
            start, end = m.span(group)
            if start >= end:
                continue
            for g, predicate in validators:
                value = m.group(g)
                if value is None or not predicate(value):
                    break
            else:
                found += 1
    return found


def naive_all(rules: tuple[Rule, ...], texts: list[str]) -> int:
    n = 0
    for text in texts:
        n += naive_scan(rules, text)
    return n


def run_throughput(benchmark: Any, results: dict[str, dict[str, Any]], role: str,
                   fn: Callable[[], int], corpus: Corpus, counts: dict[str, int],
                   budget: float = BUDGET, max_rounds: int = 15, min_rounds: int = 5
                   ) -> dict[str, Any]:
    """Time whole-corpus passes of ``fn``; record MB/s (median and best pass).

    With ``--benchmark-enable``: one untimed calibration/warm-up pass, then
    ``budget / pass time`` timed passes (clamped to [min_rounds, max_rounds]).
    With ``--benchmark-disable`` (smoke mode) the single call is timed here, so
    the summary still shows an (indicative, single-pass) number.
    """
    if benchmark.disabled:
        t0 = time.perf_counter()
        findings = benchmark(fn)
        seconds = [time.perf_counter() - t0]
    else:
        t0 = time.perf_counter()
        fn()
        calib = time.perf_counter() - t0
        rounds = max(min_rounds, min(max_rounds, int(budget / max(calib, 1e-9))))
        findings = benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=0)
        seconds = list(benchmark.stats.stats.data)
    median = statistics.median(seconds)
    info = {
        "role": role,
        "bytes": corpus.nbytes,
        "tickets": len(corpus.texts),
        "passes": len(seconds),
        "MB/s": round(corpus.nbytes / MB / median, 3),
        "MB/s best": round(corpus.nbytes / MB / min(seconds), 3),
        "findings": findings,
        "smoke": bool(benchmark.disabled),
        **counts,
    }
    benchmark.extra_info.update(info)
    results[role] = info
    return info


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an ascending list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


# --------------------------------------------------------------------------- reporting

ROLE_ORDER = ("full", "secrets", "naive", "naive-secrets", "latency-full", "latency-secrets")


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, float]:
    def mbps(role: str) -> float | None:
        r = results.get(role)
        return r["MB/s"] if r and r.get("MB/s") else None

    out = {}
    for name, a, b in (("full/naive", "full", "naive"),
                       ("secrets/full", "secrets", "full"),
                       ("secrets/naive-secrets", "secrets", "naive-secrets")):
        x, y = mbps(a), mbps(b)
        if x and y:
            out[name] = round(x / y, 2)
    return out


def summary_lines(results: dict[str, dict[str, Any]], start: dict[str, Any]) -> list[str]:
    lines = []
    smoke = any(r.get("smoke") for r in results.values())
    any_r = next(iter(results.values()))
    lines.append(f"rules loaded: {any_r['rules']} ({any_r['secret rules']} secret, "
                 f"{any_r['pii rules']} PII); load average at start "
                 f"{start.get('loadavg', '?')}, at end {loadavg()}; nproc {os.cpu_count()}")
    if smoke:
        lines.append("SMOKE MODE (--benchmark-disable): one pass each, numbers are indicative "
                     "only; pass --benchmark-enable to measure")
    lines.append(f"{'benchmark':<16} {'MB/s (median)':>14} {'MB/s (best)':>12} "
                 f"{'p50 µs':>8} {'p99 µs':>8} {'passes':>7} {'MB':>6}")
    for role in sorted(results, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else 99):
        r = results[role]
        p50 = f"{r['p50 us']:.0f}" if "p50 us" in r else "-"
        p99 = f"{r['p99 us']:.0f}" if "p99 us" in r else "-"
        lines.append(f"{role:<16} {r['MB/s']:>14.2f} {r.get('MB/s best', 0):>12.2f} {p50:>8} "
                     f"{p99:>8} {r.get('passes', 0):>7} {r['bytes'] / MB:>6.2f}")
    for name, value in ratios(results).items():
        lines.append(f"ratio {name} (MB/s, same run): {value:.2f}x")
    return lines


def loadavg() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


