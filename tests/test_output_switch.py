"""output/ is switched whole: a build killed at any moment leaves exactly the old site or exactly the new one.

The kills are real (SIGKILL, which gives the build no chance to clean up), on 200 records of the
police corpus: a build of them has every stage a large build has, each long enough to be hit. A
small program runs the CLI with one of the writer's steps wrapped so that the process kills itself
there, before, during or after the switch; other runs are killed after a delay. After each kill,
output/ must be one of the two sites, and the next build must finish the job and leave no staging
folder anywhere.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, police_records, run_cli
from site_walk import tree_digest

# Run the CLI, killing the build (SIGKILL) the Nth time `module.function` is called, before or
# after the call itself. In a worker process, the count is the worker's own, and the worker kills
# the build, then ends itself as a worker of a killed build would.
KILLER = """
import os, signal, sys
sys.path.insert(0, {repo!r})
from incident_archive import cli, {module}
target, nth, when, build = {module}.{function}, {nth}, {when!r}, os.getpid()
calls = [0]
def kill():
    os.kill(build, signal.SIGKILL)
    os._exit(1)
def wrapped(*args, **kwargs):
    calls[0] += 1
    if calls[0] == nth and when == "before":
        kill()
    result = target(*args, **kwargs)
    if calls[0] == nth and when == "after":
        kill()
    return result
setattr({module}, {function!r}, wrapped)
sys.exit(cli.main(sys.argv[1:]))
"""

# (module, function, which call, before or after it)
KILL_POINTS = [
    ("writer", "exchange", 1, "before"),  # the new site is complete in the spare, not yet switched
    ("writer", "exchange", 1, "after"),  # switched, the cache not yet told
    ("writer", "write_file", 1, "after"),  # the first changed file written into the spare
    ("writer", "link_file", 1, "before"),  # the spare being brought up to date
    ("writer", "remove_file", 1, "before"),
    ("writer", "strays", 1, "after"),
]


@pytest.fixture(scope="module")
def police(tmp_path_factory) -> Path:
    root = police_records(tmp_path_factory.mktemp("switch") / "archive", 200)
    code, output = run_cli("build", "--root", str(root))
    assert code == 0, output
    return root


def _edit(root: Path, marker: str) -> None:
    """Change two records (a body and a front matter) and remove one, so that pages change, appear and go."""
    records = sorted((root / "content/incidents").rglob("*.md"))
    for path in records[:2]:
        text = path.read_text(encoding="utf-8").split("\n\nMarker:")[0]
        path.write_text(text + (f"\n\nMarker: {marker}\n" if marker == "edited" else ""), encoding="utf-8")
    parked, where = root / "parked.md", root / "parked-from.txt"
    if marker == "edited":
        where.write_text(str(records[-1]), encoding="utf-8")
        shutil.move(records[-1], parked)
    elif parked.exists():
        shutil.move(parked, where.read_text(encoding="utf-8"))
        where.unlink()


def _kill_run(root: Path, module: str, function: str, nth: int, when: str) -> tuple[int, str]:
    """The killed build's exit code, and what it printed (which says why, if it was not killed)."""
    program = KILLER.format(repo=str(REPO), module=module, function=function, nth=nth, when=when)
    result = subprocess.run([sys.executable, "-c", program, "build", "--root", str(root)],
                            capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout + result.stderr


def _wait_for_its_workers(root: Path) -> None:
    """Until the workers of a build killed while rendering have ended: each ends after the page in
    hand, and until then holds the output folder's lock (inherited when it was forked), so that a
    build started at once would be refused as "another build is writing"."""
    import fcntl

    from incident_archive import writer

    deadline = time.monotonic() + 60
    with open(writer.places(root / "output", root / ".cache").lock, "a") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(lock, fcntl.LOCK_UN)
                return
            except BlockingIOError:
                assert time.monotonic() < deadline, "the killed build's workers hold the lock a minute on"
                time.sleep(0.01)


def _leftovers(root: Path) -> list[str]:
    found = [path.name for path in root.iterdir() if path.name.startswith(".output.")]
    sites = root / ".cache" / "sites"
    found += [path.name for path in sites.iterdir() if ".new-" in path.name] if sites.is_dir() else []
    return found


def _two_sites(root: Path) -> tuple[dict, dict]:
    """(the site as built now, the site after the edit), both built here in full.

    Built once for each state of the archive's files (the kill points start from the same one):
    the same files make the same site, which the tests of incremental builds check.
    """
    old = tree_digest(root / "output")
    inputs = tuple(sorted(tree_digest(root / "content").items())), (root / "site.yaml").read_bytes()
    if inputs not in _sites_after_the_edit:
        _sites_after_the_edit[inputs] = _site_after_the_edit(root)
    return old, _sites_after_the_edit[inputs]


_sites_after_the_edit: dict[tuple, dict] = {}


def _site_after_the_edit(root: Path) -> dict:
    scratch = root.parent / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(root, scratch, ignore=shutil.ignore_patterns("output", ".cache", "parked*"), symlinks=True)
    _edit(scratch, "edited")
    code, output = run_cli("build", "--root", str(scratch))
    assert code == 0, output
    new = tree_digest(scratch / "output")
    shutil.rmtree(scratch)
    return new


def _edit_another(root: Path, text: str) -> None:
    """A change the other edit does not touch, made and built first: the spare then differs from the
    live site, and the next build links files into it as well as writing them."""
    path = sorted((root / "content/incidents").rglob("*.md"))[10]
    body = path.read_text(encoding="utf-8").split("\n\nAnother change:")[0]
    path.write_text(body + (f"\n\nAnother change: {text}\n" if text else ""), encoding="utf-8")


@pytest.mark.slow  # each builds the archive five times, some in processes of their own
@pytest.mark.parametrize("module, function, nth, when", KILL_POINTS)
def test_a_build_killed_in_the_write_stage_leaves_one_whole_site(police, module, function, nth, when):
    _edit_another(police, "made before the kill")
    assert run_cli("build", "--root", str(police))[0] == 0
    old, new = _two_sites(police)
    _edit(police, "edited")
    try:
        code, printed = _kill_run(police, module, function, nth, when)
        assert code == -signal.SIGKILL, f"the build was not killed: the kill point was never reached:\n{printed}"
        now = tree_digest(police / "output")
        assert now in (old, new), "output/ holds a mix of the old and new sites"
        code, output = run_cli("build", "--root", str(police))
        assert code == 0, output
        assert tree_digest(police / "output") == new
        assert _leftovers(police) == []
    finally:
        _edit(police, "restored")
        _edit_another(police, "")
        code, output = run_cli("build", "--root", str(police))
        assert code == 0, output


@pytest.mark.slow
def test_builds_killed_after_a_delay_leave_one_whole_site(police):
    """Kills at spread-out moments of a real build, whatever it is doing then."""
    old, new = _two_sites(police)
    started = time.perf_counter()
    _edit(police, "edited")
    assert run_cli("build", "--root", str(police))[0] == 0
    duration = time.perf_counter() - started
    _edit(police, "restored")
    assert run_cli("build", "--root", str(police))[0] == 0
    for fraction in (0.15, 0.5, 0.8, 0.95):
        _edit(police, "edited")
        process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "build", "--root", str(police)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        _wait_for_its_workers(police)
        assert tree_digest(police / "output") in (old, new), f"a mix after a kill at {fraction:.0%}"
        code, output = run_cli("build", "--root", str(police))
        assert code == 0, output
        assert tree_digest(police / "output") == new
        assert _leftovers(police) == []
        _edit(police, "restored")
        assert run_cli("build", "--root", str(police))[0] == 0


@pytest.mark.slow
def test_a_ctrl_c_leaves_the_old_site(police, monkeypatch):
    from incident_archive import writer
    old = tree_digest(police / "output")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    _edit(police, "edited")
    try:
        monkeypatch.setattr(writer, "exchange", interrupted)
        with pytest.raises(KeyboardInterrupt):
            run_cli("build", "--root", str(police))
        assert tree_digest(police / "output") == old
        monkeypatch.undo()
        assert run_cli("build", "--root", str(police))[0] == 0
        assert _leftovers(police) == []
    finally:
        _edit(police, "restored")
        assert run_cli("build", "--root", str(police))[0] == 0


def test_a_file_no_build_made_is_removed(archive):
    archive.incident("x")
    assert archive.build()[0] == 0
    (archive.output / "stray.html").write_text("not ours")
    (archive.output / "incidents" / "junk").mkdir()
    (archive.output / "incidents" / "junk" / "x.txt").write_text("not ours")
    assert archive.build()[0] == 0
    assert not (archive.output / "stray.html").exists()
    assert not (archive.output / "incidents" / "junk").exists()
    archive.incident("x", body="Edited.\n")  # the old site, strays and all, is now the spare
    assert archive.build()[0] == 0
    assert not (archive.output / "stray.html").exists()
    assert not (archive.output / "incidents" / "junk").exists()


def test_a_stale_staging_folder_from_an_older_engine_is_removed(archive):
    archive.incident("x")
    leftover = archive.root / ".output.new-abc123"
    (leftover / "incidents").mkdir(parents=True)
    (leftover / "incidents" / "page.html").write_text("half a site")
    assert archive.build()[0] == 0
    assert not leftover.exists()


def test_unchanged_files_keep_their_time_and_changed_ones_are_new(archive):
    archive.incident("x")
    archive.incident("y", body="Before.\n")
    assert archive.build()[0] == 0
    untouched = archive.output / "incidents" / "x" / "index.json"
    before = untouched.stat().st_mtime_ns
    archive.incident("y", body="After.\n")
    time.sleep(0.01)
    assert archive.build()[0] == 0
    assert untouched.stat().st_mtime_ns == before
    assert "After." in (archive.output / "incidents" / "y" / "index.html").read_text(encoding="utf-8")


def test_another_build_writing_the_same_output_is_refused(archive):
    import fcntl

    from incident_archive import writer
    archive.incident("x")
    assert archive.build()[0] == 0
    places = writer.places(archive.output, archive.root / ".cache")
    with open(places.lock, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        archive.incident("x", body="Edited.\n")
        code, output = archive.build()
    assert code == 1
    assert "another build is writing" in output


@pytest.mark.skipif(os.name != "posix", reason="POSIX file systems")
def test_the_switch_is_one_rename_where_the_system_allows(archive, monkeypatch):
    """On Linux, renameat2(RENAME_EXCHANGE): output/ never stops existing, even for a moment."""
    from incident_archive import writer
    calls = []
    monkeypatch.setattr(os, "rename", lambda *args: calls.append(args) or os.replace(*args))
    archive.incident("x")
    assert archive.build()[0] == 0
    archive.incident("x", body="Edited.\n")
    assert writer._exchange_at_once is not None
    assert archive.build()[0] == 0
    if sys.platform.startswith("linux"):
        assert not any(Path(source) == archive.output for source, *_ in calls)
