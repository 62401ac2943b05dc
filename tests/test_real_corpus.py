"""The real 1,292-incident police-violence corpus must check clean and build with every link working."""

from __future__ import annotations

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
