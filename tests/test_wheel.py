"""The engine as a package: a wheel built from this repository, installed in a new virtual environment
without the network, gives the `incident-archive` command, the default theme and the starter files;
`init`, `check --strict` and `build` then make a site with no checkout in sight."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import REPO
from incident_archive import __version__, starter

pytestmark = pytest.mark.slow
# What the wheel is built from: a copy, so that no build/ or stale build/lib of this checkout's
# (which would still hold a file the package data no longer names) goes into it.
SOURCES = ["pyproject.toml", "README.md", "incident_archive", "templates"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built offline with the setuptools installed here (the test extras pin one that can)."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy2
        copy(REPO / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__", "*.pyc")}
                                            if (REPO / name).is_dir() else {}))
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
          "--wheel-dir", str(out), str(source)], cwd=source)
    [built] = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A new virtual environment holding the wheel; the engine's dependencies are read from this one's
    site-packages (a .pth line: no network), whose own .pth files, the editable install of this
    checkout among them, are not run from there."""
    folder = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", str(folder)])
    python = folder / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet",
          str(wheel)])
    site_packages = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
    (site_packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return folder


def test_the_wheel_holds_the_version_the_theme_and_the_starter_files(wheel):
    assert wheel.name == f"incident_archive-{__version__}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = {f"incident_archive/theme/{path.relative_to(REPO / 'templates').as_posix()}"
             for path in (REPO / "templates").rglob("*") if path.is_file() and "__pycache__" not in path.parts}
    assert theme - names == set(), "theme files missing from the wheel: add them to pyproject's package-data"
    starter_files = {f"incident_archive/data/starter/{source}" for source in starter.FILES.values()}
    assert starter_files - names == set(), "starter files missing from the wheel: see pyproject's package-data"


def test_the_installed_engine_is_the_wheels_not_this_checkout(venv, tmp_path):
    # Run from elsewhere: `python -c` puts the current folder first on sys.path, and this checkout's is one.
    found = _run([str(venv / "bin" / "python"), "-c",
                  "import incident_archive, incident_archive.config as c; print(incident_archive.__file__); "
                  "print(c.DEFAULT_THEME); print(incident_archive.__version__)"], cwd=tmp_path).splitlines()
    assert all(Path(line).resolve().is_relative_to(venv.resolve()) for line in found[:2]), found
    assert found[2] == __version__
    assert _run([str(venv / "bin" / "incident-archive"), "--version"], cwd=tmp_path).strip() == f"incident-archive {__version__}"


def test_the_readmes_commands_with_the_wheel_make_an_archive_that_checks_and_builds(venv, tmp_path):
    """README's "Start your own archive": its install line installs the package from the checkout,
    which the wheel stands for here; its other lines are run as written from a checkout's place,
    ../engine/ being the new environment."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Start your own archive\n", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    install, *commands = [line.split("  #")[0].strip() for line in block.splitlines()]
    assert install == "python3 -m venv ../engine && ../engine/bin/pip install ."
    assert [shlex.split(line)[:2] for line in commands] == [["../engine/bin/incident-archive", "init"],
                                                             ["../engine/bin/incident-archive", "build"]]
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (tmp_path / "engine").symlink_to(venv)
    for line in commands:
        _run(shlex.split(line), cwd=checkout)
    archive = checkout / shlex.split(commands[0])[2]
    command = str(venv / "bin" / "incident-archive")
    assert "0 errors, 0 warnings" in _run([command, "check", "--strict"], cwd=archive)
    _run([command, "build", "--strict"], cwd=archive)
    site = archive / "output"
    assert (site / "index.html").is_file()
    assert (site / "about" / "index.html").is_file() and (site / "methodology" / "index.html").is_file()
    assert (site / "static" / "style.css").is_file()
    assert not (site / "incidents" / "example-replace-this-record").exists()  # draft: true
    assert "example-replace-this-record" not in (site / "data" / "incidents.json").read_text(encoding="utf-8")
    requirements = (archive / "requirements.txt").read_text(encoding="utf-8")
    assert f"incident-archive=={__version__}\n" in requirements


def _run(arguments: list[str], cwd: Path | None = None) -> str:
    """A command's standard output; a failure shows everything it printed."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    finished = subprocess.run(arguments, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, f"{arguments}: exit code {finished.returncode}\n{finished.stdout}\n{finished.stderr}"
    return finished.stdout
