"""Render stage: the files a web host and search engines read: sitemap.xml, robots.txt, .nojekyll and CNAME."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from markupsafe import escape

from .. import urls
from ..config import Config
from ..incremental import Generated
from ..model import Archive, Incident, Page, digest
from ..render import BodyRef, PageSpec
from .feeds import first_day, last_revision

SITEMAP = "sitemap.xml"
# The sitemaps.org protocol's limits for one file; past either, the URLs are split over
# sitemap-1.xml, sitemap-2.xml ... and sitemap.xml becomes their index.
MAX_URLS = 50_000
MAX_BYTES = 52_428_800
# A <url> line's markup around its address and date, counted for the byte limit.
_URL_MARKUP = len("<url><loc></loc><lastmod></lastmod></url>\n")
_FILE_MARKUP = len('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n</urlset>\n')
# Pages that are not for readers to find: redirects stand for other pages, and 404.html is
# served at every missing address.
_NOT_FOR_SEARCH_ENGINES = frozenset({"redirect.html", "moved.html"})


def outputs(archive: Archive, config: Config, bodies: dict[str, BodyRef], root: Path) -> Iterator[PageSpec | Generated]:
    yield PageSpec("robots.txt", "robots.txt", {
        "sitemap": urls.absolute(config.base_url, SITEMAP) if config.base_url else "",
    })
    # GitHub Pages runs Jekyll over a site unless this file says not to; Jekyll hides folders that
    # start with _ and is slow, and the site is already built.
    yield Generated(".nojekyll", digest(".nojekyll"), _empty)
    host = cname(config.base_url)
    if host:
        # Read by GitHub Pages when it publishes a branch; a deploy by GitHub Actions (publish.yml)
        # takes the domain from the repository's settings instead, and the file does no harm.
        yield Generated("CNAME", digest("CNAME", host), lambda body_html: f"{host}\n".encode("ascii"))


def sitemap(config: Config, outputs: Iterable) -> list[PageSpec]:
    """sitemap.xml (and its parts, for a large site) listing every HTML page among `outputs`.

    Takes the build's whole list of outputs, so that a page added by any module (the search page)
    is listed without this module knowing of it. Nothing without base_url: a sitemap's addresses
    must be absolute.
    """
    if config.base_url is None:
        return []
    entries = [(urls.absolute(config.base_url, spec.path), lastmod(spec)) for spec in _pages(outputs)]
    parts = _split(entries)
    if len(parts) == 1:
        return [PageSpec(SITEMAP, "sitemap.xml", {"urls": parts[0]})]
    names = [f"sitemap-{number}.xml" for number in range(1, len(parts) + 1)]
    return [
        *(PageSpec(name, "sitemap.xml", {"urls": part}) for name, part in zip(names, parts, strict=True)),
        PageSpec(SITEMAP, "sitemap-index.xml", {"sitemaps": [urls.absolute(config.base_url, name) for name in names]}),
    ]


def lastmod(spec: PageSpec) -> str | None:
    """The date a page's record says it last changed; None where no record says (never the build's date).

    An incident counts its `updated` date and its corrections, not the incident's own date,
    which says when it happened, not when the page changed.
    """
    record = spec.context.get("incident")
    if isinstance(record, Incident):
        revised = last_revision(record)
        return first_day(revised) if revised else None
    record = spec.context.get("page")
    if isinstance(record, Page) and record.updated:
        return first_day(record.updated)
    return None


def cname(base_url: str | None) -> str | None:
    """The custom domain GitHub Pages should serve the site at, read from base_url; None if it has none.

    A custom domain on GitHub Pages serves the site at its root, so only a base_url at a host's
    root, over the standard port, on a named host that is not GitHub's own (*.github.io), makes one.
    """
    if not base_url:
        return None
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.path not in ("", "/") or parts.port is not None or "." not in host:
        return None
    if host == "github.io" or host.endswith(".github.io") or _is_ip_address(host):
        return None
    return host.encode("idna").decode("ascii")


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _pages(outputs: Iterable) -> Iterator[PageSpec]:
    for output in outputs:
        if (isinstance(output, PageSpec) and output.path.endswith(".html") and output.root is None
                and output.path != "404.html" and output.template not in _NOT_FOR_SEARCH_ENGINES):
            yield output


def _split(entries: list[tuple[str, str | None]]) -> list[list[tuple[str, str | None]]]:
    """Consecutive runs of entries, each within the protocol's limits of URLs and bytes per file."""
    parts: list[list] = [[]]
    size = 0
    for loc, date in entries:
        length = len(str(escape(loc)).encode("utf-8")) + len(date or "") + _URL_MARKUP
        if parts[-1] and (len(parts[-1]) >= MAX_URLS or size + length > MAX_BYTES - _FILE_MARKUP):
            parts.append([])
            size = 0
        parts[-1].append((loc, date))
        size += length
    return parts



def _empty(body_html) -> bytes:
    return b""
