"""Where every page lives in the output, and the relative links between pages.

Every internal link is relative and names its file (`../x/index.html`), so that one build works
under any sub-path and from disk, where a browser shows a folder's listing rather than its index.
"""

from __future__ import annotations

from .names import slugify

HOME = "index.html"
NOT_FOUND = "404.html"
FEED = "feed.xml"
PLACES = "places"
STATUSES = "status"
SEARCH = "search"
MAP = "map"
DATES = "dates"
DATA = "data"


def listing(base: str, number: int = 1) -> str:
    """Page N of a paginated list: base/index.html, then base/page/N/index.html (Hugo's scheme)."""
    return f"{base}/index.html" if number == 1 else f"{base}/page/{number}/index.html"


def period(base: str, year: int, month: int | None = None) -> str:
    """The folder of one year's or month's part of a list past its first page: base/dates/2022/,
    base/dates/2022/03/. Nested under a word, so that no slug (a region named 2022) can take it."""
    return f"{base}/{DATES}/{year:04d}/{month:02d}" if month else f"{base}/{DATES}/{year:04d}"


def incident(incident_id: str) -> str:
    return f"{incident_folder(incident_id)}/index.html"


def incident_folder(incident_id: str) -> str:
    """The folder of an incident's page: its body's relative links are written from there."""
    return f"incidents/{incident_id}"


def incident_json(incident_id: str) -> str:
    """An incident's own JSON, beside its page."""
    return f"{incident_folder(incident_id)}/index.json"


def index(section: str) -> str:
    """A section's own page: a taxonomy's terms, the places, the statuses, search."""
    return f"{section}/index.html"


def feed(folder: str = "") -> str:
    """The Atom feed of a list page (folder ""; the home page's)."""
    return f"{folder}/{FEED}" if folder else FEED


def data(name: str) -> str:
    """A file of the open data: data/incidents.json, ..."""
    return f"{DATA}/{name}"


def term(taxonomy: str, slug: str) -> str:
    return f"{taxonomy}/{slug}"


def place(country_slug: str, region_slug: str | None = None) -> str:
    return f"{PLACES}/{country_slug}/{region_slug}" if region_slug else f"{PLACES}/{country_slug}"


def status(key: str) -> str:
    return f"{STATUSES}/{key}"


def page(page_id: str) -> str:
    return f"{page_id}/index.html"


def date_page(year: int, month: int | None = None) -> str:
    """A year's or a month's page, dates/2022/index.html or dates/2022/03/index.html: one address
    for one period, whatever is added later, so that it can be cited (unlike page N of a list)."""
    return f"{DATES}/{year:04d}/{month:02d}/index.html" if month else f"{DATES}/{year:04d}/index.html"


def map_outlines(frame_name: str) -> str:
    """The country outlines of the maps drawn in one frame (maps.Frame.name): the map's and every
    incident's locator share one file, each place's map that fits its own."""
    return f"{MAP}/outlines/{frame_name}.svg"


def media(name: str) -> str:
    """A file of content/media/, published as it is at media/<name>."""
    return f"media/{name}"


def absolute(base_url: str, path: str) -> str:
    """The public, pretty address of an output: base_url + 'incidents/x/' for 'incidents/x/index.html'.

    For what leaves the site (canonical links, feeds, the sitemap, citations), where a server
    answers the folder's address and the address should outlive the file layout.
    """
    return base_url + (path[: -len("index.html")] if path.endswith("index.html") else path)


def permanent(base_url: str | None, incident_id: str) -> str | None:
    """An incident's permanent public address, as feeds, data and citations give it; None without base_url."""
    return absolute(base_url, incident(incident_id)) if base_url else None


# The incidents that have a page in each language other than the default, by its prefix ("uk/"):
# those translated into it (outputs.plan sets it before any page is rendered). Links to the others
# lead to the default language's page.
TRANSLATED: dict[str, frozenset[str]] = {}


class Links:
    """Links from one page to the others: relative, or under `root` for pages served at any depth.

    A page in a language other than the default (`prefix` "uk/") links to that language's pages,
    to the default language's page of a record not translated into it, and to the files every
    language shares (static/, media/, data/, the map's outlines) at the site's root.
    """

    def __init__(self, page_path: str, root: str | None = None, prefix: str = ""):
        self.root = root  # e.g. "/archive/" for 404.html, which the server returns at any depth
        self.page_dir = page_path.split("/")[:-1]
        self.prefix = prefix

    def here(self, target: str) -> str:
        """A link to a page of this page's language."""
        return self.to(self.prefix + target)

    def to(self, target: str) -> str:
        """The shortest relative link, as posixpath.relpath gives it (without its os.getcwd per call)."""
        if self.root is not None:
            return self.root + target
        parts, here = target.split("/"), self.page_dir
        common = 0
        while common < min(len(here), len(parts) - 1) and here[common] == parts[common]:
            common += 1
        return "../" * (len(here) - common) + "/".join(parts[common:])

    def vantage(self) -> tuple:
        """All that this page's links to the sections' indexes, the menu's pages, data/ and static/
        depend on: its depth and the folders it shares with them (those pages sit one folder deep,
        under a language's prefix two), so pages of equal vantage link to them alike."""
        shared = 2 if self.prefix else 1
        return (self.root, len(self.page_dir), tuple(self.page_dir[:shared]))

    def home(self) -> str:
        return self.here(HOME)

    def index(self, section: str) -> str:
        return self.here(index(section))

    def feed(self, folder: str = "") -> str:
        return self.here(feed(folder))

    def data(self, name: str) -> str:
        return self.to(data(name))

    def static(self, name: str) -> str:
        return self.to(f"static/{name}")

    def incident(self, incident_id: str) -> str:
        if self.prefix and incident_id in TRANSLATED.get(self.prefix, ()):
            return self.here(incident(incident_id))
        return self.to(incident(incident_id))

    def incident_json(self, incident_id: str) -> str:
        return self.to(incident_json(incident_id))

    def listing(self, base: str, number: int = 1) -> str:
        return self.here(listing(base, number))

    def term(self, taxonomy: str, name: str) -> str:
        """A term's page, from the term as a record spells it (every spelling of a term has one slug)."""
        return self.term_group(taxonomy, slugify(name))

    def term_group(self, taxonomy: str, slug: str) -> str:
        return self.here(listing(term(taxonomy, slug)))

    def place(self, location) -> str | None:
        """The deepest place page of a location: its region's, else its country's."""
        if not location.country:
            return None
        region = slugify(location.admin1) if location.admin1 else None
        return self.here(listing(place(location.country.lower(), region)))

    def country(self, code: str) -> str:
        return self.here(listing(place(code.lower())))

    def region(self, country_slug: str, region_slug: str) -> str:
        return self.here(listing(place(country_slug, region_slug)))

    def status(self, key: str) -> str:
        return self.here(listing(status(key)))

    def page(self, page_id: str) -> str:
        return self.here(page(page_id))

    def date(self, year: int, month: int | None = None) -> str:
        return self.here(date_page(year, month))

    def map_outlines(self, frame_name: str) -> str:
        return self.to(map_outlines(frame_name))
