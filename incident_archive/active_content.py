"""Read stage: finds active content and outside references in media files (SVG), which a browser would run or fetch.

An SVG under content/media/ is published on the site's own origin, and readers also open it on
its own, in a browser tab (they click the image link) or from an offline copy on disk. Opened like
that, an SVG is a full XML document: its scripts run with the archive's origin, and everything it
refers to is fetched, which breaks the archive's promise that no page makes a reader's browser
call a third party. So an SVG is published only if it is a plain drawing: this is an allow-list,
and anything it does not know to be inert is refused, with a message that says how to fix it.

The file is read with expat directly (not ElementTree), event by event, so that the check is
linear in the file's size, reports each problem at its line, and never expands an entity or
fetches anything. Hostile input never raises: whatever goes wrong becomes a problem.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from xml.parsers import expat

# More problems than this in one file are summed up in one last line: a volunteer fixes the
# first ones and checks again, and a hostile file cannot make the report (or the check) huge.
MAX_PROBLEMS = 20

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XHTML_NS = "http://www.w3.org/1999/xhtml"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
XUL_NS = "http://www.mozilla.org/keymaster/gatekeeper/there.is.only.xul"
XML_EVENTS_NS = "http://www.w3.org/2001/xml-events"

# Inkscape's and Sodipodi's own elements and attributes (sodipodi:namedview, inkscape:label, ...)
# are in nearly every file Inkscape saves. Browsers give elements and attributes in namespaces
# they do not know no behaviour at all, so these are allowed anywhere and their values not read.
HARMLESS_NS = frozenset({
    "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://inkscape.sourceforge.net/DTD/sodipodi-0.dtd",  # older Inkscape
})

# Namespaces whose elements a browser turns into live page elements wherever they appear in an
# XML document, even inside <metadata>: an XHTML <script> runs, MathML and XUL elements may link
# or run code, XML Events attach handlers. Refused everywhere.
ACTIVE_NS = {
    XHTML_NS: "XHTML (web page)",
    MATHML_NS: "MathML",
    XUL_NS: "XUL",
    XML_EVENTS_NS: "XML Events",
}

# Prefixes for attribute names in messages; expat gives namespace addresses, not prefixes.
_PREFIXES = {XLINK_NS: "xlink:", XML_NS: "xml:"}

_REMOVE = "remove it, or export the image as PNG"
# Elements that run code, embed a page or fetch a file: refused by name (compared in lower
# case, so that no spelling slips past, though XML names are case-sensitive).
DENIED_ELEMENTS = {
    # Scripts run with the site's origin when the SVG is opened on its own.
    "script": "a <script> element: scripts in an SVG run in readers' browsers; " + _REMOVE,
    # foreignObject embeds HTML, with its scripts, forms and frames, inside the drawing.
    "foreignobject": "a <foreignObject> element: it embeds a web page (HTML) inside the image, which can "
                     "run scripts and load files; " + _REMOVE,
    # iframe, embed and object load another page or file into the image.
    "iframe": "an <iframe> element: it loads another page into the image; " + _REMOVE,
    "embed": "an <embed> element: it loads another file or plugin into the image; " + _REMOVE,
    "object": "an <object> element: it loads another file or plugin into the image; " + _REMOVE,
    # audio and video fetch their media (often from another site) and are not a drawing.
    "audio": "an <audio> element: it loads sound from another file; remove it, and publish the sound as "
             "its own media file",
    "video": "a <video> element: it loads video from another file; remove it, and publish the video as "
             "its own media file",
    # A canvas shows nothing unless a script draws on it: in an SVG it can only mean a script.
    "canvas": "a <canvas> element: only a script can draw on it; " + _REMOVE,
    # SVG Tiny's <handler> and XML Events' <listener> attach scripts to events.
    "handler": "a <handler> element: it runs a script when something happens; " + _REMOVE,
    "listener": "a <listener> element: it runs a script when something happens; " + _REMOVE,
}

# Animations may set any attribute: animating href to javascript:, or an event handler into
# being, is a known way to run a script (plain animations of shape, colour or position are fine).
ANIMATIONS = frozenset({"animate", "set", "animatetransform", "animatemotion", "animatecolor"})
ANIMATION_VALUES = frozenset({"to", "from", "by", "values"})
_ANIMATION_ATTRIBUTES = ANIMATION_VALUES | {"attributename"}
# Attributes read whatever the element (besides event handlers, on*): see check_attribute.
_READ_ATTRIBUTES = frozenset({"href", "base", "ping", "style"})

# url(#id) refers to a part of the same file (a gradient, a filter, a clip path): fine. Any
# other url() makes the browser fetch something: another site, another file, or a data: document.
_URL_OUTSIDE = r"""url\s*\((?!\s*(?:#[^\s"'()\\]*|"#[^"\\\n]*"|'#[^'\\\n]*')\s*\))"""
_URL = re.compile(_URL_OUTSIDE, re.I)
# In CSS (style elements and attributes, and animated values, which may be CSS): @import loads a
# style sheet from elsewhere; expression() and javascript:/vbscript: ran scripts in old Internet
# Explorer; image-set(), image() and src() fetch a file named by a plain string, without url().
_CSS_ACTIVE = re.compile(
    rf"(?P<url>{_URL_OUTSIDE})"
    r"|(?P<import>@import)"
    r"|(?P<expression>expression\s*\()"
    r"|(?P<script>(?:java|vb)script\s*:)"
    r"|(?P<fetch>(?<![\w-])(?:-[a-z]+-)?image(?:-set)?\s*\(|(?<![\w-])src\s*\()",
    re.I,
)
# CSS hides words behind comments (old Internet Explorer read expr/**/ession() as expression())
# and escapes (\75rl( is url(): each CSS text is also read with comments removed and escapes decoded.
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.S)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})(?:\r\n|[ \t\r\n\f])?|(.))", re.S)

_CSS_MESSAGES = {
    "url": "it makes the browser fetch a file, from another site or beside this one; only url(#id), "
           "for a part defined in the same file, is allowed",
    "import": "it loads a style sheet from elsewhere; remove it and write the rules in the file",
    "expression": "browsers run it as a script; remove it",
    "script": "it runs a script; remove it",
    "fetch": "it makes the browser fetch a file from elsewhere; remove it",
}

# An XML declaration may only name UTF-8 (or ASCII, a part of it): a browser opening the file
# decodes it as declared, and the check must read the same characters the browser will. These
# are the WHATWG Encoding Standard's names for UTF-8, and two names for ASCII.
_UTF8_NAMES = frozenset({"utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"})
_ASCII_NAMES = frozenset({"us-ascii", "ascii"})

# Characters a URL parser drops before reading a URL (leading/trailing controls and spaces, tabs
# and newlines anywhere): " java\tscript:" is javascript: to a browser.
_URL_TRIM = "".join(chr(code) for code in range(0x21))
_URL_DROPPED = re.compile(r"[\t\n\r]")


class _Stop(Exception):
    """Ends the parse early: too many problems, or an entity that must not be expanded."""


def svg_problems(data: bytes) -> list[tuple[int, str]]:
    """(line, message) for each reason the SVG is unsafe to publish; [] when it is a plain image."""
    try:
        return _problems(bytes(data))
    except Exception as error:  # noqa: BLE001 - hostile input must give a problem, never a traceback
        return [(1, f"could not be checked ({type(error).__name__}): export the image again, or as PNG")]


def _problems(data: bytes) -> list[tuple[int, str]]:
    if not data.strip():
        return [(1, "is empty: an SVG file holds an <svg> element; export the image again")]
    # Only UTF-8 is read, so that the check sees the characters a browser sees (expat would
    # otherwise follow a byte-order mark to UTF-16).
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return [(line, f"is not UTF-8 (byte 0x{data[error.start]:02x}); save it as UTF-8")]
    return _Checker().run(data)


def _shown(text: str, limit: int = 60) -> str:
    """A value as quoted in a message: one line, printable, short (data: addresses run to megabytes)."""
    text = " ".join(text[: limit * 4].split())
    text = "".join(char if char.isprintable() else "?" for char in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _split(name: str) -> tuple[str, str]:
    """expat's "namespace local" name as (namespace, local); a namespace never holds the space."""
    namespace, _, local = name.rpartition(" ")
    return namespace, local


class _Checker:
    def __init__(self) -> None:
        self.problems: dict[tuple[int, str], None] = {}  # ordered, without repeats
        self.truncated = False
        self.root_seen = False
        self.foreign_root_ns: str | None = None  # the root's namespace when it is not SVG's
        self.ascii_only = True
        # One entry per open element: whether it is inside <metadata>, whether it is a <style>.
        self.in_metadata: list[bool] = []
        self.is_style: list[bool] = []
        # One entry per open <style> element: the line its text starts on, and the text's pieces.
        self.styles: list[tuple[list[int], list[str]]] = []
        self.parser = expat.ParserCreate(encoding="UTF-8", namespace_separator=" ")

    def add(self, line: int, message: str) -> None:
        if len(self.problems) > MAX_PROBLEMS:
            self.truncated = True
            raise _Stop
        self.problems.setdefault((line, message), None)

    def run(self, data: bytes) -> list[tuple[int, str]]:
        parser = self.parser
        self.ascii_only = data.isascii()
        # Never read parameter entities or an external DTD subset: no file or address named in a
        # DOCTYPE is ever opened (pyexpat opens none by itself; this makes sure of it).
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.XmlDeclHandler = self.xml_declaration
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.entity
        parser.ExternalEntityRefHandler = self.external_entity
        parser.ProcessingInstructionHandler = self.processing_instruction
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        try:
            parser.Parse(data, True)
        except _Stop:
            pass
        except expat.ExpatError as error:
            reason = expat.ErrorString(error.code) if error.code else str(error)
            self.problems.setdefault((max(error.lineno or 1, 1), (
                f"is not well-formed XML: {reason} (column {error.offset + 1}); a browser would not show it "
                "as an image: export the image again")), None)
        problems = sorted(self.problems, key=lambda problem: problem[0])
        if self.truncated or len(problems) > MAX_PROBLEMS:
            line = problems[MAX_PROBLEMS - 1][0]
            problems = problems[: MAX_PROBLEMS - 1] + [
                (line, "has more problems from this line on, not listed: fix the ones above and check again")]
        return problems

    def line(self) -> int:
        return self.parser.CurrentLineNumber

    # -- the prolog -----------------------------------------------------------------------

    def xml_declaration(self, version: str | None, encoding: str | None, standalone: int) -> None:
        if encoding is None or encoding.lower() in _UTF8_NAMES:
            return
        if encoding.lower() in _ASCII_NAMES:
            if self.ascii_only:
                return
            self.add(self.line(), f'declares encoding="{_shown(encoding)}" but holds characters that are not '
                                  'ASCII: write encoding="UTF-8" in its first line instead')
            return
        # Another encoding: a browser would decode the bytes otherwise than this check did.
        self.add(self.line(), f'declares encoding="{_shown(encoding)}": only UTF-8 is accepted; save the file '
                              'as UTF-8 and write encoding="UTF-8" in its first line')

    def doctype(self, name: str, system_id: str | None, public_id: str | None, has_internal_subset: int) -> None:
        # A DOCTYPE may define entities, which expand to gigabytes ("billion laughs") or read
        # other files and addresses (external entities). A drawing never needs one; drawing
        # programs add it out of habit.
        self.add(self.line(), "has a <!DOCTYPE ...> declaration, which can make a browser expand entities "
                              "or read other files; remove the <!DOCTYPE ...> line"
                              + (" with its [...] part" if has_internal_subset else "")
                              + " (the image does not need it)")

    def entity(self, name: str, is_parameter_entity: int, *rest: object) -> None:
        # The check stops at the first entity definition, before any use of it: nothing is
        # ever expanded, so a billion-laughs file costs no more than its size.
        shown = ("%" if is_parameter_entity else "") + _shown(name or "")
        self.add(self.line(), f"defines the entity {shown} in its DOCTYPE: entities can expand to gigabytes or "
                              "read other files, so the rest of the file was not checked; remove the <!DOCTYPE "
                              "...> declaration with its [...] part")
        raise _Stop

    def external_entity(self, context: str | None, base: str | None, system_id: str | None,
                        public_id: str | None) -> int:
        self.add(self.line(), f"refers to an outside entity ({_shown(system_id or '')}): the file would be read "
                              "from elsewhere; remove the <!DOCTYPE ...> declaration and the reference")
        raise _Stop

    def processing_instruction(self, target: str, data: str) -> None:
        # <?xml-stylesheet?> loads a style sheet (CSS or XSLT) from elsewhere; no drawing needs
        # any processing instruction (the <?xml ...?> declaration is not one).
        self.add(self.line(), f"has a processing instruction <?{_shown(target)} ...?>: it can load a style "
                              "sheet from elsewhere; remove it")

    # -- elements -------------------------------------------------------------------------

    def start(self, name: str, attributes: dict[str, str]) -> None:
        line = self.line()
        namespace, local = _split(name)
        inside_metadata = bool(self.in_metadata) and self.in_metadata[-1]
        self.in_metadata.append(inside_metadata or (namespace == SVG_NS and local == "metadata"))
        is_style = local == "style" and namespace not in HARMLESS_NS
        self.is_style.append(is_style)
        if is_style:
            self.styles.append(([line], []))

        is_root = not self.root_seen
        if is_root:
            self.root_seen = True
            self.check_root(line, namespace, local)
        if namespace not in HARMLESS_NS:
            self.check_element(line, namespace, local, inside_metadata, is_root)
        self.check_attributes(line, namespace, local, attributes)

    def check_root(self, line: int, namespace: str, local: str) -> None:
        # The file must be an SVG document: anything else (an XHTML page renamed .svg, a bare
        # XML file) is shown by a browser as a page or a tree, not as an image.
        if namespace == SVG_NS and local == "svg":
            return
        self.foreign_root_ns = namespace
        if local == "svg" and not namespace:
            self.add(line, f'its <svg> element has no xmlns="{SVG_NS}": add that attribute to it')
        else:
            where = f" in the namespace {_shown(namespace)}" if namespace else ""
            self.add(line, f"starts with a <{_shown(local)}> element{where}, not <svg>: an SVG file starts with "
                           f'<svg xmlns="{SVG_NS}">; export the image again')

    def check_element(self, line: int, namespace: str, local: str, inside_metadata: bool, is_root: bool) -> None:
        # Inside <metadata>, elements of description vocabularies (RDF, Dublin Core, Creative
        # Commons, XMP) are fine: browsers give them no behaviour. Elements that browsers do give
        # behaviour (SVG's own, XHTML's, ...) are checked there as everywhere.
        checked_by_name = not inside_metadata or namespace in (SVG_NS, "") or namespace in ACTIVE_NS
        denied = DENIED_ELEMENTS.get(local.lower()) if checked_by_name else None
        if denied:
            self.add(line, "has " + denied)
        elif namespace in ACTIVE_NS and namespace != self.foreign_root_ns:
            self.add(line, f"has a <{_shown(local)}> element from the {ACTIVE_NS[namespace]} namespace: browsers "
                           "treat it as part of a web page, which can run scripts or load files; remove it")
        elif namespace != SVG_NS and not inside_metadata and not is_root and namespace != self.foreign_root_ns:
            # Anything outside the SVG namespace is not part of the drawing, and may be a page
            # element a browser gives behaviour to: not allowed outside <metadata>.
            where = f"the namespace {_shown(namespace)}" if namespace else "no namespace"
            self.add(line, f"has a <{_shown(local)}> element in {where}, outside the SVG namespace: browsers do not "
                           "draw it; remove it (a description of the image belongs in <metadata>)")

    def check_attributes(self, line: int, namespace: str, local: str, attributes: dict[str, str]) -> None:
        animation = local.lower() in ANIMATIONS and namespace not in HARMLESS_NS
        for name, value in attributes.items():
            attribute_ns, _, attribute_local = name.rpartition(" ")
            if attribute_ns in HARMLESS_NS:
                continue
            lower = attribute_local.lower()
            if lower.startswith("on") or lower in _READ_ATTRIBUTES or (animation and lower in _ANIMATION_ATTRIBUTES):
                self.check_attribute(line, local, attribute_ns, attribute_local, value, animation)
            elif "(" in value or "\\" in value:
                # Presentation attributes (fill, filter, clip-path, marker-start, cursor, ...)
                # take url(): only references into the same file are allowed. (Path data and
                # numbers, most of a large drawing, hold no parenthesis and are not read further.)
                self.check_css(line, functools.partial(self.where, local, attribute_ns, attribute_local), value, full=False)

    def where(self, local: str, attribute_ns: str, attribute_local: str) -> str:
        return f"the {_PREFIXES.get(attribute_ns, '')}{_shown(attribute_local)} attribute of <{_shown(local)}>"

    def check_attribute(self, line: int, local: str, attribute_ns: str, attribute_local: str, value: str,
                        animation: bool) -> None:
        element = _shown(local)
        shown = _PREFIXES.get(attribute_ns, "") + _shown(attribute_local)
        lower = attribute_local.lower()
        if lower.startswith("on"):
            # Event handlers (onload, onclick, ...) are scripts.
            self.add(line, f'has an event handler {shown}="..." on <{element}>: it runs a script in readers\' '
                           "browsers; remove the attribute")
        elif lower == "href":
            self.check_href(line, element, shown, value)
        elif lower == "base" and attribute_ns == XML_NS:
            # xml:base changes what every reference in the element points to, so that even
            # "#id" can mean a file on another site.
            self.add(line, f'has xml:base="{_shown(value)}" on <{element}>: it makes the references in the '
                           "file point elsewhere; remove the attribute")
        elif lower == "ping":
            # ping makes a click report to an address.
            self.add(line, f'has ping="{_shown(value)}" on <{element}>: it sends a message to another '
                           "address when the link is followed; remove the attribute")
        elif animation and lower == "attributename":
            self.check_animation_target(line, element, value)
        else:
            # A style attribute is CSS; so may be the values an animation sets (to, from, by,
            # values), as it may set a style attribute.
            self.check_css(line, lambda: self.where(local, attribute_ns, attribute_local), value,
                           full=lower == "style" or animation)

    def check_href(self, line: int, element: str, shown: str, value: str) -> None:
        # href and xlink:href (on a, use, image, feImage, pattern, textPath, gradients, ...) may
        # only point into the same file ("#id"): javascript: runs a script, data: can hold a page
        # or a file, http(s): and //host call another site, and a relative path is fetched
        # from beside the SVG when it is opened on its own. An empty href refers to the file
        # itself and fetches nothing.
        address = _URL_DROPPED.sub("", value).strip(_URL_TRIM)
        if not address or address.startswith("#"):
            return
        lower = address.lower()
        if lower.startswith(("javascript:", "vbscript:")):
            why = "it runs a script"
        elif lower.startswith("data:"):
            why = "a data: address can hold a web page with scripts, or another file"
        elif lower.startswith(("http:", "https:", "//", "\\\\", "/\\", "\\/", "ftp:")):
            why = "it makes the reader's browser contact another site"
        else:
            why = "it refers to another file, which a browser fetches when the SVG is opened on its own"
        if element in ("image", "feImage"):
            fix = "export the whole drawing as PNG, or publish the picture as its own media file"
        elif element == "a":
            fix = "remove the link (give the address in the incident's text instead)"
        else:
            fix = "copy what it refers to into this file and refer to it as #id"
        self.add(line, f'has {shown}="{_shown(value)}" on <{element}>: {why}; only references inside the file '
                       f"(#id) are allowed: {fix}")

    def check_animation_target(self, line: int, element: str, value: str) -> None:
        target = value.strip().lower()
        local = target.rpartition(":")[2]
        if local == "href" or local.startswith("on") or target in ("xml:base", "ping"):
            article = "an" if element[:1].lower() in "aeiou" else "a"
            self.add(line, f'has {article} <{element}> element that changes the attribute {_shown(value.strip())}: '
                           "animating a link or an event handler can make it run a script; remove the animation")

    def check_css(self, line: int, where: Callable[[], str], text: str, full: bool,
                  count_lines: bool = False) -> None:
        # An attribute's value is on its element's line (expat turns its line breaks to spaces);
        # a <style> element's text is counted line by line from where it starts.
        for offset, snippet, kind in _css_findings(text, full):
            self.add(line + offset if count_lines else line, f"has {snippet} in {where()}: {_CSS_MESSAGES[kind]}")

    def end(self, name: str) -> None:
        self.in_metadata.pop()
        if self.is_style.pop():
            first_line, pieces = self.styles.pop()
            if pieces:
                # A <style> element is a style sheet: @import, url() and old scripts, as in the
                # style attribute; each found at its own line.
                self.check_css(first_line[0], lambda: "a <style> element", "".join(pieces), full=True,
                               count_lines=True)

    def text(self, data: str) -> None:
        if self.styles:
            first_line, pieces = self.styles[-1]
            if not pieces:
                first_line[0] = self.line()
            pieces.append(data)


def _css_findings(text: str, full: bool) -> list[tuple[int, str, str]]:
    """(lines after the text's first, what was found, kind) for what in CSS text runs or fetches.

    full: all of _CSS_ACTIVE (style sheets, style attributes); else only url(), as presentation
    attributes take it. At most MAX_PROBLEMS + 1 findings: the caller stops there anyway.
    """
    if "(" not in text and "\\" not in text and (not full or ("@" not in text and ":" not in text)):
        return []  # the common case in a large drawing: path data, numbers, colours
    found: dict[tuple[int, str, str], None] = {}  # (lines, what was found as written, kind)
    seen: set[tuple[int, str]] = set()  # (line, kind) found in the text as written
    for number, variant in enumerate(_css_variants(text)):
        newlines, position = 0, 0
        for count, match in enumerate((_CSS_ACTIVE if full else _URL).finditer(variant)):
            # Every match is a problem: past some, the file is refused anyway and the rest
            # (often repeats of one line) would only make a hostile file slow to check.
            if count > 50 * MAX_PROBLEMS:
                break
            kind = match.lastgroup or "url"
            newlines += variant.count("\n", position, match.start())
            position = match.start()
            end = variant.find(")", position, position + 200)
            snippet = variant[position: end + 1] if kind == "url" and end >= 0 else match.group()
            if snippet.endswith("("):
                snippet += "...)"  # shown as url(...), expression(...)
            # A variant (comments removed, escapes decoded) adds only what the text as written
            # did not already show on that line.
            if number == 0:
                seen.add((newlines, kind))
            elif (newlines, kind) in seen:
                continue
            found.setdefault((newlines, snippet, kind), None)
            if len(found) > MAX_PROBLEMS:
                break
    return sorted((newlines, _shown(snippet), kind) for newlines, snippet, kind in found)[: MAX_PROBLEMS + 1]


def _css_variants(text: str) -> list[str]:
    """CSS text as written, with comments removed (their line breaks kept), and each with escapes decoded."""
    variants = [text]
    if "/*" in text:
        variants.append(_CSS_COMMENT.sub(lambda match: "\n" * match.group().count("\n"), text))
    if "\\" in text:
        variants += [_CSS_ESCAPE.sub(_unescape, variant) for variant in variants]
    return variants


def _unescape(match: re.Match[str]) -> str:
    if match.group(1):
        code = int(match.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return match.group(2)
