"""Translated records (`bucha.uk.md` beside `bucha.md`): text only, checked against their original, stale when it changes."""

from __future__ import annotations

import re

import pytest

from conftest import SITE_YAML, TINY_PNG, VALID_FRONT, ArchiveFolder, run_cli
from incident_archive import pipeline, translations

ORIGINAL = "content/incidents/2022/bucha.md"
TRANSLATION = "content/incidents/2022/bucha.uk.md"
# The original's front matter: VALID_FRONT, with a summary and a correction to translate.
ORIGINAL_FRONT = (VALID_FRONT + "summary: Men were shot behind a house.\n"
                  "corrections:\n  - {date: 2022-05-01, note: The date was wrong.}\n")
# A translation's front matter, line by line: the opening --- is line 1, so `title` is line 2.
TRANSLATED_FRONT = """\
title: Розстріл у Бучі
summary: Чоловіків розстріляли за будинком.
location: Буча
corrections:
  - note: Дата була хибна.
"""


def bilingual(archive: ArchiveFolder, site: str = "") -> ArchiveFolder:
    archive.write("site.yaml", SITE_YAML + "languages: [en, uk]\n" + site)
    archive.incident("bucha", ORIGINAL_FRONT, "Men were shot behind 144 Yablunska Street.\n")
    return archive


def translate(archive: ArchiveFolder, front: str = TRANSLATED_FRONT, body: str = "Чоловіків розстріляли.\n") -> str:
    return archive.write(TRANSLATION, f"---\n{front}---\n{body}")


def current_version(output: str) -> str:
    """The original's text version, as check's warning of a missing translated_from gives it."""
    match = re.search(r"translated_from: warning: is missing: add translated_from: ([0-9a-f]{12})", output)
    assert match, output
    return match.group(1)


def up_to_date(archive: ArchiveFolder, front: str = TRANSLATED_FRONT) -> str:
    """A translation with the translated_from of the original's current text."""
    translate(archive, front)
    return translate(archive, front + f"translated_from: {current_version(archive.check()[1])}\n")


@pytest.mark.parametrize("fact, field", [
    ("date: 2022-03-04\n", "date"),
    ("status: verified\n", "status"),
    ("id: another-id\n", "id"),
    ("sources: [https://example.org/b]\n", "sources"),
    ("categories: [Shelling]\n", "categories"),
    ("casualties: {killed: 3}\n", "casualties"),
    ("draft: true\n", "draft"),
])
def test_a_fact_in_a_translation_is_an_error_at_its_line(archive, fact, field):
    bilingual(archive)
    translate(archive, TRANSLATED_FRONT + fact)  # line 7: after the five lines of TRANSLATED_FRONT
    code, output = archive.check()
    assert code == 1
    assert (f"{TRANSLATION}:7: {field}: a translation holds only text; the facts come from the original, "
            f"{ORIGINAL}") in output


def test_a_translations_language_comes_from_its_file_name(archive):
    bilingual(archive)
    translate(archive, "lang: uk\n" + TRANSLATED_FRONT)
    code, output = archive.check()
    assert code == 1 and f"{TRANSLATION}:2: lang: a translation's language is in its file name (uk)" in output


def test_a_place_name_is_text_but_its_coordinates_are_facts(archive):
    bilingual(archive)
    translate(archive, TRANSLATED_FRONT.replace("location: Буча\n", "location:\n  name: Буча\n  lat: 50.5\n"
                                                                     "  country: UA\n"))
    code, output = archive.check()
    assert code == 1
    assert f"{TRANSLATION}:6: location.lat: a translation holds only text" in output
    assert f"{TRANSLATION}:7: location.country: a translation holds only text" in output
    assert "location.name" not in output


def test_a_corrections_date_is_a_fact_and_a_translation_has_no_more_corrections_than_its_original(archive):
    bilingual(archive)
    translate(archive, TRANSLATED_FRONT.replace("  - note: Дата була хибна.\n",
                                                "  - {note: Дата була хибна., date: 2022-05-01}\n  - note: Зайва.\n"))
    code, output = archive.check()
    assert code == 1
    assert f"{TRANSLATION}:6: corrections[1].date: a translation holds only text" in output
    translate(archive, TRANSLATED_FRONT + "  - note: Зайва.\n")
    code, output = archive.check()
    assert code == 1
    assert f"{TRANSLATION}:7: corrections[2]: the original has 1 correction" in output


def test_a_translation_without_translated_from_warns_with_the_originals_current_version(archive):
    bilingual(archive)
    translate(archive)
    code, output = archive.check("--strict")
    assert code == 1 and f"{TRANSLATION}:1: translated_from: warning: is missing: add translated_from: " in output
    up_to_date(archive)
    code, output = archive.check("--strict")
    assert code == 0, output


def test_a_translation_is_stale_once_its_originals_text_changes(archive):
    bilingual(archive)
    up_to_date(archive)
    assert archive.check("--strict")[0] == 0
    archive.incident("bucha", ORIGINAL_FRONT, "Men were shot behind 144 Yablunska Street, in March.\n")
    code, output = archive.check()
    assert code == 0  # a warning: the translation is still published
    stale = re.search(rf"{re.escape(TRANSLATION)}:7: translated_from: warning: the original's text has changed since "
                      r"this translation \(translated_from: ([0-9a-f]{12}); now ([0-9a-f]{12})\): update the "
                      r"translation, then set translated_from: \2", output)
    assert stale, output
    old, new = stale.groups()
    assert old != new
    translate(archive, TRANSLATED_FRONT + f"translated_from: {new}\n")
    code, output = archive.check("--strict")
    assert code == 0, output


def test_a_change_of_the_originals_facts_leaves_its_translation_current(archive):
    bilingual(archive)
    up_to_date(archive)
    archive.incident("bucha", ORIGINAL_FRONT.replace("2022-03-04", "2022-03-05").replace("status: reported", "status: contested"),
                     "Men were shot behind 144 Yablunska Street.\n")
    code, output = archive.check("--strict")
    assert code == 0, output


def test_a_translation_of_no_file_is_an_error(archive):
    bilingual(archive)
    archive.write("content/incidents/2022/irpin.uk.md", "---\ntitle: Ірпінь\n---\nТекст.\n")
    code, output = archive.check()
    assert code == 1
    assert ("content/incidents/2022/irpin.uk.md:1: file: translates content/incidents/2022/irpin.md, "
            "which does not exist") in output


def test_a_name_in_a_language_the_archive_does_not_have_stays_a_record_with_a_warning(archive):
    bilingual(archive)
    archive.incident("bucha.fr", VALID_FRONT.replace("A valid incident", "Un incident"))
    archive.incident("report.fr", VALID_FRONT.replace("A valid incident", "Un rapport"))  # no report.md
    code, output = archive.check()
    assert code == 0, output
    assert ("content/incidents/2022/bucha.fr.md:1: file: warning: 'fr' is not one of site.yaml's languages, so this "
            f"file is read as one of its own, not as a translation of {ORIGINAL}") in output
    assert "report.fr.md" not in output
    assert "check ok: 3 incidents" in output


def test_a_translations_body_is_required_when_its_original_has_one(archive):
    bilingual(archive)
    translate(archive, body="")
    code, output = archive.check()
    assert code == 1 and f"{TRANSLATION}:8: body: is empty: translate the original's text too ({ORIGINAL})" in output


def test_a_translations_broken_link_is_reported_in_it(archive):
    bilingual(archive)
    translate(archive, body="Див. [[irpin]].\n")
    code, output = archive.check()
    assert code == 1 and f"{TRANSLATION}:8: link: [[irpin]]: no incident has this id" in output


def test_a_page_and_the_home_page_are_translated_too(archive):
    bilingual(archive)
    archive.write("content/pages/about.md", "---\ntitle: About\nmenu: 1\n---\nAbout us.\n")
    archive.write("content/pages/about.uk.md", "---\ntitle: Про нас\nmenu: 1\n---\nПро нас.\n")
    archive.write("content/_index.uk.md", "---\ntitle: Головна\n---\nВступ.\n")
    code, output = archive.check()
    assert code == 1
    assert ("content/pages/about.uk.md:3: menu: a translation holds only text; the facts come from the original, "
            "content/pages/about.md") in output
    assert "content/_index.uk.md:1: file: translates content/_index.md, which does not exist" in output


def test_site_yaml_translations_are_checked_at_their_lines(archive):
    lines = SITE_YAML.count("\n") + 1  # and languages:
    bilingual(archive, "translations:\n"
                       "  uk:\n"
                       "    title: Тестовий архів\n"
                       "    statuses: {reportd: {label: Повідомлено}}\n"
                       "    taxonomies: {categories: {title: Категорії}}\n"
                       "    terms: {perpetrators: {Army: Армія}}\n"
                       "  fr:\n"
                       "    title: Archive de test\n")
    code, output = archive.check()
    assert code == 1
    assert (f"site.yaml:{lines + 4}: translations.uk.statuses.reportd: no status is called 'reportd' "
            '(did you mean "reported"?)') in output
    assert f"site.yaml:{lines + 6}: translations.uk.terms.perpetrators: no taxonomy is called 'perpetrators'" in output
    assert f"site.yaml:{lines + 7}: translations.fr: 'fr' is not one of languages (en, uk)" in output
    assert "translations.uk.taxonomies" not in output


def test_a_closed_taxonomys_terms_are_translated_only_if_it_has_them(archive):
    archive.write("site.yaml", SITE_YAML.replace("categories: {title: Categories, singular: Category}",
                                                 "categories: {title: Categories, singular: Category, "
                                                 "terms: {Shelling: Artillery fire}}")
                  + "languages: [en, uk]\ntranslations:\n  uk:\n    terms:\n      categories: {Shellin: Обстріл}\n")
    archive.incident("x")
    code, output = archive.check()
    assert code == 1
    lines = SITE_YAML.count("\n") + 5
    assert (f"site.yaml:{lines}: translations.uk.terms.categories.Shellin: 'Shellin' is not one of the "
            "taxonomy's terms (did you mean \"Shelling\"?)") in output


@pytest.fixture
def linked(monkeypatch) -> list:
    """What the link and convert stages of the next run gave (the archive, its bodies), as a check runs them."""
    runs: list = []
    stages = pipeline._read_link_convert

    def keeping(*args, **kwargs):
        runs.append(stages(*args, **kwargs))
        return runs[-1]

    monkeypatch.setattr(pipeline, "_read_link_convert", keeping)
    return runs


def test_the_ukrainian_view_has_the_translations_text_and_the_originals_facts(archive, linked):
    bilingual(archive, "translations:\n  uk:\n    title: Тестовий архів\n    places: {Kyiv Oblast: Київська область}\n"
                       "    terms: {categories: {Shelling: Обстріл}}\n")
    archive.incident("irpin", VALID_FRONT.replace("A valid incident", "Irpin").replace(
        "location: Bucha", "location: {name: Irpin, admin1: Kyiv Oblast, country: UA}") + "categories: [Shelling]\n")
    up_to_date(archive, TRANSLATED_FRONT + "machine_translated: true\n")
    assert archive.check()[0] == 0
    config = pipeline.load_config(archive.root)[0]
    archive_, bodies = linked[-1].archive, linked[-1].bodies
    view, shown = translations.view(archive_, bodies, "uk", config)
    original, translated = archive_.incidents["bucha"], view.incidents["bucha"]
    assert (translated.title, translated.summary, translated.location.name) == (
        "Розстріл у Бучі", "Чоловіків розстріляли за будинком.", "Буча")
    assert translated.corrections[0].note == "Дата була хибна." and translated.corrections[0].date == original.corrections[0].date
    assert (translated.lang, translated.original_lang, translated.machine_translated) == ("uk", "en", True)
    assert (translated.date, translated.status, translated.sources, translated.location.country) == (
        original.date, original.status, original.sources, original.location.country)
    assert translated.digest != original.digest  # pages that show it are made again when the translation changes
    assert shown["bucha"] == bodies["uk:bucha"] != bodies["bucha"]
    assert view.incidents["irpin"] is archive_.incidents["irpin"]  # not translated: as it is
    assert translations.translated_ids(archive_, "uk") == {"bucha"}
    assert translations.view(archive_, bodies, "en", config) == (archive_, bodies)
    # terms and places under their names in Ukrainian, at the same addresses
    assert [(group.name, group.slug) for group in view.taxonomies["categories"]] == [("Обстріл", "shelling")]
    ukraine = view.countries[0]
    assert (ukraine.name, ukraine.slug) == ("Україна", "ua")
    assert [(region.name, region.slug) for region in ukraine.children] == [("Київська область", "kyiv-oblast")]
    assert config.translated("uk").title == "Тестовий архів" and config.title == "Test archive"


def test_new_translate_writes_the_originals_text_with_its_current_version(archive):
    bilingual(archive)
    code, output = run_cli("new", "--root", str(archive.root), "--translate", "uk", ORIGINAL)
    assert (code, output.strip()) == (0, TRANSLATION)
    written = (archive.root / TRANSLATION).read_text(encoding="utf-8")
    assert 'title: "A valid incident"' in written and "  - note: \"The date was wrong.\"" in written
    assert written.endswith("---\nMen were shot behind 144 Yablunska Street.\n")
    code, output = archive.check("--strict")  # current: not even a warning
    assert code == 0, output
    code, output = run_cli("new", "--root", str(archive.root), "--translate", "uk", ORIGINAL)
    assert code == 1 and f"{TRANSLATION} already exists" in output


def test_new_translate_refuses_a_language_the_archive_does_not_have(archive):
    bilingual(archive)
    code, output = run_cli("new", "--root", str(archive.root), "--translate", "fr", ORIGINAL)
    assert code == 1 and "new: --translate: 'fr' is not one of site.yaml's other languages (uk)" in output
    assert not (archive.root / "content/incidents/2022/bucha.fr.md").exists()


@pytest.fixture
def converted(monkeypatch) -> dict:
    """Each body the next run converts (run it with --jobs 1): (its file, its language's prefix) → its HTML."""
    from incident_archive import markup

    bodies: dict = {}
    convert = markup.Converter.convert

    def keeping(self, document, text):
        body, html = convert(self, document, text)
        bodies[(document.path, document.prefix)] = html
        return body, html

    monkeypatch.setattr(markup.Converter, "convert", keeping)
    return bodies


def test_a_translations_links_lead_to_its_languages_pages_where_they_exist(archive, converted):
    bilingual(archive)
    archive.incident("irpin", VALID_FRONT.replace("A valid incident", "Irpin"))
    archive.incident("kyiv", VALID_FRONT.replace("A valid incident", "Kyiv"))
    archive.incident("bucha", ORIGINAL_FRONT, "See [[kyiv]].\n")
    archive.write("content/incidents/2022/kyiv.uk.md", "---\ntitle: Київ\n---\nТекст.\n")
    archive.write("content/pages/about.md", "---\ntitle: About\n---\nAbout us.\n")
    archive.write("content/media/map.png", TINY_PNG)
    translate(archive, body="[[irpin]], [[kyiv]], [the same](kyiv.md), [about](../../pages/about.md), "
                            "[home](../../_index.md) ![A map](../../media/map.png)\n")
    assert archive.check("--jobs", "1")[0] == 0
    html = converted[(TRANSLATION, "uk/")]
    assert '<a href="../../../incidents/irpin/index.html">Irpin</a>' in html  # not translated: the original's page
    assert '<a href="../kyiv/index.html">Київ</a>' in html and '<a href="../kyiv/index.html">the same</a>' in html
    assert '<a href="../../about/index.html">about</a>' in html and '<a href="../../index.html">home</a>' in html
    assert 'src="../../../media/map.png"' in html  # the media every language shares, at the root
    assert '<a href="../kyiv/index.html">Kyiv</a>' in converted[(ORIGINAL, "")]  # the original's, in its language
    assert '<p>About us.</p>' in converted[("content/pages/about.md", "uk/")]  # each language has every page


def test_a_machine_translation_has_its_page_which_says_so_and_links_to_the_original(archive):
    bilingual(archive)
    archive.incident("irpin", VALID_FRONT.replace("A valid incident", "Irpin"))
    up_to_date(archive, TRANSLATED_FRONT + "machine_translated: true\n")
    code, output = archive.build("--strict")
    assert code == 0, output
    page = (archive.output / "uk/incidents/bucha/index.html").read_text(encoding="utf-8")
    assert "<h1>Розстріл у Бучі</h1>" in page and "<p>Чоловіків розстріляли.</p>" in page
    # the interface in Ukrainian (templates/locales/uk.po): "Machine translation:", "Read the original"
    assert re.search(r'<p class="translation-note" role="note"><strong>Машинний переклад:</strong> .*'
                     r'<a href="../../../incidents/bucha/index.html" hreflang="en">Читати оригінал</a></p>', page)
    assert "translation-note" not in (archive.output / "incidents/bucha/index.html").read_text(encoding="utf-8")
    assert not (archive.output / "uk/incidents/irpin").exists()
    listing = (archive.output / "uk/incidents/index.html").read_text(encoding="utf-8")
    assert re.search(r'<li lang="en">\s*<h2 class="incident-title"><a href="../../incidents/irpin/index.html">Irpin</a>',
                     listing)  # not translated: in English, linked to its page
    assert re.search(r'<li>\s*<h2 class="incident-title"><a href="bucha/index.html">Розстріл у Бучі</a>', listing)

    translate(archive, TRANSLATED_FRONT)  # a person checked it: the label goes
    assert archive.build()[0] == 0
    page = (archive.output / "uk/incidents/bucha/index.html").read_text(encoding="utf-8")
    assert "Машинний переклад" not in page and "Перекладено з оригіналу." in page  # uk.po: "Translated from the original."


def test_a_translation_of_a_translation_is_an_error_not_a_file_nobody_reads(archive):
    bilingual(archive)
    archive.incident("bucha.uk.uk", "title: Двічі\n")
    for command in (archive.check, archive.build):
        code, output = command()
        assert code == 1
        assert ("content/incidents/2022/bucha.uk.uk.md:1: file: translates content/incidents/2022/bucha.uk.md, "
                "which is a translation itself") in output
