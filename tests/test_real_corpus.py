"""The real 1,292-incident police-violence corpus must check clean and build with every link working."""

from __future__ import annotations

from conftest import CORPUS, run_cli
from site_walk import broken_relative_links


def test_corpus_checks_without_errors(corpus):
    code, output = run_cli("check", "--root", str(corpus))
    assert code == 0, output
    assert "check ok: 1292 incidents" in output


def test_corpus_builds_a_page_per_incident(built_corpus):
    sources = sorted((CORPUS / "content" / "incidents").rglob("*.md"))
    assert len(sources) == 1292
    assert len(list((built_corpus / "incidents").glob("*/index.html"))) == 1292


def test_corpus_links_all_resolve(built_corpus):
    assert broken_relative_links(built_corpus) == []
