"""`serve`, run as a user runs it: pages over HTTP, one rebuild per burst of edits, the last good build
kept while a file is broken."""

from __future__ import annotations

import asyncio
import html
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, front_matters, police_records

pytestmark = pytest.mark.slow  # a server in a process of its own for each test, waiting on its rebuilds

# What is served: forty real records of the police corpus (the test suite's own, so that no
# maintainer's change to the reference archive can break these tests), the first of which is edited.
RECORDS = 40
EDITED_ID = "al-birmingham-1"
EDITED = f"content/incidents/2020/{EDITED_ID}.md"
EDITED_PAGE = f"incidents/{EDITED_ID}/index.html"
BANNER = '<div id="incident-archive-problems"'
WAIT = 20.0  # seconds: generous, for a loaded CI machine; a healthy rebuild takes well under one


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`python build.py serve` in a child process, its output collected line by line."""

    def __init__(self, root, *args: str):
        self.root = root
        # A free port can be taken by another process (tests run side by side) before serve listens
        # on it: serve then says so and stops, and another port is tried.
        for _ in range(5):
            self.port, self.lines = free_port(), []
            self.process = subprocess.Popen(
                [sys.executable, str(REPO / "build.py"), "serve", "--root", str(root), "--port", str(self.port),
                 "--jobs", "1", *args],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.collector = threading.Thread(target=self._collect, daemon=True)
            self.collector.start()
            if self._started():
                return
        raise AssertionError("serve found no free port:\n" + "\n".join(self.lines))

    def _started(self) -> bool:
        try:
            self.wait_for_line("serving ")
            return True
        except AssertionError:
            self.process.wait(timeout=WAIT)
            self.collector.join(WAIT)
            if any(line.startswith(f"serve: cannot listen on 127.0.0.1:{self.port}") for line in self.lines):
                return False
            raise

    def _collect(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, start: str, after: int = 0) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            found = [line for line in self.lines[after:] if line.startswith(start)]
            if found:
                return found[0]
            assert self.process.poll() is None, "serve stopped:\n" + "\n".join(self.lines)
            time.sleep(0.05)
        raise AssertionError(f"no line starting {start!r} within {WAIT} s:\n" + "\n".join(self.lines))

    def get(self, path: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{path}", timeout=WAIT) as response:
            return response.read().decode("utf-8")

    def wait_for_page(self, path: str, text: str, shown: bool = True) -> str:
        """The page, once it shows the text (or, if not `shown`, once it no longer does)."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            page = self.get(path)
            if (text in page) == shown:
                return page
            time.sleep(0.1)
        raise AssertionError(f"{path} {'never showed' if shown else 'still shows'} {text!r}:\n" + "\n".join(self.lines))

    def rebuilds(self) -> list[str]:
        return [line for line in self.lines if line.startswith("rebuilt:")]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def served(tmp_path):
    server = Server(police_records(tmp_path / "archive", RECORDS))
    yield server
    server.stop()


def edit(root, relpath: str, old: str, new: str) -> None:
    path = root / relpath
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(root, relpath: str, key: str) -> str:
    """The record's `key: value` line, as its file gives it."""
    found = re.search(rf"(?m)^{key}:.*$", (root / relpath).read_text(encoding="utf-8"))
    assert found, f"no {key}: in {relpath}"
    return found.group(0)


def heading(root) -> str:
    """How the edited record's page heading starts: its title, as the file gives it."""
    title = front_matters(root)[EDITED_ID][0]["title"]
    return f"<h1>{html.escape(title.split()[0], quote=False)}"


def unrelated_page(output) -> Path:
    """An incident page that does not show the edited record: not its neighbour, not related to it."""
    pages = sorted(output.glob("incidents/*/index.html"))
    unrelated = [page for page in pages if page.parent.name != EDITED_ID
                 and f"/{EDITED_ID}/" not in page.read_text(encoding="utf-8")]
    assert unrelated, "every incident page shows the edited record"
    return unrelated[len(unrelated) // 2]


def test_an_edit_is_served_within_seconds_and_unrelated_pages_are_not_rewritten(served):
    assert heading(served.root) in served.get(EDITED_PAGE)
    unrelated = unrelated_page(served.root / "output")
    before = unrelated.stat().st_mtime_ns, unrelated.read_bytes()

    title = front_matters(served.root)[EDITED_ID][0]["title"]
    edit(served.root, EDITED, line_of(served.root, EDITED, "title"), f"title: {json.dumps('Edited: ' + title)}")
    edit(served.root, EDITED, "\n---\n", "\n---\nA sentence added while serving.\n\n")
    page = served.wait_for_page(EDITED_PAGE, "A sentence added while serving.")
    assert "<h1>Edited: " in page
    # serve prints its line after the new site is in place: the page can be served before it is printed.
    rebuilt = served.wait_for_line("rebuilt:")
    assert (unrelated.stat().st_mtime_ns, unrelated.read_bytes()) == before
    assert len(served.rebuilds()) == 1, served.lines
    # Its page, its two neighbours, and the lists, terms and places that show it.
    built = served.wait_for_line("built: ")
    rendered = int(rebuilt.split(", ")[1].split()[0])
    assert 0 < rendered <= int(built.split(", ")[1].split()[0]) // 3, served.lines


def test_serve_started_on_a_built_archive_applies_even_the_first_edit(tmp_path):
    root = police_records(tmp_path / "archive", RECORDS)
    built = subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--root", str(root)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    server = Server(root)
    try:
        server.wait_for_line("ready for quick edits")  # kept in the background, after it started at once
        edit(root, EDITED, "\n---\n", "\n---\nA first sentence added while serving.\n\n")
        served_page = server.wait_for_page(EDITED_PAGE, "A first sentence added while serving.")
        assert heading(root) in served_page
        assert "; the edited descriptions only)" in server.wait_for_line("rebuilt"), server.lines
    finally:
        server.stop()


def test_a_burst_of_edits_causes_one_rebuild(served):
    # Edits a tenth of a second apart for a second, as a git checkout or an editor's save-all
    # makes them: longer than a look for changes takes, shorter than the quiet time a rebuild waits for.
    for number in range(10):
        edit(served.root, EDITED, "\n---\n", f"\n---\nBurst edit {number}.\n\n")
        time.sleep(0.1)
    served.wait_for_page(EDITED_PAGE, "Burst edit 9.")
    served.wait_for_line("rebuilt:")  # printed after the page is in place
    # Then a while for a second rebuild, were one coming, to show itself: what is looked for here is
    # a line that must never come, so no condition can end the wait sooner.
    time.sleep(1.5)
    assert len(served.rebuilds()) == 1, served.lines


def test_while_a_file_is_broken_the_last_good_page_is_served_with_the_problem(served):
    good, its_heading = served.get(EDITED_PAGE), heading(served.root)
    date = line_of(served.root, EDITED, "date")
    edit(served.root, EDITED, date, date.replace("date: ", 'date: "', 1))  # an unclosed quote
    problem = f"<li><code>{EDITED}:"  # the problem, at its file and line (its words are test_yaml_messages.py's)
    page = served.wait_for_page(EDITED_PAGE, problem)
    assert its_heading in page  # the last good build's page, under the banner
    assert without_banner(page) == without_banner(good)
    served.wait_for_line("rebuilt: failed; still serving the last good build")

    edit(served.root, EDITED, date.replace("date: ", 'date: "', 1), date)
    assert served.wait_for_page(EDITED_PAGE, problem, shown=False) == good


def without_banner(page: str) -> str:
    """The page without the banner that lists the build's problems (warnings too), if it has one."""
    if BANNER not in page:
        return page
    start = page.index(BANNER)
    return page[:start] + page[page.index("</div>", start) + len("</div>"):]


def test_browsers_are_told_to_reload_after_a_rebuild(served):
    from tornado.websocket import websocket_connect

    async def reload_message() -> dict:
        connection = await websocket_connect(f"ws://127.0.0.1:{served.port}/livereload")
        connection.write_message(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
        assert json.loads(await connection.read_message())["command"] == "hello"
        connection.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{served.port}/"}))
        await asyncio.sleep(0.2)
        edit(served.root, EDITED, "\n---\n", "\n---\nReload me.\n\n")
        return json.loads(await asyncio.wait_for(connection.read_message(), WAIT))

    # In a thread of its own: another test's browser (Playwright) may keep an event loop running here.
    received = {}
    client = threading.Thread(target=lambda: received.update(message=asyncio.run(reload_message())))
    client.start()
    client.join(WAIT + 10)
    message = received["message"]
    assert message["command"] == "reload"
    assert "Reload me." in served.get(EDITED_PAGE)  # the reload comes after the rebuild, not before
    assert '<script src="/livereload.js"></script></head>' in served.get(EDITED_PAGE)


def test_it_listens_on_this_machine_only_by_default_and_reports_a_taken_port(served):
    assert served.wait_for_line("serving ").endswith(f"at http://127.0.0.1:{served.port}/ (Ctrl-C to stop)")
    taken = subprocess.run([sys.executable, str(REPO / "build.py"), "serve", "--root", str(served.root),
                            "--port", str(served.port)], capture_output=True, text=True, timeout=60)
    assert taken.returncode == 2
    assert f"serve: cannot listen on 127.0.0.1:{served.port}" in taken.stderr
    with pytest.raises(urllib.error.HTTPError) as missing:
        served.get("no/such/page/")
    assert missing.value.code == 404
