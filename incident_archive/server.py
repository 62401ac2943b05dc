"""Live preview (`serve`): build, serve the output with livereload, rebuild once per burst of edits, show problems in the page.

Rebuilds are the ordinary incremental build (pipeline.build), so a preview and `build` always
agree: an edit re-renders only the pages whose inputs changed, and a build with errors leaves the
output as it was, so the last good site stays up while the problems are shown above every page.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import re
import sys
import threading
import time
import traceback
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler, StaticFileHandler
from livereload.watcher import Watcher
from tornado import web

from . import pipeline
from .config import DEFAULT_THEME, SITE_FILE
from .model import Problem
from .names import plural

# A rebuild waits until no change has come for this long, so that a checkout, a save-all or an
# editor saving one file several times in a row costs one rebuild. Every reload waits for it, so
# it is as short as lets edits a tenth of a second apart still count as one burst (test_serve.py):
# at 0.15 s that test failed 2 times in 7 on a loaded machine.
QUIET_SECONDS = 0.25
# How long watchfiles waits for a change to be followed by more before it reports the group (its
# default is 50 ms): the quiet wait above does the grouping that matters, after it.
WATCH_STEP_MS = 20
LONGEST_WAIT_SECONDS = 5.0  # but a stream of changes that never pauses still rebuilds this often

if TYPE_CHECKING:  # watchfiles itself is imported by _serve, where the preview starts
    from watchfiles.main import FileChange


class Preview:
    """What a preview serves: the archive, its output folder, and the last build's problems."""

    def __init__(self, root: Path, out_dir: Path, options: pipeline.Options, log: Callable[[str], object] = print):
        self.root, self.out_dir, self.log = root, out_dir, log
        self.options = dataclasses.replace(options, keep=True)
        self.problems: list[Problem] = []  # the last build's, shown on every page until it succeeds
        self.failed = False
        self.kept: pipeline.Kept | None = None  # the last good build, to apply an edit of descriptions to

    def rebuild(self, what: str = "rebuilt", changed: set[str] | None = None) -> None:
        """Build again; `changed` (paths relative to the archive) lets an edit of descriptions alone
        be applied to the last good build (live.py) rather than build the whole archive."""
        started = time.perf_counter()
        result: pipeline.Result | None = None
        how = ""
        try:
            result = self._applied(changed)
            how = "; the edited descriptions only" if result is not None else ""
            if result is None:
                result = pipeline.build(self.root, self.out_dir, self.options)
            if not result.failed(self.options.strict):
                self.kept = result.kept or self.kept
            for notice in result.notices:
                self.log(f"warning: {notice}")
            self.problems = result.errors + result.warnings
            self.failed = result.failed(self.options.strict)
        except Exception:  # noqa: BLE001 - a bug must not stop the preview: show it, keep serving the last good build
            self.problems = [Problem("incident-archive", 1, "internal error", traceback.format_exc())]
            self.failed, self.kept = True, None
        for problem in self.problems:
            self.log(str(problem))
        outcome = "failed; still serving the last good build" if self.failed or result is None else \
            f"ok, {plural(result.files_rendered, 'page')} rendered, {plural(result.files_written, 'file')} written"
        self.log(f"{what}: {outcome} ({time.perf_counter() - started:.2f} s{how})")

    def prepare(self) -> None:
        """Keep the build that a start with nothing to do skipped, so that the first edit of a
        description is applied to it too (at 150,000 records: 3 s, against 45 s for a whole build).

        Run in a thread of its own while the preview serves; an edit waits for it. It renders only
        what is out of date, which is usually nothing, and a failure only leaves the next edit to a
        whole build. Says when the preview is ready, kept here or by the start."""
        started = time.perf_counter()
        if self.failed:
            return
        if self.kept is None:
            try:
                result = pipeline.build(self.root, self.out_dir, dataclasses.replace(self.options, whole=True))
            except Exception:  # noqa: BLE001 - the next edit makes a whole build, which reports what went wrong
                return
            if result.kept is None or result.failed(self.options.strict):
                return
            self.kept = result.kept
        self.log(f"ready for quick edits ({time.perf_counter() - started:.2f} s)")
        sys.stdout.flush()  # said from its own thread, where no rebuild's line flushes it

    def _applied(self, changed: set[str] | None) -> pipeline.Result | None:
        if self.kept is None or not changed or self.failed:
            return None
        from . import live

        return live.patch(self.root, self.out_dir, self.kept, changed, self.options)

    def watched_paths(self) -> list[Path]:
        """What a build reads: the content, the archive's templates, the default theme and site.yaml."""
        candidates = (self.root / "content", self.root / "templates", DEFAULT_THEME, self.root / SITE_FILE)
        return list(dict.fromkeys(path.resolve() for path in candidates if path.exists()))

    def banner(self) -> bytes:
        """The problems, as HTML put at the top of every page; nothing when the last build was clean."""
        if not self.problems:
            return b""
        heading = ("The last edit broke the build; this is the last good version of the site."
                   if self.failed else "The build has warnings.")
        items = "".join(f"<li><code>{html.escape(str(problem))}</code></li>" for problem in self.problems)
        return (f'<div id="incident-archive-problems" role="alert">'
                f"<strong>{html.escape(heading)}</strong> Fix these and save; the page reloads by itself."
                f"<ul>{items}</ul></div>").encode()


def serve(preview: Preview, host: str, port: int) -> None:
    """Build, then serve until interrupted, rebuilding and reloading browsers as the inputs change."""
    try:
        asyncio.run(_serve(preview, host, port))
    except KeyboardInterrupt:  # asyncio.run has cancelled the watch, and waited for its thread to end
        preview.log("stopped")


async def _serve(preview: Preview, host: str, port: int) -> None:
    from watchfiles import awatch

    LiveReloadHandler.watcher = Watcher()  # livereload reads only its `filepath`, to log reloads
    LiveReloadHandler.live_css = False  # a rebuild can change any page: always reload the whole page
    _Injector.preview = preview
    _PreviewFiles.out_dir = preview.out_dir
    app = web.Application([
        (r"/livereload", LiveReloadHandler),
        (r"/livereload.js", LiveReloadJSHandler),
        (re.escape(_Injector.banner_style), _BannerStyle),
        (r"/(.*)", _PreviewFiles, {"path": str(preview.out_dir), "default_filename": "index.html"}),
    ], transforms=[_Injector])
    app.listen(port, address=host)  # first: a port already taken fails before a long build
    preview.rebuild("built")
    # watchfiles (inotify, FSEvents or ReadDirectoryChangesW) reports changes as they happen, where
    # looking at every file's time would take seconds per look on a large archive. Changes made
    # during a rebuild are kept for the next one.
    changes = awatch(*preview.watched_paths(), step=WATCH_STEP_MS)
    next_change: asyncio.Future[set[FileChange]] = asyncio.ensure_future(anext(changes))
    await asyncio.sleep(0)  # runs awatch up to its first wait: from here on, no change is missed
    preview.log(f"serving {preview.out_dir} at http://{host}:{port}/ (Ctrl-C to stop)")
    sys.stdout.flush()
    prepared = _in_background(preview.prepare)
    while True:
        changed = {path for _, path in await next_change}
        next_change = await _quiet(changes, changed)
        await prepared  # one build at a time: the edit is applied to what it kept
        preview.rebuild(changed=_relative(changed, preview.root))
        LiveReloadHandler.reload_waiters(path="*")
        sys.stdout.flush()


def _in_background(work: Callable[[], None]) -> asyncio.Future[None]:
    """work() in a daemon thread, so that Ctrl-C never waits for it (asyncio's own executor would
    be waited for); → a future done when it returns."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def run() -> None:
        try:
            work()
        finally:
            with contextlib.suppress(RuntimeError):  # the preview was stopped meanwhile: its loop is closed
                loop.call_soon_threadsafe(done.set_result, None)

    threading.Thread(target=run, name="prepare", daemon=True).start()
    return done


async def _quiet(changes: AsyncIterator[set[FileChange]], changed: set[str]) -> asyncio.Future[set[FileChange]]:
    """Wait until no change has come for QUIET_SECONDS (or LONGEST_WAIT_SECONDS have passed),
    adding the paths changed meanwhile to `changed`.

    watchfiles groups changes, but counts a file saved twice as one change, so that a file saved
    again and again would yield group after group. → the wait for the next change, still pending.
    """
    deadline = time.monotonic() + LONGEST_WAIT_SECONDS
    while True:
        next_change = asyncio.ensure_future(anext(changes))
        done, _ = await asyncio.wait({next_change}, timeout=min(QUIET_SECONDS, max(0, deadline - time.monotonic())))
        if not done:
            return next_change  # not cancelled: awatch keeps collecting the changes made meanwhile
        changed |= {path for _, path in next_change.result()}


def _relative(paths: set[str], root: Path) -> set[str] | None:
    """The changed files relative to the archive, as records name their paths; None when one lies
    outside it (the default theme's templates: a whole build)."""
    base = root.resolve()
    found = set()
    for path in paths:
        try:
            found.add(Path(path).resolve().relative_to(base).as_posix())
        except ValueError:
            return None
    return found


class _PreviewFiles(StaticFileHandler):
    """The output folder, never cached by the browser: a page must show the latest build."""

    out_dir: Path

    def set_extra_headers(self, path):
        self.set_header("Cache-Control", "no-store")

    def write_error(self, status_code, **kwargs):
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(f"<!DOCTYPE html><html><head><title>{status_code}</title></head><body>"
                    f"<p>{status_code}: nothing at this address in {html.escape(str(self.out_dir))}.</p></body></html>")


class _BannerStyle(web.RequestHandler):
    """The problems banner's look, as a style sheet of the site's origin: the pages' Content-Security-Policy
    refuses a style attribute, and a preview should show the pages as readers' browsers will."""

    def get(self):
        self.set_header("Content-Type", "text/css; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write("#incident-archive-problems { background: #fff3cd; color: #3d2c00; border: 3px solid #b00020;"
                   " padding: 1em; margin: 0; font: 1rem/1.4 sans-serif; white-space: pre-wrap }\n")


_POLICY = re.compile(rb'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")', re.IGNORECASE)


def _livereload_allowed(policy: str) -> str:
    """A page's Content-Security-Policy, letting livereload's script connect back to the preview.

    Its WebSocket is the one thing a preview does that the built site must not: connect-src is given
    'self' (which matches ws: to the page's own host and port), on top of what it, or default-src in
    its absence, allowed. Nothing else is relaxed: the preview is checked by the policy readers get.
    """
    directives = [part.split() for part in policy.split(";") if part.split()]
    names = [directive[0].lower() for directive in directives]
    for name in ("connect-src", "default-src"):
        if name in names:
            sources = [source for source in directives[names.index(name)][1:] if source.lower() != "'none'"]
            allowed = ["connect-src", "'self'", *sources]
            if name == "connect-src":
                directives[names.index(name)] = allowed
            else:
                directives.append(allowed)
            return "; ".join(" ".join(directive) for directive in directives)
    return policy  # connections are not restricted


def _with_livereload_allowed(meta: re.Match[bytes]) -> bytes:
    policy = html.unescape(meta.group(2).decode("utf-8", "replace"))
    attribute = html.escape(_livereload_allowed(policy), quote=False).replace('"', "&quot;")  # in "...": ' stays
    return meta.group(1) + attribute.encode() + meta.group(3)


class _Injector(web.OutputTransform):
    """Adds livereload's script, and the problems banner with its style sheet, to every HTML page as it is
    sent, and lets the page's Content-Security-Policy allow livereload's connection."""

    preview: Preview
    banner_style = "/incident-archive-problems.css"
    head = f'<link rel="stylesheet" href="{banner_style}"><script src="/livereload.js"></script>'.encode()

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        if "html" not in headers.get("Content-Type", ""):
            return status_code, headers, chunk
        before = len(chunk)
        chunk = _POLICY.sub(_with_livereload_allowed, chunk)
        chunk = chunk.replace(b"</head>", self.head + b"</head>", 1)
        body_start = chunk.find(b"<body")
        if body_start != -1:
            tag_end = chunk.index(b">", body_start) + 1
            chunk = chunk[:tag_end] + self.preview.banner() + chunk[tag_end:]
        if "Content-Length" in headers:
            headers["Content-Length"] = str(int(headers["Content-Length"]) + len(chunk) - before)
        return status_code, headers, chunk
