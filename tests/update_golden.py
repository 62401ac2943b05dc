"""Rewrite tests/fixtures/minimal-expected/ from a build of tests/fixtures/minimal/.

Run it after a deliberate change to the output (`python tests/update_golden.py`), then read the
diff of minimal-expected/ in review: it shows exactly what readers will see change.
"""

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from incident_archive.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"

if __name__ == "__main__":
    expected = FIXTURES / "minimal-expected"
    shutil.rmtree(expected, ignore_errors=True)
    # Built from a copy, so that the build's .cache/ is not left inside the fixture for tests to copy.
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(FIXTURES / "minimal", Path(scratch) / "minimal")
        sys.exit(main(["build", "--root", str(Path(scratch) / "minimal"), "--out", str(expected)]))
