"""The real 1,292-incident police-violence corpus must check clean and build with every link working."""

from __future__ import annotations

import re

from conftest import front_matters, run_cli
from site_walk import broken_relative_links


def _published(corpus) -> list[str]:
    return [record_id for record_id, (meta, _) in front_matters(corpus).items()
            if not meta.get("draft") and not meta.get("duplicate_of")]


def test_corpus_checks_without_errors(corpus):
    code, output = run_cli("check", "--root", str(corpus))
    assert code == 0, output
    assert f"check ok: {len(_published(corpus))} incidents" in output


def test_corpus_builds_a_page_per_incident(corpus, built_corpus):
    published = _published(corpus)
    assert len(published) > 1000 and len(set(published)) == len(published)
    assert sorted(path.parent.name for path in (built_corpus / "incidents").glob("*/index.html")) == sorted(published)


def test_corpus_links_all_resolve(built_corpus):
    assert broken_relative_links(built_corpus) == []


def test_corpus_has_its_map_and_timeline(corpus, built_corpus):
    """Every record with coordinates (and no coarser precision) is counted once among the map's marks."""
    located = sum(1 for meta, _ in (front_matters(corpus)[i] for i in _published(corpus))
                  if isinstance(meta.get("location"), dict) and "lat" in meta["location"]
                  and meta["location"].get("precision") != "region" and not meta["location"].get("hide_coordinates"))
    page = (built_corpus / "map" / "index.html").read_text(encoding="utf-8")
    marks = page.split('class="map-marks"')[1].split("</svg>")[0]
    singles = marks.count('<circle class="mark mark-dot"') + marks.count('<circle class="mark mark-ring"')
    grouped = sum(int(count) for count in re.findall(r'<text class="mark-count"[^>]*>(\d+)</text>', marks))
    assert located > 1000 and singles + grouped == located
    for page in ("dates/index.html", "dates/2020/index.html", "dates/2020/06/index.html"):
        assert (built_corpus / page).is_file(), page
