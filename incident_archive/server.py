"""Live preview (`serve`): build, serve the output with livereload, rebuild once per burst of edits, show problems in the page.

Rebuilds are the ordinary incremental build (pipeline.build), so a preview and `build` always
agree: an edit re-renders only the pages whose inputs changed, and a build with errors leaves the
output as it was, so the last good site stays up while the problems are shown above every page.
"""

from __future__ import annotations

import html
import os
import sys
import time
import traceback
from pathlib import Path

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler, StaticFileHandler
from livereload.watcher import Watcher
from tornado import ioloop, web

from . import pipeline
from .config import DEFAULT_THEME, SITE_FILE
from .model import Problem

QUIET_SECONDS = 0.3  # an input must stay unchanged this long before a rebuild: one rebuild per burst
SCAN_SHARE = 0.2  # at most this share of the time goes to looking for changes, on a large archive


class Preview:
    """The last build's outcome, and the loop that watches the inputs and rebuilds."""

    def __init__(self, root: Path, out_dir: Path, options: pipeline.Options, log=print):
        self.root, self.out_dir, self.options, self.log = root, out_dir, options, log
        self.problems: list[Problem] = []  # the last build's, shown on every page until it succeeds
        self.failed = False
        self._built_inputs: tuple | None = None
        self._seen_inputs: tuple | None = None

    def rebuild(self, what: str = "rebuilt") -> None:
        started = time.perf_counter()
        try:
            result = pipeline.build(self.root, self.out_dir, self.options)
            self.problems = result.errors + result.warnings
            self.failed = bool(result.errors) or (self.options.strict and bool(result.warnings))
        except Exception:  # a bug must not stop the preview: show it, keep serving the last good build
            self.problems = [Problem("incident-archive", 1, "internal error", traceback.format_exc())]
            self.failed, result = True, None
        for problem in self.problems:
            self.log(str(problem))
        outcome = "failed; still serving the last good build" if self.failed else \
            f"ok, {_plural(result.files_rendered, 'page')} rendered, {_plural(result.files_written, 'file')} written"
        self.log(f"{what}: {outcome} ({time.perf_counter() - started:.2f} s)")

    def watched_inputs(self) -> tuple:
        """Every input file's path, modification time and size: any edit, addition or deletion changes it."""
        stamps = []
        for path in (self.root / "content", self.root / "templates", DEFAULT_THEME, self.root / SITE_FILE):
            if path.is_file():
                stamps.append((str(path), *_stamp(path)))
            for directory, subdirectories, names in os.walk(path):
                subdirectories.sort()
                stamps.extend((os.path.join(directory, name), *_stamp(Path(directory, name))) for name in sorted(names))
        return tuple(stamps)

    def start(self) -> None:
        self._built_inputs = self.watched_inputs()
        self.rebuild("built")

    def poll(self) -> bool:
        """Look for changes; rebuild once they have settled. → whether it rebuilt (browsers reload)."""
        inputs = self.watched_inputs()
        if inputs == self._built_inputs:
            self._seen_inputs = None
            return False
        if inputs != self._seen_inputs:  # still changing: wait until a look finds nothing new
            self._seen_inputs = inputs
            return False
        self._built_inputs, self._seen_inputs = inputs, None
        self.rebuild()
        return True

    def banner(self) -> bytes:
        """The problems, as HTML put at the top of every page; nothing when the last build was clean."""
        if not self.problems:
            return b""
        heading = ("The last edit broke the build; this is the last good version of the site."
                   if self.failed else "The build has warnings.")
        items = "".join(f"<li><code>{html.escape(str(problem))}</code></li>" for problem in self.problems)
        return (f'<div id="incident-archive-problems" role="alert" style="background:#fff3cd;color:#3d2c00;'
                f'border:3px solid #b00020;padding:1em;margin:0;font:1rem/1.4 sans-serif;white-space:pre-wrap">'
                f"<strong>{html.escape(heading)}</strong> Fix these and save; the page reloads by itself."
                f"<ul>{items}</ul></div>").encode("utf-8")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _stamp(path: Path) -> tuple[int, int]:
    try:
        status = path.stat()
    except OSError:  # deleted between the listing and the look
        return 0, -1
    return status.st_mtime_ns, status.st_size


def serve(preview: Preview, host: str, port: int) -> None:
    """Build, then serve until interrupted, rebuilding and reloading browsers as the inputs change."""
    LiveReloadHandler.watcher = Watcher()  # livereload reads only its `filepath`, to log reloads
    LiveReloadHandler.live_css = False  # a rebuild can change any page: always reload the whole page
    _Injector.preview = preview
    _PreviewFiles.out_dir = preview.out_dir
    app = web.Application([
        (r"/livereload", LiveReloadHandler),
        (r"/livereload.js", LiveReloadJSHandler),
        (r"/(.*)", _PreviewFiles, {"path": str(preview.out_dir), "default_filename": "index.html"}),
    ], transforms=[_Injector])
    app.listen(port, address=host)  # first: a port already taken fails before a long build
    preview.start()
    preview.log(f"serving {preview.out_dir} at http://{host}:{port}/ (Ctrl-C to stop)")
    sys.stdout.flush()
    loop = ioloop.IOLoop.current()

    def poll_then_schedule():
        started = time.perf_counter()
        if preview.poll():
            LiveReloadHandler.reload_waiters(path="*")
        sys.stdout.flush()
        # On a large archive a look at every file costs: keep looking to a fifth of the time.
        scan = time.perf_counter() - started
        loop.call_later(max(QUIET_SECONDS, scan / SCAN_SHARE), poll_then_schedule)

    loop.call_later(QUIET_SECONDS, poll_then_schedule)
    try:
        loop.start()
    except KeyboardInterrupt:
        preview.log("stopped")


class _PreviewFiles(StaticFileHandler):
    """The output folder, never cached by the browser: a page must show the latest build."""

    out_dir: Path

    def set_extra_headers(self, path):
        self.set_header("Cache-Control", "no-store")

    def write_error(self, status_code, **kwargs):
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(f"<!DOCTYPE html><html><head><title>{status_code}</title></head><body>"
                    f"<p>{status_code}: nothing at this address in {html.escape(str(self.out_dir))}.</p></body></html>")


class _Injector(web.OutputTransform):
    """Adds livereload's script, and the problems banner, to every HTML page as it is sent."""

    preview: Preview
    script = b'<script src="/livereload.js"></script>'

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        if "html" not in headers.get("Content-Type", ""):
            return status_code, headers, chunk
        before = len(chunk)
        chunk = chunk.replace(b"</head>", self.script + b"</head>", 1)
        body_start = chunk.find(b"<body")
        if body_start != -1:
            tag_end = chunk.index(b">", body_start) + 1
            chunk = chunk[:tag_end] + self.preview.banner() + chunk[tag_end:]
        if "Content-Length" in headers:
            headers["Content-Length"] = str(int(headers["Content-Length"]) + len(chunk) - before)
        return status_code, headers, chunk
