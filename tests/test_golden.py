"""Golden output (Pelican's way): the fixture archive builds to exactly the committed expected site."""

from __future__ import annotations

import difflib

from conftest import FIXTURES
from site_walk import tree_digest

EXPECTED = FIXTURES / "minimal-expected"


def test_fixture_builds_to_the_expected_site(minimal):
    assert minimal.build()[0] == 0
    built, expected = tree_digest(minimal.output), tree_digest(EXPECTED)
    assert sorted(built) == sorted(expected), "files added or missing: run tests/update_golden.py if intended"
    changed = [path for path in built if built[path] != expected[path]]
    diffs = []
    for path in changed[:3]:
        old = (EXPECTED / path).read_text(encoding="utf-8").splitlines()
        new = (minimal.output / path).read_text(encoding="utf-8").splitlines()
        diffs.extend(difflib.unified_diff(old, new, f"expected/{path}", f"built/{path}", lineterm=""))
    assert changed == [], "\n".join(diffs) + "\n(run tests/update_golden.py if the change is intended)"
