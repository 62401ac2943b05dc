"""Progress of long stages: a live line on a terminal; elsewhere (CI, logs) one line per slow stage, or nothing."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO

# A stage shorter than this is not worth a word: small archives build silently.
SLOW_STAGE_SECONDS = 2.0
REDRAW_SECONDS = 0.2


class Progress:
    def __init__(self, stream: TextIO | None = None, live: bool | None = None):
        self.stream = stream
        if live is None:
            live = stream is not None and stream.isatty() and not os.environ.get("CI")
        self.live = live

    @classmethod
    def quiet(cls) -> Progress:
        return cls(None, live=False)

    def track(self, stage: str, items: Iterable, total: int) -> Iterator:
        """Yield the items, telling how far the stage has got (stage, count of total, items per second)."""
        started = last_drawn = time.perf_counter()
        done = 0
        for item in items:
            yield item
            done += 1
            now = time.perf_counter()
            if self.live and now - last_drawn >= REDRAW_SECONDS:
                self._write(f"\r{_line(stage, done, total, now - started)}\x1b[K")
                last_drawn = now
        elapsed = time.perf_counter() - started
        if self.live and elapsed >= REDRAW_SECONDS:
            self._write("\r\x1b[K")
        if not self.live and self.stream is not None and elapsed >= SLOW_STAGE_SECONDS:
            self._write(_line(stage, done, total, elapsed) + "\n")

    def _write(self, text: str) -> None:
        if self.stream is None:  # Progress.quiet(): nothing to tell
            return
        self.stream.write(text)
        self.stream.flush()


def _line(stage: str, done: int, total: int, seconds: float) -> str:
    rate = done / seconds if seconds > 0 else 0.0
    return f"{stage}: {done:,} of {total:,} ({rate:,.0f}/s, {seconds:.1f} s)"


def stderr_progress() -> Progress:
    return Progress(sys.stderr)
