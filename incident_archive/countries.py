"""ISO 3166-1 country codes and the English names shown for them."""

from __future__ import annotations

from pathlib import Path

_TABLE = Path(__file__).with_name("data") / "countries.tsv"


def _load() -> dict[str, str]:
    rows = (line.split("\t") for line in _TABLE.read_text(encoding="utf-8").splitlines())
    return {row[0]: row[1] for row in rows if len(row) == 2 and not row[0].startswith("#")}


COUNTRY_NAMES = _load()
COUNTRY_CODES = frozenset(COUNTRY_NAMES)
