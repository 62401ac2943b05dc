"""Bad input, fed through the CLI: each problem is reported as path:line: field: message, with exit 1."""

from __future__ import annotations

import pytest

from conftest import VALID_FRONT

PATH = "content/incidents/2022/x.md"


def front_with(line_number: int, replacement: str) -> str:
    """VALID_FRONT with its file line `line_number` (title is 2 ... sources is 6) replaced."""
    lines = VALID_FRONT.splitlines(keepends=True)
    lines[line_number - 2] = replacement
    return "".join(lines)


def assert_reported(output: str, expected: str) -> str:
    """The output has a line starting with `expected`; return that line."""
    for line in output.splitlines():
        if line.startswith(expected):
            return line
    raise AssertionError(f"no line starting with {expected!r} in:\n{output}")


# (what is wrong, the file's bytes, the expected "path:line: field:" and a word of the message)
FILE_CASES = [
    ("malformed YAML: an unclosed quote",
     '---\ntitle: "unclosed\ndate: 2022-03-04\n---\nBody\n', f"{PATH}:2: title:", "never closed"),
    ("malformed YAML: bad indentation",
     "---\nlocation:\n  name: x\n admin1: y\n---\n", f"{PATH}:4: location.admin1:", "line `admin1:` up"),
    ("not UTF-8", b"---\ntitle: A\ndate: 2022-03-04\nlocation: Caf\xe9\n---\n", f"{PATH}:4: file:", "not UTF-8"),
    ("an empty file", b"", f"{PATH}:1: file:", "is empty"),
    ("blank lines only", "\n\n  \n", f"{PATH}:1: file:", "is empty"),
    ("no front matter", "Just a paragraph.\n", f"{PATH}:1: front matter:", "missing"),
    ("front matter never closed", "---\ntitle: A\n", f"{PATH}:2: front matter:", "not closed"),
    ("front matter that is a list", "---\n- title\n- date\n---\n", f"{PATH}:2: front matter:", "must be a mapping"),
    ("front matter that is text", "---\njust words\n---\n", f"{PATH}:2: front matter:", "must be a mapping"),
    ("an empty front matter", "---\n---\nBody\n", f"{PATH}:1: front matter:", "is empty"),
    ("a key given twice", "---\n" + VALID_FRONT + "title: Again\n---\n", f"{PATH}:7: title:", "appears twice"),
]

# (what is wrong, VALID_FRONT with one line replaced, expected prefix, a word of the message)
FIELD_CASES = [
    ("a title that is a number", (2, "title: 1984\n"), f"{PATH}:2: title:", "put it in quotes"),
    ("an empty title", (2, "title: ''\n"), f"{PATH}:2: title:", "must not be empty"),
    ("a missing date", (3, "\n"), f"{PATH}:1: date:", "is required"),
    ("an impossible day", (3, "date: 2022-02-30\n"), f"{PATH}:3: date:", "February 2022 has no day 30"),
    ("an impossible month", (3, "date: 2022-13\n"), f"{PATH}:3: date:", "no month 13"),
    ("a date in words", (3, "date: March 2022\n"), f"{PATH}:3: date:", "YYYY-MM-DD"),
    ("a date with a time", (3, "date: 2022-03-04 10:00\n"), f"{PATH}:3: date:", "YYYY-MM-DD"),
    ("a location that is a list", (4, "location: [a, b]\n"), f"{PATH}:4: location:", "must be a mapping"),
    ("a location without a name", (4, "location: {country: UA}\n"), f"{PATH}:4: location.name:", "is required"),
    ("a latitude out of range", (4, "location:\n  name: Bucha\n  lat: 91\n  lon: 30\n"),
     f"{PATH}:6: location.lat:", "out of range"),
    ("a longitude out of range", (4, "location:\n  name: Bucha\n  lat: 50\n  lon: -181\n"),
     f"{PATH}:7: location.lon:", "out of range"),
    ("a latitude without a longitude", (4, "location:\n  name: Bucha\n  lat: 50\n"), f"{PATH}:4: location:", "both lat and lon"),
    ("an unknown country code", (4, "location: {name: Bucha, country: XX}\n"), f"{PATH}:4: location.country:", "ISO 3166-1"),
    ("an unknown status", (5, "status: verifed\n"), f"{PATH}:5: status:", 'did you mean "verified"?'),
    ("a status that is a list", (5, "status: [reported]\n"), f"{PATH}:5: status:", "must be text"),
    ("no sources", (6, "sources: []\n"), f"{PATH}:6: sources:", "at least 1"),
    ("a javascript: source URL", (6, "sources: ['javascript:alert(1)']\n"), f"{PATH}:6: sources[1].url:", "http"),
    ("an ftp source URL", (6, "sources:\n  - url: ftp://example.org/file\n"), f"{PATH}:7: sources[1].url:", "http"),
    ("a source with neither url nor description", (6, "sources:\n  - title: A report\n"), f"{PATH}:7: sources[1]:",
     "url or description"),
    ("an unknown source type", (6, "sources:\n  - url: https://example.org\n    type: newspaper\n"),
     f"{PATH}:8: sources[1].type:", "unknown term"),
    ("an archived copy that is not a web address",
     (6, "sources:\n  - url: https://example.org\n    archived_url: www.archive.org\n"),
     f"{PATH}:8: sources[1].archived_url:", "http"),
]

EXTRA_CASES = [
    ("an id that is not a slug", "id: Bad Id\n", f"{PATH}:7: id:", "not a valid id"),
    ("an id that would escape the output folder", "id: ../../../etc\n", f"{PATH}:7: id:", "not a valid id"),
    ("an id reserved by the site", "id: page\n", f"{PATH}:7: id:", "reserved"),
    ("a draft flag that is not true/false", "draft: 'yes'\n", f"{PATH}:7: draft:", "true or false"),
    ("a casualty figure in words", "casualties: {killed: many}\n", f"{PATH}:7: casualties.killed:", "whole number or a range"),
    ("a casualty range backwards", "casualties: {killed: '10-8'}\n", f"{PATH}:7: casualties.killed:", "backwards"),
    ("an end date before the date", "date_end: 2022-03-01\n", f"{PATH}:7: date_end:", "before the date"),
    ("a correction without a note", "corrections:\n  - date: 2022-04-01\n", f"{PATH}:8: corrections[1].note:", "is required"),
    ("related to nothing", "related: [nothing-here]\n", f"{PATH}:7: related[1]:", "no incident has the id 'nothing-here'"),
    ("related to itself", "related: [x]\n", f"{PATH}:7: related[1]:", "itself"),
    ("a duplicate of nothing", "duplicate_of: nowhere\n", f"{PATH}:7: duplicate_of:", "no incident has the id"),
    ("a tag with no letters", "tags: ['!!!']\n", f"{PATH}:7: tags[1]:", "no letters or digits"),
    ("a YAML tag that would run code", "summary: !!python/object/apply:os.system ['echo hacked']\n",
     f"{PATH}:7: front matter:", "no !tags"),
]


@pytest.mark.parametrize("name, content, expected, words", FILE_CASES, ids=[case[0] for case in FILE_CASES])
def test_unreadable_file_is_reported_at_its_line(archive, name, content, expected, words):
    archive.write(PATH, content)
    code, output = archive.check()
    assert code == 1
    assert words in assert_reported(output, expected)
    assert "Traceback" not in output


@pytest.mark.parametrize("name, change, expected, words", FIELD_CASES, ids=[case[0] for case in FIELD_CASES])
def test_bad_field_is_reported_at_its_line(archive, name, change, expected, words):
    archive.incident("x", front_with(*change))
    code, output = archive.check()
    assert code == 1
    assert words in assert_reported(output, expected)


@pytest.mark.parametrize("name, extra, expected, words", EXTRA_CASES, ids=[case[0] for case in EXTRA_CASES])
def test_bad_optional_field_is_reported_at_its_line(archive, name, extra, expected, words):
    archive.incident("x", VALID_FRONT + extra)
    code, output = archive.check()
    assert code == 1
    assert words in assert_reported(output, expected)


def test_python_tag_is_never_executed(archive, tmp_path):
    marker = tmp_path / "created-by-yaml"
    archive.incident("x", VALID_FRONT + f"summary: !!python/object/apply:os.mkdir ['{marker}']\n")
    code, _ = archive.check()
    assert code == 1
    assert not marker.exists()


def test_duplicate_ids_name_both_files(archive):
    first = archive.incident("first", "id: same\n" + VALID_FRONT)
    second = archive.incident("second", "id: same\n" + VALID_FRONT, year="2021")
    code, output = archive.check()
    assert code == 1
    assert f"is also the id of {second}" in assert_reported(output, f"{first}:2: id:")
    assert f"is also the id of {first}" in assert_reported(output, f"{second}:2: id:")


def test_duplicate_ids_from_file_names_name_both_files(archive):
    first = archive.incident("same-name", year="2022")
    second = archive.incident("same-name", year="2021")
    code, output = archive.check()
    assert code == 1
    assert second in assert_reported(output, f"{first}:1: id:")
    assert first in assert_reported(output, f"{second}:1: id:")


def test_previous_id_that_is_another_records_id(archive):
    archive.incident("current")
    other = archive.incident("other", VALID_FRONT + "previous_ids: [current]\n")
    code, output = archive.check()
    assert code == 1
    assert "content/incidents/2022/current.md" in assert_reported(output, f"{other}:7: previous_ids[1]:")


def test_unknown_field_is_a_warning_with_did_you_mean_and_strict_fails(archive):
    archive.incident("x", VALID_FRONT + "summry: Short.\n")
    code, output = archive.check()
    assert code == 0
    line = assert_reported(output, f"{PATH}:7: summry: warning:")
    assert 'did you mean "summary"?' in line
    code, _ = archive.check("--strict")
    assert code == 1


def test_unknown_term_of_closed_vocabulary_says_did_you_mean(archive):
    archive.write("site.yaml", "title: T\ntaxonomies:\n  categories:\n    title: Categories\n    singular: Category\n"
                  "    terms:\n      Shelling: Artillery fire.\n      Detention: Held without process.\n")
    archive.incident("x", VALID_FRONT + "categories: [Shellling]\n")
    code, output = archive.check()
    assert code == 1
    assert 'did you mean "Shelling"?' in assert_reported(output, f"{PATH}:7: categories[1]:")


def test_body_links_to_nothing_are_reported_at_their_line(archive):
    archive.incident("target")
    body = "First line.\n\nSee [[no-such-id]].\n\nAnd [that](../2021/missing.md).\n\n![map](../../media/none.png)\n"
    archive.incident("x", body=body)
    code, output = archive.check()
    assert code == 1
    # The closing --- is line 7, so the body's lines are 8 (empty), 9, 10, 11 ...
    assert "no-such-id" in assert_reported(output, f"{PATH}:10: link:")
    assert "content/incidents/2021/missing.md" in assert_reported(output, f"{PATH}:12: link:")
    assert "content/media/none.png" in assert_reported(output, f"{PATH}:14: image:")


def test_body_link_near_miss_says_did_you_mean(archive):
    archive.incident("market-day")
    archive.incident("x", body="\nSee [[market-dya]].\n")
    code, output = archive.check()
    assert code == 1
    assert 'did you mean "market-day"?' in assert_reported(output, f"{PATH}:9: link:")


def test_every_problem_of_every_file_is_reported_in_one_run(archive):
    archive.incident("a", front_with(3, "date: 2022-02-30\n"))
    archive.incident("b", front_with(5, "status: unknown\n").replace("title: A valid incident\n", "title: 5\n"))
    archive.write("content/incidents/2022/c.md", b"\xff\xfe")
    code, output = archive.check()
    assert code == 1
    for expected in ("content/incidents/2022/a.md:3: date:", "content/incidents/2022/b.md:2: title:",
                     "content/incidents/2022/b.md:5: status:", "content/incidents/2022/c.md:1: file:"):
        assert_reported(output, expected)
    assert "4 errors" in output


def test_bom_and_crlf_are_accepted_and_lines_stay_right(archive):
    good = ("---\n" + VALID_FRONT + "---\nBody.\n").replace("\n", "\r\n")
    archive.write("content/incidents/2022/good.md", "\ufeff" + good)
    bad = ("---\n" + front_with(3, "date: 2022-02-30\n") + "---\n").replace("\n", "\r\n")
    archive.write(PATH, "\ufeff" + bad)
    code, output = archive.check()
    assert code == 1
    assert_reported(output, f"{PATH}:3: date:")
    assert "good.md" not in output


def test_non_ascii_file_name_gives_a_transliterated_id(archive):
    archive.incident("буча")
    code, output = archive.build()
    assert code == 0, output
    assert (archive.output / "incidents" / "bucha" / "index.html").is_file()


def test_file_name_without_letters_needs_an_id(archive):
    path = archive.incident("¿¡")
    code, output = archive.check()
    assert code == 1
    assert "add an id" in assert_reported(output, f"{path}:1: id:")


def test_yaml_1_1_booleans_stay_text(archive):
    """`country: NO` is Norway, not false; `tags: [on]` is a tag."""
    archive.incident("x", front_with(4, "location: {name: Oslo, country: NO}\n") + "tags: [on, off]\n")
    code, output = archive.build()
    assert code == 0, output
    assert (archive.output / "places" / "no" / "index.html").is_file()
    assert (archive.output / "tags" / "on" / "index.html").is_file()


def test_bad_site_yaml_is_reported_at_its_line(archive):
    archive.write("site.yaml", "title: T\nper_page: many\ntaxonomies:\n  status: {title: S, singular: S}\n")
    archive.incident("x")
    code, output = archive.check()
    assert code == 1
    assert "whole number" in assert_reported(output, "site.yaml:2: per_page:")
    assert "already uses" in assert_reported(output, "site.yaml:4: taxonomies.status:")


def test_not_an_archive_folder_is_a_usage_error(tmp_path):
    from conftest import run_cli
    code, output = run_cli("check", "--root", str(tmp_path))
    assert code == 2
    assert "not an archive folder" in output


def test_unknown_option_is_a_usage_error(archive):
    code, _ = archive.check("--no-such-option")
    assert code == 2


def test_symbolic_links_in_content_are_refused(archive, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for publication")
    archive.incident("x", body="\n![a secret](../../media/secret.txt)\n")
    (archive.root / "content/media").mkdir(parents=True)
    (archive.root / "content/media/secret.txt").symlink_to(secret)
    code, output = archive.build()
    assert code == 1
    assert "symbolic link" in assert_reported(output, "content/media/secret.txt:1: file:")
    assert not archive.output.exists()
