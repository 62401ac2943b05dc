"""Read stage: the files of content/media: which kinds may be published, and SVGs without active content.

A media file is served from the site's own origin, so a page or script in it would run as part of
the archive (reading what the archive's pages can, or calling other hosts). Only kinds that a
browser shows as inert documents are published: images, sound, video, PDF and plain data. An SVG
is an image that can carry scripts and outside references, so each one is read and checked.
"""

from __future__ import annotations

from pathlib import Path

from . import inputs
from .model import Problem

# GitHub refuses files over 100 MB, so no checkout holds a larger one; the limit makes sure.
MAX_MEDIA_BYTES = 100_000_000

PUBLISHED_KINDS = {
    "image": ("avif", "gif", "jpeg", "jpg", "png", "svg", "webp"),
    "sound": ("flac", "m4a", "mp3", "oga", "ogg", "opus", "wav"),
    "video": ("m4v", "mov", "mp4", "ogv", "webm"),
    "document": ("pdf", "txt", "csv", "tsv", "json", "geojson", "gpx", "kml", "kmz"),
}
PUBLISHED_EXTENSIONS = frozenset(extension for kind in PUBLISHED_KINDS.values() for extension in kind)
# Kinds a browser runs as part of the site (HTML, XML that may hold XHTML, scripts, style sheets
# that may fetch from elsewhere): named in the message, since they are the ones people try.
_ACTIVE = frozenset("htm html xhtml xht shtml xml xsl xslt js mjs css swf svgz hta".split())


def media_problems(root: Path, relpath: str, size: int) -> list[Problem]:
    """Why content/media/<name> cannot be published; [] when it can."""
    if size > MAX_MEDIA_BYTES:
        return [Problem(relpath, 1, "media", f"is {inputs.size_text(size)}; a media file may be at most "
                        f"{inputs.size_text(MAX_MEDIA_BYTES)}")]
    extension = relpath.rpartition(".")[2].lower() if "." in relpath.rpartition("/")[2] else ""
    if extension in _ACTIVE:
        return [Problem(relpath, 1, "media", f".{extension} files are not published: a browser would run them "
                        "as part of the archive's site. Publish a PDF or an image of it instead")]
    if extension not in PUBLISHED_EXTENSIONS:
        kinds = "; ".join(f"{kind}: {', '.join(extensions)}" for kind, extensions in PUBLISHED_KINDS.items())
        shown = f".{extension} files are" if extension else "files without an extension are"
        return [Problem(relpath, 1, "media", f"{shown} not published; media may be {kinds}")]
    try:
        data = inputs.read_bytes(root, relpath, MAX_MEDIA_BYTES) if extension == "svg" else None
    except OSError as error:
        return [Problem(relpath, 1, "file", inputs.unreadable(error))]
    if data is None:
        return []
    from .active_content import svg_problems  # only archives with SVGs pay for the XML parser

    return [Problem(relpath, line, "media", message) for line, message in svg_problems(data)]
