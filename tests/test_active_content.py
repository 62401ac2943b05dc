"""SVGs in content/media are published only as plain drawings: no script, no page, nothing fetched from elsewhere."""

from __future__ import annotations

import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incident_archive import active_content
from incident_archive.active_content import MAX_PROBLEMS, svg_problems

SVG_NS = "http://www.w3.org/2000/svg"
OPEN = f'<svg xmlns="{SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'


def svg(body: str) -> bytes:
    """An SVG with `body` from line 2 on (the <svg> tag is line 1)."""
    return f"{OPEN}\n{body}\n</svg>\n".encode()


def messages(data: bytes) -> list[str]:
    return [message for _, message in svg_problems(data)]


def only(data: bytes) -> tuple[int, str]:
    problems = svg_problems(data)
    assert len(problems) == 1, problems
    return problems[0]


# -- ordinary drawings pass -----------------------------------------------------------------

INKSCAPE = """\
<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->

<svg
   width="210mm"
   height="297mm"
   viewBox="0 0 210 297"
   version="1.1"
   id="svg5"
   inkscape:version="1.1.2 (0a00cf5339, 2022-02-04)"
   sodipodi:docname="map.svg"
   xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
   xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
   xmlns:xlink="http://www.w3.org/1999/xlink"
   xmlns="http://www.w3.org/2000/svg"
   xmlns:svg="http://www.w3.org/2000/svg"
   xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
   xmlns:cc="http://creativecommons.org/ns#"
   xmlns:dc="http://purl.org/dc/elements/1.1/">
  <sodipodi:namedview id="namedview7" pagecolor="#ffffff" bordercolor="#666666" borderopacity="1.0"
     inkscape:pageshadow="2" inkscape:pageopacity="0.0" inkscape:document-units="mm" showgrid="false"
     inkscape:zoom="0.74" inkscape:current-layer="layer1">
    <inkscape:grid type="xygrid" id="grid1"/>
  </sodipodi:namedview>
  <defs id="defs2">
    <linearGradient inkscape:collect="always" id="linearGradient1">
      <stop style="stop-color:#000000;stop-opacity:1;" offset="0" id="stop1"/>
    </linearGradient>
    <linearGradient inkscape:collect="always" xlink:href="#linearGradient1" id="linearGradient2"
       x1="0" y1="0" x2="10" y2="10" gradientUnits="userSpaceOnUse"/>
    <inkscape:perspective sodipodi:type="inkscape:persp3d" inkscape:vp_x="0 : 148.5 : 1"
       inkscape:vp_y="0 : 1000 : 0" inkscape:vp_z="210 : 148.5 : 1" id="perspective1"/>
  </defs>
  <metadata id="metadata5">
    <rdf:RDF>
      <cc:Work rdf:about="">
        <dc:format>image/svg+xml</dc:format>
        <dc:type rdf:resource="http://purl.org/dc/dcmitype/StillImage"/>
        <dc:title>Map of the incident</dc:title>
        <cc:license rdf:resource="http://creativecommons.org/licenses/by/4.0/"/>
      </cc:Work>
    </rdf:RDF>
  </metadata>
  <g inkscape:label="Layer 1" inkscape:groupmode="layer" id="layer1">
    <path style="fill:url(#linearGradient2);stroke:#000000;stroke-width:0.26px" d="m 10,10 h 50 v 50 z"
       id="path1" sodipodi:nodetypes="cccc" inkscape:connector-curvature="0"/>
    <text xml:space="preserve" style="font-size:10.58px;font-family:sans-serif;-inkscape-font-specification:'sans'"
       x="20" y="80" id="text1"><tspan sodipodi:role="line" id="tspan1" x="20" y="80">Bucha</tspan></text>
  </g>
</svg>
"""

PLAIN = {
    "minimal": f'<svg xmlns="{SVG_NS}" viewBox="0 0 10 10"><circle r="1"/></svg>'.encode(),
    "gradient": svg('<defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs>\n'
                    '<rect width="10" height="10" fill="url(#g)" stroke="url( \'#g\' )" filter=\'URL("#g")\'/>'),
    "use": svg('<defs><circle id="a" r="1"/></defs><use xlink:href="#a" x="2"/><use href="#a"/>'
               '<a xlink:href="#a"><text>to the circle</text></a>'),
    "style element": svg("<style>\n  circle { fill: #c00; stroke: url(#g) }\n  .label { font: 3px sans-serif }\n"
                         "  @media (prefers-color-scheme: dark) { circle { fill: #f88 } }\n</style>\n"
                         '<style><![CDATA[ rect > circle { opacity: 0.5 } ]]></style><circle class="label" r="1"/>'),
    "title and desc": svg("<title>Where it happened</title><desc>A map of the street, drawn by hand; "
                          "see https://example.org/ for the source &amp; more.</desc><circle r='1'/>"),
    "inkscape": INKSCAPE.encode(),
    "plain animation": svg('<circle r="1"><animate attributeName="r" values="1;2;1" dur="2s" '
                           'repeatCount="indefinite"/><set attributeName="fill" to="blue" begin="1s"/>'
                           '<animateTransform attributeName="transform" type="rotate" from="0" to="360" dur="3s"/>'
                           "</circle>"),
    "declaration, BOM, comments": b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>\n<!-- a comment -->\n'
                                  + svg('<path d="M0 0L1 1" transform="rotate(45) translate(1,2)"/>'),
    "ascii declaration": b'<?xml version="1.0" encoding="US-ASCII"?>\n' + svg("<circle r='1'/>"),
    "empty href": svg('<a href=""><circle r="1"/></a>'),
}


@pytest.mark.parametrize("name", PLAIN)
def test_plain_drawings_pass(name):
    assert svg_problems(PLAIN[name]) == []


@pytest.mark.slow  # timed: three megabytes of drawing
def test_large_drawing_is_checked_in_linear_time():
    paths = "".join(f'<path id="p{i}" d="M {i} 0 L {i + 1} 2 C 1 2 3 4 5 6 Z" fill="url(#g)" '
                    f'transform="translate({i},0)" style="stroke:#000;stroke-width:0.5"/>\n' for i in range(25_000))
    data = svg(f'<defs><linearGradient id="g"/></defs>\n{paths}<script>alert(1)</script>')
    assert len(data) > 3_000_000
    started = time.thread_time()  # processor time: a busy machine's turns are not the check's
    problems = svg_problems(data)
    assert time.thread_time() - started < 10
    assert problems == [(25_003, "has a <script> element: scripts in an SVG run in readers' browsers; "
                                 "remove it, or export the image as PNG")]


def test_deep_nesting_does_not_crash():
    deep = "<g>" * 10_000 + "</g>" * 10_000
    assert svg_problems(svg(deep)) == []
    line, message = only(svg("<g>\n" * 10_000 + "<script/>" + "</g>" * 10_000))
    assert line == 10_002 and "<script>" in message


# -- the file as a whole --------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"  \n\t\n"])
def test_empty_file(data):
    line, message = only(data)
    assert line == 1 and message.startswith("is empty")


def test_not_well_formed():
    line, message = only(svg('<g>\n<circle r="1">\n</g>'))
    assert line == 4
    assert message.startswith("is not well-formed XML: mismatched tag")


def test_not_well_formed_after_other_problems_is_reported_too():
    problems = svg_problems(svg("<script/>\n<g>"))  # </svg> on line 4 does not close <g>
    assert [line for line, _ in problems] == [2, 4]
    assert "not well-formed" in problems[1][1]


@pytest.mark.parametrize("data, line", [
    (svg("<text>caf\xe9</text>").replace("é".encode(), b"\xe9"), 2),
    (b"\xff\xfe<\x00s\x00v\x00g\x00/\x00>\x00", 1),  # UTF-16 with a byte-order mark
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1),  # a PNG renamed .svg
])
def test_not_utf8(data, line):
    found_line, message = only(data)
    assert found_line == line and message.startswith("is not UTF-8") and "save it as UTF-8" in message


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-16", "windows-1252", "UTF-7"])
def test_declared_encoding_other_than_utf8(encoding):
    line, message = only(f'<?xml version="1.0" encoding="{encoding}"?>\n'.encode() + svg("<circle r='1'/>"))
    assert line == 1 and f'encoding="{encoding}"' in message and "UTF-8" in message


def test_declared_ascii_with_other_characters():
    line, message = only(b'<?xml version="1.0" encoding="ascii"?>\n' + svg("<title>café</title>"))
    assert line == 1 and "not ASCII" in message


@pytest.mark.parametrize("root, expected", [
    ("<svg><circle r='1'/></svg>", 'its <svg> element has no xmlns="http://www.w3.org/2000/svg"'),
    ("<html xmlns='http://www.w3.org/1999/xhtml'><body><p>x</p></body></html>", "starts with a <html> element"),
    (f"<g xmlns='{SVG_NS}'><circle r='1'/></g>", "starts with a <g> element"),
    ("<svg xmlns='http://example.org/not-svg'/>", "starts with a <svg> element in the namespace"),
])
def test_root_must_be_svg_in_the_svg_namespace(root, expected):
    line, message = only(root.encode())
    assert line == 1 and message.startswith(expected)


# -- DOCTYPE and entities -------------------------------------------------------------------

def test_doctype_is_refused_and_the_rest_still_checked():
    # As Illustrator and old Inkscape write it. The DTD named is never fetched: the <script> below
    # it is still reported (reading the external subset would have stopped the check there).
    data = (b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
            b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' + svg("<script/>"))
    problems = svg_problems(data)
    assert [line for line, _ in problems] == [2, 4]
    assert "remove the <!DOCTYPE ...> line" in problems[0][1]
    assert "<script>" in problems[1][1]


def test_doctype_default_attributes_are_seen():
    # A DTD may give elements default attributes: a browser applies them, so the check sees them.
    data = (b'<!DOCTYPE svg [<!ATTLIST circle onclick CDATA "alert(1)">]>\n' + svg('<circle r="1"/>'))
    assert any("onclick" in message for message in messages(data))


def billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return ('<?xml version="1.0"?>\n<!DOCTYPE svg [\n' + "\n".join(entities) + "\n]>\n"
            + f'<svg xmlns="{SVG_NS}"><text x="&lol9;">&lol9;</text></svg>').encode()


def test_billion_laughs_is_refused_without_expanding():
    started = time.thread_time()  # processor time: a busy machine's turns are not the check's
    problems = svg_problems(billion_laughs())
    assert time.thread_time() - started < 1
    assert [line for line, _ in problems] == [2, 3]
    assert "<!DOCTYPE" in problems[0][1]
    assert problems[1][1].startswith("defines the entity lol0")
    assert all("lollol" not in message for _, message in problems)


class _Opens:
    """Records every file Python opens while armed (audit hooks cannot be removed: one, switched)."""

    armed = False
    paths: list[str] = []

    @classmethod
    def hook(cls, event, args):
        if cls.armed and event == "open":
            cls.paths.append(str(args[0]))


sys.addaudithook(_Opens.hook)


@pytest.mark.parametrize("doctype, body", [
    ('<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file://{secret}">]>', "<text>&xxe;</text>"),
    ('<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file://{secret}">]>', '<text x="&xxe;">x</text>'),
    ('<!DOCTYPE svg [<!ENTITY % xxe SYSTEM "file://{secret}"> %xxe;]>', "<text>x</text>"),
    ('<!DOCTYPE svg SYSTEM "file://{secret}">', "<text>x</text>"),
])
def test_external_entities_are_refused_and_never_read(tmp_path, doctype, body):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT")
    data = (doctype.format(secret=secret) + "\n").encode() + svg(body)
    _Opens.paths.clear()
    _Opens.armed = True
    try:
        problems = svg_problems(data)
    finally:
        _Opens.armed = False
    assert problems and problems[0][0] == 1 and "<!DOCTYPE" in problems[0][1]
    assert not any(str(secret) in path for path in _Opens.paths)
    assert not any("SECRET-CONTENT" in message for _, message in problems)
    if "ENTITY" in doctype:
        assert any(message.startswith("defines the entity") for _, message in problems)


def test_external_entity_references_are_refused_behind_the_entity_rule(tmp_path, monkeypatch):
    # A second line of defence: were an entity definition let through, its use is still refused
    # at the reference, and still nothing is read.
    monkeypatch.setattr(active_content._Checker, "entity", lambda self, *args: None)
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT")
    data = f'<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'.encode() + svg("<text>&xxe;</text>")
    problems = svg_problems(data)
    assert [line for line, _ in problems] == [1, 3]
    assert problems[1][1].startswith("refers to an outside entity (file:///")
    assert not any("SECRET-CONTENT" in message for _, message in problems)


# -- elements -------------------------------------------------------------------------------

@pytest.mark.parametrize("element", ["script", "foreignObject", "iframe", "embed", "object", "audio", "video",
                                     "canvas", "handler", "listener"])
def test_active_elements_are_refused(element):
    line, message = only(svg(f"<g>\n<{element}>x</{element}></g>"))
    assert line == 3 and message.startswith("has a") and f"<{element}>" in message


def test_script_message_says_how_to_fix():
    assert only(svg("<circle r='1'/>\n<script>alert(document.domain)</script>")) == (
        3, "has a <script> element: scripts in an SVG run in readers' browsers; remove it, or export the image as PNG")


def test_active_elements_are_refused_inside_metadata_too():
    data = svg("<metadata>\n<script>alert(1)</script>\n</metadata>")
    assert [line for line, _ in svg_problems(data)] == [3]


def test_page_elements_are_refused_even_inside_metadata():
    data = svg('<metadata xmlns:h="http://www.w3.org/1999/xhtml">\n<h:p>text</h:p>\n'
               '<m:math xmlns:m="http://www.w3.org/1998/Math/MathML"/></metadata>')
    problems = svg_problems(data)
    assert [line for line, _ in problems] == [3, 4]
    assert "XHTML" in problems[0][1] and "MathML" in problems[1][1]


def test_xhtml_script_in_svg_is_refused():
    line, message = only(svg('<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>'))
    assert line == 2 and "<script>" in message


@pytest.mark.parametrize("element", ['<x:thing xmlns:x="http://example.org/x"/>', '<thing xmlns=""/>'])
def test_elements_outside_the_svg_namespace_are_refused(element):
    line, message = only(svg(element))
    assert line == 2 and "outside the SVG namespace" in message


def test_other_namespaces_are_allowed_inside_metadata():
    data = svg('<metadata><x:description xmlns:x="http://ns.adobe.com/xap/1.0/">'
               "<x:thing>made by hand</x:thing></x:description></metadata>")
    assert svg_problems(data) == []


def test_inkscape_and_sodipodi_elements_are_allowed():
    data = svg('<sodipodi:namedview xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" '
               'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:zoom="1">'
               '<inkscape:grid type="xygrid"/></sodipodi:namedview>')
    assert svg_problems(data) == []


@pytest.mark.parametrize("animation", [
    '<set attributeName="href" to="javascript:alert(1)"/>',
    '<set attributeName="xlink:href" to="javascript:alert(1)"/>',
    '<animate attributeName=" onclick " values="alert(1)"/>',
    '<animateTransform attributeName="HREF" from="#a" to="#b"/>',
    '<animateMotion attributeName="onbegin"/>',
])
def test_animations_of_links_and_handlers_are_refused(animation):
    problems = svg_problems(svg(f'<a href="#x">\n{animation}<text>x</text></a>'))
    assert any(line == 3 and "changes the attribute" in message for line, message in problems), problems


# -- attributes -----------------------------------------------------------------------------

@pytest.mark.parametrize("attribute", ['onload="alert(1)"', 'ONCLICK="alert(1)"', 'onMouseOver="x()"',
                                       'xlink:onclick="x()"', 'onfocusin="x()"'])
def test_event_handlers_are_refused(attribute):
    line, message = only(svg(f"<g>\n<circle r='1' {attribute}/></g>"))
    assert line == 3 and message.startswith("has an event handler")


@pytest.mark.parametrize("element, address, why", [
    ("a", "javascript:alert(1)", "runs a script"),
    ("a", " JaVaScRiPt:alert(1)", "runs a script"),
    ("a", "&#x09;java&#x0A;script:alert(1)", "runs a script"),
    ("a", "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;", "data:"),
    ("image", "data:image/png;base64,iVBORw0KGgo=", "data:"),
    ("image", "https://tracker.example/pixel.png", "another site"),
    ("use", "http://evil.example/sprites.svg#a", "another site"),
    ("use", "//evil.example/sprites.svg#a", "another site"),
    ("feImage", "photo.jpg", "another file"),
    ("pattern", "../other.svg#p", "another file"),
    ("textPath", "file:///etc/passwd", "another file"),
])
@pytest.mark.parametrize("attribute", ["href", "xlink:href"])
def test_references_outside_the_file_are_refused(element, address, why, attribute):
    line, message = only(svg(f'<g>\n<{element} {attribute}="{address}"/></g>'))
    assert line == 3 and message.startswith(f"has {attribute}=") and why in message
    assert "(#id)" in message


@pytest.mark.parametrize("value", ["url(http://evil.example/f.svg#f)", "url('data:image/svg+xml,%3Csvg/%3E')",
                                   'url("file.png")', "url(//evil.example/x)", "URL( https://x/y )",
                                   "url(#a) url(x.svg#b)", "url(#a\\) url(http://x/)"])
def test_url_outside_the_file_in_attributes_is_refused(value):
    quote = '"' if "'" in value else "'"
    problems = svg_problems(svg(f"<g>\n<rect filter={quote}{value}{quote}/></g>"))
    assert problems
    for line, message in problems:
        assert line == 3 and "only url(#id)" in message and "the filter attribute of <rect>" in message


def test_xml_base_is_refused():
    line, message = only(svg('<g xml:base="https://evil.example/">\n<use href="#a"/></g>'))
    assert line == 2 and message.startswith('has xml:base="https://evil.example/"')


def test_ping_is_refused():
    line, message = only(svg('<a href="#x" ping="https://tracker.example/"><text>x</text></a>'))
    assert line == 2 and message.startswith("has ping=")


# -- CSS: style elements and style attributes -----------------------------------------------

@pytest.mark.parametrize("css, found", [
    ('@import "https://evil.example/x.css";', "@import"),
    ("@IMPORT url(#x);", "@IMPORT"),
    ("circle { fill: url(https://evil.example/x.svg#p) }", "url(https://evil.example/x.svg#p)"),
    ("circle { background: url( 'file.png' ) }", "url( 'file.png' )"),
    ("circle { width: expression(alert(1)) }", "expression(...)"),
    ("circle { fill: javascript:alert(1) }", "javascript:"),
    ('circle { background: -webkit-image-set("https://evil.example/a.png" 1x) }', "-webkit-image-set(...)"),
    ("circle { fill: \\75rl(https://evil.example/x) }", "url(https://evil.example/x)"),  # CSS escape
    ("circle { width: expr/**/ession(alert(1)) }", "expression(...)"),  # old IE dropped comments
])
def test_style_element_is_refused_when_it_runs_or_fetches(css, found):
    line, message = only(svg(f"<style>\n/* a comment */\n{css}\n</style>"))
    assert line == 4 and message.startswith(f"has {found} in a <style> element")


@pytest.mark.parametrize("css, found", [
    ("fill: url(http://evil.example/x#p)", "url(http://evil.example/x#p)"),
    ("width: expression(alert(1))", "expression(...)"),
    ("fill: red; background: javascript:alert(1)", "javascript:"),
    ("@import 'https://evil.example/x.css'", "@import"),
])
def test_style_attribute_is_refused_when_it_runs_or_fetches(css, found):
    line, message = only(svg(f'<g>\n<circle r="1" style="{css}"/></g>'))
    assert line == 3 and message.startswith(f"has {found} in the style attribute of <circle>")


def test_animated_values_are_read_as_css():
    problems = svg_problems(svg('<circle r="1">\n<set attributeName="style" to="width: expression(alert(1))"/>'
                                "</circle>"))
    assert [line for line, _ in problems] == [3] and "expression" in problems[0][1]


def test_processing_instructions_are_refused():
    data = b'<?xml version="1.0"?>\n<?xml-stylesheet href="https://evil.example/x.css"?>\n' + svg("<?php x ?>")
    problems = svg_problems(data)
    assert [line for line, _ in problems] == [2, 4]
    assert "<?xml-stylesheet ...?>" in problems[0][1] and "<?php ...?>" in problems[1][1]


# -- the report -----------------------------------------------------------------------------

def test_every_problem_is_reported_in_line_order():
    data = svg('<circle onclick="x()" r="1"/>\n<style>\n@import "x.css";\n<script/>\n</style>\n'
               '<image href="https://x.example/p.png"/>')
    assert [line for line, _ in svg_problems(data)] == [2, 4, 5, 7]


def test_problems_are_capped():
    problems = svg_problems(svg("\n".join(f"<script>{i}</script>" for i in range(100))))
    assert len(problems) == MAX_PROBLEMS
    assert [line for line, _ in problems] == list(range(2, 2 + MAX_PROBLEMS))
    assert problems[-1][1].startswith("has more problems from this line on")


@pytest.mark.slow  # timed: six megabytes of style sheet
def test_hostile_css_is_checked_quickly():
    data = svg("<style>" + "a{fill:url(#a)}" * 200_000 + "url(" * 200_000 + "</style>")
    started = time.thread_time()  # processor time: a busy machine's turns are not the check's
    problems = svg_problems(data)
    assert time.thread_time() - started < 5
    assert problems and all("url(" in message for _, message in problems)


# -- never a traceback ----------------------------------------------------------------------

@pytest.mark.parametrize("error", [MemoryError, RecursionError, ValueError("bad"), OSError])
def test_any_exception_becomes_a_problem(monkeypatch, error):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(active_content.expat, "ParserCreate", broken)
    (line, message), = svg_problems(PLAIN["minimal"])
    assert line == 1 and message.startswith("could not be checked")


def _is_report(problems) -> bool:
    return isinstance(problems, list) and all(
        isinstance(problem, tuple) and len(problem) == 2 and isinstance(problem[0], int) and problem[0] >= 1
        and isinstance(problem[1], str) and problem[1] for problem in problems)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_a_list_of_problems(data):
    assert _is_report(svg_problems(data))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_a_list_of_problems(text):
    assert _is_report(svg_problems(text.encode("utf-8", "surrogatepass")))


PIECES = [OPEN, "</svg>", "<g>", "</g>", "<script>", "</script>", "<style>", "</style>", "<metadata>",
          "</metadata>", "<!DOCTYPE svg [", "]>", '<!ENTITY a "&a;">', "&a;", "&amp;", "&#0;", "<![CDATA[", "]]>",
          "<?xml-stylesheet x?>", '<?xml version="1.0" encoding="latin1"?>', '<a href="', '" ', 'style="', '"/>',
          "url(", "#", ")", "\\", "/*", "*/", "@import", "javascript:", 'xmlns:x="urn:x"', "<x:y/>", "\x00",
          "\ufeff", "\n", " ", "'", '"', "<", ">", "é", 'onload="x"', '<set attributeName="href"/>']


@pytest.mark.slow  # fuzzing: 500 drawings
@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60).map("".join))
def test_any_mix_of_svg_pieces_gives_a_list_of_problems(text):
    assert _is_report(svg_problems(text.encode("utf-8")))
