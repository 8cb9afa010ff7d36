"""Formats one run's benchmark results as tables (terminal summary and Markdown) with its ratios.

Every benchmark records a dict (its ``extra_info``) with a ``role`` naming what it measured:

- ``throughput``: ``corpus``, ``policy`` (full, secrets, naive, naive-secrets), ``backend``,
  ``MB/s`` (median pass) and ``MB/s best``;
- ``presidio``: the same for presidio-analyzer's recognizers, plus ``full MB/s same texts``,
  our full engine timed on exactly the texts presidio saw;
- ``latency``: ``p50 us``/``p99 us`` per ~4 KB ticket;
- ``scaling``: ``rules`` and ``MB/s``;
- ``startup``: seconds for import, ``load_rules``, ``Scrubber(...)`` and ``scrubber scrub``.

Ratios are of MB/s measured in the same run. This module only reads those dicts, so
``benchmarks/report.py`` can print the tables from a ``--benchmark-json`` file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Info = Mapping[str, Any]
CORPUS_ORDER = ("mailbox", "clean", "secret-dense", "pii-dense", "log-heavy", "non-ascii")
NOT_MEASURED = "not measured (presidio not installed)"


def _of(results: Iterable[Info], role: str) -> list[Info]:
    return [r for r in results if r.get("role") == role]


def _mbps(results: Iterable[Info], role: str, **where: str) -> Info | None:
    for r in _of(results, role):
        if all(r.get(k) == v for k, v in where.items()):
            return r
    return None


def _ratio(x: float | None, y: float | None) -> float | None:
    return round(x / y, 2) if x and y else None


def _corpus_key(name: str) -> int:
    return CORPUS_ORDER.index(name) if name in CORPUS_ORDER else len(CORPUS_ORDER)


def corpus_rows(results: Iterable[Info]) -> list[dict[str, Any]]:
    """One row per (corpus, backend): MB/s of each policy, presidio's, and the ratios."""
    rs = list(results)
    keys = sorted({(r["corpus"], r["backend"]) for r in _of(rs, "throughput")
                   if r["policy"] in ("full", "secrets")},
                  key=lambda k: (_corpus_key(k[0]), k[1]))
    rows = []
    for corpus, backend in keys:
        def get(policy: str, backend: str = backend, corpus: str = corpus) -> Info:
            return _mbps(rs, "throughput", corpus=corpus, policy=policy, backend=backend) or {}

        full, secrets = get("full"), get("secrets")
        naive, naive_s = get("naive", "-"), get("naive-secrets", "-")
        presidio = _mbps(rs, "presidio", corpus=corpus, backend=backend) or {}
        rows.append({
            "corpus": corpus, "backend": backend,
            "full": full.get("MB/s"), "full best": full.get("MB/s best"),
            "secrets": secrets.get("MB/s"), "secrets best": secrets.get("MB/s best"),
            "naive": naive.get("MB/s"), "naive-secrets": naive_s.get("MB/s"),
            "presidio": presidio.get("MB/s"),
            "full/naive": _ratio(full.get("MB/s"), naive.get("MB/s")),
            "secrets/naive-secrets": _ratio(secrets.get("MB/s"), naive_s.get("MB/s")),
            "full/presidio": _ratio(presidio.get("full MB/s same texts"), presidio.get("MB/s")),
            "findings": full.get("findings"),
        })
    return rows


def scaling_ratios(results: Iterable[Info]) -> dict[str, float]:
    """``{backend: MB/s with the most rules / MB/s with the fewest}`` (800 vs 200 rules)."""
    out = {}
    rs = _of(results, "scaling")
    for backend in sorted({r["backend"] for r in rs}):
        mine = sorted((r for r in rs if r["backend"] == backend), key=lambda r: r["rules"])
        value = _ratio(mine[-1]["MB/s"], mine[0]["MB/s"]) if len(mine) > 1 else None
        if value is not None:
            out[backend] = value
    return out


def ratios(results: Iterable[Info]) -> dict[str, float]:
    """Every ratio of the run, flat: ``"<corpus>[<backend>] full/naive"``, scaling, ..."""
    rs = list(results)
    out: dict[str, float] = {}
    for row in corpus_rows(rs):
        for name in ("full/naive", "secrets/naive-secrets", "full/presidio"):
            if row[name] is not None:
                out[f"{row['corpus']}[{row['backend']}] {name}"] = row[name]
    for backend, value in scaling_ratios(rs).items():
        out[f"[{backend}] 800-rule/200-rule"] = value
    return out


def _f(value: Any, spec: str = ".2f", suffix: str = "") -> str:
    return "-" if value is None else format(value, spec) + suffix


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
        return lines + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(c) for c in col) for col in zip(header, *rows, strict=True)]
    return ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                      for i, (c, w) in enumerate(zip(row, widths, strict=True)))
            for row in (header, *rows)]


def throughput_table(results: Iterable[Info], markdown: bool = False,
                     presidio_installed: bool = True) -> list[str]:
    header = ("corpus [backend]", "full MB/s", "best", "secrets MB/s", "naive", "naive-sec",
              "presidio", "full/naive", "sec/naive-sec", "full/presidio", "findings")
    none = "-" if presidio_installed else "not measured"
    rows = [(f"{r['corpus']} [{r['backend']}]", _f(r["full"]), _f(r["full best"]),
             _f(r["secrets"]), _f(r["naive"]), _f(r["naive-secrets"]),
             _f(r["presidio"], ".3f") if r["presidio"] else none,
             _f(r["full/naive"], ".2f", "x"), _f(r["secrets/naive-secrets"], ".2f", "x"),
             _f(r["full/presidio"], ".1f", "x") if r["full/presidio"] else none,
             _f(r["findings"], "d"))
            for r in corpus_rows(results)]
    return _table(header, rows, markdown) if rows else []


def other_lines(results: Iterable[Info], presidio_installed: bool = True) -> list[str]:
    """Latency, scaling and start-up, one line each."""
    rs = list(results)
    lines = []
    for r in sorted(_of(rs, "latency"), key=lambda r: (r["backend"], r["policy"])):
        lines.append(f"latency {r['policy']} [{r['backend']}], {r['tickets']} tickets of "
                     f"~{r['mean ticket bytes']} B: p50 {r['p50 us']:.0f} us, p90 "
                     f"{r['p90 us']:.0f} us, p99 {r['p99 us']:.0f} us, max {r['max us']:.0f} us"
                     f" ({r['calls']} calls)")
    for r in sorted(_of(rs, "scaling"), key=lambda r: (r["backend"], r["rules"])):
        lines.append(f"scaling [{r['backend']}] {r['rules']} rules ({r['synthetic rules']} "
                     f"synthetic), secrets policy on {r['corpus']}: {r['MB/s']:.2f} MB/s "
                     f"(best {r['MB/s best']:.2f})")
    for backend, value in scaling_ratios(rs).items():
        lines.append(f"ratio 800-rule/200-rule [{backend}] (MB/s, same run): {value:.2f}x")
    for r in _of(rs, "startup"):
        lines.append(f"start-up [{r['backend']}], median of {r['runs']} fresh processes: import "
                     f"{r['import s']:.3f} s, load_rules {r['load_rules s']:.3f} s, Scrubber() "
                     f"{r['build s']:.3f} s, first scrub {r['first scrub s']:.3f} s; "
                     f"`scrubber scrub` (default options) of a {r['cli input bytes']} B file: "
                     f"{r['cli wall s']:.3f} s wall")
    if not presidio_installed:
        lines.append(f"presidio baseline: {NOT_MEASURED}")
    return lines


def summary_lines(results: Iterable[Info], presidio_installed: bool = True,
                  markdown: bool = False) -> list[str]:
    rs = list(results)
    rules = next((r for r in rs if "rules loaded" in r), None)
    lines = []
    if rules:
        lines.append(f"rules loaded: {rules['rules loaded']} ({rules['secret rules']} secret, "
                     f"{rules['pii rules']} PII)")
    if any(r.get("smoke") for r in rs):
        lines.append("SMOKE MODE (--benchmark-disable): small corpora, one pass each; numbers "
                     "are indicative only, pass --benchmark-enable to measure")
    if markdown and lines:
        lines.append("")
    lines += throughput_table(rs, markdown, presidio_installed)
    if markdown:
        lines.append("")
    lines += [("- " if markdown else "") + line for line in other_lines(rs, presidio_installed)]
    return lines
