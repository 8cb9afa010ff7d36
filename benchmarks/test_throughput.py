"""Throughput and latency of ``Scrubber.scrub`` against the naive per-rule baseline.

Run (measuring):   python -m pytest benchmarks/ --benchmark-enable -q
Smoke (one pass):  python -m pytest benchmarks/ -q          (addopts has --benchmark-disable)

MB = 10^6 bytes of UTF-8 input. Every number is per-ticket calls in one process.
"""

from __future__ import annotations

import itertools
import statistics
import time
from typing import Any

import pytest

from scrubber import RuleSet, Scrubber

from .harness import (
    MB,
    Corpus,
    naive_all,
    percentile,
    ratios,
    rule_counts,
    run_throughput,
    scrub_all,
)

pytestmark = pytest.mark.benchmark(group="throughput", disable_gc=False)


@pytest.mark.parametrize("policy", ["full", "secrets"])
def test_engine_throughput(benchmark: Any, policy: str, corpus: Corpus, full_scrubber: Scrubber,
                           secrets_scrubber: Scrubber, rules: RuleSet,
                           results: dict[str, Any]) -> None:
    """(a) ``full``: every built-in rule (secrets + PII), one ``scrub`` per ticket, ~2 MB.
    (b) ``secrets``: ``kinds=("secret",)``, the pre-send path that only removes credentials."""
    engine = full_scrubber if policy == "full" else secrets_scrubber
    info = run_throughput(benchmark, results, policy, lambda: scrub_all(engine, corpus.texts),
                          corpus, rule_counts(rules))
    assert info["findings"] > 0


def test_naive_baseline(benchmark: Any, corpus: Corpus, full_scrubber: Scrubber,
                        rules: RuleSet, results: dict[str, Any]) -> None:
    """(c) Naive: for each ticket, every rule's ``pattern.finditer`` + its validators.

    Same rules as (a), no prefilter. The ratio (a)/(c) is the engine's speed-up.
    """
    run_rules = tuple(full_scrubber.rules)
    run_throughput(benchmark, results, "naive", lambda: naive_all(run_rules, corpus.texts),
                   corpus, rule_counts(rules), budget=8.0, max_rounds=10)


def test_naive_baseline_secrets(benchmark: Any, corpus: Corpus, secrets_scrubber: Scrubber,
                                rules: RuleSet, results: dict[str, Any]) -> None:
    """(c') The naive loop over the secret rules only: the baseline for (b)."""
    run_rules = tuple(secrets_scrubber.rules)
    run_throughput(benchmark, results, "naive-secrets",
                   lambda: naive_all(run_rules, corpus.texts), corpus, rule_counts(rules),
                   budget=4.0, max_rounds=10)


@pytest.mark.benchmark(group="latency")
@pytest.mark.parametrize("policy", ["full", "secrets"])
def test_latency_4kb(benchmark: Any, policy: str, latency_corpus: Corpus,
                     full_scrubber: Scrubber, secrets_scrubber: Scrubber, rules: RuleSet,
                     results: dict[str, Any]) -> None:
    """(d) Per-call latency on ~4 KB tickets: one round = one ``scrub`` of one ticket.

    Enabled: a warm-up pass, then 3 passes over the tickets; p50/p99 over all calls.
    Smoke mode: one timed pass inside the single benchmark call.
    """
    scrubber = full_scrubber if policy == "full" else secrets_scrubber
    texts = latency_corpus.texts
    if benchmark.disabled:
        per_call: list[float] = []

        def one_pass() -> int:
            for text in texts:
                t0 = time.perf_counter()
                scrubber.scrub(text)
                per_call.append(time.perf_counter() - t0)
            return len(texts)

        benchmark(one_pass)
        data = per_call
    else:
        for text in texts:  # warm-up
            scrubber.scrub(text)
        cycle = itertools.cycle(texts)

        def setup() -> tuple[tuple[str], dict[str, Any]]:
            return (next(cycle),), {}

        benchmark.pedantic(scrubber.scrub, setup=setup, rounds=3 * len(texts), iterations=1)
        data = list(benchmark.stats.stats.data)
    data.sort()
    mean_bytes = latency_corpus.nbytes / len(texts)
    info: dict[str, Any] = {
        "role": f"latency-{policy}",
        "bytes": latency_corpus.nbytes,
        "tickets": len(texts),
        "mean ticket bytes": round(mean_bytes),
        "calls": len(data),
        "passes": len(data) // len(texts),
        "p50 us": round(percentile(data, 50) * 1e6, 1),
        "p90 us": round(percentile(data, 90) * 1e6, 1),
        "p99 us": round(percentile(data, 99) * 1e6, 1),
        "max us": round(data[-1] * 1e6, 1),
        "MB/s": round(mean_bytes / MB / statistics.median(data), 3),
        "MB/s best": round(mean_bytes / MB / data[0], 3),
        "smoke": bool(benchmark.disabled),
        **rule_counts(rules),
    }
    benchmark.extra_info.update(info)
    results[info["role"]] = info
    assert 3800 <= mean_bytes <= 4400


def test_zz_ratio_full_vs_naive(results: dict[str, Any]) -> None:
    """Last: the ratio full/naive (and secrets/full) from this run's numbers."""
    if not {"full", "naive"} <= set(results):
        pytest.skip("run the full and naive benchmarks in the same session for a ratio")
    r = ratios(results)
    results["full"]["ratio full/naive"] = r["full/naive"]
    assert r["full/naive"] > 0  # printed by the session summary (conftest)
