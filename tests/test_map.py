"""The map: every record with coordinates drawn at its precision, the rest counted, all from disk and offline."""

import random
import re
from html.parser import HTMLParser
from pathlib import Path

from conftest import ArchiveFolder
from incident_archive import i18n, maps
from incident_archive.config import Config
from incident_archive.dates import PartialDate
from incident_archive.model import Incident, Location


def _record(title: str, place: str, date: str = "2022-03-04") -> str:
    return f"title: {title}\ndate: {date}\nlocation:\n{place}status: reported\nsources: [https://example.org/a]\n"


# One record at each precision, in Ukraine, far enough apart to be a mark each.
PLACES = {
    "exact-kyiv": "  name: Kyiv\n  admin1: Kyiv\n  country: UA\n  lat: 50.4501\n  lon: 30.5234\n  precision: exact\n",
    "approximate-kharkiv": "  name: Kharkiv\n  admin1: Kharkiv Oblast\n  country: UA\n  lat: 49.993\n  lon: 36.231\n"
                           "  precision: approximate\n",
    "settlement-odesa": "  name: Odesa\n  admin1: Odesa Oblast\n  country: UA\n  lat: 46.48\n  lon: 30.72\n"
                        "  precision: settlement\n",
    "region-lviv": "  name: Lviv Oblast\n  admin1: Lviv Oblast\n  country: UA\n  lat: 49.8\n  lon: 24.0\n  precision: region\n",
    "hidden-poltava": "  name: A shelter\n  admin1: Poltava Oblast\n  country: UA\n  lat: 49.59\n  lon: 34.55\n"
                      "  precision: settlement\n  hide_coordinates: true\n",
    "no-coordinates": "  name: Somewhere\n  admin1: Kyiv\n  country: UA\n",
}
DRAWN = {"exact-kyiv", "approximate-kharkiv", "settlement-odesa"}


class _Marks(HTMLParser):
    """The marks of the map's inline SVG: (shape, link, count) each, and the img's source."""

    def __init__(self):
        super().__init__()
        self.marks, self.images, self._link, self._in_marks, self._text = [], [], None, False, ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg" and "map-marks" in (attrs.get("class") or ""):
            self._in_marks = True
        elif tag == "img" and self._in_marks is False and "outlines" in (attrs.get("src") or ""):
            self.images.append(attrs["src"])
        elif self._in_marks and tag in ("a", "g"):
            self._link = attrs.get("href")
        elif self._in_marks and tag == "circle":
            shape = attrs["class"].split("mark-")[-1]
            self.marks.append([shape, self._link, 1])
        elif self._in_marks and tag == "text":
            self._text = "count"

    def handle_data(self, data):
        if self._text == "count":
            self.marks[-1][2] = int(data)
            self._text = ""

    def handle_endtag(self, tag):
        if tag == "svg":
            self._in_marks = False


def _marks(page) -> _Marks:
    parser = _Marks()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _archive(archive: ArchiveFolder) -> ArchiveFolder:
    for name, place in PLACES.items():
        archive.incident(name, _record(name.replace("-", " ").capitalize(), place))
    return archive


def test_each_record_is_drawn_at_its_precision_and_the_rest_are_counted(archive):
    code, output = _archive(archive).build()
    assert code == 0, output
    found = _marks(archive.output / "map" / "index.html")
    shapes = {link.split("/")[-2]: shape for shape, link, _ in found.marks}
    assert shapes == {"exact-kyiv": "dot", "approximate-kharkiv": "dot", "settlement-odesa": "ring"}
    assert sum(count for _, _, count in found.marks) == len(DRAWN)
    page = (archive.output / "map" / "index.html").read_text(encoding="utf-8")
    # the three not drawn are counted in the table: Lviv and Poltava oblasts each have one record not drawn
    assert re.search(r'>Lviv Oblast</a></th><td class="number">0</td><td class="number">1</td>', page)
    assert re.search(r'>Poltava Oblast</a></th><td class="number">0</td><td class="number">1</td>', page)
    assert re.search(r'>Ukraine</a></th><td class="number">3</td><td class="number">3</td><td class="number">6</td>', page)
    # the outlines it shows are there, beside it
    (source,) = found.images
    assert (archive.output / "map" / source).is_file()


def test_a_record_placed_only_to_its_region_or_hidden_is_never_a_point(archive):
    code, output = _archive(archive).build()
    assert code == 0, output
    for name in PLACES.keys() - DRAWN:
        page = archive.output / "incidents" / name / "index.html"
        assert _marks(page).marks == [], name  # no locator
        assert f"incidents/{name}/" not in (archive.output / "map" / "index.html").read_text(encoding="utf-8")
    locator = _marks(archive.output / "incidents" / "settlement-odesa" / "index.html")
    assert [shape for shape, _, _ in locator.marks] == ["ring"]
    assert (archive.output / "incidents" / "settlement-odesa" / locator.images[0]).is_file()


def test_place_pages_draw_their_own_records_in_their_own_frame(archive):
    code, output = _archive(archive).build()
    assert code == 0, output
    kharkiv = _marks(archive.output / "places" / "ua" / "kharkiv-oblast" / "index.html")
    assert [(shape, link) for shape, link, _ in kharkiv.marks] == [("dot", "../../../incidents/approximate-kharkiv/index.html")]
    country = _marks(archive.output / "places" / "ua" / "index.html")
    assert sum(count for _, _, count in country.marks) == len(DRAWN)
    assert kharkiv.images != country.images  # a region's map fits the region
    assert (archive.output / "places" / "ua" / "kharkiv-oblast" / kharkiv.images[0]).resolve().is_file()
    # a region with nothing to draw shows no map
    assert _marks(archive.output / "places" / "ua" / "lviv-oblast" / "index.html").images == []


def test_a_new_record_inside_the_frame_rewrites_no_other_incident_page(archive):
    _archive(archive).build()
    pages = {name: (archive.output / "incidents" / name / "index.html").stat().st_mtime_ns for name in PLACES}
    archive.incident("new-in-kyiv", _record("New in Kyiv", PLACES["exact-kyiv"].replace("50.4501", "50.46")))
    code, output = archive.build()
    assert code == 0, output
    # the new record's neighbours link to it; no other page shows it
    shows_it = {name for name in PLACES
                if "new-in-kyiv" in (archive.output / "incidents" / name / "index.html").read_text(encoding="utf-8")}
    assert len(shows_it) <= 2  # older and newer
    assert {name: (archive.output / "incidents" / name / "index.html").stat().st_mtime_ns
            for name in PLACES if name not in shows_it} == {name: pages[name] for name in PLACES if name not in shows_it}


def test_crowded_points_become_numbered_groups_that_still_count_every_record():
    rng = random.Random(7)
    incidents = [
        Incident(f"i{n}", f"content/incidents/2022/i{n}.md", f"Incident {n}", PartialDate(2022, 3, 4),
                 Location("Somewhere", admin1="Region", country="UA", lat=round(rng.uniform(44, 52), 4),
                          lon=round(rng.uniform(22, 40), 4)),
                 "reported", ())
        for n in range(5000)
    ]
    frame = maps.Frame(20.0, 40.0, 42.0, 55.0)
    config, words = Config(Path("."), "Test archive"), i18n.words("en", ())
    marks = maps.marks(incidents, frame, {("ua", "region"): "Region, Ukraine"}, config, words)
    assert len(marks) <= maps.MOST_MARKS
    assert sum(mark.count for mark in marks) == 5000
    assert all(mark.place == ("ua", "region") for mark in marks if mark.shape == "group")
    # the same records in another order give the same marks
    assert maps.marks(list(reversed(incidents)), frame, {("ua", "region"): "Region, Ukraine"}, config, words) == marks


def test_the_frame_fits_the_points_and_snaps_so_that_a_point_inside_moves_nothing():
    def located(lat, lon):
        return Incident("x", "x.md", "X", PartialDate(2022), Location("X", lat=lat, lon=lon), "reported", ())

    frame = maps.frame_around([located(50.45, 30.52), located(47.1, 37.55)])
    assert frame.west <= 30.52 and frame.east >= 37.55 and frame.south <= 47.1 and frame.north >= 50.45
    assert maps.frame_around([located(50.45, 30.52), located(47.1, 37.55), located(49.0, 34.0)]) == frame
    assert 0.45 * maps.WIDTH <= frame.height <= 0.8 * maps.WIDTH


def test_the_count_of_drawn_records_is_what_the_marks_count():
    """A page says how many records its map draws before the marks are worked out (render.Later)."""
    rng = random.Random(11)
    precisions = ["exact", "approximate", "settlement", "region", None]
    incidents = []
    for n in range(400):
        located = n % 7 != 0  # some records have no coordinates at all
        incidents.append(Incident(
            f"i{n}", f"content/incidents/2022/i{n}.md", f"Incident {n}", PartialDate(2022, 3, 4),
            Location("Somewhere", admin1="Region", country="UA",
                     lat=round(rng.uniform(44, 52), 4) if located else None,
                     lon=round(rng.uniform(22, 40), 4) if located else None,
                     precision=precisions[n % len(precisions)]),
            "reported", ()))
    frame = maps.Frame(20.0, 40.0, 42.0, 55.0)
    marks = maps.marks(incidents, frame, {("ua", "region"): "Region, Ukraine"}, Config(Path("."), "Test archive"),
                       i18n.words("en", ()))
    assert 0 < maps.drawn_count(incidents) == sum(mark.count for mark in marks) < len(incidents)
