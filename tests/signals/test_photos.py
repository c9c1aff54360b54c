"""Hostile and ordinary photos, built as real files, through `photo_clean`."""

import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms, ImageFile

from signals.photos import InvalidPhoto, photo_clean, photo_read

SERIAL = "SN-4242-CAMERA"


def jpeg_with_metadata(size=(300, 100), orientation=1) -> bytes:
    """A phone-like JPEG: GPS position, camera serial, maker, XMP, an ICC profile."""
    image = Image.new("RGB", size, "red")
    # Right third blue, so a rotation shows in the output.
    image.paste((0, 0, 255), (size[0] * 2 // 3, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0xA431] = SERIAL  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 24.0)
    gps[3] = "E"
    gps[4] = (2.0, 21.0, 7.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(
        out,
        format="JPEG",
        exif=exif.tobytes(),
        icc_profile=icc,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>secret-xmp</rdf:RDF></x:xmpmeta>',
    )
    return out.getvalue()


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def png_bomb(side=20_000) -> bytes:
    """A real decompression bomb: a small PNG that decodes to `side`² grey pixels (400 MB)."""
    rows_per_block = 500
    block = (b"\x00" + b"\x00" * side) * rows_per_block  # filter byte + pixels, per row
    compressor = zlib.compressobj(1)
    chunks = [compressor.compress(block) for _ in range(side // rows_per_block)]
    idat = b"".join(chunks) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def reopen(photo) -> Image.Image:
    return Image.open(io.BytesIO(photo.content.read()))


# --- what comes out ---------------------------------------------------------


def test_a_phone_jpeg_comes_out_without_any_metadata():
    data = jpeg_with_metadata()
    assert SERIAL.encode() in data and b"secret-xmp" in data  # the test file really carries them
    photo = photo_clean(data=data)
    raw = photo.content.read()
    out = Image.open(io.BytesIO(raw))
    assert out.format == "JPEG"
    assert len(out.getexif()) == 0
    assert "icc_profile" not in out.info and "xmp" not in out.info and "exif" not in out.info
    for secret in (SERIAL.encode(), b"secret-xmp", b"PhoneMaker", b"Exif", b"ICC_PROFILE"):
        assert secret not in raw


def test_the_exif_orientation_is_applied_then_dropped():
    # Orientation 6: the camera was turned; viewers rotate 90° clockwise to display it.
    photo = photo_clean(data=jpeg_with_metadata(size=(300, 100), orientation=6))
    out = reopen(photo)
    assert (photo.width, photo.height) == out.size == (100, 300)
    # The blue third, on the right when stored, is at the bottom once turned clockwise.
    red, _green, blue = out.getpixel((50, 290))
    assert blue > 200 and red < 60
    red, _green, blue = out.getpixel((50, 10))
    assert red > 200 and blue < 60


def test_large_photos_are_resized_to_2048_pixels_at_most():
    data = encoded(Image.new("RGB", (5000, 1000), "green"), "PNG")
    photo = photo_clean(data=data)
    assert (photo.width, photo.height) == (2048, 410)
    assert reopen(photo).size == (2048, 410)


def test_small_photos_keep_their_size():
    photo = photo_clean(data=encoded(Image.new("RGB", (640, 480), "green"), "WEBP"))
    assert (photo.width, photo.height) == (640, 480)


def test_an_iphone_heic_is_accepted_and_converted_to_jpeg():
    heic = encoded(Image.new("RGB", (320, 240), (10, 200, 30)), "HEIF", quality=90)
    assert heic[4:12] in (b"ftypheic", b"ftypmif1", b"ftypheix")  # really HEIF on disk
    photo = photo_clean(data=heic)
    out = reopen(photo)
    assert out.format == "JPEG" and out.size == (320, 240)
    red, green, _blue = out.getpixel((160, 120))
    assert green > 150 and red < 60


def test_transparent_areas_become_white_not_black():
    image = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    photo = photo_clean(data=encoded(image, "PNG"))
    assert min(reopen(photo).getpixel((25, 25))) > 240


def test_the_name_and_declared_type_do_not_matter_only_the_content():
    png = encoded(Image.new("RGB", (20, 20), "blue"), "PNG")
    assert photo_clean(data=png, name="holiday.gif").content.name == "holiday.gif.jpg"


# --- what is refused --------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
        b"Hello, this is plain text, not a photo.",
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows executable
        b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>',
    ],
    ids=["pdf", "text", "exe", "svg"],
)
def test_a_file_that_is_not_an_image_is_refused(data):
    with pytest.raises(InvalidPhoto, match="JPEG, PNG, WebP ou HEIC"):
        photo_clean(data=data, name="photo.jpg")


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_images_outside_the_allow_list_are_refused(fmt):
    data = encoded(Image.new("RGB", (20, 20), "blue"), fmt)
    with pytest.raises(InvalidPhoto, match="JPEG, PNG, WebP ou HEIC"):
        photo_clean(data=data)


def test_an_empty_file_is_refused():
    with pytest.raises(InvalidPhoto, match="vide"):
        photo_clean(data=b"")


def test_a_truncated_jpeg_is_refused():
    data = encoded(Image.effect_noise((400, 400), 64).convert("RGB"), "JPEG")
    with pytest.raises(InvalidPhoto, match="tronqué"):
        photo_clean(data=data[: len(data) // 2])


def test_a_truncated_png_is_refused():
    data = encoded(Image.effect_noise((300, 300), 64), "PNG")
    with pytest.raises(InvalidPhoto, match="tronqué"):
        photo_clean(data=data[: len(data) - 200])


def test_a_jpeg_html_polyglot_is_refused():
    # A valid JPEG whose comment segment is a web page: fine for an image viewer, and HTML
    # for a browser that sniffs it.
    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    data = encoded(Image.new("RGB", (40, 40), "red"), "JPEG", comment=page)
    assert Image.open(io.BytesIO(data)).size == (40, 40)  # a readable image
    with pytest.raises(InvalidPhoto, match="HTML ou script"):
        photo_clean(data=data)


def test_a_png_with_a_script_appended_is_refused():
    data = encoded(Image.new("RGB", (40, 40), "red"), "PNG") + b"<script>alert(1)</script>"
    with pytest.raises(InvalidPhoto, match="HTML ou script"):
        photo_clean(data=data)


def test_a_decompression_bomb_is_refused_before_it_is_decoded(monkeypatch):
    bomb = png_bomb()
    assert len(bomb) < 2 * 1024 * 1024  # small on the wire, 400 MB once decoded

    def never(self):
        raise AssertionError("a bomb must be refused from its header, never decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    with pytest.raises(InvalidPhoto, match="trop de pixels"):
        photo_clean(data=bomb)


def test_the_pixel_limit_is_a_setting(settings):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    data = encoded(Image.new("RGB", (1200, 1000), "red"), "PNG")
    with pytest.raises(InvalidPhoto, match="trop de pixels"):
        photo_clean(data=data)


def test_a_file_over_10_mb_is_refused():
    with pytest.raises(InvalidPhoto, match="10 Mo"):
        photo_clean(data=b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024))


def test_an_upload_over_10_mb_is_refused_without_reading_it():
    class Upload(io.BytesIO):
        size = 50 * 1024 * 1024

        def read(self, *args):
            raise AssertionError("read a file already known to be too big")

    with pytest.raises(InvalidPhoto, match="10 Mo"):
        photo_read(upload=Upload())


def test_an_upload_lying_about_its_size_is_still_cut_at_10_mb():
    upload = io.BytesIO(b"\x00" * (10 * 1024 * 1024 + 10))
    upload.size = 5  # what a client claimed
    with pytest.raises(InvalidPhoto, match="10 Mo"):
        photo_read(upload=upload)
