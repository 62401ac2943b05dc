"""Records not counted as fact (retracted) are marked wherever they appear and counted apart; readers can report an error."""

from __future__ import annotations

import re

import pytest

from conftest import SITE_YAML, VALID_FRONT

RETRACTED = VALID_FRONT.replace("A valid incident", "A claim found false").replace("reported", "retracted")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.fixture
def with_retracted(archive):
    archive.incident("kept", VALID_FRONT.replace("2022-03-04", "2021-05-06"))
    archive.incident("also-kept")
    archive.incident("false-claim", RETRACTED)
    return archive


def test_home_figures_count_the_retracted_record_apart(with_retracted):
    code, output = with_retracted.build()
    assert code == 0, output
    html = (with_retracted.output / "index.html").read_text()
    assert "2 incidents documented, 1 retracted (kept for the record, not counted)." in text_of(html)
    # The year table: 2022 holds one counted record and the retracted one, 2021 one counted.
    rows = re.findall(r'<th scope="row"><a [^>]*>(\d{4})</a></th><td class="number">(\d+)</td>'
                      r'<td class="number">(\d+)</td>', html)
    assert rows == [("2021", "1", "0"), ("2022", "1", "1")]


def test_a_retracted_record_is_marked_in_every_title_a_reader_meets(with_retracted):
    with_retracted.build()
    out = with_retracted.output
    page = (out / "incidents" / "false-claim" / "index.html").read_text()
    assert "<title>Retracted: A claim found false ·" in page
    assert re.search(r"<h1>.*Retracted:.*A claim found false</h1>", page)
    assert "not counted in any of the archive's figures" in text_of(page)
    assert "Retracted: A claim found false" in text_of((out / "incidents" / "index.html").read_text())
    assert "<title>Retracted: A claim found false</title>" in (out / "feed.xml").read_text()
    assert '"Retracted: A claim found false"' in "".join(path.read_text() for path in (out / "search").glob("records-*.js"))
    kept = (out / "incidents" / "kept" / "index.html").read_text()
    assert "Retracted" not in text_of(kept.split("<main", 1)[1]).replace("Later: Retracted: A claim found false", "")


def test_any_status_may_be_left_uncounted_and_retracted_may_be_counted(archive):
    archive.write("site.yaml", SITE_YAML + """\
statuses:
  reported: {label: Reported, definition: One source.}
  hoax: {label: Hoax, definition: Shown to be fabricated., counted: false}
  retracted: {label: Retracted, definition: Withdrawn., counted: true}
""")
    archive.incident("one")
    archive.incident("two", VALID_FRONT.replace("reported", "hoax"))
    archive.incident("three", VALID_FRONT.replace("reported", "retracted"))
    code, output = archive.build()
    assert code == 0, output
    home = text_of((archive.output / "index.html").read_text())
    assert "2 incidents documented, 1 hoax" in home
    assert "Hoax: A valid incident" in text_of((archive.output / "incidents" / "two" / "index.html").read_text())
    assert "Retracted:" not in text_of((archive.output / "incidents" / "three" / "index.html").read_text())


# --- contact ---------------------------------------------------------------------------------------

def footer(out) -> str:
    return (out / "index.html").read_text().split('<footer class="site-footer">', 1)[1]


def test_an_email_contact_is_in_every_footer_and_each_record_asks_for_corrections_by_id(archive):
    archive.incident("x")
    code, output = archive.build()
    assert code == 0, output
    link = '<a href="mailto:corrections@example.org" rel="noreferrer">Write to corrections@example.org</a>'
    assert link in footer(archive.output)
    page = (archive.output / "incidents" / "x" / "index.html").read_text()
    assert 'href="mailto:corrections@example.org?subject=Correction%3A%20A%20valid%20incident%20%5Bx%5D"' in page
    assert "Report a correction" in page


def test_a_form_contact_and_a_repository_before_it(archive):
    archive.write("site.yaml", SITE_YAML.replace("corrections@example.org", "https://forms.example.org/errors"))
    archive.incident("x")
    archive.build()
    assert 'href="https://forms.example.org/errors"' in footer(archive.output)
    archive.write("site.yaml", SITE_YAML + "repository: https://github.com/owner/name\n")
    archive.build()
    page = (archive.output / "incidents" / "x" / "index.html").read_text()
    assert "https://github.com/owner/name/issues/new?template=correction.yml" in page.replace("&amp;", "&")


def test_a_published_archive_without_a_contact_is_warned_and_strict_fails(archive):
    archive.write("site.yaml", SITE_YAML.replace("contact: corrections@example.org\n", ""))
    archive.incident("x")
    code, output = archive.check()
    assert code == 0
    assert "site.yaml:1: contact: warning: a published archive" in output
    code, output = archive.check("--strict")
    assert code == 1


@pytest.mark.parametrize("value", ["not an address", "http://example.org/form", "someone@", "javascript:alert(1)",
                                   "a?cc=someone@example.org", "a@example.org?bcc=b@example.org", "a@example.org&body=x"])
def test_a_contact_that_is_no_address_is_an_error_at_its_line(archive, value):
    archive.write("site.yaml", SITE_YAML.replace("contact: corrections@example.org", f'contact: "{value}"'))
    code, output = archive.check()
    assert code == 1
    assert "site.yaml:3: contact: " in output and "neither an email address nor an https://" in output
