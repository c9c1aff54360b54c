"""Resident photos: checked by content, decoded, re-encoded and stripped before anything is stored.

A photo from a public form is hostile until proven otherwise. What we store is
never the uploaded file: it is a fresh JPEG encoded from the decoded pixels,
so no metadata (EXIF GPS position, camera serial, XMP, comments) and no payload
hidden next to the image data can survive.

The order of the checks matters:

1. size in bytes, before anything is parsed;
2. HTML/script markers anywhere in the raw bytes (an image/HTML polyglot is
   refused outright, not merely neutralised);
3. the format, read from the content by the decoders of the allow-list only
   (the file name and declared type are ignored);
4. the pixel count, read from the header *before* decoding, so that a
   decompression bomb (a small file that expands to gigabytes) costs nothing;
5. full decode (a truncated file fails here), auto-rotation from the EXIF
   orientation, conversion to sRGB, downscaling to `MAX_SIDE_PX`, re-encoding.
"""

import io
import re
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

# iPhones save HEIC by default; teach Pillow to read it.
register_heif_opener()
# Never "repair" a truncated upload by padding it with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

MAX_SIDE_PX = 2048
JPEG_QUALITY = 85
# Formats as Pillow names them; HEIF covers the iPhone's HEIC.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
# A 48-megapixel phone camera makes 8064 × 6048 = 48.8 M pixels; leave a little margin.
DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PHOTOS_PER_SIGNAL = 3

# Markers of a web page or script hidden in an image (in a comment, a text chunk, or appended).
# Each needs five or more exact bytes, so the compressed pixel data of a real photo matches
# by chance about once in millions of 10 MB files.
_ACTIVE_CONTENT = re.compile(
    rb"<(?:script|html|body|iframe|object|embed|!doctype)[\s>/]|<\?php|javascript:",
    re.IGNORECASE,
)


class InvalidPhoto(ValueError):
    """A file we refuse; the message is for the resident."""


class InvalidPhotos(ValueError):
    """Some of the files sent together are refused: one message per file, for the resident."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class CleanPhoto:
    content: ContentFile
    width: int
    height: int


def max_bytes() -> int:
    return getattr(settings, "PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_pixels() -> int:
    return getattr(settings, "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def _too_big_message() -> str:
    return _("This photo is too large: %(max)d MB at most.") % {"max": max_bytes() // (1024 * 1024)}


def photo_read(*, upload) -> bytes:
    """Read an uploaded file, refusing it on its size before it is loaded into memory."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        raise InvalidPhoto(_too_big_message())
    upload.seek(0)
    # One byte more than allowed tells "too big" from "exactly the limit" without reading it all.
    data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise InvalidPhoto(_too_big_message())
    return data


def photos_clean(*, files, first_position: int = 1) -> list[CleanPhoto]:
    """Read and clean the photos a resident sent together, or refuse them with one message
    per bad file, naming it by its position in the form."""
    cleaned, errors = [], []
    for position, upload in enumerate(files, start=first_position):
        try:
            cleaned.append(photo_clean(data=photo_read(upload=upload), name=f"photo-{position}"))
        except InvalidPhoto as error:
            errors.append(
                _("Photo %(position)d (%(name)s): %(error)s")
                % {"position": position, "name": upload.name[:80], "error": error}
            )
    if errors:
        raise InvalidPhotos(errors)
    return cleaned


def photo_clean(*, data: bytes, name: str = "photo") -> CleanPhoto:
    """Check and re-encode one photo; raises `InvalidPhoto` with a message for the resident."""
    if len(data) > max_bytes():
        raise InvalidPhoto(_too_big_message())
    if not data:
        raise InvalidPhoto(_("This file is empty."))
    if _ACTIVE_CONTENT.search(data):
        raise InvalidPhoto(
            _("This file contains web page code (HTML or script) and is refused as a photo.")
        )
    image = _open_checked(data)
    try:
        with warnings.catch_warnings():
            # Above MAX_IMAGE_PIXELS Pillow only warns; our own limit is already checked.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
        image = ImageOps.exif_transpose(image)
        image = _to_srgb(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise InvalidPhoto(
            _("This photo is damaged or incomplete (truncated file); please send it again.")
        ) from error
    image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX), Image.Resampling.LANCZOS)
    # A brand-new image from raw pixels carries no info dict: no EXIF, XMP, ICC or comment
    # can ride along into the encoder.
    bare = Image.frombytes("RGB", image.size, image.tobytes())
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return CleanPhoto(
        content=ContentFile(out.getvalue(), name=f"{name}.jpg"),
        width=bare.width,
        height=bare.height,
    )


def _open_checked(data: bytes) -> Image.Image:
    """Identify the format from the content and check the pixel count, without decoding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError as error:
        raise InvalidPhoto(_bomb_message()) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise InvalidPhoto(
            _("This file is not a photo we accept: send a JPEG, PNG, WebP or HEIC image.")
        ) from error
    if image.format not in ALLOWED_FORMATS:  # defensive: `formats=` already restricts
        raise InvalidPhoto(
            _("This file is not a photo we accept: send a JPEG, PNG, WebP or HEIC image.")
        )
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > max_pixels():
        raise InvalidPhoto(_bomb_message())
    return image


def _bomb_message() -> str:
    return _("This image has too many pixels (%(max)d million at most).") % {
        "max": max_pixels() // 1_000_000
    }


def _to_srgb(image: Image.Image) -> Image.Image:
    """Flatten to RGB, converting from the embedded colour profile so colours survive its removal."""
    icc = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        # Transparent pixels become white, not the black that a bare convert would leave.
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode != "RGB":
        image = image.convert("RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            target = ImageCms.createProfile("sRGB")
            image = ImageCms.profileToProfile(image, source, target, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, TypeError, ValueError):
            # A broken profile is dropped; the pixels are still shown, in the wrong gamut at worst.
            pass
    return image
