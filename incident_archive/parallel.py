"""Worker processes: one stage's work spread over the machine's cores, results in input order.

Workers are forked when a stage starts, so they inherit everything the stage needs (the config,
the linked archive, the list of items itself) without pickling it; only an item's index goes to
a worker, and only its result comes back.
Where fork is not available, or for small jobs, the same function runs in this process: the output
is the same either way, since each item's result depends only on the item and the inherited state.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator

# Below this many items a pool costs more than it saves (forking, then pickling results back).
MIN_ITEMS_PER_WORKER = 64
# A worker is replaced by a fresh fork after this many chunks of items. Every object a worker
# reads gets its reference count written, which copies the memory page it sits on out of the
# pages it shares with this process: a worker that lived through a whole stage held a private
# copy of most of the archive (two workers took the build of 150,000 incidents past 2.5 GB).
# A fresh fork starts sharing everything again; forking again costs a few milliseconds.
CHUNKS_PER_WORKER = 2

_stage_function: Callable | None = None
_stage_items: list = []
_parent = 0


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run(function: Callable, items: list, jobs: int) -> Iterator:
    """function(item) for every item, in order, over up to `jobs` processes."""
    workers = min(jobs, len(items) // MIN_ITEMS_PER_WORKER)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(function, items)
        return
    global _stage_function, _stage_items, _parent
    _stage_function, _stage_items, _parent = function, items, os.getpid()
    chunk = max(1, min(256, len(items) // (workers * 8)))
    # Frozen objects are left alone by the collector, which would otherwise touch (and so copy into
    # each worker) every page of memory the workers share with this process.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=CHUNKS_PER_WORKER) as pool:
            yield from pool.imap(_call, range(len(items)), chunksize=chunk)
    finally:
        gc.unfreeze()
        _stage_function, _stage_items = None, []


def _call(index: int):
    if os.getppid() != _parent:
        # The build was killed (SIGKILL gives it no time to stop its workers): a worker that went
        # on would write into a folder that the next build is cleaning.
        os._exit(1)
    assert _stage_function is not None, "run() sets the stage's function before it forks the workers"
    return _stage_function(_stage_items[index])
