"""Convert stage's limits: Python-Markdown made linear in a body's size, and nesting bounded.

Bodies come from contributors' pull requests, and some contributors are hostile. Python-Markdown's
own processors took time growing with the square of a body's size on some shapes (40 KB of "[["
took minutes) and recursed once per level of nesting (RecursionError past a few hundred levels).
Each class here replaces one of them with the same output in linear time, or finds nesting too
deep to convert, which is then reported at its line and the body left out. benchmarks/pathological.py
converts adversarial bodies of 5 to 40 KB; the times quoted are its figures before each fix (40 KB
of the shape, unless said otherwise). The replacements subclass Python-Markdown's internals, so the
versions of Markdown and pymdown-extensions are pinned in pyproject.toml, and
tests/test_markup_limits.py checks each against the original on random bodies.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as etree
from bisect import bisect_right
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from markdown.blockprocessors import SetextHeaderProcessor
from markdown.extensions.footnotes import RE_REF_ID, FootnoteExtension, FootnoteInlineProcessor
from markdown.extensions.tables import TableProcessor
from markdown.htmlparser import HTMLExtractor
from markdown.inlinepatterns import InlineProcessor, LinkInlineProcessor
from markdown.preprocessors import HtmlBlockPreprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import STX, AtomicString
from pymdownx.superfences import SuperFencesCodeBlockProcessor

if TYPE_CHECKING:
    from .markup import Converter

MAX_NESTING = 30  # lists and quotes, raw HTML elements, or emphasis and links, inside one another

# What an inline processor's handleMatch gives: (element or text, its start, its end), or three Nones.
# InlineProcessor.handleMatch takes (match, data) where that of Pattern, its base class, takes
# (match): the stubs (types-Markdown) silence that override in InlineProcessor, and mypy then finds
# each subclass's handleMatch incompatible with Pattern's. Each override says `# type: ignore[override]` for that alone.
Matched = tuple[etree.Element | str | None, int | None, int | None]


def linear_in_size(md, converter: Converter) -> list:
    """Python-Markdown's processors whose time grew with the square of the body's size, or that
    recursed as deep as it nested, replaced: the same output, in linear time (see each class).

    → those that keep some text between calls, to forget before each conversion.
    """
    for name, priority in _LINK_PATTERNS.items():
        pattern = md.inlinePatterns[name]
        bounded = type(f"_Bounded{type(pattern).__name__}", (_BoundedLinkScans, type(pattern)), {})
        md.inlinePatterns.register(bounded(pattern.pattern, md), name, priority)
    md.preprocessors.register(_HtmlBlocks(md), "html_block", 20)
    md.parser.blockprocessors.register(_Table(md.parser, md.parser.blockprocessors["table"].config), "table", 75)
    md.parser.blockprocessors.register(_SetextHeader(md.parser), "setextheader", 60)
    code = md.parser.blockprocessors["code"]  # pymdownx.superfences's, which reverts fences it took too early
    code_blocks = _CodeBlocks(md.parser)
    code_blocks.config, code_blocks.extension = code.config, code.extension
    md.parser.blockprocessors.register(code_blocks, "code", 80)
    fences = md.preprocessors["fenced_code_block"]  # superfences's: its highlighter is bound to this instance
    fences.reassemble = functools.partial(_reassemble_fences, fences)
    searches = []
    for name, regex in (("hashheader", "RE"), ("hr", "SEARCH_RE"), ("quote", "RE"), ("footnote", "RE"),
                        ("reference", "RE")):
        processor = md.parser.blockprocessors[name]
        searches.append(_SuffixSearch(getattr(processor, regex)))
        setattr(processor, regex, searches[-1])
    # After the inline patterns (20) have built emphasis and links, before anything walks the tree
    # recursively (toc's iterparent raised RecursionError on emphasis ~1000 deep). Last: it wraps
    # every inline pattern, those above included.
    md.treeprocessors.register(InlineLimits(converter, md), "inline_limits", 18)
    return [*searches, md.inlinePatterns["incident_id_link"]]


def too_deep(text: str) -> tuple[int, str] | None:
    """(line index in the body, message) where it nests deeper than MAX_NESTING, or None.

    Python-Markdown recurses once per level of list or quote (RecursionError at ~250 levels, in a
    body of ~100 KB), or stops nesting quotes near Python's recursion limit, which depends on the
    caller; html5ever (nh3) takes time proportional to the depth for each tag under a deep stack of
    elements: 100,000 nested <div>s took 45 s, 300,000 took 24 minutes. No description nests 30
    deep; this finds deeper nesting in one pass over the text, before any of that runs.
    """
    return _containers_too_deep(text) or _html_too_deep(text)


# A list or quote marker, with the blanks before it: "  - > 1. text" has three.
_CONTAINER_MARK = re.compile(r"([ \t]*)(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$))")
_THEMATIC_BREAK = re.compile(r"[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*")  # "* * * *" is a rule, not 4 lists


def _containers_too_deep(text: str) -> tuple[int, str] | None:
    """Lists and quotes: a line's depth is its markers, and one level per 4 columns of indentation before them."""
    first, deepest = None, 0
    for number, line in enumerate(text.split("\n")):
        depth, columns, position = 0, 0, 0
        while mark := _CONTAINER_MARK.match(line, position):
            depth, columns, position = depth + 1, columns + len(mark.group(1).expandtabs(4)), mark.end()
        depth += columns // 4
        if depth > MAX_NESTING and not _THEMATIC_BREAK.fullmatch(line):
            first, deepest = number if first is None else first, max(deepest, depth)
    if first is None:
        return None
    return first, f"lists or quotes nested {deepest} levels deep; at most {MAX_NESTING} are allowed"


_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])[^<>]*>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
_ENDED_BY_SIBLING = {"p", "li", "dt", "dd", "tr", "td", "th", "option"}  # <li><li> are two items, not nested


def _html_too_deep(text: str) -> tuple[int, str] | None:
    """Raw HTML: elements opened and not yet closed, counted wherever they are (in code too: cheap and safe)."""
    still_open: Counter[str] = Counter()
    depth, first, deepest = 0, None, 0
    for tag in _HTML_TAG.finditer(text):
        closing, name = tag.group(1), tag.group(2).lower()
        if closing and still_open[name]:
            still_open[name], depth = still_open[name] - 1, depth - 1
        elif not (closing or name in _VOID or tag.group().endswith("/>")
                  or (name in _ENDED_BY_SIBLING and still_open[name])):
            still_open[name], depth = still_open[name] + 1, depth + 1
            if depth > MAX_NESTING:
                first, deepest = text.count("\n", 0, tag.start()) if first is None else first, max(deepest, depth)
    if first is None:
        return None
    return first, f"HTML elements nested {deepest} levels deep; at most {MAX_NESTING} are allowed"


class InlineLimits(Treeprocessor):
    """Inline markup too deep or too dense to convert: reported, and the body left out.

    - Delimiters nest without bound: "*" * 2500 + "a" + "*" * 2500 is 2500 levels of <em> and
      <strong> in 10 KB. Python-Markdown then looked for an <a> among each text's ancestors at
      each pattern (16,000 levels in 96 KB took 13 s, quadratic), and toc's recursive walk raised
      RecursionError at ~1000. What each pattern builds is measured, without recursing, and a
      subtree deeper than MAX_NESTING is dropped at once; then the whole tree is measured.
    - For each piece of markup it finds, Python-Markdown copies the whole text of its paragraph
      to put a placeholder in: a paragraph of 40 KB of "\\[" took 1.7 s and 80 KB 7.2 s
      (quadratic), and a body may have 512 KB. What it copies is counted, and stops at
      MARKUP_WORK times the body's size: real bodies copy at most 28 times theirs.
    """

    def __init__(self, converter: Converter, md):
        super().__init__(md)
        self.converter = converter
        for pattern in md.inlinePatterns:
            if isinstance(pattern, InlineProcessor):
                # This instance's own handleMatch, in front of its class's. Set with setattr: a plain
                # assignment is mypy's method-assign error, there to catch a method replaced by mistake.
                setattr(pattern, "handleMatch", self._checked(pattern.handleMatch))  # noqa: B010 - see above

    def _checked(self, handle_match):
        converter = self.converter

        def checked(match, data):
            if converter.work_left < 0:
                return None, None, None  # the body is left out: no more copies
            node, start, end = handle_match(match, data)
            if node is not None:
                converter.work_left -= len(data)
                if converter.work_left < 0:
                    converter.too_dense = match.group(0)
            if isinstance(node, etree.Element) and len(node):  # with no children, one level
                depth, deepest = _inline_depth(node, lambda tag: False)
                if depth > MAX_NESTING:
                    converter.too_deep = max(converter.too_deep, (depth, _innermost_text(deepest)))
                    return AtomicString(""), start, end  # dropped: the body is left out
            return node, start, end
        return checked

    def run(self, root):
        converter = self.converter
        depth, deepest = _inline_depth(root, self.md.is_block_level)
        depth, needle = max(converter.too_deep, (depth, _innermost_text(deepest)))
        if depth > MAX_NESTING:
            converter.report(needle, "body", f"emphasis or links nested {depth} levels deep; "
                             f"at most {MAX_NESTING} are allowed")
        if converter.too_dense is not None:
            converter.report(converter.too_dense, "body", "too much inline markup (links, code, emphasis, "
                             "escapes, entities) in one paragraph to convert; split it with blank lines")
        if depth > MAX_NESTING or converter.too_dense is not None:
            root.clear()  # the body is left out, as for lists nested too deep


MARKUP_WORK = 1000


def _inline_depth(root, is_block) -> tuple[int, etree.Element | None]:
    """(the most inline elements on a path down from root, the deepest), without recursing."""
    depth, deepest, stack = 0, None, [(root, 0)]
    while stack:
        element, level = stack.pop()
        for child in element:
            inner = level + (not is_block(child.tag))
            if inner > depth:
                depth, deepest = inner, child
            stack.append((child, inner))
    return depth, deepest


def _innermost_text(element) -> str:
    """The text of the deepest element: where in the body the nesting is (for the problem's line)."""
    return "" if element is None else (element.text or "").strip()[:40]


# Python-Markdown's link patterns, as it registers them (name: priority).
_LINK_PATTERNS = {"reference": 170, "link": 160, "image_link": 150, "image_reference": 140,
                  "short_reference": 130, "short_image_ref": 125}
_LINK_NESTING = 16
_BRACKET = re.compile(r"[\[\]]")
_PARENTHESES = re.compile(rf"(?:[^(]*+\(){{{_LINK_NESTING + 1}}}")


class _BoundedLinkScans(LinkInlineProcessor):
    """Python-Markdown's link patterns, looking at most _LINK_NESTING brackets deep for a link's end.

    For each [, getText walked the rest of the paragraph a character at a time for the ] that
    closes it, and getLink walked on for the ) that closes the address: an unclosed [ or ( made
    each walk run to the paragraph's end, so 10 KB of "[" took over 8 s and 40 KB minutes. Here a
    walk gives up 16 levels of [ deep, and an address is read up to its 17th (: no character is
    walked by more than ~16 walks, and no real link nests that deep, so its output is the same.
    """

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        depth, end = 1, index
        while 0 < depth <= _LINK_NESTING:
            bracket = _BRACKET.search(data, end)
            if bracket is None:
                return "", len(data), False
            end, depth = bracket.end(), depth + (1 if bracket.group() == "[" else -1)
        return data[index:end - 1], end, depth == 0

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        if not data.startswith("(", index):
            return super().getLink(data, index)  # no address: its regex fails at once
        limit = _PARENTHESES.match(data, index)
        end = limit.end() - 1 if limit else len(data)
        href, title, stop, handled = super().getLink(data[index:end], 0)  # a slice: no copy of what precedes
        # A negative stop counts from the end (an unclosed title: '[](\'(' gives -1): kept as it is.
        return href, title, stop + index if stop >= 0 else stop, handled


_TAG_WINDOW = re.compile(r"(?:[^<]*+<){16}")


class _HTMLExtractor(HTMLExtractor):
    """Python-Markdown's raw-HTML finder, looking for the end of a start tag only up to the 16th < after it.

    Without a > to end it, the start-tag regex of html.parser reads on across any < ("<a<a<a" is
    one tag name) to the end of the text, then gives up and tries again at the next <: 40 KB of
    "<a" took 2.7 s and 20 KB of "<a b=" 4.8 s (quadratic). A tag that holds 16 <s is handled as
    one that reaches the end of the text (as text); real tags hold none.
    """

    def check_for_whole_start_tag(self, i: int) -> int:
        rawdata = self.rawdata
        window = _TAG_WINDOW.match(rawdata, i + 1)
        if window is None:
            return super().check_for_whole_start_tag(i)
        self.rawdata = rawdata[i:window.end() - 1]  # the parser reads the tag from self.rawdata
        try:
            end = super().check_for_whole_start_tag(0)
        finally:
            self.rawdata = rawdata
        return end + i if end >= 0 else end


class _HtmlBlocks(HtmlBlockPreprocessor):
    """HtmlBlockPreprocessor.run, with _HTMLExtractor."""

    def run(self, lines: list[str]) -> list[str]:
        parser = _HTMLExtractor(self.md)
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")


class _Table(TableProcessor):
    """Python-Markdown's tables, with the header test and the cell splitting made linear.

    Its test split every line of a block to look at the first two, and ran again on what is left
    each time a heading or rule is taken off the block's top: 40 KB of "# h" lines took 3.3 s and
    80 KB 12.4 s (0.4 and 1.0 s now). Its _split matched backticks and pipes by rescanning lists:
    a row of 40 KB of "`|" took 4.7 s, of 80 KB 18.3 s (0.04 and 0.08 s now).
    """

    def test(self, parent, block: str) -> bool:
        first = block.find("\n")
        second = block.find("\n", first + 1) if first >= 0 else -1
        head = block if second < 0 else block[:second]
        if not super().test(parent, head):
            return False  # the header and separator rows decide, whatever follows them
        # A one-column table needs every row to start or end with |: only then read them all.
        return head is block or len(self.separator) > 1 or super().test(parent, block)

    def _split(self, row: str) -> list[str]:
        """TableProcessor._split, the same cells: a backtick run is closed by the next run of its
        length, and a pipe inside such a pair is not a cell's end; found by lookup, not rescanning."""
        pipes, tics, tic_points = [], [], []
        for m in self.RE_CODE_PIPES.finditer(row):
            if m.group(2):  # \`+
                tics.append(len(m.group(2)) - 1)
                tic_points.append((m.start(2), m.end(2) - 1, 1))
            elif m.group(3):  # `+
                tics.append(len(m.group(3)))
                tic_points.append((m.start(3), m.end(3) - 1, 0))
            elif m.group(5):  # |
                pipes.append(m.start(5))
        of_length = defaultdict(list)
        for position, length in enumerate(tics):
            of_length[length].append(position)
        regions, position = [], 0
        while position < len(tics):
            wanted = tics[position] - tic_points[position][2]  # the escape counts only in the opening run
            later = of_length.get(wanted, []) if wanted else []
            following = bisect_right(later, position)
            if following == len(later):
                position += 1
                continue
            close = later[following]
            regions.append((tic_points[position][0], tic_points[close][1]))
            position = close + 1
        starts = [start for start, _ in regions]
        cells, start = [], 0
        for pipe in pipes:
            region = bisect_right(starts, pipe) - 1
            if region < 0 or pipe > regions[region][1]:
                cells.append(row[start:pipe])
                start = pipe + 1
        cells.append(row[start:])
        return cells


class _SetextHeader(SetextHeaderProcessor):
    """SetextHeaderProcessor, splitting off only the heading's two lines, not every line of the block.

    It runs again on the rest each time: 40 KB of "a\\n=\\n" took 2.5 s, 80 KB 8.9 s (0.7 and 1.4 s now).
    """

    def run(self, parent, blocks: list[str]) -> None:
        lines = blocks[0].split("\n", 2)
        blocks[0] = "\n".join(lines[:2])
        super().run(parent, blocks)
        if len(lines) > 2:
            blocks.insert(0, lines[2])


class _CodeBlocks(SuperFencesCodeBlockProcessor):
    """Indented code, taken off the top of a block without going over all the block's lines each time.

    Python-Markdown puts the rest of the block back, and its detab split the whole rest into
    lines each time, as superfences's check for fences to revert went over each of them: with
    40 KB of "    a" lines between headings, the check took 2.6 s (80 KB: 11 s) and detab 0.9 s
    (80 KB: 3 s); all of it takes 0.25 s now (80 KB: 0.5 s).
    """

    def revert_greedy_fences(self, block: str) -> str:
        return super().revert_greedy_fences(block) if STX in block else block  # no placeholder, no fence

    def detab(self, text: str, length: int | None = None) -> tuple[str, str]:
        """BlockProcessor.detab: (the indented or blank lines that open the text, less one indent; the rest)."""
        indent, end = " " * (self.tab_length if length is None else length), 0
        while end <= len(text):  # end: where the first line not taken starts
            stop = text.find("\n", end)
            stop = len(text) if stop < 0 else stop
            line = text[end:stop]
            if not line.startswith(indent) and line.strip():
                break
            end = stop + 1
        if end == 0:
            return "", text
        return super().detab(text[:end - 1], length)[0], text[end:]


def _reassemble_fences(fences, lines: list[str]) -> list[str]:
    """SuperFencesBlockPreprocessor.reassemble: each fenced block's lines replaced by its placeholder, in one pass.

    It rebuilt the list of the body's lines once per block: with 160 KB of "```" lines, 8.2 s of
    the 34 s went there (0.3 s at 40 KB). The blocks it found are in order and do not overlap.
    """
    kept, position = [], 0
    for fenced, start, end in fences.stack:
        kept += lines[position:start]
        kept.append(fenced)
        position = end
    fences.stack = []
    return kept + lines[position:]


class _SuffixSearch:
    """A block processor's regex, remembering where its search found the first match in recent blocks.

    Python-Markdown takes a heading, rule, quote or definition off the top of a block and puts
    the rest back; then the processors' tests search that rest again from its start for a line of
    their own: 40 KB of "***" and text lines took 2.1 s (80 KB: 8.1 s), of "[^n]: note" and text
    lines 4.1 s (80 KB: 15 s), of setext headings 5.7 s (80 KB: 20 s); now 0.2 to 0.6 s (80 KB:
    0.4 to 1 s). When a block is the end of one searched recently, from a line's start, none of
    its lines before that block's first match can match: the search starts at it. The regexes
    look at whole lines (from ^ or a newline), so each finds the same match as from the start.
    Several blocks are remembered: the lines before a rule or definition are parsed in between.
    """

    def __init__(self, regex: re.Pattern):
        self.regex = regex
        self.forget()

    def forget(self):
        self.recent = []  # [(block, start of its first match or None)], latest first

    def search(self, block: str, pos: int = 0):
        if pos or len(block) < 256:  # searching a short block again costs less than remembering it
            return self.regex.search(block, pos)
        for searched, first in self.recent:
            cut = len(searched) - len(block)
            if cut >= 0 and searched.endswith(block) and (not cut or searched[cut - 1] == "\n"):
                match = None if first is None else self.regex.search(block, max(first - cut, 0))
                break
        else:
            match = self.regex.search(block)
        self.recent = [(block, match and match.start()), *(kept for kept in self.recent if kept[0] != block)][:8]
        return match

    def __getattr__(self, name):  # finditer, match, pattern: the regex's own
        return getattr(self.regex, name)


class Footnotes(FootnoteExtension):
    """Python-Markdown's footnotes, with what grew with the square of their number made linear.

    - Its [^id] patterns read an id up to the next ], across any [ and line: "[^" repeated made
      each try read on to the end (5 KB: 2.9 s, with the link patterns). Here an id holds no [.
    - Each reference to the same footnote tried fnref2, fnref3, ... from the start for its own
      back-link id: 1,000 references to one footnote (5 KB) took 0.9 s, 2,000 took 3.5 s. The
      search resumes where the last one stopped, which finds the same id.
    - Each reference was numbered by listing every footnote, and recorded after looking through a
      list of all referenced: 20,000 footnotes referring to the next took 55 s. Both are lookups.
    """

    def extendMarkdown(self, md):
        super().extendMarkdown(md)
        md.parser.blockprocessors["footnote"].RE = re.compile(r"^[ ]{0,3}\[\^([^\[\]]*)\]:[ ]*(.*)$", re.MULTILINE)
        md.inlinePatterns.register(_FootnoteReference(r"\[\^([^\[\]]*)\]", self), "footnote", 175)

    def reset(self) -> None:
        super().reset()
        self.last_refs: dict[str, str] = {}
        self.reference_numbers: dict[str, int] = {}  # id: its place in footnote_order, from 1
        self.definition_numbers: dict[str, int] = {}  # id: its place in footnotes, from 1

    def addFootnoteRef(self, id: str) -> None:
        if id not in self.reference_numbers:
            self.footnote_order.append(id)
            self.reference_numbers[id] = len(self.footnote_order)

    def number(self, id: str) -> int:
        """The footnote's number, as Python-Markdown gives it: by definition or by first reference."""
        if not self.getConfig("USE_DEFINITION_ORDER"):
            return self.reference_numbers[id]
        if len(self.definition_numbers) != len(self.footnotes):  # defined since: footnotes only grow
            self.definition_numbers = {name: number for number, name in enumerate(self.footnotes, 1)}
        return self.definition_numbers[id]

    def unique_ref(self, reference: str, found: bool = False) -> str:
        if not found:
            return reference
        original, reference, separator = reference, self.last_refs.get(reference, reference), self.get_separator()
        while reference in self.used_refs:
            ref, rest = reference.split(separator, 1)
            m = RE_REF_ID.match(ref)
            reference = f"{m.group(1)}{int(m.group(2)) + 1}{separator}{rest}" if m else f"{ref}2{separator}{rest}"
        self.used_refs.add(reference)
        self.found_refs[original] = self.found_refs.get(original, 0) + 1
        self.last_refs[original] = reference
        return reference


class _FootnoteReference(FootnoteInlineProcessor):
    """FootnoteInlineProcessor.handleMatch, numbering the reference with _Footnotes.number."""

    footnotes: Footnotes

    # Pattern's signature, which InlineProcessor changes: see Matched.
    def handleMatch(self, m: re.Match[str], data: str) -> Matched:  # type: ignore[override]
        id, footnotes = m.group(1), self.footnotes
        if id not in footnotes.footnotes:
            return None, None, None
        footnotes.addFootnoteRef(id)
        sup = etree.Element("sup")
        a = etree.SubElement(sup, "a")
        sup.set("id", footnotes.makeFootnoteRefId(id, found=True))
        a.set("href", "#" + footnotes.makeFootnoteId(id))
        a.set("class", "footnote-ref")
        a.text = footnotes.getConfig("SUPERSCRIPT_TEXT").format(footnotes.number(id))
        return sup, m.start(0), m.end(0)
