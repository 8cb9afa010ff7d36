"""Throughput, latency, rule-count scaling and start-up of the engine, with same-run baselines.

Run (measuring):   python -m pytest benchmarks/ --benchmark-enable -q
Smoke (one pass):  python -m pytest benchmarks/ -q          (addopts has --benchmark-disable)

MB = 10^6 bytes of UTF-8 input. Every number is per-ticket calls in one process.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scrubber import RuleSet, Scrubber

from .harness import (
    CORPORA,
    MB,
    PRESIDIO_MB,
    SCALING_BASE,
    SCALING_TOTAL,
    SMOKE_PRESIDIO_MB,
    Corpus,
    backends,
    cli_scrub_once,
    head,
    make_scrubber,
    mbps,
    naive_all,
    percentile,
    presidio_installed,
    record,
    rule_counts,
    run_throughput,
    scaling_rulesets,
    scrub_all,
    startup_once,
)

pytestmark = pytest.mark.benchmark(group="throughput", disable_gc=False)
BACKENDS = backends()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("policy", ["full", "secrets"])
@pytest.mark.parametrize("name", CORPORA)
def test_engine_throughput(benchmark: Any, name: str, policy: str, backend: str,
                           corpora: Callable[[str], Corpus],
                           scrubbers: Callable[[str, str], Scrubber], rules: RuleSet,
                           results: dict[str, Any]) -> None:
    """``full``: every built-in rule (secrets + PII), one ``scrub`` per ticket.
    ``secrets``: ``kinds=("secret",)``, the pre-send path that only removes credentials."""
    engine, corpus = scrubbers(policy, backend), corpora(name)
    info = run_throughput(benchmark, results,
                          {"role": "throughput", "policy": policy, "backend": backend,
                           **rule_counts(rules)},
                          lambda: scrub_all(engine, corpus.texts), corpus)
    kinds = ("secret",) if policy == "secrets" else ("secret", "pii")
    planted = any(p.kind in kinds for t in corpus.tickets for p in t.plants)
    assert info["findings"] > 0 or not planted


@pytest.mark.parametrize("policy", ["naive", "naive-secrets"])
@pytest.mark.parametrize("name", CORPORA)
def test_naive_baseline(benchmark: Any, name: str, policy: str,
                        corpora: Callable[[str], Corpus],
                        scrubbers: Callable[[str, str], Scrubber],
                        results: dict[str, Any]) -> None:
    """Naive: for each ticket, every rule's ``pattern.finditer`` + its validators, no prefilter.

    ``naive`` runs the rules of the full policy, ``naive-secrets`` those of the secrets policy.
    """
    engine = scrubbers("full" if policy == "naive" else "secrets", BACKENDS[0])
    run_rules, corpus = tuple(engine.rules), corpora(name)
    run_throughput(benchmark, results, {"role": "throughput", "policy": policy, "backend": "-"},
                   lambda: naive_all(run_rules, corpus.texts), corpus, budget=6.0,
                   max_rounds=8, min_rounds=3)


if presidio_installed():  # not collected without the presidio extra; the summary says so

    @pytest.mark.benchmark(group="presidio")
    @pytest.mark.parametrize("backend", BACKENDS)
    @pytest.mark.parametrize("name", CORPORA)
    def test_presidio_baseline(benchmark: Any, name: str, backend: str, smoke: bool,
                               corpora: Callable[[str], Corpus],
                               scrubbers: Callable[[str, str], Scrubber],
                               presidio_analyzer: Any, results: dict[str, Any]) -> None:
        """presidio-analyzer (pattern recognizers, blank spaCy pipeline) on the first
        ``SCRUBBER_BENCH_PRESIDIO_MB`` of the corpus; our full engine timed on the same
        texts, for the ratio full/presidio."""
        corpus = head(corpora(name), SMOKE_PRESIDIO_MB if smoke else PRESIDIO_MB)
        engine = scrubbers("full", backend)

        def presidio_pass() -> int:
            return sum(len(presidio_analyzer.analyze(text=t, language="en"))
                       for t in corpus.texts)

        rounds = 1 if smoke else 3
        if benchmark.disabled:
            t0 = time.perf_counter()
            spans = benchmark(presidio_pass)
            seconds = [time.perf_counter() - t0]
        else:
            spans = benchmark.pedantic(presidio_pass, rounds=rounds, iterations=1,
                                       warmup_rounds=1)
            seconds = list(benchmark.stats.stats.data)
        ours = []
        for _ in range(rounds + 1):  # the first one warms up
            t0 = time.perf_counter()
            scrub_all(engine, corpus.texts)
            ours.append(time.perf_counter() - t0)
        ours = ours[1:]
        record(benchmark, results, {
            "role": "presidio", "corpus": name, "backend": backend, "bytes": corpus.nbytes,
            "tickets": len(corpus.texts), "passes": len(seconds), "spans": spans,
            **mbps(corpus.nbytes, seconds),
            "full MB/s same texts": mbps(corpus.nbytes, ours)["MB/s"]})
        assert spans > 0 or name == "clean"


@pytest.mark.benchmark(group="latency")
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("policy", ["full", "secrets"])
def test_latency_4kb(benchmark: Any, policy: str, backend: str, latency_corpus: Corpus,
                     scrubbers: Callable[[str, str], Scrubber], results: dict[str, Any]) -> None:
    """Per-call latency on ~4 KB mailbox tickets: one round = one ``scrub`` of one ticket.

    Enabled: a warm-up pass, then 3 passes over the tickets; p50/p99 over all calls.
    Smoke mode: one timed pass inside the single benchmark call.
    """
    scrubber = scrubbers(policy, backend)
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
    record(benchmark, results, {
        "role": "latency", "corpus": "mailbox", "policy": policy, "backend": backend,
        "bytes": latency_corpus.nbytes, "tickets": len(texts),
        "mean ticket bytes": round(mean_bytes), "calls": len(data),
        "passes": len(data) // len(texts),
        "p50 us": round(percentile(data, 50) * 1e6, 1),
        "p90 us": round(percentile(data, 90) * 1e6, 1),
        "p99 us": round(percentile(data, 99) * 1e6, 1),
        "max us": round(data[-1] * 1e6, 1),
        "MB/s": round(mean_bytes / MB / statistics.median(data), 3),
        "MB/s best": round(mean_bytes / MB / data[0], 3)})
    assert 3800 <= mean_bytes <= 4400


@pytest.fixture(scope="module")
def scaling_rules(tmp_path_factory: pytest.TempPathFactory, rules: RuleSet
                  ) -> dict[int, RuleSet]:
    return scaling_rulesets(tmp_path_factory.mktemp("synthetic-pack"), rules)


@pytest.mark.benchmark(group="scaling")
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("count", [SCALING_BASE, SCALING_TOTAL])
def test_rule_count_scaling(benchmark: Any, count: int, backend: str,
                            scaling_rules: dict[int, RuleSet],
                            corpora: Callable[[str], Corpus], results: dict[str, Any]) -> None:
    """Secrets policy with 200 built-in rules, then with the same 200 plus 600 synthetic
    literal-prefixed rules (a user pack): the ratio of their MB/s is the cost of rule count."""
    engine = make_scrubber(scaling_rules[count], "secrets", backend)
    assert len(engine.rules) == count
    corpus = corpora("mailbox")
    info = run_throughput(benchmark, results,
                          {"role": "scaling", "policy": "secrets", "backend": backend,
                           "rules": count, "synthetic rules": count - SCALING_BASE},
                          lambda: scrub_all(engine, corpus.texts), corpus)
    assert info["findings"] > 0


@pytest.mark.benchmark(group="startup")
@pytest.mark.parametrize("backend", BACKENDS)
def test_startup(benchmark: Any, backend: str, smoke: bool, tmp_path: Path,
                 latency_corpus: Corpus, results: dict[str, Any]) -> None:
    """Fresh processes: import, ``load_rules()``, ``Scrubber(...)``, first scrub; and the wall
    time of ``scrubber scrub`` on a ~4 KB file. Enabled: one warm-up run (it may fill a
    compile cache), then the median of 5."""
    ticket = tmp_path / "ticket.txt"
    ticket.write_text(latency_corpus.texts[0], encoding="utf-8")
    runs = 1 if smoke else 5
    if not smoke:
        startup_once(backend)
        cli_scrub_once(ticket)
    parts = benchmark.pedantic(lambda: [startup_once(backend) for _ in range(runs)],
                               rounds=1, iterations=1)
    walls = [cli_scrub_once(ticket) for _ in range(runs)]
    info: dict[str, Any] = {"role": "startup", "backend": backend, "runs": runs,
                            "cli input bytes": len(latency_corpus.texts[0].encode()),
                            "cli wall s": round(statistics.median(walls), 4)}
    for name in parts[0]:
        info[name] = round(statistics.median(p[name] for p in parts), 4)
    record(benchmark, results, info)
    assert info["build s"] > 0

