"""Render stage: how to cite a record, as a plain citation and as BibTeX, with its permanent address.

The citation names the archive as author and the record's own last-updated date, never the
build's: a citation must not change because the site was rebuilt. Readers add the date they
consulted it, as citation styles ask. Its words are the page's language's; its date is APA's in
English (2026, November 26) and the language's own long form in the others.
"""

from __future__ import annotations

from . import urls
from .config import Config
from .dates import PartialDate
from .i18n import Words
from .model import Incident

_BIBTEX_SPECIAL = str.maketrans({
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
})


def plain(incident: Incident, config: Config, words: Words) -> str:
    """APA-like: Archive. (2026, November 26). Title [Incident record id]. URL"""
    url = urls.permanent(config.base_url, incident.id)
    record = words.gettext("Incident record %(id)s") % {"id": incident.id}
    return f"{config.title}. ({_dated(incident.updated, words)}). {incident.title} [{record}].{' ' + url if url else ''}"


def _dated(when: PartialDate | None, words: Words) -> str:
    if when is None:
        # Translators: "no date" in a citation, as the language's citation styles abbreviate it.
        return words.gettext("n.d.")
    if words.code.split("-")[0].lower() != "en":
        return words.date(when)
    return f"{when.year}, {when.month_name} {when.day}" if when.day else \
        f"{when.year}, {when.month_name}" if when.month else str(when.year)


def bibtex(incident: Incident, config: Config, words: Words) -> str:
    note = words.gettext("Incident record %(id)s; incident of %(date)s; status: %(status)s") % {
        "id": incident.id, "date": words.date(incident.date), "status": incident.status}
    fields = [
        # Double braces keep the archive's name as one author, not "first name last name".
        ("author", "{{" + _escape(config.title) + "}}"),
        ("title", "{{" + _escape(incident.title) + "}}"),
        ("note", "{" + _escape(note) + "}"),
    ]
    if incident.updated:
        fields.append(("year", "{" + str(incident.updated.year) + "}"))
        if incident.updated.month:  # BibTeX's month macro (jan, feb...), unbraced
            fields.append(("month", incident.updated.month_name[:3].lower()))
    url = urls.permanent(config.base_url, incident.id)
    if url:
        fields += [("url", "{" + url + "}"), ("howpublished", "{\\url{" + url + "}}")]
    lines = [f"  {name:<12} = {value}," for name, value in fields]
    return "@misc{" + incident.id + ",\n" + "\n".join(lines) + "\n}"


def _escape(text: str) -> str:
    return text.translate(_BIBTEX_SPECIAL)
