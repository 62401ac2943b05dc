"""Render stage, beyond the HTML pages: feeds, publishing files, open data and the search index.

Each module gives the outputs of one kind, as PageSpecs (rendered by a template) or Generated
files (bytes made by Python), which the incremental writer treats like every page: made again
only when their inputs' fingerprint changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..config import Config
from ..incremental import Generated
from ..model import Archive
from ..render import BodyRef, PageSpec
from . import data, feeds, publishing, search


def every_output(archive: Archive, config: Config, bodies: dict[str, BodyRef], root: Path) -> Iterator[PageSpec | Generated]:
    for module in (feeds, publishing, data, search):
        yield from module.outputs(archive, config, bodies, root)
