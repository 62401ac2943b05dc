"""Render stage (languages): the archive's languages, the interface's words in each, and its dates and plural forms.

The words come from gettext catalogues read with Babel; dates and plural rules from Babel's CLDR.

The theme's words are English in the templates and the code (gettext's msgids); a catalogue per
language, `locales/<code>.po` in a theme folder, translates them. The archive's own theme folder
may hold one too: its entries override the default theme's one by one, and it may add a language
the engine does not ship. Catalogues are read from the theme (theme.py), so that a changed
translation changes the theme's key, and the pages made with the old one are made again.

A translation is text a maintainer wrote, yet it never becomes markup: `gettext` gives it escaped,
and the few sentences that hold a link take the link as a parameter (`%(link)s`).

Dates and plural rules come from Babel's copy of CLDR, except English's dates, which keep the archive's
own wording (dates.py: "4 March 2022", "28 February – 2 March 2022").
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from .dates import PartialDate, human_range

if TYPE_CHECKING:
    from babel.support import Translations

    from .config import Config



@dataclass(frozen=True)
class Language:
    """One of the archive's languages, as pages need it: its tag, where its pages live, which way it is written."""

    code: str  # a language tag: en, uk, ar, pt-BR
    prefix: str  # "" for the first language (the site's root), else "uk/"
    direction: str  # "ltr" or "rtl", for <html dir>
    name: str  # its own name, for the switcher: English, українська, العربية

    @property
    def default(self) -> bool:
        return not self.prefix


def languages(config: Config) -> tuple[Language, ...]:
    """The archive's languages, the default first."""
    return tuple(language_of(code, "" if index == 0 else f"{code}/") for index, code in enumerate(config.languages))


@functools.cache
def language_of(code: str, prefix: str = "") -> Language:
    locale = _locale(code)
    if locale is None:
        return Language(code, prefix, "ltr", code)
    name = locale.get_display_name(locale) or code
    name = name[:1].upper() + name[1:]  # a switcher's entry starts a line: Українська, not українська
    return Language(code, prefix, "rtl" if locale.character_order == "right-to-left" else "ltr", name)


@functools.cache
def _locale(code: str):
    """Babel's Locale for a tag, or None when CLDR does not know it (the language is still usable)."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


class Words:
    """The interface's words in one language: gettext over its catalogue, and its dates and plural forms."""

    def __init__(self, code: str, translations: Translations | None):
        self.code = code
        self._translations = translations
        # English dates keep dates.py's wording (asked for on every page: kept, not computed)
        self._english = code.split("-")[0].lower() == "en"

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message) if self._translations else message

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        if self._translations:
            return self._translations.ngettext(singular, plural, count)
        return singular if count == 1 else plural

    def date(self, date: PartialDate) -> str:
        """A date at its precision: 4 March 2022, March 2022, 2022 (in this language)."""
        if self._english or _locale(self.code) is None:
            return date.human()
        from babel.dates import format_date, format_skeleton

        if date.day and date.month:
            return format_date(_day(date), "long", locale=_locale(self.code))
        if date.month:
            return format_skeleton("yMMMM", _day(date), locale=_locale(self.code))
        return str(date.year)

    def date_range(self, start: PartialDate, end: PartialDate | None) -> str:
        if self._english or _locale(self.code) is None:
            return human_range(start, end)
        if end is None or end == start:
            return self.date(start)
        return f"{self.date(start)} – {self.date(end)}"

    def month(self, month: int) -> str:
        """A month's name standing alone (a chart's column): March, березень."""
        if self._english or _locale(self.code) is None:
            return PartialDate(2000, month).month_name
        return _locale(self.code).months["stand-alone"]["wide"][month]

    def month_abbreviated(self, month: int) -> str:
        """A month's short name standing alone (a narrow chart column): Mar, бер."""
        if self._english or _locale(self.code) is None:
            return PartialDate(2000, month).month_name[:3]
        return _locale(self.code).months["stand-alone"]["abbreviated"][month]

    def country(self, code: str) -> str | None:
        """A country's name in this language (CLDR), from its ISO 3166-1 code; None where CLDR has none."""
        locale = None if self._english else _locale(self.code)
        return locale.territories.get(code) if locale is not None else None

    def language_name(self, tag: str) -> str | None:
        """A language's name in this language (CLDR): українська for uk on a Ukrainian page; None where unknown."""
        locale, named = None if self._english else _locale(self.code), _locale(tag)
        return named.get_display_name(locale) if locale is not None and named is not None else None

    def plural_samples(self) -> tuple[tuple[str, int], ...]:
        """Each CLDR plural category a whole number can take in this language, with the smallest
        such number: (("one", 1), ("other", 0)) in English; ngettext of that number gives the
        category's form, for scripts that choose one with Intl.PluralRules (search.js)."""
        locale = _locale(self.code) or _locale("en")
        samples: dict[str, int] = {}
        for number in range(200):
            samples.setdefault(locale.plural_form(number), number)
        samples.setdefault("other", 100)  # the fallback a script takes (Ukrainian's is for fractions)
        return tuple(sorted(samples.items()))


def _day(date: PartialDate):
    import datetime

    return datetime.date(*date.first_day)


# --- Catalogues ---------------------------------------------------------------------------------

@functools.cache
def _compiled(sources: tuple[tuple[str, bytes], ...]) -> Translations | None:
    """Catalogues (name, .po bytes), later ones overriding earlier ones entry by entry, as gettext
    Translations. Cached by their bytes: a build reads each language's once."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    merged: Catalog | None = None
    for name, data in sources:
        try:
            catalogue = read_po(io.BytesIO(data), domain=name, abort_invalid=True)
        except Exception:  # noqa: BLE001 - reported where the theme is read (catalogues.problems); left out here
            continue
        if merged is None:
            merged = catalogue
            continue
        for message in catalogue:
            if message.id and message.string and not message.fuzzy:
                merged.delete(message.id, message.context)  # setting an id that is there would keep its old string
                merged[message.id] = message
    if merged is None:
        return None
    compiled = io.BytesIO()
    write_mo(compiled, merged, use_fuzzy=False)
    compiled.seek(0)
    try:
        return Translations(compiled)
    except Exception:  # noqa: BLE001 - a Plural-Forms gettext cannot read: reported with the theme
        return None


def words(code: str, sources: tuple[tuple[str, bytes], ...]) -> Words:
    return Words(code, _compiled(sources))


def escaped(text: str) -> Markup:
    """A translation as the pages use it: text, never markup, whoever wrote the catalogue.

    An apostrophe is left as it is (the archive's own words write "record's", not "record&#39;s"):
    it means nothing in text or in a double-quoted attribute, and the templates quote every
    attribute with double quotes."""
    return Markup(str(escape(text)).replace("&#39;", "'"))
