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

import contextlib
import hashlib
import importlib.metadata
import gc
import pickle
import shutil
import sqlite3
import sys
import tempfile
import zlib
from collections.abc import Iterable
from typing import NamedTuple
from pathlib import Path

from . import __version__

CACHE_DIR = ".cache"
CACHE_FILE = "incident-archive.sqlite"
# The layout of the tables. What the rows hold is keyed by the engine's code itself (_engine_digest).
FORMAT = 2


class OutputRecord(NamedTuple):  # a tuple: twelve thousand of them load in a blink
    fingerprint: str  # of the page's inputs
    digest: str  # of the bytes written
    size: int
    mtime_ns: int


class Cache:
    def __init__(self, path: Path):
        self.path = path
        self.temporary = False
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")  # a cache lost in a crash is rebuilt, never wrong
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        if dict(self.db.execute("SELECT key, value FROM meta")).get("format") != str(FORMAT):
            self.db.executescript("DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS bodies; DROP TABLE IF EXISTS outputs; DROP TABLE IF EXISTS builds;")
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (str(FORMAT),))
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS files (bucket INTEGER PRIMARY KEY, records BLOB);
            CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, body BLOB, html BLOB);
            CREATE TABLE IF NOT EXISTS builds (run TEXT PRIMARY KEY, signature TEXT, result BLOB);
            CREATE TABLE IF NOT EXISTS outputs (
                folder TEXT, path TEXT, fingerprint TEXT, digest TEXT, size INTEGER, mtime_ns INTEGER,
                PRIMARY KEY (folder, path));
        """)

    @classmethod
    def open(cls, root: Path, content_key: str, theme_key: str, clean: bool = False) -> Cache:
        """The archive's cache, emptied of whatever its keys no longer vouch for (of everything if clean)."""
        path = root / CACHE_DIR / CACHE_FILE
        for attempt in ("as it is", "started afresh"):
            try:
                path.parent.mkdir(exist_ok=True)
                cache = cls(path)
                cache._invalidate(content_key, theme_key, clean)
                return cache
            except sqlite3.DatabaseError:
                # Not a database any more (a crash, a disk error, an editor), or not writable.
                if not _delete(path.parent.glob(CACHE_FILE + "*")):
                    break
            except OSError:
                break
        # A read-only archive folder: build without keeping anything (the folder goes at close()).
        cache = cls(Path(tempfile.mkdtemp(prefix="incident-archive-cache-")) / CACHE_FILE)
        cache.temporary = True
        cache._invalidate(content_key, theme_key, clean=True)
        return cache

    def _invalidate(self, content_key: str, theme_key: str, clean: bool) -> None:
        engine_key = f"{__version__}/{FORMAT}/{sys.version_info[:3]}/{_library_versions()}/{_engine_digest()}"
        content_key, theme_key = f"{engine_key}/{content_key}", f"{content_key}/{theme_key}"
        known = dict(self.db.execute("SELECT key, value FROM meta"))
        with self.db:
            self.db.execute("BEGIN")
            if clean or known.get("content") != content_key:
                self.db.execute("DELETE FROM files")
                self.db.execute("DELETE FROM bodies")
            if clean or known.get("theme") != theme_key:
                self.db.execute("DELETE FROM outputs")
                self.db.execute("DELETE FROM builds")
            self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                [("content", content_key), ("theme", theme_key)])

    def folder(self, name: str) -> Path | None:
        """A folder of the cache for another tool's files (Jinja's compiled templates), or None."""
        folder = self.path.parent / name
        try:
            folder.mkdir(exist_ok=True)
        except OSError:
            return None
        return folder

    def close(self) -> None:
        self.db.close()
        if self.temporary:
            shutil.rmtree(self.path.parent, ignore_errors=True)

    # builds: the result of the last run of each kind, and the signature of its inputs

    def last_result(self, run: str, signature: str):
        row = self.db.execute("SELECT signature, result FROM builds WHERE run = ?", (run,)).fetchone()
        return pickle.loads(row[1]) if row and row[0] == signature else None

    def save_result(self, run: str, signature: str, result) -> None:
        self.db.execute("INSERT OR REPLACE INTO builds VALUES (?, ?, ?)",
                        (run, signature, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)))

    # files

    def file_records(self) -> dict[str, tuple[str, object]]:
        """path → (stamp, record) for every file read by an earlier build."""
        records = {}
        with _collector_paused():
            for (blob,) in self.db.execute("SELECT records FROM files"):
                records.update(pickle.loads(blob))
        return records

    def save_files(self, records: dict[str, tuple[str, object]], touched: set[str]) -> None:
        """Store the records of every bucket that holds a touched (read again or removed) path.

        Records are kept in FILE_BUCKETS pickles rather than one per row: one pickle of many
        records loads several times faster, and an edit rewrites only its bucket.
        """
        buckets = {_bucket(path) for path in touched}
        grouped: dict[int, dict] = {bucket: {} for bucket in buckets}
        for path, item in records.items():
            bucket = _bucket(path)
            if bucket in grouped:
                grouped[bucket][path] = item
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?)", [
                (bucket, pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)) for bucket, items in grouped.items()
            ])

    # bodies

    def bodies(self, keys: list[str]) -> dict[str, object]:
        """key → Body for the keys converted before (their HTML stays on disk)."""
        found = {}
        with _collector_paused():
            for batch in _batches(keys, 500):
                marks = ",".join("?" * len(batch))
                found.update((key, pickle.loads(body)) for key, body in
                             self.db.execute(f"SELECT key, body FROM bodies WHERE key IN ({marks})", batch))
        return found

    def save_bodies(self, rows: Iterable[tuple[str, object, bytes]], keep: set[str]) -> None:
        """Store (key, Body, packed HTML) rows as they come; drop bodies no record uses once they outnumber the rest."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)", (
                (key, pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL), packed_html) for key, body, packed_html in rows
            ))
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
        return {row[0]: OutputRecord(*row[1:]) for row in rows}

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


FILE_BUCKETS = 64


def _engine_digest() -> str:
    """The engine's own code: any change to it (an upgrade, a fix) may change what a record or page holds."""
    hasher = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):  # outputs/ too: it makes data files and the search index
        hasher.update(source.relative_to(package).as_posix().encode())
        hasher.update(source.read_bytes())
    return hasher.hexdigest()


def _library_versions() -> str:
    """The libraries that shape the output: an upgrade of any of them must not reuse old pages."""
    return ",".join(f"{name}={_version(name)}" for name in
                    ("Jinja2", "Markdown", "pymdown-extensions", "nh3", "PyYAML", "python-frontmatter", "anyascii"))


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _delete(paths) -> bool:
    try:
        for path in paths:
            path.unlink(missing_ok=True)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def _collector_paused():
    """Unpickling creates objects by the million, none in a cycle: the cyclic collector, running every
    few hundred allocations, would cost three times the unpickling itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _bucket(path: str) -> int:
    return zlib.crc32(path.encode("utf-8", "surrogatepass")) % FILE_BUCKETS


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def pack_html(html: str) -> bytes:
    """Compressed (a quarter of the size; fast settings, since workers do it for every body)."""
    return zlib.compress(html.encode("utf-8"), 1)
