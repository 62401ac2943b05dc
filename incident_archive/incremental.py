"""Render-and-write stage: pages whose inputs changed are rendered over the workers; the site is then switched whole.

Each output (a page, a file made by Python, or a file copied as it is) has a fingerprint of its
inputs. An output whose fingerprint and file on disk match the last build's record is skipped
without rendering; one that is rendered but comes out byte-identical is not written, so it keeps
its modification time. The new site is assembled in the spare folder (writer.py): changed files
are written there, unchanged ones linked from the live site, and the two folders are exchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR
from typing import TYPE_CHECKING, Protocol, TypeVar

from . import inputs, parallel, writer
from .cache import Cache, OutputRecord
from .model import Failure, Problem
from .progress import Progress

if TYPE_CHECKING:  # imported where it is used, so that builds with nothing to render skip it
    import jinja2

_Record = TypeVar("_Record")


class Output(Protocol):
    """What every output of the site is (a page from a template, bytes made by Python, a copied
    file): a path, a fingerprint of its inputs, and a way to make its bytes.

    The writer asks nothing else of an output; render.PageSpec, Generated and Copy are the kinds,
    and outputs.plan is the one registry that lists them all.
    """

    # Read-only members, so that frozen records (Copy) and narrower types (a PageSpec's template
    # is always a str) are Outputs too.
    @property
    def path(self) -> str: ...

    @property
    def template(self) -> str | None:
        """The template it is rendered with; None for bytes made otherwise."""
        ...

    @property
    def whole_archive(self) -> bool:
        """Made from every record: made in this process, never in a worker."""
        ...

    def fingerprint(self, memo: dict) -> str: ...

    def make(self, env: jinja2.Environment, body_html: Callable[[str], str]) -> bytes:
        """Its bytes; a problem of its own input is raised as a Failure with the Problem located."""
        ...


@dataclass(frozen=True)
class Copy:
    """A file copied as it is (the theme's static files, media): its fingerprint is its stamp.

    The source is `relpath` inside `base` (the archive folder, or a theme folder), read through
    the gateway that refuses links.
    """

    path: str
    base: Path
    relpath: str
    limit: int | None = None
    template = None
    whole_archive = False

    def fingerprint(self, memo: dict) -> str:
        status = os.lstat(os.path.join(self.base, self.relpath))
        return f"copy:{self.base}/{self.relpath}:{status.st_mtime_ns}:{status.st_size}"

    def make(self, env, body_html) -> bytes:
        try:
            return inputs.read_bytes(self.base, self.relpath, self.limit)
        except OSError as error:
            raise Failure(Problem(self.relpath, 1, "file", inputs.unreadable(error))) from None


@dataclass(frozen=True)
class Generated:
    """A file made by Python rather than a template (open data, the search index).

    `token` is a digest of everything its bytes depend on; `make` is called (in a worker) only
    when the token changed, with a function that gives a body's HTML by its key.
    """

    path: str
    token: str
    maker: Callable[[Callable[[str], str]], bytes]
    # Made from every record (the bulk data files, the search records): made in this process.
    # A forked worker would touch, and so copy, every record of the archive: a gigabyte at 150,000.
    whole_archive: bool = False
    template = None

    def fingerprint(self, memo: dict) -> str:
        return f"generated:{self.token}"

    def make(self, env, body_html) -> bytes:
        return self.maker(body_html)


class RecordParts:
    """Each record's part of a file made from every record (its line of incidents.json, its CSV
    row), kept in the cache by the record's digest: after an edit the file is the concatenation of
    the parts, one of them made again, where making every part took seconds at 10,000 records."""

    def __init__(self, cache: Cache | None):
        self.cache = cache

    def each(self, kind: str, records: Iterable[tuple[str, _Record]], make: Callable[[_Record], str]) -> list[str]:
        """The part of each (digest, record), in their order; `kind` names the file they belong to."""
        known = self.cache.fragments(kind) if self.cache else {}
        kept: dict[str, str] = {}
        for key, record in records:
            part = known.get(key)
            kept[key] = make(record) if part is None else part
        if self.cache:
            touched = [key for key in kept if key not in known] + [key for key in known if key not in kept]
            self.cache.save_fragments(kind, kept, touched)
        return list(kept.values())


@dataclass
class Site:
    """The output folder as a write left it, kept by a preview (pipeline.Kept) for write_changed:
    the records of the live site and of the spare, and the stamp that says nobody wrote since."""

    live: dict[str, OutputRecord]
    spare: dict[str, OutputRecord]
    stamp: tuple
    # The files whose records differ between the two, or that one of them lacks: worked out when
    # first needed (a build that is not a preview's never needs it), then kept up to date.
    differ: set[str] | None = None
    files: int | None = None  # how many files the live site has

    def differing(self) -> tuple[set[str], int]:
        if self.differ is None or self.files is None:
            live, spare = self.live, self.spare
            self.differ = {path for path in live.keys() | spare.keys()
                           if not path.endswith(FOLDER) and live.get(path) != spare.get(path)}
            self.files = sum(1 for path in live if not path.endswith(FOLDER))
        return self.differ, self.files


@dataclass
class Written:
    files: int  # written or replaced
    unchanged: int  # rendered, byte-identical to the file already there
    removed: int
    fingerprints: dict[str, str]  # of every output, by path
    site: Site | None = None  # what a preview keeps for its next write (write_changed)


FOLDER = "/"  # records of folders end with it ('' + FOLDER is the site's top folder): see writer.strays


def write_outputs(out_dir: Path, outputs: list[Output], env: jinja2.Environment, cache: Cache, jobs: int,
                  progress: Progress, known: dict[int, str] | None = None) -> Written:
    """Bring out_dir up to date with `outputs`, switching it whole; on any error it is left as it was.

    `known` gives the fingerprints of outputs fingerprinted before and unchanged since, by the
    output object's id (a preview's, live.py), so that they are not worked out again."""
    where = writer.places(out_dir, cache.path.parent)  # the paths were checked when the outputs were planned
    with writer.locked(where.lock):
        writer.clear_leftovers(where)
        live, spare = _known_sites(where, cache)
        memo: dict = {}
        known = known or {}
        fingerprints = {output.path: known.get(id(output)) or output.fingerprint(memo) for output in outputs}
        live_dir = str(where.live)
        stale = [output for output in outputs
                 if not _up_to_date(f"{live_dir}/{output.path}", live.get(output.path), fingerprints[output.path])]
        for template in sorted({output.template for output in stale if output.template}):
            env.get_template(template)  # compiled once here, and inherited by every worker
        site = _Assembly(where, live, spare, cache)
        renderer = _Renderer(where.live, live, site.target, site.spare is None, env, cache)
        here = [output for output in stale if output.whole_archive]
        spread = [output for output in stale if not output.whole_archive]
        try:
            rendered = dict(progress.track("render", parallel.run(renderer, spread, jobs), len(spread)))
            rendered |= dict(map(renderer, here))
            records = site.complete(outputs, fingerprints, rendered)
            spare_records, stamp = site.switch(records)
        except BaseException:
            site.abandon()
            raise
        kept = Site(records, spare_records, _stamp(where, stamp))
    changed = sum(1 for _, stat in rendered.values() if stat is not None)
    removed = sum(1 for path in live if not path.endswith(FOLDER) and path not in fingerprints)
    return Written(changed, len(rendered) - changed, removed, fingerprints, kept)


def write_changed(out_dir: Path, outputs: list[Output], env: jinja2.Environment, cache: Cache, jobs: int,
                  progress: Progress, known: dict[int, str], site: Site) -> Written | None:
    """write_outputs for a preview that wrote out_dir last (live.py), the same outputs planned
    again: the same site, made from what it kept of its last write rather than from the cache's
    records and a look at every file (a fifth of a second at 10,000 records).

    Only the outputs whose fingerprint changed are rendered; the spare is first made the live site
    again where their records differ (the files of the last write), then switched in. None, with
    nothing touched, when an output is new or gone, or the cache's state of the folder or the two
    folders themselves are not as that write left them (a build in another terminal, a folder
    deleted): write_outputs then does it all. A file of output/ edited by hand in place, which
    write_outputs would find by its time, is not looked for here: the next whole build puts it right.
    """
    where = writer.places(out_dir, cache.path.parent)
    with writer.locked(where.lock):
        (differ, files), live, spare = site.differing(), site.live, site.spare
        memo: dict = {}
        fingerprints = {output.path: known.get(id(output)) or output.fingerprint(memo) for output in outputs}
        stale = [output for output in outputs
                 if (record := live.get(output.path)) is None or record.fingerprint != fingerprints[output.path]]
        if (_stamp(where, cache.site_stamp(where.key)) != site.stamp or any(output.path not in live for output in stale)
                or len(fingerprints) != files):  # every output is a live file, every live file an output
            return None
        # Not the same file: by its size and time, as _Assembly.complete tells (a link over the very
        # file it is would leave its temporary name behind: a rename between two links does nothing).
        behind = [path for path in differ if path not in live or path not in spare or live[path][2:] != spare[path][2:]]
        for template in sorted({output.template for output in stale if output.template}):
            env.get_template(template)
        cache.mark_spare_dirty(where.key)  # from here until the switch, the spare is neither site
        for path in behind:  # the spare is made the live site again, as hard links
            if path in live:
                writer.link_file(where.live, where.spare, path)
            else:
                writer.remove_file(where.spare, path)
        renderer = _Renderer(where.live, live, where.spare, False, env, cache)
        spread = [output for output in stale if not output.whole_archive]
        rendered = dict(progress.track("render", parallel.run(renderer, spread, jobs), len(spread)))
        rendered |= dict(map(renderer, [output for output in stale if output.whole_archive]))
        written = [path for path, (_, status) in rendered.items() if status is not None]
        # The spare's records (its folders' times are its own), with the live site's files, and the new ones.
        records = dict(spare)
        for path in differ:
            if path in live:
                records[path] = live[path]
            else:
                del records[path]
        for path, (digest, status) in rendered.items():
            records[path] = OutputRecord(fingerprints[path], digest, *(status or live[path][2:]))
        folders = writer.folders_of([*behind, *written])  # the folders files were put in or taken from
        times = writer.folder_times(where.spare, folders)
        for folder in folders:
            records.pop(folder or FOLDER, None)
            if folder in times:
                records[folder or FOLDER] = OutputRecord("", "", 0, times[folder])
        writer.exchange(where.spare, where.live)
        # What the new live slot holds now is the spare's records: only these paths' may differ.
        changed = differ | rendered.keys() | {folder or FOLDER for folder in folders}
        stamp = cache.save_site(where.key, records, spare="the old live site", changed=changed)
        kept = Site(records, live, _stamp(where, stamp), {path for path in rendered if records[path] != live[path]}, files)
    return Written(len(written), len(rendered) - len(written), 0, fingerprints, kept)


def _stamp(where: writer.Places, state: str | None) -> tuple:
    """The cache's state of the output folder, and each of the two folders' identity and change time
    (an exchange, a file added to or removed from the top, or a folder made again all change it)."""
    def identity(folder: Path) -> tuple[int, int] | None:
        try:
            status = os.lstat(folder)
        except OSError:
            return None
        return (status.st_ino, status.st_ctime_ns) if S_ISDIR(status.st_mode) else None

    return state, identity(where.live), identity(where.spare)


def outputs_intact(out_dir: Path, cache: Cache) -> bool:
    """Every file the last build wrote is still there as it left it, and nothing was added (and it wrote some).

    The one check a build with nothing to do makes, of each file and folder: a plain loop, since
    at 10,000 incidents it is 35,000 calls of os.stat.
    """
    live, _ = cache.site(writer.places(out_dir, cache.path.parent).key, spare=False) if out_dir.is_dir() else ({}, None)
    prefix, stat = f"{out_dir}/", os.stat
    try:
        for path, record in live.items():
            status = stat(prefix + path)
            if status.st_mtime_ns != record.mtime_ns or (record.digest and status.st_size != record.size):
                return False
    except OSError:
        return False
    return bool(live)


def _known_sites(where: writer.Places, cache: Cache) -> tuple[dict[str, OutputRecord], dict[str, OutputRecord] | None]:
    """What the cache knows of the live site and of the spare (None: nothing to trust; it is made again)."""
    live, spare = cache.site(where.key) if where.live.is_dir() else ({}, None)
    if spare is not None and (not live or not where.spare.is_dir() or where.spare.is_symlink()):
        spare = None
    return live, spare


def _up_to_date(target: str, record: OutputRecord | None, fingerprint: str) -> bool:
    return record is not None and record.fingerprint == fingerprint and _same_file(target, record)


def _same_file(target: str | Path, record: OutputRecord) -> bool:
    """The file (or folder) is as the last build left it: nobody edited, added to or deleted it since."""
    found = writer.stat_of(target)
    if str(target).endswith(FOLDER) or record.digest == "":
        return found is not None and found[1] == record.mtime_ns
    return found == (record.size, record.mtime_ns)


class _Assembly:
    """The new site, assembled in the spare (when the cache vouches for it) or in a new folder, then switched in."""

    def __init__(self, where: writer.Places, live: dict[str, OutputRecord], spare: dict[str, OutputRecord] | None,
                 cache: Cache):
        self.where, self.live, self.spare, self.cache = where, live, spare, cache
        self.gone: list[str] = []
        if spare is not None:
            cache.mark_spare_dirty(where.key)  # from here until the switch, the spare is neither site
            self.target = where.spare
            self.held = {path: record for path, record in spare.items() if not path.endswith(FOLDER)}
            # Whatever was added to or changed in the spare since it was recorded goes first, so that
            # the new site is written into folders that hold only what the records say.
            self.gone = writer.strays(self.target, {path: (r.size, r.mtime_ns) for path, r in self.held.items()},
                                      _folders(spare))
            for path in self.gone:
                self.held.pop(path, None)
                writer.remove_tree(self.target / path)
        else:
            self.target = writer.new_staging(where)
            self.held = {}
        # Into the spare, whose files may be the live site's own, beside it and renamed over.
        self.link = writer.link_file if spare is not None else writer.link_new_file_making_room

    def complete(self, outputs: list, fingerprints: dict[str, str], rendered: dict) -> dict[str, OutputRecord]:
        """Make the target hold exactly the new site; → the new site's records (files, then folders).

        One pass over every output, kept tight: it runs on each build, for 22,000 outputs at 10,000
        incidents, where the usual output is up to date and keeps its live record as it is.
        """
        records, touched, live, held = {}, [], self.live, self.held
        for output in outputs:
            path = output.path
            done = rendered.get(path)
            if done is None:  # up to date: the live file, and its record, stand
                record = live[path]
            elif done[1] is None:  # rendered to the live file's very bytes
                record = OutputRecord(fingerprints[path], done[0], *self._live_stat(path))
            else:  # written into the target by a worker
                digest, stat = done
                records[path] = OutputRecord(fingerprints[path], digest, *stat)
                touched.append(path)
                continue
            records[path] = record
            mine = held.get(path)
            if mine is None or mine[2:] != record[2:]:  # not the live file's inode (same size and time)
                self.link(self.where.live, self.target, path)
                touched.append(path)
        gone = [path for path in held if path not in records]
        for path in gone:
            writer.remove_file(self.target, path)
        gone += self.gone
        records.update(self._folder_records(records, touched, gone))
        return records

    def _folder_records(self, records: dict, touched: list[str], gone: list[str]) -> dict[str, OutputRecord]:
        """Each folder's time now: from the spare's records where nothing in it changed, else read again."""
        known = _folders(self.spare or {})
        if self.spare is None:
            folders, fresh = writer.folders_of(records), None
        else:
            fresh = writer.folders_of(touched + gone)
            folders = (set(known) | writer.folders_of(touched))
        times = writer.folder_times(self.target, [folder for folder in folders if fresh is None or folder in fresh])
        found = {}
        for folder in sorted(folders):
            mtime = times.get(folder, None if fresh is None or folder in fresh else known.get(folder))
            if mtime is not None:  # None: a folder emptied and removed with its last file
                found[folder or FOLDER] = OutputRecord("", "", 0, mtime)
        return found

    def _live_stat(self, path: str) -> writer.Stat:
        record = self.live.get(path)
        return (record.size, record.mtime_ns) if record else writer.stat_of_existing(self.where.live / path)

    def switch(self, records: dict[str, OutputRecord]) -> tuple[dict[str, OutputRecord], str]:
        """Exchange the assembled site with the live one; then keep the old one as the spare.

        → the spare's records, and the stamp of the state the cache now holds (for a preview: Site)."""
        where = self.where
        if self.spare is not None:
            writer.exchange(self.target, where.live)
            return self.live, self.cache.save_site(where.key, records, spare="the old live site")
        old_live = where.live.is_dir()
        if old_live:
            writer.exchange(self.target, where.live)  # the target now holds the old site
        else:
            os.rename(self.target, where.live)
        writer.remove_tree(where.spare)
        if old_live and self.live:  # the old site, as the cache knows it, is a spare ready to use
            os.rename(self.target, where.spare)
            return self.live, self.cache.save_site(where.key, records, spare="the old live site")
        if old_live:
            writer.remove_tree(self.target)
        spare = _clone(where.live, where.spare, records)
        return spare, self.cache.save_site(where.key, records, spare=spare)

    def abandon(self) -> None:
        """A build that stops leaves the live site alone; a half-made new folder goes."""
        if self.spare is None:
            with contextlib.suppress(OSError):
                writer.remove_tree(self.target)


def _folders(records: dict[str, OutputRecord]) -> dict[str, int]:
    """The folder records, as writer.strays takes them: 'a/b/' → modification time ('' for the top)."""
    return {("" if path == FOLDER else path): record.mtime_ns for path, record in records.items() if path.endswith(FOLDER)}


def _clone(live: Path, spare: Path, records: dict[str, OutputRecord]) -> dict[str, OutputRecord]:
    """A spare made of hard links to every file of the live site; → its records."""
    files = [path for path in records if not path.endswith(FOLDER)]
    spare.mkdir()
    for folder in sorted(writer.folders_of(files) - {""}):  # parents first: each is one mkdir
        os.mkdir(spare / folder)
    for path in files:
        writer.link_new_file(live, spare, path)
    clone = {path: record for path, record in records.items() if not path.endswith(FOLDER)}
    for folder, mtime in writer.folder_times(spare, writer.folders_of(files)).items():
        clone[folder or FOLDER] = OutputRecord("", "", 0, mtime)
    return clone


class _Renderer:
    """Renders one output in a worker: → (path, (digest of its bytes, its new file's stat, or None if the live one is right))."""

    def __init__(self, live_dir: Path, live: dict[str, OutputRecord], target: Path, new_folder: bool, env, cache: Cache):
        self.live_dir, self.live, self.target, self.env = live_dir, live, target, env
        # Into a new folder no reader sees, a file is written as it is; into the spare, whose files
        # may be the live site's own (hard links), beside it and renamed over.
        self.write = writer.write_new_file if new_folder else writer.write_file
        self.cache, self.cache_pid = cache, os.getpid()

    def __call__(self, output) -> tuple[str, tuple[str, tuple[int, int] | None]]:
        data = output.make(self.env, self._body_html)
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        if self._live_has(output.path, digest, data):
            return output.path, (digest, None)
        return output.path, (digest, self.write(self.target, output.path, data))

    def _live_has(self, path: str, digest: str, data: bytes) -> bool:
        target = self.live_dir / path
        record = self.live.get(path)
        if record is not None:
            return record.digest == digest and _same_file(target, record)
        return target.is_file() and not target.is_symlink() and target.stat().st_size == len(data) and target.read_bytes() == data

    def _body_html(self, key: str) -> str:
        if self.cache_pid != os.getpid():  # in a forked worker: a connection of its own
            self.cache, self.cache_pid = self.cache.reopen(), os.getpid()
        return self.cache.html(key)
