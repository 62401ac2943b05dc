"""A new engine never replays an older engine's results: every run after an upgrade reads again."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_archive import cache, pipeline


@pytest.fixture
def counted_runs(archive, monkeypatch) -> list[int]:
    """How many times the read-link-convert stages ran (a replayed result runs none)."""
    archive.incident("x")
    runs: list[int] = []
    stages = pipeline._read_link_convert

    def counting(*args, **kwargs):
        runs.append(1)
        return stages(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_read_link_convert", counting)
    return runs


@pytest.mark.parametrize("command", ["check", "build"])
def test_an_engine_change_discards_the_last_result(archive, counted_runs, monkeypatch, command):
    run = (lambda: pipeline.check(archive.root)) if command == "check" else (lambda: pipeline.build(archive.root))
    run()
    run()
    assert len(counted_runs) == 1  # the same engine, the same inputs: the result is replayed

    monkeypatch.setattr(cache, "_engine_digest", lambda: "another engine")
    result = run()

    assert len(counted_runs) == 2, "a result saved by another engine was replayed"
    assert not result.errors
    assert Path(archive.root, ".cache").is_dir()
