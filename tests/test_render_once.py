"""Parts rendered once and reused (render._rendered_once: header, footer, feed entries) are what each page renders itself."""

from __future__ import annotations

import filecmp
import shutil

from conftest import copy_reference, run_cli
from incident_archive import render


def _differences(left, right) -> list[str]:
    comparison, found = [filecmp.dircmp(left, right)], []
    while comparison:
        current = comparison.pop()
        found += [f"{current.left}/{name}" for name in current.left_only + current.right_only + current.diff_files]
        _, mismatched, errors = filecmp.cmpfiles(current.left, current.right, current.same_files, shallow=False)
        found += mismatched + errors
        comparison += current.subdirs.values()
    return found


def test_pages_and_feeds_of_every_depth_and_language_are_what_they_would_render_themselves(tmp_path, monkeypatch):
    once = copy_reference(tmp_path / "once")
    code, output = run_cli("build", "--root", str(once), "--jobs", "1")
    assert code == 0, output
    each_page = copy_reference(tmp_path / "each")
    shutil.rmtree(each_page / "output", ignore_errors=True)

    def every_time():  # the same calls, rendered every time
        import jinja2

        each_time = jinja2.pass_context(lambda context, name, *values, caller: caller())
        return each_time, each_time

    monkeypatch.setattr(render, "_rendered_once", every_time)
    code, output = run_cli("build", "--root", str(each_page), "--jobs", "1", "--clean")
    assert code == 0, output
    assert _differences(once / "output", each_page / "output") == []
    pages = list((once / "output").rglob("*.html"))
    assert len({page.parent.relative_to(once / "output").parts[:2] for page in pages}) > 10  # many vantages
    assert len(list((once / "output").rglob("feed.xml"))) > 10  # many feeds, sharing entries
