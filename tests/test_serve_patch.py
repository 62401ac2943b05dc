"""A preview applies an edit of descriptions to its last good build (live.py); after any edit its site is a clean build's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from incident_archive import inputs, live, parallel, pipeline, writer
from incident_archive.cache import CACHE_DIR, CACHE_FILE, Cache
from incident_archive.incremental import outputs_intact
from incident_archive.server import Preview
from site_walk import tree_digest
from test_incremental import EDITS, MARKET, _clean_build, _replace


def _inputs(root: Path) -> dict[str, int]:
    """Every file a build reads, with its modification time: what a watcher would report changed."""
    return {path.relative_to(root).as_posix(): path.stat().st_mtime_ns
            for path in root.rglob("*") if path.is_file() and path.relative_to(root).parts[0] not in ("output", ".cache")}


def _changed(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


@pytest.mark.slow  # fourteen edits, each built by the preview and from nothing
@pytest.mark.parametrize("jobs", [1, 2])
def test_after_each_kind_of_edit_the_previews_site_is_a_clean_builds(minimal, tmp_path, monkeypatch, jobs):
    monkeypatch.setattr(parallel, "MIN_ITEMS_PER_WORKER", 1)  # so that even this small archive uses workers
    said: list[str] = []
    preview = Preview(minimal.root, minimal.output, pipeline.Options(jobs=jobs), log=said.append)
    preview.rebuild("built")
    assert not preview.failed, said
    for name, edit in EDITS:
        before = _inputs(minimal.root)
        edit(minimal.root)
        said.clear()
        preview.rebuild(changed=_changed(before, _inputs(minimal.root)))
        assert not preview.failed, f"after {name}: {said}"
        assert tree_digest(minimal.output) == _clean_build(minimal.root, tmp_path), f"after {name}"
        patched = any("; the edited descriptions only)" in line for line in said)
        assert patched == (name == "a body"), f"after {name}: {said}"  # only a description's edit is applied


def test_a_description_edited_again_and_again_is_applied_each_time(minimal, tmp_path):
    said: list[str] = []
    preview = Preview(minimal.root, minimal.output, pipeline.Options(jobs=1), log=said.append)
    preview.rebuild("built")
    for number in range(3):
        _replace(minimal.root, MARKET, "Sources disagree" if number == 0 else f"Edit {number - 1}.", f"Edit {number}.")
        said.clear()
        preview.rebuild(changed={MARKET})
        assert any("; the edited descriptions only)" in line for line in said), said
        page = (minimal.output / "incidents/market-day/index.html").read_text(encoding="utf-8")
        assert f"Edit {number}." in page
    assert tree_digest(minimal.output) == _clean_build(minimal.root, tmp_path)


def test_an_edit_that_breaks_a_link_is_left_to_a_whole_build_which_reports_it(minimal):
    said: list[str] = []
    preview = Preview(minimal.root, minimal.output, pipeline.Options(jobs=1), log=said.append)
    preview.rebuild("built")
    good = (minimal.output / "incidents/market-day/index.html").read_bytes()
    _replace(minimal.root, MARKET, "Sources disagree", "See [[no-such-record]]. Sources disagree")
    said.clear()
    preview.rebuild(changed={MARKET})
    assert preview.failed and not any("; the edited descriptions only)" in line for line in said)
    assert any(MARKET in line and "no-such-record" in line for line in said), said
    assert (minimal.output / "incidents/market-day/index.html").read_bytes() == good  # the last good site stays


def test_a_preview_started_on_a_built_site_starts_at_once_and_keeps_its_first_edits_build(minimal, tmp_path):
    assert minimal.build()[0] == 0
    said: list[str] = []
    preview = Preview(minimal.root, minimal.output, pipeline.Options(jobs=1), log=said.append)
    preview.rebuild("built")  # nothing to do: the cache answers, and nothing is kept
    assert preview.kept is None and not preview.failed
    for number, applied in ((0, False), (1, True)):
        _replace(minimal.root, MARKET, "Sources disagree" if number == 0 else "Edit 0.", f"Edit {number}.")
        said.clear()
        preview.rebuild(changed={MARKET})
        assert any("; the edited descriptions only)" in line for line in said) == applied, said
    assert tree_digest(minimal.output) == _clean_build(minimal.root, tmp_path)


def test_a_preview_started_on_a_built_site_prepares_its_build_for_the_first_edit(minimal, tmp_path):
    assert minimal.build()[0] == 0
    said: list[str] = []
    preview = Preview(minimal.root, minimal.output, pipeline.Options(jobs=1), log=said.append)
    preview.rebuild("built")  # at once: nothing to do
    assert preview.kept is None
    before = tree_digest(minimal.output)
    preview.prepare()  # what serve does in the background once it serves
    assert preview.kept is not None and any(line.startswith("ready for quick edits") for line in said), said
    assert tree_digest(minimal.output) == before
    _replace(minimal.root, MARKET, "Sources disagree", "Edit 0.")
    said.clear()
    preview.rebuild(changed={MARKET})
    assert any("; the edited descriptions only)" in line for line in said), said
    assert tree_digest(minimal.output) == _clean_build(minimal.root, tmp_path)


def _swap_for_a_link(root: Path, outside: Path) -> None:
    outside.write_text((root / MARKET).read_text(encoding="utf-8").replace("Sources disagree", "SECRET-OUTSIDE"),
                       encoding="utf-8")
    (root / MARKET).unlink()
    (root / MARKET).symlink_to(outside)


HOSTILE_EDITS = {
    "the file swapped for a link out of the archive": _swap_for_a_link,
    "a body past the size limit": lambda root, outside: _replace(
        root, MARKET, "Sources disagree", "Sources disagree " + "x" * (inputs.MAX_TEXT_BYTES + 10)),
    "bytes that are not UTF-8": lambda root, outside: (root / MARKET).write_bytes(
        (root / MARKET).read_bytes().replace(b"Sources disagree", b"Sources \xff\xfe disagree")),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_EDITS))
def test_a_hostile_edit_of_a_description_is_never_applied_and_the_last_good_site_stays(minimal, tmp_path, name):
    said: list[str] = []
    preview = Preview(minimal.root, minimal.output, pipeline.Options(jobs=1), log=said.append)
    preview.rebuild("built")
    good = tree_digest(minimal.output)
    HOSTILE_EDITS[name](minimal.root, tmp_path / "outside.md")
    said.clear()
    preview.rebuild(changed={MARKET})
    assert preview.failed, said
    assert not any("; the edited descriptions only)" in line for line in said), said
    assert any(line.startswith(f"{MARKET}:") for line in said), said  # reported at the file
    assert tree_digest(minimal.output) == good


def _records_match_the_files(root: Path, out_dir: Path, kept: pipeline.Kept) -> bool:
    """The cache's records of output/ are what the preview kept of its last write, and say what is there."""
    cache = Cache(root / CACHE_DIR / CACHE_FILE)  # as it is: Cache.open would empty it for other keys
    try:
        where = writer.places(out_dir, cache.path.parent)
        live, spare = cache.site(where.key)
        assert kept.site is not None
        return live == kept.site.live and spare == kept.site.spare and outputs_intact(out_dir, cache)
    finally:
        cache.close()


def test_an_applied_edit_writes_from_what_the_preview_kept_without_looking_at_every_file(minimal, tmp_path, monkeypatch):
    said: list[str] = []
    preview = Preview(minimal.root, minimal.output, pipeline.Options(jobs=1), log=said.append)
    preview.rebuild("built")

    def whole_write(*args, **kwargs):
        raise AssertionError("an applied edit reloaded the site's records and looked at every file")

    monkeypatch.setattr(live, "write_outputs", whole_write)
    for number in range(3):
        _replace(minimal.root, MARKET, "Sources disagree" if number == 0 else f"Edit {number - 1}.", f"Edit {number}.")
        said.clear()
        preview.rebuild(changed={MARKET})
        assert any("; the edited descriptions only)" in line for line in said), said
        assert preview.kept is not None and _records_match_the_files(minimal.root, minimal.output, preview.kept)
        assert tree_digest(minimal.output) == _clean_build(minimal.root, tmp_path), f"after edit {number}"


def _build_in_another_terminal(root: Path, out_dir: Path) -> None:
    assert pipeline.build(root, out_dir, pipeline.Options(jobs=1)).files_written


def _delete_the_output(root: Path, out_dir: Path) -> None:
    shutil.rmtree(out_dir)


def _delete_the_spare(root: Path, out_dir: Path) -> None:
    spare = writer.places(out_dir, root / ".cache").spare
    shutil.rmtree(spare)


@pytest.mark.parametrize("meddle", [_build_in_another_terminal, _delete_the_output, _delete_the_spare])
def test_an_output_folder_written_by_someone_else_since_the_previews_last_write_is_written_whole(
        minimal, tmp_path, meddle):
    said: list[str] = []
    preview = Preview(minimal.root, minimal.output, pipeline.Options(jobs=1), log=said.append)
    preview.rebuild("built")
    for number in range(3):
        _replace(minimal.root, MARKET, "Sources disagree" if number == 0 else f"Edit {number - 1}.", f"Edit {number}.")
        if number == 1:
            meddle(minimal.root, minimal.output)
        said.clear()
        preview.rebuild(changed={MARKET})
        assert any("; the edited descriptions only)" in line for line in said), said
        assert tree_digest(minimal.output) == _clean_build(minimal.root, tmp_path), f"after edit {number}"
        assert preview.kept is not None and _records_match_the_files(minimal.root, minimal.output, preview.kept)
