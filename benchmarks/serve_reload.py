"""`serve`'s reload time: from an edit saved to the moment a browser is told to reload, quiet wait included.

    python benchmarks/serve_reload.py /tmp/incident-archive-bench/10000    # a corpus made by generate.py

`python build.py serve` runs in a child process of its own (its own process group, stopped at the
end). Once it says it is ready for quick edits, a livereload client connects to it as a browser's
livereload.js does, and each edit is timed
from the moment its file is written and closed to the moment the reload message arrives. After
each, the file is put back as it was and the rebuild that causes is waited for, so that every
repetition makes the same edit. Every wait has a timeout: a server that stops or never answers
raises ServeFailed with its last lines, and is stopped all the same.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The server's first build is a no-change build after run.py's, but a cold one without a cache: a
# cold build of 150,000 incidents takes about 12 minutes.
START_SECONDS = 1800.0
RELOAD_SECONDS = 300.0  # a one-edit rebuild of 150,000 incidents took 70 s on the command line
SETTLE_SECONDS = 0.5  # after a rebuild, before the next edit: nothing the last one did may still be pending
PROTOCOL = "http://livereload.com/protocols/official-7"
# "rebuilt: ok, 3 pages rendered, ... (0.61 s)", with or without a word on how it rebuilt after the
# seconds or before the colon.
_REBUILT = re.compile(r"^rebuilt\b[^:]*: (.*) \((\d+(?:\.\d+)?) s\b[^()]*\)$")


class ServeFailed(Exception):
    pass


@dataclass
class Timing:
    reloads: list[float]  # seconds, from the edit written to the reload message
    rebuilds: list[float | None]  # seconds, the server's own figure for the rebuild each edit caused

    @property
    def minimum(self) -> float:
        return min(self.reloads)

    @property
    def median(self) -> float:
        return statistics.median(self.reloads)

    @property
    def said_rebuilds(self) -> str:
        return ", ".join("?" if seconds is None else f"{seconds:.2f}" for seconds in self.rebuilds) + " s"


def measure(corpus: Path, edits: dict[str, tuple[Path, Callable[[], object]]], repeats: int = 3,
            extra: tuple[str, ...] = (), said: list[str] | None = None) -> dict[str, Timing]:
    """{name: Timing} for each edit: (the file it changes, a function that changes it), made `repeats` times.
    The server's lines up to its readiness go to `said`."""
    server = _Server(corpus, extra)
    if said is not None:
        said += server.lines
    try:
        return asyncio.run(_measure(server, edits, repeats))
    finally:
        server.stop()


async def _measure(server: _Server, edits, repeats: int) -> dict[str, Timing]:
    from tornado.websocket import websocket_connect  # tornado comes with serve's own dependencies

    connection = await server.waiting(websocket_connect(f"ws://127.0.0.1:{server.port}/livereload"), 30, "connect")
    connection.write_message(json.dumps({"command": "hello", "protocols": [PROTOCOL]}))
    hello = json.loads(await server.waiting(connection.read_message(), 30, "answer hello") or "{}")
    if hello.get("command") != "hello":
        raise ServeFailed(f"livereload answered hello with {hello}")
    # Until it has the page's address, livereload does not count the client among those to reload.
    connection.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{server.port}/"}))
    await asyncio.sleep(SETTLE_SECONDS)
    timings = {}
    for name, (path, edit) in edits.items():
        timings[name] = Timing([], [])
        original = path.read_text(encoding="utf-8")
        try:
            for _ in range(repeats):
                edit()
                written = time.perf_counter()
                await server.reload(connection, f"reload after the {name} edit")
                timings[name].reloads.append(time.perf_counter() - written)
                timings[name].rebuilds.append(await server.rebuilt())
                path.write_text(original, encoding="utf-8")
                await server.reload(connection, f"reload after the {name} edit was undone")
                await server.rebuilt()
                await asyncio.sleep(SETTLE_SECONDS)
        finally:
            path.write_text(original, encoding="utf-8")
    connection.close()
    return timings


class _Server:
    """`python build.py serve` on a free port, its output collected line by line."""

    def __init__(self, corpus: Path, extra: tuple[str, ...]):
        # A free port can be taken by another process before serve listens on it: then another is tried.
        for _ in range(5):
            self.port, self.seen = _free_port(), 0
            self.lines: list[str] = []
            self.process = subprocess.Popen(
                [sys.executable, str(REPO / "build.py"), "serve", "--root", str(corpus), "--port", str(self.port), *extra],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
            self.collector = threading.Thread(target=self._collect, daemon=True)
            self.collector.start()
            if self._started():
                self._ready()
                return
        raise ServeFailed("serve found no free port")

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def _started(self) -> bool:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if any(line.startswith("serving ") for line in self.lines):
                return True
            if self.process.poll() is not None:
                self.collector.join(5)
                if any(f"cannot listen on 127.0.0.1:{self.port}" in line for line in self.lines):
                    return False
                raise ServeFailed(self._said("serve stopped"))
            time.sleep(0.05)
        self.stop()
        raise ServeFailed(self._said(f"serve did not start within {START_SECONDS:.0f} s"))

    def _ready(self) -> None:
        """Wait for serve to say it is ready for quick edits: started on a built archive, it keeps
        its build in the background first, which an edit made sooner would wait for."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if any(line.startswith("ready for quick edits") for line in self.lines):
                return
            if self.process.poll() is not None or any(line.startswith("built: failed") for line in self.lines):
                raise ServeFailed(self._said("serve stopped"))
            time.sleep(0.05)
        self.stop()
        raise ServeFailed(self._said(f"serve was not ready for quick edits within {START_SECONDS:.0f} s"))

    async def waiting(self, awaitable, seconds: float, what: str):
        try:
            return await asyncio.wait_for(awaitable, seconds)
        except TimeoutError:
            raise ServeFailed(self._said(f"no {what} within {seconds:.0f} s")) from None

    async def reload(self, connection, what: str) -> None:
        message = await self.waiting(connection.read_message(), RELOAD_SECONDS, what)
        if message is None:
            raise ServeFailed(self._said(f"the livereload connection closed before the {what}"))
        if json.loads(message).get("command") != "reload":
            raise ServeFailed(self._said(f"livereload sent {message} before the {what}"))

    async def rebuilt(self) -> float | None:
        """The server's own time for the rebuild, which it says just before it tells browsers to reload;
        None if it said none that this reads (the reload, not this line, is what the benchmark waits for)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            found = [match for line in self.lines[self.seen:] if (match := _REBUILT.match(line))]
            if found:
                self.seen = self.lines.index(found[0].string, self.seen) + 1
                if not found[0].group(1).startswith("ok"):
                    raise ServeFailed(self._said(f"a rebuild failed: {found[0].string}"))
                return float(found[0].group(2))
            await asyncio.sleep(0.02)
        return None

    def _said(self, message: str) -> str:
        return message + ":\n" + "\n".join(self.lines[-20:])

    def stop(self) -> None:
        """Interrupt the server and its build workers (its process group), as Ctrl-C would; kill what lingers."""
        for signal_number in (signal.SIGINT, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, signal_number)  # the group's id is the server's: start_new_session
                self.process.wait(timeout=15)
            except ProcessLookupError:
                break  # none of the group is left
            except subprocess.TimeoutExpired:
                continue
        self.collector.join(5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder made by benchmarks/generate.py, built once")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    path = sorted((args.corpus / "content" / "incidents").glob("*/*.md"))[0]

    def edit() -> None:
        path.write_text(path.read_text(encoding="utf-8") + "\nA sentence added by the benchmark.\n", encoding="utf-8")

    said: list[str] = []
    timing = measure(args.corpus, {"body": (path, edit)}, args.repeats, said=said)["body"]
    print("serve started:", *(line for line in said if line.startswith(("built", "ready"))), sep="\n  ")
    print(f"body edit saved → reload: min {timing.minimum:.2f} s, median {timing.median:.2f} s "
          f"(the server's rebuilds: {timing.said_rebuilds})")


if __name__ == "__main__":
    main()
