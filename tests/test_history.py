"""Each incident page lists the commits that changed its record, from git (following renames), and
the build stays deterministic, cheap and safe with git or without it."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import SITE_YAML, VALID_FRONT, ArchiveFolder, run_cli
from incident_archive import vcs
from site_walk import tree_digest

OLD = "content/incidents/2022/market-shelling.md"
NEW = "content/incidents/2022/central-market-shelling.md"
PAGE = "incidents/central-market-shelling/index.html"


def git(root: Path, *args: str, date: str = "2024-01-01T10:00:00") -> str:
    """git as a maintainer runs it, at a fixed date (author and committer), giving its output."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    stamp = date if date[-5] in "+-" else f"{date}+0000"
    environment |= {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, "GIT_CONFIG_NOSYSTEM": "1"}
    finished = subprocess.run(["git", "-C", str(root), "-c", "user.name=Maintainer", "-c", "user.email=m@example.org",
                               "-c", "commit.gpgSign=false", *args],
                              check=True, capture_output=True, env=environment)
    return finished.stdout.decode()


def repository(archive: ArchiveFolder) -> ArchiveFolder:
    """The archive in a git repository of its own, its build's folders ignored, nothing committed yet."""
    archive.write(".gitignore", "output/\n.cache/\n")
    git(archive.root, "init", "-q")
    return archive


@pytest.fixture
def renamed(archive) -> ArchiveFolder:
    """A record added, renamed with git mv, then edited: three commits, the oldest under its old name."""
    repository(archive)
    archive.incident("market-shelling")
    git(archive.root, "add", ".")
    git(archive.root, "commit", "-q", "-m", "Add the market shelling", date="2024-01-01T10:00:00")
    git(archive.root, "mv", OLD, NEW)
    git(archive.root, "commit", "-q", "-m", "Name the market in the file name", date="2024-02-03T11:30:00")
    archive.write(NEW, (archive.root / NEW).read_text(encoding="utf-8") + "A second source agrees.\n")
    git(archive.root, "commit", "-q", "-a", "-m", "Add what the second source says", date="2024-03-05T23:59:59")
    return archive


def history(page: Path) -> list[str] | None:
    """The page's history as lines of text (its tags removed), newest first; None without the section."""
    html = page.read_text(encoding="utf-8")
    section = re.search(r'<section aria-labelledby="record-history">(.*?)</section>', html, re.S)
    if section is None:
        return None
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", section.group(1), re.S)]


def commit_ids(root: Path) -> list[str]:
    return git(root, "log", "--format=%H").split()


def test_a_page_lists_every_commit_of_its_record_newest_first_across_a_rename(renamed):
    code, output = renamed.build()
    assert code == 0, output
    newest, middle, oldest = (commit_id[:10] for commit_id in commit_ids(renamed.root))
    assert history(renamed.output / PAGE) == [
        f"5 March 2024: Add what the second source says {newest}",
        f"3 February 2024: Name the market in the file name {middle}",
        f"1 January 2024: Add the market shelling {oldest}",  # from before the rename
    ]
    html = (renamed.output / PAGE).read_text(encoding="utf-8")
    assert '<time datetime="2024-03-05T23:59:59Z">5 March 2024</time>' in html  # the committer date, in UTC


def test_each_commit_links_to_the_repository_when_site_yaml_names_it(renamed):
    renamed.write("site.yaml", SITE_YAML + "repository: https://github.com/owner/archive\n")
    code, output = renamed.build()
    assert code == 0, output
    html = (renamed.output / PAGE).read_text(encoding="utf-8")
    links = re.findall(r'<a href="https://github.com/owner/archive/commit/([0-9a-f]+)" rel="noreferrer">', html)
    assert links == commit_ids(renamed.root)


def test_commit_dates_are_in_utc(archive):
    repository(archive)
    archive.incident("late")
    git(archive.root, "add", ".")
    git(archive.root, "commit", "-q", "-m", "Late in Kyiv", date="2024-01-01T01:30:00+0200")
    assert archive.build()[0] == 0
    html = (archive.output / "incidents/late/index.html").read_text(encoding="utf-8")
    assert '<time datetime="2023-12-31T23:30:00Z">31 December 2023</time>' in html


def test_an_archive_in_a_folder_of_its_repository_has_its_own_files_history(tmp_path):
    top = tmp_path / "repository"
    archive = ArchiveFolder(top / "archive")
    (top / ".gitignore").write_text("output/\n.cache/\n", encoding="utf-8")
    git(top, "init", "-q")
    archive.incident("market-shelling")
    (top / "content/incidents/2022").mkdir(parents=True)  # the same path, outside the archive
    (top / OLD).write_text("Not a record of this archive.\n", encoding="utf-8")
    git(top, "add", OLD)
    git(top, "commit", "-q", "-m", "Outside the archive")
    git(top, "add", ".")
    git(top, "commit", "-q", "-m", "The archive")
    assert archive.build()[0] == 0
    assert [line.split(": ", 1)[1].rsplit(" ", 1)[0]
            for line in history(archive.output / "incidents/market-shelling/index.html") or []] == ["The archive"]


def test_without_git_history_the_section_is_left_out_and_the_build_succeeds(renamed, tmp_path, monkeypatch):
    assert renamed.build()[0] == 0
    assert history(renamed.output / PAGE) is not None
    # A copy downloaded as a zip: no .git.
    copy = ArchiveFolder.__new__(ArchiveFolder)
    copy.root = tmp_path / "copy"
    shutil.copytree(renamed.root, copy.root, ignore=shutil.ignore_patterns(".git", "output", ".cache"))
    code, output = copy.build()
    assert code == 0, output
    assert history(copy.output / PAGE) is None
    # A shallow clone, as actions/checkout makes by default: its one commit would seem to add every file.
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{renamed.root}", str(shallow))
    code, output = run_cli("build", "--root", str(shallow))
    assert code == 0, output
    assert history(shallow / "output" / PAGE) is None
    # git not installed.
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    code, output = renamed.build("--clean")
    assert code == 0, output
    assert history(renamed.output / PAGE) is None


def test_a_record_not_committed_yet_has_no_history(renamed):
    renamed.incident("not-yet")
    code, output = renamed.build()
    assert code == 0, output
    assert history(renamed.output / "incidents/not-yet/index.html") is None
    assert len(history(renamed.output / PAGE) or []) == 3


@pytest.fixture
def git_calls(monkeypatch) -> list[tuple[str, ...]]:
    """Every git command the engine runs, in order (the arguments after git's own settings)."""
    calls: list[tuple[str, ...]] = []
    run = vcs.run_git

    def counted(root, args, timeout):
        calls.append(args)
        return run(root, args, timeout)

    monkeypatch.setattr(vcs, "run_git", counted)
    return calls


def _commands(calls: list[tuple[str, ...]]) -> list[str]:
    """The calls that ask for history (the cache also asks `git ls-files` whether git tracks it)."""
    return [args[0] for args in calls if args[0] != "ls-files"]


def test_git_log_runs_once_a_build_and_not_again_while_head_is_the_same_commit(archive, git_calls):
    repository(archive)
    for number in range(6):
        archive.incident(f"record-{number}")
    git(archive.root, "add", ".")
    git(archive.root, "commit", "-q", "-m", "Six records")
    archive.incident("record-0", body="Edited.\n")
    git(archive.root, "commit", "-q", "-a", "-m", "An edit")
    assert archive.build()[0] == 0
    assert _commands(git_calls) == ["rev-parse", "log"]  # one log for six records
    git_calls.clear()
    assert archive.build()[0] == 0
    assert _commands(git_calls) == ["rev-parse"]  # nothing changed: nothing else asked
    git_calls.clear()
    archive.incident("record-1", body="Edited, not committed.\n")
    code, output = archive.build()
    assert code == 0, output
    assert _commands(git_calls) == ["rev-parse"]  # pages rendered again, their histories from the cache
    assert "Edited, not committed." in (archive.output / "incidents/record-1/index.html").read_text(encoding="utf-8")
    git(archive.root, "commit", "-q", "-a", "-m", "Another edit")
    git_calls.clear()
    assert archive.build()[0] == 0
    assert _commands(git_calls) == ["rev-parse", "log"]  # a new HEAD: asked once more


def test_a_failed_git_log_means_no_history_and_is_asked_again(renamed, monkeypatch):
    run = vcs.run_git

    def timing_out(root, args, timeout):
        if args[0] == "log":
            raise subprocess.TimeoutExpired(["git", *args], timeout)
        return run(root, args, timeout)

    monkeypatch.setattr(vcs, "run_git", timing_out)
    code, output = renamed.build()
    assert code == 0, output
    assert history(renamed.output / PAGE) is None
    monkeypatch.setattr(vcs, "run_git", run)
    renamed.incident("another")  # so that the build does not stop at "nothing changed"
    assert renamed.build()[0] == 0
    assert len(history(renamed.output / PAGE) or []) == 3


def test_a_commit_renders_the_page_again_as_a_clean_build_would(renamed, tmp_path):
    renamed.write(NEW, (renamed.root / NEW).read_text(encoding="utf-8") + "A third source.\n")
    assert renamed.build()[0] == 0  # the edit, not committed yet
    assert len(history(renamed.output / PAGE) or []) == 3
    git(renamed.root, "commit", "-q", "-a", "-m", "Add the third source", date="2024-04-01T09:00:00")
    code, output = renamed.build()  # no file changed: only the history did
    assert code == 0, output
    assert (history(renamed.output / PAGE) or [""])[0].startswith("1 April 2024: Add the third source")
    clean = tmp_path / "clean"
    assert run_cli("build", "--root", str(renamed.root), "--clean", "--out", str(clean))[0] == 0
    assert tree_digest(renamed.output) == tree_digest(clean)


def test_a_damaged_history_in_the_cache_is_discarded(renamed, tmp_path):
    assert renamed.build()[0] == 0
    with sqlite3.connect(renamed.root / ".cache/incident-archive.sqlite") as db:
        blob = db.execute("SELECT histories FROM history").fetchone()[0]
        db.execute("UPDATE history SET histories = ?", (blob.replace(b"Add the market", b"Add THE market"),))
    db.close()
    renamed.incident("another")  # so that the build does not stop at "nothing changed"
    code, output = renamed.build()
    assert code == 0, output
    assert "was damaged" in output
    assert "Add the market shelling" in (renamed.output / PAGE).read_text(encoding="utf-8")


def test_two_builds_of_one_commit_are_byte_identical(renamed, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    assert run_cli("build", "--root", str(renamed.root), "--out", str(first), "--jobs", "1")[0] == 0
    assert run_cli("build", "--root", str(renamed.root), "--out", str(second), "--clean", "--jobs", "2")[0] == 0
    assert history(first / PAGE) is not None
    assert tree_digest(first) == tree_digest(second)


def test_a_page_lists_the_newest_commits_and_counts_the_rest(archive, monkeypatch):
    monkeypatch.setattr(vcs, "SHOWN_COMMITS", 2)
    repository(archive)
    for number in range(4):
        archive.incident("often", body=f"Version {number}.\n")
        git(archive.root, "add", ".")
        git(archive.root, "commit", "-q", "-m", f"Version {number}", date=f"2024-01-0{number + 1}T10:00:00")
    assert archive.build()[0] == 0
    page = archive.output / "incidents/often/index.html"
    assert [line.split(": ")[1].split(" ")[:2] for line in history(page) or []] == [["Version", "3"], ["Version", "2"]]
    assert "2 earlier changes to this record are in the archive's repository." in page.read_text(encoding="utf-8")


def test_a_history_starts_where_its_file_was_added(archive):
    """A deleted record's commits are not given to a later record of the same name."""
    repository(archive)
    archive.incident("first", body="First.\n")
    archive.incident("second", body="Second.\n")
    git(archive.root, "add", ".")
    git(archive.root, "commit", "-q", "-m", "Both")
    git(archive.root, "rm", "-q", "content/incidents/2022/first.md")
    git(archive.root, "commit", "-q", "-m", "First removed")
    archive.incident("first", front=VALID_FRONT.replace("A valid incident", "Another incident"), body="New.\n")
    git(archive.root, "add", ".")
    git(archive.root, "commit", "-q", "-m", "A new first")
    git(archive.root, "mv", "content/incidents/2022/first.md", "content/incidents/2022/renamed.md")
    git(archive.root, "commit", "-q", "-m", "Renamed")
    assert archive.build()[0] == 0
    messages = {name: [line.split(": ", 1)[1].rsplit(" ", 1)[0] for line in history(
        archive.output / f"incidents/{name}/index.html") or []] for name in ("renamed", "second")}
    assert messages == {"renamed": ["Renamed", "A new first"], "second": ["Both"]}


def test_commit_messages_and_file_names_are_text(archive):
    repository(archive)
    name = "caf\u00e9 & 'spaced'"  # git would quote it but for -z
    path = archive.write(f"content/incidents/2022/{name}.md", f"---\nid: odd-name\n{VALID_FRONT}---\nA body.\n")
    git(archive.root, "add", ".")
    git(archive.root, "commit", "-q", "-m", "<script>alert(1)</script>\x1b[31m \u202eevil & <b>bold</b>")
    code, output = archive.build()
    assert code == 0, output
    html = (archive.output / "incidents/odd-name/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html and "\x1b" not in html
    assert (history(archive.output / "incidents/odd-name/index.html") or [""])[0].startswith("1 January 2024:")
    assert (archive.root / path).exists()


def test_git_settings_in_the_repository_run_nothing(renamed, tmp_path):
    """A downloaded archive's .git/config may name programs for git to run: the build runs none of them."""
    marker = tmp_path / "ran"
    program = tmp_path / "program.sh"
    program.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n", encoding="utf-8")
    program.chmod(0o755)
    git(renamed.root, "config", "core.fsmonitor", str(program))
    git(renamed.root, "config", "log.showSignature", "true")
    git(renamed.root, "config", "gpg.program", str(program))
    git(renamed.root, "config", "core.pager", str(program))
    _sign_head(renamed.root)
    code, output = run_cli("check", "--root", str(renamed.root))
    assert code == 0, output
    code, output = renamed.build()
    assert code == 0, output
    assert not marker.exists()
    assert len(history(renamed.output / PAGE) or []) == 3
    # The trap works: git run as usual runs the program.
    subprocess.run(["git", "-C", str(renamed.root), "log", "-1"], capture_output=True)
    subprocess.run(["git", "-C", str(renamed.root), "diff", "HEAD"], capture_output=True)
    assert marker.exists()


def _sign_head(root: Path) -> None:
    """Give HEAD a (bogus) signature, so that a git showing signatures calls gpg.program."""
    text = git(root, "cat-file", "commit", "HEAD")
    headers, _, message = text.partition("\n\n")
    signed = (f"{headers}\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n AAAA\n -----END PGP SIGNATURE-----\n"
              f"\n{message}")
    new = subprocess.run(["git", "-C", str(root), "hash-object", "-t", "commit", "-w", "--stdin"],
                         input=signed.encode(), capture_output=True, check=True).stdout.decode().strip()
    git(root, "update-ref", "HEAD", new)


def test_site_yaml_can_turn_the_history_off_and_no_commit_message_is_published(renamed):
    """For an archive whose repository is private and its site public: commit messages stay in the repository."""
    messages = git(renamed.root, "log", "--format=%s").splitlines()
    assert renamed.build()[0] == 0
    published = b"".join(path.read_bytes() for path in renamed.output.rglob("*") if path.is_file())
    assert all(message.encode() in published for message in messages)  # the premise: shown by default
    renamed.write("site.yaml", (renamed.root / "site.yaml").read_text(encoding="utf-8") + "history: false\n")
    code, output = renamed.build()
    assert code == 0, output
    assert history(renamed.output / PAGE) is None
    published = b"".join(path.read_bytes() for path in renamed.output.rglob("*") if path.is_file())
    assert [message for message in messages if message.encode() in published] == []
