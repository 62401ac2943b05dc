"""Render-and-write stage: pages whose inputs changed are rendered over the workers; changed bytes are written.

Each output (a page, a file made by Python, or a file copied as it is) has a fingerprint of its inputs. An output whose
fingerprint and file on disk match the last build's record is skipped without rendering; one that
is rendered but comes out byte-identical is not written, so it keeps its modification time.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import parallel, render
from .cache import Cache, OutputRecord
from .progress import Progress
from .writer import Staging, check_paths, files_in

if TYPE_CHECKING:  # imported where it is used, so that builds with nothing to render skip it
    import jinja2


@dataclass(frozen=True)
class Copy:
    """A file copied as it is (the theme's static files, media): its fingerprint is its stamp."""

    path: str
    source: Path

    def fingerprint(self, memo: dict) -> str:
        status = self.source.stat()
        return f"copy:{self.source}:{status.st_mtime_ns}:{status.st_size}"


@dataclass(frozen=True)
class Generated:
    """A file made by Python rather than a template (open data, the search index).

    `token` is a digest of everything its bytes depend on; `make` is called (in a worker) only
    when the token changed, with a function that gives a body's HTML by its key.
    """

    path: str
    token: str
    make: Callable[[Callable[[str], str]], bytes]
    # Made from every record (the bulk data files, the search records): made in this process.
    # A forked worker would touch, and so copy, every record of the archive: a gigabyte at 150,000.
    whole_archive: bool = False

    def fingerprint(self, memo: dict) -> str:
        return f"generated:{self.token}"


@dataclass
class Written:
    files: int  # written or replaced
    unchanged: int  # rendered, byte-identical to the file already there
    removed: int


def write_outputs(out_dir: Path, outputs: list, env: jinja2.Environment, cache: Cache, jobs: int,
                  progress: Progress) -> Written:
    """Bring out_dir up to date with `outputs`; on any error it is left as it was."""
    check_paths([output.path for output in outputs])
    before = cache.outputs(out_dir) if out_dir.is_dir() else {}
    memo: dict = {}
    fingerprints = {output.path: output.fingerprint(memo) for output in outputs}
    folder = str(out_dir)
    stale = [output for output in outputs
             if not _up_to_date(f"{folder}/{output.path}", before.get(output.path), fingerprints[output.path])]
    for template in sorted({output.template for output in stale if isinstance(output, render.PageSpec)}):
        env.get_template(template)  # compiled once here, and inherited by every worker
    staging = Staging(out_dir)
    try:
        renderer = _Renderer(out_dir, before, env, cache, staging)
        here = [output for output in stale if getattr(output, "whole_archive", False)]
        spread = [output for output in stale if not getattr(output, "whole_archive", False)]
        rendered = dict(progress.track("render", parallel.run(renderer, spread, jobs), len(spread)))
        rendered |= dict(map(renderer, here))
        produced = set(fingerprints)
        # With no record of the last build (a first build, a deleted cache): whatever the folder holds.
        removed = [path for path in (before or files_in(out_dir)) if path not in produced]
        changed = [path for path, (digest, wrote) in rendered.items() if wrote]
        staging.commit(changed, removed)
    except BaseException:
        staging.discard()
        raise
    records = {path: _record(out_dir / path, fingerprints[path], digest) for path, (digest, _) in rendered.items()}
    cache.save_outputs(out_dir, records, removed)
    return Written(len(changed), len(rendered) - len(changed), len(removed))


def outputs_intact(out_dir: Path, cache: Cache) -> bool:
    """Every file the last build wrote is still there as it left it (and it wrote some)."""
    records = cache.outputs(out_dir) if out_dir.is_dir() else {}
    folder = str(out_dir)
    return bool(records) and all(_same_file(f"{folder}/{path}", record) for path, record in records.items())


def _up_to_date(target: str, record: OutputRecord | None, fingerprint: str) -> bool:
    return record is not None and record.fingerprint == fingerprint and _same_file(target, record)


def _same_file(target: str | Path, record: OutputRecord) -> bool:
    """The file is as the last build left it (nobody edited or deleted it since)."""
    return (record.size, record.mtime_ns) == _stat(target)


def _stat(path: str | Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


def _record(path: Path, fingerprint: str, digest: str) -> OutputRecord:
    size, mtime_ns = _stat(path)
    return OutputRecord(fingerprint, digest, size, mtime_ns)


class _Renderer:
    """Renders one output in a worker: → (path, (digest of its bytes, whether it had to be written))."""

    def __init__(self, out_dir: Path, before: dict[str, OutputRecord], env, cache: Cache, staging: Staging):
        self.out_dir, self.before, self.env, self.staging = out_dir, before, env, staging
        self.cache, self.cache_pid = cache, os.getpid()

    def __call__(self, output) -> tuple[str, tuple[str, bool]]:
        if isinstance(output, Copy):
            data = output.source.read_bytes()
        elif isinstance(output, Generated):
            data = output.make(self._body_html)
        else:
            data = render.render_page(output, self.env, self._body_html)
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        target = self.out_dir / output.path
        record = self.before.get(output.path)
        if record is not None:
            same = record.digest == digest and _same_file(target, record)
        else:
            same = target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data
        if not same:
            self.staging.put(output.path, data)
        return output.path, (digest, not same)

    def _body_html(self, key: str) -> str:
        if self.cache_pid != os.getpid():  # in a forked worker: a connection of its own
            self.cache, self.cache_pid = self.cache.reopen(), os.getpid()
        return self.cache.html(key)
