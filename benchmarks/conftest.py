"""Fixtures and hooks for the scrubber benchmarks (see benchmarks/README.md).

Environment knobs (all optional):

- ``SCRUBBER_BENCH_MB``: size of the throughput corpus in MB of UTF-8 (default 2).
- ``SCRUBBER_BENCH_SEED``: corpus seed (default 0).
- ``SCRUBBER_BENCH_LATENCY_N``: number of ~4 KB tickets for the latency benchmark (default 300).
- ``SCRUBBER_BENCH_BUDGET``: seconds of timed passes per throughput benchmark (default 6).

Every benchmark stores its numbers in ``benchmark.extra_info`` (so they land in
``--benchmark-json``) and in a session-wide dict that ``pytest_terminal_summary``
prints at the end, with the ratio full / naive taken from the same run.
"""

from __future__ import annotations

from typing import Any

import pytest

from scrubber import RuleSet, Scrubber, load_rules

from .harness import (
    BENCH_MB,
    KEY,
    LATENCY_N,
    LATENCY_SIZE,
    Corpus,
    loadavg,
    make_corpus,
    ratios,
    summary_lines,
)

RESULTS = pytest.StashKey[dict[str, dict[str, Any]]]()
START = pytest.StashKey[dict[str, Any]]()

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    """The fixed throughput corpus: ~2 MB of 1-6 KB tickets (seed 0)."""
    return make_corpus(BENCH_MB)


@pytest.fixture(scope="session")
def latency_corpus() -> Corpus:
    """``LATENCY_N`` tickets of about 4 KB (3.9-4.3 KB)."""
    return make_corpus(size=LATENCY_SIZE, n=LATENCY_N)


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="session")
def full_scrubber(rules: RuleSet) -> Scrubber:
    """The default policy: every built-in rule, secrets and PII."""
    return Scrubber(rules, key=KEY)


@pytest.fixture(scope="session")
def secrets_scrubber(rules: RuleSet) -> Scrubber:
    return Scrubber(rules, kinds=("secret",), key=KEY)


@pytest.fixture(scope="session")
def results(request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    """Session-wide results by role ("full", "secrets", "naive", ...)."""
    return request.config.stash.setdefault(RESULTS, {})


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[START] = {"loadavg": loadavg()}


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config
                            ) -> None:
    results = config.stash.get(RESULTS, {})
    if not results:
        return
    terminalreporter.section("scrubber benchmark summary")
    for line in summary_lines(results, config.stash.get(START, {})):
        terminalreporter.write_line(line)


def pytest_benchmark_update_json(config: pytest.Config, benchmarks: Any,
                                 output_json: dict[str, Any]) -> None:
    results = config.stash.get(RESULTS, {})
    output_json["scrubber"] = {"results": results, "ratios": ratios(results),
                               "loadavg_start": config.stash.get(START, {}).get("loadavg"),
                               "loadavg_end": loadavg()}
