"""`bundle`: a zip of a fresh build that opens from disk, byte-identical for the same inputs, never from a failed build."""

from __future__ import annotations

import zipfile

from conftest import run_cli
from site_walk import broken_relative_links


def bundle(archive, *args: str) -> tuple[int, str]:
    return run_cli("bundle", "--root", str(archive.root), *args)


def test_two_bundles_of_the_same_inputs_are_byte_identical(minimal, tmp_path):
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    assert bundle(minimal, "--zip", str(first))[0] == 0
    # From another, clean build: nothing of the machine, the folder or the time is in the bytes.
    code, output = bundle(minimal, "--clean", "--out", str(tmp_path / "elsewhere"), "--zip", str(second))
    assert code == 0, output
    assert first.read_bytes() == second.read_bytes()


def test_the_zip_holds_the_whole_site_in_one_folder_with_a_readme(minimal, tmp_path):
    target = tmp_path / "offline.zip"
    code, output = bundle(minimal, "--zip", str(target))
    assert code == 0, output
    assert f"bundle ok: {target}" in output
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        infos = archive.infolist()
        archive.extractall(tmp_path / "unzipped")
    site_files = sorted(p.relative_to(minimal.output).as_posix() for p in minimal.output.rglob("*") if p.is_file())
    assert names == sorted(["fixture-archive/README.txt"] + [f"fixture-archive/{path}" for path in site_files])
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o644}
    readme = (tmp_path / "unzipped" / "fixture-archive" / "README.txt").read_text(encoding="utf-8")
    assert "open the file index.html" in readme
    assert broken_relative_links(tmp_path / "unzipped" / "fixture-archive") == []


def test_the_default_place_is_dist(minimal):
    code, output = bundle(minimal)
    assert code == 0, output
    assert (minimal.root / "dist" / "fixture-archive-offline.zip").is_file()


def test_no_bundle_from_a_failed_build_and_the_last_one_is_kept(minimal, tmp_path):
    (tmp_path / "zips").mkdir()
    target = tmp_path / "zips" / "offline.zip"
    assert bundle(minimal, "--zip", str(target))[0] == 0
    before = target.read_bytes()
    minimal.incident("broken", "title: [unclosed\n")
    code, output = bundle(minimal, "--zip", str(target))
    assert code == 1
    assert "build failed" in output and "bundle ok" not in output
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir()] == ["offline.zip"]  # no half-written temporary left
