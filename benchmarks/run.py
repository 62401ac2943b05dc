"""Build-speed benchmark: prints cold, no-change and one-edit build times, check time, peak memory and output size.

    python benchmarks/run.py 10000            # generates the corpus once, under /tmp/incident-archive-bench/
    python benchmarks/run.py 1000 --jobs 1    # single process, for comparison

Each figure comes from one run of the real command line (`build.py`) in a child process, as a
user would run it. Peak memory is the largest total, over the build's processes (the parent and
its workers), of their proportional set size (PSS: shared pages counted once), sampled every
20 ms from /proc: Linux only. Figures on a shared machine are noisy; compare ratios from one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="number of incidents")
    parser.add_argument("--work", type=Path, help="folder for the corpus (default: /tmp/incident-archive-bench/N)")
    parser.add_argument("--jobs", type=int, help="passed to build.py --jobs")
    parser.add_argument("--skip-check", action="store_true")
    args = parser.parse_args()
    root = args.work or Path("/tmp/incident-archive-bench") / str(args.count)
    corpus = _corpus(root, args.count)
    extra = ["--jobs", str(args.jobs)] if args.jobs else []
    rows = []
    if not args.skip_check:
        _forget(corpus)
        rows.append(("check, no cache", *_run(corpus, "check", *extra)))
    _forget(corpus)
    rows.append(("cold build (no cache, no output)", *_run(corpus, "build", *extra)))
    rows.append(("no-change rebuild", *_run(corpus, "build", *extra)))
    edited = {path: path.read_text(encoding="utf-8") for path in _edited_paths(corpus, args.count)}
    try:
        _edit_one_body(corpus, args.count)
        _edit_one_category(corpus, args.count)
        rows.append(("one-edit rebuild (a body, a category)", *_run(corpus, "build", *extra)))
        if not args.skip_check:
            rows.append(("check, with cache", *_run(corpus, "check", *extra)))
    finally:
        for path, text in edited.items():  # the corpus stays as generated, for the next run
            path.write_text(text, encoding="utf-8")
    _print(args.count, rows, corpus)


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


def _run(corpus: Path, command: str, *extra: str) -> tuple[float, int, str]:
    """(wall seconds, peak PSS of the process tree in bytes, the command's summary line)."""
    argv = [sys.executable, str(REPO / "build.py"), command, "--root", str(corpus), *extra]
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = _PeakMemory(process.pid)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    sampler.stop()
    if process.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{output[-3000:]}")
    return seconds, sampler.peak, output.strip().splitlines()[-1]


class _PeakMemory(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, sum(_pss(pid) for pid in _tree(self.pid)))
            time.sleep(0.02)

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


def _edited_paths(corpus: Path, count: int) -> list[Path]:
    return [_incident_path(corpus, count // 2), _incident_path(corpus, count // 3)]


def _edit_one_body(corpus: Path, count: int) -> None:
    path = _incident_path(corpus, count // 2)
    path.write_text(path.read_text(encoding="utf-8") + "\nA sentence added by the benchmark.\n", encoding="utf-8")


def _edit_one_category(corpus: Path, count: int) -> None:
    path = _incident_path(corpus, count // 3)
    text = path.read_text(encoding="utf-8")
    category = "Category arson" if "'Category siege'" in text else "Category siege"
    path.write_text(re.sub(r"^categories: .*$", f"categories: ['{category}']", text, count=1, flags=re.MULTILINE),
                    encoding="utf-8")


def _incident_path(corpus: Path, number: int) -> Path:
    return next((corpus / "content" / "incidents").glob(f"*/incident-{number:06d}.md"))


def _print(count: int, rows, corpus: Path) -> None:
    sizes = [path.stat().st_size for path in (corpus / "output").rglob("*") if path.is_file()]
    files, output_bytes = len(sizes), sum(sizes)
    print(f"\n{count:,} incidents · {platform.python_implementation()} {platform.python_version()} · "
          f"{os.cpu_count()} cores · {time.strftime('%Y-%m-%d')}")
    print(f"{'':40} {'seconds':>8} {'peak MB':>8}  summary")
    for name, seconds, peak, summary in rows:
        print(f"{name:40} {seconds:8.2f} {peak / 2**20:8.0f}  {summary}")
    print(f"output: {files:,} files, {output_bytes / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
