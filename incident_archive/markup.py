"""The one Markdown → HTML function: GitHub-like extensions, incident links resolved in the tree, sanitised output."""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from pymdownx.slugs import slugify as github_slugify

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
_SANITISER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes=ALLOWED_ATTRIBUTES,
    tag_attribute_values={"input": {"type": {"checkbox"}}},
    url_schemes={"http", "https", "mailto"},
    allowed_classes=ALLOWED_CLASSES,
    filter_style_properties={"text-align"},
    link_rel=None,  # every page sets <meta name="referrer" content="no-referrer">, and target= is not allowed
)


class Converter:
    """A reusable Markdown instance (building one costs more than converting a short body)."""

    def __init__(self, links: LinkTable):
        self.links = links
        self.md = markdown.Markdown(
            output_format="html",
            extensions=[
                "tables", "footnotes", "sane_lists", "toc",
                "pymdownx.superfences", "pymdownx.tilde",
                "pymdownx.tasklist", "pymdownx.betterem",
                _IncidentLinks(self),
            ],
            extension_configs={
                "toc": {"slugify": github_slugify(case="lower"), "permalink": False},
                "pymdownx.tilde": {"subscript": False},  # ~one~ and ~~two~~ strike through, as on GitHub
            },
        )
        self.md.lazy_ol = False  # an ordered list starting at 3 starts at 3, as on GitHub
        self.document: Document | None = None
        self.text = ""
        self.body: Body | None = None
        self.lookups: dict[tuple[str, str], object] = {}

    def convert(self, document: Document, text: str) -> tuple[Body, str]:
        """(what the build keeps of the body, its HTML)."""
        self.document, self.text, self.body, self.lookups = document, text, Body(), {}
        html = _SANITISER.clean(self.md.reset().convert(text))
        body = self.body
        body.html_digest = digest(html)
        body.links_to = tuple(dict.fromkeys(body.links_to))
        body.lookups = tuple((name, argument, answer) for (name, argument), answer in self.lookups.items())
        self.document, self.text, self.body, self.lookups = None, "", None, {}
        return body, html

    # Called by the treeprocessors for each link and image of the body being converted.

    def ask(self, question: str, argument: str):
        """Ask the link table, remembering the answer: the conversion is valid while the answers are."""
        answer = getattr(self.links, question)(argument)
        self.lookups[(question, argument)] = answer
        return answer

    def report(self, needle: str, field_name: str, message: str, severity=Severity.ERROR) -> None:
        document, text = self.document, self.text
        at = text.find(needle)
        line = document.body_line + (text[:at].count("\n") if at >= 0 else 0)
        self.body.problems.append(Problem(document.path, line, field_name, message, severity))

    def page_url(self, target: str) -> str:
        return posixpath.relpath(target, self.document.page_dir)

    def incident_href(self, incident_id: str) -> str | None:
        """The link to an incident's page, or None when it is not published (a draft)."""
        incident_id = self.ask("current_id", incident_id)
        if self.ask("title", incident_id) is None:
            return None
        self.body.links_to += (incident_id,)
        return self.page_url(f"incidents/{incident_id}/index.html")


class _IncidentLinks(markdown.Extension):
    def __init__(self, converter: Converter):
        super().__init__()
        self.converter = converter

    def extendMarkdown(self, md):
        md.inlinePatterns.register(_WikiLink(r"\[\[([^\]\n]+)\]\]", md), "incident_id_link", 75)
        # Where pymdownx.magiclink would sit: after raw HTML (90), before entities (80).
        md.inlinePatterns.register(_BareUrl(r"(?:https?://|www\.)[^\s<>\x02\x03]+", md), "bare_url", 85)
        md.inlinePatterns.register(_BareEmail(r"@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+", md), "bare_email", 84)
        # After inline patterns have built every <a> and <img> (20), before pretty-printing (10).
        md.treeprocessors.register(_ResolveLinks(self.converter), "incident_links", 15)
        # Just before the inline patterns (20), after the task lists (25) have read their [x].
        md.treeprocessors.register(_PlainText(md), "plain_text", 21)
        # Before toc (5) names the headings' anchors.
        md.treeprocessors.register(_HeadingLevels(self.converter), "heading_levels", 7)


class _WikiLink(InlineProcessor):
    """[[incident-id]] → a link, resolved with the others in the tree."""

    def handleMatch(self, match, data):
        element = etree.Element("a")
        element.set("data-incident", match.group(1).strip())
        return element, match.start(0), match.end(0)


class _BareUrl(InlineProcessor):
    """A bare web address becomes a link, by GitHub's rules for "extended autolinks".

    Here rather than pymdownx.magiclink, which cost a fifth of every conversion: its patterns
    open with a look-behind, so the regex engine tries them at every character, where these open
    with a literal ("http", "www.", "@") that it finds at once; the look-behind is checked here.
    """

    ANCESTOR_EXCLUDES = ("a",)

    def handleMatch(self, match, data):
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

    def handleMatch(self, match, data):
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
    """Leave out the punctuation that ends a sentence, and a ) that closes something outside the link."""
    while text:
        last = text[-1]
        if last in _TRAILING or (last == ")" and text.count(")") > text.count("(")):
            text = text[:-1]
        elif last == ";" and (entity := re.search(r"&\w+;$", text)):
            text = text[:entity.start()]
        else:
            return text
    return text


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
        base = self.converter.document.heading_level
        previous = base - 1
        for heading in headings:
            level = min(int(heading.tag[1]) - top + base, previous + 1, 6)
            heading.tag, previous = f"h{level}", level


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _ResolveLinks(Treeprocessor):
    def __init__(self, converter: Converter):
        super().__init__()
        self.converter = converter

    def run(self, root):
        for element in list(root.iter()):
            if element.tag == "a" and "data-incident" in element.attrib:
                self._incident_id_link(element)
            elif element.tag == "a" and element.get("href"):
                element.set("href", self._resolve(element.get("href"), "link", element) or element.get("href"))
            elif element.tag == "img":
                self._image(element)

    def _incident_id_link(self, element) -> None:
        converter, target = self.converter, element.attrib.pop("data-incident")
        href = converter.incident_href(target)
        element.text = element.text or converter.ask("title", converter.ask("current_id", target)) or target
        if href:
            element.set("href", href)
            return
        element.tag = "span"
        if not converter.ask("is_known", target):
            hint = converter.ask("id_hint", target)
            self.converter.report(f"[[{target}", "link", f"[[{target}]]: no incident has this id{hint}")

    def _image(self, element) -> None:
        src = element.get("src", "")
        if not element.get("alt"):
            self.converter.report(src or "![", "image", f"{src}: add a description (alt text) for readers who cannot see it",
                                  Severity.WARNING)
        resolved = self._resolve(src, "image", element) if src else None
        if resolved:
            element.set("src", resolved)

    def _resolve(self, href: str, field_name: str, element) -> str | None:
        """The output link for a link or image written relative to the Markdown file."""
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            return None  # external, or a #fragment on this page
        if parts.path.startswith("/"):
            self.converter.report(href, field_name, f"{href}: a link from the site's root breaks under a "
                                  "sub-path and offline; write it relative to this file", Severity.WARNING)
            return None
        document = self.converter.document
        target = posixpath.normpath(posixpath.join(posixpath.dirname(document.path), unquote(parts.path)))
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if target.endswith(".md"):
            return self._markdown_target(href, target, fragment, field_name, element)
        if target.startswith(MEDIA_PREFIX):
            if not self.converter.ask("has_media", target[len(MEDIA_PREFIX):]):
                self.converter.report(href, field_name, f"{href}: there is no file {target}")
            return self.converter.page_url(f"media/{target[len(MEDIA_PREFIX):]}")
        return None

    def _markdown_target(self, href, target, fragment, field_name, element) -> str | None:
        converter = self.converter
        incident_id = converter.ask("incident_at", target)
        if incident_id is not None:
            url = converter.incident_href(incident_id)
            if url is None:
                element.tag = "span"  # a draft: shown as text until it is published
                element.attrib.pop("href", None)
            return url and url + fragment
        page_id = converter.ask("page_at", target)
        if page_id is not None:
            return converter.page_url(f"{page_id}/index.html") + fragment
        hint = converter.ask("path_hint", target)
        self.converter.report(href, field_name, f"{href}: there is no file {target}{hint}")
        return None
