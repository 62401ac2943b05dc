"""Files made from every record join each record's part, kept by the record's digest (incremental.RecordParts)."""

from __future__ import annotations

from pathlib import Path

from incident_archive.cache import Cache
from incident_archive.incremental import RecordParts


def _cache(tmp_path: Path) -> Cache:
    cache = Cache.open(tmp_path, "content", "theme")
    return cache


def test_only_a_changed_record_has_its_part_made_again_and_a_gone_one_is_forgotten(tmp_path):
    made: list[str] = []

    def part(record: str) -> str:
        made.append(record)
        return f"<{record}>"

    cache = _cache(tmp_path)
    records = [(f"digest-{number}", f"record {number}") for number in range(300)]
    assert RecordParts(cache).each("x", records, part) == [f"<record {number}>" for number in range(300)]
    assert len(made) == 300
    made.clear()
    edited = [("digest-new", "record 7, edited") if key == "digest-7" else (key, record) for key, record in records[1:]]
    parts = RecordParts(cache).each("x", edited, part)
    assert made == ["record 7, edited"]  # one part made; the others are the cache's
    assert parts == [f"<{record}>" for _, record in edited]
    assert set(cache.fragments("x")) == {key for key, _ in edited}  # record 0's part, and record 7's old one, dropped
    assert cache.fragments("another kind") == {}
    cache.close()


def test_without_a_cache_every_part_is_made(tmp_path):
    assert RecordParts(None).each("x", [("a", 1), ("b", 2)], lambda number: str(number * 10)) == ["10", "20"]
