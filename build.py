"""Build or check the archive in this folder: `python build.py [build|check] [--root DIR] ...`."""

import sys

from incident_archive.cli import main

if __name__ == "__main__":
    sys.exit(main())
