"""Render stage: the files published as they are (the theme's static files, media) and raster images published clean."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .. import content, inputs, urls
from ..images import RASTER_FORMATS, ImageProblem, Store, cleaner_key
from ..incremental import Copy
from ..media import MAX_MEDIA_BYTES, extension_of, published_bytes
from ..model import Failure, Problem
from ..theme import Theme


@dataclass(frozen=True)
class CleanImage:
    """A raster image of content/media, published re-encoded from its pixels alone (images.py).

    Its fingerprint is its stamp and the cleaner's key; its bytes come from the store, where the
    read stage put them (or are made again, if the store lost them).
    """

    path: str
    base: Path
    relpath: str
    store: Store
    template = None
    whole_archive = False

    def fingerprint(self, memo: dict) -> str:
        status = os.lstat(os.path.join(self.base, self.relpath))
        return f"clean:{cleaner_key()}:{self.base}/{self.relpath}:{status.st_mtime_ns}:{status.st_size}"

    def make(self, env, body_html) -> bytes:
        try:
            return published_bytes(self.base, self.relpath, self.store)
        except OSError as error:
            raise Failure(Problem(self.relpath, 1, "file", inputs.unreadable(error))) from None
        except ImageProblem as problem:
            raise Failure(Problem(self.relpath, 1, "media", str(problem))) from None


def copies(root, theme: Theme, media: frozenset[str], store: Store) -> list[Copy | CleanImage]:
    """Theme files (the archive's own over the default's) and media, in path order."""
    chosen: dict[str, Copy | CleanImage] = {path: Copy(path, folder, path) for path, folder in theme.static.items()}
    for name in media:
        relpath = f"{content.MEDIA_DIR}/{name}"
        if extension_of(name) in RASTER_FORMATS:
            chosen[urls.media(name)] = CleanImage(urls.media(name), root, relpath, store)
        else:
            chosen[urls.media(name)] = Copy(urls.media(name), root, relpath, MAX_MEDIA_BYTES)
    return [chosen[path] for path in sorted(chosen)]
