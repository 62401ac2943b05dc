"""Hostile bodies: conversion time grows linearly with the body's size, and nesting too deep is a problem, not a crash.

Every shape timed here was quadratic or worse before (the figures are in incident_archive/markup_limits.py
and from benchmarks/pathological.py). Converting it at n and 8n characters must take about 8 times
as long: the bound, 24, is far from the 64 of quadratic code, and from the minutes it took.
"""

from __future__ import annotations

import contextlib
import gc
import random
import re
import time
import types

import hypothesis
import pytest
from hypothesis import strategies as st
from markdown.blockprocessors import BlockProcessor
from markdown.extensions.tables import TableProcessor
from markdown.inlinepatterns import LinkInlineProcessor
from pymdownx.superfences import SuperFencesBlockPreprocessor

from incident_archive import markup, markup_limits
from incident_archive.model import Document, LinkTable

LINKS = LinkTable({"content/incidents/2022/a.md": "a"}, {}, {"a": "A"}, {}, frozenset({"a"}), frozenset())
DOCUMENT = Document("content/incidents/2022/x.md", 8, "incidents/x", 3)
CONVERTER = markup.Converter(LINKS)
N = 5_000


def _repeat(unit: str):
    return lambda size: (unit * (size // len(unit) + 1))[:size]


def _numbered(line):
    return lambda size: "".join(line(i) for i in range(size // len(line(size)) + 1))[:size]


SHAPES = {  # what was slow, and where it was fixed
    "[[": _repeat("[["),  # _WikiLink, _BoundedLinkScans
    "[": _repeat("["),  # _BoundedLinkScans.getText
    "![": _repeat("!["),
    "[a](": _repeat("[a]("),  # _BoundedLinkScans.getLink
    "[a](b ": _repeat("[a](b "),
    "[^": _repeat("[^"),  # _Footnotes' regexes
    "[^ lines": _repeat("[^\n"),
    "<a": _repeat("<a"),  # _HTMLExtractor
    "<a b=": _repeat("<a b="),
    "url then )": lambda size: "http://a/" + ")" * size,  # _trim_url
    "url then &a;": lambda size: "http://a/" + "&a;" * (size // 3),
    "table row of `|": lambda size: "|a|b|\n|-|-|\n|" + "`|" * (size // 2) + "\n",  # _Table._split
    "# lines": _repeat("# h\n"),  # _Table.test
    "setext lines": _repeat("a\n=\n"),  # _SetextHeader
    "rules and text": _repeat("***\nfoo\n"),  # _SuffixSearch
    "definitions and text": _numbered(lambda i: f"[r{i}]: http://x\nfoo\n"),
    "code and headings": _repeat("    a\n# h\n"),  # _CodeBlocks
    "references to a footnote": lambda size: _repeat("[^a] ")(size) + "\n\n[^a]: note\n",  # _Footnotes.unique_ref
    "escapes": _repeat("\\["),  # _InlineLimits: copying
    "emphasis 2,500 deep per 10 KB": lambda size: "*" * (size // 4) + "a" + "*" * (size // 4) + _repeat("a* ")(size // 2),
}
SIZES = {"escapes": 4 * N}  # copying each paragraph was quadratic, but cheap below ~80 KB


@contextlib.contextmanager
def _timed(seconds: list[float]):
    """Appends the processor time the block took to `seconds`.

    This thread's processor time, not the clock's: on a busy machine (tests run side by side, other
    jobs on a shared CI runner) a run of many milliseconds is interrupted by others' turns where a
    run of one is not, which made the clock's ratio of large to small past the bound for linear
    code. Collecting garbage waits (as timeit does): its passes grow with everything alive.
    """
    collecting = gc.isenabled()
    gc.disable()
    start = time.thread_time()
    try:
        yield
    finally:
        seconds.append(time.thread_time() - start)
        if collecting:
            gc.enable()


def _seconds(text: str, runs: int) -> float:
    """The best of a few conversions: the least disturbed by the rest of the machine."""
    seconds: list[float] = []
    for _ in range(runs):
        with _timed(seconds):
            CONVERTER.convert(DOCUMENT, text)
    return min(seconds)


@pytest.mark.slow  # timed conversions of bodies of tens of kilobytes
@pytest.mark.parametrize("shape", SHAPES)
def test_conversion_time_grows_linearly_with_the_body(shape):
    n = SIZES.get(shape, N)
    small, large = _seconds(SHAPES[shape](n), 3), _seconds(SHAPES[shape](8 * n), 2)  # noise matters less there
    ratio = large / max(small, 0.005)  # a few milliseconds are mostly noise
    assert ratio < 24, f"{n} characters: {small:.3f} s; {8 * n}: {large:.3f} s (linear ~8, quadratic ~64)"


def _reassembly_seconds(reassemble, fences: int) -> float:
    lines = ["x"] * (2 * fences)
    holder = types.SimpleNamespace(stack=[(f"block {i}", 2 * i, 2 * i + 1) for i in range(fences)])
    seconds: list[float] = []
    with _timed(seconds):
        kept = reassemble(holder, lines)
    assert kept[:3] == ["block 0", "x", "block 1"] and len(kept) == len(lines) and holder.stack == []
    return seconds[0]


@pytest.mark.slow  # timed
def test_fenced_blocks_are_put_back_in_linear_time():
    """superfences rebuilt the body's lines once per fenced block; as a body, pygments's time hides it below ~80 KB."""
    small = min(_reassembly_seconds(markup_limits._reassemble_fences, 2000) for _ in range(3))
    large = min(_reassembly_seconds(markup_limits._reassemble_fences, 16000) for _ in range(2))
    assert large / max(small, 0.001) < 24, f"2,000 fenced blocks: {small:.4f} s; 16,000: {large:.4f} s"


def _numbering_seconds(footnotes: int) -> float:
    extension, ids = markup_limits.Footnotes(), [f"n{i}" for i in range(footnotes)]
    for id in ids:
        extension.setFootnote(id, "note")
    seconds: list[float] = []
    with _timed(seconds):
        numbers = [(extension.addFootnoteRef(id), extension.number(id))[1] for id in reversed(ids)]
    assert numbers[:2] == [footnotes, footnotes - 1] and extension.footnote_order[0] == ids[-1]
    return seconds[0]


@pytest.mark.slow  # timed
def test_footnote_references_are_numbered_in_linear_time():
    """Python-Markdown listed every footnote to number a reference: 20,000 footnotes took 55 s."""
    small = min(_numbering_seconds(2000) for _ in range(3))
    large = min(_numbering_seconds(16000) for _ in range(2))
    assert large / max(small, 0.001) < 24, f"2,000 footnotes: {small:.4f} s; 16,000: {large:.4f} s"


def _problems(text: str):
    body, html = CONVERTER.convert(DOCUMENT, text)
    return [(problem.line - DOCUMENT.body_line, problem.message) for problem in body.problems], html


# Each: a body nested too deep, and the line (from 0) where it first goes deeper than allowed.
TOO_DEEP = {
    "a list 300 deep, 2 spaces a level": ("".join("  " * k + "- item\n" for k in range(300)), 60),
    "a list 300 deep, 4 spaces a level": ("".join("    " * k + "- item\n" for k in range(300)), 30),
    "ordered lists": ("".join("    " * k + "1. item\n" for k in range(40)), 30),
    "quotes on one line": ("Intro.\n\nMore.\n" + ">" * 100_000 + " a\n", 3),
    "quotes over lines": ("".join(">" * k + " a\n" for k in range(1, 60)), 30),
    "quotes and lists": ("a\n" + "> - " * 40 + "b\n", 1),
    "raw HTML on one line": ("Intro.\n" + "<div>" * 100_000 + "a\n", 1),
    "raw HTML over lines": ("".join("<div>\n" for _ in range(60)), 30),
    "raw inline HTML never closed": ("a " + "<b></x>" * 5000, 0),
    "emphasis": ("Intro.\n\n" + "*" * 2500 + "deep" + "*" * 2500 + "\n", 2),
    "strike-through": ("Intro.\n\n" + "~~a " * 40 + "deep" + " b~~" * 40 + "\n", 2),
}


@pytest.mark.parametrize("shape", TOO_DEEP)
def test_nesting_too_deep_is_a_problem_at_its_line(shape):
    text, line = TOO_DEEP[shape]
    problems, html = _problems(text)
    assert len(problems) == 1 and html == ""
    assert problems[0][0] == line
    assert re.fullmatch(rf".* nested \d+ levels deep; at most {markup_limits.MAX_NESTING} are allowed", problems[0][1])


def test_markup_too_dense_is_a_problem():
    problems, html = _problems("Intro.\n\n" + "\\[" * 20_000)
    assert html == "" and problems[0][0] == 2 and "too much inline markup" in problems[0][1]


@pytest.mark.parametrize("text", [
    "".join("    " * k + "- item\n" for k in range(markup_limits.MAX_NESTING)),  # as deep as allowed
    ">" * markup_limits.MAX_NESTING + " a\n",
    "<div>" * markup_limits.MAX_NESTING + "a" + "</div>" * markup_limits.MAX_NESTING + "\n",
    "<div>a</div>\n" * 200 + "<p>one<p>two<li>three<li>four\n" * 20,  # siblings; p and li end themselves
    "* " * 40 + "\n\n" + "- " * 40 + "\n",  # rules, not lists
    "*a **b _c ~~d~~ c_ b** a*\n" * 100,
])
def test_ordinary_nesting_is_converted(text):
    problems, html = _problems(text)
    assert problems == [] and html


# The rewritten pieces of Python-Markdown give its own answers (where they do not give up).

@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.text(alphabet="[]()ab \"'<>\\", max_size=40), st.integers(0, 40))
def test_link_scans_agree_with_python_markdowns(data, index):
    index = min(index, len(data))
    pattern = type("Bounded", (markup_limits._BoundedLinkScans, LinkInlineProcessor), {})(r"\[", CONVERTER.md)
    original = LinkInlineProcessor(r"\[", CONVERTER.md)
    theirs = original.getText(data, index)
    if not theirs[2]:
        assert not pattern.getText(data, index)[2]
    elif data[index:theirs[1]].count("[") < markup_limits._LINK_NESTING:  # deeper, ours gives up
        assert pattern.getText(data, index) == theirs
    if data[index:].count("(") <= markup_limits._LINK_NESTING:
        assert pattern.getLink(data, index) == original.getLink(data, index)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.text(alphabet="`\\|a ", max_size=60), st.booleans())
def test_table_cells_split_as_python_markdowns(row, border):
    ours, theirs = (cls(CONVERTER.md.parser, {"use_align_attribute": False}) for cls in (markup_limits._Table, TableProcessor))
    ours.border = theirs.border = border
    assert ours._split_row(row) == theirs._split_row(row)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.lists(st.sampled_from(["    a", "", "  ", "b", "        c", "   d"]), max_size=8))
def test_code_detab_agrees_with_python_markdowns(lines):
    text = "\n".join(lines)
    assert markup_limits._CodeBlocks(CONVERTER.md.parser).detab(text) == BlockProcessor(CONVERTER.md.parser).detab(text)


def _trim_url_before(text: str) -> str:
    """markup._trim_url as it was: the reference."""
    while text:
        last = text[-1]
        if last in markup._TRAILING or (last == ")" and text.count(")") > text.count("(")):
            text = text[:-1]
        elif last == ";" and (entity := re.search(r"&\w+;$", text)):
            text = text[:entity.start()]
        else:
            return text
    return text


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.text(alphabet="a()&;.!x", max_size=30))
def test_url_trimming_is_unchanged(text):
    assert markup._trim_url(text) == _trim_url_before(text)


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(st.lists(st.integers(0, 3), max_size=8), st.integers(0, 4))
def test_fenced_blocks_are_put_back_as_superfences_does(gaps, tail):
    stack, position = [], 0
    for number, gap in enumerate(gaps):  # blocks in order, not overlapping, as superfences finds them
        stack.append((f"block {number}", position + gap, position + gap + 1 + number % 3))
        position = stack[-1][2]
    lines = [f"line {i}" for i in range(position + tail)]
    ours, theirs = types.SimpleNamespace(stack=list(stack)), types.SimpleNamespace(stack=list(stack))
    assert markup_limits._reassemble_fences(ours, lines) == SuperFencesBlockPreprocessor.reassemble(theirs, lines)


def test_suffix_search_finds_what_a_search_finds():
    regex = re.compile(r"^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(.*)$", re.MULTILINE)
    remembered, rng = markup_limits._SuffixSearch(regex), random.Random(1)
    for _ in range(300):
        block = "\n".join(rng.choice(["[a]: b", "text", "  [c]: d", "", "x [e]: f"]) for _ in range(rng.randint(1, 9)))
        while block:
            found, expected = remembered.search(block), regex.search(block)
            assert (found and found.span()) == (expected and expected.span())
            block = block.partition("\n")[2] if rng.random() < 0.8 else block[:rng.randint(0, len(block))]
