"""Property: whatever bytes a contributor commits, check and build answer with problems, never a traceback."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import VALID_FRONT, ArchiveFolder

pytestmark = pytest.mark.slow  # hundreds of archives built

# Pieces of front matter, YAML syntax and Markdown that have caused trouble in other tools.
PIECES = [
    "title:", "date:", "date_end:", "location:", "status:", "sources:", "related:", "tags:", "casualties:",
    "  killed:", "  - url:", "  name:", "  lat:", "  country:", "id:", "previous_ids:", "duplicate_of:",
    "corrections:", "  - date:", "    note:", "- ", "[", "]", "{", "}", "'", '"', ":", ",", "!!python/tuple",
    "!!binary", "&anchor", "*anchor", "<<:", "~", "null", "2022-02-30", "2022-03", "2022", "1e9", "-1",
    "true", "NO", "\t", "  ", "\n", "é", "\x00", "\ufeff", "---", "...", "%YAML 1.1", "? ", "|", ">", "#",
    "x", "reported", "[[x]]", "](../x.md)", "![](y.png)", "https://example.org", "javascript:",
]


# Hypothesis's usual hundred examples: tests/test_fuzz.py makes front matters of the same pieces
# again, and checks as well as builds each.
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    front=st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    start_valid=st.booleans(),
    body=st.sampled_from(["", "[[x]]", "A [link](y.md) and ![image](z.png).", "# Title\n\n~~x~~"]),
    raw_bytes=st.binary(max_size=60),
)
def test_any_input_gives_problems_not_a_traceback(front, start_valid, body, raw_bytes):
    root = Path(tempfile.mkdtemp())
    try:
        archive = ArchiveFolder(root / "archive")
        archive.incident("x", (VALID_FRONT if start_valid else "") + front, body=body)
        archive.incident("y", VALID_FRONT + "related: [x]\n", body="See [[x]].")
        archive.write("content/incidents/2022/raw.md", raw_bytes)
        code, output = archive.build()
        assert code in (0, 1), output
        assert "Traceback" not in output
        assert output.splitlines()[-1].startswith(("build ok:", "build failed:"))
    finally:
        shutil.rmtree(root)
