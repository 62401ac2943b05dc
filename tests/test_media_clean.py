"""Media are published clean: images re-encoded without EXIF, GPS, XMP, comments or text chunks; other
files only on a maintainer's word; and the `media` field that shows them on the page, checked."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from conftest import VALID_FRONT, ArchiveFolder, run_cli
from test_check_problems import assert_reported

SECRET = "WITNESS-7f3a"  # in every piece of metadata the test images carry
XMP = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{SECRET} xmp</dc:creator>'
       f'</rdf:Description></rdf:RDF></x:xmpmeta>').encode()
# What would show that metadata survived, whatever the format: the secret, EXIF's and XMP's markers,
# and a GPS latitude as EXIF stores it (50/1, 27/1 as big-endian rationals).
MARKERS = (SECRET.encode(), b"Exif\x00\x00", b"http://ns.adobe.com/xap", b"adobe:ns:meta", b"<x:xmpmeta",
           (50).to_bytes(4, "big") + (1).to_bytes(4, "big") + (27).to_bytes(4, "big"))
GPS_IFD = 0x8825
ORIENTATION, MAKE, SERIAL = 0x0112, 0x010F, 0xA431


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = f"{SECRET} camera"
    exif[SERIAL] = f"{SECRET} serial"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (50.0, 27.0, 2.5), 3: "E", 4: (30.0, 13.0, 7.25)})
    return exif


def photo_jpeg(orientation: int = 6, with_profile: bool = True) -> bytes:
    """A 40 × 20 phone photo with a GPS position, a camera serial, XMP, a comment and an ICC profile,
    taken with the phone turned (orientation 6: the picture is shown rotated, 20 × 40)."""
    out = io.BytesIO()
    picture = Image.new("RGB", (40, 20), (180, 40, 40))
    picture.paste((20, 40, 160), (0, 0, 20, 20))
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes() + f"{SECRET} profile".encode()
    picture.save(out, "JPEG", exif=exif_with_gps(orientation), xmp=XMP, comment=f"{SECRET} comment".encode(),
                 icc_profile=profile if with_profile else None)
    return out.getvalue()


def map_png(colour: tuple[int, int, int, int] = (10, 120, 60, 200)) -> bytes:
    """A PNG with tEXt, iTXt and zTXt chunks (one of them XMP) and an eXIf chunk."""
    chunks = PngImagePlugin.PngInfo()
    chunks.add_text("Author", f"{SECRET} text")
    chunks.add_itxt("Description", f"{SECRET} itxt")
    chunks.add_text("Comment", f"{SECRET} ztxt " * 20, zip=True)
    chunks.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    Image.new("RGBA", (16, 12), colour).save(out, "PNG", pnginfo=chunks, exif=exif_with_gps())
    return out.getvalue()


def animation_gif() -> bytes:
    frames = [Image.new("RGB", (8, 8), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0,
                   comment=f"{SECRET} gif comment".encode())
    return out.getvalue()


MEDIA_FRONT = VALID_FRONT + """\
media:
  - file: bucha/yard.jpg
    alt: The yard behind the building, seen from the gate
    caption: The yard on 4 April 2022
    credit: A. Photographer
    licence: CC BY 4.0
  - file: map.png
    alt: A map of the street
"""
# Lines of MEDIA_FRONT's items: the opening --- is line 1, `media:` line 7.
FIRST_ITEM_LINE, SECOND_ITEM_LINE = 8, 13


def media_archive(archive: ArchiveFolder, front: str = MEDIA_FRONT) -> ArchiveFolder:
    archive.write("content/media/bucha/yard.jpg", photo_jpeg())
    archive.write("content/media/map.png", map_png())
    archive.incident("x", front)
    return archive


def assert_clean(path: Path) -> Image.Image:
    data = path.read_bytes()
    for marker in MARKERS:
        assert marker not in data, (path, marker)
    image = Image.open(path)
    assert not set(image.info) & {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Author",
                                  "Description", "Comment", "photoshop", "adobe"}, image.info
    assert not image.getexif(), dict(image.getexif())
    assert not getattr(image, "text", {}), image.text
    return image


# 1. Images are published clean

def test_images_are_published_without_their_metadata(archive):
    media_archive(archive)
    archive.write("content/media/upright.jpg", photo_jpeg(orientation=1, with_profile=False))
    original = Image.open(archive.root / "content/media/bucha/yard.jpg")
    assert original.getexif().get_ifd(GPS_IFD) and "comment" in original.info and "xmp" in original.info
    code, output = archive.build()
    assert code == 0, output
    photo = assert_clean(archive.output / "media/bucha/yard.jpg")
    assert (photo.format, photo.size) == ("JPEG", (20, 40))  # turned upright, as the phone's orientation said
    assert photo.getpixel((10, 5))[2] > 120  # the blue corner is now at the top right: turned, not only resized
    assert assert_clean(archive.output / "media/upright.jpg").size == (40, 20)
    drawing = assert_clean(archive.output / "media/map.png")
    assert (drawing.format, drawing.mode, drawing.size) == ("PNG", "RGBA", (16, 12))
    assert drawing.getpixel((0, 0)) == (10, 120, 60, 200)


def test_an_animated_gif_keeps_its_frames_and_timing_but_not_its_comment(archive):
    archive.write("content/media/loop.gif", animation_gif())
    code, output = archive.build()
    assert code == 0, output
    animation = assert_clean(archive.output / "media/loop.gif")
    assert animation.n_frames == 3 and animation.info.get("loop") == 0
    shown = []
    for index in range(3):
        animation.seek(index)
        shown.append((animation.info["duration"], animation.convert("RGB").getpixel((0, 0))))
    assert shown == [(100, (255, 0, 0)), (200, (0, 255, 0)), (300, (0, 0, 255))]


def test_two_clean_builds_publish_the_same_bytes(archive, tmp_path):
    media_archive(archive)
    archive.write("content/media/loop.gif", animation_gif())
    made = []
    for name in ("one", "two"):
        code, output = run_cli("build", "--root", str(archive.root), "--out", str(tmp_path / name), "--clean")
        assert code == 0, output
        made.append({path.name: path.read_bytes() for path in (tmp_path / name / "media").rglob("*.*")})
    assert made[0] == made[1] and sorted(made[0]) == ["loop.gif", "map.png", "yard.jpg"]


def test_each_image_is_cleaned_once_and_a_damaged_entry_is_cleaned_again(archive, monkeypatch):
    from incident_archive import images

    cleaned: list[int] = []
    clean = images.clean
    monkeypatch.setattr(images, "clean", lambda data, extension: cleaned.append(len(data)) or clean(data, extension))
    media_archive(archive)
    code, output = archive.build()
    assert code == 0 and len(cleaned) == 2, output  # once each, read stage and render stage together
    published = (archive.output / "media/bucha/yard.jpg").read_bytes()
    entries = [path for path in (archive.root / ".cache/media").rglob("JPEG-*")]
    assert len(entries) == 1 and entries[0].read_bytes().endswith(published)

    photo = archive.root / "content/media/bucha/yard.jpg"
    photo.write_bytes(photo.read_bytes())  # the same bytes, a new modification time: read and copied again
    code, output = archive.build()
    assert code == 0 and len(cleaned) == 2, output  # from the store: not cleaned again
    assert (archive.output / "media/bucha/yard.jpg").read_bytes() == published

    entries[0].write_bytes(entries[0].read_bytes()[:-7] + b"damaged")
    photo.write_bytes(photo.read_bytes())
    code, output = archive.build()
    assert code == 0 and len(cleaned) == 3, output  # the damaged entry was not trusted
    assert (archive.output / "media/bucha/yard.jpg").read_bytes() == published
    assert entries[0].read_bytes().endswith(published)


def test_sha256sums_lists_the_published_media(archive):
    media_archive(archive)
    for edit in ("first build", "the map replaced"):
        if edit == "the map replaced":
            archive.write("content/media/map.png", map_png((200, 10, 10, 255)))
        code, output = archive.build()
        assert code == 0, output
        data = archive.output / "data"
        sums = (data / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
        lines = dict(reversed(line.split("  ", 1)) for line in sums)
        assert {"../media/bucha/yard.jpg", "../media/map.png", "incidents.json"} <= set(lines)
        for name, checksum in lines.items():  # as `cd data && sha256sum -c SHA256SUMS` checks them
            assert hashlib.sha256((data / name).read_bytes()).hexdigest() == checksum, (edit, name)
    original = (archive.root / "content/media/map.png").read_bytes()
    assert lines["../media/map.png"] != hashlib.sha256(original).hexdigest()  # the published bytes', not the input's


@pytest.mark.parametrize("name, data, words", [
    ("broken.png", b"\x89PNG\r\n\x1a\n", "cannot be read as a PNG image"),
    ("renamed.jpg", None, "is a PNG image, not JPEG: rename it to .png"),
    ("cut.jpg", "cut", "cannot be read as a JPEG image"),
])
def test_an_image_pillow_cannot_read_is_an_error_naming_it(archive, name, data, words):
    archive.incident("x")
    archive.write(f"content/media/{name}", map_png() if data is None else photo_jpeg()[:300] if data == "cut" else data)
    for command in (archive.check, archive.build):
        code, output = command()
        assert code == 1 and "Traceback" not in output
        assert words in assert_reported(output, f"content/media/{name}:1: media:")
    assert not archive.output.exists()


def test_a_decompression_bomb_is_reported_not_opened(archive, monkeypatch):
    from PIL import Image as PillowImage

    monkeypatch.setattr(PillowImage, "MAX_IMAGE_PIXELS", 100)  # so that a 16 × 12 image is one
    archive.incident("x")
    archive.write("content/media/map.png", map_png())
    code, output = archive.check()
    assert code == 1 and "Traceback" not in output
    assert "more pixels than an image may have" in assert_reported(output, "content/media/map.png:1: media:")


def test_an_animation_of_too_many_frames_is_reported(archive, monkeypatch):
    from incident_archive import images

    monkeypatch.setattr(images, "MAX_FRAMES", 2)
    archive.incident("x")
    archive.write("content/media/loop.gif", animation_gif())
    code, output = archive.check()
    assert code == 1 and "Traceback" not in output
    assert "an animation of 3 frames" in assert_reported(output, "content/media/loop.gif:1: media:")


# 2. Other kinds only on a maintainer's word

def test_a_video_nobody_vouched_for_is_an_error_at_the_file(archive):
    archive.incident("x")
    archive.write("content/media/clip.mp4", b"\x00\x00\x00\x18ftypmp42" + SECRET.encode())
    code, output = archive.check()
    assert code == 1
    line = assert_reported(output, "content/media/clip.mp4:1: media:")
    assert "metadata_checked: true" in line


def test_a_video_listed_with_metadata_checked_is_published_as_it_is(archive):
    video = b"\x00\x00\x00\x18ftypmp42 cleaned by hand"
    archive.write("content/media/clip.mp4", video)
    archive.incident("x", VALID_FRONT + "media:\n  - file: clip.mp4\n    caption: The convoy\n    metadata_checked: true\n")
    code, output = archive.build()
    assert code == 0, output
    assert (archive.output / "media/clip.mp4").read_bytes() == video
    page = (archive.output / "incidents/x/index.html").read_text(encoding="utf-8")
    assert '<video src="../../media/clip.mp4" controls preload="none">' in page and "The convoy" in page


def test_a_listing_without_metadata_checked_does_not_vouch(archive):
    archive.write("content/media/report.pdf", b"%PDF-1.4\n")
    archive.incident("x", VALID_FRONT + "media:\n  - file: report.pdf\n")
    code, output = archive.check()
    assert code == 1
    assert "metadata" in assert_reported(output, "content/media/report.pdf:1: media:")


# 3. The media field

def test_an_image_without_alt_text_is_an_error_at_its_item(archive):
    media_archive(archive, MEDIA_FRONT.replace("    alt: A map of the street\n", ""))
    code, output = archive.check()
    assert code == 1
    line = assert_reported(output, f"content/incidents/2022/x.md:{SECOND_ITEM_LINE}: media[2].alt:")
    assert "describe the image for readers who cannot see it" in line


def test_a_media_file_that_does_not_exist_is_an_error_at_its_item(archive):
    media_archive(archive, MEDIA_FRONT.replace("file: map.png", "file: maps.png"))
    for command in (archive.check, archive.build):
        code, output = command()
        assert code == 1
        line = assert_reported(output, f"content/incidents/2022/x.md:{SECOND_ITEM_LINE}: media[2].file:")
        assert "'maps.png' is not a file in content/media/" in line and 'did you mean "map.png"' in line


@pytest.mark.parametrize("file, words", [
    ("../../site.yaml", "not a plain path"),
    ("bucha/../map.png", "not a plain path"),
    ("/etc/passwd", "absolute path"),
    ("content/media/map.png", "'map.png'"),
    ("bucha\\\\yard.jpg", "separate folders with /"),
])
def test_a_media_path_outside_content_media_is_refused_at_its_line(archive, file, words):
    media_archive(archive, MEDIA_FRONT.replace("file: bucha/yard.jpg", f'file: "{file}"'))
    code, output = archive.check()
    assert code == 1
    assert words in assert_reported(output, f"content/incidents/2022/x.md:{FIRST_ITEM_LINE}: media[1].file:")


def test_the_page_shows_a_captioned_gallery_and_hides_graphic_items(archive):
    media_archive(archive, MEDIA_FRONT.replace("    alt: A map of the street\n",
                                               "    alt: A map of the street\n    graphic: true\n"))
    code, output = archive.build()
    assert code == 0, output
    page = (archive.output / "incidents/x/index.html").read_text(encoding="utf-8")
    gallery = page[page.index('<section aria-labelledby="media">'):]
    gallery = gallery[:gallery.index("</section>")]
    assert re.search(r'<figure id="media-1">\s*<img src="../../media/bucha/yard.jpg" '
                     r'alt="The yard behind the building, seen from the gate" loading="lazy">', gallery)
    caption = re.search(r"<figcaption>(.*?)</figcaption>", gallery, re.S)
    assert caption and re.sub(r"<[^>]+>", " ", caption[1]).split() == (
        "The yard on 4 April 2022 Credit: A. Photographer · Licence: CC BY 4.0".split())
    graphic = gallery[gallery.index("<details"):gallery.index("</details>")]
    assert "Graphic image" in graphic and 'src="../../media/map.png"' in graphic
    assert "media/map.png" not in gallery.replace(graphic, "")  # only inside the closed <details>


def test_the_open_data_lists_each_records_media(archive):
    media_archive(archive)
    code, output = archive.build()
    assert code == 0, output
    record = json.loads((archive.output / "incidents/x/index.json").read_text(encoding="utf-8"))
    assert record["media"] == [
        {"file": "bucha/yard.jpg", "alt": "The yard behind the building, seen from the gate",
         "caption": "The yard on 4 April 2022", "credit": "A. Photographer", "licence": "CC BY 4.0"},
        {"file": "map.png", "alt": "A map of the street"},
    ]
    schema = json.loads((archive.output / "data/incidents.schema.json").read_text(encoding="utf-8"))
    assert schema["$defs"]["media_item"]["required"] == ["file"]
    rows = list(csv.DictReader(io.StringIO((archive.output / "data/incidents.csv").read_text(encoding="utf-8"))))
    assert (rows[0]["media_count"], rows[0]["media_files"]) == ("2", "bucha/yard.jpg; map.png")


def test_new_offers_the_media_field(archive):
    code, output = run_cli("new", "A new record", "--root", str(archive.root), "--stdout")
    assert code == 0, output
    assert re.search(r"^# .*alt.*\n(?:# .*\n)*media: \[\]$", output, re.M), output


@pytest.mark.slow
def test_the_gallery_of_every_kind_is_valid_html(archive):
    from test_html_valid import nu_errors

    graphic = MEDIA_FRONT.replace("    alt: A map of the street\n", "    alt: A map of the street\n    graphic: true\n")
    media_archive(archive, graphic
                  + "".join(f"  - file: {name}\n    metadata_checked: true\n    caption: A {name}\n"
                            for name in ("clip.mp4", "statement.mp3", "report.pdf")))
    for name in ("clip.mp4", "statement.mp3", "report.pdf"):
        archive.write(f"content/media/{name}", b"cleaned by hand")
    code, output = archive.build()
    assert code == 0, output
    page = archive.output / "incidents/x"
    html = (page / "index.html").read_text(encoding="utf-8")
    assert all(part in html for part in ("<details", "<video", "<audio", 'href="../../media/report.pdf"'))
    assert nu_errors({"page": page}) == {"page": []}
