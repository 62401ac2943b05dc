"""axe-core (npm, pinned by package-lock.json) finds nothing on the reference archive's pages of every kind, light and dark."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import REPO
from test_browser import chromium_in_its_own_thread

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, as the sample's pages are held to.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _pages(site: Path) -> list[str]:
    """One page of each kind the archive has, the map's and the timeline's first, found in the built site."""
    def first(pattern: str, holding: str = "<main") -> str:
        """The first page matching the pattern that holds the text (a redirect page has no <main>)."""
        found = [path for path in sorted(site.glob(pattern)) if holding in path.read_text(encoding="utf-8")]
        assert found, pattern
        return found[0].relative_to(site).as_posix()

    return [
        "map/index.html", "dates/index.html", first("dates/*/index.html"), first("dates/*/*/index.html"),
        "index.html", "incidents/index.html", first("incidents/*/index.html", "map-marks"), "places/index.html",
        first("places/*/index.html", "map-marks"), first("places/*/*/index.html", "map-marks"),
        "status/index.html", "search/index.html", first("categories/*/index.html"),
        # the second language's side: its home, a translated record, its search
        *(path.relative_to(site).as_posix() for language in sorted(site.glob("*/feed.xml"))
          for path in [language.parent / "index.html", language.parent / "search/index.html",
                       *sorted(language.parent.glob("incidents/*/index.html"))[:1]]),
    ]  # not 404.html: its links start at the host's root, which only a server gives it


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_any_kind_of_page(built_reference, scheme):
    if not AXE.is_file():
        if os.environ.get("INCIDENT_ARCHIVE_REQUIRE_BROWSER") == "1":
            pytest.fail("axe-core is missing: run `npm ci`")
        pytest.skip("axe-core needs `npm ci` (node_modules/axe-core)")

    def audit(visit) -> dict[str, list[str]]:
        found = {}
        for path in _pages(built_reference):
            visit.open(path)
            visit.page.add_script_tag(path=str(AXE))
            violations = visit.page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                ".then(result => result.violations.map(v => v.id + ': ' + v.nodes.length))", TAGS)
            if violations:
                found[path] = violations
        return found

    # A browser of its own (the session's may be running in this thread); axe goes into each page
    # as a script of its own, which the pages' policy allows only when the test sets it aside.
    with chromium_in_its_own_thread() as run:
        assert run(built_reference.as_uri() + "/", audit, bypass_csp=True, color_scheme=scheme) == {}
