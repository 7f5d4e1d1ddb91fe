"""Work spread over processes (``efctl plan --jobs N``), handed back in the order it was given.

Processes, not threads: parsing YAML and checking JSON Schema are Python code that holds the
interpreter lock. Workers are forked where the system can (they start in milliseconds and
inherit the imported modules), spawned elsewhere; they touch no file but the ones they are
handed and never the bank.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
CHUNKS_PER_WORKER = 4  # small enough to even out files of unequal size, large enough to batch


def worker_count(jobs: int) -> int:
    """JOBS as asked; 0: every core this process may run on."""
    if jobs > 0:
        return jobs
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def map_in_processes(
    function: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    *,
    setup: Callable[..., None],
    setup_args: tuple[Any, ...],
) -> list[R]:
    """``[function(item) for item in items]``, in JOBS processes when JOBS > 1 and there is more
    than one item; each worker first runs ``setup(*setup_args)`` (what every item shares)."""
    workers = min(worker_count(jobs), len(items))
    if workers <= 1:
        setup(*setup_args)
        return [function(item) for item in items]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    chunk = max(1, len(items) // (workers * CHUNKS_PER_WORKER))
    with ProcessPoolExecutor(workers, context, initializer=setup, initargs=setup_args) as pool:
        return list(pool.map(function, items, chunksize=chunk))
