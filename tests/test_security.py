"""Hostile content never reaches a page as markup: no script, no event handler, no javascript: URL, no template code."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from conftest import TINY_PNG, VALID_FRONT, ArchiveFolder

HOSTILE_BODY = """\
Plain text first.

<script>alert('body script')</script>
<img src="../../media/x.png" alt="x" onerror="alert('onerror')">
<a href="javascript:alert('raw link')">raw link</a>
<a href=" JaVaScRiPt:alert('spaced')">spaced</a>
<iframe src="https://evil.example/"></iframe>
<svg onload="alert('svg')"><circle r="1"/></svg>
<object data="evil.swf"></object>
<style>body { display: none }</style>
<div style="background: url(javascript:alert('css'))" onclick="alert('click')">styled</div>
<form action="https://evil.example/"><input type="text" name="q"></form>

[markdown link](javascript:alert('md'))
[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

Template code stays text: {{ 7 * 7 }} and {% if true %}yes{% endif %} and {{ config }}.
"""

HOSTILE_FRONT = VALID_FRONT.replace(
    "title: A valid incident", "title: \"<script>alert('title')</script> {{ 6 * 7 }}\""
) + (
    "summary: \"<img src=x onerror=alert('summary')>\"\n"
    "tags: [\"<b onmouseover=alert('tag')>tag</b>\"]\n"
    "content_warning: \"<script>alert('cw')</script>\"\n"
)

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "form", "style", "svg", "frame", "base"}


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name == "style" and value and "url(" in value:
                self.found.append(f"{tag} style with url()")
            if name in ("href", "src", "action", "data") and value:
                scheme = value.strip().lower().split(":", 1)[0]
                if ":" in value and scheme in ("javascript", "data", "vbscript"):
                    self.found.append(f"{tag} {name}={value}")


def scan(html: str) -> list[str]:
    scanner = _Scanner()
    scanner.feed(html)
    return scanner.found


def test_hostile_content_never_becomes_markup(archive, tmp_path):
    archive.write("content/media/x.png", TINY_PNG)
    archive.incident("hostile", HOSTILE_FRONT, body=HOSTILE_BODY)
    archive.incident("neighbour", VALID_FRONT + "related: [hostile]\n")
    code, output = archive.build()
    assert code == 0, output
    # The theme's own markup (the search page's scripts and form, the charts' and maps' SVG) is
    # what the same archive gives with harmless words in place of the hostile ones.
    harmless = ArchiveFolder(tmp_path / "harmless")
    harmless.incident("hostile", VALID_FRONT + "tags: [tag]\n")
    harmless.incident("neighbour", VALID_FRONT + "related: [hostile]\n")
    code, output = harmless.build()
    assert code == 0, output
    themes = {path.relative_to(harmless.output): scan(path.read_text(encoding="utf-8"))
              for path in harmless.output.rglob("*.html")}
    assert themes[Path("search/index.html")] == ["<script>", "<script>", "<script>", "<form>"]
    assert themes[Path("dates/index.html")] and themes[Path("map/index.html")] == ["<svg>", "<svg>", "<svg>", "<svg>"]
    pages = sorted(archive.output.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        assert scan(path.read_text(encoding="utf-8")) == themes.get(path.relative_to(archive.output), []), path


def test_an_image_that_would_run_a_script_is_refused(archive):
    archive.incident("hostile", body="\n![image](javascript:alert('img'))\n")
    code, output = archive.build()
    assert code == 1
    assert "content/incidents/2022/hostile.md:9: image: javascript:alert(" in output
    assert not archive.output.exists()


def test_hostile_text_is_shown_as_text(archive):
    archive.write("content/media/x.png", TINY_PNG)
    archive.incident("hostile", HOSTILE_FRONT, body=HOSTILE_BODY)
    assert archive.build()[0] == 0
    html = (archive.output / "incidents/hostile/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; {{ 6 * 7 }}" in html
    assert "Template code stays text: {{ 7 * 7 }} and {% if true %}yes{% endif %} and {{ config }}." in html
    assert "42" not in html and "49" not in html
    assert "Plain text first." in html


def test_the_scanner_finds_what_it_looks_for():
    """The scan above can fail: it sees each kind of injection in raw HTML."""
    found = scan('<script></script><a href=" javascript:x">a</a><p onclick="x">p</p><img src="data:x">')
    assert found == ["<script>", "a href= javascript:x", "p onclick=", "img src=data:x"]
