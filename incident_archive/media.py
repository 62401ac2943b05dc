"""Read and link stages: the files of content/media: which kinds may be published, and how each is published clean.

A media file is served from the site's own origin, so a page or script in it would run as part of
the archive (reading what the archive's pages can, or calling other hosts). Only kinds that a
browser shows as inert documents are published: images, sound, video, PDF and plain data. An SVG
is an image that can carry scripts and outside references, so each one is read and checked.

A file can also betray the people in it: a phone photo's EXIF holds where it was taken, and by
which device. Raster images are published re-encoded from their pixels alone (images.py), which
the read stage does once per file, so that a file Pillow cannot read is reported by `check`.
Every other kind (video, sound, PDF, documents) may hold metadata the build cannot remove: it is
published only when a record lists it under `media` with `metadata_checked: true`, a maintainer's
word that it was cleaned. That needs the records, so it is checked at the link stage.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from . import inputs
from .content import MEDIA_DIR
from .images import RASTER_FORMATS, ImageProblem, Store, cleaner_key
from .model import Problem, Reading
from .names import did_you_mean

# GitHub refuses files over 100 MB, so no checkout holds a larger one; the limit makes sure.
MAX_MEDIA_BYTES = 100_000_000

PUBLISHED_KINDS = {
    "image": ("avif", "gif", "jpeg", "jpg", "png", "svg", "webp"),
    "sound": ("flac", "m4a", "mp3", "oga", "ogg", "opus", "wav"),
    "video": ("m4v", "mov", "mp4", "ogv", "webm"),
    "document": ("pdf", "txt", "csv", "tsv", "json", "geojson", "gpx", "kml", "kmz"),
}
PUBLISHED_EXTENSIONS = frozenset(extension for kind in PUBLISHED_KINDS.values() for extension in kind)
# Published as the build makes them: raster images re-encoded, SVGs checked (they are text, read whole).
CLEANED_EXTENSIONS = frozenset({*RASTER_FORMATS, "svg"})
# Kinds a browser runs as part of the site (HTML, XML that may hold XHTML, scripts, style sheets
# that may fetch from elsewhere): named in the message, since they are the ones people try.
_ACTIVE = frozenset("htm html xhtml xht shtml xml xsl xslt js mjs css swf svgz hta".split())


def extension_of(name: str) -> str:
    """'jpg' for 'bucha/Yard.JPG'; '' for a name without one."""
    base = name.rpartition("/")[2]
    return base.rpartition(".")[2].lower() if "." in base else ""


def is_image(name: str) -> bool:
    return extension_of(name) in PUBLISHED_KINDS["image"]


def media_problems(root: Path, relpath: str, size: int, store: Store | None = None) -> list[Problem]:
    """Why content/media/<name> cannot be published; [] when it can (a raster image is cleaned, into the store)."""
    if size > MAX_MEDIA_BYTES:
        return [Problem(relpath, 1, "media", f"is {inputs.size_text(size)}; a media file may be at most "
                        f"{inputs.size_text(MAX_MEDIA_BYTES)}")]
    extension = extension_of(relpath)
    if extension in _ACTIVE:
        return [Problem(relpath, 1, "media", f".{extension} files are not published: a browser would run them "
                        "as part of the archive's site. Publish a PDF or an image of it instead")]
    if extension not in PUBLISHED_EXTENSIONS:
        kinds = "; ".join(f"{kind}: {', '.join(extensions)}" for kind, extensions in PUBLISHED_KINDS.items())
        shown = f".{extension} files are" if extension else "files without an extension are"
        return [Problem(relpath, 1, "media", f"{shown} not published; media may be {kinds}")]
    if extension not in CLEANED_EXTENSIONS:
        return []  # read only to be published: whether it may be is the link stage's question
    try:
        data = inputs.read_bytes(root, relpath, MAX_MEDIA_BYTES)
    except OSError as error:
        return [Problem(relpath, 1, "file", inputs.unreadable(error))]
    if extension in RASTER_FORMATS:
        try:
            (store or Store(None)).cleaned(data, extension)
        except ImageProblem as problem:
            return [Problem(relpath, 1, "media", str(problem))]
        return []
    from .active_content import svg_problems  # only archives with SVGs pay for the XML parser

    return [Problem(relpath, line, "media", message) for line, message in svg_problems(data)]


def listing_problems(reading: Reading) -> list[Problem]:
    """Link stage: each record's `media` names a file of content/media/, and each file the build
    cannot clean (video, sound, documents) is listed by a record with `metadata_checked: true`."""
    problems = []
    vouched: set[str] = set()
    for incident in reading.incidents:
        for index, item in enumerate(incident.get("media") or (), start=1):
            name = item.get("file")
            if name is not None and name not in reading.media:
                problems.append(Problem(incident.path, incident.line_of(f"media[{index}]"), f"media[{index}].file",
                                        f"'{name}' is not a file in {MEDIA_DIR}/{did_you_mean(name, reading.media)}"))
            elif item.get("metadata_checked"):
                vouched.add(name)
    refused = {problem.path for problem in reading.problems}  # said once, by the read stage
    for name in sorted(reading.media):
        path = f"{MEDIA_DIR}/{name}"
        if extension_of(name) not in CLEANED_EXTENSIONS and name not in vouched and path not in refused:
            problems.append(Problem(path, 1, "media", _unvouched(name)))
    return problems


def _unvouched(name: str) -> str:
    kind = next((kind for kind, extensions in PUBLISHED_KINDS.items() if extension_of(name) in extensions), "document")
    held = {"video": "the camera, the place and the time", "sound": "the recorder, the place and the time"}
    return (f"a {kind} file may hold metadata that can identify people ({held.get(kind, 'its author and their device')}), "
            "which the build cannot remove: remove it (with mat2, or exiftool -all=), then list the file under media: "
            f"in the record that uses it, with metadata_checked: true (- file: {name}, metadata_checked: true)")


def published_bytes(root: Path, relpath: str, store: Store) -> bytes:
    """The bytes a media file is published as: a raster image cleaned, anything else as it is.

    Raises OSError (the gateway's refusals included) or ImageProblem.
    """
    data = inputs.read_bytes(root, relpath, MAX_MEDIA_BYTES)
    extension = extension_of(relpath)
    return store.cleaned(data, extension) if extension in RASTER_FORMATS else data


def published_sha256(root: Path, relpath: str, store: Store) -> str:
    """The SHA-256 of the published bytes, kept in the store by the file's stamp (as the cache trusts stamps)."""
    status = os.lstat(os.path.join(root, relpath))
    stamp = f"{relpath}:{status.st_mtime_ns}:{status.st_size}".encode("utf-8", "surrogatepass")
    memo = f"sha256-{hashlib.blake2b(stamp, digest_size=16).hexdigest()}"
    found = store.recall(memo)
    if found is not None and len(found) == 64 and found.isalnum():
        return found.decode("ascii")
    checksum = hashlib.sha256(published_bytes(root, relpath, store)).hexdigest()
    store.remember(memo, checksum.encode("ascii"))
    return checksum


def media_token(root: Path, names: frozenset[str]) -> str:
    """Changes whenever a media file's published bytes may: its stamp, or the cleaner (when there are images to clean)."""
    stamps = [cleaner_key() if any(extension_of(name) in RASTER_FORMATS for name in names) else ""]
    for name in sorted(names):
        status = os.lstat(os.path.join(root, MEDIA_DIR, name))
        stamps.append(f"{name}:{status.st_mtime_ns}:{status.st_size}")
    return hashlib.blake2b("\0".join(stamps).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
