"""Map and timeline benchmark: what the map, the place maps and the timeline cost a build, and how large their pages are.

    python benchmarks/place_and_time.py 10000            # a synthetic corpus (generated once, as run.py does)
    python benchmarks/place_and_time.py 150000
    python benchmarks/place_and_time.py --root DIR       # any archive, e.g. the police corpus

The archive is read and linked as a build reads it (bodies are not converted: these pages show
none); then each step of the map and the timeline is timed on its own, in this process, and their
pages are rendered with the archive's theme. The figures to compare with a whole build's CPU time
(benchmarks/run.py) are the steps' sum. Timings on a shared machine are noisy: compare within a run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

from incident_archive import content, graph, i18n, maps, pipeline, render, timeline
from incident_archive.config import load_config
from incident_archive.theme import loader, read_theme


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", help="number of synthetic incidents")
    parser.add_argument("--root", type=Path, help="an archive folder to measure instead")
    args = parser.parse_args()
    root = args.root or _corpus(args.count)
    archive, config, theme = _read(root)
    print(f"{len(archive.incidents)} incidents ({root})")
    timings: list[tuple[str, float]] = []

    def timed(name, function, *arguments):
        start = time.perf_counter()
        value = function(*arguments)
        timings.append((name, time.perf_counter() - start))
        return value

    frame = timed("map frame", maps.frame_of, archive)
    place_frames = timed("place frames", maps.place_frames, archive)
    names = maps.names_of_places(archive)
    words = i18n.words(config.language, theme.catalogues.get(config.language, ()))
    timed("map marks", lambda: maps.marks(archive.incidents.values(), frame, names, config, words))
    timed("place maps' marks", lambda: [maps.marks((archive.incidents[i] for i in group.ids), place_frames[key], names,
                                                   config, words, key)
                                         for key, group in _place_groups(archive) if key in place_frames])
    timed("locators", lambda: [maps.locator(incident, frame, config, words) for incident in archive.incidents.values()])
    timed("table of places", maps.place_counts, archive, words)
    outlines = timed("outlines files", lambda: [maps.outlines_svg(each) for each in {frame, *place_frames.values()}])
    timed("timeline and date pages", timeline.dates, archive, config, words)
    timed("home's timeline", timeline.compact, archive, config, words)
    env = render.make_environment(config, loader(theme), catalogues=theme.catalogues)
    navigation = render.site_navigation(archive, config, words)
    specs = [*render._map_pages(archive, frame, config, words), *render._date_pages(archive, config, words)]
    pages = {}

    def render_them():
        for spec in specs:
            spec.context |= navigation
            pages[spec.path] = spec.make(env, lambda key: "")

    timed("rendering map and date pages", render_them)
    for name, seconds in timings:
        print(f"  {name:<32} {seconds:8.3f} s")
    print(f"  {'sum':<32} {sum(seconds for _, seconds in timings):8.3f} s")
    months = [size for path, size in ((p, len(b)) for p, b in pages.items()) if path.count("/") == 3]
    kib = {name: len(pages[name]) / 1024 for name in ("map/index.html", "dates/index.html")}
    print(f"map/index.html {kib['map/index.html']:.0f} KiB; outlines: {len(outlines)} files, "
          f"{sum(len(text) for text in outlines) / 1024:.0f} KiB; dates/index.html {kib['dates/index.html']:.0f} KiB; "
          f"{len(pages)} map and date pages, largest month page {max(months, default=0) / 1024:.0f} KiB")


def _corpus(count: int) -> Path:
    root = Path("/tmp/incident-archive-bench") / str(count)
    stamp = root / ".generated"
    if not stamp.is_file() or stamp.read_text() != str(count):
        generate(root, count)
        stamp.write_text(str(count))
    return root


def _read(root: Path):
    config, problems = load_config(root)
    assert config is not None, problems
    theme = read_theme(config)
    options = pipeline.Options()
    cache = pipeline._open_cache(root, config, theme, options)
    try:
        reading = pipeline.read_archive(root, config, content.discover(root), cache, options)
    finally:
        cache.close()
    archive, _ = graph.link(reading, config)
    return archive, config, theme


def _place_groups(archive):
    for country in archive.countries:
        yield (country.slug, ""), country
        for region in country.children:
            yield (country.slug, region.slug), region


if __name__ == "__main__":
    main()
