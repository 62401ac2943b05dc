"""Read and render stages: raster images published clean, re-encoded from their pixels alone and cached by content.

A photo carries more than its picture: EXIF (the phone's GPS position, its serial number, the
time), XMP (an editor's history, an author's name), IPTC captions, an ICC profile's text, comments.
Any of it can name or place a witness. So each raster image is decoded with Pillow, turned upright
by its EXIF orientation, and encoded again from a new image made of its pixels and nothing else:
saving the opened file would keep its comments, profile and XMP. Chosen where the issue was silent:

- colour: an embedded ICC profile is applied to the pixels (converted to sRGB), then dropped, so a
  phone's wide-gamut photo keeps its colours without carrying the profile's text;
- animations (GIF, APNG, WebP, AVIF) keep their frames, each frame's duration and the loop count;
  their comments and every other extension are dropped. A JPEG's further pictures (MPO previews,
  depth maps) are dropped too: the first picture is the one browsers show;
- an image, all its frames together, may have at most Pillow's MAX_IMAGE_PIXELS (89.5 million),
  above which Pillow itself suspects a decompression bomb;
- the content must be the kind its extension names (a PNG named .jpg is refused, with the fix).

The same input always gives the same bytes: fixed encoder settings, no timestamps, one encoder
thread. Each distinct input is cleaned once: the result is kept under .cache/media/ by a digest of
the input's bytes and of this module and Pillow's versions (Store).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Pillow is imported when an image is cleaned, so archives without any never load it
    from PIL import Image

# Extension → the format it must hold and is published in.
RASTER_FORMATS = {"avif": "AVIF", "gif": "GIF", "jpeg": "JPEG", "jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
# Fixed encoder settings, so that the same pixels give the same bytes. JPEG and lossy WebP at 90:
# re-encoding costs a little quality, which a higher setting would buy back only in size.
_SETTINGS: dict[str, dict[str, Any]] = {
    "AVIF": {"quality": 75, "speed": 6, "max_threads": 1},  # one thread: the encoder's output then never varies
    "GIF": {},
    "JPEG": {"quality": 90, "optimize": True, "subsampling": "4:2:0", "progressive": False},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 90, "method": 4},
}
_ANIMATED = frozenset({"AVIF", "GIF", "PNG", "WEBP"})  # a JPEG's further pictures are not frames of an animation
# The modes each encoder takes as they are; any other is converted (to RGBA where there is alpha).
_MODES = {
    "AVIF": ("RGB", "RGBA"),
    "GIF": ("L", "P", "RGB", "RGBA"),
    "JPEG": ("L", "RGB"),
    "PNG": ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"),
    "WEBP": ("RGB", "RGBA"),
}
_WITH_ALPHA = frozenset({"LA", "La", "PA", "RGBA", "RGBa"})
# An animation of more frames is a film: thousands of one-pixel frames would hold the build for
# minutes within the pixel limit. 1,000 frames is over a minute of GIF at its usual 15 per second.
MAX_FRAMES = 1000


class ImageProblem(Exception):
    """Why an image cannot be published clean; its one argument is the message, said of the file."""


def clean(data: bytes, extension: str) -> bytes:
    """The image's pixels alone, upright, encoded in the format its extension names.

    Raises ImageProblem for anything Pillow cannot decode or encode, or an image too large to hold.
    """
    from PIL import Image, features

    expected = RASTER_FORMATS[extension]
    if expected == "AVIF" and not features.check("avif"):
        raise ImageProblem("AVIF images cannot be cleaned of their metadata by this installation's Pillow: "
                           "convert it to WebP or JPEG")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # refused, not only warned of
        try:
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                return _encoded(_pixels_of(image), expected, lossless=expected == "WEBP" and _lossless_webp(data))
        except ImageProblem:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise ImageProblem(_too_many_pixels()) from None
        except Exception as error:  # noqa: BLE001 - Pillow's plugins raise many kinds on hostile bytes; each is this file's problem
            raise ImageProblem(_undecodable(data, extension, error)) from None


@dataclass
class _Pixels:
    """What is published of an image: its frames (new images of its pixels), their durations and the loop count."""

    frames: list[Image.Image]
    durations: list[int]
    loop: int | None
    transparency: object  # a palette's clear colour: part of the picture, not metadata about it


def _pixels_of(image: Image.Image) -> _Pixels:
    from PIL import Image

    count = getattr(image, "n_frames", 1) if image.format in _ANIMATED else 1
    if count > MAX_FRAMES:
        raise ImageProblem(f"is an animation of {count:,} frames, more than the {MAX_FRAMES:,} an image may have: "
                           "publish it as a video (MP4 or WebM) instead")
    limit = Image.MAX_IMAGE_PIXELS
    if limit and count * image.width * image.height > limit:
        raise ImageProblem(_too_many_pixels(count))
    frames, durations = [], []
    for index in range(count):
        image.seek(index)
        frame = _in_srgb(_upright(image))
        frames.append(_pixels_only(frame.convert("RGBA") if count > 1 else frame))
        durations.append(int(image.info.get("duration") or 0))
    transparency = image.info.get("transparency") if count == 1 else None
    return _Pixels(frames, durations, image.info.get("loop"), transparency)


def _upright(image: Image.Image) -> Image.Image:
    """Turned as its EXIF orientation says; as it is when the EXIF cannot be read (its metadata goes all the same)."""
    from PIL import ImageOps

    try:
        return ImageOps.exif_transpose(image) or image
    except Exception:  # noqa: BLE001 - a damaged EXIF block, which Pillow reports in many ways, only loses the turn
        return image


@functools.cache
def _srgb():
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _in_srgb(image: Image.Image) -> Image.Image:
    """The pixels with the image's colour profile applied, as sRGB: the profile itself is not published."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    from PIL import ImageCms

    try:
        converted = ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(profile)), _srgb(),
                                              outputMode="RGBA" if image.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a profile littleCMS cannot read: the pixels are taken to be sRGB already
    return converted or image


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image of the same pixels (and palette): none of the original's info, EXIF, XMP or profile."""
    from PIL import Image

    fresh = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode in ("P", "PA") and image.palette is not None:
        palette_mode = image.palette.mode
        colours = image.getpalette(palette_mode)
        if colours:
            fresh.putpalette(colours, palette_mode)
    return fresh


def _encoded(pixels: _Pixels, image_format: str, lossless: bool = False) -> bytes:
    frames = [_for_encoder(frame, image_format) for frame in pixels.frames]
    settings = dict(_SETTINGS[image_format])
    if lossless:
        settings = {"lossless": True, "quality": 80, "method": 4}
    if pixels.transparency is not None and image_format in ("GIF", "PNG") and frames[0].mode == pixels.frames[0].mode:
        settings["transparency"] = pixels.transparency
    if len(frames) > 1:
        settings.update(save_all=True, append_images=frames[1:], duration=pixels.durations)
        if pixels.loop is not None:
            settings["loop"] = pixels.loop
    out = io.BytesIO()
    frames[0].save(out, format=image_format, **settings)
    return out.getvalue()


def _for_encoder(image: Image.Image, image_format: str) -> Image.Image:
    if image.mode in _MODES[image_format]:
        return image
    alpha = image.mode in _WITH_ALPHA and "RGBA" in _MODES[image_format]
    return image.convert("RGBA" if alpha else "RGB")


def _lossless_webp(data: bytes) -> bool:
    """Whether a WebP's first picture is lossless (a VP8L chunk): it is then encoded losslessly again."""
    offset = 12  # after RIFF, the size, and WEBP
    while offset + 8 <= len(data):
        chunk, size = data[offset:offset + 4], int.from_bytes(data[offset + 4:offset + 8], "little")
        if chunk in (b"VP8 ", b"VP8L"):
            return chunk == b"VP8L"
        # An animation frame's chunk holds a 16-byte header, then the frame's own chunks.
        offset += 8 + 16 if chunk == b"ANMF" else 8 + size + (size & 1)
    return False


def _too_many_pixels(frames: int = 1) -> str:
    from PIL import Image

    whole = f"all its {frames} frames together " if frames > 1 else ""
    return (f"has more pixels than an image may have ({whole}at most {Image.MAX_IMAGE_PIXELS:,}, which Pillow "
            "takes for a decompression bomb): publish a smaller copy")


def _undecodable(data: bytes, extension: str, error: Exception) -> str:
    """Why the file is not an image of its kind: another kind (with the name to give it), or damaged."""
    from PIL import Image

    expected = RASTER_FORMATS[extension]
    try:
        with Image.open(io.BytesIO(data), formats=sorted(set(RASTER_FORMATS.values()))) as other:
            found = other.format or ""
    except Exception:  # noqa: BLE001 - not any image Pillow knows: said below
        found = ""
    if found and found != expected and found != "MPO":
        better = next(name for name, kind in RASTER_FORMATS.items() if kind == found)
        return f"is a {found} image, not {expected}: rename it to .{better}"
    detail = str(error).strip() or type(error).__name__
    return (f"cannot be read as a {expected} image ({detail}); open it in an image editor and save it again, "
            "or convert it to JPEG, PNG or WebP")


# The cache of cleaned images

MEDIA_CACHE = "media"  # the folder, inside the build's cache folder


@functools.cache
def cleaner_key() -> str:
    """This module's code and Pillow's version (and its codecs'): any change may change the bytes it makes."""
    from PIL import __version__ as pillow
    from PIL import features

    codecs = ",".join(f"{name}={features.version(name)}" for name in ("jpg", "zlib", "webp", "avif", "littlecms2"))
    source = Path(__file__).read_bytes()
    return hashlib.blake2b(f"{pillow}/{codecs}/".encode() + source, digest_size=8).hexdigest()


class Store:
    """Cleaned images, each kept once by the digest of its input, in .cache/media/<cleaner_key>/.

    Each entry is a checksum of its name and bytes, then the bytes: an entry that fails the check
    (damaged, cut short) is made again and rewritten, never published. The folder lives in the build
    cache's folder, which the cache has vetted (not a link, not tracked by git; a temporary folder
    otherwise), so no entry can come from a pull request. With no folder, nothing is kept.
    """

    def __init__(self, cache_folder: Path | None):
        folder = cache_folder / MEDIA_CACHE / cleaner_key() if cache_folder else None
        self.folder = folder if folder and _real_folder(folder) else None

    @staticmethod
    def prepare(cache_folder: Path, start_afresh: bool) -> None:
        """Once a run, before any use: remove entries of other cleaners (of every cleaner when starting afresh)."""
        parent = cache_folder / MEDIA_CACHE
        if parent.is_symlink() or not parent.is_dir():
            return
        with contextlib.suppress(OSError):
            for entry in os.scandir(parent):
                if start_afresh or entry.name != cleaner_key():
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)

    def cleaned(self, data: bytes, extension: str) -> bytes:
        """clean(data, extension), made once per distinct input."""
        name = f"{RASTER_FORMATS[extension]}-{hashlib.sha256(data).hexdigest()}"
        found = self.recall(name)
        if found is None:
            found = clean(data, extension)
            self.remember(name, found)
        return found

    def recall(self, name: str) -> bytes | None:
        if self.folder is None:
            return None
        try:
            descriptor = os.open(self.folder / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(descriptor, "rb") as file:
                stored = file.read()
        except OSError:
            return None
        check, value = stored[:16], stored[16:]
        return value if check == _check(name, value) else None

    def remember(self, name: str, value: bytes) -> None:
        """Kept if it can be (a full disk only costs the next build the work again)."""
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if not _real_folder(self.folder):
                return
            with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".new-", delete=False) as file:
                file.write(_check(name, value) + value)
            os.replace(file.name, self.folder / name)
        except OSError:
            with contextlib.suppress(OSError, NameError):
                os.unlink(file.name)


def _check(name: str, value: bytes) -> bytes:
    hasher = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=16)
    hasher.update(value)
    return hasher.digest()


def _real_folder(folder: Path) -> bool:
    """No folder on the way from the cache's folder is a link (absent ones are made later)."""
    return not any(path.is_symlink() for path in (folder, folder.parent))
