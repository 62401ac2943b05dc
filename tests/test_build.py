"""Building the fixture archive through the CLI: every page kind, links, redirects, drafts, safety of output/."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO, VALID_FRONT
from site_walk import broken_relative_links, tree_digest

EVERY_PAGE_KIND = [
    "index.html",                                   # home
    "incidents/index.html", "incidents/page/2/index.html",  # the paginated list
    "incidents/river-crossing/index.html",          # an incident
    "categories/index.html", "categories/shelling/index.html", "tags/index.html", "tags/evacuation/index.html",
    "places/index.html", "places/ua/index.html", "places/ua/north-region/index.html", "places/pl/index.html",
    "status/index.html", "status/verified/index.html", "status/retracted/index.html",
    "about/index.html", "methodology/index.html",   # plain pages
    "404.html",
    "incidents/crossing-shelling/index.html",       # redirect from a previous id
    "incidents/market-day-copy/index.html",         # redirect from a merged duplicate
    "static/style.css", "media/map.svg",
]


@pytest.fixture
def built(minimal):
    code, output = minimal.build()
    assert code == 0, output
    return minimal


def page(folder, path: str) -> str:
    return (folder.output / path).read_text(encoding="utf-8")


def test_every_page_kind_is_written(built):
    missing = [path for path in EVERY_PAGE_KIND if not (built.output / path).is_file()]
    assert missing == []


def test_every_relative_link_resolves(built):
    assert broken_relative_links(built.output) == []


def test_summary_line_counts_what_was_done(minimal):
    code, output = minimal.build()
    assert code == 0
    written = sum(1 for path in minimal.output.rglob("*") if path.is_file())
    assert f"build ok: 4 incidents, 2 pages, {written} files written, 0 errors, 0 warnings" in output


def test_incident_page_shows_every_field(built):
    html = page(built, "incidents/river-crossing/index.html")
    for expected in [
        "<h1>Shelling near the river crossing</h1>",
        # date range at day precision; the dash is read "to" by screen readers
        '<time datetime="2022-03-04">4<span aria-hidden="true">–</span>'
        '<span class="visually-hidden"> to </span>6 March 2022</time>',
        "Lake District", "50.5, 30.25", "Precision: approximate",  # as precise as written, no more
        "Confirmed by the archive&#39;s own checks or by a court.",        # the status's definition
        'Killed: 3<span aria-hidden="true">–</span><span class="visually-hidden"> to </span>5', "Injured: 12",
        '<a href="../../categories/shelling/index.html">Shelling</a>',
        '<a href="https://example.org/report-1" rel="noreferrer">First report</a>',
        "Example News", '<time datetime="2022-03-05">5 March 2022</time>',
        '<a href="https://web.archive.org/web/2022/https://example.org/report-1" rel="noreferrer">Archived copy</a>',
        "Interview notes held by the fixture&#39;s authors.",
        "The number injured was corrected from 10 to 12.",
        "(formerly crossing-shelling)",
        '<img alt="A map of the crossing" src="../../media/map.svg">',
    ]:
        assert expected in html, expected


def test_sources_are_a_numbered_list(built):
    html = page(built, "incidents/river-crossing/index.html")
    assert '<ol class="sources">' in html and 'id="source-2"' in html


def test_content_warning_hides_the_body_without_javascript(built):
    html = page(built, "incidents/river-crossing/index.html")
    details = html.index('<details class="content-warning">')
    assert details < html.index("The crossing was shelled") < html.index("</details>")
    assert "<script" not in html


def test_date_precision_is_kept(built):
    assert '<time datetime="2022-03">March 2022</time>' in page(built, "incidents/market-day/index.html")
    html = page(built, "incidents/detention-camp/index.html")
    assert '<time datetime="2021">2021</time>' in html and "(known to the year)" in html


def test_related_incidents_are_shown_both_ways(built):
    # Only river-crossing names market-day; the link shows on both.
    assert 'href="../market-day/index.html"' in page(built, "incidents/river-crossing/index.html").split('id="related"')[1]
    assert 'href="../river-crossing/index.html"' in page(built, "incidents/market-day/index.html").split('id="related"')[1]


def test_body_links_become_page_links_and_backlinks(built):
    html = page(built, "incidents/river-crossing/index.html")
    assert '<a href="../market-day/index.html">the market</a>' in html
    assert '<a href="../detention-camp/index.html">Detention at the old school</a>' in html
    mentioned = page(built, "incidents/detention-camp/index.html").split('id="mentioned-in"')[1]
    assert 'href="../river-crossing/index.html"' in mentioned


def test_previous_and_next_follow_the_dates(built):
    html = page(built, "incidents/market-day/index.html")  # March 2022: after 2021-11-20, before 4 March
    assert 'href="../rumour/index.html" rel="prev"' in html
    assert 'href="../river-crossing/index.html" rel="next"' in html


def test_redirects_lead_to_the_current_record(built):
    assert 'content="0; url=../river-crossing/index.html"' in page(built, "incidents/crossing-shelling/index.html")
    assert 'content="0; url=../market-day/index.html"' in page(built, "incidents/market-day-copy/index.html")


def test_merged_duplicates_and_drafts_are_not_listed(built):
    listing = page(built, "incidents/index.html") + page(built, "incidents/page/2/index.html")
    assert "Market day (second report)" not in listing
    assert "unfinished" not in listing
    assert not (built.output / "incidents/unfinished").exists()


def test_drafts_are_published_with_the_drafts_option(minimal):
    code, output = minimal.build("--drafts")
    assert code == 0, output
    assert (minimal.output / "incidents/unfinished/index.html").is_file()


def test_home_page_has_intro_figures_and_latest(built):
    html = page(built, "index.html")
    assert "This is a <strong>fixture</strong>, not a real archive." in html
    assert '<a href="about/index.html">about it</a>' in html
    assert "<strong>3</strong> incidents documented, " in html and ">1 retracted</a> (kept for the record, not counted)." in html
    assert '<th scope="row"><a href="status/verified/index.html">Verified</a></th><td class="number">1</td>' in html
    assert '<th scope="row"><a href="dates/2022/index.html">2022</a></th><td class="number">2</td>' in html
    latest = html.split('id="latest"')[1]
    assert latest.index("Shelling near the river crossing") < latest.index("Market day") < latest.index("A rumour")


def test_term_and_place_pages_list_their_incidents(built):
    shelling = page(built, "categories/shelling/index.html")
    assert "Artillery or rocket fire on a populated area." in shelling  # the closed vocabulary's definition
    assert "Shelling near the river crossing" in shelling and "Market day" in shelling
    region = page(built, "places/ua/north-region/index.html")
    assert "Shelling near the river crossing" in region and "Detention" not in region
    country = page(built, "places/ua/index.html")
    assert 'href="north-region/index.html"' in country and 'href="south-region/index.html"' in country


def test_404_links_from_the_site_root(built):
    html = page(built, "404.html")
    assert 'href="/archive/static/style.css"' in html and 'href="/archive/index.html"' in html


def test_two_builds_are_byte_identical(minimal, tmp_path):
    assert minimal.build("--out", str(tmp_path / "one"))[0] == 0
    assert minimal.build("--out", str(tmp_path / "two"))[0] == 0
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")


def test_failed_build_leaves_previous_output_untouched(minimal):
    assert minimal.build()[0] == 0
    before = tree_digest(minimal.output)
    minimal.write("content/incidents/2022/market-day.md", "---\ntitle: [unclosed\n---\n")
    code, output = minimal.build()
    assert code == 1
    assert "content/incidents/2022/market-day.md:2: " in output  # its words are test_yaml_messages.py's
    assert tree_digest(minimal.output) == before
    assert [p.name for p in minimal.root.iterdir() if p.name.startswith(".output")] == []


def test_template_error_leaves_previous_output_untouched(minimal):
    assert minimal.build()[0] == 0
    before = tree_digest(minimal.output)
    minimal.write("templates/page.html", "{% extends 'base.html' %}\n{% block main %}{{ page.no_such_field }}{% endblock %}\n")
    code, output = minimal.build()
    assert code == 1
    assert "templates/page.html:2: template:" in output
    assert tree_digest(minimal.output) == before


def test_archive_templates_override_the_default_theme_file_by_file(minimal):
    minimal.write("templates/page.html", "{% extends 'base.html' %}{% block main %}<p>Custom page</p>{% endblock %}\n")
    minimal.write("templates/static/extra.css", "p { color: black; }\n")
    assert minimal.build()[0] == 0
    assert "<p>Custom page</p>" in page(minimal, "about/index.html")
    assert "Shelling near the river crossing" in page(minimal, "incidents/index.html")  # default list.html
    assert (minimal.output / "static/extra.css").is_file() and (minimal.output / "static/style.css").is_file()


def test_output_folder_that_holds_the_archive_is_refused(minimal):
    code, output = minimal.build("--out", str(minimal.root))
    assert code == 1
    assert "holds the archive itself" in output
    assert (minimal.root / "content").is_dir()


def test_warnings_fail_a_strict_build_and_write_nothing(archive):
    archive.incident("x", VALID_FRONT + "colour: red\n")
    assert archive.build("--strict")[0] == 1
    assert not archive.output.exists()
    assert archive.build()[0] == 0


def test_build_py_is_the_default_command(minimal):
    """`python build.py` with no command builds the archive in the current folder."""
    result = subprocess.run([sys.executable, str(REPO / "build.py")], cwd=minimal.root,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "build ok:" in result.stdout
    assert (minimal.output / "index.html").is_file()


REPOSITORY = ("repository:\n  url: https://github.com/example-org/incident-archive.git\n"
              "  branch: gh-pages-source\n  folder: /archive/\n")


def test_incident_pages_link_to_their_file_and_the_correction_form_when_site_yaml_names_the_repository(minimal):
    site_yaml = minimal.root / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + REPOSITORY, encoding="utf-8")
    code, output = minimal.build()
    assert code == 0, output
    html = page(minimal, "incidents/river-crossing/index.html")
    assert ('<a href="https://github.com/example-org/incident-archive/edit/gh-pages-source/archive/'
            'content/incidents/2022/river-crossing.md" rel="noreferrer">Edit this record</a>') in html
    assert ('<a href="https://github.com/example-org/incident-archive/issues/new?template=correction.yml&amp;'
            'title=Correction%3A+Shelling+near+the+river+crossing&amp;record=river-crossing" '
            'rel="noreferrer">Report a correction</a>') in html
    assert "/edit/gh-pages-source/archive/content/pages/about.md" in page(minimal, "about/index.html")


def test_no_edit_links_without_a_repository(built):
    assert "Edit this record" not in page(built, "incidents/river-crossing/index.html")


def test_a_repository_that_is_not_on_github_is_reported(minimal):
    site_yaml = minimal.root / "site.yaml"
    lines = site_yaml.read_text(encoding="utf-8").count("\n")
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "repository: https://gitlab.com/a/b\n", encoding="utf-8")
    code, output = minimal.check()
    assert code == 1
    assert (f"site.yaml:{lines + 1}: repository.url: 'https://gitlab.com/a/b' is not a GitHub repository's address"
            in output)
