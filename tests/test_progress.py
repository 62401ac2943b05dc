"""Progress: a live line on a terminal, one line per slow stage elsewhere, nothing for quick builds."""

from __future__ import annotations

import io

from incident_archive import progress
from incident_archive.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run_stage(reporter: Progress, items: int = 5) -> list[int]:
    return list(reporter.track("render", iter(range(items)), items))


def test_a_terminal_gets_a_live_line_with_stage_count_and_rate(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(progress, "REDRAW_SECONDS", 0.0)
    screen = _Terminal()
    assert _run_stage(Progress(screen)) == [0, 1, 2, 3, 4]
    shown = screen.getvalue()
    assert "\rrender: 5 of 5 (" in shown and "/s, " in shown
    assert shown.endswith("\r\x1b[K")  # the line is cleared when the stage ends


def test_a_log_gets_plain_lines_and_only_for_slow_stages(monkeypatch):
    log = io.StringIO()
    # Quick: under the bound, however long a busy machine keeps this process waiting.
    monkeypatch.setattr(progress, "SLOW_STAGE_SECONDS", 3600.0)
    _run_stage(Progress(log))
    assert log.getvalue() == ""  # a quick stage says nothing
    monkeypatch.setattr(progress, "SLOW_STAGE_SECONDS", 0.0)
    _run_stage(Progress(log))
    assert log.getvalue().startswith("render: 5 of 5 (") and log.getvalue().endswith("\n")
    assert "\r" not in log.getvalue() and "\x1b" not in log.getvalue()


def test_under_ci_a_terminal_is_treated_as_a_log(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(progress, "REDRAW_SECONDS", 0.0)
    screen = _Terminal()
    _run_stage(Progress(screen))
    assert "\r" not in screen.getvalue()
