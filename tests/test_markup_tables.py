"""A description's tables scroll in a box the keyboard can reach; bare addresses are marked as such."""

from __future__ import annotations

from conftest import VALID_FRONT

BODY = """\
| Place | Killed |
|---|---|
| A very long place name that would widen a phone's page | 12 |

See https://example.org/report for the report.
"""


def test_a_table_sits_in_a_focusable_scrolling_region_and_a_bare_url_is_marked(archive):
    archive.incident("x", VALID_FRONT, BODY)
    code, output = archive.build()
    assert code == 0, output
    html = (archive.output / "incidents" / "x" / "index.html").read_text()
    assert '<div class="table-scroll" tabindex="0" role="region" aria-label="Table"><table>' in html
    assert html.count("<table") == html.count('class="table-scroll"') == 1
    assert "</table></div>" in html
    assert '<a class="bare-url" href="https://example.org/report" rel="noreferrer">https://example.org/report</a>' in html


def test_raw_html_cannot_forge_the_wrapper_or_its_class(archive):
    archive.incident("x", VALID_FRONT, '<div class="table-scroll" tabindex="5">text</div>\n\n<a class="bare-url" href="https://example.org/">x</a>\n')
    archive.build()
    html = (archive.output / "incidents" / "x" / "index.html").read_text()
    assert 'tabindex="5"' not in html and 'class="table-scroll"' not in html
