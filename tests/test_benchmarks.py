"""The benchmarks measure what they say: the search page's first load as its page names it, the
Markdown floor with the build's own link table, and serve's reload, on small generated corpora."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO
from incident_archive.markup import Converter

sys.path.insert(0, str(REPO / "benchmarks"))  # a folder of scripts, not a package
import markdown_floor
import search_first_load
import serve_reload
from generate import generate


def build(root) -> None:
    subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--root", str(root), "--jobs", "1"],
                   check=True, capture_output=True, timeout=300)


def write(root, files: dict[str, str]) -> None:
    for relpath, text in files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(text, encoding="utf-8")


def test_the_first_load_is_the_page_and_the_scripts_it_names_and_the_rest_is_listed_apart(tmp_path):
    write(tmp_path, {
        "search/index.html": '<html><head><script defer src="../static/search.js"></script>'
                             '<script defer src="head.js?v=1"></script></head><body><script>inline()</script></body></html>',
        "static/search.js": "load('text-' + n + '.js');",  # a name made at run time: not a name
        "search/head.js": 'head({"part": "records-{part}.js", "text": ["text-0.js", "text-1.js"], "no": "gone.js"})',
        "search/records-2024.js": "x" * 300,
        "search/records-2025.js": "y" * 200,
        "search/text-0.js": "t",
        "search/text-1.js": "u",
        "search/extra.js": "e",
    })
    first = search_first_load.measure(tmp_path)
    assert [file.path for file in first.loaded] == ["search/index.html", "static/search.js", "search/head.js"]
    assert first.raw == sum((tmp_path / file.path).stat().st_size for file in first.loaded)
    assert 0 < first.gzipped
    named = first.named["search/head.js"]
    assert [file.path for file in named["records-{part}.js"]] == ["search/records-2024.js", "search/records-2025.js"]
    assert [file.path for file in named[""]] == ["search/text-0.js", "search/text-1.js"]
    assert [file.path for file in first.others] == ["search/extra.js"]
    described = "\n".join(search_first_load.describe(first))
    assert "search/head.js names records-{part}.js" in described
    assert "the largest search/records-2024.js" in described


def test_the_markdown_floor_converts_every_body_as_the_build_does(tmp_path):
    generate(tmp_path, 60)  # enough for a few [[id]] links, which a link table unlike the build's would not resolve alike
    build(tmp_path)
    converter = Converter(markdown_floor.link_table(tmp_path))
    for document, body in markdown_floor.bodies_of(tmp_path):
        html = converter.convert(document, body)[1]
        assert html in (tmp_path / "output" / document.page_dir / "index.html").read_text(encoding="utf-8")
    floor = markdown_floor.measure(tmp_path)
    assert floor.bodies == 60
    assert floor.problems == 0
    assert floor.project_seconds > 0 and floor.bare_seconds > 0


@pytest.mark.slow  # a server in a process of its own, waiting on its rebuilds
def test_serve_reload_times_each_edit_and_leaves_the_file_as_it_was(tmp_path):
    generate(tmp_path, 20)
    build(tmp_path)
    path = sorted((tmp_path / "content" / "incidents").glob("*/*.md"))[0]
    original = path.read_text(encoding="utf-8")

    def edit():
        path.write_text(original + "\nA sentence.\n", encoding="utf-8")

    timing = serve_reload.measure(tmp_path, {"body": (path, edit)}, repeats=2, extra=("--jobs", "1"))["body"]
    assert len(timing.reloads) == len(timing.rebuilds) == 2
    # The quiet wait comes before each rebuild, and the reload after it.
    assert all(rebuild is not None and reload > rebuild + serve_quiet()
               for reload, rebuild in zip(timing.reloads, timing.rebuilds, strict=True))
    assert path.read_text(encoding="utf-8") == original


def serve_quiet() -> float:
    from incident_archive.server import QUIET_SECONDS

    return QUIET_SECONDS
