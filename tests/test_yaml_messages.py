"""YAML mistakes a volunteer makes, reported by `check` in words they can act on, at the line of the fix.

Each test writes one mistake into a valid record and asserts the exact `path:line: field:` and the
words of the advice. VALID_FRONT's lines: --- is 1, title 2, date 3, location 4, status 5, sources 6.
"""

from __future__ import annotations

import pytest

from conftest import VALID_FRONT
from test_check_problems import assert_reported

PATH = "content/incidents/2022/x.md"


def front_with(line_number: int, replacement: str) -> str:
    """VALID_FRONT with its file line `line_number` replaced."""
    lines = VALID_FRONT.splitlines(keepends=True)
    lines[line_number - 2] = replacement
    return "".join(lines)


def check_error(archive, front: str, expected: str) -> str:
    """Check an archive of one record with this front matter: it fails, with a line starting `expected`."""
    archive.incident("x", front)
    code, output = archive.check()
    assert code == 1, output
    assert "Traceback" not in output
    return assert_reported(output, expected)


def test_a_colon_in_a_title_asks_for_double_quotes(archive):
    line = check_error(archive, front_with(2, "title: Kyiv: shelling of a block\n"), f"{PATH}:2: title:")
    assert 'put the title in double quotes: title: "Kyiv: shelling of a block"' in line


def test_a_tab_in_the_indentation_asks_for_spaces(archive):
    line = check_error(archive, front_with(4, "location:\n\tname: Bucha\n"), f"{PATH}:5: location.name:")
    assert "indent with spaces, not a tab" in line


@pytest.mark.parametrize("front, expected", [
    # PyYAML reads on to the next value's opening quote, and gives up on line 7.
    (front_with(2, 'title: "Kyiv: shelling of a block\n') + 'summary: "Four people were killed."\n',
     f"{PATH}:2: title: the quote opened on line 2 is never closed"),
    (front_with(3, "date: '2022-03-04\n"), f"{PATH}:3: date: the quote opened on line 3 is never closed"),
], ids=["closed by a later quote", "never closed"])
def test_an_unclosed_quote_is_reported_where_it_opens(archive, front, expected):
    check_error(archive, front, expected)


@pytest.mark.parametrize("front, expected, words", [
    (front_with(6, "sources: [https://example.org/a\n") + "categories: [shelling]\n", f"{PATH}:6: sources:",
     "the [ opened on line 6 is never closed: end the list with ]"),
    (front_with(4, "location: {name: Bucha, country: UA\n"), f"{PATH}:4: location:",
     "the { opened on line 4 is never closed: end it with }"),
], ids=["bracket", "brace"])
def test_an_unclosed_bracket_is_reported_where_it_opens(archive, front, expected, words):
    assert words in check_error(archive, front, expected)


@pytest.mark.parametrize("front, expected, words", [
    (front_with(3, " date: 2022-03-04\n"), f"{PATH}:3: date:",
     "line `date:` up with `title:` on line 2: remove the 1 space before it"),
    (front_with(4, "location:\n  name: Bucha\n   lat: 50.4\n  lon: 30.2\n"), f"{PATH}:6: location.lat:",
     "line `lat:` up with `name:` on line 5: put 2 spaces before it, not 3"),
], ids=["a top-level key", "a key under location"])
def test_a_misindented_key_is_told_what_to_line_up_with(archive, front, expected, words):
    assert words in check_error(archive, front, expected)


def test_a_missing_opening_line_is_asked_for_above_the_first_field(archive):
    archive.write(PATH, VALID_FRONT + "---\nThe description.\n")
    code, output = archive.check()
    assert code == 1
    assert "add one above `title:`" in assert_reported(output, f"{PATH}:1: front matter: missing")


@pytest.mark.parametrize("body, expected", [
    # The rule --- in the description closes the front matter: the description above it is read as YAML.
    ("\nOn 4 March soldiers came to the village.\n\n---\n\nLater reports.\n", f"{PATH}:6: front matter: is not closed"),
    ("\nThe description.\n", f"{PATH}:6: front matter: is not closed"),
    # ... where a sentence with a colon reads as a field named "On 4 March, soldiers came. Witnesses said".
    ("\nOn 4 March, soldiers came. Witnesses said: they fired.\n\n---\n\nLater reports.\n",
     f"{PATH}:6: front matter: warning: may not be closed: line 8 reads as a sentence"),
], ids=["a rule below the description", "no other ---", "a sentence that reads as a field"])
def test_a_missing_closing_line_is_asked_for_after_the_last_field(archive, body, expected):
    archive.write(PATH, "---\n" + VALID_FRONT + body)
    code, output = archive.check("--strict")
    assert code == 1
    assert "add a line --- after this line" in assert_reported(output, expected)


def test_comma_separated_terms_are_a_warning_and_single_values_still_pass(archive):
    archive.incident("x", front_with(6, "sources: https://example.org/a\n") +
                     "categories: shelling, civilians\ntags: evacuation\n")
    code, output = archive.check()
    assert code == 0, output
    line = assert_reported(output, f"{PATH}:7: categories: warning:")
    assert "write a list: categories: [shelling, civilians]" in line
    assert len([problem for problem in output.splitlines() if problem.startswith(PATH)]) == 1, output
    assert archive.check("--strict")[0] == 1


def test_comma_separated_addresses_are_an_error_that_shows_the_list(archive):
    line = check_error(archive, front_with(6, "sources: https://example.org/a, https://example.org/b\n"),
                       f"{PATH}:6: sources:")
    assert "write it as a list: sources: [https://example.org/a, https://example.org/b]" in line


def test_a_list_item_without_a_space_after_its_dash_is_a_warning_at_its_line(archive):
    terms = archive.incident("terms", VALID_FRONT + "categories:\n  -shelling\n  -civilians\n")
    code, output = archive.check()
    assert code == 0, output
    for number, term in ((8, "shelling"), (9, "civilians")):
        line = assert_reported(output, f"{terms}:{number}: categories: warning:")
        assert f"a list item needs a space after its dash: `- {term}`" in line
    addresses = archive.incident("addresses", front_with(6, "sources:\n  -https://example.org/a\n"))
    code, output = archive.check()
    assert "`- https://example.org/a`" in assert_reported(output, f"{addresses}:7: sources: warning:")


def test_a_dash_without_a_space_that_breaks_the_yaml_is_an_error_at_its_line(archive):
    line = check_error(archive, front_with(6, "sources:\n-https://example.org/a\n"), f"{PATH}:7: sources:")
    assert "a list item needs a space after its dash: `- https://example.org/a`" in line


@pytest.mark.parametrize("front, words", [
    (front_with(2, 'title: "Kyiv" shelling of a block\n'),
     """put it all in single quotes: title: '"Kyiv" shelling of a block'"""),
    (front_with(2, "title: @kyiv shelling\n"),
     'a value cannot start with @: put the title in double quotes: title: "@kyiv shelling"'),
], ids=["text after a closing quote", "a reserved first character"])
def test_a_value_yaml_reads_as_something_else_asks_for_quotes(archive, front, words):
    assert words in check_error(archive, front, f"{PATH}:2: title:")


def test_site_yaml_mistakes_are_explained_alike(archive):
    archive.write("site.yaml", "title: Archive: Ukraine\nbase_url: https://example.org/\n")
    code, output = archive.check()
    assert code == 1
    assert 'put the title in double quotes: title: "Archive: Ukraine"' in assert_reported(output, "site.yaml:1: title:")


def test_a_mistake_not_recognised_keeps_pyyaml_words(archive):
    # A backslash in double quotes starts an escape; \q is none. No reader knows it: PyYAML's words stay.
    line = check_error(archive, front_with(2, 'title: "C:\\q"\n'), f"{PATH}:2: front matter:")
    assert "is not valid YAML" in line and "escape" in line
