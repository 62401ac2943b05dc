"""The one Markdown → HTML function: GitHub-like extensions, incident links resolved in the tree, sanitised output."""

from __future__ import annotations

import functools
import html as html_entities
import posixpath
import re
import xml.etree.ElementTree as etree
from typing import cast
from urllib.parse import quote, unquote, urlsplit

import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString, HtmlStash
from pymdownx.slugs import slugify as github_slugify

from . import markup_limits, urls
from .content import HOME_FILE
from .fields import web_address_problem
from .inputs import CONTROL, find_control
from .markup_limits import Matched
from .model import Body, Document, LinkTable, Problem, Severity, digest

MEDIA_PREFIX = "content/media/"

# What the sanitiser keeps: what Markdown itself produces, plus harmless inline HTML.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "reversed"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "input": {"checked", "disabled"},
}
ALLOWED_CLASSES = {
    "a": {"footnote-ref", "footnote-backref", "headerlink"},
    "div": {"footnote"},
    "li": {"task-list-item"},
    "ul": {"task-list"},
}
HINTS_PER_BODY = 3
# The links and images of raw HTML, as Python-Markdown keeps it aside. [^<>]: a tag never spans
# another <, so an unclosed one costs one scan to the next <, not one to the end of the text.
_RAW_TAG = re.compile(r"<(a|img)\b([^<>]*)>", re.IGNORECASE)
_RAW_ADDRESS = re.compile(r"""(?:^|\s)(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)


def _raw_html_addresses(stash: HtmlStash) -> list[tuple[str, str]]:
    """(kind, address) of each link and image in the body's raw HTML, in order, each once."""
    found: dict[tuple[str, str], None] = {}  # an ordered set
    for block in stash.rawHtmlBlocks:
        for tag in _RAW_TAG.finditer(str(block)):
            element = tag.group(1).lower()
            for attribute in _RAW_ADDRESS.finditer(tag.group(2)):
                name, value = attribute.group(1).lower(), next(part for part in attribute.groups()[1:] if part is not None)
                if (element, name) in (("a", "href"), ("img", "src")):
                    found[("image" if element == "img" else "link", html_entities.unescape(value))] = None
    return list(found)


def _without_controls(html: str) -> str:
    """A control character written as an entity (&#27;) comes out of the sanitiser as itself; no page may hold one."""
    return CONTROL.sub("\ufffd", html) if find_control(html) else html


class Converter:
    """A reusable Markdown instance (building one costs more than converting a short body)."""

    def __init__(self, links: LinkTable):
        self.links = links
        self.md = markdown.Markdown(
            output_format="html",
            extensions=[
                # sane_lists: an ordered list starting at 3 starts at 3, as on GitHub.
                "tables", markup_limits.Footnotes(), "sane_lists", "toc",
                "pymdownx.superfences", "pymdownx.tilde",
                "pymdownx.tasklist", "pymdownx.betterem",
                _IncidentLinks(self),
            ],
            extension_configs={
                "toc": {"slugify": github_slugify(case="lower"), "permalink": False},
                "pymdownx.tilde": {"subscript": False},  # ~one~ and ~~two~~ strike through, as on GitHub
            },
        )
        self.document: Document | None = None
        self.text = ""
        self.too_deep, self.work_left, self.too_dense = (0, ""), 0, None
        self.body: Body | None = None
        self.lookups: dict[tuple[str, str], object] = {}
        self.resolved: set[str] = set()  # addresses the tree's links and images were given
        self.raw_addresses: dict[tuple[str, str], str | None] = {}  # raw HTML's, resolved and reported
        self.hints_left = 0
        self.sanitiser = nh3.Cleaner(
            tags=ALLOWED_TAGS,
            clean_content_tags={"script", "style"},
            attributes=ALLOWED_ATTRIBUTES,
            tag_attribute_values={"input": {"type": {"checkbox"}}},
            url_schemes={"http", "https", "mailto"},
            allowed_classes=ALLOWED_CLASSES,
            filter_style_properties={"text-align"},
            link_rel=None,  # rel="noreferrer" is added to links to other hosts only (_outbound_links_unreferred)
            # The sanitiser also sees raw HTML's links and images, which the tree never held.
            attribute_filter=self._raw_html_address,
        )

    def convert(self, document: Document, text: str) -> tuple[Body, str]:
        """(what the build keeps of the body, its HTML)."""
        self.document, self.text, self.body, self.lookups = document, text, Body(), {}
        self.resolved, self.hints_left = set(), HINTS_PER_BODY
        # What markup_limits.InlineLimits finds: the deepest inline nesting built, and its text; the copying
        # left before the markup is too dense, and then the markup where it ran out.
        self.too_deep, self.work_left, self.too_dense = (0, ""), markup_limits.MARKUP_WORK * len(text) + 1_000_000, None
        too_deep = markup_limits.too_deep(text)
        if too_deep:  # reported, and left out: converting it could crash the build or take minutes
            line, message = too_deep
            self.body.problems.append(Problem(document.path, document.body_line + line, "body", message))
            html = ""
        else:
            html = self.md.reset().convert(text)
            self.raw_addresses = {found: self._address(*found) for found in _raw_html_addresses(self.md.htmlStash)}
            html = _without_controls(self.sanitiser.clean(html))
            html = _outbound_links_unreferred(_marked_bare_links(_scrolling_tables(_only_hashed_styles(html))))
        body = self.body
        body.html_digest = digest(html)
        body.links_to = tuple(dict.fromkeys(body.links_to))
        body.lookups = tuple((name, argument, answer) for (name, argument), answer in self.lookups.items())
        self.document, self.text, self.body, self.lookups = None, "", None, {}
        return body, html

    # Called by the treeprocessors for each link and image of the body being converted.

    def hint(self, question: str, argument: str) -> str:
        """A "did you mean" for the first few broken links: each compares with every id or path of the archive."""
        if self.hints_left <= 0:
            return ""
        self.hints_left -= 1
        return self.ask(question, argument)

    def _raw_html_address(self, element: str, attribute: str, value: str) -> str | None:
        """nh3's filter: a raw HTML link or image goes through the rules a Markdown one does.

        Each was resolved (and reported) when its HTML was read, before the sanitiser, which drops an
        address it cannot parse without telling anyone.
        """
        if (element, attribute) not in (("a", "href"), ("img", "src")) or value in self.resolved:
            return value
        kind = "image" if element == "img" else "link"
        found = (kind, value)
        return self.raw_addresses[found] if found in self.raw_addresses else self._address(kind, value)

    def _address(self, kind: str, value: str) -> str | None:
        # The registry types what it holds as Treeprocessor; _IncidentLinks registered this one.
        resolver = cast(_ResolveLinks, self.md.treeprocessors["incident_links"])
        return resolver.address(value, kind)

    def ask(self, question: str, argument: str):
        """Ask the link table, remembering the answer: the conversion is valid while the answers are."""
        answer = getattr(self.links, question)(argument)
        self.lookups[(question, argument)] = answer
        return answer

    def converting(self) -> tuple[Document, Body]:
        """The document being converted, and its Body so far: the processors call back only inside convert()."""
        if self.document is None or self.body is None:
            raise RuntimeError("no body is being converted")
        return self.document, self.body

    def report(self, needle: str, field_name: str, message: str, severity: Severity = Severity.ERROR) -> None:
        (document, body), text = self.converting(), self.text
        at = text.find(needle)
        line = document.body_line + (text[:at].count("\n") if at >= 0 else 0)
        body.problems.append(Problem(document.path, line, field_name, message, severity))

    def page_url(self, target: str) -> str:
        return posixpath.relpath(target, self.converting()[0].page_dir)

    def incident_href(self, incident_id: str) -> str | None:
        """The link to an incident's page, or None when it is not published (a draft)."""
        incident_id = self.ask("current_id", incident_id)
        if self.ask("title", incident_id) is None:
            return None
        self.converting()[1].links_to += (incident_id,)
        return self.page_url(self._translated_page(incident_id) or urls.incident(incident_id))

    def incident_title(self, incident_id: str) -> str | None:
        """An incident's title in the body's language where it is translated into it, else its own."""
        translated = self._translated_page(incident_id)
        return self.ask("title_at", translated) if translated else self.ask("title", incident_id)

    def _translated_page(self, incident_id: str) -> str | None:
        """The incident's page in the language of the body being converted, if it has one there
        (a body in the default language: always None, its pages being the default ones)."""
        prefix = self.converting()[0].prefix
        if not prefix or self.ask("title_at", prefix + urls.incident(incident_id)) is None:
            return None
        return prefix + urls.incident(incident_id)

    def language_page(self, target: str) -> str:
        """A link to one of the pages every language has (the home page, a page): in the body's language."""
        return self.page_url(self.converting()[0].prefix + target)


class _IncidentLinks(markdown.Extension):
    def __init__(self, converter: Converter):
        super().__init__()
        self.converter = converter

    def extendMarkdown(self, md):
        md.registerExtension(self)  # for reset()
        md.inlinePatterns.register(_WikiLink(r"\[\[", md), "incident_id_link", 75)
        # Where pymdownx.magiclink would sit: after raw HTML (90), before entities (80).
        md.inlinePatterns.register(_BareUrl(r"(?:https?://|www\.)[^\s<>\x02\x03]+", md), "bare_url", 85)
        md.inlinePatterns.register(_BareEmail(r"@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+", md), "bare_email", 84)
        # After inline patterns have built every <a> and <img> (20), before pretty-printing (10).
        md.treeprocessors.register(_ResolveLinks(self.converter), "incident_links", 15)
        # Just before the inline patterns (20), after the task lists (25) have read their [x].
        md.treeprocessors.register(_PlainText(md), "plain_text", 21)
        # Before toc (5) names the headings' anchors.
        md.treeprocessors.register(_HeadingLevels(self.converter), "heading_levels", 7)
        self.remembering = markup_limits.linear_in_size(md, self.converter)

    def reset(self):
        """Before each conversion: what was kept of the last body's text is let go."""
        for processor in self.remembering:
            processor.forget()


class _WikiLink(InlineProcessor):
    """[[incident-id]] → a link, resolved with the others in the tree.

    The id is what follows [[ up to the next ] or line end, and ]] must follow it. As one regex
    (the same matches), that read on to the line's end again from each [[ of a line with no ]]:
    40 KB of "[[" took minutes (quadratic). Here that end is found once and reused by each [[ before it.
    """

    def __init__(self, pattern, md):
        super().__init__(pattern, md)
        self.forget()

    def forget(self):
        self.data, self.searched_from, self.end = None, 0, 0  # data[searched_from:end] has no ] or line end

    # Pattern's signature, which InlineProcessor changes: see markup_limits.Matched.
    def handleMatch(self, match: re.Match[str], data: str) -> Matched:  # type: ignore[override]
        start = match.end()
        if data is not self.data or not self.searched_from <= start <= self.end:
            found = _ID_END.search(data, start)
            self.data, self.searched_from, self.end = data, start, found.start() if found else len(data)
        if self.end == start or not data.startswith("]]", self.end):
            return None, None, None
        element = etree.Element("a")
        element.set("data-incident", data[start:self.end].strip())
        return element, match.start(), self.end + 2


_ID_END = re.compile(r"[\]\n]")
_TABLE = re.compile(r"<table[ >]")
# A link whose text is its address, as the sanitiser writes it (href first, no other attribute).
_BARE_LINK = re.compile(r'<a href="([^"<>]+)">\1</a>')


def _scrolling_tables(html: str) -> str:
    """Each table in a box that scrolls sideways, which the keyboard can reach (a wide table must not
    widen a phone's page, and a scroller the keyboard cannot reach is an accessibility failure).

    Added to the sanitised HTML, whose tags the sanitiser has normalised: `<table` and `</table>`
    are the only spellings left.
    """
    if "<table" not in html:
        return html
    html = _TABLE.sub(lambda match: '<div class="table-scroll" tabindex="0" role="region" aria-label="Table">'
                      + match.group(0), html)
    return html.replace("</table>", "</table></div>")


# The only style attributes a page may hold: the column alignments of Markdown's tables, as the
# sanitiser writes them. The pages' Content-Security-Policy allows these by their hashes
# (templates/macros.html); a reader's browser would refuse any other, so none reaches a page.
HASHED_STYLES = frozenset({"text-align:left", "text-align:center", "text-align:right"})
# A tag with a style attribute, in the sanitised HTML: its attribute values hold no ">" nor '"'
# (escaped as &gt; and &quot;), and its text no "<" (&lt;), so that every "<" opens a tag.
_STYLED_TAG = re.compile(r'<[a-z][^<>]*? style="[^"]*"[^<>]*>')
_STYLE = re.compile(r' style="([^"]*)"')
_LINK_TAG = re.compile(r"<a [^<>]*>")
_OUTBOUND = re.compile(r' href="https?://', re.IGNORECASE)


def _only_hashed_styles(html: str) -> str:
    """Each style attribute as one of HASHED_STYLES (a raw HTML cell's "text-align: RIGHT" too), or left out."""
    if ' style="' not in html:
        return html
    return _STYLED_TAG.sub(lambda tag: _STYLE.sub(_hashed_style, tag.group(0)), html)


def _hashed_style(attribute: re.Match[str]) -> str:
    style = attribute.group(1).replace(" ", "").lower()
    return f' style="{style}"' if style in HASHED_STYLES else ""


def _outbound_links_unreferred(html: str) -> str:
    """rel="noreferrer" on each link to another host: the site a reader follows it to is not told which
    record they read (nor, as noreferrer implies noopener, given a handle on this tab). Every page also
    says so in <meta name="referrer">; the rel holds for each link on its own, in any theme."""
    if "<a " not in html:
        return html
    return _LINK_TAG.sub(lambda tag: tag.group(0)[:-1] + ' rel="noreferrer">' if _OUTBOUND.search(tag.group(0))
                         else tag.group(0), html)


def _marked_bare_links(html: str) -> str:
    """class="bare-url" on each link whose text is its own address: print writes a link's address
    after its text, but not twice. Set here, on the sanitised HTML, never by a body's own HTML
    (which could then hide, on paper, where a link really leads)."""
    return _BARE_LINK.sub(r'<a class="bare-url" href="\1">\1</a>', html) if "<a href" in html else html


class _BareUrl(InlineProcessor):
    """A bare web address becomes a link, by GitHub's rules for "extended autolinks".

    Here rather than pymdownx.magiclink, which cost a fifth of every conversion: its patterns
    open with a look-behind, so the regex engine tries them at every character, where these open
    with a literal ("http", "www.", "@") that it finds at once; the look-behind is checked here.
    """

    ANCESTOR_EXCLUDES = ("a",)

    # Pattern's signature, which InlineProcessor changes: see markup_limits.Matched.
    def handleMatch(self, match: re.Match[str], data: str) -> Matched:  # type: ignore[override]
        start = match.start()
        if start and data[start - 1] not in _MAY_PRECEDE:
            return None, None, None
        text = _trim_url(match.group(0))
        host = text.split("//", 1)[-1].split("/", 1)[0]
        if not _HOST.fullmatch(host) or (text.startswith("www.") and "." not in host[4:]):
            return None, None, None
        link = etree.Element("a", href=text if "://" in text else f"http://{text}")
        link.text = AtomicString(text)
        return link, start, start + len(text)


class _BareEmail(InlineProcessor):
    """A bare e-mail address becomes a mailto: link (GitHub's rules): found by its @, then read back."""

    ANCESTOR_EXCLUDES = ("a",)

    # Pattern's signature, which InlineProcessor changes: see markup_limits.Matched.
    def handleMatch(self, match: re.Match[str], data: str) -> Matched:  # type: ignore[override]
        at = match.start()
        start = at
        while start and (data[start - 1].isalnum() or data[start - 1] in "._+-"):
            start -= 1
        domain = match.group(0)[1:].rstrip(".")
        if start == at or (start and data[start - 1] not in _MAY_PRECEDE) or domain[-1] in "-_":
            return None, None, None
        address = data[start:at] + "@" + domain
        link = etree.Element("a", href=f"mailto:{address}")
        link.text = AtomicString(address)
        return link, start, at + 1 + len(domain)


_MAY_PRECEDE = set(" \t\n*_~(\"'")
_HOST = re.compile(r"[\w-]+(?:\.[\w-]+)*(?::\d+)?")
_TRAILING = set("?!.,:*_~'\"")


def _trim_url(text: str) -> str:
    """Leave out the punctuation that ends a sentence, and a ) that closes something outside the link.

    The parentheses are counted once and the entity looked for from the last &, not again at each
    character left out: a URL followed by 40 KB of ")" or "&a;" took 1.8 s and 4.3 s (quadratic).
    """
    end, unclosed = len(text), text.count(")") - text.count("(")
    while end:
        last = text[end - 1]
        if last in _TRAILING or (last == ")" and unclosed > 0):
            end, unclosed = end - 1, unclosed - (last == ")")
        elif last == ";" and (amp := text.rfind("&", 0, end)) >= 0 and _ENTITY.fullmatch(text, amp, end):
            end = amp
        else:
            break
    return text[:end]


_ENTITY = re.compile(r"&\w+;")


class _PlainText(Treeprocessor):
    """Text that no inline pattern can match is marked as such, so that none is tried on it.

    Python-Markdown tries each of its ~19 inline patterns on every run of text, at a few
    microseconds of Python apiece even when the regex fails at once: on plain paragraphs, list
    items and headings that was a third of a body's conversion. A text with none of the characters
    that open an inline pattern comes out of them unchanged, so it is wrapped as AtomicString,
    which the inline processor passes over, and the output is the same.
    """

    def run(self, root):
        for element in root.iter():
            text, tail = element.text, element.tail
            if text and not isinstance(text, AtomicString) and not _INLINE_SYNTAX.search(text):
                element.text = AtomicString(text)
            if tail and not isinstance(tail, AtomicString) and not _INLINE_SYNTAX.search(tail):
                element.tail = AtomicString(tail)


# What can open an inline pattern: code, escapes, links, images, footnotes and [[ids]], raw HTML
# and autolinks, entities, emphasis and strikethrough, bare addresses, hard line breaks, and the
# placeholders of stashed HTML.
_INLINE_SYNTAX = re.compile(r"[`\\\[<&*_~@\x02\x03]|://|www\.|  \n")


class _HeadingLevels(Treeprocessor):
    """Body headings continue the page's outline: the top ones take the document's level, none skips one.

    Contributors write "# Heading" or "## Heading" as they would on GitHub; the page already has its
    h1 (and, on an incident, an h2 above the body), and a skipped level confuses screen readers.
    """

    def __init__(self, converter: Converter):
        super().__init__()
        self.converter = converter

    def run(self, root):
        headings = [element for element in root.iter() if element.tag in _HEADINGS]
        if not headings:
            return
        top = min(int(heading.tag[1]) for heading in headings)
        base = self.converter.converting()[0].heading_level
        previous = base - 1
        for heading in headings:
            level = min(int(heading.tag[1]) - top + base, previous + 1, 6)
            heading.tag, previous = f"h{level}", level


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _ResolveLinks(Treeprocessor):
    """Every link and image of the body: resolved to its page's address, or reported and dropped.

    A link may go anywhere a reader chooses to follow; an image is loaded by every reader's
    browser, so it must be a file of the archive (content/media/). A relative address must name a
    record, a page or a medium: anything else would be a broken link, or one out of the site.
    """

    def __init__(self, converter: Converter):
        super().__init__()
        self.converter = converter

    def run(self, root):
        for element in list(root.iter()):
            if element.tag == "a" and "data-incident" in element.attrib:
                self._incident_id_link(element)
            elif element.tag == "a" and element.get("href"):
                self._set(element, "href", self.address(element.get("href"), "link", element))
            elif element.tag == "img":
                self._image(element)

    def _set(self, element, attribute: str, value: str | None) -> None:
        if value is None:
            element.attrib.pop(attribute, None)
        else:
            element.set(attribute, value)
            self.converter.resolved.add(value)  # the sanitiser's filter leaves these alone

    def _incident_id_link(self, element) -> None:
        converter, target = self.converter, element.attrib.pop("data-incident")
        href = converter.incident_href(target)
        element.text = element.text or converter.incident_title(converter.ask("current_id", target)) or target
        if href:
            self._set(element, "href", href)
            return
        element.tag = "span"
        if not converter.ask("is_known", target):
            hint = converter.hint("id_hint", target)
            self.converter.report(f"[[{target}", "link", f"[[{target}]]: no incident has this id{hint}")

    def _image(self, element) -> None:
        src = element.get("src", "")
        if not element.get("alt"):
            self.converter.report(src or "![", "image", f"{src}: add a description (alt text) for readers who cannot see it",
                                  Severity.WARNING)
        self._set(element, "src", self.address(src, "image", element) if src else None)

    def address(self, value: str, kind: str, element=None) -> str | None:
        """The address a link or image written in the body gets on its page; None drops it (reported).

        kind is "link" or "image"; element, when the value comes from Markdown rather than raw
        HTML, is made plain text if it links to a draft.
        """
        report = functools.partial(self.converter.report, value, kind)
        try:
            parts = urlsplit(value)
            _ = parts.port  # raises on a port that is not a number
        except ValueError as error:
            report(f"{value}: is not a valid web address ({error})")
            return None
        if parts.scheme or parts.netloc:
            return self._elsewhere(value, kind, parts.scheme, report)
        if not parts.path:
            return value  # a #fragment of this page
        if parts.path.startswith("/"):
            report(f"{value}: a link from the site's root breaks under a sub-path and offline; "
                   "write it relative to this file", Severity.WARNING)
            return value
        document, _ = self.converter.converting()
        target = posixpath.normpath(posixpath.join(posixpath.dirname(document.path), unquote(parts.path)))
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if not target.startswith("content/"):
            report(f"{value}: leads outside content/; link to a record, a page or a file in content/media/")
            return None
        if target.endswith(".md"):
            return self._markdown_target(value, target, fragment, kind, element)
        if target.startswith(MEDIA_PREFIX):
            name = target[len(MEDIA_PREFIX):]
            if not self.converter.ask("has_media", name):
                report(f"{value}: there is no file {target}")
            return self.converter.page_url(urls.media(quote(name))) + fragment
        report(f"{value}: there is no file {target} in the site; link to a record (.md), a page (.md) "
               "or a file in content/media/")
        return None

    def _elsewhere(self, value: str, kind: str, scheme: str, report) -> str | None:
        """An address on another host: a link a reader may follow, never an image every reader's browser loads."""
        if kind == "image":
            report(f"{value}: an image must be a file in content/media/; one on another host makes every "
                   "reader's browser contact it: copy it into content/media/ and link it from there")
            return None
        if scheme in ("http", "https", ""):
            value = value if scheme else f"https:{value}"  # //host/x would be file://host/x offline
            problem = web_address_problem(value)
            if problem:
                report(problem)
                return None
        return value  # mailto:, or a scheme the sanitiser removes

    def _markdown_target(self, href, target, fragment, field_name, element) -> str | None:
        converter = self.converter
        if target == HOME_FILE:
            return converter.language_page(urls.HOME) + fragment
        incident_id = converter.ask("incident_at", target)
        if incident_id is not None:
            url = converter.incident_href(incident_id)
            if url is None and element is not None:
                element.tag = "span"  # a draft: shown as text until it is published
            return url and url + fragment
        page_id = converter.ask("page_at", target)
        if page_id is not None:
            return converter.language_page(urls.page(page_id)) + fragment
        hint = converter.hint("path_hint", target)
        self.converter.report(href, field_name, f"{href}: there is no file {target}{hint}")
        return None
