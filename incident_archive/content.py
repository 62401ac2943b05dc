"""Read stage: find the archive's Markdown files and split each into front matter (with lines) and body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from frontmatter.default_handlers import YAMLHandler

from . import inputs, yaml_messages
from .model import BodySource, Failure, Problem, Severity, digest
from .yaml_loader import Lines, load_yaml

CONTENT_DIR = "content"
INCIDENTS_DIR = "content/incidents"
PAGES_DIR = "content/pages"
HOME_FILE = "content/_index.md"
MEDIA_DIR = "content/media"

_HANDLER = YAMLHandler()


@dataclass
class RawFile:
    """One Markdown file as read: front matter not yet validated."""

    path: str  # relative to the archive folder, with forward slashes
    meta: dict | None  # None: the front matter is not valid YAML (its problems say why)
    lines: Lines
    body: str
    body_line: int  # file line of the body's first line
    body_start: int = 0  # offset of the body in the decoded text
    front_matter: str = ""

    @property
    def digest(self) -> str:
        return digest(self.path, self.front_matter)

    @property
    def body_source(self) -> BodySource:
        return BodySource(self.body_start, self.body_line, digest(self.body), not self.body.strip())


@dataclass
class Found:
    """The archive's files, each with its stamp (modification time and size) for the cache."""

    incidents: list[str]
    pages: list[str]
    media: list[str]  # relative to content/media
    stamps: dict[str, tuple[int, int]]
    problems: list[Problem]
    # Translations of incidents, pages and the home page: path → (the original's path, language).
    translations: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def home(self) -> str | None:
        return HOME_FILE if HOME_FILE in self.stamps else None


def discover(root: Path, languages: tuple[str, ...] = ()) -> Found:
    """Every file under content/, sorted into incidents, pages, translations and media, with a problem
    for each file not read.

    Nothing is left out without a word: a file that is a link, has a name that would break a link
    or a checkout, or sits where the build does not look is reported, never silently skipped.
    `<name>.<code>.md`, where code is one of the archive's `languages` other than the first (the
    default), translates `<name>.md` beside it.
    """
    inputs.forget()
    found = Found([], [], [], {}, [])
    others = {code.lower(): code for code in languages[1:]}
    seen: dict[str, str] = {}
    for entry in inputs.walk(root, CONTENT_DIR):
        if entry.refused:
            found.problems.append(Problem(entry.path, 1, "file", entry.refused))
            continue
        twin = seen.setdefault(inputs.same_on_windows_and_macos(entry.path), entry.path)
        if twin != entry.path:
            found.problems.append(Problem(entry.path, 1, "file", f"differs from {twin} only in letter case or accents: "
                                          "Windows and macOS would see one file; rename one of them"))
            continue
        kind, why_not = _kind_of(entry.path)
        if kind == "home" and entry.path != HOME_FILE:
            kind, why_not = _home_translation(entry.path, others)
        if why_not:
            found.problems.append(Problem(entry.path, 1, "file", f"is not read: {why_not}"))
            continue
        found.stamps[entry.path] = entry.stamp
        if kind == "incident":
            found.incidents.append(entry.path)
        elif kind == "page":
            found.pages.append(entry.path)
        elif kind == "media":
            found.media.append(entry.path[len(MEDIA_DIR) + 1:])
    _sort_translations(found, others)
    return found


def translated_name(path: str) -> tuple[str, str] | None:
    """'x/bucha.uk.md' → ('x/bucha.md', 'uk'): the file it would translate, and the language; None
    for a name with no language part."""
    folder, _, name = path.rpartition("/")
    stem, dot, code = name.removesuffix(".md").rpartition(".")
    if not name.endswith(".md") or not dot or not stem or not code:
        return None
    return f"{folder}/{stem}.md", code


def _sort_translations(found: Found, others: dict[str, str]) -> None:
    """Move the translations out of the incidents and pages; report those of no file, and the
    names that look like a translation into a language the archive does not have."""
    for kind in (found.incidents, found.pages):
        kept = []
        for path in kind:
            original, code = translated_name(path) or ("", "")
            if code.lower() in others:
                _add_translation(found, path, original, others[code.lower()], others)
                continue
            kept.append(path)
            if code and original in found.stamps and _is_language_tag(code):
                found.problems.append(Problem(
                    path, 1, "file", f"'{code}' is not one of site.yaml's languages, so this file is read as one "
                    f"of its own, not as a translation of {original}: add {code} to languages, or rename the file",
                    Severity.WARNING))
        kind[:] = kept
    for path in [path for path in found.stamps if path.startswith(f"{CONTENT_DIR}/_index.") and path != HOME_FILE]:
        original, code = translated_name(path) or (HOME_FILE, "")
        _add_translation(found, path, original, others[code.lower()], others)


def _add_translation(found: Found, path: str, original: str, code: str, others: dict[str, str]) -> None:
    translated_too = translated_name(original)
    if translated_too and translated_too[1].lower() in others:  # x.uk.uk.md: nothing would show it
        found.problems.append(Problem(path, 1, "file", f"translates {original}, which is a translation itself: "
                                      f"translate the original, {translated_too[0]}, and name the file after it"))
        return
    if original not in found.stamps:
        found.problems.append(Problem(path, 1, "file", f"translates {original}, which does not exist: "
                                      "a translation sits beside its original, named after it (bucha.md, bucha.uk.md)"))
        return
    found.translations[path] = (original, code)


def _home_translation(path: str, others: dict[str, str]) -> tuple[str, str | None]:
    """content/_index.uk.md translates the home page's text; another content/_index.<x>.md is not read."""
    code = (translated_name(path) or ("", ""))[1]
    if code.lower() in others:
        return "translation", None
    hint = f"'{code}' is not one of site.yaml's languages" if _is_language_tag(code) else "it is not the home page's file"
    return "", f"{hint}; content/ holds incidents/, pages/, media/, _index.md and its translations"


def _is_language_tag(code: str) -> bool:
    """Whether a file name's last part names a language (fr, pt-BR), as CLDR knows them."""
    if not _LANGUAGE_TAG.fullmatch(code):
        return False
    from babel import Locale, UnknownLocaleError  # only for the rare name with a dot in its stem

    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return False
    return True


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")  # config.LANGUAGE_TAG's rule


def _kind_of(path: str) -> tuple[str, str | None]:
    """(what the file is, or why the build does not read it)."""
    if path == HOME_FILE or (path.startswith(f"{CONTENT_DIR}/_index.") and path.count("/") == 1):
        return "home", None
    folder, _, name = path.rpartition("/")
    if path.startswith(MEDIA_DIR + "/"):
        return "media", None
    if path.startswith(INCIDENTS_DIR + "/"):
        return "incident", None if name.endswith(".md") else "incident files must end in .md"
    if path.startswith(PAGES_DIR + "/"):
        if folder != PAGES_DIR:
            return "page", "pages must be directly in content/pages/, not in a folder of it"
        return "page", None if name.endswith(".md") else "pages must end in .md"
    return "", ("content/ holds incidents/, pages/, media/ and _index.md; "
                "move the file into one of them")


def read_file(root: Path, relpath: str) -> tuple[RawFile | None, list[Problem]]:
    """Decode and split one file; every way it can be unreadable becomes a Problem."""
    try:
        data = inputs.read_text_file(root, relpath)
    except OSError as error:
        return None, [unreadable(relpath, error)]
    text, problem = decode_text(relpath, data)
    if problem:
        return None, [problem]
    return split_front_matter(relpath, text)


def unreadable(relpath: str, error: OSError) -> Problem:
    return Problem(relpath, 1, "file", inputs.unreadable(error))


def decode_text(relpath: str, data: bytes) -> tuple[str, Problem | None]:
    """The text of a file read as UTF-8 (a BOM allowed), with Unix line ends; or the problem that stops it."""
    try:
        text = data.decode("utf-8-sig")  # a BOM, as Windows editors write, is accepted
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        return "", Problem(relpath, line, "file", f"is not UTF-8 (byte 0x{byte:02x}); save it as UTF-8")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    control = inputs.find_control(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        return "", Problem(relpath, line, "file", f"has a control character (U+{ord(control.group()):04X}) "
                           "on this line, which no page or feed may carry: delete it")
    return text, None


def split_front_matter(relpath: str, text: str) -> tuple[RawFile | None, list[Problem]]:
    if not text.strip():
        return None, [Problem(relpath, 1, "file", "is empty: it needs front matter between --- lines")]
    opening = _HANDLER.FM_BOUNDARY.match(text)  # as _HANDLER.detect looks for it
    if opening is None:
        return None, [Problem(relpath, 1, "front matter", yaml_messages.missing_opening(text))]
    # The boundary pattern may swallow blank lines after the opening ---: count from where YAML starts.
    yaml_start = opening.end()
    first_line = text[:yaml_start].count("\n") + 1
    try:
        front, body = _HANDLER.split(text)
    except ValueError:  # no second ---: its place is after the last field
        advice = yaml_messages.unclosed_front_matter(text[yaml_start:], first_line)
        return None, [Problem(relpath, advice.line, "front matter", advice.message)]
    body_start = len(text) - len(body)
    body_line = text[:body_start].count("\n") + 1
    meta, root_node, problems = load_yaml(relpath, front, first_line)
    # Front matter that YAML cannot read still leaves the body, whose own problems (broken links)
    # are reported in the same run: a contributor should not learn of them one round-trip later.
    return RawFile(relpath, meta, Lines(root_node, first_line), body, body_line, body_start, front), problems


class FileChanged(Failure):
    """A file edited while the site was being built, found by a stage that cannot report it itself."""


def read_body(root: Path, relpath: str, source: BodySource) -> tuple[str | None, Problem | None]:
    """A record's body, read again for conversion; a file edited since it was read is a problem."""
    try:
        text, problem = decode_text(relpath, inputs.read_text_file(root, relpath))
    except OSError as error:
        text, problem = "", unreadable(relpath, error)
    body = text[source.start:]
    if problem is None and digest(body) != source.digest:
        problem = Problem(relpath, source.line, "file", "changed while the site was being built; build again")
    return (None, problem) if problem else (body, None)
