"""Import stage (ACLED): a row of an ACLED export → a record, as docs/import.md's table maps its columns.

The columns and codes are ACLED's codebook's (acleddata.com/knowledge-base/codebook, as summed up
in acledR's acled_codebook and mapme.biodiversity's calc_fatalities_acled.R):
- event_id_cnty: "an individual event identifier by number and country acronym"; it names the file
  and the record, so a re-import finds the record ACLED's later export updates.
- time_precision: 1 the source gives the day; 2 only the week (event_date is then within it: the
  record gives the week around it, date and date_end, three days either side); 3 only the month
  (event_date is the month's mid-point: the record gives YYYY-MM).
- geo_precision: 1 the town itself; 2 a small part of a region, coded to a nearby town; 3 a larger
  region, coded to a natural feature or the provincial capital. Issue 16 maps them to settlement,
  approximate and region, and the coordinates are rounded to what those publish (schema.py).
- actor1, actor2 and their assoc_actor_* "do not imply directionality (e.g. attacker or defender)":
  they go to a neutral `actors` taxonomy, never to perpetrators.
- source: the names of outlets, separated by ";", not addresses: each becomes a source with a
  publisher and a description. timestamp: a Unix time, when ACLED last changed the row.
- iso: the country's ISO 3166-1 numeric code (804 for Ukraine).
"""

from __future__ import annotations

import datetime
import re

from ..config import Config
from ..dates import PartialDate
from ..model import Problem
from ..names import did_you_mean
from .core import Draft, Row, Table, id_problem, number, parse_date, plain_markdown, problem, record_id, rounded, split

USED = ("event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1", "assoc_actor_1",
        "actor2", "assoc_actor_2", "country", "iso", "admin1", "admin2", "location", "latitude", "longitude",
        "geo_precision", "source", "notes", "fatalities", "timestamp")
REQUIRED = ("event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "location",
            "latitude", "longitude", "geo_precision", "source")
# ACLED's other columns, known and left out on purpose: codes of the actors' kinds, its own
# regions and tags, the sources' scale. A column in neither list is a problem, never dropped unseen.
IGNORED = ("event_id_no_cnty", "data_id", "year", "disorder_type", "inter1", "inter2", "interaction",
           "civilian_targeting", "region", "admin3", "iso3", "source_scale", "tags", "population_1km",
           "population_2km", "population_5km", "population_best")
# Code 2 is a town's coordinates for an event near it, not at them: `region` (1 decimal) rather
# than the issue's `approximate`, which here means within about 100 m and would overstate it.
GEO_PRECISIONS = {"1": "settlement", "2": "region", "3": "region"}
WEEK_HALF = datetime.timedelta(days=3)  # a week's days either side of the date ACLED gives within it
ORIGINS = {
    "id": "event_id_cnty", "title": "sub_event_type", "date": "event_date", "date_end": "event_date",
    "location": "location", "location.name": "location", "location.admin1": "admin1", "location.admin2": "admin2",
    "location.country": "iso", "location.lat": "latitude", "location.lon": "longitude",
    "location.precision": "geo_precision", "sources": "source", "categories": "event_type",
    "categories[2]": "sub_event_type", "actors": "actor1", "casualties": "fatalities", "casualties.killed": "fatalities",
    "summary": "notes", "updated": "timestamp",
}
# ISO 3166-1 numeric code → alpha-2, from the iso-codes 4.15.0 that countries.tsv comes from.
_NUMERIC = dict((pair[:3], pair[3:]) for pair in """
004AF 008AL 010AQ 012DZ 016AS 020AD 024AO 028AG 031AZ 032AR 036AU 040AT 044BS 048BH 050BD 051AM
052BB 056BE 060BM 064BT 068BO 070BA 072BW 074BV 076BR 084BZ 086IO 090SB 092VG 096BN 100BG 104MM
108BI 112BY 116KH 120CM 124CA 132CV 136KY 140CF 144LK 148TD 152CL 156CN 158TW 162CX 166CC 170CO
174KM 175YT 178CG 180CD 184CK 188CR 191HR 192CU 196CY 203CZ 204BJ 208DK 212DM 214DO 218EC 222SV
226GQ 231ET 232ER 233EE 234FO 238FK 239GS 242FJ 246FI 248AX 250FR 254GF 258PF 260TF 262DJ 266GA
268GE 270GM 275PS 276DE 288GH 292GI 296KI 300GR 304GL 308GD 312GP 316GU 320GT 324GN 328GY 332HT
334HM 336VA 340HN 344HK 348HU 352IS 356IN 360ID 364IR 368IQ 372IE 376IL 380IT 384CI 388JM 392JP
398KZ 400JO 404KE 408KP 410KR 414KW 417KG 418LA 422LB 426LS 428LV 430LR 434LY 438LI 440LT 442LU
446MO 450MG 454MW 458MY 462MV 466ML 470MT 474MQ 478MR 480MU 484MX 492MC 496MN 498MD 499ME 500MS
504MA 508MZ 512OM 516NA 520NR 524NP 528NL 531CW 533AW 534SX 535BQ 540NC 548VU 554NZ 558NI 562NE
566NG 570NU 574NF 578NO 580MP 581UM 583FM 584MH 585PW 586PK 591PA 598PG 600PY 604PE 608PH 612PN
616PL 620PT 624GW 626TL 630PR 634QA 638RE 642RO 643RU 646RW 652BL 654SH 659KN 660AI 662LC 663MF
666PM 670VC 674SM 678ST 682SA 686SN 688RS 690SC 694SL 702SG 703SK 704VN 705SI 706SO 710ZA 716ZW
724ES 728SS 729SD 732EH 740SR 744SJ 748SZ 752SE 756CH 760SY 762TJ 764TH 768TG 772TK 776TO 780TT
784AE 788TN 792TR 795TM 796TC 798TV 800UG 804UA 807MK 818EG 826GB 831GG 832JE 833IM 834TZ 840US
850VI 854BF 858UY 860UZ 862VE 876WF 882WS 887YE 894ZM""".split())


def setup_problems(config: Config) -> list[str]:
    """What the archive must declare before ACLED's rows can become its records, with the lines to add."""
    keys = [taxonomy.key for taxonomy in config.taxonomies]
    missing = [key for key in ("categories", "actors") if key not in keys]
    if not missing:
        return []
    words = {"categories": ("Categories", "Category"), "actors": ("Actors", "Actor")}
    if "taxonomies" in config.engine_defaults:  # a section written now replaces the engine's: keep them in it
        wanted = [(taxonomy.key, taxonomy.title, taxonomy.singular) for taxonomy in config.taxonomies]
        wanted += [(key, *words[key]) for key in missing]
        lines = ["taxonomies:", *(f"  {key}:\n    title: {title}\n    singular: {singular}"
                                  for key, title, singular in wanted)]
        where = "Add this section to site.yaml"
    else:
        lines = [f"  {key}:\n    title: {words[key][0]}\n    singular: {words[key][1]}" for key in missing]
        where = "Add these lines under taxonomies: in site.yaml"
    return [f"site.yaml declares no {' and no '.join(missing)} taxonomy: ACLED's event types go to categories, "
            f"and its actors to a neutral actors taxonomy (ACLED's order implies no direction). {where}, then "
            "import again:\n" + "\n".join(lines)]


def header_problems(table: Table) -> list[Problem]:
    """Each column that is not ACLED's (a misspelt one would else be lost), and each required one missing."""
    found = []
    columns = {column.lower(): column for column in table.columns if column}
    for column in table.columns:
        if column and column.lower() not in USED and column.lower() not in IGNORED:
            found.append(problem(table.shown, 1, column, "is not a column of ACLED's export"
                                 f"{did_you_mean(column.lower(), USED + IGNORED)}: rename it, or delete the column"))
    for column in REQUIRED:
        if column not in columns:
            found.append(problem(table.shown, 1, column, "is missing: an ACLED export has this column"))
    return found


def draft(row: Row, table: Table) -> tuple[Draft | None, list[Problem]]:
    cells = {column.lower(): value for column, value in row.cells.items()}
    problems: list[Problem] = []

    def report(column: str, message: str) -> None:
        problems.append(problem(table.shown, row.number, column, message))

    event = cells.get("event_id_cnty", "")
    identifier = record_id(event)
    if id_problem(identifier):
        report("event_id_cnty", f"'{event}' {id_problem(identifier)}" if event else "is empty: every ACLED row has one")
    meta: dict = {"title": f"{cells.get('sub_event_type') or cells.get('event_type') or 'Event'} in "
                           f"{cells.get('location') or 'an unnamed place'}", "status": "reported"}
    meta |= _dates(cells, report)
    meta["location"] = _location(cells, report)
    meta["sources"] = _sources(cells, event, report)
    meta["categories"] = [term for term in (cells.get("event_type"), cells.get("sub_event_type")) if term]
    meta["actors"] = _actors(cells)
    fatalities = cells.get("fatalities", "")
    if fatalities:
        if re.fullmatch(r"[0-9]+", fatalities):
            meta["casualties"] = {"killed": int(fatalities)}
        else:
            report("fatalities", f"'{fatalities}' is not a whole number")
    notes = " ".join(cells.get("notes", "").split())
    meta["summary"] = notes
    meta["updated"] = _updated(cells.get("timestamp", ""), report)
    if problems:
        return None, problems
    return Draft(row.number, identifier, meta, dict(ORIGINS), body=plain_markdown(notes)), []


def _dates(cells: dict[str, str], report) -> dict:
    text, code = cells.get("event_date", ""), cells.get("time_precision", "")
    try:
        day = parse_date(text)
        if day.precision != "day":
            raise ValueError(f"'{text}' is not a day: ACLED gives the day even when only the week or month is known")
    except ValueError as reason:
        report("event_date", str(reason) if text else "is empty")
        return {}
    if code == "1":
        return {"date": day}
    if code == "2":  # the week the event happened in, around the day ACLED gives
        middle = datetime.date(day.year, day.month or 1, day.day or 1)
        first, last = middle - WEEK_HALF, middle + WEEK_HALF
        return {"date": PartialDate(first.year, first.month, first.day),
                "date_end": PartialDate(last.year, last.month, last.day)}
    if code == "3":  # only the month: never guess a day
        return {"date": PartialDate(day.year, day.month)}
    report("time_precision", f"'{code}' is not one of ACLED's codes: 1 (the day), 2 (the week) or 3 (the month)")
    return {}


def _location(cells: dict[str, str], report) -> dict:
    place: dict[str, str | float] = {"name": cells.get("location", ""), "admin1": cells.get("admin1", ""),
                                     "admin2": cells.get("admin2", ""), "country": _country(cells, report)}
    if not place["name"]:
        report("location", "is empty: every ACLED row names its location")
    code = cells.get("geo_precision", "")
    precision = GEO_PRECISIONS.get(code)
    if precision is None:
        report("geo_precision", f"'{code}' is not one of ACLED's codes: 1 (the town), 2 (near a town) or 3 (a region)")
    coordinates = {}
    for column, key, limit in (("latitude", "lat", 90), ("longitude", "lon", 180)):
        text = cells.get(column, "")
        if not text:
            report(column, "is empty: every ACLED row has coordinates; without both, the record cannot be placed")
            continue
        try:
            coordinates[key] = number(text, -limit, limit)
        except ValueError as reason:
            report(column, str(reason))
    if precision and len(coordinates) == 2:
        place |= {key: rounded(value, precision) for key, value in coordinates.items()} | {"precision": precision}
    return {key: value for key, value in place.items() if value}


def _country(cells: dict[str, str], report) -> str:
    code = cells.get("iso", "")
    if code:
        alpha = _NUMERIC.get(code.zfill(3)) if code.isdigit() else None
        if alpha is None:
            report("iso", f"'{code}' is not an ISO 3166-1 numeric country code, as ACLED gives (804 for Ukraine)")
        return alpha or ""
    from ..countries import COUNTRY_NAMES

    by_name = {name.lower(): alpha for alpha, name in COUNTRY_NAMES.items()}
    return by_name.get(cells.get("country", "").lower(), "")


def _sources(cells: dict[str, str], event: str, report) -> list[dict]:
    outlets = split(cells.get("source", ""), ";")
    if not outlets:
        report("source", "is empty: a record needs at least one source")
    return [{"description": f"Cited by ACLED for event {event}", "publisher": outlet} for outlet in outlets]


def _actors(cells: dict[str, str]) -> list[str]:
    """actor1, its associates, actor2 and its associates, each once: ACLED's order implies no direction."""
    found: list[str] = []
    for column in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2"):
        found += [actor for actor in split(cells.get(column, ""), ";") if actor not in found]
    return found


def _updated(text: str, report) -> PartialDate | None:
    """ACLED's timestamp (seconds since 1970, UTC) as the day it names: read from the row, never the clock."""
    if not text:
        return None
    try:
        day = datetime.datetime.fromtimestamp(int(text), tz=datetime.UTC).date()
    except (ValueError, OverflowError, OSError):
        report("timestamp", f"'{text}' is not a Unix time (seconds since 1970)")
        return None
    return PartialDate(day.year, day.month, day.day)
