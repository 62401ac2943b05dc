"""Render stage: the files published as they are, the theme's static files and the archive's media."""

from __future__ import annotations

from .. import content, urls
from ..incremental import Copy
from ..media import MAX_MEDIA_BYTES
from ..theme import Theme


def copies(root, theme: Theme, media: frozenset[str]) -> list[Copy]:
    """Theme files (the archive's own over the default's) and media, in path order."""
    chosen = {path: Copy(path, folder, path) for path, folder in theme.static.items()}
    for name in media:
        chosen[urls.media(name)] = Copy(urls.media(name), root, f"{content.MEDIA_DIR}/{name}", MAX_MEDIA_BYTES)
    return [chosen[path] for path in sorted(chosen)]
