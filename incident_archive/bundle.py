"""Offline copy (`bundle`): the built site as one zip that opens from disk, the same bytes for the same site.

Every entry gets the same fixed time and permissions and the entries are in sorted order, so two
bundles of one site are byte-identical (a reader can compare checksums of copies passed hand to
hand). Everything sits in one folder inside the zip, with a README.txt that says what to open, in
each of the archive's languages (the default's first), from the theme's catalogues.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from . import i18n
from .config import Config
from .names import slugify
from .theme import read_theme
from .writer import files_in

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: no build time in the bytes
FILE_MODE = 0o644 << 16  # rw-r--r--, as a Unix zip records it
UNIX = 3  # the "made by" system: fixed, so a bundle made on Windows has the same bytes


def default_path(root: Path, config: Config) -> Path:
    return root / "dist" / f"{folder_name(config)}-offline.zip"


def folder_name(config: Config) -> str:
    """The folder inside the zip: the title's slug, cut to a length every file system takes."""
    return slugify(config.title)[:60].strip("-") or "archive"


def write_bundle(site_dir: Path, target: Path, config: Config) -> int:
    """Zip site_dir into target (replaced only once complete); → the number of files."""
    folder = folder_name(config)
    # Read one at a time as they are zipped: the files of a large archive are gigabytes.
    entries = {f"{folder}/README.txt": lambda: readmes(config).encode("utf-8")}
    entries |= {f"{folder}/{path}": (site_dir / path).read_bytes for path in files_in(site_dir)}
    write_zip(target, entries)
    return len(entries)


def write_zip(target: Path, entries: dict[str, Callable[[], bytes]], date_time: tuple = ZIP_TIME,
              replace: bool = True) -> None:
    """A zip whose bytes depend on its entries alone: sorted, each dated date_time with one mode, each
    read as it is zipped. Written beside target and renamed there once complete; with replace
    False, refused (FileExistsError) if target was made meanwhile."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".zip-", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as file, zipfile.ZipFile(file, "w") as archive:
            for name in sorted(entries):
                info = zipfile.ZipInfo(name, date_time=date_time)
                info.external_attr, info.create_system = FILE_MODE, UNIX
                archive.writestr(info, entries[name](), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a zip is for sharing
        if not replace and target.exists():
            raise FileExistsError(f"{target} exists already")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def readmes(config: Config) -> str:
    """The README in every language of the archive, the default's first."""
    catalogues = read_theme(config).catalogues  # a theme that cannot be read failed the build already
    texts = []
    for language in i18n.languages(config):
        words = i18n.words(language.code, catalogues.get(language.code, ()))
        texts.append(readme(config.translated(language.code), words, language.prefix))
    return "\n".join(texts)


def readme(config: Config, words: i18n.Words, prefix: str = "") -> str:
    """What the bundle is and what to open, in one language (whose pages are under `prefix`)."""
    if config.base_url:
        where = words.gettext("It is a copy of %(address)s, made for reading offline.") % {"address": config.base_url + prefix}
    else:
        where = words.gettext("It is a copy made for reading offline.")
    how = words.gettext("To read it, open the file %(file)s in this folder with any web browser (double-click it).\n"
                        "Every page, link and the search work from the disk: nothing is loaded from the internet.")
    files = [
        ("incidents.json", words.gettext("every record, every field (its JSON Schema: %(schema)s)")
         % {"schema": "incidents.schema.json"}),
        ("incidents.csv", words.gettext("one row per record, for spreadsheets")),
        ("incidents.geojson", words.gettext("one point per record with coordinates, for maps")),
        ("SHA256SUMS", words.gettext("checksums of the data files and the media (check with: %(command)s)")
         % {"command": "sha256sum -c SHA256SUMS"}),
    ]
    lines = [
        config.title, "=" * len(config.title), "", where, "", how % {"file": prefix + "index.html"}, "",
        words.gettext("The records as data are in the folder %(folder)s:") % {"folder": "data/"},
        *(f"  {name:<24}{description}" for name, description in files),
        words.gettext("Each record's page also has its own JSON beside it (%(path)s).")
        % {"path": prefix + "incidents/<id>/index.json"},
    ]
    return "\n".join(lines) + "\n"
