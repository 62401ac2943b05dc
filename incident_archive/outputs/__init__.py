"""Render stage: the registry of every output of the site, pages, files made by Python and copied files.

Each module gives the outputs of one kind (incremental.Output: a render.PageSpec rendered by a
template, a Generated file made by Python, or a Copy), which the incremental writer treats
alike: made again only when their inputs' fingerprint changes. `plan` is the one list of them.
"""

from __future__ import annotations

from pathlib import Path

from .. import maps, render, urls
from ..config import Config
from ..images import Store
from ..incremental import Output
from ..model import Archive
from ..render import BodyRef
from ..theme import Theme
from . import data, feeds, files, publishing, search


def plan(archive: Archive, config: Config, bodies: dict[str, BodyRef], root: Path, theme: Theme,
         store: Store) -> list[Output]:
    """Every output of the site, in a fixed order: pages, feeds, files for hosts, open data, the
    search index, copied files, then the sitemap, last since it lists the pages the others made."""
    frame, place_frames = maps.frame_of(archive), maps.place_frames(archive)
    outputs: list[Output] = [
        *render.page_specs(archive, config, bodies, frame, place_frames),
        *(maps.outlines_output(each, urls.map_outlines(each.name))
          for each in sorted({frame, *place_frames.values()}, key=lambda each: each.name)),
        *feeds.outputs(archive, config, bodies, root),
        *publishing.outputs(archive, config, bodies, root),
        *data.outputs(archive, config, bodies, root, store),
        *search.outputs(archive, config, bodies, root),
        *files.copies(root, theme, archive.links.media, store),
    ]
    return [*outputs, *publishing.sitemap(config, outputs)]
