"""One run reports every problem of a file: its front matter's and its body's, never one fix after the other."""

from __future__ import annotations

import pytest

from conftest import VALID_FRONT

BROKEN_BODY = "See [[to-nowhere]] and [the other report](missing.md).\n"

# (what is wrong with the front matter, the front matter, the line and field it is reported at)
FRONT_MATTER_MISTAKES = [
    ("an impossible date", VALID_FRONT.replace("2022-03-04", "2022-13-04"), "3: date:"),
    ("a missing status", VALID_FRONT.replace("status: reported\n", ""), "1: status:"),
    ("YAML that cannot be read", VALID_FRONT.replace("title: A valid incident", "title: Kyiv: a block"), "2: "),
]


@pytest.mark.parametrize("mistake, front, where", FRONT_MATTER_MISTAKES, ids=[case[0] for case in FRONT_MATTER_MISTAKES])
@pytest.mark.parametrize("command", ["check", "build"])
def test_body_links_are_reported_beside_front_matter_problems(archive, mistake, front, where, command):
    path = archive.incident("x", front, "\n" + BROKEN_BODY)
    body_line = front.count("\n") + 4  # the two --- lines, the blank line, then the body

    code, output = archive.check() if command == "check" else archive.build()

    assert code == 1
    assert f"{path}:{where}" in output
    assert f"{path}:{body_line}: link: [[to-nowhere]]:" in output
    assert f"{path}:{body_line}: link: missing.md:" in output


def test_a_page_with_front_matter_problems_has_its_links_checked_too(archive):
    path = archive.write("content/pages/about.md", "---\nmenu: first\n---\n" + BROKEN_BODY)

    code, output = archive.check()

    assert code == 1
    assert f"{path}:1: title:" in output
    assert f"{path}:2: menu:" in output
    assert f"{path}:4: link: [[to-nowhere]]:" in output


def test_a_record_left_out_is_never_published_nor_linked(archive):
    archive.incident("good", body="Compare [[x]].\n")
    archive.incident("x", VALID_FRONT.replace("2022-03-04", "2022-13-04"), "Body.\n")

    code, output = archive.build()

    assert code == 1
    assert "good.md" not in output  # a link to a record that has errors of its own is not a second problem
    assert not archive.output.exists()


def test_a_file_left_out_is_cached_like_any_other(archive):
    """The next run reuses what was read of a file with errors: the cache holds its body's place too."""
    archive.incident("x", VALID_FRONT.replace("2022-03-04", "2022-13-04"), "\n" + BROKEN_BODY)
    archive.incident("y")
    first = archive.check()
    archive.incident("y", body="Another body.\n")  # a change elsewhere: x.md is read from the cache

    code, output = archive.check()

    assert "damaged" not in output and "warning:" not in output
    assert [line for line in output.splitlines() if "x.md" in line] == [line for line in first[1].splitlines() if "x.md" in line]
