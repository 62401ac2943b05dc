"""Benchmark corpus: N synthetic incidents in this project's format, the same bytes for the same N and seed.

The distributions follow the issue that set the targets: 300–800-word bodies with headings, lists,
links, quotes and tables; ~25 regions in 5 countries, ~15 categories, ~200 tags, every status, 2–5
sources, and some `related` and [[id]] links. Everything is synthetic and says so: no real place,
person or event, and sources point at example.org.

    python benchmarks/generate.py 10000 /tmp/bench-10000
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

SITE_YAML = """\
title: Benchmark archive (synthetic)
description: Synthetic incidents for measuring build speed. Nothing here happened.
base_url: https://example.org/benchmark/
contact: corrections@example.org
per_page: 50
statuses:
  reported: {label: Reported, definition: One source reports it.}
  corroborated: {label: Corroborated, definition: Two or more independent sources agree.}
  verified: {label: Verified, definition: Confirmed by the archive's own checks.}
  contested: {label: Contested, definition: Credible sources disagree.}
  retracted: {label: Retracted, definition: Found unreliable after publication.}
taxonomies:
  categories: {title: Categories, singular: Category}
  perpetrators: {title: Alleged perpetrators, singular: Alleged perpetrator}
  tags: {title: Tags, singular: Tag}
"""

WORDS = (
    "witness report village road convoy shelling morning evening residents market school hospital "
    "checkpoint soldiers police crowd statement footage satellite image crater building street bridge "
    "district officials confirmed denied according source local journalist investigation survivors "
    "family members injured killed detained released vehicle fire smoke damage roof window wall field "
    "river station camp shelter aid workers ambulance night curfew protest arrest interview testimony"
).split()
COUNTRIES = {"UA": "Oblast", "SY": "Governorate", "YE": "Governorate", "SD": "State", "MM": "Region"}
STATUSES = ("reported", "corroborated", "verified", "contested", "retracted")
STATUS_WEIGHTS = (30, 35, 20, 10, 5)
CATEGORIES = tuple(f"Category {name}" for name in (
    "airstrike", "shelling", "shooting", "detention", "disappearance", "torture", "looting", "arson",
    "displacement", "siege", "blockade", "attack on aid", "attack on medical care", "attack on school", "crowd control",
))
PERPETRATORS = tuple(f"Armed group {letter}" for letter in "ABCDEFGH")
TAGS = tuple(f"tag-{number:03d}" for number in range(200))


def generate(root: Path, count: int, seed: int = 1) -> None:
    """Write site.yaml and content/incidents/YYYY/<id>.md for `count` incidents into a fresh root."""
    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(seed)
    regions = [(code, f"{code} {suffix} {number}") for code, suffix in COUNTRIES.items() for number in range(1, 6)]
    ids = [f"incident-{number:06d}" for number in range(count)]
    (root / "content" / "incidents").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    for number, incident_id in enumerate(ids):
        year = 2014 + number * 12 // max(count, 1)
        path = root / "content" / "incidents" / str(year) / f"{incident_id}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(_incident(rng, incident_id, year, regions, ids[:number]), encoding="utf-8")


def _incident(rng: random.Random, incident_id: str, year: int, regions, earlier: list[str]) -> str:
    country, region = rng.choice(regions)
    lines = [
        "---",
        f"id: {incident_id}",
        f'title: "{_sentence(rng, 4, 9).rstrip(".")}"',
        f"date: {year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "location:",
        f'  name: "{rng.choice(WORDS).title()} {rng.randint(1, 400)}"',
        f'  admin1: "{region}"',
        f"  country: {country}",
        f"  lat: {rng.uniform(-60, 60):.4f}",
        f"  lon: {rng.uniform(-170, 170):.4f}",
        f"status: {rng.choices(STATUSES, STATUS_WEIGHTS)[0]}",
        f'summary: "{_sentence(rng, 15, 30)}"',
        f"categories: [{', '.join(repr(c) for c in rng.sample(CATEGORIES, rng.randint(1, 2)))}]",
        f"perpetrators: ['{rng.choice(PERPETRATORS)}']",
        f"tags: [{', '.join(rng.sample(TAGS, rng.randint(2, 6)))}]",
        "casualties:",
        f"  killed: {rng.randint(0, 30)}",
        f'  injured: "{(low := rng.randint(0, 20))}-{low + rng.randint(1, 15)}"',
        "sources:",
    ]
    for number in range(rng.randint(2, 5)):
        lines += [
            f"  - url: https://example.org/{incident_id}/source-{number + 1}",
            f'    title: "{_sentence(rng, 5, 10).rstrip(".")}"',
            f'    publisher: "Publisher {rng.randint(1, 60)}"',
            f"    date: {year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        ]
    # An archived copy of the first source, as verified records need (and the rest are advised) to have.
    lines.insert(lines.index("sources:") + 2,
                 f"    archived_url: https://web.archive.org/web/{year}/https://example.org/{incident_id}/source-1")
    related = rng.sample(earlier[-500:], 1) if earlier and rng.random() < 0.1 else []
    if related:
        lines.append(f"related: [{related[0]}]")
    lines.append("---")
    return "\n".join(lines) + "\n" + _body(rng, earlier) + "\n"


def _body(rng: random.Random, earlier: list[str]) -> str:
    target_words = rng.randint(300, 800)
    parts, words = [], 0
    while words < target_words:
        kind = rng.random()
        if kind < 0.12:
            parts.append(f"## {_sentence(rng, 2, 5).rstrip('.')}")
        elif kind < 0.24:
            items = [f"- {_sentence(rng, 4, 12)}" for _ in range(rng.randint(2, 5))]
            parts.append("\n".join(items))
        elif kind < 0.30:
            parts.append("> " + _sentence(rng, 10, 30))
        elif kind < 0.34:
            rows = [f"| {rng.choice(WORDS)} | {rng.randint(0, 99)} | {rng.choice(WORDS)} |" for _ in range(rng.randint(2, 5))]
            parts.append("| What | Number | Note |\n|---|---:|---|\n" + "\n".join(rows))
        else:
            paragraph = " ".join(_sentence(rng, 8, 20) for _ in range(rng.randint(2, 5)))
            if rng.random() < 0.3:
                paragraph += f" See the [{rng.choice(WORDS)} report](https://example.org/reports/{rng.randint(1, 9999)})."
            if earlier and rng.random() < 0.05:
                paragraph += f" Compare [[{rng.choice(earlier[-500:])}]]."
            parts.append(paragraph)
        words += len(parts[-1].split())
    return "\n\n".join(parts)


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    if rng.random() < 0.2:
        words[rng.randrange(len(words))] = f"*{words[0]}*"
    return " ".join(words).capitalize() + "."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("root", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.root, args.count, args.seed)
    print(f"{args.count} incidents in {args.root}")


if __name__ == "__main__":
    main()
