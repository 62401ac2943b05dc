"""An archive in several languages: each under its own prefix, pages that name each other, right to left where the language is."""

from __future__ import annotations

import re

from conftest import SITE_YAML, VALID_FRONT, ArchiveFolder
from test_catalogues import english_on_pages


def _bilingual(archive: ArchiveFolder, languages: str = "[en, uk]") -> ArchiveFolder:
    archive.write("site.yaml", SITE_YAML + f"languages: {languages}\n")
    archive.incident("first", VALID_FRONT)
    archive.incident("second", VALID_FRONT.replace("A valid incident", "Another incident").replace("2022-03-04", "2022-05-06"))
    return archive


def _alternates(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


def test_each_language_has_its_pages_and_they_name_each_other(archive):
    code, output = _bilingual(archive).build()
    assert code == 0, output
    english = (archive.output / "index.html").read_text(encoding="utf-8")
    ukrainian = (archive.output / "uk" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in english and '<html lang="uk">' in ukrainian
    pairs = {"en": "https://example.org/", "uk": "https://example.org/uk/", "x-default": "https://example.org/"}
    assert _alternates(english) == _alternates(ukrainian) == pairs
    for page in ("places/index.html", "map/index.html", "dates/index.html", "search/index.html", "status/index.html"):
        assert (archive.output / "uk" / page).is_file(), page
        original, translated = ((folder / page).read_text(encoding="utf-8") for folder in (archive.output, archive.output / "uk"))
        assert _alternates(original) == _alternates(translated) != {}, page
    # the switcher: the page's own language is said, the other is a link to the same page
    assert re.search(r'<a href="uk/index.html" hreflang="uk" lang="uk">Українська</a>', english)
    assert re.search(r'<a href="../index.html" hreflang="en" lang="en">English</a>', ukrainian)


def test_a_record_without_a_translation_has_no_page_in_that_language_and_its_lists_lead_to_the_original(archive):
    code, output = _bilingual(archive).build()
    assert code == 0, output
    assert not (archive.output / "uk" / "incidents" / "first").exists()
    listing = (archive.output / "uk" / "incidents" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../incidents/first/index.html"' in listing
    record = (archive.output / "incidents" / "first" / "index.html").read_text(encoding="utf-8")
    assert _alternates(record) == {} and "language-switch" not in record  # it exists in English alone
    head = (archive.output / "uk" / "search" / "head.js").read_text(encoding="utf-8")
    records = (archive.output / "uk" / "search" / "records-2022.js").read_text(encoding="utf-8")
    assert '"original":"../../incidents/{id}/index.html"' in head and records.count('"en"]') == 2


def test_feeds_and_the_sitemap_know_each_language(archive):
    code, output = _bilingual(archive).build()
    assert code == 0, output
    feed = (archive.output / "uk" / "feed.xml").read_text(encoding="utf-8")
    assert '<link rel="alternate" type="text/html" href="https://example.org/uk/"/>' in feed or "https://example.org/uk/" in feed
    assert "https://example.org/incidents/first/" in feed  # not translated: the original's page
    sitemap = (archive.output / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/uk/places/</loc>" in sitemap and "<loc>https://example.org/places/</loc>" in sitemap


def test_a_right_to_left_language_is_written_right_to_left(archive):
    code, output = _bilingual(archive, "[en, ar]").build()
    assert code == 0, output
    arabic = (archive.output / "ar" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in arabic
    assert re.search(r'lang="ar">العربية</', (archive.output / "index.html").read_text(encoding="utf-8"))


def test_languages_in_site_yaml_are_checked_at_their_lines(archive):
    archive.write("site.yaml", SITE_YAML + "language: en\nlanguages: [uk, en, uk]\n")
    archive.incident("first")
    code, output = archive.check()
    assert code == 1
    lines = SITE_YAML.count("\n")
    assert f"site.yaml:{lines + 1}: language: 'en' is not the first of languages (uk)" in output
    assert f"site.yaml:{lines + 2}: languages[3]: 'uk' is listed twice" in output


def test_the_ukrainian_side_of_a_bilingual_archive_has_no_english_word_of_the_interface(archive):
    """Every page under uk/, its record translated and site.yaml's words given in Ukrainian: what
    English remains would be the interface's (test_catalogues.py's checker, on the second language)."""
    archive.write("site.yaml", SITE_YAML + "languages: [en, uk]\n" + UKRAINIAN_SITE_WORDS)
    archive.incident("first", VALID_FRONT)
    translation = "title: Дані запису\nlocation: Дані місця\n"
    archive.incident("first.uk", translation, body="Дані опису.\n")
    code, output = archive.check()
    version = re.search(r"translated_from: ([0-9a-f]{12})", output)  # the warning gives the original's version
    assert version, output
    archive.incident("first.uk", translation + f"translated_from: {version[1]}\n", body="Дані опису.\n")
    code, output = archive.build("--strict")
    assert code == 0, output
    assert (archive.output / "uk" / "incidents" / "first" / "index.html").is_file()
    assert _english_interface(archive.output / "uk") == {}
    assert _english_interface(archive.output)  # the checker sees the English side's interface


def _english_interface(site) -> dict[str, set[str]]:
    """test_catalogues.py's English words, less what is data or names here: the record's id (in its
    citation), the contact's address, and the other language's own name in the switcher."""
    not_interface = {"first", "corrections", "example", "org", "English"}
    found = {page: words - not_interface for page, words in english_on_pages(site).items()}
    return {page: words for page, words in found.items() if words}


UKRAINIAN_SITE_WORDS = """\
translations:
  uk:
    title: Дані архіву
    taxonomies:
      categories: {title: Категорії, singular: Категорія}
      tags: {title: Мітки, singular: Мітка}
"""


def test_the_reference_archives_ukrainian_side_speaks_ukrainian(reference_archive, built_reference):
    """Every page under uk/: any English word is one the archive's own files hold (an untranslated
    record's title, a source's, a correction's note), never the interface's.

    Weaker than the test above (an interface word that a record also uses would pass), but on the
    real sample: the two together cover the interface and its use in every kind of page."""
    files = [*reference_archive.joinpath("content").rglob("*.md"), reference_archive / "site.yaml"]
    data_words = {word for path in files for word in re.findall(r"[A-Za-z]{3,}", path.read_text(encoding="utf-8"))}
    found = {page: words - data_words for page, words in english_on_pages(built_reference / "uk").items()}
    assert {page: words for page, words in found.items() if words} == {}
    assert (built_reference / "uk" / "incidents" / "bucha-yablunska-street-executions" / "index.html").is_file()


def test_a_translated_page_says_how_it_was_translated_and_an_untranslated_one_keeps_its_language(archive):
    _bilingual(archive)
    archive.write("content/pages/about.md", "---\ntitle: About\nmenu: 1\n---\nAbout us.\n")
    archive.write("content/pages/method.md", "---\ntitle: Method\nmenu: 2\n---\nHow we work.\n")
    archive.write("content/pages/about.uk.md", "---\ntitle: Про нас\nmachine_translated: true\n---\nПро нас.\n")
    code, output = archive.build()
    assert code == 0, output
    about = (archive.output / "uk" / "about" / "index.html").read_text(encoding="utf-8")
    assert '<article>\n<h1>Про нас</h1>' in about and "<strong>Машинний переклад:</strong>" in about
    assert 'href="../../about/index.html" hreflang="en">' in about  # its original
    method = (archive.output / "uk" / "method" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="uk">' in method and '<article lang="en">\n<h1>Method</h1>' in method


def test_a_language_cannot_take_a_name_the_site_or_windows_already_has(archive):
    """Each language after the first is a folder at the site's root: beside map/, a taxonomy's
    folder and the pages' folders, and on Windows, where CON or NUL cannot be a folder."""
    archive.write("site.yaml", SITE_YAML.replace("  tags: {title: Tags", "  tag: {title: Tags")
                  + "languages: [en, map, tag, con]\n")
    archive.incident("first")
    code, output = archive.check()
    line = SITE_YAML.count("\n") + 1
    assert code == 1
    assert f"site.yaml:{line}: languages[2]: 'map' is a name the site already uses for a section" in output
    assert f"site.yaml:{line}: languages[3]: 'tag' is a name the site already uses for a section" in output
    assert f"site.yaml:{line}: languages[4]: its folder named 'con', a device name that Windows reserves" in output


def test_a_page_cannot_take_a_languages_folder(archive):
    _bilingual(archive)
    archive.write("content/pages/uk.md", "---\ntitle: Ukraine\n---\nText.\n")
    code, output = archive.build()
    assert code == 1
    assert "content/pages/uk.md:1: id: 'uk' is a name the site already uses; set another id" in output
