"""A pull request is untrusted: each family of hostile input, through the CLI, is refused at its place.

Every case here is refused by `check` and by `build` alike (a pull request that passes check must
never break publishing), with `path:line: field: message`, no traceback, exit 1, and the site that
was there before left exactly as it was. Families follow SECURITY.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, TINY_PNG, VALID_FRONT, ArchiveFolder
from site_walk import tree_digest
from test_check_problems import assert_reported

# Each parametrized test is a family of one kind of attack: the quick run tries its first case.
pytestmark = pytest.mark.first_case_quick

SECRET = "TOKEN-0f1e2d3c-never-to-be-published"


@pytest.fixture(scope="module")
def built_once(tmp_path_factory) -> Path:
    """An archive with one good record, built: a copy costs a tenth of a first build."""
    archive = ArchiveFolder(tmp_path_factory.mktemp("published") / "archive")
    archive.incident("good", body="A body.\n")
    code, output = archive.build()
    assert code == 0, output
    return archive.root


@pytest.fixture
def published(built_once, tmp_path) -> ArchiveFolder:
    """An archive with a good build in output/, and a secret beside it that no build may publish."""
    shutil.copytree(built_once, tmp_path / "archive", symlinks=True)
    archive = ArchiveFolder(tmp_path / "archive")
    code, output = archive.build()  # the cache knows its output folder by its path: now this copy's
    assert code == 0 and " 0 files written" in output, output
    (archive.root.parent / "outside").mkdir()
    (archive.root.parent / "outside" / "config").write_text(f"[credential]\n\ttoken = {SECRET}\n")
    archive.before = tree_digest(archive.output)
    return archive


def refused(archive: ArchiveFolder, expected: str) -> str:
    """check and build both fail with a problem line starting with `expected`; output/ is as it was."""
    for command in (archive.check, archive.build):
        code, output = command()
        assert code == 1, output
        assert "Traceback" not in output
        line = assert_reported(output, expected)
    assert tree_digest(archive.output) == archive.before
    assert_nothing_leaked(archive)
    return line


def assert_nothing_leaked(archive: ArchiveFolder) -> None:
    for folder in (archive.output, archive.root / ".cache"):
        for path in folder.rglob("*") if folder.is_dir() else ():
            if path.is_file() and not path.is_symlink():
                assert SECRET.encode() not in path.read_bytes(), path


# --- 1. Symbolic links, anywhere under the archive's inputs, roots included -----------------------

def _link(archive: ArchiveFolder, relpath: str, target) -> None:
    path = archive.root / relpath
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


OUTSIDE = "../outside"  # relative to the archive folder: the folder holding the secret


@pytest.mark.parametrize("relpath, target", [
    ("content/media", "../../outside"),
    ("content/pages", "../../outside"),
    ("content/incidents/2021", "../../../outside"),
    ("content/media/config.txt", "../../../outside/config"),
    ("content/media/sub", "../../../outside"),
    ("content/_index.md", "../../outside/config"),
    ("content/pages/about.md", "../../../outside/config"),
    ("content/media/environ.txt", "/proc/self/environ"),
])
def test_a_link_in_content_is_refused_wherever_it_is(published, relpath, target):
    _link(published, relpath, target)
    assert "symbolic link" in refused(published, f"{relpath}:1: file:")


def test_content_itself_as_a_link_is_refused(published):
    import shutil
    shutil.copytree(published.root / "content", published.root.parent / "outside" / "content")
    _link(published, "content", "../outside/content")
    assert "symbolic link" in refused(published, "content:1: file:")


def test_content_incidents_as_a_link_is_refused(published):
    _link(published, "content/incidents", "../../outside")
    assert "symbolic link" in refused(published, "content/incidents:1: file:")


@pytest.mark.parametrize("relpath", ["templates/static/style.css", "templates/base.html", "templates/static"])
def test_a_link_in_the_archives_theme_is_refused(published, relpath):
    _link(published, relpath, f"{'../' * relpath.count('/')}../outside/config")
    assert "symbolic link" in refused(published, f"{relpath}:1: template:")


def test_site_yaml_as_a_link_is_refused(published):
    (published.root.parent / "outside" / "site.yaml").write_text((published.root / "site.yaml").read_text())
    (published.root / "site.yaml").unlink()
    _link(published, "site.yaml", "../outside/site.yaml")
    assert "symbolic link" in refused(published, "site.yaml:1: file:")


def test_output_as_a_link_is_refused_and_nothing_is_written_through_it(archive, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("kept")
    archive.incident("good")
    archive.output.symlink_to(elsewhere)
    for command in (archive.check, archive.build):
        code, output = command()
        assert code == 1, output
        assert "symbolic link" in assert_reported(output, "output:1: output:")
    assert [path.name for path in elsewhere.iterdir()] == ["keep.txt"]


def test_a_cache_folder_that_is_a_link_is_not_used(archive, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    archive.incident("good")
    (archive.root / ".cache").symlink_to(elsewhere)
    code, output = archive.build()
    assert code == 0, output
    assert "warning: .cache/ is a symbolic link" in output
    assert list(elsewhere.iterdir()) == []


def test_a_cache_committed_to_git_is_not_used(archive):
    """A pull request can `git add -f .cache`: its rows would be trusted, so it is left alone."""
    archive.incident("good")
    assert archive.build()[0] == 0
    git = ["git", "-C", str(archive.root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-f", ".cache"], check=True)
    cached = {path: path.read_bytes() for path in (archive.root / ".cache").rglob("*") if path.is_file()}
    code, output = archive.build()
    assert code == 0, output
    assert "warning: .cache/ is tracked by git" in output
    assert {path: path.read_bytes() for path in cached} == cached  # not written, not deleted


# --- 3. Ordinary typos that used to raise ------------------------------------------------------------

@pytest.mark.parametrize("extra, expected, words", [
    ("sources: ['http://[oops/report']\n", "sources[1].url:", "not a valid web address"),
    ("sources: ['https://exa mple.org/report']\n", "sources[1].url:", "space"),
    ("sources: ['https://example.org:99999/']\n", "sources[1].url:", "not a valid web address"),
    ("sources: ['https://example.org:port/']\n", "sources[1].url:", "not a valid web address"),
    ("sources: ['https://user:pass@example.org/']\n", "sources[1].url:", "user name or password"),
    ("sources: [{url: 'https://example.org/', archived_url: 'https://[::1/'}]\n", "sources[1].archived_url:",
     "not a valid web address"),
])
def test_a_web_address_no_library_can_parse_is_a_problem(published, extra, expected, words):
    published.incident("x", VALID_FRONT.replace("sources: [https://example.org/a]\n", extra))
    assert words in refused(published, f"content/incidents/2022/x.md:6: {expected}")


@pytest.mark.parametrize("body, words", [
    ("[the report](http://[oops/report)", "not a valid web address"),
    ("![a map](http://[oops/map.png)", "not a valid web address"),
    ('<a href="http://[oops/">raw</a>', "not a valid web address"),
])
def test_a_body_address_no_library_can_parse_is_a_problem(published, body, words):
    published.incident("x", body=f"\n{body}\n")
    line = refused(published, "content/incidents/2022/x.md:9:")
    assert words in line


@pytest.mark.parametrize("base_url", ["https://exa mple.org/", "https://example.org:99999/", "https://[oops/",
                                      "https://example.org/archive/?x=1", "https:///archive/"])
def test_a_base_url_the_build_cannot_use_is_refused_by_check(published, base_url):
    published.write("site.yaml", f"title: T\nbase_url: '{base_url}'\n")
    refused(published, "site.yaml:2: base_url:")


def test_slugs_longer_than_a_file_name_may_be_are_refused(published):
    long = "a" * 150
    published.write(f"content/incidents/2022/{long}.md", f"---\n{VALID_FRONT}---\n")
    published.incident("x", VALID_FRONT + f"tags: [{long}]\nid: {'b' * 120}\n")
    published.incident("y", VALID_FRONT.replace("location: Bucha", f"location: {{name: Bucha, admin1: {long}, country: UA}}"))
    for command in (published.check, published.build):
        code, output = command()
        assert code == 1 and "Traceback" not in output
        assert "at most 100" in assert_reported(output, f"content/incidents/2022/{long}.md:1: id:")
        assert "at most 100" in assert_reported(output, "content/incidents/2022/x.md:7: tags[1]:")
        assert "at most 100" in assert_reported(output, "content/incidents/2022/x.md:8: id:")
        assert "at most 100" in assert_reported(output, "content/incidents/2022/y.md:4: location.admin1:")
    assert tree_digest(published.output) == published.before


@pytest.mark.parametrize("front, line, words", [
    ("title: " + "[" * 40 + "]" * 40 + "\n", 2, "nested more than"),
    ("title: &t [*t]\n", 2, "alias"),
    ("summary: &s x\ncontent_warning: *s\n", 3, "alias"),
    ("base: &base {title: Hello}\n<<: *base\n", 3, "alias"),
])
def test_yaml_shapes_that_used_to_crash_or_hang_are_problems(published, front, line, words):
    published.incident("x", VALID_FRONT.replace("title: A valid incident\n", "") + front)
    assert words in refused(published, "content/incidents/2022/x.md:")


def test_an_alias_bomb_is_refused_at_once(published):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n" for previous, name in zip("abcdefgh", "bcdefghi", strict=True))
    published.incident("x", VALID_FRONT + bomb)
    code, output = _cli_with_timeout(published, "check", seconds=60)
    assert code == 1 and "alias" in assert_reported(output, "content/incidents/2022/x.md:")


def test_site_yaml_alias_bomb_and_deep_nesting_are_refused(published):
    bomb = "anchors:\n  a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"  {name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n" for previous, name in zip("abcdefgh", "bcdefghi", strict=True))
    published.write("site.yaml", "title: T\n" + bomb)
    code, output = _cli_with_timeout(published, "build", seconds=60)
    assert code == 1 and "expands to more than" in assert_reported(output, "site.yaml:1: site.yaml:")
    published.write("site.yaml", "title: T\ndescription: " + "[" * 30 + "]" * 30 + "\n")
    assert "nested" in refused(published, "site.yaml:")


@pytest.mark.parametrize("title", ['"Escape \\e[31mred"', '"Nul \\0 byte"', '"Not a character \\uFFFE"',
                                   '"Bell \\a"', '"C1 \\x85 next line"'])
def test_a_control_character_written_as_an_escape_is_refused(published, title):
    published.incident("x", VALID_FRONT.replace("title: A valid incident", f"title: {title}"))
    line = refused(published, "content/incidents/2022/x.md:2: title:")
    assert "control character" in line and "\x1b" not in line and "\x00" not in line


@pytest.mark.parametrize("raw", [b"\x00", b"\x1b[2J", b"\x7f", "\u0085".encode(), "\ufffe".encode()])
def test_a_raw_control_character_in_a_file_is_refused_at_its_line(published, raw):
    published.write("content/incidents/2022/x.md", b"---\n" + VALID_FRONT.encode() + b"---\nLine 8\n\nLine 10 " + raw + b"\n")
    line = refused(published, "content/incidents/2022/x.md:10: file:")
    assert "control character" in line


def test_no_feed_is_ill_formed_whatever_the_title(published):
    """What passes check can be written into XML: every feed of a build parses."""
    import xml.etree.ElementTree as ElementTree
    published.incident("x", VALID_FRONT.replace("title: A valid incident", 'title: "Tab\\tand é, ← and \\u200f"'))
    assert published.build()[0] == 0
    for feed in published.output.rglob("*.xml"):
        ElementTree.parse(feed)


def _own_theme(archive: ArchiveFolder, template: str, text: str | bytes) -> None:
    default = (REPO / "templates" / template).read_text(encoding="utf-8")
    archive.write(f"templates/{template}", text(default) if callable(text) else text)


def test_a_template_that_raises_a_python_error_is_located(published):
    _own_theme(published, "incident.html", lambda text: text.replace("{% block main %}",
                                                                      "{% block main %}\n{% set x = 1 / 0 %}", 1))
    line = refused(published, "templates/incident.html:")
    assert "ZeroDivisionError" in line


def test_a_template_that_is_not_utf8_is_located(published):
    published.write("templates/page.html", b"{% extends 'base.html' %}\n\n{# caf\xe9 #}\n")
    assert "not UTF-8" in refused(published, "templates/page.html:3: template:")


@pytest.mark.slow  # two hundred incidents, built twice by worker processes
def test_an_error_in_a_worker_keeps_its_template_and_line(archive):
    for number in range(200):
        archive.incident(f"incident-{number}")
    assert archive.build("--jobs", "2")[0] == 0
    template = (REPO / "templates" / "incident.html").read_text(encoding="utf-8")
    archive.write("templates/incident.html", template.replace(
        "{% block main %}", "{% block main %}\n{{ 1 // (incident.title | length - incident.title | length) }}", 1))
    code, output = archive.build("--jobs", "2")
    assert code == 1 and "Traceback" not in output
    expected_line = template.splitlines().index(next(line for line in template.splitlines() if "{% block main %}" in line)) + 2
    assert "ZeroDivisionError" in assert_reported(output, f"templates/incident.html:{expected_line}: template:")


def test_a_file_name_that_is_not_utf8_is_reported_printably(published):
    name = os.fsencode(str(published.root / "content/incidents/2022")) + b"/caf\xe9.md"
    with open(name, "wb") as file:
        file.write(f"---\n{VALID_FRONT}---\n".encode())
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "check", "--root", str(published.root)],
                            capture_output=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert result.returncode == 1
    output = result.stdout.decode("utf-8") + result.stderr.decode("utf-8")
    assert "Traceback" not in output
    assert "not UTF-8" in assert_reported(output, "content/incidents/2022/caf\\udce9.md:1: file:")


@pytest.mark.parametrize("limit, words", [
    (300_000, "output: cannot be written: File too large"),  # the page does not fit; the cache does
    (4096, "cache: cannot be used"),  # not even the cache fits
])
def test_a_full_disk_is_a_problem_and_the_site_stays(published, limit, words):
    """RLIMIT_FSIZE makes every write past the limit fail, as a full disk does."""
    published.incident("long", body="A line of a very long description.\n" * 11_000)  # 385 KB
    script = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
              f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
              "from incident_archive.cli import main; sys.exit(main(sys.argv[1:]))")
    result = subprocess.run([sys.executable, "-c", script, "build", "--root", str(published.root)],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert words in output
    assert output.splitlines()[-1].startswith("build failed:")
    assert tree_digest(published.output) == published.before


def test_an_output_that_cannot_be_switched_is_a_problem_and_the_site_stays(published, monkeypatch):
    """A read-only folder, a disk gone: whatever the system refuses while switching is reported."""
    from incident_archive import writer

    def refused_by_the_system(*args):
        raise PermissionError(13, "Permission denied", str(published.output))

    published.incident("good", body="Changed.\n")
    monkeypatch.setattr(writer, "exchange", refused_by_the_system)
    code, output = published.build()
    assert code == 1 and "Traceback" not in output
    assert "Permission denied" in assert_reported(output, "output:1: output: cannot be written")
    assert tree_digest(published.output) == published.before
    monkeypatch.undo()
    assert published.build()[0] == 0
    assert "Changed." in (published.output / "incidents/good/index.html").read_text(encoding="utf-8")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_output_folder_is_a_problem_and_the_site_stays(published):
    published.incident("good", body="Changed.\n")
    folder = published.output / "incidents"
    folder.chmod(0o555)
    published.root.chmod(0o555)
    try:
        code, output = published.build()
    finally:
        published.root.chmod(0o755)
        folder.chmod(0o755)
    assert code == 1 and "Traceback" not in output
    assert "Permission denied" in output
    assert tree_digest(published.output) == published.before


def _cli_with_timeout(archive: ArchiveFolder, command: str, seconds: int) -> tuple[int, str]:
    result = subprocess.run([sys.executable, str(REPO / "build.py"), command, "--root", str(archive.root)],
                            capture_output=True, text=True, timeout=seconds)
    return result.returncode, result.stdout + result.stderr


# --- 5. Nothing a page loads comes from another host; nothing in media runs -----------------------

@pytest.mark.parametrize("body", [
    "![tracker](https://tracker.example/p.gif)",
    "![tracker](//tracker.example/p.gif)",
    '<img src="https://tracker.example/p.gif" alt="x">',
    '<img src="//tracker.example/p.gif" alt="x">',
    "![tracker][ref]\n\n[ref]: https://tracker.example/p.gif",
])
def test_an_image_from_another_host_is_an_error(published, body):
    published.incident("x", body=f"\n{body}\n")
    line = refused(published, "content/incidents/2022/x.md:")  # a reference image: the line of its address
    assert "another host" in line and ": image: " in line


def test_a_link_to_another_host_is_fine(published):
    published.incident("x", body="\n[a report](https://example.org/report) and <https://example.org/>\n")
    assert published.build()[0] == 0


class _Loads(__import__("html.parser").parser.HTMLParser):
    """The addresses a browser fetches by itself when it shows a page (not those a reader may click)."""

    LOADED = {("img", "src"), ("script", "src"), ("iframe", "src"), ("source", "src"), ("video", "src"),
              ("video", "poster"), ("audio", "src"), ("embed", "src"), ("object", "data"), ("input", "src")}
    FETCHED_LINKS = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest", "apple-touch-icon"}

    def __init__(self):
        super().__init__()
        self.loads: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.loads += [value for name, value in attrs if (tag, name) in self.LOADED and value]
        self.loads += [part.split()[0] for name, value in attrs if name == "srcset" and value for part in value.split(",")]
        if tag == "link" and set((attributes.get("rel") or "").split()) & self.FETCHED_LINKS:
            self.loads.append(attributes.get("href") or "")


def test_no_page_loads_anything_from_another_host(published):
    published.write("content/media/map.png", TINY_PNG)
    published.incident("x", body="\n[a report](https://example.org/report) ![a map](../../media/map.png)\n"
                                 '<a href="https://example.org/other">raw</a> <img src="../../media/map.png" alt="raw">\n')
    assert published.build()[0] == 0
    pages = list(published.output.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        parser = _Loads()
        parser.feed(page.read_text(encoding="utf-8"))
        for address in parser.loads:
            assert "//" not in address.split("#")[0] and not address.startswith(("data:", "javascript:")), (page, address)
    assert "../../media/map.png" in (published.output / "incidents/x/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name, data, words", [
    ("page.html", b"<script>alert(document.domain)</script>", "not published"),
    ("page.htm", b"<p>hi</p>", "not published"),
    ("code.js", b"alert(1)", "not published"),
    ("style.css", b"body{background:url(https://tracker.example/x)}", "not published"),
    ("map.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "script"),
    ("map.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "on"),
    ("map.svg", b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                b'<image xlink:href="https://tracker.example/x.png"/></svg>', "href"),
    ("archive.exe", b"MZ", "not published"),
    ("noextension", b"x", "not published"),
])
def test_active_content_in_media_is_refused(published, name, data, words):
    published.write(f"content/media/{name}", data)
    line = refused(published, f"content/media/{name}:")
    assert words in line


def test_a_plain_svg_is_published(published):
    published.write("content/media/map.svg", b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><circle r="1"/></svg>')
    published.incident("x", body="\n![a map](../../media/map.svg)\n")
    assert published.build()[0] == 0
    assert (published.output / "media/map.svg").is_file()


# --- 6. Numbers mean what a person wrote, or are refused -----------------------------------------------

def test_a_leading_zero_is_decimal_not_octal(archive):
    archive.incident("x", VALID_FRONT + "casualties: {killed: 010, injured: 0012}\n")
    assert archive.build()[0] == 0
    import json
    record = json.loads((archive.output / "incidents/x/index.json").read_text(encoding="utf-8"))
    assert record["casualties"] == {"killed": {"low": 10, "high": 10}, "injured": {"low": 12, "high": 12}}


@pytest.mark.parametrize("location, field", [
    ("{name: Bucha, lat: 50.5, lon: 1:30}", "location.lon"),
    ("{name: Bucha, lat: 0x1F, lon: 30}", "location.lat"),
    ("{name: Bucha, lat: .inf, lon: 30}", "location.lat"),
    ("{name: Bucha, lat: .nan, lon: 30}", "location.lat"),
])
def test_numbers_yaml_1_1_would_misread_are_refused(published, location, field):
    published.incident("x", VALID_FRONT.replace("location: Bucha", f"location: {location}"))
    refused(published, f"content/incidents/2022/x.md:4: {field}:")


@pytest.mark.parametrize("killed", ["1_000", "0x10", "1e3", "1:30", "99999999999999999999"])
def test_casualty_figures_yaml_would_misread_are_refused(published, killed):
    published.incident("x", VALID_FRONT + f"casualties: {{killed: {killed}}}\n")
    refused(published, "content/incidents/2022/x.md:")


def test_a_coarser_end_date_within_the_start_is_accepted(archive):
    archive.incident("x", VALID_FRONT + "date_end: 2022-03\n")
    assert archive.build()[0] == 0


def test_an_end_date_wholly_before_the_start_is_refused(published):
    published.incident("x", VALID_FRONT + "date_end: 2022-02\n")
    assert "before the date" in refused(published, "content/incidents/2022/x.md:7: date_end:")


# --- 7. Nothing left out without a word -----------------------------------------------------------

@pytest.mark.parametrize("body, words", [
    ("![missing](../../media/nope.png)", "there is no file"),
    ("![climbing out](../../media/../../site.yaml)", "outside content/"),
    ("[climbing out](../../../../outside/config)", "outside content/"),
    ("[not a record](../../../site.yaml)", "outside content/"),
    ("[not a record](../../pages/notes.txt)", "there is no file"),
    ('<img src="../../media/nope.png" alt="raw">', "there is no file"),
])
def test_links_to_nothing_or_out_of_the_archive_are_reported(published, body, words):
    published.incident("x", body=f"\n{body}\n")
    assert words in refused(published, "content/incidents/2022/x.md:9:")


@pytest.mark.parametrize("relpath, words", [
    ("content/incidents/2022/what?.md", "'?'"),
    ("content/incidents/2022/no#1.md", "'#'"),
    ("content/incidents/2022/100%.md", "'%'"),
    ("content/incidents/2022/back\\slash.md", "'\\\\'"),
    ("content/media/a#b.png", "'#'"),
    ("content/pages/q?.md", "'?'"),
    ("content/incidents/2022/CON.md", "Windows reserves"),
    ("content/incidents/2022/aux.md", "Windows reserves"),
    ("content/media/nul.png", "Windows reserves"),
    ("content/media/com1.txt", "Windows reserves"),
    ("content/incidents/2022/trailing.md.", "ends with a dot"),
    ("content/incidents/2022/pipe|name.md", "Windows does not allow"),
])
def test_file_names_that_break_links_or_checkouts_are_refused(published, relpath, words):
    published.write(relpath, f"---\n{VALID_FRONT}---\n")
    assert words in refused(published, f"{relpath}:1: file:")


def test_two_names_that_differ_only_in_case_are_refused(published):
    published.write("content/media/Map.png", b"\x89PNG")
    published.write("content/media/map.png", b"\x89PNG")
    assert "letter case" in refused(published, "content/media/map.png:1: file:")


@pytest.mark.parametrize("relpath, words", [
    ("content/pages/sub/page.md", "directly in content/pages/"),
    ("content/pages/about.txt", "must end in .md"),
    ("content/incidents/2022/x.markdown", "must end in .md"),
    ("content/x.md", "content/ holds"),
    ("content/incident/2022/x.md", "content/ holds"),
])
def test_files_the_build_would_not_read_are_reported(published, relpath, words):
    published.write(relpath, f"---\n{VALID_FRONT}---\n")
    assert words in refused(published, f"{relpath}:1: file:")


def test_previous_ids_may_not_be_a_reserved_name(published):
    published.incident("x", VALID_FRONT + "previous_ids: [page]\n")
    assert "reserved" in refused(published, "content/incidents/2022/x.md:7: previous_ids[1]:")


# --- 8. Slow on purpose -------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("body", ["[[" * 20_000, "[" * 40_000, "- " * 1 + "".join("  " * i + "- x\n" for i in range(300)),
                                  "> " * 3000 + "x", "<div>" * 20_000])
def test_hostile_bodies_finish_with_problems_or_pages(archive, body):
    """Each took minutes, or crashed; converting bodies is now linear in their size."""
    archive.incident("x", body=body)
    code, output = _cli_with_timeout(archive, "build", seconds=120)
    assert code in (0, 1), output
    assert "Traceback" not in output


def test_files_too_large_to_be_records_or_media_are_refused_unread(published):
    published.write("content/incidents/2022/huge.md", f"---\n{VALID_FRONT}---\n" + "x" * 600_000)
    (published.root / "content/media").mkdir()
    with open(published.root / "content/media/film.mp4", "wb") as sparse:  # 101 MB that take no disk
        sparse.truncate(101_000_000)
    for command in (published.check, published.build):
        code, output = command()
        assert code == 1 and "Traceback" not in output
        assert "at most 512 KB" in assert_reported(output, "content/incidents/2022/huge.md:1: file:")
        assert "at most 100.0 MB" in assert_reported(output, "content/media/film.mp4:1: media:")
    assert tree_digest(published.output) == published.before


# --- 9. CSV cells a spreadsheet would run ----------------------------------------------------------

def test_csv_cells_that_start_a_formula_are_neutralised(archive):
    import csv
    archive.incident("x", VALID_FRONT.replace("title: A valid incident", "title: '=HYPERLINK(\"https://evil.example\")'")
                     .replace("location: Bucha", "location: {name: '+Bucha', admin1: '@Kyiv', lat: -33.5, lon: -70.25}")
                     + "summary: '-1 dead'\ntags: ['=cmd']\n")
    assert archive.build()[0] == 0
    rows = list(csv.DictReader((archive.output / "data/incidents.csv").open(encoding="utf-8", newline="")))
    row = rows[0]
    assert row["title"] == "'=HYPERLINK(\"https://evil.example\")"
    assert row["location"] == "'+Bucha" and row["admin1"] == "'@Kyiv" and row["summary"] == "'-1 dead"
    assert row["tags"] == "'=cmd"
    assert row["latitude"] == "-33.5" and row["longitude"] == "-70.25"  # numbers are left as numbers
    for cell in (value for row in rows for value in row.values()):
        assert not cell.startswith(("=", "+", "@", "\t", "\r")) and not (cell.startswith("-") and not _number(cell))


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
