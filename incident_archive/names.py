"""Names that become paths: slugs for ids, terms and places, transliterated to ASCII."""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import PurePosixPath

from anyascii import anyascii

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# A slug names a folder of the site. Longer ones break: a file name may be 255 bytes, and on
# Windows a whole path 260 characters, which an offline copy unzipped into Downloads must fit.
MAX_SLUG_LENGTH = 100


@functools.lru_cache(maxsize=65536)  # terms and places repeat across thousands of records
def slugify(text: str) -> str:
    """'Bucha Raion' → 'bucha-raion', 'Буча' → 'bucha': safe in every file system and URL.

    ASCII rather than Hugo's Unicode paths: a zip or a USB stick copied between systems
    mangles non-ASCII file names, and the archive must open from disk.
    """
    return _NOT_SLUG.sub("-", anyascii(text).lower()).strip("-")


def id_from_path(path: str) -> str:
    """The id a record gets from its file name when it sets none: 'content/incidents/2022/буча.md' → 'bucha'."""
    return slugify(PurePosixPath(path).stem)


def is_slug(text: str) -> bool:
    return bool(SLUG.fullmatch(text))


def too_long(text: str) -> str:
    """The message for a name whose slug would be longer than a folder name may be."""
    return (f"'{text[:40]}…' makes a page name of {len(slugify(text))} characters; "
            f"at most {MAX_SLUG_LENGTH} are allowed: shorten it")


def did_you_mean(word: str, choices) -> str:
    """' (did you mean "x"?)' for a near miss, '' when nothing is close."""
    close = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.7)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = difflib.get_close_matches(str(word).lower(), sorted(lowered), n=1, cutoff=0.7)
        close = [lowered[c] for c in close]
    return f' (did you mean "{close[0]}"?)' if close else ""


def one_of(choices) -> str:
    return ", ".join(str(choice) for choice in choices)


def plural(count: int, word: str) -> str:
    """'1 file', '2 files'."""
    return f"{count} {word}{'' if count == 1 else 's'}"
