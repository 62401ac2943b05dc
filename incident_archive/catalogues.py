"""Read stage (theme, languages): the interface's catalogues checked; and, as a command, their template
extracted from the sources and merged into each language's catalogue.

Every word the theme shows is English in the sources (gettext's msgids: `_()` and `ngettext()` in
the templates, `words.gettext()` and `words.ngettext()` in the Python that makes page titles and
labels, `N_()` on the engine's default statuses and taxonomies), and each language's catalogue
translates them: `templates/locales/<code>.po`. Babel reads and writes them; Jinja's extractor finds
the templates' words:

    python -m incident_archive.catalogues extract   # templates/locales/messages.pot, from the sources
    python -m incident_archive.catalogues update    # its new messages into every templates/locales/*.po

`update` marks a message it guessed from a similar old one as fuzzy (a translator checks it; the
pages use English until then) and drops the messages the sources no longer have. Both write the
same bytes for the same sources: messages sorted, places given by file without line numbers, no
dates, so that the files change only when a message does (tests/test_catalogues.py compares).

A catalogue is also a maintainer's text that the build reads, the archive's own included
(templates/locales/uk.po overriding the engine's entry by entry): `problems` reports one that cannot
be read or whose translation would break a page (a placeholder its message does not give, a lone
%), at its file and line; i18n.py leaves such a catalogue out, and never lets a translation be markup.
"""

from __future__ import annotations

import argparse
import functools
import gettext
import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from .config import DEFAULT_THEME
from .model import Problem

PACKAGE = Path(__file__).resolve().parent
LOCALES = "locales"  # theme.CATALOGUES
TEMPLATE = "messages.pot"
# The functions whose literal arguments are messages: gettext's own names, in both languages.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
COMMENT_TAGS = ["Translators:"]
# Jinja's extractor, with the environment's own settings (render.make_environment), so that a
# template that fails to compile fails the extraction instead of giving nothing.
_TEMPLATE_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true", "keep_trailing_newline": "true",
                     "autoescape": "true", "newstyle_gettext": "true", "silent": "false"}
_TEMPLATE_METHODS = [("static/**", "ignore"), (f"{LOCALES}/**", "ignore"),
                     ("**.html", "jinja2.ext:babel_extract"), ("**.xml", "jinja2.ext:babel_extract"),
                     ("**.txt", "jinja2.ext:babel_extract")]
# Header lines that would change the file without a message changing: dates, Babel's version.
_CHANGING_HEADER = re.compile(rb'^"(?:POT-Creation-Date|PO-Revision-Date|Generated-By): [^"]*\\n"\n', re.MULTILINE)
_HEADER_COMMENT = ("# The interface's words, in English: the template of every language's catalogue.\n"
                   "# Made by `python -m incident_archive.catalogues extract`: edit the sources, not this file\n"
                   "# (CONTRIBUTING.md, \"Translating the interface\").")
# A Python format placeholder: %(name)s, %(num)d, %%.
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")


# --- Extraction --------------------------------------------------------------------------------

def extract(theme: Path = DEFAULT_THEME, package: Path = PACKAGE):
    """Every message of the theme's templates and the engine's Python, as Babel's Catalog (the .pot)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalogue = Catalog(project="incident-archive", version="", header_comment=_HEADER_COMMENT, fuzzy=False,
                        msgid_bugs_address="", last_translator="", language_team="")
    sources = [(theme, f"{theme.name}/", _TEMPLATE_METHODS, {"**.html": _TEMPLATE_OPTIONS, "**.xml": _TEMPLATE_OPTIONS,
                                                              "**.txt": _TEMPLATE_OPTIONS}),
               (package, f"{package.name}/", [("data/**", "ignore"), ("**.py", "python")], {})]
    for folder, shown, methods, options in sources:
        found = extract_from_dir(folder, methods, options, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
                                 strip_comment_tags=True)
        for filename, line, message, comments, context in found:
            catalogue.add(message, None, [(shown + filename.replace("\\", "/"), line)],
                          auto_comments=comments, context=context)
    return catalogue


def written(catalogue) -> bytes:
    """A catalogue as a .po or .pot file: the same bytes for the same messages (sorted, places without
    line numbers, no dates), so that it changes only when a message does."""
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalogue, width=100, sort_output=True, include_lineno=False, ignore_obsolete=True)
    return _CHANGING_HEADER.sub(b"", buffer.getvalue())


def template_bytes(theme: Path = DEFAULT_THEME, package: Path = PACKAGE) -> bytes:
    return written(extract(theme, package))


def update(theme: Path = DEFAULT_THEME, package: Path = PACKAGE) -> list[Path]:
    """Write messages.pot, and merge it into each catalogue of the theme; → the files written."""
    from babel.messages.pofile import read_po

    folder = theme / LOCALES
    template = extract(theme, package)
    changed = _write(folder / TEMPLATE, written(template))
    for path in sorted(folder.glob("*.po")):
        catalogue = read_po(io.BytesIO(path.read_bytes()), locale=path.stem.replace("-", "_"), abort_invalid=True)
        catalogue.update(template, update_header_comment=False)
        changed += _write(path, written(catalogue))
    return changed


def _write(path: Path, data: bytes) -> list[Path]:
    if path.is_file() and path.read_bytes() == data:
        return []
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return [path]


# --- Checking ----------------------------------------------------------------------------------

def problems(catalogues: dict[str, tuple[tuple[str, bytes], ...]]) -> list[Problem]:
    """What is wrong with each catalogue the theme holds (theme.Theme.catalogues): one that Babel
    cannot read, a Plural-Forms that gettext cannot evaluate, and each translation that would fail
    on a page (its placeholders must be its message's: a page gives no others)."""
    found: list[Problem] = []
    for sources in catalogues.values():
        for shown, data in sources:
            found += _problems_of(shown, data)
    return found


@functools.cache  # read once per process for each catalogue's bytes: serve rebuilds often
def _problems_of(shown: str, data: bytes) -> tuple[Problem, ...]:
    from babel.messages.pofile import PoFileError, read_po

    try:
        catalogue = read_po(io.BytesIO(data), abort_invalid=True)
    except PoFileError as error:
        return (Problem(shown, error.lineno + 1, "template", f"is not a gettext catalogue Babel can read: "
                                                             f"{str(error).rsplit(' on ', 1)[0]} ({error.line.strip()[:80]!r})"),)
    except UnicodeDecodeError:
        return (Problem(shown, _first_undecodable_line(data), "template", "is not UTF-8; save it as UTF-8"),)
    except Exception as error:  # noqa: BLE001 - a header Babel cannot parse, whatever it raises
        return (Problem(shown, 1, "template", f"cannot be read: {error}"),)
    found = []
    try:
        gettext.c2py(catalogue.plural_expr or "(n != 1)")
    except (ValueError, RecursionError) as error:
        found.append(Problem(shown, 1, "template", f"Plural-Forms: {catalogue.plural_expr!r} is not a plural "
                                                   f"expression gettext can evaluate ({error})"))
    for message in catalogue:
        if not message.id or message.fuzzy:
            continue
        found += [Problem(shown, message.lineno or 1, "template", text) for text in _translation_problems(message)]
    return tuple(found)


def _first_undecodable_line(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return data[: error.start].count(b"\n") + 1
    return 1


def _translation_problems(message) -> Iterable[str]:
    """Why a translation would fail where a page shows it: every one is %-formatted with its message's
    placeholders (and `num`, a number, for a plural), as jinja2.ext.i18n and the Python calls do."""
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    # Each value as the message's own placeholder takes it: a number for %(name)d, a text for %(name)s.
    values: dict[str, object] = {name: 1 if kind == "d" else "text" for text in ids
                                 for name, kind in _PLACEHOLDER.findall(text) if name}
    if isinstance(message.id, tuple):
        values.setdefault("num", 1)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    for text in strings:
        if not text:
            continue
        unknown = sorted({name for name, _ in _PLACEHOLDER.findall(text) if name and name not in values})
        if unknown:
            offered = ", ".join(f"%({name})s" for name in sorted(values)) or "none"
            yield (f"the translation of {ids[0][:60]!r} uses {', '.join(f'%({name})s' for name in unknown)}, which "
                   f"the message does not give (it gives: {offered})")
            continue
        try:
            text % values
        except (ValueError, TypeError, KeyError):
            yield (f"the translation of {ids[0][:60]!r} is not a valid format: write a percent sign as %%, "
                   "and each placeholder as the message writes it")


# --- The command -------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m incident_archive.catalogues",
                                     description="The interface's gettext catalogues (templates/locales/).")
    parser.add_argument("command", choices=("extract", "update"),
                        help=f"extract: write {LOCALES}/{TEMPLATE} from the sources; update: that, then merge it "
                             f"into every {LOCALES}/*.po")
    args = parser.parse_args(argv)
    if args.command == "extract":
        changed = _write(DEFAULT_THEME / LOCALES / TEMPLATE, template_bytes())
    else:
        changed = update()
    for path in changed:
        print(f"wrote {path}")
    if not changed:
        print("the catalogues were up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
