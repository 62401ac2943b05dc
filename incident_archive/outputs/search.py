"""Render stage: search (to be written)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..config import Config
from ..incremental import Generated
from ..model import Archive
from ..render import BodyRef, PageSpec


def outputs(archive: Archive, config: Config, bodies: dict[str, BodyRef], root: Path) -> Iterator[PageSpec | Generated]:
    return iter(())
