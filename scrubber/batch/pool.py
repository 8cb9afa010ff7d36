"""Runs a function over work items on a process pool (or inline for one job), in order.

At most ``window`` items are in flight, so a long input never piles up in memory;
results come back in submission order. Workers start through ``forkserver`` and
build their engine lazily on first use (see ``partition.engine_for``).
"""

from __future__ import annotations

import collections
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def ordered_map(fn: Callable[..., R], items: Iterable[T], jobs: int, *args: Any,
                window: int | None = None) -> Iterator[R]:
    """``fn(item, *args)`` for every item, in order, on ``jobs`` processes."""
    if jobs <= 1:
        for item in items:
            yield fn(item, *args)
        return
    ctx = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    limit = window or 2 * jobs
    pending: collections.deque[Future[R]] = collections.deque()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        for item in items:
            pending.append(pool.submit(fn, item, *args))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
