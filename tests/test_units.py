"""Unit tests where the logic is dense: partial dates, slugs, field names, YAML lines."""

from __future__ import annotations

import pytest

from incident_archive.content import split_front_matter
from incident_archive.dates import PartialDate, human_range, parse_partial_date
from incident_archive.fields import _field_name
from incident_archive.names import did_you_mean, id_from_path, slugify


@pytest.mark.parametrize("text, expected", [
    ("2022-03-04", PartialDate(2022, 3, 4)), ("2022-03", PartialDate(2022, 3)), ("2022", PartialDate(2022)),
    (2022, PartialDate(2022)), ("2024-02-29", PartialDate(2024, 2, 29)),
])
def test_partial_dates_parse_at_their_precision(text, expected):
    assert parse_partial_date(text) == expected


@pytest.mark.parametrize("text", ["2023-02-29", "2022-00", "0000", "22-03-04", "2022-3-4", "", True, 3.5, None])
def test_impossible_or_malformed_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_partial_date(text)


@pytest.mark.parametrize("start, end, expected", [
    ("2022-03-04", None, "4 March 2022"),
    ("2022-03-04", "2022-03-06", "4–6 March 2022"),
    ("2022-02-28", "2022-03-02", "28 February – 2 March 2022"),
    ("2021-12-31", "2022-01-01", "31 December 2021 – 1 January 2022"),
    ("2022-03", "2022-09", "March 2022 – September 2022"),
    ("2022", None, "2022"),
])
def test_date_ranges_read_naturally(start, end, expected):
    assert human_range(parse_partial_date(start), end and parse_partial_date(end)) == expected


def test_partial_dates_sort_before_the_days_they_contain():
    assert PartialDate(2022, 3).sort_key < PartialDate(2022, 3, 1).sort_key < PartialDate(2022, 4).sort_key


@pytest.mark.parametrize("text, expected", [
    ("Kyiv Oblast", "kyiv-oblast"), ("Буча", "bucha"), ("Île-de-France", "ile-de-france"),
    ("  --Two  spaces-- ", "two-spaces"), ("?!", ""), ("Hroza / Kupiansk", "hroza-kupiansk"),
])
def test_slugs_are_ascii(text, expected):
    assert slugify(text) == expected


def test_ids_come_from_file_names():
    assert id_from_path("content/incidents/2022/чупахівка.md") == "chupakhivka"


def test_did_you_mean_finds_near_misses_case_blind():
    assert did_you_mean("verifed", ["reported", "verified"]) == ' (did you mean "verified"?)'
    assert did_you_mean("SHELLING", ["Shelling", "Detention"]) == ' (did you mean "Shelling"?)'
    assert did_you_mean("zzz", ["reported"]) == ""


def test_field_names_count_list_items_from_one():
    assert _field_name(("sources", 1, "url")) == "sources[2].url"
    assert _field_name(()) == "front matter"


def test_lines_follow_the_yaml_nodes():
    text = "---\n\ntitle: A\nsources:\n  - url: x\n  - description: y\n---\nBody\n"
    raw, problems = split_front_matter("x.md", text)
    assert problems == []
    assert raw.lines.of(("title",)) == 3
    assert raw.lines.of(("sources", 1, "description")) == 6
    assert raw.lines.of(("missing",)) == 1
    assert raw.body_line == 7 and raw.body == "\nBody\n"


def test_the_pager_shows_first_last_and_two_either_side_with_gaps_where_the_third_would_be():
    from incident_archive.render import _page_numbers

    assert _page_numbers(1, 1) == (1,)
    assert _page_numbers(10, 20) == (1, None, 8, 9, 10, 11, 12, None, 20)
    assert _page_numbers(5, 20) == (1, None, 3, 4, 5, 6, 7, None, 20)  # 2 is three away: a gap, as 8 is
    assert _page_numbers(4, 20) == (1, 2, 3, 4, 5, 6, None, 20)
    assert _page_numbers(20, 20) == (1, None, 18, 19, 20)
