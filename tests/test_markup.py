"""What a contributor previews on GitHub renders the same here, as far as Python-Markdown allows."""

from __future__ import annotations

import hypothesis
import pytest

from conftest import TINY_PNG, VALID_FRONT

GITHUB_MARKDOWN = """\
# A heading

Some *emphasis*, **strong**, ~~struck~~ and `code`.

| Place | Killed |
|:------|-------:|
| Bucha | 8 |

```text
fenced code keeps <b>markup</b> as text
```

1. first
2. second

Between the lists.

3. third starts a list at 3

- [x] checked task
- [ ] open task

A bare address: https://example.org/report and a footnote.[^note]

> A quotation.

### A deeper heading

[^note]: The footnote's text.
"""


@pytest.fixture
def rendered(archive):
    archive.incident("x", body=GITHUB_MARKDOWN)
    code, output = archive.build()
    assert code == 0, output
    return (archive.output / "incidents/x/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("expected", [
    '<h3 id="a-heading">A heading</h3>',            # under the page's h1 and "Description" h2
    '<h4 id="a-deeper-heading">A deeper heading</h4>',  # ### after # : no level skipped
    "<del>struck</del>",
    '<th style="text-align:left">Place</th>',
    '<td style="text-align:right">8</td>',
    "<code>fenced code keeps &lt;b&gt;markup&lt;/b&gt; as text",
    '<ol start="3">',
    '<a class="bare-url" href="https://example.org/report" rel="noreferrer">https://example.org/report</a>',
    'class="footnote-ref"',
    "The footnote&#x27;s text.",
    "<blockquote>",
    'class="task-list-item"',
])
def test_github_flavoured_markdown_renders(rendered, expected):
    assert expected in rendered or expected.replace("&#x27;", "&#39;") in rendered or expected.replace("&#x27;", "'") in rendered


def test_page_headings_start_at_h2(minimal):
    assert minimal.build()[0] == 0
    html = (minimal.output / "about/index.html").read_text(encoding="utf-8")
    assert '<h2 id="purpose">Purpose</h2>' in html


def test_links_to_drafts_show_as_text_until_published(archive):
    archive.incident("draft", VALID_FRONT + "draft: true\n")
    archive.incident("x", VALID_FRONT + "related: [draft]\n", body="See [[draft]] and [it](draft.md).\n")
    code, output = archive.build()
    assert code == 0, output
    html = (archive.output / "incidents/x/index.html").read_text(encoding="utf-8")
    assert "draft/index.html" not in html
    # An unpublished record's title is not public yet: the link shows its id.
    assert "<span>draft</span>" in html and "<span>it</span>" in html
    assert archive.build("--drafts")[0] == 0
    html = (archive.output / "incidents/x/index.html").read_text(encoding="utf-8")
    assert '<a href="../draft/index.html">it</a>' in html


def test_link_to_a_previous_id_goes_to_the_current_page(archive):
    archive.incident("renamed", VALID_FRONT + "previous_ids: [old-name]\n")
    archive.incident("x", body="See [[old-name]].\n")
    assert archive.build()[0] == 0
    html = (archive.output / "incidents/x/index.html").read_text(encoding="utf-8")
    assert '<a href="../renamed/index.html">A valid incident</a>' in html


def test_missing_alt_text_is_a_warning(archive):
    archive.write("content/media/photo.png", TINY_PNG)
    archive.incident("x", body="\n![](../../media/photo.png)\n")
    code, output = archive.check()
    assert code == 0
    assert "content/incidents/2022/x.md:9: image: warning:" in output
    assert archive.check("--strict")[0] == 1


def test_link_from_the_site_root_is_a_warning(archive):
    archive.incident("x", body="\n[all](/incidents/index.html)\n")
    code, output = archive.check()
    assert code == 0
    assert "content/incidents/2022/x.md:9: link: warning:" in output


@pytest.mark.parametrize("markdown, html", [
    ("See https://example.org/report.",
     'See <a class="bare-url" href="https://example.org/report" rel="noreferrer">https://example.org/report</a>.'),
    ("(https://en.wikipedia.org/wiki/Foo_(bar))",
     '(<a class="bare-url" href="https://en.wikipedia.org/wiki/Foo_(bar)" rel="noreferrer">'
     'https://en.wikipedia.org/wiki/Foo_(bar)</a>)'),
    ("www.example.org/x, and", '<a href="http://www.example.org/x" rel="noreferrer">www.example.org/x</a>, and'),
    ("x https://example.org/a?b=c&amp; y",
     'x <a class="bare-url" href="https://example.org/a?b=c" rel="noreferrer">https://example.org/a?b=c</a>&amp; y'),
    ("write to a.b+c@example.org.", 'write to <a href="mailto:a.b+c@example.org">a.b+c@example.org</a>.'),
    ("`https://code.example`", "<code>https://code.example</code>"),
    ("[https://x.org](https://y.org)", '<a href="https://y.org" rel="noreferrer">https://x.org</a>'),
    ("foo@bar and http:// and www.x", "foo@bar and http:// and www.x"),
    ("mid-https://no.org", "mid-https://no.org"),
    ("user_@example.org-", "user_@example.org-"),
])
def test_bare_addresses_become_links_as_on_github(markdown, html):
    from incident_archive.markup import Converter, Document
    from incident_archive.model import LinkTable

    converter = Converter(LinkTable({}, {}, {}, {}, frozenset(), frozenset()))
    _, converted = converter.convert(Document("x.md", 1, "incidents/x", 3), markdown)
    assert converted == f"<p>{html}</p>"


def _converters():
    from incident_archive.markup import Converter
    from incident_archive.model import LinkTable

    links = LinkTable({"content/incidents/2022/a.md": "a"}, {}, {"a": "A"}, {}, frozenset({"a"}), frozenset())
    shortcut, plain = Converter(links), Converter(links)
    plain.md.treeprocessors.deregister("plain_text")
    return shortcut, plain


_SHORTCUT, _PLAIN = _converters()
_PIECES = ["word", " ", "\n", "\n\n", "  \n", "*", "**", "_", "~~", "`", "[", "]", "(", ")", "!", "<b>", "&amp;",
           "@", "x@example.org", "https://example.org", "www.example.org", "[[a]]", "# ", "- ", "1. ", "> ",
           "| a | b |\n|---|---|\n| c | d |", "[^1]", "[^1]: note", "\\", "    code", "```\nfence\n```", "- [x] ", "é"]


@pytest.mark.slow  # fuzzing: 300 bodies, each converted twice
@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(hypothesis.strategies.lists(hypothesis.strategies.sampled_from(_PIECES), max_size=40))
def test_skipping_plain_text_never_changes_the_html(pieces):
    from incident_archive.markup import Document

    text = "".join(pieces)
    document = Document("content/incidents/2022/x.md", 1, "incidents/x", 3)
    assert _SHORTCUT.convert(document, text)[1] == _PLAIN.convert(document, text)[1]
