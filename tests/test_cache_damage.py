"""The cache is a hint that is checked, never a source of truth: damaged, it gives exactly a clean build.

Random bytes are written into every file of .cache/ (the SQLite database, Jinja's compiled
templates, the spare site), in many places; values are changed inside valid rows, as an editor or
a disk error could. Each time the next build prints no traceback, succeeds, and writes exactly what
a build without any cache writes.
"""

from __future__ import annotations

import pickle
import random
import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest

from conftest import police_records, run_cli
from site_walk import tree_digest

pytestmark = pytest.mark.slow  # twenty police records built and rebuilt for each kind of damage


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[Path, dict]:
    """A small archive built twice (so that the spare exists), and the site a clean build makes of it."""
    root = tmp_path_factory.mktemp("damage") / "archive"
    police_records(root, 20)  # a database of several pages, rebuilt in a third of a second
    (root / "content/media").mkdir(parents=True)
    (root / "content/media/map.svg").write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>')
    assert run_cli("build", "--root", str(root))[0] == 0
    first = sorted((root / "content/incidents").rglob("*.md"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n![a map](../../media/map.svg)\n", encoding="utf-8")
    code, output = run_cli("build", "--root", str(root))
    assert code == 0, output
    clean = root.parent / "clean"
    code, output = run_cli("build", "--root", str(root), "--clean", "--out", str(clean))
    assert code == 0, output
    expected = tree_digest(clean)
    assert tree_digest(root / "output") == expected
    shutil.rmtree(clean)
    return root, expected


@pytest.fixture
def damaged(pristine, tmp_path) -> tuple[Path, dict]:
    root, expected = pristine
    copy = tmp_path / "archive"
    shutil.copytree(root, copy, symlinks=True)  # hard links become copies: the copy's files are its own
    # The cache knows the output folder by its path: one build here makes the copy's cache its own,
    # with a spare beside its output, as an archive built where it stands has.
    first = sorted((copy / "content/incidents").rglob("*.md"))[1]
    first.write_text(first.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert run_cli("build", "--root", str(copy))[0] == 0
    first.write_text(first.read_text(encoding="utf-8").removesuffix("\nOne more line.\n"), encoding="utf-8")
    assert run_cli("build", "--root", str(copy))[0] == 0
    assert tree_digest(copy / "output") == expected
    return copy, expected


def _cache_files(root: Path) -> list[Path]:
    return sorted(path for path in (root / ".cache").rglob("*") if path.is_file() and not path.name.endswith(".lock"))


def _rebuilds_exactly(root: Path, expected: dict) -> str:
    code, output = run_cli("build", "--root", str(root))
    assert code == 0, output
    assert "Traceback" not in output
    assert tree_digest(root / "output") == expected
    return output


@pytest.mark.parametrize("seed", range(12))
def test_random_bytes_anywhere_in_the_database_give_a_clean_build(damaged, seed):
    root, expected = damaged
    database = root / ".cache" / "incident-archive.sqlite"
    data = bytearray(database.read_bytes())
    rng = random.Random(seed)
    for _ in range(8):  # eight runs of garbage spread over the file
        start = rng.randrange(len(data))
        data[start:start + 64] = rng.randbytes(min(64, len(data) - start))
    database.write_bytes(bytes(data))
    _rebuilds_exactly(root, expected)


def test_random_bytes_in_every_cache_file_give_a_clean_build(damaged):
    root, expected = damaged
    files = _cache_files(root)
    assert any(path.suffix == ".sqlite" for path in files) and any("templates" in path.parts for path in files)
    rng = random.Random(1)
    for path in files:
        path.write_bytes(rng.randbytes(max(1, path.stat().st_size)))
    _rebuilds_exactly(root, expected)


@pytest.mark.parametrize("kind", ["templates", "sites", "sqlite"])
def test_one_kind_of_cache_file_rewritten_with_garbage(damaged, kind):
    root, expected = damaged
    rng = random.Random(kind)
    for path in _cache_files(root):
        if kind in str(path.relative_to(root)):
            size = path.stat().st_size
            path.write_bytes(path.read_bytes()[: size // 2] + rng.randbytes(size - size // 2 + 1))
    _rebuilds_exactly(root, expected)


def test_a_truncated_database_gives_a_clean_build(damaged):
    root, expected = damaged
    database = root / ".cache" / "incident-archive.sqlite"
    database.write_bytes(database.read_bytes()[:5000])
    _rebuilds_exactly(root, expected)


def _database(root: Path) -> sqlite3.Connection:
    return sqlite3.connect(root / ".cache" / "incident-archive.sqlite", isolation_level=None)


def test_a_changed_body_is_never_published(damaged):
    """A valid row whose HTML was changed (here, to a script) fails its checksum: nothing of it is published."""
    root, expected = damaged
    with _database(root) as db:
        db.execute("UPDATE bodies SET html = ?", (zlib.compress(b"<script>alert('from the cache')</script>"),))
    shutil.rmtree(root / "output")  # so that every page is made again, from the cached bodies
    output = _rebuilds_exactly(root, expected)
    assert output.count("warning: .cache/ was damaged") == 1


def test_a_changed_record_is_never_published(damaged):
    root, expected = damaged
    with _database(root) as db:
        bucket, blob = db.execute("SELECT bucket, records FROM files LIMIT 1").fetchone()
        changed = blob.replace(b"reported", b"verified") if b"reported" in blob else blob[:-2] + b"x."
        db.execute("UPDATE files SET records = ? WHERE bucket = ?", (changed, bucket))
    _touch_every_record(root)
    output = _rebuilds_exactly(root, expected)
    assert "was damaged" in output


def test_a_changed_line_of_the_open_data_is_never_published(damaged):
    """A record's cached line of incidents.json, changed inside its valid SQLite row, fails its checksum."""
    root, expected = damaged
    with _database(root) as db:
        rows = db.execute("SELECT kind, bucket, items FROM fragments").fetchall()
        assert {kind for kind, _, _ in rows} >= {"incidents.json", "incidents.csv", "incidents.geojson"}
        for kind, bucket, blob in rows:
            lines = pickle.loads(zlib.decompress(blob))
            planted = {key: line.replace("reported", "verified") + "<script>alert(1)</script>" for key, line in lines.items()}
            db.execute("UPDATE fragments SET items = ? WHERE kind = ? AND bucket = ?",
                       (zlib.compress(pickle.dumps(planted)), kind, bucket))
    shutil.rmtree(root / "output")  # so that the data files are made again, from the cached lines
    output = _rebuilds_exactly(root, expected)
    assert "was damaged" in output


def _touch_every_record(root: Path) -> None:
    import os
    for path in (root / "content").rglob("*.md"):
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


@pytest.mark.parametrize("field", ["fingerprint", "digest", "size", "mtime_ns"])
def test_a_changed_output_record_is_noticed(damaged, field):
    """A record of the site changed in place (its row still valid SQLite): the build is still exact."""
    from incident_archive.cache import OutputRecord
    root, expected = damaged
    with _database(root) as db:
        for folder, bucket, blob in db.execute("SELECT folder, bucket, records FROM outputs").fetchall():
            records = {path: OutputRecord(*values) for path, values in pickle.loads(blob).items()}
            changed = {path: tuple(record._replace(**{field: type(getattr(record, field))(1)}))
                       for path, record in records.items()}
            db.execute("UPDATE outputs SET records = ? WHERE folder = ? AND bucket = ?",
                       (pickle.dumps(changed), folder, bucket))
    output = _rebuilds_exactly(root, expected)
    assert "was damaged" in output


def test_a_changed_last_result_is_noticed(damaged):
    root, expected = damaged
    with _database(root) as db:
        db.execute("UPDATE builds SET result = ?", (pickle.dumps(None),))
    _rebuilds_exactly(root, expected)


def test_a_pickle_that_would_run_code_is_never_loaded(damaged, tmp_path):
    """Even with a matching checksum, the unpickler builds only the cache's own record classes."""
    from incident_archive import cache as cache_module

    class Payload:
        def __reduce__(self):
            import os
            return os.mkdir, (str(tmp_path / "created-by-the-cache"),)

    root, expected = damaged
    blob = pickle.dumps({"content/incidents/2020/x.md": ("1:1", Payload())})
    with _database(root) as db:
        bucket = db.execute("SELECT bucket FROM files LIMIT 1").fetchone()[0]
        db.execute("UPDATE files SET records = ?, checksum = ? WHERE bucket = ?",
                   (blob, cache_module._check(bucket, blob), bucket))
    _rebuilds_exactly(root, expected)
    assert not (tmp_path / "created-by-the-cache").exists()


def test_check_is_never_failed_by_the_cache(damaged):
    root, _ = damaged
    for path in _cache_files(root):
        path.write_bytes(b"\0" * 100)
    code, output = run_cli("check", "--root", str(root), "--strict")
    assert code == 0, output
    assert "Traceback" not in output
