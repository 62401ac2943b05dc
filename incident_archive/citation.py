"""Render stage: how to cite a record, as a plain citation and as BibTeX, with its permanent address.

The citation names the archive as author and the record's own last-updated date, never the
build's: a citation must not change because the site was rebuilt. Readers add the date they
consulted it, as citation styles ask.
"""

from __future__ import annotations

from . import urls
from .config import Config
from .model import Incident

_BIBTEX_SPECIAL = str.maketrans({
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
})


def plain(incident: Incident, config: Config) -> str:
    """APA-like: Archive. (2026, November 26). Title [Incident record id]. URL"""
    when = incident.updated
    dated = f"{when.year}, {when.month_name} {when.day}" if when and when.day else \
        f"{when.year}, {when.month_name}" if when and when.month else str(when.year) if when else "n.d."
    url = urls.permanent(config.base_url, incident.id)
    return f"{config.title}. ({dated}). {incident.title} [Incident record {incident.id}].{' ' + url if url else ''}"


def bibtex(incident: Incident, config: Config) -> str:
    fields = [
        # Double braces keep the archive's name as one author, not "first name last name".
        ("author", "{{" + _escape(config.title) + "}}"),
        ("title", "{{" + _escape(incident.title) + "}}"),
        ("note", "{" + _escape(f"Incident record {incident.id}; incident of {incident.date.human()}; "
                               f"status: {incident.status}") + "}"),
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
