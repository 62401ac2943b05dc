"""Incremental and parallel builds give the very bytes of a clean, single-process build."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import run_cli
from incident_archive import parallel, pipeline
from site_walk import tree_digest


def _replace(root: Path, relpath: str, old: str, new: str) -> None:
    path = root / relpath
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relpath}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


MARKET = "content/incidents/2022/market-day.md"
RIVER = "content/incidents/2022/river-crossing.md"

# Each edit a maintainer might merge, applied one after another to the same archive.
EDITS = [
    ("a body", lambda root: _replace(root, MARKET, "Sources disagree", "Two sources disagree")),
    ("a date", lambda root: _replace(root, MARKET, "date: 2022-03\n", "date: 2022-03-20\n")),
    ("a status", lambda root: _replace(root, MARKET, "status: contested", "status: corroborated")),
    ("a category", lambda root: _replace(root, RIVER, "categories: [Shelling]", "categories: [Detention]")),
    ("coordinates that maps draw", lambda root: _replace(root, RIVER, "  lon: 30.25\n", "  lon: 30.75\n")),
    ("a title that other pages show", lambda root: _replace(root, RIVER, "title: Shelling near", "title: Shelling at")),
    ("a rename", lambda root: (
        (root / MARKET).rename(root / "content/incidents/2022/central-market.md"),
        _replace(root, "content/incidents/2022/central-market.md", "title: Market day\n",
                 "title: Market day\nprevious_ids: [market-day]\n"),
        _replace(root, RIVER, "(market-day.md", "(central-market.md"),
    )),
    ("a new incident", lambda root: (root / "content/incidents/2021/new-one.md").write_text(
        "---\ntitle: A new one\ndate: 2021-07-01\nlocation: {name: Port, country: UA}\nstatus: reported\n"
        "categories: [Detention]\nsources: [https://example.org/new]\n---\nSee [[river-crossing]].\n", encoding="utf-8")),
    ("a deletion", lambda root: (root / "content/incidents/2021/rumour.md").unlink()),
    ("a draft published", lambda root: _replace(root, "content/incidents/2022/unfinished.md", "draft: true\n", "")),
    ("a page", lambda root: (root / "content/pages/about.md").write_text(
        (root / "content/pages/about.md").read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")),
    ("a template", lambda root: _override_template(root)),
    ("site.yaml", lambda root: _replace(root, "site.yaml", "title: Fixture archive", "title: Fixture archive, renamed")),
    ("a media file", lambda root: (root / "content/media/map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"></svg>\n', encoding="utf-8")),
]


def _override_template(root: Path) -> None:
    """The archive's own templates/ starts overriding the theme's footer."""
    theme = Path(pipeline.__file__).resolve().parent.parent / "templates"
    (root / "templates").mkdir(exist_ok=True)
    text = (theme / "base.html").read_text(encoding="utf-8")
    assert "Every record cites its sources." in text
    (root / "templates" / "base.html").write_text(text.replace("Every record cites its sources.",
                                                               "Every record here cites its sources."), encoding="utf-8")


def _clean_build(root: Path, scratch: Path) -> dict[str, str]:
    """A build from nothing: a fresh copy of the archive, no cache, one process.

    Made once for each state of the archive's files in this test session (the same edits are made
    with one worker and with two): a clean build of the same files is the same site.
    """
    inputs = tuple(sorted(tree_digest(root, skip=("output", ".cache")).items()))
    if inputs not in _clean_sites:
        _clean_sites[inputs] = _build_from_nothing(root, scratch)
    return _clean_sites[inputs]


_clean_sites: dict[tuple, dict[str, str]] = {}


def _build_from_nothing(root: Path, scratch: Path) -> dict[str, str]:
    copy = scratch / "clean"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("output", ".cache"))
    code, output = run_cli("build", "--root", str(copy), "--jobs", "1", "--clean")
    assert code == 0, output
    return tree_digest(copy / "output")


@pytest.mark.slow  # fourteen edits, each built twice
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_incremental_build_after_each_edit_equals_a_clean_build(minimal, tmp_path, monkeypatch, jobs):
    monkeypatch.setattr(parallel, "MIN_ITEMS_PER_WORKER", 1)  # so that even this small archive uses workers
    code, output = minimal.build("--jobs", jobs)
    assert code == 0, output
    for name, edit in EDITS:
        edit(minimal.root)
        code, output = minimal.build("--jobs", jobs)
        assert code == 0, f"after {name}: {output}"
        assert tree_digest(minimal.output) == _clean_build(minimal.root, tmp_path), f"after {name}"
    assert not list(minimal.root.glob(".output.*")), "a staging folder was left behind"


def test_a_parallel_build_equals_a_single_process_build(built_corpus, built_corpus_in_one_process):
    assert tree_digest(built_corpus_in_one_process) == tree_digest(built_corpus)
    pages = len(list((built_corpus / "incidents").glob("*/index.html")))
    assert parallel.MIN_ITEMS_PER_WORKER * 2 < pages  # the corpus is large enough for two workers


def _mtimes(folder: Path) -> dict[str, int]:
    return {path.relative_to(folder).as_posix(): path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()}


def test_a_body_edit_renders_the_files_that_hold_the_body_and_leaves_every_other_file_alone(minimal):
    assert minimal.build()[0] == 0
    before = _mtimes(minimal.output)
    _replace(minimal.root, MARKET, "Sources disagree", "Two sources disagree")
    result = pipeline.build(minimal.root)
    assert not result.errors
    # Its page, its own JSON (with the description) and the search index's share of body words.
    body_files = {"incidents/market-day/index.html", "incidents/market-day/index.json", "search/text-0.js"}
    assert (result.files_rendered, result.files_written) == (3, 3)
    after = _mtimes(minimal.output)
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == body_files


def test_a_category_edit_rerenders_the_pages_that_show_the_incident_and_no_others(minimal):
    assert minimal.build()[0] == 0
    before = _mtimes(minimal.output)
    _replace(minimal.root, RIVER, "categories: [Shelling]", "categories: [Detention]")
    result = pipeline.build(minimal.root)
    assert not result.errors and 0 < result.files_rendered < len(before) / 2
    after = _mtimes(minimal.output)
    changed = {path for path in after if after[path] != before.get(path)}
    assert {"incidents/river-crossing/index.html", "categories/detention/index.html",
            "categories/shelling/index.html"} <= changed
    assert "pages/about/index.html" not in changed and "about/index.html" not in changed
    assert "static/style.css" not in changed


def test_a_rebuild_with_nothing_changed_renders_and_writes_nothing(minimal):
    assert minimal.build()[0] == 0
    result = pipeline.build(minimal.root)
    assert (result.files_rendered, result.files_written, result.files_removed) == (0, 0, 0)
    assert not result.errors


def test_an_output_file_changed_by_hand_is_put_right(minimal):
    assert minimal.build()[0] == 0
    expected = tree_digest(minimal.output)
    (minimal.output / "incidents/market-day/index.html").write_text("edited by hand", encoding="utf-8")
    (minimal.output / "places/index.html").unlink()
    (minimal.output / "stray.html").write_text("left by someone", encoding="utf-8")
    assert minimal.build("--clean")[0] == 0  # --clean: no record of the last build, so strays are found too
    assert tree_digest(minimal.output) == expected
    (minimal.output / "incidents/market-day/index.html").write_text("edited again", encoding="utf-8")
    assert minimal.build()[0] == 0
    assert tree_digest(minimal.output) == expected


@pytest.mark.parametrize("damage", [b"", b"not a database at all" * 100])
def test_a_damaged_cache_is_rebuilt_not_trusted(minimal, damage):
    assert minimal.build()[0] == 0
    expected = tree_digest(minimal.output)
    _replace(minimal.root, MARKET, "Sources disagree", "Two sources disagree")
    damaged = [path for path in (minimal.root / ".cache").rglob("*") if path.is_file()]
    assert any(path.suffix == ".cache" for path in damaged)  # Jinja's compiled templates too
    for path in damaged:
        path.write_bytes(damage)
    code, output = minimal.build()
    assert code == 0, output
    assert tree_digest(minimal.output) != expected
    assert tree_digest(minimal.output) == _clean_build(minimal.root, minimal.root.parent)


def test_clean_renders_everything_again(minimal):
    assert minimal.build()[0] == 0
    files = len(_mtimes(minimal.output))
    result = pipeline.build(minimal.root, options=pipeline.Options(clean=True))
    assert result.files_rendered == files and result.files_written == 0


def test_check_fills_the_cache_that_build_then_uses(minimal):
    assert minimal.check()[0] == 0
    assert (minimal.root / ".cache").is_dir()
    code, output = minimal.build()
    assert code == 0, output


def test_a_read_only_archive_still_builds(minimal, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions")
    minimal.root.chmod(0o555)
    try:
        code, output = run_cli("build", "--root", str(minimal.root), "--out", str(tmp_path / "out"))
    finally:
        minimal.root.chmod(0o755)
    assert code == 0, output


def test_where_no_cache_can_be_kept_the_build_runs_without_one_and_leaves_nothing_behind(minimal, tmp_path, monkeypatch):
    import tempfile

    # A temporary folder of this test's own: other tests, running side by side, make caches there too.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temporary"))
    Path(tempfile.tempdir).mkdir()
    (minimal.root / ".cache").write_text("a file where the cache folder would go", encoding="utf-8")
    code, output = minimal.build()
    assert code == 0, output
    assert tree_digest(minimal.output) == _build_from_nothing(minimal.root, tmp_path)
    assert list(Path(tempfile.tempdir).iterdir()) == []
    assert (minimal.root / ".cache").read_text(encoding="utf-8").startswith("a file")
