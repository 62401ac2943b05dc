"""Speed benchmark: prints every figure of the speed issue as one table, each beside its target.

    python benchmarks/run.py 10000            # generates the corpus once, under /tmp/incident-archive-bench/
    python benchmarks/run.py 1000 --jobs 1    # single process, for comparison

The figures, in the order they are measured:

- `check` without and with the cache; a cold `build` (no cache, no output), a no-change `build` and
  a `build` after one edit (a body and a category): each one run of the real command line
  (`build.py`) in a child process, as a user would run it. Peak memory is the largest total, over
  the build's processes (the parent and its workers), of their proportional set size (PSS: shared
  pages counted once), sampled every 20 ms from /proc: Linux only. Beside each time, the CPU time
  of the process and its workers, which other work on the machine stretches far less.
- `serve`: the same two edits, each saved three times (and undone between), timed from the file
  written to the browser told to reload, the quiet wait included (serve_reload.py).
- The Markdown floor: the CPU time of converting every body with the project's Converter and
  nothing else, in one process, and that spread over the machine's cores (markdown_floor.py says
  why the Converter); Python-Markdown with no extensions beside it, for reference.
- The search page's first load: the page and the scripts it loads, as the built page names them,
  raw and gzipped (search_first_load.py).

Figures on a shared machine are noisy (the load average is printed with them); compare ratios from
one run. The engine measured is this checkout's: a run says so when it changed during the run (as it
does under someone's edits; `git archive HEAD | tar -x -C /tmp/engine` gives a copy nobody edits).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# The engine of this checkout, as build.py runs it, whatever an editable install points at; then benchmarks/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import markdown_floor
import search_first_load
import serve_reload
from generate import generate

REPO = Path(__file__).resolve().parent.parent

# The targets, where it sets one: seconds from a body saved to the reload, by corpus size;
# the search page's first load, gzipped.
SERVE_TARGETS = {10_000: 0.5, 150_000: 1.0}
FIRST_LOAD_TARGET = 10**6


@dataclass
class Run:
    seconds: float
    cpu_seconds: float  # user and system, of the process and its workers: what other work on the machine hardly stretches
    peak: int  # bytes: the process tree's peak PSS
    summary: str  # the command's last line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="number of incidents")
    parser.add_argument("--work", type=Path, help="folder for the corpus (default: /tmp/incident-archive-bench/N)")
    parser.add_argument("--jobs", type=int, help="passed to build.py --jobs")
    parser.add_argument("--skip-check", action="store_true")
    args = parser.parse_args()
    root = args.work or Path("/tmp/incident-archive-bench") / str(args.count)
    corpus = _corpus(root, args.count)
    extra = ("--jobs", str(args.jobs)) if args.jobs else ()
    load_before, engine = os.getloadavg(), _engine_stamp()
    runs: dict[str, Run] = {}
    if not args.skip_check:
        _forget(corpus)
        runs["check, no cache"] = _run(corpus, "check", *extra)
    _forget(corpus)
    runs["cold"] = _run(corpus, "build", *extra)
    runs["no change"] = _run(corpus, "build", *extra)
    edits = _edits(corpus, args.count)
    edited = {path: path.read_text(encoding="utf-8") for path, _ in edits.values()}
    try:
        for _, edit in edits.values():
            edit()
        runs["one edit"] = _run(corpus, "build", *extra)
        if not args.skip_check:
            runs["check, with cache"] = _run(corpus, "check", *extra)
    finally:
        for path, text in edited.items():  # the corpus stays as generated, for the next run
            path.write_text(text, encoding="utf-8")
    reloads = _serve(corpus, edits, extra)
    floor = markdown_floor.measure(corpus)
    first_load = search_first_load.measure(corpus / "output")
    _print(args.count, corpus, runs, reloads, floor, first_load, (load_before, os.getloadavg()))
    if _engine_stamp() != engine:
        print("\nThe engine or its theme changed during the run: the figures mix two versions (a build after such a "
              "change redoes what its cache held). Measure a checkout nobody is editing.")


def _engine_stamp() -> tuple[float, int]:
    """The newest modification time and the number of the engine's and the default theme's files."""
    files = [*(REPO / "incident_archive").rglob("*.py"), *(path for path in (REPO / "templates").rglob("*") if path.is_file())]
    return max((path.stat().st_mtime for path in files), default=0.0), len(files)


def _corpus(root: Path, count: int) -> Path:
    """Generate once per size; later runs reuse it (a stamp file says it is complete)."""
    stamp = root / ".generated"
    if not stamp.exists():
        started = time.perf_counter()
        generate(root, count)
        stamp.write_text(str(count))
        print(f"generated {count:,} incidents in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return root


def _forget(corpus: Path) -> None:
    shutil.rmtree(corpus / "output", ignore_errors=True)
    shutil.rmtree(corpus / ".cache", ignore_errors=True)


def _run(corpus: Path, command: str, *extra: str) -> Run:
    argv = [sys.executable, str(REPO / "build.py"), command, "--root", str(corpus), *extra]
    started, cpu_before = time.perf_counter(), _children_cpu()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = _PeakMemory(process.pid)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    sampler.stop()
    if process.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{output[-3000:]}")
    return Run(seconds, _children_cpu() - cpu_before, sampler.peak, output.strip().splitlines()[-1])


def _children_cpu() -> float:
    """The CPU time of every finished child and its own waited-for children (the build's workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _PeakMemory(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        # Reading PSS walks each process's page tables: for a build of gigabytes a sample takes
        # milliseconds, and sampling every 20 ms took a third of a core from the build it measured
        # (150,000 records). So it rests nine times as long as a sample took: a tenth of a core at most.
        while self.running:
            began = time.perf_counter()
            self.peak = max(self.peak, sum(_pss(pid) for pid in _tree(self.pid)))
            time.sleep(max(0.02, 9 * (time.perf_counter() - began)))

    def stop(self) -> None:
        self.running = False
        self.join()


def _tree(pid: int) -> list[int]:
    pids, index = [pid], 0
    while index < len(pids):
        try:
            for task in os.listdir(f"/proc/{pids[index]}/task"):
                with open(f"/proc/{pids[index]}/task/{task}/children") as children:
                    pids += [int(child) for child in children.read().split()]
        except OSError:
            pass
        index += 1
    return pids


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            match = re.search(r"^Pss:\s+(\d+) kB", rollup.read(), re.MULTILINE)
    except OSError:
        return 0
    return int(match.group(1)) * 1024 if match else 0


def _edits(corpus: Path, count: int) -> dict[str, tuple[Path, Callable[[], None]]]:
    """The one-edit build's two edits: {name: (the file, a function that edits it)}."""
    body, category = _incident_path(corpus, count // 2), _incident_path(corpus, count // 3)
    return {"body": (body, lambda: _edit_body(body)), "category": (category, lambda: _edit_category(category))}


def _edit_body(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\nA sentence added by the benchmark.\n", encoding="utf-8")


def _edit_category(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    category = "Category arson" if "'Category siege'" in text else "Category siege"
    path.write_text(re.sub(r"^categories: .*$", f"categories: ['{category}']", text, count=1, flags=re.MULTILINE),
                    encoding="utf-8")


def _incident_path(corpus: Path, number: int) -> Path:
    return next((corpus / "content" / "incidents").glob(f"*/incident-{number:06d}.md"))


def _serve(corpus: Path, edits, extra: tuple[str, ...]) -> dict[str, serve_reload.Timing] | str:
    """Each edit's reload times; or why serve could not be measured, said in the table rather than ending the run."""
    try:
        return serve_reload.measure(corpus, edits, repeats=3, extra=extra)
    except serve_reload.ServeFailed as failure:
        return str(failure)


def _print(count: int, corpus: Path, runs: dict[str, Run], reloads, floor: markdown_floor.Floor,
           first_load: search_first_load.FirstLoad, loads) -> None:
    """One Markdown table, to paste into an issue, and below it what each figure counts."""
    print(f"\n{count:,} incidents · {_machine()} · {platform.python_implementation()} {platform.python_version()} · "
          f"engine {_engine_version()} · {time.strftime('%Y-%m-%d')} · "
          f"load average {loads[0][0]:.1f} before, {loads[1][0]:.1f} after\n")
    rows = _serve_rows(count, reloads) + _build_rows(runs, floor) + _first_load_rows(first_load)
    print("| figure | measured | target |\n|---|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    for line in _notes(runs, reloads, floor, first_load, corpus):
        print(line)


def _serve_rows(count: int, reloads) -> list[tuple[str, str, str]]:
    target = SERVE_TARGETS.get(count)  # at another size, both are shown, and none is said to be met
    targets = f"< {target:g} s" if target else " · ".join(f"< {limit:g} s at {size:,}" for size, limit in SERVE_TARGETS.items())
    if isinstance(reloads, str):
        return [("`serve`: an edit saved → browser told to reload", "failed (below)", targets)]
    return [(f"`serve`: {name} edit saved → browser told to reload (min / median of {len(timing.reloads)})",
             f"{timing.minimum:.2f} / {timing.median:.2f} s" + _met(timing.median, target), targets)
            for name, timing in reloads.items()]


def _build_rows(runs: dict[str, Run], floor: markdown_floor.Floor) -> list[tuple[str, str, str]]:
    cores = os.cpu_count() or 1
    spread = floor.project_seconds / cores
    cold = runs["cold"]
    rows = [
        ("`build` after one edit (a body, a category)", _seconds_and_peak(runs["one edit"]), "—"),
        ("no-change `build`", _seconds_and_peak(runs["no change"]), "—"),
        ("cold `build` (no cache, no output)", _seconds_and_peak(cold), "—"),
        ("Markdown floor: every body through the project's Converter, one process",
         f"{floor.project_seconds:.1f} CPU-s · {_per_body(floor.project_seconds, floor)} · "
         f"{spread:.1f} s over {cores} cores", "—"),
        ("cold `build` ÷ Markdown floor over the cores (in CPU time: cold `build` ÷ floor)",
         f"{cold.seconds / spread:.2f}× ({cold.cpu_seconds / floor.project_seconds:.2f}×)", "—"),
        ("for reference: Python-Markdown with no extensions",
         f"{floor.bare_seconds:.1f} CPU-s · {_per_body(floor.bare_seconds, floor)}", "—"),
    ]
    if "check, no cache" in runs:
        rows.append(("`check` without / with the cache",
                     f"{runs['check, no cache'].seconds:.2f} / {runs['check, with cache'].seconds:.2f} s", "—"))
    return rows


def _first_load_rows(first_load: search_first_load.FirstLoad) -> list[tuple[str, str, str]]:
    """The first load; then, for each set of parts a loaded script names by a pattern (records-{part}.js),
    the first load with the largest of them: at most what it is when the page loads one before the first search."""
    kb, target = search_first_load.kb, f"< {search_first_load.kb(FIRST_LOAD_TARGET)} gzip"
    rows = [(f"search page's first load: the page and {len(first_load.loaded) - 1} scripts",
             f"{kb(first_load.raw)} · {kb(first_load.gzipped)} gzip" + _met(first_load.gzipped, FIRST_LOAD_TARGET), target)]
    for names in first_load.named.values():
        for name, files in names.items():
            if name:
                with_part = first_load.gzipped + max(file.gzipped for file in files)
                rows.append((f"search page's first load with the largest of the {len(files)} {name}",
                             f"{kb(with_part)} gzip" + _met(with_part, FIRST_LOAD_TARGET), target))
    return rows


def _notes(runs: dict[str, Run], reloads, floor: markdown_floor.Floor, first_load: search_first_load.FirstLoad,
           corpus: Path) -> list[str]:
    if isinstance(reloads, str):
        lines = [f"serve could not be measured: {reloads}"]
    else:
        lines = [f"serve's own rebuild time after the {name} edit: {timing.said_rebuilds}" for name, timing in reloads.items()]
    lines += [f"{name}: {run.summary}" for name, run in runs.items()]
    if floor.problems:
        lines.append(f"the Markdown floor is not the build's: its Converter found {floor.problems} problems in the bodies")
    sizes = [path.stat().st_size for path in (corpus / "output").rglob("*") if path.is_file()]
    lines.append(f"output: {len(sizes):,} files, {sum(sizes) / 2**20:.0f} MB")
    lines.append("search page's first load, each file gzipped on its own (level 6):")
    return lines + search_first_load.describe(first_load)


def _seconds_and_peak(run: Run) -> str:
    return f"{run.seconds:.2f} s ({run.cpu_seconds:.1f} CPU-s) · {run.peak / 2**20:,.0f} MB peak"


def _per_body(seconds: float, floor: markdown_floor.Floor) -> str:
    return f"{seconds / floor.bodies * 1000:.2f} ms a body"


def _met(measured: float, target: float | None) -> str:
    return "" if target is None else " (met)" if measured < target else " (**missed**)"


def _machine() -> str:
    """The processor's model and the cores the build may use: what the figures depend on most."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read(), re.MULTILINE)
    except OSError:
        model = None
    return f"{model.group(1) if model else platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def _engine_version() -> str:
    """The commit measured, and whether the engine or the theme differ from it."""
    def git(*argv: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(REPO), *argv], capture_output=True, text=True, timeout=30).stdout.strip()
        except OSError:
            return ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "(not a git checkout)"
    changed = git("status", "--porcelain", "--untracked-files=no", "--", "incident_archive", "templates")
    return commit + (" with uncommitted changes" if changed else "")


if __name__ == "__main__":
    main()
