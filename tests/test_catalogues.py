"""The interface's words come from a catalogue per language: the template is what the sources give,
every shipped language is complete, an archive overrides or adds a language, a Ukrainian page has no
English word of the interface, and a broken or hostile catalogue is a located problem, never markup."""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from babel.messages.pofile import read_po

from conftest import ArchiveFolder, run_cli
from incident_archive import catalogues
from incident_archive.config import DEFAULT_THEME

LOCALES = DEFAULT_THEME / "locales"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


# --- The engine's catalogues ---------------------------------------------------------------------

def test_the_committed_template_is_what_the_sources_give():
    """A word added to a template or to the Python that makes titles, without extracting it, fails here."""
    extracted = read_po(io.BytesIO(catalogues.template_bytes()))
    committed = read_po(io.BytesIO((LOCALES / "messages.pot").read_bytes()))
    missing = sorted(str(m.id) for m in extracted if m.id and m.id not in committed)
    stale = sorted(str(m.id) for m in committed if m.id and m.id not in extracted)
    assert (missing, stale) == ([], []), "run `python -m incident_archive.catalogues update`, then translate"
    assert catalogues.template_bytes() == (LOCALES / "messages.pot").read_bytes()


def _shipped() -> list[Path]:
    return sorted(LOCALES.glob("*.po"))


def test_ukrainian_is_shipped():
    assert [path.name for path in _shipped()] == ["uk.po"]


@pytest.mark.parametrize("path", _shipped(), ids=lambda path: path.stem)
def test_every_message_has_a_checked_translation_in_every_shipped_catalogue(path):
    template = read_po(io.BytesIO((LOCALES / "messages.pot").read_bytes()))
    catalogue = read_po(io.BytesIO(path.read_bytes()))
    untranslated, fuzzy, placeholders = [], [], []
    for message in template:
        if not message.id:
            continue
        translated = catalogue.get(message.id)
        forms = () if translated is None else translated.string if isinstance(translated.string, tuple) \
            else (translated.string,)
        if not forms or not all(forms):
            untranslated.append(message.id)
            continue
        if translated.fuzzy:
            fuzzy.append(message.id)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = {name for text in ids for name in PLACEHOLDER.findall(text)}
        placeholders += [(ids[0], form) for form in forms if set(PLACEHOLDER.findall(form)) != expected]
    assert untranslated == [], f"{path.name} lacks these messages of messages.pot"
    assert fuzzy == [], f"{path.name}: check these guessed translations, then remove their fuzzy flag"
    assert placeholders == [], "a translation must use exactly its message's placeholders"
    # its plural forms are CLDR's, as the brief of issue 14 gives them for Ukrainian
    assert catalogue.num_plurals == 3
    assert catalogues.problems({path.stem: ((path.name, path.read_bytes()),)}) == []


def test_update_leaves_up_to_date_catalogues_as_they_are(tmp_path):
    """`update` merges the template into each catalogue; on the shipped ones it changes no byte."""
    theme = tmp_path / "templates"
    (theme / "locales").mkdir(parents=True)
    for name in ("messages.pot", "uk.po"):
        (theme / "locales" / name).write_bytes((LOCALES / name).read_bytes())
    for template in DEFAULT_THEME.glob("*.*"):
        (theme / template.name).write_bytes(template.read_bytes())
    assert catalogues.update(theme) == []
    # a new word in a template reaches the template and, untranslated, each catalogue
    (theme / "404.html").write_text((theme / "404.html").read_text(encoding="utf-8").replace(
        "{% block main %}", '{% block main %}{{ _("A brand new sentence.") }}'), encoding="utf-8")
    assert sorted(path.name for path in catalogues.update(theme)) == ["messages.pot", "uk.po"]
    updated = read_po(io.BytesIO((theme / "locales" / "uk.po").read_bytes()))
    assert updated["A brand new sentence."].string == ""
    assert updated["Skip to content"].string == "Перейти до змісту"


# --- A Ukrainian archive ---------------------------------------------------------------------------

# Every word of its records and settings is Ukrainian (marked "Дані", data), so that what remains
# in Latin letters on its pages is the interface's, or one of these, which are no English words.
ALLOWED = {
    "CSV", "JSON", "GeoJSON", "BibTeX",  # names of formats, written so in Ukrainian too
    "SHA",  # SHA-256, the name of the hash
    "JavaScript",  # a name: the search page says it needs it
    "Linux", "macOS", "Windows",  # names of systems, beside the command for each
    "Natural", "Earth",  # Natural Earth, the name of the map's outlines (a proper name)
}
# Attributes a reader meets (read aloud or shown); data-* are the search script's messages.
READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder", "label"}
# Elements whose text is not a language's: scripts, and code (record ids, hashes, shell commands,
# BibTeX's syntax with its month macros).
NOT_WORDS = {"script", "style", "code", "pre"}
NOT_TEXT = re.compile(r"https?://\S+|\{\w+\}")  # addresses (a citation's), and search.js's {placeholders}

UKRAINIAN_SITE = """\
title: Дані архіву
description: Дані про інциденти.
base_url: https://example.org/arkhiv/
language: uk
contact: https://приклад.укр/форма
repository: https://github.com/owner/name
per_page: 2
latest: 3
"""
# No statuses or taxonomies: the engine's defaults, which the catalogue translates.

RECORDS = {
    "2022/i1": """\
title: Дані обстріл
date: 2022-03-04
date_end: 2022-03-06
location:
  {name: Дані вулиця, admin1: Дані область, admin2: Дані район, country: UA, lat: 50.54, lon: 30.21, precision: settlement}
status: retracted
categories: [Дані обстріл]
perpetrators: [Дані військо]
tags: [Дані мітка]
casualties: {killed: "3-5", injured: 2}
summary: Дані короткий опис.
content_warning: Дані смерть.
updated: 2022-05-01
corrections:
  - {date: 2022-04-01, note: Дані виправлення.}
media:
  - {file: mapa.svg, alt: Дані карта, caption: Дані підпис, credit: Дані автор, licence: Дані ліцензія, graphic: true}
related: [i2]
previous_ids: [i0]
sources:
  - url: https://example.org/a
    title: Дані джерело
    publisher: Дані видавець
    date: 2022-03-05
    type: ngo
    language: fr
    archived_url: https://web.archive.org/a
    accessed: 2022-03-07
    sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  - {description: Дані свідок, private: true}
  - {description: Дані інший свідок, private: true}
""",
    "2022/i2": """\
title: Дані друге
date: 2022-03
location: {name: Дані місто, admin1: Дані область, country: UA, lat: 50.5, lon: 30.2}
status: reported
sources: [https://example.org/b]
""",
    "2022/i3": """\
title: Дані третє
date: 2022
date_end: 2023-02
location: {name: Дані село, admin1: Дані інша область, country: UA, lat: 48.5, lon: 35.2, precision: region}
status: verified
sources:
  - {url: https://example.org/c, type: news, archived_url: "https://web.archive.org/c"}
""",
    "2021/i4": """\
title: Дані четверте
date: 2021-11-02
location: {name: Дані без країни}
status: contested
sources:
  - {url: https://example.org/d, type: social}
""",
    "2021/i5": """\
title: Дані пʼяте
date: 2021-11-20
location: {name: Дані місце, admin1: Дані область, country: UA, lat: 50.45, lon: 30.52}
status: corroborated
sources:
  - {url: https://example.org/e, type: court, archived_url: "https://web.archive.org/e"}
""",
}


def _ukrainian_archive(archive: ArchiveFolder, language: str = "uk") -> ArchiveFolder:
    archive.write("site.yaml", UKRAINIAN_SITE.replace("language: uk", f"language: {language}"))
    archive.write("content/_index.md", "---\ntitle: Дані головної сторінки\n---\nДані вступу.\n")
    archive.write("content/pages/pro.md", "---\ntitle: Дані про архів\nmenu: 1\nupdated: 2023-01-05\n---\nДані сторінки.\n")
    archive.write("content/media/mapa.svg", (Path(__file__).parent / "fixtures" / "minimal" / "content" / "media"
                                             / "map.svg").read_bytes())
    for name, front in RECORDS.items():
        year, slug = name.split("/")
        archive.incident(slug, front, body="Дані опис. Див. [[i2]].\n" if slug == "i1" else "Дані тіло.\n", year=year)
    return archive


class _ReadText(HTMLParser):
    """Every text node and read attribute of a page, but for code and scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.inside: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in NOT_WORDS:
            self.inside.append(tag)
        for name, value in attrs:
            if value and (name in READ_ATTRIBUTES or name.startswith("data-") and name != "data-taxonomy"
                          or name == "value" and tag in ("input", "button")):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if self.inside and self.inside[-1] == tag:
            self.inside.pop()

    def handle_data(self, data):
        if not self.inside:
            self.texts.append(data)


def english_words(texts: list[str]) -> set[str]:
    """Runs of three or more Latin letters that are not on the allowed list."""
    return {word for text in texts for word in re.findall(r"[A-Za-z]{3,}", NOT_TEXT.sub(" ", text))
            if word not in ALLOWED}


def english_on_pages(site: Path) -> dict[str, set[str]]:
    found = {}
    for page in sorted(site.rglob("*.html")):
        reader = _ReadText()
        reader.feed(page.read_text(encoding="utf-8"))
        if words := english_words(reader.texts):
            found[page.relative_to(site).as_posix()] = words
    return found


def test_a_ukrainian_archive_has_no_english_word_of_the_interface(archive, tmp_path):
    _ukrainian_archive(archive)
    target = tmp_path / "offline.zip"
    code, output = run_cli("bundle", "--root", str(archive.root), "--zip", str(target))
    assert code == 0, output
    assert english_on_pages(archive.output) == {}
    home = (archive.output / "index.html").read_text(encoding="utf-8")
    # the interface is there, in Ukrainian: headings, the engine's default statuses and taxonomies, dates, countries
    for words in ("Перейти до змісту", "Архів у цифрах", "Відкликано", "Категорії", "4 березня 2022\u202fр.", "Україна"):
        assert words in home, words
    search = (archive.output / "search" / "index.html").read_text(encoding="utf-8")
    assert 'data-found-few="Знайдено {n} інциденти."' in search and 'data-found-many="Знайдено {n} інцидентів."' in search
    # the feed's words, and the offline copy's README
    feed = ElementTree.parse(archive.output / "feed.xml").getroot()
    reader = _ReadText()
    for element in feed.iter():
        if element.text and not element.tag.endswith(("}id", "}uri", "}generator", "}updated")):
            reader.feed(element.text)
    assert english_words(reader.texts) == set()
    with zipfile.ZipFile(target) as bundle:
        readme = bundle.read(next(name for name in bundle.namelist() if name.endswith("/README.txt"))).decode()
    code_names = {"index", "html", "data", "incidents", "json", "schema", "csv", "geojson", "SHA", "SUMS", "sha", "sum", "id"}
    assert {word for word in english_words([NOT_TEXT.sub(" ", readme)]) if word not in code_names} == set()


def test_the_checker_finds_the_english_interface(archive):
    """The same archive in English: the check above would see it."""
    _ukrainian_archive(archive, "en")
    code, output = archive.build()
    assert code == 0, output
    found = english_on_pages(archive.output)
    assert {"Skip", "content", "Latest", "incidents"} <= found["index.html"]
    assert {"incidents", "found"} <= found["search/index.html"]  # the search script's messages


# --- An archive's own catalogues -----------------------------------------------------------------

def _po(entries: dict[str, str], header: str = "") -> str:
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=utf-8\\n"']
    lines += [f'"{line}\\n"' for line in header.splitlines()]
    for message, translation in entries.items():
        lines += ["", f'msgid "{message}"', f'msgstr "{translation}"']
    return "\n".join(lines) + "\n"


def test_an_archives_catalogue_overrides_an_entry_and_the_rest_stay_the_engines(archive):
    _ukrainian_archive(archive)
    archive.write("templates/locales/uk.po", _po({"Skip to content": "До основного"}))
    code, output = archive.build()
    assert code == 0, output
    home = (archive.output / "index.html").read_text(encoding="utf-8")
    assert ">До основного</a>" in home and "Перейти до змісту" not in home
    assert "Архів у цифрах" in home and "Останні інциденти" in home  # the engine's own


def test_an_archive_adds_a_language_and_what_it_does_not_translate_stays_english(archive):
    _ukrainian_archive(archive, "fr")
    archive.write("templates/locales/fr.po", _po({"Skip to content": "Aller au contenu"},
                                                 "Language: fr\nPlural-Forms: nplurals=2; plural=(n > 1);"))
    code, output = archive.build()
    assert code == 0, output
    home = (archive.output / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in home and ">Aller au contenu</a>" in home
    assert "Latest incidents" in home and "The archive in figures" in home  # no translation: English
    assert "4 mars 2022" in home  # dates are the language's own (CLDR), catalogue or not


# --- Broken and hostile catalogues ---------------------------------------------------------------

@pytest.mark.parametrize("catalogue, line, message", [
    ('msgid "Skip to content"\nmsgstr "До основного"\nthis is not gettext\n', 3, "is not a gettext catalogue Babel can read"),
    ('msgid "Page %(number)s of %(count)s"\nmsgstr "Сторінка %(nomer)s"\n', 1, "uses %(nomer)s, which the message does not give"),
    ('msgid "Skip to content"\nmsgstr "100% до змісту"\n', 1, "write a percent sign as %%"),
    ('msgid ""\nmsgstr "Plural-Forms: nplurals=2; plural=import os;\\n"\n', 1, "is not a plural expression gettext can evaluate"),
    (b'msgid "Skip to content"\nmsgstr "\xff"\n', 2, "is not UTF-8"),
], ids=["syntax", "unknown placeholder", "lone percent", "plural forms", "not UTF-8"])
def test_a_broken_catalogue_is_a_problem_at_its_line_and_the_site_stays_as_it_was(archive, catalogue, line, message):
    _ukrainian_archive(archive)
    assert archive.build()[0] == 0
    before = (archive.output / "index.html").read_bytes()
    archive.write("templates/locales/uk.po", catalogue)
    for command in (archive.check, archive.build):
        code, output = command()
        assert code == 1, output
        assert re.search(rf"^templates/locales/uk\.po:{line}: template: .*{re.escape(message)}", output, re.MULTILINE), output
        assert "Traceback" not in output
    assert (archive.output / "index.html").read_bytes() == before


def test_markup_in_a_translation_is_shown_as_text(archive):
    _ukrainian_archive(archive)
    archive.write("templates/locales/uk.po", _po({
        "Skip to content": "<script>alert(1)</script>",
        "Found an error? %(report)s; see also %(pages)s.": '<a href=\\"https://evil.example/\\">%(report)s</a> %(pages)s',
    }))
    code, output = archive.build()
    assert code == 0, output
    home = (archive.output / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in home and "<script>alert" not in home
    assert "evil.example" not in re.sub(r"&lt;a href=&#34;https://evil\.example/&#34;&gt;", "", home)
    # the sentence's own link (a parameter) is still a link
    assert '&gt;<a href="https://приклад.укр/форма" rel="noreferrer">' in home


@pytest.mark.slow
def test_the_search_script_speaks_the_pages_language(archive):
    """search.js takes its words from the Ukrainian page, each count in the form Ukrainian gives it."""
    from test_browser import chromium_in_its_own_thread, expect

    _ukrainian_archive(archive)
    code, output = archive.build()
    assert code == 0, output

    def search(visit):
        visit.open("search/index.html")
        count, box = visit.page.locator("#search-count"), visit.page.locator("#search-q")
        expect(count).to_have_text("Введіть слово або виберіть фільтр.")
        said = []
        for query in ("Дані", "область", "четверте", "немає-такого"):  # 5, 4, 1 and 0 incidents
            box.fill(query)
            expect(count).not_to_have_text(said[-1] if said else "Введіть слово або виберіть фільтр.")
            said.append(count.inner_text())
        visit.page.locator("#search-status").select_option("retracted")
        expect(visit.page.locator("#search-filters-active")).to_have_text("1 активний")
        expect(visit.page.locator("#search-progress")).to_have_text("Пошук у назвах, анотаціях, місцях, термінах і описах.")
        return said, visit.page.locator("main").inner_text(), visit.problems

    with chromium_in_its_own_thread() as run:
        said, text, problems = run(archive.output.as_uri() + "/", search)
    assert said == ["Знайдено 5 інцидентів.", "Знайдено 4 інциденти.", "Знайдено 1 інцидент.", "Не знайдено жодного інциденту."]
    assert english_words([text]) == set() and problems == []
