"""Fixtures and hooks for the scrubber benchmarks (see benchmarks/README.md).

Environment knobs (all optional):

- ``SCRUBBER_BENCH_MB``: size of each throughput corpus in MB of UTF-8 (default 2).
- ``SCRUBBER_BENCH_SMOKE_MB``: the same in smoke mode (``--benchmark-disable``; default 0.1).
- ``SCRUBBER_BENCH_CORPORA``: comma-separated corpus names (default: all of ``CORPORA``).
- ``SCRUBBER_BENCH_SEED``: corpus seed (default 0).
- ``SCRUBBER_BENCH_LATENCY_N``: number of ~4 KB tickets for the latency benchmark (default 300).
- ``SCRUBBER_BENCH_BUDGET``: seconds of timed passes per throughput benchmark (default 6).
- ``SCRUBBER_BENCH_PRESIDIO_MB``: MB of each corpus given to presidio-analyzer (default 0.2).

Every benchmark stores its numbers in ``benchmark.extra_info`` (so they land in
``--benchmark-json``) and in a session-wide dict that ``pytest_terminal_summary``
prints at the end, with the ratios taken from the same run.
"""

from __future__ import annotations

import functools
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scrubber import RuleSet, Scrubber, load_rules

from .harness import (
    BENCH_MB,
    LATENCY_N,
    LATENCY_SIZE,
    SMOKE_LATENCY_N,
    SMOKE_MB,
    Corpus,
    is_smoke,
    loadavg,
    make_corpus,
    make_scrubber,
    presidio_installed,
)
from .summary import ratios, summary_lines

RESULTS = pytest.StashKey[dict[str, dict[str, Any]]]()
START = pytest.StashKey[dict[str, Any]]()

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def smoke(request: pytest.FixtureRequest) -> bool:
    """True in smoke mode: small corpora, one pass per benchmark."""
    return is_smoke(request.config)


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    """The fixed mailbox corpus: ~2 MB of 1-6 KB tickets (seed 0), for the corpus checks."""
    return make_corpus(BENCH_MB)


@pytest.fixture(scope="session")
def corpora(smoke: bool, corpus: Corpus) -> Callable[[str], Corpus]:
    """``corpora(name)``: the throughput corpus ``name`` (``SMOKE_MB`` in smoke mode)."""
    @functools.cache
    def get(name: str) -> Corpus:
        if name == "mailbox" and not smoke:
            return corpus
        return make_corpus(SMOKE_MB if smoke else BENCH_MB, name=name)
    return get


@pytest.fixture(scope="session")
def latency_corpus(smoke: bool) -> Corpus:
    """``LATENCY_N`` mailbox tickets of about 4 KB (3.9-4.3 KB); fewer in smoke mode."""
    return make_corpus(size=LATENCY_SIZE, n=SMOKE_LATENCY_N if smoke else LATENCY_N)


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="session")
def scrubbers(rules: RuleSet) -> Callable[[str, str], Scrubber]:
    """``scrubbers(policy, backend)``: the engine for "full" or "secrets" on a backend."""
    return functools.cache(lambda policy, backend: make_scrubber(rules, policy, backend))


@pytest.fixture(scope="session")
def full_scrubber(rules: RuleSet) -> Scrubber:
    """The default policy on the default backend: every built-in rule, secrets and PII."""
    return make_scrubber(rules, "full", "default")


@pytest.fixture(scope="session")
def secrets_scrubber(rules: RuleSet) -> Scrubber:
    return make_scrubber(rules, "secrets", "default")


@pytest.fixture(scope="session")
def results(request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    """Session-wide results by label (see ``harness.label``)."""
    return request.config.stash.setdefault(RESULTS, {})


def _no_network(*args: object, **kwargs: object) -> None:
    raise AssertionError("the presidio baseline must not open network connections")


@pytest.fixture(scope="session")
def presidio_analyzer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """presidio-analyzer's ``AnalyzerEngine`` on a blank spaCy pipeline saved to a temp folder:
    its pattern and checksum recognizers, no NER, nothing downloaded (tldextract on its
    bundled snapshot)."""
    import spacy
    import tldextract

    from scrubber.presidio import analyzer_from_model_path

    path: Path = tmp_path_factory.mktemp("blank-en")
    spacy.blank("en").to_disk(path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tldextract, "extract", tldextract.TLDExtract(suffix_list_urls=(),
                                                                cache_dir=None))
        with pytest.MonkeyPatch.context() as offline:
            offline.setattr(socket.socket, "connect", _no_network)
            analyzer = analyzer_from_model_path(path)
            analyzer.analyze(text="warm-up mail jane@example.org", language="en")
        yield analyzer


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[START] = {"loadavg": loadavg()}


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config
                            ) -> None:
    results = config.stash.get(RESULTS, {})
    if not results:
        return
    terminalreporter.section("scrubber benchmark summary")
    start = config.stash.get(START, {})
    terminalreporter.write_line(f"load average at start {start.get('loadavg', '?')}, at end "
                                f"{loadavg()}")
    for line in summary_lines(results.values(), presidio_installed()):
        terminalreporter.write_line(line)


def pytest_benchmark_update_json(config: pytest.Config, benchmarks: Any,
                                 output_json: dict[str, Any]) -> None:
    results = config.stash.get(RESULTS, {})
    output_json["scrubber"] = {"results": list(results.values()),
                               "ratios": ratios(results.values()),
                               "presidio installed": presidio_installed(),
                               "loadavg_start": config.stash.get(START, {}).get("loadavg"),
                               "loadavg_end": loadavg()}
