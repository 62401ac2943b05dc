"""The build cache: what earlier builds computed, in .cache/, trusted only while its inputs are unchanged.

Five tables, one per stage that is worth skipping (Lektor's dependency table, in miniature):

- files: each content file's validated record, kept while the file's modification time and size
  are those it had when read;
- bodies: each converted body's HTML, found by its text and place, kept while every question it
  asked of the link table gets the same answer;
- outputs: each written file's fingerprint (a digest of everything its template was given) and
  the digest of its bytes, so that a page whose inputs are unchanged is neither rendered nor written;
- fragments: each record's part of a file made from every record (its line of incidents.json,
  its row of the CSV), kept by the record's digest, so that an edit remakes one record's part;
- history: each record's commits (vcs.py) as of HEAD's commit, so that `git log` runs once a
  commit rather than once a build.

A change of engine version or of site.yaml empties every table; a change of templates, the outputs.
Deleting .cache/ is always safe: the next build is a full one.

The cache is a hint, never a source of truth. Every row carries a checksum of its key and values,
checked when it is read; a row that fails, an SQLite error or a value that does not unpickle raises
CacheDamaged, and the build starts again from an empty cache (pipeline.py). Pickles are loaded
by an unpickler that knows only the build's own record classes, so a planted file can neither run
code nor build any other object; a .cache/ that is a link, or that git tracks (a pull request
can commit one), is not opened at all.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import importlib
import importlib.metadata
import io
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, Literal, NamedTuple, ParamSpec, TypeVar

from . import __version__

if TYPE_CHECKING:  # for annotations only: pipeline imports this module, and only builds that render load jinja2
    import jinja2
    import jinja2.bccache

    from .model import Body
    from .pipeline import FileRecord, Result
    from .vcs import History

CACHE_DIR = ".cache"
CACHE_FILE = "incident-archive.sqlite"
# The layout of the tables. What the rows hold is keyed by the engine's code itself (_engine_digest).
FORMAT = 7


class CacheDamaged(Exception):
    """The cache cannot be trusted (a checksum, SQLite or unpickling failed): the build starts again without it.

    Its one argument is a description, so that it survives the trip from a worker process.
    """


# Every failure a damaged file can cause while it is read: SQLite's own, and those of unpickling
# or decompressing bytes that are not what was written.
_DAMAGE = (sqlite3.Error, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
           IndexError, KeyError, ImportError, zlib.error, UnicodeDecodeError, OverflowError, MemoryError)


_Arguments = ParamSpec("_Arguments")
_Returned = TypeVar("_Returned")


def _guarded(method: Callable[Concatenate[Cache, _Arguments], _Returned]) -> Callable[Concatenate[Cache, _Arguments], _Returned]:
    """Turn any sign of damage met by a cache method into CacheDamaged."""
    @functools.wraps(method)
    def guarded(self: Cache, /, *args: _Arguments.args, **kwargs: _Arguments.kwargs) -> _Returned:
        try:
            return method(self, *args, **kwargs)
        except CacheDamaged:
            raise
        except _DAMAGE as error:
            raise CacheDamaged(f"{method.__name__}: {type(error).__name__}: {error}") from None
    return guarded


def _check(*parts: bytes | str | int | None) -> bytes:
    """A row's checksum: of its key and values, so that a value moved to another row fails too.

    The small parts go in as one repr (unambiguous, and one call rather than one per part: rows
    are checked by the ten thousand); blobs go in whole, each after its length.
    """
    hasher = hashlib.blake2b(repr([part for part in parts if not isinstance(part, bytes)]).encode("utf-8", "surrogatepass"),
                             digest_size=16)
    for part in parts:
        if isinstance(part, bytes):
            hasher.update(len(part).to_bytes(8, "little"))
            hasher.update(part)
    return hasher.digest()


def _verify(check: bytes, *parts: bytes | str | int | None) -> None:
    if check != _check(*parts):
        raise CacheDamaged("a row's checksum does not match its contents")


# The classes the cache holds. The unpickler builds these and nothing else: no function is ever
# called, and no other class is made, whatever the bytes say.
_PICKLED_CLASSES = {
    "incident_archive.model": ("Problem", "Severity", "Location", "Source", "Count", "Casualties", "Correction",
                               "BodySource", "Incident", "Page", "Translation", "IdClaim", "Body", "Document"),
    "incident_archive.dates": ("PartialDate",),
    "incident_archive.pipeline": ("Result", "FileRecord"),
    "incident_archive.vcs": ("Commit", "History"),
}


class _RecordUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if name not in _PICKLED_CLASSES.get(module, ()):
            raise pickle.UnpicklingError(f"the cache names {module}.{name}, which it never stores")
        return getattr(importlib.import_module(module), name)


def _unpickle(data: bytes) -> Any:  # one of _PICKLED_CLASSES, or containers of them
    return _RecordUnpickler(io.BytesIO(data)).load()


def _pickle(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class OutputRecord(NamedTuple):  # a tuple: twelve thousand of them load in a blink
    fingerprint: str  # of the page's inputs
    digest: str  # of the bytes written
    size: int
    mtime_ns: int


class Cache:
    def __init__(self, path: Path):
        self.path = path
        self.temporary = False
        self.notices: list[str] = []  # why the cache was not used, for the build to say once
        self.db = sqlite3.connect(path, isolation_level=None)
        # A damaged page is found when it is read, not when a wrong value is returned; and nothing
        # in the file may run (triggers or views that call functions).
        self.db.execute("PRAGMA cell_size_check=ON")
        self.db.execute("PRAGMA trusted_schema=OFF")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")  # a cache lost in a crash is rebuilt, never wrong
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        if dict(self.db.execute("SELECT key, value FROM meta")).get("format") != str(FORMAT):
            self.db.executescript("DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS bodies; DROP TABLE IF EXISTS outputs; "
                                  "DROP TABLE IF EXISTS builds; DROP TABLE IF EXISTS history; DROP TABLE IF EXISTS fragments; "
                                  "DELETE FROM meta;")
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (str(FORMAT),))
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS files (bucket INTEGER PRIMARY KEY, records BLOB, checksum BLOB);
            CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, body BLOB, html BLOB, checksum BLOB);
            CREATE TABLE IF NOT EXISTS builds (run TEXT PRIMARY KEY, signature TEXT, result BLOB, checksum BLOB);
            CREATE TABLE IF NOT EXISTS outputs (folder TEXT, bucket INTEGER, records BLOB, checksum BLOB,
                                                PRIMARY KEY (folder, bucket));
            CREATE TABLE IF NOT EXISTS history (key TEXT PRIMARY KEY, histories BLOB, checksum BLOB);
            CREATE TABLE IF NOT EXISTS fragments (kind TEXT, bucket INTEGER, items BLOB, checksum BLOB,
                                                  PRIMARY KEY (kind, bucket));
        """)

    @classmethod
    def open(cls, root: Path, content_key: str, theme_key: str, clean: bool = False) -> Cache:
        """The archive's cache, emptied of whatever its keys no longer vouch for (of everything if clean).

        A cache that cannot be kept in .cache/ is kept in a temporary folder instead, with a
        notice saying why; only when that fails too (a full disk) does it raise CacheDamaged.
        """
        reason = untrusted_folder(root)
        for _attempt in ("as it is", "started afresh"):
            if reason:
                break
            try:
                return cls._open_at(root / CACHE_DIR, content_key, theme_key, clean)
            except (sqlite3.Error, CacheDamaged):
                # Not a database any more (a crash, a disk error, an editor), or not writable.
                if not discard(root):
                    break
            except OSError:
                break
        # A read-only archive folder, or one whose .cache/ cannot be trusted: build without keeping
        # anything (the temporary folder goes at close()).
        folder = None
        try:
            folder = Path(tempfile.mkdtemp(prefix="incident-archive-cache-"))
            cache = cls(folder / CACHE_FILE)
            cache.temporary = True
            cache._invalidate(content_key, theme_key, clean=True)
        except (sqlite3.Error, OSError, CacheDamaged) as error:  # a full disk: nowhere to keep anything
            if folder:
                shutil.rmtree(folder, ignore_errors=True)
            raise CacheDamaged(f"no cache could be made, even in a temporary folder: {error}") from None
        if reason:
            cache.notices.append(f"{CACHE_DIR}/ {reason}; this build used a temporary cache instead")
        return cache

    @classmethod
    def _open_at(cls, folder: Path, content_key: str, theme_key: str, clean: bool) -> Cache:
        folder.mkdir(exist_ok=True)
        cache = cls(folder / CACHE_FILE)
        try:
            cache._invalidate(content_key, theme_key, clean)
        except BaseException:
            cache.db.close()
            raise
        return cache

    @_guarded
    def _invalidate(self, content_key: str, theme_key: str, clean: bool) -> None:
        engine_key = f"{__version__}/{FORMAT}/{sys.version_info[:3]}/{_library_versions()}/{_engine_digest()}"
        # The engine's key reaches both: a new engine (or library) must not replay an old run's result.
        content_key = f"{engine_key}/{content_key}"
        theme_key = f"{content_key}/{theme_key}"
        known = dict(self.db.execute("SELECT key, value FROM meta"))
        with self.db:
            self.db.execute("BEGIN")
            if clean or known.get("content") != content_key:
                self.db.execute("DELETE FROM files")
                self.db.execute("DELETE FROM bodies")
                self.db.execute("DELETE FROM history")
                self.db.execute("DELETE FROM fragments")  # made with site.yaml's settings
            if clean or known.get("theme") != theme_key:
                self.db.execute("DELETE FROM outputs")
                self.db.execute("DELETE FROM meta WHERE key LIKE 'site %'")  # no slot is known any more
                self.db.execute("DELETE FROM builds")
            self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                [("content", content_key), ("theme", theme_key)])

    def bytecode_cache(self, salt: str = "") -> jinja2.BytecodeCache | None:
        """Jinja's compiled templates, kept in the cache's folder with a checksum each; None if they cannot be.

        Jinja finds a compiled template by its name and its source's checksum; `salt` names what
        else went into it (the default language's translated constants: render.py), so that a
        template compiled with other words is never taken for it."""
        folder = self.path.parent / "templates"
        try:
            folder.mkdir(exist_ok=True)
        except OSError:
            return None
        return None if folder.is_symlink() else _checked_bytecode_cache(folder, salt)

    def discard(self) -> None:
        """Close the cache and delete its files: it was found damaged, and the next run starts afresh."""
        self.close()
        if not self.temporary:
            discard(self.path.parent.parent)

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
        if self.temporary:
            shutil.rmtree(self.path.parent, ignore_errors=True)

    # builds: the result of the last run of each kind, and the signature of its inputs

    @_guarded
    def last_result(self, run: str, signature: str) -> Result | None:
        row = self.db.execute("SELECT signature, result, checksum FROM builds WHERE run = ?", (run,)).fetchone()
        if row is None or row[0] != signature:
            return None
        _verify(row[2], run, row[0], row[1])
        return _unpickle(row[1])

    @_guarded
    def save_result(self, run: str, signature: str, result: Result) -> None:
        blob = _pickle(result)
        self.db.execute("INSERT OR REPLACE INTO builds VALUES (?, ?, ?, ?)", (run, signature, blob, _check(run, signature, blob)))

    # history: the records' histories (vcs.record_histories) as of one commit, in one row

    @_guarded
    def histories(self, key: str) -> dict[str, History] | None:
        """The histories saved under key (HEAD's commit id and the archive's folder), or None."""
        row = self.db.execute("SELECT histories, checksum FROM history WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        _verify(row[1], key, row[0])
        return _unpickle(row[0])

    @_guarded
    def save_histories(self, key: str, histories: dict[str, History]) -> None:
        """Keep these histories, and only these: those of an older commit are never asked for again."""
        blob = _pickle(histories)
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM history")
            self.db.execute("INSERT INTO history VALUES (?, ?, ?)", (key, blob, _check(key, blob)))

    # files

    @_guarded
    def file_records(self) -> dict[str, tuple[str, FileRecord]]:
        """path → (stamp, record) for every file read by an earlier build."""
        records: dict[str, tuple[str, FileRecord]] = {}
        with collector_paused():
            for bucket, blob, checksum in self.db.execute("SELECT bucket, records, checksum FROM files"):
                _verify(checksum, bucket, blob)
                for path, item in _unpickle(blob).items():
                    if _bucket(path) != bucket:
                        raise CacheDamaged(f"{path} is stored in the wrong bucket")
                    records[path] = item
        return records

    @_guarded
    def save_files(self, records: dict[str, tuple[str, FileRecord]], touched: set[str]) -> None:
        """Store the records of every bucket that holds a touched (read again or removed) path.

        Records are kept in FILE_BUCKETS pickles rather than one per row: one pickle of many
        records loads several times faster, and an edit rewrites only its bucket.
        """
        buckets = {_bucket(path) for path in touched}
        grouped: dict[int, dict[str, tuple[str, FileRecord]]] = {bucket: {} for bucket in buckets}
        for path, item in records.items():
            bucket = _bucket(path)
            if bucket in grouped:
                grouped[bucket][path] = item
        blobs = {bucket: _pickle(items) for bucket, items in grouped.items()}
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?)",
                                [(bucket, blob, _check(bucket, blob)) for bucket, blob in blobs.items()])

    # fragments: kind → {record digest: its part}, in FILE_BUCKETS pickles as the file records are

    @_guarded
    def fragments(self, kind: str) -> dict[str, str]:
        found: dict[str, str] = {}
        with collector_paused():
            rows = self.db.execute("SELECT bucket, items, checksum FROM fragments WHERE kind = ?", (kind,))
            for bucket, blob, checksum in rows:
                _verify(checksum, kind, bucket, blob)
                items = _unpickle(zlib.decompress(blob))
                if not isinstance(items, dict) or any(_bucket(key) != bucket for key in items):
                    raise CacheDamaged(f"a {kind} fragment is stored in the wrong bucket")
                found |= items
        return found

    @_guarded
    def save_fragments(self, kind: str, kept: dict[str, str], touched: Iterable[str]) -> None:
        """Keep `kept` as kind's fragments, rewriting the buckets of the touched keys (made or dropped)."""
        grouped: dict[int, dict[str, str]] = {_bucket(key): {} for key in touched}
        for key, text in kept.items():
            bucket = _bucket(key)
            if bucket in grouped:
                grouped[bucket][key] = text
        blobs = {bucket: zlib.compress(_pickle(items), 1) for bucket, items in grouped.items()}
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO fragments VALUES (?, ?, ?, ?)",
                                [(kind, bucket, blob, _check(kind, bucket, blob)) for bucket, blob in blobs.items()])

    # bodies

    @_guarded
    def bodies(self, keys: list[str]) -> dict[str, Body]:
        """key → Body for the keys converted before (their HTML stays on disk, its checksum is checked when read)."""
        found: dict[str, Body] = {}
        wanted = set(keys)
        with collector_paused():
            for batch in _batches(keys, 500):
                marks = ",".join("?" * len(batch))
                query = f"SELECT key, body, substr(checksum, 17), substr(checksum, 1, 16) FROM bodies WHERE key IN ({marks})"
                for key, body, html_check, checksum in self.db.execute(query, batch):
                    _verify(checksum, key, body, html_check)
                    if key not in wanted:
                        raise CacheDamaged("a body was found under a key that was not asked for")
                    found[key] = _unpickle(body)
        return found

    @_guarded
    def save_bodies(self, rows: Iterable[tuple[str, Body, bytes]], keep: set[str]) -> None:
        """Store (key, Body, packed HTML) rows as they come; drop bodies no record uses once they outnumber the rest."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?, ?)", (
                _body_row(key, body, packed_html) for key, body, packed_html in rows
            ))
            count = self.db.execute("SELECT count(*) FROM bodies").fetchone()[0]
            if count > 2 * len(keep) + 100:
                stored = [key for (key,) in self.db.execute("SELECT key FROM bodies")]
                self.db.executemany("DELETE FROM bodies WHERE key = ?", [(key,) for key in stored if key not in keep])

    @_guarded
    def html(self, key: str) -> str:
        row = self.db.execute("SELECT html, substr(checksum, 17) FROM bodies WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise CacheDamaged(f"body {key} is missing from the cache")
        _verify(row[1], key, row[0])
        return zlib.decompress(row[0]).decode("utf-8")

    @_guarded
    def reopen(self) -> Cache:
        """A connection of this process's own: a forked worker must not share its parent's."""
        return Cache(self.path)

    # outputs: the live site and the spare (writer.py), each a slot of records; the meta row
    # "site <folder>" names the live slot and says whether the spare can be trusted, with a stamp
    # made anew at each change of it (site_stamp: how a preview knows that no other build wrote).

    @_guarded
    def site(self, folder_key: str, spare: bool = True) -> tuple[dict[str, OutputRecord], dict[str, OutputRecord] | None]:
        """(records of the live site, records of the spare, or None when it cannot be trusted or is not asked for)."""
        live_slot, spare_ok = self._site_state(folder_key)
        live = self._slot(folder_key, live_slot)
        return live, (self._slot(folder_key, _other(live_slot)) if spare_ok and spare else None)

    @_guarded
    def mark_spare_dirty(self, folder_key: str) -> None:
        live_slot, _ = self._site_state(folder_key)
        self._set_site_state(folder_key, live_slot, spare_ok=False)

    @_guarded
    def save_site(self, folder_key: str, live: dict[str, OutputRecord],
                  spare: dict[str, OutputRecord] | Literal["the old live site"],
                  changed: Iterable[str] | None = None) -> str:
        """The new live site's records, and the spare's: "the old live site" (its slot is kept as it is), or records.

        `changed`: the only paths whose records may differ from those the new live slot holds now,
        the spare's (a preview knows them: incremental.write_changed); only their buckets are
        pickled and written. → the state's new stamp (site_stamp)."""
        old_live_slot, _ = self._site_state(folder_key)
        new_slot = _other(old_live_slot)
        with self.db:
            self.db.execute("BEGIN")
            self._write_slot(folder_key, new_slot, live, None if changed is None else {_bucket(path) for path in changed})
            if spare != "the old live site":
                self._write_slot(folder_key, old_live_slot, spare)
            return self._set_site_state(folder_key, new_slot, spare_ok=True)

    @_guarded
    def site_stamp(self, folder_key: str) -> str | None:
        """The output folder's state as the last write of its records left it: a new stamp for each
        (a build, or one about to write the spare), so that a preview can tell that nobody else wrote."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (f"site {folder_key}",)).fetchone()
        return None if row is None else row[0]

    def _site_state(self, folder_key: str) -> tuple[str, bool]:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (f"site {folder_key}",)).fetchone()
        if row is None:
            return "a", False
        value, _, checksum = row[0].rpartition(" ")
        if checksum != _check(folder_key, value).hex():
            raise CacheDamaged("the record of the output folder's state does not match its checksum")
        live_slot, state, _stamp = value.split(" ")
        return live_slot, state == "ok"

    def _set_site_state(self, folder_key: str, live_slot: str, spare_ok: bool) -> str:
        value = f"{live_slot} {'ok' if spare_ok else 'dirty'} {os.urandom(8).hex()}"
        stamp = f"{value} {_check(folder_key, value).hex()}"
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"site {folder_key}", stamp))
        return stamp

    def _slot(self, folder_key: str, slot: str) -> dict[str, OutputRecord]:
        """A slot's records, kept in FILE_BUCKETS pickles as the file records are: a site of 22,000 files
        loads in milliseconds, where a row and a checksum per file took most of a no-change build."""
        folder = f"{folder_key}#{slot}"
        records: dict[str, OutputRecord] = {}
        with collector_paused():
            for bucket, blob, checksum in self.db.execute(
                    "SELECT bucket, records, checksum FROM outputs WHERE folder = ?", (folder,)):
                _verify(checksum, folder, bucket, blob)
                # Kept as plain tuples: pickling 22,000 named tuples took four times as long.
                records.update((path, tuple.__new__(OutputRecord, values)) for path, values in _unpickle(blob).items())
        return records

    def _write_slot(self, folder_key: str, slot: str, records: dict[str, OutputRecord],
                    buckets: set[int] | None = None) -> None:
        """Make a slot hold exactly `records`, writing only the buckets whose bytes changed (of `buckets`
        alone when given: the others are known to hold their records already)."""
        folder = f"{folder_key}#{slot}"
        # Plain tuples, as _slot reads them.
        grouped: dict[int, dict[str, tuple[object, ...]]] = {
            bucket: {} for bucket in (range(FILE_BUCKETS) if buckets is None else buckets)}
        for path, record in records.items():
            if (bucket := _bucket(path)) in grouped:
                grouped[bucket][path] = tuple(record)
        held = {bucket: blob for bucket, blob in self.db.execute("SELECT bucket, records FROM outputs WHERE folder = ?",
                                                                 (folder,)) if bucket in grouped}
        blobs = {bucket: _pickle(items) for bucket, items in grouped.items()}
        self.db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?)", [
            (folder, bucket, blob, _check(folder, bucket, blob))
            for bucket, blob in blobs.items() if held.get(bucket) != blob
        ])


def _other(slot: str) -> str:
    return "b" if slot == "a" else "a"


FILE_BUCKETS = 64


# Both keys are worked out once a process: the code a process runs is the code it imported, even if
# the files change under a running `serve` (and reading them and the libraries' metadata anew cost
# more than a small archive's whole rebuild).
@functools.cache
def _engine_digest() -> str:
    """The engine's own code: any change to it (an upgrade, a fix) may change what a record or page holds."""
    hasher = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):  # outputs/ too: it makes data files and the search index
        hasher.update(source.relative_to(package).as_posix().encode())
        hasher.update(source.read_bytes())
    return hasher.hexdigest()


@functools.cache
def _library_versions() -> str:
    """The libraries that shape the output: an upgrade of any of them must not reuse old pages."""
    return ",".join(f"{name}={_version(name)}" for name in
                    ("Jinja2", "Markdown", "pymdown-extensions", "nh3", "PyYAML", "python-frontmatter", "anyascii"))


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _checked_bytecode_cache(folder: Path, salt: str = "") -> jinja2.BytecodeCache:
    """Jinja's FileSystemBytecodeCache, each file led by a checksum of the rest.

    Compiled code is run as it is: a damaged file must be recompiled, never loaded, and Jinja's
    own loader would raise on random bytes after its magic header.
    """
    import jinja2

    class CheckedBytecodeCache(jinja2.FileSystemBytecodeCache):
        def get_cache_key(self, name: str, filename: str | None = None) -> str:
            return super().get_cache_key(f"{name}\0{salt}", filename)

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                data = Path(self._get_cache_filename(bucket)).read_bytes()
            except OSError:
                return
            if data[:16] != _check(bucket.key, data[16:]):
                return  # the bucket stays empty: the template is compiled again
            try:
                bucket.bytecode_from_string(data[16:])
            except Exception:  # noqa: BLE001 - whatever damaged bytes raise, the template is compiled again
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            payload = bucket.bytecode_to_string()
            target = Path(self._get_cache_filename(bucket))
            try:
                with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as file:
                    file.write(_check(bucket.key, payload) + payload)
                os.replace(file.name, target)
            except OSError:
                with contextlib.suppress(OSError, NameError):
                    os.unlink(file.name)

    return CheckedBytecodeCache(str(folder))


def _body_row(key: str, body: Body, packed_html: bytes) -> tuple[str, bytes, bytes, bytes]:
    """A bodies row: the checksum of the Body and that of the HTML side by side, so either can be checked alone."""
    blob = _pickle(body)
    html_check = _check(key, packed_html)
    return key, blob, packed_html, _check(key, blob, html_check) + html_check


def discard(root: Path) -> bool:
    """Delete the cache's files (the database and Jinja's compiled templates); False if they cannot be."""
    folder = root / CACHE_DIR
    try:
        if folder.is_symlink() or not folder.is_dir():
            return not folder.exists() and not folder.is_symlink()
        for path in folder.glob(CACHE_FILE + "*"):
            path.unlink(missing_ok=True)
        shutil.rmtree(folder / "templates", ignore_errors=True)
    except OSError:
        return False
    return True


def untrusted_folder(root: Path) -> str | None:
    """Why root/.cache must not be opened, or None.

    A pull request can commit a .cache/ (`git add -f` passes .gitignore), or make it a link: a
    build would then read rows its author wrote. Git is asked only when the archive is in a
    checkout, and its answer is cheap next to a build.
    """
    folder = root / CACHE_DIR
    if folder.is_symlink():
        return "is a symbolic link"
    if folder.exists() and not folder.is_dir():
        return "is not a folder"
    if not folder.exists():
        return None
    from .vcs import run_git  # git kept from running what a repository's settings name (core.fsmonitor)

    try:
        tracked = run_git(root, ("ls-files", "-z", "--", CACHE_DIR), 30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return "is tracked by git (a cache must never come from a commit)" if tracked else None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
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


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def pack_html(html: str) -> bytes:
    """Compressed (a quarter of the size; fast settings, since workers do it for every body)."""
    return zlib.compress(html.encode("utf-8"), 1)
