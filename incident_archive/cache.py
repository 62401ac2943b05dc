"""The build cache: what earlier builds computed, in .cache/, trusted only while its inputs are unchanged.

Three tables, one per stage that is worth skipping (Lektor's dependency table, in miniature):

- files: each content file's validated record, kept while the file's modification time and size
  are those it had when read;
- bodies: each converted body's HTML, found by its text and place, kept while every question it
  asked of the link table gets the same answer;
- outputs: each written file's fingerprint (a digest of everything its template was given) and
  the digest of its bytes, so that a page whose inputs are unchanged is neither rendered nor written.

A change of engine version or of site.yaml empties every table; a change of templates, the outputs.
Deleting .cache/ is always safe: the next build is a full one.
"""

from __future__ import annotations

import pickle
import sqlite3
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from . import __version__

CACHE_DIR = ".cache"
CACHE_FILE = "incident-archive.sqlite"
# Bump when what the cache holds changes shape, even without a release.
FORMAT = 1


@dataclass(frozen=True)
class OutputRecord:
    fingerprint: str  # of the page's inputs
    digest: str  # of the bytes written
    size: int
    mtime_ns: int


class Cache:
    def __init__(self, path: Path):
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")  # a cache lost in a crash is rebuilt, never wrong
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, stamp TEXT, record BLOB);
            CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, body BLOB, html BLOB);
            CREATE TABLE IF NOT EXISTS outputs (
                folder TEXT, path TEXT, fingerprint TEXT, digest TEXT, size INTEGER, mtime_ns INTEGER,
                PRIMARY KEY (folder, path));
        """)

    @classmethod
    def open(cls, root: Path, content_key: str, theme_key: str, clean: bool = False) -> Cache:
        """The archive's cache, emptied of whatever its keys no longer vouch for (of everything if clean)."""
        try:
            folder = root / CACHE_DIR
            folder.mkdir(exist_ok=True)
            cache = cls(folder / CACHE_FILE)
            cache._invalidate(content_key, theme_key, clean)
        except (OSError, sqlite3.Error):
            # A read-only archive, or a damaged cache file: build without keeping anything.
            cache = cls(Path(tempfile.mkdtemp(prefix="incident-archive-cache-")) / CACHE_FILE)
            cache._invalidate(content_key, theme_key, clean=True)
        return cache

    def _invalidate(self, content_key: str, theme_key: str, clean: bool) -> None:
        engine_key = f"{__version__}/{FORMAT}/{sys.version_info[:3]}"
        content_key, theme_key = f"{engine_key}/{content_key}", f"{content_key}/{theme_key}"
        known = dict(self.db.execute("SELECT key, value FROM meta"))
        with self.db:
            self.db.execute("BEGIN")
            if clean or known.get("content") != content_key:
                self.db.execute("DELETE FROM files")
                self.db.execute("DELETE FROM bodies")
            if clean or known.get("theme") != theme_key:
                self.db.execute("DELETE FROM outputs")
            self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                [("content", content_key), ("theme", theme_key)])

    def close(self) -> None:
        self.db.close()

    # files

    def file_records(self) -> dict[str, tuple[str, object]]:
        """path → (stamp, record) for every file read by an earlier build."""
        return {path: (stamp, pickle.loads(record))
                for path, stamp, record in self.db.execute("SELECT path, stamp, record FROM files")}

    def save_files(self, changed: dict[str, tuple[str, object]], removed: list[str]) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("DELETE FROM files WHERE path = ?", [(path,) for path in removed])
            self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", [
                (path, stamp, pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
                for path, (stamp, record) in changed.items()
            ])

    # bodies

    def bodies(self, keys: list[str]) -> dict[str, object]:
        """key → Body for the keys converted before (their HTML stays on disk)."""
        found = {}
        for batch in _batches(keys, 500):
            marks = ",".join("?" * len(batch))
            found.update((key, pickle.loads(body)) for key, body in
                         self.db.execute(f"SELECT key, body FROM bodies WHERE key IN ({marks})", batch))
        return found

    def save_bodies(self, converted: list[tuple[str, object, str]], keep: set[str]) -> None:
        """Store (key, Body, html) rows; drop bodies no record uses any more once they outnumber the rest."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)", [
                (key, pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL), zlib.compress(html.encode("utf-8"), 1))
                for key, body, html in converted
            ])
            count = self.db.execute("SELECT count(*) FROM bodies").fetchone()[0]
            if count > 2 * len(keep) + 100:
                stored = [key for (key,) in self.db.execute("SELECT key FROM bodies")]
                self.db.executemany("DELETE FROM bodies WHERE key = ?", [(key,) for key in stored if key not in keep])

    def html(self, key: str) -> str:
        row = self.db.execute("SELECT html FROM bodies WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(f"body {key} is missing from the cache")
        return zlib.decompress(row[0]).decode("utf-8")

    def reopen(self) -> Cache:
        """A connection of this process's own: a forked worker must not share its parent's."""
        return Cache(self.path)

    # outputs

    def outputs(self, folder: Path) -> dict[str, OutputRecord]:
        rows = self.db.execute("SELECT path, fingerprint, digest, size, mtime_ns FROM outputs WHERE folder = ?",
                               (str(folder.resolve()),))
        return {path: OutputRecord(*values) for path, *values in rows}

    def save_outputs(self, folder: Path, changed: dict[str, OutputRecord], removed: list[str]) -> None:
        folder_key = str(folder.resolve())
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("DELETE FROM outputs WHERE folder = ? AND path = ?",
                                [(folder_key, path) for path in removed])
            self.db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?)", [
                (folder_key, path, record.fingerprint, record.digest, record.size, record.mtime_ns)
                for path, record in changed.items()
            ])


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
